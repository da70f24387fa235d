//! User feedback: the `user_report` and `feedback` items of `envelope_items`, kept against the
//! event they are about (see the ingest endpoint's `reported_event_id`), read back with the
//! issue of that event.

use serde_json::Value;

use super::*;

/// The columns [`report_from_row`] reads: the item, and the issue of its event if stored.
const REPORT_COLUMNS: &str = "r.id, r.event_id, r.payload, r.received, i.id AS issue_id, \
     i.short_id, i.title, p.slug AS project_slug";

/// Parses the fields of a report: `name`, `email` and `comments` for a `user_report`; `name`,
/// `contact_email` and `message` in `contexts.feedback` for a `feedback` item (with the event's
/// `user` as the fallback for the name and email). Anything not a string reads as empty: the
/// payload is as the SDK sent it.
fn report_from_row(row: &SqliteRow) -> StoreResult<UserReportRow> {
    let payload: Vec<u8> = row.try_get("payload")?;
    let payload: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let (name, email, comments) = match payload.pointer("/contexts/feedback") {
        Some(feedback) => {
            let user = payload.get("user").unwrap_or(&Value::Null);
            (
                text(feedback, "name")
                    .or_else(|| text(user, "username"))
                    .or_else(|| text(user, "name")),
                text(feedback, "contact_email").or_else(|| text(user, "email")),
                text(feedback, "message"),
            )
        }
        None => (text(&payload, "name"), text(&payload, "email"), text(&payload, "comments")),
    };
    let issue = match row.try_get::<Option<i64>, _>("issue_id")? {
        Some(id) => Some(ReportedIssue {
            id,
            short_id: row.try_get("short_id")?,
            project_slug: row.try_get("project_slug")?,
            title: row.try_get("title")?,
        }),
        None => None,
    };
    Ok(UserReportRow {
        id: row.try_get("id")?,
        event_id: row.try_get::<Option<String>, _>("event_id")?.unwrap_or_default(),
        name: name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        comments: comments.unwrap_or_default(),
        received: row.try_get("received")?,
        issue,
    })
}

/// The joins of a project's reports to their events' issues.
const PROJECT_REPORTS: &str = "FROM envelope_items r \
     JOIN projects p ON p.id = r.project_id \
     LEFT JOIN events e ON e.project_id = r.project_id AND e.event_id = r.event_id \
     LEFT JOIN issues i ON i.id = e.issue_id \
     WHERE r.project_id = $1 AND r.item_type IN ('user_report', 'feedback')";

pub(super) async fn latest_user_report(
    pool: &SqlitePool,
    project_id: i64,
    event_id: &str,
) -> StoreResult<UserReportRow> {
    let row = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} {PROJECT_REPORTS} AND r.event_id = $2 ORDER BY r.id DESC LIMIT 1"
    ))
    .bind(project_id)
    .bind(event_id)
    .fetch_one(pool)
    .await?;
    report_from_row(&row)
}

pub(super) async fn project_user_reports(
    pool: &SqlitePool,
    project_id: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<UserReportRow>> {
    // Few items are feedback: the `(project_id, item_type, received)` index finds them.
    let rows = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} {PROJECT_REPORTS} ORDER BY r.received DESC, r.id DESC \
         LIMIT $2 OFFSET $3"
    ))
    .bind(project_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    rows.iter().map(report_from_row).collect()
}

/// The feedback of an organization's projects (of `project_ids` only, unless empty), newest
/// first: each project's from the `(project_id, item_type, received)` index.
pub(super) async fn organization_user_reports(
    pool: &SqlitePool,
    organization_id: i64,
    project_ids: &[i64],
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<UserReportRow>> {
    // The projects as a JSON array: one bound parameter however many there are.
    let projects = candidate_list(project_ids);
    let rows = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} FROM envelope_items r \
         JOIN projects p ON p.id = r.project_id \
         LEFT JOIN events e ON e.project_id = r.project_id AND e.event_id = r.event_id \
         LEFT JOIN issues i ON i.id = e.issue_id \
         WHERE p.organization_id = $1 AND r.item_type IN ('user_report', 'feedback') \
           AND ($2 = '[]' OR r.project_id IN (SELECT value FROM json_each($2))) \
         ORDER BY r.received DESC, r.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(organization_id)
    .bind(projects)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    rows.iter().map(report_from_row).collect()
}

pub(super) async fn delete_earlier_user_reports(
    pool: &SqlitePool,
    project_id: i64,
    event_id: &str,
) -> StoreResult<u64> {
    let mut tx = begin_write(pool).await?;
    let deleted = sqlx::query(
        "DELETE FROM envelope_items WHERE project_id = $1 AND event_id = $2 \
             AND item_type = 'user_report' AND id < (SELECT max(id) FROM envelope_items \
                 WHERE project_id = $1 AND event_id = $2 AND item_type = 'user_report')",
    )
    .bind(project_id)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(deleted.rows_affected())
}

/// The join of [`issue_user_reports`], from the project's feedback to its events, not from the
/// issue's events (which may be millions) to their items.
const ISSUE_REPORTS: &str = "FROM envelope_items r \
     JOIN events e ON e.project_id = r.project_id AND e.event_id = r.event_id \
     JOIN issues i ON i.id = e.issue_id \
     JOIN projects p ON p.id = r.project_id \
     WHERE r.project_id = (SELECT project_id FROM issues WHERE id = $1) \
       AND r.item_type IN ('user_report', 'feedback') AND e.issue_id = $1";

pub(super) async fn issue_user_report_count(pool: &SqlitePool, issue_id: i64) -> StoreResult<i64> {
    let count = sqlx::query_scalar(&format!("SELECT count(*) {ISSUE_REPORTS}"))
        .bind(issue_id)
        .fetch_one(pool)
        .await?;
    Ok(count)
}

pub(super) async fn issue_user_reports(
    pool: &SqlitePool,
    issue_id: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<UserReportRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} {ISSUE_REPORTS} ORDER BY r.received DESC, r.id DESC \
         LIMIT $2 OFFSET $3"
    ))
    .bind(issue_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    rows.iter().map(report_from_row).collect()
}
