//! `/settings/{org}/audit-log/?event={name}&cursor=...` (Sentry's *Audit Log*): who changed
//! what in the organization (invitations, roles, teams, projects, keys, rules, ...), newest
//! first, a page at a time, optionally only one kind of change.
//!
//! The filter and the cursor live in the URL, as on the feedback page, so that the back button
//! and a copied link show the same page.

use cairn_types::api::AuditLogEntry;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::use_org_param;
use crate::{
    api,
    components::{pager::Pager, ApiError, Loading, TimeAgo},
    routes::Page,
    stream_query::encode,
};

/// The query parameter naming the event shown (none: every event).
const EVENT_QUERY: &str = "event";
/// The query parameter holding the page's cursor (none: the first page).
const CURSOR_QUERY: &str = "cursor";

/// The page's URL for `event` (every event when `None`) at `cursor`.
fn audit_log_href(org: &str, event: Option<&str>, cursor: Option<&str>) -> String {
    let pairs: Vec<String> = [(EVENT_QUERY, event), (CURSOR_QUERY, cursor)]
        .into_iter()
        .filter_map(|(name, value)| Some(format!("{name}={}", encode(value?))))
        .collect();
    let query = if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) };
    format!("{}{query}", Page::AuditLog { org: org.to_owned() }.path())
}

/// The audit log route.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let org = use_org_param();
    let query = use_query_map();
    let event = Memo::new(move |_| query.read().get(EVENT_QUERY).filter(|e| !e.is_empty()));
    let cursor = Memo::new(move |_| query.read().get(CURSOR_QUERY).filter(|c| !c.is_empty()));
    let log = LocalResource::new(move || {
        let (org, event, cursor) = (org.get(), event.get(), cursor.get());
        async move { api::audit_log(&org, event.as_deref(), cursor.as_deref()).await }
    });
    // The filter's choices come with each answer; the last ones are kept so that the select
    // stays usable while the next page loads or when it fails.
    let options = Memo::new(move |kept: Option<&Vec<String>>| {
        log.with(|page| match page {
            Some(Ok(page)) => page.log.options.clone(),
            _ => kept.cloned().unwrap_or_default(),
        })
    });
    let navigate = use_navigate();
    let on_event = {
        let navigate = navigate.clone();
        move |ev| {
            let name = event_target_value(&ev);
            let event = (!name.is_empty()).then_some(name.as_str());
            // Another filter starts again from its first page.
            let href = audit_log_href(&org.get_untracked(), event, None);
            navigate(&href, NavigateOptions::default());
        }
    };
    let on_page = Callback::new(move |cursor: String| {
        let href =
            audit_log_href(&org.get_untracked(), event.get_untracked().as_deref(), Some(&cursor));
        navigate(&href, NavigateOptions::default());
    });
    let event_options = move || {
        let current = event.get().unwrap_or_default();
        let mut names = options.get();
        // A filter from the URL is shown as chosen even before (or without) the answer
        // listing it.
        if !current.is_empty() && !names.contains(&current) {
            names.push(current.clone());
        }
        let names = names
            .into_iter()
            .map(|name| {
                let selected = name == current;
                let label = name.clone();
                view! {
                    <option value=name selected=selected>
                        {label}
                    </option>
                }
            })
            .collect_view();
        view! {
            <option value="" selected=current.is_empty()>
                "All events"
            </option>
            {names}
        }
    };
    view! {
        <section class="page audit-log-page">
            <header class="page-header">
                <h1>"Audit Log"</h1>
                <label class="picker">
                    <span class="picker-label">"Event"</span>
                    <select id="audit-event" on:change=on_event>
                        {event_options}
                    </select>
                </label>
                <a href=move || Page::Members { org: org.get() }.path()>"Members"</a>
            </header>
            {move || match log.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(page)) => {
                    view! {
                        <AuditLogTable entries=page.log.rows/>
                        <Pager previous=page.previous next=page.next on_page/>
                    }
                        .into_any()
                }
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
        </section>
    }
}

/// The entries as a table (`#audit-log`), one `.audit-row` each: who (`.audit-actor`, "Cairn"
/// for changes made by Cairn itself, the address in the `title`), the event's name
/// (`.audit-event`), what was done (`.audit-note`), from which address (`.audit-ip`) and when
/// (`.audit-date`). Everything is text: notes repeat names and addresses users typed.
#[component]
pub fn AuditLogTable(
    /// The entries, newest first.
    entries: Vec<AuditLogEntry>,
) -> impl IntoView {
    if entries.is_empty() {
        return view! {
            <div id="audit-log" class="empty-state">
                <p class="empty-title">"No changes recorded yet."</p>
            </div>
        }
        .into_any();
    }
    let rows = entries
        .into_iter()
        .map(|entry| {
            let (actor, email) = match entry.actor {
                Some(user) => (user.name, Some(user.email)),
                None => ("Cairn".to_owned(), None),
            };
            let ip = entry.ip_address.unwrap_or_else(|| "—".to_owned());
            view! {
                <tr class="audit-row" data-id=entry.id>
                    <td class="audit-actor" title=email>
                        {actor}
                    </td>
                    <td class="audit-event">
                        <code>{entry.event}</code>
                    </td>
                    <td class="audit-note">{entry.note}</td>
                    <td class="audit-ip">{ip}</td>
                    <td class="audit-date">
                        <TimeAgo time=entry.date_created/>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="audit-log" class="event-table audit-table">
            <thead>
                <tr>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"IP address"</th>
                    <th scope="col">"When"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
