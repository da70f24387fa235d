//! Errors of the REST API, each mapped to its HTTP status and a `{"detail": "..."}` body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use cairn_types::api::ErrorBody;

use crate::store::StoreError;

/// An error answered by a `/api/0/` endpoint.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; the text says how.
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, on a route that needs them.
    #[error("Authentication credentials were not provided.")]
    Unauthenticated,
    /// The right password of a user with two-factor authentication, without their code.
    #[error("{}", cairn_types::api::TWO_FACTOR_REQUIRED)]
    TwoFactorRequired,
    /// A bearer token that is unknown or malformed.
    #[error("Invalid token")]
    InvalidToken,
    /// A cookie-authenticated write from another site.
    #[error("CSRF verification failed: the request did not come from this site.")]
    CsrfFailed,
    /// Authenticated, but not allowed.
    #[error("You do not have permission to perform this action.")]
    Forbidden,
    /// Fields that fail validation, answered in Sentry's serializer shape
    /// (`{"raw": ["Parse error: ... (line 3)"]}`) with a `detail` that joins the messages.
    #[error("{}", join_messages(.0))]
    InvalidFields(std::collections::BTreeMap<String, Vec<String>>),
    /// Not allowed, for a reason the caller should read (e.g. removing the only owner).
    #[error("{0}")]
    PermissionDenied(String),
    /// Too many attempts (logins); retry after this many seconds.
    #[error("{detail}")]
    TooManyRequests {
        /// What the client is told.
        detail: String,
        /// Seconds until the next attempt may succeed (`Retry-After`).
        retry_after_secs: u64,
    },
    /// The resource does not exist (or is not visible to the caller).
    #[error("The requested resource does not exist")]
    NotFound,
    /// The request conflicts with existing data (e.g. a taken slug).
    #[error("{0}")]
    Conflict(String),
    /// A failure inside Cairn; details go to the log, not to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidFields(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated | ApiError::InvalidToken | ApiError::TwoFactorRequired => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::CsrfFailed | ApiError::Forbidden | ApiError::PermissionDenied(_) => {
                StatusCode::FORBIDDEN
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::LastOwner => ApiError::PermissionDenied(
                "You cannot remove the only owner of the organization.".into(),
            ),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = &self as &dyn std::error::Error, "request failed");
        }
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        };
        let mut response = match &self {
            ApiError::InvalidFields(fields) => {
                let mut body = serde_json::Map::new();
                for (field, messages) in fields {
                    body.insert(field.clone(), serde_json::json!(messages));
                }
                body.insert("detail".into(), self.to_string().into());
                (status, Json(serde_json::Value::Object(body))).into_response()
            }
            _ => (status, Json(ErrorBody::new(self.to_string()))).into_response(),
        };
        if let Some(secs) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

fn join_messages(fields: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    let messages: Vec<String> = fields
        .iter()
        .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}: {m}")))
        .collect();
    messages.join(" ")
}

impl ApiError {
    /// One invalid field with one message.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::InvalidFields([(field.to_owned(), vec![message.into()])].into())
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
