//! The rows the store returns and the inputs it takes. Backend-neutral: no SQL types here.

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRow {
    /// Primary key.
    pub id: i64,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Unix milliseconds.
    pub date_created: i64,
    /// Members must have two-factor authentication (Sentry's `require2FA`).
    pub require_2fa: bool,
    /// Issues may be shared by a public link (Sentry's `allowSharedIssues`).
    pub allow_shared_issues: bool,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// Primary key.
    pub id: i64,
    /// Lower-cased email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// argon2id PHC string, if the user can log in with a password.
    pub password_hash: Option<String>,
    /// Administers the whole instance.
    pub is_superuser: bool,
}

/// A user's account ([`crate::store::Store::account`]).
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// The user.
    pub user: UserRow,
    /// Unix milliseconds of the account's creation.
    pub date_joined: i64,
    /// Sessions that have not expired.
    pub active_sessions: i64,
}

/// Input of [`crate::store::Store::create_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Email address (lower-cased by the store).
    pub email: String,
    /// Display name.
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: Option<String>,
    /// Administers the whole instance.
    pub is_superuser: bool,
}

/// Input of [`crate::store::Store::create_api_token`].
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// Owner.
    pub user_id: i64,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Last four characters of the token, to tell tokens apart in lists.
    pub last_four: String,
    /// Sentry scopes the token grants.
    pub scopes: Vec<String>,
    /// Optional label.
    pub name: Option<String>,
}

/// A stored API token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenRow {
    /// Primary key.
    pub id: i64,
    /// Optional label.
    pub name: Option<String>,
    /// Sentry scopes the token grants.
    pub scopes: Vec<String>,
    /// Last four characters of the token.
    pub last_four: String,
    /// Unix milliseconds.
    pub date_created: i64,
}

/// Input of [`crate::store::Store::create_session`].
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the cookie value, hex.
    pub token_hash: String,
    /// Owner.
    pub user_id: i64,
    /// Unix milliseconds after which the session is dead.
    pub expires_at: i64,
}

/// What a fresh database is seeded with.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// Slug (and name) of the default organization.
    pub organization: String,
    /// Slug (and name) of its default team.
    pub team: String,
    /// Slug (and name) of its default project, which gets a DSN key so events can arrive at once.
    pub project: String,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRow {
    /// Primary key.
    pub id: i64,
    /// Owning organization.
    pub organization_id: i64,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Unix milliseconds.
    pub date_created: i64,
}

/// A project, with its owning team when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    /// Primary key; also the DSN's project id.
    pub id: i64,
    /// Owning organization.
    pub organization_id: i64,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Platform identifier.
    pub platform: Option<String>,
    /// Unix milliseconds.
    pub date_created: i64,
    /// Owning team.
    pub team: Option<TeamRow>,
}

/// Input of [`crate::store::Store::create_project`].
#[derive(Debug, Clone)]
pub struct NewProject {
    /// Owning organization.
    pub organization_id: i64,
    /// Owning team.
    pub team_id: i64,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Platform identifier.
    pub platform: Option<String>,
    /// Public part of the first DSN key.
    pub public_key: String,
    /// Legacy secret of the first DSN key.
    pub secret_key: String,
}

/// A DSN key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectKeyRow {
    /// Primary key.
    pub id: i64,
    /// Project the key sends to.
    pub project_id: i64,
    /// The public key (DSN user part).
    pub public_key: String,
    /// Legacy secret.
    pub secret_key: String,
    /// Display name.
    pub label: String,
    /// Disabled keys are refused.
    pub is_active: bool,
    /// At most this many events per window (`count`, `window` seconds).
    pub rate_limit: Option<(i64, i64)>,
    /// Unix milliseconds.
    pub date_created: i64,
}

/// A processed event, ready to be stored and grouped.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Project the event was sent to.
    pub project_id: i64,
    /// 32 lower-case hex digits.
    pub event_id: String,
    /// When it happened, Unix milliseconds.
    pub timestamp: i64,
    /// When Cairn received it, Unix milliseconds.
    pub received: i64,
    /// Grouping hashes, primary first.
    pub hashes: Vec<String>,
    /// Issue title.
    pub title: String,
    /// Issue culprit.
    pub culprit: String,
    /// Severity.
    pub level: String,
    /// Platform.
    pub platform: String,
    /// `error` or `default`.
    pub event_type: String,
    /// Issue metadata as a JSON object string.
    pub metadata: String,
    /// Logger name.
    pub logger: Option<String>,
    /// Whether the error was unhandled (a crash).
    pub is_unhandled: bool,
    /// Release version.
    pub release: Option<String>,
    /// Environment name.
    pub environment: Option<String>,
    /// Who was affected (id, email, username or IP), for distinct-user counts.
    pub user_ident: Option<String>,
    /// The distributed trace it happened in (`contexts.trace.trace_id`), as bytes.
    pub trace_id: Option<[u8; 16]>,
    /// Tags to count for the issue: the event's tags and the attributes Sentry also shows
    /// as tags (`level`, `environment`, `release`, `user`).
    pub tags: Vec<(String, String)>,
    /// The normalized event's JSON, compressed for storage.
    pub data: super::EventData,
    /// Who owns the event by the project's ownership rules; `None` when the project has none
    /// (then the writer does nothing more for ownership).
    pub ownership: Option<EventOwnership>,
}

/// The ownership of one event, found at ingestion; the writer stores it on the issue when the
/// event opens or regresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOwnership {
    /// The winning rule, if one with owners matched.
    pub owner: Option<MatchedOwners>,
    /// No rule with owners matched and the project's fallthrough is on.
    pub fallthrough: bool,
    /// Whether to assign the issue to the rule's first owner when it is unassigned.
    pub auto_assign: bool,
}

/// The owners of the rule that decided an event's ownership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedOwners {
    /// `ownershipRule` or `codeowners`.
    pub kind: &'static str,
    /// The rule's owners, in order.
    pub owners: Vec<Assignee>,
    /// The rule as written.
    pub rule: String,
    /// What it matched, as JSON `{"field", "value"}`.
    pub matched: String,
}

/// A project's ownership settings as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipRow {
    /// The rules as written (`None` before any were saved).
    pub raw: Option<String>,
    /// The rules resolved (Sentry's schema JSON), `None` when there are none.
    pub rules_schema: Option<String>,
    /// Everyone owns what no rule matches.
    pub fallthrough: bool,
    /// Sentry's `autoAssignment` text.
    pub auto_assignment: String,
    /// Sentry's `codeownersAutoSync`.
    pub codeowners_auto_sync: bool,
    /// Unix milliseconds, `None` before anything was saved.
    pub date_created: Option<i64>,
    /// Unix milliseconds.
    pub last_updated: Option<i64>,
}

/// A project's imported CODEOWNERS file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeownersRow {
    /// Primary key.
    pub id: i64,
    /// The file.
    pub raw: String,
    /// Its rules resolved (Sentry's schema JSON).
    pub rules_schema: String,
    /// What could not be resolved (Sentry's `errors` JSON).
    pub errors: String,
    /// The code mapping its paths were read through, if any.
    pub code_mapping_id: Option<i64>,
    /// Unix milliseconds.
    pub date_created: i64,
    /// Unix milliseconds.
    pub date_updated: i64,
}

