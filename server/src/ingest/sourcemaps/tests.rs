use serde_json::json;
use sourcemap::SourceMapBuilder;

use super::*;

/// The original source of the test bundle, `src/cart.js` (shared with the integration tests).
const ORIGINAL: &str = include_str!("../../../tests/fixtures/sourcemaps/cart.js");

/// Its minified form: one line, `checkout` renamed `c`.
const MINIFIED: &str = include_str!("../../../tests/fixtures/sourcemaps/app.min.js");

/// A map of [`MINIFIED`] back to [`ORIGINAL`]: the `throw` (column 34) is line 4 column 5 of
/// the original; the call `c(t)` (column 96) is line 9 column 3, and names `checkout`.
fn map(with_contents: bool) -> SourceMap {
    let mut builder = SourceMapBuilder::new(Some("app.min.js"));
    let source = builder.add_source("webpack://shop/./src/cart.js");
    if with_contents {
        builder.set_source_contents(source, Some(ORIGINAL));
    }
    builder.add(0, 0, 1, 0, Some("webpack://shop/./src/cart.js"), Some("checkout"), false);
    builder.add(0, 33, 3, 4, Some("webpack://shop/./src/cart.js"), None, false);
    builder.add(0, 70, 7, 7, Some("webpack://shop/./src/cart.js"), Some("start"), false);
    builder.add(0, 95, 8, 2, Some("webpack://shop/./src/cart.js"), Some("checkout"), false);
    builder.into_sourcemap()
}

const DEBUG_ID: &str = "a913e111-c3f3-51f2-988f-701f0fa4959c";
const SCRIPT: &str = "https://shop.example.com/static/js/app.min.js";

/// The bundle as `sentry-cli sourcemaps inject` and `upload` make it: script and map with the
/// same debug id, no release.
fn debug_id_index() -> ArtifactIndex {
    ArtifactIndex::new(vec![
        ArtifactMeta {
            debug_id: Some(DEBUG_ID.into()),
            ..file(1, ArtifactKind::MinifiedSource, "~/app.min.js")
        },
        ArtifactMeta {
            debug_id: Some(DEBUG_ID.into()),
            ..file(2, ArtifactKind::SourceMap, "~/app.min.js.map")
        },
    ])
}

fn file(id: i64, kind: ArtifactKind, url: &str) -> ArtifactMeta {
    ArtifactMeta {
        id,
        kind,
        url: url.to_owned(),
        debug_id: None,
        sourcemap: None,
        release: None,
        dist: None,
    }
}

/// An event thrown from [`MINIFIED`]: `start` (the caller, oldest first) then `c`.
fn event(with_debug_meta: bool) -> Map<String, Value> {
    let mut event = json!({
        "platform": "javascript",
        "release": "shop@1.0.0",
        "exception": {"values": [{"type": "Error", "value": "the cart is empty", "stacktrace": {"frames": [
            {"function": "start", "abs_path": SCRIPT, "filename": "/static/js/app.min.js", "lineno": 1, "colno": 97, "in_app": true},
            {"function": "c", "abs_path": SCRIPT, "filename": "/static/js/app.min.js", "lineno": 1, "colno": 34, "in_app": true},
        ]}}]},
    });
    if with_debug_meta {
        event["debug_meta"] =
            json!({"images": [{"type": "sourcemap", "code_file": SCRIPT, "debug_id": DEBUG_ID}]});
    }
    let Value::Object(event) = event else { unreachable!() };
    event
}

/// Runs [`plan`] and [`apply`] with the given files' contents.
fn map_event(
    event: &mut Map<String, Value>,
    index: &ArtifactIndex,
    texts: &[(i64, &str)],
    maps: &[(MapSource, Loaded)],
) {
    let plan = plan(event, index);
    let minified =
        texts.iter().map(|(id, text)| (*id, Arc::new(SourceView::new(Arc::from(*text))))).collect();
    let maps = maps
        .iter()
        .map(|(source, loaded)| {
            let loaded = match loaded {
                Loaded::Map(map) => Loaded::Map(map.clone()),
                Loaded::Invalid => Loaded::Invalid,
            };
            (source.clone(), Arc::new(loaded))
        })
        .collect();
    apply(event, &plan, &minified, &maps);
}

