//! `make bench` (third part): release health on a big database. A real `cairn serve` (release
//! build) on a SQLite file holding what 10 million session updates (5 million
//! sessions: an `init` update and a final one each) of 100 releases over 90 days leave in the
//! aggregate tables ingestion maintains, then timed requests over loopback: the release list
//! with health (duration percentiles included) and the sessions API over 90 days grouped by
//! release, with crash-free rates, users and session duration percentiles.
//!
//! Sending 10 million updates through the envelope endpoint would take longer than the rest of
//! `make bench` together, so a bulk loader writes the aggregates directly: it models the
//! sessions (who, which release, when, how they ended) and adds them up with ingestion's rules.
//! That the loader's rows are what ingestion writes is checked on a sample first: the same
//! modelled sessions go once through the envelope endpoint as real `session` items into one
//! project and once through the loader into another, and both projects' aggregates must be
//! equal row for row.
//!
//! Settings: `BENCH_HEALTH_UPDATES` (default 10000000), `BENCH_HEALTH_RELEASES` (100),
//! `BENCH_HEALTH_USERS` (20000), `BENCH_HEALTH_ROUNDS` (requests per measured route, 100),
//! `BENCH_HEALTH_FRESH` (regenerate the kept database).
//!
//! The generated database is kept in `<target>/bench-data/health-v<shape>-<updates>-<releases>-
//! <users>/` and reused by the next runs for 12 hours (its sessions end when it was made), so
//! only the first run of the day pays for the load; a change of the loader or the schema bumps
//! [`SHAPE`], which makes a new one.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use cairn_server::ingest::duration_histogram::bucket_of;
use serde_json::{json, Value};

use common::Server;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const DAY_MS: i64 = 86_400_000;
const SPAN_MS: i64 = 90 * DAY_MS;
const ENVIRONMENTS: [&str; 3] = ["production", "staging", "development"];
/// The sample's releases are numbered from here.
const SAMPLE_RELEASES: usize = 1_000;

/// How a modelled session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Exited,
    /// Exited after handled errors.
    Errored,
    Crashed,
    Abnormal,
}

/// One modelled session.
#[derive(Debug, Clone)]
struct Session {
    user: usize,
    release: usize,
    environment: &'static str,
    started: i64,
    end: End,
    duration: f64,
}

/// The model: session `i` of `count`, spread evenly over `[from, to)`. Release `r` of
/// `releases` comes out at `from + r * (to - from) / releases`; each user runs the newest
/// release or one of the three before it (users upgrade late), one in ten users is in
/// staging and one in 25 in development; about 1% of sessions crash, 0.2% end abnormally, 3% see handled errors.
fn session(i: usize, count: usize, from: i64, to: i64, releases: usize, users: usize) -> Session {
    let started = from + ((to - from) as i128 * i as i128 / count.max(1) as i128) as i64;
    let user = (i.wrapping_mul(7_919) + i / users.max(1)) % users.max(1);
    let newest =
        (((started - from) as i128 * releases as i128) / (to - from).max(1) as i128) as usize;
    let release = newest.min(releases - 1).saturating_sub(user % 4);
    let roll = (i as u64).wrapping_mul(2_654_435_761) % 1_000;
    let end = match roll {
        0..=9 => End::Crashed,
        10..=11 => End::Abnormal,
        12..=41 => End::Errored,
        _ => End::Exited,
    };
    Session {
        user,
        release,
        environment: if user.is_multiple_of(10) {
            ENVIRONMENTS[1]
        } else if user % 25 == 1 {
            ENVIRONMENTS[2]
        } else {
            ENVIRONMENTS[0]
        },
        started,
        end,
        duration: 30.0 + (i % 600) as f64,
    }
}

fn version(release: usize) -> String {
    format!("app@1.0.{release}")
}

fn did(user: usize) -> String {
    format!("user-{user}")
}

/// Sums per (release, environment, hour): sessions, errored, crashed, abnormal, duration sum
/// and count, as ingestion counts an `init` update followed by a final one.
type Counts = (i64, i64, i64, i64, f64, i64);