/// One owner of an issue (Sentry's GroupOwner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueOwnerRow {
    /// The issue.
    pub issue_id: i64,
    /// `ownershipRule`, `codeowners` or `suspectCommit`.
    pub kind: String,
    /// The member or team.
    pub owner: Assignee,
    /// The rule as written.
    pub rule: String,
    /// What it matched, JSON `{"field", "value"}`.
    pub matched: String,
    /// Unix milliseconds.
    pub date_added: i64,
}

/// A member who wrote suspect commits of an issue: a `suspectCommit` owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspectOwner {
    pub user_id: i64,
    /// The suspect commits' ids (git shas), best first.
    pub commits: Vec<String>,
}

/// An envelope item that is kept as it arrived (transactions, attachments, sessions, feedback,
/// client reports, check-ins).
#[derive(Debug, Clone)]
pub struct NewItem {
    /// Project the item was sent to.
    pub project_id: i64,
    /// The envelope's event id (32 hex), if any.
    pub event_id: Option<String>,
    /// The item type (`transaction`, `attachment`, `session`, ...).
    pub item_type: String,
    /// The item headers as a JSON object string.
    pub headers: String,
    /// The payload, shared with the request body (no copy).
    pub payload: bytes::Bytes,
    /// When Cairn received it, Unix milliseconds.
    pub received: i64,
    /// The SHA-1 of an attachment's payload (hex), hashed on arrival; `None` for other items.
    pub sha1: Option<String>,
    /// A transaction's place in its distributed trace, stored beside it for the trace view;
    /// `None` for other items and transactions outside a trace.
    pub trace: Option<Box<crate::ingest::transaction::TraceTransaction>>,
}

impl NewItem {
    /// The SHA-1 of `payload` in hex, for [`NewItem::sha1`].
    pub fn sha1_of(payload: &[u8]) -> String {
        use sha1::{Digest, Sha1};
        hex::encode(Sha1::digest(payload))
    }
}

/// A file an SDK attached to an event (an `attachment` item, or a minidump upload), without
/// its bytes. The optional fields are what the item's headers said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    /// Primary key.
    pub id: i64,
    /// The event it was sent with (32 hex).
    pub event_id: String,
    /// The item's `filename` header.
    pub filename: Option<String>,
    /// The item's `content_type` header.
    pub content_type: Option<String>,
    /// The item's `attachment_type` header (`event.attachment`, `event.minidump`, ...).
    pub attachment_type: Option<String>,
    /// The size of its bytes.
    pub size: i64,
    /// When Cairn received it, Unix milliseconds.
    pub received: i64,
    /// The SHA-1 of its bytes (hex), if hashed on arrival (not before migration 0024).
    pub sha1: Option<String>,
}

/// A count of data that was dropped, by the SDK (client reports) or by Cairn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Project the data was meant for.
    pub project_id: i64,
    /// `client` (reported by an SDK) or `server` (dropped by Cairn).
    pub source: &'static str,
    /// Data category (`error`, `transaction`, `attachment`, ...) or the unknown item type.
    pub category: String,
    /// Why it was dropped (`ratelimit_backoff`, `unknown_item_type`, `invalid`, ...).
    pub reason: String,
    /// How many.
    pub quantity: i64,
}

/// What one ingest request stores, all in the same transaction.
#[derive(Debug, Clone, Default)]
pub struct IngestBatch {
    /// Processed events, grouped into issues.
    pub events: Vec<NewEvent>,
    /// Items kept as they arrived.
    pub items: Vec<NewItem>,
    /// Dropped-data counts to add up.
    pub outcomes: Vec<Outcome>,
    /// Checked `session` updates, applied to their sessions' states in order.
    pub sessions: Vec<crate::ingest::session::SessionUpdate>,
    /// Checked groups of `sessions` aggregate items.
    pub session_aggregates: Vec<crate::ingest::session::SessionAggregate>,
}

impl IngestBatch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.items.is_empty()
            && self.outcomes.is_empty()
            && self.sessions.is_empty()
            && self.session_aggregates.is_empty()
    }
}

/// What ingestion needs to know about a project, besides its keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectIngestSettings {
    /// At most this many events per window (`count`, `window` seconds).
    pub rate_limit: Option<(i64, i64)>,
    /// Scrubbing settings as JSON; `None` means Sentry's defaults.
    pub scrub_settings: Option<String>,
    /// Origins browser SDKs may send from, one pattern per line; `None` means any.
    pub allowed_origins: Option<String>,
    /// Server-side fingerprint rules, Sentry's syntax.
    pub fingerprinting_rules: Option<String>,
    /// Stack-trace rules ("grouping enhancements"), Sentry's syntax.
    pub grouping_enhancements: Option<String>,
    /// Ownership, for ingestion: `None` when the project has neither ownership rules nor a
    /// CODEOWNERS file. Read-only here: the ownership routes write it.
    pub ownership: Option<IngestOwnership>,
    /// Sentry's default issue alert: a new issue notifies its owners, or else the project's
    /// team (read by the store when an issue opens, not by ingestion).
    pub alert_new_issues: bool,
    /// Inbound filters as JSON (`ingest::filters::FilterSettings`); `None`: every filter off.
    pub inbound_filters: Option<String>,
    /// Grouping hashes whose events are dropped ("delete and discard future events"); read
    /// only: [`crate::store::Store::set_project_ingest_settings`] leaves them.
    pub discarded_hashes: Vec<String>,
    /// The event highlights the project set, as JSON (`crate::highlights::Highlights`); `None`:
    /// its platform's preset. Not read by ingestion.
    pub highlights: Option<String>,
}

/// What ingestion needs of a project's ownership settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOwnership {
    /// The ownership rules resolved (schema JSON), if any.
    pub rules_schema: Option<String>,
    /// The CODEOWNERS rules resolved (schema JSON), if any.
    pub codeowners_schema: Option<String>,
    /// Everyone owns what no rule matches.
    pub fallthrough: bool,
    /// Sentry's `autoAssignment` text.
    pub auto_assignment: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Primary key.
    pub id: i64,
    /// Project it was sent to.
    pub project_id: i64,
    /// Issue it belongs to.
    pub issue_id: i64,
    /// The event id, 32 hex digits.
    pub event_id: String,
    /// Unix milliseconds, when it happened.
    pub timestamp: i64,
    /// Unix milliseconds, when Cairn received it.
    pub received: i64,
    /// The normalized, scrubbed event as JSON.
    pub data: String,
}

/// Which event of an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSelector {
    /// The most recent.
    Latest,
    /// The first.
    Oldest,
    /// This event id.
    Id(String),
}

/// An event of an issue with its neighbours' ids, for paging through the issue's events.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueEvent {
    /// The event.
    pub event: EventRow,
    /// The issue's event before it, if any.
    pub previous_event_id: Option<String>,
    /// The issue's event after it, if any.
    pub next_event_id: Option<String>,
}

/// How often an issue's events carried one value of one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagValueRow {
    /// Tag name.
    pub key: String,
    /// Tag value.
    pub value: String,
    /// Events with it.
    pub times_seen: i64,
    /// Unix milliseconds.
    pub first_seen: i64,
    /// Unix milliseconds.
    pub last_seen: i64,
}

/// The order of a tag's values (Sentry's `sort` of an issue's tag values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagValueSort {
    /// The most events first.
    #[default]
    Count,
    /// The most recently seen first.
    LastSeen,
    /// The most recently first seen first.
    FirstSeen,
}

