//! Cron monitors with Sentry's paths and shapes (`src/sentry/monitors/endpoints/`,
//! `serializers.py`): the organization's monitors, one monitor (by the organization or by its
//! project), its check-ins, creating, changing and deleting one.
//!
//! A monitor's slug is unique in its project, not in the organization; the organization's
//! routes take the slug (or the monitor's GUID) and, when several projects have a monitor of
//! that slug, Sentry's `project` parameter to choose.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use cairn_types::api::{
    Monitor, MonitorCheckIn, MonitorConfig as MonitorConfigDto, MonitorEnvironment,
    MonitorEnvironmentRequest, MonitorRequest,
};
use serde_json::{json, Value};

use super::audit_log;
use super::{org_access, org_access_any, Created, OrgAccess};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::ingest::check_in::slugify;
use crate::monitors::schedule::MonitorConfig;
use crate::serialize;
use crate::state::AppState;
use crate::store::{CheckInRow, MonitorChange, MonitorRow, ProjectRow, Store, StoreError};
use crate::util::{ms_to_datetime, now_ms};

/// Sentry's `OrganizationMonitorPermission`.
const READ: &str = "project:read";
const WRITE: &[&str] = &["project:write", "project:admin"];

/// The most check-ins one answer lists.
const MAX_CHECK_INS: i64 = 100;

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// The query parameters the lists take: `project` (ids, repeatable; `-1` for all),
/// `environment` (repeatable), `query` (text in the name or slug).
#[derive(Debug, Default)]
struct ListQuery {
    projects: Vec<i64>,
    environments: Vec<String>,
    text: Option<String>,
}

impl ListQuery {
    fn parse(raw: Option<&str>) -> ApiResult<ListQuery> {
        let mut query = ListQuery::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match &*key {
                "project" if value != "-1" && !value.is_empty() => query.projects.push(
                    value
                        .parse()
                        .map_err(|_| bad(format!("project: {value:?} is not a project id")))?,
                ),
                "environment" if !value.is_empty() => query.environments.push(value.into_owned()),
                "query" if !value.trim().is_empty() => {
                    query.text = Some(value.trim().to_lowercase());
                }
                _ => {}
            }
        }
        Ok(query)
    }
}

/// The API's monitor; `environments` limits which of its environments are shown.
fn monitor_dto(
    row: &MonitorRow,
    project: &ProjectRow,
    access: &OrgAccess,
    environments: &[String],
) -> Monitor {
    let config: Value = serde_json::from_str(&row.config).unwrap_or(Value::Null);
    let field = |key: &str| config.get(key).and_then(Value::as_i64);
    Monitor {
        id: row.guid.clone(),
        name: row.name.clone(),
        slug: row.slug.clone(),
        status: row.status.clone(),
        is_muted: row.is_muted,
        monitor_type: "cron_job".to_owned(),
        config: MonitorConfigDto {
            schedule_type: config
                .get("schedule_type")
                .and_then(Value::as_str)
                .unwrap_or("crontab")
                .to_owned(),
            schedule: config.get("schedule").cloned().unwrap_or(Value::Null),
            checkin_margin: field("checkin_margin"),
            max_runtime: field("max_runtime"),
            timezone: config.get("timezone").and_then(Value::as_str).map(str::to_owned),
            failure_issue_threshold: field("failure_issue_threshold"),
            recovery_threshold: field("recovery_threshold"),
        },
        date_created: ms_to_datetime(row.date_created),
        project: serialize::project(project, &access.organization),
        environments: row
            .environments
            .iter()
            .filter(|env| environments.is_empty() || environments.contains(&env.environment))
            .map(|env| MonitorEnvironment {
                name: env.environment.clone(),
                status: env.status.clone(),
                is_muted: env.is_muted || row.is_muted,
                date_created: ms_to_datetime(row.date_created),
                last_check_in: env.last_checkin.map(ms_to_datetime),
                next_check_in: env.next_checkin.map(ms_to_datetime),
                next_check_in_latest: env.next_checkin_latest.map(ms_to_datetime),
                issue_id: env.issue_id.map(|id| id.to_string()),
            })
            .collect(),
    }
}

fn check_in_dto(row: CheckInRow) -> MonitorCheckIn {
    MonitorCheckIn {
        id: row.guid,
        environment: row.environment,
        status: row.status,
        duration: row.duration,
        date_created: ms_to_datetime(row.date_created),
        expected_time: row.expected_time.map(ms_to_datetime),
        monitor_config: row
            .monitor_config
            .and_then(|config| serde_json::from_str(&config).ok())
            .unwrap_or_else(|| Value::Object(Default::default())),
    }
}

