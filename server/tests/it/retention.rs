//! Data retention in a running server (`CAIRN_RETENTION_DAYS`): what arrived before the cutoff
//! goes (events, the issues not seen since, stored attachments, check-ins, notifications), what
//! is newer stays, and an issue still seen keeps its counts.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{capture_message, TestServer};

async fn count(db: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect("a count")
}

#[tokio::test(flavor = "multi_thread")]
async fn what_arrived_before_the_retention_period_is_deleted() {
    let server = TestServer::start_with_env(&[
        ("CAIRN_RETENTION_DAYS", "30"),
        ("CAIRN_RETENTION_INTERVAL_MS", "200"),
    ]);
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "shop").await;
    capture_message(&dsn, "shop@1.0", "Still happening").await;
    capture_message(&dsn, "shop@1.0", "Still happening").await;
    capture_message(&dsn, "shop@1.0", "Long gone").await;
    let event_id = uuid::Uuid::new_v4().simple().to_string();
    let attachment = json!({"event_id": event_id, "message": "With a file"});
    let body = format!(
        "{{\"event_id\":\"{event_id}\"}}\n{{\"type\":\"event\"}}\n{attachment}\n\
         {{\"type\":\"attachment\",\"length\":5,\"filename\":\"a.txt\"}}\nhello\n"
    );
    let (key, project_id) = server.project_key(&token, "shop").await;
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={key}", server.url);
    assert_eq!(server.http.post(&url).body(body).send().await.expect("sent").status(), 200);
    let check_in = json!({"status": "ok",
        "monitor_config": {"schedule": {"type": "crontab", "value": "0 * * * *"}}});
    let url = format!("{}/api/{project_id}/cron/nightly/{key}/", server.url);
    assert_eq!(server.http.post(&url).json(&check_in).send().await.expect("sent").status(), 202);
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 3).await;
    let id_of = |title: &str| -> String {
        let issue = issues.iter().find(|i| i["title"] == title).expect("the issue");
        issue["id"].as_str().expect("id").to_owned()
    };
    let (still, gone, with_file) =
        (id_of("Still happening"), id_of("Long gone"), id_of("With a file"));

    // Forty days ago: one of "Still happening"'s two events, everything of "Long gone", the
    // attachment, the check-in and the notifications.
    let db = server.writable_database().await;
    let long_ago = chrono::Utc::now().timestamp_millis() - 40 * 86_400_000;
    for sql in [
        "UPDATE events SET received = $1 WHERE id = (SELECT MIN(id) FROM events WHERE issue_id = $2)",
        "UPDATE events SET received = $1, timestamp = $1 WHERE issue_id = $3",
        "UPDATE issues SET last_seen = $1, first_seen = $1 WHERE id = $3",
        "UPDATE envelope_items SET received = $1 WHERE item_type = 'attachment'",
        "UPDATE monitor_checkins SET date_created = $1",
        "UPDATE notifications SET date_created = $1",
    ] {
        sqlx::query(sql)
            .bind(long_ago)
            .bind(still.parse::<i64>().expect("id"))
            .bind(gone.parse::<i64>().expect("id"))
            .execute(&db)
            .await
            .expect("dated back");
    }

    let mut left = (0, 0, 0, 0);
    for _ in 0..100 {
        left = (
            count(&db, "SELECT COUNT(*) FROM events").await,
            count(&db, "SELECT COUNT(*) FROM envelope_items WHERE item_type = 'attachment'").await,
            count(&db, "SELECT COUNT(*) FROM monitor_checkins").await,
            count(&db, "SELECT COUNT(*) FROM issues").await,
        );
        if left == (2, 0, 0, 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, (2, 0, 0, 2), "events, attachments, check-ins, issues left");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM notifications").await, 0);

    let (status, _) = server.get(&format!("/api/0/issues/{gone}/"), &token).await;
    assert_eq!(status, 404, "the issue not seen since the cutoff is gone");
    let (status, issue) = server.get(&format!("/api/0/issues/{still}/"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(issue["count"], "2", "an issue keeps its counts: {issue}");
    let (_, events) = server.get(&format!("/api/0/issues/{still}/events/"), &token).await;
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    let (_, attachments) = server
        .get(&format!("/api/0/projects/cairn/shop/events/{event_id}/attachments/"), &token)
        .await;
    assert_eq!(attachments, Value::Array(Vec::new()));
    let (_, with_file_events) =
        server.get(&format!("/api/0/issues/{with_file}/events/"), &token).await;
    assert_eq!(with_file_events.as_array().map(Vec::len), Some(1), "its event is recent");
}
