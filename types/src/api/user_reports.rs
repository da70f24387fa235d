//! User feedback on an error, in Sentry's `UserReport` shape: what the person who met the error
//! wrote about it (an SDK's `user_report` item, or a `feedback` item that names the event).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One person's feedback on an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserReport {
    /// The report's id, as a string.
    pub id: String,
    /// The event it is about (32 hex digits).
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// The name the person gave.
    pub name: String,
    /// The email address the person gave.
    pub email: String,
    /// What they wrote.
    pub comments: String,
    /// When Cairn received it.
    #[serde(rename = "dateCreated")]
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// The event, as Sentry nests it.
    pub event: UserReportEvent,
    /// The issue of the event, when the event is stored (Sentry nests the whole issue; these
    /// are the fields a link to it needs).
    pub issue: Option<UserReportIssue>,
    /// Sentry's user of the event; Cairn answers `null`, as Sentry does for most reports.
    pub user: Option<serde_json::Value>,
}

/// The event a [`UserReport`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserReportEvent {
    /// Its id (32 hex digits).
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// Sentry's internal id of the event; `null` here, as in Sentry's own example.
    pub id: Option<String>,
}

/// The issue a [`UserReport`]'s event belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserReportIssue {
    /// Its id, as a string.
    pub id: String,
    /// Its short id (`BACKEND-1A`).
    #[serde(rename = "shortId")]
    pub short_id: String,
    /// Its title.
    pub title: String,
}