fn frames(event: &Map<String, Value>) -> &Vec<Value> {
    event["exception"]["values"][0]["stacktrace"]["frames"].as_array().unwrap()
}

#[test]
fn a_frame_found_by_debug_id_reads_the_original_file_line_and_function() {
    let index = debug_id_index();
    let mut event = event(true);
    let plan = plan(&mut event, &index);
    assert_eq!(plan.minified_files().collect::<Vec<_>>(), [1]);
    assert_eq!(plan.maps().collect::<Vec<_>>(), [&MapSource::File(2)]);
    map_event(
        &mut event,
        &index,
        &[(1, MINIFIED)],
        &[(MapSource::File(2), Loaded::Map(Arc::new(map(true))))],
    );

    let thrown = &frames(&event)[1];
    assert_eq!(thrown["lineno"], 4);
    assert_eq!(thrown["colno"], 5);
    assert_eq!(thrown["abs_path"], "webpack://shop/./src/cart.js");
    assert_eq!(thrown["filename"], "./src/cart.js");
    assert_eq!(thrown["module"], "src/cart");
    // The caller's call site names the function: `checkout`, not the minified `c`.
    assert_eq!(thrown["function"], "checkout");
    assert_eq!(thrown["context_line"], "    throw new Error(\"the cart is empty\");");
    assert_eq!(
        thrown["pre_context"],
        json!([
            "// The shopping cart.",
            "function checkout(cart) {",
            "  if (!cart.items.length) {"
        ])
    );
    assert_eq!(
        thrown["post_context"],
        json!(["  }", "}", "", "export function start(cart) {", "  checkout(cart);"])
    );
    assert_eq!(
        thrown["data"],
        json!({"sourcemap": SCRIPT, "resolved_with": "debug-id", "symbolicated": true})
    );
    assert_eq!(thrown["in_app"], true);

    let caller = &frames(&event)[0];
    assert_eq!((caller["lineno"].as_u64(), caller["colno"].as_u64()), (Some(9), Some(3)));
    assert_eq!(caller["function"], "start");
    assert_eq!(caller["context_line"], "  checkout(cart);");

    // The frames as sent stay next to the mapped ones, with the minified file's line.
    let raw = &event["exception"]["values"][0]["raw_stacktrace"]["frames"];
    assert_eq!(raw[1]["function"], "c");
    assert_eq!(raw[1]["abs_path"], SCRIPT);
    assert_eq!(raw[1]["lineno"], 1);
    assert_eq!(raw[1]["context_line"], MINIFIED.lines().next().unwrap());
    assert!(event.get("errors").is_none(), "{:?}", event.get("errors"));
}

#[test]
fn without_a_debug_id_a_frame_is_found_by_its_release_and_url() {
    let release = |meta: ArtifactMeta| ArtifactMeta { release: Some("shop@1.0.0".into()), ..meta };
    let index = ArtifactIndex::new(vec![
        release(ArtifactMeta {
            sourcemap: Some("app.min.js.map".into()),
            ..file(1, ArtifactKind::MinifiedSource, "~/static/js/app.min.js")
        }),
        release(file(2, ArtifactKind::SourceMap, "~/static/js/app.min.js.map")),
    ]);
    let mut event = event(false);
    map_event(
        &mut event,
        &index,
        &[(1, MINIFIED)],
        &[(MapSource::File(2), Loaded::Map(Arc::new(map(true))))],
    );
    let thrown = &frames(&event)[1];
    assert_eq!(thrown["lineno"], 4);
    assert_eq!(thrown["data"]["resolved_with"], "release");
    // The map's URL, resolved against the script's.
    assert_eq!(thrown["data"]["sourcemap"], "https://shop.example.com/static/js/app.min.js.map");

    // Another release's event finds nothing, and says so once per script.
    let mut other = event_with_release("shop@2.0.0");
    map_event(&mut other, &index, &[], &[]);
    assert_eq!(frames(&other)[1]["lineno"], 1);
    assert_eq!(other["errors"], json!([{"type": "js_no_source", "url": SCRIPT}]));
}

