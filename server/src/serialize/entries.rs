//! The event's interfaces as Sentry's Web API serves them in an event's `entries`: the stored
//! event keeps the protocol's names (`abs_path`, `in_app`, `pre_context`, `query_string`), the
//! API uses Sentry's (`absPath`, `inApp`, `context` as `[line, text]` pairs, `query` as
//! `[key, value]` pairs), so scripts and tools written against Sentry read Cairn's events
//! unchanged. Anything an SDK sent that is not the expected shape is passed through as it is
//! rather than dropped.

use serde_json::{json, Map, Value};

use crate::util::ms_to_datetime;

/// `exception` entry: `{values, hasSystemFrames, excOmitted}`.
pub fn exception(data: &Value) -> Value {
    let values: Vec<Value> = values(data).iter().map(exception_value).collect();
    let has_system_frames = values.iter().any(|value| has_system_frames(&value["stacktrace"]));
    json!({
        "values": values,
        "hasSystemFrames": has_system_frames,
        "excOmitted": data.get("exc_omitted").cloned().unwrap_or(Value::Null),
    })
}

fn exception_value(value: &Value) -> Value {
    let Some(fields) = value.as_object() else { return value.clone() };
    json!({
        "type": field(fields, "type"),
        "value": field(fields, "value"),
        "module": field(fields, "module"),
        "mechanism": field(fields, "mechanism"),
        "threadId": field(fields, "thread_id"),
        "stacktrace": fields.get("stacktrace").map_or(Value::Null, stacktrace),
        "rawStacktrace": fields.get("raw_stacktrace").map_or(Value::Null, stacktrace),
    })
}

/// A stack trace: `{frames, framesOmitted, registers, hasSystemFrames}`.
pub fn stacktrace(data: &Value) -> Value {
    let Some(fields) = data.as_object() else { return data.clone() };
    let frames: Vec<Value> = fields
        .get("frames")
        .and_then(Value::as_array)
        .map(|frames| frames.iter().map(frame).collect())
        .unwrap_or_default();
    let mut out = json!({
        "frames": frames,
        "framesOmitted": field(fields, "frames_omitted"),
        "registers": field(fields, "registers"),
    });
    let has_system = has_system_frames(&out);
    out["hasSystemFrames"] = Value::Bool(has_system);
    out
}

/// Sentry's `hasSystemFrames`: some frames are the application's and some are not, so that
/// hiding the others ("in-app only") shows something and hides something.
fn has_system_frames(stacktrace: &Value) -> bool {
    let Some(frames) = stacktrace.get("frames").and_then(Value::as_array) else {
        return false;
    };
    let in_app = |frame: &Value| frame.get("inApp").and_then(Value::as_bool) == Some(true);
    frames.iter().any(in_app) && !frames.iter().all(in_app)
}

/// One frame, with Sentry's field names and its source lines as numbered `context` pairs.
fn frame(data: &Value) -> Value {
    let Some(fields) = data.as_object() else { return data.clone() };
    let mut frame = json!({
        "filename": field(fields, "filename"),
        "absPath": field(fields, "abs_path"),
        "module": field(fields, "module"),
        "package": field(fields, "package"),
        "platform": field(fields, "platform"),
        "instructionAddr": field(fields, "instruction_addr"),
        "symbolAddr": field(fields, "symbol_addr"),
        "function": field(fields, "function"),
        "rawFunction": field(fields, "raw_function"),
        "symbol": field(fields, "symbol"),
        "context": context(fields),
        "lineNo": field(fields, "lineno"),
        "colNo": field(fields, "colno"),
        "inApp": field(fields, "in_app"),
        "trust": field(fields, "trust"),
        "errors": Value::Null,
        "vars": field(fields, "vars"),
    });
    // Processing notes kept with the frame (e.g. `orig_in_app` where a stack-trace rule changed
    // the SDK's verdict), as the raw event shows them.
    if let Some(notes) = fields.get("data").filter(|d| !d.is_null()) {
        frame["data"] = notes.clone();
    }
    frame
}

