//! The issue list.

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{Issue, IssueDetails, UpdateIssueRequest};

use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{
    Assignee, IssueQuery, IssueRow, OrganizationRow, Snooze, StatusChange, Store, StoreError,
};

/// Query parameters of the issue list (a first subset of Sentry's).
#[derive(Debug, Default)]
struct ListIssuesParams {
    /// Sentry search syntax; for now `is:unresolved|resolved|ignored` and free text.
    query: Option<String>,
    /// Numeric project ids to restrict to (`project` may repeat).
    project: Vec<String>,
    /// Most issues to return (default 25, at most 100).
    limit: Option<i64>,
    /// Sparkline buckets: `24h` (hourly, the default) or `14d` (daily).
    group_stats_period: Option<String>,
}

impl ListIssuesParams {
    fn parse(raw: Option<&str>) -> ApiResult<Self> {
        let mut params = ListIssuesParams::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "query" => params.query = Some(value.into_owned()),
                "project" => params.project.push(value.into_owned()),
                "limit" => {
                    params.limit = Some(value.parse().map_err(|_| {
                        ApiError::BadRequest(format!("limit: invalid number {value:?}"))
                    })?)
                }
                // Accepted for compatibility with Sentry's clients; they arrive with the full
                // search (time ranges, stats, sorting, pagination).
                "groupStatsPeriod" => params.group_stats_period = Some(value.into_owned()),
                "statsPeriod" | "start" | "end" | "sort" | "cursor" | "environment"
                | "shortIdLookup" | "collapse" | "expand" => {}
                other => {
                    return Err(ApiError::BadRequest(format!("unknown query parameter {other:?}")))
                }
            }
        }
        Ok(params)
    }
}

/// `GET /api/0/organizations/{org}/issues/`: issues of the organization's projects, most
/// recently seen first.
pub async fn list_issues<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<Issue>>> {
    let params = ListIssuesParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let mut query = IssueQuery {
        organization_id: access.organization.id,
        limit: params.limit.unwrap_or(25).clamp(1, 100),
        ..IssueQuery::default()
    };
    for id in &params.project {
        // Sentry sends `project=-1` for "all projects".
        match id.parse::<i64>() {
            Ok(-1) => {}
            Ok(id) => query.project_ids.push(id),
            Err(_) => {
                return Err(ApiError::BadRequest(format!("project: invalid project id {id:?}")))
            }
        }
    }
    let mut text = Vec::new();
    for term in params.query.as_deref().unwrap_or("is:unresolved").split_whitespace() {
        match term.split_once(':') {
            Some(("is", status @ ("unresolved" | "resolved" | "ignored"))) => {
                query.status = Some(status.to_owned())
            }
            Some(("is", other)) => {
                return Err(ApiError::BadRequest(format!("query: unsupported status is:{other}")))
            }
            _ => text.push(term),
        }
    }
    if !text.is_empty() {
        query.text = Some(text.join(" "));
    }
    let (period, bucket_secs, buckets) = match params.group_stats_period.as_deref() {
        None | Some("" | "auto" | "24h") => ("24h", 3_600, 24),
        Some("14d") => ("14d", 86_400, 14),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "groupStatsPeriod: {other:?} is not one of 24h, 14d"
            )))
        }
    };
    let issues = state.store.list_issues(&query).await?;
    let now = crate::util::now_ms() / 1000;
    let first_bucket = (now.div_euclid(bucket_secs) - (buckets - 1)) * bucket_secs;
    let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    let hourly = state.store.issue_hourly(&ids, first_bucket).await?;
    let mut list: Vec<Issue> = issues
        .iter()
        .map(|row| {
            let mut counts = vec![0i64; buckets as usize];
            for (_, hour, events) in hourly.iter().filter(|(id, _, _)| *id == row.id) {
                let index = (hour - first_bucket).div_euclid(bucket_secs);
                if let Some(count) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
                    *count += events;
                }
            }
            let series: Vec<[i64; 2]> = counts
                .iter()
                .enumerate()
                .map(|(i, n)| [first_bucket + i as i64 * bucket_secs, *n])
                .collect();
            let mut issue = serialize::issue(row, &access.organization, &state.config);
            issue.stats = Some(serde_json::json!({ period: series }));
            issue
        })
        .collect();
    add_viewer_state(&state, identity.user.id, &mut list).await?;
    Ok(AppJson(list))
}

