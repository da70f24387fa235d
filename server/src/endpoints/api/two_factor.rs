//! Two-factor authentication (Sentry's authenticators): an authenticator app (TOTP) set up from
//! the account page, its recovery codes, and [`check_code`], which the login asks once the
//! password was right.
//!
//! Setting it up and turning it off need a dashboard session: a leaked API token must not be
//! able to lock the user out or take their second factor away.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{
    Authenticator, EnrollTotpRequest, RecoveryCodes, RemoveAuthenticatorRequest, TotpEnrollment,
};

use super::account::{confirm_password, own_account, tell_owner};
use crate::auth::{self, totp, Identity, Via};
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::mailer::SecurityChange;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use crate::util::{ms_to_datetime, now_ms};

/// The only interface that is set up: the authenticator app.
const TOTP: &str = "totp";

/// The caller's own id, from a dashboard session only.
fn own_from_session(identity: &Identity, user_id: &str) -> ApiResult<i64> {
    if !matches!(identity.via, Via::Session { .. }) {
        return Err(ApiError::PermissionDenied(
            "Two-factor authentication is managed from a logged-in dashboard session, not with \
             an API token."
                .into(),
        ));
    }
    own_account(identity, user_id)
}

/// `GET /api/0/users/{user_id}/authenticators/`: the authenticator app and the recovery codes,
/// each enrolled or not.
pub async fn list_authenticators<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(user_id): Path<String>,
) -> ApiResult<AppJson<Vec<Authenticator>>> {
    let id = own_account(&identity, &user_id)?;
    let enrolled = match state.store.authenticator(id).await {
        Ok(row) => Some(row),
        Err(StoreError::NotFound) => None,
        Err(err) => return Err(err.into()),
    };
    let interface = |id: &str, name: &str, codes_left: Option<i64>| Authenticator {
        id: id.to_owned(),
        kind: id.to_owned(),
        name: name.to_owned(),
        is_enrolled: enrolled.is_some(),
        created_at: enrolled.as_ref().map(|row| ms_to_datetime(row.date_created)),
        last_used_at: enrolled.as_ref().and_then(|row| row.last_used_at.map(ms_to_datetime)),
        codes_left,
    };
    let codes_left = Some(enrolled.as_ref().map_or(0, |row| row.recovery_codes_left));
    Ok(AppJson(vec![
        interface(TOTP, "Authenticator App", None),
        interface("recovery", "Recovery Codes", codes_left),
    ]))
}

/// `GET /api/0/users/{user_id}/authenticators/totp/enroll/`: a new secret, not kept until a
/// code of it comes back.
pub async fn enrollment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((user_id, interface)): Path<(String, String)>,
) -> ApiResult<AppJson<TotpEnrollment>> {
    let id = own_from_session(&identity, &user_id)?;
    if interface != TOTP {
        return Err(ApiError::NotFound);
    }
    if state.store.authenticator(id).await.is_ok() {
        return Err(ApiError::Conflict("Two-factor authentication is already set up.".into()));
    }
    let secret = totp::new_secret();
    let qrcode = totp::otpauth_uri(&secret, &identity.user.email, "Cairn");
    let qrcode_modules = totp::qr_rows(&qrcode);
    Ok(AppJson(TotpEnrollment { secret, qrcode, qrcode_modules }))
}

/// `POST /api/0/users/{user_id}/authenticators/totp/enroll/` with the secret, a code the app
/// made from it and the password: the app is set up, and the answer holds the recovery codes,
/// this once.
pub async fn enroll<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((user_id, interface)): Path<(String, String)>,
    AppJson(request): AppJson<EnrollTotpRequest>,
) -> ApiResult<AppJson<RecoveryCodes>> {
    let id = own_from_session(&identity, &user_id)?;
    if interface != TOTP {
        return Err(ApiError::NotFound);
    }
    confirm_password(&state, &identity, request.password.clone()).await?;
    let secret = match totp::base32_decode(&request.secret) {
        Some(bytes) if bytes.len() >= 10 => bytes,
        _ => return Err(ApiError::invalid("secret", "Not a secret of an enrollment.")),
    };
    let Some(step) = totp::verify(&secret, &request.otp, now_ms() / 1000) else {
        return Err(ApiError::invalid("otp", "Invalid confirmation code. Try again."));
    };
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|code| auth::sha256_hex(code)).collect();
    let secret: String = request.secret.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    state.store.enroll_authenticator(id, &secret.to_ascii_uppercase(), &hashes).await.map_err(
        |err| match err {
            StoreError::Conflict(_) => {
                ApiError::Conflict("Two-factor authentication is already set up.".into())
            }
            other => other.into(),
        },
    )?;
    // The code that proved the app cannot log in as well.
    state.store.use_totp_step(id, step).await?;
    tell_owner(&state, &identity, SecurityChange::TwoFactorOn);
    Ok(AppJson(RecoveryCodes { recovery_codes: codes }))
}

/// `DELETE /api/0/users/{user_id}/authenticators/totp/` with the password: two-factor
/// authentication off, recovery codes gone. Wrong passwords count as failed logins.
pub async fn remove<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((user_id, interface)): Path<(String, String)>,
    AppJson(request): AppJson<RemoveAuthenticatorRequest>,
) -> ApiResult<StatusCode> {
    let id = own_from_session(&identity, &user_id)?;
    if interface != TOTP {
        return Err(ApiError::NotFound);
    }
    confirm_password(&state, &identity, request.password).await?;
    state.store.remove_authenticator(id).await?;
    tell_owner(&state, &identity, SecurityChange::TwoFactorOff);
    Ok(StatusCode::NO_CONTENT)
}

/// Whether `code` passes the user's second factor: a current code of their app not used
/// before, or one of their recovery codes, which is then used up.
pub(super) async fn check_code<S: Store>(
    state: &AppState<S>,
    user_id: i64,
    code: &str,
) -> ApiResult<bool> {
    let authenticator = state.store.authenticator(user_id).await?;
    if let Some(secret) = totp::base32_decode(&authenticator.totp_secret) {
        if let Some(step) = totp::verify(&secret, code, now_ms() / 1000) {
            return Ok(state.store.use_totp_step(user_id, step).await?);
        }
    }
    let recovery = totp::normalize_recovery_code(code);
    Ok(state.store.use_recovery_code(user_id, &auth::sha256_hex(&recovery)).await?)
}
