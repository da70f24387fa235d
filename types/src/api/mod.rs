//! DTOs of the REST API under `/api/0/`.

mod attachments;
mod audit;
mod auth;
mod commits;
mod error;
mod events;
mod hooks;
mod issues;
mod live;
mod monitors;
mod notifications;
mod organizations;
mod ownership;
mod releases;
mod rules;
mod stats;
mod traces;
mod user_reports;

pub use attachments::*;
pub use audit::*;
pub use auth::*;
pub use commits::*;
pub use error::*;
pub use events::*;
pub use hooks::*;
pub use issues::*;
pub use live::*;
pub use monitors::*;
pub use notifications::*;
pub use organizations::*;
pub use ownership::*;
pub use releases::*;
pub use rules::*;
pub use stats::*;
pub use traces::*;
pub use user_reports::*;
