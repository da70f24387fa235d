//! Sentry-compatible ingestion: `/api/{project_id}/envelope/`, `/store/`, `/security/` and
//! `/minidump/`.
//!
//! The way of a request: authenticate (headers, query, or the envelope's `dsn`; Relay's order),
//! check the key, the origin and the rate limits, decompress with a hard cap on the
//! decompressed size, frame the envelope, normalize and group each event, and hand everything
//! to the store's writer (session updates become counts there), which commits it together with other requests (group commit). Only
//! then is `200` answered, so an acknowledged event is on disk.

mod auth;
mod body;
mod check_ins;
mod embed;
pub mod error;
mod minidump;
mod project;
mod security;
mod sourcemap_files;

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use tower_http::cors::{Any, CorsLayer};

pub use self::project::{Authorized, IngestState};
pub use crate::endpoints::client_ip::ClientIp;

use self::auth::SentryAuth;
use self::error::IngestError;
use crate::ingest::envelope::{self, ItemType};
use crate::ingest::event::{self, EventContext};
use crate::ingest::{session, transaction};
use crate::state::AppState;
use crate::store::{Arrival, IngestBatch, NewItem, Outcome, Store, StoreError};
use crate::util::now_ms;

/// Largest request body accepted on the wire (compressed).
const MAX_REQUEST_SIZE: usize = 40 * 1024 * 1024;
/// Largest envelope after decompression (Relay: `max_envelope_size`).
const MAX_ENVELOPE_SIZE: usize = 200 * 1024 * 1024;
/// Largest event or transaction item (Relay: `max_event_size`).
const MAX_EVENT_SIZE: usize = 1024 * 1024;
/// Largest attachment item (Relay: `max_attachment_size`).
const MAX_ATTACHMENT_SIZE: usize = 200 * 1024 * 1024;
/// Most attachments per envelope (Relay: `max_attachment_count`).
const MAX_ATTACHMENT_COUNT: usize = 30;
/// Most session items per envelope (Relay: `max_session_count`).
const MAX_SESSION_COUNT: usize = 100;
/// Client reports per envelope.
const MAX_CLIENT_REPORT_COUNT: usize = 100;
/// Largest session, check-in, user report or client report item.
const MAX_SMALL_ITEM_SIZE: usize = 100 * 1024;
/// Largest `sessions` aggregate item.
const MAX_SESSIONS_SIZE: usize = 10 * 1024 * 1024;

/// The ingest routes, with Relay's CORS policy so browser SDKs can post from any page.
pub fn router<S: Store>() -> Router<AppState<S>> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
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
        .route("/api/{project_id}/store", post(post_store::<S>).get(get_store::<S>))
        .route("/api/store", post(post_legacy_store::<S>).get(get_legacy_store::<S>))
        .route("/api/{project_id}/security", post(security::post_security::<S>))
        .route("/api/{project_id}/csp-report", post(security::post_security::<S>))
        .route("/api/{project_id}/minidump", post(minidump::post_minidump::<S>))
        .route(
            "/api/{project_id}/cron/{monitor_slug}/{sentry_key}",
            post(check_ins::post_check_in::<S>).get(check_ins::post_check_in::<S>),
        )
        .route(
            "/api/embed/error-page",
            axum::routing::get(embed::get_error_page::<S>).post(embed::post_error_page::<S>),
        )
        .layer(DefaultBodyLimit::max(MAX_REQUEST_SIZE))
        .layer(cors)
}

/// The success answer: the id of the event the request carried, if any.
#[derive(Debug, Serialize)]
pub struct StoreResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

/// The event a `user_report` (`event_id`) or a `feedback` item
/// (`contexts.feedback.associated_event_id`) is about, as 32 hex digits; `None` when it names
/// none (feedback sent on its own) or no UUID.
fn reported_event_id(payload: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Report<'a> {
        #[serde(borrow)]
        event_id: Option<Cow<'a, str>>,
        contexts: Option<Contexts<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Contexts<'a> {
        #[serde(borrow)]
        feedback: Option<Feedback<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Feedback<'a> {
        #[serde(borrow)]
        associated_event_id: Option<Cow<'a, str>>,
    }
    let report: Report<'_> = serde_json::from_slice(payload).ok()?;
    let id = match report.contexts.and_then(|c| c.feedback) {
        Some(feedback) => feedback.associated_event_id?,
        None => report.event_id?,
    };
    uuid::Uuid::parse_str(&id).ok().map(|id| id.simple().to_string())
}

