//! A distributed trace's page (Sentry's trace view, at Sentry's URL
//! `/organizations/{org}/performance/trace/{trace_id}/`): the trace's transactions as a
//! waterfall (each under the transaction that called it, a bar for when it ran), the errors
//! under the transaction they happened in, and the errors no transaction holds at the end. A
//! transaction opens to its spans (its queries, requests, renders), fetched when opened, on
//! the same time scale. Names, operations and descriptions are event data: text only.
//!
//! The layout is pure functions over the API's types ([`rows`], [`span_rows`], [`Window`]),
//! which the component tests check without a server.

use cairn_types::api::{Trace, TraceError, TraceSpan, TraceTransaction, TransactionEvent};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api,
    components::{issue_list::level_class, ApiError, Loading},
    routes::{Page, TRACE_PARAM},
    stream_query::StreamQuery,
};

/// The most transactions and errors the page asks for (the API's most).
const TRACE_LIMIT: u32 = 1_000;

/// The time a trace's waterfall shows: from its first start to its last end, Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// The earliest start (or error).
    pub start: f64,
    /// The latest end (or error).
    pub end: f64,
}

impl Window {
    /// The window of every transaction and error of `trace`; `None` when it has neither.
    pub fn of(trace: &Trace) -> Option<Window> {
        let mut window: Option<Window> = None;
        let mut widen = |start: f64, end: f64| {
            let w = window.get_or_insert(Window { start, end });
            w.start = w.start.min(start);
            w.end = w.end.max(end);
        };
        for row in rows(trace) {
            match row {
                Row::Transaction { transaction, .. } => {
                    widen(transaction.start_timestamp, transaction.timestamp)
                }
                Row::Error { error, .. } => widen(error.timestamp, error.timestamp),
            }
        }
        window
    }

    /// Where `start..end` sits in the window: its left edge and width, percentages. At least
    /// a sliver wide, so that an instant shows; an empty window puts everything at its start.
    pub fn place(&self, start: f64, end: f64) -> (f64, f64) {
        let length = self.end - self.start;
        if length <= 0.0 {
            return (0.0, MIN_WIDTH);
        }
        let left = ((start - self.start) / length * 100.0).clamp(0.0, 100.0);
        let width = ((end - start) / length * 100.0).max(MIN_WIDTH).min(100.0 - left);
        (left, width)
    }

    /// The `style` of a bar from `start` to `end`.
    fn bar_style(&self, start: f64, end: f64) -> String {
        let (left, width) = self.place(start, end);
        format!("left: {left:.3}%; width: {width:.3}%")
    }
}

/// The narrowest bar, percent of the window.
const MIN_WIDTH: f64 = 0.25;

/// One row of the waterfall.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A transaction (its `children` left out: they are rows of their own).
    Transaction {
        /// How deep it is in the trace (0 for a root).
        depth: usize,
        /// The transaction.
        transaction: TraceTransaction,
    },
    /// An error.
    Error {
        /// One deeper than its transaction; 0 for an orphan error.
        depth: usize,
        /// The error.
        error: TraceError,
    },
}

/// The trace's rows, depth first: each transaction, then its errors, then the transactions it
/// called; the orphan errors last.
pub fn rows(trace: &Trace) -> Vec<Row> {
    fn visit(transaction: &TraceTransaction, depth: usize, rows: &mut Vec<Row>) {
        rows.push(Row::Transaction {
            depth,
            transaction: TraceTransaction { children: Vec::new(), ..transaction.clone() },
        });
        for error in &transaction.errors {
            rows.push(Row::Error { depth: depth + 1, error: error.clone() });
        }
        for child in &transaction.children {
            visit(child, depth + 1, rows);
        }
    }
    let mut rows = Vec::new();
    for root in &trace.transactions {
        visit(root, 0, &mut rows);
    }
    rows.extend(
        trace.orphan_errors.iter().map(|error| Row::Error { depth: 0, error: error.clone() }),
    );
    rows
}

