//! Weekly reports (Sentry's weekly email): every Monday, each member of an organization is
//! emailed what its projects went through in the week that ended (Monday to Sunday, UTC):
//! errors against the week before, new, resolved and regressed issues, crash-free sessions,
//! each project's share and the issues with the most events, with links to them.
//!
//! On Mondays (UTC), `cairn serve` looks every hour for the week whose report has not gone
//! out, claims it in the database for each organization (so that a restart, or another Cairn node, does not send it
//! again), and sends it through the mail server in the background, retried as other emails. An
//! organization created after the week ended, or whose week had nothing in it, gets none. A
//! member turns it off with the `reports` email setting (Sentry's name). `cairn
//! send-weekly-reports` sends one at once (any week, one recipient), to see what it says.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use crate::mailer::Mailer;
use crate::store::{OrganizationRow, Store, StoreResult, WeeklyReportRow};
use crate::util::now_ms;

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
/// The first Monday of the Unix epoch (1970-01-05, 00:00 UTC).
const FIRST_MONDAY_MS: i64 = 4 * DAY_MS;
/// Issues the report names.
const TOP_ISSUES: i64 = 5;
/// How often `cairn serve` looks for a week to report.
pub const CHECK_EVERY: Duration = Duration::from_secs(3_600);

/// The last whole week before `now` (Unix milliseconds): from a Monday 00:00 UTC to the next.
pub fn last_week(now: i64) -> (i64, i64) {
    let end = FIRST_MONDAY_MS + (now - FIRST_MONDAY_MS).div_euclid(WEEK_MS) * WEEK_MS;
    (end - WEEK_MS, end)
}

/// The week whose report is due at `now`: the last whole week, during the first day after it
/// (Monday, UTC). Later, none: a server that was down on Monday, or that starts on another
/// day, sends no stale report.
pub fn due_week(now: i64) -> Option<(i64, i64)> {
    let week = last_week(now);
    (now - week.1 < DAY_MS).then_some(week)
}

/// The seven days before `date` (its 00:00 UTC), for `--week-ending`.
pub fn week_ending(date: chrono::NaiveDate) -> (i64, i64) {
    let end = date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis();
    (end - WEEK_MS, end)
}

/// An organization's report of one week.
#[derive(Debug, Clone)]
pub struct Report {
    /// The organization.
    pub organization: OrganizationRow,
    /// The week, Unix milliseconds: its start and the end (excluded).
    pub week: (i64, i64),
    /// What happened.
    pub data: WeeklyReportRow,
}

impl Report {
    /// Reads the organization's week from the store.
    pub async fn read<S: Store>(
        store: &S,
        organization: OrganizationRow,
        week: (i64, i64),
    ) -> StoreResult<Report> {
        // The counters still in memory count too.
        store.sync_counters().await?;
        let data = store.weekly_report(organization.id, week.0, week.1, TOP_ISSUES).await?;
        Ok(Report { organization, week, data })
    }

    /// Whether nothing happened in the week (no report is sent then, as in Sentry).
    pub fn is_empty(&self) -> bool {
        self.data.projects.iter().all(|p| {
            p.errors == 0
                && p.errors_before == 0
                && p.new_issues == 0
                && p.resolved == 0
                && p.sessions == 0
        })
    }

    /// The email's subject.
    pub fn subject(&self) -> String {
        format!("Weekly report for {}: {}", self.organization.name, self.dates())
    }

    /// "Nov 30 - Dec 6, 2026": the week's first and last days.
    fn dates(&self) -> String {
        let day = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
        let (first, last) = (day(self.week.0), day(self.week.1 - DAY_MS));
        format!("{} - {}", first.format("%b %-d"), last.format("%b %-d, %Y"))
    }

