//! Inbound filters: events the official `sentry` crate sends that a project's filters drop are
//! answered as usual but never stored, and counted by filter.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{sentry_hub, TestServer};

/// Sends `events` with the official SDK for `release`, and flushes.
async fn send(dsn: &str, release: &str, events: Vec<sentry::protocol::Event<'static>>) {
    let (dsn, release) = (dsn.to_owned(), release.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, &release);
        for event in events {
            sentry::Hub::run(Arc::clone(&hub), || sentry::capture_event(event));
        }
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its events");
    })
    .await
    .expect("sent");
}

fn error(kind: &str, value: &str) -> sentry::protocol::Event<'static> {
    sentry::protocol::Event {
        exception: vec![sentry::protocol::Exception {
            ty: kind.into(),
            value: Some(value.into()),
            ..Default::default()
        }]
        .into(),
        ..Default::default()
    }
}

fn with_request(
    mut event: sentry::protocol::Event<'static>,
    url: &str,
    user_agent: &str,
) -> sentry::protocol::Event<'static> {
    event.request = Some(sentry::protocol::Request {
        url: url.parse().ok(),
        headers: BTreeMap::from([("User-Agent".to_owned(), user_agent.to_owned())]),
        ..Default::default()
    });
    event
}

/// The server's outcomes of dropped errors, by reason.
pub(crate) async fn filtered(server: &TestServer) -> BTreeMap<String, i64> {
    let pool = server.database().await;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT reason, quantity FROM outcomes WHERE source = 'server' AND category = 'error'",
    )
    .fetch_all(&pool)
    .await
    .expect("outcomes are readable");
    pool.close().await;
    rows.into_iter().collect()
}

/// The titles of the organization's issues, sorted.
async fn titles(server: &TestServer, token: &str) -> Vec<String> {
    let (status, issues) = server.get("/api/0/organizations/cairn/issues/?query=", token).await;
    assert_eq!(status, 200, "{issues}");
    let mut titles: Vec<String> = issues
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|issue| issue["title"].as_str().map(str::to_owned))
        .collect();
    titles.sort();
    titles
}

const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
const IE10: &str = "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)";
const IE11: &str = "Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

