//! Ingestion end to end with the official `sentry` crate.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{send_error_with_breadcrumbs, sentry_hub, TestServer};

#[tokio::test(flavor = "multi_thread")]
async fn sdk_error_with_breadcrumbs_becomes_an_issue_in_the_api() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;

    let sdk_dsn = dsn.clone();
    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&sdk_dsn))
        .await
        .expect("SDK thread");

    let issues = server.wait_for_issues(&token, |issues| !issues.is_empty()).await;
    assert_eq!(issues.len(), 1, "{issues:?}");
    let issue = &issues[0];
    assert_eq!(issue["title"], "ParseIntError: invalid digit found in string");
    assert_eq!(issue["level"], "error");
    assert_eq!(issue["status"], "unresolved");
    assert_eq!(issue["count"], "1");
    assert_eq!(issue["userCount"], 1);
    assert_eq!(issue["shortId"], "BACKEND-1");
    assert_eq!(issue["project"]["slug"], "backend");
    assert_eq!(issue["metadata"]["type"], "ParseIntError");
    assert!(issue["firstSeen"].as_str().is_some_and(|s| s.ends_with('Z')), "{issue}");

    // The same error again from the same place joins the issue instead of opening another.
    let sdk_dsn = dsn.clone();
    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&sdk_dsn))
        .await
        .expect("SDK thread");
    let issues = server
        .wait_for_issues(&token, |issues| issues.first().is_some_and(|i| i["count"] == "2"))
        .await;
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["userCount"], 1, "the same user counts once");
}

#[tokio::test(flavor = "multi_thread")]
async fn envelope_with_bad_or_missing_auth_is_refused_with_relays_answers() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let key = dsn.split("://").nth(1).and_then(|s| s.split('@').next()).expect("key").to_owned();
    let project_id = dsn.rsplit('/').next().expect("project id").to_owned();
    let envelope = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"message\":\"hi\"}\n";
    let post = |path: String, auth: Option<String>, body: &'static str| {
        let mut request = server.http.post(format!("{}{path}", server.url)).body(body);
        if let Some(auth) = auth {
            request = request.header("x-sentry-auth", auth);
        }
        async move {
            let response = request.send().await.expect("sent");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            (status, body["detail"].as_str().unwrap_or_default().to_owned(), body)
        }
    };
    let good_auth = Some(format!("Sentry sentry_version=7, sentry_key={key}"));
    let path = format!("/api/{project_id}/envelope/");

    let (status, detail, _) = post(path.clone(), None, envelope).await;
    assert_eq!((status, detail.as_str()), (401, "missing authorization information"));

    let (status, detail, _) =
        post(path.clone(), Some("Sentry sentry_key=zz".into()), envelope).await;
    assert_eq!((status, detail.as_str()), (400, "bad sentry DSN public key"));

    let unknown = Some("Sentry sentry_key=00000000000000000000000000000000".to_owned());
    let (status, detail, _) = post(path.clone(), unknown, envelope).await;
    assert_eq!(
        (status, detail.as_str()),
        (403, "event submission rejected with_reason: ProjectId")
    );

    let (status, detail, _) = post("/api/999/envelope/".into(), good_auth.clone(), envelope).await;
    assert_eq!(
        (status, detail.as_str()),
        (403, "event submission rejected with_reason: ProjectId")
    );

    let (status, detail, _) = post("/api/abc/envelope/".into(), good_auth.clone(), envelope).await;
    assert_eq!((status, detail.as_str()), (400, "bad project path parameter"));

    let (status, detail, _) = post(path.clone(), good_auth.clone(), "").await;
    assert_eq!((status, detail.as_str()), (400, "empty request body"));

    let (status, detail, _) =
        post(path.clone(), good_auth.clone(), "{}\n{\"type\":\"event\",\"length\":99}\n{}").await;
    assert_eq!((status, detail.as_str()), (400, "invalid event envelope"));

    let (status, _, body) = post(path.clone(), good_auth.clone(), envelope).await;
    assert_eq!(status, 200);
    assert_eq!(body["id"], "9ec79c33ec9942ab8353589fcb2e04dc");

    // A tunnelled envelope authenticates with the DSN in its header.
    let tunnelled: &'static str = Box::leak(
        format!("{{\"event_id\":\"0aeb7e5fa0d34e8fa3e0c5b14fdc1b5b\",\"dsn\":\"{dsn}\"}}\n{{\"type\":\"event\"}}\n{{\"message\":\"tunnelled\"}}\n")
            .into_boxed_str(),
    );
    let (status, _, body) = post(path.clone(), None, tunnelled).await;
    assert_eq!(status, 200, "{body}");

    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let titles: Vec<&str> = issues.iter().filter_map(|i| i["title"].as_str()).collect();
    assert!(titles.contains(&"hi") && titles.contains(&"tunnelled"), "{titles:?}");
}

/// The stored (normalized, scrubbed) event `event_id`, read from the server's SQLite file.
async fn stored_event(server: &TestServer, event_id: uuid::Uuid) -> serde_json::Value {
    let pool = server.database().await;
    let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM events WHERE event_id = $1")
        .bind(event_id.simple().to_string())
        .fetch_one(&pool)
        .await
        .expect("the acknowledged event is stored");
    pool.close().await;
    let json = cairn_server::store::event_data::decode(&data).expect("stored compressed JSON");
    serde_json::from_str(&json).expect("stored events are JSON")
}

