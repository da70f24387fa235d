//! Issues shared by a public link: a member shares an error the official `sentry` crate sent,
//! anyone reads the link without logging in (and sees no user, tags or breadcrumbs), the
//! organization turns sharing off and on, and unsharing ends the link.

use serde_json::{json, Value};

use crate::common::{send_error_with_breadcrumbs, TestServer};

/// `GET` without any credentials, as a browser given the link does.
async fn anonymous_get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}{path}", server.url)).await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_issue_is_read_by_its_link_alone_until_it_is_unshared() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "Shop").await;
    tokio::task::spawn_blocking(move || send_error_with_breadcrumbs(&dsn)).await.expect("SDK");
    let issues = server.wait_for_issues(&owner, |issues| issues.len() == 1).await;
    let id = issues[0]["id"].as_str().expect("issue id").to_owned();
    assert_eq!(issues[0]["isPublic"], false);
    assert_eq!(issues[0]["shareId"], Value::Null);

    // A member shares it; sharing again keeps the link.
    let member = server.member_token("member@example.com");
    let issue_path = format!("/api/0/issues/{id}/");
    let (status, shared) = server.put(&issue_path, &member, json!({"isPublic": true})).await;
    assert_eq!(status, 200, "{shared}");
    assert_eq!(shared["isPublic"], true);
    let share_id = shared["shareId"].as_str().expect("a share id").to_owned();
    assert_eq!(share_id.len(), 32);
    assert!(share_id.bytes().all(|b| b.is_ascii_hexdigit()), "{share_id}");
    let (_, again) = server.put(&issue_path, &member, json!({"isPublic": true})).await;
    assert_eq!(again["shareId"], share_id.as_str());
    let (status, bulk) = server
        .put(
            &format!("/api/0/organizations/cairn/issues/?id={id}"),
            &member,
            json!({"isPublic": true}),
        )
        .await;
    assert_eq!((status, &bulk["isPublic"]), (200, &json!(true)), "{bulk}");

    // Anyone with the link reads the error, and nothing about the people it happened to.
    let link = format!("/api/0/shared/issues/{share_id}/");
    let (status, public) = anonymous_get(&server, &link).await;
    assert_eq!(status, 200, "{public}");
    assert_eq!(public["isPublic"], true);
    assert_eq!(public["shareId"], share_id.as_str());
    assert_eq!(public["title"], issues[0]["title"]);
    assert_eq!(public["shortId"], issues[0]["shortId"]);
    assert_eq!(public["project"]["slug"], "shop");
    assert_eq!(public["project"]["organization"]["slug"], "cairn");
    let event = &public["latestEvent"];
    let kinds: Vec<&str> = event["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert!(kinds.contains(&"exception"), "{kinds:?}");
    assert!(!kinds.contains(&"breadcrumbs"), "{kinds:?}");
    assert_eq!(event["user"], Value::Null, "{event}");
    assert_eq!(event["tags"], json!([]));
    assert_eq!(event["contexts"], json!({}));
    assert_eq!(event["sdk"], Value::Null);
    // The member's view has them all.
    let (_, latest) = server.get(&format!("/api/0/issues/{id}/events/latest/"), &member).await;
    assert_eq!(latest["user"]["id"], "42", "{latest}");

    // The organization turns sharing off: the link stops working and nobody shares.
    let (status, body) = server
        .put("/api/0/organizations/cairn/", &owner, json!({"allowSharedIssues": false}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["allowSharedIssues"], false);
    assert_eq!(anonymous_get(&server, &link).await.0, 404);
    let (status, refused) = server.put(&issue_path, &member, json!({"isPublic": true})).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["detail"], "Sharing issues is turned off for this organization.");
    // On again, the link given before works again.
    let (status, _) =
        server.put("/api/0/organizations/cairn/", &owner, json!({"allowSharedIssues": true})).await;
    assert_eq!(status, 200);
    assert_eq!(anonymous_get(&server, &link).await.0, 200);

    // Unsharing ends the link; a new share is a new link.
    let (_, unshared) = server.put(&issue_path, &member, json!({"isPublic": false})).await;
    assert_eq!((&unshared["isPublic"], &unshared["shareId"]), (&json!(false), &Value::Null));
    let (status, gone) = anonymous_get(&server, &link).await;
    assert_eq!(status, 404, "{gone}");
    assert!(gone["detail"].is_string(), "{gone}");
    let (_, reshared) = server.put(&issue_path, &member, json!({"isPublic": true})).await;
    assert_ne!(reshared["shareId"], share_id.as_str());
    for bad in ["not-a-share-id", "0123456789abcdef0123456789abcdef"] {
        let (status, body) = anonymous_get(&server, &format!("/api/0/shared/issues/{bad}/")).await;
        assert_eq!(status, 404, "{bad}: {body}");
    }
}