#[tokio::test(flavor = "multi_thread")]
async fn inbound_filters_drop_what_they_match_and_count_it() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;

    // A new project starts with Sentry's defaults (legacy browsers: every subfilter).
    let (status, list) = server.get("/api/0/projects/cairn/shop/filters/", &token).await;
    assert_eq!(status, 200, "{list}");
    let active: Vec<(&str, &Value)> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (f["id"].as_str().unwrap_or(""), &f["active"]))
        .collect();
    let all_browsers = json!([
        "ie_pre_9",
        "ie9",
        "ie10",
        "ie11",
        "safari_pre_6",
        "opera_pre_15",
        "opera_mini_pre_8",
        "android_pre_4",
        "edge_pre_79"
    ]);
    assert_eq!(
        active,
        [
            ("browser-extensions", &json!(true)),
            ("localhost", &json!(false)),
            ("legacy-browsers", &all_browsers),
            ("web-crawlers", &json!(true)),
            ("filtered-transaction", &json!(true)),
            ("react-hydration-errors", &json!(true)),
            ("chunk-load-error", &json!(true)),
        ]
    );

    send(
        &dsn,
        "shop@1.0",
        vec![
            with_request(
                error("TypeError", "x is undefined"),
                "https://shop.example.com/cart",
                BROWSER,
            ),
            error("Error", "Extension context invalidated."),
            with_request(error("Error", "crawled"), "https://shop.example.com/", GOOGLEBOT),
            with_request(error("Error", "on my machine"), "http://localhost:3000/", BROWSER),
            with_request(error("Error", "old browser"), "https://shop.example.com/", IE10),
        ],
    )
    .await;
    let kept = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    assert_eq!(kept.len(), 2);
    assert_eq!(
        titles(&server, &token).await,
        ["Error: on my machine", "TypeError: x is undefined"]
    );
    assert_eq!(
        filtered(&server).await,
        BTreeMap::from([
            ("browser-extensions".into(), 1),
            ("legacy-browsers".into(), 1),
            ("web-crawlers".into(), 1),
        ])
    );

    // Localhost on, web crawlers off; custom patterns for messages and releases.
    for (id, active) in [("localhost", true), ("web-crawlers", false)] {
        let path = format!("/api/0/projects/cairn/shop/filters/{id}/");
        let (status, body) = server.put(&path, &token, json!({"active": active})).await;
        assert_eq!(status, 204, "{body}");
    }
    // Legacy browsers: only IE 11 and older than 9, as Sentry's API sets the subfilters.
    let legacy = "/api/0/projects/cairn/shop/filters/legacy-browsers/";
    let (status, body) =
        server.put(legacy, &token, json!({"subfilters": ["ie11", "ie_pre_9"]})).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = server.put(legacy, &token, json!({"subfilters": ["netscape4"]})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"], "\"netscape4\" is not a valid choice.");
    let (status, body) = server.put(legacy, &token, json!({})).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = server
        .put("/api/0/projects/cairn/shop/filters/custom-error/", &token, json!({"active": true}))
        .await;
    assert_eq!(status, 404, "a filter Cairn does not have");
    let options = json!({"options": {
        "filters:error_messages": "  ChunkLoadError: Loading chunk *\n\n*ResizeObserver loop*  ",
        "filters:releases": "*-dev",
    }});
    let (status, details) = server.put("/api/0/projects/cairn/shop/", &token, options).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(
        details["options"],
        json!({
            "filters:error_messages": "ChunkLoadError: Loading chunk *\n*ResizeObserver loop*",
            "filters:releases": "*-dev",
            "filters:blacklisted_ips": "",
        })
    );

    send(
        &dsn,
        "shop@1.0",
        vec![
            with_request(error("Error", "on my machine again"), "http://localhost:3000/", BROWSER),
            with_request(error("Error", "crawled again"), "https://shop.example.com/", GOOGLEBOT),
            error("ChunkLoadError", "Loading chunk 175 failed."),
            error("Error", "ResizeObserver loop limit exceeded"),
            with_request(error("Error", "old browser again"), "https://shop.example.com/", IE10),
            with_request(error("Error", "older browser"), "https://shop.example.com/", IE11),
        ],
    )
    .await;
    send(&dsn, "shop@2.0-dev", vec![error("Error", "from a dev build")]).await;
    server.wait_for_issues(&token, |issues| issues.len() == 4).await;
    assert_eq!(
        titles(&server, &token).await,
        [
            "Error: crawled again",
            "Error: old browser again",
            "Error: on my machine",
            "TypeError: x is undefined"
        ]
    );
    assert_eq!(
        filtered(&server).await,
        BTreeMap::from([
            ("browser-extensions".into(), 1),
            ("error-message".into(), 2),
            ("legacy-browsers".into(), 2),
            ("localhost".into(), 1),
            ("release-version".into(), 1),
            ("web-crawlers".into(), 1),
        ])
    );
    let (_, list) = server.get("/api/0/projects/cairn/shop/filters/", &token).await;
    assert_eq!(
        list[1],
        json!({"id": "localhost", "active": true, "name": list[1]["name"], "description": list[1]["description"]})
    );
    assert_eq!(list[2]["active"], json!(["ie_pre_9", "ie11"]));
    assert_eq!(list[3]["active"], Value::Bool(false));
    let (status, body) = server.put(legacy, &token, json!({"active": false})).await;
    assert_eq!(status, 204, "{body}");
    let (_, list) = server.get("/api/0/projects/cairn/shop/filters/", &token).await;
    assert_eq!(list[2]["active"], Value::Bool(false));

    // Sentry's usage stats count both: accepted errors and filtered ones, by reason.
    let path = "/api/0/organizations/cairn/stats_v2/?field=sum(quantity)&groupBy=outcome\
                &statsPeriod=24h&interval=1h";
    let (status, stats) = server.get(path, &token).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["intervals"].as_array().map(Vec::len), Some(24), "{stats}");
    let totals: BTreeMap<String, i64> = stats["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                g["by"]["outcome"].as_str().unwrap_or("").to_owned(),
                g["totals"]["sum(quantity)"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        totals,
        BTreeMap::from([("accepted".into(), 4), ("filtered".into(), 8)]),
        "{stats:#}"
    );
    let accepted = stats["groups"][0]["series"]["sum(quantity)"].as_array().expect("series");
    assert_eq!(accepted.last(), Some(&json!(4)), "this hour's interval is the last: {stats:#}");
    let path = "/api/0/organizations/cairn/stats_v2/?field=sum(quantity)&groupBy=reason\
                &outcome=filtered&project=shop";
    let (_, by_reason) = server.get(path, &token).await;
    let reasons: Vec<&str> = by_reason["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["by"]["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "browser-extensions",
            "error-message",
            "legacy-browsers",
            "localhost",
            "release-version",
            "web-crawlers"
        ]
    );
    let (status, refused) =
        server.get("/api/0/organizations/cairn/stats_v2/?field=count()", &token).await;
    assert_eq!(status, 400, "{refused}");
}

