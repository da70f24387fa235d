-- "Archive until escalating" (Sentry's): the issue's forecast when it was archived so, JSON
-- `{"start": Unix seconds of the first day, "limits": [events per hour, one per day]}`
-- (server/src/escalation.rs); an hour with more events than its day's limit brings the issue
-- back as escalating. NULL for every other status.
ALTER TABLE issues ADD COLUMN snooze_forecast TEXT;
