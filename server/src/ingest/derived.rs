//! What Sentry derives from an event beyond the fields the SDK sent: the user's IP address
//! from the connection (Relay's `normalize_ip_addresses`), and the tags Sentry adds for the
//! event's attributes and interfaces (Relay's `normalize_event_tags`, then `set_tag` in
//! Sentry's event manager for `level`, `logger`, `environment`, `transaction`, the contexts'
//! `context_to_tags`, the request's `url` and the exception's `mechanism` and `handled`).
//!
//! Those tags are what a Sentry user filters and facets by (`browser.name:Chrome`,
//! `handled:no`, `transaction:/checkout`, `os.name:Windows`), so they are written into the
//! stored event's `tags` and counted per issue like the SDK's own.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::trim::{MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS};

/// The SDK's `{{auto}}`: "the address this event came from".
const AUTO: &str = "{{auto}}";

/// `sdk.settings.infer_ip`, which newer SDKs send instead of `{{auto}}`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum InferIp {
    /// `auto`: the user's address is the client's unless the SDK sent one.
    Auto,
    /// `never` (or a value Relay does not know): no address is inferred, `{{auto}}` is removed.
    Never,
    /// No setting: Relay's older rules (`{{auto}}`, the request's `REMOTE_ADDR`, and the
    /// client's address for browser and Apple platforms, whose SDKs never sent `{{auto}}`).
    Legacy,
}

fn infer_ip(event: &Map<String, Value>) -> InferIp {
    let setting = event.get("sdk").and_then(|sdk| sdk.get("settings")?.get("infer_ip"));
    match setting {
        None | Some(Value::Null) => InferIp::Legacy,
        Some(value) => match value.as_str() {
            Some("auto") => InferIp::Auto,
            Some("legacy") => InferIp::Legacy,
            _ => InferIp::Never,
        },
    }
}

/// Fills in the user's IP address as Relay does: `{{auto}}` in `user.ip_address` and in
/// `request.env.REMOTE_ADDR` becomes the client's address; a user without an address takes the
/// request's `REMOTE_ADDR`, or, for the platforms whose SDKs expect it (or `infer_ip: auto`),
/// the client's address. Runs before scrubbing, so "Prevent storing IP addresses" still removes
/// what this puts in.
pub fn backfill_ip(event: &mut Map<String, Value>, client_ip: Option<IpAddr>) {
    let setting = infer_ip(event);
    if setting == InferIp::Never {
        if let Some(Value::Object(user)) = event.get_mut("user") {
            if user.get("ip_address").and_then(Value::as_str) == Some(AUTO) {
                user.remove("ip_address");
            }
        }
        return;
    }
    let client = || client_ip.map(|ip| ip.to_string());
    let mut remote_addr: Option<String> = None;
    if let Some(Value::Object(env)) = event.get_mut("request").and_then(|r| r.get_mut("env")) {
        if let Some(Value::String(addr)) = env.get_mut("REMOTE_ADDR") {
            if addr == AUTO {
                if let Some(client) = client() {
                    *addr = client;
                }
            }
            remote_addr = addr.parse::<IpAddr>().is_ok().then(|| addr.clone());
        }
    }
    let platform_infers = matches!(
        event.get("platform").and_then(Value::as_str),
        Some("javascript" | "cocoa" | "objc")
    );
    let has_user = matches!(event.get("user"), Some(Value::Object(_)));
    let current = event.get("user").and_then(|u| u.get("ip_address"));
    let missing = matches!(current, None | Some(Value::Null));
    let is_auto = current.and_then(Value::as_str) == Some(AUTO);
    let address = if is_auto {
        client()
    } else if missing {
        remote_addr.or_else(|| (setting == InferIp::Auto || platform_infers).then(client).flatten())
    } else {
        None
    };
    let Some(address) = address else { return };
    if !has_user {
        event.insert("user".into(), Value::Object(Map::new()));
    }
    if let Some(Value::Object(user)) = event.get_mut("user") {
        user.insert("ip_address".into(), Value::String(address));
    }
}

