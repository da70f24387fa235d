//! Accounts, login and first-run set-up.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A user as Sentry's API shows one (`GET /api/0/` `user`, members, assignees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Numeric id, as a string (Sentry's convention).
    pub id: String,
    /// Display name (the email when no name was given).
    pub name: String,
    /// Login name; Cairn uses the email address.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Whether the user administers the whole Cairn instance.
    pub is_superuser: bool,
}

/// `POST /api/0/auth/login/`: log in with email and password; answers [`User`] and sets the
/// session cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The email address (Sentry calls the field `username`).
    pub username: String,
    /// The password.
    pub password: String,
    /// For a user with two-factor authentication: the code of their authenticator app, or one
    /// of their recovery codes. Without it, such a user's right password is answered `401`
    /// with [`TWO_FACTOR_REQUIRED`] as the detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
}

/// The `detail` of `POST /api/0/auth/login/`'s `401`: the password was right, and the user's
/// two-factor code is needed too.
pub const TWO_FACTOR_REQUIRED: &str =
    "Two-factor authentication: enter the code of your authenticator app.";

/// One of the user's two-factor interfaces (`GET /api/0/users/me/authenticators/`, Sentry's
/// shape): the authenticator app (`totp`) and the recovery codes (`recovery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authenticator {
    /// `totp` or `recovery`.
    pub id: String,
    /// The same as `id`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `Authenticator App` or `Recovery Codes`.
    pub name: String,
    /// Whether the user has set it up.
    pub is_enrolled: bool,
    /// When it was set up.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub created_at: Option<DateTime<Utc>>,
    /// When a code of it was last accepted.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Recovery codes not used yet (`recovery` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes_left: Option<i64>,
}

/// `GET /api/0/users/me/authenticators/totp/enroll/`: a new secret to set the app up with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrollment {
    /// The secret, base32 (what apps ask for when it is typed in).
    pub secret: String,
    /// The `otpauth://` URI (what a QR code holds; Sentry's field name).
    pub qrcode: String,
    /// Cairn's own: the URI's QR code as rows of modules, `#` dark and `.` light, without the
    /// quiet zone, for the dashboard to draw.
    #[serde(default, rename = "qrcodeModules")]
    pub qrcode_modules: Vec<String>,
}

/// `POST /api/0/users/me/authenticators/totp/enroll/`: the secret shown and a code the app
/// made from it, which proves the app is set up, and the user's password (a borrowed session
/// must not be able to lock its user out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollTotpRequest {
    /// The secret from the enrollment's `GET`.
    pub secret: String,
    /// A current code of the app.
    pub otp: String,
    /// The user's password.
    pub password: String,
}

/// The answer to an enrollment: the recovery codes, shown this once (Cairn keeps their
/// hashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    /// Single-use codes that stand in for the app's.
    pub recovery_codes: Vec<String>,
}

/// `DELETE /api/0/users/me/authenticators/totp/`: the password, to turn two-factor
/// authentication off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveAuthenticatorRequest {
    /// The user's password.
    pub password: String,
}

/// `GET /api/0/`: who is asking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiIndex {
    /// API version, always `"0"`.
    pub version: String,
    /// The authenticated user, `null` when anonymous.
    pub user: Option<User>,
    /// How the request was authenticated.
    pub auth: Option<AuthInfo>,
}

/// How a request was authenticated (`GET /api/0/` `auth`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthInfo {
    /// Scopes the credentials grant, e.g. `project:read`.
    pub scopes: Vec<String>,
}

/// `GET /api/0/setup/`: whether this instance still needs its first (owner) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupStatus {
    /// True until the first user exists.
    pub needs_setup: bool,
    /// Slug of the default organization, where the dashboard opens.
    pub default_organization: Option<String>,
}

/// `POST /api/0/setup/`: create the owner account on first run (refused once any user exists).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupRequest {
    /// The owner's email address.
    pub email: String,
    /// The owner's password (at least 8 characters).
    pub password: String,
    /// Optional display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A user's API token as `GET /api/0/api-tokens/` lists it (Sentry's shape); the token itself
/// is only in the answer to its creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    /// Numeric id, as a string.
    pub id: String,
    /// Label.
    pub name: Option<String>,
    /// Sentry scopes, e.g. `project:read`.
    pub scopes: Vec<String>,
    /// The last four characters, to tell tokens apart.
    pub token_last_characters: String,
    /// When it was created.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// Cairn's tokens do not expire: always `null`.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The token: only in the answer to `POST /api/0/api-tokens/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Every permission scope, in Sentry's names: what roles grant and tokens carry. Shared so that
/// the server, the dashboard's token form and the tests use one list.
pub const SCOPES: &[&str] = &[
    "org:read",
    "org:write",
    "org:admin",
    "member:read",
    "member:write",
    "member:admin",
    "team:read",
    "team:write",
    "team:admin",
    "project:read",
    "project:write",
    "project:admin",
    "project:releases",
    "event:read",
    "event:write",
    "event:admin",
    "alerts:read",
    "alerts:write",
];

/// `POST /api/0/api-tokens/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    /// Label.
    #[serde(default)]
    pub name: Option<String>,
    /// Sentry scopes to grant.
    pub scopes: Vec<String>,
}

/// `GET /api/0/users/me/`: the user's own account (Sentry's detailed user serializer, the
/// fields Cairn has).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Numeric id, as a string.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Login name: the email address.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Whether the user administers the whole Cairn instance.
    pub is_superuser: bool,
    /// Whether the user can log in with a password.
    pub has_password_auth: bool,
    /// When the account was created.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_joined: DateTime<Utc>,
    /// How many dashboard sessions (browsers logged in) the user has now (Cairn's own field).
    pub active_sessions: i64,
}

/// `PUT /api/0/users/me/`: what a user may change of their account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateAccountRequest {
    /// The new display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `PUT /api/0/users/me/password/` (Sentry's fields): the current password and the new one
/// twice. Every other session of the user ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    /// The current password.
    pub password: String,
    /// The new password (at least 8 characters).
    pub password_new: String,
    /// The new password again.
    pub password_verify: String,
}

/// `DELETE /api/0/auth/`'s optional body: `{"all": true}` ends every session of the user
/// (Sentry's "sign out of all devices"), not only this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutRequest {
    /// End every session of the user.
    #[serde(default)]
    pub all: bool,
}
