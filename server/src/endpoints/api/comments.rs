//! Comments on issues: Sentry keeps them as activities of type `note` (`{"text": ...}`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{Activity, NewComment};

use super::issues::issue_access;
use super::Created;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::Store;

/// Longest comment, in characters.
const MAX_COMMENT_CHARS: usize = 10_000;

/// `GET /api/0/issues/{id}/comments/`: the comments, newest first.
pub async fn list_comments<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
) -> ApiResult<AppJson<Vec<Activity>>> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:read").await?;
    let activity = state.store.issue_activity(issue.id).await?;
    Ok(AppJson(activity.iter().filter(|a| a.kind == "note").map(serialize::activity).collect()))
}

/// `POST /api/0/issues/{id}/comments/` with `{"text": "..."}`.
pub async fn add_comment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    AppJson(comment): AppJson<NewComment>,
) -> ApiResult<Created<Activity>> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:write").await?;
    let text = comment.text.trim();
    if text.is_empty() || text.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::BadRequest(format!(
            "text: a comment of 1 to {MAX_COMMENT_CHARS} characters is required."
        )));
    }
    let id = state.store.add_comment(issue.id, identity.user.id, text).await?;
    let activity = state.store.issue_activity(issue.id).await?;
    let created = activity.iter().find(|a| a.id == id).ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, AppJson(serialize::activity(created))))
}

/// `DELETE /api/0/issues/{id}/comments/{comment_id}/`: only its author (or a superuser) may.
pub async fn delete_comment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((issue_id, comment_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:write").await?;
    let comment_id: i64 = comment_id.parse().map_err(|_| ApiError::NotFound)?;
    let activity = state.store.issue_activity(issue.id).await?;
    let comment = activity
        .iter()
        .find(|a| a.id == comment_id && a.kind == "note")
        .ok_or(ApiError::NotFound)?;
    let is_author = comment.user.as_ref().is_some_and(|u| u.id == identity.user.id);
    if !is_author && !identity.user.is_superuser {
        return Err(ApiError::Forbidden);
    }
    state.store.delete_comment(issue.id, comment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
