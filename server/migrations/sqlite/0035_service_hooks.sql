-- Service hooks (Sentry's `ServiceHook`): a project's URLs that get each new event
-- (`event.created`) or each event that fired an alert rule (`event.alert`) as a signed JSON
-- POST; and the deliveries, an outbox written in the transaction that stores the event or
-- fires the rule, so that an acknowledged event's delivery survives a crash.

CREATE TABLE service_hooks (
    id             INTEGER PRIMARY KEY,
    -- What the API calls the hook's `id` (32 hex digits), and `X-ServiceHook-GUID`.
    guid           TEXT    NOT NULL UNIQUE,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    url            TEXT    NOT NULL,
    -- The HMAC key of `X-ServiceHook-Signature`. Kept as it is, unlike Cairn's other
    -- secrets: signing needs it, and the API shows it to the project's administrators.
    secret         TEXT    NOT NULL,
    -- Which events it gets.
    on_created     INTEGER NOT NULL,
    on_alert       INTEGER NOT NULL,
    is_active      INTEGER NOT NULL DEFAULT 1,
    created_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    date_created   INTEGER NOT NULL
);

CREATE INDEX service_hooks_project ON service_hooks (project_id);

CREATE TABLE service_hook_deliveries (
    id            INTEGER PRIMARY KEY,
    hook_id       INTEGER NOT NULL REFERENCES service_hooks (id) ON DELETE CASCADE,
    issue_id      INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    -- The event, 32 hex digits; one delivery per hook and event, whichever of its events
    -- (created, alert) asked for it first.
    event_id      TEXT    NOT NULL,
    date_created  INTEGER NOT NULL,
    -- `pending`, `delivered` or `failed`.
    state         TEXT    NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- When a pending delivery is tried next.
    next_at       INTEGER NOT NULL,
    -- The last attempt's HTTP status, or why it got none.
    status_code   INTEGER,
    error         TEXT,
    date_finished INTEGER,
    UNIQUE (hook_id, event_id)
);

CREATE INDEX service_hook_deliveries_due ON service_hook_deliveries (next_at)
    WHERE state = 'pending';
-- A hook's latest deliveries (its rows in id order: an index holds the rowid last).
CREATE INDEX service_hook_deliveries_hook ON service_hook_deliveries (hook_id);
CREATE INDEX service_hook_deliveries_issue ON service_hook_deliveries (issue_id);
CREATE INDEX service_hook_deliveries_finished ON service_hook_deliveries (date_finished)
    WHERE state <> 'pending';
