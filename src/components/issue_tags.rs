//! The issue's "Tags" tab (Sentry's): every tag of the issue with its most frequent values as
//! bars, and, for one tag, all its values a page at a time (sorted by events or by when they
//! were seen) with "Export page to CSV". Keys and values are the SDKs' data: text only, and
//! guarded against spreadsheet formulas in the export.

use cairn_types::api::{IssueTag, TagValue};
use chrono::SecondsFormat;
use leptos::prelude::*;

use super::{
    pager::PageButtons,
    status::ApiError,
    tag_facets::{percent, stream_link, tag_term},
    time_ago::TimeAgo,
    Loading,
};
use crate::api;

/// The orders of a tag's values, as the server's `sort` and the label of the sort menu; the
/// first is the default.
pub const TAG_VALUE_SORTS: [(&str, &str); 3] =
    [("-count", "Most events"), ("-last_seen", "Last seen"), ("-first_seen", "First seen")];

/// "N events, M values" of a tag (singular for one).
pub fn tag_counts_text(events: i64, values: i64) -> String {
    let plural = |n: i64, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!("{}, {}", plural(events, "event"), plural(values, "value"))
}

/// One CSV field, as RFC 4180 wants it: in quotes, its quotes doubled, when it holds a comma,
/// a quote, CR or LF.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// A value (the SDK's data) as a CSV field. One that starts like a formula (`=`, `+`, `-`, `@`,
/// or the tab / CR that OWASP adds) gets a leading `'`, so a spreadsheet opening the export
/// shows it as text instead of evaluating it.
fn csv_value(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_field(&format!("'{value}"))
    } else {
        csv_field(value)
    }
}

/// Sentry's "Export page to CSV" of a tag's values: the header `Value,Times Seen,Last Seen,
/// First Seen` and a line per value (CRLF-terminated, RFC 4180), times as RFC 3339 in UTC.
pub fn csv_of(values: &[TagValue]) -> String {
    let mut csv = String::from("Value,Times Seen,Last Seen,First Seen\r\n");
    for value in values {
        csv.push_str(&format!(
            "{},{},{},{}\r\n",
            csv_value(&value.value),
            value.count,
            value.last_seen.to_rfc3339_opts(SecondsFormat::Secs, true),
            value.first_seen.to_rfc3339_opts(SecondsFormat::Secs, true),
        ));
    }
    csv
}

/// A `data:` URL of [`csv_of`]`(values)`, for a download link (no Blob or object URL to revoke).
pub fn csv_href(values: &[TagValue]) -> String {
    let encoded = String::from(js_sys::encode_uri_component(&csv_of(values)));
    format!("data:text/csv;charset=utf-8,{encoded}")
}

/// The text a value is shown as: its display name, or the value itself when it has none.
fn shown_value(value: &TagValue) -> String {
    if value.name.is_empty() {
        value.value.clone()
    } else {
        value.name.clone()
    }
}

/// The tags (`#issue-tags`): a `.issue-tag` section per tag, in the given order, with its key,
/// its counts (`.issue-tag-counts`), its top values (`.issue-tag-value`, a bar as wide as the
/// value's share of the tag's events, linking to the stream searched for the value) and an
/// `.all-values` button that hands the tag's key to `on_open`; or the empty state.
#[component]
pub fn TagOverview(
    /// Organization slug, for the stream links.
    #[prop(into)]
    org: String,
    /// The issue's tags, most used first.
    tags: Vec<IssueTag>,
    /// Called with a tag's key when its "All values" is clicked.
    on_open: Callback<String>,
) -> impl IntoView {
    if tags.is_empty() {
        return view! { <p id="issue-tags" class="empty-note">"This issue has no tags."</p> }
            .into_any();
    }
    let sections = tags
        .into_iter()
        .map(|tag| {
            let total = tag.total_values;
            let values = tag
                .top_values
                .iter()
                .map(|value| {
                    let share = percent(value.count, total);
                    let href = stream_link(&org, &tag_term(&tag.key, &value.value));
                    view! {
                        <li class="issue-tag-value" data-percent=share>
                            <a class="facet-link" href=href title=format!("{} events", value.count)>
                                <span class="facet-bar" style=format!("width: {share}%")></span>
                                <span class="facet-name">{shown_value(value)}</span>
                                <span class="facet-percent">
                                    <span class="issue-tag-value-count">{value.count}</span>
                                    " · "
                                    <span class="issue-tag-value-percent">{format!("{share}%")}</span>
                                </span>
                            </a>
                        </li>
                    }
                })
                .collect_view();
            let (opened, heading) = (tag.key.clone(), tag.key.clone());
            view! {
                <section class="issue-tag" data-key=tag.key>
                    <header class="issue-tag-header">
                        <h3 class="issue-tag-key">{heading}</h3>
                        <span class="issue-tag-counts">
                            {tag_counts_text(total, tag.unique_values)}
                        </span>
                        <button
                            type="button"
                            class="button button-secondary all-values"
                            on:click=move |_| on_open.run(opened.clone())
                        >
                            "All values"
                        </button>
                    </header>
                    <ol class="facet-values issue-tag-values">{values}</ol>
                </section>
            }
        })
        .collect_view();
    view! { <div id="issue-tags" class="issue-tags">{sections}</div> }.into_any()
}

