-- What was dropped, by hour (the `outcomes` table keeps the all-time totals): the usage stats'
-- series (`/api/0/organizations/{org}/stats_v2/`). From this migration on; older outcomes are
-- in the totals only.
CREATE TABLE outcome_hourly (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- the start of the hour, Unix seconds
    hour       INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    PRIMARY KEY (project_id, hour, source, category, reason)
);
