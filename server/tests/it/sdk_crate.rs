//! Conformance with the official `sentry` crate: each test sends through the real SDK (its own
//! client and HTTP transport) to a running Cairn and checks what Cairn stored, through the API
//! where it offers the data and otherwise in the server's SQLite file (opened read-only).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sentry::protocol::{Attachment, Context, SessionStatus};
use sentry::{Breadcrumb, Level, User};
use serde_json::{json, Value};

use crate::common::TestServer;

/// A hub with its own client for `dsn`, with every transaction sampled. Returns the hub and
/// the client (to flush).
fn sdk_hub(dsn: &str, release: &str) -> (Arc<sentry::Hub>, Arc<sentry::Client>) {
    crate::common::sampling_sentry_hub(dsn, release)
}

/// Runs `f` with the SDK on a blocking thread (the SDK's flush blocks), then flushes and closes
/// the client so that everything it queued (session updates included) has been answered.
async fn with_sdk<T: Send + 'static>(
    dsn: &str,
    release: &str,
    f: impl FnOnce(&Arc<sentry::Hub>) -> T + Send + 'static,
) -> T {
    let (dsn, release) = (dsn.to_owned(), release.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sdk_hub(&dsn, &release);
        let result = sentry::Hub::run(hub.clone(), || f(&hub));
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its envelopes");
        assert!(client.close(Some(Duration::from_secs(10))), "the SDK shut down cleanly");
        result
    })
    .await
    .expect("SDK thread")
}

/// The numeric project id at the end of a DSN.
fn project_id(dsn: &str) -> i64 {
    dsn.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a project id ends the DSN")
}

/// One row of `events`.
#[derive(Debug)]
struct StoredEvent {
    project_id: i64,
    level: String,
    title: String,
    release: Option<String>,
    environment: Option<String>,
    user_ident: Option<String>,
    data: Value,
}

/// An `events` row's project, level, title, release, environment, user and stored data.
type EventColumns = (i64, String, String, Option<String>, Option<String>, Option<String>, Vec<u8>);

/// The stored (normalized, scrubbed) event `event_id`.
async fn stored_event(server: &TestServer, event_id: uuid::Uuid) -> StoredEvent {
    let pool = server.database().await;
    let row: EventColumns = sqlx::query_as(
        "SELECT project_id, level, title, release, environment, user_ident, data
             FROM events WHERE event_id = $1",
    )
    .bind(event_id.simple().to_string())
    .fetch_one(&pool)
    .await
    .unwrap_or_else(|err| panic!("event {event_id} is stored: {err}"));
    pool.close().await;
    let (project_id, level, title, release, environment, user_ident, data) = row;
    let json = cairn_server::store::event_data::decode(&data).expect("stored compressed JSON");
    let data = serde_json::from_str(&json).expect("stored events are JSON");
    StoredEvent { project_id, level, title, release, environment, user_ident, data }
}

/// One row of `envelope_items`.
#[derive(Debug)]
struct StoredItem {
    project_id: i64,
    event_id: Option<String>,
    headers: Value,
    payload: Vec<u8>,
}

impl StoredItem {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.payload).expect("a JSON payload")
    }
}

/// Every stored envelope item of `item_type`, in the order they were stored.
async fn stored_items(server: &TestServer, item_type: &str) -> Vec<StoredItem> {
    let pool = server.database().await;
    let rows: Vec<(i64, Option<String>, String, Vec<u8>)> = sqlx::query_as(
        "SELECT project_id, event_id, headers, payload FROM envelope_items
         WHERE item_type = $1 ORDER BY id",
    )
    .bind(item_type)
    .fetch_all(&pool)
    .await
    .expect("envelope_items is readable");
    pool.close().await;
    rows.into_iter()
        .map(|(project_id, event_id, headers, payload)| StoredItem {
            project_id,
            event_id,
            headers: serde_json::from_str(&headers).expect("item headers are JSON"),
            payload,
        })
        .collect()
}

/// Counts of what Cairn dropped or the SDK reported dropping, for failure messages.
async fn outcomes(server: &TestServer) -> Vec<(String, String, String, i64)> {
    let pool = server.database().await;
    let rows = sqlx::query_as("SELECT source, category, reason, quantity FROM outcomes")
        .fetch_all(&pool)
        .await
        .expect("outcomes is readable");
    pool.close().await;
    rows
}

