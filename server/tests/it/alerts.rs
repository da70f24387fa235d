//! Issue alert rules: Sentry's rules API, and the notifications a rule sends when the events
//! the official `sentry` crate sends meet it (a new issue, a regression, more events than its
//! count in its interval), at most once per its frequency per issue.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{capture_message, capture_message_at, TestServer};

const PASSWORD: &str = "correct horse battery";
const FIRST_SEEN: &str = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition";
const REGRESSION: &str = "sentry.rules.conditions.regression_event.RegressionEventCondition";
const FREQUENCY: &str = "sentry.rules.conditions.event_frequency.EventFrequencyCondition";
const LEVEL: &str = "sentry.rules.filters.level.LevelFilter";
const NEW_HIGH: &str = "sentry.rules.conditions.high_priority_issue.NewHighPriorityIssueCondition";
const EXISTING_HIGH: &str =
    "sentry.rules.conditions.high_priority_issue.ExistingHighPriorityIssueCondition";
const NOTIFY: &str = "sentry.mail.actions.NotifyEmailAction";

/// A member of the default organization (and so of its team); its token and user id.
async fn member(server: &TestServer, email: &str) -> (String, i64) {
    server.cli(&[
        "createuser",
        "--email",
        email,
        "--password",
        PASSWORD,
        "--organization",
        "cairn",
    ]);
    let token = server.cli(&["createtoken", "--email", email]).trim().to_owned();
    let (_, me) = server.get("/api/0/", &token).await;
    let id = me["user"]["id"].as_str().and_then(|id| id.parse().ok()).expect("user id");
    (token, id)
}

