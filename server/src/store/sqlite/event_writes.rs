//! The events of one group commit, written set by set instead of one statement at a time.
//!
//! Here the batch first looks up, in two statements, which of its event ids are stored already and which issue
//! each of its hashes belongs to. An event that joins an unresolved issue (the common case) then
//! only adds to in-memory sets: its row, its user and its new hashes, which
//! [`EventWrites::flush`] writes in a few multi-row statements (its share of the issue's
//! counters goes to [`super::counters`]). Any other event
//! (a new issue, a resolved or ignored issue, anything the fast lane does not know how to judge)
//! goes through the writer's slow lane ([`super::store_one_event`]), after a flush, so that it
//! sees exactly the rows the events before it left: the outcome is the same as writing the
//! events one by one.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::counters::BatchCounts;
use super::writer::{placeholder_rows, Binds, WriteJob};
use super::{INSERTED_EVENT_VALUES, INSERT_EVENTS};
use crate::store::{NewEvent, StoreResult};

/// Rows per multi-row statement (parameters are bound by position, so large ones are cheap).
const LOOKUP_ROWS: usize = 256;
const EVENT_ROWS: usize = 64;
const PAIR_ROWS: usize = 256;

/// Where a known grouping hash leads.
#[derive(Debug, Clone, Copy)]
struct HashTarget {
    issue_id: i64,
    /// The issue was unresolved when the batch began: a new event only adds to its counters.
    unresolved: bool,
}

