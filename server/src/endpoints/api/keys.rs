//! Creating and deleting DSN keys (reading and updating them is in `organizations.rs`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{CreateKeyRequest, ProjectKey};
use serde_json::json;

use super::audit_log::{self, Entry};
use super::{org_access, Created};
use crate::auth::{self, Identity};
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{NewKey, Store};

/// `POST /api/0/projects/{org}/{project}/keys/`: a new DSN key (`{name}`).
pub async fn create_key<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    AppJson(request): AppJson<CreateKeyRequest>,
) -> ApiResult<Created<ProjectKey>> {
    let access = org_access(&state, &identity, &org, "project:write").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let label = request.name.as_deref().map(str::trim).unwrap_or("Default").to_owned();
    if label.is_empty() || label.chars().count() > 64 {
        return Err(ApiError::BadRequest("name: 1 to 64 characters.".into()));
    }
    let key = state
        .store
        .create_key(&NewKey {
            project_id: project.id,
            label,
            public_key: auth::random_hex(16),
            secret_key: auth::random_hex(16),
        })
        .await?;
    // A key refused while it did not exist may be cached as unknown: forget that.
    state.ingest.forget_key(&key.public_key);
    let note = format!("created the key {:?} of project {}", key.label, project.slug);
    let entry = Entry::new(access.organization.id, "projectkey.create", note)
        .target(key.id)
        .data(json!({"project": project.slug, "label": key.label, "public_key": key.public_key}));
    audit_log::record(&state, &identity, entry).await;
    Ok((StatusCode::CREATED, AppJson(serialize::key(&key, &state.config))))
}

/// `DELETE /api/0/projects/{org}/{project}/keys/{key_id}/`: the key stops working at once on
/// this node (the ingest cache forgets it), within the cache's lifetime on others.
pub async fn delete_key<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, key_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access(&state, &identity, &org, "project:write").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let keys = state.store.project_keys(project.id).await?;
    let key = keys.into_iter().find(|k| k.public_key == key_id).ok_or(ApiError::NotFound)?;
    state.store.delete_key(key.id).await?;
    state.ingest.forget_key(&key.public_key);
    let note = format!("removed the key {:?} of project {}", key.label, project.slug);
    let entry = Entry::new(access.organization.id, "projectkey.remove", note)
        .target(key.id)
        .data(json!({"project": project.slug, "label": key.label, "public_key": key.public_key}));
    audit_log::record(&state, &identity, entry).await;
    Ok(StatusCode::NO_CONTENT)
}
