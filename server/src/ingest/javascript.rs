//! What Sentry's JavaScript plugin does to an event before grouping: a frame of a
//! `javascript` or `node` event that names no `module` but comes from a URL (`http:`, `https:`,
//! `webpack:`, `app:`) gets one made up from the URL's path (`generate_module`).
//!
//! Browser SDKs send no modules, only each frame's script URL. Without this, grouping ignores
//! such a frame's filename (it has a URL origin) and groups on function names alone, so the
//! same function name in two bundles made one issue where Sentry makes two; and the culprit
//! showed the whole URL where Sentry shows `function(module)`, e.g. `render(app)` for
//! `https://example.com/static/js/app.4f2a8c1d.js`. The module is also kept on the stored
//! frame, as Sentry keeps it.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

/// What Sentry names a module it cannot make out.
const UNKNOWN_MODULE: &str = "<unknown module>";

/// Folder names that say nothing about the code (scripts, build output, version numbers,
/// hashes, hidden and `~` folders) at the start of the path, and a commit hash or content hash
/// at its end (Sentry's `CLEAN_MODULE_RE`).
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        ^(?:
            /
            | (?:
                (?:java)?scripts? | js | build | static | node_modules | bower_components
                | [_.~].*?
                | v?(?:\d+\.)*\d+
                | [a-f0-9]{7,8} | [a-f0-9]{32} | [a-f0-9]{40}
            )/
        )+
        | [-.][a-f0-9]{7,}$",
    )
    .expect("the module noise pattern compiles")
});

/// Gives every frame of a `javascript` or `node` event that has no module and comes from a URL
/// the module Sentry makes up for it. Runs in normalization, after trimming.
pub fn generate_modules(event: &mut Map<String, Value>) {
    let platform = event.get("platform").and_then(Value::as_str).unwrap_or("");
    // Other platforms' events cost one look per frame, for a platform of its own (a JavaScript
    // frame may sit in another event's stack trace, e.g. a React Native event's).
    let event_is_js = matches!(platform, "javascript" | "node");
    for stacktrace in super::trim::stacktraces(event) {
        let Some(frames) = stacktrace.get_mut("frames").and_then(Value::as_array_mut) else {
            continue;
        };
        for frame in frames.iter_mut().filter_map(Value::as_object_mut) {
            let is_js = match frame.get("platform").and_then(Value::as_str) {
                Some(own) if !own.is_empty() => matches!(own, "javascript" | "node"),
                _ => event_is_js,
            };
            let has_module =
                frame.get("module").is_some_and(|m| !m.is_null() && m.as_str() != Some(""));
            if !is_js || has_module {
                continue;
            }
            // A frame with only a `filename` has it as its `abs_path` in Sentry (Relay moves
            // it there), as grouping reads it here too.
            let text = |key| frame.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
            let Some(abs_path) = text("abs_path").or_else(|| text("filename")) else {
                continue;
            };
            if ["http:", "https:", "webpack:", "app:"].iter().any(|s| abs_path.starts_with(s)) {
                let module = generate_module(abs_path);
                frame.insert("module".into(), Value::String(module));
            }
        }
    }
}

/// The module Sentry makes up from a script's URL: its path without query, fragment, extension
/// and `.min`, and without the noise [`NOISE`] describes; or what follows a folder named by a
/// 32- or 40-digit hash. `https://example.com/js/v1.0/foo/bar/baz.min.js` is `foo/bar/baz`.
pub fn generate_module(url: &str) -> String {
    if url.is_empty() {
        return UNKNOWN_MODULE.to_owned();
    }
    let path = without_extension(url_path(url));
    let path = path.strip_suffix(".min").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    if let Some(hash) = segments.iter().position(|s| starts_with_hash(s)) {
        return segments[hash + 1..].join("/");
    }
    let cleaned = NOISE.replace_all(path, "");
    if cleaned.is_empty() {
        UNKNOWN_MODULE.to_owned()
    } else {
        cleaned.into_owned()
    }
}

/// The path of a URL (Python's `urlsplit(url).path`): after the scheme and the host, before
/// the query or fragment.
fn url_path(url: &str) -> &str {
    let rest = match url.split_once(':') {
        Some((scheme, rest)) if is_scheme(scheme) => rest,
        _ => url,
    };
    let rest = match rest.strip_prefix("//") {
        Some(authority) => {
            authority.find(['/', '?', '#']).map_or("", |host_end| &authority[host_end..])
        }
        None => rest,
    };
    rest.find(['?', '#']).map_or(rest, |end| &rest[..end])
}

fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The path without its file's extension, as Python's `os.path.splitext` cuts it: at the last
/// dot of the file's name, unless only dots come before it (`.hidden` has none).
fn without_extension(path: &str) -> &str {
    let name_start = path.rfind('/').map_or(0, |slash| slash + 1);
    match path[name_start..].rfind('.') {
        Some(dot) if path[name_start..name_start + dot].bytes().any(|b| b != b'.') => {
            &path[..name_start + dot]
        }
        _ => path,
    }
}

