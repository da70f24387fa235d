//! Organizations, teams, projects and their DSN keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An organization (`GET /api/0/organizations/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Numeric id, as a string.
    pub id: String,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub date_created: DateTime<Utc>,
}

/// A team (`GET /api/0/organizations/{org}/teams/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Numeric id, as a string.
    pub id: String,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub date_created: DateTime<Utc>,
}

/// A project (`GET /api/0/organizations/{org}/projects/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Numeric id, as a string; also the last segment of the DSN.
    pub id: String,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The platform chosen at creation (`python`, `javascript`, `rust`, ...), if any.
    pub platform: Option<String>,
    /// When it was created.
    pub date_created: DateTime<Utc>,
    /// The team that owns the project.
    pub team: Option<TeamRef>,
    /// Every team with access to the project.
    #[serde(default)]
    pub teams: Vec<TeamRef>,
    /// The organization the project belongs to.
    pub organization: Option<OrganizationRef>,
}

/// A short reference to a team inside other objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRef {
    /// Numeric id, as a string.
    pub id: String,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// A short reference to an organization inside other objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRef {
    /// Numeric id, as a string.
    pub id: String,
    /// URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
}

/// `POST /api/0/teams/{org}/{team}/projects/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateProjectRequest {
    /// Display name.
    pub name: String,
    /// URL-safe name; derived from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Platform identifier, e.g. `python`.
    #[serde(default)]
    pub platform: Option<String>,
}

/// A client key (DSN) of a project (`GET /api/0/projects/{org}/{project}/keys/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectKey {
    /// The public key; also the key's id in Sentry's API.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The public key (the user part of the DSN).
    pub public: String,
    /// The legacy secret (kept for old SDKs that still send `sentry_secret`).
    pub secret: String,
    /// Numeric project id, as a number (Sentry's shape).
    pub project_id: i64,
    /// Whether events sent with this key are accepted.
    pub is_active: bool,
    /// The DSN in its forms.
    pub dsn: KeyDsn,
    /// When it was created.
    pub date_created: DateTime<Utc>,
}

/// The DSN forms of a [`ProjectKey`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDsn {
    /// The DSN that SDKs use: `http://<public>@<host>/<project_id>`.
    pub public: String,
    /// The legacy DSN with the secret.
    pub secret: String,
}
