//! User feedback: an SDK's `user_report` item (the Python SDK's `capture_user_feedback`, sent
//! in an envelope of its own that names the event in its payload only) and `feedback` items
//! (the JavaScript SDKs' `captureFeedback`, with or without `associatedEventId`), listed for
//! the issue of their event and for the project, in Sentry's `UserReport` shape.

use serde_json::{json, Value};

use crate::common::{capture_message, TestServer};

/// The Node SDK's feedback envelope (tests/fixtures), its feedback pointing at `event_id` when
/// one is given, with a fresh id of its own.
fn node_feedback(event_id: Option<&str>, message: &str) -> (Value, Value) {
    let fixture = include_str!("../fixtures/sdk/node/feedback.body");
    let mut lines = fixture.lines();
    let mut header: Value = serde_json::from_str(lines.next().expect("header")).expect("JSON");
    let mut payload: Value = serde_json::from_str(lines.nth(1).expect("payload")).expect("JSON");
    let own_id = uuid::Uuid::new_v4().simple().to_string();
    header["event_id"] = json!(own_id);
    header.as_object_mut().expect("object").remove("trace");
    payload["event_id"] = json!(own_id);
    payload["contexts"]["feedback"]["message"] = json!(message);
    if let Some(event_id) = event_id {
        payload["contexts"]["feedback"]["associated_event_id"] = json!(event_id);
    }
    (header, payload)
}

#[tokio::test(flavor = "multi_thread")]
async fn user_feedback_is_listed_for_its_issue_and_its_project() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;

    // The error the feedback is about, sent by the official SDK.
    let event_id = capture_message(&dsn, "shop@1.0.0", "Checkout failed").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    let short_id = issues[0]["shortId"].as_str().expect("short id").to_owned();

    // A user report with the event id in its payload only (dashes and all), then feedback
    // that names the event, then feedback about no event.
    let report = json!({
        "event_id": uuid::Uuid::parse_str(&event_id).expect("uuid").hyphenated().to_string(),
        "name": "Jane <b>Doe</b>",
        "email": "jane@example.com",
        "comments": "I clicked <script>alert(1)</script> and it broke",
    });
    server.post_envelope(&dsn, [("user_report", report.clone())]).await;
    let (header, feedback) = node_feedback(Some(&event_id), "The checkout button does nothing");
    server.post_envelope_with(&dsn, header, [("feedback", feedback)]).await;
    let (header, standalone) = node_feedback(None, "Love the new design");
    server.post_envelope_with(&dsn, header, [("feedback", standalone.clone())]).await;

    let expected_issue = json!({"id": issue_id, "shortId": short_id, "title": "Checkout failed"});
    for path in [
        format!("/api/0/issues/{issue_id}/user-reports/"),
        format!("/api/0/organizations/cairn/issues/{issue_id}/user-reports/"),
        format!("/api/0/organizations/cairn/issues/{short_id}/user-reports/"),
    ] {
        let (status, reports) = server.get(&path, &token).await;
        assert_eq!(status, 200, "{path}: {reports}");
        let reports = reports.as_array().cloned().expect("a list");
        assert_eq!(reports.len(), 2, "{path}: the two about the event, newest first: {reports:#?}");
        let (newest, oldest) = (&reports[0], &reports[1]);
        assert_eq!(newest["comments"], "The checkout button does nothing");
        assert_eq!(newest["name"], "Jane");
        assert_eq!(newest["email"], "jane@example.com");
        assert_eq!(oldest["comments"], report["comments"], "kept as sent: the dashboard escapes");
        assert_eq!(oldest["name"], "Jane <b>Doe</b>");
        for listed in &reports {
            assert_eq!(listed["eventID"], event_id.as_str());
            assert_eq!(listed["event"], json!({"eventID": event_id, "id": null}));
            assert_eq!(listed["issue"], expected_issue);
            assert_eq!(listed["user"], Value::Null);
            assert!(listed["id"].as_str().is_some_and(|id| id.parse::<i64>().is_ok()));
            let date = listed["dateCreated"].as_str().expect("dateCreated");
            chrono::DateTime::parse_from_rfc3339(date).expect("ISO 8601");
        }
    }

    let (status, details) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["userReportCount"], 2);

    let (status, reports) = server.get("/api/0/projects/cairn/shop/user-feedback/", &token).await;
    assert_eq!(status, 200, "{reports}");
    let comments: Vec<&str> =
        reports.as_array().expect("a list").iter().filter_map(|r| r["comments"].as_str()).collect();
    assert_eq!(
        comments,
        [
            "Love the new design",
            "The checkout button does nothing",
            report["comments"].as_str().expect("text")
        ]
    );
    assert_eq!(reports[0]["issue"], Value::Null, "feedback about no event has no issue");
    assert_eq!(reports[0]["eventID"], standalone["event_id"], "its own id");
    assert_eq!(reports[1]["issue"], expected_issue);

    // An unknown project is 404.
    let (status, _) = server.get("/api/0/projects/cairn/nope/user-feedback/", &token).await;
    assert_eq!(status, 404);
}

