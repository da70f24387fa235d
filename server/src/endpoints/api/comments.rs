//! Comments on issues: Sentry keeps them as activities of type `note` (`{"text": ...}`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{Activity, NewComment};

use super::issues::{issue_access, resolve_assignee};
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

/// `POST /api/0/issues/{id}/comments/` with `{"text": "...", "mentions": [...]}`: the author and
/// the people mentioned are subscribed to the issue; its participants hear of the comment.
pub async fn add_comment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    AppJson(comment): AppJson<NewComment>,
) -> ApiResult<Created<Activity>> {
    let (issue, organization) =
        issue_access(&state, &identity, None, &issue_id, "event:write").await?;
    let text = checked_text(&comment)?;
    let mut mentioned = Vec::with_capacity(comment.mentions.len());
    for actor in &comment.mentions {
        // Sentry's actors, as `assignedTo` takes them: members and teams of the organization.
        let actor =
            resolve_assignee(&state, &organization, Some(actor)).await.map_err(
                |err| match err {
                    ApiError::BadRequest(_) => {
                        ApiError::BadRequest(format!("mentions: unknown actor {actor:?}."))
                    }
                    other => other,
                },
            )?;
        mentioned.extend(actor);
    }
    let id = state.store.add_comment(issue.id, identity.user.id, text, &mentioned).await?;
    let activity = state.store.issue_activity(issue.id).await?;
    let created = activity.iter().find(|a| a.id == id).ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, AppJson(serialize::activity(created))))
}

/// `PUT /api/0/issues/{id}/comments/{comment_id}/` with `{"text": "..."}`: only its author (or
/// a superuser) may edit it; answers with the updated activity entry, as Sentry does.
pub async fn update_comment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((issue_id, comment_id)): Path<(String, String)>,
    AppJson(comment): AppJson<NewComment>,
) -> ApiResult<AppJson<Activity>> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:write").await?;
    let comment_id = own_comment(&state, &identity, issue.id, &comment_id).await?;
    let text = checked_text(&comment)?;
    state.store.update_comment(issue.id, comment_id, text).await?;
    let activity = state.store.issue_activity(issue.id).await?;
    let updated = activity.iter().find(|a| a.id == comment_id).ok_or(ApiError::NotFound)?;
    Ok(AppJson(serialize::activity(updated)))
}

/// `DELETE /api/0/issues/{id}/comments/{comment_id}/`: only its author (or a superuser) may.
pub async fn delete_comment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((issue_id, comment_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:write").await?;
    let comment_id = own_comment(&state, &identity, issue.id, &comment_id).await?;
    state.store.delete_comment(issue.id, comment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The id of a comment of the issue that the caller wrote (a superuser may change anyone's):
/// 404 when there is no such comment, 403 when someone else wrote it.
async fn own_comment<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    issue_id: i64,
    raw_id: &str,
) -> ApiResult<i64> {
    let comment_id: i64 = raw_id.parse().map_err(|_| ApiError::NotFound)?;
    let activity = state.store.issue_activity(issue_id).await?;
    let comment = activity
        .iter()
        .find(|a| a.id == comment_id && a.kind == "note")
        .ok_or(ApiError::NotFound)?;
    let is_author = comment.user.as_ref().is_some_and(|u| u.id == identity.user.id);
    if !is_author && !identity.user.is_superuser {
        return Err(ApiError::Forbidden);
    }
    Ok(comment_id)
}

/// The comment's text, trimmed, if it is of an acceptable length.
fn checked_text(comment: &NewComment) -> ApiResult<&str> {
    let text = comment.text.trim();
    if text.is_empty() || text.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::BadRequest(format!(
            "text: a comment of 1 to {MAX_COMMENT_CHARS} characters is required."
        )));
    }
    Ok(text)
}
