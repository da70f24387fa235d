//! What a distributed trace needs to know of a transaction (Sentry's trace view): its place in
//! the trace (trace, span and parent span ids, the ids of its spans), its name, operation,
//! status and times. Read off the transaction's payload on the runtime worker, after it was
//! filtered and scrubbed; the writer stores it next to the payload, which keeps the spans.

use serde_json::{Map, Value};

use crate::ingest::event::parse_timestamp;

/// The most span ids kept for a transaction (Sentry's SDKs send at most 1,000 spans). They
/// attach the errors and child transactions of a trace to the transaction they happened in.
pub const MAX_SPAN_IDS: usize = 1_000;

/// The name Sentry gives a transaction without one.
pub const UNLABELED: &str = "<unlabeled transaction>";

/// A transaction's place and times in its trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceTransaction {
    /// The trace (32 lower-case hex digits).
    pub trace_id: String,
    /// The transaction's own span (16 hex digits).
    pub span_id: String,
    /// The span that called it (in another transaction, usually another service's), if any.
    pub parent_span_id: Option<String>,
    /// The event id (32 hex digits).
    pub event_id: String,
    /// `transaction`: the route, task or screen.
    pub name: String,
    /// `contexts.trace.op` (`http.server`, `pageload`, ...), empty when none.
    pub op: String,
    /// `contexts.trace.status` (`ok`, `internal_error`, ...), `unknown` when none.
    pub status: String,
    /// When it started, Unix seconds.
    pub start_timestamp: f64,
    /// When it ended, Unix seconds.
    pub timestamp: f64,
    /// The ids of its spans, space-separated, at most [`MAX_SPAN_IDS`].
    pub span_ids: String,
    /// Its release, if any.
    pub release: Option<String>,
    /// Its environment, if any.
    pub environment: Option<String>,
}

/// The trace facts of a transaction payload, or `None` when it belongs to no trace (no valid
/// `contexts.trace.trace_id` and `span_id`, or no times): it is still stored, only not shown
/// in a trace. `event_id` is the envelope's, used when the payload names none.
pub fn summarize(object: &Map<String, Value>, event_id: Option<&str>) -> Option<TraceTransaction> {
    let trace = object.get("contexts")?.get("trace")?;
    let trace_id = hex_id(text(trace.get("trace_id"))?, 32)?;
    let span_id = hex_id(text(trace.get("span_id"))?, 16)?;
    let parent_span_id = text(trace.get("parent_span_id")).and_then(|id| hex_id(id, 16));
    let event_id = text(object.get("event_id"))
        .and_then(|id| hex_id(id, 32))
        .or_else(|| event_id.and_then(|id| hex_id(id, 32)))?;
    let start_timestamp = parse_timestamp(object.get("start_timestamp")?)?;
    let timestamp = parse_timestamp(object.get("timestamp")?)?.max(start_timestamp);
    let mut span_ids = String::new();
    let spans = object.get("spans").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    for id in spans.iter().filter_map(|span| text(span.get("span_id"))).take(MAX_SPAN_IDS) {
        if let Some(id) = hex_id(id, 16) {
            if !span_ids.is_empty() {
                span_ids.push(' ');
            }
            span_ids.push_str(&id);
        }
    }
    Some(TraceTransaction {
        trace_id,
        span_id,
        parent_span_id,
        event_id,
        name: text(object.get("transaction"))
            .filter(|name| !name.is_empty())
            .unwrap_or(UNLABELED)
            .to_owned(),
        op: text(trace.get("op")).unwrap_or_default().to_owned(),
        status: text(trace.get("status")).filter(|s| !s.is_empty()).unwrap_or("unknown").to_owned(),
        start_timestamp,
        timestamp,
        span_ids,
        release: text(object.get("release")).filter(|r| !r.is_empty()).map(str::to_owned),
        environment: text(object.get("environment")).filter(|e| !e.is_empty()).map(str::to_owned),
    })
}

/// A string field, trimmed.
fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).map(str::trim)
}

