//! Grouping: the hashes that decide which issue an event belongs to.
//!
//! This is the first cut of Sentry's rules (`newstyle:2023-01-11`): the SDK `fingerprint`
//! (with `{{ default }}`), else the stack trace's contributing frames and the exception type,
//! else the exception type and parameterized value, else the parameterized message. Like
//! Sentry, an event with in-app frames gets two hashes: `app` (in-app frames only) and
//! `system` (all frames); it joins the issue of whichever is known.

use std::sync::LazyLock;

use md5::{Digest, Md5};
use regex::Regex;
use serde_json::{Map, Value};

use super::event::{frames, message_text};

/// The grouping hashes of a normalized event, primary first.
pub fn hashes(event: &Map<String, Value>) -> Vec<String> {
    let variants = default_variants(event);
    match fingerprint(event) {
        Some(fingerprint) if !is_default_fingerprint(&fingerprint) => {
            // A custom fingerprint: `{{ default }}` stands for the default grouping values.
            let primary = variants.first().cloned().unwrap_or_default();
            let mut values = Vec::new();
            for part in &fingerprint {
                if is_default_marker(part) {
                    values.extend(primary.iter().cloned());
                } else {
                    values.push(resolve_variable(part, event));
                }
            }
            vec![hash_values(&values)]
        }
        _ => {
            let mut out: Vec<String> = variants.iter().map(|v| hash_values(v)).collect();
            out.dedup();
            if out.is_empty() {
                out.push(hash_values::<String>(&[]));
            }
            out
        }
    }
}

fn fingerprint(event: &Map<String, Value>) -> Option<Vec<String>> {
    let list = event.get("fingerprint")?.as_array()?;
    let parts: Vec<String> = list
        .iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then_some(parts)
}

fn is_default_marker(part: &str) -> bool {
    matches!(part, "{{ default }}" | "{{default}}")
}

fn is_default_fingerprint(parts: &[String]) -> bool {
    parts.iter().all(|p| is_default_marker(p))
}

/// Resolves the fingerprint variables Sentry knows (`{{ type }}`, `{{ message }}`, ...); any
/// other text is used as it is.
fn resolve_variable(part: &str, event: &Map<String, Value>) -> String {
    let Some(name) = part.strip_prefix("{{").and_then(|p| p.strip_suffix("}}")) else {
        return part.to_owned();
    };
    let exception = super::event::main_exception(event);
    let from_exception =
        |key: &str| exception.and_then(|e| e.get(key)).and_then(Value::as_str).map(str::to_owned);
    let resolved = match name.trim() {
        "type" | "error.type" => from_exception("type"),
        "value" | "error.value" => from_exception("value"),
        "message" => message_text(event),
        "level" => event.get("level").and_then(Value::as_str).map(str::to_owned),
        "transaction" => event.get("transaction").and_then(Value::as_str).map(str::to_owned),
        other => other.strip_prefix("tags.").and_then(|tag| {
            event.get("tags")?.as_array()?.iter().find_map(|pair| {
                let pair = pair.as_array()?;
                (pair.first()?.as_str()? == tag)
                    .then(|| pair.get(1)?.as_str().map(str::to_owned))?
            })
        }),
    };
    resolved.unwrap_or_else(|| format!("<{}>", name.trim()))
}

