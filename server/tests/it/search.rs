//! Sentry's issue search, sort and pagination through the HTTP API, on issues made from real
//! SDK events with different releases, environments, levels, tags and users.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::common::TestServer;

/// One event to send with the official SDK.
struct Send {
    message: &'static str,
    release: &'static str,
    environment: &'static str,
    level: sentry::Level,
    tags: &'static [(&'static str, &'static str)],
    user: Option<(&'static str, &'static str)>,
    /// How long ago it happened (`None`: now).
    ago: Option<Duration>,
}

fn send(dsn: &str, event: &Send) {
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(dsn.parse().expect("valid DSN"));
    options.release = Some(event.release.into());
    options.environment = Some(event.environment.into());
    let client = std::sync::Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
    let user = event.user.map(|(kind, value)| match kind {
        "id" => sentry::User { id: Some(value.into()), ..Default::default() },
        _ => sentry::User { email: Some(value.into()), ..Default::default() },
    });
    let sdk_event = sentry::protocol::Event {
        message: Some(event.message.into()),
        level: event.level,
        tags: event.tags.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        user,
        timestamp: SystemTime::now() - event.ago.unwrap_or_default(),
        ..Default::default()
    };
    client.capture_event(sdk_event, None);
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
}

/// A server with four issues: three in project `backend`, one in `frontend`.
///
/// | issue | release | env | level | tags | users | events |
/// |---|---|---|---|---|---|---|
/// | alpha | backend@1.0.0 | production | error | server=web-1 | id:1,2,3 | 4 (first and last) |
/// | beta | backend@2.0.0 | staging | warning | server=web-2 | b@example.com, id:7 | 5 |
/// | gamma | backend@2.0.0 | production | info | – | – | 1, three days ago |
/// | delta | frontend@1.0.0 | production | fatal | browser=Firefox 120 | id:9 | 1 |
async fn seeded() -> (TestServer, String, i64) {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let backend = server.create_project(&token, "Backend").await;
    let frontend = server.create_project(&token, "Frontend").await;
    let frontend_id: i64 =
        frontend.rsplit('/').next().and_then(|id| id.parse().ok()).expect("project id");
    let alpha = |user: &'static str| Send {
        message: "alpha database timeout",
        release: "backend@1.0.0",
        environment: "production",
        level: sentry::Level::Error,
        tags: &[("server", "web-1")],
        user: Some(("id", user)),
        ago: None,
    };
    let beta = |user: (&'static str, &'static str)| Send {
        message: "beta cache miss",
        release: "backend@2.0.0",
        environment: "staging",
        level: sentry::Level::Warning,
        tags: &[("server", "web-2")],
        user: Some(user),
        ago: None,
    };
    let gamma = Send {
        message: "gamma parse failure",
        release: "backend@2.0.0",
        environment: "production",
        level: sentry::Level::Info,
        tags: &[],
        user: None,
        ago: Some(Duration::from_secs(3 * 86_400)),
    };
    let delta = Send {
        message: "delta render crash",
        release: "frontend@1.0.0",
        environment: "production",
        level: sentry::Level::Fatal,
        tags: &[("browser", "Firefox 120")],
        user: Some(("id", "9")),
        ago: None,
    };
    tokio::task::spawn_blocking(move || {
        for user in ["1", "2", "3"] {
            send(&backend, &alpha(user));
        }
        for user in [
            ("email", "b@example.com"),
            ("email", "b@example.com"),
            ("email", "b@example.com"),
            ("id", "7"),
            ("id", "7"),
        ] {
            send(&backend, &beta(user));
        }
        send(&backend, &gamma);
        send(&frontend, &delta);
        // Alpha again: first seen first, last seen last.
        send(&backend, &alpha("1"));
    })
    .await
    .expect("SDK thread");
    server.wait_for_issues(&token, |issues| issues.len() == 4).await;
    (server, token, frontend_id)
}

/// A GET with its status, body and headers.
async fn fetch(
    server: &TestServer,
    token: &str,
    path: &str,
) -> (u16, Value, BTreeMap<String, String>) {
    let url =
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", server.url) };
    let response = server.http.get(url).bearer_auth(token).send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    (status, response.json().await.unwrap_or(Value::Null), headers)
}

