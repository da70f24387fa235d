-- Each user's notification options, Sentry's user-scoped ones: whether the emails of issue
-- alerts (`alerts`: new issues) and of workflow (`workflow`: assignments, comments,
-- regressions) are sent (`always`) or not (`never`). No row: `always`, Sentry's default. The
-- in-app inbox shows every notification either way.
CREATE TABLE user_notification_options (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type    TEXT    NOT NULL,
    value   TEXT    NOT NULL,
    UNIQUE (user_id, type)
);
