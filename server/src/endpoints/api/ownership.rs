//! Issue ownership: a project's ownership rules (`/ownership/`), its CODEOWNERS file
//! (`/codeowners/`), and the owners of an event (`/events/{id}/owners/`), in Sentry's shapes.
//!
//! Changing the rules or the CODEOWNERS file drops the project's cached settings, so this node
//! compiles the new rules for the next event (other nodes within the cache's few seconds).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{
    Actor, CodeownersErrors, CreateCodeownersRequest, EventOwners, OwnershipReason,
    OwnershipSchema, ProjectCodeowners, ProjectOwnership, UpdateOwnershipRequest,
    AUTO_ASSIGN_ISSUE_OWNER, AUTO_ASSIGN_OFF, AUTO_ASSIGN_SUSPECT_COMMITS,
};
use serde_json::{json, Value};

use super::audit_log::{self, Entry};
use super::{org_access, org_access_any, Created};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::ownership::{self, codeowners, Directory, EventView};
use crate::state::AppState;
use crate::store::{CodeownersRow, OwnershipRow, ProjectRow, Store};
use crate::util::ms_to_datetime;

/// Largest rule text or CODEOWNERS file accepted (GitHub refuses CODEOWNERS files over 3 MB;
/// rules are read on every change, so Cairn keeps them smaller).
const MAX_RULES_BYTES: usize = 256 * 1024;

/// Sentry's scopes for changing ownership settings and code owners.
const WRITE_SCOPES: &[&str] = &["project:write", "project:admin"];

/// The project of the path, if the caller may use one of `scopes` in its organization.
async fn project<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    (org, project): (&str, &str),
    scopes: &[&str],
) -> ApiResult<(ProjectRow, i64)> {
    let access = org_access_any(state, identity, org, scopes).await?;
    let project = state.store.project_by_slug(access.organization.id, project).await?;
    Ok((project, access.organization.id))
}

/// The members (with an account) and teams of an organization, to resolve owners against.
async fn directory<S: Store>(state: &AppState<S>, organization_id: i64) -> ApiResult<Directory> {
    let members = state.store.members(organization_id).await?;
    let teams = state.store.teams(organization_id).await?;
    Ok(Directory {
        users: members
            .iter()
            .filter_map(|m| m.user.as_ref().map(|u| (u.id, u.email.clone())))
            .collect(),
        teams: teams.into_iter().map(|t| (t.id, t.slug)).collect(),
    })
}

fn decode_schema(json: &str) -> ApiResult<OwnershipSchema> {
    serde_json::from_str(json).map_err(|err| ApiError::Internal(Box::new(err)))
}

fn ownership_body(row: &OwnershipRow) -> ApiResult<ProjectOwnership> {
    Ok(ProjectOwnership {
        raw: row.raw.clone(),
        fallthrough: row.fallthrough,
        auto_assignment: row.auto_assignment.clone(),
        codeowners_auto_sync: row.codeowners_auto_sync,
        is_active: true,
        date_created: row.date_created.map(ms_to_datetime),
        last_updated: row.last_updated.map(ms_to_datetime),
        schema: row.rules_schema.as_deref().map(decode_schema).transpose()?,
    })
}

/// `GET /api/0/projects/{org}/{project}/ownership/`.
pub async fn get_ownership<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
) -> ApiResult<AppJson<ProjectOwnership>> {
    let (project, _) = project(&state, &identity, (&org, &project_slug), &["project:read"]).await?;
    let row = state.store.project_ownership(project.id).await?;
    Ok(AppJson(ownership_body(&row)?))
}

