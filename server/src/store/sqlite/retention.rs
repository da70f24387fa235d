//! Data retention, as self-hosted Sentry's `sentry cleanup --days N`: what arrived before the
//! cutoff goes, a chunk per transaction so that the event writer commits between two.
//!
//! - **Events** received before the cutoff, oldest first (row ids grow with arrival, so the
//!   oldest are the lowest ids and each chunk is a short scan from the start of the table).
//!   A dictionary that holds the JSON of one of them is retired in the same transaction and
//!   purged after it, as when an issue is deleted (see `dictionary.rs`): no deleted event's
//!   data stays in a dictionary.
//! - **Issues** last seen before the cutoff, with what cascades from them (hashes, counts,
//!   activity, notifications); their events went with the first step.
//! - **Stored envelope items** (attachments, transactions, feedback, check-in items), **cron
//!   check-ins** and **notifications** from before the cutoff.
//!
//! What is kept: the issues still seen, with their totals and hourly counts (as Sentry keeps a
//! group's counts), releases, release health and usage stats (hourly aggregates).

use std::collections::HashSet;

use sqlx::SqlitePool;

use super::{begin_write, SqliteStore};
use crate::store::{RetentionReport as Deleted, StoreResult};

/// Rows per transaction (fewer in unit tests, which then take several).
const CHUNK: i64 = if cfg!(test) { 300 } else { 2000 };
/// Issues per transaction.
const ISSUE_CHUNK: i64 = if cfg!(test) { 3 } else { 200 };

pub(super) async fn apply(store: &SqliteStore, cutoff: i64) -> StoreResult<Deleted> {
    let mut deleted = Deleted::default();
    let mut purge: HashSet<i64> = HashSet::new();
    loop {
        let (events, projects) = delete_events_chunk(store, cutoff).await?;
        deleted.events += events;
        purge.extend(projects);
        if events == 0 {
            break;
        }
    }
    for project_id in purge {
        store.dictionaries.purge(project_id, &store.reads, &store.writes);
    }
    let mut after = 0;
    while let Some((last, issues)) = delete_issues_chunk(store, cutoff, after).await? {
        deleted.issues += issues;
        after = last;
    }
    deleted.items = delete_oldest(&store.writes, "envelope_items", "received", cutoff).await?;
    deleted.check_ins =
        delete_oldest(&store.writes, "monitor_checkins", "date_created", cutoff).await?;
    deleted.notifications =
        delete_oldest(&store.writes, "notifications", "date_created", cutoff).await?;
    Ok(deleted)
}

/// Deletes the events received before `cutoff` among the [`CHUNK`] oldest rows; returns how
/// many, and the projects whose dictionaries it retired.
async fn delete_events_chunk(store: &SqliteStore, cutoff: i64) -> StoreResult<(u64, Vec<i64>)> {
    let mut tx = begin_write(&store.writes).await?;
    let range: Option<(i64, i64)> = sqlx::query_as(
        "SELECT MIN(id), MAX(id) FROM (SELECT id FROM events WHERE id IN \
           (SELECT id FROM events ORDER BY id LIMIT $2) AND received < $1) HAVING COUNT(*) > 0",
    )
    .bind(cutoff)
    .bind(CHUNK)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((first, last)) = range else { return Ok((0, Vec::new())) };
    let holding: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT DISTINCT s.dictionary_id, s.project_id FROM events AS e \
         CROSS JOIN event_dictionary_sources AS s \
         WHERE e.id BETWEEN $1 AND $2 AND e.received < $3 \
         AND s.project_id = e.project_id AND s.event_id = e.event_id",
    )
    .bind(first)
    .bind(last)
    .bind(cutoff)
    .fetch_all(&mut *tx)
    .await?;
    if !holding.is_empty() {
        store.dictionaries.retire(&mut tx, &holding).await?;
    }
    let deleted = sqlx::query("DELETE FROM events WHERE id BETWEEN $1 AND $2 AND received < $3")
        .bind(first)
        .bind(last)
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    let mut projects: Vec<i64> = holding.into_iter().map(|(_, project)| project).collect();
    projects.sort_unstable();
    projects.dedup();
    Ok((deleted, projects))
}

/// Deletes the next [`ISSUE_CHUNK`] issues (by id, after `after`) last seen before `cutoff`,
/// with what they had left and their pending counters; returns the last id looked at and how
/// many went, or `None` when no issue is left to look at.
async fn delete_issues_chunk(
    store: &SqliteStore,
    cutoff: i64,
    after: i64,
) -> StoreResult<Option<(i64, u64)>> {
    let mut tx = begin_write(&store.writes).await?;
    let candidates: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM issues WHERE last_seen < $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(cutoff)
    .bind(after)
    .bind(ISSUE_CHUNK)
    .fetch_all(&mut *tx)
    .await?;
    let Some(&last) = candidates.last() else { return Ok(None) };
    // An event still stored (received late, or after the events' pass) goes with its issue:
    // the dictionaries holding one are retired first.
    let mut retired_projects = Vec::new();
    let mut ids = Vec::with_capacity(candidates.len());
    for id in candidates {
        // The writer may have counted events the row lacks: the issue stays if it is seen now.
        let pending = store.counters.totals(id).await;
        if pending.last_seen.is_some_and(|seen| seen >= cutoff) {
            continue;
        }
        retired_projects.extend(store.dictionaries.retire_holding_issue(&mut tx, id).await?);
        sqlx::query("DELETE FROM issues WHERE id = $1").bind(id).execute(&mut *tx).await?;
        ids.push(id);
    }
    sqlx::query(
        "UPDATE counters_watermark SET counted_through = \
         MIN(counted_through, COALESCE((SELECT MAX(id) FROM events), 0))",
    )
    .execute(&mut *tx)
    .await?;
    store
        .counters
        .commit_adjusted(tx, |counters| ids.iter().for_each(|id| counters.discard(*id)))
        .await?;
    for project_id in retired_projects {
        store.dictionaries.purge(project_id, &store.reads, &store.writes);
    }
    Ok(Some((last, ids.len() as u64)))
}

/// Deletes the rows of `table` whose `column` is before `cutoff`, a chunk per transaction;
/// returns how many.
async fn delete_oldest(
    writes: &SqlitePool,
    table: &str,
    column: &str,
    cutoff: i64,
) -> StoreResult<u64> {
    // Among the oldest rows only (ids grow with arrival): a table with nothing old costs a
    // short scan, not a whole one.
    let sql = format!(
        "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT $2) \
         AND {column} < $1"
    );
    let mut total = 0;
    loop {
        let mut tx = begin_write(writes).await?;
        let deleted =
            sqlx::query(&sql).bind(cutoff).bind(CHUNK).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        total += deleted;
        if deleted == 0 {
            return Ok(total);
        }
    }
}
