//! The issue's "Merged Issues" tab (Sentry's): the fingerprints (grouping hashes) the issue
//! gathers, each with its latest event, and Unmerge, which moves the selected ones and their
//! events out into a new issue. Titles and messages are the SDKs' data: text only.

use cairn_types::api::IssueHash;
use leptos::prelude::*;

use super::{status::ApiError, time_ago::TimeAgo, Loading};
use crate::{api, routes::Page};

/// Why Unmerge cannot take every fingerprint (the server refuses it too).
pub const KEEPS_ONE: &str = "An issue keeps at least one fingerprint.";

/// Whether Unmerge may move `selected` of the issue's `total` fingerprints: at least one, and
/// not all of them.
pub fn unmerge_allowed(selected: usize, total: usize) -> bool {
    selected > 0 && selected < total
}

/// The status line once `count` fingerprints are unmerged.
pub fn unmerged_text(count: usize) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("Unmerged: the events of {count} fingerprint{plural} moved to a new issue.")
}

/// The issue's fingerprints (`.merged-hash` rows, each with a `.merged-hash-select` checkbox)
/// and the Unmerge button (`#unmerge-button`) for the checked ones, or the empty state.
/// `selected` holds the checked hashes; `on_unmerge` gets them when Unmerge is clicked, and
/// `on_open_event` runs when a row's event link is followed (the page then shows the event).
#[component]
pub fn MergedHashList(
    /// Organization slug, for the links.
    #[prop(into)]
    org: String,
    /// Issue id, for the links.
    #[prop(into)]
    issue: String,
    /// The fingerprints, as the server lists them.
    hashes: Vec<IssueHash>,
    /// The checked hashes.
    selected: RwSignal<Vec<String>>,
    /// While an unmerge is under way (the button waits).
    #[prop(into)]
    busy: Signal<bool>,
    /// Unmerges the hashes given.
    on_unmerge: Callback<Vec<String>>,
    /// Called when an event link is followed with a plain click.
    #[prop(default = None)]
    on_open_event: Option<Callback<()>>,
) -> impl IntoView {
    if hashes.is_empty() {
        return view! {
            <p id="merged-hash-list" class="empty-note">"This issue has no fingerprints."</p>
        }
        .into_any();
    }
    let total = hashes.len();
    let rows = hashes
        .into_iter()
        .map(|hash| {
            let short: String = hash.id.chars().take(12).collect();
            let (checked, toggled, title) = (hash.id.clone(), hash.id.clone(), hash.id.clone());
            let event = match hash.latest_event {
                Some(event) => {
                    let href = Page::IssueEvent {
                        org: org.clone(),
                        id: issue.clone(),
                        event: event.event_id.clone(),
                    }
                    .path();
                    let message = (!event.message.is_empty() && event.message != event.title)
                        .then(|| {
                            view! { <span class="merged-hash-message">{event.message.clone()}</span> }
                        });
                    let culprit = (!event.culprit.is_empty()).then(|| {
                        view! { <span class="merged-hash-culprit">{event.culprit.clone()}</span> }
                    });
                    view! {
                        <div class="merged-hash-event">
                            // A plain link: the router handles it; a plain click also shows the
                            // Details tab, where the event is.
                            <a
                                class="merged-hash-title"
                                href=href
                                on:click=move |ev| {
                                    let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key()
                                        || ev.alt_key() || ev.button() != 0;
                                    if let Some(open) = on_open_event.filter(|_| !modified) {
                                        open.run(());
                                    }
                                }
                            >
                                {event.title}
                            </a>
                            {message}
                            {culprit}
                            <span class="merged-hash-seen">
                                "latest event " <TimeAgo time=event.date_created/>
                            </span>
                        </div>
                    }
                    .into_any()
                }
                None => view! {
                    <div class="merged-hash-event empty-note">"No event kept"</div>
                }
                .into_any(),
            };
            view! {
                <li class="merged-hash" data-hash=hash.id>
                    <label class="merged-hash-id">
                        <input
                            type="checkbox"
                            class="merged-hash-select"
                            aria-label="Select this fingerprint"
                            prop:checked=move || selected.with(|s| s.contains(&checked))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|s| {
                                    s.retain(|h| h != &toggled);
                                    if on {
                                        s.push(toggled.clone());
                                    }
                                });
                            }
                        />
                        <code title=title>{short}</code>
                    </label>
                    {event}
                </li>
            }
        })
        .collect_view();
    let count = move || selected.with(Vec::len);
    view! {
        <ul id="merged-hash-list" class="merged-hash-list">{rows}</ul>
        <div class="merged-actions">
            <button
                type="button"
                id="unmerge-button"
                class="button button-secondary"
                disabled=move || busy.get() || !unmerge_allowed(count(), total)
                on:click=move |_| on_unmerge.run(selected.get_untracked())
            >
                "Unmerge"
            </button>
            {move || {
                (total <= 1 || count() >= total)
                    .then(|| view! { <span class="hint unmerge-hint">{KEEPS_ONE}</span> })
            }}
        </div>
    }
    .into_any()
}