/// `PUT /api/0/projects/{org}/{project}/ownership/`: rules that do not parse are refused with
/// the line at fault, owners that are no member or team by name; fields left out keep their
/// value.
pub async fn update_ownership<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
    AppJson(request): AppJson<UpdateOwnershipRequest>,
) -> ApiResult<AppJson<ProjectOwnership>> {
    let (project, organization_id) =
        project(&state, &identity, (&org, &project_slug), WRITE_SCOPES).await?;
    let mut row = state.store.project_ownership(project.id).await?;
    if let Some(raw) = request.raw {
        if raw.len() > MAX_RULES_BYTES {
            return Err(ApiError::invalid("raw", "The rules are too long (256 KiB at most)."));
        }
        let rules = ownership::parse_rules(&raw)
            .map_err(|err| ApiError::invalid("raw", err.to_string()))?;
        row.rules_schema = if rules.is_empty() {
            None
        } else {
            let directory = directory(&state, organization_id).await?;
            let schema = ownership::resolve(&rules, &directory)
                .map_err(|err| ApiError::invalid("raw", err.to_string()))?;
            Some(serde_json::to_string(&schema).map_err(|err| ApiError::Internal(Box::new(err)))?)
        };
        row.raw = Some(raw);
    }
    if let Some(mode) = request.auto_assignment {
        if ![AUTO_ASSIGN_ISSUE_OWNER, AUTO_ASSIGN_SUSPECT_COMMITS, AUTO_ASSIGN_OFF]
            .contains(&mode.as_str())
        {
            return Err(ApiError::invalid(
                "autoAssignment",
                format!(
                    "Invalid value {mode:?}: one of \"{AUTO_ASSIGN_ISSUE_OWNER}\", \
                     \"{AUTO_ASSIGN_SUSPECT_COMMITS}\", \"{AUTO_ASSIGN_OFF}\"."
                ),
            ));
        }
        row.auto_assignment = mode;
    }
    if let Some(on) = request.fallthrough {
        row.fallthrough = on;
    }
    if let Some(on) = request.codeowners_auto_sync {
        row.codeowners_auto_sync = on;
    }
    let saved = state.store.set_project_ownership(project.id, &row).await?;
    state.ingest.forget_project(project.id);
    let note = format!("edited the ownership rules of project {}", project.slug);
    let entry = Entry::new(organization_id, "project.ownership-rule.edit", note)
        .target(project.id)
        .data(json!({"project": project.slug, "raw": saved.raw, "fallthrough": saved.fallthrough}));
    audit_log::record(&state, &identity, entry).await;
    Ok(AppJson(ownership_body(&saved)?))
}

fn codeowners_body(row: &CodeownersRow) -> ApiResult<ProjectCodeowners> {
    Ok(ProjectCodeowners {
        id: row.id.to_string(),
        raw: row.raw.clone(),
        date_created: ms_to_datetime(row.date_created),
        date_updated: ms_to_datetime(row.date_updated),
        provider: "github".into(),
        schema: decode_schema(&row.rules_schema)?,
        errors: serde_json::from_str::<CodeownersErrors>(&row.errors)
            .map_err(|err| ApiError::Internal(Box::new(err)))?,
        code_mapping_id: row.code_mapping_id.map(|id| id.to_string()),
    })
}

/// `GET /api/0/projects/{org}/{project}/codeowners/`.
pub async fn list_codeowners<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<ProjectCodeowners>>> {
    let (project, _) = project(&state, &identity, (&org, &project_slug), &["project:read"]).await?;
    let rows = state.store.project_codeowners(project.id).await?;
    Ok(AppJson(rows.iter().map(codeowners_body).collect::<ApiResult<_>>()?))
}

