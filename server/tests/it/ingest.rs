//! Ingestion end to end with the official `sentry` crate.

use crate::common::{send_error_with_breadcrumbs, TestServer};

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
