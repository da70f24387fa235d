//! When the database makes a new dictionary for its events, and where it keeps it.
//!
//! A database starts without one. Once ingestion has stored [`BUILD_AFTER`] events, a
//! background task reads the latest ones, makes a dictionary of the newest event of each issue
//! among them ([`EventDictionary::from_events`]), stores it in `event_dictionaries` and registers
//! it for reading; only then do new events use it, so no row ever names a dictionary that is not
//! in the database. Applications change, so the database makes a new one every
//! [`REBUILD_AFTER`] events; old ones stay, for the rows compressed with them.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sqlx::{Row, SqlitePool};

use crate::store::event_data::{self, EventDictionary};
use crate::store::{StoreError, StoreResult};

/// Events stored before the database makes its first dictionary.
const BUILD_AFTER: u64 = 1_000;
/// Events stored with one dictionary before the database makes the next. Each is up to 32 KB
/// in the database and in the memory of every server that opens it.
const REBUILD_AFTER: u64 = 1_000_000;
/// The dictionary is made from the newest of this many latest events.
const CANDIDATES: i64 = 1_000;

/// A store's dictionaries: the one new events are compressed with, and when to make the next.
#[derive(Debug, Default)]
pub(super) struct Dictionaries {
    current: RwLock<Option<EventDictionary>>,
    /// Events stored since the current dictionary (or since start-up).
    stored: AtomicU64,
    /// Whether a task is making one.
    building: AtomicBool,
}

impl Dictionaries {
    /// Reads the database's dictionaries and registers them all for reading; the newest is the
    /// one to compress with.
    pub(super) async fn load(pool: &SqlitePool) -> StoreResult<Dictionaries> {
        let rows = sqlx::query("SELECT data FROM event_dictionaries ORDER BY created, rowid")
            .fetch_all(pool)
            .await?;
        let mut newest = None;
        for row in rows {
            let dictionary = EventDictionary::from_stored(row.try_get::<&[u8], _>("data")?);
            event_data::register(&dictionary);
            newest = Some(dictionary);
        }
        Ok(Dictionaries { current: RwLock::new(newest), ..Dictionaries::default() })
    }

    /// The dictionary to compress new events with, if the database has one yet.
    pub(super) fn current(&self) -> Option<EventDictionary> {
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Counts `events` just committed, and starts making a dictionary when it is time.
    pub(super) fn stored(self: &Arc<Self>, events: u64, reads: &SqlitePool, writes: &SqlitePool) {
        let stored = self.stored.fetch_add(events, Ordering::Relaxed) + events;
        let due = if self.current().is_some() { REBUILD_AFTER } else { BUILD_AFTER };
        if stored < due || self.building.swap(true, Ordering::AcqRel) {
            return;
        }
        let (this, reads, writes) = (self.clone(), reads.clone(), writes.clone());
        tokio::spawn(async move {
            match build(&reads, &writes).await {
                Ok(dictionary) => {
                    tracing::info!(id = dictionary.id(), "a new dictionary for events");
                    *this.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
                        Some(dictionary);
                }
                // The events were deleted, or the database was busy: try again after as many
                // events again.
                Err(err) => tracing::warn!(%err, "no new dictionary for events this time"),
            }
            this.stored.store(0, Ordering::Relaxed);
            this.building.store(false, Ordering::Release);
        });
    }
}

/// Makes a dictionary of the newest event of each issue among the latest events, stores it and
/// registers it for reading.
pub(super) async fn build(reads: &SqlitePool, writes: &SqlitePool) -> StoreResult<EventDictionary> {
    let mut newest_first = Vec::new();
    {
        let mut issues = HashSet::new();
        let mut size = 0;
        let mut rows = sqlx::query("SELECT issue_id, data FROM events ORDER BY id DESC LIMIT $1")
            .bind(CANDIDATES)
            .fetch(reads);
        while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            if !issues.insert(row.try_get::<i64, _>("issue_id")?) {
                continue;
            }
            // A row that does not decode is left out; it is no reason not to make one.
            let Ok(json) = event_data::decode(row.try_get::<&[u8], _>("data")?) else { continue };
            size += json.len();
            newest_first.push(json);
            if size > event_data::DICTIONARY_SIZE {
                break;
            }
        }
    }
    let dictionary = EventDictionary::from_events(newest_first.iter().map(String::as_str))
        .ok_or_else(|| StoreError::Corrupt("no event small enough for a dictionary".into()))?;
    // The same content twice (the same latest events) is the same dictionary.
    sqlx::query("INSERT OR IGNORE INTO event_dictionaries (id, data, created) VALUES ($1, $2, $3)")
        .bind(dictionary.id())
        .bind(dictionary.as_bytes())
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(writes)
        .await?;
    event_data::register(&dictionary);
    Ok(dictionary)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ingest::event::{self, EventContext};
    use crate::store::sqlite::SqliteStore;
    use crate::store::{IngestBatch, Store};

