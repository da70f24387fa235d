//! Environments: recorded by the event writer from what the official `sentry` crate sends
//! (events and sessions), listed per project and per organization, hidden and shown again.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::TestServer;

/// Sends, with the official SDK configured for `environment`, one message and, when asked,
/// one session; flushes.
pub(crate) async fn send_in(dsn: &str, environment: &'static str, message: bool, session: bool) {
    let dsn = dsn.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut options = sentry::ClientOptions::default();
        options.dsn = Some(dsn.parse().expect("valid DSN"));
        options.release = Some("shop@1.0".into());
        options.environment = Some(environment.into());
        let client = Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
        let hub =
            Arc::new(sentry::Hub::new(Some(client.clone()), Arc::new(sentry::Scope::default())));
        sentry::Hub::run(hub, || {
            if message {
                sentry::capture_message("checkout failed", sentry::Level::Error);
            }
            if session {
                sentry::start_session();
                sentry::end_session();
            }
        });
        assert!(client.close(Some(Duration::from_secs(10))), "the SDK delivered its envelopes");
    })
    .await
    .expect("SDK thread");
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().into_iter().flatten().filter_map(|e| e["name"].as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_are_recorded_listed_and_hidden() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "Shop").await;
    send_in(&dsn, "production", true, false).await;
    send_in(&dsn, "staging", true, false).await;
    // Sessions name environments too, without any error event.
    send_in(&dsn, "canary", false, true).await;
    send_in(&dsn, "production", true, false).await;

    let path = "/api/0/projects/cairn/shop/environments/";
    let mut listed = Value::Null;
    for _ in 0..100 {
        listed = server.get(path, &owner).await.1;
        if names(&listed).len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(names(&listed), ["canary", "production", "staging"], "{listed}");
    assert_eq!(listed[1]["isHidden"], false);

    // Hiding one leaves it out of the default list and out of the organization's.
    let member = server.member_token("member@example.com");
    let (status, _) =
        server.put(&format!("{path}staging/"), &member, json!({"isHidden": true})).await;
    assert_eq!(status, 403, "members do not change project settings");
    let (status, hidden) =
        server.put(&format!("{path}staging/"), &owner, json!({"isHidden": true})).await;
    assert_eq!(status, 200, "{hidden}");
    assert_eq!(
        (hidden["name"].as_str(), hidden["isHidden"].as_bool()),
        (Some("staging"), Some(true))
    );
    assert_eq!(names(&server.get(path, &member).await.1), ["canary", "production"]);
    let (_, only_hidden) = server.get(&format!("{path}?visibility=hidden"), &member).await;
    assert_eq!(names(&only_hidden), ["staging"]);
    let (_, all) = server.get(&format!("{path}?visibility=all"), &member).await;
    assert_eq!(names(&all), ["canary", "production", "staging"]);
    let (status, body) = server.get(&format!("{path}?visibility=some"), &member).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("'visible'")), "{body}");
    let (status, one) = server.get(&format!("{path}staging/"), &member).await;
    assert_eq!((status, one["isHidden"].as_bool()), (200, Some(true)), "{one}");
    assert_eq!(server.get(&format!("{path}nowhere/"), &member).await.0, 404);
    let (status, _) =
        server.put(&format!("{path}nowhere/"), &owner, json!({"isHidden": true})).await;
    assert_eq!(status, 404);

    let org = "/api/0/organizations/cairn/environments/";
    assert_eq!(names(&server.get(org, &member).await.1), ["canary", "production"]);
    let (_, project) = server.get("/api/0/projects/cairn/shop/", &owner).await;
    let id = project["id"].as_str().expect("project id");
    let (_, by_project) = server.get(&format!("{org}?project={id}&visibility=all"), &member).await;
    assert_eq!(names(&by_project), ["canary", "production", "staging"]);
    let (_, other_project) = server.get(&format!("{org}?project=999999"), &member).await;
    assert_eq!(names(&other_project), Vec::<&str>::new());

    // Shown again, and a new environment still arrives after the writer learnt the others.
    server.put(&format!("{path}staging/"), &owner, json!({"isHidden": false})).await;
    send_in(&dsn, "qa", true, false).await;
    for _ in 0..100 {
        listed = server.get(path, &owner).await.1;
        if names(&listed).len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(names(&listed), ["canary", "production", "qa", "staging"], "{listed}");
}
