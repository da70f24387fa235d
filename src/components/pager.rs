//! Previous / Next buttons of a list read a page at a time with Sentry's cursors (the `Link`
//! header's, see `api::Paged`).

use leptos::prelude::*;

/// `nav.pager`: each button disabled when its page has no results; a click hands its cursor
/// to `on_page`. Hidden when the list is on one page.
#[component]
pub fn Pager(
    /// The cursor of the page before, if it has results.
    previous: Option<String>,
    /// The cursor of the page after, if it has results.
    next: Option<String>,
    /// Called with the cursor of the page to show.
    #[prop(into)]
    on_page: Callback<String>,
) -> impl IntoView {
    let hidden = previous.is_none() && next.is_none();
    let (no_previous, no_next) = (previous.is_none(), next.is_none());
    view! {
        <nav class="pager" hidden=hidden>
            <button
                type="button"
                class="button button-secondary pager-previous"
                disabled=no_previous
                on:click=move |_| {
                    if let Some(cursor) = previous.clone() {
                        on_page.run(cursor);
                    }
                }
            >
                "Previous"
            </button>
            <button
                type="button"
                class="button button-secondary pager-next"
                disabled=no_next
                on:click=move |_| {
                    if let Some(cursor) = next.clone() {
                        on_page.run(cursor);
                    }
                }
            >
                "Next"
            </button>
        </nav>
    }
    .into_any()
}

/// The Previous and Next buttons alone (`#{id}-previous`, `#{id}-next`), for a list's own bar
/// with other controls beside them; always shown, each disabled when its page has no results.
/// A click hands its cursor to `on_page`.
#[component]
pub fn PageButtons(
    /// The buttons' id prefix.
    id: &'static str,
    /// The cursor of the page before, if it has results.
    previous: Option<String>,
    /// The cursor of the page after, if it has results.
    next: Option<String>,
    /// Called with the cursor of the page to show.
    #[prop(into)]
    on_page: Callback<String>,
) -> impl IntoView {
    let (no_previous, no_next) = (previous.is_none(), next.is_none());
    view! {
        <button
            type="button"
            id=format!("{id}-previous")
            class="button button-secondary"
            disabled=no_previous
            on:click=move |_| {
                if let Some(cursor) = previous.clone() {
                    on_page.run(cursor);
                }
            }
        >
            "Previous"
        </button>
        <button
            type="button"
            id=format!("{id}-next")
            class="button button-secondary"
            disabled=no_next
            on:click=move |_| {
                if let Some(cursor) = next.clone() {
                    on_page.run(cursor);
                }
            }
        >
            "Next"
        </button>
    }
}
