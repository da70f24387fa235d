//! `make bench` (second part): the Web API on a big database. A real `cairn serve` (release
//! build) on a temporary SQLite file that a bulk loader fills with 10,000 issues and 1,000,000
//! events (realistic normalized events, with their hashes, users, tag values and hourly
//! counts, as ingestion would have left them), then timed requests over loopback: the issue
//! list (default, sorted, searched), an issue's details with its latest event, a trace, an
//! issue's events searched and its similar issues.
//!
//! Settings: `BENCH_API_ISSUES` (default 10000), `BENCH_API_EVENTS` (default 1000000),
//! `BENCH_API_ROUNDS` (requests per measured route, default 200), `BENCH_API_KEEP` (keep the
//! database and print where it is, e.g. to read query plans with the sqlite3 shell).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use cairn_server::ingest::event;
use serde_json::{json, Value};

use common::Server;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const RELEASES: [&str; 5] =
    ["backend@1.0.0", "backend@1.1.0", "backend@1.2.0", "backend@1.3.0", "backend@1.4.0"];
const ENVIRONMENTS: [&str; 2] = ["production", "staging"];
const USERS_PER_ISSUE: usize = 20;

/// A realistic event of issue `n`, through Cairn's own normalization, so the stored `data` is
/// what ingestion stores.
fn template(n: usize) -> cairn_server::store::NewEvent {
    let frames: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "filename": format!("app/services/module_{n}/handler_{i}.py"),
                "abs_path": format!("/srv/app/app/services/module_{n}/handler_{i}.py"),
                "module": format!("app.services.module_{n}.handler_{i}"),
                "function": format!("process_step_{i}"),
                "lineno": 40 + i,
                "in_app": i > 1,
                "context_line": format!("    result = self.compute_step_{i}(payload, retries=3)"),
                "vars": {"payload": "{'order_id': 1234}", "retries": "3"}
            })
        })
        .collect();
    let breadcrumbs: Vec<Value> = (0..10)
        .map(|i| {
            json!({
                "timestamp": 1_700_000_000.0 + f64::from(i),
                "category": "query", "level": "info",
                "message": format!("SELECT id FROM orders WHERE customer_id = {i}"),
            })
        })
        .collect();
    let body = json!({
        "event_id": format!("{:032x}", n + 1),
        "platform": "python",
        "level": "error",
        "release": RELEASES[n % RELEASES.len()],
        "environment": ENVIRONMENTS[n % 2],
        "transaction": format!("/api/orders/{n}"),
        "exception": {"values": [{
            "type": format!("OrderError{n}"),
            "value": "Order 1234 could not be processed: upstream returned 502",
            "stacktrace": {"frames": frames}
        }]},
        "breadcrumbs": {"values": breadcrumbs},
        "tags": {"region": "eu-west-1", "customer_tier": if n.is_multiple_of(3) { "gold" } else { "free" }},
        "user": {"id": "user-1"},
        "contexts": {"os": {"name": "Linux", "version": "6.1.0"}, "runtime": {"name": "CPython"}},
        "sdk": {"name": "sentry.python", "version": "2.19.0"}
    });
    let ctx = event::EventContext::with_defaults(1, 1_700_000_000_000);
    event::process(body.to_string().as_bytes(), &ctx).expect("the template is a valid event")
}

/// The distributed trace of event `j` of issue `n`: three events a trace, of three issues
/// (a request that failed in three places), as a number whose 16 bytes are the trace id.
fn trace_of(issues: usize, n: usize, j: usize) -> u128 {
    ((j * issues + n) / 3 + 1) as u128
}

