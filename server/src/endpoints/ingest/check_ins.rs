//! Cron check-ins: the `check_in` items of envelopes, and Relay's HTTP check-in route
//! `/api/{project_id}/cron/{monitor_slug}/{sentry_key}/` for jobs without an SDK
//! (`curl ".../cron/nightly/<key>/?status=ok"`).
//!
//! A check-in is recorded by the store before the request's batch is committed (see
//! [`Store::record_check_in`]), so that a dropped one (no such monitor, a disabled one) is
//! counted as an outcome in that batch; its item is kept in the batch, as the usage stats
//! count accepted check-ins from the stored items.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use serde_json::json;

use super::auth::{self, SentryAuth};
use super::error::IngestError;
use super::{authorize, parse_project_id, store, ClientIp, MAX_SMALL_ITEM_SIZE};
use crate::ingest::check_in::{self, CheckInError, NewCheckIn, RawCheckIn};
use crate::state::AppState;
use crate::store::{CheckInRecorded, IngestBatch, MonitorFailure, NewItem, Outcome, Store};
use crate::util::now_ms;

/// Records check-ins; each one recorded has its item added to `batch`, each one dropped an
/// outcome (category `monitor`). Answers the failures they made, to raise once the batch is
/// committed.
pub(super) async fn record<S: Store>(
    state: &AppState<S>,
    project_id: i64,
    check_ins: Vec<(NewCheckIn, NewItem)>,
    batch: &mut IngestBatch,
) -> Result<Vec<MonitorFailure>, IngestError> {
    let mut failures = Vec::new();
    for (check_in, item) in check_ins {
        let recorded = state
            .store
            .record_check_in(project_id, &check_in, now_ms())
            .await
            .map_err(IngestError::Unavailable)?;
        match recorded {
            CheckInRecorded::Recorded { failure } => {
                batch.items.push(item);
                failures.extend(failure.map(|failure| *failure));
            }
            CheckInRecorded::Dropped(reason) => {
                tracing::debug!(reason, slug = check_in.monitor_slug, "dropping a check-in");
                batch.outcomes.push(dropped(project_id, reason));
            }
        }
    }
    Ok(failures)
}

/// The outcome of a check-in that was not recorded.
pub(super) fn dropped(project_id: i64, reason: &str) -> Outcome {
    Outcome {
        project_id,
        source: "server",
        category: "monitor".to_owned(),
        reason: reason.to_owned(),
        quantity: 1,
    }
}

/// `GET` or `POST /api/{project_id}/cron/{monitor_slug}/{sentry_key}/`, as Relay's monitor
/// endpoint: the check-in is the JSON body when the content type says JSON (which may carry a
/// `monitor_config` to create the monitor by), else the query string (`status`, and optionally
/// `check_in_id`, `environment`, `duration` in seconds). Answers `202 Accepted` with no body,
/// and never `429` (Relay swallows rate limits here).
pub async fn post_check_in<S: Store>(
    State(state): State<AppState<S>>,
    Path((project_id, monitor_slug, public_key)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, IngestError> {
    let arrival = state.store.announce_arrival();
    let project_id = parse_project_id(&project_id)?;
    // The key of the path is Relay's fifth place for credentials: any other one is a second.
    if auth::from_request(&headers, query.as_deref())?.is_some() {
        return Err(IngestError::MultipleAuth);
    }
    let auth = SentryAuth { public_key, version: 7, client: None };
    let authorized = authorize(&state, &auth, project_id, &headers, client_ip).await?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let raw = if is_json {
        if body.len() > MAX_SMALL_ITEM_SIZE {
            return Err(IngestError::PayloadTooLarge(MAX_SMALL_ITEM_SIZE));
        }
        serde_json::from_slice::<RawCheckIn>(&body)
            .map_err(|_| IngestError::Invalid("the check-in is not valid JSON"))?
    } else {
        from_query(query.as_deref().unwrap_or_default())
    };
    let raw = RawCheckIn { monitor_slug: Some(monitor_slug), ..raw };
    let check_in = check_in::check(raw).map_err(|err| match err {
        CheckInError::InvalidStatus => {
            IngestError::Invalid("status: expected in_progress, ok or error")
        }
        CheckInError::MissingSlug => IngestError::Invalid("the monitor slug is empty"),
        CheckInError::InvalidJson => IngestError::Invalid("the check-in is not valid JSON"),
        CheckInError::InvalidConfig(_) => {
            IngestError::Invalid("the check-in's monitor_config is not valid")
        }
    })?;
    // The item the usage stats count, as an SDK would have sent it.
    let payload = json!({
        "check_in_id": check_in.check_in_id,
        "monitor_slug": check_in.monitor_slug,
        "status": check_in.status.as_str(),
        "environment": check_in.environment,
    });
    let item = NewItem {
        project_id,
        event_id: None,
        item_type: "check_in".to_owned(),
        headers: r#"{"type":"check_in"}"#.to_owned(),
        payload: Bytes::from(payload.to_string()),
        received: now_ms(),
        sha1: None,
        trace: None,
    };
    let mut batch = IngestBatch::default();
    let failures =
        record(&state, authorized.key.project_id, vec![(check_in, item)], &mut batch).await?;
    store(&state, arrival, batch).await?;
    crate::monitors::raise_failures(&state, failures).await;
    Ok(StatusCode::ACCEPTED)
}

/// The check-in of a query string; an unknown or missing `status` is refused by the check.
fn from_query(query: &str) -> RawCheckIn {
    let mut raw = RawCheckIn::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "status" => raw.status = Some(value.into_owned()),
            "check_in_id" => raw.check_in_id = Some(value.into_owned()),
            "environment" => raw.environment = Some(value.into_owned()),
            "duration" => raw.duration = value.parse().ok(),
            _ => {}
        }
    }
    raw
}
