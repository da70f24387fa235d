//! Storage: one [`Store`] trait that every endpoint uses, one implementation per database.
//!
//! The trait speaks in Cairn's own terms (organizations, projects, issues, events), never in SQL,
//! so that the SQLite implementation ([`sqlite::SqliteStore`]) and the PostgreSQL one that will
//! follow are interchangeable. Handlers are generic over `S: Store`; the backend is chosen once at
//! start-up from the database URL.

pub mod event_data;
pub mod models;
pub mod sqlite;
pub mod workflow;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub use event_data::EventData;
pub use models::*;

/// Recent searches kept per user and type (Sentry's `MAX_RECENT_SEARCHES`).
pub const MAX_RECENT_SEARCHES: i64 = 30;
pub use workflow::*;

/// How many ingest requests are on their way to [`Store::store_batch`]: received, and still
/// being parsed, scrubbed and grouped. The event writer waits a little for them before it
/// commits (see `sqlite::writer`), so that one commit carries more requests.
#[derive(Debug, Clone, Default)]
pub struct Arrivals(Arc<AtomicUsize>);

impl Arrivals {
    /// Counts one request in until the returned guard is dropped.
    pub fn announce(&self) -> Arrival {
        self.0.fetch_add(1, Ordering::Relaxed);
        Arrival(Arc::clone(&self.0))
    }

    /// Whether any request is on its way.
    pub fn any(&self) -> bool {
        self.0.load(Ordering::Relaxed) > 0
    }
}

/// One request on its way to the writer (see [`Arrivals`]); dropping it counts it out, also
/// when the request is refused before it reaches the store.
#[derive(Debug)]
pub struct Arrival(Arc<AtomicUsize>);

