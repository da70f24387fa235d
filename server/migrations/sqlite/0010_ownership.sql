-- Issue ownership (Sentry's "ownership rules" and "code owners"): each project's rules as
-- written and as resolved to members and teams, its imported CODEOWNERS file, and the owners
-- found for each issue when it opened or regressed.

CREATE TABLE project_ownership (
    project_id           INTEGER PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    raw                  TEXT,
    -- Sentry's schema JSON ({"$version": 1, "rules": [...]}) with owners resolved to ids, so
    -- that ingestion compiles it without looking anyone up. NULL when there are no rules.
    rules_schema         TEXT,
    fallthrough          INTEGER NOT NULL DEFAULT 1,
    auto_assignment      TEXT NOT NULL DEFAULT 'Auto Assign to Issue Owner',
    codeowners_auto_sync INTEGER NOT NULL DEFAULT 1,
    date_created         INTEGER NOT NULL,
    last_updated         INTEGER NOT NULL
);

-- One CODEOWNERS file per project (Sentry keeps one per code mapping; Cairn has none).
CREATE TABLE project_codeowners (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL UNIQUE REFERENCES projects (id) ON DELETE CASCADE,
    raw          TEXT NOT NULL,
    rules_schema TEXT NOT NULL,
    errors       TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
);

-- The owners of the winning rule of the event that opened (or last regressed) an issue:
-- Sentry's GroupOwner. `kind` is `ownershipRule` or `codeowners`; `matched` is the JSON
-- {"field", "value"} the rule matched.
CREATE TABLE issue_owners (
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    team_id    INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    rule       TEXT NOT NULL,
    matched    TEXT NOT NULL,
    date_added INTEGER NOT NULL
);
CREATE INDEX issue_owners_issue ON issue_owners (issue_id);
CREATE INDEX issue_owners_user ON issue_owners (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX issue_owners_team ON issue_owners (team_id) WHERE team_id IS NOT NULL;

-- No rule matched and the project's fallthrough was on: everyone in the project owns it
-- (Sentry notifies all members; nobody is assigned).
ALTER TABLE issues ADD COLUMN owners_fallthrough INTEGER NOT NULL DEFAULT 0;