/// Whether a folder's name begins with 32 hex digits (Sentry's `VERSION_RE`, an MD5 or SHA-1
/// build hash).
fn starts_with_hash(segment: &str) -> bool {
    segment.len() >= 32 && segment.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn generated_module_is_the_path_without_host_query_and_extension() {
        assert_eq!(generate_module("http://example.com/foo.js"), "foo");
        assert_eq!(generate_module("http://example.com/foo/bar.js"), "foo/bar");
        assert_eq!(generate_module("http://example.com/foo/bar.coffee"), "foo/bar");
        assert_eq!(generate_module("http://example.com/foo/bar.js?v=1234"), "foo/bar");
        assert_eq!(generate_module("https://example.com/foo/bar.js#L10"), "foo/bar");
        assert_eq!(generate_module("https://example.com/app/main.min.js"), "app/main");
        assert_eq!(generate_module("app:///dist/server.js"), "dist/server");
        assert_eq!(generate_module("webpack:///./src/components/Cart.tsx"), "src/components/Cart");
    }

    #[test]
    fn generated_module_drops_noise_folders() {
        assert_eq!(generate_module("http://google.com/js/v1.0/foo/bar/baz.js"), "foo/bar/baz");
        for folder in ["js", "javascript", "scripts", "static", "build", "1.0", "v1", "v1.0.0"] {
            assert_eq!(
                generate_module(&format!("http://example.com/{folder}/foo/bar.js")),
                "foo/bar"
            );
        }
        assert_eq!(generate_module("http://example.com/_baz/foo/bar.js"), "foo/bar");
        assert_eq!(generate_module("http://example.com/1/2/3/foo/bar.js"), "foo/bar");
        assert_eq!(generate_module("http://example.com/abcdef0/foo/bar.js"), "foo/bar");
        assert_eq!(generate_module("http://example.com/static/js/main.js"), "main");
        assert_eq!(generate_module("http://example.com/node_modules/foo/bar.js"), "foo/bar");
        assert_eq!(generate_module("http://example.com/bower_components/foo/bar.js"), "foo/bar");
        assert_eq!(generate_module("app:///../../foo/bar.js"), "foo/bar");
    }

    #[test]
    fn generated_module_drops_build_hashes() {
        // A folder named by a hash: what follows it.
        let sha1 = "92cd589eca8235e7b373bf5ae94ebf898e3b949c";
        assert_eq!(generate_module(&format!("http://example.com/{sha1}/foo/bar.js")), "foo/bar");
        assert_eq!(generate_module(&format!("webpack:///{sha1}/vendor.js")), "vendor");
        assert_eq!(generate_module(&format!("app:///example/{sha1}/vendor.js")), "vendor");
        let md5 = "7d6d00eae0ceccdc7ee689659585d95f";
        assert_eq!(generate_module(&format!("http://example.com/{md5}/foo/bar.js")), "foo/bar");
        // A hash at the end of the name.
        assert_eq!(generate_module(&format!("http://example.com/foo/bar-{md5}.js")), "foo/bar");
        assert_eq!(generate_module(&format!("http://example.com/vendor.{sha1}.js")), "vendor");
        assert_eq!(
            generate_module("https://shop.example.com/static/js/main.4f2a8c1d.chunk.js"),
            "main.4f2a8c1d.chunk"
        );
        assert_eq!(generate_module("https://shop.example.com/static/js/main.4f2a8c1d.js"), "main");
        assert_eq!(
            generate_module("https://example.com/libs/libs-20150417171659.min.js"),
            "libs/libs"
        );
        assert_eq!(
            generate_module(
                "https://example.com/a/javascripts/application-bundle-149360d3414c26adac3febdf6832e25c.min.js"
            ),
            "a/javascripts/application-bundle"
        );
    }

    #[test]
    fn generated_module_of_nothing_is_unknown() {
        assert_eq!(generate_module(""), UNKNOWN_MODULE);
        assert_eq!(generate_module("https://example.com/"), UNKNOWN_MODULE);
        assert_eq!(generate_module("https://example.com/static/js/"), UNKNOWN_MODULE);
        assert_eq!(generate_module("https://example.com"), UNKNOWN_MODULE);
        // Python's `splitext` keeps a name that is only a dot file.
        assert_eq!(generate_module("https://example.com/app/.hidden"), "app/.hidden");
    }

    fn frames_of(event: &Map<String, Value>) -> Vec<Option<&str>> {
        event["exception"]["values"][0]["stacktrace"]["frames"]
            .as_array()
            .expect("frames")
            .iter()
            .map(|f| f.get("module").and_then(Value::as_str))
            .collect()
    }

    #[test]
    fn modules_are_made_for_url_frames_of_javascript_events_only() {
        let event = |platform: &str| {
            let Value::Object(map) = json!({"platform": platform, "exception": {"values": [{
                "type": "TypeError",
                "stacktrace": {"frames": [
                    {"abs_path": "https://example.com/static/js/app.js", "function": "a"},
                    {"abs_path": "https://example.com/app.js", "module": "own", "function": "b"},
                    {"abs_path": "/srv/app/index.js", "function": "c"},
                    {"abs_path": "<anonymous>", "function": "d"},
                    {"abs_path": "app:///dist/main.js", "module": "", "function": "e"},
                    {"abs_path": "https://example.com/x.js", "platform": "python", "function": "f"},
                    {"filename": "https://example.com/lib/y.js", "function": "g"}
                ]}
            }]}}) else {
                unreachable!()
            };
            map
        };
        let mut js = event("javascript");
        generate_modules(&mut js);
        assert_eq!(
            frames_of(&js),
            [Some("app"), Some("own"), None, None, Some("dist/main"), None, Some("lib/y")],
            "URL frames without a module get one; a frame of another platform does not"
        );
        let mut node = event("node");
        generate_modules(&mut node);
        assert_eq!(frames_of(&node)[0], Some("app"));

        let mut python = event("python");
        generate_modules(&mut python);
        assert_eq!(frames_of(&python), [None, Some("own"), None, None, Some(""), None, None]);
        // A JavaScript frame in another platform's event gets one.
        let Value::Object(mut mixed) = json!({"platform": "cocoa", "stacktrace": {"frames": [
            {"abs_path": "app:///main.jsbundle", "platform": "javascript", "function": "a"}
        ]}}) else {
            unreachable!()
        };
        generate_modules(&mut mixed);
        assert_eq!(mixed["stacktrace"]["frames"][0]["module"], "main");
    }
}
