//! Who is asking: passwords, API tokens, login sessions, and the request extractors that turn a
//! request's credentials into an [`Identity`].
//!
//! Secrets are never stored: passwords as argon2id hashes, API tokens and session cookies as
//! SHA-256 hashes (they are long random strings, so a fast hash is enough).

mod extract;
mod scopes;
mod throttle;
pub mod totp;

pub use extract::{Identity, MaybeIdentity, Via, SESSION_COOKIE};
pub use scopes::{can_grant, role_name, role_rank, role_scopes, ALL_SCOPES, ROLES};
pub use throttle::LoginThrottle;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a dashboard login lasts.
pub const SESSION_LIFETIME_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Checks a password against a stored argon2 hash (constant time inside argon2).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new user API token in Sentry's format (`sntryu_` + 64 hex digits), which sentry-cli
/// recognises as a user token.
pub fn new_api_token() -> String {
    format!("sntryu_{}", random_hex(32))
}

/// SHA-256 of a secret, hex: what the database keeps of tokens and session cookies.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_only_the_right_password() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn api_tokens_look_like_sentry_user_tokens() {
        let token = new_api_token();
        assert!(token.starts_with("sntryu_"));
        assert_eq!(token.len(), 7 + 64);
        assert_ne!(token, new_api_token());
    }
}
