-- Issues shared publicly (Sentry's GroupShare): an issue with a `share_id` can be read by
-- anyone who has its link (`/share/issue/{share_id}/`, its title and latest event without the
-- user, tags, contexts, breadcrumbs or request). The id is 128 random bits; unsharing clears
-- it, so a later share gets a new link. The organization's `allowSharedIssues` (Sentry's
-- default: on) turns sharing off, the links already given included.
ALTER TABLE issues ADD COLUMN share_id TEXT;
CREATE UNIQUE INDEX issues_share_id ON issues (share_id) WHERE share_id IS NOT NULL;
ALTER TABLE organizations ADD COLUMN allow_shared_issues INTEGER NOT NULL DEFAULT 1;
