//! Environments (Sentry's `/api/0/projects/{org}/{project}/environments/` and
//! `/api/0/organizations/{org}/environments/`).

use serde::{Deserialize, Serialize};

/// An environment of a project (`isHidden`: the project hides it from environment pickers) or
/// of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    /// Numeric id, as a string.
    pub id: String,
    /// The name events are sent with.
    pub name: String,
    /// Whether it is hidden (for an organization: by every project that saw it).
    #[serde(default)]
    pub is_hidden: bool,
}

/// `PUT /api/0/projects/{org}/{project}/environments/{name}/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentUpdate {
    /// Hide it from the environment pickers, or show it again.
    pub is_hidden: bool,
}
