//! Artifact bundles: the source maps `sentry-cli sourcemaps upload` sends, first as chunks
//! (kept by SHA-1 until assembled), then as bundles of files looked up by ingestion.

use std::collections::HashMap;

use crate::ingest::sourcemaps::{ArtifactKind, ArtifactMeta};

use super::*;

/// Chunks nobody assembled are dropped after a day (an interrupted upload).
const CHUNK_MAX_AGE_MS: i64 = 86_400_000;

pub(super) async fn put_upload_chunks(
    writes: &SqlitePool,
    organization_id: i64,
    chunks: &[(String, Vec<u8>)],
    now: i64,
) -> StoreResult<()> {
    let mut tx = writes.begin().await?;
    sqlx::query("DELETE FROM upload_chunks WHERE created < $1")
        .bind(now - CHUNK_MAX_AGE_MS)
        .execute(&mut *tx)
        .await?;
    for (checksum, data) in chunks {
        sqlx::query(
            "INSERT INTO upload_chunks (organization_id, checksum, data, created) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (organization_id, checksum) DO UPDATE SET created = excluded.created",
        )
        .bind(organization_id)
        .bind(checksum)
        .bind(data.as_slice())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Which of `checksums` the organization has no chunk of.
pub(super) async fn missing_upload_chunks(
    reads: &SqlitePool,
    organization_id: i64,
    checksums: &[String],
) -> StoreResult<Vec<String>> {
    let mut missing = Vec::new();
    for checksum in checksums {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM upload_chunks WHERE organization_id = $1 AND checksum = $2",
        )
        .bind(organization_id)
        .bind(checksum)
        .fetch_optional(reads)
        .await?;
        if found.is_none() && !missing.contains(checksum) {
            missing.push(checksum.clone());
        }
    }
    Ok(missing)
}

/// The chunks' bytes, by checksum (missing ones left out).
pub(super) async fn upload_chunks(
    reads: &SqlitePool,
    organization_id: i64,
    checksums: &[String],
) -> StoreResult<HashMap<String, Vec<u8>>> {
    let mut chunks = HashMap::new();
    for checksum in checksums {
        if chunks.contains_key(checksum) {
            continue;
        }
        let data: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT data FROM upload_chunks WHERE organization_id = $1 AND checksum = $2",
        )
        .bind(organization_id)
        .bind(checksum)
        .fetch_optional(reads)
        .await?;
        if let Some(data) = data {
            chunks.insert(checksum.clone(), data);
        }
    }
    Ok(chunks)
}

fn bundle_from_row(row: &SqliteRow) -> ArtifactBundleRow {
    ArtifactBundleRow {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        bundle_id: row.get("bundle_id"),
        checksum: row.get("checksum"),
        release: row.get("release"),
        dist: row.get("dist"),
        file_count: row.get("file_count"),
        date_added: row.get("date_added"),
    }
}

const BUNDLE_COLUMNS: &str =
    "b.id, b.organization_id, b.bundle_id, b.checksum, b.release, b.dist, b.file_count, b.date_added";

pub(super) async fn artifact_bundle_by_checksum(
    reads: &SqlitePool,
    organization_id: i64,
    checksum: &str,
) -> StoreResult<Option<ArtifactBundleRow>> {
    let row = sqlx::query(&format!(
        "SELECT {BUNDLE_COLUMNS} FROM artifact_bundles b \
         WHERE b.organization_id = $1 AND b.checksum = $2"
    ))
    .bind(organization_id)
    .bind(checksum)
    .fetch_optional(reads)
    .await?;
    Ok(row.as_ref().map(bundle_from_row))
}

