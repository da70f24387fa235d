//! Request bodies: `Content-Encoding` decompression with a cap on the decompressed size, so a
//! small compressed bomb cannot exhaust memory.

use std::io::Read;

use base64::Engine as _;

use axum::body::Bytes;
use axum::http::{header, HeaderMap};

use super::error::IngestError;

/// Decompresses `body` as its `Content-Encoding` says, refusing more than `limit` bytes out.
/// An encoding Cairn does not know is refused (`415`, as Relay's decompression layer answers).
pub fn decode(headers: &HeaderMap, body: Bytes, limit: usize) -> Result<Bytes, IngestError> {
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_ascii_lowercase())
        .unwrap_or_default();
    let decoded = match encoding.as_str() {
        "gzip" | "x-gzip" => {
            read_capped(flate2::read::MultiGzDecoder::new(&body[..]), limit, "gzip")?
        }
        "deflate" => read_capped(flate2::read::ZlibDecoder::new(&body[..]), limit, "zlib")?,
        "br" => read_capped(brotli::Decompressor::new(&body[..], 4096), limit, "brotli")?,
        "zstd" => {
            let decoder = zstd::stream::read::Decoder::new(&body[..])
                .map_err(|_| IngestError::Decode("zstd"))?;
            read_capped(decoder, limit, "zstd")?
        }
        // sentry-ruby 5.x sends an empty encoding and sentry-java for Android 2.0 sends
        // "UTF-8": Relay drops both before decompressing.
        "" | "identity" | "utf-8" => body,
        _ => return Err(IngestError::UnsupportedEncoding),
    };
    if decoded.len() > limit {
        return Err(IngestError::PayloadTooLarge(limit));
    }
    Ok(decoded)
}

/// A `/store/` event as old SDKs encoded it (Relay's `decode_bytes`): raven-python sent
/// base64 of zlib-compressed JSON, and some sent base64 of the JSON itself. A body that starts
/// like a JSON object (or is empty) is taken as it is; otherwise it must be base64, of JSON or
/// of a zlib stream that inflates to at most `limit` bytes.
pub fn decode_legacy_event(body: Bytes, limit: usize) -> Result<Bytes, IngestError> {
    if body.is_empty() || body.starts_with(b"{") {
        return Ok(body);
    }
    let invalid = || IngestError::Invalid("invalid request body");
    let binary = base64::engine::general_purpose::STANDARD.decode(&body).map_err(|_| invalid())?;
    if binary.starts_with(b"{") {
        return Ok(Bytes::from(binary));
    }
    match read_capped(flate2::read::ZlibDecoder::new(&binary[..]), limit, "zlib") {
        Err(IngestError::Decode(_)) => Err(invalid()),
        decoded => decoded,
    }
}

/// Reads all of `reader`, refusing more than `limit` bytes (`PayloadTooLarge`); a read error is
/// `Decode(name)`.
pub(super) fn read_capped(
    reader: impl Read,
    limit: usize,
    name: &'static str,
) -> Result<Bytes, IngestError> {
    let mut out = Vec::new();
    // Read one byte more than allowed: if it arrives, the body is too large.
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(&mut out).map_err(|_| IngestError::Decode(name))?;
    if out.len() > limit {
        return Err(IngestError::PayloadTooLarge(limit));
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Bytes {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).expect("write");
        Bytes::from(encoder.finish().expect("finish"))
    }

    fn headers(encoding: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_str(encoding).expect("value"));
        h
    }

    #[test]
    fn gzip_is_decompressed() {
        let body = decode(&headers("gzip"), gzip(b"hello"), 100).expect("decoded");
        assert_eq!(&body[..], b"hello");
    }

    #[test]
    fn gzip_bomb_is_refused_by_decompressed_size() {
        let bomb = gzip(&vec![0u8; 10 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024);
        assert!(matches!(
            decode(&headers("gzip"), bomb, 1024 * 1024),
            Err(IngestError::PayloadTooLarge(_))
        ));
    }

    #[test]
    fn broken_gzip_is_a_decode_error() {
        assert!(matches!(
            decode(&headers("gzip"), Bytes::from_static(b"not gzip"), 100),
            Err(IngestError::Decode("gzip"))
        ));
    }

    #[test]
    fn brotli_and_zstd_are_decompressed() {
        let mut br = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
            writer.write_all(b"hello brotli").expect("write");
        }
        let body = decode(&headers("br"), Bytes::from(br), 100).expect("decoded");
        assert_eq!(&body[..], b"hello brotli");
        let zst = zstd::encode_all(&b"hello zstd"[..], 3).expect("zstd");
        let body = decode(&headers("zstd"), Bytes::from(zst), 100).expect("decoded");
        assert_eq!(&body[..], b"hello zstd");
    }

    #[test]
    fn unknown_encodings_are_refused() {
        for encoding in ["rot13", "gzip, br", "compress"] {
            assert!(
                matches!(
                    decode(&headers(encoding), Bytes::from_static(b"{}"), 10),
                    Err(IngestError::UnsupportedEncoding)
                ),
                "{encoding}"
            );
        }
        assert_eq!(
            &decode(&headers("identity"), Bytes::from_static(b"x"), 10).expect("ok")[..],
            b"x"
        );
    }

    #[test]
    fn utf8_and_empty_encodings_are_ignored() {
        assert_eq!(&decode(&headers("UTF-8"), Bytes::from_static(b"x"), 10).expect("ok")[..], b"x");
        assert_eq!(&decode(&headers(""), Bytes::from_static(b"x"), 10).expect("ok")[..], b"x");
    }
}
