-- Dictionaries for compressing a project's events (see `store/event_data.rs`): its recent
-- events' JSON, which zstd finds the repeats of each new event in. Every `events.data` row
-- compressed with one names it by its id, so a dictionary is never deleted while its project's
-- events live.
CREATE TABLE event_dictionaries (
    -- Taken from the content (the first 8 bytes of its SHA-256): the id rows name.
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    data       BLOB    NOT NULL,
    -- Unix milliseconds; a project's newest dictionary is the one its new events are
    -- compressed with.
    created    INTEGER NOT NULL
);
