//! The `cairn` command line: `serve`, `migrate`, `createuser`, `createtoken`, `createorg`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::auth;
use crate::config::{self, Config, DatabaseArgs, ServeArgs};
use crate::state::AppState;
use crate::store::{sqlite::SqliteStore, DbKind, NewApiToken, NewUser, Store, StoreError, UserRow};

/// Cairn: self-hosted error monitoring for the official Sentry SDKs.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: ingestion, the API and the dashboard.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DatabaseArgs),
    /// Create a user (as Sentry's `sentry createuser`).
    Createuser {
        /// Email address; also the login name.
        #[arg(long)]
        email: String,
        /// Password (at least 8 characters).
        #[arg(long)]
        password: String,
        /// Make the user an instance administrator and owner of the default organization.
        #[arg(long)]
        superuser: bool,
        /// Organization (slug) the user joins; default: the default organization.
        #[arg(long)]
        organization: Option<String>,
        /// Role in that organization: owner, manager, admin or member (default: owner for a
        /// superuser, member otherwise).
        #[arg(long)]
        role: Option<String>,
        /// If the user exists, set their password instead and end their sessions (Sentry's
        /// flag): how an administrator resets a forgotten password. Their roles stay.
        #[arg(long)]
        force_update: bool,
        /// With `--force-update`: also turn the user's two-factor authentication off, for one
        /// who lost both their authenticator app and their recovery codes.
        #[arg(long, requires = "force_update")]
        remove_two_factor: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Create another organization with a team of the same slug and a project with a DSN.
    Createorg {
        /// Slug (and name) of the organization and of its team.
        #[arg(long)]
        slug: String,
        /// Slug (and name) of its first project.
        #[arg(long, default_value = "internal")]
        project: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Copy the whole database to a new file, consistent, while Cairn runs (SQLite's
    /// `VACUUM INTO`); start Cairn on the copy (`--database-url sqlite://FILE`) to restore it.
    Backup {
        /// The file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Email an organization's weekly report now (`cairn serve` sends them every Monday).
    SendWeeklyReports {
        /// The organization (slug); default: the default organization.
        #[arg(long)]
        organization: Option<String>,
        /// The report of the seven days before this date (`YYYY-MM-DD`, UTC); default: the
        /// last whole week, Monday to Sunday.
        #[arg(long)]
        week_ending: Option<chrono::NaiveDate>,
        /// Send it only to this member (whatever their email settings say); default: every
        /// member who has not turned weekly reports off.
        #[arg(long)]
        to: Option<String>,
        /// The URL users reach Cairn at, for the report's links.
        #[arg(long, env = "CAIRN_PUBLIC_URL", default_value = "http://127.0.0.1:8000")]
        public_url: String,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        smtp: crate::config::SmtpArgs,
    },
    /// Print a new API token for a user, for `Authorization: Bearer <token>`.
    Createtoken {
        /// Email address of the user.
        #[arg(long)]
        email: String,
        /// Scopes to grant (repeatable); default: every scope the user's role allows.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Parses the command line and runs the command.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(database) => {
            open_store(&database).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Createuser {
            email,
            password,
            superuser,
            organization,
            role,
            force_update,
            remove_two_factor,
            database,
        } => {
            let store = open_store(&database).await?;
            if force_update {
                match store.user_by_email(&email).await {
                    Ok(user) => {
                        return reset_password(&store, &user, &password, remove_two_factor).await
                    }
                    Err(StoreError::NotFound) => {}
                    Err(err) => return Err(err.into()),
                }
            }
            let membership = Membership { organization, role };
            createuser(&store, &email, &password, superuser, membership).await
        }
        Command::Createorg { slug, project, database } => {
            let store = open_store(&database).await?;
            createorg(&store, &slug, &project).await
        }
        Command::Backup { to, database } => {
            let store = open_store(&database).await?;
            let started = std::time::Instant::now();
            store
                .backup_to(&to)
                .await
                .with_context(|| format!("cannot back up to {}", to.display()))?;
            let size = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
            println!(
                "Backed up to {} ({:.1} MB) in {:.1} s",
                to.display(),
                size as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::SendWeeklyReports {
            organization,
            week_ending,
            to,
            public_url,
            database,
            smtp,
        } => {
            let store = open_store(&database).await?;
            let mailer = crate::mailer::Mailer::new(&smtp, &public_url)
                .context("invalid SMTP settings")?
                .context("no mail server: give --smtp-host (CAIRN_SMTP_HOST)")?;
            let slug = organization.unwrap_or_else(|| config::defaults().organization);
            let organization = match store.organization_by_slug(&slug).await {
                Err(StoreError::NotFound) => bail!("no organization {slug:?}"),
                other => other?,
            };
            let week = match week_ending {
                Some(date) => crate::reports::week_ending(date),
                None => crate::reports::last_week(crate::util::now_ms()),
            };
            send_weekly_report(&store, &mailer, organization, week, to.as_deref()).await
        }
        Command::Createtoken { email, scopes, database } => {
            let store = open_store(&database).await?;
            createtoken(&store, &email, scopes).await
        }
    }
}

/// Opens the database named by the flags (creating the data directory for SQLite), migrated,
/// with the default organization in place.
async fn open_store(database: &DatabaseArgs) -> anyhow::Result<SqliteStore> {
    let url = database.url();
    match DbKind::from_url(&url.0) {
        Some(DbKind::Sqlite) => {}
        Some(DbKind::Postgres) => bail!("PostgreSQL support is not built yet; use a sqlite:// URL"),
        None => bail!("unsupported database URL {url:?}: expected sqlite:// or postgres://"),
    }
    if database.database_url.is_none() {
        std::fs::create_dir_all(&database.data_dir).with_context(|| {
            format!("cannot create the data directory {}", database.data_dir.display())
        })?;
    }
    let store = SqliteStore::connect(&url.0)
        .await
        .with_context(|| format!("cannot open the database {url:?}"))?;
    store.ensure_default_organization(&config::defaults()).await?;
    Ok(store)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = open_store(&args.database).await?;
    // Before any request: the events whose counters a crash left unwritten are counted.
    store.recover_counters().await.context("cannot count the issues' unwritten counters")?;
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let bound: SocketAddr = listener.local_addr()?;
    let config = Arc::new(Config::new(&args, bound));
    if !config.dist_dir.join("index.html").exists() {
        tracing::warn!(
            dist = %config.dist_dir.display(),
            "the dashboard is not built; the API and ingestion work, the web pages do not"
        );
    }
    print_welcome(&store, &config).await?;
    let mailer = crate::mailer::Mailer::new(&args.smtp, &config.public_url)
        .context("invalid SMTP settings")?
        .map(Arc::new);
    if let Some(mailer) = &mailer {
        Arc::clone(mailer).spawn(store.clone());
        crate::reports::spawn(store.clone(), Arc::clone(mailer), crate::reports::CHECK_EVERY);
    }
    crate::suspects::spawn_owner_worker(store.clone());
    crate::alerts::metric::spawn_evaluator(
        store.clone(),
        mailer.clone(),
        std::time::Duration::from_millis(args.metric_alert_interval_ms.max(10)),
    );
    crate::alerts::spawn_worker(store.clone());
    crate::ongoing::spawn(
        store.clone(),
        std::time::Duration::from_millis(args.ongoing_interval_ms.max(10)),
    );
    crate::adoption::spawn(
        store.clone(),
        std::time::Duration::from_millis(args.adoption_interval_ms.max(10)),
    );
    crate::hooks::spawn_dispatcher(
        store.clone(),
        Arc::clone(&config),
        std::time::Duration::from_millis(args.hook_retry_ms.max(10)),
    );
    crate::retention::spawn(
        store.clone(),
        args.retention_days,
        std::time::Duration::from_millis(args.retention_interval_ms.max(10)),
    );
    let state = AppState {
        store,
        config,
        ingest: Default::default(),
        login_throttle: Default::default(),
        live: Default::default(),
        mailer,
    };
    crate::monitors::spawn_clock(
        state.clone(),
        std::time::Duration::from_millis(args.monitor_clock_ms.max(10)),
    );
    let live = state.live.clone();
    let app = crate::app::app(state);
    // With the peer's address, so that login throttling can count per client address.
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        SocketAddr,
    >(app);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Open event streams would otherwise hold the graceful shutdown for ever.
            live.shut_down();
        })
        .await
        .context("server error")
}

/// Emails `organization`'s report of `week` to its members (or to the member `only`), each
/// message sent before the command ends.
async fn send_weekly_report(
    store: &SqliteStore,
    mailer: &crate::mailer::Mailer,
    organization: crate::store::OrganizationRow,
    week: (i64, i64),
    only: Option<&str>,
) -> anyhow::Result<()> {
    let report = crate::reports::Report::read(store, organization, week).await?;
    let recipients = match only {
        Some(email) => {
            let members = store.members(report.organization.id).await?;
            let member =
                members.iter().find(|m| m.user.is_some() && m.email.eq_ignore_ascii_case(email));
            let Some(member) = member else {
                bail!("{email} is not a member of {}", report.organization.slug);
            };
            vec![member.email.clone()]
        }
        None => crate::reports::recipients(store, report.organization.id).await?,
    };
    let (subject, body) = (report.subject(), report.body(mailer.public_url()));
    for to in &recipients {
        mailer
            .send_text_now(to, &subject, &body)
            .await
            .with_context(|| format!("cannot email {to}"))?;
        println!("Sent {subject:?} to {to}");
    }
    if recipients.is_empty() {
        println!("No member gets weekly reports of {}", report.organization.slug);
    }
    Ok(())
}

/// Tells the person who started Cairn where to go next.
async fn print_welcome(store: &SqliteStore, config: &Config) -> anyhow::Result<()> {
    let url = &config.public_url;
    println!("Cairn is listening on {url}");
    if store.count_users().await? == 0 {
        println!("No account exists yet: open {url}/setup/ to create the owner account.");
    } else {
        println!("Log in at {url}/auth/login/");
    }
    let org = store.ensure_default_organization(&config::defaults()).await?;
    for project in store.projects(org.id).await? {
        if let Some(key) = store.project_keys(project.id).await?.into_iter().find(|k| k.is_active) {
            println!(
                "DSN of project {:?}: {}",
                project.slug,
                config.dsn(&key.public_key, None, project.id)
            );
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Where `createuser` puts the new user.
struct Membership {
    organization: Option<String>,
    role: Option<String>,
}

async fn createuser<S: Store>(
    store: &S,
    email: &str,
    password: &str,
    superuser: bool,
    membership: Membership,
) -> anyhow::Result<()> {
    let role = membership.role.unwrap_or_else(|| if superuser { "owner" } else { "member" }.into());
    // Checked before anything is written, so a typo leaves no user without an organization.
    if auth::role_scopes(&role).is_empty() {
        bail!("unknown role {role:?}; roles: owner manager admin member");
    }
    let default_org = store.ensure_default_organization(&config::defaults()).await?;
    let org = match membership.organization {
        None => default_org,
        Some(slug) => match store.organization_by_slug(&slug).await {
            Ok(org) => org,
            Err(StoreError::NotFound) => bail!("no organization {slug:?}"),
            Err(err) => return Err(err.into()),
        },
    };
    let email = crate::endpoints::api::validate_email(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::endpoints::api::validate_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password_hash = auth::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = match store
        .create_user(&NewUser {
            email: email.clone(),
            name: email.clone(),
            password_hash: Some(password_hash),
            is_superuser: superuser,
        })
        .await
    {
        Ok(user) => user,
        Err(StoreError::Conflict(_)) => bail!("a user with the email {email} already exists"),
        Err(err) => return Err(err.into()),
    };
    store.add_member(org.id, user.id, &role).await?;
    println!("Created user {email} ({role} of organization {:?}).", org.slug);
    Ok(())
}

/// `createuser --force-update` of an existing user: the new password, and every session of
/// theirs ended.
async fn reset_password<S: Store>(
    store: &S,
    user: &UserRow,
    password: &str,
    remove_two_factor: bool,
) -> anyhow::Result<()> {
    crate::endpoints::api::validate_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password_hash = auth::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let ended = store.set_user_password(user.id, &password_hash, None).await?;
    println!("Updated the password of {}; {ended} session(s) ended.", user.email);
    if remove_two_factor {
        match store.remove_authenticator(user.id).await {
            Ok(()) => println!("Two-factor authentication is off for {}.", user.email),
            Err(StoreError::NotFound) => {
                println!("{} had no two-factor authentication.", user.email)
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

async fn createtoken<S: Store>(store: &S, email: &str, scopes: Vec<String>) -> anyhow::Result<()> {
    let user = match store.user_by_email(email).await {
        Ok(user) => user,
        Err(StoreError::NotFound) => bail!("no user with the email {email}"),
        Err(err) => return Err(err.into()),
    };
    for scope in &scopes {
        if !auth::ALL_SCOPES.contains(&scope.as_str()) {
            bail!("unknown scope {scope:?}; known scopes: {}", auth::ALL_SCOPES.join(" "));
        }
    }
    let scopes = if scopes.is_empty() {
        auth::ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect()
    } else {
        scopes
    };
    let token = auth::new_api_token();
    store
        .create_api_token(&NewApiToken {
            user_id: user.id,
            token_hash: auth::sha256_hex(&token),
            last_four: token[token.len() - 4..].to_owned(),
            scopes,
            name: Some("created by cairn createtoken".into()),
        })
        .await?;
    println!("{token}");
    Ok(())
}

async fn createorg<S: Store>(store: &S, slug: &str, project: &str) -> anyhow::Result<()> {
    let seed = crate::store::Defaults {
        organization: slug.to_owned(),
        team: slug.to_owned(),
        project: project.to_owned(),
    };
    for (what, value) in [("organization", slug), ("project", project)] {
        let valid = !value.is_empty()
            && value.len() <= 50
            && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            bail!("{what} slug {value:?}: use 1-50 lower-case letters, digits and dashes");
        }
    }
    match store.create_organization(&seed).await {
        Ok(org) => {
            println!(
                "Created organization {:?} with team {slug:?} and project {project:?}.",
                org.slug
            );
            Ok(())
        }
        Err(StoreError::Conflict(_)) => bail!("an organization {slug:?} already exists"),
        Err(err) => Err(err.into()),
    }
}
