//! Issue alert rules in SQLite: the rules of a project, their evaluation in the event writer's
//! slow lane (an event that opens, regresses or wakes an issue), and firing one: the
//! notifications of the people it names, at most once per its frequency per issue.

use serde_json::Value;
use sqlx::SqliteConnection;

use super::*;
use crate::alerts::{Facts, Fallthrough, Rule, Target, Transition};

const RULE_COLUMNS: &str = "r.id, r.project_id, r.name, r.environment, r.action_match, \
     r.filter_match, r.frequency, r.conditions, r.filters, r.actions, r.date_created, \
     r.last_triggered, u.id AS u_id, u.email AS u_email, u.name AS u_name";

/// `None` (and a warning) for a stored rule that no longer reads (written by a later version).
fn rule_from_row(row: &SqliteRow) -> StoreResult<Option<AlertRuleRow>> {
    let list = |column: &str| -> StoreResult<Vec<Value>> {
        let text: String = row.try_get(column)?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    };
    let id: i64 = row.try_get("id")?;
    let rule = Rule::parse(
        id,
        &row.try_get::<String, _>("name")?,
        row.try_get::<Option<String>, _>("environment")?.as_deref(),
        Some(&row.try_get::<String, _>("action_match")?),
        Some(&row.try_get::<String, _>("filter_match")?),
        Some(row.try_get("frequency")?),
        &list("conditions")?,
        &list("filters")?,
        &list("actions")?,
    );
    let rule = match rule {
        Ok(rule) => rule,
        Err(err) => {
            tracing::warn!(id, err, "a stored alert rule does not read; it is skipped");
            return Ok(None);
        }
    };
    Ok(Some(AlertRuleRow {
        rule,
        project_id: row.try_get("project_id")?,
        created_by: creator_from_row(row)?,
        date_created: row.try_get("date_created")?,
        last_triggered: row.try_get("last_triggered")?,
    }))
}

/// The user who made a rule, from the `u_id`, `u_email` and `u_name` columns of its row (a
/// `LEFT JOIN users u`); `None` once the user is gone.
pub(super) fn creator_from_row(row: &SqliteRow) -> StoreResult<Option<UserRow>> {
    let Some(id) = row.try_get::<Option<i64>, _>("u_id")? else { return Ok(None) };
    Ok(Some(UserRow {
        id,
        email: row.try_get("u_email")?,
        name: row.try_get("u_name")?,
        password_hash: None,
        is_superuser: false,
    }))
}

pub(super) async fn rules(
    pool: impl sqlx::SqliteExecutor<'_>,
    project_id: i64,
) -> StoreResult<Vec<AlertRuleRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM alert_rules r LEFT JOIN users u ON u.id = r.created_by \
         WHERE r.project_id = $1 ORDER BY r.id"
    ))
    .bind(project_id)
    .fetch_all(pool)
    .await?;
    let mut rules = Vec::with_capacity(rows.len());
    for row in &rows {
        rules.extend(rule_from_row(row)?);
    }
    Ok(rules)
}

fn rule_json(rule: &Rule) -> (String, String, String) {
    let text = |list: Vec<Value>| Value::Array(list).to_string();
    (text(rule.conditions_json()), text(rule.filters_json()), text(rule.actions_json()))
}

