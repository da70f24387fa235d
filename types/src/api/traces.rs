//! A distributed trace, in the shape of Sentry's trace endpoint
//! (`/organizations/{org}/events-trace/{trace_id}/`): its transactions as a tree (each with the
//! transactions it called and the errors that happened in it) and the errors that no
//! transaction holds (orphan errors: their transactions were not sampled, or not sent); and a
//! transaction's details with its spans.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::EventTag;

/// The events of one trace.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Trace {
    /// The trace's root transactions (those no other transaction of the trace called), by
    /// start time, each with its children.
    pub transactions: Vec<TraceTransaction>,
    /// The trace's errors that happened in none of its transactions, oldest first.
    pub orphan_errors: Vec<TraceError>,
}

/// What a trace holds, counted (Sentry's `events-trace-meta`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TraceMeta {
    /// How many projects its events were sent to.
    pub projects: i64,
    /// Its transactions.
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

/// One transaction of a trace (Sentry's `TraceFullDetailed`): a request served, a page loaded,
/// a task run, with the transactions it called and its errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceTransaction {
    /// The event id (32 hex digits).
    pub event_id: String,
    /// Its own span (16 hex digits).
    pub span_id: String,
    /// The span that called it, if any (in its parent transaction, when that was stored).
    pub parent_span_id: Option<String>,
    /// The transaction that called it, if stored.
    pub parent_event_id: Option<String>,
    /// The project it was sent to.
    pub project_id: i64,
    /// That project's slug.
    pub project_slug: String,
    /// Its name: the route, task or screen.
    pub transaction: String,
    /// How long it took, milliseconds.
    #[serde(rename = "transaction.duration")]
    pub duration: i64,
    /// Its operation (`http.server`, `pageload`, ...), empty when the SDK sent none.
    #[serde(rename = "transaction.op")]
    pub op: String,
    /// Its status (`ok`, `internal_error`, ...).
    #[serde(rename = "transaction.status")]
    pub status: String,
    /// When it started, Unix seconds.
    pub start_timestamp: f64,
    /// When it ended, Unix seconds.
    pub timestamp: f64,
    /// Its depth in the trace: 0 for a root.
    pub generation: i64,
    /// The errors that happened in it (in its own span or one of its spans), oldest first.
    pub errors: Vec<TraceError>,
    /// Always empty: Cairn detects no performance issues.
    #[serde(default)]
    pub performance_issues: Vec<Value>,
    /// The transactions it called, by start time.
    pub children: Vec<TraceTransaction>,
}

/// A transaction's details (Sentry's event details of a `transaction` event), answered by
/// `GET /projects/{org}/{project}/events/{event_id}/` for a transaction's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionEvent {
    /// The event id (32 hex digits); Sentry repeats it as `eventID`.
    pub id: String,
    /// The event id.
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// Always `null`: a transaction belongs to no issue.
    #[serde(rename = "groupID")]
    pub group_id: Option<String>,
    /// The project, as a string.
    #[serde(rename = "projectID")]
    pub project_id: String,
    /// The transaction's name.
    pub title: String,
    /// Always `transaction`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The SDK's platform.
    pub platform: String,
    /// When it ended.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// When Cairn received it.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_received: DateTime<Utc>,
    /// When it started, Unix seconds.
    pub start_timestamp: f64,
    /// When it ended, Unix seconds.
    pub end_timestamp: f64,
    /// `spans` (its spans, [`TraceSpan`]s), and `request` and `breadcrumbs` when it has them,
    /// each `{"type": ..., "data": ...}`.
    pub entries: Vec<Value>,
    /// Tags as `{key, value}` objects.
    pub tags: Vec<EventTag>,
    /// Contexts (`trace`, `os`, `runtime`, ...).
    pub contexts: Value,
    /// Web vitals and other measurements (`{"lcp": {"value": 1200.0, "unit": "millisecond"}}`).
    pub measurements: Value,
    /// The user, if any.
    pub user: Option<Value>,
    /// The SDK that sent it.
    pub sdk: Option<Value>,
    /// The release, `{"version": ...}`, if any.
    pub release: Option<Value>,
}

impl TransactionEvent {
    /// Its spans, from the `spans` entry (none when it has none or they do not read).
    pub fn spans(&self) -> Vec<TraceSpan> {
        self.entries
            .iter()
            .find(|entry| entry.get("type").and_then(Value::as_str) == Some("spans"))
            .and_then(|entry| entry.get("data"))
            .and_then(|data| serde_json::from_value(data.clone()).ok())
            .unwrap_or_default()
    }
}

/// One span of a transaction: a database query, an outgoing request, a render.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TraceSpan {
    /// Its id (16 hex digits).
    pub span_id: String,
    /// The span it is part of (the transaction's own span, or another of its spans).
    #[serde(default)]
    pub parent_span_id: Option<String>,
    /// Its operation (`db.sql.query`, `http.client`, ...).
    #[serde(default)]
    pub op: Option<String>,
    /// What it did: the query, the URL; event data, shown as text.
    #[serde(default)]
    pub description: Option<String>,
    /// Its status, if the SDK set one.
    #[serde(default)]
    pub status: Option<String>,
    /// When it started, Unix seconds.
    pub start_timestamp: f64,
    /// When it ended, Unix seconds.
    pub timestamp: f64,
    /// Its tags, if any.
    #[serde(default)]
    pub tags: Option<Value>,
    /// Its data (`http.method`, `db.system`, ...), if any.
    #[serde(default)]
    pub data: Option<Value>,
}

/// An answer of Sentry's Discover endpoint (`/organizations/{org}/events/`): rows of the
/// fields asked for, and what each field is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DiscoverTable {
    /// The rows, each field by name (`transaction`, `p95()`, ...).
    pub data: Vec<serde_json::Map<String, Value>>,
    /// `fields` (each field's type) and `units`.
    #[serde(default)]
    pub meta: Value,
}
