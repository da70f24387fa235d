//! The issue stream's search bar: Sentry's search syntax with suggestions for keys and values,
//! submitted with Enter.
//!
//! The field, its keys and the submission are here, in the main wasm. The suggestions
//! ([`super::search_suggestions`]: what to offer, the tag keys, values, members and teams they
//! are drawn from, and their list) are in the lazily loaded tools module
//! ([`crate::lazy_tools`]), fetched when the field is first focused or typed into.

use leptos::prelude::*;

use crate::{
    lazy_tools::{self, Tool},
    org_directory::Directory,
    search_suggest::Suggestion,
};

/// The search bar (`form.search-bar`, input `#search-input`, suggestions `.search-suggestions`).
///
/// The text being edited is its own; `value` (the search in effect, from the URL) replaces it
/// whenever it changes, and `on_search` gets the text on Enter.
#[component]
pub fn SearchBar(
    /// The search in effect.
    #[prop(into)]
    value: Signal<String>,
    /// Called with the search to run.
    on_search: Callback<String>,
    /// The organization whose tag keys and values are suggested.
    #[prop(into)]
    org: Signal<String>,
    /// Members and teams (the values of `assigned:`); the page's, shared with its pickers.
    #[prop(optional)]
    directory: Option<Directory>,
    /// The input, for a parent that focuses it (the `/` shortcut).
    #[prop(optional)]
    input_ref: Option<NodeRef<leptos::html::Input>>,
) -> impl IntoView {
    let text = RwSignal::new(value.get_untracked());
    Effect::new(move |_| text.set(value.get()));
    let open = RwSignal::new(false);
    let highlighted: RwSignal<Option<usize>> = RwSignal::new(None);
    let input_ref = input_ref.unwrap_or_default();
    let directory = directory.unwrap_or_else(|| Directory::new(org));
    // What the suggestions offer, set by them: the keys below move through it.
    let suggestions: RwSignal<Vec<Suggestion>> = RwSignal::new(Vec::new());
    // Whether the suggestions were wanted yet (their module is fetched then).
    let wanted = RwSignal::new(false);
    // The search last run, which the suggestions record as a recent search.
    let ran: RwSignal<Option<String>> = RwSignal::new(None);

    let edit = move |new_text: String| {
        text.set(new_text);
        highlighted.set(None);
        open.set(true);
        wanted.set(true);
    };
    let apply = move |index: usize| {
        let Some(chosen) = suggestions.with_untracked(|s| s.get(index).map(|s| s.text.clone()))
        else {
            return;
        };
        edit(chosen);
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
        // Still open: after a key come its values, after a value the next term's keys.
        open.set(true);
    };
    let submit = move || {
        open.set(false);
        highlighted.set(None);
        let search = text.get_untracked().trim().to_owned();
        ran.set(Some(search.clone()));
        on_search.run(search);
    };
    let list = move || {
        wanted.get().then(|| {
            lazy_tools::tool(Tool::SearchSuggestions {
                text: text.into(),
                open: open.into(),
                highlighted: highlighted.into(),
                suggestions,
                on_apply: Callback::new(apply),
                org,
                directory,
                ran: ran.into(),
            })
        })
    };

    view! {
        <form
            class="search-bar"
            role="search"
            on:pointerover=|_| lazy_tools::preload()
            on:focusout=move |ev| {
                if !stays_in_bar(&ev) {
                    open.set(false);
                }
            }
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <input
                node_ref=input_ref
                id="search-input"
                name="query"
                type="search"
                autocomplete="off"
                spellcheck="false"
                placeholder="Search issues: is:unresolved assigned:me level:error ..."
                prop:value=move || text.get()
                on:input=move |ev| edit(event_target_value(&ev))
                on:focus=move |_| {
                    open.set(true);
                    wanted.set(true);
                }
                on:blur=move |ev| {
                    if !stays_in_bar(&ev) {
                        open.set(false);
                    }
                }
                on:keydown=move |ev| {
                    let count = suggestions.with_untracked(Vec::len);
                    let at_end = count == 0 || highlighted.get_untracked() == Some(count - 1);
                    match ev.key().as_str() {
                        // Past the last suggestion (or with none), the saved searches: buttons
                        // that the keys move through from there, up to the field again with
                        // the last suggestion still highlighted.
                        "ArrowDown" if at_end && focus_first_saved_search() => {
                            ev.prevent_default();
                        }
                        "ArrowDown" if count > 0 => {
                            ev.prevent_default();
                            open.set(true);
                            highlighted.update(|h| *h = Some(h.map_or(0, |i| (i + 1) % count)));
                        }
                        "ArrowUp" if count > 0 => {
                            ev.prevent_default();
                            highlighted
                                .update(|h| *h = Some(h.map_or(count - 1, |i| (i + count - 1) % count)));
                        }
                        "Tab" if open.get_untracked() && count > 0 => {
                            ev.prevent_default();
                            apply(highlighted.get_untracked().unwrap_or(0));
                        }
                        "Enter" => {
                            if let (true, Some(index)) = (open.get_untracked(), highlighted.get_untracked()) {
                                ev.prevent_default();
                                apply(index);
                            }
                        }
                        "Escape" => {
                            open.set(false);
                            highlighted.set(None);
                        }
                        _ => {}
                    }
                }
            />
            <ul class="search-suggestions" role="listbox">{list}</ul>
        </form>
    }
    .into_any()
}

/// Whether the focus that `ev` moves goes to another element of the same search bar (its
/// saved searches, say): the suggestions then stay open.
fn stays_in_bar(ev: &leptos::ev::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    let bar = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|from| from.closest(".search-bar").ok().flatten());
    let to = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
    bar.is_some_and(|bar| to.is_some_and(|to| bar.contains(Some(&to))))
}

/// Moves the focus to the first saved search under the suggestions, if there is one.
fn focus_first_saved_search() -> bool {
    use wasm_bindgen::JsCast;
    let first = document().query_selector(".search-bar .saved-search").ok().flatten();
    first.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()).is_some_and(|b| b.focus().is_ok())
}