/// A change of an issue's status by a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// `resolved`, `unresolved` or `ignored`.
    pub status: String,
    /// Sentry's substatus for the new status (`ongoing`, `archived_forever`, ...).
    pub substatus: Option<String>,
    /// Sentry's `statusDetails` as a JSON object string.
    pub status_details: String,
    /// Who changed it.
    pub user_id: i64,
    /// For `ignored`: when it should come back by itself.
    pub snooze: Snooze,
}

/// Conditions that end an "ignore": any one of them met brings the issue back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snooze {
    /// Until this time (Unix milliseconds).
    pub until: Option<i64>,
    /// Until this many more events.
    pub events: Option<i64>,
    /// Until this many more users.
    pub users: Option<i64>,
    /// With `events`: that many events within this many milliseconds (Sentry's
    /// `ignoreWindow`), rather than in all.
    pub events_window_ms: Option<i64>,
    /// With `users`: that many users within this many milliseconds (`ignoreUserWindow`).
    pub users_window_ms: Option<i64>,
    /// Until it escalates (Sentry's `archived_until_escalating`): an hour with more events
    /// than the forecast the store makes from the issue's past week (see
    /// [`crate::escalation`]).
    pub until_escalating: bool,
}

/// One entry of an issue's activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    /// Primary key.
    pub id: i64,
    /// Sentry's activity type: `first_seen`, `set_resolved`, `set_regression`, ...
    pub kind: String,
    /// Who did it (`None`: Cairn itself).
    pub user: Option<UserRow>,
    /// JSON object string.
    pub data: String,
    /// Unix milliseconds.
    pub date_created: i64,
}

/// Filters, order and page of the issue list.
#[derive(Debug, Clone, Default)]
pub struct IssueQuery {
    /// Organization whose issues are listed.
    pub organization_id: i64,
    /// Only these projects (empty: every project of the organization).
    pub project_ids: Vec<i64>,
    /// Who is asking: what `me`, `my_teams` and `bookmarks:me` refer to.
    pub user_id: i64,
    /// Unix milliseconds the search's relative times were resolved against (`is:for_review`
    /// looks back from it too).
    pub now_ms: i64,
    /// Search terms, all of which must hold (Sentry's search syntax, parsed; the time range
    /// and environments of the request are terms too).
    pub terms: Vec<crate::search::Term>,
    /// Order of the list.
    pub sort: IssueSort,
    /// Where the page starts; `None` for the first page.
    pub cursor: Option<IssueCursor>,
    /// Most rows to return.
    pub limit: i64,
}

/// A page of the issue list and the number of issues the search matches in all.
#[derive(Debug, Clone, Default)]
pub struct IssuePage {
    /// The page, as [`crate::store::Store::list_issues`] describes.
    pub rows: Vec<IssueRow>,
    /// Matching issues counted up to [`crate::store::MAX_ISSUE_HITS`].
    pub hits: i64,
}

/// Orders of the issue list (Sentry's `sort` parameter); each is descending, ties broken by
/// the newest issue id first so that the order is total and a keyset cursor is exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IssueSort {
    /// `date`: last seen.
    #[default]
    Date,
    /// `new`: first seen.
    New,
    /// `freq`: number of events.
    Freq,
    /// `user`: number of distinct users.
    User,
    /// `priority`: high before medium before low, the most recently seen first within each
    /// (see [`PRIORITY_SORT_SCALE`]).
    Priority,
    /// `inbox`: when the issue entered the "For review" inbox, the latest first (Sentry's
    /// "Date added" of that view); issues marked reviewed last.
    Inbox,
}

/// `sort=priority` orders by one number, as every sort does, so that its pages are keyset
/// pages like the others': the priority times this (more than any Unix millisecond time) plus
/// the last seen time.
pub const PRIORITY_SORT_SCALE: i64 = 10_000_000_000_000;

impl IssueSort {
    /// The issue's value of this sort key.
    pub fn key(self, issue: &IssueRow) -> i64 {
        match self {
            IssueSort::Date => issue.last_seen,
            IssueSort::New => issue.first_seen,
            IssueSort::Freq => issue.times_seen,
            IssueSort::User => issue.user_count,
            IssueSort::Priority => issue.priority.code() * PRIORITY_SORT_SCALE + issue.last_seen,
            IssueSort::Inbox => issue.inbox_at.unwrap_or(0),
        }
    }
}

/// A position in the issue list: the sort key and id of an issue. The page after it holds the
/// issues that sort after that one; with `is_prev`, the page holds those before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueCursor {
    /// Sort key of the issue at the position.
    pub value: i64,
    /// Id of the issue at the position.
    pub id: i64,
    /// Page backwards.
    pub is_prev: bool,
}

/// A person's feedback on an event: a `user_report` item, or a `feedback` item (which names
/// the event in `contexts.feedback.associated_event_id`, or none when sent on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserReportRow {
    /// Primary key (of the item).
    pub id: i64,
    /// The event it is about (32 hex); feedback sent on its own has its own id here.
    pub event_id: String,
    /// The name the person gave.
    pub name: String,
    /// The email address the person gave.
    pub email: String,
    /// What they wrote.
    pub comments: String,
    /// When Cairn received it, Unix milliseconds.
    pub received: i64,
    /// The issue of the event, when the event is stored.
    pub issue: Option<ReportedIssue>,
}

/// An error event of a distributed trace, with what a list of the trace's errors shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceErrorRow {
    /// The event id, 32 hex digits.
    pub event_id: String,
    /// Unix milliseconds, when it happened.
    pub timestamp: i64,
    /// Severity.
    pub level: String,
    /// The event's title.
    pub title: String,
    /// Its message (`logentry`), or the title when it has none.
    pub message: String,
    /// The span it happened in (`contexts.trace.span_id`).
    pub span_id: Option<String>,
    /// Its issue.
    pub issue_id: i64,
    /// The issue's project counter behind its short id.
    pub short_id: i64,
    /// The issue's culprit.
    pub culprit: String,
    /// Its project.
    pub project_id: i64,
    /// The project's slug.
    pub project_slug: String,
}

/// What a distributed trace holds in an organization's projects, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TraceCounts {
    /// Its error events.
    pub errors: i64,
    /// Its transactions.
    pub transactions: i64,
    /// The projects they were sent to.
    pub projects: i64,
}

/// One transaction of a distributed trace (migration 0056), with its project's slug.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceTransactionRow {
    /// The event id, 32 hex digits.
    pub event_id: String,
    /// Its project.
    pub project_id: i64,
    /// The project's slug.
    pub project_slug: String,
    /// Its own span.
    pub span_id: String,
    /// The span that called it, if any.
    pub parent_span_id: Option<String>,
    /// `transaction`.
    pub name: String,
    /// `contexts.trace.op`, empty when none.
    pub op: String,
    /// `contexts.trace.status`.
    pub status: String,
    /// When it started, Unix seconds.
    pub start_timestamp: f64,
    /// When it ended, Unix seconds.
    pub timestamp: f64,
    /// The ids of its spans, space-separated.
    pub span_ids: String,
}

