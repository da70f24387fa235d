//! Sentry's event attachments API over what ingestion stored: envelope attachments and
//! minidump uploads listed in Sentry's `EventAttachment` shape and downloaded byte for byte,
//! sent as raw HTTP the way SDKs send them.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use crate::common::TestServer;

/// The fields of Sentry's `EventAttachmentSerializer`, no more, no fewer.
const SENTRY_FIELDS: &[&str] =
    &["dateCreated", "event_id", "headers", "id", "mimetype", "name", "sha1", "size", "type"];

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// One envelope item: its headers, a newline, its payload, a newline.
fn item(headers: Value, payload: &[u8]) -> Vec<u8> {
    let mut item = headers.to_string().into_bytes();
    item.push(b'\n');
    item.extend_from_slice(payload);
    item.push(b'\n');
    item
}

struct Project {
    /// `/api/0/projects/cairn/{slug}`
    api: String,
    /// `{url}/api/{id}/`
    ingest: String,
    key: String,
}

async fn project(server: &TestServer, token: &str, name: &str) -> Project {
    server.create_project(token, name).await;
    let slug = name.to_lowercase();
    let (status, keys) = server.get(&format!("/api/0/projects/cairn/{slug}/keys/"), token).await;
    assert_eq!(status, 200, "{keys}");
    let project_id = keys[0]["projectId"].as_i64().expect("project id");
    Project {
        api: format!("/api/0/projects/cairn/{slug}"),
        ingest: format!("{}/api/{project_id}/", server.url),
        key: keys[0]["public"].as_str().expect("public key").to_owned(),
    }
}

/// Posts an envelope with the event `event_id` (a message) and `attachments` items.
async fn send_envelope(server: &TestServer, project: &Project, event_id: &str, items: &[Vec<u8>]) {
    let mut body = json!({"event_id": event_id}).to_string().into_bytes();
    body.push(b'\n');
    let event = json!({"message": format!("crash {event_id}"), "level": "error"}).to_string();
    body.extend(item(json!({"type": "event", "length": event.len()}), event.as_bytes()));
    for attachment in items {
        body.extend_from_slice(attachment);
    }
    let response = server
        .http
        .post(format!("{}envelope/", project.ingest))
        .header("x-sentry-auth", format!("Sentry sentry_key={}, sentry_version=7", project.key))
        .header("content-type", "application/x-sentry-envelope")
        .body(body)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
}

