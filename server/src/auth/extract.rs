//! Request extractors: [`MaybeIdentity`] for routes anyone may call, [`Identity`] for the rest.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Method};

use super::{role_scopes, sha256_hex};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Store, StoreError, UserRow};
use crate::util::now_ms;

/// Name of the dashboard's session cookie.
pub const SESSION_COOKIE: &str = "cairn_session";

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The dashboard's session cookie; holds the hash of the cookie value (for logout).
    Session {
        /// SHA-256 of the cookie value.
        token_hash: String,
    },
    /// `Authorization: Bearer <token>` with these scopes.
    Token {
        /// Scopes granted to the token.
        scopes: Vec<String>,
    },
}

/// An authenticated user.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The user.
    pub user: UserRow,
    /// The credentials used.
    pub via: Via,
    /// The address the request came from, as far as Cairn can verify it
    /// ([`crate::endpoints::client_ip::RequestIp`]), for the audit log and login throttling.
    pub ip: Option<std::net::IpAddr>,
}

impl Identity {
    /// The scopes this request has in an organization where the user has `role`: the role's
    /// scopes, narrowed to the token's scopes when a token was used.
    pub fn scopes(&self, role: &str) -> Vec<&'static str> {
        let granted = role_scopes(role).iter().copied();
        match &self.via {
            Via::Session { .. } => granted.collect(),
            Via::Token { scopes } => granted.filter(|s| scopes.iter().any(|t| t == s)).collect(),
        }
    }

    /// Whether this request may use `scope` in an organization where the user has `role`.
    pub fn has_scope(&self, role: &str, scope: &str) -> bool {
        self.scopes(role).contains(&scope)
    }
}

/// The identity of the request, if it has valid credentials.
#[derive(Debug, Clone)]
pub struct MaybeIdentity(pub Option<Identity>);

impl<S: Store> FromRequestParts<AppState<S>> for MaybeIdentity {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| *peer);
        let ip = state.config.trusted_proxies.client_ip(&parts.headers, peer);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value.to_str().map_err(|_| ApiError::InvalidToken)?;
            let Some(token) =
                value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
            else {
                return Err(ApiError::InvalidToken);
            };
            return match state.store.user_by_token_hash(&sha256_hex(token.trim())).await {
                Ok((user, scopes)) => {
                    Ok(MaybeIdentity(Some(Identity { user, via: Via::Token { scopes }, ip })))
                }
                Err(StoreError::NotFound) => Err(ApiError::InvalidToken),
                Err(err) => Err(err.into()),
            };
        }

        let Some(cookie) = session_cookie(parts) else {
            return Ok(MaybeIdentity(None));
        };
        let token_hash = sha256_hex(&cookie);
        let user = match state.store.user_by_session_hash(&token_hash, now_ms()).await {
            Ok(user) => user,
            // An expired or unknown cookie is simply no login.
            Err(StoreError::NotFound) => return Ok(MaybeIdentity(None)),
            Err(err) => return Err(err.into()),
        };
        if !is_safe_method(&parts.method) && !same_origin(parts) {
            return Err(ApiError::CsrfFailed);
        }
        Ok(MaybeIdentity(Some(Identity { user, via: Via::Session { token_hash }, ip })))
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        MaybeIdentity::from_request_parts(parts, state).await?.0.ok_or(ApiError::Unauthenticated)
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of the session cookie, if the request carries one.
fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// CSRF protection for cookie-authenticated writes: browsers always send `Origin` (and
/// `Sec-Fetch-Site`) on cross-origin writes, so a write is accepted only when those name this
/// very site. Requests without either header do not come from a browser page of another site.
fn same_origin(parts: &Parts) -> bool {
    if let Some(site) = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}
