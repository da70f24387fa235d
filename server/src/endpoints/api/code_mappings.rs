//! Code mappings and repositories' addresses (Sentry's *Code Mappings* settings and its
//! `stacktrace-link`): which repository file a stack frame is, so that frames and commits link
//! to the code host. Sentry learns a repository's address from its code-host integration;
//! Cairn has none, so the organization sets the address on the repository.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cairn_types::api::{
    BulkCodeMappingResult, BulkCodeMappingsRequest, BulkCodeMappingsResponse, CodeMapping,
    CodeMappingRequest, Repository, RepositoryRequest, StacktraceLink,
};
use cairn_types::source_links::{self, FramePath, Host};
use serde::Deserialize;
use serde_json::Value;

use super::{org_access_any, project_by_slug_or_id, Created, OrgAccess};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{CodeMappingRow, NewCodeMapping, Store, StoreError};
use crate::util::ms_to_datetime;

/// Who may read mappings and repositories: members, and CI tokens with `project:releases`.
const READ: &[&str] = &["org:read", "project:releases"];
/// Who may change them: admins and above (and tokens with `project:write`).
const WRITE: &[&str] = &["project:write"];
/// What a bulk upload takes: as for any change, `project:write` (Sentry asks for `org:ci`,
/// which Cairn does not have).
const BULK: &[&str] = WRITE;
/// Most pairs of roots one bulk upload may send (Sentry's limit).
const MAX_BULK: usize = 300;
/// Longest root, branch, name or address kept.
const MAX_TEXT: usize = 500;

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// A repository in Sentry's shape; its provider is the code host's kind once it has an
/// address (`integrations:github`, ...), Sentry's "unknown" otherwise.
pub(super) fn repository(row: &crate::store::RepositoryRow) -> Repository {
    let host = row.url.as_deref().map(|url| Host::of(row.provider.as_deref(), url));
    Repository {
        id: row.id.to_string(),
        name: row.name.clone(),
        url: row.url.clone(),
        provider: cairn_types::api::RepositoryProvider {
            id: host.map_or("unknown".into(), |h| format!("integrations:{}", h.id())),
            name: host.map_or("Unknown Provider", Host::name).into(),
        },
        status: "active".into(),
        date_created: ms_to_datetime(row.date_created),
        integration_id: None,
        external_slug: None,
    }
}

fn mapping(row: &CodeMappingRow) -> CodeMapping {
    CodeMapping {
        id: row.id.to_string(),
        project_id: row.project_id.to_string(),
        project_slug: row.project_slug.clone(),
        repo_id: row.repository.id.to_string(),
        repo_name: row.repository.name.clone(),
        repo_url: row.repository.url.clone(),
        repo_provider: row
            .repository
            .url
            .as_deref()
            .map(|url| Host::of(row.repository.provider.as_deref(), url).id().to_owned()),
        stack_root: row.stack_root.clone(),
        source_root: row.source_root.clone(),
        default_branch: row.default_branch.clone(),
        integration_id: None,
        automatically_generated: false,
        date_created: ms_to_datetime(row.date_created),
    }
}

/// A root or branch as kept: trimmed, bounded.
fn text_field(name: &str, value: &str, may_be_empty: bool) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() && !may_be_empty {
        return Err(bad(format!("{name}: required")));
    }
    if value.len() > MAX_TEXT || value.contains(['\n', '\r']) {
        return Err(bad(format!("{name}: one line of at most {MAX_TEXT} characters")));
    }
    Ok(value.to_owned())
}

fn branch(value: Option<&str>) -> ApiResult<String> {
    let branch = text_field("defaultBranch", value.unwrap_or("main"), true)?;
    Ok(if branch.is_empty() { "main".to_owned() } else { branch })
}

/// What a create or change asks for, checked against the organization.
async fn new_mapping<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    request: &CodeMappingRequest,
) -> ApiResult<NewCodeMapping> {
    let project =
        match project_by_slug_or_id(state, access.organization.id, &request.project_id).await {
            Err(ApiError::NotFound) => return Err(bad("projectId: no such project")),
            found => found?,
        };
    let repository_id = match &request.repository_id {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| bad("repositoryId: a repository's id"))?;
    match state.store.repository(access.organization.id, repository_id).await {
        Err(StoreError::NotFound) => return Err(bad("repositoryId: no such repository")),
        found => found?,
    };
    Ok(NewCodeMapping {
        project_id: project.id,
        repository_id,
        stack_root: text_field("stackRoot", &request.stack_root, true)?,
        source_root: text_field("sourceRoot", &request.source_root, true)?,
        default_branch: branch(request.default_branch.as_deref())?,
    })
}

