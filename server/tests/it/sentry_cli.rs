//! The real `sentry-cli` (npm `@sentry/cli`, installed by `scripts/setup.sh` from
//! package-lock.json) as an API client: what works against Sentry must work against Cairn.

use std::process::Output;

use serde_json::{json, Value};

use crate::common::TestServer;

/// Runs sentry-cli against `server` with `token` in a directory of its own, isolated from the
/// developer's configuration (see [`crate::common::sentry_cli`]).
fn sentry_cli(server: &TestServer, token: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("working directory");
    crate::common::sentry_cli(server, token, dir.path(), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn sentry_cli_info_and_organization_and_project_lists() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    for name in ["Backend", "Web App"] {
        let (status, body) = server
            .post("/api/0/teams/cairn/cairn/projects/", &owner, json!({ "name": name }))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // A token with only the scopes these commands need, as a CI job would be given.
    let reader = server
        .cli(&[
            "createtoken",
            "--email",
            "owner@example.com",
            "--scope",
            "org:read",
            "--scope",
            "project:read",
        ])
        .trim()
        .to_owned();

    let info = sentry_cli(&server, &reader, &["info"]);
    let stdout = text(&info.stdout);
    assert!(info.status.success(), "sentry-cli info failed: {stdout}{}", text(&info.stderr));
    assert!(stdout.contains("Method: Auth Token"), "{stdout}");
    assert!(stdout.contains("User: owner@example.com"), "{stdout}");
    assert!(stdout.contains("project:read"), "the token's scopes are listed: {stdout}");
    assert!(!stdout.contains("org:admin"), "only the token's scopes are listed: {stdout}");

    let list = sentry_cli(&server, &reader, &["projects", "list"]);
    let stdout = text(&list.stdout);
    assert!(list.status.success(), "projects list failed: {stdout}{}", text(&list.stderr));
    for slug in ["internal", "backend", "web-app"] {
        assert!(
            stdout.lines().any(|line| line.split('|').any(|cell| cell.trim() == slug)),
            "project {slug} is listed: {stdout}"
        );
    }

    let orgs = sentry_cli(&server, &reader, &["organizations", "list"]);
    let stdout = text(&orgs.stdout);
    assert!(orgs.status.success(), "organizations list failed: {stdout}{}", text(&orgs.stderr));
    assert!(
        stdout.lines().any(|line| line.split('|').any(|cell| cell.trim() == "cairn")),
        "organization cairn is listed: {stdout}"
    );

    // The same command with a token that is not Cairn's fails: the test above is not passing
    // because sentry-cli ignores the answers.
    let refused = sentry_cli(&server, "sntryu_0000", &["projects", "list"]);
    assert!(!refused.status.success(), "an unknown token is refused: {}", text(&refused.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn sentry_cli_creates_finalizes_and_deploys_a_release() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let (status, body) =
        server.post("/api/0/teams/cairn/cairn/projects/", &owner, json!({"name": "Backend"})).await;
    assert_eq!(status, 201, "{body}");
    // A CI token as Sentry's docs recommend for releases: `project:releases` and nothing else.
    let ci = server
        .cli(&["createtoken", "--email", "owner@example.com", "--scope", "project:releases"])
        .trim()
        .to_owned();
    let version = "backend@2.1.0+ci.17";
    let run = |args: &[&str]| {
        let output = sentry_cli(&server, &ci, args);
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "sentry-cli {args:?} failed: {stdout}{}",
            text(&output.stderr)
        );
        stdout
    };

    let created = run(&["releases", "new", "--project", "backend", version]);
    assert!(created.contains(version), "{created}");
    // Not finalized yet: Sentry's `dateReleased` is null until `finalize`.
    let path = format!("/api/0/organizations/cairn/releases/{}/", version.replace('@', "%40"));
    let (status, release) = server.get(&path, &ci).await;
    assert_eq!(status, 200, "{release}");
    assert_eq!(release["dateReleased"], Value::Null, "{release}");
    assert_eq!(release["projects"][0]["slug"], "backend", "{release}");

    run(&["releases", "finalize", "--project", "backend", version]);
    run(&["releases", "deploys", version, "new", "-e", "production", "-n", "ci deploy"]);
    let listed = run(&["releases", "deploys", version, "list"]);
    assert!(listed.contains("production"), "the deploy is listed: {listed}");

    let (status, release) = server.get(&path, &ci).await;
    assert_eq!(status, 200, "{release}");
    assert!(release["dateReleased"].is_string(), "finalized: {release}");
    assert_eq!(release["deployCount"], 1, "{release}");
    assert_eq!(release["lastDeploy"]["environment"], "production", "{release}");
    assert_eq!(release["lastDeploy"]["name"], "ci deploy", "{release}");
    // The list shows it to the same token (Sentry lets `project:releases` read releases).
    let (status, list) = server.get("/api/0/organizations/cairn/releases/", &ci).await;
    assert_eq!(status, 200, "{list}");
    assert!(list.as_array().is_some_and(|l| l.iter().any(|r| r["version"] == version)), "{list}");

    // Archived: out of the lists unless asked for (Sentry's `status`), then restored.
    run(&["releases", "archive", version]);
    let versions = |list: &Value| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["version"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, open) = server.get("/api/0/organizations/cairn/releases/", &ci).await;
    assert!(!versions(&open).contains(&version.to_owned()), "{open}");
    let (_, archived) =
        server.get("/api/0/organizations/cairn/releases/?status=archived", &ci).await;
    assert_eq!(versions(&archived), [version], "{archived}");
    assert_eq!(archived[0]["status"], "archived");
    let (status, _) = server.get("/api/0/organizations/cairn/releases/?status=gone", &ci).await;
    assert_eq!(status, 400);
    run(&["releases", "restore", version]);
    let (_, release) = server.get(&path, &ci).await;
    assert_eq!(release["status"], "open", "{release}");
    let listed = run(&["releases", "list", "--project", "backend"]);
    assert!(listed.contains(version), "{listed}");

    // A deploy to an environment name Sentry refuses fails the command: the checks above are
    // not passing because sentry-cli ignores the answers.
    let refused = sentry_cli(&server, &ci, &["releases", "deploys", version, "new", "-e", "a/b"]);
    assert!(!refused.status.success(), "a bad environment is refused: {}", text(&refused.stdout));
}

/// `sentry-cli events list` reads a project's events (Sentry's "List a Project's Error
/// Events"), newest first; the endpoint pages through them with Sentry's `Link` cursors and
/// shows no other project's.
#[tokio::test(flavor = "multi_thread")]
async fn sentry_cli_lists_a_projects_events() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let shop = server.create_project(&owner, "Shop").await;
    let other = server.create_project(&owner, "Other").await;
    let mut ids = Vec::new();
    for text in ["Cart is empty", "Payment declined", "Coupon expired"] {
        ids.push(crate::common::capture_message(&shop, "shop@1.0", text).await);
    }
    let elsewhere = crate::common::capture_message(&other, "other@1.0", "Not the shop's").await;
    server.wait_for_issues(&owner, |issues| issues.len() == 4).await;

    let reader = server
        .cli(&["createtoken", "--email", "owner@example.com", "--scope", "event:read"])
        .trim()
        .to_owned();
    let listed = crate::common::succeeded(&sentry_cli(&server, &reader, &["events", "list"]));
    for (id, text) in ids.iter().zip(["Cart is empty", "Payment declined", "Coupon expired"]) {
        let hyphenated = uuid::Uuid::parse_str(id).expect("an event id").hyphenated().to_string();
        assert!(
            listed.contains(id.as_str()) || listed.contains(&hyphenated),
            "event {id} is listed: {listed}"
        );
        assert!(listed.contains(text), "{text} is listed: {listed}");
    }
    assert!(!listed.contains("Not the shop's"), "{listed}");
    assert!(!listed.contains(elsewhere.as_str()), "{listed}");

    // Two at a time: the newest two, then the last one, as the `Link` header's cursors say.
    let first = server
        .http
        .get(format!("{}/api/0/projects/cairn/shop/events/?per_page=2&cursor=", server.url))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(first.status().as_u16(), 200);
    let link = first.headers()["link"].to_str().expect("a Link header").to_owned();
    let page: Value = first.json().await.expect("JSON");
    let titles = |page: &Value| -> Vec<String> {
        page.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["title"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(titles(&page), ["Coupon expired", "Payment declined"]);
    assert_eq!(page[0]["eventID"], ids[2].as_str(), "{page:#}");
    let next = link
        .split(',')
        .find(|part| part.contains("rel=\"next\""))
        .filter(|part| part.contains("results=\"true\""))
        .and_then(|part| part.split("cursor=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a next page in {link}"));
    let (status, rest) = server
        .get(&format!("/api/0/projects/cairn/shop/events/?per_page=2&cursor={next}"), &reader)
        .await;
    assert_eq!(status, 200, "{rest}");
    assert_eq!(titles(&rest), ["Cart is empty"]);
}

/// `sentry-cli issues list`, `issues resolve --all` (Sentry's implicit "update all": a status
/// change without ids applies to the issues the query matches, unresolved ones by default)
/// and `releases list` (a project's releases) work as against Sentry; another project's issue
/// stays unresolved.
#[tokio::test(flavor = "multi_thread")]
async fn sentry_cli_lists_and_resolves_issues_and_lists_releases() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let shop = server.create_project(&owner, "Shop").await;
    let other = server.create_project(&owner, "Other").await;
    for text in ["Cart is empty", "Payment declined"] {
        crate::common::capture_message(&shop, "shop@1.0", text).await;
    }
    crate::common::capture_message(&other, "other@1.0", "Not the shop's").await;
    server.wait_for_issues(&owner, |issues| issues.len() == 3).await;
    let token = server
        .cli(&[
            "createtoken",
            "--email",
            "owner@example.com",
            "--scope",
            "event:read",
            "--scope",
            "event:write",
            "--scope",
            "project:read",
            "--scope",
            "project:releases",
        ])
        .trim()
        .to_owned();

    let listed = crate::common::succeeded(&sentry_cli(&server, &token, &["issues", "list"]));
    for title in ["Cart is empty", "Payment declined"] {
        assert!(listed.contains(title), "{title} is listed: {listed}");
    }
    assert!(!listed.contains("Not the shop's"), "{listed}");

    // Muted (Sentry's old word for ignored), then unresolved again through the API with
    // Sentry's `status` parameter, then resolved.
    crate::common::succeeded(&sentry_cli(&server, &token, &["issues", "mute", "--all"]));
    let (_, muted) = server.get("/api/0/projects/cairn/shop/issues/?query=is:muted", &owner).await;
    assert_eq!(muted.as_array().map(Vec::len), Some(2), "{muted:#}");
    let (status, body) = server
        .put(
            "/api/0/projects/cairn/shop/issues/?status=ignored",
            &owner,
            json!({"status": "unresolved"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    crate::common::succeeded(&sentry_cli(&server, &token, &["issues", "resolve", "--all"]));
    let (_, resolved) =
        server.get("/api/0/projects/cairn/shop/issues/?query=is:resolved", &owner).await;
    assert_eq!(resolved.as_array().map(Vec::len), Some(2), "{resolved:#}");
    let (_, untouched) =
        server.get("/api/0/projects/cairn/other/issues/?query=is:unresolved", &owner).await;
    assert_eq!(untouched.as_array().map(Vec::len), Some(1), "{untouched:#}");
    // Without ids, nothing but a status change is taken for "every issue".
    let (status, body) =
        server.put("/api/0/projects/cairn/other/issues/", &owner, json!({"hasSeen": true})).await;
    assert_eq!(status, 400, "{body}");

    let releases = crate::common::succeeded(&sentry_cli(&server, &token, &["releases", "list"]));
    assert!(releases.contains("shop@1.0"), "{releases}");
    assert!(!releases.contains("other@1.0"), "another project's release: {releases}");
}

/// `sentry-cli monitors run` wraps a job in check-ins sent with the project's DSN (creating the
/// monitor from its `--schedule`), and `monitors list` reads the organization's monitors.
#[tokio::test(flavor = "multi_thread")]
async fn sentry_cli_runs_a_monitored_job_and_lists_monitors() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "shop").await;
    let dir = tempfile::tempdir().expect("working directory");
    let run = |slug: &str, command: &str| {
        crate::common::sentry_cli_with_env(
            &server,
            &owner,
            dir.path(),
            &[
                "monitors",
                "run",
                "-s",
                "*/15 * * * *",
                "--check-in-margin",
                "3",
                "--max-runtime",
                "10",
                "--timezone",
                "Europe/Vienna",
                slug,
                "--",
                "sh",
                "-c",
                command,
            ],
            &[("SENTRY_DSN", &dsn)],
        )
    };
    let ok = run("db-backup", "exit 0");
    assert!(ok.status.success(), "{}{}", text(&ok.stdout), text(&ok.stderr));
    // The job's own exit code comes back, and its failure is checked in as an error.
    let failed = run("cache-warmup", "exit 3");
    assert_eq!(failed.status.code(), Some(3), "{}", text(&failed.stderr));

    let (status, monitors) = server.get("/api/0/organizations/cairn/monitors/", &owner).await;
    assert_eq!(status, 200, "{monitors}");
    let slugs: Vec<&str> =
        monitors.as_array().expect("monitors").iter().filter_map(|m| m["slug"].as_str()).collect();
    // Failing monitors first.
    assert_eq!(slugs, ["cache-warmup", "db-backup"]);
    let backup = &monitors[1];
    assert_eq!(backup["config"]["schedule"], "*/15 * * * *");
    assert_eq!(backup["config"]["checkin_margin"], 3);
    assert_eq!(backup["config"]["max_runtime"], 10);
    assert_eq!(backup["config"]["timezone"], "Europe/Vienna");
    assert_eq!(backup["environments"][0]["status"], "ok");
    let (_, check_ins) =
        server.get("/api/0/projects/cairn/shop/monitors/db-backup/checkins/", &owner).await;
    assert_eq!(check_ins.as_array().map(Vec::len), Some(1), "{check_ins}");
    assert_eq!(check_ins[0]["status"], "ok");
    assert!(check_ins[0]["duration"].as_i64().is_some(), "{check_ins}");

    let listed = crate::common::succeeded(&sentry_cli(&server, &owner, &["monitors", "list"]));
    assert!(listed.contains("db-backup") && listed.contains("cache-warmup"), "{listed}");
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 1).await;
    assert_eq!(issues[0]["title"], "Monitor failure: cache-warmup");
}
