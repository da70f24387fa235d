//! `make bench`: an ingest load generator against a real `cairn serve` (release build) on
//! loopback, with a temporary SQLite database.
//!
//! It posts realistic events (~7.5 KB: an exception with 5 frames, 10 breadcrumbs, tags and
//! contexts; 100 distinct groups) over keep-alive HTTP/1.1 connections of its own (prepared
//! request bytes, the answer's status and length read back: [`RawPoster`]), first as fast as the server
//! takes them, then at half that rate, and prints: accepted events/s, latency percentiles,
//! seconds until every event is visible through the API, the server's peak RSS, CPU time and
//! bytes written per event (WAL frames and checkpoints: unlike times, this figure does not
//! depend on how busy the machine is), and the generator's own CPU time (it shares the
//! machine's cores with the server).
//!
//! Then it posts release-health session updates (`BENCH_SESSIONS`, default 100000, in envelopes
//! of `BENCH_SESSIONS_PER_ENVELOPE`, default 10: each a whole session, as SDKs report short
//! ones, over 1000 users and 5 releases, a tenth of them crashed) and prints session items/s,
//! checking through the sessions API that every one was counted.
//!
//! Settings: `BENCH_EVENTS` (default 20000), `BENCH_CONCURRENCY` (default 16),
//! `BENCH_PIPELINE_ONLY` (print the pipeline stages and stop, e.g. to profile them),
//! `BENCH_PIPELINE_REPEAT` (run the whole pipeline that many rounds more, for a profiler).

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::Server;

// The server's allocator (see `src/main.rs`), so that the pipeline stages measured in this
// process cost what they cost in `cairn`: under glibc's allocator they took about twice as long.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const GROUPS: usize = 100;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// CPU seconds (user + system) of a process, from /proc.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of the server's threads named `name` (`cairn-writer`, `cairn-checkpoint`; Linux
/// cuts thread names to 15 bytes), from `/proc/PID/task/*/stat`. The writer is the one thread
/// every acknowledgment waits for, so its CPU time per event bounds the throughput.
fn thread_cpu_seconds(pid: &str, name: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0.0 };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| name.starts_with(comm.trim()))
        })
        .map(|task| cpu_seconds(&format!("{pid}/task/{}", task.file_name().to_string_lossy())))
        .sum()
}

/// The machine's CPU time so far as (idle, all), in ticks, from the first line of `/proc/stat`.
/// Idle time during the full load tells whether the server was bound by CPU (none idle) or by
/// waiting: the requests of a group commit waiting for the writer while the workers have
/// nothing to do.
fn machine_ticks() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is counted in user already).
    let idle = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
    (idle, ticks.iter().take(8).sum())
}

/// Bytes a process has handed to `write` and `pwrite` so far (`wchar` in `/proc/PID/io`): for
/// the server, mostly WAL frames and the checkpoints' copies into the database file.
fn written_bytes(pid: &str) -> f64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    io.lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// Peak resident set size of a process in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One keep-alive HTTP/1.1 connection that posts envelopes to the ingest endpoint. The
/// generator shares the two cores with the server, so it writes prepared request bytes and
/// reads the answer's status and length itself: with reqwest it cost 56-63 µs of CPU per event.
struct RawPoster {
    stream: tokio::net::TcpStream,
    /// The request line and headers up to `Content-Length`, the same for every request.
    head: Vec<u8>,
    request: Vec<u8>,
    response: Vec<u8>,
}

impl RawPoster {
    /// Connects to `url` (`http://host:port`) to post to `path` with the `X-Sentry-Auth` `auth`.
    async fn connect(url: &str, path: &str, auth: &str) -> Self {
        let host = url.trim_start_matches("http://");
        let stream = tokio::net::TcpStream::connect(host).await.expect("connect to cairn");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nX-Sentry-Auth: {auth}\r\n\
             Content-Type: application/x-sentry-envelope\r\nContent-Length: "
        )
        .into_bytes();
        RawPoster { stream, head, request: Vec::new(), response: Vec::with_capacity(4096) }
    }

    /// Posts `body`; returns the answer's status once its whole body has arrived.
    async fn post(&mut self, body: &[u8]) -> u16 {
        use std::io::Write as _;
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        self.request.clear();
        self.request.extend_from_slice(&self.head);
        write!(self.request, "{}\r\n\r\n", body.len()).expect("write to a Vec");
        self.request.extend_from_slice(body);
        self.stream.write_all(&self.request).await.expect("send request");
        loop {
            if let Some((status, length)) = parse_response(&self.response) {
                self.response.drain(..length);
                return status;
            }
            let read = self.stream.read_buf(&mut self.response).await.expect("read answer");
            assert!(read > 0, "cairn closed the connection");
        }
    }
}

