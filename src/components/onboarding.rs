//! Onboarding's pieces: the platforms a project can be made for, the SDK set-up snippets with
//! the project's DSN filled in, the DSN field with its copy button, and the "waiting for the
//! first event" panel. Presentational: they fetch nothing, so `tests/web.rs` mounts them.
//!
//! Snippets are built as plain strings and rendered as text inside `<pre><code>`: a DSN (or any
//! other value) can never become markup.

use cairn_types::api::Issue;
use leptos::prelude::*;

use super::copy_to_clipboard;

/// The platforms offered when creating a project, as `(Sentry's platform id, label)`, in the
/// order the snippet tabs follow.
pub const PLATFORMS: &[(&str, &str)] = &[
    ("python", "Python"),
    ("javascript", "JavaScript (browser)"),
    ("node", "Node.js"),
    ("rust", "Rust"),
    ("go", "Go"),
    ("java", "Java"),
    ("ruby", "Ruby"),
    ("php", "PHP"),
];

/// How to set up one SDK: the command that installs it and the code that initializes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Sentry's platform id (`python`, `javascript`, ...).
    pub platform: &'static str,
    /// The tab's label.
    pub label: &'static str,
    /// The install command (pip, npm, cargo, go get, gradle, gem, composer).
    pub install: String,
    /// The initialization code with the DSN filled in.
    pub code: String,
}

/// The label of a platform id; the id itself for one Cairn does not list.
pub fn platform_label(platform: &str) -> &str {
    PLATFORMS.iter().find(|(id, _)| *id == platform).map_or(platform, |(_, label)| label)
}

/// The platforms in tab order: the project's own first (when it is one of [`PLATFORMS`]), then
/// the others in their usual order.
pub fn ordered_platforms(first: Option<&str>) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = PLATFORMS.iter().map(|(id, _)| *id).collect();
    if let Some(at) = first.and_then(|first| ids.iter().position(|id| *id == first)) {
        let id = ids.remove(at);
        ids.insert(0, id);
    }
    ids
}

/// The set-up snippet of `platform` for `dsn`; `None` for a platform without one.
pub fn snippet(platform: &str, dsn: &str) -> Option<Snippet> {
    let (platform, install, code): (&'static str, &str, String) = match platform {
        "python" => (
            "python",
            "pip install --upgrade sentry-sdk",
            format!("import sentry_sdk\n\nsentry_sdk.init(\n    dsn=\"{dsn}\",\n)\n"),
        ),
        "javascript" => (
            "javascript",
            "npm install --save @sentry/browser",
            format!(
                "import * as Sentry from \"@sentry/browser\";\n\nSentry.init({{\n  dsn: \"{dsn}\",\n}});\n"
            ),
        ),
        "node" => (
            "node",
            "npm install --save @sentry/node",
            format!(
                "// instrument.js: require it before any other module\nconst Sentry = require(\"@sentry/node\");\n\nSentry.init({{\n  dsn: \"{dsn}\",\n}});\n"
            ),
        ),
        "rust" => (
            "rust",
            "cargo add sentry",
            format!(
                "fn main() {{\n    let _guard = sentry::init((\n        \"{dsn}\",\n        sentry::ClientOptions {{\n            release: sentry::release_name!(),\n            ..Default::default()\n        }},\n    ));\n    // The rest of main: events are sent until `_guard` is dropped.\n}}\n"
            ),
        ),
        "go" => (
            "go",
            "go get github.com/getsentry/sentry-go",
            format!(
                "package main\n\nimport (\n\t\"log\"\n\t\"time\"\n\n\t\"github.com/getsentry/sentry-go\"\n)\n\nfunc main() {{\n\terr := sentry.Init(sentry.ClientOptions{{\n\t\tDsn: \"{dsn}\",\n\t}})\n\tif err != nil {{\n\t\tlog.Fatalf(\"sentry.Init: %s\", err)\n\t}}\n\t// Send what is buffered before the program exits.\n\tdefer sentry.Flush(2 * time.Second)\n}}\n"
            ),
        ),
        "java" => (
            "java",
            "implementation 'io.sentry:sentry:8.21.1' // build.gradle",
            format!(
                "import io.sentry.Sentry;\n\nSentry.init(options -> {{\n  options.setDsn(\"{dsn}\");\n}});\n"
            ),
        ),
        "ruby" => (
            "ruby",
            "bundle add sentry-ruby",
            format!("require \"sentry-ruby\"\n\nSentry.init do |config|\n  config.dsn = \"{dsn}\"\nend\n"),
        ),
        "php" => (
            "php",
            "composer require sentry/sentry",
            format!(
                "<?php\nrequire __DIR__ . '/vendor/autoload.php';\n\n\\Sentry\\init([\n    'dsn' => '{dsn}',\n]);\n"
            ),
        ),
        _ => return None,
    };
    Some(Snippet { platform, label: platform_label(platform), install: install.to_owned(), code })
}

/// The event the "Send a test event" button stores: an error-level message, so it opens an
/// issue of its own that says where it came from.
pub fn test_event(platform: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "message": "This is a test event sent from Cairn's getting-started page",
        "level": "error",
        "platform": platform.unwrap_or("other"),
        "logger": "cairn.onboarding",
        "tags": {"onboarding": "test-event"},
        "timestamp": chrono::Utc::now().to_rfc3339(),
    })
}

