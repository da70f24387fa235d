//! When a project gets a new dictionary for its events, and where the database keeps it.
//!
//! A project starts without one. Once ingestion has stored [`BUILD_AFTER`] of its events, a
//! background task makes a dictionary of the newest event of each of its most recently seen
//! issues ([`EventDictionary::from_events`]), stores it in `event_dictionaries` and registers it
//! for reading; only then do new events use it, so no row ever names a dictionary that is not in
//! the database. Applications change, so a project gets a new one every [`REBUILD_AFTER`]
//! events; old ones stay, for the rows compressed with them.
//! Per project, because one application's events repeat each other far more than different
//! applications' do, and so that a project's rows only ever depend on its own events.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use sqlx::{Row, SqlitePool};

use crate::store::event_data::{self, EventDictionary};
use crate::store::{StoreError, StoreResult};

/// A project's events stored before it gets its first dictionary.
const BUILD_AFTER: u64 = 1_000;
/// A project's events stored with one dictionary before it gets the next. Each is up to 32 KB in
/// the database and in the memory of every server that opens it.
const REBUILD_AFTER: u64 = 1_000_000;
/// A dictionary is made from the newest events of at most this many of the project's most
/// recently seen issues (as many as fit).
const ISSUES: i64 = 64;

/// A store's dictionaries: the one each project's new events are compressed with, and when to
/// make the next.
#[derive(Debug, Default)]
pub(super) struct Dictionaries {
    current: RwLock<HashMap<i64, EventDictionary>>,
    /// Events stored per project since its current dictionary (or since start-up).
    stored: Mutex<HashMap<i64, u64>>,
    /// Projects whose dictionary a task is making.
    building: Mutex<HashSet<i64>>,
}

impl Dictionaries {
    /// Reads the database's dictionaries and registers them all for reading; each project's
    /// newest is the one to compress with.
    pub(super) async fn load(pool: &SqlitePool) -> StoreResult<Dictionaries> {
        let rows =
            sqlx::query("SELECT project_id, data FROM event_dictionaries ORDER BY created, rowid")
                .fetch_all(pool)
                .await?;
        let mut current = HashMap::new();
        for row in rows {
            let dictionary = EventDictionary::from_stored(row.try_get::<&[u8], _>("data")?);
            event_data::register(&dictionary);
            current.insert(row.try_get("project_id")?, dictionary);
        }
        Ok(Dictionaries { current: RwLock::new(current), ..Dictionaries::default() })
    }

    /// The dictionary to compress a project's new events with, if it has one yet.
    pub(super) fn current(&self, project_id: i64) -> Option<EventDictionary> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).get(&project_id).cloned()
    }

    /// Counts `events` of a project just committed, and starts making its dictionary when it
    /// is time.
    pub(super) fn stored(
        self: &Arc<Self>,
        project_id: i64,
        events: u64,
        reads: &SqlitePool,
        writes: &SqlitePool,
    ) {
        let stored = {
            let mut counts = self.stored.lock().unwrap_or_else(PoisonError::into_inner);
            let count = counts.entry(project_id).or_default();
            *count += events;
            *count
        };
        let due = if self.current(project_id).is_some() { REBUILD_AFTER } else { BUILD_AFTER };
        if stored < due
            || !self.building.lock().unwrap_or_else(PoisonError::into_inner).insert(project_id)
        {
            return;
        }
        let (this, reads, writes) = (self.clone(), reads.clone(), writes.clone());
        tokio::spawn(async move {
            match build(&reads, &writes, project_id).await {
                Ok(dictionary) => {
                    tracing::info!(project_id, id = dictionary.id(), "a new event dictionary");
                    this.current
                        .write()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(project_id, dictionary);
                }
                // The events were deleted, or the database was busy: try again after as many
                // events again.
                Err(err) => tracing::warn!(project_id, %err, "no new event dictionary this time"),
            }
            this.stored.lock().unwrap_or_else(PoisonError::into_inner).insert(project_id, 0);
            this.building.lock().unwrap_or_else(PoisonError::into_inner).remove(&project_id);
        });
    }
}

