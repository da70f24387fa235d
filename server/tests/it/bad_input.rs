//! Bad input at the ingest endpoints, one table: every malformed, oversized, hostile or
//! unauthenticated request gets Relay's status and error text (Relay is what SDKs are written
//! against), none gets a 5xx, and the server keeps serving afterwards.

use std::io::Write;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::RequestBuilder;
use serde_json::{json, Value};

use crate::common::TestServer;

/// What the cases need to know about the server.
struct Ctx {
    url: String,
    http: reqwest::Client,
    /// Public key and id of the project the cases send to.
    key: String,
    project: i64,
    /// Another project: the key above does not belong to it.
    other_project: i64,
    /// A project whose only key was disabled through the API.
    disabled_key: String,
    disabled_project: i64,
}

impl Ctx {
    fn post(&self, path: &str) -> RequestBuilder {
        self.http.post(format!("{}{path}", self.url))
    }

    /// `X-Sentry-Auth` as SDKs send it, for `key`.
    fn auth_for(key: &str) -> String {
        format!("Sentry sentry_version=7, sentry_client=cairn-tests/1.0, sentry_key={key}")
    }

    /// `POST /api/{project}/envelope/` without credentials.
    fn envelope_unauthenticated(&self) -> RequestBuilder {
        self.post(&format!("/api/{}/envelope/", self.project))
            .header("content-type", "application/x-sentry-envelope")
    }

    /// `POST /api/{project}/envelope/` with the project's key in `X-Sentry-Auth`.
    fn envelope(&self) -> RequestBuilder {
        self.envelope_unauthenticated().header("x-sentry-auth", Self::auth_for(&self.key))
    }

    /// `POST /api/{project}/store/` with the project's key in `X-Sentry-Auth`.
    fn store(&self) -> RequestBuilder {
        self.post(&format!("/api/{}/store/", self.project))
            .header("content-type", "application/json")
            .header("x-sentry-auth", Self::auth_for(&self.key))
    }
}

