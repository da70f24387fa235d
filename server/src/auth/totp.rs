//! Two-factor authentication with an authenticator app: RFC 6238 time-based one-time passwords
//! (HMAC-SHA1, 30-second steps, 6 digits, what every authenticator app uses by default), the
//! base32 secrets they are set up with, and single-use recovery codes.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

/// Seconds per step: a code changes every 30 seconds.
pub const STEP_SECS: i64 = 30;
/// Steps before and after the current one that are accepted: a phone's clock may be a little
/// off, and a code typed at the end of its step arrives in the next.
const SKEW_STEPS: i64 = 1;
/// Recovery codes made at enrollment.
pub const RECOVERY_CODES: usize = 10;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new secret: 20 random bytes (RFC 4226's recommended length), base32 without padding.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

/// RFC 4648 base32 without padding.
fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buffer = [0u8; 5];
        buffer[..chunk.len()].copy_from_slice(chunk);
        let bits = buffer.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            let index = (bits >> (35 - i * 5)) & 31;
            out.push(char::from(BASE32[index as usize]));
        }
    }
    out
}

/// Decodes base32 as authenticator apps show it: any case, spaces and padding ignored. `None`
/// for any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut bits, mut count) = (0u64, 0u32);
    for c in text.bytes().filter(|c| !matches!(c, b' ' | b'=' | b'-')) {
        let value = BASE32.iter().position(|b| *b == c.to_ascii_uppercase())?;
        bits = (bits << 5) | value as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// The 6-digit code of `secret` for the step `step` (Unix seconds / 30).
pub fn code_at(secret: &[u8], step: i64) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // RFC 4226's dynamic truncation.
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// The step of `code` if it is one of `secret`'s around `now_secs` (within the skew), else
/// `None`. The caller refuses a step already used, so that an overheard code cannot be
/// replayed.
pub fn verify(secret: &[u8], code: &str, now_secs: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now_secs.div_euclid(STEP_SECS);
    (current - SKEW_STEPS..=current + SKEW_STEPS).find(|step| {
        // Compared in constant time: timing must not tell how many digits were right.
        subtle::ConstantTimeEq::ct_eq(code_at(secret, *step).as_bytes(), code.as_bytes()).into()
    })
}

/// The `otpauth://` URI authenticator apps read from a QR code or a link: the account is
/// `issuer:email`.
pub fn otpauth_uri(secret: &str, email: &str, issuer: &str) -> String {
    let label: String =
        form_urlencoded::byte_serialize(format!("{issuer}:{email}").as_bytes()).collect();
    let issuer: String = form_urlencoded::byte_serialize(issuer.as_bytes()).collect();
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30"
    )
}

/// The QR code of `text` (an `otpauth://` URI) as rows of modules, `#` dark and `.` light,
/// without the quiet zone around it: the dashboard draws it, so that a phone can scan what
/// would otherwise be typed. Empty if the text is too long for a QR code.
pub fn qr_rows(text: &str) -> Vec<String> {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return Vec::new();
    };
    let dark = |color: &qrcode::Color| if *color == qrcode::Color::Dark { '#' } else { '.' };
    code.to_colors().chunks(code.width()).map(|row| row.iter().map(dark).collect()).collect()
}

/// New recovery codes: `xxxx-xxxx`, lower-case hex, 32 random bits each.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let hex = super::random_hex(4);
            format!("{}-{}", &hex[..4], &hex[4..])
        })
        .collect()
}

/// A recovery code as typed (any case, with or without its dash and spaces), in the form
/// stored hashed.
pub fn normalize_recovery_code(code: &str) -> String {
    let hex: String =
        code.chars().filter(|c| c.is_ascii_hexdigit()).map(|c| c.to_ascii_lowercase()).collect();
    if hex.len() == 8 {
        format!("{}-{}", &hex[..4], &hex[4..])
    } else {
        hex
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 vectors (8 digits there; the last 6 are the 6-digit codes).
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(secret, time / STEP_SECS), expected, "at {time}");
        }
    }

    #[test]
    fn base32_round_trips_as_apps_show_it() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let bytes = base32_decode(&secret).expect("valid base32");
        assert_eq!(bytes.len(), 20);
        assert_eq!(base32_encode(&bytes), secret);
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw 6ytb oi======"), Some(b"foobar".to_vec()));
        assert_eq!(base32_decode("not base32!"), None);
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_not_beyond() {
        let secret = b"12345678901234567890";
        let now = 1_234_567_890;
        let code = code_at(secret, now / STEP_SECS);
        assert_eq!(verify(secret, &code, now), Some(now / STEP_SECS));
        assert!(verify(secret, &format!("{} {}", &code[..3], &code[3..]), now + 30).is_some());
        assert!(verify(secret, &code, now - 30).is_some());
        assert_eq!(verify(secret, &code, now + 90), None);
        assert_eq!(verify(secret, "12345", now), None);
        assert_eq!(verify(secret, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_are_read_however_they_are_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| c.len() == 9 && c.as_bytes()[4] == b'-'));
        assert_eq!(normalize_recovery_code(" AB12 cd34 "), "ab12-cd34");
        assert_eq!(normalize_recovery_code("ab12-CD34"), "ab12-cd34");
    }

    #[test]
    fn the_qr_code_is_a_square_with_its_finder_patterns() {
        let rows = qr_rows(&otpauth_uri(&new_secret(), "ann@example.com", "Cairn"));
        let width = rows.len();
        // Versions are 21 modules wide, and 4 more per version.
        assert!(width >= 21 && (width - 21).is_multiple_of(4), "{width}");
        assert!(rows.iter().all(|row| row.len() == width));
        // The finder patterns' outer rings: seven dark modules at three corners.
        assert!(rows[0].starts_with("#######") && rows[0].ends_with("#######"));
        assert!(rows[width - 1].starts_with("#######"));
        assert_eq!(&rows[1][..7], "#.....#");
    }

    #[test]
    fn the_uri_names_the_issuer_and_the_account() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ann@example.com", "Cairn");
        assert_eq!(
            uri,
            "otpauth://totp/Cairn%3Aann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Cairn\
             &algorithm=SHA1&digits=6&period=30"
        );
    }
}
