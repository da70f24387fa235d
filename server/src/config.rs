//! Configuration: command-line flags, each with an environment variable of the same meaning.
//!
//! Precedence: a flag wins over its environment variable, which wins over the default.
//!
//! | flag | environment | default |
//! |---|---|---|
//! | `--bind` | `CAIRN_BIND` | `127.0.0.1:8000` |
//! | `--data-dir` | `CAIRN_DATA_DIR` | `./data` |
//! | `--database-url` | `CAIRN_DATABASE_URL` | `sqlite://<data-dir>/cairn.db` |
//! | `--dist-dir` | `CAIRN_DIST_DIR` | `./dist` (the dashboard built by Trunk) |
//! | `--public-url` | `CAIRN_PUBLIC_URL` | `http://<bind address>` |
//! | `--smtp-host` | `CAIRN_SMTP_HOST` | none: no email is sent |
//! | `--smtp-port` | `CAIRN_SMTP_PORT` | 587 with STARTTLS, else 25 |
//! | `--smtp-from` | `CAIRN_SMTP_FROM` | `cairn@localhost` |
//! | `--smtp-user`, `--smtp-password` | `CAIRN_SMTP_USER`, `CAIRN_SMTP_PASSWORD` | none |
//! | `--smtp-starttls` | `CAIRN_SMTP_STARTTLS` | off |
//! | `--trusted-proxies` | `CAIRN_TRUSTED_PROXIES` | loopback and private networks |

use std::path::PathBuf;

use clap::Args;

/// Where the data lives; shared by every command that opens the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Directory for Cairn's data (the SQLite database by default).
    #[arg(long, env = "CAIRN_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://path/to/file.db` (default: `cairn.db` in the data directory).
    #[arg(long, env = "CAIRN_DATABASE_URL")]
    pub database_url: Option<DatabaseUrl>,
}

impl DatabaseArgs {
    /// The database URL to use: the configured one, else a SQLite file in the data directory.
    pub fn url(&self) -> DatabaseUrl {
        self.database_url.clone().unwrap_or_else(|| {
            DatabaseUrl(format!("sqlite://{}?mode=rwc", self.data_dir.join("cairn.db").display()))
        })
    }
}

/// A database URL. Its `Debug` hides the password a PostgreSQL URL may carry.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl(s.to_owned()))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.split_once('@') {
            Some((_, host)) => write!(f, "DatabaseUrl(<redacted>@{host})"),
            None => write!(f, "DatabaseUrl({})", self.0),
        }
    }
}

/// Flags of `cairn serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "CAIRN_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,

    /// Directory holding the built dashboard (`index.html` and its wasm).
    #[arg(long, env = "CAIRN_DIST_DIR", default_value = "./dist")]
    pub dist_dir: PathBuf,

    /// The URL users and SDKs reach Cairn at, used in DSNs and links.
    /// Default: `http://` and the address Cairn listens on.
    #[arg(long, env = "CAIRN_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// How often, in milliseconds, the cron monitors' clock looks for missed and timed-out
    /// check-ins. Hidden: the default suits schedules counted in minutes; tests shorten it.
    #[arg(long, env = "CAIRN_MONITOR_CLOCK_MS", default_value_t = 30_000, hide = true)]
    pub monitor_clock_ms: u64,

    /// How often, in milliseconds, issues that have been new, regressed or escalating for a
    /// week become ongoing. Hidden: tests shorten it.
    #[arg(long, env = "CAIRN_ONGOING_INTERVAL_MS", default_value_t = 600_000, hide = true)]
    pub ongoing_interval_ms: u64,

    /// How often, in milliseconds, releases' adoption stages are brought up to date from the
    /// last six hours of sessions. Hidden: tests shorten it.
    #[arg(long, env = "CAIRN_ADOPTION_INTERVAL_MS", default_value_t = crate::adoption::DEFAULT_INTERVAL_MS, hide = true)]
    pub adoption_interval_ms: u64,

    /// How often, in milliseconds, metric alert rules are evaluated. Hidden: Sentry evaluates
    /// every minute; tests shorten it.
    #[arg(long, env = "CAIRN_METRIC_ALERT_INTERVAL_MS", default_value_t = 60_000, hide = true)]
    pub metric_alert_interval_ms: u64,

    /// Days that events, issues not seen since, stored attachments, transactions, check-ins
    /// and notifications are kept (self-hosted Sentry's `SENTRY_EVENT_RETENTION_DAYS`);
    /// 0 keeps everything.
    #[arg(long, env = "CAIRN_RETENTION_DAYS", default_value_t = crate::retention::DEFAULT_DAYS)]
    pub retention_days: u32,

    /// How often, in milliseconds, retention runs. Hidden: hourly suits days; tests shorten it.
    #[arg(long, env = "CAIRN_RETENTION_INTERVAL_MS", default_value_t = 3_600_000, hide = true)]
    pub retention_interval_ms: u64,

    /// Milliseconds between two attempts at a service hook delivery. Hidden: Sentry's five
    /// minutes suit receivers; tests shorten it.
    #[arg(long, env = "CAIRN_HOOK_RETRY_MS", default_value_t = crate::hooks::DEFAULT_RETRY_MS, hide = true)]
    pub hook_retry_ms: u64,

    /// Proxies whose `X-Forwarded-For` the API believes for the client's address (audit log,
    /// login throttling, security emails): addresses or CIDR networks, separated by commas;
    /// empty for none. Ingestion reads the header as Relay does, whoever sends it.
    #[arg(
        long,
        env = "CAIRN_TRUSTED_PROXIES",
        default_value = crate::endpoints::client_ip::DEFAULT_TRUSTED_PROXIES
    )]
    pub trusted_proxies: crate::endpoints::client_ip::TrustedProxies,

    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub smtp: SmtpArgs,
}

