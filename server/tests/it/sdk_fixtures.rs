//! Replays what unmodified official Sentry SDKs really sent, byte for byte, against a running
//! Cairn.
//!
//! The fixtures under `tests/fixtures/sdk/<sdk>/` were captured from `sentry-sdk` (Python) and
//! `@sentry/node` with a recorder standing in for Sentry: `<name>.body` holds the request body
//! exactly as received (compressed if the SDK compressed it) and `<name>.json` the method,
//! path, query string, headers and, for chunked requests, the sizes of the chunks. The replay
//! goes over a plain TCP socket so that the framing (`Content-Length` or chunked) is the SDK's
//! own. Only the credentials change: the captured DSN's public key and project id are replaced
//! with the test project's in the path, query string, `X-Sentry-Auth` and an envelope `dsn`.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::TestServer;

/// The public key of the DSN the fixtures were captured with.
const CAPTURED_KEY: &str = "0123456789abcdef0123456789abcdef";
/// The project id of the DSN the fixtures were captured with.
const CAPTURED_PROJECT: &str = "1";

/// One captured request.
struct Fixture {
    name: String,
    sdk: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    chunks: Option<Vec<usize>>,
    body: Vec<u8>,
}

/// The issue an event fixture must create.
struct ExpectedIssue {
    fixture: &'static str,
    title: &'static str,
    level: &'static str,
    culprit: &'static str,
    unhandled: bool,
}

fn fixtures_dir(sdk: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sdk").join(sdk)
}

/// Loads every `<name>.json` + `<name>.body` pair of an SDK, sorted by name.
fn load_fixtures(sdk: &str) -> Vec<Fixture> {
    let dir = fixtures_dir(sdk);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture directory is readable")
        .filter_map(|entry| {
            let path = entry.expect("directory entry").path();
            let stem = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "json").then_some(stem)
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures in {}", dir.display());
    names
        .into_iter()
        .map(|name| {
            let meta_text =
                std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("fixture .json");
            let meta: Value = serde_json::from_str(&meta_text).expect("fixture .json is JSON");
            let body = std::fs::read(dir.join(format!("{name}.body"))).expect("fixture .body");
            let headers = meta["headers"]
                .as_object()
                .expect("headers object")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("header value").to_owned()))
                .collect();
            let chunks = meta["chunks"].as_array().map(|sizes| {
                sizes.iter().map(|n| n.as_u64().expect("chunk size") as usize).collect()
            });
            assert_eq!(meta["method"], "POST", "{name}");
            Fixture {
                sdk: meta["sdk"].as_str().expect("sdk").to_owned(),
                path: meta["path"].as_str().expect("path").to_owned(),
                query: meta["query"].as_str().unwrap_or_default().to_owned(),
                headers,
                chunks,
                body,
                name,
            }
        })
        .collect()
}

/// The body as the envelope parser will see it (the capture decompressed).
fn decoded_body(fixture: &Fixture) -> Vec<u8> {
    match content_encoding(fixture).as_deref() {
        None | Some("") | Some("identity") => fixture.body.clone(),
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&fixture.body[..])
                .read_to_end(&mut out)
                .expect("the captured gzip body decompresses");
            out
        }
        Some(other) => panic!(
            "{}/{}: cannot decode Content-Encoding {other:?} in the test",
            fixture.sdk, fixture.name
        ),
    }
}

fn content_encoding(fixture: &Fixture) -> Option<String> {
    fixture
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-encoding"))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
}

/// The envelope header line of a fixture, as JSON.
fn envelope_header(fixture: &Fixture) -> serde_json::Map<String, Value> {
    let body = decoded_body(fixture);
    let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
    match serde_json::from_slice(first) {
        Ok(Value::Object(map)) => map,
        _ => panic!("{}/{}: the envelope header is not a JSON object", fixture.sdk, fixture.name),
    }
}

/// A request ready to go on the wire.
struct Replay {
    target: String,
    headers: Vec<(String, String)>,
    chunks: Option<Vec<usize>>,
    body: Vec<u8>,
}

/// Rewrites a fixture's credentials to the test project's; keeps everything else as captured.
fn prepare(fixture: &Fixture, dsn: &str, key: &str, project_id: &str) -> Replay {
    let prefix = format!("/api/{CAPTURED_PROJECT}/");
    let rest = fixture.path.strip_prefix(&prefix).expect("captured under /api/1/");
    let mut target = format!("/api/{project_id}/{rest}");
    if !fixture.query.is_empty() {
        target.push('?');
        target.push_str(&fixture.query.replace(CAPTURED_KEY, key));
    }
    let mut headers: Vec<(String, String)> = fixture
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length"))
        .map(|(k, v)| (k.clone(), v.replace(CAPTURED_KEY, key)))
        .collect();
    let mut body = fixture.body.clone();
    let mut chunks = fixture.chunks.clone();

    // A body that names the DSN (tunnelled envelopes) must name the test project's instead:
    // then the body is rewritten, and sent uncompressed.
    if envelope_header(fixture).get("dsn").is_some() {
        let decoded = decoded_body(fixture);
        let split = decoded.iter().position(|&b| b == b'\n').unwrap_or(decoded.len());
        let mut header = envelope_header(fixture);
        header.insert("dsn".into(), Value::String(dsn.to_owned()));
        body = serde_json::to_vec(&header).expect("header serializes");
        body.extend_from_slice(&decoded[split..]);
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-encoding"));
        chunks = chunks.map(|_| vec![body.len()]);
    }
    Replay { target, headers, chunks, body }
}

