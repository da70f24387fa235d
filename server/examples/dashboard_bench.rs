//! `make bench` (third part): the dashboard in Debian's headless Chromium against a real
//! `cairn serve` (release build) on a fresh SQLite directory, measured against issue 6's
//! targets:
//!
//! - transfer size: the wasm, js and css of `dist/` (built by `make dashboard`) as the server
//!   sends them with `Accept-Encoding: gzip` and with `br`, and as Chromium received them
//!   (Resource Timing); the target is checked against the files a cold load of the issue list
//!   fetches (the other pages' wasm modules are fetched when visited);
//! - cold load: a fresh browser profile (no HTTP cache, no compiled-wasm cache), logged in,
//!   opens the issue list of `BENCH_DASHBOARD_ISSUES` issues with `?limit=100`; the time from
//!   navigation start to the 100th row in the DOM, and to the frame after it;
//! - cold load of an issue's page (no target; the split fetches its module after the main one);
//! - live update: with the list open, an event is posted to the envelope endpoint; the time
//!   from its acknowledgment (wall clock when the 200 arrived) to the row's event counter
//!   changing in the DOM (a `MutationObserver` stamping `performance.timeOrigin +
//!   performance.now()`), for an existing issue and for a new one ("N new issues" banner).
//!
//! Settings: `BENCH_DASHBOARD_ISSUES` (default 120), `BENCH_DASHBOARD_RUNS` (cold loads,
//! default 10), `BENCH_DASHBOARD_UPDATES` (live updates of each kind, default 10), `CHROMIUM`
//! and `CHROMEDRIVER` (default Debian's), `BENCH_CAIRN` (the `cairn` binary; default the one
//! built next to this example), `BENCH_DASHBOARD_DIST` (the dashboard to serve; default the
//! workspace's `dist/`), `BENCH_DASHBOARD_PROFILE=1` (also prints where the cold loads'
//! main-thread time went, by function, from Chromium's sampling profiler; build `dist/` with
//! wasm-opt's `-g` to see the wasm's function names), `BENCH_DASHBOARD_TRACE=1` (the same by
//! Chromium's trace events), `BENCH_DASHBOARD_TRACE_FILE` (with it: the last cold load's
//! performance log, written to that file, and with `BENCH_DASHBOARD_PROFILE` its CPU profile
//! next to it, `.cpuprofile` appended: DevTools' Performance panel opens it).

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use common::Server;

#[path = "../tests/it/common/cdp.rs"]
mod cdp;
use cdp::Cdp;

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "benchmark password";
/// Chromium's trace categories for `BENCH_DASHBOARD_TRACE`: the timeline, V8 and wasm
/// compilation, Blink, loading, `performance.mark`s, and the tasks themselves (`toplevel`).
const TRACE_CATEGORIES: &str =
    "devtools.timeline,v8,v8.wasm,blink,loading,blink.user_timing,toplevel";
/// The rows the cold load waits for.
const ROWS: usize = 100;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Milliseconds since the Unix epoch, as the page's `performance.timeOrigin + now()` counts.
fn wall_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn summary(label: &str, mut values: Vec<f64>, target_ms: Option<f64>) {
    values.sort_by(f64::total_cmp);
    let (p50, p95) = (percentile(&values, 0.5), percentile(&values, 0.95));
    let max = values.last().copied().unwrap_or(f64::NAN);
    let verdict = match target_ms {
        Some(target) if p95 <= target => format!(", meets the {target} ms target at p95"),
        Some(target) => format!(", MISSES the {target} ms target at p95"),
        None => String::new(),
    };
    println!(
        "{label:<40} p50 {p50:>7.1} ms   p95 {p95:>7.1} ms   max {max:>7.1} ms   (n={}{verdict})",
        values.len()
    );
}