/// `POST /api/{project_id}/envelope/`.
async fn post_envelope<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StoreResponse>, IngestError> {
    let arrival = state.store.announce_arrival();
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
    let authorized = authorize(&state, &auth, project_id, &headers, client_ip).await?;
    ingest_envelope(&state, &authorized, &body, arrival).await
}

/// `POST /api/{project_id}/store/`: one event as JSON, or an envelope when the content type
/// says so.
async fn post_store<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StoreResponse>, IngestError> {
    let arrival = state.store.announce_arrival();
    let project_id = parse_project_id(&project_id)?;
    let request =
        StoreRequest { project_id: Some(project_id), query, headers, client_ip, from_query: false };
    store_request(&state, request, body, arrival).await
}

/// `POST /api/store/`: the legacy route without a project id in the path, which the key
/// names (Relay still serves it for old SDKs).
async fn post_legacy_store<S: Store>(
    State(state): State<AppState<S>>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StoreResponse>, IngestError> {
    let arrival = state.store.announce_arrival();
    let request = StoreRequest { project_id: None, query, headers, client_ip, from_query: false };
    store_request(&state, request, body, arrival).await
}

/// A transparent 1×1 GIF: the answer to an event sent as an image request.
const PIXEL: &[u8] =
    b"GIF89a\x01\x00\x01\x00\x00\xff\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00;";

/// `GET /api/{project_id}/store/?sentry_data=...`: old browser SDKs (raven-js) sent an event
/// as an image request, the event's JSON in the query string with the credentials. Answered,
/// as Relay answers it, with a transparent pixel; errors as for `POST`.
async fn get_store<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    headers: HeaderMap,
) -> Result<impl IntoResponse, IngestError> {
    let arrival = state.store.announce_arrival();
    let project_id = parse_project_id(&project_id)?;
    let request =
        StoreRequest { project_id: Some(project_id), query, headers, client_ip, from_query: true };
    get_store_pixel(&state, request, arrival).await
}

/// `GET /api/store/?sentry_data=...`: the same without a project id in the path.
async fn get_legacy_store<S: Store>(
    State(state): State<AppState<S>>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    headers: HeaderMap,
) -> Result<impl IntoResponse, IngestError> {
    let arrival = state.store.announce_arrival();
    let request = StoreRequest { project_id: None, query, headers, client_ip, from_query: true };
    get_store_pixel(&state, request, arrival).await
}

async fn get_store_pixel<S: Store>(
    state: &AppState<S>,
    request: StoreRequest,
    arrival: Arrival,
) -> Result<impl IntoResponse, IngestError> {
    let data = form_urlencoded::parse(request.query.as_deref().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "sentry_data")
        .map(|(_, data)| Bytes::from(data.into_owned()))
        .unwrap_or_default();
    let _answer = store_request(state, request, data, arrival).await?;
    Ok(([(header::CONTENT_TYPE, "image/gif")], PIXEL))
}

/// What the `/store/` routes know of a request besides its event.
struct StoreRequest {
    /// From the path; `None` on the legacy routes, where the key names the project.
    project_id: Option<i64>,
    query: Option<String>,
    headers: HeaderMap,
    client_ip: ClientIp,
    /// The event came in the query string (`GET`), not as the body: no `Content-Encoding`
    /// applies to it and it is never an envelope.
    from_query: bool,
}

