//! Choosing who works on an issue: a button showing the assignee that opens a list of the
//! organization's members and teams with a search box (Sentry's assignee selector). Used on
//! each row of the issue stream, for the stream's bulk "Assign", and in the issue page header.
//!
//! The button is here, in the main wasm: the stream draws a hundred of them. The list it opens
//! ([`super::assignee_menu`]) is in the lazily loaded tools module ([`crate::lazy_tools`]),
//! with the fetching and decoding of members and teams.

use leptos::prelude::*;

use crate::{
    lazy_tools::{self, Tool},
    org_directory::Directory,
};

/// One person or team to assign to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssigneeOption {
    /// Sentry's `assignedTo` value: `user:<id>` or `team:<id>`.
    pub value: String,
    /// Name shown: the member's name, or `#slug` for a team.
    pub label: String,
    /// Shown after the name: the member's email, or "Team".
    pub detail: String,
}

/// What the button shows for an issue's `assignedTo` (`{"type", "id", "name", "email"}`).
pub fn assignee_label(assigned_to: Option<&serde_json::Value>) -> Option<String> {
    let assignee = assigned_to?;
    let name = assignee.get("name").and_then(serde_json::Value::as_str)?;
    Some(match assignee.get("type").and_then(serde_json::Value::as_str) {
        Some("team") => format!("#{name}"),
        _ => name.to_owned(),
    })
}

/// The picker (`.assignee-picker`): a button with the current assignee; opened, a search box
/// and the matching members and teams, plus "Unassign". Choosing calls `on_assign` with the
/// `assignedTo` value (`None` unassigns) and closes it.
#[component]
pub fn AssigneePicker(
    /// The issue's `assignedTo`, if any (`None` too for a bulk picker).
    #[prop(optional)]
    current: Option<serde_json::Value>,
    /// Called with `user:<id>`, `team:<id>` or `None`.
    on_assign: Callback<Option<String>>,
    /// Whom to offer: the page's directory, shared by its pickers; by default that of the
    /// session's organization, fetched when the list is first opened.
    #[prop(optional)]
    directory: Option<Directory>,
    /// Whether the list is open; given by a parent that opens it (e.g. a keyboard shortcut).
    #[prop(optional)]
    open: Option<RwSignal<bool>>,
    /// The button's text when nobody is assigned.
    #[prop(optional, into)]
    placeholder: Option<String>,
    /// Whether the button is disabled.
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    // No effect or resource here: the issue stream has a picker on each of its hundred rows.
    let open = open.unwrap_or_else(|| RwSignal::new(false));
    let directory = directory.unwrap_or_else(Directory::of_session);
    let current_value = current.as_ref().and_then(|a| {
        let kind = a.get("type")?.as_str()?;
        let id = a.get("id")?.as_str()?;
        Some(format!("{kind}:{id}"))
    });
    let label = assignee_label(current.as_ref());
    let assigned = label.is_some();
    let button_text =
        label.unwrap_or_else(|| placeholder.unwrap_or_else(|| "Unassigned".to_owned()));
    let menu = move || {
        open.get().then(|| {
            lazy_tools::tool(Tool::AssigneeMenu {
                current: current_value.clone(),
                directory,
                open,
                on_assign,
            })
        })
    };
    view! {
        <div class="assignee-picker">
            <button
                type="button"
                class="button button-secondary assignee-button"
                class:assigned=assigned
                disabled=move || disabled.get()
                aria-haspopup="true"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {button_text}
            </button>
            {menu}
        </div>
    }
    .into_any()
}