/// A transaction's spans as a tree, depth first in start order: each span under the span it
/// is part of. Spans of the transaction's own span, or of a span it does not have, are at
/// depth 0; a cycle of parents (forged data) is cut where it was entered.
pub fn span_rows(spans: &[TraceSpan], transaction_span: &str) -> Vec<(usize, TraceSpan)> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by(|a, b| spans[*a].start_timestamp.total_cmp(&spans[*b].start_timestamp));
    let known = |id: &str| spans.iter().any(|span| span.span_id == id);
    let is_root = |span: &TraceSpan| match span.parent_span_id.as_deref() {
        Some(parent) => parent == transaction_span || !known(parent) || parent == span.span_id,
        None => true,
    };
    let mut placed = vec![false; spans.len()];
    let mut rows = Vec::with_capacity(spans.len());
    fn visit(
        index: usize,
        depth: usize,
        spans: &[TraceSpan],
        order: &[usize],
        placed: &mut [bool],
        rows: &mut Vec<(usize, TraceSpan)>,
    ) {
        placed[index] = true;
        rows.push((depth, spans[index].clone()));
        for &child in order {
            if !placed[child]
                && spans[child].parent_span_id.as_deref() == Some(spans[index].span_id.as_str())
            {
                visit(child, depth + 1, spans, order, placed, rows);
            }
        }
    }
    for &index in &order {
        if !placed[index] && is_root(&spans[index]) {
            visit(index, 0, spans, &order, &mut placed, &mut rows);
        }
    }
    for &index in &order {
        if !placed[index] {
            visit(index, 0, spans, &order, &mut placed, &mut rows);
        }
    }
    rows
}

/// A duration in words: `0.35 ms`, `12 ms`, `1.25 s`, `2 min 5 s` (integer arithmetic on
/// microseconds).
pub fn duration_text(seconds: f64) -> String {
    let micros = (seconds * 1_000_000.0).round().max(0.0) as u64;
    if micros < 10_000 {
        format!("{}.{:02} ms", micros / 1_000, micros % 1_000 / 10)
    } else if micros < 1_000_000 {
        format!("{} ms", micros / 1_000)
    } else if micros < 60_000_000 {
        format!("{}.{:02} s", micros / 1_000_000, micros % 1_000_000 / 10_000)
    } else {
        format!("{} min {} s", micros / 60_000_000, micros % 60_000_000 / 1_000_000)
    }
}

/// "3 transactions · 2 errors · 2 projects · 1.25 s".
pub fn summary_text(trace: &Trace) -> String {
    let rows = rows(trace);
    let mut projects: Vec<&str> = rows
        .iter()
        .map(|row| match row {
            Row::Transaction { transaction, .. } => transaction.project_slug.as_str(),
            Row::Error { error, .. } => error.project_slug.as_str(),
        })
        .collect();
    projects.sort_unstable();
    projects.dedup();
    let transactions = rows.iter().filter(|r| matches!(r, Row::Transaction { .. })).count();
    let errors = rows.len() - transactions;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![
        plural(transactions, "transaction", "transactions"),
        plural(errors, "error", "errors"),
        plural(projects.len(), "project", "projects"),
    ];
    if let Some(window) = Window::of(trace).filter(|_| transactions > 0) {
        parts.push(duration_text(window.end - window.start));
    }
    parts.join(" · ")
}

/// The left padding of a row `depth` deep.
fn indent(depth: usize) -> String {
    format!("padding-left: {}rem", depth.min(30) as f64 * 1.25)
}

