//! A stored transaction as Sentry's event details of a `transaction` event: its spans (the
//! `spans` entry, timestamps as Unix seconds whatever the SDK sent), request, breadcrumbs,
//! tags, contexts and measurements. Transactions are kept as they arrived (after filters and
//! scrubbing), so this is where their loose shapes are read.

use cairn_types::api::{EventTag, TransactionEvent};
use serde_json::{json, Map, Value};

use crate::ingest::event::{normalize_tags, parse_timestamp};
use crate::ingest::transaction::{MAX_SPAN_IDS, UNLABELED};
use crate::store::StoredTransaction;
use crate::util::ms_to_datetime;

/// The transaction `event_id` of `project_id`, or `None` when its payload is no JSON object.
pub fn transaction_event(
    project_id: i64,
    event_id: &str,
    stored: &StoredTransaction,
) -> Option<TransactionEvent> {
    let Ok(Value::Object(payload)) = serde_json::from_slice::<Value>(&stored.payload) else {
        return None;
    };
    let get = |key: &str| payload.get(key).filter(|value| !value.is_null());
    let received_secs = stored.received as f64 / 1000.0;
    let end = get("timestamp").and_then(parse_timestamp).unwrap_or(received_secs);
    let start = get("start_timestamp").and_then(parse_timestamp).unwrap_or(end).min(end);
    let mut entries = vec![json!({"type": "spans", "data": spans(get("spans"))})];
    if let Some(request) = get("request").filter(|r| r.is_object()) {
        entries.push(json!({"type": "request", "data": request}));
    }
    if let Some(breadcrumbs) = get("breadcrumbs") {
        let values = breadcrumbs.get("values").unwrap_or(breadcrumbs);
        if values.is_array() {
            entries.push(json!({"type": "breadcrumbs", "data": {"values": values}}));
        }
    }
    let mut tags: Vec<EventTag> = get("tags")
        .map(|tags| normalize_tags(tags.clone()))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|pair| {
            let key = pair.get(0)?.as_str()?.to_owned();
            let value = pair.get(1)?.as_str()?.to_owned();
            Some(EventTag { key, value })
        })
        .collect();
    for key in ["environment", "release", "transaction"] {
        if let Some(value) = get(key).and_then(Value::as_str) {
            if !tags.iter().any(|tag| tag.key == key) {
                tags.push(EventTag { key: key.to_owned(), value: value.to_owned() });
            }
        }
    }
    tags.sort_by(|a, b| a.key.cmp(&b.key));
    let title = get("transaction").and_then(Value::as_str).filter(|name| !name.is_empty());
    Some(TransactionEvent {
        id: event_id.to_owned(),
        event_id: event_id.to_owned(),
        group_id: None,
        project_id: project_id.to_string(),
        title: title.unwrap_or(UNLABELED).to_owned(),
        kind: "transaction".into(),
        platform: get("platform").and_then(Value::as_str).unwrap_or("other").to_owned(),
        date_created: ms_to_datetime((end * 1000.0) as i64),
        date_received: ms_to_datetime(stored.received),
        start_timestamp: start,
        end_timestamp: end,
        entries,
        tags,
        contexts: get("contexts").filter(|c| c.is_object()).cloned().unwrap_or_else(|| json!({})),
        measurements: get("measurements")
            .filter(|m| m.is_object())
            .cloned()
            .unwrap_or_else(|| json!({})),
        user: get("user").filter(|u| u.is_object()).cloned(),
        sdk: get("sdk").filter(|s| s.is_object()).cloned(),
        release: get("release").and_then(Value::as_str).map(|v| json!({ "version": v })),
    })
}

/// The spans in Sentry's shape: those with an id and both times, at most [`MAX_SPAN_IDS`],
/// by start time.
fn spans(spans: Option<&Value>) -> Vec<Value> {
    let list = spans.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let mut spans: Vec<(f64, Value)> =
        list.iter().filter_map(Value::as_object).filter_map(span).take(MAX_SPAN_IDS).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    spans.into_iter().map(|(_, span)| span).collect()
}

