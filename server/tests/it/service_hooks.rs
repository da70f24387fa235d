//! Service hooks: Sentry's hooks API, and the signed POSTs a hook's receiver gets, a real HTTP
//! server on loopback, when the official `sentry` crate sends events: every new event
//! (`event.created`), or those that fired an alert rule (`event.alert`); a receiver that fails
//! is tried again, then given up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::common::{capture_message, TestServer};

/// One POST a receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// An HTTP server on loopback that records what it gets and answers with the statuses it was
/// given, in turn (then 200).
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(answers: Vec<u16>) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answers = Arc::new(Mutex::new(answers.into_iter()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bound");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let record = Arc::clone(&got);
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let (record, answers) = (Arc::clone(&record), Arc::clone(&answers));
                async move {
                    let path = uri.path().to_owned();
                    record.lock().expect("lock").push(Received {
                        path,
                        headers,
                        body: body.to_vec(),
                    });
                    let status = answers.lock().expect("lock").next().unwrap_or(200);
                    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
                }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Polls until the receiver has got `count` POSTs to `path`.
    async fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        for _ in 0..150 {
            let got: Vec<Received> =
                self.received().into_iter().filter(|r| r.path == path).collect();
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{path} expected {count} deliveries, got {:?}", self.received());
    }
}

async fn create_hook(server: &TestServer, token: &str, project: &str, body: Value) -> Value {
    let (status, hook) =
        server.post(&format!("/api/0/projects/cairn/{project}/hooks/"), token, body).await;
    assert_eq!(status, 201, "{hook}");
    hook
}

async fn deliveries(server: &TestServer, token: &str, project: &str, hook: &str) -> Vec<Value> {
    let path = format!("/api/0/projects/cairn/{project}/hooks/{hook}/deliveries/");
    let (status, list) = server.get(&path, token).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().cloned().unwrap_or_default()
}

/// Polls a hook's log until its latest delivery is in `state`.
async fn wait_for_state(
    server: &TestServer,
    token: &str,
    project: &str,
    hook: &str,
    state: &str,
) -> Value {
    let mut last = Vec::new();
    for _ in 0..150 {
        last = deliveries(server, token, project, hook).await;
        if last.first().is_some_and(|d| d["state"] == state) {
            return last[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected a {state} delivery, the log is {last:#?}");
}

fn header<'a>(received: &'a Received, name: &str) -> &'a str {
    received.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

#[tokio::test]
async fn new_events_reach_the_hook_signed_as_sentry_signs_them() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "hooked").await;
    let receiver = Receiver::start(Vec::new()).await;

    let url = format!("{}/created", receiver.url);
    let hook =
        create_hook(&server, &owner, "hooked", json!({"url": url, "events": ["event.created"]}))
            .await;
    assert_eq!(hook["status"], "active");
    assert_eq!(hook["events"], json!(["event.created"]));
    assert_eq!(hook["url"], url);
    let guid = hook["id"].as_str().expect("id");
    assert_eq!(guid.len(), 32);
    let secret = hook["secret"].as_str().expect("the creator sees the secret");
    assert_eq!(secret.len(), 64);

    let event_id = capture_message(&dsn, "hooked@1.0", "Payment declined for order 5").await;
    let got = receiver.wait_for("/created", 1).await;
    let delivery = &got[0];
    assert_eq!(header(delivery, "content-type"), "application/json");
    assert_eq!(header(delivery, "x-servicehook-guid"), guid);
    // Sentry's signature: HMAC-SHA256 of the body with the secret, in hex.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(&delivery.body);
    assert_eq!(
        header(delivery, "x-servicehook-signature"),
        hex::encode(mac.finalize().into_bytes())
    );
    let sent_at: i64 = header(delivery, "x-servicehook-timestamp").parse().expect("Unix seconds");
    let now = chrono::Utc::now().timestamp();
    assert!((now - 60..=now).contains(&sent_at), "{sent_at} against {now}");

    // Sentry's version-0 payload: the project, the issue and the event, as the API shows them.
    let payload: Value = serde_json::from_slice(&delivery.body).expect("JSON");
    assert_eq!(payload["project"], json!({"slug": "hooked", "name": "hooked"}));
    let issue_id = payload["group"]["id"].as_str().expect("group id");
    assert_eq!(payload["group"]["title"], "Payment declined for order 5");
    let group_url = format!("{}/organizations/cairn/issues/{issue_id}/", server.url);
    assert_eq!(payload["group"]["url"], group_url);
    assert_eq!(payload["event"]["eventID"], event_id);
    assert_eq!(payload["event"]["url"], format!("{group_url}events/{event_id}/"));
    assert_eq!(payload["event"]["release"]["version"], "hooked@1.0", "{payload:#}");

    let log = wait_for_state(&server, &owner, "hooked", guid, "delivered").await;
    assert_eq!(log["eventId"], event_id);
    assert_eq!(log["issueId"], issue_id);
    assert_eq!(log["statusCode"], 200);
    assert_eq!(log["attempts"], 1);

    // The same event again (an SDK's retry) is stored once, and delivered once.
    let event = json!({"event_id": event_id, "message": "Payment declined for order 5"});
    server.post_envelope(&dsn, [("event", event)]).await;
    // A second event, so that the dispatcher has certainly had its turn after the retry.
    let second = capture_message(&dsn, "hooked@1.0", "Another failure").await;
    let got = receiver.wait_for("/created", 2).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 2, "{got:?}");
    let payload: Value = serde_json::from_slice(&got[1].body).expect("JSON");
    assert_eq!(payload["event"]["eventID"], second);

    // Disabled, the hook gets nothing.
    let path = format!("/api/0/projects/cairn/hooked/hooks/{guid}/");
    let (status, changed) = server.put(&path, &owner, json!({"isActive": false})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["status"], "disabled");
    capture_message(&dsn, "hooked@1.0", "Nobody hears this one").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn alert_hooks_get_the_events_that_fired_a_rule() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "alerting").await;
    let receiver = Receiver::start(Vec::new()).await;
    let rule = json!({
        "name": "New issues",
        "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
        "actions": [{"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners",
                     "fallthroughType": "NoOne"}],
    });
    let (status, created) =
        server.post("/api/0/projects/cairn/alerting/rules/", &owner, rule).await;
    assert_eq!(status, 201, "{created}");
    let body = json!({"url": format!("{}/alert", receiver.url), "events": ["event.alert"]});
    create_hook(&server, &owner, "alerting", body).await;
    // Both events: one delivery per event all the same.
    let body = json!({"url": format!("{}/both", receiver.url),
                      "events": ["event.created", "event.alert"]});
    let both = create_hook(&server, &owner, "alerting", body).await;
    assert_eq!(both["events"], json!(["event.alert", "event.created"]));

    let first = capture_message(&dsn, "alerting@1.0", "Cart is empty").await;
    let got = receiver.wait_for("/alert", 1).await;
    let payload: Value = serde_json::from_slice(&got[0].body).expect("JSON");
    assert_eq!(payload["event"]["eventID"], first);

    // The issue's next event fires no rule: only the hook that takes every event gets it.
    let second = capture_message(&dsn, "alerting@1.0", "Cart is empty").await;
    let got = receiver.wait_for("/both", 2).await;
    let ids: Vec<Value> = got
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).expect("JSON"))
        .map(|payload| payload["event"]["eventID"].clone())
        .collect();
    assert_eq!(ids, [json!(first), json!(second)]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().iter().filter(|r| r.path == "/alert").count(), 1);
    assert_eq!(receiver.received().iter().filter(|r| r.path == "/both").count(), 2);
}

