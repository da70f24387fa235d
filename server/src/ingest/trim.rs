//! Caps on what one event may hold, applied after normalization so that a runaway SDK (a
//! recursive structure in `extra`, a megabyte log line, a stack overflow's 10,000 frames)
//! costs a bounded amount to store, scrub, group and render. Like Relay's trimming, nothing is
//! refused: the excess is cut, and each cut is recorded in the event's `errors`.

use serde_json::{json, Map, Value};

/// Nesting deeper than this (counting from the event's top level) is cut: the value at the
/// limit is replaced by a short JSON rendering of itself.
pub const MAX_DEPTH: usize = 16;
/// Any string longer than this many characters is cut and ends with `...`.
pub const MAX_STRING_CHARS: usize = 16_384;
/// Messages and exception values, which become titles, are cut shorter.
pub const MAX_MESSAGE_CHARS: usize = 8_192;
/// Stack traces keep this many frames: the oldest and the newest halves (Relay keeps both ends;
/// the middle of a deep recursion says least).
pub const MAX_FRAMES: usize = 250;
/// The most recent breadcrumbs kept.
pub const MAX_BREADCRUMBS: usize = 100;
/// Any other array keeps its first this many elements.
pub const MAX_ARRAY_ITEMS: usize = 1_000;
/// Sentry's limits on tags: key length, value length.
pub const MAX_TAG_KEY_CHARS: usize = 200;
/// See [`MAX_TAG_KEY_CHARS`].
pub const MAX_TAG_VALUE_CHARS: usize = 200;

/// Applies every cap to a normalized event; pushes one processing error per kind of cut.
pub fn trim_event(event: &mut Map<String, Value>, errors: &mut Vec<Value>) {
    let mut cuts = Cuts::default();

    // Breadcrumbs: SDKs send a list or `{values}`; keep the newest.
    if let Some(breadcrumbs) = event.get_mut("breadcrumbs") {
        if breadcrumbs.is_array() {
            *breadcrumbs = super::event::object_of("values", breadcrumbs.take());
        }
        if let Some(values) = breadcrumbs.get_mut("values").and_then(Value::as_array_mut) {
            if values.len() > MAX_BREADCRUMBS {
                values.drain(..values.len() - MAX_BREADCRUMBS);
                errors.push(json!({"type": "value_too_long", "name": "breadcrumbs"}));
            }
        }
    }

    for stacktrace in stacktraces(event) {
        if let Some(frames) = stacktrace.get_mut("frames").and_then(Value::as_array_mut) {
            if frames.len() > MAX_FRAMES {
                let half = MAX_FRAMES / 2;
                let omitted = (half, frames.len() - half);
                frames.drain(omitted.0..omitted.1);
                stacktrace["frames_omitted"] = json!([omitted.0, omitted.1]);
                cuts.frames = true;
            }
        }
    }

    if let Some(Value::Array(tags)) = event.get_mut("tags") {
        let before = tags.len();
        tags.retain(|pair| {
            let len =
                |i: usize| pair.get(i).and_then(Value::as_str).map_or(0, |s| s.chars().count());
            (1..=MAX_TAG_KEY_CHARS).contains(&len(0)) && len(1) <= MAX_TAG_VALUE_CHARS
        });
        if tags.len() != before {
            errors.push(json!({"type": "invalid_data", "name": "tags", "reason": "tag key or value too long"}));
        }
    }

    for (path, max) in
        [("/logentry/formatted", MAX_MESSAGE_CHARS), ("/logentry/message", MAX_MESSAGE_CHARS)]
    {
        if let Some(Value::String(s)) = pointer_mut(event, path) {
            cuts.strings |= truncate_in_place(s, max);
        }
    }
    if let Some(values) =
        event.get_mut("exception").and_then(|e| e.get_mut("values")).and_then(Value::as_array_mut)
    {
        for exception in values {
            if let Some(Value::String(s)) = exception.get_mut("value") {
                cuts.strings |= truncate_in_place(s, MAX_MESSAGE_CHARS);
            }
        }
    }

    for value in event.values_mut() {
        walk(value, 1, &mut cuts);
    }

    if cuts.frames {
        errors.push(json!({"type": "value_too_long", "name": "stacktrace.frames"}));
    }
    if cuts.depth {
        errors.push(json!({"type": "value_too_long", "name": "depth", "max": MAX_DEPTH}));
    }
    if cuts.strings {
        errors.push(json!({"type": "value_too_long", "name": "string"}));
    }
    if cuts.arrays {
        errors.push(json!({"type": "value_too_long", "name": "array", "max": MAX_ARRAY_ITEMS}));
    }
}

#[derive(Debug, Default)]
struct Cuts {
    frames: bool,
    depth: bool,
    strings: bool,
    arrays: bool,
}

fn walk(value: &mut Value, depth: usize, cuts: &mut Cuts) {
    match value {
        Value::String(s) => cuts.strings |= truncate_in_place(s, MAX_STRING_CHARS),
        Value::Array(_) | Value::Object(_) if depth >= MAX_DEPTH => {
            let mut rendered = value.to_string();
            truncate_in_place(&mut rendered, 256);
            *value = Value::String(rendered);
            cuts.depth = true;
        }
        Value::Array(items) => {
            if items.len() > MAX_ARRAY_ITEMS {
                items.truncate(MAX_ARRAY_ITEMS);
                cuts.arrays = true;
            }
            for item in items {
                walk(item, depth + 1, cuts);
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                walk(item, depth + 1, cuts);
            }
        }
        _ => {}
    }
}

