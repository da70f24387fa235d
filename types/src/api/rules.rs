//! Issue alert rules, Sentry's shape (`GET /api/0/projects/{org}/{project}/rules/`): when an
//! issue's events meet the rule's conditions and filters, its actions notify people (in the
//! inbox, and by email when the server has a mail server), at most once per `frequency`
//! minutes per issue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Sentry's condition "A new issue is created".
pub const FIRST_SEEN: &str = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition";
/// "The issue changes state from resolved to unresolved".
pub const REGRESSION: &str = "sentry.rules.conditions.regression_event.RegressionEventCondition";
/// "The issue changes state from ignored to unresolved".
pub const REAPPEARED: &str = "sentry.rules.conditions.reappeared_event.ReappearedEventCondition";
/// "Sentry marks a new issue as high priority": a new issue whose priority is high.
pub const NEW_HIGH_PRIORITY: &str =
    "sentry.rules.conditions.high_priority_issue.NewHighPriorityIssueCondition";
/// "Sentry marks an existing issue as high priority": an ignored issue that came back with
/// a high priority.
pub const EXISTING_HIGH_PRIORITY: &str =
    "sentry.rules.conditions.high_priority_issue.ExistingHighPriorityIssueCondition";
/// "The issue is seen more than {value} times in {interval}".
pub const EVENT_FREQUENCY: &str = "sentry.rules.conditions.event_frequency.EventFrequencyCondition";
/// "The issue is seen by more than {value} users in {interval}".
pub const UNIQUE_USER_FREQUENCY: &str =
    "sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition";
/// The filter "The event's level is {match} {level}".
pub const LEVEL_FILTER: &str = "sentry.rules.filters.level.LevelFilter";
/// "The issue has happened at least {value} times".
pub const OCCURRENCES_FILTER: &str =
    "sentry.rules.filters.issue_occurrences.IssueOccurrencesFilter";
/// "The issue is {older or newer} than {value} {time}".
pub const AGE_FILTER: &str = "sentry.rules.filters.age_comparison.AgeComparisonFilter";
/// "The event's tags match {key} {match} {value}".
pub const TAGGED_EVENT_FILTER: &str = "sentry.rules.filters.tagged_event.TaggedEventFilter";
/// "The event is from the latest release".
pub const LATEST_RELEASE_FILTER: &str = "sentry.rules.filters.latest_release.LatestReleaseFilter";
/// The action "Send a notification to {target}".
pub const NOTIFY_EMAIL: &str = "sentry.mail.actions.NotifyEmailAction";

/// An issue alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRule {
    /// Numeric id, as a string.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `any`, `all` or `none` of the conditions.
    pub action_match: String,
    /// `any`, `all` or `none` of the filters.
    pub filter_match: String,
    /// Minutes between two notifications of one issue.
    pub frequency: i64,
    /// Sentry's condition objects (`id` and its fields, `name` its sentence).
    pub conditions: Vec<Value>,
    /// Sentry's filter objects.
    pub filters: Vec<Value>,
    /// Sentry's action objects.
    pub actions: Vec<Value>,
    /// Only events of this environment, or any.
    pub environment: Option<String>,
    /// `active`.
    pub status: String,
    /// The project's slug, as Sentry lists it.
    pub projects: Vec<String>,
    /// Who made it.
    pub created_by: Option<RuleCreator>,
    /// When it was made.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// When it last sent notifications, for any issue (Cairn's addition).
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub last_triggered: Option<DateTime<Utc>>,
}

/// The user who made a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCreator {
    /// User id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// `POST .../rules/` and `PUT .../rules/{id}/`: Sentry's rule validator (every field but
/// `name`, `conditions` and `actions` optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleRequest {
    /// Display name.
    pub name: String,
    /// `any` (the default), `all` or `none` of the conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_match: Option<String>,
    /// `all` (the default), `any` or `none` of the filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_match: Option<String>,
    /// Minutes between two notifications of one issue (30 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<i64>,
    /// Sentry's condition objects.
    #[serde(default)]
    pub conditions: Vec<Value>,
    /// Sentry's filter objects.
    #[serde(default)]
    pub filters: Vec<Value>,
    /// Sentry's action objects.
    #[serde(default)]
    pub actions: Vec<Value>,
    /// Only events of this environment; none or empty for any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}
