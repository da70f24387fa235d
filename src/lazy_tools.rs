//! The issue stream's tools that no cold load needs, in a wasm module of their own that the
//! browser fetches when one is first wanted: the list an assignee picker opens, the search
//! bar's suggestions (with the fetching and decoding of the tag keys and values, members and
//! teams they offer, and the saved searches above them), the bulk actions on selected issues,
//! and the keyboard shortcuts' help.
//!
//! The stream's rows, pickers and search field stay in the main wasm and draw at once; what
//! they open is built here. As in [`crate::lazy_pages`], with the `split` feature the builder
//! is a `wasm_split` function, cut out of the main wasm by `wasm-split-cli`; without it (the
//! component tests) a plain `async fn`, ready at once. The module is asked for ahead when the
//! pointer or the focus reaches the search bar or the issue list ([`preload`]).

use std::sync::atomic::AtomicBool;

use cairn_types::api::UpdateIssueRequest;
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use crate::{
    components::{
        assignee_menu::AssigneeMenu, bulk_actions::BulkActions,
        search_suggestions::SearchSuggestions,
    },
    lazy_pages,
    org_directory::Directory,
    pages::issues::ShortcutHelp,
    search_suggest::Suggestion,
};

/// A tool to build, with what its component takes.
pub enum Tool {
    /// [`AssigneeMenu`]: the list an assignee picker opens.
    AssigneeMenu {
        current: Option<String>,
        directory: Directory,
        open: RwSignal<bool>,
        on_assign: Callback<Option<String>>,
    },
    /// [`SearchSuggestions`]: the items of the search bar's suggestions.
    SearchSuggestions {
        text: Signal<String>,
        open: Signal<bool>,
        highlighted: Signal<Option<usize>>,
        suggestions: RwSignal<Vec<Suggestion>>,
        on_apply: Callback<usize>,
        org: Signal<String>,
        directory: Directory,
        ran: Signal<Option<String>>,
    },
    /// [`BulkActions`]: the bulk bar's actions on the selected issues.
    BulkActions {
        selected: RwSignal<Vec<String>>,
        busy: Signal<bool>,
        assign_open: RwSignal<bool>,
        directory: Directory,
        run: Callback<(Vec<String>, UpdateIssueRequest)>,
    },
    /// [`ShortcutHelp`]: the list of the stream's keyboard shortcuts.
    ShortcutHelp { on_close: Callback<()> },
}

fn build_tool(tool: Tool) -> AnyView {
    match tool {
        Tool::AssigneeMenu { current, directory, open, on_assign } => {
            view! { <AssigneeMenu current directory open on_assign/> }.into_any()
        }
        Tool::SearchSuggestions {
            text,
            open,
            highlighted,
            suggestions,
            on_apply,
            org,
            directory,
            ran,
        } => view! {
            <SearchSuggestions text open highlighted suggestions on_apply org directory ran/>
        }
        .into_any(),
        Tool::BulkActions { selected, busy, assign_open, directory, run } => view! {
            <BulkActions selected busy assign_open directory run/>
        }
        .into_any(),
        Tool::ShortcutHelp { on_close } => view! { <ShortcutHelp on_close/> }.into_any(),
    }
}

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(
    stream_tools,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(load_stream_tools_module)
)]
fn stream_tool(tool: Tool) -> Result<AnyView, SplitLoaderError> {
    Ok(build_tool(tool))
}

#[cfg(not(feature = "split"))]
async fn stream_tool(tool: Tool) -> Result<AnyView, SplitLoaderError> {
    Ok(build_tool(tool))
}

/// Without `split` the tools' code is always there: nothing to fetch.
#[cfg(not(feature = "split"))]
async fn load_stream_tools_module() -> Result<(), SplitLoaderError> {
    Ok(())
}

/// Renders `tool`: nothing until its module has arrived (at once once it has), then the tool,
/// in the caller's reactive owner. A module that cannot be fetched (the server was updated and
/// no longer has this build's files, or the network failed) shows as a short error asking for
/// a reload; the next opening tries again.
pub fn tool(tool: Tool) -> impl IntoView {
    Suspend::new(async move {
        match stream_tool(tool).await {
            Ok(view) => view,
            Err(_) => view! {
                <div class="tool-error" role="alert">
                    "This could not be loaded: Cairn may have been updated since this tab \
                     opened it. Reload the page."
                </div>
            }
            .into_any(),
        }
    })
}

/// Starts fetching the tools' module, if it is not loaded yet, without waiting for it. A
/// failure is shown by the opening, if one follows.
pub fn preload() {
    static ASKED: AtomicBool = AtomicBool::new(false);
    lazy_pages::preload_once(&ASKED, load_stream_tools_module());
}
