-- Similar issues (`server/src/similarity.rs`): the feature sets of an issue's latest event,
-- made the first time the issue is compared with another and deleted when a merge or an
-- unmerge changes its events. They go with the issue.
CREATE TABLE issue_similarity (
    issue_id INTEGER PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    features BLOB NOT NULL
);
