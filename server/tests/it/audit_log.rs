//! The organization's audit log: what the changes of members, teams, projects, keys, hooks and
//! issues record, and how managers read it.

use serde_json::{json, Value};

use crate::common::{capture_message, TestServer};
use crate::members::accept_path;

/// The log's entries, newest first, as `(event, actor's email or "", note)`.
async fn entries(server: &TestServer, token: &str, query: &str) -> Vec<(String, String, String)> {
    let (status, log) =
        server.get(&format!("/api/0/organizations/cairn/audit-logs/{query}"), token).await;
    assert_eq!(status, 200, "{log}");
    log["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
            (text(&row["event"]), text(&row["actor"]["email"]), text(&row["note"]))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_to_the_organization_are_recorded_for_its_managers() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let member = server.member_token("member@example.com");
    let own = |event: &str, note: &str| {
        (event.to_owned(), "owner@example.com".to_owned(), note.to_owned())
    };

    // A team, a project for it with a second key, a service hook, and an invitation.
    let (status, _) =
        server.post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "ops"})).await;
    assert_eq!(status, 201);
    let (status, _) =
        server.post("/api/0/teams/cairn/ops/projects/", &owner, json!({"name": "Web"})).await;
    assert_eq!(status, 201);
    let (status, key) =
        server.post("/api/0/projects/cairn/web/keys/", &owner, json!({"name": "Browser"})).await;
    assert_eq!(status, 201, "{key}");
    let key_path = format!("/api/0/projects/cairn/web/keys/{}/", key["id"].as_str().expect("id"));
    assert_eq!(server.put(&key_path, &owner, json!({"isActive": false})).await.0, 200);
    let (status, _) = server
        .put(
            "/api/0/projects/cairn/web/",
            &owner,
            json!({"name": "Web shop", "dataScrubber": true}),
        )
        .await;
    assert_eq!(status, 200);
    let hook = json!({"url": "http://127.0.0.1:9/hook", "events": ["event.created"]});
    let (status, hook) = server.post("/api/0/projects/cairn/web/hooks/", &owner, hook).await;
    assert_eq!(status, 201, "{hook}");
    let (status, invite) = server
        .post("/api/0/organizations/cairn/members/", &owner, json!({"email": "ann@example.com"}))
        .await;
    assert_eq!(status, 201, "{invite}");

    // An issue, deleted.
    let (public_key, project_id) = server.project_key(&owner, "web").await;
    let host = server.url.trim_start_matches("http://");
    let dsn = format!("http://{public_key}@{host}/{project_id}");
    capture_message(&dsn, "web@1.0.0", "Deleted soon").await;
    let issues = server.wait_for_issues(&owner, |issues| !issues.is_empty()).await;
    let short_id = issues[0]["shortId"].as_str().expect("short id").to_owned();
    let issue_path = format!("/api/0/issues/{}/", issues[0]["id"].as_str().expect("id"));
    assert_eq!(server.delete(&issue_path, &owner).await, 202);

    // Ann accepts with a new account: she is the actor of her joining.
    let accept = accept_path(invite["inviteLink"].as_str().expect("link"));
    let accepted = server
        .http
        .post(format!("{}{accept}", server.url))
        .json(&json!({"name": "Ann", "password": "correct horse battery"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(accepted.status().as_u16(), 200);

    let log = entries(&server, &owner, "").await;
    assert_eq!(
        log,
        [
            (
                "member.accept".into(),
                "ann@example.com".into(),
                "ann@example.com joined the organization".into()
            ),
            own("issue.delete", &format!("deleted issue {short_id}")),
            own("member.invite", "invited member ann@example.com"),
            own(
                "servicehook.create",
                "added the service hook to http://127.0.0.1:9/hook of project web"
            ),
            own("project.edit", "edited project web (dataScrubber, name)"),
            own("projectkey.edit", "edited the key \"Browser\" of project web"),
            own("projectkey.create", "created the key \"Browser\" of project web"),
            own("project.create", "created project web for team #ops"),
            own("team.create", "created team #ops"),
        ]
    );
    // Every entry says where it came from; the first, what it was about.
    let (_, page) = server.get("/api/0/organizations/cairn/audit-logs/", &owner).await;
    let rows = page["rows"].as_array().expect("rows");
    assert!(rows.iter().all(|row| row["ipAddress"] == "127.0.0.1"), "{page}");
    assert_eq!(rows[0]["targetUser"]["email"], "ann@example.com");
    assert_eq!(rows[8]["data"]["slug"], "ops");
    assert!(page["options"].as_array().expect("options").contains(&json!("issue.delete")));

    // One event; by one actor; a page at a time.
    assert_eq!(
        entries(&server, &owner, "?event=projectkey.create").await,
        [own("projectkey.create", "created the key \"Browser\" of project web")]
    );
    let ann = rows[0]["actor"]["id"].as_str().expect("Ann's id");
    assert_eq!(entries(&server, &owner, &format!("?actor={ann}")).await.len(), 1);
    let first = server
        .http
        .get(format!("{}/api/0/organizations/cairn/audit-logs/?per_page=5", server.url))
        .bearer_auth(&owner)
        .send()
        .await
        .expect("sent");
    let link = first.headers()["link"].to_str().expect("Link").to_owned();
    let next = link
        .split(", ")
        .find(|part| part.contains("rel=\"next\"") && part.contains("results=\"true\""))
        .and_then(|part| part.split("cursor=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("a next page");
    let second = entries(&server, &owner, &format!("?per_page=5&cursor={next}")).await;
    assert_eq!(second, log[5..]);
    let (status, body) =
        server.get("/api/0/organizations/cairn/audit-logs/?event=nonsense", &owner).await;
    assert_eq!(status, 400, "{body}");

    // Members do not see it.
    let (status, _) = server.get("/api/0/organizations/cairn/audit-logs/", &member).await;
    assert_eq!(status, 403);
}

/// Changes the name of team `ops` with `X-Forwarded-For: forwarded`; returns the address the
/// audit log keeps for it.
async fn address_of_a_change(server: &TestServer, token: &str, forwarded: &str) -> String {
    let response = server
        .http
        .put(format!("{}/api/0/teams/cairn/ops/", server.url))
        .bearer_auth(token)
        .header("X-Forwarded-For", forwarded)
        .json(&json!({"name": format!("Ops via {forwarded}")}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let (_, page) =
        server.get("/api/0/organizations/cairn/audit-logs/?event=team.edit", token).await;
    page["rows"][0]["ipAddress"].as_str().expect("an address").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_address_recorded_is_the_one_a_trusted_proxy_saw() {
    // The tests' requests come from 127.0.0.1, as through a reverse proxy on the same host,
    // which loopback is trusted as by default.
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let (status, _) =
        server.post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "ops"})).await;
    assert_eq!(status, 201);
    assert_eq!(address_of_a_change(&server, &owner, "198.51.100.7").await, "198.51.100.7");
    // An address the client put in the header itself, ahead of what the proxy saw, is not
    // believed; private hops between proxies are skipped.
    let spoofed = "203.0.113.9, 198.51.100.7, 10.0.0.2";
    assert_eq!(address_of_a_change(&server, &owner, spoofed).await, "198.51.100.7");

    // Without trusted proxies, the connection's own address.
    let direct = TestServer::start_with_env(&[("CAIRN_TRUSTED_PROXIES", "")]);
    let owner = direct.owner_token("owner@example.com", "correct horse battery");
    let (status, _) =
        direct.post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "ops"})).await;
    assert_eq!(status, 201);
    assert_eq!(address_of_a_change(&direct, &owner, "198.51.100.7").await, "127.0.0.1");

    // A setting that is not a list of addresses stops the server from starting.
    let output = std::process::Command::new(crate::common::CAIRN)
        .args(["serve", "--trusted-proxies", "proxy.example.com", "--bind", "127.0.0.1:0"])
        .output()
        .expect("cairn runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"proxy.example.com\" is not an IP address or a network"), "{stderr}");
}
