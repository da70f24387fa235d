//! The event's distributed trace (`#trace`): the other errors of the trace the event happened
//! in, from every project of the organization (the browser's error and the backend error
//! behind it, or the other way round), oldest first, each linked to its event, with its time
//! relative to this event, and a link to the trace's page with its transactions. Shown only
//! when the trace has a transaction or an error besides this event. Titles and culprits come
//! from events: text only.

use cairn_types::api::{Trace, TraceError, TraceTransaction};
use leptos::prelude::*;

use super::{issue_list::level_class, status::ApiError};
use crate::{api, routes::Page, stream_query::StreamQuery};

/// The most errors the trace endpoint answers unless asked for more: a list that long may be
/// the start of a longer trace (a process whose SDK keeps one trace for its whole life).
pub const TRACE_PAGE: usize = 100;

/// The trace id of an event's `contexts.trace`, as 32 lower-case hex digits (SDKs send that;
/// Relay also reads a UUID with dashes), or `None`.
pub fn trace_id_of(contexts: &serde_json::Value) -> Option<String> {
    let text = contexts.get("trace")?.get("trace_id")?.as_str()?;
    let id: String = text.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && id.bytes().any(|b| b != b'0'))
        .then_some(id)
}

/// Fetches the trace and shows its errors when there is more than this event.
#[component]
pub fn EventTrace(
    /// Organization slug.
    #[prop(into)]
    org: String,
    /// The trace (32 hex digits).
    trace_id: String,
    /// The event on show.
    event_id: String,
    /// When it happened, Unix milliseconds.
    event_ms: i64,
) -> impl IntoView {
    let trace = LocalResource::new({
        let (org, trace_id) = (org.clone(), trace_id.clone());
        move || {
            let (org, trace_id) = (org.clone(), trace_id.clone());
            async move { api::trace(&org, &trace_id).await }
        }
    });
    move || match trace.get() {
        Some(Ok(trace)) => {
            let (errors, transactions) = (all_errors(&trace), transaction_count(&trace));
            if transactions == 0 && errors.iter().all(|e| e.event_id == event_id) {
                return None;
            }
            let (org, trace_id, current) = (org.clone(), trace_id.clone(), event_id.clone());
            Some(
                view! { <TraceErrors org trace_id errors transactions current event_ms/> }
                    .into_any(),
            )
        }
        Some(Err(error)) => Some(view! { <ApiError error/> }.into_any()),
        // Loading, or this event alone in its trace: nothing to tell.
        _ => None,
    }
}

/// Every error of a trace, those in its transactions and the orphan errors, oldest first.
pub fn all_errors(trace: &Trace) -> Vec<TraceError> {
    fn collect(transaction: &TraceTransaction, errors: &mut Vec<TraceError>) {
        errors.extend(transaction.errors.iter().cloned());
        for child in &transaction.children {
            collect(child, errors);
        }
    }
    let mut errors = trace.orphan_errors.clone();
    for root in &trace.transactions {
        collect(root, &mut errors);
    }
    errors.sort_by(|a, b| a.timestamp.total_cmp(&b.timestamp));
    errors
}

/// How many transactions a trace has (in its tree).
pub fn transaction_count(trace: &Trace) -> usize {
    fn count(transaction: &TraceTransaction) -> usize {
        1 + transaction.children.iter().map(count).sum::<usize>()
    }
    trace.transactions.iter().map(count).sum()
}

/// The list of a trace's errors (`section#trace`).
#[component]
pub fn TraceErrors(
    /// Organization slug, for the links.
    #[prop(into)]
    org: String,
    /// The trace (32 hex digits).
    trace_id: String,
    /// Its errors, oldest first.
    errors: Vec<TraceError>,
    /// How many transactions it has.
    #[prop(optional)]
    transactions: usize,
    /// The event on show, marked rather than linked.
    current: String,
    /// When it happened, Unix milliseconds: the others' times are told relative to it.
    event_ms: i64,
) -> impl IntoView {
    let mut projects: Vec<&str> = errors.iter().map(|e| e.project_slug.as_str()).collect();
    projects.sort_unstable();
    projects.dedup();
    let summary = format!(
        "{}{}{} {} in {} {}",
        match transactions {
            0 => String::new(),
            1 => "1 transaction, ".to_owned(),
            n => format!("{n}{} transactions, ", if n >= TRACE_PAGE { "+" } else { "" }),
        },
        errors.len(),
        if errors.len() >= TRACE_PAGE { "+" } else { "" },
        if errors.len() == 1 { "error" } else { "errors" },
        projects.len(),
        if projects.len() == 1 { "project" } else { "projects" },
    );
    let trace_href = Page::Trace { org: org.clone(), trace_id: trace_id.clone() }.path();
    let search = StreamQuery { query: format!("trace:{trace_id}"), ..StreamQuery::default() };
    let issues_href =
        format!("{}?{}", Page::Issues { org: org.clone() }.path(), search.to_query_string());
    let short: String = trace_id.chars().take(8).collect();
    let items = errors
        .into_iter()
        .map(|error| {
            let is_current = error.event_id == current;
            let offset = if is_current {
                "this event".to_owned()
            } else {
                relative_ms((error.timestamp * 1000.0).round() as i64 - event_ms)
            };
            let title = if is_current {
                view! { <span class="trace-error-title">{error.title}</span> }.into_any()
            } else {
                let href = Page::IssueEvent {
                    org: org.clone(),
                    id: error.issue_id.to_string(),
                    event: error.event_id,
                }
                .path();
                view! { <a class="trace-error-title" href=href>{error.title}</a> }.into_any()
            };
            let (level, project) = (error.level, error.project_slug);
            let project_key = project.clone();
            view! {
                <li
                    class=if is_current { "trace-error current" } else { "trace-error" }
                    data-project=project_key
                >
                    <span class=format!("trace-error-level {}", level_class(&level)) title=level>
                    </span>
                    <span class="trace-error-project">{project}</span>
                    <span class="trace-error-main">
                        {title}
                        <span class="trace-error-culprit">{error.culprit}</span>
                    </span>
                    <span class="trace-error-short-id">{error.issue_short_id}</span>
                    <span class="trace-error-offset">{offset}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="trace" class="event-section">
            <h2 class="section-title">"Trace"</h2>
            <p class="trace-summary">
                {summary}
                " in trace "
                <code title=trace_id>{short}</code>
                " · "
                <a class="trace-issues" href=issues_href>
                    "issues in this trace"
                </a>
                " · "
                <a class="trace-open" href=trace_href>
                    "open the trace"
                </a>
            </p>
            <ol class="trace-errors">{items}</ol>
        </section>
    }
    .into_any()
}

/// A time relative to the event on show: `+350 ms`, `−1.2 s`, `+2 min` (integer arithmetic
/// only, as the rest of the dashboard formats numbers).
pub fn relative_ms(delta: i64) -> String {
    let sign = if delta < 0 { "−" } else { "+" };
    let abs = delta.unsigned_abs();
    if abs < 1_000 {
        format!("{sign}{abs} ms")
    } else if abs < 60_000 {
        format!("{sign}{}.{} s", abs / 1_000, abs % 1_000 / 100)
    } else if abs < 3_600_000 {
        format!("{sign}{} min", abs / 60_000)
    } else {
        format!("{sign}{} h", abs / 3_600_000)
    }
}
