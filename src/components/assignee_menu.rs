//! The list an assignee picker opens ([`super::assignee_picker`]): a search box, "Unassign" and
//! the organization's members and teams that match. In the lazily loaded tools module
//! ([`crate::lazy_tools`]).

use leptos::prelude::*;

use crate::{components::assignee_picker::AssigneeOption, org_directory::Directory};

/// The options whose name or detail contains `search` (case-insensitive).
pub fn filter_options(options: &[AssigneeOption], search: &str) -> Vec<AssigneeOption> {
    let search = search.trim().to_lowercase();
    options
        .iter()
        .filter(|o| {
            search.is_empty()
                || o.label.to_lowercase().contains(&search)
                || o.detail.to_lowercase().contains(&search)
        })
        .cloned()
        .collect()
}

/// The open list (`.assignee-menu`), focused on its search box. Choosing closes it (`open`) and
/// calls `on_assign`; Escape closes it.
#[component]
pub fn AssigneeMenu(
    /// The current `assignedTo` as `user:<id>` or `team:<id>`, marked in the list.
    current: Option<String>,
    /// Whom to offer; fetched now if it is not yet.
    directory: Directory,
    /// Whether the list is open.
    open: RwSignal<bool>,
    /// Called with `user:<id>`, `team:<id>` or `None`.
    on_assign: Callback<Option<String>>,
) -> impl IntoView {
    directory.ensure_loaded();
    let search = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Input>::new();
    let choose = move |value: Option<String>| {
        open.set(false);
        on_assign.run(value);
    };
    let matches = move || directory.with(|d| filter_options(&d.assignees, &search.get()));
    Effect::new(move |_| {
        if let Some(input) = input.get() {
            let _ = input.focus();
        }
    });
    view! {
        <div class="assignee-menu" role="dialog">
            <input
                node_ref=input
                class="assignee-search"
                type="search"
                placeholder="Filter members and teams"
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    } else if ev.key() == "Enter" {
                        ev.prevent_default();
                        if let Some(first) = matches().into_iter().next() {
                            choose(Some(first.value));
                        }
                    }
                }
            />
            <ul class="assignee-options">
                <li>
                    <button type="button" class="assignee-option unassign" on:click=move |_| choose(None)>
                        "Unassign"
                    </button>
                </li>
                {move || {
                    let current = current.clone();
                    matches()
                        .into_iter()
                        .map(|option| {
                            let selected = current.as_deref() == Some(option.value.as_str());
                            let value = option.value.clone();
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="assignee-option"
                                        class:selected=selected
                                        data-value=option.value
                                        on:click=move |_| choose(Some(value.clone()))
                                    >
                                        <span class="assignee-name">{option.label}</span>
                                        <span class="assignee-detail">{option.detail}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </div>
    }
    .into_any()
}