/// The tags of one context type: the tag's name after the context's key (`""` for the key
/// itself), and the fields its value is made of, joined by spaces.
type ContextTags = &'static [(&'static str, &'static [&'static str])];

/// The tags Sentry derives from a context of each type; a tag whose fields are not all there is
/// left out (Sentry's `context_to_tags`).
const CONTEXT_TAGS: &[(&str, ContextTags)] = &[
    ("os", &[("", &["name", "version"]), ("name", &["name"])]),
    ("runtime", &[("", &["name", "version"]), ("name", &["name"])]),
    ("browser", &[("", &["browser"]), ("name", &["name"])]),
    ("device", &[("", &["model"]), ("family", &["family"])]),
    ("gpu", &[("name", &["name"]), ("vendor", &["vendor_name"])]),
    ("monitor", &[("id", &["id"]), ("slug", &["slug"])]),
];

/// Tags the SDK may not set: Sentry keeps them for its own values (`sentry:release`,
/// `sentry:dist`, `sentry:user`) or drops them (Relay's `normalize_event_tags`).
const RESERVED_TAGS: [&str; 5] = ["release", "dist", "user", "filename", "function"];

/// Rewrites the event's `tags` (a list of `[key, value]` pairs after normalization) as Sentry
/// stores them: the SDK's reserved and repeated keys removed, an `environment` tag moved to
/// the event when it has none, and the derived tags set, each replacing an SDK tag of its name.
pub fn derive_tags(event: &mut Map<String, Value>) {
    let mut sdk_tags = match event.remove("tags") {
        Some(Value::Array(tags)) => tags,
        _ => Vec::new(),
    };
    // Legacy apps sent the environment as a tag.
    if let Some(i) = sdk_tags.iter().position(|pair| tag_key(pair) == Some("environment")) {
        let tag = sdk_tags.remove(i);
        let has_environment =
            event.get("environment").and_then(Value::as_str).is_some_and(|e| !e.is_empty());
        if let (false, Some(Value::String(value))) = (has_environment, tag.get(1)) {
            event.insert("environment".into(), Value::String(value.clone()));
        }
    }

    let derived = derived_tags(event);
    let mut kept: Vec<Value> = Vec::with_capacity(sdk_tags.len() + derived.len());
    for pair in sdk_tags {
        let keep = tag_key(&pair).is_some_and(|key| {
            !RESERVED_TAGS.contains(&key)
                && key != "environment"
                && !kept.iter().any(|k| tag_key(k) == Some(key))
                && !derived.iter().any(|(k, _)| k == key)
        });
        if keep {
            kept.push(pair);
        }
    }
    for (key, value) in derived {
        kept.push(Value::Array(vec![Value::String(key), Value::String(value)]));
    }
    event.insert("tags".into(), Value::Array(kept));
}

fn tag_key(pair: &Value) -> Option<&str> {
    pair.get(0).and_then(Value::as_str)
}

