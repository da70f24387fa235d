-- Sentry's release status: `open`, or `archived` (hidden from the release lists unless asked
-- for, as `sentry-cli releases archive` and the releases page's filter use it).
ALTER TABLE releases ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
