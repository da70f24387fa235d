//! Exceptions and their stack traces, as Sentry's issue page shows them: the most recent
//! exception of a chain first, frames newest first, system frames hidden behind an "in-app only"
//! toggle, and each frame expandable to its source context and local variables.
//!
//! The types are decoded leniently from the event's `exception` (or `threads`) entry: every
//! field is optional, since SDKs send what they have. Everything is rendered as text.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::copy_to_clipboard;

/// One stack frame, in the event's order (oldest call first). The API serves Sentry's names
/// (`absPath`, `lineNo`, `colNo`, `inApp`, `context` as `[line, text]` pairs); the protocol's
/// names, as SDKs send them, are read too.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Frame {
    /// File, relative to the project.
    pub filename: Option<String>,
    /// Absolute path of the file.
    #[serde(alias = "absPath")]
    pub abs_path: Option<String>,
    /// Module (Python, Java) or package.
    pub module: Option<String>,
    /// Function name.
    pub function: Option<String>,
    /// Line number.
    #[serde(alias = "lineNo")]
    pub lineno: Option<u64>,
    /// Column number.
    #[serde(alias = "colNo")]
    pub colno: Option<u64>,
    /// Whether the frame is the application's own code.
    #[serde(alias = "inApp")]
    pub in_app: Option<bool>,
    /// Source lines around the frame's line, numbered: `[[line, text], ...]` (Sentry's API).
    pub context: Vec<Value>,
    /// Source lines before the frame's line.
    pub pre_context: Vec<String>,
    /// The frame's line.
    pub context_line: Option<String>,
    /// Source lines after the frame's line.
    pub post_context: Vec<String>,
    /// Local variables.
    pub vars: Option<serde_json::Map<String, Value>>,
}

/// One source line of a frame: its number when known, whether it is the frame's own line, and
/// its text.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLine {
    /// Line number in the file.
    pub number: Option<u64>,
    /// Whether this is the line the frame is at.
    pub current: bool,
    /// The source text.
    pub text: String,
}

impl Frame {
    /// Whether the frame is in-app.
    pub fn is_in_app(&self) -> bool {
        self.in_app == Some(true)
    }

    /// Whether there is anything to show when the frame is expanded.
    pub fn has_details(&self) -> bool {
        !self.source_lines().is_empty() || self.vars.as_ref().is_some_and(|vars| !vars.is_empty())
    }

    /// The source lines around the frame, from Sentry's numbered `context` pairs or else from
    /// the protocol's `pre_context`, `context_line` and `post_context`.
    pub fn source_lines(&self) -> Vec<SourceLine> {
        let numbered: Vec<SourceLine> = self
            .context
            .iter()
            .filter_map(|pair| {
                let number = pair.get(0)?.as_u64()?;
                let text = pair.get(1).and_then(Value::as_str).unwrap_or_default().to_owned();
                Some(SourceLine {
                    number: Some(number),
                    current: Some(number) == self.lineno,
                    text,
                })
            })
            .collect();
        if !numbered.is_empty() {
            return numbered;
        }
        let first = self.lineno.map(|line| line.saturating_sub(self.pre_context.len() as u64));
        let mut lines: Vec<(bool, &String)> = self.pre_context.iter().map(|l| (false, l)).collect();
        if let Some(line) = &self.context_line {
            lines.push((true, line));
        }
        lines.extend(self.post_context.iter().map(|l| (false, l)));
        lines
            .into_iter()
            .enumerate()
            .map(|(i, (current, text))| SourceLine {
                number: first.map(|n| n + i as u64),
                current,
                text: text.clone(),
            })
            .collect()
    }

    /// Where the frame is: file (or module), line and column.
    pub fn location(&self) -> String {
        let file = self
            .filename
            .clone()
            .or_else(|| self.module.clone())
            .or_else(|| self.abs_path.clone())
            .unwrap_or_else(|| "<unknown>".to_owned());
        match (self.lineno, self.colno) {
            (Some(line), Some(col)) => format!("{file}:{line}:{col}"),
            (Some(line), None) => format!("{file}:{line}"),
            _ => file,
        }
    }
}

/// A stack trace: frames oldest call first, as SDKs send them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Stacktrace {
    /// The frames.
    pub frames: Vec<Frame>,
}

/// One exception of an event (`exception.values[]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ExceptionValue {
    /// Exception type, e.g. `ValueError`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The message.
    pub value: Option<String>,
    /// Module of the exception type.
    pub module: Option<String>,
    /// How it was caught (`handled`, `type`).
    pub mechanism: Option<Value>,
    /// Its stack trace.
    pub stacktrace: Option<Stacktrace>,
    /// Its stack trace as the SDK sent it, when the server rewrote the frames (JavaScript
    /// source maps): minified file names, lines and functions.
    #[serde(alias = "rawStacktrace")]
    pub raw_stacktrace: Option<Stacktrace>,
}