/// Stores a bundle and its files, or (the same upload again) adds its projects to the stored
/// one; the chunks it was made of are deleted.
pub(super) async fn create_artifact_bundle(
    writes: &SqlitePool,
    bundle: &NewArtifactBundle,
) -> StoreResult<ArtifactBundleRow> {
    let mut tx = writes.begin().await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM artifact_bundles WHERE organization_id = $1 AND checksum = $2",
    )
    .bind(bundle.organization_id)
    .bind(&bundle.checksum)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO artifact_bundles \
                 (organization_id, bundle_id, checksum, release, dist, file_count, date_added) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(bundle.organization_id)
            .bind(&bundle.bundle_id)
            .bind(&bundle.checksum)
            .bind(&bundle.release)
            .bind(&bundle.dist)
            .bind(bundle.files.len() as i64)
            .bind(bundle.date_added)
            .fetch_one(&mut *tx)
            .await?;
            for file in &bundle.files {
                sqlx::query(
                    "INSERT INTO artifact_files (bundle_id, kind, url, debug_id, sourcemap, content) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(file.kind.as_str())
                .bind(&file.url)
                .bind(&file.debug_id)
                .bind(&file.sourcemap)
                .bind(file.content.as_slice())
                .execute(&mut *tx)
                .await?;
            }
            id
        }
    };
    for project_id in &bundle.project_ids {
        sqlx::query(
            "INSERT INTO artifact_bundle_projects (bundle_id, project_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    }
    for checksum in &bundle.chunks {
        sqlx::query("DELETE FROM upload_chunks WHERE organization_id = $1 AND checksum = $2")
            .bind(bundle.organization_id)
            .bind(checksum)
            .execute(&mut *tx)
            .await?;
    }
    let row =
        sqlx::query(&format!("SELECT {BUNDLE_COLUMNS} FROM artifact_bundles b WHERE b.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(bundle_from_row(&row))
}

/// A project's bundles, newest first.
pub(super) async fn project_artifact_bundles(
    reads: &SqlitePool,
    project_id: i64,
) -> StoreResult<Vec<ArtifactBundleRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {BUNDLE_COLUMNS} FROM artifact_bundles b \
         JOIN artifact_bundle_projects p ON p.bundle_id = b.id \
         WHERE p.project_id = $1 ORDER BY b.date_added DESC, b.id DESC"
    ))
    .bind(project_id)
    .fetch_all(reads)
    .await?;
    Ok(rows.iter().map(bundle_from_row).collect())
}

/// Takes a bundle away from a project; a bundle no project has any more is deleted. `false`
/// when the project has no such bundle.
pub(super) async fn delete_artifact_bundle(
    writes: &SqlitePool,
    project_id: i64,
    bundle_id: &str,
) -> StoreResult<bool> {
    let mut tx = writes.begin().await?;
    let removed = sqlx::query(
        "DELETE FROM artifact_bundle_projects WHERE project_id = $1 AND bundle_id IN \
         (SELECT id FROM artifact_bundles WHERE bundle_id = $2)",
    )
    .bind(project_id)
    .bind(bundle_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "DELETE FROM artifact_bundles WHERE bundle_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM artifact_bundle_projects p WHERE p.bundle_id = artifact_bundles.id)",
    )
    .bind(bundle_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(removed > 0)
}

/// What ingestion looks up for a project: every file of its bundles, without contents,
/// newest bundle first.
pub(super) async fn project_artifacts(
    reads: &SqlitePool,
    project_id: i64,
) -> StoreResult<Vec<ArtifactMeta>> {
    let rows = sqlx::query(
        "SELECT f.id, f.kind, f.url, f.debug_id, f.sourcemap, b.release, b.dist \
         FROM artifact_files f JOIN artifact_bundles b ON b.id = f.bundle_id \
         JOIN artifact_bundle_projects p ON p.bundle_id = b.id \
         WHERE p.project_id = $1 AND f.kind IN ('minified_source', 'source_map') \
         ORDER BY b.date_added DESC, b.id DESC, f.id",
    )
    .bind(project_id)
    .fetch_all(reads)
    .await?;
    Ok(rows
        .iter()
        .map(|row| ArtifactMeta {
            id: row.get("id"),
            kind: ArtifactKind::from_manifest(row.get("kind")),
            url: row.get("url"),
            debug_id: row.get("debug_id"),
            sourcemap: row.get("sourcemap"),
            release: row.get("release"),
            dist: row.get("dist"),
        })
        .collect())
}

/// The contents of a project's files `ids` (others, or another project's, left out).
pub(super) async fn artifact_contents(
    reads: &SqlitePool,
    project_id: i64,
    ids: &[i64],
) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        let content: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT f.content FROM artifact_files f \
             JOIN artifact_bundle_projects p ON p.bundle_id = f.bundle_id \
             WHERE f.id = $1 AND p.project_id = $2",
        )
        .bind(id)
        .bind(project_id)
        .fetch_optional(reads)
        .await?;
        if let Some(content) = content {
            found.push((*id, content));
        }
    }
    Ok(found)
}
