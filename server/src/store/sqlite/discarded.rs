//! "Delete and discard future events" (Sentry's group tombstones): an issue deleted with its
//! hashes kept, so that ingestion drops their later events; listed per project, and undone by
//! deleting the discarded issue (its hashes go with it, by their foreign key).

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::audit::joined_user;
use super::{begin_write, SqliteStore};
use crate::store::{DiscardedIssueRow, NewEvent, StoreError, StoreResult};
use crate::util::now_ms;

/// The issue id [`super::store_one_event`] answers for an event it dropped because one of its
/// hashes is discarded: no issue has it, and the writer keeps none of the event's items.
pub(super) const DROPPED: i64 = 0;

/// Whether one of `event`'s hashes is discarded; if so, the drop is counted as ingestion counts
/// it (Relay's `discarded-hash` outcome).
pub(super) async fn is_discarded(
    tx: &mut sqlx::SqliteConnection,
    event: &NewEvent,
) -> StoreResult<bool> {
    if event.hashes.is_empty() {
        return Ok(false);
    }
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM discarded_hashes WHERE project_id = ? AND hash IN ({}))",
        vec!["?"; event.hashes.len()].join(",")
    );
    let query = sqlx::query_scalar::<_, bool>(&sql).bind(event.project_id);
    let discarded =
        event.hashes.iter().fold(query, |q, hash| q.bind(hash)).fetch_one(&mut *tx).await?;
    if discarded {
        let hour = now_ms().div_euclid(3_600_000) * 3_600;
        sqlx::query(
            "INSERT INTO outcomes (project_id, source, category, reason, quantity) \
             VALUES (?, 'server', 'error', 'discarded-hash', 1) \
             ON CONFLICT (project_id, source, category, reason) \
             DO UPDATE SET quantity = quantity + 1",
        )
        .bind(event.project_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO outcome_hourly (project_id, hour, source, category, reason, quantity) \
             VALUES (?, ?, 'server', 'error', 'discarded-hash', 1) \
             ON CONFLICT (project_id, hour, source, category, reason) \
             DO UPDATE SET quantity = quantity + 1",
        )
        .bind(event.project_id)
        .bind(hour)
        .execute(&mut *tx)
        .await?;
    }
    Ok(discarded)
}

/// The columns of a discarded issue with its actor joined as `actor_*`.
const SELECT: &str = "SELECT d.*, actor.email AS actor_email, actor.name AS actor_name, \
     actor.is_superuser AS actor_is_superuser \
     FROM discarded_issues d LEFT JOIN users actor ON actor.id = d.actor_user_id";

impl SqliteStore {
    /// Keeps issue `issue_id` as discarded with its hashes; returns how many hashes it had.
    pub(super) async fn keep_discarded(
        &self,
        issue_id: i64,
        actor_user_id: Option<i64>,
    ) -> StoreResult<u64> {
        let mut tx = begin_write(&self.writes).await?;
        let discarded: i64 = sqlx::query_scalar(
            "INSERT INTO discarded_issues (project_id, previous_issue_id, title, culprit, level, \
             event_type, metadata, actor_user_id, date_added) \
             SELECT project_id, id, title, culprit, level, event_type, metadata, ?, ? \
             FROM issues WHERE id = ? RETURNING id",
        )
        .bind(actor_user_id)
        .bind(now_ms())
        .bind(issue_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        // A hash discarded already (an event of it was in flight) stays with its first issue.
        let kept = sqlx::query(
            "INSERT OR IGNORE INTO discarded_hashes (project_id, hash, discarded_issue_id) \
             SELECT project_id, hash, ? FROM issue_hashes WHERE issue_id = ?",
        )
        .bind(discarded)
        .bind(issue_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(kept.rows_affected())
    }

    pub(super) async fn discarded_issue_rows(
        &self,
        project_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<DiscardedIssueRow>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE d.project_id = ? AND (? IS NULL OR d.id < ?) ORDER BY d.id DESC LIMIT ?"
        ))
        .bind(project_id)
        .bind(before)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(discarded_from_row).collect())
    }

    pub(super) async fn delete_discarded_issue(
        &self,
        project_id: i64,
        discarded_issue_id: i64,
    ) -> StoreResult<DiscardedIssueRow> {
        let mut tx = begin_write(&self.writes).await?;
        let row = sqlx::query(&format!("{SELECT} WHERE d.id = ? AND d.project_id = ?"))
            .bind(discarded_issue_id)
            .bind(project_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM discarded_issues WHERE id = ?")
            .bind(discarded_issue_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(discarded_from_row(&row))
    }
}

fn discarded_from_row(row: &SqliteRow) -> DiscardedIssueRow {
    DiscardedIssueRow {
        id: row.get("id"),
        project_id: row.get("project_id"),
        previous_issue_id: row.get("previous_issue_id"),
        title: row.get("title"),
        culprit: row.get("culprit"),
        level: row.get("level"),
        event_type: row.get("event_type"),
        metadata: row.get("metadata"),
        actor: joined_user(row, "actor_user_id", "actor"),
        date_added: row.get("date_added"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Migration 0041 makes one discarded issue of the hashes discarded together before it.
    #[tokio::test]
    async fn migration_0041_groups_the_hashes_discarded_before_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (path, pool) = super::super::database_before(&dir, "0041").await;
        for sql in [
            "INSERT INTO organizations (id, slug, name, date_created) VALUES (1, 'o', 'O', 0)",
            "INSERT INTO projects (id, organization_id, slug, name, date_created) \
             VALUES (7, 1, 'p', 'P', 0)",
            "INSERT INTO users (id, email, name, is_superuser, date_joined) \
             VALUES (3, 'ann@example.com', 'Ann', 0, 0)",
            // Two hashes of one issue discarded by Ann, one of another by a removed user.
            "INSERT INTO discarded_hashes VALUES (7, 'a1', 'KeyError: x', 3, 100)",
            "INSERT INTO discarded_hashes VALUES (7, 'a2', 'KeyError: x', 3, 100)",
            "INSERT INTO discarded_hashes VALUES (7, 'b1', 'Timeout', NULL, 200)",
        ] {
            sqlx::query(sql).execute(&pool).await.expect("row");
        }
        pool.close().await;

        let store = SqliteStore::connect(&format!("sqlite:{}", path.display()))
            .await
            .expect("store opens and migrates");
        let discarded = store.discarded_issues(7, None, 10).await.expect("list");
        let summary: Vec<_> = discarded
            .iter()
            .map(|d| (d.title.as_str(), d.actor.as_ref().map(|a| a.email.as_str()), d.date_added))
            .collect();
        assert_eq!(
            summary,
            [("Timeout", None, 200), ("KeyError: x", Some("ann@example.com"), 100)]
        );
        let mut hashes = store.project_ingest_settings(7).await.expect("settings").discarded_hashes;
        hashes.sort();
        assert_eq!(hashes, ["a1", "a2", "b1"]);

        // Undiscarding the first takes both its hashes, and only them.
        let key_error = discarded.iter().find(|d| d.title == "KeyError: x").expect("KeyError");
        store.undiscard_issue(7, key_error.id).await.expect("undiscarded");
        let hashes = store.project_ingest_settings(7).await.expect("settings").discarded_hashes;
        assert_eq!(hashes, ["b1"]);
        let missing = store.undiscard_issue(7, key_error.id).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    }
}
