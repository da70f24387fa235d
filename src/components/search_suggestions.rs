//! The search bar's suggestions ([`super::search_bar`]): what [`crate::search_suggest`] offers
//! for the text, from the built-in keys and values, the organization's tag keys, the values of
//! the tag being typed, its members and teams, and the user's recent searches, all fetched here;
//! above them, the stream's saved searches ([`super::saved_searches`]). Each search the bar runs
//! is recorded as a recent search. In the lazily loaded tools module ([`crate::lazy_tools`]).

use leptos::prelude::*;

use crate::{
    api,
    components::saved_searches::SavedSearches,
    org_directory::Directory,
    search_suggest::{key_needing_values, suggest, Suggestion, SuggestionKind, SuggestionSource},
};

/// The items of `ul.search-suggestions` while it is `open`: one button per suggestion, taken
/// with `on_apply` (its index). Keeps `suggestions` up to date for the search bar's keys. In a
/// route (the stream's; not in the component tests, which mount the bar alone), the saved
/// searches come first.
#[component]
pub fn SearchSuggestions(
    /// The text being edited.
    text: Signal<String>,
    /// Whether the list shows.
    open: Signal<bool>,
    /// The suggestion the arrow keys are on.
    highlighted: Signal<Option<usize>>,
    /// Set to what is offered.
    suggestions: RwSignal<Vec<Suggestion>>,
    /// Takes the suggestion at an index.
    on_apply: Callback<usize>,
    /// The organization whose tag keys and values are offered.
    org: Signal<String>,
    /// Its members and teams.
    directory: Directory,
    /// The search the bar last ran, recorded as a recent search.
    ran: Signal<Option<String>>,
) -> impl IntoView {
    directory.ensure_loaded();
    let recent: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        let org = org.get();
        leptos::task::spawn_local(async move {
            let searches = api::recent_searches(&org).await.unwrap_or_default();
            recent.set(searches.into_iter().map(|s| s.query).collect());
        });
    });
    // A search run: first in the list at once, and recorded (a failure only loses the entry).
    Effect::new(move |_| {
        let Some(query) = ran.get().filter(|q| !q.is_empty()) else { return };
        recent.update(|recent| {
            recent.retain(|q| *q != query);
            recent.insert(0, query.clone());
        });
        let org = org.get_untracked();
        leptos::task::spawn_local(async move {
            let _ = api::record_recent_search(&org, &query).await;
        });
    });
    let tag_keys = LocalResource::new(move || {
        let org = org.get();
        async move {
            let keys = api::tag_keys(&org).await.unwrap_or_default();
            keys.into_iter().map(|k| k.key).collect::<Vec<_>>()
        }
    });
    // The values of the tag being typed (`release:` and the like), fetched once per key.
    let tag_values: RwSignal<Option<(String, Vec<String>)>> = RwSignal::new(None);
    Effect::new(move |_| {
        let Some(key) = key_needing_values(&text.get()) else { return };
        if tag_values.with_untracked(|v| v.as_ref().is_some_and(|(k, _)| *k == key)) {
            return;
        }
        tag_values.set(Some((key.clone(), Vec::new())));
        let org = org.get_untracked();
        leptos::task::spawn_local(async move {
            let values = api::tag_values(&org, &key, "").await.unwrap_or_default();
            let values = values.into_iter().map(|v| v.value).collect();
            tag_values.set(Some((key, values)));
        });
    });
    let offered = Memo::new(move |_| {
        let source = directory.with(|d| SuggestionSource {
            tag_keys: tag_keys.get().unwrap_or_default(),
            member_emails: d.member_emails.clone(),
            team_slugs: d.team_slugs.clone(),
            tag_values: tag_values.get(),
            recent: recent.get(),
        });
        suggest(&text.get(), &source)
    });
    Effect::new(move |_| suggestions.set(offered.get()));
    // The route's URL, which only a route provides: the saved searches read and change it.
    let in_route = use_context::<ArcRwSignal<leptos_router::location::Url>>().is_some();
    let saved = in_route.then(|| view! { <SavedSearches text open org/> });

    let items = move || {
        let items = offered.get();
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
                                    on_apply.run(index);
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
    view! { {saved} {items} }
}
