//! The test harness: a real `cairn serve` process per test, and helpers to drive it.

pub mod cdp;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

/// The `cairn` binary Cargo built for these tests.
pub const CAIRN: &str = env!("CARGO_BIN_EXE_cairn");

/// The dashboard built by Trunk (`make test` builds it before running the tests).
pub fn dist_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// A running `cairn serve` with its own data directory; killed when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The data directory (holds the SQLite file).
    pub data_dir: tempfile::TempDir,
    child: Child,
    /// A plain HTTP client.
    pub http: reqwest::Client,
}

impl TestServer {
    /// Starts Cairn on a random loopback port and waits until it listens.
    pub fn start() -> TestServer {
        TestServer::start_with_env(&[])
    }

    /// Like [`TestServer::start`], with more environment variables (e.g. `CAIRN_SMTP_HOST`).
    pub fn start_with_env(env: &[(&str, &str)]) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let (child, url) = spawn_serve(data_dir.path(), &dist_dir(), env);
        TestServer { url, data_dir, child, http: reqwest::Client::new() }
    }

    /// Like [`TestServer::start`], serving the dashboard files of `dist` instead of the build.
    pub fn start_with_dist(dist: &Path) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let (child, url) = spawn_serve(data_dir.path(), dist, &[]);
        TestServer { url, data_dir, child, http: reqwest::Client::new() }
    }

    /// Kills the server with SIGKILL (`Child::kill` on Unix), as a crash or the OOM killer
    /// would: no graceful shutdown, nothing flushed.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's process id (to send it signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `cairn serve` again on the same data directory, killing it first if it still
    /// runs. It listens on a new port: `url` changes.
    pub fn restart(&mut self) {
        self.kill9();
        let (child, url) = spawn_serve(self.data_dir.path(), &dist_dir(), &[]);
        self.child = child;
        self.url = url;
    }

    /// Runs a `cairn` sub-command against this server's database; returns its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new(CAIRN)
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .env_remove("CAIRN_DATABASE_URL")
            .output()
            .expect("cairn runs");
        assert!(
            output.status.success(),
            "cairn {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Creates a superuser with `cairn createuser` and returns an API token from
    /// `cairn createtoken`.
    pub fn owner_token(&self, email: &str, password: &str) -> String {
        self.cli(&["createuser", "--email", email, "--password", password, "--superuser"]);
        let token = self.cli(&["createtoken", "--email", email]).trim().to_owned();
        assert!(token.starts_with("sntryu_"), "unexpected token {token:?}");
        token
    }

    /// Creates a member of the default organization (password "correct horse battery") and
    /// returns an API token of theirs.
    pub fn member_token(&self, email: &str) -> String {
        let password = "correct horse battery";
        let args = ["createuser", "--email", email, "--password", password];
        self.cli(&[&args[..], &["--organization", "cairn"]].concat());
        self.cli(&["createtoken", "--email", email]).trim().to_owned()
    }

    /// `GET` with a bearer token; returns status and JSON body.
    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let (status, _, body) = self.get_page(path, token).await;
        (status, body)
    }

    /// `GET` of a page of a list: status, the `Link` header (empty when none) and JSON body.
    pub async fn get_page(&self, path: &str, token: &str) -> (u16, String, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let link = response
            .headers()
            .get("link")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, link, response.json().await.unwrap_or(Value::Null))
    }

    /// `DELETE` with a bearer token; returns the status.
    pub async fn delete(&self, path: &str, token: &str) -> u16 {
        let response = self
            .http
            .delete(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        response.status().as_u16()
    }

    /// The server's SQLite file, opened read-only: what it stored, as the tests check it.
    pub async fn database(&self) -> sqlx::SqlitePool {
        let path = self.data_dir.path().join("cairn.db");
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
        sqlx::SqlitePool::connect_with(options).await.expect("the database opens")
    }

    /// The server's SQLite file, writable: for tests of what the server does with time (the
    /// monitors' clock, retention), which date rows back rather than wait for minutes or weeks.
    pub async fn writable_database(&self) -> sqlx::SqlitePool {
        let path = self.data_dir.path().join("cairn.db");
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(Duration::from_secs(10));
        sqlx::SqlitePool::connect_with(options).await.expect("the database opens")
    }

    /// `POST` JSON with a bearer token; returns status and JSON body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send_json(reqwest::Method::POST, path, token, body).await
    }

    /// `PUT` JSON with a bearer token; returns status and JSON body.
    pub async fn put(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send_json(reqwest::Method::PUT, path, token, body).await
    }

    async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> (u16, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Creates a project in the default organization and team; returns its DSN.
    pub async fn create_project(&self, token: &str, name: &str) -> String {
        let (status, project) =
            self.post("/api/0/teams/cairn/cairn/projects/", token, json!({ "name": name })).await;
        assert_eq!(status, 201, "project created: {project}");
        let slug = project["slug"].as_str().expect("slug").to_owned();
        let (status, keys) = self.get(&format!("/api/0/projects/cairn/{slug}/keys/"), token).await;
        assert_eq!(status, 200, "{keys}");
        keys[0]["dsn"]["public"].as_str().expect("dsn.public").to_owned()
    }

    /// The first key of project `slug` (its public key, which is also its id in the keys API)
    /// and the project's numeric id, for tests that post to the ingest endpoints themselves.
    pub async fn project_key(&self, token: &str, slug: &str) -> (String, i64) {
        let (status, keys) = self.get(&format!("/api/0/projects/cairn/{slug}/keys/"), token).await;
        assert_eq!(status, 200, "{keys}");
        let key = keys[0]["id"].as_str().expect("key id").to_owned();
        (key, keys[0]["projectId"].as_i64().expect("project id"))
    }

    /// Posts one envelope of `items` (item type, payload) to the project of `dsn`, authenticated
    /// with its key as SDKs do, and checks that it is accepted.
    pub async fn post_envelope<'a>(
        &self,
        dsn: &str,
        items: impl IntoIterator<Item = (&'a str, Value)>,
    ) {
        self.post_envelope_with(dsn, json!({}), items).await;
    }

    /// The same with the envelope header `header`.
    pub async fn post_envelope_with<'a>(
        &self,
        dsn: &str,
        header: Value,
        items: impl IntoIterator<Item = (&'a str, Value)>,
    ) {
        let (key, project) = dsn
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once('@'))
            .map(|(key, rest)| (key.to_owned(), rest.rsplit('/').next().unwrap_or("").to_owned()))
            .expect("a DSN");
        let mut body = format!("{header}\n");
        for (item_type, payload) in items {
            body.push_str(&format!("{{\"type\":\"{item_type}\"}}\n{payload}\n"));
        }
        let response = self
            .http
            .post(format!("{}/api/{project}/envelope/", self.url))
            .header("X-Sentry-Auth", format!("Sentry sentry_key={key}, sentry_version=7"))
            .body(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{:?}", response.text().await);
    }

    /// Polls the organization's issue list until `pred` holds for it (events are stored
    /// before they are acknowledged, but the SDK sends in the background).
    pub async fn wait_for_issues(
        &self,
        token: &str,
        pred: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        for _ in 0..100 {
            let (status, issues) = self.get("/api/0/organizations/cairn/issues/", token).await;
            assert_eq!(status, 200, "{issues}");
            let issues = issues.as_array().cloned().unwrap_or_default();
            if pred(&issues) {
                return issues;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (_, issues) = self.get("/api/0/organizations/cairn/issues/", token).await;
        panic!("the expected issues never appeared; the list is {issues:#}");
    }
}

/// Spawns `cairn serve` on a random loopback port with `data_dir`, serving the dashboard from
/// `dist`; returns the process and its URL once it listens.
fn spawn_serve(data_dir: &Path, dist: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(CAIRN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--dist-dir")
        .arg(dist)
        .env_remove("CAIRN_DATABASE_URL")
        .env_remove("CAIRN_PUBLIC_URL")
        .env("CAIRN_LOG", std::env::var("CAIRN_TEST_LOG").unwrap_or_else(|_| "warn".into()))
        .env_remove("CAIRN_SMTP_HOST")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cairn starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("cairn printed its address before exiting")
            .expect("readable stdout");
        if let Some(url) = line.strip_prefix("Cairn is listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Sentry hub with its own client for `dsn`, so tests running in parallel do not share the
/// global hub. Returns the hub and the client (to flush).
pub fn sentry_hub(dsn: &str, release: &str) -> (Arc<sentry::Hub>, Arc<sentry::Client>) {
    let mut options = sentry::ClientOptions::default();
    options.dsn = Some(dsn.parse().expect("valid DSN"));
    options.release = Some(release.to_owned().into());
    options.environment = Some("test".into());
    // `apply_defaults` adds the HTTP transport and the default integrations, as `sentry::init`
    // does; a bare `Client::from(options)` would have no transport and drop every event.
    let client = Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
    let hub = Arc::new(sentry::Hub::new(Some(client.clone()), Arc::new(sentry::Scope::default())));
    (hub, client)
}

/// [`sentry_hub`] with every transaction sampled (`traces_sample_rate=1.0`), as an application
/// that traces all its requests.
pub fn sampling_sentry_hub(dsn: &str, release: &str) -> (Arc<sentry::Hub>, Arc<sentry::Client>) {
    let options = sentry::ClientOptions::new()
        .dsn(dsn)
        .release(release.to_owned())
        .environment("test")
        .traces_sample_rate(1.0);
    // `apply_defaults` adds the HTTP transport and the default integrations.
    let client = Arc::new(sentry::Client::from(sentry::apply_defaults(options)));
    let hub = Arc::new(sentry::Hub::new(Some(client.clone()), Arc::new(sentry::Scope::default())));
    (hub, client)
}

/// Sends, with the official SDK (on a blocking thread, as its transport wants), an error-level
/// message, and flushes; returns the event's id (32 hex).
pub async fn capture_message(dsn: &str, release: &str, text: &str) -> String {
    capture_message_at(dsn, release, text, sentry::Level::Error).await
}

/// [`capture_message`] at another level.
pub async fn capture_message_at(
    dsn: &str,
    release: &str,
    text: &str,
    level: sentry::Level,
) -> String {
    let (dsn, release, text) = (dsn.to_owned(), release.to_owned(), text.to_owned());
    tokio::task::spawn_blocking(move || {
        let (hub, client) = sentry_hub(&dsn, &release);
        let id = sentry::Hub::run(hub, || sentry::capture_message(&text, level));
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its event");
        id.simple().to_string()
    })
    .await
    .expect("SDK thread")
}

/// The code an authenticator app set up with `secret` (base32) shows in the 30-second `step`.
pub fn totp_code(secret: &str, step: i64) -> String {
    use cairn_server::auth::totp;
    totp::code_at(&totp::base32_decode(secret).expect("a base32 secret"), step)
}

/// Sends, with the official SDK, an error preceded by two breadcrumbs, and flushes.
pub fn send_error_with_breadcrumbs(dsn: &str) {
    let (hub, client) = sentry_hub(dsn, "backend@1.0.0");
    sentry::Hub::run(hub, || {
        sentry::add_breadcrumb(sentry::Breadcrumb {
            category: Some("auth".into()),
            message: Some("user logged in".into()),
            ..Default::default()
        });
        sentry::add_breadcrumb(sentry::Breadcrumb {
            category: Some("query".into()),
            message: Some("SELECT * FROM orders".into()),
            ..Default::default()
        });
        sentry::configure_scope(|scope| {
            scope.set_user(Some(sentry::User { id: Some("42".into()), ..Default::default() }));
        });
        let err = "forty-two".parse::<i32>().expect_err("not a number");
        sentry::capture_error(&err);
    });
    assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered its events");
}

/// `node_modules/.bin/sentry-cli` at the workspace root. A missing binary fails the test rather
/// than skipping it: a skipped client test would silently stop guarding the API.
fn sentry_cli_path() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/.bin/sentry-cli");
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh (or `SENTRYCLI_SKIP_DOWNLOAD=1 npm ci`) first",
        path.display()
    );
    path
}

/// Runs the real `sentry-cli` (npm `@sentry/cli`) in `dir` against `server`, for the project
/// `shop` of organization `cairn`, isolated from the developer's configuration.
pub fn sentry_cli(server: &TestServer, token: &str, dir: &Path, args: &[&str]) -> Output {
    sentry_cli_with_env(server, token, dir, args, &[])
}

/// [`sentry_cli`] with more environment variables (`SENTRY_DSN` for `monitors run`).
pub fn sentry_cli_with_env(
    server: &TestServer,
    token: &str,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let home = tempfile::tempdir().expect("temporary home");
    let mut command = Command::new(sentry_cli_path());
    // vars_os: `vars()` would panic on a variable that is not UTF-8.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SENTRY") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .current_dir(dir)
        .env("HOME", home.path())
        .env("SENTRY_URL", format!("{}/", server.url))
        .env("SENTRY_AUTH_TOKEN", token)
        .env("SENTRY_ORG", "cairn")
        .env("SENTRY_PROJECT", "shop")
        .env("SENTRY_LOAD_DOTENV", "0")
        .envs(env.iter().copied())
        .output()
        .expect("sentry-cli runs")
}

/// The command's output, once it succeeded.
pub fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "sentry-cli failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
