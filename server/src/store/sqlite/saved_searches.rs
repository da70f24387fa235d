//! The issue stream's saved searches: a member's own, or the organization's.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::{touched_one, SqliteStore};
use crate::store::{SavedSearchRow, StoreError, StoreResult};
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
