//! Issue ownership end to end: rules and CODEOWNERS through the API, events from the official
//! `sentry` crate, owners and automatic assignment on new and regressed issues, and the
//! searches that find them.

use std::time::Duration;

use sentry::protocol::{Event, Exception, Frame, Stacktrace};
use serde_json::{json, Value};

use crate::common::{sentry_hub, TestServer};

const OWNER: &str = "owner@example.com";
const PASSWORD: &str = "correct horse battery";

/// A server with a `billing` team, a member `dev` in it, a member `other` who is not, and a
/// project `shop`. Returns the server, the owner's token, dev's, other's, the DSN and the
/// billing team's id.
pub(crate) async fn setup() -> (TestServer, String, String, String, String, String) {
    let server = TestServer::start();
    let owner = server.owner_token(OWNER, PASSWORD);
    let mut tokens = Vec::new();
    for email in ["dev@example.com", "other@example.com"] {
        let args = ["createuser", "--email", email, "--password", PASSWORD];
        server.cli(&[&args[..], &["--organization", "cairn", "--role", "member"]].concat());
        tokens.push(server.cli(&["createtoken", "--email", email]).trim().to_owned());
    }
    let (status, team) =
        server.post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "billing"})).await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["id"].as_str().expect("team id").to_owned();
    let (status, body) = server
        .post("/api/0/organizations/cairn/members/me/teams/billing/", &tokens[0], json!({}))
        .await;
    assert!(status == 201 || status == 204 || status == 200, "dev joins billing: {status} {body}");
    let dsn = server.create_project(&owner, "Shop").await;
    let other = tokens.pop().expect("other's token");
    let dev = tokens.pop().expect("dev's token");
    (server, owner, dev, other, dsn, team_id)
}

/// Sends, with the official SDK, an error whose innermost in-app frame is `path`.
pub(crate) async fn send_error(dsn: &str, path: &str, message: &str) -> String {
    let (dsn, path, message) = (dsn.to_owned(), path.to_owned(), message.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, "shop@1.0.0");
        let frame = |filename: &str, function: &str| Frame {
            filename: Some(filename.to_owned()),
            function: Some(function.to_owned()),
            in_app: Some(true),
            ..Default::default()
        };
        let event = Event {
            exception: vec![Exception {
                ty: "ChargeError".into(),
                value: Some(message.clone()),
                stacktrace: Some(Stacktrace {
                    frames: vec![frame("src/main.rs", "main"), frame(&path, "charge")],
                    ..Default::default()
                }),
                ..Default::default()
            }]
            .into(),
            fingerprint: vec![message.into()].into(),
            ..Default::default()
        };
        let id = hub.capture_event(event);
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
        id.simple().to_string()
    })
    .await
    .expect("SDK thread")
}

/// Polls the organization's issue list (any status) with `query` as `token` until `pred`
/// holds.
async fn search(server: &TestServer, token: &str, query: &str) -> Vec<Value> {
    let path = format!(
        "/api/0/organizations/cairn/issues/?expand=owners&query={}",
        form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    );
    let (status, issues) = server.get(&path, token).await;
    assert_eq!(status, 200, "{query}: {issues}");
    issues.as_array().cloned().unwrap_or_default()
}