/// The answer a case must get.
enum Expect {
    /// Refused with this status and this `detail` in the JSON body (or this text, for the one
    /// answer axum gives in plain text: a body over the wire limit).
    Refused(u16, &'static str),
    /// `200 {"id": ...}`: Relay frames an envelope and answers before it parses the items, so
    /// an event item it cannot read is dropped later, not refused. Cairn drops it at once; the
    /// test checks afterwards that it was not stored.
    AcceptedAndDropped(&'static str),
}

struct Case {
    name: &'static str,
    request: fn(&Ctx) -> RequestBuilder,
    expect: Expect,
}

const INVALID_ENVELOPE: &str = "invalid event envelope";
const MISSING_AUTH: &str = "missing authorization information";
const BAD_AUTH_HEADER: &str = "bad x-sentry-auth header";
const MULTIPLE_AUTH: &str = "multiple authorization payloads detected";
const REJECTED: &str = "event submission rejected with_reason: ProjectId";
const EVENT_TOO_LARGE: &str = "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)";
const TOO_MANY_SESSIONS_AGGREGATES: &str = "envelope exceeded size limits for type 'sessions' (https://develop.sentry.dev/sdk/envelopes/#size-limits)";
const TOO_MANY_CLIENT_REPORTS: &str = "envelope exceeded size limits for type 'client_report' (https://develop.sentry.dev/sdk/envelopes/#size-limits)";
const TOO_MANY_ATTACHMENTS: &str = "envelope exceeded size limits for type 'attachment' (https://develop.sentry.dev/sdk/envelopes/#size-limits)";
const TOO_MANY_SESSIONS: &str = "envelope exceeded size limits for type 'session' (https://develop.sentry.dev/sdk/envelopes/#size-limits)";

/// Event ids of the cases whose event item is accepted and dropped.
const BROKEN_JSON_ID: &str = "bad00000000000000000000000000001";
const DEEPLY_NESTED_ID: &str = "bad00000000000000000000000000002";
const LATIN1_ID: &str = "bad00000000000000000000000000003";
const STORE_DEEP_ID: &str = "bad00000000000000000000000000004";
const DROPPED_IDS: [&str; 4] = [BROKEN_JSON_ID, DEEPLY_NESTED_ID, LATIN1_ID, STORE_DEEP_ID];

/// A valid envelope with one event.
const ENVELOPE: &str = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"message\":\"hello\"}\n";

/// An envelope whose one event item holds `payload`, with an explicit length.
fn envelope_with_event(event_id: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "{{\"event_id\":\"{event_id}\"}}\n{{\"type\":\"event\",\"length\":{}}}\n",
        payload.len()
    )
    .into_bytes();
    body.extend_from_slice(payload);
    body.push(b'\n');
    body
}

/// An envelope with `count` items of `item` (an item header line and a payload line).
fn envelope_with_items(count: usize, item: &str) -> String {
    let mut body = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n".to_owned();
    for _ in 0..count {
        body.push_str(item);
    }
    body
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A gzip body that inflates to `head` followed by `chunk` repeated `count` times, at the cost
/// of compressing `chunk` once: a gzip stream may hold several members, and decoders read them
/// all.
fn gzip_repeated(head: &[u8], chunk: &[u8], count: usize) -> Vec<u8> {
    let mut body = gzip(head);
    body.extend(gzip(chunk).repeat(count));
    body
}

/// A gzip body of about a thousandth of `inflated` bytes that inflates to more than that.
fn gzip_bomb(inflated: usize) -> Vec<u8> {
    const MEMBER: usize = 1024 * 1024;
    gzip_repeated(b"", &vec![0; MEMBER], inflated / MEMBER + 1)
}

/// `bytes` in base64, as raven-python sent `/store/` bodies.
fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// JSON arrays nested `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn cases() -> Vec<Case> {
    use Expect::*;
    vec![
        // --- envelope framing -------------------------------------------------------------
        Case {
            name: "framing: an item longer than the body",
            request: |c| c.envelope().body("{}\n{\"type\":\"event\",\"length\":99}\n{}"),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "framing: a first line that is not JSON",
            request: |c| c.envelope().body("this is not an envelope\n"),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "framing: a carriage return after the envelope header",
            request: |c| c.envelope().body("{}\r\n{\"type\":\"event\"}\n{}"),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "framing: an item header without a type",
            request: |c| c.envelope().body("{}\n{\"length\":2}\n{}\n"),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "framing: bytes after a length-delimited payload",
            request: |c| c.envelope().body("{}\n{\"type\":\"event\",\"length\":2}\n{}xyz\n"),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "framing: a negative item length",
            request: |c| c.envelope().body("{}\n{\"type\":\"event\",\"length\":-1}\n{}\n"),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "framing: two sent_at in the envelope header",
            request: |c| {
                c.envelope().body(
                    "{\"sent_at\":\"2026-01-01T00:00:00Z\",\"sent_at\":\"2026-01-01T00:00:01Z\"}\n",
                )
            },
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "an empty body",
            request: |c| c.envelope().body(""),
            expect: Refused(400, "empty request body"),
        },
        // --- bad JSON -------------------------------------------------------------------------
        Case {
            name: "store: a truncated JSON event",
            request: |c| c.store().body("{\"message\": \"broken\""),
            expect: Refused(
                400,
                "invalid JSON data: Error(\"EOF while parsing an object\", line: 1, column: 20)",
            ),
        },
        // Relay reads a `/store/` body that does not start with `{` as base64 (of JSON, or of
        // zlib-compressed JSON, as raven-python sent it): anything else is not a body at all.
        Case {
            name: "store: a body that is neither JSON nor base64",
            request: |c| c.store().body("hello"),
            expect: Refused(400, "invalid request body"),
        },
        Case {
            name: "store: base64 of neither JSON nor a zlib stream",
            request: |c| c.store().body(base64_of(b"hello, not zlib")),
            expect: Refused(400, "invalid request body"),
        },
        Case {
            name: "store: a body that starts as a JSON object and is not JSON",
            request: |c| c.store().body("{hello"),
            expect: Refused(
                400,
                "invalid JSON data: Error(\"key must be a string\", line: 1, column: 2)",
            ),
        },
        Case {
            name: "store: NaN from an SDK that is not Python's",
            request: |c| c.store().body("{\"extra\": {\"ratio\": NaN}}"),
            expect: Refused(
                400,
                "invalid JSON data: Error(\"expected value\", line: 1, column: 21)",
            ),
        },
        Case {
            name: "store: an image request without its sentry_data",
            request: |c| {
                let path = format!("/api/{}/store/?sentry_key={}", c.project, c.key);
                c.http.get(format!("{}{path}", c.url))
            },
            expect: Refused(400, "empty request body"),
        },
        Case {
            name: "envelope: an event item that is not JSON",
            request: |c| c.envelope().body(envelope_with_event(BROKEN_JSON_ID, b"{\"message\": ")),
            expect: AcceptedAndDropped(BROKEN_JSON_ID),
        },
        // --- minidumps ------------------------------------------------------------------------
        Case {
            name: "minidump: a body that is not a minidump",
            request: |c| {
                c.post(&format!("/api/{}/minidump/?sentry_key={}", c.project, c.key))
                    .header("content-type", "application/octet-stream")
                    .body("not a dump")
            },
            expect: Refused(400, "invalid minidump"),
        },
        Case {
            name: "minidump: a gzip container that does not unpack",
            request: |c| {
                c.post(&format!("/api/{}/minidump/?sentry_key={}", c.project, c.key))
                    .header("content-type", "application/x-dmp")
                    .body(&b"\x1f\x8b\x08\x00garbage after the gzip magic"[..])
            },
            expect: Refused(400, "invalid compression container"),
        },
        Case {
            name: "minidump: a form without upload_file_minidump",
            request: |c| {
                let body =
                    "--b\r\nContent-Disposition: form-data; name=\"sentry\"\r\n\r\n{}\r\n--b--\r\n";
                c.post(&format!("/api/{}/minidump/?sentry_key={}", c.project, c.key))
                    .header("content-type", "multipart/form-data; boundary=b")
                    .body(body)
            },
            expect: Refused(400, "missing minidump"),
        },
        Case {
            name: "minidump: a form that is not multipart",
            request: |c| {
                c.post(&format!("/api/{}/minidump/?sentry_key={}", c.project, c.key))
                    .header("content-type", "multipart/form-data; boundary=b")
                    .body("no boundary anywhere")
            },
            expect: Refused(400, "invalid multipart data"),
        },
        // --- authentication -------------------------------------------------------------------
        Case {
            name: "auth: none at all",
            request: |c| c.envelope_unauthenticated().body(ENVELOPE),
            expect: Refused(401, MISSING_AUTH),
        },
        Case {
            name: "auth: none at all, on /store/",
            request: |c| c.post(&format!("/api/{}/store/", c.project)).body("{}"),
            expect: Refused(401, MISSING_AUTH),
        },
        Case {
            name: "auth: a key no project has, on /api/store/ (the key names the project)",
            request: |c| {
                c.post("/api/store/")
                    .header("x-sentry-auth", Ctx::auth_for("0123456789abcdef0123456789abcdef"))
                    .body("{}")
            },
            expect: Refused(403, REJECTED),
        },
        Case {
            name: "auth: none at all, on /api/store/",
            request: |c| c.post("/api/store/").body("{}"),
            expect: Refused(401, MISSING_AUTH),
        },
        Case {
            name: "auth: X-Sentry-Auth without a key",
            request: |c| {
                c.envelope_unauthenticated()
                    .header("x-sentry-auth", "Sentry sentry_version=7, sentry_client=x/1")
                    .body(ENVELOPE)
            },
            expect: Refused(401, BAD_AUTH_HEADER),
        },
        Case {
            name: "auth: X-Sentry-Auth with an empty key",
            request: |c| {
                c.envelope_unauthenticated()
                    .header("x-sentry-auth", "Sentry sentry_key=, sentry_version=7")
                    .body(ENVELOPE)
            },
            expect: Refused(401, BAD_AUTH_HEADER),
        },
        Case {
            name: "auth: X-Sentry-Auth with a version that is not a number",
            request: |c| {
                c.envelope_unauthenticated()
                    .header(
                        "x-sentry-auth",
                        format!("Sentry sentry_key={}, sentry_version=seven", c.key),
                    )
                    .body(ENVELOPE)
            },
            expect: Refused(401, BAD_AUTH_HEADER),
        },
        Case {
            name: "auth: a query string with sentry_version but no key",
            request: |c| {
                c.post(&format!("/api/{}/envelope/?sentry_version=7", c.project)).body(ENVELOPE)
            },
            expect: Refused(401, BAD_AUTH_HEADER),
        },
        Case {
            name: "auth: a key that is not one",
            request: |c| {
                c.envelope_unauthenticated()
                    .header("x-sentry-auth", "Sentry sentry_key=zz")
                    .body(ENVELOPE)
            },
            expect: Refused(400, "bad sentry DSN public key"),
        },
        Case {
            name: "auth: protocol version 8",
            request: |c| {
                c.envelope_unauthenticated()
                    .header(
                        "x-sentry-auth",
                        format!("Sentry sentry_key={}, sentry_version=8", c.key),
                    )
                    .body(ENVELOPE)
            },
            expect: Refused(400, "unsupported protocol version (8)"),
        },
        Case {
            name: "auth: an X-Sentry-Auth that is not text counts as none",
            request: |c| {
                let value =
                    HeaderValue::from_bytes(b"Sentry sentry_key=\xff\xfe").expect("obs-text");
                c.envelope_unauthenticated().header("x-sentry-auth", value).body(ENVELOPE)
            },
            expect: Refused(401, MISSING_AUTH),
        },
        Case {
            name: "auth: Basic credentials that are not base64 count as none",
            request: |c| {
                c.envelope_unauthenticated()
                    .header("authorization", "Basic %%% not base64 %%%")
                    .body(ENVELOPE)
            },
            expect: Refused(401, MISSING_AUTH),
        },
        Case {
            name: "auth: conflicting, X-Sentry-Auth and the query string",
            request: |c| {
                c.post(&format!("/api/{}/envelope/?sentry_key={}", c.project, c.key))
                    .header("x-sentry-auth", Ctx::auth_for(&c.key))
                    .body(ENVELOPE)
            },
            expect: Refused(401, MULTIPLE_AUTH),
        },
        Case {
            name: "auth: conflicting, X-Sentry-Auth and Authorization: Sentry",
            request: |c| c.envelope().header("authorization", Ctx::auth_for(&c.key)).body(ENVELOPE),
            expect: Refused(401, MULTIPLE_AUTH),
        },
        Case {
            name: "auth: conflicting, a second place is refused before it is read",
            request: |c| {
                c.post(&format!("/api/{}/envelope/?sentry_version=7", c.project))
                    .header("x-sentry-auth", Ctx::auth_for(&c.key))
                    .body(ENVELOPE)
            },
            expect: Refused(401, MULTIPLE_AUTH),
        },
        Case {
            name: "auth: a tunnelled envelope whose header cannot be read",
            request: |c| {
                c.envelope_unauthenticated().body("{\"dsn\": \n{\"type\":\"event\"}\n{}\n")
            },
            expect: Refused(401, "bad envelope authentication header"),
        },
        // --- projects and keys ----------------------------------------------------------------
        Case {
            name: "project: unknown",
            request: |c| {
                c.post("/api/999999/envelope/")
                    .header("x-sentry-auth", Ctx::auth_for(&c.key))
                    .body(ENVELOPE)
            },
            expect: Refused(403, REJECTED),
        },
        Case {
            name: "project: unknown key",
            request: |c| {
                c.envelope_unauthenticated()
                    .header("x-sentry-auth", Ctx::auth_for("00000000000000000000000000000000"))
                    .body(ENVELOPE)
            },
            expect: Refused(403, REJECTED),
        },
        Case {
            name: "project: the key belongs to another project",
            request: |c| {
                c.post(&format!("/api/{}/envelope/", c.other_project))
                    .header("x-sentry-auth", Ctx::auth_for(&c.key))
                    .body(ENVELOPE)
            },
            expect: Refused(403, REJECTED),
        },
        Case {
            name: "project: a disabled key",
            request: |c| {
                c.post(&format!("/api/{}/envelope/", c.disabled_project))
                    .header("x-sentry-auth", Ctx::auth_for(&c.disabled_key))
                    .body(ENVELOPE)
            },
            expect: Refused(403, REJECTED),
        },
        Case {
            name: "project: an id that is not a number",
            request: |c| {
                c.post("/api/abc/envelope/")
                    .header("x-sentry-auth", Ctx::auth_for(&c.key))
                    .body(ENVELOPE)
            },
            expect: Refused(400, "bad project path parameter"),
        },
        // --- sizes and counts -----------------------------------------------------------------
        Case {
            name: "size: an event item over 1 MiB",
            request: |c| {
                let payload = json!({ "message": "x".repeat(1024 * 1024) }).to_string();
                c.envelope().body(envelope_with_event(
                    "9ec79c33ec9942ab8353589fcb2e04dc",
                    payload.as_bytes(),
                ))
            },
            expect: Refused(400, EVENT_TOO_LARGE),
        },
        Case {
            name: "size: a /store/ event over 1 MiB",
            request: |c| c.store().body(json!({ "message": "x".repeat(1024 * 1024) }).to_string()),
            expect: Refused(413, "request body exceeded the size limit of 1048576 bytes"),
        },
        Case {
            name: "size: an envelope over the 40 MiB wire limit",
            request: |c| {
                let attachment = 40 * 1024 * 1024;
                let mut body = format!(
                    "{{}}\n{{\"type\":\"attachment\",\"length\":{attachment},\"filename\":\"big.bin\"}}\n"
                )
                .into_bytes();
                body.resize(body.len() + attachment, b'a');
                c.envelope().body(body)
            },
            expect: Refused(413, "Failed to buffer the request body: length limit exceeded"),
        },
        Case {
            name: "size: a gzip bomb that inflates past the 200 MiB envelope limit",
            request: |c| {
                c.envelope().header("content-encoding", "gzip").body(gzip_bomb(200 * 1024 * 1024))
            },
            expect: Refused(413, "request body exceeded the size limit of 209715200 bytes"),
        },
        Case {
            name: "size: a gzip bomb that inflates past the 1 MiB /store/ limit",
            request: |c| c.store().header("content-encoding", "gzip").body(gzip_bomb(1024 * 1024)),
            expect: Refused(413, "request body exceeded the size limit of 1048576 bytes"),
        },
        Case {
            name: "size: base64 of zlib that inflates past the 1 MiB /store/ limit",
            request: |c| {
                let mut zlib =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
                zlib.write_all(&vec![b' '; 1024 * 1024 + 1]).expect("compress");
                c.store().body(base64_of(&zlib.finish().expect("zlib")))
            },
            expect: Refused(413, "request body exceeded the size limit of 1048576 bytes"),
        },
        Case {
            name: "count: 31 attachments (at most 30)",
            request: |c| {
                let item = "{\"type\":\"attachment\",\"length\":1,\"filename\":\"a.txt\"}\na\n";
                c.envelope().body(envelope_with_items(31, item))
            },
            expect: Refused(400, TOO_MANY_ATTACHMENTS),
        },
        Case {
            name: "count: 101 sessions (at most 100)",
            request: |c| {
                let item = "{\"type\":\"session\"}\n{\"sid\":\"7c7b6e6d5c4b4a39a8f7e6d5c4b3a291\",\"init\":true,\"started\":\"2026-01-01T00:00:00Z\",\"attrs\":{\"release\":\"a@1\"}}\n";
                c.envelope().body(envelope_with_items(101, item))
            },
            expect: Refused(400, TOO_MANY_SESSIONS),
        },
        Case {
            name: "count: 60 session and 41 sessions items (at most 100 together)",
            request: |c| {
                let session = "{\"type\":\"session\"}\n{\"sid\":\"7c7b6e6d5c4b4a39a8f7e6d5c4b3a291\",\"started\":\"2026-01-01T00:00:00Z\",\"attrs\":{\"release\":\"a@1\"}}\n";
                let sessions = "{\"type\":\"sessions\"}\n{\"aggregates\":[],\"attrs\":{\"release\":\"a@1\"}}\n";
                let mut body = String::from("{}\n");
                body.push_str(&session.repeat(60));
                body.push_str(&sessions.repeat(41));
                c.envelope().body(body)
            },
            expect: Refused(400, TOO_MANY_SESSIONS_AGGREGATES),
        },
        Case {
            name: "count: 101 client reports (at most 100)",
            request: |c| {
                let item = "{\"type\":\"client_report\"}\n{\"timestamp\":1700000000,\"discarded_events\":[]}\n";
                c.envelope().body(envelope_with_items(101, item))
            },
            expect: Refused(400, TOO_MANY_CLIENT_REPORTS),
        },
        Case {
            name: "count: 10 001 items of an unknown type (Cairn's cap: 10 000)",
            request: |c| c.envelope().body(envelope_with_items(10_001, "{\"type\":\"x\"}\n\n")),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "size: headers over 1 MiB together (Cairn's cap)",
            request: |c| {
                let item = format!("{{\"type\":\"x\",\"pad\":\"{}\"}}\n\n", "a".repeat(300_000));
                c.envelope().body(envelope_with_items(4, &item))
            },
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "size: a small gzip inflating to a 150 MiB envelope header (Cairn's cap)",
            request: |c| {
                // `{"x":[0,0,0,...`: two bytes per value in JSON, 32 in memory (and more while it grows).
                let chunk = "0,".repeat(512 * 1024);
                let body = gzip_repeated(b"{\"x\":[", chunk.as_bytes(), 150);
                c.envelope().header("content-encoding", "gzip").body(body)
            },
            expect: Refused(400, INVALID_ENVELOPE),
        },
        // --- Content-Encoding -----------------------------------------------------------------
        Case {
            name: "encoding: gzip that is not gzip",
            request: |c| c.envelope().header("content-encoding", "gzip").body(ENVELOPE),
            expect: Refused(400, "failed to decode gzip payload"),
        },
        Case {
            name: "encoding: truncated gzip",
            request: |c| {
                let full = gzip(ENVELOPE.as_bytes());
                c.envelope()
                    .header("content-encoding", "gzip")
                    .body(full[..full.len() / 2].to_vec())
            },
            expect: Refused(400, "failed to decode gzip payload"),
        },
        Case {
            name: "encoding: deflate that is not zlib",
            request: |c| c.envelope().header("content-encoding", "deflate").body(ENVELOPE),
            expect: Refused(400, "failed to decode zlib payload"),
        },
        Case {
            name: "encoding: an unknown Content-Encoding",
            request: |c| c.envelope().header("content-encoding", "rot13").body(ENVELOPE),
            expect: Refused(415, "unsupported content encoding"),
        },
        // --- nesting and UTF-8 ----------------------------------------------------------------
        Case {
            name: "nesting: an envelope header 10 000 levels deep",
            request: |c| c.envelope().body(format!("{{\"x\":{}}}\n", nested(10_000))),
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "nesting: an item header 10 000 levels deep",
            request: |c| {
                c.envelope()
                    .body(format!("{{}}\n{{\"type\":\"event\",\"x\":{}}}\n{{}}\n", nested(10_000)))
            },
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "nesting: an event 10 000 levels deep",
            request: |c| {
                let payload = format!("{{\"extra\":{{\"deep\":{}}}}}", nested(10_000));
                c.envelope().body(envelope_with_event(DEEPLY_NESTED_ID, payload.as_bytes()))
            },
            expect: AcceptedAndDropped(DEEPLY_NESTED_ID),
        },
        Case {
            name: "utf-8: an envelope header that is not UTF-8",
            request: |c| {
                c.envelope().body(&b"{\"release\":\"caf\xe9\"}\n{\"type\":\"event\"}\n{}\n"[..])
            },
            expect: Refused(400, INVALID_ENVELOPE),
        },
        Case {
            name: "nesting: a /store/ event 10 000 levels deep",
            request: |c| {
                let payload = format!(
                    "{{\"event_id\":\"{STORE_DEEP_ID}\",\"extra\":{{\"deep\":{}}}}}",
                    nested(10_000)
                );
                c.store().body(payload)
            },
            expect: AcceptedAndDropped(STORE_DEEP_ID),
        },
        Case {
            name: "utf-8: an event that is not UTF-8",
            request: |c| {
                c.envelope().body(envelope_with_event(LATIN1_ID, b"{\"message\":\"caf\xe9\"}"))
            },
            expect: AcceptedAndDropped(LATIN1_ID),
        },
    ]
}

/// The public key and project id of a DSN (`http://KEY@host/ID`).
fn key_and_project(dsn: &str) -> (String, i64) {
    let key = dsn.split("://").nth(1).and_then(|s| s.split('@').next()).expect("key");
    let project = dsn.rsplit('/').next().and_then(|id| id.parse().ok()).expect("project id");
    (key.to_owned(), project)
}

/// Whether an event with this id is stored, read from the server's SQLite file.
async fn is_stored(server: &TestServer, event_id: &str) -> bool {
    let pool = server.database().await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(&pool)
        .await
        .expect("events are readable");
    pool.close().await;
    count > 0
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_relays_answers_and_never_a_5xx() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let (key, project) = key_and_project(&server.create_project(&token, "Backend").await);
    let (_, other_project) = key_and_project(&server.create_project(&token, "Other").await);
    let (disabled_key, disabled_project) =
        key_and_project(&server.create_project(&token, "Frozen").await);
    let (status, keys) = server.get("/api/0/projects/cairn/frozen/keys/", &token).await;
    assert_eq!(status, 200, "{keys}");
    let key_id = keys[0]["id"].as_str().expect("key id");
    let path = format!("/api/0/projects/cairn/frozen/keys/{key_id}/");
    let (status, body) = server.put(&path, &token, json!({"isActive": false})).await;
    assert_eq!((status, &body["isActive"]), (200, &json!(false)), "{body}");

    let ctx = Ctx {
        url: server.url.clone(),
        http: server.http.clone(),
        key,
        project,
        other_project,
        disabled_key,
        disabled_project,
    };
    let mut failures = Vec::new();
    for case in cases() {
        let response = (case.request)(&ctx)
            .timeout(Duration::from_secs(300))
            .send()
            .await
            .unwrap_or_else(|err| panic!("{}: no answer: {err}", case.name));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_else(|err| panic!("{}: {err}", case.name));
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        // The `detail` of a JSON error; the text itself for axum's plain-text answers.
        let detail = body["detail"].as_str().unwrap_or(&text);
        if status >= 500 {
            failures.push(format!("{}: a server error {status}: {text}", case.name));
            continue;
        }
        match case.expect {
            Expect::Refused(want_status, want_detail) => {
                if (status, detail) != (want_status, want_detail) {
                    failures.push(format!(
                        "{}: expected {want_status} {want_detail:?}, got {status} {detail:?}",
                        case.name
                    ));
                }
            }
            Expect::AcceptedAndDropped(id) => {
                if (status, &body["id"]) != (200, &json!(id)) {
                    failures.push(format!(
                        "{}: expected 200 {{\"id\":{id:?}}}, got {status} {text}",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));

    // The items Relay would have dropped after answering are not stored.
    for id in DROPPED_IDS {
        assert!(!is_stored(&server, id).await, "event {id} should have been dropped");
    }

    // And the server still serves: a valid event is stored, the health check answers.
    let id = "600dd00d000000000000000000000001";
    let response = ctx
        .envelope()
        .body(envelope_with_event(id, br#"{"message":"still alive"}"#))
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["id"], id);
    assert!(is_stored(&server, id).await, "the valid event is stored");
    let health = server.http.get(format!("{}/healthz", server.url)).send().await.expect("HTTP");
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("text"), "ok");
}
