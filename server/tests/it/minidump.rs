//! `POST /api/{project_id}/minidump/` as native crash reporters upload: Crashpad's form as
//! sentry-native fills it (a MessagePack event and breadcrumb files, annotations as plain
//! fields, other files), gzipped as a whole; raw dumps in compression containers; and the
//! rate limit that still answers `200`. The uploads are built byte by byte here, as Crashpad's
//! uploader writes them (no crash reporter runs on these machines).

use std::io::Write as _;

use serde_json::{json, Value};

use crate::common::TestServer;

/// A `multipart/form-data` body: `(name, filename, content type, bytes)` per part.
fn form(boundary: &str, parts: &[(&str, Option<&str>, &str, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content_type, data) in parts {
        let filename = filename.map(|f| format!("; filename=\"{f}\"")).unwrap_or_default();
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{filename}\r\n\
             Content-Type: {content_type}\r\n\r\n"
        );
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A stand-in for a minidump: the magic number and some bytes.
fn dump(marker: &str) -> Vec<u8> {
    let mut dump = b"MDMP\x93\xa7\x00\x00".to_vec();
    dump.extend_from_slice(marker.as_bytes());
    dump.extend_from_slice(&[0u8; 512]);
    dump
}

/// Stored attachments of an event: `(attachment_type, filename, payload)`, in order.
async fn attachments(server: &TestServer, event_id: &str) -> Vec<(String, String, Vec<u8>)> {
    let pool = server.database().await;
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT headers, payload FROM envelope_items
         WHERE item_type = 'attachment' AND event_id = $1 ORDER BY id",
    )
    .bind(event_id)
    .fetch_all(&pool)
    .await
    .expect("envelope_items is readable");
    pool.close().await;
    rows.into_iter()
        .map(|(headers, payload)| {
            let headers: Value = serde_json::from_str(&headers).expect("headers are JSON");
            let field = |name: &str| headers[name].as_str().unwrap_or_default().to_owned();
            (field("attachment_type"), field("filename"), payload)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn native_crash_uploads_become_events_with_their_dump_and_files_attached() {
    let server = TestServer::start();
    let token = server.owner_token("owner@example.com", "correct horse battery");
    server.create_project(&token, "Native").await;
    let (key, project_id) = server.project_key(&token, "native").await;
    let url = format!("{}/api/{project_id}/minidump/?sentry_key={key}", server.url);

    // sentry-native's Crashpad upload: its event and two breadcrumb files in MessagePack (the
    // second file written first), Crashpad's annotations, a `sentry[...]` field, a log file,
    // and the dump in a gzip container; the whole body gzipped, as Electron sends it.
    let event_id = "4d9a9a3c-8f0b-4c43-9a8e-2d3f1c6b7e01";
    let native_event = json!({
        "event_id": event_id, "level": "fatal", "platform": "native",
        "release": "native-app@2.1.0", "environment": "production",
        "user": {"id": "user-42"}, "tags": {"backend": "crashpad"},
        "contexts": {"os": {"name": "Linux", "version": "6.1"}},
    });
    let crumbs = |list: &[(f64, &str)]| -> Vec<u8> {
        list.iter()
            .flat_map(|(at, message)| {
                let crumb = json!({"timestamp": at, "message": message, "category": "app"});
                rmp_serde::to_vec_named(&crumb).expect("MessagePack")
            })
            .collect()
    };
    let newer =
        crumbs(&[(1_700_000_020.0, "second file, first"), (1_700_000_021.0, "second file, last")]);
    let older = crumbs(&[(1_700_000_010.0, "first file")]);
    let boundary = "crashpad-boundary-7d1f";
    let body = form(
        boundary,
        &[
            ("prod", None, "text/plain", b"NativeApp".to_vec()),
            ("sentry[tags][uploader]", None, "text/plain", b"crashpad".to_vec()),
            (
                "__sentry-event",
                Some("__sentry-event"),
                "application/octet-stream",
                rmp_serde::to_vec_named(&native_event).expect("MessagePack"),
            ),
            (
                "__sentry-breadcrumbs1",
                Some("__sentry-breadcrumbs1"),
                "application/octet-stream",
                newer,
            ),
            (
                "__sentry-breadcrumbs2",
                Some("__sentry-breadcrumbs2"),
                "application/octet-stream",
                older,
            ),
            ("app.log", Some("app.log"), "text/plain", b"started\ncrashed\n".to_vec()),
            (
                "upload_file_minidump",
                Some("crash.dmp.gz"),
                "application/octet-stream",
                gzip(&dump("crashpad")),
            ),
        ],
    );
    let upload = || async {
        let response = server
            .http
            .post(&url)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .header("content-encoding", "gzip")
            .body(gzip(&body))
            .send()
            .await
            .expect("HTTP");
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.expect("body"), event_id);
    };
    upload().await;

    let simple_id = event_id.replace('-', "");
    let path = format!("/api/0/projects/cairn/native/events/{simple_id}/");
    let (status, event) = server.get(&path, &token).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["release"]["version"], "native-app@2.1.0");
    assert_eq!(event["user"]["id"], "user-42");
    assert_eq!(event["context"]["prod"], "NativeApp", "Crashpad's annotations are extra");
    let tags: Vec<(String, String)> = event["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap_or_default().into(),
                t["value"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    for tag in [("backend", "crashpad"), ("uploader", "crashpad"), ("environment", "production")] {
        assert!(tags.contains(&(tag.0.into(), tag.1.into())), "{tag:?} in {tags:?}");
    }
    let breadcrumbs = event["entries"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["type"] == "breadcrumbs"))
        .expect("breadcrumbs");
    let messages: Vec<&str> = breadcrumbs["data"]["values"]
        .as_array()
        .expect("values")
        .iter()
        .filter_map(|b| b["message"].as_str())
        .collect();
    assert_eq!(messages, ["first file", "second file, first", "second file, last"]);

    let stored = attachments(&server, &simple_id).await;
    let kinds: Vec<(&str, &str)> =
        stored.iter().map(|(kind, name, _)| (kind.as_str(), name.as_str())).collect();
    assert_eq!(kinds, [("event.minidump", "crash.dmp"), ("event.attachment", "app.log")]);
    assert_eq!(stored[0].2, dump("crashpad"), "the dump is kept unpacked");
    assert_eq!(stored[1].2, b"started\ncrashed\n");

    // Crashpad uploads a report again when it missed the answer: the same event, its files
    // kept once.
    upload().await;
    assert_eq!(attachments(&server, &simple_id).await, stored, "no attachment twice");

    // Raw dumps in each container Relay unpacks.
    let containers: [(&str, Vec<u8>); 4] = [
        ("gzip", gzip(&dump("gzip"))),
        ("zstd", zstd::encode_all(&dump("zstd")[..], 3).expect("zstd")),
        ("bzip2", {
            let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            encoder.write_all(&dump("bzip2")).expect("bzip2");
            encoder.finish().expect("bzip2")
        }),
        ("xz", {
            let mut out = Vec::new();
            lzma_rs::xz_compress(&mut &dump("xz")[..], &mut out).expect("xz");
            out
        }),
    ];
    let mut last_raw = String::new();
    for (name, packed) in containers {
        let response = server
            .http
            .post(&url)
            .header("content-type", "application/octet-stream")
            .body(packed)
            .send()
            .await
            .expect("HTTP");
        assert_eq!(response.status(), 200, "{name}");
        let id = response.text().await.expect("id").replace('-', "");
        let stored = attachments(&server, &id).await;
        assert_eq!(stored.len(), 1, "{name}");
        assert_eq!((stored[0].0.as_str(), stored[0].1.as_str()), ("event.minidump", "Minidump"));
        assert_eq!(stored[0].2, dump(name), "{name}");
        last_raw = id;
    }

    // "Delete and discard" of the raw dumps' issue: the next such crash is answered as any
    // (crash reporters retry what fails), and dropped, counted as a discarded hash.
    let (_, raw) =
        server.get(&format!("/api/0/projects/cairn/native/events/{last_raw}/"), &token).await;
    let issue = raw["groupID"].as_str().expect("the raw dumps' issue").to_owned();
    let path = format!("/api/0/organizations/cairn/issues/?id={issue}");
    assert_eq!(server.put(&path, &token, json!({"discard": true})).await.0, 204);
    let response = server
        .http
        .post(&url)
        .header("content-type", "application/x-dmp")
        .body(dump("discarded"))
        .send()
        .await
        .expect("HTTP");
    assert_eq!(response.status(), 200);
    let id = response.text().await.expect("id").replace('-', "");
    let path = format!("/api/0/projects/cairn/native/events/{id}/");
    assert_eq!(server.get(&path, &token).await.0, 404, "a discarded crash is not stored");
    assert!(attachments(&server, &id).await.is_empty(), "nor its dump");
    let filtered = crate::filters::filtered(&server).await;
    assert_eq!(filtered.get("discarded-hash"), Some(&1), "{filtered:?}");

    // Over the key's rate limit a crash is dropped but still answered 200 (crash reporters
    // retry what fails): of three uploads, at most the first is stored.
    let key_path = format!("/api/0/projects/cairn/native/keys/{key}/");
    let limit = json!({"rateLimit": {"count": 1, "window": 3600}});
    assert_eq!(server.put(&key_path, &token, limit).await.0, 200);
    let mut stored_after_limit = 0;
    for _ in 0..3 {
        let response = server
            .http
            .post(&url)
            .header("content-type", "application/x-dmp")
            .body(dump("limited"))
            .send()
            .await
            .expect("HTTP");
        assert_eq!(response.status(), 200);
        let id = response.text().await.expect("id").replace('-', "");
        stored_after_limit += attachments(&server, &id).await.len();
    }
    assert!(stored_after_limit <= 1, "{stored_after_limit} uploads stored over the limit");
}
