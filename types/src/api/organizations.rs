//! Organizations, teams, projects and their DSN keys.

use std::collections::BTreeMap;

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
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// Sentry's early-adopter flag: always false (sentry-cli's `organizations list` requires it).
    #[serde(default)]
    pub is_early_adopter: bool,
    /// Whether members must use two-factor authentication to see the organization's data
    /// (sentry-cli's `organizations list` requires the field).
    #[serde(default, rename = "require2FA")]
    pub require_2fa: bool,
    /// Whether members may share issues by a public link (Sentry's default: yes).
    #[serde(default = "yes")]
    pub allow_shared_issues: bool,
}

fn yes() -> bool {
    true
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
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
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
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
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
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
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
    /// New rate limit; an explicit `null` removes it (Sentry's semantics), and an absent one
    /// (`None`, left out when serialized) keeps it.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
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
    /// Cairn's own: whether a new issue notifies its owners, or else the project's team
    /// (Sentry's default issue alert, which Sentry keeps as an alert rule).
    pub new_issue_alerts: bool,
    /// Sentry's project options that Cairn keeps: the inbound filters' glob lists.
    #[serde(default)]
    pub options: ProjectOptions,
    /// Sentry's event highlights: the tags the issue page shows first (the preset's until the
    /// project sets its own).
    #[serde(default)]
    pub highlight_tags: Vec<String>,
    /// The context fields the issue page shows first, by context (`{"browser": ["name"]}`).
    #[serde(default)]
    pub highlight_context: BTreeMap<String, Vec<String>>,
    /// The highlights Sentry suggests for the project's platform.
    #[serde(default)]
    pub highlight_preset: HighlightPreset,
}

/// Event highlights a platform starts with (Sentry's `highlightPreset`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HighlightPreset {
    /// Tag keys.
    pub tags: Vec<String>,
    /// Context fields by context.
    pub context: BTreeMap<String, Vec<String>>,
}

/// Sentry's `options` of a project, the ones Cairn has: the custom inbound filters, glob
/// patterns one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectOptions {
    /// Events whose message or `Type: value` matches one of these are dropped.
    #[serde(rename = "filters:error_messages", default)]
    pub error_messages: String,
    /// Events whose release matches one of these are dropped.
    #[serde(rename = "filters:releases", default)]
    pub releases: String,
    /// Events sent from these addresses or networks (`10.0.0.0/8`) are dropped.
    #[serde(rename = "filters:blacklisted_ips", default)]
    pub blacklisted_ips: String,
}

/// The options of `PUT /api/0/projects/{org}/{project}/`: absent ones stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateProjectOptions {
    /// New error-message patterns.
    #[serde(rename = "filters:error_messages", default, skip_serializing_if = "Option::is_none")]
    pub error_messages: Option<String>,
    /// New release patterns.
    #[serde(rename = "filters:releases", default, skip_serializing_if = "Option::is_none")]
    pub releases: Option<String>,
    /// New IP addresses and networks, one per line.
    #[serde(rename = "filters:blacklisted_ips", default, skip_serializing_if = "Option::is_none")]
    pub blacklisted_ips: Option<String>,
}

/// One of a project's inbound filters (`GET /api/0/projects/{org}/{project}/filters/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFilter {
    /// `browser-extensions`, `localhost`, `legacy-browsers` or `web-crawlers`.
    pub id: String,
    /// Whether it drops events: for `legacy-browsers`, as Sentry answers, the subfilters on, or
    /// `false` when none is.
    pub active: FilterState,
    /// What it does, in Sentry's words.
    pub name: String,
    /// Why one would turn it on.
    pub description: String,
}

/// The legacy-browser subfilters a person chooses among, with Sentry's labels, in Sentry's
/// order (the API also takes Relay's `default`, a table of minimum versions, which Sentry's
/// page does not show).
pub const LEGACY_BROWSER_SUBFILTERS: &[(&str, &str)] = &[
    ("ie_pre_9", "Internet Explorer version 8 and lower"),
    ("ie9", "Internet Explorer version 9"),
    ("ie10", "Internet Explorer version 10"),
    ("ie11", "Internet Explorer version 11"),
    ("safari_pre_6", "Safari version 5 and lower"),
    ("opera_pre_15", "Opera version 14 and lower"),
    ("opera_mini_pre_8", "Opera Mini version 7 and lower"),
    ("android_pre_4", "Android version 3 and lower"),
    ("edge_pre_79", "Edge version 18 and lower"),
];

/// A filter's `active`: on or off, or the legacy-browser subfilters that are on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FilterState {
    /// On or off.
    Switch(bool),
    /// The subfilters on (never empty: no subfilter is `Switch(false)`).
    Subfilters(Vec<String>),
}

impl FilterState {
    /// The subfilters on (none for a switch).
    pub fn subfilters(&self) -> &[String] {
        match self {
            FilterState::Switch(_) => &[],
            FilterState::Subfilters(subfilters) => subfilters,
        }
    }

    /// Whether the filter drops anything.
    pub fn is_on(&self) -> bool {
        match self {
            FilterState::Switch(on) => *on,
            FilterState::Subfilters(subfilters) => !subfilters.is_empty(),
        }
    }
}

/// `PUT /api/0/projects/{org}/{project}/filters/{filter_id}/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateFilterRequest {
    /// Turn the filter on or off (`legacy-browsers`: with all its subfilters, or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// `legacy-browsers` only: the subfilters to have on (`ie_pre_9`, `ie9`, `ie10`, `ie11`,
    /// `safari_pre_6`, `opera_pre_15`, `opera_mini_pre_8`, `android_pre_4`, `edge_pre_79`,
    /// `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subfilters: Option<Vec<String>>,
}