/// Sends, with the official SDK, a message event carrying a password, a customer reference,
/// a card number in a breadcrumb and the user's IP address. Returns its event id.
fn send_event_with_secrets(dsn: &str) -> uuid::Uuid {
    let (hub, client) = sentry_hub(dsn, "shop@2.0.0");
    let id = sentry::Hub::run(hub, || {
        sentry::configure_scope(|scope| {
            scope.set_extra("db_password", "hunter2".into());
            scope.set_extra("customer_ref", "C-1042".into());
            scope.set_user(Some(sentry::User {
                id: Some("1042".into()),
                ip_address: Some(sentry::protocol::IpAddress::Exact(
                    "203.0.113.7".parse().expect("an IP address"),
                )),
                ..Default::default()
            }));
        });
        sentry::add_breadcrumb(sentry::Breadcrumb {
            message: Some("paid with 4111 1111 1111 1111".into()),
            ..Default::default()
        });
        sentry::capture_message("checkout failed", sentry::Level::Error)
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn scrubbing_is_on_by_default_and_follows_the_project_settings() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    let send = |dsn: String| async move {
        tokio::task::spawn_blocking(move || send_event_with_secrets(&dsn)).await.expect("SDK")
    };

    // Sentry's defaults: passwords and card numbers go, the rest stays.
    let event = stored_event(&server, send(dsn.clone()).await).await;
    assert_eq!(event["extra"]["db_password"], "[Filtered]", "{event}");
    assert_eq!(event["extra"]["customer_ref"], "C-1042");
    assert_eq!(event["breadcrumbs"]["values"][0]["message"], "paid with [Filtered]");
    assert_eq!(event["user"]["ip_address"], "203.0.113.7");

    let (status, details) = server.get("/api/0/projects/cairn/shop/", &token).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["dataScrubber"], true);
    assert_eq!(details["dataScrubberDefaults"], true);
    assert_eq!(details["scrubIPAddresses"], false);
    assert_eq!(details["allowedDomains"], json!(["*"]));

    // Additional sensitive and safe fields, and IP removal, apply at once.
    let settings = json!({
        "sensitiveFields": ["customer_ref"],
        "safeFields": ["db_password"],
        "scrubIPAddresses": true,
    });
    let (status, details) = server.put("/api/0/projects/cairn/shop/", &token, settings).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["sensitiveFields"], json!(["customer_ref"]));
    let event = stored_event(&server, send(dsn.clone()).await).await;
    assert_eq!(event["extra"]["customer_ref"], "[Filtered]", "{event}");
    assert_eq!(event["extra"]["db_password"], "hunter2");
    assert!(event["user"].get("ip_address").is_none_or(Value::is_null), "{event}");

    // Scrubbing off: the event is stored as sent (IP removal is a separate switch).
    let settings = json!({"dataScrubber": false, "safeFields": [], "scrubIPAddresses": false});
    let (status, _) = server.put("/api/0/projects/cairn/shop/", &token, settings).await;
    assert_eq!(status, 200);
    let event = stored_event(&server, send(dsn).await).await;
    assert_eq!(event["extra"]["customer_ref"], "C-1042", "{event}");
    assert_eq!(event["breadcrumbs"]["values"][0]["message"], "paid with 4111 1111 1111 1111");

    // Only project writers change settings.
    let (status, _) = server
        .put("/api/0/projects/cairn/shop/", "sntryu_bogus", json!({"dataScrubber": true}))
        .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn key_rate_limit_and_disabling_are_set_through_the_api() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Web").await;
    let (key, project_id) = server.project_key(&token, "web").await;
    let key_path = format!("/api/0/projects/cairn/web/keys/{key}/");

    // One event an hour: the second is refused with Relay's headers.
    let limit = json!({"rateLimit": {"count": 1, "window": 3600}});
    let (status, body) = server.put(&key_path, &token, limit).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rateLimit"], json!({"count": 1, "window": 3600}));
    let envelope = |n: u8| {
        format!(
            "{{\"event_id\":\"{n:032x}\"}}\n{{\"type\":\"event\"}}\n{{\"message\":\"limited {n}\"}}\n"
        )
    };
    let post = |body: String| {
        server
            .http
            .post(format!("{}/api/{project_id}/envelope/?sentry_key={key}", server.url))
            .body(body)
            .send()
    };
    let first = post(envelope(1)).await.expect("HTTP");
    assert_eq!(first.status(), 200);
    let second = post(envelope(2)).await.expect("HTTP");
    assert_eq!(second.status(), 429);
    let retry_after: u64 = second.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let limits = second.headers()["x-sentry-rate-limits"].to_str().expect("ASCII").to_owned();
    assert!(limits.ends_with(":default;error;security;transaction:key"), "{limits}");

    // Lifting the limit and disabling the key.
    let (status, body) = server.put(&key_path, &token, json!({"rateLimit": null})).await;
    assert_eq!((status, body["rateLimit"].clone()), (200, Value::Null));
    assert_eq!(post(envelope(3)).await.expect("HTTP").status(), 200);
    let (status, body) = server.put(&key_path, &token, json!({"isActive": false})).await;
    assert_eq!((status, body["isActive"].clone()), (200, json!(false)));
    let refused = post(envelope(4)).await.expect("HTTP");
    assert_eq!(refused.status(), 403);
    let detail: Value = refused.json().await.expect("JSON error");
    assert_eq!(detail["detail"], "event submission rejected with_reason: ProjectId");

    let (status, _) =
        server.put(&key_path, &token, json!({"rateLimit": {"count": 5, "window": 0}})).await;
    assert_eq!(status, 400);

    // A project-wide limit holds for every key of the project.
    let enabled = server.put(&key_path, &token, json!({"isActive": true})).await;
    assert_eq!(enabled.0, 200);
    let limit = json!({"rateLimit": {"count": 1, "window": 3600}});
    let (status, body) = server.put("/api/0/projects/cairn/web/", &token, limit).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rateLimit"], json!({"count": 1, "window": 3600}));
    assert_eq!(post(envelope(5)).await.expect("HTTP").status(), 200);
    let limited = post(envelope(6)).await.expect("HTTP");
    assert_eq!(limited.status(), 429);
    let limits = limited.headers()["x-sentry-rate-limits"].to_str().expect("ASCII").to_owned();
    assert!(limits.ends_with(":project"), "{limits}");
    let lifted = server.put("/api/0/projects/cairn/web/", &token, json!({"rateLimit": null})).await;
    assert_eq!(lifted.1["rateLimit"], Value::Null);
    assert_eq!(post(envelope(7)).await.expect("HTTP").status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_sdks_get_relays_cors_answers_and_allowed_domains_apply() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Frontend").await;
    let (key, project_id) = server.project_key(&token, "frontend").await;
    let store_url =
        format!("{}/api/{project_id}/store/?sentry_key={key}&sentry_version=7", server.url);

    // The preflight a browser sends before a POST with custom headers.
    let preflight = server
        .http
        .request(reqwest::Method::OPTIONS, &store_url)
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type, x-sentry-auth")
        .send()
        .await
        .expect("HTTP");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let header = |name: &str| {
        preflight.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    assert_eq!(header("access-control-allow-origin"), "*");
    assert!(header("access-control-allow-methods").contains("POST"));
    assert!(header("access-control-allow-headers").contains("x-sentry-auth"));
    assert_eq!(header("access-control-max-age"), "3600");

    let post = |origin: &'static str| {
        server
            .http
            .post(&store_url)
            .header("Origin", origin)
            .header("Content-Type", "text/plain")
            .body(r#"{"message":"from the browser"}"#)
            .send()
    };
    let accepted = post("https://app.example.com").await.expect("HTTP");
    assert_eq!(accepted.status(), 200);
    let exposed = accepted.headers()["access-control-expose-headers"].to_str().expect("ASCII");
    assert!(
        exposed.contains("x-sentry-rate-limits") && exposed.contains("retry-after"),
        "{exposed}"
    );

    // Only the project's allowed domains may send once they are set.
    let settings = json!({"allowedDomains": ["*.example.com"]});
    let (status, body) = server.put("/api/0/projects/cairn/frontend/", &token, settings).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["allowedDomains"], json!(["*.example.com"]));
    assert_eq!(post("https://app.example.com").await.expect("HTTP").status(), 200);
    let refused = post("https://evil.example.net").await.expect("HTTP");
    assert_eq!(refused.status(), 403);
    let detail: Value = refused.json().await.expect("JSON error");
    assert_eq!(detail["detail"], "event submission rejected with_reason: Cors");
}

/// Sends, with the official SDK, a `ParseIntError` and a `ParseFloatError`.
fn send_two_parse_errors(dsn: &str) {
    let (hub, client) = sentry_hub(dsn, "rules@1.0.0");
    sentry::Hub::run(hub, || {
        let int = "seven".parse::<i32>().expect_err("not an integer");
        sentry::capture_error(&int);
        let float = "seven".parse::<f64>().expect_err("not a number");
        sentry::capture_error(&float);
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its events");
}

#[tokio::test(flavor = "multi_thread")]
async fn project_fingerprint_rules_regroup_new_events() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Rules").await;
    let send = |dsn: String| async move {
        tokio::task::spawn_blocking(move || send_two_parse_errors(&dsn)).await.expect("SDK");
    };

    // By default two error types are two issues.
    send(dsn.clone()).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    assert_eq!(issues.len(), 2);

    // A rule with a syntax error is refused with the line it is on.
    let bad = json!({"fingerprintingRules": "error.type:ParseIntError -> parse\nnonsense here"});
    let (status, body) = server.put("/api/0/projects/cairn/rules/", &token, bad).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("line 2")), "{body}");

    // Sentry's fingerprint rule syntax: both parse errors now make one issue.
    let rules = "# both parse errors are one problem\nerror.type:\"Parse*Error\" -> parse-failures";
    let (status, body) = server
        .put("/api/0/projects/cairn/rules/", &token, json!({"fingerprintingRules": rules}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fingerprintingRules"], rules);
    let (_, details) = server.get("/api/0/projects/cairn/rules/", &token).await;
    assert_eq!(details["fingerprintingRules"], rules);

    send(dsn).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 3).await;
    assert_eq!(issues.len(), 3, "{issues:?}");
    let merged = issues.iter().find(|i| i["count"] == "2").expect("one issue got both events");
    assert!(merged["title"].as_str().is_some_and(|t| t.starts_with("Parse")), "{merged}");
}

#[tokio::test(flavor = "multi_thread")]
async fn resolved_issue_regresses_on_a_new_event_and_ignored_stays_ignored() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let send = |dsn: String| async move {
        tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&dsn)).await.expect("SDK");
    };
    send(dsn.clone()).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let id = issues[0]["id"].as_str().expect("id").to_owned();
    let path = format!("/api/0/organizations/cairn/issues/{id}/");

    let (status, issue) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(
        (issue["status"].clone(), issue["substatus"].clone()),
        (json!("unresolved"), json!("new"))
    );
    assert_eq!(issue["activity"][0]["type"], "first_seen");
    assert_eq!(issue["activity"][0]["user"], Value::Null);

    // Resolve: the issue leaves the default (unresolved) list.
    let (status, issue) = server.put(&path, &token, json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["status"], "resolved");
    assert_eq!(issue["activity"][0]["type"], "set_resolved");
    assert_eq!(issue["activity"][0]["user"]["email"], "owner@example.com");
    let (_, unresolved) = server.get("/api/0/organizations/cairn/issues/", &token).await;
    assert_eq!(unresolved, json!([]));
    let (_, resolved) =
        server.get("/api/0/organizations/cairn/issues/?query=is:resolved", &token).await;
    assert_eq!(resolved[0]["id"], id.as_str());

    // The same error again: a regression, recorded with the event's release.
    send(dsn.clone()).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    assert_eq!(
        (issues[0]["status"].clone(), issues[0]["substatus"].clone()),
        (json!("unresolved"), json!("regressed"))
    );
    assert_eq!(issues[0]["count"], "2");
    let (_, issue) = server.get(&format!("/api/0/issues/{id}/"), &token).await;
    assert_eq!(issue["activity"][0]["type"], "set_regression");
    assert_eq!(issue["activity"][0]["data"]["version"], "backend@1.0.0");

    // Ignored forever: new events count but do not reopen it.
    let (status, issue) =
        server.put(&format!("/api/0/issues/{id}/"), &token, json!({"status": "ignored"})).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(
        (issue["status"].clone(), issue["substatus"].clone()),
        (json!("ignored"), json!("archived_forever"))
    );
    send(dsn).await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!((issue["status"].clone(), issue["count"].clone()), (json!("ignored"), json!("3")));

    // Conditions Cairn does not evaluate yet are refused, not dropped.
    let conditional = json!({"status": "ignored", "statusDetails": {"ignoreUserWindow": 60}});
    let (status, body) = server.put(&path, &token, conditional).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = server.put(&path, &token, json!({"status": "bogus"})).await;
    assert_eq!(status, 400);

    // A read-only token reads but does not change issues.
    let reader = server.cli(&[
        "createtoken",
        "--email",
        "owner@example.com",
        "--scope",
        "event:read",
        "--scope",
        "org:read",
    ]);
    let reader = reader.trim();
    assert_eq!(server.get(&format!("/api/0/issues/{id}/"), reader).await.0, 200);
    let (status, _) =
        server.put(&format!("/api/0/issues/{id}/"), reader, json!({"status": "resolved"})).await;
    assert_eq!(status, 403);
    assert_eq!(server.get("/api/0/organizations/other/issues/1/", &token).await.0, 404);
    assert_eq!(server.get("/api/0/issues/999999/", &token).await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issues_events_come_back_in_sentrys_event_shape() {
    let (server, token, issues) = server_with_one_issue_of_two_events().await;
    let id = issues[0]["id"].as_str().expect("id").to_owned();
    let base = format!("/api/0/organizations/cairn/issues/{id}/events");

    let (status, latest) = server.get(&format!("{base}/latest/"), &token).await;
    assert_eq!(status, 200, "{latest}");
    assert_eq!(latest["groupID"], id.as_str());
    assert_eq!(latest["title"], "ParseIntError: invalid digit found in string");
    let entries = latest["entries"].as_array().expect("entries");
    assert_eq!(entries[0]["type"], "exception", "{latest}");
    assert_eq!(entries[0]["data"]["values"][0]["type"], "ParseIntError");
    let crumbs = entries.iter().find(|e| e["type"] == "breadcrumbs").expect("breadcrumbs entry");
    let messages: Vec<&str> = crumbs["data"]["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|b| b["message"].as_str())
        .collect();
    assert_eq!(messages, ["user logged in", "SELECT * FROM orders"]);
    let tag = |key: &str| {
        latest["tags"]
            .as_array()
            .and_then(|tags| tags.iter().find(|t| t["key"] == key))
            .map(|t| t["value"].clone())
    };
    assert_eq!(tag("level"), Some(json!("error")));
    assert_eq!(tag("environment"), Some(json!("test")));
    assert_eq!(tag("release"), Some(json!("backend@1.0.0")));
    assert_eq!(latest["user"]["id"], "42");
    assert_eq!(latest["release"]["version"], "backend@1.0.0");
    assert_eq!(latest["nextEventID"], Value::Null);

    // Paging through the issue's events.
    let (_, oldest) = server.get(&format!("{base}/oldest/"), &token).await;
    assert_eq!(oldest["nextEventID"], latest["eventID"]);
    assert_eq!(latest["previousEventID"], oldest["eventID"]);
    assert_eq!(oldest["previousEventID"], Value::Null);
    let (_, list) = server.get(&format!("{base}/"), &token).await;
    let listed: Vec<&Value> =
        list.as_array().expect("list").iter().map(|e| &e["eventID"]).collect();
    assert_eq!(listed, [&latest["eventID"], &oldest["eventID"]]);

    // By id, through the issue and through the project.
    let event_id = oldest["eventID"].as_str().expect("event id");
    let (status, by_id) =
        server.get(&format!("/api/0/issues/{id}/events/{event_id}/"), &token).await;
    assert_eq!((status, &by_id["eventID"]), (200, &oldest["eventID"]));
    let (status, by_project) =
        server.get(&format!("/api/0/projects/cairn/backend/events/{event_id}/"), &token).await;
    assert_eq!((status, &by_project["groupID"]), (200, &json!(id)));

    // Sentry's JSON link: the event as stored, by the project's slug or its id; the user as
    // the SDK sent it, breadcrumbs and all.
    let json_path =
        |project: &str| format!("/api/0/projects/cairn/{project}/events/{event_id}/json/");
    let (status, stored) = server.get(&json_path("backend"), &token).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["event_id"], json!(event_id));
    assert_eq!(stored["user"]["id"], "42");
    assert!(stored["breadcrumbs"]["values"].as_array().is_some_and(|b| b.len() == 2), "{stored}");
    let project_id = by_project["projectID"].as_str().expect("project id");
    let (status, by_project_id) = server.get(&json_path(project_id), &token).await;
    assert_eq!((status, by_project_id), (200, stored));
    assert_eq!(server.get(&json_path("nonexistent"), &token).await.0, 404);
    assert_eq!(server.get(&json_path("999999"), &token).await.0, 404);

    for missing in ["00000000000000000000000000000000", "not-an-id"] {
        assert_eq!(server.get(&format!("{base}/{missing}/"), &token).await.0, 404);
        assert_eq!(
            server.get(&format!("/api/0/projects/cairn/backend/events/{missing}/"), &token).await.0,
            404
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_are_notes_in_the_activity_and_only_their_author_deletes_them() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&dsn)).await.expect("SDK");
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let id = issues[0]["id"].as_str().expect("id").to_owned();
    let comments = format!("/api/0/issues/{id}/comments/");

    let text = "Seen after the <b>deploy</b>; @alice can you look?";
    let (status, note) = server.post(&comments, &token, json!({ "text": text })).await;
    assert_eq!(status, 201, "{note}");
    assert_eq!((note["type"].clone(), note["data"]["text"].clone()), (json!("note"), json!(text)));
    assert_eq!(note["user"]["email"], "owner@example.com");
    let (status, _) = server.post(&comments, &token, json!({ "text": "   " })).await;
    assert_eq!(status, 400);

    let (_, list) = server.get(&comments, &token).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (_, issue) = server.get(&format!("/api/0/issues/{id}/"), &token).await;
    assert_eq!(issue["numComments"], 1);
    assert_eq!(issue["activity"][0]["type"], "note");

    // A member may comment but not delete someone else's comment.
    server.cli(&["createuser", "--email", "member@example.com", "--password", "member password 1"]);
    let member = server.cli(&["createtoken", "--email", "member@example.com"]).trim().to_owned();
    let note_path = format!("{comments}{}/", note["id"].as_str().expect("note id"));
    let delete = |token: String| {
        let url = format!("{}{note_path}", server.url);
        let http = server.http.clone();
        async move { http.delete(url).bearer_auth(token).send().await.expect("HTTP").status().as_u16() }
    };
    // Editing, too, is for the author only.
    let (status, _) = server.put(&note_path, &member, json!({ "text": "not mine" })).await;
    assert_eq!(status, 403);
    let (status, _) = server.put(&note_path, &token, json!({ "text": "  " })).await;
    assert_eq!(status, 400);
    let (status, edited) = server.put(&note_path, &token, json!({ "text": "Fixed in 1.1" })).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        (edited["id"].clone(), edited["data"]["text"].clone()),
        (note["id"].clone(), json!("Fixed in 1.1"))
    );
    let (_, list) = server.get(&comments, &token).await;
    assert_eq!(list[0]["data"]["text"], "Fixed in 1.1");
    assert_eq!(delete(member.clone()).await, 403);
    assert_eq!(delete(token.clone()).await, 204);
    assert_eq!(delete(token.clone()).await, 404);
    let (_, issue) = server.get(&format!("/api/0/issues/{id}/"), &token).await;
    assert_eq!(issue["numComments"], 0);
    let (status, _) = server.post(&comments, &member, json!({ "text": "me too" })).await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_tags_and_sparkline_counts_follow_the_events() {
    let (server, token, issues) = server_with_one_issue_of_two_events().await;
    let id = issues[0]["id"].as_str().expect("id").to_owned();

    // Sparklines: 24 hourly buckets by default, 14 daily ones on request.
    let sum = |series: &Value| {
        series.as_array().map(|s| s.iter().map(|b| b[1].as_i64().unwrap_or(0)).sum::<i64>())
    };
    let hourly = &issues[0]["stats"]["24h"];
    assert_eq!(hourly.as_array().map(Vec::len), Some(24), "{hourly}");
    assert_eq!(sum(hourly), Some(2));
    let (_, daily) =
        server.get("/api/0/organizations/cairn/issues/?groupStatsPeriod=14d", &token).await;
    assert_eq!(daily[0]["stats"]["14d"].as_array().map(Vec::len), Some(14));
    assert_eq!(sum(&daily[0]["stats"]["14d"]), Some(2));
    let (status, _) =
        server.get("/api/0/organizations/cairn/issues/?groupStatsPeriod=1y", &token).await;
    assert_eq!(status, 400);

    // Tags with their values and counts.
    let (status, tags) = server.get(&format!("/api/0/issues/{id}/tags/"), &token).await;
    assert_eq!(status, 200, "{tags}");
    let tag = |key: &str| tags.as_array().and_then(|t| t.iter().find(|t| t["key"] == key)).cloned();
    let level = tag("level").expect("level tag");
    assert_eq!(level["totalValues"], 2);
    assert_eq!(
        (level["topValues"][0]["value"].clone(), level["topValues"][0]["count"].clone()),
        (json!("error"), json!(2))
    );
    assert_eq!(tag("release").expect("release")["topValues"][0]["value"], "backend@1.0.0");
    assert_eq!(tag("environment").expect("environment")["topValues"][0]["value"], "test");
    assert_eq!(tag("user").expect("user")["topValues"][0]["value"], "id:42");
    let (status, values) = server
        .get(&format!("/api/0/organizations/cairn/issues/{id}/tags/user/values/"), &token)
        .await;
    assert_eq!(status, 200);
    assert_eq!(values[0]["count"], 2);
    assert_eq!(server.get(&format!("/api/0/issues/{id}/tags/nonexistent/"), &token).await.0, 404);

    // A retried event (same id) is acknowledged but counted once.
    let (key, project_id) = server.project_key(&token, "backend").await;
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={key}", server.url);
    let body = "{\"event_id\":\"5a1e0000000000000000000000000001\"}\n{\"type\":\"event\"}\n\
                {\"message\":\"retried once\",\"tags\":{\"shard\":\"7\"}}\n";
    for _ in 0..2 {
        let response = server.http.post(&url).body(body).send().await.expect("HTTP");
        assert_eq!(response.status(), 200);
    }
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let retried = issues.iter().find(|i| i["title"] == "retried once").expect("issue");
    assert_eq!(retried["count"], "1");
    let retried_id = retried["id"].as_str().expect("id");
    let (_, shard) = server.get(&format!("/api/0/issues/{retried_id}/tags/shard/"), &token).await;
    assert_eq!(shard["totalValues"], 1, "{shard}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ignored_until_a_count_or_users_comes_back_as_escalating() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Shop").await;
    let (key, project_id) = server.project_key(&token, "shop").await;
    let url = format!("{}/api/{project_id}/store/?sentry_key={key}", server.url);
    // Events of one issue (one fingerprint), each from the user given.
    let send = |user: &'static str| {
        let body = json!({"message": "checkout failed", "fingerprint": ["checkout"], "user": {"id": user}});
        let request = server.http.post(&url).json(&body).send();
        async move { assert_eq!(request.await.expect("HTTP").status(), 200) }
    };
    send("u1").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let path = format!("/api/0/issues/{}/", issues[0]["id"].as_str().expect("id"));

    // Ignore until two more events: the first does not reopen it, the second does.
    let ignore = json!({"status": "ignored", "statusDetails": {"ignoreCount": 2}});
    let (status, issue) = server.put(&path, &token, ignore).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["substatus"], "archived_until_condition_met");
    assert_eq!(issue["statusDetails"]["ignoreCount"], 2);
    send("u1").await;
    assert_eq!(server.get(&path, &token).await.1["status"], "ignored");
    send("u1").await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(
        (issue["status"].clone(), issue["substatus"].clone()),
        (json!("unresolved"), json!("escalating"))
    );
    assert_eq!(issue["statusDetails"], json!({}));
    // Sentry's record of it: escalating, with the snooze whose condition was met.
    assert_eq!(issue["activity"][0]["type"], "set_escalating");
    assert_eq!(issue["activity"][0]["user"], Value::Null);
    assert_eq!(
        issue["activity"][0]["data"]["expired_snooze"],
        json!({"count": 2, "window": null, "user_count": null, "user_window": null, "until": null})
    );

    // Ignore until one more user: the same user again does not reopen it, a new one does.
    let ignore = json!({"status": "ignored", "statusDetails": {"ignoreUserCount": 1}});
    assert_eq!(server.put(&path, &token, ignore).await.0, 200);
    send("u1").await;
    assert_eq!(server.get(&path, &token).await.1["status"], "ignored");
    send("u2").await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(issue["substatus"], "escalating");
    assert_eq!(issue["activity"][0]["data"]["expired_snooze"]["user_count"], 1, "{issue}");

    // Ignore for an hour: reported back as Sentry's ignoreUntil; events meanwhile keep it ignored.
    let ignore = json!({"status": "ignored", "statusDetails": {"ignoreDuration": 60}});
    let (_, issue) = server.put(&path, &token, ignore).await;
    assert!(
        issue["statusDetails"]["ignoreUntil"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{issue}"
    );
    send("u3").await;
    assert_eq!(server.get(&path, &token).await.1["status"], "ignored");

    let bad = json!({"status": "ignored", "statusDetails": {"ignoreCount": -1}});
    assert_eq!(server.put(&path, &token, bad).await.0, 400);
    let lone_window = json!({"status": "ignored", "statusDetails": {"ignoreWindow": 60}});
    assert_eq!(server.put(&path, &token, lone_window).await.0, 400);
}

