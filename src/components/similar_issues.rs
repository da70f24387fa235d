//! The issue's "Similar Issues" tab (Sentry's): the project's issues whose exception messages,
//! stack traces or messages look like this one's, best first, each with its similarity scores,
//! and Merge, which joins the checked ones and this issue into one. Titles and culprits are the
//! SDKs' data: text only.

use cairn_types::api::{SimilarIssue, SimilarityScores};
use leptos::prelude::*;

use super::{status::ApiError, Loading};
use crate::{api, routes::Page};

/// A similarity score (0 to 1) as a whole percentage (`87%`), or `–` when the feature does not
/// apply to both issues.
pub fn percent(score: Option<f64>) -> String {
    match whole_percent(score) {
        Some(share) => format!("{share}%"),
        None => "–".to_owned(),
    }
}

/// The status line once `count` issues are merged into the one shown.
pub fn merged_text(count: usize) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("Merged {count} issue{plural} into this one.")
}

/// The score in whole percent, kept within 0..=100 so a bar never overflows its cell.
fn whole_percent(score: Option<f64>) -> Option<u32> {
    // `as` saturates, and the value is within 0..=100 anyway once clamped.
    score.filter(|s| s.is_finite()).map(|s| (s.clamp(0.0, 1.0) * 100.0).round() as u32)
}

/// What the Exception column averages, for its tooltip.
fn exception_detail(scores: &SimilarityScores) -> String {
    format!(
        "Exception message {}, in-app frame blocks {}, frame pairs {}",
        percent(scores.exception_message),
        percent(scores.application_chunks),
        percent(scores.stacktrace_pairs)
    )
}

/// A score cell (`td.{class}`): the percentage and a bar as wide, or `–`.
fn score_cell(class: &'static str, score: Option<f64>, title: String) -> AnyView {
    match whole_percent(score) {
        Some(share) => view! {
            <td class=format!("similarity {class}") title=title>
                <span class="similarity-bar" aria-hidden="true">
                    <span class="similarity-fill" style=format!("width: {share}%")></span>
                </span>
                <span class="similarity-value">{percent(score)}</span>
            </td>
        }
        .into_any(),
        None => view! {
            <td class=format!("similarity similarity-none {class}") title="Does not apply">
                {percent(None)}
            </td>
        }
        .into_any(),
    }
}

/// The similar issues (`#similar-issue-list`, one `.similar-issue` row each, in the given
/// order, with a `.similar-issue-select` checkbox) and the Merge button
/// (`#merge-similar-button`) for the checked ones, or the empty state. `selected` holds the
/// checked issue ids; `on_merge` gets them when Merge is clicked, and `on_open_issue` runs when
/// an issue's link is followed with a plain click.
#[component]
pub fn SimilarIssueList(
    /// Organization slug, for the links.
    #[prop(into)]
    org: String,
    /// The similar issues with their scores, best first.
    issues: Vec<SimilarIssue>,
    /// The checked issue ids.
    selected: RwSignal<Vec<String>>,
    /// While a merge is under way (the button waits).
    #[prop(into)]
    busy: Signal<bool>,
    /// Merges the issues given into the one shown.
    on_merge: Callback<Vec<String>>,
    /// Called when an issue's link is followed with a plain click.
    #[prop(default = None)]
    on_open_issue: Option<Callback<()>>,
) -> impl IntoView {
    if issues.is_empty() {
        return view! { <p id="similar-issue-list" class="empty-note">"No similar issues found."</p> }
            .into_any();
    }
    let rows = issues
        .into_iter()
        .map(|(issue, scores)| {
            let href = Page::Issue { org: org.clone(), id: issue.id.clone() }.path();
            let (checked, toggled) = (issue.id.clone(), issue.id.clone());
            let label = format!("Select {}", issue.short_id);
            let exception =
                score_cell("similarity-exception", scores.exception(), exception_detail(&scores));
            let message = score_cell(
                "similarity-message",
                scores.message,
                format!("Message {}", percent(scores.message)),
            );
            view! {
                <tr class="similar-issue" data-issue-id=issue.id>
                    <td class="similar-issue-check">
                        <input
                            type="checkbox"
                            class="similar-issue-select"
                            aria-label=label
                            prop:checked=move || selected.with(|s| s.contains(&checked))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| {
                                    s.retain(|id| id != &toggled);
                                    if on {
                                        s.push(toggled.clone());
                                    }
                                });
                            }
                        />
                    </td>
                    <td class="similar-issue-main">
                        // A plain link: the router handles it; a plain click also tells the
                        // page to show the issue's details rather than this tab.
                        <a
                            class="similar-issue-link"
                            href=href
                            on:click=move |ev| {
                                let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key()
                                    || ev.alt_key() || ev.button() != 0;
                                if let Some(open) = on_open_issue.filter(|_| !modified) {
                                    open.run(());
                                }
                            }
                        >
                            <span class="similar-issue-short-id">{issue.short_id}</span>
                            <span class="similar-issue-title">{issue.title}</span>
                        </a>
                        <span class="similar-issue-culprit">{issue.culprit}</span>
                    </td>
                    <td class="similar-issue-count">{issue.count}</td>
                    <td class="similar-issue-users">{issue.user_count}</td>
                    {exception}
                    {message}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="similar-issue-list" class="event-table similar-issue-table">
            <thead>
                <tr>
                    <th scope="col">
                        <span class="visually-hidden">"Select"</span>
                    </th>
                    <th scope="col">"Issue"</th>
                    <th scope="col">"Events"</th>
                    <th scope="col">"Users"</th>
                    <th scope="col">"Exception"</th>
                    <th scope="col">"Message"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <div class="merged-actions">
            <button
                type="button"
                id="merge-similar-button"
                class="button button-secondary"
                disabled=move || busy.get() || selected.with(Vec::is_empty)
                on:click=move |_| on_merge.run(selected.get_untracked())
            >
                "Merge"
            </button>
            <span class="hint">"The issue with the most events keeps the others' events."</span>
        </div>
    }
    .into_any()
}

