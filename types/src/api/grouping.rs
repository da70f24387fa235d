//! Why an event was grouped as it was (Sentry's `GET /api/0/projects/{org}/{project}/events/
//! {event_id}/grouping-info/`, the issue page's *Event Grouping Information*): the answer is a
//! map from each variant's key (`app`, `system`, `default`, `custom-fingerprint`, ...) to a
//! [`GroupingVariant`].

use serde::{Deserialize, Serialize};

/// One way of hashing the event: what contributed, and the hash it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupingVariant {
    /// `app` (in-app frames only), `system` (every frame), `default` (the message),
    /// `custom-fingerprint`, `built-in-fingerprint`, `checksum` or `fallback`.
    pub key: String,
    /// Sentry's variant type: `component`, `salted-component` (a fingerprint with
    /// `{{ default }}` and other values), `custom-fingerprint`, `built-in-fingerprint`,
    /// `checksum` or `fallback`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it hashes, e.g. "in-app exception stack-trace".
    pub description: String,
    /// Its hash; `None` when it does not contribute.
    pub hash: Option<String>,
    /// Whether the event's issue does not have this hash (the project's grouping rules changed
    /// since the event came in, or the issue was split off).
    #[serde(default)]
    pub hash_mismatch: bool,
    /// Whether this variant's hash is one of the event's hashes.
    pub contributes: bool,
    /// Why it does not contribute, when it does not.
    #[serde(default)]
    pub hint: Option<String>,
    /// The values hashed, as a tree (component variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<GroupingComponent>,
    /// The fingerprint (fingerprint and salted variants) or checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// The fingerprint rule that set the fingerprint, in the rules' syntax.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_rule: Option<String>,
}

/// A node of a variant's tree: an exception, a stack trace, a frame, a frame's function, ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupingComponent {
    /// `exception`, `chained-exception`, `stacktrace`, `threads`, `frame`, `module`,
    /// `filename`, `function`, `context-line`, `type`, `value`, `ns-error`, `message`, ...
    pub id: String,
    /// A display name, when the id is not enough.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether its values are hashed.
    pub contributes: bool,
    /// Why it does not contribute (or why it does, where that surprises).
    #[serde(default)]
    pub hint: Option<String>,
    /// Its values: text (hashed when the component contributes) or components.
    pub values: Vec<GroupingValue>,
}

/// A component's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupingValue {
    /// A value hashed as it is.
    Text(String),
    /// A nested component.
    Component(GroupingComponent),
}