fn span(span: &Map<String, Value>) -> Option<(f64, Value)> {
    let text = |key: &str| span.get(key).and_then(Value::as_str);
    let span_id = text("span_id")?;
    let start = parse_timestamp(span.get("start_timestamp")?)?;
    let end = span.get("timestamp").and_then(parse_timestamp).unwrap_or(start).max(start);
    let object = |key: &str| span.get(key).filter(|value| value.is_object());
    Some((
        start,
        json!({
            "span_id": span_id,
            "parent_span_id": text("parent_span_id"),
            "trace_id": text("trace_id"),
            "op": text("op"),
            "description": text("description"),
            "status": text("status"),
            "start_timestamp": start,
            "timestamp": end,
            "tags": object("tags"),
            "data": object("data"),
            "same_process_as_parent": span.get("same_process_as_parent").and_then(Value::as_bool),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_reads_as_sentrys_event_with_its_spans_in_order() {
        let payload = json!({
            "transaction": "GET /checkout",
            "platform": "python",
            "release": "shop@1.2",
            "start_timestamp": "2026-12-06T10:00:00Z",
            "timestamp": "2026-12-06T10:00:01.5Z",
            "tags": {"browser": "Firefox", "retries": 2},
            "contexts": {"trace": {"op": "http.server"}},
            "measurements": {"lcp": {"value": 1200.0, "unit": "millisecond"}},
            "request": {"url": "https://shop.example/checkout", "method": "GET"},
            "breadcrumbs": {"values": [{"message": "clicked"}]},
            "spans": [
                {"span_id": "2222222222222222", "parent_span_id": "1111111111111111",
                 "op": "db", "description": "SELECT 1", "start_timestamp": 1_796_551_200.5,
                 "timestamp": 1_796_551_200.75, "data": {"db.system": "postgresql"}},
                {"span_id": "3333333333333333", "op": "http.client",
                 "start_timestamp": "2026-12-06T10:00:00.1Z", "timestamp": 1_796_551_200.2},
                {"span_id": "4444444444444444"},
                "not a span"
            ]
        });
        let stored = StoredTransaction {
            payload: serde_json::to_vec(&payload).expect("json"),
            received: 1_796_551_202_000,
        };
        let event = transaction_event(7, &"a".repeat(32), &stored).expect("an object");
        assert_eq!((event.title.as_str(), event.kind.as_str()), ("GET /checkout", "transaction"));
        assert_eq!((event.project_id.as_str(), event.group_id.as_deref()), ("7", None));
        assert_eq!(
            (event.start_timestamp, event.end_timestamp),
            (1_796_551_200.0, 1_796_551_201.5)
        );
        assert_eq!(event.release, Some(json!({"version": "shop@1.2"})));
        let spans = event.spans();
        let ids: Vec<_> = spans.iter().map(|s| s.span_id.as_str()).collect();
        assert_eq!(ids, ["3333333333333333", "2222222222222222"]);
        assert_eq!(spans[0].start_timestamp, 1_796_551_200.1);
        assert_eq!(spans[1].description.as_deref(), Some("SELECT 1"));
        assert_eq!(spans[1].data, Some(json!({"db.system": "postgresql"})));
        let kinds: Vec<_> =
            event.entries.iter().map(|e| e["type"].as_str().unwrap_or("")).collect();
        assert_eq!(kinds, ["spans", "request", "breadcrumbs"]);
        let tags: Vec<_> = event.tags.iter().map(|t| format!("{}={}", t.key, t.value)).collect();
        assert_eq!(
            tags,
            ["browser=Firefox", "release=shop@1.2", "retries=2", "transaction=GET /checkout"]
        );
        assert_eq!(event.measurements["lcp"]["value"], json!(1200.0));
    }

    #[test]
    fn a_payload_without_times_or_name_still_reads() {
        let stored = StoredTransaction { payload: b"{}".to_vec(), received: 1_000 };
        let event = transaction_event(1, &"b".repeat(32), &stored).expect("an object");
        assert_eq!(event.title, UNLABELED);
        assert_eq!((event.start_timestamp, event.end_timestamp), (1.0, 1.0));
        assert!(event.spans().is_empty());
        let not_json = StoredTransaction { payload: b"[1]".to_vec(), received: 1_000 };
        assert!(transaction_event(1, "c", &not_json).is_none());
    }
}
