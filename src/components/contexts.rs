//! The rest of an event as Sentry's issue page shows it: tags as chips, contexts as cards, the
//! user, the HTTP request and the SDK, all as key/value tables of text.

use cairn_types::api::EventTag;
use leptos::prelude::*;
use serde_json::Value;

use super::stacktrace::value_text;

/// Pairs of a JSON object, in its order, values as text; `null`s are left out.
pub fn object_pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), value_text(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Pairs from an object or from Sentry's `[[key, value], ...]` list (headers, query strings).
pub fn pairs(value: &Value) -> Vec<(String, String)> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| {
                let pair = item.as_array()?;
                Some((value_text(pair.first()?), pair.get(1).map(value_text).unwrap_or_default()))
            })
            .collect(),
        Value::String(query) if !query.is_empty() => query
            .split('&')
            .map(|part| match part.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (part.to_owned(), String::new()),
            })
            .collect(),
        other => object_pairs(other),
    }
}

/// A two-column table (`table.kv-table`) of text.
#[component]
pub fn KeyValues(
    /// The rows.
    pairs: Vec<(String, String)>,
) -> impl IntoView {
    let rows = pairs
        .into_iter()
        .map(|(key, value)| {
            view! {
                <tr>
                    <th scope="row">{key}</th>
                    <td>{value}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="kv-table">
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The event's tags as `key: value` chips (`#tags`).
#[component]
pub fn TagList(
    /// The tags.
    tags: Vec<EventTag>,
) -> impl IntoView {
    if tags.is_empty() {
        return view! { <p id="tags" class="empty-note">"No tags."</p> }.into_any();
    }
    let chips = tags
        .into_iter()
        .map(|tag| {
            view! {
                <li class="chip tag-chip">
                    <span class="tag-key">{tag.key}</span>
                    ": "
                    <span class="tag-value">{tag.value}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul id="tags" class="tag-list">{chips}</ul> }.into_any()
}

/// Known contexts in the order Sentry shows them, with their titles.
const KNOWN: &[(&str, &str)] = &[
    ("browser", "Browser"),
    ("os", "Operating System"),
    ("client_os", "Client Operating System"),
    ("device", "Device"),
    ("runtime", "Runtime"),
    ("app", "App"),
    ("trace", "Trace"),
    ("flags", "Feature Flags"),
    ("gpu", "Graphics Processing Unit"),
    ("culture", "Culture"),
    ("cloud_resource", "Cloud Resource"),
    ("response", "Response"),
    ("state", "Application State"),
];

/// The event's contexts as cards (`#contexts .context-card`): the known ones first, then any
/// other (custom) context, each as a key/value table.
#[component]
pub fn Contexts(
    /// The event's `contexts` object.
    contexts: Value,
) -> impl IntoView {
    let Some(object) = contexts.as_object().filter(|o| !o.is_empty()) else {
        return view! { <p id="contexts" class="empty-note">"No contexts."</p> }.into_any();
    };
    let mut cards: Vec<(String, String, Value)> = Vec::new();
    for (key, title) in KNOWN {
        if let Some(value) = object.get(*key) {
            cards.push(((*key).to_owned(), (*title).to_owned(), value.clone()));
        }
    }
    let mut others: Vec<_> =
        object.iter().filter(|(k, _)| !KNOWN.iter().any(|(known, _)| known == k)).collect();
    others.sort_by(|a, b| a.0.cmp(b.0));
    cards.extend(others.into_iter().map(|(k, v)| (k.clone(), k.clone(), v.clone())));

    let cards = cards
        .into_iter()
        .map(|(key, title, value)| {
            let summary = summary(&value);
            let rows: Vec<_> = match (&value, flag_rows(&key, &value)) {
                (_, Some(flags)) => flags,
                (Value::Object(_), None) => {
                    object_pairs(&value).into_iter().filter(|(k, _)| k != "type").collect()
                }
                (other, None) => vec![(key.clone(), value_text(other))],
            };
            view! {
                <div class="context-card" data-context=key>
                    <h4 class="context-title">{title}</h4>
                    {summary.map(|s| view! { <p class="context-summary">{s}</p> })}
                    <KeyValues pairs=rows/>
                </div>
            }
        })
        .collect_view();
    view! { <div id="contexts" class="context-cards">{cards}</div> }.into_any()
}

/// The feature flags SDKs evaluated before the error (`contexts.flags`:
/// `{"values": [{"flag": ..., "result": ...}]}`), a row per flag with its result, as Sentry's
/// *Feature Flags* section shows them.
fn flag_rows(key: &str, value: &Value) -> Option<Vec<(String, String)>> {
    let values = value.get("values")?.as_array().filter(|_| key == "flags")?;
    Some(
        values
            .iter()
            .filter_map(|flag| {
                let name = flag.get("flag")?.as_str()?.to_owned();
                Some((name, flag.get("result").map(value_text).unwrap_or_default()))
            })
            .collect(),
    )
}

/// `name version` of a context, when it has a name.
fn summary(value: &Value) -> Option<String> {
    let name = value.get("name")?.as_str()?;
    Some(match value.get("version").and_then(Value::as_str) {
        Some(version) => format!("{name} {version}"),
        None => name.to_owned(),
    })
}

/// The event's user (`#user`), or nothing when there is none.
#[component]
pub fn UserCard(
    /// The event's `user` object.
    user: Option<Value>,
) -> impl IntoView {
    let rows = user.as_ref().map(object_pairs).unwrap_or_default();
    if rows.is_empty() {
        return view! { <p id="user" class="empty-note">"No user."</p> }.into_any();
    }
    view! {
        <div id="user" class="context-card">
            <KeyValues pairs=rows/>
        </div>
    }
    .into_any()
}

/// The HTTP request of an event (`#request`): method and URL, query string, headers.
#[component]
pub fn RequestCard(
    /// The `request` entry's `data`.
    data: Value,
) -> impl IntoView {
    let text = |key: &str| data.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let method = text("method");
    let url = text("url");
    let query =
        data.get("query_string").or_else(|| data.get("query")).map(pairs).unwrap_or_default();
    let headers = data.get("headers").map(pairs).unwrap_or_default();
    let body = data.get("data").filter(|d| !d.is_null()).map(value_text);
    view! {
        <div id="request" class="request">
            <p class="request-line">
                <span class="request-method">{method}</span>
                " "
                <span class="request-url">{url}</span>
            </p>
            {(!query.is_empty()).then(|| view! { <h4>"Query"</h4> <KeyValues pairs=query/> })}
            {(!headers.is_empty()).then(|| view! { <h4>"Headers"</h4> <KeyValues pairs=headers/> })}
            {body.map(|b| view! { <h4>"Body"</h4> <pre class="request-body">{b}</pre> })}
        </div>
    }
    .into_any()
}
