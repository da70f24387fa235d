//! Distributed traces (Sentry's `OrganizationEventsTraceEndpoint` and its light variant): the
//! errors of one trace across every project of the organization, so that a browser error and
//! the backend error behind it are seen together. Cairn keeps no transactions for traces, so
//! `transactions` is always empty and every error is an orphan error.

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{Trace, TraceError, TraceMeta};

use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{Store, TraceErrorRow};

/// Errors answered when the request names no `limit` (Sentry's `MAX_TRACE_SIZE`).
const DEFAULT_LIMIT: i64 = 100;
/// The most a request may ask for; every error's stored event is read for its span.
const MAX_LIMIT: i64 = 1_000;

/// `GET /api/0/organizations/{org}/events-trace/{trace_id}/`: the trace's errors, oldest
/// first; `limit` (1 to 1,000, default 100; of a longer trace, the first to arrive). An
/// unknown trace has no errors.
pub async fn get_trace<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, trace_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Trace>> {
    let params = TraceParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let trace_id = parse_trace_id(&trace_id)?;
    let rows =
        state.store.trace_errors(access.organization.id, &trace_id, None, params.limit).await?;
    Ok(AppJson(Trace {
        transactions: Vec::new(),
        orphan_errors: rows.iter().map(trace_error).collect(),
    }))
}

/// `GET /api/0/organizations/{org}/events-trace-light/{trace_id}/?event_id=`: the trace as
/// seen from one event, which Sentry's light view answers with that event and its
/// transaction's neighbours; an error without a transaction (every error in Cairn) is
/// answered alone. 404 when the event is not in the trace.
pub async fn get_trace_light<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, trace_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Trace>> {
    let params = TraceParams::parse(raw.as_deref())?;
    let Some(event_id) = params.event_id else {
        return Err(ApiError::BadRequest("An event_id is required for the light trace".into()));
    };
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let trace_id = parse_trace_id(&trace_id)?;
    let rows =
        state.store.trace_errors(access.organization.id, &trace_id, Some(&event_id), 1).await?;
    let error = rows.first().ok_or(ApiError::NotFound)?;
    Ok(AppJson(Trace { transactions: Vec::new(), orphan_errors: vec![trace_error(error)] }))
}

/// `GET /api/0/organizations/{org}/events-trace-meta/{trace_id}/`: how many errors the trace
/// has and in how many projects (Sentry's trace summary; no transactions in Cairn).
pub async fn get_trace_meta<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, trace_id)): Path<(String, String)>,
) -> ApiResult<AppJson<TraceMeta>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let trace_id = parse_trace_id(&trace_id)?;
    let (errors, projects) = state.store.trace_counts(access.organization.id, &trace_id).await?;
    Ok(AppJson(TraceMeta { projects, transactions: 0, errors, performance_issues: 0 }))
}

/// The query parameters both trace endpoints read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TraceParams {
    limit: i64,
    /// The event the trace is looked at from (`event_id`, `eventId` or `targetId`), lower case.
    event_id: Option<String>,
}

impl TraceParams {
    fn parse(raw: Option<&str>) -> ApiResult<TraceParams> {
        let mut params = TraceParams { limit: DEFAULT_LIMIT, event_id: None };
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "limit" => {
                    params.limit =
                        value.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(
                            || {
                                ApiError::BadRequest(format!(
                                    "limit: a number from 1 to {MAX_LIMIT} is required"
                                ))
                            },
                        )?;
                }
                "event_id" | "eventId" | "targetId" => {
                    if !is_hex(&value, 32) {
                        return Err(ApiError::BadRequest(
                            "Event ID: ID must be a 32 character hexadecimal string".into(),
                        ));
                    }
                    params.event_id = Some(value.to_ascii_lowercase());
                }
                _ => {}
            }
        }
        Ok(params)
    }
}

/// A trace id in the path: 32 hex digits, as Sentry's route accepts (anything else is a path
/// Sentry does not have, so 404 here too).
fn parse_trace_id(text: &str) -> ApiResult<[u8; 16]> {
    if !is_hex(text, 32) {
        return Err(ApiError::NotFound);
    }
    uuid::Uuid::try_parse(text).map(uuid::Uuid::into_bytes).map_err(|_| ApiError::NotFound)
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn trace_error(row: &TraceErrorRow) -> TraceError {
    TraceError {
        event_id: row.event_id.clone(),
        issue_id: row.issue_id,
        issue_short_id: Some(serialize::short_id(&row.project_slug, row.short_id)),
        span: row.span_id.clone().unwrap_or_default(),
        project_id: row.project_id,
        project_slug: row.project_slug.clone(),
        title: row.title.clone(),
        culprit: Some(row.culprit.clone()),
        level: row.level.clone(),
        message: row.message.clone(),
        timestamp: row.timestamp as f64 / 1000.0,
        event_type: "error".into(),
        generation: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_32_hex_digits_and_anything_else_is_not_found() {
        let id = parse_trace_id("4C79F60C11214EB38604F4AE0781BFB2").map_err(|e| e.to_string());
        assert_eq!(id.map(|b| b[0]), Ok(0x4c));
        for bad in [
            "",
            "4c79f60c",
            "4c79f60c-1121-4eb3-8604-f4ae0781bfb2",
            "zz79f60c11214eb38604f4ae0781bfb2",
        ] {
            assert!(matches!(parse_trace_id(bad), Err(ApiError::NotFound)), "{bad}");
        }
    }

    #[test]
    fn the_parameters_are_checked() {
        let params = TraceParams::parse(Some("limit=5&eventId=ABCDEF0123456789ABCDEF0123456789"))
            .map_err(|e| e.to_string());
        assert_eq!(
            params,
            Ok(TraceParams { limit: 5, event_id: Some("abcdef0123456789abcdef0123456789".into()) })
        );
        for bad in ["limit=0", "limit=1001", "limit=x", "event_id=123"] {
            let err = TraceParams::parse(Some(bad)).map(drop);
            assert!(matches!(err, Err(ApiError::BadRequest(_))), "{bad}");
        }
    }
}
