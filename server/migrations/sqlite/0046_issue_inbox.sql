-- Sentry's "For Review" inbox: when an issue entered it (Unix milliseconds): a new issue at its
-- first event, a regression or escalation when it happened; NULL once someone marked it
-- reviewed. Whether it is still for review also depends on its status and substatus (a new
-- issue leaves after a week, as Sentry's `new` becomes `ongoing`).
ALTER TABLE issues ADD COLUMN inbox_at INTEGER;
UPDATE issues SET inbox_at = first_seen;
