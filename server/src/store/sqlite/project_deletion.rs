//! Deleting a project with everything of it, without stalling ingestion.
//!
//! A project can hold millions of events. One `DELETE FROM projects` (whose rows cascade to
//! all of them) would hold SQLite's write lock for as long as that takes, and every group
//! commit of the other projects' events would wait behind it, past the writer's busy timeout.
//! So the project's keys go first, in a transaction of their own: from then on nothing new
//! arrives for it. Its events, stored envelope items and issues follow a chunk per
//! transaction, each short enough for the event writer to commit between two of them. The
//! project's row goes last, with what is left (release-health rows, settings, counts), which
//! its foreign keys cascade to, and the metric alert rules that measured it alone.
//!
//! A deletion that stops halfway (the server killed) leaves the project with fewer events and
//! no keys; deleting it again finishes the job.

use sqlx::SqlitePool;

use super::{begin_write, touched_one, SqliteStore};
use crate::store::{event_data, StoreResult};

/// Rows deleted per transaction: a few milliseconds of work each (fewer in unit tests, which
/// then take several).
const CHUNK: i64 = if cfg!(test) { 300 } else { 2000 };

/// Issues deleted per transaction: each takes its hashes, tag values, hourly counts and
/// activity along (their events are gone by then).
const ISSUE_CHUNK: i64 = if cfg!(test) { 3 } else { 200 };

/// Deletes project `project_id` with its keys, events, issues, stored items and release
/// health; returns the public keys it had, which caches must forget.
pub(super) async fn delete_project(
    store: &SqliteStore,
    project_id: i64,
) -> StoreResult<Vec<String>> {
    let mut tx = begin_write(&store.writes).await?;
    let keys: Vec<String> =
        sqlx::query_scalar("DELETE FROM project_keys WHERE project_id = $1 RETURNING public_key")
            .bind(project_id)
            .fetch_all(&mut *tx)
            .await?;
    tx.commit().await?;

    while delete_events_chunk(&store.writes, project_id).await? > 0 {}
    while delete_chunk(
        &store.writes,
        "DELETE FROM envelope_items WHERE id IN \
         (SELECT id FROM envelope_items WHERE project_id = $1 LIMIT $2)",
        project_id,
        CHUNK,
    )
    .await?
        > 0
    {}
    while delete_issues_chunk(store, project_id).await? > 0 {}

    let mut tx = begin_write(&store.writes).await?;
    let dictionaries: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM event_dictionaries WHERE project_id = $1")
            .bind(project_id)
            .fetch_all(&mut *tx)
            .await?;
    // The two tables keyed by project without a foreign key to it.
    for sql in [
        "DELETE FROM session_states WHERE project_id = $1",
        "DELETE FROM event_dictionary_sources WHERE project_id = $1",
    ] {
        sqlx::query(sql).bind(project_id).execute(&mut *tx).await?;
    }
    // Whatever arrived meanwhile (a request authorized just before its key went) goes too.
    let issues: Vec<i64> = sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1")
        .bind(project_id)
        .fetch_all(&mut *tx)
        .await?;
    // Metric alert rules that measured this project alone go with it, as in Sentry.
    sqlx::query(
        "DELETE FROM metric_alert_rules WHERE id IN (SELECT rule_id FROM \
         metric_alert_rule_projects WHERE project_id = $1) AND NOT EXISTS (SELECT 1 FROM \
         metric_alert_rule_projects o WHERE o.rule_id = metric_alert_rules.id \
         AND o.project_id != $1)",
    )
    .bind(project_id)
    .execute(&mut *tx)
    .await?;
    touched_one(
        sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(project_id)
            .execute(&mut *tx)
            .await?,
    )?;
    lower_counters_watermark(&mut tx).await?;
    store
        .counters
        .commit_adjusted(tx, |counters| issues.iter().for_each(|id| counters.discard(*id)))
        .await?;
    // SQLite may give the project's id, and its dictionaries' ids, to new rows: nothing of
    // the old ones may stay in memory.
    store.dictionaries.forget_project(project_id);
    dictionaries.into_iter().for_each(event_data::unregister);
    Ok(keys)
}

/// Deletes up to [`CHUNK`] of the project's events in one transaction; returns how many.
async fn delete_events_chunk(writes: &SqlitePool, project_id: i64) -> StoreResult<u64> {
    let mut tx = begin_write(writes).await?;
    let deleted = sqlx::query(
        "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE project_id = $1 LIMIT $2)",
    )
    .bind(project_id)
    .bind(CHUNK)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    lower_counters_watermark(&mut tx).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Deletes up to [`ISSUE_CHUNK`] of the project's issues in one transaction, and their pending
/// counters with them (see `SqliteStore::delete_issue`); returns how many.
async fn delete_issues_chunk(store: &SqliteStore, project_id: i64) -> StoreResult<u64> {
    let mut tx = begin_write(&store.writes).await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1 ORDER BY id LIMIT $2")
            .bind(project_id)
            .bind(ISSUE_CHUNK)
            .fetch_all(&mut *tx)
            .await?;
    let (Some(first), Some(last)) = (ids.first(), ids.last()) else { return Ok(0) };
    sqlx::query("DELETE FROM issues WHERE project_id = $1 AND id BETWEEN $2 AND $3")
        .bind(project_id)
        .bind(first)
        .bind(last)
        .execute(&mut *tx)
        .await?;
    // Events that arrived for these issues after the events' chunks went with them.
    lower_counters_watermark(&mut tx).await?;
    store
        .counters
        .commit_adjusted(tx, |counters| ids.iter().for_each(|id| counters.discard(*id)))
        .await?;
    Ok(ids.len() as u64)
}

/// Runs a `DELETE` of up to `limit` rows of the project (`$1`, `$2`) in one transaction;
/// returns how many it deleted.
async fn delete_chunk(
    writes: &SqlitePool,
    sql: &str,
    project_id: i64,
    limit: i64,
) -> StoreResult<u64> {
    let mut tx = begin_write(writes).await?;
    let deleted = sqlx::query(sql).bind(project_id).bind(limit).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(deleted.rows_affected())
}

/// When the newest events went, SQLite gives their ids to the next events: the counters'
/// watermark must stay below them (as in `SqliteStore::delete_issue`).
async fn lower_counters_watermark(tx: &mut sqlx::SqliteConnection) -> StoreResult<()> {
    sqlx::query(
        "UPDATE counters_watermark SET counted_through = \
         MIN(counted_through, COALESCE((SELECT MAX(id) FROM events), 0))",
    )
    .execute(tx)
    .await?;
    Ok(())
}