/// The mail server that notification emails go through; none is configured by default.
#[derive(Debug, Clone, Args)]
pub struct SmtpArgs {
    /// SMTP server host name; without it Cairn sends no email.
    #[arg(long, env = "CAIRN_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port (default: 587 with STARTTLS, else 25).
    #[arg(long, env = "CAIRN_SMTP_PORT")]
    pub smtp_port: Option<u16>,

    /// The sender address of notification emails.
    #[arg(long, env = "CAIRN_SMTP_FROM", default_value = "cairn@localhost")]
    pub smtp_from: String,

    /// User name for SMTP authentication (with the password).
    #[arg(long, env = "CAIRN_SMTP_USER")]
    pub smtp_user: Option<String>,

    /// Password for SMTP authentication.
    #[arg(long, env = "CAIRN_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<Secret>,

    /// Upgrade the connection with STARTTLS (required once asked for).
    #[arg(long, env = "CAIRN_SMTP_STARTTLS")]
    pub smtp_starttls: bool,
}

/// A secret setting (a password): its `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What the running server needs to know at request time.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL for DSNs and links, without a trailing slash.
    pub public_url: String,
    /// The built dashboard.
    pub dist_dir: PathBuf,
    /// Whether cookies get the `Secure` attribute (the public URL is https).
    pub secure_cookies: bool,
    /// Whose `X-Forwarded-For` the API believes.
    pub trusted_proxies: crate::endpoints::client_ip::TrustedProxies,
}

impl Config {
    /// The configuration of a server that listens on `bound` (the real address, port resolved).
    pub fn new(args: &ServeArgs, bound: std::net::SocketAddr) -> Config {
        let public_url = args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned();
        let secure_cookies = public_url.starts_with("https://");
        Config {
            public_url,
            dist_dir: args.dist_dir.clone(),
            secure_cookies,
            trusted_proxies: args.trusted_proxies.clone(),
        }
    }

    /// The DSN of a key: `http://<public_key>@<host>/<project_id>`.
    pub fn dsn(&self, public_key: &str, secret: Option<&str>, project_id: i64) -> String {
        let (scheme, host) =
            self.public_url.split_once("://").unwrap_or(("http", &self.public_url));
        match secret {
            Some(secret) => format!("{scheme}://{public_key}:{secret}@{host}/{project_id}"),
            None => format!("{scheme}://{public_key}@{host}/{project_id}"),
        }
    }
}

/// What a fresh database is seeded with: organization `cairn`, its team `cairn` and a project
/// `internal` with a DSN key (Sentry's own first install creates the same trio).
pub fn defaults() -> crate::store::Defaults {
    crate::store::Defaults {
        organization: "cairn".into(),
        team: "cairn".into(),
        project: "internal".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_debug_hides_the_password() {
        let url = DatabaseUrl("postgres://cairn:hunter2@db:5432/cairn".into());
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db:5432"));
    }

    #[test]
    fn dsn_carries_key_host_and_project() {
        let config = Config {
            public_url: "https://errors.example.com/cairn".into(),
            dist_dir: PathBuf::from("dist"),
            secure_cookies: true,
            trusted_proxies: Default::default(),
        };
        assert_eq!(config.dsn("abc", None, 7), "https://abc@errors.example.com/cairn/7");
        assert_eq!(config.dsn("abc", Some("s"), 7), "https://abc:s@errors.example.com/cairn/7");
    }
}
