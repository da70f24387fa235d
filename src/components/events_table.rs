//! The issue's "Events" tab: its events newest first, a page at a time (Sentry's cursors from
//! the `Link` header), each row linking to the issue page showing that event.

use cairn_types::api::Event;
use leptos::prelude::*;
use serde_json::Value;

use super::{pager::Pager, status::ApiError, time_ago::TimeAgo, Loading};
use crate::{api, routes::Page};

/// The value of an event's tag `key`, if it has one.
pub fn tag_value<'a>(event: &'a Event, key: &str) -> Option<&'a str> {
    event.tags.iter().find(|t| t.key == key).map(|t| t.value.as_str())
}

/// How the event's user is named: email, username, id, then IP address, as Sentry does.
pub fn user_label(event: &Event) -> String {
    let user = event.user.as_ref();
    ["email", "username", "id", "ip_address"]
        .iter()
        .find_map(|key| user?.get(*key).filter(|v| !v.is_null()).map(super::stacktrace::value_text))
        .unwrap_or_default()
}

/// The release of an event (a string, or Sentry's release object with a `version`).
pub fn release_label(event: &Event) -> String {
    match &event.release {
        Some(Value::String(version)) => version.clone(),
        Some(other) => other.get("version").and_then(Value::as_str).unwrap_or_default().to_owned(),
        None => tag_value(event, "release").unwrap_or_default().to_owned(),
    }
}

/// A table of events (`#event-list`): id, time, message, release, environment, user.
#[component]
pub fn EventsTable(
    /// Organization slug, for the links.
    #[prop(into)]
    org: String,
    /// Issue id, for the links.
    #[prop(into)]
    issue: String,
    /// The events, newest first.
    events: Vec<Event>,
) -> impl IntoView {
    if events.is_empty() {
        return view! { <p id="event-list" class="empty-note">"No events."</p> }.into_any();
    }
    let rows = events
        .into_iter()
        .map(|event| {
            let href = Page::IssueEvent {
                org: org.clone(),
                id: issue.clone(),
                event: event.event_id.clone(),
            }
            .path();
            let short: String = event.event_id.chars().take(8).collect();
            let environment = tag_value(&event, "environment").unwrap_or_default().to_owned();
            let message =
                if event.message.is_empty() { event.title.clone() } else { event.message.clone() };
            view! {
                <tr class="event-row" data-event-id=event.event_id.clone()>
                    <td class="event-row-id">
                        // A plain link: the router handles it, and the table renders without one.
                        <a href=href>
                            <code>{short}</code>
                        </a>
                    </td>
                    <td class="event-row-time">
                        <TimeAgo time=event.date_created/>
                    </td>
                    <td class="event-row-message">{message}</td>
                    <td class="event-row-release">{release_label(&event)}</td>
                    <td class="event-row-environment">{environment}</td>
                    <td class="event-row-user">{user_label(&event)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="event-list" class="event-table">
            <thead>
                <tr>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Message"</th>
                    <th scope="col">"Release"</th>
                    <th scope="col">"Environment"</th>
                    <th scope="col">"User"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The Events tab: a search of the issue's events (Sentry's syntax, `#issue-events-search`)
/// above the matching events, fetched a page at a time with previous / next buttons.
#[component]
pub fn IssueEvents(
    /// Organization slug.
    #[prop(into)]
    org: Signal<String>,
    /// Issue id.
    #[prop(into)]
    issue: Signal<String>,
) -> impl IntoView {
    // What the field holds, and the search last submitted: typing does not fetch.
    let draft = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let cursor = RwSignal::new(None::<String>);
    let page = LocalResource::new(move || {
        let (org, issue, query, cursor) = (org.get(), issue.get(), query.get(), cursor.get());
        async move {
            let answer = api::issue_events(&org, &issue, &query, cursor.as_deref()).await;
            // Whether this answer is a search's, so the view matches the answer it shows and
            // not a query typed since.
            answer.map(|paged| (paged, !query.is_empty()))
        }
    });
    let search = move || {
        query.set(draft.get_untracked().trim().to_owned());
        // A new search starts over: the old cursor points into another list.
        cursor.set(None);
    };
    view! {
        <section id="issue-events" class="event-section">
            // Outside the switch on the answer, so the field keeps its text and focus while a
            // search loads and stays usable when the server rejects the query.
            <form
                id="issue-events-search"
                class="issue-events-search"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    search();
                }
            >
                <input
                    id="issue-events-query"
                    name="query"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    aria-label="Search events"
                    placeholder="Search events: browser:Firefox user.email:… or text"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
                <button type="submit" class="button button-secondary">
                    "Search"
                </button>
            </form>
            {move || match page.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                Some(Ok((paged, searched))) => {
                    let (previous, next) = (paged.previous.clone(), paged.next.clone());
                    let events = if searched && paged.items.is_empty() {
                        view! {
                            <p class="empty-note" id="issue-events-none">
                                "No events of this issue match the search."
                            </p>
                        }
                            .into_any()
                    } else {
                        view! {
                            <EventsTable
                                org=org.get_untracked()
                                issue=issue.get_untracked()
                                events=paged.items
                            />
                        }
                            .into_any()
                    };
                    view! {
                        {events}
                        <Pager previous next on_page=move |page| cursor.set(Some(page))/>
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}