/// Sends `count` error messages `text` with the official SDK and waits until they are
/// delivered.
async fn capture_many(dsn: &str, text: &'static str, count: usize) {
    let dsn = dsn.to_owned();
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, "shop@1.0");
        sentry::Hub::run(hub, || {
            for _ in 0..count {
                sentry::capture_message(text, sentry::Level::Error);
            }
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its events");
    })
    .await
    .expect("SDK thread");
}

/// Sentry's "archive until escalating": an issue archived so comes back, escalating, in the
/// hour it has more events than its forecast allows (for an issue with less than a week of
/// history, ten times its busiest hour), and not before.
#[tokio::test(flavor = "multi_thread")]
async fn archived_until_escalating_comes_back_past_its_forecast() {
    // The count is of the current hour: not across an hour's end.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    if secs % 3_600 > 3_570 {
        tokio::time::sleep(Duration::from_secs(3_600 - secs % 3_600 + 1)).await;
    }
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    capture_many(&dsn, "checkout failed", 1).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let path = format!("/api/0/issues/{}/", issues[0]["id"].as_str().expect("id"));

    let archive = json!({"status": "ignored", "substatus": "archived_until_escalating",
                         "statusDetails": {}});
    let (status, issue) = server.put(&path, &token, archive).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["substatus"], "archived_until_escalating");
    // One event this hour so far: the forecast allows ten in an hour.
    capture_many(&dsn, "checkout failed", 9).await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!((issue["status"].clone(), issue["count"].clone()), (json!("ignored"), json!("10")));
    capture_many(&dsn, "checkout failed", 1).await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(
        (issue["status"].clone(), issue["substatus"].clone()),
        (json!("unresolved"), json!("escalating")),
        "{issue}"
    );
    let escalated = issue["activity"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["type"] == "set_escalating"))
        .expect("Sentry's set_escalating activity");
    assert_eq!(escalated["data"]["forecast"], 10, "{escalated}");
    assert_eq!(escalated["user"], Value::Null);
    assert_eq!(issue["inbox"]["reason"], 5, "for review again: {issue}");
    // Who archived it takes part in it, and hears that it escalates.
    let (_, notifications) = server.get("/api/0/users/me/notifications/", &token).await;
    let kinds: Vec<&str> = notifications
        .as_array()
        .map(|list| list.iter().filter_map(|n| n["type"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"set_escalating"), "{notifications}");

    // With a condition of its own, the condition decides.
    let archive = json!({"status": "ignored", "substatus": "archived_until_escalating",
                         "statusDetails": {"ignoreCount": 100}});
    let (_, issue) = server.put(&path, &token, archive).await;
    assert_eq!(issue["substatus"], "archived_until_condition_met", "{issue}");
    capture_many(&dsn, "checkout failed", 12).await;
    assert_eq!(server.get(&path, &token).await.1["status"], "ignored");
}

