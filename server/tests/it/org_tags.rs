//! The organization's tags (`/api/0/organizations/{org}/tags/` and `.../tags/{key}/values/`),
//! which the issue stream's search bar suggests from.

use serde_json::Value;

use crate::common::{send_error_with_breadcrumbs, TestServer};

fn strings(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item[field].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_keys_and_values_come_from_the_organizations_issues() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&owner, "Backend").await;
    tokio::task::spawn_blocking(move || {
        send_error_with_breadcrumbs(&dsn);
        send_error_with_breadcrumbs(&dsn);
    })
    .await
    .expect("SDK thread");
    server
        .wait_for_issues(&owner, |issues| issues.first().is_some_and(|i| i["count"] == "2"))
        .await;

    let (status, keys) = server.get("/api/0/organizations/cairn/tags/", &owner).await;
    assert_eq!(status, 200, "{keys}");
    let names = strings(&keys, "key");
    for key in ["environment", "release", "level"] {
        assert!(names.contains(&key.to_owned()), "{key} in {keys}");
    }
    let environment = keys.as_array().into_iter().flatten().find(|k| k["key"] == "environment");
    assert_eq!(environment.expect("environment")["totalValues"], 1, "{keys}");

    let (status, values) =
        server.get("/api/0/organizations/cairn/tags/environment/values/", &owner).await;
    assert_eq!(status, 200, "{values}");
    assert_eq!(strings(&values, "value"), vec!["test"], "{values}");
    assert_eq!(values[0]["count"], 2, "{values}");
    let (_, values) =
        server.get("/api/0/organizations/cairn/tags/release/values/?query=end%401", &owner).await;
    assert_eq!(strings(&values, "value"), vec!["backend@1.0.0"], "{values}");
    let (_, values) =
        server.get("/api/0/organizations/cairn/tags/release/values/?query=%25", &owner).await;
    assert_eq!(values, serde_json::json!([]), "a % is a character, not a wildcard");

    // Another project of the organization has none of these.
    let (_, internal) = server.get("/api/0/projects/cairn/internal/", &owner).await;
    let internal = internal["id"].as_str().expect("id").to_owned();
    let (_, values) = server
        .get(
            &format!("/api/0/organizations/cairn/tags/environment/values/?project={internal}"),
            &owner,
        )
        .await;
    assert_eq!(values, serde_json::json!([]), "{values}");

    let (status, body) =
        server.get("/api/0/organizations/cairn/tags/environment/values/?per_page=0", &owner).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("per_page")), "{body}");
}
