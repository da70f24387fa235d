//! Sentry-compatible ingestion: `/api/{project_id}/envelope/` and `/api/{project_id}/store/`.
//!
//! The way of a request: authenticate (headers, query, or the envelope's `dsn`), decompress
//! with a hard cap on the decompressed size, frame the envelope, normalize and group each
//! event, and store the whole batch in one transaction. Only then is `200` answered, so an
//! acknowledged event is on disk.

mod auth;
mod body;
pub mod error;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use tower_http::cors::{Any, CorsLayer};

use self::auth::SentryAuth;
use self::error::IngestError;
use crate::ingest::envelope::{self, ItemType};
use crate::ingest::event::{self, EventContext};
use crate::state::AppState;
use crate::store::{NewEvent, Store, StoreError};
use crate::util::now_ms;

/// Largest request body accepted on the wire (compressed).
const MAX_REQUEST_SIZE: usize = 40 * 1024 * 1024;
/// Largest envelope after decompression (Relay: `max_envelope_size`).
const MAX_ENVELOPE_SIZE: usize = 200 * 1024 * 1024;
/// Largest event or transaction item (Relay: `max_event_size`).
const MAX_EVENT_SIZE: usize = 1024 * 1024;

/// The ingest routes, with Relay's CORS policy so browser SDKs can post from any page.
pub fn router<S: Store>() -> Router<AppState<S>> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST])
        .allow_headers(
            [
                "x-sentry-auth",
                "x-requested-with",
                "x-forwarded-for",
                "origin",
                "referer",
                "accept",
                "content-type",
                "authentication",
                "authorization",
                "content-encoding",
                "transfer-encoding",
            ]
            .map(header::HeaderName::from_static),
        )
        .expose_headers(
            ["x-sentry-error", "x-sentry-rate-limits", "retry-after"]
                .map(header::HeaderName::from_static),
        )
        .max_age(std::time::Duration::from_secs(3600));
    Router::new()
        .route("/api/{project_id}/envelope", post(post_envelope::<S>))
        .route("/api/{project_id}/store", post(post_store::<S>))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .layer(cors)
}

/// The success answer: the id of the event the request carried, if any.
#[derive(Debug, Serialize)]
struct StoreResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

/// `POST /api/{project_id}/envelope/`.
async fn post_envelope<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StoreResponse>, IngestError> {
    let project_id = parse_project_id(&project_id)?;
    let request_auth = auth::from_request(&headers, query.as_deref())?;
    let body = body::decode(&headers, body, MAX_ENVELOPE_SIZE)?;
    if body.is_empty() {
        return Err(IngestError::EmptyBody);
    }
    let auth = match request_auth {
        Some(auth) => auth,
        None => auth_from_envelope_dsn(&body, project_id)?,
    };
    check_key(&state, &auth, project_id).await?;
    ingest_envelope(&state, project_id, &body).await
}

/// `POST /api/{project_id}/store/`: one event as JSON, or an envelope when the content type
/// says so.
async fn post_store<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StoreResponse>, IngestError> {
    let project_id = parse_project_id(&project_id)?;
    let auth = auth::from_request(&headers, query.as_deref())?.ok_or(IngestError::MissingAuth)?;
    let is_envelope = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-sentry-envelope"));
    let limit = if is_envelope { MAX_ENVELOPE_SIZE } else { MAX_EVENT_SIZE };
    let body = body::decode(&headers, body, limit)?;
    if body.is_empty() {
        return Err(IngestError::EmptyBody);
    }
    check_key(&state, &auth, project_id).await?;
    if is_envelope {
        return ingest_envelope(&state, project_id, &body).await;
    }
    let ctx = EventContext { project_id, received_ms: now_ms(), envelope_event_id: None };
    let event = event::process(&body, &ctx)?;
    let id = event.event_id.clone();
    store(&state, vec![event]).await?;
    Ok(Json(StoreResponse { id: Some(id) }))
}

fn parse_project_id(raw: &str) -> Result<i64, IngestError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(IngestError::BadProjectPath)
}

/// A tunnelled envelope authenticates with the `dsn` in its first line; the DSN must name the
/// project of the URL.
fn auth_from_envelope_dsn(body: &[u8], project_id: i64) -> Result<SentryAuth, IngestError> {
    let headers = envelope::parse_headers_only(body).map_err(|_| IngestError::BadEnvelopeAuth)?;
    let dsn =
        headers.get("dsn").and_then(serde_json::Value::as_str).ok_or(IngestError::MissingAuth)?;
    let (auth, dsn_project) = auth::from_dsn(dsn)?;
    if dsn_project != project_id.to_string() {
        return Err(IngestError::Rejected("ProjectId"));
    }
    Ok(auth)
}

/// The key must exist, be active and belong to the project of the URL.
async fn check_key<S: Store>(
    state: &AppState<S>,
    auth: &SentryAuth,
    project_id: i64,
) -> Result<(), IngestError> {
    match state.store.key_by_public(&auth.public_key).await {
        Ok(key) if key.project_id == project_id && key.is_active => Ok(()),
        Ok(key) if !key.is_active => Err(IngestError::Rejected("DisabledKey")),
        Ok(_) | Err(StoreError::NotFound) => Err(IngestError::Rejected("ProjectId")),
        Err(err) => Err(IngestError::Unavailable(err)),
    }
}

/// Frames the envelope and stores its events. Items that are not events are accepted and, for
/// now, not kept; an event item whose JSON is broken is dropped (Relay answers 200 and discards
/// it later too).
async fn ingest_envelope<S: Store>(
    state: &AppState<S>,
    project_id: i64,
    body: &[u8],
) -> Result<Json<StoreResponse>, IngestError> {
    let envelope = envelope::parse(body).map_err(IngestError::InvalidEnvelope)?;
    let received_ms = now_ms();
    let mut events: Vec<NewEvent> = Vec::new();
    for item in &envelope.items {
        if item.ty != ItemType::Event {
            continue;
        }
        if item.payload.len() > MAX_EVENT_SIZE {
            return Err(IngestError::ItemTooLarge("event"));
        }
        let ctx = EventContext { project_id, received_ms, envelope_event_id: envelope.event_id() };
        match event::process(item.payload, &ctx) {
            Ok(event) => events.push(event),
            Err(err) => tracing::debug!(%err, "dropping an invalid event item"),
        }
    }
    let id = events.first().map(|e| e.event_id.clone()).or_else(|| {
        envelope
            .event_id()
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
            .map(|u| u.simple().to_string())
    });
    if !events.is_empty() {
        store(state, events).await?;
    }
    Ok(Json(StoreResponse { id }))
}

async fn store<S: Store>(state: &AppState<S>, events: Vec<NewEvent>) -> Result<(), IngestError> {
    state.store.store_events(events).await.map(|_| ()).map_err(IngestError::Unavailable)
}
