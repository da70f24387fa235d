//! A user's API tokens: `GET`/`POST /api/0/api-tokens/`, `DELETE /api/0/api-tokens/{id}/`.
//!
//! As in Sentry, only a logged-in dashboard session manages tokens: a token that could mint
//! tokens would let a narrow token grant itself wider scopes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{ApiToken, NewApiToken as NewTokenRequest};

use super::Created;
use crate::auth::{new_api_token, sha256_hex, Identity, Via, ALL_SCOPES};
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{ApiTokenRow, NewApiToken, Store, StoreError};
use crate::util::ms_to_datetime;

/// Longest token label.
const MAX_NAME_LEN: usize = 255;

fn session_only(identity: &Identity) -> ApiResult<()> {
    match identity.via {
        Via::Session { .. } => Ok(()),
        Via::Token { .. } => Err(ApiError::Forbidden),
    }
}

fn api_token(row: &ApiTokenRow, token: Option<String>) -> ApiToken {
    ApiToken {
        id: row.id.to_string(),
        name: row.name.clone(),
        scopes: row.scopes.clone(),
        token_last_characters: row.last_four.clone(),
        date_created: ms_to_datetime(row.date_created),
        expires_at: None,
        token,
    }
}

/// `GET /api/0/api-tokens/`: the caller's tokens, newest first.
pub async fn list_tokens<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
) -> ApiResult<AppJson<Vec<ApiToken>>> {
    session_only(&identity)?;
    let rows = state.store.api_tokens(identity.user.id).await?;
    Ok(AppJson(rows.iter().map(|row| api_token(row, None)).collect()))
}

/// `POST /api/0/api-tokens/`: a new token with the given scopes; the answer is the only time
/// the token is shown.
pub async fn create_token<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    AppJson(request): AppJson<NewTokenRequest>,
) -> ApiResult<Created<ApiToken>> {
    session_only(&identity)?;
    if request.scopes.is_empty() {
        return Err(ApiError::BadRequest("scopes: give at least one scope.".into()));
    }
    if let Some(unknown) = request.scopes.iter().find(|s| !ALL_SCOPES.contains(&s.as_str())) {
        return Err(ApiError::BadRequest(format!("scopes: unknown scope {unknown:?}.")));
    }
    let name = request.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME_LEN) {
        return Err(ApiError::BadRequest(format!("name: at most {MAX_NAME_LEN} characters.")));
    }
    let mut scopes = request.scopes;
    scopes.sort();
    scopes.dedup();
    let token = new_api_token();
    let last_four = token[token.len() - 4..].to_owned();
    let id = state
        .store
        .create_api_token(&NewApiToken {
            user_id: identity.user.id,
            token_hash: sha256_hex(&token),
            last_four: last_four.clone(),
            scopes: scopes.clone(),
            name: name.clone(),
        })
        .await?;
    let row = ApiTokenRow { id, name, scopes, last_four, date_created: crate::util::now_ms() };
    Ok((StatusCode::CREATED, AppJson(api_token(&row, Some(token)))))
}

/// `DELETE /api/0/api-tokens/{id}/`: revokes one of the caller's tokens at once.
pub async fn delete_token<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(token_id): Path<String>,
) -> ApiResult<StatusCode> {
    session_only(&identity)?;
    let token_id: i64 = token_id.parse().map_err(|_| ApiError::NotFound)?;
    match state.store.delete_api_token(identity.user.id, token_id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::NotFound) => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}