#[tokio::test(flavor = "multi_thread")]
async fn ignored_until_a_count_within_a_window_counts_only_recent_events() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Shop").await;
    let (key, project_id) = server.project_key(&token, "shop").await;
    let url = format!("{}/api/{project_id}/store/?sentry_key={key}", server.url);
    // Events of one issue that happened `minutes_ago`.
    let send = |minutes_ago: i64, user: &'static str| {
        let at = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
        let body = json!({
            "message": "checkout failed", "fingerprint": ["checkout"], "user": {"id": user},
            "timestamp": at.to_rfc3339(),
        });
        let request = server.http.post(&url).json(&body).send();
        async move { assert_eq!(request.await.expect("HTTP").status(), 200) }
    };
    send(0, "u1").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let path = format!("/api/0/issues/{}/", issues[0]["id"].as_str().expect("id"));

    // Until 3 events within an hour: two events of three hours ago and one now make three
    // more events, but only one within the hour.
    let ignore =
        json!({"status": "ignored", "statusDetails": {"ignoreCount": 3, "ignoreWindow": 60}});
    let (status, issue) = server.put(&path, &token, ignore).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["statusDetails"]["ignoreWindow"], 60, "{issue}");
    send(180, "u1").await;
    send(180, "u1").await;
    send(0, "u1").await;
    assert_eq!(server.get(&path, &token).await.1["status"], "ignored");
    // The first event (now) is in the window too: this is the third within the hour.
    send(0, "u1").await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(issue["substatus"], "escalating");
    let expired = &issue["activity"][0]["data"]["expired_snooze"];
    assert_eq!((expired["count"].clone(), expired["window"].clone()), (json!(3), json!(60)));

    // Until 2 users within an hour: an old event of a new user does not count.
    let ignore = json!({
        "status": "ignored", "statusDetails": {"ignoreUserCount": 2, "ignoreUserWindow": 60},
    });
    assert_eq!(server.put(&path, &token, ignore).await.0, 200);
    send(180, "old-user").await;
    assert_eq!(server.get(&path, &token).await.1["status"], "ignored");
    send(0, "u2").await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(issue["substatus"], "escalating");
    let expired = &issue["activity"][0]["data"]["expired_snooze"];
    assert_eq!(
        (expired["user_count"].clone(), expired["user_window"].clone()),
        (json!(2), json!(60))
    );
}

