//! The dashboard's files over real HTTP: precompressed variants (`NAME.br`, `NAME.gz`, written
//! by the build) are sent with `Content-Encoding` when the browser accepts them, the plain file
//! otherwise, always with `Vary: Accept-Encoding`.

use std::io::Read;
use std::path::Path;

use crate::common::{dist_dir, TestServer};

/// A wasm-like body big enough for compression to matter, and repetitive enough to compress.
fn wasm_bytes() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..20_000u32 {
        bytes.extend_from_slice(format!("func_{}", i % 97).as_bytes());
    }
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &brotli::enc::BrotliEncoderParams::default())
        .expect("brotli");
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("a gzip body");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).expect("a brotli body");
    out
}

/// `GET path` with `Accept-Encoding: accept` (none if empty); returns the response headers
/// and the body as sent (reqwest is built without decompression, so nothing is decoded).
async fn get(
    server: &TestServer,
    path: &str,
    accept: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = server.http.get(format!("{}{path}", server.url));
    if !accept.is_empty() {
        request = request.header("accept-encoding", accept);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.expect("body").to_vec())
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> &'h str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write a dist file");
}

#[tokio::test]
async fn precompressed_assets_follow_accept_encoding() {
    let dist = tempfile::tempdir().expect("dist directory");
    let wasm = wasm_bytes();
    write(dist.path(), "index.html", b"<!DOCTYPE html><title>Cairn</title>");
    write(dist.path(), "app-1a2b_bg.wasm", &wasm);
    write(dist.path(), "app-1a2b_bg.wasm.gz", &gzip(&wasm));
    write(dist.path(), "app-1a2b_bg.wasm.br", &brotli(&wasm));
    // A file the build left without variants.
    write(dist.path(), "logo.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    let server = TestServer::start_with_dist(dist.path());

    let (status, headers, body) = get(&server, "/app-1a2b_bg.wasm", "gzip").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    assert_eq!(header(&headers, "content-type"), "application/wasm");
    assert_eq!(header(&headers, "vary").to_ascii_lowercase(), "accept-encoding");
    assert_eq!(header(&headers, "cache-control"), "public, max-age=31536000, immutable");
    assert!(body.len() < wasm.len() / 4, "{} bytes sent for {}", body.len(), wasm.len());
    assert_eq!(gunzip(&body), wasm, "the gzip body decodes to the file");

    // Brotli is preferred when offered, as browsers do on HTTPS and loopback.
    let (_, headers, body) = get(&server, "/app-1a2b_bg.wasm", "gzip, deflate, br, zstd").await;
    assert_eq!(header(&headers, "content-encoding"), "br");
    assert_eq!(header(&headers, "content-type"), "application/wasm");
    assert_eq!(unbrotli(&body), wasm, "the br body decodes to the file");

    // No Accept-Encoding (or only what has no variant): the file itself.
    for accept in ["", "identity", "deflate"] {
        let (status, headers, body) = get(&server, "/app-1a2b_bg.wasm", accept).await;
        assert_eq!(status, 200, "{accept}");
        assert_eq!(header(&headers, "content-encoding"), "", "{accept}");
        assert_eq!(header(&headers, "vary").to_ascii_lowercase(), "accept-encoding");
        assert_eq!(body, wasm, "{accept}");
    }

    // A file without variants is sent as it is even to a gzip client.
    let (status, headers, body) = get(&server, "/logo.svg", "gzip, br").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), "");
    assert!(body.starts_with(b"<svg"));

    // Client-side routes still get index.html, and a missing asset is no 5xx.
    let (status, headers, body) = get(&server, "/organizations/cairn/issues/", "gzip, br").await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert_eq!(header(&headers, "cache-control"), "no-cache");
    assert!(body.starts_with(b"<!DOCTYPE html>"));
}

