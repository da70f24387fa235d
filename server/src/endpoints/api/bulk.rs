//! Changes to several issues at once, as Sentry's issue list does them: `PUT` and `DELETE` on
//! `/api/0/organizations/{org}/issues/?id=1&id=2` (including `{"merge": true}`), and unmerging
//! an issue by hash on `/issues/{id}/hashes/`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_types::api::UpdateIssueRequest;
use serde_json::{json, Value};

use super::audit_log::{self, Entry};
use super::issues::{issue_access, IssueChanges};
use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::search::{Filter, Term};
use crate::serialize;
use crate::state::AppState;
use crate::store::{IssueEvent, IssueQuery, IssueRow, IssueSort, Store, StoreError};

/// Most issues one bulk request may change (Sentry's limit too).
const MAX_BULK_ISSUES: usize = 1000;

/// Which issues a bulk request names: its `id` parameters and its `query` (Sentry's other list
/// parameters are accepted and ignored).
#[derive(Debug, Default)]
struct Selection {
    ids: Vec<i64>,
    /// `project` ids a change by `query` is limited to (`-1`, Sentry's "all", is none).
    projects: Vec<i64>,
    /// `environment`s a change by `query` is limited to, as the issue list's.
    environments: Vec<String>,
    query: Option<String>,
    /// Sentry's `status` parameter: the status of the issues a change without ids applies to.
    status: Option<String>,
}

/// The issues a bulk request names by `id` (at least one, at most [`MAX_BULK_ISSUES`]).
fn bulk_ids(raw: Option<&str>) -> ApiResult<Vec<i64>> {
    let selection = selection(raw)?;
    if selection.ids.is_empty() {
        return Err(ApiError::BadRequest("give the issues to change as id parameters.".into()));
    }
    Ok(selection.ids)
}

fn selection(raw: Option<&str>) -> ApiResult<Selection> {
    let mut selection = Selection::default();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "id" => selection.ids.push(
                value
                    .parse::<i64>()
                    .map_err(|_| ApiError::BadRequest(format!("id: invalid issue id {value:?}")))?,
            ),
            "query" => selection.query = Some(value.into_owned()),
            "status" => selection.status = Some(value.into_owned()),
            "project" => match value.parse::<i64>() {
                Ok(-1) => {}
                Ok(id) => selection.projects.push(id),
                Err(_) => {
                    return Err(ApiError::BadRequest(format!(
                        "project: invalid project id {value:?}"
                    )))
                }
            },
            "environment" => selection.environments.push(value.into_owned()),
            "statsPeriod" | "start" | "end" | "sort" => {}
            other => {
                return Err(ApiError::BadRequest(format!("unknown query parameter {other:?}")))
            }
        }
    }
    let ids = &mut selection.ids;
    if ids.len() > MAX_BULK_ISSUES {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_BULK_ISSUES} issues can be changed at once."
        )));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(selection)
}

/// The issues a status change without ids applies to, as in Sentry: those its `query`
/// matches (else those of its `status` parameter, else the unresolved ones) in the
/// organization, or in the project, the first [`MAX_BULK_ISSUES`] of them by last seen.
async fn matching_issues<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org_id: i64,
    project_id: Option<i64>,
    selection: &Selection,
) -> ApiResult<Vec<IssueRow>> {
    let now_ms = crate::util::now_ms();
    let search = match (&selection.query, &selection.status) {
        (Some(query), _) if !query.trim().is_empty() => query.clone(),
        (_, Some(status)) => format!("is:{status}"),
        _ => "is:unresolved".to_owned(),
    };
    let mut terms = crate::search::parse(&search, now_ms)
        .map_err(|err| ApiError::BadRequest(format!("query: {err}")))?;
    // The project's route, or the `project` parameters of the organization's.
    let project_ids = match project_id {
        Some(id) => vec![id],
        None => selection.projects.clone(),
    };
    super::issues::resolve_release_terms(
        state,
        org_id,
        &project_ids,
        &selection.environments,
        &mut terms,
    )
    .await?;
    if !selection.environments.is_empty() {
        let key = "environment".to_owned();
        let filter = Filter::Tag { key, values: selection.environments.clone() };
        terms.push(Term { negated: false, filter });
    }
    let query = IssueQuery {
        organization_id: org_id,
        project_ids,
        user_id: identity.user.id,
        now_ms,
        terms,
        sort: IssueSort::Date,
        cursor: None,
        limit: MAX_BULK_ISSUES as i64,
    };
    Ok(state.store.list_issues(&query).await?.rows)
}

