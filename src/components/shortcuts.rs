//! Keyboard shortcuts of the issue page, as Sentry's: `r` resolve, `i` ignore, `b` bookmark,
//! `j` / `k` (or the arrow keys) older / newer event, `?` this help. Keys typed into a field, or
//! pressed with Ctrl, Alt or Meta, are left alone.

use leptos::{ev, prelude::*};
use wasm_bindgen::JsCast;

/// What a key does on the issue page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// `r`: resolve (or unresolve a resolved issue).
    Resolve,
    /// `i`: ignore (or unignore an ignored issue).
    Ignore,
    /// `b`: toggle the bookmark.
    Bookmark,
    /// `j` or `←`: the older event.
    OlderEvent,
    /// `k` or `→`: the newer event.
    NewerEvent,
    /// `?`: show or hide the help.
    Help,
    /// `Escape`: hide the help.
    Close,
}

/// The shortcuts with their keys and what they do, for the help overlay.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("r", "Resolve or unresolve"),
    ("i", "Archive until it escalates, or unarchive"),
    ("b", "Bookmark or remove the bookmark"),
    ("j / ←", "Older event"),
    ("k / →", "Newer event"),
    ("?", "Show or hide this help"),
];

/// The shortcut of a key (`KeyboardEvent.key`), if any.
pub fn shortcut(key: &str) -> Option<Shortcut> {
    match key {
        "r" => Some(Shortcut::Resolve),
        "i" => Some(Shortcut::Ignore),
        "b" => Some(Shortcut::Bookmark),
        "j" | "ArrowLeft" => Some(Shortcut::OlderEvent),
        "k" | "ArrowRight" => Some(Shortcut::NewerEvent),
        "?" => Some(Shortcut::Help),
        "Escape" => Some(Shortcut::Close),
        _ => None,
    }
}

/// Whether the key went to something that takes text (where `r` is a letter, not a command).
fn typing(event: &web_sys::KeyboardEvent) -> bool {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    matches!(target.tag_name().to_ascii_lowercase().as_str(), "input" | "textarea" | "select")
        || target.get_attribute("contenteditable").is_some_and(|v| v != "false")
}

/// Calls `handler` for each shortcut pressed while the calling component is mounted.
pub fn use_shortcuts(handler: impl Fn(Shortcut) + 'static) {
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.ctrl_key() || event.meta_key() || event.alt_key() || typing(&event) {
            return;
        }
        if let Some(shortcut) = shortcut(&event.key()) {
            handler(shortcut);
        }
    });
    on_cleanup(move || handle.remove());
}

/// The help overlay (`#shortcut-help`), shown while `open`.
#[component]
pub fn ShortcutHelp(
    /// Whether it is shown; its close button clears it.
    open: RwSignal<bool>,
) -> impl IntoView {
    let rows = SHORTCUTS
        .iter()
        .map(|(key, what)| {
            view! {
                <tr>
                    <th scope="row">
                        <kbd>{*key}</kbd>
                    </th>
                    <td>{*what}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div
            id="shortcut-help"
            class="overlay"
            role="dialog"
            aria-modal="true"
            aria-labelledby="shortcut-help-title"
            hidden=move || !open.get()
            on:click=move |_| open.set(false)
        >
            <div class="overlay-panel" on:click=|ev| ev.stop_propagation()>
                <h2 id="shortcut-help-title">"Keyboard shortcuts"</h2>
                <table class="kv-table">
                    <tbody>{rows}</tbody>
                </table>
                <button
                    type="button"
                    class="button button-secondary overlay-close"
                    on:click=move |_| open.set(false)
                >
                    "Close"
                </button>
            </div>
        </div>
    }
    .into_any()
}