/// The group commit's view of events and hashes, and the fast lane's writes not yet flushed.
#[derive(Debug, Default)]
pub(super) struct EventWrites<'a> {
    /// (project, event id) → issue, for events stored before or earlier in this batch.
    stored: HashMap<(i64, &'a str), i64>,
    /// (project, hash) → issue, for hashes stored before or earlier in this batch.
    hashes: HashMap<(i64, &'a str), HashTarget>,
    /// Issues an event of the slow lane touched in this batch: their status may have changed,
    /// so their next events take the slow lane too.
    changed: HashSet<i64>,
    events: Vec<(i64, &'a NewEvent)>,
    new_hashes: Vec<(i64, &'a str, i64)>,
    users: HashSet<(i64, &'a str)>,
}

impl<'a> EventWrites<'a> {
    /// Looks up the batch's event ids and hashes.
    pub(super) fn prepare(conn: &Connection, batch: &'a [WriteJob]) -> StoreResult<Self> {
        let mut writes = EventWrites::default();
        let events = batch.iter().flat_map(|job| &job.batch.events);
        let mut event_keys: Vec<(i64, &str)> =
            events.clone().map(|e| (e.project_id, e.event_id.as_str())).collect();
        event_keys.sort_unstable();
        event_keys.dedup();
        for chunk in event_keys.chunks(LOOKUP_ROWS) {
            // CROSS JOIN keeps the batch's keys as the outer loop: one index lookup per key.
            // Each row names its key by its position in the chunk (the third column).
            let sql = format!(
                "SELECT v.column3, e.issue_id FROM (VALUES {}) AS v CROSS JOIN events AS e \
                 WHERE e.project_id = v.column1 AND e.event_id = v.column2",
                placeholder_rows(chunk.len(), 3)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 3);
            for (i, (project_id, event_id)) in chunk.iter().enumerate() {
                binds.int(*project_id).add(*event_id)?.int(i as i64);
            }
            let rows = binds.query(conn, &sql, |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)))?;
            for (i, issue_id) in rows {
                if let Some(key) = usize::try_from(i).ok().and_then(|i| chunk.get(i)) {
                    writes.stored.insert(*key, issue_id);
                }
            }
        }

        let mut hash_keys: Vec<(i64, &str)> =
            events.flat_map(|e| e.hashes.iter().map(move |h| (e.project_id, h.as_str()))).collect();
        hash_keys.sort_unstable();
        hash_keys.dedup();
        for chunk in hash_keys.chunks(LOOKUP_ROWS) {
            let sql = format!(
                "SELECT v.column3, h.issue_id, i.status = 'unresolved' FROM (VALUES {}) AS v \
                 CROSS JOIN issue_hashes AS h JOIN issues AS i ON i.id = h.issue_id \
                 WHERE h.project_id = v.column1 AND h.hash = v.column2",
                placeholder_rows(chunk.len(), 3)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 3);
            for (i, (project_id, hash)) in chunk.iter().enumerate() {
                binds.int(*project_id).add(*hash)?.int(i as i64);
            }
            let rows = binds.query(conn, &sql, |row| {
                Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get::<_, bool>(2)?))
            })?;
            for (i, issue_id, unresolved) in rows {
                if let Some(key) = usize::try_from(i).ok().and_then(|i| chunk.get(i)) {
                    writes.hashes.insert(*key, HashTarget { issue_id, unresolved });
                }
            }
        }
        Ok(writes)
    }

    /// Stores one event in the fast lane; returns its issue, whether the event is new (not a
    /// duplicate), and whether it opened the issue, as [`super::store_one_event`] does. `None`
    /// when the event needs the slow lane, which the caller runs after a [`Self::flush`], then
    /// reports with [`Self::stored_slowly`].
    pub(super) fn store(&mut self, event: &'a NewEvent) -> Option<(i64, bool, bool)> {
        let key = (event.project_id, event.event_id.as_str());
        if let Some(issue_id) = self.stored.get(&key) {
            // An SDK's retry: acknowledged, stored once.
            return Some((*issue_id, false, false));
        }
        // The first known hash finds the issue, as in `store_one_event`.
        let found = event.hashes.iter().enumerate().find_map(|(i, hash)| {
            self.hashes.get(&(event.project_id, hash.as_str())).map(|target| (i, *target))
        });
        match found {
            Some((found_at, target))
                if target.unresolved && !self.changed.contains(&target.issue_id) =>
            {
                let issue_id = target.issue_id;
                for (i, hash) in event.hashes.iter().enumerate() {
                    if i == found_at {
                        continue;
                    }
                    // The first issue a hash was given keeps it (`INSERT OR IGNORE`).
                    let hash_key = (event.project_id, hash.as_str());
                    if let std::collections::hash_map::Entry::Vacant(entry) =
                        self.hashes.entry(hash_key)
                    {
                        entry.insert(target);
                        self.new_hashes.push((event.project_id, hash.as_str(), issue_id));
                    }
                }
                if let Some(ident) = &event.user_ident {
                    self.users.insert((issue_id, ident.as_str()));
                }
                self.events.push((issue_id, event));
                self.stored.insert(key, issue_id);
                Some((issue_id, true, false))
            }
            _ => None,
        }
    }

    /// Remembers an event the slow lane stored in `issue_id`: that issue's status may have
    /// changed, so its next events take the slow lane too.
    pub(super) fn stored_slowly(&mut self, event: &'a NewEvent, issue_id: i64) {
        self.stored.insert((event.project_id, event.event_id.as_str()), issue_id);
        self.changed.insert(issue_id);
        let target = HashTarget { issue_id, unresolved: false };
        for hash in &event.hashes {
            self.hashes.entry((event.project_id, hash.as_str())).or_insert(target);
        }
    }

    /// Writes what the fast lane has gathered; the users new to their issue are counted in
    /// `counts`.
    pub(super) fn flush(
        &mut self,
        conn: &Connection,
        counts: &mut BatchCounts<'a>,
    ) -> StoreResult<()> {
        if self.events.is_empty() {
            return Ok(());
        }
        // The issues' distinct-user counters grow by the users new to them.
        let users: Vec<(i64, &str)> = self.users.drain().collect();
        for chunk in users.chunks(PAIR_ROWS) {
            let sql = format!(
                "INSERT OR IGNORE INTO issue_users (issue_id, ident) VALUES {} RETURNING issue_id",
                placeholder_rows(chunk.len(), 2)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 2);
            for (issue_id, ident) in chunk {
                binds.int(*issue_id).add(*ident)?;
            }
            for issue_id in binds.query(conn, &sql, |row| row.get::<_, i64>(0))? {
                counts.new_user(issue_id);
            }
        }

        let new_hashes = std::mem::take(&mut self.new_hashes);
        for chunk in new_hashes.chunks(PAIR_ROWS) {
            let sql = format!(
                "INSERT OR IGNORE INTO issue_hashes (project_id, hash, issue_id) VALUES {}",
                placeholder_rows(chunk.len(), 3)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 3);
            for (project_id, hash, issue_id) in chunk {
                binds.int(*project_id).add(*hash)?.int(*issue_id);
            }
            binds.execute(conn, &sql)?;
        }

        let events = std::mem::take(&mut self.events);
        for chunk in events.chunks(EVENT_ROWS) {
            let sql =
                format!("{INSERT_EVENTS}{}", placeholder_rows(chunk.len(), INSERTED_EVENT_VALUES));
            let mut binds = Binds::with_capacity(chunk.len() * INSERTED_EVENT_VALUES);
            for (issue_id, event) in chunk {
                bind_event_row(&mut binds, *issue_id, event)?;
            }
            binds.execute(conn, &sql)?;
        }
        Ok(())
    }
}

