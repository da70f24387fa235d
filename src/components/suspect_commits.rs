//! The issue page's "Suspect commits" panel: commits of the event's release (and the ones
//! before) that touched the files of its in-app frames, with author, message, id and date.
//! Shown only when the event has any. Commit messages are event-adjacent data: text only. A
//! commit whose repository has a web address links to it on the code host.

use cairn_types::api::Committer;
use leptos::prelude::*;

use crate::{
    api,
    components::{code_links::commit_link, TimeAgo},
};

/// Fetches and shows the suspect commits of `event_id` in `project` (once the project is known).
#[component]
pub fn SuspectCommits(
    /// Organization slug.
    org: Signal<String>,
    /// Project slug (`None` until the issue is loaded).
    project: Signal<Option<String>>,
    /// The event shown.
    event_id: String,
) -> impl IntoView {
    let committers = LocalResource::new(move || {
        let (org, project, event_id) = (org.get(), project.get(), event_id.clone());
        async move {
            match project {
                Some(project) => api::event_committers(&org, &project, &event_id)
                    .await
                    .map(|answer| answer.committers)
                    .unwrap_or_default(),
                None => Vec::new(),
            }
        }
    });
    move || {
        let committers = committers.get().unwrap_or_default();
        (!committers.is_empty()).then(|| view! { <SuspectCommitList committers/> })
    }
}

/// The panel itself, from data (what the component tests mount).
#[component]
pub fn SuspectCommitList(committers: Vec<Committer>) -> impl IntoView {
    let rows = committers
        .into_iter()
        .flat_map(|committer| {
            let author =
                committer.author.name.clone().unwrap_or_else(|| committer.author.email.clone());
            committer.commits.into_iter().map(move |commit| {
                let short: String = commit.id.chars().take(12).collect();
                let id = match commit_link(&commit) {
                    Some((url, host)) => view! {
                        <a
                            class="suspect-id-link"
                            href=url
                            target="_blank"
                            rel="noopener noreferrer"
                            title=format!("Open commit {} in {}", commit.id, host.name())
                        >
                            <code class="suspect-id">{short}</code>
                        </a>
                    }
                    .into_any(),
                    None => {
                        view! { <code class="suspect-id" title=commit.id.clone()>{short}</code> }
                            .into_any()
                    }
                };
                let message = commit.message.unwrap_or_default();
                let summary = message.lines().next().unwrap_or_default().to_owned();
                view! {
                    <li class="suspect-commit">
                        <span class="suspect-author">{author.clone()}</span>
                        <span class="suspect-message" title=message>{summary}</span>
                        {id}
                        <TimeAgo time=commit.date_created/>
                    </li>
                }
            })
        })
        .collect_view();
    view! {
        <section class="card suspect-commits">
            <h3>"Suspect commits"</h3>
            <ul class="suspect-list">{rows}</ul>
        </section>
    }
}