/// A transaction of a period (Sentry's Discover over transactions).
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodTransaction {
    /// The event id, 32 hex digits.
    pub event_id: String,
    /// Its trace, 32 hex digits.
    pub trace_id: String,
    /// Its project.
    pub project_id: i64,
    /// The project's slug.
    pub project_slug: String,
    /// `transaction`.
    pub name: String,
    /// `contexts.trace.op`.
    pub op: String,
    /// `contexts.trace.status`.
    pub status: String,
    /// When it started, Unix seconds.
    pub start_timestamp: f64,
    /// When it ended, Unix seconds.
    pub timestamp: f64,
    /// Its release, if any.
    pub release: Option<String>,
    /// Its environment, if any.
    pub environment: Option<String>,
}

/// A transaction as it was stored: the payload after scrubbing, spans included.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTransaction {
    /// The payload, a JSON object.
    pub payload: Vec<u8>,
    /// When Cairn received it, Unix milliseconds.
    pub received: i64,
}

/// What a link to the issue of a [`UserReportRow`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedIssue {
    /// Primary key.
    pub id: i64,
    /// Project counter behind the short id.
    pub short_id: i64,
    /// The slug of its project, the short id's prefix.
    pub project_slug: String,
    /// Title.
    pub title: String,
}

/// An issue with its project.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRow {
    /// Primary key.
    pub id: i64,
    /// Project counter behind the short id.
    pub short_id: i64,
    /// Project of the issue.
    pub project: ProjectRow,
    /// Title.
    pub title: String,
    /// Culprit.
    pub culprit: String,
    /// Severity of the latest event.
    pub level: String,
    /// Platform.
    pub platform: String,
    /// `error` or `default`.
    pub event_type: String,
    /// JSON object string.
    pub metadata: String,
    /// Logger name.
    pub logger: Option<String>,
    /// `unresolved`, `resolved` or `ignored`.
    pub status: String,
    /// Sentry's substatus.
    pub substatus: Option<String>,
    /// Sentry's `statusDetails`, a JSON object string.
    pub status_details: String,
    /// Sentry's issue priority.
    pub priority: Priority,
    /// When someone set the priority (Unix milliseconds): Cairn no longer changes it then.
    pub priority_locked_at: Option<i64>,
    /// When the issue entered Sentry's "For Review" inbox (Unix milliseconds); `None` once
    /// marked reviewed. See [`IssueRow::inbox`].
    pub inbox_at: Option<i64>,
    /// Comments on the issue.
    pub num_comments: i64,
    /// Whether any event was unhandled.
    pub is_unhandled: bool,
    /// Unix milliseconds.
    pub first_seen: i64,
    /// Unix milliseconds.
    pub last_seen: i64,
    /// Number of events.
    pub times_seen: i64,
    /// Distinct users.
    pub user_count: i64,
    /// The release of its first event, if that had one.
    pub first_release: Option<String>,
    /// The id of its public link, when it is shared (Sentry's `shareId`).
    pub share_id: Option<String>,
}

/// How long an issue stays for review after it entered the inbox: Sentry turns `new`,
/// `regressed` and `escalating` into `ongoing` after a week, which takes it out.
pub const INBOX_MS: i64 = 7 * 86_400_000;

/// Why an issue is in Sentry's "For Review" inbox (`is:for_review`), with Sentry's
/// `GroupInboxReason` numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxReason {
    /// A new issue, for its first week (0).
    New,
    /// A resolved issue that came back (2).
    Regression,
    /// An ignored issue whose condition was met (5).
    Escalating,
}

impl InboxReason {
    /// Sentry's number of the reason.
    pub fn code(self) -> i64 {
        match self {
            InboxReason::New => 0,
            InboxReason::Regression => 2,
            InboxReason::Escalating => 5,
        }
    }
}

impl IssueRow {
    /// Why the issue is for review at `now_ms`, if it is: unresolved, new, regressed or
    /// escalating, entered the inbox less than a week ago and not marked reviewed since. The
    /// same rule as the search `is:for_review`.
    pub fn inbox(&self, now_ms: i64) -> Option<InboxReason> {
        if self.status != "unresolved" || self.inbox_at.is_none_or(|at| at < now_ms - INBOX_MS) {
            return None;
        }
        match self.substatus.as_deref() {
            Some("new") => Some(InboxReason::New),
            Some("regressed") => Some(InboxReason::Regression),
            Some("escalating") => Some(InboxReason::Escalating),
            _ => None,
        }
    }
}

/// Sentry's issue priority (migration 0045), kept as its `PriorityLevel` number so that
/// "higher" is a comparison in SQL too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// `low` (25).
    Low,
    /// `medium` (50).
    Medium,
    /// `high` (75).
    High,
}

impl Priority {
    /// The number stored (Sentry's `PriorityLevel`).
    pub fn code(self) -> i64 {
        match self {
            Priority::Low => 25,
            Priority::Medium => 50,
            Priority::High => 75,
        }
    }

    /// The priority of a stored number (anything else rounds down to a known level).
    pub fn from_code(code: i64) -> Self {
        match code {
            75.. => Priority::High,
            50.. => Priority::Medium,
            _ => Priority::Low,
        }
    }

    /// `high`, `medium` or `low`, as the API writes it.
    pub fn name(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }

    /// The priority an API client or a search names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "high" => Some(Priority::High),
            "medium" => Some(Priority::Medium),
            "low" => Some(Priority::Low),
            _ => None,
        }
    }

    /// A new issue's priority, from its first event's level: Sentry's rule without its
    /// severity model (which rates errors and warnings by their text): fatal and error are
    /// high, warning medium, info and debug low.
    pub fn for_level(level: &str) -> Self {
        match level {
            "warning" => Priority::Medium,
            "info" | "debug" => Priority::Low,
            _ => Priority::High,
        }
    }

    /// The priority of an issue that escalates (an ignored issue whose condition is met):
    /// one step up, as Sentry's `get_priority_for_escalating_group`.
    pub fn escalated(self) -> Self {
        match self {
            Priority::Low => Priority::Medium,
            Priority::Medium | Priority::High => Priority::High,
        }
    }
}

/// A member or a team of an issue's organization (Sentry's actor): who works on the issue, or
/// who is mentioned in or subscribed to it (a team: every member).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    /// A user (by id).
    User(i64),
    /// A team (by id).
    Team(i64),
}

/// The assignee of an issue, resolved for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeRow {
    /// Assigned to this person.
    User(UserRow),
    /// Assigned to this team.
    Team(TeamRow),
}

/// What one person's view of an issue adds to the issue: whether they have seen it since its
/// last event, whether they bookmarked it, and who it is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueViewerState {
    /// The issue.
    pub issue_id: i64,
    /// Seen by the viewer at or after its last event.
    pub has_seen: bool,
    /// Bookmarked by the viewer.
    pub is_bookmarked: bool,
    /// The assignee, if any.
    pub assignee: Option<AssigneeRow>,
}

/// One grouping hash of an issue, with the newest event it grouped.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueHash {
    /// The hash (32 hex digits).
    pub hash: String,
    /// The newest event whose primary hash it is (events stored before Cairn kept the hash
    /// per event have none).
    pub latest_event: Option<EventRow>,
}

// --- members, invitations, teams, keys -------------------------------------------------------