    fn payload(n: usize) -> String {
        format!(
            r#"{{"event_id":"{n:032x}","platform":"python","level":"error","exception":{{"values":[{{"type":"OrderError{}","value":"order {n} failed","stacktrace":{{"frames":[{{"filename":"app/orders.py","function":"process","lineno":{n},"context_line":"    return charge(order)"}}]}}}}]}},"breadcrumbs":[{{"category":"query","message":"SELECT * FROM orders WHERE id = {n}"}}],"sdk":{{"name":"sentry.python","version":"2.19.0"}}}}"#,
            n % 7
        )
    }

    async fn ingest(store: &SqliteStore, numbers: std::ops::Range<usize>) {
        let ctx = EventContext::with_defaults(1, chrono::Utc::now().timestamp_millis());
        let events = numbers
            .map(|n| event::process(payload(n).as_bytes(), &ctx).expect("a valid event"))
            .collect();
        store.store_batch(IngestBatch { events, ..IngestBatch::default() }).await.expect("stored");
    }

    async fn stored_frame(store: &SqliteStore, n: usize) -> Vec<u8> {
        sqlx::query_scalar("SELECT data FROM events WHERE event_id = $1")
            .bind(format!("{n:032x}"))
            .fetch_one(&store.reads)
            .await
            .expect("the event's row")
    }

    /// The database makes a dictionary once ingestion has stored enough events, keeps it, and
    /// compresses the events after it with it; every event reads back whole, and a store opened
    /// on the file again finds the dictionary.
    #[tokio::test(flavor = "multi_thread")]
    async fn events_after_the_first_thousand_are_compressed_with_a_dictionary_of_earlier_ones() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        store.ensure_default_organization(&crate::config::defaults()).await.expect("project 1");
        for start in (0..BUILD_AFTER as usize).step_by(100) {
            assert!(store.dictionaries.current().is_none(), "made after {start} events");
            ingest(&store, start..start + 100).await;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let dictionary = loop {
            if let Some(dictionary) = store.dictionaries.current() {
                break dictionary;
            }
            assert!(std::time::Instant::now() < deadline, "no dictionary was made");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM event_dictionaries")
            .fetch_all(&store.reads)
            .await
            .expect("dictionaries");
        assert_eq!(ids, [dictionary.id()]);

        ingest(&store, 5_000..5_010).await;
        let before = stored_frame(&store, 0).await;
        let after = stored_frame(&store, 5_000).await;
        // A row compressed with a dictionary starts with a skippable frame with its id.
        let named = |row: &[u8]| {
            let id = row.strip_prefix(&[0x50, 0x2A, 0x4D, 0x18, 8, 0, 0, 0])?.first_chunk()?;
            Some(i64::from_le_bytes(*id))
        };
        assert_eq!(named(&before), None, "the first events are compressed without one");
        assert_eq!(named(&after), Some(dictionary.id()));
        assert!(after.len() * 2 < before.len(), "{} bytes, {} before", after.len(), before.len());
        for n in [0, 999, 5_000, 5_009] {
            let event = store.project_event(1, &format!("{n:032x}")).await.expect("the event");
            let json: serde_json::Value = serde_json::from_str(&event.event.data).expect("JSON");
            assert_eq!(json["exception"]["values"][0]["value"], format!("order {n} failed"));
        }

        let reopened = SqliteStore::connect(&url).await.expect("store opens again");
        assert_eq!(reopened.dictionaries.current(), Some(dictionary));
        // The dictionary's count starts over: no second one is made at once.
        ingest(&reopened, 6_000..7_100).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event_dictionaries")
            .fetch_one(&reopened.reads)
            .await
            .expect("count");
        assert_eq!(count, 1);
    }

    #[tokio::test]
    async fn a_database_without_events_makes_no_dictionary() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        assert!(build(&store.reads, &store.writes).await.is_err());
        assert!(store.dictionaries.current().is_none());
    }
}
