-- Weekly reports (Sentry's weekly email): the weeks whose report each organization's members
-- were sent. A week is claimed before its report goes out, so that a restart or a second
-- Cairn node does not send it again.

CREATE TABLE weekly_reports (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- The week's first millisecond (a Monday, 00:00 UTC).
    week_start      INTEGER NOT NULL,
    date_sent       INTEGER NOT NULL,
    PRIMARY KEY (organization_id, week_start)
) WITHOUT ROWID;