/// The URL `Sentry.showReportDialog()` loads (`@sentry/core`'s `getReportDialogEndpoint`: the
/// DSN as it is, the other options URI-encoded).
fn report_dialog_url(server: &TestServer, dsn: &str, event_id: &str, more: &str) -> String {
    format!("{}/api/embed/error-page/?dsn={dsn}&eventId={event_id}{more}", server.url)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_crash_report_dialog_is_served_and_keeps_what_it_is_sent() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Web").await;
    let event_id = capture_message(&dsn, "web@1.0.0", "Render failed").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();

    // The script, with the page's texts as string literals that cannot close a script element.
    let more = "&title=%3C%2Fscript%3E%3Cb%3EOops&name=Jane";
    let response = server.http.get(report_dialog_url(&server, &dsn, &event_id, more)).send().await;
    let response = response.expect("HTTP");
    assert_eq!(response.status(), 200);
    let kind = response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap_or_default();
    assert!(kind.starts_with("text/javascript"), "{kind}");
    let script = response.text().await.expect("body");
    assert!(script.contains(r#""title":"\u003c/script>\u003cb>Oops""#), "escaped title");
    assert!(script.contains(r#""name":"Jane""#) && script.contains("Submit Crash Report"));
    assert!(!script.contains("__OPTIONS__") && !script.contains("__CSS__"));

    // Bad requests get a JSON error, never a script.
    let (scheme, rest) = dsn.split_once("://").expect("a DSN");
    let unknown_key =
        format!("{scheme}://{}@{}", "0".repeat(32), rest.split_once('@').expect("@").1);
    for (url, status) in [
        (format!("{}/api/embed/error-page/?eventId={event_id}", server.url), 400),
        (report_dialog_url(&server, &dsn, "not-an-id", ""), 400),
        (report_dialog_url(&server, &unknown_key, &event_id, ""), 403),
    ] {
        let response = server.http.get(&url).send().await.expect("HTTP");
        assert_eq!(response.status().as_u16(), status, "{url}");
        let body: Value = response.json().await.expect("a JSON error");
        assert!(body["detail"].is_string(), "{url}: {body}");
    }

    // The dialog's form: an invalid one is 400, a valid one is kept as the event's report.
    let url = report_dialog_url(&server, &dsn, &event_id, "");
    let post = |form: &'static [(&'static str, &'static str)]| {
        let request = server.http.post(&url).form(form);
        async move { request.send().await.expect("HTTP").status().as_u16() }
    };
    assert_eq!(post(&[("name", "Jane"), ("email", "not an email"), ("comments", "x")]).await, 400);
    assert_eq!(post(&[("name", "Jane"), ("email", "jane@example.com")]).await, 400);
    let form = &[("name", "Jane"), ("email", "jane@example.com"), ("comments", "Blank page")];
    assert_eq!(post(form).await, 200);
    let (status, reports) =
        server.get(&format!("/api/0/issues/{issue_id}/user-reports/"), &token).await;
    assert_eq!(status, 200, "{reports}");
    assert_eq!(reports.as_array().map(Vec::len), Some(1), "{reports}");
    assert_eq!(reports[0]["comments"], "Blank page");
    assert_eq!(reports[0]["email"], "jane@example.com");
    assert_eq!(reports[0]["eventID"], event_id.as_str());

    // Sent again (a second thought, or a double click) within 5 minutes: it replaces the first.
    let form =
        &[("name", "Jane"), ("email", "jane@example.com"), ("comments", "Blank page on Pay")];
    assert_eq!(post(form).await, 200);
    let (_, reports) = server.get(&format!("/api/0/issues/{issue_id}/user-reports/"), &token).await;
    assert_eq!(reports.as_array().map(Vec::len), Some(1), "{reports}");
    assert_eq!(reports[0]["comments"], "Blank page on Pay");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_are_submitted_through_sentrys_user_feedback_api_with_a_token_or_the_dsn() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Api").await;
    let other_dsn = server.create_project(&token, "Other").await;
    let event_id = capture_message(&dsn, "api@1.0.0", "Export failed").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    let path = "/api/0/projects/cairn/api/user-feedback/";

    // With a token, answered in Sentry's shape.
    let body = json!({"event_id": event_id, "name": "Jane", "email": "jane@example.com",
        "comments": "The export never finished"});
    let (status, report) = server.post(path, &token, body).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["eventID"], event_id.as_str());
    assert_eq!(report["comments"], "The export never finished");
    assert_eq!(report["issue"]["id"], issue_id.as_str());

    // With the project's DSN, as an application's backend sends it; another project's DSN is
    // refused, and a bad field is 400 with its name.
    let with_dsn = |dsn: &str, body: Value| {
        server
            .http
            .post(format!("{}{path}", server.url))
            .header("authorization", format!("DSN {dsn}"))
            .json(&body)
    };
    let body = json!({"event_id": event_id, "name": "Joe", "email": "joe@example.com",
        "comments": "Same here"});
    let response = with_dsn(&dsn, body.clone()).send().await.expect("HTTP");
    assert_eq!(response.status(), 200);
    let response = with_dsn(&other_dsn, body).send().await.expect("HTTP");
    assert_eq!(response.status(), 403);
    let bad = json!({"event_id": event_id, "name": "Joe", "email": "joe", "comments": "x"});
    let response = with_dsn(&dsn, bad).send().await.expect("HTTP");
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.expect("a JSON error");
    assert!(error["email"].is_array() && error["detail"].is_string(), "{error}");

    // One report per event, as Sentry keeps: Joe's replaced Jane's.
    let names = || async {
        let (status, reports) =
            server.get(&format!("/api/0/issues/{issue_id}/user-reports/"), &token).await;
        assert_eq!(status, 200, "{reports}");
        let names: Vec<String> = reports
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|r| r["name"].as_str().map(str::to_owned))
            .collect();
        names
    };
    assert_eq!(names().await, ["Joe"]);

    // Sentry's windows: a report may replace another for 5 minutes, and an event takes reports
    // for 30 minutes; later, 409 with Sentry's text, here and in the crash-report dialog.
    let database = || async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(server.data_dir.path().join("cairn.db"))
            .busy_timeout(std::time::Duration::from_secs(10));
        sqlx::SqlitePool::connect_with(options).await.expect("the database opens")
    };
    let pool = database().await;
    sqlx::query("UPDATE envelope_items SET received = received - 6 * 60000")
        .execute(&pool)
        .await
        .expect("writable");
    pool.close().await;
    let late = json!({"event_id": event_id, "name": "Max", "email": "max@example.com",
        "comments": "Rewritten much later"});
    let (status, refused) = server.post(path, &token, late).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["detail"], "Feedback for this event cannot be modified.");
    assert_eq!(names().await, ["Joe"], "kept as it was");

    let old_event = capture_message(&dsn, "api@1.0.0", "Old failure").await;
    server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let pool = database().await;
    sqlx::query("UPDATE events SET timestamp = timestamp - 31 * 60000 WHERE event_id = $1")
        .bind(&old_event)
        .execute(&pool)
        .await
        .expect("writable");
    pool.close().await;
    let about_old = json!({"event_id": old_event, "name": "Ann", "email": "ann@example.com",
        "comments": "It happened a while ago"});
    let (status, refused) = server.post(path, &token, about_old).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["detail"], "Feedback for this event cannot be modified.");
    let dialog = report_dialog_url(&server, &dsn, &old_event, "");
    let form = [("name", "Ann"), ("email", "ann@example.com"), ("comments", "Still broken")];
    let response = server.http.post(&dialog).form(&form).send().await.expect("HTTP");
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["detail"], "Feedback for this event cannot be modified.");
    let (_, feedback) = server.get(path, &token).await;
    assert_eq!(feedback.as_array().map(Vec::len), Some(1), "only Joe's: {feedback}");
}

