//! Cron monitors: check-ins from the official `sentry` crate and from Relay's HTTP route, the
//! monitors' API, failure issues and their recovery, and the clock's missed and timed-out
//! check-ins.

use std::time::Duration;

use sentry::protocol::{
    EnvelopeItem, MonitorCheckIn, MonitorCheckInStatus, MonitorConfig, MonitorSchedule,
};
use serde_json::{json, Value};

use crate::common::{sentry_hub, TestServer};

/// Sends one check-in with the official SDK's client (`Client::send_envelope`, as
/// `sentry::capture_check_in`-style helpers of the SDKs do) and flushes.
async fn sdk_check_in(dsn: &str, check_in: MonitorCheckIn) {
    let dsn = dsn.to_owned();
    tokio::task::spawn_blocking(move || {
        let (_hub, client) = sentry_hub(&dsn, "jobs@1.0.0");
        let mut envelope = sentry::Envelope::new();
        envelope.add_item(EnvelopeItem::MonitorCheckIn(check_in));
        client.send_envelope(envelope);
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its check-in");
    })
    .await
    .expect("SDK thread");
}

fn check_in(id: uuid::Uuid, status: MonitorCheckInStatus, config: bool) -> MonitorCheckIn {
    MonitorCheckIn {
        check_in_id: id,
        monitor_slug: "Nightly Report".to_owned(),
        status,
        environment: Some("production".to_owned()),
        duration: (status != MonitorCheckInStatus::InProgress).then_some(2.5),
        monitor_config: config.then(|| MonitorConfig {
            schedule: MonitorSchedule::Crontab { value: "*/10 * * * *".to_owned() },
            checkin_margin: Some(5),
            max_runtime: Some(30),
            timezone: Some("Europe/Vienna".to_owned()),
            failure_issue_threshold: None,
            recovery_threshold: None,
        }),
    }
}

/// The monitor `slug` of project `project`, as the API answers it.
async fn monitor(server: &TestServer, token: &str, project: &str, slug: &str) -> Value {
    let (status, monitor) =
        server.get(&format!("/api/0/projects/cairn/{project}/monitors/{slug}/"), token).await;
    assert_eq!(status, 200, "{monitor}");
    monitor
}

/// The statuses of the monitor's check-ins, newest first.
async fn check_in_statuses(
    server: &TestServer,
    token: &str,
    project: &str,
    slug: &str,
) -> Vec<String> {
    let path = format!("/api/0/projects/cairn/{project}/monitors/{slug}/checkins/");
    let (status, check_ins) = server.get(&path, token).await;
    assert_eq!(status, 200, "{check_ins}");
    check_ins
        .as_array()
        .expect("check-ins")
        .iter()
        .map(|c| c["status"].as_str().expect("status").to_owned())
        .collect()
}

/// The issues of the organization, whatever their status.
async fn all_issues(server: &TestServer, token: &str) -> Vec<Value> {
    let (status, issues) = server.get("/api/0/organizations/cairn/issues/?query=", token).await;
    assert_eq!(status, 200, "{issues}");
    issues.as_array().expect("issues").clone()
}

/// Polls until `pred` holds for the value `read` answers.
async fn wait_until<F, Fut>(what: &str, mut read: F, pred: impl Fn(&Value) -> bool) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let mut last = Value::Null;
    for _ in 0..100 {
        last = read().await;
        if pred(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}: {last}");
}

