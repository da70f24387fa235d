//! One event's data in sections, in Sentry's order: message, exceptions (or threads), breadcrumbs,
//! request, tags, contexts, user and SDK. Presentational: it takes the decoded [`Event`].

use cairn_types::api::Event;
use leptos::prelude::*;
use serde_json::Value;

use super::{
    breadcrumbs::{Breadcrumb, Breadcrumbs},
    contexts::{object_pairs, Contexts, KeyValues, RequestCard, TagList, UserCard},
    stacktrace::{values, ExceptionList, Frame, StackTrace, Stacktrace},
};

/// The `data` of the event's first entry of type `kind`.
pub fn entry<'a>(event: &'a Event, kind: &str) -> Option<&'a Value> {
    event
        .entries
        .iter()
        .find(|e| e.get("type").and_then(Value::as_str) == Some(kind))
        .and_then(|e| e.get("data"))
}

/// A titled section of the event (`section.event-section`).
#[component]
pub(crate) fn Section(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <section class="event-section">
            <h2 class="section-title">{title}</h2>
            {children()}
        </section>
    }
    .into_any()
}

/// Sentry's title for a processing error's `type` (`EventError`'s messages); the type itself
/// for one Sentry has no title for.
pub fn processing_error_title(kind: &str) -> String {
    match kind {
        "invalid_data" => "Discarded invalid value",
        "invalid_attribute" => "Discarded unknown attribute",
        "value_too_long" => "Discarded value due to exceeding maximum length",
        "future_timestamp" => "Invalid timestamp (in future)",
        "past_timestamp" => "Invalid timestamp (too old)",
        "clock_drift" => "Clock drift detected in SDK",
        "js_no_source" => "Source code was not found",
        "js_invalid_source" => "Invalid source map",
        "js_missing_sources_content" => "Missing source contents in source map",
        "js_invalid_sourcemap_location" => "Invalid location in source map",
        "js_no_column" => "Cannot expand source code: no column information",
        "js_too_many_sources" => "The maximum number of source files was exceeded",
        other => return other.to_owned(),
    }
    .to_owned()
}