/// The DSN in a read-only field (`#dsn`) with a Copy button that says "Copied" once the
/// clipboard took it.
#[component]
pub fn DsnField(
    /// The DSN.
    #[prop(into)]
    dsn: String,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let text = StoredValue::new(dsn.clone());
    let copy = move |_| {
        let text = text.get_value();
        leptos::task::spawn_local(async move {
            copied.set(Some(copy_to_clipboard(text).await));
        });
    };
    view! {
        <div class="dsn-field">
            <label for="dsn" class="label">"DSN"</label>
            <input id="dsn" type="text" readonly value=dsn on:focus=|ev| select_all(&ev)/>
            <button type="button" id="copy-dsn" class="button button-secondary" on:click=copy>
                {move || match copied.get() {
                    Some(true) => "Copied",
                    Some(false) => "Copy failed",
                    None => "Copy",
                }}
            </button>
            <span class="visually-hidden" role="status">
                {move || (copied.get() == Some(true)).then_some("DSN copied to the clipboard")}
            </span>
        </div>
    }
}

/// Selects the whole field's text, so a keyboard user can copy it with the usual keys too.
fn select_all(event: &leptos::ev::FocusEvent) {
    use wasm_bindgen::JsCast;
    if let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.select();
    }
}

/// The set-up snippets (`#setup-snippets`): one tab per platform, the project's own first and
/// selected, each panel with the install command and the init code as text.
#[component]
pub fn SetupSnippets(
    /// The DSN to fill in.
    #[prop(into)]
    dsn: String,
    /// The project's platform, shown first (the usual order without one).
    platform: Option<String>,
) -> impl IntoView {
    let order = ordered_platforms(platform.as_deref());
    let selected = RwSignal::new(order[0]);
    // Arrow keys walk the tabs in the order shown (the WAI-ARIA tabs pattern).
    let shown = StoredValue::new(order.clone());
    let move_tab = move |step: isize| {
        shown.with_value(|order| {
            let at = order.iter().position(|id| *id == selected.get_untracked()).unwrap_or(0);
            let next = (at as isize + step).rem_euclid(order.len() as isize) as usize;
            selected.set(order[next]);
            focus_tab(order[next]);
        });
    };
    let tabs = order
        .into_iter()
        .map(|id| {
            let is_selected = move || selected.get() == id;
            view! {
                <button
                    type="button"
                    role="tab"
                    id=format!("snippet-tab-{id}")
                    class="snippet-tab"
                    class:selected=is_selected
                    data-platform=id
                    aria-selected=move || is_selected().to_string()
                    aria-controls="snippet-panel"
                    tabindex=move || if is_selected() { "0" } else { "-1" }
                    on:click=move |_| selected.set(id)
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        let step = match ev.key().as_str() {
                            "ArrowRight" => 1,
                            "ArrowLeft" => -1,
                            _ => return,
                        };
                        ev.prevent_default();
                        move_tab(step);
                    }
                >
                    {platform_label(id)}
                </button>
            }
        })
        .collect_view();
    let dsn = StoredValue::new(dsn);
    let panel = move || {
        let id = selected.get();
        let snippet = dsn.with_value(|dsn| snippet(id, dsn))?;
        Some(view! {
            <div class="snippet-install">
                <span class="label">"Install"</span>
                <pre><code class="install-line">{snippet.install}</code></pre>
            </div>
            <div class="snippet-code">
                <span class="label">"Configure"</span>
                <pre><code class=format!("snippet language-{id}")>{snippet.code}</code></pre>
            </div>
        })
    };
    view! {
        <div id="setup-snippets" class="setup-snippets">
            <div class="snippet-tabs" role="tablist" aria-label="Platform">{tabs}</div>
            <div
                id="snippet-panel"
                class="snippet-panel"
                role="tabpanel"
                aria-labelledby=move || format!("snippet-tab-{}", selected.get())
            >
                {panel}
            </div>
        </div>
    }
}

/// Moves the keyboard focus to a platform's tab.
fn focus_tab(id: &str) {
    use wasm_bindgen::JsCast;
    let tab = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("snippet-tab-{id}")))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(tab) = tab {
        let _ = tab.focus();
    }
}

/// Whether the page still waits for the project's first event, or which issue it opened.
#[derive(Debug, Clone, PartialEq)]
pub enum FirstEvent {
    /// Nothing has arrived yet.
    Waiting,
    /// This issue arrived; `href` is its dashboard path.
    Arrived {
        /// The issue (boxed: it is large, and `Waiting` holds nothing).
        issue: Box<Issue>,
        /// Where the issue's page is.
        href: String,
    },
}

/// The first event's panel (`#first-event`): a waiting indicator, then "Your first event
/// arrived" with a link (`#first-event-link`) to its issue and one to the project's issues.
#[component]
pub fn FirstEventPanel(
    /// What has arrived so far.
    #[prop(into)]
    state: Signal<FirstEvent>,
    /// The issue stream of the project.
    #[prop(into)]
    stream_href: String,
) -> impl IntoView {
    move || {
        match state.get() {
        FirstEvent::Waiting => view! {
            <div id="first-event" class="first-event waiting" role="status" aria-live="polite">
                <span class="spinner" aria-hidden="true"></span>
                "Waiting for the first event…"
                <p class="hint">
                    "Run your application with the SDK set up, or send a test event: the event appears here as soon as Cairn stores it."
                </p>
            </div>
        }
        .into_any(),
        FirstEvent::Arrived { issue, href } => view! {
            <div id="first-event" class="first-event arrived" role="status" aria-live="polite">
                <p class="first-event-title">"Your first event arrived"</p>
                <p>
                    <a id="first-event-link" href=href>{issue.title}</a>
                    " "
                    <span class="issue-short-id">{issue.short_id}</span>
                </p>
                <p>
                    <a id="project-issues-link" href=stream_href.clone()>"See all of the project's issues"</a>
                </p>
            </div>
        }
        .into_any(),
    }
    }
}
