//! The issue stream's live updates (`GET /api/0/organizations/{org}/live/`): server-sent events
//! over real HTTP, fed by events from the official `sentry` crate.

use std::time::Duration;

use serde_json::Value;

use crate::common::{send_error_with_breadcrumbs, TestServer};

/// One server-sent event: its name and its data.
#[derive(Debug)]
struct SseEvent {
    name: String,
    data: String,
}

/// Reads a `text/event-stream` response event by event.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(server: &TestServer, path: &str, auth: Auth<'_>) -> EventStream {
        let mut request = server.http.get(format!("{}{path}", server.url));
        request = match auth {
            Auth::Cookie(cookie) => request.header("cookie", cookie),
            Auth::Token(token) => request.bearer_auth(token),
        };
        let response = request.send().await.expect("request sent");
        assert_eq!(response.status().as_u16(), 200, "the stream opens");
        let content_type = response.headers()["content-type"].to_str().expect("ASCII").to_owned();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        EventStream { response, buffer: String::new() }
    }

    /// The next event (comments skipped), or `None` if none comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut data) = (String::from("message"), Vec::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push(value.trim_start().to_owned());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment or a bare `retry:`
                }
                return Some(SseEvent { name, data: data.join("\n") });
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?;
            let bytes = chunk.expect("the stream stays readable")?;
            self.buffer.push_str(&String::from_utf8_lossy(&bytes));
        }
    }

    /// The next event named `issue` within `wait`, its data decoded.
    async fn next_issue(&mut self, wait: Duration) -> Option<Value> {
        while let Some(event) = self.next(wait).await {
            if event.name == "issue" {
                return Some(serde_json::from_str(&event.data).expect("issue data is JSON"));
            }
        }
        None
    }
}

