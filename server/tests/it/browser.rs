//! The dashboard in Debian's headless Chromium, driven over WebDriver (chromedriver) against a
//! real `cairn` fed by the official `sentry` crate.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::common::{dist_dir, send_error_with_breadcrumbs, TestServer};

/// A chromedriver process on a free loopback port; killed when dropped.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let binary =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {binary} ({e}); `make test` installs chromium-driver")
            });
        ChromeDriver { child, port }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects to chromedriver (retrying while it starts) with headless Chromium.
async fn browser(driver: &ChromeDriver, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    for _ in 0..50 {
        match ClientBuilder::native().capabilities(caps.clone()).connect(&url).await {
            Ok(client) => return client,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not accept a session at {url}");
}

/// Where screenshots of the main pages are kept as test artifacts.
fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts directory");
    dir
}

/// How many elements match `selector`, waiting up to 10 s for it to become `expected` (the
/// dashboard updates the DOM asynchronously after a click).
async fn count(
    client: &Client,
    selector: &str,
    expected: usize,
) -> Result<usize, fantoccini::error::CmdError> {
    let mut found = 0;
    for _ in 0..100 {
        found = client.find_all(Locator::Css(selector)).await?.len();
        if found == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(found)
}

/// Stores, through `/store/`, a `ParseIntError` a minute old with two in-app and two system
/// frames (oldest call first, as SDKs send them) and source context on the newest in-app one.
async fn store_parse_error_with_frames(server: &TestServer, dsn: &str) {
    let key = dsn.split("://").nth(1).and_then(|s| s.split('@').next()).expect("key");
    let project_id = dsn.rsplit('/').next().expect("project id");
    let timestamp = chrono::Utc::now() - chrono::Duration::minutes(1);
    let event = json!({
        "timestamp": timestamp.to_rfc3339(),
        "platform": "rust",
        "level": "error",
        "exception": {"values": [{
            "type": "ParseIntError",
            "value": "invalid digit found in string",
            "stacktrace": {"frames": [
                {"function": "std::rt::lang_start", "filename": "rt.rs", "lineno": 1, "in_app": false},
                {"function": "main", "filename": "src/main.rs", "lineno": 5, "in_app": true},
                {"function": "core::num::from_str_radix", "filename": "num.rs", "lineno": 9, "in_app": false},
                {
                    "function": "parse_order", "filename": "src/orders.rs", "lineno": 12,
                    "in_app": true,
                    "pre_context": ["fn parse_order(raw: &str) -> Result<i32, ParseIntError> {"],
                    "context_line": "    let order = raw.parse::<i32>()?;",
                    "post_context": ["    Ok(order)", "}"],
                    "vars": {"raw": "forty-two"}
                }
            ]}
        }]}
    });
    let url = format!("{}/api/{project_id}/store/?sentry_key={key}&sentry_version=7", server.url);
    let response = server.http.post(url).json(&event).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 200, "event stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn log_in_and_see_the_sdk_error_on_the_issue_list() {
    assert!(
        dist_dir().join("index.html").exists(),
        "the dashboard is not built at {}: run `make test`, which builds it first",
        dist_dir().display()
    );
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    // The Rust SDK sends `capture_error` without a stack trace, so an older event of the same
    // issue (one fingerprint rule for the error type) brings in-app and system frames.
    let rules = json!({"fingerprintingRules": "error.type:ParseIntError -> parse-int"});
    let (status, body) = server.put("/api/0/projects/cairn/backend/", &token, rules).await;
    assert_eq!(status, 200, "{body}");
    store_parse_error_with_frames(&server, &dsn).await;
    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&dsn))
        .await
        .expect("SDK thread");
    server
        .wait_for_issues(&token, |issues| issues.first().is_some_and(|i| i["count"] == "2"))
        .await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        // An anonymous visit to the root ends on the login page.
        client.goto(&format!("{}/", server.url)).await?;
        let form = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("form#login-form"))
            .await?;
        assert!(client.current_url().await?.path().starts_with("/auth/login"));
        std::fs::write(artifacts_dir().join("login.png"), client.screenshot().await?).ok();

        form.find(Locator::Css("input[name=username]"))
            .await?
            .send_keys("owner@example.com")
            .await?;
        form.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("correct horse battery")
            .await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;

        let title = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#issue-list .issue-row .issue-title"))
            .await?;
        assert_eq!(title.text().await?, "ParseIntError: invalid digit found in string");
        let row = client.find(Locator::Css("#issue-list .issue-row")).await?;
        let row_text = row.text().await?;
        assert!(row_text.contains("BACKEND-1"), "{row_text}");
        assert!(client.current_url().await?.path().starts_with("/organizations/cairn/issues"));
        std::fs::write(artifacts_dir().join("issue-list.png"), client.screenshot().await?).ok();

        // The issue page, from its row: the latest event is the SDK's, with its breadcrumbs.
        row.find(Locator::Css(".issue-title a")).await?.click().await?;
        let title = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#issue-header .issue-title"))
            .await?;
        assert_eq!(title.text().await?, "ParseIntError: invalid digit found in string");
        let path = client.current_url().await?.path().to_owned();
        assert!(path.starts_with("/organizations/cairn/issues/"), "{path}");
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#exceptions .exception-value"))
            .await?;
        let crumbs = client.find(Locator::Css("#breadcrumbs .crumbs")).await?.text().await?;
        assert!(crumbs.contains("user logged in"), "{crumbs}");
        assert!(crumbs.contains("SELECT * FROM orders"), "{crumbs}");

        // The older event has the stack trace: in-app frames only, then all of them.
        client.find(Locator::Css("#event-nav .event-previous")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#exceptions .frame"))
            .await?;
        let url = client.current_url().await?;
        assert!(url.query().is_some_and(|q| q.starts_with("event=")), "{url}");
        assert_eq!(count(&client, "#exceptions .frame", 2).await?, 2, "system frames are hidden");
        let newest = client.find(Locator::Css("#exceptions .frame .frame-function")).await?;
        assert_eq!(newest.text().await?, "parse_order");
        client.find(Locator::Css("#exceptions .in-app-toggle input")).await?.click().await?;
        assert_eq!(count(&client, "#exceptions .frame", 4).await?, 4, "system frames are shown");
        client.find(Locator::Css("#exceptions .frame .frame-header")).await?.click().await?;
        let line = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".context-line.current .source"))
            .await?;
        assert_eq!(line.text().await?.trim(), "let order = raw.parse::<i32>()?;");
        std::fs::write(artifacts_dir().join("issue-details.png"), client.screenshot().await?).ok();

        // Resolve: the status in the header changes and the button becomes "Unresolve".
        client.find(Locator::Css("#issue-header button.resolve")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#issue-header .issue-status.status-resolved"))
            .await?;
        let status = client.find(Locator::Css("#issue-header .issue-status")).await?;
        assert_eq!(status.text().await?.to_lowercase(), "resolved");
        client.find(Locator::Css("#issue-header button.unresolve")).await?;
        let activity = client.find(Locator::Css("#activity")).await?.text().await?;
        assert!(activity.contains("marked this issue as resolved"), "{activity}");
        std::fs::write(artifacts_dir().join("issue-resolved.png"), client.screenshot().await?).ok();

        // A deep link to a client-side route loads the app (the server falls back to index.html).
        client.goto(&format!("{}/organizations/cairn/projects/", server.url)).await?;
        let dsn = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(".project-row .project-dsn"))
            .await?;
        assert!(dsn.text().await?.starts_with("http://"), "a DSN is shown");

        // An API token for sentry-cli, made on the tokens page, works at once.
        client.goto(&format!("{}/settings/account/api/auth-tokens/", server.url)).await?;
        let form = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("form#token-form"))
            .await?;
        form.find(Locator::Css("#token-name")).await?.send_keys("from the browser").await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;
        let shown = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#new-token"))
            .await?
            .text()
            .await?;
        assert!(shown.starts_with("sntryu_"), "{shown}");
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#token-list .token-row"))
            .await?;
        std::fs::write(artifacts_dir().join("api-tokens.png"), client.screenshot().await?).ok();
        let (status, projects) = server.get("/api/0/organizations/cairn/projects/", &shown).await;
        assert_eq!(status, 200, "{projects}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_page_creates_the_owner_account() {
    assert!(
        dist_dir().join("index.html").exists(),
        "run `make test`, which builds the dashboard first"
    );
    let server = TestServer::start();
    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        client.goto(&format!("{}/", server.url)).await?;
        let form = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("form#setup-form"))
            .await?;
        form.find(Locator::Css("input[name=email]")).await?.send_keys("first@example.com").await?;
        form.find(Locator::Css("input[name=name]")).await?.send_keys("First Owner").await?;
        form.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("correct horse battery")
            .await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;
        // Logged in, on the (empty) issue list of the default organization.
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(".empty-state"))
            .await?;
        assert!(client.current_url().await?.path().starts_with("/organizations/cairn/issues"));
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    // The account exists and can log in through the API.
    let login = server
        .http
        .post(format!("{}/api/0/auth/login/", server.url))
        .json(&serde_json::json!({"username": "first@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn ownership_rules_page_and_suggested_assignees() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let (status, team) =
        server.post("/api/0/organizations/cairn/teams/", &token, json!({"slug": "billing"})).await;
    assert_eq!(status, 201, "{team}");
    let dsn = server.create_project(&token, "Shop").await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        client.goto(&format!("{}/auth/login/", server.url)).await?;
        let form = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("form#login-form"))
            .await?;
        form.find(Locator::Css("input[name=username]"))
            .await?
            .send_keys("owner@example.com")
            .await?;
        form.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("correct horse battery")
            .await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;
        // Logged in once the (empty) issue list shows.
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(".empty-state"))
            .await?;

        // A rule that does not parse: the error names its line; then valid rules save.
        client.goto(&format!("{}/settings/cairn/projects/shop/ownership/", server.url)).await?;
        let rules = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#rules-raw"))
            .await?;
        rules.send_keys("path:src/billing/** #billing\nfile:x #billing").await?;
        client.find(Locator::Css("#rules-form button[type=submit]")).await?.click().await?;
        let error = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#rules-errors .rule-error"))
            .await?
            .text()
            .await?;
        assert!(error.starts_with("Line 2: Parse error"), "{error}");
        rules.clear().await?;
        rules.send_keys("path:src/billing/** #billing").await?;
        client.find(Locator::Css("#rules-form button[type=submit]")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#rules-saved"))
            .await?;

        // A CODEOWNERS file with a handle nobody maps: listed, not dropped.
        client
            .find(Locator::Css("#codeowners-raw"))
            .await?
            .send_keys("/docs/ @acme/writers")
            .await?;
        client.find(Locator::Css("#codeowners-form button[type=submit]")).await?.click().await?;
        let unmapped = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#codeowners-errors .unmapped"))
            .await?
            .text()
            .await?;
        assert_eq!(unmapped, "@acme/writers");

        // An error in the team's code, sent with the sentry crate: the tester names the rule.
        crate::ownership::send_error(&dsn, "src/billing/invoice.rs", "card declined").await;
        let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
        let id = issues[0]["id"].as_str().expect("id").to_owned();
        client.find(Locator::Css("#owners-test-issue")).await?.send_keys(&id).await?;
        client.find(Locator::Css("#owners-test-form button[type=submit]")).await?.click().await?;
        let rule = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#suggested-owners .owners-rule"))
            .await?
            .text()
            .await?;
        assert_eq!(rule, "path:src/billing/** #billing");
        std::fs::write(artifacts_dir().join("ownership.png"), client.screenshot().await?).ok();

        // The issue page suggests the team, with the frame that matched.
        client.goto(&format!("{}/organizations/cairn/issues/{id}/", server.url)).await?;
        let owner = client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#suggested-owners .owner"))
            .await?
            .text()
            .await?;
        assert_eq!(owner, "#billing");
        let value = client.find(Locator::Css("#suggested-owners .owners-value")).await?;
        assert_eq!(value.text().await?, "src/billing/invoice.rs");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("ownership-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}
