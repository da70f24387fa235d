-- Dictionaries for compressing events (see `store/event_data.rs`): recent events' JSON, which
-- zstd finds the repeats of each new event in. Every `events.data` row compressed with one
-- names it by its id, so a dictionary is never deleted while the database lives.
CREATE TABLE event_dictionaries (
    -- Taken from the content (the first 8 bytes of its SHA-256): the id rows name.
    id INTEGER PRIMARY KEY,
    data BLOB NOT NULL,
    -- Unix milliseconds; the newest dictionary is the one new events are compressed with.
    created INTEGER NOT NULL
);
