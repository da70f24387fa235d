-- Metric alert rules (Sentry's `/organizations/{org}/alert-rules/`) and their incidents.

CREATE TABLE metric_alert_rules (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- The rule as Sentry's API writes it (without its projects), checked: JSON.
    definition      TEXT    NOT NULL,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    date_created    INTEGER NOT NULL,
    date_modified   INTEGER NOT NULL,
    -- The latest evaluation: its figure (NULL without data) and time.
    last_value      REAL,
    last_evaluated  INTEGER
);
CREATE INDEX metric_alert_rules_by_organization ON metric_alert_rules (organization_id);

CREATE TABLE metric_alert_rule_projects (
    rule_id    INTEGER NOT NULL REFERENCES metric_alert_rules (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, project_id)
) WITHOUT ROWID;
CREATE INDEX metric_alert_rule_projects_by_project ON metric_alert_rule_projects (project_id);

-- A stretch of time when a rule's figure was past a threshold. `status` is Sentry's
-- `IncidentStatus` (10 warning, 20 critical, 2 closed); `identifier` numbers an
-- organization's incidents, as in Sentry's URLs.
CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    identifier      INTEGER NOT NULL,
    rule_id         INTEGER NOT NULL REFERENCES metric_alert_rules (id) ON DELETE CASCADE,
    title           TEXT    NOT NULL,
    status          INTEGER NOT NULL,
    value           REAL    NOT NULL,
    date_started    INTEGER NOT NULL,
    date_closed     INTEGER,
    UNIQUE (organization_id, identifier)
);
CREATE INDEX incidents_by_rule ON incidents (rule_id, id DESC);
-- At most one open incident per rule, whichever node opens it.
CREATE UNIQUE INDEX incidents_open_per_rule ON incidents (rule_id) WHERE date_closed IS NULL;

-- An incident's changes: Sentry's `IncidentActivity` (4 detected, 2 status change).
CREATE TABLE incident_activity (
    id             INTEGER PRIMARY KEY,
    incident_id    INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind           INTEGER NOT NULL,
    value          INTEGER,
    previous_value INTEGER,
    metric_value   REAL,
    date_created   INTEGER NOT NULL
);
CREATE INDEX incident_activity_by_incident ON incident_activity (incident_id, id);
