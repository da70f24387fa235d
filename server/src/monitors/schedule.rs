//! A monitor's configuration: its schedule (a crontab line in a time zone, or an interval),
//! its margins and thresholds, read from the two shapes Sentry takes, and when it expects its
//! next check-in.
//!
//! - SDKs send `monitor_config` with a check-in: `{"schedule": {"type": "crontab", "value":
//!   "0 * * * *"}, "checkin_margin": 5, ...}` or `{"type": "interval", "value": 10, "unit":
//!   "minute"}`.
//! - The Web API reads and writes Sentry's stored shape: `{"schedule_type": "crontab",
//!   "schedule": "0 * * * *", ...}` or `"schedule": [10, "minute"]`.

use std::str::FromStr;

use chrono::{DateTime, Duration, Months, Timelike, Utc};
use croner::parser::{CronParser, Seconds, Year};
use serde_json::{json, Map, Value};

/// Sentry's default margin: a check-in is missed one minute after its expected time.
pub const DEFAULT_CHECKIN_MARGIN: i64 = 1;
/// Sentry's default run time: an `in_progress` check-in times out after 30 minutes.
pub const DEFAULT_MAX_RUNTIME: i64 = 30;
/// Sentry's bounds on the margin and the run time, in minutes (28 days).
const MAX_MINUTES: i64 = 40_320;
/// Sentry's bound on the thresholds.
const MAX_THRESHOLD: i64 = 720;

/// What is wrong with a configuration; the text is the API's `detail`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn invalid(text: impl Into<String>) -> ConfigError {
    ConfigError(text.into())
}

/// The unit of an interval schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalUnit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl IntervalUnit {
    fn parse(name: &str) -> Option<IntervalUnit> {
        // Sentry takes the singular; SDKs and people also write the plural.
        Some(match name.trim_end_matches('s') {
            "minute" => IntervalUnit::Minute,
            "hour" => IntervalUnit::Hour,
            "day" => IntervalUnit::Day,
            "week" => IntervalUnit::Week,
            "month" => IntervalUnit::Month,
            "year" => IntervalUnit::Year,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            IntervalUnit::Minute => "minute",
            IntervalUnit::Hour => "hour",
            IntervalUnit::Day => "day",
            IntervalUnit::Week => "week",
            IntervalUnit::Month => "month",
            IntervalUnit::Year => "year",
        }
    }
}

/// When a monitor's job runs.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// A five-field crontab line (or `@hourly` and the other nicknames), in `timezone`.
    Crontab { line: String, cron: Box<croner::Cron>, timezone: chrono_tz::Tz },
    /// Every `count` units.
    Interval { count: u32, unit: IntervalUnit },
}

/// A checked monitor configuration.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    pub schedule: Schedule,
    /// Minutes after the expected time before a check-in is missed.
    pub checkin_margin: Option<i64>,
    /// Minutes an `in_progress` check-in may run.
    pub max_runtime: Option<i64>,
    /// The time zone as given (kept as written, for the API).
    pub timezone: Option<String>,
    pub failure_issue_threshold: Option<i64>,
    pub recovery_threshold: Option<i64>,
}

