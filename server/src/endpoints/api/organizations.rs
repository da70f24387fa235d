//! Organizations, teams, projects and DSN keys.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{
    CreateProjectRequest, FilterState, KeyRateLimit, Organization, Project, ProjectDetails,
    ProjectFilter, ProjectKey, ProjectOptions, Team, UpdateFilterRequest, UpdateKeyRequest,
    UpdateOrganizationRequest, UpdateProjectRequest,
};
use serde_json::json;

use super::audit_log::{self, Entry};
use super::{org_access, org_access_any, Created};
use crate::auth::{self, Identity};
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::highlights::Highlights;
use crate::ingest::filters::{FilterSettings, IpRule, SWITCHES};
use crate::ingest::grouping::GroupingConfig;
use crate::ingest::scrub::ScrubSettings;
use crate::serialize;
use crate::state::AppState;
use crate::store::{
    NewProject, ProjectIngestSettings, ProjectKeyRow, ProjectRow, Store, StoreError, TeamRow,
};

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

/// `PUT /api/0/organizations/{org}/`: Sentry's "Update an Organization", for its `name`,
/// `slug`, `require2FA` and `allowSharedIssues`; `org:write`. Requiring two-factor authentication takes a caller
/// who has it (as Sentry's check: nobody locks the organization with a door they cannot pass).
pub async fn update_organization<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<UpdateOrganizationRequest>,
) -> ApiResult<AppJson<Organization>> {
    let access = org_access(&state, &identity, &org, "org:write").await?;
    let mut organization = access.organization.clone();
    let before = serialize::organization(&organization);
    if let Some(name) = request.name.as_deref().map(str::trim) {
        if name.is_empty() || name.chars().count() > 64 {
            return Err(ApiError::invalid("name", "An organization name of 1 to 64 characters."));
        }
        name.clone_into(&mut organization.name);
    }
    if let Some(slug) = request.slug.as_deref() {
        organization.slug = validate_slug(slug.trim())?;
    }
    if let Some(required) = request.require_2fa {
        if required && !organization.require_2fa {
            match state.store.authenticator(identity.user.id).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(ApiError::invalid(
                        "require2FA",
                        "Cannot require two-factor authentication without personal two-factor \
                         enabled.",
                    ))
                }
                Err(err) => return Err(err.into()),
            }
        }
        organization.require_2fa = required;
    }
    if let Some(allowed) = request.allow_shared_issues {
        organization.allow_shared_issues = allowed;
    }
    state.store.update_organization(&organization).await.map_err(|err| match err {
        StoreError::Conflict(_) => ApiError::Conflict(format!(
            "Another organization is already using the slug {:?}.",
            organization.slug
        )),
        other => other.into(),
    })?;
    let after = serialize::organization(&organization);
    let entry =
        Entry::new(organization.id, "org.edit", format!("edited the organization {}", after.slug))
            .target(organization.id)
            .data(json!({"before": before, "after": after}));
    audit_log::record(&state, &identity, entry).await;
    Ok(AppJson(after))
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
    let note = format!("created project {} for team #{}", project.slug, team.slug);
    let entry = Entry::new(access.organization.id, "project.create", note)
        .target(project.id)
        .data(json!({"slug": project.slug, "name": project.name, "team": team.slug}));
    audit_log::record(&state, &identity, entry).await;
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

/// `GET /api/0/projects/{org}/{project}/`: the project (by slug, or by id as Sentry's
/// `project_id_or_slug`) with its data-scrubbing settings.
pub async fn get_project<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
) -> ApiResult<AppJson<ProjectDetails>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let project = serde_json::Value::String(project);
    let project = super::project_by_slug_or_id(&state, access.organization.id, &project).await?;
    let settings = state.store.project_ingest_settings(project.id).await?;
    Ok(AppJson(project_details(&project, &access.organization, &settings)))
}

/// `POST /api/0/projects/{org}/{project}/teams/{team}/` (Sentry's "Add a Team to a Project"):
/// gives the project to the team; `201` with the project. A Cairn project has one team, the
/// one its new issues fall through to when no ownership rule names an owner: the team replaces
/// the one it had.
pub async fn add_project_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, team)): Path<(String, String, String)>,
) -> ApiResult<(StatusCode, AppJson<Project>)> {
    let (access, project, team) =
        project_and_team(&state, &identity, &org, &project, &team).await?;
    state.store.set_project_team(project.id, Some(team.id)).await?;
    let note = format!("gave project {} to team #{}", project.slug, team.slug);
    let entry = Entry::new(access.organization.id, "project.add-team", note)
        .target(project.id)
        .data(json!({"project": project.slug, "team": team.slug}));
    audit_log::record(&state, &identity, entry).await;
    project_answer(&state, &access, &project.slug, StatusCode::CREATED).await
}

