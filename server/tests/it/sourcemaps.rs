//! JavaScript source maps end to end: the real `sentry-cli sourcemaps inject` and `upload`
//! against Cairn, then events whose minified frames come back as the original source.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use sourcemap::SourceMapBuilder;

use crate::common::{sentry_cli, sentry_hub, succeeded, TestServer};

/// `src/cart.js` before the build.
const ORIGINAL: &str = include_str!("../fixtures/sourcemaps/cart.js");

/// The build's output: one line, `checkout` renamed `c`.
const MINIFIED: &str = include_str!("../fixtures/sourcemaps/app.min.js");

/// Writes the build's `app.min.js` and its map (with the source's text) into `dir`.
pub fn write_build(dir: &Path) {
    let mut builder = SourceMapBuilder::new(Some("app.min.js"));
    let source = builder.add_source("webpack://shop/./src/cart.js");
    builder.set_source_contents(source, Some(ORIGINAL));
    let file = Some("webpack://shop/./src/cart.js");
    builder.add(0, 0, 1, 0, file, Some("checkout"), false);
    builder.add(0, 33, 3, 4, file, None, false);
    builder.add(0, 70, 7, 7, file, Some("start"), false);
    builder.add(0, 95, 8, 2, file, Some("checkout"), false);
    let mut map = Vec::new();
    builder.into_sourcemap().to_writer(&mut map).expect("the map is written");
    std::fs::write(dir.join("app.min.js"), MINIFIED).expect("script written");
    std::fs::write(dir.join("app.min.js.map"), map).expect("map written");
}

/// The line of the injected script that holds the code (inject puts its snippet above it),
/// and the debug id it appended.
fn injected(dir: &Path) -> (u64, String) {
    let script = std::fs::read_to_string(dir.join("app.min.js")).expect("script read");
    let line = script.lines().position(|l| l.starts_with("function c(t)")).expect("code line");
    let debug_id = script
        .lines()
        .find_map(|l| l.strip_prefix("//# debugId="))
        .expect("inject appended a debug id")
        .trim()
        .to_owned();
    (line as u64 + 1, debug_id)
}

/// The frames of a thrown `Error` as a browser reports them: `start` called `c`.
fn frames(script_url: &str, line: u64) -> Vec<sentry::protocol::Frame> {
    [("start", 97), ("c", 34)]
        .into_iter()
        .map(|(function, colno)| sentry::protocol::Frame {
            function: Some(function.into()),
            abs_path: Some(script_url.into()),
            filename: Some("/app.min.js".into()),
            lineno: Some(line),
            colno: Some(colno),
            ..Default::default()
        })
        .collect()
}

/// Sends, with the official SDK, the `Error` a browser throws from the build's script at `url`
/// (its code on line `line`), for `release`.
pub async fn send_browser_error(dsn: &str, release: &str, url: &str, line: u64) {
    let (hub, client) = sentry_hub(dsn, release);
    let exception = sentry::protocol::Exception {
        ty: "Error".into(),
        value: Some("the cart is empty".into()),
        stacktrace: Some(sentry::protocol::Stacktrace {
            frames: frames(url, line),
            ..Default::default()
        }),
        ..Default::default()
    };
    let event = sentry::protocol::Event {
        platform: "javascript".into(),
        exception: vec![exception].into(),
        ..Default::default()
    };
    tokio::task::spawn_blocking(move || {
        sentry::Hub::run(Arc::clone(&hub), || sentry::capture_event(event));
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered the event");
    })
    .await
    .expect("sent");
}

async fn latest_event(server: &TestServer, token: &str, issue: &Value) -> Value {
    let id = issue["id"].as_str().expect("issue id");
    let (status, event) = server.get(&format!("/api/0/issues/{id}/events/latest/"), token).await;
    assert_eq!(status, 200, "{event}");
    event
}

fn stacktrace_frames(event: &Value) -> &Vec<Value> {
    let entry = event["entries"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["type"] == "exception"))
        .unwrap_or_else(|| panic!("an exception entry: {event:#}"));
    entry["data"]["values"][0]["stacktrace"]["frames"].as_array().expect("frames")
}