/// A page of one tag's values (`#tag-values`, an `.event-table`, a `.tag-value-row` each):
/// the value (linking to the stream searched for it), its events, their share of the tag's
/// `total`, when it was first and last seen; or the empty state.
#[component]
pub fn TagValueTable(
    /// Organization slug, for the stream links.
    #[prop(into)]
    org: String,
    /// The tag's key.
    #[prop(into)]
    key: String,
    /// The events with the tag, for the percentages.
    total: i64,
    /// The values of the page, in the order asked for.
    values: Vec<TagValue>,
) -> impl IntoView {
    if values.is_empty() {
        return view! { <p id="tag-values" class="empty-note">"This tag has no values."</p> }
            .into_any();
    }
    let rows = values
        .into_iter()
        .map(|value| {
            let href = stream_link(&org, &tag_term(&key, &value.value));
            view! {
                <tr class="tag-value-row" data-value=value.value.clone()>
                    <td class="tag-value-name">
                        <a href=href>{shown_value(&value)}</a>
                    </td>
                    <td class="tag-value-count">{value.count}</td>
                    <td class="tag-value-percent">{format!("{}%", percent(value.count, total))}</td>
                    <td class="tag-value-first-seen">
                        <TimeAgo time=value.first_seen/>
                    </td>
                    <td class="tag-value-last-seen">
                        <TimeAgo time=value.last_seen/>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="tag-values" class="event-table tag-value-table">
            <thead>
                <tr>
                    <th scope="col">"Value"</th>
                    <th scope="col">"Count"</th>
                    <th scope="col">"%"</th>
                    <th scope="col">"First seen"</th>
                    <th scope="col">"Last seen"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The Tags tab: fetches the issue's tags and shows them; "All values" of a tag shows every
/// value of it instead, a page at a time, until "← All tags" (`#tags-back`).
#[component]
pub fn IssueTags(
    /// Organization slug.
    #[prop(into)]
    org: Signal<String>,
    /// Issue id.
    #[prop(into)]
    issue: Signal<String>,
) -> impl IntoView {
    let tags = LocalResource::new(move || {
        let (org, issue) = (org.get(), issue.get());
        async move { api::issue_tags(&org, &issue).await }
    });
    // The key of the tag whose values are shown, if one is.
    let opened = RwSignal::new(None::<String>);
    // Another issue (a link followed while on this tab) has other tags: back to the overview.
    Effect::new(move |shown: Option<String>| {
        let now = issue.get();
        if shown.is_some_and(|shown| shown != now) {
            opened.set(None);
        }
        now
    });
    let on_open = Callback::new(move |key: String| opened.set(Some(key)));
    let on_back = Callback::new(move |()| opened.set(None));
    view! {
        <section class="event-section issue-tags-tab">
            {move || match opened.get() {
                Some(key) => {
                    // The tag's counts, from the overview already fetched (the tab opens there).
                    let tag = tags
                        .get_untracked()
                        .and_then(Result::ok)
                        .and_then(|tags| tags.into_iter().find(|tag| tag.key == key));
                    let (total, unique) = tag
                        .map(|tag| (tag.total_values, tag.unique_values))
                        .unwrap_or_default();
                    view! { <TagValues org issue key total unique on_back/> }.into_any()
                }
                None => match tags.get() {
                    None => view! { <Loading/> }.into_any(),
                    Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                    Some(Ok(tags)) => {
                        view! { <TagOverview org=org.get_untracked() tags on_open/> }.into_any()
                    }
                },
            }}
        </section>
    }
    .into_any()
}

/// All the values of the tag `key`: the back button, the tag's heading, the sort menu
/// (`#tag-values-sort`), the page's [`TagValueTable`], Previous / Next
/// (`#tag-values-previous`, `#tag-values-next`) and the page's CSV (`#tag-values-csv`).
#[component]
fn TagValues(
    org: Signal<String>,
    issue: Signal<String>,
    key: String,
    total: i64,
    unique: i64,
    on_back: Callback<()>,
) -> impl IntoView {
    let sort = RwSignal::new(TAG_VALUE_SORTS[0].0.to_owned());
    let cursor = RwSignal::new(None::<String>);
    let fetched = key.clone();
    let page = LocalResource::new(move || {
        let (org, issue, sort, cursor) = (org.get(), issue.get(), sort.get(), cursor.get());
        let key = fetched.clone();
        async move { api::issue_tag_values(&org, &issue, &key, &sort, cursor.as_deref()).await }
    });
    let options = TAG_VALUE_SORTS
        .iter()
        .map(|(value, label)| view! { <option value=*value>{*label}</option> })
        .collect_view();
    let shown = key.clone();
    view! {
        <button type="button" id="tags-back" class="link-button" on:click=move |_| on_back.run(())>
            "← All tags"
        </button>
        <header class="issue-tag-header tag-values-header">
            <h3 class="issue-tag-key">{key}</h3>
            <span class="issue-tag-counts">{tag_counts_text(total, unique)}</span>
            <label class="tag-values-sort">
                "Sort by "
                <select
                    id="tag-values-sort"
                    prop:value=move || sort.get()
                    on:change=move |ev| {
                        // A cursor is a position in one order only.
                        cursor.set(None);
                        sort.set(event_target_value(&ev));
                    }
                >
                    {options}
                </select>
            </label>
        </header>
        {move || match page.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            Some(Ok(paged)) => {
                let (previous, next) = (paged.previous, paged.next);
                let href = csv_href(&paged.items);
                view! {
                    <TagValueTable
                        org=org.get_untracked()
                        key=shown.clone()
                        total
                        values=paged.items
                    />
                    <nav class="pager tag-values-pager">
                        <a
                            id="tag-values-csv"
                            class="button button-secondary"
                            download=format!("{shown}-values.csv")
                            href=href
                        >
                            "Export page to CSV"
                        </a>
                        <PageButtons
                            id="tag-values"
                            previous=previous
                            next=next
                            on_page=move |page| cursor.set(Some(page))
                        />
                    </nav>
                }
                    .into_any()
            }
        }}
    }
    .into_any()
}