/// `GET` of a download: status, the headers that matter, the bytes.
async fn download(
    server: &TestServer,
    path: &str,
    token: &str,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let response = server
        .http
        .get(format!("{}{path}", server.url))
        .bearer_auth(token)
        .send()
        .await
        .expect("HTTP");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
        })
        .collect();
    (status, headers, response.bytes().await.expect("body").to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread")]
async fn event_attachments_are_listed_and_downloaded() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let native = project(&server, &token, "Native").await;

    // A text log, and binary bytes with newlines, NULs and bytes that are not UTF-8 (framed by
    // their length), sent with their event as an SDK does.
    let log = b"started\nconnecting to db\n\nretrying: \"timeout\"\n".to_vec();
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).chain(*b"\n\r\n\0\xff").collect();
    let event = uuid::Uuid::new_v4();
    let event_id = event.simple().to_string();
    let items = [
        item(
            json!({"type": "attachment", "length": log.len(), "filename": "app.log",
                   "content_type": "text/plain"}),
            &log,
        ),
        item(
            json!({"type": "attachment", "length": binary.len(), "filename": "crash.dmp",
                   "content_type": "application/x-dmp", "attachment_type": "event.minidump"}),
            &binary,
        ),
    ];
    send_envelope(&server, &native, &event_id, &items).await;

    let list = format!("{}/events/{event_id}/attachments/", native.api);
    let (status, attachments) = server.get(&list, &token).await;
    assert_eq!(status, 200, "{attachments}");
    let attachments = attachments.as_array().cloned().expect("a list");
    assert_eq!(attachments.len(), 2, "{attachments:#?}");
    let expected = [
        ("app.log", "text/plain", "event.attachment", &log),
        ("crash.dmp", "application/x-dmp", "event.minidump", &binary),
    ];
    for (attachment, (name, mimetype, ty, bytes)) in attachments.iter().zip(expected) {
        let fields: BTreeSet<&str> =
            attachment.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(fields, SENTRY_FIELDS.iter().copied().collect(), "{attachment}");
        assert!(attachment["id"].as_str().is_some_and(|id| id.parse::<i64>().is_ok()));
        assert_eq!(attachment["event_id"], event_id.as_str());
        assert_eq!(attachment["type"], ty);
        assert_eq!(attachment["name"], name);
        assert_eq!(attachment["mimetype"], mimetype);
        assert_eq!(attachment["headers"], json!({"Content-Type": mimetype}));
        assert_eq!(attachment["size"], bytes.len());
        assert_eq!(attachment["sha1"], sha1_hex(bytes));
        let date = attachment["dateCreated"].as_str().expect("dateCreated");
        assert!(date.ends_with('Z'), "{date}");
        let date = chrono::DateTime::parse_from_rfc3339(date).expect("ISO 8601");
        let age = chrono::Utc::now().signed_duration_since(date);
        assert!(age.num_seconds().abs() < 300, "received just now: {date}");
    }

    // An SDK that sends the envelope again (its answer lost) gets `200`; the event and its
    // files are kept once, as Sentry skips a duplicate event whole.
    send_envelope(&server, &native, &event_id, &items).await;
    assert_eq!(server.get(&list, &token).await, (200, Value::Array(attachments.clone())));

    // Each file was hashed once, on arrival; rows stored before that (migration 0024) are
    // hashed when listed, to the same answer.
    let pool = server.database().await;
    let stored: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT sha1 FROM envelope_items WHERE item_type = 'attachment' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("envelope_items is readable");
    assert_eq!(stored, [Some(sha1_hex(&log)), Some(sha1_hex(&binary))]);
    pool.close().await;
    let writable = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(server.data_dir.path().join("cairn.db"))
        .busy_timeout(Duration::from_secs(10));
    let pool = sqlx::SqlitePool::connect_with(writable).await.expect("the database opens");
    sqlx::query("UPDATE envelope_items SET sha1 = NULL").execute(&pool).await.expect("writable");
    pool.close().await;
    assert_eq!(server.get(&list, &token).await, (200, Value::Array(attachments.clone())));

    // The event id with dashes names the same event.
    let dashed = format!("{}/events/{}/attachments/", native.api, event.hyphenated());
    assert_eq!(server.get(&dashed, &token).await, (200, Value::Array(attachments.clone())));

    for (attachment, (name, mimetype, _, bytes)) in attachments.iter().zip(expected) {
        let id = attachment["id"].as_str().expect("id");
        let path = format!("{}/events/{event_id}/attachments/{id}/", native.api);
        assert_eq!(server.get(&path, &token).await, (200, attachment.clone()));
        for query in ["?download", "?download=1"] {
            let (status, headers, body) =
                download(&server, &format!("{path}{query}"), &token).await;
            assert_eq!(status, 200, "{path}{query}: {headers:?}");
            assert_eq!(&body, bytes, "{name} comes back byte for byte");
            assert_eq!(header(&headers, "content-type"), Some(mimetype));
            let disposition = format!("attachment; filename=\"{name}\"");
            assert_eq!(header(&headers, "content-disposition"), Some(disposition.as_str()));
            assert_eq!(header(&headers, "content-length"), Some(bytes.len().to_string().as_str()));
            assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
        }
    }

    // Another event of the project, with an attachment whose name tries to add a header.
    let other_event = uuid::Uuid::new_v4().simple().to_string();
    let evil = item(
        json!({"type": "attachment", "length": 2, "filename": "x\"\r\nSet-Cookie: a=b\r\n.txt"}),
        b"hi",
    );
    send_envelope(&server, &native, &other_event, &[evil]).await;
    let (status, others) =
        server.get(&format!("{}/events/{other_event}/attachments/", native.api), &token).await;
    assert_eq!(status, 200, "{others}");
    assert_eq!(others.as_array().map(Vec::len), Some(1), "{others}");
    assert_eq!(others[0]["mimetype"], "application/octet-stream", "the default");
    assert_eq!(others[0]["type"], "event.attachment", "the default");
    let evil_id = others[0]["id"].as_str().expect("id");
    let path = format!("{}/events/{other_event}/attachments/{evil_id}/?download", native.api);
    let (status, headers, body) = download(&server, &path, &token).await;
    assert_eq!((status, body.as_slice()), (200, &b"hi"[..]));
    assert_eq!(header(&headers, "set-cookie"), None, "{headers:?}");
    assert_eq!(
        header(&headers, "content-disposition"),
        Some(r#"attachment; filename="x\" Set-Cookie: a=b .txt""#)
    );

    // 404, as Sentry's JSON, for ids that are not one of this event's attachments.
    let first_id = attachments[0]["id"].as_str().expect("id");
    let not_found = [
        // an attachment of another event, asked under this one, and the other way round
        format!("{}/events/{event_id}/attachments/{evil_id}/", native.api),
        format!("{}/events/{other_event}/attachments/{first_id}/?download", native.api),
        // ids that do not exist
        format!("{}/events/{event_id}/attachments/999999/", native.api),
        format!("{}/events/{event_id}/attachments/999999/?download", native.api),
        format!("{}/events/{event_id}/attachments/not-a-number/", native.api),
        // events that do not exist, or are no event id
        format!("{}/events/{}/attachments/", native.api, "0".repeat(32)),
        format!("{}/events/not-an-id/attachments/", native.api),
        format!("{}/events/{}/attachments/{first_id}/", native.api, "0".repeat(32)),
        // projects that do not exist
        format!("/api/0/projects/cairn/nope/events/{event_id}/attachments/"),
        format!("/api/0/projects/cairn/nope/events/{event_id}/attachments/{first_id}/?download"),
    ];
    for path in &not_found {
        let (status, body) = server.get(path, &token).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{path}: {body}");
    }
    // Another project's attachment under this project's path.
    let shop = project(&server, &token, "Shop").await;
    let shop_event = uuid::Uuid::new_v4().simple().to_string();
    send_envelope(&server, &shop, &shop_event, &[item(json!({"type": "attachment"}), b"")]).await;
    let (_, shop_attachments) =
        server.get(&format!("{}/events/{shop_event}/attachments/", shop.api), &token).await;
    assert_eq!(shop_attachments[0]["size"], 0, "{shop_attachments}");
    assert_eq!(shop_attachments[0]["name"], "Unnamed Attachment", "Relay's name");
    let shop_id = shop_attachments[0]["id"].as_str().expect("id");
    let path = format!("{}/events/{shop_event}/attachments/{shop_id}/", native.api);
    assert_eq!(server.get(&path, &token).await.0, 404);

    // Refused as the event itself is: 403 for a user of another organization, 401 without
    // credentials, with nothing of the attachments in the answer.
    server.cli(&["createorg", "--slug", "other", "--project", "other-project"]);
    let password = "correct horse battery";
    let user = ["createuser", "--email", "other@example.com", "--password", password];
    server.cli(&[&user[..], &["--organization", "other", "--role", "owner"]].concat());
    let outsider = server.cli(&["createtoken", "--email", "other@example.com"]).trim().to_owned();
    let id = attachments[1]["id"].as_str().expect("id");
    let event_path = format!("{}/events/{event_id}/", native.api);
    let (event_status, event_body) = server.get(&event_path, &outsider).await;
    assert_eq!(event_status, 403, "{event_body}");
    for path in [list.clone(), format!("{list}{id}/"), format!("{list}{id}/?download")] {
        let (status, headers, body) = download(&server, &path, &outsider).await;
        assert_eq!(status, event_status, "{path}");
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body, event_body, "{path}: the event route's answer");
        assert_eq!(header(&headers, "content-disposition"), None);
        let anonymous =
            server.http.get(format!("{}{path}", server.url)).send().await.expect("HTTP");
        assert_eq!(anonymous.status(), 401, "{path}");
    }
}