/// The frame's source lines as `[[line number, text], ...]`, numbered from the frame's line
/// (Sentry's `get_context`): nothing without a line number or without any source line.
fn context(fields: &Map<String, Value>) -> Vec<Value> {
    let Some(lineno) = fields.get("lineno").and_then(Value::as_u64) else {
        return Vec::new();
    };
    let lines = |key: &str| -> Vec<Value> {
        fields.get(key).and_then(Value::as_array).cloned().unwrap_or_default()
    };
    let (pre, post) = (lines("pre_context"), lines("post_context"));
    let line = fields.get("context_line").cloned().unwrap_or(Value::Null);
    if line.is_null() && pre.is_empty() && post.is_empty() {
        return Vec::new();
    }
    let first = lineno.saturating_sub(pre.len() as u64);
    pre.into_iter()
        .chain(std::iter::once(line))
        .chain(post)
        .enumerate()
        .map(|(n, text)| json!([first + n as u64, text]))
        .collect()
}

/// `threads` entry: `{values: [{id, name, crashed, current, state, stacktrace, ...}]}`.
pub fn threads(data: &Value) -> Value {
    let values: Vec<Value> = values(data)
        .iter()
        .map(|thread| {
            let Some(fields) = thread.as_object() else { return thread.clone() };
            json!({
                "id": field(fields, "id"),
                "name": field(fields, "name"),
                "crashed": field(fields, "crashed"),
                "current": field(fields, "current"),
                "state": field(fields, "state"),
                "heldLocks": field(fields, "held_locks"),
                "stacktrace": fields.get("stacktrace").map_or(Value::Null, stacktrace),
                "rawStacktrace": fields.get("raw_stacktrace").map_or(Value::Null, stacktrace),
            })
        })
        .collect();
    json!({ "values": values })
}

/// `message` entry: `{formatted, message, params}`.
pub fn message(data: &Value) -> Value {
    let Some(fields) = data.as_object() else { return data.clone() };
    json!({
        "formatted": fields.get("formatted").or_else(|| fields.get("message")).cloned(),
        "message": field(fields, "message"),
        "params": field(fields, "params"),
    })
}

/// `breadcrumbs` entry: `{values: [{type, timestamp, level, message, category, data,
/// event_id}]}`, timestamps as ISO 8601 as Sentry serves them.
pub fn breadcrumbs(data: &Value) -> Value {
    let values: Vec<Value> = values(data)
        .iter()
        .map(|crumb| {
            let Some(fields) = crumb.as_object() else { return crumb.clone() };
            let timestamp = match fields.get("timestamp") {
                Some(Value::Number(seconds)) => seconds
                    .as_f64()
                    .map(|s| json!(ms_to_datetime((s * 1000.0).round() as i64)))
                    .unwrap_or(Value::Null),
                other => other.cloned().unwrap_or(Value::Null),
            };
            json!({
                "type": fields.get("type").cloned().unwrap_or_else(|| json!("default")),
                "timestamp": timestamp,
                "level": fields.get("level").cloned().unwrap_or_else(|| json!("info")),
                "message": field(fields, "message"),
                "category": field(fields, "category"),
                "data": field(fields, "data"),
                "event_id": field(fields, "event_id"),
            })
        })
        .collect();
    json!({ "values": values })
}

/// `request` entry: `{url, method, query, fragment, data, headers, cookies, env,
/// inferredContentType, apiTarget}`, with query, headers and cookies as `[key, value]` pairs.
pub fn request(data: &Value) -> Value {
    let Some(fields) = data.as_object() else { return data.clone() };
    let query = fields.get("query_string").or_else(|| fields.get("query"));
    json!({
        "url": field(fields, "url"),
        "method": field(fields, "method"),
        "query": query.map_or_else(Vec::new, |query| pairs(query, '&')),
        "fragment": field(fields, "fragment"),
        "data": field(fields, "data"),
        "headers": fields.get("headers").map_or_else(Vec::new, |headers| pairs(headers, '\n')),
        "cookies": fields.get("cookies").map_or_else(Vec::new, |cookies| pairs(cookies, ';')),
        "env": field(fields, "env"),
        "inferredContentType": field(fields, "inferred_content_type"),
        "apiTarget": field(fields, "api_target"),
    })
}

