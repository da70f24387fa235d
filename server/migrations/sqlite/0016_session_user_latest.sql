-- Distinct users of a release over a period that ends now (the release list's totalUsers,
-- crashFreeUsers and 24-hour adoption) without reading every (hour, user) row of
-- `session_users`. Per (project, release, environment, user): the last hour the user had a
-- session in, and the last hour they had an errored, abnormal or crashed one. A user had a
-- session since T exactly when their last hour is at or after T, so the counts stay exact.
-- Each user also has a row under the environment '/' (never a valid environment name: Sentry
-- refuses slashes) standing for all environments together, so that a user of two environments
-- counts once. Periods that end in the past (the sessions API's series) still read
-- `session_users`. Kept up to date by ingestion next to `session_users`
-- (`health::write_user_latest`).
CREATE TABLE session_user_latest (
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release       TEXT    NOT NULL,
    environment   TEXT    NOT NULL,
    did           TEXT    NOT NULL,
    last_hour     INTEGER NOT NULL,
    -- NULL when the user never had such a session.
    last_errored  INTEGER,
    last_abnormal INTEGER,
    last_crashed  INTEGER,
    PRIMARY KEY (project_id, release, environment, did)
) WITHOUT ROWID;
CREATE INDEX session_user_latest_hour ON session_user_latest (project_id, last_hour);

-- How many users have their last hour (and their last crashed hour) in each hour: the users of
-- a release since T are the sum over the hours from T, a few hundred rows for two weeks rather
-- than one row per user. Kept by these triggers as users' last hours move.
CREATE TABLE session_user_last_hours (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    hour        INTEGER NOT NULL,
    users       INTEGER NOT NULL DEFAULT 0,
    crashed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, release, environment, hour)
) WITHOUT ROWID;

CREATE TRIGGER session_user_latest_insert AFTER INSERT ON session_user_latest BEGIN
    INSERT INTO session_user_last_hours (project_id, release, environment, hour, users)
    VALUES (new.project_id, new.release, new.environment, new.last_hour, 1)
    ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET users = users + 1;
    INSERT INTO session_user_last_hours (project_id, release, environment, hour, crashed)
    SELECT new.project_id, new.release, new.environment, new.last_crashed, 1
    WHERE new.last_crashed IS NOT NULL
    ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET crashed = crashed + 1;
END;

CREATE TRIGGER session_user_latest_update AFTER UPDATE ON session_user_latest
WHEN old.last_hour != new.last_hour OR old.last_crashed IS NOT new.last_crashed BEGIN
    UPDATE session_user_last_hours SET users = users - 1
    WHERE old.last_hour != new.last_hour AND project_id = old.project_id
      AND release = old.release AND environment = old.environment AND hour = old.last_hour;
    INSERT INTO session_user_last_hours (project_id, release, environment, hour, users)
    SELECT new.project_id, new.release, new.environment, new.last_hour, 1
    WHERE old.last_hour != new.last_hour
    ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET users = users + 1;
    UPDATE session_user_last_hours SET crashed = crashed - 1
    WHERE old.last_crashed IS NOT new.last_crashed AND project_id = old.project_id
      AND release = old.release AND environment = old.environment AND hour = old.last_crashed;
    INSERT INTO session_user_last_hours (project_id, release, environment, hour, crashed)
    SELECT new.project_id, new.release, new.environment, new.last_crashed, 1
    WHERE new.last_crashed IS NOT NULL AND old.last_crashed IS NOT new.last_crashed
    ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET crashed = crashed + 1;
END;

-- The sessions stored before this migration. Bits of session_users.flags: 1 errored,
-- 2 abnormal, 4 crashed.
INSERT INTO session_user_latest (project_id, release, environment, did, last_hour, last_errored,
                                 last_abnormal, last_crashed)
SELECT project_id, release, environment, did, MAX(hour),
       MAX(CASE WHEN flags & 1 THEN hour END),
       MAX(CASE WHEN flags & 2 THEN hour END),
       MAX(CASE WHEN flags & 4 THEN hour END)
FROM session_users
GROUP BY project_id, release, environment, did
UNION ALL
SELECT project_id, release, '/', did, MAX(hour),
       MAX(CASE WHEN flags & 1 THEN hour END),
       MAX(CASE WHEN flags & 2 THEN hour END),
       MAX(CASE WHEN flags & 4 THEN hour END)
FROM session_users
GROUP BY project_id, release, did;