/// `POST /api/0/projects/{org}/{project}/codeowners/`: imports a CODEOWNERS file (replacing
/// the project's previous one), with `mapping` from handles to members and teams. Handles
/// that map to nobody are answered in `errors`.
pub async fn create_codeowners<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
    AppJson(request): AppJson<CreateCodeownersRequest>,
) -> ApiResult<Created<ProjectCodeowners>> {
    let (project, organization_id) =
        project(&state, &identity, (&org, &project_slug), WRITE_SCOPES).await?;
    if request.raw.len() > MAX_RULES_BYTES {
        return Err(ApiError::invalid("raw", "The file is too long (256 KiB at most)."));
    }
    if request.raw.trim().is_empty() {
        return Err(ApiError::invalid("raw", "This field is required."));
    }
    // Sentry's `codeMappingId`: the project's mapping whose roots turn the file's
    // repository paths into the paths frames have.
    let code_mapping = match &request.code_mapping_id {
        None | Some(Value::Null) => None,
        Some(id) => {
            let id = match id {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            let found = match id {
                Some(id) => match state.store.code_mapping(organization_id, id).await {
                    Ok(mapping) => Some(mapping).filter(|m| m.project_id == project.id),
                    Err(crate::store::StoreError::NotFound) => None,
                    Err(err) => return Err(err.into()),
                },
                None => None,
            };
            Some(found.ok_or_else(|| {
                ApiError::invalid("codeMappingId", "No such code mapping of this project.")
            })?)
        }
    };
    let roots = code_mapping.as_ref().map(|mapping| codeowners::Roots {
        stack_root: &mapping.stack_root,
        source_root: &mapping.source_root,
    });
    let directory = directory(&state, organization_id).await?;
    let import = codeowners::import(&request.raw, &request.mapping, &directory, roots)
        .map_err(|err| ApiError::invalid("raw", err.to_string()))?;
    let row = state
        .store
        .set_project_codeowners(
            project.id,
            &request.raw,
            &to_json(&import.schema)?,
            &to_json(&import.errors)?,
            code_mapping.as_ref().map(|mapping| mapping.id),
        )
        .await?;
    state.ingest.forget_project(project.id);
    let note = format!("imported a CODEOWNERS file into project {}", project.slug);
    let entry = Entry::new(organization_id, "project.ownership-rule.edit", note)
        .target(project.id)
        .data(json!({"project": project.slug, "codeowners": row.id}));
    audit_log::record(&state, &identity, entry).await;
    Ok((StatusCode::CREATED, AppJson(codeowners_body(&row)?)))
}

fn to_json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|err| ApiError::Internal(Box::new(err)))
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/owners/`: who owns the event by the
/// project's rules now (Sentry's `owners`, `rule`, `rules`), and why (Cairn's `reason`).
pub async fn event_owners<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, event_id)): Path<(String, String, String)>,
) -> ApiResult<AppJson<EventOwners>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project_slug).await?;
    let event_id = uuid::Uuid::parse_str(&event_id).map_err(|_| ApiError::NotFound)?;
    let event = state.store.project_event(project.id, &event_id.simple().to_string()).await?;
    let rules = state
        .ingest
        .project_rules(&state.store, project.id)
        .await
        .map_err(|err| ApiError::Internal(Box::new(err)))?;
    let data: Value =
        serde_json::from_str(&event.event.data).map_err(|err| ApiError::Internal(Box::new(err)))?;
    let empty = serde_json::Map::new();
    let data = data.as_object().unwrap_or(&empty);
    let view = EventView::new(data);
    let Some(rules) = rules else {
        let fallthrough = state.store.project_ownership(project.id).await?.fallthrough;
        return Ok(AppJson(EventOwners {
            owners: Vec::new(),
            rule: None,
            rules: Vec::new(),
            reason: None,
            fallthrough,
        }));
    };
    let mut matches = rules.rules.matches(&view);
    // The winner (the last match) first, as the rest of the answer reads it.
    matches.reverse();
    let mut owners: Vec<Actor> = Vec::new();
    for owner in matches.iter().flat_map(|m| &m.rule.rule.owners) {
        let actor =
            Actor { kind: owner.kind.clone(), id: owner.id.to_string(), name: owner.name.clone() };
        if !owners.contains(&actor) {
            owners.push(actor);
        }
    }
    let winner = matches.first();
    let owned = winner.is_some_and(|m| !m.rule.rule.owners.is_empty());
    Ok(AppJson(EventOwners {
        owners,
        rule: winner.map(|m| m.rule.rule.matcher.clone()),
        rules: matches.iter().map(|m| m.rule.rule.clone()).collect(),
        reason: winner.map(|m| OwnershipReason {
            kind: m.rule.source.to_owned(),
            rule: ownership::rule_text(&m.rule.rule),
            matched: m.matched.clone(),
        }),
        fallthrough: !owned && rules.fallthrough,
    }))
}
