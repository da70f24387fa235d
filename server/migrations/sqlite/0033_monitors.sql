-- Cron monitors (Sentry's Crons): a monitor per scheduled job of a project, its state per
-- environment, and the check-ins its job sent (or the clock found missing or timed out).

CREATE TABLE monitors (
    id           INTEGER PRIMARY KEY,
    -- Sentry's `id` of a monitor is a GUID.
    guid         TEXT    NOT NULL UNIQUE,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    slug         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    -- `active` or `disabled`.
    status       TEXT    NOT NULL DEFAULT 'active',
    is_muted     INTEGER NOT NULL DEFAULT 0,
    -- Sentry's stored shape: {"schedule_type", "schedule", "checkin_margin", ...}.
    config       TEXT    NOT NULL,
    date_created INTEGER NOT NULL,
    UNIQUE (project_id, slug)
);

CREATE TABLE monitor_environments (
    id                  INTEGER PRIMARY KEY,
    monitor_id          INTEGER NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    environment         TEXT    NOT NULL,
    -- `active` (no check-in yet), `ok` or `error` (failing).
    status              TEXT    NOT NULL DEFAULT 'active',
    is_muted            INTEGER NOT NULL DEFAULT 0,
    date_created        INTEGER NOT NULL,
    last_checkin        INTEGER,
    -- When the schedule expects the next check-in, and the latest it may come (with the
    -- margin); the clock marks it missed after that.
    next_checkin        INTEGER,
    next_checkin_latest INTEGER,
    -- The issue its failures opened (an issue of its own per monitor environment, which
    -- regresses when the monitor fails again after it recovered).
    issue_id            INTEGER REFERENCES issues (id) ON DELETE SET NULL,
    UNIQUE (monitor_id, environment)
);

-- The clock's scan for missed check-ins.
CREATE INDEX monitor_environments_next ON monitor_environments (next_checkin_latest);

CREATE TABLE monitor_checkins (
    id                     INTEGER PRIMARY KEY,
    -- The SDK's `check_in_id` (32 hex digits), or one of Cairn's.
    guid                   TEXT    NOT NULL,
    monitor_environment_id INTEGER NOT NULL REFERENCES monitor_environments (id) ON DELETE CASCADE,
    -- `in_progress`, `ok`, `error`, `missed` or `timeout`.
    status                 TEXT    NOT NULL,
    -- Milliseconds, once known.
    duration               INTEGER,
    date_created           INTEGER NOT NULL,
    date_updated           INTEGER NOT NULL,
    expected_time          INTEGER,
    -- For `in_progress`: when the clock times it out.
    timeout_at             INTEGER,
    trace_id               TEXT,
    -- The monitor's configuration at the time, as JSON.
    monitor_config         TEXT
);

-- The check-ins' lists (by when they started), and the thresholds' latest check-ins (by when
-- they ended, or were found missed or timed out).
CREATE INDEX monitor_checkins_environment ON monitor_checkins (monitor_environment_id, date_created);
CREATE INDEX monitor_checkins_updated ON monitor_checkins (monitor_environment_id, date_updated);
CREATE INDEX monitor_checkins_guid ON monitor_checkins (guid);
CREATE INDEX monitor_checkins_timeout ON monitor_checkins (timeout_at) WHERE status = 'in_progress';
