//! The grouping information of an event (Sentry's `grouping-info`): an error sent with the
//! official `sentry` crate, explained over HTTP; then the project's fingerprint rules change,
//! and the explanation shows the rule that would win and that the issue lacks its hash.

use std::time::Duration;

use sentry::protocol::{Event, Exception, Frame, Stacktrace};
use serde_json::{json, Value};

use crate::common::{sentry_hub, TestServer};

/// Sends an error with a library frame and two in-app frames; returns its event id.
pub(crate) async fn send_error(dsn: &str) -> String {
    let dsn = dsn.to_owned();
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, "shop@1.0.0");
        let frame = |module: &str, function: &str, in_app: bool| Frame {
            module: Some(module.to_owned()),
            filename: Some(format!("{}.rs", module.replace("::", "/"))),
            function: Some(function.to_owned()),
            in_app: Some(in_app),
            ..Default::default()
        };
        let event = Event {
            exception: vec![Exception {
                ty: "ChargeError".into(),
                value: Some("card 4242 declined".into()),
                stacktrace: Some(Stacktrace {
                    frames: vec![
                        frame("tokio::runtime", "block_on", false),
                        frame("shop::main", "main", true),
                        frame("shop::billing", "charge", true),
                    ],
                    ..Default::default()
                }),
                ..Default::default()
            }]
            .into(),
            ..Default::default()
        };
        let id = hub.capture_event(event);
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
        id.simple().to_string()
    })
    .await
    .expect("SDK thread")
}

/// The `frame` components of a variant's exception.
fn frames(variant: &Value) -> Vec<Value> {
    let exception = &variant["component"]["values"][0];
    assert_eq!(exception["id"], "exception", "{variant:#}");
    let stacktrace = exception["values"]
        .as_array()
        .and_then(|v| v.iter().find(|c| c["id"] == "stacktrace"))
        .unwrap_or_else(|| panic!("no stacktrace in {exception:#}"));
    stacktrace["values"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_explains_its_grouping_and_a_new_rule_shows_as_a_hash_mismatch() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "Shop").await;
    let event_id = send_error(&dsn).await;
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 1).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();

    let member = server.member_token("member@example.com");
    let path = format!("/api/0/projects/cairn/shop/events/{event_id}/grouping-info/");
    let (status, info) = server.get(&path, &member).await;
    assert_eq!(status, 200, "{info}");
    let app = &info["app"];
    assert_eq!(app["type"], "component");
    assert_eq!(app["description"], "in-app exception stack-trace");
    assert_eq!(app["contributes"], true);
    assert_eq!(app["hashMismatch"], false);
    let frames_of_app = frames(app);
    assert_eq!(frames_of_app.len(), 3);
    assert_eq!(frames_of_app[0]["contributes"], false);
    assert_eq!(frames_of_app[0]["hint"], "non app frame");
    assert_eq!(frames_of_app[2]["contributes"], true);
    assert_eq!(frames_of_app[2]["values"][0]["id"], "module");
    assert_eq!(frames_of_app[2]["values"][0]["values"][0], "shop::billing");
    assert!(frames(&info["system"]).iter().all(|f| f["contributes"] == true), "{info:#}");

    // The variants' hashes are the issue's.
    let (status, hashes) = server.get(&format!("/api/0/issues/{issue_id}/hashes/"), &owner).await;
    assert_eq!(status, 200, "{hashes}");
    let issue_hashes: Vec<&str> =
        hashes.as_array().into_iter().flatten().filter_map(|h| h["id"].as_str()).collect();
    for key in ["app", "system"] {
        let hash = info[key]["hash"].as_str().expect("a contributing variant has a hash");
        assert!(issue_hashes.contains(&hash), "{key}: {hash} not in {issue_hashes:?}");
    }

    // A fingerprint rule added since: it would win, and the issue does not have its hash.
    let rule = "error.type:ChargeError -> payments";
    let (status, body) = server
        .put("/api/0/projects/cairn/shop/", &owner, json!({"fingerprintingRules": rule}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, info) = server.get(&path, &member).await;
    assert_eq!(status, 200, "{info}");
    let custom = &info["custom-fingerprint"];
    assert_eq!(custom["matchedRule"], rule, "{info:#}");
    assert_eq!(custom["values"], json!(["payments"]));
    assert_eq!(custom["contributes"], true);
    assert_eq!(custom["hashMismatch"], true);
    assert_eq!(info["app"]["contributes"], false);
    assert_eq!(info["app"]["hint"], "ignored because the fingerprint rule takes precedence");

    // Unknown events, and events of other organizations' projects, are not found.
    let unknown =
        "/api/0/projects/cairn/shop/events/0123456789abcdef0123456789abcdef/grouping-info/";
    assert_eq!(server.get(unknown, &owner).await.0, 404);
    let (status, body) =
        server.get("/api/0/projects/cairn/shop/events/not-an-id/grouping-info/", &owner).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["detail"].is_string(), "{body}");
}