/// The `/store/` routes' way, after Relay's: credentials, the body decoded (`Content-Encoding`,
/// then the legacy base64 and zlib), the project from the path or the key, then the envelope
/// or the event.
async fn store_request<S: Store>(
    state: &AppState<S>,
    request: StoreRequest,
    body: Bytes,
    arrival: Arrival,
) -> Result<Json<StoreResponse>, IngestError> {
    let StoreRequest { project_id, query, headers, client_ip, from_query } = request;
    let auth = auth::from_request(&headers, query.as_deref())?.ok_or(IngestError::MissingAuth)?;
    let is_envelope = !from_query
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-sentry-envelope"));
    let body = if is_envelope {
        body::decode(&headers, body, MAX_ENVELOPE_SIZE)?
    } else if from_query {
        if body.len() > MAX_EVENT_SIZE {
            return Err(IngestError::PayloadTooLarge(MAX_EVENT_SIZE));
        }
        body::decode_legacy_event(body, MAX_EVENT_SIZE)?
    } else {
        let body = body::decode(&headers, body, MAX_EVENT_SIZE)?;
        body::decode_legacy_event(body, MAX_EVENT_SIZE)?
    };
    if body.is_empty() {
        return Err(IngestError::EmptyBody);
    }
    let project_id = match project_id {
        Some(id) => id,
        None => state.ingest.project_of_key(&state.store, &auth.public_key).await?,
    };
    let authorized = authorize(state, &auth, project_id, &headers, client_ip).await?;
    if is_envelope {
        return ingest_envelope(state, &authorized, &body, arrival).await;
    }
    ingest_store_event(state, &authorized, auth.client.as_deref(), &body, arrival).await
}

/// One `/store/` event: an error event, or a transaction from SDKs that sent those here too.
async fn ingest_store_event<S: Store>(
    state: &AppState<S>,
    authorized: &Authorized,
    client: Option<&str>,
    body: &Bytes,
    arrival: Arrival,
) -> Result<Json<StoreResponse>, IngestError> {
    let project_id = authorized.key.project_id;
    let received_ms = now_ms();
    // Relay reads only `event_id` and `type` before it answers (an error here is the client's
    // `400`); an event that fails normalization after that (nested past the parser's limit,
    // invalid UTF-8 inside a string) is acknowledged and dropped with an outcome, as Relay
    // drops it.
    let minimal = MinimalEvent::read(body, client)?;
    let id = minimal
        .event_id
        .as_deref()
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .map(|id| id.simple().to_string());
    if minimal.is_transaction() {
        let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let batch = match transaction_payload(body, authorized, Some(&id)) {
            Ok(kept) => {
                check_rate_limit(state, authorized, 1)?;
                let headers = r#"{"type":"transaction"}"#.to_owned();
                let item = kept.into_item(body, project_id, Some(id.clone()), headers, received_ms);
                IngestBatch { items: vec![item], ..IngestBatch::default() }
            }
            Err(reason) => dropped_batch(project_id, "transaction", reason),
        };
        store(state, arrival, batch).await?;
        return Ok(Json(StoreResponse { id: Some(id) }));
    }
    let ctx = authorized.event_context(received_ms);
    let event = match process_event(state, authorized, body, &ctx).await {
        Ok(event) => event,
        Err(err) => {
            tracing::debug!(%err, "dropping an event");
            let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
            let dropped = dropped_batch(project_id, "error", err.outcome_reason());
            store(state, arrival, dropped).await?;
            return Ok(Json(StoreResponse { id: Some(id) }));
        }
    };
    let id = event.event_id.clone();
    check_rate_limit(state, authorized, 1)?;
    store(state, arrival, IngestBatch { events: vec![event], ..IngestBatch::default() }).await?;
    Ok(Json(StoreResponse { id: Some(id) }))
}

/// A batch that only counts one `category` item dropped as invalid.
fn dropped_batch(project_id: i64, category: &str, reason: &str) -> IngestBatch {
    let outcome = Outcome {
        project_id,
        source: "server",
        category: category.into(),
        reason: reason.into(),
        quantity: 1,
    };
    IngestBatch { outcomes: vec![outcome], ..IngestBatch::default() }
}

