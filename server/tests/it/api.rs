//! The REST API: first-run set-up, login sessions, tokens, and who may see what.

use serde_json::{json, Value};

use crate::common::{totp_code, TestServer};

/// The `cairn_session=...` pair from a response's `Set-Cookie`.
fn session_cookie(response: &reqwest::Response) -> String {
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie is set");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    set_cookie.split(';').next().expect("cookie pair").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_setup_creates_the_owner_once_and_logs_in() {
    let server = TestServer::start();
    let url = |path: &str| format!("{}{path}", server.url);

    let status: Value = server
        .http
        .get(url("/api/0/setup/"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(status, json!({"needsSetup": true, "defaultOrganization": "cairn"}));

    let short = server
        .http
        .post(url("/api/0/setup/"))
        .json(&json!({"email": "owner@example.com", "password": "short"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(short.status().as_u16(), 400);

    let created = server.http.post(url("/api/0/setup/"))
        .json(&json!({"email": "Owner@Example.com", "password": "correct horse battery", "name": "Olive"}))
        .send().await.expect("sent");
    assert_eq!(created.status().as_u16(), 201);
    let cookie = session_cookie(&created);
    let user: Value = created.json().await.expect("json");
    assert_eq!(user["email"], "owner@example.com");
    assert_eq!(user["name"], "Olive");

    // The cookie logs the browser in.
    let me: Value = server
        .http
        .get(url("/api/0/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["email"], "owner@example.com");
    assert!(me["auth"]["scopes"].as_array().expect("scopes").iter().any(|s| s == "org:admin"));

    // Set-up cannot run twice: nobody can take over an instance that has an owner.
    let again = server
        .http
        .post(url("/api/0/setup/"))
        .json(&json!({"email": "mallory@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status().as_u16(), 403);
    let status: Value = server
        .http
        .get(url("/api/0/setup/"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(status["needsSetup"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn login_logout_and_csrf() {
    let server = TestServer::start();
    server.cli(&[
        "createuser",
        "--email",
        "dev@example.com",
        "--password",
        "correct horse battery",
    ]);
    let url = |path: &str| format!("{}{path}", server.url);

    let wrong = server
        .http
        .post(url("/api/0/auth/login/"))
        .json(&json!({"username": "dev@example.com", "password": "wrong password"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status().as_u16(), 400);
    let body: Value = wrong.json().await.expect("json");
    assert_eq!(body["detail"], "Invalid email or password.");

    let unknown = server
        .http
        .post(url("/api/0/auth/login/"))
        .json(&json!({"username": "nobody@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(unknown.status().as_u16(), 400);

    let malformed = server
        .http
        .post(url("/api/0/auth/login/"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(malformed.status().as_u16(), 400);
    let body: Value = malformed.json().await.expect("a JSON error body");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));

    let ok = server
        .http
        .post(url("/api/0/auth/login/"))
        .json(&json!({"username": "DEV@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status().as_u16(), 200);
    let cookie = session_cookie(&ok);

    let issues = server
        .http
        .get(url("/api/0/organizations/cairn/issues/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(issues.status().as_u16(), 200);

    // A write with the cookie from another site's page is refused.
    let forged = server
        .http
        .delete(url("/api/0/auth/"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status().as_u16(), 403);

    let logout = server
        .http
        .delete(url("/api/0/auth/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(logout.status().as_u16(), 204);
    let after = server
        .http
        .get(url("/api/0/organizations/cairn/issues/"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(after.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_checks_who_asks() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.cli(&[
        "createuser",
        "--email",
        "member@example.com",
        "--password",
        "correct horse battery",
    ]);
    let member = server.cli(&["createtoken", "--email", "member@example.com"]).trim().to_owned();
    let narrow = server
        .cli(&["createtoken", "--email", "owner@example.com", "--scope", "org:read"])
        .trim()
        .to_owned();

    let anonymous = server
        .http
        .get(format!("{}/api/0/organizations/cairn/issues/", server.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
    let body: Value = anonymous.json().await.expect("json");
    assert_eq!(body["detail"], "Authentication credentials were not provided.");

    let (status, _) =
        server.get("/api/0/organizations/cairn/issues/", "sntryu_not-a-real-token").await;
    assert_eq!(status, 401);

    assert_eq!(server.get("/api/0/organizations/cairn/issues/", &owner).await.0, 200);
    assert_eq!(server.get("/api/0/organizations/cairn/issues/", &member).await.0, 200);
    assert_eq!(
        server.get("/api/0/organizations/cairn/issues/", &narrow).await.0,
        403,
        "token lacks event:read"
    );
    assert_eq!(server.get("/api/0/organizations/nope/issues/", &owner).await.0, 404);

    // Members may not create projects; owners may.
    let (status, _) =
        server.post("/api/0/teams/cairn/cairn/projects/", &member, json!({"name": "X"})).await;
    assert_eq!(status, 403);
    let (status, project) =
        server.post("/api/0/teams/cairn/cairn/projects/", &owner, json!({"name": "Web App"})).await;
    assert_eq!(status, 201);
    assert_eq!(project["slug"], "web-app");
    let (status, _) =
        server.post("/api/0/teams/cairn/cairn/projects/", &owner, json!({"name": "Web App"})).await;
    assert_eq!(status, 409, "slugs are unique");

    let (status, me) = server.get("/api/0/", &member).await;
    assert_eq!(status, 200);
    assert_eq!(me["user"]["email"], "member@example.com");

    let (status, body) = server.get("/api/0/no/such/route/", &owner).await;
    assert_eq!(status, 404);
    assert!(body["detail"].is_string(), "API 404s are JSON: {body}");

    let health = server.http.get(format!("{}/healthz", server.url)).send().await.expect("sent");
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_tokens_are_managed_from_a_dashboard_session_only() {
    let server = TestServer::start();
    let owner_token = server.owner_token("owner@example.com", "correct horse battery");
    let url = |path: &str| format!("{}{path}", server.url);
    let login = server
        .http
        .post(url("/api/0/auth/login/"))
        .json(&json!({"username": "owner@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status().as_u16(), 200);
    let cookie = session_cookie(&login);
    // Cookie-authenticated writes carry the page's origin, as the dashboard's do.
    let with_session = |request: reqwest::RequestBuilder| {
        request.header("Cookie", &cookie).header("Origin", &server.url)
    };

    // A token cannot mint tokens, list them or revoke them.
    assert_eq!(server.get("/api/0/api-tokens/", &owner_token).await.0, 403);
    let minted =
        server.post("/api/0/api-tokens/", &owner_token, json!({"scopes": ["org:admin"]})).await;
    assert_eq!(minted.0, 403, "{}", minted.1);
    assert_eq!(
        server.http.get(url("/api/0/api-tokens/")).send().await.expect("sent").status(),
        401
    );

    for bad in [json!({"scopes": []}), json!({"scopes": ["org:everything"]}), json!({"name": "x"})]
    {
        let response = with_session(server.http.post(url("/api/0/api-tokens/")))
            .json(&bad)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 400, "{bad}");
    }

    let created = with_session(server.http.post(url("/api/0/api-tokens/")))
        .json(&json!({"name": "ci", "scopes": ["project:read", "org:read"]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.expect("json");
    let token = created["token"].as_str().expect("the token, once").to_owned();
    assert!(token.starts_with("sntryu_"));
    assert_eq!(created["scopes"], json!(["org:read", "project:read"]));
    assert_eq!(created["tokenLastCharacters"], token[token.len() - 4..]);

    // The new token works with its scopes only.
    assert_eq!(server.get("/api/0/organizations/cairn/projects/", &token).await.0, 200);
    assert_eq!(server.get("/api/0/organizations/cairn/issues/", &token).await.0, 403);

    let listed: Value = with_session(server.http.get(url("/api/0/api-tokens/")))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let listed = listed.as_array().cloned().expect("list");
    // The CLI's token and the new one; values are never listed.
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|t| t.get("token").is_none()), "{listed:?}");
    assert_eq!(listed[0]["name"], "ci");

    let id = created["id"].as_str().expect("id");
    let revoked = with_session(server.http.delete(url(&format!("/api/0/api-tokens/{id}/"))))
        .send()
        .await
        .expect("sent");
    assert_eq!(revoked.status().as_u16(), 204);
    assert_eq!(server.get("/api/0/organizations/cairn/projects/", &token).await.0, 401);
    let again = with_session(server.http.delete(url(&format!("/api/0/api-tokens/{id}/"))))
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_description_is_served_to_anyone() {
    let server = TestServer::start();
    for path in ["/api/0/openapi.json", "/api/0/openapi.json/"] {
        let response = server.http.get(format!("{}{path}", server.url)).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok());
        assert_eq!(content_type, Some("application/json"));
        let doc: Value = response.json().await.expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/api/0/organizations/{org}/issues/"]["get"].is_object());
        assert!(doc["components"]["securitySchemes"]["bearerToken"].is_object());
    }
}

/// Sentry's project settings "Name" and "Slug": a renamed project answers under its new slug
/// only, its issues' short ids follow the slug, and its DSN keeps working.
#[tokio::test(flavor = "multi_thread")]
async fn a_project_is_renamed_and_its_slug_moves_its_urls_not_its_dsn() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    crate::common::capture_message(&dsn, "shop@1.0", "first").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 1).await;
    let issue_id = issues[0]["id"].as_str().expect("issue id").to_owned();
    assert!(issues[0]["shortId"].as_str().is_some_and(|s| s.starts_with("SHOP-")), "{issues:?}");

    let (status, renamed) = server
        .put("/api/0/projects/cairn/shop/", &token, json!({"name": "Web Shop", "slug": "web-shop"}))
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!((&renamed["name"], &renamed["slug"]), (&json!("Web Shop"), &json!("web-shop")));
    let (status, _) = server.get("/api/0/projects/cairn/shop/", &token).await;
    assert_eq!(status, 404, "the old slug names nothing");
    let (status, details) = server.get("/api/0/projects/cairn/web-shop/", &token).await;
    assert_eq!(status, 200, "{details}");
    assert_eq!(details["name"], "Web Shop");
    let (_, issue) = server.get(&format!("/api/0/issues/{issue_id}/"), &token).await;
    let short_id = issue["shortId"].as_str().expect("short id").to_owned();
    assert!(short_id.starts_with("WEB-SHOP-"), "{short_id}");
    let (status, found) =
        server.get(&format!("/api/0/organizations/cairn/shortids/{short_id}/"), &token).await;
    assert_eq!(status, 200, "{found}");

    // The DSN has the project's id, not its slug: the SDK goes on sending.
    crate::common::capture_message(&dsn, "shop@1.0", "second").await;
    server.wait_for_issues(&token, |issues| issues.len() == 2).await;

    // The platform, Sentry's id; an empty one clears it.
    let (status, details) =
        server.put("/api/0/projects/cairn/web-shop/", &token, json!({"platform": "node"})).await;
    assert_eq!((status, &details["platform"]), (200, &json!("node")), "{details}");
    assert_eq!(details["name"], "Web Shop", "the rest as it was");
    let (_, details) =
        server.put("/api/0/projects/cairn/web-shop/", &token, json!({"platform": ""})).await;
    assert_eq!(details["platform"], Value::Null);

    // A slug another project has, a malformed one, an empty name: refused, nothing changed.
    let (status, taken) =
        server.put("/api/0/projects/cairn/web-shop/", &token, json!({"slug": "internal"})).await;
    assert_eq!(status, 409, "{taken}");
    assert_eq!(taken["detail"], "Another project is already using the slug \"internal\".");
    for bad in [
        json!({"slug": "Web Shop"}),
        json!({"slug": "123"}),
        json!({"name": "  "}),
        json!({"platform": "<script>"}),
    ] {
        let (status, refused) = server.put("/api/0/projects/cairn/web-shop/", &token, bad).await;
        assert_eq!(status, 400, "{refused}");
    }
    let (_, details) = server.get("/api/0/projects/cairn/web-shop/", &token).await;
    assert_eq!((&details["name"], &details["slug"]), (&json!("Web Shop"), &json!("web-shop")));
}

/// A session's request: `method` on `path` with the cookie and an optional JSON body.
async fn with_session(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    cookie: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request =
        server.http.request(method, format!("{}{path}", server.url)).header("cookie", cookie);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Logs in; returns the session cookie.
async fn log_in(server: &TestServer, email: &str, password: &str) -> Result<String, u16> {
    let response = server
        .http
        .post(format!("{}/api/0/auth/login/", server.url))
        .json(&json!({"username": email, "password": password}))
        .send()
        .await
        .expect("sent");
    match response.status().as_u16() {
        200 => Ok(session_cookie(&response)),
        status => Err(status),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_renames_their_account_and_changes_their_password() {
    use reqwest::Method;
    let server = TestServer::start();
    let old = "correct horse battery";
    let token = server.member_token("dev@example.com");
    let laptop = log_in(&server, "dev@example.com", old).await.expect("logged in");
    let phone = log_in(&server, "dev@example.com", old).await.expect("logged in");
    let issues = "/api/0/organizations/cairn/issues/";

    let (status, me) = with_session(&server, Method::GET, "/api/0/users/me/", &laptop, None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "dev@example.com");
    assert_eq!(me["name"], "dev@example.com", "the email until a name is given");
    assert_eq!(me["hasPasswordAuth"], true);
    assert_eq!(me["activeSessions"], 2);
    assert!(me["dateJoined"].as_str().is_some_and(|d| d.starts_with("20")), "{me}");
    // The same account by its id, and with the token.
    let own = format!("/api/0/users/{}/", me["id"].as_str().expect("id"));
    assert_eq!(server.get(&own, &token).await.1["email"], "dev@example.com");

    // The name.
    let (status, renamed) = server.put("/api/0/users/me/", &token, json!({"name": " Dev "})).await;
    assert_eq!((status, &renamed["name"]), (200, &json!("Dev")));
    assert_eq!(server.get("/api/0/", &token).await.1["user"]["name"], "Dev");
    let (status, blank) = server.put("/api/0/users/me/", &token, json!({"name": "  "})).await;
    assert_eq!(status, 400);
    assert_eq!(blank["name"][0], "This field may not be blank.");

    // The password: never with a token, and only given the current one.
    let change = |current: &str, new: &str, verify: &str| json!({"password": current, "passwordNew": new, "passwordVerify": verify});
    let new = "a much longer passphrase";
    let (status, body) =
        server.put("/api/0/users/me/password/", &token, change(old, new, new)).await;
    assert_eq!(status, 403, "{body}");
    for (body, field, message) in [
        (
            change("wrong password", new, new),
            "password",
            "The password you entered is not correct.",
        ),
        (change(old, new, "a much longer passphrasE"), "passwordVerify", "did not match"),
        (change(old, "short", "short"), "passwordNew", "too short"),
    ] {
        let path = "/api/0/users/me/password/";
        let (status, answer) = with_session(&server, Method::PUT, path, &laptop, Some(body)).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer[field][0].as_str().is_some_and(|m| m.contains(message)), "{answer}");
    }
    let path = "/api/0/users/me/password/";
    let (status, _) =
        with_session(&server, Method::PUT, path, &laptop, Some(change(old, new, new))).await;
    assert_eq!(status, 204);
    // The other browser is logged out; the one that changed it, and the token, are not.
    assert_eq!(with_session(&server, Method::GET, issues, &phone, None).await.0, 401);
    assert_eq!(with_session(&server, Method::GET, issues, &laptop, None).await.0, 200);
    assert_eq!(server.get(issues, &token).await.0, 200);
    assert_eq!(log_in(&server, "dev@example.com", old).await, Err(400));
    let desk = log_in(&server, "dev@example.com", new).await.expect("the new password");

    // Someone else's account is an instance administrator's to see.
    let other = server.member_token("other@example.com");
    assert_eq!(server.get(&own, &other).await.0, 403);
    assert_eq!(server.put(&own, &other, json!({"name": "Mallory"})).await.0, 403);
    let admin = server.owner_token("admin@example.com", old);
    assert_eq!(server.get(&own, &admin).await.1["name"], "Dev");
    assert_eq!(server.get("/api/0/users/99999/", &admin).await.0, 404);
    assert_eq!(server.put("/api/0/users/99999/", &admin, json!({"name": "X"})).await.0, 404);

    // Signing out of every device.
    let (status, me) = with_session(&server, Method::GET, "/api/0/users/me/", &desk, None).await;
    assert_eq!((status, &me["activeSessions"]), (200, &json!(2)));
    let (status, _) =
        with_session(&server, Method::DELETE, "/api/0/auth/", &desk, Some(json!({"all": true})))
            .await;
    assert_eq!(status, 204);
    assert_eq!(with_session(&server, Method::GET, issues, &laptop, None).await.0, 401);
    assert_eq!(with_session(&server, Method::GET, issues, &desk, None).await.0, 401);

    // An administrator resets a forgotten password from the command line; it ends the
    // sessions.
    let again = log_in(&server, "dev@example.com", new).await.expect("logged in");
    let reset = "reset by the administrator";
    let args = ["createuser", "--email", "dev@example.com", "--password", reset];
    let printed = server.cli(&[&args[..], &["--force-update"]].concat());
    assert!(printed.contains("1 session(s) ended"), "{printed}");
    assert_eq!(with_session(&server, Method::GET, issues, &again, None).await.0, 401);
    assert_eq!(log_in(&server, "dev@example.com", new).await, Err(400));
    assert!(log_in(&server, "dev@example.com", reset).await.is_ok());
}

/// Logs in with a second factor: `Ok(cookie)` or `Err((status, detail))`.
async fn log_in_with_code(
    server: &TestServer,
    password: &str,
    otp: Option<&str>,
) -> Result<String, (u16, String)> {
    let mut body = json!({"username": "dev@example.com", "password": password});
    if let Some(otp) = otp {
        body["otp"] = json!(otp);
    }
    let response = server
        .http
        .post(format!("{}/api/0/auth/login/", server.url))
        .json(&body)
        .send()
        .await
        .expect("sent");
    if response.status().as_u16() == 200 {
        return Ok(session_cookie(&response));
    }
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error");
    Err((status, body["detail"].as_str().unwrap_or_default().to_owned()))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_factor_authentication_guards_the_login_once_set_up() {
    use reqwest::Method;
    let server = TestServer::start();
    let password = "correct horse battery";
    let token = server.member_token("dev@example.com");
    let cookie = log_in(&server, "dev@example.com", password).await.expect("logged in");
    let list = "/api/0/users/me/authenticators/";
    let enroll = "/api/0/users/me/authenticators/totp/enroll/";

    let (status, interfaces) = with_session(&server, Method::GET, list, &cookie, None).await;
    assert_eq!(status, 200, "{interfaces}");
    assert_eq!(interfaces[0]["id"], "totp");
    assert_eq!(interfaces[0]["isEnrolled"], false);
    // Set up from a dashboard session only.
    assert_eq!(server.get(enroll, &token).await.0, 403);
    let (status, offer) = with_session(&server, Method::GET, enroll, &cookie, None).await;
    assert_eq!(status, 200, "{offer}");
    let secret = offer["secret"].as_str().expect("secret").to_owned();
    let rows = offer["qrcodeModules"].as_array().expect("the QR code's rows");
    assert!(rows.len() >= 21 && rows.iter().all(|r| r.as_str().map(str::len) == Some(rows.len())));
    assert!(
        offer["qrcode"].as_str().is_some_and(|uri| uri
            .starts_with(&format!("otpauth://totp/Cairn%3Adev%40example.com?secret={secret}&"))),
        "{offer}"
    );
    let wrong = json!({"secret": secret, "otp": "000000", "password": password});
    let (status, body) = with_session(&server, Method::POST, enroll, &cookie, Some(wrong)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["otp"][0], "Invalid confirmation code. Try again.");
    let step = chrono::Utc::now().timestamp() / 30;
    let proof = json!({"secret": secret, "otp": totp_code(&secret, step), "password": password});
    let (status, codes) = with_session(&server, Method::POST, enroll, &cookie, Some(proof)).await;
    assert_eq!(status, 200, "{codes}");
    let codes: Vec<String> = serde_json::from_value(codes["recoveryCodes"].clone()).expect("codes");
    assert_eq!(codes.len(), 10);
    let (_, interfaces) = with_session(&server, Method::GET, list, &cookie, None).await;
    assert_eq!(
        (&interfaces[0]["isEnrolled"], &interfaces[1]["codesLeft"]),
        (&json!(true), &json!(10))
    );

    // The password alone is not enough; a code is accepted once.
    let required = cairn_types::api::TWO_FACTOR_REQUIRED.to_owned();
    assert_eq!(log_in_with_code(&server, password, None).await, Err((401, required)));
    let invalid = Err((400, "Invalid two-factor code.".to_owned()));
    let used = totp_code(&secret, step);
    assert_eq!(log_in_with_code(&server, password, Some(&used)).await, invalid, "a replay");
    let next = totp_code(&secret, step + 1);
    assert!(log_in_with_code(&server, password, Some(&next)).await.is_ok());
    let wrong_password = log_in_with_code(&server, "wrong password", Some(&next)).await;
    assert_eq!(wrong_password, Err((400, "Invalid email or password.".to_owned())));
    // A recovery code, however it is typed, once.
    let typed = codes[3].replace('-', " ").to_uppercase();
    assert!(log_in_with_code(&server, password, Some(&typed)).await.is_ok());
    assert_eq!(log_in_with_code(&server, password, Some(&codes[3])).await, invalid);
    let (_, interfaces) = with_session(&server, Method::GET, list, &cookie, None).await;
    assert_eq!(interfaces[1]["codesLeft"], 9);

    // Turning it off takes the password.
    let remove = "/api/0/users/me/authenticators/totp/";
    let (status, body) = with_session(
        &server,
        Method::DELETE,
        remove,
        &cookie,
        Some(json!({"password": "not it at all"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) =
        with_session(&server, Method::DELETE, remove, &cookie, Some(json!({"password": password})))
            .await;
    assert_eq!(status, 204);
    assert!(log_in_with_code(&server, password, None).await.is_ok());

    // Set up again, then turned off by an administrator for a user who lost phone and codes.
    let (_, offer) = with_session(&server, Method::GET, enroll, &cookie, None).await;
    let secret = offer["secret"].as_str().expect("secret").to_owned();
    let step = chrono::Utc::now().timestamp() / 30;
    let proof = json!({"secret": secret, "otp": totp_code(&secret, step), "password": password});
    let (status, _) = with_session(&server, Method::POST, enroll, &cookie, Some(proof)).await;
    assert_eq!(status, 200);
    assert_eq!(
        log_in_with_code(&server, password, None).await.map(drop).map_err(|e| e.0),
        Err(401)
    );
    let args = ["createuser", "--email", "dev@example.com", "--password", password];
    let printed = server.cli(&[&args[..], &["--force-update", "--remove-two-factor"]].concat());
    assert!(printed.contains("Two-factor authentication is off"), "{printed}");
    assert!(log_in_with_code(&server, password, None).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_is_renamed_and_requires_two_factor_authentication() {
    use reqwest::Method;
    let server = TestServer::start();
    let password = "correct horse battery";
    let owner = server.owner_token("owner@example.com", password);
    let member = server.member_token("dev@example.com");
    // An issue assigned to the member: a notification in their inbox.
    let dsn = server.create_project(&owner, "Shop").await;
    crate::common::capture_message(&dsn, "shop@1.0", "Checkout failed").await;
    let issues = server.wait_for_issues(&owner, |issues| !issues.is_empty()).await;
    let issue = format!("/api/0/issues/{}/", issues[0]["id"].as_str().expect("id"));
    let assign = json!({"assignedTo": "dev@example.com"});
    assert_eq!(server.put(&issue, &owner, assign).await.0, 200);
    let inbox = "/api/0/users/me/notifications/";
    let noted = server.get(inbox, &member).await.1.as_array().map(Vec::len);
    assert!(noted.is_some_and(|n| n > 0), "{noted:?}");

    // Name and slug: the organization's URLs move.
    let change = json!({"name": "Acme Corp", "slug": "acme"});
    let (status, renamed) = server.put("/api/0/organizations/cairn/", &owner, change).await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!((&renamed["name"], &renamed["slug"]), (&json!("Acme Corp"), &json!("acme")));
    assert_eq!(server.get("/api/0/organizations/cairn/", &owner).await.0, 404);
    assert_eq!(server.get("/api/0/organizations/acme/issues/", &member).await.0, 200);
    let (status, _) =
        server.put("/api/0/organizations/acme/", &member, json!({"name": "Mine"})).await;
    assert_eq!(status, 403, "members may not");
    let (status, bad) =
        server.put("/api/0/organizations/acme/", &owner, json!({"slug": "A B"})).await;
    assert_eq!(status, 400, "{bad}");

    // Requiring two-factor authentication takes an owner who has it.
    let require = json!({"require2FA": true});
    let (status, refused) = server.put("/api/0/organizations/acme/", &owner, require.clone()).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["require2FA"][0].as_str().is_some_and(|m| m.contains("personal two-factor")));
    let cookie = log_in(&server, "owner@example.com", password).await.expect("logged in");
    let enroll = "/api/0/users/me/authenticators/totp/enroll/";
    let (_, offer) = with_session(&server, Method::GET, enroll, &cookie, None).await;
    let secret = offer["secret"].as_str().expect("secret").to_owned();
    let otp = totp_code(&secret, chrono::Utc::now().timestamp() / 30);
    let proof = json!({"secret": secret, "otp": otp, "password": password});
    assert_eq!(with_session(&server, Method::POST, enroll, &cookie, Some(proof)).await.0, 200);
    let (status, required) = server.put("/api/0/organizations/acme/", &owner, require).await;
    assert_eq!((status, &required["require2FA"]), (200, &json!(true)), "{required}");

    // The member without it sees nothing of the organization but why, until they set it up.
    let (status, body) = server.get("/api/0/organizations/acme/issues/", &member).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["detail"], cairn_server::endpoints::api::TWO_FACTOR_REQUIRED_BY_ORG);
    let (status, _) = server.get("/api/0/organizations/", &member).await;
    assert_eq!(status, 200, "the organization is still listed, to say what it asks");
    let (status, notes) = server.get(inbox, &member).await;
    assert_eq!((status, notes.as_array().map(Vec::len)), (200, Some(0)), "nor its issues' titles");
    let dev = log_in(&server, "dev@example.com", password).await.expect("logged in");
    let (_, offer) = with_session(&server, Method::GET, enroll, &dev, None).await;
    let secret = offer["secret"].as_str().expect("secret").to_owned();
    let otp = totp_code(&secret, chrono::Utc::now().timestamp() / 30);
    let proof = json!({"secret": secret, "otp": otp, "password": password});
    assert_eq!(with_session(&server, Method::POST, enroll, &dev, Some(proof)).await.0, 200);
    assert_eq!(server.get("/api/0/organizations/acme/issues/", &member).await.0, 200);
    assert_eq!(server.get(inbox, &member).await.1.as_array().map(Vec::len), noted);

    // The audit log has both changes.
    let (_, log) = server.get("/api/0/organizations/acme/audit-logs/?event=org.edit", &owner).await;
    let notes: Vec<&str> =
        log["rows"].as_array().expect("rows").iter().filter_map(|r| r["note"].as_str()).collect();
    assert_eq!(notes, ["edited the organization acme", "edited the organization acme"]);
}

/// Sentry's event highlights on a project: its platform's preset until it sets its own
/// (`highlightTags`, `highlightContext`), which then stay whatever the platform.
#[tokio::test(flavor = "multi_thread")]
async fn projects_have_event_highlights_of_their_platform_until_they_set_theirs() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let (status, project) = server
        .post(
            "/api/0/teams/cairn/cairn/projects/",
            &token,
            json!({"name": "Web", "platform": "javascript-react"}),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let path = "/api/0/projects/cairn/web/";
    let (_, web) = server.get(path, &token).await;
    let preset_tags = json!([
        "handled",
        "level",
        "release",
        "environment",
        "url",
        "transaction",
        "browser",
        "replayId",
        "user"
    ]);
    assert_eq!(web["highlightTags"], preset_tags, "{web}");
    assert_eq!(web["highlightContext"]["browser"], json!(["name"]), "{web}");
    assert_eq!(web["highlightContext"]["trace"], json!(["trace_id"]), "{web}");
    assert_eq!(web["highlightPreset"]["tags"], preset_tags, "{web}");
    // By id too, as Sentry's `project_id_or_slug`.
    let id = project["id"].as_str().expect("the project's id");
    let (status, by_id) = server.get(&format!("/api/0/projects/cairn/{id}/"), &token).await;
    assert_eq!((status, &by_id["slug"]), (200, &json!("web")), "{by_id}");

    // Its own: kept (trimmed, blanks dropped), the preset still answered next to them.
    let body = json!({"highlightTags": [" release ", "", "customer"],
                      "highlightContext": {"os": ["name", "version"]}});
    let (status, changed) = server.put(path, &token, body).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["highlightTags"], json!(["release", "customer"]));
    assert_eq!(changed["highlightContext"], json!({"os": ["name", "version"]}));
    let (_, web) = server.get(path, &token).await;
    assert_eq!(web["highlightTags"], json!(["release", "customer"]));
    assert_eq!(web["highlightPreset"]["tags"], preset_tags);
    // Only the tags: the context stays.
    let (_, changed) = server.put(path, &token, json!({"highlightTags": ["level"]})).await;
    assert_eq!(changed["highlightContext"], json!({"os": ["name", "version"]}));

    for bad in [json!({"highlightContext": {" ": ["name"]}}), json!({"highlightTags": "level"})] {
        let (status, answer) = server.put(path, &token, bad).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer["detail"].is_string(), "{answer}");
    }
}
