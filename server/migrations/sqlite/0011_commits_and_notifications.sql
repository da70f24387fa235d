-- Release commits (issue 7) and notifications to assignees (issue 8). Times are Unix ms.

-- Repositories are named by what `sentry-cli set-commits` sends (`owner/name` parsed from the
-- git remote); Cairn has no code-host integration, so they are created on first mention, as
-- Sentry does for commits sent without an integration.
CREATE TABLE repositories (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    date_created    INTEGER NOT NULL,
    UNIQUE (organization_id, name)
);

-- Authors as commits name them; they map to members by (lower-cased) email.
CREATE TABLE commit_authors (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT    NOT NULL,
    name            TEXT,
    UNIQUE (organization_id, email)
);

CREATE TABLE commits (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    repository_id   INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    -- the revision (a git sha)
    key             TEXT    NOT NULL,
    message         TEXT,
    author_id       INTEGER REFERENCES commit_authors (id) ON DELETE SET NULL,
    -- the commit's own timestamp when it was sent, else when Cairn first heard of it
    date_added      INTEGER NOT NULL,
    UNIQUE (repository_id, key)
);

-- Files a commit touched: `type` is git's status letter (A, M, D).
CREATE TABLE commit_file_changes (
    id        INTEGER PRIMARY KEY,
    commit_id INTEGER NOT NULL REFERENCES commits (id) ON DELETE CASCADE,
    filename  TEXT    NOT NULL,
    type      TEXT    NOT NULL,
    UNIQUE (commit_id, filename)
);

-- The commits of a release in the order they were sent: 0 is the newest (`lastCommit`).
CREATE TABLE release_commits (
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    commit_id  INTEGER NOT NULL REFERENCES commits (id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL,
    PRIMARY KEY (release_id, commit_id)
) WITHOUT ROWID;
CREATE INDEX release_commits_order ON release_commits (release_id, ord);

-- One row per person to tell about an issue's activity (assigned, regression, comment).
-- `email_state`: 'pending' until the mailer took it ('sent', or 'failed' after its retries).
CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issue_id      INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    activity_id   INTEGER REFERENCES activities (id) ON DELETE SET NULL,
    kind          TEXT    NOT NULL,
    -- the activity's data (JSON), kept should the activity go (a deleted comment)
    data          TEXT    NOT NULL DEFAULT '{}',
    actor_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    date_created  INTEGER NOT NULL,
    date_read     INTEGER,
    email_state   TEXT    NOT NULL DEFAULT 'pending',
    email_tries   INTEGER NOT NULL DEFAULT 0,
    email_next_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE date_read IS NULL;
CREATE INDEX notifications_email ON notifications (email_next_at) WHERE email_state = 'pending';
