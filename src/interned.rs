//! Strings the dashboard hands to the DOM over and over, turned into JS strings once.
//!
//! Every `&str` that crosses into JavaScript (an attribute's name and value, a text node) is
//! decoded from the wasm memory into a new JS string, unless it is in wasm-bindgen's intern
//! cache (the `enable-interning` feature): then the cached string is passed instead. Leptos
//! interns tag names only. A cold load of the issue stream made ~9,300 such decodes, 7,500 of
//! them of the same fifty strings: `class` alone 2,200 times (a row sets about twenty
//! attributes and texts, all static). Interned, 1,900 decodes are left, and Chromium's
//! profiler puts 12 ms of the main thread in `decodeText` instead of 42 (the trace's script
//! total moved less than its run-to-run noise).
//!
//! The lists cover attribute names and the issue stream row's static values. A string missing
//! here costs a decode, nothing else; a string listed here costs one decode at start-up and
//! a cache entry. `tests/web.rs` checks that every string of [`STREAM_ROW`] is still set by a
//! rendered row, so a renamed class does not silently fall out of the cache.

/// Interns the common strings; call once, before the app mounts.
pub fn intern_common_strings() {
    for text in ATTRIBUTE_NAMES.iter().chain(STREAM_ROW).chain(STREAM_ROW_VARIANTS) {
        wasm_bindgen::intern(text);
    }
}

/// Attribute names set by the views.
const ATTRIBUTE_NAMES: &[&str] = &[
    "class",
    "id",
    "type",
    "role",
    "title",
    "href",
    "name",
    "value",
    "selected",
    "disabled",
    "checked",
    "datetime",
    "aria-label",
    "aria-haspopup",
    "aria-expanded",
    "aria-current",
    "aria-hidden",
    "aria-live",
    "data-issue-id",
    "data-value",
    "viewBox",
    "width",
    "height",
    "preserveAspectRatio",
    "d",
];

/// The static values and texts of an unassigned, unresolved error's issue stream row, its
/// priority high as an error's starts (`StreamRow`, `Sparkline`, `AssigneePicker`), each set
/// once per row.
pub const STREAM_ROW: &[&str] = &[
    "true",
    "false",
    "checkbox",
    "button",
    "none",
    "img",
    "issue-row stream-row",
    "unseen",
    "row-select",
    "Select",
    "issue-level level-error",
    "error",
    "issue-main",
    "issue-title",
    "issue-link",
    "issue-meta",
    "priority priority-high",
    "Priority",
    "High",
    "issue-short-id",
    "issue-culprit",
    "issue-first-seen",
    "first seen ",
    "issue-graph",
    "sparkline",
    "0 0 120 28",
    "120",
    "28",
    "bar",
    "bar empty",
    "issue-last-seen",
    "issue-count",
    "Events",
    "issue-users",
    "Users",
    "issue-assignee",
    "assignee-picker",
    "button button-secondary assignee-button",
    "Unassigned",
    "issue-status status-unresolved",
    "unresolved",
];

/// The values a row sets instead of [`STREAM_ROW`]'s for other levels, priorities and statuses,
/// and the relative time of an issue seen this minute.
const STREAM_ROW_VARIANTS: &[&str] = &[
    "issue-level level-fatal",
    "issue-level level-warning",
    "issue-level level-info",
    "issue-level level-debug",
    "fatal",
    "warning",
    "info",
    "debug",
    "issue-status status-resolved",
    "issue-status status-ignored",
    "priority priority-medium",
    "priority priority-low",
    "Med",
    "Low",
    "new",
    "regressed",
    "escalating",
    "resolved",
    "ignored",
    "just now",
];
