//! Usage stats (`GET /api/0/organizations/{org}/stats_v2/`), in Sentry's shape: what each
//! project sent, by outcome (`accepted`, `filtered`, `rate_limited`, `invalid`,
//! `client_discard`), reason and category, as totals and per-interval series.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The answer of the stats endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageStats {
    /// Start of the first interval.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub start: DateTime<Utc>,
    /// End of the last interval.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub end: DateTime<Utc>,
    /// Start of each interval.
    pub intervals: Vec<String>,
    /// One group per combination of the `groupBy` fields.
    pub groups: Vec<UsageGroup>,
}

/// One group of the stats: its `groupBy` values, total and series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageGroup {
    /// The group's values, by field (`outcome`, `reason`, `category`, `project`).
    pub by: BTreeMap<String, Value>,
    /// `sum(quantity)` over the period.
    pub totals: BTreeMap<String, i64>,
    /// `sum(quantity)` per interval.
    pub series: BTreeMap<String, Vec<i64>>,
}
