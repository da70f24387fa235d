-- Issue subscriptions (Sentry's `GroupSubscription`): who hears of an issue's workflow
-- (comments, assignment, resolution, regressions). People are subscribed when they take part
-- (comment, are assigned or mentioned, bookmark it, change its status) or ask to be; an
-- explicit unsubscription (`is_active = 0`) outlasts later participation, as in Sentry.

CREATE TABLE issue_subscriptions (
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_active  INTEGER NOT NULL,
    -- Sentry's `GroupSubscriptionReason`: `unknown` (asked for), `commented`, `assigned`,
    -- `bookmarked`, `status_change`, `mentioned`, `team_mentioned`.
    reason     TEXT    NOT NULL,
    date_added INTEGER NOT NULL,
    PRIMARY KEY (issue_id, user_id)
) WITHOUT ROWID;

CREATE INDEX issue_subscriptions_user ON issue_subscriptions (user_id);