/// The tags of the event's attributes and interfaces, as `(key, value)`.
fn derived_tags(event: &Map<String, Value>) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = Vec::with_capacity(16);
    let mut set = |key: String, value: String| {
        let valid = (1..=MAX_TAG_KEY_CHARS).contains(&key.chars().count())
            && !value.is_empty()
            && value.chars().count() <= MAX_TAG_VALUE_CHARS
            && !value.contains('\n');
        if valid && !tags.iter().any(|(k, _)| *k == key) {
            tags.push((key, value));
        }
    };
    for key in ["level", "logger", "environment", "transaction", "server_name", "site", "dist"] {
        if let Some(value) = event.get(key).and_then(Value::as_str) {
            set(key.to_owned(), value.to_owned());
        }
    }
    if let Some(Value::Object(contexts)) = event.get("contexts") {
        for (alias, context) in contexts {
            let Value::Object(context) = context else { continue };
            let kind = context.get("type").and_then(Value::as_str).unwrap_or(alias);
            let Some((_, templates)) = CONTEXT_TAGS.iter().find(|(t, _)| *t == kind) else {
                continue;
            };
            for (suffix, fields) in *templates {
                let value = match (kind, *suffix, joined(context, fields)) {
                    // Relay writes `browser` as "<name> <version>" when the SDK did not.
                    ("browser", "", None) => joined(context, &["name", "version"]),
                    (_, _, value) => value,
                };
                let Some(value) = value else { continue };
                let key =
                    if suffix.is_empty() { alias.clone() } else { format!("{alias}.{suffix}") };
                set(key, value);
            }
        }
    }
    let url = event.get("request").and_then(|r| r.get("url")).and_then(Value::as_str);
    if let Some(url) = url {
        // Relay keeps the query string and the fragment apart from the URL.
        let url = url.split(['?', '#']).next().unwrap_or_default();
        set("url".into(), url.to_owned());
    }
    let first_exception =
        event.get("exception").and_then(|e| e.get("values")).and_then(|values| values.get(0));
    if let Some(Value::Object(mechanism)) = first_exception.and_then(|e| e.get("mechanism")) {
        if let Some(kind) = mechanism.get("type").and_then(Value::as_str) {
            set("mechanism".into(), kind.to_owned());
        }
        if let Some(handled) = mechanism.get("handled").and_then(Value::as_bool) {
            set("handled".into(), if handled { "yes" } else { "no" }.to_owned());
        }
    }
    tags
}