/// `DELETE /api/0/projects/{org}/{project}/teams/{team}/` (Sentry's "Delete a Team from a
/// Project"): the project is left without a team when it was this team's; `200` with the
/// project.
pub async fn remove_project_team<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, team)): Path<(String, String, String)>,
) -> ApiResult<(StatusCode, AppJson<Project>)> {
    let (access, project, team) =
        project_and_team(&state, &identity, &org, &project, &team).await?;
    if project.team.as_ref().is_some_and(|t| t.id == team.id) {
        state.store.set_project_team(project.id, None).await?;
        let note = format!("took project {} from team #{}", project.slug, team.slug);
        let entry = Entry::new(access.organization.id, "project.remove-team", note)
            .target(project.id)
            .data(json!({"project": project.slug, "team": team.slug}));
        audit_log::record(&state, &identity, entry).await;
    }
    project_answer(&state, &access, &project.slug, StatusCode::OK).await
}

/// The project and the team a change of the project's team names, once the caller may change
/// it (Sentry's `project:write` or `project:admin`).
async fn project_and_team<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: &str,
    team: &str,
) -> ApiResult<(super::OrgAccess, ProjectRow, TeamRow)> {
    let access = org_access_any(state, identity, org, &["project:write", "project:admin"]).await?;
    let project = state.store.project_by_slug(access.organization.id, project).await?;
    let team = state.store.team_by_slug(access.organization.id, team).await?;
    Ok((access, project, team))
}

/// The project as it is now, after a change of its team; the ingest cache forgets it, as
/// ownership falls through to the team.
async fn project_answer<S: Store>(
    state: &AppState<S>,
    access: &super::OrgAccess,
    slug: &str,
    status: StatusCode,
) -> ApiResult<(StatusCode, AppJson<Project>)> {
    let project = state.store.project_by_slug(access.organization.id, slug).await?;
    state.ingest.forget_project(project.id);
    Ok((status, AppJson(serialize::project(&project, &access.organization))))
}

/// `DELETE /api/0/projects/{org}/{project}/`: deletes the project with its keys, issues,
/// events and release health (Sentry's `project:admin` scope); `204`. Its releases stay, as
/// they belong to the organization. Sentry schedules the deletion and answers at once; Cairn
/// answers once it is done, a chunk per transaction so that ingestion goes on meanwhile.
pub async fn delete_project<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access(&state, &identity, &org, "project:admin").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let keys = state.store.delete_project(project.id).await?;
    // This node refuses the keys at once (another within the cache's lifetime, as for a
    // disabled key).
    for key in &keys {
        state.ingest.forget_key(key);
    }
    state.ingest.forget_project(project.id);
    let entry = Entry::new(
        access.organization.id,
        "project.remove",
        format!("removed project {}", project.slug),
    )
    .target(project.id)
    .data(json!({"slug": project.slug, "name": project.name}));
    audit_log::record(&state, &identity, entry).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The names of the fields a `PUT` of a project sets, for the audit log.
fn fields_set(request: &UpdateProjectRequest) -> Vec<String> {
    match serde_json::to_value(request) {
        Ok(serde_json::Value::Object(fields)) => {
            fields.into_iter().filter(|(_, value)| !value.is_null()).map(|(key, _)| key).collect()
        }
        _ => Vec::new(),
    }
}

