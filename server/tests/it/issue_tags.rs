//! An issue's tag values through the HTTP API (Sentry's tag details), on events sent with the
//! official SDK: every value a page at a time, sorted by events, last seen or first seen, and
//! the tag's number of different values; and the issue's events searched by their tags and
//! text.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::common::{sentry_hub, TestServer};

/// Sends, with the official SDK, the message `checkout failed` tagged with `customer`, once
/// per `(customer, minutes ago)`.
async fn send_checkouts(dsn: &str, sends: &[(&str, u64)]) {
    let dsn = dsn.to_owned();
    let sends: Vec<(String, u64)> = sends.iter().map(|(c, m)| ((*c).to_owned(), *m)).collect();
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, "shop@1.0");
        for (customer, minutes_ago) in sends {
            let event = sentry::protocol::Event {
                message: Some("checkout failed".into()),
                level: sentry::Level::Error,
                timestamp: SystemTime::now() - Duration::from_secs(60 * minutes_ago),
                tags: [("customer".to_owned(), customer)].into_iter().collect(),
                ..Default::default()
            };
            sentry::Hub::run(Arc::clone(&hub), || sentry::capture_event(event));
        }
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered the events");
    })
    .await
    .expect("SDK thread");
}

/// Six `checkout failed` events of one issue, tagged `customer`: acme 3 (first 9, last 1 minute
/// ago), gamma 2 (7 and 6 minutes ago), beta 1 (5 minutes ago). Returns the issue's id.
pub async fn six_checkouts(server: &TestServer, token: &str, dsn: &str) -> String {
    send_checkouts(
        dsn,
        &[("acme", 9), ("acme", 8), ("gamma", 7), ("gamma", 6), ("beta", 5), ("acme", 1)],
    )
    .await;
    let issues = server.wait_for_issues(token, |i| i.len() == 1 && i[0]["count"] == "6").await;
    issues[0]["id"].as_str().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tags_values_are_listed_a_page_at_a_time_in_the_order_asked() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    let id = six_checkouts(&server, &token, &dsn).await;
    let values_path = format!("/api/0/organizations/cairn/issues/{id}/tags/customer/values/");
    let values = |query: &str| {
        let path = format!("{values_path}{query}");
        let (server, token) = (&server, &token);
        async move { server.get_page(&path, token).await }
    };
    let names = |values: &Value| -> Vec<String> {
        values
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|v| v["value"].as_str().map(str::to_owned))
            .collect()
    };

    let (status, _, by_count) = values("").await;
    assert_eq!(status, 200, "{by_count}");
    assert_eq!(names(&by_count), ["acme", "gamma", "beta"], "the most events first by default");
    assert_eq!(by_count[0]["count"], 3);
    for (sort, expected) in [
        ("-count", ["acme", "gamma", "beta"]),
        ("-last_seen", ["acme", "beta", "gamma"]),
        ("date", ["acme", "beta", "gamma"]),
        ("-first_seen", ["beta", "gamma", "acme"]),
        ("age", ["beta", "gamma", "acme"]),
    ] {
        let (status, _, sorted) = values(&format!("?sort={sort}")).await;
        assert_eq!(status, 200, "{sorted}");
        assert_eq!(names(&sorted), expected, "sort={sort}");
    }

    // Pages of two, the sort kept in the links.
    let (status, link, first) = values("?sort=-last_seen&per_page=2").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(names(&first), ["acme", "beta"]);
    assert!(link.contains("rel=\"previous\"; results=\"false\""), "{link}");
    assert!(link.contains("sort=-last_seen&per_page=2&cursor=0:2:0"), "{link}");
    assert!(link.contains("rel=\"next\"; results=\"true\"; cursor=\"0:2:0\""), "{link}");
    let (status, link, second) = values("?sort=-last_seen&per_page=2&cursor=0:2:0").await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(names(&second), ["gamma"]);
    assert!(link.contains("rel=\"next\"; results=\"false\""), "{link}");
    assert!(link.contains("rel=\"previous\"; results=\"true\"; cursor=\"0:0:1\""), "{link}");

    let (status, _, refused) = values("?sort=popular").await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(
        refused["detail"],
        "sort: \"popular\" is not one of -count, -last_seen, -first_seen."
    );
    let (status, _, refused) = values("?per_page=101").await;
    assert_eq!(status, 400, "{refused}");

    // The tag itself: its events and its number of different values.
    let (status, tag) =
        server.get(&format!("/api/0/organizations/cairn/issues/{id}/tags/customer/"), &token).await;
    assert_eq!(status, 200, "{tag}");
    assert_eq!((tag["totalValues"].clone(), tag["uniqueValues"].clone()), (6.into(), 3.into()));
    let (status, missing) = server
        .get(&format!("/api/0/organizations/cairn/issues/{id}/tags/nonexistent/values/"), &token)
        .await;
    assert_eq!(status, 404, "a tag the issue never had, as Sentry: {missing}");
    let (status, _, past_the_end) = values("?cursor=0:100:0").await;
    assert_eq!((status, past_the_end), (200, Value::Array(Vec::new())));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issues_events_are_searched_by_tags_and_text_a_page_at_a_time() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    let id = six_checkouts(&server, &token, &dsn).await;
    let search = |path: String, query: &str, extra: &str| {
        let path = format!("{path}?query={}{extra}", urlencode(query));
        let (server, token) = (&server, &token);
        async move { server.get_page(&path, token).await }
    };
    let org_path = format!("/api/0/organizations/cairn/issues/{id}/events/");
    let customers = |events: &Value| -> Vec<String> {
        events
            .as_array()
            .expect("a list")
            .iter()
            .map(|event| {
                event["tags"]
                    .as_array()
                    .and_then(|tags| tags.iter().find(|t| t["key"] == "customer"))
                    .and_then(|t| t["value"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };

    for (query, expected) in [
        ("customer:beta", vec!["beta"]),
        ("customer:[beta, gamma]", vec!["beta", "gamma", "gamma"]),
        ("!customer:acme", vec!["beta", "gamma", "gamma"]),
        ("customer:g*", vec!["gamma", "gamma"]),
        ("has:customer customer:acme", vec!["acme", "acme", "acme"]),
        ("CHECKOUT", vec!["acme", "beta", "gamma", "gamma", "acme", "acme"]),
        ("payment", vec![]),
        ("", vec!["acme", "beta", "gamma", "gamma", "acme", "acme"]),
    ] {
        let (status, _, events) = search(org_path.clone(), query, "").await;
        assert_eq!(status, 200, "{query}: {events}");
        assert_eq!(customers(&events), expected, "{query:?}, newest first");
    }

    // Pages of the matches, the search kept in the links; the route without the organization.
    let path = format!("/api/0/issues/{id}/events/");
    let (status, link, first) = search(path.clone(), "!customer:beta", "&per_page=2").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(customers(&first), ["acme", "gamma"]);
    assert!(link.contains("query=%21customer%3Abeta&per_page=2&cursor=0:2:0"), "{link}");
    assert!(link.contains("rel=\"next\"; results=\"true\""), "{link}");
    let (_, _, second) = search(path.clone(), "!customer:beta", "&per_page=2&cursor=0:2:0").await;
    assert_eq!(customers(&second), ["gamma", "acme"]);
    let (_, link, third) = search(path.clone(), "!customer:beta", "&per_page=2&cursor=0:4:0").await;
    assert_eq!(customers(&third), ["acme"]);
    assert!(link.contains("rel=\"next\"; results=\"false\""), "{link}");

    let (status, _, refused) = search(org_path.clone(), "is:unresolved", "").await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["detail"], "is: is a property of issues, not of their events");
    let (status, _, refused) = search(org_path, "customer:", "").await;
    assert_eq!(status, 400, "{refused}");
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
