//! Metric alerts end to end: rules written through Sentry's API, errors sent by the official
//! `sentry` crate and sessions posted as SDKs post them, the evaluator opening, moving and
//! closing incidents, and the emails it sends through a real SMTP conversation.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{capture_message, TestServer};
use crate::notifications::{decoded, smtp_sink, user_id, wait_for_mail};

const PASSWORD: &str = "correct horse battery";

/// Polls the rule until `pred` holds for it (the evaluator runs every 200 ms here).
async fn wait_for_rule(
    server: &TestServer,
    token: &str,
    id: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/0/organizations/cairn/alert-rules/{id}/");
    let mut rule = Value::Null;
    for _ in 0..150 {
        let (status, body) = server.get(&path, token).await;
        assert_eq!(status, 200, "{body}");
        if pred(&body) {
            return body;
        }
        rule = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the rule never got there: {rule}");
}

fn incident_status(rule: &Value) -> Option<i64> {
    let incident = &rule["latestIncident"];
    incident["dateClosed"].is_null().then(|| incident["status"].as_i64()).flatten()
}

fn session(did: &str, status: &str) -> Value {
    let now = chrono::Utc::now().to_rfc3339();
    json!({
        "sid": uuid::Uuid::new_v4().to_string(), "did": did, "init": true, "started": now,
        "timestamp": now, "status": status, "errors": i32::from(status == "crashed"),
        "attrs": {"release": "shop@1.0", "environment": "production"},
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_spike_opens_an_incident_that_escalates_emails_and_closes() {
    let (port, mails, _) = smtp_sink().await;
    let port = port.to_string();
    let server = TestServer::start_with_env(&[
        ("CAIRN_SMTP_HOST", "127.0.0.1"),
        ("CAIRN_SMTP_PORT", &port),
        ("CAIRN_METRIC_ALERT_INTERVAL_MS", "200"),
    ]);
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let me = user_id(&server, &owner).await;
    let dsn = server.create_project(&owner, "checkout").await;
    // A team of the owner's: its creator joins it.
    let (status, team) =
        server.post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "oncall"})).await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["id"].as_str().expect("team id").to_owned();

    let mut rule = json!({
        "name": "Checkout errors", "aggregate": "count()", "dataset": "events", "query": "",
        "timeWindow": 5, "thresholdType": 0, "resolveThreshold": null,
        "projects": ["checkout"], "environment": null,
        "triggers": [
            {"label": "critical", "alertThreshold": 4, "actions": [
                {"type": "email", "targetType": "team", "targetIdentifier": team_id}]},
            {"label": "warning", "alertThreshold": 2, "actions": [
                {"type": "email", "targetType": "user", "targetIdentifier": me}]},
        ],
    });
    let (status, created) =
        server.post("/api/0/organizations/cairn/alert-rules/", &owner, rule.clone()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("rule id").to_owned();
    assert_eq!(created["triggers"][0]["actions"][0]["desc"], "Send an email to #oncall");
    assert_eq!(created["triggers"][1]["actions"][0]["desc"], "Send an email to owner@example.com");
    let quiet = wait_for_rule(&server, &owner, &id, |r| r["dateLastEvaluated"].is_string()).await;
    assert_eq!(quiet["lastValue"], 0.0);
    assert!(quiet["latestIncident"].is_null(), "{quiet}");

    // Three errors: past the warning threshold.
    for n in 0..3 {
        capture_message(&dsn, "shop@1.0", &format!("payment declined {n}")).await;
    }
    let warned = wait_for_rule(&server, &owner, &id, |r| incident_status(r) == Some(10)).await;
    assert_eq!(warned["latestIncident"]["identifier"], "1");
    let mail =
        wait_for_mail(&mails, "owner@example.com", "Subject: Warning: Checkout errors").await;
    let text = decoded(&mail.data);
    assert!(text.contains("3 errors in the last 5 minutes"), "{text}");
    assert!(text.contains(&format!("/organizations/cairn/alerts/rules/details/{id}/")), "{text}");

    // Three more: past the critical one, whose team hears of it.
    for n in 3..6 {
        capture_message(&dsn, "shop@1.0", &format!("payment declined {n}")).await;
    }
    let critical = wait_for_rule(&server, &owner, &id, |r| {
        incident_status(r) == Some(20) && r["lastValue"] == 6.0
    })
    .await;
    assert_eq!(critical["latestIncident"]["identifier"], "1", "the same incident escalated");
    wait_for_mail(&mails, "owner@example.com", "Subject: Critical: Checkout errors").await;

    // Raising the thresholds over the figure closes it: the next evaluation is past neither.
    rule["triggers"][0]["alertThreshold"] = json!(100);
    rule["triggers"][1]["alertThreshold"] = json!(50);
    let path = format!("/api/0/organizations/cairn/alert-rules/{id}/");
    let (status, changed) = server.put(&path, &owner, rule.clone()).await;
    assert_eq!(status, 200, "{changed}");
    let closed = wait_for_rule(&server, &owner, &id, |r| r["latestIncident"]["status"] == 2).await;
    assert!(closed["latestIncident"]["dateClosed"].is_string(), "{closed}");
    wait_for_mail(&mails, "owner@example.com", "Subject: Resolved: Checkout errors").await;

    let (status, incidents) =
        server.get(&format!("/api/0/organizations/cairn/incidents/?alertRule={id}"), &owner).await;
    assert_eq!(status, 200, "{incidents}");
    assert_eq!(incidents.as_array().map(Vec::len), Some(1), "{incidents}");
    assert_eq!(incidents[0]["projects"], json!(["checkout"]));
    assert_eq!(incidents[0]["value"], 3.0, "the figure that opened it");
    for (filter, expected) in [("open", 0), ("closed", 1)] {
        let path = format!("/api/0/organizations/cairn/incidents/?alertRule={id}&status={filter}");
        let (status, list) = server.get(&path, &owner).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list.as_array().map(Vec::len), Some(expected), "{filter}: {list}");
    }
    let (status, activity) =
        server.get("/api/0/organizations/cairn/incidents/1/activity/", &owner).await;
    assert_eq!(status, 200, "{activity}");
    let changes: Vec<(i64, Option<&str>)> = activity
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| (a["type"].as_i64().unwrap_or(0), a["value"].as_str()))
        .collect();
    assert_eq!(changes, [(4, None), (2, Some("10")), (2, Some("20")), (2, Some("2"))]);

    // What Sentry's validator refuses is refused with its reason, and nothing else is kept.
    rule["timeWindow"] = json!(7);
    let (status, refused) =
        server.post("/api/0/organizations/cairn/alert-rules/", &owner, rule.clone()).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["detail"].as_str().unwrap_or("").starts_with("timeWindow:"), "{refused}");
    rule["timeWindow"] = json!(5);
    rule["projects"] = json!(["nowhere"]);
    let (status, refused) =
        server.post("/api/0/organizations/cairn/alert-rules/", &owner, rule.clone()).await;
    assert_eq!(status, 400, "{refused}");
    let (_, list) = server.get("/api/0/organizations/cairn/alert-rules/", &owner).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    // The list of a project's rules: by slug, as the dashboard asks.
    let of = |project: &str| format!("/api/0/organizations/cairn/alert-rules/?project={project}");
    assert_eq!(server.get(&of("checkout"), &owner).await.1.as_array().map(Vec::len), Some(1));
    let (_, other) = server.get(&of("elsewhere"), &owner).await;
    assert_eq!(other, json!([]));

    // Deleting the rule takes its incidents along.
    assert_eq!(server.delete(&path, &owner).await, 204);
    let (status, _) = server.get("/api/0/organizations/cairn/incidents/1/", &owner).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_free_rate_below_its_threshold_opens_an_incident_until_it_recovers() {
    let server = TestServer::start_with_env(&[("CAIRN_METRIC_ALERT_INTERVAL_MS", "200")]);
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&owner, "mobile").await;
    let rule = json!({
        "name": "Mobile crash-free sessions",
        "aggregate": "percentage(sessions_crashed, sessions) AS _crash_rate_alert_aggregate",
        "dataset": "metrics", "timeWindow": 60, "thresholdType": 1,
        "projects": ["mobile"], "environment": "production",
        "triggers": [{"label": "critical", "alertThreshold": 90, "actions": []}],
    });
    let (status, created) =
        server.post("/api/0/organizations/cairn/alert-rules/", &owner, rule).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("rule id").to_owned();
    // Without sessions there is no rate, and nothing opens.
    let idle = wait_for_rule(&server, &owner, &id, |r| r["dateLastEvaluated"].is_string()).await;
    assert!(idle["lastValue"].is_null(), "{idle}");

    let sessions = [("a", "exited"), ("b", "exited"), ("c", "exited"), ("d", "crashed")];
    server
        .post_envelope(&dsn, sessions.map(|(did, status)| ("session", session(did, status))))
        .await;
    let failing = wait_for_rule(&server, &owner, &id, |r| incident_status(r) == Some(20)).await;
    assert_eq!(failing["latestIncident"]["value"], 75.0, "{failing}");

    // Sixteen healthy sessions more: 19 of 20 did not crash, 95%.
    let healthy: Vec<_> =
        (0..16).map(|n| ("session", session(&format!("user-{n}"), "exited"))).collect();
    server.post_envelope(&dsn, healthy).await;
    let recovered =
        wait_for_rule(&server, &owner, &id, |r| r["latestIncident"]["status"] == 2).await;
    assert_eq!(recovered["lastValue"], 95.0, "{recovered}");
}
