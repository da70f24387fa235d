//! An issue's tags: each tag with its most frequent values, and all values of one tag.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::response::Response;
use cairn_types::api::{IssueTag, TagValue};

use super::issues::issue_access;
use super::paging::PageParams;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{Store, TagValueRow, TagValueSort};

/// Values shown per tag in the summary (Sentry shows the top 9).
const TOP_VALUES: usize = 9;

/// Groups rows (sorted by key, then frequency) into tags with their top values.
fn summarize(rows: &[TagValueRow]) -> Vec<IssueTag> {
    let mut tags: Vec<IssueTag> = Vec::new();
    for row in rows {
        match tags.last_mut() {
            Some(tag) if tag.key == row.key => {
                tag.total_values += row.times_seen;
                tag.unique_values += 1;
                if tag.top_values.len() < TOP_VALUES {
                    tag.top_values.push(serialize::tag_value(row));
                }
            }
            _ => tags.push(IssueTag {
                key: row.key.clone(),
                name: row.key.clone(),
                total_values: row.times_seen,
                unique_values: 1,
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

/// `GET /api/0/issues/{id}/tags/{key}/values/` (also under `/organizations/{org}/`): the tag's
/// values a page at a time (Sentry's `cursor` and `per_page`, up to 100), in the order of
/// `sort`: `-count` (the most events first, the default), `-last_seen` or `-first_seen`, and
/// the older names Sentry's endpoint still takes, `count`, `date` and `age`.
pub async fn list_tag_values<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let (org, issue_id, key) = path_parts(&params)?;
    let key = key.ok_or(ApiError::NotFound)?;
    let page = PageParams::parse(raw.as_deref())?;
    let sort = sort_of(raw.as_deref())?;
    let (issue, _) = issue_access(&state, &identity, org, issue_id, "event:read").await?;
    let mut rows = state
        .store
        .issue_tag_value_page(issue.id, key, sort, page.offset, page.rows_to_read())
        .await?;
    // A tag the issue never had is unknown (Sentry's `GroupTagKeyNotFound`); a page past the
    // last one is merely empty.
    if rows.is_empty() && page.offset == 0 {
        return Err(ApiError::NotFound);
    }
    let more = page.take_page(&mut rows);
    let values: Vec<TagValue> = rows.iter().map(serialize::tag_value).collect();
    Ok(page.response(&state, values, more, uri.path(), raw.as_deref()))
}

/// The `sort` query parameter of a tag's values.
fn sort_of(raw: Option<&str>) -> ApiResult<TagValueSort> {
    let mut sort = TagValueSort::default();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key == "sort" {
            sort = match value.as_ref() {
                "-count" | "count" | "-times_seen" => TagValueSort::Count,
                "-last_seen" | "date" => TagValueSort::LastSeen,
                "-first_seen" | "age" => TagValueSort::FirstSeen,
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "sort: {other:?} is not one of -count, -last_seen, -first_seen."
                    )))
                }
            };
        }
    }
    Ok(sort)
}

/// The organization (if the route has one), issue id and tag key of the path.
fn path_parts(params: &[(String, String)]) -> ApiResult<(Option<&str>, &str, Option<&str>)> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let issue_id = get("issue_id").ok_or(ApiError::NotFound)?;
    Ok((get("org"), issue_id, get("key")))
}
