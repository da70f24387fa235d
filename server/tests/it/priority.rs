//! Sentry's issue priority through the HTTP API, on issues made from the official SDK's events:
//! the priority a new issue takes from its level, searching and sorting by it, setting it (which
//! locks it), and the step up of an ignored issue that escalates.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{capture_message_at, TestServer};

/// Sends, with the official SDK, a message at `level` (one issue per message).
async fn capture(dsn: &str, text: &str, level: sentry::Level) {
    capture_message_at(dsn, "shop@1.0", text, level).await;
}

/// The titles of the issues a list answers, in order.
fn titles(issues: &Value) -> Vec<&str> {
    issues.as_array().expect("a list").iter().filter_map(|i| i["title"].as_str()).collect()
}

/// The listed issue titled `title`.
fn find<'a>(issues: &'a [Value], title: &str) -> &'a Value {
    issues.iter().find(|i| i["title"] == title).expect("issue listed")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_issue_takes_its_priority_from_its_level_and_is_searched_and_sorted_by_it() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    // Oldest first: the low-priority issue is the most recently seen, so that sorting by
    // priority differs from sorting by date.
    capture(&dsn, "disk full", sentry::Level::Fatal).await;
    capture(&dsn, "payment failed", sentry::Level::Error).await;
    capture(&dsn, "slow query", sentry::Level::Warning).await;
    capture(&dsn, "cache miss", sentry::Level::Info).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 4).await;
    for (title, priority) in [
        ("disk full", "high"),
        ("payment failed", "high"),
        ("slow query", "medium"),
        ("cache miss", "low"),
    ] {
        let issue = find(&issues, title);
        assert_eq!(issue["priority"], priority, "{issue}");
        assert_eq!(issue["priorityLockedAt"], Value::Null, "{issue}");
    }

    // A later event at another level changes the issue's level, not its priority.
    capture(&dsn, "disk full", sentry::Level::Warning).await;
    let issues = server.wait_for_issues(&token, |i| find(i, "disk full")["count"] == "2").await;
    let disk = find(&issues, "disk full");
    assert_eq!(
        (disk["level"].clone(), disk["priority"].clone()),
        (json!("warning"), json!("high"))
    );

    let list = "/api/0/organizations/cairn/issues/";
    let search = |query: &str| format!("{list}?query={}", urlencode(query));
    let (status, high) = server.get(&search("issue.priority:high"), &token).await;
    assert_eq!(status, 200, "{high}");
    assert_eq!(titles(&high), ["disk full", "payment failed"]);
    let (_, prioritized) =
        server.get(&search("is:unresolved issue.priority:[high, medium]"), &token).await;
    assert_eq!(titles(&prioritized), ["disk full", "slow query", "payment failed"]);
    let (_, not_low) = server.get(&search("!issue.priority:low"), &token).await;
    assert_eq!(titles(&not_low).len(), 3, "{not_low}");
    let (status, refused) = server.get(&search("issue.priority:urgent"), &token).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["detail"].as_str().is_some_and(|d| d.contains("\"urgent\" is not one of high")),
        "{refused}"
    );

    // Sorted by priority: high before medium before low, the most recently seen first within
    // each; by date the low one would come first.
    let (_, by_date) = server.get(list, &token).await;
    assert_eq!(titles(&by_date), ["disk full", "cache miss", "slow query", "payment failed"]);
    let (status, by_priority) = server.get(&format!("{list}?sort=priority"), &token).await;
    assert_eq!(status, 200, "{by_priority}");
    assert_eq!(titles(&by_priority), ["disk full", "payment failed", "slow query", "cache miss"]);
    // Its pages follow the same order.
    let (_, first) = server.get(&format!("{list}?sort=priority&limit=3"), &token).await;
    assert_eq!(titles(&first), ["disk full", "payment failed", "slow query"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn setting_a_priority_locks_it_and_escalation_raises_only_the_unlocked_ones() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    capture(&dsn, "slow query", sentry::Level::Warning).await;
    capture(&dsn, "cache miss", sentry::Level::Info).await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let slow = find(&issues, "slow query")["id"].as_str().expect("id").to_owned();
    let cache = find(&issues, "cache miss")["id"].as_str().expect("id").to_owned();
    let (slow_path, cache_path) =
        (format!("/api/0/issues/{slow}/"), format!("/api/0/issues/{cache}/"));

    // Refused with Sentry's wording; nothing changes.
    let (status, refused) = server.put(&slow_path, &token, json!({"priority": "urgent"})).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        refused["detail"],
        "priority: \"urgent\" is not a valid choice (high, medium, low)."
    );
    assert_eq!(server.get(&slow_path, &token).await.1["priority"], "medium");

    // Set by someone: locked, and in the activity with who did it.
    let (status, issue) = server.put(&slow_path, &token, json!({"priority": "low"})).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(issue["priority"], "low");
    assert!(issue["priorityLockedAt"].as_str().is_some_and(|t| t.ends_with('Z')), "{issue}");
    let set = &issue["activity"][0];
    assert_eq!(set["type"], "set_priority", "{issue}");
    assert_eq!(set["data"], json!({"priority": "low", "reason": null}));
    assert_eq!(set["user"]["email"], "owner@example.com");

    // Both ignored until one more event; the event brings both back as escalating, and
    // raises the priority of the one nobody set, one step.
    let ignore = json!({"status": "ignored", "statusDetails": {"ignoreCount": 1}});
    for path in [&slow_path, &cache_path] {
        assert_eq!(server.put(path, &token, ignore.clone()).await.0, 200);
    }
    capture(&dsn, "slow query", sentry::Level::Warning).await;
    capture(&dsn, "cache miss", sentry::Level::Info).await;
    let (_, slow_issue) = server.get(&slow_path, &token).await;
    assert_eq!(slow_issue["substatus"], "escalating", "{slow_issue}");
    assert_eq!(slow_issue["priority"], "low", "a priority someone set stays: {slow_issue}");
    let (_, cache_issue) = server.get(&cache_path, &token).await;
    assert_eq!(cache_issue["substatus"], "escalating", "{cache_issue}");
    assert_eq!(cache_issue["priority"], "medium", "{cache_issue}");
    assert_eq!(cache_issue["priorityLockedAt"], Value::Null);
    let raised = cache_issue["activity"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["type"] == "set_priority"))
        .expect("the escalation's priority change is in the activity");
    assert_eq!(raised["data"], json!({"priority": "medium", "reason": "escalating"}));
    assert_eq!(raised["user"], Value::Null);

    // The bulk change sets both at once.
    let bulk = format!("/api/0/organizations/cairn/issues/?id={slow}&id={cache}");
    let (status, body) = server.put(&bulk, &token, json!({"priority": "high"})).await;
    assert_eq!(status, 200, "{body}");
    for path in [&slow_path, &cache_path] {
        let (_, issue) = server.get(path, &token).await;
        assert_eq!(issue["priority"], "high", "{issue}");
        assert!(issue["priorityLockedAt"].is_string(), "{issue}");
    }
    let (status, refused) = server.put(&bulk, &token, json!({"priority": 75})).await;
    assert_eq!(status, 400, "{refused}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A week after an issue is new or escalated, Cairn turns it ongoing as Sentry does (its
/// periodic task, shortened here): the activity says so, and an escalated issue's priority
/// goes back to the one it opened with, unless someone set it.
#[tokio::test(flavor = "multi_thread")]
async fn a_week_later_issues_are_ongoing_and_escalated_ones_back_to_their_priority() {
    let server = TestServer::start_with_env(&[("CAIRN_ONGOING_INTERVAL_MS", "200")]);
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    for text in ["old news", "escalated", "locked", "fresh"] {
        capture(&dsn, text, sentry::Level::Info).await;
    }
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 4).await;
    let path = |title: &str| {
        format!("/api/0/issues/{}/", find(&issues, title)["id"].as_str().expect("id"))
    };
    // Two escalate (low to medium); one of them then has its priority set by someone.
    let ignore = json!({"status": "ignored", "statusDetails": {"ignoreCount": 1}});
    for title in ["escalated", "locked"] {
        assert_eq!(server.put(&path(title), &token, ignore.clone()).await.0, 200);
        capture(&dsn, title, sentry::Level::Info).await;
    }
    let (_, locked) = server.put(&path("locked"), &token, json!({"priority": "medium"})).await;
    assert_eq!(locked["priority"], "medium", "{locked}");

    // Eight days pass for all but the fresh one.
    let db = server.writable_database().await;
    let eight_days_ago = chrono::Utc::now().timestamp_millis() - 8 * 86_400_000;
    sqlx::query(
        "UPDATE issues SET first_seen = $1, substatus_at = CASE WHEN substatus_at IS NULL \
         THEN NULL ELSE $1 END WHERE title != 'fresh'",
    )
    .bind(eight_days_ago)
    .execute(&db)
    .await
    .expect("writable");
    let mut issue = Value::Null;
    for _ in 0..100 {
        issue = server.get(&path("escalated"), &token).await.1;
        if issue["substatus"] == "ongoing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(issue["substatus"], "ongoing", "{issue}");
    assert_eq!(issue["priority"], "low", "back to its first priority: {issue}");
    assert_eq!(issue["inbox"], Value::Null, "no longer for review");
    let kinds: Vec<&str> = issue["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .filter_map(|a| a["type"].as_str())
        .collect();
    assert_eq!(kinds[..2], ["set_priority", "auto_set_ongoing"], "newest first: {kinds:?}");
    assert_eq!(issue["activity"][0]["data"], json!({"priority": "low", "reason": "ongoing"}));
    let (_, old) = server.get(&path("old news"), &token).await;
    assert_eq!(
        (old["substatus"].clone(), old["priority"].clone()),
        (json!("ongoing"), json!("low"))
    );
    let (_, locked) = server.get(&path("locked"), &token).await;
    assert_eq!(
        (locked["substatus"].clone(), locked["priority"].clone()),
        (json!("ongoing"), json!("medium"))
    );
    let (_, fresh) = server.get(&path("fresh"), &token).await;
    assert_eq!(fresh["substatus"], "new", "{fresh}");
}
