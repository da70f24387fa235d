//! The Sentry-facing contract: every way an ingest request can fail, with the status codes and
//! texts Relay (Sentry's ingestion service) answers, because SDKs act on them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cairn_types::api::ErrorBody;

/// An ingest request that is refused.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No credentials anywhere.
    #[error("missing authorization information")]
    MissingAuth,
    /// Credentials in more than one place.
    #[error("multiple authorization payloads detected")]
    MultipleAuth,
    /// An `X-Sentry-Auth` / `Authorization: Sentry` header that cannot be read.
    #[error("bad x-sentry-auth header")]
    BadAuthHeader,
    /// A tunnelled envelope whose header line cannot be read for its `dsn`.
    #[error("bad envelope authentication header")]
    BadEnvelopeAuth,
    /// An empty or malformed public key.
    #[error("bad sentry DSN public key")]
    BadPublicKey,
    /// `sentry_version` newer than 7.
    #[error("unsupported protocol version ({0})")]
    UnsupportedVersion(u32),
    /// The project id in the path is not a number.
    #[error("bad project path parameter")]
    BadProjectPath,
    /// Unknown or disabled key, or a key of another project.
    #[error("event submission rejected with_reason: {0}")]
    Rejected(&'static str),
    /// Nothing was sent.
    #[error("empty request body")]
    EmptyBody,
    /// The envelope framing is broken.
    #[error("invalid event envelope")]
    InvalidEnvelope(#[source] crate::ingest::envelope::EnvelopeError),
    /// A body of the wrong kind (`invalid multipart data`, `invalid minidump`, ...).
    #[error("{0}")]
    Invalid(&'static str),
    /// A `/store/` body that is not a JSON object.
    #[error("{0}")]
    InvalidJson(#[from] crate::ingest::event::EventError),
    /// The body is larger than allowed after decompression.
    #[error("request body exceeded the size limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// An item is larger than its type allows.
    #[error("envelope exceeded size limits for type '{0}' (https://develop.sentry.dev/sdk/envelopes/#size-limits)")]
    ItemTooLarge(&'static str),
    /// A compressed body that does not decompress.
    #[error("failed to decode {0} payload")]
    Decode(&'static str),
    /// A `Content-Encoding` Cairn does not decode. Relay's decompression layer (tower-http)
    /// answers `415` and lists what it accepts in `Accept-Encoding`; taking the body as it is
    /// would let a compressed body through as garbage, or an encoded one past the size limit.
    #[error("unsupported content encoding")]
    UnsupportedEncoding,
    /// The request conflicts with what is stored (a user report about an event too old, or
    /// replacing one sent too long ago): Sentry's `409`.
    #[error("{0}")]
    Conflict(&'static str),
    /// A key or project rate limit was reached.
    #[error("Sentry dropped data due to a quota or internal rate limit being reached. This will not affect your application. See https://docs.sentry.io/product/accounts/quotas/ for more information.")]
    RateLimited {
        /// Seconds until the limit resets.
        retry_after: u64,
        /// `key` or `project`.
        scope: &'static str,
    },
    /// Too many requests are waiting to be written: shed load instead of holding them all.
    #[error("the service is overloaded")]
    Overloaded,
    /// The event could not be stored; nothing was acknowledged.
    #[error("failed to queue envelope")]
    Unavailable(#[source] crate::store::StoreError),
}

impl IngestError {
    /// The HTTP status of this error, as Relay answers it.
    pub fn status(&self) -> StatusCode {
        use IngestError::*;
        match self {
            MissingAuth | MultipleAuth | BadAuthHeader | BadEnvelopeAuth => {
                StatusCode::UNAUTHORIZED
            }
            BadPublicKey
            | UnsupportedVersion(_)
            | BadProjectPath
            | EmptyBody
            | InvalidEnvelope(_)
            | InvalidJson(_)
            | ItemTooLarge(_)
            | Decode(_)
            | Invalid(_) => StatusCode::BAD_REQUEST,
            Rejected(_) => StatusCode::FORBIDDEN,
            Conflict(_) => StatusCode::CONFLICT,
            RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedEncoding => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let IngestError::Unavailable(err) = &self {
            tracing::error!(error = err as &dyn std::error::Error, "could not store events");
        }
        let mut body = ErrorBody::new(self.to_string());
        let mut source = std::error::Error::source(&self);
        while let Some(cause) = source {
            body.causes.push(cause.to_string());
            source = cause.source();
        }
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&self.to_string()) {
            headers.insert("x-sentry-error", value);
        }
        match &self {
            IngestError::RateLimited { retry_after, scope } => {
                // Error events are what the limits count; an empty category list would stop
                // sessions and client reports too.
                let limits = format!("{retry_after}:default;error;security;transaction:{scope}");
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
                if let Ok(value) = HeaderValue::from_str(&limits) {
                    headers.insert("x-sentry-rate-limits", value);
                }
            }
            IngestError::UnsupportedEncoding => {
                headers.insert(
                    header::ACCEPT_ENCODING,
                    HeaderValue::from_static("gzip, deflate, br, zstd"),
                );
            }
            IngestError::Overloaded | IngestError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}