/// Sends, with the official SDK, the same error as [`send_error_with_breadcrumbs`] from
/// `release`.
fn send_error_in(dsn: &str, release: &str) {
    let (hub, client) = sentry_hub(dsn, release);
    sentry::Hub::run(hub, || {
        let err = "forty-two".parse::<i32>().expect_err("not a number");
        sentry::capture_error(&err);
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
}

#[tokio::test(flavor = "multi_thread")]
async fn resolved_in_a_release_regresses_only_from_that_release_on() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let send = |release: &'static str| {
        let dsn = dsn.clone();
        async move {
            tokio::task::spawn_blocking(move || send_error_in(&dsn, release)).await.expect("SDK")
        }
    };
    send("backend@1.0.0").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let path = format!("/api/0/issues/{}/", issues[0]["id"].as_str().expect("id"));
    let status_of = |issue: &Value| (issue["status"].clone(), issue["count"].clone());

    // Fixed in 1.1.0: the old release still failing is expected; 1.1.0 failing is a regression.
    let resolve = json!({"status": "resolved", "statusDetails": {"inRelease": "backend@1.1.0"}});
    let (status, issue) = server.put(&path, &token, resolve).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["statusDetails"]["inRelease"], "backend@1.1.0");
    send("backend@1.0.0").await;
    assert_eq!(status_of(&server.get(&path, &token).await.1), (json!("resolved"), json!("2")));
    send("backend@1.1.0").await;
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(
        (issue["status"].clone(), issue["substatus"].clone()),
        (json!("unresolved"), json!("regressed"))
    );
    assert_eq!(issue["activity"][0]["data"]["version"], "backend@1.1.0");

    // Fixed in the next release: the current one (1.1.0) may still fail, 1.10.0 may not
    // (semantic versions: 1.10.0 comes after 1.9.0, not before 1.2.0).
    let resolve = json!({"status": "resolvedInNextRelease"});
    let (_, issue) = server.put(&path, &token, resolve).await;
    assert_eq!(issue["status"], "resolved");
    assert_eq!(issue["statusDetails"]["inNextRelease"], true);
    assert_eq!(issue["statusDetails"]["currentRelease"], "backend@1.1.0");
    send("backend@1.1.0").await;
    assert_eq!(status_of(&server.get(&path, &token).await.1), (json!("resolved"), json!("4")));
    send("backend@1.10.0").await;
    assert_eq!(server.get(&path, &token).await.1["substatus"], "regressed");

    let both =
        json!({"status": "resolved", "statusDetails": {"inRelease": "x", "inNextRelease": true}});
    assert_eq!(server.put(&path, &token, both).await.0, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_issue_takes_its_events_and_the_next_event_opens_a_new_one() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let sdk_dsn = dsn.clone();
    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&sdk_dsn)).await.expect("SDK");
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let id = issues[0]["id"].as_str().expect("id").to_owned();
    let (_, latest) = server.get(&format!("/api/0/issues/{id}/events/latest/"), &token).await;
    let event_id = latest["eventID"].as_str().expect("event id").to_owned();

    let delete = |token: String| {
        let request =
            server.http.delete(format!("{}/api/0/issues/{id}/", server.url)).bearer_auth(token);
        async move { request.send().await.expect("HTTP").status().as_u16() }
    };
    let reader =
        server.cli(&["createtoken", "--email", "owner@example.com", "--scope", "event:read"]);
    assert_eq!(delete(reader.trim().to_owned()).await, 403);
    assert_eq!(delete(token.clone()).await, 202);
    assert_eq!(delete(token.clone()).await, 404);
    assert_eq!(server.get(&format!("/api/0/issues/{id}/"), &token).await.0, 404);
    let event_path = format!("/api/0/projects/cairn/backend/events/{event_id}/");
    assert_eq!(server.get(&event_path, &token).await.0, 404);

    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&dsn)).await.expect("SDK");
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    assert_ne!(issues[0]["id"], id.as_str());
    assert_eq!(
        (issues[0]["count"].clone(), issues[0]["shortId"].clone()),
        (json!("1"), json!("BACKEND-2"))
    );
}