/// A member of an organization, or a pending invitation (Sentry's OrganizationMember).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// Primary key (the member id of the API and of invitation links).
    pub id: i64,
    /// The organization.
    pub organization_id: i64,
    /// The user; `None` while the invitation is pending.
    pub user: Option<UserRow>,
    /// The invited address, or the user's address once accepted.
    pub email: String,
    /// `owner`, `manager`, `admin` or `member`.
    pub role: String,
    /// Unix milliseconds.
    pub date_added: i64,
    /// SHA-256 of the invitation secret, while pending.
    pub invite_token_hash: Option<String>,
    /// When the invitation link stops working (Unix milliseconds), while pending.
    pub invite_expires: Option<i64>,
    /// Who sent the invitation.
    pub inviter_id: Option<i64>,
    /// The member's teams (pending: the teams the invitation grants) with the team role
    /// (`None` is Sentry's `contributor`), by slug.
    pub teams: Vec<(String, Option<String>)>,
}

/// Input of [`crate::store::Store::create_invite`].
#[derive(Debug, Clone)]
pub struct NewInvite {
    /// The organization.
    pub organization_id: i64,
    /// Lower-cased address.
    pub email: String,
    /// Organization role granted on acceptance.
    pub role: String,
    /// Teams joined on acceptance, with the team role.
    pub teams: Vec<(i64, Option<String>)>,
    /// SHA-256 of the link's secret.
    pub token_hash: String,
    /// Unix milliseconds.
    pub expires: i64,
    /// Who invites.
    pub inviter_id: i64,
}

/// Who accepts an invitation (see [`crate::store::Store::accept_invite`]).
#[derive(Debug, Clone)]
pub enum Acceptor {
    /// A user that exists.
    Existing(i64),
    /// A user created together with the acceptance.
    New(NewUser),
}

/// Input of [`crate::store::Store::create_key`].
#[derive(Debug, Clone)]
pub struct NewKey {
    /// The project.
    pub project_id: i64,
    /// Display name.
    pub label: String,
    /// The public key.
    pub public_key: String,
    /// The legacy secret.
    pub secret_key: String,
}

// --- release health ------------------------------------------------------------------------

/// A release of an organization, with its projects and deploys.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    /// Primary key.
    pub id: i64,
    /// Owning organization.
    pub organization_id: i64,
    /// The version string, as SDKs send it (`app@1.2.3+build`).
    pub version: String,
    /// A VCS reference (commit, tag), if given.
    pub reference: Option<String>,
    /// A URL for the release, if given.
    pub url: Option<String>,
    /// Unix ms.
    pub date_created: i64,
    /// Unix ms when it was finalized, if it was.
    pub date_released: Option<i64>,
    /// Oldest event of the release (Unix ms).
    pub first_event: Option<i64>,
    /// Newest event of the release (Unix ms).
    pub last_event: Option<i64>,
    /// The projects it is in, by slug.
    pub projects: Vec<ReleaseProjectRow>,
    /// How many deploys it has.
    pub deploy_count: i64,
    /// Its newest deploy.
    pub last_deploy: Option<DeployRow>,
    /// Sentry's `open` or `archived`.
    pub status: String,
}

/// A project of a release.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseProjectRow {
    /// Project id.
    pub id: i64,
    /// Project slug.
    pub slug: String,
    /// Project name.
    pub name: String,
    /// Project platform.
    pub platform: Option<String>,
    /// Issues first seen in this release in this project.
    pub new_groups: i64,
}

/// A deploy of a release to an environment.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployRow {
    /// Primary key.
    pub id: i64,
    /// Where it was deployed.
    pub environment: String,
    /// Optional name.
    pub name: Option<String>,
    /// Optional URL.
    pub url: Option<String>,
    /// Unix ms, if given.
    pub date_started: Option<i64>,
    /// Unix ms.
    pub date_finished: i64,
}

/// A release to create (or to add projects and details to, when it exists).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRelease {
    /// Owning organization.
    pub organization_id: i64,
    /// Version string.
    pub version: String,
    /// VCS reference.
    pub reference: Option<String>,
    /// URL.
    pub url: Option<String>,
    /// Unix ms when released, if already.
    pub date_released: Option<i64>,
    /// Projects it belongs to.
    pub project_ids: Vec<i64>,
    /// `open` or `archived`; `None` leaves an existing release's (a new one is open).
    pub status: Option<String>,
}

/// Changes to a release; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseChange {
    /// New VCS reference.
    pub reference: Option<String>,
    /// New URL.
    pub url: Option<String>,
    /// New release date (`Some(None)` clears it).
    pub date_released: Option<Option<i64>>,
    /// New status, `open` or `archived`.
    pub status: Option<String>,
}

/// Which releases of an organization to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseQuery {
    /// The organization.
    pub organization_id: i64,
    /// Only releases in these projects (all when empty).
    pub project_ids: Vec<i64>,
    /// Only versions containing this text.
    pub text: Option<String>,
    /// Only releases with this status (`open`, `archived`); all when `None`.
    pub status: Option<String>,
    /// Only releases in (or, negated, not in) these adoption stages in one environment
    /// (Sentry's `release.stage:` search).
    pub stage: Option<StageFilter>,
    /// Releases to skip (pagination).
    pub offset: i64,
    /// Most releases to return.
    pub limit: i64,
}

/// A release's adoption stage in one project and environment, as Sentry names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdoptionStage {
    /// Never reached the adoption threshold (no adoption row).
    LowAdoption,
    /// Above the threshold since it was adopted.
    Adopted,
    /// Was adopted, then fell below the threshold.
    Replaced,
}

impl AdoptionStage {
    /// Sentry's name: `low_adoption`, `adopted` or `replaced`.
    pub fn as_str(self) -> &'static str {
        match self {
            AdoptionStage::LowAdoption => "low_adoption",
            AdoptionStage::Adopted => "adopted",
            AdoptionStage::Replaced => "replaced",
        }
    }

    /// The stage Sentry calls `name`.
    pub fn parse(name: &str) -> Option<AdoptionStage> {
        [AdoptionStage::LowAdoption, AdoptionStage::Adopted, AdoptionStage::Replaced]
            .into_iter()
            .find(|stage| stage.as_str() == name)
    }
}

/// `release.stage:` of a release search: one environment, the stages asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct StageFilter {
    /// The environment whose stages count (Sentry asks for exactly one).
    pub environment: String,
    /// The stages a release must have in one of the listed projects.
    pub stages: Vec<AdoptionStage>,
    /// `!release.stage:`: releases in none of them in any listed project.
    pub negated: bool,
}

/// A release's adoption in one project and environment (migration 0053).
#[derive(Debug, Clone, PartialEq)]
pub struct AdoptionRow {
    /// The project.
    pub project_id: i64,
    /// The release's version.
    pub release: String,
    /// The environment.
    pub environment: String,
    /// When it was adopted (Unix ms).
    pub adopted: i64,
    /// When it was replaced (Unix ms); `None` while adopted.
    pub unadopted: Option<i64>,
}

impl AdoptionRow {
    /// Its stage: adopted, or replaced once `unadopted` is set.
    pub fn stage(&self) -> AdoptionStage {
        match self.unadopted {
            None => AdoptionStage::Adopted,
            Some(_) => AdoptionStage::Replaced,
        }
    }
}

/// Sessions of one release in one project's environment over adoption's window.
#[derive(Debug, Clone, PartialEq)]
pub struct AdoptionTotal {
    /// The project.
    pub project_id: i64,
    /// The environment (never empty: Sentry adopts only in named environments).
    pub environment: String,
    /// The release's version.
    pub release: String,
    /// Its sessions in the window.
    pub sessions: i64,
}

