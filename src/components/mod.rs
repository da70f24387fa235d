//! Reusable pieces of the dashboard's UI. Presentational ones take their data as props and fetch
//! nothing, so `tests/web.rs` can mount them without a server.

pub mod activity;
pub mod assignee_menu;
pub mod assignee_picker;
pub mod attachments;
pub mod breadcrumbs;
pub mod bulk_actions;
pub mod charts;
pub mod contexts;
pub mod event;
pub mod events_table;
pub mod header;
pub mod issue_actions;
pub mod issue_chart;
pub mod issue_list;
pub mod notification_badge;
pub mod onboarding;
pub mod pager;
pub mod release_health;
pub mod search_bar;
pub mod search_suggestions;
pub mod shortcuts;
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
