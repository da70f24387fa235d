//! Durability: an event acknowledged with `200` is on disk. The server is killed with SIGKILL in
//! the middle of a burst of concurrent requests, restarted on the same data directory, and every
//! event it acknowledged must be there; three times over, so that a recovered database is
//! killed again.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::TestServer;

/// Kill-and-restart rounds.
const ROUNDS: usize = 3;
/// Events sent in each round's burst.
const EVENTS: usize = 300;
/// The events' messages end in one of these: ten issues (numbers would be parameterized away
/// by grouping, making one).
const ISSUES: [&str; 10] =
    ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"];
/// Requests in flight at once.
const WORKERS: usize = 8;
/// The server is killed once this many events of the round were acknowledged.
const KILL_AFTER: usize = 100;

/// Sends `ids` (one envelope each) with `WORKERS` concurrent tasks until they run out. Returns
/// the acknowledged ids and the statuses of the answers that were not `200`; a request that
/// got no answer (the server was killed) is neither.
async fn send_all(
    http: reqwest::Client,
    url: String,
    ids: Arc<Vec<String>>,
    acknowledged: Arc<AtomicUsize>,
) -> (Vec<String>, Vec<u16>) {
    let next = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (http, url, ids) = (http.clone(), url.clone(), ids.clone());
        let (next, acked, refused, acknowledged) =
            (next.clone(), acked.clone(), refused.clone(), acknowledged.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(id) = ids.get(i) else { break };
                let envelope = format!(
                    "{{\"event_id\":\"{id}\"}}\n{{\"type\":\"event\"}}\n\
                     {{\"message\":\"durable event {}\",\"level\":\"error\",\"tags\":{{\"n\":\"{i}\"}}}}\n",
                    ISSUES[i % ISSUES.len()]
                );
                let sent = http.post(&url).body(envelope).timeout(Duration::from_secs(60)).send();
                let Ok(response) = sent.await else { continue };
                let status = response.status().as_u16();
                if status != 200 {
                    refused.lock().expect("lock").push(status);
                    continue;
                }
                // Acknowledged means the whole answer arrived, with the event's id.
                let Ok(body) = response.json::<Value>().await else { continue };
                assert_eq!(body["id"].as_str(), Some(id.as_str()), "the answer names the event");
                acked.lock().expect("lock").push(id.clone());
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    for worker in workers {
        worker.await.expect("worker");
    }
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    let refused = std::mem::take(&mut *refused.lock().expect("lock"));
    (acked, refused)
}

/// The event ids stored for `project_id`, read from the SQLite file.
async fn stored_ids(server: &TestServer, project_id: i64) -> HashSet<String> {
    let pool = server.database().await;
    let ids: Vec<String> = sqlx::query_scalar("SELECT event_id FROM events WHERE project_id = $1")
        .bind(project_id)
        .fetch_all(&pool)
        .await
        .expect("events are readable");
    pool.close().await;
    ids.into_iter().collect()
}

/// An owner's token, and a new project's public key and id.
async fn new_project(server: &TestServer, name: &str) -> (String, String, i64) {
    let token = server.owner_token("owner@example.com", "correct horse battery");
    let dsn = server.create_project(&token, name).await;
    let key = dsn.split("://").nth(1).and_then(|s| s.split('@').next()).expect("key").to_owned();
    let project_id: i64 = dsn.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");
    (token, key, project_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_acknowledged_event_survives_a_sigkill_mid_load() {
    let mut server = TestServer::start();
    let (_, key, project_id) = new_project(&server, "Durable").await;

    // Several rounds: the later ones kill a server that recovered from the previous kill.
    let mut sent: HashSet<String> = HashSet::new();
    let mut acked: Vec<String> = Vec::new();
    for round in 1..=ROUNDS {
        let ids: Arc<Vec<String>> =
            Arc::new((0..EVENTS).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect());
        sent.extend(ids.iter().cloned());
        let url =
            format!("{}/api/{project_id}/envelope/?sentry_version=7&sentry_key={key}", server.url);
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let burst = tokio::spawn(send_all(server.http.clone(), url, ids, acknowledged.clone()));

        // Kill -9 in the middle of the burst, with requests in flight.
        let started = Instant::now();
        while acknowledged.load(Ordering::SeqCst) < KILL_AFTER {
            assert!(!burst.is_finished(), "round {round}: the burst ended early");
            assert!(started.elapsed() < Duration::from_secs(120), "round {round}: too slow");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.kill9();
        let (round_acked, refused) = burst.await.expect("the burst");
        assert!(refused.is_empty(), "round {round}: the live server refused events: {refused:?}");
        assert!(
            (KILL_AFTER..EVENTS).contains(&round_acked.len()),
            "round {round}: the kill came mid-load: {} of {EVENTS} acknowledged",
            round_acked.len()
        );
        acked.extend(round_acked);

        server.restart();
        let health = server.http.get(format!("{}/healthz", server.url)).send().await.expect("HTTP");
        assert_eq!(health.status(), 200, "round {round}: the server recovers its database");
        let stored = stored_ids(&server, project_id).await;
        let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
        assert!(
            lost.is_empty(),
            "round {round}: {} of {} acknowledged events were lost: {lost:?}",
            lost.len(),
            acked.len()
        );
        let unknown: Vec<&String> = stored.iter().filter(|id| !sent.contains(*id)).collect();
        assert!(unknown.is_empty(), "round {round}: events nobody sent: {unknown:?}");
        // The counters the writer held in memory when it was killed were recounted at the start.
        let miscounted = miscounted_issues(&server).await;
        assert!(miscounted.is_empty(), "round {round}: counters differ: {miscounted:?}");
    }

    // The restarted server takes events again and keeps them.
    let id = uuid::Uuid::new_v4().simple().to_string();
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={key}", server.url);
    let envelope =
        format!("{{\"event_id\":\"{id}\"}}\n{{\"type\":\"event\"}}\n{{\"message\":\"after\"}}\n");
    let response = server.http.post(url).body(envelope).send().await.expect("HTTP");
    assert_eq!(response.status(), 200);
    assert!(stored_ids(&server, project_id).await.contains(&id));
}

/// Issues whose counters (events, events per hour, tag `level` counts) differ from their
/// events, read from the SQLite file: `(issue, counted, stored)`.
async fn miscounted_issues(server: &TestServer) -> Vec<(i64, String, String)> {
    let pool = server.database().await;
    let rows = sqlx::query_as(
        "SELECT i.id, \
           json_array(i.times_seen, (SELECT SUM(events) FROM issue_hourly WHERE issue_id = i.id), \
             (SELECT SUM(times_seen) FROM issue_tag_values WHERE issue_id = i.id AND key = 'level')), \
           json_array((SELECT COUNT(*) FROM events WHERE issue_id = i.id), \
             (SELECT COUNT(*) FROM events WHERE issue_id = i.id), \
             (SELECT COUNT(*) FROM events WHERE issue_id = i.id)) AS stored \
         FROM issues i",
    )
    .fetch_all(&pool)
    .await
    .expect("the issues' counters");
    pool.close().await;
    rows.into_iter()
        .filter(|(_, counted, stored): &(i64, String, String)| counted != stored)
        .collect()
}

/// Whether a stored `events.data` value names a dictionary: it starts with a zstd skippable
/// frame of 8 bytes, the dictionary's id.
fn names_a_dictionary(data: &[u8]) -> bool {
    data.starts_with(&[0x50, 0x2A, 0x4D, 0x18, 8, 0, 0, 0])
}

/// The `data` of the events with these ids, read from the SQLite file.
async fn stored_data(server: &TestServer, ids: &[String]) -> Vec<Vec<u8>> {
    let pool = server.database().await;
    let mut data = Vec::new();
    for id in ids {
        let row: Vec<u8> = sqlx::query_scalar("SELECT data FROM events WHERE event_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("the event's row");
        data.push(row);
    }
    pool.close().await;
    data
}

/// The database's event dictionaries, `(id, data)`, read from the SQLite file.
async fn stored_dictionaries(server: &TestServer) -> Vec<(i64, Vec<u8>)> {
    let pool = server.database().await;
    let rows = sqlx::query_as("SELECT id, data FROM event_dictionaries")
        .fetch_all(&pool)
        .await
        .expect("the dictionaries");
    pool.close().await;
    rows
}

/// Sends a thousand events (ten issues, `durable event alpha` to `juliett`), then five at a time until
/// they are compressed with a dictionary (made in the background; until it is stored, events
/// go without). Returns the ids of the thousand and of the last five.
async fn send_until_dictionary(server: &TestServer, url: &str) -> (Vec<String>, Vec<String>) {
    let send = |count: usize| {
        let ids: Arc<Vec<String>> =
            Arc::new((0..count).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect());
        let sent = send_all(server.http.clone(), url.to_owned(), ids.clone(), Default::default());
        async move {
            let (acked, refused) = sent.await;
            assert!(refused.is_empty(), "refused: {refused:?}");
            assert_eq!(acked.len(), count);
            ids.to_vec()
        }
    };
    let first = send(1_000).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let later = loop {
        let later = send(5).await;
        if stored_data(server, &later).await.iter().all(|data| names_a_dictionary(data)) {
            break later;
        }
        assert!(Instant::now() < deadline, "events are still compressed without a dictionary");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    (first, later)
}

/// After its first thousand events the database compresses events with a dictionary of earlier
/// ones; a server restarted on it (with `kill -9`) reads events from before and after.
#[tokio::test(flavor = "multi_thread")]
async fn events_compressed_with_a_dictionary_read_back_after_a_restart() {
    let mut server = TestServer::start();
    let (token, key, project_id) = new_project(&server, "Dictionary").await;
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={key}", server.url);
    let (first, later) = send_until_dictionary(&server, &url).await;
    assert!(!names_a_dictionary(&stored_data(&server, &first[..1]).await[0]));

    server.restart();
    for id in [&first[0], &first[999], &later[0], &later[4]] {
        let (status, event) =
            server.get(&format!("/api/0/projects/cairn/dictionary/events/{id}/"), &token).await;
        assert_eq!(status, 200, "{event}");
        assert_eq!(event["eventID"], id.as_str());
        assert!(event.to_string().contains("durable event"), "{event}");
    }
}

/// A dictionary holds the JSON of a few events: deleting the issue of one of them through the
/// API deletes that dictionary too, once the rows compressed with it are compressed again, and
/// the other issues' events read back, also after a `kill -9` and a restart.
#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_issue_deletes_the_dictionaries_that_hold_its_events() {
    let mut server = TestServer::start();
    let (token, key, project_id) = new_project(&server, "Forgetful").await;
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={key}", server.url);
    let (first, later) = send_until_dictionary(&server, &url).await;
    let dictionaries = stored_dictionaries(&server).await;
    let [(dictionary_id, data)] = dictionaries.as_slice() else {
        panic!("one dictionary: {dictionaries:?}")
    };
    let doomed_text = "durable event delta";
    assert!(String::from_utf8_lossy(data).contains(doomed_text));

    let (status, issues) =
        server.get("/api/0/projects/cairn/forgetful/issues/?query=&limit=100", &token).await;
    assert_eq!(status, 200, "{issues}");
    let doomed = issues
        .as_array()
        .into_iter()
        .flatten()
        .find(|issue| issue["title"] == doomed_text)
        .and_then(|issue| issue["id"].as_str())
        .unwrap_or_else(|| panic!("the issue of `{doomed_text}`: {issues}"))
        .to_owned();
    let status = server.delete(&format!("/api/0/issues/{doomed}/"), &token).await;
    assert!((200..300).contains(&status), "{status}");

    let deadline = Instant::now() + Duration::from_secs(60);
    while stored_dictionaries(&server).await.iter().any(|(id, _)| id == dictionary_id) {
        assert!(Instant::now() < deadline, "the dictionary is still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (_, data) in stored_dictionaries(&server).await {
        assert!(!String::from_utf8_lossy(&data).contains(doomed_text));
    }

    server.restart();
    let mut read = 0;
    for id in first[..100].iter().chain(&later) {
        let (status, event) =
            server.get(&format!("/api/0/projects/cairn/forgetful/events/{id}/"), &token).await;
        match status {
            200 => {
                assert!(!event.to_string().contains(doomed_text), "{event}");
                read += 1;
            }
            // The deleted issue's.
            404 => {}
            _ => panic!("{status}: {event}"),
        }
    }
    assert_eq!(read, 100 - 10 + 4, "every event of the other nine issues");
}

/// `cairn backup` copies the database while events keep arriving; a server started on the copy
/// has every event acknowledged before the backup began, dictionary-compressed ones included,
/// and the same users and tokens.
#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_under_load_restores_with_its_events() {
    let server = TestServer::start();
    let (token, key, project_id) = new_project(&server, "Backed").await;
    let url = format!("{}/api/{project_id}/envelope/?sentry_key={key}", server.url);
    let (first, later) = send_until_dictionary(&server, &url).await;

    // More events on their way while the backup is taken.
    let more: Arc<Vec<String>> =
        Arc::new((0..500).map(|_| uuid::Uuid::new_v4().simple().to_string()).collect());
    let sending =
        tokio::spawn(send_all(server.http.clone(), url.clone(), more, Default::default()));
    let dir = tempfile::tempdir().expect("temporary directory");
    let copy = dir.path().join("cairn-backup.db");
    let copy_arg = copy.to_str().expect("UTF-8 path");
    let printed = server.cli(&["backup", "--to", copy_arg]);
    assert!(printed.starts_with("Backed up to "), "{printed}");
    let (acked, refused) = sending.await.expect("sender");
    assert!(refused.is_empty() && acked.len() == 500, "{refused:?}");

    // A second backup over the first is refused.
    let again = std::process::Command::new(crate::common::CAIRN)
        .args(["backup", "--to", copy_arg, "--data-dir"])
        .arg(server.data_dir.path())
        .output()
        .expect("cairn runs");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    let url = format!("sqlite://{copy_arg}");
    let restored = TestServer::start_with_env(&[("CAIRN_DATABASE_URL", &url)]);
    for id in [&first[0], &first[999], &later[0]] {
        let path = format!("/api/0/projects/cairn/backed/events/{id}/");
        let (status, event) = restored.get(&path, &token).await;
        assert_eq!(status, 200, "{event}");
        assert!(event.to_string().contains("durable event"), "{event}");
    }
    let (status, issues) = restored.get("/api/0/projects/cairn/backed/issues/", &token).await;
    assert_eq!(status, 200, "{issues}");
    assert!(!issues.as_array().expect("issues").is_empty(), "{issues}");
}
