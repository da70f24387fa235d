//! Issues (Sentry calls them groups) as the issue list and details return them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An issue in Sentry's shape (`GET /api/0/organizations/{org}/issues/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// Numeric id, as a string.
    pub id: String,
    /// Human id: the project slug upper-cased and a base-32 counter, e.g. `BACKEND-1A`.
    pub short_id: String,
    /// Title, e.g. `ValueError: invalid literal`.
    pub title: String,
    /// Where it happened: a function or transaction name.
    pub culprit: String,
    /// Link to the issue in the dashboard.
    pub permalink: String,
    /// Logger name, if the events carried one.
    pub logger: Option<String>,
    /// `fatal`, `error`, `warning`, `info` or `debug`.
    pub level: String,
    /// `unresolved`, `resolved` or `ignored`.
    pub status: String,
    /// Details of the status (e.g. `inRelease`); empty object when none.
    pub status_details: serde_json::Value,
    /// `new`, `ongoing`, `escalating`, `regressed`, ... for unresolved issues.
    pub substatus: Option<String>,
    /// Sentry's issue priority: `high`, `medium` or `low` (see [`PRIORITIES`]). Set from the
    /// first event's level, raised when an ignored issue escalates, or set by someone.
    #[serde(default)]
    pub priority: Option<String>,
    /// When someone set the priority: from then on Cairn no longer changes it by itself.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub priority_locked_at: Option<DateTime<Utc>>,
    /// Why the issue is in the "For Review" inbox (`is:for_review`), or `null` when it is not:
    /// Sentry's `inbox` (which Sentry adds with `expand=inbox`), `{"reason": 0 new,
    /// 2 regression or 5 escalating, "reason_details": null, "date_added": time}`. Kept as
    /// JSON: the dashboard only asks whether it is there, and a typed reader of its own would
    /// cost the issue list's wasm.
    #[serde(default)]
    pub inbox: Option<serde_json::Value>,
    /// Platform of the events (`python`, `javascript`, `rust`, ...).
    pub platform: String,
    /// The project the issue belongs to.
    pub project: IssueProject,
    /// Event type: `error` or `default`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Parts of the title: `type`, `value`, `filename`, `function`, `title`.
    pub metadata: serde_json::Value,
    /// Always `"error"` for now (Sentry's issue category).
    pub issue_category: String,
    /// Whether any event was an unhandled error.
    pub is_unhandled: bool,
    /// Number of comments.
    pub num_comments: i64,
    /// The assignee, or `null`.
    pub assigned_to: Option<serde_json::Value>,
    /// Whether the requesting user bookmarked it.
    pub is_bookmarked: bool,
    /// Whether anyone with its public link may read it (Sentry's issue sharing).
    #[serde(default)]
    pub is_public: bool,
    /// The id of its public link (`/share/issue/{shareId}/`), when it is shared.
    #[serde(default)]
    pub share_id: Option<String>,
    /// Whether the requesting user has seen it.
    pub has_seen: bool,
    /// Number of events, as a string (Sentry's shape).
    pub count: String,
    /// Number of distinct users affected.
    pub user_count: i64,
    /// When the first event happened.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub first_seen: DateTime<Utc>,
    /// When the latest event happened.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub last_seen: DateTime<Utc>,
    /// Events per bucket for sparklines, by period: `{"24h": [[unix seconds, events], ...]}`
    /// (hourly) or `{"14d": ...}` (daily) in issue lists; `{"24h": ..., "30d": ...}` (hourly and
    /// daily) in an issue's details, as Sentry sends them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<serde_json::Value>,
    /// The issue's suggested owners, with `expand=owners` on the issue lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<super::IssueOwner>>,
}

/// Sentry's issue priorities, highest first: the values of [`Issue::priority`], of
/// [`UpdateIssueRequest::priority`] and of the search term `issue.priority:`.
pub const PRIORITIES: [&str; 3] = ["high", "medium", "low"];

/// The project reference inside an [`Issue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueProject {
    /// Numeric id, as a string.
    pub id: String,
    /// Display name.
    pub name: String,
    /// URL-safe name.
    pub slug: String,
    /// Platform of the project.
    pub platform: Option<String>,
}

