-- Which events each dictionary holds the JSON of, so that deleting one of them (with its issue)
-- retires the dictionary: its rows are compressed again without it, and it is deleted (see
-- `store/sqlite/dictionary.rs`). By the event's id within its project, not its row id: SQLite
-- may give a deleted row's id to a new row, an SDK's event id is never reused.
CREATE TABLE event_dictionary_sources (
    dictionary_id INTEGER NOT NULL REFERENCES event_dictionaries (id) ON DELETE CASCADE,
    project_id    INTEGER NOT NULL,
    event_id      TEXT    NOT NULL,
    PRIMARY KEY (project_id, event_id, dictionary_id)
) WITHOUT ROWID;

-- A retired dictionary compresses no new event; it stays (and is read) until no row names it.
ALTER TABLE event_dictionaries ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;

-- The dictionaries made before this migration did not record their events: which deleted
-- issue they hold is unknown, so they are all retired, and each project gets a new one.
UPDATE event_dictionaries SET retired = 1;
