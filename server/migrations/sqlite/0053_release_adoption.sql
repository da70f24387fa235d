-- Release adoption stages (Sentry's ReleaseProjectEnvironment `adopted` / `unadopted`): a
-- periodic task (src/adoption.rs) marks a release adopted in a project's environment when its
-- share of that environment's sessions over the last six hours reaches Sentry's threshold, and
-- replaced (`unadopted` set) when an adopted release falls below it. No row: low adoption.
-- Times are Unix milliseconds.
CREATE TABLE release_adoption (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    release     TEXT    NOT NULL,
    environment TEXT    NOT NULL,
    adopted     INTEGER NOT NULL,
    unadopted   INTEGER,
    PRIMARY KEY (project_id, release, environment)
) WITHOUT ROWID;
