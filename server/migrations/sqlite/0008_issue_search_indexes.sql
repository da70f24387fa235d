-- Indexes for the issue list's search, sorts and keyset pages. Measured with EXPLAIN QUERY PLAN
-- on 10,000 issues / 70,000 tag values / 1M events (no ANALYZE statistics, as a live Cairn has):
-- the default org-wide list (`is:unresolved`, by last seen) walks issues_status_last_seen in
-- order and stops after one page (7 ms -> 0.2 ms); a project's list by date, first seen or
-- frequency walks the per-project indexes (2 ms -> 0.1 ms), as do `firstSeen:`, `timesSeen:`
-- and `statsPeriod` ranges. Org-wide sorts other than by date still sort the matching rows
-- (about 10 ms at this size); an index per sort and status was not worth the extra writes,
-- since every event updates last_seen, times_seen and user_count. Without statistics SQLite
-- also picks issues_status_last_seen for some narrower searches (`assigned:me`, `firstSeen:`)
-- where another index would be quicker: those stay under about 10 ms at this size.
-- Tag filters (`EXISTS` on issue_tag_values per issue) are served by that table's primary key
-- (issue_id, key, value); an index on (key, value, issue_id) was not used by those plans, so
-- it is left out rather than paid for on every tag write.
CREATE INDEX issues_status_last_seen ON issues (status, last_seen);
CREATE INDEX issues_project_status_last_seen ON issues (project_id, status, last_seen);
CREATE INDEX issues_project_first_seen ON issues (project_id, first_seen);
CREATE INDEX issues_project_times_seen ON issues (project_id, times_seen);
