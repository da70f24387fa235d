//! A user report written through Cairn itself (the crash-report dialog, Sentry's
//! `POST .../user-feedback/`) rather than sent by an SDK as an envelope item: checked as Sentry
//! checks its `UserReport` form, and stored as the `user_report` item an SDK would have sent.

use serde_json::json;

/// Longest name and email (Sentry's `UserReport` columns), and comments, in characters.
const MAX_NAME: usize = 128;
const MAX_EMAIL: usize = 254;
const MAX_COMMENTS: usize = 10_000;

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
}