impl MonitorConfig {
    /// An SDK check-in's `monitor_config`.
    pub fn from_check_in(config: &Value) -> Result<MonitorConfig, ConfigError> {
        let config =
            config.as_object().ok_or_else(|| invalid("monitor_config must be an object"))?;
        let schedule = config
            .get("schedule")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("monitor_config.schedule is required"))?;
        let kind = schedule.get("type").and_then(Value::as_str).unwrap_or("crontab");
        let value = schedule.get("value").unwrap_or(&Value::Null);
        let schedule_value = match kind {
            "interval" => json!([value, schedule.get("unit").unwrap_or(&Value::Null)]),
            _ => value.clone(),
        };
        Self::build(kind, &schedule_value, config)
    }

    /// The Web API's `config` (Sentry's stored shape).
    pub fn from_api(config: &Value) -> Result<MonitorConfig, ConfigError> {
        let config = config.as_object().ok_or_else(|| invalid("config must be an object"))?;
        let schedule =
            config.get("schedule").ok_or_else(|| invalid("config.schedule is required"))?;
        let kind = match config.get("schedule_type").and_then(Value::as_str) {
            Some(kind) => kind,
            None if schedule.is_array() => "interval",
            None => "crontab",
        };
        Self::build(kind, schedule, config)
    }

    /// The stored configuration with the fields of an API `PUT` replacing its own.
    pub fn patched(&self, patch: &Value) -> Result<MonitorConfig, ConfigError> {
        let Value::Object(mut merged) = self.to_api() else {
            unreachable!("to_api writes an object")
        };
        let patch = patch.as_object().ok_or_else(|| invalid("config must be an object"))?;
        if patch.contains_key("schedule") && !patch.contains_key("schedule_type") {
            merged.remove("schedule_type");
        }
        for (key, value) in patch {
            merged.insert(key.clone(), value.clone());
        }
        Self::from_api(&Value::Object(merged))
    }

    fn build(
        kind: &str,
        schedule: &Value,
        config: &Map<String, Value>,
    ) -> Result<MonitorConfig, ConfigError> {
        let timezone = match config.get("timezone") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => {
                chrono_tz::Tz::from_str(name)
                    .map_err(|_| invalid(format!("{name:?} is not a valid time zone")))?;
                Some(name.clone())
            }
            Some(_) => return Err(invalid("timezone must be a string")),
        };
        let schedule = match kind {
            "crontab" => {
                let line = schedule
                    .as_str()
                    .ok_or_else(|| invalid("a crontab schedule must be a string"))?
                    .trim();
                Schedule::Crontab {
                    line: line.to_owned(),
                    cron: Box::new(parse_crontab(line)?),
                    timezone: timezone
                        .as_deref()
                        .and_then(|name| chrono_tz::Tz::from_str(name).ok())
                        .unwrap_or(chrono_tz::UTC),
                }
            }
            "interval" => {
                let parts =
                    schedule.as_array().filter(|parts| parts.len() == 2).ok_or_else(|| {
                        invalid("an interval schedule is [count, unit], e.g. [10, \"minute\"]")
                    })?;
                let count = match &parts[0] {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                }
                .filter(|count| (1..=u32::MAX as u64).contains(count))
                .ok_or_else(|| invalid("an interval's count must be a positive whole number"))?;
                let unit = parts[1].as_str().and_then(IntervalUnit::parse).ok_or_else(|| {
                    invalid("an interval's unit is one of year, month, week, day, hour, minute")
                })?;
                Schedule::Interval { count: count as u32, unit }
            }
            other => {
                return Err(invalid(format!(
                    "schedule type {other:?} is not one of crontab, interval"
                )))
            }
        };
        Ok(MonitorConfig {
            schedule,
            checkin_margin: minutes(config, "checkin_margin", MAX_MINUTES)?,
            max_runtime: minutes(config, "max_runtime", MAX_MINUTES)?,
            timezone,
            failure_issue_threshold: minutes(config, "failure_issue_threshold", MAX_THRESHOLD)?,
            recovery_threshold: minutes(config, "recovery_threshold", MAX_THRESHOLD)?,
        })
    }

    /// Sentry's stored shape, as the Web API writes it.
    pub fn to_api(&self) -> Value {
        let (kind, schedule) = match &self.schedule {
            Schedule::Crontab { line, .. } => ("crontab", json!(line)),
            Schedule::Interval { count, unit } => ("interval", json!([count, unit.name()])),
        };
        json!({
            "schedule_type": kind,
            "schedule": schedule,
            "checkin_margin": self.checkin_margin,
            "max_runtime": self.max_runtime,
            "timezone": self.timezone,
            "failure_issue_threshold": self.failure_issue_threshold,
            "recovery_threshold": self.recovery_threshold,
        })
    }

    /// The margin in milliseconds.
    pub fn margin_ms(&self) -> i64 {
        self.checkin_margin.unwrap_or(DEFAULT_CHECKIN_MARGIN).max(1) * 60_000
    }

    /// The run time allowed, in milliseconds.
    pub fn max_runtime_ms(&self) -> i64 {
        self.max_runtime.unwrap_or(DEFAULT_MAX_RUNTIME).max(1) * 60_000
    }

    /// Failed check-ins in a row that open an issue.
    pub fn failure_threshold(&self) -> i64 {
        self.failure_issue_threshold.unwrap_or(1).max(1)
    }

    /// Successful check-ins in a row that resolve it.
    pub fn recovery_threshold(&self) -> i64 {
        self.recovery_threshold.unwrap_or(1).max(1)
    }

    /// When the check-in after one at `reference_ms` is expected, as Sentry computes it: from
    /// the reference's minute, the crontab's next tick (in the monitor's time zone) or the
    /// reference plus the interval. `None` when the schedule never fires again.
    pub fn next_expected_ms(&self, reference_ms: i64) -> Option<i64> {
        let reference = DateTime::<Utc>::from_timestamp_millis(reference_ms)?
            .with_second(0)?
            .with_nanosecond(0)?;
        let next = match &self.schedule {
            Schedule::Crontab { cron, timezone, .. } => cron
                .find_next_occurrence(&reference.with_timezone(timezone), false)
                .ok()?
                .with_timezone(&Utc),
            Schedule::Interval { count, unit } => {
                let count = *count;
                match unit {
                    IntervalUnit::Minute => reference + Duration::minutes(count.into()),
                    IntervalUnit::Hour => reference + Duration::hours(count.into()),
                    IntervalUnit::Day => reference + Duration::days(count.into()),
                    IntervalUnit::Week => reference + Duration::weeks(count.into()),
                    IntervalUnit::Month => reference.checked_add_months(Months::new(count))?,
                    IntervalUnit::Year => {
                        reference.checked_add_months(Months::new(count.checked_mul(12)?))?
                    }
                }
            }
        };
        Some(next.timestamp_millis())
    }
}