/// What Relay reads of a `/store/` body before answering; every other field is skipped
/// without building it (and without a depth limit).
#[derive(Debug, serde::Deserialize)]
struct MinimalEvent {
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default, rename = "type")]
    ty: Option<String>,
}

impl MinimalEvent {
    /// Reads `body`. Python's JSON writer puts `NaN` and `Infinity` in numbers, which JSON does
    /// not have: from raven-python and the first sentry-python, Relay reads them as numbers
    /// (its `json_forensics`), and so does Cairn; the event then keeps them as `null` with a
    /// processing error (see `event::process`). From other SDKs such a body is refused.
    fn read(body: &[u8], client: Option<&str>) -> Result<Self, IngestError> {
        let refused = |err: serde_json::Error| {
            IngestError::from(event::EventError::InvalidJson(format!("{err:?}")))
        };
        match serde_json::from_slice(body) {
            Ok(minimal) => Ok(minimal),
            Err(err) => {
                let python = client.is_some_and(|client| {
                    client.starts_with("raven-python/") || client.starts_with("sentry-python/")
                });
                match python.then(|| event::non_finite_as_null(body)).flatten() {
                    Some(fixed) => serde_json::from_slice(&fixed).map_err(|_| refused(err)),
                    None => Err(refused(err)),
                }
            }
        }
    }

    /// Old SDKs sent transactions to `/store/` as events of type `transaction`.
    fn is_transaction(&self) -> bool {
        self.ty.as_deref() == Some("transaction")
    }
}

/// A transaction's payload as stored: through the project's inbound filters, then scrubbed
/// (transactions carry requests, span data and users as events do), borrowed back when
/// nothing needed scrubbing. `Err` is the outcome reason it is dropped with: `invalid` (not a
/// JSON object) or the key of the filter that matched.
fn transaction_payload<'a>(
    payload: &'a [u8],
    authorized: &Authorized,
    event_id: Option<&str>,
) -> Result<KeptTransaction<'a>, &'static str> {
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(payload) else {
        return Err("invalid");
    };
    let filtered = authorized.filters.as_deref().and_then(|filters| {
        filters.check_client(authorized.client_ip).or_else(|| filters.check_transaction(&object))
    });
    if let Some(key) = filtered {
        return Err(key);
    }
    let scrubbed = authorized.scrubber.scrub_event(&mut object) > 0;
    let trace = transaction::summarize(&object, event_id).map(Box::new);
    let payload = if scrubbed {
        Cow::Owned(serde_json::to_vec(&object).map_err(|_| "invalid")?)
    } else {
        Cow::Borrowed(payload)
    };
    Ok(KeptTransaction { payload, trace })
}

/// A transaction that passed the filters: its payload (scrubbed, or the request's bytes when
/// nothing was) and its place in its trace.
struct KeptTransaction<'a> {
    payload: Cow<'a, [u8]>,
    trace: Option<Box<transaction::TraceTransaction>>,
}

impl KeptTransaction<'_> {
    /// The item to store, sharing the request body when the payload is unchanged.
    fn into_item(
        self,
        body: &Bytes,
        project_id: i64,
        event_id: Option<String>,
        headers: String,
        received: i64,
    ) -> NewItem {
        NewItem {
            project_id,
            event_id,
            item_type: "transaction".to_owned(),
            headers,
            payload: match self.payload {
                Cow::Borrowed(unchanged) => body.slice_ref(unchanged),
                Cow::Owned(scrubbed) => Bytes::from(scrubbed),
            },
            received,
            sha1: None,
            trace: self.trace,
        }
    }
}

/// The project id of the URL: a positive number.
pub fn parse_project_id(raw: &str) -> Result<i64, IngestError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(IngestError::BadProjectPath)
}

/// A tunnelled envelope authenticates with the `dsn` in its first line; the DSN must name the
/// project of the URL.
fn auth_from_envelope_dsn(body: &[u8], project_id: i64) -> Result<SentryAuth, IngestError> {
    let headers = envelope::parse_headers_only(body).map_err(|_| IngestError::BadEnvelopeAuth)?;
    let dsn = headers.get("dsn").and_then(Value::as_str).ok_or(IngestError::MissingAuth)?;
    let (auth, dsn_project) = auth::from_dsn(dsn)?;
    if dsn_project != project_id.to_string() {
        return Err(IngestError::Rejected("ProjectId"));
    }
    Ok(auth)
}

