//! Service hooks, Sentry's shape (`GET /api/0/projects/{org}/{project}/hooks/`): URLs that
//! receive a project's new events (`event.created`), or the events that fired an alert rule
//! (`event.alert`), as a signed JSON POST.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Sentry's `ServiceHookSerializer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceHook {
    /// The hook's GUID, 32 hex digits (`X-ServiceHook-GUID` of its deliveries).
    pub id: String,
    /// Where its deliveries go.
    pub url: String,
    /// The HMAC-SHA256 key its deliveries are signed with (`X-ServiceHook-Signature`). Only
    /// for callers who may change the hook; Sentry shows it to every reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `active` or `disabled`.
    pub status: String,
    /// `event.alert`, `event.created`, sorted.
    pub events: Vec<String>,
    /// When it was made.
    pub date_created: DateTime<Utc>,
}

/// `POST .../hooks/` (`url` and `events` required) and `PUT .../hooks/{id}/` (any of them):
/// Sentry's `ServiceHookValidator`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceHookRequest {
    /// An `http` or `https` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Some of `event.alert` and `event.created`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// Turns the hook on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// The payload's version; Sentry has only 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// One delivery of a hook, for its log (Cairn's own: Sentry shows only counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookDelivery {
    /// The delivery.
    pub id: String,
    /// The issue of its event.
    pub issue_id: String,
    /// Its event, 32 hex digits.
    pub event_id: String,
    /// When it became due.
    pub date_created: DateTime<Utc>,
    /// `pending`, `delivered` or `failed` (given up).
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The receiver's HTTP status at the last attempt, if it answered.
    pub status_code: Option<i64>,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
    /// When it was delivered or given up.
    pub date_finished: Option<DateTime<Utc>>,
}
