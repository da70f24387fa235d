//! Service hooks in SQLite: a project's hooks, and their deliveries as an outbox.
//!
//! A delivery row is written in the transaction that makes it due: the event writer's group
//! commit for a new event of a project with `event.created` hooks ([`HookedProjects`]), or the
//! transaction that fires an alert rule for `event.alert` hooks ([`deliver_alert`]). So a
//! delivery is never promised for an event that was not stored, nor lost once the event is
//! acknowledged. One row per hook and event: a hook that gets both events gets the event once,
//! as Sentry sends it once. The dispatcher (`crate::hooks`) reads the due rows and records how
//! each attempt went.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rusqlite::Connection;
use sqlx::SqliteConnection;

use super::*;

/// Finished deliveries a hook keeps (its log shows them).
const KEEP_FINISHED: i64 = 100;

const HOOK_COLUMNS: &str = "h.id, h.guid, h.project_id, h.url, h.secret, h.on_created, \
     h.on_alert, h.is_active, h.date_created";

fn hook_from_row(row: &SqliteRow) -> StoreResult<ServiceHookRow> {
    Ok(ServiceHookRow {
        id: row.try_get("id")?,
        guid: row.try_get("guid")?,
        project_id: row.try_get("project_id")?,
        url: row.try_get("url")?,
        secret: row.try_get("secret")?,
        on_created: row.try_get("on_created")?,
        on_alert: row.try_get("on_alert")?,
        is_active: row.try_get("is_active")?,
        date_created: row.try_get("date_created")?,
    })
}

/// Which projects have active `event.created` hooks, as the event writer knows it. The store
/// bumps `generation` whenever a hook changes; the writer reads the projects again, in its
/// transaction, only then. A project without hooks costs its events a set lookup.
pub(super) struct HookedProjects {
    generation: Arc<AtomicU64>,
    seen: Option<u64>,
    projects: HashSet<i64>,
}

impl HookedProjects {
    pub(super) fn new(generation: Arc<AtomicU64>) -> Self {
        HookedProjects { generation, seen: None, projects: HashSet::new() }
    }

    /// Reads the projects again if a hook changed since the last read.
    pub(super) fn refresh(&mut self, conn: &Connection) -> StoreResult<()> {
        let generation = self.generation.load(Ordering::Acquire);
        if self.seen == Some(generation) {
            return Ok(());
        }
        let mut statement = conn.prepare_cached(
            "SELECT DISTINCT project_id FROM service_hooks WHERE on_created AND is_active",
        )?;
        self.projects = statement.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
        self.seen = Some(generation);
        Ok(())
    }

    /// Makes the deliveries of a new event, stored in `issue_id`, to its project's
    /// `event.created` hooks.
    pub(super) fn event_stored(
        &self,
        conn: &Connection,
        event: &NewEvent,
        issue_id: i64,
    ) -> StoreResult<()> {
        if !self.projects.contains(&event.project_id) {
            return Ok(());
        }
        let mut statement = conn.prepare_cached(
            "INSERT OR IGNORE INTO service_hook_deliveries \
             (hook_id, issue_id, event_id, date_created, next_at) \
             SELECT id, ?, ?, ?, ? FROM service_hooks \
             WHERE project_id = ? AND on_created AND is_active",
        )?;
        statement.execute(rusqlite::params![
            issue_id,
            event.event_id,
            event.received,
            event.received,
            event.project_id
        ])?;
        Ok(())
    }
}