/// `GET /api/0/organizations/{org}/monitors/`: the monitors of the organization's projects
/// (or of those `project` names), failing ones first, then by name.
pub async fn list_monitors<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<Monitor>>> {
    let query = ListQuery::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, READ).await?;
    let (projects, rows) = chosen_monitors(&state, &access, &query).await?;
    let monitors = rows
        .iter()
        .filter(|row| {
            query.text.as_deref().is_none_or(|text| {
                row.name.to_lowercase().contains(text) || row.slug.contains(text)
            })
        })
        .filter(|row| {
            query.environments.is_empty()
                || row.environments.iter().any(|env| query.environments.contains(&env.environment))
        })
        .filter_map(|row| {
            let project = projects.get(&row.project_id)?;
            Some(monitor_dto(row, project, &access, &query.environments))
        })
        .collect();
    Ok(AppJson(monitors))
}

/// `POST /api/0/organizations/{org}/monitors/`: Sentry's "Create a Monitor" (`project`,
/// `name`, `slug` derived from the name when absent, `type` `cron_job`, `config`).
pub async fn create_monitor<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<MonitorRequest>,
) -> ApiResult<Created<Monitor>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let project_slug = request.project.as_deref().ok_or_else(|| bad("project: required"))?;
    let project =
        state.store.project_by_slug(access.organization.id, project_slug).await.map_err(|err| {
            match err {
                StoreError::NotFound => bad(format!("project: no project {project_slug:?}")),
                other => other.into(),
            }
        })?;
    let name = request.name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(bad("name: required, at most 128 characters"));
    }
    if request.monitor_type.as_deref().is_some_and(|t| t != "cron_job") {
        return Err(bad("type: only cron_job monitors exist"));
    }
    let slug = slugify(request.slug.as_deref().unwrap_or(name));
    if slug.is_empty() {
        return Err(bad("slug: needs a letter or a digit"));
    }
    let config = request.config.as_ref().ok_or_else(|| bad("config: required"))?;
    let config = MonitorConfig::from_api(config).map_err(|err| bad(format!("config: {err}")))?;
    let row = state
        .store
        .create_monitor(project.id, &slug, name, &config.to_api().to_string(), now_ms())
        .await
        .map_err(|err| match err {
            StoreError::Conflict(_) => {
                ApiError::Conflict(format!("The project has a monitor with the slug {slug:?}."))
            }
            other => other.into(),
        })?;
    let mut row = row;
    if request.status.is_some() || request.is_muted.is_some() {
        let change = MonitorChange {
            status: checked_status(request.status.as_deref())?,
            is_muted: request.is_muted,
            ..Default::default()
        };
        state.store.update_monitor(row.id, &change).await?;
        row = state.store.monitor(project.id, &slug).await?;
    }
    audit(&state, &identity, &project, "monitor.add", &row).await;
    Ok((StatusCode::CREATED, AppJson(monitor_dto(&row, &project, &access, &[]))))
}

fn checked_status(status: Option<&str>) -> ApiResult<Option<String>> {
    match status {
        None => Ok(None),
        Some(status @ ("active" | "disabled")) => Ok(Some(status.to_owned())),
        Some(other) => Err(bad(format!("status: {other:?} is not one of active, disabled"))),
    }
}

/// The organization's projects that `query` names (all when it names none), by id, and their
/// monitors.
async fn chosen_monitors<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    query: &ListQuery,
) -> ApiResult<(HashMap<i64, ProjectRow>, Vec<MonitorRow>)> {
    let projects: HashMap<i64, ProjectRow> = state
        .store
        .projects(access.organization.id)
        .await?
        .into_iter()
        .filter(|p| query.projects.is_empty() || query.projects.contains(&p.id))
        .map(|p| (p.id, p))
        .collect();
    let ids: Vec<i64> = projects.keys().copied().collect();
    let rows = state.store.monitors(&ids).await?;
    Ok((projects, rows))
}

/// A monitor by the organization's routes: by slug (or GUID) in any of its projects, the
/// `project` parameter choosing when several have one.
async fn org_monitor<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    monitor: &str,
    raw: Option<&str>,
) -> ApiResult<(MonitorRow, ProjectRow)> {
    let query = ListQuery::parse(raw)?;
    let (projects, rows) = chosen_monitors(state, access, &query).await?;
    let mut found: Vec<MonitorRow> =
        rows.into_iter().filter(|row| row.slug == monitor || row.guid == monitor).collect();
    if found.len() > 1 {
        return Err(bad(format!(
            "Several projects have a monitor {monitor:?}: name one with the project parameter."
        )));
    }
    let row = found.pop().ok_or(ApiError::NotFound)?;
    let project = projects.get(&row.project_id).cloned().ok_or(ApiError::NotFound)?;
    Ok((row, project))
}