impl ExceptionValue {
    /// Whether the mechanism says it was not handled.
    pub fn is_unhandled(&self) -> bool {
        self.mechanism
            .as_ref()
            .and_then(|m| m.get("handled"))
            .and_then(Value::as_bool)
            .is_some_and(|handled| !handled)
    }
}

/// Decodes the `values` of an `exception` or `threads` entry's `data`.
pub fn values<T: for<'de> Deserialize<'de>>(data: &Value) -> Vec<T> {
    data.get("values")
        .and_then(Value::as_array)
        .map(|values| values.iter().filter_map(|v| T::deserialize(v).ok()).collect())
        .unwrap_or_default()
}

/// Renders a JSON value for a table cell: strings as they are, anything else as JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The exceptions as plain text, like Sentry's "raw" stack trace: the most recent exception
/// first, each as `Type: value` and its frames newest first (`    at function (file:line:col)`),
/// the exceptions that caused it after `Caused by: `.
pub fn raw_stacktrace(values: &[ExceptionValue]) -> String {
    let mut out = String::new();
    for (index, exception) in values.iter().rev().enumerate() {
        if index > 0 {
            out.push_str("\nCaused by: ");
        }
        let kind = exception.kind.as_deref().unwrap_or("Error");
        match exception.value.as_deref().filter(|v| !v.is_empty()) {
            Some(value) => out.push_str(&format!("{kind}: {value}\n")),
            None => out.push_str(&format!("{kind}\n")),
        }
        let frames = exception.stacktrace.as_ref().map(|s| s.frames.as_slice()).unwrap_or_default();
        for frame in frames.iter().rev() {
            let function = frame.function.as_deref().unwrap_or("?");
            out.push_str(&format!("    at {function} ({})\n", frame.location()));
        }
    }
    out
}

/// The exceptions of an event (`#exceptions`), the most recent (the last of a chain) first, each
/// with its own stack trace; a "Raw" toggle shows them all as plain text, with a copy button,
/// and a "Minified" toggle (when source maps rewrote the frames) the frames as sent.
#[component]
pub fn ExceptionList(
    /// `exception.values`, in the event's order (the cause first).
    values: Vec<ExceptionValue>,
) -> impl IntoView {
    let raw = StoredValue::new(raw_stacktrace(&values));
    let show_raw = RwSignal::new(false);
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let text = raw.get_value();
        leptos::task::spawn_local(async move {
            copied.set(Some(copy_to_clipboard(text).await));
        });
    };
    let any_minified = values.iter().any(|v| v.raw_stacktrace.is_some());
    let show_minified = RwSignal::new(false);
    let minified_toggle = any_minified.then(|| {
        view! {
            <button
                type="button"
                class="chip minified-toggle"
                class:selected=move || show_minified.get()
                aria-pressed=move || show_minified.get().to_string()
                title="The frames as the SDK sent them, before source maps"
                on:click=move |_| show_minified.update(|m| *m = !*m)
            >
                "Minified"
            </button>
        }
    });
    let toolbar = view! {
        <div class="exceptions-toolbar">
            <button
                type="button"
                class="chip raw-toggle"
                class:selected=move || show_raw.get()
                aria-pressed=move || show_raw.get().to_string()
                on:click=move |_| show_raw.update(|r| *r = !*r)
            >
                "Raw"
            </button>
            {minified_toggle}
            <button type="button" class="chip copy-raw" on:click=copy>
                {move || match copied.get() {
                    Some(true) => "Copied",
                    Some(false) => "Copy failed",
                    None => "Copy",
                }}
            </button>
        </div>
    };
    let raw_view = move || {
        show_raw.get().then(|| view! { <pre class="raw-stacktrace">{raw.get_value()}</pre> })
    };
    let chained = values.len() > 1;
    let items = values
        .into_iter()
        .rev()
        .enumerate()
        .map(|(index, exception)| {
            let unhandled = exception.is_unhandled();
            let frames = exception.stacktrace.map(|s| s.frames).unwrap_or_default();
            let mapped = view! { <StackTrace frames/> };
            let trace = match exception.raw_stacktrace {
                Some(raw) => view! {
                    <div class="mapped-frames" hidden=move || show_minified.get()>{mapped}</div>
                    <div class="minified-frames" hidden=move || !show_minified.get()>
                        <StackTrace frames=raw.frames/>
                    </div>
                }
                .into_any(),
                None => mapped.into_any(),
            };
            let caused = (chained && index > 0)
                .then(|| view! { <p class="exception-chain">"Caused the exception above"</p> });
            view! {
                <li class="exception">
                    {caused}
                    <h3 class="exception-title">
                        <span class="exception-type">
                            {exception.kind.unwrap_or_else(|| "Error".to_owned())}
                        </span>
                        {unhandled.then(|| view! { <span class="badge badge-unhandled">"unhandled"</span> })}
                    </h3>
                    <p class="exception-value">{exception.value.unwrap_or_default()}</p>
                    {trace}
                </li>
            }
        })
        .collect_view();
    view! {
        {toolbar}
        {raw_view}
        <ol id="exceptions" class="exceptions" hidden=move || show_raw.get()>
            {items}
        </ol>
    }
    .into_any()
}

