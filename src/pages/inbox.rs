//! `/inbox/`: the user's notifications (issues assigned to them: assignment, comments,
//! regressions), newest first, each linking to its issue, and "mark all read".

use cairn_types::api::Notification;
use leptos::prelude::*;

use crate::{
    api,
    components::{ApiError, Loading, TimeAgo},
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
        "note" => format!("{who} commented"),
        "new_issue" => "New issue".to_owned(),
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
