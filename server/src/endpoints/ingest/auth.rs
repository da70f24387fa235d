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
    /// `sentry_client`: the SDK and its version (`raven-python/6.10.0`), if it said.
    pub client: Option<String>,
}

/// Reads the credentials from the headers and query string, as Relay's `auth_from_parts` does:
/// each place is read in turn, a second place holding credentials is refused before it is
/// parsed, and the key and version are checked last. `Ok(None)` when there are none (the
/// caller may still find a `dsn` in an envelope header).
pub fn from_request(
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Option<SentryAuth>, IngestError> {
    // A header value that is not visible ASCII cannot hold credentials: Relay skips it, as it
    // skips a header of another scheme.
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let authorization = text(header::AUTHORIZATION.as_str());
    let mut found: Option<RawAuth> = None;
    if let Some(rest) = text("x-sentry-auth").and_then(sentry_scheme) {
        found = Some(parse_sentry_pairs(rest)?);
    }
    if let Some(rest) = authorization.and_then(sentry_scheme) {
        refuse_second(found.is_some())?;
        found = Some(parse_sentry_pairs(rest)?);
    }
    if let Some(auth) = authorization.and_then(parse_basic) {
        refuse_second(found.is_some())?;
        found = Some(auth);
    }
    // Any query string that mentions `sentry_` is read as credentials; without a key they are
    // bad ones.
    if let Some(query) = query.filter(|q| q.contains("sentry_")) {
        refuse_second(found.is_some())?;
        found = Some(from_pairs(form_urlencoded::parse(query.as_bytes()))?);
    }
    found.map(RawAuth::validate).transpose()
}

/// Relay refuses a second place with credentials before it even reads it.
fn refuse_second(already_found: bool) -> Result<(), IngestError> {
    if already_found {
        Err(IngestError::MultipleAuth)
    } else {
        Ok(())
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
    Ok((SentryAuth { public_key, version: 7, client: None }, project_id.to_owned()))
}

/// The rest of a `Sentry sentry_key=..., sentry_version=7` header (the scheme is
/// case-insensitive); `None` for other schemes.
fn sentry_scheme(value: &str) -> Option<&str> {
    let scheme = value.get(..7)?;
    scheme.eq_ignore_ascii_case("sentry ").then(|| &value[7..])
}

/// `key=value` pairs separated by commas, trimmed; a pair without `=` is skipped and anything
/// after a second `=` is ignored (sentry-types' `Auth::from_str`, which Relay uses).
fn parse_sentry_pairs(rest: &str) -> Result<RawAuth, IngestError> {
    from_pairs(rest.split(',').filter_map(|pair| {
        let mut parts = pair.split('=');
        Some((parts.next()?.trim(), parts.next()?.trim()))
    }))
}

/// `Authorization: Basic base64(<public_key>:<anything>)`. Relay ignores a Basic header it
/// cannot decode, or one without a colon or without a key, as if it were absent.
fn parse_basic(value: &str) -> Option<RawAuth> {
    if !value.get(..6)?.eq_ignore_ascii_case("basic ") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(value[6..].trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (key, _) = decoded.split_once(':')?;
    from_pairs(std::iter::once(("sentry_key", key))).ok()
}

/// Credentials as read, before the key and the version are checked.
struct RawAuth {
    key: String,
    version: u32,
    client: Option<String>,
}

impl RawAuth {
    /// Relay checks the key first, then the protocol version.
    fn validate(self) -> Result<SentryAuth, IngestError> {
        let public_key = validate_key(&self.key)?;
        if self.version > 7 {
            return Err(IngestError::UnsupportedVersion(self.version));
        }
        Ok(SentryAuth { public_key, version: self.version, client: self.client })
    }
}

/// `sentry_key` (required, not empty), `sentry_version` (the integer before the first dot:
/// "7.0" is 7; 7 when absent) and `sentry_client`; other pairs are ignored.
fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
    pairs: impl Iterator<Item = (K, V)>,
) -> Result<RawAuth, IngestError> {
    let mut key = String::new();
    let mut version = 7;
    let mut client = None;
    for (name, value) in pairs {
        match name.as_ref() {
            "sentry_key" => value.as_ref().clone_into(&mut key),
            "sentry_version" => {
                let major = value.as_ref().split('.').next().unwrap_or_default();
                version = major.parse().map_err(|_| IngestError::BadAuthHeader)?;
            }
            "sentry_client" => client = Some(value.as_ref().to_owned()),
            _ => {}
        }
    }
    if key.is_empty() {
        return Err(IngestError::BadAuthHeader);
    }
    Ok(RawAuth { key, version, client })
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
    fn credentials_without_a_key_are_bad_ones() {
        let h = headers(&[("x-sentry-auth", "Sentry sentry_key=, sentry_version=7")]);
        assert!(matches!(from_request(&h, None), Err(IngestError::BadAuthHeader)));
        let q = "sentry_version=7&sentry_client=x%2F1";
        assert!(matches!(
            from_request(&HeaderMap::new(), Some(q)),
            Err(IngestError::BadAuthHeader)
        ));
    }

    #[test]
    fn unreadable_headers_count_as_absent() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-sentry-auth",
            HeaderValue::from_bytes(b"Sentry sentry_key=\xff").expect("obs-text"),
        );
        assert_eq!(from_request(&h, None).expect("ignored"), None);
        let h = headers(&[("authorization", "Basic !!!not base64!!!")]);
        assert_eq!(from_request(&h, None).expect("ignored"), None);
        let h = headers(&[("authorization", "Bearer abc")]);
        assert_eq!(from_request(&h, None).expect("ignored"), None);
    }

    #[test]
    fn reads_basic_auth_case_insensitively() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"));
        let h = headers(&[("authorization", &format!("BASIC {encoded}"))]);
        assert_eq!(from_request(&h, None).expect("ok").expect("auth").public_key, KEY);
    }

    #[test]
    fn a_second_place_is_refused_before_it_is_read() {
        let h = headers(&[
            ("x-sentry-auth", &format!("Sentry sentry_key={KEY}")),
            ("authorization", "Sentry garbage"),
        ]);
        assert!(matches!(from_request(&h, None), Err(IngestError::MultipleAuth)));
        // The key is checked before the version, and only once one place was found.
        let h = headers(&[("x-sentry-auth", "Sentry sentry_key=nothex, sentry_version=8")]);
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
