//! Source map uploads as `sentry-cli sourcemaps upload` makes them, Sentry's chunked upload:
//!
//! 1. `GET /api/0/organizations/{org}/chunk-upload/`: where and how to send chunks;
//! 2. `POST .../artifactbundle/assemble/` with the bundle's SHA-1 and its chunks' SHA-1s:
//!    which chunks the server lacks;
//! 3. `POST .../chunk-upload/`: those chunks (multipart, `file` or gzipped `file_gzip` parts
//!    named by their SHA-1);
//! 4. `POST .../artifactbundle/assemble/` again: the server joins the chunks, checks the
//!    bundle's SHA-1, reads its zip and manifest, and keeps its files for the projects named.
//!
//! Cairn assembles at once, so the second assemble answers `ok` (Sentry answers `created` and
//! assembles in the background; `sentry-cli` takes either). The project's bundles are listed
//! and deleted under `/api/0/projects/{org}/{project}/files/artifact-bundles/`.

use std::io::Read;

use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::StatusCode;
use cairn_types::api::{ArtifactBundle, ArtifactBundleAssociation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use super::org_access_any;
// Releases' scopes: a CI token with `project:releases` uploads source maps.
use super::releases::{DELETE_SCOPES, READ_SCOPES, WRITE_SCOPES};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::ingest::artifact_bundle;
use crate::state::AppState;
use crate::store::{ArtifactBundleRow, NewArtifactBundle, Store};
use crate::util::{ms_to_datetime, now_ms};

/// Sentry's chunk size: a bundle is sent in pieces of at most this.
pub const CHUNK_SIZE: usize = 8 * 1024 * 1024;
/// The most chunk bytes one request carries (before gzip); the route's body limit is this
/// plus room for the multipart framing.
pub const MAX_REQUEST_SIZE: usize = 32 * 1024 * 1024;
/// The most chunks one request carries.
const CHUNKS_PER_REQUEST: usize = 64;
/// The largest bundle Cairn assembles (it joins the chunks in memory).
const MAX_BUNDLE_SIZE: usize = 256 * 1024 * 1024;

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// `GET /api/0/organizations/{org}/chunk-upload/`: the upload's options, with Sentry's names.
pub async fn chunk_upload_options<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
) -> ApiResult<AppJson<Value>> {
    let access = org_access_any(&state, &identity, &org, READ_SCOPES).await?;
    Ok(AppJson(json!({
        "url": format!(
            "{}/api/0/organizations/{}/chunk-upload/",
            state.config.public_url.trim_end_matches('/'),
            access.organization.slug
        ),
        "chunkSize": CHUNK_SIZE,
        "chunksPerRequest": CHUNKS_PER_REQUEST,
        "maxFileSize": MAX_BUNDLE_SIZE,
        "maxRequestSize": MAX_REQUEST_SIZE,
        "concurrency": 2,
        "hashAlgorithm": "sha1",
        "compression": ["gzip"],
        // What Cairn takes: source maps. sentry-cli 2 reads this to choose artifact bundles.
        "accept": ["artifact_bundles", "artifact_bundles_v2"],
    })))
}

