//! Distributed traces: a browser's error and the backend error behind it share a trace (the
//! backend continued the `sentry-trace` header of the browser's request), so the issue page can
//! show them together. Both sent by the official `sentry` crate, as two applications.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{capture_message, sampling_sentry_hub, sentry_hub, TestServer};

/// What one distributed request left: the trace's id and the two errors' event ids.
struct Trace {
    trace_id: String,
    frontend_event: String,
    backend_event: String,
}

/// The frontend starts a transaction and fails; its request carried the transaction's
/// `sentry-trace` header, from which the backend continues the trace and fails too.
async fn fail_across_two_applications(frontend: &str, backend: &str) -> Trace {
    let (frontend, backend) = (frontend.to_owned(), backend.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&frontend, "web@1.0.0");
        let (trace_id, headers, frontend_event) = sentry::Hub::run(hub, || {
            let context = sentry::TransactionContext::new("checkout", "ui.action");
            let transaction = sentry::start_transaction(context);
            sentry::configure_scope(|scope| scope.set_span(Some(transaction.clone().into())));
            let headers: Vec<(String, String)> =
                transaction.iter_headers().map(|(k, v)| (k.to_owned(), v)).collect();
            let id = sentry::capture_message("Checkout request failed", sentry::Level::Error);
            (transaction.get_trace_context().trace_id.to_string(), headers, id)
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the frontend's event delivered");

        let (hub, client) = sentry_hub(&backend, "api@2.0.0");
        let backend_event = sentry::Hub::run(hub, || {
            let headers = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let context = sentry::TransactionContext::continue_from_headers(
                "POST /api/checkout",
                "http.server",
                headers,
            );
            let transaction = sentry::start_transaction(context);
            sentry::configure_scope(|scope| scope.set_span(Some(transaction.clone().into())));
            sentry::capture_message("Payment provider timed out", sentry::Level::Fatal)
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the backend's event delivered");
        Trace {
            trace_id: trace_id.replace('-', ""),
            frontend_event: frontend_event.simple().to_string(),
            backend_event: backend_event.simple().to_string(),
        }
    })
    .await
    .expect("SDK thread")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_errors_of_a_trace_are_found_across_projects() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let frontend = server.create_project(&token, "Frontend").await;
    let backend = server.create_project(&token, "Backend").await;

    let trace = fail_across_two_applications(&frontend, &backend).await;
    assert_eq!(trace.trace_id.len(), 32, "{}", trace.trace_id);
    // An error of the backend in a trace of its own.
    capture_message(&backend, "api@2.0.0", "Unrelated failure").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 3).await;
    let issue_of = |title: &str| {
        let issue = issues.iter().find(|i| i["title"] == title).expect(title);
        (issue["id"].as_str().expect("id").to_owned(), issue["shortId"].clone())
    };
    let (frontend_issue, frontend_short) = issue_of("Checkout request failed");
    let (backend_issue, backend_short) = issue_of("Payment provider timed out");

    // The whole trace: both errors, oldest first, from both projects.
    let path = format!("/api/0/organizations/cairn/events-trace/{}/", trace.trace_id);
    let (status, whole) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{whole}");
    assert_eq!(whole["transactions"], json!([]));
    let errors = whole["orphan_errors"].as_array().cloned().expect("orphan_errors");
    assert_eq!(errors.len(), 2, "{whole:#}");
    let (first, second) = (&errors[0], &errors[1]);
    assert_eq!(first["event_id"], trace.frontend_event.as_str());
    assert_eq!(first["project_slug"], "frontend");
    assert_eq!(first["issue_id"].to_string(), frontend_issue);
    assert_eq!(first["issue_short_id"], frontend_short);
    assert_eq!(first["title"], "Checkout request failed");
    assert_eq!(first["level"], "error");
    assert_eq!(second["event_id"], trace.backend_event.as_str());
    assert_eq!(second["project_slug"], "backend");
    assert_eq!(second["issue_id"].to_string(), backend_issue);
    assert_eq!(second["issue_short_id"], backend_short);
    assert_eq!(second["level"], "fatal");
    assert_eq!(second["message"], "Payment provider timed out");
    for error in &errors {
        assert_eq!(error["event_type"], "error");
        assert_eq!(error["generation"], 0);
        assert!(error["project_id"].as_i64().is_some(), "{error}");
        assert!(error["timestamp"].as_f64().is_some_and(|t| t > 1.7e9), "{error}");
        let span = error["span"].as_str().expect("span");
        assert_eq!(span.len(), 16, "the SDK's span id: {error}");
    }
    assert_ne!(first["span"], second["span"], "each application's own span");
    assert!(first["timestamp"].as_f64() <= second["timestamp"].as_f64());

    // Upper-case ids read the same; `limit` cuts the list.
    let upper =
        format!("/api/0/organizations/cairn/events-trace/{}/", trace.trace_id.to_uppercase());
    assert_eq!(server.get(&upper, &token).await, (200, whole.clone()));
    let (_, one) = server.get(&format!("{path}?limit=1"), &token).await;
    assert_eq!(one["orphan_errors"], json!([first]));

    // Its summary, as Sentry's trace meta counts it.
    let meta = format!("/api/0/organizations/cairn/events-trace-meta/{}/", trace.trace_id);
    assert_eq!(
        server.get(&meta, &token).await,
        (200, json!({"projects": 2, "transactions": 0, "errors": 2, "performance_issues": 0}))
    );

    // The light trace, seen from the backend's event: that error alone.
    let light = format!("/api/0/organizations/cairn/events-trace-light/{}/", trace.trace_id);
    let (status, seen) =
        server.get(&format!("{light}?event_id={}", trace.backend_event), &token).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen, json!({"transactions": [], "orphan_errors": [second]}));

    // Bad and unknown input: clear JSON errors, an empty unknown trace.
    let unknown = format!("/api/0/organizations/cairn/events-trace/{:032x}/", 7);
    assert_eq!(
        server.get(&unknown, &token).await,
        (200, json!({"transactions": [], "orphan_errors": []}))
    );
    for (path, status, detail) in [
        (format!("{path}?limit=0"), 400, "limit: a number from 1 to 1000 is required"),
        (
            format!("{path}?event_id=nope"),
            400,
            "Event ID: ID must be a 32 character hexadecimal string",
        ),
        (light.clone(), 400, "An event_id is required for the light trace"),
        (format!("{light}?event_id={:032x}", 1), 404, "The requested resource does not exist"),
        (
            "/api/0/organizations/cairn/events-trace/not-a-trace/".to_owned(),
            404,
            "The requested resource does not exist",
        ),
    ] {
        let (got, body) = server.get(&path, &token).await;
        assert_eq!((got, &body["detail"]), (status, &json!(detail)), "{path}: {body}");
    }

    // The issue search finds the trace's issues, and leaves them out when negated.
    let search = |query: String| {
        let server = &server;
        let token = &token;
        async move {
            let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
            let path = format!("/api/0/organizations/cairn/issues/?query={encoded}");
            let (status, body) = server.get(&path, token).await;
            assert_eq!(status, 200, "{query}: {body}");
            let mut titles: Vec<String> = body
                .as_array()
                .expect("a list")
                .iter()
                .map(|i| i["title"].as_str().unwrap_or_default().to_owned())
                .collect();
            titles.sort();
            titles
        }
    };
    assert_eq!(
        search(format!("trace:{}", trace.trace_id)).await,
        ["Checkout request failed", "Payment provider timed out"]
    );
    assert_eq!(search(format!("!trace:{}", trace.trace_id)).await, ["Unrelated failure"]);
    assert_eq!(
        search(format!("trace:{} level:fatal", trace.trace_id)).await,
        ["Payment provider timed out"]
    );
    let (status, body) =
        server.get("/api/0/organizations/cairn/issues/?query=trace%3A123", &token).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("not a trace id")), "{body}");

    // Another organization's error in the same trace (trace ids are the SDKs', not Cairn's) is
    // not part of this organization's trace, and this organization's trace is not theirs.
    server.cli(&["createorg", "--slug", "other", "--project", "other-project"]);
    let password = "correct horse battery";
    let user = ["createuser", "--email", "other@example.com", "--password", password];
    server.cli(&[&user[..], &["--organization", "other", "--role", "owner"]].concat());
    let outsider = server.cli(&["createtoken", "--email", "other@example.com"]).trim().to_owned();
    let (status, keys) = server.get("/api/0/projects/other/other-project/keys/", &outsider).await;
    assert_eq!(status, 200, "{keys}");
    let other_dsn = keys[0]["dsn"]["public"].as_str().expect("dsn").to_owned();
    let event = json!({
        "message": "Their own failure",
        "level": "error",
        "contexts": {"trace": {"trace_id": trace.trace_id, "span_id": "0123456789abcdef"}},
    });
    server.post_envelope(&other_dsn, [("event", event)]).await;
    let theirs = format!("/api/0/organizations/other/events-trace/{}/", trace.trace_id);
    let (status, their_trace) = server.get(&theirs, &outsider).await;
    assert_eq!(status, 200, "{their_trace}");
    let their_errors: Vec<&Value> =
        their_trace["orphan_errors"].as_array().expect("list").iter().collect();
    assert_eq!(their_errors.len(), 1, "{their_trace}");
    assert_eq!(their_errors[0]["title"], "Their own failure");
    assert_eq!(server.get(&path, &token).await, (200, whole), "unchanged by their event");
    assert_eq!(server.get(&meta, &token).await.1["errors"], 2, "nor counted");
    assert_eq!(server.get(&path, &outsider).await.0, 403, "not a member of cairn");
}

