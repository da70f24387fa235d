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

/// The newest `limit` transactions of the organization's projects (`project_ids`, or all)
/// since `since`, by the start-time index.
pub(super) async fn period_transactions(
    pool: &SqlitePool,
    organization_id: i64,
    project_ids: &[i64],
    since: f64,
    name: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<PeriodTransaction>> {
    let projects = serde_json::to_string(project_ids).unwrap_or_else(|_| "[]".into());
    // Of one name, by the name's index; else by the start time's.
    let (index, of_name) = match name {
        Some(_) => ("trace_transactions_name", "t.name = $4"),
        None => ("trace_transactions_time", "$4 IS NULL"),
    };
    let sql = format!(
        "SELECT t.event_id, t.trace_id, t.project_id, p.slug AS project_slug, t.name, t.op, \
             t.status, t.start_timestamp, t.timestamp, t.release, t.environment \
         FROM trace_transactions t INDEXED BY {index} \
         JOIN projects p ON p.id = t.project_id \
         WHERE t.start_timestamp >= $1 AND p.organization_id = $2 \
             AND ($3 = '[]' OR t.project_id IN (SELECT value FROM json_each($3))) \
             AND {of_name} \
         ORDER BY t.start_timestamp DESC LIMIT $5"
    );
    // Read as a stream, each row made a [`PeriodTransaction`] as it comes: all of them as
    // rows at once (`fetch_all`) held several times their size, and the allocator kept it.
    let mut rows = sqlx::query(&sql)
        .bind(since)
        .bind(organization_id)
        .bind(projects)
        .bind(name)
        .bind(limit)
        .fetch(pool);
    let mut transactions = Vec::new();
    while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
        transactions.push(PeriodTransaction {
            event_id: row.try_get("event_id")?,
            trace_id: hex::encode(row.try_get::<&[u8], _>("trace_id")?),
            project_id: row.try_get("project_id")?,
            project_slug: row.try_get("project_slug")?,
            name: row.try_get("name")?,
            op: row.try_get("op")?,
            status: row.try_get("status")?,
            start_timestamp: row.try_get("start_timestamp")?,
            timestamp: row.try_get("timestamp")?,
            release: row.try_get("release")?,
            environment: row.try_get("environment")?,
        });
    }
    Ok(transactions)
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

#[cfg(test)]
mod tests {
    use super::super::*;
    use crate::store::Store;

    /// Migration 0056 reads the transactions stored before it into their traces, by the
    /// ingest path's rules: numeric and text times, ids in any case or with dashes, spans;
    /// a transaction outside a trace stays outside.
    #[tokio::test]
    async fn migration_0056_puts_the_transactions_stored_before_it_in_their_traces() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (path, pool) = super::super::database_before(&dir, "0056").await;
        for sql in [
            "INSERT INTO organizations (id, slug, name, date_created) VALUES (1, 'o', 'O', 0)",
            "INSERT INTO projects (id, organization_id, slug, name, date_created) \
             VALUES (7, 1, 'web', 'Web', 0)",
        ] {
            sqlx::query(sql).execute(&pool).await.expect("row");
        }
        let trace = "4C79F60C-1121-4EB3-8604-F4AE0781BFB2";
        let payloads = [
            // A page load: text times, a span, an upper-case span id among junk.
            serde_json::json!({
                "event_id": "a".repeat(32), "transaction": "/checkout", "release": "web@1",
                "environment": "production",
                "start_timestamp": "2026-12-06T10:00:00.250Z",
                "timestamp": "2026-12-06T10:00:01.500000+00:00",
                "contexts": {"trace": {"trace_id": trace, "span_id": "1111111111111111",
                                        "op": "pageload"}},
                "spans": [{"span_id": "BBBBBBBBBBBBBBBB"}, {"span_id": 5}, {"span_id": "xyz"}]
            }),
            // The request it made: numeric times, a failure, no name.
            serde_json::json!({
                "start_timestamp": 1_796_551_200.5, "timestamp": 1_796_551_201,
                "contexts": {"trace": {"trace_id": trace.replace('-', ""), "span_id": "2222222222222222",
                                        "parent_span_id": "bbbbbbbbbbbbbbbb", "status": "internal_error"}}
            }),
            // No trace: stays out.
            serde_json::json!({"start_timestamp": 1.0, "timestamp": 2.0, "contexts": {}}),
        ];
        for (n, payload) in payloads.iter().enumerate() {
            sqlx::query(
                "INSERT INTO envelope_items (project_id, event_id, item_type, headers, payload, \
                 received) VALUES (7, $1, 'transaction', '{}', $2, 0)",
            )
            .bind(format!("{n:032x}"))
            .bind(serde_json::to_vec(payload).expect("json"))
            .execute(&pool)
            .await
            .expect("item");
        }
        pool.close().await;

        let store = SqliteStore::connect(&format!("sqlite:{}", path.display()))
            .await
            .expect("store opens and migrates");
        let trace_id: [u8; 16] = uuid::Uuid::parse_str(trace).expect("uuid").into_bytes();
        let rows = store.trace_transactions(1, &trace_id, 10).await.expect("transactions");
        assert_eq!(rows.len(), 2, "{rows:?}");
        let (page_load, request) = (&rows[0], &rows[1]);
        assert_eq!(page_load.event_id, "a".repeat(32));
        assert_eq!((page_load.name.as_str(), page_load.op.as_str()), ("/checkout", "pageload"));
        assert_eq!(page_load.status, "unknown");
        assert_eq!(page_load.start_timestamp, 1_796_551_200.25);
        assert_eq!(page_load.timestamp, 1_796_551_201.5);
        assert_eq!(page_load.span_ids, "bbbbbbbbbbbbbbbb");
        assert_eq!(page_load.parent_span_id, None);
        assert_eq!(request.event_id, format!("{:032x}", 1), "the envelope's id");
        assert_eq!(request.name, crate::ingest::transaction::UNLABELED);
        assert_eq!(request.status, "internal_error");
        assert_eq!(request.parent_span_id.as_deref(), Some("bbbbbbbbbbbbbbbb"));
        assert_eq!(
            (request.start_timestamp, request.timestamp),
            (1_796_551_200.5, 1_796_551_201.0)
        );
        assert_eq!(request.span_ids, "");
        let counts = store.trace_counts(1, &trace_id).await.expect("counts");
        assert_eq!((counts.transactions, counts.errors, counts.projects), (2, 0, 1));
        let period = store.period_transactions(1, &[], 0.0, Some("/checkout"), 10).await;
        let period = period.expect("the period's");
        assert_eq!(period.len(), 1);
        assert_eq!(period[0].release.as_deref(), Some("web@1"));
        assert_eq!(period[0].environment.as_deref(), Some("production"));
        assert_eq!(period[0].trace_id, "4c79f60c11214eb38604f4ae0781bfb2");
    }
}
