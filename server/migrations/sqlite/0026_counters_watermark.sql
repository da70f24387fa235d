-- The event writer sums an issue's counters (times seen, users, tag values, hourly counts) in
-- memory for up to a second under load and writes them in one of its commits (see
-- `server/src/store/sqlite/counters.rs`). This row says how far the database's counters are
-- complete: every event with an id up to `counted_through` is counted. After a crash, start-up
-- counts the events past it. `slow_through` is the last event the writer's slow lane stored,
-- which counted its own totals in the issue's row at once.
CREATE TABLE counters_watermark (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    counted_through INTEGER NOT NULL,
    slow_through    INTEGER NOT NULL
);
INSERT INTO counters_watermark (id, counted_through, slow_through)
VALUES (1, COALESCE((SELECT MAX(id) FROM events), 0), COALESCE((SELECT MAX(id) FROM events), 0));
