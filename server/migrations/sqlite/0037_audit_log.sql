-- The organization's audit log (Sentry's `AuditLogEntry`): who changed members, teams,
-- projects, keys, alert rules, service hooks, monitors, or deleted issues, when, and from
-- where. Written after the change it records; read newest first, optionally by event.

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- NULL: Cairn itself.
    actor_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- Sentry's event names: `member.invite`, `team.create`, `project.edit`, ...
    event           TEXT    NOT NULL,
    -- The id of what changed (a member, team, project, key, rule, hook, monitor, issue).
    target_object   INTEGER,
    -- The user the change was about (an invited, edited or removed member).
    target_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    ip_address      TEXT,
    note            TEXT    NOT NULL,
    -- JSON object: names, slugs, roles, the fields changed.
    data            TEXT    NOT NULL,
    date_created    INTEGER NOT NULL
);

CREATE INDEX audit_log_organization ON audit_log (organization_id, id DESC);
CREATE INDEX audit_log_event ON audit_log (organization_id, event, id DESC);