/// The status and whole length (head and body) of the HTTP/1.1 answer at the start of `buffer`,
/// once all of it is there.
fn parse_response(buffer: &[u8]) -> Option<(u16, usize)> {
    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..head_end]).expect("ASCII head");
    let status = head.get(9..12).and_then(|s| s.parse().ok()).expect("status line");
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>())
        })
        .expect("a Content-Length header")
        .expect("a numeric Content-Length");
    (buffer.len() >= head_end + length).then_some((status, head_end + length))
}

/// One realistic event of group `group`, as the parts between its placeholders: the event id,
/// which is also its trace id (one request, one trace, one error: every event adds an entry at
/// a random place of the trace index, as real traffic does). Fill with [`fill`].
fn event_template(group: usize) -> Template {
    let frames: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "filename": format!("app/services/module_{group}/handler_{i}.py"),
                "abs_path": format!("/srv/app/app/services/module_{group}/handler_{i}.py"),
                "module": format!("app.services.module_{group}.handler_{i}"),
                "function": format!("process_step_{i}"),
                "lineno": 40 + i,
                "in_app": i > 1,
                "context_line": format!("    result = self.compute_step_{i}(payload, retries=3)"),
                "pre_context": ["    def process(self, payload):", "        # validate first", "        self.validate(payload)"],
                "post_context": ["        return result", "", "    def compute(self):"],
                "vars": {"payload": "{'order_id': 1234, 'amount': '19.99'}", "retries": "3", "self": "<Handler object at 0x7f3a2c1d9e80>"}
            })
        })
        .collect();
    let breadcrumbs: Vec<Value> = (0..10)
        .map(|i| {
            json!({
                "timestamp": 1_700_000_000.0 + f64::from(i),
                "type": if i % 2 == 0 { "http" } else { "default" },
                "category": if i % 2 == 0 { "httplib" } else { "query" },
                "level": "info",
                "message": format!("SELECT id, status, amount FROM orders WHERE customer_id = {i} AND status = 'open'"),
                "data": {"url": "https://api.example.com/v1/orders", "method": "GET", "status_code": 200}
            })
        })
        .collect();
    let event = json!({
        "event_id": "EVENT_ID_PLACEHOLDER",
        "platform": "python",
        "level": "error",
        "logger": "app.services",
        "server_name": "web-1",
        "release": "backend@1.4.2",
        "environment": "production",
        "transaction": format!("/api/orders/{group}"),
        "exception": {"values": [{
            "type": format!("OrderError{group}"),
            "value": "Order 1234 could not be processed: upstream returned 502",
            "module": "app.errors",
            "mechanism": {"type": "generic", "handled": true},
            "stacktrace": {"frames": frames}
        }]},
        "breadcrumbs": {"values": breadcrumbs},
        "tags": {"region": "eu-west-1", "customer_tier": "gold", "feature": "checkout-v2", "browser": "Chrome 120"},
        "user": {"id": "user-5678", "email": "jane@example.com", "ip_address": "203.0.113.7"},
        "contexts": {
            "os": {"name": "Linux", "version": "6.1.0", "kernel_version": "6.1.0-13-amd64"},
            "runtime": {"name": "CPython", "version": "3.11.7"},
            "trace": {"trace_id": "EVENT_ID_PLACEHOLDER", "span_id": "fa90fdead5f74052", "op": "http.server"},
            "app": {"app_start_time": "2024-01-01T00:00:00Z", "app_name": "backend"}
        },
        "request": {"url": "https://shop.example.com/api/orders", "method": "POST",
            "headers": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "Accept": "application/json"},
            "query_string": "page=1&per_page=50"},
        "sdk": {"name": "sentry.python", "version": "2.19.0"}
    });
    let parts: Template =
        event.to_string().split("EVENT_ID_PLACEHOLDER").map(str::to_owned).collect();
    assert_eq!(parts.len(), 3, "the event id and the trace id");
    parts
}

/// An event's JSON between its placeholders (see [`event_template`]).
type Template = Vec<String>;

