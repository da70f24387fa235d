//! Release commits as the real `sentry-cli releases set-commits` sends them (from a real git
//! repository), Sentry's commit APIs, and suspect commits of an event sent with the official
//! `sentry` crate.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use cairn_server::store::sqlite::SqliteStore;
use serde_json::{json, Value};

use crate::common::{sentry_cli, sentry_hub, succeeded, TestServer};

/// `git` in `dir`, with a fixed identity and no user configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_COMMITTER_NAME", "CI")
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Writes `file` and commits it as `author`; returns the commit's sha.
fn commit(dir: &Path, file: &str, content: &str, message: &str, author: &str) -> String {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("directories");
    std::fs::write(&path, content).expect("file written");
    git(dir, &["add", "-A"]);
    git(dir, &["-c", "commit.gpgsign=false", "commit", "-q", "-m", message, "--author", author]);
    git(dir, &["rev-parse", "HEAD"])
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().into_iter().flatten().filter_map(|c| c["id"].as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sentry_cli_set_commits_local_and_by_ref() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&owner, "Shop").await;
    let repo = tempfile::tempdir().expect("repository directory");
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["remote", "add", "origin", "https://github.com/acme/shop.git"]);
    let first = commit(
        dir,
        "src/checkout/cart.rs",
        "fn total() {}\n",
        "Add the cart",
        "Alice <alice@example.com>",
    );
    let second = commit(dir, "README.md", "# Shop\n", "Write a readme", "Bob <bob@example.com>");

    succeeded(&sentry_cli(&server, &owner, dir, &["releases", "new", "shop@1.0.0"]));
    let out = succeeded(&sentry_cli(
        &server,
        &owner,
        dir,
        &["releases", "set-commits", "shop@1.0.0", "--local"],
    ));
    assert!(out.contains("Success"), "{out}");

    let (status, commits) =
        server.get("/api/0/organizations/cairn/releases/shop%401.0.0/commits/", &owner).await;
    assert_eq!(status, 200, "{commits}");
    assert_eq!(ids(&commits), [second.as_str(), first.as_str()], "newest first: {commits:#}");
    assert_eq!(commits[0]["message"], "Write a readme");
    assert_eq!(commits[0]["author"]["email"], "bob@example.com");
    assert_eq!(commits[1]["author"]["name"], "Alice");
    // sentry-cli 3 names the repository after the git remote it reads (`origin`), not the
    // remote's URL: Cairn keeps the name it is sent, as Sentry does.
    assert_eq!(commits[1]["repository"]["name"], "origin");

    let (status, project_commits) =
        server.get("/api/0/projects/cairn/shop/releases/shop%401.0.0/commits/", &owner).await;
    assert_eq!(status, 200, "{project_commits}");
    assert_eq!(ids(&project_commits), ids(&commits));
    let (status, other) =
        server.get("/api/0/projects/cairn/internal/releases/shop%401.0.0/commits/", &owner).await;
    assert_eq!(status, 404, "the release is not in that project: {other}");

    let (status, files) =
        server.get("/api/0/organizations/cairn/releases/shop%401.0.0/commitfiles/", &owner).await;
    assert_eq!(status, 200, "{files}");
    let mut changed: Vec<(String, String)> = files
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (f["filename"].as_str().unwrap_or("").into(), f["type"].as_str().unwrap_or("").into())
        })
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        [("README.md".into(), "A".into()), ("src/checkout/cart.rs".into(), "A".into())],
        "{files:#}"
    );

    let (status, release) =
        server.get("/api/0/organizations/cairn/releases/shop%401.0.0/", &owner).await;
    assert_eq!(status, 200, "{release}");
    assert_eq!(release["commitCount"], 2);
    assert_eq!(release["lastCommit"]["id"], second.as_str());
    let mut authors: Vec<&str> = release["authors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["email"].as_str())
        .collect();
    authors.sort_unstable();
    assert_eq!(authors, ["alice@example.com", "bob@example.com"]);

    let (status, repos) = server.get("/api/0/organizations/cairn/repos/", &owner).await;
    assert_eq!(status, 200, "{repos}");
    assert_eq!(repos[0]["name"], "origin", "{repos}");

    // The next release gets only the commits since the previous release's last commit, which
    // sentry-cli learns from `previous-with-commits`.
    let third = commit(
        dir,
        "src/checkout/cart.rs",
        "fn total() -> u32 { 0 }\n",
        "Fix totals",
        "Alice <alice@example.com>",
    );
    succeeded(&sentry_cli(&server, &owner, dir, &["releases", "new", "shop@1.1.0"]));
    let (status, previous) = server
        .get("/api/0/organizations/cairn/releases/shop%401.1.0/previous-with-commits/", &owner)
        .await;
    assert_eq!(status, 200, "{previous}");
    assert_eq!(previous["version"], "shop@1.0.0");
    succeeded(&sentry_cli(
        &server,
        &owner,
        dir,
        &["releases", "set-commits", "shop@1.1.0", "--local"],
    ));
    let (_, commits) =
        server.get("/api/0/organizations/cairn/releases/shop%401.1.0/commits/", &owner).await;
    assert_eq!(ids(&commits), [third.as_str()], "{commits:#}");

    // `--commit repo@sha` names a repository Cairn knows (sentry-cli checks the list first)
    // and sends `refs`: the head commit is recorded, with the details known from before.
    succeeded(&sentry_cli(&server, &owner, dir, &["releases", "new", "shop@1.2.0"]));
    let spec = format!("origin@{first}");
    succeeded(&sentry_cli(
        &server,
        &owner,
        dir,
        &["releases", "set-commits", "shop@1.2.0", "--commit", &spec],
    ));
    let (_, commits) =
        server.get("/api/0/organizations/cairn/releases/shop%401.2.0/commits/", &owner).await;
    assert_eq!(ids(&commits), [first.as_str()], "{commits:#}");
    assert_eq!(commits[0]["message"], "Add the cart");
    let unknown = sentry_cli(
        &server,
        &owner,
        dir,
        &["releases", "set-commits", "shop@1.2.0", "--commit", "acme/nope@HEAD"],
    );
    assert!(!unknown.status.success(), "an unknown repository is refused by sentry-cli");
}