/// The issues among `ids` that belong to the organization (and to the project, for a
/// project's issue list). Others are skipped, as Sentry does, so that nothing tells whether
/// they exist.
async fn selected_issues<S: Store>(
    state: &AppState<S>,
    org_id: i64,
    project_id: Option<i64>,
    ids: &[i64],
) -> ApiResult<Vec<IssueRow>> {
    let mut issues = Vec::with_capacity(ids.len());
    for id in ids {
        match state.store.issue(*id).await {
            Ok((issue, organization))
                if organization.id == org_id
                    && project_id.is_none_or(|project| issue.project.id == project) =>
            {
                issues.push(issue)
            }
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(issues)
}

/// The organization's access and, for a project's issue list, the project's id (404 for an
/// unknown project).
async fn scope_of<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: Option<&str>,
    scope: &str,
) -> ApiResult<(super::OrgAccess, Option<i64>)> {
    let access = org_access(state, identity, org, scope).await?;
    let project_id = match project {
        None => None,
        Some(slug) => match state.store.project_by_slug(access.organization.id, slug).await {
            Ok(project) => Some(project.id),
            Err(StoreError::NotFound) => return Err(ApiError::NotFound),
            Err(err) => return Err(err.into()),
        },
    };
    Ok((access, project_id))
}

/// Deletes `issues` and keeps their hashes, so that this node's ingestion drops their later
/// events at once (other nodes within their project cache's lifetime).
async fn discard<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    issues: &[IssueRow],
) -> ApiResult<()> {
    for issue in issues {
        match state.store.discard_issue(issue.id, Some(identity.user.id)).await {
            Ok(hashes) => {
                state.ingest.forget_project(issue.project.id);
                let short_id = serialize::short_id(&issue.project.slug, issue.short_id);
                let note = format!("deleted issue {short_id} and discards its future events");
                let entry = Entry::new(issue.project.organization_id, "issue.discard", note)
                    .target(issue.id)
                    .data(json!({"shortId": short_id, "title": issue.title, "hashes": hashes}));
                audit_log::record(state, identity, entry).await;
            }
            // Deleted meanwhile by someone else: its hashes went with it.
            Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// `PUT /api/0/organizations/{org}/issues/?id=...`: the same changes as on one issue, or
/// `{"merge": true}`, or `{"discard": true}`. Answers with what was changed, as Sentry does (`204` when no issue
/// matched).
pub async fn bulk_update<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
    AppJson(request): AppJson<UpdateIssueRequest>,
) -> ApiResult<Response> {
    update_selected(&state, &identity, &org, None, raw.as_deref(), request).await
}

/// `PUT /api/0/projects/{org}/{project}/issues/?id=...`: the same, for one project's issues.
pub async fn bulk_update_project<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    AppJson(request): AppJson<UpdateIssueRequest>,
) -> ApiResult<Response> {
    update_selected(&state, &identity, &org, Some(&project), raw.as_deref(), request).await
}

async fn update_selected<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: Option<&str>,
    raw: Option<&str>,
    request: UpdateIssueRequest,
) -> ApiResult<Response> {
    let selection = selection(raw)?;
    let (access, project_id) = scope_of(state, identity, org, project, "event:write").await?;
    let changes = IssueChanges::check(state, identity, &access.organization, &request).await?;
    let org_id = access.organization.id;
    let issues = if !selection.ids.is_empty() {
        selected_issues(state, org_id, project_id, &selection.ids).await?
    } else if request.status.is_some() && request.merge != Some(true) {
        // Sentry's "implicit update all": a status change without ids (`sentry-cli issues
        // resolve --all`) applies to every issue the query matches.
        matching_issues(state, identity, org_id, project_id, &selection).await?
    } else {
        return Err(ApiError::BadRequest(
            "give the issues to change as id parameters (only a status change may go without: \
             it applies to the issues the query matches)."
                .into(),
        ));
    };
    if issues.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if request.discard == Some(true) {
        // As deleting: the issues and their events go, for good.
        if !identity.has_scope(&access.role, "event:admin") {
            return Err(ApiError::Forbidden);
        }
        discard(state, identity, &issues).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut result = serde_json::Map::new();
    let targets = if request.merge == Some(true) {
        let (parent, children) = merge_plan(&issues)?;
        state.store.merge_issues(parent.id, &children, identity.user.id).await?;
        result.insert(
            "merge".into(),
            json!({
                "parent": parent.id.to_string(),
                "children": children.iter().map(i64::to_string).collect::<Vec<_>>(),
            }),
        );
        // Other changes in the same request apply to the issue that is left.
        vec![parent.clone()]
    } else {
        issues
    };
    for issue in &targets {
        changes.apply(state, identity, issue).await?;
    }
    if let Some(status) = &request.status {
        result.insert("status".into(), json!(status));
        result.insert(
            "statusDetails".into(),
            request.status_details.clone().unwrap_or_else(|| json!({})),
        );
    }
    if let Some(substatus) = &request.substatus {
        result.insert("substatus".into(), json!(substatus));
    }
    if request.assigned_to.is_some() {
        let ids: Vec<i64> = targets.iter().map(|i| i.id).collect();
        let states = state.store.issue_viewer_state(&ids, identity.user.id).await?;
        let assignee = states.first().and_then(|s| s.assignee.as_ref()).map(serialize::assignee);
        result.insert("assignedTo".into(), assignee.unwrap_or(Value::Null));
    }
    if let Some(seen) = request.has_seen {
        result.insert("hasSeen".into(), json!(seen));
    }
    if let Some(bookmarked) = request.is_bookmarked {
        result.insert("isBookmarked".into(), json!(bookmarked));
    }
    if let Some(public) = request.is_public {
        result.insert("isPublic".into(), json!(public));
    }
    Ok(AppJson(Value::Object(result)).into_response())
}

/// Sentry's choice of the issue that absorbs the others: the one with the most events (the
/// oldest on a tie). Issues of different projects cannot be merged.
fn merge_plan(issues: &[IssueRow]) -> ApiResult<(&IssueRow, Vec<i64>)> {
    if issues.len() < 2 {
        return Err(ApiError::BadRequest("merge needs two or more issues.".into()));
    }
    if issues.iter().any(|i| i.project.id != issues[0].project.id) {
        return Err(ApiError::BadRequest(
            "Merging across multiple projects is not supported".into(),
        ));
    }
    let parent = issues
        .iter()
        .max_by_key(|i| (i.times_seen, std::cmp::Reverse(i.id)))
        .ok_or_else(|| ApiError::BadRequest("merge needs two or more issues.".into()))?;
    let children = issues.iter().map(|i| i.id).filter(|id| *id != parent.id).collect();
    Ok((parent, children))
}

/// `DELETE /api/0/organizations/{org}/issues/?id=...`: deletes the issues and their events.
pub async fn bulk_delete<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    delete_selected(&state, &identity, &org, None, raw.as_deref()).await
}