/// A monitor by the project's routes.
async fn project_monitor<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    project: &str,
    monitor: &str,
) -> ApiResult<(MonitorRow, ProjectRow)> {
    let project = state.store.project_by_slug(access.organization.id, project).await?;
    let row = match state.store.monitor(project.id, monitor).await {
        Ok(row) => row,
        Err(StoreError::NotFound) => {
            let rows = state.store.monitors(&[project.id]).await?;
            rows.into_iter().find(|row| row.guid == monitor).ok_or(ApiError::NotFound)?
        }
        Err(err) => return Err(err.into()),
    };
    Ok((row, project))
}

/// `GET /api/0/organizations/{org}/monitors/{monitor}/`: Sentry's "Retrieve a Monitor".
pub async fn get_org_monitor<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, monitor)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Monitor>> {
    let access = org_access(&state, &identity, &org, READ).await?;
    let (row, project) = org_monitor(&state, &access, &monitor, raw.as_deref()).await?;
    Ok(AppJson(monitor_dto(&row, &project, &access, &[])))
}

/// `GET /api/0/projects/{org}/{project}/monitors/{monitor}/`: "Retrieve a Monitor for a
/// Project".
pub async fn get_project_monitor<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, monitor)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Monitor>> {
    let access = org_access(&state, &identity, &org, READ).await?;
    let (row, project) = project_monitor(&state, &access, &project, &monitor).await?;
    Ok(AppJson(monitor_dto(&row, &project, &access, &[])))
}

/// `PUT /api/0/organizations/{org}/monitors/{monitor}/`: "Update a Monitor".
pub async fn update_org_monitor<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, monitor)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    AppJson(request): AppJson<MonitorRequest>,
) -> ApiResult<AppJson<Monitor>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = org_monitor(&state, &access, &monitor, raw.as_deref()).await?;
    update(&state, &identity, &access, row, project, request).await
}

/// `PUT /api/0/projects/{org}/{project}/monitors/{monitor}/`: "Update a Monitor for a
/// Project".
pub async fn update_project_monitor<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, monitor)): Path<(String, String, String)>,
    AppJson(request): AppJson<MonitorRequest>,
) -> ApiResult<AppJson<Monitor>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = project_monitor(&state, &access, &project, &monitor).await?;
    update(&state, &identity, &access, row, project, request).await
}

/// Applies a `PUT`: the fields given replace the monitor's, `config`'s fields the
/// configuration's; the monitor moves to no other project.
async fn update<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    access: &OrgAccess,
    row: MonitorRow,
    project: ProjectRow,
    request: MonitorRequest,
) -> ApiResult<AppJson<Monitor>> {
    if request.project.as_deref().is_some_and(|slug| slug != project.slug) {
        return Err(bad("project: a monitor stays in its project"));
    }
    let name = match request.name.as_deref().map(str::trim) {
        Some("") => return Err(bad("name: may not be empty")),
        Some(name) if name.chars().count() > 128 => {
            return Err(bad("name: at most 128 characters"))
        }
        other => other.map(str::to_owned),
    };
    let slug = match request.slug.as_deref().map(slugify) {
        Some(slug) if slug.is_empty() => return Err(bad("slug: needs a letter or a digit")),
        other => other,
    };
    let config = match &request.config {
        None => None,
        Some(patch) => {
            let current: Value = serde_json::from_str(&row.config).unwrap_or(Value::Null);
            let merged = match MonitorConfig::from_api(&current) {
                Ok(current) => current.patched(patch),
                Err(_) => MonitorConfig::from_api(patch),
            }
            .map_err(|err| bad(format!("config: {err}")))?;
            Some(merged.to_api().to_string())
        }
    };
    let change = MonitorChange {
        name,
        slug: slug.clone(),
        status: checked_status(request.status.as_deref())?,
        is_muted: request.is_muted,
        config,
    };
    state.store.update_monitor(row.id, &change).await.map_err(|err| match err {
        StoreError::Conflict(_) => {
            ApiError::Conflict("The project has a monitor with that slug.".into())
        }
        other => other.into(),
    })?;
    let row = state.store.monitor(project.id, slug.as_deref().unwrap_or(&row.slug)).await?;
    audit(state, identity, &project, "monitor.edit", &row).await;
    Ok(AppJson(monitor_dto(&row, &project, access, &[])))
}

/// Records a change of the monitor `row` in the audit log.
async fn audit<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    project: &ProjectRow,
    event: &'static str,
    row: &MonitorRow,
) {
    let what = (format!("the cron monitor {}", row.slug), row.id);
    let data = json!({"slug": row.slug, "name": row.name});
    audit_log::project_change(state, identity, project, event, what, data).await;
}

