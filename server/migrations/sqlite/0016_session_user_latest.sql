-- Distinct users of a release over a period that ends now (the release list's totalUsers,
-- crashFreeUsers and 24-hour adoption) without reading every (hour, user) row of
-- `session_users`: per (project, release, environment, user), the last hour the user had a
-- session in, and the last hour they had an errored, abnormal or crashed one. A user had a
-- session since T exactly when their last hour is at or after T, so these counts stay exact.
-- Periods that end in the past (the sessions API's series) still read `session_users`.
-- Kept up to date by ingestion next to `session_users` (`health::write_user_latest`).
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

-- Bits of session_users.flags: 1 errored, 2 abnormal, 4 crashed.
INSERT INTO session_user_latest (project_id, release, environment, did, last_hour, last_errored,
                                 last_abnormal, last_crashed)
SELECT project_id, release, environment, did, MAX(hour),
       MAX(CASE WHEN flags & 1 THEN hour END),
       MAX(CASE WHEN flags & 2 THEN hour END),
       MAX(CASE WHEN flags & 4 THEN hour END)
FROM session_users
GROUP BY project_id, release, environment, did;
