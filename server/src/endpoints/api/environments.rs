//! Environments: the names a project's events and sessions were sent with, and which ones the
//! project hides from the environment pickers (Sentry's *Environments* settings).

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{Environment, EnvironmentUpdate};

use super::{org_access, project_access};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{EnvironmentRow, Store};

fn environment(row: &EnvironmentRow) -> Environment {
    Environment { id: row.id.to_string(), name: row.name.clone(), is_hidden: row.is_hidden }
}

/// Sentry's `visibility`: `visible` (the default), `hidden` or `all`, as the `is_hidden` the
/// store filters on.
fn visibility(query: Option<&str>) -> ApiResult<Option<bool>> {
    let value = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "visibility")
        .map(|(_, value)| value.into_owned());
    match value.as_deref().unwrap_or("visible") {
        "visible" => Ok(Some(false)),
        "hidden" => Ok(Some(true)),
        "all" => Ok(None),
        _ => Err(ApiError::BadRequest(
            "Invalid value for 'visibility', valid values are: 'all', 'hidden', 'visible'".into(),
        )),
    }
}

/// `GET /api/0/projects/{org}/{project}/environments/` (`?visibility=`).
pub async fn list_project_environments<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<AppJson<Vec<Environment>>> {
    let (_, project) = project_access(&state, &identity, &org, &project, &["project:read"]).await?;
    let hidden = visibility(query.as_deref())?;
    let rows = state.store.project_environments(project.id, hidden).await?;
    Ok(AppJson(rows.iter().map(environment).collect()))
}

/// `GET /api/0/projects/{org}/{project}/environments/{name}/`.
pub async fn get_project_environment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, name)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Environment>> {
    let (_, project) = project_access(&state, &identity, &org, &project, &["project:read"]).await?;
    let rows = state.store.project_environments(project.id, None).await?;
    let found = rows.iter().find(|row| row.name == name).ok_or(ApiError::NotFound)?;
    Ok(AppJson(environment(found)))
}

/// `PUT /api/0/projects/{org}/{project}/environments/{name}/` with `{"isHidden": bool}`.
pub async fn update_project_environment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, name)): Path<(String, String, String)>,
    AppJson(update): AppJson<EnvironmentUpdate>,
) -> ApiResult<AppJson<Environment>> {
    let (_, project) =
        project_access(&state, &identity, &org, &project, &["project:write"]).await?;
    let row = state.store.set_environment_hidden(project.id, &name, update.is_hidden).await?;
    Ok(AppJson(environment(&row)))
}

/// `GET /api/0/organizations/{org}/environments/` (`?visibility=`, `?project=` repeated): the
/// environments of the organization's projects, those some project shows by default.
pub async fn list_organization_environments<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<AppJson<Vec<Environment>>> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    let hidden = visibility(query.as_deref())?;
    let mut project_ids = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes()) {
        if key == "project" {
            let id: i64 = value
                .parse()
                .map_err(|_| ApiError::BadRequest(format!("project: not a project id: {value}")))?;
            // -1 is Sentry's "all projects".
            if id >= 0 {
                project_ids.push(id);
            }
        }
    }
    let rows =
        state.store.organization_environments(access.organization.id, &project_ids, hidden).await?;
    Ok(AppJson(rows.iter().map(environment).collect()))
}
