//! Code mappings: uploaded by the real `sentry-cli code-mappings upload`, managed through
//! Sentry's API, and turned into links to the code host by `stacktrace-link` once the
//! repository has an address.

use serde_json::{json, Value};

use crate::common::{sentry_cli, succeeded, TestServer};

fn roots(list: &Value) -> Vec<(&str, &str)> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| Some((m["stackRoot"].as_str()?, m["sourceRoot"].as_str()?)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sentry_cli_uploads_mappings_and_frames_link_to_the_code_host() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&owner, "Shop").await;

    // sentry-cli's bulk upload makes the repository and the mappings; sent again, it updates.
    let dir = tempfile::tempdir().expect("working directory");
    let file = dir.path().join("mappings.json");
    let pairs = json!([
        {"stackRoot": "app/", "sourceRoot": "src/app/"},
        {"stackRoot": "app/api/", "sourceRoot": "services/api/"},
    ]);
    std::fs::write(&file, pairs.to_string()).expect("mappings written");
    let args = [
        "code-mappings",
        "upload",
        "mappings.json",
        "--repo",
        "acme/shop",
        "--default-branch",
        "trunk",
    ];
    let out = succeeded(&sentry_cli(&server, &owner, dir.path(), &args));
    assert!(out.contains("Created: 2, Updated: 0, Errors: 0"), "{out}");
    let out = succeeded(&sentry_cli(&server, &owner, dir.path(), &args));
    assert!(out.contains("Created: 0, Updated: 2, Errors: 0"), "{out}");

    let (status, mappings) =
        server.get("/api/0/organizations/cairn/code-mappings/?project=shop", &owner).await;
    assert_eq!(status, 200, "{mappings}");
    assert_eq!(roots(&mappings), [("app/api/", "services/api/"), ("app/", "src/app/")]);
    assert_eq!(mappings[0]["repoName"], "acme/shop");
    assert_eq!(mappings[0]["defaultBranch"], "trunk");
    assert_eq!(mappings[0]["projectSlug"], "shop");
    assert!(mappings[0]["repoUrl"].is_null(), "{mappings}");

    // Without the repository's address: the mapping is found, no link yet.
    let link = |file: &str| {
        format!("/api/0/projects/cairn/shop/stacktrace-link/?file={file}&lineNo=12&platform=python")
    };
    let (status, found) = server.get(&link("app/views.py"), &owner).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["error"], "missing_repository_url", "{found}");
    assert_eq!(found["config"]["stackRoot"], "app/");
    assert!(found["sourceUrl"].is_null());

    // The organization sets the address (a self-hosted GitLab, by its host name).
    let (_, repos) = server.get("/api/0/organizations/cairn/repos/", &owner).await;
    let repo_id = repos[0]["id"].as_str().expect("repository id").to_owned();
    assert_eq!(repos[0]["provider"]["id"], "unknown");
    let repo_path = format!("/api/0/organizations/cairn/repos/{repo_id}/");
    let (status, body) = server.put(&repo_path, &owner, json!({"url": "ftp://x"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.starts_with("url:")), "{body}");
    let address = "https://gitlab.acme.example/acme/shop/";
    let (status, repo) = server.put(&repo_path, &owner, json!({"url": address})).await;
    assert_eq!(status, 200, "{repo}");
    assert_eq!(repo["url"], "https://gitlab.acme.example/acme/shop");
    assert_eq!(repo["provider"], json!({"id": "integrations:gitlab", "name": "GitLab"}));

    let (_, found) = server.get(&link("app/views.py"), &owner).await;
    assert_eq!(
        found["sourceUrl"],
        "https://gitlab.acme.example/acme/shop/-/blob/trunk/src/app/views.py#L12",
        "{found}"
    );
    assert!(found["error"].is_null());
    let (_, found) = server.get(&link("app/api/routes.py"), &owner).await;
    assert_eq!(
        found["sourceUrl"],
        "https://gitlab.acme.example/acme/shop/-/blob/trunk/services/api/routes.py#L12",
        "the longest stack root wins: {found}"
    );
    let (_, found) = server.get(&link("lib/other.py"), &owner).await;
    assert_eq!(found["error"], "stack_root_mismatch", "{found}");
    let (status, _) =
        server.get("/api/0/projects/cairn/shop/stacktrace-link/?lineNo=3", &owner).await;
    assert_eq!(status, 400);

    // The host's kind set by hand wins over the guess.
    let (_, repo) = server.put(&repo_path, &owner, json!({"provider": "github"})).await;
    assert_eq!(repo["provider"]["id"], "integrations:github", "{repo}");
    let (_, found) = server.get(&link("app/views.py"), &owner).await;
    assert_eq!(
        found["sourceUrl"],
        "https://gitlab.acme.example/acme/shop/blob/trunk/src/app/views.py#L12"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn code_mappings_api_creates_changes_and_deletes() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&owner, "Shop").await;
    let (_, project) = server.get("/api/0/projects/cairn/shop/", &owner).await;
    let project_id = project["id"].as_str().expect("project id").to_owned();
    let member = server.member_token("member@example.com");

    let (status, repo) = server
        .post(
            "/api/0/organizations/cairn/repos/",
            &owner,
            json!({"name": "acme/web", "url": "https://code.example/acme/web"}),
        )
        .await;
    assert_eq!(status, 201, "{repo}");
    assert_eq!(repo["provider"]["id"], "integrations:github");
    let repo_id = repo["id"].as_str().expect("repository id").to_owned();
    let (status, body) =
        server.post("/api/0/organizations/cairn/repos/", &owner, json!({"name": "acme/web"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = server
        .post("/api/0/organizations/cairn/repos/", &member, json!({"name": "acme/other"}))
        .await;
    assert_eq!(status, 403, "members do not add repositories");

    let path = "/api/0/organizations/cairn/code-mappings/";
    let request = json!({
        "projectId": project_id, "repositoryId": repo_id, "stackRoot": "webpack:///./",
        "sourceRoot": "frontend/", "defaultBranch": "main", "integrationId": null,
    });
    let (status, created) = server.post(path, &owner, request.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["repoUrl"], "https://code.example/acme/web");
    assert_eq!(created["repoProvider"], "github");
    let (status, body) = server.post(path, &owner, request.clone()).await;
    assert_eq!(status, 400, "the same pair twice: {body}");
    let (status, _) = server.post(path, &member, request.clone()).await;
    assert_eq!(status, 403);
    let mut unknown = request.clone();
    unknown["repositoryId"] = json!(9_999);
    let (status, body) = server.post(path, &owner, unknown).await;
    assert_eq!((status, body["detail"].as_str()), (400, Some("repositoryId: no such repository")));
    // Sentry's documented snake_case names are taken too.
    let snake = json!({
        "project_id": project_id.parse::<i64>().expect("numeric id"),
        "repository_id": repo_id, "stack_root": "", "source_root": "",
    });
    let (status, catch_all) = server.post(path, &owner, snake).await;
    assert_eq!(status, 201, "{catch_all}");
    assert_eq!(catch_all["defaultBranch"], "main");

    // Members read them; a change moves the link; a deletion takes the mapping away.
    let (status, listed) = server.get(&format!("{path}?project={project_id}"), &member).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(roots(&listed), [("webpack:///./", "frontend/"), ("", "")]);
    let id = created["id"].as_str().expect("mapping id");
    let (status, one) = server.get(&format!("{path}{id}/"), &member).await;
    assert_eq!((status, &one["stackRoot"]), (200, &json!("webpack:///./")), "{one}");
    assert_eq!(server.get(&format!("{path}999999/"), &member).await.0, 404);
    let mut change = request.clone();
    change["stackRoot"] = json!("src/");
    change["defaultBranch"] = json!("release");
    let (status, changed) = server.put(&format!("{path}{id}/"), &owner, change).await;
    assert_eq!(status, 200, "{changed}");
    let (_, found) = server
        .get("/api/0/projects/cairn/shop/stacktrace-link/?file=src/cart.ts&lineNo=4", &member)
        .await;
    assert_eq!(
        found["sourceUrl"],
        "https://code.example/acme/web/blob/release/frontend/cart.ts#L4"
    );
    assert_eq!(server.delete(&format!("{path}{id}/"), &member).await, 403);
    assert_eq!(server.delete(&format!("{path}{id}/"), &owner).await, 204);
    assert_eq!(server.delete(&format!("{path}{id}/"), &owner).await, 404);
    let (_, found) = server
        .get("/api/0/projects/cairn/shop/stacktrace-link/?file=src/cart.ts&lineNo=4", &member)
        .await;
    assert_eq!(
        found["sourceUrl"], "https://code.example/acme/web/blob/main/src/cart.ts#L4",
        "the catch-all mapping is left: {found}"
    );
}