/// What Cairn could not keep or do with the event (`#processing-errors`): Sentry's "There were N
/// problems processing this event", each with its title and details, listed on a click.
#[component]
pub fn ProcessingErrors(
    /// The event's `errors`.
    errors: Vec<Value>,
) -> impl IntoView {
    if errors.is_empty() {
        return ().into_any();
    }
    let open = RwSignal::new(false);
    let summary = match errors.len() {
        1 => "There was 1 problem processing this event".to_owned(),
        n => format!("There were {n} problems processing this event"),
    };
    let items = errors
        .into_iter()
        .map(|error| {
            let kind = error.get("type").and_then(Value::as_str).unwrap_or("unknown_error");
            let title = processing_error_title(kind);
            let details: Vec<String> = error
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(key, _)| key.as_str() != "type")
                .map(|(key, value)| format!("{key}: {}", super::stacktrace::value_text(value)))
                .collect();
            view! {
                <li class="processing-error" data-type=kind.to_owned()>
                    <span class="processing-error-title">{title}</span>
                    {details
                        .into_iter()
                        .map(|detail| view! { <code class="processing-error-detail">{detail}</code> })
                        .collect_view()}
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="processing-errors" class="event-section processing-errors" role="status">
            <button
                type="button"
                class="chip processing-errors-toggle"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {summary}
            </button>
            <ul class="processing-error-list" hidden=move || !open.get()>
                {items}
            </ul>
        </section>
    }
    .into_any()
}

/// Everything of an event (`#event`).
#[component]
pub fn EventDetails(
    /// The event.
    event: Event,
) -> impl IntoView {
    let message = entry(&event, "message").map(|data| {
        let text = data
            .get("formatted")
            .or_else(|| data.get("message"))
            .map(super::stacktrace::value_text)
            .unwrap_or_default();
        view! {
            <Section title="Message">
                <pre class="event-message">{text}</pre>
            </Section>
        }
    });

    let exceptions = entry(&event, "exception").map(|data| {
        let values = values(data);
        view! {
            <Section title="Exception">
                <ExceptionList values/>
            </Section>
        }
    });

    // Threads matter only without an exception (e.g. a captured message with attach_stacktrace).
    let threads = if exceptions.is_none() {
        entry(&event, "threads").map(|data| {
            #[derive(serde::Deserialize, Default)]
            #[serde(default)]
            struct Thread {
                id: Option<Value>,
                name: Option<String>,
                crashed: bool,
                stacktrace: Option<Stacktrace>,
            }
            let threads: Vec<Thread> = values(data);
            let items = threads
                .into_iter()
                .filter(|t| t.stacktrace.as_ref().is_some_and(|s| !s.frames.is_empty()))
                .map(|thread| {
                    let name = thread
                        .name
                        .or_else(|| thread.id.as_ref().map(super::stacktrace::value_text))
                        .unwrap_or_else(|| "thread".to_owned());
                    let frames: Vec<Frame> =
                        thread.stacktrace.map(|s| s.frames).unwrap_or_default();
                    view! {
                        <li class="thread">
                            <h3 class="thread-name">
                                {name} {thread.crashed.then_some(" (crashed)")}
                            </h3>
                            <StackTrace frames/>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <Section title="Threads">
                    <ol class="threads">{items}</ol>
                </Section>
            }
        })
    } else {
        None
    };

    let crumbs: Vec<Breadcrumb> = entry(&event, "breadcrumbs").map(values).unwrap_or_default();
    let event_time = event.date_created;

    let request = entry(&event, "request").cloned().map(|data| {
        view! {
            <Section title="Request">
                <RequestCard data/>
            </Section>
        }
    });

    let sdk = event.sdk.as_ref().map(|sdk| {
        let text = |key: &str| sdk.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
        let pairs =
            vec![("Name".to_owned(), text("name")), ("Version".to_owned(), text("version"))];
        view! {
            <Section title="SDK">
                <div id="sdk">
                    <KeyValues pairs/>
                </div>
            </Section>
        }
    });
    let extra = object_pairs(&event.context);
    let extra = (!extra.is_empty()).then(|| {
        view! {
            <Section title="Additional data">
                <div id="extra">
                    <KeyValues pairs=extra/>
                </div>
            </Section>
        }
    });

    let packages = event.packages.clone().filter(|p| !p.is_empty()).map(|packages| {
        view! {
            <Section title="Packages">
                <Packages packages/>
            </Section>
        }
    });

    view! {
        <div id="event" class="event" data-event-id=event.event_id>
            <ProcessingErrors errors=event.errors.clone()/>
            {message}
            {exceptions}
            {threads}
            <Section title="Breadcrumbs">
                <Breadcrumbs crumbs event_time/>
            </Section>
            {request}
            <Section title="Tags">
                <TagList tags=event.tags.clone()/>
            </Section>
            <Section title="Contexts">
                <Contexts contexts=event.contexts.clone()/>
            </Section>
            <Section title="User">
                <UserCard user=event.user.clone()/>
            </Section>
            {extra}
            {packages}
            {sdk}
        </div>
    }
    .into_any()
}

/// How many packages show before *Show all*.
pub const PACKAGES_SHOWN: usize = 10;

/// The packages the application had installed (Sentry's *Packages*: the event's `modules`),
/// by name; the first [`PACKAGES_SHOWN`] until *Show all* is pressed. Text only.
#[component]
pub fn Packages(
    /// Name to version.
    packages: std::collections::BTreeMap<String, String>,
) -> impl IntoView {
    let all = RwSignal::new(false);
    let total = packages.len();
    let pairs: Vec<(String, String)> = packages.into_iter().collect();
    let shown = move || {
        let count = if all.get() { total } else { PACKAGES_SHOWN.min(total) };
        let pairs = pairs[..count].to_vec();
        view! { <KeyValues pairs/> }
    };
    let more = (total > PACKAGES_SHOWN).then(|| {
        view! {
            <button
                type="button"
                class="button button-secondary packages-more"
                aria-expanded=move || all.get().to_string()
                on:click=move |_| all.update(|a| *a = !*a)
            >
                {move || {
                    if all.get() { "Show fewer".to_owned() } else { format!("Show all {total}") }
                }}
            </button>
        }
    });
    view! {
        <div id="packages">
            {shown}
            {more}
        </div>
    }
}