/// `PUT /api/0/projects/{org}/{project}/`: changes the name and slug, the data-scrubbing
/// settings, allowed domains, grouping rules and rate limit (Sentry's field names); fields left
/// out keep their value.
pub async fn update_project<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    AppJson(request): AppJson<UpdateProjectRequest>,
) -> ApiResult<AppJson<ProjectDetails>> {
    let access = org_access(&state, &identity, &org, "project:write").await?;
    let mut project = state.store.project_by_slug(access.organization.id, &project).await?;
    let changed = fields_set(&request);
    if request.name.is_some() || request.slug.is_some() || request.platform.is_some() {
        let name = match request.name.as_deref().map(str::trim) {
            // As when it was created.
            Some(name) if name.is_empty() || name.chars().count() > 50 => {
                return Err(ApiError::BadRequest(
                    "name: a project name of 1 to 50 characters is required.".into(),
                ))
            }
            Some(name) => name.to_owned(),
            None => project.name.clone(),
        };
        let slug = match request.slug.as_deref() {
            Some(slug) => validate_slug(slug.trim())?,
            None => project.slug.clone(),
        };
        let platform = match request.platform.as_deref().map(str::trim) {
            Some("") => None,
            Some(p)
                if p.len() > 64
                    || !p
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                return Err(ApiError::BadRequest(
                    "platform: a platform id such as python or javascript.".into(),
                ))
            }
            Some(p) => Some(p.to_owned()),
            None => project.platform.clone(),
        };
        let update = state.store.update_project(project.id, &slug, &name, platform.as_deref());
        update.await.map_err(|err| match err {
            StoreError::Conflict(_) => {
                ApiError::Conflict(format!("Another project is already using the slug {slug:?}."))
            }
            other => other.into(),
        })?;
        (project.slug, project.name, project.platform) = (slug, name, platform);
    }
    let mut settings = state.store.project_ingest_settings(project.id).await?;
    let mut scrub = ScrubSettings::from_stored(settings.scrub_settings.as_deref());
    if let Some(on) = request.data_scrubber {
        scrub.scrub_data = on;
    }
    if let Some(on) = request.data_scrubber_defaults {
        scrub.scrub_defaults = on;
    }
    if let Some(on) = request.scrub_ip_addresses {
        scrub.scrub_ip_addresses = on;
    }
    if let Some(fields) = request.sensitive_fields {
        scrub.sensitive_fields = clean_list(fields, "sensitiveFields")?;
    }
    if let Some(fields) = request.safe_fields {
        scrub.safe_fields = clean_list(fields, "safeFields")?;
    }
    if let Some(domains) = request.allowed_domains {
        let domains = clean_list(domains, "allowedDomains")?;
        // Sentry's default, `*`, and an empty list both mean "any origin".
        settings.allowed_origins =
            (!domains.is_empty() && !domains.iter().any(|d| d == "*")).then(|| domains.join("\n"));
    }
    if let Some(limit) = request.rate_limit {
        settings.rate_limit = valid_rate_limit(limit)?;
    }
    if let Some(on) = request.new_issue_alerts {
        settings.alert_new_issues = on;
    }
    if let Some(options) = request.options {
        let mut filters = FilterSettings::from_stored(settings.inbound_filters.as_deref());
        if let Some(patterns) = options.error_messages {
            filters.error_messages = clean_patterns(&patterns, "filters:error_messages")?;
        }
        if let Some(patterns) = options.releases {
            filters.releases = clean_patterns(&patterns, "filters:releases")?;
        }
        if let Some(addresses) = options.blacklisted_ips {
            let addresses = clean_patterns(&addresses, "filters:blacklisted_ips")?;
            if let Some(bad) = addresses.lines().find(|line| IpRule::parse(line).is_none()) {
                return Err(ApiError::BadRequest(format!(
                    "filters:blacklisted_ips: {bad:?} is not an IP address or a network such as \
                     10.0.0.0/8."
                )));
            }
            filters.blacklisted_ips = addresses;
        }
        settings.inbound_filters =
            Some(serde_json::to_string(&filters).map_err(|err| ApiError::Internal(Box::new(err)))?);
    }
    if request.highlight_tags.is_some() || request.highlight_context.is_some() {
        let preset = crate::highlights::preset(project.platform.as_deref());
        let mut highlights = Highlights::from_stored(settings.highlights.as_deref())
            .unwrap_or(Highlights { tags: preset.tags, context: preset.context });
        if let Some(tags) = request.highlight_tags {
            highlights.tags = clean_list(tags, "highlightTags")?;
        }
        if let Some(context) = request.highlight_context {
            if context.len() > 100 {
                return Err(ApiError::BadRequest("highlightContext: at most 100 contexts.".into()));
            }
            highlights.context = context
                .into_iter()
                .map(|(name, fields)| {
                    let name = name.trim().to_owned();
                    if name.is_empty() || name.len() > 200 {
                        return Err(ApiError::BadRequest(
                            "highlightContext: a context's name is 1 to 200 characters.".into(),
                        ));
                    }
                    Ok((name, clean_list(fields, "highlightContext")?))
                })
                .collect::<ApiResult<_>>()?;
        }
        settings.highlights = Some(
            serde_json::to_string(&highlights).map_err(|err| ApiError::Internal(Box::new(err)))?,
        );
    }
    if request.fingerprinting_rules.is_some() || request.grouping_enhancements.is_some() {
        let fingerprinting = request.fingerprinting_rules.or(settings.fingerprinting_rules.take());
        let enhancements = request.grouping_enhancements.or(settings.grouping_enhancements.take());
        GroupingConfig::parse(
            fingerprinting.as_deref().unwrap_or_default(),
            enhancements.as_deref().unwrap_or_default(),
        )
        .map_err(|err| ApiError::BadRequest(err.to_string()))?;
        settings.fingerprinting_rules = fingerprinting.filter(|rules| !rules.trim().is_empty());
        settings.grouping_enhancements = enhancements.filter(|rules| !rules.trim().is_empty());
    }
    settings.scrub_settings =
        Some(serde_json::to_string(&scrub).map_err(|err| ApiError::Internal(Box::new(err)))?);
    state.store.set_project_ingest_settings(project.id, &settings).await?;
    state.ingest.forget_project(project.id);
    let note = format!("edited project {} ({})", project.slug, changed.join(", "));
    let entry = Entry::new(access.organization.id, "project.edit", note)
        .target(project.id)
        .data(json!({"slug": project.slug, "fields": changed}));
    audit_log::record(&state, &identity, entry).await;
    Ok(AppJson(project_details(&project, &access.organization, &settings)))
}

