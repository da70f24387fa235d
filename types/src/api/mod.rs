//! DTOs of the REST API under `/api/0/`.

mod auth;
mod error;
mod issues;
mod organizations;

pub use auth::*;
pub use error::*;
pub use issues::*;
pub use organizations::*;
