//! Teams: create, rename, delete, their members and projects, joining and leaving.
//!
//! Membership is open, as Sentry's default: any member may join or leave a team themself;
//! putting others in or out needs `team:write`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{Member, Project, Team, TeamRequest};
use serde_json::json;

use super::audit_log::{self, Entry};
use super::members::{find_member, is_self, require_any, serialize_member};
use super::organizations::{slugify, validate_slug};
use super::{org_access, Created};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{Store, StoreError};

/// A team name of 1 to 64 characters, or 400.
fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::BadRequest("name: a team name of 1 to 64 characters.".into()));
    }
    Ok(name.to_owned())
}

fn slug_taken(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => {
            ApiError::Conflict("A team with this slug already exists.".into())
        }
        other => other.into(),
    }
}

/// `POST /api/0/organizations/{org}/teams/`: `{slug?, name?}` (at least one). The creator
/// joins the team, as in Sentry.
pub async fn create_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<TeamRequest>,
) -> ApiResult<Created<Team>> {
    let access = org_access(&state, &identity, &org, "team:write").await?;
    let (slug, name) = match (request.slug, request.name) {
        (Some(slug), name) => {
            let slug = validate_slug(&slug)?;
            let name = valid_name(name.as_deref().unwrap_or(&slug))?;
            (slug, name)
        }
        (None, Some(name)) => {
            let name = valid_name(&name)?;
            let slug = slugify(&name);
            if slug.is_empty() {
                return Err(ApiError::BadRequest("slug: enter a valid slug.".into()));
            }
            (slug, name)
        }
        (None, None) => {
            return Err(ApiError::BadRequest("A team name or slug is required.".into()))
        }
    };
    let team =
        state.store.create_team(access.organization.id, &slug, &name).await.map_err(slug_taken)?;
    // A superuser who is not a member of the organization creates the team without joining.
    if state.store.member_role(access.organization.id, identity.user.id).await.is_ok() {
        state.store.set_team_member(team.id, identity.user.id, true).await?;
    }
    let entry = Entry::new(access.organization.id, "team.create", format!("created team #{slug}"))
        .target(team.id)
        .data(json!({"slug": team.slug, "name": team.name}));
    audit_log::record(&state, &identity, entry).await;
    Ok((StatusCode::CREATED, AppJson(serialize::team(&team))))
}

/// `GET /api/0/teams/{org}/{team}/`.
pub async fn get_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, team)): Path<(String, String)>,
) -> ApiResult<AppJson<Team>> {
    let access = org_access(&state, &identity, &org, "team:read").await?;
    let team = state.store.team_by_slug(access.organization.id, &team).await?;
    Ok(AppJson(serialize::team(&team)))
}

/// `PUT /api/0/teams/{org}/{team}/`: renames a team (`name`) or changes its slug.
pub async fn update_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, team)): Path<(String, String)>,
    AppJson(request): AppJson<TeamRequest>,
) -> ApiResult<AppJson<Team>> {
    let access = org_access(&state, &identity, &org, "team:write").await?;
    let mut team = state.store.team_by_slug(access.organization.id, &team).await?;
    let before = json!({"slug": team.slug, "name": team.name});
    if let Some(slug) = request.slug {
        team.slug = validate_slug(&slug)?;
    }
    if let Some(name) = request.name {
        team.name = valid_name(&name)?;
    }
    state.store.update_team(&team).await.map_err(slug_taken)?;
    let entry =
        Entry::new(access.organization.id, "team.edit", format!("edited team #{}", team.slug))
            .target(team.id)
            .data(json!({"slug": team.slug, "name": team.name, "before": before}));
    audit_log::record(&state, &identity, entry).await;
    Ok(AppJson(serialize::team(&team)))
}

/// `DELETE /api/0/teams/{org}/{team}/`: its projects stay, without a team.
pub async fn delete_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, team)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access(&state, &identity, &org, "team:write").await?;
    let team = state.store.team_by_slug(access.organization.id, &team).await?;
    state.store.delete_team(team.id).await?;
    let note = format!("removed team #{}", team.slug);
    let entry = Entry::new(access.organization.id, "team.remove", note)
        .target(team.id)
        .data(json!({"slug": team.slug, "name": team.name}));
    audit_log::record(&state, &identity, entry).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/0/teams/{org}/{team}/members/`.
pub async fn list_team_members<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, team)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<Member>>> {
    let access = org_access(&state, &identity, &org, "team:read").await?;
    let team = state.store.team_by_slug(access.organization.id, &team).await?;
    let members = state.store.members(access.organization.id).await?;
    Ok(AppJson(
        members
            .iter()
            .filter(|m| m.user.is_some() && m.teams.iter().any(|(slug, _)| *slug == team.slug))
            .map(|m| serialize_member(m, None))
            .collect(),
    ))
}

/// `GET /api/0/teams/{org}/{team}/projects/`.
pub async fn list_team_projects<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, team)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<Project>>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let team = state.store.team_by_slug(access.organization.id, &team).await?;
    let projects = state.store.projects(access.organization.id).await?;
    Ok(AppJson(
        projects
            .iter()
            .filter(|p| p.team.as_ref().is_some_and(|t| t.id == team.id))
            .map(|p| serialize::project(p, &access.organization))
            .collect(),
    ))
}

/// `POST` (join) and `DELETE` (leave) `/api/0/organizations/{org}/members/{member_id}/teams/
/// {team}/`.
async fn set_membership<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    (org, member_id, team): (&str, &str, &str),
    join: bool,
) -> ApiResult<Team> {
    let access = org_access(state, identity, org, "org:read").await?;
    let member = find_member(state, identity, &access, member_id).await?;
    if !is_self(identity, &member) {
        require_any(identity, &access, &["team:write", "team:admin"])?;
    }
    let Some(user) = &member.user else {
        return Err(ApiError::BadRequest(
            "This member has not accepted the invitation yet.".into(),
        ));
    };
    let team = state.store.team_by_slug(access.organization.id, team).await?;
    state.store.set_team_member(team.id, user.id, join).await?;
    let (event, verb) =
        if join { ("member.join-team", "joined") } else { ("member.leave-team", "left") };
    let entry = Entry::new(
        access.organization.id,
        event,
        format!("{} {verb} team #{}", user.email, team.slug),
    )
    .target(member.id)
    .target_user(Some(user.id))
    .data(json!({"email": user.email, "team": team.slug}));
    audit_log::record(state, identity, entry).await;
    Ok(serialize::team(&team))
}

/// `POST /api/0/organizations/{org}/members/{member_id}/teams/{team}/`: joins a team.
pub async fn join_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, member_id, team)): Path<(String, String, String)>,
) -> ApiResult<Created<Team>> {
    let team = set_membership(&state, &identity, (&org, &member_id, &team), true).await?;
    Ok((StatusCode::CREATED, AppJson(team)))
}

/// `DELETE /api/0/organizations/{org}/members/{member_id}/teams/{team}/`: leaves a team.
pub async fn leave_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, member_id, team)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Team>> {
    Ok(AppJson(set_membership(&state, &identity, (&org, &member_id, &team), false).await?))
}
