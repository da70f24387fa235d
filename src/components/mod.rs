//! Reusable pieces of the dashboard's UI. Presentational ones take their data as props and fetch
//! nothing, so `tests/web.rs` can mount them without a server.

pub mod activity;
pub mod assignee_menu;
pub mod assignee_picker;
pub mod attachments;
pub mod breadcrumbs;
pub mod bulk_actions;
pub mod charts;
pub mod code_links;
pub mod confirm;
pub mod contexts;
pub mod event;
pub mod events_table;
pub mod grouping_info;
pub mod header;
pub mod highlights;
pub mod issue_actions;
pub mod issue_attachments;
pub mod issue_chart;
pub mod issue_list;
pub mod issue_tags;
pub mod mentions;
pub mod merged_issues;
pub mod notification_badge;
pub mod onboarding;
pub mod pager;
pub mod release_health;
pub mod saved_searches;
pub mod search_bar;
pub mod search_suggestions;
pub mod seen_by;
pub mod share_issue;
pub mod shortcuts;
pub mod similar_issues;
pub mod sparkline;
pub mod stacktrace;
pub mod status;
pub mod suggested_owners;
pub mod suspect_commits;
pub mod switcher;
pub mod tag_facets;
pub mod text_file;
pub mod time_ago;
pub mod trace;
pub mod user_feedback;

pub use assignee_picker::AssigneePicker;
pub use breadcrumbs::{Breadcrumb, Breadcrumbs};
pub use contexts::{Contexts, KeyValues, RequestCard, TagList, UserCard};
pub use event::EventDetails;
pub use header::Header;
pub use issue_list::{IssueList, IssueRow};
pub use notification_badge::NotificationBadge;
pub use search_bar::SearchBar;
pub use sparkline::Sparkline;
pub use stacktrace::{ExceptionList, ExceptionValue, Frame, StackTrace};
pub use status::{failure, ApiError, ErrorState, FormError, Loading};
pub use suspect_commits::{SuspectCommitList, SuspectCommits};
pub use time_ago::{relative_time, TimeAgo};

/// Copies `text` to the clipboard (`navigator.clipboard`); whether it worked (the browser
/// refuses outside a secure context or without focus).
pub(crate) async fn copy_to_clipboard(text: String) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(&text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}
