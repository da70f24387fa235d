//! One test per grouping rule of Sentry's `newstyle:2023-01-11` (docs/sentry-protocol.md §3):
//! events are built as JSON, and the hashes are checked against the MD5 of the component values
//! the rule says contribute, concatenated without separators, or against other events' hashes.

use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

use super::*;
use cairn_types::api::{GroupingComponent, GroupingValue};

/// MD5 of the values concatenated without separators (Sentry's `hash_from_values`).
fn md5_of(values: &[&str]) -> String {
    let mut h = Md5::new();
    for v in values {
        h.update(v.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The event's hashes with no project rules ([`hashes_with`]).
fn hashes(event: &Map<String, Value>) -> Vec<String> {
    hashes_with(event, &GroupingConfig::default())
}

/// The event's hashes, checked against the grouping information: the hashes of
/// [`explain`]'s contributing variants, each computed from its tree's contributing values,
/// must be grouping's, in its order. Every test of this file goes through here.
fn hashes_with(event: &Map<String, Value>, config: &GroupingConfig) -> Vec<String> {
    let hashes = super::hashes_with(event, config);
    let variants = explain(event, config);
    let mut explained: Vec<String> = Vec::new();
    for hash in variants.iter().filter(|v| v.contributes).filter_map(|v| v.hash.clone()) {
        if !explained.contains(&hash) {
            explained.push(hash);
        }
    }
    assert_eq!(
        explained,
        hashes,
        "the grouping information disagrees with grouping: {}",
        serde_json::to_string_pretty(&variants).unwrap_or_default()
    );
    hashes
}

fn event(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("an event is a JSON object, not {other}"),
    }
}

fn config(fingerprinting: &str, stack_rules: &str) -> GroupingConfig {
    GroupingConfig::parse(fingerprinting, stack_rules).unwrap()
}

/// A Python exception event with the given frames.
fn python_error(ty: &str, value: &str, frames: Value) -> Map<String, Value> {
    event(json!({
        "platform": "python",
        "exception": {"values": [{"type": ty, "value": value, "stacktrace": {"frames": frames}}]}
    }))
}

/// An in-app Python frame.
fn py_frame(module: &str, function: &str, context_line: &str) -> Value {
    json!({
        "module": module,
        "filename": format!("{}.py", module.replace('.', "/")),
        "function": function,
        "context_line": context_line,
        "lineno": 10,
        "in_app": true
    })
}

/// The event with `key` set to `value`.
fn with(mut event: Map<String, Value>, key: &str, value: Value) -> Map<String, Value> {
    event.insert(key.to_owned(), value);
    event
}

const FALLBACK: &str = "d41d8cd98f00b204e9800998ecf8427e";

// ----------------------------------------------------------------------------------------------
// Fingerprints.

#[test]
fn sdk_fingerprint_is_hashed_as_is() {
    let fp = json!(["database-down", "eu-west", 3, true, 2.5]);
    let a = with(python_error("OperationalError", "timeout", json!([])), "fingerprint", fp.clone());
    let b = with(
        python_error("KeyError", "'x'", json!([py_frame("app.views", "index", "x()")])),
        "fingerprint",
        fp,
    );
    // Values as Relay reads them (`True`, truncated floats), concatenated without separators.
    assert_eq!(hashes(&a), ["fe9e267682f1e35be916f3f09498b6da"]);
    assert_eq!(hashes(&a), [md5_of(&["database-down", "eu-west", "3", "True", "2"])]);
    // The rest of the event does not matter.
    assert_eq!(hashes(&a), hashes(&b));
    // No separators: ["data", "base"] and ["database"] are the same fingerprint.
    let split = event(json!({"fingerprint": ["data", "base"], "message": "x"}));
    let joined = event(json!({"fingerprint": ["database"], "message": "y"}));
    assert_eq!(hashes(&split), hashes(&joined));
    assert_eq!(hashes(&split), [md5_of(&["database"])]);
}

#[test]
fn fingerprint_default_variable_means_default_grouping() {
    let base = python_error("ValueError", "bad", json!([py_frame("app.views", "index", "f()")]));
    let expected = [md5_of(&["app.views", "index", "f()", "ValueError"])];
    assert_eq!(hashes(&base), expected);
    for fp in [json!(["{{ default }}"]), json!(["{{default}}"]), json!([])] {
        assert_eq!(hashes(&with(base.clone(), "fingerprint", fp)), expected);
    }
    // Variable names are case-sensitive: `{{ Default }}` is plain text, a custom fingerprint.
    let custom = with(base, "fingerprint", json!(["{{ Default }}"]));
    assert_eq!(hashes(&custom), [md5_of(&["{{ Default }}"])]);
}

#[test]
fn hybrid_fingerprint_salts_each_variant_with_the_default_values() {
    let frames = json!([
        {"module": "django.core", "function": "dispatch", "context_line": "h()", "in_app": false},
        py_frame("app.views", "index", "f()")
    ]);
    let base = with(python_error("ValueError", "bad", frames), "transaction", json!("/checkout"));
    let app = ["app.views", "index", "f()", "ValueError"];
    let system = ["django.core", "dispatch", "h()", "app.views", "index", "f()", "ValueError"];
    assert_eq!(hashes(&base), [md5_of(&app), md5_of(&system)]);

    let e = with(base.clone(), "fingerprint", json!(["{{ default }}", "{{ transaction }}"]));
    assert_eq!(
        hashes(&e),
        [
            md5_of(&[&app[..], &["/checkout"]].concat()),
            md5_of(&[&system[..], &["/checkout"]].concat())
        ]
    );
    // The default values go where `{{ default }}` stands.
    let e = with(base, "fingerprint", json!(["tenant-7", "{{ default }}"]));
    assert_eq!(
        hashes(&e),
        [
            md5_of(&[&["tenant-7"][..], &app].concat()),
            md5_of(&[&["tenant-7"][..], &system].concat())
        ]
    );
}

#[test]
fn fingerprint_variables_resolve_from_the_event_and_its_crash_frame() {
    let e = event(json!({
        "platform": "python",
        "transaction": "/checkout",
        "level": "warning",
        "logger": "app.logger",
        "tags": [["server", "web-1"]],
        "fingerprint": [
            "{{ transaction }}", "{{ type }}", "{{ error.value }}", "{{ function }}",
            "{{ module }}", "{{ package }}", "{{ stack.abs_path }}", "{{ level }}",
            "{{ logger }}", "{{ tags.server }}", "{{ tags.missing }}", "{{ message }}"
        ],
        "exception": {"values": [{
            "type": "ValueError",
            "value": "bad input 42",
            "stacktrace": {"frames": [
                {
                    "module": "app.views", "function": "handle", "in_app": true,
                    "abs_path": "/srv/app/views.py", "package": "/srv/wheels/mypkg.whl"
                },
                {"module": "json.decoder", "function": "decode", "in_app": false}
            ]}
        }]}
    }));
    // The crash frame is the last in-app frame, even when library frames follow it; the package
    // is its last path segment; `{{ message }}` falls back to the exception value.
    assert_eq!(
        hashes(&e),
        [md5_of(&[
            "/checkout",
            "ValueError",
            "bad input 42",
            "handle",
            "app.views",
            "mypkg.whl",
            "/srv/app/views.py",
            "warning",
            "app.logger",
            "web-1",
            "<no-value-for-tag-missing>",
            "bad input 42",
        ])]
    );
}

#[test]
fn fingerprint_variables_without_values_have_placeholders() {
    let e = event(json!({"fingerprint": [
        "{{ transaction }}", "{{ type }}", "{{ value }}", "{{ function }}", "{{ module }}",
        "{{ package }}", "{{ level }}", "{{ logger }}", "{{ message }}", "{{ stack.filename }}"
    ]}));
    assert_eq!(
        hashes(&e),
        [md5_of(&[
            "<no-transaction>",
            "<no-type>",
            "<no-value>",
            "<no-function>",
            "<no-module>",
            "<no-package>",
            "<no-level>",
            "<no-logger>",
            "<no-message>",
            "<no-filename>",
        ])]
    );
}

#[test]
fn fingerprint_message_variable_is_the_raw_log_message() {
    let e = event(json!({
        "logentry": {"message": "User %s failed", "formatted": "User 42 failed"},
        "fingerprint": ["{{ message }}"]
    }));
    // The formatted message, not parameterized.
    assert_eq!(hashes(&e), [md5_of(&["User 42 failed"])]);
}

#[test]
fn fingerprint_function_variable_reads_the_event_stack_trace_without_exception() {
    let e = event(json!({
        "platform": "python",
        "logentry": {"formatted": "slow request"},
        "fingerprint": ["slow", "{{ function }}", "{{ stack.filename }}"],
        "stacktrace": {"frames": [
            {"function": "main", "filename": "app/main.py", "in_app": true},
            {"function": "fetch", "filename": "app/client.py", "in_app": true}
        ]}
    }));
    assert_eq!(hashes(&e), [md5_of(&["slow", "fetch", "app/client.py"])]);
}

#[test]
fn fingerprint_unknown_variables_stay_literal() {
    let e = event(json!({
        "transaction": "/x",
        "fingerprint": ["{{ nonsense }}", "{{ Transaction }}", "{{ transaction }}"]
    }));
    assert_eq!(hashes(&e), [md5_of(&["{{ nonsense }}", "{{ Transaction }}", "/x"])]);
}

#[test]
fn legacy_checksum_is_used_verbatim_or_hashed() {
    let hex = "0123456789abcdef0123456789abcdef";
    let e = with(python_error("ValueError", "bad", json!([])), "checksum", json!(hex));
    assert_eq!(hashes(&e), [hex]);
    // It wins over the fingerprint too.
    let e = with(e, "fingerprint", json!(["mine"]));
    assert_eq!(hashes(&e), [hex]);
    // Anything else is hashed: other text, upper-case hex, wrong length.
    for other in ["release-42-crash", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef"] {
        let e = event(json!({"checksum": other, "message": "m"}));
        assert_eq!(hashes(&e), [md5_of(&[other])], "{other}");
    }
}

// ----------------------------------------------------------------------------------------------
// Exceptions.

#[test]
fn chained_exceptions_concatenate_every_exception_in_order() {
    let cause = json!({"type": "KeyError", "value": "'id'", "stacktrace": {"frames": [
        py_frame("app.db", "load", "row['id']")
    ]}});
    let outer = json!({"type": "RuntimeError", "value": "failed", "stacktrace": {"frames": [
        py_frame("app.views", "index", "load()")
    ]}});
    let e = event(json!({"platform": "python", "exception": {"values": [cause, outer]}}));
    assert_eq!(
        hashes(&e),
        [md5_of(&[
            "app.db",
            "load",
            "row['id']",
            "KeyError",
            "app.views",
            "index",
            "load()",
            "RuntimeError"
        ])]
    );
    let reversed = event(json!({"platform": "python", "exception": {"values": [outer, cause]}}));
    assert_ne!(hashes(&e), hashes(&reversed));
}

#[test]
fn chained_exception_without_stack_trace_is_only_in_the_app_variant() {
    // Sentry gives a stack-less exception only an `app` component, so the `system` variant of the
    // chain has just the exceptions with stack traces.
    let e = event(json!({"platform": "python", "exception": {"values": [
        {"type": "KeyError", "value": "'id'"},
        {"type": "RuntimeError", "value": "failed", "stacktrace": {"frames": [
            py_frame("app.views", "index", "load()")
        ]}}
    ]}}));
    assert_eq!(
        hashes(&e),
        [
            md5_of(&["KeyError", "'id'", "app.views", "index", "load()", "RuntimeError"]),
            md5_of(&["app.views", "index", "load()", "RuntimeError"]),
        ]
    );
}

/// An RFC 0079 exception group: children (`exception_id` 1, 2, …, parent 0) then the root group.
fn exception_group(children: &[(&str, &str)], sdk_version: &str) -> Map<String, Value> {
    let mut values: Vec<Value> = children
        .iter()
        .enumerate()
        .map(|(i, (ty, value))| {
            json!({
                "type": ty,
                "value": value,
                "mechanism": {"type": "chained", "exception_id": i + 1, "parent_id": 0},
                "stacktrace": {"frames": [py_frame("app.tasks", "run", "raise err")]}
            })
        })
        .collect();
    values.push(json!({
        "type": "ExceptionGroup",
        "value": "many errors",
        "mechanism": {"type": "generic", "exception_id": 0, "is_exception_group": true},
        "stacktrace": {"frames": [py_frame("app.main", "main", "raise ExceptionGroup(errs)")]}
    }));
    event(json!({
        "platform": "python",
        "sdk": {"name": "sentry.python", "version": sdk_version},
        "exception": {"values": values}
    }))
}

const CHILD: [&str; 3] = ["app.tasks", "run", "raise err"];
const ROOT: [&str; 4] = ["app.main", "main", "raise ExceptionGroup(errs)", "ExceptionGroup"];

#[test]
fn exception_group_with_one_distinct_exception_groups_as_that_exception() {
    // RFC 0079: Group<[ValueError, ValueError]> is treated as a single ValueError ("bad <int>"
    // once parameterized), without the group.
    let e = exception_group(&[("ValueError", "bad 1"), ("ValueError", "bad 2")], "2.19.0");
    let single =
        python_error("ValueError", "bad 3", json!([py_frame("app.tasks", "run", "raise err")]));
    assert_eq!(hashes(&e), [md5_of(&[&CHILD[..], &["ValueError"]].concat())]);
    assert_eq!(hashes(&e), hashes(&single));
}

#[test]
fn exception_group_with_distinct_exceptions_uses_one_of_each_and_the_root() {
    // Top-level exceptions sorted by type, descending, then the root group.
    let e =
        exception_group(&[("TypeError", "t"), ("ValueError", "v"), ("TypeError", "t")], "2.0.0");
    let expected = [&CHILD[..], &["ValueError"], &CHILD, &["TypeError"], &ROOT].concat();
    assert_eq!(hashes(&e), [md5_of(&expected)]);
    // Exceptions with the same type but different values are distinct too (Sentry compares the
    // components' reprs, which show the value even when the stack trace takes precedence).
    let e = exception_group(&[("ValueError", "disk full"), ("ValueError", "timed out")], "2.0.0");
    let expected = [&CHILD[..], &["ValueError"], &CHILD, &["ValueError"], &ROOT].concat();
    assert_eq!(hashes(&e), [md5_of(&expected)]);
}

#[test]
fn exception_group_with_broken_tree_or_python_sdk_3_keeps_every_exception() {
    let all_in_order = [&CHILD[..], &["ValueError"], &CHILD, &["ValueError"], &ROOT].concat();
    // The Python SDK 3.x exemption.
    let e = exception_group(&[("ValueError", "bad 1"), ("ValueError", "bad 2")], "3.0.0");
    assert_eq!(hashes(&e), [md5_of(&all_in_order)]);
    // A duplicate exception id breaks the tree.
    let mut e = exception_group(&[("ValueError", "bad 1"), ("ValueError", "bad 2")], "2.0.0");
    e["exception"]["values"][1]["mechanism"]["exception_id"] = json!(1);
    assert_eq!(hashes(&e), [md5_of(&all_in_order)]);
    // So does a missing id.
    let mut e = exception_group(&[("ValueError", "bad 1"), ("ValueError", "bad 2")], "2.0.0");
    e["exception"]["values"][0]["mechanism"].as_object_mut().unwrap().remove("exception_id");
    assert_eq!(hashes(&e), [md5_of(&all_in_order)]);
}

#[test]
fn exception_type_and_parameterized_value_without_stack_trace() {
    let e =
        event(json!({"exception": {"values": [{"type": "ValueError", "value": "hello world"}]}}));
    assert_eq!(hashes(&e), ["b23ee1963904c2ca87b145febf94b66c"]);
    let a = event(json!({"exception": {"values": [
        {"type": "LookupError", "value": "user 41 not found in 10.0.0.1"}
    ]}}));
    let b = event(json!({"exception": {"values": [
        {"type": "LookupError", "value": "user 42 not found in 10.0.0.2"}
    ]}}));
    assert_eq!(hashes(&a), [md5_of(&["LookupError", "user <int> not found in <ip>"])]);
    assert_eq!(hashes(&a), hashes(&b));
    let other_type = event(json!({"exception": {"values": [
        {"type": "KeyError", "value": "user 41 not found in 10.0.0.1"}
    ]}}));
    assert_ne!(hashes(&a), hashes(&other_type));
}

#[test]
fn exception_value_is_ignored_when_the_stack_trace_contributes() {
    let frames = json!([py_frame("app.views", "index", "f()")]);
    let a = python_error("ValueError", "invalid literal 'abc'", frames.clone());
    let b = python_error("ValueError", "completely different text", frames);
    assert_eq!(hashes(&a), hashes(&b));
    assert_eq!(hashes(&a), [md5_of(&["app.views", "index", "f()", "ValueError"])]);
}

#[test]
fn synthetic_exception_type_does_not_contribute() {
    let e = event(json!({"platform": "native", "exception": {"values": [{
        "type": "SIGSEGV", "value": "Segfault", "mechanism": {"type": "signalhandler", "synthetic": true}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["Segfault"])]);
}

#[test]
fn ns_error_domain_and_code_replace_the_value() {
    let e = event(json!({"platform": "cocoa", "exception": {"values": [{
        "type": "NSURLError", "value": "The request timed out.",
        "mechanism": {"type": "nserror", "meta": {"ns_error": {"domain": "NSURLErrorDomain", "code": -1001}}}
    }]}}));
    // Order in this config: [stacktrace, type, ns_error, value].
    assert_eq!(hashes(&e), [md5_of(&["NSURLError", "NSURLErrorDomain", "-1001"])]);
}

// ----------------------------------------------------------------------------------------------
// Stack traces and frames.

#[test]
fn app_variant_has_only_in_app_frames_and_system_variant_all_frames() {
    let e = python_error(
        "ValueError",
        "bad",
        json!([
            {"module": "django.core.handlers", "function": "get_response", "in_app": false,
             "context_line": "response = handler(request)"},
            py_frame("app.views", "index", "raise ValueError('bad')"),
            {"module": "django.utils", "function": "wrapper", "in_app": false,
             "context_line": "return f()"}
        ]),
    );
    // `app` first, `system` last.
    assert_eq!(
        hashes(&e),
        [
            md5_of(&["app.views", "index", "raise ValueError('bad')", "ValueError"]),
            md5_of(&[
                "django.core.handlers",
                "get_response",
                "response = handler(request)",
                "app.views",
                "index",
                "raise ValueError('bad')",
                "django.utils",
                "wrapper",
                "return f()",
                "ValueError",
            ]),
        ]
    );
}

#[test]
fn app_variant_is_dropped_without_in_app_frames() {
    let e = python_error(
        "ValueError",
        "bad",
        json!([{"module": "django.core", "function": "dispatch", "in_app": false, "context_line": "h()"}]),
    );
    // Only the system variant has a contributing stack trace, so the app variant (type and value
    // alone) is ignored.
    assert_eq!(hashes(&e), [md5_of(&["django.core", "dispatch", "h()", "ValueError"])]);
}

#[test]
fn python_frames_group_by_module_function_and_context_line() {
    let e = python_error(
        "ValueError",
        "bad",
        json!([{
            "module": "app.views", "filename": "app/views.py", "abs_path": "/srv/app/views.py",
            "function": "index", "context_line": "    return   render(x)  ", "lineno": 3,
            "in_app": true
        }]),
    );
    // The module takes precedence over the filename; the context line's whitespace collapses;
    // the line number never counts.
    assert_eq!(hashes(&e), [md5_of(&["app.views", "index", "return render(x)", "ValueError"])]);
    let mut moved = e.clone();
    moved["exception"]["values"][0]["stacktrace"]["frames"][0]["lineno"] = json!(300);
    assert_eq!(hashes(&e), hashes(&moved));
    // Without a module, the lowercased basename of the filename.
    let e = python_error(
        "ValueError",
        "bad",
        json!([{"filename": "App\\Views.py", "function": "index", "in_app": true}]),
    );
    assert_eq!(hashes(&e), [md5_of(&["views.py", "index", "ValueError"])]);
}

#[test]
fn context_lines_over_120_characters_are_ignored() {
    let long = format!("x = {}", "1 + ".repeat(40));
    let e = python_error("ValueError", "bad", json!([py_frame("app.views", "index", &long)]));
    assert_eq!(hashes(&e), [md5_of(&["app.views", "index", "ValueError"])]);
}

#[test]
fn javascript_frames_group_by_filename_function_and_context_line() {
    let e = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "TypeError", "value": "x is undefined",
        "stacktrace": {"frames": [{
            "abs_path": "webpack:///./src/components/Cart.jsx", "filename": "./src/components/Cart.jsx",
            "module": "src/components/Cart", "function": "Cart.prototype.render",
            "context_line": "return items.map(render);", "in_app": true
        }]}
    }]}}));
    // The module counts (it is not the tail of the path); the function keeps what follows the
    // last dot.
    assert_eq!(
        hashes(&e),
        [md5_of(&["src/components/Cart", "render", "return items.map(render);", "TypeError"])]
    );
    // A module that is just the end of `abs_path` is ignored in favour of the filename.
    let e = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "TypeError", "value": "x is undefined",
        "stacktrace": {"frames": [{
            "abs_path": "/app/src/components/Cart.jsx", "filename": "/app/src/components/Cart.jsx",
            "module": "components/Cart.jsx", "function": "render", "in_app": true
        }]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["cart.jsx", "render", "TypeError"])]);
}

