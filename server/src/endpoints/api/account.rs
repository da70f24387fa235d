//! Who am I, first-run set-up, login and logout, and the user's own account: name, password,
//! sessions.

use std::sync::LazyLock;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_types::api::{
    Account, ApiIndex, AuthInfo, ChangePasswordRequest, LoginRequest, LogoutRequest, SetupRequest,
    SetupStatus, UpdateAccountRequest, User,
};

use super::Created;
use crate::auth::{self, Identity, MaybeIdentity, Via, SESSION_COOKIE};
use crate::config::Config;
use crate::endpoints::client_ip::RequestIp;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::mailer::SecurityChange;
use crate::serialize;
use crate::state::AppState;
use crate::store::{NewSession, NewUser, Store, StoreError, UserRow};
use crate::util::{ms_to_datetime, now_ms};

/// `GET /api/0/`: the API version and who is asking (`user` is `null` when anonymous).
pub async fn index<S: Store>(
    State(state): State<AppState<S>>,
    MaybeIdentity(identity): MaybeIdentity,
) -> ApiResult<AppJson<ApiIndex>> {
    let Some(identity) = identity else {
        return Ok(AppJson(ApiIndex { version: "0".into(), user: None, auth: None }));
    };
    let scopes = match &identity.via {
        Via::Token { scopes } => scopes.clone(),
        Via::Session { .. } => {
            let orgs = state.store.organizations_of_user(identity.user.id).await?;
            let role = orgs.first().map(|(_, role)| role.as_str()).unwrap_or("");
            identity.scopes(role).into_iter().map(str::to_owned).collect()
        }
    };
    Ok(AppJson(ApiIndex {
        version: "0".into(),
        user: Some(serialize::user(&identity.user)),
        auth: Some(AuthInfo { scopes }),
    }))
}

/// `GET /api/0/setup/`: whether the owner account still has to be created.
pub async fn setup_status<S: Store>(
    State(state): State<AppState<S>>,
) -> ApiResult<AppJson<SetupStatus>> {
    let needs_setup = state.store.count_users().await? == 0;
    let org = state.store.ensure_default_organization(&crate::config::defaults()).await?;
    Ok(AppJson(SetupStatus { needs_setup, default_organization: Some(org.slug) }))
}

/// `POST /api/0/setup/`: creates the owner account on a fresh instance and logs it in. Refused
/// with 403 once any user exists, so it cannot be used to take over an instance.
pub async fn setup<S: Store>(
    State(state): State<AppState<S>>,
    AppJson(request): AppJson<SetupRequest>,
) -> ApiResult<Response> {
    let email = validate_email(&request.email)?;
    validate_password(&request.password)?;
    let password_hash = hash_password(request.password).await?;
    let org = state.store.ensure_default_organization(&crate::config::defaults()).await?;
    let name = request.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| email.clone());
    let new_user = NewUser { email, name, password_hash: Some(password_hash), is_superuser: true };
    let user = match state.store.create_first_user(&new_user, org.id).await {
        Ok(user) => user,
        Err(StoreError::Conflict(_)) => return Err(ApiError::Forbidden),
        Err(err) => return Err(err.into()),
    };
    let cookie = start_session(&state, &user).await?;
    let created: Created<User> = (StatusCode::CREATED, AppJson(serialize::user(&user)));
    Ok(with_cookie(created.into_response(), cookie))
}