#[tokio::test(flavor = "multi_thread")]
async fn source_maps_uploaded_with_sentry_cli_map_browser_frames_by_release_and_by_debug_id() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "Shop").await;
    // A CI token, as Sentry's docs give `sentry-cli`: `project:releases` only.
    let ci = server
        .cli(&["createtoken", "--email", "owner@example.com", "--scope", "project:releases"])
        .trim()
        .to_owned();

    let work = tempfile::tempdir().expect("work dir");
    let dist = work.path().join("dist");
    std::fs::create_dir(&dist).expect("dist");
    write_build(&dist);
    succeeded(&sentry_cli(&server, &ci, work.path(), &["sourcemaps", "inject", "dist"]));
    let (line, debug_id) = injected(&dist);
    assert!(line > 1, "the snippet moved the code down");
    let upload = succeeded(&sentry_cli(
        &server,
        &ci,
        work.path(),
        &["sourcemaps", "upload", "--release", "shop@1.0.0", "--wait", "dist"],
    ));
    assert!(upload.contains("app.min.js"), "{upload}");

    let (status, bundles) =
        server.get("/api/0/projects/cairn/shop/files/artifact-bundles/", &ci).await;
    assert_eq!(status, 200, "{bundles}");
    assert_eq!(bundles.as_array().map(Vec::len), Some(1), "{bundles}");
    assert_eq!(bundles[0]["fileCount"], 2, "{bundles}");
    assert_eq!(bundles[0]["associations"], json!([{"release": "shop@1.0.0", "dist": null}]));
    // The same upload again changes nothing (sentry-cli finds every chunk on the server).
    succeeded(&sentry_cli(
        &server,
        &ci,
        work.path(),
        &["sourcemaps", "upload", "--release", "shop@1.0.0", "dist"],
    ));
    let (_, again) = server.get("/api/0/projects/cairn/shop/files/artifact-bundles/", &ci).await;
    assert_eq!(again.as_array().map(Vec::len), Some(1), "{again}");

    // 1. The official SDK sends a browser error of that release: found by release and URL.
    send_browser_error(&dsn, "shop@1.0.0", "https://shop.example.com/app.min.js?v=3", line).await;
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 1).await;
    assert_eq!(issues[0]["culprit"], "checkout(src/cart)", "{:#}", issues[0]);
    let event = latest_event(&server, &owner, &issues[0]).await;
    let frames_ = stacktrace_frames(&event);
    let thrown = &frames_[1];
    assert_eq!(thrown["function"], "checkout", "{thrown:#}");
    assert_eq!(thrown["filename"], "./src/cart.js");
    assert_eq!(thrown["absPath"], "webpack://shop/./src/cart.js");
    assert_eq!(thrown["lineNo"], 4);
    assert_eq!(thrown["colNo"], 5);
    assert_eq!(
        thrown["context"][3],
        json!([4, "    throw new Error(\"the cart is empty\");"]),
        "{thrown:#}"
    );
    assert_eq!(frames_[0]["lineNo"], 9);
    let raw = &event["entries"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["type"] == "exception"))
        .expect("exception")["data"]["values"][0]["rawStacktrace"]["frames"];
    assert_eq!(raw[1]["function"], "c", "the frames as sent are kept: {raw:#}");
    assert_eq!(raw[1]["lineNo"], line);

    // 2. A browser SDK's event with the script's debug id and no release: found by debug id.
    let script = "https://cdn.example.com/assets/app.min.js";
    let payload = json!({
        "event_id": "0123456789abcdef0123456789abcdef",
        "platform": "javascript",
        "exception": {"values": [{"type": "Error", "value": "the cart is empty", "stacktrace": {"frames": [
            {"function": "start", "abs_path": script, "filename": script, "lineno": line, "colno": 97, "in_app": true},
            {"function": "c", "abs_path": script, "filename": script, "lineno": line, "colno": 34, "in_app": true},
        ]}}]},
        "debug_meta": {"images": [{"type": "sourcemap", "code_file": script, "debug_id": debug_id}]},
        "sdk": {"name": "sentry.javascript.browser", "version": "10.5.0"},
    });
    server.post_envelope(&dsn, [("event", payload.clone())]).await;
    let (status, event) = server
        .get("/api/0/projects/cairn/shop/events/0123456789abcdef0123456789abcdef/", &owner)
        .await;
    assert_eq!(status, 200, "{event}");
    let thrown = &stacktrace_frames(&event)[1];
    assert_eq!(thrown["function"], "checkout", "{thrown:#}");
    assert_eq!(thrown["lineNo"], 4);
    assert_eq!(thrown["data"]["resolved_with"], "debug-id", "{thrown:#}");
    assert_eq!(event["groupID"], issues[0]["id"], "the same error groups as one issue");

    // 3. Once the bundle is deleted, a new event's frames stay as sent.
    let bundle_id = bundles[0]["bundleId"].as_str().expect("bundle id");
    let path = format!("/api/0/projects/cairn/shop/files/artifact-bundles/?bundleId={bundle_id}");
    assert_eq!(server.delete(&path, &ci).await, 204);
    assert_eq!(server.delete(&path, &ci).await, 404);
    let mut unmapped = payload;
    unmapped["event_id"] = json!("fedcba9876543210fedcba9876543210");
    server.post_envelope(&dsn, [("event", unmapped)]).await;
    let (_, event) = server
        .get("/api/0/projects/cairn/shop/events/fedcba9876543210fedcba9876543210/", &owner)
        .await;
    assert_eq!(stacktrace_frames(&event)[1]["function"], "c", "{event:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upload_refuses_bad_chunks_and_bundles_and_other_organizations() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&owner, "Shop").await;
    let (status, options) = server.get("/api/0/organizations/cairn/chunk-upload/", &owner).await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["hashAlgorithm"], "sha1");
    assert!(options["url"]
        .as_str()
        .unwrap_or("")
        .ends_with("/api/0/organizations/cairn/chunk-upload/"));

    let assemble = |body: Value| {
        let server = &server;
        let owner = owner.clone();
        async move {
            server.post("/api/0/organizations/cairn/artifactbundle/assemble/", &owner, body).await
        }
    };
    let sha = |byte: char| byte.to_string().repeat(40);
    // Chunks the server does not have are asked for.
    let (status, answer) =
        assemble(json!({"checksum": sha('a'), "chunks": [sha('b')], "projects": ["shop"]})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"state": "not_found", "missingChunks": [sha('b')], "detail": null}));
    // Bad requests get 400 with a reason.
    for body in [
        json!({"checksum": "xyz", "chunks": [], "projects": ["shop"]}),
        json!({"checksum": sha('a'), "chunks": [], "projects": []}),
        json!({"checksum": sha('a'), "chunks": [], "projects": ["nope"]}),
        json!({"checksum": sha('a'), "chunks": [], "projects": ["shop"], "dist": "web"}),
        json!({"checksum": sha('a'), "chunks": [], "projects": ["shop"], "other": 1}),
    ] {
        let (status, answer) = assemble(body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }

    // A chunk whose name is not its SHA-1 is refused; a real one is kept.
    let upload = |name: String, bytes: &'static [u8]| {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        reqwest::Client::new()
            .post(format!("{}/api/0/organizations/cairn/chunk-upload/", server.url))
            .bearer_auth(&owner)
            .multipart(form)
            .send()
    };
    let response = upload(sha('c'), b"not a zip").await.expect("sent");
    assert_eq!(response.status(), 400);
    let checksum = hex::encode(<sha1::Sha1 as sha1::Digest>::digest(b"not a zip"));
    let response = upload(checksum.clone(), b"not a zip").await.expect("sent");
    assert_eq!(response.status(), 200);
    // Assembled, it is no bundle: the state says why.
    let (status, answer) =
        assemble(json!({"checksum": checksum, "chunks": [checksum], "projects": ["shop"]})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["state"], "error", "{answer}");
    assert_eq!(answer["detail"], "the bundle is not a zip file");
    // The wrong whole checksum is an error too.
    let (_, answer) =
        assemble(json!({"checksum": sha('d'), "chunks": [checksum], "projects": ["shop"]})).await;
    assert_eq!(answer["state"], "error", "{answer}");

    // The owner of another organization gets 403 everywhere in this one.
    server.cli(&["createorg", "--slug", "other", "--project", "other-project"]);
    let password = "correct horse battery";
    let email = "other@example.com";
    server.cli(&[
        "createuser",
        "--email",
        email,
        "--password",
        password,
        "--organization",
        "other",
        "--role",
        "owner",
    ]);
    let stranger = server.cli(&["createtoken", "--email", email]).trim().to_owned();
    let (status, _) = server.get("/api/0/organizations/cairn/chunk-upload/", &stranger).await;
    assert_eq!(status, 403);
    let (status, _) = server
        .post(
            "/api/0/organizations/cairn/artifactbundle/assemble/",
            &stranger,
            json!({"checksum": sha('a'), "chunks": [], "projects": ["shop"]}),
        )
        .await;
    assert_eq!(status, 403);
}
