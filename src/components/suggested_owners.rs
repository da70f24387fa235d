//! "Suggested assignees": who owns an event by the project's ownership rules and CODEOWNERS,
//! and why (the rule and what it matched), then the members who authored the event's suspect
//! commits (Sentry's `suspectCommit` owners), with the commit. Everything is rendered as text.

use cairn_types::api::{Committer, Event, EventOwners, IssueDetails};
use leptos::prelude::*;

use crate::api;

/// The owners panel (`#suggested-owners`), presentational: the answer of the event owners
/// route.
#[component]
pub fn OwnersPanel(
    /// What the server answered.
    owners: EventOwners,
    /// The event's suspect commits by author; only members' are listed.
    #[prop(optional)]
    suspects: Vec<Committer>,
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
    let authors = suspects
        .into_iter()
        .filter(|c| c.author.id.is_some())
        .filter_map(|c| {
            let commit = c.commits.into_iter().next()?;
            let name = c.author.name.filter(|n| !n.is_empty()).unwrap_or(c.author.email);
            let short: String = commit.id.chars().take(7).collect();
            let message = commit.message.unwrap_or_default();
            let summary = message.lines().next().unwrap_or_default().to_owned();
            let reason = format!("author of commit {short}: {summary}");
            Some(view! {
                <li class="owner owner-suspect">
                    {name} " " <span class="owners-reason" title=commit.id>{reason}</span>
                </li>
            })
        })
        .collect_view();
    view! {
        <aside id="suggested-owners" class="card suggested-owners">
            <h2>"Suggested assignees"</h2>
            <ul class="owner-list">{list}{authors}</ul>
            {empty}
            {reason}
        </aside>
    }
}

/// The panel for the issue page: loads the owners and suspect commits of the event shown once
/// both the issue (for its project) and the event are there. Nothing is shown while either is missing or if
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
                    let owners = api::event_owners(&org, &project, &event_id).await.ok()?;
                    // Without commits the rules' owners are still shown.
                    let suspects = api::event_committers(&org, &project, &event_id)
                        .await
                        .map(|answer| answer.committers)
                        .unwrap_or_default();
                    Some((owners, suspects))
                }
                _ => None,
            }
        }
    });
    move || {
        owners.get().flatten().map(|(owners, suspects)| view! { <OwnersPanel owners suspects/> })
    }
}