/// The page.
#[component]
pub fn TracePage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let trace_id =
        Memo::new(move |_| params.read().get(TRACE_PARAM).unwrap_or_default().to_ascii_lowercase());
    let trace = LocalResource::new(move || {
        let (org, trace_id) = (org.get(), trace_id.get());
        async move { api::trace_up_to(&org, &trace_id, TRACE_LIMIT).await }
    });
    let issues_href = move || {
        let search =
            StreamQuery { query: format!("trace:{}", trace_id.get()), ..StreamQuery::default() };
        format!("{}?{}", Page::Issues { org: org.get() }.path(), search.to_query_string())
    };
    let body = move || match trace.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(trace)) if trace.transactions.is_empty() && trace.orphan_errors.is_empty() => {
            view! {
                <p class="empty-state trace-empty">
                    "Nothing of this trace is stored: no transaction or error with this trace id \
                     reached Cairn, or it was deleted after the retention period."
                </p>
            }
            .into_any()
        }
        Some(Ok(trace)) => {
            let summary = summary_text(&trace);
            view! {
                <p class="trace-summary" id="trace-summary">{summary}</p>
                <TraceWaterfall org=org.get_untracked() trace/>
            }
            .into_any()
        }
    };
    view! {
        <section class="page trace-page">
            <header class="page-header">
                <div>
                    <a class="back-link" href=issues_href>
                        "Issues in this trace"
                    </a>
                    <h1 class="trace-title">
                        "Trace " <code>{move || trace_id.get()}</code>
                    </h1>
                </div>
            </header>
            {body}
        </section>
    }
}

/// The waterfall of a trace (`ol#waterfall`).
#[component]
pub fn TraceWaterfall(
    /// Organization slug, for the links and the spans' requests.
    #[prop(into)]
    org: String,
    /// The trace.
    trace: Trace,
) -> impl IntoView {
    let Some(window) = Window::of(&trace) else {
        return ().into_any();
    };
    let items = rows(&trace)
        .into_iter()
        .map(|row| match row {
            Row::Transaction { depth, transaction } => {
                view! { <TransactionRow org=org.clone() depth transaction window/> }.into_any()
            }
            Row::Error { depth, error } => {
                view! { <ErrorRow org=org.clone() depth error window/> }.into_any()
            }
        })
        .collect_view();
    view! {
        <ol class="waterfall" id="waterfall" aria-label="Transactions and errors of the trace">
            {items}
        </ol>
    }
    .into_any()
}

/// A transaction's row, which opens to its spans.
#[component]
fn TransactionRow(
    org: String,
    depth: usize,
    transaction: TraceTransaction,
    window: Window,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let bar = window.bar_style(transaction.start_timestamp, transaction.timestamp);
    let failed = !matches!(transaction.status.as_str(), "ok" | "unknown" | "");
    let bar_class = if failed { "waterfall-bar failed" } else { "waterfall-bar" };
    let duration = duration_text(transaction.timestamp - transaction.start_timestamp);
    let TraceTransaction { event_id, span_id, project_slug, transaction: name, op, status, .. } =
        transaction;
    let (label, title) = (format!("Spans of {name}"), name.clone());
    let spans = {
        let (event_id, project) = (event_id.clone(), project_slug.clone());
        move || {
            open.get().then(|| {
                view! {
                    <TransactionSpans
                        org=org.clone()
                        project=project.clone()
                        event_id=event_id.clone()
                        transaction_span=span_id.clone()
                        depth=depth + 1
                        window
                    />
                }
            })
        }
    };
    view! {
        <li class="waterfall-row waterfall-transaction" data-event=event_id>
            <span class="waterfall-label" style=indent(depth)>
                <button
                    type="button"
                    class="waterfall-toggle"
                    aria-label=label
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    {move || if open.get() { "▾" } else { "▸" }}
                </button>
                <span class="waterfall-project">{project_slug}</span>
                <span class="waterfall-op">{op}</span>
                <span class="waterfall-name" title=title>{name}</span>
                {failed.then(|| view! { <span class="waterfall-status">{status}</span> })}
            </span>
            <span class="waterfall-track">
                <span class=bar_class style=bar></span>
            </span>
            <span class="waterfall-duration">{duration}</span>
            {spans}
        </li>
    }
}

