//! The issue stream: one [`IssueRow`] per issue, in an [`IssueList`] with an empty state.
//!
//! Both are presentational (they take `Issue`s as props and fetch nothing), so they can be
//! mounted in tests without a server. Everything from events (titles, culprits) is rendered as
//! text nodes, never as HTML: an exception message is attacker-controlled input.

use cairn_types::api::Issue;
use leptos::prelude::*;

use super::time_ago::TimeAgo;

/// CSS class for an issue level. Levels come from event data, so only the known ones become a
/// class name; anything else gets the neutral style.
pub fn level_class(level: &str) -> &'static str {
    match level {
        "fatal" => "level-fatal",
        "error" => "level-error",
        "warning" => "level-warning",
        "info" => "level-info",
        "debug" => "level-debug",
        _ => "level-unknown",
    }
}

/// One issue of the list: title, culprit and short id, when it was last and first seen, and how
/// many events and users it has.
#[component]
pub fn IssueRow(
    /// The issue to show.
    issue: Issue,
) -> impl IntoView {
    let level = issue.level.clone();
    // The permalink is absolute (the server's public URL); the dashboard links to its path, so
    // the link stays on this origin and inside the single-page app.
    let href = issue
        .permalink
        .find("/organizations/")
        .map_or_else(|| issue.permalink.clone(), |at| issue.permalink[at..].to_owned());
    view! {
        <li class="issue-row">
            <span class=format!("issue-level {}", level_class(&level)) title=level></span>
            <div class="issue-main">
                <div class="issue-title">
                    <a class="issue-link" href=href>{issue.title}</a>
                </div>
                <div class="issue-meta">
                    <span class="issue-short-id">{issue.short_id}</span>
                    <span class="issue-culprit">{issue.culprit}</span>
                    <span class="issue-first-seen">
                        "first seen " <TimeAgo time=issue.first_seen/>
                    </span>
                </div>
            </div>
            <div class="issue-last-seen">
                <TimeAgo time=issue.last_seen/>
            </div>
            <div class="issue-count" title="Events">
                {issue.count}
            </div>
            <div class="issue-users" title="Users">
                {issue.user_count}
            </div>
        </li>
    }
}

/// The list of issues (`#issue-list`), or its empty state when there are none.
#[component]
pub fn IssueList(
    /// The issues, in the order to show them (the server sorts by last seen).
    issues: Vec<Issue>,
) -> impl IntoView {
    let body = if issues.is_empty() {
        view! {
            <div class="empty-state">
                <p class="empty-title">"No unresolved issues."</p>
                <p>"Errors sent to one of your projects' DSN show up here."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="issue-list-header" aria-hidden="true">
                <span class="issue-list-header-title">"Issue"</span>
                <span class="issue-last-seen">"Last seen"</span>
                <span class="issue-count">"Events"</span>
                <span class="issue-users">"Users"</span>
            </div>
            <ul class="issue-rows">
                <For each=move || issues.clone() key=|issue| issue.id.clone() let:issue>
                    <IssueRow issue/>
                </For>
            </ul>
        }
        .into_any()
    };
    view! { <div id="issue-list">{body}</div> }
}