fn event_with_release(release: &str) -> Map<String, Value> {
    let mut event = event(false);
    event.insert("release".into(), json!(release));
    event
}

#[test]
fn a_map_without_sources_content_maps_the_position_and_says_what_is_missing() {
    let index = debug_id_index();
    let mut event = event(true);
    map_event(
        &mut event,
        &index,
        &[(1, MINIFIED)],
        &[(MapSource::File(2), Loaded::Map(Arc::new(map(false))))],
    );
    let thrown = &frames(&event)[1];
    assert_eq!(thrown["lineno"], 4);
    assert!(thrown.get("context_line").is_none());
    assert_eq!(
        event["errors"][0],
        json!({"type": "js_missing_sources_content", "source": "webpack://shop/./src/cart.js", "sourcemap": SCRIPT})
    );
}

#[test]
fn a_map_that_does_not_parse_leaves_the_frame_and_says_so() {
    assert!(matches!(parse_map(b"{not a map"), Loaded::Invalid));
    let index = debug_id_index();
    let mut event = event(true);
    map_event(&mut event, &index, &[(1, MINIFIED)], &[(MapSource::File(2), Loaded::Invalid)]);
    assert_eq!(frames(&event)[1]["function"], "c");
    assert_eq!(frames(&event)[1]["data"]["symbolicated"], false);
    assert_eq!(event["errors"], json!([{"type": "js_invalid_source", "url": SCRIPT}]));
}

#[test]
fn a_map_in_a_data_url_is_read_from_the_minified_file() {
    let mut encoded = Vec::new();
    map(true).to_writer(&mut encoded).unwrap();
    use base64::Engine as _;
    let data_url = format!(
        "data:application/json;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&encoded)
    );
    let minified = MINIFIED.replace("app.min.js.map", &data_url);
    assert_eq!(sourcemap_comment(&minified), Some(data_url.as_str()));
    assert!(matches!(parse_embedded_map(&minified), Loaded::Map(_)));

    let index = ArtifactIndex::new(vec![ArtifactMeta {
        debug_id: Some(DEBUG_ID.into()),
        sourcemap: Some(data_url),
        ..file(1, ArtifactKind::MinifiedSource, "~/app.min.js")
    }]);
    let mut event = event(true);
    let planned = plan(&mut event, &index);
    assert_eq!(planned.maps().collect::<Vec<_>>(), [&MapSource::Embedded(1)]);
    map_event(
        &mut event,
        &index,
        &[(1, &minified)],
        &[(MapSource::Embedded(1), parse_embedded_map(&minified))],
    );
    assert_eq!(frames(&event)[1]["lineno"], 4);
}

#[test]
fn node_builtins_and_other_platforms_are_left_alone() {
    let index = ArtifactIndex::new(vec![file(1, ArtifactKind::MinifiedSource, "~/x.js")]);
    let frame = |platform, abs_path| {
        let mut frame = json!({"abs_path": abs_path, "lineno": 1, "colno": 1});
        frame["platform"] = json!(platform);
        frame
    };
    let mut event = json!({"platform": "node", "release": "r", "exception": {"values": [{"stacktrace": {"frames": [
        frame("node", "node:internal/process"),
        frame("node", "internal/timers.js"),
        frame("python", "/srv/app.py"),
        frame("node", "[native code]"),
    ]}}]}});
    let plan = plan(event.as_object_mut().unwrap(), &index);
    assert!(plan.is_empty(), "{plan:?}");
}

#[test]
fn an_empty_index_plans_nothing() {
    let mut event = event(true);
    assert!(plan(&mut event, &ArtifactIndex::default()).is_empty());
}

