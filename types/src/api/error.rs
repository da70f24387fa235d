//! The one JSON error shape of every API and ingest endpoint.

use serde::{Deserialize, Serialize};

/// Body of every error response: `{"detail": "..."}`, as Sentry and Relay answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for a human.
    pub detail: String,
    /// Underlying causes, outermost first (Relay sends them; usually empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
}

impl ErrorBody {
    /// An error body with only a detail message.
    pub fn new(detail: impl Into<String>) -> Self {
        Self { detail: detail.into(), causes: Vec::new() }
    }
}
