//! Release health (issue 7): sessions sent by the official `sentry` crate become the numbers of
//! Sentry's releases (`health=1`) and sessions APIs, and the releases API works as `sentry-cli`
//! uses it.

use std::time::Duration;

use sentry::protocol::SessionStatus;
use sentry::User;
use serde_json::{json, Value};

use crate::common::{sentry_hub, TestServer};

const PASSWORD: &str = "correct horse battery staple";

/// Runs `f` with an SDK client of `release` as user `user` on a blocking thread, then flushes
/// and closes the client, so every session update it queued has been acknowledged (and so is
/// stored: Cairn answers after the commit).
pub(crate) async fn with_sdk(
    dsn: &str,
    release: &str,
    user: &str,
    f: impl FnOnce() + Send + 'static,
) {
    let (dsn, release, user) = (dsn.to_owned(), release.to_owned(), user.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, &release);
        sentry::Hub::run(hub, || {
            sentry::configure_scope(|scope| {
                scope.set_user(Some(User { id: Some(user), ..Default::default() }));
            });
            f();
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its envelopes");
        assert!(client.close(Some(Duration::from_secs(10))), "the SDK shut down cleanly");
    })
    .await
    .expect("SDK thread");
}

pub(crate) fn healthy() {
    sentry::start_session();
    sentry::end_session();
}

pub(crate) fn errored() {
    sentry::start_session();
    let err = "x".parse::<u8>().expect_err("not a number");
    sentry::capture_error(&err);
    sentry::end_session_with_status(SessionStatus::Exited);
}

pub(crate) fn crashed() {
    sentry::start_session();
    sentry::end_session_with_status(SessionStatus::Crashed);
}

fn close(actual: &Value, expected: f64) -> bool {
    actual.as_f64().is_some_and(|a| (a - expected).abs() < 1e-9)
}

