//! Organizations, teams, projects and DSN keys.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{CreateProjectRequest, Organization, Project, ProjectKey, Team};

use super::{org_access, Created};
use crate::auth::{self, Identity};
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{NewProject, Store};

/// `GET /api/0/organizations/`: the caller's organizations.
pub async fn list_organizations<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
) -> ApiResult<AppJson<Vec<Organization>>> {
    let orgs = state.store.organizations_of_user(identity.user.id).await?;
    let visible = orgs
        .iter()
        .filter(|(_, role)| identity.has_scope(role, "org:read"))
        .map(|(org, _)| serialize::organization(org))
        .collect();
    Ok(AppJson(visible))
}

/// `GET /api/0/organizations/{org}/`.
pub async fn get_organization<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
) -> ApiResult<AppJson<Organization>> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    Ok(AppJson(serialize::organization(&access.organization)))
}

/// `GET /api/0/organizations/{org}/teams/`.
pub async fn list_teams<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
) -> ApiResult<AppJson<Vec<Team>>> {
    let access = org_access(&state, &identity, &org, "team:read").await?;
    let teams = state.store.teams(access.organization.id).await?;
    Ok(AppJson(teams.iter().map(serialize::team).collect()))
}

/// `GET /api/0/organizations/{org}/projects/`.
pub async fn list_projects<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
) -> ApiResult<AppJson<Vec<Project>>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let projects = state.store.projects(access.organization.id).await?;
    Ok(AppJson(projects.iter().map(|p| serialize::project(p, &access.organization)).collect()))
}

/// `POST /api/0/teams/{org}/{team}/projects/`: creates a project owned by the team, with a
/// first DSN key.
pub async fn create_project<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, team)): Path<(String, String)>,
    AppJson(request): AppJson<CreateProjectRequest>,
) -> ApiResult<Created<Project>> {
    let access = org_access(&state, &identity, &org, "project:write").await?;
    let team = state.store.team_by_slug(access.organization.id, &team).await?;
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(ApiError::BadRequest(
            "name: a project name of 1 to 50 characters is required.".into(),
        ));
    }
    let slug = match request.slug {
        Some(slug) => validate_slug(&slug)?,
        None => slugify(&name),
    };
    if slug.is_empty() {
        return Err(ApiError::BadRequest("slug: enter a valid slug.".into()));
    }
    let project = state
        .store
        .create_project(&NewProject {
            organization_id: access.organization.id,
            team_id: team.id,
            slug,
            name,
            platform: request.platform,
            public_key: auth::random_hex(16),
            secret_key: auth::random_hex(16),
        })
        .await
        .map_err(|err| match ApiError::from(err) {
            ApiError::Conflict(_) => {
                ApiError::Conflict("A project with this slug already exists.".into())
            }
            other => other,
        })?;
    Ok((StatusCode::CREATED, AppJson(serialize::project(&project, &access.organization))))
}

/// `GET /api/0/projects/{org}/{project}/keys/`: the project's DSN keys.
pub async fn list_keys<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<ProjectKey>>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let keys = state.store.project_keys(project.id).await?;
    Ok(AppJson(keys.iter().map(|k| serialize::key(k, &state.config)).collect()))
}

/// A slug from a name: lower-case ASCII letters, digits and dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(50).collect()
}

fn validate_slug(slug: &str) -> ApiResult<String> {
    let ok = !slug.is_empty()
        && slug.len() <= 50
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !slug.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(slug.to_owned())
    } else {
        Err(ApiError::BadRequest(
            "slug: enter a valid slug of lower-case letters, numbers, underscores or hyphens."
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_names() {
        assert_eq!(slugify("My Backend!"), "my-backend");
        assert_eq!(slugify("  web  app "), "web-app");
        assert!(validate_slug("123").is_err());
        assert!(validate_slug("Bad").is_err());
        assert!(validate_slug("good-1").is_ok());
    }
}
