//! Cron check-ins: the `check_in` envelope item SDKs send for a monitored job, and the same
//! fields from the HTTP check-in route (`/api/{project_id}/cron/{slug}/{key}/?status=ok`),
//! checked as Relay's `process_check_in` checks them.

use serde::Deserialize;
use serde_json::Value;

use crate::monitors::schedule::MonitorConfig;

/// Relay's cap on a monitor slug.
const MAX_SLUG_LENGTH: usize = 50;
/// The environment of a check-in that names none, as in Sentry.
pub const DEFAULT_ENVIRONMENT: &str = "production";

/// What a check-in says of its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInStatus {
    /// The job started.
    InProgress,
    /// The job ended well.
    Ok,
    /// The job failed.
    Error,
}

impl CheckInStatus {
    pub fn parse(text: &str) -> Option<CheckInStatus> {
        match text {
            "in_progress" => Some(CheckInStatus::InProgress),
            "ok" => Some(CheckInStatus::Ok),
            "error" => Some(CheckInStatus::Error),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckInStatus::InProgress => "in_progress",
            CheckInStatus::Ok => "ok",
            CheckInStatus::Error => "error",
        }
    }
}

/// A checked check-in, ready for the store.
#[derive(Debug, Clone)]
pub struct NewCheckIn {
    /// The SDK's `check_in_id` as 32 hex digits; `None` when it sent none (or the nil UUID):
    /// a final status then closes the environment's latest check-in in progress.
    pub check_in_id: Option<String>,
    /// The monitor, by slug (slugified as Relay does).
    pub monitor_slug: String,
    pub status: CheckInStatus,
    pub environment: String,
    /// How long the job ran, in milliseconds (SDKs send seconds).
    pub duration_ms: Option<i64>,
    /// The monitor's configuration, to create or update it by ("upsert").
    pub config: Option<MonitorConfig>,
    /// The trace the job ran in.
    pub trace_id: Option<String>,
}

/// Why a check-in is refused; the text is the outcome's reason (and the HTTP route's detail).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckInError {
    #[error("the check-in is not valid JSON")]
    InvalidJson,
    #[error("the check-in has no monitor slug")]
    MissingSlug,
    #[error("the check-in's status must be in_progress, ok or error")]
    InvalidStatus,
    #[error("the check-in's monitor_config is not valid: {0}")]
    InvalidConfig(String),
}

impl CheckInError {
    /// The reason its dropped-data outcome is counted under.
    pub fn outcome_reason(&self) -> &'static str {
        match self {
            CheckInError::InvalidJson => "invalid_json",
            CheckInError::MissingSlug => "invalid_monitor_slug",
            CheckInError::InvalidStatus => "invalid_check_in_status",
            CheckInError::InvalidConfig(_) => "invalid_monitor_config",
        }
    }
}

/// The fields of a check-in as SDKs write them.
#[derive(Debug, Default, Deserialize)]
pub struct RawCheckIn {
    #[serde(default)]
    pub check_in_id: Option<String>,
    #[serde(default)]
    pub monitor_slug: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub duration: Option<f64>,
    #[serde(default)]
    pub monitor_config: Option<Value>,
    #[serde(default)]
    pub contexts: Option<Value>,
}

/// A `check_in` envelope item.
pub fn parse_item(payload: &[u8]) -> Result<NewCheckIn, CheckInError> {
    let raw: RawCheckIn = serde_json::from_slice(payload).map_err(|_| CheckInError::InvalidJson)?;
    check(raw)
}

