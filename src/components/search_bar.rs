//! The issue stream's search bar: Sentry's search syntax with suggestions for keys and values
//! (from [`crate::search_suggest`]), submitted with Enter.

use leptos::prelude::*;

use crate::search_suggest::{suggest, SuggestionKind, SuggestionSource};

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
    /// What suggestions are drawn from.
    #[prop(into)]
    source: Signal<SuggestionSource>,
    /// Called with the text as it is typed (the page fetches a tag's values from it).
    #[prop(optional)]
    on_edit: Option<Callback<String>>,
    /// The input, for a parent that focuses it (the `/` shortcut).
    #[prop(optional)]
    input_ref: Option<NodeRef<leptos::html::Input>>,
) -> impl IntoView {
    let text = RwSignal::new(value.get_untracked());
    Effect::new(move |_| text.set(value.get()));
    let open = RwSignal::new(false);
    let highlighted: RwSignal<Option<usize>> = RwSignal::new(None);
    let input_ref = input_ref.unwrap_or_default();
    let suggestions = Memo::new(move |_| suggest(&text.get(), &source.get()));

    let edit = move |new_text: String| {
        text.set(new_text.clone());
        highlighted.set(None);
        open.set(true);
        if let Some(on_edit) = on_edit {
            on_edit.run(new_text);
        }
    };
    let apply = move |index: usize| {
        let Some(chosen) = suggestions.with_untracked(|s| s.get(index).cloned()) else {
            return;
        };
        edit(chosen.text);
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
        // Still open: after a key come its values, after a value the next term's keys.
        open.set(true);
    };
    let submit = move || {
        open.set(false);
        highlighted.set(None);
        on_search.run(text.get_untracked().trim().to_owned());
    };

    let list = move || {
        let items = suggestions.get();
        (open.get() && !items.is_empty()).then(|| {
            items
                .into_iter()
                .enumerate()
                .map(|(index, suggestion)| {
                    let kind = match suggestion.kind {
                        SuggestionKind::Key => "suggestion suggestion-key",
                        SuggestionKind::Value => "suggestion suggestion-value",
                    };
                    view! {
                        <li>
                            <button
                                type="button"
                                class=kind
                                class:highlighted=move || highlighted.get() == Some(index)
                                data-text=suggestion.text
                                // mousedown, not click: the input must not lose focus first.
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    apply(index);
                                }
                            >
                                <span class="suggestion-label">{suggestion.label}</span>
                                <span class="suggestion-description">{suggestion.description}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <form
            class="search-bar"
            role="search"
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
                on:focus=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=move |ev| {
                    let count = suggestions.with_untracked(Vec::len);
                    match ev.key().as_str() {
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
