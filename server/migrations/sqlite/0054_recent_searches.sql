-- Each member's recent searches (Sentry's RecentSearch): the issue stream records a search when
-- it is run, and its search bar offers the latest ones. One row per (organization, user, type,
-- query), put back with a new id when run again (ids order them by their last run); the newest
-- 30 per user and type are kept. Times are Unix milliseconds.
CREATE TABLE recent_searches (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type            INTEGER NOT NULL,
    query           TEXT    NOT NULL,
    last_seen       INTEGER NOT NULL,
    date_created    INTEGER NOT NULL,
    UNIQUE (organization_id, user_id, type, query)
);
CREATE INDEX recent_searches_latest ON recent_searches (organization_id, user_id, type, id);