/// A stack trace (`.stacktrace`): newest frame first, an "in-app only" toggle (on by default
/// when any frame is in-app), each frame expandable to its context lines and variables.
#[component]
pub fn StackTrace(
    /// The frames, oldest call first (the event's order).
    frames: Vec<Frame>,
) -> impl IntoView {
    if frames.is_empty() {
        return view! { <p class="stacktrace-empty">"No stack trace."</p> }.into_any();
    }
    let any_in_app = frames.iter().any(Frame::is_in_app);
    let system = frames.iter().filter(|f| !f.is_in_app()).count();
    let in_app_only = RwSignal::new(any_in_app);
    let count = frames.len();
    let rows = frames
        .into_iter()
        .rev()
        .enumerate()
        .map(|(index, frame)| {
            let in_app = frame.is_in_app();
            view! {
                <Show when=move || in_app || !in_app_only.get()>
                    <FrameRow frame=frame.clone() index/>
                </Show>
            }
        })
        .collect_view();
    let toggle = any_in_app.then(|| {
        view! {
            <label class="in-app-toggle">
                <input
                    type="checkbox"
                    class="in-app-checkbox"
                    prop:checked=move || in_app_only.get()
                    on:change=move |ev| in_app_only.set(event_target_checked(&ev))
                />
                "In-app frames only"
                <span class="in-app-hidden">
                    {move || {
                        in_app_only.get().then(|| format!(" ({system} system frames hidden)"))
                    }}
                </span>
            </label>
        }
    });
    view! {
        <div class="stacktrace" data-frames=count>
            {toggle}
            <ol class="frames">{rows}</ol>
        </div>
    }
    .into_any()
}

/// One frame (`li.frame`), collapsed to its function and location; a click expands it. When
/// the issue page's code mappings place its file, a link to its line on the code host follows
/// the header.
#[component]
fn FrameRow(frame: Frame, index: usize) -> impl IntoView {
    let expandable = frame.has_details();
    let expanded = RwSignal::new(false);
    let system = !frame.is_in_app();
    let class = if system { "frame system" } else { "frame in-app" };
    let function = frame.function.clone().unwrap_or_else(|| "?".to_owned());
    let location = frame.location();
    let module = frame.module.clone().filter(|m| frame.filename.is_some() && !m.is_empty());
    // Beside the header, not in it: a link inside a button is not allowed.
    let source_link = super::code_links::frame_source_link(&frame);
    let details = move || expanded.get().then(|| view! { <FrameDetails frame=frame.clone()/> });
    view! {
        <li class=class data-index=index>
            <button
                type="button"
                class="frame-header"
                disabled=!expandable
                aria-expanded=move || expanded.get().to_string()
                on:click=move |_| expanded.update(|e| *e = !*e)
            >
                <span class="frame-location">{location}</span>
                " in "
                <span class="frame-function">{function}</span>
                {module.map(|m| view! { <span class="frame-module">{m}</span> })}
                {system.then(|| view! { <span class="frame-system-label">"system"</span> })}
            </button>
            {source_link}
            {details}
        </li>
    }
    .into_any()
}

/// The source lines around a frame (numbered when the line is known) and its variables.
#[component]
fn FrameDetails(frame: Frame) -> impl IntoView {
    let lines = frame.source_lines();
    let context = (!lines.is_empty()).then(|| {
        let rows = lines
            .into_iter()
            .map(|line| {
                let number = line.number.map(|n| n.to_string()).unwrap_or_default();
                let class = if line.current { "context-line current" } else { "context-line" };
                view! {
                    <li class=class>
                        <span class="lineno">{number}</span>
                        <code class="source">{line.text}</code>
                    </li>
                }
            })
            .collect_view();
        view! { <ol class="frame-context">{rows}</ol> }
    });
    let vars = frame.vars.filter(|v| !v.is_empty()).map(|vars| {
        let rows = vars
            .iter()
            .map(|(name, value)| {
                view! {
                    <tr>
                        <th scope="row">{name.clone()}</th>
                        <td>
                            <pre>{value_text(value)}</pre>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="frame-vars kv-table">
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! { <div class="frame-details">{context} {vars}</div> }.into_any()
}