#[test]
fn candidate_urls_are_sentrys() {
    assert_eq!(
        candidate_urls("https://example.com/assets/bundle.min.js?foo=1#wat"),
        [
            "https://example.com/assets/bundle.min.js?foo=1",
            "https://example.com/assets/bundle.min.js",
            "~/assets/bundle.min.js?foo=1",
            "~/assets/bundle.min.js",
        ]
    );
    assert_eq!(candidate_urls("app:///_next/x.js"), ["app:///_next/x.js", "~/_next/x.js"]);
    assert_eq!(candidate_urls("~/a.js"), ["~/a.js"]);
}

#[test]
fn join_paths_resolves_like_a_browser_within_the_host() {
    let base = "https://example.com/static/js/app.min.js?v=1";
    assert_eq!(join_paths(base, "app.min.js.map"), "https://example.com/static/js/app.min.js.map");
    assert_eq!(join_paths(base, "../maps/app.map"), "https://example.com/static/maps/app.map");
    assert_eq!(join_paths(base, "../../../../x.map"), "https://example.com/x.map");
    assert_eq!(join_paths(base, "/root.map"), "https://example.com/root.map");
    assert_eq!(join_paths(base, "//cdn.example.com/a.map"), "https://cdn.example.com/a.map");
    assert_eq!(join_paths(base, "webpack:///src/a.js"), "webpack:///src/a.js");
    assert_eq!(join_paths(base, "https://other/a.map"), "https://other/a.map");
    assert_eq!(join_paths("app:///bundle.js", "./src/a.ts"), "app:///src/a.ts");
    assert_eq!(join_paths(base, "~/root.map"), "https://example.com/root.map");
}

#[test]
fn webpack_filenames_are_made_readable() {
    assert_eq!(fixup_webpack_filename("webpack://app/./src/x.js"), "./src/x.js");
    assert_eq!(fixup_webpack_filename("webpack:///src/x.js"), "src/x.js");
    assert_eq!(fixup_webpack_filename("webpack:///~/lodash/index.js"), "~/lodash/index.js");
    assert_eq!(fixup_webpack_filename("webpack-internal:///./src/y.js"), "./src/y.js");
    assert_eq!(fixup_webpack_filename("../src/app.ts"), "../src/app.ts");
}

#[test]
fn mapped_frames_in_node_modules_are_not_in_app() {
    assert_eq!(in_app_of("webpack:///~/lodash/index.js", "~/lodash/index.js"), Some(false));
    assert_eq!(in_app_of("webpack:///./src/a.js", "./src/a.js"), Some(true));
    assert_eq!(in_app_of("app:///node_modules/x/y.js", "node_modules/x/y.js"), Some(false));
    assert_eq!(in_app_of("https://x/node_modules/a.js", "a.js"), Some(false));
    assert_eq!(in_app_of("https://x/src/a.js", "a.js"), None);
}

#[test]
fn repeated_parts_of_function_names_are_folded() {
    assert_eq!(fold_function_name("a.a.a.b"), "{a#3}.b");
    assert_eq!(fold_function_name("bar.foo.foo.onError"), "bar.{foo#2}.onError");
    assert_eq!(fold_function_name("a.b"), "a.b");
    assert_eq!(fold_function_name("checkout"), "checkout");
}

#[test]
fn long_lines_are_cut_around_the_column() {
    let line = "x".repeat(100) + "THROW" + &"y".repeat(200);
    let cut = trim_line(&line, 101);
    assert!(cut.starts_with("{snip} ") && cut.ends_with(" {snip}"), "{cut}");
    assert!(cut.contains("THROW"));
    assert_eq!(cut.len(), 140 + 14);
    assert_eq!(trim_line("short", 3), "short");
    // At the end of a long line, the last 140 bytes.
    let cut = trim_line(&line, 300);
    assert_eq!(cut, format!("{{snip}} {}", &line[line.len() - 140..]));
}

#[test]
fn the_last_source_mapping_comment_counts() {
    assert_eq!(sourcemap_comment("a\n//# sourceMappingURL=x.map?v=2\n"), Some("x.map"));
    assert_eq!(
        sourcemap_comment("//@ sourceMappingURL=old.map\n//# sourceMappingURL=new.map"),
        Some("new.map")
    );
    assert_eq!(sourcemap_comment("no comment"), None);
}
