//! `POST /api/{project_id}/minidump/`: native crash reports (Breakpad and Crashpad uploads,
//! sentry-native's Crashpad backend, Electron's crash reporter). The minidump is kept as an
//! attachment of a new `fatal` event; it is not symbolicated.
//!
//! Accepted bodies, as Relay accepts them: `multipart/form-data` with the dump in
//! `upload_file_minidump`, or the raw dump with `Content-Type: application/octet-stream` /
//! `application/x-dmp`; either compressed as a whole by `Content-Encoding`, and the dump itself
//! possibly in a gzip, zstd, bzip2 or xz container. In a form:
//! - the event's fields: JSON in `sentry` (or `sentry___<anything>`), JSON cut into `sentry__1`,
//!   `sentry__2`, ... (Electron), `sentry[key][key]` fields (Breakpad's 64-character values),
//!   and every other plain field under the event's `extra` (Crashpad's annotations);
//! - sentry-native's files: the event (`__sentry-event`) and its breadcrumbs in two rotating
//!   files (`__sentry-breadcrumbs1`, `2`), each MessagePack;
//! - every other file is kept as an attachment of the event.
//!
//! The form's fields win over sentry-native's event. Answers the event id as a hyphenated UUID
//! in plain text, as the minidump clients expect; over a rate limit the crash is dropped but
//! still answered `200`, since these clients retry what fails.

use std::io::Read;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::header;
use serde_json::{json, Map, Value};

use super::error::IngestError;
use super::{
    auth, authorize, body, check_rate_limit, parse_project_id, store, ClientIp, MAX_ATTACHMENT_SIZE,
};
use crate::ingest::event;
use crate::state::AppState;
use crate::store::{IngestBatch, NewItem, Outcome, Store};
use crate::util::now_ms;

/// The form field that holds the dump.
const MINIDUMP_FIELD: &str = "upload_file_minidump";
/// sentry-native's event, MessagePack.
const EVENT_FIELD: &str = "__sentry-event";
/// sentry-native's breadcrumbs, MessagePack values one after the other, in two files it
/// writes in turn.
const BREADCRUMB_FIELDS: [&str; 2] = ["__sentry-breadcrumbs1", "__sentry-breadcrumbs2"];
/// The name a raw (not multipart) dump is kept under.
const RAW_MINIDUMP_NAME: &str = "Minidump";

/// Why a minidump upload is refused (Relay's texts).
fn invalid() -> IngestError {
    IngestError::Invalid("invalid minidump")
}

fn invalid_form() -> IngestError {
    IngestError::Invalid("invalid multipart data")
}

/// A file of the upload, kept as an attachment of the event.
struct Upload {
    data: Bytes,
    filename: String,
    content_type: String,
    /// Sentry's attachment type: `event.minidump`, `event.view_hierarchy`, `event.attachment`.
    attachment_type: &'static str,
}

