//! `/organizations/{org}/issues/{id}/` (Sentry's URL): one issue. A header with its status,
//! counts and triage buttons, navigation between its events (the event shown is the `?event=`
//! query: `latest` by default, `oldest` or an id, so a link reproduces the view), the event's
//! data, and the activity log with a comment box.

use cairn_types::api::{Activity, Event, IssueDetails, NewComment, UpdateIssueRequest};
use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    api,
    components::{
        event::EventDetails, issue_list::level_class, ApiError, Loading, SuspectCommits, TimeAgo,
    },
    routes::{Page, EVENT_QUERY, ISSUE_PARAM},
};

/// A status change or bookmark toggle, as sent with `PUT`.
pub fn status_request(status: &str) -> UpdateIssueRequest {
    UpdateIssueRequest {
        status: Some(status.to_owned()),
        status_details: Some(serde_json::json!({})),
        ..UpdateIssueRequest::default()
    }
}

/// The issue route.
#[component]
pub fn IssuePage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get(ISSUE_PARAM).unwrap_or_default());
    let event_id = Memo::new(move |_| {
        query.read().get(EVENT_QUERY).filter(|e| !e.is_empty()).unwrap_or_else(|| "latest".into())
    });

    // Bumped after an update or a comment, so the issue (and its activity) is fetched again.
    let version = RwSignal::new(0u32);
    let details = LocalResource::new(move || {
        version.track();
        let (org, id) = (org.get(), id.get());
        async move { api::issue_details(&org, &id).await }
    });
    let event = LocalResource::new(move || {
        let (org, id, event) = (org.get(), id.get(), event_id.get());
        async move { api::issue_event(&org, &id, &event).await }
    });

    let update = Action::new_local(move |request: &UpdateIssueRequest| {
        let request = request.clone();
        let (org, id) = (org.get_untracked(), id.get_untracked());
        async move { api::update_issue(&org, &id, &request).await }
    });
    let comment = Action::new_local(move |text: &String| {
        let comment = NewComment { text: text.clone() };
        let id = id.get_untracked();
        async move { api::add_comment(&id, &comment).await }
    });
    Effect::new(move |_| {
        if update.value().with(|v| matches!(v, Some(Ok(_))))
            || comment.value().with(|v| matches!(v, Some(Ok(_))))
        {
            version.update(|v| *v += 1);
        }
    });
    let action_error = move || {
        let failed =
            update.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())).or_else(
                || comment.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())),
            );
        // ApiError: a 401 (session expired meanwhile) goes to the login page.
        failed.map(|error| view! { <ApiError error/> })
    };

    let on_update = Callback::new(move |request: UpdateIssueRequest| {
        update.dispatch(request);
    });
    let on_comment = Callback::new(move |text: String| {
        comment.dispatch(text);
    });
    let busy = Signal::derive(move || update.pending().get());
    let commenting = Signal::derive(move || comment.pending().get());

    view! {
        <section class="page issue-page">
            // Plain reactive reads of the resources rather than Transition + Suspend: the page's
            // wasm is smaller without an async state machine per section.
            {move || match details.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(details)) => view! { <IssueHeader details on_update busy/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
            {action_error}
            {move || match event.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(event)) => {
                    let project = Signal::derive(move || {
                        details.get().and_then(Result::ok).map(|d| d.issue.project.slug)
                    });
                    let suspects = view! {
                        <SuspectCommits org=org.into() project event_id=event.event_id.clone()/>
                    };
                    let (org, id) = (org.get_untracked(), id.get_untracked());
                    view! {
                        <EventNav org id event=event.clone()/>
                        {suspects}
                        <EventDetails event/>
                    }
                        .into_any()
                }
                Some(Err(error)) if error_status(&error) == Some(404) => {
                    view! {
                        <div class="empty-state">
                            <p class="empty-title">"No event to show."</p>
                            <p>"The issue has no stored event with this id."</p>
                        </div>
                    }
                        .into_any()
                }
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
            {move || {
                details
                    .get()
                    .and_then(Result::ok)
                    .map(|details| {
                        view! { <ActivityLog activity=details.activity on_comment commenting/> }
                    })
            }}
        </section>
    }
    .into_any()
}

fn error_status(error: &api::Error) -> Option<u16> {
    match error {
        api::Error::Http { status, .. } => Some(*status),
        _ => None,
    }
}