/// `[key, value]` pairs from what SDKs send: an object, a list of pairs, or a string of
/// `key=value` parts (a query string split on `&` and URL-decoded, cookies on `;`).
fn pairs(value: &Value, separator: char) -> Vec<Value> {
    match value {
        Value::Object(map) => map.iter().map(|(k, v)| json!([k, v])).collect(),
        Value::Array(items) => items.iter().filter(|item| item.is_array()).cloned().collect(),
        Value::String(text) if separator == '&' => {
            let text = text.strip_prefix('?').unwrap_or(text);
            form_urlencoded::parse(text.as_bytes()).map(|(k, v)| json!([k, v])).collect()
        }
        Value::String(text) => text
            .split(separator)
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| match part.split_once('=') {
                Some((k, v)) => json!([k.trim(), v.trim()]),
                None => json!([part, ""]),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The `values` list of an interface that SDKs send as `{values: [...]}` or as a bare list.
fn values(data: &Value) -> Vec<Value> {
    match data {
        Value::Array(values) => values.clone(),
        other => other.get("values").and_then(Value::as_array).cloned().unwrap_or_default(),
    }
}

fn field(fields: &Map<String, Value>, key: &str) -> Value {
    fields.get(key).cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_get_sentrys_names_and_numbered_context() {
        let stacktrace = stacktrace(&json!({"frames": [
            {"filename": "app/orders.py", "abs_path": "/srv/app/orders.py", "function": "parse",
             "lineno": 10, "colno": 4, "in_app": true, "pre_context": ["a", "b"],
             "context_line": "c", "post_context": ["d"], "vars": {"raw": "'x'"}},
            {"filename": "lib.py", "lineno": 3, "in_app": false},
        ]}));
        let frame = &stacktrace["frames"][0];
        assert_eq!(frame["absPath"], "/srv/app/orders.py");
        assert_eq!(frame["lineNo"], 10);
        assert_eq!(frame["colNo"], 4);
        assert_eq!(frame["inApp"], true);
        assert_eq!(frame["context"], json!([[8, "a"], [9, "b"], [10, "c"], [11, "d"]]));
        assert_eq!(frame["vars"], json!({"raw": "'x'"}));
        assert!(frame.get("in_app").is_none() && frame.get("pre_context").is_none());
        // No source lines: no context.
        assert_eq!(stacktrace["frames"][1]["context"], json!([]));
        assert_eq!(stacktrace["hasSystemFrames"], true);
    }

    #[test]
    fn only_app_frames_have_no_system_frames() {
        let trace = stacktrace(&json!({"frames": [{"function": "a", "in_app": true}]}));
        assert_eq!(trace["hasSystemFrames"], false);
        let exception = exception(&json!({"values": [{"type": "E", "stacktrace": {"frames": [
            {"function": "a", "in_app": true}, {"function": "b", "in_app": false}]}}]}));
        assert_eq!(exception["hasSystemFrames"], true);
        assert_eq!(exception["values"][0]["type"], "E");
    }

    #[test]
    fn request_query_headers_and_cookies_become_pairs() {
        let request = request(&json!({
            "url": "https://shop.example/orders", "method": "POST",
            "query_string": "id=42&q=a%20b",
            "headers": {"Content-Type": "application/json"},
            "cookies": "theme=dark; lang=en",
        }));
        assert_eq!(request["query"], json!([["id", "42"], ["q", "a b"]]));
        assert_eq!(request["headers"], json!([["Content-Type", "application/json"]]));
        assert_eq!(request["cookies"], json!([["theme", "dark"], ["lang", "en"]]));
        assert_eq!(request["method"], "POST");
        // Already pairs: kept.
        let request = super::request(&json!({"query_string": [["a", "1"]]}));
        assert_eq!(request["query"], json!([["a", "1"]]));
    }

    #[test]
    fn breadcrumb_timestamps_are_iso_dates() {
        let crumbs = breadcrumbs(&json!({"values": [
            {"timestamp": 1_700_000_000.5, "category": "auth", "message": "in"}]}));
        let crumb = &crumbs["values"][0];
        assert_eq!(crumb["timestamp"], "2023-11-14T22:13:20.500Z");
        assert_eq!(crumb["type"], "default");
        assert_eq!(crumb["level"], "info");
    }

    #[test]
    fn message_has_formatted_text() {
        let message = message(&json!({"message": "Order %s failed", "params": ["42"],
            "formatted": "Order 42 failed"}));
        assert_eq!(message["formatted"], "Order 42 failed");
        assert_eq!(message["params"], json!(["42"]));
    }
}
