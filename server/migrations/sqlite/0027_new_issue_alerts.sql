-- Sentry's default issue alert ("Send a notification for new issues"): when an issue is first
-- seen, its owners are notified, or, when no ownership rule names any, the members of the
-- project's team. On for every project, as Sentry creates the rule with each project; the
-- project's settings turn it off.
ALTER TABLE projects ADD COLUMN alert_new_issues INTEGER NOT NULL DEFAULT 1;