/// The issue `raw_id` if the caller may use `scope` in its organization (403 otherwise, as
/// Sentry answers); when the route names an organization, the issue must belong to it.
pub async fn issue_access<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: Option<&str>,
    raw_id: &str,
    scope: &str,
) -> ApiResult<(IssueRow, OrganizationRow)> {
    let issue_id: i64 = raw_id.parse().map_err(|_| ApiError::NotFound)?;
    let (issue, organization) = match state.store.issue(issue_id).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    };
    if org.is_some_and(|slug| slug != organization.slug) {
        return Err(ApiError::NotFound);
    }
    org_access(state, identity, &organization.slug, scope).await?;
    Ok((issue, organization))
}

async fn details<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    issue: &IssueRow,
    organization: &OrganizationRow,
) -> ApiResult<IssueDetails> {
    let activity = state.store.issue_activity(issue.id).await?;
    let mut serialized = vec![serialize::issue(issue, organization, &state.config)];
    add_viewer_state(state, identity.user.id, &mut serialized).await?;
    let Some(issue) = serialized.pop() else {
        return Err(ApiError::NotFound);
    };
    Ok(IssueDetails { issue, activity: activity.iter().map(serialize::activity).collect() })
}

/// Fills in what depends on who is asking: `hasSeen`, `isBookmarked` and the assignee.
async fn add_viewer_state<S: Store>(
    state: &AppState<S>,
    user_id: i64,
    issues: &mut [Issue],
) -> ApiResult<()> {
    let ids: Vec<i64> = issues.iter().filter_map(|issue| issue.id.parse().ok()).collect();
    let states = state.store.issue_viewer_state(&ids, user_id).await?;
    for issue in issues.iter_mut() {
        let Some(viewer) = states.iter().find(|s| s.issue_id.to_string() == issue.id) else {
            continue;
        };
        issue.has_seen = viewer.has_seen;
        issue.is_bookmarked = viewer.is_bookmarked;
        issue.assigned_to = viewer.assignee.as_ref().map(serialize::assignee);
    }
    Ok(())
}

/// `GET /api/0/organizations/{org}/issues/{id}/`.
pub async fn get_org_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, Some(&org), &issue_id, "event:read").await?;
    // Opening an issue marks it as seen by the caller, as in Sentry.
    state.store.set_issue_seen(issue.id, identity.user.id, true).await?;
    Ok(AppJson(details(&state, &identity, &issue, &organization).await?))
}

/// `GET /api/0/issues/{id}/`.
pub async fn get_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, None, &issue_id, "event:read").await?;
    state.store.set_issue_seen(issue.id, identity.user.id, true).await?;
    Ok(AppJson(details(&state, &identity, &issue, &organization).await?))
}

/// `DELETE /api/0/organizations/{org}/issues/{id}/`: deletes the issue and its events (`202`,
/// as Sentry, which deletes in the background; Cairn has finished when it answers).
pub async fn delete_org_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
) -> ApiResult<axum::http::StatusCode> {
    let (issue, _) = issue_access(&state, &identity, Some(&org), &issue_id, "event:admin").await?;
    state.store.delete_issue(issue.id).await?;
    Ok(axum::http::StatusCode::ACCEPTED)
}

/// `DELETE /api/0/issues/{id}/`.
pub async fn delete_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:admin").await?;
    state.store.delete_issue(issue.id).await?;
    Ok(axum::http::StatusCode::ACCEPTED)
}

/// `PUT /api/0/organizations/{org}/issues/{id}/`: resolve, unresolve or ignore.
pub async fn update_org_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
    AppJson(request): AppJson<UpdateIssueRequest>,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, Some(&org), &issue_id, "event:write").await?;
    update(&state, &identity, issue, organization, request).await
}

/// `PUT /api/0/issues/{id}/`.
pub async fn update_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    AppJson(request): AppJson<UpdateIssueRequest>,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, None, &issue_id, "event:write").await?;
    update(&state, &identity, issue, organization, request).await
}

async fn update<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    issue: IssueRow,
    organization: OrganizationRow,
    request: UpdateIssueRequest,
) -> ApiResult<AppJson<IssueDetails>> {
    if request.merge.is_some() {
        return Err(ApiError::BadRequest(
            "merge: only the issue list (PUT with several id parameters) merges issues.".into(),
        ));
    }
    let changes = IssueChanges::check(state, identity, &organization, &request).await?;
    changes.apply(state, identity, &issue).await?;
    let (issue, organization) = match state.store.issue(issue.id).await {
        Ok(found) => found,
        Err(_) => (issue, organization),
    };
    Ok(AppJson(details(state, identity, &issue, &organization).await?))
}

