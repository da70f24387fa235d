//! Event attachments in Sentry's API shape (`GET /api/0/projects/{org}/{project}/events/{id}/
//! attachments/`): the fields of Sentry's `EventAttachmentSerializer`, with its mixed casing
//! (`event_id` beside `dateCreated`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One file an SDK attached to an event (a log, a screenshot, a minidump).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAttachment {
    /// The attachment's id, as a string.
    pub id: String,
    /// The event it belongs to (32 hex digits).
    pub event_id: String,
    /// Sentry's attachment type: `event.attachment`, `event.minidump`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The file name the SDK gave.
    pub name: String,
    /// The content type the SDK gave (`application/octet-stream` when none).
    pub mimetype: String,
    /// When Cairn received it.
    #[serde(rename = "dateCreated")]
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// Its size in bytes.
    pub size: i64,
    /// The headers a download is served with.
    pub headers: AttachmentHeaders,
    /// The SHA-1 of its bytes, in hex.
    pub sha1: String,
}

/// The headers of an attachment's download, as Sentry lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentHeaders {
    /// The attachment's mimetype.
    #[serde(rename = "Content-Type")]
    pub content_type: String,
}