/// Trims the entries of a settings list and drops empty ones; refuses absurd lists.
fn clean_list(list: Vec<String>, field: &str) -> ApiResult<Vec<String>> {
    let list: Vec<String> =
        list.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if list.len() > 500 || list.iter().any(|s| s.len() > 200) {
        return Err(ApiError::BadRequest(format!(
            "{field}: at most 500 entries of at most 200 characters each."
        )));
    }
    Ok(list)
}

/// A list of glob patterns, one per line, trimmed and without blank lines.
fn clean_patterns(patterns: &str, field: &str) -> ApiResult<String> {
    let lines = clean_list(patterns.lines().map(str::to_owned).collect(), field)?;
    Ok(lines.join("\n"))
}

fn project_details(
    project: &ProjectRow,
    organization: &crate::store::OrganizationRow,
    settings: &ProjectIngestSettings,
) -> ProjectDetails {
    let scrub = ScrubSettings::from_stored(settings.scrub_settings.as_deref());
    let allowed_domains = match settings.allowed_origins.as_deref() {
        Some(lines) => lines.lines().map(str::to_owned).collect(),
        None => vec!["*".to_owned()],
    };
    let preset = crate::highlights::preset(project.platform.as_deref());
    let highlights = Highlights::from_stored(settings.highlights.as_deref()).unwrap_or_else(|| {
        Highlights { tags: preset.tags.clone(), context: preset.context.clone() }
    });
    ProjectDetails {
        highlight_tags: highlights.tags,
        highlight_context: highlights.context,
        highlight_preset: preset,
        project: serialize::project(project, organization),
        data_scrubber: scrub.scrub_data,
        data_scrubber_defaults: scrub.scrub_defaults,
        scrub_ip_addresses: scrub.scrub_ip_addresses,
        sensitive_fields: scrub.sensitive_fields,
        safe_fields: scrub.safe_fields,
        allowed_domains,
        fingerprinting_rules: settings.fingerprinting_rules.clone().unwrap_or_default(),
        grouping_enhancements: settings.grouping_enhancements.clone().unwrap_or_default(),
        rate_limit: settings.rate_limit.map(|(count, window)| KeyRateLimit { count, window }),
        new_issue_alerts: settings.alert_new_issues,
        options: {
            let filters = FilterSettings::from_stored(settings.inbound_filters.as_deref());
            ProjectOptions {
                error_messages: filters.error_messages,
                releases: filters.releases,
                blacklisted_ips: filters.blacklisted_ips,
            }
        },
    }
}

/// `GET /api/0/projects/{org}/{project}/filters/`: the inbound filters Cairn has, on or off.
pub async fn list_filters<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<ProjectFilter>>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let settings = state.store.project_ingest_settings(project.id).await?;
    let filters = FilterSettings::from_stored(settings.inbound_filters.as_deref());
    let list = SWITCHES
        .iter()
        .map(|(id, name, description)| ProjectFilter {
            id: (*id).to_owned(),
            active: filters.state(id).unwrap_or(FilterState::Switch(false)),
            name: (*name).to_owned(),
            description: (*description).to_owned(),
        })
        .collect();
    Ok(AppJson(list))
}