/// The changes of a PUT on one issue or on several, checked before any is made.
pub(super) struct IssueChanges<'a> {
    request: &'a UpdateIssueRequest,
    /// `Some(None)`: unassign.
    assignee: Option<Option<Assignee>>,
}

impl<'a> IssueChanges<'a> {
    pub(super) async fn check<S: Store>(
        state: &AppState<S>,
        identity: &Identity,
        organization: &OrganizationRow,
        request: &'a UpdateIssueRequest,
    ) -> ApiResult<IssueChanges<'a>> {
        if let Some(status) = request.status.as_deref() {
            // Checked once here; applied per issue (the next release depends on the project).
            status_change(status, request, identity.user.id, None)?;
        }
        let assignee = match &request.assigned_to {
            None => None,
            Some(actor) => Some(resolve_assignee(state, organization, actor.as_deref()).await?),
        };
        Ok(IssueChanges { request, assignee })
    }

    pub(super) async fn apply<S: Store>(
        &self,
        state: &AppState<S>,
        identity: &Identity,
        issue: &IssueRow,
    ) -> ApiResult<()> {
        let request = self.request;
        if let Some(status) = request.status.as_deref() {
            // "Resolved in the next release" is relative to the release current now.
            let latest_release = state.store.latest_release(issue.project.id).await?;
            let change = status_change(status, request, identity.user.id, latest_release)?;
            state.store.set_issue_status(issue.id, &change).await?;
        }
        if let Some(assignee) = self.assignee {
            state.store.assign_issue(issue.id, assignee, identity.user.id).await?;
        }
        if let Some(seen) = request.has_seen {
            state.store.set_issue_seen(issue.id, identity.user.id, seen).await?;
        }
        if let Some(bookmarked) = request.is_bookmarked {
            state.store.set_issue_bookmark(issue.id, identity.user.id, bookmarked).await?;
        }
        Ok(())
    }
}

/// Sentry's `assignedTo` actor: `user:<id>`, `team:<id>`, a bare user id, a username or an
/// email; `None` or `""` unassigns. The user must be a member, and the team a team, of the
/// issue's organization.
async fn resolve_assignee<S: Store>(
    state: &AppState<S>,
    organization: &OrganizationRow,
    actor: Option<&str>,
) -> ApiResult<Option<Assignee>> {
    let actor = match actor.map(str::trim) {
        None | Some("") => return Ok(None),
        Some(actor) => actor,
    };
    let unknown = || ApiError::BadRequest(format!("assignedTo: unknown actor {actor:?}."));
    if let Some(team) = actor.strip_prefix("team:") {
        let team_id: i64 = team.parse().map_err(|_| unknown())?;
        let teams = state.store.teams(organization.id).await?;
        return match teams.iter().find(|t| t.id == team_id) {
            Some(team) => Ok(Some(Assignee::Team(team.id))),
            None => Err(unknown()),
        };
    }
    let raw = actor.strip_prefix("user:").unwrap_or(actor);
    let (user_id, email) = match raw.parse::<i64>() {
        Ok(id) => (Some(id), None),
        Err(_) if actor.starts_with("user:") => return Err(unknown()),
        // Cairn's usernames are email addresses.
        Err(_) => (None, Some(raw)),
    };
    match state.store.organization_member(organization.id, user_id, email).await {
        Ok(user) => Ok(Some(Assignee::User(user.id))),
        Err(StoreError::NotFound) => Err(ApiError::BadRequest(format!(
            "assignedTo: {actor:?} is not a member of this organization."
        ))),
        Err(err) => Err(err.into()),
    }
}

