-- The trace an error event belongs to (`contexts.trace.trace_id`, 16 bytes), so that the
-- issue page can show the other errors of the same distributed trace, from every project of
-- the organization (a browser error and the backend error behind it), and the issue search can
-- find issues by `trace:`. Stored as bytes rather than 32 hex digits: half the index entry.
-- Partial: events without a trace (old SDKs) cost the index nothing.
ALTER TABLE events ADD COLUMN trace_id BLOB;
CREATE INDEX events_trace ON events (trace_id) WHERE trace_id IS NOT NULL;
