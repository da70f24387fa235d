//! Live updates of the issue stream (`GET /api/0/organizations/{org}/live/`, server-sent events).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// SSE event name of an [`IssueUpdate`].
pub const LIVE_ISSUE_EVENT: &str = "issue";
/// SSE event name sent once the subscription is in place (data `{}`): events stored from then
/// on are announced.
pub const LIVE_READY_EVENT: &str = "ready";
/// SSE event name telling the client it missed updates (it read too slowly) and should reload
/// what it shows (data `{}`).
pub const LIVE_RELOAD_EVENT: &str = "reload";

/// What a durable write changed in an issue: the data of an `issue` event. The counters are the
/// issue's totals, so applying the latest update is always right, whatever was missed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueUpdate {
    /// Issue id, as a string (as in the issue list).
    pub id: String,
    /// Project id, as a string.
    pub project: String,
    /// Whether these events opened the issue.
    pub is_new: bool,
    /// Events in total, as a string (Sentry's `count`).
    pub count: String,
    /// Distinct users in total.
    pub user_count: i64,
    /// When the first event happened.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub first_seen: DateTime<Utc>,
    /// When the latest event happened.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub last_seen: DateTime<Utc>,
    /// `unresolved`, `resolved` or `ignored` (a new event may bring an issue back).
    pub status: String,
    /// Sentry's substatus (`new`, `ongoing`, `regressed`, `escalating`, ...).
    pub substatus: Option<String>,
    /// Severity of the latest event.
    pub level: String,
    /// The issue's priority (`high`, `medium`, `low`) after these writes: an ignored issue that
    /// escalates goes up a step.
    #[serde(default)]
    pub priority: Option<String>,
    /// Events these writes added, per hour: `[[hour start in Unix seconds, events], ...]`, to
    /// add to sparklines.
    pub hours: Vec<(i64, i64)>,
    /// Environments of the events these writes added.
    pub environments: Vec<String>,
}