/// The tab (`#merged-issues`): fetches the issue's fingerprints and unmerges the checked ones.
/// After an unmerge the list is fetched again, the selection cleared, and `on_unmerged` runs
/// (the page fetches the issue's counts again).
#[component]
pub fn IssueMergedHashes(
    /// Organization slug.
    #[prop(into)]
    org: Signal<String>,
    /// Issue id.
    #[prop(into)]
    issue: Signal<String>,
    /// The issue's project id, for the link to its stream (empty while unknown).
    #[prop(into)]
    project: Signal<String>,
    /// Called after a successful unmerge.
    #[prop(optional)]
    on_unmerged: Option<Callback<()>>,
    /// Called when an event link is followed.
    #[prop(optional)]
    on_open_event: Option<Callback<()>>,
) -> impl IntoView {
    let hashes = LocalResource::new(move || {
        let (org, issue) = (org.get(), issue.get());
        async move { api::issue_hashes(&org, &issue).await }
    });
    let selected = RwSignal::new(Vec::<String>::new());
    let unmerge = Action::new_local(move |chosen: &Vec<String>| {
        let chosen = chosen.clone();
        let (org, issue) = (org.get_untracked(), issue.get_untracked());
        async move { api::unmerge_hashes(&org, &issue, &chosen).await.map(|()| chosen.len()) }
    });
    Effect::new(move |_| {
        if unmerge.value().with(|v| matches!(v, Some(Ok(_)))) {
            selected.set(Vec::new());
            hashes.refetch();
            if let Some(done) = on_unmerged {
                done.run(());
            }
        }
    });
    let on_unmerge = Callback::new(move |chosen: Vec<String>| {
        unmerge.dispatch(chosen);
    });
    let busy = Signal::derive(move || unmerge.pending().get());
    let outcome = move || match unmerge.value().get()? {
        Ok(count) => {
            let project = project.get();
            let mut stream = Page::Issues { org: org.get_untracked() }.path();
            if !project.is_empty() {
                stream.push_str(&format!("?project={}", api::segment(&project)));
            }
            Some(
                view! {
                    <p id="unmerge-status" class="unmerge-status" role="status">
                        {unmerged_text(count)} " "
                        <a href=stream>"See the new issue in the issue stream"</a>
                    </p>
                }
                .into_any(),
            )
        }
        Err(error) => Some(view! { <ApiError error/> }.into_any()),
    };
    view! {
        <section id="merged-issues" class="event-section">
            <p class="hint merged-intro">
                "Fingerprints included in this issue. Unmerge moves the selected ones and their "
                "events into a new issue."
            </p>
            {outcome}
            {move || match hashes.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                Some(Ok(list)) => {
                    view! {
                        <MergedHashList
                            org=org.get_untracked()
                            issue=issue.get_untracked()
                            hashes=list
                            selected
                            busy
                            on_unmerge
                            on_open_event
                        />
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}
