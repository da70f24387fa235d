//! Event attachments: the `attachment` items of `envelope_items` (envelope attachments and
//! minidump uploads), read back by event.

use serde_json::{Map, Value};

use super::*;

/// The columns [`attachment_from_row`] reads; the size is the payload's, not the `length`
/// header's (which SDKs may leave out), and SQLite counts a blob without reading it.
const ATTACHMENT_COLUMNS: &str = "id, event_id, headers, length(payload) AS size, received, sha1";

fn attachment_from_row(row: &SqliteRow) -> StoreResult<AttachmentRow> {
    let headers: String = row.try_get("headers")?;
    let headers = match serde_json::from_str::<Map<String, Value>>(&headers) {
        Ok(headers) => headers,
        Err(err) => {
            // Written by ingestion from a parsed object, so this is a hand-edited row: its
            // bytes are still worth serving, with the defaults.
            tracing::warn!(%err, "an attachment's headers are not a JSON object");
            Map::new()
        }
    };
    let text = |key: &str| headers.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(AttachmentRow {
        id: row.try_get("id")?,
        event_id: row.try_get::<Option<String>, _>("event_id")?.unwrap_or_default(),
        filename: text("filename"),
        content_type: text("content_type"),
        attachment_type: text("attachment_type"),
        size: row.try_get("size")?,
        received: row.try_get("received")?,
        sha1: row.try_get("sha1")?,
    })
}

pub(super) async fn event_attachments(
    pool: &SqlitePool,
    project_id: i64,
    event_id: &str,
) -> StoreResult<Vec<AttachmentRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM envelope_items \
         WHERE project_id = $1 AND event_id = $2 AND item_type = 'attachment' \
         ORDER BY received, id"
    ))
    .bind(project_id)
    .bind(event_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(attachment_from_row).collect()
}

pub(super) async fn issue_attachments(
    pool: &SqlitePool,
    issue_id: i64,
    types: &[String],
    screenshots: bool,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<AttachmentRow>> {
    // Through the index on the events' `(project_id, event_id)`. A screenshot, as Sentry's
    // filter has it: a file named like one, of the default type.
    let types = serde_json::to_string(types).unwrap_or_else(|_| "[]".into());
    let rows = sqlx::query(&format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM envelope_items \
         WHERE item_type = 'attachment' \
         AND (project_id, event_id) IN (SELECT project_id, event_id FROM events WHERE issue_id = $1) \
         AND ($2 = '[]' OR COALESCE(NULLIF(json_extract(headers, '$.attachment_type'), ''), \
              'event.attachment') IN (SELECT value FROM json_each($2))) \
         AND (NOT $3 OR (lower(json_extract(headers, '$.filename')) LIKE '%screenshot%' \
              AND COALESCE(NULLIF(json_extract(headers, '$.attachment_type'), ''), \
                  'event.attachment') = 'event.attachment' \
              AND (lower(json_extract(headers, '$.filename')) LIKE '%.png' \
                   OR lower(json_extract(headers, '$.filename')) LIKE '%.jpg' \
                   OR lower(json_extract(headers, '$.filename')) LIKE '%.jpeg'))) \
         ORDER BY received DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(issue_id)
    .bind(types)
    .bind(screenshots)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    rows.iter().map(attachment_from_row).collect()
}

pub(super) async fn event_attachment(
    pool: &SqlitePool,
    project_id: i64,
    event_id: &str,
    attachment_id: i64,
) -> StoreResult<(AttachmentRow, Vec<u8>)> {
    let row = sqlx::query(&format!(
        "SELECT {ATTACHMENT_COLUMNS}, payload FROM envelope_items \
         WHERE id = $1 AND project_id = $2 AND event_id = $3 AND item_type = 'attachment'"
    ))
    .bind(attachment_id)
    .bind(project_id)
    .bind(event_id)
    .fetch_one(pool)
    .await?;
    Ok((attachment_from_row(&row)?, row.try_get("payload")?))
}
