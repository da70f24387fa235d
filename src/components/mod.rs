//! Reusable pieces of the dashboard's UI. Presentational ones take their data as props and fetch
//! nothing, so `tests/web.rs` can mount them without a server.

pub mod breadcrumbs;
pub mod contexts;
pub mod event;
pub mod header;
pub mod issue_list;
pub mod notification_badge;
pub mod stacktrace;
pub mod status;
pub mod suspect_commits;
pub mod time_ago;

pub use breadcrumbs::{Breadcrumb, Breadcrumbs};
pub use contexts::{Contexts, KeyValues, RequestCard, TagList, UserCard};
pub use event::EventDetails;
pub use header::Header;
pub use issue_list::{IssueList, IssueRow};
pub use notification_badge::NotificationBadge;
pub use stacktrace::{ExceptionList, ExceptionValue, Frame, StackTrace};
pub use status::{ApiError, ErrorState, Loading};
pub use suspect_commits::{SuspectCommitList, SuspectCommits};
pub use time_ago::{relative_time, TimeAgo};
