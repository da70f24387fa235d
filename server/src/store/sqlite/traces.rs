//! Distributed traces: the error events that share a trace id (`events.trace_id`, migration
//! 0025) and the transactions (`trace_transactions`, migration 0056), across the projects of an
//! organization, for the trace view and Sentry's trace endpoints.

use serde_json::Value;

use super::*;

/// The first `limit` errors of the trace to arrive (of `event_id` alone, if given), in time
/// order. Read in arrival order, which is the trace index's own order (its entries are sorted
/// by row id within a trace), so that the read stops after `limit` rows: a process whose SDK
/// keeps one trace for its whole life (no transactions) puts every error in one trace.
pub(super) async fn trace_errors(
    pool: &SqlitePool,
    organization_id: i64,
    trace_id: &[u8; 16],
    event_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<TraceErrorRow>> {
    let rows = sqlx::query(
        "SELECT e.event_id, e.timestamp, e.level, e.title, e.data, e.issue_id, i.short_id, \
             i.culprit, p.id AS project_id, p.slug AS project_slug \
         FROM events e INDEXED BY events_trace \
         JOIN projects p ON p.id = e.project_id \
         JOIN issues i ON i.id = e.issue_id \
         WHERE e.trace_id = $1 AND p.organization_id = $2 AND ($3 IS NULL OR e.event_id = $3) \
         ORDER BY e.id LIMIT $4",
    )
    .bind(trace_id.as_slice())
    .bind(organization_id)
    .bind(event_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut errors = rows.iter().map(trace_error_from_row).collect::<StoreResult<Vec<_>>>()?;
    // Stable: errors of the same millisecond stay in arrival order.
    errors.sort_by_key(|error| error.timestamp);
    Ok(errors)
}

pub(super) async fn trace_counts(
    pool: &SqlitePool,
    organization_id: i64,
    trace_id: &[u8; 16],
) -> StoreResult<TraceCounts> {
    let row = sqlx::query(
        "WITH parts (project_id, is_error) AS ( \
             SELECT e.project_id, 1 FROM events e INDEXED BY events_trace \
             WHERE e.trace_id = $1 \
             UNION ALL \
             SELECT t.project_id, 0 FROM trace_transactions t WHERE t.trace_id = $1) \
         SELECT coalesce(sum(is_error), 0) AS errors, coalesce(sum(1 - is_error), 0) AS transactions, \
             count(DISTINCT parts.project_id) AS projects \
         FROM parts JOIN projects p ON p.id = parts.project_id WHERE p.organization_id = $2",
    )
    .bind(trace_id.as_slice())
    .bind(organization_id)
    .fetch_one(pool)
    .await?;
    Ok(TraceCounts {
        errors: row.try_get("errors")?,
        transactions: row.try_get("transactions")?,
        projects: row.try_get("projects")?,
    })
}

/// The first `limit` transactions of the trace by start time.
pub(super) async fn trace_transactions(
    pool: &SqlitePool,
    organization_id: i64,
    trace_id: &[u8; 16],
    limit: i64,
) -> StoreResult<Vec<TraceTransactionRow>> {
    let rows = sqlx::query(
        "SELECT t.event_id, t.project_id, p.slug AS project_slug, t.span_id, t.parent_span_id, \
             t.name, t.op, t.status, t.start_timestamp, t.timestamp, t.span_ids \
         FROM trace_transactions t JOIN projects p ON p.id = t.project_id \
         WHERE t.trace_id = $1 AND p.organization_id = $2 \
         ORDER BY t.start_timestamp, t.item_id LIMIT $3",
    )
    .bind(trace_id.as_slice())
    .bind(organization_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(TraceTransactionRow {
                event_id: row.try_get("event_id")?,
                project_id: row.try_get("project_id")?,
                project_slug: row.try_get("project_slug")?,
                span_id: row.try_get("span_id")?,
                parent_span_id: row.try_get("parent_span_id")?,
                name: row.try_get("name")?,
                op: row.try_get("op")?,
                status: row.try_get("status")?,
                start_timestamp: row.try_get("start_timestamp")?,
                timestamp: row.try_get("timestamp")?,
                span_ids: row.try_get("span_ids")?,
            })
        })
        .collect()
}

/// The project's transaction item with that event id (the first stored, should an SDK have
/// sent it twice). Found through the items' event index, so a transaction outside any trace is
/// found too.
pub(super) async fn project_transaction(
    pool: &SqlitePool,
    project_id: i64,
    event_id: &str,
) -> StoreResult<StoredTransaction> {
    let row = sqlx::query(
        "SELECT payload, received FROM envelope_items \
         WHERE project_id = $1 AND event_id = $2 AND item_type = 'transaction' \
         ORDER BY id LIMIT 1",
    )
    .bind(project_id)
    .bind(event_id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(StoredTransaction { payload: row.try_get("payload")?, received: row.try_get("received")? })
}

/// One error of a trace. The span and the message are read from the stored event, which only
/// a trace's few events pay for; ingestion keeps no column for them.
fn trace_error_from_row(row: &SqliteRow) -> StoreResult<TraceErrorRow> {
    let data = crate::store::event_data::decode(row.try_get::<&[u8], _>("data")?)?;
    let event: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
    let text = |pointer: &str| {
        event.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
    };
    let title: String = row.try_get("title")?;
    Ok(TraceErrorRow {
        event_id: row.try_get("event_id")?,
        timestamp: row.try_get("timestamp")?,
        level: row.try_get("level")?,
        message: text("/logentry/formatted")
            .or_else(|| text("/logentry/message"))
            .unwrap_or_else(|| title.clone()),
        title,
        span_id: text("/contexts/trace/span_id"),
        issue_id: row.try_get("issue_id")?,
        short_id: row.try_get("short_id")?,
        culprit: row.try_get("culprit")?,
        project_id: row.try_get("project_id")?,
        project_slug: row.try_get("project_slug")?,
    })
}
