//! Wire types shared by the Cairn server and its dashboard.
//!
//! Everything here is plain serde: it builds for `wasm32-unknown-unknown` (the dashboard) and for
//! the native server alike, so the two sides cannot drift apart. Field names follow Sentry's Web
//! API (camelCase), so that tools written for Sentry read Cairn's answers unchanged.
#![warn(missing_docs)]

pub mod api;
pub mod source_links;
pub mod timestamp;
