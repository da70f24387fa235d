-- The transactions of distributed traces (Sentry's trace view): what the trace endpoints read
-- of each stored `transaction` item, written with it by the event writer. The item keeps the
-- whole payload, spans included, which a transaction's details read. The transactions stored
-- before this migration are read into it below, by the rules of `ingest/transaction.rs`.
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
    span_ids        TEXT    NOT NULL,
    release         TEXT,
    environment     TEXT
);
CREATE INDEX trace_transactions_trace ON trace_transactions (trace_id, start_timestamp);
CREATE INDEX trace_transactions_event ON trace_transactions (project_id, event_id);
-- Sentry's Discover over transactions reads a period's, newest first; of one name, by that.
CREATE INDEX trace_transactions_time ON trace_transactions (start_timestamp);
CREATE INDEX trace_transactions_name ON trace_transactions (name, start_timestamp);

-- The transactions stored before: their payloads are the JSON the SDK sent (after scrubbing),
-- read as text (a BLOB would be taken for SQLite's JSONB). Ids are lower-case hex of the right
-- length, as `ingest::transaction::summarize` makes them; a transaction without a trace, a span
-- or both times stays outside any trace, as it would be now.
INSERT INTO trace_transactions (item_id, project_id, trace_id, event_id, span_id, parent_span_id,
                                name, op, status, start_timestamp, timestamp, span_ids, release,
                                environment)
SELECT id, project_id, unhex(trace_id), event_id, span_id,
       CASE WHEN length(parent_span_id) = 16 AND parent_span_id NOT GLOB '*[^0-9a-f]*'
                 AND parent_span_id != '0000000000000000' THEN parent_span_id END,
       name, op, status, start_timestamp, max(timestamp, start_timestamp), span_ids,
       release, environment
FROM (
    SELECT id, project_id,
           lower(replace(trim(json_extract(j, '$.contexts.trace.trace_id')), '-', '')) AS trace_id,
           lower(replace(trim(coalesce(json_extract(j, '$.event_id'), event_id)), '-', ''))
               AS event_id,
           lower(trim(json_extract(j, '$.contexts.trace.span_id'))) AS span_id,
           lower(trim(json_extract(j, '$.contexts.trace.parent_span_id'))) AS parent_span_id,
           coalesce(nullif(trim(json_extract(j, '$.transaction')), ''), '<unlabeled transaction>')
               AS name,
           coalesce(trim(json_extract(j, '$.contexts.trace.op')), '') AS op,
           coalesce(nullif(trim(json_extract(j, '$.contexts.trace.status')), ''), 'unknown')
               AS status,
           CASE json_type(j, '$.start_timestamp')
               WHEN 'text' THEN unixepoch(json_extract(j, '$.start_timestamp'), 'subsec')
               WHEN 'integer' THEN json_extract(j, '$.start_timestamp') * 1.0
               WHEN 'real' THEN json_extract(j, '$.start_timestamp')
           END AS start_timestamp,
           CASE json_type(j, '$.timestamp')
               WHEN 'text' THEN unixepoch(json_extract(j, '$.timestamp'), 'subsec')
               WHEN 'integer' THEN json_extract(j, '$.timestamp') * 1.0
               WHEN 'real' THEN json_extract(j, '$.timestamp')
           END AS timestamp,
           (SELECT coalesce(group_concat(span, ' '), '') FROM (
                SELECT lower(trim(json_extract(value, '$.span_id'))) AS span
                FROM json_each(j, '$.spans')
                WHERE json_type(value, '$.span_id') = 'text'
                LIMIT 1000)
            WHERE length(span) = 16 AND span NOT GLOB '*[^0-9a-f]*'
                  AND span != '0000000000000000') AS span_ids,
           CASE json_type(j, '$.release')
               WHEN 'text' THEN nullif(trim(json_extract(j, '$.release')), '')
           END AS release,
           CASE json_type(j, '$.environment')
               WHEN 'text' THEN nullif(trim(json_extract(j, '$.environment')), '')
           END AS environment
    FROM (SELECT id, project_id, event_id, CAST(payload AS TEXT) AS j
          FROM envelope_items
          WHERE item_type = 'transaction' AND json_valid(CAST(payload AS TEXT)))
    WHERE json_type(j) = 'object'
)
WHERE length(trace_id) = 32 AND trace_id NOT GLOB '*[^0-9a-f]*'
      AND trace_id != '00000000000000000000000000000000'
      AND length(span_id) = 16 AND span_id NOT GLOB '*[^0-9a-f]*'
      AND span_id != '0000000000000000'
      AND length(event_id) = 32 AND event_id NOT GLOB '*[^0-9a-f]*'
      AND start_timestamp >= 0 AND timestamp >= 0;
