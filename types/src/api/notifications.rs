//! The in-app inbox: what happened to issues assigned to the user
//! (`GET`/`PUT /api/0/users/me/notifications/`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{Activity, Issue};

/// One notification: an activity of an issue the user is assigned to (or was just assigned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Numeric id, as a string.
    pub id: String,
    /// `assigned`, `set_regression`, `note`, `new_issue` or `alert` (an alert rule fired;
    /// the activity's data names it: `rule`, `ruleId`).
    #[serde(rename = "type")]
    pub kind: String,
    /// When it was created.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// When the user marked it read; `null` while unread.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_read: Option<DateTime<Utc>>,
    /// The issue.
    pub issue: Issue,
    /// What happened, with who did it.
    pub activity: Activity,
}

/// `PUT /api/0/users/me/notifications/`: mark these ids read, or all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkNotificationsRequest {
    /// Ids to mark.
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    /// Mark every notification of the user.
    #[serde(default)]
    pub all: Option<bool>,
    /// Sentry's inbox flag; only `true` (read) is accepted.
    #[serde(default)]
    pub is_read: Option<bool>,
}

/// The answer of the `PUT`, and of `GET /api/0/users/me/notifications/unread/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCount {
    /// Notifications not read yet.
    pub unread: i64,
}

/// One of the user's notification options (`GET /api/0/users/me/notification-options/`),
/// Sentry's shape: whether the emails of a `type` of notification are sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationOption {
    /// Numeric id, as a string.
    pub id: String,
    /// `user`: Cairn keeps options per user only.
    pub scope_type: String,
    /// The user's id.
    pub scope_identifier: String,
    /// `alerts` (new issues, alert rules), `workflow` (assignments, comments, regressions) or
    /// `reports` (the weekly report).
    #[serde(rename = "type")]
    pub kind: String,
    /// `always` or `never`.
    pub value: String,
    /// The user's id (Sentry's field name).
    #[serde(rename = "user_id")]
    pub user_id: String,
    /// Always `null`: no team-scoped options.
    #[serde(rename = "team_id")]
    pub team_id: Option<String>,
}

/// `PUT /api/0/users/me/notification-options/`: sets one option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNotificationOptionRequest {
    /// `user` (the only scope Cairn keeps).
    pub scope_type: String,
    /// The user's id; the caller when absent.
    #[serde(default)]
    pub scope_identifier: Option<String>,
    /// `alerts`, `workflow` or `reports`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `always` or `never`.
    pub value: String,
}
