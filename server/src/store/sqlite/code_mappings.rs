//! Code mappings and the repositories' addresses: which repository file a project's stack
//! frame is, so that the dashboard links frames and commits to the code host.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use super::{touched_one, SqliteStore};
use crate::store::{CodeMappingRow, NewCodeMapping, RepositoryRow, StoreError, StoreResult};
use crate::util::now_ms;

/// A repository from a row of `repositories` (`id`, `name`, `date_created`, `url`,
/// `provider`).
pub(super) fn repository_from_row(row: &SqliteRow) -> RepositoryRow {
    RepositoryRow {
        id: row.get("id"),
        name: row.get("name"),
        date_created: row.get("date_created"),
        url: row.get("url"),
        provider: row.get("provider"),
    }
}

/// One repository of an organization, read through `pool`.
async fn repository_on(
    pool: &SqlitePool,
    organization_id: i64,
    id: i64,
) -> StoreResult<RepositoryRow> {
    let row = sqlx::query(
        "SELECT id, name, date_created, url, provider FROM repositories \
         WHERE organization_id = ? AND id = ?",
    )
    .bind(organization_id)
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(repository_from_row(&row))
}

/// The columns of a code mapping with its project's slug and its repository.
const MAPPING_SELECT: &str = "SELECT m.id, m.project_id, p.slug AS project_slug, \
     m.stack_root, m.source_root, m.default_branch, m.date_created, r.id AS repo_id, \
     r.name AS repo_name, r.date_created AS repo_created, r.url AS repo_url, \
     r.provider AS repo_provider \
     FROM code_mappings m JOIN projects p ON p.id = m.project_id \
     JOIN repositories r ON r.id = m.repository_id";

fn mapping_from_row(row: &SqliteRow) -> CodeMappingRow {
    CodeMappingRow {
        id: row.get("id"),
        project_id: row.get("project_id"),
        project_slug: row.get("project_slug"),
        repository: RepositoryRow {
            id: row.get("repo_id"),
            name: row.get("repo_name"),
            date_created: row.get("repo_created"),
            url: row.get("repo_url"),
            provider: row.get("repo_provider"),
        },
        stack_root: row.get("stack_root"),
        source_root: row.get("source_root"),
        default_branch: row.get("default_branch"),
        date_created: row.get("date_created"),
    }
}

impl SqliteStore {
    pub(super) async fn read_repository(
        &self,
        organization_id: i64,
        id: i64,
    ) -> StoreResult<RepositoryRow> {
        repository_on(&self.reads, organization_id, id).await
    }

    pub(super) async fn insert_repository(
        &self,
        organization_id: i64,
        name: &str,
        url: Option<&str>,
        provider: Option<&str>,
    ) -> StoreResult<RepositoryRow> {
        let row = sqlx::query(
            "INSERT INTO repositories (organization_id, name, date_created, url, provider) \
             VALUES (?, ?, ?, ?, ?) RETURNING id, name, date_created, url, provider",
        )
        .bind(organization_id)
        .bind(name)
        .bind(now_ms())
        .bind(url)
        .bind(provider)
        .fetch_one(&self.writes)
        .await?;
        Ok(repository_from_row(&row))
    }

    /// Sets a repository's name (when given), address and host kind (`None`: removed).
    pub(super) async fn write_repository(
        &self,
        organization_id: i64,
        id: i64,
        name: Option<&str>,
        url: Option<&str>,
        provider: Option<&str>,
    ) -> StoreResult<RepositoryRow> {
        touched_one(
            sqlx::query(
                "UPDATE repositories SET name = coalesce(?, name), url = ?, provider = ? \
                 WHERE organization_id = ? AND id = ?",
            )
            .bind(name)
            .bind(url)
            .bind(provider)
            .bind(organization_id)
            .bind(id)
            .execute(&self.writes)
            .await?,
        )?;
        // Read on the writing connection: the change is there before any reader sees it.
        repository_on(&self.writes, organization_id, id).await
    }

    /// The organization's repository of this name, made (without an address) when it has none.
    pub(super) async fn find_or_insert_repository(
        &self,
        organization_id: i64,
        name: &str,
    ) -> StoreResult<RepositoryRow> {
        let row = sqlx::query(
            "INSERT INTO repositories (organization_id, name, date_created) VALUES (?, ?, ?) \
             ON CONFLICT (organization_id, name) DO UPDATE SET name = excluded.name \
             RETURNING id, name, date_created, url, provider",
        )
        .bind(organization_id)
        .bind(name)
        .bind(now_ms())
        .fetch_one(&self.writes)
        .await?;
        Ok(repository_from_row(&row))
    }

