//! The issue stream's saved searches (Sentry's `/searches/`), at the top of the search bar's
//! suggestions ([`super::search_suggestions`]) while nothing is typed or the text is the search
//! in effect: a click applies one (the stream goes to its search and sort, the other filters
//! kept), its × deletes it, and a small form saves the search in effect under a name, for the
//! user alone or shared with the organization. In the lazily loaded tools module
//! ([`crate::lazy_tools`]).
//!
//! Reached with the pointer: the search field's arrow keys, Tab and Enter work on the
//! suggestions of the text only (in the save form, Tab and Enter work as usual).

use cairn_types::api::{SavedSearch, SavedSearchRequest};
use leptos::{ev, prelude::*};
use leptos_router::hooks::{use_location, use_navigate};
use wasm_bindgen::JsCast;

use crate::{api, components::FormError, routes::Page, stream_query::StreamQuery};

/// Whether the suggestions show the saved searches for the text being edited: nothing typed, or
/// the search in effect (`current`) as it is.
pub fn shows_saved(text: &str, current: &str) -> bool {
    let text = text.trim();
    text.is_empty() || text == current.trim()
}

/// Whether one of `searches` already has `query` (the server refuses a second search with the
/// same query in the same place).
pub fn is_saved(searches: &[SavedSearch], query: &str) -> bool {
    let query = query.trim();
    searches.iter().any(|search| search.query.trim() == query)
}

/// Whether the search in effect (`current`) may be offered for saving: not empty, not saved yet.
pub fn can_save(searches: &[SavedSearch], current: &str) -> bool {
    !current.trim().is_empty() && !is_saved(searches, current)
}