#[tokio::test]
async fn failed_deliveries_are_tried_again_then_given_up() {
    let server = TestServer::start_with_env(&[("CAIRN_HOOK_RETRY_MS", "300")]);
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "flaky").await;
    // Fails once, then takes it.
    let receiver = Receiver::start(vec![503]).await;
    let body = json!({"url": format!("{}/flaky", receiver.url), "events": ["event.created"]});
    let flaky = create_hook(&server, &owner, "flaky", body).await;
    // Nobody listens there: a port that was free a moment ago.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bound");
    let dead_url = format!("http://{}/dead", closed.local_addr().expect("address"));
    drop(closed);
    let dead = create_hook(
        &server,
        &owner,
        "flaky",
        json!({"url": dead_url, "events": ["event.created"]}),
    )
    .await;

    capture_message(&dsn, "flaky@1.0", "Timeout talking to the bank").await;
    receiver.wait_for("/flaky", 2).await;
    let guid = flaky["id"].as_str().expect("id");
    let log = wait_for_state(&server, &owner, "flaky", guid, "delivered").await;
    assert_eq!(log["attempts"], 2, "{log}");
    assert_eq!(log["statusCode"], 200);
    assert!(log["error"].is_null(), "{log}");

    // Sentry's first try and three retries, then nothing more.
    let guid = dead["id"].as_str().expect("id");
    let log = wait_for_state(&server, &owner, "flaky", guid, "failed").await;
    assert_eq!(log["attempts"], 4, "{log}");
    assert_eq!(log["error"], "cannot connect to the receiver");
    assert!(log["statusCode"].is_null(), "{log}");
}