/// `POST /api/0/auth/login/`: checks email and password and sets the session cookie. After
/// too many failures for the email (or from the client address) every attempt is answered 429
/// until the window has passed, even with the right password: otherwise the answer would tell
/// a guesser when they have found it.
pub async fn login<S: Store>(
    State(state): State<AppState<S>>,
    RequestIp(ip): RequestIp,
    AppJson(request): AppJson<LoginRequest>,
) -> ApiResult<Response> {
    let invalid = || ApiError::BadRequest("Invalid email or password.".into());
    let ip = ip.map(|ip| ip.to_string());
    let email = request.username.trim().to_lowercase();
    if let Err(wait) = state.login_throttle.check(&email, ip.as_deref(), Instant::now()) {
        return Err(throttled(wait, "Too many failed login attempts. Try again later."));
    }
    let user = match state.store.user_by_email(request.username.trim()).await {
        Ok(user) => Some(user),
        Err(StoreError::NotFound) => None,
        Err(err) => return Err(err.into()),
    };
    // Verify against a dummy hash when the user does not exist, so the answer takes as long
    // either way and does not reveal which emails have accounts.
    let hash =
        user.as_ref().and_then(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    let password = request.password;
    let valid = tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let user = match user {
        Some(user) if valid && user.password_hash.is_some() => user,
        _ => {
            state.login_throttle.failed(&email, ip.as_deref(), Instant::now());
            return Err(invalid());
        }
    };
    match state.store.authenticator(user.id).await {
        Ok(_) => {
            let Some(code) = request.otp.filter(|code| !code.trim().is_empty()) else {
                return Err(ApiError::TwoFactorRequired);
            };
            if !super::two_factor::check_code(&state, user.id, &code).await? {
                state.login_throttle.failed(&email, ip.as_deref(), Instant::now());
                return Err(ApiError::BadRequest("Invalid two-factor code.".into()));
            }
        }
        Err(StoreError::NotFound) => {}
        Err(err) => return Err(err.into()),
    }
    state.login_throttle.succeeded(&email);
    let cookie = start_session(&state, &user).await?;
    Ok(with_cookie(AppJson(serialize::user(&user)).into_response(), cookie))
}

/// `DELETE /api/0/auth/`: ends the session and clears the cookie; with `{"all": true}`
/// (Sentry's "sign out of all devices") every session of the user ends.
pub async fn logout<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    body: Bytes,
) -> ApiResult<Response> {
    // The body is optional: `DELETE` requests usually have none.
    let request: LogoutRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LogoutRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("Invalid JSON body: {e}")))?
    };
    if request.all {
        state.store.delete_user_sessions(identity.user.id, None).await?;
    } else if let Via::Session { token_hash } = &identity.via {
        state.store.delete_session(token_hash).await?;
    }
    let clear = session_cookie(&state.config, "", 0);
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), clear))
}

/// The caller's id, if a `/users/{user_id}/` path names them (`me` or their id): a password
/// and a second factor are nobody else's to manage.
pub(super) fn own_account(identity: &Identity, user_id: &str) -> ApiResult<i64> {
    if user_id == "me" || user_id == identity.user.id.to_string() {
        Ok(identity.user.id)
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The user a `/users/{user_id}/` path names: the caller, or, for an instance administrator,
/// anyone (Sentry's `UserPermission`); an unknown id is the store's `404`.
fn named_user(identity: &Identity, user_id: &str) -> ApiResult<i64> {
    match own_account(identity, user_id) {
        Err(_) if identity.user.is_superuser => user_id.parse().map_err(|_| ApiError::NotFound),
        own => own,
    }
}

fn account_response(row: crate::store::AccountRow) -> Account {
    Account {
        id: row.user.id.to_string(),
        name: row.user.name,
        username: row.user.email.clone(),
        email: row.user.email,
        is_superuser: row.user.is_superuser,
        has_password_auth: row.user.password_hash.is_some(),
        date_joined: ms_to_datetime(row.date_joined),
        active_sessions: row.active_sessions,
    }
}

/// `GET /api/0/users/{user_id}/` (`me` for oneself): the account.
pub async fn get_account<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(user_id): Path<String>,
) -> ApiResult<AppJson<Account>> {
    let id = named_user(&identity, &user_id)?;
    Ok(AppJson(account_response(state.store.account(id, now_ms()).await?)))
}

/// Longest display name kept (Sentry's `User.name` column).
const MAX_NAME_CHARS: usize = 200;

/// `PUT /api/0/users/{user_id}/`: renames the user.
pub async fn update_account<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(user_id): Path<String>,
    AppJson(request): AppJson<UpdateAccountRequest>,
) -> ApiResult<AppJson<Account>> {
    let id = named_user(&identity, &user_id)?;
    if let Some(name) = request.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::invalid("name", "This field may not be blank."));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(ApiError::invalid(
                "name",
                format!("Ensure this field has no more than {MAX_NAME_CHARS} characters."),
            ));
        }
        state.store.set_user_name(id, name).await?;
    }
    Ok(AppJson(account_response(state.store.account(id, now_ms()).await?)))
}

