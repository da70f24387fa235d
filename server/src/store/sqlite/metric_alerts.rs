//! Metric alert rules in SQLite (migration 0044): the rules with their projects, measuring
//! their figures, and their incidents, whose every change is one conditional write.

use cairn_types::api::{MetricAlertRuleRequest, INCIDENT_CLOSED};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{touched_one, SqliteStore};
use crate::alerts::metric::{Measure, MetricRule};
use crate::store::{IncidentActivityRow, IncidentRow, MetricAlertRuleRow, StoreError, StoreResult};

/// Sentry's `IncidentActivityType.DETECTED`.
const DETECTED: i64 = 4;
/// Sentry's `IncidentActivityType.STATUS_CHANGE`.
const STATUS_CHANGE: i64 = 2;

fn incident_from_row(row: &SqliteRow) -> StoreResult<IncidentRow> {
    Ok(IncidentRow {
        id: row.try_get("id")?,
        identifier: row.try_get("identifier")?,
        rule_id: row.try_get("rule_id")?,
        title: row.try_get("title")?,
        status: row.try_get("status")?,
        date_started: row.try_get("date_started")?,
        date_closed: row.try_get("date_closed")?,
        value: row.try_get("value")?,
    })
}

impl SqliteStore {
    /// The rules of one organization, or of all.
    pub(super) async fn read_metric_alert_rules(
        &self,
        organization_id: Option<i64>,
    ) -> StoreResult<Vec<MetricAlertRuleRow>> {
        let rows = sqlx::query(
            "SELECT r.*, o.slug AS org_slug, u.id AS u_id, u.email AS u_email, u.name AS u_name \
             FROM metric_alert_rules r JOIN organizations o ON o.id = r.organization_id \
             LEFT JOIN users u ON u.id = r.created_by \
             WHERE $1 IS NULL OR r.organization_id = $1 ORDER BY r.id",
        )
        .bind(organization_id)
        .fetch_all(&self.reads)
        .await?;
        let projects = sqlx::query(
            "SELECT rp.rule_id, p.id, p.slug FROM metric_alert_rule_projects rp \
             JOIN projects p ON p.id = rp.project_id JOIN metric_alert_rules r ON r.id = rp.rule_id \
             WHERE $1 IS NULL OR r.organization_id = $1 ORDER BY p.slug",
        )
        .bind(organization_id)
        .fetch_all(&self.reads)
        .await?;
        // Each rule's open incident, else its latest one.
        let incidents = sqlx::query(
            "SELECT i.* FROM incidents i JOIN metric_alert_rules r ON r.id = i.rule_id \
             WHERE ($1 IS NULL OR r.organization_id = $1) AND i.id = (SELECT id FROM incidents \
             WHERE rule_id = i.rule_id ORDER BY date_closed IS NULL DESC, id DESC LIMIT 1)",
        )
        .bind(organization_id)
        .fetch_all(&self.reads)
        .await?;
        let mut rules = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let definition: String = row.try_get("definition")?;
            let rule = serde_json::from_str::<MetricAlertRuleRequest>(&definition)
                .map_err(|err| err.to_string())
                .and_then(|request| MetricRule::parse(&request));
            let rule = match rule {
                Ok(rule) => rule,
                Err(err) => {
                    tracing::warn!(id, err, "a stored metric alert rule does not read; skipped");
                    continue;
                }
            };
            let rule_projects = projects_of(&projects, id)?;
            let mut latest_incident = None;
            for incident in &incidents {
                if incident.try_get::<i64, _>("rule_id")? == id {
                    latest_incident = Some(incident_from_row(incident)?);
                }
            }
            rules.push(MetricAlertRuleRow {
                id,
                organization_id: row.try_get("organization_id")?,
                organization_slug: row.try_get("org_slug")?,
                rule,
                projects: rule_projects,
                created_by: super::alerts::creator_from_row(row)?,
                date_created: row.try_get("date_created")?,
                date_modified: row.try_get("date_modified")?,
                last_value: row.try_get("last_value")?,
                last_evaluated: row.try_get("last_evaluated")?,
                latest_incident,
            });
        }
        Ok(rules)
    }

    pub(super) async fn insert_metric_alert_rule(
        &self,
        organization_id: i64,
        rule: &MetricRule,
        project_ids: &[i64],
        user_id: Option<i64>,
        now: i64,
    ) -> StoreResult<i64> {
        let mut tx = self.writes.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO metric_alert_rules (organization_id, definition, created_by, \
             date_created, date_modified) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(organization_id)
        .bind(definition(rule))
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        set_projects(&mut tx, id, project_ids).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(super) async fn write_metric_alert_rule(
        &self,
        organization_id: i64,
        id: i64,
        rule: &MetricRule,
        project_ids: &[i64],
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.writes.begin().await?;
        let updated = sqlx::query(
            "UPDATE metric_alert_rules SET definition = $1, date_modified = $2 \
             WHERE id = $3 AND organization_id = $4",
        )
        .bind(definition(rule))
        .bind(now)
        .bind(id)
        .bind(organization_id)
        .execute(&mut *tx)
        .await?;
        touched_one(updated)?;
        set_projects(&mut tx, id, project_ids).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn remove_metric_alert_rule(
        &self,
        organization_id: i64,
        id: i64,
    ) -> StoreResult<()> {
        let deleted =
            sqlx::query("DELETE FROM metric_alert_rules WHERE id = $1 AND organization_id = $2")
                .bind(id)
                .bind(organization_id)
                .execute(&self.writes)
                .await?;
        touched_one(deleted)
    }

    /// Errors are counted over the exact window by their timestamps, reading only the issues
    /// seen in it (`issues_project_last_seen`) and their events' index; sessions by the hour.
    pub(super) async fn measure(
        &self,
        rule: &MetricRule,
        project_ids: &[i64],
        now: i64,
    ) -> StoreResult<Option<f64>> {
        let since = now - rule.window_minutes * 60_000;
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new("");
        match rule.measure {
            Measure::Errors | Measure::Users => {
                query.push(if rule.measure == Measure::Errors {
                    "SELECT COUNT(*) FROM events e WHERE "
                } else {
                    "SELECT COUNT(DISTINCT e.user_ident) FROM events e WHERE "
                });
                query.push("e.issue_id IN (SELECT id FROM issues WHERE project_id IN (");
                push_ids(&mut query, project_ids);
                query.push(") AND last_seen >= ").push_bind(since);
                query.push(") AND e.timestamp >= ").push_bind(since);
                query.push(" AND e.timestamp <= ").push_bind(now);
                if let Some(level) = &rule.filters.level {
                    query.push(" AND e.level = ").push_bind(level.clone());
                }
            }
            Measure::CrashFreeSessions => {
                query.push(
                    "SELECT SUM(sessions), SUM(crashed) FROM session_hourly e WHERE project_id IN (",
                );
                push_ids(&mut query, project_ids);
                query.push(") AND hour >= ").push_bind(since.div_euclid(3_600_000) * 3_600);
            }
            Measure::CrashFreeUsers => {
                query.push(
                    "SELECT COUNT(DISTINCT did), COUNT(DISTINCT CASE WHEN flags & 4 != 0 \
                     THEN did END) FROM session_users e WHERE project_id IN (",
                );
                push_ids(&mut query, project_ids);
                query.push(") AND hour >= ").push_bind(since.div_euclid(3_600_000) * 3_600);
            }
        }
        if let Some(environment) = &rule.environment {
            query.push(" AND e.environment = ").push_bind(environment.clone());
        }
        if let Some(release) = &rule.filters.release {
            query.push(" AND e.release = ").push_bind(release.clone());
        }
        let row = query.build().fetch_one(&self.reads).await?;
        if !rule.measure.is_rate() {
            return Ok(Some(row.try_get::<i64, _>(0)? as f64));
        }
        let total: Option<i64> = row.try_get(0)?;
        let crashed: Option<i64> = row.try_get(1)?;
        Ok(match (total, crashed) {
            (Some(total), crashed) if total > 0 => {
                let rate = (1.0 - crashed.unwrap_or(0) as f64 / total as f64) * 100.0;
                // Sentry rounds the crash-free rate to three decimals.
                Some((rate * 1000.0).round() / 1000.0)
            }
            _ => None,
        })
    }

    pub(super) async fn write_metric_evaluation(
        &self,
        rule_id: i64,
        value: Option<f64>,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE metric_alert_rules SET last_value = $1, last_evaluated = $2 WHERE id = $3",
        )
        .bind(value)
        .bind(now)
        .bind(rule_id)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub(super) async fn write_incident_move(
        &self,
        rule: &MetricAlertRuleRow,
        open: Option<(i64, i64)>,
        status: i64,
        value: f64,
        now: i64,
    ) -> StoreResult<Option<IncidentRow>> {
        let mut tx = self.writes.begin().await?;
        let (incident, previous) = match open {
            None => {
                // The unique index on open incidents turns a second opening into nothing.
                let row = sqlx::query(
                    "INSERT INTO incidents (organization_id, identifier, rule_id, title, status, \
                     value, date_started) VALUES ($1, (SELECT COALESCE(MAX(identifier), 0) + 1 \
                     FROM incidents WHERE organization_id = $1), $2, $3, $4, $5, $6) \
                     ON CONFLICT DO NOTHING RETURNING *",
                )
                .bind(rule.organization_id)
                .bind(rule.id)
                .bind(&rule.rule.name)
                .bind(status)
                .bind(value)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let incident = incident_from_row(&row)?;
                add_activity(&mut tx, incident.id, DETECTED, None, None, Some(value), now).await?;
                (incident, None)
            }
            Some((id, previous)) => {
                // Only from the status this evaluation saw: a node that moved it first wins.
                let closed = (status == INCIDENT_CLOSED).then_some(now);
                let row = sqlx::query(
                    "UPDATE incidents SET status = $1, date_closed = $2 WHERE id = $3 \
                     AND status = $4 AND date_closed IS NULL RETURNING *",
                )
                .bind(status)
                .bind(closed)
                .bind(id)
                .bind(previous)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(None) };
                (incident_from_row(&row)?, Some(previous))
            }
        };
        add_activity(&mut tx, incident.id, STATUS_CHANGE, Some(status), previous, Some(value), now)
            .await?;
        tx.commit().await?;
        Ok(Some(incident))
    }

    pub(super) async fn read_incidents(
        &self,
        organization_id: i64,
        rule_id: Option<i64>,
        open: Option<bool>,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<IncidentRow>> {
        let rows = sqlx::query(
            "SELECT * FROM incidents WHERE organization_id = $1 \
             AND ($2 IS NULL OR rule_id = $2) \
             AND ($3 IS NULL OR (date_closed IS NULL) = $3) \
             AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
        )
        .bind(organization_id)
        .bind(rule_id)
        .bind(open)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        rows.iter().map(incident_from_row).collect()
    }

    pub(super) async fn read_incident(
        &self,
        organization_id: i64,
        identifier: i64,
    ) -> StoreResult<IncidentRow> {
        let row =
            sqlx::query("SELECT * FROM incidents WHERE organization_id = $1 AND identifier = $2")
                .bind(organization_id)
                .bind(identifier)
                .fetch_optional(&self.reads)
                .await?
                .ok_or(StoreError::NotFound)?;
        incident_from_row(&row)
    }

    pub(super) async fn read_incident_activity(
        &self,
        incident_id: i64,
    ) -> StoreResult<Vec<IncidentActivityRow>> {
        let rows =
            sqlx::query("SELECT * FROM incident_activity WHERE incident_id = $1 ORDER BY id")
                .bind(incident_id)
                .fetch_all(&self.reads)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(IncidentActivityRow {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    value: row.try_get("value")?,
                    previous_value: row.try_get("previous_value")?,
                    metric_value: row.try_get("metric_value")?,
                    date_created: row.try_get("date_created")?,
                })
            })
            .collect()
    }
}