/// A browser's security report that a filter matches is answered `200` (the browser is not
/// told) and counted; one that matches none is kept.
#[tokio::test(flavor = "multi_thread")]
async fn a_filtered_security_report_is_counted_not_refused() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Web").await;
    let (status, _) = server
        .put("/api/0/projects/cairn/web/filters/localhost/", &token, json!({"active": true}))
        .await;
    assert_eq!(status, 204);
    let (key, project_id) = server.project_key(&token, "web").await;
    for document in ["http://localhost:3000/cart", "https://shop.example.com/cart"] {
        let report = json!({"csp-report": {
            "document-uri": document,
            "effective-directive": "script-src",
            "blocked-uri": "https://evil.example/x.js"
        }});
        let response = server
            .http
            .post(format!("{}/api/{project_id}/security/?sentry_key={key}", server.url))
            .header("Content-Type", "application/csp-report")
            .header("X-Forwarded-For", "198.51.100.4")
            .body(report.to_string())
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{document}");
    }
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let id = issues[0]["id"].as_str().expect("id");
    let (_, event) = server.get(&format!("/api/0/issues/{id}/events/latest/"), &token).await;
    let request = event["entries"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["type"] == "request"))
        .map(|e| e["data"]["url"].clone());
    assert_eq!(request, Some(json!("https://shop.example.com/cart")), "{event:#}");
    assert_eq!(filtered(&server).await, BTreeMap::from([("localhost".into(), 1)]));
}

