-- Discarded issues as Sentry's group tombstones: one row per issue deleted with "discard
-- future events", which the project's settings list, and whose deletion ("undiscard") lets
-- its hashes open issues again. The hashes (0040) now point at their discarded issue.

CREATE TABLE discarded_issues (
    id                INTEGER PRIMARY KEY,
    project_id        INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- The deleted issue's id (gone, so no reference) and what it showed, as Sentry keeps them.
    previous_issue_id INTEGER NOT NULL,
    title             TEXT    NOT NULL,
    culprit           TEXT    NOT NULL DEFAULT '',
    level             TEXT    NOT NULL DEFAULT 'error',
    event_type        TEXT    NOT NULL DEFAULT 'default',
    metadata          TEXT    NOT NULL DEFAULT '{}',
    actor_user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    date_added        INTEGER NOT NULL
);

CREATE INDEX discarded_issues_by_project ON discarded_issues (project_id, id);

-- The issues discarded before this migration: one per (project, title, actor, time).
INSERT INTO discarded_issues (project_id, previous_issue_id, title, actor_user_id, date_added)
SELECT project_id, 0, title, actor_user_id, date_added FROM discarded_hashes
GROUP BY project_id, title, actor_user_id, date_added;

CREATE TABLE discarded_hashes_new (
    project_id          INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hash                TEXT    NOT NULL,
    discarded_issue_id  INTEGER NOT NULL REFERENCES discarded_issues (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, hash)
) WITHOUT ROWID;

INSERT INTO discarded_hashes_new (project_id, hash, discarded_issue_id)
SELECT h.project_id, h.hash, d.id FROM discarded_hashes h
JOIN discarded_issues d ON d.project_id = h.project_id AND d.title = h.title
    AND d.date_added = h.date_added AND d.actor_user_id IS h.actor_user_id;

DROP TABLE discarded_hashes;
ALTER TABLE discarded_hashes_new RENAME TO discarded_hashes;

CREATE INDEX discarded_hashes_by_issue ON discarded_hashes (discarded_issue_id);