/// What one run of the adoption task changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdoptionChanges {
    /// Releases newly adopted (or adopted again after being replaced).
    pub adopted: usize,
    /// Adopted releases that fell below the threshold.
    pub replaced: usize,
}

/// Which session counts to read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionQuery {
    /// Projects (at least one).
    pub project_ids: Vec<i64>,
    /// Only these releases (all when empty).
    pub releases: Vec<String>,
    /// Only these environments (all when empty).
    pub environments: Vec<String>,
    /// First hour (Unix seconds, inclusive).
    pub start_hour: i64,
    /// Last hour (Unix seconds, exclusive).
    pub end_hour: i64,
    /// Counts summed per interval of this many seconds from `start_hour` (each bucket's
    /// `hour` is its interval's start); hourly when 3600 or less.
    pub interval: i64,
    /// Whether to read the users too (only the user fields need them, and they are most of
    /// the rows).
    pub users: bool,
}

/// Session duration buckets to read (migration 0019): `[start, end)` in Unix seconds (whole
/// hours), in intervals of `interval` seconds from `start` (one interval when `None`).
#[derive(Debug, Clone, Default)]
pub struct DurationQuery {
    /// Projects to read (none: nothing is read).
    pub project_ids: Vec<i64>,
    /// Releases to keep (empty: all).
    pub releases: Vec<String>,
    /// Environments to keep (empty: all).
    pub environments: Vec<String>,
    /// First hour.
    pub start: i64,
    /// End (exclusive).
    pub end: i64,
    /// Interval length in seconds (a multiple of an hour); `None`: the whole range.
    pub interval: Option<i64>,
    /// Whether rows keep their environment (otherwise all environments are summed).
    pub by_environment: bool,
}

/// One bucket of session durations summed over an interval.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationRow {
    /// Project.
    pub project_id: i64,
    /// Release.
    pub release: String,
    /// Environment (empty unless [`DurationQuery::by_environment`]).
    pub environment: String,
    /// Start of the interval (Unix seconds).
    pub slot: i64,
    /// Histogram bucket (see `ingest::duration_histogram`).
    pub bucket: i64,
    /// Sessions in the bucket and the longest of them.
    pub count: crate::ingest::duration_histogram::BucketCount,
}

/// The release list's health figures of some (project, release) pairs, summed by the store
/// (times are Unix seconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseHealthQuery {
    /// Projects (at least one).
    pub project_ids: Vec<i64>,
    /// Releases (at least one).
    pub releases: Vec<String>,
    /// Only these environments (all when empty).
    pub environments: Vec<String>,
    /// Whether a pair has any sessions is looked for from here (`hasHealthData`).
    pub any_since: i64,
    /// Start of the summary period (it ends now).
    pub summary_since: i64,
    /// Start of the last 24 hours.
    pub day_since: i64,
    /// Start of the series and the length of its buckets.
    pub stats_since: i64,
    /// Length of the series' buckets.
    pub stats_rollup: i64,
    /// Whether the series counts users rather than sessions.
    pub stats_users: bool,
    /// End of everything (exclusive): the end of the current hour.
    pub end: i64,
}

/// Sessions and users of one (project, release) over a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthTotals {
    /// Hourly rows summed (0: no data at all, Sentry's `null`s).
    pub rows: i64,
    /// Started sessions.
    pub sessions: i64,
    /// Errored sessions, crashed and abnormal ones included.
    pub errored: i64,
    /// Crashed sessions.
    pub crashed: i64,
    /// Abnormal sessions.
    pub abnormal: i64,
    /// Distinct users.
    pub users: i64,
    /// Distinct users with a crashed session.
    pub crashed_users: i64,
}

/// What [`ReleaseHealthQuery`] asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseHealth {
    /// Per (project, release): totals over the summary period.
    pub summary: std::collections::HashMap<(i64, String), HealthTotals>,
    /// Per (project, release): totals over the last 24 hours.
    pub day: std::collections::HashMap<(i64, String), HealthTotals>,
    /// Per project, all its releases: totals over the last 24 hours.
    pub project_day: std::collections::HashMap<i64, HealthTotals>,
    /// The pairs with sessions since `any_since`.
    pub any: std::collections::HashSet<(i64, String)>,
    /// Per (project, release, bucket start): sessions or users of the series.
    pub stats: std::collections::HashMap<(i64, String, i64), i64>,
}

/// Session counts of one (project, release, environment, hour).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionBucket {
    /// Project.
    pub project_id: i64,
    /// Release.
    pub release: String,
    /// Environment (empty when none).
    pub environment: String,
    /// Unix seconds of the hour.
    pub hour: i64,
    /// Started sessions (`sum(session{init})`).
    pub sessions: i64,
    /// Errored sessions, crashed and abnormal ones included.
    pub errored: i64,
    /// Crashed sessions.
    pub crashed: i64,
    /// Abnormal sessions.
    pub abnormal: i64,
    /// Sum of clean exits' durations (seconds).
    pub duration_sum: f64,
    /// Clean exits with a duration.
    pub duration_count: i64,
}

/// One user in one (project, release, environment, hour), with the sets they are in
/// (`ingest::session::user_flags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserBucket {
    /// Project.
    pub project_id: i64,
    /// Release.
    pub release: String,
    /// Environment.
    pub environment: String,
    /// Unix seconds of the hour.
    pub hour: i64,
    /// Distinct id.
    pub did: String,
    /// Set bits.
    pub flags: u8,
}

/// What one group commit changed in an issue, published to live subscribers (the dashboard's
/// issue stream) once the commit is durable. Counters are the issue's totals after the commit,
/// so a subscriber that missed an update still shows the right numbers with the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueUpdate {
    /// The issue.
    pub issue_id: i64,
    /// Its project (what decides who may see the update).
    pub project_id: i64,
    /// Whether this commit opened the issue.
    pub is_new: bool,
    /// Events, in total.
    pub times_seen: i64,
    /// Distinct users, in total.
    pub user_count: i64,
    /// Unix milliseconds.
    pub first_seen: i64,
    /// Unix milliseconds.
    pub last_seen: i64,
    /// `unresolved`, `resolved` or `ignored` after the commit (an event may bring it back).
    pub status: String,
    /// Sentry's substatus after the commit (`regressed`, `escalating`, ...).
    pub substatus: Option<String>,
    /// Severity of the latest event.
    pub level: String,
    /// The issue's priority after the commit (an escalation raises it).
    pub priority: Priority,
    /// Events this commit added, per hour: `(hour start in Unix seconds, events)`, for
    /// sparklines.
    pub hours: Vec<(i64, i64)>,
    /// The environments of the events this commit added.
    pub environments: Vec<String>,
}

/// Which precounted distinct users to read (see migration 0018): per day, and over a period
/// that ends now. Counts of different (project, release, environment) keys cannot be added up,
/// so the caller reads them only where each of its groups gets one key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserCountQuery {
    /// Projects (at least one).
    pub project_ids: Vec<i64>,
    /// Only these releases (all when empty).
    pub releases: Vec<String>,
    /// Only these environments (all when empty).
    pub environments: Vec<String>,
    /// Each environment's own counts (`true`), or those of all environments together (or of
    /// the one environment in `environments`).
    pub by_environment: bool,
    /// First day of the series (Unix seconds of a UTC midnight, inclusive).
    pub start_day: i64,
    /// End of the series (exclusive).
    pub end_day: i64,
    /// Totals: the users with a session since this hour (the period must end now).
    pub totals_since: i64,
}