enum Auth<'a> {
    Cookie(&'a str),
    Token(&'a str),
}

async fn login(server: &TestServer, email: &str, password: &str) -> String {
    let response = server
        .http
        .post(format!("{}/api/0/auth/login/", server.url))
        .json(&serde_json::json!({"username": email, "password": password}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200, "{email} logs in");
    let cookie = response.headers()["set-cookie"].to_str().expect("ASCII");
    cookie.split(';').next().expect("cookie pair").to_owned()
}

async fn send_sdk_error(dsn: String) {
    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&dsn)).await.expect("SDK");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_receives_its_organizations_issue_updates_and_no_one_elses() {
    let server = TestServer::start();
    let password = "correct horse battery";
    let owner = server.owner_token("owner@example.com", password);
    let dsn = server.create_project(&owner, "Backend").await;
    let (_, projects) = server.get("/api/0/organizations/cairn/projects/", &owner).await;
    let backend = projects
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["slug"] == "backend")
        .and_then(|p| p["id"].as_str())
        .expect("the backend project")
        .to_owned();
    // Someone of another organization, who may not see Cairn's projects.
    server.cli(&["createorg", "--slug", "other", "--project", "elsewhere"]);
    server.cli(&[
        "createuser",
        "--email",
        "other@example.com",
        "--password",
        password,
        "--organization",
        "other",
        "--role",
        "owner",
    ]);
    let other = server.cli(&["createtoken", "--email", "other@example.com"]).trim().to_owned();
    let (status, keys) = server.get("/api/0/projects/other/elsewhere/keys/", &other).await;
    assert_eq!(status, 200, "{keys}");
    let other_dsn = keys[0]["dsn"]["public"].as_str().expect("dsn").to_owned();

    // Outsiders are refused before any stream opens.
    let (status, body) = server.get("/api/0/organizations/cairn/live/", &other).await;
    assert_eq!(status, 403, "{body}");
    let anonymous =
        server.http.get(format!("{}/api/0/organizations/cairn/live/", server.url)).send().await;
    assert_eq!(anonymous.expect("sent").status().as_u16(), 401);
    let (status, body) = server.get("/api/0/organizations/cairn/live/?project=x", &owner).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("project")), "{body}");

    // The dashboard's way: the session cookie, as `EventSource` sends it.
    let cookie = login(&server, "owner@example.com", password).await;
    let mut mine =
        EventStream::open(&server, "/api/0/organizations/cairn/live/", Auth::Cookie(&cookie)).await;
    let ready = mine.next(Duration::from_secs(10)).await.expect("a first event");
    assert_eq!(ready.name, "ready");
    let mut theirs =
        EventStream::open(&server, "/api/0/organizations/other/live/", Auth::Token(&other)).await;
    assert_eq!(theirs.next(Duration::from_secs(10)).await.expect("ready").name, "ready");

    send_sdk_error(dsn.clone()).await;
    let update = mine.next_issue(Duration::from_secs(10)).await.expect("an issue update");
    assert_eq!(update["project"], backend.as_str(), "{update}");
    assert_eq!(update["isNew"], true, "{update}");
    assert_eq!(update["count"], "1", "{update}");
    assert_eq!(update["userCount"], 1, "{update}");
    assert_eq!(update["status"], "unresolved", "{update}");
    assert_eq!(update["priority"], "high", "an error: {update}");
    assert_eq!(update["environments"], serde_json::json!(["test"]), "{update}");
    let hours = update["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), 1, "{update}");
    assert_eq!(hours[0][1], 1, "{update}");
    assert_eq!(hours[0][0].as_i64().expect("hour") % 3600, 0, "an hour's start: {update}");
    let issue_id = update["id"].as_str().expect("id").to_owned();

    // The same error again: the same issue, not new, its totals up.
    send_sdk_error(dsn.clone()).await;
    let again = mine.next_issue(Duration::from_secs(10)).await.expect("a second update");
    assert_eq!(again["id"], issue_id.as_str(), "{again}");
    assert_eq!(again["isNew"], false, "{again}");
    assert_eq!(again["count"], "2", "{again}");
    let (_, listed) = server.get(&format!("/api/0/issues/{issue_id}/"), &owner).await;
    assert_eq!(listed["count"], "2", "the update's totals are the issue's: {listed}");

    // Resolved issues come back with the next event: the update says so, with the priority
    // someone set meanwhile.
    let (status, body) = server
        .put(
            &format!("/api/0/issues/{issue_id}/"),
            &owner,
            serde_json::json!({"status": "resolved", "priority": "low"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    send_sdk_error(dsn).await;
    let regressed = mine.next_issue(Duration::from_secs(10)).await.expect("a third update");
    assert_eq!(regressed["status"], "unresolved", "{regressed}");
    assert_eq!(regressed["substatus"], "regressed", "{regressed}");
    assert_eq!(regressed["priority"], "low", "{regressed}");

    // The outsider's stream carried none of that, but does carry its own organization's issue.
    send_sdk_error(other_dsn).await;
    let own = theirs.next_issue(Duration::from_secs(10)).await.expect("their own update");
    assert_ne!(own["project"], backend.as_str(), "{own}");
    assert_eq!(own["count"], "1", "their first update is their own issue: {own}");
    assert!(mine.next_issue(Duration::from_secs(1)).await.is_none(), "nothing of theirs here");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stream_can_be_narrowed_to_projects_and_environments() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "Backend").await;
    // Only the default project, `internal`, which gets no event: the stream stays quiet.
    let (_, internal) = server.get("/api/0/projects/cairn/internal/", &owner).await;
    let internal = internal["id"].as_str().expect("project id").to_owned();
    let path = format!("/api/0/organizations/cairn/live/?project={internal}");
    let mut narrowed = EventStream::open(&server, &path, Auth::Token(&owner)).await;
    let mut production = EventStream::open(
        &server,
        "/api/0/organizations/cairn/live/?environment=production",
        Auth::Token(&owner),
    )
    .await;
    let mut everything =
        EventStream::open(&server, "/api/0/organizations/cairn/live/", Auth::Token(&owner)).await;
    for stream in [&mut narrowed, &mut production, &mut everything] {
        assert_eq!(stream.next(Duration::from_secs(10)).await.expect("ready").name, "ready");
    }
    send_sdk_error(dsn).await;
    assert!(everything.next_issue(Duration::from_secs(10)).await.is_some(), "the update");
    assert!(narrowed.next_issue(Duration::from_millis(500)).await.is_none(), "other project");
    assert!(production.next_issue(Duration::from_millis(500)).await.is_none(), "environment test");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_streams_do_not_hold_up_a_graceful_shutdown() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let mut stream =
        EventStream::open(&server, "/api/0/organizations/cairn/live/", Auth::Token(&owner)).await;
    assert_eq!(stream.next(Duration::from_secs(10)).await.expect("ready").name, "ready");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    // The server ends the stream itself, then stops listening.
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        // Keep-alive comments or nothing, until the end of the body.
        while let Ok(Some(_)) = stream.response.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream was closed by the shutdown");
    let mut stopped = false;
    for _ in 0..100 {
        if server.http.get(format!("{}/healthz", server.url)).send().await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stopped, "the server exited while a stream was open");
}
