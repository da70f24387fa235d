//! `POST /api/{project_id}/security/` (and the legacy `/csp-report/`): browser security reports
//! (CSP violations, Expect-CT, HPKP, and Reporting-API batches) become events.
//!
//! Browsers post these themselves, authenticated by `sentry_key` in the URL the page's
//! `report-uri` names; `sentry_release` and `sentry_environment` may ride along.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

use super::error::IngestError;
use super::{
    auth, authorize, body, check_rate_limit, parse_project_id, store, ClientIp, MAX_EVENT_SIZE,
};
use crate::ingest::event;
use crate::state::AppState;
use crate::store::{IngestBatch, Outcome, Store};
use crate::util::now_ms;

/// Answers `200` with an empty body, as Relay does.
pub async fn post_security<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, IngestError> {
    let arrival = state.store.announce_arrival();
    let project_id = parse_project_id(&project_id)?;
    let auth = auth::from_request(&headers, query.as_deref())?.ok_or(IngestError::MissingAuth)?;
    let body = body::decode(&headers, body, MAX_EVENT_SIZE)?;
    if body.is_empty() {
        return Err(IngestError::EmptyBody);
    }
    let authorized = authorize(&state, &auth, project_id, &headers, client_ip).await?;
    let params: Map<String, Value> =
        form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
    let reports = reports_from_body(&body)?;
    let user_agent = headers.get("user-agent").and_then(|v| v.to_str().ok());
    let received_ms = now_ms();
    let mut batch = IngestBatch::default();
    for report in reports {
        let mut event = report_to_event(&report);
        if let Some(release) = params.get("sentry_release") {
            event.insert("release".into(), release.clone());
        }
        if let Some(environment) = params.get("sentry_environment") {
            event.insert("environment".into(), environment.clone());
        }
        if let Some(ua) = user_agent {
            event.insert("request".into(), json!({"headers": [["User-Agent", ua]]}));
        }
        let payload = Value::Object(event).to_string();
        let ctx = authorized.event_context(received_ms);
        let processed = event::process(payload.as_bytes(), &ctx).and_then(|event| {
            if authorized.discards(&event.hashes) {
                Err(event::EventError::Filtered("discarded-hash"))
            } else {
                Ok(event)
            }
        });
        match processed {
            Ok(event) => batch.events.push(event),
            // A report the project filters out (e.g. one sent from localhost) is counted,
            // not refused: the browser is not told.
            Err(event::EventError::Filtered(filter)) => batch.outcomes.push(Outcome {
                project_id: authorized.key.project_id,
                source: "server",
                category: "error".into(),
                reason: filter.into(),
                quantity: 1,
            }),
            Err(err) => return Err(err.into()),
        }
    }
    if batch.events.is_empty() {
        if !batch.outcomes.is_empty() {
            store(&state, arrival, batch).await?;
        }
        return Ok(StatusCode::OK);
    }
    check_rate_limit(&state, &authorized, batch.events.len() as u64)?;
    store(&state, arrival, batch).await?;
    Ok(StatusCode::OK)
}

/// The reports in a body: one `{"csp-report": {...}}` (or Expect-CT / HPKP object), or a
/// Reporting-API list `[{"type": "csp-violation", "body": {...}}, ...]`.
fn reports_from_body(body: &[u8]) -> Result<Vec<Map<String, Value>>, IngestError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| IngestError::InvalidJson(event::EventError::InvalidJson(e.to_string())))?;
    let reports = match value {
        Value::Array(list) => list
            .into_iter()
            .filter_map(|entry| {
                let ty = entry.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
                let body = entry.get("body")?.as_object()?.clone();
                Some(Map::from_iter([(ty, Value::Object(body))]))
            })
            .collect(),
        Value::Object(map) => vec![map],
        _ => return Err(IngestError::InvalidJson(event::EventError::NotAnObject)),
    };
    Ok(reports)
}