/// The values of the default grouping, one list per variant (app first, then system).
fn default_variants(event: &Map<String, Value>) -> Vec<Vec<String>> {
    let exceptions: Vec<&Map<String, Value>> = event
        .get("exception")
        .and_then(|e| e.get("values"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();

    if !exceptions.is_empty() {
        let has_in_app = exceptions
            .iter()
            .flat_map(|e| frames(e))
            .any(|f| f.get("in_app") == Some(&Value::Bool(true)));
        let app = has_in_app.then(|| exception_values(&exceptions, true));
        let system = exception_values(&exceptions, false);
        return app.into_iter().chain(std::iter::once(system)).collect();
    }
    if let Some(message) = message_text(event) {
        return vec![vec![parameterize(&message)]];
    }
    Vec::new()
}

/// Grouping values of a chain of exceptions: each exception's contributing frames and type, or
/// its type and parameterized value when no frame contributes.
fn exception_values(exceptions: &[&Map<String, Value>], in_app_only: bool) -> Vec<String> {
    let mut values = Vec::new();
    for exception in exceptions {
        let mut frame_values = Vec::new();
        let mut previous: Option<&Value> = None;
        for frame in frames(exception) {
            if in_app_only && frame.get("in_app") != Some(&Value::Bool(true)) {
                continue;
            }
            // Recursion: a frame identical to the one before adds nothing.
            if previous == Some(frame) {
                continue;
            }
            previous = Some(frame);
            frame_values.extend(frame_components(frame));
        }
        let ty = exception.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        if frame_values.is_empty() {
            values.push(ty);
            if let Some(value) = exception.get("value").and_then(Value::as_str) {
                values.push(parameterize(value));
            }
        } else {
            values.extend(frame_values);
            values.push(ty);
        }
    }
    values
}

/// A frame contributes its module (else its file's base name) and its function; line numbers
/// never do, so that an unrelated edit above the crash does not split the issue.
fn frame_components(frame: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let module = frame.get("module").and_then(Value::as_str).filter(|s| !s.is_empty());
    if let Some(module) = module {
        out.push(module.to_owned());
    } else if let Some(filename) = frame.get("filename").and_then(Value::as_str) {
        let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
        out.push(base.to_lowercase());
    }
    if let Some(function) = frame.get("function").and_then(Value::as_str).filter(|s| !s.is_empty())
    {
        out.push(function.to_owned());
    }
    out
}

/// Replaces the variable parts of a message (ids, numbers, addresses, dates) with placeholders,
/// so that "user 41 not found" and "user 42 not found" group together.
pub fn parameterize(message: &str) -> String {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"(?P<uuid>\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b)",
            r"|(?P<date>\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b)",
            r"|(?P<ip>\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)",
            r"|(?P<hex>\b0[xX][0-9a-fA-F]+\b)",
            r"|(?P<float>-?\b\d+\.\d+\b)",
            r"|(?P<int>-?\b\d+\b)",
        ))
        .unwrap_or_else(|e| panic!("grouping pattern is valid: {e}"))
    });
    PATTERN
        .replace_all(message, |caps: &regex::Captures<'_>| {
            let name = ["uuid", "date", "ip", "hex", "float", "int"]
                .into_iter()
                .find(|n| caps.name(n).is_some())
                .unwrap_or("int");
            format!("<{name}>")
        })
        .into_owned()
}

/// Sentry's hash: MD5 over the values concatenated without separators, hex.
fn hash_values<T: AsRef<str>>(values: &[T]) -> String {
    let mut hasher = Md5::new();
    for value in values {
        hasher.update(value.as_ref().as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("test event must be an object"),
        }
    }

    #[test]
    fn hash_is_md5_of_concatenated_values() {
        // Checked against Sentry's own grouping snapshots.
        assert_eq!(&hash_values(&["ValueError", "hello world"])[..8], "b23ee196");
        assert_eq!(hash_values::<&str>(&[]), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn same_type_and_parameterized_value_group_together() {
        let a = obj(json!({"exception": {"values": [{"type": "E", "value": "user 41 missing"}]}}));
        let b = obj(json!({"exception": {"values": [{"type": "E", "value": "user 42 missing"}]}}));
        assert_eq!(hashes(&a), hashes(&b));
    }

    #[test]
    fn stack_trace_decides_over_the_value() {
        let frames = json!([{"module": "app", "function": "run", "in_app": true}]);
        let a = obj(json!({"exception": {"values": [
            {"type": "E", "value": "one", "stacktrace": {"frames": frames}}]}}));
        let b = obj(json!({"exception": {"values": [
            {"type": "E", "value": "two", "stacktrace": {"frames": frames}}]}}));
        let other_site = obj(json!({"exception": {"values": [{"type": "E", "value": "one",
            "stacktrace": {"frames": [{"module": "app", "function": "other", "in_app": true}]}}]}}));
        assert_eq!(hashes(&a), hashes(&b));
        assert_ne!(hashes(&a)[0], hashes(&other_site)[0]);
    }

    #[test]
    fn custom_fingerprint_replaces_default_grouping() {
        let a = obj(json!({"fingerprint": ["db-down"], "message": "one"}));
        let b = obj(json!({"fingerprint": ["db-down"], "message": "two"}));
        assert_eq!(hashes(&a), hashes(&b));
        let default =
            obj(json!({"fingerprint": ["{{ default }}"], "logentry": {"formatted": "one"}}));
        let plain = obj(json!({"logentry": {"formatted": "one"}}));
        assert_eq!(hashes(&default), hashes(&plain));
    }

    #[test]
    fn parameterization_of_ids_numbers_ips_uuids_hex_and_dates() {
        assert_eq!(
            parameterize("user 42 at 10.0.0.1 req 9ec79c33-ec99-42ab-8353-589fcb2e04dc ptr 0xdeadBEEF on 2024-01-02T03:04:05Z took 1.5"),
            "user <int> at <ip> req <uuid> ptr <hex> on <date> took <float>"
        );
        assert_eq!(parameterize("testing testing 1, 2, 3"), "testing testing <int>, <int>, <int>");
    }
}