/// A minidump upload (`multipart/form-data`, as Breakpad and Crashpad send it) comes back from
/// the attachments of the event it created.
#[tokio::test(flavor = "multi_thread")]
async fn a_minidump_upload_is_downloaded_from_its_event() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let native = project(&server, &token, "Native").await;
    let dump: Vec<u8> = [&b"MDMP\x93\xa7\0\0"[..], &(0..=255u8).collect::<Vec<_>>()].concat();
    let boundary = "cairn-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; \
         filename=\"game.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&dump);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = server
        .http
        .post(format!("{}minidump/?sentry_key={}", native.ingest, native.key))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status(), 200);
    // The answer is the event id with dashes, as minidump clients expect.
    let event_id = response.text().await.expect("text").trim().to_owned();
    assert_eq!(event_id.len(), 36, "{event_id}");

    let list = format!("{}/events/{event_id}/attachments/", native.api);
    let (status, attachments) = server.get(&list, &token).await;
    assert_eq!(status, 200, "{attachments}");
    assert_eq!(attachments.as_array().map(Vec::len), Some(1), "{attachments}");
    let attachment = &attachments[0];
    assert_eq!(attachment["type"], "event.minidump");
    assert_eq!(attachment["name"], "game.dmp");
    assert_eq!(attachment["mimetype"], "application/x-dmp");
    assert_eq!(attachment["size"], dump.len());
    assert_eq!(attachment["sha1"], sha1_hex(&dump));
    assert_eq!(attachment["event_id"], event_id.replace('-', ""));
    let id = attachment["id"].as_str().expect("id");
    let (status, headers, bytes) =
        download(&server, &format!("{list}{id}/?download"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, dump);
    assert_eq!(header(&headers, "content-type"), Some("application/x-dmp"));
    assert_eq!(header(&headers, "content-disposition"), Some(r#"attachment; filename="game.dmp""#));
}

/// Sends, with the official SDK, the message `upload failed` with `files` as scope
/// attachments: `(file name, Sentry type)`.
pub async fn send_with_files(
    dsn: &str,
    files: &[(&str, Option<sentry::protocol::AttachmentType>)],
) {
    let dsn = dsn.to_owned();
    let files: Vec<(String, Option<sentry::protocol::AttachmentType>)> =
        files.iter().map(|(name, ty)| ((*name).to_owned(), ty.clone())).collect();
    tokio::task::spawn_blocking(move || {
        let (hub, client) = crate::common::sentry_hub(&dsn, "app@1.0");
        sentry::Hub::run(hub, || {
            sentry::with_scope(
                |scope| {
                    for (name, ty) in files {
                        scope.add_attachment(sentry::protocol::Attachment {
                            buffer: format!("the bytes of {name}").into_bytes(),
                            filename: name,
                            content_type: None,
                            ty,
                        });
                    }
                },
                || sentry::capture_message("upload failed", sentry::Level::Error),
            )
        });
        assert!(client.flush(Some(Duration::from_secs(10))), "the SDK delivered the event");
    })
    .await
    .expect("SDK thread");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issues_attachments_are_listed_across_its_events_and_filtered() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, "App").await;
    send_with_files(&dsn, &[("app.log", None), ("screenshot.png", None)]).await;
    let issues = server.wait_for_issues(&token, |i| i.len() == 1).await;
    send_with_files(&dsn, &[("crash.dmp", Some(sentry::protocol::AttachmentType::Minidump))]).await;
    server.wait_for_issues(&token, |i| i.len() == 1 && i[0]["count"] == "2").await;
    let id = issues[0]["id"].as_str().expect("id").to_owned();
    let list = |query: &str| {
        let path = format!("/api/0/organizations/cairn/issues/{id}/attachments/{query}");
        let (server, token) = (&server, &token);
        async move { server.get_page(&path, token).await }
    };
    let names = |files: &Value| -> Vec<String> {
        files
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|f| f["name"].as_str().map(str::to_owned))
            .collect()
    };

    // Every file of both events, the newest first, in Sentry's shape.
    let (status, _, all) = list("").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(names(&all), ["crash.dmp", "screenshot.png", "app.log"]);
    let fields: BTreeSet<&str> =
        all[0].as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(fields, SENTRY_FIELDS.iter().copied().collect());
    assert_eq!(all[0]["type"], "event.minidump");
    assert_eq!(all[2]["sha1"], sha1_hex(b"the bytes of app.log"));
    assert_ne!(all[0]["event_id"], all[1]["event_id"], "from both events");
    assert_eq!(all[1]["event_id"], all[2]["event_id"]);

    let (_, _, minidumps) = list("?types=event.minidump").await;
    assert_eq!(names(&minidumps), ["crash.dmp"]);
    let (_, _, both) = list("?types=event.minidump&types=event.attachment").await;
    assert_eq!(names(&both).len(), 3);
    let (_, _, screenshots) = list("?screenshot=1").await;
    assert_eq!(names(&screenshots), ["screenshot.png"]);
    let (status, link, first) = list("?per_page=2").await;
    assert_eq!((status, names(&first).len()), (200, 2));
    assert!(link.contains("rel=\"next\"; results=\"true\"; cursor=\"0:2:0\""), "{link}");
    let (_, _, second) = list("?per_page=2&cursor=0:2:0").await;
    assert_eq!(names(&second), ["app.log"]);

    // The same without the organization; an unknown issue is 404.
    let (status, again) = server.get(&format!("/api/0/issues/{id}/attachments/"), &token).await;
    assert_eq!((status, names(&again)), (200, names(&all)));
    let (status, _) = server.get("/api/0/issues/999999/attachments/", &token).await;
    assert_eq!(status, 404);
}
