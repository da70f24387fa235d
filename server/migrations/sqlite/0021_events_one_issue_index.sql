-- One index over an issue's events instead of two. Every event was a new entry in both
-- `events_issue_timestamp` (issue_id, timestamp DESC) and `events_issue_primary_hash`
-- (issue_id, primary_hash): two more B-tree inserts and, per group commit, a leaf of each for
-- every issue the commit touched, written to the WAL and copied again by the checkpoint. The
-- one index has the timestamp index's order, so every query that used it reads it the same
-- way; the primary hash rides along for unmerge and an issue's hash list, which read an
-- issue's entries from the index alone (newest first) instead of looking the hash up.
DROP INDEX events_issue_timestamp;
DROP INDEX events_issue_primary_hash;
CREATE INDEX events_issue_timestamp_hash ON events (issue_id, timestamp DESC, primary_hash);
