//! Emails, when an SMTP server is configured.
//!
//! Notifications: a background task takes the notifications whose email is due from the store
//! and sends them through the configured SMTP server, so that no request waits on mail. A
//! failed attempt is logged and retried with a growing delay (5 s, 10 s, 20 s, ...); after
//! [`MAX_TRIES`] attempts the email is given up. Notifications older than a day are never
//! emailed, so a mail server configured later does not receive a backlog.
//!
//! Invitations: the link to join an organization, sent by a task of its own with the same
//! retries. Its secret is not stored (the database keeps a hash of it), so this email is not
//! queued in the database: a restart in the middle of the retries loses it, and whoever invited
//! still has the link, which the API answered them.
//!
//! Security notices: a user is told when their password changes or their two-factor
//! authentication is turned on or off (Sentry's security emails), sent like invitations; so
//! are weekly reports ([`crate::reports`]), whose week is claimed in the database instead.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::SmtpArgs;
use crate::store::{PendingEmail, Store};
use crate::util::now_ms;

/// Attempts per email before it is given up.
pub const MAX_TRIES: i64 = 5;
/// How often the task looks for due emails.
const POLL: Duration = Duration::from_secs(1);
/// Notifications older than this are not emailed.
const MAX_AGE_MS: i64 = 24 * 3_600_000;

/// Why an email could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address or the message could not be built.
    #[error("invalid message: {0}")]
    Message(String),
    /// The SMTP conversation failed.
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish_non_exhaustive()
    }
}

/// An invitation to join an organization, to be emailed.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The invited address.
    pub email: String,
    /// The organization's name.
    pub organization: String,
    /// Who invited, by name.
    pub inviter: String,
    /// The role offered, by its display name.
    pub role: String,
    /// The link that accepts it.
    pub link: String,
    /// Until when the link works (ms since the epoch).
    pub expires_ms: i64,
}

/// A change to an account's security, told to its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityChange {
    /// The password was changed from the account page.
    PasswordChanged,
    /// An authenticator app was set up.
    TwoFactorOn,
    /// Two-factor authentication was turned off.
    TwoFactorOff,
}

/// The delay before retrying an email that failed `tries` times: 5 s, 10 s, 20 s, ...
fn retry_delay_ms(tries: i64) -> i64 {
    5_000 * (1_i64 << (tries - 1).clamp(0, 10))
}

/// One line: text with line breaks must not fold into other headers.
fn header_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A configured SMTP server and who mails come from.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
    public_url: String,
}