/// Handles a minidump upload.
pub async fn post_minidump<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    client_ip: ClientIp,
    request: Request,
) -> Result<String, IngestError> {
    let project_id = parse_project_id(&project_id)?;
    let headers = request.headers().clone();
    let auth = auth::from_request(&headers, query.as_deref())?.ok_or(IngestError::MissingAuth)?;
    let authorized = authorize(&state, &auth, project_id, &headers, client_ip).await?;

    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let wire = Bytes::from_request(request, &state).await.map_err(|_| invalid())?;
    // Relay decompresses every route's body by its `Content-Encoding` first (Electron's crash
    // reporter gzips whole uploads).
    let body = body::decode(&headers, wire, MAX_ATTACHMENT_SIZE)?;

    let mut event = Map::new();
    let (dump, others) = if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let form = read_form(&content_type, body).await?;
        event = form.event;
        (form.minidump.ok_or(IngestError::Invalid("missing minidump"))?, form.attachments)
    } else {
        let dump = Upload {
            data: body,
            filename: RAW_MINIDUMP_NAME.to_owned(),
            content_type: "application/x-dmp".to_owned(),
            attachment_type: "event.minidump",
        };
        (dump, Vec::new())
    };
    let dump = decode_container(dump, MAX_ATTACHMENT_SIZE)?;
    if !(dump.data.starts_with(b"MDMP") || dump.data.starts_with(b"PMDM")) {
        return Err(invalid());
    }

    // Announced only once the upload is in: the writer waits for requests being processed,
    // not for a slow client's upload.
    let arrival = state.store.announce_arrival();
    let event_id = event
        .get("event_id")
        .and_then(Value::as_str)
        .and_then(|id| uuid::Uuid::parse_str(id).ok())
        .unwrap_or_else(uuid::Uuid::new_v4);
    event.insert("event_id".into(), json!(event_id.simple().to_string()));
    event.entry("level").or_insert(json!("fatal"));
    event.entry("platform").or_insert(json!("native"));
    event.entry("exception").or_insert(json!({"values": [{
        "type": "Minidump",
        "value": "Crash reported as a minidump (not symbolicated)",
        "mechanism": {"type": "minidump", "handled": false, "synthetic": true}
    }]}));
    let received_ms = now_ms();
    let ctx = authorized.event_context(received_ms);
    let processed = event::process(Value::Object(event).to_string().as_bytes(), &ctx)?;
    // Dropped, and counted, when its issue was deleted with "discard future events" or when
    // the key's or the project's rate limit is spent.
    let dropped = if authorized.discards(&processed.hashes) {
        Some("discarded-hash")
    } else {
        check_rate_limit(&state, &authorized, 1).err().map(|_| "ratelimited")
    };
    if let Some(reason) = dropped {
        let outcome = Outcome {
            project_id,
            source: "server",
            category: "error".into(),
            reason: reason.into(),
            quantity: 1,
        };
        store(&state, arrival, IngestBatch { outcomes: vec![outcome], ..IngestBatch::default() })
            .await?;
        return Ok(event_id.hyphenated().to_string());
    }
    let items = std::iter::once(dump)
        .chain(others)
        .map(|upload| NewItem {
            project_id,
            event_id: Some(processed.event_id.clone()),
            item_type: "attachment".into(),
            headers: json!({
                "type": "attachment",
                "attachment_type": upload.attachment_type,
                "filename": upload.filename,
                "content_type": upload.content_type,
                "length": upload.data.len(),
            })
            .to_string(),
            sha1: Some(NewItem::sha1_of(&upload.data)),
            trace: None,
            payload: upload.data,
            received: received_ms,
        })
        .collect();
    let batch = IngestBatch { events: vec![processed], items, ..IngestBatch::default() };
    store(&state, arrival, batch).await?;
    Ok(event_id.hyphenated().to_string())
}

/// What a multipart upload holds.
struct Form {
    minidump: Option<Upload>,
    /// The other files, to keep as attachments.
    attachments: Vec<Upload>,
    /// The event its fields and sentry-native's files describe.
    event: Map<String, Value>,
}

async fn read_form(content_type: &str, body: Bytes) -> Result<Form, IngestError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| invalid_form())?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let (mut minidump, mut attachments) = (None, Vec::new());
    let (mut native_event, mut breadcrumb_files) = (None, Vec::new());
    let mut fields: Vec<(String, String)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| invalid_form())? {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.map_err(|_| invalid_form())?;
        if name == EVENT_FIELD {
            native_event = Some(data);
        } else if BREADCRUMB_FIELDS.contains(&name.as_str()) {
            breadcrumb_files.push(data);
        } else if name == MINIDUMP_FIELD || filename.is_some() {
            let attachment_type = match name.as_str() {
                MINIDUMP_FIELD => "event.minidump",
                "view-hierarchy.json" => "event.view_hierarchy",
                _ => "event.attachment",
            };
            // Relay marks the dump `application/x-dmp`, whatever the form part said.
            let content_type = if name == MINIDUMP_FIELD {
                "application/x-dmp".to_owned()
            } else {
                content_type.unwrap_or_else(|| "application/octet-stream".to_owned())
            };
            let upload = Upload {
                data,
                filename: filename.unwrap_or_else(|| name.clone()),
                content_type,
                attachment_type,
            };
            if name == MINIDUMP_FIELD {
                minidump = Some(upload);
            } else {
                attachments.push(upload);
            }
        } else {
            fields.push((name, String::from_utf8_lossy(&data).into_owned()));
        }
    }
    let mut event = native_event.as_deref().map(native_event_of).unwrap_or_default();
    let breadcrumbs = native_breadcrumbs(&breadcrumb_files);
    if !breadcrumbs.is_empty() {
        event.insert("breadcrumbs".into(), json!({ "values": breadcrumbs }));
    }
    merge_form_fields(&mut event, &fields);
    Ok(Form { minidump, attachments, event })
}

