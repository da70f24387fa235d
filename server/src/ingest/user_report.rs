//! A user report written through Cairn itself (the crash-report dialog, Sentry's
//! `POST .../user-feedback/`) rather than sent by an SDK as an envelope item: checked as Sentry
//! checks its `UserReport` form, and stored as the `user_report` item an SDK would have sent.

use serde_json::json;

/// Longest name and email (Sentry's `UserReport` columns), and comments, in characters.
const MAX_NAME: usize = 128;
const MAX_EMAIL: usize = 254;
const MAX_COMMENTS: usize = 10_000;

/// How old an event may be for a report about it to be taken through Cairn (Sentry: 30
/// minutes; reports about older events "might be abusive").
pub const EVENT_WINDOW_MS: i64 = 30 * 60_000;
/// How long a report may be replaced by another about the same event (Sentry: 5 minutes;
/// later ones might be replays).
pub const REPLACE_WINDOW_MS: i64 = 5 * 60_000;
/// Sentry's answer when a report may not be kept (409).
pub const CONFLICT: &str = "Feedback for this event cannot be modified.";

/// Whether a report written now (`now_ms`) about an event may be kept, by Sentry's rules for
/// its report form and API: the event, if stored, happened at `event_ms`, and `earlier_ms` is
/// when the event's newest report so far arrived. A report replaces the earlier one (one
/// report per event); so the crash-report dialog, open to anyone with the page's public DSN,
/// cannot be used to pile reports on an event, or to rewrite one later.
pub fn may_keep(now_ms: i64, event_ms: Option<i64>, earlier_ms: Option<i64>) -> bool {
    event_ms.is_none_or(|at| at >= now_ms - EVENT_WINDOW_MS)
        && earlier_ms.is_none_or(|at| at >= now_ms - REPLACE_WINDOW_MS)
}

/// A checked report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserReport {
    /// The event it is about, 32 hex digits.
    pub event_id: String,
    /// The person's name.
    pub name: String,
    /// The person's email address.
    pub email: String,
    /// What they wrote.
    pub comments: String,
}

impl UserReport {
    /// Checks the fields (trimmed): a UUID event id, a name, an email with an `@`, comments,
    /// none longer than Sentry allows. The error names the first bad field.
    pub fn checked(
        event_id: &str,
        name: &str,
        email: &str,
        comments: &str,
    ) -> Result<Self, &'static str> {
        let text = |value: &str, max: usize| {
            let value = value.trim();
            (!value.is_empty() && value.chars().count() <= max).then(|| value.to_owned())
        };
        let event_id =
            uuid::Uuid::parse_str(event_id.trim()).map_err(|_| "event_id")?.simple().to_string();
        let name = text(name, MAX_NAME).ok_or("name")?;
        let email = text(email, MAX_EMAIL).filter(|e| e.contains('@')).ok_or("email")?;
        let comments = text(comments, MAX_COMMENTS).ok_or("comments")?;
        Ok(Self { event_id, name, email, comments })
    }

    /// The payload of the `user_report` item an SDK would have sent.
    pub fn payload(&self) -> String {
        json!({
            "event_id": self.event_id,
            "name": self.name,
            "email": self.email,
            "comments": self.comments,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_checked_as_sentry_checks_its_form() {
        let id = "4d9a9a3c-8f0b-4c43-9a8e-2d3f1c6b7e01";
        let report = UserReport::checked(id, " Jane ", "jane@example.com", "It broke").expect("ok");
        assert_eq!(report.event_id, "4d9a9a3c8f0b4c439a8e2d3f1c6b7e01");
        assert_eq!(report.name, "Jane");
        let payload: serde_json::Value = serde_json::from_str(&report.payload()).expect("JSON");
        assert_eq!(payload["comments"], "It broke");
        assert_eq!(UserReport::checked("nope", "J", "j@x", "c"), Err("event_id"));
        assert_eq!(UserReport::checked(id, " ", "j@x", "c"), Err("name"));
        assert_eq!(UserReport::checked(id, "J", "jane", "c"), Err("email"));
        assert_eq!(UserReport::checked(id, "J", "j@x", ""), Err("comments"));
        assert_eq!(UserReport::checked(id, &"n".repeat(129), "j@x", "c"), Err("name"));
        assert!(UserReport::checked(id, &"n".repeat(128), "j@x", "c").is_ok());
    }

    #[test]
    fn a_report_is_kept_within_sentrys_windows() {
        let now = 1_764_800_000_000;
        let minutes = |m: i64| now - m * 60_000;
        assert!(may_keep(now, None, None), "an event not stored (yet), no report");
        assert!(may_keep(now, Some(minutes(30)), None));
        assert!(!may_keep(now, Some(minutes(31)), None), "the event is too old");
        assert!(may_keep(now, Some(minutes(1)), Some(minutes(5))), "replaces the earlier one");
        assert!(!may_keep(now, Some(minutes(1)), Some(minutes(6))), "too late to replace");
        assert!(!may_keep(now, None, Some(minutes(6))));
    }
}