impl Mailer {
    /// The mailer of `args`, or `None` when no SMTP host is configured.
    pub fn new(args: &SmtpArgs, public_url: &str) -> Result<Option<Mailer>, MailError> {
        let Some(host) = args.smtp_host.as_deref().filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let mut builder = if args.smtp_starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        };
        let port = args.smtp_port.unwrap_or(if args.smtp_starttls { 587 } else { 25 });
        builder = builder.port(port).timeout(Some(Duration::from_secs(30)));
        if let (Some(user), Some(password)) = (&args.smtp_user, &args.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.0.clone()));
        }
        let from = args
            .smtp_from
            .parse()
            .map_err(|err| MailError::Message(format!("--smtp-from: {err}")))?;
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }))
    }

    /// The email of a notification: subject by kind, the issue's title and its link.
    pub fn message(&self, email: &PendingEmail) -> Result<Message, MailError> {
        let title = header_text(&email.title);
        let (subject, what) = match email.kind.as_str() {
            // Participants hear of it as well as the assignee.
            "assigned" => (format!("Assigned: {title}"), "was assigned"),
            "set_resolved" => (format!("Resolved: {title}"), "was resolved"),
            "set_ignored" => (format!("Archived: {title}"), "was archived"),
            "set_regression" => (format!("Regression: {title}"), "regressed"),
            "set_escalating" => (format!("Escalating: {title}"), "is escalating"),
            "note" => (format!("New comment: {title}"), "has a new comment"),
            "new_issue" => (format!("New issue: {title}"), "was seen for the first time"),
            "alert" => (format!("Alert: {title}"), "matched one of your alert rules"),
            _ => (format!("Issue activity: {title}"), "has new activity"),
        };
        let link = format!(
            "{}/organizations/{}/issues/{}/",
            self.public_url, email.organization, email.issue_id
        );
        let body = format!("The issue \"{title}\" {what}.\n\n{link}\n\n-- \nCairn\n");
        self.plain_text(&email.email, subject, body)
    }

    /// The email of an invitation: who invites you to which organization, and the link.
    pub fn invitation_message(&self, invitation: &Invitation) -> Result<Message, MailError> {
        let organization = header_text(&invitation.organization);
        let subject = format!("Join {organization} on Cairn");
        let until = crate::util::ms_to_datetime(invitation.expires_ms).format("%Y-%m-%d");
        let body = format!(
            "{inviter} invited you to join the organization \"{organization}\" on Cairn, as {role}.\n\n\
             Accept the invitation:\n{link}\n\n\
             The link works until {until}. If you did not expect this invitation, ignore this email.\n\n\
             -- \nCairn\n",
            inviter = header_text(&invitation.inviter),
            role = invitation.role,
            link = invitation.link,
        );
        self.plain_text(&invitation.email, subject, body)
    }

    /// The email telling `email`'s owner of `change`, made from the address `ip`.
    pub fn security_message(
        &self,
        email: &str,
        change: SecurityChange,
        ip: Option<&str>,
    ) -> Result<Message, MailError> {
        let (subject, what) = match change {
            SecurityChange::PasswordChanged => (
                "Your Cairn password was changed",
                format!("The password of your Cairn account {email} was changed"),
            ),
            SecurityChange::TwoFactorOn => (
                "Two-factor authentication is on",
                format!("Two-factor authentication was turned on for your Cairn account {email}"),
            ),
            SecurityChange::TwoFactorOff => (
                "Two-factor authentication is off",
                format!("Two-factor authentication was turned off for your Cairn account {email}"),
            ),
        };
        let when = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
        let from = ip.map(|ip| format!(" from {ip}")).unwrap_or_default();
        let body = format!(
            "{what} on {when}{from}.\n\n\
             If this was you, there is nothing to do. If not, ask an administrator of Cairn to \
             reset your password, and sign out of all devices on your account page:\n\
             {url}/settings/account/details/\n\n-- \nCairn\n",
            url = self.public_url,
        );
        self.plain_text(email, subject.to_owned(), body)
    }

    /// Emails a security notice in the background, retrying as for invitations.
    pub fn send_security_notice(
        self: &Arc<Self>,
        email: &str,
        change: SecurityChange,
        ip: Option<&str>,
    ) {
        match self.security_message(email, change, ip) {
            Ok(message) => self.send_with_retries(message, "security notice"),
            Err(err) => tracing::error!(error = %err, "cannot build the security notice"),
        }
    }

    fn plain_text(&self, to: &str, subject: String, body: String) -> Result<Message, MailError> {
        let recipient =
            to.parse().map_err(|err| MailError::Message(format!("recipient {to:?}: {err}")))?;
        Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|err| MailError::Message(err.to_string()))
    }

    /// The base of the links emails carry.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Emails `body` to `to` in the background, retrying as for notifications (a weekly
    /// report, a metric alert: `what`, for the logs).
    pub fn send_text(self: &Arc<Self>, to: &str, subject: &str, body: &str, what: &'static str) {
        match self.plain_text(to, header_text(subject), body.to_owned()) {
            Ok(message) => self.send_with_retries(message, what),
            Err(err) => tracing::error!(error = %err, what, "cannot build an email"),
        }
    }

    /// Emails `body` to `to` now, for a command that says whether it was sent: three
    /// attempts a second or two apart (a busy server's `421` is worth another try).
    pub async fn send_text_now(
        &self,
        to: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), MailError> {
        let message = self.plain_text(to, header_text(subject), body.to_owned())?;
        let mut tries = 1;
        loop {
            match self.transport.send(message.clone()).await {
                Ok(_) => return Ok(()),
                Err(err) if tries < 3 => {
                    tracing::warn!(tries, error = %err, "email failed; will retry");
                    tokio::time::sleep(Duration::from_secs(tries)).await;
                    tries += 1;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Emails an invitation in the background, retrying as for notifications; the request
    /// that invited does not wait.
    pub fn send_invitation(self: &Arc<Self>, invitation: Invitation) {
        match self.invitation_message(&invitation) {
            Ok(message) => self.send_with_retries(message, "invitation"),
            Err(err) => tracing::error!(error = %err, "cannot build the invitation email"),
        }
    }

    /// Sends `message` (a `kind` of email, for the log) in the background with the
    /// notifications' retries; not kept across a restart.
    fn send_with_retries(self: &Arc<Self>, message: Message, kind: &'static str) {
        let mailer = Arc::clone(self);
        tokio::spawn(async move {
            for tries in 1..=MAX_TRIES {
                match mailer.transport.send(message.clone()).await {
                    Ok(_) => return,
                    Err(err) if tries < MAX_TRIES => {
                        tracing::warn!(tries, kind, error = %err, "email failed; will retry");
                        let delay = retry_delay_ms(tries) as u64;
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                    }
                    Err(err) => {
                        tracing::error!(tries, kind, error = %err, "email failed; giving up");
                    }
                }
            }
        });
    }

    async fn send(&self, email: &PendingEmail) -> Result<(), MailError> {
        let message = self.message(email)?;
        self.transport.send(message).await?;
        Ok(())
    }

    /// Sends what is due once; returns how many were sent.
    pub async fn send_due<S: Store>(&self, store: &S) -> usize {
        let now = now_ms();
        let due = match store.pending_emails(now, MAX_AGE_MS).await {
            Ok(due) => due,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the notifications to email");
                return 0;
            }
        };
        let mut sent = 0;
        for email in due {
            let result = self.send(&email).await;
            let tries = email.tries + 1;
            let retry_at = match &result {
                Ok(()) => None,
                Err(err) if tries < MAX_TRIES => {
                    let delay = retry_delay_ms(tries);
                    tracing::warn!(notification = email.id, tries, error = %err, "email failed; will retry");
                    Some(now + delay)
                }
                Err(err) => {
                    tracing::error!(notification = email.id, tries, error = %err, "email failed; giving up");
                    None
                }
            };
            sent += usize::from(result.is_ok());
            if let Err(err) = store.email_attempted(email.id, result.is_ok(), retry_at).await {
                tracing::error!(error = %err, "cannot record an email attempt");
            }
        }
        sent
    }

    /// Runs forever in the background, sending due emails.
    pub fn spawn<S: Store>(self: Arc<Self>, store: S) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                self.send_due(&store).await;
                tokio::time::sleep(POLL).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SmtpArgs;

    fn mailer() -> Mailer {
        let args = SmtpArgs {
            smtp_host: Some("mail.invalid".into()),
            smtp_port: None,
            smtp_from: "Cairn <cairn@example.com>".into(),
            smtp_user: None,
            smtp_password: None,
            smtp_starttls: false,
        };
        Mailer::new(&args, "https://cairn.example.com/").expect("settings").expect("a mailer")
    }

    fn text(message: &Message) -> String {
        String::from_utf8_lossy(&message.formatted()).replace("=\r\n", "")
    }

    #[test]
    fn each_notification_has_its_subject_and_the_issues_link() {
        let mailer = mailer();
        let email = |kind: &str| PendingEmail {
            id: 1,
            email: "ann@example.com".into(),
            kind: kind.into(),
            issue_id: 42,
            title: "TypeError: x is undefined\nsecond line".into(),
            organization: "acme".into(),
            tries: 0,
        };
        for (kind, subject) in [
            ("assigned", "Assigned: "),
            ("set_resolved", "Resolved: "),
            ("set_ignored", "Archived: "),
            ("set_regression", "Regression: "),
            ("set_escalating", "Escalating: "),
            ("note", "New comment: "),
            ("new_issue", "New issue: "),
            ("alert", "Alert: "),
        ] {
            let message = mailer.message(&email(kind)).expect("a message");
            let text = text(&message);
            // The title's line break cannot start a header of its own.
            let header = format!("Subject: {subject}TypeError: x is undefined second line");
            assert!(text.contains(&header), "{kind}: {text}");
            assert!(
                text.contains("https://cairn.example.com/organizations/acme/issues/42/"),
                "{text}"
            );
        }
    }

    #[test]
    fn an_invitation_names_who_invites_where_and_the_link() {
        let invitation = Invitation {
            email: "new@example.com".into(),
            organization: "Acme".into(),
            inviter: "Ann".into(),
            role: "Admin".into(),
            link: "https://cairn.example.com/accept/7/abc/".into(),
            expires_ms: 1_800_000_000_000,
        };
        let text = text(&mailer().invitation_message(&invitation).expect("a message"));
        assert!(text.contains("Subject: Join Acme on Cairn"), "{text}");
        assert!(text.contains("To: new@example.com"), "{text}");
        assert!(
            text.contains("Ann invited you to join the organization \"Acme\" on Cairn, as Admin."),
            "{text}"
        );
        assert!(text.contains("https://cairn.example.com/accept/7/abc/"), "{text}");
        assert!(text.contains("works until 2027-01-15"), "{text}");
    }
}