/// The key of a DSN (`https://<key>@host/<project id>`), checked as [`authorize`] checks an
/// ingest request's: for the routes that take a DSN instead of a project path (the
/// crash-report dialog, `Authorization: DSN ...` on Sentry's user-feedback API).
pub async fn authorize_dsn<S: Store>(
    state: &AppState<S>,
    dsn: &str,
    headers: &HeaderMap,
) -> Result<Authorized, IngestError> {
    let (auth, project) = auth::from_dsn(dsn)?;
    let project_id = project.parse().map_err(|_| IngestError::BadProjectPath)?;
    // Reports and feedback, not events: no address to fill in.
    authorize(state, &auth, project_id, headers, ClientIp::default()).await
}

/// Whether a report written through Cairn (the crash-report dialog, Sentry's user-feedback
/// API) about a project's event may be kept now, by Sentry's windows
/// ([`crate::ingest::user_report::may_keep`]): the event, if stored, at most 30 minutes old,
/// and its last report, if any, at most 5 minutes old (which the new one then replaces: see
/// [`Store::delete_earlier_user_reports`]).
pub async fn user_report_window_open<S: Store>(
    state: &AppState<S>,
    project_id: i64,
    event_id: &str,
) -> Result<bool, crate::store::StoreError> {
    use crate::store::StoreError;
    let event = match state.store.project_event(project_id, event_id).await {
        Ok(event) => Some(event.event.timestamp),
        Err(StoreError::NotFound) => None,
        Err(err) => return Err(err),
    };
    let earlier = match state.store.latest_user_report(project_id, event_id).await {
        Ok(report) => Some(report.received),
        Err(StoreError::NotFound) => None,
        Err(err) => return Err(err),
    };
    Ok(crate::ingest::user_report::may_keep(crate::util::now_ms(), event, earlier))
}

/// The key must exist, be active and belong to the project of the URL, and a browser request
/// must come from an origin the project allows.
pub async fn authorize<S: Store>(
    state: &AppState<S>,
    auth: &SentryAuth,
    project_id: i64,
    headers: &HeaderMap,
    client_ip: ClientIp,
) -> Result<Authorized, IngestError> {
    let mut authorized = state.ingest.authorize(&state.store, &auth.public_key, project_id).await?;
    authorized.client_ip = client_ip.0;
    if let Some(allowed) = authorized.project.allowed_origins.as_deref() {
        let origin = headers
            .get(header::ORIGIN)
            .or_else(|| headers.get(header::REFERER))
            .and_then(|v| v.to_str().ok());
        if let Some(origin) = origin {
            if !origin_allowed(origin, allowed) {
                return Err(IngestError::Rejected("Cors"));
            }
        }
    }
    Ok(authorized)
}

/// Whether an `Origin` (or `Referer`) matches one of the project's allowed-domain patterns
/// (Sentry's syntax: `*` for any, `example.com`, `*.example.com`, `https://example.com`).
fn origin_allowed(origin: &str, allowed: &str) -> bool {
    let host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = host.split(['/', '?']).next().unwrap_or_default();
    let host_no_port = host.rsplit_once(':').map_or(host, |(h, _)| h);
    allowed.lines().map(str::trim).filter(|p| !p.is_empty()).any(|pattern| {
        if pattern == "*" {
            return true;
        }
        let pattern = pattern.split_once("://").map_or(pattern, |(_, rest)| rest);
        let pattern = pattern.trim_end_matches('/');
        if let Some(suffix) = pattern.strip_prefix("*.") {
            host_no_port.ends_with(&format!(".{suffix}")) || host_no_port == suffix
        } else {
            pattern.eq_ignore_ascii_case(host) || pattern.eq_ignore_ascii_case(host_no_port)
        }
    })
}

