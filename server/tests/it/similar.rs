//! Sentry's similar issues through the HTTP API, on issues made from the official SDK's
//! events: the same error raised from another function (grouped apart) ranks first with its
//! scores, an unrelated message is left out, and merging from the list takes the merged issue
//! out of it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{capture_message, sentry_hub, TestServer};

/// Sends, with the official SDK, a `ValueError` with `value` raised through `functions`
/// (outermost first), every frame the application's.
async fn capture_error(dsn: &str, value: &str, functions: &[&str]) {
    let (dsn, value) = (dsn.to_owned(), value.to_owned());
    let functions: Vec<String> = functions.iter().map(|f| (*f).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, "shop@1.0");
        let frames = functions
            .iter()
            .map(|function| sentry::protocol::Frame {
                function: Some(function.clone()),
                module: Some("shop.orders".into()),
                filename: Some("shop/orders.py".into()),
                in_app: Some(true),
                ..Default::default()
            })
            .collect();
        let exception = sentry::protocol::Exception {
            ty: "ValueError".into(),
            value: Some(value),
            stacktrace: Some(sentry::protocol::Stacktrace { frames, ..Default::default() }),
            ..Default::default()
        };
        let event =
            sentry::protocol::Event { exception: vec![exception].into(), ..Default::default() };
        sentry::Hub::run(Arc::clone(&hub), || sentry::capture_event(event));
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered the event");
    })
    .await
    .expect("SDK thread");
}

/// The same `ValueError` raised from two functions, which grouping keeps apart (a different
/// innermost function) though they are the same problem: titled [`QUANTITY`], then [`PRICE`].
pub async fn capture_the_same_error_twice(dsn: &str) {
    capture_error(
        dsn,
        "invalid literal for int() with base 10: 'abc'",
        &["main", "handle", "parse_quantity"],
    )
    .await;
    capture_error(
        dsn,
        "invalid literal for int() with base 10: 'x1'",
        &["main", "handle", "parse_price"],
    )
    .await;
}

/// The title of the first issue of [`capture_the_same_error_twice`].
pub const QUANTITY: &str = "ValueError: invalid literal for int() with base 10: 'abc'";
/// The title of its second issue.
pub const PRICE: &str = "ValueError: invalid literal for int() with base 10: 'x1'";