/// A standard five-field crontab line (minute, hour, day of month, month, day of week), names
/// (`MON`, `JAN`) and nicknames (`@daily`) included, as Sentry takes them: no seconds, no
/// years.
fn parse_crontab(line: &str) -> Result<croner::Cron, ConfigError> {
    if line.is_empty() {
        return Err(invalid("the crontab schedule is empty"));
    }
    let fields = line.split_whitespace().count();
    if !line.starts_with('@') && fields != 5 {
        return Err(invalid(format!(
            "{line:?} is not a valid crontab schedule: it needs 5 fields (minute hour day month weekday)"
        )));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(line)
        .map_err(|err| invalid(format!("{line:?} is not a valid crontab schedule: {err}")))
}

fn minutes(config: &Map<String, Value>, key: &str, max: i64) -> Result<Option<i64>, ConfigError> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .or_else(|| value.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .filter(|n| (1..=max).contains(n))
            .map(Some)
            .ok_or_else(|| invalid(format!("{key} must be a whole number from 1 to {max}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        text.parse::<DateTime<Utc>>().expect("a timestamp").timestamp_millis()
    }

    fn crontab(line: &str, timezone: Option<&str>) -> MonitorConfig {
        MonitorConfig::from_check_in(&json!({
            "schedule": {"type": "crontab", "value": line}, "timezone": timezone
        }))
        .expect("valid")
    }

    #[test]
    fn a_crontab_expects_its_next_tick_after_the_check_ins_minute() {
        let hourly = crontab("0 * * * *", None);
        // A job that starts at 10:00 and checks in three seconds late is next expected at 11:00.
        assert_eq!(
            hourly.next_expected_ms(at("2026-12-05T10:00:03Z")),
            Some(at("2026-12-05T11:00:00Z"))
        );
        assert_eq!(
            hourly.next_expected_ms(at("2026-12-05T10:59:59Z")),
            Some(at("2026-12-05T11:00:00Z"))
        );
        let weekdays = crontab("30 9 * * MON-FRI", None);
        // Friday 2026-12-04 09:30 → Monday 2026-12-07 09:30.
        assert_eq!(
            weekdays.next_expected_ms(at("2026-12-04T09:30:10Z")),
            Some(at("2026-12-07T09:30:00Z"))
        );
        assert_eq!(
            crontab("@daily", None).next_expected_ms(at("2026-12-05T10:00:00Z")),
            Some(at("2026-12-06T00:00:00Z"))
        );
    }

    #[test]
    fn a_crontab_runs_in_the_monitors_time_zone() {
        // 09:00 in Berlin is 08:00 UTC in winter.
        let berlin = crontab("0 9 * * *", Some("Europe/Berlin"));
        assert_eq!(
            berlin.next_expected_ms(at("2026-12-05T08:30:00Z")),
            Some(at("2026-12-06T08:00:00Z"))
        );
        assert_eq!(
            berlin.next_expected_ms(at("2026-12-05T07:30:00Z")),
            Some(at("2026-12-05T08:00:00Z"))
        );
    }

    #[test]
    fn an_interval_adds_its_units_to_the_check_ins_minute() {
        let every = |value: Value, unit: &str| {
            MonitorConfig::from_check_in(&json!({
                "schedule": {"type": "interval", "value": value, "unit": unit}
            }))
            .expect("valid")
        };
        let start = at("2026-01-31T10:15:42Z");
        assert_eq!(
            every(json!(10), "minute").next_expected_ms(start),
            Some(at("2026-01-31T10:25:00Z"))
        );
        assert_eq!(
            every(json!(2), "hour").next_expected_ms(start),
            Some(at("2026-01-31T12:15:00Z"))
        );
        assert_eq!(
            every(json!(1), "week").next_expected_ms(start),
            Some(at("2026-02-07T10:15:00Z"))
        );
        // A month after 31 January is the end of February, as Sentry's relativedelta has it.
        assert_eq!(
            every(json!(1), "month").next_expected_ms(start),
            Some(at("2026-02-28T10:15:00Z"))
        );
        assert_eq!(
            every(json!("1"), "years").next_expected_ms(start),
            Some(at("2027-01-31T10:15:00Z"))
        );
    }

    #[test]
    fn both_shapes_of_a_configuration_read_the_same() {
        let from_sdk = MonitorConfig::from_check_in(&json!({
            "schedule": {"type": "interval", "value": 10, "unit": "minute"},
            "checkin_margin": 5, "max_runtime": 20, "failure_issue_threshold": 2
        }))
        .expect("valid");
        let api = from_sdk.to_api();
        assert_eq!(api["schedule_type"], "interval");
        assert_eq!(api["schedule"], json!([10, "minute"]));
        assert_eq!(api["checkin_margin"], 5);
        let from_api = MonitorConfig::from_api(&api).expect("valid");
        assert_eq!(from_api.to_api(), api);
        assert_eq!((from_api.margin_ms(), from_api.max_runtime_ms()), (300_000, 1_200_000));
        assert_eq!((from_api.failure_threshold(), from_api.recovery_threshold()), (2, 1));
        // A `PUT` replaces the fields it names and keeps the others.
        let patched = from_api.patched(&json!({"schedule": "*/5 * * * *"})).expect("valid");
        assert_eq!(patched.to_api()["schedule_type"], "crontab");
        assert_eq!(patched.to_api()["checkin_margin"], 5);
    }

    #[test]
    fn bad_configurations_are_refused_with_a_reason() {
        let refused = |config: Value| MonitorConfig::from_api(&config).expect_err("refused").0;
        assert!(refused(json!({"schedule": "* * * *"})).contains("5 fields"));
        assert!(refused(json!({"schedule": "0 0 * * * *"})).contains("5 fields"));
        assert!(refused(json!({"schedule": "61 * * * *"})).contains("not a valid crontab"));
        assert!(refused(json!({"schedule": [0, "minute"]})).contains("positive"));
        assert!(refused(json!({"schedule": [5, "fortnight"]})).contains("unit"));
        assert!(refused(json!({"schedule": "0 * * * *", "timezone": "Mars/Olympus"}))
            .contains("time zone"));
        assert!(refused(json!({"schedule": "0 * * * *", "checkin_margin": 0}))
            .contains("checkin_margin"));
        assert!(refused(json!({"schedule_type": "solar", "schedule": "x"})).contains("solar"));
        assert!(refused(json!({})).contains("required"));
    }
}
