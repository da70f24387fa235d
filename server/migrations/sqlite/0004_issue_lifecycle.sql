-- Sentry's `statusDetails` of an issue (JSON; `{}` when none), and the issue's activity log:
-- state changes by people (`set_resolved`, `set_unresolved`, `set_ignored`), comments (`note`)
-- and what Cairn saw (`first_seen`, `set_regression`).
ALTER TABLE issues ADD COLUMN status_details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE issues ADD COLUMN num_comments INTEGER NOT NULL DEFAULT 0;
-- "Ignore until": an ignored issue comes back (substatus `escalating`) once it is seen at
-- `snooze_until` (Unix ms) or later, or reaches `snooze_times_seen` events or
-- `snooze_user_count` users in all (thresholds fixed when it was ignored).
ALTER TABLE issues ADD COLUMN snooze_until INTEGER;
ALTER TABLE issues ADD COLUMN snooze_times_seen INTEGER;
ALTER TABLE issues ADD COLUMN snooze_user_count INTEGER;

CREATE TABLE activities (
    id           INTEGER PRIMARY KEY,
    issue_id     INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    -- who did it; NULL for Cairn itself
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- JSON object, e.g. {"version": "1.2.0"} for a regression
    data         TEXT    NOT NULL DEFAULT '{}',
    date_created INTEGER NOT NULL
);
CREATE INDEX activities_issue ON activities (issue_id, date_created);
