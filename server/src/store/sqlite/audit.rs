//! The organization's audit log: an append-only table, read a page at a time.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::SqliteStore;
use crate::store::{AuditRow, NewAuditEntry, StoreResult, UserRow};
use crate::util::now_ms;

impl SqliteStore {
    pub(super) async fn insert_audit_entry(&self, entry: &NewAuditEntry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (organization_id, actor_user_id, event, target_object, \
             target_user_id, ip_address, note, data, date_created) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(entry.organization_id)
        .bind(entry.actor_user_id)
        .bind(entry.event)
        .bind(entry.target_object)
        .bind(entry.target_user_id)
        .bind(&entry.ip_address)
        .bind(&entry.note)
        .bind(entry.data.to_string())
        .bind(now_ms())
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub(super) async fn audit_entries(
        &self,
        organization_id: i64,
        event: Option<&str>,
        actor: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>> {
        // Each filter is either given or matches everything, so one statement serves all; the
        // (organization, event, id) and (organization, id) indexes cover the two usual reads.
        let rows = sqlx::query(
            "SELECT a.*, \
                    actor.email AS actor_email, actor.name AS actor_name, \
                    actor.is_superuser AS actor_is_superuser, \
                    target.email AS target_email, target.name AS target_name, \
                    target.is_superuser AS target_is_superuser \
             FROM audit_log a \
             LEFT JOIN users actor ON actor.id = a.actor_user_id \
             LEFT JOIN users target ON target.id = a.target_user_id \
             WHERE a.organization_id = ?1 \
               AND (?2 IS NULL OR a.event = ?2) \
               AND (?3 IS NULL OR a.actor_user_id = ?3) \
               AND (?4 IS NULL OR a.id < ?4) \
             ORDER BY a.id DESC LIMIT ?5",
        )
        .bind(organization_id)
        .bind(event)
        .bind(actor)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(audit_from_row).collect())
    }
}

/// The user joined as `prefix` (`actor` or `target`), if the row names one that still exists.
pub(super) fn joined_user(row: &SqliteRow, id_column: &str, prefix: &str) -> Option<UserRow> {
    let id: Option<i64> = row.get(id_column);
    let email: Option<String> = row.get(format!("{prefix}_email").as_str());
    Some(UserRow {
        id: id?,
        email: email?,
        name: row.get(format!("{prefix}_name").as_str()),
        password_hash: None,
        is_superuser: row.get::<Option<i64>, _>(format!("{prefix}_is_superuser").as_str())
            == Some(1),
    })
}

fn audit_from_row(row: &SqliteRow) -> AuditRow {
    AuditRow {
        id: row.get("id"),
        actor: joined_user(row, "actor_user_id", "actor"),
        event: row.get("event"),
        target_object: row.get("target_object"),
        target_user: joined_user(row, "target_user_id", "target"),
        ip_address: row.get("ip_address"),
        note: row.get("note"),
        data: row.get("data"),
        date_created: row.get("date_created"),
    }
}
