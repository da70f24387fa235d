//! The issue stream's bulk actions on the selected issues: resolve, ignore (forever or for a
//! while), mark reviewed, merge, assign, set the priority, and how many are selected. Shown in the bulk bar
//! while issues are selected, as Sentry's stream does; in the lazily loaded tools module
//! ([`crate::lazy_tools`]), which the pointer or focus on the list asks for ahead.

use cairn_types::api::UpdateIssueRequest;
use leptos::prelude::*;

use crate::{
    components::{
        issue_actions::{ignore_request, Ignore, PrioritySelect},
        AssigneePicker,
    },
    org_directory::Directory,
    pages::issues::status_change,
};

/// Sentry's "Mark Reviewed": out of the "For Review" inbox until the issue regresses or
/// escalates again.
pub fn reviewed_request() -> UpdateIssueRequest {
    UpdateIssueRequest { inbox: Some(false), ..UpdateIssueRequest::default() }
}

/// How long "Ignore" can last, as `(minutes, label)`; `None` is for good.
const IGNORE_FOR: &[(Option<i64>, &str)] = &[
    (None, "Forever"),
    (Some(30), "For 30 minutes"),
    (Some(120), "For 2 hours"),
    (Some(1440), "For 24 hours"),
    (Some(10080), "For 1 week"),
];

/// The actions (`.bulk-resolve`, `.bulk-ignore-select`, `.bulk-reviewed`, `.bulk-merge`,
/// `.bulk-assign`, `.bulk-priority`, `.bulk-count`): each calls `run` with the selection and the
/// change to make.
#[component]
pub fn BulkActions(
    /// The selected issues' ids.
    selected: RwSignal<Vec<String>>,
    /// Whether a change is under way (the actions wait for it).
    busy: Signal<bool>,
    /// Whether the assignee list is open (the `a` shortcut opens it).
    assign_open: RwSignal<bool>,
    /// Whom the assignee list offers.
    directory: Directory,
    /// Makes a change to issues.
    run: Callback<(Vec<String>, UpdateIssueRequest)>,
) -> impl IntoView {
    let ignore_options = IGNORE_FOR
        .iter()
        .map(|(minutes, label)| {
            let value = minutes.map(|m| m.to_string()).unwrap_or_default();
            view! { <option value=value>{*label}</option> }
        })
        .collect_view();
    view! {
        <button
            type="button"
            class="button button-secondary bulk-resolve"
            disabled=move || busy.get()
            on:click=move |_| run.run((selected.get_untracked(), status_change("resolved", None)))
        >
            "Resolve"
        </button>
        <label class="bulk-ignore">
            <span class="visually-hidden">"Archive"</span>
            <select
                class="bulk-ignore-select"
                disabled=move || busy.get()
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if value == "-" {
                        return;
                    }
                    if value == "escalating" {
                        run.run((selected.get_untracked(), ignore_request(Ignore::UntilEscalating)));
                        return;
                    }
                    let minutes = value.parse::<i64>().ok();
                    run.run((selected.get_untracked(), status_change("ignored", minutes)));
                }
            >
                <option value="-" selected=true>"Archive…"</option>
                <option value="escalating">"Until it escalates"</option>
                {ignore_options}
            </select>
        </label>
        <button
            type="button"
            class="button button-secondary bulk-reviewed"
            disabled=move || busy.get()
            on:click=move |_| run.run((selected.get_untracked(), reviewed_request()))
        >
            "Mark reviewed"
        </button>
        <button
            type="button"
            class="button button-secondary bulk-merge"
            disabled=move || selected.with(|s| s.len() < 2) || busy.get()
            on:click=move |_| {
                let request = UpdateIssueRequest { merge: Some(true), ..UpdateIssueRequest::default() };
                run.run((selected.get_untracked(), request));
            }
        >
            "Merge"
        </button>
        <div class="bulk-assign">
            <AssigneePicker
                placeholder="Assign…"
                directory
                open=assign_open
                on_assign=Callback::new(move |value: Option<String>| {
                    let request = UpdateIssueRequest { assigned_to: Some(value), ..UpdateIssueRequest::default() };
                    run.run((selected.get_untracked(), request));
                })
            />
        </div>
        <label class="bulk-priority">
            <span class="visually-hidden">"Priority"</span>
            <PrioritySelect
                current=None
                placeholder="Set priority…"
                busy
                on_update=Callback::new(move |request| run.run((selected.get_untracked(), request)))
            />
        </label>
        <span class="bulk-count">{move || format!("{} selected", selected.with(Vec::len))}</span>
    }
    .into_any()
}
