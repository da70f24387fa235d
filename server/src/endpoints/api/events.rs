//! Events: an issue's events (`latest`, `oldest`, by id, the list) and a project's event by id,
//! in Sentry's event shape.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use cairn_types::api::Event;

use super::issues::issue_access;
use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{EventSelector, IssueEvent, Store, StoreError};

/// `latest`, `oldest` (Sentry also has `recommended`: the latest here), or an event id.
fn selector(raw: &str) -> ApiResult<EventSelector> {
    match raw {
        "latest" | "recommended" => Ok(EventSelector::Latest),
        "oldest" => Ok(EventSelector::Oldest),
        id => uuid::Uuid::parse_str(id)
            .map(|id| EventSelector::Id(id.simple().to_string()))
            .map_err(|_| ApiError::NotFound),
    }
}

fn found(result: Result<IssueEvent, StoreError>) -> ApiResult<AppJson<Event>> {
    match result {
        Ok(event) => Ok(AppJson(serialize::event(&event))),
        Err(StoreError::NotFound) => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}

/// `GET /api/0/organizations/{org}/issues/{id}/events/{event_id}/`.
pub async fn get_org_issue_event<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id, event)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Event>> {
    let (issue, _) = issue_access(&state, &identity, Some(&org), &issue_id, "event:read").await?;
    found(state.store.issue_event(issue.id, &selector(&event)?).await)
}

/// `GET /api/0/issues/{id}/events/{event_id}/`.
pub async fn get_issue_event<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((issue_id, event)): Path<(String, String)>,
) -> ApiResult<AppJson<Event>> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:read").await?;
    found(state.store.issue_event(issue.id, &selector(&event)?).await)
}

/// `GET /api/0/organizations/{org}/issues/{id}/events/`: the issue's events, newest first, a
/// page at a time.
pub async fn list_org_issue_events<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let page = PageParams::parse(raw.as_deref())?;
    let (issue, _) = issue_access(&state, &identity, Some(&org), &issue_id, "event:read").await?;
    list(&state, issue.id, page, uri.path(), raw.as_deref()).await
}

/// `GET /api/0/issues/{id}/events/`.
pub async fn list_issue_events<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let page = PageParams::parse(raw.as_deref())?;
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:read").await?;
    list(&state, issue.id, page, uri.path(), raw.as_deref()).await
}

/// Most events on one page, and the default (Sentry's).
const MAX_PER_PAGE: i64 = 100;

/// Where a page of events starts and how long it is. Cursors are those of Sentry's offset
/// paginator for events, `0:<offset>:<is_prev>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageParams {
    offset: i64,
    per_page: i64,
}

impl PageParams {
    /// Reads `cursor` and `per_page`; Sentry's other list parameters (`full`, `query`,
    /// `environment`, ...) are left to the caller's expectations and ignored.
    fn parse(raw: Option<&str>) -> ApiResult<PageParams> {
        let mut page = PageParams { offset: 0, per_page: MAX_PER_PAGE };
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "cursor" => {
                    let invalid =
                        || ApiError::BadRequest(format!("cursor: invalid cursor {value:?}"));
                    let mut parts = value.split(':');
                    let (Some(_), Some(offset), Some("0" | "1"), None) =
                        (parts.next(), parts.next(), parts.next(), parts.next())
                    else {
                        return Err(invalid());
                    };
                    page.offset = offset
                        .parse()
                        .ok()
                        .filter(|o| (0..=i64::from(u32::MAX)).contains(o))
                        .ok_or_else(invalid)?;
                }
                "per_page" => {
                    page.per_page =
                        value.parse().ok().filter(|n| (1..=MAX_PER_PAGE).contains(n)).ok_or_else(
                            || {
                                ApiError::BadRequest(format!(
                                    "per_page: a number from 1 to {MAX_PER_PAGE} is required"
                                ))
                            },
                        )?;
                }
                _ => {}
            }
        }
        Ok(page)
    }
}

async fn list<S: Store>(
    state: &AppState<S>,
    issue_id: i64,
    page: PageParams,
    path: &str,
    raw_query: Option<&str>,
) -> ApiResult<Response> {
    // One more than asked for tells whether another page follows.
    let mut rows = state.store.issue_events(issue_id, page.offset, page.per_page + 1).await?;
    let more = rows.len() as i64 > page.per_page;
    rows.truncate(page.per_page as usize);
    let events: Vec<Event> = rows
        .into_iter()
        .map(|event| {
            let stored = IssueEvent { event, previous_event_id: None, next_event_id: None };
            serialize::event(&stored)
        })
        .collect();
    let previous = (format!("0:{}:1", (page.offset - page.per_page).max(0)), page.offset > 0);
    let next = (format!("0:{}:0", page.offset + page.per_page), more);
    let base = format!("{}{}", state.config.public_url.trim_end_matches('/'), path);
    let link = super::issues::link_header(&base, raw_query, previous, next);
    let mut response = AppJson(events).into_response();
    if let Ok(link) = HeaderValue::from_str(&link) {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/`.
pub async fn get_project_event<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, event_id)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Event>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let EventSelector::Id(event_id) = selector(&event_id)? else {
        return Err(ApiError::NotFound);
    };
    found(state.store.project_event(project.id, &event_id).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_params_read_sentrys_offset_cursors() {
        let page = PageParams::parse(Some("cursor=0:200:0&per_page=50&full=true")).expect("ok");
        assert_eq!(page, PageParams { offset: 200, per_page: 50 });
        let first = PageParams::parse(None).expect("ok");
        assert_eq!(first, PageParams { offset: 0, per_page: MAX_PER_PAGE });
        for bad in ["cursor=0:-1:0", "cursor=abc", "cursor=0:1:2", "per_page=0", "per_page=101"] {
            assert!(PageParams::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
