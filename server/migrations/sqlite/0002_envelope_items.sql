-- Everything SDKs send besides error events: transactions, attachments, sessions, feedback,
-- client reports, check-ins. Kept as they arrived; later features read them from here.
CREATE TABLE envelope_items (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- the envelope's event id (32 hex), linking attachments and feedback to their event
    event_id   TEXT,
    item_type  TEXT    NOT NULL,
    -- the item headers as JSON (filename, content_type, attachment_type, ...)
    headers    TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    received   INTEGER NOT NULL
);
CREATE INDEX envelope_items_project_type ON envelope_items (project_id, item_type, received);
CREATE INDEX envelope_items_event ON envelope_items (project_id, event_id);

-- Counts of data that did not become stored items: dropped by the SDK (client reports) or by
-- Cairn (unknown item types, invalid payloads, rate limits), per project, category and reason.
CREATE TABLE outcomes (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- `client` for what SDKs reported, `server` for what Cairn dropped
    source     TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    PRIMARY KEY (project_id, source, category, reason)
);

-- Per-key and per-project event rate limits (NULL: unlimited), as Sentry's key rate limits:
-- at most `count` events per `window` seconds.
ALTER TABLE project_keys ADD COLUMN rate_limit_count INTEGER;
ALTER TABLE project_keys ADD COLUMN rate_limit_window INTEGER;
ALTER TABLE projects ADD COLUMN rate_limit_count INTEGER;
ALTER TABLE projects ADD COLUMN rate_limit_window INTEGER;
-- Data scrubbing settings (JSON of ScrubSettings; NULL: Sentry's defaults) and the origins
-- browser SDKs may send from (newline-separated patterns; NULL or `*`: any).
ALTER TABLE projects ADD COLUMN scrub_settings TEXT;
ALTER TABLE projects ADD COLUMN allowed_origins TEXT;