/// The titles of the user's `alert` notifications, newest first.
async fn alerts(server: &TestServer, token: &str) -> Vec<String> {
    let (status, list) = server.get("/api/0/users/me/notifications/", token).await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["type"] == "alert")
        .map(|n| n["issue"]["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Polls until the user has `count` alerts.
async fn wait_for_alerts(server: &TestServer, token: &str, count: usize) -> Vec<String> {
    let mut last = Vec::new();
    for _ in 0..100 {
        last = alerts(server, token).await;
        if last.len() >= count {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {count} alerts, got {last:?}");
}

async fn create_rule(server: &TestServer, token: &str, rule: Value) -> Value {
    let (status, created) = server.post("/api/0/projects/cairn/shop/rules/", token, rule).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// A server with project `shop`, its owner's token, the project's DSN, a member's token, and
/// the rule action that notifies that member.
async fn shop_with_member() -> (TestServer, String, String, String, Value) {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&owner, "shop").await;
    let (member_token, member_id) = member(&server, "dev@example.com").await;
    let notify_member =
        json!([{"id": NOTIFY, "targetType": "Member", "targetIdentifier": member_id}]);
    (server, owner, dsn, member_token, notify_member)
}

/// A rule per state change: a new issue of level error or worse, and a regression, each to
/// one member; the member is told, a warning is not, and the rule's last firing shows.
#[tokio::test(flavor = "multi_thread")]
async fn rules_notify_of_new_issues_and_regressions() {
    let (server, owner, dsn, member_token, notify_member) = shop_with_member().await;
    // The member makes them: members may write alert rules, as in Sentry.
    let new_errors = create_rule(
        &server,
        &member_token,
        json!({"name": "New errors", "actionMatch": "any", "frequency": 30,
               "conditions": [{"id": FIRST_SEEN}],
               "filters": [{"id": LEVEL, "match": "gte", "level": "40"}],
               "actions": notify_member}),
    )
    .await;
    assert_eq!(new_errors["conditions"][0]["name"], "A new issue is created");
    assert_eq!(
        new_errors["filters"][0]["name"],
        "The event's level is greater than or equal to error"
    );
    assert_eq!(new_errors["createdBy"]["email"], "dev@example.com");
    assert_eq!(new_errors["lastTriggered"], Value::Null);
    create_rule(
        &server,
        &member_token,
        json!({"name": "Regressions", "conditions": [{"id": REGRESSION}], "actions": notify_member}),
    )
    .await;

    capture_message(&dsn, "shop@1.0", "Disk almost full").await; // an error: alerted
    let alerts_now = wait_for_alerts(&server, &member_token, 1).await;
    assert_eq!(alerts_now, ["Disk almost full"]);
    // A warning opens an issue the level filter keeps quiet about.
    let warning = json!({"message": "Cache is cold", "level": "warning"});
    let (key, project_id) = server.project_key(&owner, "shop").await;
    let url = format!("{}/api/{project_id}/store/?sentry_key={key}&sentry_version=7", server.url);
    let response = server.http.post(&url).json(&warning).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    server.wait_for_issues(&owner, |issues| issues.len() == 2).await;
    assert_eq!(alerts(&server, &member_token).await.len(), 1);

    // Resolved, then seen again: the regression rule tells the member.
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 2).await;
    let disk = issues.iter().find(|i| i["title"] == "Disk almost full").expect("the issue");
    let path = format!("/api/0/issues/{}/", disk["id"].as_str().expect("id"));
    let (status, _) = server.put(&path, &owner, json!({"status": "resolved"})).await;
    assert_eq!(status, 200);
    capture_message(&dsn, "shop@1.0", "Disk almost full").await;
    assert_eq!(
        wait_for_alerts(&server, &member_token, 2).await,
        ["Disk almost full", "Disk almost full"]
    );
    let (_, rules) = server.get("/api/0/projects/cairn/shop/rules/", &owner).await;
    assert_eq!(rules.as_array().map(Vec::len), Some(2), "{rules}");
    assert!(
        rules[0]["lastTriggered"].is_string() && rules[1]["lastTriggered"].is_string(),
        "{rules}"
    );
}

/// Sentry's high-priority rule (its default for new projects since issue priority): a new
/// issue of high priority, and an ignored issue that comes back with a high priority; a new
/// issue of lower priority is not told, nor one that escalates only to medium.
#[tokio::test(flavor = "multi_thread")]
async fn high_priority_rules_notify_of_new_and_escalating_high_issues() {
    let (server, owner, dsn, member_token, notify_member) = shop_with_member().await;
    let rule = create_rule(
        &server,
        &owner,
        json!({"name": "High priority issues", "actionMatch": "any", "frequency": 5,
               "conditions": [{"id": NEW_HIGH}, {"id": EXISTING_HIGH}],
               "actions": notify_member}),
    )
    .await;
    assert_eq!(rule["conditions"][0]["name"], "Cairn marks a new issue as high priority");

    capture_message_at(&dsn, "shop@1.0", "Cache is cold", sentry::Level::Info).await;
    capture_message_at(&dsn, "shop@1.0", "Slow query", sentry::Level::Warning).await;
    capture_message(&dsn, "shop@1.0", "Payment failed").await; // high: alerted
    assert_eq!(wait_for_alerts(&server, &member_token, 1).await, ["Payment failed"]);
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 3).await;
    let path = |title: &str| {
        let issue = issues.iter().find(|i| i["title"] == title).expect("the issue");
        format!("/api/0/issues/{}/", issue["id"].as_str().expect("id"))
    };

    // Both ignored until their next event: the medium one escalates to high and is told, the
    // low one escalates to medium and is not.
    let ignore = json!({"status": "ignored", "statusDetails": {"ignoreCount": 1}});
    for title in ["Slow query", "Cache is cold"] {
        assert_eq!(server.put(&path(title), &owner, ignore.clone()).await.0, 200);
    }
    capture_message_at(&dsn, "shop@1.0", "Cache is cold", sentry::Level::Info).await;
    capture_message_at(&dsn, "shop@1.0", "Slow query", sentry::Level::Warning).await;
    assert_eq!(wait_for_alerts(&server, &member_token, 2).await, ["Slow query", "Payment failed"]);
    let (_, cold) = server.get(&path("Cache is cold"), &owner).await;
    assert_eq!(
        (cold["substatus"].clone(), cold["priority"].clone()),
        (json!("escalating"), json!("medium"))
    );
    assert_eq!(alerts(&server, &member_token).await.len(), 2);
}

/// "Seen more than 3 times in an hour", to the project's team when the issue has no owners:
/// quiet for three events, one notification at the fourth and none for the next ones within
/// the rule's frequency.
#[tokio::test(flavor = "multi_thread")]
async fn a_frequency_rule_fires_once_per_frequency() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let dsn = server.create_project(&owner, "shop").await;
    let (member_token, _) = member(&server, "dev@example.com").await;
    create_rule(
        &server,
        &owner,
        json!({"name": "Busy issue", "frequency": 60,
               "conditions": [{"id": FREQUENCY, "value": 3, "interval": "1h"}],
               "actions": [{"id": NOTIFY, "targetType": "IssueOwners",
                            "fallthroughType": "ActiveMembers"}]}),
    )
    .await;
    for _ in 0..3 {
        capture_message(&dsn, "shop@1.0", "Payment gateway timeout").await;
    }
    server
        .wait_for_issues(&owner, |issues| issues.first().is_some_and(|i| i["count"] == "3"))
        .await;
    // The worker looks at an issue at most once a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(alerts(&server, &member_token).await.is_empty());
    capture_message(&dsn, "shop@1.0", "Payment gateway timeout").await;
    assert_eq!(wait_for_alerts(&server, &member_token, 1).await, ["Payment gateway timeout"]);
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        capture_message(&dsn, "shop@1.0", "Payment gateway timeout").await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(alerts(&server, &member_token).await.len(), 1, "once per frequency");
}

/// The rules API: Sentry's validation (what Cairn does not have is refused with a reason),
/// targets of the organization only, a rule replaced and deleted.
#[tokio::test(flavor = "multi_thread")]
async fn rules_are_checked_changed_and_deleted() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    server.create_project(&owner, "shop").await;
    let post = |body: Value| {
        let server = &server;
        let owner = &owner;
        async move { server.post("/api/0/projects/cairn/shop/rules/", owner, body).await }
    };
    let notify = json!([{"id": NOTIFY, "targetType": "IssueOwners"}]);
    for (body, reason) in [
        (json!({"name": "x", "conditions": [], "actions": notify}), "conditions"),
        (json!({"name": "x", "conditions": [{"id": FIRST_SEEN}], "actions": []}), "actions"),
        (
            json!({"name": "x", "conditions": [{"id": FIRST_SEEN}], "frequency": 7, "actions": notify}),
            "frequency",
        ),
        (
            json!({"name": "x", "conditions": [{"id": FIRST_SEEN}],
                   "actions": [{"id": "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"}]}),
            "Slack",
        ),
        (
            json!({"name": "x", "conditions": [{"id": FIRST_SEEN}],
                   "actions": [{"id": NOTIFY, "targetType": "Team", "targetIdentifier": 999}]}),
            "team 999",
        ),
    ] {
        let (status, answer) = post(body).await;
        assert_eq!(status, 400, "{answer}");
        assert!(
            answer["detail"].as_str().is_some_and(|d| d.contains(reason)),
            "{reason}: {answer}"
        );
    }
    let (status, created) = post(json!({"name": "New issues", "conditions": [{"id": FIRST_SEEN}],
        "actions": notify, "environment": "production"}))
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((&created["frequency"], &created["actionMatch"]), (&json!(30), &json!("any")));
    assert_eq!(created["projects"], json!(["shop"]));
    let path = format!("/api/0/projects/cairn/shop/rules/{}/", created["id"].as_str().expect("id"));
    let (status, changed) = server
        .put(
            &path,
            &owner,
            json!({"name": "Busy issues", "frequency": 1440,
                   "conditions": [{"id": FREQUENCY, "value": 100, "interval": "1d"}],
                   "actions": notify}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["conditions"][0]["name"],
        "The issue is seen more than 100 times in one day"
    );
    assert_eq!(changed["environment"], Value::Null);
    let (status, got) = server.get(&path, &owner).await;
    assert_eq!((status, &got["name"]), (200, &json!("Busy issues")));
    assert_eq!(server.delete(&path, &owner).await, 202);
    assert_eq!(server.get(&path, &owner).await.0, 404);
}

/// "Seen by more than 1 user in an hour": two events of one user are quiet, a second user's
/// event fires the rule (Sentry's `EventUniqueUserFrequencyCondition`).
#[tokio::test(flavor = "multi_thread")]
async fn a_users_frequency_rule_counts_distinct_users() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    server.create_project(&owner, "shop").await;
    let (member_token, member_id) = member(&server, "dev@example.com").await;
    let rule = create_rule(
        &server,
        &owner,
        json!({"name": "Many users",
               "conditions": [{"id": "sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition",
                               "value": 1, "interval": "1h"}],
               "actions": [{"id": NOTIFY, "targetType": "Member", "targetIdentifier": member_id}]}),
    )
    .await;
    assert_eq!(rule["conditions"][0]["name"], "The issue is seen by more than 1 users in one hour");
    let (key, project_id) = server.project_key(&owner, "shop").await;
    let url = format!("{}/api/{project_id}/store/?sentry_key={key}&sentry_version=7", server.url);
    let send = |user: &'static str| {
        let server = &server;
        let url = url.clone();
        async move {
            let event =
                json!({"message": "Checkout failed", "level": "error", "user": {"id": user}});
            let response = server.http.post(&url).json(&event).send().await.expect("sent");
            assert_eq!(response.status().as_u16(), 200);
        }
    };
    send("alice").await;
    send("alice").await;
    server
        .wait_for_issues(&owner, |issues| issues.first().is_some_and(|i| i["count"] == "2"))
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(alerts(&server, &member_token).await.is_empty(), "one user so far");
    send("bob").await;
    assert_eq!(wait_for_alerts(&server, &member_token, 1).await, ["Checkout failed"]);
}