/// The id of the listed issue whose title starts with `title`.
fn id_of(issues: &[Value], title: &str) -> String {
    issues
        .iter()
        .find(|i| i["title"].as_str().is_some_and(|t| t.starts_with(title)))
        .and_then(|i| i["id"].as_str())
        .unwrap_or_else(|| panic!("an issue titled {title:?} in {issues:?}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_error_raised_elsewhere_is_listed_as_similar_and_merged_from_the_list() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    capture_the_same_error_twice(&dsn).await;
    capture_error(&dsn, "connection refused", &["worker", "connect"]).await;
    capture_message(&dsn, "shop@1.0", "cache warmed up").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 4).await;
    let (quantity, price) = (id_of(&issues, QUANTITY), id_of(&issues, PRICE));
    let refused = id_of(&issues, "ValueError: connection refused");

    let path = format!("/api/0/organizations/cairn/issues/{quantity}/similar/");
    let (status, similar) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{similar}");
    let listed: Vec<&str> =
        similar.as_array().expect("a list").iter().filter_map(|s| s[0]["id"].as_str()).collect();
    // Not the issue itself; not the message, which shares no feature with an exception.
    assert_eq!(listed.first(), Some(&price.as_str()), "{similar:#}");
    assert!(!listed.contains(&quantity.as_str()), "{similar:#}");
    assert!(listed.iter().all(|id| [price.as_str(), refused.as_str()].contains(id)), "{similar:#}");
    let (issue, scores) = (&similar[0][0], &similar[0][1]);
    assert_eq!(issue["title"], PRICE);
    assert_eq!(issue["count"], "1", "the issue as the issue list shows it: {issue}");
    assert!(
        scores["exception:message:character-shingles"].as_f64().is_some_and(|s| s > 0.6),
        "most of the message is shared: {scores}"
    );
    // Of the pairs main→handle, handle→parse_quantity and handle→parse_price, one is shared.
    assert_eq!(scores["exception:stacktrace:pairs"], json!(1.0 / 3.0), "{scores}");
    // Each stack trace is one block of the application's frames, and the blocks differ.
    assert_eq!(scores["exception:stacktrace:application-chunks"], json!(0.0), "{scores}");
    assert_eq!(scores["message:message:character-shingles"], Value::Null, "{scores}");

    // The same without the organization in the path; the limit is honoured and checked.
    let (status, again) =
        server.get(&format!("/api/0/issues/{quantity}/similar/?limit=1"), &token).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again.as_array().map(Vec::len), Some(1), "{again}");
    assert_eq!(again[0], similar[0], "the stored features give the same scores");
    let (status, refused_limit) = server.get(&format!("{path}?limit=0"), &token).await;
    assert_eq!(status, 400, "{refused_limit}");
    assert_eq!(refused_limit["detail"], "limit must be a number from 1 to 100.");
    let (status, missing) =
        server.get("/api/0/organizations/cairn/issues/999999/similar/", &token).await;
    assert_eq!(status, 404, "{missing}");

    // The other issues' features were kept: one row each for the three compared.
    let db = server.database().await;
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM issue_similarity")
        .fetch_one(&db)
        .await
        .expect("counted");
    assert_eq!(kept, 3);

    // Merged, as the tab's Merge does: the price issue is gone from the list.
    let (status, merged) = server
        .put(
            &format!("/api/0/organizations/cairn/issues/?id={quantity}&id={price}"),
            &token,
            json!({"merge": true}),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    let parent = merged["merge"]["parent"].as_str().expect("a parent").to_owned();
    let (status, after) =
        server.get(&format!("/api/0/organizations/cairn/issues/{parent}/similar/"), &token).await;
    assert_eq!(status, 200, "{after}");
    let listed: Vec<&str> =
        after.as_array().expect("a list").iter().filter_map(|s| s[0]["id"].as_str()).collect();
    assert!(!listed.contains(&price.as_str()) && !listed.contains(&quantity.as_str()), "{after}");
    let parent_kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM issue_similarity WHERE issue_id = ?")
            .bind(parent.parse::<i64>().expect("numeric id"))
            .fetch_one(&db)
            .await
            .expect("counted");
    assert_eq!(parent_kept, 0, "the merged issue's features are made again");

    // Compared from another issue, the merged issue's features are made and kept; unmerging
    // one of its fingerprints makes them again.
    let parent_rows = || {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM issue_similarity WHERE issue_id = ?")
            .bind(parent.parse::<i64>().expect("numeric id"))
            .fetch_one(&db)
    };
    let path = format!("/api/0/organizations/cairn/issues/{refused}/similar/");
    assert_eq!(server.get(&path, &token).await.0, 200);
    assert_eq!(parent_rows().await.expect("counted"), 1);
    let (_, hashes) = server.get(&format!("/api/0/issues/{parent}/hashes/"), &token).await;
    let hash = hashes[0]["id"].as_str().expect("a hash");
    let status = server.delete(&format!("/api/0/issues/{parent}/hashes/?id={hash}"), &token).await;
    assert_eq!(status, 202);
    assert_eq!(parent_rows().await.expect("counted"), 0, "made again after the unmerge");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_is_similar_to_messages_that_read_alike() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Shop").await;
    capture_message(&dsn, "shop@1.0", "the payment provider declined the card of a customer").await;
    capture_message(&dsn, "shop@1.0", "the payment provider declined the card of a merchant").await;
    capture_message(&dsn, "shop@1.0", "nightly report sent").await;
    let issues = server.wait_for_issues(&token, |issues| issues.len() == 3).await;
    let first = id_of(&issues, "the payment provider declined the card of a customer");
    let second = id_of(&issues, "the payment provider declined the card of a merchant");
    let (status, similar) =
        server.get(&format!("/api/0/organizations/cairn/issues/{first}/similar/"), &token).await;
    assert_eq!(status, 200, "{similar}");
    assert_eq!(similar[0][0]["id"], second, "{similar:#}");
    let scores = &similar[0][1];
    assert!(
        scores["message:message:character-shingles"].as_f64().is_some_and(|s| s > 0.4),
        "{scores}"
    );
    assert_eq!(scores["exception:message:character-shingles"], Value::Null, "{scores}");
    let ranked: Vec<f64> = similar
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|s| s[1]["message:message:character-shingles"].as_f64())
        .collect();
    assert!(ranked.windows(2).all(|w| w[0] >= w[1]), "the most alike first: {similar:#}");
}