/// What ingestion's rules (`ingest::session::apply`) add to the aggregate tables for these
/// sessions: hourly counts, and per (release, environment, hour, user) the user's status bits.
#[derive(Default)]
struct Aggregates {
    hourly: HashMap<(usize, &'static str, i64), Counts>,
    users: HashMap<(usize, &'static str, i64, usize), u8>,
    /// Per (release, environment, hour, duration bucket): sessions and the longest (migration
    /// 0019), bucketed by ingestion's own function.
    durations: HashMap<(usize, &'static str, i64, i64), (i64, f64)>,
}

impl Aggregates {
    fn add(&mut self, s: &Session) {
        let hour = s.started.div_euclid(3_600_000) * 3_600;
        let c = self.hourly.entry((s.release, s.environment, hour)).or_default();
        c.0 += 1;
        // Crashed and abnormal sessions are in Sentry's errored set too.
        c.1 += i64::from(s.end != End::Exited);
        c.2 += i64::from(s.end == End::Crashed);
        c.3 += i64::from(s.end == End::Abnormal);
        // Durations of sessions that exited (with or without handled errors).
        if matches!(s.end, End::Exited | End::Errored) {
            c.4 += s.duration;
            c.5 += 1;
            let bucket = bucket_of(s.duration);
            let d = self.durations.entry((s.release, s.environment, hour, bucket)).or_default();
            d.0 += 1;
            d.1 = d.1.max(s.duration);
        }
        let bits = match s.end {
            End::Exited => 0,
            End::Errored => 1,
            End::Abnormal => 1 | 2,
            End::Crashed => 1 | 4,
        };
        *self.users.entry((s.release, s.environment, hour, s.user)).or_default() |= bits;
    }

    /// Writes the rows of `project_id` (whose releases exist already).
    async fn write(&self, conn: &mut SqliteConnection, project_id: i64) {
        let mut tx = conn.begin().await.expect("transaction");
        let hourly: Vec<_> = self.hourly.iter().collect();
        for chunk in hourly.chunks(100) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO session_hourly (project_id, release, environment, hour, sessions, \
                 errored, crashed, abnormal, duration_sum, duration_count) VALUES {rows} \
                 ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET \
                 sessions = sessions + excluded.sessions, errored = errored + excluded.errored, \
                 crashed = crashed + excluded.crashed, abnormal = abnormal + excluded.abnormal, \
                 duration_sum = duration_sum + excluded.duration_sum, \
                 duration_count = duration_count + excluded.duration_count"
            );
            let mut query = sqlx::query(&sql);
            for ((release, environment, hour), c) in chunk {
                query = query
                    .bind(project_id)
                    .bind(version(*release))
                    .bind(*environment)
                    .bind(*hour)
                    .bind(c.0)
                    .bind(c.1)
                    .bind(c.2)
                    .bind(c.3)
                    .bind(c.4)
                    .bind(c.5);
            }
            query.execute(&mut *tx).await.expect("insert session_hourly");
        }
        // Duration buckets per hour and per day, as `write_duration_buckets` adds them.
        let mut daily: HashMap<(usize, &'static str, i64, i64), (i64, f64)> = HashMap::new();
        for ((release, environment, hour, bucket), (n, max)) in &self.durations {
            let day = hour.div_euclid(86_400) * 86_400;
            let d = daily.entry((*release, *environment, day, *bucket)).or_default();
            d.0 += n;
            d.1 = d.1.max(*max);
        }
        for (table, time, rows) in [
            ("session_duration_hourly", "hour", self.durations.iter().collect::<Vec<_>>()),
            ("session_duration_daily", "day", daily.iter().collect()),
        ] {
            for chunk in rows.chunks(100) {
                let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
                let sql = format!(
                    "INSERT INTO {table} (project_id, release, environment, {time}, bucket, \
                     sessions, max) VALUES {values} \
                     ON CONFLICT (project_id, release, environment, {time}, bucket) DO UPDATE \
                     SET sessions = sessions + excluded.sessions, max = MAX(max, excluded.max)"
                );
                let mut query = sqlx::query(&sql);
                for ((release, environment, at, bucket), (n, max)) in chunk {
                    query = query
                        .bind(project_id)
                        .bind(version(*release))
                        .bind(*environment)
                        .bind(*at)
                        .bind(*bucket)
                        .bind(*n)
                        .bind(*max);
                }
                query.execute(&mut *tx).await.expect("insert duration buckets");
            }
        }
        let mut users: Vec<_> = self.users.iter().collect();
        // In primary-key order, as `UserSummary::write`.
        users.sort_by_cached_key(|((release, environment, hour, user), _)| {
            (version(*release), *environment, *hour, did(*user))
        });
        for (n, chunk) in users.chunks(150).enumerate() {
            let rows = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO session_users (project_id, release, environment, hour, did, flags) \
                 VALUES {rows} ON CONFLICT (project_id, release, environment, hour, did) \
                 DO UPDATE SET flags = flags | excluded.flags"
            );
            let mut query = sqlx::query(&sql);
            for ((release, environment, hour, user), flags) in chunk {
                query = query
                    .bind(project_id)
                    .bind(version(*release))
                    .bind(*environment)
                    .bind(*hour)
                    .bind(did(*user))
                    .bind(i64::from(**flags));
            }
            query.execute(&mut *tx).await.expect("insert session_users");
            if n % 2_000 == 1_999 {
                tx.commit().await.expect("commit");
                tx = conn.begin().await.expect("transaction");
            }
        }
        tx.commit().await.expect("commit");
    }
}

/// Each user's last hours (with a session; with an errored, abnormal, crashed one).
type Last = (i64, Option<i64>, Option<i64>, Option<i64>);

/// What ingestion keeps per user over all hours: their last hours per (release, environment)
/// (migration 0016) and their status bits per day (0018). Gathered over the whole load and
/// written once, so that each row is inserted once rather than updated day after day.
#[derive(Default)]
struct UserSummary {
    latest: HashMap<(usize, &'static str, usize), Last>,
    days: HashMap<(usize, &'static str, i64, usize), u8>,
}

impl UserSummary {
    fn absorb(&mut self, aggregates: &Aggregates) {
        // Ingestion keeps both per environment and, under "/", for all environments together.
        let each =
            aggregates.users.iter().flat_map(|((release, environment, hour, user), flags)| {
                [*environment, "/"]
                    .map(|environment| ((*release, environment, *hour, *user), *flags))
            });
        for ((release, environment, hour, user), flags) in each {
            let entry =
                self.latest.entry((release, environment, user)).or_insert((hour, None, None, None));
            let later = |at: Option<i64>, bit: u8| {
                if flags & bit != 0 {
                    Some(at.map_or(hour, |at| at.max(hour)))
                } else {
                    at
                }
            };
            *entry = (entry.0.max(hour), later(entry.1, 1), later(entry.2, 2), later(entry.3, 4));
            let day = hour.div_euclid(86_400) * 86_400;
            *self.days.entry((release, environment, day, user)).or_default() |= flags;
        }
    }

    /// Writes the rows of `project_id`.
    async fn write(self, conn: &mut SqliteConnection, project_id: i64) {
        // In primary-key order: SQLite appends to its B-trees instead of splitting pages all
        // over them.
        let mut latest: Vec<_> = self.latest.into_iter().collect();
        latest.sort_by_cached_key(|((release, environment, user), _)| {
            (version(*release), *environment, did(*user))
        });
        let mut days: Vec<_> = self.days.into_iter().collect();
        days.sort_by_cached_key(|((release, environment, day, user), _)| {
            (version(*release), *environment, *day, did(*user))
        });
        let mut tx = conn.begin().await.expect("transaction");
        for (n, chunk) in days.chunks(150).enumerate() {
            let rows = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO session_user_days (project_id, release, environment, day, did, \
                 flags) VALUES {rows} ON CONFLICT (project_id, release, environment, day, did) \
                 DO UPDATE SET flags = flags | excluded.flags \
                 WHERE flags != flags | excluded.flags"
            );
            let mut query = sqlx::query(&sql);
            for ((release, environment, day, user), flags) in chunk {
                query = query
                    .bind(project_id)
                    .bind(version(*release))
                    .bind(*environment)
                    .bind(*day)
                    .bind(did(*user))
                    .bind(i64::from(*flags));
            }
            query.execute(&mut *tx).await.expect("insert session_user_days");
            if n % 2_000 == 1_999 {
                tx.commit().await.expect("commit");
                tx = conn.begin().await.expect("transaction");
            }
        }
        for (n, chunk) in latest.chunks(100).enumerate() {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let later = |column: &str| {
                format!(
                    "{column} = MAX(COALESCE({column}, excluded.{column}), \
                     COALESCE(excluded.{column}, {column}))"
                )
            };
            let sql = format!(
                "INSERT INTO session_user_latest (project_id, release, environment, did, \
                 last_hour, last_errored, last_abnormal, last_crashed) VALUES {rows} \
                 ON CONFLICT (project_id, release, environment, did) DO UPDATE SET \
                 last_hour = MAX(last_hour, excluded.last_hour), {}, {}, {}",
                later("last_errored"),
                later("last_abnormal"),
                later("last_crashed")
            );
            let mut query = sqlx::query(&sql);
            for ((release, environment, user), last) in chunk {
                query = query
                    .bind(project_id)
                    .bind(version(*release))
                    .bind(*environment)
                    .bind(did(*user))
                    .bind(last.0)
                    .bind(last.1)
                    .bind(last.2)
                    .bind(last.3);
            }
            query.execute(&mut *tx).await.expect("insert session_user_latest");
            if n % 2_000 == 1_999 {
                tx.commit().await.expect("commit");
                tx = conn.begin().await.expect("transaction");
            }
        }
        tx.commit().await.expect("commit");
    }
}

/// The releases `releases`, created as ingestion creates a release a session names (a
/// `releases` row and its project link), each dated when it came out.
async fn write_releases(
    conn: &mut SqliteConnection,
    project_id: i64,
    releases: std::ops::Range<usize>,
    from: i64,
    to: i64,
) {
    let count = releases.len().max(1) as i64;
    for r in releases.clone() {
        let created = from + (to - from) * (r - releases.start) as i64 / count;
        sqlx::query(
            "INSERT INTO releases (organization_id, version, date_created) SELECT \
             organization_id, $2, $3 FROM projects WHERE id = $1 \
             ON CONFLICT (organization_id, version) DO NOTHING",
        )
        .bind(project_id)
        .bind(version(r))
        .bind(created)
        .execute(&mut *conn)
        .await
        .expect("insert release");
        sqlx::query(
            "INSERT OR IGNORE INTO release_projects (release_id, project_id) SELECT id, $1 \
             FROM releases WHERE version = $2",
        )
        .bind(project_id)
        .bind(version(r))
        .execute(&mut *conn)
        .await
        .expect("link release");
    }
}

/// A project's aggregate rows, sorted, for comparing two projects: the hourly session counts,
/// and every per-user, per-day and duration table.
async fn rows_of(conn: &mut SqliteConnection, project_id: i64) -> (Vec<String>, Vec<String>) {
    const DURATION: &str = "printf('%.3f', duration_sum)";
    let counts = ["sessions", "errored", "crashed", "abnormal", DURATION, "duration_count"];
    let hourly = text_rows(conn, project_id, "session_hourly", &["hour"], &counts, "").await;
    let mut users = Vec::new();
    let tables: [(&str, &[&str], &[&str], &str); 8] = [
        ("session_users", &["hour", "did"], &["flags"], ""),
        (
            "session_user_latest",
            &["did"],
            &["last_hour", "last_errored", "last_abnormal", "last_crashed"],
            "",
        ),
        (
            "session_user_last_hours",
            &["hour"],
            &["users", "crashed"],
            "AND (users != 0 OR crashed != 0)",
        ),
        ("session_user_days", &["day", "did"], &["flags"], ""),
        ("session_day_users", &["day"], &["users", "errored", "abnormal", "crashed"], ""),
        ("session_daily", &["day"], &counts, ""),
        ("session_duration_hourly", &["hour", "bucket"], &["sessions", "printf('%.3f', max)"], ""),
        ("session_duration_daily", &["day", "bucket"], &["sessions", "printf('%.3f', max)"], ""),
    ];
    for (table, keys, values, filter) in tables {
        users.extend(text_rows(conn, project_id, table, keys, values, filter).await);
    }
    (hourly, users)
}

/// One table's rows of a project as text lines, ordered by release, environment and `keys`:
/// each line the release, environment, keys and `values` (SQL expressions), `quote`d so that
/// NULL stays apart from any value.
async fn text_rows(
    conn: &mut SqliteConnection,
    project_id: i64,
    table: &str,
    keys: &[&str],
    values: &[&str],
    filter: &str,
) -> Vec<String> {
    let order: Vec<&str> = ["release", "environment"].iter().chain(keys).copied().collect();
    let line: Vec<String> =
        order.iter().chain(values).map(|column| format!("quote({column})")).collect();
    let sql = format!(
        "SELECT '{table}: ' || {} FROM {table} WHERE project_id = $1 {filter} ORDER BY {}",
        line.join(" || ' ' || "),
        order.join(", ")
    );
    sqlx::query_scalar(&sql)
        .bind(project_id)
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|err| panic!("read {table}: {err}"))
}

/// The two `session` items Sentry SDKs send for a session: `init` with status `ok`, then the
/// final update.
fn session_items(s: &Session, sid: &str) -> [Value; 2] {
    let started = chrono::DateTime::from_timestamp_millis(s.started)
        .expect("valid time")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let attrs = json!({"release": version(s.release), "environment": s.environment});
    let (status, errors) = match s.end {
        End::Exited => ("exited", 0),
        End::Errored => ("exited", 1),
        End::Crashed => ("crashed", 1),
        End::Abnormal => ("abnormal", 0),
    };
    let ended = chrono::DateTime::from_timestamp_millis(s.started + (s.duration * 1e3) as i64)
        .expect("valid time")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    [
        json!({"sid": sid, "did": did(s.user), "init": true, "started": started,
               "timestamp": started, "seq": 0, "status": "ok", "errors": 0, "attrs": attrs}),
        json!({"sid": sid, "did": did(s.user), "init": false, "started": started,
               "timestamp": ended, "seq": 1, "status": status, "errors": errors,
               "duration": s.duration, "attrs": attrs}),
    ]
}

/// Sends sessions through the envelope endpoint as an SDK would: each envelope carries the
/// `init` updates of some sessions, the next one their final updates.
async fn ingest(
    http: &reqwest::Client,
    url: &str,
    project_id: i64,
    key: &str,
    sessions: &[Session],
) {
    let endpoint = format!("{url}/api/{project_id}/envelope/");
    for (c, chunk) in sessions.chunks(50).enumerate() {
        let items: Vec<[Value; 2]> = chunk
            .iter()
            .enumerate()
            .map(|(i, s)| session_items(s, &format!("{:08x}-0000-4000-8000-{:012x}", c, i)))
            .collect();
        for step in 0..2 {
            let mut body = String::from("{}\n");
            for item in &items {
                body.push_str("{\"type\":\"session\"}\n");
                body.push_str(&item[step].to_string());
                body.push('\n');
            }
            let response = http
                .post(&endpoint)
                .header(
                    "X-Sentry-Auth",
                    format!("Sentry sentry_version=7, sentry_key={key}, sentry_client=bench/1.0"),
                )
                .body(body)
                .send()
                .await
                .expect("envelope");
            assert!(response.status().is_success(), "envelope: {}", response.status());
        }
    }
}

/// Milliseconds per request of `rounds` sequential GETs of `path`: p50, p95, p99.
async fn measure(
    http: &reqwest::Client,
    token: &str,
    rounds: usize,
    path: &str,
) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let response = http.get(path).bearer_auth(token).send().await.expect("request");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        let _ = response.bytes().await.expect("body");
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.95), at(0.99))
}

