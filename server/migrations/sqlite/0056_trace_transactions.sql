-- The transactions of distributed traces (Sentry's trace view): what the trace endpoints read
-- of each stored `transaction` item, written with it by the event writer. The item keeps the
-- whole payload, spans included, which a transaction's details read. Transactions stored
-- before this migration are not in it: they stay in `envelope_items`, outside any trace.
CREATE TABLE trace_transactions (
    item_id         INTEGER PRIMARY KEY REFERENCES envelope_items (id) ON DELETE CASCADE,
    project_id      INTEGER NOT NULL,
    -- 16 bytes, as `events.trace_id`
    trace_id        BLOB    NOT NULL,
    -- 32 hex digits
    event_id        TEXT    NOT NULL,
    -- 16 hex digits each
    span_id         TEXT    NOT NULL,
    parent_span_id  TEXT,
    name            TEXT    NOT NULL,
    op              TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    -- Unix seconds, with the SDK's microseconds
    start_timestamp REAL    NOT NULL,
    timestamp       REAL    NOT NULL,
    -- the ids of its spans, space-separated: errors and child transactions that happened in
    -- one of them belong to it
    span_ids        TEXT    NOT NULL
);
CREATE INDEX trace_transactions_trace ON trace_transactions (trace_id, start_timestamp);
CREATE INDEX trace_transactions_event ON trace_transactions (project_id, event_id);