/// Sends, with the official SDK, an error-level message tagged `customer`.
async fn capture_for_customer(dsn: &str, text: &str, customer: &str) {
    let (dsn, text, customer) = (dsn.to_owned(), text.to_owned(), customer.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = crate::common::sentry_hub(&dsn, "shop@1.0");
        sentry::Hub::run(hub, || {
            sentry::with_scope(
                |scope| scope.set_tag("customer", &customer),
                || sentry::capture_message(&text, sentry::Level::Error),
            )
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
    })
    .await
    .expect("SDK thread");
}

/// Sentry's tag filter, on a new-issue rule (the event that opens the issue) and on a counting
/// rule (the issue's latest event): only the events of the customer it names notify.
#[tokio::test(flavor = "multi_thread")]
async fn tag_filters_narrow_rules_to_the_events_they_name() {
    let (server, owner, dsn, member_token, notify_member) = shop_with_member().await;
    let tagged = |value: &str| {
        json!([{"id": "sentry.rules.filters.tagged_event.TaggedEventFilter", "key": "Customer",
                "match": "eq", "value": value}])
    };
    let rule = create_rule(
        &server,
        &owner,
        json!({"name": "Acme's new issues", "conditions": [{"id": FIRST_SEEN}],
               "filters": tagged("ACME"), "actions": notify_member}),
    )
    .await;
    assert_eq!(rule["filters"][0]["name"], "The event's tags match Customer equals ACME");
    create_rule(
        &server,
        &owner,
        json!({"name": "Globex keeps failing", "frequency": 60,
               "conditions": [{"id": FREQUENCY, "value": 2, "interval": "1h"}],
               "filters": tagged("globex"), "actions": notify_member}),
    )
    .await;

    capture_for_customer(&dsn, "Invoice export failed", "other").await;
    capture_for_customer(&dsn, "Basket lost its items", "acme").await;
    assert_eq!(wait_for_alerts(&server, &member_token, 1).await, ["Basket lost its items"]);

    // Three events of another customer's issue: its latest event is not Globex's.
    for _ in 0..3 {
        capture_for_customer(&dsn, "Invoice export failed", "other").await;
    }
    server.wait_for_issues(&owner, |issues| issues.iter().any(|i| i["count"] == "4")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(alerts(&server, &member_token).await.len(), 1);
    // Globex's events of the same issue: the count is met and the latest event is theirs.
    capture_for_customer(&dsn, "Invoice export failed", "globex").await;
    assert_eq!(
        wait_for_alerts(&server, &member_token, 2).await,
        ["Invoice export failed", "Basket lost its items"]
    );
}

/// Sentry's latest-release filter: a new issue notifies only when its event is from the
/// project's latest release (the one created last).
#[tokio::test(flavor = "multi_thread")]
async fn the_latest_release_filter_notifies_of_issues_in_the_newest_release_only() {
    let (server, owner, dsn, member_token, notify_member) = shop_with_member().await;
    let latest = json!([{"id": "sentry.rules.filters.latest_release.LatestReleaseFilter"}]);
    let rule = create_rule(
        &server,
        &owner,
        json!({"name": "New in the latest release", "conditions": [{"id": FIRST_SEEN}],
               "filters": latest, "actions": notify_member}),
    )
    .await;
    assert_eq!(rule["filters"][0]["name"], "The event is from the latest release");
    // shop@2.0 is created after shop@1.0: an error of 1.0 is not from the latest release.
    for version in ["shop@1.0", "shop@2.0"] {
        let body = json!({"version": version, "projects": ["shop"]});
        let (status, answer) =
            server.post("/api/0/organizations/cairn/releases/", &owner, body).await;
        assert_eq!(status, 201, "{answer}");
    }
    let send = |text: &'static str, release: &'static str| {
        let dsn = dsn.clone();
        tokio::task::spawn_blocking(move || {
            let (hub, client) = crate::common::sentry_hub(&dsn, release);
            sentry::Hub::run(hub, || sentry::capture_message(text, sentry::Level::Error));
            assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
        })
    };
    send("Checkout broke in the old release", "shop@1.0").await.expect("SDK thread");
    send("Checkout broke in the new release", "shop@2.0").await.expect("SDK thread");
    assert_eq!(
        wait_for_alerts(&server, &member_token, 1).await,
        ["Checkout broke in the new release"]
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(alerts(&server, &member_token).await.len(), 1, "not the old release's issue");

    // A counting rule, evaluated after the commits: the old release's issue seen again is
    // not from the latest release, the new one's is.
    let latest = json!([{"id": "sentry.rules.filters.latest_release.LatestReleaseFilter"}]);
    create_rule(
        &server,
        &owner,
        json!({"name": "Busy in the latest release", "frequency": 60,
               "conditions": [{"id": FREQUENCY, "value": 1, "interval": "1h"}],
               "filters": latest, "actions": notify_member}),
    )
    .await;
    // The worker trusts a project's cached rules for 5 s.
    tokio::time::sleep(Duration::from_millis(5500)).await;
    send("Checkout broke in the old release", "shop@1.0").await.expect("SDK thread");
    server.wait_for_issues(&owner, |issues| issues.iter().any(|i| i["count"] == "2")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(alerts(&server, &member_token).await.len(), 1, "the old release: no alert");
    send("Checkout broke in the new release", "shop@2.0").await.expect("SDK thread");
    assert_eq!(
        wait_for_alerts(&server, &member_token, 2).await,
        ["Checkout broke in the new release", "Checkout broke in the new release"]
    );
}
