//! Events in Sentry's API shape (`GET /api/0/projects/{org}/{project}/events/{id}/`): the
//! interfaces become `entries`, tags become `{key, value}` objects.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One event with its interfaces as entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The event id (32 hex digits); Sentry repeats it as `eventID`.
    pub id: String,
    /// The event id.
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// The issue it belongs to, as a string.
    #[serde(rename = "groupID")]
    pub group_id: String,
    /// The project, as a string.
    #[serde(rename = "projectID")]
    pub project_id: String,
    /// The issue title it would have.
    pub title: String,
    /// Where it happened (the transaction, else the top in-app frame), as the issue shows it.
    #[serde(default)]
    pub culprit: String,
    /// Sentry's metadata of the event (`type`, `value`, `filename`, `function`, ...), from
    /// which its title is made.
    #[serde(default)]
    pub metadata: Value,
    /// The formatted message, or the exception's `Type: value`.
    pub message: String,
    /// `error` or `default`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The SDK's platform.
    pub platform: String,
    /// When it happened (corrected for clock drift).
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// When Cairn received it.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_received: DateTime<Utc>,
    /// `exception`, `message`, `breadcrumbs`, `request`, `threads`, `stacktrace` entries,
    /// each `{"type": ..., "data": ...}`.
    pub entries: Vec<Value>,
    /// Tags as `{key, value}` objects.
    pub tags: Vec<EventTag>,
    /// Contexts (`os`, `runtime`, `browser`, custom ones).
    pub contexts: Value,
    /// The user, if any.
    pub user: Option<Value>,
    /// The SDK that sent it.
    pub sdk: Option<Value>,
    /// Extra data.
    pub context: Value,
    /// The packages the application had installed (`modules`: name to version), as Sentry's
    /// *Packages*; `null` when the SDK sent none.
    #[serde(default)]
    pub packages: Option<std::collections::BTreeMap<String, String>>,
    /// The release, if any.
    pub release: Option<Value>,
    /// The release's distribution (a build of it), if any.
    #[serde(default)]
    pub dist: Option<String>,
    /// Processing errors (fields Cairn dropped or cut, with why).
    pub errors: Vec<Value>,
    /// The SDK fingerprint, if any.
    pub fingerprints: Vec<String>,
    /// The previous event of the issue, if any.
    #[serde(rename = "previousEventID")]
    pub previous_event_id: Option<String>,
    /// The next event of the issue, if any.
    #[serde(rename = "nextEventID")]
    pub next_event_id: Option<String>,
}

/// A tag of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTag {
    /// Tag name.
    pub key: String,
    /// Tag value.
    pub value: String,
}
