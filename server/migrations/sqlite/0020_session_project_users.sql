-- Each user's last session hour per project and environment, whatever the release, and how
-- many users have their last hour in each hour (issue 7's release-list target). Adoption's
-- denominator is a project's distinct users over the last 24 hours; counting them as
-- `COUNT(DISTINCT did)` over `session_user_latest` (0016, a row per user and release) read and
-- sorted every user of the day, 45 ms of the release list's 50 on 20,000 users. Now it is the
-- sum of 24 rows of `session_project_user_last_hours`.
--
-- As in 0016, each user also has a row under the environment '/' standing for all
-- environments together. Kept by triggers on `session_user_latest`, so whatever writes that
-- table (ingestion, the health bench's generator) keeps these too: a user's row moves only
-- when one of its releases has a later last hour, once an hour at most.
CREATE TABLE session_project_user_latest (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    environment TEXT    NOT NULL,
    did         TEXT    NOT NULL,
    last_hour   INTEGER NOT NULL,
    PRIMARY KEY (project_id, environment, did)
) WITHOUT ROWID;

CREATE TABLE session_project_user_last_hours (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    environment TEXT    NOT NULL,
    hour        INTEGER NOT NULL,
    users       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, environment, hour)
) WITHOUT ROWID;

CREATE TRIGGER session_project_user_latest_insert AFTER INSERT ON session_project_user_latest
BEGIN
    INSERT INTO session_project_user_last_hours (project_id, environment, hour, users)
    VALUES (new.project_id, new.environment, new.last_hour, 1)
    ON CONFLICT (project_id, environment, hour) DO UPDATE SET users = users + 1;
END;

CREATE TRIGGER session_project_user_latest_update AFTER UPDATE ON session_project_user_latest
WHEN old.last_hour != new.last_hour BEGIN
    UPDATE session_project_user_last_hours SET users = users - 1
    WHERE project_id = old.project_id AND environment = old.environment
      AND hour = old.last_hour;
    INSERT INTO session_project_user_last_hours (project_id, environment, hour, users)
    VALUES (new.project_id, new.environment, new.last_hour, 1)
    ON CONFLICT (project_id, environment, hour) DO UPDATE SET users = users + 1;
END;

CREATE TRIGGER session_user_latest_project_insert AFTER INSERT ON session_user_latest BEGIN
    INSERT INTO session_project_user_latest (project_id, environment, did, last_hour)
    VALUES (new.project_id, new.environment, new.did, new.last_hour)
    ON CONFLICT (project_id, environment, did) DO UPDATE SET last_hour = excluded.last_hour
    WHERE excluded.last_hour > last_hour;
END;

CREATE TRIGGER session_user_latest_project_update AFTER UPDATE ON session_user_latest
WHEN new.last_hour > old.last_hour BEGIN
    INSERT INTO session_project_user_latest (project_id, environment, did, last_hour)
    VALUES (new.project_id, new.environment, new.did, new.last_hour)
    ON CONFLICT (project_id, environment, did) DO UPDATE SET last_hour = excluded.last_hour
    WHERE excluded.last_hour > last_hour;
END;

-- The users stored before this migration.
INSERT INTO session_project_user_latest (project_id, environment, did, last_hour)
SELECT project_id, environment, did, MAX(last_hour)
FROM session_user_latest
GROUP BY project_id, environment, did;

-- Its only reader (the count above) reads the new tables instead; one index less to keep up
-- on every user's move to a later hour.
DROP INDEX session_user_latest_environment_hour;