pub(super) async fn create(
    writes: &SqlitePool,
    project_id: i64,
    rule: &Rule,
    user_id: Option<i64>,
    now: i64,
) -> StoreResult<i64> {
    let (conditions, filters, actions) = rule_json(rule);
    Ok(sqlx::query_scalar(
        "INSERT INTO alert_rules (project_id, name, environment, action_match, filter_match, \
         frequency, conditions, filters, actions, created_by, date_created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(project_id)
    .bind(&rule.name)
    .bind(&rule.environment)
    .bind(rule.action_match.as_str())
    .bind(rule.filter_match.as_str())
    .bind(rule.frequency)
    .bind(conditions)
    .bind(filters)
    .bind(actions)
    .bind(user_id)
    .bind(now)
    .fetch_one(writes)
    .await?)
}

pub(super) async fn update(writes: &SqlitePool, project_id: i64, rule: &Rule) -> StoreResult<()> {
    let (conditions, filters, actions) = rule_json(rule);
    let updated = sqlx::query(
        "UPDATE alert_rules SET name = $1, environment = $2, action_match = $3, \
         filter_match = $4, frequency = $5, conditions = $6, filters = $7, actions = $8 \
         WHERE id = $9 AND project_id = $10",
    )
    .bind(&rule.name)
    .bind(&rule.environment)
    .bind(rule.action_match.as_str())
    .bind(rule.filter_match.as_str())
    .bind(rule.frequency)
    .bind(conditions)
    .bind(filters)
    .bind(actions)
    .bind(rule.id)
    .bind(project_id)
    .execute(writes)
    .await?;
    touched_one(updated)
}

/// Up to `limit` events (or, with `users`, distinct users) of the issue since `since` (of
/// `environment`, if given): the frequency conditions need to know only whether there are
/// more than their value.
pub(super) async fn count_events(
    pool: impl sqlx::SqliteExecutor<'_>,
    issue_id: i64,
    since: i64,
    environment: Option<&str>,
    limit: i64,
    users: bool,
) -> StoreResult<i64> {
    let sql = if users {
        "SELECT COUNT(*) FROM (SELECT DISTINCT user_ident FROM events WHERE issue_id = $1 \
         AND timestamp >= $2 AND ($3 IS NULL OR environment = $3) AND user_ident IS NOT NULL \
         LIMIT $4)"
    } else {
        "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE issue_id = $1 AND timestamp >= $2 \
         AND ($3 IS NULL OR environment = $3) LIMIT $4)"
    };
    Ok(sqlx::query_scalar(sql)
        .bind(issue_id)
        .bind(since)
        .bind(environment)
        .bind(limit)
        .fetch_one(pool)
        .await?)
}

/// Fires `rule` for the issue unless it did within its frequency: records it, notifies the
/// members of the issue's organization the rule names, and makes the deliveries of the event
/// (`event_id`, or the issue's latest) to the project's `event.alert` hooks. `false` when it
/// was too soon.
pub(super) async fn fire(
    conn: &mut SqliteConnection,
    rule: &Rule,
    issue_id: i64,
    event_id: Option<&str>,
    now: i64,
) -> StoreResult<bool> {
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT date_fired FROM alert_rule_fires WHERE rule_id = $1 AND issue_id = $2",
    )
    .bind(rule.id)
    .bind(issue_id)
    .fetch_optional(&mut *conn)
    .await?;
    if last.is_some_and(|at| now - at < rule.frequency * 60_000) {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO alert_rule_fires (rule_id, issue_id, date_fired) VALUES ($1, $2, $3) \
         ON CONFLICT (rule_id, issue_id) DO UPDATE SET date_fired = excluded.date_fired",
    )
    .bind(rule.id)
    .bind(issue_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE alert_rules SET last_triggered = $1 WHERE id = $2")
        .bind(now)
        .bind(rule.id)
        .execute(&mut *conn)
        .await?;
    let mut recipients: Vec<i64> = Vec::new();
    for target in &rule.targets {
        let users: Vec<i64> = match *target {
            Target::IssueOwners(fallthrough) => {
                let owners: Vec<i64> = sqlx::query_scalar(
                    "SELECT user_id FROM issue_owners WHERE issue_id = $1 AND user_id IS NOT NULL \
                     UNION SELECT tm.user_id FROM issue_owners o \
                       JOIN team_members tm ON tm.team_id = o.team_id WHERE o.issue_id = $1",
                )
                .bind(issue_id)
                .fetch_all(&mut *conn)
                .await?;
                match (owners.is_empty(), fallthrough) {
                    (false, _) | (true, Fallthrough::NoOne) => owners,
                    (true, Fallthrough::ActiveMembers) => sqlx::query_scalar(
                        "SELECT tm.user_id FROM issues i JOIN projects p ON p.id = i.project_id \
                             JOIN team_members tm ON tm.team_id = p.team_id WHERE i.id = $1",
                    )
                    .bind(issue_id)
                    .fetch_all(&mut *conn)
                    .await?,
                    (true, Fallthrough::AllMembers) => sqlx::query_scalar(
                        "SELECT m.user_id FROM issues i JOIN projects p ON p.id = i.project_id \
                             JOIN organization_members m ON m.organization_id = p.organization_id \
                             WHERE i.id = $1 AND m.user_id IS NOT NULL",
                    )
                    .bind(issue_id)
                    .fetch_all(&mut *conn)
                    .await?,
                }
            }
            Target::Team(team_id) => {
                sqlx::query_scalar("SELECT user_id FROM team_members WHERE team_id = $1")
                    .bind(team_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
            Target::Member(user_id) => vec![user_id],
        };
        recipients.extend(users);
    }
    recipients.sort_unstable();
    recipients.dedup();
    let data = serde_json::json!({ "rule": rule.name, "ruleId": rule.id.to_string() }).to_string();
    for user_id in recipients {
        // Only members of the issue's organization (a team or member named by id from another
        // organization, or one who left, is nobody here).
        sqlx::query(
            "INSERT INTO notifications (user_id, issue_id, activity_id, kind, data, actor_id, \
             date_created, email_next_at) \
             SELECT $1, $2, NULL, 'alert', $3, NULL, $4, $4 WHERE EXISTS ( \
               SELECT 1 FROM issues i JOIN projects p ON p.id = i.project_id \
               JOIN organization_members m ON m.organization_id = p.organization_id \
               WHERE i.id = $2 AND m.user_id = $1)",
        )
        .bind(user_id)
        .bind(issue_id)
        .bind(&data)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    super::service_hooks::deliver_alert(conn, issue_id, event_id, now).await?;
    Ok(true)
}

/// The slow lane's evaluation, in the transaction of the event that opened, regressed or woke
/// the issue (already stored, so that the counts include it).
pub(super) async fn on_transition(
    conn: &mut SqliteConnection,
    issue_id: i64,
    event: &NewEvent,
    transition: Transition,
) -> StoreResult<()> {
    let rules = rules(&mut *conn, event.project_id).await?;
    if rules.is_empty() {
        return Ok(());
    }
    let (times_seen, first_seen, priority): (i64, i64, i64) =
        sqlx::query_as("SELECT times_seen, first_seen, priority FROM issues WHERE id = $1")
            .bind(issue_id)
            .fetch_one(&mut *conn)
            .await?;
    let environments: Vec<String> = event.environment.iter().cloned().collect();
    let latest_release = if rules.iter().any(|row| row.rule.reads_latest_release()) {
        latest_release(&mut *conn, event.project_id).await?
    } else {
        None
    };
    let facts = Facts {
        transition,
        level: &event.level,
        environments: &environments,
        times_seen,
        first_seen,
        high_priority: Priority::from_code(priority) == Priority::High,
        now: event.received,
        tags: &event.tags,
        latest_release: latest_release.as_deref(),
    };
    for row in &rules {
        let rule = &row.rule;
        let mut counts = Vec::new();
        for (interval_ms, value, users) in rule.frequencies() {
            let since = event.received - interval_ms;
            let environment = rule.environment.as_deref();
            let count = count_events(&mut *conn, issue_id, since, environment, value + 1, users);
            counts.push(count.await?);
        }
        if rule.fires(&facts, &counts) {
            fire(conn, rule, issue_id, Some(&event.event_id), event.received).await?;
        }
    }
    Ok(())
}

/// The project's latest release: the one created last (Sentry's `LatestReleaseFilter`).
pub(super) async fn latest_release(
    conn: &mut SqliteConnection,
    project_id: i64,
) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT r.version FROM release_projects rp JOIN releases r ON r.id = rp.release_id \
         WHERE rp.project_id = $1 ORDER BY r.date_created DESC, r.id DESC LIMIT 1",
    )
    .bind(project_id)
    .fetch_optional(&mut *conn)
    .await?)
}
