//! A distributed trace, in the shape of Sentry's trace endpoint
//! (`/organizations/{org}/events-trace/{trace_id}/`): its transactions and the errors that no
//! transaction holds. Cairn keeps no transactions for traces, so every error of a trace is an
//! orphan error, as Sentry shows errors whose transactions were not sampled.

use serde::{Deserialize, Serialize};

/// The events of one trace.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Trace {
    /// The trace's transactions as a tree; always empty in Cairn.
    pub transactions: Vec<serde_json::Value>,
    /// The trace's errors, oldest first.
    pub orphan_errors: Vec<TraceError>,
}

/// What a trace holds, counted (Sentry's `events-trace-meta`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TraceMeta {
    /// How many projects its events were sent to.
    pub projects: i64,
    /// Its transactions; always 0 in Cairn.
    pub transactions: i64,
    /// Its error events.
    pub errors: i64,
    /// Its performance issues; always 0 in Cairn.
    pub performance_issues: i64,
}

/// One error event of a trace (Sentry's `TraceError`, with the issue's short id and culprit
/// added, which Sentry's trace view looks up separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceError {
    /// The event id (32 hex digits).
    pub event_id: String,
    /// The issue it belongs to.
    pub issue_id: i64,
    /// The issue's short id (`BACKEND-1A`).
    #[serde(default)]
    pub issue_short_id: Option<String>,
    /// The span it happened in (16 hex digits), empty when the SDK sent none.
    pub span: String,
    /// The project it was sent to.
    pub project_id: i64,
    /// That project's slug.
    pub project_slug: String,
    /// The event's title.
    pub title: String,
    /// The issue's culprit.
    #[serde(default)]
    pub culprit: Option<String>,
    /// Severity.
    pub level: String,
    /// The event's message, or its title when it has none.
    pub message: String,
    /// When it happened, Unix seconds.
    pub timestamp: f64,
    /// Always `error`.
    pub event_type: String,
    /// Its depth in the trace's tree; 0 for an orphan error, as in Sentry.
    pub generation: i64,
}