/// The event of `template` with `id` (32 hex digits) as its event and trace id.
fn fill(template: &[String], id: &str) -> String {
    template.join(id)
}

/// CPU cost of the ingest pipeline's stages on one thread, without HTTP or the database: where
/// the server's time per event goes.
fn pipeline_stages(templates: &[Template]) {
    use cairn_server::ingest::{event, grouping, scrub};
    use cairn_server::store::event_data::{self, EventDictionary};
    use cairn_server::store::EventData;
    const ROUNDS: usize = 5_000;
    let bodies: Vec<String> =
        (0..ROUNDS).map(|n| fill(&templates[n % GROUPS], &format!("{:032x}", n + 1))).collect();
    let time = |f: &mut dyn FnMut(&str)| {
        let start = Instant::now();
        for body in &bodies {
            f(body);
        }
        start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6
    };
    let parse = time(&mut |b| {
        std::hint::black_box(cairn_server::ingest::json::from_str(b).ok());
    });
    let serde_parse = time(&mut |b| {
        std::hint::black_box(serde_json::from_str::<Value>(b).ok());
    });
    // Each event written right after it was read, while its tree is in the cache, as in the
    // server (the trees of all the rounds together are far larger than the caches).
    let mut buffer = Vec::with_capacity(64 * 1024);
    let round_trip = time(&mut |b| {
        buffer.clear();
        if let Ok(value) = cairn_server::ingest::json::from_str(b) {
            cairn_server::ingest::json::write(&value, &mut buffer);
        }
        std::hint::black_box(&buffer);
    });
    let serde_round_trip = time(&mut |b| {
        buffer.clear();
        if let Ok(value) = serde_json::from_str::<Value>(b) {
            std::hint::black_box(serde_json::to_writer(&mut buffer, &value).ok());
        }
        std::hint::black_box(&buffer);
    });
    println!("read and written: {round_trip:.1} µs (serde_json {serde_round_trip:.1})");
    let parsed: Vec<serde_json::Map<String, Value>> = bodies
        .iter()
        .filter_map(|b| serde_json::from_str::<Value>(b).ok()?.as_object().cloned())
        .collect();
    let mut copies = parsed.clone();
    let start = Instant::now();
    for event in &mut copies {
        std::hint::black_box(scrub::default_scrubber().scrub_event(event));
    }
    let scrub_time = start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6;
    let start = Instant::now();
    for event in &parsed {
        std::hint::black_box(grouping::hashes(event));
    }
    let group_time = start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6;
    // Into one reused buffer: a fresh one freed each round had the allocator give its pages
    // back and the kernel clear new ones, which the server (allocating between) does not see.
    let values: Vec<Value> = parsed.iter().cloned().map(Value::Object).collect();
    let mut buffer = Vec::with_capacity(64 * 1024);
    let start = Instant::now();
    for event in &values {
        buffer.clear();
        cairn_server::ingest::json::write(event, &mut buffer);
        std::hint::black_box(&buffer);
    }
    let serialize_time = start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6;
    let start = Instant::now();
    for event in &values {
        buffer.clear();
        std::hint::black_box(serde_json::to_writer(&mut buffer, event).ok());
    }
    let serde_serialize_time = start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6;
    let serialized: Vec<String> =
        parsed.iter().map(|event| Value::Object(event.clone()).to_string()).collect();
    let start = Instant::now();
    let mut stored = 0;
    for json in &serialized {
        stored += std::hint::black_box(EventData::from_json(json)).as_bytes().len();
    }
    let compress_time = start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6;
    let (json_size, stored_size) = (
        serialized.iter().map(String::len).sum::<usize>() / serialized.len().max(1),
        stored / serialized.len().max(1),
    );
    // With a dictionary of earlier events, one per issue, as the store makes a project's.
    let dictionary =
        EventDictionary::from_events(serialized[..GROUPS].iter().rev().map(String::as_str))
            .expect("a dictionary");
    event_data::register(&dictionary);
    let uncompressed: Vec<EventData> =
        serialized.iter().map(|json| EventData::uncompressed(json.clone())).collect();
    let start = Instant::now();
    let mut stored = 0;
    for mut data in uncompressed {
        data.compress(Some(&dictionary));
        stored += std::hint::black_box(data).as_bytes().len();
    }
    let dictionary_time = start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6;
    let dictionary_size = stored / serialized.len().max(1);
    let ctx = event::EventContext::with_defaults(1, 1_700_000_000_000);
    let process = time(&mut |b| {
        std::hint::black_box(event::process(b.as_bytes(), &ctx).ok());
    });
    // `BENCH_PIPELINE_REPEAT=n`: run `event::process` n times more, e.g. under `perf record`.
    for _ in 0..env_usize("BENCH_PIPELINE_REPEAT", 0) {
        time(&mut |b| {
            std::hint::black_box(event::process(b.as_bytes(), &ctx).ok());
        });
    }
    println!("== pipeline stages, one thread, µs per event ==");
    println!(
        "parse {parse:.1} (serde_json {serde_parse:.1}), scrub {scrub_time:.1}, group \
         {group_time:.1}, serialize {serialize_time:.1} (serde_json {serde_serialize_time:.1}), compress {compress_time:.1} ({json_size} -> {stored_size} bytes), \
         with a dictionary {dictionary_time:.1} (-> {dictionary_size} bytes); whole event::process \
         {process:.1} (without compression)"
    );
}