/// One issue with its activity log (`GET /api/0/organizations/{org}/issues/{id}/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueDetails {
    /// The issue, as in the list.
    #[serde(flatten)]
    pub issue: Issue,
    /// What happened to the issue, newest first.
    pub activity: Vec<Activity>,
    /// The release of its first event, if that had one.
    #[serde(default)]
    pub first_release: Option<crate::api::Release>,
    /// The release of its latest event with one.
    #[serde(default)]
    pub last_release: Option<crate::api::Release>,
    /// How many user feedback reports its events have.
    #[serde(default)]
    pub user_report_count: i64,
    /// Whether the caller hears of its workflow: comments, assignment, resolution,
    /// regressions (Sentry's `isSubscribed`).
    #[serde(default)]
    pub is_subscribed: bool,
    /// Why the caller is subscribed (Sentry's `subscriptionDetails`); `null` when not.
    #[serde(default)]
    pub subscription_details: Option<SubscriptionDetails>,
    /// The people who hear of its workflow: its subscribers and assignees.
    #[serde(default)]
    pub participants: Vec<crate::api::User>,
    /// The members who have opened it, the most recent first (Sentry's `seenBy`).
    #[serde(default)]
    pub seen_by: Vec<SeenBy>,
}

/// A member who has opened an issue: the user, and when they last did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenBy {
    /// The user.
    #[serde(flatten)]
    pub user: crate::api::User,
    /// When they last opened the issue.
    pub last_seen: DateTime<Utc>,
}

/// Why someone is subscribed to an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionDetails {
    /// Sentry's reasons: `unknown` (asked for), `commented`, `assigned`, `bookmarked`,
    /// `status_change`, `mentioned`, `team_mentioned`.
    pub reason: String,
}

/// What a short id names (`GET /api/0/organizations/{org}/shortids/{short_id}/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShortIdLookup {
    /// The organization's slug.
    pub organization_slug: String,
    /// The issue's project slug.
    pub project_slug: String,
    /// The issue's id.
    pub group_id: String,
    /// The short id, as Cairn writes it (`BACKEND-1A`).
    pub short_id: String,
    /// The issue.
    pub group: Issue,
}

/// An entry of an issue's activity log, in Sentry's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// Numeric id, as a string.
    pub id: String,
    /// `first_seen`, `set_resolved`, `set_unresolved`, `set_ignored`, `set_regression`,
    /// `set_priority` (`{"priority": "high", "reason": "escalating" or null}`), `mark_reviewed`,
    /// ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Who did it; `null` when Cairn did (first seen, regression).
    pub user: Option<crate::api::User>,
    /// Details, e.g. `{"version": "1.2.0"}` for a regression.
    pub data: serde_json::Value,
    /// When.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
}

/// `PUT /api/0/organizations/{org}/issues/{id}/`: the changes to make.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateIssueRequest {
    /// `resolved`, `unresolved` or `ignored` (`resolvedInNextRelease` is not supported yet).
    #[serde(default)]
    pub status: Option<String>,
    /// Sentry's status details; for `ignored`, only "forever" (no condition) is supported yet.
    #[serde(default)]
    pub status_details: Option<serde_json::Value>,
    /// `ongoing`, `archived_forever`, ...: accepted and checked against the status.
    #[serde(default)]
    pub substatus: Option<String>,
    /// Who works on it: `user:<id>`, `team:<id>`, a user id, a username or an email;
    /// `null` (or `""`) unassigns. Absent: unchanged.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<Option<String>>,
    /// Mark as seen (or not) by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_seen: Option<bool>,
    /// Bookmark (or not) for the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_bookmarked: Option<bool>,
    /// Share by a public link (or stop sharing: the link stops working).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// Subscribe (or not) the caller to the issue's workflow notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_subscribed: Option<bool>,
    /// `high`, `medium` or `low`: set the priority, which Cairn then no longer changes by
    /// itself (Sentry's `priorityLockedAt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// `false`: mark reviewed (out of the "For Review" inbox); `true`: put it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox: Option<bool>,
    /// Bulk update only: merge the selected issues into one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<bool>,
    /// Bulk update only: delete the selected issues and drop their later events (Sentry's
    /// "Delete and discard future events"); `event:admin`, answered `204`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discard: Option<bool>,
}