/// Sentry's status, substatus and details for a requested status. Conditions Cairn does not
/// evaluate yet are refused rather than silently ignored.
fn status_change(
    status: &str,
    request: &UpdateIssueRequest,
    user_id: i64,
    latest_release: Option<String>,
) -> ApiResult<StatusChange> {
    let mut details = request.status_details.clone().unwrap_or_else(|| serde_json::json!({}));
    // Sentry's older spelling of "resolved in the next release".
    let status = match status {
        "resolvedInNextRelease" => {
            if let Some(map) = details.as_object_mut() {
                map.insert("inNextRelease".into(), serde_json::Value::Bool(true));
            }
            "resolved"
        }
        other => other,
    };
    let Some(detail_map) = details.as_object() else {
        return Err(ApiError::BadRequest("statusDetails: must be an object.".into()));
    };
    let (substatus, allowed_details): (Option<&str>, &[&str]) = match status {
        "resolved" => (None, &["inRelease", "inNextRelease"]),
        "unresolved" => (Some("ongoing"), &[]),
        "ignored" => {
            const IGNORE: &[&str] = &[
                "ignoreDuration",
                "ignoreCount",
                "ignoreWindow",
                "ignoreUserCount",
                "ignoreUserWindow",
            ];
            (Some("archived_forever"), IGNORE)
        }
        other => {
            return Err(ApiError::BadRequest(format!("status: \"{other}\" is not a valid choice.")))
        }
    };
    if let Some(key) = detail_map.keys().find(|k| !allowed_details.contains(&k.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "statusDetails: {key} is not supported with status {status} yet."
        )));
    }
    // "Ignore until": minutes from now, more events, more users (Sentry's snooze).
    let positive = |key: &str| -> ApiResult<Option<i64>> {
        match detail_map.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => {
                value.as_i64().filter(|n| (1..=1_000_000_000).contains(n)).map(Some).ok_or_else(
                    || {
                        ApiError::BadRequest(format!(
                            "statusDetails: {key} must be a positive whole number."
                        ))
                    },
                )
            }
        }
    };
    let minutes = positive("ignoreDuration")?;
    // Windows are in minutes too, and only mean something with their count.
    let window = |key: &str, count: &str| -> ApiResult<Option<i64>> {
        let window = positive(key)?;
        if window.is_some() && positive(count)?.is_none() {
            return Err(ApiError::BadRequest(format!("statusDetails: {key} needs {count}.")));
        }
        Ok(window)
    };
    let events_window = window("ignoreWindow", "ignoreCount")?;
    let users_window = window("ignoreUserWindow", "ignoreUserCount")?;
    let snooze = Snooze {
        until: minutes.map(|m| crate::util::now_ms() + m * 60_000),
        events: positive("ignoreCount")?,
        users: positive("ignoreUserCount")?,
        events_window_ms: events_window.map(|m| m * 60_000),
        users_window_ms: users_window.map(|m| m * 60_000),
    };
    let conditional = snooze != Snooze::default();
    let substatus = if conditional { Some("archived_until_condition_met") } else { substatus };
    let resolution = match (detail_map.get("inRelease"), detail_map.get("inNextRelease")) {
        (Some(serde_json::Value::String(release)), None) if !release.trim().is_empty() => {
            Some(serde_json::json!({ "inRelease": release.trim() }))
        }
        (None, Some(serde_json::Value::Bool(true))) => {
            Some(serde_json::json!({ "inNextRelease": true, "currentRelease": latest_release }))
        }
        (None, None | Some(serde_json::Value::Bool(false))) => None,
        _ => {
            return Err(ApiError::BadRequest(
                "statusDetails: give either inRelease (a release) or inNextRelease (true).".into(),
            ))
        }
    };
    let status_details = if let Some(resolution) = resolution {
        resolution.to_string()
    } else if conditional {
        serde_json::json!({
            "ignoreUntil": snooze.until.map(crate::util::ms_to_datetime),
            "ignoreCount": snooze.events,
            "ignoreWindow": events_window,
            "ignoreUserCount": snooze.users,
            "ignoreUserWindow": users_window,
        })
        .to_string()
    } else {
        "{}".to_owned()
    };
    if let Some(requested) = request.substatus.as_deref() {
        // Sentry's clients send `archived_until_escalating` for "ignore until escalating";
        // Cairn has no escalation forecast yet and keeps such an issue ignored until a
        // condition (if any) is met.
        let fits = match status {
            "unresolved" => requested == "ongoing",
            "ignored" => matches!(
                requested,
                "archived_forever" | "archived_until_escalating" | "archived_until_condition_met"
            ),
            _ => false,
        };
        if !fits {
            return Err(ApiError::BadRequest(format!(
                "substatus: {requested} does not go with status {status}."
            )));
        }
    }
    Ok(StatusChange {
        status: status.to_owned(),
        substatus: substatus.map(str::to_owned),
        status_details,
        user_id,
        snooze,
    })
}
