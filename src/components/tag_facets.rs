//! The issue's tags as Sentry's "tag facets": each tag with its most frequent values, a bar
//! per value showing its share of the tag's events, and a link that opens the issue stream
//! filtered by that value (`/organizations/{org}/issues/?query=key:value`). Text only.

use cairn_types::api::IssueTag;
use leptos::prelude::*;

use crate::routes::Page;

/// Share of `count` in `total`, in whole percent (rounded; `0` when there is no total).
pub fn percent(count: i64, total: i64) -> u32 {
    if total <= 0 || count <= 0 {
        return 0;
    }
    let share = (count as f64 * 100.0 / total as f64).round();
    share.clamp(0.0, 100.0) as u32
}

/// A search term for one tag value in Sentry's syntax: `key:value`, quoted when the value has
/// spaces, quotes or is empty (`key:"a \"b\""`).
pub fn tag_term(key: &str, value: &str) -> String {
    let plain = !value.is_empty()
        && !value.chars().any(|c| c.is_whitespace() || matches!(c, '"' | '\\' | ',' | '[' | ']'));
    if plain {
        format!("{key}:{value}")
    } else {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{key}:\"{escaped}\"")
    }
}

/// The stream of `org` searched for `query` (unresolved issues with that tag value, as Sentry's
/// facet links do).
pub fn stream_link(org: &str, query: &str) -> String {
    let mut encoded = String::new();
    for byte in query.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{}?query={encoded}", Page::Issues { org: org.to_owned() }.path())
}

/// The tag facets (`#tag-facets`): one block per tag, its top values with their percentage.
#[component]
pub fn TagFacets(
    /// Organization slug, for the stream links.
    #[prop(into)]
    org: String,
    /// The issue's tags, most used first.
    tags: Vec<IssueTag>,
) -> impl IntoView {
    if tags.is_empty() {
        return view! { <p id="tag-facets" class="empty-note">"No tags."</p> }.into_any();
    }
    let facets = tags
        .into_iter()
        .map(|tag| {
            let total = tag.total_values;
            let values = tag
                .top_values
                .into_iter()
                .map(|value| {
                    let share = percent(value.count, total);
                    let href = stream_link(&org, &tag_term(&tag.key, &value.value));
                    let shown =
                        if value.name.is_empty() { value.value.clone() } else { value.name };
                    view! {
                        <li class="facet-value" data-percent=share>
                            <a class="facet-link" href=href title=format!("{} events", value.count)>
                                <span class="facet-bar" style=format!("width: {share}%")></span>
                                <span class="facet-name">{shown}</span>
                                <span class="facet-percent">{format!("{share}%")}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="facet" data-key=tag.key>
                    <h3 class="facet-key">{tag.name}</h3>
                    <ol class="facet-values">{values}</ol>
                </div>
            }
        })
        .collect_view();
    view! {
        <section id="tag-facets" class="event-section tag-facets">
            <h2 class="section-title">"Tags"</h2>
            {facets}
        </section>
    }
    .into_any()
}