/// The short names (first word of the title) of the issues a list answers, in order.
async fn names(server: &TestServer, token: &str, path: &str) -> Vec<String> {
    let (status, body, _) = fetch(server, token, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body.as_array()
        .expect("a list")
        .iter()
        .map(|issue| {
            issue["title"].as_str().and_then(|t| t.split(' ').next()).unwrap_or_default().to_owned()
        })
        .collect()
}

fn q(query: &str) -> String {
    let encoded: String = form_urlencoded_pairs(&[("query", query)]);
    format!("/api/0/organizations/cairn/issues/?{encoded}")
}

fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let value: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn search_filters_return_exactly_the_matching_issues() {
    let (server, token, frontend_id) = seeded().await;
    // Sentry's `issues-count`: each search counted in the request's range and environments.
    let count = |query: String| {
        let (server, token) = (&server, &token);
        async move {
            let path = format!("/api/0/organizations/cairn/issues-count/?{query}");
            let (status, body, _) = fetch(server, token, &path).await;
            (status, body)
        }
    };
    let searches = form_urlencoded_pairs(&[
        ("query", "is:unresolved"),
        ("query", "level:error"),
        ("query", "release:latest"),
    ]);
    let (status, counts) = count(format!("{searches}&statsPeriod=24h")).await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(counts, json!({"is:unresolved": 3, "level:error": 1, "release:latest": 2}));
    let (_, counts) = count(format!("{searches}&environment=production")).await;
    assert_eq!(counts, json!({"is:unresolved": 3, "level:error": 1, "release:latest": 2}));
    let (_, counts) = count(format!("query=is%3Aunresolved&project={frontend_id}")).await;
    assert_eq!(counts, json!({"is:unresolved": 1}));
    let eleven = vec![("query", "is:unresolved"); 11];
    for bad in [String::new(), form_urlencoded_pairs(&eleven), "query=is%3Abogus".to_owned()] {
        let (status, body) = count(bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
    let day_ago = day_ago.format("%Y-%m-%dT%H:%M:%S").to_string();
    let cases: Vec<(String, &[&str])> = vec![
        (q("release:backend@2.0.0"), &["beta", "gamma"]),
        (q("release:backend@*"), &["alpha", "beta", "gamma"]),
        (q("!release:backend@2.0.0"), &["alpha", "delta"]),
        (q("release:[backend@1.0.0, frontend@1.0.0]"), &["alpha", "delta"]),
        // `latest`: each project's newest release (backend@2.0.0 came after backend@1.0.0).
        (q("release:latest"), &["beta", "delta", "gamma"]),
        (q("!release:latest"), &["alpha"]),
        (q("release:[latest, backend@1.0.0]"), &["alpha", "beta", "delta", "gamma"]),
        ("/api/0/projects/cairn/frontend/issues/?query=release:latest".into(), &["delta"]),
        (q("firstRelease:latest"), &["beta", "delta", "gamma"]),
        // Sentry's semver search over the releases' versions, and their packages.
        (q("release.version:>=2.0"), &["beta", "gamma"]),
        (q("release.version:<2"), &["alpha", "delta"]),
        (q("!release.version:>=2.0"), &["alpha", "delta"]),
        (q("release.version:1.*"), &["alpha", "delta"]),
        (q("release.version:>=backend@1.0.0"), &["alpha", "beta", "gamma"]),
        (q("release.version:1.0.0"), &["alpha", "delta"]),
        (q("release.version:>5"), &[]),
        (q("!release.version:>5"), &["alpha", "beta", "delta", "gamma"]),
        (q("release.package:frontend"), &["delta"]),
        (q("release.package:back*"), &["alpha", "beta", "gamma"]),
        (q("release.package:[frontend, nope]"), &["delta"]),
        ("/api/0/projects/cairn/backend/issues/?query=release.version:1.*".into(), &["alpha"]),
        (q("environment:production"), &["alpha", "delta", "gamma"]),
        (q("level:[warning, fatal]"), &["beta", "delta"]),
        (q("level:error"), &["alpha"]),
        (q("server:web-1"), &["alpha"]),
        (q("has:server"), &["alpha", "beta"]),
        (q("!has:server"), &["delta", "gamma"]),
        (q(r#"browser:"Firefox 120""#), &["delta"]),
        (q("browser:firefox*"), &["delta"]),
        (q("user.email:b@example.com"), &["beta"]),
        (q("user.id:[1, 9]"), &["alpha", "delta"]),
        (q("has:user !user.id:7"), &["alpha", "delta"]),
        (q("timesSeen:>3"), &["alpha", "beta"]),
        (q("timesSeen:1"), &["delta", "gamma"]),
        (q("timesSeen:<=4 timesSeen:>=2"), &["alpha"]),
        (q("firstSeen:-24h"), &["alpha", "beta", "delta"]),
        (q("age:-24h"), &["alpha", "beta", "delta"]),
        (q("firstSeen:+1d"), &["gamma"]),
        (q("lastSeen:-1h"), &["alpha", "beta", "delta"]),
        (q("lastSeen:<-2d"), &["gamma"]),
        (q(&format!("firstSeen:<{day_ago}")), &["gamma"]),
        (q(&format!("lastSeen:>={day_ago}")), &["alpha", "beta", "delta"]),
        (q("cache miss"), &["beta"]),
        // Free text is case-insensitive, and text too short for the trigram index still matches.
        (q("CACHE Miss"), &["beta"]),
        (q("ta"), &["alpha", "beta", "delta"]),
        (q(r#""parse failure""#), &["gamma"]),
        (q("gam*fail"), &["gamma"]),
        (q("!cache"), &["alpha", "delta", "gamma"]),
        (q("is:unresolved release:backend@2.0.0 level:info"), &["gamma"]),
        (q("is:unassigned"), &["alpha", "beta", "delta", "gamma"]),
        (q("is:assigned"), &[]),
        (q("assigned:none"), &["alpha", "beta", "delta", "gamma"]),
        (q("assigned:me"), &[]),
        (q("bookmarks:me"), &[]),
        (q("is:for_review"), &["alpha", "beta", "delta", "gamma"]),
        (q(""), &["alpha", "beta", "delta", "gamma"]),
        ("/api/0/organizations/cairn/issues/?environment=staging".into(), &["beta"]),
        (
            "/api/0/organizations/cairn/issues/?environment=staging&environment=production&query=level:info"
                .into(),
            &["gamma"],
        ),
        (format!("/api/0/organizations/cairn/issues/?project={frontend_id}"), &["delta"]),
        ("/api/0/organizations/cairn/issues/?project=-1".into(), &["alpha", "beta", "delta", "gamma"]),
        ("/api/0/projects/cairn/frontend/issues/".into(), &["delta"]),
        ("/api/0/projects/cairn/backend/issues/?query=level:info".into(), &["gamma"]),
        ("/api/0/organizations/cairn/issues/?statsPeriod=24h".into(), &["alpha", "beta", "delta"]),
        ("/api/0/organizations/cairn/issues/?statsPeriod=14d".into(), &["alpha", "beta", "delta", "gamma"]),
        (
            format!(
                "/api/0/organizations/cairn/issues/?statsPeriod=&start=2000-01-01T00:00:00&end={day_ago}"
            ),
            &["gamma"],
        ),
    ];
    for (path, expected) in cases {
        assert_eq!(sorted(names(&server, &token, &path).await), expected, "{path}");
    }

    // Status: the default query is `is:unresolved`; an empty query is no filter.
    let (_, gamma, _) = fetch(&server, &token, &q("gamma")).await;
    let gamma_id = gamma[0]["id"].as_str().expect("id").to_owned();
    let (status, _) = server
        .put(&format!("/api/0/issues/{gamma_id}/"), &token, json!({"status": "resolved"}))
        .await;
    assert_eq!(status, 200);
    let default = "/api/0/organizations/cairn/issues/";
    assert_eq!(sorted(names(&server, &token, default).await), ["alpha", "beta", "delta"]);
    assert_eq!(names(&server, &token, &q("is:resolved")).await, ["gamma"]);
    assert_eq!(names(&server, &token, &q("!is:unresolved")).await, ["gamma"]);
    assert_eq!(
        sorted(names(&server, &token, &q("is:for_review")).await),
        ["alpha", "beta", "delta"]
    );
    assert_eq!(sorted(names(&server, &token, &q("")).await), ["alpha", "beta", "delta", "gamma"]);

    // A status change by query keeps to the request's projects and environments, and resolves
    // its release filters: only alpha (backend, production, 1.0.0) is resolved.
    let (_, backend, _) = fetch(&server, &token, "/api/0/projects/cairn/backend/").await;
    let backend_id = backend["id"].as_str().expect("the project's id").to_owned();
    let path = format!(
        "/api/0/organizations/cairn/issues/?project={backend_id}&environment=production&{}",
        form_urlencoded_pairs(&[("query", "is:unresolved release.version:<2")])
    );
    let (status, answer) = server.put(&path, &token, json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(sorted(names(&server, &token, &q("is:resolved")).await), ["alpha", "gamma"]);
    let path = format!(
        "/api/0/organizations/cairn/issues/?environment=staging&{}",
        form_urlencoded_pairs(&[("query", "is:unresolved release.package:backend")])
    );
    let (status, answer) = server.put(&path, &token, json!({"status": "resolved"})).await;
    assert_eq!(status, 200, "{answer}");
    let resolved = sorted(names(&server, &token, &q("is:resolved")).await);
    assert_eq!(resolved, ["alpha", "beta", "gamma"], "only the staging issue besides");
}

#[tokio::test(flavor = "multi_thread")]
async fn short_ids_find_their_issue() {
    let (server, token, _) = seeded().await;
    let (_, delta, _) = fetch(&server, &token, &q("delta")).await;
    let (id, short_id) = (delta[0]["id"].as_str().expect("id"), delta[0]["shortId"].as_str());
    assert_eq!(short_id, Some("FRONTEND-1"));

    // The search bar's direct hit: the query is a short id, in any case.
    for query in ["FRONTEND-1", "frontend-1"] {
        let path = format!("{}&shortIdLookup=1", q(query));
        let (status, body, headers) = fetch(&server, &token, &path).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(body[0]["id"], id);
        assert_eq!(headers.get("x-sentry-direct-hit").map(String::as_str), Some("1"));
    }
    // Without shortIdLookup, or for a short id that names nothing, it is a text search.
    let (_, body, headers) = fetch(&server, &token, &q("FRONTEND-1")).await;
    assert_eq!(body.as_array().map(Vec::len), Some(0), "{body}");
    assert!(!headers.contains_key("x-sentry-direct-hit"));
    let path = format!("{}&shortIdLookup=1", q("FRONTEND-99"));
    let (status, body, headers) = fetch(&server, &token, &path).await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(0)));
    assert!(!headers.contains_key("x-sentry-direct-hit"));
    // A project filter the issue is outside of: no hit.
    let path = "/api/0/projects/cairn/backend/issues/?query=FRONTEND-1&shortIdLookup=1";
    let (_, body, _) = fetch(&server, &token, path).await;
    assert_eq!(body.as_array().map(Vec::len), Some(0), "{body}");

    // Sentry's lookup endpoint and the organization's issue routes take short ids.
    let (status, body, _) =
        fetch(&server, &token, "/api/0/organizations/cairn/shortids/FRONTEND-1/").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["groupId"], id);
    assert_eq!(body["projectSlug"], "frontend");
    assert_eq!(body["organizationSlug"], "cairn");
    assert_eq!(body["group"]["title"], delta[0]["title"]);
    let (status, body, _) =
        fetch(&server, &token, "/api/0/organizations/cairn/issues/FRONTEND-1/").await;
    assert_eq!((status, body["id"].as_str()), (200, Some(id)));
    for missing in ["FRONTEND-2", "NOPE-1", "FRONTEND-", "1-FRONTEND"] {
        let path = format!("/api/0/organizations/cairn/shortids/{missing}/");
        let (status, body, _) = fetch(&server, &token, &path).await;
        assert_eq!(status, 404, "{missing}: {body}");
        assert!(body["detail"].is_string(), "{body}");
    }
    // Short ids are an organization's: the route without one does not take them.
    let (status, _, _) = fetch(&server, &token, "/api/0/issues/FRONTEND-1/").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn sort_orders_and_pagination_visit_every_issue_once() {
    let (server, token, _) = seeded().await;
    let base = "/api/0/organizations/cairn/issues/?query=";
    let orders: [(&str, [&str; 4]); 7] = [
        ("", ["alpha", "delta", "beta", "gamma"]),
        ("&sort=date", ["alpha", "delta", "beta", "gamma"]),
        ("&sort=priority", ["alpha", "delta", "beta", "gamma"]),
        ("&sort=new", ["delta", "beta", "alpha", "gamma"]),
        // Each entered the inbox new, at its first event.
        ("&sort=inbox", ["delta", "beta", "alpha", "gamma"]),
        ("&sort=freq", ["beta", "alpha", "delta", "gamma"]),
        ("&sort=user", ["alpha", "beta", "delta", "gamma"]),
    ];
    for (sort, expected) in orders {
        let path = format!("{base}{sort}");
        assert_eq!(names(&server, &token, &path).await, expected, "{path}");

        // Page by page, following the Link header's next cursor.
        for limit in [1, 3] {
            let mut url = format!("{}{path}&limit={limit}", server.url);
            let mut seen = Vec::new();
            let mut pages = 0;
            loop {
                let (status, body, headers) = fetch(&server, &token, &url).await;
                assert_eq!(status, 200, "{url}: {body}");
                assert_eq!(headers.get("x-hits").map(String::as_str), Some("4"));
                let link = headers.get("link").expect("a Link header").clone();
                let (previous, next) = parse_link(&link);
                if pages == 0 {
                    assert!(
                        link.contains(r#"rel="previous"; results="false"; cursor="0:0:1""#),
                        "{link}"
                    );
                } else {
                    assert_eq!(previous.1, "true", "{link}");
                }
                for issue in body.as_array().expect("a list") {
                    let title = issue["title"].as_str().unwrap_or_default();
                    seen.push(title.split(' ').next().unwrap_or_default().to_owned());
                }
                pages += 1;
                assert!(pages <= 5, "pagination does not end: {seen:?}");
                if next.1 == "false" {
                    break;
                }
                url = next.0;
            }
            assert_eq!(seen, expected, "{path} limit {limit}");
            assert_eq!(pages, 4usize.div_ceil(limit), "{path} limit {limit}");
        }
    }

    // The second page's previous link leads back to the first page.
    let first = format!("{}{base}&sort=freq&limit=2", server.url);
    let (_, _, headers) = fetch(&server, &token, &first).await;
    let (_, next) = parse_link(&headers["link"]);
    let (_, page2, headers) = fetch(&server, &token, &next.0).await;
    assert_eq!(page2.as_array().map(Vec::len), Some(2));
    let (previous, _) = parse_link(&headers["link"]);
    let (_, page1, headers) = fetch(&server, &token, &previous.0).await;
    let titles: Vec<&str> =
        page1.as_array().expect("list").iter().filter_map(|i| i["title"].as_str()).collect();
    assert_eq!(titles, ["beta cache miss", "alpha database timeout"]);
    let (previous, next) = parse_link(&headers["link"]);
    assert_eq!(previous.1, "false", "nothing before the first page");
    assert_eq!(next.1, "true");

    // Following the first page's previous link anyway: an empty page that leads to the start.
    let (status, body, headers) = fetch(&server, &token, &previous.0).await;
    assert_eq!((status, body), (200, json!([])));
    let (previous, next) = parse_link(&headers["link"]);
    assert_eq!((previous.1.as_str(), next.1.as_str()), ("false", "true"));
    let (_, body, _) = fetch(&server, &token, &next.0).await;
    assert_eq!(body.as_array().map(Vec::len), Some(2));
}

/// `(url, results)` of the previous and next links of a Sentry `Link` header.
fn parse_link(header: &str) -> ((String, String), (String, String)) {
    let mut links = header.split(", <").map(|part| {
        let url = part.trim_start_matches('<').split('>').next().unwrap_or_default().to_owned();
        let results = part
            .split("results=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        (url, results)
    });
    let previous = links.next().expect("previous link");
    let next = links.next().expect("next link");
    assert!(header.contains("rel=\"previous\"") && header.contains("rel=\"next\""), "{header}");
    (previous, next)
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_searches_and_parameters_are_400_naming_the_fault() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let cases: [(String, &str); 15] = [
        (q("release.version:banana"), "release.version:banana"),
        (q("release.version:>1.*"), "release.version:>1.*"),
        (q("release.stage:popular"), "release.stage:popular"),
        (q("release.stage:adopted"), "Choose a single environment to filter by release stage."),
        (q("is:bogus"), "is:bogus"),
        (q("firstSeen:yesterday"), "firstSeen:yesterday"),
        (q("timesSeen:>many"), "timesSeen:>many"),
        (q("assigned:bob"), "assigned:bob"),
        (q(r#"release:"unterminated"#), "Unterminated quote"),
        (q("level:[error"), "Unterminated list"),
        ("/api/0/organizations/cairn/issues/?sort=trending".into(), "sort"),
        ("/api/0/organizations/cairn/issues/?cursor=abc".into(), "cursor"),
        ("/api/0/organizations/cairn/issues/?statsPeriod=forever".into(), "statsPeriod"),
        ("/api/0/organizations/cairn/issues/?bogus=1".into(), "bogus"),
        ("/api/0/projects/cairn/internal/issues/?project=1".into(), "project"),
    ];
    for (path, fault) in cases {
        let (status, body, _) = fetch(&server, &token, &path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(fault), "{path}: {detail:?} should name {fault:?}");
    }
    let (status, _, _) = fetch(&server, &token, "/api/0/projects/cairn/nope/issues/").await;
    assert_eq!(status, 404);
}

/// The `(name, visibility)` of the searches `token`'s user sees.
async fn saved(server: &TestServer, token: &str) -> Vec<(String, String)> {
    let (status, list) = server.get("/api/0/organizations/cairn/searches/", token).await;
    assert_eq!(status, 200, "{list}");
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    list.as_array()
        .expect("a list")
        .iter()
        .map(|search| (text(&search["name"]), text(&search["visibility"])))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn members_save_searches_of_their_own_and_managers_share_them() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let member = server.member_token("dev@example.com");
    let path = "/api/0/organizations/cairn/searches/";
    let own = |name: &str, visibility: &str| (name.to_owned(), visibility.to_owned());

    // A member's own search, seen by them alone, with Sentry's fields.
    let body = json!({"type": 0, "name": "My crashes", "query": "is:unresolved level:fatal",
                      "sort": "freq"});
    let (status, mine) = server.post(path, &member, body.clone()).await;
    assert_eq!(status, 201, "{mine}");
    assert_eq!(
        (&mine["visibility"], &mine["sort"], &mine["type"], &mine["isGlobal"]),
        (&json!("owner"), &json!("freq"), &json!(0), &json!(false))
    );
    assert_eq!(saved(&server, &member).await, [own("My crashes", "owner")]);
    assert!(saved(&server, &owner).await.is_empty(), "not the owner's to see");
    // The same query again is refused, as Sentry does; so are bad fields.
    let (status, answer) = server.post(path, &member, body).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["detail"].as_str().is_some_and(|d| d.contains("already exists")), "{answer}");
    for (bad, field) in [
        (json!({"name": "", "query": "is:unresolved"}), "name"),
        (json!({"name": "No query"}), "query"),
        (json!({"name": "x", "query": "y", "sort": "trends"}), "sort"),
        (json!({"name": "x", "query": "y", "visibility": "team"}), "visibility"),
        (json!({"name": "x", "query": "y", "type": 1}), "type"),
    ] {
        let (status, answer) = server.post(path, &member, bad).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer[field].is_array(), "{field}: {answer}");
    }

    // Sharing with the organization takes a manager or owner.
    let shared = json!({"name": "Needs triage", "query": "is:unresolved is:unassigned",
                        "visibility": "organization"});
    let (status, answer) = server.post(path, &member, shared.clone()).await;
    assert_eq!(status, 403, "{answer}");
    let (status, team_search) = server.post(path, &owner, shared).await;
    assert_eq!(status, 201, "{team_search}");
    // Shared ones first, then one's own.
    assert_eq!(
        saved(&server, &member).await,
        [own("Needs triage", "organization"), own("My crashes", "owner")]
    );

    // The member renames and deletes their own, but not the shared one.
    let mine_path = format!("{path}{}/", mine["id"].as_str().expect("id"));
    let shared_path = format!("{path}{}/", team_search["id"].as_str().expect("id"));
    let (status, renamed) = server.put(&mine_path, &member, json!({"name": "Fatal ones"})).await;
    assert_eq!((status, &renamed["query"]), (200, &json!("is:unresolved level:fatal")));
    assert_eq!(server.put(&shared_path, &member, json!({"name": "Mine now"})).await.0, 403);
    assert_eq!(server.delete(&shared_path, &member).await, 403);
    // Others' own searches do not exist for the owner.
    assert_eq!(server.delete(&mine_path, &owner).await, 404);
    assert_eq!(server.delete(&mine_path, &member).await, 204);
    assert_eq!(server.delete(&shared_path, &owner).await, 204);
    assert!(saved(&server, &member).await.is_empty());
}

/// Each member's recent searches (Sentry's `/recent-searches/`): recorded when run, newest
/// first, moved forward when run again, filtered by text, the newest 30 kept, and nobody else's.
#[tokio::test(flavor = "multi_thread")]
async fn members_recent_searches_are_their_own_newest_first() {
    let server = TestServer::start();
    let owner = server.owner_token("owner@example.com", "correct horse battery");
    let member = server.member_token("dev@example.com");
    let path = "/api/0/organizations/cairn/recent-searches/";
    let queries = |answer: &Value| -> Vec<String> {
        answer
            .as_array()
            .expect("a list")
            .iter()
            .map(|s| s["query"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let run = |query: &'static str| {
        let (server, member) = (&server, &member);
        async move { server.post(path, member, json!({"type": 0, "query": query})).await.0 }
    };
    assert_eq!(run("is:unresolved level:error").await, 201, "new");
    assert_eq!(run("assigned:me").await, 201);
    assert_eq!(run("release:latest").await, 201);
    // Run again: not new, moved to the front.
    assert_eq!(run("is:unresolved level:error").await, 204);
    let (status, answer) = server.get(path, &member).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(queries(&answer), ["is:unresolved level:error", "release:latest", "assigned:me"]);
    let first = &answer[0];
    assert_eq!((&first["type"], first["id"].is_string()), (&json!(0), true), "{first}");
    assert!(first["lastSeen"].is_string() && first["dateCreated"].is_string(), "{first}");
    let (_, some) = server.get(&format!("{path}?type=0&query=LEVEL&limit=5"), &member).await;
    assert_eq!(queries(&some), ["is:unresolved level:error"], "containing, case-insensitively");
    let (_, two) = server.get(&format!("{path}?limit=2"), &member).await;
    assert_eq!(queries(&two).len(), 2);
    // Another type is another list; the owner has none of the member's.
    let (_, events) = server.get(&format!("{path}?type=1"), &member).await;
    assert!(queries(&events).is_empty());
    let (_, owners) = server.get(path, &owner).await;
    assert!(queries(&owners).is_empty(), "{owners}");

    // The newest 30 are kept.
    for n in 0..30 {
        let (status, _) = server
            .post(path, &member, json!({"type": 0, "query": format!("timesSeen:>{n}")}))
            .await;
        assert_eq!(status, 201);
    }
    let (_, kept) = server.get(path, &member).await;
    let kept = queries(&kept);
    assert_eq!((kept.len(), kept[0].as_str()), (30, "timesSeen:>29"));
    assert!(!kept.iter().any(|q| q == "assigned:me"), "the oldest went");

    for (body, field) in [
        (json!({"type": 0, "query": "  "}), "query"),
        (json!({"type": 99, "query": "is:unresolved"}), "type"),
    ] {
        let (status, answer) = server.post(path, &member, body).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer[field].is_array(), "{field}: {answer}");
    }
    for query in ["type=x", "limit=0", "bogus=1"] {
        let (status, answer) = server.get(&format!("{path}?{query}"), &member).await;
        assert_eq!(status, 400, "{query}: {answer}");
    }
    let anonymous = server.http.get(format!("{}{path}", server.url)).send().await.expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
}

/// The searches behind a release's issue lists, as Sentry's release page asks them: issues that
/// regressed in a release (`regressed_in_release:`, `latest` too), issues with unhandled errors
/// (`error.unhandled:` / `error.handled:`), and the issues resolved in a release
/// (`/releases/{version}/resolved/`).
#[tokio::test(flavor = "multi_thread")]
async fn release_issue_lists_find_regressed_unhandled_and_resolved_issues() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Backend").await;
    let send = |message: &str, release: &str, handled: bool| {
        json!({"release": release, "environment": "production", "exception": {"values": [{
            "type": "KeyError", "value": message,
            "stacktrace": {"frames": [{"function": message, "filename": "app.py", "in_app": true}]},
            "mechanism": {"type": "generic", "handled": handled}}]}})
    };
    server.post_envelope(&dsn, [("event", send("alpha", "app@1.0", true))]).await;
    server.post_envelope(&dsn, [("event", send("beta", "app@2.0", false))]).await;
    server.post_envelope(&dsn, [("event", send("gamma", "app@2.0", true))]).await;
    server.wait_for_issues(&token, |issues| issues.len() == 3).await;
    let id_of = |name: &'static str| {
        let (server, token) = (&server, &token);
        async move {
            let (_, found, _) = fetch(server, token, &q(&format!("is:unresolved {name}"))).await;
            found[0]["id"].as_str().unwrap_or_else(|| panic!("{name}: {found}")).to_owned()
        }
    };
    let (alpha, gamma) = (id_of("alpha").await, id_of("gamma").await);
    // Alpha resolved in 1.0 and seen again in 2.0: a regression there. Gamma resolved in 2.0.
    for (id, release) in [(&alpha, "app@1.0"), (&gamma, "app@2.0")] {
        let body = json!({"status": "resolved", "statusDetails": {"inRelease": release}});
        let (status, answer) = server.put(&format!("/api/0/issues/{id}/"), &token, body).await;
        assert_eq!(status, 200, "{answer}");
    }
    server.post_envelope(&dsn, [("event", send("alpha", "app@2.0", true))]).await;
    for _ in 0..100 {
        if names(&server, &token, &q("is:unresolved alpha")).await == ["KeyError:"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let values = |path: String| {
        let (server, token) = (&server, &token);
        async move {
            let (status, body, _) = fetch(server, token, &path).await;
            assert_eq!(status, 200, "{path}: {body}");
            let mut values: Vec<String> = body
                .as_array()
                .expect("a list")
                .iter()
                .map(|i| i["metadata"]["value"].as_str().unwrap_or_default().to_owned())
                .collect();
            values.sort();
            values
        }
    };
    for (query, expected) in [
        ("regressed_in_release:app@2.0", vec!["alpha"]),
        ("regressed_in_release:latest", vec!["alpha"]),
        ("regressed_in_release:app@1.0", vec![]),
        ("error.unhandled:true", vec!["beta"]),
        ("error.handled:0 release:app@2.0", vec!["beta"]),
        ("error.unhandled:false", vec!["alpha", "gamma"]),
        ("!error.unhandled:true", vec!["alpha", "gamma"]),
    ] {
        assert_eq!(values(q(query)).await, expected, "{query}");
    }
    let resolved =
        |version: &str| format!("/api/0/organizations/cairn/releases/{version}/resolved/");
    assert_eq!(values(resolved("app%402.0")).await, ["gamma"]);
    assert!(values(resolved("app%401.0")).await.is_empty(), "alpha regressed: no longer resolved");
    let (status, _, _) = fetch(&server, &token, &resolved("app%409.9")).await;
    assert_eq!(status, 404, "a release the organization does not have");
    let (status, _, _) =
        fetch(&server, &token, &format!("{}?bogus=1", resolved("app%402.0"))).await;
    assert_eq!(status, 400);
}