/// The issue's header (`#issue-header`): level, title, culprit, short id, status, counts, first
/// and last seen, and the triage buttons, which call `on_update` with the `PUT` body.
#[component]
pub fn IssueHeader(
    /// The issue.
    details: IssueDetails,
    /// Called with the change to make.
    on_update: Callback<UpdateIssueRequest>,
    /// Whether an update is on its way (the buttons are disabled meanwhile).
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let issue = details.issue;
    let level = issue.level.clone();
    let status = issue.status.clone();
    let bookmarked = issue.is_bookmarked;
    let button = move |label: &'static str, class: &'static str, request: UpdateIssueRequest| {
        view! {
            <button
                type="button"
                class=format!("button button-secondary {class}")
                disabled=move || busy.get()
                on:click=move |_| on_update.run(request.clone())
            >
                {label}
            </button>
        }
    };
    let resolve =
        (status != "resolved").then(|| button("Resolve", "resolve", status_request("resolved")));
    let unresolve = (status != "unresolved")
        .then(|| button("Unresolve", "unresolve", status_request("unresolved")));
    let ignore =
        (status != "ignored").then(|| button("Ignore", "ignore", status_request("ignored")));
    let bookmark = button(
        if bookmarked { "Remove bookmark" } else { "Bookmark" },
        if bookmarked { "bookmark bookmarked" } else { "bookmark" },
        UpdateIssueRequest { is_bookmarked: Some(!bookmarked), ..UpdateIssueRequest::default() },
    );
    view! {
        <header id="issue-header" class="issue-header">
            <div class="issue-heading">
                <span class=format!("issue-level {}", level_class(&level)) title=level.clone()></span>
                <div>
                    <h1 class="issue-title">{issue.title}</h1>
                    <p class="issue-meta">
                        <span class="issue-short-id">{issue.short_id}</span>
                        <span class="issue-culprit">{issue.culprit}</span>
                        <span class=format!("issue-status status-{}", status_class(&status))>
                            {status.clone()}
                        </span>
                        <span class="issue-level-name">{level}</span>
                    </p>
                </div>
            </div>
            <dl class="issue-stats">
                <div>
                    <dt>"Events"</dt>
                    <dd class="issue-count">{issue.count}</dd>
                </div>
                <div>
                    <dt>"Users"</dt>
                    <dd class="issue-users">{issue.user_count}</dd>
                </div>
                <div>
                    <dt>"First seen"</dt>
                    <dd class="issue-first-seen">
                        <TimeAgo time=issue.first_seen/>
                    </dd>
                </div>
                <div>
                    <dt>"Last seen"</dt>
                    <dd class="issue-last-seen">
                        <TimeAgo time=issue.last_seen/>
                    </dd>
                </div>
            </dl>
            <div class="issue-actions">{resolve} {unresolve} {ignore} {bookmark}</div>
        </header>
    }
    .into_any()
}

fn status_class(status: &str) -> &'static str {
    match status {
        "resolved" => "resolved",
        "ignored" => "ignored",
        _ => "unresolved",
    }
}

/// Links between the issue's events (`#event-nav`): oldest, older, newer, latest.
#[component]
pub fn EventNav(
    /// Organization slug.
    org: String,
    /// Issue id.
    id: String,
    /// The event shown.
    event: Event,
) -> impl IntoView {
    let link = move |label: &'static str, class: &'static str, target: Option<String>| match target
    {
        Some(target) => {
            let href = Page::IssueEvent { org: org.clone(), id: id.clone(), event: target }.path();
            view! { <A href=href attr:class=format!("button button-secondary {class}")>{label}</A> }
                .into_any()
        }
        None => view! {
            <span class=format!("button button-secondary disabled {class}") aria-disabled="true">
                {label}
            </span>
        }
        .into_any(),
    };
    let oldest =
        link("Oldest", "event-oldest", event.previous_event_id.as_ref().map(|_| "oldest".into()));
    let older = link("Older", "event-previous", event.previous_event_id.clone());
    let newer = link("Newer", "event-next", event.next_event_id.clone());
    let latest =
        link("Latest", "event-latest", event.next_event_id.as_ref().map(|_| "latest".into()));
    view! {
        <nav id="event-nav" class="event-nav">
            <span class="event-id">
                "Event " <code>{event.event_id.clone()}</code> " · "
                <TimeAgo time=event.date_created/>
            </span>
            <span class="spacer"></span>
            {oldest}
            {older}
            {newer}
            {latest}
        </nav>
    }
    .into_any()
}

/// The activity log (`#activity`), newest first, with a comment box on top.
#[component]
pub fn ActivityLog(
    /// The entries, newest first.
    activity: Vec<Activity>,
    /// Called with a comment's text.
    on_comment: Callback<String>,
    /// Whether a comment is being sent.
    #[prop(into)]
    commenting: Signal<bool>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let items = activity
        .into_iter()
        .map(|entry| {
            let who = entry.user.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| "Cairn".into());
            let note = (entry.kind == "note").then(|| {
                let text = entry.data.get("text").and_then(|t| t.as_str()).unwrap_or_default();
                view! { <p class="activity-note">{text.to_owned()}</p> }
            });
            view! {
                <li class=format!("activity-item activity-type-{}", activity_class(&entry.kind))>
                    <span class="activity-who">{who}</span>
                    " "
                    <span class="activity-what">{activity_label(&entry.kind)}</span>
                    " "
                    <TimeAgo time=entry.date_created/>
                    {note}
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="activity" class="event-section activity">
            <h2 class="section-title">"Activity"</h2>
            <form
                class="comment-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let value = text.get();
                    if !value.trim().is_empty() {
                        on_comment.run(value);
                        text.set(String::new());
                    }
                }
            >
                <textarea
                    name="comment"
                    rows="3"
                    placeholder="Add a comment"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                ></textarea>
                <button
                    type="submit"
                    class="button button-primary"
                    disabled=move || commenting.get() || text.with(|t| t.trim().is_empty())
                >
                    "Comment"
                </button>
            </form>
            <ol class="activity-list">{items}</ol>
        </section>
    }
    .into_any()
}

fn activity_class(kind: &str) -> &'static str {
    match kind {
        "note" => "note",
        "set_resolved" => "resolved",
        "set_unresolved" => "unresolved",
        "set_ignored" => "ignored",
        "set_regression" => "regression",
        "first_seen" => "first-seen",
        _ => "other",
    }
}

/// What an activity entry says happened.
pub fn activity_label(kind: &str) -> String {
    match kind {
        "note" => "commented".into(),
        "set_resolved" => "marked this issue as resolved".into(),
        "set_unresolved" => "marked this issue as unresolved".into(),
        "set_ignored" => "ignored this issue".into(),
        "set_regression" => "saw the issue come back (regression)".into(),
        "first_seen" => "first saw this issue".into(),
        "merge" => "merged issues into this one".into(),
        "assigned" => "assigned this issue".into(),
        "unassigned" => "unassigned this issue".into(),
        other => other.replace('_', " "),
    }
}
