-- Sentry's event highlights: the tags and context fields a project's issue page shows first, as
-- JSON `{"tags": [...], "context": {"browser": ["name"]}}`; NULL until the project sets its own,
-- which shows its platform's preset (src/highlights.rs).
ALTER TABLE projects ADD COLUMN highlights TEXT;