/// One security report as a Sentry event: Sentry's titles ("Blocked 'script' from
/// 'evil.example'"), the report kept under its interface name, grouped by directive and host.
fn report_to_event(report: &Map<String, Value>) -> Map<String, Value> {
    let str_of = |obj: &Value, keys: &[&str]| {
        keys.iter().find_map(|k| obj.get(*k).and_then(Value::as_str)).unwrap_or("").to_owned()
    };
    let mut event = Map::new();
    event.insert("level".into(), json!("error"));
    event.insert("platform".into(), json!("javascript"));
    event.insert("logger".into(), json!("csp"));
    if let Some(csp) = report.get("csp-report").or_else(|| report.get("csp-violation")) {
        let directive = str_of(
            csp,
            &[
                "effective-directive",
                "effectiveDirective",
                "violated-directive",
                "violatedDirective",
            ],
        );
        let directive = directive.split_whitespace().next().unwrap_or("").to_owned();
        let blocked = str_of(csp, &["blocked-uri", "blockedURL", "blocked-url"]);
        let document = str_of(csp, &["document-uri", "documentURL", "document-url"]);
        let host = host_of(&blocked);
        let kind = match directive.as_str() {
            "script-src" | "script-src-elem" | "script-src-attr" => "script",
            "style-src" | "style-src-elem" | "style-src-attr" => "style",
            "img-src" => "image",
            "font-src" => "font",
            "connect-src" => "connection",
            "frame-src" | "child-src" => "frame",
            "media-src" => "media",
            "object-src" => "plugin",
            _ => "resource",
        };
        let shown = if host.is_empty() { "'self'".to_owned() } else { format!("'{host}'") };
        event.insert(
            "logentry".into(),
            json!({"formatted": format!("Blocked '{kind}' from {shown}")}),
        );
        event.insert("culprit".into(), json!(directive));
        event.insert("csp".into(), csp.clone());
        event.insert(
            "fingerprint".into(),
            json!(["csp", directive, if host.is_empty() { "'self'" } else { &host }]),
        );
        event.insert(
            "tags".into(),
            json!([["effective-directive", directive], ["blocked-uri", blocked]]),
        );
        event.insert("request".into(), json!({"url": document}));
    } else if let Some(report) = report.get("expect-ct-report") {
        let hostname = str_of(report, &["hostname"]);
        event.insert(
            "logentry".into(),
            json!({"formatted": format!("Expect-CT failed for '{hostname}'")}),
        );
        event.insert("expectct".into(), report.clone());
        event.insert("fingerprint".into(), json!(["expect-ct", hostname]));
    } else {
        // HPKP (a bare object with `hostname`) and anything else we cannot name.
        let hostname = report.get("hostname").and_then(Value::as_str).unwrap_or("").to_owned();
        event.insert(
            "logentry".into(),
            json!({"formatted": format!("Security report for '{hostname}'")}),
        );
        event.insert("hpkp".into(), Value::Object(report.clone()));
        event.insert("fingerprint".into(), json!(["hpkp", hostname]));
    }
    event
}

fn host_of(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_report_is_titled_like_sentry() {
        let body = br#"{"csp-report": {"document-uri": "https://shop.example/cart",
            "effective-directive": "script-src", "blocked-uri": "https://evil.example/x.js"}}"#;
        let reports = reports_from_body(body).expect("parsed");
        let event = report_to_event(&reports[0]);
        assert_eq!(event["logentry"]["formatted"], "Blocked 'script' from 'evil.example'");
        assert_eq!(event["culprit"], "script-src");
    }

    #[test]
    fn reporting_api_batches_become_several_reports() {
        let body = br#"[{"type": "csp-violation", "body": {"effectiveDirective": "img-src", "blockedURL": "https://a.example/i.png"}},
                        {"type": "csp-violation", "body": {"effectiveDirective": "script-src", "blockedURL": "inline"}}]"#;
        let reports = reports_from_body(body).expect("parsed");
        assert_eq!(reports.len(), 2);
        assert_eq!(
            report_to_event(&reports[0])["logentry"]["formatted"],
            "Blocked 'image' from 'a.example'"
        );
    }
}
