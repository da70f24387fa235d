//! What every request handler can reach.

use std::sync::Arc;

use crate::config::Config;

/// Shared state of the server: the store and the configuration.
#[derive(Debug, Clone)]
pub struct AppState<S> {
    /// Where everything is kept.
    pub store: S,
    /// Settings fixed at start-up.
    pub config: Arc<Config>,
    /// Ingestion's caches of keys and projects, and its rate-limit counters.
    pub ingest: Arc<crate::endpoints::ingest::IngestState>,
    /// Recent failed logins, to refuse password guessing (in memory; see the module).
    pub login_throttle: Arc<crate::auth::LoginThrottle>,
    /// The open live streams' shutdown switch.
    pub live: Arc<crate::endpoints::api::live::LiveState>,
    /// The SMTP server's mailer, when one is configured (invitations are emailed).
    pub mailer: Option<Arc<crate::mailer::Mailer>>,
}