/// Cuts `s` to `max` characters, the last three being `...`. Returns whether it cut.
fn truncate_in_place(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false; // fewer bytes than `max` means fewer characters too
    }
    match s.char_indices().nth(max.saturating_sub(3)) {
        Some((cut, _)) if s.chars().count() > max => {
            s.truncate(cut);
            s.push_str("...");
            true
        }
        _ => false,
    }
}

fn pointer_mut<'a>(event: &'a mut Map<String, Value>, path: &str) -> Option<&'a mut Value> {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let first = event.get_mut(parts.next()?)?;
    match parts.next() {
        Some(rest) => first.pointer_mut(&format!("/{rest}")),
        None => Some(first),
    }
}

/// Every stack trace of the event: of exceptions, of threads, and the top-level one.
pub(super) fn stacktraces(event: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut found = Vec::new();
    for (key, value) in event.iter_mut() {
        match key.as_str() {
            "exception" | "threads" => {
                let list = match value {
                    Value::Array(list) => Some(list),
                    Value::Object(obj) => obj.get_mut("values").and_then(Value::as_array_mut),
                    _ => None,
                };
                for entry in list.into_iter().flatten() {
                    if let Some(st) = entry.get_mut("stacktrace").filter(|st| st.is_object()) {
                        found.push(st);
                    }
                }
            }
            "stacktrace" if value.is_object() => found.push(value),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trimmed(event: Value) -> (Value, Vec<Value>) {
        let Value::Object(mut map) = event else { panic!("object") };
        let mut errors = Vec::new();
        trim_event(&mut map, &mut errors);
        (Value::Object(map), errors)
    }

    #[test]
    fn deep_recursion_keeps_both_ends_of_the_stack() {
        let frames: Vec<Value> = (0..1000).map(|i| json!({"function": format!("f{i}")})).collect();
        let (event, errors) =
            trimmed(json!({"exception": {"values": [{"stacktrace": {"frames": frames}}]}}));
        let st = &event["exception"]["values"][0]["stacktrace"];
        let frames = st["frames"].as_array().unwrap();
        assert_eq!(frames.len(), MAX_FRAMES);
        assert_eq!(frames[0]["function"], "f0");
        assert_eq!(frames[MAX_FRAMES - 1]["function"], "f999");
        assert_eq!(st["frames_omitted"], json!([125, 875]));
        assert!(errors.iter().any(|e| e["name"] == "stacktrace.frames"));
    }

    #[test]
    fn breadcrumbs_keep_the_newest_hundred_and_lists_become_values() {
        let crumbs: Vec<Value> = (0..150).map(|i| json!({"message": format!("b{i}")})).collect();
        let (event, _) = trimmed(json!({"breadcrumbs": crumbs}));
        let values = event["breadcrumbs"]["values"].as_array().unwrap();
        assert_eq!(values.len(), MAX_BREADCRUMBS);
        assert_eq!(values[0]["message"], "b50");
        assert_eq!(values[99]["message"], "b149");
    }

    #[test]
    fn long_strings_and_messages_are_cut_with_an_ellipsis() {
        let (event, errors) = trimmed(json!({
            "logentry": {"formatted": "m".repeat(20_000)},
            "extra": {"blob": "é".repeat(40_000)},
        }));
        let message = event["logentry"]["formatted"].as_str().unwrap();
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(message.ends_with("..."));
        let blob = event["extra"]["blob"].as_str().unwrap();
        assert_eq!(blob.chars().count(), MAX_STRING_CHARS);
        assert!(errors.iter().any(|e| e["name"] == "string"));
    }

    #[test]
    fn nesting_beyond_the_limit_becomes_text() {
        let mut deep = json!("bottom");
        for _ in 0..40 {
            deep = json!({ "next": deep });
        }
        let (event, errors) = trimmed(json!({ "extra": { "deep": deep } }));
        let mut cursor = &event["extra"]["deep"];
        let mut levels = 2;
        while let Some(next) = cursor.get("next") {
            cursor = next;
            levels += 1;
        }
        assert_eq!(levels, MAX_DEPTH);
        assert!(cursor.as_str().is_some_and(|s| s.starts_with("{\"next\"")), "{cursor}");
        assert!(errors.iter().any(|e| e["name"] == "depth"));
    }

    #[test]
    fn huge_arrays_and_overlong_tags_are_cut() {
        let (event, errors) = trimmed(json!({
            "extra": {"ids": (0..5000).collect::<Vec<_>>()},
            "tags": [["ok", "fine"], ["k".repeat(300), "v"], ["key", "v".repeat(300)]],
        }));
        assert_eq!(event["extra"]["ids"].as_array().unwrap().len(), MAX_ARRAY_ITEMS);
        assert_eq!(event["tags"], json!([["ok", "fine"]]));
        assert!(errors.iter().any(|e| e["name"] == "tags"));
        assert!(errors.iter().any(|e| e["name"] == "array"));
    }

    #[test]
    fn an_ordinary_event_is_untouched() {
        let original = json!({
            "message": "hello",
            "extra": {"a": [1, 2, {"b": "c"}]},
            "breadcrumbs": {"values": [{"message": "x"}]},
        });
        let (event, errors) = trimmed(original.clone());
        assert_eq!(event, original);
        assert!(errors.is_empty());
    }
}