/// `POST /api/0/organizations/{org}/chunk-upload/`: chunks, each a multipart part named `file`
/// (or `file_gzip`, gzipped) whose file name is the SHA-1 of its bytes.
pub async fn upload_chunks<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    request: Request,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, WRITE_SCOPES).await?;
    // Read only once the caller may upload: a refused caller gets 403, whatever the body.
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|err| {
        bad(format!("a multipart body of chunks is required: {}", err.body_text()))
    })?;
    let mut chunks: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0usize;
    while let Some(field) =
        multipart.next_field().await.map_err(|err| bad(format!("invalid multipart body: {err}")))?
    {
        let gzipped = match field.name() {
            Some("file") => false,
            Some("file_gzip") => true,
            _ => continue,
        };
        let checksum = field.file_name().unwrap_or_default().to_ascii_lowercase();
        if !is_sha1(&checksum) {
            return Err(bad("each chunk's file name must be the SHA-1 of its bytes"));
        }
        let bytes =
            field.bytes().await.map_err(|err| bad(format!("invalid multipart body: {err}")))?;
        let data = if gzipped { gunzip(&bytes)? } else { bytes.to_vec() };
        if data.len() > CHUNK_SIZE {
            return Err(bad(format!("a chunk is larger than {CHUNK_SIZE} bytes")));
        }
        if hex::encode(Sha1::digest(&data)) != checksum {
            return Err(bad(format!("chunk {checksum}: its bytes have another SHA-1")));
        }
        total += data.len();
        if chunks.len() == CHUNKS_PER_REQUEST || total > MAX_REQUEST_SIZE {
            return Err(bad(format!(
                "at most {CHUNKS_PER_REQUEST} chunks and {MAX_REQUEST_SIZE} bytes per request"
            )));
        }
        chunks.push((checksum, data));
    }
    state.store.put_upload_chunks(access.organization.id, &chunks, now_ms()).await?;
    Ok(StatusCode::OK)
}

/// A gzipped chunk, read no further than a chunk may be long.
fn gunzip(bytes: &[u8]) -> ApiResult<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(CHUNK_SIZE as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| bad("a file_gzip chunk is not gzip"))?;
    Ok(out)
}

fn is_sha1(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The body of `POST .../artifactbundle/assemble/`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssembleRequest {
    /// SHA-1 of the whole bundle.
    checksum: String,
    /// SHA-1s of its chunks, in order.
    chunks: Vec<String>,
    /// Slugs (or ids) of the projects it is for.
    projects: Vec<String>,
    /// The release it belongs to, for lookups by URL.
    version: Option<String>,
    dist: Option<String>,
}

/// Sentry's answer to an assemble: `not_found` with the chunks to send, `ok`, or `error`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssembleResponse {
    state: &'static str,
    missing_chunks: Vec<String>,
    detail: Option<String>,
}

impl AssembleResponse {
    fn state(state: &'static str) -> Self {
        AssembleResponse { state, missing_chunks: Vec::new(), detail: None }
    }

    fn error(detail: impl Into<String>) -> Self {
        AssembleResponse { state: "error", missing_chunks: Vec::new(), detail: Some(detail.into()) }
    }
}