/// Binds the values of one `events` row, in [`INSERT_EVENTS`]' column order, as
/// [`super::bind_event`] does for the slow lane.
fn bind_event_row<'a>(
    binds: &mut Binds<'a>,
    issue_id: i64,
    event: &'a NewEvent,
) -> StoreResult<()> {
    binds
        .int(event.project_id)
        .int(issue_id)
        .add(&event.event_id)?
        .int(event.timestamp)
        .int(event.received)
        .add(&event.level)?
        .add(&event.title)?
        .add(&event.platform)?
        .add(&event.release)?
        .add(&event.environment)?
        .add(&event.user_ident)?
        .add(event.data.as_bytes())?;
    match event.hashes.first() {
        Some(hash) => binds.add(hash)?,
        None => binds.null(),
    };
    match &event.trace_id {
        Some(id) => binds.add(id.as_slice())?,
        None => binds.null(),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{IngestBatch, Store};

    fn event(
        event_id: &str,
        hashes: &[&str],
        user: Option<&str>,
        level: &str,
        at: i64,
    ) -> NewEvent {
        NewEvent {
            project_id: 1,
            event_id: event_id.into(),
            timestamp: at,
            received: at + 5,
            hashes: hashes.iter().map(|h| (*h).to_owned()).collect(),
            title: format!("title of {}", hashes.first().copied().unwrap_or_default()),
            culprit: "culprit".into(),
            level: level.into(),
            platform: "python".into(),
            event_type: "error".into(),
            metadata: "{}".into(),
            logger: None,
            is_unhandled: level == "fatal",
            release: Some("1.0.0".into()),
            environment: Some("production".into()),
            user_ident: user.map(str::to_owned),
            trace_id: None,
            tags: vec![("level".into(), level.into())],
            data: format!(r#"{{"event_id":"{event_id}"}}"#).into(),
            ownership: None,
        }
    }

    async fn open_store(dir: &tempfile::TempDir, name: &str) -> SqliteStore {
        let url = format!("sqlite:{}", dir.path().join(name).display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        store
    }

    /// Every row ingestion writes, in id order, as JSON arrays.
    async fn dump(store: &SqliteStore) -> Vec<String> {
        let tables = [
            "SELECT json_array(id, short_id, title, times_seen, user_count, first_seen, \
             last_seen, level, is_unhandled, status, substatus, status_details) \
             FROM issues ORDER BY id",
            "SELECT json_array(project_id, hash, issue_id) FROM issue_hashes ORDER BY hash",
            "SELECT json_array(issue_id, ident) FROM issue_users ORDER BY issue_id, ident",
            "SELECT json_array('event', id, issue_id, event_id, timestamp, level, user_ident, \
             primary_hash, hex(data)) FROM events ORDER BY id",
            "SELECT json_array(id, issue_id, kind, data, date_created) FROM activities \
             ORDER BY id",
        ];
        let mut rows = Vec::new();
        for sql in tables {
            let table: Vec<String> =
                sqlx::query_scalar(sql).fetch_all(&store.reads).await.expect("rows");
            rows.extend(table);
        }
        rows
    }

    /// A group commit that mixes every case (known unresolved issues, hashes new to an issue,
    /// a hash first seen earlier in the batch, repeated users, retries of events stored before
    /// and within the batch, a regression, a new issue) leaves exactly the rows that writing
    /// its events one by one with `store_one_event`, the statement-per-event path, leaves.
    #[tokio::test]
    async fn batch_writes_the_same_rows_as_events_one_by_one() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let before = [
            event("e0", &["a"], None, "error", 1_000),
            event("e1", &["r"], Some("u1"), "error", 2_000),
        ];
        let batch = [
            event("e2", &["a"], Some("u1"), "warning", 3_000),
            event("e3", &["a"], Some("u1"), "fatal", 4_000),
            event("e2", &["a"], Some("u9"), "error", 5_000),
            event("e5", &["b", "a"], Some("u2"), "error", 6_000),
            event("e6", &["b"], Some("u2"), "info", 7_000),
            event("e7", &["r"], Some("u3"), "error", 8_000),
            event("e8", &["r"], Some("u4"), "error", 9_000),
            event("e9", &["n"], None, "error", 10_000),
            event("e10", &["z", "n"], Some("u5"), "error", 11_000),
            event("e11", &["c", "a"], Some("u6"), "error", 500),
            event("e0", &["a"], Some("u7"), "error", 12_000),
            event("e12", &["b"], Some("u1"), "debug", 13_000),
        ];

        let mut dumps = Vec::new();
        let mut issue_ids = Vec::new();
        for (name, one_by_one) in [("reference.db", true), ("batched.db", false)] {
            let store = open_store(&dir, name).await;
            for event in &before {
                let batch = IngestBatch { events: vec![event.clone()], ..IngestBatch::default() };
                store.store_batch(batch).await.expect("stored");
            }
            sqlx::query("UPDATE issues SET status = 'resolved' WHERE title = 'title of r'")
                .execute(&store.writes)
                .await
                .expect("resolved");
            let ids = if one_by_one {
                let mut tx = store.writes.begin().await.expect("transaction");
                let mut ids = Vec::new();
                for event in &batch {
                    ids.push(
                        super::super::store_one_event(&mut tx, event).await.expect("stored").0,
                    );
                }
                tx.commit().await.expect("committed");
                ids
            } else {
                let batch = IngestBatch { events: batch.to_vec(), ..IngestBatch::default() };
                store.store_batch(batch).await.expect("stored")
            };
            issue_ids.push(ids);
            store.sync_counters().await.expect("counters written");
            dumps.push(dump(&store).await);
            // Both lanes store the events' JSON compressed.
            let texts: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE typeof(data) != 'blob'")
                    .fetch_one(&store.reads)
                    .await
                    .expect("count");
            assert_eq!(texts, 0, "{name}");
        }
        assert_eq!(issue_ids[0], issue_ids[1]);
        assert_eq!(dumps[0], dumps[1]);
        // The reference did what the case list says: a regression, a new issue, 12 distinct events.
        let rows = dumps[0].join("\n");
        assert!(rows.contains(r#""set_regression""#), "{rows}");
        assert_eq!(dumps[0].iter().filter(|r| r.contains(r#""title of n""#)).count(), 1);
        assert_eq!(dumps[0].iter().filter(|r| r.starts_with(r#"["event","#)).count(), 12);
    }

    /// An event that was on its way while its issue was discarded (ingestion's project cache
    /// still let it through) does not open the issue again: it is dropped when it would, its
    /// items with it, and counted as a discarded hash; the project's other events are kept.
    #[tokio::test]
    async fn an_event_in_flight_during_a_discard_does_not_open_its_issue_again() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open_store(&dir, "discard.db").await;
        let first = IngestBatch {
            events: vec![event("e0", &["a", "a-system"], None, "error", 1_000)],
            ..IngestBatch::default()
        };
        let issue_id = store.store_batch(first).await.expect("stored")[0];
        assert_eq!(store.discard_issue(issue_id, None).await.expect("discarded"), 2);
        let late = IngestBatch {
            events: vec![
                event("e1", &["a-system"], None, "error", 2_000),
                event("e2", &["b"], None, "error", 3_000),
                event("e3", &["a", "a-system"], None, "error", 4_000),
            ],
            ..IngestBatch::default()
        };
        let ids = store.store_batch(late).await.expect("answered");
        assert_eq!(ids[0], super::super::discarded::DROPPED);
        assert_eq!(ids[2], super::super::discarded::DROPPED);
        let titles: Vec<String> = sqlx::query_scalar("SELECT title FROM issues")
            .fetch_all(&store.reads)
            .await
            .expect("issues");
        assert_eq!(titles, ["title of b"]);
        let events: Vec<String> = sqlx::query_scalar("SELECT event_id FROM events")
            .fetch_all(&store.reads)
            .await
            .expect("events");
        assert_eq!(events, ["e2"]);
        let dropped: i64 = sqlx::query_scalar(
            "SELECT quantity FROM outcomes WHERE reason = 'discarded-hash' AND category = 'error'",
        )
        .fetch_one(&store.reads)
        .await
        .expect("counted");
        assert_eq!(dropped, 2);
    }

    /// The event writer has a connection of its own: API writes that run while it commits
    /// (read-then-write transactions and the slow lane's new issues included) wait for it and
    /// succeed, never fail with SQLITE_BUSY.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn api_writes_and_the_event_writer_wait_for_each_other() {
        use crate::store::{NewUser, StatusChange};
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open_store(&dir, "concurrent.db").await;
        let user = store
            .create_user(&NewUser {
                email: "dev@example.com".into(),
                name: "dev".into(),
                password_hash: None,
                is_superuser: false,
            })
            .await
            .expect("user");
        let first = IngestBatch {
            events: vec![event("e0", &["a"], None, "error", 1)],
            ..IngestBatch::default()
        };
        let issue_id = store.store_batch(first).await.expect("stored")[0];

        let ingest = {
            let store = store.clone();
            tokio::spawn(async move {
                for round in 0..200i64 {
                    // Known issue (fast lane) and, every tenth round, a new one (slow lane).
                    let mut events: Vec<NewEvent> = (0..8)
                        .map(|i| event(&format!("r{round}-{i}"), &["a"], Some("u"), "error", round))
                        .collect();
                    if round % 10 == 0 {
                        events.push(event(
                            &format!("n{round}"),
                            &[&format!("new{round}")],
                            None,
                            "error",
                            round,
                        ));
                    }
                    store.store_batch(IngestBatch { events, ..IngestBatch::default() }).await?;
                }
                StoreResult::Ok(())
            })
        };
        for round in 0..100 {
            let status = if round % 2 == 0 { "ignored" } else { "unresolved" };
            let change = StatusChange {
                status: status.into(),
                substatus: None,
                status_details: "{}".into(),
                user_id: user.id,
                snooze: Default::default(),
            };
            store.set_issue_status(issue_id, &change).await.expect("status set while ingesting");
            store.add_comment(issue_id, user.id, "still there", &[]).await.expect("comment added");
            // A transaction that reads, lets the writer run, then writes: a deferred one would
            // find its snapshot stale and fail.
            let mut tx = crate::store::sqlite::begin_write(&store.writes).await.expect("begin");
            let seen: i64 = sqlx::query_scalar("SELECT times_seen FROM issues WHERE id = $1")
                .bind(issue_id)
                .fetch_one(&mut *tx)
                .await
                .expect("read");
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            sqlx::query("UPDATE issues SET culprit = $2 WHERE id = $1")
                .bind(issue_id)
                .bind(format!("seen {seen}"))
                .execute(&mut *tx)
                .await
                .expect("write after read");
            tx.commit().await.expect("commit");
        }
        ingest.await.expect("ingest task").expect("every batch stored");
        let issues: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM issues")
            .fetch_one(&store.reads)
            .await
            .expect("count");
        assert_eq!(issues, 21, "issue a and the 20 new ones");
    }

    /// The writer leaves checkpoints to its background thread: what it commits reaches the
    /// database file (and the WAL can start over) without any write waiting for a checkpoint.
    /// With the writer's automatic checkpoint off and no such thread, the file would never grow.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_reach_the_database_file_through_background_checkpoints() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = store_with_issue_a(&dir, "checkpoints.db").await;
        let file = dir.path().join("checkpoints.db");
        let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        // Let a checkpoint copy what is there, then measure.
        tokio::time::sleep(CHECKPOINT_SETTLE).await;
        let before = size();
        for round in 0..20 {
            let events = padded_events(&format!("r{round}"), round, 8_000);
            store
                .store_batch(IngestBatch { events, ..IngestBatch::default() })
                .await
                .expect("stored");
        }
        // 200 events of 8 KB: well over a megabyte that only a checkpoint moves into the file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while size() < before + 1_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file stayed at {} bytes (from {before})",
                size()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Under continuous writes the WAL starts over instead of growing by every page written:
    /// the background checkpoint never catches up with a writer that keeps committing, so
    /// without the writer finishing each round the WAL never starts over and grows by every
    /// page written (four to seven times the events' bytes here; it started over twice in 40
    /// periods, in gaps the busy test machine left). With the hand-over it starts over about
    /// every other period: six times within a second or so.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_starts_over_while_events_keep_coming() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = store_with_issue_a(&dir, "continuous.db").await;
        let wal = dir.path().join("continuous.db-wal");
        // The WAL header's checkpoint sequence number (bytes 12..16, big-endian) counts the
        // times the WAL started over.
        let restarts = || {
            let mut header = [0u8; 16];
            std::io::Read::read_exact(&mut std::fs::File::open(&wal).expect("WAL"), &mut header)
                .expect("the WAL's header");
            u32::from_be_bytes([header[12], header[13], header[14], header[15]])
        };
        let period = super::super::writer::CHECKPOINT_EVERY;
        let started = std::time::Instant::now();
        let mut written = 0u64;
        let mut round = 0;
        // Back to back until the WAL has started over six times, for 40 periods at most.
        while started.elapsed() < 40 * period && (round % 16 != 0 || restarts() < 6) {
            let events = padded_events(&format!("c{round}"), round, 2_000);
            written += events.iter().map(|e| e.data.as_bytes().len() as u64).sum::<u64>();
            store
                .store_batch(IngestBatch { events, ..IngestBatch::default() })
                .await
                .expect("stored");
            round += 1;
        }
        let restarted = restarts();
        let wal_size = std::fs::metadata(&wal).map(|m| m.len()).expect("the WAL exists");
        assert!(
            restarted >= 6,
            "the WAL started over {restarted} times in {:?} and grew to {wal_size} bytes for \
             {written} bytes of events",
            started.elapsed()
        );
    }

    /// Rows written before compression keep their JSON as text: the store reads them as it
    /// reads the compressed ones, and merge's recount finds their tags.
    #[tokio::test]
    async fn events_stored_as_text_before_compression_are_still_read() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = store_with_issue_a(&dir, "text.db").await;
        let old = r#"{"event_id":"e0","message":"from before","tags":[["shard","7"]]}"#;
        sqlx::query("UPDATE events SET data = $1 WHERE event_id = 'e0'")
            .bind(old)
            .execute(&store.writes)
            .await
            .expect("a text row");
        let issue_id: i64 = sqlx::query_scalar("SELECT issue_id FROM events")
            .fetch_one(&store.reads)
            .await
            .expect("issue");
        let event = store
            .issue_event(issue_id, &crate::store::EventSelector::Latest)
            .await
            .expect("the event is read");
        assert_eq!(event.event.data, old);
        let mut tx = store.writes.begin().await.expect("transaction");
        super::super::triage::recompute_counts(&mut tx, issue_id).await.expect("recounted");
        tx.commit().await.expect("committed");
        let shard: i64 = sqlx::query_scalar(
            "SELECT times_seen FROM issue_tag_values WHERE key = 'shard' AND value = '7'",
        )
        .fetch_one(&store.reads)
        .await
        .expect("the text row's tag is counted");
        assert_eq!(shard, 1);
    }

    /// A new store whose issue `a` exists, so that `a`'s next events take the fast lane.
    async fn store_with_issue_a(dir: &tempfile::TempDir, name: &str) -> SqliteStore {
        let store = open_store(dir, name).await;
        let first = IngestBatch {
            events: vec![event("e0", &["a"], None, "error", 1)],
            ..IngestBatch::default()
        };
        store.store_batch(first).await.expect("stored");
        store
    }

    /// Ten events of issue `a` whose stored JSON is `padding` bytes long or so, with ids
    /// `{prefix}-0` to `{prefix}-9`: the fast lane, written by the writer's connection alone.
    /// The padding is pseudo-random letters, so that compression keeps about three quarters
    /// of it.
    fn padded_events(prefix: &str, at: i64, padding: usize) -> Vec<NewEvent> {
        const LETTERS: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ (at as u64);
        (0..10)
            .map(|i| {
                let noise: String = (0..padding)
                    .map(|_| {
                        // xorshift64: cheap, and enough to defeat compression.
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        char::from(LETTERS[(state % 64) as usize])
                    })
                    .collect();
                let mut e = event(&format!("{prefix}-{i}"), &["a"], None, "error", at);
                e.data = format!(r#"{{"padding":"{noise}"}}"#).into();
                e
            })
            .collect()
    }

    /// Longer than the background checkpoint's period.
    const CHECKPOINT_SETTLE: std::time::Duration = std::time::Duration::from_millis(600);
}
