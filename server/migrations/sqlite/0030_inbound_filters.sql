-- Each project's inbound filters (Sentry's): JSON of switches (`browser-extensions`,
-- `localhost`, `web-crawlers`) and glob lists (`error-messages`, `releases`). NULL, for the
-- projects made before: every filter off, as they were. New projects get Sentry's defaults.
ALTER TABLE projects ADD COLUMN inbound_filters TEXT;