/// Distinct users of one (project, release, environment) over a day or a period, with how
/// many of them are in each of Sentry's sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserCount {
    /// Project.
    pub project_id: i64,
    /// Release.
    pub release: String,
    /// Environment (`/` for all environments together).
    pub environment: String,
    /// Unix seconds of the day (0 for a total).
    pub day: i64,
    /// Distinct users.
    pub users: i64,
    /// Users with an errored session (crashed and abnormal included); `None` where only the
    /// crashed set is counted (totals).
    pub errored: Option<i64>,
    /// Users with an abnormal session; `None` as `errored`.
    pub abnormal: Option<i64>,
    /// Users with a crashed session.
    pub crashed: i64,
}

/// What [`UserCountQuery`] asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserCounts {
    /// Per (project, release, environment, day).
    pub days: Vec<UserCount>,
    /// Per (project, release, environment) since `totals_since`.
    pub totals: Vec<UserCount>,
}

/// An assembled artifact bundle (source maps uploaded by `sentry-cli`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactBundleRow {
    pub id: i64,
    pub organization_id: i64,
    /// The manifest's `debug_id`, Sentry's bundle id.
    pub bundle_id: String,
    /// SHA-1 of the upload.
    pub checksum: String,
    pub release: Option<String>,
    pub dist: Option<String>,
    pub file_count: i64,
    /// Unix milliseconds.
    pub date_added: i64,
}

/// Input of [`crate::store::Store::create_artifact_bundle`]: a bundle read from its zip.
#[derive(Debug, Clone)]
pub struct NewArtifactBundle {
    pub organization_id: i64,
    pub bundle_id: String,
    pub checksum: String,
    pub release: Option<String>,
    pub dist: Option<String>,
    pub project_ids: Vec<i64>,
    pub files: Vec<NewArtifactFile>,
    /// The chunks it was assembled from, deleted with its creation.
    pub chunks: Vec<String>,
    pub date_added: i64,
}

/// One file of a [`NewArtifactBundle`].
#[derive(Debug, Clone)]
pub struct NewArtifactFile {
    pub kind: crate::ingest::sourcemaps::ArtifactKind,
    pub url: String,
    pub debug_id: Option<String>,
    pub sourcemap: Option<String>,
    pub content: Vec<u8>,
}

/// Dropped data of one hour (`outcome_hourly`), for the usage stats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeHourRow {
    pub project_id: i64,
    /// The hour's start, Unix seconds.
    pub hour: i64,
    /// `client` or `server`.
    pub source: String,
    pub category: String,
    pub reason: String,
    pub quantity: i64,
}

/// A cron monitor with its state per environment.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorRow {
    pub id: i64,
    /// Sentry's `id` of a monitor.
    pub guid: String,
    pub project_id: i64,
    pub slug: String,
    pub name: String,
    /// `active` or `disabled`.
    pub status: String,
    pub is_muted: bool,
    /// Sentry's stored shape of the configuration, as JSON.
    pub config: String,
    pub date_created: i64,
    /// The most recently checked-in first.
    pub environments: Vec<MonitorEnvironmentRow>,
}

/// A monitor's state in one environment.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorEnvironmentRow {
    pub id: i64,
    pub environment: String,
    /// `active` (no check-in yet), `ok` or `error`.
    pub status: String,
    pub is_muted: bool,
    pub last_checkin: Option<i64>,
    pub next_checkin: Option<i64>,
    pub next_checkin_latest: Option<i64>,
    /// The issue its failures opened.
    pub issue_id: Option<i64>,
}

/// One check-in of a monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInRow {
    pub guid: String,
    pub environment: String,
    /// `in_progress`, `ok`, `error`, `missed` or `timeout`.
    pub status: String,
    pub duration: Option<i64>,
    pub date_created: i64,
    pub expected_time: Option<i64>,
    pub monitor_config: Option<String>,
}

/// A change of a monitor through the API; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitorChange {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub status: Option<String>,
    pub is_muted: Option<bool>,
    /// The whole new configuration (already merged and checked), as JSON.
    pub config: Option<String>,
}

/// What became of a check-in.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckInRecorded {
    /// Stored (a new check-in, or the one it closed); `failure` when it made the monitor
    /// fail (an issue to open or add to). A recovery has resolved the issue already.
    Recorded { failure: Option<Box<MonitorFailure>> },
    /// Not stored; the outcome's reason (`monitor_not_found`, `monitor_disabled`,
    /// `checkin_finished`).
    Dropped(&'static str),
}

/// A monitor environment that failed: what its failure issue's event is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorFailure {
    pub project_id: i64,
    pub monitor_environment_id: i64,
    pub monitor_guid: String,
    pub monitor_slug: String,
    pub monitor_name: String,
    /// Sentry's stored shape of the configuration, as JSON.
    pub config: String,
    pub environment: String,
    /// Sentry's failure reason ("A missed check-in was detected", ...).
    pub reason: String,
    /// When the latest successful check-in came, if any.
    pub last_ok: Option<i64>,
    pub trace_id: Option<String>,
}

/// An issue alert rule with who made it and when it last fired.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRuleRow {
    pub rule: crate::alerts::Rule,
    pub project_id: i64,
    pub created_by: Option<UserRow>,
    pub date_created: i64,
    pub last_triggered: Option<i64>,
}

/// What a pass of data retention deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub events: u64,
    pub issues: u64,
    /// Stored envelope items (attachments, transactions, feedback, check-in items).
    pub items: u64,
    pub check_ins: u64,
    pub notifications: u64,
}

/// A project's service hook (Sentry's `ServiceHook`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHookRow {
    pub id: i64,
    /// What the API calls its id: 32 hex digits.
    pub guid: String,
    pub project_id: i64,
    pub url: String,
    /// The HMAC key its deliveries are signed with.
    pub secret: String,
    /// Gets every new event (`event.created`).
    pub on_created: bool,
    /// Gets every event that fired an alert rule (`event.alert`).
    pub on_alert: bool,
    pub is_active: bool,
    pub date_created: i64,
}

/// A delivery that is due, with what sending it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    pub id: i64,
    pub hook: ServiceHookRow,
    pub issue_id: i64,
    pub event_id: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// How one attempt at a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub id: i64,
    /// The delivery's hook.
    pub hook_id: i64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// `None`: finished (delivered, or given up); otherwise when to try again.
    pub retry_at: Option<i64>,
    pub at: i64,
}

/// A delivery of a hook, for its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
    pub issue_id: i64,
    pub event_id: String,
    pub date_created: i64,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub date_finished: Option<i64>,
}

/// Whether a user is subscribed to an issue's workflow notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueSubscription {
    pub subscribed: bool,
    /// Why, when subscribed: Sentry's `GroupSubscriptionReason` (`unknown` when asked for).
    pub reason: Option<String>,
}

/// An entry to add to an organization's audit log ([`crate::store::Store::record_audit`]).
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// The organization.
    pub organization_id: i64,
    /// Who did it; `None` for Cairn itself.
    pub actor_user_id: Option<i64>,
    /// Sentry's event name, e.g. `member.invite`.
    pub event: &'static str,
    /// The id of what changed.
    pub target_object: Option<i64>,
    /// The user the change was about.
    pub target_user_id: Option<i64>,
    /// Where the request came from.
    pub ip_address: Option<String>,
    /// A sentence saying what was done.
    pub note: String,
    /// Details, a JSON object.
    pub data: serde_json::Value,
}