/// `DELETE /api/0/projects/{org}/{project}/issues/?id=...`: the same, for one project's issues.
pub async fn bulk_delete_project<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    delete_selected(&state, &identity, &org, Some(&project), raw.as_deref()).await
}

async fn delete_selected<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: Option<&str>,
    raw: Option<&str>,
) -> ApiResult<StatusCode> {
    let ids = bulk_ids(raw)?;
    let (access, project_id) = scope_of(state, identity, org, project, "event:admin").await?;
    for issue in selected_issues(state, access.organization.id, project_id, &ids).await? {
        match state.store.delete_issue(issue.id).await {
            Ok(()) => super::audit_log::issue_deleted(state, identity, &issue).await,
            // Deleted meanwhile by someone else: what was asked is done.
            Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/0/organizations/{org}/issues/{id}/hashes/`.
pub async fn list_org_hashes<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<Value>>> {
    list_hashes(&state, &identity, Some(&org), &issue_id).await
}

/// `GET /api/0/issues/{id}/hashes/`.
pub async fn list_issue_hashes<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
) -> ApiResult<AppJson<Vec<Value>>> {
    list_hashes(&state, &identity, None, &issue_id).await
}

/// The issue's grouping hashes in Sentry's shape: `[{"id": hash, "latestEvent": {...}}]`.
async fn list_hashes<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: Option<&str>,
    issue_id: &str,
) -> ApiResult<AppJson<Vec<Value>>> {
    let (issue, _) = issue_access(state, identity, org, issue_id, "event:read").await?;
    let hashes = state.store.issue_hashes(issue.id).await?;
    Ok(AppJson(
        hashes
            .into_iter()
            .map(|hash| {
                let latest = hash.latest_event.map(|event| {
                    serialize::event(&IssueEvent {
                        event,
                        previous_event_id: None,
                        next_event_id: None,
                    })
                });
                json!({ "id": hash.hash, "latestEvent": latest, "mergedBySeer": false })
            })
            .collect(),
    ))
}

/// `DELETE /api/0/organizations/{org}/issues/{id}/hashes/?id=<hash>`: unmerge.
pub async fn unmerge_org_hashes<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    unmerge(&state, &identity, Some(&org), &issue_id, raw.as_deref()).await
}

/// `DELETE /api/0/issues/{id}/hashes/?id=<hash>`.
pub async fn unmerge_issue_hashes<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    unmerge(&state, &identity, None, &issue_id, raw.as_deref()).await
}

/// Moves the named hashes, and the events they grouped, out into a new issue (`202`, as
/// Sentry, which unmerges in the background; Cairn has finished when it answers). Events stored
/// before Cairn kept each event's hash stay where they are.
async fn unmerge<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: Option<&str>,
    issue_id: &str,
    raw: Option<&str>,
) -> ApiResult<StatusCode> {
    let mut wanted = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "id" => wanted.push(value.into_owned()),
            other => {
                return Err(ApiError::BadRequest(format!("unknown query parameter {other:?}")))
            }
        }
    }
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Err(ApiError::BadRequest("give the hashes to unmerge as id parameters.".into()));
    }
    let (issue, _) = issue_access(state, identity, org, issue_id, "event:write").await?;
    let hashes = state.store.issue_hashes(issue.id).await?;
    if let Some(unknown) = wanted.iter().find(|w| !hashes.iter().any(|h| &h.hash == *w)) {
        return Err(ApiError::BadRequest(format!("id: {unknown:?} is not a hash of this issue.")));
    }
    if wanted.len() == hashes.len() {
        return Err(ApiError::BadRequest(
            "an issue keeps at least one hash: unmerge fewer hashes.".into(),
        ));
    }
    state.store.unmerge_hashes(issue.id, &wanted, identity.user.id).await?;
    Ok(StatusCode::ACCEPTED)
}