/// Sends one request over a fresh connection and returns the status and the JSON answer.
fn send(addr: &str, replay: &Replay) -> (u16, Value) {
    let mut request =
        format!("POST {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n", replay.target);
    for (name, value) in &replay.headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let mut bytes = Vec::new();
    match &replay.chunks {
        Some(sizes) => {
            // The chunk sizes the SDK used, when they still add up to the body.
            let sizes = if sizes.iter().sum::<usize>() == replay.body.len() {
                sizes.clone()
            } else {
                vec![replay.body.len()]
            };
            bytes.extend_from_slice(request.as_bytes());
            bytes.extend_from_slice(b"\r\n");
            let mut pos = 0;
            for size in sizes.into_iter().filter(|&n| n > 0) {
                bytes.extend_from_slice(format!("{size:x}\r\n").as_bytes());
                bytes.extend_from_slice(&replay.body[pos..pos + size]);
                bytes.extend_from_slice(b"\r\n");
                pos += size;
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
        }
        None => {
            request.push_str(&format!("Content-Length: {}\r\n\r\n", replay.body.len()));
            bytes.extend_from_slice(request.as_bytes());
            bytes.extend_from_slice(&replay.body);
        }
    }
    let mut stream = TcpStream::connect(addr).expect("connect to cairn");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
    stream.write_all(&bytes).expect("request written");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response read");
    parse_response(&response)
}

/// Status and JSON body of a raw HTTP/1.1 response (`Content-Length` or chunked).
fn parse_response(raw: &[u8]) -> (u16, Value) {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of response headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 =
        head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
            let size_text = String::from_utf8_lossy(&rest[..end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .expect("hex chunk size");
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[end + 2..end + 2 + size]);
            rest = &rest[end + 2 + size + 2..];
        }
        body = out;
    }
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Replays every fixture of `sdk`, checks each answer, then the issues the events made.
/// Replays an SDK's fixtures and checks the issues they make; answers the server and an owner's
/// token for further checks.
async fn replay_sdk(sdk: &str, expected: &[ExpectedIssue]) -> (TestServer, String) {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "Fixtures").await;
    let key = dsn.split("://").nth(1).and_then(|s| s.split('@').next()).expect("key").to_owned();
    let project_id = dsn.rsplit('/').next().expect("project id").to_owned();
    let addr = server.url.strip_prefix("http://").expect("http URL").to_owned();

    let fixtures = load_fixtures(sdk);
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let replay = prepare(fixture, &dsn, &key, &project_id);
        let addr = addr.clone();
        let (status, answer) =
            tokio::task::spawn_blocking(move || send(&addr, &replay)).await.expect("replay thread");
        let label = format!("{sdk}/{} ({})", fixture.name, fixture.sdk);
        if status != 200 {
            failures.push(format!("{label}: status {status}, answer {answer}"));
            continue;
        }
        // Sentry answers the envelope's event id (dashes removed), or no id at all.
        let expected_id = envelope_header(fixture)
            .get("event_id")
            .and_then(Value::as_str)
            .map(|id| id.replace('-', "").to_ascii_lowercase());
        match expected_id {
            Some(id) => assert_eq!(answer["id"], id.as_str(), "{label}: {answer}"),
            None => assert!(answer["id"].is_null(), "{label}: {answer}"),
        }
    }
    assert!(failures.is_empty(), "Cairn refused what the SDK sent:\n{}", failures.join("\n"));

    let issues = server.wait_for_issues(&token, |issues| issues.len() >= expected.len()).await;
    let mut seen = HashSet::new();
    for want in expected {
        let issue = issues.iter().find(|i| i["title"] == want.title).unwrap_or_else(|| {
            panic!("{sdk}/{}: no issue titled {:?} in {issues:#?}", want.fixture, want.title)
        });
        assert_eq!(issue["level"], want.level, "{sdk}/{}: {issue}", want.fixture);
        assert_eq!(issue["culprit"], want.culprit, "{sdk}/{}: {issue}", want.fixture);
        assert_eq!(issue["isUnhandled"], want.unhandled, "{sdk}/{}: {issue}", want.fixture);
        assert_eq!(issue["count"], "1", "{sdk}/{}: {issue}", want.fixture);
        seen.insert(issue["id"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(seen.len(), expected.len(), "one issue per event fixture");
    assert_eq!(issues.len(), expected.len(), "only the event fixtures made issues: {issues:#?}");
    (server, token)
}

/// The cron monitor the `checkin_*` fixtures (a monitored job's two check-ins, with the SDK's
/// `monitor_config`) created: its configuration, and the check-in they made (the second
/// closing the first).
async fn monitor_of_fixtures(server: &TestServer, token: &str, slug: &str) -> (Value, Vec<Value>) {
    let path = format!("/api/0/projects/cairn/fixtures/monitors/{slug}/");
    let (status, monitor) = server.get(&path, token).await;
    assert_eq!(status, 200, "{monitor}");
    let (status, check_ins) = server.get(&format!("{path}checkins/"), token).await;
    assert_eq!(status, 200, "{check_ins}");
    (monitor, check_ins.as_array().expect("check-ins").clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn python_sdk_fixtures_are_accepted_and_make_the_expected_issues() {
    let replayed = replay_sdk(
        "python",
        &[
            ExpectedIssue {
                fixture: "error",
                title: "ZeroDivisionError: division by zero",
                level: "error",
                culprit: "__main__ in divide",
                unhandled: false,
            },
            ExpectedIssue {
                fixture: "unhandled",
                title: "KeyError: 'missing'",
                level: "error",
                culprit: "__main__ in <module>",
                unhandled: true,
            },
            ExpectedIssue {
                fixture: "attachment",
                title: "ValueError: invalid literal for int() with base 10: 'forty-two'",
                level: "error",
                culprit: "__main__ in <module>",
                unhandled: false,
            },
            ExpectedIssue {
                fixture: "message",
                title: "Disk almost full on fixture-host",
                level: "warning",
                culprit: "",
                unhandled: false,
            },
        ],
    )
    .await;
    // `@sentry_sdk.crons.monitor(monitor_slug=..., monitor_config=...)` around a job that
    // succeeded.
    let (server, token) = replayed;
    let (monitor, check_ins) = monitor_of_fixtures(&server, &token, "nightly-export").await;
    assert_eq!(monitor["config"]["schedule"], "0 2 * * *");
    assert_eq!(monitor["config"]["timezone"], "Europe/Vienna");
    assert_eq!(monitor["config"]["checkin_margin"], 10);
    assert_eq!(monitor["config"]["max_runtime"], 60);
    assert_eq!(monitor["environments"][0]["status"], "ok");
    assert_eq!(check_ins.len(), 1, "{check_ins:?}");
    assert_eq!(check_ins[0]["id"], "d5a61c4676944b8b9933eb27841af6a1");
    assert_eq!((&check_ins[0]["status"], &check_ins[0]["duration"]), (&json!("ok"), &json!(1)));

    // The installed packages the Python SDK sends (`modules`) are the event's `packages`.
    let (status, issues) = server.get("/api/0/organizations/cairn/issues/?query=", &token).await;
    assert_eq!(status, 200, "{issues}");
    let issue = issues
        .as_array()
        .and_then(|list| list.iter().find(|i| i["title"] == "ZeroDivisionError: division by zero"))
        .expect("the error's issue");
    let path = format!("/api/0/issues/{}/events/latest/", issue["id"].as_str().expect("id"));
    let (status, event) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["packages"]["sentry-sdk"], "2.75.0", "{}", event["packages"]);
    assert_eq!(event["packages"]["urllib3"], "2.8.0");
}

#[tokio::test(flavor = "multi_thread")]
async fn node_sdk_fixtures_are_accepted_and_make_the_expected_issues() {
    let replayed = replay_sdk(
        "node",
        &[
            ExpectedIssue {
                fixture: "error",
                title: "TypeError: Cannot read properties of undefined (reading 'amount')",
                level: "error",
                culprit: "readTotal(scen)",
                unhandled: false,
            },
            ExpectedIssue {
                fixture: "unhandled",
                title: "RangeError: Invalid array length in fixture",
                level: "fatal",
                culprit: "Timeout._onTimeout(scen)",
                unhandled: true,
            },
            ExpectedIssue {
                fixture: "attachment",
                title: "SyntaxError: Expected property name or '}' in JSON at position 1",
                level: "error",
                culprit: "main(scen)",
                unhandled: false,
            },
            ExpectedIssue {
                fixture: "message",
                title: "Error: Disk almost full on fixture-host",
                level: "warning",
                culprit: "main(scen)",
                unhandled: false,
            },
            // `Sentry.withMonitor(...)` around a job that threw: the monitor's failure issue.
            ExpectedIssue {
                fixture: "checkin_2_end",
                title: "Monitor failure: invoice-sync",
                level: "error",
                culprit: "An error check-in was detected",
                unhandled: false,
            },
        ],
    )
    .await;
    let (server, token) = replayed;
    let (monitor, check_ins) = monitor_of_fixtures(&server, &token, "invoice-sync").await;
    assert_eq!(monitor["config"]["schedule_type"], "interval");
    assert_eq!(monitor["config"]["schedule"], json!([30, "minute"]));
    assert_eq!(monitor["config"]["timezone"], "America/New_York");
    assert_eq!(monitor["environments"][0]["status"], "error");
    assert_eq!(check_ins.len(), 1, "{check_ins:?}");
    assert_eq!((&check_ins[0]["status"], &check_ins[0]["duration"]), (&json!("error"), &json!(5)));
}