/// The real build (`make dashboard`): every wasm, js and css file has br and gzip variants that
/// decode to it, and the server sends them.
#[tokio::test]
async fn the_built_dashboard_is_served_precompressed() {
    let dist = dist_dir();
    assert!(
        dist.join("index.html").exists(),
        "the dashboard is not built at {}: run `make dashboard` first",
        dist.display()
    );
    // The wasm modules and their JS live in `wasm-<hash>/` (scripts/dashboard-wasm.sh).
    let mut assets = Vec::new();
    let mut dirs = vec![String::new()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dist.join(&dir)).expect("dist directory") {
            let entry = entry.expect("dist entry");
            let name = format!("{dir}{}", entry.file_name().to_string_lossy());
            if entry.file_type().expect("file type").is_dir() {
                dirs.push(format!("{name}/"));
            } else if [".wasm", ".js", ".css"].iter().any(|ext| name.ends_with(ext)) {
                assets.push(name);
            }
        }
    }
    assert!(assets.iter().any(|n| n.ends_with("/cairn-dashboard_bg.wasm")), "{assets:?}");
    assert!(
        assets.iter().any(|n| n.ends_with("/split_issue_page.wasm")),
        "the issue page is a module of its own: {assets:?}"
    );
    let server = TestServer::start();
    for name in &assets {
        let plain = std::fs::read(dist.join(name)).expect("asset");
        let (status, headers, br) = get(&server, &format!("/{name}"), "gzip, deflate, br").await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(header(&headers, "content-encoding"), "br", "{name}: br variant built and sent");
        assert_eq!(unbrotli(&br), plain, "{name}");
        let (_, headers, gz) = get(&server, &format!("/{name}"), "gzip").await;
        assert_eq!(header(&headers, "content-encoding"), "gzip", "{name}: gzip variant");
        assert_eq!(gunzip(&gz), plain, "{name}");
    }
}

/// The real build's stylesheets are minified (scripts/minify-css.mjs) and still match the
/// integrity their links carry, which the browser checks before it applies them: main.css,
/// linked by index.html, and each lazy stylesheet (`style/lazy/`), named by its content and
/// listed in index.html's `window.cairnStylesheets` for the pages that load it.
#[test]
fn the_built_stylesheets_are_minified_and_match_their_integrity() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let dist = dist_dir();
    let html = std::fs::read_to_string(dist.join("index.html")).expect("run `make dashboard`");
    let check = |name: &str, integrity: &str| {
        let css = std::fs::read(dist.join(name)).expect("stylesheet");
        let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&css));
        assert_eq!(integrity, format!("sha384-{digest}"), "{name}");
        let text = String::from_utf8(css).expect("UTF-8");
        assert!(!text.contains("/*") && !text.contains('\n'), "{name} is not minified");
        text
    };
    let mut linked = Vec::new();
    for link in html.split("<link rel=\"stylesheet\" href=\"/").skip(1) {
        let (name, rest) = link.split_once('"').expect("the href's end");
        let integrity = rest
            .split("integrity=\"")
            .nth(1)
            .and_then(|value| value.split('"').next())
            .unwrap_or_else(|| panic!("{name} has no integrity attribute"));
        let text = check(name, integrity);
        // What minifying must keep: strings with their spaces, spaces that separate.
        for kept in ["content:\"★ \"", "\"Liberation Mono\"", "@media (prefers-color-scheme:dark)"]
        {
            assert!(text.contains(kept), "{kept:?} in {name}");
        }
        linked.push(name.to_owned());
    }
    assert_eq!(linked.len(), 1, "index.html links main.css alone: {linked:?}");
    assert!(linked[0].starts_with("main-"), "{linked:?}");

    let table = html
        .split("window.cairnStylesheets=")
        .nth(1)
        .and_then(|rest| rest.split(";</script>").next())
        .expect("index.html lists the lazy stylesheets");
    let table: serde_json::Value = serde_json::from_str(table).expect("a JSON table");
    let lazy = table.as_object().expect("name -> stylesheet");
    let mut names: Vec<&String> = lazy.keys().collect();
    names.sort();
    assert_eq!(names, ["pages"], "one per file of style/lazy/");
    for (stem, sheet) in lazy {
        let href = sheet["href"].as_str().expect("href");
        let name = href.strip_prefix('/').expect("a path of the site");
        assert!(name.starts_with(&format!("{stem}-")) && name.ends_with(".css"), "{name}");
        let text = check(name, sheet["integrity"].as_str().expect("integrity"));
        assert!(text.contains(".chart-drawing svg{"), "the charts' rules in {name}");
        assert!(text.contains(".issue-header{"), "the issue page's rules in {name}");
    }
}