/// `PUT /api/0/projects/{org}/{project}/`: the settings to change; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProjectRequest {
    /// New display name.
    #[serde(default)]
    pub name: Option<String>,
    /// New slug (the project's URLs and short ids change with it; its DSN does not).
    #[serde(default)]
    pub slug: Option<String>,
    /// New platform (`python`, `javascript`, ...); an empty one clears it.
    #[serde(default)]
    pub platform: Option<String>,
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
    /// Whether a new issue notifies its owners, or else the project's team.
    #[serde(default)]
    pub new_issue_alerts: Option<bool>,
    /// Project-wide rate limit; an explicit `null` removes it, and an absent one (`None`, left
    /// out when serialized) keeps it.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<Option<KeyRateLimit>>,
    /// Sentry's project options (the inbound filters' glob lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<UpdateProjectOptions>,
    /// The event highlights' tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight_tags: Option<Vec<String>>,
    /// The event highlights' context fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight_context: Option<BTreeMap<String, Vec<String>>>,
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

/// A member of an organization or a pending invitation, Sentry's member shape
/// (`GET /api/0/organizations/{org}/members/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Member id (not the user id), as a string.
    pub id: String,
    /// The user's address, or the invited address while pending.
    pub email: String,
    /// The user's name, or the address while pending.
    pub name: String,
    /// The user; `null` while the invitation is pending.
    pub user: Option<crate::api::User>,
    /// `owner`, `manager`, `admin` or `member`.
    pub org_role: String,
    /// The same as `orgRole` (Sentry's older field).
    pub role: String,
    /// Display name of the role.
    pub role_name: String,
    /// Whether the invitation has not been accepted yet.
    pub pending: bool,
    /// Whether a pending invitation's link has expired.
    pub expired: bool,
    /// When the member was added or invited.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// `approved` (Cairn has no invitation requests).
    pub invite_status: String,
    /// Slugs of the member's teams.
    pub teams: Vec<String>,
    /// The member's role in each team.
    pub team_roles: Vec<TeamRole>,
    /// The invitation link, answered only to whoever created the invitation (Cairn keeps only
    /// a hash of its secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_link: Option<String>,
    /// With `inviteLink` (Cairn's own field): whether Cairn is also emailing the link to the
    /// invited address (when the server has an SMTP server configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_emailed: Option<bool>,
}

/// A member's role in one team (`teamRoles`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamRole {
    /// Team slug.
    pub team_slug: String,
    /// `admin`, or `null` for Sentry's default `contributor`.
    pub role: Option<String>,
}

/// `POST /api/0/organizations/{org}/members/`: invite an address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteMemberRequest {
    /// The address to invite.
    pub email: String,
    /// The organization role (default `member`).
    #[serde(default)]
    pub org_role: Option<String>,
    /// Sentry's older name of `orgRole`.
    #[serde(default)]
    pub role: Option<String>,
    /// Slugs of the teams to join.
    #[serde(default)]
    pub teams: Vec<String>,
    /// Team roles, overriding `teams` for the teams they name.
    #[serde(default)]
    pub team_roles: Vec<TeamRole>,
}

/// `PUT /api/0/organizations/{org}/members/{member_id}/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMemberRequest {
    /// The new organization role.
    #[serde(default)]
    pub org_role: Option<String>,
    /// Sentry's older name of `orgRole`.
    #[serde(default)]
    pub role: Option<String>,
    /// For a pending invitation: a new link (the old one stops working); the answer carries it
    /// in `inviteLink`.
    #[serde(default)]
    pub regenerate: bool,
    /// Sentry's "resend invite": the invitation is emailed again. Cairn keeps only a hash of
    /// the link's secret, so this also makes a new link, as `regenerate` does.
    #[serde(default)]
    pub reinvite: bool,
}

/// `GET /api/0/accept-invite/{member_id}/{token}/`: what the invitation link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteDetails {
    /// The organization joined.
    pub org_slug: String,
    /// Its display name.
    pub org_name: String,
    /// The invited address.
    pub email: String,
    /// The role granted.
    pub org_role: String,
    /// Whether the request is anonymous (accepting then needs `name` and `password`, or a
    /// login).
    pub needs_authentication: bool,
    /// Whether no account has the invited address yet (accepting anonymously creates it).
    pub needs_account: bool,
    /// Whether the caller is already a member of the organization.
    pub existing_member: bool,
}

/// `POST /api/0/accept-invite/{member_id}/{token}/`: as a logged-in user, no body (or `{}`);
/// anonymously, the new account's password and optional name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInviteRequest {
    /// Display name of the new account.
    #[serde(default)]
    pub name: Option<String>,
    /// Password of the new account (at least 8 characters).
    #[serde(default)]
    pub password: Option<String>,
}

/// `POST /api/0/organizations/{org}/teams/`; `PUT /api/0/teams/{org}/{team}/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRequest {
    /// URL-safe name; derived from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Display name; the slug when absent.
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /api/0/projects/{org}/{project}/keys/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateKeyRequest {
    /// Display name (default `Default`).
    #[serde(default)]
    pub name: Option<String>,
}

/// `PUT /api/0/organizations/{org}/`: the settings to change (Sentry's fields); absent ones
/// stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateOrganizationRequest {
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The URL-safe name; the organization's URLs move with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Members must use two-factor authentication. Only a user who has it may turn it on.
    #[serde(default, rename = "require2FA", skip_serializing_if = "Option::is_none")]
    pub require_2fa: Option<bool>,
    /// Let members share issues by a public link; off, the links already given stop working.
    #[serde(default, rename = "allowSharedIssues", skip_serializing_if = "Option::is_none")]
    pub allow_shared_issues: Option<bool>,
}