    /// The email's text; links start with `public_url`.
    pub fn body(&self, public_url: &str) -> String {
        let total = |f: fn(&crate::store::ProjectWeekRow) -> i64| -> i64 {
            self.data.projects.iter().map(f).sum()
        };
        let (errors, before) = (total(|p| p.errors), total(|p| p.errors_before));
        let (sessions, crashed) = (total(|p| p.sessions), total(|p| p.crashed));
        let org = &self.organization.slug;
        let mut text = String::new();
        // `write!` to a String cannot fail.
        let _ = writeln!(text, "{}, the week of {} (UTC)\n", self.organization.name, self.dates());
        let _ = writeln!(text, "Errors: {}{}", thousands(errors), change(errors, before));
        let _ = writeln!(text, "New issues: {}", thousands(total(|p| p.new_issues)));
        let _ = writeln!(text, "Resolved issues: {}", thousands(total(|p| p.resolved)));
        let _ = writeln!(text, "Regressions: {}", thousands(total(|p| p.regressed)));
        if sessions > 0 {
            let _ = writeln!(
                text,
                "Crash-free sessions: {} of {}",
                crash_free(sessions, crashed),
                thousands(sessions)
            );
        }
        let _ = writeln!(text, "\nBy project:");
        // The projects that had anything to say.
        let active = self.data.projects.iter().filter(|p| {
            p.errors + p.errors_before + p.new_issues + p.resolved + p.regressed + p.sessions > 0
        });
        for p in active {
            let _ = write!(
                text,
                "  {}: {} errors{}, {} new issues, {} resolved",
                p.slug,
                thousands(p.errors),
                change(p.errors, p.errors_before),
                thousands(p.new_issues),
                thousands(p.resolved)
            );
            if p.sessions > 0 {
                let _ = write!(text, ", crash-free sessions {}", crash_free(p.sessions, p.crashed));
            }
            text.push('\n');
        }
        if !self.data.top_issues.is_empty() {
            let _ = writeln!(text, "\nThe issues with the most events:");
            for issue in &self.data.top_issues {
                let _ = writeln!(
                    text,
                    "  {}  {} ({} event{})\n  {public_url}/organizations/{org}/issues/{}/",
                    crate::serialize::short_id(&issue.project, issue.short_id),
                    one_line(&issue.title),
                    thousands(issue.events),
                    if issue.events == 1 { "" } else { "s" },
                    issue.id
                );
            }
        }
        let _ = write!(
            text,
            "\nThe week's issues: {public_url}/organizations/{org}/issues/?statsPeriod=7d&sort=freq\n\n\
             -- \nCairn sends this report every Monday. Turn it off in your email settings: \
             {public_url}/settings/account/notifications/\n"
        );
        text
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// " (+12% on the week before)", or nothing when the week before had none.
fn change(now: i64, before: i64) -> String {
    if before == 0 {
        return String::new();
    }
    let percent = ((now - before) as f64 * 100.0 / before as f64).round() as i64;
    let sign = if percent > 0 { "+" } else { "" };
    format!(" ({sign}{percent}% on the week before)")
}

/// "99.25%": sessions that did not crash, two decimals, never rounded up to 100.
fn crash_free(sessions: i64, crashed: i64) -> String {
    let rate = (sessions - crashed) as f64 * 100.0 / sessions as f64;
    let shown = (rate * 100.0).floor() / 100.0;
    format!("{shown:.2}%")
}

/// Event data on one line of the text.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The addresses of the organization's members who have not turned weekly reports off.
pub async fn recipients<S: Store>(store: &S, organization_id: i64) -> StoreResult<Vec<String>> {
    let mut to = Vec::new();
    for member in store.members(organization_id).await? {
        let Some(user) = member.user else { continue };
        let options = store.notification_options(user.id).await?;
        if !options.iter().any(|o| o.kind == "reports" && o.value == "never") {
            to.push(user.email);
        }
    }
    Ok(to)
}

/// Sends the reports of the week that is due ([`due_week`]) that have not gone out; returns
/// how many organizations' reports were sent.
pub async fn send_due<S: Store>(store: &S, mailer: &Arc<Mailer>, now: i64) -> StoreResult<usize> {
    let Some(week) = due_week(now) else { return Ok(0) };
    let mut sent = 0;
    for organization in store.claim_weekly_reports(week.0, week.1).await? {
        let report = Report::read(store, organization, week).await?;
        if report.is_empty() {
            continue;
        }
        let (subject, body) = (report.subject(), report.body(mailer.public_url()));
        for to in recipients(store, report.organization.id).await? {
            mailer.send_text(&to, &subject, &body, "weekly report");
        }
        sent += 1;
    }
    Ok(sent)
}

/// Runs [`send_due`] now and then every `period`, in the background.
pub fn spawn<S: Store>(store: S, mailer: Arc<Mailer>, period: Duration) {
    tokio::spawn(async move {
        loop {
            match send_due(&store, &mailer, now_ms()).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(organizations = sent, "weekly reports sent"),
                Err(err) => tracing::error!(error = %err, "cannot send the weekly reports"),
            }
            tokio::time::sleep(period).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ProjectWeekRow, TopIssueRow};

    #[test]
    fn the_last_week_runs_from_monday_to_monday_utc() {
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text).expect("time").timestamp_millis()
        };
        // Saturday 2026-12-05: the week of Monday 23 to Sunday 29 November.
        let week = last_week(at("2026-12-05T14:44:00Z"));
        assert_eq!(week, (at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z")));
        // At Monday midnight the week just ended is the one reported.
        assert_eq!(last_week(at("2026-11-30T00:00:00Z")), week);
        assert_eq!(last_week(at("2026-11-29T23:59:59Z")).1, at("2026-11-23T00:00:00Z"));
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        assert_eq!(week_ending(date), week);
        // Due on Monday only.
        assert_eq!(due_week(at("2026-11-30T09:00:00Z")), Some(week));
        assert_eq!(due_week(at("2026-12-01T00:00:00Z")), None);
        assert_eq!(due_week(at("2026-12-05T14:44:00Z")), None);
    }

    fn report() -> Report {
        let organization = OrganizationRow {
            id: 1,
            slug: "acme".into(),
            name: "Acme".into(),
            date_created: 0,
            require_2fa: false,
            allow_shared_issues: true,
        };
        let project = |slug: &str, errors, before, sessions, crashed| ProjectWeekRow {
            slug: String::from(slug),
            errors,
            errors_before: before,
            new_issues: 2,
            resolved: 1,
            regressed: 0,
            sessions,
            crashed,
        };
        let data = WeeklyReportRow {
            projects: vec![
                project("api", 1_200, 1_000, 0, 0),
                project("web", 34, 0, 4_000, 3),
                ProjectWeekRow { slug: "idle".into(), ..ProjectWeekRow::default() },
            ],
            top_issues: vec![TopIssueRow {
                id: 9,
                project: "api".into(),
                short_id: 47,
                title: "KeyError: 'user'\n<script>".into(),
                events: 1_100,
            }],
        };
        let week = week_ending(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"));
        Report { organization, week, data }
    }

    #[test]
    fn a_report_says_what_the_week_brought_with_links() {
        let report = report();
        assert_eq!(report.subject(), "Weekly report for Acme: Nov 23 - Nov 29, 2026");
        let body = report.body("https://cairn.example.com");
        for line in [
            "Errors: 1,234 (+23% on the week before)",
            "New issues: 4",
            "Resolved issues: 2",
            "Crash-free sessions: 99.92% of 4,000",
            "  api: 1,200 errors (+20% on the week before), 2 new issues, 1 resolved\n",
            "  web: 34 errors, 2 new issues, 1 resolved, crash-free sessions 99.92%\n",
            "  API-1B  KeyError: 'user' <script> (1,100 events)\n  \
             https://cairn.example.com/organizations/acme/issues/9/",
            "https://cairn.example.com/organizations/acme/issues/?statsPeriod=7d&sort=freq",
            "https://cairn.example.com/settings/account/notifications/",
        ] {
            assert!(body.contains(line), "{line:?} in\n{body}");
        }
        assert!(!body.contains("idle"), "a project without anything is left out:\n{body}");
        assert!(!report.is_empty());
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(change(90, 100), " (-10% on the week before)");
        assert_eq!(change(100, 100), " (0% on the week before)");
        assert_eq!(change(5, 0), "");
        assert_eq!(crash_free(100_000, 1), "99.99%");
        assert_eq!(crash_free(10, 0), "100.00%");
        assert_eq!(crash_free(3, 1), "66.66%");
    }
}