/// How deep sentry-native's MessagePack may nest: as deep as JSON events may (`serde_json`'s
/// limit), so that a hostile file cannot run the decoder's recursion down the stack.
const MAX_MSGPACK_DEPTH: usize = 128;

/// A MessagePack decoder of `reader` with [`MAX_MSGPACK_DEPTH`].
fn msgpack<R: Read>(reader: R) -> rmp_serde::Deserializer<rmp_serde::decode::ReadReader<R>> {
    let mut deserializer = rmp_serde::Deserializer::new(reader);
    deserializer.set_max_depth(MAX_MSGPACK_DEPTH);
    deserializer
}

/// sentry-native's event: a MessagePack map; anything else gives an empty event.
fn native_event_of(data: &[u8]) -> Map<String, Value> {
    match serde::Deserialize::deserialize(&mut msgpack(data)) {
        Ok(Value::Object(event)) => event,
        _ => Map::new(),
    }
}

/// sentry-native's breadcrumb files: MessagePack breadcrumbs one after the other. The file
/// whose first breadcrumb is older was written first; its breadcrumbs come first. A file is
/// read up to its first value that does not decode (a crash may cut the last one short).
fn native_breadcrumbs(files: &[Bytes]) -> Vec<Value> {
    let mut lists: Vec<Vec<Value>> = files
        .iter()
        .map(|file| {
            let mut reader = &file[..];
            let mut breadcrumbs = Vec::new();
            while !reader.is_empty() {
                match serde::Deserialize::deserialize(&mut msgpack(&mut reader)) {
                    Ok(breadcrumb @ Value::Object(_)) => breadcrumbs.push(breadcrumb),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            breadcrumbs
        })
        .collect();
    let first_time = |list: &Vec<Value>| {
        list.first().and_then(|b| b.get("timestamp")).and_then(event::parse_timestamp_ms)
    };
    lists.sort_by_key(first_time);
    lists.into_iter().flatten().collect()
}

/// Relay's reading of a form's plain fields into the event: `sentry` and `sentry___*` hold
/// JSON; `sentry__1`, `sentry__2`, ... hold pieces of one JSON (Electron cuts long payloads);
/// `sentry[a][b]` sets one nested string; any other field goes under `extra`.
fn merge_form_fields(event: &mut Map<String, Value>, fields: &[(String, String)]) {
    let mut chunks: Vec<(usize, &str)> = Vec::new();
    for (name, value) in fields {
        if name == "sentry" || name.starts_with("sentry___") {
            if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(value) {
                merge(event, fields);
            }
        } else if let Some(index) = name.strip_prefix("sentry__").and_then(|i| i.parse().ok()) {
            chunks.push((index, value));
        } else if let Some(path) = name.strip_prefix("sentry[") {
            let keys: Vec<&str> =
                path.trim_end_matches(']').split("][").filter(|k| !k.is_empty()).collect();
            set_path(event, &keys, Value::String(value.clone()));
        } else {
            set_path(event, &["extra", name], Value::String(value.clone()));
        }
    }
    if !chunks.is_empty() {
        chunks.sort_by_key(|(index, _)| *index);
        let joined: String = chunks.into_iter().map(|(_, chunk)| chunk).collect();
        if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&joined) {
            merge(event, fields);
        }
    }
}

/// Merges `fields` into `event`: objects key by key, anything else replaced.
fn merge(event: &mut Map<String, Value>, fields: Map<String, Value>) {
    for (key, value) in fields {
        match (event.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(value)) => merge(existing, value),
            (_, value) => {
                event.insert(key, value);
            }
        }
    }
}

