//! Breadcrumbs as a timeline: an icon and label per type, a colour per level, the time relative
//! to the event, data that expands, filters by category (or type), by type and by level, and a
//! text search. Rendered as text only.

use chrono::{DateTime, TimeZone, Utc};
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::{stacktrace::value_text, time_ago::absolute_time};

/// One breadcrumb of the event's `breadcrumbs` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Breadcrumb {
    /// RFC 3339 string or Unix seconds, as SDKs send it.
    pub timestamp: Option<Value>,
    /// `default`, `http`, `navigation`, `query`, `error`, `ui`, `user`, `debug`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Free-form category, e.g. `auth`, `ui.click`, `httplib`.
    pub category: Option<String>,
    /// `fatal`, `error`, `warning`, `info`, `debug`.
    pub level: Option<String>,
    /// The message.
    pub message: Option<String>,
    /// Extra data (`url`, `method`, `status_code`, ...).
    pub data: Option<Value>,
}

impl Breadcrumb {
    /// When it happened, if the timestamp could be read.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match self.timestamp.as_ref()? {
            // Through serde, the parser the wire types already use (no second one in the wasm).
            Value::String(text) => DateTime::<Utc>::deserialize(Value::String(text.clone()))
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(from_seconds)),
            Value::Number(number) => number.as_f64().and_then(from_seconds),
            _ => None,
        }
    }

    /// What the filter groups by: the category, else the type, else `default`.
    pub fn filter_key(&self) -> String {
        self.category.clone().or_else(|| self.kind.clone()).unwrap_or_else(|| "default".into())
    }

    /// The type, `default` when the SDK sent none.
    pub fn kind_or_default(&self) -> String {
        self.kind.clone().unwrap_or_else(|| "default".into())
    }

    /// The level, `info` when the SDK sent none (Relay's default).
    pub fn level_or_default(&self) -> String {
        self.level.clone().unwrap_or_else(|| "info".into())
    }

    /// Whether the (lower-cased) search text appears in the message, category, type or data.
    pub fn matches(&self, needle: &str) -> bool {
        if needle.is_empty() {
            return true;
        }
        let data = self.data.as_ref().map(value_text).unwrap_or_default();
        let fields = [self.message.as_deref(), self.category.as_deref(), self.kind.as_deref()];
        let found = fields.into_iter().flatten().any(|field| field.to_lowercase().contains(needle));
        found || data.to_lowercase().contains(needle)
    }
}

fn from_seconds(seconds: f64) -> Option<DateTime<Utc>> {
    let millis = (seconds * 1000.0).round();
    if !millis.is_finite() {
        return None;
    }
    Utc.timestamp_millis_opt(millis as i64).single()
}

/// Icon and label of a breadcrumb type.
pub fn type_label(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "http" => ("⇄", "HTTP"),
        "navigation" => ("➜", "Navigation"),
        "query" => ("⛁", "Query"),
        "error" => ("✖", "Error"),
        "ui" => ("☝", "UI"),
        "user" => ("☺", "User"),
        "debug" => ("⚙", "Debug"),
        "info" => ("ℹ", "Info"),
        "transaction" => ("⏱", "Transaction"),
        _ => ("•", "Default"),
    }
}

/// CSS class for a breadcrumb level (only known levels become a class).
pub fn level_class(level: &str) -> &'static str {
    match level {
        "fatal" => "crumb-fatal",
        "error" => "crumb-error",
        "warning" => "crumb-warning",
        "debug" => "crumb-debug",
        _ => "crumb-info",
    }
}

/// `then` relative to the event: `-2.350s`, `-1m 05s`, `+0.120s`.
pub fn relative_to_event(then: DateTime<Utc>, event: DateTime<Utc>) -> String {
    let millis = (then - event).num_milliseconds();
    let sign = if millis <= 0 { '-' } else { '+' };
    let millis = millis.unsigned_abs();
    if millis < 60_000 {
        format!("{sign}{}.{:03}s", millis / 1000, millis % 1000)
    } else if millis < 3_600_000 {
        format!("{sign}{}m {:02}s", millis / 60_000, (millis / 1000) % 60)
    } else {
        format!("{sign}{}h {:02}m", millis / 3_600_000, (millis / 60_000) % 60)
    }
}