/// `id` as `len` lower-case hex digits (a UUID's dashes dropped, as Relay reads trace ids), or
/// `None` when it is not that or is all zeros.
fn hex_id(id: &str, len: usize) -> Option<String> {
    let id: String = id.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    (id.len() == len && id.bytes().all(|b| b.is_ascii_hexdigit()) && id.bytes().any(|b| b != b'0'))
        .then_some(id)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            _ => unreachable!("a test payload is an object"),
        }
    }

    #[test]
    fn a_transaction_is_summarized_with_its_spans() {
        let payload = object(json!({
            "event_id": "AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA",
            "type": "transaction",
            "transaction": "GET /checkout",
            "release": "shop@1.2",
            "environment": " production ",
            "start_timestamp": "2026-12-06T10:00:00.250Z",
            "timestamp": 1_796_551_200.75,
            "contexts": {"trace": {
                "trace_id": "0123456789abcdef0123456789ABCDEF",
                "span_id": "1111111111111111",
                "parent_span_id": "2222222222222222",
                "op": "http.server",
                "status": "internal_error"
            }},
            "spans": [
                {"span_id": "3333333333333333", "op": "db"},
                {"span_id": "not hex"},
                {"span_id": "4444444444444444"}
            ]
        }));
        let summary = summarize(&payload, None).expect("a trace transaction");
        assert_eq!(summary.trace_id, "0123456789abcdef0123456789abcdef");
        assert_eq!(summary.span_id, "1111111111111111");
        assert_eq!(summary.parent_span_id.as_deref(), Some("2222222222222222"));
        assert_eq!(summary.event_id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(summary.name, "GET /checkout");
        assert_eq!(
            (summary.op.as_str(), summary.status.as_str()),
            ("http.server", "internal_error")
        );
        assert_eq!(summary.start_timestamp, 1_796_551_200.25);
        assert_eq!(summary.timestamp, 1_796_551_200.75);
        assert_eq!(summary.span_ids, "3333333333333333 4444444444444444");
        assert_eq!(summary.release.as_deref(), Some("shop@1.2"));
        assert_eq!(summary.environment.as_deref(), Some("production"));
    }

    #[test]
    fn defaults_follow_sentry_and_the_envelope_names_the_event() {
        let payload = object(json!({
            "start_timestamp": 100.0,
            "timestamp": 99.0,
            "contexts": {"trace": {"trace_id": "ab".repeat(16), "span_id": "cd".repeat(8)}}
        }));
        let summary = summarize(&payload, Some(&"ef".repeat(16))).expect("a trace transaction");
        assert_eq!(summary.event_id, "ef".repeat(16));
        assert_eq!((summary.name.as_str(), summary.op.as_str()), (UNLABELED, ""));
        assert_eq!(summary.status, "unknown");
        assert_eq!(summary.parent_span_id, None);
        // An end before the start is read as no duration.
        assert_eq!(summary.timestamp, 100.0);
        assert_eq!(summary.span_ids, "");
        assert_eq!((summary.release, summary.environment), (None, None));
    }

    #[test]
    fn a_transaction_outside_a_trace_is_not_summarized() {
        let with = |trace: Value| {
            object(json!({"event_id": "ab".repeat(16), "start_timestamp": 1.0,
                          "timestamp": 2.0, "contexts": {"trace": trace}}))
        };
        assert!(summarize(&with(json!({"span_id": "cd".repeat(8)})), None).is_none());
        assert!(summarize(
            &with(json!({"trace_id": "0".repeat(32), "span_id": "cd".repeat(8)})),
            None
        )
        .is_none());
        assert!(summarize(&with(json!({"trace_id": "ab".repeat(16), "span_id": "xyz"})), None)
            .is_none());
        let no_times = object(json!({"event_id": "ab".repeat(16),
            "contexts": {"trace": {"trace_id": "ab".repeat(16), "span_id": "cd".repeat(8)}}}));
        assert!(summarize(&no_times, None).is_none());
    }
}
