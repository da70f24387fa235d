//! Saved searches of the issue stream, as Sentry's `/organizations/{org}/searches/`: a member
//! saves searches of their own (`owner`), and managers and owners (`org:write`) share searches
//! with the whole organization (`organization`). The stream's default views (unresolved,
//! assigned to me, ...) are its tabs, not saved searches.
//!
//! And each member's recent searches, as Sentry's `/organizations/{org}/recent-searches/`: the
//! stream records each search it runs, and its search bar offers the latest.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use cairn_types::api::{RecentSearch, RecentSearchRequest, SavedSearch, SavedSearchRequest};

use super::{org_access, org_access_any, Created, OrgAccess};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{RecentSearchRow, SavedSearchRow, Store, StoreError};
use crate::util::{ms_to_datetime, now_ms};

/// The sorts the issue list knows.
const SORTS: [&str; 6] = ["date", "new", "freq", "user", "priority", "inbox"];
/// Sentry's limit on a name.
const MAX_NAME: usize = 128;

fn dto(row: SavedSearchRow) -> SavedSearch {
    SavedSearch {
        id: row.id.to_string(),
        kind: 0,
        name: row.name,
        query: row.query,
        sort: row.sort,
        visibility: row.visibility,
        is_global: false,
        is_pinned: false,
        date_created: ms_to_datetime(row.date_created),
    }
}

/// Whether the caller may share searches with the organization, or change shared ones.
fn may_share(identity: &Identity, access: &OrgAccess) -> bool {
    identity.has_scope(&access.role, "org:write")
}

/// `row` with the request's fields applied and checked (`row` is what a new search starts
/// from, or the search as it was).
fn apply(
    mut row: SavedSearchRow,
    request: SavedSearchRequest,
    identity: &Identity,
    access: &OrgAccess,
) -> ApiResult<SavedSearchRow> {
    if request.kind.is_some_and(|kind| kind != 0) {
        return Err(ApiError::invalid("type", "Only searches of issues (0) can be saved."));
    }
    if let Some(name) = request.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return Err(ApiError::invalid("name", "A name of 1 to 128 characters is required."));
        }
        name.clone_into(&mut row.name);
    }
    if let Some(query) = request.query {
        query.trim().clone_into(&mut row.query);
    }
    if let Some(sort) = request.sort {
        if !SORTS.contains(&sort.as_str()) {
            return Err(ApiError::invalid("sort", "One of date, new, freq and user."));
        }
        row.sort = sort;
    }
    if let Some(visibility) = request.visibility {
        match visibility.as_str() {
            "owner" => {}
            "organization" if may_share(identity, access) => {}
            "organization" => {
                return Err(ApiError::PermissionDenied(
                    "Only managers and owners share searches with the organization.".into(),
                ))
            }
            _ => return Err(ApiError::invalid("visibility", "owner or organization.")),
        }
        row.visibility = visibility;
    }
    if row.name.is_empty() {
        return Err(ApiError::invalid("name", "A name of 1 to 128 characters is required."));
    }
    if row.query.is_empty() {
        return Err(ApiError::invalid("query", "This field is required."));
    }
    Ok(row)
}

/// `400` when another search the caller sees in the same place (their own, or the shared ones)
/// already has `row`'s query, as Sentry refuses it.
async fn refuse_duplicate<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    row: &SavedSearchRow,
) -> ApiResult<()> {
    let searches = state.store.saved_searches(row.organization_id, identity.user.id).await?;
    let duplicate = searches.iter().any(|other| {
        other.id != row.id && other.visibility == row.visibility && other.query == row.query
    });
    if duplicate {
        return Err(ApiError::BadRequest(format!("Query {:?} already exists", row.query)));
    }
    Ok(())
}

/// `GET /api/0/organizations/{org}/searches/`: the organization's shared searches, then the
/// caller's own, each by name.
pub async fn list_searches<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
) -> ApiResult<AppJson<Vec<SavedSearch>>> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    let rows = state.store.saved_searches(access.organization.id, identity.user.id).await?;
    Ok(AppJson(rows.into_iter().map(dto).collect()))
}

/// `POST /api/0/organizations/{org}/searches/`: saves a search, the caller's own unless
/// `visibility` is `organization`.
pub async fn create_search<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<SavedSearchRequest>,
) -> ApiResult<Created<SavedSearch>> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    let new = SavedSearchRow {
        id: 0,
        organization_id: access.organization.id,
        owner_user_id: Some(identity.user.id),
        name: String::new(),
        query: String::new(),
        sort: "date".into(),
        visibility: "owner".into(),
        date_created: 0,
    };
    let row = apply(new, request, &identity, &access)?;
    refuse_duplicate(&state, &identity, &row).await?;
    let saved = state.store.create_saved_search(&row).await?;
    Ok((StatusCode::CREATED, AppJson(dto(saved))))
}

