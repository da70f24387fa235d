-- Environments (Sentry's Environment and EnvironmentProject): the names events and sessions
-- were sent with, per organization, and which projects have seen each, with the project's
-- "hidden" setting (hidden environments are left out of the environment pickers). The event
-- writer adds a pair the first time it sees it in an event or a session, and a monitor's
-- first check-in in an environment adds it too.
CREATE TABLE environments (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    date_added      INTEGER NOT NULL,
    UNIQUE (organization_id, name)
);

CREATE TABLE environment_projects (
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
    is_hidden      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, environment_id)
) WITHOUT ROWID;
CREATE INDEX environment_projects_environment ON environment_projects (environment_id);

-- What was sent before this table: the issues' environment tags, sessions' and check-ins'
-- environments.
CREATE TEMP TABLE seen_environments AS
SELECT DISTINCT i.project_id, t.value AS name FROM issue_tag_values t
JOIN issues i ON i.id = t.issue_id WHERE t.key = 'environment' AND t.value != ''
UNION SELECT DISTINCT project_id, environment FROM session_daily
WHERE environment NOT IN ('', '/')
UNION SELECT DISTINCT m.project_id, e.environment FROM monitor_environments e
JOIN monitors m ON m.id = e.monitor_id WHERE e.environment != '';

INSERT OR IGNORE INTO environments (organization_id, name, date_added)
SELECT p.organization_id, s.name, CAST(strftime('%s', 'now') AS INTEGER) * 1000
FROM seen_environments s JOIN projects p ON p.id = s.project_id;

INSERT OR IGNORE INTO environment_projects (project_id, environment_id)
SELECT s.project_id, e.id FROM seen_environments s
JOIN projects p ON p.id = s.project_id
JOIN environments e ON e.organization_id = p.organization_id AND e.name = s.name;

DROP TABLE seen_environments;