async fn create_project(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    name: &str,
) -> (i64, String) {
    let project: Value = http
        .post(format!("{url}/api/0/teams/cairn/cairn/projects/"))
        .bearer_auth(token)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect("create project")
        .json()
        .await
        .expect("project");
    let id = project["id"].as_str().and_then(|id| id.parse().ok()).expect("project id");
    let slug = project["slug"].as_str().expect("project slug").to_owned();
    (id, slug)
}

/// Bumped whenever the loader, the model or the schema it fills changes: a kept database of
/// another shape is regenerated.
const SHAPE: u32 = 4;
/// A kept database older than this is regenerated: its sessions end when it was made, and the
/// last-24-hours figures would thin out.
const KEEP_FOR_MS: i64 = 12 * 3_600_000;

/// What a kept database holds, written once it is complete.
#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    created: i64,
    project_id: i64,
    hourly_rows: usize,
    user_rows: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let updates = env_usize("BENCH_HEALTH_UPDATES", 10_000_000);
    let releases = env_usize("BENCH_HEALTH_RELEASES", 100).max(1);
    let users = env_usize("BENCH_HEALTH_USERS", 20_000).max(1);
    let rounds = env_usize("BENCH_HEALTH_ROUNDS", 100);
    let sessions = updates / 2;
    let exe = std::env::current_exe().expect("own path");
    // <target>/release/examples/health_bench: the server is <target>/release/cairn, the kept
    // databases live in <target>/bench-data/.
    let release_dir = exe.parent().and_then(|p| p.parent()).expect("target dir");
    let cairn = release_dir.join("cairn");
    let data = release_dir
        .parent()
        .expect("target dir")
        .join("bench-data")
        .join(format!("health-v{SHAPE}-{updates}-{releases}-{users}"));
    let meta_path = data.join("meta.json");
    let now = chrono::Utc::now().timestamp_millis();
    let kept: Option<Meta> = std::fs::read(&meta_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|m: &Meta| now - m.created < KEEP_FOR_MS)
        .filter(|_| std::env::var_os("BENCH_HEALTH_FRESH").is_none());
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).expect("bench data directory");
    }
    let run = |args: &[&str]| {
        let out = Command::new(&cairn)
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .expect("cairn runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    if kept.is_none() {
        run(&[
            "createuser",
            "--email",
            "bench@example.com",
            "--password",
            "benchmark pw",
            "--superuser",
        ]);
    }
    let token = run(&["createtoken", "--email", "bench@example.com"]);
    let server = Server::start(&cairn, &data, Path::new("/nonexistent"));
    let url = server.url.clone();
    let http = reqwest::Client::new();
    println!(
        "== Release health on {releases} releases / {updates} session updates ({sessions} \
         sessions, {users} users, 90 days) =="
    );
    let project_id = match &kept {
        Some(meta) => {
            println!(
                "kept database of {:.1} hours ago ({}; BENCH_HEALTH_FRESH=1 regenerates it): {} \
                 hourly rows, {} user rows",
                (now - meta.created) as f64 / 3.6e6,
                data.display(),
                meta.hourly_rows,
                meta.user_rows
            );
            meta.project_id
        }
        None => {
            let meta = generate(&http, &url, &token, &data, now, sessions, releases, users).await;
            std::fs::write(&meta_path, serde_json::to_vec(&meta).expect("meta json"))
                .expect("write meta.json");
            meta.project_id
        }
    };

    let org = format!("{url}/api/0/organizations/cairn");
    let cases = [
        (
            "release list, health=1, 100 releases (14d)",
            format!(
                "{org}/releases/?health=1&summaryStatsPeriod=14d&per_page=100&project={project_id}"
            ),
        ),
        (
            "release list as the dashboard asks (all projects, 24h)",
            format!(
                "{org}/releases/?health=1&summaryStatsPeriod=24h&per_page=100&healthStatsPeriod=24h"
            ),
        ),
        (
            "release list sorted by crash-free sessions (14d)",
            format!(
                "{org}/releases/?health=1&summaryStatsPeriod=14d&per_page=100&project={project_id}\
                 &sort=crash_free_sessions"
            ),
        ),
        (
            "release list as the dashboard asks, by sessions, stages",
            format!(
                "{org}/releases/?health=1&adoptionStages=1&summaryStatsPeriod=24h&per_page=100\
                 &healthStatsPeriod=24h&sort=sessions"
            ),
        ),
        (
            "release list, 90d summary, healthStat=users",
            format!(
                "{org}/releases/?health=1&summaryStatsPeriod=90d&healthStatsPeriod=14d\
                 &healthStat=users&per_page=100&project={project_id}"
            ),
        ),
        (
            "sessions, 90d by release, sum + crash-free sessions",
            format!(
                "{org}/sessions/?field=sum(session)&field=crash_free_rate(session)\
                 &groupBy=release&statsPeriod=90d&interval=1d&project={project_id}"
            ),
        ),
        (
            // The bench's project: the two sample projects share their releases, so grouped by
            // release alone their users would be counted one by one.
            "sessions, 90d by release, + count_unique(user)",
            format!(
                "{org}/sessions/?field=sum(session)&field=count_unique(user)\
                 &field=crash_free_rate(session)&groupBy=release&statsPeriod=90d&interval=1d\
                 &project={project_id}"
            ),
        ),
        (
            "sessions, 90d by release, p50 + p90 + max(session.duration)",
            format!(
                "{org}/sessions/?field=sum(session)&field=p50(session.duration)\
                 &field=p90(session.duration)&field=max(session.duration)&groupBy=release\
                 &statsPeriod=90d&interval=1d&project={project_id}"
            ),
        ),
        (
            "sessions, 24h by release, hourly p50(session.duration)",
            format!(
                "{org}/sessions/?field=p50(session.duration)&groupBy=release&statsPeriod=24h\
                 &interval=1h&project={project_id}"
            ),
        ),
        (
            "sessions, 90d by release, + crash_free_rate(user)",
            format!(
                "{org}/sessions/?field=sum(session)&field=count_unique(user)\
                 &field=crash_free_rate(user)&groupBy=release&statsPeriod=90d&interval=1d\
                 &project={project_id}"
            ),
        ),
    ];
    println!("{:<58} {:>8} {:>8} {:>8}", "ms per request", "p50", "p95", "p99");
    for (name, path) in &cases {
        let warm = http.get(path).bearer_auth(&token).send().await.expect("warm-up");
        assert!(warm.status().is_success(), "{name}: {}", warm.status());
        let (p50, p95, p99) = measure(&http, &token, rounds, path).await;
        println!("{name:<58} {p50:>8.2} {p95:>8.2} {p99:>8.2}");
    }
    println!("targets: release list with health p95 <= 50 ms; sessions over 90 days by release p95 <= 50 ms");
    drop(server);
}

