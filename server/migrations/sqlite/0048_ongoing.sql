-- Sentry's automatic "ongoing": a new, regressed or escalating issue becomes ongoing a week
-- after it became so. `substatus_at` (Unix milliseconds) is when a regression or escalation
-- happened (NULL for a new issue, which counts from its first event); `initial_priority` is
-- the priority the issue opened with, which an escalated issue returns to when it is ongoing
-- (unless someone set its priority).
ALTER TABLE issues ADD COLUMN substatus_at INTEGER;
ALTER TABLE issues ADD COLUMN initial_priority INTEGER;
UPDATE issues SET substatus_at = inbox_at WHERE substatus IN ('regressed', 'escalating');
UPDATE issues SET initial_priority = CASE level
    WHEN 'warning' THEN 50
    WHEN 'info' THEN 25
    WHEN 'debug' THEN 25
    ELSE 75
END;
