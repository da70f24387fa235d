//! Event attachments (Sentry's `EventAttachmentsEndpoint` and `EventAttachmentDetailsEndpoint`):
//! the files SDKs sent with an event (logs, screenshots, minidumps), listed in Sentry's
//! `EventAttachment` shape and downloaded with `?download`.

use axum::body::Body;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use cairn_types::api::{AttachmentHeaders, EventAttachment};
use sha1::{Digest, Sha1};

use super::issues::issue_access;
use super::org_access;
use super::paging::PageParams;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{AttachmentRow, Store};
use crate::util::ms_to_datetime;

/// Relay's name for an attachment sent without a file name.
const UNNAMED: &str = "Unnamed Attachment";
/// The attachment type of an item without `attachment_type` (Sentry's default).
const DEFAULT_TYPE: &str = "event.attachment";
/// The mimetype of an item without `content_type`.
const DEFAULT_MIMETYPE: &str = "application/octet-stream";

/// The project and the event id (32 hex) of a request, once the caller may read the project's
/// events and the event exists (Sentry answers 404 for an unknown event, whatever attachments
/// name it). An event id that is no UUID is 404, as for the event itself.
async fn event_of<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: &str,
    event_id: &str,
) -> ApiResult<(i64, String)> {
    let access = org_access(state, identity, org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, project).await?;
    let event_id =
        uuid::Uuid::parse_str(event_id).map_err(|_| ApiError::NotFound)?.simple().to_string();
    state.store.project_event(project.id, &event_id).await?;
    Ok((project.id, event_id))
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/attachments/`: the event's
/// attachments, oldest first.
pub async fn list_attachments<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, event_id)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Vec<EventAttachment>>> {
    let (project_id, event_id) = event_of(&state, &identity, &org, &project, &event_id).await?;
    let rows = state.store.event_attachments(project_id, &event_id).await?;
    Ok(AppJson(serialize_all(&state, project_id, rows).await?))
}

/// Rows in Sentry's shape, with their SHA-1: stored with them since migration 0024; an older
/// one is read and hashed, one at a time, as a minidump may weigh tens of megabytes.
async fn serialize_all<S: Store>(
    state: &AppState<S>,
    project_id: i64,
    rows: Vec<AttachmentRow>,
) -> ApiResult<Vec<EventAttachment>> {
    let mut attachments = Vec::with_capacity(rows.len());
    for row in rows {
        let sha1 = match row.sha1.clone() {
            Some(sha1) => sha1,
            None => {
                let (_, payload) =
                    state.store.event_attachment(project_id, &row.event_id, row.id).await?;
                sha1_hex(payload).await?
            }
        };
        attachments.push(serialize(&row, sha1));
    }
    Ok(attachments)
}

/// `GET /api/0/organizations/{org}/issues/{id}/attachments/` (and `/api/0/issues/{id}/
/// attachments/`; Sentry's `GroupAttachmentsEndpoint`): the attachments of every event of the
/// issue, newest first, a page at a time (`cursor`, `per_page` up to 100); `types` (repeatable)
/// keeps those Sentry types, `screenshot=1` the screenshots.
pub async fn list_issue_attachments<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let issue_id = get("issue_id").ok_or(ApiError::NotFound)?;
    let page = PageParams::parse(raw.as_deref())?;
    let mut types = Vec::new();
    let mut screenshots = false;
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "types" => types.push(value.into_owned()),
            "screenshot" => screenshots = value == "1" || value == "true",
            _ => {}
        }
    }
    let (issue, _) = issue_access(&state, &identity, get("org"), issue_id, "event:read").await?;
    let mut rows = state
        .store
        .issue_attachments(issue.id, &types, screenshots, page.offset, page.rows_to_read())
        .await?;
    let more = page.take_page(&mut rows);
    let attachments = serialize_all(&state, issue.project.id, rows).await?;
    Ok(page.response(&state, attachments, more, uri.path(), raw.as_deref()))
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/attachments/{attachment_id}/`: one
/// attachment, or with `?download` its bytes. As Sentry, any `download` parameter downloads,
/// whatever its value.
pub async fn get_attachment<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, event_id, attachment_id)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let download = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
        .any(|(key, _)| key == "download");
    let (project_id, event_id) = event_of(&state, &identity, &org, &project, &event_id).await?;
    let attachment_id: i64 = attachment_id.parse().map_err(|_| ApiError::NotFound)?;
    let (row, payload) = state.store.event_attachment(project_id, &event_id, attachment_id).await?;
    if !download {
        let sha1 = match row.sha1.clone() {
            Some(sha1) => sha1,
            None => sha1_hex(payload).await?,
        };
        return Ok(AppJson(serialize(&row, sha1)).into_response());
    }
    let mimetype = HeaderValue::from_str(&mimetype(&row))
        .unwrap_or(HeaderValue::from_static(DEFAULT_MIMETYPE));
    let length = HeaderValue::from(payload.len());
    let disposition = content_disposition(&name(&row));
    let mut response = Body::from(payload).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, mimetype);
    headers.insert(header::CONTENT_LENGTH, length);
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    // The bytes are the SDK's, served from the dashboard's origin: never sniffed into HTML,
    // never run as a page of that origin even if a browser opens them in place.
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    Ok(response)
}

fn name(row: &AttachmentRow) -> String {
    row.filename.clone().filter(|name| !name.is_empty()).unwrap_or_else(|| UNNAMED.to_owned())
}

fn mimetype(row: &AttachmentRow) -> String {
    row.content_type
        .clone()
        .filter(|mimetype| !mimetype.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_MIMETYPE.to_owned())
}

/// Sentry's `EventAttachmentSerializer`.
fn serialize(row: &AttachmentRow, sha1: String) -> EventAttachment {
    let mimetype = mimetype(row);
    EventAttachment {
        id: row.id.to_string(),
        event_id: row.event_id.clone(),
        kind: row
            .attachment_type
            .clone()
            .filter(|ty| !ty.is_empty())
            .unwrap_or_else(|| DEFAULT_TYPE.to_owned()),
        name: name(row),
        mimetype: mimetype.clone(),
        date_created: ms_to_datetime(row.received),
        size: row.size,
        headers: AttachmentHeaders { content_type: mimetype },
        sha1,
    }
}

/// The SHA-1 of a payload in hex, hashed off the async workers (a minidump takes a while).
async fn sha1_hex(payload: Vec<u8>) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hex::encode(Sha1::digest(&payload)))
        .await
        .map_err(|err| ApiError::Internal(Box::new(err)))
}

/// `attachment; filename="..."` for a name the SDK chose. As Sentry, only the last path segment
/// is kept, with runs of whitespace as one space; control characters become `_`, so nothing
/// can end the header or add another. The quoted name is ASCII with `"` and `\` escaped; a name
/// that needs more also gets RFC 6266's `filename*` with its exact UTF-8.
fn content_disposition(name: &str) -> HeaderValue {
    let collapsed = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let base = collapsed.rsplit(['/', '\\']).next().unwrap_or_default();
    let base: String =
        base.chars().map(|c| if c.is_control() { '_' } else { c }).collect::<String>();
    let base = if base.trim().is_empty() { UNNAMED.to_owned() } else { base };
    let mut quoted = String::with_capacity(base.len());
    for c in base.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            ' '..='~' => quoted.push(c),
            _ => quoted.push('_'),
        }
    }
    let mut value = format!("attachment; filename=\"{quoted}\"");
    if !base.is_ascii() {
        value.push_str("; filename*=UTF-8''");
        for byte in base.bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                value.push(char::from(byte));
            } else {
                value.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disposition(name: &str) -> String {
        content_disposition(name).to_str().expect("ASCII").to_owned()
    }

    #[test]
    fn content_disposition_quotes_the_base_name_and_cannot_be_broken_out_of() {
        assert_eq!(disposition("app.log"), r#"attachment; filename="app.log""#);
        assert_eq!(disposition("/var/log/app.log"), r#"attachment; filename="app.log""#);
        assert_eq!(disposition(r"C:\dumps\crash.dmp"), r#"attachment; filename="crash.dmp""#);
        assert_eq!(disposition(r#"a"b\c"#), r#"attachment; filename="c""#);
        assert_eq!(disposition(r#"say "hi".txt"#), r#"attachment; filename="say \"hi\".txt""#);
        assert_eq!(
            disposition("evil.txt\r\nSet-Cookie: x=1"),
            r#"attachment; filename="evil.txt Set-Cookie: x=1""#
        );
        assert_eq!(disposition("nul\0.bin"), r#"attachment; filename="nul_.bin""#);
        assert_eq!(disposition(""), r#"attachment; filename="Unnamed Attachment""#);
        assert_eq!(disposition("dir/"), r#"attachment; filename="Unnamed Attachment""#);
        assert_eq!(
            disposition("résumé \"1\".txt"),
            "attachment; filename=\"r_sum_ \\\"1\\\".txt\"; \
             filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.txt"
        );
    }

    #[test]
    fn the_serializer_fills_sentrys_defaults() {
        let row = AttachmentRow {
            id: 7,
            event_id: "a".repeat(32),
            filename: None,
            content_type: Some(" ".into()),
            attachment_type: None,
            size: 3,
            received: 1_700_000_000_123,
            sha1: None,
        };
        let attachment = serialize(&row, "sha".into());
        assert_eq!(attachment.id, "7");
        assert_eq!(attachment.name, UNNAMED);
        assert_eq!(attachment.kind, "event.attachment");
        assert_eq!(attachment.mimetype, "application/octet-stream");
        assert_eq!(attachment.headers.content_type, "application/octet-stream");
        let json = serde_json::to_value(&attachment).expect("serializes");
        assert_eq!(json["dateCreated"], "2023-11-14T22:13:20.123Z");
        assert_eq!(json["type"], "event.attachment");
        assert_eq!(json["headers"]["Content-Type"], "application/octet-stream");
        assert_eq!(json["event_id"], "a".repeat(32));
    }

    #[tokio::test]
    async fn the_sha1_is_hex() {
        let sha1 = sha1_hex(b"abc".to_vec()).await.expect("hashed");
        assert_eq!(sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
