-- Code mappings (Sentry's RepositoryProjectPathConfig): a project's stack-trace path prefix and
-- the repository path that replaces it, so that frames link to the file on the code host.
-- Sentry learns a repository's address from its code-host integration; Cairn has none, so the
-- organization sets the address (and, when the host name does not tell, the host's kind:
-- github, gitlab, bitbucket or gitea) on the repository.
ALTER TABLE repositories ADD COLUMN url TEXT;
ALTER TABLE repositories ADD COLUMN provider TEXT;

CREATE TABLE code_mappings (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    repository_id  INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    -- may be empty: every path of the project's frames
    stack_root     TEXT    NOT NULL,
    source_root    TEXT    NOT NULL,
    default_branch TEXT    NOT NULL,
    date_created   INTEGER NOT NULL,
    -- a monorepo may map one stack root to several source roots (sentry-cli's bulk upload)
    UNIQUE (project_id, stack_root, source_root)
);
CREATE INDEX code_mappings_repository ON code_mappings (repository_id);

-- The code mapping a CODEOWNERS file was imported through (Sentry's `codeMappingId`): its
-- repository paths were turned into stack-trace paths with it.
ALTER TABLE project_codeowners ADD COLUMN code_mapping_id INTEGER
    REFERENCES code_mappings (id) ON DELETE SET NULL;
