//! Choosing who works on an issue: a button showing the assignee that opens a list of the
//! organization's members and teams with a search box (Sentry's assignee selector). Used on
//! each row of the issue stream, for the stream's bulk "Assign", and in the issue page header.

use cairn_types::api::{Member, Team};
use leptos::prelude::*;

use crate::{api, state::use_session};

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

/// The options for an organization's members (those who have accepted) and teams, members
/// first.
pub fn assignee_options(members: &[Member], teams: &[Team]) -> Vec<AssigneeOption> {
    let people = members.iter().filter_map(|member| {
        let user = member.user.as_ref()?;
        Some(AssigneeOption {
            value: format!("user:{}", user.id),
            label: user.name.clone(),
            detail: user.email.clone(),
        })
    });
    let teams = teams.iter().map(|team| AssigneeOption {
        value: format!("team:{}", team.id),
        label: format!("#{}", team.slug),
        detail: "Team".to_owned(),
    });
    people.chain(teams).collect()
}

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

/// What the button shows for an issue's `assignedTo` (`{"type", "id", "name", "email"}`).
pub fn assignee_label(assigned_to: Option<&serde_json::Value>) -> Option<String> {
    let assignee = assigned_to?;
    let name = assignee.get("name").and_then(serde_json::Value::as_str)?;
    Some(match assignee.get("type").and_then(serde_json::Value::as_str) {
        Some("team") => format!("#{name}"),
        _ => name.to_owned(),
    })
}

/// The members and teams of an organization as options, loaded once per mount.
pub fn load_options(org: String) -> LocalResource<Vec<AssigneeOption>> {
    LocalResource::new(move || {
        let org = org.clone();
        async move {
            // A failure leaves the list empty: the picker still unassigns, and the page shows
            // the API's errors elsewhere.
            let members = api::members(&org).await.unwrap_or_default();
            let teams = api::teams(&org).await.unwrap_or_default();
            assignee_options(&members, &teams)
        }
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
    /// The choices; when absent, the members and teams of the session's organization are
    /// loaded on first opening.
    #[prop(optional, into)]
    options: Option<Signal<Vec<AssigneeOption>>>,
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
    let open = open.unwrap_or_else(|| RwSignal::new(false));
    let search = RwSignal::new(String::new());
    // Effects only where needed: the issue stream has a picker on each of its hundred rows,
    // all given their options, and an effect is a task of its own.
    let options = options.unwrap_or_else(|| {
        let loaded: RwSignal<Option<LocalResource<Vec<AssigneeOption>>>> = RwSignal::new(None);
        // Self-loading pickers fetch when first opened.
        Effect::new(move |_| {
            if open.get() && loaded.get_untracked().is_none() {
                let org = use_session().and_then(|s| s.org.get_untracked());
                if let Some(org) = org {
                    loaded.set(Some(load_options(org)));
                }
            }
        });
        Signal::derive(move || loaded.get().and_then(|resource| resource.get()).unwrap_or_default())
    });
    let input = NodeRef::<leptos::html::Input>::new();

    let current_value = current.as_ref().and_then(|a| {
        let kind = a.get("type")?.as_str()?;
        let id = a.get("id")?.as_str()?;
        Some(format!("{kind}:{id}"))
    });
    let label = assignee_label(current.as_ref());
    let assigned = label.is_some();
    let button_text =
        label.unwrap_or_else(|| placeholder.unwrap_or_else(|| "Unassigned".to_owned()));
    let choose = move |value: Option<String>| {
        open.set(false);
        search.set(String::new());
        on_assign.run(value);
    };
    let list = move || {
        open.get().then(|| {
            let current_value = current_value.clone();
            let matches = move || filter_options(&options.get(), &search.get());
            // Owned by the open list, so it exists only while the list does.
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
                            <button
                                type="button"
                                class="assignee-option unassign"
                                on:click=move |_| choose(None)
                            >
                                "Unassign"
                            </button>
                        </li>
                        {move || {
                            let current_value = current_value.clone();
                            matches()
                                .into_iter()
                                .map(|option| {
                                    let selected = current_value.as_deref() == Some(option.value.as_str());
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
            {list}
        </div>
    }
    .into_any()
}
