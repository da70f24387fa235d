//! `/inbox/`: the user's notifications (issues assigned to them: assignment, comments,
//! regressions; new issues), newest first, each linking to its issue, and "mark all read".
//!
//! `/settings/account/notifications/` (Sentry's URL): which of them the user is also emailed.

use cairn_types::api::Notification;
use leptos::prelude::*;

use crate::{
    api,
    components::{
        status::{failure, FormError},
        ApiError, Loading, TimeAgo,
    },
    routes::Page,
};

/// The inbox route.
#[component]
pub fn InboxPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notifications = LocalResource::new(move || {
        version.track();
        api::notifications()
    });
    let mark_all = Action::new_local(|_: &()| api::mark_all_notifications_read());
    Effect::new(move |_| {
        if mark_all.value().with(|v| matches!(v, Some(Ok(_)))) {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="page inbox-page">
            <div class="page-header">
                <h1>"Inbox"</h1>
                <button
                    type="button"
                    class="button button-secondary mark-all-read"
                    disabled=move || mark_all.pending().get()
                    on:click=move |_| {
                        mark_all.dispatch(());
                    }
                >
                    "Mark all read"
                </button>
                <a href=Page::NotificationSettings.path()>"Email settings"</a>
            </div>
            {move || match notifications.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(list)) => view! { <NotificationList notifications=list/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
        </section>
    }
}

/// What happened, in words.
fn describe(notification: &Notification) -> String {
    let who =
        notification.activity.user.as_ref().map_or_else(|| "Cairn".to_owned(), |u| u.name.clone());
    match notification.kind.as_str() {
        "assigned" => format!("{who} assigned this issue"),
        "set_regression" => "This issue regressed".to_owned(),
        "set_escalating" => "This issue is escalating".to_owned(),
        "set_resolved" => format!("{who} resolved this issue"),
        "set_ignored" => format!("{who} archived this issue"),
        "note" => format!("{who} commented"),
        "new_issue" => "New issue".to_owned(),
        "alert" => match notification.activity.data.get("rule").and_then(|rule| rule.as_str()) {
            Some(rule) => format!("Alert rule: {rule}"),
            None => "Alert rule".to_owned(),
        },
        other => format!("{who}: {other}"),
    }
}

/// The organization slug in an issue's permalink (`.../organizations/{org}/issues/{id}/`):
/// notifications may come from any of the user's organizations.
fn organization_of(permalink: &str) -> String {
    permalink
        .split("/organizations/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned()
}

/// The list, from data (what the component tests mount).
#[component]
pub fn NotificationList(notifications: Vec<Notification>) -> impl IntoView {
    if notifications.is_empty() {
        return view! {
            <div class="empty-state">
                <p class="empty-title">"Nothing new."</p>
                <p>"Assignments, comments and regressions of your issues show up here."</p>
            </div>
        }
        .into_any();
    }
    let rows = notifications
        .into_iter()
        .map(|n| {
            let href =
                Page::Issue { org: organization_of(&n.issue.permalink), id: n.issue.id.clone() }
                    .path();
            let class = if n.date_read.is_some() { "notification" } else { "notification unread" };
            let what = describe(&n);
            view! {
                <li class=class>
                    <a href=href class="notification-issue">{n.issue.title.clone()}</a>
                    <span class="notification-what">{what}</span>
                    <TimeAgo time=n.date_created/>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="notification-list">{rows}</ul> }.into_any()
}

/// The notification types whose emails can be turned off: Sentry's name and what they are.
const EMAILED: [(&str, &str); 3] = [
    ("alerts", "Issue alerts: new issues of your projects"),
    ("workflow", "Workflow: assignments, comments and regressions of your issues"),
    ("reports", "Weekly reports: your organizations' errors, issues and crash-free sessions"),
];

/// Whether the user is emailed `kind`'s notifications: yes unless set to `never`.
pub fn is_emailed(options: &[cairn_types::api::NotificationOption], kind: &str) -> bool {
    !options.iter().any(|o| o.kind == kind && o.value == "never")
}

/// The email settings route: one checkbox per type, saved when changed.
#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let options = LocalResource::new(api::notification_options);
    let save = Action::new_local(|(kind, emailed): &(&'static str, bool)| {
        api::set_notification_option(kind, *emailed)
    });
    let toggles = move || {
        options.get().map(|loaded| match loaded {
            Ok(options) => EMAILED
                .iter()
                .map(|(kind, label)| {
                    let kind: &'static str = kind;
                    view! {
                        <label class="field checkbox">
                            <input
                                id=format!("email-{kind}")
                                type="checkbox"
                                checked=is_emailed(&options, kind)
                                on:change=move |ev| {
                                    save.dispatch((kind, event_target_checked(&ev)));
                                }
                            />
                            {*label}
                        </label>
                    }
                })
                .collect_view()
                .into_any(),
            Err(error) => view! { <ApiError error/> }.into_any(),
        })
    };
    view! {
        <section class="page">
            <div class="page-header">
                <h1>"Email settings"</h1>
                <a href=Page::Inbox.path()>"Inbox"</a>
            </div>
            <p class="hint">
                "Which notifications Cairn also emails you, when the server has a mail server. The inbox shows them all."
            </p>
            <form class="settings-form" on:submit=|ev| ev.prevent_default()>
                {move || toggles().unwrap_or_else(|| view! { <Loading/> }.into_any())}
            </form>
            <FormError message=failure(save)/>
            {move || {
                save.value()
                    .with(|v| matches!(v, Some(Ok(_))))
                    .then(|| view! { <p class="settings-saved" role="status">"Saved."</p> })
            }}
        </section>
    }
}