/// What a traced request left when both applications sample their transactions: the trace,
/// the two transactions and the two errors.
pub(crate) struct SampledTrace {
    pub(crate) trace_id: String,
    pub(crate) page_load: String,
    pub(crate) request: String,
    pub(crate) frontend_error: String,
    pub(crate) backend_error: String,
    /// The frontend's span of the request, the backend transaction's parent.
    pub(crate) fetch_span: String,
    /// The backend's query span, in which its error happened.
    pub(crate) query_span: String,
}

/// A page load whose fetch span calls the backend; the backend's request runs a query that
/// fails. Each application reports its error in the span it happened in, and finishes and
/// sends its transaction.
pub(crate) async fn trace_a_failing_request(frontend: &str, backend: &str) -> SampledTrace {
    let (frontend, backend) = (frontend.to_owned(), backend.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sampling_sentry_hub(&frontend, "web@1.0.0");
        let (trace_id, page_load, fetch_span, headers, frontend_error) =
            sentry::Hub::run(hub, || {
                let context = sentry::TransactionContext::new("/checkout", "pageload");
                let transaction = sentry::start_transaction(context);
                let fetch = transaction.start_child("http.client", "POST /api/checkout");
                let headers: Vec<(String, String)> =
                    fetch.iter_headers().map(|(k, v)| (k.to_owned(), v)).collect();
                let fetch_span = fetch.get_span_id().to_string();
                std::thread::sleep(Duration::from_millis(30));
                fetch.finish();
                sentry::configure_scope(|scope| scope.set_span(Some(transaction.clone().into())));
                let error = sentry::capture_message("Checkout failed", sentry::Level::Error);
                let trace_id = transaction.get_trace_context().trace_id.to_string();
                let page_load = transaction.get_trace_context().span_id.to_string();
                transaction.finish();
                (trace_id, page_load, fetch_span, headers, error.simple().to_string())
            });
        assert!(client.flush(Some(Duration::from_secs(10))), "the frontend's events delivered");

        let (hub, client) = sampling_sentry_hub(&backend, "api@2.0.0");
        let (request, query_span, backend_error) = sentry::Hub::run(hub, || {
            let headers = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let context = sentry::TransactionContext::continue_from_headers(
                "POST /api/checkout",
                "http.server",
                headers,
            );
            let transaction = sentry::start_transaction(context);
            let query =
                transaction.start_child("db.sql.query", "SELECT * FROM carts WHERE id = %s");
            let query_span = query.get_span_id().to_string();
            sentry::configure_scope(|scope| scope.set_span(Some(query.clone().into())));
            let error = sentry::capture_message("Cart query timed out", sentry::Level::Fatal);
            std::thread::sleep(Duration::from_millis(10));
            query.set_status(sentry::protocol::SpanStatus::DeadlineExceeded);
            query.finish();
            transaction.set_status(sentry::protocol::SpanStatus::InternalError);
            let request = transaction.get_trace_context().span_id.to_string();
            transaction.finish();
            (request, query_span, error.simple().to_string())
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the backend's events delivered");
        SampledTrace {
            trace_id: trace_id.replace('-', ""),
            page_load,
            request,
            frontend_error,
            backend_error,
            fetch_span,
            query_span,
        }
    })
    .await
    .expect("SDK thread")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_traces_transactions_form_a_tree_with_their_errors_and_spans() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let frontend = server.create_project(&token, "Frontend").await;
    let backend = server.create_project(&token, "Backend").await;
    let sent = trace_a_failing_request(&frontend, &backend).await;
    server.wait_for_issues(&token, |issues| issues.len() == 2).await;

    let path = format!("/api/0/organizations/cairn/events-trace/{}/", sent.trace_id);
    // Transactions are written by the same group commit as the errors, but by separate
    // requests: wait until both are in.
    let mut trace = Value::Null;
    for _ in 0..100 {
        let (status, body) = server.get(&path, &token).await;
        assert_eq!(status, 200, "{body}");
        trace = body;
        if trace["transactions"][0]["children"].as_array().is_some_and(|c| !c.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One root: the page load, which called the backend's request.
    let roots = trace["transactions"].as_array().expect("transactions");
    assert_eq!(roots.len(), 1, "{trace:#}");
    let page_load = &roots[0];
    assert_eq!(page_load["span_id"], sent.page_load.as_str());
    assert_eq!(page_load["transaction"], "/checkout");
    assert_eq!(page_load["transaction.op"], "pageload");
    assert_eq!(page_load["project_slug"], "frontend");
    assert_eq!(page_load["generation"], 0);
    assert_eq!(page_load["parent_event_id"], Value::Null);
    assert!(page_load["transaction.duration"].as_i64().is_some_and(|ms| ms >= 30), "{page_load}");
    let page_load_id = page_load["event_id"].as_str().expect("event id").to_owned();
    assert_eq!(page_load["errors"].as_array().map(Vec::len), Some(1), "{page_load}");
    assert_eq!(page_load["errors"][0]["event_id"], sent.frontend_error.as_str());

    let children = page_load["children"].as_array().expect("children");
    assert_eq!(children.len(), 1, "{page_load:#}");
    let request = &children[0];
    assert_eq!(request["span_id"], sent.request.as_str());
    assert_eq!(request["parent_span_id"], sent.fetch_span.as_str());
    assert_eq!(request["parent_event_id"], page_load_id.as_str());
    assert_eq!(request["project_slug"], "backend");
    assert_eq!(request["transaction"], "POST /api/checkout");
    assert_eq!(request["transaction.op"], "http.server");
    assert_eq!(request["transaction.status"], "internal_error");
    assert_eq!(request["generation"], 1);
    assert_eq!(request["children"], json!([]));
    // The backend's error happened in its query span, which is the request's.
    let backend_error = &request["errors"][0];
    assert_eq!(backend_error["event_id"], sent.backend_error.as_str());
    assert_eq!(backend_error["span"], sent.query_span.as_str());
    assert_eq!(backend_error["generation"], 1);
    assert_eq!(backend_error["level"], "fatal");
    assert_eq!(trace["orphan_errors"], json!([]));
    let (start, end) = (request["start_timestamp"].as_f64(), request["timestamp"].as_f64());
    assert!(start.zip(end).is_some_and(|(s, e)| s > 1.7e9 && e >= s), "{request}");

    let meta = format!("/api/0/organizations/cairn/events-trace-meta/{}/", sent.trace_id);
    assert_eq!(
        server.get(&meta, &token).await,
        (200, json!({"projects": 2, "transactions": 2, "errors": 2, "performance_issues": 0}))
    );

    // The light trace from the backend's error: its transaction between parent and children.
    let light = format!(
        "/api/0/organizations/cairn/events-trace-light/{}/?event_id={}",
        sent.trace_id, sent.backend_error
    );
    let (status, seen) = server.get(&light, &token).await;
    assert_eq!(status, 200, "{seen}");
    let ids: Vec<&str> = seen["transactions"]
        .as_array()
        .expect("transactions")
        .iter()
        .map(|t| t["span_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, [sent.page_load.as_str(), sent.request.as_str()], "{seen:#}");

    // The backend's transaction, as Sentry's event details answer it: its spans.
    let request_id = request["event_id"].as_str().expect("event id");
    let details = format!("/api/0/projects/cairn/backend/events/{request_id}/");
    let (status, event) = server.get(&details, &token).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["type"], "transaction");
    assert_eq!(event["title"], "POST /api/checkout");
    assert_eq!(event["groupID"], Value::Null);
    assert_eq!(event["contexts"]["trace"]["trace_id"], sent.trace_id.as_str());
    assert!(event["tags"].as_array().is_some_and(|tags| tags
        .iter()
        .any(|t| t["key"] == "release" && t["value"] == "api@2.0.0")));
    let spans = event["entries"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["type"] == "spans"))
        .and_then(|entry| entry["data"].as_array())
        .cloned()
        .expect("a spans entry");
    assert_eq!(spans.len(), 1, "{event:#}");
    assert_eq!(spans[0]["span_id"], sent.query_span.as_str());
    assert_eq!(spans[0]["parent_span_id"], sent.request.as_str());
    assert_eq!(spans[0]["op"], "db.sql.query");
    assert_eq!(spans[0]["description"], "SELECT * FROM carts WHERE id = %s");
    assert_eq!(spans[0]["status"], "deadline_exceeded");
    assert!(spans[0]["start_timestamp"].as_f64() <= spans[0]["timestamp"].as_f64());
    // Not in another project, and error events still read as before.
    let elsewhere = format!("/api/0/projects/cairn/frontend/events/{request_id}/");
    assert_eq!(server.get(&elsewhere, &token).await.0, 404);
    let error = format!("/api/0/projects/cairn/backend/events/{}/", sent.backend_error);
    let (status, error) = server.get(&error, &token).await;
    assert_eq!((status, &error["type"]), (200, &json!("default")), "{error}");

    // A transaction deleted (by retention, or with its project) leaves its trace with it, and
    // its errors become orphans.
    let db = server.writable_database().await;
    sqlx::query("DELETE FROM envelope_items WHERE item_type = 'transaction'")
        .execute(&db)
        .await
        .expect("deleted");
    let (status, left) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{left}");
    assert_eq!(left["transactions"], json!([]));
    assert_eq!(left["orphan_errors"].as_array().map(Vec::len), Some(2), "{left:#}");
    assert_eq!(server.get(&meta, &token).await.1["transactions"], 0);
    assert_eq!(server.get(&details, &token).await.0, 404);
}

/// Sends `count` transactions named `name` with operation `op`, each `millis` long, the
/// `failed` first of them with an internal error; with the official SDK, every one sampled.
async fn send_transactions(dsn: &str, name: &str, op: &str, millis: &[u64], failed: usize) {
    let (dsn, name, op, millis) = (dsn.to_owned(), name.to_owned(), op.to_owned(), millis.to_vec());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sampling_sentry_hub(&dsn, "api@2.0.0");
        sentry::Hub::run(hub, || {
            for (n, ms) in millis.iter().enumerate() {
                let start = std::time::SystemTime::now() - Duration::from_millis(*ms);
                let context = sentry::TransactionContext::new(&name, &op);
                let transaction = sentry::start_transaction_with_timestamp(context, start);
                if n < failed {
                    transaction.set_status(sentry::protocol::SpanStatus::InternalError);
                }
                transaction.finish_with_timestamp(start + Duration::from_millis(*ms));
            }
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the transactions delivered");
    })
    .await
    .expect("SDK thread");
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_answers_a_periods_transactions_grouped_or_one_by_one() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let backend = server.create_project(&token, "Backend").await;
    send_transactions(&backend, "GET /cart", "http.server", &[400, 100, 200, 300], 1).await;
    send_transactions(&backend, "nightly export", "queue.task", &[1_000], 0).await;

    let base = "/api/0/organizations/cairn/events/?statsPeriod=24h&query=event.type%3Atransaction";
    let grouped = format!(
        "{base}&field=transaction&field=transaction.op&field=count()&field=p50()&field=p95()\
         &field=failure_rate()&field=tpm()&sort=-count()"
    );
    let mut body = Value::Null;
    for _ in 0..100 {
        let (status, answer) = server.get(&grouped, &token).await;
        assert_eq!(status, 200, "{answer}");
        body = answer;
        let counted: i64 = body["data"]
            .as_array()
            .map_or(0, |rows| rows.iter().map(|r| r["count()"].as_i64().unwrap_or(0)).sum());
        if counted == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 2, "{body:#}");
    let cart = &data[0];
    assert_eq!(cart["transaction"], "GET /cart");
    assert_eq!(cart["transaction.op"], "http.server");
    assert_eq!(cart["count()"], 4);
    let near =
        |value: &Value, expected: f64| value.as_f64().is_some_and(|v| (v - expected).abs() < 2.0);
    assert!(near(&cart["p50()"], 200.0), "{cart}");
    assert!(near(&cart["p95()"], 400.0), "{cart}");
    assert_eq!(cart["failure_rate()"], 0.25);
    assert!(cart["tpm()"].as_f64().is_some_and(|tpm| (tpm - 4.0 / 1440.0).abs() < 1e-9), "{cart}");
    assert_eq!(data[1]["transaction"], "nightly export");
    assert_eq!(body["meta"]["fields"]["p95()"], "duration");
    assert_eq!(body["meta"]["units"]["p95()"], "millisecond");
    assert_eq!(body["meta"]["fields"]["count()"], "integer");

    // One transaction name, one row per transaction, slowest first, a page at a time.
    let listed = format!(
        "{base}%20transaction%3A%22GET%20%2Fcart%22&field=id&field=trace&field=transaction.duration\
         &field=transaction.status&field=timestamp&sort=-transaction.duration&per_page=3"
    );
    let response = server
        .http
        .get(format!("{}{listed}", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status().as_u16(), 200);
    let link = response.headers()["link"].to_str().expect("link").to_owned();
    let page: Value = response.json().await.expect("json");
    let rows = page["data"].as_array().expect("data");
    let durations: Vec<i64> =
        rows.iter().map(|r| r["transaction.duration"].as_i64().unwrap_or(-1)).collect();
    assert_eq!(rows.len(), 3, "{page:#}");
    assert!(durations.windows(2).all(|w| w[0] >= w[1]), "{durations:?}");
    assert!((399..=401).contains(&durations[0]), "{durations:?}");
    assert!(rows.iter().all(|r| r["id"].as_str().is_some_and(|id| id.len() == 32)));
    assert!(rows.iter().all(|r| r["trace"].as_str().is_some_and(|id| id.len() == 32)));
    assert_eq!(rows[0]["transaction.status"], "internal_error", "the slowest failed: {page:#}");
    assert!(link.contains("rel=\"next\"; results=\"true\""), "{link}");
    // Each row's trace is the trace page's.
    let trace = rows[0]["trace"].as_str().expect("trace");
    let (status, whole) =
        server.get(&format!("/api/0/organizations/cairn/events-trace/{trace}/"), &token).await;
    assert_eq!(status, 200, "{whole}");
    assert_eq!(whole["transactions"][0]["event_id"], rows[0]["id"]);

    // Filters on the operation and status, negated.
    let (_, failed) = server
        .get(
            &format!("{base}%20!transaction.status%3Aunknown&field=transaction&field=count()"),
            &token,
        )
        .await;
    assert_eq!(failed["data"], json!([{"transaction": "GET /cart", "count()": 1}]), "{failed:#}");
    let (_, tasks) = server
        .get(&format!("{base}%20transaction.op%3Aqueue.*&field=id&field=transaction"), &token)
        .await;
    assert_eq!(tasks["data"].as_array().map(Vec::len), Some(1), "{tasks:#}");

    // The SDK's environment and release: a parameter, a field, a search term.
    let (_, by_release) = server
        .get(
            &format!("{base}&environment=test&field=release&field=environment&field=count()"),
            &token,
        )
        .await;
    assert_eq!(
        by_release["data"],
        json!([{"release": "api@2.0.0", "environment": "test", "count()": 5}]),
        "{by_release:#}"
    );
    let (_, elsewhere) =
        server.get(&format!("{base}&environment=production&field=id"), &token).await;
    assert_eq!(elsewhere["data"], json!([]));
    let (_, other_release) =
        server.get(&format!("{base}%20!release%3Aapi%402.*&field=id"), &token).await;
    assert_eq!(other_release["data"], json!([]));

    // What Cairn does not answer here is a clear 400.
    for (query, detail) in [
        ("field=id", "query: Cairn answers transactions here"),
        ("field=id&dataset=errors", "dataset: Cairn answers the transactions dataset"),
        ("field=message&dataset=transactions", "field: \"message\" is not one Cairn answers"),
        ("field=id&field=count()&dataset=transactions", "field: \"id\" cannot be grouped by"),
        ("field=id&dataset=transactions&query=is%3Aunresolved", "query: Cairn's transactions take"),
    ] {
        let (status, body) =
            server.get(&format!("/api/0/organizations/cairn/events/?{query}"), &token).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| d.starts_with(detail)), "{query}: {body}");
    }
}