/// Makes a dictionary of the newest event of each of the project's most recently seen issues,
/// stores it and registers it for reading.
pub(super) async fn build(
    reads: &SqlitePool,
    writes: &SqlitePool,
    project_id: i64,
) -> StoreResult<EventDictionary> {
    let issues: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM issues WHERE project_id = $1 ORDER BY last_seen DESC LIMIT $2",
    )
    .bind(project_id)
    .bind(ISSUES)
    .fetch_all(reads)
    .await?;
    let mut newest_first = Vec::new();
    let mut size = 0;
    for issue_id in issues {
        let data: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT data FROM events WHERE issue_id = $1 ORDER BY timestamp DESC LIMIT 1",
        )
        .bind(issue_id)
        .fetch_optional(reads)
        .await?;
        // A row that does not decode is left out; it is no reason not to make one.
        let Some(Ok(json)) = data.map(|data| event_data::decode(&data)) else { continue };
        size += json.len();
        newest_first.push(json);
        if size > event_data::DICTIONARY_SIZE {
            break;
        }
    }
    let dictionary = EventDictionary::from_events(newest_first.iter().map(String::as_str))
        .ok_or_else(|| StoreError::Corrupt("no event small enough for a dictionary".into()))?;
    // The same content twice (the same latest events) is the same dictionary.
    sqlx::query(
        "INSERT OR IGNORE INTO event_dictionaries (id, project_id, data, created) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(dictionary.id())
    .bind(project_id)
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

    async fn ingest(store: &SqliteStore, project_id: i64, numbers: std::ops::Range<usize>) {
        let ctx = EventContext::with_defaults(project_id, chrono::Utc::now().timestamp_millis());
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

    /// A project gets a dictionary once ingestion has stored enough of its events; the database
    /// keeps it, and the project's later events are compressed with it, not other projects';
    /// every event reads back whole, and a store opened on the file again finds the dictionary.
    #[tokio::test(flavor = "multi_thread")]
    async fn events_after_the_first_thousand_are_compressed_with_a_dictionary_of_earlier_ones() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        store.ensure_default_organization(&crate::config::defaults()).await.expect("project 1");
        for start in (0..BUILD_AFTER as usize).step_by(100) {
            assert!(store.dictionaries.current(1).is_none(), "made after {start} events");
            ingest(&store, 1, start..start + 100).await;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let dictionary = loop {
            if let Some(dictionary) = store.dictionaries.current(1) {
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

        ingest(&store, 1, 5_000..5_010).await;
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
        // Another project's events do not use it.
        sqlx::query(
            "INSERT INTO projects (id, organization_id, slug, name, date_created) \
             SELECT 2, organization_id, 'second', 'Second', 0 FROM projects WHERE id = 1",
        )
        .execute(&store.writes)
        .await
        .expect("a second project");
        ingest(&store, 2, 8_000..8_001).await;
        assert_eq!(named(&stored_frame(&store, 8_000).await), None);
        assert!(store.dictionaries.current(2).is_none());
        for n in [0, 999, 5_000, 5_009] {
            let event = store.project_event(1, &format!("{n:032x}")).await.expect("the event");
            let json: serde_json::Value = serde_json::from_str(&event.event.data).expect("JSON");
            assert_eq!(json["exception"]["values"][0]["value"], format!("order {n} failed"));
        }

        let reopened = SqliteStore::connect(&url).await.expect("store opens again");
        assert_eq!(reopened.dictionaries.current(1), Some(dictionary));
        // The dictionary's count starts over: no second one is made at once.
        ingest(&reopened, 1, 6_000..7_100).await;
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
        assert!(build(&store.reads, &store.writes, 1).await.is_err());
        assert!(store.dictionaries.current(1).is_none());
    }
}
