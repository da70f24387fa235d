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
    /// Sentry's early-adopter flag: always false (sentry-cli's `organizations list` requires it).
    #[serde(default)]
    pub is_early_adopter: bool,
    /// Whether members must use two-factor authentication: Cairn has none yet, so false
    /// (sentry-cli's `organizations list` requires the field).
    #[serde(default, rename = "require2FA")]
    pub require_2fa: bool,
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
    /// At most `count` events per `window` seconds through this key; `null` for no limit.
    #[serde(default)]
    pub rate_limit: Option<KeyRateLimit>,
    /// The DSN in its forms.
    pub dsn: KeyDsn,
    /// When it was created.
    pub date_created: DateTime<Utc>,
}

/// A key's rate limit, Sentry's `rateLimit` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRateLimit {
    /// Events allowed per window.
    pub count: i64,
    /// The window, in seconds.
    pub window: i64,
}

/// `PUT /api/0/projects/{org}/{project}/keys/{key_id}/`: the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateKeyRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Enable or disable the key.
    #[serde(default)]
    pub is_active: Option<bool>,
    /// New rate limit; an explicit `null` removes it (Sentry's semantics).
    #[serde(default, with = "double_option")]
    pub rate_limit: Option<Option<KeyRateLimit>>,
}

/// A project with its settings (`GET /api/0/projects/{org}/{project}/`): the "Security &
/// Privacy" data-scrubbing settings and the allowed domains, in Sentry's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectDetails {
    /// The project itself.
    #[serde(flatten)]
    pub project: Project,
    /// "Data Scrubber": scrub sensitive data at all.
    pub data_scrubber: bool,
    /// "Use Default Scrubbers": Sentry's default rules (passwords, tokens, cards, ...).
    pub data_scrubber_defaults: bool,
    /// "Prevent Storing of IP Addresses".
    #[serde(rename = "scrubIPAddresses")]
    pub scrub_ip_addresses: bool,
    /// "Additional Sensitive Fields".
    pub sensitive_fields: Vec<String>,
    /// "Safe Fields".
    pub safe_fields: Vec<String>,
    /// Origins browser SDKs may send from (`*` for any).
    pub allowed_domains: Vec<String>,
    /// Server-side fingerprint rules, one per line (`error.type:X -> fingerprint`).
    pub fingerprinting_rules: String,
    /// Stack-trace rules, one per line (`stack.module:vendor.* -app`).
    pub grouping_enhancements: String,
    /// Cairn's project-wide event rate limit, over all keys (`null`: none). Sentry sets
    /// project quotas elsewhere; per-key limits are Sentry's `rateLimit` on keys.
    pub rate_limit: Option<KeyRateLimit>,
}

/// `PUT /api/0/projects/{org}/{project}/`: the settings to change; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProjectRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// "Data Scrubber".
    #[serde(default)]
    pub data_scrubber: Option<bool>,
    /// "Use Default Scrubbers".
    #[serde(default)]
    pub data_scrubber_defaults: Option<bool>,
    /// "Prevent Storing of IP Addresses".
    #[serde(default, rename = "scrubIPAddresses")]
    pub scrub_ip_addresses: Option<bool>,
    /// "Additional Sensitive Fields".
    #[serde(default)]
    pub sensitive_fields: Option<Vec<String>>,
    /// "Safe Fields".
    #[serde(default)]
    pub safe_fields: Option<Vec<String>>,
    /// Allowed origins.
    #[serde(default)]
    pub allowed_domains: Option<Vec<String>>,
    /// Server-side fingerprint rules.
    #[serde(default)]
    pub fingerprinting_rules: Option<String>,
    /// Stack-trace rules.
    #[serde(default)]
    pub grouping_enhancements: Option<String>,
    /// Project-wide rate limit; an explicit `null` removes it.
    #[serde(default, with = "double_option")]
    pub rate_limit: Option<Option<KeyRateLimit>>,
}

/// Serde for `Option<Option<T>>`: absent is `None`, `null` is `Some(None)`.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// The DSN forms of a [`ProjectKey`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDsn {
    /// The DSN that SDKs use: `http://<public>@<host>/<project_id>`.
    pub public: String,
    /// The legacy DSN with the secret.
    pub secret: String,
}