/// The rule as stored: Sentry's request shape without projects.
fn definition(rule: &MetricRule) -> String {
    serde_json::to_string(&rule.to_request(Vec::new())).unwrap_or_default()
}

fn projects_of(rows: &[SqliteRow], rule_id: i64) -> StoreResult<Vec<(i64, String)>> {
    let mut list = Vec::new();
    for row in rows {
        if row.try_get::<i64, _>("rule_id")? == rule_id {
            list.push((row.try_get("id")?, row.try_get("slug")?));
        }
    }
    Ok(list)
}

fn push_ids(query: &mut QueryBuilder<'_, Sqlite>, ids: &[i64]) {
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
}

async fn set_projects(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    rule_id: i64,
    project_ids: &[i64],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM metric_alert_rule_projects WHERE rule_id = $1")
        .bind(rule_id)
        .execute(&mut **tx)
        .await?;
    for project_id in project_ids {
        sqlx::query(
            "INSERT OR IGNORE INTO metric_alert_rule_projects (rule_id, project_id) VALUES ($1, $2)",
        )
        .bind(rule_id)
        .bind(project_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn add_activity(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    incident_id: i64,
    kind: i64,
    value: Option<i64>,
    previous: Option<i64>,
    metric_value: Option<f64>,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO incident_activity (incident_id, kind, value, previous_value, metric_value, \
         date_created) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(incident_id)
    .bind(kind)
    .bind(value)
    .bind(previous)
    .bind(metric_value)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use cairn_types::api::{INCIDENT_CRITICAL, INCIDENT_WARNING};

    use super::*;
    use crate::store::Store;

    /// Two evaluations that saw the same state (two nodes, or a slow one) change it once.
    #[tokio::test]
    async fn an_incident_moves_once_from_the_state_an_evaluation_saw() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        let org = store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        let project = store.projects(org.id).await.expect("projects")[0].id;
        let request = MetricAlertRuleRequest {
            name: "errors".into(),
            aggregate: "count()".into(),
            time_window: 5.0,
            triggers: vec![cairn_types::api::MetricAlertTriggerRequest {
                label: "critical".into(),
                alert_threshold: 10.0,
                actions: Vec::new(),
            }],
            ..Default::default()
        };
        let rule = MetricRule::parse(&request).expect("a rule");
        let id = store.create_metric_alert_rule(org.id, &rule, &[project], None).await.expect("id");
        let row = store.metric_alert_rules(org.id).await.expect("rules").remove(0);
        assert_eq!(row.id, id);
        assert_eq!(row.projects.len(), 1);
        let now = crate::util::now_ms();
        let opened = store.move_incident(&row, None, INCIDENT_CRITICAL, 12.0, now).await;
        let opened = opened.expect("moved").expect("opened");
        assert_eq!(opened.identifier, 1);
        // The second opening, and a change from a status it no longer has, do nothing.
        assert_eq!(
            store.move_incident(&row, None, INCIDENT_CRITICAL, 12.0, now).await.ok(),
            Some(None)
        );
        let seen = Some((opened.id, INCIDENT_CRITICAL));
        let eased = store.move_incident(&row, seen, INCIDENT_WARNING, 8.0, now).await;
        assert_eq!(eased.expect("moved").map(|i| i.status), Some(INCIDENT_WARNING));
        assert_eq!(
            store.move_incident(&row, seen, INCIDENT_CLOSED, 1.0, now).await.ok(),
            Some(None)
        );
        let activity = store.incident_activity(opened.id).await.expect("activity");
        let kinds: Vec<(i64, Option<i64>)> = activity.iter().map(|a| (a.kind, a.value)).collect();
        assert_eq!(kinds, [(DETECTED, None), (STATUS_CHANGE, Some(20)), (STATUS_CHANGE, Some(10))]);
        // The measure reads no events: nothing happened in the window.
        assert_eq!(
            store.measure_metric(&rule, &[project], now).await.expect("measured"),
            Some(0.0)
        );
    }

    /// Errors and their users are counted over the window, of the rule's level and
    /// environment; a crash-free rate is the share of sessions that did not crash, or none.
    #[tokio::test]
    async fn a_rule_s_figure_is_measured_from_the_stored_events_and_sessions() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        let org = store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        let project = store.projects(org.id).await.expect("projects")[0].id;
        let now = crate::util::now_ms();
        let db = &store.writes;
        sqlx::query(
            "INSERT INTO issues (id, project_id, short_id, title, culprit, level, platform, \
             event_type, metadata, first_seen, last_seen, times_seen) \
             VALUES (1, $1, 1, 't', '', 'error', 'rust', 'error', '{}', $2, $2, 4)",
        )
        .bind(project)
        .bind(now)
        .execute(db)
        .await
        .expect("issue");
        // Three events of two users in the last minutes (one a warning, in staging), and one
        // error of an hour ago.
        let events = [
            (now - 60_000, "error", "production", "alice"),
            (now - 120_000, "error", "production", "bob"),
            (now - 180_000, "warning", "staging", "alice"),
            (now - 3_600_000, "error", "production", "carol"),
        ];
        for (n, (at, level, environment, user)) in events.into_iter().enumerate() {
            sqlx::query(
                "INSERT INTO events (project_id, issue_id, event_id, timestamp, received, level, \
                 title, platform, environment, user_ident, data) \
                 VALUES ($1, 1, $2, $3, $3, $4, 't', 'rust', $5, $6, '{}')",
            )
            .bind(project)
            .bind(format!("{n:032x}"))
            .bind(at)
            .bind(level)
            .bind(environment)
            .bind(user)
            .execute(db)
            .await
            .expect("event");
        }
        let rule = |aggregate: &str, window: f64, query: &str, environment: Option<&str>| {
            let request = MetricAlertRuleRequest {
                name: "r".into(),
                aggregate: aggregate.into(),
                time_window: window,
                query: query.into(),
                environment: environment.map(str::to_owned),
                threshold_type: 1,
                triggers: vec![cairn_types::api::MetricAlertTriggerRequest {
                    label: "critical".into(),
                    alert_threshold: 1.0,
                    actions: Vec::new(),
                }],
                ..Default::default()
            };
            MetricRule::parse(&request).expect("a rule")
        };
        let measure = |rule: MetricRule| {
            let store = store.clone();
            async move { store.measure_metric(&rule, &[project], now).await.expect("measured") }
        };
        assert_eq!(measure(rule("count()", 5.0, "", None)).await, Some(3.0));
        assert_eq!(measure(rule("count()", 120.0, "", None)).await, Some(4.0), "two hours");
        assert_eq!(measure(rule("count_unique(user)", 5.0, "", None)).await, Some(2.0));
        assert_eq!(measure(rule("count()", 5.0, "level:error", None)).await, Some(2.0));
        assert_eq!(measure(rule("count()", 5.0, "", Some("staging"))).await, Some(1.0));

        let crash_free = cairn_types::api::AGGREGATE_CRASH_FREE_SESSIONS;
        assert_eq!(measure(rule(crash_free, 60.0, "", None)).await, None, "no sessions");
        sqlx::query(
            "INSERT INTO session_hourly (project_id, release, environment, hour, sessions, \
             crashed) VALUES ($1, '1.0', 'production', $2, 8, 1)",
        )
        .bind(project)
        .bind(now.div_euclid(3_600_000) * 3_600)
        .execute(db)
        .await
        .expect("sessions");
        assert_eq!(measure(rule(crash_free, 60.0, "", None)).await, Some(87.5));
        assert_eq!(measure(rule(crash_free, 60.0, "", Some("staging"))).await, None);
    }
}
