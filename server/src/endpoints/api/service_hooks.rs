//! Service hooks with Sentry's paths and shapes (`ProjectServiceHooksEndpoint`,
//! `ProjectServiceHookDetailsEndpoint`): a project's hooks, one hook, creating, changing and
//! deleting one; and Cairn's own log of a hook's deliveries. Sending them is
//! [`crate::hooks`]'s.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{HookDelivery, ServiceHook, ServiceHookRequest};
use serde_json::json;

use super::audit_log;
use super::{project_access, Created};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::hooks::EVENTS;
use crate::state::AppState;
use crate::store::{ProjectRow, ServiceHookRow, Store};
use crate::util::{ms_to_datetime, now_ms};

/// Sentry's `ProjectPermission`: readers list hooks, writers make and change them, admins
/// delete them.
const READ: &[&str] = &["project:read", "project:write", "project:admin"];
const WRITE: &[&str] = &["project:write", "project:admin"];
const ADMIN: &[&str] = &["project:admin"];

/// Deliveries a hook's log shows.
const LOG_LENGTH: i64 = 50;

fn hook_dto(row: &ServiceHookRow, with_secret: bool) -> ServiceHook {
    let mut events = Vec::new();
    if row.on_alert {
        events.push(EVENTS[0].to_owned());
    }
    if row.on_created {
        events.push(EVENTS[1].to_owned());
    }
    ServiceHook {
        id: row.guid.clone(),
        url: row.url.clone(),
        secret: with_secret.then(|| row.secret.clone()),
        status: if row.is_active { "active" } else { "disabled" }.to_owned(),
        events,
        date_created: ms_to_datetime(row.date_created),
    }
}

/// The caller's access and the project, for `scopes`; and whether the caller may see secrets
/// (those who may change the hooks).
async fn project<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: &str,
    scopes: &[&str],
) -> ApiResult<(ProjectRow, bool)> {
    let (access, project) = project_access(state, identity, org, project, scopes).await?;
    let writer = WRITE.iter().any(|scope| identity.has_scope(&access.role, scope));
    Ok((project, writer))
}

/// The project's hook whose GUID is `guid`; `404` otherwise.
async fn find<S: Store>(
    state: &AppState<S>,
    project: &ProjectRow,
    guid: &str,
) -> ApiResult<ServiceHookRow> {
    let hooks = state.store.service_hooks(project.id).await?;
    hooks.into_iter().find(|hook| hook.guid == guid).ok_or(ApiError::NotFound)
}

/// An `http` or `https` URL with a host, as Sentry's `URLField` wants.
fn checked_url(url: &str) -> ApiResult<String> {
    let bad = || ApiError::BadRequest(format!("url: {url:?} is not an http or https URL"));
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(bad());
    }
    Ok(parsed.to_string())
}

/// `(event.created, event.alert)` of a request's events; at least one, each one of [`EVENTS`].
fn checked_events(events: &[String]) -> ApiResult<(bool, bool)> {
    if events.is_empty() {
        return Err(ApiError::BadRequest("events: this list may not be empty".into()));
    }
    if let Some(unknown) = events.iter().find(|event| !EVENTS.contains(&event.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "events: {unknown:?} is not a valid choice (event.alert, event.created)"
        )));
    }
    let has = |name: &str| events.iter().any(|event| event == name);
    Ok((has("event.created"), has("event.alert")))
}

fn checked_version(version: Option<i64>) -> ApiResult<()> {
    match version {
        None | Some(0) => Ok(()),
        Some(other) => Err(ApiError::BadRequest(format!("version: {other} is not 0"))),
    }
}

/// `GET /api/0/projects/{org}/{project}/hooks/`: the project's service hooks.
pub async fn list_hooks<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<ServiceHook>>> {
    let (project, writer) = project(&state, &identity, &org, &project_slug, READ).await?;
    let hooks = state.store.service_hooks(project.id).await?;
    Ok(AppJson(hooks.iter().map(|hook| hook_dto(hook, writer)).collect()))
}

