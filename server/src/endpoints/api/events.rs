//! Events: an issue's events (`latest`, `oldest`, by id, the list) and a project's event by id,
//! in Sentry's event shape.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use cairn_types::api::{Event, GroupingVariant};

use super::issues::issue_access;
use super::org_access;
use super::paging::PageParams;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::event_search::EventSearch;
use crate::ingest::grouping::explain;
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

/// Most of an issue's events a search (`query`) reads, the newest: their tags are inside
/// their stored JSON, so a search reads each one; older events are not searched.
pub const SEARCHED_EVENTS: i64 = 10_000;
/// Events read at a time by a search.
const SEARCH_BATCH: i64 = 500;

async fn list<S: Store>(
    state: &AppState<S>,
    issue_id: i64,
    page: PageParams,
    path: &str,
    raw_query: Option<&str>,
) -> ApiResult<Response> {
    let query = form_urlencoded::parse(raw_query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "query")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let Some(search) = EventSearch::parse(&query).map_err(|err| ApiError::BadRequest(err.0))?
    else {
        let rows = state.store.issue_events(issue_id, page.offset, page.rows_to_read()).await?;
        return Ok(events_page(state, &page, rows, path, raw_query));
    };
    // The matches up to the end of the page and one more (whether another page follows).
    let wanted = usize::try_from(page.offset + page.rows_to_read()).unwrap_or(usize::MAX);
    let mut matched = Vec::new();
    let mut read = 0;
    while matched.len() < wanted && read < SEARCHED_EVENTS {
        let batch = state.store.issue_events(issue_id, read, SEARCH_BATCH).await?;
        let complete = batch.len() as i64 == SEARCH_BATCH;
        read += batch.len() as i64;
        matched.extend(batch.into_iter().filter(|row| {
            match serde_json::from_str::<serde_json::Value>(&row.data) {
                Ok(serde_json::Value::Object(event)) => search.matches(&event),
                _ => false,
            }
        }));
        if !complete {
            break;
        }
    }
    let rows = matched.into_iter().skip(usize::try_from(page.offset).unwrap_or(0)).collect();
    Ok(events_page(state, &page, rows, path, raw_query))
}

/// A page of events as Sentry lists them, from `rows` fetched one longer than the page: the
/// extra one tells whether another page follows.
fn events_page<S: Store>(
    state: &AppState<S>,
    page: &PageParams,
    mut rows: Vec<crate::store::EventRow>,
    path: &str,
    raw_query: Option<&str>,
) -> Response {
    let more = page.take_page(&mut rows);
    let events: Vec<Event> = rows
        .into_iter()
        .map(|event| {
            serialize::event(&IssueEvent { event, previous_event_id: None, next_event_id: None })
        })
        .collect();
    page.response(state, events, more, path, raw_query)
}

/// `GET /api/0/projects/{org}/{project}/events/`: the project's events, newest first, a page
/// of up to 100 at a time (Sentry's "List a Project's Error Events", as `sentry-cli events
/// list` reads them).
pub async fn list_project_events<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let page = PageParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let rows = state.store.project_events(project.id, page.offset, page.rows_to_read()).await?;
    Ok(events_page(&state, &page, rows, uri.path(), raw.as_deref()))
}

/// A project's stored event for `event:read` callers: the project's id (`project` is its slug
/// or id, as in Sentry's routes) and the event. An unknown project or event is `404`.
async fn project_event<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: String,
    event_id: &str,
) -> ApiResult<(i64, IssueEvent)> {
    let (project_id, event_id) = project_and_event(state, identity, org, project, event_id).await?;
    match state.store.project_event(project_id, &event_id).await {
        Ok(stored) => Ok((project_id, stored)),
        Err(StoreError::NotFound) => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}

/// The project (by slug or id) and the event id of an event route, for `event:read` callers.
async fn project_and_event<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: String,
    event_id: &str,
) -> ApiResult<(i64, String)> {
    let access = org_access(state, identity, org, "event:read").await?;
    let project = serde_json::Value::String(project);
    let project_id =
        super::project_by_slug_or_id(state, access.organization.id, &project).await?.id;
    let EventSelector::Id(event_id) = selector(event_id)? else {
        return Err(ApiError::NotFound);
    };
    Ok((project_id, event_id))
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/json/`: the event as Cairn keeps it
/// (normalized and scrubbed), Sentry's *JSON* link of an event, to read the fields the
/// dashboard does not show; a transaction's payload as it was kept (scrubbed) when no error
/// event has the id. `{project}` is the project's slug or id, as in Sentry's routes.
pub async fn get_project_event_json<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, event_id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let (project_id, event_id) =
        project_and_event(&state, &identity, &org, project, &event_id).await?;
    let json = [(header::CONTENT_TYPE, "application/json")];
    match state.store.project_event(project_id, &event_id).await {
        Ok(stored) => return Ok((json, stored.event.data).into_response()),
        Err(StoreError::NotFound) => {}
        Err(err) => return Err(err.into()),
    }
    match state.store.project_transaction(project_id, &event_id).await {
        Ok(stored) => Ok((json, stored.payload).into_response()),
        Err(StoreError::NotFound) => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/grouping-info/`: why the event
/// grouped as it did (Sentry's *Event Grouping Information*), a map from each variant's key to
/// its tree of components ([`crate::ingest::grouping::explain`]). The event as stored is
/// grouped again under the project's current rules; a contributing hash its issue does not have
/// is flagged `hashMismatch` (the rules changed since, or the issue was split).
pub async fn get_grouping_info<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, event_id)): Path<(String, String, String)>,
) -> ApiResult<AppJson<BTreeMap<String, GroupingVariant>>> {
    let (project_id, stored) = project_event(&state, &identity, &org, project, &event_id).await?;
    let Ok(serde_json::Value::Object(event)) = serde_json::from_str(&stored.event.data) else {
        return Err(ApiError::Internal("a stored event is no JSON object".into()));
    };
    // The rules the project's events are grouped by now (the ingest path's cache, which a
    // change of the rules empties).
    let config = state
        .ingest
        .project_grouping(&state.store, project_id)
        .await
        .map_err(|err| ApiError::Internal(Box::new(err)))?;
    let issue_hashes = state.store.issue_hashes(stored.event.issue_id).await?;
    let variants = explain(&event, &config)
        .into_iter()
        .map(|mut variant| {
            variant.hash_mismatch = variant.contributes
                && variant
                    .hash
                    .as_ref()
                    .is_some_and(|hash| !issue_hashes.iter().any(|h| &h.hash == hash));
            (variant.key.clone(), variant)
        })
        .collect();
    Ok(AppJson(variants))
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/`: an error event, or a transaction
/// ([`serialize::transaction_event`], with its spans) when the project has no error event with
/// that id, as Sentry answers both on this route.
pub async fn get_project_event<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, event_id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let EventSelector::Id(event_id) = selector(&event_id)? else {
        return Err(ApiError::NotFound);
    };
    match found(state.store.project_event(project.id, &event_id).await) {
        Err(ApiError::NotFound) => {}
        event => return event.map(IntoResponse::into_response),
    }
    let stored = match state.store.project_transaction(project.id, &event_id).await {
        Ok(stored) => stored,
        Err(StoreError::NotFound) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    };
    let transaction = serialize::transaction_event(project.id, &event_id, &stored)
        .ok_or_else(|| ApiError::Internal("a stored transaction is no JSON object".into()))?;
    Ok(AppJson(transaction).into_response())
}