/// A job instrumented with the `sentry` crate: its first check-in creates the monitor from its
/// `monitor_config`; an `in_progress` check-in is closed by the `ok` with its id; an `error`
/// opens the issue "Monitor failure: ..."; the next `ok` resolves it; another failure brings it
/// back.
#[tokio::test]
async fn a_job_checks_in_with_the_sentry_crate_fails_and_recovers() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "jobs").await;

    let run = uuid::Uuid::new_v4();
    sdk_check_in(&dsn, check_in(run, MonitorCheckInStatus::InProgress, true)).await;
    let created = monitor(&server, &token, "jobs", "nightly-report").await;
    assert_eq!(created["name"], "nightly-report");
    assert_eq!(created["type"], "cron_job");
    assert_eq!(created["config"]["schedule_type"], "crontab");
    assert_eq!(created["config"]["schedule"], "*/10 * * * *");
    assert_eq!(created["config"]["checkin_margin"], 5);
    assert_eq!(created["config"]["timezone"], "Europe/Vienna");
    let env = &created["environments"][0];
    assert_eq!((&env["name"], &env["status"]), (&json!("production"), &json!("active")));
    // The check-in's environment is one of the project's environments too.
    let (_, environments) = server.get("/api/0/projects/cairn/jobs/environments/", &token).await;
    assert_eq!(environments[0]["name"], "production", "{environments}");
    // The next run is expected at the next ten minutes, the margin five minutes later.
    let next: chrono::DateTime<chrono::Utc> =
        env["nextCheckIn"].as_str().expect("nextCheckIn").parse().expect("a time");
    let latest: chrono::DateTime<chrono::Utc> =
        env["nextCheckInLatest"].as_str().expect("latest").parse().expect("a time");
    assert_eq!(chrono::Timelike::minute(&next) % 10, 0, "{next}");
    assert_eq!(latest - next, chrono::Duration::minutes(5));
    assert_eq!(check_in_statuses(&server, &token, "jobs", "nightly-report").await, ["in_progress"]);

    sdk_check_in(&dsn, check_in(run, MonitorCheckInStatus::Ok, false)).await;
    let path = "/api/0/projects/cairn/jobs/monitors/nightly-report/checkins/";
    let (_, check_ins) = server.get(path, &token).await;
    assert_eq!(check_ins.as_array().expect("check-ins").len(), 1, "{check_ins}");
    assert_eq!(check_ins[0]["id"], run.simple().to_string());
    assert_eq!((&check_ins[0]["status"], &check_ins[0]["duration"]), (&json!("ok"), &json!(2500)));
    let env = &monitor(&server, &token, "jobs", "nightly-report").await["environments"][0];
    assert_eq!(env["status"], "ok");
    assert!(all_issues(&server, &token).await.is_empty());

    // A failed run: an issue, linked from the monitor.
    sdk_check_in(&dsn, check_in(uuid::Uuid::new_v4(), MonitorCheckInStatus::Error, false)).await;
    let issues = all_issues(&server, &token).await;
    assert_eq!(issues.len(), 1, "{issues:?}");
    let issue = &issues[0];
    assert_eq!(issue["title"], "Monitor failure: nightly-report");
    assert_eq!(issue["culprit"], "An error check-in was detected");
    assert_eq!(issue["status"], "unresolved");
    let env = &monitor(&server, &token, "jobs", "nightly-report").await["environments"][0];
    assert_eq!(env["status"], "error");
    assert_eq!(env["issueId"], issue["id"]);
    let issue_id = issue["id"].as_str().expect("issue id");
    let (_, event) = server.get(&format!("/api/0/issues/{issue_id}/events/latest/"), &token).await;
    let tags: Vec<(String, String)> = event["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap_or("").to_owned(),
                t["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(tags.contains(&("monitor.slug".into(), "nightly-report".into())), "{tags:?}");
    assert_eq!(event["contexts"]["monitor"]["name"], "nightly-report", "{event}");

    // The next successful run resolves it.
    sdk_check_in(&dsn, check_in(uuid::Uuid::new_v4(), MonitorCheckInStatus::Ok, false)).await;
    let issues = all_issues(&server, &token).await;
    assert_eq!(issues[0]["status"], "resolved", "{issues:?}");
    let env = &monitor(&server, &token, "jobs", "nightly-report").await["environments"][0];
    assert_eq!(env["status"], "ok");
    let (_, details) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
    assert!(details["activity"].to_string().contains("set_resolved"), "{details}");

    // A new failure: the same issue, back as a regression.
    sdk_check_in(&dsn, check_in(uuid::Uuid::new_v4(), MonitorCheckInStatus::Error, false)).await;
    let issues = all_issues(&server, &token).await;
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0]["status"], "unresolved");
    assert_eq!(issues[0]["count"], "2");
    assert_eq!(
        check_in_statuses(&server, &token, "jobs", "nightly-report").await,
        ["error", "ok", "error", "ok"]
    );
}

