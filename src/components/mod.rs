//! Reusable pieces of the dashboard's UI. Presentational ones take their data as props and fetch
//! nothing, so `tests/web.rs` can mount them without a server.

pub mod header;
pub mod issue_list;
pub mod status;
pub mod time_ago;

pub use header::Header;
pub use issue_list::{IssueList, IssueRow};
pub use status::{ApiError, ErrorState, Loading};
pub use time_ago::{relative_time, TimeAgo};