/// Fills a fresh database: the sample check (the same sessions through the envelope endpoint
/// and through the loader give the same rows), then the bulk load.
#[allow(clippy::too_many_arguments)]
async fn generate(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    data: &std::path::Path,
    now: i64,
    sessions: usize,
    releases: usize,
    users: usize,
) -> Meta {
    let (project_id, _) = create_project(http, url, token, "bench").await;
    let (ingested_id, ingested_slug) = create_project(http, url, token, "sample-ingest").await;
    let (loaded_id, _) = create_project(http, url, token, "sample-loaded").await;
    let db = format!("sqlite://{}", data.join("cairn.db").display());
    let options = SqliteConnectOptions::from_str(&db)
        .expect("database URL")
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(30));
    let mut conn = SqliteConnection::connect_with(&options).await.expect("open the database");
    // The sample: sessions of the last two days (ingestion takes updates up to five days old).
    let sample_from = now - 2 * DAY_MS;
    let sample_count = 2_000;
    let sample: Vec<Session> = (0..sample_count)
        .map(|i| {
            // Releases of their own (1000 and up), so that the big project's stay its own.
            // Ended an hour ago at the latest: an update from the future would be refused.
            let mut s = session(i, sample_count, sample_from, now - 3_600_000, 10, 300);
            s.release += SAMPLE_RELEASES;
            s
        })
        .collect();
    let keys: Value = http
        .get(format!("{url}/api/0/projects/cairn/{ingested_slug}/keys/"))
        .bearer_auth(token)
        .send()
        .await
        .expect("keys")
        .json()
        .await
        .expect("keys json");
    let key = keys[0]["public"].as_str().expect("public key").to_owned();
    let start = Instant::now();
    ingest(http, url, ingested_id, &key, &sample).await;
    let ingest_secs = start.elapsed().as_secs_f64();
    let mut model = Aggregates::default();
    sample.iter().for_each(|s| model.add(s));
    write_releases(&mut conn, loaded_id, SAMPLE_RELEASES..SAMPLE_RELEASES + 10, sample_from, now)
        .await;
    model.write(&mut conn, loaded_id).await;
    let mut summary = UserSummary::default();
    summary.absorb(&model);
    summary.write(&mut conn, loaded_id).await;
    let expected = rows_of(&mut conn, loaded_id).await;
    // Ingestion commits in groups, a moment after the envelopes were accepted.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = rows_of(&mut conn, ingested_id).await;
        if got == expected {
            break;
        }
        if Instant::now() >= deadline {
            let differ = |a: &[String], b: &[String]| {
                a.iter().zip(b).find(|(a, b)| a != b).map(|(a, b)| format!("{a} / {b}"))
            };
            panic!(
                "the loader's aggregates differ from ingestion's (loader / ingestion): {} vs {} \
                 hourly rows, first difference {:?}; {} vs {} user rows, first difference {:?}",
                expected.0.len(),
                got.0.len(),
                differ(&expected.0, &got.0),
                expected.1.len(),
                got.1.len(),
                differ(&expected.1, &got.1)
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "sample: {} session updates through the envelope endpoint in {ingest_secs:.1} s give the \
         loader's rows exactly ({} hourly rows, {} user rows)",
        sample_count * 2,
        expected.0.len(),
        expected.1.len()
    );

    let start = Instant::now();
    let from = now - SPAN_MS;
    write_releases(&mut conn, project_id, 0..releases, from, now).await;
    // Loaded a day of sessions at a time, to keep the model's memory small.
    let per_day = sessions.div_ceil(90);
    let mut hourly_rows = 0;
    let mut user_rows = 0;
    let mut day_start = 0;
    let mut summary = UserSummary::default();
    while day_start < sessions {
        let mut day = Aggregates::default();
        for i in day_start..(day_start + per_day).min(sessions) {
            day.add(&session(i, sessions, from, now - 60_000, releases, users));
        }
        day.write(&mut conn, project_id).await;
        summary.absorb(&day);
        hourly_rows += day.hourly.len();
        user_rows += day.users.len();
        day_start += per_day;
    }
    user_rows += summary.latest.len() + summary.days.len();
    summary.write(&mut conn, project_id).await;
    sqlx::query("ANALYZE").execute(&mut conn).await.expect("analyze");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.expect("checkpoint");
    let size = std::fs::metadata(data.join("cairn.db")).map_or(0, |m| m.len());
    println!(
        "bulk-loaded in {:.0} s: {hourly_rows} hourly rows, {user_rows} user rows, database {} MiB",
        start.elapsed().as_secs_f64(),
        size / (1024 * 1024)
    );

    let _ = conn.close().await;
    Meta { created: now, project_id, hourly_rows, user_rows }
}