async fn wait_until(
    server: &TestServer,
    token: &str,
    query: &str,
    pred: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..100 {
        let issues = search(server, token, query).await;
        if pred(&issues) {
            return issues;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{query}: never as expected; last {:#?}", search(server, token, query).await);
}

fn titles(issues: &[Value]) -> Vec<&str> {
    issues.iter().filter_map(|i| i["title"].as_str()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_owned_path_auto_assigns_new_and_regressed_issues_to_the_team() {
    let (server, owner, dev, other, dsn, billing) = setup().await;
    let rules = "# money\npath:src/billing/** #billing\nurl:*/admin/* other@example.com\n";
    let (status, body) = server
        .put(
            "/api/0/projects/cairn/shop/ownership/",
            &owner,
            json!({"raw": rules, "autoAssignment": "Auto Assign to Issue Owner"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // A new issue whose in-app frame is under the team's path: assigned to the team.
    let event_id = send_error(&dsn, "src/billing/invoice.rs", "card declined").await;
    let issues = wait_until(&server, &owner, "is:unresolved", |issues| issues.len() == 1).await;
    let issue = &issues[0];
    assert_eq!(issue["assignedTo"]["type"], "team", "{issue:#}");
    assert_eq!(issue["assignedTo"]["id"], billing.as_str());
    assert_eq!(issue["assignedTo"]["name"], "billing");
    assert_eq!(issue["owners"][0]["type"], "ownershipRule", "{issue:#}");
    assert_eq!(issue["owners"][0]["owner"], format!("team:{billing}"));
    assert_eq!(issue["owners"][0]["rule"], "path:src/billing/** #billing");
    assert_eq!(issue["owners"][0]["matched"]["value"], "src/billing/invoice.rs");
    assert!(issue["owners"][0]["date_added"].is_string());
    let id = issue["id"].as_str().expect("id").to_owned();

    // Sentry's activity entry for an automatic assignment.
    let (status, details) = server.get(&format!("/api/0/issues/{id}/"), &owner).await;
    assert_eq!(status, 200);
    let assigned: Vec<&Value> = details["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .filter(|a| a["type"] == "assigned")
        .collect();
    assert_eq!(assigned.len(), 1, "{details:#}");
    assert_eq!(
        assigned[0]["data"],
        json!({"assignee": billing, "assigneeType": "team", "integration": "projectOwnership",
               "rule": "path:src/billing/** #billing"})
    );
    assert!(assigned[0]["user"].is_null(), "Cairn assigned it, not a person");

    // The team's member finds it by team and by "my teams"; someone outside the team does not.
    assert_eq!(
        titles(&search(&server, &dev, "assigned:#billing").await),
        ["ChargeError: card declined"]
    );
    assert_eq!(titles(&search(&server, &dev, "assigned:my_teams").await).len(), 1);
    assert!(search(&server, &other, "assigned:my_teams").await.is_empty());
    assert!(search(&server, &dev, "assigned:me").await.is_empty());

    // Why: the event's owners, with the rule and the frame it matched.
    let (status, owners) =
        server.get(&format!("/api/0/projects/cairn/shop/events/{event_id}/owners/"), &dev).await;
    assert_eq!(status, 200, "{owners}");
    assert_eq!(owners["owners"], json!([{"type": "team", "id": billing, "name": "billing"}]));
    assert_eq!(owners["rule"], json!({"type": "path", "pattern": "src/billing/**"}));
    assert_eq!(owners["reason"]["rule"], "path:src/billing/** #billing");
    assert_eq!(
        owners["reason"]["matched"],
        json!({"field": "filename", "value": "src/billing/invoice.rs"})
    );
    assert_eq!(owners["fallthrough"], false);

    // With auto-assignment off, a new issue gets its owners but no assignee: it is
    // "suggested" to the team, which `assigned_or_suggested` finds and `assigned` does not.
    let (status, body) = server
        .put(
            "/api/0/projects/cairn/shop/ownership/",
            &owner,
            json!({"autoAssignment": "Turn off Auto-Assignment"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["raw"], rules, "fields left out keep their value");
    send_error(&dsn, "src/billing/refund.rs", "refund failed").await;
    let issues = wait_until(&server, &owner, "is:unresolved", |issues| issues.len() == 2).await;
    let refund =
        issues.iter().find(|i| i["title"] == "ChargeError: refund failed").expect("listed");
    assert!(refund["assignedTo"].is_null(), "{refund:#}");
    assert_eq!(refund["owners"][0]["owner"], format!("team:{billing}"));
    let refund_id = refund["id"].as_str().expect("id").to_owned();
    assert_eq!(search(&server, &dev, "assigned:my_teams").await.len(), 1);
    let suggested = search(&server, &dev, "assigned_or_suggested:my_teams").await;
    assert_eq!(titles(&suggested).len(), 2, "assigned or suggested: {suggested:#?}");
    assert_eq!(search(&server, &dev, "assigned_or_suggested:#billing").await.len(), 2);
    assert!(search(&server, &other, "assigned_or_suggested:my_teams").await.is_empty());
    assert!(search(&server, &dev, "assigned_or_suggested:none").await.is_empty());

    // Auto-assignment back on, the unassigned issue resolved: its regression is assigned.
    let (status, _) = server
        .put(
            "/api/0/projects/cairn/shop/ownership/",
            &owner,
            json!({"autoAssignment": "Auto Assign to Issue Owner"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = server
        .put(&format!("/api/0/issues/{refund_id}/"), &owner, json!({"status": "resolved"}))
        .await;
    assert_eq!(status, 200, "{body}");
    send_error(&dsn, "src/billing/refund.rs", "refund failed").await;
    let issues = wait_until(&server, &owner, "is:unresolved", |issues| {
        issues.iter().any(|i| i["id"] == refund_id.as_str() && !i["assignedTo"].is_null())
    })
    .await;
    let refund = issues.iter().find(|i| i["id"] == refund_id.as_str()).expect("listed");
    assert_eq!(refund["substatus"], "regressed", "{refund:#}");
    assert_eq!(refund["assignedTo"]["id"], billing.as_str());
    let (_, details) = server.get(&format!("/api/0/issues/{refund_id}/"), &owner).await;
    let kinds: Vec<&str> = details["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .filter_map(|a| a["type"].as_str())
        .collect();
    assert_eq!(&kinds[..2], ["assigned", "set_regression"], "{details:#}");
    assert_eq!(details["activity"][0]["data"]["integration"], "projectOwnership");
    assert_eq!(search(&server, &dev, "assigned:my_teams").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn ownership_settings_are_validated_and_kept() {
    let (server, owner, dev, _other, _dsn, billing) = setup().await;
    let path = "/api/0/projects/cairn/shop/ownership/";

    // Sentry's defaults before anything is saved.
    let (status, body) = server.get(path, &dev).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["raw"], Value::Null);
    assert_eq!(body["fallthrough"], true);
    assert_eq!(body["autoAssignment"], "Auto Assign to Issue Owner");
    assert_eq!(body["isActive"], true);
    assert_eq!(body["dateCreated"], Value::Null);

    // A member may read but not write (project:write).
    let (status, body) = server.put(path, &dev, json!({"fallthrough": false})).await;
    assert_eq!(status, 403, "{body}");

    // The line at fault, Sentry-style.
    let (status, body) =
        server.put(path, &owner, json!({"raw": "# c\npath:src/* #billing\nfile:x #billing"})).await;
    assert_eq!(status, 400, "{body}");
    let error = body["raw"][0].as_str().expect("raw error");
    assert!(error.starts_with("Parse error:") && error.ends_with("(line 3)"), "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("line 3")), "{body}");
    let (status, body) = server.put(path, &owner, json!({"raw": "path:src/*"})).await;
    assert_eq!(status, 400, "a rule needs an owner: {body}");

    // Unknown owners, named.
    let (status, body) = server
        .put(path, &owner, json!({"raw": "path:src/* #billing #ghosts nobody@example.com"}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["raw"], json!(["Invalid rule owners: #ghosts, nobody@example.com"]));

    let (status, body) = server.put(path, &owner, json!({"autoAssignment": "Always"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["autoAssignment"][0].is_string(), "{body}");
    let (status, body) = server.put(path, &owner, json!({"fallthrough": "yes"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].is_string());

    // Nothing was saved by the refusals.
    let (_, body) = server.get(path, &owner).await;
    assert_eq!(body["raw"], Value::Null);

    let raw = "path:src/billing/** #billing dev@example.com\ntags.server:web-* #billing";
    let (status, body) = server
        .put(
            path,
            &owner,
            json!({"raw": raw, "fallthrough": false,
            "autoAssignment": "Auto Assign to Suspect Commits", "codeownersAutoSync": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = server.get(path, &dev).await;
    assert_eq!(body["raw"], raw);
    assert_eq!(body["fallthrough"], false);
    assert_eq!(body["autoAssignment"], "Auto Assign to Suspect Commits");
    assert_eq!(body["codeownersAutoSync"], false);
    assert!(body["dateCreated"].is_string() && body["lastUpdated"].is_string(), "{body}");
    assert_eq!(body["schema"]["$version"], 1);
    let first = &body["schema"]["rules"][0];
    assert_eq!(first["matcher"], json!({"type": "path", "pattern": "src/billing/**"}));
    assert_eq!(first["owners"][0]["type"], "team");
    assert_eq!(first["owners"][0]["id"].to_string(), billing);
    assert_eq!(first["owners"][1]["name"], "dev@example.com");
    assert_eq!(body["schema"]["rules"][1]["matcher"]["type"], "tags.server");

    // Empty rules clear the schema.
    let (status, body) = server.put(path, &owner, json!({"raw": ""})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schema"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn codeowners_import_reports_unmapped_handles_and_ownership_rules_win() {
    let (server, owner, dev, _other, dsn, billing) = setup().await;
    let path = "/api/0/projects/cairn/shop/codeowners/";
    let file = "# Shop\n*            @acme/everyone\n/src/billing/  @acme/billing @octocat\n\
                /src/web/  dev@example.com ghost@example.com\n/docs/  @acme/writers\n";
    let mapping = json!({"@acme/billing": "#billing", "@acme/writers": "#writers"});

    let (status, body) = server.post(path, &dev, json!({"raw": file})).await;
    assert_eq!(status, 403, "members may not import: {body}");
    let (status, body) =
        server.post(path, &owner, json!({"raw": "!/src/ @acme/billing", "mapping": mapping})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["raw"][0].as_str().is_some_and(|e| e.ends_with("(line 1)")), "{body}");

    let (status, body) = server.post(path, &owner, json!({"raw": file, "mapping": mapping})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["errors"]["missing_external_users"], json!(["@octocat"]));
    assert_eq!(
        body["errors"]["missing_external_teams"],
        json!(["@acme/everyone", "@acme/writers"])
    );
    assert_eq!(body["errors"]["missing_user_emails"], json!(["ghost@example.com"]));
    let rules: Vec<&str> = body["schema"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["matcher"]["pattern"].as_str())
        .collect();
    assert_eq!(rules, ["/src/billing/", "/src/web/"], "lines without a mapped owner are left out");
    assert_eq!(body["schema"]["rules"][0]["matcher"]["type"], "codeowners");

    let (status, list) = server.get(path, &dev).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["raw"], file);

    // A CODEOWNERS path assigns the issue to its owner (auto-assignment is on by default)...
    let event = send_error(&dsn, "src/web/checkout.rs", "web broke").await;
    let issues = wait_until(&server, &owner, "", |issues| issues.len() == 1).await;
    assert_eq!(issues[0]["assignedTo"]["email"], "dev@example.com", "{:#}", issues[0]);
    assert_eq!(issues[0]["owners"][0]["type"], "codeowners");
    let (_, owners) =
        server.get(&format!("/api/0/projects/cairn/shop/events/{event}/owners/"), &dev).await;
    assert_eq!(owners["reason"]["type"], "codeowners", "{owners}");
    assert_eq!(owners["reason"]["rule"], "codeowners:/src/web/ dev@example.com");

    // ...and an ownership rule that matches the same event overrides the code owners.
    let (status, body) = server
        .put(
            "/api/0/projects/cairn/shop/ownership/",
            &owner,
            json!({"raw": "path:src/web/* #billing"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, owners) =
        server.get(&format!("/api/0/projects/cairn/shop/events/{event}/owners/"), &dev).await;
    assert_eq!(owners["reason"]["type"], "ownershipRule", "{owners}");
    assert_eq!(owners["owners"][0], json!({"type": "team", "id": billing, "name": "billing"}));
    assert_eq!(owners["owners"][1]["name"], "dev@example.com", "every matching rule's owners");
    assert_eq!(owners["rules"].as_array().map(Vec::len), Some(2));

    // An event no rule matches: nobody owns it; fallthrough (on by default) is reported.
    let event = send_error(&dsn, "lib/other.rs", "elsewhere").await;
    wait_until(&server, &owner, "", |issues| issues.len() == 2).await;
    let (_, owners) =
        server.get(&format!("/api/0/projects/cairn/shop/events/{event}/owners/"), &dev).await;
    assert_eq!(owners["owners"], json!([]), "{owners}");
    assert_eq!(owners["rule"], Value::Null);
    assert_eq!(owners["fallthrough"], true);
    // The issue keeps Sentry's "everyone owns it" as its fallthrough flag; nobody is assigned.
    let issues = search(&server, &owner, "").await;
    let elsewhere = issues.iter().find(|i| i["title"] == "ChargeError: elsewhere").expect("listed");
    assert!(elsewhere["assignedTo"].is_null());
    assert_eq!(elsewhere["owners"], json!([]));
    let pool = server.database().await;
    let flags: Vec<(String, bool)> =
        sqlx::query_as("SELECT title, owners_fallthrough FROM issues ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("issues");
    assert_eq!(
        flags,
        [("ChargeError: web broke".to_owned(), false), ("ChargeError: elsewhere".to_owned(), true)]
    );
    let (status, _) = server
        .get("/api/0/projects/cairn/shop/events/0123456789abcdef0123456789abcdef/owners/", &dev)
        .await;
    assert_eq!(status, 404);
}

/// Gives release `shop@1.0.0` (the one [`send_error`] reports) commits that touch `path`: one
/// by dev (a member), one by someone without an account.
async fn commit_to(server: &TestServer, owner: &str, path: &str, shas: (char, char)) {
    let (status, body) = server
        .post(
            "/api/0/organizations/cairn/releases/",
            owner,
            json!({"version": "shop@1.0.0", "projects": ["shop"]}),
        )
        .await;
    assert!(status == 201 || status == 208, "{body}");
    let touch = json!([{"path": path, "type": "M"}]);
    let (status, body) = server
        .put(
            "/api/0/organizations/cairn/releases/shop%401.0.0/",
            owner,
            json!({"commits": [
                {"id": shas.0.to_string().repeat(40), "repository": "acme/shop",
                 "author_email": "Dev@Example.com", "author_name": "Dev", "patch_set": touch},
                {"id": shas.1.to_string().repeat(40), "repository": "acme/shop",
                 "author_email": "contractor@example.net", "patch_set": touch},
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn suspect_commit_authors_are_suggested_and_auto_assigned() {
    let (server, owner, dev, other, dsn, billing) = setup().await;
    let (status, members) = server.get("/api/0/organizations/cairn/members/", &owner).await;
    assert_eq!(status, 200, "{members}");
    let dev_id = members
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["email"] == "dev@example.com")
        .and_then(|m| m["user"]["id"].as_str())
        .expect("dev's user id")
        .to_owned();

    // No rules, default settings: dev wrote the suspect commit, so the new issue is suggested
    // to dev ("Suggested for me"), not assigned, and nobody else sees it there.
    commit_to(&server, &owner, "src/billing/charge.rs", ('a', 'b')).await;
    send_error(&dsn, "src/billing/charge.rs", "card declined").await;
    let suggested = wait_until(&server, &dev, "assigned_or_suggested:me", |i| i.len() == 1).await;
    let issue = &suggested[0];
    assert!(issue["assignedTo"].is_null(), "{issue:#}");
    assert_eq!(
        issue["owners"],
        json!([{"type": "suspectCommit", "owner": format!("user:{dev_id}"),
                "date_added": issue["owners"][0]["date_added"]}]),
        "only the member author: {issue:#}"
    );
    assert!(issue["owners"][0]["date_added"].is_string());
    assert!(search(&server, &dev, "assigned:me").await.is_empty());
    assert!(search(&server, &other, "assigned_or_suggested:me").await.is_empty());
    let id = issue["id"].as_str().expect("id").to_owned();
    // The issue's own page asks for them too.
    let (status, details) = server.get(&format!("/api/0/issues/{id}/?expand=owners"), &dev).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["owners"], issue["owners"]);
    let (_, details) = server.get(&format!("/api/0/organizations/cairn/issues/{id}/"), &dev).await;
    assert!(details.get("owners").is_none_or(Value::is_null), "not asked for: {details:#}");

    // "Auto Assign to Suspect Commits" with a rule owning the path: the rule's team is assigned
    // when the issue opens, then the suspect commit's author replaces that automatic choice.
    let (status, body) = server
        .put(
            "/api/0/projects/cairn/shop/ownership/",
            &owner,
            json!({"raw": "path:src/billing/** #billing",
                   "autoAssignment": "Auto Assign to Suspect Commits"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    commit_to(&server, &owner, "src/billing/refund.rs", ('c', 'd')).await;
    send_error(&dsn, "src/billing/refund.rs", "refund failed").await;
    let mine = wait_until(&server, &dev, "assigned:me", |i| i.len() == 1).await;
    assert_eq!(mine[0]["title"], "ChargeError: refund failed");
    assert_eq!(mine[0]["assignedTo"]["id"], dev_id.as_str());
    let kinds: Vec<&str> = mine[0]["owners"]
        .as_array()
        .expect("owners")
        .iter()
        .filter_map(|o| o["type"].as_str())
        .collect();
    assert_eq!(kinds, ["ownershipRule", "suspectCommit"], "{:#}", mine[0]);
    let refund_id = mine[0]["id"].as_str().expect("id").to_owned();
    let (_, details) = server.get(&format!("/api/0/issues/{refund_id}/"), &owner).await;
    let assigned: Vec<&Value> = details["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .filter(|a| a["type"] == "assigned")
        .collect();
    assert_eq!(assigned.len(), 2, "the team, then dev: {details:#}");
    assert_eq!(assigned[0]["data"]["integration"], "suspectCommitter", "{details:#}");
    assert_eq!(assigned[0]["data"]["assignee"], dev_id.as_str());
    assert_eq!(assigned[1]["data"]["assignee"], billing.as_str());
    assert!(assigned.iter().all(|a| a["user"].is_null()), "Cairn assigned it both times");
    // Dev hears of it (and heard of the team's assignment before, as a member of billing).
    let (status, inbox) = server.get("/api/0/users/me/notifications/", &dev).await;
    assert_eq!(status, 200, "{inbox}");
    let heard: Vec<&Value> = inbox
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["issue"]["id"] == refund_id.as_str() && n["type"] == "assigned")
        .collect();
    assert_eq!(heard.len(), 2, "{inbox:#}");
    assert_eq!(heard[0]["activity"]["data"]["integration"], "suspectCommitter", "{inbox:#}");
}

/// Sentry's `codeMappingId` on a CODEOWNERS import: the file's repository paths are read
/// through the mapping's roots, so that they match the paths the frames have.
#[tokio::test(flavor = "multi_thread")]
async fn codeowners_imported_through_a_code_mapping_match_stack_trace_paths() {
    let (server, owner, dev, _other, dsn, _billing) = setup().await;
    let (_, repo) = server
        .post("/api/0/organizations/cairn/repos/", &owner, json!({"name": "acme/shop"}))
        .await;
    let (status, mapping) = server
        .post(
            "/api/0/organizations/cairn/code-mappings/",
            &owner,
            json!({"projectId": "shop", "repositoryId": repo["id"], "stackRoot": "web/",
                "sourceRoot": "services/shop/src/web/"}),
        )
        .await;
    assert_eq!(status, 201, "{mapping}");
    let path = "/api/0/projects/cairn/shop/codeowners/";
    let file = "/services/shop/src/web/ dev@example.com\n*.md owner@example.com\n";
    let (status, body) =
        server.post(path, &owner, json!({"raw": file, "codeMappingId": 999_999})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["codeMappingId"][0].as_str().is_some(), "{body}");
    let (status, body) =
        server.post(path, &owner, json!({"raw": file, "codeMappingId": mapping["id"]})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["codeMappingId"], mapping["id"]);
    let patterns: Vec<&str> = body["schema"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["matcher"]["pattern"].as_str())
        .collect();
    assert_eq!(patterns, ["/web/", "*.md"], "the repository path under the stack root");

    // A frame under the stack root is owned by the file's owner of the repository path.
    let event = send_error(&dsn, "web/checkout.rs", "web broke").await;
    wait_until(&server, &owner, "", |issues| issues.len() == 1).await;
    let (_, owners) =
        server.get(&format!("/api/0/projects/cairn/shop/events/{event}/owners/"), &dev).await;
    assert_eq!(owners["reason"]["rule"], "codeowners:/web/ dev@example.com", "{owners}");
    assert_eq!(owners["owners"][0]["name"], "dev@example.com");
}