/// Percent-encodes a release version for a URL path segment.
fn encode(version: &str) -> String {
    version.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        out
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_sessions_give_sentrys_crash_free_rates() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Mobile").await;
    let (v1, v2) = ("mobile@1.0.0+7", "mobile@2.0.0");

    // Release 1: alice has a healthy and an errored session, bob crashes.
    with_sdk(&dsn, v1, "alice", || {
        healthy();
        errored();
    })
    .await;
    with_sdk(&dsn, v1, "bob", crashed).await;
    // Release 2: both have a healthy session.
    with_sdk(&dsn, v2, "alice", healthy).await;
    with_sdk(&dsn, v2, "bob", healthy).await;

    // By hand, with Sentry's formulas. Release 1: 3 sessions, 1 crashed; the errored set holds
    // the errored and the crashed session, so errored = 2 − 1 crashed − 0 abnormal = 1;
    // crash-free sessions = 100 − 1/3 × 100; users alice and bob, bob crashed: 50 %.
    // Release 2: 2 sessions, 2 users, nothing crashed: 100 %. The project had 5 sessions and
    // 2 users in the last 24 hours: sessions adoption 3/5 and 2/5, user adoption 100 % each.
    let expected_crash_free_1 = 100.0 - 1.0 / 3.0 * 100.0;
    let (status, releases) = server
        .get("/api/0/organizations/cairn/releases/?health=1&summaryStatsPeriod=24h", &token)
        .await;
    assert_eq!(status, 200, "{releases}");
    let find = |version: &str| -> Value {
        releases
            .as_array()
            .and_then(|all| all.iter().find(|r| r["version"] == version))
            .unwrap_or_else(|| panic!("{version} in {releases:#}"))
            .clone()
    };
    let r1 = find(v1);
    let h1 = &r1["projects"][0]["healthData"];
    assert_eq!(r1["projects"][0]["slug"], "mobile");
    assert_eq!(h1["totalSessions"], 3, "{h1:#}");
    assert_eq!(h1["totalUsers"], 2, "{h1:#}");
    assert_eq!(h1["sessionsCrashed"], 1);
    assert_eq!(h1["sessionsErrored"], 1);
    assert!(close(&h1["crashFreeSessions"], expected_crash_free_1), "{h1:#}");
    assert!(close(&h1["crashFreeUsers"], 50.0), "{h1:#}");
    assert!(close(&h1["sessionsAdoption"], 60.0), "{h1:#}");
    assert!(close(&h1["adoption"], 100.0), "{h1:#}");
    assert_eq!(h1["totalSessions24h"], 3);
    assert_eq!(h1["totalProjectSessions24h"], 5);
    assert_eq!(h1["totalProjectUsers24h"], 2);
    assert_eq!(h1["hasHealthData"], true);
    // The list leaves durations to the release details, where the SDK's clean exits (the
    // healthy and the errored session) last well under a second; the crash has no duration.
    assert_eq!(h1["durationP50"], Value::Null);
    let (status, details) = server
        .get(&format!("/api/0/organizations/cairn/releases/{}/?health=1", encode(v1)), &token)
        .await;
    assert_eq!(status, 200, "{details}");
    for field in ["durationP50", "durationP90"] {
        let value = &details["projects"][0]["healthData"][field];
        let seconds = value.as_f64().unwrap_or_else(|| panic!("{field} in {details:#}"));
        assert!((0.0..5.0).contains(&seconds), "{field}: {seconds}");
    }
    let stats = h1["stats"]["24h"].as_array().expect("24 hourly buckets");
    assert_eq!(stats.len(), 24);
    assert_eq!(stats.iter().map(|b| b[1].as_i64().unwrap_or(0)).sum::<i64>(), 3);
    // The errored session's error is an issue first seen in release 1.
    assert_eq!(r1["newGroups"], 1, "{r1:#}");
    assert!(r1["firstEvent"].is_string(), "{r1:#}");

    let h2 = &find(v2)["projects"][0]["healthData"];
    assert_eq!(h2["totalSessions"], 2, "{h2:#}");
    assert!(close(&h2["crashFreeSessions"], 100.0), "{h2:#}");
    assert!(close(&h2["crashFreeUsers"], 100.0), "{h2:#}");
    assert!(close(&h2["sessionsAdoption"], 40.0), "{h2:#}");
    assert_eq!(h2["sessionsErrored"], 0);

    // The sessions API: rates are fractions there.
    let (status, sessions) = server
        .get(
            "/api/0/organizations/cairn/sessions/?field=sum(session)&field=count_unique(user)\
             &field=crash_free_rate(session)&field=crash_free_rate(user)&groupBy=release\
             &statsPeriod=24h&interval=1h",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{sessions}");
    let group = |release: &str| -> Value {
        sessions["groups"]
            .as_array()
            .and_then(|g| g.iter().find(|g| g["by"]["release"] == release))
            .unwrap_or_else(|| panic!("{release} in {sessions:#}"))
            .clone()
    };
    let g1 = group(v1);
    assert_eq!(g1["totals"]["sum(session)"], 3, "{g1:#}");
    assert_eq!(g1["totals"]["count_unique(user)"], 2);
    assert!(close(&g1["totals"]["crash_free_rate(session)"], 1.0 - 1.0 / 3.0), "{g1:#}");
    assert!(close(&g1["totals"]["crash_free_rate(user)"], 0.5), "{g1:#}");
    let intervals = sessions["intervals"].as_array().expect("intervals").len();
    assert_eq!(g1["series"]["sum(session)"].as_array().map(Vec::len), Some(intervals));
    let g2 = group(v2);
    assert!(close(&g2["totals"]["crash_free_rate(session)"], 1.0), "{g2:#}");
    assert!(close(&g2["totals"]["crash_free_rate(user)"], 1.0), "{g2:#}");

    // By status over the whole project: healthy = 5 − 2 errored-set sessions = 3.
    let (status, by_status) = server
        .get(
            "/api/0/organizations/cairn/sessions/?field=sum(session)&field=count_unique(user)\
             &groupBy=session.status",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{by_status}");
    let total = |s: &str, field: &str| -> Value {
        by_status["groups"]
            .as_array()
            .and_then(|g| g.iter().find(|g| g["by"]["session.status"] == s))
            .map(|g| g["totals"][field].clone())
            .unwrap_or_else(|| panic!("{s} in {by_status:#}"))
    };
    assert_eq!(total("healthy", "sum(session)"), 3, "{by_status:#}");
    assert_eq!(total("errored", "sum(session)"), 1);
    assert_eq!(total("crashed", "sum(session)"), 1);
    assert_eq!(total("abnormal", "sum(session)"), 0);
    // Users: alice is in the errored set, bob crashed; nobody is only healthy.
    assert_eq!(total("healthy", "count_unique(user)"), 0);
    assert_eq!(total("errored", "count_unique(user)"), 1);
    assert_eq!(total("crashed", "count_unique(user)"), 1);

    // A query on the release.
    let (status, one) = server
        .get(
            &format!(
                "/api/0/organizations/cairn/sessions/?field=sum(session)&query={}",
                encode(&format!("release:\"{v2}\""))
            ),
            &token,
        )
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["groups"][0]["totals"]["sum(session)"], 2, "{one:#}");

    // Events per hour of each release (Sentry's events-stats): release 1 has the errored
    // session's error, release 2 none.
    let events_of = |version: &str| {
        format!(
            "/api/0/organizations/cairn/events-stats/?yAxis=count()&interval=1h&statsPeriod=24h\
             &query={}",
            encode(&format!("release:\"{version}\""))
        )
    };
    let (status, stats) = server.get(&events_of(v1), &token).await;
    assert_eq!(status, 200, "{stats}");
    let buckets = stats["data"].as_array().expect("data");
    assert!((24..=25).contains(&buckets.len()), "{stats}");
    let sum = |stats: &Value| -> i64 {
        stats["data"]
            .as_array()
            .map(|d| d.iter().map(|b| b[1][0]["count"].as_i64().unwrap_or(0)).sum())
            .unwrap_or(-1)
    };
    assert_eq!(sum(&stats), 1, "{stats:#}");
    let (status, stats) = server.get(&events_of(v2), &token).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(sum(&stats), 0, "{stats:#}");
    for bad in [
        "/api/0/organizations/cairn/events-stats/?statsPeriod=24h",
        "/api/0/organizations/cairn/events-stats/?query=release:x&yAxis=p50()",
        "/api/0/organizations/cairn/events-stats/?query=release:x&interval=5m",
        "/api/0/organizations/cairn/events-stats/?query=user:x",
    ] {
        let (status, error) = server.get(bad, &token).await;
        assert_eq!(status, 400, "{bad}: {error}");
        assert!(error["detail"].is_string(), "{bad}: {error}");
    }

    // The release's new issues, as the release page lists them: Sentry's `firstRelease:`.
    for (key, version, expected) in
        [("firstRelease", v1, 1), ("first-release", v1, 1), ("firstRelease", v2, 0)]
    {
        let query = encode(&format!("{key}:\"{version}\""));
        let (status, issues) =
            server.get(&format!("/api/0/organizations/cairn/issues/?query={query}"), &token).await;
        assert_eq!(status, 200, "{issues}");
        assert_eq!(issues.as_array().map(Vec::len), Some(expected), "{key}:{version} {issues}");
    }

    // Unknown fields and groupings are refused with Sentry's `detail`.
    let (status, error) = server
        .get("/api/0/organizations/cairn/sessions/?field=p42(session.duration)", &token)
        .await;
    assert_eq!(status, 400);
    assert!(error["detail"].as_str().is_some_and(|d| d.contains("Invalid field")), "{error}");
    let (status, error) = server
        .get("/api/0/organizations/cairn/sessions/?field=sum(session)&groupBy=os", &token)
        .await;
    assert_eq!(status, 400, "{error}");
    let (status, _) = server
        .get(
            "/api/0/organizations/cairn/sessions/?field=crash_free_rate(session)\
             &groupBy=session.status",
            &token,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn raw_session_updates_count_each_session_once() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Raw").await;
    let now = chrono::Utc::now();
    let started = (now - chrono::Duration::minutes(5)).to_rfc3339();
    let old = (now - chrono::Duration::days(6)).to_rfc3339();
    let sid = "8f2c6a3e-1b4d-4e5f-9a0b-1c2d3e4f5a6b";
    let attrs = json!({"release": "raw@1", "environment": "prod"});
    server
        .post_envelope(
            &dsn,
            [
                (
                    "session",
                    json!({"sid": sid, "did": "u1", "init": true, "started": started,
                "attrs": attrs}),
                ),
                // The same session crashes, is reported twice, then a stale `ok` arrives.
                (
                    "session",
                    json!({"sid": sid, "did": "u1", "seq": 5, "status": "crashed",
                "errors": 1, "started": started, "attrs": attrs}),
                ),
                (
                    "session",
                    json!({"sid": sid, "did": "u1", "seq": 6, "status": "crashed",
                "errors": 1, "started": started, "attrs": attrs}),
                ),
                (
                    "session",
                    json!({"sid": sid, "did": "u1", "seq": 2, "status": "ok",
                "started": started, "attrs": attrs}),
                ),
                // Too old: dropped.
                (
                    "session",
                    json!({"sid": "9f2c6a3e-1b4d-4e5f-9a0b-1c2d3e4f5a6b", "init": true,
                "started": old, "attrs": attrs}),
                ),
                // Pre-aggregated: 4 clean exits and 1 errored session of another user.
                (
                    "sessions",
                    json!({"aggregates": [{"started": started, "did": "u2", "exited": 4,
                "errored": 1}], "attrs": attrs}),
                ),
            ],
        )
        .await;
    // A session reported whole (started and ended in one update) with an error, sent twice as
    // an SDK retry would: it counts once.
    for _ in 0..2 {
        let whole = json!({"sid": "aa2c6a3e-1b4d-4e5f-9a0b-1c2d3e4f5a6b", "did": "u3",
            "init": true, "status": "exited", "errors": 2, "duration": 3.5, "started": started,
            "attrs": attrs});
        server.post_envelope(&dsn, [("session", whole)]).await;
    }

    let (status, sessions) = server
        .get(
            "/api/0/organizations/cairn/sessions/?field=sum(session)&field=count_unique(user)\
             &groupBy=session.status",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{sessions}");
    let total = |s: &str, field: &str| -> i64 {
        sessions["groups"]
            .as_array()
            .and_then(|g| g.iter().find(|g| g["by"]["session.status"] == s))
            .and_then(|g| g["totals"][field].as_i64())
            .unwrap_or_else(|| panic!("{s} in {sessions:#}"))
    };
    // 1 + 5 + 1 sessions; errored set: the crashed one once, the aggregate's errored one and
    // the whole one once: errored = 3 − 1 crashed = 2, healthy = 7 − 3 = 4.
    assert_eq!(total("crashed", "sum(session)"), 1, "{sessions:#}");
    assert_eq!(total("errored", "sum(session)"), 2, "{sessions:#}");
    assert_eq!(total("healthy", "sum(session)"), 4, "{sessions:#}");
    assert_eq!(total("crashed", "count_unique(user)"), 1);
    assert_eq!(total("errored", "count_unique(user)"), 2);
}

/// The release list counts a user once however many environments they used, with and
/// without environment filters, and the sessions API's daily series count users exactly.
#[tokio::test(flavor = "multi_thread")]
async fn users_of_several_environments_count_once() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Multi").await;
    let started = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    // u1 crashes in prod and exits cleanly in staging; u2 exits cleanly in prod.
    let sessions = [
        ("11111111-1b4d-4e5f-9a0b-1c2d3e4f5a6b", "u1", "prod", "crashed"),
        ("22222222-1b4d-4e5f-9a0b-1c2d3e4f5a6b", "u1", "staging", "exited"),
        ("33333333-1b4d-4e5f-9a0b-1c2d3e4f5a6b", "u2", "prod", "exited"),
    ];
    let updates = sessions.map(|(sid, did, environment, status)| {
        let update = json!({"sid": sid, "did": did, "init": true, "status": status,
            "errors": i32::from(status == "crashed"), "started": started,
            "attrs": {"release": "multi@1", "environment": environment}});
        ("session", update)
    });
    server.post_envelope(&dsn, updates).await;

    let cases: [(&str, i64, i64, f64); 4] = [
        ("", 3, 2, 50.0),
        ("&environment=prod", 2, 2, 50.0),
        ("&environment=staging", 1, 1, 100.0),
        ("&environment=prod&environment=staging", 3, 2, 50.0),
    ];
    for (filter, sessions, users, crash_free_users) in cases {
        let path =
            format!("/api/0/organizations/cairn/releases/?health=1&summaryStatsPeriod=24h{filter}");
        // Sessions are counted a moment after the envelope is accepted.
        let mut health = Value::Null;
        for _ in 0..50 {
            let (status, releases) = server.get(&path, &token).await;
            assert_eq!(status, 200, "{releases}");
            health = releases[0]["projects"][0]["healthData"].clone();
            if health["totalSessions"] == sessions {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(health["totalSessions"], sessions, "{filter}: {health:#}");
        assert_eq!(health["totalUsers"], users, "{filter}: {health:#}");
        assert_eq!(health["totalUsers24h"], users, "{filter}: {health:#}");
        assert_eq!(health["totalProjectUsers24h"], users, "{filter}: {health:#}");
        assert!(close(&health["crashFreeUsers"], crash_free_users), "{filter}: {health:#}");
        assert!(close(&health["adoption"], 100.0), "{filter}: {health:#}");
    }

    let (status, daily) = server
        .get(
            "/api/0/organizations/cairn/sessions/?field=count_unique(user)&field=sum(session)\
             &field=crash_free_rate(user)&groupBy=release&statsPeriod=14d&interval=1d",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{daily}");
    let group = &daily["groups"][0];
    assert_eq!(group["totals"]["count_unique(user)"], 2, "{daily:#}");
    assert_eq!(group["totals"]["sum(session)"], 3, "{daily:#}");
    assert!(close(&group["totals"]["crash_free_rate(user)"], 0.5), "{daily:#}");
    let series = group["series"]["count_unique(user)"].as_array().expect("a daily series");
    assert_eq!(series.iter().filter_map(Value::as_i64).sum::<i64>(), 2, "{daily:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn releases_api_as_sentry_cli_uses_it() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    server.create_project(&token, "Backend").await;
    let version = "backend@1.2.3+build.45";
    let path = format!("/api/0/organizations/cairn/releases/{}/", encode(version));

    let (status, created) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &token,
            json!({"version": version, "projects": ["backend"], "ref": "abc123"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["version"], version);
    assert_eq!(created["ref"], "abc123");
    assert_eq!(created["dateReleased"], Value::Null);
    assert_eq!(created["versionInfo"]["package"], "backend");
    assert_eq!(created["versionInfo"]["buildHash"], "build.45");
    assert_eq!(created["projects"][0]["slug"], "backend");
    // Again: Sentry answers 208 with the existing release, adding the projects.
    let (status, again) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &token,
            json!({"version": version, "projects": ["backend", "internal"]}),
        )
        .await;
    assert_eq!(status, 208, "{again}");
    assert_eq!(again["projects"].as_array().map(Vec::len), Some(2), "{again}");
    assert_eq!(again["ref"], "abc123");

    let (status, bad) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &token,
            json!({"version": "latest", "projects": ["backend"]}),
        )
        .await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad["detail"].is_string());
    let (status, _) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &token,
            json!({"version": "x@1", "projects": ["nope"]}),
        )
        .await;
    assert_eq!(status, 400);

    let (status, got) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["version"], version);
    let (status, _) = server.get("/api/0/organizations/cairn/releases/unknown%401/", &token).await;
    assert_eq!(status, 404);

    // Finalize.
    let (status, finalized) =
        server.put(&path, &token, json!({"dateReleased": "2026-01-02T03:04:05Z"})).await;
    assert_eq!(status, 200, "{finalized}");
    assert_eq!(finalized["dateReleased"], "2026-01-02T03:04:05Z");

    // Deploys.
    let deploys = format!("{}deploys/", path);
    let (status, deploy) = server
        .post(&deploys, &token, json!({"environment": "production", "name": "deploy 1"}))
        .await;
    assert_eq!(status, 201, "{deploy}");
    assert_eq!(deploy["environment"], "production");
    assert!(deploy["dateFinished"].is_string());
    let (status, list) = server.get(&deploys, &token).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let (_, got) = server.get(&path, &token).await;
    assert_eq!(got["deployCount"], 1);
    assert_eq!(got["lastDeploy"]["environment"], "production");

    // The list, filtered and searched.
    server
        .post(
            "/api/0/organizations/cairn/releases/",
            &token,
            json!({"version": "frontend@9.0", "projects": ["internal"]}),
        )
        .await;
    let (status, all) = server.get("/api/0/organizations/cairn/releases/", &token).await;
    assert_eq!(status, 200);
    assert_eq!(all.as_array().map(Vec::len), Some(2), "{all}");
    let (_, searched) =
        server.get("/api/0/organizations/cairn/releases/?query=frontend", &token).await;
    assert_eq!(searched.as_array().map(Vec::len), Some(1), "{searched}");
    assert_eq!(searched[0]["version"], "frontend@9.0");
    let (_, by_project) = server
        .get("/api/0/organizations/cairn/releases/?project=backend&per_page=10", &token)
        .await;
    assert_eq!(by_project.as_array().map(Vec::len), Some(1), "{by_project}");

    // Delete.
    assert_eq!(server.delete(&path, &token).await, 204);
    let (status, _) = server.get(&path, &token).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn releases_need_membership_and_the_releases_scope() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let (status, _) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &owner,
            json!({"version": "app@1", "projects": ["internal"]}),
        )
        .await;
    assert_eq!(status, 201);

    // A user of another organization only.
    server.cli(&["createuser", "--email", "stranger@example.com", "--password", PASSWORD]);
    let stranger =
        server.cli(&["createtoken", "--email", "stranger@example.com"]).trim().to_owned();
    let path = server.data_dir.path().join("cairn.db");
    {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(Duration::from_secs(10))
            .connect()
            .await
            .expect("database opens");
        sqlx::query(
            "DELETE FROM organization_members WHERE user_id = \
             (SELECT id FROM users WHERE email = 'stranger@example.com')",
        )
        .execute(&mut conn)
        .await
        .expect("membership removed");
    }
    // A member whose token may only read.
    server.cli(&["createuser", "--email", "reader@example.com", "--password", PASSWORD]);
    let reader = server
        .cli(&["createtoken", "--email", "reader@example.com", "--scope", "project:read"])
        .trim()
        .to_owned();

    // A CI token with only `project:releases` reads releases too (Sentry's
    // `OrganizationReleasePermission`), and writes them.
    let ci = server
        .cli(&["createtoken", "--email", "reader@example.com", "--scope", "project:releases"])
        .trim()
        .to_owned();
    let (status, list) = server.get("/api/0/organizations/cairn/releases/", &ci).await;
    assert_eq!(status, 200, "project:releases lists releases: {list}");
    assert!(list.as_array().is_some_and(|l| l.iter().any(|r| r["version"] == "app@1")), "{list}");
    let (status, one) = server.get("/api/0/organizations/cairn/releases/app%401/", &ci).await;
    assert_eq!(status, 200, "{one}");
    let (status, deploys) =
        server.get("/api/0/organizations/cairn/releases/app%401/deploys/", &ci).await;
    assert_eq!(status, 200, "{deploys}");
    let (status, created) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &ci,
            json!({"version": "app@ci", "projects": ["internal"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");

    let routes = [
        (reqwest::Method::GET, "/api/0/organizations/cairn/releases/"),
        (reqwest::Method::GET, "/api/0/organizations/cairn/releases/app%401/"),
        (reqwest::Method::GET, "/api/0/organizations/cairn/releases/app%401/deploys/"),
        (reqwest::Method::GET, "/api/0/organizations/cairn/sessions/?field=sum(session)"),
        (reqwest::Method::POST, "/api/0/organizations/cairn/releases/"),
        (reqwest::Method::PUT, "/api/0/organizations/cairn/releases/app%401/"),
        (reqwest::Method::DELETE, "/api/0/organizations/cairn/releases/app%401/"),
        (reqwest::Method::POST, "/api/0/organizations/cairn/releases/app%401/deploys/"),
    ];
    let body = json!({"version": "app@2", "projects": ["internal"], "environment": "prod"});
    for (method, route) in &routes {
        let send = |token: Option<&str>| {
            let mut request =
                server.http.request(method.clone(), format!("{}{route}", server.url)).json(&body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let anonymous = send(None).await.expect("sent");
        assert_eq!(anonymous.status().as_u16(), 401, "{method} {route} anonymous");
        let other = send(Some(&stranger)).await.expect("sent");
        assert_eq!(other.status().as_u16(), 403, "{method} {route} from another organization");
        let read_only = send(Some(&reader)).await.expect("sent").status().as_u16();
        if *method == reqwest::Method::GET {
            // Reading releases needs `project:read`; the sessions API needs `org:read`.
            let expected = if route.contains("sessions") { 403 } else { 200 };
            assert_eq!(read_only, expected, "{method} {route} with project:read");
        } else {
            assert_eq!(read_only, 403, "{method} {route} without project:releases");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_are_one_percent_decoded_path_segment() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    // `@`, `+` and a space, encoded as sentry-cli encodes them; `+` stays a plus (it is not a
    // space in a path), and the encoded and plain forms of `@` reach the same release.
    let version = "app@1.0+build 7";
    let (status, created) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            &token,
            json!({"version": version, "projects": ["internal"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    for path in ["app%401.0%2Bbuild%207", "app@1.0+build%207"] {
        let (status, got) =
            server.get(&format!("/api/0/organizations/cairn/releases/{path}/"), &token).await;
        assert_eq!(status, 200, "{path}: {got}");
        assert_eq!(got["version"], version);
        let (status, deploy) = server
            .post(
                &format!("/api/0/organizations/cairn/releases/{path}/deploys/"),
                &token,
                json!({"environment": "production"}),
            )
            .await;
        assert_eq!(status, 201, "{path}: {deploy}");
    }

    // Sentry refuses `/` (and `\`) in release names everywhere (`BAD_RELEASE_CHARS`, Relay's
    // `validate_release`), so no release can have one: creating it is a 400 saying why, and an
    // encoded `/` in the path is one segment that reaches the handler and finds nothing (a JSON
    // 404, never the router's 405 or the dashboard's HTML).
    for bad in ["app/1.0", "app\\1.0"] {
        let (status, error) = server
            .post(
                "/api/0/organizations/cairn/releases/",
                &token,
                json!({"version": bad, "projects": ["internal"]}),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {error}");
        assert!(error["detail"].as_str().is_some_and(|d| d.contains("version")), "{error}");
    }
    for path in ["app%2F1.0/", "app%2f1.0/", "app%2F1.0/deploys/"] {
        let response = server
            .http
            .get(format!("{}/api/0/organizations/cairn/releases/{path}", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body: Value = response.json().await.expect("a JSON error");
        assert!(body["detail"].is_string(), "{path}: {body}");
    }
}

/// A whole session: sid, did, started, environment, status, release.
type WholeSession<'a> =
    (&'a str, &'a str, chrono::DateTime<chrono::Utc>, &'a str, &'a str, &'a str);

/// Posts whole sessions (started and ended in one update) to a project's envelope endpoint,
/// as SDKs report short sessions.
async fn post_whole_sessions(server: &TestServer, dsn: &str, sessions: &[WholeSession<'_>]) {
    let updates = sessions.iter().map(|(sid, did, started, environment, status, release)| {
        let update = json!({"sid": sid, "did": did, "init": true, "status": status,
            "errors": i32::from(*status == "crashed"), "started": started.to_rfc3339(),
            "duration": 1.0, "attrs": {"release": release, "environment": environment}});
        ("session", update)
    });
    server.post_envelope(dsn, updates).await;
}

/// The group of a sessions answer whose `by` is exactly `by`.
fn group<'a>(answer: &'a Value, by: &Value) -> &'a Value {
    answer["groups"]
        .as_array()
        .and_then(|groups| groups.iter().find(|g| g["by"] == *by))
        .unwrap_or_else(|| panic!("no group {by} in {answer:#}"))
}

/// Daily `count_unique(user)` over a period that ends now is read from per-day counts (migration
/// 0018) and must match counting the users themselves: per day and in total, per project, per
/// environment, with one environment, and with a release that two projects share grouped by
/// release alone (a user of both projects counts once).
#[tokio::test(flavor = "multi_thread")]
async fn daily_users_are_exact_per_day_project_and_environment() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn_a = server.create_project(&token, "Alpha").await;
    let dsn_b = server.create_project(&token, "Beta").await;
    let (_, projects) = server.get("/api/0/organizations/cairn/projects/", &token).await;
    let project_id = |slug: &str| -> i64 {
        projects
            .as_array()
            .and_then(|p| p.iter().find(|p| p["slug"] == slug))
            .and_then(|p| p["id"].as_str())
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("project {slug} in {projects}"))
    };
    let (alpha, beta) = (project_id("alpha"), project_id("beta"));
    // Three whole days back (UTC), inside the 5 days ingestion accepts.
    let midnight =
        chrono::Utc::now().date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let day =
        |n: i64, hour: i64| midnight - chrono::Duration::days(n) + chrono::Duration::hours(hour);
    let sid = |n: u32| format!("{n:08x}-1b4d-4e5f-9a0b-1c2d3e4f5a6b");
    let sids: Vec<String> = (1..=9).map(sid).collect();
    // Alpha, app@1: two days ago u1 crashes, then exits cleanly an hour later, u2 exits in
    // staging; yesterday u1 exits. Alpha, app@2: yesterday u3 exits. Beta, app@1: yesterday u1
    // exits, and u4 crashes in staging.
    post_whole_sessions(
        &server,
        &dsn_a,
        &[
            (&sids[0], "u1", day(2, 3), "prod", "crashed", "app@1"),
            (&sids[1], "u1", day(2, 4), "prod", "exited", "app@1"),
            (&sids[2], "u2", day(2, 5), "staging", "exited", "app@1"),
            (&sids[3], "u1", day(1, 6), "prod", "exited", "app@1"),
            (&sids[4], "u3", day(1, 7), "prod", "exited", "app@2"),
        ],
    )
    .await;
    post_whole_sessions(
        &server,
        &dsn_b,
        &[
            (&sids[5], "u1", day(1, 8), "prod", "exited", "app@1"),
            (&sids[6], "u4", day(1, 9), "staging", "crashed", "app@1"),
        ],
    )
    .await;
    let fields = "field=count_unique(user)&field=crash_free_rate(user)&field=sum(session)";
    // Sessions are counted a moment after the envelope is accepted: all 7 of them.
    let mut counted = 0;
    for _ in 0..50 {
        let (status, answer) = server
            .get("/api/0/organizations/cairn/sessions/?field=sum(session)&statsPeriod=7d", &token)
            .await;
        assert_eq!(status, 200, "{answer}");
        counted = answer["groups"][0]["totals"]["sum(session)"].as_i64().unwrap_or(0);
        if counted == 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(counted, 7, "every session was counted");
    let daily = |query: String| {
        let server = &server;
        let token = &token;
        async move {
            let path = format!("/api/0/organizations/cairn/sessions/?{fields}&{query}");
            let (status, answer) = server.get(&path, token).await;
            assert_eq!(status, 200, "{answer}");
            answer
        }
    };
    // The last 7 days by day (8 intervals: the first and the last, today, are partial): the
    // series' last three entries are two days ago, yesterday, today.
    let last3 = |g: &Value, field: &str| -> Vec<Value> {
        let series = g["series"][field].as_array().expect("a series");
        assert_eq!(series.len(), 8, "{g:#}");
        series[5..].to_vec()
    };

    let answer = daily("groupBy=project&groupBy=release&statsPeriod=7d&interval=1d".into()).await;
    let a1 = group(&answer, &json!({"project": alpha, "release": "app@1"}));
    assert_eq!(a1["totals"]["count_unique(user)"], 2, "{answer:#}");
    assert!(close(&a1["totals"]["crash_free_rate(user)"], 0.5), "{answer:#}");
    assert_eq!(last3(a1, "count_unique(user)"), [json!(2), json!(1), json!(0)]);
    assert_eq!(last3(a1, "crash_free_rate(user)"), [json!(0.5), json!(1.0), Value::Null]);
    assert_eq!(last3(a1, "sum(session)"), [json!(3), json!(1), json!(0)]);
    let a2 = group(&answer, &json!({"project": alpha, "release": "app@2"}));
    assert_eq!(a2["totals"]["count_unique(user)"], 1, "{answer:#}");
    let b1 = group(&answer, &json!({"project": beta, "release": "app@1"}));
    assert_eq!(b1["totals"]["count_unique(user)"], 2, "{answer:#}");
    assert!(close(&b1["totals"]["crash_free_rate(user)"], 0.5), "{answer:#}");
    assert_eq!(last3(b1, "count_unique(user)"), [json!(0), json!(2), json!(0)]);

    // app@1 of both projects together: u1 used both yesterday and counts once.
    let answer = daily("groupBy=release&statsPeriod=7d&interval=1d".into()).await;
    let app1 = group(&answer, &json!({"release": "app@1"}));
    assert_eq!(app1["totals"]["count_unique(user)"], 3, "{answer:#}");
    assert!(close(&app1["totals"]["crash_free_rate(user)"], 1.0 - 2.0 / 3.0), "{answer:#}");
    assert_eq!(last3(app1, "count_unique(user)"), [json!(2), json!(2), json!(0)]);

    // Alpha by environment, and Alpha's production alone.
    let answer = daily(format!(
        "groupBy=release&groupBy=environment&project={alpha}&statsPeriod=7d&interval=1d"
    ))
    .await;
    let prod = group(&answer, &json!({"release": "app@1", "environment": "prod"}));
    assert_eq!(prod["totals"]["count_unique(user)"], 1, "{answer:#}");
    assert!(close(&prod["totals"]["crash_free_rate(user)"], 0.0), "{answer:#}");
    assert_eq!(last3(prod, "count_unique(user)"), [json!(1), json!(1), json!(0)]);
    let staging = group(&answer, &json!({"release": "app@1", "environment": "staging"}));
    assert_eq!(last3(staging, "count_unique(user)"), [json!(1), json!(0), json!(0)]);
    let answer = daily(format!(
        "groupBy=release&project={alpha}&environment=staging&statsPeriod=7d&interval=1d"
    ))
    .await;
    let staging = group(&answer, &json!({"release": "app@1"}));
    assert_eq!(staging["totals"]["count_unique(user)"], 1, "{answer:#}");
    assert!(close(&staging["totals"]["crash_free_rate(user)"], 1.0), "{answer:#}");

    // The same days as a period that ended at midnight are counted from the users themselves:
    // the figures agree.
    let start = (midnight - chrono::Duration::days(6)).to_rfc3339();
    let end = midnight.to_rfc3339();
    let past = daily(format!(
        "groupBy=project&groupBy=release&start={}&end={}&interval=1d",
        urlencode(&start),
        urlencode(&end)
    ))
    .await;
    let a1 = group(&past, &json!({"project": alpha, "release": "app@1"}));
    let series = a1["series"]["count_unique(user)"].as_array().expect("a series");
    assert_eq!(series[series.len() - 2..], [json!(2), json!(1)], "{past:#}");
    assert_eq!(a1["totals"]["count_unique(user)"], 2, "{past:#}");
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

/// A user's day is counted once and takes the statuses of later commits: the writer skips the
/// upserts of users' days it knows are stored, but never a status the day does not have yet.
#[tokio::test(flavor = "multi_thread")]
async fn a_users_day_takes_statuses_from_later_commits() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Gamma").await;
    let midnight =
        chrono::Utc::now().date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let yesterday =
        |hour: i64| midnight - chrono::Duration::days(1) + chrono::Duration::hours(hour);
    let sids: Vec<String> =
        (1..=3).map(|n| format!("{n:08x}-2c4d-4e5f-9a0b-1c2d3e4f5a6b")).collect();
    let path = "/api/0/organizations/cairn/sessions/?field=count_unique(user)\
                &field=crash_free_rate(user)&field=sum(session)&statsPeriod=7d&interval=1d&groupBy=project&groupBy=release";
    let mut sent = 0;
    // Each post is acknowledged once committed, so the three are three group commits.
    for (sid, hour, status) in
        [(&sids[0], 3, "exited"), (&sids[1], 5, "crashed"), (&sids[2], 7, "exited")]
    {
        post_whole_sessions(
            &server,
            &dsn,
            &[(sid, "u1", yesterday(hour), "prod", status, "app@1")],
        )
        .await;
        sent += 1;
        let mut counted = 0;
        for _ in 0..50 {
            let (status, answer) = server.get(path, &token).await;
            assert_eq!(status, 200, "{answer}");
            counted = answer["groups"][0]["totals"]["sum(session)"].as_i64().unwrap_or(0);
            if counted == sent {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(counted, sent, "session {sent} was counted");
        let (_, answer) = server.get(path, &token).await;
        let totals = &answer["groups"][0]["totals"];
        assert_eq!(totals["count_unique(user)"], 1, "{answer:#}");
        // Crash free until the crash; after it, the day's one user crashed.
        let expected = if sent == 1 { 1.0 } else { 0.0 };
        assert!(close(&totals["crash_free_rate(user)"], expected), "after {sent}: {answer:#}");
        let series =
            answer["groups"][0]["series"]["count_unique(user)"].as_array().expect("series");
        assert_eq!(series[series.len() - 2], json!(1), "{answer:#}");
        // And by day, which reads the per-day counts.
        let rates =
            answer["groups"][0]["series"]["crash_free_rate(user)"].as_array().expect("series");
        assert!(close(&rates[rates.len() - 2], expected), "after {sent}: {answer:#}");
    }
}

/// A whole session of known length: release, environment, started, status, errors, duration in
/// seconds.
type TimedSession<'a> = (&'a str, &'a str, chrono::DateTime<chrono::Utc>, &'a str, u32, f64);

/// Session durations (Sentry's `session.duration`): only sessions that exited count, the
/// sessions API answers milliseconds (`avg`, `max` exact, percentiles within 1% of the exact
/// ones, `null` where there are none and for statuses other than `healthy`), the
/// release list's `healthData` seconds, and the hourly and daily histograms agree.
#[tokio::test(flavor = "multi_thread")]
async fn session_durations_give_percentiles_in_sentrys_units() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Durations").await;
    let project = dsn.rsplit('/').next().unwrap_or_default().to_owned();
    let now = chrono::Utc::now();
    let recent = now - chrono::Duration::minutes(5);
    let two_days_ago = now - chrono::Duration::days(2);

    let mut sessions: Vec<TimedSession<'_>> = Vec::new();
    // dur@1: 1..=100 s, every tenth with a handled error (exited all the same: they count),
    // and three crashes that lasted long (they do not).
    for seconds in 1..=100 {
        sessions.push((
            "dur@1",
            "prod",
            recent,
            "exited",
            u32::from(seconds % 10 == 0),
            seconds.into(),
        ));
    }
    for _ in 0..3 {
        sessions.push(("dur@1", "prod", recent, "crashed", 1, 5_000.0));
    }
    // dur@2: 10, 20, 30 s in staging.
    for seconds in [10.0, 20.0, 30.0] {
        sessions.push(("dur@2", "staging", recent, "exited", 0, seconds));
    }
    // dur@3: only a crash, so no duration at all.
    sessions.push(("dur@3", "prod", recent, "crashed", 1, 7.0));
    // dur@old: two days ago, 10..=19 s (read from the daily rows by the release list).
    for seconds in 10..=19 {
        sessions.push(("dur@old", "prod", two_days_ago, "exited", 0, seconds.into()));
    }
    // Envelopes of 50 updates (Sentry takes at most 100 sessions per envelope).
    for (chunk_index, chunk) in sessions.chunks(50).enumerate() {
        let updates = chunk.iter().enumerate().map(
            |(i, (release, environment, started, status, errors, duration))| {
                let sid = format!("{:032x}", chunk_index * 50 + i);
                let update = json!({"sid": sid, "did": format!("user-{}", i % 7), "init": true,
                    "status": status, "errors": errors, "started": started.to_rfc3339(),
                    "duration": duration,
                    "attrs": {"release": release, "environment": environment}});
                ("session", update)
            },
        );
        server.post_envelope(&dsn, updates).await;
    }

    let near = |actual: &Value, expected: f64, tolerance: f64| {
        let a = actual.as_f64().unwrap_or_else(|| panic!("{actual} is not a number"));
        assert!(
            (a - expected).abs() <= expected * tolerance,
            "{a} is not within {}% of {expected}",
            tolerance * 100.0
        );
    };
    let fields = "field=avg(session.duration)&field=max(session.duration)\
                  &field=p50(session.duration)&field=p75(session.duration)\
                  &field=p90(session.duration)&field=p95(session.duration)\
                  &field=p99(session.duration)&field=sum(session)";
    let (status, answer) = server
        .get(
            &format!(
                "/api/0/organizations/cairn/sessions/?{fields}&groupBy=release\
                 &project={project}&statsPeriod=1d&interval=1h"
            ),
            &token,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let one = group(&answer, &json!({"release": "dur@1"}));
    let totals = &one["totals"];
    // Exact: the average (from the sums) and the maximum; crashes are not in either.
    assert!(close(&totals["avg(session.duration)"], 50_500.0), "{totals}");
    assert!(close(&totals["max(session.duration)"], 100_000.0), "{totals}");
    // Percentiles as numpy ranks them (linear between ranks), within 1%.
    for (field, exact) in
        [("p50", 50.5), ("p75", 75.25), ("p90", 90.1), ("p95", 95.05), ("p99", 99.01)]
    {
        near(&totals[format!("{field}(session.duration)")], exact * 1000.0, 0.01);
    }
    assert_eq!(totals["sum(session)"], 103);
    // The series: the hour of the sessions has the same figures, the others `null`.
    let series = one["series"]["p50(session.duration)"].as_array().expect("a series");
    let filled: Vec<&Value> = series.iter().filter(|v| !v.is_null()).collect();
    assert_eq!(filled.len(), 1, "{series:?}");
    assert_eq!(filled[0], &totals["p50(session.duration)"]);
    let two = &group(&answer, &json!({"release": "dur@2"}))["totals"];
    near(&two["p50(session.duration)"], 20_000.0, 0.01);
    assert!(close(&two["max(session.duration)"], 30_000.0), "{two}");
    let three = &group(&answer, &json!({"release": "dur@3"}))["totals"];
    for field in ["avg", "max", "p50", "p99"] {
        assert!(three[format!("{field}(session.duration)")].is_null(), "{three}");
    }

    // Grouped by status: durations belong to `healthy` alone, as in Sentry.
    let (status, answer) = server
        .get(
            &format!(
                "/api/0/organizations/cairn/sessions/?field=p50(session.duration)\
                 &field=max(session.duration)&groupBy=session.status&project={project}\
                 &query=release:dur@1&statsPeriod=1d"
            ),
            &token,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let healthy = &group(&answer, &json!({"session.status": "healthy"}))["totals"];
    near(&healthy["p50(session.duration)"], 50_500.0, 0.01);
    for other in ["errored", "crashed", "abnormal"] {
        let totals = &group(&answer, &json!({"session.status": other}))["totals"];
        assert!(totals["p50(session.duration)"].is_null(), "{other}: {totals}");
        assert!(totals["max(session.duration)"].is_null(), "{other}: {totals}");
    }

    // By environment over three days, by hour (hourly rows) and by day (daily rows): the same.
    let mut by_interval = Vec::new();
    for interval in ["1h", "1d"] {
        let (status, answer) = server
            .get(
                &format!(
                    "/api/0/organizations/cairn/sessions/?{fields}&groupBy=environment\
                     &project={project}&statsPeriod=3d&interval={interval}"
                ),
                &token,
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        by_interval.push(group(&answer, &json!({"environment": "prod"}))["totals"].clone());
    }
    assert_eq!(by_interval[0], by_interval[1]);
    assert!(close(&by_interval[0]["max(session.duration)"], 100_000.0));

    // The release details: seconds. (The list leaves them `null`: see `health_data`.)
    let mut details = std::collections::HashMap::new();
    for version in ["dur@1", "dur@2", "dur@3", "dur@old"] {
        let (status, release) = server
            .get(
                &format!("/api/0/organizations/cairn/releases/{}/?health=1", encode(version)),
                &token,
            )
            .await;
        assert_eq!(status, 200, "{release}");
        details.insert(version, release["projects"][0]["healthData"].clone());
    }
    let health = |version: &str| details[version].clone();
    near(&health("dur@1")["durationP50"], 50.5, 0.01);
    near(&health("dur@1")["durationP90"], 90.1, 0.01);
    near(&health("dur@2")["durationP50"], 20.0, 0.01);
    near(&health("dur@old")["durationP50"], 14.5, 0.01);
    near(&health("dur@old")["durationP90"], 18.1, 0.01);
    assert!(health("dur@3")["durationP50"].is_null());
    assert!(health("dur@3")["durationP90"].is_null());
    let (status, releases) = server
        .get(&format!("/api/0/organizations/cairn/releases/?health=1&project={project}"), &token)
        .await;
    assert_eq!(status, 200, "{releases}");
    let listed = releases
        .as_array()
        .and_then(|all| all.iter().find(|r| r["version"] == "dur@1"))
        .map(|r| r["projects"][0]["healthData"].clone())
        .unwrap_or_default();
    assert_eq!(listed["totalSessions"], 103, "{listed}");
    assert!(listed["durationP50"].is_null(), "{listed}");
}

/// The release list's adoption stages (`adoptionStages=1`) as Sentry's release monitor sets
/// them from the last six hours of sessions, and its `release.stage:` search, which needs one
/// environment.
#[tokio::test(flavor = "multi_thread")]
async fn releases_are_adopted_and_replaced_by_their_share_of_sessions() {
    let server = TestServer::start_with_env(&[("CAIRN_ADOPTION_INTERVAL_MS", "100")]);
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Mobile").await;
    let now = chrono::Utc::now() - chrono::Duration::minutes(1);
    let sid = |n: u32| format!("{n:08x}-1b4d-4e5f-9a0b-1c2d3e4f5a6b");
    let sids: Vec<String> = (1..=40).map(sid).collect();
    // Production: 10 sessions of 1.0, 1 of 2.0 (under a tenth); staging: 1 of 2.0.
    let mut sessions: Vec<WholeSession<'_>> = sids[..10]
        .iter()
        .map(|s| (s.as_str(), "u1", now, "production", "exited", "app@1.0"))
        .collect();
    sessions.push((&sids[10], "u2", now, "production", "exited", "app@2.0"));
    sessions.push((&sids[11], "u2", now, "staging", "exited", "app@2.0"));
    post_whole_sessions(&server, &dsn, &sessions).await;

    let stages = |query: &'static str| {
        let (server, token) = (&server, &token);
        async move {
            let path = format!("/api/0/organizations/cairn/releases/?adoptionStages=1&{query}");
            let (status, answer) = server.get(&path, token).await;
            assert_eq!(status, 200, "{answer}");
            let mut by_version: Vec<(String, Value)> = answer
                .as_array()
                .expect("a list")
                .iter()
                .map(|r| {
                    (
                        r["version"].as_str().unwrap_or("").to_owned(),
                        r["adoptionStages"]["mobile"].clone(),
                    )
                })
                .collect();
            by_version.sort_by(|a, b| a.0.cmp(&b.0));
            by_version
        }
    };
    let stage_names = |listed: &[(String, Value)]| -> Vec<(String, String)> {
        listed
            .iter()
            .map(|(v, s)| (v.clone(), s["stage"].as_str().unwrap_or("").to_owned()))
            .collect()
    };
    let pairs = |expected: &[(&str, &str)]| -> Vec<(String, String)> {
        expected.iter().map(|(v, s)| (v.to_string(), s.to_string())).collect()
    };
    let mut listed = Vec::new();
    for _ in 0..100 {
        listed = stages("environment=production").await;
        if stage_names(&listed) == pairs(&[("app@1.0", "adopted"), ("app@2.0", "low_adoption")]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stage_names(&listed), pairs(&[("app@1.0", "adopted"), ("app@2.0", "low_adoption")]));
    assert!(listed[0].1["adopted"].is_string() && listed[0].1["unadopted"].is_null(), "{listed:?}");
    assert!(listed[1].1["adopted"].is_null(), "{listed:?}");
    // In staging app@2.0 has every session; over all environments each has its furthest stage.
    assert_eq!(
        stage_names(&stages("environment=staging").await),
        pairs(&[("app@1.0", "low_adoption"), ("app@2.0", "adopted")])
    );
    assert_eq!(
        stage_names(&stages("").await),
        pairs(&[("app@1.0", "adopted"), ("app@2.0", "adopted")])
    );
    // Without `adoptionStages=1` the field is absent, as in Sentry.
    let (_, plain) = server.get("/api/0/organizations/cairn/releases/", &token).await;
    assert!(plain[0].get("adoptionStages").is_none(), "{plain}");

    // app@2.0 takes production over: 20 sessions against 10 + 1 keeps app@1.0 above a tenth
    // (10 of 31); 280 more push it under (10 of 311): replaced.
    let more: Vec<WholeSession<'_>> = sids[12..32]
        .iter()
        .map(|s| (s.as_str(), "u3", now, "production", "exited", "app@2.0"))
        .collect();
    post_whole_sessions(&server, &dsn, &more).await;
    let update = json!({"aggregates": [{"started": now.to_rfc3339(), "exited": 280}],
        "attrs": {"release": "app@2.0", "environment": "production"}});
    server.post_envelope(&dsn, [("sessions", update)]).await;
    for _ in 0..100 {
        listed = stages("environment=production").await;
        if stage_names(&listed) == pairs(&[("app@1.0", "replaced"), ("app@2.0", "adopted")]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stage_names(&listed), pairs(&[("app@1.0", "replaced"), ("app@2.0", "adopted")]));
    assert!(listed[0].1["unadopted"].is_string(), "{listed:?}");

    // `release.stage:` searches the stages of one environment.
    let search = |query: &'static str| {
        let (server, token) = (&server, &token);
        async move {
            let path = format!("/api/0/organizations/cairn/releases/?{query}");
            server.get(&path, token).await
        }
    };
    let versions = |answer: &Value| -> Vec<String> {
        let mut v: Vec<String> = answer
            .as_array()
            .map(|a| a.iter().filter_map(|r| r["version"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    for (query, expected) in [
        ("environment=production&query=release.stage:adopted", vec!["app@2.0"]),
        ("environment=production&query=release.stage:replaced", vec!["app@1.0"]),
        ("environment=staging&query=release.stage:low_adoption", vec!["app@1.0"]),
        ("environment=production&query=!release.stage:adopted", vec!["app@1.0"]),
        (
            "environment=production&query=release.stage:%5Badopted,replaced%5D",
            vec!["app@1.0", "app@2.0"],
        ),
        ("environment=production&query=app%401+release.stage:replaced", vec!["app@1.0"]),
        ("environment=production&query=app%402+release.stage:replaced", vec![]),
    ] {
        let (status, answer) = search(query).await;
        assert_eq!(status, 200, "{query}: {answer}");
        assert_eq!(versions(&answer), expected, "{query}");
    }
    for (query, detail) in [
        ("query=release.stage:adopted", "Choose a single environment to filter by release stage."),
        (
            "environment=production&environment=staging&query=release.stage:adopted",
            "Choose a single environment to filter by release stage.",
        ),
        (
            "environment=production&query=level:error",
            "query: a release search is a version's text and at most one release.stage: term",
        ),
        (
            "environment=production&query=release.stage:popular",
            "query: Invalid search term \"release.stage:popular\": \"popular\" is not one of \
             adopted, low_adoption, replaced",
        ),
    ] {
        let (status, answer) = search(query).await;
        assert_eq!((status, answer["detail"].as_str()), (400, Some(detail)), "{query}");
    }

    // The issue search's `release.stage:` names the releases in those stages: an error in each
    // release, searched by its release's stage in production.
    for (release, message) in [("app@1.0", "old release broke"), ("app@2.0", "new release broke")] {
        let event = json!({"message": message, "release": release, "environment": "production"});
        server.post_envelope(&dsn, [("event", event)]).await;
    }
    server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    for (query, expected) in [
        ("release.stage:replaced", vec!["old release broke"]),
        ("release.stage:adopted", vec!["new release broke"]),
        ("release.stage:[adopted,replaced]", vec!["new release broke", "old release broke"]),
        ("release.stage:low_adoption", vec![]),
    ] {
        let path = format!(
            "/api/0/organizations/cairn/issues/?environment=production&query={}",
            query.replace('[', "%5B").replace(']', "%5D")
        );
        let (status, answer) = server.get(&path, &token).await;
        assert_eq!(status, 200, "{query}: {answer}");
        let mut titles: Vec<&str> = answer
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["title"].as_str()).collect())
            .unwrap_or_default();
        titles.sort_unstable();
        assert_eq!(titles, expected, "{query}");
    }
}

/// The release list's sorts, as Sentry's: by semantic version and by build number (releases
/// without one left out), by a health figure (releases without it last), newest first among
/// equals, a page at a time.
#[tokio::test(flavor = "multi_thread")]
async fn releases_sort_by_version_build_and_health() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&token, "Mobile").await;
    let versions = ["app@1.0.0+10", "app@1.2.0+7", "app@2.0.0-rc.1+30", "nightly-abc"];
    for version in versions {
        let body = json!({"version": version, "projects": ["mobile"]});
        let (status, answer) =
            server.post("/api/0/organizations/cairn/releases/", &token, body).await;
        assert_eq!(status, 201, "{answer}");
    }
    // Sessions: 1.0.0 three (one crashed), 1.2.0 one, 2.0.0-rc.1 five; nightly none.
    let now = chrono::Utc::now() - chrono::Duration::minutes(1);
    let sids: Vec<String> =
        (1..=9).map(|n| format!("{n:08x}-2b4d-4e5f-9a0b-1c2d3e4f5a6b")).collect();
    let plan = [
        (versions[0], "crashed"),
        (versions[0], "exited"),
        (versions[0], "exited"),
        (versions[1], "exited"),
        (versions[2], "exited"),
        (versions[2], "exited"),
        (versions[2], "exited"),
        (versions[2], "exited"),
        (versions[2], "exited"),
    ];
    let sessions: Vec<WholeSession<'_>> = sids
        .iter()
        .zip(plan)
        .map(|(sid, (release, status))| (sid.as_str(), "u1", now, "production", status, release))
        .collect();
    post_whole_sessions(&server, &dsn, &sessions).await;
    let listed = |query: &'static str| {
        let (server, token) = (&server, &token);
        async move {
            let (status, answer) =
                server.get(&format!("/api/0/organizations/cairn/releases/?{query}"), token).await;
            assert_eq!(status, 200, "{query}: {answer}");
            answer
                .as_array()
                .expect("a list")
                .iter()
                .map(|r| r["version"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Sessions are counted a moment after they are accepted.
    for _ in 0..100 {
        if listed("sort=sessions").await[0] == versions[2] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let [v100, v120, v200rc, nightly] = versions;
    for (query, expected) in [
        ("sort=date", vec![nightly, v200rc, v120, v100]),
        ("sort=semver", vec![v200rc, v120, v100]),
        ("sort=build", vec![v200rc, v100, v120]),
        ("sort=sessions", vec![v200rc, v100, v120, nightly]),
        ("sort=users", vec![v200rc, v120, v100, nightly]),
        ("sort=crash_free_sessions&health=1", vec![v200rc, v120, v100, nightly]),
        ("sort=sessions_24h&project=mobile", vec![v200rc, v100, v120, nightly]),
        ("sort=sessions&per_page=2&cursor=0:1:0", vec![v100, v120]),
        ("sort=semver&query=app%401", vec![v120, v100]),
    ] {
        assert_eq!(listed(query).await, expected, "{query}");
    }
    // The page's health is the sort's: the figures it ranked by.
    let (_, ranked) = server
        .get("/api/0/organizations/cairn/releases/?sort=crash_free_sessions&health=1", &token)
        .await;
    let health = &ranked[0]["projects"][0]["healthData"];
    assert_eq!(
        (&health["totalSessions"], &health["crashFreeSessions"]),
        (&json!(5), &json!(100.0))
    );
    assert_eq!(ranked[2]["projects"][0]["healthData"]["totalSessions"], 3, "{ranked}");
    let (status, answer) =
        server.get("/api/0/organizations/cairn/releases/?sort=trends", &token).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["detail"].as_str().is_some_and(|d| d.starts_with("sort: \"trends\"")),
        "{answer}"
    );
}
