//! The SQLite implementation of [`Store`]: Cairn's default, one file under the data directory.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::*;
use crate::alerts::Transition;
use crate::util::now_ms;

/// Triage: merge and unmerge, assignment, per-user seen and bookmark state, ignore windows.
mod ownership;
mod triage;

/// Release adoption stages (migration 0053).
mod adoption;
/// Session duration histograms (migration 0019).
mod durations;
/// Release health: sessions, releases, deploys.
mod health;

/// Issue counters summed in memory across group commits.
mod counters;
/// The event writer thread and its group commit.
mod writer;
// Each project's zstd dictionary for its events: when it is made, where it is kept.
mod dictionary;
use writer::WriteJob;

/// The events of a group commit, written with multi-row statements.
mod event_writes;

/// Issue alert rules: stored, evaluated in the slow lane, fired.
mod alerts;
/// Source maps uploaded as artifact bundles.
mod artifacts;
/// Event attachments (the `attachment` items of `envelope_items`).
mod attachments;
/// The organizations' audit logs.
mod audit;
/// Two-factor authenticators and recovery codes.
mod authenticators;
/// Code mappings and repositories' addresses, for links to the code host.
mod code_mappings;
/// Issues deleted with their future events discarded (Sentry's group tombstones).
mod discarded;
/// Environments: the pairs the writer saw, and the projects' hidden ones.
mod environments;
/// Cron monitors: check-ins, the clock's missed and timed-out ones, the monitors' lists.
mod metric_alerts;
mod monitors;
/// Tag keys and values across an organization, for search suggestions.
mod org_tags;
/// Deleting a project in chunks, beside ingestion.
mod project_deletion;
/// Weekly reports: an organization's week, and the claims that send each once.
mod reports;
/// Data retention: what arrived before a cutoff deleted in chunks.
mod retention;
/// The issue stream's saved searches.
mod saved_searches;
/// Service hooks and their deliveries' outbox.
mod service_hooks;
/// Distributed traces: the events of a trace across an organization's projects.
mod traces;
/// User feedback (the `user_report` and `feedback` items of `envelope_items`).
mod user_reports;
/// Release commits, suspect-commit candidates, notifications.
mod workflow;
pub(crate) use workflow::{notify_participants, subscribe};

/// A SQLite database: a pool of read-only connections for queries, and one connection for
/// writes. SQLite allows one writer at a time; funnelling every write through one connection
/// means writers queue in Cairn instead of failing with `SQLITE_BUSY`.
///
/// Ingestion takes a faster lane: [`Store::store_batch`] hands its writes to the writer thread
/// (see `writer`), which commits whatever has queued up in one transaction (group commit)
/// and only then answers each caller, so acknowledgments stay durable while the cost of a
/// commit is shared. The writer has a connection of its own; every write transaction takes the
/// write lock at its start (`BEGIN IMMEDIATE`, see `begin_write`), so the two never fail on
/// each other, they wait.
#[derive(Clone)]
pub struct SqliteStore {
    reads: SqlitePool,
    writes: SqlitePool,
    event_writer: mpsc::Sender<WriteJob>,
    /// Ingest requests on their way to the writer, which waits a little for them.
    arrivals: Arrivals,
    issue_updates: broadcast::Sender<IssueUpdate>,
    /// The dictionary each project's new events are compressed with, and when to make the next.
    dictionaries: Arc<dictionary::Dictionaries>,
    /// Issue counters the event writer has not written yet, and whether there are any.
    counters: Arc<counters::PendingCounters>,
    unflushed: Arc<std::sync::atomic::AtomicBool>,
    /// Bumped whenever a service hook changes: the event writer then reads again which
    /// projects' new events are delivered (`service_hooks::HookedProjects`).
    hooks_generation: Arc<std::sync::atomic::AtomicU64>,
    /// The database file.
    path: std::path::PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

/// What a write through the event writer answers once its thread has stopped.
fn writer_stopped() -> StoreError {
    StoreError::Unavailable("the event writer has stopped".into())
}

/// Most requests waiting for the writer; beyond that ingestion answers 503 instead of holding
/// ever more request bodies in memory.
const WRITE_QUEUE: usize = 4096;
/// Issue updates kept for live subscribers that have not read them yet; one that falls further
/// behind is told to reload instead of slowing the writer down.
const ISSUE_UPDATES: usize = 1024;

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and brings its schema up to date.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Database)?
            .create_if_missing(true)
            // WAL: readers never block the writer and a commit is one sequential append.
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode: a commit survives a crash of the process (kill -9); only an OS
            // crash or power loss may lose the last commits. FULL would fsync every commit.
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            // Wait for a competing writer (another `cairn` process, e.g. `createuser`) instead
            // of failing with SQLITE_BUSY at once.
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // The write connection keeps its statement journals in memory, as the event writer's
        // does (see `writer::open`); the readers keep SQLite's default, so that a large sort
        // may spill to a temporary file instead of growing the process.
        let writes = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().pragma("temp_store", "MEMORY"))
            .await
            .map_err(StoreError::Database)?;
        sqlx::migrate!("./migrations/sqlite").run(&writes).await?;
        let reads = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.clone().read_only(true))
            .await
            .map_err(StoreError::Database)?;
        let dictionaries = Arc::new(dictionary::Dictionaries::load(&reads).await?);
        let counters = Arc::new(counters::PendingCounters::default());
        let unflushed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let hooks_generation = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (event_writer, jobs) = mpsc::channel(WRITE_QUEUE);
        let (issue_updates, _) = broadcast::channel(ISSUE_UPDATES);
        let arrivals = Arrivals::default();
        writer::spawn(
            options.get_filename(),
            writes.clone(),
            jobs,
            event_writer.downgrade(),
            arrivals.clone(),
            issue_updates.clone(),
            dictionaries.clone(),
            counters.clone(),
            unflushed.clone(),
            service_hooks::HookedProjects::new(hooks_generation.clone()),
        )?;
        dictionaries.resume_purges(&reads, &writes);
        Ok(SqliteStore {
            reads,
            writes,
            event_writer,
            arrivals,
            issue_updates,
            dictionaries,
            counters,
            unflushed,
            hooks_generation,
            path: options.get_filename().to_owned(),
        })
    }
}

impl SqliteStore {
    /// Counts the events whose counters the last `cairn serve` on this database held in memory
    /// when it stopped without writing them (a crash, a `kill -9`). Only the process that
    /// ingests calls it, before it takes requests: another process (`cairn createuser` while a
    /// server runs) would count events whose counters the server still holds.
    pub async fn recover_counters(&self) -> StoreResult<()> {
        let path = self.path.clone();
        let started = std::time::Instant::now();
        let events = tokio::task::spawn_blocking(move || counters::recover(&path))
            .await
            .map_err(|err| StoreError::Unavailable(format!("the recount stopped: {err}")))??;
        if events > 0 {
            tracing::info!(
                events,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "counted the events whose counters the last run had kept in memory"
            );
        }
        Ok(())
    }
}

/// Begins a write transaction on the sqlx write connection that holds the write lock from its
/// start. A deferred one (sqlx's `begin`) that read before writing would fail with
/// `SQLITE_BUSY` if the event writer's connection committed in between; this one waits for the
/// writer (the busy timeout) before it reads anything.
async fn begin_write(writes: &SqlitePool) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
    Ok(writes.begin_with("BEGIN IMMEDIATE").await?)
}

fn user_from_row(row: &SqliteRow) -> UserRow {
    UserRow {
        id: row.get("id"),
        email: row.get("email"),
        name: row.get("name"),
        password_hash: row.get("password_hash"),
        is_superuser: row.get::<i64, _>("is_superuser") != 0,
    }
}

fn organization_from_row(row: &SqliteRow) -> OrganizationRow {
    OrganizationRow {
        id: row.get("id"),
        slug: row.get("slug"),
        name: row.get("name"),
        date_created: row.get("date_created"),
        require_2fa: row.get::<i64, _>("require_2fa") != 0,
        allow_shared_issues: row.get::<i64, _>("allow_shared_issues") != 0,
    }
}

fn team_from_row(row: &SqliteRow) -> TeamRow {
    TeamRow {
        id: row.get("id"),
        organization_id: row.get("organization_id"),
        slug: row.get("slug"),
        name: row.get("name"),
        date_created: row.get("date_created"),
    }
}

fn key_from_row(row: &SqliteRow) -> ProjectKeyRow {
    ProjectKeyRow {
        id: row.get("id"),
        project_id: row.get("project_id"),
        public_key: row.get("public_key"),
        secret_key: row.get("secret_key"),
        label: row.get("label"),
        is_active: row.get::<i64, _>("is_active") != 0,
        rate_limit: rate_limit(row),
        date_created: row.get("date_created"),
    }
}

/// `rate_limit_count` and `rate_limit_window` of a row, when both are set and positive.
fn rate_limit(row: &SqliteRow) -> Option<(i64, i64)> {
    let count: Option<i64> = row.get("rate_limit_count");
    let window: Option<i64> = row.get("rate_limit_window");
    match (count, window) {
        (Some(count), Some(window)) if count >= 0 && window > 0 => Some((count, window)),
        _ => None,
    }
}

/// Columns of a project joined with its team (`t_*`), as [`project_from_row`] reads them.
const PROJECT_COLUMNS: &str = "p.id AS p_id, p.organization_id AS p_organization_id, \
     p.slug AS p_slug, p.name AS p_name, p.platform AS p_platform, \
     p.date_created AS p_date_created, t.id AS t_id, t.slug AS t_slug, t.name AS t_name, \
     t.date_created AS t_date_created";

fn project_from_row(row: &SqliteRow) -> ProjectRow {
    let organization_id: i64 = row.get("p_organization_id");
    let team = row.get::<Option<i64>, _>("t_id").map(|id| TeamRow {
        id,
        organization_id,
        slug: row.get("t_slug"),
        name: row.get("t_name"),
        date_created: row.get("t_date_created"),
    });
    ProjectRow {
        id: row.get("p_id"),
        organization_id,
        slug: row.get("p_slug"),
        name: row.get("p_name"),
        platform: row.get("p_platform"),
        date_created: row.get("p_date_created"),
        team,
    }
}

/// The query of an issue with its project and organization (`o_*`), as
/// [`issue_with_organization`] reads them, for the issues that `filter` (a `WHERE`) keeps.
fn issue_with_organization_query(filter: &str) -> String {
    format!(
        "SELECT i.*, {PROJECT_COLUMNS}, o.id AS o_id, o.slug AS o_slug, o.name AS o_name, \
         o.date_created AS o_date_created, o.require_2fa AS o_require_2fa, \
         o.allow_shared_issues AS o_allow_shared_issues FROM issues i \
         JOIN projects p ON p.id = i.project_id LEFT JOIN teams t ON t.id = p.team_id \
         JOIN organizations o ON o.id = p.organization_id WHERE {filter}"
    )
}

fn issue_with_organization(row: &SqliteRow) -> (IssueRow, OrganizationRow) {
    let organization = OrganizationRow {
        id: row.get("o_id"),
        slug: row.get("o_slug"),
        name: row.get("o_name"),
        date_created: row.get("o_date_created"),
        require_2fa: row.get::<i64, _>("o_require_2fa") != 0,
        allow_shared_issues: row.get::<i64, _>("o_allow_shared_issues") != 0,
    };
    (issue_from_row(row), organization)
}

fn issue_from_row(row: &SqliteRow) -> IssueRow {
    IssueRow {
        id: row.get("id"),
        short_id: row.get("short_id"),
        project: project_from_row(row),
        title: row.get("title"),
        culprit: row.get("culprit"),
        level: row.get("level"),
        platform: row.get("platform"),
        event_type: row.get("event_type"),
        metadata: row.get("metadata"),
        logger: row.get("logger"),
        status: row.get("status"),
        substatus: row.get("substatus"),
        status_details: row.get("status_details"),
        priority: Priority::from_code(row.get("priority")),
        priority_locked_at: row.get("priority_locked_at"),
        inbox_at: row.get("inbox_at"),
        num_comments: row.get("num_comments"),
        is_unhandled: row.get::<i64, _>("is_unhandled") != 0,
        first_seen: row.get("first_seen"),
        last_seen: row.get("last_seen"),
        times_seen: row.get("times_seen"),
        user_count: row.get("user_count"),
        first_release: row.get("first_release"),
        share_id: row.get("share_id"),
    }
}

/// Inserts a project and its first key inside an open transaction.
async fn insert_project(
    tx: &mut sqlx::SqliteConnection,
    project: &NewProject,
    now: i64,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO projects \
         (organization_id, team_id, slug, name, platform, date_created, inbound_filters) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(project.organization_id)
    .bind(project.team_id)
    .bind(&project.slug)
    .bind(&project.name)
    .bind(&project.platform)
    .bind(now)
    // Sentry's defaults for a new project.
    .bind(serde_json::to_string(&crate::ingest::filters::FilterSettings::new_project()).ok())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO project_keys (project_id, public_key, secret_key, label, date_created) \
         VALUES ($1, $2, $3, 'Default', $4)",
    )
    .bind(id)
    .bind(&project.public_key)
    .bind(&project.secret_key)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

