//! Previous / Next buttons of a list read a page at a time with Sentry's cursors (the `Link`
//! header's, see `api::Paged`).

use leptos::prelude::*;

/// `nav.pager`: [`PageButtons`] hidden when the list is on one page.
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
    view! {
        <nav class="pager" hidden=hidden>
            <PageButtons previous next on_page/>
        </nav>
    }
    .into_any()
}

/// The Previous and Next buttons (`.pager-previous`, `.pager-next`, and `#{id}-previous`,
/// `#{id}-next` when given an id), each disabled when its page has no results; a click hands
/// its cursor to `on_page`. Alone, for a list's own bar with other controls beside them.
#[component]
pub fn PageButtons(
    /// The buttons' id prefix, if they need ids.
    #[prop(optional)]
    id: Option<&'static str>,
    /// The cursor of the page before, if it has results.
    previous: Option<String>,
    /// The cursor of the page after, if it has results.
    next: Option<String>,
    /// Called with the cursor of the page to show.
    #[prop(into)]
    on_page: Callback<String>,
) -> impl IntoView {
    let button = move |label: &'static str, which: &'static str, cursor: Option<String>| {
        let disabled = cursor.is_none();
        view! {
            <button
                type="button"
                id=id.map(|id| format!("{id}-{which}"))
                class=format!("button button-secondary pager-{which}")
                disabled=disabled
                on:click=move |_| {
                    if let Some(cursor) = cursor.clone() {
                        on_page.run(cursor);
                    }
                }
            >
                {label}
            </button>
        }
    };
    view! {
        {button("Previous", "previous", previous)}
        {button("Next", "next", next)}
    }
}
