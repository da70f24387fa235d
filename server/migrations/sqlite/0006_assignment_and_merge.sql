-- Who works on an issue (a member or a team, never both), what each person has seen and
-- bookmarked, the hash that grouped each event (so that an issue can be unmerged by hash), and
-- "ignore until N events / users within a window".
ALTER TABLE issues ADD COLUMN assignee_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE issues ADD COLUMN assignee_team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL;
-- With a window, `snooze_times_seen` / `snooze_user_count` are counts within the last
-- `snooze_window_ms` / `snooze_user_window_ms` milliseconds rather than totals.
ALTER TABLE issues ADD COLUMN snooze_window_ms INTEGER;
ALTER TABLE issues ADD COLUMN snooze_user_window_ms INTEGER;
CREATE INDEX issues_assignee_user ON issues (assignee_user_id) WHERE assignee_user_id IS NOT NULL;
CREATE INDEX issues_assignee_team ON issues (assignee_team_id) WHERE assignee_team_id IS NOT NULL;

CREATE TABLE issue_seen (
    issue_id  INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);

CREATE TABLE issue_bookmarks (
    issue_id     INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);
CREATE INDEX issue_bookmarks_user ON issue_bookmarks (user_id);

-- NULL for events stored before this migration (they stay with their issue on unmerge).
ALTER TABLE events ADD COLUMN primary_hash TEXT;
CREATE INDEX events_issue_primary_hash ON events (issue_id, primary_hash);