/// Takes `events` from the rate limits of the key and the project.
pub fn check_rate_limit<S: Store>(
    state: &AppState<S>,
    authorized: &Authorized,
    events: u64,
) -> Result<(), IngestError> {
    state
        .ingest
        .take_events(authorized, events)
        .map_err(|(retry_after, scope)| IngestError::RateLimited { retry_after, scope })
}

/// Frames the envelope and stores what it carries: events are normalized and grouped, items of
/// the known types are kept as they are, client reports are counted, unknown items are counted
/// and skipped one by one. An event item whose JSON is broken is dropped and counted (Relay
/// answers 200 and discards it later too).
/// Normalizes an event, through the project's source maps when it has uploaded any (most
/// have not, and take the synchronous path without a look at the frames).
async fn process_event<S: Store>(
    state: &AppState<S>,
    authorized: &Authorized,
    payload: &[u8],
    ctx: &EventContext<'_>,
) -> Result<crate::store::NewEvent, event::EventError> {
    let event = if authorized.artifacts.is_empty() {
        event::process(payload, ctx)?
    } else {
        let files = &state.ingest.sourcemap_files;
        files.process_event(&state.store, &authorized.artifacts, payload, ctx).await?
    };
    // Relay's `discarded-hash` filter: the issue was deleted with "discard future events".
    if authorized.discards(&event.hashes) {
        return Err(event::EventError::Filtered("discarded-hash"));
    }
    Ok(event)
}