/// The conflict of a pair of roots the project maps already, in words.
fn taken(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => ApiError::BadRequest(
            "This project already maps this stack root to this source root".into(),
        ),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize)]
pub struct MappingsQuery {
    /// A project's id or slug.
    project: Option<String>,
}

/// `GET /api/0/organizations/{org}/code-mappings/` (`?project=` one project's).
pub async fn list_code_mappings<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    Query(query): Query<MappingsQuery>,
) -> ApiResult<AppJson<Vec<CodeMapping>>> {
    let access = org_access_any(&state, &identity, &org, READ).await?;
    let project_id = match query.project.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(project) => {
            let value = Value::String(project.to_owned());
            Some(project_by_slug_or_id(&state, access.organization.id, &value).await?.id)
        }
        None => None,
    };
    let rows = state.store.code_mappings(access.organization.id, project_id).await?;
    Ok(AppJson(rows.iter().map(mapping).collect()))
}

/// `POST /api/0/organizations/{org}/code-mappings/`.
pub async fn create_code_mapping<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<CodeMappingRequest>,
) -> ApiResult<Created<CodeMapping>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let new = new_mapping(&state, &access, &request).await?;
    let row =
        state.store.save_code_mapping(access.organization.id, None, &new).await.map_err(taken)?;
    Ok((StatusCode::CREATED, AppJson(mapping(&row))))
}

/// `GET /api/0/organizations/{org}/code-mappings/{id}/`.
pub async fn get_code_mapping<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<AppJson<CodeMapping>> {
    let access = org_access_any(&state, &identity, &org, READ).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    Ok(AppJson(mapping(&state.store.code_mapping(access.organization.id, id).await?)))
}

/// `PUT /api/0/organizations/{org}/code-mappings/{id}/`.
pub async fn update_code_mapping<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
    AppJson(request): AppJson<CodeMappingRequest>,
) -> ApiResult<AppJson<CodeMapping>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    state.store.code_mapping(access.organization.id, id).await?;
    let new = new_mapping(&state, &access, &request).await?;
    let row = state
        .store
        .save_code_mapping(access.organization.id, Some(id), &new)
        .await
        .map_err(taken)?;
    Ok(AppJson(mapping(&row)))
}

