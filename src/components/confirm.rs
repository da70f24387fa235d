//! A button for what cannot be undone (deleting a team, a client key): it asks once more.

use leptos::prelude::*;

/// A "Delete" button (`.{name}-delete`; `label` when given) that, clicked, shows `warning` in an alert
/// (`.{name}-confirm`) with a button that does it (`.{name}-delete-confirm`, labelled `confirm`)
/// and one that takes the question back (`.{name}-delete-cancel`).
#[component]
pub fn ConfirmDelete(
    /// What is deleted, for the class names: `team`, `key`.
    name: &'static str,
    /// What deleting means, shown with the question.
    warning: &'static str,
    /// The label of the button that deletes.
    confirm: &'static str,
    /// Called when deleting is confirmed.
    on_confirm: Callback<()>,
    /// The first button's label, "Delete" when not given.
    #[prop(optional)]
    label: Option<&'static str>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    move || {
        if asking.get() {
            view! {
                <span class=format!("{name}-confirm") role="alert">
                    {warning} " "
                    <button
                        type="button"
                        class=format!("button {name}-delete-confirm")
                        on:click=move |_| on_confirm.run(())
                    >
                        {confirm}
                    </button>
                    <button
                        type="button"
                        class=format!("button button-secondary {name}-delete-cancel")
                        on:click=move |_| asking.set(false)
                    >
                        "Cancel"
                    </button>
                </span>
            }
            .into_any()
        } else {
            view! {
                <button
                    type="button"
                    class=format!("button button-secondary {name}-delete")
                    on:click=move |_| asking.set(true)
                >
                    {label.unwrap_or("Delete")}
                </button>
            }
            .into_any()
        }
    }
}
