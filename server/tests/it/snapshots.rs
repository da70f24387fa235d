//! Snapshots of the API's JSON shapes (insta): a field renamed, dropped or retyped shows up as
//! a diff in `snapshots/*.snap`, which is what Sentry's clients and the dashboard depend on.
//!
//! Values that change from run to run (ids, dates, keys, DSNs, the port in permalinks) are
//! redacted. After an intended change: `INSTA_UPDATE=always cargo test -p cairn-server --test it
//! snapshots`, review the diff of the `.snap` files, commit them. `make test` sets
//! `INSTA_UPDATE=no`, so a missing or different snapshot fails instead of being written.

use serde_json::{json, Value};

use crate::common::TestServer;

/// Replaces a value that differs between runs with `label`, but keeps `null`: whether a field
/// is null (no previous event, no rate limit) is part of the shape.
fn redact(label: &'static str) -> insta::internals::Redaction {
    insta::dynamic_redaction(
        move |value: insta::internals::Content, _path| {
            if value.is_nil() {
                value
            } else {
                label.into()
            }
        },
    )
}

/// Redacts, at any depth, the fields whose values differ between runs.
macro_rules! assert_api_snapshot {
    ($name:expr, $value:expr) => {
        insta::assert_json_snapshot!($name, $value, {
            ".**.id" => redact("[id]"),
            ".**.eventID" => redact("[event id]"),
            ".**.groupID" => redact("[issue id]"),
            ".**.projectID" => redact("[project id]"),
            ".**.projectId" => redact("[project id]"),
            ".**.previousEventID" => redact("[event id]"),
            ".**.nextEventID" => redact("[event id]"),
            ".**.dateCreated" => redact("[date]"),
            ".**.dateReceived" => redact("[date]"),
            ".**.firstSeen" => redact("[date]"),
            ".**.lastSeen" => redact("[date]"),
            ".**.firstEvent" => redact("[date]"),
            ".**.lastEvent" => redact("[date]"),
            ".**.date_added" => redact("[date]"),
            ".**.public" => redact("[key]"),
            ".**.secret" => redact("[key]"),
            ".**.permalink" => redact("[permalink]"),
            // Sparkline buckets are keyed by the current hour.
            ".**.stats" => redact("[stats]"),
        })
    };
}

/// One event with the interfaces the dashboard shows, sent through the store endpoint.
fn event() -> Value {
    json!({
        "event_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "level": "error",
        "platform": "python",
        "logger": "app.orders",
        "release": "snap@1.0.0",
        "environment": "production",
        "server_name": "web-1",
        "transaction": "/orders/{id}",
        "tags": {"customer": "acme"},
        "user": {"id": "42", "username": "alice"},
        "extra": {"order": 7},
        "exception": {"values": [{
            "type": "ValueError",
            "value": "invalid literal for int() with base 10: 'x'",
            "mechanism": {"type": "generic", "handled": false},
            "stacktrace": {"frames": [
                {"filename": "app/main.py", "function": "main", "lineno": 3, "in_app": true},
                {"filename": "app/orders.py", "function": "parse_order", "lineno": 10,
                 "in_app": true, "context_line": "    return int(raw)"},
            ]},
        }]},
        "breadcrumbs": {"values": [
            {"category": "auth", "message": "user logged in", "level": "info"},
        ]},
        "sdk": {"name": "sentry.python", "version": "2.0.0"},
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn api_response_shapes() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let (status, project) =
        server.post("/api/0/teams/cairn/cairn/projects/", &token, json!({"name": "Snap"})).await;
    assert_eq!(status, 201, "{project}");
    assert_api_snapshot!("created_project", &project);

    let (status, keys) = server.get("/api/0/projects/cairn/snap/keys/", &token).await;
    assert_eq!(status, 200, "{keys}");
    let project_id = keys[0]["projectId"].to_string();
    let public_key = keys[0]["public"].as_str().expect("public key").to_owned();
    assert_api_snapshot!("project_keys", &keys);

    let response = server
        .http
        .post(format!(
            "{}/api/{project_id}/store/?sentry_key={public_key}&sentry_version=7",
            server.url
        ))
        .json(&event())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);

    let get = |path: String| {
        let server = &server;
        let token = &token;
        async move {
            let (status, body) = server.get(&path, token).await;
            assert_eq!(status, 200, "{path}: {body}");
            body
        }
    };

    assert_api_snapshot!("organization", &get("/api/0/organizations/cairn/".into()).await);
    assert_api_snapshot!("projects", &get("/api/0/organizations/cairn/projects/".into()).await);
    assert_api_snapshot!("project_details", &get("/api/0/projects/cairn/snap/".into()).await);

    let issues = get(format!("/api/0/organizations/cairn/issues/?project={project_id}")).await;
    assert_api_snapshot!("issue_list", &issues);
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();

    assert_api_snapshot!(
        "latest_event",
        &get(format!("/api/0/issues/{issue_id}/events/latest/")).await
    );
    assert_api_snapshot!("issue_tags", &get(format!("/api/0/issues/{issue_id}/tags/")).await);
    assert_api_snapshot!(
        "issue_tag_values",
        &get(format!("/api/0/issues/{issue_id}/tags/customer/values/")).await
    );

    // Activity: a comment and a status change, as the dashboard makes them.
    let (status, comment) = server
        .post(
            &format!("/api/0/issues/{issue_id}/comments/"),
            &token,
            json!({"text": "Looking into it"}),
        )
        .await;
    assert_eq!(status, 201, "{comment}");
    assert_api_snapshot!("created_comment", &comment);
    let (status, resolved) = server
        .put(&format!("/api/0/issues/{issue_id}/"), &token, json!({"status": "resolved"}))
        .await;
    assert_eq!(status, 200, "{resolved}");
    assert_api_snapshot!("comments", &get(format!("/api/0/issues/{issue_id}/comments/")).await);
    assert_api_snapshot!("issue_details", &get(format!("/api/0/issues/{issue_id}/")).await);

    // User feedback on the event, as the Python SDK's `capture_user_feedback` sends it.
    let report = json!({"event_id": event()["event_id"], "name": "Alice",
        "email": "alice@example.com", "comments": "The order page broke"})
    .to_string();
    let response = server
        .http
        .post(format!("{}/api/{project_id}/envelope/?sentry_key={public_key}", server.url))
        .body(format!("{{}}\n{{\"type\":\"user_report\"}}\n{report}\n"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_api_snapshot!(
        "issue_user_reports",
        &get(format!("/api/0/issues/{issue_id}/user-reports/")).await
    );

    let (status, error) = server.get("/api/0/organizations/nope/", &token).await;
    assert_eq!(status, 404);
    assert_api_snapshot!("error_not_found", &error);
}