/// An entry of an organization's audit log.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Primary key.
    pub id: i64,
    /// Who did it; `None` for Cairn itself (or a user since removed).
    pub actor: Option<UserRow>,
    /// Sentry's event name.
    pub event: String,
    /// The id of what changed.
    pub target_object: Option<i64>,
    /// The user the change was about.
    pub target_user: Option<UserRow>,
    /// Where the request came from.
    pub ip_address: Option<String>,
    /// A sentence saying what was done.
    pub note: String,
    /// Details, JSON text.
    pub data: String,
    /// Unix milliseconds.
    pub date_created: i64,
}

/// An issue deleted with "discard future events" (Sentry's group tombstone): its hashes'
/// later events are dropped at ingestion until it is undiscarded.
#[derive(Debug, Clone)]
pub struct DiscardedIssueRow {
    /// Primary key.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The deleted issue's id (`0` for those discarded before Cairn kept it).
    pub previous_issue_id: i64,
    /// The deleted issue's title.
    pub title: String,
    /// Its culprit.
    pub culprit: String,
    /// Its level.
    pub level: String,
    /// Its type (`error`, `default`, `csp`, ...).
    pub event_type: String,
    /// Its metadata, JSON text.
    pub metadata: String,
    /// Who discarded it, if the user still exists.
    pub actor: Option<UserRow>,
    /// Unix milliseconds.
    pub date_added: i64,
}

/// What an organization's weekly report says ([`crate::store::Store::weekly_report`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeeklyReportRow {
    /// Each project of the organization, by slug.
    pub projects: Vec<ProjectWeekRow>,
    /// The issues with the most events in the week, most first.
    pub top_issues: Vec<TopIssueRow>,
}

/// One project's week.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectWeekRow {
    /// The project's slug.
    pub slug: String,
    /// Error events in the week.
    pub errors: i64,
    /// Error events in the week before.
    pub errors_before: i64,
    /// Issues first seen in the week.
    pub new_issues: i64,
    /// Issues resolved in the week (each time one was).
    pub resolved: i64,
    /// Issues that regressed in the week.
    pub regressed: i64,
    /// Sessions that started in the week (release health).
    pub sessions: i64,
    /// Of which crashed.
    pub crashed: i64,
}

/// An issue of the week.
#[derive(Debug, Clone, PartialEq)]
pub struct TopIssueRow {
    /// The issue's id.
    pub id: i64,
    /// Its project's slug.
    pub project: String,
    /// Its short id number.
    pub short_id: i64,
    /// Its title.
    pub title: String,
    /// Its events in the week.
    pub events: i64,
}

/// A saved search of the issue stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearchRow {
    /// Primary key.
    pub id: i64,
    /// The organization.
    pub organization_id: i64,
    /// Who saved it (`None` once the user is gone).
    pub owner_user_id: Option<i64>,
    /// Its name.
    pub name: String,
    /// The search.
    pub query: String,
    /// The stream's sort.
    pub sort: String,
    /// `owner` or `organization`.
    pub visibility: String,
    /// Unix milliseconds.
    pub date_created: i64,
}

/// A member's recent search (migration 0054).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentSearchRow {
    /// Primary key.
    pub id: i64,
    /// Sentry's search type (`0`: issues).
    pub kind: i64,
    /// The search.
    pub query: String,
    /// When it was last run (Unix ms).
    pub last_seen: i64,
    /// When it was first run (Unix ms).
    pub date_created: i64,
}

/// A user's two-factor authenticator ([`crate::store::Store::authenticator`]).
#[derive(Debug, Clone)]
pub struct AuthenticatorRow {
    /// The user.
    pub user_id: i64,
    /// The TOTP secret, base32.
    pub totp_secret: String,
    /// How many recovery codes are left.
    pub recovery_codes_left: i64,
    /// Unix milliseconds of the enrollment.
    pub date_created: i64,
    /// Unix milliseconds of the last accepted code, if any.
    pub last_used_at: Option<i64>,
}

/// A metric alert rule ([`crate::store::Store::metric_alert_rules`]).
#[derive(Debug, Clone)]
pub struct MetricAlertRuleRow {
    /// Primary key.
    pub id: i64,
    /// The organization.
    pub organization_id: i64,
    /// The organization's slug (for links).
    pub organization_slug: String,
    /// The rule.
    pub rule: crate::alerts::metric::MetricRule,
    /// The projects it measures: (id, slug).
    pub projects: Vec<(i64, String)>,
    /// Who made it.
    pub created_by: Option<UserRow>,
    /// Unix milliseconds.
    pub date_created: i64,
    /// Unix milliseconds.
    pub date_modified: i64,
    /// The figure of the latest evaluation (`None`: no data, or never evaluated).
    pub last_value: Option<f64>,
    /// When it was last evaluated (Unix milliseconds).
    pub last_evaluated: Option<i64>,
    /// Its open incident, else its latest closed one.
    pub latest_incident: Option<IncidentRow>,
}

/// An incident of a metric alert rule.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    /// Primary key.
    pub id: i64,
    /// Its number in the organization.
    pub identifier: i64,
    /// The rule.
    pub rule_id: i64,
    /// The rule's name when it opened.
    pub title: String,
    /// Sentry's `IncidentStatus`: 10 warning, 20 critical, 2 closed.
    pub status: i64,
    /// Unix milliseconds.
    pub date_started: i64,
    /// Unix milliseconds, once closed.
    pub date_closed: Option<i64>,
    /// The figure that opened it.
    pub value: f64,
}

/// One change of an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentActivityRow {
    /// Primary key.
    pub id: i64,
    /// Sentry's `IncidentActivityType`: 4 detected, 2 a status change.
    pub kind: i64,
    /// The new status.
    pub value: Option<i64>,
    /// The status before.
    pub previous_value: Option<i64>,
    /// The figure then.
    pub metric_value: Option<f64>,
    /// Unix milliseconds.
    pub date_created: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_follow_sentrys_levels_numbers_and_escalation_steps() {
        let levels = ["fatal", "error", "warning", "info", "debug", "sample"];
        let expected = ["high", "high", "medium", "low", "low", "high"];
        let got: Vec<&str> = levels.iter().map(|l| Priority::for_level(l).name()).collect();
        assert_eq!(got, expected);
        for priority in [Priority::Low, Priority::Medium, Priority::High] {
            assert_eq!(Priority::from_code(priority.code()), priority);
            assert_eq!(Priority::from_name(priority.name()), Some(priority));
        }
        assert_eq!(Priority::from_name("urgent"), None);
        let steps = [Priority::Low, Priority::Medium, Priority::High].map(Priority::escalated);
        assert_eq!(steps, [Priority::Medium, Priority::High, Priority::High]);
        // `sort=priority`'s key puts every high issue before every medium one, however old.
        let key =
            |priority: Priority, last_seen: i64| priority.code() * PRIORITY_SORT_SCALE + last_seen;
        assert!(key(Priority::High, 0) > key(Priority::Medium, 4_102_444_800_000));
    }
}

/// An environment as a project (or an organization) has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentRow {
    /// Primary key (per organization and name).
    pub id: i64,
    /// The name events were sent with.
    pub name: String,
    /// Whether the project hides it from the environment pickers (for an organization: every
    /// project that saw it does).
    pub is_hidden: bool,
}
