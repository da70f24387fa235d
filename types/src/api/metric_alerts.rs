//! Metric alert rules and their incidents, Sentry's shapes
//! (`GET /api/0/organizations/{org}/alert-rules/`, `.../incidents/`): a rule measures one
//! figure of its projects over a sliding window (errors, users with errors, crash-free sessions
//! or users) every minute; when the figure crosses a trigger's threshold an incident opens
//! (`warning` or `critical`), the trigger's actions email people, and the incident closes when
//! the figure is back past the resolve threshold.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `count()`: the errors of the window.
pub const AGGREGATE_COUNT: &str = "count()";
/// `count_unique(user)`: the users the window's errors happened to.
pub const AGGREGATE_USERS: &str = "count_unique(user)";
/// The crash-free session rate, in percent (Sentry's crash rate alert aggregate).
pub const AGGREGATE_CRASH_FREE_SESSIONS: &str =
    "percentage(sessions_crashed, sessions) AS _crash_rate_alert_aggregate";
/// The crash-free user rate, in percent.
pub const AGGREGATE_CRASH_FREE_USERS: &str =
    "percentage(users_crashed, users) AS _crash_rate_alert_aggregate";

/// Sentry's `IncidentStatus`: an incident that is over.
pub const INCIDENT_CLOSED: i64 = 2;
/// The figure is past the warning trigger's threshold.
pub const INCIDENT_WARNING: i64 = 10;
/// The figure is past the critical trigger's threshold.
pub const INCIDENT_CRITICAL: i64 = 20;

/// A metric alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricAlertRule {
    /// Numeric id, as a string.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `events` (errors) or `metrics` (release health).
    pub dataset: String,
    /// What is measured: one of the `AGGREGATE_*` constants.
    pub aggregate: String,
    /// Which errors count (`level:error`, `release:1.0`), or `""` for all.
    pub query: String,
    /// The window measured, in minutes.
    pub time_window: f64,
    /// `0`: the triggers fire above their threshold; `1`: below it.
    pub threshold_type: i64,
    /// Where an incident closes; `null`: back past the lowest trigger's threshold.
    pub resolve_threshold: Option<f64>,
    /// Evaluations in a row past a threshold before it fires (always 1).
    pub threshold_period: i64,
    /// Only this environment's data, or every environment's.
    pub environment: Option<String>,
    /// The slugs of the projects measured.
    pub projects: Vec<String>,
    /// `user:<id>` or `team:<id>`, or none.
    pub owner: Option<String>,
    /// The critical trigger, then the warning one if any.
    pub triggers: Vec<MetricAlertTrigger>,
    /// Who made it.
    pub created_by: Option<super::RuleCreator>,
    /// When it was made.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// When it was last changed.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_modified: DateTime<Utc>,
    /// The open incident, else the latest closed one, else `null`.
    #[serde(default)]
    pub latest_incident: Option<Incident>,
    /// The figure at the latest evaluation (Cairn's addition); `null` before the first or when
    /// there was no data (a crash-free rate without sessions).
    #[serde(default)]
    pub last_value: Option<f64>,
    /// When it was last evaluated (Cairn's addition).
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_last_evaluated: Option<DateTime<Utc>>,
}

/// A threshold of a rule and whom it notifies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricAlertTrigger {
    /// Numeric id, as a string.
    #[serde(default)]
    pub id: String,
    /// `critical` or `warning`.
    pub label: String,
    /// The threshold.
    pub alert_threshold: f64,
    /// The rule's threshold type.
    #[serde(default)]
    pub threshold_type: i64,
    /// The rule's resolve threshold.
    #[serde(default)]
    pub resolve_threshold: Option<f64>,
    /// Whom it emails.
    pub actions: Vec<MetricAlertAction>,
}

/// Sentry's trigger action; Cairn sends emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricAlertAction {
    /// Numeric id, as a string.
    #[serde(default)]
    pub id: String,
    /// `email`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `user` or `team`.
    pub target_type: String,
    /// The user's or team's id, as a string.
    pub target_identifier: String,
    /// "Send an email to {name}".
    #[serde(default)]
    pub desc: String,
}

/// `POST .../alert-rules/` and `PUT .../alert-rules/{id}/`: Sentry's metric alert rule
/// validator. `dataset` follows from `aggregate` when absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricAlertRuleRequest {
    /// Display name.
    pub name: String,
    /// One of the `AGGREGATE_*` constants.
    pub aggregate: String,
    /// `events` or `metrics` (or Sentry's older `sessions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// Which errors count; `""` for all.
    #[serde(default)]
    pub query: String,
    /// Minutes: 1, 5, 10, 15, 30, 60, 120, 240 or 1440 for errors; 30, 60, 120, 240, 720 or
    /// 1440 for crash-free rates.
    pub time_window: f64,
    /// `0` above (the default), `1` below.
    #[serde(default)]
    pub threshold_type: i64,
    /// Where an incident closes.
    #[serde(default)]
    pub resolve_threshold: Option<f64>,
    /// Evaluations in a row before firing: 1 if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_period: Option<i64>,
    /// Only this environment's data.
    #[serde(default)]
    pub environment: Option<String>,
    /// The slugs of the projects measured.
    pub projects: Vec<String>,
    /// `user:<id>` or `team:<id>`.
    #[serde(default)]
    pub owner: Option<String>,
    /// The critical trigger, and optionally a warning one.
    pub triggers: Vec<MetricAlertTriggerRequest>,
}

/// A trigger as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricAlertTriggerRequest {
    /// `critical` or `warning`.
    pub label: String,
    /// The threshold.
    pub alert_threshold: f64,
    /// Whom it emails (Sentry's action objects: `type`, `targetType`, `targetIdentifier`).
    #[serde(default)]
    pub actions: Vec<Value>,
}

/// An incident: a stretch of time when a rule's figure was past a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    /// Numeric id, as a string.
    pub id: String,
    /// Its number in the organization, as a string (the URLs' identifier).
    pub identifier: String,
    /// The rule's id, as a string (Cairn's addition; Sentry nests the rule).
    pub alert_rule_id: String,
    /// The rule's name at the time.
    pub title: String,
    /// [`INCIDENT_WARNING`], [`INCIDENT_CRITICAL`] or [`INCIDENT_CLOSED`].
    pub status: i64,
    /// The slugs of the rule's projects.
    pub projects: Vec<String>,
    /// When the figure first crossed a threshold.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_started: DateTime<Utc>,
    /// The same.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_detected: DateTime<Utc>,
    /// When it closed.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_closed: Option<DateTime<Utc>>,
    /// The figure that opened it (Cairn's addition).
    pub value: f64,
}

/// One change of an incident (`GET .../incidents/{identifier}/activity/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentActivity {
    /// Numeric id, as a string.
    pub id: String,
    /// The incident's identifier.
    pub incident_identifier: String,
    /// Sentry's `IncidentActivityType`: 2 a status change, 4 detected.
    #[serde(rename = "type")]
    pub kind: i64,
    /// The new status, as a string (for a status change).
    pub value: Option<String>,
    /// The status before, as a string.
    pub previous_value: Option<String>,
    /// The figure at that time (Cairn's addition).
    pub metric_value: Option<f64>,
    /// When.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
}