#[tokio::test(flavor = "multi_thread")]
async fn set_commits_refuses_bad_commits_with_400() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&owner, "Shop").await;
    let (status, _) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &owner,
            json!({"version": "v1", "projects": ["shop"]}),
        )
        .await;
    assert_eq!(status, 201);
    for body in [
        json!({"commits": [{"id": ""}]}),
        json!({"commits": [{"id": "abc", "patch_set": [{"path": "a.rs", "type": "X"}]}]}),
        json!({"commits": [{"id": "abc", "author_email": "not an email"}]}),
        json!({"commits": "abc"}),
        json!({"refs": [{"repository": "", "commit": "abc"}]}),
    ] {
        let (status, answer) =
            server.put("/api/0/organizations/cairn/releases/v1/", &owner, body.clone()).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }
    let (_, release) = server.get("/api/0/organizations/cairn/releases/v1/", &owner).await;
    assert_eq!(release["commitCount"], 0, "nothing was stored: {release}");
}

/// Sets a release's commits through the API as `set-commits --local` does.
async fn set_commits(server: &TestServer, token: &str, version: &str, commits: Value) {
    let (status, release) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            token,
            json!({"version": version, "projects": ["shop"]}),
        )
        .await;
    assert!(status == 201 || status == 208, "{release}");
    let encoded = version.replace('@', "%40");
    let (status, release) = server
        .put(
            &format!("/api/0/organizations/cairn/releases/{encoded}/"),
            token,
            json!({"commits": commits}),
        )
        .await;
    assert_eq!(status, 200, "{release}");
}

fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(20)
}

