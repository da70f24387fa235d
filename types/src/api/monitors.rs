//! Cron monitors (Sentry's *Crons*): scheduled jobs that check in through the SDKs
//! (`check_in` envelope items) or plain HTTP, in Sentry's API shape
//! (`GET /api/0/organizations/{org}/monitors/`, `.../monitors/{slug}/checkins/`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Project;

/// A monitor, as Sentry's `MonitorSerializer` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Monitor {
    /// The monitor's GUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// URL-safe name, unique in its project; what check-ins name (`monitor_slug`).
    pub slug: String,
    /// `active` or `disabled` (a disabled monitor takes no check-ins and is never missed).
    pub status: String,
    /// Whether its failures stay quiet (no issue is opened).
    pub is_muted: bool,
    /// Always `cron_job`.
    #[serde(rename = "type")]
    pub monitor_type: String,
    /// The schedule and its margins.
    pub config: MonitorConfig,
    /// When it was created.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// The project it belongs to.
    pub project: Project,
    /// One entry per environment its check-ins came from, the most recent first.
    pub environments: Vec<MonitorEnvironment>,
}

/// A monitor's `config`, Sentry's field names (snake case, as Sentry writes them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorConfig {
    /// `crontab` or `interval`.
    pub schedule_type: String,
    /// A crontab line (`"0 * * * *"`), or `[count, unit]` for an interval (`[10, "minute"]`).
    pub schedule: Value,
    /// Minutes after the expected time before a check-in counts as missed.
    #[serde(default)]
    pub checkin_margin: Option<i64>,
    /// Minutes an `in_progress` check-in may run before it times out.
    #[serde(default)]
    pub max_runtime: Option<i64>,
    /// The crontab's time zone (tz database name); UTC when absent.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Failed check-ins in a row before an issue is opened (1 when absent).
    #[serde(default)]
    pub failure_issue_threshold: Option<i64>,
    /// Successful check-ins in a row before the issue is resolved (1 when absent).
    #[serde(default)]
    pub recovery_threshold: Option<i64>,
}

/// A monitor's state in one environment, Sentry's `MonitorEnvironmentSerializer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorEnvironment {
    /// The environment's name (`production` when the check-ins named none).
    pub name: String,
    /// `active` (no check-in yet), `ok` or `error` (failing: missed, timed out or errored).
    pub status: String,
    /// Whether this environment's failures stay quiet.
    pub is_muted: bool,
    /// When the monitor was created.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// The latest check-in.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub last_check_in: Option<DateTime<Utc>>,
    /// When the next check-in is expected.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub next_check_in: Option<DateTime<Utc>>,
    /// The latest the next check-in may come (the expected time and the margin) before it
    /// counts as missed.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub next_check_in_latest: Option<DateTime<Utc>>,
    /// The issue its failures opened, if any (Cairn's addition, for linking to it).
    #[serde(default)]
    pub issue_id: Option<String>,
}

/// One check-in, Sentry's `MonitorCheckInSerializer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorCheckIn {
    /// The check-in's id (the SDK's `check_in_id`).
    pub id: String,
    /// Its environment.
    pub environment: String,
    /// `in_progress`, `ok`, `error`, `missed` or `timeout`.
    pub status: String,
    /// How long the job ran, in milliseconds, once it is known.
    pub duration: Option<i64>,
    /// When the check-in arrived (or, for `missed`, when it was found missing).
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// When the schedule expected it.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub expected_time: Option<DateTime<Utc>>,
    /// The monitor's configuration at the time.
    #[serde(default)]
    pub monitor_config: Value,
}

/// `POST /api/0/organizations/{org}/monitors/` and `PUT .../monitors/{slug}/`: Sentry's
/// monitor validator. On `PUT` every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorRequest {
    /// The project's slug (creation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// URL-safe name; derived from the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// `active` or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Mute or unmute the monitor's failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_muted: Option<bool>,
    /// `cron_job` (the only type).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub monitor_type: Option<String>,
    /// The schedule; on `PUT`, its fields replace the current ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
}

/// `PUT /api/0/organizations/{org}/monitors/{monitor}/environments/{environment}/`: mutes or
/// unmutes one environment of a monitor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorEnvironmentRequest {
    /// Whether its failures stop opening and feeding its issue.
    #[serde(default)]
    pub is_muted: Option<bool>,
}
