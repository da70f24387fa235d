-- "Delete and discard future events" (Sentry's group tombstones): the grouping hashes of a
-- deleted issue whose later events are dropped at ingestion, counted as filtered
-- (`discarded-hash`), instead of opening the issue again.

CREATE TABLE discarded_hashes (
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hash          TEXT    NOT NULL,
    -- The deleted issue's title, to say what is being discarded.
    title         TEXT    NOT NULL,
    actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    date_added    INTEGER NOT NULL,
    PRIMARY KEY (project_id, hash)
) WITHOUT ROWID;
