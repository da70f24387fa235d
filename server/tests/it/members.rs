//! The accounts part of the Web API: members and roles, invitations by link, teams, DSN keys,
//! login throttling, and that none of it crosses organizations.

use serde_json::{json, Value};

use crate::common::TestServer;

const PASSWORD: &str = "correct horse battery";

/// A request with a session cookie (or anonymous with `None`); returns status, headers and
/// JSON body.
async fn with_cookie(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    cookie: Option<&str>,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = server.http.request(method, format!("{}{path}", server.url));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap_or(Value::Null))
}

/// `DELETE` with a bearer token.
async fn delete(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    let response = server
        .http
        .delete(format!("{}{path}", server.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The `cairn_session=...` pair of a `Set-Cookie` header.
fn session_of(headers: &reqwest::header::HeaderMap) -> String {
    let set_cookie =
        headers.get("set-cookie").and_then(|v| v.to_str().ok()).expect("a session cookie is set");
    set_cookie.split(';').next().expect("cookie pair").to_owned()
}

/// The path of an invitation link's API twin: `/api/0/accept-invite/{id}/{token}/`.
pub(crate) fn accept_path(invite_link: &str) -> String {
    let rest = invite_link.split("/accept/").nth(1).expect("an /accept/ link");
    format!("/api/0/accept-invite/{rest}")
}

/// A user who is a member (role `member`) of the default organization, via `cairn createuser`,
/// with an API token carrying every scope their role allows.
fn member_token(server: &TestServer, email: &str) -> String {
    server.cli(&["createuser", "--email", email, "--password", PASSWORD]);
    server.cli(&["createtoken", "--email", email]).trim().to_owned()
}

/// The member id of `email` in the default organization.
pub(crate) async fn member_id(server: &TestServer, token: &str, email: &str) -> String {
    let (status, members) = server.get("/api/0/organizations/cairn/members/", token).await;
    assert_eq!(status, 200, "{members}");
    members
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["email"] == email)
        .and_then(|m| m["id"].as_str())
        .unwrap_or_else(|| panic!("{email} in {members:#}"))
        .to_owned()
}

/// Runs SQL against the server's database, as an operator with `sqlite3` would: for what the
/// API cannot do (a second organization; time passing for an invitation).
async fn sql(server: &TestServer, statements: &[&str]) {
    use sqlx::ConnectOptions;
    let path = server.data_dir.path().join("cairn.db");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(std::time::Duration::from_secs(10))
        .connect()
        .await
        .expect("database opens");
    for statement in statements {
        sqlx::query(statement).execute(&mut conn).await.expect("statement runs");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invitation_link_creates_an_account_once() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);

    let (status, invite) = server
        .post(
            "/api/0/organizations/cairn/members/",
            &owner,
            json!({"email": "Ann@Example.com", "orgRole": "admin", "teams": ["cairn"]}),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    assert_eq!(invite["email"], "ann@example.com");
    assert_eq!(invite["orgRole"], "admin");
    assert_eq!(invite["role"], "admin");
    assert_eq!(invite["pending"], true);
    assert_eq!(invite["expired"], false);
    assert_eq!(invite["user"], Value::Null);
    assert_eq!(invite["teams"], json!(["cairn"]));
    let link = invite["inviteLink"].as_str().expect("inviteLink").to_owned();
    assert!(link.starts_with(&format!("{}/accept/", server.url)), "{link}");
    assert_eq!(invite["inviteEmailed"], false, "no mail server: the link is only answered");
    let accept = accept_path(&link);

    // The link is shown once: listings never carry it.
    let (_, members) = server.get("/api/0/organizations/cairn/members/", &owner).await;
    let listed = members.as_array().expect("members");
    assert_eq!(listed.len(), 2, "{members}");
    assert!(listed.iter().all(|m| m.get("inviteLink").is_none()), "{members}");
    // Inviting the same address again is a conflict.
    let (status, _) = server
        .post("/api/0/organizations/cairn/members/", &owner, json!({"email": "ann@example.com"}))
        .await;
    assert_eq!(status, 409);

    let (status, _, details) =
        with_cookie(&server, reqwest::Method::GET, &accept, None, None).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["orgSlug"], "cairn");
    assert_eq!(details["email"], "ann@example.com");
    assert_eq!(details["needsAccount"], true);
    assert_eq!(details["needsAuthentication"], true);

    // A wrong secret is refused, and so is a short password.
    let wrong = format!("{}0/", accept.trim_end_matches('/'));
    let (status, _, body) = with_cookie(
        &server,
        reqwest::Method::POST,
        &wrong,
        None,
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body["detail"].is_string());
    let (status, _, _) = with_cookie(
        &server,
        reqwest::Method::POST,
        &accept,
        None,
        Some(json!({"password": "short"})),
    )
    .await;
    assert_eq!(status, 400);

    let (status, headers, member) = with_cookie(
        &server,
        reqwest::Method::POST,
        &accept,
        None,
        Some(json!({"name": "Ann", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{member}");
    assert_eq!(member["pending"], false);
    assert_eq!(member["user"]["email"], "ann@example.com");
    assert_eq!(member["name"], "Ann");
    assert_eq!(member["teams"], json!(["cairn"]));
    let cookie = session_of(&headers);
    let (status, _, me) =
        with_cookie(&server, reqwest::Method::GET, "/api/0/", Some(&cookie), None).await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["email"], "ann@example.com");

    // The link works once.
    let (status, _, body) = with_cookie(
        &server,
        reqwest::Method::POST,
        &accept,
        None,
        Some(json!({"password": "another password"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _, _) = with_cookie(&server, reqwest::Method::GET, &accept, None, None).await;
    assert_eq!(status, 404);

    // The new member logs in with the password and sees the organization.
    let (status, headers, _) = with_cookie(
        &server,
        reqwest::Method::POST,
        "/api/0/auth/login/",
        None,
        Some(json!({"username": "ann@example.com", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200);
    let cookie = session_of(&headers);
    let (status, _, orgs) =
        with_cookie(&server, reqwest::Method::GET, "/api/0/organizations/", Some(&cookie), None)
            .await;
    assert_eq!(status, 200);
    assert_eq!(orgs[0]["slug"], "cairn", "{orgs}");
    let (status, _, me) = with_cookie(
        &server,
        reqwest::Method::GET,
        "/api/0/organizations/cairn/members/me/",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["orgRole"], "admin");

    // An expired invitation is refused, and says so.
    let (_, invite) = server
        .post("/api/0/organizations/cairn/members/", &owner, json!({"email": "bob@example.com"}))
        .await;
    let accept = accept_path(invite["inviteLink"].as_str().expect("inviteLink"));
    sql(
        &server,
        &["UPDATE organization_members SET invite_expires = 1 WHERE email = 'bob@example.com'"],
    )
    .await;
    let (status, _, body) = with_cookie(
        &server,
        reqwest::Method::POST,
        &accept,
        None,
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().expect("detail").contains("expired"));
    let (_, members) = server.get("/api/0/organizations/cairn/members/", &owner).await;
    let bob = members.as_array().expect("members").iter().find(|m| m["email"] == "bob@example.com");
    assert_eq!(bob.expect("bob is listed")["expired"], true);
    // A new link for the same invitation works; the old one stays dead.
    let id = invite["id"].as_str().expect("id");
    let (status, renewed) = server
        .put(
            &format!("/api/0/organizations/cairn/members/{id}/"),
            &owner,
            json!({"regenerate": true}),
        )
        .await;
    assert_eq!(status, 200, "{renewed}");
    let renewed = accept_path(renewed["inviteLink"].as_str().expect("inviteLink"));
    assert_ne!(renewed, accept);
    let (status, _, _) = with_cookie(
        &server,
        reqwest::Method::POST,
        &renewed,
        None,
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_user_accepts_while_logged_in() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let carl = member_token(&server, "carl@example.com");
    let id = member_id(&server, &owner, "carl@example.com").await;
    let (status, _) =
        delete(&server, &format!("/api/0/organizations/cairn/members/{id}/"), &owner).await;
    assert_eq!(status, 204);
    let (status, _) = server.get("/api/0/organizations/cairn/issues/", &carl).await;
    assert_eq!(status, 403);

    let (_, invite) = server
        .post("/api/0/organizations/cairn/members/", &owner, json!({"email": "carl@example.com"}))
        .await;
    let accept = accept_path(invite["inviteLink"].as_str().expect("inviteLink"));
    // Anonymously, with a password, it would create a second account for an address that has
    // one: refused.
    let (status, _, _) = with_cookie(
        &server,
        reqwest::Method::POST,
        &accept,
        None,
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, details) = server.get(&accept, &carl).await;
    assert_eq!(status, 200);
    assert_eq!(details["needsAccount"], false);
    assert_eq!(details["existingMember"], false);
    let (status, member) = server.post(&accept, &carl, json!({})).await;
    assert_eq!(status, 200, "{member}");
    assert_eq!(member["user"]["email"], "carl@example.com");
    let (status, _) = server.get("/api/0/organizations/cairn/issues/", &carl).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_limit_who_invites_promotes_and_removes() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let member = member_token(&server, "member@example.com");
    let admin = member_token(&server, "admin@example.com");
    let manager = member_token(&server, "manager@example.com");
    let admin_id = member_id(&server, &owner, "admin@example.com").await;
    let manager_id = member_id(&server, &owner, "manager@example.com").await;
    let member_id_ = member_id(&server, &owner, "member@example.com").await;
    let owner_id = member_id(&server, &owner, "owner@example.com").await;
    let path = |id: &str| format!("/api/0/organizations/cairn/members/{id}/");
    for (id, role) in [(&admin_id, "admin"), (&manager_id, "manager")] {
        let (status, body) = server.put(&path(id), &owner, json!({"orgRole": role})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["orgRole"], role);
    }

    // A member may list, but neither invite nor change roles.
    let (status, _) = server.get("/api/0/organizations/cairn/members/", &member).await;
    assert_eq!(status, 200);
    let (status, body) = server
        .post("/api/0/organizations/cairn/members/", &member, json!({"email": "x@example.com"}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["detail"].is_string());
    let (status, _) = server.put(&path("me"), &member, json!({"orgRole": "owner"})).await;
    assert_eq!(status, 403);
    let (status, _) = server.put(&path(&admin_id), &member, json!({"orgRole": "member"})).await;
    assert_eq!(status, 403);
    // Sentry's admin has no member:write either: it can neither invite nor grant owner.
    let (status, _) = server.put(&path(&member_id_), &admin, json!({"orgRole": "owner"})).await;
    assert_eq!(status, 403);
    let (status, _) = server.put(&path("me"), &admin, json!({"orgRole": "owner"})).await;
    assert_eq!(status, 403);
    let (status, _) = server
        .post("/api/0/organizations/cairn/members/", &admin, json!({"email": "x@example.com"}))
        .await;
    assert_eq!(status, 403);

    // A manager invites and promotes up to manager, never to owner, and cannot touch owners.
    let (status, body) = server
        .post(
            "/api/0/organizations/cairn/members/",
            &manager,
            json!({"email": "boss@example.com", "role": "owner"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = server.put(&path(&member_id_), &manager, json!({"orgRole": "owner"})).await;
    assert_eq!(status, 403);
    let (status, body) =
        server.put(&path(&member_id_), &manager, json!({"orgRole": "admin"})).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = server.put(&path(&owner_id), &manager, json!({"orgRole": "member"})).await;
    assert_eq!(status, 403);
    let (status, _) = delete(&server, &path(&owner_id), &manager).await;
    assert_eq!(status, 403);
    let (status, body) = server.put(&path(&member_id_), &owner, json!({"orgRole": "king"})).await;
    assert_eq!(status, 400, "{body}");

    // The last owner can neither be demoted nor leave.
    let (status, body) = server.put(&path("me"), &owner, json!({"orgRole": "manager"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["detail"].as_str().expect("detail").contains("owner"), "{body}");
    let (status, _) = delete(&server, &path("me"), &owner).await;
    assert_eq!(status, 403);
    let (_, me) = server.get(&path("me"), &owner).await;
    assert_eq!(me["orgRole"], "owner");

    // A member may leave; a removed member loses access at once.
    let (status, _) = server.get("/api/0/organizations/cairn/issues/", &member).await;
    assert_eq!(status, 200);
    let (status, _) = delete(&server, &path(&member_id_), &owner).await;
    assert_eq!(status, 204);
    let (status, body) = server.get("/api/0/organizations/cairn/issues/", &member).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = delete(&server, &path("me"), &admin).await;
    assert_eq!(status, 204);
    let (status, _) = server.get("/api/0/organizations/cairn/members/", &admin).await;
    assert_eq!(status, 403);
    let (status, _) = delete(&server, &path("12345"), &owner).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_are_created_joined_left_and_deleted() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let member = member_token(&server, "member@example.com");
    let member_id_ = member_id(&server, &owner, "member@example.com").await;

    let (status, team) = server
        .post("/api/0/organizations/cairn/teams/", &owner, json!({"name": "Backend Team"}))
        .await;
    assert_eq!(status, 201, "{team}");
    assert_eq!(team["slug"], "backend-team");
    assert_eq!(team["name"], "Backend Team");
    let (status, _) = server
        .post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "backend-team"}))
        .await;
    assert_eq!(status, 409);
    let (status, _) = server.post("/api/0/organizations/cairn/teams/", &owner, json!({})).await;
    assert_eq!(status, 400);
    // Members cannot create teams.
    let (status, _) =
        server.post("/api/0/organizations/cairn/teams/", &member, json!({"slug": "mine"})).await;
    assert_eq!(status, 403);

    let (status, renamed) =
        server.put("/api/0/teams/cairn/backend-team/", &owner, json!({"name": "Backend"})).await;
    assert_eq!(status, 200, "{renamed}");
    let (status, fetched) = server.get("/api/0/teams/cairn/backend-team/", &member).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["name"], "Backend");
    let (status, _) =
        server.put("/api/0/teams/cairn/backend-team/", &member, json!({"name": "Mine"})).await;
    assert_eq!(status, 403);

    // The creator is in the team; a member joins and leaves it themself.
    let (_, members) = server.get("/api/0/teams/cairn/backend-team/members/", &owner).await;
    let emails: Vec<&Value> =
        members.as_array().expect("members").iter().map(|m| &m["email"]).collect();
    assert_eq!(emails, vec!["owner@example.com"]);
    let join = "/api/0/organizations/cairn/members/me/teams/backend-team/";
    let (status, body) = server.post(join, &member, json!({})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["slug"], "backend-team");
    let (_, members) = server.get("/api/0/teams/cairn/backend-team/members/", &owner).await;
    assert_eq!(members.as_array().expect("members").len(), 2, "{members}");
    let (_, me) = server.get("/api/0/organizations/cairn/members/me/", &member).await;
    assert!(me["teams"].as_array().expect("teams").iter().any(|t| t == "backend-team"), "{me}");
    let (status, _) = delete(&server, join, &member).await;
    assert_eq!(status, 200);
    let (_, members) = server.get("/api/0/teams/cairn/backend-team/members/", &owner).await;
    assert_eq!(members.as_array().expect("members").len(), 1);
    // Putting someone else in a team needs team:write.
    let owner_id = member_id(&server, &owner, "owner@example.com").await;
    let (status, _) = server
        .post(
            &format!("/api/0/organizations/cairn/members/{owner_id}/teams/cairn/"),
            &member,
            json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = server
        .post(
            &format!("/api/0/organizations/cairn/members/{member_id_}/teams/backend-team/"),
            &owner,
            json!({}),
        )
        .await;
    assert_eq!(status, 201);

    // The team's projects.
    let (status, project) = server
        .post("/api/0/teams/cairn/backend-team/projects/", &owner, json!({"name": "API"}))
        .await;
    assert_eq!(status, 201, "{project}");
    let (status, projects) = server.get("/api/0/teams/cairn/backend-team/projects/", &member).await;
    assert_eq!(status, 200);
    let slugs: Vec<&Value> =
        projects.as_array().expect("projects").iter().map(|p| &p["slug"]).collect();
    assert_eq!(slugs, vec!["api"]);
    let (_, projects) = server.get("/api/0/teams/cairn/cairn/projects/", &member).await;
    assert!(projects.as_array().expect("projects").iter().all(|p| p["slug"] != "api"));

    // Deleting the team keeps its projects.
    let (status, _) = delete(&server, "/api/0/teams/cairn/backend-team/", &member).await;
    assert_eq!(status, 403);
    let (status, _) = delete(&server, "/api/0/teams/cairn/backend-team/", &owner).await;
    assert_eq!(status, 204);
    let (status, _) = server.get("/api/0/teams/cairn/backend-team/", &owner).await;
    assert_eq!(status, 404);
    let (status, _) = server.get("/api/0/projects/cairn/api/", &owner).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_key_ingests_until_it_is_deleted() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let member = member_token(&server, "member@example.com");
    let (status, key) =
        server.post("/api/0/projects/cairn/internal/keys/", &owner, json!({"name": "CI"})).await;
    assert_eq!(status, 201, "{key}");
    assert_eq!(key["name"], "CI");
    assert_eq!(key["isActive"], true);
    let dsn = key["dsn"]["public"].as_str().expect("dsn.public").to_owned();
    let public = key["public"].as_str().expect("public").to_owned();
    let project_id = key["projectId"].as_i64().expect("projectId");
    assert!(dsn.contains(&public), "{dsn}");
    let (_, keys) = server.get("/api/0/projects/cairn/internal/keys/", &owner).await;
    assert_eq!(keys.as_array().expect("keys").len(), 2);
    let (status, _) =
        server.post("/api/0/projects/cairn/internal/keys/", &member, json!({"name": "x"})).await;
    assert_eq!(status, 403);

    let store = |event_id: &str| {
        server
            .http
            .post(format!(
                "{}/api/{project_id}/store/?sentry_key={public}&sentry_version=7",
                server.url
            ))
            .json(
                &json!({"event_id": event_id, "message": "through the new key", "level": "error"}),
            )
            .send()
    };
    let response = store("0123456789abcdef0123456789abcdef").await.expect("HTTP");
    assert_eq!(response.status().as_u16(), 200);
    server
        .wait_for_issues(&owner, |issues| {
            issues.iter().any(|i| i["title"] == "through the new key")
        })
        .await;

    let (status, _) =
        delete(&server, &format!("/api/0/projects/cairn/internal/keys/{public}/"), &member).await;
    assert_eq!(status, 403);
    let (status, _) =
        delete(&server, &format!("/api/0/projects/cairn/internal/keys/{public}/"), &owner).await;
    assert_eq!(status, 204);
    let response = store("fedcba9876543210fedcba9876543210").await.expect("HTTP");
    let status = response.status().as_u16();
    assert!(status == 401 || status == 403, "a deleted key is refused at once, got {status}");
    let (status, _) =
        server.get(&format!("/api/0/projects/cairn/internal/keys/{public}/"), &owner).await;
    assert_eq!(status, 404);
    let (status, _) =
        delete(&server, &format!("/api/0/projects/cairn/internal/keys/{public}/"), &owner).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_are_throttled_after_five_failures() {
    let server = TestServer::start();
    server.owner_token("owner@example.com", PASSWORD);
    let login = |password: &'static str| {
        with_cookie(
            &server,
            reqwest::Method::POST,
            "/api/0/auth/login/",
            None,
            Some(json!({"username": "owner@example.com", "password": password})),
        )
    };
    for _ in 0..5 {
        let (status, _, body) = login("wrong password").await;
        assert_eq!(status, 400, "{body}");
    }
    let (status, headers, body) = login(PASSWORD).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["detail"].is_string());
    let retry_after: u64 = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=300).contains(&retry_after), "{retry_after}");
    // Another account is not locked by these failures.
    server.cli(&["createuser", "--email", "other@example.com", "--password", PASSWORD]);
    let (status, _, _) = with_cookie(
        &server,
        reqwest::Method::POST,
        "/api/0/auth/login/",
        None,
        Some(json!({"username": "other@example.com", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn other_organizations_and_anonymous_callers_get_nothing() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    // A second organization with its own member, team, project and key; its member is not in
    // `cairn`.
    let stranger = member_token(&server, "stranger@example.com");
    let stranger_id = member_id(&server, &owner, "stranger@example.com").await;
    let (status, _) =
        delete(&server, &format!("/api/0/organizations/cairn/members/{stranger_id}/"), &owner)
            .await;
    assert_eq!(status, 204);
    sql(
        &server,
        &[
            "INSERT INTO organizations (slug, name, date_created) VALUES ('other', 'Other', 0)",
            "INSERT INTO organization_members (organization_id, user_id, role, date_added) \
             SELECT o.id, u.id, 'owner', 0 FROM organizations o, users u \
             WHERE o.slug = 'other' AND u.email = 'stranger@example.com'",
            "INSERT INTO teams (organization_id, slug, name, date_created) \
             SELECT id, 'secret-team', 'Secret', 0 FROM organizations WHERE slug = 'other'",
        ],
    )
    .await;
    let (status, _) = server.get("/api/0/organizations/other/members/", &stranger).await;
    assert_eq!(status, 200);
    let (_, invite) = server
        .post("/api/0/organizations/cairn/members/", &owner, json!({"email": "z@example.com"}))
        .await;
    let accept = accept_path(invite["inviteLink"].as_str().expect("inviteLink"));
    let owner_id = member_id(&server, &owner, "owner@example.com").await;
    let (_, keys) = server.get("/api/0/projects/cairn/internal/keys/", &owner).await;
    let key = keys[0]["id"].as_str().expect("key id").to_owned();

    let routes: Vec<(reqwest::Method, String, Value)> = vec![
        (reqwest::Method::GET, "/api/0/organizations/cairn/members/".into(), Value::Null),
        (
            reqwest::Method::POST,
            "/api/0/organizations/cairn/members/".into(),
            json!({"email": "q@example.com"}),
        ),
        (
            reqwest::Method::GET,
            format!("/api/0/organizations/cairn/members/{owner_id}/"),
            Value::Null,
        ),
        (
            reqwest::Method::PUT,
            format!("/api/0/organizations/cairn/members/{owner_id}/"),
            json!({"orgRole": "member"}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/0/organizations/cairn/members/{owner_id}/"),
            Value::Null,
        ),
        (reqwest::Method::GET, "/api/0/organizations/cairn/members/me/".into(), Value::Null),
        (
            reqwest::Method::POST,
            "/api/0/organizations/cairn/teams/".into(),
            json!({"slug": "evil"}),
        ),
        (reqwest::Method::GET, "/api/0/teams/cairn/cairn/".into(), Value::Null),
        (reqwest::Method::PUT, "/api/0/teams/cairn/cairn/".into(), json!({"name": "Evil"})),
        (reqwest::Method::DELETE, "/api/0/teams/cairn/cairn/".into(), Value::Null),
        (reqwest::Method::GET, "/api/0/teams/cairn/cairn/members/".into(), Value::Null),
        (reqwest::Method::GET, "/api/0/teams/cairn/cairn/projects/".into(), Value::Null),
        (
            reqwest::Method::POST,
            format!("/api/0/organizations/cairn/members/{owner_id}/teams/cairn/"),
            json!({}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/0/organizations/cairn/members/{owner_id}/teams/cairn/"),
            Value::Null,
        ),
        (
            reqwest::Method::POST,
            "/api/0/organizations/cairn/members/me/teams/cairn/".into(),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            "/api/0/projects/cairn/internal/keys/".into(),
            json!({"name": "evil"}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/0/projects/cairn/internal/keys/{key}/"),
            Value::Null,
        ),
    ];
    for (method, path, body) in &routes {
        let mut request = server.http.request(method.clone(), format!("{}{path}", server.url));
        if !body.is_null() {
            request = request.json(body);
        }
        let anonymous = request.try_clone().expect("clonable").send().await.expect("sent");
        assert_eq!(anonymous.status().as_u16(), 401, "anonymous {method} {path}");
        let response = request.bearer_auth(&stranger).send().await.expect("sent");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 403, "stranger {method} {path}: {body}");
        assert!(body["detail"].is_string(), "{body}");
    }
    // Nothing changed, and nothing of `other` shows in `cairn`.
    let (_, members) = server.get("/api/0/organizations/cairn/members/", &owner).await;
    let emails: Vec<&Value> =
        members.as_array().expect("members").iter().map(|m| &m["email"]).collect();
    assert_eq!(emails, vec!["owner@example.com", "z@example.com"], "{members}");
    let (_, teams) = server.get("/api/0/organizations/cairn/teams/", &owner).await;
    assert!(teams.as_array().expect("teams").iter().all(|t| t["slug"] != "secret-team"));
    let (status, _) = server.get("/api/0/teams/cairn/secret-team/", &owner).await;
    assert_eq!(status, 404);
    let (status, _) = server.get("/api/0/teams/cairn/cairn/", &owner).await;
    assert_eq!(status, 200);
    let (_, keys) = server.get("/api/0/projects/cairn/internal/keys/", &owner).await;
    assert_eq!(keys.as_array().expect("keys").len(), 1);
    // An invitation of `cairn` cannot be accepted into `other`'s member list, and its details
    // name only its own organization.
    let (status, details) = server.get(&accept, &stranger).await;
    assert_eq!(status, 200);
    assert_eq!(details["orgSlug"], "cairn");
    let (_, other_members) = server.get("/api/0/organizations/other/members/", &stranger).await;
    assert_eq!(other_members.as_array().expect("members").len(), 1);
}

/// Tables whose rows name a project (`id` in `projects`, `project_id` elsewhere), for the
/// deletion test: those a project's keys, events, stored items and sessions fill.
const PROJECT_TABLES: &[&str] = &[
    "projects",
    "project_keys",
    "issues",
    "events",
    "envelope_items",
    "session_states",
    "session_hourly",
    "release_projects",
    "event_dictionary_sources",
    "monitors",
    "metric_alert_rule_projects",
];

/// How many rows of `table` belong to project `project_id`.
async fn rows_of(server: &TestServer, table: &str, project_id: i64) -> i64 {
    let column = if table == "projects" { "id" } else { "project_id" };
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"))
        .bind(project_id)
        .fetch_one(&server.database().await)
        .await
        .expect("count")
}

/// Deleting a project (Sentry's `DELETE /api/0/projects/{org}/{project}/`) takes its key,
/// issues, events, stored items and sessions, and leaves the other projects alone. Only
/// `project:admin` may (not a member); its DSN is refused at once; its slug is free again, and
/// a project made with it starts empty.
#[tokio::test(flavor = "multi_thread")]
async fn a_project_is_deleted_with_everything_of_it() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    let member = member_token(&server, "member@example.com");
    let doomed_dsn = server.create_project(&owner, "Doomed").await;
    let kept_dsn = server.create_project(&owner, "Kept").await;
    let (_, doomed_id) = server.project_key(&owner, "doomed").await;
    for (dsn, release) in [(&doomed_dsn, "doomed@1.0"), (&kept_dsn, "kept@1.0")] {
        crate::common::capture_message(dsn, release, &format!("from {release}")).await;
        crate::common::capture_message(dsn, release, &format!("again from {release}")).await;
        // A stored item besides the events, and a session.
        let started = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
        let session = json!({"sid": "8f2c6a3e-1b4d-4e5f-9a0b-1c2d3e4f5a6b", "did": "u1",
            "init": true, "status": "ok", "started": started, "attrs": {"release": release}});
        let check_in = json!({"check_in_id": "83a7c6a5d2b64b8d9c5c4e3f2a1b0c9d",
            "monitor_slug": "nightly", "status": "ok",
            "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}}});
        server.post_envelope(dsn, [("session", session), ("check_in", check_in)]).await;
    }
    server.wait_for_issues(&owner, |issues| issues.len() == 4).await;
    // A metric alert rule of the project alone, and one of both projects.
    for (name, projects) in
        [("doomed only", json!(["doomed"])), ("both", json!(["doomed", "kept"]))]
    {
        let rule = json!({"name": name, "aggregate": "count()", "timeWindow": 60,
            "projects": projects, "triggers": [{"label": "critical", "alertThreshold": 100}]});
        let (status, body) =
            server.post("/api/0/organizations/cairn/alert-rules/", &owner, rule).await;
        assert_eq!(status, 201, "{body}");
    }

    let mut rows_before = Vec::new();
    for table in PROJECT_TABLES {
        let rows = rows_of(&server, table, doomed_id).await;
        // Each table has something to delete (the dictionary's sources need a thousand events).
        assert!(rows > 0 || *table == "event_dictionary_sources", "no {table} rows to delete");
        rows_before.push((table, rows));
    }

    assert_eq!(server.delete("/api/0/projects/cairn/doomed/", &member).await, 403);
    assert_eq!(server.delete("/api/0/projects/cairn/doomed/", "not-a-token").await, 401);
    assert_eq!(server.delete("/api/0/projects/cairn/doomed/", &owner).await, 204);

    let (status, _) = server.get("/api/0/projects/cairn/doomed/", &owner).await;
    assert_eq!(status, 404);
    assert_eq!(server.delete("/api/0/projects/cairn/doomed/", &owner).await, 404);
    let (_, projects) = server.get("/api/0/organizations/cairn/projects/", &owner).await;
    let slugs: Vec<&str> =
        projects.as_array().expect("projects").iter().filter_map(|p| p["slug"].as_str()).collect();
    assert!(!slugs.contains(&"doomed") && slugs.contains(&"kept"), "{slugs:?}");
    let (_, issues) = server.get("/api/0/organizations/cairn/issues/", &owner).await;
    let titles: Vec<&str> =
        issues.as_array().expect("issues").iter().filter_map(|i| i["title"].as_str()).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.iter().all(|t| t.contains("kept@1.0")), "{titles:?}");

    // The rule of the project alone went with it; the other measures the project left.
    let (_, rules) = server.get("/api/0/organizations/cairn/alert-rules/", &owner).await;
    let rules: Vec<(&Value, &Value)> =
        rules.as_array().expect("rules").iter().map(|r| (&r["name"], &r["projects"])).collect();
    assert_eq!(rules, [(&json!("both"), &json!(["kept"]))]);

    // No row of the project is left, in any table that names projects.
    for (table, before) in &rows_before {
        assert_eq!(rows_of(&server, table, doomed_id).await, 0, "{table} had {before} rows");
    }

    // Its DSN is refused at once.
    let (key, project) = doomed_dsn
        .strip_prefix("http://")
        .and_then(|rest| rest.split_once('@'))
        .map(|(key, rest)| (key.to_owned(), rest.rsplit('/').next().unwrap_or("").to_owned()))
        .expect("a DSN");
    let response = server
        .http
        .post(format!("{}/api/{project}/store/?sentry_key={key}&sentry_version=7", server.url))
        .json(&json!({"message": "after the deletion"}))
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status().as_u16(), 403);

    // The slug is free; the new project has a new key and no issue of the old one.
    let new_dsn = server.create_project(&owner, "Doomed").await;
    assert_ne!(new_dsn, doomed_dsn);
    crate::common::capture_message(&new_dsn, "doomed@2.0", "from the new project").await;
    let issues = server
        .wait_for_issues(&owner, |issues| {
            issues.iter().any(|i| i["title"] == "from the new project")
        })
        .await;
    let (_, page) = server.get("/api/0/projects/cairn/doomed/issues/", &owner).await;
    assert_eq!(page.as_array().map(Vec::len), Some(1), "{page:#}");
    assert_eq!(issues.len(), 3);
}

/// A project changes team (Sentry's "Add a Team to a Project" and "Delete a Team from a
/// Project"; a Cairn project has one team): admins and up may, a member may not; the team's
/// project list follows, and so does Sentry's new-issue alert, which tells the project's team.
#[tokio::test(flavor = "multi_thread")]
async fn a_project_moves_to_another_team_and_its_alerts_follow() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", PASSWORD);
    // The member is in the default team only when the second team is made; then moves to it.
    let member = member_token(&server, "member@example.com");
    let dsn = server.create_project(&owner, "Shop").await;
    let (status, team) =
        server.post("/api/0/organizations/cairn/teams/", &owner, json!({"slug": "payments"})).await;
    assert_eq!(status, 201, "{team}");
    let mine = "/api/0/organizations/cairn/members/me/teams/";
    assert_eq!(delete(&server, &format!("{mine}cairn/"), &member).await.0, 200);
    let (status, body) = server.post(&format!("{mine}payments/"), &member, json!({})).await;
    assert_eq!(status, 201, "{body}");

    let add = "/api/0/projects/cairn/shop/teams/payments/";
    let (status, _) = server.post(add, &member, json!({})).await;
    assert_eq!(status, 403, "a member may not move a project");
    let (status, project) = server.post(add, &owner, json!({})).await;
    assert_eq!(status, 201, "{project}");
    assert_eq!(project["team"]["slug"], "payments", "{project}");
    assert_eq!(project["teams"].as_array().map(Vec::len), Some(1), "one team: {project}");
    let slugs = |list: &Value| -> Vec<String> {
        list.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["slug"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, payments) = server.get("/api/0/teams/cairn/payments/projects/", &owner).await;
    assert_eq!(slugs(&payments), ["shop"]);
    let (_, default_team) = server.get("/api/0/teams/cairn/cairn/projects/", &owner).await;
    assert!(!slugs(&default_team).contains(&"shop".to_owned()), "{default_team}");

    // A new issue of the project tells its (new) team: the member is in it.
    crate::common::capture_message(&dsn, "shop@1.0", "Card declined").await;
    server.wait_for_issues(&owner, |issues| issues.len() == 1).await;
    let (status, inbox) = server.get("/api/0/users/me/notifications/", &member).await;
    assert_eq!(status, 200, "{inbox}");
    let kinds: Vec<&str> =
        inbox.as_array().into_iter().flatten().filter_map(|n| n["type"].as_str()).collect();
    assert_eq!(kinds, ["new_issue"], "{inbox:#}");

    // Taking away a team the project is not in changes nothing; its own leaves it without one.
    let (status, project) =
        delete(&server, "/api/0/projects/cairn/shop/teams/cairn/", &owner).await;
    assert_eq!(status, 200, "{project}");
    assert_eq!(project["team"]["slug"], "payments");
    let (status, project) = delete(&server, add, &owner).await;
    assert_eq!(status, 200, "{project}");
    assert_eq!(project["team"], Value::Null, "{project}");
    let (status, _) =
        server.post("/api/0/projects/cairn/shop/teams/no-such-team/", &owner, json!({})).await;
    assert_eq!(status, 404);
}

/// Behind a reverse proxy on this host (the tests' requests come from loopback, a trusted proxy
/// by default), the failed logins of one client address are counted for that client alone:
/// after 30 of them its next login is refused, while another client behind the same proxy
/// still logs in.
#[tokio::test(flavor = "multi_thread")]
async fn login_throttling_counts_each_client_behind_a_trusted_proxy() {
    let server = TestServer::start();
    server.owner_token("owner@example.com", PASSWORD);
    let login = |email: String, client: &'static str| {
        let server = &server;
        async move {
            let response = server
                .http
                .post(format!("{}/api/0/auth/login/", server.url))
                .header("X-Forwarded-For", client)
                .json(&json!({"username": email, "password": "wrong password"}))
                .send()
                .await
                .expect("sent");
            response.status().as_u16()
        }
    };
    // Each guess at another address, so that no address reaches its own limit of five.
    for n in 0..30 {
        assert_eq!(login(format!("guess{n}@example.com"), "203.0.113.9").await, 400);
    }
    assert_eq!(login("guess99@example.com".into(), "203.0.113.9").await, 429);
    assert_eq!(login("colleague@example.com".into(), "198.51.100.7").await, 400);
}
