//! Reading an artifact bundle, the file `sentry-cli sourcemaps upload` assembles from its
//! chunks: symbolic's source bundle, an 8-byte header (`SYSB` and a version) before a zip of
//! the files and a `manifest.json` that says what each file is:
//!
//! ```json
//! {"files": {"files/_/_/app.min.js": {"type": "minified_source", "url": "~/app.min.js",
//!   "headers": {"debug-id": "a913e111-…", "sourcemap": "app.min.js.map"}}, …},
//!  "debug_id": "0a544871-…", "org": "acme", "release": "1.2.3", "dist": "web"}
//! ```

use std::io::{Cursor, Read};

use serde_json::{Map, Value};

use super::sourcemaps::{sourcemap_comment, ArtifactKind};
use crate::store::NewArtifactFile;

/// The most a bundle may hold once unzipped: a zip bomb stops here.
pub const MAX_UNZIPPED_SIZE: u64 = 256 * 1024 * 1024;
/// The most files a bundle may hold.
const MAX_FILES: usize = 20_000;

/// A bundle's manifest and files.
#[derive(Debug)]
pub struct Bundle {
    /// The manifest's `debug_id` (a fresh id when it has none).
    pub bundle_id: String,
    pub release: Option<String>,
    pub dist: Option<String>,
    pub files: Vec<NewArtifactFile>,
}

/// Why a bundle cannot be read; the text goes to `sentry-cli` as the assemble's `detail`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("the bundle is not a zip file")]
    NotAZip,
    #[error("the bundle has no manifest.json")]
    NoManifest,
    #[error("the bundle's manifest.json is invalid: {0}")]
    BadManifest(String),
    #[error("the bundle's file {0:?} cannot be read")]
    BadFile(String),
    #[error("the bundle is larger than {} MiB unzipped or holds more than {MAX_FILES} files", MAX_UNZIPPED_SIZE >> 20)]
    TooLarge,
}

/// Reads a bundle (with or without symbolic's `SYSB` header).
pub fn read(bytes: &[u8]) -> Result<Bundle, BundleError> {
    read_within(bytes, MAX_UNZIPPED_SIZE)
}

/// [`read`], with at most `budget` bytes unzipped.
fn read_within(bytes: &[u8], mut budget: u64) -> Result<Bundle, BundleError> {
    // The zip's offsets count from the file's start, header included, so the whole file is
    // read as the zip (the zip reader finds its entries past the header); a plain zip works too.
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| BundleError::NotAZip)?;
    if archive.len() > MAX_FILES + 1 {
        return Err(BundleError::TooLarge);
    }
    let manifest =
        read_entry(&mut archive, "manifest.json", &mut budget)?.ok_or(BundleError::NoManifest)?;
    let manifest: Map<String, Value> = serde_json::from_slice(&manifest)
        .map_err(|err| BundleError::BadManifest(err.to_string()))?;
    let text = |key: &str| {
        manifest.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
    };
    let bundle_id = text("debug_id")
        .and_then(|id| normalize_debug_id(&id))
        .unwrap_or_else(|| uuid::Uuid::new_v4().hyphenated().to_string());
    let entries = match manifest.get("files") {
        Some(Value::Object(files)) => files,
        None => return Err(BundleError::BadManifest("no \"files\"".into())),
        Some(_) => return Err(BundleError::BadManifest("\"files\" is not an object".into())),
    };
    let mut files = Vec::with_capacity(entries.len());
    for (path, entry) in entries {
        let Some(entry) = entry.as_object() else {
            return Err(BundleError::BadManifest(format!(
                "the entry of {path:?} is not an object"
            )));
        };
        let kind = ArtifactKind::from_manifest(
            entry.get("type").and_then(Value::as_str).unwrap_or_default(),
        );
        let Some(url) = entry.get("url").and_then(Value::as_str).filter(|u| !u.is_empty()) else {
            return Err(BundleError::BadManifest(format!("{path:?} has no url")));
        };
        // Header names are case-insensitive (symbolic lowercases them).
        let headers: Vec<(String, &str)> = entry
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, value)| Some((name.to_ascii_lowercase(), value.as_str()?)))
            .collect();
        let header = |names: &[&str]| {
            headers.iter().find(|(name, _)| names.contains(&name.as_str())).map(|(_, v)| *v)
        };
        let content = read_entry(&mut archive, path, &mut budget)?
            .ok_or_else(|| BundleError::BadFile(path.clone()))?;
        let mut debug_id = header(&["debug-id", "debug_id"]).and_then(normalize_debug_id);
        let mut sourcemap = None;
        match kind {
            ArtifactKind::MinifiedSource => {
                let script = String::from_utf8_lossy(&content);
                sourcemap = header(&["sourcemap", "x-sourcemap"])
                    .map(str::to_owned)
                    .or_else(|| sourcemap_comment(&script).map(str::to_owned));
                if debug_id.is_none() {
                    debug_id = debug_id_comment(&script);
                }
            }
            ArtifactKind::SourceMap if debug_id.is_none() => {
                debug_id = map_debug_id(&content);
            }
            _ => {}
        }
        files.push(NewArtifactFile { kind, url: url.to_owned(), debug_id, sourcemap, content });
    }
    Ok(Bundle { bundle_id, release: text("release"), dist: text("dist"), files })
}

/// An entry's bytes (`None`: no such entry), counted against the unzipped budget.
fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut u64,
) -> Result<Option<Vec<u8>>, BundleError> {
    let mut entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => return Err(BundleError::BadFile(name.to_owned())),
    };
    let mut bytes = Vec::new();
    // One byte past the budget tells a file that is too large from one that fits exactly.
    let read = (&mut entry)
        .take(*budget + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| BundleError::BadFile(name.to_owned()))?;
    if read as u64 > *budget {
        return Err(BundleError::TooLarge);
    }
    *budget -= read as u64;
    Ok(Some(bytes))
}

