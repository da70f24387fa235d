//! The issue's "User Feedback" tab: what people who met the error wrote about it (SDKs'
//! user reports and feedback naming one of the issue's events), newest first, each with who
//! wrote it, when, and a link to the event. Names, emails and comments are the end users': text
//! only.

use cairn_types::api::UserReport;
use leptos::prelude::*;

use super::{pager::Pager, status::ApiError, time_ago::TimeAgo, Loading};
use crate::{api, routes::Page};

/// A list of reports (`#user-feedback-list`), or the empty state. Each report links to its
/// event on its issue's page; with `show_issue` (a project's list) also to the issue itself.
/// Feedback about no event has neither link.
#[component]
pub fn UserFeedbackList(
    /// Organization slug, for the links.
    #[prop(into)]
    org: String,
    /// The reports, newest first.
    reports: Vec<UserReport>,
    /// Whether each report names its issue (a project's list; the issue page's tab needs not).
    #[prop(optional)]
    show_issue: bool,
) -> impl IntoView {
    if reports.is_empty() {
        return view! {
            <div id="user-feedback-list" class="empty-state">
                <p>"No user feedback yet."</p>
                <p class="empty-note">
                    "Ask the people who meet an error what happened: Sentry's SDKs send their "
                    "answers with the user feedback API, widget or crash-report dialog, and they "
                    "show up here."
                </p>
            </div>
        }
        .into_any();
    }
    let items = reports
        .into_iter()
        .map(|report| {
            let name = if report.name.is_empty() { "Anonymous".to_owned() } else { report.name };
            // Only a plain address becomes a `mailto:` link; anything else stays text.
            let email = (!report.email.is_empty()).then(|| {
                let mailto = report
                    .email
                    .contains('@')
                    .then(|| format!("mailto:{}", report.email.replace(['?', '#'], "")));
                view! { <a class="user-report-email" href=mailto>{report.email}</a> }
            });
            let links = report.issue.map(|issue| {
                let event_href = Page::IssueEvent {
                    org: org.clone(),
                    id: issue.id.clone(),
                    event: report.event_id.clone(),
                }
                .path();
                let short: String = report.event_id.chars().take(8).collect();
                let issue_link = show_issue.then(|| {
                    let href = Page::Issue { org: org.clone(), id: issue.id }.path();
                    view! {
                        <a class="user-report-issue" href=href title=issue.title>
                            {issue.short_id}
                        </a>
                    }
                });
                view! {
                    {issue_link}
                    <a class="user-report-event" href=event_href>
                        "event "
                        <code>{short}</code>
                    </a>
                }
            });
            view! {
                <li class="card user-report" data-report-id=report.id>
                    <div class="user-report-meta">
                        <span class="user-report-name">{name}</span>
                        {email}
                        <TimeAgo time=report.date_created/>
                        {links}
                    </div>
                    <p class="user-report-comments">{report.comments}</p>
                </li>
            }
        })
        .collect_view();
    view! { <ul id="user-feedback-list" class="user-report-list">{items}</ul> }.into_any()
}

/// The tab: fetches the issue's reports and shows them.
#[component]
pub fn IssueUserFeedback(
    /// Organization slug.
    #[prop(into)]
    org: Signal<String>,
    /// Issue id.
    #[prop(into)]
    issue: Signal<String>,
) -> impl IntoView {
    let cursor = RwSignal::new(None::<String>);
    let reports = LocalResource::new(move || {
        let (org, issue, cursor) = (org.get(), issue.get(), cursor.get());
        async move { api::issue_user_reports(&org, &issue, cursor.as_deref()).await }
    });
    view! {
        <section id="issue-user-feedback" class="event-section">
            {move || match reports.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                Some(Ok(page)) => {
                    view! {
                        <UserFeedbackList org=org.get_untracked() reports=page.items/>
                        <Pager
                            previous=page.previous
                            next=page.next
                            on_page=move |page| cursor.set(Some(page))
                        />
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}