/// A running server whose `Backend` project got the same SDK error twice: one issue, two
/// events. Returns the server, an owner token and the issue list.
async fn server_with_one_issue_of_two_events() -> (TestServer, String, Vec<Value>) {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    for _ in 0..2 {
        let dsn = dsn.clone();
        tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&dsn)).await.expect("SDK");
    }
    let issues = server
        .wait_for_issues(&token, |issues| issues.first().is_some_and(|i| i["count"] == "2"))
        .await;
    (server, token, issues)
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_events_come_a_page_at_a_time_with_sentrys_cursors() {
    let (server, token, issues) = server_with_one_issue_of_two_events().await;
    let id = issues[0]["id"].as_str().expect("id");
    let page = |query: String| {
        let url = format!("{}/api/0/organizations/cairn/issues/{id}/events/{query}", server.url);
        let (http, token) = (server.http.clone(), token.clone());
        async move {
            let response = http.get(url).bearer_auth(token).send().await.expect("HTTP");
            let status = response.status().as_u16();
            let link = response
                .headers()
                .get("link")
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (status, link, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, link, first) = page("?per_page=1".into()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first.as_array().map(Vec::len), Some(1));
    assert!(link.contains("rel=\"previous\"; results=\"false\""), "{link}");
    assert!(link.contains("rel=\"next\"; results=\"true\"; cursor=\"0:1:0\""), "{link}");
    let (status, link, second) = page("?per_page=1&cursor=0:1:0".into()).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(first[0]["eventID"], second[0]["eventID"]);
    assert!(link.contains("rel=\"previous\"; results=\"true\"; cursor=\"0:0:1\""), "{link}");
    assert!(link.contains("rel=\"next\"; results=\"false\""), "{link}");
    // Newest first: the first page's event is the latest.
    let (_, latest) = server.get(&format!("/api/0/issues/{id}/events/latest/"), &token).await;
    assert_eq!(first[0]["eventID"], latest["eventID"]);
    for bad in ["?cursor=nonsense", "?per_page=0", "?per_page=1000"] {
        let (status, _, body) = page(bad.into()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["detail"].is_string(), "{body}");
    }

    // The details carry Sentry's stats (24 hours, 30 days) and the first and last release.
    let (_, details) =
        server.get(&format!("/api/0/organizations/cairn/issues/{id}/"), &token).await;
    let hourly = details["stats"]["24h"].as_array().cloned().unwrap_or_default();
    let daily = details["stats"]["30d"].as_array().cloned().unwrap_or_default();
    assert_eq!((hourly.len(), daily.len()), (24, 30), "{details}");
    assert_eq!(hourly.iter().map(|b| b[1].as_i64().unwrap_or(0)).sum::<i64>(), 2, "{details}");
    assert_eq!(daily.iter().map(|b| b[1].as_i64().unwrap_or(0)).sum::<i64>(), 2);
    assert_eq!(details["firstRelease"]["version"], "backend@1.0.0");
    assert_eq!(details["lastRelease"]["version"], "backend@1.0.0");
}

/// `/store/` as SDKs older than envelopes used it, each form Relay still takes: the route
/// without a project id, the event as an image request's query string, base64 and
/// zlib-compressed bodies (raven-python), Python's `NaN`, and transactions.
#[tokio::test(flavor = "multi_thread")]
async fn store_takes_what_sdks_older_than_envelopes_sent() {
    use base64::Engine as _;
    use std::io::Write as _;

    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Legacy").await;
    let (key, project_id) = server.project_key(&token, "legacy").await;
    let auth =
        |client: &str| format!("Sentry sentry_version=7, sentry_client={client}, sentry_key={key}");
    let post = |path: String, client: &str, body: Vec<u8>| {
        let request = server
            .http
            .post(format!("{}{path}", server.url))
            .header("x-sentry-auth", auth(client))
            .body(body)
            .send();
        async move {
            let response = request.await.expect("HTTP");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let event = |message: &str| json!({"message": message, "fingerprint": [message]}).to_string();

    // The route without a project id: the key names the project.
    let (status, body) =
        post("/api/store/".into(), "raven-js/3.27.0", event("no project id").into()).await;
    assert_eq!(status, 200, "{body}");
    // raven-python's body: base64 of zlib-compressed JSON; and base64 of the JSON itself.
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(event("base64 of zlib").as_bytes()).expect("compress");
    let encoded = base64::engine::general_purpose::STANDARD.encode(zlib.finish().expect("zlib"));
    let store = format!("/api/{project_id}/store/");
    let (status, body) = post(store.clone(), "raven-python/6.10.0", encoded.into()).await;
    assert_eq!(status, 200, "{body}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(event("base64 of JSON"));
    assert_eq!(post(store.clone(), "raven-python/6.10.0", encoded.into()).await.0, 200);
    // Python writes NaN and Infinity into JSON: taken from Python SDKs, as Relay takes them.
    let nan = r#"{"message": "python nan", "fingerprint": ["python nan"], "extra": {"ratio": NaN, "limit": -Infinity}}"#;
    let (status, body) = post(store.clone(), "raven-python/6.10.0", nan.into()).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(store.clone(), "sentry.javascript.node/7.0.0", nan.into()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.starts_with("invalid JSON data")), "{body}");

    // The event in an image request's query string, answered with a transparent GIF; with and
    // without the project id in the path.
    for path in [format!("/api/{project_id}/store/"), "/api/store/".to_owned()] {
        let message = format!("image request to {path}");
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("sentry_version", "7")
            .append_pair("sentry_client", "raven-js/3.27.0")
            .append_pair("sentry_key", &key)
            .append_pair("sentry_data", &event(&message))
            .finish();
        let response =
            server.http.get(format!("{}{path}?{query}", server.url)).send().await.expect("HTTP");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/gif");
        let pixel = response.bytes().await.expect("body");
        assert!(pixel.starts_with(b"GIF89a"), "{pixel:?}");
    }
    let without_data = format!("{}/api/{project_id}/store/?sentry_key={key}", server.url);
    let response = server.http.get(without_data).send().await.expect("HTTP");
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>().await.expect("JSON")["detail"], "empty request body");

    // A transaction sent as an event is kept as a transaction, not grouped into an issue.
    let transaction = json!({
        "type": "transaction", "transaction": "/checkout", "event_id": "0123456789abcdef0123456789abcdef",
        "start_timestamp": 1_700_000_000.0, "timestamp": 1_700_000_001.0,
        "contexts": {"trace": {"trace_id": "4c79f60c11214eb38604f4ae0781bfb2", "span_id": "fa90fdead5f74052"}},
        "request": {"headers": {"Authorization": "Bearer secret-token"}},
    });
    let (status, body) =
        post(store.clone(), "sentry-python/0.10.0", transaction.to_string().into()).await;
    assert_eq!((status, &body["id"]), (200, &json!("0123456789abcdef0123456789abcdef")));

    let mut expected: Vec<String> = [
        "base64 of JSON",
        "base64 of zlib",
        "image request to /api/store/",
        "no project id",
        "python nan",
    ]
    .map(String::from)
    .into();
    expected.push(format!("image request to /api/{project_id}/store/"));
    expected.sort_unstable();
    let issues = server.wait_for_issues(&token, |issues| issues.len() >= expected.len()).await;
    let mut titles: Vec<String> =
        issues.iter().filter_map(|i| i["title"].as_str().map(String::from)).collect();
    titles.sort_unstable();
    assert_eq!(titles, expected);
    let nan_issue = issues.iter().find(|i| i["title"] == "python nan").expect("the NaN event");
    let path = format!("/api/0/issues/{}/events/latest/", nan_issue["id"].as_str().expect("id"));
    let (_, latest) = server.get(&path, &token).await;
    assert_eq!(latest["context"]["ratio"], Value::Null, "{latest}");
    let pool = server.database().await;
    let (items, payload): (i64, Vec<u8>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(payload) FROM envelope_items
         WHERE item_type = 'transaction' AND event_id = '0123456789abcdef0123456789abcdef'",
    )
    .fetch_one(&pool)
    .await
    .expect("envelope_items is readable");
    pool.close().await;
    assert_eq!(items, 1);
    let payload: Value = serde_json::from_slice(&payload).expect("the transaction's JSON");
    assert_eq!(payload["transaction"], "/checkout");
    assert_ne!(payload["request"]["headers"]["Authorization"], "Bearer secret-token", "scrubbed");
}

/// An unhandled panic as the official SDK's panic integration reports it, from a user the SDK
/// asks Cairn to fill in the address of (`{{auto}}`, as `send_default_pii` does), with an SDK
/// tag named as one Sentry keeps for itself.
fn send_panic_from_an_auto_ip_user(dsn: &str) {
    use sentry::protocol::{Event, Exception, IpAddress, Level, Mechanism, User};
    let (hub, client) = sentry_hub(dsn, "shop@1.0.0");
    sentry::Hub::run(hub, || {
        sentry::configure_scope(|scope| {
            scope.set_user(Some(User { ip_address: Some(IpAddress::Auto), ..Default::default() }));
            scope.set_tag("release", "spoofed");
            scope.set_tag("customer", "gold");
        });
        let exception = Exception {
            ty: "panic".into(),
            value: Some("index out of bounds".into()),
            mechanism: Some(Mechanism {
                ty: "panic".into(),
                handled: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        };
        sentry::capture_event(Event {
            exception: vec![exception].into(),
            level: Level::Fatal,
            logger: Some("shop::cart".into()),
            transaction: Some("POST /cart".into()),
            ..Default::default()
        });
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "delivered");
}

#[tokio::test(flavor = "multi_thread")]
async fn sentrys_tags_and_the_clients_address_are_derived_from_the_event() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;

    let sdk_dsn = dsn.clone();
    tokio::task::spawn_blocking(move || send_panic_from_an_auto_ip_user(&sdk_dsn))
        .await
        .expect("SDK thread");
    // A browser's error through a proxy, as the JavaScript SDK sends it: no user at all (Relay
    // gives browser events the client's address), the page's URL with its query, and no
    // browser or OS context, only the `User-Agent` header they are read from.
    let (key, project_id) = server.project_key(&token, "shop").await;
    let browser_event = json!({
        "platform": "javascript",
        "message": "Cannot read properties of undefined",
        "request": {"url": "https://shop.example.com/cart?coupon=X#top", "headers": {"User-Agent": CHROME_ON_WINDOWS}},
    });
    let response = server
        .http
        .post(format!("{}/api/{project_id}/envelope/", server.url))
        .header("X-Sentry-Auth", format!("Sentry sentry_key={key}, sentry_version=7"))
        .header("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
        .body(format!("{{}}\n{{\"type\":\"event\"}}\n{browser_event}\n"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);

    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let issue_id = |title: &str| {
        let issue = issues.iter().find(|i| i["title"] == title).expect(title);
        issue["id"].as_str().expect("id").to_owned()
    };
    let panic = issue_id("panic: index out of bounds");
    let browser = issue_id("Cannot read properties of undefined");

    // The SDK's `{{auto}}` is the loopback client's address, and the user is known by it.
    let (_, event) = server.get(&format!("/api/0/issues/{panic}/events/latest/"), &token).await;
    assert_eq!(event["user"]["ip_address"], "127.0.0.1", "{:#}", event["user"]);
    let tags: Vec<(String, String)> = event["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| (t["key"].as_str().unwrap_or("").into(), t["value"].as_str().unwrap_or("").into()))
        .collect();
    let tag = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(tag("handled"), Some("no"), "{tags:?}");
    assert_eq!(tag("mechanism"), Some("panic"));
    assert_eq!(tag("logger"), Some("shop::cart"));
    assert_eq!(tag("transaction"), Some("POST /cart"));
    assert_eq!(tag("level"), Some("fatal"));
    assert_eq!(tag("customer"), Some("gold"));
    assert_eq!(tag("release"), Some("shop@1.0.0"), "the SDK's `release` tag is not kept");
    // The SDK's own contexts: the operating system, and Rust as a runtime under its own key.
    assert!(tag("os.name").is_some_and(|os| !os.is_empty()), "{tags:?}");
    assert!(tag("rust.name").is_some(), "{tags:?}");

    // Counted per issue like any tag: the facets, the user, and search by them.
    let (_, facets) = server.get(&format!("/api/0/issues/{browser}/tags/"), &token).await;
    let facet = |key: &str| {
        facets
            .as_array()
            .and_then(|f| f.iter().find(|t| t["key"] == key))
            .map(|t| t["topValues"][0]["value"].as_str().unwrap_or("").to_owned())
    };
    assert_eq!(facet("browser").as_deref(), Some("Chrome 120.0.6099"), "{facets:#}");
    assert_eq!(facet("browser.name").as_deref(), Some("Chrome"));
    assert_eq!(facet("os").as_deref(), Some("Windows 10"));
    let (_, event) = server.get(&format!("/api/0/issues/{browser}/events/latest/"), &token).await;
    assert_eq!(event["contexts"]["browser"]["name"], "Chrome", "{:#}", event["contexts"]);
    assert_eq!(event["contexts"]["os"]["version"], "10");
    assert_eq!(facet("url").as_deref(), Some("https://shop.example.com/cart"));
    assert_eq!(facet("user").as_deref(), Some("ip:203.0.113.9"), "the forwarded address");
    for (query, expected) in [
        ("handled:no", &panic),
        ("browser.name:Chrome", &browser),
        ("transaction:\"POST /cart\"", &panic),
        ("user.ip:203.0.113.9", &browser),
    ] {
        let path = format!("/api/0/organizations/cairn/issues/?query={}", urlencode(query));
        let (status, found) = server.get(&path, &token).await;
        assert_eq!(status, 200, "{found}");
        let ids: Vec<&str> =
            found.as_array().into_iter().flatten().filter_map(|i| i["id"].as_str()).collect();
        assert_eq!(ids, vec![expected.as_str()], "{query}");
    }
}

const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36";

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A browser's CSP report through a proxy: the reporting browser is the event's user, with the
/// client's address (a report is a `javascript` event, which Relay gives the client's address),
/// and its browser is read from the report's `User-Agent`.
#[tokio::test(flavor = "multi_thread")]
async fn a_security_report_is_the_reporting_browsers() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Web").await;
    let (key, project_id) = server.project_key(&token, "web").await;
    let report = json!({"csp-report": {
        "document-uri": "https://shop.example.com/cart",
        "effective-directive": "script-src",
        "blocked-uri": "https://evil.example/x.js"
    }});
    let response = server
        .http
        .post(format!("{}/api/{project_id}/security/?sentry_key={key}", server.url))
        .header("Content-Type", "application/csp-report")
        .header("User-Agent", CHROME_ON_WINDOWS)
        .header("X-Forwarded-For", "198.51.100.4")
        .body(report.to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);

    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    assert_eq!(issues[0]["title"], "Blocked 'script' from 'evil.example'");
    let id = issues[0]["id"].as_str().expect("id");
    let (_, event) = server.get(&format!("/api/0/issues/{id}/events/latest/"), &token).await;
    assert_eq!(event["user"]["ip_address"], "198.51.100.4", "{:#}", event["user"]);
    assert_eq!(event["contexts"]["browser"]["name"], "Chrome", "{:#}", event["contexts"]);
}

/// Under load the server keeps issue counters in memory for up to a second, but a client that
/// reads through the API right after its events' `200`s sees every one of them counted: the
/// API has the counters written first. (The database file alone lags behind meanwhile.)
#[tokio::test(flavor = "multi_thread")]
async fn counts_read_right_after_a_burst_include_every_acknowledged_event() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let key = dsn.split("://").nth(1).and_then(|s| s.split('@').next()).expect("key").to_owned();
    let project_id = dsn.rsplit('/').next().expect("project id").to_owned();
    let url = format!("{}/api/{project_id}/store/?sentry_key={key}", server.url);
    let event = |i: usize| {
        json!({
            "message": "checkout failed",
            "level": "error",
            "tags": {"shard": (i % 3).to_string()},
            "user": {"id": format!("user-{}", i % 5)},
        })
    };
    // The issue exists first (its first event takes the slow lane, which writes counters).
    let first = server.http.post(&url).json(&event(0)).send().await.expect("sent");
    assert_eq!(first.status(), 200);

    let mut lagged = false;
    let mut sent = 1;
    for round in 0..5 {
        // 32 requests at once: the writer commits them together, several per commit.
        let burst: Vec<_> = (0..32)
            .map(|i| {
                let request = server.http.post(&url).json(&event(round * 32 + i + 1));
                tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
            })
            .collect();
        for request in burst {
            assert_eq!(request.await.expect("joined").expect("sent"), 200);
        }
        sent += 32;
        // What the file has now, before anyone asks the API.
        let pool = server.database().await;
        let on_disk: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(times_seen), 0) FROM issues")
            .fetch_one(&pool)
            .await
            .expect("times seen");
        pool.close().await;
        lagged |= on_disk < sent as i64;

        let (status, issues) = server.get("/api/0/organizations/cairn/issues/", &token).await;
        assert_eq!(status, 200, "{issues}");
        assert_eq!(issues[0]["count"], sent.to_string(), "round {round}: {issues}");
        assert_eq!(issues[0]["userCount"], 5, "round {round}");
        let issue_id = issues[0]["id"].as_str().expect("id").to_owned();
        let (_, shard) = server.get(&format!("/api/0/issues/{issue_id}/tags/shard/"), &token).await;
        let counted: i64 = shard["topValues"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v["count"].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(counted, sent as i64, "round {round}: {shard}");
    }
    // Checks that the bursts did leave counters in memory, which the API then wrote: without
    // that, the test above would pass without testing anything.
    assert!(lagged, "every burst's counters were on disk before the API was asked");
}

/// `cairn` turns transparent huge pages off for itself (mimalloc's arenas held a third of its
/// memory in partly used 2 MiB pages): the kernel's own record of the running server says so.
#[tokio::test(flavor = "multi_thread")]
async fn the_server_runs_without_transparent_huge_pages() {
    let server = TestServer::start();
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .expect("the server's /proc status");
    let thp = status.lines().find_map(|line| line.strip_prefix("THP_enabled:"));
    assert_eq!(thp.map(str::trim), Some("0"), "THP_enabled of {status}");
}