#[test]
fn node_frames_group_by_module_function_and_context_line() {
    let e = event(json!({"platform": "node", "exception": {"values": [{
        "type": "Error", "value": "boom",
        "stacktrace": {"frames": [{
            "abs_path": "/app/src/handlers.js", "filename": "/app/src/handlers.js",
            "module": "handlers", "function": "Object.handle", "context_line": "throw err;",
            "in_app": true
        }]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["handlers", "handle", "throw err;", "Error"])]);
}

#[test]
fn java_frames_group_by_module_and_function_without_context_line() {
    let e = event(json!({"platform": "java", "exception": {"values": [{
        "type": "IllegalStateException", "value": "closed",
        "stacktrace": {"frames": [{
            "module": "com.example.Service", "filename": "Service.java", "function": "process",
            "context_line": "throw new IllegalStateException();", "in_app": true
        }]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["com.example.Service", "process", "IllegalStateException"])]);
}

#[test]
fn native_frames_group_by_filename_and_trimmed_function() {
    let e = event(json!({"platform": "native", "exception": {"values": [{
        "type": "EXC_BAD_ACCESS", "value": "crash",
        "stacktrace": {"frames": [{
            "abs_path": "/src/Engine/Renderer.cpp", "filename": "/src/Engine/Renderer.cpp",
            "function": "Renderer<float>::draw(Scene const&) const",
            "context_line": "scene->draw();", "package": "/opt/game/bin/game", "in_app": true
        }]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["renderer.cpp", "Renderer<T>::draw", "EXC_BAD_ACCESS"])]);
}

#[test]
fn recursion_collapses_repeated_frames() {
    let frame = |function: &str, lineno: u32| json!({"module": "app.tree", "function": function, "lineno": lineno, "in_app": true});
    let e = python_error(
        "RecursionError",
        "too deep",
        json!([
            frame("main", 1),
            frame("walk", 7),
            frame("walk", 7),
            frame("walk", 7),
            frame("leaf", 9)
        ]),
    );
    assert_eq!(
        hashes(&e),
        [md5_of(&["app.tree", "main", "app.tree", "walk", "app.tree", "leaf", "RecursionError"])]
    );
    let shallow = python_error(
        "RecursionError",
        "too deep",
        json!([frame("main", 1), frame("walk", 7), frame("leaf", 9)]),
    );
    assert_eq!(hashes(&e), hashes(&shallow));
    // A different line is a different call site, not a recursion.
    let e = python_error("RecursionError", "x", json!([frame("walk", 7), frame("walk", 8)]));
    assert_eq!(hashes(&e), [md5_of(&["app.tree", "walk", "app.tree", "walk", "RecursionError"])]);
    // `null` and a missing field are the same.
    let mut with_null = frame("walk", 7);
    with_null["colno"] = Value::Null;
    let e = python_error("RecursionError", "x", json!([frame("walk", 7), with_null]));
    assert_eq!(hashes(&e), [md5_of(&["app.tree", "walk", "RecursionError"])]);
}

#[test]
fn javascript_url_filenames_with_query_strings_and_hashes_group_together() {
    let js = |frame: Value| {
        event(json!({"platform": "javascript", "exception": {"values": [{
            "type": "TypeError", "value": "x is undefined",
            "stacktrace": {"frames": [frame]}
        }]}}))
    };
    let expected = [md5_of(&["render", "x()", "TypeError"])];
    // Frames from a URL: the filename never counts, whatever its query string or fragment ...
    for url in [
        "https://cdn.example.com/assets/app.js?v=1",
        "https://cdn.example.com/assets/app.js?v=2#main",
        "http://localhost:3000/assets/app.js",
        "blob:https://example.com/7f7aaadf-a006-4217-9ed5-5fbf8585c6c0",
    ] {
        let e = js(
            json!({"abs_path": url, "filename": url, "function": "render", "context_line": "x()"}),
        );
        assert_eq!(hashes(&e), expected, "{url}");
        // ... also when the SDK only sent a `filename` (Relay moves it to `abs_path`).
        let e = js(json!({"filename": url, "function": "render", "context_line": "x()"}));
        assert_eq!(hashes(&e), expected, "{url} as filename");
    }
    // `file:` URLs are no URL origin for the filename: its path (without the query string) is
    // the filename when the SDK sent only `abs_path`.
    for url in ["file:///home/me/app/Main.js?v=1", "file:///home/me/app/main.js#top"] {
        let e = js(json!({"abs_path": url, "function": "render", "context_line": "x()"}));
        assert_eq!(hashes(&e), [md5_of(&["main.js", "render", "x()", "TypeError"])], "{url}");
    }
}

#[test]
fn javascript_function_names_are_trimmed_and_anonymous_names_ignored() {
    let js = |functions: &[&str]| {
        let frames: Vec<Value> = functions
            .iter()
            .map(|f| json!({"abs_path": "https://example.com/app.js", "function": f, "context_line": "go()"}))
            .collect();
        event(json!({"platform": "javascript", "exception": {"values": [{
            "type": "Error", "value": "e", "stacktrace": {"frames": frames}
        }]}}))
    };
    // `Foo.prototype.bar` ⇒ `bar`; `?`, `<anonymous>`, `Anonymous function`, `x/<` ⇒ ignored
    // (the context line still counts).
    assert_eq!(
        hashes(&js(&[
            "Foo.prototype.bar",
            "?",
            "Object.<anonymous>",
            "Anonymous function",
            "bar/<"
        ])),
        [md5_of(&["bar", "go()", "go()", "go()", "go()", "go()", "Error"])]
    );
    // With a source map and a context line, the function name does not count.
    let e = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "Error", "value": "e", "stacktrace": {"frames": [{
            "abs_path": "https://example.com/app.js", "function": "minifiedName",
            "context_line": "go()", "data": {"sourcemap": "https://example.com/app.js.map"}
        }]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["go()", "Error"])]);
}

#[test]
fn javascript_low_quality_frames_are_ignored() {
    let e = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "Error", "value": "e", "stacktrace": {"frames": [
            {"abs_path": "[native code]", "function": "forEach"},
            {"abs_path": "https://example.com/app.js", "function": "eval", "context_line": "eval(s)"},
            {"abs_path": "<anonymous>", "function": "run"},
            {"abs_path": "https://example.com/app.js", "function": "main", "context_line": "go()"}
        ]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["main", "go()", "Error"])]);
}

#[test]
fn javascript_single_url_frame_without_function_is_ignored() {
    // This config keeps Sentry's bug: the "single non-URL frame" check looks for a URL.
    let e = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "Error", "value": "Script error",
        "stacktrace": {"frames": [{"abs_path": "https://example.com/app.js", "filename": "app.js", "lineno": 1}]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["Error", "Script error"])]);
    // A single frame without a URL stays.
    let e = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "Error", "value": "Script error",
        "stacktrace": {"frames": [{"abs_path": "/app/app.js", "filename": "/app/app.js", "lineno": 1}]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["app.js", "Error"])]);
    // Nothing else: the fallback hash.
    let e = event(json!({"platform": "javascript", "stacktrace": {"frames": [
        {"abs_path": "https://example.com/app.js", "lineno": 1}
    ]}}));
    assert_eq!(hashes(&e), [FALLBACK]);
}

#[test]
fn javascript_same_error_from_chrome_firefox_and_safari_groups_together() {
    let error = |value: &str, frames: Value| {
        event(json!({"platform": "javascript", "exception": {"values": [{
            "type": "TypeError", "value": value, "stacktrace": {"frames": frames}
        }]}}))
    };
    let url = "https://shop.example.com/static/js/main.8c3f2a.js";
    let frame = |function: &str, line: &str, url: &str, colno: u32| {
        json!({"abs_path": url, "filename": url, "function": function, "context_line": line,
               "lineno": 1, "colno": colno, "in_app": true})
    };
    let chrome = error(
        "Cannot read properties of undefined (reading 'name')",
        json!([
            frame("HTMLButtonElement.onCheckout", "items.forEach(render);", url, 120),
            {"abs_path": "<anonymous>", "function": "Array.forEach"},
            frame("<anonymous>", "total += price(item);", url, 310),
            frame("Cart.render", "return item.name.length;", url, 512)
        ]),
    );
    let firefox = error(
        "item is undefined",
        json!([
            frame("onCheckout", "items.forEach(render);", &format!("{url}?v=2"), 121),
            frame("onCheckout/<", "total += price(item);", &format!("{url}?v=2"), 305),
            frame("render", "return item.name.length;", &format!("{url}?v=2#x"), 500)
        ]),
    );
    let safari = error(
        "undefined is not an object (evaluating 'item.name')",
        json!([
            frame("onCheckout", "items.forEach(render);", url, 118),
            {"abs_path": "[native code]", "filename": "[native code]", "function": "forEach"},
            frame("?", "total += price(item);", url, 300),
            frame("render", "return item.name.length;", url, 509)
        ]),
    );
    let expected = [md5_of(&[
        "onCheckout",
        "items.forEach(render);",
        "total += price(item);",
        "render",
        "return item.name.length;",
        "TypeError",
    ])];
    assert_eq!(hashes(&chrome), expected);
    assert_eq!(hashes(&firefox), expected);
    assert_eq!(hashes(&safari), expected);
}

#[test]
fn java_lambdas_and_codegen_markers_are_cleaned() {
    let java = |frames: Value| {
        event(json!({"platform": "java", "exception": {"values": [{
            "type": "NullPointerException", "value": "npe", "stacktrace": {"frames": frames}
        }]}}))
    };
    let frames = |lambda: &str, proxy: &str, accessor: u32| {
        json!([
            {"module": format!("com.example.Service$$Lambda${lambda}"), "filename": "Service.java",
             "function": "apply", "in_app": true},
            {"module": "com.example.Service", "filename": "Service.java",
             "function": format!("lambda$process${accessor}"), "in_app": true},
            {"module": format!("com.example.Api$$EnhancerBySpringCGLIB$${proxy}"), "function": "handle",
             "in_app": true},
            {"module": format!("com.example.Api$$EnhancerByGuice$${proxy}$$FastClassByGuice$${proxy}"),
             "function": "invoke", "in_app": true},
            {"module": format!("com.example.model.User$HibernateProxy${proxy}"), "function": "getName",
             "in_app": true},
            {"module": format!("sun.reflect.GeneratedMethodAccessor{accessor}"), "function": "invoke",
             "in_app": true},
            {"module": format!("sun.reflect.GeneratedConstructorAccessor{accessor}"),
             "function": "newInstance", "in_app": true},
            {"module": format!("myapp.core$fn__{accessor}"), "function": "invoke", "in_app": true},
            {"filename": format!("EntriesResource_$$_javassist_seam_{accessor}.java"),
             "function": "get", "in_app": true}
        ])
    };
    let a = java(frames("123/0x0000000800c02a00", "4f2d1c3b", 42));
    let b = java(frames("77/0x00000008001b4840", "ae46b1bf", 7));
    assert_eq!(hashes(&a), hashes(&b));
    let all = [
        // `$$Lambda$` module ignored: the filename counts instead.
        "service.java",
        "apply",
        // `lambda$…` function ignored.
        "com.example.Service",
        "com.example.Api$$EnhancerBySpringCGLIB$$<auto>",
        "handle",
        "com.example.Api$$EnhancerByGuice$$<auto>$$FastClassByGuice$$<auto>",
        "invoke",
        "com.example.model.User$HibernateProxy$<auto>",
        "getName",
        "sun.reflect.GeneratedMethodAccessor",
        "invoke",
        "sun.reflect.GeneratedConstructorAccessor<auto>",
        "newInstance",
        "myapp.core$fn__<auto>",
        "invoke",
        "entriesresource_$$_javassist<auto>.java",
        "get",
        "NullPointerException",
    ];
    // The built-in rules take the JVM's `sun.*` frames out of the app variant.
    let app: Vec<&str> =
        all.iter().enumerate().filter(|(i, _)| !(9..13).contains(i)).map(|(_, v)| *v).collect();
    assert_eq!(hashes(&a), [md5_of(&app), md5_of(&all)]);
}

#[test]
fn native_function_names_are_trimmed() {
    // Expected values from Sentry's `trim_native_function_name`.
    for (raw, platform, trimmed) in [
        ("Foo<int>::crash(int)", "native", "Foo<T>::crash"),
        ("unsigned int foo(int)", "native", "foo"),
        ("void Foo::bar() const", "native", "Foo::bar"),
        ("std::ostream& operator<<(std::ostream&, Foo const&)", "native", "operator<<"),
        (
            "<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once",
            "native",
            "alloc::boxed::Box<T>::call_once",
        ),
        ("<T as core::any::Any>::type_id", "native", "core::any::Any::type_id"),
        ("my_app::main::h0123456789abcdef", "native", "my_app::main"),
        ("main::{lambda(int)#1}::operator()(int) const", "native", "main::lambda::operator()"),
        ("foo [clone .cold]", "native", "foo"),
        ("memcpy@GLIBC_2.14", "native", "memcpy"),
        ("@Foo@8", "native", "Foo"),
        ("(anonymous namespace)::crash()", "native", "(anonymous namespace)::crash"),
        ("static Foo.bar(baz: Int) throws -> Swift.String", "swift", "Foo.bar"),
        (
            "std::vector<int, std::allocator<int> >::push_back(int const&)",
            "native",
            "std::vector<T>::push_back",
        ),
        ("-[UIApplication sendEvent:]", "cocoa", "-[UIApplication sendEvent:]"),
        ("crash", "native", "crash"),
        ("<unknown>", "native", "<unknown>"),
    ] {
        assert_eq!(trim_native_function(raw, platform), trimmed, "{raw}");
    }
    // So differently instantiated templates and Rust builds group together.
    let native = |function: &str| {
        event(json!({"platform": "native", "exception": {"values": [{
            "type": "SIGABRT", "value": "abort",
            "stacktrace": {"frames": [{"function": function, "in_app": true}]}
        }]}}))
    };
    assert_eq!(hashes(&native("Foo<int>::crash(int)")), hashes(&native("Foo<long>::crash(long)")));
    assert_eq!(
        hashes(&native("my_app::run::h0123456789abcdef")),
        [md5_of(&["my_app::run", "SIGABRT"])]
    );
    assert_eq!(
        hashes(&native("my_app::run::h0123456789abcdef")),
        hashes(&native("my_app::run::hfedcba9876543210"))
    );
    // A `raw_function` means the SDK already trimmed `function`.
    let e = event(json!({"platform": "native", "exception": {"values": [{
        "type": "SIGABRT", "value": "abort",
        "stacktrace": {"frames": [{"function": "crash(int)", "raw_function": "void crash(int)", "in_app": true}]}
    }]}}));
    assert_eq!(hashes(&e), [md5_of(&["crash(int)", "SIGABRT"])]);
    // `<redacted>` and `<unknown>` are no function.
    let e = native("<redacted>");
    assert_eq!(hashes(&e), [md5_of(&["SIGABRT", "abort"])]);
}

#[test]
fn ruby_blocks_and_erb_template_suffixes_are_cleaned() {
    let ruby = |functions: &[&str]| {
        let frames: Vec<Value> = functions
            .iter()
            .map(|f| json!({"filename": "app/models/user.rb", "function": f, "in_app": true}))
            .collect();
        event(json!({"platform": "ruby", "exception": {"values": [{
            "type": "NoMethodError", "value": "x", "stacktrace": {"frames": frames}
        }]}}))
    };
    assert_eq!(
        hashes(&ruby(&["block in save", "_app_views_users_show_html_erb__1234567_89012345"])),
        [md5_of(&[
            "user.rb",
            "block",
            "user.rb",
            "_app_views_users_show_html_erb",
            "NoMethodError"
        ])]
    );
}

#[test]
fn threads_use_the_crashed_thread_stack_trace() {
    let thread = |id: u32, crashed: bool, function: &str| {
        json!({"id": id, "crashed": crashed, "stacktrace": {"frames": [
            {"function": function, "filename": "main.c", "in_app": true}
        ]}})
    };
    let e = event(json!({"platform": "native", "threads": {"values": [
        thread(1, false, "idle_loop"), thread(2, true, "do_crash")
    ]}}));
    assert_eq!(hashes(&e), [md5_of(&["main.c", "do_crash"])]);
    // Without a crashed or current thread among several, threads say nothing: the message wins.
    let e = event(
        json!({"platform": "native", "logentry": {"formatted": "hang"}, "threads": {"values": [
            thread(1, false, "idle_loop"), thread(2, false, "do_crash")
        ]}}),
    );
    assert_eq!(hashes(&e), [md5_of(&["hang"])]);
}

// ----------------------------------------------------------------------------------------------
// Messages and the fallback.

#[test]
fn message_fallback_parameterizes_ids_numbers_ips_uuids_hex_and_dates() {
    let message = |text: &str| event(json!({"logentry": {"formatted": text}}));
    let a = message(
        "User 12345 from 10.0.0.1 failed at 2024-01-02T03:04:05Z: request \
         9ec79c33-ec99-42ab-8353-589fcb2e04dc, pointer 0xdeadbeef, took 1.5 tries",
    );
    let b = message(
        "User 777 from 192.168.1.20 failed at 2025-12-31T23:59:59Z: request \
         0b5f4b1a-2c1d-4e3f-9a8b-7c6d5e4f3a2b, pointer 0x7ffee4b0, took 2.25 tries",
    );
    assert_eq!(
        hashes(&a),
        [md5_of(&[
            "User <int> from <ip> failed at <date>: request <uuid>, pointer <hex>, took <float> tries"
        ])]
    );
    assert_eq!(hashes(&a), hashes(&b));
    assert_ne!(hashes(&a), hashes(&message("User 12345 from 10.0.0.1 succeeded")));
}

#[test]
fn message_fallback_prefers_the_template_and_keeps_two_lines() {
    let e =
        event(json!({"logentry": {"message": "Order %s failed", "formatted": "Order 17 failed"}}));
    assert_eq!(hashes(&e), [md5_of(&["Order %s failed"])]);
    let e = event(json!({"logentry": {"formatted": "Traceback 1\n\nline two\nline three"}}));
    assert_eq!(hashes(&e), [md5_of(&["Traceback <int>\nline two..."])]);
    // An exception wins over the message.
    let e = event(json!({
        "logentry": {"formatted": "hello"},
        "exception": {"values": [{"type": "ValueError", "value": "hello world"}]}
    }));
    assert_eq!(hashes(&e), ["b23ee1963904c2ca87b145febf94b66c"]);
}

#[test]
fn empty_event_gets_the_fallback_hash() {
    assert_eq!(hashes(&event(json!({}))), [FALLBACK]);
    assert_eq!(hashes(&event(json!({"exception": {"values": [{}]}, "logentry": {}}))), [FALLBACK]);
    // A hybrid fingerprint over nothing is the fallback too.
    assert_eq!(hashes(&event(json!({"fingerprint": ["{{ default }}", "x"]}))), [FALLBACK]);
}

// ----------------------------------------------------------------------------------------------
// Default in-app detection.

#[test]
fn default_in_app_detects_dependency_and_system_frames() {
    let in_app = |platform: &str, frame: Value| default_in_app(&event(frame), platform);
    let cases = [
        ("python", json!({"abs_path": "/venv/lib/python3.12/site-packages/django/core.py"}), false),
        ("python", json!({"abs_path": "/usr/lib/python3/dist-packages/yaml/parser.py"}), false),
        ("python", json!({"abs_path": "/usr/lib/python3.12/json/decoder.py"}), false),
        ("python", json!({"abs_path": "/srv/app/views.py", "module": "app.views"}), true),
        ("javascript", json!({"abs_path": "webpack:///./node_modules/react-dom/index.js"}), false),
        ("node", json!({"filename": "node:internal/process/task_queues"}), false),
        ("node", json!({"abs_path": "/app/src/server.js"}), true),
        (
            "native",
            json!({"abs_path": "/home/me/.cargo/registry/src/index/tokio-1.0/src/rt.rs"}),
            false,
        ),
        ("native", json!({"function": "std::panicking::begin_panic"}), false),
        ("native", json!({"function": "<core::option::Option<T>>::unwrap"}), false),
        ("native", json!({"function": "__rust_start_panic"}), false),
        (
            "native",
            json!({"function": "__libc_start_main", "package": "/usr/lib/x86_64-linux-gnu/libc.so.6"}),
            false,
        ),
        (
            "native",
            json!({"function": "start_thread", "package": "/lib/x86_64-linux-gnu/libpthread.so.0"}),
            false,
        ),
        (
            "native",
            json!({"function": "tls_init", "abs_path": "/usr/local/lib/libssl/init.c"}),
            false,
        ),
        (
            "cocoa",
            json!({"function": "__pthread_kill", "package": "/usr/lib/system/libsystem_kernel.dylib"}),
            false,
        ),
        ("native", json!({"function": "my_app::main", "package": "/opt/my_app/bin/my_app"}), true),
        ("rust", json!({"function": "my_app::run", "abs_path": "/src/main.rs"}), true),
        ("go", json!({"abs_path": "/root/go/pkg/mod/github.com/lib/pq@v1.10.0/conn.go"}), false),
        ("php", json!({"abs_path": "/var/www/vendor/laravel/framework/src/App.php"}), false),
        ("ruby", json!({"abs_path": "/usr/local/bundle/gems/rack-3.0/lib/rack.rb"}), false),
        ("java", json!({"module": "java.lang.Thread", "function": "run"}), false),
        ("java", json!({"module": "com.example.Service", "function": "run"}), true),
    ];
    for (platform, frame, expected) in cases {
        assert_eq!(in_app(platform, frame.clone()), Some(expected), "{platform} {frame}");
    }
    assert_eq!(in_app("python", json!({"lineno": 3})), None);
}

#[test]
fn default_in_app_applies_only_where_the_sdk_did_not_say() {
    let frames = json!([
        {"module": "django.core", "function": "dispatch",
         "abs_path": "/venv/lib/python3.12/site-packages/django/core.py"},
        {"module": "app.views", "function": "index", "abs_path": "/srv/app/views.py"},
        {"module": "vendored.lib", "function": "helper",
         "abs_path": "/srv/app/vendored_lib/lib.py", "in_app": false}
    ]);
    let e = python_error("ValueError", "bad", frames);
    // The library frame is not in-app; the SDK's `in_app: false` stays.
    assert_eq!(
        hashes(&e),
        [
            md5_of(&["app.views", "index", "ValueError"]),
            md5_of(&[
                "django.core",
                "dispatch",
                "app.views",
                "index",
                "vendored.lib",
                "helper",
                "ValueError"
            ]),
        ]
    );
    let mut normalized = e.clone();
    apply_default_in_app(&mut normalized);
    let flags: Vec<&Value> = normalized["exception"]["values"][0]["stacktrace"]["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["in_app"])
        .collect();
    assert_eq!(flags, [&json!(false), &json!(true), &json!(false)]);
    assert_eq!(hashes(&normalized), hashes(&e));
}

// ----------------------------------------------------------------------------------------------
// Project fingerprint rules.

#[test]
fn fingerprint_rule_error_type() {
    let c = config("error.type:DatabaseUnavailable -> system-down", "");
    let hit =
        python_error("DatabaseUnavailable", "db1", json!([py_frame("app.db", "connect", "c()")]));
    assert_eq!(hashes_with(&hit, &c), [md5_of(&["system-down"])]);
    // Types match case-sensitively; other events keep the default grouping.
    let miss =
        python_error("databaseunavailable", "db1", json!([py_frame("app.db", "connect", "c()")]));
    assert_eq!(hashes_with(&miss, &c), hashes(&miss));
    assert_ne!(hashes_with(&miss, &c), [md5_of(&["system-down"])]);
}

#[test]
fn fingerprint_rule_error_value_glob_with_variables() {
    let c = config(r#"error.value:"*timeout*" -> timeouts, {{ transaction }}"#, "");
    let e = with(
        python_error("ReadError", "Read TIMEOUT after 30s", json!([])),
        "transaction",
        json!("/api/items"),
    );
    // Values match case-insensitively.
    assert_eq!(hashes_with(&e, &c), [md5_of(&["timeouts", "/api/items"])]);
    let other = with(
        python_error("ReadError", "connection reset", json!([])),
        "transaction",
        json!("/api/items"),
    );
    assert_eq!(hashes_with(&other, &c), hashes(&other));
}

#[test]
fn fingerprint_rule_message_matches_log_message_and_exception_value() {
    let c = config(r#"message:"Payment * failed" -> payment-failed"#, "");
    let log = event(json!({"logentry": {"formatted": "Payment 42 failed"}}));
    let exc = python_error("PaymentError", "payment 43 FAILED", json!([]));
    assert_eq!(hashes_with(&log, &c), [md5_of(&["payment-failed"])]);
    assert_eq!(hashes_with(&exc, &c), [md5_of(&["payment-failed"])]);
    let other = event(json!({"logentry": {"formatted": "Payment 42 succeeded"}}));
    assert_eq!(hashes_with(&other, &c), hashes(&other));
}

#[test]
fn fingerprint_rule_tags() {
    let c = config("tags.server_name:web-* -> web-servers\n!tags.region:eu -> not-eu", "");
    let web = event(json!({"message": "m", "tags": [["server_name", "web-3"], ["region", "eu"]]}));
    let eu = event(
        json!({"logentry": {"formatted": "m"}, "tags": [["server_name", "db-1"], ["region", "eu"]]}),
    );
    let us = event(json!({"tags": [["server_name", "db-1"], ["region", "us"]]}));
    assert_eq!(hashes_with(&web, &c), [md5_of(&["web-servers"])]);
    assert_eq!(hashes_with(&eu, &c), [md5_of(&["m"])]);
    assert_eq!(hashes_with(&us, &c), [md5_of(&["not-eu"])]);
}

#[test]
fn fingerprint_rule_family_javascript() {
    let c = config("family:javascript error.type:TypeError -> js-type-errors", "");
    for platform in ["javascript", "node"] {
        let e = event(
            json!({"platform": platform, "exception": {"values": [{"type": "TypeError", "value": "x"}]}}),
        );
        assert_eq!(hashes_with(&e, &c), [md5_of(&["js-type-errors"])], "{platform}");
    }
    let e = event(
        json!({"platform": "python", "exception": {"values": [{"type": "TypeError", "value": "x"}]}}),
    );
    assert_eq!(hashes_with(&e, &c), [md5_of(&["TypeError", "x"])]);
}

#[test]
fn fingerprint_rule_stack_function_and_first_matching_rule_wins() {
    let c =
        config("stack.function:charge_card -> payments\nerror.type:ValueError -> value-errors", "");
    let frames = json!([{"module": "lib.http", "function": "post", "in_app": false},
                        py_frame("app.billing", "charge_card", "post()")]);
    let e = python_error("ValueError", "bad", frames);
    assert_eq!(hashes_with(&e, &c), [md5_of(&["payments"])]);
    let e = python_error("ValueError", "bad", json!([py_frame("app.views", "index", "f()")]));
    assert_eq!(hashes_with(&e, &c), [md5_of(&["value-errors"])]);
}

#[test]
fn fingerprint_rule_with_default_is_hybrid() {
    let c = config("error.type:ValueError -> {{ default }}, {{ level }}", "");
    let e = with(
        python_error("ValueError", "bad", json!([py_frame("app.views", "index", "f()")])),
        "level",
        json!("fatal"),
    );
    assert_eq!(
        hashes_with(&e, &c),
        [md5_of(&["app.views", "index", "f()", "ValueError", "fatal"])]
    );
}

#[test]
fn builtin_javascript_rules_for_chunk_load_and_hydration_errors() {
    let js = |ty: &str, value: &str| {
        event(json!({
            "platform": "javascript",
            "tags": [["transaction", "/blog/[slug]"]],
            "exception": {"values": [{"type": ty, "value": value}]}
        }))
    };
    assert_eq!(
        hashes(&js("ChunkLoadError", "Loading chunk 5 failed.")),
        [md5_of(&["chunkloaderror"])]
    );
    assert_eq!(
        hashes(&js("Error", "ChunkLoadError: Loading chunk 9")),
        [md5_of(&["chunkloaderror"])]
    );
    assert_eq!(
        hashes(&js(
            "Error",
            "Hydration failed because the initial UI does not match what was rendered on the server."
        )),
        [md5_of(&["hydrationerror", "/blog/[slug]"])]
    );
    // Only for JavaScript, and project rules come first.
    let python = event(
        json!({"platform": "python", "exception": {"values": [{"type": "ChunkLoadError", "value": "x"}]}}),
    );
    assert_eq!(hashes(&python), [md5_of(&["ChunkLoadError", "x"])]);
    let c = config("error.type:ChunkLoadError -> our-chunks", "");
    assert_eq!(hashes_with(&js("ChunkLoadError", "x"), &c), [md5_of(&["our-chunks"])]);
}

// ----------------------------------------------------------------------------------------------
// Project stack-trace rules.

fn app_and_vendor_frames() -> Map<String, Value> {
    python_error(
        "ValueError",
        "bad",
        json!([
            py_frame("app.views", "index", "helper()"),
            py_frame("thirdparty.helpers", "helper", "log_call()"),
            py_frame("app.logging", "log_call", "raise ValueError()")
        ]),
    )
}

#[test]
fn stack_rule_minus_app_takes_frames_out_of_the_app_variant() {
    let e = app_and_vendor_frames();
    let all = [
        "app.views",
        "index",
        "helper()",
        "thirdparty.helpers",
        "helper",
        "log_call()",
        "app.logging",
        "log_call",
        "raise ValueError()",
        "ValueError",
    ];
    assert_eq!(hashes(&e), [md5_of(&all)]);
    let c = config("", "stack.module:thirdparty.* -app");
    assert_eq!(
        hashes_with(&e, &c),
        [
            md5_of(&[
                "app.views",
                "index",
                "helper()",
                "app.logging",
                "log_call",
                "raise ValueError()",
                "ValueError"
            ]),
            md5_of(&all),
        ]
    );
}

#[test]
fn stack_rule_plus_app_puts_frames_into_the_app_variant() {
    let e = python_error(
        "ValueError",
        "bad",
        json!([
            {"module": "framework.core", "function": "dispatch", "in_app": false},
            {"module": "framework.hooks", "function": "my_hook", "in_app": false}
        ]),
    );
    assert_eq!(
        hashes(&e),
        [md5_of(&["framework.core", "dispatch", "framework.hooks", "my_hook", "ValueError"])]
    );
    let c = config("", "stack.function:my_hook +app");
    assert_eq!(
        hashes_with(&e, &c),
        [
            md5_of(&["framework.hooks", "my_hook", "ValueError"]),
            md5_of(&["framework.core", "dispatch", "framework.hooks", "my_hook", "ValueError"]),
        ]
    );
}

#[test]
fn stack_rule_minus_group_and_ranges_stop_frames_contributing() {
    let e = app_and_vendor_frames();
    let c = config("", "stack.function:log_* -group");
    assert_eq!(
        hashes_with(&e, &c),
        [md5_of(&[
            "app.views",
            "index",
            "helper()",
            "thirdparty.helpers",
            "helper",
            "log_call()",
            "ValueError"
        ])]
    );
    // `^`: the frames after the match (towards the crash).
    let c = config("", "stack.function:helper ^-group");
    assert_eq!(
        hashes_with(&e, &c),
        [md5_of(&[
            "app.views",
            "index",
            "helper()",
            "thirdparty.helpers",
            "helper",
            "log_call()",
            "ValueError"
        ])]
    );
    // `v`: the frames before it (towards the caller).
    let c = config("", "stack.function:helper v-group");
    assert_eq!(
        hashes_with(&e, &c),
        [md5_of(&[
            "thirdparty.helpers",
            "helper",
            "log_call()",
            "app.logging",
            "log_call",
            "raise ValueError()",
            "ValueError"
        ])]
    );
    // All frames ignored: the stack trace does not contribute, type and value do.
    let c = config("", "stack.module:* -group");
    assert_eq!(hashes_with(&e, &c), [md5_of(&["ValueError", "bad"])]);
}

#[test]
fn stack_rule_family_javascript_applies_only_to_javascript() {
    let c = config("", "family:javascript stack.abs_path:**/third_party/** -app");
    let frames = json!([
        {"abs_path": "/app/third_party/lib.js", "filename": "/app/third_party/lib.js", "function": "lib", "in_app": true},
        {"abs_path": "/app/src/main.js", "filename": "/app/src/main.js", "function": "main", "in_app": true}
    ]);
    let js = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "Error", "value": "e", "stacktrace": {"frames": frames}
    }]}}));
    assert_eq!(
        hashes_with(&js, &c),
        [
            md5_of(&["main.js", "main", "Error"]),
            md5_of(&["lib.js", "lib", "main.js", "main", "Error"])
        ]
    );
    let python = event(json!({"platform": "python", "exception": {"values": [{
        "type": "Error", "value": "e", "stacktrace": {"frames": frames}
    }]}}));
    assert_eq!(hashes_with(&python, &c), [md5_of(&["lib.js", "lib", "main.js", "main", "Error"])]);
}

#[test]
fn stack_rule_exception_matchers_limit_the_rule() {
    let c = config("", "error.type:KeyError stack.module:thirdparty.* -group");
    let mut key_error = app_and_vendor_frames();
    key_error["exception"]["values"][0]["type"] = json!("KeyError");
    assert_eq!(
        hashes_with(&key_error, &c),
        [md5_of(&[
            "app.views",
            "index",
            "helper()",
            "app.logging",
            "log_call",
            "raise ValueError()",
            "KeyError"
        ])]
    );
    let value_error = app_and_vendor_frames();
    assert_eq!(hashes_with(&value_error, &c), hashes(&value_error));
}

// ----------------------------------------------------------------------------------------------
// Parity with Sentry's rule engines.

#[test]
fn stack_rule_app_condition_sees_in_app_as_earlier_rules_left_it() {
    // Sentry finds every frame a rule matches before the rule changes any: `app:no` is tested
    // against `in_app` as the rules above left it, never as this rule is changing it. Frame by
    // frame, the first frame's `^+app` would make the third frame in-app before it is tested.
    let e = python_error(
        "ValueError",
        "bad",
        json!([
            {"module": "a", "function": "a", "in_app": false},
            {"module": "b", "function": "b", "in_app": true},
            {"module": "c", "function": "c", "in_app": false}
        ]),
    );
    let all = ["a", "a", "b", "b", "c", "c", "ValueError"];
    let c = config("", "app:no ^+app v-app");
    // Both `a` and `c` match; `a` puts `b` and `c` in-app, then `c` takes `a` and `b` out.
    assert_eq!(hashes_with(&e, &c), [md5_of(&["c", "c", "ValueError"]), md5_of(&all)]);
    // A later rule sees the earlier one's verdict.
    let c = config("", "function:b -app\napp:no function:b ^+app");
    assert_eq!(hashes_with(&e, &c), [md5_of(&["c", "c", "ValueError"]), md5_of(&all)]);
    // And `+group`/`-group` rules see the final `in_app`, wherever they are written.
    let c = config("", "app:no -group\nfunction:c +app");
    assert_eq!(hashes_with(&e, &c), [md5_of(&["b", "b", "c", "c", "ValueError"])]);
}

#[test]
fn fingerprint_rule_negated_level_or_logger_needs_log_info() {
    // Sentry tests `level:` and `logger:` against the event's log info, which only exists when
    // the event has a level or a logger: without both, even `!level:` does not match.
    let c = config("!level:fatal -> not-fatal\n!logger:celery.* -> not-celery", "");
    let bare = event(json!({"logentry": {"formatted": "m"}}));
    assert_eq!(hashes_with(&bare, &c), [md5_of(&["m"])]);
    let error = with(bare.clone(), "level", json!("error"));
    assert_eq!(hashes_with(&error, &c), [md5_of(&["not-fatal"])]);
    let fatal_celery =
        with(with(bare.clone(), "level", json!("fatal")), "logger", json!("celery.worker"));
    assert_eq!(hashes_with(&fatal_celery, &c), [md5_of(&["m"])]);
    // A logger alone is log info too: `!level:` matches an event without a level then.
    let web = with(bare, "logger", json!("web"));
    assert_eq!(hashes_with(&web, &c), [md5_of(&["not-fatal"])]);
}

#[test]
fn exception_group_dedup_compares_sentrys_full_representation() {
    // Sentry de-duplicates an exception group's top-level exceptions by the representation of
    // their grouping components, which shows values that do not contribute too: here the
    // filename (the module takes precedence) and an ignored (recursive) frame.
    let group = |frames: [Value; 2]| {
        let mut e = exception_group(&[("ValueError", "v"), ("ValueError", "v")], "2.0.0");
        for (i, frame) in frames.into_iter().enumerate() {
            e["exception"]["values"][i]["stacktrace"]["frames"] = json!([frame]);
        }
        e
    };
    let frame = |filename: &str, lineno: u32| {
        json!({"module": "app.tasks", "filename": filename, "function": "run",
               "context_line": "raise err", "lineno": lineno, "in_app": true})
    };
    let one = [&CHILD[..], &["ValueError"]].concat();
    // The same components, different line numbers (no component): one distinct exception.
    let same = group([frame("app/tasks.py", 3), frame("app/tasks.py", 9)]);
    assert_eq!(hashes(&same), [md5_of(&one)]);
    // The same contributing values but another (non-contributing) filename: two, and the root.
    let moved = group([frame("app/tasks.py", 3), frame("app/tasks_v2.py", 3)]);
    let two = [&CHILD[..], &["ValueError"], &CHILD, &["ValueError"], &ROOT].concat();
    assert_eq!(hashes(&moved), [md5_of(&two)]);
    // A recursive frame contributes nothing, yet it is part of the representation.
    let mut recursive = group([frame("app/tasks.py", 3), frame("app/tasks.py", 3)]);
    recursive["exception"]["values"][1]["stacktrace"]["frames"] =
        json!([frame("app/tasks.py", 3), frame("app/tasks.py", 3)]);
    assert_eq!(hashes(&recursive), [md5_of(&two)]);
}

// ----------------------------------------------------------------------------------------------
// Built-in stack-trace rules.

/// A Rust panic as the `sentry` crate reports it from an SDK that marks every frame of the
/// statically linked binary in-app: runtime start, the app's frames, the panic machinery.
fn rust_panic(app: &[&str], machinery: &[&str]) -> Map<String, Value> {
    let mut frames = vec![
        json!({"function": "std::rt::lang_start_internal", "in_app": true}),
        json!({"function": "std::rt::lang_start::{{closure}}", "in_app": true}),
    ];
    frames
        .extend(app.iter().map(|f| json!({"function": f, "filename": "main.rs", "in_app": true})));
    frames.extend(machinery.iter().map(|f| json!({"function": f, "in_app": true})));
    event(json!({
        "platform": "native",
        "exception": {"values": [{"type": "panic", "value": "boom", "stacktrace": {"frames": frames}}]}
    }))
}

fn in_app_flags(event: &Map<String, Value>) -> Vec<Option<bool>> {
    event["exception"]["values"][0]["stacktrace"]["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(|f| f["in_app"].as_bool())
        .collect()
}

#[test]
fn builtin_rule_rust_std_core_alloc_are_not_in_app() {
    let e = rust_panic(&["app::main", "app::run"], &["core::option::unwrap_failed"]);
    let [app, _system] = <[String; 2]>::try_from(hashes(&e)).expect("app and system hashes");
    assert_eq!(app, md5_of(&["main.rs", "app::main", "main.rs", "app::run", "panic"]));
    // The stored event says so too, and keeps what the SDK said.
    let mut stored = e;
    group_event(&mut stored, no_project_rules());
    assert_eq!(
        in_app_flags(&stored),
        [Some(false), Some(false), Some(true), Some(true), Some(false)]
    );
    let frames = &stored["exception"]["values"][0]["stacktrace"]["frames"];
    assert_eq!(frames[0]["data"]["orig_in_app"], json!(1));
    assert!(frames[2].get("data").is_none());
}

#[test]
fn builtin_rule_rust_panic_border_groups_by_the_panicking_code() {
    // Different Rust versions put different machinery above `begin_panic`: none of it groups.
    let old = rust_panic(
        &["app::main", "app::checkout"],
        &["std::panicking::begin_panic", "std::panicking::rust_panic_with_hook"],
    );
    let new = rust_panic(
        &["app::main", "app::checkout"],
        &[
            "std::panicking::begin_panic",
            "std::panicking::begin_panic::{{closure}}",
            "std::sys::backtrace::__rust_end_short_backtrace",
            "sentry_panic::panic_handler",
        ],
    );
    assert_eq!(hashes(&old), hashes(&new));
    assert_eq!(
        hashes(&old)[0],
        md5_of(&["main.rs", "app::main", "main.rs", "app::checkout", "panic"])
    );
    // The machinery after the border is out of app even where no other rule says so.
    let mut stored = new;
    group_event(&mut stored, no_project_rules());
    assert_eq!(in_app_flags(&stored)[7], Some(false));
    // Another panicking function is another issue.
    let elsewhere = rust_panic(&["app::main", "app::refund"], &["std::panicking::begin_panic"]);
    assert_ne!(hashes(&elsewhere)[0], hashes(&old)[0]);
    // `panic_fmt` is not in-app, nor is what it calls, but all of it is in the system hash.
    let fmt = rust_panic(&["app::main"], &["core::panicking::panic_fmt", "my_hook::report"]);
    let mut stored = fmt.clone();
    group_event(&mut stored, no_project_rules());
    assert_eq!(in_app_flags(&stored)[4], Some(false));
    assert_eq!(hashes(&fmt)[0], md5_of(&["main.rs", "app::main", "panic"]));
}

#[test]
fn builtin_rule_std_called_by_std_is_internal_and_does_not_group() {
    // `[ category:std ] | category:std category=internals`: in a run of standard-library frames
    // only the outermost one groups (in the system hash).
    let e = rust_panic(&["app::main"], &["core::option::unwrap_failed"]);
    let system = hashes(&e)[1].clone();
    assert_eq!(
        system,
        md5_of(&[
            "std::rt::lang_start_internal",
            "main.rs",
            "app::main",
            "core::option::unwrap_failed",
            "panic"
        ])
    );
}

#[test]
fn builtin_rule_cxx_and_objc_throw_borders() {
    for border in ["__cxa_throw", "_CxxThrowException", "_NSRaiseError", "__assert_rtn"] {
        let e = event(json!({"platform": "native", "exception": {"values": [{
        "type": "std::runtime_error", "value": "x", "stacktrace": {"frames": [
            {"function": "main", "filename": "main.cpp", "in_app": true},
            {"function": "Parser::parse", "filename": "parser.cpp", "in_app": true},
            {"function": border, "in_app": true},
            {"function": "__cxxabiv1::unwind", "in_app": true}
        ]}}]}}));
        assert_eq!(
            hashes(&e),
            [md5_of(&["main.cpp", "main", "parser.cpp", "Parser::parse", "std::runtime_error"])],
            "{border}"
        );
    }
}

#[test]
fn builtin_rule_abort_raise_and_thread_bases_do_not_group() {
    // `category:throw ^-group`, `[ category:throw ] | category:throw category=internals` and
    // `category:threadbase -group v-group`: a native crash groups by what happened between the
    // thread's start and the abort.
    let frames = |start: &str| {
        json!([
            {"function": start, "package": "/usr/lib/system/libsystem_pthread.dylib"},
            {"function": "_pthread_start", "package": "/usr/lib/system/libsystem_pthread.dylib"},
            {"function": "worker_loop", "filename": "worker.c", "in_app": true},
            {"function": "abort", "package": "/usr/lib/system/libsystem_c.dylib"},
            {"function": "raise", "package": "/usr/lib/system/libsystem_c.dylib"},
            {"function": "__pthread_kill", "package": "/usr/lib/system/libsystem_kernel.dylib"}
        ])
    };
    let crash = |start: &str| {
        event(json!({"platform": "cocoa", "exception": {"values": [{
            "type": "SIGABRT", "value": "Signal 6", "stacktrace": {"frames": frames(start)}}]}}))
    };
    let expected = [
        md5_of(&["worker.c", "worker_loop", "SIGABRT"]),
        md5_of(&["worker.c", "worker_loop", "abort", "SIGABRT"]),
    ];
    assert_eq!(hashes(&crash("thread_start")), expected);
    assert_eq!(hashes(&crash("start_wqthread")), expected);
}

#[test]
fn builtin_rule_system_library_paths_are_not_in_app() {
    let e = event(json!({"platform": "native", "exception": {"values": [{
    "type": "SIGSEGV", "value": "x", "stacktrace": {"frames": [
        {"function": "main", "package": "/opt/app/bin/app", "in_app": true},
        {"function": "process", "package": "/opt/app/bin/app", "in_app": true},
        {"function": "ssl_read", "package": "/lib/x86_64-linux-gnu/libssl.so.3", "in_app": true},
        // Sentry also tries a relative path with a `/` in front.
        {"function": "memchr", "package": "usr/lib/libc.so.6", "in_app": true}
    ]}}]}}));
    assert_eq!(hashes(&e)[0], md5_of(&["main", "process", "SIGSEGV"]));
}

#[test]
fn builtin_rule_dart_sdk_flutter_and_sentry_dart_frames() {
    let frames = json!([
        {"function": "main", "abs_path": "package:shop/main.dart", "filename": "main.dart", "in_app": true},
        {"function": "Cart.add", "abs_path": "package:shop/cart.dart", "filename": "cart.dart", "in_app": true},
        {"function": "State.setState", "abs_path": "package:flutter/src/widgets/framework.dart",
         "filename": "framework.dart", "in_app": true},
        {"function": "_rootRun", "abs_path": "org-dartlang-sdk:///sdk/lib/async/zone.dart",
         "filename": "zone.dart", "in_app": true},
        {"function": "SentryClient.captureEvent", "abs_path": "package:sentry/src/sentry_client.dart",
         "filename": "sentry_client.dart", "in_app": true}
    ]);
    let e = event(json!({"platform": "javascript", "exception": {"values": [{
        "type": "StateError", "value": "x", "stacktrace": {"frames": frames}}]}}));
    let mut stored = e.clone();
    group_event(&mut stored, no_project_rules());
    // Flutter's `module:**/packages/flutter/**` rule needs a module; the Dart SDK and
    // sentry-dart are out of app and do not group.
    assert_eq!(
        in_app_flags(&stored),
        [Some(true), Some(true), Some(true), Some(false), Some(false)]
    );
    assert_eq!(
        hashes(&e),
        [md5_of(&[
            "main.dart",
            "main",
            "cart.dart",
            "add",
            "framework.dart",
            "setState",
            "StateError"
        ])]
    );
}

#[test]
fn builtin_rule_dependency_paths_override_the_sdk() {
    // An SDK (or a user's in-app include) that calls a dependency in-app is overruled, as in
    // Sentry: site-packages, node_modules, vendor and Go modules are never the application.
    for (platform, path) in [
        ("python", "/venv/lib/python3.12/site-packages/requests/api.py"),
        ("node", "/srv/app/node_modules/express/lib/router.js"),
        ("php", "/var/www/vendor/guzzle/src/Client.php"),
        ("go", "/root/go/pkg/mod/github.com/lib/pq@v1.10.0/conn.go"),
    ] {
        let e = event(json!({"platform": platform, "exception": {"values": [{
        "type": "E", "value": "x", "stacktrace": {"frames": [
            {"function": "handler", "abs_path": "/srv/app/handler.x", "in_app": true},
            {"function": "call", "abs_path": path, "in_app": true}
        ]}}]}}));
        let mut stored = e.clone();
        group_event(&mut stored, no_project_rules());
        assert_eq!(in_app_flags(&stored), [Some(true), Some(false)], "{platform}");
    }
}

#[test]
fn builtin_rule_jvm_frameworks_are_not_in_app_and_thread_pools_do_not_group() {
    let frames = json!([
        {"module": "java.lang.Thread", "function": "run", "in_app": false},
        {"module": "java.util.concurrent.ThreadPoolExecutor", "function": "runWorker", "in_app": false},
        {"module": "org.springframework.web.servlet.DispatcherServlet", "function": "doDispatch", "in_app": true},
        {"module": "com.example.OrderController", "function": "create", "in_app": true}
    ]);
    let e = event(json!({"platform": "java", "exception": {"values": [{
        "type": "IllegalStateException", "value": "x", "stacktrace": {"frames": frames}}]}}));
    assert_eq!(
        hashes(&e),
        [
            md5_of(&["com.example.OrderController", "create", "IllegalStateException"]),
            md5_of(&[
                "org.springframework.web.servlet.DispatcherServlet",
                "doDispatch",
                "com.example.OrderController",
                "create",
                "IllegalStateException"
            ]),
        ]
    );
}

#[test]
fn project_rules_run_after_and_win_over_builtin_rules() {
    let e = rust_panic(&["app::main"], &["core::option::unwrap_failed"]);
    let c = config("", "function:core::* +app");
    assert_eq!(
        hashes_with(&e, &c)[0],
        md5_of(&["main.rs", "app::main", "core::option::unwrap_failed", "panic"])
    );
    let c = config("", "category:internals +group");
    assert_eq!(
        hashes_with(&e, &c)[1],
        md5_of(&[
            "std::rt::lang_start_internal",
            "std::rt::lang_start::{{closure}}",
            "main.rs",
            "app::main",
            "core::option::unwrap_failed",
            "panic"
        ])
    );
}

#[test]
fn builtin_rules_leave_plain_application_frames_alone() {
    // The common case must stay cheap and unchanged: nothing in the base matches these.
    let e = python_error(
        "ValueError",
        "bad",
        json!([py_frame("app.views", "index", "f()"), py_frame("app.models", "save", "g()")]),
    );
    let mut stored = e.clone();
    assert_eq!(group_event(&mut stored, no_project_rules()), hashes(&e));
    assert_eq!(stored, e);
}

// ----------------------------------------------------------------------------------------------
// The grouping information (every test above also checks its hashes, in `hashes_with`).

/// The component with `id` among `component`'s values.
fn child<'c>(component: &'c GroupingComponent, id: &str) -> &'c GroupingComponent {
    component
        .values
        .iter()
        .find_map(|v| match v {
            GroupingValue::Component(c) if c.id == id => Some(c),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {id} in {component:?}"))
}

/// The components of `component`'s values.
fn children(component: &GroupingComponent) -> Vec<&GroupingComponent> {
    component
        .values
        .iter()
        .filter_map(|v| match v {
            GroupingValue::Component(c) => Some(c),
            GroupingValue::Text(_) => None,
        })
        .collect()
}

fn text(component: &GroupingComponent) -> &str {
    match component.values.first() {
        Some(GroupingValue::Text(text)) => text,
        _ => panic!("{component:?} has no text"),
    }
}

#[test]
fn grouping_information_shows_frames_out_of_the_app_variant_and_the_value_behind_the_stack() {
    let mut library = py_frame("requests.api", "get", "return request()");
    library["in_app"] = json!(false);
    let e = python_error(
        "ValueError",
        "user 42 not found",
        json!([library, py_frame("app.views", "index", "load(42)")]),
    );
    let variants = explain(&e, no_project_rules());
    let keys: Vec<&str> = variants.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(keys, ["app", "system"]);
    let app = &variants[0];
    assert_eq!(app.description, "in-app exception stack-trace");
    assert_eq!(app.kind, "component");
    assert_eq!(app.hash.as_deref(), Some(hashes(&e)[0].as_str()));

    let exception = child(app.component.as_ref().unwrap(), "exception");
    let frames = children(child(exception, "stacktrace"));
    assert_eq!(frames.len(), 2);
    assert!(!frames[0].contributes);
    assert_eq!(frames[0].hint.as_deref(), Some("non app frame"));
    assert!(frames[1].contributes);
    let parts: Vec<(&str, &str, bool)> =
        children(frames[1]).iter().map(|c| (c.id.as_str(), text(c), c.contributes)).collect();
    assert_eq!(
        parts,
        [
            ("module", "app.views", true),
            ("filename", "views.py", false),
            ("function", "index", true),
            ("context-line", "load(42)", true)
        ]
    );
    assert_eq!(
        child(frames[1], "filename").hint.as_deref(),
        Some("ignored because the module takes precedence")
    );
    assert!(child(exception, "type").contributes);
    let value = child(exception, "value");
    assert_eq!(text(value), "user <int> not found");
    assert!(!value.contributes);
    assert_eq!(value.hint.as_deref(), Some("ignored because the stack trace takes precedence"));

    // In the system variant every frame contributes.
    let system = &variants[1];
    assert_eq!(system.description, "exception stack-trace");
    let exception = child(system.component.as_ref().unwrap(), "exception");
    assert!(children(child(exception, "stacktrace")).iter().all(|f| f.contributes));
}

#[test]
fn grouping_information_names_the_fingerprint_rule_that_won() {
    let e = with(
        python_error("ValueError", "x", json!([py_frame("app.views", "index", "f()")])),
        "transaction",
        json!("/checkout"),
    );
    let c = config("error.type:ValueError -> value-error, {{ transaction }}", "");
    let variants = explain(&e, &c);
    let first = &variants[0];
    assert_eq!(first.key, "custom-fingerprint");
    assert_eq!(first.description, "fingerprint rule");
    assert_eq!(
        first.matched_rule.as_deref(),
        Some("error.type:ValueError -> value-error, {{ transaction }}")
    );
    assert_eq!(
        first.values.as_deref(),
        Some(&["value-error".to_owned(), "/checkout".to_owned()][..])
    );
    assert_eq!(first.hash.as_deref(), Some(md5_of(&["value-error", "/checkout"]).as_str()));
    for other in &variants[1..] {
        assert!(!other.contributes && other.hash.is_none(), "{other:?}");
        assert_eq!(
            other.hint.as_deref(),
            Some("ignored because the fingerprint rule takes precedence")
        );
    }
}

#[test]
fn grouping_information_of_a_message_and_of_nothing() {
    let e = event(json!({"platform": "python", "logentry": {"formatted": "disk 93% full"}}));
    let variants = explain(&e, no_project_rules());
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0].key, "default");
    assert_eq!(variants[0].description, "message");
    assert_eq!(text(child(variants[0].component.as_ref().unwrap(), "message")), "disk <int>% full");

    let variants = explain(&event(json!({"platform": "python"})), no_project_rules());
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0].key, "fallback");
    assert_eq!(variants[0].hash.as_deref(), Some(FALLBACK));
}

#[test]
fn grouping_information_shows_why_a_frame_is_ignored() {
    let frame = py_frame("app.loop", "spin", "spin()");
    let e = python_error("RecursionError", "deep", json!([frame.clone(), frame]));
    let variants = explain(&e, no_project_rules());
    let exception = child(variants[0].component.as_ref().unwrap(), "exception");
    let frames = children(child(exception, "stacktrace"));
    assert!(frames[0].contributes);
    assert!(!frames[1].contributes);
    assert_eq!(frames[1].hint.as_deref(), Some("ignored due to recursion"));

    let e = python_error(
        "ValueError",
        "x",
        json!([py_frame("app.retry", "wrap", "f()"), py_frame("app.views", "index", "g()")]),
    );
    let variants = explain(&e, &config("", "module:app.retry -group"));
    let exception = child(variants[0].component.as_ref().unwrap(), "exception");
    let frames = children(child(exception, "stacktrace"));
    assert_eq!(frames[0].hint.as_deref(), Some("ignored by a stack trace rule"));
}