/// A chromedriver process on a free loopback port; killed when dropped.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let binary =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary} ({e}): `make setup-browser`"));
        ChromeDriver { child, url: format!("http://127.0.0.1:{port}") }
    }

    /// A headless Chromium with a profile of its own (the flags of the browser tests).
    async fn browser(&self, profile: &Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-quic",
                    "--window-size=1280,900", format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        if std::env::var_os("BENCH_DASHBOARD_TRACE").is_some() {
            caps.insert("goog:loggingPrefs".into(), json!({"performance": "ALL"}));
            caps["goog:chromeOptions"]["perfLoggingPrefs"] =
                json!({"traceCategories": TRACE_CATEGORIES});
        }
        for _ in 0..100 {
            match ClientBuilder::native().capabilities(caps.clone()).connect(&self.url).await {
                Ok(client) => return client,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        panic!("chromedriver did not accept a session at {}", self.url);
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Installed before any script of every document: stamps when the app started (`__startedAt`:
/// the wasm compiled and instantiated, the app mounted; index.html's `CairnApplicationStarted`), when
/// the issue list first holds `ROWS` rows (`__rowsAt`) and the frame after it (`__rowsFrameAt`),
/// all in `performance.now()` milliseconds since navigation start.
const ROWS_OBSERVER: &str = r#"
(() => {
  addEventListener('CairnApplicationStarted', () => { window.__startedAt = performance.now(); });
  const stamp = () => {
    if (window.__rowsAt !== undefined) return;
    if (document.querySelectorAll('#issue-list .stream-row').length >= ROWS) {
      window.__rowsAt = performance.now();
      requestAnimationFrame(() => setTimeout(() => { window.__rowsFrameAt = performance.now(); }));
    }
  };
  new MutationObserver(stamp).observe(document, { childList: true, subtree: true });
})();
"#;

/// Watches the text of `selector` (arguments[0]) until it differs from arguments[1]; stamps
/// the wall clock of that change (`__changedAt`) and of the frame after it (`__changedFrameAt`).
const WATCH_TEXT: &str = r#"
const [selector, before] = arguments;
if (window.__watch) window.__watch.disconnect();
window.__changedAt = null;
window.__changedFrameAt = null;
const wall = () => performance.timeOrigin + performance.now();
const check = () => {
  const el = document.querySelector(selector);
  const text = el ? el.textContent.trim() : '';
  if (window.__changedAt === null && text !== before) {
    window.__changedAt = wall();
    requestAnimationFrame(() => setTimeout(() => { window.__changedFrameAt = wall(); }));
    window.__watch.disconnect();
  }
};
window.__watch = new MutationObserver(check);
window.__watch.observe(document.body, { childList: true, subtree: true, characterData: true });
"#;

/// The dashboard's wasm, js and css files in `dist/`.
fn assets(dist: &Path) -> Vec<PathBuf> {
    // The wasm modules and their JS are in `wasm-<hash>/` (scripts/dashboard-wasm.sh).
    let mut files = Vec::new();
    let mut dirs = vec![dist.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir).expect("dist directory").filter_map(|e| e.ok()) {
            let path = path.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["wasm", "js", "css"].contains(&e))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Bytes the server sends for `/name` with `Accept-Encoding: accept`, and the encoding used.
async fn sent(http: &reqwest::Client, url: &str, name: &str, accept: &str) -> (usize, String) {
    let response = http
        .get(format!("{url}/{name}"))
        .header("accept-encoding", accept)
        .send()
        .await
        .expect("asset request");
    assert_eq!(response.status().as_u16(), 200, "{name}");
    let encoding = response
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_owned();
    (response.bytes().await.expect("asset body").len(), encoding)
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::read::GzEncoder::new(bytes, flate2::Compression::best());
    let mut out = Vec::new();
    encoder.read_to_end(&mut out).expect("gzip");
    out.len()
}

/// (a) Transfer size, from the files and from the server's answers. Returns what the server
/// sends a gzip client for each file, by URL path, so that the cold loads can add up what they
/// fetched: the split pages' modules (src/lazy_pages.rs) are fetched only when visited.
async fn transfer_sizes(http: &reqwest::Client, url: &str, dist: &Path) -> HashMap<String, usize> {
    println!("== dashboard transfer size (dist/, as served) ==");
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip -9", "served gz", "served br"
    );
    let (mut raw, mut gz, mut served_gz, mut served_br) = (0, 0, 0, 0);
    let mut served = HashMap::new();
    for path in assets(dist) {
        let name =
            path.strip_prefix(dist).ok().and_then(|n| n.to_str()).expect("file name").to_owned();
        let bytes = std::fs::read(&path).expect("asset");
        let (gzip_bytes, gzip_encoding) = sent(http, url, &name, "gzip, deflate").await;
        let (br_bytes, br_encoding) = sent(http, url, &name, "gzip, deflate, br, zstd").await;
        let gzip = gzip_len(&bytes);
        println!(
            "{name:<44} {:>10} {gzip:>10} {:>10} {:>10}",
            bytes.len(),
            format!("{gzip_bytes} {}", if gzip_encoding == "gzip" { "" } else { "(!)" }),
            format!("{br_bytes} {}", if br_encoding == "br" { "" } else { "(!)" }),
        );
        served.insert(format!("/{name}"), gzip_bytes);
        raw += bytes.len();
        gz += gzip;
        served_gz += gzip_bytes;
        served_br += br_bytes;
    }
    let kb = |b: usize| b as f64 / 1000.0;
    println!(
        "all files, every page's module included: raw {:.1} KB, gzip -9 {:.1} KB, served to gzip \
         clients {:.1} KB, to br clients {:.1} KB",
        kb(raw),
        kb(gz),
        kb(served_gz),
        kb(served_br),
    );
    println!("((!) = the server sent no precompressed variant: rebuild with `make dashboard`)");
    served
}

/// An envelope with one error event of issue `group` (grouped by exception type).
fn envelope(group: &str, n: usize) -> String {
    let event_id = format!("{:032x}", (wall_ms() as u128) << 20 | n as u128);
    let event = json!({
        "event_id": event_id,
        "platform": "python",
        "level": "error",
        "environment": "production",
        "release": "backend@1.4.2",
        "transaction": format!("/api/orders/{group}"),
        "exception": {"values": [{
            "type": format!("OrderError{group}"),
            "value": "Order 1234 could not be processed: upstream returned 502",
            "stacktrace": {"frames": [{
                "filename": "app/services/orders.py", "function": "process",
                "lineno": 42, "in_app": true
            }]}
        }]},
        "tags": {"region": "eu-west-1"},
        "user": {"id": format!("user-{}", n % 7)},
        "sdk": {"name": "sentry.python", "version": "2.19.0"}
    });
    format!("{{\"event_id\":\"{event_id}\"}}\n{{\"type\":\"event\"}}\n{event}\n")
}

/// Posts an envelope; returns the wall clock when the 200 arrived.
async fn post_event(http: &reqwest::Client, endpoint: &str, auth: &str, body: String) -> f64 {
    let response = http
        .post(endpoint)
        .header("x-sentry-auth", auth)
        .header("content-type", "application/x-sentry-envelope")
        .body(body)
        .send()
        .await
        .expect("envelope sent");
    assert_eq!(response.status().as_u16(), 200, "event accepted");
    let acknowledged = wall_ms();
    let _ = response.bytes().await;
    acknowledged
}

/// Logs the browser in from a page of the server that loads none of the dashboard (the health
/// check), so the dashboard's files stay out of the cache.
async fn log_in(client: &Client, url: &str) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&format!("{url}/healthz")).await?;
    let status = client
        .execute_async(
            "const [email, password, done] = arguments;
             fetch('/api/0/auth/login/', {method: 'POST', headers: {'content-type': 'application/json'},
               body: JSON.stringify({username: email, password})}).then(r => done(r.status), e => done(String(e)));",
            vec![json!(EMAIL), json!(PASSWORD)],
        )
        .await?;
    assert_eq!(status, json!(200), "logged in");
    Ok(())
}

/// Polls `script` until it returns a number (up to 20 s).
async fn wait_number(
    client: &Client,
    script: &str,
) -> Result<Option<f64>, fantoccini::error::CmdError> {
    for _ in 0..400 {
        if let Some(n) = client.execute(script, vec![]).await?.as_f64() {
            return Ok(Some(n));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(None)
}

/// (b) One cold load; returns (100 rows in the DOM, the frame after), in ms since navigation
/// start, and `{"started": ms, "resources": [...]}`: when the app started, and Chromium's
/// Resource Timing entries (what it fetched, when, and how many bytes).
async fn cold_load(
    driver: &ChromeDriver,
    url: &str,
    list: &str,
) -> Result<(f64, f64, Value), fantoccini::error::CmdError> {
    let profile = tempfile::tempdir().expect("profile directory");
    let client = driver.browser(profile.path()).await;
    let result = async {
        log_in(&client, url).await?;
        let script = ROWS_OBSERVER.replace("ROWS", &ROWS.to_string());
        client
            .issue_cmd(Cdp {
                method: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({ "source": script }),
            })
            .await?;
        let profiling = std::env::var_os("BENCH_DASHBOARD_PROFILE").is_some();
        if profiling {
            for (method, params) in [
                ("Profiler.enable", json!({})),
                ("Profiler.setSamplingInterval", json!({"interval": 100})),
                ("Profiler.start", json!({})),
            ] {
                client.issue_cmd(Cdp { method, params }).await?;
            }
        }
        client.goto(&format!("{url}{list}")).await?;
        let rows = wait_number(&client, "return window.__rowsAt ?? null;").await?;
        let frame = wait_number(&client, "return window.__rowsFrameAt ?? null;").await?;
        let profile = match profiling {
            true => client.issue_cmd(Cdp { method: "Profiler.stop", params: json!({}) }).await?,
            false => Value::Null,
        };
        let started = client.execute("return window.__startedAt ?? null;", vec![]).await?;
        let received = client
            .execute(
                "return [...performance.getEntriesByType('navigation'),
                         ...performance.getEntriesByType('resource')].map(e => {
                   const u = new URL(e.name);
                   return {path: u.pathname, search: u.search, start: e.startTime,
                           request: e.requestStart, response: e.responseStart,
                           connect: e.connectStart, connected: e.connectEnd,
                           end: e.responseEnd, transfer: e.transferSize, decoded: e.decodedBodySize};
                 });",
                vec![],
            )
            .await?;
        let missing =
            || fantoccini::error::CmdError::NotJson(format!("the list never showed {ROWS} rows"));
        let trace = match std::env::var_os("BENCH_DASHBOARD_TRACE").is_some() {
            true => client.issue_cmd(PerformanceLog).await?,
            false => Value::Null,
        };
        // The last run's whole log, for a timeline of the main thread (where the time between
        // the app's start and the rows goes), which the totals per event name do not show.
        if let Some(path) = std::env::var_os("BENCH_DASHBOARD_TRACE_FILE") {
            let _ = std::fs::write(&path, trace.to_string());
            if profiling {
                let mut path = path;
                path.push(".cpuprofile");
                let _ = std::fs::write(path, profile["profile"].to_string());
            }
        }
        let timings =
            json!({"started": started, "resources": received, "profile": profile, "trace": trace});
        Ok((rows.ok_or_else(missing)?, frame.ok_or_else(missing)?, timings))
    }
    .await;
    let _ = client.close().await;
    result
}

/// Installed before any script: stamps when the issue page first shows its title
/// (`__issueAt`, ms since navigation start).
const ISSUE_OBSERVER: &str = r#"
(() => {
  new MutationObserver((_, observer) => {
    if (window.__issueAt === undefined && document.querySelector('#issue-header .issue-title')) {
      window.__issueAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
})();
"#;

/// (b') One cold load of an issue's page (a link from a notification or a chat message): ms
/// from navigation start to its title in the DOM. With the wasm split per page, the issue
/// page's module is fetched only once the main module has started and matched the route.
async fn cold_load_issue(
    driver: &ChromeDriver,
    url: &str,
    path: &str,
) -> Result<f64, fantoccini::error::CmdError> {
    let profile = tempfile::tempdir().expect("profile directory");
    let client = driver.browser(profile.path()).await;
    let result = async {
        log_in(&client, url).await?;
        client
            .issue_cmd(Cdp {
                method: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({ "source": ISSUE_OBSERVER }),
            })
            .await?;
        client.goto(&format!("{url}{path}")).await?;
        let shown = wait_number(&client, "return window.__issueAt ?? null;").await?;
        shown.ok_or_else(|| {
            fantoccini::error::CmdError::NotJson("the issue page never showed its title".into())
        })
    }
    .await;
    let _ = client.close().await;
    result
}

/// WebDriver's (legacy, chromedriver) log command: the browser's `performance` log, which with
/// `perfLoggingPrefs` holds Chromium's trace events.
#[derive(Debug)]
struct PerformanceLog;

impl fantoccini::wd::WebDriverCompatibleCommand for PerformanceLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(json!({"type": "performance"}).to_string()))
    }
}

/// Adds the renderer main thread's trace events of a performance log (complete events, by
/// name, in milliseconds, not nested ones subtracted) to `totals`.
fn add_trace_times(totals: &mut HashMap<String, f64>, log: &Value) {
    let Some(entries) = log.as_array() else { return };
    let events: Vec<Value> = entries
        .iter()
        .filter_map(|entry| serde_json::from_str::<Value>(entry["message"].as_str()?).ok())
        .filter(|message| message["message"]["method"] == "Tracing.dataCollected")
        .map(|message| message["message"]["params"].clone())
        .collect();
    // The renderer that fetched the dashboard's wasm (the browser has others, e.g. its own
    // internal pages).
    let dashboard: Vec<i64> = events
        .iter()
        .filter(|e| e["name"] == "ResourceSendRequest")
        .filter(|e| e["args"]["data"]["url"].as_str().is_some_and(|u| u.ends_with(".wasm")))
        .filter_map(|e| e["pid"].as_i64())
        .collect();
    let main: Vec<(i64, i64)> = events
        .iter()
        .filter(|e| e["name"] == "thread_name" && e["args"]["name"] == "CrRendererMain")
        .filter_map(|e| Some((e["pid"].as_i64()?, e["tid"].as_i64()?)))
        .filter(|(pid, _)| dashboard.contains(pid))
        .collect();
    for event in &events {
        let (Some(pid), Some(tid)) = (event["pid"].as_i64(), event["tid"].as_i64()) else {
            continue;
        };
        if event["ph"] != "X" || !main.contains(&(pid, tid)) {
            continue;
        }
        let name = event["name"].as_str().unwrap_or_default();
        *totals.entry(name.to_owned()).or_default() +=
            event["dur"].as_f64().unwrap_or(0.0) / 1000.0;
        *totals.entry(format!("{name} (events)")).or_default() += 1.0;
    }
}

/// Adds a CDP `Profiler.stop` answer's self time per function (milliseconds; wasm functions
/// by name when the wasm has a name section, script functions with their file) to `totals`.
fn add_self_times(totals: &mut HashMap<String, f64>, answer: &Value) {
    let profile = answer.get("profile").unwrap_or(answer);
    let (Some(nodes), Some(samples), Some(deltas)) = (
        profile["nodes"].as_array(),
        profile["samples"].as_array(),
        profile["timeDeltas"].as_array(),
    ) else {
        return;
    };
    let names: HashMap<i64, String> = nodes
        .iter()
        .filter_map(|node| {
            let frame = &node["callFrame"];
            let function = frame["functionName"].as_str().unwrap_or_default();
            let file = frame["url"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or("");
            let name = match (function, file) {
                ("", "") => "(anonymous)".to_owned(),
                (function, "") => function.to_owned(),
                ("", file) => format!("(anonymous) {file}"),
                (function, file) if file.ends_with(".wasm") => function.to_owned(),
                (function, file) => format!("{function} {file}"),
            };
            Some((node["id"].as_i64()?, name))
        })
        .collect();
    // Each sample's node ran for the time until the next sample.
    for (sample, delta) in samples.iter().zip(deltas.iter().skip(1)) {
        let name = sample.as_i64().and_then(|id| names.get(&id)).cloned().unwrap_or_default();
        *totals.entry(name).or_default() += delta.as_f64().unwrap_or(0.0) / 1000.0;
    }
}

/// Text of `selector`, or "" when absent.
async fn text(client: &Client, selector: &str) -> Result<String, fantoccini::error::CmdError> {
    let value = client
        .execute(
            "const el = document.querySelector(arguments[0]); return el ? el.textContent.trim() : '';",
            vec![json!(selector)],
        )
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// (c) One live update: watches `selector`, posts `body`, returns (ack to DOM change, ack to
/// the frame after) in ms.
async fn live_update(
    client: &Client,
    http: &reqwest::Client,
    endpoint: &str,
    auth: &str,
    selector: &str,
    body: String,
) -> Result<Option<(f64, f64)>, fantoccini::error::CmdError> {
    let before = text(client, selector).await?;
    client.execute(WATCH_TEXT, vec![json!(selector), json!(before)]).await?;
    let acknowledged = post_event(http, endpoint, auth, body).await;
    let Some(changed) = wait_number(client, "return window.__changedAt;").await? else {
        return Ok(None);
    };
    let frame = wait_number(client, "return window.__changedFrameAt;").await?.unwrap_or(changed);
    Ok(Some((changed - acknowledged, frame - acknowledged)))
}

#[tokio::main]
async fn main() {
    let issues = env_usize("BENCH_DASHBOARD_ISSUES", 120).max(ROWS);
    let runs = env_usize("BENCH_DASHBOARD_RUNS", 10).max(1);
    let updates = env_usize("BENCH_DASHBOARD_UPDATES", 10).max(1);
    let exe = std::env::current_exe().expect("own path");
    let cairn = std::env::var_os("BENCH_CAIRN").map(PathBuf::from).unwrap_or_else(|| {
        exe.parent().and_then(|p| p.parent()).expect("target dir").join("cairn")
    });
    let dist = std::env::var_os("BENCH_DASHBOARD_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    assert!(
        dist.join("index.html").exists(),
        "no dashboard in {}: run `make dashboard`",
        dist.display()
    );
    let data = tempfile::tempdir().expect("temporary directory");
    let run = |args: &[&str]| {
        let out = Command::new(&cairn)
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .expect("cairn runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    run(&["createuser", "--email", EMAIL, "--password", PASSWORD, "--superuser"]);
    let token = run(&["createtoken", "--email", EMAIL]);
    let server = Server::start(&cairn, data.path(), &dist);
    let url = server.url.clone();
    let http = reqwest::Client::new();

    let served_gzip = transfer_sizes(&http, &url, &dist).await;

    let project: Value = http
        .post(format!("{url}/api/0/teams/cairn/cairn/projects/"))
        .bearer_auth(&token)
        .json(&json!({"name": "bench"}))
        .send()
        .await
        .expect("create project")
        .json()
        .await
        .expect("project");
    let project_id = project["id"].as_str().expect("project id").to_owned();
    let keys: Value = http
        .get(format!("{url}/api/0/projects/cairn/bench/keys/"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("keys")
        .json()
        .await
        .expect("keys json");
    let key = keys[0]["public"].as_str().expect("public key").to_owned();
    let endpoint = format!("{url}/api/{project_id}/envelope/");
    let auth = format!("Sentry sentry_version=7, sentry_client=cairn-bench/1.0, sentry_key={key}");
    for n in 0..issues {
        post_event(&http, &endpoint, &auth, envelope(&n.to_string(), n)).await;
    }
    let hits = http
        .get(format!("{url}/api/0/organizations/cairn/issues/?query=&limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("issue count")
        .headers()
        .get("x-hits")
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .unwrap_or(0);
    assert!(hits >= issues, "{hits} issues stored, {issues} expected");

    let list = "/organizations/cairn/issues/?query=is%3Aunresolved&limit=100";
    let driver = ChromeDriver::start();
    println!();
    println!(
        "== cold load: fresh profile (no HTTP or code cache), logged in, {list} ({hits} issues) =="
    );
    let (mut to_rows, mut to_frame) = (Vec::new(), Vec::new());
    // Where the time goes: the wasm downloaded, the issue list asked for and answered.
    let (mut wasm_end, mut list_start, mut list_end) = (Vec::new(), Vec::new(), Vec::new());
    let mut started = Vec::new();
    let mut received = Vec::new();
    let mut self_times: HashMap<String, f64> = HashMap::new();
    let mut trace_times: HashMap<String, f64> = HashMap::new();
    for _ in 0..runs {
        match cold_load(&driver, &url, list).await {
            Ok((rows, frame, timings)) => {
                // Each run on a line: on two shared cores an outlier is one stage gone slow
                // (the wasm, the app's start, the answer), which the percentiles hide.
                println!(
                    "  run {:>2}: rows {rows:>6.1} ms, frame after {frame:>6.1}, app started {:>6.1}",
                    to_rows.len() + 1,
                    timings["started"].as_f64().unwrap_or(f64::NAN)
                );
                to_rows.push(rows);
                to_frame.push(frame);
                if let Some(at) = timings["started"].as_f64() {
                    started.push(at);
                }
                received = timings["resources"].as_array().cloned().unwrap_or_default();
                add_self_times(&mut self_times, &timings["profile"]);
                add_trace_times(&mut trace_times, &timings["trace"]);
                let find =
                    |pred: &dyn Fn(&Value) -> bool| received.iter().find(|r| pred(r)).cloned();
                if let Some(wasm) =
                    find(&|r| r["path"].as_str().is_some_and(|p| p.ends_with(".wasm")))
                {
                    wasm_end.push(wasm["end"].as_f64().unwrap_or(f64::NAN));
                }
                let is_list = |r: &Value| {
                    r["path"]
                        .as_str()
                        .is_some_and(|p| p.starts_with("/api/") && p.ends_with("/issues/"))
                        && r["search"].as_str().is_some_and(|q| q.contains("limit=100"))
                };
                if let Some(request) = find(&is_list) {
                    list_start.push(request["start"].as_f64().unwrap_or(f64::NAN));
                    list_end.push(request["end"].as_f64().unwrap_or(f64::NAN));
                }
            }
            Err(err) => println!("cold load failed: {err}"),
        }
    }
    summary(&format!("navigation start -> {ROWS} rows in the DOM"), to_rows, Some(500.0));
    summary(&format!("navigation start -> frame after {ROWS} rows"), to_frame, Some(500.0));
    summary("  of which: wasm downloaded", wasm_end, None);
    summary("  of which: app started (wasm ready)", started, None);
    summary("  of which: issue list requested", list_start, None);
    summary("  of which: issue list answered", list_end, None);
    println!("  the page and its requests, last run (ms since navigation start):");
    for resource in &received {
        let at = |key: &str| resource[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "    {:>7.1} -> {:>7.1} (connect {:>7.1}..{:>7.1}, request sent {:>7.1}, first byte {:>7.1})  {}{}",
            at("start"),
            at("end"),
            at("connect"),
            at("connected"),
            at("request"),
            at("response"),
            resource["path"].as_str().unwrap_or_default(),
            resource["search"].as_str().unwrap_or_default()
        );
    }
    let mut transferred = 0.0;
    for resource in &received {
        let path = resource["path"].as_str().unwrap_or_default();
        if ![".wasm", ".js", ".css"].iter().any(|ext| path.ends_with(ext)) {
            continue;
        }
        transferred += resource["transfer"].as_f64().unwrap_or(0.0);
        println!(
            "  received {path:<44} {:>8} B on the wire, {:>8} B decoded",
            resource["transfer"], resource["decoded"]
        );
    }
    println!("  Chromium received {:.1} KB for the wasm, js and css", transferred / 1000.0);
    // Issue 6's transfer target, for gzip: what a cold load of the issue list fetches (the main
    // module, its glue, the css; not the modules of pages it did not visit), as gzip files.
    let fetched: Vec<&str> = received
        .iter()
        .filter_map(|r| r["path"].as_str())
        .filter(|p| [".wasm", ".js", ".css"].iter().any(|ext| p.ends_with(ext)))
        .collect();
    let cold_gzip: usize = fetched.iter().map(|p| served_gzip.get(*p).copied().unwrap_or(0)).sum();
    println!(
        "  the cold load's {} files as the server sends them to gzip clients: {:.1} KB (target: \
         gzip <= 300 KB: {})",
        fetched.len(),
        cold_gzip as f64 / 1000.0,
        if cold_gzip <= 300_000 { "met" } else { "MISSED" }
    );
    if !trace_times.is_empty() {
        let mut top: Vec<(&String, &f64)> =
            trace_times.iter().filter(|(name, _)| !name.ends_with(" (events)")).collect();
        top.sort_by(|a, b| b.1.total_cmp(a.1));
        println!(
            "  renderer main thread by trace event (ms and events per cold load, nested events \
             overlap):"
        );
        for (name, ms) in top.iter().take(40) {
            let count = trace_times.get(&format!("{name} (events)")).copied().unwrap_or(0.0);
            println!("    {:>7.1} {:>7.1}  {name}", *ms / runs as f64, count / runs as f64);
        }
    }
    if !self_times.is_empty() {
        let mut top: Vec<(String, f64)> = self_times.into_iter().collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1));
        println!("  main thread by function (self time, ms per cold load, until the rows):");
        for (name, ms) in top.iter().take(40) {
            println!("    {:>7.1}  {name}", ms / runs as f64);
        }
    }

    let first: Value = http
        .get(format!("{url}/api/0/organizations/cairn/issues/?limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("issue list")
        .json()
        .await
        .expect("issues");
    let issue_id = first[0]["id"].as_str().expect("an issue").to_owned();
    let issue_path = format!("/organizations/cairn/issues/{issue_id}/");
    println!();
    println!("== cold load of an issue page: fresh profile, logged in, {issue_path} ==");
    let mut to_issue = Vec::new();
    for _ in 0..runs {
        match cold_load_issue(&driver, &url, &issue_path).await {
            Ok(at) => to_issue.push(at),
            Err(err) => println!("cold load failed: {err}"),
        }
    }
    summary("navigation start -> the issue's title in the DOM", to_issue, None);

    println!();
    println!("== live update: envelope acknowledged -> DOM changed, list open (SSE) ==");
    let profile = tempfile::tempdir().expect("profile directory");
    let client = driver.browser(profile.path()).await;
    let result = async {
        log_in(&client, &url).await?;
        client.goto(&format!("{url}{list}")).await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#issue-list .stream-row"))
            .await?;
        for _ in 0..200 {
            if text(&client, ".live-state").await? == "Live" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let top = client
            .find(Locator::Css("#issue-list .stream-row"))
            .await?
            .attr("data-issue-id")
            .await?
            .expect("rows carry their issue id");
        let issue: Value = http
            .get(format!("{url}/api/0/organizations/cairn/issues/{top}/"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("issue")
            .json()
            .await
            .expect("issue json");
        let group = issue["metadata"]["type"]
            .as_str()
            .and_then(|t| t.strip_prefix("OrderError"))
            .expect("a bench issue")
            .to_owned();
        let selector = format!("#issue-list [data-issue-id=\"{top}\"] .issue-count");
        let (mut existing_dom, mut existing_frame) = (Vec::new(), Vec::new());
        for n in 0..updates {
            let body = envelope(&group, issues + n);
            match live_update(&client, &http, &endpoint, &auth, &selector, body).await? {
                Some((dom, frame)) => {
                    existing_dom.push(dom);
                    existing_frame.push(frame);
                }
                None => println!("update {n} of the existing issue never showed"),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (mut new_dom, mut new_frame) = (Vec::new(), Vec::new());
        for n in 0..updates {
            let body = envelope(&format!("New{n}"), issues + updates + n);
            match live_update(&client, &http, &endpoint, &auth, "#new-issues", body).await? {
                Some((dom, frame)) => {
                    new_dom.push(dom);
                    new_frame.push(frame);
                }
                None => println!("new issue {n} never showed in the banner"),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        summary("existing issue: counter changed", existing_dom, Some(1000.0));
        summary("existing issue: frame after", existing_frame, Some(1000.0));
        summary("new issue: banner changed", new_dom, Some(1000.0));
        summary("new issue: frame after", new_frame, Some(1000.0));
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    if let Err(err) = result {
        println!("live update measurement failed: {err}");
    }
    drop(server);
}