/// A page of feedback at `path` (with the token): the reports' comments, and the `Link`
/// header's next URL when it says more follow.
async fn feedback_page(
    server: &TestServer,
    url: &str,
    token: &str,
) -> (Vec<String>, Option<String>) {
    let response = server.http.get(url).bearer_auth(token).send().await.expect("HTTP");
    assert_eq!(response.status(), 200, "{url}");
    let link = response.headers()["link"].to_str().expect("ASCII").to_owned();
    let reports: Value = response.json().await.expect("JSON");
    let comments = reports
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["comments"].as_str().unwrap_or_default().to_owned())
        .collect();
    // `<url>; rel="previous"; results="..."; cursor="...", <url>; rel="next"; results="true"...`
    let next = link
        .split(", <")
        .find(|part| part.contains("rel=\"next\""))
        .filter(|part| part.contains("results=\"true\""))
        .map(|part| part.trim_start_matches('<').split('>').next().unwrap_or_default().to_owned());
    (comments, next)
}

#[tokio::test(flavor = "multi_thread")]
async fn feedback_lists_page_and_the_organizations_list_spans_its_projects() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let shop = server.create_project(&token, "Shop").await;
    let blog = server.create_project(&token, "Blog").await;
    let event_id = capture_message(&shop, "shop@1.0.0", "Checkout failed").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();

    // Three reports on the shop's error, one on a blog page (feedback about no event), each
    // in an envelope of its own, oldest first.
    for n in 1..=3 {
        let report = json!({"event_id": event_id, "name": "Jane", "email": "jane@example.com",
            "comments": format!("shop {n}")});
        server.post_envelope(&shop, [("user_report", report)]).await;
    }
    let (header, standalone) = node_feedback(None, "blog 1");
    server.post_envelope_with(&blog, header, [("feedback", standalone)]).await;

    // The organization's list: every project's, newest first, two at a time.
    let first = format!("{}/api/0/organizations/cairn/user-feedback/?per_page=2", server.url);
    let (page, next) = feedback_page(&server, &first, &token).await;
    assert_eq!(page, ["blog 1", "shop 3"]);
    let next = next.expect("a next page");
    assert!(next.contains("cursor=0:2:0") && next.contains("per_page=2"), "{next}");
    let (page, last) = feedback_page(&server, &next, &token).await;
    assert_eq!(page, ["shop 2", "shop 1"]);
    assert_eq!(last, None, "no third page");

    // One project's, by id, as Sentry's organization list filters.
    let (_, keys) = server.get("/api/0/projects/cairn/blog/keys/", &token).await;
    let blog_id = keys[0]["projectId"].as_i64().expect("project id");
    let url = format!("{}/api/0/organizations/cairn/user-feedback/?project={blog_id}", server.url);
    assert_eq!(feedback_page(&server, &url, &token).await, (vec!["blog 1".to_owned()], None));
    let url = format!("{}/api/0/organizations/cairn/user-feedback/?project=-1", server.url);
    assert_eq!(feedback_page(&server, &url, &token).await.0.len(), 4, "-1 is every project");

    // The project's and the issue's lists page the same way.
    let url =
        format!("{}/api/0/projects/cairn/shop/user-feedback/?per_page=2&cursor=0:2:0", server.url);
    assert_eq!(feedback_page(&server, &url, &token).await, (vec!["shop 1".to_owned()], None));
    let url = format!("{}/api/0/issues/{issue_id}/user-reports/?per_page=1", server.url);
    let (page, next) = feedback_page(&server, &url, &token).await;
    assert_eq!(page, ["shop 3"]);
    let (page, _) = feedback_page(&server, &next.expect("a next page"), &token).await;
    assert_eq!(page, ["shop 2"]);

    // Bad parameters are 400 naming them.
    for (query, detail) in [
        ("project=blog", "project: \"blog\" is not a project id"),
        ("per_page=101", "per_page: a number from 1 to 100 is required"),
        ("cursor=x", "cursor: invalid cursor \"x\""),
    ] {
        let path = format!("/api/0/organizations/cairn/user-feedback/?{query}");
        let (status, body) = server.get(&path, &token).await;
        assert_eq!((status, &body["detail"]), (400, &json!(detail)), "{query}: {body}");
    }
}