    /// The organization's code mappings (of one project when given), the project's slug, the
    /// longest stack root first (the order they are tried in).
    pub(super) async fn read_code_mappings(
        &self,
        organization_id: i64,
        project_id: Option<i64>,
    ) -> StoreResult<Vec<CodeMappingRow>> {
        let sql = format!(
            "{MAPPING_SELECT} WHERE p.organization_id = ? AND (? IS NULL OR m.project_id = ?) \
             ORDER BY p.slug, length(m.stack_root) DESC, m.stack_root, m.id"
        );
        let rows = sqlx::query(&sql)
            .bind(organization_id)
            .bind(project_id)
            .bind(project_id)
            .fetch_all(&self.reads)
            .await?;
        Ok(rows.iter().map(mapping_from_row).collect())
    }

    pub(super) async fn read_code_mapping(
        &self,
        organization_id: i64,
        id: i64,
    ) -> StoreResult<CodeMappingRow> {
        let sql = format!("{MAPPING_SELECT} WHERE p.organization_id = ? AND m.id = ?");
        let row = sqlx::query(&sql)
            .bind(organization_id)
            .bind(id)
            .fetch_optional(&self.writes)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(mapping_from_row(&row))
    }

    /// Creates a code mapping, or changes mapping `id`; a project's pair of roots is unique.
    pub(super) async fn write_code_mapping(
        &self,
        organization_id: i64,
        id: Option<i64>,
        mapping: &NewCodeMapping,
    ) -> StoreResult<CodeMappingRow> {
        let id = match id {
            Some(id) => {
                touched_one(
                    sqlx::query(
                        "UPDATE code_mappings SET project_id = ?, repository_id = ?, \
                         stack_root = ?, source_root = ?, default_branch = ? WHERE id = ? \
                         AND project_id IN (SELECT id FROM projects WHERE organization_id = ?)",
                    )
                    .bind(mapping.project_id)
                    .bind(mapping.repository_id)
                    .bind(&mapping.stack_root)
                    .bind(&mapping.source_root)
                    .bind(&mapping.default_branch)
                    .bind(id)
                    .bind(organization_id)
                    .execute(&self.writes)
                    .await?,
                )?;
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO code_mappings (project_id, repository_id, stack_root, \
                     source_root, default_branch, date_created) VALUES (?, ?, ?, ?, ?, ?) \
                     RETURNING id",
                )
                .bind(mapping.project_id)
                .bind(mapping.repository_id)
                .bind(&mapping.stack_root)
                .bind(&mapping.source_root)
                .bind(&mapping.default_branch)
                .bind(now_ms())
                .fetch_one(&self.writes)
                .await?
            }
        };
        self.read_code_mapping(organization_id, id).await
    }

    /// Creates the mapping of a project's pair of roots, or gives an existing one this
    /// repository and branch (a bulk upload); `true` when it was created.
    pub(super) async fn insert_or_update_code_mapping(
        &self,
        mapping: &NewCodeMapping,
    ) -> StoreResult<bool> {
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM code_mappings WHERE project_id = ? AND stack_root = ? \
             AND source_root = ?",
        )
        .bind(mapping.project_id)
        .bind(&mapping.stack_root)
        .bind(&mapping.source_root)
        .fetch_optional(&self.writes)
        .await?;
        sqlx::query(
            "INSERT INTO code_mappings (project_id, repository_id, stack_root, source_root, \
             default_branch, date_created) VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (project_id, stack_root, source_root) DO UPDATE SET \
             repository_id = excluded.repository_id, default_branch = excluded.default_branch",
        )
        .bind(mapping.project_id)
        .bind(mapping.repository_id)
        .bind(&mapping.stack_root)
        .bind(&mapping.source_root)
        .bind(&mapping.default_branch)
        .bind(now_ms())
        .execute(&self.writes)
        .await?;
        Ok(existing.is_none())
    }

    pub(super) async fn remove_code_mapping(
        &self,
        organization_id: i64,
        id: i64,
    ) -> StoreResult<()> {
        touched_one(
            sqlx::query(
                "DELETE FROM code_mappings WHERE id = ? \
                 AND project_id IN (SELECT id FROM projects WHERE organization_id = ?)",
            )
            .bind(id)
            .bind(organization_id)
            .execute(&self.writes)
            .await?,
        )
    }
}