/// `POST /api/0/projects/{org}/{project}/hooks/`: Sentry's "Register a New Service Hook".
pub async fn create_hook<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
    AppJson(request): AppJson<ServiceHookRequest>,
) -> ApiResult<Created<ServiceHook>> {
    let (project, _) = project(&state, &identity, &org, &project_slug, WRITE).await?;
    let url = request.url.as_deref().ok_or_else(|| ApiError::BadRequest("url: required".into()))?;
    let url = checked_url(url)?;
    let events =
        request.events.as_deref().ok_or_else(|| ApiError::BadRequest("events: required".into()))?;
    let (on_created, on_alert) = checked_events(events)?;
    checked_version(request.version)?;
    let hook = ServiceHookRow {
        id: 0,
        guid: uuid::Uuid::new_v4().simple().to_string(),
        project_id: project.id,
        url,
        secret: crate::hooks::new_secret(),
        on_created,
        on_alert,
        is_active: request.is_active.unwrap_or(true),
        date_created: now_ms(),
    };
    let hook = state.store.create_service_hook(&hook, Some(identity.user.id)).await?;
    audit(&state, &identity, &project, "servicehook.create", &hook).await;
    Ok((StatusCode::CREATED, AppJson(hook_dto(&hook, true))))
}

/// `GET /api/0/projects/{org}/{project}/hooks/{hook_id}/`.
pub async fn get_hook<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, guid)): Path<(String, String, String)>,
) -> ApiResult<AppJson<ServiceHook>> {
    let (project, writer) = project(&state, &identity, &org, &project_slug, READ).await?;
    let hook = find(&state, &project, &guid).await?;
    Ok(AppJson(hook_dto(&hook, writer)))
}

/// `PUT /api/0/projects/{org}/{project}/hooks/{hook_id}/`: any of `url`, `events` and
/// `isActive`.
pub async fn update_hook<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, guid)): Path<(String, String, String)>,
    AppJson(request): AppJson<ServiceHookRequest>,
) -> ApiResult<AppJson<ServiceHook>> {
    let (project, _) = project(&state, &identity, &org, &project_slug, WRITE).await?;
    let mut hook = find(&state, &project, &guid).await?;
    if let Some(url) = &request.url {
        hook.url = checked_url(url)?;
    }
    if let Some(events) = &request.events {
        (hook.on_created, hook.on_alert) = checked_events(events)?;
    }
    checked_version(request.version)?;
    if let Some(active) = request.is_active {
        hook.is_active = active;
    }
    state.store.update_service_hook(&hook).await?;
    audit(&state, &identity, &project, "servicehook.edit", &hook).await;
    Ok(AppJson(hook_dto(&hook, true)))
}

/// `DELETE /api/0/projects/{org}/{project}/hooks/{hook_id}/`: `204`.
pub async fn delete_hook<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, guid)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (project, _) = project(&state, &identity, &org, &project_slug, ADMIN).await?;
    let hook = find(&state, &project, &guid).await?;
    state.store.delete_service_hook(project.id, hook.id).await?;
    audit(&state, &identity, &project, "servicehook.remove", &hook).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a change of `hook` in the audit log (its URL, never its secret).
async fn audit<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    project: &ProjectRow,
    event: &'static str,
    hook: &ServiceHookRow,
) {
    let what = (format!("the service hook to {}", hook.url), hook.id);
    let data = json!({"url": hook.url, "isActive": hook.is_active});
    audit_log::project_change(state, identity, project, event, what, data).await;
}

/// `GET /api/0/projects/{org}/{project}/hooks/{hook_id}/deliveries/` (Cairn's own): the
/// hook's latest deliveries, newest first, for whoever may change it.
pub async fn list_deliveries<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, guid)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Vec<HookDelivery>>> {
    let (project, _) = project(&state, &identity, &org, &project_slug, WRITE).await?;
    let hook = find(&state, &project, &guid).await?;
    let rows = state.store.hook_deliveries(hook.id, LOG_LENGTH).await?;
    Ok(AppJson(
        rows.into_iter()
            .map(|row| HookDelivery {
                id: row.id.to_string(),
                issue_id: row.issue_id.to_string(),
                event_id: row.event_id,
                date_created: ms_to_datetime(row.date_created),
                state: row.state,
                attempts: row.attempts,
                status_code: row.status_code,
                error: row.error,
                date_finished: row.date_finished.map(ms_to_datetime),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert_eq!(
            checked_url(" https://hooks.example/sentry ").ok().as_deref(),
            Some("https://hooks.example/sentry")
        );
        assert!(checked_url("http://127.0.0.1:9000/").is_ok());
        for bad in ["ftp://example.com/", "example.com/hook", "https://", "javascript:alert(1)"] {
            assert!(checked_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_are_a_non_empty_choice_of_sentry_s() {
        let list = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(checked_events(&list(&["event.created"])).ok(), Some((true, false)));
        assert_eq!(
            checked_events(&list(&["event.alert", "event.created"])).ok(),
            Some((true, true))
        );
        assert!(checked_events(&[]).is_err());
        assert!(checked_events(&list(&["issue.created"])).is_err());
    }
}