impl Store for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.reads).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRow> {
        let row = sqlx::query(
            "INSERT INTO users (email, name, password_hash, is_superuser, date_joined) \
             VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(user.email.to_lowercase())
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(i64::from(user.is_superuser))
        .bind(now_ms())
        .fetch_one(&self.writes)
        .await?;
        Ok(user_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn create_first_user(
        &self,
        user: &NewUser,
        organization_id: i64,
    ) -> StoreResult<UserRow> {
        // BEGIN IMMEDIATE takes the write lock first, so two racing set-ups cannot both see
        // an empty users table.
        let mut conn = self.writes.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let result = async {
            let users: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *conn).await?;
            if users > 0 {
                return Err(StoreError::Conflict("set-up is already done".into()));
            }
            let now = now_ms();
            let row = sqlx::query(
                "INSERT INTO users (email, name, password_hash, is_superuser, date_joined) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING *",
            )
            .bind(user.email.to_lowercase())
            .bind(&user.name)
            .bind(&user.password_hash)
            .bind(i64::from(user.is_superuser))
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
            let created = user_from_row(&row);
            add_member_on(&mut conn, organization_id, created.id, "owner", now).await?;
            Ok(created)
        }
        .await;
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        sqlx::query(end).execute(&mut *conn).await?;
        result
    }

    #[tracing::instrument(skip_all)]
    async fn user_by_email(&self, email: &str) -> StoreResult<UserRow> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(email.to_lowercase())
            .fetch_one(&self.reads)
            .await?;
        Ok(user_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn create_api_token(&self, token: &NewApiToken) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, token_hash, token_last_four, scopes, name, \
             date_created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(token.user_id)
        .bind(&token.token_hash)
        .bind(&token.last_four)
        .bind(token.scopes.join(" "))
        .bind(&token.name)
        .bind(now_ms())
        .fetch_one(&self.writes)
        .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn api_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiTokenRow>> {
        let rows: Vec<(i64, Option<String>, String, String, i64)> = sqlx::query_as(
            "SELECT id, name, scopes, token_last_four, date_created FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, scopes, last_four, date_created)| ApiTokenRow {
                id,
                name,
                scopes: scopes.split_whitespace().map(str::to_owned).collect(),
                last_four,
                date_created,
            })
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_api_token(&self, user_id: i64, token_id: i64) -> StoreResult<()> {
        touched_one(
            sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                .bind(token_id)
                .bind(user_id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<(UserRow, Vec<String>)> {
        let row = sqlx::query(
            "SELECT u.*, t.scopes AS token_scopes FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_one(&self.reads)
        .await?;
        let scopes: String = row.get("token_scopes");
        Ok((user_from_row(&row), scopes.split_whitespace().map(str::to_owned).collect()))
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO user_sessions (token_hash, user_id, expires_at, date_created) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(session.expires_at)
        .bind(now_ms())
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn user_by_session_hash(&self, token_hash: &str, now_ms: i64) -> StoreResult<UserRow> {
        let row = sqlx::query(
            "SELECT u.* FROM user_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_one(&self.reads)
        .await?;
        Ok(user_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM user_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_user_sessions(&self, user_id: i64, keep: Option<&str>) -> StoreResult<u64> {
        let ended =
            sqlx::query("DELETE FROM user_sessions WHERE user_id = $1 AND token_hash IS NOT $2")
                .bind(user_id)
                .bind(keep)
                .execute(&self.writes)
                .await?;
        Ok(ended.rows_affected())
    }

    #[tracing::instrument(skip_all)]
    async fn account(&self, user_id: i64, now_ms: i64) -> StoreResult<AccountRow> {
        let row = sqlx::query(
            "SELECT u.*, (SELECT COUNT(*) FROM user_sessions s \
                          WHERE s.user_id = u.id AND s.expires_at > $2) AS active_sessions \
             FROM users u WHERE u.id = $1",
        )
        .bind(user_id)
        .bind(now_ms)
        .fetch_one(&self.reads)
        .await?;
        Ok(AccountRow {
            user: user_from_row(&row),
            date_joined: row.get("date_joined"),
            active_sessions: row.get("active_sessions"),
        })
    }

    #[tracing::instrument(skip_all)]
    async fn set_user_name(&self, user_id: i64, name: &str) -> StoreResult<UserRow> {
        let row = sqlx::query("UPDATE users SET name = $1 WHERE id = $2 RETURNING *")
            .bind(name)
            .bind(user_id)
            .fetch_one(&self.writes)
            .await?;
        Ok(user_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn set_user_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<u64> {
        let mut tx = begin_write(&self.writes).await?;
        let updated = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let ended =
            sqlx::query("DELETE FROM user_sessions WHERE user_id = $1 AND token_hash IS NOT $2")
                .bind(user_id)
                .bind(keep_session)
                .execute(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(ended.rows_affected())
    }

    #[tracing::instrument(skip_all)]
    async fn authenticator(&self, user_id: i64) -> StoreResult<AuthenticatorRow> {
        self.authenticator_of(user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn enroll_authenticator(
        &self,
        user_id: i64,
        totp_secret: &str,
        recovery_hashes: &[String],
    ) -> StoreResult<()> {
        self.insert_authenticator(user_id, totp_secret, recovery_hashes).await
    }

    #[tracing::instrument(skip_all)]
    async fn remove_authenticator(&self, user_id: i64) -> StoreResult<()> {
        self.delete_authenticator(user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn use_totp_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
        self.accept_totp_step(user_id, step).await
    }

    #[tracing::instrument(skip_all)]
    async fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> StoreResult<bool> {
        self.consume_recovery_code(user_id, code_hash).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_audit(&self, entry: &NewAuditEntry) -> StoreResult<()> {
        self.insert_audit_entry(entry).await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_log(
        &self,
        organization_id: i64,
        event: Option<&str>,
        actor: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>> {
        self.audit_entries(organization_id, event, actor, before, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn ensure_default_organization(
        &self,
        defaults: &Defaults,
    ) -> StoreResult<OrganizationRow> {
        let mut tx = begin_write(&self.writes).await?;
        let existing = sqlx::query("SELECT * FROM organizations ORDER BY id LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = existing {
            return Ok(organization_from_row(&row));
        }
        let org = insert_organization(&mut tx, defaults).await?;
        tx.commit().await?;
        Ok(org)
    }

    #[tracing::instrument(skip_all)]
    async fn create_organization(&self, seed: &Defaults) -> StoreResult<OrganizationRow> {
        let mut tx = begin_write(&self.writes).await?;
        let org = insert_organization(&mut tx, seed).await?;
        tx.commit().await?;
        Ok(org)
    }

    #[tracing::instrument(skip_all)]
    async fn add_member(&self, organization_id: i64, user_id: i64, role: &str) -> StoreResult<()> {
        let mut conn = self.writes.acquire().await?;
        add_member_on(&mut conn, organization_id, user_id, role, now_ms()).await
    }

    #[tracing::instrument(skip_all)]
    async fn organizations_of_user(
        &self,
        user_id: i64,
    ) -> StoreResult<Vec<(OrganizationRow, String)>> {
        let rows = sqlx::query(
            "SELECT o.*, m.role FROM organizations o \
             JOIN organization_members m ON m.organization_id = o.id \
             WHERE m.user_id = $1 ORDER BY o.slug",
        )
        .bind(user_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(|r| (organization_from_row(r), r.get("role"))).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn organization_by_slug(&self, slug: &str) -> StoreResult<OrganizationRow> {
        let row = sqlx::query("SELECT * FROM organizations WHERE slug = $1")
            .bind(slug)
            .fetch_one(&self.reads)
            .await?;
        Ok(organization_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn member_role(&self, organization_id: i64, user_id: i64) -> StoreResult<String> {
        Ok(sqlx::query_scalar(
            "SELECT role FROM organization_members WHERE organization_id = $1 AND user_id = $2",
        )
        .bind(organization_id)
        .bind(user_id)
        .fetch_one(&self.reads)
        .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn teams(&self, organization_id: i64) -> StoreResult<Vec<TeamRow>> {
        let rows = sqlx::query("SELECT * FROM teams WHERE organization_id = $1 ORDER BY slug")
            .bind(organization_id)
            .fetch_all(&self.reads)
            .await?;
        Ok(rows.iter().map(team_from_row).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn team_by_slug(&self, organization_id: i64, slug: &str) -> StoreResult<TeamRow> {
        let row = sqlx::query("SELECT * FROM teams WHERE organization_id = $1 AND slug = $2")
            .bind(organization_id)
            .bind(slug)
            .fetch_one(&self.reads)
            .await?;
        Ok(team_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn create_project(&self, project: &NewProject) -> StoreResult<ProjectRow> {
        let mut tx = begin_write(&self.writes).await?;
        let id = insert_project(&mut tx, project, now_ms()).await?;
        tx.commit().await?;
        let row = sqlx::query(&format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p LEFT JOIN teams t ON t.id = p.team_id \
             WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_one(&self.writes)
        .await?;
        Ok(project_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn projects(&self, organization_id: i64) -> StoreResult<Vec<ProjectRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p LEFT JOIN teams t ON t.id = p.team_id \
             WHERE p.organization_id = $1 ORDER BY p.slug"
        ))
        .bind(organization_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(project_from_row).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn update_project(
        &self,
        project_id: i64,
        slug: &str,
        name: &str,
        platform: Option<&str>,
    ) -> StoreResult<()> {
        touched_one(
            sqlx::query("UPDATE projects SET slug = $1, name = $2, platform = $3 WHERE id = $4")
                .bind(slug)
                .bind(name)
                .bind(platform)
                .bind(project_id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn set_project_team(&self, project_id: i64, team_id: Option<i64>) -> StoreResult<()> {
        touched_one(
            sqlx::query("UPDATE projects SET team_id = $1 WHERE id = $2")
                .bind(team_id)
                .bind(project_id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn delete_project(&self, project_id: i64) -> StoreResult<Vec<String>> {
        project_deletion::delete_project(self, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_by_slug(&self, organization_id: i64, slug: &str) -> StoreResult<ProjectRow> {
        let row = sqlx::query(&format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p LEFT JOIN teams t ON t.id = p.team_id \
             WHERE p.organization_id = $1 AND p.slug = $2"
        ))
        .bind(organization_id)
        .bind(slug)
        .fetch_one(&self.reads)
        .await?;
        Ok(project_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn issue_id_by_short_id(
        &self,
        organization_id: i64,
        project_slug: &str,
        counter: i64,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id \
             WHERE p.organization_id = $1 AND p.slug = $2 AND i.short_id = $3",
        )
        .bind(organization_id)
        .bind(project_slug)
        .bind(counter)
        .fetch_one(&self.reads)
        .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn project_keys(&self, project_id: i64) -> StoreResult<Vec<ProjectKeyRow>> {
        let rows = sqlx::query("SELECT * FROM project_keys WHERE project_id = $1 ORDER BY id")
            .bind(project_id)
            .fetch_all(&self.reads)
            .await?;
        Ok(rows.iter().map(key_from_row).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn key_by_public(&self, public_key: &str) -> StoreResult<ProjectKeyRow> {
        let row = sqlx::query("SELECT * FROM project_keys WHERE public_key = $1")
            .bind(public_key)
            .fetch_one(&self.reads)
            .await?;
        Ok(key_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn store_batch(&self, mut batch: IngestBatch) -> StoreResult<Vec<i64>> {
        // On the caller's thread, a runtime worker: the writer's thread only writes. A request
        // carries one project's events.
        let project_id = batch.events.first().map(|event| event.project_id);
        let mut dictionary = None;
        for event in &mut batch.events {
            if dictionary.as_ref().is_none_or(|(project, _)| *project != event.project_id) {
                dictionary = Some((event.project_id, self.dictionaries.current(event.project_id)));
            }
            event.data.compress(dictionary.as_ref().and_then(|(_, current)| current.as_ref()));
        }
        let events = batch.events.len() as u64;
        let (reply, outcome) = oneshot::channel();
        let job = WriteJob { batch, reply, write_counters: false };
        self.event_writer.try_send(job).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => StoreError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => writer_stopped(),
        })?;
        let stored = outcome.await.map_err(|_| writer_stopped())??;
        if let Some(project_id) = project_id {
            self.dictionaries.stored(project_id, events, &self.reads, &self.writes);
        }
        Ok(stored)
    }

    fn announce_arrival(&self) -> Arrival {
        self.arrivals.announce()
    }

    fn issue_updates(&self) -> broadcast::Receiver<IssueUpdate> {
        self.issue_updates.subscribe()
    }

    async fn sync_counters(&self) -> StoreResult<()> {
        if !self.unflushed.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        // An empty job that asks for the counters: queued behind the events before it.
        let (reply, outcome) = oneshot::channel();
        let job = WriteJob { batch: IngestBatch::default(), reply, write_counters: true };
        self.event_writer.send(job).await.map_err(|_| writer_stopped())?;
        outcome.await.map_err(|_| writer_stopped())?.map(|_| ())
    }

    #[tracing::instrument(skip_all)]
    async fn organization_tag_keys(
        &self,
        organization_id: i64,
        project_ids: &[i64],
    ) -> StoreResult<Vec<(String, i64)>> {
        org_tags::tag_keys(&self.reads, organization_id, project_ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn organization_tag_values(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        key: &str,
        contains: &str,
        limit: i64,
    ) -> StoreResult<Vec<TagValueRow>> {
        org_tags::tag_values(&self.reads, organization_id, project_ids, key, contains, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_ingest_settings(&self, project_id: i64) -> StoreResult<ProjectIngestSettings> {
        // Ownership comes along in the same query: ingestion learns whether the project has
        // rules without a second round trip.
        let row = sqlx::query(
            "SELECT p.rate_limit_count, p.rate_limit_window, p.scrub_settings, \
             p.allowed_origins, p.fingerprinting_rules, p.grouping_enhancements, \
             p.alert_new_issues, p.inbound_filters, p.highlights, o.rules_schema, o.fallthrough, \
             o.auto_assignment, \
             c.rules_schema AS codeowners_schema, \
             (SELECT json_group_array(d.hash) FROM discarded_hashes d \
              WHERE d.project_id = p.id) AS discarded \
             FROM projects p LEFT JOIN project_ownership o ON o.project_id = p.id \
             LEFT JOIN project_codeowners c ON c.project_id = p.id WHERE p.id = $1",
        )
        .bind(project_id)
        .fetch_one(&self.reads)
        .await?;
        Ok(ProjectIngestSettings {
            rate_limit: rate_limit(&row),
            scrub_settings: row.get("scrub_settings"),
            allowed_origins: row.get("allowed_origins"),
            fingerprinting_rules: row.get("fingerprinting_rules"),
            grouping_enhancements: row.get("grouping_enhancements"),
            ownership: ownership::ingest_ownership(&row),
            alert_new_issues: row.get::<i64, _>("alert_new_issues") != 0,
            inbound_filters: row.get("inbound_filters"),
            discarded_hashes: serde_json::from_str(row.get::<&str, _>("discarded"))
                .unwrap_or_default(),
            highlights: row.get("highlights"),
        })
    }

    #[tracing::instrument(skip_all)]
    async fn update_key(&self, key: &ProjectKeyRow) -> StoreResult<()> {
        let (count, window) = key.rate_limit.unzip();
        touched_one(
            sqlx::query(
                "UPDATE project_keys SET label = $1, is_active = $2, rate_limit_count = $3, \
             rate_limit_window = $4 WHERE id = $5",
            )
            .bind(&key.label)
            .bind(key.is_active)
            .bind(count)
            .bind(window)
            .bind(key.id)
            .execute(&self.writes)
            .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn set_project_ingest_settings(
        &self,
        project_id: i64,
        settings: &ProjectIngestSettings,
    ) -> StoreResult<()> {
        let (count, window) = settings.rate_limit.unzip();
        touched_one(
            sqlx::query(
                "UPDATE projects SET rate_limit_count = $1, rate_limit_window = $2, \
             scrub_settings = $3, allowed_origins = $4, fingerprinting_rules = $5, \
             grouping_enhancements = $6, alert_new_issues = $7, inbound_filters = $8, \
             highlights = $10 WHERE id = $9",
            )
            .bind(count)
            .bind(window)
            .bind(&settings.scrub_settings)
            .bind(&settings.allowed_origins)
            .bind(&settings.fingerprinting_rules)
            .bind(&settings.grouping_enhancements)
            .bind(i64::from(settings.alert_new_issues))
            .bind(&settings.inbound_filters)
            .bind(project_id)
            .bind(&settings.highlights)
            .execute(&self.writes)
            .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn outcomes(&self, project_id: i64) -> StoreResult<Vec<Outcome>> {
        let rows = sqlx::query(
            "SELECT source, category, reason, quantity FROM outcomes WHERE project_id = $1 \
             ORDER BY source, category, reason",
        )
        .bind(project_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Outcome {
                project_id,
                source: if r.get::<String, _>("source") == "client" { "client" } else { "server" },
                category: r.get("category"),
                reason: r.get("reason"),
                quantity: r.get("quantity"),
            })
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn issue_event(&self, issue_id: i64, which: &EventSelector) -> StoreResult<IssueEvent> {
        let (filter, order) = match which {
            EventSelector::Latest => ("", "DESC"),
            EventSelector::Oldest => ("", "ASC"),
            EventSelector::Id(_) => (" AND event_id = $2", "DESC"),
        };
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE issue_id = $1{filter} \
             ORDER BY timestamp {order}, id {order} LIMIT 1"
        );
        let mut query = sqlx::query(&sql).bind(issue_id);
        if let EventSelector::Id(id) = which {
            query = query.bind(id);
        }
        let event = event_from_row(&query.fetch_one(&self.reads).await?)?;
        self.with_neighbours(event).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_event(&self, project_id: i64, event_id: &str) -> StoreResult<IssueEvent> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE project_id = $1 AND event_id = $2"
        ))
        .bind(project_id)
        .bind(event_id)
        .fetch_one(&self.reads)
        .await?;
        self.with_neighbours(event_from_row(&row)?).await
    }

    #[tracing::instrument(skip_all)]
    async fn event_attachments(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> StoreResult<Vec<AttachmentRow>> {
        attachments::event_attachments(&self.reads, project_id, event_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_attachments(
        &self,
        issue_id: i64,
        types: &[String],
        screenshots: bool,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<AttachmentRow>> {
        attachments::issue_attachments(&self.reads, issue_id, types, screenshots, offset, limit)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn event_attachment(
        &self,
        project_id: i64,
        event_id: &str,
        attachment_id: i64,
    ) -> StoreResult<(AttachmentRow, Vec<u8>)> {
        attachments::event_attachment(&self.reads, project_id, event_id, attachment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_user_reports(
        &self,
        project_id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<UserReportRow>> {
        user_reports::project_user_reports(&self.reads, project_id, offset, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn organization_user_reports(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<UserReportRow>> {
        user_reports::organization_user_reports(
            &self.reads,
            organization_id,
            project_ids,
            offset,
            limit,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn latest_user_report(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> StoreResult<UserReportRow> {
        user_reports::latest_user_report(&self.reads, project_id, event_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_earlier_user_reports(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> StoreResult<u64> {
        user_reports::delete_earlier_user_reports(&self.writes, project_id, event_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_user_report_count(&self, issue_id: i64) -> StoreResult<i64> {
        user_reports::issue_user_report_count(&self.reads, issue_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn trace_errors(
        &self,
        organization_id: i64,
        trace_id: &[u8; 16],
        event_id: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<TraceErrorRow>> {
        traces::trace_errors(&self.reads, organization_id, trace_id, event_id, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn trace_counts(
        &self,
        organization_id: i64,
        trace_id: &[u8; 16],
    ) -> StoreResult<TraceCounts> {
        traces::trace_counts(&self.reads, organization_id, trace_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn trace_transactions(
        &self,
        organization_id: i64,
        trace_id: &[u8; 16],
        limit: i64,
    ) -> StoreResult<Vec<TraceTransactionRow>> {
        traces::trace_transactions(&self.reads, organization_id, trace_id, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn period_transactions(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        since: f64,
        name: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<PeriodTransaction>> {
        traces::period_transactions(&self.reads, organization_id, project_ids, since, name, limit)
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn project_transaction(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> StoreResult<StoredTransaction> {
        traces::project_transaction(&self.reads, project_id, event_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_user_reports(
        &self,
        issue_id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<UserReportRow>> {
        user_reports::issue_user_reports(&self.reads, issue_id, offset, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_events(
        &self,
        project_id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<EventRow>> {
        // The table read backwards, newest row first, until a page of the project's is found:
        // no index of events starts with the project (one would cost every event's insert), and
        // the project's index by event id would sort all its events for each page. The newest
        // events of any project that is sending are near the end.
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events NOT INDEXED WHERE project_id = $1 \
             ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(project_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reads)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn issue_events(
        &self,
        issue_id: i64,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<EventRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE issue_id = $1 \
             ORDER BY timestamp DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(issue_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reads)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn issue_tag_values(
        &self,
        issue_id: i64,
        key: Option<&str>,
    ) -> StoreResult<Vec<TagValueRow>> {
        let rows = sqlx::query(
            "SELECT key, value, times_seen, first_seen, last_seen FROM issue_tag_values \
             WHERE issue_id = $1 AND ($2 IS NULL OR key = $2) \
             ORDER BY key, times_seen DESC, last_seen DESC",
        )
        .bind(issue_id)
        .bind(key)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(tag_value_row).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn issue_tag_value_page(
        &self,
        issue_id: i64,
        key: &str,
        sort: TagValueSort,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<TagValueRow>> {
        let order = match sort {
            TagValueSort::Count => "times_seen DESC",
            TagValueSort::LastSeen => "last_seen DESC",
            TagValueSort::FirstSeen => "first_seen DESC",
        };
        let rows = sqlx::query(&format!(
            "SELECT key, value, times_seen, first_seen, last_seen FROM issue_tag_values \
             WHERE issue_id = $1 AND key = $2 ORDER BY {order}, value LIMIT $3 OFFSET $4"
        ))
        .bind(issue_id)
        .bind(key)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(tag_value_row).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn issue_hourly(
        &self,
        issue_ids: &[i64],
        since_hour: i64,
        bucket_secs: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        if issue_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Summed here: 14 daily buckets are 336 hourly rows per issue otherwise. And returned
        // as one JSON row: sqlx hands every result row from SQLite's thread to the async side
        // separately (a thread wake-up each), which cost more than the query itself for a page
        // of 25 issues with 24 buckets each.
        let placeholders: Vec<String> =
            (0..issue_ids.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT json_group_array(json_array(issue_id, bucket, events)) FROM \
             (SELECT issue_id, hour - ((hour - $1) % $2) AS bucket, SUM(events) AS events \
              FROM issue_hourly WHERE hour >= $1 AND issue_id IN ({}) \
              GROUP BY issue_id, bucket)",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_scalar(&sql).bind(since_hour).bind(bucket_secs.max(3_600));
        for id in issue_ids {
            query = query.bind(id);
        }
        let buckets: String = query.fetch_one(&self.reads).await?;
        serde_json::from_str(&buckets).map_err(|err| StoreError::Corrupt(err.to_string()))
    }

    #[tracing::instrument(skip_all)]
    async fn issue(&self, issue_id: i64) -> StoreResult<(IssueRow, OrganizationRow)> {
        let row = sqlx::query(&issue_with_organization_query("i.id = $1"))
            .bind(issue_id)
            .fetch_one(&self.reads)
            .await?;
        Ok(issue_with_organization(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn shared_issue(&self, share_id: &str) -> StoreResult<(IssueRow, OrganizationRow)> {
        let row = sqlx::query(&issue_with_organization_query("i.share_id = $1"))
            .bind(share_id)
            .fetch_one(&self.reads)
            .await?;
        Ok(issue_with_organization(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn set_issue_share(&self, issue_id: i64, share_id: Option<&str>) -> StoreResult<()> {
        // Sharing again keeps the link already given.
        touched_one(
            sqlx::query(
                "UPDATE issues SET share_id = CASE WHEN $2 IS NULL THEN NULL \
                 ELSE COALESCE(share_id, $2) END WHERE id = $1",
            )
            .bind(issue_id)
            .bind(share_id)
            .execute(&self.writes)
            .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn set_issue_status(&self, issue_id: i64, change: &StatusChange) -> StoreResult<()> {
        if change.snooze.until_escalating {
            // The forecast reads the hourly counts, of which the writer may hold the latest
            // in memory (asked for before the write lock, which the writer needs to flush).
            self.sync_counters().await?;
        }
        let mut tx = begin_write(&self.writes).await?;
        // "Until N more events / users" counts from the issue's totals, of which the writer
        // may still hold some in memory (stable while this transaction holds the write lock).
        let pending = self.counters.totals(issue_id).await;
        let forecast = match change.snooze.until_escalating {
            true => Some(triage::escalation_forecast(&mut tx, issue_id, now_ms()).await?),
            false => None,
        };
        let updated = sqlx::query(
            "UPDATE issues SET status = $2, substatus = $3, status_details = $4, \
             snooze_until = $5, snooze_forecast = $12, \
             snooze_times_seen = CASE WHEN $6 IS NULL THEN NULL WHEN $8 IS NOT NULL THEN $6 \
               ELSE times_seen + $10 + $6 END, \
             snooze_user_count = CASE WHEN $7 IS NULL THEN NULL WHEN $9 IS NOT NULL THEN $7 \
               ELSE user_count + $11 + $7 END, \
             snooze_window_ms = $8, snooze_user_window_ms = $9 \
             WHERE id = $1",
        )
        .bind(issue_id)
        .bind(&change.status)
        .bind(&change.substatus)
        .bind(&change.status_details)
        .bind(change.snooze.until)
        .bind(change.snooze.events)
        .bind(change.snooze.users)
        .bind(change.snooze.events_window_ms)
        .bind(change.snooze.users_window_ms)
        .bind(pending.events)
        .bind(pending.new_users)
        .bind(forecast)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let kind = match change.status.as_str() {
            "resolved" => "set_resolved",
            "ignored" => "set_ignored",
            _ => "set_unresolved",
        };
        let data = &change.status_details;
        let now = now_ms();
        let activity =
            record_activity(&mut tx, issue_id, kind, Some(change.user_id), data, now).await?;
        // Who changes an issue's status takes part in it; its participants hear of a
        // resolution or of its being ignored (Sentry's workflow notifications).
        subscribe(&mut tx, issue_id, Assignee::User(change.user_id), "status_change", now).await?;
        if kind != "set_unresolved" {
            let user = Some(change.user_id);
            notify_participants(&mut tx, issue_id, Some(activity), kind, data, user, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn add_comment(
        &self,
        issue_id: i64,
        user_id: i64,
        text: &str,
        mentioned: &[Assignee],
    ) -> StoreResult<i64> {
        let mut tx = begin_write(&self.writes).await?;
        let data = serde_json::json!({ "text": text }).to_string();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activities (issue_id, kind, user_id, data, date_created) \
             VALUES ($1, 'note', $2, $3, $4) RETURNING id",
        )
        .bind(issue_id)
        .bind(user_id)
        .bind(&data)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("UPDATE issues SET num_comments = num_comments + 1 WHERE id = $1")
            .bind(issue_id)
            .execute(&mut *tx)
            .await?;
        let now = now_ms();
        // The author takes part now, and so do the people mentioned (Sentry's reasons), who
        // hear of this comment too.
        subscribe(&mut tx, issue_id, Assignee::User(user_id), "commented", now).await?;
        for mention in mentioned {
            let reason = match mention {
                Assignee::User(_) => "mentioned",
                Assignee::Team(_) => "team_mentioned",
            };
            subscribe(&mut tx, issue_id, *mention, reason, now).await?;
        }
        notify_participants(&mut tx, issue_id, Some(id), "note", &data, Some(user_id), now).await?;
        tx.commit().await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all)]
    async fn update_comment(&self, issue_id: i64, comment_id: i64, text: &str) -> StoreResult<()> {
        let data = serde_json::json!({ "text": text }).to_string();
        touched_one(
            sqlx::query(
                "UPDATE activities SET data = $1 WHERE id = $2 AND issue_id = $3 AND kind = 'note'",
            )
            .bind(&data)
            .bind(comment_id)
            .bind(issue_id)
            .execute(&self.writes)
            .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn delete_comment(&self, issue_id: i64, comment_id: i64) -> StoreResult<()> {
        let mut tx = begin_write(&self.writes).await?;
        let deleted =
            sqlx::query("DELETE FROM activities WHERE id = $1 AND issue_id = $2 AND kind = 'note'")
                .bind(comment_id)
                .bind(issue_id)
                .execute(&mut *tx)
                .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE issues SET num_comments = num_comments - 1 WHERE id = $1")
            .bind(issue_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_issue(&self, issue_id: i64) -> StoreResult<()> {
        let mut tx = begin_write(&self.writes).await?;
        // A dictionary that holds one of its events must not keep it.
        let retired = self.dictionaries.retire_holding_issue(&mut tx, issue_id).await?;
        // Events, hashes, users, tag values, hourly counts and activity go with it
        // (`ON DELETE CASCADE`; foreign keys are on for every connection).
        touched_one(
            sqlx::query("DELETE FROM issues WHERE id = $1")
                .bind(issue_id)
                .execute(&mut *tx)
                .await?,
        )?;
        // When the newest events went with it, SQLite gives their ids to the next events:
        // the counters' watermark must stay below them (the events up to it stay counted).
        sqlx::query(
            "UPDATE counters_watermark SET counted_through = \
             MIN(counted_through, COALESCE((SELECT MAX(id) FROM events), 0))",
        )
        .execute(&mut *tx)
        .await?;
        // Its pending counters go too (a flush would skip them anyway).
        self.counters.commit_adjusted(tx, |counters| counters.discard(issue_id)).await?;
        if let Some(project_id) = retired {
            self.dictionaries.purge(project_id, &self.reads, &self.writes);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn discard_issue(&self, issue_id: i64, actor_user_id: Option<i64>) -> StoreResult<u64> {
        // Kept first, in a transaction of their own: should the deletion then fail, the issue
        // is still there to delete again, and its new events are already discarded.
        let kept = self.keep_discarded(issue_id, actor_user_id).await?;
        self.delete_issue(issue_id).await?;
        Ok(kept)
    }

    #[tracing::instrument(skip_all)]
    async fn saved_searches(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> StoreResult<Vec<SavedSearchRow>> {
        self.read_saved_searches(organization_id, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_saved_search(&self, search: &SavedSearchRow) -> StoreResult<SavedSearchRow> {
        self.insert_saved_search(search).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_saved_search(&self, search: &SavedSearchRow) -> StoreResult<SavedSearchRow> {
        self.write_saved_search(search).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_saved_search(&self, organization_id: i64, id: i64) -> StoreResult<()> {
        self.remove_saved_search(organization_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_recent_search(
        &self,
        organization_id: i64,
        user_id: i64,
        kind: i64,
        query: &str,
        now: i64,
    ) -> StoreResult<bool> {
        saved_searches::record_recent(self, organization_id, user_id, kind, query, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn recent_searches(
        &self,
        organization_id: i64,
        user_id: i64,
        kind: i64,
        containing: &str,
        limit: i64,
    ) -> StoreResult<Vec<RecentSearchRow>> {
        saved_searches::recent(self, organization_id, user_id, kind, containing, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn metric_alert_rules(
        &self,
        organization_id: i64,
    ) -> StoreResult<Vec<MetricAlertRuleRow>> {
        self.read_metric_alert_rules(Some(organization_id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn all_metric_alert_rules(&self) -> StoreResult<Vec<MetricAlertRuleRow>> {
        self.read_metric_alert_rules(None).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_metric_alert_rule(
        &self,
        organization_id: i64,
        rule: &crate::alerts::metric::MetricRule,
        project_ids: &[i64],
        user_id: Option<i64>,
    ) -> StoreResult<i64> {
        self.insert_metric_alert_rule(organization_id, rule, project_ids, user_id, now_ms()).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_metric_alert_rule(
        &self,
        organization_id: i64,
        id: i64,
        rule: &crate::alerts::metric::MetricRule,
        project_ids: &[i64],
    ) -> StoreResult<()> {
        self.write_metric_alert_rule(organization_id, id, rule, project_ids, now_ms()).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_metric_alert_rule(&self, organization_id: i64, id: i64) -> StoreResult<()> {
        self.remove_metric_alert_rule(organization_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn measure_metric(
        &self,
        rule: &crate::alerts::metric::MetricRule,
        project_ids: &[i64],
        now_ms: i64,
    ) -> StoreResult<Option<f64>> {
        self.measure(rule, project_ids, now_ms).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_metric_evaluation(
        &self,
        rule_id: i64,
        value: Option<f64>,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.write_metric_evaluation(rule_id, value, now_ms).await
    }

    #[tracing::instrument(skip_all)]
    async fn move_incident(
        &self,
        rule: &MetricAlertRuleRow,
        open: Option<(i64, i64)>,
        status: i64,
        value: f64,
        now_ms: i64,
    ) -> StoreResult<Option<IncidentRow>> {
        self.write_incident_move(rule, open, status, value, now_ms).await
    }

    #[tracing::instrument(skip_all)]
    async fn incidents(
        &self,
        organization_id: i64,
        rule_id: Option<i64>,
        open: Option<bool>,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<IncidentRow>> {
        self.read_incidents(organization_id, rule_id, open, before, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn incident(&self, organization_id: i64, identifier: i64) -> StoreResult<IncidentRow> {
        self.read_incident(organization_id, identifier).await
    }

    #[tracing::instrument(skip_all)]
    async fn incident_activity(&self, incident_id: i64) -> StoreResult<Vec<IncidentActivityRow>> {
        self.read_incident_activity(incident_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn weekly_report(
        &self,
        organization_id: i64,
        start: i64,
        end: i64,
        top: i64,
    ) -> StoreResult<WeeklyReportRow> {
        self.read_weekly_report(organization_id, start, end, top).await
    }

    #[tracing::instrument(skip_all)]
    async fn claim_weekly_reports(
        &self,
        week_start: i64,
        week_end: i64,
    ) -> StoreResult<Vec<OrganizationRow>> {
        self.claim_reports(week_start, week_end).await
    }

    #[tracing::instrument(skip_all)]
    async fn discarded_issues(
        &self,
        project_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<DiscardedIssueRow>> {
        self.discarded_issue_rows(project_id, before, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn undiscard_issue(
        &self,
        project_id: i64,
        discarded_issue_id: i64,
    ) -> StoreResult<DiscardedIssueRow> {
        self.delete_discarded_issue(project_id, discarded_issue_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_ownership(&self, project_id: i64) -> StoreResult<OwnershipRow> {
        ownership::project_ownership(&self.reads, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_project_ownership(
        &self,
        project_id: i64,
        row: &OwnershipRow,
    ) -> StoreResult<OwnershipRow> {
        ownership::set_project_ownership(&self.writes, project_id, row).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_codeowners(&self, project_id: i64) -> StoreResult<Vec<CodeownersRow>> {
        ownership::project_codeowners(&self.reads, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_project_codeowners(
        &self,
        project_id: i64,
        raw: &str,
        rules_schema: &str,
        errors: &str,
        code_mapping_id: Option<i64>,
    ) -> StoreResult<CodeownersRow> {
        ownership::set_project_codeowners(
            &self.writes,
            project_id,
            raw,
            rules_schema,
            errors,
            code_mapping_id,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_owners(&self, issue_ids: &[i64]) -> StoreResult<Vec<IssueOwnerRow>> {
        ownership::issue_owners(&self.reads, issue_ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_suspect_owners(&self, issue_id: i64, owners: &[SuspectOwner]) -> StoreResult<()> {
        ownership::set_suspect_owners(&self.writes, issue_id, owners).await
    }

    #[tracing::instrument(skip_all)]
    async fn merge_issues(&self, parent: i64, children: &[i64], user_id: i64) -> StoreResult<()> {
        triage::merge_issues(&self.writes, &self.counters, parent, children, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_hashes(&self, issue_id: i64) -> StoreResult<Vec<IssueHash>> {
        triage::issue_hashes(&self.reads, issue_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn similarity_candidates(
        &self,
        project_id: i64,
        issue_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, Option<Vec<u8>>)>> {
        triage::similarity_candidates(&self.reads, project_id, issue_id, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn save_similarity_features(&self, features: &[(i64, Vec<u8>)]) -> StoreResult<()> {
        triage::save_similarity_features(&self.writes, features).await
    }

    #[tracing::instrument(skip_all)]
    async fn unmerge_hashes(
        &self,
        issue_id: i64,
        hashes: &[String],
        user_id: i64,
    ) -> StoreResult<i64> {
        triage::unmerge(&self.writes, &self.counters, issue_id, hashes, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn assign_issue(
        &self,
        issue_id: i64,
        assignee: Option<Assignee>,
        user_id: i64,
    ) -> StoreResult<bool> {
        triage::assign(&self.writes, issue_id, assignee, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_issue_priority(
        &self,
        issue_id: i64,
        priority: Priority,
        user_id: i64,
    ) -> StoreResult<bool> {
        triage::set_priority(&self.writes, issue_id, priority, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_issue_reviewed(
        &self,
        issue_id: i64,
        reviewed: bool,
        user_id: i64,
    ) -> StoreResult<bool> {
        triage::set_reviewed(&self.writes, issue_id, reviewed, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn mark_ongoing(&self, now: i64) -> StoreResult<usize> {
        triage::mark_ongoing(&self.writes, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_issue_seen(&self, issue_id: i64, user_id: i64, seen: bool) -> StoreResult<()> {
        triage::set_seen(&self.writes, issue_id, user_id, seen).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_issue_subscription(
        &self,
        issue_id: i64,
        user_id: i64,
        subscribed: bool,
    ) -> StoreResult<()> {
        workflow::set_subscription(&self.writes, issue_id, user_id, subscribed).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_subscription(
        &self,
        issue_id: i64,
        user_id: i64,
    ) -> StoreResult<IssueSubscription> {
        workflow::subscription(&self.reads, issue_id, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_participants(&self, issue_id: i64) -> StoreResult<Vec<UserRow>> {
        workflow::participants(&self.reads, issue_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_issue_bookmark(
        &self,
        issue_id: i64,
        user_id: i64,
        bookmarked: bool,
    ) -> StoreResult<()> {
        triage::set_bookmark(&self.writes, issue_id, user_id, bookmarked).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_seen_by(&self, issue_id: i64) -> StoreResult<Vec<(UserRow, i64)>> {
        triage::seen_by(&self.reads, issue_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn issue_viewer_state(
        &self,
        issue_ids: &[i64],
        user_id: i64,
    ) -> StoreResult<Vec<IssueViewerState>> {
        triage::viewer_state(&self.reads, issue_ids, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn organization_member(
        &self,
        organization_id: i64,
        user_id: Option<i64>,
        email: Option<&str>,
    ) -> StoreResult<UserRow> {
        triage::organization_member(&self.reads, organization_id, user_id, email).await
    }

    #[tracing::instrument(skip_all)]
    async fn latest_release(&self, project_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT release FROM events WHERE project_id = $1 AND release IS NOT NULL \
             ORDER BY timestamp DESC, id DESC LIMIT 1",
        )
        .bind(project_id)
        .fetch_optional(&self.reads)
        .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn latest_release_versions(
        &self,
        organization_id: i64,
        project_ids: &[i64],
    ) -> StoreResult<Vec<String>> {
        // The projects as a JSON array: one bound parameter however many there are.
        let projects = serde_json::to_string(project_ids).unwrap_or_else(|_| "[]".into());
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT (SELECT r.version FROM release_projects rp \
                 JOIN releases r ON r.id = rp.release_id WHERE rp.project_id = p.id \
                 ORDER BY r.date_created DESC, r.id DESC LIMIT 1) AS version \
             FROM projects p WHERE p.organization_id = $1 \
               AND ($2 = '[]' OR p.id IN (SELECT value FROM json_each($2))) \
               AND version IS NOT NULL",
        )
        .bind(organization_id)
        .bind(projects)
        .fetch_all(&self.reads)
        .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn issue_activity(&self, issue_id: i64) -> StoreResult<Vec<ActivityRow>> {
        let rows = sqlx::query(
            "SELECT a.id AS a_id, a.kind, a.data, a.date_created AS a_date_created, u.* \
             FROM activities a LEFT JOIN users u ON u.id = a.user_id \
             WHERE a.issue_id = $1 ORDER BY a.date_created DESC, a.id DESC",
        )
        .bind(issue_id)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .iter()
            .map(|row| ActivityRow {
                id: row.get("a_id"),
                kind: row.get("kind"),
                user: row.get::<Option<i64>, _>("id").map(|_| user_from_row(row)),
                data: row.get("data"),
                date_created: row.get("a_date_created"),
            })
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn list_issues(&self, query: &IssueQuery) -> StoreResult<IssuePage> {
        let reads = self.term_reads(&query.terms).await?;
        let rows = self.list_issues_with(query, &reads).await?;
        // A first page that holds every match is its own count.
        let hits = if query.cursor.is_none() && (rows.len() as i64) < query.limit {
            rows.len() as i64
        } else {
            let everything = IssueQuery { cursor: None, ..query.clone() };
            self.count_issues_with(&everything, &reads).await?
        };
        Ok(IssuePage { rows, hits })
    }

    #[tracing::instrument(skip_all)]
    async fn count_issues(&self, query: &IssueQuery) -> StoreResult<i64> {
        let reads = self.term_reads(&query.terms).await?;
        self.count_issues_with(query, &reads).await
    }

    // --- members, invitations, teams and keys (the accounts part of the Web API) ---------

    // --- release health ---------------------------------------------------------------------

    #[tracing::instrument(skip_all)]
    async fn create_release(&self, release: &NewRelease) -> StoreResult<bool> {
        health::create_release(&self.writes, release).await
    }

    #[tracing::instrument(skip_all)]
    async fn releases(&self, query: &ReleaseQuery) -> StoreResult<Vec<ReleaseRow>> {
        health::releases(&self.reads, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn release(&self, organization_id: i64, version: &str) -> StoreResult<ReleaseRow> {
        health::release(&self.reads, organization_id, version).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_release(&self, release_id: i64, change: &ReleaseChange) -> StoreResult<()> {
        health::update_release(&self.writes, release_id, change).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_release(&self, release_id: i64) -> StoreResult<()> {
        health::delete_release(&self.writes, release_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn deploys(&self, release_id: i64) -> StoreResult<Vec<DeployRow>> {
        health::deploys(&self.reads, release_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_deploy(&self, release_id: i64, deploy: &DeployRow) -> StoreResult<DeployRow> {
        health::create_deploy(&self.writes, release_id, deploy).await
    }

    #[tracing::instrument(skip_all)]
    async fn session_buckets(
        &self,
        query: &SessionQuery,
    ) -> StoreResult<(Vec<SessionBucket>, Vec<UserBucket>)> {
        health::session_buckets(&self.reads, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn session_user_counts(&self, query: &UserCountQuery) -> StoreResult<UserCounts> {
        health::session_user_counts(&self.reads, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn session_durations(&self, query: &DurationQuery) -> StoreResult<Vec<DurationRow>> {
        durations::session_durations(&self.reads, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn release_health(&self, query: &ReleaseHealthQuery) -> StoreResult<ReleaseHealth> {
        health::release_health(&self.reads, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn release_event_hours(&self, query: &SessionQuery) -> StoreResult<Vec<(i64, i64)>> {
        health::release_event_hours(&self.reads, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn adoption_totals(&self, since: i64) -> StoreResult<Vec<AdoptionTotal>> {
        adoption::adoption_totals(&self.reads, since).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_adoption(
        &self,
        now: i64,
        project_ids: &[i64],
        adopted: &[(i64, String, String)],
    ) -> StoreResult<AdoptionChanges> {
        adoption::record_adoption(&self.writes, now, project_ids, adopted).await
    }

    #[tracing::instrument(skip_all)]
    async fn release_versions(&self, query: &ReleaseQuery) -> StoreResult<Vec<String>> {
        health::release_versions(&self.reads, query).await
    }

    #[tracing::instrument(skip_all)]
    async fn releases_by_version(
        &self,
        organization_id: i64,
        versions: &[String],
    ) -> StoreResult<Vec<ReleaseRow>> {
        health::releases_by_version(&self.reads, organization_id, versions).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_latest_release(&self, project_id: i64) -> StoreResult<Option<String>> {
        let mut conn = self.reads.acquire().await?;
        alerts::latest_release(&mut conn, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn release_adoption(
        &self,
        project_ids: &[i64],
        releases: &[String],
        environments: &[String],
    ) -> StoreResult<Vec<AdoptionRow>> {
        adoption::release_adoption(&self.reads, project_ids, releases, environments).await
    }

    #[tracing::instrument(skip_all)]
    async fn members(&self, organization_id: i64) -> StoreResult<Vec<MemberRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM organization_members m \
             LEFT JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 ORDER BY m.id"
        ))
        .bind(organization_id)
        .fetch_all(&self.reads)
        .await?;
        let mut members: Vec<MemberRow> = rows.iter().map(member_from_row).collect();
        with_member_teams(&self.reads, organization_id, &mut members).await?;
        Ok(members)
    }

    #[tracing::instrument(skip_all)]
    async fn member(&self, organization_id: i64, member_id: i64) -> StoreResult<MemberRow> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM organization_members m \
             LEFT JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND m.id = $2"
        ))
        .bind(organization_id)
        .bind(member_id)
        .fetch_one(&self.reads)
        .await?;
        let mut members = vec![member_from_row(&row)];
        with_member_teams(&self.reads, organization_id, &mut members).await?;
        members.pop().ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    async fn member_of_user(&self, organization_id: i64, user_id: i64) -> StoreResult<MemberRow> {
        let member_id: i64 = sqlx::query_scalar(
            "SELECT id FROM organization_members WHERE organization_id = $1 AND user_id = $2",
        )
        .bind(organization_id)
        .bind(user_id)
        .fetch_one(&self.reads)
        .await?;
        self.member(organization_id, member_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn member_by_id(&self, member_id: i64) -> StoreResult<(MemberRow, OrganizationRow)> {
        let organization_id: i64 =
            sqlx::query_scalar("SELECT organization_id FROM organization_members WHERE id = $1")
                .bind(member_id)
                .fetch_one(&self.reads)
                .await?;
        let org = sqlx::query("SELECT * FROM organizations WHERE id = $1")
            .bind(organization_id)
            .fetch_one(&self.reads)
            .await?;
        Ok((self.member(organization_id, member_id).await?, organization_from_row(&org)))
    }

    #[tracing::instrument(skip_all)]
    async fn create_invite(&self, invite: &NewInvite) -> StoreResult<MemberRow> {
        let mut tx = begin_write(&self.writes).await?;
        let email = invite.email.to_lowercase();
        let is_member: Option<i64> = sqlx::query_scalar(
            "SELECT m.id FROM organization_members m JOIN users u ON u.id = m.user_id \
             WHERE m.organization_id = $1 AND u.email = $2",
        )
        .bind(invite.organization_id)
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
        if is_member.is_some() {
            return Err(StoreError::Conflict("already a member".into()));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organization_members (organization_id, user_id, role, date_added, \
             email, invite_token_hash, invite_expires, inviter_id) \
             VALUES ($1, NULL, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(invite.organization_id)
        .bind(&invite.role)
        .bind(now_ms())
        .bind(&email)
        .bind(&invite.token_hash)
        .bind(invite.expires)
        .bind(invite.inviter_id)
        .fetch_one(&mut *tx)
        .await?;
        for (team_id, role) in &invite.teams {
            sqlx::query(
                "INSERT OR IGNORE INTO organization_member_invite_teams (member_id, team_id, role) \
                 VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(team_id)
            .bind(role)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLUMNS} FROM organization_members m \
             LEFT JOIN users u ON u.id = m.user_id WHERE m.id = $1"
        ))
        .bind(id)
        .fetch_one(&self.writes)
        .await?;
        let mut members = vec![member_from_row(&row)];
        with_member_teams(&self.writes, invite.organization_id, &mut members).await?;
        members.pop().ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    async fn set_member_role(
        &self,
        organization_id: i64,
        member_id: i64,
        role: &str,
    ) -> StoreResult<()> {
        let mut tx = begin_write(&self.writes).await?;
        if role != "owner" {
            refuse_last_owner(&mut tx, organization_id, member_id).await?;
        }
        touched_one(
            sqlx::query(
                "UPDATE organization_members SET role = $1 \
                 WHERE organization_id = $2 AND id = $3",
            )
            .bind(role)
            .bind(organization_id)
            .bind(member_id)
            .execute(&mut *tx)
            .await?,
        )?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn remove_member(&self, organization_id: i64, member_id: i64) -> StoreResult<()> {
        let mut tx = begin_write(&self.writes).await?;
        refuse_last_owner(&mut tx, organization_id, member_id).await?;
        // Team memberships are kept by user, not by member: they go explicitly.
        sqlx::query(
            "DELETE FROM team_members WHERE team_id IN \
             (SELECT id FROM teams WHERE organization_id = $1) \
             AND user_id = (SELECT user_id FROM organization_members WHERE id = $2)",
        )
        .bind(organization_id)
        .bind(member_id)
        .execute(&mut *tx)
        .await?;
        // Issues of the organization assigned to them become unassigned, as in Sentry: nobody
        // outside the organization may hold its work.
        sqlx::query(
            "UPDATE issues SET assignee_user_id = NULL WHERE project_id IN \
             (SELECT id FROM projects WHERE organization_id = $1) \
             AND assignee_user_id = (SELECT user_id FROM organization_members WHERE id = $2)",
        )
        .bind(organization_id)
        .bind(member_id)
        .execute(&mut *tx)
        .await?;
        touched_one(
            sqlx::query("DELETE FROM organization_members WHERE organization_id = $1 AND id = $2")
                .bind(organization_id)
                .bind(member_id)
                .execute(&mut *tx)
                .await?,
        )?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn accept_invite(
        &self,
        member_id: i64,
        token_hash: &str,
        acceptor: &Acceptor,
        now_ms: i64,
    ) -> StoreResult<UserRow> {
        let mut tx = begin_write(&self.writes).await?;
        // The check and the acceptance are in one transaction on the single writer, so a link
        // cannot be used twice even by two simultaneous requests.
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organization_members WHERE id = $1 AND user_id IS NULL \
             AND invite_token_hash = $2 AND invite_expires > $3",
        )
        .bind(member_id)
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if pending.is_none() {
            return Err(StoreError::NotFound);
        }
        let user =
            match acceptor {
                Acceptor::Existing(user_id) => {
                    sqlx::query("SELECT * FROM users WHERE id = $1")
                        .bind(user_id)
                        .fetch_one(&mut *tx)
                        .await?
                }
                Acceptor::New(user) => sqlx::query(
                    "INSERT INTO users (email, name, password_hash, is_superuser, date_joined) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING *",
                )
                .bind(user.email.to_lowercase())
                .bind(&user.name)
                .bind(&user.password_hash)
                .bind(i64::from(user.is_superuser))
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?,
            };
        let user = user_from_row(&user);
        sqlx::query(
            "UPDATE organization_members SET user_id = $1, invite_token_hash = NULL, \
             invite_expires = NULL, date_added = $2 WHERE id = $3",
        )
        .bind(user.id)
        .bind(now_ms)
        .bind(member_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO team_members (team_id, user_id, role) \
             SELECT team_id, $1, role FROM organization_member_invite_teams WHERE member_id = $2",
        )
        .bind(user.id)
        .bind(member_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM organization_member_invite_teams WHERE member_id = $1")
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all)]
    async fn renew_invite(
        &self,
        member_id: i64,
        token_hash: &str,
        expires: i64,
    ) -> StoreResult<()> {
        touched_one(
            sqlx::query(
                "UPDATE organization_members SET invite_token_hash = $1, invite_expires = $2 \
                 WHERE id = $3 AND user_id IS NULL",
            )
            .bind(token_hash)
            .bind(expires)
            .bind(member_id)
            .execute(&self.writes)
            .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn create_team(
        &self,
        organization_id: i64,
        slug: &str,
        name: &str,
    ) -> StoreResult<TeamRow> {
        let row = sqlx::query(
            "INSERT INTO teams (organization_id, slug, name, date_created) \
             VALUES ($1, $2, $3, $4) RETURNING *",
        )
        .bind(organization_id)
        .bind(slug)
        .bind(name)
        .bind(now_ms())
        .fetch_one(&self.writes)
        .await?;
        Ok(team_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn update_organization(&self, organization: &OrganizationRow) -> StoreResult<()> {
        touched_one(
            sqlx::query(
                "UPDATE organizations SET slug = $1, name = $2, require_2fa = $3, \
                 allow_shared_issues = $4 WHERE id = $5",
            )
            .bind(&organization.slug)
            .bind(&organization.name)
            .bind(i64::from(organization.require_2fa))
            .bind(i64::from(organization.allow_shared_issues))
            .bind(organization.id)
            .execute(&self.writes)
            .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn update_team(&self, team: &TeamRow) -> StoreResult<()> {
        touched_one(
            sqlx::query("UPDATE teams SET slug = $1, name = $2 WHERE id = $3")
                .bind(&team.slug)
                .bind(&team.name)
                .bind(team.id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn delete_team(&self, team_id: i64) -> StoreResult<()> {
        touched_one(
            sqlx::query("DELETE FROM teams WHERE id = $1")
                .bind(team_id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn set_team_member(&self, team_id: i64, user_id: i64, join: bool) -> StoreResult<bool> {
        let sql = if join {
            "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES ($1, $2)"
        } else {
            "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2"
        };
        let result = sqlx::query(sql).bind(team_id).bind(user_id).execute(&self.writes).await?;
        Ok(result.rows_affected() > 0)
    }

    #[tracing::instrument(skip_all)]
    async fn create_key(&self, key: &NewKey) -> StoreResult<ProjectKeyRow> {
        let row = sqlx::query(
            "INSERT INTO project_keys (project_id, public_key, secret_key, label, date_created) \
             VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(key.project_id)
        .bind(&key.public_key)
        .bind(&key.secret_key)
        .bind(&key.label)
        .bind(now_ms())
        .fetch_one(&self.writes)
        .await?;
        Ok(key_from_row(&row))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_key(&self, key_id: i64) -> StoreResult<()> {
        touched_one(
            sqlx::query("DELETE FROM project_keys WHERE id = $1")
                .bind(key_id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn set_release_commits(
        &self,
        organization_id: i64,
        release_id: i64,
        commits: &[NewCommit],
    ) -> StoreResult<()> {
        workflow::set_release_commits(&self.writes, organization_id, release_id, commits).await
    }

    #[tracing::instrument(skip_all)]
    async fn release_commits(&self, release_id: i64) -> StoreResult<Vec<CommitRow>> {
        workflow::release_commits(&self.reads, release_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn release_commit_files(&self, release_id: i64) -> StoreResult<Vec<CommitFileRow>> {
        workflow::release_commit_files(&self.reads, release_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn release_commit_summaries(
        &self,
        release_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, ReleaseCommitSummary>> {
        workflow::release_commit_summaries(&self.reads, release_ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn repositories(&self, organization_id: i64) -> StoreResult<Vec<RepositoryRow>> {
        workflow::repositories(&self.reads, organization_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn repository(&self, organization_id: i64, id: i64) -> StoreResult<RepositoryRow> {
        self.read_repository(organization_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_repository(
        &self,
        organization_id: i64,
        name: &str,
        url: Option<&str>,
        provider: Option<&str>,
    ) -> StoreResult<RepositoryRow> {
        self.insert_repository(organization_id, name, url, provider).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_repository(
        &self,
        organization_id: i64,
        id: i64,
        name: Option<&str>,
        url: Option<&str>,
        provider: Option<&str>,
    ) -> StoreResult<RepositoryRow> {
        self.write_repository(organization_id, id, name, url, provider).await
    }

    #[tracing::instrument(skip_all)]
    async fn find_or_create_repository(
        &self,
        organization_id: i64,
        name: &str,
    ) -> StoreResult<RepositoryRow> {
        self.find_or_insert_repository(organization_id, name).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_environments(
        &self,
        project_id: i64,
        hidden: Option<bool>,
    ) -> StoreResult<Vec<EnvironmentRow>> {
        self.read_project_environments(project_id, hidden).await
    }

    #[tracing::instrument(skip_all)]
    async fn organization_environments(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        hidden: Option<bool>,
    ) -> StoreResult<Vec<EnvironmentRow>> {
        self.read_organization_environments(organization_id, project_ids, hidden).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_environment_hidden(
        &self,
        project_id: i64,
        name: &str,
        hidden: bool,
    ) -> StoreResult<EnvironmentRow> {
        self.write_environment_hidden(project_id, name, hidden).await
    }

    #[tracing::instrument(skip_all)]
    async fn code_mappings(
        &self,
        organization_id: i64,
        project_id: Option<i64>,
    ) -> StoreResult<Vec<CodeMappingRow>> {
        self.read_code_mappings(organization_id, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn code_mapping(&self, organization_id: i64, id: i64) -> StoreResult<CodeMappingRow> {
        self.read_code_mapping(organization_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn save_code_mapping(
        &self,
        organization_id: i64,
        id: Option<i64>,
        mapping: &NewCodeMapping,
    ) -> StoreResult<CodeMappingRow> {
        self.write_code_mapping(organization_id, id, mapping).await
    }

    #[tracing::instrument(skip_all)]
    async fn upsert_code_mapping(&self, mapping: &NewCodeMapping) -> StoreResult<bool> {
        self.insert_or_update_code_mapping(mapping).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_code_mapping(&self, organization_id: i64, id: i64) -> StoreResult<()> {
        self.remove_code_mapping(organization_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn previous_release_with_commits(&self, release_id: i64) -> StoreResult<Option<String>> {
        workflow::previous_release_with_commits(&self.reads, release_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn suspect_commit_candidates(
        &self,
        project_id: i64,
        release: &str,
    ) -> StoreResult<Vec<CommitRow>> {
        workflow::suspect_commit_candidates(&self.reads, project_id, release).await
    }

    #[tracing::instrument(skip_all)]
    async fn notifications(
        &self,
        user_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<NotificationRow>> {
        workflow::notifications(&self.reads, user_id, before, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn unread_notifications(&self, user_id: i64) -> StoreResult<i64> {
        workflow::unread_notifications(&self.reads, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn mark_notifications_read(&self, user_id: i64, ids: Option<&[i64]>) -> StoreResult<()> {
        workflow::mark_notifications_read(&self.writes, user_id, ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn pending_emails(&self, now: i64, max_age_ms: i64) -> StoreResult<Vec<PendingEmail>> {
        workflow::pending_emails(&self.writes, now, max_age_ms).await
    }

    #[tracing::instrument(skip_all)]
    async fn email_attempted(
        &self,
        notification_id: i64,
        sent: bool,
        retry_at: Option<i64>,
    ) -> StoreResult<()> {
        workflow::email_attempted(&self.writes, notification_id, sent, retry_at).await
    }

    #[tracing::instrument(skip_all)]
    async fn notification_options(&self, user_id: i64) -> StoreResult<Vec<NotificationOptionRow>> {
        workflow::notification_options(&self.reads, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_notification_option(
        &self,
        user_id: i64,
        kind: &str,
        value: &str,
    ) -> StoreResult<NotificationOptionRow> {
        workflow::set_notification_option(&self.writes, user_id, kind, value).await
    }
    #[tracing::instrument(skip_all)]
    async fn outcome_hours(
        &self,
        project_ids: &[i64],
        since: i64,
    ) -> StoreResult<Vec<OutcomeHourRow>> {
        if project_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT project_id, hour, source, category, reason, quantity FROM outcome_hourly \
             WHERE project_id IN ({}) AND hour >= ? ORDER BY hour",
            vec!["?"; project_ids.len()].join(",")
        );
        let rows = project_ids.iter().fold(sqlx::query(&sql), |q, id| q.bind(id)).bind(since);
        let rows = rows.fetch_all(&self.reads).await?;
        Ok(rows
            .iter()
            .map(|row| OutcomeHourRow {
                project_id: row.get("project_id"),
                hour: row.get("hour"),
                source: row.get("source"),
                category: row.get("category"),
                reason: row.get("reason"),
                quantity: row.get("quantity"),
            })
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn accepted_error_hours(
        &self,
        project_ids: &[i64],
        since: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        if project_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT i.project_id, h.hour, SUM(h.events) FROM issue_hourly h \
             JOIN issues i ON i.id = h.issue_id \
             WHERE i.project_id IN ({}) AND h.hour >= ? GROUP BY i.project_id, h.hour",
            vec!["?"; project_ids.len()].join(",")
        );
        let rows = project_ids.iter().fold(sqlx::query_as(&sql), |q, id| q.bind(id)).bind(since);
        Ok(rows.fetch_all(&self.reads).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn accepted_item_hours(
        &self,
        project_ids: &[i64],
        item_type: &str,
        bytes: bool,
        since: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        if project_ids.is_empty() {
            return Ok(Vec::new());
        }
        // `received` is in milliseconds; the index on (project, type, received) serves the
        // range, and `length()` of a blob reads its size from the row's header.
        let sql = format!(
            "SELECT project_id, (received / 3600000) * 3600 AS hour, {} FROM envelope_items \
             WHERE project_id IN ({}) AND item_type = ? AND received >= ? \
             GROUP BY project_id, hour",
            if bytes { "SUM(length(payload))" } else { "COUNT(*)" },
            vec!["?"; project_ids.len()].join(",")
        );
        let rows = project_ids.iter().fold(sqlx::query_as(&sql), |q, id| q.bind(id));
        Ok(rows.bind(item_type).bind(since.saturating_mul(1000)).fetch_all(&self.reads).await?)
    }

    #[tracing::instrument(skip_all)]
    async fn put_upload_chunks(
        &self,
        organization_id: i64,
        chunks: &[(String, Vec<u8>)],
        now: i64,
    ) -> StoreResult<()> {
        artifacts::put_upload_chunks(&self.writes, organization_id, chunks, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn missing_upload_chunks(
        &self,
        organization_id: i64,
        checksums: &[String],
    ) -> StoreResult<Vec<String>> {
        artifacts::missing_upload_chunks(&self.reads, organization_id, checksums).await
    }

    #[tracing::instrument(skip_all)]
    async fn upload_chunks(
        &self,
        organization_id: i64,
        checksums: &[String],
    ) -> StoreResult<std::collections::HashMap<String, Vec<u8>>> {
        artifacts::upload_chunks(&self.reads, organization_id, checksums).await
    }

    #[tracing::instrument(skip_all)]
    async fn artifact_bundle_by_checksum(
        &self,
        organization_id: i64,
        checksum: &str,
    ) -> StoreResult<Option<ArtifactBundleRow>> {
        artifacts::artifact_bundle_by_checksum(&self.reads, organization_id, checksum).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_artifact_bundle(
        &self,
        bundle: &NewArtifactBundle,
    ) -> StoreResult<ArtifactBundleRow> {
        artifacts::create_artifact_bundle(&self.writes, bundle).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_artifact_bundles(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<ArtifactBundleRow>> {
        artifacts::project_artifact_bundles(&self.reads, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_artifact_bundle(&self, project_id: i64, bundle_id: &str) -> StoreResult<bool> {
        artifacts::delete_artifact_bundle(&self.writes, project_id, bundle_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn project_artifacts(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<crate::ingest::sourcemaps::ArtifactMeta>> {
        artifacts::project_artifacts(&self.reads, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn artifact_contents(
        &self,
        project_id: i64,
        ids: &[i64],
    ) -> StoreResult<Vec<(i64, Vec<u8>)>> {
        artifacts::artifact_contents(&self.reads, project_id, ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_check_in(
        &self,
        project_id: i64,
        check_in: &crate::ingest::check_in::NewCheckIn,
        now_ms: i64,
    ) -> StoreResult<CheckInRecorded> {
        monitors::record_check_in(&self.writes, project_id, check_in, now_ms).await
    }

    #[tracing::instrument(skip_all)]
    async fn monitor_clock(&self, now_ms: i64) -> StoreResult<Vec<MonitorFailure>> {
        monitors::clock(&self.reads, &self.writes, now_ms).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_monitor_issue(
        &self,
        monitor_environment_id: i64,
        issue_id: i64,
    ) -> StoreResult<()> {
        monitors::set_issue(&self.writes, monitor_environment_id, issue_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn monitors(&self, project_ids: &[i64]) -> StoreResult<Vec<MonitorRow>> {
        monitors::monitors(&self.reads, project_ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn monitor(&self, project_id: i64, slug: &str) -> StoreResult<MonitorRow> {
        monitors::monitor(&self.reads, project_id, slug).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_monitor(
        &self,
        project_id: i64,
        slug: &str,
        name: &str,
        config: &str,
        now_ms: i64,
    ) -> StoreResult<MonitorRow> {
        monitors::create(&self.writes, project_id, slug, name, config, now_ms).await?;
        monitors::monitor(&self.writes, project_id, slug).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_monitor(&self, monitor_id: i64, change: &MonitorChange) -> StoreResult<()> {
        monitors::update(&self.writes, monitor_id, change).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_monitor(&self, monitor_id: i64) -> StoreResult<()> {
        touched_one(
            sqlx::query("DELETE FROM monitors WHERE id = $1")
                .bind(monitor_id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn set_monitor_environment_muted(
        &self,
        monitor_id: i64,
        environment: &str,
        muted: bool,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE monitor_environments SET is_muted = $3 \
             WHERE monitor_id = $1 AND environment = $2",
        )
        .bind(monitor_id)
        .bind(environment)
        .bind(muted)
        .execute(&self.writes)
        .await?;
        touched_one(result)
    }

    #[tracing::instrument(skip_all)]
    async fn delete_monitor_environment(
        &self,
        monitor_id: i64,
        environment: &str,
    ) -> StoreResult<()> {
        // Its check-ins go with it (their foreign key).
        let result = sqlx::query(
            "DELETE FROM monitor_environments WHERE monitor_id = $1 AND environment = $2",
        )
        .bind(monitor_id)
        .bind(environment)
        .execute(&self.writes)
        .await?;
        touched_one(result)
    }

    #[tracing::instrument(skip_all)]
    async fn monitor_check_ins(
        &self,
        monitor_id: i64,
        environment: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<CheckInRow>> {
        monitors::check_ins(&self.reads, monitor_id, environment, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn alert_rules(&self, project_id: i64) -> StoreResult<Vec<AlertRuleRow>> {
        alerts::rules(&self.reads, project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn alert_rules_of_project(
        &self,
        project_id: i64,
    ) -> StoreResult<Vec<crate::alerts::Rule>> {
        Ok(alerts::rules(&self.reads, project_id).await?.into_iter().map(|row| row.rule).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn create_alert_rule(
        &self,
        project_id: i64,
        rule: &crate::alerts::Rule,
        user_id: Option<i64>,
    ) -> StoreResult<i64> {
        alerts::create(&self.writes, project_id, rule, user_id, now_ms()).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_alert_rule(
        &self,
        project_id: i64,
        rule: &crate::alerts::Rule,
    ) -> StoreResult<()> {
        alerts::update(&self.writes, project_id, rule).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_alert_rule(&self, project_id: i64, rule_id: i64) -> StoreResult<()> {
        touched_one(
            sqlx::query("DELETE FROM alert_rules WHERE id = $1 AND project_id = $2")
                .bind(rule_id)
                .bind(project_id)
                .execute(&self.writes)
                .await?,
        )
    }

    #[tracing::instrument(skip_all)]
    async fn count_issue_events(
        &self,
        issue_id: i64,
        since: i64,
        environment: Option<&str>,
        limit: i64,
        users: bool,
    ) -> StoreResult<i64> {
        alerts::count_events(&self.reads, issue_id, since, environment, limit, users).await
    }

    #[tracing::instrument(skip_all)]
    async fn fire_alert_rule(
        &self,
        rule: &crate::alerts::Rule,
        issue_id: i64,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = begin_write(&self.writes).await?;
        let fired = alerts::fire(&mut tx, rule, issue_id, None, now_ms).await?;
        tx.commit().await?;
        Ok(fired)
    }

    #[tracing::instrument(skip_all)]
    async fn service_hooks(&self, project_id: i64) -> StoreResult<Vec<ServiceHookRow>> {
        self.hooks_of_project(project_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_service_hook(
        &self,
        hook: &ServiceHookRow,
        user_id: Option<i64>,
    ) -> StoreResult<ServiceHookRow> {
        self.insert_hook(hook, user_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn update_service_hook(&self, hook: &ServiceHookRow) -> StoreResult<()> {
        self.replace_hook(hook).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_service_hook(&self, project_id: i64, hook_id: i64) -> StoreResult<()> {
        self.remove_hook(project_id, hook_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn due_deliveries(&self, now_ms: i64, limit: i64) -> StoreResult<Vec<DueDelivery>> {
        self.due(now_ms, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_delivery_attempts(&self, attempts: &[DeliveryAttempt]) -> StoreResult<()> {
        self.record_attempts(attempts).await
    }

    #[tracing::instrument(skip_all)]
    async fn prune_deliveries(
        &self,
        expired_before: i64,
        finished_before: i64,
    ) -> StoreResult<u64> {
        self.prune(expired_before, finished_before).await
    }

    #[tracing::instrument(skip_all)]
    async fn hook_deliveries(&self, hook_id: i64, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
        self.deliveries_of_hook(hook_id, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn apply_retention(&self, cutoff_ms: i64) -> StoreResult<RetentionReport> {
        retention::apply(self, cutoff_ms).await
    }
}

/// Columns of a member joined with its user (`u.*` keeps the names [`user_from_row`] reads).
const MEMBER_COLUMNS: &str = "m.id AS m_id, m.organization_id AS m_organization_id, \
     m.role AS m_role, m.date_added AS m_date_added, m.email AS m_email, \
     m.invite_token_hash AS m_invite_token_hash, m.invite_expires AS m_invite_expires, \
     m.inviter_id AS m_inviter_id, u.id, u.email, u.name, u.password_hash, u.is_superuser";

/// A member without its teams (see [`with_member_teams`]).
fn member_from_row(row: &SqliteRow) -> MemberRow {
    let user = row.get::<Option<i64>, _>("id").map(|_| user_from_row(row));
    let invited: Option<String> = row.get("m_email");
    MemberRow {
        id: row.get("m_id"),
        organization_id: row.get("m_organization_id"),
        email: user.as_ref().map(|u| u.email.clone()).or(invited).unwrap_or_default(),
        user,
        role: row.get("m_role"),
        date_added: row.get("m_date_added"),
        invite_token_hash: row.get("m_invite_token_hash"),
        invite_expires: row.get("m_invite_expires"),
        inviter_id: row.get("m_inviter_id"),
        teams: Vec::new(),
    }
}

/// Fills in the teams of members of one organization: a member's team memberships, or the teams
/// a pending invitation grants.
async fn with_member_teams(
    pool: &SqlitePool,
    organization_id: i64,
    members: &mut [MemberRow],
) -> StoreResult<()> {
    let rows = sqlx::query(
        "SELECT m.id AS member_id, t.slug, tm.role FROM organization_members m \
         JOIN team_members tm ON tm.user_id = m.user_id \
         JOIN teams t ON t.id = tm.team_id AND t.organization_id = m.organization_id \
         WHERE m.organization_id = $1 \
         UNION ALL \
         SELECT i.member_id, t.slug, i.role FROM organization_member_invite_teams i \
         JOIN teams t ON t.id = i.team_id \
         JOIN organization_members m ON m.id = i.member_id \
         WHERE m.organization_id = $1 AND m.user_id IS NULL \
         ORDER BY 2",
    )
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    for row in rows {
        let member_id: i64 = row.get("member_id");
        if let Some(member) = members.iter_mut().find(|m| m.id == member_id) {
            member.teams.push((row.get("slug"), row.get("role")));
        }
    }
    Ok(())
}

/// `LastOwner` when the member is the organization's only (accepted) owner; run inside the
/// transaction that demotes or removes them, so two concurrent demotions cannot both pass.
async fn refuse_last_owner(
    conn: &mut sqlx::SqliteConnection,
    organization_id: i64,
    member_id: i64,
) -> StoreResult<()> {
    let other_owners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organization_members WHERE organization_id = $1 \
         AND role = 'owner' AND user_id IS NOT NULL AND id != $2",
    )
    .bind(organization_id)
    .bind(member_id)
    .fetch_one(&mut *conn)
    .await?;
    let is_owner: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM organization_members WHERE organization_id = $1 AND id = $2 \
         AND role = 'owner' AND user_id IS NOT NULL",
    )
    .bind(organization_id)
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    if is_owner.is_some() && other_owners == 0 {
        return Err(StoreError::LastOwner);
    }
    Ok(())
}

/// Fewer matching rows than this make a search term narrow: see [`SqliteStore::term_reads`].
const NARROW_TERM_ROWS: i64 = 500;

/// How the issue list reads one search term (see [`SqliteStore::term_reads`]).
#[derive(Debug, Clone)]
enum TermRead {
    /// Tested on each issue while a sort index is walked: many issues match, so a page fills
    /// quickly.
    PerIssue,
    /// A tag term few issues match: the set of its issues is read from its index first.
    FromIndex,
    /// Free text that the trigram index narrowed to these few candidate issues (a JSON array
    /// of issue ids, bound as one parameter); the LIKE still decides among them.
    Candidates(String),
}

impl SqliteStore {
    /// How to read each of a search's terms: from its index when few issues match it.
    ///
    /// A term can be tested two ways: per issue, while walking the issues in the order of a
    /// sort index (cheap when many issues match, since a page fills quickly), or as the set of
    /// its matching issues, read from an index and then sorted (cheap when few match). SQLite
    /// cannot tell the two cases apart without statistics, so each tag value or free text is
    /// first looked up in its index, up to [`NARROW_TERM_ROWS`]: a quick look that stops early.
    /// Free text keeps the candidates it found, so the trigram index (a few milliseconds per
    /// lookup on 10,000 issues) is read once per request, not again by the page and the count.
    async fn term_reads(&self, terms: &[crate::search::Term]) -> StoreResult<Vec<TermRead>> {
        use crate::search::Filter;
        let mut reads = Vec::with_capacity(terms.len());
        for term in terms {
            let read = match &term.filter {
                _ if term.negated => TermRead::PerIssue,
                Filter::Tag { key, values } if !values.iter().any(|v| v.contains('*')) => {
                    let mut total = 0;
                    for value in values {
                        let rows: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM (SELECT 1 FROM issue_tag_values \
                             WHERE key = $1 AND value = $2 LIMIT $3)",
                        )
                        .bind(key)
                        .bind(value)
                        .bind(NARROW_TERM_ROWS)
                        .fetch_one(&self.reads)
                        .await?;
                        total += rows;
                        if total >= NARROW_TERM_ROWS {
                            break;
                        }
                    }
                    if total < NARROW_TERM_ROWS {
                        TermRead::FromIndex
                    } else {
                        TermRead::PerIssue
                    }
                }
                Filter::Text(text) => match self.text_candidates(text, NARROW_TERM_ROWS).await? {
                    Some(ids) if (ids.len() as i64) < NARROW_TERM_ROWS => {
                        TermRead::Candidates(candidate_list(&ids))
                    }
                    _ => TermRead::PerIssue,
                },
                _ => TermRead::PerIssue,
            };
            reads.push(read);
        }
        Ok(reads)
    }

    /// Up to `limit` issues whose title or culprit may contain `text`, from the trigram index
    /// (a superset of the LIKE's matches, see migration 0015); `None` when the text has no run
    /// of three characters for the index to look up.
    async fn text_candidates(&self, text: &str, limit: i64) -> StoreResult<Option<Vec<i64>>> {
        let Some(fts) = trigram_query(text) else {
            return Ok(None);
        };
        let ids = sqlx::query_scalar(
            "SELECT rowid FROM issue_search WHERE issue_search MATCH $1 LIMIT $2",
        )
        .bind(fts)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?;
        Ok(Some(ids))
    }

    /// The page of [`Store::list_issues`], its terms read as given (see [`Self::term_reads`]).
    async fn list_issues_with(
        &self,
        query: &IssueQuery,
        reads: &[TermRead],
    ) -> StoreResult<Vec<IssueRow>> {
        let mut sql = IssueSql::new(query, reads);
        let column = sort_column(query.sort);
        let (direction, compare) = match query.cursor {
            Some(IssueCursor { is_prev: true, .. }) => ("ASC", ">"),
            _ => ("DESC", "<"),
        };
        if let Some(cursor) = query.cursor {
            // Keyset pagination: a row-value comparison on (sort key, id) that the sort
            // indexes serve directly, however deep the page.
            let value = sql.arg(Arg::Int(cursor.value));
            let id = sql.arg(Arg::Int(cursor.id));
            sql.clauses.push(format!("({column}, i.id) {compare} ({value}, {id})"));
        }
        let limit = sql.arg(Arg::Int(query.limit));
        // The page's ids first, then their rows: sorting by a key no index serves (e.g.
        // `sort=freq` over the whole organization) then sorts (key, id) pairs rather than whole
        // issue rows, several times faster on thousands of issues.
        let text = format!(
            "SELECT i.*, {PROJECT_COLUMNS} FROM \
             (SELECT i.id AS page_id FROM issues i \
              WHERE {} ORDER BY {column} {direction}, i.id {direction} LIMIT {limit}) page \
             JOIN issues i ON i.id = page.page_id \
             JOIN projects p ON p.id = i.project_id LEFT JOIN teams t ON t.id = p.team_id \
             ORDER BY {column} {direction}, i.id {direction}",
            sql.clauses.join(" AND ")
        );
        let rows = sql.bind(sqlx::query(&text)).fetch_all(&self.reads).await?;
        Ok(rows.iter().map(issue_from_row).collect())
    }

    /// [`Store::count_issues`] with the terms read as given.
    async fn count_issues_with(&self, query: &IssueQuery, reads: &[TermRead]) -> StoreResult<i64> {
        let sql = IssueSql::new(query, reads);
        // Counted up to MAX_ISSUE_HITS, as Sentry does (`X-Max-Hits`): an exact count of a broad
        // search would cost more than the page itself.
        let text = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM issues i WHERE {} LIMIT {MAX_ISSUE_HITS})",
            sql.clauses.join(" AND ")
        );
        let row = sql.bind(sqlx::query(&text)).fetch_one(&self.reads).await?;
        Ok(row.get(0))
    }
}

/// The issue column a sort orders by (fixed names, never user text).
fn sort_column(sort: IssueSort) -> &'static str {
    match sort {
        IssueSort::Date => "i.last_seen",
        IssueSort::New => "i.first_seen",
        IssueSort::Freq => "i.times_seen",
        IssueSort::User => "i.user_count",
        // PRIORITY_SORT_SCALE, written out: the expression is fixed SQL.
        IssueSort::Priority => "(i.priority * 10000000000000 + i.last_seen)",
        IssueSort::Inbox => "COALESCE(i.inbox_at, 0)",
    }
}

/// A value bound to a statement parameter.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

/// The WHERE clauses of an issue search and the values they bind. User text only ever
/// reaches SQL as a bound parameter; the clauses are built from fixed fragments.
struct IssueSql {
    clauses: Vec<String>,
    args: Vec<Arg>,
    /// The parameter holding the caller's user id, once a term needed it (bound once and
    /// shared, to keep the parameter count small).
    user: Option<String>,
    user_id: i64,
    now_ms: i64,
}

impl IssueSql {
    /// `reads[i]` says how to read term `i` (see [`SqliteStore::term_reads`]).
    fn new(query: &IssueQuery, reads: &[TermRead]) -> Self {
        let mut sql = IssueSql {
            clauses: Vec::new(),
            args: Vec::new(),
            user: None,
            user_id: query.user_id,
            now_ms: query.now_ms,
        };
        // Always $1: team slugs are looked up in this organization too.
        let org = sql.arg(Arg::Int(query.organization_id));
        // A subquery rather than a join: with the organization's projects as a list, SQLite
        // walks the issues in the order of a sort index instead of project by project
        // followed by a sort of every issue. The unary `+` keeps SQLite (3.46, with
        // statistics) from serving this term with a per-project index and then sorting every
        // issue of the organization, which it preferred for searches without a status term.
        sql.clauses.push(format!(
            "+i.project_id IN (SELECT id FROM projects WHERE organization_id = {org})"
        ));
        if !query.project_ids.is_empty() {
            let ids: Vec<String> =
                query.project_ids.iter().map(|id| sql.arg(Arg::Int(*id))).collect();
            sql.clauses.push(format!("i.project_id IN ({})", ids.join(", ")));
        }
        for (n, term) in query.terms.iter().enumerate() {
            let read = reads.get(n).unwrap_or(&TermRead::PerIssue);
            let clause = sql.filter(&term.filter, read);
            // COALESCE: a NULL (e.g. no assignee) must count as "does not match", so that
            // its negation matches.
            sql.clauses.push(if term.negated {
                format!("NOT COALESCE({clause}, 0)")
            } else {
                clause
            });
        }
        sql
    }

    /// Binds a value; returns its placeholder.
    fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn user(&mut self) -> String {
        if let Some(user) = &self.user {
            return user.clone();
        }
        let user = self.arg(Arg::Int(self.user_id));
        self.user = Some(user.clone());
        user
    }

    fn bind<'q>(
        &self,
        mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
        for arg in &self.args {
            query = match arg {
                Arg::Int(n) => query.bind(*n),
                Arg::Text(text) => query.bind(text.clone()),
                Arg::Blob(bytes) => query.bind(bytes.clone()),
            };
        }
        query
    }

    /// The SQL condition of one filter, in parentheses. A tag term read from its index or
    /// text with candidates is written as the set of its issues (`i.id IN (...)`), which
    /// SQLite reads first.
    fn filter(&mut self, filter: &crate::search::Filter, read: &TermRead) -> String {
        use crate::search::{Filter, IsValue};
        let any = |parts: Vec<String>| format!("({})", parts.join(" OR "));
        match filter {
            Filter::Is(values) => {
                let parts = values
                    .iter()
                    .map(|value| match value {
                        IsValue::Unresolved => "i.status = 'unresolved'".to_owned(),
                        IsValue::Resolved => "i.status = 'resolved'".to_owned(),
                        IsValue::Ignored => "i.status = 'ignored'".to_owned(),
                        IsValue::Assigned => ASSIGNED.to_owned(),
                        IsValue::Unassigned => format!("NOT {ASSIGNED}"),
                        IsValue::ForReview => {
                            // Sentry's inbox: unresolved issues that are new, regressed or
                            // escalating, for a week from then (when Sentry turns them
                            // "ongoing"), unless marked reviewed (see `IssueRow::inbox`).
                            let week_ago = self.arg(Arg::Int(self.now_ms - INBOX_MS));
                            format!(
                                "(i.status = 'unresolved' AND i.inbox_at >= {week_ago} AND \
                                 i.substatus IN ('new', 'regressed', 'escalating'))"
                            )
                        }
                    })
                    .collect();
                any(parts)
            }
            Filter::Assigned(actors) => {
                let parts = actors.iter().map(|actor| self.assignee(actor)).collect();
                any(parts)
            }
            // Sentry: assigned to them, or unassigned with them among the suggested owners
            // (the issue's owners by the ownership rules and CODEOWNERS).
            Filter::AssignedOrSuggested(actors) => {
                let parts = actors
                    .iter()
                    .map(|actor| {
                        let assigned = self.assignee(actor);
                        match self.suggested(actor) {
                            Some(owner) => format!(
                                "({assigned} OR (NOT {ASSIGNED} AND EXISTS (SELECT 1 FROM \
                                 issue_owners o WHERE o.issue_id = i.id AND {owner})))"
                            ),
                            // `none`: nobody assigned and nobody suggested.
                            None => format!(
                                "({assigned} AND NOT EXISTS (SELECT 1 FROM issue_owners o \
                                 WHERE o.issue_id = i.id))"
                            ),
                        }
                    })
                    .collect();
                any(parts)
            }
            Filter::Bookmarks(actors) => {
                let parts = actors
                    .iter()
                    .map(|actor| {
                        let who = match actor {
                            crate::search::Actor::Email(email) => {
                                let email = self.arg(Arg::Text(email.clone()));
                                format!("(SELECT id FROM users WHERE email = {email})")
                            }
                            // The parser only lets `me` and emails through.
                            _ => self.user(),
                        };
                        format!(
                            "EXISTS (SELECT 1 FROM issue_bookmarks b WHERE b.issue_id = i.id \
                             AND b.user_id = {who})"
                        )
                    })
                    .collect();
                any(parts)
            }
            Filter::Tag { key, values } => {
                let key = self.arg(Arg::Text(key.clone()));
                let parts: Vec<String> = values
                    .iter()
                    .map(|value| {
                        if value.contains('*') {
                            let pattern = self.arg(Arg::Text(wildcard(value)));
                            format!("tv.value LIKE {pattern} ESCAPE '\\'")
                        } else {
                            let value = self.arg(Arg::Text(value.clone()));
                            format!("tv.value = {value}")
                        }
                    })
                    .collect();
                if matches!(read, TermRead::FromIndex) {
                    format!(
                        "i.id IN (SELECT tv.issue_id FROM issue_tag_values tv \
                         WHERE tv.key = {key} AND ({}))",
                        parts.join(" OR ")
                    )
                } else {
                    format!(
                        "EXISTS (SELECT 1 FROM issue_tag_values tv WHERE tv.issue_id = i.id \
                         AND tv.key = {key} AND ({}))",
                        parts.join(" OR ")
                    )
                }
            }
            Filter::Has(key) => {
                let key = self.arg(Arg::Text(key.clone()));
                format!(
                    "EXISTS (SELECT 1 FROM issue_tag_values tv WHERE tv.issue_id = i.id \
                     AND tv.key = {key})"
                )
            }
            Filter::FirstRelease(values) => {
                let parts = values
                    .iter()
                    .map(|value| {
                        if value.contains('*') {
                            let pattern = self.arg(Arg::Text(wildcard(value)));
                            format!("i.first_release LIKE {pattern} ESCAPE '\\'")
                        } else {
                            format!("i.first_release = {}", self.arg(Arg::Text(value.clone())))
                        }
                    })
                    .collect();
                any(parts)
            }
            Filter::Trace(ids) => {
                let ids: Vec<String> =
                    ids.iter().map(|id| self.arg(Arg::Blob(id.to_vec()))).collect();
                // A trace has few events: the set of their issues is read from the trace index
                // once, whichever way the other terms are read.
                format!(
                    "i.id IN (SELECT e.issue_id FROM events e WHERE e.trace_id IN ({}))",
                    ids.join(", ")
                )
            }
            Filter::FirstSeen(range) => self.range("i.first_seen", range),
            Filter::LastSeen(range) => self.range("i.last_seen", range),
            Filter::TimesSeen(range) => self.range("i.times_seen", range),
            // The issue lists resolve release selectors into `release` tag filters before
            // they search (`endpoints::api::issues::resolve_release_terms`); one that reached
            // the store unresolved names no release it knows.
            Filter::Release(_) => "0".to_owned(),
            Filter::Unhandled(unhandled) => format!("i.is_unhandled = {}", i64::from(*unhandled)),
            Filter::RegressedInRelease(versions) => {
                let versions: Vec<String> =
                    versions.iter().map(|v| self.arg(Arg::Text(v.clone()))).collect();
                format!(
                    "EXISTS (SELECT 1 FROM activities a WHERE a.issue_id = i.id \
                     AND a.kind = 'set_regression' \
                     AND json_extract(a.data, '$.version') IN ({}))",
                    versions.join(", ")
                )
            }
            Filter::ResolvedInRelease(versions) => {
                let versions: Vec<String> =
                    versions.iter().map(|v| self.arg(Arg::Text(v.clone()))).collect();
                format!(
                    "(i.status = 'resolved' \
                     AND json_extract(i.status_details, '$.inRelease') IN ({}))",
                    versions.join(", ")
                )
            }
            // Fixed numbers, not user text.
            Filter::Priority(priorities) => {
                let codes: Vec<String> = priorities.iter().map(|p| p.code().to_string()).collect();
                format!("i.priority IN ({})", codes.join(", "))
            }
            Filter::Text(text) => {
                let pattern = self.arg(Arg::Text(format!("%{}%", wildcard(text))));
                let like = format!(
                    "(i.title LIKE {pattern} ESCAPE '\\' OR i.culprit LIKE {pattern} \
                     ESCAPE '\\')"
                );
                match read {
                    // The trigram index found a superset of the matches; the LIKE keeps the
                    // exact semantics on those few rows. Text that many issues match is
                    // quicker tested on the issues a sort index walks through.
                    TermRead::Candidates(ids) => {
                        let ids = self.arg(Arg::Text(ids.clone()));
                        format!("(i.id IN (SELECT value FROM json_each({ids})) AND {like})")
                    }
                    TermRead::PerIssue | TermRead::FromIndex => like,
                }
            }
        }
    }

    fn assignee(&mut self, actor: &crate::search::Actor) -> String {
        use crate::search::Actor;
        match actor {
            // Sentry: `me` is the caller alone; their teams are `my_teams`.
            Actor::Me => format!("i.assignee_user_id = {}", self.user()),
            Actor::Nobody => format!("NOT {ASSIGNED}"),
            Actor::MyTeams => format!(
                "i.assignee_team_id IN (SELECT team_id FROM team_members WHERE user_id = {})",
                self.user()
            ),
            Actor::Team(slug) => {
                let slug = self.arg(Arg::Text(slug.clone()));
                format!(
                    "i.assignee_team_id IN (SELECT id FROM teams WHERE organization_id = $1 \
                     AND slug = {slug})"
                )
            }
            Actor::Email(email) => {
                let email = self.arg(Arg::Text(email.clone()));
                format!("i.assignee_user_id IN (SELECT id FROM users WHERE email = {email})")
            }
        }
    }

    /// The condition on an `issue_owners o` row naming the actor; `None` for `none`.
    fn suggested(&mut self, actor: &crate::search::Actor) -> Option<String> {
        use crate::search::Actor;
        Some(match actor {
            Actor::Me => format!("o.user_id = {}", self.user()),
            Actor::Nobody => return None,
            Actor::MyTeams => format!(
                "o.team_id IN (SELECT team_id FROM team_members WHERE user_id = {})",
                self.user()
            ),
            Actor::Team(slug) => {
                let slug = self.arg(Arg::Text(slug.clone()));
                format!(
                    "o.team_id IN (SELECT id FROM teams WHERE organization_id = $1 \
                     AND slug = {slug})"
                )
            }
            Actor::Email(email) => {
                let email = self.arg(Arg::Text(email.clone()));
                format!("o.user_id IN (SELECT id FROM users WHERE email = {email})")
            }
        })
    }

    fn range(&mut self, column: &str, range: &crate::search::Range) -> String {
        let mut parts = Vec::new();
        if let Some(min) = range.min {
            parts.push(format!("{column} >= {}", self.arg(Arg::Int(min))));
        }
        if let Some(max) = range.max {
            parts.push(format!("{column} <= {}", self.arg(Arg::Int(max))));
        }
        if parts.is_empty() {
            return "1".to_owned();
        }
        format!("({})", parts.join(" AND "))
    }
}

/// Someone or some team is assigned.
const ASSIGNED: &str = "(i.assignee_user_id IS NOT NULL OR i.assignee_team_id IS NOT NULL)";

/// The FTS5 query over `issue_search` (a trigram index) that every issue whose title or
/// culprit contains `text` (with `*` wildcards) matches: each run of text between wildcards
/// that is long enough for a trigram, as a quoted phrase, all of them required. `None` when
/// no run has three characters: the index cannot narrow such a search.
fn trigram_query(text: &str) -> Option<String> {
    let phrases: Vec<String> = text
        .split('*')
        .filter(|run| run.chars().count() >= 3)
        .map(|run| format!("\"{}\"", run.replace('"', "\"\"")))
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

/// Issue ids as a JSON array, for `json_each`: one bound parameter however many there are.
fn candidate_list(ids: &[i64]) -> String {
    use std::fmt::Write as _;
    let mut list = String::with_capacity(ids.len() * 6 + 2);
    list.push('[');
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            list.push(',');
        }
        let _ = write!(list, "{id}");
    }
    list.push(']');
    list
}

/// A LIKE pattern for text with Sentry's `*` wildcard: everything else matches literally.
fn wildcard(text: &str) -> String {
    escape_like(text).replace('*', "%")
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

async fn add_member_on(
    conn: &mut sqlx::SqliteConnection,
    organization_id: i64,
    user_id: i64,
    role: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO organization_members (organization_id, user_id, role, date_added) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind(role)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT OR IGNORE INTO team_members (team_id, user_id) \
         SELECT id, $2 FROM teams WHERE organization_id = $1",
    )
    .bind(organization_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores one event inside an open transaction: finds or creates its issue by hash, updates the
/// issue's counters, records the distinct user. Returns the issue id.
const EVENT_COLUMNS: &str = "id, project_id, issue_id, event_id, timestamp, received, data";

fn event_from_row(row: &SqliteRow) -> StoreResult<EventRow> {
    Ok(EventRow {
        id: row.get("id"),
        project_id: row.get("project_id"),
        issue_id: row.get("issue_id"),
        event_id: row.get("event_id"),
        timestamp: row.get("timestamp"),
        received: row.get("received"),
        data: crate::store::event_data::decode(row.try_get::<&[u8], _>("data")?)?,
    })
}

impl SqliteStore {
    /// The ids of the events before and after `event` in its issue (by time, then arrival).
    async fn with_neighbours(&self, event: EventRow) -> StoreResult<IssueEvent> {
        let neighbour = |comparison: &str, order: &str| {
            format!(
                "SELECT event_id FROM events WHERE issue_id = $1 AND (timestamp, id) {comparison} \
                 ($2, $3) ORDER BY timestamp {order}, id {order} LIMIT 1"
            )
        };
        let previous_event_id = sqlx::query_scalar(&neighbour("<", "DESC"))
            .bind(event.issue_id)
            .bind(event.timestamp)
            .bind(event.id)
            .fetch_optional(&self.reads)
            .await?;
        let next_event_id = sqlx::query_scalar(&neighbour(">", "ASC"))
            .bind(event.issue_id)
            .bind(event.timestamp)
            .bind(event.id)
            .fetch_optional(&self.reads)
            .await?;
        Ok(IssueEvent { event, previous_event_id, next_event_id })
    }
}

/// Whether an event on a resolved issue makes it a regression. Resolved outright: always.
/// Resolved in release R: for an event of R or a later release (the fix did not hold).
/// Resolved in the next release after C (`currentRelease`): for an event of a release after C.
/// "Later" is by semantic version, or else by which release Cairn saw first. An event without
/// a release counts as a regression: it cannot show the fix is in place.
async fn is_regression(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    event: &NewEvent,
) -> StoreResult<bool> {
    let details: String = sqlx::query_scalar("SELECT status_details FROM issues WHERE id = $1")
        .bind(issue_id)
        .fetch_one(&mut *tx)
        .await?;
    let details: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
    let (fixed_in, strictly_after) = match (
        details.get("inRelease").and_then(serde_json::Value::as_str),
        details.get("currentRelease").and_then(serde_json::Value::as_str),
    ) {
        (Some(release), _) => (release, false),
        (None, Some(current)) if details.get("inNextRelease").is_some() => (current, true),
        (None, None) if details.get("inNextRelease").is_some() => {
            return Ok(event.release.is_none())
        }
        _ => return Ok(true),
    };
    let Some(release) = event.release.as_deref() else {
        return Ok(true);
    };
    if release == fixed_in {
        // In the release that was to have the fix: it did not. In the release that had the
        // bug (resolved in the next one): expected.
        return Ok(!strictly_after);
    }
    let newer = match crate::ingest::release::compare(release, fixed_in) {
        Some(order) => order == std::cmp::Ordering::Greater,
        None => {
            // Not semantic versions: the release first seen later is the newer one.
            let first_seen =
                "SELECT MIN(timestamp) FROM events WHERE project_id = $1 AND release = $2";
            let ours: Option<i64> = sqlx::query_scalar(first_seen)
                .bind(event.project_id)
                .bind(release)
                .fetch_one(&mut *tx)
                .await?;
            let fixed: Option<i64> = sqlx::query_scalar(first_seen)
                .bind(event.project_id)
                .bind(fixed_in)
                .fetch_one(&mut *tx)
                .await?;
            match (ours, fixed) {
                (Some(ours), Some(fixed)) => ours > fixed,
                // A release never seen before this event is a new one.
                (None, _) => true,
                // The fix release was never seen, so this known release is older than it.
                (Some(_), None) => strictly_after,
            }
        }
    };
    Ok(newer)
}

/// `NotFound` when a statement that names one row by its id changed none.
fn touched_one(result: sqlx::sqlite::SqliteQueryResult) -> StoreResult<()> {
    if result.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Appends to an issue's activity log.
async fn record_activity(
    conn: &mut sqlx::SqliteConnection,
    issue_id: i64,
    kind: &str,
    user_id: Option<i64>,
    data: &str,
    at: i64,
) -> StoreResult<i64> {
    let id = sqlx::query_scalar(
        "INSERT INTO activities (issue_id, kind, user_id, data, date_created) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(issue_id)
    .bind(kind)
    .bind(user_id)
    .bind(data)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Records that `ident` saw the issue; `true` if it had not before.
async fn record_issue_user(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    ident: &str,
) -> StoreResult<bool> {
    let inserted =
        sqlx::query("INSERT OR IGNORE INTO issue_users (issue_id, ident) VALUES ($1, $2)")
            .bind(issue_id)
            .bind(ident)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    Ok(inserted > 0)
}

/// Stores one event and groups it into an issue. Returns the issue and whether the event is
/// new (`false` for a duplicate event id, which is acknowledged but stored once).
/// Returns the issue, whether the event is new (not a duplicate), and whether it opened the
/// issue.
async fn store_one_event(
    tx: &mut sqlx::SqliteConnection,
    event: &NewEvent,
) -> StoreResult<(i64, bool, bool)> {
    // One round trip for the common case: is this a duplicate (an SDK retry, acknowledged but
    // stored once, as Sentry does), and which issue, in which status, has the event's first
    // hash?
    let first_hash = event.hashes.first().map(String::as_str).unwrap_or_default();
    let (duplicate, mut issue_id, mut status): (Option<i64>, Option<i64>, Option<String>) =
        sqlx::query_as(
            "SELECT (SELECT issue_id FROM events WHERE project_id = $1 AND event_id = $2), \
             (SELECT issue_id FROM issue_hashes WHERE project_id = $1 AND hash = $3), \
             (SELECT i.status FROM issue_hashes h JOIN issues i ON i.id = h.issue_id \
              WHERE h.project_id = $1 AND h.hash = $3)",
        )
        .bind(event.project_id)
        .bind(&event.event_id)
        .bind(first_hash)
        .fetch_one(&mut *tx)
        .await?;
    if let Some(issue_id) = duplicate {
        return Ok((issue_id, false, false));
    }
    // The hashes before the one that found the issue are new: they must be recorded.
    let mut found_at = issue_id.map(|_| 0);
    for (i, hash) in event.hashes.iter().enumerate().skip(1) {
        if issue_id.is_some() {
            break;
        }
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT h.issue_id, i.status FROM issue_hashes h JOIN issues i ON i.id = h.issue_id \
             WHERE h.project_id = $1 AND h.hash = $2",
        )
        .bind(event.project_id)
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        (issue_id, status) = found.map_or((None, None), |(id, status)| (Some(id), Some(status)));
        found_at = issue_id.map(|_| i);
    }

    let mut regressed = false;
    let mut reappeared = false;
    // What ended an "ignore", when this event did.
    let mut snooze_end = None;
    // The `first_seen` activity of the issue this event opens.
    let mut opened_activity = None;
    let issue_id = match issue_id {
        Some(id) => {
            // The user first, so that the issue's counters change in one statement.
            let new_user = match &event.user_ident {
                Some(ident) => record_issue_user(tx, id, ident).await?,
                None => false,
            };
            // A resolved issue that sees a new event comes back as a regression (when it was
            // resolved in a release, only for an event of a newer release); an ignored
            // one whose "ignore until" condition this event meets comes back as escalating.
            // (SET reads the row as it was: every CASE sees the old status.)
            let (regress, escalate) = match status.as_deref() {
                Some("resolved") => (is_regression(tx, id, event).await?, false),
                Some("ignored") => {
                    snooze_end = triage::snooze_ends(tx, id, event, new_user).await?;
                    (false, snooze_end.is_some())
                }
                _ => (false, false),
            };
            let new_status: String = sqlx::query_scalar(
                "UPDATE issues SET times_seen = times_seen + 1, user_count = user_count + $5, \
                 last_seen = MAX(last_seen, $2), first_seen = MIN(first_seen, $2), \
                 level = $3, is_unhandled = MAX(is_unhandled, $4), \
                 substatus = CASE WHEN status = 'resolved' AND $7 THEN 'regressed' \
                   WHEN status = 'ignored' AND $6 THEN 'escalating' \
                   ELSE substatus END, \
                 status_details = CASE WHEN status = 'resolved' AND $7 THEN '{}' \
                   WHEN status = 'ignored' AND $6 THEN '{}' \
                   ELSE status_details END, \
                 inbox_at = CASE WHEN status = 'resolved' AND $7 THEN $8 \
                   WHEN status = 'ignored' AND $6 THEN $8 \
                   ELSE inbox_at END, \
                 substatus_at = CASE WHEN status = 'resolved' AND $7 THEN $8 \
                   WHEN status = 'ignored' AND $6 THEN $8 \
                   ELSE substatus_at END, \
                 status = CASE WHEN status = 'resolved' AND $7 THEN 'unresolved' \
                   WHEN status = 'ignored' AND $6 THEN 'unresolved' \
                   ELSE status END \
                 WHERE id = $1 RETURNING status",
            )
            .bind(id)
            .bind(event.timestamp)
            .bind(&event.level)
            .bind(i64::from(event.is_unhandled))
            .bind(i64::from(new_user))
            .bind(escalate)
            .bind(regress)
            .bind(event.received)
            .fetch_one(&mut *tx)
            .await?;
            match (status.as_deref(), new_status.as_str()) {
                (Some("resolved"), "unresolved") => {
                    regressed = true;
                    let data = serde_json::json!({ "version": event.release }).to_string();
                    let activity =
                        record_activity(tx, id, "set_regression", None, &data, event.received)
                            .await?;
                    let at = event.received;
                    notify_participants(tx, id, Some(activity), "set_regression", &data, None, at)
                        .await?;
                }
                (Some("ignored"), "unresolved") => {
                    reappeared = true;
                    // Sentry's activity: `set_escalating` with the forecast it went past, or
                    // the snooze whose condition this event met (`expired_snooze`).
                    let data = match snooze_end.take() {
                        Some(triage::SnoozeEnd::Escalated { forecast }) => {
                            serde_json::json!({ "forecast": forecast, "event_id": event.event_id })
                        }
                        Some(triage::SnoozeEnd::Condition { expired }) => {
                            serde_json::json!({ "expired_snooze": expired, "event_id": event.event_id })
                        }
                        None => serde_json::json!({ "event_id": event.event_id }),
                    }
                    .to_string();
                    let activity =
                        record_activity(tx, id, "set_escalating", None, &data, event.received)
                            .await?;
                    // Its participants hear of it, as of a regression (Sentry's escalating
                    // notification).
                    let at = event.received;
                    notify_participants(tx, id, Some(activity), "set_escalating", &data, None, at)
                        .await?;
                    triage::escalate_priority(tx, id, event.received).await?;
                }
                _ => {}
            }
            id
        }
        None => {
            // An event that was on its way while its issue was deleted and discarded: dropped
            // as ingestion drops the later ones, which learns of the discard through its
            // project cache (checked here only when an issue would open, which is rare).
            if discarded::is_discarded(tx, event).await? {
                return Ok((discarded::DROPPED, false, false));
            }
            let short_id: i64 = sqlx::query_scalar(
                "UPDATE projects SET next_short_id = next_short_id + 1 WHERE id = $1 \
                 RETURNING next_short_id - 1",
            )
            .bind(event.project_id)
            .fetch_one(&mut *tx)
            .await?;
            let issue_id: i64 = sqlx::query_scalar(
                "INSERT INTO issues (project_id, short_id, title, culprit, level, platform, \
                 event_type, metadata, logger, is_unhandled, first_seen, last_seen, times_seen, \
                 first_release, priority, initial_priority, inbox_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1, $12, $13, $13, \
                 $11) \
                 RETURNING id",
            )
            .bind(event.project_id)
            .bind(short_id)
            .bind(&event.title)
            .bind(&event.culprit)
            .bind(&event.level)
            .bind(&event.platform)
            .bind(&event.event_type)
            .bind(&event.metadata)
            .bind(&event.logger)
            .bind(i64::from(event.is_unhandled))
            .bind(event.timestamp)
            .bind(&event.release)
            .bind(Priority::for_level(&event.level).code())
            .fetch_one(&mut *tx)
            .await?;
            let first_seen =
                record_activity(tx, issue_id, "first_seen", None, "{}", event.received).await?;
            opened_activity = Some(first_seen);
            issue_id
        }
    };

    // Ownership is found again when an issue opens or regresses (Sentry's moments for it);
    // projects without rules carry no ownership and cost nothing here.
    let opened = found_at.is_none();
    if let Some(ownership) = event.ownership.as_ref().filter(|_| opened || regressed) {
        ownership::apply_event_ownership(tx, issue_id, ownership, opened, event.received).await?;
    }
    // After ownership, whose owners it notifies.
    if let Some(first_seen) = opened_activity {
        workflow::notify_new_issue(tx, issue_id, event.project_id, first_seen, event.received)
            .await?;
    }

    // Every hash of the event now points at its issue (the first one found wins). The hash that
    // found the issue is there already; when it is the only one, nothing is written.
    for (i, hash) in event.hashes.iter().enumerate() {
        if Some(i) == found_at {
            continue;
        }
        sqlx::query(
            "INSERT OR IGNORE INTO issue_hashes (project_id, hash, issue_id) VALUES ($1, $2, $3)",
        )
        .bind(event.project_id)
        .bind(hash)
        .bind(issue_id)
        .execute(&mut *tx)
        .await?;
    }

    if let (None, Some(ident)) = (found_at, &event.user_ident) {
        // A new issue: its first user.
        if record_issue_user(tx, issue_id, ident).await? {
            sqlx::query("UPDATE issues SET user_count = user_count + 1 WHERE id = $1")
                .bind(issue_id)
                .execute(&mut *tx)
                .await?;
        }
    }

    let sql = format!("{INSERT_EVENTS}{}", writer::placeholder_rows(1, INSERTED_EVENT_VALUES));
    bind_event(sqlx::query(&sql), issue_id, event).execute(&mut *tx).await?;

    // The project's alert rules, on what this event did to its issue (the event counted).
    let transition = match (opened, regressed, reappeared) {
        (true, _, _) => Some(Transition::Opened),
        (_, true, _) => Some(Transition::Regressed),
        (_, _, true) => Some(Transition::Reappeared),
        _ => None,
    };
    if let Some(transition) = transition {
        alerts::on_transition(tx, issue_id, event, transition).await?;
    }
    Ok((issue_id, true, found_at.is_none()))
}

/// The start of an `events` insert; [`bind_event`] binds one row's [`INSERTED_EVENT_VALUES`] values.
const INSERT_EVENTS: &str = "INSERT INTO events (project_id, issue_id, event_id, timestamp, \
     received, level, title, platform, release, environment, user_ident, data, primary_hash, \
     trace_id) VALUES ";
const INSERTED_EVENT_VALUES: usize = 14;

/// Binds the values of one `events` row, in [`INSERT_EVENTS`]' column order.
fn bind_event<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    issue_id: i64,
    event: &'q NewEvent,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(event.project_id)
        .bind(issue_id)
        .bind(&event.event_id)
        .bind(event.timestamp)
        .bind(event.received)
        .bind(&event.level)
        .bind(&event.title)
        .bind(&event.platform)
        .bind(&event.release)
        .bind(&event.environment)
        .bind(&event.user_ident)
        .bind(event.data.as_bytes())
        .bind(event.hashes.first())
        .bind(event.trace_id.as_ref().map(|id| id.as_slice()))
}

/// Inserts an organization with its team and a project (with a DSN key), named as in `seed`.
async fn insert_organization(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    seed: &Defaults,
) -> StoreResult<OrganizationRow> {
    let now = now_ms();
    let org = sqlx::query(
        "INSERT INTO organizations (slug, name, date_created) VALUES ($1, $2, $3) RETURNING *",
    )
    .bind(&seed.organization)
    .bind(&seed.organization)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let org = organization_from_row(&org);
    let team_id: i64 = sqlx::query_scalar(
        "INSERT INTO teams (organization_id, slug, name, date_created) \
             VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(org.id)
    .bind(&seed.team)
    .bind(&seed.team)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let project = NewProject {
        organization_id: org.id,
        team_id,
        slug: seed.project.clone(),
        name: seed.project.clone(),
        platform: None,
        public_key: crate::auth::random_hex(16),
        secret_key: crate::auth::random_hex(16),
    };
    insert_project(tx, &project, now).await?;
    Ok(org)
}

impl SqliteStore {
    /// Writes a consistent copy of the whole database to a new file at `path` (SQLite's
    /// `VACUUM INTO`), while the server goes on: it reads one snapshot, as any reader does,
    /// and writes it compacted. The file must not exist yet.
    pub async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()> {
        if path.exists() {
            return Err(StoreError::Conflict(format!("{} exists already", path.display())));
        }
        let target = path.to_str().ok_or_else(|| {
            StoreError::Conflict(format!("{} is not a UTF-8 path", path.display()))
        })?;
        sqlx::query("VACUUM INTO ?").bind(target).execute(&self.reads).await?;
        Ok(())
    }
}

/// A database file in `dir` migrated by the migrations before `first_left_out` alone (e.g.
/// `"0020"`), for tests of what a later migration does to the rows of the time; with a pool
/// on it, to put those rows in. Opening a [`SqliteStore`] on the file then runs the rest.
#[cfg(test)]
pub(crate) async fn database_before(
    dir: &tempfile::TempDir,
    first_left_out: &str,
) -> (std::path::PathBuf, SqlitePool) {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let older = dir.path().join("older-migrations");
    std::fs::create_dir(&older).expect("migrations directory");
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&all).expect("migrations") {
        let path = entry.expect("migration").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.as_str() < first_left_out {
            std::fs::copy(&path, older.join(&name)).expect("copy migration");
        }
    }
    let path = dir.path().join("cairn.db");
    let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    let pool = SqlitePoolOptions::new().connect_with(options).await.expect("database");
    let migrator = sqlx::migrate::Migrator::new(older.as_path()).await.expect("migrations");
    migrator.run(&pool).await.expect("the older migrations run");
    (path, pool)
}

/// A row of `issue_tag_values` (`key, value, times_seen, first_seen, last_seen`).
fn tag_value_row(row: &SqliteRow) -> TagValueRow {
    TagValueRow {
        key: row.get("key"),
        value: row.get("value"),
        times_seen: row.get("times_seen"),
        first_seen: row.get("first_seen"),
        last_seen: row.get("last_seen"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store on a fresh file with the default organization, two users (the caller, a
    /// member of the default team, and someone else), a second team the caller is not in, and
    /// five issues assigned and bookmarked in every way the search can tell apart.
    async fn assigned_store() -> (tempfile::TempDir, SqliteStore, IssueQuery) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        let org = store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        let user = |email: &str| NewUser {
            email: email.into(),
            name: email.into(),
            password_hash: None,
            is_superuser: false,
        };
        let me = store.create_user(&user("me@example.com")).await.expect("me");
        let other = store.create_user(&user("b@example.com")).await.expect("other");
        store.add_member(org.id, me.id, "member").await.expect("member");
        let teams = store.teams(org.id).await.expect("teams");
        let my_team = teams[0].id;
        let project = store.projects(org.id).await.expect("projects")[0].id;
        let db = &store.writes;
        let ops: i64 = sqlx::query_scalar(
            "INSERT INTO teams (organization_id, slug, name, date_created) \
             VALUES ($1, 'ops', 'Ops', 0) RETURNING id",
        )
        .bind(org.id)
        .fetch_one(db)
        .await
        .expect("team");
        let issues: [(&str, Option<i64>, Option<i64>); 5] = [
            ("mine", Some(me.id), None),
            ("theirs", Some(other.id), None),
            ("my-team", None, Some(my_team)),
            ("ops-team", None, Some(ops)),
            ("nobody", None, None),
        ];
        for (n, (title, user_id, team_id)) in issues.iter().enumerate() {
            let n = n as i64 + 1;
            sqlx::query(
                "INSERT INTO issues (project_id, short_id, title, culprit, level, platform, \
                 event_type, metadata, first_seen, last_seen, times_seen, assignee_user_id, \
                 assignee_team_id) \
                 VALUES ($1, $2, $3, '', 'error', 'rust', 'error', '{}', $2, $2, 1, $4, $5)",
            )
            .bind(project)
            .bind(n)
            .bind(title)
            .bind(user_id)
            .bind(team_id)
            .execute(db)
            .await
            .expect("issue");
        }
        for (title, user_id) in [("theirs", me.id), ("nobody", me.id), ("mine", other.id)] {
            sqlx::query(
                "INSERT INTO issue_bookmarks (issue_id, user_id, date_created) \
                 SELECT id, $2, 0 FROM issues WHERE title = $1",
            )
            .bind(title)
            .bind(user_id)
            .execute(db)
            .await
            .expect("bookmark");
        }
        let query = IssueQuery {
            organization_id: org.id,
            user_id: me.id,
            now_ms: now_ms(),
            limit: 100,
            ..IssueQuery::default()
        };
        (dir, store, query)
    }

    async fn titles(store: &SqliteStore, query: &IssueQuery, search: &str) -> Vec<String> {
        let query = IssueQuery {
            terms: crate::search::parse(search, query.now_ms).expect("valid search"),
            ..query.clone()
        };
        let mut titles: Vec<String> = store
            .list_issues(&query)
            .await
            .expect("list")
            .rows
            .into_iter()
            .map(|i| i.title)
            .collect();
        titles.sort();
        let count = store.count_issues(&query).await.expect("count");
        assert_eq!(count, titles.len() as i64, "{search}");
        titles
    }

    #[tokio::test]
    async fn assigned_and_bookmark_searches() {
        let (_dir, store, query) = assigned_store().await;
        let cases: [(&str, &[&str]); 15] = [
            ("assigned:me", &["mine"]),
            ("assigned:my_teams", &["my-team"]),
            ("assigned:[me, my_teams]", &["mine", "my-team"]),
            ("assigned:#ops", &["ops-team"]),
            ("assigned:#nosuchteam", &[]),
            ("assigned:B@example.com", &["theirs"]),
            ("assigned:none", &["nobody"]),
            ("!assigned:me", &["my-team", "nobody", "ops-team", "theirs"]),
            ("assigned_or_suggested:[me, #ops]", &["mine", "ops-team"]),
            ("is:assigned", &["mine", "my-team", "ops-team", "theirs"]),
            ("is:unassigned", &["nobody"]),
            ("bookmarks:me", &["nobody", "theirs"]),
            ("bookmarks:b@example.com", &["mine"]),
            ("!bookmarks:me", &["mine", "my-team", "ops-team"]),
            ("bookmarks:me assigned:none", &["nobody"]),
        ];
        for (search, expected) in cases {
            assert_eq!(titles(&store, &query, search).await, expected, "{search}");
        }
    }

    /// Titles of a search run with every tag and text term read one way: `narrow` from
    /// their indexes first, or else tested on each issue.
    async fn titles_read(
        store: &SqliteStore,
        query: &IssueQuery,
        search: &str,
        narrow: bool,
    ) -> (Vec<String>, i64) {
        let query = IssueQuery {
            terms: crate::search::parse(search, query.now_ms).expect("valid search"),
            ..query.clone()
        };
        let mut reads = Vec::new();
        for term in &query.terms {
            reads.push(match &term.filter {
                crate::search::Filter::Text(text) if narrow => {
                    match store.text_candidates(text, i64::MAX).await.expect("candidates") {
                        Some(ids) => TermRead::Candidates(candidate_list(&ids)),
                        None => TermRead::PerIssue,
                    }
                }
                _ if narrow => TermRead::FromIndex,
                _ => TermRead::PerIssue,
            });
        }
        let mut titles: Vec<String> = store
            .list_issues_with(&query, &reads)
            .await
            .expect("list")
            .into_iter()
            .map(|i| i.title)
            .collect();
        titles.sort();
        let count = store.count_issues_with(&query, &reads).await.expect("count");
        (titles, count)
    }

    #[tokio::test]
    async fn text_and_tag_terms_match_the_same_from_their_index_or_per_issue() {
        let (_dir, store, query) = assigned_store().await;
        let db = &store.writes;
        for (title, culprit) in [("mine", "app.views in checkout"), ("nobody", "Ünïcode 100%_done")]
        {
            sqlx::query("UPDATE issues SET culprit = $2 WHERE title = $1")
                .bind(title)
                .bind(culprit)
                .execute(db)
                .await
                .expect("culprit");
        }
        for (title, key, value) in [
            ("mine", "server", "web-1"),
            ("theirs", "server", "web-2"),
            ("nobody", "server", "web-1"),
            ("nobody", "browser", "Firefox 120"),
        ] {
            sqlx::query(
                "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, \
                 last_seen) SELECT id, $2, $3, 1, 0, 0 FROM issues WHERE title = $1",
            )
            .bind(title)
            .bind(key)
            .bind(value)
            .execute(db)
            .await
            .expect("tag value");
        }
        let cases: [(&str, &[&str]); 20] = [
            // Title or culprit, any case, anywhere in the text.
            ("TEAM", &["my-team", "ops-team"]),
            ("y-tea", &["my-team"]),
            ("views in", &["mine"]),
            ("CHECKOUT", &["mine"]),
            ("Ünïcode 1", &["nobody"]),
            // Wildcards, and the LIKE characters `%` and `_` taken literally.
            ("app*checkout", &["mine"]),
            ("o*team", &["ops-team"]),
            ("100%_d", &["nobody"]),
            ("100_", &[]),
            // Too short for a trigram: still found.
            ("ps", &["ops-team"]),
            ("m*e", &["mine", "my-team"]),
            (r#""a \"quote\"""#, &[]),
            ("!team", &["mine", "nobody", "theirs"]),
            ("server:web-1", &["mine", "nobody"]),
            ("server:[web-2, web-3]", &["theirs"]),
            ("!server:web-1", &["my-team", "ops-team", "theirs"]),
            ("server:web-1 browser:\"Firefox 120\"", &["nobody"]),
            ("server:web-1 checkout", &["mine"]),
            ("server:nosuch", &[]),
            ("has:browser", &["nobody"]),
        ];
        for (search, expected) in cases {
            for narrow in [true, false] {
                let (titles, count) = titles_read(&store, &query, search, narrow).await;
                assert_eq!(titles, expected, "{search} (narrow: {narrow})");
                assert_eq!(count, expected.len() as i64, "{search} (narrow: {narrow})");
            }
            // And as the store decides for itself.
            assert_eq!(titles(&store, &query, search).await, expected, "{search}");
        }
    }

    #[tokio::test]
    async fn text_index_follows_new_renamed_and_deleted_issues() {
        let (_dir, store, query) = assigned_store().await;
        let db = &store.writes;
        assert_eq!(titles(&store, &query, "theirs").await, ["theirs"]);
        sqlx::query("UPDATE issues SET title = 'renamed issue' WHERE title = 'theirs'")
            .execute(db)
            .await
            .expect("rename");
        assert!(titles(&store, &query, "theirs").await.is_empty());
        assert_eq!(titles(&store, &query, "renamed").await, ["renamed issue"]);
        let id: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE title = 'mine'")
            .fetch_one(db)
            .await
            .expect("id");
        store.delete_issue(id).await.expect("delete");
        let indexed: Vec<(i64, String)> =
            sqlx::query_as("SELECT rowid, title FROM issue_search ORDER BY rowid")
                .fetch_all(db)
                .await
                .expect("index rows");
        let issues: Vec<(i64, String)> = sqlx::query_as("SELECT id, title FROM issues ORDER BY id")
            .fetch_all(db)
            .await
            .expect("issue rows");
        assert_eq!(indexed, issues);
    }

    #[test]
    fn trigram_queries_quote_each_run_between_wildcards() {
        assert_eq!(trigram_query("cache miss").as_deref(), Some(r#""cache miss""#));
        assert_eq!(
            trigram_query(r#"say "hi"*there"#).as_deref(),
            Some(r#""say ""hi""" AND "there""#)
        );
        assert_eq!(trigram_query("ab*cd"), None);
        assert_eq!(trigram_query("ab*cde").as_deref(), Some(r#""cde""#));
    }

    #[tokio::test]
    async fn keyset_pages_cover_ties_once() {
        // Every issue has times_seen 1: the id must break the ties for the cursor to be exact.
        let (_dir, store, query) = assigned_store().await;
        let mut query = IssueQuery { sort: IssueSort::Freq, limit: 2, ..query };
        let mut seen = Vec::new();
        loop {
            let page = store.list_issues(&query).await.expect("page");
            // Counted in all on every page, the last one (fewer rows than the limit) too.
            assert_eq!(page.hits, 5, "hits after {:?}", query.cursor);
            let page = page.rows;
            let Some(last) = page.last() else { break };
            query.cursor =
                Some(IssueCursor { value: last.times_seen, id: last.id, is_prev: false });
            seen.extend(page.iter().map(|i| i.id));
        }
        assert_eq!(seen.len(), 5);
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest id first: {seen:?}");
        // And back: the page before the third issue is the first two, nearest first.
        query.cursor = Some(IssueCursor { value: 1, id: seen[2], is_prev: true });
        let before: Vec<i64> =
            store.list_issues(&query).await.expect("page").rows.iter().map(|i| i.id).collect();
        assert_eq!(before, [seen[1], seen[0]]);
    }
}