/// `DELETE /api/0/organizations/{org}/code-mappings/{id}/`.
pub async fn delete_code_mapping<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    state.store.delete_code_mapping(access.organization.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/0/organizations/{org}/code-mappings/bulk/`: `sentry-cli code-mappings upload`.
/// Each pair of roots is created, or updated when the project maps it already; a bad pair is
/// reported in its row and the others are kept.
pub async fn bulk_code_mappings<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<BulkCodeMappingsRequest>,
) -> ApiResult<AppJson<BulkCodeMappingsResponse>> {
    let access = org_access_any(&state, &identity, &org, BULK).await?;
    if request.mappings.is_empty() || request.mappings.len() > MAX_BULK {
        return Err(bad(format!("mappings: between 1 and {MAX_BULK}")));
    }
    let project = project_by_slug_or_id(&state, access.organization.id, &request.project).await?;
    let name = text_field("repository", &request.repository, false)?;
    let repository = state.store.find_or_create_repository(access.organization.id, &name).await?;
    let default_branch = branch(request.default_branch.as_deref())?;
    let mut response = BulkCodeMappingsResponse {
        created: 0,
        updated: 0,
        errors: 0,
        mappings: Vec::with_capacity(request.mappings.len()),
    };
    for pair in &request.mappings {
        let roots = text_field("stackRoot", &pair.stack_root, false)
            .and_then(|stack| Ok((stack, text_field("sourceRoot", &pair.source_root, true)?)));
        let outcome = match roots {
            Ok((stack_root, source_root)) => {
                let new = NewCodeMapping {
                    project_id: project.id,
                    repository_id: repository.id,
                    stack_root,
                    source_root,
                    default_branch: default_branch.clone(),
                };
                match state.store.upsert_code_mapping(&new).await? {
                    true => Ok("created"),
                    false => Ok("updated"),
                }
            }
            Err(ApiError::BadRequest(detail)) => Err(detail),
            Err(other) => return Err(other),
        };
        let (status, detail) = match outcome {
            Ok(status) => (status, None),
            Err(detail) => ("error", Some(detail)),
        };
        match status {
            "created" => response.created += 1,
            "updated" => response.updated += 1,
            _ => response.errors += 1,
        }
        response.mappings.push(BulkCodeMappingResult {
            stack_root: pair.stack_root.clone(),
            source_root: pair.source_root.clone(),
            status: status.to_owned(),
            detail,
        });
    }
    Ok(AppJson(response))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StacktraceLinkQuery {
    /// The frame's `filename`.
    file: Option<String>,
    /// The frame's `abs_path`.
    abs_path: Option<String>,
    /// The frame's `module`.
    module: Option<String>,
    /// The frame's line.
    line_no: Option<u64>,
}

/// `GET /api/0/projects/{org}/{project}/stacktrace-link/?file=&absPath=&module=&lineNo=`:
/// where a frame's file is on the code host, by the project's code mappings.
pub async fn stacktrace_link<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    Query(query): Query<StacktraceLinkQuery>,
) -> ApiResult<AppJson<StacktraceLink>> {
    let access = org_access_any(&state, &identity, &org, READ).await?;
    let project =
        project_by_slug_or_id(&state, access.organization.id, &Value::String(project)).await?;
    if query.file.as_deref().is_none_or(str::is_empty) {
        return Err(bad("file: the frame's filename is required"));
    }
    let rows = state.store.code_mappings(access.organization.id, Some(project.id)).await?;
    let mappings: Vec<CodeMapping> = rows.iter().map(mapping).collect();
    let frame = FramePath {
        filename: query.file.as_deref(),
        abs_path: query.abs_path.as_deref(),
        module: query.module.as_deref(),
    };
    let found = source_links::find_mapping(&mappings, &frame);
    let source_url = found
        .as_ref()
        .and_then(|(mapping, file)| source_links::mapped_url(mapping, file, query.line_no))
        .map(|(url, _)| url);
    let error = match (&found, &source_url) {
        _ if mappings.is_empty() => Some("no_code_mappings_for_project"),
        (None, _) => Some("stack_root_mismatch"),
        (Some(_), None) => Some("missing_repository_url"),
        (Some(_), Some(_)) => None,
    };
    Ok(AppJson(StacktraceLink {
        config: found.map(|(mapping, _)| mapping.clone()),
        source_url,
        error: error.map(str::to_owned),
        integrations: Vec::new(),
    }))
}

/// A repository's address as kept: `http(s)://`, one line, without a trailing slash; `None`
/// for an empty one.
fn repository_url(url: &str) -> ApiResult<Option<String>> {
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() > MAX_TEXT || url.contains(char::is_whitespace) {
        return Err(bad("url: an http(s) address such as https://github.com/acme/shop"));
    }
    Ok(Some(url.to_owned()))
}

fn provider(value: Option<&str>) -> ApiResult<Option<&'static str>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) => Host::from_id(id)
            .map(|host| Some(host.id()))
            .ok_or_else(|| bad("provider: one of github, gitlab, bitbucket, gitea")),
    }
}

/// `POST /api/0/organizations/{org}/repos/`: adds a repository by name, with its address.
pub async fn create_repository<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<RepositoryRequest>,
) -> ApiResult<Created<Repository>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let name = text_field("name", request.name.as_deref().unwrap_or_default(), false)?;
    let url = repository_url(request.url.as_deref().unwrap_or_default())?;
    let provider = provider(request.provider.as_deref())?;
    let row = state
        .store
        .create_repository(access.organization.id, &name, url.as_deref(), provider)
        .await
        .map_err(|err| match err {
            StoreError::Conflict(_) => bad("A repository with this name already exists"),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, AppJson(repository(&row))))
}

/// `PUT /api/0/organizations/{org}/repos/{id}/`: sets a repository's address (an empty one
/// removes it), its host kind, or its name.
pub async fn update_repository<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
    AppJson(request): AppJson<RepositoryRequest>,
) -> ApiResult<AppJson<Repository>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let current = state.store.repository(access.organization.id, id).await?;
    let name = match request.name.as_deref() {
        Some(name) => Some(text_field("name", name, false)?),
        None => None,
    };
    let url = match request.url.as_deref() {
        Some(url) => repository_url(url)?,
        None => current.url,
    };
    let provider = match request.provider.as_deref() {
        Some(value) => provider(Some(value))?.map(str::to_owned),
        None => current.provider,
    };
    let row = state
        .store
        .update_repository(
            access.organization.id,
            id,
            name.as_deref(),
            url.as_deref(),
            provider.as_deref(),
        )
        .await
        .map_err(|err| match err {
            StoreError::Conflict(_) => bad("A repository with this name already exists"),
            other => other.into(),
        })?;
    Ok(AppJson(repository(&row)))
}