/// The section (`li.saved-searches`), while there is a search to list or to save: a button per
/// search (`.saved-search`: its name, "Organization" when shared, its query) taken with
/// `on_pick`, with its × (`.saved-search-delete`, `on_delete`); the form saving `current`
/// (`.save-search`, `on_save` with the name and whether to share it) when it is not saved yet;
/// and `error`. Everything from the server is text.
///
/// The buttons keep the focus where it is (the search field, whose blur closes the
/// suggestions); a press on a field of the form sets `pinned`, which keeps the section shown
/// while the focus is inside it.
#[component]
pub fn SavedSearchList(
    /// The saved searches, as the server lists them.
    #[prop(into)]
    searches: Signal<Vec<SavedSearch>>,
    /// The search in effect.
    #[prop(into)]
    current: Signal<String>,
    /// The last failure, as the server worded it.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Applies a search.
    on_pick: Callback<SavedSearch>,
    /// Deletes a search.
    on_delete: Callback<SavedSearch>,
    /// Saves `current`: `(name, shared with the organization)`.
    on_save: Callback<(String, bool)>,
    /// Set while a field of the form has the focus.
    #[prop(optional)]
    pinned: RwSignal<bool>,
) -> impl IntoView {
    let offer = Memo::new(move |_| current.with(|c| searches.with(|s| can_save(s, c))));
    let visible = Memo::new(move |_| {
        offer.get() || error.with(Option::is_some) || searches.with(|s| !s.is_empty())
    });
    let items = move || {
        searches
            .get()
            .into_iter()
            .map(|search| {
                let label = format!("Delete saved search {}", search.name);
                let shared = search.visibility == "organization";
                let (name, query) = (search.name.clone(), search.query.clone());
                let gone = search.clone();
                view! {
                    <div class="settings-inline">
                        <button
                            type="button"
                            class="suggestion saved-search"
                            on:click=move |_| on_pick.run(search.clone())
                        >
                            <span>
                                {name} " "
                                {shared.then(|| view! { <span class="badge">"Organization"</span> })}
                            </span>
                            <span class="suggestion-description">{query}</span>
                        </button>
                        <button
                            type="button"
                            class="link-button saved-search-delete"
                            aria-label=label
                            on:click=move |_| on_delete.run(gone.clone())
                        >
                            "×"
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    let form = move || {
        offer.get().then(|| {
            let name = RwSignal::new(String::new());
            let shared = RwSignal::new(false);
            let save = move || on_save.run((name.get_untracked(), shared.get_untracked()));
            view! {
                <div class="save-search menu-form" role="group" aria-label="Save current search">
                    <input
                        name="saved-search-name"
                        placeholder="Save current search as"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            // Not the search bar's form: Enter would submit it.
                            if ev.key() == "Enter" {
                                ev.prevent_default();
                                save();
                            }
                        }
                    />
                    <label>
                        <input
                            type="checkbox"
                            name="saved-search-shared"
                            on:change=move |ev| shared.set(event_target_checked(&ev))
                        />
                        " Share with the organization"
                    </label>
                    <button
                        type="button"
                        class="save-search-submit button button-primary"
                        on:click=move |_| save()
                    >
                        "Save"
                    </button>
                </div>
            }
        })
    };
    // A press on a field pins the section (the search field is about to lose the focus); any
    // other press keeps the focus where it is.
    let press = move |ev: ev::MouseEvent| {
        let on_field = ev.target().is_some_and(|t| t.has_type::<web_sys::HtmlInputElement>());
        if on_field {
            pinned.set(true);
        } else {
            ev.prevent_default();
        }
    };
    let leave = move |ev: ev::FocusEvent| {
        // The section, from the element losing the focus (not `currentTarget`, which event
        // delegation would change).
        let from = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let section = from.and_then(|from| from.closest(".saved-searches").ok().flatten());
        let to = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let inside = section.is_some_and(|section| section.contains(to.as_ref()));
        if !inside {
            pinned.set(false);
        }
    };
    // The arrow keys move through the saved searches; up from the first, or Escape, goes back
    // to the search field.
    let keys = move |ev: ev::KeyboardEvent| {
        let Some(from) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
            return;
        };
        if !from.matches(".saved-search").unwrap_or(false) {
            return;
        }
        let step = match ev.key().as_str() {
            "ArrowDown" => 1,
            "ArrowUp" => -1,
            "Escape" => {
                focus_search(true);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        // Each saved search is a row (`div`) of its own: the neighbouring row's button.
        let row = from.parent_element();
        let next = row.and_then(|row| match step {
            1 => row.next_element_sibling(),
            _ => row.previous_element_sibling(),
        });
        let button = next.and_then(|next| next.query_selector(".saved-search").ok().flatten());
        match button.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
            Some(button) => {
                let _ = button.focus();
            }
            None if step < 0 => focus_search(true),
            None => {}
        }
    };
    move || {
        visible.get().then(|| {
            view! {
                <li class="saved-searches" on:mousedown=press on:focusout=leave on:keydown=keys>
                    <div class="label">"Saved searches"</div>
                    {items}
                    {form}
                    <FormError message=error/>
                </li>
            }
        })
    }
}

/// The search field (`#search-input`) focused, or blurred: the search bar opens its suggestions
/// on focus and closes them on blur (also when the focus was on a saved search).
fn focus_search(focus: bool) {
    let field = document().get_element_by_id("search-input");
    if let Some(field) = field.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
        // A saved search taken with the keyboard has the focus, not the field: the field takes
        // it first, so that its blur closes the suggestions.
        let _ = if focus { field.focus() } else { field.focus().and_then(|()| field.blur()) };
    }
}

/// [`SavedSearchList`] for the stream: fetches the organization's saved searches (again after
/// a change), shows them while the suggestions are `open` (or the save form has the focus) and
/// `text` is empty or the search in effect, and applies, deletes and saves searches through the
/// URL and the API. Must be rendered in the stream's route: it reads and changes the URL.
#[component]
pub fn SavedSearches(
    /// The text being edited.
    text: Signal<String>,
    /// Whether the suggestions show.
    open: Signal<bool>,
    /// The organization.
    org: Signal<String>,
) -> impl IntoView {
    let location = use_location();
    let navigate = use_navigate();
    let view_query = move || StreamQuery::parse(&location.search.get_untracked());
    let current = Signal::derive(move || StreamQuery::parse(&location.search.get()).query);
    let listed = RwSignal::new(Vec::new());
    let failed = RwSignal::new(None::<String>);
    // Bumped after a change: the list is fetched again.
    let version = RwSignal::new(0u32);
    Effect::new(move |_| {
        version.track();
        let org = org.get();
        leptos::task::spawn_local(async move {
            match api::saved_searches(&org).await {
                Ok(searches) => listed.set(searches),
                Err(error) => failed.set(Some(error.message())),
            }
        });
    });
    let refetch = move || version.update(|v| *v += 1);
    let pinned = RwSignal::new(false);
    let shown = Memo::new(move |_| {
        (open.get() || pinned.get()) && text.with(|t| current.with(|c| shows_saved(t, c)))
    });

    let on_pick = Callback::new(move |search: SavedSearch| {
        failed.set(None);
        pinned.set(false);
        let mut view = view_query().first_page();
        view.query = search.query;
        view.sort = search.sort;
        let path = Page::Issues { org: org.get_untracked() }.path();
        navigate(&format!("{path}?{}", view.to_query_string()), Default::default());
        focus_search(false);
    });
    let on_delete = Callback::new(move |search: SavedSearch| {
        failed.set(None);
        let org = org.get_untracked();
        leptos::task::spawn_local(async move {
            match api::delete_saved_search(&org, &search.id).await {
                Ok(()) => refetch(),
                Err(error) => failed.set(Some(error.message())),
            }
        });
    });
    let on_save = Callback::new(move |(name, shared): (String, bool)| {
        failed.set(None);
        let view = view_query();
        let request = SavedSearchRequest {
            name: Some(name),
            query: Some(view.query),
            sort: Some(view.sort),
            visibility: shared.then(|| "organization".to_owned()),
            ..SavedSearchRequest::default()
        };
        let org = org.get_untracked();
        leptos::task::spawn_local(async move {
            match api::save_search(&org, &request).await {
                Ok(_) => {
                    refetch();
                    // Back to the search field, its suggestions open with the new search.
                    pinned.set(false);
                    focus_search(true);
                }
                Err(error) => failed.set(Some(error.message())),
            }
        });
    });

    move || {
        shown.get().then(|| {
            view! {
                <SavedSearchList
                    searches=listed
                    current
                    error=failed
                    on_pick
                    on_delete
                    on_save
                    pinned
                />
            }
        })
    }
}
