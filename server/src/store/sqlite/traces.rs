//! Distributed traces: the error events that share a trace id (`events.trace_id`, migration
//! 0025), across the projects of an organization, for the issue page's trace panel and
//! Sentry's trace endpoints.

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
) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT count(*) AS errors, count(DISTINCT e.project_id) AS projects \
         FROM events e INDEXED BY events_trace JOIN projects p ON p.id = e.project_id \
         WHERE e.trace_id = $1 AND p.organization_id = $2",
    )
    .bind(trace_id.as_slice())
    .bind(organization_id)
    .fetch_one(pool)
    .await?;
    Ok((row.try_get("errors")?, row.try_get("projects")?))
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
