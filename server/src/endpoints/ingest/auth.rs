//! Sentry's client authentication, read in Relay's order: `X-Sentry-Auth`, `Authorization:
//! Sentry ...`, `Authorization: Basic`, the query string, and (for tunnelled envelopes, by the
//! caller) the envelope header's `dsn`.

use axum::http::{header, HeaderMap};
use base64::Engine;

use super::error::IngestError;

/// The credentials of an ingest request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentryAuth {
    /// The DSN's public key.
    pub public_key: String,
    /// Protocol version (7 today).
    pub version: u32,
}

/// Reads the credentials from the headers and query string. `Ok(None)` when there are none
/// (the caller may still find a `dsn` in an envelope header).
pub fn from_request(
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Option<SentryAuth>, IngestError> {
    let mut found: Vec<SentryAuth> = Vec::new();
    if let Some(value) = headers.get("x-sentry-auth") {
        let value = value.to_str().map_err(|_| IngestError::BadAuthHeader)?;
        if let Some(auth) = parse_sentry_header(value)? {
            found.push(auth);
        }
    }
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| IngestError::BadAuthHeader)?;
        if let Some(auth) = parse_sentry_header(value)? {
            found.push(auth);
        } else if let Some(auth) = parse_basic(value)? {
            found.push(auth);
        }
    }
    if let Some(query) = query.filter(|q| q.contains("sentry_")) {
        if let Some(auth) = from_pairs(form_urlencoded::parse(query.as_bytes()))? {
            found.push(auth);
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(IngestError::MultipleAuth),
    }
}

/// Reads the public key from a DSN (`http://KEY[:SECRET]@host/path/PROJECT_ID`), returning it
/// with the project id the DSN names.
pub fn from_dsn(dsn: &str) -> Result<(SentryAuth, String), IngestError> {
    let (_, rest) = dsn.split_once("://").ok_or(IngestError::BadEnvelopeAuth)?;
    let (userinfo, location) = rest.split_once('@').ok_or(IngestError::BadEnvelopeAuth)?;
    let public_key = userinfo.split(':').next().unwrap_or_default();
    let project_id = location.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    let public_key = validate_key(public_key)?;
    Ok((SentryAuth { public_key, version: 7 }, project_id.to_owned()))
}

/// `Sentry sentry_key=..., sentry_version=7` (the scheme is case-insensitive). `None` when the
/// header uses another scheme.
fn parse_sentry_header(value: &str) -> Result<Option<SentryAuth>, IngestError> {
    let value = value.trim();
    let Some((scheme, rest)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("sentry") {
        return Ok(None);
    }
    let pairs = rest.split(',').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        Some((k.trim().into(), v.trim().into()))
    });
    from_pairs::<std::borrow::Cow<'_, str>>(pairs)?.map(Some).ok_or(IngestError::BadAuthHeader)
}

/// `Authorization: Basic base64(<public_key>:<anything>)`.
fn parse_basic(value: &str) -> Result<Option<SentryAuth>, IngestError> {
    let Some(encoded) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))
    else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| IngestError::BadAuthHeader)?;
    let decoded = String::from_utf8(decoded).map_err(|_| IngestError::BadAuthHeader)?;
    let key = decoded.split(':').next().unwrap_or_default();
    Ok(Some(SentryAuth { public_key: validate_key(key)?, version: 7 }))
}

fn from_pairs<S: AsRef<str>>(
    pairs: impl Iterator<Item = (S, S)>,
) -> Result<Option<SentryAuth>, IngestError> {
    let mut key = None;
    let mut version = 7;
    for (name, value) in pairs {
        match name.as_ref() {
            "sentry_key" => key = Some(value.as_ref().to_owned()),
            "sentry_version" => {
                // "7.0" counts as 7: the integer before the first dot.
                let major = value.as_ref().split('.').next().unwrap_or_default();
                version = major.parse().map_err(|_| IngestError::BadAuthHeader)?;
            }
            _ => {}
        }
    }
    let Some(key) = key else {
        return Ok(None);
    };
    if version > 7 {
        return Err(IngestError::UnsupportedVersion(version));
    }
    Ok(Some(SentryAuth { public_key: validate_key(&key)?, version }))
}

/// Public keys are 32 hex digits; anything else cannot be one of ours.
fn validate_key(key: &str) -> Result<String, IngestError> {
    let key = key.trim();
    if key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(key.to_ascii_lowercase())
    } else {
        Err(IngestError::BadPublicKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("header"));
        }
        map
    }

    #[test]
    fn reads_x_sentry_auth() {
        let h = headers(&[(
            "x-sentry-auth",
            &format!("Sentry sentry_version=7, sentry_client=x/1, sentry_key={KEY}"),
        )]);
        assert_eq!(from_request(&h, None).expect("ok").expect("auth").public_key, KEY);
    }

    #[test]
    fn reads_query_string() {
        let q = format!("sentry_key={KEY}&sentry_version=7.0");
        assert_eq!(
            from_request(&HeaderMap::new(), Some(&q)).expect("ok").expect("auth").public_key,
            KEY
        );
    }

    #[test]
    fn refuses_two_places() {
        let h = headers(&[("x-sentry-auth", &format!("Sentry sentry_key={KEY}"))]);
        let q = format!("sentry_key={KEY}");
        assert!(matches!(from_request(&h, Some(&q)), Err(IngestError::MultipleAuth)));
    }

    #[test]
    fn refuses_newer_protocol_and_bad_keys() {
        let h =
            headers(&[("x-sentry-auth", &format!("Sentry sentry_key={KEY}, sentry_version=8"))]);
        assert!(matches!(from_request(&h, None), Err(IngestError::UnsupportedVersion(8))));
        let h = headers(&[("x-sentry-auth", "Sentry sentry_key=nothex")]);
        assert!(matches!(from_request(&h, None), Err(IngestError::BadPublicKey)));
    }

    #[test]
    fn reads_dsn_of_tunnelled_envelope() {
        let (auth, project) =
            from_dsn(&format!("https://{KEY}@o1.example.com/prefix/42")).expect("dsn");
        assert_eq!(auth.public_key, KEY);
        assert_eq!(project, "42");
    }
}
