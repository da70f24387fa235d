-- Saved searches of the issue stream (Sentry's `/organizations/{org}/searches/`): a member's
-- own (`owner`), or shared with the whole organization (`organization`).

CREATE TABLE saved_searches (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Who saved it; for `owner` visibility, the only one who sees it.
    owner_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    name            TEXT    NOT NULL,
    query           TEXT    NOT NULL,
    sort            TEXT    NOT NULL DEFAULT 'date',
    visibility      TEXT    NOT NULL,
    date_created    INTEGER NOT NULL
);

CREATE INDEX saved_searches_by_organization ON saved_searches (organization_id, visibility);
