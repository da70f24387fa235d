//! `/share/issue/{share_id}/`: an issue shared by a public link (Sentry's shared issue page),
//! for anyone who has the link, logged in or not. It shows what the server gives such a link:
//! the issue's title, place and status, and its latest event's message, exceptions and stack
//! trace; nothing else of the organization.

use cairn_types::api::SharedIssue;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api,
    components::{
        event::entry,
        issue_list::level_class,
        stacktrace::{values, ExceptionList, StackTrace, Stacktrace},
        ApiError, Loading, TimeAgo,
    },
    routes::SHARE_PARAM,
};

/// The shared issue route.
#[component]
pub fn SharedIssuePage() -> impl IntoView {
    let params = use_params_map();
    let share_id = Memo::new(move |_| params.read().get(SHARE_PARAM).unwrap_or_default());
    let shared = LocalResource::new(move || {
        let share_id = share_id.get();
        async move { api::shared_issue(&share_id).await }
    });
    move || match shared.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(issue)) => view! { <SharedIssueView issue/> }.into_any(),
        Some(Err(api::Error::Http { status: 404, .. })) => view! {
            <div class="empty-state" id="shared-issue-missing">
                <p class="empty-title">"This link leads nowhere."</p>
                <p>
                    "The issue is no longer shared, its link changed, or its organization \
                     stopped sharing issues."
                </p>
            </div>
        }
        .into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
    }
}

/// A shared issue (`#shared-issue`). Presentational, for `tests/web.rs`.
#[component]
pub fn SharedIssueView(
    /// The issue as the link gives it.
    issue: SharedIssue,
) -> impl IntoView {
    let event = issue.latest_event;
    let message = event.as_ref().and_then(|e| entry(e, "message")).map(|data| {
        let text = data
            .get("formatted")
            .or_else(|| data.get("message"))
            .map(crate::components::stacktrace::value_text)
            .unwrap_or_default();
        view! {
            <section class="event-section">
                <h2 class="section-title">"Message"</h2>
                <pre class="event-message">{text}</pre>
            </section>
        }
    });
    let exceptions = event.as_ref().and_then(|e| entry(e, "exception")).map(|data| {
        let values = values(data);
        view! {
            <section class="event-section">
                <h2 class="section-title">"Exception"</h2>
                <ExceptionList values/>
            </section>
        }
    });
    let stacktrace = event.as_ref().and_then(|e| entry(e, "stacktrace")).map(|data| {
        let frames = serde_json::from_value::<Stacktrace>(data.clone())
            .map(|s| s.frames)
            .unwrap_or_default();
        view! {
            <section class="event-section">
                <h2 class="section-title">"Stack trace"</h2>
                <StackTrace frames/>
            </section>
        }
    });
    let no_event = event.is_none().then(|| {
        view! { <p class="muted">"No event of this issue is kept any more."</p> }
    });
    let status = super::issue::status_name(&issue.status);
    view! {
        <div id="shared-issue" class="issue-page shared-issue">
            <p class="shared-issue-source">
                "Shared from "
                <span class="shared-issue-org">{issue.project.organization.name}</span>
                " / "
                <span class="shared-issue-project">{issue.project.name}</span>
            </p>
            <header class="issue-header">
                <div class="issue-heading">
                    <span
                        class=format!("issue-level {}", level_class(&issue.level))
                        title=issue.level.clone()
                    ></span>
                    <div>
                        <h1 class="issue-title">{issue.title}</h1>
                        <p class="issue-meta">
                            <span class="issue-short-id">{issue.short_id}</span>
                            <span class="issue-culprit">{issue.culprit}</span>
                            <span class="issue-level-name">{issue.level}</span>
                            <span class="issue-status">{status}</span>
                        </p>
                    </div>
                </div>
                <dl class="issue-stats">
                    <div>
                        <dt>"First seen"</dt>
                        <dd><TimeAgo time=issue.first_seen/></dd>
                    </div>
                    <div>
                        <dt>"Last seen"</dt>
                        <dd><TimeAgo time=issue.last_seen/></dd>
                    </div>
                </dl>
            </header>
            <div id="event" class="event">
                {message}
                {exceptions}
                {stacktrace}
                {no_event}
            </div>
        </div>
    }
    .into_any()
}
