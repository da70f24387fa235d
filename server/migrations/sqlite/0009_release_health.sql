-- Release health (issue 7): releases, deploys, and sessions kept as compact hourly aggregates.
-- Times are Unix milliseconds, except the `hour` buckets (Unix seconds of the hour's start, as
-- `issue_hourly`).

-- A release belongs to an organization (Sentry's model); it is created by the releases API or
-- the first event or session that names it.
CREATE TABLE releases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version         TEXT    NOT NULL,
    ref             TEXT,
    url             TEXT,
    date_created    INTEGER NOT NULL,
    date_released   INTEGER,
    -- Newest and oldest event of the release, over all its projects.
    first_event     INTEGER,
    last_event      INTEGER,
    UNIQUE (organization_id, version)
);

-- Which projects a release is in, with what happened there.
CREATE TABLE release_projects (
    release_id  INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- Issues whose first event had this release (Sentry's `newGroups`).
    new_groups  INTEGER NOT NULL DEFAULT 0,
    first_event INTEGER,
    last_event  INTEGER,
    PRIMARY KEY (release_id, project_id)
) WITHOUT ROWID;
CREATE INDEX release_projects_project ON release_projects (project_id);

CREATE TABLE deploys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id    INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    environment   TEXT    NOT NULL,
    name          TEXT,
    url           TEXT,
    date_started  INTEGER,
    date_finished INTEGER NOT NULL
);
CREATE INDEX deploys_release ON deploys (release_id, date_finished);

-- The release of an issue's first event: `newGroups` per release, and what the release list
-- links to.
ALTER TABLE issues ADD COLUMN first_release TEXT;

-- One row per session (project, `sid`) while it can still change: what has been counted for
-- it, so that every later update adds only what is new (a session turns errored, crashed or
-- abnormal exactly once, however often it is reported). Sessions older than 5 days cannot be
-- updated (Sentry's rule), so their rows are pruned.
CREATE TABLE session_states (
    project_id  INTEGER NOT NULL,
    sid         TEXT    NOT NULL,
    -- The attributes of the first update: they cannot change.
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    did         TEXT,
    -- Hour bucket of `started`, where all of the session's counts go.
    hour        INTEGER NOT NULL,
    started     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    -- Bits: 1 counted as started (`init`), 2 errored, 4 abnormal, 8 crashed, 16 ended.
    flags       INTEGER NOT NULL,
    PRIMARY KEY (project_id, sid)
) WITHOUT ROWID;
CREATE INDEX session_states_started ON session_states (started);

-- Sessions per (project, release, environment, hour of `started`), Sentry's metrics:
-- `sessions` = sum(session{init}), `errored` = errored sessions, each once (crashed and
-- abnormal ones included, as Sentry's errored set) plus the errored, abnormal, crashed and
-- unhandled counts of pre-aggregated items, `crashed`, `abnormal`; durations of sessions that
-- exited cleanly.
CREATE TABLE session_hourly (
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release        TEXT    NOT NULL,
    environment    TEXT    NOT NULL,
    hour           INTEGER NOT NULL,
    sessions       INTEGER NOT NULL DEFAULT 0,
    errored        INTEGER NOT NULL DEFAULT 0,
    crashed        INTEGER NOT NULL DEFAULT 0,
    abnormal       INTEGER NOT NULL DEFAULT 0,
    duration_sum   REAL    NOT NULL DEFAULT 0,
    duration_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, release, environment, hour)
) WITHOUT ROWID;
CREATE INDEX session_hourly_hour ON session_hourly (project_id, hour);

-- Distinct users per bucket, kept exactly: one row per user (`did`) with the bits of the sets
-- Sentry puts them in (1 errored, 2 abnormal, 4 crashed; 0 healthy).
CREATE TABLE session_users (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    hour        INTEGER NOT NULL,
    did         TEXT    NOT NULL,
    flags       INTEGER NOT NULL,
    PRIMARY KEY (project_id, release, environment, hour, did)
) WITHOUT ROWID;
CREATE INDEX session_users_hour ON session_users (project_id, hour);