/// Checks and normalizes the fields of a check-in, wherever they came from.
pub fn check(raw: RawCheckIn) -> Result<NewCheckIn, CheckInError> {
    let monitor_slug = slugify(raw.monitor_slug.as_deref().unwrap_or_default());
    if monitor_slug.is_empty() {
        return Err(CheckInError::MissingSlug);
    }
    let status =
        raw.status.as_deref().and_then(CheckInStatus::parse).ok_or(CheckInError::InvalidStatus)?;
    let check_in_id = raw
        .check_in_id
        .as_deref()
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .filter(|id| !id.is_nil())
        .map(|id| id.simple().to_string());
    let environment = raw
        .environment
        .as_deref()
        .map(str::trim)
        .filter(|env| !env.is_empty())
        .map(|env| env.chars().take(64).collect())
        .unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_owned());
    let config = match raw.monitor_config {
        None | Some(Value::Null) => None,
        Some(config) => Some(
            MonitorConfig::from_check_in(&config)
                .map_err(|err| CheckInError::InvalidConfig(err.0))?,
        ),
    };
    let trace_id = raw
        .contexts
        .as_ref()
        .and_then(|contexts| contexts.pointer("/trace/trace_id"))
        .and_then(Value::as_str)
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .map(|id| id.simple().to_string());
    Ok(NewCheckIn {
        check_in_id,
        monitor_slug,
        status,
        environment,
        duration_ms: raw
            .duration
            .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
            .map(|seconds| (seconds * 1000.0).round() as i64),
        config,
        trace_id,
    })
}

/// Relay's slug: lowercase ASCII letters, digits, `-` and `_`, every other run of characters
/// one `-`, no `-` at either end, at most 50 characters.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len().min(MAX_SLUG_LENGTH));
    let mut dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if slug.len() >= MAX_SLUG_LENGTH {
            break;
        }
    }
    slug.truncate(MAX_SLUG_LENGTH);
    slug.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_sdk_check_in_is_read_with_its_config() {
        let check_in = parse_item(
            br#"{"check_in_id":"6a0a8a3b-7f8c-4f1d-9d0e-3c1e2b4a5f60","monitor_slug":"Nightly Report",
                "status":"ok","duration":1.2345,"environment":"staging",
                "monitor_config":{"schedule":{"type":"crontab","value":"0 3 * * *"},"checkin_margin":5},
                "contexts":{"trace":{"trace_id":"0af7651916cd43dd8448eb211c80319c"}}}"#,
        )
        .expect("valid");
        assert_eq!(check_in.check_in_id.as_deref(), Some("6a0a8a3b7f8c4f1d9d0e3c1e2b4a5f60"));
        assert_eq!(check_in.monitor_slug, "nightly-report");
        assert_eq!(check_in.status, CheckInStatus::Ok);
        assert_eq!(check_in.environment, "staging");
        assert_eq!(check_in.duration_ms, Some(1235));
        assert_eq!(check_in.config.expect("config").margin_ms(), 300_000);
        assert_eq!(check_in.trace_id.as_deref(), Some("0af7651916cd43dd8448eb211c80319c"));
    }

    #[test]
    fn a_check_in_without_id_or_environment_gets_sentrys_defaults() {
        let check_in = parse_item(
            br#"{"check_in_id":"00000000-0000-0000-0000-000000000000","monitor_slug":"job","status":"in_progress"}"#,
        )
        .expect("valid");
        assert_eq!(check_in.check_in_id, None);
        assert_eq!(check_in.environment, "production");
        assert!(check_in.config.is_none());
    }

    #[test]
    fn bad_check_ins_are_refused_with_their_reason() {
        let reason = |payload: &[u8]| parse_item(payload).expect_err("refused").outcome_reason();
        assert_eq!(reason(b"{"), "invalid_json");
        assert_eq!(reason(br#"{"monitor_slug":"!!!","status":"ok"}"#), "invalid_monitor_slug");
        assert_eq!(reason(br#"{"monitor_slug":"a","status":"missed"}"#), "invalid_check_in_status");
        assert_eq!(
            reason(br#"{"monitor_slug":"a","status":"ok","monitor_config":{"schedule":{"type":"crontab","value":"nope"}}}"#),
            "invalid_monitor_config"
        );
    }

    #[test]
    fn slugs_are_relays() {
        assert_eq!(slugify("My Cron Job!"), "my-cron-job");
        assert_eq!(slugify("--a__b--"), "a__b");
        assert_eq!(slugify(&"x".repeat(80)).len(), 50);
    }
}
