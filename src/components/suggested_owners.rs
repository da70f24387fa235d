//! "Suggested assignees": who owns an event by the project's ownership rules and CODEOWNERS,
//! and why (the rule and what it matched). Everything is rendered as text.

use cairn_types::api::{Event, EventOwners, IssueDetails};
use leptos::prelude::*;

use crate::api;

/// The owners panel (`#suggested-owners`), presentational: the answer of the event owners
/// route.
#[component]
pub fn OwnersPanel(
    /// What the server answered.
    owners: EventOwners,
) -> impl IntoView {
    let reason = owners.reason.clone().map(|reason| {
        let source = if reason.kind == "codeowners" { "CODEOWNERS" } else { "Ownership rule" };
        view! {
            <p class="owners-reason">
                {source} " " <code class="owners-rule">{reason.rule}</code> " matched "
                <code>{reason.matched.field}</code> " " <code class="owners-value">{reason.matched.value}</code>
            </p>
        }
    });
    let empty = owners.owners.is_empty().then(|| {
        let text = if owners.fallthrough {
            "No rule matches: everyone in the project owns it (fallthrough)."
        } else {
            "No rule matches this event."
        };
        view! { <p class="owners-empty">{text}</p> }
    });
    let list = owners
        .owners
        .into_iter()
        .map(|actor| {
            let label = if actor.kind == "team" { format!("#{}", actor.name) } else { actor.name };
            view! { <li class="owner">{label}</li> }
        })
        .collect_view();
    view! {
        <aside id="suggested-owners" class="card suggested-owners">
            <h2>"Suggested assignees"</h2>
            <ul class="owner-list">{list}</ul>
            {empty}
            {reason}
        </aside>
    }
}

/// The panel for the issue page: loads the owners of the event shown once both the issue
/// (for its project) and the event are there. Nothing is shown while either is missing or if
/// the owners cannot be read.
#[component]
pub fn SuggestedOwners(
    /// Organization slug.
    org: Memo<String>,
    /// The issue, as the page loads it.
    details: LocalResource<api::Result<IssueDetails>>,
    /// The event shown, as the page loads it.
    event: LocalResource<api::Result<Event>>,
) -> impl IntoView {
    let owners = LocalResource::new(move || {
        let project = details.get().and_then(Result::ok).map(|d| d.issue.project.slug);
        let event_id = event.get().and_then(Result::ok).map(|e| e.event_id);
        let org = org.get();
        async move {
            match (project, event_id) {
                (Some(project), Some(event_id)) => {
                    api::event_owners(&org, &project, &event_id).await.ok()
                }
                _ => None,
            }
        }
    });
    move || owners.get().flatten().map(|owners| view! { <OwnersPanel owners/> })
}
