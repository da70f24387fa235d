-- Events per (project, release, environment, hour): the release page's "events per hour"
-- (Sentry's events-stats with `release:X`), added per group commit as `issue_hourly` is, so the
-- chart never scans the events table. `hour` is Unix seconds of the hour's start; an event
-- without environment counts under ''.
CREATE TABLE release_event_hourly (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    hour        INTEGER NOT NULL,
    events      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, release, environment, hour)
) WITHOUT ROWID;

-- The events stored before this table existed.
INSERT INTO release_event_hourly (project_id, release, environment, hour, events)
SELECT project_id, release, COALESCE(environment, ''), (timestamp / 3600000) * 3600, COUNT(*)
FROM events
WHERE release IS NOT NULL AND release != ''
GROUP BY 1, 2, 3, 4;
