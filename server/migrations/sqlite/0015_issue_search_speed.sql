-- Free-text issue search (`query=connection refused`) without reading every issue row: a
-- trigram full-text index over each issue's title and culprit, the two fields Cairn's free
-- text matches. A trigram phrase query finds every row that contains a string of 3 or more
-- characters anywhere (not only at word starts), case-insensitively, so it returns a superset
-- of what the issue list's `LIKE '%text%'` keeps; the list still applies the LIKE to those
-- candidates, so results are exactly what they were before this index. Texts shorter than three
-- characters cannot use it and still scan.
--
-- The index is kept by triggers rather than by the ingest code: every path that creates,
-- retitles or deletes an issue (ingest, merge, unmerge, delete, project deletion) then keeps
-- it in step, and an event of an existing issue (the common write) does not touch it.
CREATE VIRTUAL TABLE issue_search USING fts5(title, culprit, tokenize = 'trigram');

INSERT INTO issue_search (rowid, title, culprit) SELECT id, title, culprit FROM issues;

CREATE TRIGGER issue_search_insert AFTER INSERT ON issues BEGIN
    INSERT INTO issue_search (rowid, title, culprit) VALUES (new.id, new.title, new.culprit);
END;

CREATE TRIGGER issue_search_update AFTER UPDATE OF title, culprit ON issues
WHEN old.title IS NOT new.title OR old.culprit IS NOT new.culprit BEGIN
    UPDATE issue_search SET title = new.title, culprit = new.culprit WHERE rowid = new.id;
END;

CREATE TRIGGER issue_search_delete AFTER DELETE ON issues BEGIN
    DELETE FROM issue_search WHERE rowid = old.id;
END;

-- The org-wide list sorted by first seen or frequency (`sort=new`, `sort=freq`, with the
-- default `is:unresolved`) walked every issue and sorted them (17-19 ms on 10,000 issues); these
-- indexes give the order, so a page stops after its rows. first_seen never changes and status
-- rarely; times_seen changes once per issue per group commit, one index entry each.
CREATE INDEX issues_status_first_seen ON issues (status, first_seen);
CREATE INDEX issues_status_times_seen ON issues (status, times_seen);
-- Searches without a status term (`release:x region:y`) sorted by last seen: walked in order and
-- stopped after a page, instead of sorting every issue of the organization.
CREATE INDEX issues_last_seen ON issues (last_seen);
-- Tag value -> issues, for tag searches that only a few issues match: the store probes this
-- index first and then reads those issues alone (see `SqliteStore::selective_terms`). Its
-- columns are never updated, so it costs one entry per new (issue, tag, value).
CREATE INDEX issue_tag_values_key_value ON issue_tag_values (key, value, issue_id);
