//! Notification emails: a background task takes the notifications whose email is due from the
//! store and sends them through the configured SMTP server, so that no request waits on mail.
//! A failed attempt is logged and retried with a growing delay (5 s, 10 s, 20 s, ...); after
//! [`MAX_TRIES`] attempts the email is given up. Notifications older than a day are never
//! emailed, so a mail server configured later does not receive a backlog.

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
        // One line: a title with line breaks must not fold into other headers.
        let title: String =
            email.title.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let (subject, what) = match email.kind.as_str() {
            "assigned" => (format!("Assigned to you: {title}"), "was assigned to you"),
            "set_regression" => (format!("Regression: {title}"), "regressed"),
            "note" => (format!("New comment: {title}"), "has a new comment"),
            _ => (format!("Issue activity: {title}"), "has new activity"),
        };
        let link = format!(
            "{}/organizations/{}/issues/{}/",
            self.public_url, email.organization, email.issue_id
        );
        let body = format!("The issue \"{title}\" {what}.\n\n{link}\n\n-- \nCairn\n");
        let to = email
            .email
            .parse()
            .map_err(|err| MailError::Message(format!("recipient {:?}: {err}", email.email)))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|err| MailError::Message(err.to_string()))
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
                    let delay = 5_000 * (1_i64 << (tries - 1).clamp(0, 10));
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
    pub fn spawn<S: Store>(self, store: S) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                self.send_due(&store).await;
                tokio::time::sleep(POLL).await;
            }
        })
    }
}