/// Posts a check-in to Relay's HTTP route; returns the status and body.
async fn http_check_in(
    server: &TestServer,
    project_id: i64,
    key: &str,
    slug: &str,
    query: &str,
    body: Option<Value>,
) -> (u16, String) {
    let url = format!("{}/api/{project_id}/cron/{slug}/{key}/{query}", server.url);
    let request = match body {
        Some(body) => server.http.post(url).json(&body),
        None => server.http.get(url),
    };
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// The clock marks a check-in that never came `missed` and a run that never ended `timeout`,
/// as Sentry's does; each failure is an event of the monitor's issue; the late `ok` of a run
/// that timed out is dropped. A failure threshold of 2 waits for a second failure, and a
/// muted monitor fails without an issue.
#[tokio::test]
async fn the_clock_marks_missed_and_timed_out_check_ins() {
    let server = TestServer::start_with_env(&[("CAIRN_MONITOR_CLOCK_MS", "100")]);
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "cron").await;
    let (key, project_id) = server.project_key(&token, "cron").await;
    let config = json!({"schedule": {"type": "interval", "value": 1, "unit": "hour"},
        "checkin_margin": 1, "max_runtime": 1});
    let (status, body) = http_check_in(
        &server,
        project_id,
        &key,
        "hourly",
        "",
        Some(json!({"status": "ok", "monitor_config": config})),
    )
    .await;
    assert_eq!((status, body.as_str()), (202, ""));
    let hourly = monitor(&server, &token, "cron", "hourly").await;
    assert_eq!(hourly["config"]["schedule"], json!([1, "hour"]));
    assert_eq!(hourly["environments"][0]["status"], "ok");

    // The hour passes without a check-in.
    let db = server.writable_database().await;
    let past = chrono::Utc::now().timestamp_millis() - 120_000;
    sqlx::query("UPDATE monitor_environments SET next_checkin = $1, next_checkin_latest = $2")
        .bind(past - 60_000)
        .bind(past)
        .execute(&db)
        .await
        .expect("moved");
    let issues = wait_until(
        "the missed check-in's issue",
        || async { json!(all_issues(&server, &token).await) },
        |issues| issues.as_array().is_some_and(|i| i.len() == 1),
    )
    .await;
    assert_eq!(issues[0]["title"], "Monitor failure: hourly");
    assert_eq!(issues[0]["culprit"], "A missed check-in was detected");
    // Sentry dates a missed check-in at its expected time (here, moved back before the `ok`).
    let mut statuses = check_in_statuses(&server, &token, "cron", "hourly").await;
    statuses.sort();
    assert_eq!(statuses, ["missed", "ok"]);
    let env = &monitor(&server, &token, "cron", "hourly").await["environments"][0];
    assert_eq!(env["status"], "error");
    // The next expected check-in is ahead again: one missed check-in, not one per tick.
    let next: chrono::DateTime<chrono::Utc> =
        env["nextCheckIn"].as_str().expect("next").parse().expect("a time");
    assert!(next > chrono::Utc::now() - chrono::Duration::minutes(1), "{next}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(check_in_statuses(&server, &token, "cron", "hourly").await.len(), 2);

    // A run that starts and never ends.
    let run = "5f3c1e2a9b8d4c7e8f6a5b4c3d2e1f0a";
    let (status, _) = http_check_in(
        &server,
        project_id,
        &key,
        "hourly",
        &format!("?status=in_progress&check_in_id={run}"),
        None,
    )
    .await;
    assert_eq!(status, 202);
    sqlx::query("UPDATE monitor_checkins SET timeout_at = $1 WHERE status = 'in_progress'")
        .bind(chrono::Utc::now().timestamp_millis() - 1000)
        .execute(&db)
        .await
        .expect("moved");
    wait_until(
        "the timeout",
        || async { json!(check_in_statuses(&server, &token, "cron", "hourly").await) },
        |statuses| statuses[0] == "timeout",
    )
    .await;
    let issues = wait_until(
        "the timeout's event",
        || async { json!(all_issues(&server, &token).await) },
        |issues| issues[0]["count"] == "2",
    )
    .await;
    assert_eq!(issues.as_array().map(Vec::len), Some(1), "{issues}");
    // Its late end changes nothing: it timed out.
    let (status, _) = http_check_in(
        &server,
        project_id,
        &key,
        "hourly",
        &format!("?status=ok&check_in_id={run}"),
        None,
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(check_in_statuses(&server, &token, "cron", "hourly").await[0], "timeout");
    let outcomes: Vec<(String, String)> =
        sqlx::query_as("SELECT category, reason FROM outcomes WHERE category = 'monitor'")
            .fetch_all(&db)
            .await
            .expect("outcomes");
    assert!(outcomes.contains(&("monitor".into(), "checkin_finished".into())), "{outcomes:?}");

    // A failure threshold of two: the first error leaves the monitor well.
    let config = json!({"schedule": {"type": "crontab", "value": "0 4 * * *"},
        "failure_issue_threshold": 2});
    let body = json!({"status": "ok", "environment": "staging", "monitor_config": config});
    assert_eq!(http_check_in(&server, project_id, &key, "backup", "", Some(body)).await.0, 202);
    let error = "?status=error&environment=staging";
    assert_eq!(http_check_in(&server, project_id, &key, "backup", error, None).await.0, 202);
    let backup = monitor(&server, &token, "cron", "backup").await;
    assert_eq!(backup["environments"][0]["name"], "staging");
    assert_eq!(backup["environments"][0]["status"], "ok");
    assert_eq!(all_issues(&server, &token).await.len(), 1);
    assert_eq!(http_check_in(&server, project_id, &key, "backup", error, None).await.0, 202);
    let issues = all_issues(&server, &token).await;
    assert_eq!(issues.len(), 2, "{issues:?}");
    assert!(issues.iter().any(|i| i["culprit"] == "2 error check-ins detected"), "{issues:?}");

    // Muted: it fails, but opens nothing.
    let (status, muted) = server
        .put("/api/0/projects/cairn/cron/monitors/backup/", &token, json!({"isMuted": true}))
        .await;
    assert_eq!((status, &muted["isMuted"]), (200, &json!(true)), "{muted}");
    let events = |issues: Vec<Value>| -> i64 {
        issues.iter().filter_map(|i| i["count"].as_str()?.parse::<i64>().ok()).sum()
    };
    let before = events(all_issues(&server, &token).await);
    assert_eq!(http_check_in(&server, project_id, &key, "backup", error, None).await.0, 202);
    assert_eq!(check_in_statuses(&server, &token, "cron", "backup").await[0], "error");
    assert_eq!(events(all_issues(&server, &token).await), before);
}

/// Relay's HTTP check-in route: credentials from the path, the check-in from the query string
/// or a JSON body; check-ins of a monitor that does not exist (without a configuration to
/// create it) or is disabled are dropped and counted; bad ones are refused with a reason.
#[tokio::test]
async fn http_check_ins_are_checked_as_relay_checks_them() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "cron").await;
    let (key, project_id) = server.project_key(&token, "cron").await;

    let (status, body) =
        http_check_in(&server, project_id, &key, "job", "?status=done", None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("status"), "{body}");
    let (status, _) = http_check_in(&server, project_id, &key, "job", "", None).await;
    assert_eq!(status, 400);
    let bad_config = json!({"status": "ok", "monitor_config": {"schedule": {"type": "crontab", "value": "every day"}}});
    let (status, body) =
        http_check_in(&server, project_id, &key, "job", "", Some(bad_config)).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = http_check_in(
        &server,
        project_id,
        "0123456789abcdef0123456789abcdef",
        "job",
        "?status=ok",
        None,
    )
    .await;
    assert!(status == 401 || status == 403, "{status} {body}");
    let (status, _) =
        http_check_in(&server, project_id + 1000, &key, "job", "?status=ok", None).await;
    assert!(status == 401 || status == 403, "{status}");

    // No monitor and no configuration: accepted as Relay accepts it, dropped and counted.
    let (status, _) = http_check_in(&server, project_id, &key, "job", "?status=ok", None).await;
    assert_eq!(status, 202);
    let (_, monitors) = server.get("/api/0/organizations/cairn/monitors/", &token).await;
    assert_eq!(monitors, json!([]));

    // A monitor created through the API, then disabled: its check-ins are dropped.
    let (status, created) = server
        .post(
            "/api/0/organizations/cairn/monitors/",
            &token,
            json!({"project": "cron", "name": "Job", "type": "cron_job",
                   "config": {"schedule_type": "crontab", "schedule": "@hourly"}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["slug"], "job");
    assert_eq!(http_check_in(&server, project_id, &key, "job", "?status=ok", None).await.0, 202);
    assert_eq!(check_in_statuses(&server, &token, "cron", "job").await, ["ok"]);
    let (status, _) = server
        .put("/api/0/organizations/cairn/monitors/job/", &token, json!({"status": "disabled"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(http_check_in(&server, project_id, &key, "job", "?status=error", None).await.0, 202);
    assert_eq!(check_in_statuses(&server, &token, "cron", "job").await, ["ok"]);
    // Disabled, it expects nothing; enabled again, its schedule starts over from now.
    let job = monitor(&server, &token, "cron", "job").await;
    assert_eq!(
        (&job["status"], &job["environments"][0]["nextCheckIn"]),
        (&json!("disabled"), &Value::Null)
    );
    let (status, job) = server
        .put("/api/0/organizations/cairn/monitors/job/", &token, json!({"status": "active"}))
        .await;
    assert_eq!(status, 200, "{job}");
    let next: chrono::DateTime<chrono::Utc> =
        job["environments"][0]["nextCheckIn"].as_str().expect("next").parse().expect("a time");
    assert!(next > chrono::Utc::now(), "{next}");
    let db = server.database().await;
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT reason FROM outcomes WHERE category = 'monitor' ORDER BY reason",
    )
    .fetch_all(&db)
    .await
    .expect("outcomes");
    assert_eq!(reasons, ["monitor_disabled", "monitor_not_found"]);
    // Accepted check-ins are counted in the usage stats, in Sentry's `monitor` category.
    let (_, stats) = server
        .get(
            "/api/0/organizations/cairn/stats_v2/?field=sum(quantity)&groupBy=outcome&category=monitor&statsPeriod=1d&interval=1h",
            &token,
        )
        .await;
    assert!(stats.to_string().contains("accepted"), "{stats}");
}

/// The monitors' API: Sentry's validation, the organization's and the project's routes, a
/// change of configuration, a slug taken, and deletion with the check-ins.
#[tokio::test]
async fn monitors_are_created_changed_and_deleted_through_the_api() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "cron").await;
    let create = |body: Value| {
        let server = &server;
        let token = &token;
        async move { server.post("/api/0/organizations/cairn/monitors/", token, body).await }
    };
    let (status, body) = create(json!({"project": "cron", "name": "Bad",
        "config": {"schedule_type": "crontab", "schedule": "* * *"}}))
    .await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("5 fields")), "{body}");
    let (status, body) = create(json!({"project": "cron", "name": "Bad",
        "config": {"schedule_type": "interval", "schedule": [3, "fortnight"]}}))
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = create(json!({"project": "nope", "name": "Bad",
        "config": {"schedule": "0 * * * *"}}))
    .await;
    assert_eq!(status, 400, "{body}");

    let (status, created) = create(json!({"project": "cron", "name": "Weekly Digest",
        "config": {"schedule_type": "interval", "schedule": [1, "week"], "checkin_margin": 10}}))
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["slug"], "weekly-digest");
    assert_eq!(created["status"], "active");
    assert_eq!(created["project"]["slug"], "cron");
    assert_eq!(created["environments"], json!([]));
    let (status, _) = create(json!({"project": "cron", "name": "Weekly Digest",
        "config": {"schedule": "0 * * * *"}}))
    .await;
    assert_eq!(status, 409);

    let guid = created["id"].as_str().expect("id");
    let (status, by_guid) =
        server.get(&format!("/api/0/organizations/cairn/monitors/{guid}/"), &token).await;
    assert_eq!((status, &by_guid["slug"]), (200, &json!("weekly-digest")));
    let (status, changed) = server
        .put(
            "/api/0/organizations/cairn/monitors/weekly-digest/",
            &token,
            json!({"name": "Digest", "config": {"schedule": "0 9 * * MON", "timezone": "Asia/Tokyo"}}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Digest");
    assert_eq!(changed["config"]["schedule_type"], "crontab");
    assert_eq!(changed["config"]["schedule"], "0 9 * * MON");
    // The fields it did not name stay.
    assert_eq!(changed["config"]["checkin_margin"], 10);
    let (status, body) = server
        .put(
            "/api/0/organizations/cairn/monitors/weekly-digest/",
            &token,
            json!({"config": {"timezone": "Nowhere/Special"}}),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    let (_, list) = server.get("/api/0/organizations/cairn/monitors/?query=dig", &token).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let (_, list) = server.get("/api/0/organizations/cairn/monitors/?query=nothing", &token).await;
    assert_eq!(list, json!([]));
    // Failing monitors first, disabled ones last, by name in each group.
    let config = json!({"schedule": "0 * * * *"});
    for name in ["A well", "B failing", "C failing, disabled"] {
        let (status, _) =
            create(json!({"project": "cron", "name": name, "config": config.clone()})).await;
        assert_eq!(status, 201);
    }
    let (key, project_id) = server.project_key(&token, "cron").await;
    for slug in ["b-failing", "c-failing-disabled"] {
        let (status, _) =
            http_check_in(&server, project_id, &key, slug, "?status=error", None).await;
        assert_eq!(status, 202);
    }
    let (status, _) = server
        .put(
            "/api/0/organizations/cairn/monitors/c-failing-disabled/",
            &token,
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, list) = server.get("/api/0/organizations/cairn/monitors/", &token).await;
    let slugs: Vec<&str> =
        list.as_array().expect("monitors").iter().filter_map(|m| m["slug"].as_str()).collect();
    assert_eq!(slugs, ["b-failing", "a-well", "weekly-digest", "c-failing-disabled"]);

    assert_eq!(
        server.delete("/api/0/projects/cairn/cron/monitors/weekly-digest/", &token).await,
        204
    );
    let (status, _) =
        server.get("/api/0/projects/cairn/cron/monitors/weekly-digest/", &token).await;
    assert_eq!(status, 404);
    assert_eq!(
        server.delete("/api/0/organizations/cairn/monitors/weekly-digest/", &token).await,
        404
    );
}

/// One environment of a monitor is muted (its failures open no issue) and then deleted with
/// its check-ins, through Sentry's monitor environment routes; the other stays as it was.
#[tokio::test]
async fn one_environment_of_a_monitor_is_muted_then_deleted() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Jobs").await;
    let (key, project_id) = server.project_key(&token, "jobs").await;
    let body = json!({"project": "jobs", "name": "backup", "slug": "backup",
        "config": {"schedule_type": "interval", "schedule": [1, "day"]}});
    let (status, created) = server.post("/api/0/organizations/cairn/monitors/", &token, body).await;
    assert_eq!(status, 201, "{created}");
    for environment in ["production", "staging"] {
        let query = format!("?status=ok&environment={environment}");
        let (status, body) = http_check_in(&server, project_id, &key, "backup", &query, None).await;
        assert_eq!(status, 202, "{body}");
    }
    let path = "/api/0/organizations/cairn/monitors/backup/environments/staging/";
    let (status, answer) = server.put(path, &token, json!({"isMuted": true})).await;
    assert_eq!(status, 200, "{answer}");
    let muted = |monitor: &Value| -> Vec<(String, bool)> {
        let mut list: Vec<(String, bool)> = monitor["environments"]
            .as_array()
            .expect("environments")
            .iter()
            .map(|e| (e["name"].as_str().unwrap_or_default().to_owned(), e["isMuted"] == true))
            .collect();
        list.sort();
        list
    };
    assert_eq!(muted(&answer), [("production".into(), false), ("staging".into(), true)]);
    assert_eq!(server.put(path, &token, json!({})).await.0, 400, "isMuted is required");
    let unknown = "/api/0/projects/cairn/jobs/monitors/backup/environments/qa/";
    assert_eq!(server.put(unknown, &token, json!({"isMuted": true})).await.0, 404);

    // A failure in each: only production's opens an issue.
    for environment in ["staging", "production"] {
        let query = format!("?status=error&environment={environment}");
        let (status, body) = http_check_in(&server, project_id, &key, "backup", &query, None).await;
        assert_eq!(status, 202, "{body}");
    }
    let issues = wait_until(
        "the production failure's issue",
        || async { Value::Array(all_issues(&server, &token).await) },
        |issues| issues.as_array().is_some_and(|list| !list.is_empty()),
    )
    .await;
    let issues = issues.as_array().expect("issues");
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(issues[0]["title"].as_str().is_some_and(|t| t.contains("backup")), "{issues:?}");

    // Deleting staging takes its check-ins; production keeps its own.
    assert_eq!(server.delete(path, &token).await, 202);
    assert_eq!(server.delete(path, &token).await, 404);
    let backup = monitor(&server, &token, "jobs", "backup").await;
    assert_eq!(muted(&backup), [("production".into(), false)]);
    assert_eq!(check_in_statuses(&server, &token, "jobs", "backup").await, ["error", "ok"]);
}