/// A debug id as stored and compared: a UUID, lowercase with dashes.
pub fn normalize_debug_id(id: &str) -> Option<String> {
    uuid::Uuid::try_parse(id.trim()).ok().map(|id| id.hyphenated().to_string())
}

/// The `//# debugId=` comment `sentry-cli sourcemaps inject` appends to a script.
fn debug_id_comment(script: &str) -> Option<String> {
    script
        .lines()
        .rev()
        .take(5)
        .find_map(|line| line.trim().strip_prefix("//# debugId="))
        .and_then(normalize_debug_id)
}

/// The `debugId` (or older `debug_id`) field of a source map.
fn map_debug_id(map: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Ids {
        #[serde(rename = "debugId")]
        debug_id_new: Option<String>,
        debug_id: Option<String>,
    }
    let ids: Ids = serde_json::from_slice(map).ok()?;
    ids.debug_id_new.or(ids.debug_id).as_deref().and_then(normalize_debug_id)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    const SCRIPT: &[u8] = b"function a(){}\n//# sourceMappingURL=app.min.js.map\n\n//# debugId=A913E111-C3F3-51F2-988F-701F0FA4959C\n";

    #[test]
    fn a_bundle_as_sentry_cli_writes_it_is_read_with_its_headers() {
        let manifest = br#"{"files":{"files/_/_/app.min.js":{"type":"minified_source","url":"~/app.min.js","headers":{"Debug-Id":"a913e111-c3f3-51f2-988f-701f0fa4959c","sourcemap":"app.min.js.map"}},"files/_/_/app.min.js.map":{"type":"source_map","url":"~/app.min.js.map","headers":{"debug-id":"a913e111-c3f3-51f2-988f-701f0fa4959c"}}},"debug_id":"0a544871-1eae-51d3-a454-e7f45ff29b24","dist":"web","org":"acme","release":"1.2.3"}"#;
        let mut bytes = b"SYSB\x02\x00\x00\x00".to_vec();
        bytes.extend(zip_of(&[
            ("files/_/_/app.min.js", SCRIPT),
            ("files/_/_/app.min.js.map", b"{}"),
            ("manifest.json", manifest),
        ]));
        let bundle = read(&bytes).unwrap();
        assert_eq!(bundle.bundle_id, "0a544871-1eae-51d3-a454-e7f45ff29b24");
        assert_eq!(
            (bundle.release.as_deref(), bundle.dist.as_deref()),
            (Some("1.2.3"), Some("web"))
        );
        let script = bundle.files.iter().find(|f| f.kind == ArtifactKind::MinifiedSource).unwrap();
        assert_eq!(script.url, "~/app.min.js");
        assert_eq!(script.debug_id.as_deref(), Some("a913e111-c3f3-51f2-988f-701f0fa4959c"));
        assert_eq!(script.sourcemap.as_deref(), Some("app.min.js.map"));
        assert_eq!(script.content, SCRIPT);
        let map = bundle.files.iter().find(|f| f.kind == ArtifactKind::SourceMap).unwrap();
        assert_eq!(map.debug_id.as_deref(), Some("a913e111-c3f3-51f2-988f-701f0fa4959c"));
    }

    #[test]
    fn without_headers_the_ids_and_map_reference_come_from_the_files() {
        let manifest = br#"{"files":{"a.js":{"type":"minified_source","url":"~/a.js"},"a.js.map":{"type":"source_map","url":"~/a.js.map"}}}"#;
        let bytes = zip_of(&[
            ("a.js", SCRIPT),
            ("a.js.map", br#"{"version":3,"debug_id":"a913e111-c3f3-51f2-988f-701f0fa4959c"}"#),
            ("manifest.json", manifest),
        ]);
        let bundle = read(&bytes).unwrap();
        assert_eq!(bundle.release, None);
        for file in &bundle.files {
            assert_eq!(file.debug_id.as_deref(), Some("a913e111-c3f3-51f2-988f-701f0fa4959c"));
        }
        let script = bundle.files.iter().find(|f| f.url == "~/a.js").unwrap();
        assert_eq!(script.sourcemap.as_deref(), Some("app.min.js.map"));
    }

    #[test]
    fn broken_bundles_are_refused_with_a_reason() {
        assert_eq!(read(b"not a zip").unwrap_err(), BundleError::NotAZip);
        assert_eq!(read(&zip_of(&[("a.js", b"x")])).unwrap_err(), BundleError::NoManifest);
        assert!(matches!(
            read(&zip_of(&[("manifest.json", b"[1]")])).unwrap_err(),
            BundleError::BadManifest(_)
        ));
        let manifest = br#"{"files":{"gone.js":{"type":"minified_source","url":"~/gone.js"}}}"#;
        assert_eq!(
            read(&zip_of(&[("manifest.json", manifest)])).unwrap_err(),
            BundleError::BadFile("gone.js".into())
        );
    }

    #[test]
    fn a_zip_bomb_stops_at_the_budget() {
        let manifest = br#"{"files":{"big.js":{"type":"minified_source","url":"~/big.js"}}}"#;
        let big = vec![b'a'; 1 << 20];
        let bytes = zip_of(&[("manifest.json", manifest), ("big.js", &big)]);
        assert!(bytes.len() < 64 * 1024, "deflate shrinks it: {}", bytes.len());
        assert_eq!(read_within(&bytes, 1 << 20).unwrap_err(), BundleError::TooLarge);
        assert!(read_within(&bytes, (1 << 20) + 200).is_ok());
    }
}