fn set_path(map: &mut Map<String, Value>, keys: &[&str], value: Value) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut current = map;
    for key in parents {
        let entry = current.entry((*key).to_owned()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        let Value::Object(next) = entry else {
            return;
        };
        current = next;
    }
    current.insert((*last).to_owned(), value);
}

/// A dump in a compression container (gzip, zstd, bzip2 or xz, told by its first bytes)
/// unpacked, at most `limit` bytes, and its file name without the container's extension; any
/// other dump as it is.
fn decode_container(mut dump: Upload, limit: usize) -> Result<Upload, IngestError> {
    let data = &dump.data[..];
    let unpacked = if data.starts_with(b"\x1f\x8b") {
        unpack(flate2::read::MultiGzDecoder::new(data), limit)?
    } else if data.starts_with(b"\x28\xb5\x2f\xfd") {
        let decoder = zstd::stream::read::Decoder::new(data).map_err(|_| bad_container())?;
        unpack(decoder, limit)?
    } else if data.starts_with(b"BZh") {
        unpack(bzip2::read::MultiBzDecoder::new(data), limit)?
    } else if data.starts_with(b"\xfd7zXZ\x00") {
        // lzma-rs only writes out what it unpacks: the cap is on the writer.
        let mut out = CappedWriter { bytes: Vec::new(), limit };
        let mut input = std::io::BufReader::new(data);
        match lzma_rs::xz_decompress(&mut input, &mut out) {
            Ok(()) => Bytes::from(out.bytes),
            Err(lzma_rs::error::Error::IoError(err)) if err.kind() == TOO_LARGE => {
                return Err(too_large())
            }
            Err(_) => return Err(bad_container()),
        }
    } else {
        return Ok(dump);
    };
    dump.data = unpacked;
    for extension in [".gz", ".zst", ".bz2", ".xz"] {
        if let Some(stem) = dump.filename.strip_suffix(extension) {
            dump.filename = stem.to_owned();
            break;
        }
    }
    Ok(dump)
}

/// The request bodies' capped reader, with a dump's errors (Relay's texts for minidumps).
fn unpack(reader: impl Read, limit: usize) -> Result<Bytes, IngestError> {
    match body::read_capped(reader, limit, "minidump") {
        Err(IngestError::PayloadTooLarge(_)) => Err(too_large()),
        Err(_) => Err(bad_container()),
        unpacked => unpacked,
    }
}

fn bad_container() -> IngestError {
    IngestError::Invalid("invalid compression container")
}

fn too_large() -> IngestError {
    IngestError::ItemTooLarge("attachment")
}

/// The error kind [`CappedWriter`] fails with once a dump unpacks past its limit.
const TOO_LARGE: std::io::ErrorKind = std::io::ErrorKind::FileTooLarge;