/// The breadcrumbs timeline (`#breadcrumbs`), newest first, with its filter and search.
#[component]
pub fn Breadcrumbs(
    /// The breadcrumbs in the event's order (oldest first).
    crumbs: Vec<Breadcrumb>,
    /// When the event happened, for the relative times.
    #[prop(optional)]
    event_time: Option<DateTime<Utc>>,
) -> impl IntoView {
    if crumbs.is_empty() {
        return view! { <p id="breadcrumbs" class="empty-note">"No breadcrumbs."</p> }.into_any();
    }
    let filter = RwSignal::new(None::<String>);
    let kind = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());

    let mut keys: Vec<(String, usize)> = Vec::new();
    for crumb in &crumbs {
        let key = crumb.filter_key();
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => keys.push((key, 1)),
        }
    }
    keys.sort();
    let distinct = |values: Vec<String>| {
        let mut values = values;
        values.sort();
        values.dedup();
        values
    };
    let kinds = distinct(crumbs.iter().map(Breadcrumb::kind_or_default).collect());
    let levels = distinct(crumbs.iter().map(Breadcrumb::level_or_default).collect());
    let total = crumbs.len();
    let chips = keys
        .into_iter()
        .map(|(key, n)| {
            let value = key.clone();
            let selected = key.clone();
            view! {
                <button
                    type="button"
                    class="chip filter-chip"
                    class:selected=move || filter.with(|f| f.as_deref() == Some(selected.as_str()))
                    data-filter=key
                    on:click=move |_| filter.set(Some(value.clone()))
                >
                    {format!("{key} ({n})")}
                </button>
            }
        })
        .collect_view();
    let select = |class: &'static str,
                  label: &'static str,
                  all: &'static str,
                  values: Vec<String>,
                  chosen: RwSignal<String>| {
        let options = values
            .into_iter()
            .map(|value| {
                let label = value.clone();
                view! { <option value=value>{label}</option> }
            })
            .collect_view();
        view! {
            <select
                class=class
                aria-label=label
                prop:value=move || chosen.get()
                on:change=move |ev| chosen.set(event_target_value(&ev))
            >
                <option value="">{all}</option>
                {options}
            </select>
        }
    };

    let crumbs = StoredValue::new(crumbs);
    // Newest first, through every filter and the search.
    let shown = move || {
        let needle = search.get().trim().to_lowercase();
        let (only, kind, level) = (filter.get(), kind.get(), level.get());
        crumbs.with_value(|crumbs| {
            crumbs
                .iter()
                .rev()
                .filter(|c| only.as_ref().is_none_or(|key| c.filter_key() == *key))
                .filter(|c| kind.is_empty() || c.kind_or_default() == kind)
                .filter(|c| level.is_empty() || c.level_or_default() == level)
                .filter(|c| c.matches(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let rows = move || {
        shown().into_iter().map(|crumb| view! { <CrumbRow crumb event_time/> }).collect_view()
    };
    let empty = move || {
        shown().is_empty().then(|| view! { <p class="empty-note">"No breadcrumbs match."</p> })
    };

    view! {
        <div id="breadcrumbs" class="breadcrumbs">
            <div class="breadcrumb-controls">
                <div class="breadcrumb-filter" role="group" aria-label="Filter by category">
                    <button
                        type="button"
                        class="chip filter-chip"
                        class:selected=move || filter.with(Option::is_none)
                        data-filter=""
                        on:click=move |_| filter.set(None)
                    >
                        {format!("All ({total})")}
                    </button>
                    {chips}
                </div>
                {select("breadcrumb-type", "Filter by type", "All types", kinds, kind)}
                {select("breadcrumb-level", "Filter by level", "All levels", levels, level)}
                <input
                    type="search"
                    class="breadcrumb-search"
                    placeholder="Search breadcrumbs"
                    aria-label="Search breadcrumbs"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </div>
            <ol class="crumbs">{rows}</ol>
            {empty}
        </div>
    }
    .into_any()
}

/// One breadcrumb (`li.crumb`).
#[component]
fn CrumbRow(crumb: Breadcrumb, event_time: Option<DateTime<Utc>>) -> impl IntoView {
    let kind = crumb.kind.clone().unwrap_or_else(|| "default".into());
    let (icon, label) = type_label(&kind);
    let level = crumb.level.clone().unwrap_or_else(|| "info".into());
    let time = crumb.time();
    let when = match (time, event_time) {
        (Some(t), Some(e)) => relative_to_event(t, e),
        _ => String::new(),
    };
    let title = time.map(absolute_time).unwrap_or_default();
    // Data shows as one shortened line; a click expands it to the whole, pretty-printed.
    let data = crumb
        .data
        .as_ref()
        .filter(|d| d.as_object().is_none_or(|o| !o.is_empty()) && !d.is_null())
        .map(|d| {
            let expanded = RwSignal::new(false);
            let short = value_text(d);
            let short = if short.chars().count() > 80 {
                format!("{}…", short.chars().take(80).collect::<String>())
            } else {
                short
            };
            let full = match d {
                Value::String(text) => text.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            view! {
                <button
                    type="button"
                    class="crumb-data-toggle"
                    aria-expanded=move || expanded.get().to_string()
                    on:click=move |_| expanded.update(|e| *e = !*e)
                >
                    {move || if expanded.get() { "▾ data" } else { "▸ data" }}
                </button>
                {move || {
                    if expanded.get() {
                        view! { <pre class="crumb-data">{full.clone()}</pre> }.into_any()
                    } else {
                        view! { <code class="crumb-data-summary">{short.clone()}</code> }.into_any()
                    }
                }}
            }
        });
    let class = format!("crumb {}", level_class(&level));
    view! {
        <li class=class>
            <span class="crumb-icon" title=label aria-hidden="true">{icon}</span>
            <span class="crumb-type">{label}</span>
            <span class="crumb-category">{crumb.category.clone().unwrap_or_default()}</span>
            <div class="crumb-body">
                <span class="crumb-message">{crumb.message.unwrap_or_default()}</span>
                {data}
            </div>
            <span class="crumb-level">{level}</span>
            <time class="crumb-time" title=title>{when}</time>
        </li>
    }
    .into_any()
}