/// The context's `fields`, as text, joined by spaces; `None` if one is missing.
fn joined(context: &Map<String, Value>, fields: &[&str]) -> Option<String> {
    let mut out = String::new();
    for field in fields {
        let text = match context.get(*field)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text);
    }
    Some(out.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("an object"),
        }
    }

    fn backfilled(event: Value, client: &str) -> Map<String, Value> {
        let mut event = object(event);
        backfill_ip(&mut event, client.parse().ok());
        event
    }

    #[test]
    fn auto_becomes_the_clients_address() {
        let event = backfilled(
            json!({"user": {"id": "1", "ip_address": "{{auto}}"}, "request": {"env": {"REMOTE_ADDR": "{{auto}}"}}}),
            "203.0.113.9",
        );
        assert_eq!(event["user"]["ip_address"], "203.0.113.9");
        assert_eq!(event["request"]["env"]["REMOTE_ADDR"], "203.0.113.9");
    }

    #[test]
    fn an_address_the_sdk_sent_is_kept_and_remote_addr_fills_a_missing_one() {
        let event = backfilled(json!({"user": {"ip_address": "192.0.2.1"}}), "203.0.113.9");
        assert_eq!(event["user"]["ip_address"], "192.0.2.1");
        let event = backfilled(
            json!({"platform": "python", "request": {"env": {"REMOTE_ADDR": "192.0.2.7"}}}),
            "203.0.113.9",
        );
        assert_eq!(event["user"]["ip_address"], "192.0.2.7");
    }

    #[test]
    fn only_browser_and_apple_platforms_infer_an_address_without_being_asked() {
        let js = backfilled(json!({"platform": "javascript"}), "203.0.113.9");
        assert_eq!(js["user"]["ip_address"], "203.0.113.9");
        let cocoa = backfilled(json!({"platform": "cocoa", "user": {"id": "7"}}), "203.0.113.9");
        assert_eq!(cocoa["user"], json!({"id": "7", "ip_address": "203.0.113.9"}));
        let python = backfilled(json!({"platform": "python", "user": {"id": "7"}}), "203.0.113.9");
        assert_eq!(python["user"], json!({"id": "7"}));
        let asked = backfilled(
            json!({"platform": "python", "sdk": {"settings": {"infer_ip": "auto"}}}),
            "203.0.113.9",
        );
        assert_eq!(asked["user"]["ip_address"], "203.0.113.9");
    }

    #[test]
    fn infer_ip_never_removes_auto_and_infers_nothing() {
        for setting in ["never", "sometimes"] {
            let event = backfilled(
                json!({"platform": "javascript", "user": {"id": "1", "ip_address": "{{auto}}"},
                       "sdk": {"settings": {"infer_ip": setting}}}),
                "203.0.113.9",
            );
            assert_eq!(event["user"], json!({"id": "1"}), "{setting}");
        }
    }

    fn tags_of(event: Value) -> (Map<String, Value>, Vec<(String, String)>) {
        let mut event = object(event);
        derive_tags(&mut event);
        let tags = event["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|p| (p[0].as_str().expect("key").into(), p[1].as_str().expect("value").into()))
            .collect();
        (event, tags)
    }

    #[test]
    fn attributes_and_interfaces_become_tags_as_in_sentry() {
        let (_, tags) = tags_of(json!({
            "level": "error", "logger": "shop.checkout", "environment": "production",
            "transaction": "/checkout", "server_name": "web-1", "dist": "42",
            "contexts": {
                "os": {"name": "Windows", "version": "10"},
                "client_os": {"type": "os", "name": "Android"},
                "runtime": {"name": "CPython", "version": "3.11.7"},
                "browser": {"name": "Chrome", "version": "120.0.0"},
                "device": {"model": "Pixel 8", "family": "Pixel"},
                "trace": {"trace_id": "abc"}
            },
            "request": {"url": "https://shop.example.com/checkout?step=2#pay"},
            "exception": {"values": [
                {"type": "KeyError", "mechanism": {"type": "generic", "handled": false}},
                {"type": "ValueError", "mechanism": {"type": "chained", "handled": true}}
            ]},
            "tags": [["customer", "gold"], ["level", "sdk-says"], ["url", "sdk-url"]]
        }));
        let expected: Vec<(String, String)> = [
            ("customer", "gold"),
            ("level", "error"),
            ("logger", "shop.checkout"),
            ("environment", "production"),
            ("transaction", "/checkout"),
            ("server_name", "web-1"),
            ("dist", "42"),
            ("os", "Windows 10"),
            ("os.name", "Windows"),
            ("client_os.name", "Android"),
            ("runtime", "CPython 3.11.7"),
            ("runtime.name", "CPython"),
            ("browser", "Chrome 120.0.0"),
            ("browser.name", "Chrome"),
            ("device", "Pixel 8"),
            ("device.family", "Pixel"),
            ("url", "https://shop.example.com/checkout"),
            ("mechanism", "generic"),
            ("handled", "no"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (mut tags, mut expected) = (tags, expected);
        tags.sort();
        expected.sort();
        assert_eq!(tags, expected);
    }

    #[test]
    fn reserved_and_repeated_sdk_tags_go_and_an_environment_tag_moves_to_the_event() {
        let (event, tags) = tags_of(json!({
            "tags": [["release", "x"], ["user", "y"], ["a", "1"], ["a", "2"], ["environment", "staging"],
                     ["function", "f"], ["filename", "g"], ["dist", "3"]]
        }));
        assert_eq!(event["environment"], "staging");
        assert_eq!(tags, vec![("a".into(), "1".into()), ("environment".into(), "staging".into())]);

        let (event, _) =
            tags_of(json!({"environment": "prod", "tags": [["environment", "staging"]]}));
        assert_eq!(event["environment"], "prod");
    }

    #[test]
    fn derived_values_sentry_could_not_store_are_left_out() {
        let (_, tags) = tags_of(json!({
            "logger": "",
            "transaction": "x".repeat(201),
            "request": {"url": "https://example.com/a\nb"},
            "contexts": {"os": {"name": "Linux"}, "runtime": {"name": true, "version": "1"}}
        }));
        assert_eq!(tags, vec![("os.name".into(), "Linux".into())]);
    }
}