/// Fills the database the way ingestion would have: issues of project `project_id`, their
/// events spread over the last 14 days, hashes, users, tag values and hourly counts.
async fn bulk_load(db: &str, project_id: i64, issues: usize, events: usize) {
    let options = SqliteConnectOptions::from_str(db)
        .expect("database URL")
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(30));
    let mut conn = SqliteConnection::connect_with(&options).await.expect("open the database");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let span_ms: i64 = 14 * 86_400_000;
    let per_issue = (events / issues).max(1);
    let mut tx = sqlx::Connection::begin(&mut conn).await.expect("transaction");
    for n in 0..issues {
        let event = template(n);
        let json = event.data.to_json().expect("the template's JSON");
        // Event j of issue n happened at a spread-out time within the last 14 days.
        let times: Vec<i64> = (0..per_issue)
            .map(|j| now - ((n as i64 * 7_919 + j as i64 * 104_729) * 1_000) % span_ms)
            .collect();
        let (first, last) = (
            times.iter().copied().min().unwrap_or(now),
            times.iter().copied().max().unwrap_or(now),
        );
        // Most issues are unresolved, as in a real project.
        let status = match n % 20 {
            0 => "resolved",
            1 => "ignored",
            _ => "unresolved",
        };
        let issue_id: i64 = sqlx::query_scalar(
            "INSERT INTO issues (project_id, short_id, title, culprit, level, platform, \
             event_type, metadata, logger, status, substatus, first_seen, last_seen, times_seen, \
             user_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ongoing', $11, $12, \
             $13, $14) RETURNING id",
        )
        .bind(project_id)
        .bind(n as i64 + 1)
        .bind(&event.title)
        .bind(&event.culprit)
        .bind(&event.level)
        .bind(&event.platform)
        .bind(&event.event_type)
        .bind(&event.metadata)
        .bind(&event.logger)
        .bind(status)
        .bind(first)
        .bind(last)
        .bind(per_issue as i64)
        .bind(USERS_PER_ISSUE.min(per_issue) as i64)
        .fetch_one(&mut *tx)
        .await
        .expect("insert issue");
        for hash in &event.hashes {
            sqlx::query(
                "INSERT INTO issue_hashes (project_id, hash, issue_id) VALUES ($1, $2, $3)",
            )
            .bind(project_id)
            .bind(hash)
            .bind(issue_id)
            .execute(&mut *tx)
            .await
            .expect("insert hash");
        }
        let template_id = format!("{:032x}", n + 1);
        let mut hourly: HashMap<i64, i64> = HashMap::new();
        let mut tags: HashMap<(String, String), (i64, i64, i64)> = HashMap::new();
        for chunk in times.chunks(20).enumerate() {
            let (c, chunk) = chunk;
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    // $1..$5 are shared; each row binds nine values of its own.
                    let p = i * 9;
                    format!(
                        "($1, $2, ${}, ${}, ${}, $3, $4, $5, ${}, ${}, ${}, ${}, ${}, ${})",
                        p + 6,
                        p + 7,
                        p + 8,
                        p + 9,
                        p + 10,
                        p + 11,
                        p + 12,
                        p + 13,
                        p + 14
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO events (project_id, issue_id, event_id, timestamp, received, level, \
                 title, platform, release, environment, user_ident, data, primary_hash, \
                 trace_id) VALUES {}",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql)
                .bind(project_id)
                .bind(issue_id)
                .bind(&event.level)
                .bind(&event.title)
                .bind(&event.platform);
            for (i, at) in chunk.iter().enumerate() {
                let j = c * 20 + i;
                let event_id = format!("{:016x}{:016x}", n + 1, j + 1);
                let user = format!("id:user-{}", j % USERS_PER_ISSUE);
                let release = RELEASES[(n + j) % RELEASES.len()];
                let environment = ENVIRONMENTS[j % 2];
                // What ingestion counts: level, release, environment, user and the event's
                // own tags.
                let own = event.tags.iter().filter(|(k, _)| {
                    !matches!(k.as_str(), "level" | "release" | "environment" | "user")
                });
                let fixed = [
                    ("level", event.level.as_str()),
                    ("release", release),
                    ("environment", environment),
                    ("user", user.as_str()),
                ];
                for (key, value) in
                    fixed.into_iter().chain(own.map(|(k, v)| (k.as_str(), v.as_str())))
                {
                    let entry =
                        tags.entry((key.to_owned(), value.to_owned())).or_insert((0, *at, *at));
                    entry.0 += 1;
                    entry.1 = entry.1.min(*at);
                    entry.2 = entry.2.max(*at);
                }
                *hourly.entry(at.div_euclid(3_600_000) * 3_600).or_insert(0) += 1;
                // Compressed, as ingestion stores it.
                let data = cairn_server::store::EventData::from_json(
                    &json.replace(&template_id, &event_id),
                );
                query = query
                    .bind(event_id)
                    .bind(at)
                    .bind(at)
                    .bind(release)
                    .bind(environment)
                    .bind(user)
                    .bind(data.as_bytes().to_vec())
                    .bind(event.hashes.first())
                    .bind(trace_of(issues, n, j).to_be_bytes().to_vec());
            }
            query.execute(&mut *tx).await.expect("insert events");
        }
        for ((key, value), (count, first, last)) in tags {
            sqlx::query(
                "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, \
                 last_seen) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(issue_id)
            .bind(&key)
            .bind(&value)
            .bind(count)
            .bind(first)
            .bind(last)
            .execute(&mut *tx)
            .await
            .expect("insert tag value");
            if key == "user" {
                sqlx::query("INSERT INTO issue_users (issue_id, ident) VALUES ($1, $2)")
                    .bind(issue_id)
                    .bind(&value)
                    .execute(&mut *tx)
                    .await
                    .expect("insert user");
            }
        }
        for (hour, count) in hourly {
            sqlx::query("INSERT INTO issue_hourly (issue_id, hour, events) VALUES ($1, $2, $3)")
                .bind(issue_id)
                .bind(hour)
                .bind(count)
                .execute(&mut *tx)
                .await
                .expect("insert hourly count");
        }
        if (n + 1).is_multiple_of(1_000) {
            tx.commit().await.expect("commit");
            tx = sqlx::Connection::begin(&mut conn).await.expect("transaction");
        }
    }
    sqlx::query("UPDATE projects SET next_short_id = $2 WHERE id = $1")
        .bind(project_id)
        .bind(issues as i64 + 1)
        .execute(&mut *tx)
        .await
        .expect("short id counter");
    // The counters above are complete: the server need not recount them at its start.
    sqlx::query("UPDATE counters_watermark SET counted_through = (SELECT MAX(id) FROM events)")
        .execute(&mut *tx)
        .await
        .expect("counters watermark");
    tx.commit().await.expect("commit");
    sqlx::query("ANALYZE").execute(&mut conn).await.expect("analyze");
    let _ = conn.close().await;
}

/// Milliseconds per request of `rounds` sequential GETs of the paths `path(i)`: p50, p95, p99.
async fn measure(
    http: &reqwest::Client,
    token: &str,
    rounds: usize,
    paths: impl Fn(usize) -> Vec<String>,
) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let start = Instant::now();
        for path in paths(i) {
            let response = http.get(&path).bearer_auth(token).send().await.expect("request");
            assert!(response.status().is_success(), "{path}: {}", response.status());
            let _ = response.bytes().await.expect("body");
        }
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.95), at(0.99))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let issues = env_usize("BENCH_API_ISSUES", 10_000);
    let events = env_usize("BENCH_API_EVENTS", 1_000_000);
    let rounds = env_usize("BENCH_API_ROUNDS", 200);
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
        "benchmark pw",
        "--superuser",
    ]);
    let token = run(&["createtoken", "--email", "bench@example.com"]);

    let server = Server::start(&cairn, data.path(), Path::new("/nonexistent"));
    let url = server.url.clone();
    let http = reqwest::Client::new();
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
    let project_id: i64 = project["id"].as_str().and_then(|id| id.parse().ok()).expect("id");

    let start = Instant::now();
    let db = format!("sqlite://{}", data.path().join("cairn.db").display());
    bulk_load(&db, project_id, issues, events).await;
    let size = std::fs::metadata(data.path().join("cairn.db")).map_or(0, |m| m.len());
    println!(
        "== Web API on {issues} issues / {} events (bulk-loaded in {:.0} s, database {} MiB) ==",
        (events / issues).max(1) * issues,
        start.elapsed().as_secs_f64(),
        size / (1024 * 1024)
    );

    // The ids of the loaded issues, to open random ones.
    let list: Value = http
        .get(format!("{url}/api/0/organizations/cairn/issues/?limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list json");
    let ids: Vec<String> = list
        .as_array()
        .map(|l| l.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    assert!(!ids.is_empty(), "the issue list is empty: {list}");
    let org = format!("{url}/api/0/organizations/cairn/issues/");
    let cases: Vec<(&str, String)> = vec![
        ("issue list (unresolved, last seen, 24h stats)", org.clone()),
        ("issue list, sort=freq, 14d stats", format!("{org}?sort=freq&groupStatsPeriod=14d")),
        ("issue list, sort=new", format!("{org}?sort=new")),
        ("issue list, text search", format!("{org}?query=is:unresolved%20OrderError42")),
        ("issue list, tag search", format!("{org}?query=release:backend@1.2.0%20region:eu-west-1")),
        ("issue list, selective tag search", format!("{org}?query=customer_tier:gold")),
    ];
    println!("{:<50} {:>8} {:>8} {:>8}", "ms per request", "p50", "p95", "p99");
    for (name, path) in &cases {
        // One warm-up request, then the measured ones.
        let warm = http.get(path).bearer_auth(&token).send().await.expect("warm-up");
        if !warm.status().is_success() {
            println!("{name:<50} skipped: {}", warm.status());
            continue;
        }
        let (p50, p95, p99) = measure(&http, &token, rounds, |_| vec![path.clone()]).await;
        println!("{name:<50} {p50:>8.2} {p95:>8.2} {p99:>8.2}");
    }
    let (p50, p95, p99) = measure(&http, &token, rounds, |i| {
        let id = &ids[(i * 37) % ids.len()];
        vec![format!("{org}{id}/"), format!("{org}{id}/events/latest/")]
    })
    .await;
    println!(
        "{:<50} {p50:>8.2} {p95:>8.2} {p99:>8.2}",
        "issue details + latest event (2 requests)"
    );
    // A trace of three errors, as the issue page asks for it, and the search for its issues.
    let traces = trace_of(issues, 0, (events / issues).max(1)) as usize;
    let trace_path = |i: usize| format!("{:032x}", (i * 7_919) % traces.max(1) + 1);
    let (p50, p95, p99) = measure(&http, &token, rounds, |i| {
        vec![format!("{url}/api/0/organizations/cairn/events-trace/{}/", trace_path(i))]
    })
    .await;
    println!("{:<50} {p50:>8.2} {p95:>8.2} {p99:>8.2}", "a trace's errors (events-trace)");
    let (p50, p95, p99) =
        measure(&http, &token, rounds, |i| vec![format!("{org}?query=trace:{}", trace_path(i))])
            .await;
    println!("{:<50} {p50:>8.2} {p95:>8.2} {p99:>8.2}", "issue list, trace: search");
    // An issue's events searched: their tags are in their stored JSON, so the search reads
    // every event of the issue (a term that matches none reads them all).
    let (p50, p95, p99) = measure(&http, &token, rounds, |i| {
        let id = &ids[(i * 37) % ids.len()];
        vec![format!("{org}{id}/events/?query=customer_tier:nobody")]
    })
    .await;
    println!(
        "{:<50} {p50:>8.2} {p95:>8.2} {p99:>8.2}   ({} events per issue)",
        "issue events, tag search (every event read)",
        (events / issues).max(1)
    );
    // Similar issues: the first request makes the features of the issues compared with (the
    // project's 2,000 most recently seen) from their latest events; later ones read them.
    let similar = |id: &str| format!("{org}{id}/similar/");
    let start = Instant::now();
    let first = http.get(similar(&ids[0])).bearer_auth(&token).send().await.expect("similar");
    assert!(first.status().is_success(), "similar issues: {}", first.status());
    let listed = first.json::<Value>().await.expect("similar json");
    println!(
        "{:<50} {:>8.2}   ({} listed)",
        "similar issues, first request (features made)",
        start.elapsed().as_secs_f64() * 1e3,
        listed.as_array().map_or(0, Vec::len)
    );
    let (p50, p95, p99) =
        measure(&http, &token, rounds, |i| vec![similar(&ids[(i * 37) % ids.len()])]).await;
    println!("{:<50} {p50:>8.2} {p95:>8.2} {p99:>8.2}", "similar issues (features kept)");
    println!("targets: issue list p95 <= 20 ms; details with latest event p95 <= 10 ms");
    drop(server);
    if std::env::var_os("BENCH_API_KEEP").is_some() {
        println!("database kept in {}", data.keep().display());
    }
}