#[tokio::test]
async fn the_hooks_api_checks_what_it_is_given_and_hides_secrets_from_readers() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&owner, "checked").await;
    let path = "/api/0/projects/cairn/checked/hooks/";
    for (body, detail) in [
        (json!({"events": ["event.created"]}), "url: required"),
        (json!({"url": "https://example.com/"}), "events: required"),
        (
            json!({"url": "ftp://example.com/", "events": ["event.created"]}),
            "not an http or https URL",
        ),
        (json!({"url": "https://example.com/", "events": []}), "may not be empty"),
        (json!({"url": "https://example.com/", "events": ["issue.created"]}), "not a valid choice"),
        (
            json!({"url": "https://example.com/", "events": ["event.alert"], "version": 1}),
            "is not 0",
        ),
    ] {
        let (status, answer) = server.post(path, &owner, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let text = answer["detail"].as_str().unwrap_or_default();
        assert!(text.contains(detail), "{body}: {answer}");
    }
    let hook = create_hook(
        &server,
        &owner,
        "checked",
        json!({"url": "https://example.com/h", "events": ["event.alert"]}),
    )
    .await;
    let guid = hook["id"].as_str().expect("id");

    let member = server.member_token("member@example.com");
    let (status, list) = server.get(path, &member).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["id"], guid);
    assert!(list[0].get("secret").is_none(), "a member sees no secret: {list}");
    let (status, list) = server.get(path, &owner).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["secret"], hook["secret"]);

    let one = format!("{path}{guid}/");
    let (status, _) = server.put(&one, &owner, json!({"url": "gopher://x/"})).await;
    assert_eq!(status, 400);
    let (status, changed) = server
        .put(&one, &owner, json!({"url": "https://example.org/new", "events": ["event.created"]}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["url"], "https://example.org/new");
    assert_eq!(changed["events"], json!(["event.created"]));
    assert_eq!(server.delete(&one, &owner).await, 204);
    assert_eq!(server.get(&one, &owner).await.0, 404);
    let (status, list) = server.get(path, &owner).await;
    assert_eq!((status, list), (200, json!([])));
}

#[tokio::test]
async fn a_hook_keeps_its_latest_finished_deliveries_only() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "busy").await;
    let receiver = Receiver::start(Vec::new()).await;
    let body = json!({"url": format!("{}/busy", receiver.url), "events": ["event.created"]});
    let hook = create_hook(&server, &owner, "busy", body).await;
    let guid = hook["id"].as_str().expect("id");
    for n in 0..130 {
        let event = json!({"message": "Queue is full", "extra": {"n": n}});
        server.post_envelope(&dsn, [("event", event)]).await;
    }
    receiver.wait_for("/busy", 130).await;
    // Every delivery was made; the log, and the table, keep the latest 100 finished ones.
    let mut kept = 0;
    for _ in 0..100 {
        let db = server.database().await;
        kept = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM service_hook_deliveries WHERE state = 'delivered'",
        )
        .fetch_one(&db)
        .await
        .expect("counted");
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM service_hook_deliveries WHERE state = 'pending'",
        )
        .fetch_one(&db)
        .await
        .expect("counted");
        if pending == 0 && kept <= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kept, 100);
    let log = deliveries(&server, &owner, "busy", guid).await;
    assert_eq!(log.len(), 50, "the API shows the latest 50");
    assert!(log.iter().all(|d| d["state"] == "delivered"));
}

#[tokio::test]
async fn deliveries_not_made_within_a_day_are_given_up_and_old_ones_forgotten() {
    let mut server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "old").await;
    let receiver = Receiver::start(Vec::new()).await;
    let body = json!({"url": format!("{}/old", receiver.url), "events": ["event.created"]});
    let live = create_hook(&server, &owner, "old", body).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bound");
    let dead_url = format!("http://{}/dead", closed.local_addr().expect("address"));
    drop(closed);
    let body = json!({"url": dead_url, "events": ["event.created"]});
    let dead = create_hook(&server, &owner, "old", body).await;
    let (live, dead) = (live["id"].as_str().expect("id"), dead["id"].as_str().expect("id"));
    capture_message(&dsn, "old@1.0", "Stale cache").await;
    wait_for_state(&server, &owner, "old", live, "delivered").await;
    // The dead receiver's delivery waits 5 minutes for its next attempt.
    let mut tried = Value::Null;
    for _ in 0..100 {
        tried = deliveries(&server, &owner, "old", dead).await.first().cloned().unwrap_or_default();
        if tried["attempts"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!((&tried["state"], &tried["attempts"]), (&json!("pending"), &json!(1)), "{tried}");

    // Two days later (the rows dated back while the server is down), it starts again: the
    // pending delivery is given up, the delivered one (finished 8 days ago) is gone.
    server.kill9();
    let db = server.writable_database().await;
    let day = 86_400_000_i64;
    sqlx::query("UPDATE service_hook_deliveries SET date_created = date_created - $1")
        .bind(2 * day)
        .execute(&db)
        .await
        .expect("dated back");
    sqlx::query(
        "UPDATE service_hook_deliveries SET date_finished = date_finished - $1 \
         WHERE state = 'delivered'",
    )
    .bind(8 * day)
    .execute(&db)
    .await
    .expect("dated back");
    db.close().await;
    server.restart();
    let given_up = wait_for_state(&server, &owner, "old", dead, "failed").await;
    assert_eq!(given_up["error"], "not delivered in time");
    assert!(deliveries(&server, &owner, "old", live).await.is_empty(), "forgotten");
}
