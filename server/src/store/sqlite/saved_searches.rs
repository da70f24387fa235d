//! The issue stream's saved searches (a member's own, or the organization's) and each member's
//! recent searches.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{touched_one, SqliteStore};
use crate::store::{RecentSearchRow, SavedSearchRow, StoreError, StoreResult, MAX_RECENT_SEARCHES};
use crate::util::now_ms;

impl SqliteStore {
    pub(super) async fn read_saved_searches(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> StoreResult<Vec<SavedSearchRow>> {
        let rows = sqlx::query(
            "SELECT * FROM saved_searches WHERE organization_id = ? \
             AND (visibility = 'organization' OR owner_user_id = ?) \
             ORDER BY visibility = 'owner', name COLLATE NOCASE, id",
        )
        .bind(organization_id)
        .bind(user_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(saved_search_from_row).collect())
    }

    pub(super) async fn insert_saved_search(
        &self,
        search: &SavedSearchRow,
    ) -> StoreResult<SavedSearchRow> {
        let row = sqlx::query(
            "INSERT INTO saved_searches (organization_id, owner_user_id, name, query, sort, \
             visibility, date_created) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(search.organization_id)
        .bind(search.owner_user_id)
        .bind(&search.name)
        .bind(&search.query)
        .bind(&search.sort)
        .bind(&search.visibility)
        .bind(now_ms())
        .fetch_one(&self.writes)
        .await?;
        Ok(saved_search_from_row(&row))
    }

    pub(super) async fn write_saved_search(
        &self,
        search: &SavedSearchRow,
    ) -> StoreResult<SavedSearchRow> {
        let row = sqlx::query(
            "UPDATE saved_searches SET name = ?, query = ?, sort = ?, visibility = ? \
             WHERE id = ? AND organization_id = ? RETURNING *",
        )
        .bind(&search.name)
        .bind(&search.query)
        .bind(&search.sort)
        .bind(&search.visibility)
        .bind(search.id)
        .bind(search.organization_id)
        .fetch_optional(&self.writes)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(saved_search_from_row(&row))
    }

    pub(super) async fn remove_saved_search(
        &self,
        organization_id: i64,
        id: i64,
    ) -> StoreResult<()> {
        let result = sqlx::query("DELETE FROM saved_searches WHERE id = ? AND organization_id = ?")
            .bind(id)
            .bind(organization_id)
            .execute(&self.writes)
            .await?;
        touched_one(result)
    }
}

fn saved_search_from_row(row: &SqliteRow) -> SavedSearchRow {
    SavedSearchRow {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        owner_user_id: row.get("owner_user_id"),
        name: row.get("name"),
        query: row.get("query"),
        sort: row.get("sort"),
        visibility: row.get("visibility"),
        date_created: row.get("date_created"),
    }
}

/// Records a run of a search (see [`crate::store::Store::record_recent_search`]).
pub(super) async fn record_recent(
    store: &SqliteStore,
    organization_id: i64,
    user_id: i64,
    kind: i64,
    query: &str,
    now: i64,
) -> StoreResult<bool> {
    let mut tx = super::begin_write(&store.writes).await?;
    // Run again, it is taken out and put back with a new id, keeping when it was first run:
    // the ids order the searches by their last run, even within one millisecond.
    let earlier: Option<i64> = sqlx::query_scalar(
        "DELETE FROM recent_searches WHERE organization_id = $1 AND user_id = $2 \
         AND type = $3 AND query = $4 RETURNING date_created",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind(kind)
    .bind(query)
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO recent_searches (organization_id, user_id, type, query, last_seen, \
         date_created) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind(kind)
    .bind(query)
    .bind(now)
    .bind(earlier.unwrap_or(now))
    .execute(&mut *tx)
    .await?;
    // Only the newest ones are kept, as Sentry's `remove_excess_recent_searches` does.
    sqlx::query(
        "DELETE FROM recent_searches WHERE id IN (SELECT id FROM recent_searches \
         WHERE organization_id = $1 AND user_id = $2 AND type = $3 \
         ORDER BY id DESC LIMIT -1 OFFSET $4)",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind(kind)
    .bind(MAX_RECENT_SEARCHES)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(earlier.is_none())
}

/// A user's recent searches (see [`crate::store::Store::recent_searches`]).
pub(super) async fn recent(
    store: &SqliteStore,
    organization_id: i64,
    user_id: i64,
    kind: i64,
    containing: &str,
    limit: i64,
) -> StoreResult<Vec<RecentSearchRow>> {
    let rows = sqlx::query(
        "SELECT id, type, query, last_seen, date_created FROM recent_searches \
         WHERE organization_id = $1 AND user_id = $2 AND type = $3 \
         AND instr(lower(query), lower($4)) > 0 ORDER BY id DESC LIMIT $5",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind(kind)
    .bind(containing)
    .bind(limit)
    .fetch_all(&store.reads)
    .await?;
    Ok(rows
        .iter()
        .map(|r| RecentSearchRow {
            id: r.get("id"),
            kind: r.get("type"),
            query: r.get("query"),
            last_seen: r.get("last_seen"),
            date_created: r.get("date_created"),
        })
        .collect())
}
