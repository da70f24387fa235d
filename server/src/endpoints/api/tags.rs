//! An issue's tags: each tag with its most frequent values, and all values of one tag.

use axum::extract::{Path, State};
use cairn_types::api::{IssueTag, TagValue};

use super::issues::issue_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{Store, TagValueRow};

/// Values shown per tag in the summary (Sentry shows the top 9).
const TOP_VALUES: usize = 9;
/// Values listed for one tag.
const MAX_VALUES: usize = 1_000;

/// Groups rows (sorted by key, then frequency) into tags with their top values.
fn summarize(rows: &[TagValueRow]) -> Vec<IssueTag> {
    let mut tags: Vec<IssueTag> = Vec::new();
    for row in rows {
        match tags.last_mut() {
            Some(tag) if tag.key == row.key => {
                tag.total_values += row.times_seen;
                if tag.top_values.len() < TOP_VALUES {
                    tag.top_values.push(serialize::tag_value(row));
                }
            }
            _ => tags.push(IssueTag {
                key: row.key.clone(),
                name: row.key.clone(),
                total_values: row.times_seen,
                top_values: vec![serialize::tag_value(row)],
            }),
        }
    }
    // Most used tags first, as Sentry's tag panel lists them.
    tags.sort_by(|a, b| b.total_values.cmp(&a.total_values).then_with(|| a.key.cmp(&b.key)));
    tags
}

/// `GET /api/0/issues/{id}/tags/` (also under `/organizations/{org}/`).
pub async fn list_tags<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(params): Path<Vec<(String, String)>>,
) -> ApiResult<AppJson<Vec<IssueTag>>> {
    let (org, issue_id, _) = path_parts(&params)?;
    let (issue, _) = issue_access(&state, &identity, org, issue_id, "event:read").await?;
    let rows = state.store.issue_tag_values(issue.id, None).await?;
    Ok(AppJson(summarize(&rows)))
}

/// `GET /api/0/issues/{id}/tags/{key}/`: one tag with its top values.
pub async fn get_tag<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(params): Path<Vec<(String, String)>>,
) -> ApiResult<AppJson<IssueTag>> {
    let (org, issue_id, key) = path_parts(&params)?;
    let key = key.ok_or(ApiError::NotFound)?;
    let (issue, _) = issue_access(&state, &identity, org, issue_id, "event:read").await?;
    let rows = state.store.issue_tag_values(issue.id, Some(key)).await?;
    summarize(&rows).into_iter().next().map(AppJson).ok_or(ApiError::NotFound)
}

/// `GET /api/0/issues/{id}/tags/{key}/values/`: every value of the tag, most frequent first.
pub async fn list_tag_values<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(params): Path<Vec<(String, String)>>,
) -> ApiResult<AppJson<Vec<TagValue>>> {
    let (org, issue_id, key) = path_parts(&params)?;
    let key = key.ok_or(ApiError::NotFound)?;
    let (issue, _) = issue_access(&state, &identity, org, issue_id, "event:read").await?;
    let rows = state.store.issue_tag_values(issue.id, Some(key)).await?;
    Ok(AppJson(rows.iter().take(MAX_VALUES).map(serialize::tag_value).collect()))
}

/// The organization (if the route has one), issue id and tag key of the path.
fn path_parts(params: &[(String, String)]) -> ApiResult<(Option<&str>, &str, Option<&str>)> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let issue_id = get("issue_id").ok_or(ApiError::NotFound)?;
    Ok((get("org"), issue_id, get("key")))
}
