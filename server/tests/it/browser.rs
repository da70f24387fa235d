//! The dashboard in Debian's headless Chromium, driven over WebDriver (chromedriver) against a
//! real `cairn` fed by the official `sentry` crate.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::common::cdp::Cdp;
use crate::common::{dist_dir, send_error_with_breadcrumbs, totp_code, TestServer};

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
        wait_for_element(&client, "form#login-form").await?;
        assert!(client.current_url().await?.path().starts_with("/auth/login"));
        std::fs::write(artifacts_dir().join("login.png"), client.screenshot().await?).ok();
        submit_login(&client, "owner@example.com", "correct horse battery").await?;

        let title = wait_for_element(&client, "#issue-list .issue-row .issue-title").await?;
        assert_eq!(title.text().await?, "ParseIntError: invalid digit found in string");
        let row = client.find(Locator::Css("#issue-list .issue-row")).await?;
        let row_text = row.text().await?;
        assert!(row_text.contains("BACKEND-1"), "{row_text}");
        assert!(client.current_url().await?.path().starts_with("/organizations/cairn/issues"));
        std::fs::write(artifacts_dir().join("issue-list.png"), client.screenshot().await?).ok();

        // The issue page, from its row: the latest event is the SDK's, with its breadcrumbs.
        row.find(Locator::Css(".issue-title a")).await?.click().await?;
        let title = wait_for_element(&client, "#issue-header .issue-title").await?;
        assert_eq!(title.text().await?, "ParseIntError: invalid digit found in string");
        let path = client.current_url().await?.path().to_owned();
        assert!(path.starts_with("/organizations/cairn/issues/"), "{path}");
        wait_for_element(&client, "#exceptions .exception-value").await?;
        let crumbs = client.find(Locator::Css("#breadcrumbs .crumbs")).await?.text().await?;
        assert!(crumbs.contains("user logged in"), "{crumbs}");
        assert!(crumbs.contains("SELECT * FROM orders"), "{crumbs}");
        // Highlights: the preset's tags the event has (a project without a platform: handled,
        // level, release, environment), first.
        wait_for_element(&client, "#highlights .highlight-key").await?;
        let keys = texts(&client, "#highlights .highlight-key").await?;
        assert!(keys.contains(&"level".to_owned()), "{keys:?}");
        assert!(keys.contains(&"environment".to_owned()), "{keys:?}");
        let issue_url = client.current_url().await?;

        // "Edit highlights" leads to the project's settings, where they are changed.
        client.find(Locator::Css("#highlights + .highlights-edit")).await?.click().await?;
        let tags = wait_for_element(&client, "#highlights-form #highlight-tags").await?;
        for _ in 0..100 {
            if tags.prop("value").await?.is_some_and(|v| v.contains("level")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tags.clear().await?;
        tags.send_keys("level\nrelease").await?;
        client.find(Locator::Css("#highlights-form button[type=submit]")).await?.click().await?;
        let mut saved = json!(null);
        for _ in 0..100 {
            saved = server.get("/api/0/projects/cairn/backend/", &token).await.1;
            if saved["highlightTags"] == json!(["level", "release"]) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(saved["highlightTags"], json!(["level", "release"]), "{saved}");
        client.goto(issue_url.as_str()).await?;
        wait_for_element(&client, "#highlights").await?;
        let keys = texts(&client, "#highlights .highlight-key").await?;
        assert!(!keys.contains(&"environment".to_owned()), "no longer highlighted: {keys:?}");

        // The older event has the stack trace: in-app frames only, then all of them.
        client.find(Locator::Css("#event-nav .event-previous")).await?.click().await?;
        wait_for_element(&client, "#exceptions .frame").await?;
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
        wait_for_element(&client, "#issue-header .issue-status.status-resolved").await?;
        let status = client.find(Locator::Css("#issue-header .issue-status")).await?;
        assert_eq!(status.text().await?.to_lowercase(), "resolved");
        client.find(Locator::Css("#issue-header button.unresolve")).await?;
        let activity = client.find(Locator::Css("#activity")).await?.text().await?;
        assert!(activity.contains("marked this issue as resolved"), "{activity}");
        std::fs::write(artifacts_dir().join("issue-resolved.png"), client.screenshot().await?).ok();

        // A deep link to a client-side route loads the app (the server falls back to index.html).
        client.goto(&format!("{}/organizations/cairn/projects/", server.url)).await?;
        let dsn = wait_for_element(&client, ".project-row .project-dsn").await?;
        assert!(dsn.text().await?.starts_with("http://"), "a DSN is shown");
        let ownership = client.find(Locator::Css(".project-row .project-ownership")).await?;
        let href = ownership.attr("href").await?.unwrap_or_default();
        assert!(href.starts_with("/settings/cairn/projects/") && href.ends_with("/ownership/"));

        // An API token for sentry-cli, made on the tokens page, works at once.
        client.goto(&format!("{}/settings/account/api/auth-tokens/", server.url)).await?;
        let form = wait_for_element(&client, "form#token-form").await?;
        form.find(Locator::Css("#token-name")).await?.send_keys("from the browser").await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;
        let shown = wait_for_element(&client, "#new-token").await?.text().await?;
        assert!(shown.starts_with("sntryu_"), "{shown}");
        wait_for_element(&client, "#token-list .token-row").await?;
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
async fn first_run_page_creates_the_owner_who_then_secures_the_account() {
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
        let form = wait_for_element(&client, "form#setup-form").await?;
        form.find(Locator::Css("input[name=email]")).await?.send_keys("first@example.com").await?;
        form.find(Locator::Css("input[name=name]")).await?.send_keys("First Owner").await?;
        form.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("correct horse battery")
            .await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;
        // Logged in, on the (empty) issue list of the default organization.
        wait_for_element(&client, ".empty-state").await?;
        assert!(client.current_url().await?.path().starts_with("/organizations/cairn/issues"));

        // The name in the header opens the account page: a new name, then a new password.
        client.find(Locator::Css(".app-user")).await?.click().await?;
        assert_eq!(wait_for_value(&client, "#account-name", "First Owner").await?, "First Owner");
        let name = client.find(Locator::Css("#account-name")).await?;
        name.clear().await?;
        name.send_keys("Owner Renamed").await?;
        client.find(Locator::Css("#account-form button[type=submit]")).await?.click().await?;
        let shown = wait_for_text(&client, ".app-user", |t| t == "Owner Renamed").await?;
        assert_eq!(shown, "Owner Renamed", "the header shows the new name");

        let password = |id: &'static str, text: &'static str| {
            let client = client.clone();
            async move { client.find(Locator::Css(id)).await?.send_keys(text).await }
        };
        password("#password-current", "not my password").await?;
        password("#password-new", NEW_PASSWORD).await?;
        password("#password-verify", NEW_PASSWORD).await?;
        client.find(Locator::Css("#password-form button[type=submit]")).await?.click().await?;
        let refused =
            wait_for_text(&client, "#password-form .form-error", |t| !t.is_empty()).await?;
        assert_eq!(refused, "The password you entered is not correct.");
        client.find(Locator::Css("#password-current")).await?.clear().await?;
        password("#password-current", "correct horse battery").await?;
        client.find(Locator::Css("#password-form button[type=submit]")).await?.click().await?;
        let done = wait_for_text(&client, "#password-form .settings-saved", |t| !t.is_empty());
        assert!(done.await?.starts_with("Password changed."));
        std::fs::write(artifacts_dir().join("account.png"), client.screenshot().await?).ok();

        // Two-factor authentication with an authenticator app: the key shown, a code of it.
        client.find(Locator::Css("#totp-setup")).await?.click().await?;
        let secret = wait_for_text(&client, "#totp-secret", |t| t.len() == 32).await?;
        let qr = client.find(Locator::Css("#totp-form svg.qr-code path")).await?;
        assert!(qr.attr("d").await?.is_some_and(|d| d.len() > 1000), "a QR code is drawn");
        client.execute("document.querySelector('#two-factor').scrollIntoView();", vec![]).await?;
        let shot = client.screenshot().await?;
        std::fs::write(artifacts_dir().join("two-factor-setup.png"), shot).ok();
        let step = chrono::Utc::now().timestamp() / 30;
        client.find(Locator::Css("#totp-code")).await?.send_keys(&totp_code(&secret, step)).await?;
        client.find(Locator::Css("#totp-password")).await?.send_keys(NEW_PASSWORD).await?;
        client.find(Locator::Css("#totp-form button[type=submit]")).await?.click().await?;
        wait_for_element(&client, "#recovery-codes li").await?;
        assert_eq!(count(&client, "#recovery-codes li", 10).await?, 10);
        let state = wait_for_text(&client, "#two-factor-state", |t| t.starts_with("On")).await?;
        assert!(state.ends_with("10 recovery codes left."), "{state}");
        std::fs::write(artifacts_dir().join("two-factor.png"), client.screenshot().await?).ok();

        // Signing out of every device ends this browser's session too.
        client.find(Locator::Css("#sign-out-everywhere")).await?.click().await?;
        assert_eq!(wait_for_path(&client, "/auth/login/").await?, "/auth/login/");
        // Logging in again asks for the app's code after the password.
        submit_login(&client, "first@example.com", NEW_PASSWORD).await?;
        let code = wait_for_element(&client, "#login-form input[name=otp]").await?;
        code.send_keys(&totp_code(&secret, step + 1)).await?;
        client.find(Locator::Css("#login-form button[type=submit]")).await?.click().await?;
        wait_for_element(&client, ".empty-state").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    // The account exists and logs in with its new password only, and then asks for the code.
    for (password, status) in [("correct horse battery", 400), (NEW_PASSWORD, 401)] {
        let login = server
            .http
            .post(format!("{}/api/0/auth/login/", server.url))
            .json(&serde_json::json!({"username": "first@example.com", "password": password}))
            .send()
            .await
            .expect("sent");
        assert_eq!(login.status().as_u16(), status, "logging in with {password:?}");
    }
}

/// The password the first-run test changes to on the account page.
const NEW_PASSWORD: &str = "a new and longer passphrase";

/// Logs in through the login form and waits for the issue list it lands on (or its empty state).
async fn log_in(
    client: &Client,
    server: &TestServer,
    email: &str,
    password: &str,
) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&format!("{}/auth/login/", server.url)).await?;
    submit_login(client, email, password).await?;
    wait_for_element(client, "#issue-list, .empty-state").await?;
    Ok(())
}

/// Fills in the log-in form of the page shown (waiting for it) and submits it.
async fn submit_login(
    client: &Client,
    email: &str,
    password: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let form = wait_for_element(client, "form#login-form").await?;
    form.find(Locator::Css("input[name=username]")).await?.send_keys(email).await?;
    form.find(Locator::Css("input[name=password]")).await?.send_keys(password).await?;
    form.find(Locator::Css("button[type=submit]")).await?.click().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn releases_page_shows_health_and_the_release_page_draws_its_charts() {
    use crate::health::{crashed, errored, healthy, with_sdk};

    assert!(
        dist_dir().join("index.html").exists(),
        "the dashboard is not built at {}: run `make dashboard` first",
        dist_dir().display()
    );
    // Adoption stages brought up to date every 200 ms instead of every few minutes.
    let server = TestServer::start_with_env(&[("CAIRN_ADOPTION_INTERVAL_MS", "200")]);
    let password = "correct horse battery";
    let token = server.owner_token("owner@example.com", password);
    let dsn = server.create_project(&token, "Mobile").await;
    let (v1, v2) = ("mobile@1.0.0+7", "mobile@2.0.0");
    // The official SDK's session tracking: release 1 has a healthy, an errored (with its error
    // event) and a crashed session; release 2 two healthy ones.
    with_sdk(&dsn, v1, "alice", || {
        healthy();
        errored();
    })
    .await;
    with_sdk(&dsn, v1, "bob", crashed).await;
    with_sdk(&dsn, v2, "alice", healthy).await;
    with_sdk(&dsn, v2, "bob", healthy).await;
    let encoded = |v: &str| v.replace('@', "%40").replace('+', "%2B");
    let (status, deploy) = server
        .post(
            &format!("/api/0/organizations/cairn/releases/{}/deploys/", encoded(v2)),
            &token,
            json!({"environment": "production"}),
        )
        .await;
    assert_eq!(status, 201, "{deploy}");

    // The figures the page must show are the API's, over the page's default period (14 days).
    let (status, releases) = server
        .get("/api/0/organizations/cairn/releases/?health=1&summaryStatsPeriod=14d", &token)
        .await;
    assert_eq!(status, 200, "{releases}");
    let health = |version: &str, field: &str| -> f64 {
        releases
            .as_array()
            .and_then(|all| all.iter().find(|r| r["version"] == version))
            .and_then(|r| r["projects"][0]["healthData"][field].as_f64())
            .unwrap_or_else(|| panic!("{field} of {version} in {releases:#}"))
    };
    let expected = [
        (v1, health(v1, "crashFreeSessions"), health(v1, "crashFreeUsers"), "67%", "50%"),
        (v2, health(v2, "crashFreeSessions"), health(v2, "crashFreeUsers"), "100%", "100%"),
    ];
    assert!((expected[0].1 - (100.0 - 100.0 / 3.0)).abs() < 1e-9, "{releases:#}");
    // The projects page's figures are the stats and sessions APIs', over its period.
    let mobile_id: i64 = dsn.rsplit('/').next().and_then(|id| id.parse().ok()).expect("id");
    let errors_in = |period: &'static str, interval: &'static str| {
        let server = &server;
        let token = &token;
        async move {
            let path = format!(
                "/api/0/organizations/cairn/stats_v2/?field=sum(quantity)&groupBy=project\
                 &category=error&outcome=accepted&statsPeriod={period}&interval={interval}"
            );
            let (status, stats) = server.get(&path, token).await;
            assert_eq!(status, 200, "{stats}");
            stats["groups"]
                .as_array()
                .and_then(|groups| groups.iter().find(|g| g["by"]["project"] == mobile_id))
                .and_then(|g| g["totals"]["sum(quantity)"].as_i64())
                .unwrap_or(0)
        }
    };
    let (errors_24h, errors_14d) = (errors_in("24h", "1h").await, errors_in("14d", "1d").await);
    assert!(errors_24h >= 1, "the errored session's event");
    let (status, sessions) = server
        .get(
            "/api/0/organizations/cairn/sessions/?field=sum(session)\
             &field=crash_free_rate(session)&groupBy=project&statsPeriod=24h&interval=1h",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{sessions}");
    let crash_free = sessions["groups"]
        .as_array()
        .and_then(|groups| groups.iter().find(|g| g["by"]["project"] == mobile_id))
        .and_then(|g| g["totals"]["crash_free_rate(session)"].as_f64())
        .map(|rate| rate * 100.0)
        .unwrap_or_else(|| panic!("the project's crash-free rate in {sessions:#}"));

    // Both releases have well over a tenth of the SDK's environment's sessions: adopted.
    let mut adopted = 0;
    for _ in 0..100 {
        let (_, listed) =
            server.get("/api/0/organizations/cairn/releases/?adoptionStages=1", &token).await;
        adopted = listed.as_array().map_or(0, |all| {
            all.iter().filter(|r| r["adoptionStages"]["mobile"]["stage"] == "adopted").count()
        });
        if adopted == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(adopted, 2, "both releases adopted");

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", password).await?;
        // The header links to the releases page.
        wait_for_element(&client, ".app-nav a[href='/organizations/cairn/releases/']")
            .await?
            .click()
            .await?;
        wait_for_element(&client, "#release-list .release-row").await?;
        assert_eq!(count(&client, "#release-list .release-row", 2).await?, 2, "both releases");
        for (version, sessions, users, sessions_text, users_text) in expected {
            let row = client
                .find(Locator::Css(&format!(
                    "#release-list .release-row[data-version=\"{version}\"]"
                )))
                .await?;
            for (cell, value, text) in [
                (".release-crash-free-sessions", sessions, sessions_text),
                (".release-crash-free-users", users, users_text),
            ] {
                let cell = row.find(Locator::Css(cell)).await?;
                let shown = cell.attr("data-value").await?.and_then(|v| v.parse::<f64>().ok());
                assert_eq!(shown, Some(value), "{version} {text}: the API's exact figure");
                let rate = cell.find(Locator::Css(".rate")).await?.text().await?;
                assert_eq!(rate, text, "{version}");
            }
        }
        let v2_row = client
            .find(Locator::Css(&format!("#release-list .release-row[data-version=\"{v2}\"]")))
            .await?;
        let deploy = v2_row.find(Locator::Css(".release-last-deploy")).await?.text().await?;
        assert!(deploy.contains("production"), "{deploy}");
        let stage = v2_row.find(Locator::Css(".release-adoption .adoption-stage")).await?;
        assert_eq!(stage.text().await?, "Adopted");
        std::fs::write(artifacts_dir().join("releases.png"), client.screenshot().await?).ok();

        // The stage filter needs an environment; with the SDK's (`test`) it searches its stages.
        let stage_select = client.find(Locator::Css("select[name=stage]")).await?;
        assert!(stage_select.attr("disabled").await?.is_some(), "no environment chosen");
        client
            .find(Locator::Css("select[name=environment]"))
            .await?
            .select_by_value("test")
            .await?;
        wait_for_element(&client, "select[name=stage]:not([disabled])")
            .await?
            .select_by_value("replaced")
            .await?;
        wait_for_element(&client, "#release-list.empty-state").await?;
        let query = client.current_url().await?.query().unwrap_or("").to_owned();
        assert!(query.contains("query=release.stage%3Areplaced"), "{query}");
        client.find(Locator::Css("select[name=stage]")).await?.select_by_value("adopted").await?;
        wait_for_element(&client, "#release-list .release-row").await?;
        assert_eq!(count(&client, "#release-list .release-row", 2).await?, 2, "both adopted");
        client.goto(&format!("{}/organizations/cairn/releases/", server.url)).await?;
        wait_for_element(&client, "#release-list .release-row").await?;

        // The release page of release 1, from its row; the version is one encoded segment.
        client
            .find(Locator::Css(&format!(
                "#release-list .release-row[data-version=\"{v1}\"] .release-version a"
            )))
            .await?
            .click()
            .await?;
        wait_for_element(&client, "#chart-sessions .chart-drawing svg").await?;
        let path = client.current_url().await?.path().to_owned();
        assert_eq!(path, format!("/organizations/cairn/releases/{}/", encoded(v1)));
        let title = client.find(Locator::Css(".release-title")).await?.text().await?;
        assert_eq!(title, "1.0.0 (7)");
        let figure = client
            .find(Locator::Css(".release-summary .crash-free-sessions dd"))
            .await?
            .text()
            .await?;
        assert_eq!(figure, "67%");
        // The median session duration is the API's `durationP50` (seconds; the SDK's sessions
        // last well under a second here), shown as text.
        let (_, details) = server
            .get(&format!("/api/0/organizations/cairn/releases/{}/?health=1", encoded(v1)), &token)
            .await;
        let p50 = details["projects"][0]["healthData"]["durationP50"].as_f64().unwrap_or(-1.0);
        let expected_p50 =
            if p50 < 1.0 { format!("{:.0} ms", p50 * 1000.0) } else { format!("{p50:.1} s") };
        let shown =
            client.find(Locator::Css(".release-summary .duration-p50 dd")).await?.text().await?;
        assert_eq!(shown, expected_p50);
        let stage = client
            .find(Locator::Css(".release-summary .adoption-stage-figure .adoption-stage"))
            .await?;
        assert_eq!(stage.text().await?, "Adopted");
        assert!(stage.attr("title").await?.unwrap_or_default().starts_with("Adopted 20"));
        for (id, caption, label_has) in [
            ("chart-sessions", "Sessions by status", "1 healthy, 1 errored, 1 crashed, 0 abnormal"),
            ("chart-crash-free", "Crash-free sessions and users", "Crash-free sessions: latest"),
            ("chart-adoption", "Adoption", "Share of the projects' sessions"),
            ("chart-duration", "Session duration (p50)", "Median duration of the sessions"),
            ("chart-events", "Events per hour", "1 in all"),
        ] {
            let figure = client.find(Locator::Css(&format!("figure#{id}"))).await?;
            assert_eq!(figure.find(Locator::Css("figcaption")).await?.text().await?, caption);
            let drawing = figure.find(Locator::Css(".chart-drawing")).await?;
            assert_eq!(drawing.attr("role").await?.as_deref(), Some("img"), "{id}");
            let label = drawing.attr("aria-label").await?.unwrap_or_default();
            assert!(label.contains(label_has), "{id}: {label}");
            let labels = client.find_all(Locator::Css(&format!("#{id} svg text"))).await?;
            assert!(!labels.is_empty(), "{id} has axis labels");
        }
        assert_eq!(count(&client, "#chart-sessions svg polygon", 4).await?, 4, "stacked areas");
        assert!(count(&client, "#chart-events svg rect", 1).await? >= 1, "an hour with events");
        // Each series is drawn in its legend's colour (no stylesheet rule recolours it).
        let colours = client
            .execute(
                "const bar = document.querySelector('#chart-events svg rect');
                 const swatch = document.querySelector('#chart-events .chart-swatch');
                 return [getComputedStyle(bar).fill, getComputedStyle(swatch).backgroundColor];",
                vec![],
            )
            .await?;
        assert_eq!(colours[0], colours[1], "the bars' colour is their legend's: {colours}");
        let issues = client.find(Locator::Css("#release-issues")).await?.text().await?;
        assert!(issues.contains("ParseIntError"), "the errored session's issue: {issues}");
        // The release's other issue lists: all its issues, and none resolved in it or unhandled
        // (the SDK's `capture_error` is a handled error).
        for (tab, shows) in [
            ("all", "ParseIntError"),
            ("resolved", "No issues were resolved in this release."),
            ("unhandled", "No issues with unhandled errors in this release."),
        ] {
            let selector = format!("#release-issues .release-issues-tab[data-tab='{tab}']");
            client.find(Locator::Css(&selector)).await?.click().await?;
            let list = wait_for_text(&client, "#release-issues .release-issue-list", |t| {
                t.contains(shows)
            })
            .await?;
            assert!(list.contains(shows), "{tab}: {list}");
        }
        std::fs::write(artifacts_dir().join("release.png"), client.screenshot().await?).ok();

        // Compared with release 2: both summaries and one crash-free chart with four lines.
        client
            .goto(&format!(
                "{}/organizations/cairn/releases/{}/?compare={}",
                server.url,
                encoded(v1),
                encoded(v2)
            ))
            .await?;
        wait_for_element(&client, "#release-compare #chart-crash-free svg").await?;
        assert_eq!(count(&client, "#release-compare .release-summary", 2).await?, 2);
        assert_eq!(count(&client, "#release-compare .chart-legend-item", 4).await?, 4);
        let second = client
            .find(Locator::Css(&format!(
                "#release-compare .release-summary[data-version=\"{v2}\"] .crash-free-sessions dd"
            )))
            .await?
            .text()
            .await?;
        assert_eq!(second, "100%");
        std::fs::write(artifacts_dir().join("release-compare.png"), client.screenshot().await?)
            .ok();

        // Archived: marked on its page, gone from the list of active releases, in the
        // archived ones'; then restored.
        client
            .goto(&format!("{}/organizations/cairn/releases/{}/", server.url, encoded(v2)))
            .await?;
        wait_for_element(&client, "#release-archive").await?.click().await?;
        wait_for_element(&client, ".release-archived").await?;
        let path = format!("/api/0/organizations/cairn/releases/{}/", encoded(v2));
        let (_, release) = server.get(&path, &token).await;
        assert_eq!(release["status"], "archived", "{release}");
        let row = |v: &str| format!("#release-list .release-row[data-version=\"{v}\"]");
        client.goto(&format!("{}/organizations/cairn/releases/", server.url)).await?;
        wait_for_element(&client, &row(v1)).await?;
        assert_eq!(count(&client, &row(v2), 0).await?, 0, "an archived release is not active");
        client.find(Locator::Css("select[name=status]")).await?.select_by_value("archived").await?;
        wait_for_element(&client, &row(v2)).await?;
        assert_eq!(count(&client, &row(v1), 0).await?, 0, "only the archived release");
        assert!(client.current_url().await?.query().unwrap_or("").contains("status=archived"));
        client
            .goto(&format!("{}/organizations/cairn/releases/{}/", server.url, encoded(v2)))
            .await?;
        wait_for_element(&client, ".release-archived").await?;
        client.find(Locator::Css("#release-archive")).await?.click().await?;
        for _ in 0..200 {
            if client.find(Locator::Css(".release-archived")).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (_, release) = server.get(&path, &token).await;
        assert_eq!(release["status"], "open", "restored: {release}");

        // The projects page: the project's card with its errors and crash-free sessions over
        // the last 24 hours (the default), then over 14 days, the period kept in the URL.
        client.goto(&format!("{}/organizations/cairn/projects/", server.url)).await?;
        let card = ".project-card[data-project=mobile]";
        let errors = wait_for_text(&client, &format!("{card} .project-errors"), |t| {
            t == errors_24h.to_string()
        })
        .await?;
        assert_eq!(errors, errors_24h.to_string(), "the stats API's total over 24h");
        let rate = client.find(Locator::Css(&format!("{card} .project-crash-free"))).await?;
        assert_eq!(rate.text().await?, "80%", "4 of 5 sessions did not crash");
        let shown = rate.attr("data-value").await?.and_then(|v| v.parse::<f64>().ok());
        assert_eq!(shown, Some(crash_free), "the sessions API's exact figure");
        assert_eq!(count(&client, &format!("{card} svg.sparkline"), 1).await?, 1, "its chart");
        let issues = client
            .find(Locator::Css(&format!("{card} .project-link-issues")))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        assert!(issues.ends_with(&format!("&project={mobile_id}")), "{issues}");
        std::fs::write(artifacts_dir().join("projects.png"), client.screenshot().await?).ok();
        client
            .find(Locator::Css("#projects-period .period-option[data-period='14d']"))
            .await?
            .click()
            .await?;
        let errors = wait_for_text(&client, &format!("{card} .project-errors"), |t| {
            t == errors_14d.to_string()
        })
        .await?;
        assert_eq!(errors, errors_14d.to_string(), "the stats API's total over 14 days");
        let url = client.current_url().await?;
        assert_eq!(url.path(), "/organizations/cairn/projects/");
        assert_eq!(url.query(), Some("statsPeriod=14d"), "the period is in the URL");
        let selected = text_of(&client, "#projects-period .period-option.selected").await?;
        assert_eq!(selected, "14d");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// Sends, with the official SDK, an error-level message (its own issue, grouped by the text).
fn send_message(dsn: &str, text: &str) {
    let (hub, client) = crate::common::sentry_hub(dsn, "backend@1.0.0");
    sentry::Hub::run(hub, || {
        sentry::capture_message(text, sentry::Level::Error);
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
}

/// The first element matching `css`, once there is one (up to 20 s).
async fn wait_for_element(
    client: &Client,
    css: &str,
) -> Result<fantoccini::elements::Element, fantoccini::error::CmdError> {
    client.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await
}

/// The text of every element matching `selector`.
async fn texts(
    client: &Client,
    selector: &str,
) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let mut texts = Vec::new();
    for element in client.find_all(Locator::Css(selector)).await? {
        texts.push(element.text().await?);
    }
    Ok(texts)
}

/// The page's path once it is `expected`, or the last one seen after 20 s.
async fn wait_for_path(
    client: &Client,
    expected: &str,
) -> Result<String, fantoccini::error::CmdError> {
    let mut path = String::new();
    for _ in 0..200 {
        path = client.current_url().await?.path().to_owned();
        if path == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(path)
}

/// Waits up to 20 s for the text of `selector` to satisfy `pred`; returns the last text seen.
async fn wait_for_text(
    client: &Client,
    selector: &str,
    pred: impl Fn(&str) -> bool,
) -> Result<String, fantoccini::error::CmdError> {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(element) = client.find(Locator::Css(selector)).await {
            last = element.text().await.unwrap_or_default();
            if pred(&last) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(last)
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_stream_searches_triages_assigns_and_updates_live() {
    use fantoccini::actions::InputSource as _;
    assert!(
        dist_dir().join("index.html").exists(),
        "the dashboard is not built at {}: run `make test`, which builds it first",
        dist_dir().display()
    );
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let sdk_dsn = dsn.clone();
    tokio::task::spawn_blocking(move || {
        send_error_with_breadcrumbs(&sdk_dsn);
        send_message(&sdk_dsn, "Checkout failed: card declined");
    })
    .await
    .expect("SDK thread");
    server.wait_for_issues(&token, |issues| issues.len() == 2).await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let parse_error = "ParseIntError: invalid digit found in string";
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        wait_for_element(&client, "#issue-list .stream-row").await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 2).await?, 2, "both issues listed");
        let hits = wait_for_text(&client, "#hit-count", |t| t == "2 issues").await?;
        assert_eq!(hits, "2 issues");
        // The live stream is connected before anything is sent below.
        wait_for_text(&client, ".live-state", |t| t == "Live").await?;
        assert_eq!(client.find(Locator::Css(".live-state")).await?.text().await?, "Live");

        // Search narrows the list, and the URL says so.
        let search = client.find(Locator::Css("#search-input")).await?;
        search.click().await?;
        search.send_keys("\u{E010} ParseIntError\u{E007}").await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1, "search narrows");
        assert_eq!(texts(&client, "#issue-list .issue-title").await?, vec![parse_error]);
        let url = client.current_url().await?;
        let query = url.query().unwrap_or_default().to_owned();
        assert!(query.contains("query=is%3Aunresolved%20ParseIntError"), "{query}");
        // The search run is the user's recent search.
        let mut recent = json!([]);
        for _ in 0..100 {
            recent = server.get("/api/0/organizations/cairn/recent-searches/", &token).await.1;
            if recent[0]["query"] == "is:unresolved ParseIntError" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(recent[0]["query"], "is:unresolved ParseIntError", "{recent}");

        // Saved searches (src/components/saved_searches.rs, atop the suggestions): the search
        // in effect saved under a name and shared, listed, applied from the dropdown once the
        // stream shows something else (its sort too), then deleted.
        let searches_api = "/api/0/organizations/cairn/searches/";
        client.find(Locator::Css("h1")).await?.click().await?;
        client.find(Locator::Css("#search-input")).await?.click().await?;
        let name_field = ".saved-searches .save-search input[name=saved-search-name]";
        let name = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(name_field))
            .await?;
        // Without a name the server's answer is shown.
        client.find(Locator::Css(".save-search .save-search-submit")).await?.click().await?;
        let refused =
            wait_for_text(&client, ".saved-searches .form-error", |t| !t.is_empty()).await?;
        assert!(refused.contains("name of 1 to 128 characters"), "{refused:?}");
        name.click().await?;
        name.send_keys("Parse errors").await?;
        client
            .find(Locator::Css(".save-search input[name=saved-search-shared]"))
            .await?
            .click()
            .await?;
        client.find(Locator::Css(".save-search .save-search-submit")).await?.click().await?;
        let listed =
            wait_for_text(&client, ".saved-searches .saved-search", |t| t.contains("Parse errors"))
                .await?;
        assert!(listed.contains("Organization"), "shared: {listed:?}");
        assert!(listed.contains("is:unresolved ParseIntError"), "{listed:?}");
        assert_eq!(count(&client, ".save-search", 0).await?, 0, "saved: no longer offered");
        std::fs::write(artifacts_dir().join("saved-searches.png"), client.screenshot().await?).ok();
        let (_, saved) = server.get(searches_api, &token).await;
        assert_eq!(saved.as_array().map_or(0, Vec::len), 1, "{saved}");
        assert_eq!(saved[0]["name"], "Parse errors", "{saved}");
        assert_eq!(saved[0]["query"], "is:unresolved ParseIntError", "{saved}");
        assert_eq!(saved[0]["sort"], "date", "{saved}");
        assert_eq!(saved[0]["visibility"], "organization", "{saved}");
        // Elsewhere (the Unresolved tab, first seen first), the emptied field offers it again.
        client.find(Locator::Css(".stream-tab")).await?.click().await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 2).await?, 2);
        client.find(Locator::Css("#sort-picker")).await?.select_by_value("new").await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 2).await?, 2);
        let search = client.find(Locator::Css("#search-input")).await?;
        search.click().await?;
        let typed = search.prop("value").await?.unwrap_or_default();
        search.send_keys(&"\u{E003}".repeat(typed.chars().count())).await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".saved-searches .saved-search"))
            .await?;
        // The emptied field offers the recent search first.
        let first = wait_for_text(&client, ".search-suggestions .suggestion-label", |t| {
            t == "is:unresolved ParseIntError"
        })
        .await?;
        assert_eq!(first, "is:unresolved ParseIntError", "the recent search first");
        // With the keyboard: down to the first suggestion (the focus stays in the field), up
        // round to the last, down past it to the saved search; Enter takes it.
        search.send_keys(&fantoccini::key::Key::Down).await?;
        assert_eq!(count(&client, ".search-suggestions .suggestion.highlighted", 1).await?, 1);
        let focused = client.execute("return document.activeElement.id;", vec![]).await?;
        assert_eq!(focused, json!("search-input"), "the suggestions come first");
        search.send_keys(&fantoccini::key::Key::Up).await?;
        search.send_keys(&fantoccini::key::Key::Down).await?;
        let focused = client
            .execute("return document.activeElement.classList.contains('saved-search');", vec![])
            .await?;
        assert_eq!(focused, json!(true), "the saved search has the focus");
        assert_eq!(count(&client, ".saved-searches .saved-search", 1).await?, 1, "still shown");
        // Up from the first saved search is the field again; down, the saved search.
        client.active_element().await?.send_keys(&fantoccini::key::Key::Up).await?;
        let focused = client.execute("return document.activeElement.id;", vec![]).await?;
        assert_eq!(focused, json!("search-input"));
        search.send_keys(&fantoccini::key::Key::Down).await?;
        client.active_element().await?.send_keys(&fantoccini::key::Key::Enter).await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1, "applied");
        assert_eq!(count(&client, ".saved-searches", 0).await?, 0, "the dropdown closed");
        assert_eq!(texts(&client, "#issue-list .issue-title").await?, vec![parse_error]);
        let url = client.current_url().await?;
        let query = url.query().unwrap_or_default().to_owned();
        assert!(query.contains("query=is%3Aunresolved%20ParseIntError"), "{query}");
        assert!(query.contains("sort=date"), "the saved search's sort: {query}");
        let search = client.find(Locator::Css("#search-input")).await?;
        let value = search.prop("value").await?.unwrap_or_default();
        assert_eq!(value, "is:unresolved ParseIntError");
        // Its × deletes it; the search in effect is then offered for saving again.
        client.find(Locator::Css("h1")).await?.click().await?;
        search.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(
                ".saved-search-delete[aria-label='Delete saved search Parse errors']",
            ))
            .await?
            .click()
            .await?;
        assert_eq!(count(&client, ".saved-search", 0).await?, 0, "deleted");
        assert_eq!(count(&client, ".saved-searches .save-search", 1).await?, 1);
        let (_, saved) = server.get(searches_api, &token).await;
        assert_eq!(saved, json!([]), "deleted on the server");
        client.find(Locator::Css("h1")).await?.click().await?;

        // The suggestions (src/components/search_suggestions.rs, in the tools' module) draw on
        // the server: a tag's values once its key is typed, and the organization's members.
        let (_, keys) = server.get("/api/0/organizations/cairn/tags/", &token).await;
        let key = keys
            .as_array()
            .and_then(|keys| keys.iter().filter_map(|k| k["key"].as_str()).find(|k| *k != "level"))
            .unwrap_or_else(|| panic!("a tag key besides level: {keys}"))
            .to_owned();
        let (_, values) =
            server.get(&format!("/api/0/organizations/cairn/tags/{key}/values/"), &token).await;
        let value = values[0]["value"].as_str().unwrap_or_else(|| panic!("{values}")).to_owned();
        let search = client.find(Locator::Css("#search-input")).await?;
        search.clear().await?;
        search.send_keys(&format!("{key}:")).await?;
        let offered =
            wait_for_text(&client, ".search-suggestions .suggestion-value", |t| t.contains(&value))
                .await?;
        assert!(offered.contains(&value), "{key}'s value {value:?} offered: {offered:?}");
        search.clear().await?;
        search.send_keys("assigned:owner@").await?;
        let offered = wait_for_text(&client, ".search-suggestions .suggestion-value", |t| {
            t.contains("owner@example.com")
        })
        .await?;
        assert!(offered.contains("owner@example.com"), "the member offered: {offered:?}");

        // Back to the "Unresolved" view: select the other issue and resolve it in bulk.
        client.find(Locator::Css(".stream-tab")).await?.click().await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 2).await?, 2);
        for row in client.find_all(Locator::Css("#issue-list .stream-row")).await? {
            if row.find(Locator::Css(".issue-title")).await?.text().await?.starts_with("Checkout") {
                row.find(Locator::Css(".row-select")).await?.click().await?;
            }
        }
        wait_for_text(&client, ".bulk-count", |t| t == "1 selected").await?;
        client.find(Locator::Css(".bulk-resolve")).await?.click().await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1, "resolved: gone");
        assert_eq!(texts(&client, "#issue-list .issue-title").await?, vec![parse_error]);
        let (_, resolved) =
            server.get("/api/0/organizations/cairn/issues/?query=is:resolved", &token).await;
        assert_eq!(resolved[0]["title"], "Checkout failed: card declined", "{resolved}");

        // Assign the remaining issue to myself with the row's picker, then "Assigned to me".
        client.find(Locator::Css(".stream-row .assignee-button")).await?.click().await?;
        let filter = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".stream-row .assignee-search"))
            .await?;
        filter.send_keys("owner@").await?;
        assert_eq!(count(&client, ".stream-row .assignee-option[data-value]", 1).await?, 1);
        client
            .find(Locator::Css(".stream-row .assignee-option[data-value^='user:']"))
            .await?
            .click()
            .await?;
        let assignee =
            wait_for_text(&client, ".stream-row .assignee-button", |t| t == "owner@example.com")
                .await?;
        assert_eq!(assignee, "owner@example.com");
        for tab in client.find_all(Locator::Css(".stream-tab")).await? {
            if tab.text().await? == "Assigned to me" {
                tab.click().await?;
            }
        }
        wait_for_text(&client, ".stream-tab.active", |t| t == "Assigned to me").await?;
        let url = client.current_url().await?;
        let query = url.query().unwrap_or_default().to_owned();
        assert!(query.contains("query=is%3Aunresolved%20assigned%3Ame"), "{query}");
        assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1);
        assert_eq!(texts(&client, "#issue-list .issue-title").await?, vec![parse_error]);
        wait_for_text(&client, ".live-state", |t| t == "Live").await?;

        // Live: a new event of the issue shown raises its counter without a reload (a marker
        // set on the page now would not survive one).
        client.execute("window.cairnNoReload = true;", vec![]).await?;
        let before = client.find(Locator::Css(".stream-row .issue-count")).await?.text().await?;
        assert_eq!(before, "1");
        let sdk_dsn = dsn.clone();
        tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&sdk_dsn))
            .await
            .expect("SDK thread");
        let after = wait_for_text(&client, ".stream-row .issue-count", |t| t == "2").await?;
        assert_eq!(after, "2", "the counter changed in place");

        // A new issue in the "Unresolved" view waits behind the banner until clicked.
        client.find(Locator::Css(".stream-tab")).await?.click().await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1);
        wait_for_text(&client, ".live-state", |t| t == "Live").await?;
        let sdk_dsn = dsn.clone();
        tokio::task::spawn_blocking(move || send_message(&sdk_dsn, "Inventory sync timed out"))
            .await
            .expect("SDK thread");
        let banner = wait_for_element(&client, "#new-issues").await?;
        assert_eq!(banner.text().await?, "1 new issue: show them");
        assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1, "not inserted yet");
        std::fs::write(artifacts_dir().join("issue-stream.png"), client.screenshot().await?).ok();
        banner.click().await?;
        assert_eq!(count(&client, "#issue-list .stream-row", 2).await?, 2, "inserted");
        let titles = texts(&client, "#issue-list .issue-title").await?;
        assert!(titles.contains(&"Inventory sync timed out".to_owned()), "{titles:?}");
        let marker = client.execute("return window.cairnNoReload === true;", vec![]).await?;
        assert_eq!(marker, json!(true), "the page was never reloaded");

        // Keyboard, typed outside any field: `j` puts the cursor on the first row, `?` shows
        // the shortcuts.
        client.find(Locator::Css("h1")).await?.click().await?;
        let keys = |key: char| {
            fantoccini::actions::KeyActions::new(format!("key-{key}"))
                .then(fantoccini::actions::KeyAction::Down { value: key })
                .then(fantoccini::actions::KeyAction::Up { value: key })
        };
        client.perform_actions(keys('j')).await?;
        assert_eq!(count(&client, ".stream-row.focused", 1).await?, 1, "j moves the cursor");
        // `a` opens the focused row's assignee picker (and nobody else's), its search focused;
        // Escape closes it.
        client.perform_actions(keys('a')).await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".stream-row.focused .assignee-menu"))
            .await?;
        assert_eq!(count(&client, ".assignee-menu", 1).await?, 1, "one picker opens");
        let mut focused_class = json!(null);
        for _ in 0..50 {
            focused_class =
                client.execute("return document.activeElement.className;", vec![]).await?;
            if focused_class == json!("assignee-search") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(focused_class, json!("assignee-search"), "typing filters at once");
        client.find(Locator::Css(".assignee-search")).await?.send_keys("\u{e00c}").await?;
        assert_eq!(count(&client, ".assignee-menu", 0).await?, 0, "Escape closes it");
        client.find(Locator::Css("h1")).await?.click().await?;
        client.perform_actions(keys('?')).await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#shortcut-help"))
            .await?;

        // Merged Issues: the ParseIntError and the inventory issue merged through the API;
        // the merged issue's tab lists the fingerprints of both, and unmerging the inventory's
        // moves it and its event out into a new issue again.
        let (_, open) = server.get("/api/0/organizations/cairn/issues/", &token).await;
        let id_of = |title: &str| {
            open.as_array()
                .and_then(|issues| issues.iter().find(|i| i["title"] == title))
                .and_then(|issue| issue["id"].as_str())
                .unwrap_or_else(|| panic!("an open issue {title:?}: {open}"))
                .to_owned()
        };
        let (parse_id, inventory_id) = (id_of(parse_error), id_of("Inventory sync timed out"));
        let (status, merged) = server
            .put(
                &format!("/api/0/organizations/cairn/issues/?id={parse_id}&id={inventory_id}"),
                &token,
                json!({"merge": true}),
            )
            .await;
        assert_eq!(status, 200, "{merged}");
        assert_eq!(merged["merge"]["parent"], json!(parse_id), "the issue with more events");
        let hashes_path = format!("/api/0/organizations/cairn/issues/{parse_id}/hashes/");
        let (_, hashes) = server.get(&hashes_path, &token).await;
        let fingerprints = hashes.as_array().map_or(0, Vec::len);
        assert!(fingerprints >= 2, "{hashes}");
        client.goto(&format!("{}/organizations/cairn/issues/{parse_id}/", server.url)).await?;
        let events = wait_for_text(&client, "#issue-header .issue-count", |t| t == "3").await?;
        assert_eq!(events, "3", "both issues' events");
        client.find(Locator::Css(".issue-tabs .tab-merged")).await?.click().await?;
        let rows = count(&client, "#merged-issues .merged-hash", fingerprints).await?;
        assert_eq!(rows, fingerprints, "a row per fingerprint");
        let titles = texts(&client, "#merged-issues .merged-hash-title").await?;
        assert!(titles.iter().any(|t| t == parse_error), "{titles:?}");
        assert!(titles.iter().any(|t| t == "Inventory sync timed out"), "{titles:?}");
        let unmerge = client.find(Locator::Css("#unmerge-button")).await?;
        assert!(unmerge.attr("disabled").await?.is_some(), "nothing checked yet");
        for row in client.find_all(Locator::Css("#merged-issues .merged-hash")).await? {
            let title = match row.find(Locator::Css(".merged-hash-title")).await {
                Ok(title) => title.text().await?,
                Err(_) => continue,
            };
            if title == "Inventory sync timed out" {
                row.find(Locator::Css(".merged-hash-select")).await?.click().await?;
            }
        }
        std::fs::write(artifacts_dir().join("issue-merged.png"), client.screenshot().await?).ok();
        client.find(Locator::Css("#unmerge-button")).await?.click().await?;
        let status =
            wait_for_text(&client, "#unmerge-status", |t| t.starts_with("Unmerged")).await?;
        assert!(
            status.starts_with("Unmerged: the events of 1 fingerprint moved to a new issue."),
            "{status}"
        );
        let rows = count(&client, "#merged-issues .merged-hash", fingerprints - 1).await?;
        assert_eq!(rows, fingerprints - 1, "the list was fetched again");
        let titles = texts(&client, "#merged-issues .merged-hash-title").await?;
        assert!(!titles.iter().any(|t| t == "Inventory sync timed out"), "{titles:?}");
        let events = wait_for_text(&client, "#issue-header .issue-count", |t| t == "2").await?;
        assert_eq!(events, "2", "the header counts again");
        let link = client.find(Locator::Css("#unmerge-status a")).await?.attr("href").await?;
        let link = link.unwrap_or_default();
        assert!(link.starts_with("/organizations/cairn/issues/?project="), "{link}");
        let (_, hashes) = server.get(&hashes_path, &token).await;
        assert_eq!(hashes.as_array().map_or(0, Vec::len), fingerprints - 1, "{hashes}");
        // The Details tab no longer shows the inventory event, which was the latest.
        let latest = hashes
            .as_array()
            .and_then(|h| h.iter().find_map(|h| h["latestEvent"]["eventID"].as_str()))
            .unwrap_or_else(|| panic!("a fingerprint with an event: {hashes}"))
            .to_owned();
        client.find(Locator::Css(".issue-tabs .tab-details")).await?.click().await?;
        wait_for_event(&client, &latest).await?;
        client.find(Locator::Css(".issue-tabs .tab-merged")).await?.click().await?;
        let (_, open) = server.get("/api/0/organizations/cairn/issues/", &token).await;
        let open = open.as_array().cloned().unwrap_or_default();
        assert_eq!(open.len(), 2, "one more issue: {open:?}");
        assert!(
            open.iter().any(|i| i["title"] == "Inventory sync timed out" && i["id"] != parse_id),
            "the inventory event in an issue of its own: {open:?}"
        );
        // A row's event link shows that event, on the Details tab.
        wait_for_element(&client, "#merged-issues .merged-hash-title").await?.click().await?;
        wait_for_element(&client, ".issue-tabs .tab-details.selected").await?;
        wait_for_element(&client, "#event").await?;
        let url = client.current_url().await?;
        assert!(url.query().is_some_and(|q| q.starts_with("event=")), "{url}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        // What the page looked like when it failed.
        if let Ok(png) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("issue-stream-failure.png"), png).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// Script payloads that must stay text wherever event data is shown.
const SCRIPT_PAYLOAD: &str = "<script>window.__xss=1</script>";
const IMG_PAYLOAD: &str = "<img src=x onerror=\"window.__xss=2\">";

/// The file each hostile event carries, under a name that is a payload.
const ATTACHMENT_BYTES: &[u8] = b"log line one\nlog line two\n";

/// Sends, with the official SDK, a browser application's warning whose message is a payload,
/// inside a transaction; returns its event id and the tracing headers (`sentry-trace`) the
/// application's requests carry.
fn send_frontend_warning(dsn: &str) -> (String, Vec<(String, String)>) {
    let (hub, client) = crate::common::sentry_hub(dsn, "web@1.0.0");
    let sent = sentry::Hub::run(hub, || {
        let context = sentry::TransactionContext::new("checkout", "ui.action");
        let transaction = sentry::start_transaction(context);
        sentry::configure_scope(|scope| scope.set_span(Some(transaction.clone().into())));
        let headers = transaction.iter_headers().map(|(k, v)| (k.to_owned(), v)).collect();
        let message = format!("Checkout request failed {IMG_PAYLOAD}");
        (sentry::capture_message(&message, sentry::Level::Warning).simple().to_string(), headers)
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
    sent
}

/// Sends, with the official SDK, two events of one issue (the same message) whose message,
/// breadcrumbs, tags, extra data and user hold HTML payloads, in the trace of the request whose
/// tracing headers are `trace` (the backend continues the browser's trace); returns their
/// event ids, oldest first.
fn send_hostile_events(dsn: &str, trace: &[(String, String)]) -> Vec<String> {
    let (hub, client) = crate::common::sentry_hub(dsn, "backend@2.0.0");
    let ids = sentry::Hub::run(hub, || {
        let headers = trace.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let context = sentry::TransactionContext::continue_from_headers(
            "POST /api/orders",
            "http.server",
            headers,
        );
        let transaction = sentry::start_transaction(context);
        sentry::configure_scope(|scope| scope.set_span(Some(transaction.clone().into())));
        sentry::add_breadcrumb(sentry::Breadcrumb {
            category: Some("auth".into()),
            message: Some(format!("login {IMG_PAYLOAD}")),
            level: sentry::Level::Info,
            ..Default::default()
        });
        sentry::add_breadcrumb(sentry::Breadcrumb {
            ty: "http".into(),
            category: Some("httplib".into()),
            message: Some(format!("slow answer {SCRIPT_PAYLOAD}")),
            level: sentry::Level::Warning,
            ..Default::default()
        });
        sentry::configure_scope(|scope| {
            scope.set_tag("payload", IMG_PAYLOAD);
            scope.set_extra("payload", SCRIPT_PAYLOAD.into());
            scope.set_user(Some(sentry::User {
                id: Some("7".into()),
                username: Some(IMG_PAYLOAD.into()),
                ..Default::default()
            }));
            scope.add_attachment(sentry::protocol::Attachment {
                buffer: ATTACHMENT_BYTES.to_vec(),
                filename: format!("{IMG_PAYLOAD}.log"),
                content_type: Some("text/plain".into()),
                ty: None,
            });
        });
        let message = format!("Order failed {SCRIPT_PAYLOAD} {IMG_PAYLOAD}");
        (0..2)
            .map(|_| {
                let id = sentry::capture_message(&message, sentry::Level::Error);
                // Distinct timestamps keep "oldest" and "next" unambiguous.
                std::thread::sleep(Duration::from_millis(20));
                id.simple().to_string()
            })
            .collect::<Vec<_>>()
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its events");
    ids
}

/// The text of the first element matching `selector`, waiting up to 20 s for it.
async fn text_of(client: &Client, selector: &str) -> Result<String, fantoccini::error::CmdError> {
    wait_for_element(client, selector).await?.text().await
}

/// Presses `key` on the page, as the keyboard would (a `keydown` on the window).
async fn press(client: &Client, key: &str) -> Result<(), fantoccini::error::CmdError> {
    let script = format!("window.dispatchEvent(new KeyboardEvent('keydown', {{key: '{key}'}}));");
    client.execute(&script, vec![]).await.map(drop)
}

/// Waits up to 20 s until the event shown is `event_id`.
async fn wait_for_event(
    client: &Client,
    event_id: &str,
) -> Result<(), fantoccini::error::CmdError> {
    let selector = format!("#event[data-event-id='{event_id}']");
    wait_for_element(client, &selector).await?;
    Ok(())
}

/// Deletes through a `ConfirmDelete`: clicks `{prefix}-delete`, then its confirmation
/// `{prefix}-delete-confirm` once shown.
async fn confirm_delete(client: &Client, prefix: &str) -> Result<(), fantoccini::error::CmdError> {
    client.find(Locator::Css(&format!("{prefix}-delete"))).await?.click().await?;
    wait_for_element(client, &format!("{prefix}-delete-confirm")).await?.click().await
}

/// Writes `text` in the issue page's comment box and sends it.
async fn add_comment(client: &Client, text: &str) -> Result<(), fantoccini::error::CmdError> {
    client.find(Locator::Css("#activity textarea[name=comment]")).await?.send_keys(text).await?;
    client.find(Locator::Css("#activity .comment-form button[type=submit]")).await?.click().await
}

/// Clicks the issue stream's tab labelled `label`.
async fn open_tab(client: &Client, label: &str) -> Result<(), fantoccini::error::CmdError> {
    for tab in client.find_all(Locator::Css(".stream-tab")).await? {
        if tab.text().await? == label {
            return tab.click().await;
        }
    }
    panic!("no tab {label:?}");
}

/// Sentry's priority and review on the stream and the issue page: each issue's priority from
/// its level as a badge, the *Prioritized* tab, the issue page's *Priority* select and *Mark
/// reviewed*, and the *For review* tab without the reviewed issue.
#[tokio::test(flavor = "multi_thread")]
async fn issues_are_triaged_by_priority_and_marked_reviewed() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    for (text, level) in [
        ("Cache warmed", sentry::Level::Info),
        ("Slow query", sentry::Level::Warning),
        ("Payment failed", sentry::Level::Error),
    ] {
        crate::common::capture_message_at(&dsn, "backend@1.0.0", text, level).await;
    }
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 3).await;
    let cache = issues.iter().find(|i| i["title"] == "Cache warmed").expect("issue");
    let cache_id = cache["id"].as_str().expect("id").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        assert_eq!(count(&client, "#issue-list .issue-row", 3).await?, 3);
        let badges = texts(&client, "#issue-list .issue-row .priority").await?;
        assert_eq!(badges, ["High", "Med", "Low"], "newest first");
        open_tab(&client, "Prioritized").await?;
        assert_eq!(count(&client, "#issue-list .issue-row", 2).await?, 2, "high and medium");
        let titles = texts(&client, "#issue-list .issue-link").await?;
        assert_eq!(titles, ["Payment failed", "Slow query"]);

        // The low one, set high on its page: the header and the activity say so.
        client.goto(&format!("{}/organizations/cairn/issues/{cache_id}/", server.url)).await?;
        let select = "#issue-header .issue-priority select";
        wait_for_element(&client, select).await?;
        assert_eq!(value_of(&client, select).await?, "low");
        client.find(Locator::Css(select)).await?.select_by_value("high").await?;
        let activity =
            wait_for_text(&client, "#activity", |t| t.contains("set the priority to High")).await?;
        assert!(activity.contains("set the priority to High"), "{activity}");
        assert_eq!(wait_for_value(&client, select, "high").await?, "high");

        // Marked reviewed: the button goes, the activity says so.
        client.find(Locator::Css("#issue-header button.mark-reviewed")).await?.click().await?;
        let activity =
            wait_for_text(&client, "#activity", |t| t.contains("marked this issue reviewed"))
                .await?;
        assert!(activity.contains("marked this issue reviewed"), "{activity}");
        assert_eq!(count(&client, "#issue-header button.mark-reviewed", 0).await?, 0);

        // Back on the stream: for review are the two others; prioritized, all three.
        client.goto(&format!("{}/organizations/cairn/issues/", server.url)).await?;
        assert_eq!(count(&client, "#issue-list .issue-row", 3).await?, 3);
        open_tab(&client, "For review").await?;
        assert_eq!(count(&client, "#issue-list .issue-row", 2).await?, 2);
        let titles = texts(&client, "#issue-list .issue-link").await?;
        assert_eq!(titles, ["Payment failed", "Slow query"]);
        open_tab(&client, "Prioritized").await?;
        assert_eq!(count(&client, "#issue-list .issue-row", 3).await?, 3);
        std::fs::write(artifacts_dir().join("issue-priority.png"), client.screenshot().await?).ok();
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    let (_, issue) = server.get(&format!("/api/0/issues/{cache_id}/"), &token).await;
    assert_eq!(
        (issue["priority"].clone(), issue["inbox"].clone()),
        (json!("high"), serde_json::Value::Null)
    );
}

/// Sentry's tag details on the issue page's *Tags* tab: every tag with its top values, and one
/// tag's values sorted as asked and exported as CSV; then the *Events* tab's search.
#[tokio::test(flavor = "multi_thread")]
async fn tags_tab_lists_a_tags_values_sorted_as_asked() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let id = crate::issue_tags::six_checkouts(&server, &token, &dsn).await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{id}/", server.url)).await?;
        wait_for_element(&client, ".issue-tabs .tab-tags").await?.click().await?;
        let customer = ".issue-tag[data-key=\"customer\"]";
        let counts = text_of(&client, &format!("{customer} .issue-tag-counts")).await?;
        assert_eq!(counts, "6 events, 3 values");
        client.find(Locator::Css(&format!("{customer} .all-values"))).await?.click().await?;
        assert_eq!(count(&client, "#tag-values .tag-value-row", 3).await?, 3);
        let values = texts(&client, "#tag-values .tag-value-name").await?;
        assert_eq!(values, ["acme", "gamma", "beta"], "the most events first");
        let percents = texts(&client, "#tag-values .tag-value-percent").await?;
        assert_eq!(percents, ["50%", "33%", "17%"]);
        client.find(Locator::Css("#tag-values-sort")).await?.select_by_value("-first_seen").await?;
        for _ in 0..100 {
            if texts(&client, "#tag-values .tag-value-name").await? == ["beta", "gamma", "acme"] {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let values = texts(&client, "#tag-values .tag-value-name").await?;
        assert_eq!(values, ["beta", "gamma", "acme"], "the most recently first seen first");
        let csv = client.find(Locator::Css("#tag-values-csv")).await?.attr("href").await?;
        let csv = csv.unwrap_or_default();
        assert!(csv.starts_with("data:text/csv"), "{csv}");
        assert!(csv.contains("beta") && csv.contains("Times%20Seen"), "{csv}");
        std::fs::write(artifacts_dir().join("issue-tags.png"), client.screenshot().await?).ok();
        // A value leads to the issues with it.
        let link = client
            .find(Locator::Css("#tag-values .tag-value-name a, #tag-values a.tag-value-name"))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        assert!(link.contains("customer%3Abeta") || link.contains("customer:beta"), "{link}");
        client.find(Locator::Css("#tags-back")).await?.click().await?;
        assert_eq!(count(&client, "#issue-tags .issue-tag", 1).await?.min(1), 1);

        // The Events tab searches the issue's events by a tag, and says when none match.
        client.find(Locator::Css(".issue-tabs .tab-events")).await?.click().await?;
        assert_eq!(count(&client, "#event-list .event-row", 6).await?, 6);
        let search = |query: &'static str| {
            let client = client.clone();
            async move {
                let field = client.find(Locator::Css("#issue-events-query")).await?;
                field.clear().await?;
                field.send_keys(&format!("{query}\u{e007}")).await
            }
        };
        search("customer:beta").await?;
        assert_eq!(count(&client, "#event-list .event-row", 1).await?, 1, "beta's one event");
        search("payment").await?;
        let none = text_of(&client, "#issue-events-none").await?;
        assert_eq!(none, "No events of this issue match the search.");
        search("is:unresolved").await?;
        let error =
            wait_for_text(&client, "#issue-events .error-detail", |t| !t.is_empty()).await?;
        assert!(error.contains("a property of issues, not of their events"), "{error}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// Sentry's *Attachments* tab: the files of every event of the issue, filtered to screenshots,
/// each a download of the file's bytes.
#[tokio::test(flavor = "multi_thread")]
async fn attachments_tab_lists_the_issues_files_and_filters_the_screenshots() {
    use crate::attachments::send_with_files;
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "App").await;
    send_with_files(&dsn, &[("app.log", None), ("screenshot.png", None)]).await;
    let issues = server.wait_for_issues(&token, |i| i.len() == 1).await;
    let id = issues[0]["id"].as_str().expect("id").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{id}/", server.url)).await?;
        wait_for_element(&client, ".issue-tabs .tab-attachments").await?.click().await?;
        assert_eq!(count(&client, "#issue-attachments .issue-attachment", 2).await?, 2);
        let names = texts(&client, "#issue-attachments .issue-attachment-name").await?;
        assert_eq!(names, ["screenshot.png", "app.log"], "the newest first");
        client
            .find(Locator::Css("#issue-attachments-filter"))
            .await?
            .select_by_value("screenshots")
            .await?;
        assert_eq!(count(&client, "#issue-attachments .issue-attachment", 1).await?, 1);
        let link = client
            .find(Locator::Css("#issue-attachments .issue-attachment-name"))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        Ok::<String, fantoccini::error::CmdError>(link)
    }
    .await;
    let _ = client.close().await;
    let link = match result {
        Ok(link) => link,
        Err(err) => panic!("browser test failed: {err}"),
    };
    assert!(link.ends_with("/?download"), "{link}");
    let response = server
        .http
        .get(format!("{}{link}", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.expect("the file");
    assert_eq!(&bytes[..], b"the bytes of screenshot.png");
}

/// Sentry's trace view: the backend error's issue page counts its trace's transactions and
/// links the trace, whose page draws the page load and the backend request it called as a
/// waterfall with their errors, and opens the request to its query span.
#[tokio::test(flavor = "multi_thread")]
async fn trace_page_draws_the_transactions_of_a_failing_request_and_their_spans() {
    use crate::traces::trace_a_failing_request;
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let frontend = server.create_project(&token, "Frontend").await;
    let backend = server.create_project(&token, "Backend").await;
    let sent = trace_a_failing_request(&frontend, &backend).await;
    let issues = server.wait_for_issues(&token, |i| i.len() == 2).await;
    let issue = issues.iter().find(|i| i["title"] == "Cart query timed out").expect("issue");
    let id = issue["id"].as_str().expect("id").to_owned();
    let meta = format!("/api/0/organizations/cairn/events-trace-meta/{}/", sent.trace_id);
    for _ in 0..100 {
        if server.get(&meta, &token).await.1["transactions"] == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{id}/", server.url)).await?;
        let summary =
            wait_for_text(&client, "#trace .trace-summary", |t| t.contains("transactions")).await?;
        assert!(summary.starts_with("2 transactions, 2 errors in 2 projects"), "{summary}");
        wait_for_element(&client, "#trace a.trace-open").await?.click().await?;
        let trace_path = format!("/organizations/cairn/performance/trace/{}/", sent.trace_id);
        assert_eq!(wait_for_path(&client, &trace_path).await?, trace_path);
        let summary = wait_for_text(&client, "#trace-summary", |t| t.contains("·")).await?;
        assert!(summary.starts_with("2 transactions · 2 errors · 2 projects · "), "{summary}");
        assert_eq!(count(&client, "#waterfall > .waterfall-row", 4).await?, 4);
        let names = texts(&client, "#waterfall .waterfall-transaction .waterfall-name").await?;
        assert_eq!(names, ["/checkout", "POST /api/checkout"]);
        let errors = texts(&client, "#waterfall .waterfall-error-title").await?;
        assert_eq!(errors, ["Checkout failed", "Cart query timed out"]);
        // The request's row opens to its query span.
        let request = "#waterfall .waterfall-transaction:nth-of-type(3)";
        client.find(Locator::Css(&format!("{request} .waterfall-toggle"))).await?.click().await?;
        let span = format!("{request} .waterfall-span[data-span='{}']", sent.query_span);
        let description =
            wait_for_text(&client, &format!("{span} .waterfall-description"), |t| !t.is_empty())
                .await?;
        assert_eq!(description, "SELECT * FROM carts WHERE id = %s");
        assert_eq!(
            text_of(&client, &format!("{span} .waterfall-status")).await?,
            "deadline_exceeded"
        );
        let facts = text_of(&client, &format!("{request} .waterfall-facts")).await?;
        assert!(facts.contains("release api@2.0.0"), "{facts}");
        let json = client
            .find(Locator::Css(&format!("{request} .waterfall-json")))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        // The span opens to what the SDK recorded of it.
        client.find(Locator::Css(&format!("{span} .waterfall-span-toggle"))).await?.click().await?;
        let details = wait_for_text(&client, &format!("{span} .waterfall-span-details"), |t| {
            t.contains(&sent.query_span)
        })
        .await?;
        assert!(details.contains("db.sql.query"), "{details}");
        if let Ok(png) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("trace-page.png"), png).ok();
        }
        // The error's row leads back to its event.
        client
            .find(Locator::Css("#waterfall .waterfall-error:nth-of-type(4) a"))
            .await?
            .click()
            .await?;
        let issue_path = format!("/organizations/cairn/issues/{id}/");
        assert_eq!(wait_for_path(&client, &issue_path).await?, issue_path);

        // The header's *Performance*: both transactions by name; the request opens to its
        // slowest run, whose trace is the same page.
        wait_for_element(&client, ".app-nav a[href='/organizations/cairn/performance/']")
            .await?
            .click()
            .await?;
        assert_eq!(count(&client, "#transactions .transaction-row", 2).await?, 2);
        let mut names = texts(&client, "#transactions .transaction-name").await?;
        names.sort();
        assert_eq!(names, ["/checkout", "POST /api/checkout"]);
        let row = "#transactions .transaction-row[data-transaction='POST /api/checkout']";
        assert_eq!(text_of(&client, &format!("{row} .transaction-failure-rate")).await?, "100%");
        assert_eq!(text_of(&client, &format!("{row} .transaction-count")).await?, "1");
        client.find(Locator::Css(&format!("{row} .transaction-name"))).await?.click().await?;
        let trace_link =
            wait_for_element(&client, ".transaction-sample a.transaction-sample-trace").await?;
        if let Ok(png) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("performance-page.png"), png).ok();
        }
        trace_link.click().await?;
        assert_eq!(wait_for_path(&client, &trace_path).await?, trace_path);
        assert_eq!(count(&client, "#waterfall > .waterfall-row", 4).await?, 4);
        Ok::<String, fantoccini::error::CmdError>(json)
    }
    .await;
    let _ = client.close().await;
    let json = match result {
        Ok(json) => json,
        Err(err) => panic!("browser test failed: {err}"),
    };
    // The transaction's JSON link: the payload as kept, spans included.
    let (status, kept) = server.get(&json, &token).await;
    assert_eq!(status, 200, "{json}: {kept}");
    assert_eq!(kept["transaction"], "POST /api/checkout", "{kept}");
    assert_eq!(kept["spans"][0]["span_id"], sent.query_span.as_str());
}

/// Sentry's *Similar Issues* tab: the same error raised from another function, grouped apart,
/// is listed with its scores, and merging it from the tab leaves one issue with both events.
#[tokio::test(flavor = "multi_thread")]
async fn similar_issues_tab_lists_the_same_error_raised_elsewhere_and_merges_it() {
    use crate::similar::{capture_the_same_error_twice, PRICE};
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    capture_the_same_error_twice(&dsn).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    // The older issue, the one kept by a merge of two single events.
    let quantity_id = issues[1]["id"].as_str().expect("id").to_owned();
    let price_id = issues[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(issues[0]["title"], PRICE, "the newest first");

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{quantity_id}/", server.url)).await?;
        wait_for_element(&client, ".issue-tabs .tab-similar").await?.click().await?;
        assert_eq!(count(&client, "#similar-issue-list .similar-issue", 1).await?, 1);
        let titles = texts(&client, "#similar-issue-list .similar-issue-title").await?;
        assert_eq!(titles, [PRICE]);
        let exception = text_of(&client, "#similar-issue-list .similarity-exception").await?;
        assert!(exception.ends_with('%'), "a score: {exception:?}");
        let message = text_of(&client, "#similar-issue-list .similarity-message").await?;
        assert_eq!(message, "–", "neither has a message");
        let merge = client.find(Locator::Css("#merge-similar-button")).await?;
        assert!(merge.attr("disabled").await?.is_some(), "nothing checked yet");
        client.find(Locator::Css(".similar-issue-select")).await?.click().await?;
        std::fs::write(artifacts_dir().join("issue-similar.png"), client.screenshot().await?).ok();
        client.find(Locator::Css("#merge-similar-button")).await?.click().await?;
        // Both have one event: the older issue, this one, keeps the other's.
        let status = wait_for_text(&client, "#similar-status", |t| t.starts_with("Merged")).await?;
        assert_eq!(status, "Merged 1 issue into this one.");
        let events = wait_for_text(&client, "#issue-header .issue-count", |t| t == "2").await?;
        assert_eq!(events, "2", "the header counts both events");
        assert_eq!(count(&client, "#similar-issue-list .similar-issue", 0).await?, 0);

        // The shown event's JSON link opens the event as stored.
        client.find(Locator::Css(".issue-tabs .tab-details")).await?.click().await?;
        let json = wait_for_element(&client, "#event-nav a.event-json")
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        assert!(json.starts_with("/api/0/projects/cairn/"), "{json}");
        client.goto(&format!("{}{json}", server.url)).await?;
        let body = text_of(&client, "pre").await?;
        let stored: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(stored["exception"]["values"][0]["type"], "ValueError", "{body}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    let (status, _) = server.get(&format!("/api/0/issues/{price_id}/"), &token).await;
    assert_eq!(status, 404, "the merged issue is gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_page_shows_hostile_event_data_as_text_and_triages_the_issue() {
    assert!(
        dist_dir().join("index.html").exists(),
        "run `make dashboard` (or `make test`), which builds the dashboard first"
    );
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let web_dsn = server.create_project(&token, "Web").await;
    let sdk_dsn = dsn.clone();
    let (web_event, events) = tokio::task::spawn_blocking(move || {
        let (web_event, trace) = send_frontend_warning(&web_dsn);
        (web_event, send_hostile_events(&sdk_dsn, &trace))
    })
    .await
    .expect("SDK thread");
    let issues = server
        .wait_for_issues(&token, |issues| issues.first().is_some_and(|i| i["count"] == "2"))
        .await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    // Feedback on the newer event, as an SDK's user report sends it, payloads and all.
    let report = json!({"event_id": events[1], "name": SCRIPT_PAYLOAD,
        "email": "jane@example.com", "comments": format!("It broke {IMG_PAYLOAD}")});
    server.post_envelope(&dsn, [("user_report", report)]).await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{issue_id}/", server.url)).await?;

        // Every place event data shows keeps the payloads as text.
        let title = text_of(&client, "#issue-header .issue-title").await?;
        assert!(title.contains(SCRIPT_PAYLOAD), "{title}");
        wait_for_event(&client, &events[1]).await?;
        let message = text_of(&client, ".event-message").await?;
        assert!(message.contains(SCRIPT_PAYLOAD) && message.contains(IMG_PAYLOAD), "{message}");
        let crumbs = text_of(&client, "#breadcrumbs .crumbs").await?;
        assert!(crumbs.contains(IMG_PAYLOAD) && crumbs.contains(SCRIPT_PAYLOAD), "{crumbs}");
        let tags = text_of(&client, "#tags").await?;
        assert!(tags.contains(IMG_PAYLOAD), "{tags}");
        let extra = text_of(&client, "#extra").await?;
        assert!(extra.contains(SCRIPT_PAYLOAD), "{extra}");
        let user = text_of(&client, "#user").await?;
        assert!(user.contains(IMG_PAYLOAD), "{user}");
        let facets = text_of(&client, "#tag-facets").await?;
        assert!(facets.contains(IMG_PAYLOAD), "{facets}");
        // The event's attachment: its name as text, a link that downloads its bytes.
        let attachment = text_of(&client, ".event-attachments .attachment-name").await?;
        assert_eq!(attachment, format!("{IMG_PAYLOAD}.log"));
        let downloaded = client
            .execute_async(
                "const done = arguments[0];
                 const link = document.querySelector('.event-attachments .attachment-name');
                 fetch(link.href).then(r => r.text()).then(done, e => done(String(e)));",
                vec![],
            )
            .await?;
        assert_eq!(downloaded, json!(String::from_utf8_lossy(ATTACHMENT_BYTES)));
        let xss = client.execute("return typeof window.__xss;", vec![]).await?;
        assert_eq!(xss, json!("undefined"), "no payload ran");
        let injected = client
            .find_all(Locator::Css(
                "#event script, #event img, #tag-facets img, .event-attachments img",
            ))
            .await?;
        assert!(injected.is_empty(), "no element was made from event data");

        // The chart and the facets are there.
        wait_for_element(&client, "#issue-chart [role=img] svg").await?;
        let label = client
            .find(Locator::Css("#issue-chart [role=img]"))
            .await?
            .attr("aria-label")
            .await?
            .unwrap_or_default();
        assert!(label.starts_with("Events over the last 24 hours: 2 events"), "{label}");

        // Breadcrumbs: by level, then by text.
        client
            .find(Locator::Css("#breadcrumbs .breadcrumb-level"))
            .await?
            .select_by_value("warning")
            .await?;
        assert_eq!(count(&client, "#breadcrumbs .crumb", 1).await?, 1, "only the warning");
        let crumb = text_of(&client, "#breadcrumbs .crumb .crumb-message").await?;
        assert!(crumb.starts_with("slow answer"), "{crumb}");
        client
            .find(Locator::Css("#breadcrumbs .breadcrumb-level"))
            .await?
            .select_by_value("")
            .await?;
        assert_eq!(count(&client, "#breadcrumbs .crumb", 2).await?, 2, "both again");
        client
            .find(Locator::Css("#breadcrumbs .breadcrumb-search"))
            .await?
            .send_keys("LOGIN")
            .await?;
        assert_eq!(count(&client, "#breadcrumbs .crumb", 1).await?, 1, "searched");
        let crumb = text_of(&client, "#breadcrumbs .crumb .crumb-message").await?;
        assert_eq!(crumb, format!("login {IMG_PAYLOAD}"));
        std::fs::write(artifacts_dir().join("issue-page.png"), client.screenshot().await?).ok();

        // Archive (Sentry's name of ignore): until it escalates; the header says archived.
        client.find(Locator::Css("#issue-header button.ignore")).await?.click().await?;
        // (Compared ignoring case: the stylesheet capitalizes the status.)
        let archived = wait_for_text(&client, "#issue-header .issue-status", |t| {
            t.eq_ignore_ascii_case("archived")
        })
        .await?;
        assert_eq!(archived.to_lowercase(), "archived");
        let detail = text_of(&client, "#issue-header .issue-status-detail").await?;
        assert_eq!(detail, "until it escalates");
        let (_, issue) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
        assert_eq!(
            (issue["status"].clone(), issue["substatus"].clone()),
            (json!("ignored"), json!("archived_until_escalating"))
        );
        client.find(Locator::Css("#issue-header button.unresolve")).await?.click().await?;
        let reopened = wait_for_text(&client, "#issue-header .issue-status", |t| {
            t.eq_ignore_ascii_case("unresolved")
        })
        .await?;
        assert_eq!(reopened.to_lowercase(), "unresolved");

        // Archived for 2 hours from the Archive menu; the API agrees.
        client.find(Locator::Css("#issue-header .ignore-menu summary")).await?.click().await?;
        client
            .find(Locator::Css("#issue-header .ignore-duration[data-minutes='120']"))
            .await?
            .click()
            .await?;
        wait_for_element(&client, "#issue-header .issue-status.status-ignored").await?;
        let detail = text_of(&client, "#issue-header .issue-status-detail").await?;
        assert!(detail.starts_with("until "), "{detail}");
        let (status, issue) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
        assert_eq!(status, 200, "{issue}");
        assert_eq!(issue["status"], "ignored");
        assert_eq!(issue["substatus"], "archived_until_condition_met");
        let until = issue["statusDetails"]["ignoreUntil"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .expect("ignoreUntil is a date");
        let ahead = until.with_timezone(&chrono::Utc) - chrono::Utc::now();
        assert!(
            ahead > chrono::Duration::minutes(115) && ahead <= chrono::Duration::minutes(120),
            "{ahead}"
        );

        // The stream's *Archived* tab lists it; back to its page.
        client.goto(&format!("{}/organizations/cairn/issues/", server.url)).await?;
        wait_for_element(&client, ".stream-tab").await?;
        open_tab(&client, "Archived").await?;
        assert_eq!(count(&client, "#issue-list .issue-row", 1).await?, 1, "the archived issue");
        client.goto(&format!("{}/organizations/cairn/issues/{issue_id}/", server.url)).await?;
        wait_for_element(&client, "#activity textarea[name=comment]").await?;

        // A comment, kept as text, in the activity.
        let comment = format!("Looking into it {IMG_PAYLOAD}");
        add_comment(&client, &comment).await?;
        let note = text_of(&client, "#activity .activity-note").await?;
        assert_eq!(note, comment);
        let (_, notes) = server.get(&format!("/api/0/issues/{issue_id}/comments/"), &token).await;
        assert_eq!(notes[0]["data"]["text"], json!(comment));

        // A comment that mentions a member: she hears of it and takes part, and the owner, who
        // commented, may unsubscribe.
        let ann = server.member_token("ann@example.com");
        // Her address is taken from the comment box's suggestions: `@` offers both members
        // (fetched now), ArrowDown moves to her, `@an` leaves only her, Enter takes her.
        let comment_box = client.find(Locator::Css("#activity textarea[name=comment]")).await?;
        comment_box.send_keys("@").await?;
        assert_eq!(count(&client, "#activity .mention-suggestion", 2).await?, 2, "both members");
        comment_box.send_keys(&fantoccini::key::Key::Down).await?;
        let ann_selected = "#activity .mention-suggestion[aria-selected=true]\
                            [data-insert='@ann@example.com']";
        assert_eq!(count(&client, ann_selected, 1).await?, 1, "ArrowDown moves to her");
        comment_box.send_keys("an").await?;
        assert_eq!(count(&client, "#activity .mention-suggestion", 1).await?, 1, "only her");
        let offered = text_of(&client, "#activity .mention-suggestions[role=listbox]").await?;
        assert!(offered.contains("ann@example.com"), "{offered}");
        comment_box.send_keys(&fantoccini::key::Key::Enter).await?;
        assert_eq!(count(&client, "#activity .mention-suggestion", 0).await?, 0, "closed");
        let typed = comment_box.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, "@ann@example.com ");
        comment_box.send_keys("could you look?").await?;
        client
            .find(Locator::Css("#activity .comment-form button[type=submit]"))
            .await?
            .click()
            .await?;
        let title = wait_for_text(&client, "#issue-participants", |t| t.contains("ann")).await?;
        assert!(title.contains("ann"), "{title}");
        let (_, inbox) = server.get("/api/0/users/me/notifications/", &ann).await;
        assert_eq!(inbox[0]["type"], "note", "{inbox}");
        assert_eq!(inbox[0]["activity"]["data"]["text"], "@ann@example.com could you look?");
        assert_eq!(text_of(&client, "#issue-header button.subscribe").await?, "Unsubscribe");
        client.find(Locator::Css("#issue-header button.subscribe")).await?.click().await?;
        let label =
            wait_for_text(&client, "#issue-header button.subscribe", |t| t == "Subscribe").await?;
        assert_eq!(label, "Subscribe");
        let (_, issue) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
        assert_eq!(issue["isSubscribed"], false, "{issue}");

        // To the oldest event, then the next one.
        client.find(Locator::Css("#event-nav .event-oldest")).await?.click().await?;
        wait_for_event(&client, &events[0]).await?;
        assert!(client.current_url().await?.query().is_some_and(|q| q == "event=oldest"));
        client.find(Locator::Css("#event-nav .event-next")).await?.click().await?;
        wait_for_event(&client, &events[1]).await?;
        let url = client.current_url().await?;
        assert_eq!(url.query(), Some(format!("event={}", events[1]).as_str()));

        // The Events tab lists both.
        client.find(Locator::Css(".issue-tabs .tab-events")).await?.click().await?;
        assert_eq!(count(&client, "#event-list tbody tr", 2).await?, 2);
        let listed = text_of(&client, "#event-list").await?;
        assert!(listed.contains("backend@2.0.0") && listed.contains(IMG_PAYLOAD), "{listed}");
        std::fs::write(artifacts_dir().join("issue-events.png"), client.screenshot().await?).ok();
        // A row's link shows its event on the Details tab.
        let row = format!("#event-list a[href$='?event={}']", events[0]);
        client.find(Locator::Css(&row)).await?.click().await?;
        wait_for_event(&client, &events[0]).await?;
        let details = client.find(Locator::Css(".issue-tabs .tab-details")).await?;
        assert_eq!(details.attr("aria-selected").await?.as_deref(), Some("true"));

        // The User Feedback tab, with its count: the report as text, linked to its event.
        assert_eq!(text_of(&client, ".issue-tabs .tab-feedback .tab-count").await?, "1");
        client.find(Locator::Css(".issue-tabs .tab-feedback")).await?.click().await?;
        let name = text_of(&client, "#user-feedback-list .user-report-name").await?;
        assert_eq!(name, SCRIPT_PAYLOAD);
        let comments = text_of(&client, "#user-feedback-list .user-report-comments").await?;
        assert_eq!(comments, format!("It broke {IMG_PAYLOAD}"));
        let link = client.find(Locator::Css("#user-feedback-list .user-report-event")).await?;
        let href = link.attr("href").await?.unwrap_or_default();
        assert!(href.ends_with(&format!("?event={}", events[1])), "{href}");
        let injected = client
            .find_all(Locator::Css("#user-feedback-list script, #user-feedback-list img"))
            .await?;
        assert!(injected.is_empty(), "no element was made from the report");
        std::fs::write(artifacts_dir().join("issue-feedback.png"), client.screenshot().await?).ok();

        let xss = client.execute("return typeof window.__xss;", vec![]).await?;
        assert_eq!(xss, json!("undefined"), "no payload ran");

        // Keyboard shortcuts: `?` shows the help, `b` bookmarks.
        press(&client, "?").await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#shortcut-help:not([hidden])"))
            .await?;
        press(&client, "Escape").await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#shortcut-help[hidden]"))
            .await?;
        press(&client, "b").await?;
        wait_for_element(&client, "#issue-header .bookmark.bookmarked").await?;
        let (_, issue) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
        assert_eq!(issue["isBookmarked"], true);

        // A tag facet opens the issue stream searched for its value.
        client
            .find(Locator::Css("#tag-facets [data-key=level] .facet-link"))
            .await?
            .click()
            .await?;
        wait_for_element(&client, "#issue-list .issue-row").await?;
        let url = client.current_url().await?;
        assert_eq!(url.path(), "/organizations/cairn/issues/");
        assert_eq!(url.query(), Some("query=level:error"));
        assert_eq!(count(&client, "#issue-list .issue-row", 1).await?, 1);

        // The event's trace: the browser's warning that led to it, from the Web project, as
        // text. Its link opens that warning on its issue, whose trace marks it as the event on
        // show; the trace's issues are one search away.
        let event_url =
            format!("{}/organizations/cairn/issues/{issue_id}/?event={}", server.url, events[1]);
        client.goto(&event_url).await?;
        wait_for_event(&client, &events[1]).await?;
        let summary = text_of(&client, "#trace .trace-summary").await?;
        assert!(summary.starts_with("3 errors in 2 projects in trace"), "{summary}");
        let web = "#trace .trace-error[data-project='web']";
        let title = text_of(&client, &format!("{web} a.trace-error-title")).await?;
        assert_eq!(title, format!("Checkout request failed {IMG_PAYLOAD}"));
        let level = client.find(Locator::Css(&format!("{web} .trace-error-level"))).await?;
        assert!(level.attr("class").await?.unwrap_or_default().contains("level-warning"));
        let current = text_of(&client, "#trace .trace-error.current .trace-error-offset").await?;
        assert_eq!(current, "this event");
        assert!(client.find_all(Locator::Css("#trace img, #trace script")).await?.is_empty());
        std::fs::write(artifacts_dir().join("issue-trace.png"), client.screenshot().await?).ok();
        client.find(Locator::Css(&format!("{web} a.trace-error-title"))).await?.click().await?;
        wait_for_event(&client, &web_event).await?;
        text_of(&client, "#trace .trace-error.current[data-project='web']").await?;
        let others =
            client.find_all(Locator::Css("#trace .trace-error[data-project='backend'] a")).await?;
        assert_eq!(others.len(), 2, "both backend events link back");
        client.find(Locator::Css("#trace .trace-issues")).await?.click().await?;
        assert_eq!(count(&client, "#issue-list .issue-row", 2).await?, 2, "the trace's two issues");
        let xss = client.execute("return typeof window.__xss;", vec![]).await?;
        assert_eq!(xss, json!("undefined"), "no payload ran");

        // Last, the issue is deleted and its future events discarded, once confirmed: the
        // page goes back to the stream.
        client.goto(&format!("{}/organizations/cairn/issues/{issue_id}/", server.url)).await?;
        wait_for_element(&client, "#issue-header .issue-discard-delete").await?;
        confirm_delete(&client, "#issue-header .issue-discard").await?;
        let path = wait_for_path(&client, "/organizations/cairn/issues/").await?;
        assert_eq!(path, "/organizations/cairn/issues/");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_ok() {
        let (status, _) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
        assert_eq!(status, 404, "the issue is deleted");
        let db = server.database().await;
        let discarded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM discarded_hashes")
            .fetch_one(&db)
            .await
            .expect("readable");
        assert!(discarded >= 1, "its hashes are discarded");
    }
    if result.is_err() {
        // What the page showed when it failed, to see why.
        if let Ok(png) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("issue-page-failure.png"), png).ok();
        }
        let script = "return Array.from(document.querySelectorAll('.error-state, #activity'))\
                      .map(e => e.innerText).join(' | ');";
        if let Ok(text) = client.execute(script, vec![]).await {
            eprintln!("the page said: {text}");
        }
        let (_, notes) = server.get(&format!("/api/0/issues/{issue_id}/comments/"), &token).await;
        eprintln!("comments: {notes}");
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
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
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;

        // A rule that does not parse: the error names its line; then valid rules save.
        client.goto(&format!("{}/settings/cairn/projects/shop/ownership/", server.url)).await?;
        let rules = wait_for_element(&client, "#rules-raw").await?;
        rules.send_keys("path:src/billing/** #billing\nfile:x #billing").await?;
        client.find(Locator::Css("#rules-form button[type=submit]")).await?.click().await?;
        let error = wait_for_element(&client, "#rules-errors .rule-error").await?.text().await?;
        assert!(error.starts_with("Line 2: Parse error"), "{error}");
        rules.clear().await?;
        rules.send_keys("path:src/billing/** #billing").await?;
        client.find(Locator::Css("#rules-form button[type=submit]")).await?.click().await?;
        wait_for_element(&client, "#rules-saved").await?;

        // A CODEOWNERS file with a handle nobody maps: listed, not dropped.
        client
            .find(Locator::Css("#codeowners-raw"))
            .await?
            .send_keys("/docs/ @acme/writers")
            .await?;
        client.find(Locator::Css("#codeowners-form button[type=submit]")).await?.click().await?;
        let unmapped =
            wait_for_element(&client, "#codeowners-errors .unmapped").await?.text().await?;
        assert_eq!(unmapped, "@acme/writers");

        // An error in the team's code, sent with the sentry crate: the tester names the rule.
        crate::ownership::send_error(&dsn, "src/billing/invoice.rs", "card declined").await;
        let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
        let id = issues[0]["id"].as_str().expect("id").to_owned();
        client.find(Locator::Css("#owners-test-issue")).await?.send_keys(&id).await?;
        client.find(Locator::Css("#owners-test-form button[type=submit]")).await?.click().await?;
        let rule =
            wait_for_element(&client, "#suggested-owners .owners-rule").await?.text().await?;
        assert_eq!(rule, "path:src/billing/** #billing");
        std::fs::write(artifacts_dir().join("ownership.png"), client.screenshot().await?).ok();

        // The issue page suggests the team, with the frame that matched.
        client.goto(&format!("{}/organizations/cairn/issues/{id}/", server.url)).await?;
        let owner = wait_for_element(&client, "#suggested-owners .owner").await?.text().await?;
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

/// Issue 8 end to end: an error in code a team owns is assigned to the team automatically; a
/// member of the team finds it under "My teams" in the dashboard, hands it to a colleague with
/// the issue page's picker, and the activity log shows both steps.
#[tokio::test(flavor = "multi_thread")]
async fn team_member_finds_the_auto_assigned_issue_and_reassigns_it() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let (server, owner, _dev, _other, dsn, team_id) = crate::ownership::setup().await;
    let (status, body) = server
        .put(
            "/api/0/projects/cairn/shop/ownership/",
            &owner,
            json!({"raw": "path:src/billing/** #billing", "autoAssignment": "Auto Assign to Issue Owner"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    crate::ownership::send_error(&dsn, "src/billing/invoice.rs", "card declined").await;
    crate::ownership::send_error(&dsn, "src/search/index.rs", "index corrupt").await;
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 2).await;
    let billing = issues
        .iter()
        .find(|issue| issue["title"].as_str().is_some_and(|t| t.contains("card declined")))
        .expect("the billing issue");
    let id = billing["id"].as_str().expect("id").to_owned();
    let (_, details) = server.get(&format!("/api/0/issues/{id}/"), &owner).await;
    assert_eq!(details["assignedTo"]["type"], "team", "{details}");
    assert_eq!(details["assignedTo"]["id"], team_id.as_str(), "{details}");

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "dev@example.com", "correct horse battery").await?;
        for tab in client.find_all(Locator::Css(".stream-tab")).await? {
            if tab.text().await? == "My teams" {
                tab.click().await?;
            }
        }
        wait_for_text(&client, ".stream-tab.active", |t| t == "My teams").await?;
        // Only the team's issue: the other one is nobody's.
        assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1);
        let titles = texts(&client, "#issue-list .issue-title").await?;
        assert!(titles[0].contains("card declined"), "{titles:?}");
        std::fs::write(artifacts_dir().join("my-teams.png"), client.screenshot().await?).ok();

        // Hand it to a colleague from the issue page.
        client.goto(&format!("{}/organizations/cairn/issues/{id}/", server.url)).await?;
        wait_for_element(&client, ".issue-assignee .assignee-button").await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".issue-assignee .assignee-search"))
            .await?
            .send_keys("other@")
            .await?;
        assert_eq!(count(&client, ".issue-assignee .assignee-option[data-value]", 1).await?, 1);
        client
            .find(Locator::Css(".issue-assignee .assignee-option[data-value^='user:']"))
            .await?
            .click()
            .await?;
        let assignee = wait_for_text(&client, ".issue-assignee .assignee-button", |t| {
            t == "other@example.com"
        })
        .await?;
        assert_eq!(assignee, "other@example.com");
        // Both steps in the activity log, newest first.
        wait_for_text(&client, ".activity-list", |t| t.contains("other@example.com")).await?;
        let steps: Vec<String> = texts(&client, ".activity-list .activity-what")
            .await?
            .into_iter()
            .filter(|text| text.starts_with("assigned"))
            .collect();
        assert_eq!(
            steps,
            ["assigned this issue to other@example.com", "assigned this issue to a team"],
            "the activity log shows the reassignment and the automatic assignment"
        );
        std::fs::write(artifacts_dir().join("reassigned.png"), client.screenshot().await?).ok();
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("reassign-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    // The API agrees: the colleague holds it, and the log has both entries.
    let (_, details) = server.get(&format!("/api/0/issues/{id}/"), &owner).await;
    assert_eq!(details["assignedTo"]["type"], "user", "{details}");
    assert_eq!(details["assignedTo"]["email"], "other@example.com", "{details}");
    let kinds: Vec<&str> = details["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .filter_map(|a| a["type"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "assigned").count(), 2, "{kinds:?}");
}

/// The value property of a form field (what the user sees in it).
async fn value_of(client: &Client, selector: &str) -> Result<String, fantoccini::error::CmdError> {
    let field = client.find(Locator::Css(selector)).await?;
    Ok(field.prop("value").await?.unwrap_or_default())
}

/// Waits up to 20 s for the value of the field `selector` to be `expected` (a page fills its
/// form once its data arrives); returns the last value seen.
async fn wait_for_value(
    client: &Client,
    selector: &str,
    expected: &str,
) -> Result<String, fantoccini::error::CmdError> {
    let mut last = String::new();
    for _ in 0..200 {
        last = value_of(client, selector).await.unwrap_or_default();
        if last == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(last)
}

/// Opens the getting-started page and waits for its DSN field; returns the DSN shown.
async fn getting_started_dsn(
    client: &Client,
    server: &TestServer,
    project: &str,
) -> Result<String, fantoccini::error::CmdError> {
    let url = format!("{}/organizations/cairn/projects/{project}/getting-started/", server.url);
    client.goto(&url).await?;
    wait_for_element(client, "#dsn").await?;
    value_of(client, "#dsn").await
}

/// Waits for the getting-started page to announce the first event; returns the panel's text.
async fn wait_for_first_event(client: &Client) -> Result<String, fantoccini::error::CmdError> {
    let panel = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#first-event.arrived"))
        .await?;
    panel.text().await
}

#[tokio::test(flavor = "multi_thread")]
async fn onboarding_creates_a_project_sends_a_test_event_and_opens_its_issue() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;

        // Projects page → "Create project": a name, a platform and the team.
        client.goto(&format!("{}/organizations/cairn/projects/", server.url)).await?;
        wait_for_element(&client, "#create-project").await?.click().await?;
        let form = wait_for_element(&client, "form#new-project-form").await?;
        form.find(Locator::Css("#project-name")).await?.send_keys("Payments").await?;
        form.find(Locator::Css("input[name=platform][value=rust]")).await?.click().await?;
        assert_eq!(value_of(&client, "#project-team").await?, "cairn");
        std::fs::write(artifacts_dir().join("create-project.png"), client.screenshot().await?).ok();
        form.find(Locator::Css("#create-project-submit")).await?.click().await?;

        // The getting-started page: its DSN is the project's key, in every snippet.
        wait_for_element(&client, "#dsn").await?;
        let path = client.current_url().await?.path().to_owned();
        assert_eq!(path, "/organizations/cairn/projects/payments/getting-started/");
        let (status, keys) = server.get("/api/0/projects/cairn/payments/keys/", &token).await;
        assert_eq!(status, 200, "{keys}");
        let dsn = value_of(&client, "#dsn").await?;
        assert_eq!(dsn, keys[0]["dsn"]["public"].as_str().unwrap_or_default());
        let (_, project) = server.get("/api/0/projects/cairn/payments/", &token).await;
        assert_eq!(project["platform"], "rust", "{project}");
        let first_tab = client.find(Locator::Css("#setup-snippets [role=tab]")).await?;
        assert_eq!(first_tab.attr("data-platform").await?.as_deref(), Some("rust"));
        assert_eq!(first_tab.attr("aria-selected").await?.as_deref(), Some("true"));
        let code = text_of(&client, "#snippet-panel code.snippet").await?;
        assert!(code.contains(&format!("\"{dsn}\"")), "{code}");
        client.find(Locator::Css("#snippet-tab-python")).await?.click().await?;
        let code =
            wait_for_text(&client, "#snippet-panel code.snippet", |t| t.contains("sentry_sdk"))
                .await?;
        assert!(code.contains(&format!("dsn=\"{dsn}\"")), "{code}");
        let install = text_of(&client, "#snippet-panel code.install-line").await?;
        assert_eq!(install, "pip install --upgrade sentry-sdk");
        client.find(Locator::Css("#copy-dsn")).await?.click().await?;
        let copied = wait_for_text(&client, "#copy-dsn", |t| t != "Copy").await?;
        assert_eq!(copied, "Copied");
        let waiting = text_of(&client, "#first-event").await?;
        assert!(waiting.contains("Waiting for the first event"), "{waiting}");
        // The switcher shows where we are.
        assert_eq!(value_of(&client, "#org-switcher").await?, "cairn");
        let project_id = project["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(value_of(&client, "#project-switcher").await?, project_id);

        // "Send a test event": the dashboard posts it to the DSN's store endpoint itself.
        client.find(Locator::Css("#send-test-event")).await?.click().await?;
        let arrived = wait_for_first_event(&client).await?;
        assert!(arrived.contains("Your first event arrived"), "{arrived}");
        client.execute("document.getElementById('first-event').scrollIntoView()", vec![]).await?;
        std::fs::write(artifacts_dir().join("getting-started.png"), client.screenshot().await?)
            .ok();
        let link = client.find(Locator::Css("#first-event-link")).await?;
        assert!(link.text().await?.contains("This is a test event"));
        link.click().await?;
        let title = wait_for_element(&client, "#issue-header .issue-title").await?;
        assert!(title.text().await?.contains("This is a test event"));

        // It is in the project's issue stream too; the switcher takes the stream elsewhere.
        client.back().await?;
        wait_for_element(&client, "#project-issues-link").await?.click().await?;
        let row = wait_for_element(&client, "#issue-list .issue-row .issue-title").await?;
        assert!(row.text().await?.contains("This is a test event"));
        let url = client.current_url().await?;
        assert!(
            url.query().unwrap_or_default().contains(&format!("project={project_id}")),
            "{url}"
        );
        assert_eq!(
            count(&client, "#issue-list .issue-row", 1).await?,
            1,
            "only the project's issue"
        );
        client.find(Locator::Css("#project-switcher")).await?.select_by_value("").await?;
        let mut all = String::new();
        for _ in 0..100 {
            all = client.current_url().await?.to_string();
            if !all.contains("project=") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(all.contains("/organizations/cairn/issues/") && !all.contains("project="), "{all}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("onboarding-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn getting_started_page_waits_for_the_first_event_of_the_sdk() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let api_dsn = server.create_project(&token, "Checkout").await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        let dsn = getting_started_dsn(&client, &server, "checkout").await?;
        assert_eq!(dsn, api_dsn);
        assert!(client.find(Locator::Css("#first-event.waiting")).await.is_ok());

        // While the page waits, the official SDK sends an error to the DSN the page shows.
        tokio::task::spawn_blocking(move || send_message(&dsn, "Card declined in the SDK"))
            .await
            .expect("SDK thread");
        let arrived = wait_for_first_event(&client).await?;
        assert!(arrived.contains("Your first event arrived"), "{arrived}");
        let link = client.find(Locator::Css("#first-event-link")).await?;
        assert_eq!(link.text().await?, "Card declined in the SDK");
        std::fs::write(artifacts_dir().join("first-event.png"), client.screenshot().await?).ok();
        link.click().await?;
        let title = wait_for_element(&client, "#issue-header .issue-title").await?;
        assert_eq!(title.text().await?, "Card declined in the SDK");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("first-event-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// The query strings of the issue list requests the page made (Resource Timing), in order.
async fn issue_list_requests(client: &Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let found = client
        .execute(
            "return performance.getEntriesByType('resource')
               .map(e => new URL(e.name))
               .filter(u => /^\\/api\\/0\\/organizations\\/[^/]+\\/issues\\/$/.test(u.pathname))
               .map(u => decodeURIComponent(u.search.replace(/\\+/g, ' ')));",
            vec![],
        )
        .await?;
    let list = found.as_array().cloned().unwrap_or_default();
    Ok(list.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
}

/// Logs the browser in through the API from a page that loads none of the dashboard, so the
/// next dashboard page is a cold load of a logged-in user.
async fn log_in_quietly(
    client: &Client,
    server: &TestServer,
) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&format!("{}/healthz", server.url)).await?;
    let status = client
        .execute_async(
            "const done = arguments[0];
             fetch('/api/0/auth/login/', {method: 'POST', headers: {'content-type': 'application/json'},
               body: JSON.stringify({username: 'owner@example.com', password: 'correct horse battery'})})
               .then(r => done(r.status), e => done(String(e)));",
            vec![],
        )
        .await?;
    assert_eq!(status, json!(200), "logged in");
    Ok(())
}

/// index.html starts the issue list request while the wasm loads, and the app takes its answer
/// instead of asking again; when the answer is not for the view the app shows (here the
/// address changed in between), the app asks for its own.
#[tokio::test(flavor = "multi_thread")]
async fn cold_load_takes_the_prefetched_issue_list_only_when_it_matches() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    // Two issues on pages of one: the answer's headers (the hit count, the next page's
    // cursor) must reach the app too, not only its body.
    tokio::task::spawn_blocking(move || {
        send_message(&dsn, "Older stock failure");
        std::thread::sleep(Duration::from_millis(1100));
        send_message(&dsn, "Prefetched order failure");
    })
    .await
    .expect("SDK thread");
    server.wait_for_issues(&token, |issues| issues.len() == 2).await;

    let driver = ChromeDriver::start();
    let list = "/organizations/cairn/issues/?query=is%3Aunresolved&sort=date&limit=1";
    let result = async {
        // Matching: one request for the list (the prefetch), and the rows it answered.
        let profile = tempfile::tempdir().expect("profile directory");
        let client = browser(&driver, profile.path()).await;
        let matching = async {
            log_in_quietly(&client, &server).await?;
            client.goto(&format!("{}{list}", server.url)).await?;
            assert_eq!(count(&client, "#issue-list .stream-row", 1).await?, 1, "the issue row");
            assert!(texts(&client, "#issue-list .stream-row").await?[0]
                .contains("Prefetched order failure"));
            assert_eq!(text_of(&client, "#hit-count").await?, "2 issues", "X-Hits read");
            let next_disabled = client
                .execute("return document.querySelector('.page-next').disabled;", vec![])
                .await?;
            assert_eq!(next_disabled, json!(false), "the Link header's next cursor read");
            let requests = issue_list_requests(&client).await?;
            assert_eq!(
                requests,
                vec!["?query=is:unresolved&sort=date&statsPeriod=14d&limit=1&groupStatsPeriod=14d"],
                "the list was asked for once"
            );
            let index = client
                .execute(
                    "return performance.getEntriesByType('resource')
                       .filter(e => new URL(e.name).pathname === '/api/0/').length;",
                    vec![],
                )
                .await?;
            assert_eq!(index, json!(1), "the session was checked once");
            Ok::<(), fantoccini::error::CmdError>(())
        }
        .await;
        let _ = client.close().await;
        matching?;

        // Not matching: the address changes to resolved issues (none) after the prefetch left
        // and before the app starts; the app must show its own view, not the prefetched rows.
        let profile = tempfile::tempdir().expect("profile directory");
        let client = browser(&driver, profile.path()).await;
        let changed = async {
            log_in_quietly(&client, &server).await?;
            let change_address = "Object.defineProperty(window, 'cairnPrefetch', {
                 configurable: true,
                 set(value) {
                   Object.defineProperty(window, 'cairnPrefetch', {value, writable: true, configurable: true});
                   queueMicrotask(() => history.replaceState(null, '', '?query=is%3Aresolved&limit=1'));
                 },
               });";
            client
                .issue_cmd(Cdp {
                    method: "Page.addScriptToEvaluateOnNewDocument",
                    params: json!({ "source": change_address }),
                })
                .await?;
            client.goto(&format!("{}{list}", server.url)).await?;
            wait_for_element(&client, ".empty-state")
                .await?;
            assert_eq!(count(&client, "#issue-list .stream-row", 0).await?, 0, "no stale rows");
            let requests = issue_list_requests(&client).await?;
            assert_eq!(
                requests,
                vec![
                    "?query=is:unresolved&sort=date&statsPeriod=14d&limit=1&groupStatsPeriod=14d",
                    "?query=is:resolved&sort=date&statsPeriod=14d&limit=1&groupStatsPeriod=14d",
                ],
                "the prefetch, then the app's own request"
            );
            Ok::<(), fantoccini::error::CmdError>(())
        }
        .await;
        let _ = client.close().await;
        changed
    }
    .await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// The paths of the wasm modules the page has fetched so far (Resource Timing).
async fn wasm_fetched(client: &Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let found = client
        .execute(
            "return performance.getEntriesByType('resource')
               .map(e => new URL(e.name).pathname)
               .filter(p => p.endsWith('.wasm'));",
            vec![],
        )
        .await?;
    let list = found.as_array().cloned().unwrap_or_default();
    Ok(list.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
}

/// The paths of the stylesheets the page has fetched, in the order it asked for them.
async fn stylesheets_fetched(client: &Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let found = client
        .execute(
            "return performance.getEntriesByType('resource')
               .map(e => new URL(e.name).pathname)
               .filter(p => p.endsWith('.css'));",
            vec![],
        )
        .await?;
    let list = found.as_array().cloned().unwrap_or_default();
    Ok(list.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
}

/// The dashboard's wasm is split per page (src/lazy_pages.rs, scripts/dashboard-wasm.sh): a
/// cold load of the issue list fetches the main module only; the stream's tools (assignee
/// lists, bulk actions, search suggestions: src/lazy_tools.rs) arrive when first wanted, and
/// the issue page's own module when the list is first pointed at or focused, or else when an
/// issue is opened, with the lazy stylesheet of its pages, after which the page works as a
/// whole; a module that cannot be fetched is an error state, not the end of the app.
#[tokio::test(flavor = "multi_thread")]
async fn issue_list_loads_without_the_other_pages_code_and_an_issue_fetches_its_own() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    tokio::task::spawn_blocking(move || send_message(&dsn, "Split module order failure"))
        .await
        .expect("SDK thread");
    server.wait_for_issues(&token, |issues| !issues.is_empty()).await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in_quietly(&client, &server).await?;
        client.goto(&format!("{}/organizations/cairn/issues/", server.url)).await?;
        let row = wait_for_element(&client, "#issue-list .stream-row").await?;
        let cold = wasm_fetched(&client).await?;
        assert_eq!(cold.len(), 1, "only the main module on a cold load: {cold:?}");
        assert!(cold[0].ends_with("/cairn-dashboard_bg.wasm"), "{cold:?}");
        let sheets = stylesheets_fetched(&client).await?;
        assert_eq!(sheets.len(), 1, "only main.css on a cold load: {sheets:?}");
        assert!(sheets[0].starts_with("/main-"), "{sheets:?}");
        // The header's switcher and the stream's picker offer the project from one answer.
        for picker in ["project-switcher", "project-picker"] {
            let xpath = format!("//select[@id='{picker}']/option[text()='Backend']");
            client
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::XPath(&xpath))
                .await?;
        }
        let asked = client
            .execute(
                "return performance.getEntriesByType('resource')
                   .filter(e => new URL(e.name).pathname
                     === '/api/0/organizations/cairn/projects/').length;",
                vec![],
            )
            .await?;
        assert_eq!(asked, json!(1), "the organization's projects are asked for once");

        // A module that cannot be fetched (a server updated since the tab loaded the app, a
        // network failure) is an error state, and the app goes on: the stream's tools
        // (src/lazy_tools.rs: an assignee list here), then the issue page.
        client.issue_cmd(Cdp { method: "Network.enable", params: json!({}) }).await?;
        client
            .issue_cmd(Cdp {
                method: "Network.setBlockedURLs",
                params: json!({ "urls": ["*split_issue_page*", "*split_stream_tools*"] }),
            })
            .await?;
        let assignee = row.find(Locator::Css(".assignee-button")).await?;
        assignee.click().await?;
        let error = wait_for_element(&client, ".stream-row .assignee-picker .tool-error").await?;
        assert!(error.text().await?.contains("could not be loaded"), "{}", error.text().await?);
        assignee.click().await?;
        row.find(Locator::Css(".issue-title a")).await?.click().await?;
        let error = wait_for_element(&client, ".error-state").await?;
        assert!(error.text().await?.contains("could not be loaded"), "{}", error.text().await?);
        client.back().await?;
        let row = wait_for_element(&client, "#issue-list .stream-row").await?;

        // Once the module can be fetched, it is fetched as soon as the focus (or the pointer)
        // reaches the list, before any click, and the next visit shows the page.
        client
            .issue_cmd(Cdp { method: "Network.setBlockedURLs", params: json!({ "urls": [] }) })
            .await?;
        client
            .execute("document.querySelector('#issue-list .issue-link').focus();", vec![])
            .await?;
        let mut preloaded = json!(false);
        for _ in 0..100 {
            preloaded = client
                .execute(
                    "return performance.getEntriesByType('resource').some(e =>
                       new URL(e.name).pathname.includes('/split_issue_page.')
                       && e.responseStatus === 200);",
                    vec![],
                )
                .await?;
            if preloaded == json!(true) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(preloaded, json!(true), "the module was fetched when the list got the focus");

        // The tools' module arrives now too: the assignee list opens, and the bulk actions show
        // while issues are selected.
        let assignee = row.find(Locator::Css(".assignee-button")).await?;
        assignee.click().await?;
        wait_for_element(&client, ".stream-row .assignee-search").await?;
        assert!(client.find(Locator::Css(".tool-error")).await.is_err(), "loaded: no error left");
        assignee.click().await?;
        assert!(client.find(Locator::Css(".bulk-resolve")).await.is_err(), "nothing selected");
        row.find(Locator::Css(".row-select")).await?.click().await?;
        let selected = wait_for_text(&client, ".bulk-count", |t| t == "1 selected").await?;
        assert_eq!(selected, "1 selected");
        assert!(client.find(Locator::Css(".bulk-resolve")).await.is_ok(), "the bulk actions");
        row.find(Locator::Css(".row-select")).await?.click().await?;
        assert_eq!(count(&client, ".bulk-resolve", 0).await?, 0, "unselected: no actions");
        row.find(Locator::Css(".issue-title a")).await?.click().await?;
        let title = wait_for_element(&client, "#issue-header .issue-title").await?;
        assert!(title.text().await?.contains("Split module order failure"));
        let opened = wasm_fetched(&client).await?;
        assert!(
            opened.iter().any(|p| p.contains("/split_issue_page.")),
            "the issue page's module: {opened:?}"
        );
        assert!(
            !opened.iter().any(|p| p.contains("/split_other_pages.")),
            "no other page's module: {opened:?}"
        );
        // With the page's module came its lazy stylesheet (style/lazy/), applied before the
        // page was drawn: the chart's drawing has its rules.
        let sheets = stylesheets_fetched(&client).await?;
        assert_eq!(sheets.len(), 2, "main.css and the pages' stylesheet: {sheets:?}");
        assert!(sheets[1].starts_with("/pages-"), "{sheets:?}");
        let mut styled = json!(null);
        for _ in 0..100 {
            styled = client
                .execute(
                    "const svg = document.querySelector('#issue-chart .chart-drawing svg');
                     return svg && getComputedStyle(svg).display;",
                    vec![],
                )
                .await?;
            if styled == json!("block") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(styled, json!("block"), "the chart is styled by the lazy stylesheet");
        // The issue page's own rules came with it: its header is a grid.
        let header = client
            .execute(
                "return getComputedStyle(document.querySelector('#issue-header')).display;",
                vec![],
            )
            .await?;
        assert_eq!(header, json!("grid"), "the issue page's rules are in the lazy stylesheet");
        // The page's own code runs from the loaded module: resolving goes through the API and
        // shows the new status.
        client.find(Locator::Css("#issue-header button.resolve")).await?.click().await?;
        wait_for_element(&client, "#issue-header .issue-status.status-resolved").await?;

        // A link straight to the issue: index.html asks for its details, tags and latest event
        // while the wasm loads, and the page takes those answers instead of asking again.
        let issue_url = client.current_url().await?;
        client.issue_cmd(Cdp { method: "Network.clearBrowserCache", params: json!({}) }).await?;
        client.goto(issue_url.as_str()).await?;
        wait_for_element(&client, "#exceptions, #event-message, .event-message").await?;
        let path = issue_url.path().trim_end_matches('/').to_owned();
        let api = format!("/api/0{path}/");
        let asked = client
            .execute(
                "const [api] = arguments;
                 const entries = performance.getEntriesByType('resource');
                 return [api, api + 'tags/', api + 'events/latest/'].map(p => {
                   const asked = entries.filter(e => new URL(e.name).pathname === p);
                   // By index.html's XMLHttpRequest, not by the app (gloo-net's fetch). Not
                   // told apart by time: on loopback the wasm may arrive before the script asks.
                   return [asked.length, asked.every(e => e.initiatorType === 'xmlhttprequest')];
                 });",
                vec![json!(api)],
            )
            .await?;
        assert_eq!(
            asked,
            json!([[1, true], [1, true], [1, true]]),
            "each asked once, by index.html ({api})"
        );
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// `Sentry.showReportDialog()` on an application's page (another origin than Cairn's): the SDK's
/// script tag loads `/api/embed/error-page/`, whose dialog shows the page's texts as text, posts
/// the person's answer, and tells the SDK when it closes; the answer is the issue's feedback.
#[tokio::test(flavor = "multi_thread")]
async fn crash_report_dialog_on_an_applications_page_sends_feedback() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Web").await;
    let event_id = crate::common::capture_message(&dsn, "web@1.0.0", "Checkout crashed").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        // A page of another origin (`localhost` is not `127.0.0.1`), then what
        // `showReportDialog` does: a script tag with `crossOrigin = "anonymous"` and a
        // listener for the closing message.
        let other_origin = server.url.replacen("127.0.0.1", "localhost", 1);
        client.goto(&format!("{other_origin}/api/0/")).await?;
        let src = format!(
            "{}/api/embed/error-page/?dsn={dsn}&eventId={event_id}&name=Jane&title={}",
            server.url, "%3Cimg%20src%3Dx%20onerror%3D%22window.__xss%3D1%22%3E"
        );
        client
            .execute(
                "window.__closed = false;
                 window.addEventListener('message', e => {
                   if (e.data === '__sentry_reportdialog_closed__') window.__closed = true;
                 });
                 const script = document.createElement('script');
                 script.async = true;
                 script.crossOrigin = 'anonymous';
                 script.src = arguments[0];
                 document.body.appendChild(script);",
                vec![json!(src)],
            )
            .await?;
        let title = text_of(&client, ".sentry-error-embed h2").await?;
        assert_eq!(title, "<img src=x onerror=\"window.__xss=1\">");
        let name = client.find(Locator::Css(".sentry-error-embed input[name=name]")).await?;
        assert_eq!(name.prop("value").await?.as_deref(), Some("Jane"), "prefilled");
        client
            .find(Locator::Css(".sentry-error-embed input[name=email]"))
            .await?
            .send_keys("jane@example.com")
            .await?;
        client
            .find(Locator::Css(".sentry-error-embed textarea[name=comments]"))
            .await?
            .send_keys("I pressed Pay and the page went blank")
            .await?;
        std::fs::write(artifacts_dir().join("crash-report-dialog.png"), client.screenshot().await?)
            .ok();
        client.find(Locator::Css(".sentry-error-embed button[type=submit]")).await?.click().await?;
        let done = text_of(&client, ".sentry-error-embed .message-success").await?;
        assert_eq!(done, "Your feedback has been sent. Thank you!");
        client.find(Locator::Css(".sentry-error-embed button.close")).await?.click().await?;
        let mut closed = json!(false);
        for _ in 0..50 {
            closed = client.execute("return window.__closed;", vec![]).await?;
            if closed == json!(true) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(closed, json!(true), "the SDK heard the dialog close");
        assert_eq!(count(&client, ".sentry-error-embed-wrapper", 0).await?, 0, "gone");
        let xss = client.execute("return typeof window.__xss;", vec![]).await?;
        assert_eq!(xss, json!("undefined"), "the title ran no script");

        // In the dashboard: the header's User Feedback page lists it, linked to its issue.
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::LinkText("User Feedback"))
            .await?
            .click()
            .await?;
        // Every project's feedback first; the picker narrows it to one project's: `internal`
        // has none, `web` the report (and the URL says which).
        let comments = text_of(&client, "#user-feedback-list .user-report-comments").await?;
        assert_eq!(comments, "I pressed Pay and the page went blank");
        client.find(Locator::Css("#feedback-project")).await?.select_by_value("internal").await?;
        let empty = text_of(&client, "#user-feedback-list.empty-state").await?;
        assert!(empty.contains("No user feedback yet."), "{empty}");
        client.find(Locator::Css("#feedback-project")).await?.select_by_value("web").await?;
        let comments = text_of(&client, "#user-feedback-list .user-report-comments").await?;
        assert_eq!(comments, "I pressed Pay and the page went blank");
        let url = client.current_url().await?;
        assert_eq!(url.query(), Some("project=web"));
        let pager = client.find(Locator::Css(".feedback-page .pager")).await?;
        assert!(!pager.is_displayed().await?, "one page: no pager shown");
        let issue = text_of(&client, "#user-feedback-list .user-report-issue").await?;
        assert_eq!(issue, "WEB-1");
        std::fs::write(artifacts_dir().join("user-feedback.png"), client.screenshot().await?).ok();
        client.find(Locator::Css("#user-feedback-list .user-report-issue")).await?.click().await?;
        let title = text_of(&client, "#issue-header .issue-title").await?;
        assert!(title.contains("Checkout crashed"), "{title}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        let script = "return document.documentElement.outerHTML + ' | ' + JSON.stringify(
            performance.getEntriesByType('resource').map(e => [e.name, e.responseStatus]));";
        if let Ok(page) = client.execute(script, vec![]).await {
            eprintln!("the page: {page}");
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    let (status, reports) =
        server.get(&format!("/api/0/issues/{issue_id}/user-reports/"), &token).await;
    assert_eq!(status, 200, "{reports}");
    assert_eq!(reports[0]["comments"], "I pressed Pay and the page went blank");
    assert_eq!(reports[0]["name"], "Jane");
    assert_eq!(reports[0]["email"], "jane@example.com");
}

/// An owner invites a colleague from the members page (the header links to it), replaces the
/// link with a new one and passes that on; the colleague opens it in a browser of their own
/// (the first link is refused), creates the account and lands on the organization's issues,
/// logged in. The owner then sees the invitation become a member, with the role it granted,
/// changes the role, puts them in a new team, and removes them again; the audit log shows each
/// step. Last, the organization gets a new name and slug.
#[tokio::test(flavor = "multi_thread")]
async fn members_page_invites_a_colleague_who_joins_through_the_link() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let driver = ChromeDriver::start();
    let owner_profile = tempfile::tempdir().expect("profile directory");
    let colleague_profile = tempfile::tempdir().expect("profile directory");
    let owner = browser(&driver, owner_profile.path()).await;
    let colleague = browser(&driver, colleague_profile.path()).await;
    let result = async {
        log_in(&owner, &server, "owner@example.com", "correct horse battery").await?;
        owner
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::LinkText("Members"))
            .await?
            .click()
            .await?;
        wait_for_element(&owner, "#member-list .member-row").await?;
        assert!(owner.current_url().await?.path().starts_with("/settings/cairn/members"));
        assert_eq!(texts(&owner, "#member-list .member-email").await?, ["owner@example.com"]);

        owner.find(Locator::Css("#invite-email")).await?.send_keys("new.dev@example.com").await?;
        owner.find(Locator::Css("#invite-role")).await?.select_by_value("admin").await?;
        owner.find(Locator::Css("#invite-form button[type=submit]")).await?.click().await?;
        let link = wait_for_text(&owner, "#invite-link", |t| t.contains("/accept/")).await?;
        assert!(link.starts_with(&format!("{}/accept/", server.url)), "{link}");
        let invited = "#member-list .member-row[data-email='new.dev@example.com']";
        wait_for_text(&owner, invited, |t| t.contains("Invited")).await?;
        let role = format!("{invited} .member-role");
        assert_eq!(value_of(&owner, &role).await?, "admin");
        std::fs::write(artifacts_dir().join("members.png"), owner.screenshot().await?).ok();
        // A new link replaces it (as when the first was lost or expired).
        owner.find(Locator::Css(&format!("{invited} .member-new-link"))).await?.click().await?;
        let new_link =
            wait_for_text(&owner, "#invite-link", |t| t.contains("/accept/") && t != link).await?;
        assert_ne!(new_link, link, "a new link is shown");

        // The colleague, with no session: the first link no longer works, the new one does.
        colleague.goto(&link).await?;
        let refused = text_of(&colleague, ".error-state").await?;
        assert!(!refused.is_empty(), "the old link is refused");
        colleague.goto(&new_link).await?;
        let form = wait_for_element(&colleague, "form#accept-form").await?;
        let heading = text_of(&colleague, "h1").await?;
        assert!(heading.starts_with("Join "), "{heading}");
        let note = text_of(&colleague, ".invite-note").await?;
        assert!(note.contains("new.dev@example.com") && note.contains("admin"), "{note}");
        std::fs::write(artifacts_dir().join("accept-invite.png"), colleague.screenshot().await?)
            .ok();
        form.find(Locator::Css("input[name=name]")).await?.send_keys("New Dev").await?;
        form.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("a long passphrase")
            .await?;
        form.find(Locator::Css("button[type=submit]")).await?.click().await?;
        wait_for_element(&colleague, "#issue-list, .empty-state").await?;
        assert_eq!(colleague.current_url().await?.path(), "/organizations/cairn/issues/");
        assert_eq!(wait_for_text(&colleague, ".app-user", |t| t == "New Dev").await?, "New Dev");

        let (_, members) = server.get("/api/0/organizations/cairn/members/", &token).await;
        let colleague_id = members
            .as_array()
            .and_then(|list| list.iter().find(|m| m["email"] == "new.dev@example.com"))
            .and_then(|m| m["id"].as_str())
            .expect("the colleague is a member")
            .to_owned();
        // The owner's list: a member now, no longer an invitation.
        owner.refresh().await?;
        let row = wait_for_text(&owner, invited, |t| t.contains("New Dev")).await?;
        assert!(!row.contains("Invited"), "{row}");
        assert_eq!(value_of(&owner, &role).await?, "admin");
        // Another role, from the row's select.
        owner.find(Locator::Css(&role)).await?.select_by_value("member").await?;
        let mut granted = String::new();
        for _ in 0..100 {
            let (_, member) = server
                .get(&format!("/api/0/organizations/cairn/members/{colleague_id}/"), &token)
                .await;
            granted = member["orgRole"].as_str().unwrap_or_default().to_owned();
            if granted == "member" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(granted, "member", "the select changed the role");

        // A new team, with the colleague in it.
        owner.find(Locator::LinkText("Teams")).await?.click().await?;
        wait_for_element(&owner, "#team-form").await?;
        owner.find(Locator::Css("#team-name")).await?.send_keys("Frontend").await?;
        owner.find(Locator::Css("#team-form button[type=submit]")).await?.click().await?;
        let team = "#team-list .team-row[data-team='frontend']";
        wait_for_element(&owner, team).await?;
        owner
            .find(Locator::Css(&format!("{team} .team-add")))
            .await?
            .select_by_value(&colleague_id)
            .await?;
        let in_team =
            wait_for_text(&owner, &format!("{team} .team-members"), |t| t.contains("New Dev"))
                .await?;
        assert!(in_team.contains("New Dev"), "{in_team}");
        std::fs::write(artifacts_dir().join("teams.png"), owner.screenshot().await?).ok();
        let (_, team_members) = server.get("/api/0/teams/cairn/frontend/members/", &token).await;
        assert!(team_members.to_string().contains("new.dev@example.com"), "{team_members}");
        // The team gets a new slug, then is deleted, once confirmed.
        owner.find(Locator::Css(&format!("{team} .team-rename-start"))).await?.click().await?;
        let field = owner.find(Locator::Css(&format!("{team} .team-slug"))).await?;
        field.clear().await?;
        field.send_keys("web-team").await?;
        owner.find(Locator::Css(&format!("{team} .team-rename-save"))).await?.click().await?;
        let team = "#team-list .team-row[data-team='web-team']";
        wait_for_element(&owner, team).await?;
        let (status, renamed) = server.get("/api/0/teams/cairn/web-team/", &token).await;
        assert_eq!(status, 200, "{renamed}");
        confirm_delete(&owner, &format!("{team} .team")).await?;
        assert_eq!(count(&owner, team, 0).await?, 0, "the deleted team is no longer listed");
        let (status, _) = server.get("/api/0/teams/cairn/web-team/", &token).await;
        assert_eq!(status, 404, "the API agrees");

        // Back on the members page: the colleague leaves the organization.
        owner.goto(&format!("{}/settings/cairn/members/", server.url)).await?;
        wait_for_element(&owner, invited).await?;
        owner.find(Locator::Css(&format!("{invited} .member-remove"))).await?.click().await?;
        assert_eq!(count(&owner, "#member-list .member-row", 1).await?, 1);

        // The audit log has it all, newest first; the colleague's own step is theirs.
        owner.find(Locator::LinkText("Audit log")).await?.click().await?;
        wait_for_element(&owner, "#audit-log .audit-row").await?;
        let events = texts(&owner, "#audit-log .audit-event").await?;
        assert_eq!(
            events,
            [
                "member.remove",
                "team.remove",
                "team.edit",
                "member.join-team",
                "team.create",
                "member.edit",
                "member.accept",
                "member.invite",
                "member.invite",
            ]
        );
        let actors = texts(&owner, "#audit-log .audit-actor").await?;
        assert_eq!(actors[6], "New Dev", "{actors:?}");
        std::fs::write(artifacts_dir().join("audit-log.png"), owner.screenshot().await?).ok();
        owner.find(Locator::Css("#audit-event")).await?.select_by_value("member.invite").await?;
        let mut shown = 0;
        for _ in 0..100 {
            shown = owner.find_all(Locator::Css("#audit-log .audit-row")).await?.len();
            if shown == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(shown, 2, "the filter keeps the invitations");
        let notes = texts(&owner, "#audit-log .audit-note").await?;
        assert_eq!(notes[1], "invited member new.dev@example.com");

        // The organization's settings: a new name and slug move the page to its new URL;
        // requiring two-factor authentication is refused to an owner who has none.
        owner.find(Locator::LinkText("Members")).await?.click().await?;
        assert_eq!(wait_for_value(&owner, "#org-slug", "cairn").await?, "cairn");
        let name = owner.find(Locator::Css("#org-name")).await?;
        name.clear().await?;
        name.send_keys("Acme Corp").await?;
        let slug = owner.find(Locator::Css("#org-slug")).await?;
        slug.clear().await?;
        slug.send_keys("acme").await?;
        owner.find(Locator::Css("#org-form button[type=submit]")).await?.click().await?;
        assert_eq!(
            wait_for_path(&owner, "/settings/acme/members/").await?,
            "/settings/acme/members/"
        );
        assert_eq!(wait_for_value(&owner, "#org-name", "Acme Corp").await?, "Acme Corp");
        // Sharing issues by public links turned off.
        owner.find(Locator::Css("#org-allow-shared-issues")).await?.click().await?;
        owner.find(Locator::Css("#org-form button[type=submit]")).await?.click().await?;
        let mut allowed = json!(true);
        for _ in 0..100 {
            allowed = server.get("/api/0/organizations/acme/", &token).await.1["allowSharedIssues"]
                .clone();
            if allowed == json!(false) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(allowed, json!(false), "the checkbox turned sharing off");
        owner.find(Locator::Css("#org-require-2fa")).await?.click().await?;
        owner.find(Locator::Css("#org-form button[type=submit]")).await?.click().await?;
        let refused = wait_for_text(&owner, "#org-form .form-error", |t| !t.is_empty()).await?;
        assert!(refused.contains("without personal two-factor"), "{refused}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        for (client, name) in [(&owner, "members-failure.png"), (&colleague, "accept-failure.png")]
        {
            if let Ok(shot) = client.screenshot().await {
                std::fs::write(artifacts_dir().join(name), shot).ok();
            }
        }
    }
    let _ = owner.close().await;
    let _ = colleague.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    // The API agrees: the colleague is gone again, and the organization has its new slug.
    let (status, members) = server.get("/api/0/organizations/acme/members/", &token).await;
    assert_eq!(status, 200, "{members}");
    let emails: Vec<&str> =
        members.as_array().expect("members").iter().filter_map(|m| m["email"].as_str()).collect();
    assert_eq!(emails, ["owner@example.com"]);
}

/// An invitation to someone who has an account already (in another organization): the link asks
/// them to log in, the log-in page brings them back to it, and one click joins.
#[tokio::test(flavor = "multi_thread")]
async fn an_invited_existing_account_logs_in_and_joins_with_a_click() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.cli(&["createorg", "--slug", "acme", "--project", "web"]);
    server.cli(&[
        "createuser",
        "--email",
        "dev@example.com",
        "--password",
        "another passphrase",
        "--organization",
        "acme",
        "--role",
        "member",
    ]);
    let (status, invite) = server
        .post(
            "/api/0/organizations/cairn/members/",
            &token,
            json!({"email": "dev@example.com", "orgRole": "member"}),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    let link = invite["inviteLink"].as_str().expect("inviteLink").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        client.goto(&link).await?;
        let note = text_of(&client, ".invite-note").await?;
        assert!(note.contains("dev@example.com") && note.contains("log in"), "{note}");
        client.find(Locator::LinkText("Log in")).await?.click().await?;
        submit_login(&client, "dev@example.com", "another passphrase").await?;
        // Back on the invitation, logged in: one click joins.
        wait_for_element(&client, "#accept-join").await?.click().await?;
        wait_for_element(&client, "#issue-list, .empty-state").await?;
        assert_eq!(client.current_url().await?.path(), "/organizations/cairn/issues/");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("accept-login-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    let (_, members) = server.get("/api/0/organizations/cairn/members/", &token).await;
    let dev = members
        .as_array()
        .and_then(|list| list.iter().find(|m| m["email"] == "dev@example.com"))
        .expect("dev is listed");
    assert_eq!(dev["pending"], false, "{dev}");
}

/// Sends, with the official SDK, an error-level message whose extra data holds a customer
/// reference; returns the event's id (32 hex).
async fn send_with_customer_ref(dsn: &str, text: &str) -> String {
    let (dsn, text) = (dsn.to_owned(), text.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = crate::common::sentry_hub(&dsn, "backend@1.0.0");
        let id = sentry::Hub::run(hub, || {
            sentry::with_scope(
                |scope| scope.set_extra("customer_ref", "C-20931".into()),
                || sentry::capture_message(&text, sentry::Level::Error),
            )
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
        id.simple().to_string()
    })
    .await
    .expect("SDK thread")
}

/// Clicks the submit button of the form `form` (a CSS selector) and waits for its "Saved.".
async fn save_and_wait(client: &Client, form: &str) -> Result<(), fantoccini::error::CmdError> {
    client.find(Locator::Css(&format!("{form} button[type=submit]"))).await?.click().await?;
    wait_for_element(client, &format!("{form} .settings-saved")).await?;
    Ok(())
}

/// Waits until the checkbox `css` is there and unchecked (the list fetched again after a change).
async fn wait_for_unchecked(client: &Client, css: &str) -> Result<(), fantoccini::error::CmdError> {
    let unchecked = format!("{css}:not(:checked)");
    client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(&unchecked)).await?;
    Ok(())
}

/// The shop project's inbound filters once the one at `index` is `active` (a switch on the
/// settings page saves in the background), or as they are after ten seconds.
async fn wait_for_filter(
    server: &TestServer,
    token: &str,
    index: usize,
    active: serde_json::Value,
) -> serde_json::Value {
    let mut filters = serde_json::Value::Null;
    for _ in 0..100 {
        filters = server.get("/api/0/projects/cairn/shop/filters/", token).await.1;
        if filters[index]["active"] == active {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    filters
}

/// A project's settings page, reached from the projects page: data scrubbing, grouping rules
/// and the rate limit are changed in the browser, refused with the server's (or the form's)
/// words when wrong, kept across a reload, and the scrubbing applies to the next SDK event;
/// a client key is made, disabled (ingestion refuses it) and deleted; and the project is
/// renamed and its platform changed, its page moving to the new slug.
#[tokio::test(flavor = "multi_thread")]
async fn project_settings_page_changes_scrubbing_grouping_and_the_rate_limit() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    // A build's source maps, uploaded by the real sentry-cli for release shop@1.0.0.
    let work = tempfile::tempdir().expect("work dir");
    std::fs::create_dir(work.path().join("dist")).expect("dist");
    crate::sourcemaps::write_build(&work.path().join("dist"));
    let upload = ["sourcemaps", "upload", "--release", "shop@1.0.0", "dist"];
    crate::common::succeeded(&crate::common::sentry_cli(&server, &token, work.path(), &upload));

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/projects/", server.url)).await?;
        // The Shop row's "Settings" link (the organization also has its first project).
        wait_for_element(&client, ".project-row .project-settings").await?;
        client
            .find(Locator::Css(".project-row .project-settings[href$='/projects/shop/']"))
            .await?
            .click()
            .await?;
        wait_for_element(&client, "#privacy-form").await?;
        assert_eq!(
            client.current_url().await?.path(),
            "/settings/cairn/projects/shop/",
            "Sentry's URL"
        );
        // The form shows the settings as kept: Sentry's defaults.
        let loaded = wait_for_value(&client, "#allowed-domains", "*").await?;
        assert_eq!(loaded, "*", "allowed domains as loaded");
        assert_eq!(
            client.find(Locator::Css("#data-scrubber")).await?.prop("checked").await?.as_deref(),
            Some("true")
        );

        // Security & Privacy: a field of the application's own is sensitive, and no IP
        // addresses are kept.
        client.find(Locator::Css("#scrub-ip-addresses")).await?.click().await?;
        client.find(Locator::Css("#sensitive-fields")).await?.send_keys("customer_ref\n\n").await?;
        save_and_wait(&client, "#privacy-form").await?;
        let (_, details) = server.get("/api/0/projects/cairn/shop/", &token).await;
        assert_eq!(details["scrubIPAddresses"], true, "{details}");
        assert_eq!(details["sensitiveFields"], json!(["customer_ref"]), "{details}");
        assert_eq!(details["dataScrubber"], true, "{details}");

        // Issue Grouping: a rule that does not parse is refused with its line; a good one saves.
        let rules = client.find(Locator::Css("#fingerprinting-rules")).await?;
        rules.send_keys("error.type:ParseIntError -> parse-int\nnonsense here").await?;
        client.find(Locator::Css("#grouping-form button[type=submit]")).await?.click().await?;
        let refused = wait_for_element(&client, "#grouping-form .form-error").await?.text().await?;
        assert!(refused.contains("line 2"), "{refused}");
        rules.clear().await?;
        rules.send_keys("error.type:ParseIntError -> parse-int").await?;
        save_and_wait(&client, "#grouping-form").await?;
        let (_, details) = server.get("/api/0/projects/cairn/shop/", &token).await;
        assert_eq!(details["fingerprintingRules"], "error.type:ParseIntError -> parse-int");

        // Alerts: the default alert for new issues is turned off. What is being typed in
        // another section meanwhile stays.
        client.find(Locator::Css("#safe-fields")).await?.send_keys("order_id").await?;
        client.find(Locator::Css("#new-issue-alerts")).await?.click().await?;
        save_and_wait(&client, "#alerts-form").await?;
        let (_, details) = server.get("/api/0/projects/cairn/shop/", &token).await;
        assert_eq!(details["newIssueAlerts"], false, "{details}");
        assert_eq!(details["safeFields"], json!([]), "not saved: {details}");
        assert_eq!(value_of(&client, "#safe-fields").await?, "order_id", "still being typed");

        // Rate limit: half a limit is refused by the form itself; a whole one saves.
        client.find(Locator::Css("#rate-limit-count")).await?.send_keys("1000").await?;
        client.find(Locator::Css("#rate-limit-form button[type=submit]")).await?.click().await?;
        let refused =
            wait_for_text(&client, "#rate-limit-form .form-error", |t| !t.is_empty()).await?;
        assert!(refused.starts_with("Give both"), "{refused}");
        client.find(Locator::Css("#rate-limit-window")).await?.send_keys("60").await?;
        save_and_wait(&client, "#rate-limit-form").await?;
        let (_, details) = server.get("/api/0/projects/cairn/shop/", &token).await;
        assert_eq!(details["rateLimit"], json!({"count": 1000, "window": 60}), "{details}");
        // Saving one section left the others as they were.
        assert_eq!(details["sensitiveFields"], json!(["customer_ref"]), "{details}");
        assert_eq!(details["fingerprintingRules"], "error.type:ParseIntError -> parse-int");

        // A reload shows what was kept.
        client.refresh().await?;
        assert_eq!(wait_for_value(&client, "#rate-limit-count", "1000").await?, "1000");
        assert_eq!(value_of(&client, "#sensitive-fields").await?, "customer_ref");
        assert_eq!(
            client
                .find(Locator::Css("#scrub-ip-addresses"))
                .await?
                .prop("checked")
                .await?
                .as_deref(),
            Some("true")
        );

        // The next event from the SDK has its customer reference scrubbed.
        let event_id = send_with_customer_ref(&dsn, "checkout failed").await;
        server.wait_for_issues(&token, |issues| !issues.is_empty()).await;
        let (status, event) =
            server.get(&format!("/api/0/projects/cairn/shop/events/{event_id}/"), &token).await;
        assert_eq!(status, 200, "{event}");
        let extra = &event["context"];
        assert_eq!(extra["customer_ref"], "[Filtered]", "{event}");

        // Client keys: a new one for the mobile app, disabled (its DSN is refused at once),
        // then deleted after the confirmation.
        let key_rows = "#key-list .key-row";
        assert_eq!(count(&client, key_rows, 1).await?, 1, "the project's first key");
        client.find(Locator::Css("#new-key-name")).await?.send_keys("Mobile").await?;
        client.find(Locator::Css("#new-key-form button[type=submit]")).await?.click().await?;
        assert_eq!(count(&client, key_rows, 2).await?, 2, "the new key is listed");
        let (_, keys) = server.get("/api/0/projects/cairn/shop/keys/", &token).await;
        let mobile = keys
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["name"] == "Mobile")
            .expect("the key named in the form");
        let (mobile_id, project_id) =
            (mobile["id"].as_str().expect("key id").to_owned(), mobile["projectId"].clone());
        let row = format!("#key-list .key-row[data-key='{mobile_id}']");
        assert_eq!(text_of(&client, &format!("{row} .key-status")).await?, "Enabled");
        client.find(Locator::Css(&format!("{row} .key-toggle"))).await?.click().await?;
        let status =
            wait_for_text(&client, &format!("{row} .key-status"), |t| t == "Disabled").await?;
        assert_eq!(status, "Disabled");
        let refused = server
            .http
            .post(format!("{}/api/{project_id}/store/", server.url))
            .header("X-Sentry-Auth", format!("Sentry sentry_key={mobile_id}, sentry_version=7"))
            .body(r#"{"message": "from the disabled key"}"#)
            .send()
            .await
            .expect("sent");
        assert_eq!(refused.status().as_u16(), 403, "a disabled key's events are refused");
        confirm_delete(&client, &format!("{row} .key")).await?;
        assert_eq!(count(&client, key_rows, 1).await?, 1, "the deleted key is gone from the list");
        let (_, keys) = server.get("/api/0/projects/cairn/shop/keys/", &token).await;
        assert_eq!(keys.as_array().map(Vec::len), Some(1), "{keys}");

        // Source Maps: the uploaded bundle, deleted after a confirmation.
        assert_eq!(count(&client, "#bundle-list .bundle-row", 1).await?, 1);
        assert_eq!(text_of(&client, "#bundle-list .bundle-release").await?, "shop@1.0.0");
        assert_eq!(text_of(&client, "#bundle-list .bundle-files").await?, "2 files");
        confirm_delete(&client, "#bundle-list .bundle").await?;
        wait_for_element(&client, ".bundles-empty").await?;
        let (_, bundles) =
            server.get("/api/0/projects/cairn/shop/files/artifact-bundles/", &token).await;
        assert_eq!(bundles, serde_json::json!([]), "the bundle is deleted");

        // Service Hooks: one for new events (nothing listens there), its secret, disabled,
        // then deleted after the confirmation.
        wait_for_element(&client, ".hooks-empty").await?;
        let hook_url = "http://127.0.0.1:9/hook";
        client.find(Locator::Css("#new-hook-url")).await?.send_keys(hook_url).await?;
        assert_eq!(
            client.find(Locator::Css("#new-hook-created")).await?.prop("checked").await?.as_deref(),
            Some("true"),
            "new events by default"
        );
        client.find(Locator::Css("#new-hook-form button[type=submit]")).await?.click().await?;
        assert_eq!(count(&client, "#hook-list .hook-row", 1).await?, 1, "the new hook is listed");
        assert_eq!(text_of(&client, "#hook-list .hook-url").await?, hook_url);
        assert_eq!(text_of(&client, "#hook-list .hook-events").await?, "new events");
        assert_eq!(text_of(&client, "#hook-list .hook-status").await?, "active");
        assert_eq!(value_of(&client, "#new-hook-url").await?, "", "the form is cleared");
        client.find(Locator::Css("#hook-list .hook-secret-details summary")).await?.click().await?;
        let secret = wait_for_text(&client, "#hook-list .hook-secret", |t| !t.is_empty()).await?;
        assert!(secret.len() == 64 && secret.chars().all(|c| c.is_ascii_hexdigit()), "{secret}");
        // Its log, fetched when opened: nothing sent to it yet.
        client.find(Locator::Css("#hook-list .hook-deliveries summary")).await?.click().await?;
        let log =
            wait_for_text(&client, "#hook-list .hook-deliveries .hint", |t| !t.is_empty()).await?;
        assert_eq!(log, "No deliveries yet.");
        client.find(Locator::Css("#hook-list .hook-toggle")).await?.click().await?;
        let status = wait_for_text(&client, "#hook-list .hook-status", |t| t == "disabled").await?;
        assert_eq!(status, "disabled");
        let (_, hooks) = server.get("/api/0/projects/cairn/shop/hooks/", &token).await;
        assert_eq!(hooks[0]["url"], hook_url, "{hooks}");
        assert_eq!(hooks[0]["status"], "disabled", "{hooks}");
        assert_eq!(hooks[0]["events"], json!(["event.created"]), "{hooks}");
        confirm_delete(&client, "#hook-list .hook").await?;
        wait_for_element(&client, "p.hooks-empty").await?;
        let (_, hooks) = server.get("/api/0/projects/cairn/shop/hooks/", &token).await;
        assert_eq!(hooks, json!([]), "the hook is deleted");

        // Discarded Issues: an issue deleted with "discard future events" is listed after a
        // reload, with who discarded it, and undiscarded with a click.
        wait_for_element(&client, "#discarded-issues .discarded-empty").await?;
        let title = "payment provider timed out";
        crate::common::capture_message(&dsn, "backend@1.0.0", title).await;
        let issues =
            server.wait_for_issues(&token, |l| l.iter().any(|i| i["title"] == title)).await;
        let issue = issues.iter().find(|i| i["title"] == title).expect("the new issue");
        let path =
            format!("/api/0/organizations/cairn/issues/?id={}", issue["id"].as_str().expect("id"));
        let (status, body) = server.put(&path, &token, json!({"discard": true})).await;
        assert_eq!(status, 204, "{body}");
        client.refresh().await?;
        let row = "#discarded-issues .discarded-issue";
        let shown =
            wait_for_text(&client, &format!("{row} .discarded-title"), |t| t == title).await?;
        assert_eq!(shown, title);
        assert_eq!(count(&client, row, 1).await?, 1, "only the discarded issue");
        let actor = text_of(&client, &format!("{row} .discarded-actor")).await?;
        assert!(actor.starts_with("Discarded by ") && !actor.ends_with('—'), "{actor}");
        client.find(Locator::Css(&format!("{row} .undiscard-button"))).await?.click().await?;
        let empty = wait_for_text(&client, "#discarded-issues .discarded-empty", |t| !t.is_empty());
        assert_eq!(empty.await?, "No discarded issues.");
        assert_eq!(count(&client, row, 0).await?, 0, "the row is gone");
        let (status, tombstones) =
            server.get("/api/0/projects/cairn/shop/tombstones/", &token).await;
        assert_eq!((status, tombstones), (200, json!([])), "undiscarded");

        // Inbound filters: a switch saves at once; the patterns with their form.
        let localhost = client.find(Locator::Css("#filter-localhost")).await?;
        assert_eq!(localhost.prop("checked").await?.as_deref(), Some("false"));
        let extensions = client.find(Locator::Css("#filter-browser-extensions")).await?;
        assert_eq!(extensions.prop("checked").await?.as_deref(), Some("true"), "Sentry's default");
        localhost.click().await?;
        let filters = wait_for_filter(&server, &token, 1, json!(true)).await;
        assert_eq!(filters[1]["id"], "localhost");
        assert_eq!(filters[1]["active"], true, "{filters}");
        // Legacy browsers: on by default with every subfilter (a list in the API), one switch.
        let legacy = client.find(Locator::Css("#filter-legacy-browsers")).await?;
        assert_eq!(legacy.prop("checked").await?.as_deref(), Some("true"), "Sentry's default");
        legacy.click().await?;
        let filters = wait_for_filter(&server, &token, 2, json!(false)).await;
        assert_eq!(filters[2]["id"], "legacy-browsers");
        assert_eq!(filters[2]["active"], false, "{filters}");
        // One subfilter back on: the list is fetched again and the switch shows it on.
        wait_for_unchecked(&client, "#legacy-ie11").await?;
        client.find(Locator::Css("#legacy-ie11")).await?.click().await?;
        let filters = wait_for_filter(&server, &token, 2, json!(["ie11"])).await;
        assert_eq!(filters[2]["active"], json!(["ie11"]), "{filters}");
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#filter-legacy-browsers:checked"))
            .await?;
        client.find(Locator::Css("#filtered-messages")).await?.send_keys("ChunkLoadError*").await?;
        client.find(Locator::Css("#filtered-releases")).await?.send_keys("*-dev").await?;
        client.find(Locator::Css("#filtered-ips")).await?.send_keys("203.0.113.0/24").await?;
        save_and_wait(&client, "#filters-form").await?;
        let (_, details) = server.get("/api/0/projects/cairn/shop/", &token).await;
        assert_eq!(details["options"]["filters:error_messages"], "ChunkLoadError*");
        assert_eq!(details["options"]["filters:releases"], "*-dev");
        assert_eq!(details["options"]["filters:blacklisted_ips"], "203.0.113.0/24");

        // General: a new name and slug; the page moves to the new slug's URL and the header's
        // project switcher shows the new name.
        assert_eq!(value_of(&client, "#project-name").await?, "Shop");
        assert_eq!(value_of(&client, "#project-slug").await?, "shop");
        let name = client.find(Locator::Css("#project-name")).await?;
        name.clear().await?;
        name.send_keys("Web Shop").await?;
        let slug = client.find(Locator::Css("#project-slug")).await?;
        slug.clear().await?;
        slug.send_keys("web-shop").await?;
        client.find(Locator::Css("#project-platform")).await?.select_by_value("node").await?;
        save_and_wait(&client, "#general-form").await?;
        let path = wait_for_path(&client, "/settings/cairn/projects/web-shop/").await?;
        assert_eq!(path, "/settings/cairn/projects/web-shop/");
        let (status, details) = server.get("/api/0/projects/cairn/web-shop/", &token).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details["name"], "Web Shop");
        assert_eq!(details["platform"], "node");
        let switcher =
            wait_for_text(&client, "#project-switcher", |t| t.contains("Web Shop")).await?;
        assert!(switcher.contains("Web Shop"), "{switcher}");
        client.execute("window.scrollTo(0, 0)", vec![]).await?;
        std::fs::write(artifacts_dir().join("project-settings.png"), client.screenshot().await?)
            .ok();

        // Project Team: the project goes to another team.
        let (status, team) = server
            .post("/api/0/organizations/cairn/teams/", &token, json!({"slug": "payments"}))
            .await;
        assert_eq!(status, 201, "{team}");
        client.refresh().await?;
        wait_for_element(&client, "#project-team option[value=payments]").await?;
        assert_eq!(value_of(&client, "#project-team").await?, "cairn", "the team as loaded");
        client.find(Locator::Css("#project-team")).await?.select_by_value("payments").await?;
        save_and_wait(&client, "#team-form").await?;
        let (_, details) = server.get("/api/0/projects/cairn/web-shop/", &token).await;
        assert_eq!(details["team"]["slug"], "payments", "{details}");

        // Remove Project, after a confirmation: on to the organization's projects, without it
        // (in the list and the header's switcher), and gone from the API.
        confirm_delete(&client, "#remove-project .project").await?;
        let path = wait_for_path(&client, "/organizations/cairn/projects/").await?;
        assert_eq!(path, "/organizations/cairn/projects/", "the projects after the deletion");
        let switcher =
            wait_for_text(&client, "#project-switcher", |t| !t.contains("Web Shop")).await?;
        assert!(!switcher.contains("Web Shop"), "{switcher}");
        wait_for_element(&client, ".project-row").await?;
        let rows = text_of(&client, ".app-main").await?;
        assert!(!rows.contains("Web Shop"), "{rows}");
        let (status, _) = server.get("/api/0/projects/cairn/web-shop/", &token).await;
        assert_eq!(status, 404, "the project is deleted");

        // The user's own email settings, reached from the inbox: no more issue-alert emails.
        client.goto(&format!("{}/inbox/", server.url)).await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::LinkText("Email settings"))
            .await?
            .click()
            .await?;
        let alerts = wait_for_element(&client, "#email-alerts").await?;
        assert_eq!(alerts.prop("checked").await?.as_deref(), Some("true"), "Sentry's default");
        alerts.click().await?;
        wait_for_element(&client, ".settings-saved").await?;
        let (_, options) = server.get("/api/0/users/me/notification-options/", &token).await;
        assert_eq!(options[0]["type"], "alerts", "{options}");
        assert_eq!(options[0]["value"], "never", "{options}");
        // The weekly report, on by default, is one of them.
        let reports = client.find(Locator::Css("#email-reports")).await?;
        assert_eq!(reports.prop("checked").await?.as_deref(), Some("true"), "Sentry's default");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("project-settings-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// A browser error whose script's source map was uploaded with sentry-cli: the issue page shows
/// the original file, line and source, and its *Minified* toggle the frames as sent.
#[tokio::test(flavor = "multi_thread")]
async fn source_mapped_frames_show_the_original_source_and_toggle_to_the_minified_ones() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    let work = tempfile::tempdir().expect("work dir");
    std::fs::create_dir(work.path().join("dist")).expect("dist");
    crate::sourcemaps::write_build(&work.path().join("dist"));
    let upload = ["sourcemaps", "upload", "--release", "shop@1.0.0", "dist"];
    crate::common::succeeded(&crate::common::sentry_cli(&server, &token, work.path(), &upload));
    let script = "https://shop.example.com/app.min.js";
    crate::sourcemaps::send_browser_error(&dsn, "shop@1.0.0", script, 1).await;
    let issues = server.wait_for_issues(&token, |issues| !issues.is_empty()).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{issue_id}/", server.url)).await?;
        let mapped = wait_for_text(&client, ".mapped-frames .frame", |t| !t.is_empty()).await?;
        assert!(mapped.contains("checkout"), "the caller's name for the minified c: {mapped}");
        assert!(mapped.contains("./src/cart.js:4:5"), "{mapped}");
        // The frame opens on the original source line.
        client.find(Locator::Css(".mapped-frames .frame .frame-header")).await?.click().await?;
        let source = wait_for_text(&client, ".mapped-frames .frame", |t| {
            t.contains("throw new Error(\"the cart is empty\")")
        })
        .await?;
        assert!(source.contains("function checkout(cart)"), "{source}");
        client.execute("window.scrollTo(0, 300)", vec![]).await?;
        std::fs::write(artifacts_dir().join("issue-source-maps.png"), client.screenshot().await?)
            .ok();
        client.find(Locator::Css(".minified-toggle")).await?.click().await?;
        let minified = wait_for_text(&client, ".minified-frames .frame", |t| !t.is_empty()).await?;
        assert!(minified.contains("/app.min.js:1:34"), "{minified}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("issue-source-maps-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// The usage stats page, reached from the projects page: errors accepted and filtered, and the
/// filtered ones by reason, as the official SDK's events made them.
#[tokio::test(flavor = "multi_thread")]
async fn usage_stats_show_accepted_and_filtered_errors() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    // One error kept, two dropped by the new project's browser-extensions filter.
    let (hub, client) = crate::common::sentry_hub(&dsn, "shop@1.0");
    tokio::task::spawn_blocking(move || {
        for value in ["the cart is empty", "Extension context invalidated.", "top.GLOBALS"] {
            let event = sentry::protocol::Event {
                exception: vec![sentry::protocol::Exception {
                    ty: "Error".into(),
                    value: Some(value.into()),
                    ..Default::default()
                }]
                .into(),
                ..Default::default()
            };
            sentry::Hub::run(std::sync::Arc::clone(&hub), || sentry::capture_event(event));
        }
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its events");
    })
    .await
    .expect("sent");
    server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    // And a cron check-in, in Sentry's `monitor` category.
    let check_in = serde_json::json!({"check_in_id": "83a7c6a5d2b64b8d9c5c4e3f2a1b0c9d",
        "monitor_slug": "nightly", "status": "ok",
            "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}});
    server.post_envelope(&dsn, [("check_in", check_in)]).await;

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/projects/", server.url)).await?;
        wait_for_element(&client, "#usage-stats").await?.click().await?;
        let accepted =
            wait_for_text(&client, "[data-outcome=accepted] .stat-value", |t| t == "1").await?;
        assert_eq!(accepted, "1");
        assert_eq!(text_of(&client, "[data-outcome=filtered] .stat-value").await?, "2");
        assert_eq!(text_of(&client, "[data-outcome=rate_limited] .stat-value").await?, "0");
        let reasons = text_of(&client, "#stats-reasons").await?;
        assert!(reasons.contains("browser-extensions"), "{reasons}");
        assert!(client.find(Locator::Css("#chart-accepted svg")).await.is_ok());
        // The period is in the URL.
        client.find(Locator::Css("#stats-period")).await?.select_by_value("24h").await?;
        let mut path = String::new();
        for _ in 0..100 {
            path = client.current_url().await?.query().unwrap_or_default().to_owned();
            if path == "statsPeriod=24h" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(path, "statsPeriod=24h");
        wait_for_text(&client, "[data-outcome=accepted] .stat-value", |t| t == "1").await?;
        // One project: the organization's other one has nothing; Shop has it all.
        client.find(Locator::Css("#stats-project")).await?.select_by_value("internal").await?;
        let accepted =
            wait_for_text(&client, "[data-outcome=accepted] .stat-value", |t| t == "0").await?;
        assert_eq!(accepted, "0");
        let query = client.current_url().await?.query().unwrap_or_default().to_owned();
        assert_eq!(query, "statsPeriod=24h&project=internal");
        client.find(Locator::Css("#stats-project")).await?.select_by_value("shop").await?;
        let filtered =
            wait_for_text(&client, "[data-outcome=filtered] .stat-value", |t| t == "2").await?;
        assert_eq!(filtered, "2");
        std::fs::write(artifacts_dir().join("stats.png"), client.screenshot().await?).ok();
        // Another category: the check-in, and nothing dropped; the category is in the URL.
        client.find(Locator::Css("#stats-category")).await?.select_by_value("monitors").await?;
        let title = wait_for_text(&client, "#chart-accepted", |t| t.contains("check-ins")).await?;
        assert!(title.contains("Accepted check-ins"), "{title}");
        assert_eq!(text_of(&client, "[data-outcome=accepted] .stat-value").await?, "1");
        assert_eq!(text_of(&client, "[data-outcome=filtered] .stat-value").await?, "0");
        let query = client.current_url().await?.query().unwrap_or_default().to_owned();
        assert_eq!(query, "dataCategory=monitors&statsPeriod=24h&project=shop");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("stats-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
}

/// Sends a check-in of monitor `slug` over Sentry's HTTP cron route, as `curl` in a crontab
/// does: `query` (`?status=...`) and a JSON `body` (none when `Null`), authenticated by the
/// public key in the path. Returns the status.
async fn cron_check_in(
    server: &TestServer,
    project_id: i64,
    key: &str,
    slug: &str,
    query: &str,
    body: serde_json::Value,
) -> u16 {
    let url = format!("{}/api/{project_id}/cron/{slug}/{key}/{query}", server.url);
    let request = server.http.post(url);
    let request = if body.is_null() { request } else { request.json(&body) };
    request.send().await.expect("check-in sent").status().as_u16()
}

/// Crons: a monitor made by its first HTTP check-in, then failing, is listed as failing (from
/// the header's link, with the project filter in the URL); its page shows its schedule, its
/// check-ins and the issue it opened; it is muted, disabled and deleted from there, which leads
/// back to the empty list and its set-up lines.
#[tokio::test(flavor = "multi_thread")]
async fn crons_page_lists_a_failing_monitor_which_is_muted_disabled_and_deleted() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Billing").await;
    let (key, project_id) = server.project_key(&token, "billing").await;
    let (internal_key, internal_id) = server.project_key(&token, "internal").await;
    let config = json!({"status": "ok", "monitor_config": {
        "schedule": {"type": "crontab", "value": "0 * * * *"},
        "checkin_margin": 5, "max_runtime": 30}});
    let sent = cron_check_in(&server, project_id, &key, "nightly-report", "", config).await;
    assert!((200..300).contains(&sent), "the first check-in creates the monitor: {sent}");
    let query = "?status=error";
    let sent = cron_check_in(&server, project_id, &key, "nightly-report", query, json!(null)).await;
    assert!((200..300).contains(&sent), "the failed run's check-in: {sent}");
    let monitor_api = "/api/0/projects/cairn/billing/monitors/nightly-report/";
    let mut monitor = json!(null);
    for _ in 0..100 {
        monitor = server.get(monitor_api, &token).await.1;
        if monitor["environments"][0]["status"] == "error" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(monitor["environments"][0]["status"], "error", "{monitor}");

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        // The header's link.
        wait_for_element(&client, ".app-nav a[href='/organizations/cairn/crons/']")
            .await?
            .click()
            .await?;
        let row = "#monitor-list .monitor-row[data-slug=nightly-report]";
        let status =
            wait_for_text(&client, &format!("{row} .monitor-status"), |t| t == "Failing").await?;
        assert_eq!(status, "Failing");
        assert_eq!(client.current_url().await?.path(), "/organizations/cairn/crons/");
        assert_eq!(text_of(&client, &format!("{row} .monitor-name a")).await?, "nightly-report");
        assert_eq!(text_of(&client, &format!("{row} .monitor-project")).await?, "billing");
        assert_eq!(text_of(&client, &format!("{row} .monitor-schedule")).await?, "0 * * * *");
        let last = text_of(&client, &format!("{row} .monitor-last")).await?;
        assert!(last == "just now" || last.ends_with("ago"), "{last}");
        let next = text_of(&client, &format!("{row} .monitor-next")).await?;
        assert!(next.starts_with("in "), "the next hour: {next}");
        std::fs::write(artifacts_dir().join("crons.png"), client.screenshot().await?).ok();

        // The project filter, in the URL: the other project has no monitor, so its set-up
        // lines name its id and key.
        client
            .find(Locator::Css("#crons-project"))
            .await?
            .select_by_value(&internal_id.to_string())
            .await?;
        let setup = wait_for_text(&client, "#cron-setup", |t| t.contains("curl")).await?;
        assert!(
            setup.contains(&format!("/api/{internal_id}/cron/nightly-job/{internal_key}/")),
            "{setup}"
        );
        assert!(client.find(Locator::Css("#no-monitors")).await.is_ok());
        let query = client.current_url().await?.query().unwrap_or_default().to_owned();
        assert_eq!(query, format!("project={internal_id}"));
        client
            .find(Locator::Css("#crons-project"))
            .await?
            .select_by_value(&project_id.to_string())
            .await?;

        // The monitor's page.
        wait_for_element(&client, &format!("{row} .monitor-name a")).await?.click().await?;
        let path = wait_for_path(&client, "/organizations/cairn/crons/billing/nightly-report/");
        assert_eq!(path.await?, "/organizations/cairn/crons/billing/nightly-report/");
        assert_eq!(count(&client, "#monitor-check-ins .check-in", 2).await?, 2);
        let statuses = texts(&client, "#monitor-check-ins .check-in .monitor-status").await?;
        assert_eq!(statuses, ["Error", "OK"], "newest first");
        let environments = texts(&client, "#monitor-check-ins .check-in td:nth-child(2)").await?;
        assert_eq!(environments, ["production", "production"]);
        assert_eq!(text_of(&client, ".release-title").await?, "nightly-report");
        assert_eq!(text_of(&client, "#monitor-status").await?, "Failing");
        let config = text_of(&client, "#monitor-config").await?;
        for expected in ["0 * * * *", "5 minutes", "30 minutes", "billing", "UTC"] {
            assert!(config.contains(expected), "{expected} in {config}");
        }
        let environment = ".monitor-environment[data-environment=production]";
        assert!(text_of(&client, environment).await?.contains("Failing"));
        let issue = monitor["environments"][0]["issueId"].as_str();
        assert!(issue.is_some(), "the error opened an issue: {monitor}");
        if let Some(issue) = issue {
            let link = client.find(Locator::Css(&format!("{environment} .monitor-issue"))).await?;
            assert_eq!(link.text().await?, "View issue");
            let href = link.attr("href").await?.unwrap_or_default();
            assert!(href.ends_with(&format!("/organizations/cairn/issues/{issue}/")), "{href}");
            let (status, _) =
                server.get(&format!("/api/0/organizations/cairn/issues/{issue}/"), &token).await;
            assert_eq!(status, 200, "the link's issue exists");
            // The failure issue's page leads back to the monitor.
            link.click().await?;
            let back = wait_for_element(&client, "#issue-monitor a").await?;
            assert_eq!(back.text().await?, "nightly-report");
            back.click().await?;
            let path = wait_for_path(&client, "/organizations/cairn/crons/billing/nightly-report/");
            assert_eq!(path.await?, "/organizations/cairn/crons/billing/nightly-report/");
            assert_eq!(count(&client, "#monitor-check-ins .check-in", 2).await?, 2);
        }
        std::fs::write(artifacts_dir().join("monitor.png"), client.screenshot().await?).ok();

        // Mute, then disable: the page shows the monitor as the server keeps it.
        client.find(Locator::Css("#monitor-mute")).await?.click().await?;
        let muted = wait_for_text(&client, "#monitor-mute", |t| t == "Unmute").await?;
        assert_eq!(muted, "Unmute");
        assert!(text_of(&client, "#monitor-status").await?.contains("Muted"));
        assert_eq!(server.get(monitor_api, &token).await.1["isMuted"], true);
        client.find(Locator::Css("#monitor-disable")).await?.click().await?;
        let disabled = wait_for_text(&client, "#monitor-disable", |t| t == "Enable").await?;
        assert_eq!(disabled, "Enable");
        let status = wait_for_text(&client, "#monitor-status", |t| t.contains("Disabled")).await?;
        assert!(status.contains("Disabled"), "{status}");
        assert_eq!(server.get(monitor_api, &token).await.1["status"], "disabled");

        // Delete, confirmed: back on the (now empty) list.
        client.find(Locator::Css(".monitor-delete")).await?.click().await?;
        client.find(Locator::Css(".monitor-delete-confirm")).await?.click().await?;
        assert_eq!(
            wait_for_path(&client, "/organizations/cairn/crons/").await?,
            "/organizations/cairn/crons/"
        );
        wait_for_element(&client, "#no-monitors").await?;
        assert_eq!(count(&client, ".monitor-row", 0).await?, 0);
        let setup = wait_for_text(&client, "#cron-setup", |t| t.contains("curl")).await?;
        assert!(setup.contains("sentry-cli monitors run"), "{setup}");
        std::fs::write(artifacts_dir().join("crons-empty.png"), client.screenshot().await?).ok();
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("crons-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    let (status, monitors) = server.get("/api/0/organizations/cairn/monitors/", &token).await;
    assert_eq!((status, monitors), (200, json!([])), "the monitor is gone");
}

/// Alert rules: from the header's link, a rule "New errors" (a new issue of level error or
/// worse notifies a member) is made with the page's form and kept as the API shows it; an
/// error the `sentry` crate sends then notifies the member; the rule is changed (also: more
/// than 10 events in an hour) and deleted, which leaves the empty state.
#[tokio::test(flavor = "multi_thread")]
async fn alert_rules_page_creates_edits_and_deletes_a_rule_that_notifies_a_member() {
    const FIRST_SEEN: &str = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition";
    const FREQUENCY: &str = "sentry.rules.conditions.event_frequency.EventFrequencyCondition";
    const LEVEL: &str = "sentry.rules.filters.level.LevelFilter";
    const NOTIFY: &str = "sentry.mail.actions.NotifyEmailAction";
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    let password = "correct horse battery";
    let member = "dev@example.com";
    server.cli(&[
        "createuser",
        "--email",
        member,
        "--password",
        password,
        "--organization",
        "cairn",
    ]);
    let member_token = server.cli(&["createtoken", "--email", member]).trim().to_owned();
    let (_, me) = server.get("/api/0/", &member_token).await;
    let member_id: i64 =
        me["user"]["id"].as_str().and_then(|id| id.parse().ok()).expect("the member's id");
    let rules_api = "/api/0/projects/cairn/shop/rules/";

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", password).await?;
        // The header's link, then the project (in the URL): it has no rule yet.
        wait_for_element(&client, ".app-nav a[href='/organizations/cairn/alerts/rules/']")
            .await?
            .click()
            .await?;
        let path = wait_for_path(&client, "/organizations/cairn/alerts/rules/").await?;
        assert_eq!(path, "/organizations/cairn/alerts/rules/");
        wait_for_element(&client, "#rules-project option[value=shop]").await?;
        client.find(Locator::Css("#rules-project")).await?.select_by_value("shop").await?;
        let query = async {
            for _ in 0..100 {
                let query = client.current_url().await?.query().unwrap_or_default().to_owned();
                if query == "project=shop" {
                    return Ok::<_, fantoccini::error::CmdError>(query);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(client.current_url().await?.query().unwrap_or_default().to_owned())
        };
        assert_eq!(query.await?, "project=shop");
        let empty = wait_for_text(&client, "#no-rules", |t| t.contains("No alert rules")).await?;
        assert!(empty.contains("No alert rules yet"), "{empty}");

        // The new rule: a new issue (checked already), level error or worse, to the member.
        client.find(Locator::Css("#new-rule")).await?.click().await?;
        let form = wait_for_element(&client, "#rule-form").await?;
        assert!(client.find(Locator::Css("#rule-first-seen")).await?.is_selected().await?);
        form.find(Locator::Css("#rule-name")).await?.send_keys("New errors").await?;
        form.find(Locator::Css("#rule-level-on")).await?.click().await?;
        client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#rule-level:enabled"))
            .await?
            .select_by_value("40")
            .await?;
        form.find(Locator::Css("#rule-level-match")).await?.select_by_value("gte").await?;
        form.find(Locator::Css("#rule-target")).await?.select_by_value("Member").await?;
        wait_for_element(&client, &format!("#rule-member option[value='{member_id}']")).await?;
        let picker = client.find(Locator::Css("#rule-member")).await?;
        picker.select_by_value(&member_id.to_string()).await?;
        std::fs::write(artifacts_dir().join("alert-rule-form.png"), client.screenshot().await?)
            .ok();
        client.find(Locator::Css("#rule-save")).await?.click().await?;
        let name = wait_for_text(&client, ".rule-row .rule-name", |t| t == "New errors").await?;
        assert_eq!(name, "New errors");
        assert_eq!(count(&client, "#rule-form", 0).await?, 0, "the form closes once saved");
        let when = texts(&client, ".rule-row .rule-conditions li").await?;
        assert_eq!(when, ["A new issue is created"]);
        let filters = texts(&client, ".rule-row .rule-filters li").await?;
        assert_eq!(filters, ["The event's level is greater than or equal to error"]);
        let actions = wait_for_text(&client, ".rule-row .rule-actions", |t| t.contains(member));
        assert!(actions.await?.contains(member));
        let frequency = text_of(&client, ".rule-row .rule-frequency").await?;
        assert_eq!(frequency, "At most once every 30 minutes per issue");
        assert_eq!(text_of(&client, ".rule-row .rule-environment").await?, "All environments");
        assert_eq!(text_of(&client, ".rule-row .rule-last").await?, "never");
        assert_eq!(text_of(&client, ".rule-row .rule-creator").await?, "owner@example.com");

        // As the API keeps it.
        let (status, rules) = server.get(rules_api, &token).await;
        assert_eq!(status, 200, "{rules}");
        let rule = &rules[0];
        assert_eq!(rules.as_array().map(Vec::len), Some(1), "{rules}");
        assert_eq!(rule["name"], "New errors");
        assert_eq!((&rule["actionMatch"], &rule["filterMatch"]), (&json!("any"), &json!("all")));
        assert_eq!(rule["frequency"], 30);
        assert_eq!(rule["environment"], json!(null));
        assert_eq!(rule["conditions"].as_array().map(Vec::len), Some(1), "{rule}");
        assert_eq!(rule["conditions"][0]["id"], FIRST_SEEN);
        assert_eq!(rule["filters"].as_array().map(Vec::len), Some(1), "{rule}");
        assert_eq!(rule["filters"][0]["id"], LEVEL);
        assert_eq!(
            (&rule["filters"][0]["match"], &rule["filters"][0]["level"]),
            (&json!("gte"), &json!("40"))
        );
        assert_eq!(rule["actions"].as_array().map(Vec::len), Some(1), "{rule}");
        assert_eq!(rule["actions"][0]["id"], NOTIFY);
        assert_eq!(rule["actions"][0]["targetType"], "Member");
        assert_eq!(rule["actions"][0]["targetIdentifier"], member_id);
        let rule_id = rule["id"].as_str().expect("the rule's id").to_owned();
        std::fs::write(artifacts_dir().join("alert-rules.png"), client.screenshot().await?).ok();

        // A new error: the member is told, in the inbox's notifications.
        crate::common::capture_message(&dsn, "shop@1.0", "the cart is empty").await;
        let mut alerts = Vec::new();
        for _ in 0..100 {
            let (status, list) = server.get("/api/0/users/me/notifications/", &member_token).await;
            assert_eq!(status, 200, "{list}");
            alerts = list
                .as_array()
                .into_iter()
                .flatten()
                .filter(|n| n["type"] == "alert")
                .cloned()
                .collect::<Vec<_>>();
            if !alerts.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(alerts.len(), 1, "the member got one alert: {alerts:?}");
        let title = alerts[0]["issue"]["title"].as_str().unwrap_or_default();
        assert!(title.contains("the cart is empty"), "{title}");
        // The page, loaded again, shows when the rule fired.
        client.refresh().await?;
        let last = wait_for_text(&client, ".rule-row .rule-last", |t| t != "never").await?;
        assert!(last == "just now" || last.ends_with("ago"), "{last}");

        // Edit: also more than 10 events in an hour; the form starts from the rule.
        client.find(Locator::Css(".rule-row .rule-edit")).await?.click().await?;
        let form = wait_for_element(&client, "#rule-form").await?;
        assert_eq!(value_of(&client, "#rule-name").await?, "New errors");
        assert!(client.find(Locator::Css("#rule-level-on")).await?.is_selected().await?);
        let id = member_id.to_string();
        assert_eq!(wait_for_value(&client, "#rule-member", &id).await?, id);
        form.find(Locator::Css("#rule-seen-on")).await?.click().await?;
        let seen = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#rule-seen-value:enabled"))
            .await?;
        seen.clear().await?;
        seen.send_keys("10").await?;
        form.find(Locator::Css("#rule-seen-interval")).await?.select_by_value("1h").await?;
        client.find(Locator::Css("#rule-save")).await?.click().await?;
        let frequency_condition = ".rule-row .rule-conditions li:nth-child(2)";
        let when = wait_for_text(&client, frequency_condition, |t| t.contains("10 times")).await?;
        assert_eq!(when, "The issue is seen more than 10 times in one hour");
        let (_, rules) = server.get(rules_api, &token).await;
        let rule = &rules[0];
        assert_eq!(rules.as_array().map(Vec::len), Some(1), "{rules}");
        assert_eq!(rule["id"], rule_id.as_str(), "the same rule, changed");
        assert_eq!(rule["conditions"][0]["id"], FIRST_SEEN);
        assert_eq!(rule["conditions"][1]["id"], FREQUENCY);
        assert_eq!(
            (&rule["conditions"][1]["value"], &rule["conditions"][1]["interval"]),
            (&json!(10), &json!("1h"))
        );
        assert_eq!(rule["filters"][0]["level"], "40", "the rest as it was: {rule}");
        assert_eq!(rule["actions"][0]["targetIdentifier"], member_id);

        // Delete, confirmed: the empty state.
        client.find(Locator::Css(".rule-row .rule-delete")).await?.click().await?;
        client.find(Locator::Css(".rule-row .rule-delete-confirm")).await?.click().await?;
        wait_for_element(&client, "#no-rules").await?;
        assert_eq!(count(&client, ".rule-row", 0).await?, 0);
        std::fs::write(artifacts_dir().join("alert-rules-empty.png"), client.screenshot().await?)
            .ok();
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("alert-rules-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    let (status, rules) = server.get(rules_api, &token).await;
    assert_eq!((status, rules), (200, json!([])), "the rule is gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn metric_alert_made_on_the_alerts_page_shows_its_incident_and_what_happened() {
    const PASSWORD: &str = "correct horse battery";
    const NAME: &str = "Checkout <b>errors</b>";
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start_with_env(&[("CAIRN_METRIC_ALERT_INTERVAL_MS", "300")]);
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Shop").await;
    let rules_api = "/api/0/organizations/cairn/alert-rules/";

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", PASSWORD).await?;
        client
            .goto(&format!("{}/organizations/cairn/alerts/rules/?project=shop", server.url))
            .await?;
        let empty = wait_for_text(&client, "#no-metric-alerts", |t| !t.is_empty()).await?;
        assert!(!empty.is_empty(), "the empty state of the metric alerts");

        // A crash-free rate over 100% is refused, and the form says why.
        client.find(Locator::Css("#new-metric-alert")).await?.click().await?;
        let form = wait_for_element(&client, "#metric-alert-form").await?;
        form.find(Locator::Css("#metric-name")).await?.send_keys(NAME).await?;
        let crash_free = "percentage(sessions_crashed, sessions) AS _crash_rate_alert_aggregate";
        form.find(Locator::Css("#metric-aggregate")).await?.select_by_value(crash_free).await?;
        assert_eq!(value_of(&client, "#metric-direction").await?, "1", "crash-free: below");
        form.find(Locator::Css("#metric-critical")).await?.send_keys("120").await?;
        form.find(Locator::Css("#metric-save")).await?.click().await?;
        let error = wait_for_text(&client, "#metric-alert-form .form-error", |t| t.contains("100"));
        assert!(error.await?.contains("0 to 100"), "the server's reason is shown");

        // Errors instead: more than one in 5 minutes.
        form.find(Locator::Css("#metric-aggregate")).await?.select_by_value("count()").await?;
        assert_eq!(value_of(&client, "#metric-direction").await?, "0", "counts: above");
        form.find(Locator::Css("#metric-window")).await?.select_by_value("5").await?;
        let critical = form.find(Locator::Css("#metric-critical")).await?;
        critical.clear().await?;
        critical.send_keys("1").await?;
        std::fs::write(artifacts_dir().join("metric-alert-form.png"), client.screenshot().await?)
            .ok();
        form.find(Locator::Css("#metric-save")).await?.click().await?;
        let name = wait_for_text(&client, ".metric-alert-row .metric-alert-name", |t| t == NAME);
        assert_eq!(name.await?, NAME, "the name as text, not HTML");
        assert_eq!(count(&client, "#metric-alert-list b", 0).await?, 0);
        let sentence = text_of(&client, ".metric-alert-row .metric-alert-sentence").await?;
        assert!(sentence.contains("errors") && sentence.contains("5 minutes"), "{sentence}");
        let (status, rules) = server.get(rules_api, &token).await;
        assert_eq!(status, 200, "{rules}");
        assert_eq!(rules.as_array().map(Vec::len), Some(1), "{rules}");
        assert_eq!(
            (&rules[0]["aggregate"], &rules[0]["timeWindow"]),
            (&json!("count()"), &json!(5.0))
        );
        assert_eq!(rules[0]["projects"], json!(["shop"]));
        let id = rules[0]["id"].as_str().expect("the rule's id").to_owned();

        // Two errors: past the threshold, an incident opens; the page shows it once reloaded.
        for text in ["card declined", "card expired"] {
            crate::common::capture_message(&dsn, "shop@1.0", text).await;
        }
        let mut status = serde_json::Value::Null;
        for _ in 0..100 {
            let (_, rule) = server.get(&format!("{rules_api}{id}/"), &token).await;
            status = rule["latestIncident"]["status"].clone();
            if status == 20 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(status, 20, "the incident is critical");
        client.refresh().await?;
        wait_for_element(&client, ".metric-alert-row .metric-alert-status[data-status=critical]")
            .await?;
        let figure = text_of(&client, ".metric-alert-row .metric-alert-figure").await?;
        assert!(figure.contains('2'), "{figure}");
        std::fs::write(artifacts_dir().join("metric-alerts.png"), client.screenshot().await?).ok();

        // Its page: the incident, ongoing, and what happened to it.
        client.find(Locator::Css(".metric-alert-row a.metric-alert-name")).await?.click().await?;
        let details = format!("/organizations/cairn/alerts/rules/details/{id}/");
        assert_eq!(wait_for_path(&client, &details).await?, details);
        wait_for_element(&client, "#metric-alert-status[data-status=critical]").await?;
        assert_eq!(text_of(&client, "h1.metric-alert-title").await?, NAME);
        // Its chart: errors per hour, the thresholds named in the legend (a 5-minute window).
        wait_for_element(&client, "#metric-alert-chart[data-kind=errors] .chart-drawing svg")
            .await?;
        let closed =
            text_of(&client, "tr.incident-row[data-incident='1'] .incident-closed").await?;
        assert_eq!(closed, "ongoing");
        client
            .find(Locator::Css("tr.incident-row[data-incident='1'] .incident-toggle"))
            .await?
            .click()
            .await?;
        assert_eq!(count(&client, "#incident-activity-1 li.incident-activity-item", 2).await?, 2);
        std::fs::write(artifacts_dir().join("metric-alert.png"), client.screenshot().await?).ok();

        // Deleted from its page, the rule is gone with its incident.
        client.find(Locator::Css(".metric-alert-delete")).await?.click().await?;
        client.find(Locator::Css(".metric-alert-delete-confirm")).await?.click().await?;
        wait_for_path(&client, "/organizations/cairn/alerts/rules/").await?;
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    if result.is_err() {
        if let Ok(shot) = client.screenshot().await {
            std::fs::write(artifacts_dir().join("metric-alert-failure.png"), shot).ok();
        }
    }
    let _ = client.close().await;
    if let Err(err) = result {
        panic!("browser test failed: {err}");
    }
    let mut rules = json!(null);
    for _ in 0..50 {
        rules = server.get(rules_api, &token).await.1;
        if rules == json!([]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rules, json!([]), "the rule is gone");
    let (status, _) = server.get("/api/0/organizations/cairn/incidents/1/", &token).await;
    assert_eq!(status, 404, "with its incident");
}

/// Code mappings, *Seen by* and environments as a team uses them: the repository gets its
/// address and a mapping through the API, the issue page's in-app frame links to its line on
/// the code host and shows who else looked, and the settings page hides an environment,
/// which the stream's picker then leaves out.
#[tokio::test(flavor = "multi_thread")]
async fn frames_link_to_the_code_host_and_a_hidden_environment_leaves_the_picker() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    store_parse_error_with_frames(&server, &dsn).await;
    crate::environments::send_in(&dsn, "staging", true, false).await;
    crate::environments::send_in(&dsn, "production", true, false).await;
    let issues = server.wait_for_issues(&token, |i| i.len() == 2).await;
    let parse_error = issues
        .iter()
        .find(|i| i["title"].as_str().is_some_and(|t| t.starts_with("ParseIntError")))
        .and_then(|i| i["id"].as_str())
        .expect("the ParseIntError issue")
        .to_owned();
    let (_, repo) = server
        .post(
            "/api/0/organizations/cairn/repos/",
            &token,
            json!({"name": "acme/shop", "url": "https://gitlab.acme.example/acme/shop"}),
        )
        .await;
    let mapping = json!({"projectId": "shop", "repositoryId": repo["id"], "stackRoot": "src/",
        "sourceRoot": "backend/src/", "defaultBranch": "main"});
    let (status, body) =
        server.post("/api/0/organizations/cairn/code-mappings/", &token, mapping).await;
    assert_eq!(status, 201, "{body}");
    let mapping_id = body["id"].as_str().expect("mapping id").to_owned();
    // A colleague opened the issue before.
    let colleague = server.member_token("ada@example.com");
    let (status, _) = server.get(&format!("/api/0/issues/{parse_error}/"), &colleague).await;
    assert_eq!(status, 200);

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{parse_error}/", server.url)).await?;
        let link = wait_for_element(&client, ".frame-source-link").await?;
        let href = link.attr("href").await?.unwrap_or_default();
        let link_text = link.text().await?;
        let links = client.find_all(Locator::Css(".frame-source-link")).await?.len();
        let seen_by = wait_for_text(&client, "#issue-seen-by", |t| t.contains("ada")).await?;

        client.goto(&format!("{}/settings/cairn/projects/shop/", server.url)).await?;
        wait_for_element(&client, "#environment-list .environment").await?;
        let listed = texts(&client, "#environment-list .environment-name").await?;
        for row in client.find_all(Locator::Css("#environment-list .environment")).await? {
            if row.find(Locator::Css(".environment-name")).await?.text().await? == "staging" {
                row.find(Locator::Css(".environment-toggle")).await?.click().await?;
            }
        }
        let hidden =
            wait_for_text(&client, "#environment-list .hidden-environment", |t| !t.is_empty())
                .await?;

        client.goto(&format!("{}/organizations/cairn/issues/", server.url)).await?;
        wait_for_element(&client, "#environment-picker option[value=production]").await?;
        let options = texts(&client, "#environment-picker option").await?;

        // A CODEOWNERS file written for the repository, imported through the mapping.
        client.goto(&format!("{}/settings/cairn/projects/shop/ownership/", server.url)).await?;
        wait_for_element(&client, "#codeowners-code-mapping")
            .await?
            .select_by_value(&mapping_id)
            .await?;
        client
            .find(Locator::Css("#codeowners-raw"))
            .await?
            .send_keys("/backend/src/orders.rs owner@example.com")
            .await?;
        client.find(Locator::Css("#codeowners-form button[type=submit]")).await?.click().await?;
        let imported = wait_for_text(&client, "#codeowners-result", |t| !t.is_empty()).await?;
        Ok::<_, fantoccini::error::CmdError>((
            href, link_text, links, seen_by, listed, hidden, options, imported,
        ))
    }
    .await;
    let _ = client.close().await;
    let (href, link_text, links, seen_by, listed, hidden, options, imported) = match result {
        Ok(found) => found,
        Err(err) => panic!("browser test failed: {err}"),
    };
    // Only the in-app frames under `src/` are mapped: src/main.rs and src/orders.rs.
    assert_eq!(links, 2);
    assert_eq!(href, "https://gitlab.acme.example/acme/shop/-/blob/main/backend/src/orders.rs#L12");
    assert!(link_text.eq_ignore_ascii_case("Open in GitLab"), "{link_text}");
    assert!(seen_by.contains("ada@example.com"), "{seen_by}");
    assert!(!seen_by.contains("owner@example.com"), "the caller is left out: {seen_by}");
    assert_eq!(listed, ["production", "staging"]);
    assert!(hidden.contains("staging"), "{hidden}");
    assert_eq!(options, ["All environments", "production"]);
    let (_, kept) =
        server.get("/api/0/projects/cairn/shop/environments/?visibility=hidden", &token).await;
    assert_eq!(kept[0]["name"], "staging", "{kept}");
    assert!(imported.contains("Imported 1 rules"), "{imported}");
    let (_, codeowners) = server.get("/api/0/projects/cairn/shop/codeowners/", &token).await;
    assert_eq!(codeowners[0]["codeMappingId"], mapping_id.as_str(), "{codeowners}");
    assert_eq!(codeowners[0]["schema"]["rules"][0]["matcher"]["pattern"], "/src/orders.rs");
}

/// The issue page's *Event Grouping Information*: opened on a click, the in-app variant first
/// with the hash the API gives and only the frames that contribute, the others on request.
#[tokio::test(flavor = "multi_thread")]
async fn the_event_explains_its_grouping_on_the_issue_page() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    let event_id = crate::grouping_info::send_error(&dsn).await;
    let issues = server.wait_for_issues(&token, |i| i.len() == 1).await;
    let issue = issues[0]["id"].as_str().expect("issue id").to_owned();
    let (_, info) = server
        .get(&format!("/api/0/projects/cairn/shop/events/{event_id}/grouping-info/"), &token)
        .await;
    let app_hash = info["app"]["hash"].as_str().expect("the app variant's hash").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{issue}/", server.url)).await?;
        let closed = client.find_all(Locator::Css(".grouping-variant-tab")).await?.len();
        wait_for_element(&client, ".grouping-info-toggle").await?.click().await?;
        let first = wait_for_element(&client, ".grouping-variant-tab[aria-selected=true]").await?;
        let first_key = first.attr("data-key").await?.unwrap_or_default();
        let hash = client.find(Locator::Css(".grouping-hash")).await?.text().await?;
        let frames =
            client.find_all(Locator::Css(".grouping-component[data-id=frame]")).await?.len();
        client.find(Locator::Css(".grouping-show-all input")).await?.click().await?;
        let hint =
            wait_for_text(&client, ".grouping-component[data-id=frame] .grouping-hint", |t| {
                !t.is_empty()
            })
            .await?;
        let all_frames =
            client.find_all(Locator::Css(".grouping-component[data-id=frame]")).await?.len();
        Ok::<_, fantoccini::error::CmdError>((closed, first_key, hash, frames, hint, all_frames))
    }
    .await;
    let _ = client.close().await;
    let (closed, first_key, hash, frames, hint, all_frames) = match result {
        Ok(found) => found,
        Err(err) => panic!("browser test failed: {err}"),
    };
    assert_eq!(closed, 0, "closed until asked");
    assert_eq!(first_key, "app");
    assert_eq!(hash, app_hash);
    assert_eq!(frames, 2, "the two in-app frames");
    assert_eq!(hint, "non app frame");
    assert_eq!(all_frames, 3);
}

/// Sharing from the issue page: the owner makes the public link, and a browser that never
/// logged in opens it and sees the error, not its breadcrumbs or user.
#[tokio::test(flavor = "multi_thread")]
async fn an_issue_shared_on_its_page_opens_for_a_visitor_without_an_account() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    tokio::task::spawn_blocking(move || crate::common::send_error_with_breadcrumbs(&dsn))
        .await
        .expect("SDK");
    let issues = server.wait_for_issues(&token, |i| i.len() == 1).await;
    let issue = issues[0]["id"].as_str().expect("issue id").to_owned();
    let title = issues[0]["title"].as_str().expect("title").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let shared = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{issue}/", server.url)).await?;
        wait_for_element(&client, "#issue-share .share").await?.click().await?;
        wait_for_element(&client, ".share-create").await?.click().await?;
        let link = wait_for_element(&client, "#share-link").await?;
        let url = link.prop("value").await?.unwrap_or_default();
        let button = wait_for_text(&client, "#issue-share .share", |t| t == "Shared").await?;
        Ok::<_, fantoccini::error::CmdError>((url, button))
    }
    .await;
    let _ = client.close().await;
    let (url, button) = match shared {
        Ok(found) => found,
        Err(err) => panic!("browser test failed: {err}"),
    };
    assert_eq!(button, "Shared");
    assert!(url.starts_with(&format!("{}/share/issue/", server.url)), "{url}");

    // A visitor with a browser of their own, never logged in.
    let visitor_profile = tempfile::tempdir().expect("profile directory");
    let visitor = browser(&driver, visitor_profile.path()).await;
    let seen = async {
        visitor.goto(&url).await?;
        let shown =
            wait_for_text(&visitor, "#shared-issue .issue-title", |t| !t.is_empty()).await?;
        let exceptions = visitor.find_all(Locator::Css("#shared-issue #exceptions")).await?.len();
        let page = visitor.find(Locator::Css("#shared-issue")).await?.text().await?;
        let current = visitor.current_url().await?.to_string();
        Ok::<_, fantoccini::error::CmdError>((shown, exceptions, page, current))
    }
    .await;
    let _ = visitor.close().await;
    let (shown, exceptions, page, current) = match seen {
        Ok(found) => found,
        Err(err) => panic!("browser test failed: {err}"),
    };
    assert_eq!(shown, title);
    assert_eq!(exceptions, 1);
    assert_eq!(current, url, "no redirect to the log-in");
    assert!(!page.contains("user logged in"), "no breadcrumbs: {page}");
    let (_, details) = server.get(&format!("/api/0/issues/{issue}/"), &token).await;
    assert_eq!(details["isPublic"], true);
}

/// A 1×1 PNG, as a screenshot attachment.
const PNG_PIXEL: [u8; 70] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2,
    135, 1, 128, 235, 71, 186, 146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// A screenshot the SDK attached is drawn on the issue page (served with the download's
/// headers: the SDK's type, `nosniff`, a sandbox policy), beside its download link.
#[tokio::test(flavor = "multi_thread")]
async fn a_screenshot_attachment_is_drawn_on_the_issue_page() {
    assert!(dist_dir().join("index.html").exists(), "run `make dashboard` first");
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    tokio::task::spawn_blocking(move || {
        let (hub, client) = crate::common::sentry_hub(&dsn, "shop@1.0.0");
        sentry::Hub::run(hub, || {
            sentry::configure_scope(|scope| {
                scope.add_attachment(sentry::protocol::Attachment {
                    buffer: PNG_PIXEL.to_vec(),
                    filename: "screenshot.png".into(),
                    content_type: Some("image/png".into()),
                    ty: None,
                });
            });
            sentry::capture_message("checkout froze", sentry::Level::Error);
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
    })
    .await
    .expect("SDK thread");
    let issues = server.wait_for_issues(&token, |i| i.len() == 1).await;
    let issue = issues[0]["id"].as_str().expect("issue id").to_owned();

    let driver = ChromeDriver::start();
    let profile = tempfile::tempdir().expect("profile directory");
    let client = browser(&driver, profile.path()).await;
    let result = async {
        log_in(&client, &server, "owner@example.com", "correct horse battery").await?;
        client.goto(&format!("{}/organizations/cairn/issues/{issue}/", server.url)).await?;
        wait_for_element(&client, ".attachment-preview img").await?;
        // The picture decoded: its natural size is the PNG's.
        let mut width = json!(0);
        for _ in 0..100 {
            width = client
                .execute(
                    "const img = document.querySelector('.attachment-preview img');
                     return img.complete ? img.naturalWidth : 0;",
                    vec![],
                )
                .await?;
            if width != json!(0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caption =
            client.find(Locator::Css(".attachment-preview figcaption")).await?.text().await?;
        Ok::<_, fantoccini::error::CmdError>((width, caption))
    }
    .await;
    let _ = client.close().await;
    let (width, caption) = match result {
        Ok(found) => found,
        Err(err) => panic!("browser test failed: {err}"),
    };
    assert_eq!(width, json!(1), "the screenshot was drawn");
    assert_eq!(caption, "screenshot.png");
}
