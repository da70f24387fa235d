-- What the issue page's tag panel and the issue list's sparklines read, kept up to date by
-- ingestion (aggregated per write batch): the values of each tag with their counts, and the
-- events per hour.
CREATE TABLE issue_tag_values (
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    times_seen INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (issue_id, key, value)
);

CREATE TABLE issue_hourly (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    -- the start of the hour, Unix seconds
    hour     INTEGER NOT NULL,
    events   INTEGER NOT NULL,
    PRIMARY KEY (issue_id, hour)
);
