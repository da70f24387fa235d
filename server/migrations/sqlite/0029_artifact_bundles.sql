-- JavaScript source maps as `sentry-cli sourcemaps upload` sends them: the bundle's pieces
-- (`upload_chunks`, by SHA-1, until the bundle is assembled), the bundles (a zip of minified
-- scripts and their maps with a manifest), the projects each is for, and its files.
CREATE TABLE upload_chunks (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    checksum        TEXT    NOT NULL,
    data            BLOB    NOT NULL,
    created         INTEGER NOT NULL,
    PRIMARY KEY (organization_id, checksum)
);

CREATE TABLE artifact_bundles (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- The manifest's `debug_id`: Sentry's bundle id.
    bundle_id       TEXT    NOT NULL,
    -- SHA-1 of the whole upload; a second upload of the same bundle is the same row.
    checksum        TEXT    NOT NULL,
    release         TEXT,
    dist            TEXT,
    file_count      INTEGER NOT NULL,
    date_added      INTEGER NOT NULL,
    UNIQUE (organization_id, checksum)
);

CREATE TABLE artifact_bundle_projects (
    bundle_id  INTEGER NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, bundle_id)
);

CREATE TABLE artifact_files (
    id        INTEGER PRIMARY KEY,
    bundle_id INTEGER NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
    -- `minified_source`, `source_map`, `source` or `other`.
    kind      TEXT    NOT NULL,
    url       TEXT    NOT NULL,
    debug_id  TEXT,
    -- A minified file's source map reference (header or comment), unresolved.
    sourcemap TEXT,
    content   BLOB    NOT NULL
);
CREATE INDEX artifact_files_bundle ON artifact_files (bundle_id);