/// Sends transactions named `names` with the official SDK (every one sampled), and flushes.
async fn send_transactions(dsn: &str, names: &[&'static str]) {
    let (dsn, names) = (dsn.to_owned(), names.to_vec());
    tokio::task::spawn_blocking(move || {
        let options = sentry::ClientOptions::new()
            .dsn(dsn.as_str())
            .release("api@1.0".to_owned())
            .traces_sample_rate(1.0);
        let client = Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
        let hub =
            Arc::new(sentry::Hub::new(Some(client.clone()), Arc::new(sentry::Scope::default())));
        sentry::Hub::run(hub, || {
            for name in names {
                let ctx = sentry::TransactionContext::new(name, "http.server");
                sentry::start_transaction(ctx).finish();
            }
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered them");
    })
    .await
    .expect("sent");
}

/// The names of the project's stored transactions, sorted.
async fn stored_transactions(server: &TestServer) -> Vec<String> {
    let pool = server.database().await;
    let payloads: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT payload FROM envelope_items WHERE item_type = 'transaction' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("items are readable");
    pool.close().await;
    let mut names: Vec<String> = payloads
        .iter()
        .filter_map(|p| serde_json::from_slice::<Value>(p).ok())
        .filter_map(|t| t["transaction"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Sentry's health-check filter, on for a new project: the SDK's transactions of health-check
/// endpoints are answered as usual but not stored, and counted as filtered transactions (in
/// the usage stats too); turned off, they are stored.
#[tokio::test(flavor = "multi_thread")]
async fn health_check_transactions_are_filtered_by_default() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Api").await;
    let (_, list) = server.get("/api/0/projects/cairn/api/filters/", &token).await;
    let health = list
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == "filtered-transaction")
        .cloned()
        .unwrap_or_else(|| panic!("the health-check filter in {list:#}"));
    assert_eq!(health["active"], true, "Sentry's default: {health}");
    assert_eq!(health["name"], "Filter out health check transactions");

    send_transactions(&dsn, &["GET /healthz", "GET /cart", "GET /api/ping", "GET /delivery"]).await;
    assert_eq!(stored_transactions(&server).await, ["GET /cart", "GET /delivery"]);
    let path = "/api/0/organizations/cairn/stats_v2/?field=sum(quantity)&groupBy=outcome\
                &groupBy=reason&category=transaction&statsPeriod=24h";
    let (status, stats) = server.get(path, &token).await;
    assert_eq!(status, 200, "{stats}");
    let totals: BTreeMap<(String, String), i64> = stats["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let by = |key: &str| g["by"][key].as_str().unwrap_or("").to_owned();
            ((by("outcome"), by("reason")), g["totals"]["sum(quantity)"].as_i64().unwrap_or(0))
        })
        .collect();
    assert_eq!(
        totals,
        BTreeMap::from([
            (("accepted".into(), "".into()), 2),
            (("filtered".into(), "filtered-transaction".into()), 2),
        ])
    );

    let filter = "/api/0/projects/cairn/api/filters/filtered-transaction/";
    let (status, body) = server.put(filter, &token, json!({"active": false})).await;
    assert_eq!(status, 204, "{body}");
    send_transactions(&dsn, &["GET /healthz"]).await;
    assert_eq!(stored_transactions(&server).await, ["GET /cart", "GET /delivery", "GET /healthz"]);
}

/// Sentry's `ChunkLoadError` and React hydration filters, on for a new project: the SDK's
/// errors they match are counted, not stored; another React error is kept; turned off, a
/// hydration error is stored.
#[tokio::test(flavor = "multi_thread")]
async fn chunk_load_and_hydration_errors_are_filtered_by_default() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Web").await;
    let hydration = "Minified React error #418; visit \
                     https://reactjs.org/docs/error-decoder.html?invariant=418 for the full message";
    send(
        &dsn,
        "web@1.0",
        vec![
            error("ChunkLoadError", "Loading chunk 175 failed."),
            error("Error", hydration),
            error("Error", "Minified React error #130; visit https://react.dev/errors/130"),
        ],
    )
    .await;
    server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    assert_eq!(
        titles(&server, &token).await,
        ["Error: Minified React error #130; visit https://react.dev/errors/130"]
    );
    assert_eq!(
        filtered(&server).await,
        BTreeMap::from([("chunk-load-error".into(), 1), ("react-hydration-errors".into(), 1)])
    );

    let path = "/api/0/projects/cairn/web/filters/react-hydration-errors/";
    let (status, body) = server.put(path, &token, json!({"active": false})).await;
    assert_eq!(status, 204, "{body}");
    send(&dsn, "web@1.0", vec![error("Error", hydration)]).await;
    server.wait_for_issues(&token, |issues| issues.len() == 2).await;
}

/// Sentry's IP filter (`filters:blacklisted_ips`): addresses and networks, matched against the
/// address the request came from (the first of `X-Forwarded-For`, else the connection's);
/// what it drops is counted as `ip-address`, transactions too; a line that is no address or
/// network is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_ip_filter_drops_what_its_addresses_send() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Web").await;
    let options = |ips: &str| json!({"options": {"filters:blacklisted_ips": ips}});
    let (status, body) =
        server.put("/api/0/projects/cairn/web/", &token, options("10.0.0.0/8\nexample.com")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("example.com")), "{body}");
    let (status, body) = server
        .put("/api/0/projects/cairn/web/", &token, options(" 203.0.113.0/24 \n\n2001:db8::/32"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["options"]["filters:blacklisted_ips"], "203.0.113.0/24\n2001:db8::/32");

    let (key, project_id) = server.project_key(&token, "web").await;
    let store = |forwarded_for: &'static str, message: &'static str| {
        let server = &server;
        let key = &key;
        async move {
            let response = server
                .http
                .post(format!(
                    "{}/api/{project_id}/store/?sentry_key={key}&sentry_version=7",
                    server.url
                ))
                .header("X-Forwarded-For", forwarded_for)
                .json(&json!({"message": message, "level": "error"}))
                .send()
                .await
                .expect("sent");
            assert_eq!(response.status().as_u16(), 200, "answered as any event");
        }
    };
    store("203.0.113.9, 198.51.100.1", "from the office").await;
    store("2001:db8:42::1", "from the office's IPv6").await;
    store("198.51.100.1", "from a customer").await;
    server.wait_for_issues(&token, |issues| !issues.is_empty()).await;
    assert_eq!(titles(&server, &token).await, ["from a customer"]);
    assert_eq!(filtered(&server).await.get("ip-address"), Some(&2));

    // The test's own requests come from 127.0.0.1: the SDK's events and transactions are
    // dropped once loopback is listed.
    let (status, _) = server.put("/api/0/projects/cairn/web/", &token, options("127.0.0.1")).await;
    assert_eq!(status, 200);
    send(&dsn, "web@1.0", vec![error("TypeError", "from the test machine")]).await;
    send_transactions(&dsn, &["GET /checkout"]).await;
    assert_eq!(filtered(&server).await.get("ip-address"), Some(&3));
    assert!(stored_transactions(&server).await.is_empty());
    assert_eq!(titles(&server, &token).await, ["from a customer"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_discarded_issue_drops_its_later_events_and_counts_them() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    send(
        &dsn,
        "backend@1.0",
        vec![error("PaymentError", "card declined"), error("CartError", "x")],
    )
    .await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let id_of = |kind: &str| -> String {
        let issue =
            issues.iter().find(|i| i["title"].as_str().is_some_and(|t| t.starts_with(kind)));
        issue.and_then(|i| i["id"].as_str()).expect("the issue").to_owned()
    };
    let (payment, cart) = (id_of("PaymentError"), id_of("CartError"));

    // As deleting, it takes `event:admin`.
    let narrow = server
        .cli(&["createtoken", "--email", "owner@example.com", "--scope", "event:write"])
        .trim()
        .to_owned();
    let path = format!("/api/0/projects/cairn/backend/issues/?id={payment}");
    let (status, _) = server.put(&path, &narrow, json!({"discard": true})).await;
    assert_eq!(status, 403);
    let (status, body) = server.put(&path, &token, json!({"discard": true})).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(server.get(&format!("/api/0/issues/{payment}/"), &token).await.0, 404);

    // Its later events are accepted and dropped, counted as Relay counts them; the other
    // issue's are kept.
    let again = vec![
        error("PaymentError", "card declined"),
        error("PaymentError", "card declined"),
        error("CartError", "x"),
    ];
    send(&dsn, "backend@1.0", again).await;
    let issues = server
        .wait_for_issues(&token, |issues| {
            issues.iter().any(|i| i["id"] == cart.as_str() && i["count"] == "2")
        })
        .await;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(filtered(&server).await.get("discarded-hash"), Some(&2));
    let (_, log) =
        server.get("/api/0/organizations/cairn/audit-logs/?event=issue.discard", &token).await;
    let note = log["rows"][0]["note"].as_str().unwrap_or_default().to_owned();
    assert!(note.ends_with("and discards its future events"), "{log}");

    // The project lists it as Sentry's tombstones do, for anyone who may read the project.
    let reader = server
        .cli(&["createtoken", "--email", "owner@example.com", "--scope", "project:read"])
        .trim()
        .to_owned();
    let (status, tombstones) =
        server.get("/api/0/projects/cairn/backend/tombstones/", &reader).await;
    assert_eq!(status, 200, "{tombstones}");
    let list = tombstones.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{tombstones}");
    let tombstone = &list[0];
    assert!(tombstone["message"].as_str().is_some_and(|m| m.starts_with("PaymentError")));
    assert_eq!(tombstone["level"], "error");
    assert_eq!(tombstone["type"], "error");
    assert_eq!(tombstone["metadata"]["type"], "PaymentError");
    assert_eq!(tombstone["actor"]["email"], "owner@example.com");
    assert!(tombstone["dateAdded"].is_string());

    // Undiscarding takes `project:admin`; an unknown one is a 404.
    let path = format!(
        "/api/0/projects/cairn/backend/tombstones/{}/",
        tombstone["id"].as_str().expect("id")
    );
    assert_eq!(server.delete(&path, &reader).await, 403);
    assert_eq!(server.delete("/api/0/projects/cairn/backend/tombstones/999/", &token).await, 404);
    assert_eq!(server.delete(&path, &token).await, 204);
    assert_eq!(server.delete(&path, &token).await, 404);
    let (_, tombstones) = server.get("/api/0/projects/cairn/backend/tombstones/", &token).await;
    assert_eq!(tombstones, json!([]));

    // Its next event opens an issue again (the old events stay gone, as in Sentry).
    send(&dsn, "backend@1.0", vec![error("PaymentError", "card declined")]).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let reopened = issues.iter().find(|i| i["id"] != cart.as_str()).expect("a new issue");
    assert_eq!(reopened["count"], "1", "{reopened}");
    assert_ne!(reopened["id"], payment.as_str());
    assert_eq!(filtered(&server).await.get("discarded-hash"), Some(&2));
    let (_, log) =
        server.get("/api/0/organizations/cairn/audit-logs/?event=issue.undiscard", &token).await;
    let note = log["rows"][0]["note"].as_str().unwrap_or_default().to_owned();
    assert!(note.starts_with("undiscarded the issue \"PaymentError"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_discarded_security_report_issue_drops_its_later_reports() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Web").await;
    let (key, project_id) = server.project_key(&token, "web").await;
    let report = || async {
        let report = json!({"csp-report": {
            "document-uri": "https://shop.example.com/cart",
            "effective-directive": "script-src",
            "blocked-uri": "https://evil.example/x.js"
        }});
        let response = server
            .http
            .post(format!("{}/api/{project_id}/security/?sentry_key={key}", server.url))
            .header("Content-Type", "application/csp-report")
            .body(report.to_string())
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 200);
    };
    report().await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let path =
        format!("/api/0/projects/cairn/web/issues/?id={}", issues[0]["id"].as_str().expect("id"));
    assert_eq!(server.put(&path, &token, json!({"discard": true})).await.0, 204);
    // The browser's next report of it is answered as before, and dropped.
    report().await;
    assert_eq!(filtered(&server).await, BTreeMap::from([("discarded-hash".into(), 1)]));
    assert!(titles(&server, &token).await.is_empty());
}
