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