/// `PUT /api/0/users/{user_id}/password/`: changes one's own password, given the current one.
/// Every other session of the user ends, so whoever knew the old password is logged out; the
/// session that asked stays. Only a dashboard session may do it: a leaked API token must not
/// become the account. Wrong current passwords count as failed logins, so that a borrowed
/// session cannot guess its way to the password.
pub async fn change_password<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(user_id): Path<String>,
    AppJson(request): AppJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    let Via::Session { token_hash } = &identity.via else {
        return Err(ApiError::PermissionDenied(
            "A password is changed from a logged-in dashboard session, not with an API token."
                .into(),
        ));
    };
    own_account(&identity, &user_id)?;
    if identity.user.password_hash.is_none() {
        return Err(ApiError::invalid("password", "This account has no password to change."));
    }
    confirm_password(&state, &identity, request.password).await?;
    if request.password_new != request.password_verify {
        return Err(ApiError::invalid(
            "passwordVerify",
            "The passwords you entered did not match.",
        ));
    }
    validate_password(&request.password_new)
        .map_err(|e| ApiError::invalid("passwordNew", e.to_string()))?;
    let new_hash = hash_password(request.password_new).await?;
    state.store.set_user_password(identity.user.id, &new_hash, Some(token_hash)).await?;
    tell_owner(&state, &identity, SecurityChange::PasswordChanged);
    Ok(StatusCode::NO_CONTENT)
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| auth::hash_password("not a real password").unwrap_or_default());

/// Emails the user of `identity` that `change` was made to their account (when Cairn has a
/// mail server): whoever made it without them, they learn of it.
pub(super) fn tell_owner<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    change: SecurityChange,
) {
    if let Some(mailer) = &state.mailer {
        let ip = identity.ip.map(|ip| ip.to_string());
        mailer.send_security_notice(&identity.user.email, change, ip.as_deref());
    }
}

/// The `429` of a throttled attempt; `wait` is rounded up, so that retrying at the announced
/// second is not refused again.
fn throttled(wait: std::time::Duration, detail: &str) -> ApiError {
    ApiError::TooManyRequests {
        detail: detail.to_owned(),
        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

/// A logged-in user proves their password again (to change it, or to turn two-factor
/// authentication off): a wrong one counts as a failed login, so that a borrowed session
/// cannot guess its way to the password, and none is checked while the user or the client
/// address is throttled.
pub(super) async fn confirm_password<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    password: String,
) -> ApiResult<()> {
    let ip = identity.ip.map(|ip| ip.to_string());
    let email = &identity.user.email;
    if let Err(wait) = state.login_throttle.check(email, ip.as_deref(), Instant::now()) {
        return Err(throttled(wait, "Too many failed attempts. Try again later."));
    }
    if !password_matches(&identity.user, password).await? {
        state.login_throttle.failed(email, ip.as_deref(), Instant::now());
        return Err(ApiError::invalid("password", "The password you entered is not correct."));
    }
    Ok(())
}

/// Whether `password` is the user's (argon2 takes a while: off the runtime's threads).
async fn password_matches(user: &UserRow, password: String) -> ApiResult<bool> {
    let Some(hash) = user.password_hash.clone() else {
        return Ok(false);
    };
    tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))
}

pub(super) async fn hash_password(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .map_err(|e| ApiError::Internal(e.to_string().into()))
}

/// Creates a session for the user; returns the `Set-Cookie` value.
pub(super) async fn start_session<S: Store>(
    state: &AppState<S>,
    user: &UserRow,
) -> ApiResult<String> {
    let token = auth::random_hex(32);
    let lifetime = auth::SESSION_LIFETIME_MS;
    state
        .store
        .create_session(&NewSession {
            token_hash: auth::sha256_hex(&token),
            user_id: user.id,
            expires_at: now_ms() + lifetime,
        })
        .await?;
    Ok(session_cookie(&state.config, &token, lifetime / 1000))
}

/// The session cookie: HttpOnly (scripts cannot read it), SameSite=Lax (not sent on cross-site
/// writes), Secure when Cairn is served over https.
fn session_cookie(config: &Config, value: &str, max_age_secs: i64) -> String {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

pub(super) fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        let headers: &mut HeaderMap = response.headers_mut();
        headers.append(header::SET_COOKIE, value);
    }
    response
}

/// A plausible email address, lower-cased.
pub fn validate_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !email.contains(' ') =>
        {
            Ok(email)
        }
        _ => Err(ApiError::BadRequest("Enter a valid email address.".into())),
    }
}

/// Passwords need at least 8 characters (Sentry's minimum).
pub fn validate_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < 8 {
        return Err(ApiError::BadRequest(
            "This password is too short. It must contain at least 8 characters.".into(),
        ));
    }
    Ok(())
}