async fn ingest_envelope<S: Store>(
    state: &AppState<S>,
    authorized: &Authorized,
    body: &Bytes,
    arrival: Arrival,
) -> Result<Json<StoreResponse>, IngestError> {
    let project_id = authorized.key.project_id;
    let envelope = envelope::parse(body).map_err(IngestError::InvalidEnvelope)?;
    let received_ms = now_ms();
    let envelope_event_id = envelope
        .event_id()
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .map(|u| u.simple().to_string());
    let sent_at_ms = envelope.headers.get("sent_at").and_then(event::parse_timestamp_ms);
    let session_clock = session::Clock { received: received_ms, sent_at: sent_at_ms };
    let mut batch = IngestBatch::default();
    let mut check_ins = Vec::new();
    let dropped =
        |category: &str, reason: &str| (project_id, category.to_owned(), reason.to_owned());
    let mut server_outcomes: Vec<(i64, String, String)> = Vec::new();
    let (mut attachments, mut sessions, mut client_reports) = (0usize, 0usize, 0usize);
    // Relay counts the sizes of all event-like items together against the event limit.
    let mut event_bytes = 0usize;

    for item in &envelope.items {
        let (limit, name): (usize, &'static str) = match &item.ty {
            ItemType::Event | ItemType::Transaction | ItemType::Feedback => {
                let name = match item.ty {
                    ItemType::Event => "event",
                    ItemType::Transaction => "transaction",
                    _ => "feedback",
                };
                event_bytes += item.payload.len();
                if event_bytes > MAX_EVENT_SIZE {
                    return Err(IngestError::ItemTooLarge(name));
                }
                (MAX_EVENT_SIZE, name)
            }
            ItemType::UserReport => (MAX_SMALL_ITEM_SIZE, "user_report"),
            ItemType::Attachment => {
                attachments += 1;
                if attachments > MAX_ATTACHMENT_COUNT {
                    return Err(IngestError::ItemTooLarge("attachment"));
                }
                (MAX_ATTACHMENT_SIZE, "attachment")
            }
            ItemType::Session => {
                sessions += 1;
                if sessions > MAX_SESSION_COUNT {
                    return Err(IngestError::ItemTooLarge("session"));
                }
                (MAX_SMALL_ITEM_SIZE, "session")
            }
            ItemType::Sessions => {
                sessions += 1;
                if sessions > MAX_SESSION_COUNT {
                    return Err(IngestError::ItemTooLarge("sessions"));
                }
                (MAX_SESSIONS_SIZE, "sessions")
            }
            ItemType::ClientReport => {
                client_reports += 1;
                if client_reports > MAX_CLIENT_REPORT_COUNT {
                    return Err(IngestError::ItemTooLarge("client_report"));
                }
                (MAX_SMALL_ITEM_SIZE, "client_report")
            }
            ItemType::CheckIn => (MAX_SMALL_ITEM_SIZE, "check_in"),
            ItemType::Unknown(name) => {
                server_outcomes.push(dropped(name, "unknown_item_type"));
                continue;
            }
        };
        if item.payload.len() > limit {
            return Err(IngestError::ItemTooLarge(name));
        }
        match &item.ty {
            ItemType::Event => {
                let ctx = EventContext {
                    envelope_event_id: envelope_event_id.as_deref(),
                    sent_at_ms,
                    ..authorized.event_context(received_ms)
                };
                match process_event(state, authorized, item.payload, &ctx).await {
                    Ok(event) => batch.events.push(event),
                    Err(err) => {
                        tracing::debug!(%err, "dropping an event item");
                        server_outcomes.push(dropped("error", err.outcome_reason()));
                    }
                }
            }
            ItemType::ClientReport => {
                batch.outcomes.extend(client_report_outcomes(project_id, item.payload));
            }
            // Sessions are checked here, off the writer, and become counts in the same
            // transaction as everything else; the raw updates are not kept (at thousands per
            // second they would outgrow everything else in the database, and the counts are
            // what release health reads).
            ItemType::Session => {
                match session::parse_update(item.payload, project_id, session_clock) {
                    Ok(update) => batch.sessions.push(update),
                    Err(reason) => {
                        tracing::debug!(reason, "dropping a session update");
                        server_outcomes.push(dropped("session", reason));
                    }
                }
            }
            ItemType::Sessions => {
                match session::parse_aggregates(item.payload, project_id, session_clock) {
                    Ok(groups) => batch.session_aggregates.extend(groups),
                    Err(reason) => server_outcomes.push(dropped("session", reason)),
                }
            }
            ItemType::Transaction => {
                match transaction_payload(item.payload, authorized, envelope_event_id.as_deref()) {
                    Ok(kept) => batch.items.push(kept.into_item(
                        body,
                        project_id,
                        envelope_event_id.clone(),
                        Value::Object(item.headers.clone()).to_string(),
                        received_ms,
                    )),
                    Err(reason) => server_outcomes.push(dropped("transaction", reason)),
                }
            }
            ItemType::CheckIn => match crate::ingest::check_in::parse_item(item.payload) {
                Ok(check_in) => check_ins.push((
                    check_in,
                    NewItem {
                        project_id,
                        event_id: envelope_event_id.clone(),
                        item_type: name.to_owned(),
                        headers: Value::Object(item.headers.clone()).to_string(),
                        payload: body.slice_ref(item.payload),
                        received: received_ms,
                        sha1: None,
                        trace: None,
                    },
                )),
                Err(err) => server_outcomes.push(dropped("monitor", err.outcome_reason())),
            },
            _ => batch.items.push(NewItem {
                project_id,
                event_id: match item.ty {
                    // Feedback is kept against the event it is about, which its payload names.
                    ItemType::UserReport | ItemType::Feedback => {
                        reported_event_id(item.payload).or_else(|| envelope_event_id.clone())
                    }
                    _ => envelope_event_id.clone(),
                },
                item_type: name.to_owned(),
                headers: Value::Object(item.headers.clone()).to_string(),
                payload: body.slice_ref(item.payload),
                received: received_ms,
                // Hashed here, on a runtime worker, not in the writer (as decompressing the
                // request was): a file is read once, whatever the number of listings.
                sha1: matches!(item.ty, ItemType::Attachment)
                    .then(|| NewItem::sha1_of(item.payload)),
                trace: None,
            }),
        }
    }

    // Check-ins are recorded first, so that the batch counts the ones dropped.
    let failures = if check_ins.is_empty() {
        Vec::new()
    } else {
        check_ins::record(state, project_id, check_ins, &mut batch).await?
    };
    let id = batch.events.first().map(|e| e.event_id.clone()).or(envelope_event_id);
    let transactions = batch.items.iter().filter(|i| i.item_type == "transaction").count() as u64;
    let limited = check_rate_limit(state, authorized, batch.events.len() as u64 + transactions);
    if limited.is_err() {
        // Over the limit: events and transactions are dropped (and counted); sessions,
        // attachments of other events, client reports are still kept, as Relay does.
        for _ in 0..batch.events.len() {
            server_outcomes.push(dropped("error", "ratelimited"));
        }
        batch.events.clear();
        batch.items.retain(|i| i.item_type != "transaction");
        for _ in 0..transactions {
            server_outcomes.push(dropped("transaction", "ratelimited"));
        }
    }
    // One row per category and reason, however many items: a flood of unknown items costs the
    // writer one upsert, not thousands.
    server_outcomes.sort_unstable();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for (project_id, category, reason) in server_outcomes {
        match outcomes.last_mut() {
            Some(last) if last.category == category && last.reason == reason => last.quantity += 1,
            _ => outcomes.push(Outcome {
                project_id,
                source: "server",
                category,
                reason,
                quantity: 1,
            }),
        }
    }
    batch.outcomes.extend(outcomes);
    if !batch.is_empty() {
        store(state, arrival, batch).await?;
    }
    if !failures.is_empty() {
        crate::monitors::raise_failures(state, failures).await;
    }
    limited?;
    Ok(Json(StoreResponse { id }))
}

