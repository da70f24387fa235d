-- Sentry's issue priority: 75 high, 50 medium, 25 low (Sentry's `PriorityLevel` values, so
-- that "higher" is a comparison). A new issue takes it from its first event's level; an
-- ignored issue that escalates goes one step up; someone setting it locks it
-- (`priority_locked_at`, Unix milliseconds), after which Cairn no longer changes it.
ALTER TABLE issues ADD COLUMN priority INTEGER NOT NULL DEFAULT 75;
ALTER TABLE issues ADD COLUMN priority_locked_at INTEGER;

-- Existing issues: from their level, as a new one would be (Sentry's rule without its
-- severity model: fatal and error high, warning medium, info and debug low).
UPDATE issues SET priority = CASE level
    WHEN 'warning' THEN 50
    WHEN 'info' THEN 25
    WHEN 'debug' THEN 25
    ELSE 75
END;