/// What JavaScript source maps cost per event on one thread: a browser event of 5 frames from
/// a bundle of 2,000 functions (one minified line of ~60 KB, a map with its sources' text),
/// processed with its map already parsed (ingestion's cache) against the same event without
/// maps; and the one-time parse of the map when it enters the cache.
fn sourcemap_stage() {
    use std::collections::HashMap;
    use std::sync::Arc;

    use cairn_server::ingest::event;
    use cairn_server::ingest::sourcemaps::{
        self, ArtifactIndex, ArtifactKind, ArtifactMeta, MapSource,
    };
    const FUNCTIONS: u32 = 2_000;
    const ROUNDS: usize = 5_000;
    let mut original = String::new();
    let mut minified = String::new();
    let mut builder = sourcemap::SourceMapBuilder::new(Some("app.min.js"));
    let source = builder.add_source("webpack://shop/./src/app.js");
    for n in 0..FUNCTIONS {
        let column = minified.len() as u32;
        minified.push_str(&format!("function f{n}(a){{return a+{n}}}"));
        builder.add(
            0,
            column,
            n * 4,
            0,
            Some("webpack://shop/./src/app.js"),
            Some(&format!("handler{n}")),
            false,
        );
        builder.add(0, column + 20, n * 4 + 1, 2, Some("webpack://shop/./src/app.js"), None, false);
        original.push_str(&format!("function handler{n}(value) {{\n  return value + {n};\n}}\n\n"));
    }
    minified.push_str("\n//# sourceMappingURL=app.min.js.map\n");
    builder.set_source_contents(source, Some(&original));
    let mut map = Vec::new();
    builder.into_sourcemap().to_writer(&mut map).expect("a map");
    let start = Instant::now();
    let parsed = sourcemaps::parse_map(&map);
    let parse_ms = start.elapsed().as_secs_f64() * 1e3;

    let script = "https://shop.example.com/static/js/app.min.js";
    let frames: Vec<Value> = [100u32, 700, 1_300, 1_900, 1_999]
        .iter()
        .map(|&n| {
            let column = minified.find(&format!("function f{n}(")).unwrap_or(0) + 21;
            serde_json::json!({"function": format!("f{n}"), "abs_path": script, "filename": "/static/js/app.min.js", "lineno": 1, "colno": column, "in_app": true})
        })
        .collect();
    let body = serde_json::json!({
        "event_id": "0123456789abcdef0123456789abcdef", "platform": "javascript", "release": "shop@1.0.0",
        "exception": {"values": [{"type": "TypeError", "value": "x is undefined", "stacktrace": {"frames": frames}}]},
    })
    .to_string();
    let index = ArtifactIndex::new(vec![
        ArtifactMeta {
            id: 1,
            kind: ArtifactKind::MinifiedSource,
            url: "~/static/js/app.min.js".into(),
            debug_id: None,
            sourcemap: Some("app.min.js.map".into()),
            release: Some("shop@1.0.0".into()),
            dist: None,
        },
        ArtifactMeta {
            id: 2,
            kind: ArtifactKind::SourceMap,
            url: "~/static/js/app.min.js.map".into(),
            debug_id: None,
            sourcemap: None,
            release: Some("shop@1.0.0".into()),
            dist: None,
        },
    ]);
    let texts =
        HashMap::from([(1, Arc::new(sourcemap::SourceView::new(Arc::from(minified.as_str()))))]);
    let maps = HashMap::from([(MapSource::File(2), Arc::new(parsed))]);
    let ctx = event::EventContext::with_defaults(1, 1_700_000_000_000);
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..ROUNDS {
            f();
        }
        start.elapsed().as_secs_f64() / ROUNDS as f64 * 1e6
    };
    let plain = time(&mut || {
        std::hint::black_box(event::process(body.as_bytes(), &ctx).ok());
    });
    let mapped = time(&mut || {
        let Ok(mut prepared) = event::prepare(body.as_bytes(), &ctx) else { return };
        let plan = sourcemaps::plan(&mut prepared, &index);
        sourcemaps::apply(&mut prepared, &plan, &texts, &maps);
        std::hint::black_box(event::finish(prepared, body.len(), &ctx));
    });
    println!("== source maps, one thread ==");
    println!(
        "a 5-frame browser event: {plain:.1} µs without maps, {mapped:.1} µs mapped (map cached); \
         parsing the map ({} KB, {FUNCTIONS} functions) once: {parse_ms:.1} ms",
        map.len() / 1024
    );
}