#[tokio::test(flavor = "multi_thread")]
async fn suspect_commits_of_an_event_from_the_sentry_crate() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.cli(&[
        "createuser",
        "--email",
        "alice@example.com",
        "--password",
        "correct horse battery",
        "--organization",
        "cairn",
    ]);
    let dsn = server.create_project(&owner, "Shop").await;
    let touch = |path: &str| json!([{"path": path, "type": "M"}]);
    // An older release of the project: Sentry looks back at earlier releases too.
    set_commits(&server, &owner, "shop@1.9.0", json!([
        {"id": sha(1), "repository": "acme/shop", "message": "Start the cart", "author_name": "Carol", "author_email": "carol@example.com", "patch_set": touch("src/checkout/cart.rs")},
    ])).await;
    set_commits(&server, &owner, "shop@2.0.0", json!([
        {"id": sha(2), "repository": "acme/shop", "message": "Round the totals", "author_name": "Alice", "author_email": "Alice@Example.com", "timestamp": "2026-11-30T10:00:00+01:00", "patch_set": touch("src/checkout/cart.rs")},
        {"id": sha(3), "repository": "acme/shop", "message": "Docs", "author_name": "Bob", "author_email": "bob@example.com", "patch_set": touch("docs/cart.md")},
        {"id": sha(4), "repository": "acme/shop", "message": "Other cart", "author_name": "Bob", "author_email": "bob@example.com", "patch_set": touch("admin/cart.rs")},
    ])).await;
    // A later release is not looked at.
    set_commits(&server, &owner, "shop@3.0.0", json!([
        {"id": sha(5), "repository": "acme/shop", "message": "Later", "author_name": "Dan", "author_email": "dan@example.com", "patch_set": touch("src/checkout/cart.rs")},
    ])).await;

    let (hub, client) = sentry_hub(&dsn, "shop@2.0.0");
    let frames =
        [("/rustc/library/core/src/ops/function.rs", false), ("src/checkout/cart.rs", true)]
            .into_iter()
            .map(|(filename, in_app)| sentry::protocol::Frame {
                filename: Some(filename.into()),
                abs_path: Some(format!("/build/shop/{filename}")),
                function: Some("checkout::total".into()),
                in_app: Some(in_app),
                ..Default::default()
            })
            .collect();
    let exception = sentry::protocol::Exception {
        ty: "TotalError".into(),
        value: Some("the total is negative".into()),
        stacktrace: Some(sentry::protocol::Stacktrace { frames, ..Default::default() }),
        ..Default::default()
    };
    let event = sentry::protocol::Event { exception: vec![exception].into(), ..Default::default() };
    let event_id = sentry::Hub::run(Arc::clone(&hub), || sentry::capture_event(event));
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered the event");
    let issues = server.wait_for_issues(&owner, |issues| !issues.is_empty()).await;
    let issue_id: i64 = issues[0]["id"].as_str().and_then(|id| id.parse().ok()).expect("issue id");

    let path = format!("/api/0/projects/cairn/shop/events/{}/committers/", event_id.simple());
    let (status, answer) = server.get(&path, &owner).await;
    assert_eq!(status, 200, "{answer}");
    let committers = answer["committers"].as_array().expect("committers");
    let summary: Vec<(&str, Vec<&str>)> = committers
        .iter()
        .map(|c| (c["author"]["email"].as_str().unwrap_or(""), ids(&c["commits"])))
        .collect();
    let (two, one) = (sha(2), sha(1));
    assert_eq!(
        summary,
        [("alice@example.com", vec![two.as_str()]), ("carol@example.com", vec![one.as_str()])],
        "the release's commit touching the frame's file first, then the earlier release's; not \
         Bob's (other files) nor the later release's: {answer:#}"
    );
    let alice = &committers[0];
    assert!(alice["author"]["id"].is_string(), "Alice is a member: {alice}");
    assert!(committers[1]["author"]["id"].is_null(), "Carol is not: {answer}");
    assert_eq!(alice["commits"][0]["message"], "Round the totals");
    assert_eq!(alice["commits"][0]["dateCreated"], "2026-11-30T09:00:00Z");
    assert_eq!(alice["commits"][0]["suspectCommitType"], "via commit in release");

    // What ownership reads: the same suspects by author email, from the issue's latest event.
    let url = format!("sqlite://{}", server.data_dir.path().join("cairn.db").display());
    let store = SqliteStore::connect(&url).await.expect("the server's database opens");
    let suspects = cairn_server::suspects::issue_suspect_commits(&store, issue_id)
        .await
        .expect("suspects are read");
    assert_eq!(
        suspects,
        [
            ("alice@example.com".to_owned(), vec![sha(2)]),
            ("carol@example.com".to_owned(), vec![sha(1)])
        ]
    );

    // Sentry's `suspectCommit` owners on the issue list: the member author (Alice), not Carol.
    // They are found after ingestion, off the acknowledgment's path: wait for them.
    let alice_id = alice["author"]["id"].as_str().expect("Alice's user id");
    let issue_key = issue_id.to_string();
    let mut issue = Value::Null;
    for _ in 0..100 {
        let (status, listed) =
            server.get("/api/0/organizations/cairn/issues/?expand=owners&query=", &owner).await;
        assert_eq!(status, 200, "{listed}");
        issue = listed
            .as_array()
            .expect("issues")
            .iter()
            .find(|i| i["id"].as_str() == Some(issue_key.as_str()))
            .cloned()
            .expect("the issue is listed");
        if issue["owners"].as_array().is_some_and(|owners| !owners.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let owners = issue["owners"].as_array().expect("owners expanded");
    let suspect_owners: Vec<&str> = owners
        .iter()
        .filter(|o| o["type"] == "suspectCommit")
        .filter_map(|o| o["owner"].as_str())
        .collect();
    assert_eq!(suspect_owners, [format!("user:{alice_id}")], "only the member author: {issue:#}");
    assert!(owners.iter().all(|o| o["date_added"].is_string()), "{issue:#}");
    // Not asked for, not computed.
    let (_, plain) = server.get("/api/0/organizations/cairn/issues/?query=", &owner).await;
    assert!(plain[0].get("owners").is_none_or(Value::is_null), "{plain:#}");

    let (status, _) =
        server.get("/api/0/projects/cairn/shop/events/not-an-id/committers/", &owner).await;
    assert_eq!(status, 404);
}

/// Sentry's "resolve via commit": a commit whose message says `Fixes SHOP-1`, sent with the
/// real `sentry-cli releases set-commits`, resolves that issue in the release; an event of an
/// older release leaves it resolved, one of a newer release brings it back as a regression.
#[tokio::test(flavor = "multi_thread")]
async fn a_commit_that_says_it_fixes_an_issue_resolves_it_in_its_release() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "Shop").await;
    crate::common::capture_message(&dsn, "shop@1.0.0", "cart total is negative").await;
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 1).await;
    let short_id = issues[0]["shortId"].as_str().expect("short id").to_owned();
    let issue_path = format!("/api/0/issues/{}/", issues[0]["id"].as_str().expect("id"));

    let repo = tempfile::tempdir().expect("repository directory");
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["remote", "add", "origin", "https://github.com/acme/shop.git"]);
    commit(dir, "README.md", "# Shop\n", "Write a readme", "Bob <bob@example.com>");
    let message = format!("Clamp the cart total\n\nFixes {short_id}, fixes NOPE-9");
    let fix = commit(dir, "src/cart.rs", "fn total() {}\n", &message, "Alice <alice@example.com>");
    succeeded(&sentry_cli(&server, &owner, dir, &["releases", "new", "shop@1.1.0"]));
    succeeded(&sentry_cli(
        &server,
        &owner,
        dir,
        &["releases", "set-commits", "shop@1.1.0", "--local"],
    ));

    let (_, issue) = server.get(&issue_path, &owner).await;
    assert_eq!(issue["status"], "resolved", "{issue}");
    assert_eq!(issue["statusDetails"]["inRelease"], "shop@1.1.0", "{issue}");
    assert_eq!(issue["statusDetails"]["inCommit"]["id"], fix.as_str(), "{issue}");
    let activity = issue["activity"].as_array().expect("activity");
    assert!(
        activity
            .iter()
            .any(|a| a["type"] == "set_resolved" && a["data"]["inCommit"]["id"] == fix.as_str()),
        "{activity:?}"
    );

    // The release that had the bug: still resolved. A newer one: a regression.
    crate::common::capture_message(&dsn, "shop@1.0.0", "cart total is negative").await;
    let (_, issue) = server.get(&issue_path, &owner).await;
    assert_eq!(issue["status"], "resolved", "{issue}");
    crate::common::capture_message(&dsn, "shop@1.2.0", "cart total is negative").await;
    let (_, issue) = server.get(&issue_path, &owner).await;
    assert_eq!(
        (&issue["status"], &issue["substatus"]),
        (&json!("unresolved"), &json!("regressed"))
    );
}
