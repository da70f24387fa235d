-- A project's grouping rules in Sentry's syntax (NULL: none): server-side fingerprint rules
-- (`error.type:X -> fp`) and stack-trace rules (`stack.module:x -app`).
ALTER TABLE projects ADD COLUMN fingerprinting_rules TEXT;
ALTER TABLE projects ADD COLUMN grouping_enhancements TEXT;