/// Makes the deliveries of an event that fired an alert rule for `issue_id` to the project's
/// `event.alert` hooks; without `event_id` (a rule that counts events fires after their
/// commit), of the issue's latest event.
pub(super) async fn deliver_alert(
    conn: &mut SqliteConnection,
    issue_id: i64,
    event_id: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    let hooked: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM service_hooks h JOIN issues i ON i.project_id = h.project_id \
         WHERE i.id = $1 AND h.on_alert AND h.is_active)",
    )
    .bind(issue_id)
    .fetch_one(&mut *conn)
    .await?;
    if !hooked {
        return Ok(());
    }
    let event_id = match event_id {
        Some(id) => id.to_owned(),
        None => {
            let latest: Option<String> = sqlx::query_scalar(
                "SELECT event_id FROM events WHERE issue_id = $1 ORDER BY timestamp DESC LIMIT 1",
            )
            .bind(issue_id)
            .fetch_optional(&mut *conn)
            .await?;
            match latest {
                Some(id) => id,
                None => return Ok(()),
            }
        }
    };
    sqlx::query(
        "INSERT OR IGNORE INTO service_hook_deliveries \
         (hook_id, issue_id, event_id, date_created, next_at) \
         SELECT h.id, $1, $2, $3, $3 FROM service_hooks h JOIN issues i ON i.project_id = h.project_id \
         WHERE i.id = $1 AND h.on_alert AND h.is_active",
    )
    .bind(issue_id)
    .bind(event_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl SqliteStore {
    /// Tells the event writer to read the hooked projects again.
    fn hooks_changed(&self) {
        self.hooks_generation.fetch_add(1, Ordering::AcqRel);
    }

    pub(super) async fn hooks_of_project(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<ServiceHookRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {HOOK_COLUMNS} FROM service_hooks h WHERE h.project_id = $1 ORDER BY h.id"
        ))
        .bind(project_id)
        .fetch_all(&self.reads)
        .await?;
        rows.iter().map(hook_from_row).collect()
    }

    pub(super) async fn insert_hook(
        &self,
        hook: &ServiceHookRow,
        user_id: Option<i64>,
    ) -> StoreResult<ServiceHookRow> {
        let mut tx = begin_write(&self.writes).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO service_hooks (guid, project_id, url, secret, on_created, on_alert, \
             is_active, created_by, date_created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(&hook.guid)
        .bind(hook.project_id)
        .bind(&hook.url)
        .bind(&hook.secret)
        .bind(hook.on_created)
        .bind(hook.on_alert)
        .bind(hook.is_active)
        .bind(user_id)
        .bind(hook.date_created)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.hooks_changed();
        Ok(ServiceHookRow { id, ..hook.clone() })
    }

    pub(super) async fn replace_hook(&self, hook: &ServiceHookRow) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE service_hooks SET url = $1, on_created = $2, on_alert = $3, is_active = $4 \
             WHERE id = $5 AND project_id = $6",
        )
        .bind(&hook.url)
        .bind(hook.on_created)
        .bind(hook.on_alert)
        .bind(hook.is_active)
        .bind(hook.id)
        .bind(hook.project_id)
        .execute(&self.writes)
        .await?;
        self.hooks_changed();
        touched_one(result)
    }

    pub(super) async fn remove_hook(&self, project_id: i64, hook_id: i64) -> StoreResult<()> {
        // Its deliveries go with it (`ON DELETE CASCADE`).
        let result = sqlx::query("DELETE FROM service_hooks WHERE id = $1 AND project_id = $2")
            .bind(hook_id)
            .bind(project_id)
            .execute(&self.writes)
            .await?;
        self.hooks_changed();
        touched_one(result)
    }

    pub(super) async fn due(&self, now: i64, limit: i64) -> StoreResult<Vec<DueDelivery>> {
        let rows = sqlx::query(&format!(
            "SELECT d.id AS d_id, d.issue_id, d.event_id, d.attempts, {HOOK_COLUMNS} \
             FROM service_hook_deliveries d JOIN service_hooks h ON h.id = d.hook_id \
             WHERE d.state = 'pending' AND d.next_at <= $1 AND h.is_active \
             ORDER BY d.next_at LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueDelivery {
                    id: row.try_get("d_id")?,
                    hook: hook_from_row(row)?,
                    issue_id: row.try_get("issue_id")?,
                    event_id: row.try_get("event_id")?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    pub(super) async fn record_attempts(&self, attempts: &[DeliveryAttempt]) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        let mut tx = begin_write(&self.writes).await?;
        for attempt in attempts {
            let delivered = attempt.error.is_none();
            let state = match (delivered, attempt.retry_at) {
                (true, _) => "delivered",
                (false, Some(_)) => "pending",
                (false, None) => "failed",
            };
            sqlx::query(
                "UPDATE service_hook_deliveries SET state = $1, attempts = attempts + 1, \
                 next_at = COALESCE($2, next_at), status_code = $3, error = $4, \
                 date_finished = CASE WHEN $1 = 'pending' THEN NULL ELSE $5 END WHERE id = $6",
            )
            .bind(state)
            .bind(attempt.retry_at)
            .bind(attempt.status_code.map(i64::from))
            .bind(&attempt.error)
            .bind(attempt.at)
            .bind(attempt.id)
            .execute(&mut *tx)
            .await?;
        }
        // A hook keeps its latest finished deliveries only, for its log: a busy project's
        // hook would otherwise keep a row per event.
        let mut hooks: Vec<i64> = attempts.iter().map(|attempt| attempt.hook_id).collect();
        hooks.sort_unstable();
        hooks.dedup();
        for hook_id in hooks {
            sqlx::query(
                "DELETE FROM service_hook_deliveries WHERE hook_id = $1 AND state <> 'pending' \
                 AND id < COALESCE((SELECT id FROM service_hook_deliveries \
                   WHERE hook_id = $1 AND state <> 'pending' ORDER BY id DESC LIMIT 1 OFFSET $2), 0)",
            )
            .bind(hook_id)
            .bind(KEEP_FINISHED - 1)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn prune(
        &self,
        expired_before: i64,
        finished_before: i64,
    ) -> StoreResult<u64> {
        let mut tx = begin_write(&self.writes).await?;
        let expired = sqlx::query(
            "UPDATE service_hook_deliveries SET state = 'failed', date_finished = $2, \
             error = 'not delivered in time' WHERE state = 'pending' AND date_created < $1",
        )
        .bind(expired_before)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query(
            "DELETE FROM service_hook_deliveries WHERE state <> 'pending' AND date_finished < $1",
        )
        .bind(finished_before)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(expired.rows_affected() + deleted.rows_affected())
    }

    pub(super) async fn deliveries_of_hook(
        &self,
        hook_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRow>> {
        let rows = sqlx::query(
            "SELECT id, issue_id, event_id, date_created, state, attempts, status_code, error, \
             date_finished FROM service_hook_deliveries WHERE hook_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(hook_id)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryRow {
                    id: row.try_get("id")?,
                    issue_id: row.try_get("issue_id")?,
                    event_id: row.try_get("event_id")?,
                    date_created: row.try_get("date_created")?,
                    state: row.try_get("state")?,
                    attempts: row.try_get("attempts")?,
                    status_code: row.try_get("status_code")?,
                    error: row.try_get("error")?,
                    date_finished: row.try_get("date_finished")?,
                })
            })
            .collect()
    }
}