/// `DELETE /api/0/organizations/{org}/monitors/{monitor}/`: "Delete a Monitor" with its
/// check-ins; the issues its failures opened stay.
pub async fn delete_org_monitor<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, monitor)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = org_monitor(&state, &access, &monitor, raw.as_deref()).await?;
    state.store.delete_monitor(row.id).await?;
    audit(&state, &identity, &project, "monitor.remove", &row).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/0/projects/{org}/{project}/monitors/{monitor}/`.
pub async fn delete_project_monitor<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, monitor)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = project_monitor(&state, &access, &project, &monitor).await?;
    state.store.delete_monitor(row.id).await?;
    audit(&state, &identity, &project, "monitor.remove", &row).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/0/organizations/{org}/monitors/{monitor}/environments/{environment}/` with
/// `{"isMuted": bool}`: mutes or unmutes one environment (Sentry's "Update a Monitor
/// Environment"); answers the monitor.
pub async fn update_org_monitor_environment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, monitor, environment)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    AppJson(request): AppJson<MonitorEnvironmentRequest>,
) -> ApiResult<AppJson<Monitor>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = org_monitor(&state, &access, &monitor, raw.as_deref()).await?;
    mute_environment(&state, &identity, &access, row, project, &environment, request).await
}

/// `PUT /api/0/projects/{org}/{project}/monitors/{monitor}/environments/{environment}/`.
pub async fn update_project_monitor_environment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, monitor, environment)): Path<(String, String, String, String)>,
    AppJson(request): AppJson<MonitorEnvironmentRequest>,
) -> ApiResult<AppJson<Monitor>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = project_monitor(&state, &access, &project, &monitor).await?;
    mute_environment(&state, &identity, &access, row, project, &environment, request).await
}

async fn mute_environment<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    access: &OrgAccess,
    row: MonitorRow,
    project: ProjectRow,
    environment: &str,
    request: MonitorEnvironmentRequest,
) -> ApiResult<AppJson<Monitor>> {
    let muted = request.is_muted.ok_or_else(|| bad("isMuted: this field is required"))?;
    state.store.set_monitor_environment_muted(row.id, environment, muted).await?;
    let row = state.store.monitor(project.id, &row.slug).await?;
    audit(state, identity, &project, "monitor.edit", &row).await;
    Ok(AppJson(monitor_dto(&row, &project, access, &[])))
}

/// `DELETE /api/0/organizations/{org}/monitors/{monitor}/environments/{environment}/`: deletes
/// one environment with its check-ins (Sentry's "Delete a Monitor Environment"; its issue
/// stays), answered `202` as Sentry does.
pub async fn delete_org_monitor_environment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, monitor, environment)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = org_monitor(&state, &access, &monitor, raw.as_deref()).await?;
    state.store.delete_monitor_environment(row.id, &environment).await?;
    audit(&state, &identity, &project, "monitor.edit", &row).await;
    Ok(StatusCode::ACCEPTED)
}

/// `DELETE /api/0/projects/{org}/{project}/monitors/{monitor}/environments/{environment}/`.
pub async fn delete_project_monitor_environment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, monitor, environment)): Path<(String, String, String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (row, project) = project_monitor(&state, &access, &project, &monitor).await?;
    state.store.delete_monitor_environment(row.id, &environment).await?;
    audit(&state, &identity, &project, "monitor.edit", &row).await;
    Ok(StatusCode::ACCEPTED)
}

/// `GET /api/0/organizations/{org}/monitors/{monitor}/checkins/`: "Retrieve Check-Ins for a
/// Monitor", newest first (the latest 100; `environment` to choose one).
pub async fn list_org_check_ins<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, monitor)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<MonitorCheckIn>>> {
    let access = org_access(&state, &identity, &org, READ).await?;
    let (row, _) = org_monitor(&state, &access, &monitor, raw.as_deref()).await?;
    check_ins(&state, &row, raw.as_deref()).await
}

/// `GET /api/0/projects/{org}/{project}/monitors/{monitor}/checkins/`.
pub async fn list_project_check_ins<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, monitor)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<MonitorCheckIn>>> {
    let access = org_access(&state, &identity, &org, READ).await?;
    let (row, _) = project_monitor(&state, &access, &project, &monitor).await?;
    check_ins(&state, &row, raw.as_deref()).await
}

async fn check_ins<S: Store>(
    state: &AppState<S>,
    row: &MonitorRow,
    raw: Option<&str>,
) -> ApiResult<AppJson<Vec<MonitorCheckIn>>> {
    let query = ListQuery::parse(raw)?;
    let mut per_page = MAX_CHECK_INS;
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key == "per_page" {
            per_page = value
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_CHECK_INS).contains(n))
                .ok_or_else(|| bad(format!("per_page: a number from 1 to {MAX_CHECK_INS}")))?;
        }
    }
    let environment = query.environments.first().map(String::as_str);
    let rows = state.store.monitor_check_ins(row.id, environment, per_page).await?;
    Ok(AppJson(rows.into_iter().map(check_in_dto).collect()))
}