impl Drop for Arrival {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write (e.g. a slug that is taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A database failure in the event writer, which calls SQLite directly.
    #[error("database error in the event writer: {0}")]
    Writer(#[from] rusqlite::Error),
    /// The schema could not be migrated.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Too many writes are waiting; the caller should shed load and retry later.
    #[error("too many writes are waiting")]
    Overloaded,
    /// The store cannot take writes right now (its writer task stopped).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be decoded (a bug or a hand-edited database).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The change would leave an organization without an owner.
    #[error("the organization must keep an owner")]
    LastOwner,
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

/// The most issues [`Store::count_issues`] counts (Sentry's `X-Max-Hits`).
pub const MAX_ISSUE_HITS: i64 = 1000;

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The database behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// `sqlite:` URLs (the default).
    Sqlite,
    /// `postgres:` / `postgresql:` URLs.
    Postgres,
}

impl DbKind {
    /// Which database a URL names; `None` for an unknown scheme.
    pub fn from_url(url: &str) -> Option<DbKind> {
        if url.starts_with("sqlite:") {
            Some(DbKind::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(DbKind::Postgres)
        } else {
            None
        }
    }
}

/// Everything Cairn keeps. Grouped by aggregate; methods never leak SQL types.
pub trait Store: Clone + Send + Sync + 'static {
    // --- accounts -------------------------------------------------------------------------

    /// How many user accounts exist (0 means the instance still needs its owner).
    fn count_users(&self) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Creates a user; `Conflict` if the email is taken.
    fn create_user(&self, user: &NewUser) -> impl Future<Output = StoreResult<UserRow>> + Send;
    /// Creates the very first user and makes them owner of the default organization, atomically:
    /// `Conflict` if any user already exists (two browsers racing on the first-run page).
    fn create_first_user(
        &self,
        user: &NewUser,
        organization_id: i64,
    ) -> impl Future<Output = StoreResult<UserRow>> + Send;
    /// The user with this (case-insensitive) email.
    fn user_by_email(&self, email: &str) -> impl Future<Output = StoreResult<UserRow>> + Send;
    /// Stores an API token (its hash) for a user.
    fn create_api_token(
        &self,
        token: &NewApiToken,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// A user's API tokens, newest first.
    fn api_tokens(
        &self,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ApiTokenRow>>> + Send;
    /// Deletes one of the user's API tokens (`NotFound` if it is not theirs).
    fn delete_api_token(
        &self,
        user_id: i64,
        token_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The user and scopes behind an API token hash.
    fn user_by_token_hash(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = StoreResult<(UserRow, Vec<String>)>> + Send;
    /// Stores a login session (its hash).
    fn create_session(&self, session: &NewSession) -> impl Future<Output = StoreResult<()>> + Send;
    /// The user of a live (unexpired) session.
    fn user_by_session_hash(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<UserRow>> + Send;
    /// Ends a session (logout).
    fn delete_session(&self, token_hash: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// Ends every session of a user but `keep` (a session's hash), if given; returns how many
    /// ended.
    fn delete_user_sessions(
        &self,
        user_id: i64,
        keep: Option<&str>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// A user's account: the user, when they joined and their live sessions.
    fn account(
        &self,
        user_id: i64,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<AccountRow>> + Send;
    /// Renames a user.
    fn set_user_name(
        &self,
        user_id: i64,
        name: &str,
    ) -> impl Future<Output = StoreResult<UserRow>> + Send;
    /// Sets a user's password hash and, in the same transaction, ends every session of theirs
    /// but `keep_session` (a session's hash): whoever knew the old password is logged out.
    /// Returns how many sessions ended.
    fn set_user_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    // --- two-factor authentication ------------------------------------------------------

    /// The user's authenticator; `NotFound` if they have none.
    fn authenticator(
        &self,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<AuthenticatorRow>> + Send;
    /// Enrolls an authenticator app with its recovery codes (their hashes); `Conflict` if the
    /// user has one.
    fn enroll_authenticator(
        &self,
        user_id: i64,
        totp_secret: &str,
        recovery_hashes: &[String],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes the user's authenticator and recovery codes; `NotFound` if there is none.
    fn remove_authenticator(&self, user_id: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// Accepts the code of the 30-second `step` unless a code of that step or a later one was
    /// accepted before (a replayed code); whether it was.
    fn use_totp_step(
        &self,
        user_id: i64,
        step: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Uses up the recovery code with this hash; whether it was one of the user's, unused.
    fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    // --- audit log --------------------------------------------------------------------------

    /// What happened in an organization's projects between `start` and `end` (Unix
    /// milliseconds): errors (and in the week before `start`), new, resolved and regressed
    /// issues, sessions and crashes, and the `top` issues with the most events.
    fn weekly_report(
        &self,
        organization_id: i64,
        start: i64,
        end: i64,
        top: i64,
    ) -> impl Future<Output = StoreResult<WeeklyReportRow>> + Send;
    /// Claims the weekly report of the week starting at `week_start` (Unix milliseconds) for
    /// every organization that existed before `week_end` and has not had it: returns those
    /// organizations, whose members are then to be sent it (at most once, across restarts
    /// and nodes).
    fn claim_weekly_reports(
        &self,
        week_start: i64,
        week_end: i64,
    ) -> impl Future<Output = StoreResult<Vec<OrganizationRow>>> + Send;

    /// The saved searches `user_id` sees in an organization: the shared ones, then their own,
    /// each by name.
    fn saved_searches(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<SavedSearchRow>>> + Send;
    /// Saves a search (`id` ignored); returns it as kept.
    fn create_saved_search(
        &self,
        search: &SavedSearchRow,
    ) -> impl Future<Output = StoreResult<SavedSearchRow>> + Send;
    /// Changes a saved search's name, query, sort and visibility; [`StoreError::NotFound`]
    /// when the organization has none with its id.
    fn update_saved_search(
        &self,
        search: &SavedSearchRow,
    ) -> impl Future<Output = StoreResult<SavedSearchRow>> + Send;
    /// Deletes a saved search of the organization.
    fn delete_saved_search(
        &self,
        organization_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Records that `user_id` ran a search of `kind` now (`now`, Unix ms): a new recent search,
    /// or the same one moved forward; keeps the user's newest [`MAX_RECENT_SEARCHES`]. Returns
    /// whether it was new.
    fn record_recent_search(
        &self,
        organization_id: i64,
        user_id: i64,
        kind: i64,
        query: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// A user's recent searches of `kind` containing `containing` (all when empty), newest
    /// first, at most `limit`.
    fn recent_searches(
        &self,
        organization_id: i64,
        user_id: i64,
        kind: i64,
        containing: &str,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<RecentSearchRow>>> + Send;

    /// Adds an entry to an organization's audit log.
    fn record_audit(&self, entry: &NewAuditEntry) -> impl Future<Output = StoreResult<()>> + Send;
    /// An organization's audit log, newest first: up to `limit` entries below the id `before`,
    /// of `event` and by the user `actor` when given.
    fn audit_log(
        &self,
        organization_id: i64,
        event: Option<&str>,
        actor: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<AuditRow>>> + Send;

    // --- organizations, teams, projects ---------------------------------------------------

    /// Creates the default organization, team and project on an empty database and returns the
    /// default organization (the oldest one) either way.
    fn ensure_default_organization(
        &self,
        defaults: &Defaults,
    ) -> impl Future<Output = StoreResult<OrganizationRow>> + Send;
    /// Creates another organization with a team and a project (with a DSN key), named as in
    /// `seed`; `Conflict` if the organization slug is taken.
    fn create_organization(
        &self,
        seed: &Defaults,
    ) -> impl Future<Output = StoreResult<OrganizationRow>> + Send;
    /// Adds a user to an organization with a role (and to all its teams, for now).
    fn add_member(
        &self,
        organization_id: i64,
        user_id: i64,
        role: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The organizations a user is a member of, with the user's role in each.
    fn organizations_of_user(
        &self,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<(OrganizationRow, String)>>> + Send;
    /// An organization by slug.
    fn organization_by_slug(
        &self,
        slug: &str,
    ) -> impl Future<Output = StoreResult<OrganizationRow>> + Send;
    /// The role of a user in an organization; `NotFound` if not a member.
    fn member_role(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<String>> + Send;
    /// The teams of an organization.
    fn teams(&self, organization_id: i64)
        -> impl Future<Output = StoreResult<Vec<TeamRow>>> + Send;
    /// A team by slug.
    fn team_by_slug(
        &self,
        organization_id: i64,
        slug: &str,
    ) -> impl Future<Output = StoreResult<TeamRow>> + Send;
    /// Creates a project owned by a team, with its first DSN key.
    fn create_project(
        &self,
        project: &NewProject,
    ) -> impl Future<Output = StoreResult<ProjectRow>> + Send;
    /// The projects of an organization.
    fn projects(
        &self,
        organization_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ProjectRow>>> + Send;
    /// Saves a project's slug, name and platform; `Conflict` when another project of the
    /// organization has the slug.
    fn update_project(
        &self,
        project_id: i64,
        slug: &str,
        name: &str,
        platform: Option<&str>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Gives a project to a team (`None`: to no team).
    fn set_project_team(
        &self,
        project_id: i64,
        team_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a project with its keys, issues, events, stored items and release health,
    /// in chunks that let ingestion of other projects go on; returns the public keys it had.
    fn delete_project(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    /// A project by slug.
    fn project_by_slug(
        &self,
        organization_id: i64,
        slug: &str,
    ) -> impl Future<Output = StoreResult<ProjectRow>> + Send;
    /// The id of the issue with a short id (`BACKEND-1A`: the project slug and the counter) in
    /// an organization; `NotFound` if there is none.
    fn issue_id_by_short_id(
        &self,
        organization_id: i64,
        project_slug: &str,
        counter: i64,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// The DSN keys of a project.
    fn project_keys(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ProjectKeyRow>>> + Send;
    /// Saves a key's name, state and rate limit (the row's `id` picks the key).
    fn update_key(&self, key: &ProjectKeyRow) -> impl Future<Output = StoreResult<()>> + Send;
    /// The key with this public part, for ingestion.
    fn key_by_public(
        &self,
        public_key: &str,
    ) -> impl Future<Output = StoreResult<ProjectKeyRow>> + Send;

    // --- events and issues ----------------------------------------------------------------

    /// Stores what one ingest request brought: processed events (each grouped into an issue),
    /// raw items and dropped-data counts, in one transaction. When this returns `Ok`, all of it
    /// is durable. Returns the issue id of each event, in order. `Overloaded` when too many
    /// writes are already waiting.
    fn store_batch(&self, batch: IngestBatch)
        -> impl Future<Output = StoreResult<Vec<i64>>> + Send;
    /// Announces an ingest request that will call [`Store::store_batch`] once it has processed
    /// its events; drop the guard just before that call (or when the request is refused).
    fn announce_arrival(&self) -> Arrival;
    /// Subscribes to the [`IssueUpdate`]s of every later write batch, published once the batch
    /// is durable. Publishing never waits for subscribers: one that falls behind by more than
    /// the channel holds gets `Lagged` and should reload what it shows.
    fn issue_updates(&self) -> tokio::sync::broadcast::Receiver<IssueUpdate>;
    /// Writes the issue counters that ingestion keeps in memory under load (summed across
    /// commits, written at the latest after a second), so that what is read next counts every
    /// event acknowledged before this call. Cheap when nothing is pending.
    fn sync_counters(&self) -> impl Future<Output = StoreResult<()>> + Send;
    /// The tag keys of an organization's issues (of these projects, if any), most used first:
    /// `(key, distinct values)`.
    fn organization_tag_keys(
        &self,
        organization_id: i64,
        project_ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<(String, i64)>>> + Send;
    /// Up to `limit` values of a tag across an organization's issues (of these projects, if
    /// any) that contain `contains`, most frequent first.
    fn organization_tag_values(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        key: &str,
        contains: &str,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<TagValueRow>>> + Send;
    /// What ingestion needs to know about a project.
    fn project_ingest_settings(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<ProjectIngestSettings>> + Send;
    /// Replaces what ingestion knows about a project (rate limit, scrubbing, origins). Ingest
    /// nodes pick the change up within their cache's lifetime.
    fn set_project_ingest_settings(
        &self,
        project_id: i64,
        settings: &ProjectIngestSettings,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The dropped-data counts of a project: `(source, category, reason, quantity)`.
    fn outcomes(&self, project_id: i64) -> impl Future<Output = StoreResult<Vec<Outcome>>> + Send;
    /// One issue with its organization.
    fn issue(
        &self,
        issue_id: i64,
    ) -> impl Future<Output = StoreResult<(IssueRow, OrganizationRow)>> + Send;
    /// The issue shared by the public link `share_id`, with its organization.
    fn shared_issue(
        &self,
        share_id: &str,
    ) -> impl Future<Output = StoreResult<(IssueRow, OrganizationRow)>> + Send;
    /// Shares the issue by the public link `share_id` (an issue already shared keeps its
    /// link), or stops sharing it (`None`).
    fn set_issue_share(
        &self,
        issue_id: i64,
        share_id: Option<&str>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Changes an issue's status and records who did it in the activity log.
    fn set_issue_status(
        &self,
        issue_id: i64,
        change: &StatusChange,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Adds a comment (an activity of kind `note`); returns its id.
    fn add_comment(
        &self,
        issue_id: i64,
        user_id: i64,
        text: &str,
        mentioned: &[Assignee],
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Replaces the text of a comment of the issue.
    fn update_comment(
        &self,
        issue_id: i64,
        comment_id: i64,
        text: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a comment of the issue.
    fn delete_comment(
        &self,
        issue_id: i64,
        comment_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes an issue with its events, hashes, counts and activity. A later event with one
    /// of its hashes opens a new issue.
    fn delete_issue(&self, issue_id: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes an issue as [`Store::delete_issue`] does, after keeping its hashes as
    /// discarded: the project's later events with one of them are dropped at ingestion
    /// ([`ProjectIngestSettings::discarded_hashes`]). Returns how many hashes it had.
    fn discard_issue(
        &self,
        issue_id: i64,
        actor_user_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// A project's discarded issues, newest first: up to `limit` below the id `before`.
    fn discarded_issues(
        &self,
        project_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<DiscardedIssueRow>>> + Send;
    /// Undiscards a discarded issue of the project: its hashes' later events open an issue
    /// again. Returns it as it was; [`StoreError::NotFound`] when the project has no such one.
    fn undiscard_issue(
        &self,
        project_id: i64,
        discarded_issue_id: i64,
    ) -> impl Future<Output = StoreResult<DiscardedIssueRow>> + Send;

    // Triage: merge, unmerge, assignment, seen and bookmarks.

    /// Merges `children` into `parent` (same project): their events, hashes, users, counts and
    /// comments move to it, they are deleted, and the parent's activity records the merge.
    fn merge_issues(
        &self,
        parent: i64,
        children: &[i64],
        user_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The other issues of a project, most recently seen first, at most `limit`: the ones
    /// compared with `issue_id` for its similar issues, each with its stored similarity
    /// features (`None` until they are made).
    fn similarity_candidates(
        &self,
        project_id: i64,
        issue_id: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<(i64, Option<Vec<u8>>)>>> + Send;
    /// Keeps issues' similarity features (an issue deleted meanwhile is skipped).
    fn save_similarity_features(
        &self,
        features: &[(i64, Vec<u8>)],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The grouping hashes of an issue, with the newest event of each.
    fn issue_hashes(
        &self,
        issue_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<IssueHash>>> + Send;
    /// Moves hashes of an issue, and the events they grouped, into a new issue; returns its id.
    fn unmerge_hashes(
        &self,
        issue_id: i64,
        hashes: &[String],
        user_id: i64,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Assigns an issue to a member or team, or unassigns it (`None`), recording the change in
    /// the activity log; returns whether anything changed.
    fn assign_issue(
        &self,
        issue_id: i64,
        assignee: Option<Assignee>,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Sets an issue's priority for a user, which locks it against Cairn's own changes, and
    /// records the change in the activity log; returns whether the priority changed.
    fn set_issue_priority(
        &self,
        issue_id: i64,
        priority: Priority,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Marks an issue reviewed (`true`: out of the "For Review" inbox, Sentry's `inbox: false`)
    /// or puts it back, recording Sentry's `mark_reviewed` activity; returns whether anything
    /// changed.
    fn set_issue_reviewed(
        &self,
        issue_id: i64,
        reviewed: bool,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Turns the issues that have been new, regressed or escalating for a week at `now` (Unix
    /// milliseconds) ongoing, as Sentry does by itself; returns how many.
    fn mark_ongoing(&self, now: i64) -> impl Future<Output = StoreResult<usize>> + Send;
    /// Marks an issue as seen by a user now (`true`) or as not seen.
    fn set_issue_seen(
        &self,
        issue_id: i64,
        user_id: i64,
        seen: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Bookmarks an issue for a user, or removes the bookmark.
    fn set_issue_bookmark(
        &self,
        issue_id: i64,
        user_id: i64,
        bookmarked: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Subscribes a user to an issue's workflow notifications, or unsubscribes them, whatever
    /// they did (Sentry's `isSubscribed`).
    fn set_issue_subscription(
        &self,
        issue_id: i64,
        user_id: i64,
        subscribed: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Whether a user is subscribed to an issue, and why.
    fn issue_subscription(
        &self,
        issue_id: i64,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<IssueSubscription>> + Send;
    /// The people who hear of an issue's workflow: its subscribers and assignees.
    fn issue_participants(
        &self,
        issue_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<UserRow>>> + Send;
    /// The members of the issue's organization who have opened it (Sentry's `seenBy`), each
    /// with when they last did (Unix ms), the most recent first.
    fn issue_seen_by(
        &self,
        issue_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<(UserRow, i64)>>> + Send;
    /// Per-user state (seen, bookmarked) and assignees of these issues.
    fn issue_viewer_state(
        &self,
        issue_ids: &[i64],
        user_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<IssueViewerState>>> + Send;
    /// A member of the organization by user id or email (not a pending invitation).
    fn organization_member(
        &self,
        organization_id: i64,
        user_id: Option<i64>,
        email: Option<&str>,
    ) -> impl Future<Output = StoreResult<UserRow>> + Send;
    /// The release of a project's most recent event that has one.
    fn latest_release(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// Sentry's `release:latest`: for each project (every project of the organization when
    /// `project_ids` is empty), the version of its most recently created release.
    fn latest_release_versions(
        &self,
        organization_id: i64,
        project_ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    /// An issue's activity log, newest first.
    fn issue_activity(
        &self,
        issue_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ActivityRow>>> + Send;
    /// One event of an issue, with its neighbours.
    fn issue_event(
        &self,
        issue_id: i64,
        which: &EventSelector,
    ) -> impl Future<Output = StoreResult<IssueEvent>> + Send;
    /// An event of a project by its id, with its neighbours in its issue.
    fn project_event(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> impl Future<Output = StoreResult<IssueEvent>> + Send;
    /// The attachments of a project's event, oldest first, without their bytes.
    fn event_attachments(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<AttachmentRow>>> + Send;
    /// The attachments of an issue's events, newest first, without their bytes: `limit` of
    /// them after skipping `offset`, only of these Sentry types when any are given, only
    /// screenshots when `screenshots`.
    fn issue_attachments(
        &self,
        issue_id: i64,
        types: &[String],
        screenshots: bool,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<AttachmentRow>>> + Send;
    /// One attachment of a project's event with its bytes; `NotFound` if the id is not one of
    /// that event's attachments.
    fn event_attachment(
        &self,
        project_id: i64,
        event_id: &str,
        attachment_id: i64,
    ) -> impl Future<Output = StoreResult<(AttachmentRow, Vec<u8>)>> + Send;
    /// The user feedback of a project, newest first: `limit` reports after skipping `offset`.
    fn project_user_reports(
        &self,
        project_id: i64,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<UserReportRow>>> + Send;
    /// The user feedback of an organization's projects (of `project_ids` only, unless empty),
    /// newest first: `limit` reports after skipping `offset`.
    fn organization_user_reports(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<UserReportRow>>> + Send;
    /// The newest user report on a project's event (`NotFound` if none).
    fn latest_user_report(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> impl Future<Output = StoreResult<UserReportRow>> + Send;
    /// Deletes a project's `user_report` items about `event_id` but the newest (one report per
    /// event, as Sentry keeps); how many went.
    fn delete_earlier_user_reports(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// How many user feedback reports an issue's events have.
    fn issue_user_report_count(
        &self,
        issue_id: i64,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// The user feedback on an issue's events, newest first: `limit` reports after skipping
    /// `offset`.
    fn issue_user_reports(
        &self,
        issue_id: i64,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<UserReportRow>>> + Send;
    /// The error events of a distributed trace in an organization's projects (only
    /// `event_id`, if given), oldest first: the first `limit` to arrive.
    fn trace_errors(
        &self,
        organization_id: i64,
        trace_id: &[u8; 16],
        event_id: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<TraceErrorRow>>> + Send;
    /// How many error events and transactions a distributed trace has in an organization's
    /// projects, and in how many projects.
    fn trace_counts(
        &self,
        organization_id: i64,
        trace_id: &[u8; 16],
    ) -> impl Future<Output = StoreResult<TraceCounts>> + Send;
    /// The transactions of a distributed trace in an organization's projects, by start time:
    /// the first `limit`.
    fn trace_transactions(
        &self,
        organization_id: i64,
        trace_id: &[u8; 16],
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<TraceTransactionRow>>> + Send;
    /// The transactions of an organization's projects (`project_ids`, or all when empty) that
    /// started at `since` (Unix seconds) or later, named `name` if given: the newest `limit`.
    fn period_transactions(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        since: f64,
        name: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<PeriodTransaction>>> + Send;
    /// A project's transaction by its event id, as it was stored (spans included);
    /// [`StoreError::NotFound`] when the project has none with that id.
    fn project_transaction(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> impl Future<Output = StoreResult<StoredTransaction>> + Send;
    /// A project's events, newest (last stored) first: `limit` of them after skipping `offset`.
    fn project_events(
        &self,
        project_id: i64,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<EventRow>>> + Send;
    /// An issue's events, newest first: `limit` of them after skipping `offset`.
    fn issue_events(
        &self,
        issue_id: i64,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<EventRow>>> + Send;
    /// A page of one tag's values of an issue: `limit` of them after skipping `offset`, in
    /// `sort`'s order (the value itself breaks ties).
    fn issue_tag_value_page(
        &self,
        issue_id: i64,
        key: &str,
        sort: TagValueSort,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<TagValueRow>>> + Send;
    /// The tag values of an issue (of one tag, if `key` is given), most frequent first.
    fn issue_tag_values(
        &self,
        issue_id: i64,
        key: Option<&str>,
    ) -> impl Future<Output = StoreResult<Vec<TagValueRow>>> + Send;
    /// Events of these issues since `since_hour` (Unix seconds), summed in buckets of
    /// `bucket_secs` (a whole number of hours) counted from `since_hour`:
    /// `(issue, bucket start, events)`.
    fn issue_hourly(
        &self,
        issue_ids: &[i64],
        since_hour: i64,
        bucket_secs: i64,
    ) -> impl Future<Output = StoreResult<Vec<(i64, i64, i64)>>> + Send;
    /// Up to `query.limit` issues of an organization's projects that match the query, in the
    /// query's order after its cursor; for a previous-page cursor, the issues before it,
    /// nearest to the cursor first (the caller reverses them). With them, how many issues
    /// match in all (cursor and limit aside), counted up to [`MAX_ISSUE_HITS`]: one call, so
    /// that the search's terms are looked up in their indexes once for both.
    fn list_issues(
        &self,
        query: &IssueQuery,
    ) -> impl Future<Output = StoreResult<IssuePage>> + Send;

    // --- members, invitations, teams and keys (the accounts part of the Web API) ---------

    /// The members of an organization, pending invitations included, oldest first.
    fn members(
        &self,
        organization_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<MemberRow>>> + Send;
    /// One member (or pending invitation) of an organization by member id.
    fn member(
        &self,
        organization_id: i64,
        member_id: i64,
    ) -> impl Future<Output = StoreResult<MemberRow>> + Send;
    /// The membership of a user in an organization.
    fn member_of_user(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<MemberRow>> + Send;
    /// A member by id in any organization, with the organization: what an invitation link
    /// names.
    fn member_by_id(
        &self,
        member_id: i64,
    ) -> impl Future<Output = StoreResult<(MemberRow, OrganizationRow)>> + Send;
    /// Creates a pending invitation; `Conflict` if the address is a member or already invited.
    fn create_invite(
        &self,
        invite: &NewInvite,
    ) -> impl Future<Output = StoreResult<MemberRow>> + Send;
    /// Changes a member's role; `LastOwner` if that would leave the organization without an
    /// owner.
    fn set_member_role(
        &self,
        organization_id: i64,
        member_id: i64,
        role: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes a member (or withdraws an invitation), their team memberships in the
    /// organization and their assignments to its issues; `LastOwner` if they are its only owner.
    fn remove_member(
        &self,
        organization_id: i64,
        member_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Accepts an invitation, atomically: checks that it is pending, that `token_hash` is its
    /// secret's and that it has not expired at `now_ms` (`NotFound` otherwise), creates the user
    /// if asked (`Conflict` if the email is taken), makes them a member (`Conflict` if they are
    /// one already) and puts them in the invitation's teams. Returns the user.
    fn accept_invite(
        &self,
        member_id: i64,
        token_hash: &str,
        acceptor: &Acceptor,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<UserRow>> + Send;
    /// Gives a pending invitation a new secret and expiry (the old link stops working).
    fn renew_invite(
        &self,
        member_id: i64,
        token_hash: &str,
        expires: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Creates a team; `Conflict` if the slug is taken.
    fn create_team(
        &self,
        organization_id: i64,
        slug: &str,
        name: &str,
    ) -> impl Future<Output = StoreResult<TeamRow>> + Send;
    /// Saves an organization's slug, name and two-factor requirement (the row's `id` picks
    /// it); `Conflict` if the slug is taken.
    fn update_organization(
        &self,
        organization: &OrganizationRow,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Saves a team's slug and name (the row's `id` picks the team).
    fn update_team(&self, team: &TeamRow) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a team; its projects stay, without a team.
    fn delete_team(&self, team_id: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// Puts a user in a team (`join`) or takes them out; returns whether anything changed.
    fn set_team_member(
        &self,
        team_id: i64,
        user_id: i64,
        join: bool,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Creates a DSN key for a project.
    fn create_key(&self, key: &NewKey) -> impl Future<Output = StoreResult<ProjectKeyRow>> + Send;
    /// Deletes a DSN key.
    fn delete_key(&self, key_id: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// How many issues match the query (its cursor and limit aside), counted up to
    /// [`MAX_ISSUE_HITS`].
    fn count_issues(&self, query: &IssueQuery) -> impl Future<Output = StoreResult<i64>> + Send;

    // --- release health -------------------------------------------------------------------

    /// Creates a release, or adds projects and the given details to an existing one; returns
    /// whether it was created.
    fn create_release(
        &self,
        release: &NewRelease,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Releases of an organization, newest first.
    fn releases(
        &self,
        query: &ReleaseQuery,
    ) -> impl Future<Output = StoreResult<Vec<ReleaseRow>>> + Send;
    /// One release of an organization by version.
    fn release(
        &self,
        organization_id: i64,
        version: &str,
    ) -> impl Future<Output = StoreResult<ReleaseRow>> + Send;
    /// Changes a release's details.
    fn update_release(
        &self,
        release_id: i64,
        change: &ReleaseChange,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a release with its deploys (its sessions' counts stay).
    fn delete_release(&self, release_id: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// The deploys of a release, newest first.
    fn deploys(&self, release_id: i64) -> impl Future<Output = StoreResult<Vec<DeployRow>>> + Send;
    /// Records a deploy of a release (the row's `id` is ignored).
    fn create_deploy(
        &self,
        release_id: i64,
        deploy: &DeployRow,
    ) -> impl Future<Output = StoreResult<DeployRow>> + Send;
    /// Hourly session counts and users matching a query.
    fn session_buckets(
        &self,
        query: &SessionQuery,
    ) -> impl Future<Output = StoreResult<(Vec<SessionBucket>, Vec<UserBucket>)>> + Send;
    /// Distinct users counted per day and since an hour (see [`UserCountQuery`]).
    fn session_user_counts(
        &self,
        query: &UserCountQuery,
    ) -> impl Future<Output = StoreResult<UserCounts>> + Send;
    /// Session duration histogram buckets per interval (migration 0019).
    fn session_durations(
        &self,
        query: &DurationQuery,
    ) -> impl Future<Output = StoreResult<Vec<DurationRow>>> + Send;
    /// The release list's health figures (`health=1`), summed in the database.
    fn release_health(
        &self,
        query: &ReleaseHealthQuery,
    ) -> impl Future<Output = StoreResult<ReleaseHealth>> + Send;
    /// Events of releases per hour, `(hour, events)` for the hours that have any, over the
    /// query's projects, releases and environments (events without a release are not counted).
    fn release_event_hours(
        &self,
        query: &SessionQuery,
    ) -> impl Future<Output = StoreResult<Vec<(i64, i64)>>> + Send;
    /// Sessions started per (project, named environment, release) since `since` (Unix seconds),
    /// what the adoption task decides on.
    fn adoption_totals(
        &self,
        since: i64,
    ) -> impl Future<Output = StoreResult<Vec<AdoptionTotal>>> + Send;
    /// Records the adoption task's run at `now` (Unix ms) over the projects that had sessions:
    /// `adopted` (project, release, environment) become or stay adopted, every other adopted
    /// release of those projects is replaced.
    fn record_adoption(
        &self,
        now: i64,
        project_ids: &[i64],
        adopted: &[(i64, String, String)],
    ) -> impl Future<Output = StoreResult<AdoptionChanges>> + Send;
    /// The versions of every release a query matches, newest first (its page ignored): what a
    /// sort other than by date, or a search's release selectors, choose from.
    fn release_versions(
        &self,
        query: &ReleaseQuery,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    /// The organization's releases with these versions, in no particular order.
    fn releases_by_version(
        &self,
        organization_id: i64,
        versions: &[String],
    ) -> impl Future<Output = StoreResult<Vec<ReleaseRow>>> + Send;
    /// A project's latest release (the one created last), if it has any.
    fn project_latest_release(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// Adoption rows of releases in projects, in some environments (all when empty).
    fn release_adoption(
        &self,
        project_ids: &[i64],
        releases: &[String],
        environments: &[String],
    ) -> impl Future<Output = StoreResult<Vec<AdoptionRow>>> + Send;

    // --- ownership (issue 8) ----------------------------------------------------------------

    /// A project's ownership settings; Sentry's defaults (fallthrough and auto-assignment on,
    /// no rules) when none were saved.
    fn project_ownership(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<OwnershipRow>> + Send;
    /// Saves a project's ownership settings (dates are set by the store).
    fn set_project_ownership(
        &self,
        project_id: i64,
        ownership: &OwnershipRow,
    ) -> impl Future<Output = StoreResult<OwnershipRow>> + Send;
    /// A project's CODEOWNERS files (at most one).
    fn project_codeowners(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<CodeownersRow>>> + Send;
    /// Imports a project's CODEOWNERS file, replacing the one before; `rules_schema` and
    /// `errors` are JSON; `code_mapping_id` the mapping its paths were read through.
    fn set_project_codeowners(
        &self,
        project_id: i64,
        raw: &str,
        rules_schema: &str,
        errors: &str,
        code_mapping_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<CodeownersRow>> + Send;
    /// The owners of these issues.
    fn issue_owners(
        &self,
        issue_ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<IssueOwnerRow>>> + Send;
    /// Replaces an issue's `suspectCommit` owners (members who wrote its suspect commits, best
    /// first, with their commit ids) and, when the project auto-assigns to suspect commits,
    /// assigns the issue to the first of them unless a person assigned it.
    fn set_suspect_owners(
        &self,
        issue_id: i64,
        owners: &[SuspectOwner],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // --- release commits, suspect commits, notifications (issues 7 and 8) ---------------
    /// Replaces the commits of a release with `commits` (newest first), creating their
    /// repositories and authors as needed.
    fn set_release_commits(
        &self,
        organization_id: i64,
        release_id: i64,
        commits: &[NewCommit],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The commits of a release, newest first (without files).
    fn release_commits(
        &self,
        release_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<CommitRow>>> + Send;
    /// The files the commits of a release touched.
    fn release_commit_files(
        &self,
        release_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<CommitFileRow>>> + Send;
    /// Commit count, newest commit and authors of each of `release_ids`.
    fn release_commit_summaries(
        &self,
        release_ids: &[i64],
    ) -> impl Future<Output = StoreResult<std::collections::HashMap<i64, ReleaseCommitSummary>>> + Send;
    /// The repositories of an organization.
    fn repositories(
        &self,
        organization_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<RepositoryRow>>> + Send;
    /// One repository of an organization.
    fn repository(
        &self,
        organization_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<RepositoryRow>> + Send;
    /// Adds a repository (`Conflict` when the organization has one of that name).
    fn create_repository(
        &self,
        organization_id: i64,
        name: &str,
        url: Option<&str>,
        provider: Option<&str>,
    ) -> impl Future<Output = StoreResult<RepositoryRow>> + Send;
    /// Sets a repository's name (when given), web address and host kind (`None` removes them).
    fn update_repository(
        &self,
        organization_id: i64,
        id: i64,
        name: Option<&str>,
        url: Option<&str>,
        provider: Option<&str>,
    ) -> impl Future<Output = StoreResult<RepositoryRow>> + Send;
    /// The organization's repository of this name, made when it has none (as `set-commits`
    /// makes them).
    fn find_or_create_repository(
        &self,
        organization_id: i64,
        name: &str,
    ) -> impl Future<Output = StoreResult<RepositoryRow>> + Send;
    /// A project's environments by name; `hidden` `Some(..)` keeps those hidden or shown.
    fn project_environments(
        &self,
        project_id: i64,
        hidden: Option<bool>,
    ) -> impl Future<Output = StoreResult<Vec<EnvironmentRow>>> + Send;
    /// The organization's environments (seen by these projects; all when empty) by name:
    /// `hidden` `Some(false)` keeps those some project shows, `Some(true)` those all hide.
    fn organization_environments(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        hidden: Option<bool>,
    ) -> impl Future<Output = StoreResult<Vec<EnvironmentRow>>> + Send;
    /// Hides or shows one of a project's environments.
    fn set_environment_hidden(
        &self,
        project_id: i64,
        name: &str,
        hidden: bool,
    ) -> impl Future<Output = StoreResult<EnvironmentRow>> + Send;
    /// The organization's code mappings, of one project when given; the longest stack root
    /// first within a project.
    fn code_mappings(
        &self,
        organization_id: i64,
        project_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<Vec<CodeMappingRow>>> + Send;
    /// One code mapping of the organization.
    fn code_mapping(
        &self,
        organization_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<CodeMappingRow>> + Send;
    /// Creates a code mapping (`id` `None`) or changes one; `Conflict` when the project has
    /// the pair of roots already.
    fn save_code_mapping(
        &self,
        organization_id: i64,
        id: Option<i64>,
        mapping: &NewCodeMapping,
    ) -> impl Future<Output = StoreResult<CodeMappingRow>> + Send;
    /// Creates the mapping of a project's pair of roots or updates its repository and branch;
    /// `true` when it was created.
    fn upsert_code_mapping(
        &self,
        mapping: &NewCodeMapping,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Deletes a code mapping of the organization.
    fn delete_code_mapping(
        &self,
        organization_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The newest release older than `release_id`, sharing a project with it, that has
    /// commits (Sentry's `previous-with-commits`); its version.
    fn previous_release_with_commits(
        &self,
        release_id: i64,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;
    /// The commits (with their files) that may be suspects for an event of `project_id` in
    /// `release`: those of that release and of the project's four releases before it, as
    /// Sentry looks back.
    fn suspect_commit_candidates(
        &self,
        project_id: i64,
        release: &str,
    ) -> impl Future<Output = StoreResult<Vec<CommitRow>>> + Send;
    /// A user's notifications, newest first, older than the id `before` when given; only
    /// those of organizations the user still belongs to.
    fn notifications(
        &self,
        user_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<NotificationRow>>> + Send;
    /// How many of the user's notifications are unread.
    fn unread_notifications(&self, user_id: i64) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Marks the user's notifications `ids` (all of them with `None`) read.
    fn mark_notifications_read(
        &self,
        user_id: i64,
        ids: Option<&[i64]>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Notifications whose email is due at `now`, oldest first; older than `max_age_ms` ones
    /// are given up (a mail server configured later does not receive a backlog).
    fn pending_emails(
        &self,
        now: i64,
        max_age_ms: i64,
    ) -> impl Future<Output = StoreResult<Vec<PendingEmail>>> + Send;
    /// The user's notification options (no row for a type: `always`).
    fn notification_options(
        &self,
        user_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<NotificationOptionRow>>> + Send;
    /// Sets one of the user's notification options.
    fn set_notification_option(
        &self,
        user_id: i64,
        kind: &str,
        value: &str,
    ) -> impl Future<Output = StoreResult<NotificationOptionRow>> + Send;
    /// Records an attempt to email a notification: sent, retry at `retry_at`, or given up.
    fn email_attempted(
        &self,
        notification_id: i64,
        sent: bool,
        retry_at: Option<i64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // Usage stats.

    /// The projects' dropped data by hour, from `since` (Unix seconds, an hour's start).
    fn outcome_hours(
        &self,
        project_ids: &[i64],
        since: i64,
    ) -> impl Future<Output = StoreResult<Vec<OutcomeHourRow>>> + Send;
    /// The projects' stored error events by hour from `since`: `(project, hour, events)`.
    fn accepted_error_hours(
        &self,
        project_ids: &[i64],
        since: i64,
    ) -> impl Future<Output = StoreResult<Vec<(i64, i64, i64)>>> + Send;
    /// The projects' stored envelope items of type `item_type` (`transaction`, `attachment`,
    /// `check_in`) by hour from `since`: `(project, hour, quantity)`, the quantity being the
    /// items' payload bytes when `bytes` (Sentry counts attachments in bytes), else the items.
    fn accepted_item_hours(
        &self,
        project_ids: &[i64],
        item_type: &str,
        bytes: bool,
        since: i64,
    ) -> impl Future<Output = StoreResult<Vec<(i64, i64, i64)>>> + Send;

    // Source maps (artifact bundles).

    /// Keeps uploaded chunks (checksum, bytes) of an organization until they are assembled.
    fn put_upload_chunks(
        &self,
        organization_id: i64,
        chunks: &[(String, Vec<u8>)],
        now: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Which of the checksums the organization has no chunk of, in their order.
    fn missing_upload_chunks(
        &self,
        organization_id: i64,
        checksums: &[String],
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;
    /// The bytes of the chunks, by checksum.
    fn upload_chunks(
        &self,
        organization_id: i64,
        checksums: &[String],
    ) -> impl Future<Output = StoreResult<std::collections::HashMap<String, Vec<u8>>>> + Send;
    /// The bundle an upload with this checksum made, if any.
    fn artifact_bundle_by_checksum(
        &self,
        organization_id: i64,
        checksum: &str,
    ) -> impl Future<Output = StoreResult<Option<ArtifactBundleRow>>> + Send;
    /// Stores an assembled bundle (or adds its projects to the same upload stored before) and
    /// deletes its chunks.
    fn create_artifact_bundle(
        &self,
        bundle: &NewArtifactBundle,
    ) -> impl Future<Output = StoreResult<ArtifactBundleRow>> + Send;
    /// A project's bundles, newest first.
    fn project_artifact_bundles(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ArtifactBundleRow>>> + Send;
    /// Takes the bundle (by its bundle id) from the project; `false` if it had none such.
    fn delete_artifact_bundle(
        &self,
        project_id: i64,
        bundle_id: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Every minified file and source map of a project's bundles, without contents, newest
    /// bundle first: what ingestion looks frames up in.
    fn project_artifacts(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<crate::ingest::sourcemaps::ArtifactMeta>>> + Send;
    /// The contents of the project's files `ids`.
    fn artifact_contents(
        &self,
        project_id: i64,
        ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<(i64, Vec<u8>)>>> + Send;

    // --- cron monitors -----------------------------------------------------------------
    /// Records a check-in of a project's monitor, as Sentry's monitor consumer does: a
    /// `monitor_config` creates or updates the monitor; the check-in opens a new one or closes
    /// the one in progress it names (or, without an id, the environment's latest); the next
    /// expected check-in is computed from the schedule; a failure (by the monitor's failure
    /// threshold) or a recovery (by its recovery threshold, which resolves the failure issue)
    /// is answered for the caller to act on.
    fn record_check_in(
        &self,
        project_id: i64,
        check_in: &crate::ingest::check_in::NewCheckIn,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<CheckInRecorded>> + Send;
    /// The monitors' clock: every active monitor environment whose next check-in is overdue
    /// (past its margin) gets a `missed` check-in, and every check-in in progress past its
    /// run time becomes `timeout`. Answers the failures these made.
    fn monitor_clock(
        &self,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<Vec<MonitorFailure>>> + Send;
    /// Links a monitor environment to the issue its failures opened.
    fn set_monitor_issue(
        &self,
        monitor_environment_id: i64,
        issue_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The monitors of the projects `project_ids`, failing ones first, then by name.
    fn monitors(
        &self,
        project_ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<MonitorRow>>> + Send;
    /// A project's monitor by slug.
    fn monitor(
        &self,
        project_id: i64,
        slug: &str,
    ) -> impl Future<Output = StoreResult<MonitorRow>> + Send;
    /// Creates a monitor; `Conflict` when the project has one with that slug.
    fn create_monitor(
        &self,
        project_id: i64,
        slug: &str,
        name: &str,
        config: &str,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<MonitorRow>> + Send;
    /// Changes a monitor; `Conflict` when the new slug is taken in its project.
    fn update_monitor(
        &self,
        monitor_id: i64,
        change: &MonitorChange,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes a monitor with its environments and check-ins (its issues stay).
    fn delete_monitor(&self, monitor_id: i64) -> impl Future<Output = StoreResult<()>> + Send;
    /// Mutes or unmutes one environment of a monitor; `NotFound` when it has none of that name.
    fn set_monitor_environment_muted(
        &self,
        monitor_id: i64,
        environment: &str,
        muted: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes one environment of a monitor with its check-ins (its issue stays); `NotFound`
    /// when it has none of that name.
    fn delete_monitor_environment(
        &self,
        monitor_id: i64,
        environment: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A monitor's latest check-ins, newest first, of one environment or all.
    fn monitor_check_ins(
        &self,
        monitor_id: i64,
        environment: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<CheckInRow>>> + Send;

    // --- issue alert rules ---------------------------------------------------------------
    /// A project's alert rules, oldest first, with who made them.
    fn alert_rules(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<AlertRuleRow>>> + Send;
    /// A project's alert rules alone (what evaluating them needs).
    fn alert_rules_of_project(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<crate::alerts::Rule>>> + Send;
    /// Saves a new rule of the project (its `id` is ignored); returns its id.
    fn create_alert_rule(
        &self,
        project_id: i64,
        rule: &crate::alerts::Rule,
        user_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Replaces the project's rule `rule.id`; `NotFound` when it has none such.
    fn update_alert_rule(
        &self,
        project_id: i64,
        rule: &crate::alerts::Rule,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes the project's rule; `NotFound` when it has none such.
    fn delete_alert_rule(
        &self,
        project_id: i64,
        rule_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The issue's events (or, with `users`, distinct users) since `since` (of
    /// `environment`, if given), counted up to `limit`.
    fn count_issue_events(
        &self,
        issue_id: i64,
        since: i64,
        environment: Option<&str>,
        limit: i64,
        users: bool,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Fires a rule for an issue (notifications of the people it names) unless it did within
    /// its frequency; `false` then.
    fn fire_alert_rule(
        &self,
        rule: &crate::alerts::Rule,
        issue_id: i64,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    // --- metric alert rules and incidents ----------------------------------------------
    /// An organization's metric alert rules, oldest first.
    fn metric_alert_rules(
        &self,
        organization_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<MetricAlertRuleRow>>> + Send;
    /// Every organization's metric alert rules (what the evaluator measures).
    fn all_metric_alert_rules(
        &self,
    ) -> impl Future<Output = StoreResult<Vec<MetricAlertRuleRow>>> + Send;
    /// Saves a new rule of the organization measuring `project_ids`; returns its id.
    fn create_metric_alert_rule(
        &self,
        organization_id: i64,
        rule: &crate::alerts::metric::MetricRule,
        project_ids: &[i64],
        user_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Replaces the organization's rule `id`; `NotFound` when it has none such.
    fn update_metric_alert_rule(
        &self,
        organization_id: i64,
        id: i64,
        rule: &crate::alerts::metric::MetricRule,
        project_ids: &[i64],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes the organization's rule with its incidents; `NotFound` when it has none such.
    fn delete_metric_alert_rule(
        &self,
        organization_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The rule's figure over its window ending at `now` for the projects; `None` for a
    /// crash-free rate without sessions.
    fn measure_metric(
        &self,
        rule: &crate::alerts::metric::MetricRule,
        project_ids: &[i64],
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<Option<f64>>> + Send;
    /// Keeps the latest evaluation's figure and time.
    fn record_metric_evaluation(
        &self,
        rule_id: i64,
        value: Option<f64>,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Moves the rule's incidents to `status`: a warning or critical one opens when `open` is
    /// `None`, else the open one (`open`: its id and the status the evaluation saw) takes
    /// `status` (`2` closes it); records the change. `None` when the state was no longer what
    /// the evaluation saw (another node moved it first).
    fn move_incident(
        &self,
        rule: &MetricAlertRuleRow,
        open: Option<(i64, i64)>,
        status: i64,
        value: f64,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<Option<IncidentRow>>> + Send;
    /// The organization's incidents, newest first: of one rule, open or closed ones only,
    /// before the id `before`.
    fn incidents(
        &self,
        organization_id: i64,
        rule_id: Option<i64>,
        open: Option<bool>,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<IncidentRow>>> + Send;
    /// The organization's incident by its identifier.
    fn incident(
        &self,
        organization_id: i64,
        identifier: i64,
    ) -> impl Future<Output = StoreResult<IncidentRow>> + Send;
    /// An incident's changes, oldest first.
    fn incident_activity(
        &self,
        incident_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<IncidentActivityRow>>> + Send;

    // --- service hooks --------------------------------------------------------------------
    /// A project's service hooks, oldest first.
    fn service_hooks(
        &self,
        project_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<ServiceHookRow>>> + Send;
    /// Saves a new hook of the project (its `id` is ignored); returns it as stored.
    fn create_service_hook(
        &self,
        hook: &ServiceHookRow,
        user_id: Option<i64>,
    ) -> impl Future<Output = StoreResult<ServiceHookRow>> + Send;
    /// Replaces the project's hook `hook.id`'s URL, events and status; `NotFound` when the
    /// project has none such.
    fn update_service_hook(
        &self,
        hook: &ServiceHookRow,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes the project's hook with its deliveries; `NotFound` when it has none such.
    fn delete_service_hook(
        &self,
        project_id: i64,
        hook_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Up to `limit` pending deliveries of active hooks due by `now_ms`, the oldest first.
    fn due_deliveries(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<DueDelivery>>> + Send;
    /// Records attempts at deliveries, in one transaction.
    fn record_delivery_attempts(
        &self,
        attempts: &[DeliveryAttempt],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Gives up pending deliveries created before `expired_before` and deletes finished ones
    /// older than `finished_before`; returns how many rows it changed.
    fn prune_deliveries(
        &self,
        expired_before: i64,
        finished_before: i64,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// A hook's latest deliveries, newest first.
    fn hook_deliveries(
        &self,
        hook_id: i64,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<DeliveryRow>>> + Send;

    // --- data retention ------------------------------------------------------------------
    /// Deletes what arrived before `cutoff_ms` (Unix milliseconds): events, issues last seen
    /// before it, stored items, check-ins and notifications, a chunk per transaction.
    fn apply_retention(
        &self,
        cutoff_ms: i64,
    ) -> impl Future<Output = StoreResult<RetentionReport>> + Send;
}
