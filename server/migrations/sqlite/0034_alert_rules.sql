-- Issue alert rules (Sentry's `sentry.rules`): per project, conditions, filters and whom to
-- notify, in Sentry's JSON shape; and when each rule last notified about each issue (its
-- `frequency` keeps it quiet until then).

CREATE TABLE alert_rules (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    environment    TEXT,
    -- `any`, `all` or `none`.
    action_match   TEXT    NOT NULL,
    filter_match   TEXT    NOT NULL,
    -- Minutes between two notifications of one issue.
    frequency      INTEGER NOT NULL,
    -- JSON arrays of Sentry's condition, filter and action objects.
    conditions     TEXT    NOT NULL,
    filters        TEXT    NOT NULL,
    actions        TEXT    NOT NULL,
    created_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    date_created   INTEGER NOT NULL,
    last_triggered INTEGER
);

CREATE INDEX alert_rules_project ON alert_rules (project_id);

CREATE TABLE alert_rule_fires (
    rule_id    INTEGER NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    date_fired INTEGER NOT NULL,
    PRIMARY KEY (rule_id, issue_id)
);

CREATE INDEX alert_rule_fires_issue ON alert_rule_fires (issue_id);