/// `POST /api/0/organizations/{org}/artifactbundle/assemble/`.
pub async fn assemble_artifact_bundle<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<AssembleRequest>,
) -> ApiResult<AppJson<AssembleResponse>> {
    let access = org_access_any(&state, &identity, &org, WRITE_SCOPES).await?;
    let organization_id = access.organization.id;
    let checksum = request.checksum.to_ascii_lowercase();
    let chunks: Vec<String> = request.chunks.iter().map(|c| c.to_ascii_lowercase()).collect();
    if !is_sha1(&checksum) || !chunks.iter().all(|c| is_sha1(c)) {
        return Err(bad("checksum and chunks: SHA-1s, 40 hexadecimal digits"));
    }
    if request.projects.is_empty() {
        return Err(bad("projects: this field is required"));
    }
    if request.dist.is_some() && request.version.is_none() {
        return Err(bad("dist: a dist needs a version"));
    }
    let projects = state.store.projects(organization_id).await?;
    let project_ids = request
        .projects
        .iter()
        .map(|wanted| {
            projects
                .iter()
                .find(|p| p.slug == *wanted || p.id.to_string() == *wanted)
                .map(|p| p.id)
                .ok_or_else(|| bad(format!("projects: invalid project {wanted:?}")))
        })
        .collect::<ApiResult<Vec<i64>>>()?;
    let mut bundle = NewArtifactBundle {
        organization_id,
        bundle_id: String::new(),
        checksum: checksum.clone(),
        release: request.version.filter(|v| !v.is_empty()),
        dist: request.dist.filter(|d| !d.is_empty()),
        project_ids,
        files: Vec::new(),
        chunks: chunks.clone(),
        date_added: now_ms(),
    };

    // The same upload again: it only adds its projects.
    if let Some(existing) =
        state.store.artifact_bundle_by_checksum(organization_id, &checksum).await?
    {
        bundle.bundle_id = existing.bundle_id;
        state.store.create_artifact_bundle(&bundle).await?;
        forget_projects(&state, &bundle.project_ids);
        return Ok(AppJson(AssembleResponse::state("ok")));
    }
    let missing = state.store.missing_upload_chunks(organization_id, &chunks).await?;
    if !missing.is_empty() || chunks.is_empty() {
        return Ok(AppJson(AssembleResponse {
            state: "not_found",
            missing_chunks: missing,
            detail: None,
        }));
    }
    if chunks.len() * CHUNK_SIZE > MAX_BUNDLE_SIZE + CHUNK_SIZE {
        return Ok(AppJson(AssembleResponse::error(format!(
            "the bundle is larger than {} MiB",
            MAX_BUNDLE_SIZE >> 20
        ))));
    }
    let stored = state.store.upload_chunks(organization_id, &chunks).await?;
    let mut bytes = Vec::new();
    for chunk in &chunks {
        match stored.get(chunk) {
            Some(data) => bytes.extend_from_slice(data),
            // Deleted since the look above (another assemble of the same chunks).
            None => {
                return Ok(AppJson(AssembleResponse {
                    state: "not_found",
                    missing_chunks: vec![chunk.clone()],
                    detail: None,
                }))
            }
        }
    }
    drop(stored);
    if hex::encode(Sha1::digest(&bytes)) != checksum {
        return Ok(AppJson(AssembleResponse::error(
            "the chunks do not make the bundle's checksum",
        )));
    }
    // Unzipping megabytes of maps: off the runtime's workers.
    let read = tokio::task::spawn_blocking(move || artifact_bundle::read(&bytes))
        .await
        .map_err(|err| ApiError::Internal(Box::new(err)))?;
    let read = match read {
        Ok(read) => read,
        Err(err) => return Ok(AppJson(AssembleResponse::error(err.to_string()))),
    };
    bundle.bundle_id = read.bundle_id;
    // The upload's own release and dist win; the manifest's are what sentry-cli wrote there.
    bundle.release = bundle.release.or(read.release);
    bundle.dist = bundle.dist.or(read.dist);
    bundle.files = read.files;
    state.store.create_artifact_bundle(&bundle).await?;
    forget_projects(&state, &bundle.project_ids);
    Ok(AppJson(AssembleResponse::state("ok")))
}

/// This node's ingestion reads the projects' new files at once (others within seconds).
fn forget_projects<S: Store>(state: &AppState<S>, project_ids: &[i64]) {
    for id in project_ids {
        state.ingest.forget_project(*id);
    }
}

fn artifact_bundle(row: &ArtifactBundleRow) -> ArtifactBundle {
    let date = ms_to_datetime(row.date_added);
    ArtifactBundle {
        bundle_id: row.bundle_id.clone(),
        associations: row
            .release
            .iter()
            .map(|release| ArtifactBundleAssociation {
                release: release.clone(),
                dist: row.dist.clone(),
            })
            .collect(),
        file_count: row.file_count,
        date,
        date_modified: date,
    }
}

/// `GET /api/0/projects/{org}/{project}/files/artifact-bundles/`: newest first.
pub async fn list_artifact_bundles<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<ArtifactBundle>>> {
    let access = org_access_any(&state, &identity, &org, READ_SCOPES).await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let rows = state.store.project_artifact_bundles(project.id).await?;
    Ok(AppJson(rows.iter().map(artifact_bundle).collect()))
}

/// `DELETE /api/0/projects/{org}/{project}/files/artifact-bundles/?bundleId=...`.
pub async fn delete_artifact_bundle<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, DELETE_SCOPES).await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let bundle_id = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "bundleId")
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| bad("bundleId: this parameter is required"))?;
    if !state.store.delete_artifact_bundle(project.id, &bundle_id).await? {
        return Err(ApiError::NotFound);
    }
    state.ingest.forget_project(project.id);
    Ok(StatusCode::NO_CONTENT)
}