/// One grouping hash of an issue, as `GET /api/0/organizations/{org}/issues/{id}/hashes/`
/// lists them (Sentry's *Merged Issues* tab): unmerging hashes moves their events out into a
/// new issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueHash {
    /// The hash (32 hex digits).
    pub id: String,
    /// The latest event grouped by this hash, if any is kept.
    #[serde(default)]
    pub latest_event: Option<crate::api::Event>,
    /// Always `false` in Cairn (Sentry's AI grouping merges).
    #[serde(default)]
    pub merged_by_seer: bool,
}

/// How much an issue looks like another, by the features of Sentry's similar-issues index
/// (`GET /api/0/organizations/{org}/issues/{id}/similar/`, its *Similar Issues* tab): each the
/// overlap (Jaccard index, 0 to 1) of the two issues' feature sets, or `None` when either issue
/// lacks that feature (no exception, no message, frames without a module or file name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimilarityScores {
    /// Runs of five characters of the exceptions' values.
    #[serde(default, rename = "exception:message:character-shingles")]
    pub exception_message: Option<f64>,
    /// The stack traces' blocks of consecutive in-app frames.
    #[serde(default, rename = "exception:stacktrace:application-chunks")]
    pub application_chunks: Option<f64>,
    /// The stack traces' pairs of neighbouring frames.
    #[serde(default, rename = "exception:stacktrace:pairs")]
    pub stacktrace_pairs: Option<f64>,
    /// Runs of five characters of the message.
    #[serde(default, rename = "message:message:character-shingles")]
    pub message: Option<f64>,
}

impl SimilarityScores {
    /// The mean of the exception features both issues have, as Sentry's tab shows it
    /// (its *Exception* column); `None` when they have none in common.
    pub fn exception(&self) -> Option<f64> {
        mean([self.exception_message, self.application_chunks, self.stacktrace_pairs])
    }

    /// The mean of every feature both issues have: how the similar issues are ranked.
    pub fn overall(&self) -> Option<f64> {
        mean([self.exception_message, self.application_chunks, self.stacktrace_pairs, self.message])
    }
}

fn mean<const N: usize>(scores: [Option<f64>; N]) -> Option<f64> {
    let present: Vec<f64> = scores.into_iter().flatten().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

/// One entry of the similar-issues list: Sentry's pair `[issue, scores]`.
pub type SimilarIssue = (Issue, SimilarityScores);

/// A discarded issue (Sentry's group tombstone), as `GET /api/0/projects/{org}/{project}/
/// tombstones/` lists them: the project's events with its hashes are dropped at ingestion
/// until it is deleted (undiscarded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    /// Numeric id, as a string.
    pub id: String,
    /// The deleted issue's level.
    pub level: String,
    /// The deleted issue's title.
    pub message: String,
    /// The deleted issue's culprit.
    pub culprit: String,
    /// The deleted issue's type (`error`, `default`, `csp`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The deleted issue's metadata (`type`, `value`, `title`, ...).
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// Who discarded it, when known.
    #[serde(default)]
    pub actor: Option<crate::api::User>,
    /// When it was discarded.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_added: DateTime<Utc>,
}

/// A saved search of the issue stream, as `GET /api/0/organizations/{org}/searches/` lists
/// them (Sentry's shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSearch {
    /// Numeric id, as a string.
    pub id: String,
    /// `0`: a search of issues (Sentry's only type here).
    #[serde(rename = "type")]
    pub kind: i64,
    /// What the stream shows it as.
    pub name: String,
    /// The search, in Sentry's syntax (`is:unresolved assigned:me`).
    pub query: String,
    /// `date`, `new`, `freq` or `user`.
    pub sort: String,
    /// `owner` (the caller's own) or `organization` (every member's).
    pub visibility: String,
    /// Always `false`: Cairn's default views are the stream's tabs.
    #[serde(default)]
    pub is_global: bool,
    /// Always `false`.
    #[serde(default)]
    pub is_pinned: bool,
    /// When it was saved.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
}

