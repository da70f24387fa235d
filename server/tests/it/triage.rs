//! Triage through the API: merge and unmerge, assignment, seen and bookmarks, bulk changes.

use serde_json::{json, Value};

use crate::common::{capture_message, TestServer};

/// A server with the project `shop`; returns it, an owner token and the project's store URL.
async fn server_with_shop() -> (TestServer, String, String) {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Shop").await;
    let (key, project_id) = server.project_key(&token, "shop").await;
    let url = format!("{}/api/{project_id}/store/?sentry_key={key}", server.url);
    (server, token, url)
}

/// Sends an event with this message, fingerprint, user and tag.
async fn send(server: &TestServer, url: &str, message: &str, user: &str, shard: &str) {
    let body = json!({
        "message": message, "fingerprint": [message], "user": {"id": user},
        "tags": {"shard": shard},
    });
    let response = server.http.post(url).json(&body).send().await.expect("HTTP");
    assert_eq!(response.status(), 200);
}

async fn delete(server: &TestServer, path: &str, token: &str) -> u16 {
    let response = server
        .http
        .delete(format!("{}{path}", server.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("HTTP");
    response.status().as_u16()
}

/// The id of the listed issue titled `title`.
fn id_of(issues: &[Value], title: &str) -> String {
    let issue = issues.iter().find(|i| i["title"] == title).expect("issue listed");
    issue["id"].as_str().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn merge_moves_everything_into_the_biggest_issue_and_unmerge_splits_it_by_hash() {
    let (server, token, url) = server_with_shop().await;
    send(&server, &url, "alpha", "u1", "a").await;
    send(&server, &url, "alpha", "u2", "a").await;
    send(&server, &url, "beta", "u3", "b").await;
    send(&server, &url, "gamma", "u1", "c").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 3).await;
    let (alpha, beta, gamma) =
        (id_of(&issues, "alpha"), id_of(&issues, "beta"), id_of(&issues, "gamma"));
    let (status, comment) = server
        .post(&format!("/api/0/issues/{beta}/comments/"), &token, json!({"text": "hm"}))
        .await;
    assert_eq!(status, 201, "{comment}");

    // Refusals first: one issue, and no ids at all.
    let merge = json!({"merge": true});
    let one = format!("/api/0/organizations/cairn/issues/?id={beta}");
    assert_eq!(server.put(&one, &token, merge.clone()).await.0, 400);
    let (status, body) =
        server.put("/api/0/organizations/cairn/issues/", &token, merge.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("id")), "{body}");

    // Sentry keeps the issue with the most events.
    let path = format!("/api/0/organizations/cairn/issues/?id={gamma}&id={alpha}&id={beta}");
    let (status, body) = server.put(&path, &token, merge).await;
    assert_eq!(status, 200, "{body}");
    let mut children: Vec<String> = body["merge"]["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| c.as_str().expect("id").to_owned())
        .collect();
    children.sort();
    let mut expected = vec![beta.clone(), gamma.clone()];
    expected.sort();
    assert_eq!((body["merge"]["parent"].as_str(), children), (Some(alpha.as_str()), expected));

    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    assert_eq!(
        (issues[0]["count"].clone(), issues[0]["userCount"].clone()),
        (json!("4"), json!(3))
    );
    assert_eq!(server.get(&format!("/api/0/issues/{beta}/"), &token).await.0, 404);
    let (_, details) = server.get(&format!("/api/0/issues/{alpha}/"), &token).await;
    assert_eq!(details["numComments"], 1, "{details}");
    assert_eq!(details["activity"][0]["type"], "merge", "{details}");
    assert_eq!(details["activity"][0]["user"]["email"], "owner@example.com");
    let (_, events) = server.get(&format!("/api/0/issues/{alpha}/events/"), &token).await;
    assert_eq!(events.as_array().map(Vec::len), Some(4), "{events}");
    let (_, shard) = server.get(&format!("/api/0/issues/{alpha}/tags/shard/"), &token).await;
    assert_eq!(shard["totalValues"], 4, "{shard}");

    // A later event with a merged fingerprint joins the merged issue.
    send(&server, &url, "beta", "u4", "b").await;
    let issues = server.wait_for_issues(&token, |issues| issues[0]["count"] == "5").await;
    assert_eq!(issues.len(), 1);

    // Unmerge beta's hash: its two events leave with it, with their own counts.
    let hashes_path = format!("/api/0/organizations/cairn/issues/{alpha}/hashes/");
    let (status, hashes) = server.get(&hashes_path, &token).await;
    assert_eq!(status, 200, "{hashes}");
    let hashes = hashes.as_array().cloned().expect("hashes");
    assert_eq!(hashes.len(), 3);
    let beta_hash = hashes
        .iter()
        .find(|h| h["latestEvent"]["title"] == "beta")
        .and_then(|h| h["id"].as_str())
        .expect("beta's hash has its latest event")
        .to_owned();
    let unknown = format!("{hashes_path}?id=0123456789abcdef0123456789abcdef");
    assert_eq!(delete(&server, &unknown, &token).await, 400);
    assert_eq!(delete(&server, &format!("{hashes_path}?id={beta_hash}"), &token).await, 202);

    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let split = issues.iter().find(|i| i["id"] != alpha.as_str()).expect("the new issue");
    assert_eq!((split["title"].clone(), split["count"].clone()), (json!("beta"), json!("2")));
    assert_eq!(split["userCount"], 2, "{split}");
    let kept = issues.iter().find(|i| i["id"] == alpha.as_str()).expect("the source issue");
    assert_eq!((kept["count"].clone(), kept["userCount"].clone()), (json!("3"), json!(2)));
    let split_id = split["id"].as_str().expect("id");
    let (_, tags) = server.get(&format!("/api/0/issues/{split_id}/tags/shard/"), &token).await;
    assert_eq!(tags["topValues"][0]["value"], "b", "{tags}");
    assert_eq!(tags["totalValues"], 2, "{tags}");
    let (_, details) = server.get(&format!("/api/0/issues/{split_id}/"), &token).await;
    assert_eq!(details["activity"][0]["type"], "unmerge_destination", "{details}");
    let (_, details) = server.get(&format!("/api/0/issues/{alpha}/"), &token).await;
    assert_eq!(details["activity"][0]["type"], "unmerge_source", "{details}");

    // The next beta event follows its hash to the new issue.
    send(&server, &url, "beta", "u5", "b").await;
    server
        .wait_for_issues(&token, |issues| {
            issues.iter().any(|i| i["count"] == "3" && i["title"] == "beta")
        })
        .await;

    // An issue keeps at least one hash.
    let (_, hashes) = server.get(&hashes_path, &token).await;
    let all: Vec<String> = hashes
        .as_array()
        .expect("hashes")
        .iter()
        .map(|h| format!("id={}", h["id"].as_str().expect("hash")))
        .collect();
    let path = format!("{hashes_path}?{}", all.join("&"));
    assert_eq!(delete(&server, &path, &token).await, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn issues_of_two_projects_are_not_merged() {
    let (server, token, url) = server_with_shop().await;
    let dsn = server.create_project(&token, "Blog").await;
    send(&server, &url, "shop error", "u1", "a").await;
    let dsn: sentry::types::Dsn = dsn.parse().expect("DSN");
    let blog_url =
        format!("{}/api/{}/store/?sentry_key={}", server.url, dsn.project_id(), dsn.public_key());
    send(&server, &blog_url, "blog error", "u1", "a").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let path = format!(
        "/api/0/organizations/cairn/issues/?id={}&id={}",
        id_of(&issues, "shop error"),
        id_of(&issues, "blog error")
    );
    let (status, body) = server.put(&path, &token, json!({"merge": true})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"], "Merging across multiple projects is not supported");

    // A project's issue list changes only that project's issues, whatever ids it is given.
    let (shop, blog) = (id_of(&issues, "shop error"), id_of(&issues, "blog error"));
    let path = format!("/api/0/projects/cairn/shop/issues/?id={shop}&id={blog}");
    let (status, body) = server.put(&path, &token, json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{body}");
    let (_, shop_issue) = server.get(&format!("/api/0/issues/{shop}/"), &token).await;
    let (_, blog_issue) = server.get(&format!("/api/0/issues/{blog}/"), &token).await;
    assert_eq!(
        (shop_issue["status"].as_str(), blog_issue["status"].as_str()),
        (Some("resolved"), Some("unresolved"))
    );
    let path = format!("/api/0/projects/cairn/nope/issues/?id={shop}");
    assert_eq!(server.put(&path, &token, json!({"status": "resolved"})).await.0, 404);
    assert_eq!(
        delete(&server, &format!("/api/0/projects/cairn/blog/issues/?id={shop}&id={blog}"), &token)
            .await,
        204
    );
    assert_eq!(server.get(&format!("/api/0/issues/{blog}/"), &token).await.0, 404);
    assert_eq!(server.get(&format!("/api/0/issues/{shop}/"), &token).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn assignment_seen_and_bookmarks_follow_the_caller() {
    let (server, token, url) = server_with_shop().await;
    send(&server, &url, "alpha", "u1", "a").await;
    send(&server, &url, "beta", "u1", "a").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let (alpha, beta) = (id_of(&issues, "alpha"), id_of(&issues, "beta"));
    assert!(issues.iter().all(|i| i["hasSeen"] == false && i["assignedTo"].is_null()));
    let path = format!("/api/0/organizations/cairn/issues/{alpha}/");

    // Opening an issue marks it seen for the caller; hasSeen: false undoes it.
    server.get(&path, &token).await;
    let issues = server.wait_for_issues(&token, |_| true).await;
    let listed = |issues: &[Value], id: &str, key: &str| -> Value {
        issues.iter().find(|i| i["id"] == id).map(|i| i[key].clone()).expect("listed")
    };
    assert_eq!(listed(&issues, &alpha, "hasSeen"), true);
    assert_eq!(listed(&issues, &beta, "hasSeen"), false);
    let (_, issue) = server.put(&path, &token, json!({"hasSeen": false})).await;
    assert_eq!(issue["hasSeen"], false, "{issue}");
    let issues = server.wait_for_issues(&token, |_| true).await;
    assert_eq!(listed(&issues, &alpha, "hasSeen"), false);

    // seenBy: the members who opened it, the most recent first; unseeing leaves the list.
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(emails(&issue["seenBy"]), ["owner@example.com"], "{issue}");
    let member = server.member_token("seer@example.com");
    let (status, issue) = server.get(&path, &member).await;
    assert_eq!(status, 200, "{issue}");
    assert_eq!(emails(&issue["seenBy"]), ["seer@example.com", "owner@example.com"]);
    assert!(issue["seenBy"][0]["lastSeen"].as_str().is_some_and(|t| t.ends_with('Z')), "{issue}");
    server.put(&path, &member, json!({"hasSeen": false})).await;
    let (_, issue) = server.get(&format!("/api/0/issues/{beta}/"), &token).await;
    assert_eq!(emails(&issue["seenBy"]), ["owner@example.com"], "another issue's list");
    let (_, issue) = server.get(&path, &token).await;
    assert_eq!(emails(&issue["seenBy"]), ["owner@example.com"], "{issue}");

    let (_, issue) = server.put(&path, &token, json!({"isBookmarked": true})).await;
    assert_eq!(issue["isBookmarked"], true, "{issue}");
    let issues = server.wait_for_issues(&token, |_| true).await;
    assert_eq!(listed(&issues, &alpha, "isBookmarked"), true);
    let (_, issue) = server.put(&path, &token, json!({"isBookmarked": false})).await;
    assert_eq!(issue["isBookmarked"], false);

    // assignedTo in every form Sentry takes.
    let (_, me) = server.get("/api/0/", &token).await;
    let my_id = me["user"]["id"].as_str().expect("user id").to_owned();
    for actor in [format!("user:{my_id}"), my_id.clone(), "OWNER@example.com".to_owned()] {
        server.put(&path, &token, json!({"assignedTo": null})).await;
        let (status, issue) = server.put(&path, &token, json!({"assignedTo": actor})).await;
        assert_eq!(status, 200, "{actor}: {issue}");
        assert_eq!(
            issue["assignedTo"],
            json!({"type": "user", "id": my_id, "name": issue["assignedTo"]["name"], "email": "owner@example.com"}),
            "{actor}"
        );
        assert_eq!(issue["activity"][0]["type"], "assigned");
        assert_eq!(issue["activity"][0]["data"]["assigneeType"], "user");
    }
    let (_, teams) = server.get("/api/0/organizations/cairn/teams/", &token).await;
    let team = teams[0]["id"].as_str().expect("team id").to_owned();
    let (_, issue) = server.put(&path, &token, json!({"assignedTo": format!("team:{team}")})).await;
    assert_eq!(issue["assignedTo"]["type"], "team", "{issue}");
    assert_eq!(issue["assignedTo"]["id"], team.as_str());
    for unknown in ["user:999999", "team:999999", "nobody@example.com", "user:abc"] {
        let (status, body) = server.put(&path, &token, json!({"assignedTo": unknown})).await;
        assert_eq!(status, 400, "{unknown}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| d.contains("assignedTo")), "{body}");
    }
    let (_, issue) = server.put(&path, &token, json!({"assignedTo": null})).await;
    assert_eq!(issue["assignedTo"], Value::Null);
    assert_eq!(issue["activity"][0]["type"], "unassigned");

    // Bulk: resolve and assign both, then delete both.
    let bulk = format!("/api/0/organizations/cairn/issues/?id={alpha}&id={beta}");
    let (status, body) = server
        .put(&bulk, &token, json!({"status": "resolved", "assignedTo": format!("user:{my_id}")}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "resolved");
    assert_eq!(body["assignedTo"]["id"], my_id.as_str());
    let (_, resolved) =
        server.get("/api/0/organizations/cairn/issues/?query=is:resolved", &token).await;
    let resolved = resolved.as_array().cloned().expect("list");
    assert_eq!(resolved.len(), 2);
    assert!(resolved.iter().all(|i| i["assignedTo"]["id"] == my_id.as_str()));
    let (status, body) = server.put(&bulk, &token, json!({"status": "sideways"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(delete(&server, &bulk, &token).await, 204);
    assert_eq!(server.get(&path, &token).await.0, 404);
    let (_, left) = server.get("/api/0/organizations/cairn/issues/?query=", &token).await;
    assert_eq!(left, json!([]));
}

/// The titles of the issues `query` finds, newest first.
async fn found(server: &TestServer, token: &str, query: &str) -> Vec<String> {
    let path = format!("/api/0/organizations/cairn/issues/?query={}", query.replace(' ', "+"));
    let (status, issues) = server.get(&path, token).await;
    assert_eq!(status, 200, "{issues}");
    let issues = issues.as_array().cloned().unwrap_or_default();
    issues.iter().map(|i| i["title"].as_str().unwrap_or_default().to_owned()).collect()
}

/// Sentry's "For Review" inbox: new issues are in it until marked reviewed, and a regression
/// or an escalation brings them back; `inbox: true` puts one back by hand.
#[tokio::test(flavor = "multi_thread")]
async fn marked_reviewed_issues_leave_for_review_until_they_regress_or_escalate() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    capture_message(&dsn, "shop@1.0", "alpha").await;
    capture_message(&dsn, "shop@1.0", "beta").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 2).await;
    let (alpha, beta) = (id_of(&issues, "alpha"), id_of(&issues, "beta"));
    let inbox = &issues[0]["inbox"];
    assert_eq!(inbox["reason"], 0, "new: {inbox}");
    assert_eq!(inbox["date_added"], issues[0]["firstSeen"], "{inbox}");
    assert_eq!(found(&server, &token, "is:for_review").await, ["beta", "alpha"]);

    // Marked reviewed in bulk: out of the inbox, in the activity with who did it.
    let bulk = format!("/api/0/organizations/cairn/issues/?id={alpha}");
    let (status, body) = server.put(&bulk, &token, json!({"inbox": false})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(found(&server, &token, "is:for_review").await, ["beta"]);
    assert_eq!(found(&server, &token, "!is:for_review").await, ["alpha"]);
    let alpha_path = format!("/api/0/issues/{alpha}/");
    let (_, issue) = server.get(&alpha_path, &token).await;
    assert_eq!(issue["inbox"], Value::Null, "{issue}");
    assert_eq!(issue["activity"][0]["type"], "mark_reviewed", "{issue}");
    assert_eq!(issue["activity"][0]["user"]["email"], "owner@example.com");

    // Resolved, then seen again: back for review as a regression.
    assert_eq!(server.put(&alpha_path, &token, json!({"status": "resolved"})).await.0, 200);
    capture_message(&dsn, "shop@1.0", "alpha").await;
    let (_, issue) = server.get(&alpha_path, &token).await;
    assert_eq!(issue["substatus"], "regressed", "{issue}");
    assert_eq!(issue["inbox"]["reason"], 2, "{issue}");
    assert_eq!(found(&server, &token, "is:for_review").await, ["alpha", "beta"]);

    // Reviewed and put back by hand on one issue; reviewing twice changes nothing.
    for _ in 0..2 {
        let (status, issue) = server.put(&alpha_path, &token, json!({"inbox": false})).await;
        assert_eq!((status, issue["inbox"].clone()), (200, Value::Null), "{issue}");
    }
    let (_, issue) = server.get(&alpha_path, &token).await;
    let reviews = issue["activity"]
        .as_array()
        .map(|a| a.iter().filter(|a| a["type"] == "mark_reviewed").count());
    assert_eq!(reviews, Some(2), "one per review that changed something: {issue}");
    let (_, issue) = server.put(&alpha_path, &token, json!({"inbox": true})).await;
    assert_eq!(issue["inbox"]["reason"], 2, "{issue}");

    // An ignored issue whose condition is met comes back escalating, for review again.
    let beta_path = format!("/api/0/issues/{beta}/");
    assert_eq!(server.put(&beta_path, &token, json!({"inbox": false})).await.0, 200);
    let ignore = json!({"status": "ignored", "statusDetails": {"ignoreCount": 1}});
    assert_eq!(server.put(&beta_path, &token, ignore).await.0, 200);
    assert_eq!(found(&server, &token, "is:for_review").await, ["alpha"]);
    capture_message(&dsn, "shop@1.0", "beta").await;
    let (_, issue) = server.get(&beta_path, &token).await;
    assert_eq!(issue["inbox"]["reason"], 5, "escalating: {issue}");

    let (status, refused) = server.put(&beta_path, &token, json!({"inbox": "no"})).await;
    assert_eq!(status, 400, "{refused}");

    // Sentry's "Date added" sort of the inbox: the latest to enter first (alpha, put back by
    // hand now, though beta was seen last), with its pages.
    for inbox in [false, true] {
        assert_eq!(server.put(&alpha_path, &token, json!({ "inbox": inbox })).await.0, 200);
    }
    assert_eq!(found(&server, &token, "is:for_review").await, ["beta", "alpha"], "by date");
    let by_inbox = "is:for_review&sort=inbox";
    assert_eq!(found(&server, &token, by_inbox).await, ["alpha", "beta"]);
    let (status, page) = server
        .get("/api/0/organizations/cairn/issues/?query=is:for_review&sort=inbox&limit=1", &token)
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page[0]["title"], "alpha");

    // A week after it entered the inbox, an issue leaves it (Sentry turns it "ongoing").
    let db = server.writable_database().await;
    let eight_days_ago = chrono::Utc::now().timestamp_millis() - 8 * 86_400_000;
    sqlx::query("UPDATE issues SET inbox_at = $1 WHERE id = $2")
        .bind(eight_days_ago)
        .bind(beta.parse::<i64>().expect("numeric id"))
        .execute(&db)
        .await
        .expect("writable");
    assert_eq!(found(&server, &token, "is:for_review").await, ["alpha"]);
    assert_eq!(server.get(&beta_path, &token).await.1["inbox"], Value::Null);
}

/// The emails of a list of users, in order.
fn emails(users: &Value) -> Vec<&str> {
    users.as_array().into_iter().flatten().filter_map(|u| u["email"].as_str()).collect()
}