/// What a merge did: the issue kept, and how many were merged into it.
#[derive(Debug, Clone)]
struct Merged {
    parent: String,
    count: usize,
}

/// The tab (`#similar-issues`): fetches the issues like this one and merges the checked ones
/// with it. After a merge the selection is cleared, the list fetched again, and `on_merged`
/// gets the id of the issue kept (the one with the most events, maybe not the one shown).
#[component]
pub fn IssueSimilarIssues(
    /// Organization slug.
    #[prop(into)]
    org: Signal<String>,
    /// Issue id.
    #[prop(into)]
    issue: Signal<String>,
    /// Called after a successful merge with the id of the issue kept.
    on_merged: Callback<String>,
    /// Called when an issue's link is followed.
    #[prop(optional)]
    on_open_issue: Option<Callback<()>>,
) -> impl IntoView {
    let similar = LocalResource::new(move || {
        let (org, issue) = (org.get(), issue.get());
        async move { api::similar_issues(&org, &issue).await }
    });
    let selected = RwSignal::new(Vec::<String>::new());
    // The page stays mounted when another issue is shown: what was checked for the previous
    // one means nothing for it.
    Effect::new(move |_| {
        issue.track();
        selected.set(Vec::new());
    });
    // The answer keeps the issue it was asked from, so its error or status shows only there.
    let merge = Action::new_local(move |chosen: &Vec<String>| {
        let (org, issue) = (org.get_untracked(), issue.get_untracked());
        let mut ids = vec![issue.clone()];
        ids.extend(chosen.iter().filter(|id| **id != issue).cloned());
        async move {
            let count = ids.len() - 1;
            let merged = api::merge_issues(&org, &ids).await;
            (issue, merged.map(|parent| Merged { parent, count }))
        }
    });
    Effect::new(move |_| {
        let parent = merge.value().with(|answer| match answer {
            Some((_, Ok(merged))) => Some(merged.parent.clone()),
            _ => None,
        });
        if let Some(parent) = parent {
            selected.set(Vec::new());
            similar.refetch();
            on_merged.run(parent);
        }
    });
    let on_merge = Callback::new(move |chosen: Vec<String>| {
        merge.dispatch(chosen);
    });
    let busy = Signal::derive(move || merge.pending().get());
    let outcome = move || match merge.value().get()? {
        // Shown on the issue kept, which the page may have gone to.
        (_, Ok(merged)) => (merged.parent == issue.get()).then(|| {
            view! {
                <p id="similar-status" class="similar-status" role="status">
                    {merged_text(merged.count)}
                </p>
            }
            .into_any()
        }),
        (from, Err(error)) => (from == issue.get()).then(|| view! { <ApiError error/> }.into_any()),
    };
    view! {
        <section id="similar-issues" class="event-section">
            <p class="hint similar-intro">
                "Issues of this project whose exception messages, stack traces or messages look "
                "like this one's. Merge the ones that are the same problem."
            </p>
            {outcome}
            {move || match similar.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                Some(Ok(issues)) => {
                    view! {
                        <SimilarIssueList
                            org=org.get_untracked()
                            issues
                            selected
                            busy
                            on_merge
                            on_open_issue
                        />
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}