/// The search `id` as the caller may change it: their own, or a shared one with `org:write`;
/// `404` for one they do not see.
async fn editable<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    id: &str,
) -> ApiResult<(OrgAccess, SavedSearchRow)> {
    // A token with `org:write` alone may change shared searches.
    let access = org_access_any(state, identity, org, &["org:read", "org:write"]).await?;
    let id = id.parse::<i64>().map_err(|_| ApiError::NotFound)?;
    let searches = state.store.saved_searches(access.organization.id, identity.user.id).await?;
    let row = searches.into_iter().find(|s| s.id == id).ok_or(ApiError::NotFound)?;
    let own = row.visibility == "owner" && row.owner_user_id == Some(identity.user.id);
    if !own && !may_share(identity, &access) {
        return Err(ApiError::PermissionDenied(
            "Only managers and owners change the organization's searches.".into(),
        ));
    }
    Ok((access, row))
}

/// `PUT /api/0/organizations/{org}/searches/{id}/`: renames, changes or moves a search.
pub async fn update_search<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
    AppJson(request): AppJson<SavedSearchRequest>,
) -> ApiResult<AppJson<SavedSearch>> {
    let (access, row) = editable(&state, &identity, &org, &id).await?;
    let row = apply(row, request, &identity, &access)?;
    refuse_duplicate(&state, &identity, &row).await?;
    match state.store.update_saved_search(&row).await {
        Ok(saved) => Ok(AppJson(dto(saved))),
        Err(StoreError::NotFound) => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}

/// `DELETE /api/0/organizations/{org}/searches/{id}/`.
pub async fn delete_search<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (access, row) = editable(&state, &identity, &org, &id).await?;
    state.store.delete_saved_search(access.organization.id, row.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The longest recent search kept.
const MAX_RECENT_QUERY: usize = 1_000;
/// Sentry's search types (`SearchType`: issues, events, sessions, replays, metrics, spans, ...).
const SEARCH_TYPES: std::ops::RangeInclusive<i64> = 0..=15;

fn recent_dto(organization_id: i64, row: RecentSearchRow) -> RecentSearch {
    RecentSearch {
        id: row.id.to_string(),
        organization_id: organization_id.to_string(),
        kind: row.kind,
        query: row.query,
        last_seen: ms_to_datetime(row.last_seen),
        date_created: ms_to_datetime(row.date_created),
    }
}

/// `GET /api/0/organizations/{org}/recent-searches/`: the caller's recent searches of `type`
/// (default `0`, issues), newest first; `query` keeps those containing it, `limit` (default and
/// most 100) how many.
pub async fn list_recent_searches<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<RecentSearch>>> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    let (mut kind, mut containing, mut limit) = (0, String::new(), 100);
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "type" => {
                kind = value
                    .parse()
                    .ok()
                    .filter(|k| SEARCH_TYPES.contains(k))
                    .ok_or_else(|| ApiError::invalid("type", "A search type from 0 to 15."))?
            }
            "query" => containing = value.into_owned(),
            "limit" => {
                limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|l| *l >= 1)
                    .ok_or_else(|| ApiError::invalid("limit", "A number of 1 or more."))?
                    .min(100)
            }
            other => {
                return Err(ApiError::BadRequest(format!("Unknown query parameter: {other:?}")))
            }
        }
    }
    let id = access.organization.id;
    let rows = state.store.recent_searches(id, identity.user.id, kind, &containing, limit).await?;
    Ok(AppJson(rows.into_iter().map(|row| recent_dto(id, row)).collect()))
}

/// `POST /api/0/organizations/{org}/recent-searches/`: records that the caller ran a search;
/// `201` when it is new to their recent searches, `204` when it moved forward, as Sentry
/// answers.
pub async fn record_recent_search<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<RecentSearchRequest>,
) -> ApiResult<StatusCode> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    if !SEARCH_TYPES.contains(&request.kind) {
        return Err(ApiError::invalid("type", "A search type from 0 to 15."));
    }
    let query = request.query.trim();
    if query.is_empty() || query.chars().count() > MAX_RECENT_QUERY {
        return Err(ApiError::invalid("query", "A search of 1 to 1,000 characters is required."));
    }
    let id = access.organization.id;
    let created = state
        .store
        .record_recent_search(id, identity.user.id, request.kind, query, now_ms())
        .await?;
    Ok(if created { StatusCode::CREATED } else { StatusCode::NO_CONTENT })
}
