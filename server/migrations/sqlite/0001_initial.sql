-- Cairn's initial schema. Times are Unix milliseconds (INTEGER), so that ordering and ranges are
-- cheap integer comparisons on both SQLite and PostgreSQL.

CREATE TABLE organizations (
    id           INTEGER PRIMARY KEY,
    slug         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    date_created INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- always stored lower-cased, so lookups need no collation
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    -- argon2id PHC string; NULL for accounts that cannot log in with a password
    password_hash TEXT,
    is_superuser  INTEGER NOT NULL DEFAULT 0,
    date_joined   INTEGER NOT NULL
);

CREATE TABLE organization_members (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- owner, manager, admin or member (Sentry's organization roles)
    role            TEXT    NOT NULL,
    date_added      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);

CREATE TABLE teams (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    date_created    INTEGER NOT NULL,
    UNIQUE (organization_id, slug)
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    team_id         INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    slug            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    platform        TEXT,
    date_created    INTEGER NOT NULL,
    -- the counter behind short ids such as BACKEND-1A
    next_short_id   INTEGER NOT NULL DEFAULT 1,
    UNIQUE (organization_id, slug)
);

CREATE TABLE project_keys (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    public_key   TEXT    NOT NULL UNIQUE,
    secret_key   TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    is_active    INTEGER NOT NULL DEFAULT 1,
    date_created INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token, hex; the token itself is shown once and never stored
    token_hash      TEXT    NOT NULL UNIQUE,
    token_last_four TEXT    NOT NULL,
    -- space-separated Sentry scopes, e.g. "project:read event:write"
    scopes          TEXT    NOT NULL,
    name            TEXT,
    date_created    INTEGER NOT NULL
);

CREATE TABLE user_sessions (
    -- SHA-256 of the session cookie's value, hex
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at   INTEGER NOT NULL,
    date_created INTEGER NOT NULL
);

CREATE TABLE issues (
    -- AUTOINCREMENT: a deleted issue's id is never given to another (links to it stay dead)
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    short_id     INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    culprit      TEXT    NOT NULL,
    level        TEXT    NOT NULL,
    platform     TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    -- JSON object: type, value, filename, function, title
    metadata     TEXT    NOT NULL,
    logger       TEXT,
    status       TEXT    NOT NULL DEFAULT 'unresolved',
    substatus    TEXT             DEFAULT 'new',
    is_unhandled INTEGER NOT NULL DEFAULT 0,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    times_seen   INTEGER NOT NULL DEFAULT 0,
    user_count   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, short_id)
);
CREATE INDEX issues_project_last_seen ON issues (project_id, last_seen DESC);

-- Every grouping hash an issue has absorbed: a new event joins the issue of any known hash.
CREATE TABLE issue_hashes (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hash       TEXT    NOT NULL,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, hash)
);

-- Distinct users per issue (user id, email, username or IP, as Sentry's tag `user`).
CREATE TABLE issue_users (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    ident    TEXT    NOT NULL,
    PRIMARY KEY (issue_id, ident)
);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    issue_id    INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    -- 32 lower-case hex digits, as SDKs send it
    event_id    TEXT    NOT NULL,
    timestamp   INTEGER NOT NULL,
    received    INTEGER NOT NULL,
    level       TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    release     TEXT,
    environment TEXT,
    user_ident  TEXT,
    -- the normalized event as JSON
    data        TEXT    NOT NULL,
    UNIQUE (project_id, event_id)
);
CREATE INDEX events_issue_timestamp ON events (issue_id, timestamp DESC);
