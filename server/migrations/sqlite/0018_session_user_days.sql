-- Distinct users per day (issue 7's targets): `count_unique(user)` by day over 90 days read
-- from `session_users` had to group millions of (hour, user) rows, because distinct users cannot
-- be summed across hours. Users can be summed across nothing, so this keeps them exact another
-- way: one row per (project, release, environment, UTC day, user) with the user's status bits
-- that day (1 errored, 2 abnormal, 4 crashed, as `session_users.flags`), and triggers that keep
-- how many such rows each (project, release, environment, day) has with each bit. A day's
-- distinct users are then one row of `session_day_users`, whatever the number of sessions.
-- As in `session_user_latest` (0016), each user also has a row under the environment '/'
-- (never a valid environment name) standing for all environments together, so that a user of
-- two environments counts once. Kept up to date by ingestion next to `session_users`
-- (`health::write_user_days`).
CREATE TABLE session_user_days (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    day         INTEGER NOT NULL,
    did         TEXT    NOT NULL,
    flags       INTEGER NOT NULL,
    PRIMARY KEY (project_id, release, environment, day, did)
) WITHOUT ROWID;

CREATE TABLE session_day_users (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    environment TEXT    NOT NULL,
    day         INTEGER NOT NULL,
    release     TEXT    NOT NULL,
    users       INTEGER NOT NULL DEFAULT 0,
    errored     INTEGER NOT NULL DEFAULT 0,
    abnormal    INTEGER NOT NULL DEFAULT 0,
    crashed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, environment, day, release)
) WITHOUT ROWID;

CREATE TRIGGER session_user_days_insert AFTER INSERT ON session_user_days BEGIN
    INSERT INTO session_day_users (project_id, environment, day, release, users, errored,
                                   abnormal, crashed)
    VALUES (new.project_id, new.environment, new.day, new.release, 1, new.flags & 1 != 0,
            new.flags & 2 != 0, new.flags & 4 != 0)
    ON CONFLICT (project_id, environment, day, release) DO UPDATE SET
        users = users + 1, errored = errored + excluded.errored,
        abnormal = abnormal + excluded.abnormal, crashed = crashed + excluded.crashed;
END;

-- Bits are only ever added to a user's day, so a changed row adds the bits it did not have.
CREATE TRIGGER session_user_days_update AFTER UPDATE OF flags ON session_user_days
WHEN old.flags != new.flags BEGIN
    UPDATE session_day_users SET
        errored = errored + (new.flags & 1 != 0) - (old.flags & 1 != 0),
        abnormal = abnormal + (new.flags & 2 != 0) - (old.flags & 2 != 0),
        crashed = crashed + (new.flags & 4 != 0) - (old.flags & 4 != 0)
    WHERE project_id = new.project_id AND environment = new.environment AND day = new.day
      AND release = new.release;
END;

-- The sessions stored before this migration.
INSERT INTO session_user_days (project_id, release, environment, day, did, flags)
SELECT project_id, release, environment, hour / 86400 * 86400, did,
       MAX(flags & 1) | MAX(flags & 2) | MAX(flags & 4)
FROM session_users
GROUP BY project_id, release, environment, hour / 86400, did
UNION ALL
SELECT project_id, release, '/', hour / 86400 * 86400, did,
       MAX(flags & 1) | MAX(flags & 2) | MAX(flags & 4)
FROM session_users
GROUP BY project_id, release, hour / 86400, did;

-- The hourly session counts summed per UTC day, kept by triggers on `session_hourly`: the
-- sessions API by day over 90 days reads 24 times fewer rows.
CREATE TABLE session_daily (
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release        TEXT    NOT NULL,
    environment    TEXT    NOT NULL,
    day            INTEGER NOT NULL,
    sessions       INTEGER NOT NULL DEFAULT 0,
    errored        INTEGER NOT NULL DEFAULT 0,
    crashed        INTEGER NOT NULL DEFAULT 0,
    abnormal       INTEGER NOT NULL DEFAULT 0,
    duration_sum   REAL    NOT NULL DEFAULT 0,
    duration_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, release, environment, day)
) WITHOUT ROWID;
CREATE INDEX session_daily_day ON session_daily (project_id, day);

CREATE TRIGGER session_hourly_insert AFTER INSERT ON session_hourly BEGIN
    INSERT INTO session_daily (project_id, release, environment, day, sessions, errored, crashed,
                               abnormal, duration_sum, duration_count)
    VALUES (new.project_id, new.release, new.environment, new.hour / 86400 * 86400,
            new.sessions, new.errored, new.crashed, new.abnormal, new.duration_sum,
            new.duration_count)
    ON CONFLICT (project_id, release, environment, day) DO UPDATE SET
        sessions = sessions + excluded.sessions, errored = errored + excluded.errored,
        crashed = crashed + excluded.crashed, abnormal = abnormal + excluded.abnormal,
        duration_sum = duration_sum + excluded.duration_sum,
        duration_count = duration_count + excluded.duration_count;
END;

CREATE TRIGGER session_hourly_update AFTER UPDATE ON session_hourly BEGIN
    UPDATE session_daily SET
        sessions = sessions + new.sessions - old.sessions,
        errored = errored + new.errored - old.errored,
        crashed = crashed + new.crashed - old.crashed,
        abnormal = abnormal + new.abnormal - old.abnormal,
        duration_sum = duration_sum + new.duration_sum - old.duration_sum,
        duration_count = duration_count + new.duration_count - old.duration_count
    WHERE project_id = new.project_id AND release = new.release
      AND environment = new.environment AND day = new.hour / 86400 * 86400;
END;

INSERT INTO session_daily (project_id, release, environment, day, sessions, errored, crashed,
                           abnormal, duration_sum, duration_count)
SELECT project_id, release, environment, hour / 86400 * 86400, SUM(sessions), SUM(errored),
       SUM(crashed), SUM(abnormal), SUM(duration_sum), SUM(duration_count)
FROM session_hourly
GROUP BY project_id, release, environment, hour / 86400;

-- A project's users of the last 24 hours (the release list's adoption) are those of its
-- all-environments rows with a recent last hour: a range of this index, where the one on
-- (project_id, last_hour) also walked every environment's rows.
CREATE INDEX session_user_latest_environment_hour
    ON session_user_latest (project_id, environment, last_hour);