/// `PUT /api/0/projects/{org}/{project}/filters/{filter_id}/` (`{"active": true}`, or for
/// `legacy-browsers` `{"subfilters": ["ie11", ...]}`): `204`; this node applies it to the next
/// event.
pub async fn update_filter<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, filter_id)): Path<(String, String, String)>,
    AppJson(request): AppJson<UpdateFilterRequest>,
) -> ApiResult<StatusCode> {
    let access = org_access(&state, &identity, &org, "project:write").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let mut settings = state.store.project_ingest_settings(project.id).await?;
    let mut filters = FilterSettings::from_stored(settings.inbound_filters.as_deref());
    filters.state(&filter_id).ok_or(ApiError::NotFound)?;
    match (request.active, &request.subfilters) {
        (_, Some(subfilters)) if filter_id == "legacy-browsers" => {
            filters.set_legacy_browsers(subfilters).map_err(|unknown| {
                ApiError::BadRequest(format!("\"{unknown}\" is not a valid choice."))
            })?;
        }
        (Some(active), _) => {
            filters.set(&filter_id, active);
        }
        _ => return Err(ApiError::BadRequest("Give \"active\" (true or false).".into())),
    }
    settings.inbound_filters =
        Some(serde_json::to_string(&filters).map_err(|err| ApiError::Internal(Box::new(err)))?);
    state.store.set_project_ingest_settings(project.id, &settings).await?;
    state.ingest.forget_project(project.id);
    let note = format!("changed the inbound filter {filter_id} of project {}", project.slug);
    let entry = Entry::new(access.organization.id, "project.edit", note)
        .target(project.id)
        .data(json!({"slug": project.slug, "filter": filter_id, "change": request}));
    audit_log::record(&state, &identity, entry).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The key `key_id` (its public part, as in Sentry) of a project the caller may see.
async fn find_key<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    (org, project, key_id): (&str, &str, &str),
    scope: &str,
) -> ApiResult<(super::OrgAccess, ProjectRow, ProjectKeyRow)> {
    let access = org_access(state, identity, org, scope).await?;
    let project = state.store.project_by_slug(access.organization.id, project).await?;
    let keys = state.store.project_keys(project.id).await?;
    let key = keys.into_iter().find(|k| k.public_key == key_id).ok_or(ApiError::NotFound)?;
    Ok((access, project, key))
}

/// `GET /api/0/projects/{org}/{project}/keys/{key_id}/`.
pub async fn get_key<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, key_id)): Path<(String, String, String)>,
) -> ApiResult<AppJson<ProjectKey>> {
    let (_, _, key) =
        find_key(&state, &identity, (&org, &project, &key_id), "project:read").await?;
    Ok(AppJson(serialize::key(&key, &state.config)))
}

/// `PUT /api/0/projects/{org}/{project}/keys/{key_id}/`: renames, enables or disables a key and
/// sets or clears its rate limit (`"rateLimit": {"count": 100, "window": 60}` or `null`).
pub async fn update_key<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, key_id)): Path<(String, String, String)>,
    AppJson(request): AppJson<UpdateKeyRequest>,
) -> ApiResult<AppJson<ProjectKey>> {
    let (access, project, mut key) =
        find_key(&state, &identity, (&org, &project, &key_id), "project:write").await?;
    if let Some(name) = request.name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(ApiError::BadRequest("name: 1 to 64 characters.".into()));
        }
        name.clone_into(&mut key.label);
    }
    if let Some(active) = request.is_active {
        key.is_active = active;
    }
    if let Some(limit) = request.rate_limit {
        key.rate_limit = valid_rate_limit(limit)?;
    }
    state.store.update_key(&key).await?;
    state.ingest.forget_key(&key.public_key);
    let note = format!("edited the key {:?} of project {}", key.label, project.slug);
    let entry = Entry::new(access.organization.id, "projectkey.edit", note)
        .target(key.id)
        .data(json!({"project": project.slug, "label": key.label, "public_key": key.public_key,
                     "is_active": key.is_active, "rate_limit": key.rate_limit}));
    audit_log::record(&state, &identity, entry).await;
    Ok(AppJson(serialize::key(&key, &state.config)))
}

/// A rate limit as stored: `(count, window seconds)`, checked.
fn valid_rate_limit(limit: Option<KeyRateLimit>) -> ApiResult<Option<(i64, i64)>> {
    match limit {
        Some(KeyRateLimit { count, window }) if count >= 0 && (1..=86_400).contains(&window) => {
            Ok(Some((count, window)))
        }
        Some(_) => Err(ApiError::BadRequest(
            "rateLimit: count must be 0 or more and window 1 to 86400 seconds.".into(),
        )),
        None => Ok(None),
    }
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

pub(super) fn validate_slug(slug: &str) -> ApiResult<String> {
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