/// The `discarded_events` of a client report as outcomes; a malformed report counts nothing.
fn client_report_outcomes(project_id: i64, payload: &[u8]) -> Vec<Outcome> {
    let Ok(report) = serde_json::from_slice::<Value>(payload) else {
        return Vec::new();
    };
    let mut outcomes = Vec::new();
    for key in ["discarded_events", "rate_limited_events", "filtered_events"] {
        for entry in report.get(key).and_then(Value::as_array).into_iter().flatten() {
            let reason = entry.get("reason").and_then(Value::as_str).unwrap_or(key);
            let category = entry.get("category").and_then(Value::as_str).unwrap_or("default");
            let quantity = entry.get("quantity").and_then(Value::as_i64).unwrap_or(0);
            if quantity > 0 {
                outcomes.push(Outcome {
                    project_id,
                    source: "client",
                    category: category.chars().take(64).collect(),
                    reason: reason.chars().take(64).collect(),
                    quantity,
                });
            }
        }
    }
    outcomes
}

/// Hands a batch to the store and waits until it is committed. The request's `arrival` ends
/// here: it is no longer on its way, so the writer need not wait for it.
pub async fn store<S: Store>(
    state: &AppState<S>,
    arrival: Arrival,
    batch: IngestBatch,
) -> Result<(), IngestError> {
    drop(arrival);
    match state.store.store_batch(batch).await {
        Ok(_) => Ok(()),
        Err(StoreError::Overloaded) => Err(IngestError::Overloaded),
        Err(err) => Err(IngestError::Unavailable(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_sentry_allowed_domain_patterns() {
        assert!(origin_allowed("https://shop.example.com", "*.example.com"));
        assert!(origin_allowed("https://example.com/page", "*.example.com"));
        assert!(origin_allowed("http://localhost:3000", "localhost"));
        assert!(origin_allowed("https://a.test", "*"));
        assert!(!origin_allowed("https://evil.com", "example.com\n*.example.com"));
        assert!(!origin_allowed("https://notexample.com", "*.example.com"));
    }

    #[test]
    fn client_reports_become_outcomes() {
        let report = br#"{"timestamp": 1, "discarded_events": [
            {"reason": "queue_overflow", "category": "error", "quantity": 3},
            {"reason": "ratelimit_backoff", "category": "transaction", "quantity": 0}]}"#;
        let outcomes = client_report_outcomes(7, report);
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].reason, "queue_overflow");
        assert_eq!(outcomes[0].quantity, 3);
        assert!(client_report_outcomes(7, b"not json").is_empty());
    }
}
