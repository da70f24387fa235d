//! `POST /api/{project_id}/minidump/`: native crash reports (Breakpad/Crashpad uploads). The
//! minidump is kept as an attachment of a new `fatal` event; it is not symbolicated.
//!
//! Accepted bodies: `multipart/form-data` with the dump in `upload_file_minidump` and optional
//! event JSON in a `sentry` field (or `sentry[...]` fields), or the raw dump with
//! `Content-Type: application/octet-stream` / `application/x-dmp`. Answers the event id as a
//! hyphenated UUID in plain text, as the minidump clients expect.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::header;
use serde_json::{json, Map, Value};

use super::error::IngestError;
use super::{auth, authorize, check_rate_limit, parse_project_id, store, MAX_ATTACHMENT_SIZE};
use crate::ingest::event;
use crate::state::AppState;
use crate::store::{IngestBatch, NewItem, Store};
use crate::util::now_ms;

/// Why a minidump upload is refused (Relay's texts).
fn invalid() -> IngestError {
    IngestError::Invalid("invalid minidump")
}

/// Handles a minidump upload.
pub async fn post_minidump<S: Store>(
    State(state): State<AppState<S>>,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<String, IngestError> {
    let project_id = parse_project_id(&project_id)?;
    let headers = request.headers().clone();
    let auth = auth::from_request(&headers, query.as_deref())?.ok_or(IngestError::MissingAuth)?;
    let authorized = authorize(&state, &auth, project_id, &headers).await?;

    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut event = Map::new();
    let (dump, filename) = if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &state)
            .await
            .map_err(|_| IngestError::Invalid("invalid multipart data"))?;
        let mut dump = None;
        while let Some(field) =
            form.next_field().await.map_err(|_| IngestError::Invalid("invalid multipart data"))?
        {
            let name = field.name().unwrap_or("").to_owned();
            let filename = field.file_name().unwrap_or("minidump.dmp").to_owned();
            let data =
                field.bytes().await.map_err(|_| IngestError::Invalid("invalid multipart data"))?;
            if name == "upload_file_minidump" {
                dump = Some((data, filename));
            } else if name == "sentry" {
                if let Ok(Value::Object(extra)) = serde_json::from_slice::<Value>(&data) {
                    event.extend(extra);
                }
            } else if let Some(path) = name.strip_prefix("sentry[") {
                // `sentry[tags][os]=linux` style fields: one nested key path per field.
                let keys: Vec<&str> =
                    path.trim_end_matches(']').split("][").filter(|k| !k.is_empty()).collect();
                set_path(&mut event, &keys, Value::String(String::from_utf8_lossy(&data).into()));
            }
        }
        dump.ok_or(IngestError::Invalid("missing minidump"))?
    } else {
        let body = Bytes::from_request(request, &state).await.map_err(|_| invalid())?;
        (body, "minidump.dmp".to_owned())
    };
    if dump.len() > MAX_ATTACHMENT_SIZE {
        return Err(IngestError::ItemTooLarge("attachment"));
    }
    if !(dump.starts_with(b"MDMP") || dump.starts_with(b"PMDM")) {
        return Err(invalid());
    }

    // Announced only once the upload is in: the writer waits for requests being processed,
    // not for a slow client's upload.
    let arrival = state.store.announce_arrival();
    let event_id = uuid::Uuid::new_v4();
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
    let item = NewItem {
        project_id,
        event_id: Some(processed.event_id.clone()),
        item_type: "attachment".into(),
        headers: json!({
            "type": "attachment",
            "attachment_type": "event.minidump",
            "filename": filename,
            "content_type": "application/x-dmp",
            "length": dump.len(),
        })
        .to_string(),
        payload: dump,
        received: received_ms,
    };
    check_rate_limit(&state, &authorized, 1)?;
    store(
        &state,
        arrival,
        IngestBatch { events: vec![processed], items: vec![item], ..IngestBatch::default() },
    )
    .await?;
    Ok(event_id.hyphenated().to_string())
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