/// Cairn dropped nothing the SDK sent (no `server` outcomes: unknown item types, invalid
/// payloads, rate limits).
async fn assert_nothing_dropped(server: &TestServer) {
    let dropped: Vec<_> =
        outcomes(server).await.into_iter().filter(|(source, ..)| source == "server").collect();
    assert!(dropped.is_empty(), "Cairn dropped data the SDK sent: {dropped:?}");
}

/// A server with an owner and two projects; the SDK sends to the second, so that "the right
/// project" is not simply the first one. Returns the server, the token and the DSN.
async fn server_with_projects() -> (TestServer, String, String) {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let backend = server.create_project(&token, "Backend").await;
    let dsn = server.create_project(&token, "Mobile").await;
    assert_ne!(project_id(&backend), project_id(&dsn));
    (server, token, dsn)
}

#[tokio::test(flavor = "multi_thread")]
async fn captured_messages_become_issues_titled_by_the_message_with_their_level() {
    let (server, token, dsn) = server_with_projects().await;
    let levels = [
        (Level::Debug, "debug"),
        (Level::Info, "info"),
        (Level::Warning, "warning"),
        (Level::Error, "error"),
        (Level::Fatal, "fatal"),
    ];
    let sent: Vec<(uuid::Uuid, String, &str)> = with_sdk(&dsn, "mobile@1.0.0", move |_| {
        levels
            .into_iter()
            .map(|(level, name)| {
                let message = format!("Cache warm-up skipped at {name} level");
                (sentry::capture_message(&message, level), message, name)
            })
            .collect()
    })
    .await;

    let issues = server.wait_for_issues(&token, |issues| issues.len() == levels.len()).await;
    for (event_id, message, level) in &sent {
        let issue = issues
            .iter()
            .find(|issue| issue["title"] == message.as_str())
            .unwrap_or_else(|| panic!("an issue titled {message:?} in {issues:#?}"));
        assert_eq!(issue["level"], *level, "{issue}");
        assert_eq!(issue["type"], "default", "{issue}");
        assert_eq!(issue["metadata"]["title"], message.as_str(), "{issue}");
        assert_eq!(issue["project"]["slug"], "mobile", "{issue}");
        assert_eq!(issue["count"], "1", "{issue}");

        let event = stored_event(&server, *event_id).await;
        assert_eq!(event.project_id, project_id(&dsn));
        assert_eq!(event.level, *level);
        assert_eq!(&event.title, message);
        assert_eq!(event.data["logentry"]["formatted"], message.as_str(), "{:#}", event.data);
        assert_eq!(event.data["event_id"], event_id.simple().to_string());
        assert_eq!(event.release.as_deref(), Some("mobile@1.0.0"));
    }
    assert_nothing_dropped(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn error_with_breadcrumbs_tags_user_and_contexts_is_stored_with_them() {
    let (server, token, dsn) = server_with_projects().await;
    let event_id = with_sdk(&dsn, "mobile@2.3.0", |_| {
        sentry::add_breadcrumb(Breadcrumb {
            ty: "navigation".into(),
            category: Some("navigation".into()),
            message: Some("/cart -> /checkout".into()),
            level: Level::Info,
            data: BTreeMap::from([
                ("from".to_owned(), json!("/cart")),
                ("to".to_owned(), json!("/checkout")),
            ]),
            ..Default::default()
        });
        sentry::add_breadcrumb(Breadcrumb {
            category: Some("query".into()),
            message: Some("SELECT id FROM orders WHERE customer = ?".into()),
            level: Level::Warning,
            ..Default::default()
        });
        sentry::configure_scope(|scope| {
            scope.set_tag("region", "eu-west-1");
            scope.set_tag("checkout.flow", "express");
            scope.set_user(Some(User {
                id: Some("u-1234".into()),
                email: Some("ada@example.com".into()),
                username: Some("ada".into()),
                ..Default::default()
            }));
            scope.set_context(
                "order",
                Context::Other(BTreeMap::from([
                    ("order_id".to_owned(), json!(98765)),
                    ("items".to_owned(), json!(3)),
                    ("currency".to_owned(), json!("EUR")),
                ])),
            );
            scope.set_extra("cart_size", json!(3));
        });
        let err = "twelve".parse::<u32>().expect_err("not a number");
        sentry::capture_error(&err)
    })
    .await;

    // The issue, through the API.
    let issues = server.wait_for_issues(&token, |issues| !issues.is_empty()).await;
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert_eq!(issues[0]["title"], "ParseIntError: invalid digit found in string");
    assert_eq!(issues[0]["level"], "error");
    assert_eq!(issues[0]["type"], "error");
    assert_eq!(issues[0]["userCount"], 1);
    assert_eq!(issues[0]["project"]["slug"], "mobile");

    // The event, as stored.
    let event = stored_event(&server, event_id).await;
    let data = &event.data;
    assert_eq!(event.project_id, project_id(&dsn));
    assert_eq!(event.level, "error");
    assert_eq!(event.release.as_deref(), Some("mobile@2.3.0"));
    assert_eq!(event.environment.as_deref(), Some("test"));
    assert_eq!(event.user_ident.as_deref(), Some("id:u-1234"));

    let exception = data["exception"]["values"].as_array().expect("exception values");
    let main = exception.last().expect("an exception");
    assert_eq!(main["type"], "ParseIntError", "{data:#}");
    assert_eq!(main["value"], "invalid digit found in string");

    let breadcrumbs = data["breadcrumbs"]["values"].as_array().expect("breadcrumbs.values");
    assert_eq!(breadcrumbs.len(), 2, "{data:#}");
    assert_eq!(breadcrumbs[0]["type"], "navigation");
    assert_eq!(breadcrumbs[0]["category"], "navigation");
    assert_eq!(breadcrumbs[0]["message"], "/cart -> /checkout");
    assert_eq!(breadcrumbs[0]["level"], "info");
    assert_eq!(breadcrumbs[0]["data"], json!({"from": "/cart", "to": "/checkout"}));
    assert!(breadcrumbs[0]["timestamp"].is_number() || breadcrumbs[0]["timestamp"].is_string());
    assert_eq!(breadcrumbs[1]["category"], "query");
    assert_eq!(breadcrumbs[1]["message"], "SELECT id FROM orders WHERE customer = ?");
    assert_eq!(breadcrumbs[1]["level"], "warning");

    let tags = data["tags"].as_array().expect("tags as a list of pairs");
    assert!(tags.contains(&json!(["region", "eu-west-1"])), "{tags:?}");
    assert!(tags.contains(&json!(["checkout.flow", "express"])), "{tags:?}");

    assert_eq!(data["user"]["id"], "u-1234", "{data:#}");
    assert_eq!(data["user"]["email"], "ada@example.com");
    assert_eq!(data["user"]["username"], "ada");

    assert_eq!(data["contexts"]["order"]["order_id"], 98765, "{data:#}");
    assert_eq!(data["contexts"]["order"]["items"], 3);
    assert_eq!(data["contexts"]["order"]["currency"], "EUR");
    // The SDK's own contexts integration describes the runtime.
    assert_eq!(data["contexts"]["rust"]["type"], "runtime", "{data:#}");
    assert!(data["contexts"]["os"].is_object(), "{data:#}");

    assert_eq!(data["extra"]["cart_size"], 3);
    assert_eq!(data["sdk"]["name"], "sentry.rust");
    assert_eq!(data["platform"], "native");
    assert_nothing_dropped(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn release_health_sessions_become_counts() {
    let (server, token, dsn) = server_with_projects().await;
    let error_id = with_sdk(&dsn, "mobile@4.2.0", |hub| {
        hub.configure_scope(|scope| {
            scope.set_user(Some(User { id: Some("user-7".into()), ..Default::default() }));
        });
        // A clean session...
        hub.start_session();
        hub.end_session();
        // ...and one with an error, which the SDK reports with the event and again at the end.
        hub.start_session();
        let err = "x".parse::<u8>().expect_err("not a number");
        let error_id = sentry::capture_error(&err);
        hub.end_session_with_status(SessionStatus::Exited);
        error_id
    })
    .await;

    // Three updates of two sessions: counted as two sessions, one of them errored, one user
    // (in the errored set). The updates themselves are not kept.
    let (status, sessions) = server
        .get(
            "/api/0/organizations/cairn/sessions/?field=sum(session)&field=count_unique(user)\
             &groupBy=session.status&groupBy=release&groupBy=environment",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{sessions}");
    let groups = sessions["groups"].as_array().expect("groups");
    let total = |status: &str, field: &str| {
        groups
            .iter()
            .find(|g| g["by"]["session.status"] == status)
            .map(|g| {
                assert_eq!(g["by"]["release"], "mobile@4.2.0", "{g}");
                assert_eq!(g["by"]["environment"], "test", "{g}");
                g["totals"][field].clone()
            })
            .unwrap_or_else(|| panic!("{status} in {sessions:#}"))
    };
    assert_eq!(total("healthy", "sum(session)"), 1, "{sessions:#}");
    assert_eq!(total("errored", "sum(session)"), 1, "{sessions:#}");
    assert_eq!(total("crashed", "sum(session)"), 0);
    assert_eq!(total("errored", "count_unique(user)"), 1);
    assert_eq!(total("healthy", "count_unique(user)"), 0);
    assert!(stored_items(&server, "session").await.is_empty());

    // The error itself became an event of the same project.
    assert_eq!(stored_event(&server, error_id).await.project_id, project_id(&dsn));
    assert_nothing_dropped(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_with_spans_are_stored_as_transaction_items() {
    let (server, token, dsn) = server_with_projects().await;
    let (trace_id, span_id) = with_sdk(&dsn, "mobile@5.0.0", |_| {
        let ctx = sentry::TransactionContext::new("POST /checkout", "http.server");
        let transaction = sentry::start_transaction(ctx);
        transaction.set_tag("payment.provider", "acme");
        let span = transaction.start_child("db.query", "SELECT total FROM carts WHERE id = ?");
        span.set_data("db.system", json!("sqlite"));
        let span_id = span.get_span_id().to_string();
        std::thread::sleep(Duration::from_millis(5));
        span.finish();
        let trace_id = transaction.get_trace_context().trace_id.to_string();
        transaction.set_status(sentry::protocol::SpanStatus::Ok);
        transaction.finish();
        (trace_id, span_id)
    })
    .await;

    let items = stored_items(&server, "transaction").await;
    assert_eq!(items.len(), 1, "{items:#?}; outcomes {:?}", outcomes(&server).await);
    let item = &items[0];
    assert_eq!(item.project_id, project_id(&dsn));
    let payload = item.json();
    assert_eq!(payload["transaction"], "POST /checkout");
    assert!(item.event_id.is_some(), "the envelope names the transaction's id: {item:?}");
    assert_eq!(
        item.event_id.as_deref(),
        payload["event_id"].as_str().map(|id| id.replace('-', "")).as_deref()
    );
    assert_eq!(payload["release"], "mobile@5.0.0");
    assert_eq!(payload["environment"], "test");
    let trace = &payload["contexts"]["trace"];
    assert_eq!(trace["op"], "http.server", "{payload:#}");
    assert_eq!(trace["trace_id"], trace_id.as_str());
    assert_eq!(trace["status"], "ok");
    assert_eq!(payload["tags"]["payment.provider"], "acme");
    let spans = payload["spans"].as_array().expect("spans");
    assert_eq!(spans.len(), 1, "{payload:#}");
    assert_eq!(spans[0]["op"], "db.query");
    assert_eq!(spans[0]["description"], "SELECT total FROM carts WHERE id = ?");
    assert_eq!(spans[0]["span_id"], span_id.as_str());
    assert_eq!(spans[0]["trace_id"], trace_id.as_str());
    assert_eq!(spans[0]["parent_span_id"], trace["span_id"]);
    assert_eq!(spans[0]["data"]["db.system"], "sqlite");
    let (start, end) = (payload["start_timestamp"].clone(), payload["timestamp"].clone());
    assert!(!start.is_null() && !end.is_null(), "{payload:#}");

    // A transaction is no error: it opens no issue.
    let (status, issues) = server.get("/api/0/organizations/cairn/issues/", &token).await;
    assert_eq!((status, issues), (200, json!([])));
    assert_nothing_dropped(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scope_attachments_are_stored_with_their_event() {
    let (server, token, dsn) = server_with_projects().await;
    // Newlines and bytes that are not UTF-8: the payload must be framed by its length.
    let log: Vec<u8> = b"line one\nline two\n\n{\"type\":\"event\"}\n\x00\xff\xfe end".to_vec();
    let png: Vec<u8> = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8; 64], &[0xffu8; 3000]].concat();
    let (sent_log, sent_png) = (log.clone(), png.clone());
    let event_id = with_sdk(&dsn, "mobile@6.0.0", move |_| {
        sentry::configure_scope(|scope| {
            scope.add_attachment(Attachment {
                buffer: sent_log,
                filename: "app.log".into(),
                content_type: Some("text/plain".into()),
                ty: None,
            });
            scope.add_attachment(Attachment {
                buffer: sent_png,
                filename: "screenshot.png".into(),
                content_type: Some("image/png".into()),
                ty: None,
            });
        });
        sentry::capture_message("Upload failed with attachments", Level::Error)
    })
    .await;

    let event = stored_event(&server, event_id).await;
    assert_eq!(event.project_id, project_id(&dsn));
    server
        .wait_for_issues(&token, |issues| {
            issues.iter().any(|i| i["title"] == "Upload failed with attachments")
        })
        .await;

    let items = stored_items(&server, "attachment").await;
    assert_eq!(items.len(), 2, "{items:#?}; outcomes {:?}", outcomes(&server).await);
    let event_id = event_id.simple().to_string();
    for (item, (filename, content_type, bytes)) in
        items.iter().zip([("app.log", "text/plain", &log), ("screenshot.png", "image/png", &png)])
    {
        assert_eq!(item.project_id, project_id(&dsn));
        assert_eq!(item.event_id.as_deref(), Some(event_id.as_str()), "{item:?}");
        assert_eq!(item.headers["filename"], filename, "{}", item.headers);
        assert_eq!(item.headers["content_type"], content_type);
        assert_eq!(item.headers["attachment_type"], "event.attachment");
        assert_eq!(item.headers["length"], bytes.len());
        assert_eq!(&item.payload, bytes, "{filename} is stored byte for byte");
    }

    // And the API gives them back as Sentry's does: listed, then downloaded.
    let list = format!("/api/0/projects/cairn/mobile/events/{event_id}/attachments/");
    let (status, attachments) = server.get(&list, &token).await;
    assert_eq!(status, 200, "{attachments}");
    assert_eq!(attachments.as_array().map(Vec::len), Some(2), "{attachments}");
    for (attachment, (filename, content_type, bytes)) in attachments
        .as_array()
        .into_iter()
        .flatten()
        .zip([("app.log", "text/plain", &log), ("screenshot.png", "image/png", &png)])
    {
        assert_eq!(attachment["name"], filename, "{attachment}");
        assert_eq!(attachment["mimetype"], content_type);
        assert_eq!(attachment["type"], "event.attachment");
        assert_eq!(attachment["size"], bytes.len());
        assert_eq!(attachment["event_id"], event_id.as_str());
        let id = attachment["id"].as_str().expect("id");
        let response = server
            .http
            .get(format!("{}{list}{id}/?download=1", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("HTTP");
        assert_eq!(response.status(), 200);
        let header = |name: &str| {
            response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        assert_eq!(header("content-type").as_deref(), Some(content_type));
        let disposition = format!("attachment; filename=\"{filename}\"");
        assert_eq!(header("content-disposition"), Some(disposition));
        assert_eq!(&response.bytes().await.expect("body")[..], &bytes[..]);
    }
    assert_nothing_dropped(&server).await;
}

/// Sentry's usage stats count what was stored in each category the SDK sends: errors,
/// transactions, attachments (in bytes) and cron check-ins (`monitor`); errors alone when no
/// category is asked for.
#[tokio::test(flavor = "multi_thread")]
async fn usage_stats_count_stored_errors_transactions_attachments_and_check_ins() {
    let (server, token, dsn) = server_with_projects().await;
    let log: Vec<u8> = b"one line of log\n".repeat(100);
    let sent = log.clone();
    with_sdk(&dsn, "mobile@7.0.0", move |_| {
        sentry::configure_scope(|scope| {
            scope.add_attachment(Attachment {
                buffer: sent,
                filename: "app.log".into(),
                content_type: Some("text/plain".into()),
                ty: None,
            });
        });
        sentry::capture_message("Checkout failed", Level::Error);
        let transaction =
            sentry::start_transaction(sentry::TransactionContext::new("GET /cart", "http.server"));
        transaction.finish();
    })
    .await;
    let check_in = json!({"check_in_id": "83a7c6a5d2b64b8d9c5c4e3f2a1b0c9d",
        "monitor_slug": "nightly", "status": "ok",
            "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}});
    server.post_envelope(&dsn, [("check_in", check_in)]).await;
    server.wait_for_issues(&token, |issues| issues.len() == 1).await;

    let stats = |query: &str| {
        let path = format!(
            "/api/0/organizations/cairn/stats_v2/?field=sum(quantity)&groupBy=category\
             &groupBy=outcome&statsPeriod=24h{query}"
        );
        let server = &server;
        let token = &token;
        async move {
            let (status, stats) = server.get(&path, token).await;
            assert_eq!(status, 200, "{stats}");
            stats["groups"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|g| {
                    let by = |key: &str| g["by"][key].as_str().unwrap_or("").to_owned();
                    ((by("category"), by("outcome")), g["totals"]["sum(quantity)"].as_i64())
                })
                .collect::<std::collections::BTreeMap<_, _>>()
        }
    };
    let accepted = |category: &str| (category.to_owned(), "accepted".to_owned());
    let all =
        stats("&category=error&category=transaction&category=attachment&category=monitor").await;
    assert_eq!(
        all,
        std::collections::BTreeMap::from([
            (accepted("attachment"), Some(log.len() as i64)),
            (accepted("error"), Some(1)),
            (accepted("monitor"), Some(1)),
            (accepted("transaction"), Some(1)),
        ])
    );
    let errors = stats("").await;
    assert_eq!(errors, std::collections::BTreeMap::from([(accepted("error"), Some(1))]));
    let backend = stats("&category=transaction&project=backend").await;
    assert!(backend.is_empty(), "another project's: {backend:?}");
}

/// A Rust panic as a crash reporter that marks every frame of the (statically linked) main
/// executable in-app sends it: the runtime's start, the application's frames from `main` to the
/// panicking function, then the panic machinery of the Rust version that built it.
fn rust_panic_event(app: &[(&str, &str)], machinery: &[&str]) -> sentry::protocol::Event<'static> {
    use sentry::protocol::{Event, Exception, Frame, Mechanism, Stacktrace};
    let std_frame = |function: &str| Frame {
        function: Some(function.to_owned()),
        filename: Some("rt.rs".to_owned()),
        abs_path: Some("/rustc/4d91de4e48/library/std/src/rt.rs".to_owned()),
        in_app: Some(true),
        ..Default::default()
    };
    let mut frames = vec![
        std_frame("std::rt::lang_start_internal"),
        std_frame("std::rt::lang_start::{{closure}}"),
    ];
    frames.extend(app.iter().map(|(function, filename)| Frame {
        function: Some((*function).to_owned()),
        filename: Some((*filename).to_owned()),
        abs_path: Some(format!("/build/shop/{filename}")),
        lineno: Some(42),
        in_app: Some(true),
        ..Default::default()
    }));
    frames.extend(machinery.iter().map(|function| Frame {
        function: Some((*function).to_owned()),
        filename: Some("panicking.rs".to_owned()),
        abs_path: Some("/rustc/4d91de4e48/library/std/src/panicking.rs".to_owned()),
        in_app: Some(true),
        ..Default::default()
    }));
    let mechanism = Mechanism { ty: "panic".into(), handled: Some(false), ..Default::default() };
    let exception = Exception {
        ty: "panic".into(),
        value: Some("called `Option::unwrap()` on a `None` value".into()),
        stacktrace: Some(Stacktrace { frames, ..Default::default() }),
        mechanism: Some(mechanism),
        ..Default::default()
    };
    Event {
        exception: vec![exception].into(),
        level: Level::Fatal,
        platform: "native".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rust_panics_group_by_the_panicking_code_and_the_panic_machinery_is_not_in_app() {
    let (server, token, dsn) = server_with_projects().await;
    let checkout = [("app::main", "src/main.rs"), ("app::checkout::total", "src/checkout.rs")];
    let refund = [("app::main", "src/main.rs"), ("app::refund::apply", "src/refund.rs")];
    // The same panic site built by two Rust versions (different machinery above
    // `begin_panic`), a `panic!` with a message (`panic_fmt`), and another panic site.
    let old_rust = ["std::panicking::begin_panic", "std::panicking::rust_panic_with_hook"];
    let new_rust = [
        "std::panicking::begin_panic",
        "std::panicking::begin_panic::{{closure}}",
        "std::sys::backtrace::__rust_end_short_backtrace",
        "std::panicking::rust_panic_with_hook",
        "sentry_panic::panic_handler",
    ];
    let formatted = [
        "core::panicking::panic_fmt",
        "rust_begin_unwind",
        "std::panicking::begin_panic_handler::{{closure}}",
        "sentry_panic::panic_handler",
    ];
    let events = vec![
        rust_panic_event(&checkout, &old_rust),
        rust_panic_event(&checkout, &new_rust),
        rust_panic_event(&checkout, &formatted),
        rust_panic_event(&refund, &old_rust),
    ];
    // The SDK keeps frames that carry an `in_app` flag as they are: Cairn's built-in stack-trace
    // rules must do the work.
    let (sent, dsn_for_sdk) = (events.len(), dsn.clone());
    let ids = tokio::task::spawn_blocking(move || {
        let options = sentry::ClientOptions::new().dsn(dsn_for_sdk.as_str());
        let client = Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
        let hub =
            Arc::new(sentry::Hub::new(Some(client.clone()), Arc::new(sentry::Scope::default())));
        let ids: Vec<uuid::Uuid> = events.into_iter().map(|e| hub.capture_event(e)).collect();
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its events");
        ids
    })
    .await
    .expect("SDK thread");
    assert_eq!(ids.len(), sent);

    let issues = server
        .wait_for_issues(&token, |issues| {
            issues
                .iter()
                .map(|i| i["count"].as_str().unwrap_or("0").parse::<u32>().unwrap_or(0))
                .sum::<u32>()
                == 4
        })
        .await;
    let mut by_culprit: Vec<(String, String)> = issues
        .iter()
        .map(|i| {
            (
                i["culprit"].as_str().unwrap_or("").to_owned(),
                i["count"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    by_culprit.sort();
    // One issue per panicking function, named after it rather than after the machinery.
    assert_eq!(
        by_culprit,
        [
            ("src/checkout.rs in app::checkout::total".to_owned(), "3".to_owned()),
            ("src/refund.rs in app::refund::apply".to_owned(), "1".to_owned()),
        ],
        "{issues:#?}"
    );

    // The stored event shows the standard library and the machinery out of app, as Sentry's
    // API does, with the SDK's original flag kept in `data.orig_in_app`.
    let project = issues[0]["project"]["slug"].as_str().expect("project slug");
    let path = format!("/api/0/projects/cairn/{project}/events/{}/", ids[1].simple());
    let (status, event) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{event}");
    let frames = event["entries"][0]["data"]["values"][0]["stacktrace"]["frames"]
        .as_array()
        .expect("frames")
        .clone();
    let in_app: Vec<(&str, bool)> = frames
        .iter()
        .map(|f| (f["function"].as_str().unwrap_or(""), f["inApp"].as_bool().unwrap_or(true)))
        .collect();
    assert_eq!(
        in_app,
        [
            ("std::rt::lang_start_internal", false),
            ("std::rt::lang_start::{{closure}}", false),
            ("app::main", true),
            ("app::checkout::total", true),
            ("std::panicking::begin_panic", false),
            ("std::panicking::begin_panic::{{closure}}", false),
            ("std::sys::backtrace::__rust_end_short_backtrace", false),
            ("std::panicking::rust_panic_with_hook", false),
            // Not a standard-library function, but called from the panic border.
            ("sentry_panic::panic_handler", false),
        ]
    );
    assert_eq!(frames[0]["data"]["orig_in_app"], 1, "{:#}", frames[0]);
    assert!(frames[2].get("data").is_none(), "{:#}", frames[2]);
}
