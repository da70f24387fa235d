//! `/api/embed/error-page/`: the crash-report dialog of the JavaScript SDKs'
//! `Sentry.showReportDialog()`, as Sentry serves it. The SDK adds a `<script>` whose URL holds
//! the DSN, the event id and the dialog's options (`?dsn=...&eventId=...&title=...`); `GET`
//! answers the script, which shows the dialog, and the dialog posts the person's name, email and
//! comments back to the same URL, kept as a user report of the event (see
//! `crate::endpoints::api::user_reports`). Authenticated by the DSN's public key, as ingestion
//! is: the page that shows the dialog is the application's, not Cairn's.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Map, Value};

use super::error::IngestError;
use super::{authorize_dsn, store, Authorized};
use crate::ingest::user_report::{self, UserReport};
use crate::state::AppState;
use crate::store::{IngestBatch, NewItem, Store};
use crate::util::now_ms;

/// Largest form accepted.
const MAX_FORM_SIZE: usize = 64 * 1024;

/// The dialog's texts a page may set, with Sentry's English defaults.
const TEXTS: [(&str, &str); 11] = [
    ("title", "It looks like we're having issues."),
    ("subtitle", "Our team has been notified."),
    ("subtitle2", "If you'd like to help, tell us what happened below."),
    ("labelName", "Name"),
    ("labelEmail", "Email"),
    ("labelComments", "What happened?"),
    ("labelClose", "Close"),
    ("labelSubmit", "Submit Crash Report"),
    ("errorGeneric", "An unknown error occurred while submitting your report. Please try again."),
    ("errorFormEntry", "Some fields were invalid. Please correct the errors and try again."),
    ("successMessage", "Your feedback has been sent. Thank you!"),
];

/// The script with its style sheet in place; `__OPTIONS__` is filled per request.
static SCRIPT: LazyLock<String> = LazyLock::new(|| {
    let css = js_string(include_str!("error_page.css"));
    include_str!("error_page.js").replace("__CSS__", &css)
});

/// A JSON value as a JavaScript literal that cannot end a `<script>` element even if a page
/// inlines it.
fn js_string(value: impl serde::Serialize) -> String {
    serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned()).replace('<', "\\u003c")
}

/// The request's DSN key, project and event, checked.
struct Target {
    authorized: Authorized,
    /// 32 hex digits.
    event_id: String,
    /// The query's parameters (the first of each name).
    params: HashMap<String, String>,
}

async fn target<S: Store>(
    state: &AppState<S>,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Target, IngestError> {
    let mut params = HashMap::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        params.entry(name.into_owned()).or_insert_with(|| value.into_owned());
    }
    let dsn = params.get("dsn").ok_or(IngestError::Invalid("missing parameter: dsn"))?;
    let event_id = params
        .get("eventId")
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .ok_or(IngestError::Invalid("missing or invalid parameter: eventId"))?
        .simple()
        .to_string();
    let authorized = authorize_dsn(state, dsn, headers).await?;
    Ok(Target { authorized, event_id, params })
}

/// `GET /api/embed/error-page/`: the dialog's script.
pub async fn get_error_page<S: Store>(
    State(state): State<AppState<S>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<impl IntoResponse, IngestError> {
    let Target { params, .. } = target(&state, query.as_deref(), &headers).await?;
    let mut options = Map::new();
    for (name, default) in TEXTS {
        let text = params.get(name).filter(|t| !t.is_empty()).map_or(default, String::as_str);
        options.insert(name.to_owned(), json!(text));
    }
    for name in ["name", "email"] {
        options.insert(name.to_owned(), json!(params.get(name)));
    }
    let script = SCRIPT.replace("__OPTIONS__", &js_string(Value::Object(options)));
    Ok((
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        script,
    ))
}

/// `POST /api/embed/error-page/` with the form (`name`, `email`, `comments`): kept as a user
/// report of the event once durable, as an SDK's `user_report` item is; `200 {}`.
pub async fn post_error_page<S: Store>(
    State(state): State<AppState<S>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, IngestError> {
    if body.len() > MAX_FORM_SIZE {
        return Err(IngestError::PayloadTooLarge(MAX_FORM_SIZE));
    }
    let Target { authorized, event_id, .. } = target(&state, query.as_deref(), &headers).await?;
    let mut form: HashMap<String, String> = HashMap::new();
    for (name, value) in form_urlencoded::parse(&body) {
        form.entry(name.into_owned()).or_insert_with(|| value.into_owned());
    }
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let report = UserReport::checked(&event_id, field("name"), field("email"), field("comments"))
        .map_err(|field| match field {
        "name" => IngestError::Invalid("invalid form: name"),
        "email" => IngestError::Invalid("invalid form: email"),
        _ => IngestError::Invalid("invalid form: comments"),
    })?;
    let project_id = authorized.key.project_id;
    let open = super::user_report_window_open(&state, project_id, &report.event_id)
        .await
        .map_err(IngestError::Unavailable)?;
    if !open {
        return Err(IngestError::Conflict(user_report::CONFLICT));
    }
    let arrival = state.store.announce_arrival();
    let item = NewItem {
        project_id,
        payload: Bytes::from(report.payload()),
        event_id: Some(report.event_id.clone()),
        item_type: "user_report".to_owned(),
        headers: r#"{"type":"user_report"}"#.to_owned(),
        received: now_ms(),
        sha1: None,
        trace: None,
    };
    store(&state, arrival, IngestBatch { items: vec![item], ..IngestBatch::default() }).await?;
    // The new report is durable: the earlier one about the event goes (one report per event).
    state
        .store
        .delete_earlier_user_reports(project_id, &report.event_id)
        .await
        .map_err(IngestError::Unavailable)?;
    Ok(Json(json!({})))
}
