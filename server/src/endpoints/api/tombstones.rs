//! Sentry's group tombstones: a project's issues deleted with "discard future events"
//! (`{"discard": true}` on the bulk update), listed for its settings, and undiscarded by
//! deleting them, after which their hashes' events open an issue again (no earlier data comes
//! back, as in Sentry).

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::header::LINK;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_types::api::Tombstone;
use serde_json::json;

use super::audit_log::{self, Entry};
use super::paging::{keyset_cursor, keyset_link, keyset_per_page, MAX_PER_PAGE};
use super::project_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{DiscardedIssueRow, Store};
use crate::util::ms_to_datetime;

/// Sentry's `ProjectPermission`: readers list them, admins delete them.
const READ: &[&str] = &["project:read", "project:write", "project:admin"];
const ADMIN: &[&str] = &["project:admin"];

fn tombstone(row: DiscardedIssueRow) -> Tombstone {
    Tombstone {
        id: row.id.to_string(),
        level: row.level,
        message: row.title,
        culprit: row.culprit,
        kind: row.event_type,
        metadata: serde_json::from_str(&row.metadata).unwrap_or_else(|_| json!({})),
        actor: row.actor.as_ref().map(serialize::user),
        date_added: ms_to_datetime(row.date_added),
    }
}

/// `GET /api/0/projects/{org}/{project}/tombstones/`: the project's discarded issues, newest
/// first, a page at a time (`cursor`, `per_page` up to 100; `Link` header).
pub async fn list_tombstones<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let (mut before, mut per_page) = (None, MAX_PER_PAGE);
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            _ if value.is_empty() => {}
            "cursor" => before = Some(keyset_cursor(&value)?),
            "per_page" | "limit" => per_page = keyset_per_page(&key, &value)?,
            other => {
                return Err(ApiError::BadRequest(format!("Unknown query parameter: {other:?}")))
            }
        }
    }
    let (_, project) = project_access(&state, &identity, &org, &project_slug, READ).await?;
    // One more than the page: whether a next page exists.
    let mut rows = state.store.discarded_issues(project.id, before, per_page + 1).await?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    let last = rows.last().map_or(0, |row| row.id);
    let link = keyset_link(&state, uri.path(), raw.as_deref(), last, more);
    let list: Vec<Tombstone> = rows.into_iter().map(tombstone).collect();
    Ok(([(LINK, link)], AppJson(list)).into_response())
}

/// `DELETE /api/0/projects/{org}/{project}/tombstones/{tombstone_id}/`: undiscards the issue,
/// at once on this node (other nodes within their project cache's lifetime).
pub async fn delete_tombstone<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, tombstone_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (_, project) = project_access(&state, &identity, &org, &project_slug, ADMIN).await?;
    let id = tombstone_id.parse::<i64>().map_err(|_| ApiError::NotFound)?;
    let row = state.store.undiscard_issue(project.id, id).await?;
    state.ingest.forget_project(project.id);
    let note = format!("undiscarded the issue {:?} of project {}", row.title, project.slug);
    let entry = Entry::new(project.organization_id, "issue.undiscard", note)
        .target(row.previous_issue_id)
        .data(json!({"title": row.title, "project": project.slug}));
    audit_log::record(&state, &identity, entry).await;
    Ok(StatusCode::NO_CONTENT)
}