/// The event writer alone, without HTTP or the pipeline: `concurrency` requests of one event
/// each handed to the store at once, as the server's workers hand them over, round after round.
/// Prints the writer thread's CPU time per event, which moves less with the machine's load than
/// the whole server's figures: the figure to compare changes to the writer by.
fn writer_stage(templates: &[Template], concurrency: usize) {
    use cairn_server::ingest::event;
    use cairn_server::store::sqlite::SqliteStore;
    use cairn_server::store::{IngestBatch, Store};
    const EVENTS: usize = 20_000;
    let ctx = event::EventContext::with_defaults(1, 1_700_000_000_000);
    let events: Vec<_> = (0..EVENTS + GROUPS)
        .filter_map(|n| {
            let body = fill(&templates[n % GROUPS], &format!("{:032x}", n + 1));
            event::process(body.as_bytes(), &ctx).ok()
        })
        .collect();
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", dir.path().join("writer.db").display());
    // A runtime of its own, on a thread of its own: `main`'s runtime can neither block on
    // another nor drop one.
    let (cpu, seconds) = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    let store = Arc::new(SqliteStore::connect(&url).await.expect("store opens"));
                    store
                        .ensure_default_organization(&cairn_server::config::defaults())
                        .await
                        .expect("organization");
                    let one = |event: &cairn_server::store::NewEvent| IngestBatch {
                        events: vec![event.clone()],
                        ..IngestBatch::default()
                    };
                    // One event per group first: they open the issues, in the slow lane.
                    for event in &events[..GROUPS] {
                        store.store_batch(one(event)).await.expect("stored");
                    }
                    let cpu = thread_cpu_seconds("self", "cairn-writer");
                    let start = Instant::now();
                    for round in events[GROUPS..].chunks(concurrency) {
                        let requests: Vec<_> = round
                            .iter()
                            .map(|event| {
                                let (store, batch) = (Arc::clone(&store), one(event));
                                tokio::spawn(async move { store.store_batch(batch).await })
                            })
                            .collect();
                        for request in requests {
                            request.await.expect("joined").expect("stored");
                        }
                    }
                    (
                        thread_cpu_seconds("self", "cairn-writer") - cpu,
                        start.elapsed().as_secs_f64(),
                    )
                })
            })
            .join()
            .expect("writer stage")
    });
    let measured = (events.len() - GROUPS) as f64;
    println!(
        "writer alone ({concurrency} requests of one event at a time): writer thread {:.1} µs \
         per event, {:.0} events/s",
        cpu / measured * 1e6,
        measured / seconds
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let total = env_usize("BENCH_EVENTS", 20_000);
    let concurrency = env_usize("BENCH_CONCURRENCY", 16);
    let exe = std::env::current_exe().expect("own path");
    let cairn = exe.parent().and_then(|p| p.parent()).expect("target dir").join("cairn");
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
    run(&[
        "createuser",
        "--email",
        "bench@example.com",
        "--password",
        "benchmark password",
        "--superuser",
    ]);
    let token = run(&["createtoken", "--email", "bench@example.com"]);

    let server = Server::start(&cairn, data.path(), Path::new("/nonexistent"));
    let pid = server.pid();
    let url = server.url.clone();

    let http =
        reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
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
    let project_id = project["id"].as_str().expect("id").to_owned();
    let keys: Value = http
        .get(format!("{url}/api/0/projects/cairn/bench/keys/"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("keys")
        .json()
        .await
        .expect("keys json");
    let key = keys[0]["public"].as_str().expect("key").to_owned();
    let endpoint = Arc::new(format!("{url}/api/{project_id}/envelope/"));
    let path = Arc::new(format!("/api/{project_id}/envelope/"));
    let url = Arc::new(url);
    let auth = Arc::new(format!(
        "Sentry sentry_version=7, sentry_client=cairn-bench/1.0, sentry_key={key}"
    ));
    let templates: Arc<Vec<Template>> = Arc::new((0..GROUPS).map(event_template).collect());
    println!("event size: {} bytes", fill(&templates[0], &"0".repeat(32)).len());
    pipeline_stages(&templates);
    sourcemap_stage();
    writer_stage(&templates, concurrency);
    if std::env::var_os("BENCH_PIPELINE_ONLY").is_some() {
        // For profiling the pipeline alone (e.g. under `perf record`).
        return;
    }

    let next = Arc::new(AtomicUsize::new(0));
    let send_phase = |count: usize, offset: usize, interval: Option<Duration>| {
        let next = next.clone();
        next.store(0, Ordering::SeqCst);
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let (url, next, path, auth, templates) =
                    (url.clone(), next.clone(), path.clone(), auth.clone(), templates.clone());
                tokio::spawn(async move {
                    let mut poster = RawPoster::connect(&url, &path, &auth).await;
                    let mut body = Vec::new();
                    let mut latencies = Vec::new();
                    let start = Instant::now();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            break;
                        }
                        if let Some(interval) = interval {
                            let due = start + interval * u32::try_from(i).unwrap_or(u32::MAX);
                            tokio::time::sleep_until(due.into()).await;
                        }
                        let n = offset + i;
                        let event_id = format!("{:032x}", n as u128 + 1);
                        body.clear();
                        for part in ["{\"event_id\":\"", &event_id, "\"}\n{\"type\":\"event\"}\n"] {
                            body.extend_from_slice(part.as_bytes());
                        }
                        for (i, part) in templates[n % GROUPS].iter().enumerate() {
                            if i > 0 {
                                body.extend_from_slice(event_id.as_bytes());
                            }
                            body.extend_from_slice(part.as_bytes());
                        }
                        body.push(b'\n');
                        let sent = Instant::now();
                        assert_eq!(poster.post(&body).await, 200, "event accepted");
                        latencies.push(sent.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        async move {
            let mut all = Vec::new();
            for task in tasks {
                all.extend(task.await.expect("task"));
            }
            all.sort();
            all
        }
    };
    let pct = |l: &[Duration], p: f64| {
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };

    let own_pid = std::process::id().to_string();
    let (server_cpu0, own_cpu0) = (cpu_seconds(&pid.to_string()), cpu_seconds(&own_pid));
    let written0 = written_bytes(&pid.to_string());
    let writer0 = thread_cpu_seconds(&pid.to_string(), "cairn-writer");
    let checkpoint0 = thread_cpu_seconds(&pid.to_string(), "cairn-checkpoint");
    let start = Instant::now();
    let machine0 = machine_ticks();
    let latencies = send_phase(total, 0, None).await;
    let elapsed = start.elapsed().as_secs_f64();
    let machine1 = machine_ticks();
    let idle_share = (machine1.0 - machine0.0) / (machine1.1 - machine0.1).max(1.0);
    let throughput = total as f64 / elapsed;

    // Every acknowledged event must be visible through the API.
    let visible_after = loop {
        let issues: Value = http
            .get(format!("{url}/api/0/organizations/cairn/issues/?limit=100&query="))
            .bearer_auth(&token)
            .send()
            .await
            .expect("issues")
            .json()
            .await
            .expect("issues json");
        let seen: usize = issues
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["count"].as_str()?.parse::<usize>().ok())
            .sum();
        if seen >= total {
            break start.elapsed().as_secs_f64();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (server_cpu, own_cpu) =
        (cpu_seconds(&pid.to_string()) - server_cpu0, cpu_seconds(&own_pid) - own_cpu0);
    let written = written_bytes(&pid.to_string()) - written0;
    let writer = thread_cpu_seconds(&pid.to_string(), "cairn-writer") - writer0;
    let checkpoint = thread_cpu_seconds(&pid.to_string(), "cairn-checkpoint") - checkpoint0;

    println!("== full load: {total} events, {concurrency} connections ==");
    println!("accepted:              {throughput:.0} events/s ({elapsed:.2} s)");
    println!(
        "latency:               p50 {:.2} ms, p99 {:.2} ms",
        pct(&latencies, 0.50).as_secs_f64() * 1e3,
        pct(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!("all visible in API:    {visible_after:.2} s after the first send");
    println!("server CPU per event:  {:.1} µs (user+system)", server_cpu / total as f64 * 1e6);
    println!("machine idle:          {:.1} % of all cores while sending", idle_share * 100.0);
    println!(
        "  of which:            writer thread {:.1} µs, checkpoint thread {:.1} µs",
        writer / total as f64 * 1e6,
        checkpoint / total as f64 * 1e6
    );
    println!("server writes:         {:.1} KB per event", written / total as f64 / 1e3);
    println!(
        "generator CPU:         {own_cpu:.2} s ({:.1} µs per event)",
        own_cpu / total as f64 * 1e6
    );

    let half = (total / 4).max(1);
    let interval = Duration::from_secs_f64(1.0 / (throughput / 2.0));
    let latencies = send_phase(half, total, Some(interval)).await;
    println!("== half load: {half} events at {:.0} events/s ==", throughput / 2.0);
    println!(
        "latency:               p50 {:.2} ms, p99 {:.2} ms",
        pct(&latencies, 0.50).as_secs_f64() * 1e3,
        pct(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!("server peak RSS:       {:.1} MiB", peak_rss_mib(pid));

    let sessions = env_usize("BENCH_SESSIONS", 100_000);
    let per_envelope = env_usize("BENCH_SESSIONS_PER_ENVELOPE", 10).clamp(1, 100);
    let envelopes = sessions.div_ceil(per_envelope);
    let started = chrono::Utc::now().to_rfc3339();
    let next = Arc::new(AtomicUsize::new(0));
    let server_cpu0 = cpu_seconds(&pid.to_string());
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, next, endpoint, auth, started) =
                (http.clone(), next.clone(), endpoint.clone(), auth.clone(), started.clone());
            tokio::spawn(async move {
                loop {
                    let e = next.fetch_add(1, Ordering::Relaxed);
                    if e >= envelopes {
                        break;
                    }
                    let mut body = String::from("{}\n");
                    for i in 0..per_envelope {
                        let n = e * per_envelope + i;
                        // A tenth of the sessions crash (`matches!`: `is_multiple_of` is newer
                        // than the minimum Rust version).
                        let crashed = matches!(n % 10, 0);
                        let status = if crashed { "crashed" } else { "exited" };
                        let update = json!({
                            "sid": uuid::Uuid::new_v4().to_string(),
                            "did": format!("user-{}", n % 1000),
                            "init": true,
                            "started": started,
                            "status": status,
                            "errors": u8::from(crashed),
                            "duration": 12.5,
                            "attrs": {"release": format!("bench@1.0.{}", n % 5), "environment": "production"}
                        });
                        body.push_str("{\"type\":\"session\"}\n");
                        body.push_str(&update.to_string());
                        body.push('\n');
                    }
                    let response = http
                        .post(endpoint.as_str())
                        .header("x-sentry-auth", auth.as_str())
                        .header("content-type", "application/x-sentry-envelope")
                        .body(body)
                        .send()
                        .await
                        .expect("request");
                    assert_eq!(response.status().as_u16(), 200, "sessions accepted");
                    let _ = response.bytes().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let server_cpu = cpu_seconds(&pid.to_string()) - server_cpu0;
    let counted: Value = http
        .get(format!(
            "{url}/api/0/organizations/cairn/sessions/?field=sum(session)&project={project_id}"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sessions")
        .json()
        .await
        .expect("sessions json");
    let counted = counted["groups"][0]["totals"]["sum(session)"].as_u64().unwrap_or(0);
    let sent = envelopes * per_envelope;
    println!("== sessions: {sent} updates, {per_envelope} per envelope ==");
    println!(
        "accepted:              {:.0} session items/s ({elapsed:.2} s)",
        sent as f64 / elapsed
    );
    println!("server CPU per item:   {:.1} µs (user+system)", server_cpu / sent as f64 * 1e6);
    println!("counted by the API:    {counted} of {sent}");
    assert_eq!(counted, sent as u64, "every acknowledged session is counted");
}