/// An error's row: a mark at its time, linked to its issue.
#[component]
fn ErrorRow(org: String, depth: usize, error: TraceError, window: Window) -> impl IntoView {
    let (left, _) = window.place(error.timestamp, error.timestamp);
    let href =
        Page::IssueEvent { org, id: error.issue_id.to_string(), event: error.event_id.clone() }
            .path();
    let level = error.level;
    view! {
        <li class="waterfall-row waterfall-error" data-event=error.event_id>
            <span class="waterfall-label" style=indent(depth)>
                <span class=format!("waterfall-level {}", level_class(&level)) title=level>
                </span>
                <span class="waterfall-project">{error.project_slug}</span>
                <a class="waterfall-error-title" href=href>{error.title}</a>
                <span class="waterfall-short-id">{error.issue_short_id}</span>
            </span>
            <span class="waterfall-track">
                <span class="waterfall-marker" style=format!("left: {left:.3}%")></span>
            </span>
            <span class="waterfall-duration"></span>
        </li>
    }
}

/// A transaction's spans, fetched when its row is opened.
#[component]
fn TransactionSpans(
    org: String,
    project: String,
    event_id: String,
    transaction_span: String,
    depth: usize,
    window: Window,
) -> impl IntoView {
    // Sentry's JSON link: the transaction as kept, in a tab of its own.
    let json = format!(
        "/api/0/projects/{}/{}/events/{}/json/",
        api::segment(&org),
        api::segment(&project),
        api::segment(&event_id)
    );
    let details = LocalResource::new(move || {
        let (org, project, event_id) = (org.clone(), project.clone(), event_id.clone());
        async move { api::transaction_event(&org, &project, &event_id).await }
    });
    move || match details.get() {
        None => view! { <p class="waterfall-note">"Loading spans…"</p> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(event)) => {
            let facts = transaction_facts(&event)
                .into_iter()
                .map(|(key, value)| {
                    view! {
                        <li>
                            <span class="waterfall-fact-key">{key}</span>
                            " "
                            <span class="waterfall-fact-value">{value}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <ul class="waterfall-facts" style=indent(depth)>
                    {facts}
                    <li>
                        <a class="waterfall-json" href=json.clone() target="_blank" rel="noopener">
                            "JSON"
                        </a>
                    </li>
                </ul>
                <SpanRows spans=event.spans() transaction_span=transaction_span.clone() depth window/>
            }
            .into_any()
        }
    }
}

/// The web vitals Sentry names in capitals, in the order it shows them.
const WEB_VITALS: &[&str] = &["lcp", "fcp", "fid", "inp", "cls", "ttfb", "fp"];

/// What a transaction's row shows of its details when opened: its measurements (web vitals
/// first, by Sentry's names: `LCP 1.20 s`, `CLS 0.050`), its release and environment, and its
/// other tags. All text.
pub fn transaction_facts(event: &TransactionEvent) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    if let Some(measurements) = event.measurements.as_object() {
        let mut names: Vec<&String> = measurements.keys().collect();
        let rank =
            |name: &str| WEB_VITALS.iter().position(|v| *v == name).unwrap_or(WEB_VITALS.len());
        names.sort_by_key(|name| (rank(name), name.as_str()));
        for name in names {
            let measurement = &measurements[name.as_str()];
            let Some(value) = measurement.get("value").and_then(serde_json::Value::as_f64) else {
                continue;
            };
            let unit = measurement.get("unit").and_then(serde_json::Value::as_str).unwrap_or("");
            let label =
                if rank(name) < WEB_VITALS.len() { name.to_uppercase() } else { name.clone() };
            let text = match unit {
                "millisecond" | "" if name != "cls" => duration_text(value / 1000.0),
                "second" => duration_text(value),
                "none" | "" => format!("{value:.3}"),
                unit => format!("{value} {unit}"),
            };
            facts.push((label, text));
        }
    }
    let mut tags: Vec<(String, String)> =
        event.tags.iter().map(|tag| (tag.key.clone(), tag.value.clone())).collect();
    // The release and environment first; the name is the row's own.
    tags.retain(|(key, _)| key != "transaction");
    tags.sort_by_key(|(key, _)| match key.as_str() {
        "release" => 0,
        "environment" => 1,
        _ => 2,
    });
    facts.extend(tags);
    facts
}

/// A transaction's spans as rows of the waterfall (`ol.waterfall-spans`).
#[component]
pub fn SpanRows(
    /// The spans, in any order.
    spans: Vec<TraceSpan>,
    /// The transaction's own span, the parent of its top spans.
    transaction_span: String,
    /// The depth of the top spans.
    depth: usize,
    /// The waterfall's time window.
    window: Window,
) -> impl IntoView {
    let rows = span_rows(&spans, &transaction_span);
    if rows.is_empty() {
        return view! { <p class="waterfall-note">"No spans were recorded in this transaction."</p> }
            .into_any();
    }
    let items = rows
        .into_iter()
        .map(|(level, span)| view! { <SpanRow span depth=depth + level window/> })
        .collect_view();
    view! { <ol class="waterfall-spans">{items}</ol> }.into_any()
}

/// One span's row, which opens to what the SDK recorded of it.
#[component]
fn SpanRow(span: TraceSpan, depth: usize, window: Window) -> impl IntoView {
    let open = RwSignal::new(false);
    let bar = window.bar_style(span.start_timestamp, span.timestamp);
    let duration = duration_text(span.timestamp - span.start_timestamp);
    let failed = span.status.as_deref().is_some_and(|s| !matches!(s, "ok" | "unknown"));
    let op = span.op.clone().unwrap_or_default();
    let description = span.description.clone().unwrap_or_default();
    let label = format!("Details of {op} {description}");
    let details = span_details(&span);
    let span_id = span.span_id.clone();
    let details = move || {
        open.get().then(|| {
            let items = details
                .iter()
                .map(|(key, value)| {
                    view! {
                        <dt>{key.clone()}</dt>
                        <dd>{value.clone()}</dd>
                    }
                })
                .collect_view();
            view! { <dl class="waterfall-span-details">{items}</dl> }
        })
    };
    view! {
        <li class="waterfall-row waterfall-span" data-span=span_id>
            <button
                type="button"
                class="waterfall-label waterfall-span-toggle"
                style=indent(depth)
                aria-label=label
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="waterfall-op">{op}</span>
                <span class="waterfall-description">{description}</span>
                {failed.then(|| view! { <span class="waterfall-status">{span.status.clone()}</span> })}
            </button>
            <span class="waterfall-track">
                <span
                    class=if failed { "waterfall-bar span failed" } else { "waterfall-bar span" }
                    style=bar
                ></span>
            </span>
            <span class="waterfall-duration">{duration}</span>
            {details}
        </li>
    }
}

/// What a span's details list: its operation, whole description, status, id, and each of its
/// data and tags (`data.db.system`, `tags.route`), values as compact JSON when they are not
/// text. All text.
pub fn span_details(span: &TraceSpan) -> Vec<(String, String)> {
    let mut details = Vec::new();
    let mut add = |key: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            details.push((key.to_owned(), value.to_owned()));
        }
    };
    add("op", span.op.as_deref());
    add("description", span.description.as_deref());
    add("status", span.status.as_deref());
    add("span_id", Some(&span.span_id));
    add("parent_span_id", span.parent_span_id.as_deref());
    for (prefix, map) in [("data", &span.data), ("tags", &span.tags)] {
        let Some(serde_json::Value::Object(map)) = map else { continue };
        for (key, value) in map {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            details.push((format!("{prefix}.{key}"), text));
        }
    }
    details
}