/// A member's recent search (`GET /api/0/organizations/{org}/recent-searches/`), Sentry's
/// shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentSearch {
    /// Numeric id, as a string.
    pub id: String,
    /// The organization's id, as a string.
    pub organization_id: String,
    /// Sentry's search type: `0` for issues.
    #[serde(rename = "type")]
    pub kind: i64,
    /// The search, in Sentry's syntax.
    pub query: String,
    /// When it was last run.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub last_seen: DateTime<Utc>,
    /// When it was first run.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
}

/// `POST /api/0/organizations/{org}/recent-searches/`: a search that was just run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentSearchRequest {
    /// Sentry's search type: `0` for issues.
    #[serde(rename = "type")]
    pub kind: i64,
    /// The search.
    pub query: String,
}

/// `POST /api/0/organizations/{org}/searches/` and `PUT .../searches/{id}/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSearchRequest {
    /// `0` (issues), the only type; may be left out.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<i64>,
    /// What the stream shows it as (at most 128 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// The search.
    #[serde(default)]
    pub query: Option<String>,
    /// `date` (default), `new`, `freq` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// `owner` (default) or `organization`, which takes `org:write`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
}

/// Tells a field sent as `null` (`Some(None)`) from a field not sent (`None`, by
/// `#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /api/0/issues/{id}/comments/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewComment {
    /// The comment, as plain text (rendered as text, never as HTML).
    pub text: String,
    /// Who the comment mentions (Sentry's actors: `user:<id>`, `team:<id>`, a user id or an
    /// email): they are subscribed to the issue and hear of the comment. Only when adding one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
}

/// A tag of an issue with its most frequent values (`GET /api/0/issues/{id}/tags/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueTag {
    /// Tag name.
    pub key: String,
    /// Display name (the key, as Sentry shows custom tags).
    pub name: String,
    /// Events that carried the tag.
    pub total_values: i64,
    /// How many different values it had (Sentry's `uniqueValues`).
    #[serde(default)]
    pub unique_values: i64,
    /// The most frequent values.
    pub top_values: Vec<TagValue>,
}

/// One value of a tag on an issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagValue {
    /// Tag name.
    pub key: String,
    /// Display value.
    pub name: String,
    /// The value.
    pub value: String,
    /// Events with it.
    pub count: i64,
    /// First event with it.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub first_seen: DateTime<Utc>,
    /// Latest event with it.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub last_seen: DateTime<Utc>,
}

/// A tag key of an organization's issues (`GET /api/0/organizations/{org}/tags/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagKey {
    /// Tag name.
    pub key: String,
    /// Display name (the key).
    pub name: String,
    /// How many distinct values it has.
    pub total_values: i64,
}

/// `GET /api/0/shared/issues/{share_id}/`: what an issue's public link shows (Sentry's shared
/// issue), to anyone who has the link: the issue's title and place, and its latest event
/// without the user, tags, contexts, breadcrumbs, request, extra data or SDK (only its
/// message, exceptions, stack trace and threads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedIssue {
    /// The link's id.
    pub share_id: String,
    /// Always `true` (Sentry's field).
    pub is_public: bool,
    /// Human id, e.g. `BACKEND-1A`.
    pub short_id: String,
    /// Title.
    pub title: String,
    /// Where it happened.
    pub culprit: String,
    /// Severity.
    pub level: String,
    /// `unresolved`, `resolved` or `ignored`.
    pub status: String,
    /// Event type: `error` or `default`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Parts of the title.
    pub metadata: serde_json::Value,
    /// When the first event happened.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub first_seen: DateTime<Utc>,
    /// When the latest event happened.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub last_seen: DateTime<Utc>,
    /// The project and its organization, by name.
    pub project: SharedProject,
    /// The latest event, stripped as above; `null` when none is stored.
    pub latest_event: Option<super::Event>,
}

/// The project of a [`SharedIssue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedProject {
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Its organization.
    pub organization: SharedOrganization,
}

/// The organization of a [`SharedProject`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedOrganization {
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
}