/// A buffer that refuses to grow past `limit` bytes.
struct CappedWriter {
    bytes: Vec<u8>,
    limit: usize,
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::new(TOO_LARGE, "the dump unpacks past the limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_become_the_event_as_relay_reads_them() {
        let field = |name: &str, value: &str| (name.to_owned(), value.to_owned());
        let mut event = Map::new();
        event.insert("tags".into(), json!({"from": "native event"}));
        let fields = [
            // Electron cuts a long payload into numbered pieces, in any order.
            field("sentry__2", r#""electron", "tags": {"piece": "joined"}}"#),
            field("sentry__1", r#"{"release": "#),
            field("sentry___extra", r#"{"user": {"id": "u1"}}"#),
            field("sentry[contexts][app][app_name]", "Shop"),
            field("guid", "crashpad-annotation"),
            field("sentry__x", "not a piece: an annotation"),
        ];
        merge_form_fields(&mut event, &fields);
        assert_eq!(
            Value::Object(event),
            json!({
                "release": "electron",
                "tags": {"from": "native event", "piece": "joined"},
                "user": {"id": "u1"},
                "contexts": {"app": {"app_name": "Shop"}},
                "extra": {"guid": "crashpad-annotation", "sentry__x": "not a piece: an annotation"},
            })
        );
    }

    #[test]
    fn messagepack_nested_past_the_limit_is_dropped_not_followed() {
        // `{"extra": [[[...null...]]]}` with `levels` nested one-element arrays: 0x81 (a map of
        // one), the key, then 0x91 (an array of one) over and over.
        let nested = |levels: usize| {
            let mut data = vec![0x81, 0xa5];
            data.extend_from_slice(b"extra");
            data.extend(std::iter::repeat_n(0x91, levels));
            data.push(0xc0);
            data
        };
        // Past the limit (rmp-serde's own is 1,024), and far past it.
        for levels in [200, 100_000] {
            assert!(native_event_of(&nested(levels)).is_empty(), "{levels}");
            assert!(native_breadcrumbs(&[Bytes::from(nested(levels))]).is_empty(), "{levels}");
        }
        // Within it, the event is read.
        assert!(native_event_of(&nested(100)).contains_key("extra"));
    }

    #[test]
    fn every_container_is_unpacked_up_to_the_limit_and_not_past_it() {
        use std::io::Write as _;
        let dump = |size: usize| [&b"MDMP"[..], &vec![7; size - 4]].concat();
        type Pack = fn(&[u8]) -> Vec<u8>;
        let containers: [(&str, Pack); 4] = [
            ("crash.dmp.gz", |data| {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), Default::default());
                e.write_all(data).expect("gzip");
                e.finish().expect("gzip")
            }),
            ("crash.dmp.zst", |data| zstd::encode_all(data, 1).expect("zstd")),
            ("crash.dmp.bz2", |data| {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), Default::default());
                e.write_all(data).expect("bzip2");
                e.finish().expect("bzip2")
            }),
            ("crash.dmp.xz", |data| {
                let mut out = Vec::new();
                lzma_rs::xz_compress(&mut &data[..], &mut out).expect("xz");
                out
            }),
        ];
        let upload = |filename: &str, data: Vec<u8>| Upload {
            data: Bytes::from(data),
            filename: filename.to_owned(),
            content_type: "application/x-dmp".to_owned(),
            attachment_type: "event.minidump",
        };
        for (filename, pack) in containers {
            let unpacked = decode_container(upload(filename, pack(&dump(1000))), 1000)
                .unwrap_or_else(|err| panic!("{filename}: {err}"));
            assert_eq!(
                (&unpacked.data[..], unpacked.filename.as_str()),
                (&dump(1000)[..], "crash.dmp")
            );
            let refused = decode_container(upload(filename, pack(&dump(1001))), 1000).err();
            assert_eq!(
                refused.map(|err| err.to_string()),
                Some(too_large().to_string()),
                "{filename}"
            );
            let mut damaged = pack(&dump(1000));
            let middle = damaged.len() / 2;
            damaged.truncate(middle);
            let refused = decode_container(upload(filename, damaged), 1000).err();
            assert_eq!(
                refused.map(|err| err.to_string()),
                Some(bad_container().to_string()),
                "{filename}"
            );
        }
        // A dump in no container is kept as it is, name and all.
        let plain = decode_container(upload("crash.dmp.gz", dump(5000)), 1000).expect("kept");
        assert_eq!((plain.data.len(), plain.filename.as_str()), (5000, "crash.dmp.gz"));
    }

    #[test]
    fn a_cut_breadcrumb_file_keeps_what_decodes() {
        let crumb = rmp_serde::to_vec_named(&json!({"timestamp": 1.0, "message": "kept"}))
            .expect("MessagePack");
        let mut cut = crumb.clone();
        cut.extend_from_slice(&crumb[..crumb.len() / 2]);
        let breadcrumbs = native_breadcrumbs(&[Bytes::from(cut)]);
        assert_eq!(breadcrumbs, [json!({"timestamp": 1.0, "message": "kept"})]);
    }
}
