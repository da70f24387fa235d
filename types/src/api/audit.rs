//! The organization's audit log: who changed what (Sentry's `AuditLogEntry`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::User;

/// One entry of `GET /api/0/organizations/{org}/audit-logs/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogEntry {
    /// Numeric id, as a string.
    pub id: String,
    /// Who did it; `null` for Cairn itself (the command line, an expired invitation).
    pub actor: Option<User>,
    /// What was done, in Sentry's names: `member.invite`, `team.create`, `project.edit`, ...
    pub event: String,
    /// The address the request came from, if known.
    pub ip_address: Option<String>,
    /// A sentence saying what was done, e.g. `invited member ann@example.com`.
    pub note: String,
    /// The id of what was changed (a member, team, project, key, rule, ...), if any.
    pub target_object: Option<i64>,
    /// The user the change was about (an invited or removed member), if any.
    pub target_user: Option<User>,
    /// Details of the change (names, slugs, roles, the fields changed).
    #[serde(default)]
    pub data: serde_json::Value,
    /// When.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
}

/// `GET /api/0/organizations/{org}/audit-logs/`: a page of entries, newest first, and every
/// event name the log can hold (for a filter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLog {
    /// The entries.
    pub rows: Vec<AuditLogEntry>,
    /// The event names the `event` filter accepts.
    pub options: Vec<String>,
}
