//! Who am I, first-run set-up, login and logout.

use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use cairn_types::api::{ApiIndex, AuthInfo, LoginRequest, SetupRequest, SetupStatus, User};

use super::Created;
use crate::auth::{self, Identity, MaybeIdentity, Via, SESSION_COOKIE};
use crate::config::Config;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{NewSession, NewUser, Store, StoreError, UserRow};
use crate::util::now_ms;

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
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    AppJson(request): AppJson<LoginRequest>,
) -> ApiResult<Response> {
    let invalid = || ApiError::BadRequest("Invalid email or password.".into());
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let email = request.username.trim().to_lowercase();
    if let Err(wait) = state.login_throttle.check(&email, ip.as_deref(), Instant::now()) {
        return Err(ApiError::TooManyRequests {
            detail: "Too many failed login attempts. Try again later.".into(),
            // Rounded up: retrying at the announced second must not be refused again.
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        });
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
    state.login_throttle.succeeded(&email);
    let cookie = start_session(&state, &user).await?;
    Ok(with_cookie(AppJson(serialize::user(&user)).into_response(), cookie))
}

/// `DELETE /api/0/auth/`: ends the session and clears the cookie.
pub async fn logout<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
) -> ApiResult<Response> {
    if let Via::Session { token_hash } = &identity.via {
        state.store.delete_session(token_hash).await?;
    }
    let clear = session_cookie(&state.config, "", 0);
    Ok(with_cookie(StatusCode::NO_CONTENT.into_response(), clear))
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| auth::hash_password("not a real password").unwrap_or_default());

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
