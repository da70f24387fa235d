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
//!
//! A dictionary holds the JSON of the events it was made of (`event_dictionary_sources` says
//! which), so deleting an issue must not leave its events there. Deleting an issue with such an
//! event *retires* the dictionaries that hold one ([`Dictionaries::retire_holding_issue`], in
//! the deleting transaction): no new row names a retired dictionary (the store stops
//! compressing with it, and the event writer compresses again, under the write lock, any event
//! of its group commit still compressed with it), and a task per project compresses every row
//! that names one again, with the project's newest dictionary, then deletes it
//! ([`Dictionaries::purge`]). A server that stops halfway resumes when it opens the database.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::store::event_data::{self, EventData, EventDictionary, DICTIONARY_HEADER};
use crate::store::{NewEvent, StoreError, StoreResult};

/// A project's events stored before it gets its first dictionary.
const BUILD_AFTER: u64 = 1_000;
/// A project's events stored with one dictionary before it gets the next. Each is up to 32 KB in
/// the database and in the memory of every server that opens it.
const REBUILD_AFTER: u64 = 1_000_000;
/// A dictionary is made from the newest events of at most this many of the project's most
/// recently seen issues (as many as fit).
const ISSUES: i64 = 64;
/// Rows compressed again per transaction when a retired dictionary's rows are rewritten.
const PURGE_ROWS: usize = 256;
/// How long a purge waits before it starts: a bulk deletion retires what it will meanwhile, and
/// one pass over the project's rows then covers every dictionary it retired.
const PURGE_DELAY: Duration = Duration::from_millis(200);
/// How long a purge that failed (the database busy past its timeout, full, unreadable) waits
/// before it tries again; the wait doubles with each failure in a row, up to
/// [`PURGE_RETRY_MAX`]. The dictionaries stay retired meanwhile: no new row names them.
const PURGE_RETRY: Duration = Duration::from_secs(10);
const PURGE_RETRY_MAX: Duration = Duration::from_secs(600);
/// How long a deleted dictionary stays readable in memory: a read that fetched a row just
/// before the purge rewrote it still decodes it.
const UNREGISTER_AFTER: Duration = Duration::from_secs(60);

/// A store's dictionaries: the one each project's new events are compressed with, and when to
/// make the next.
#[derive(Debug, Default)]
pub(super) struct Dictionaries {
    current: RwLock<HashMap<i64, EventDictionary>>,
    /// Events stored per project since its current dictionary (or since start-up).
    stored: Mutex<HashMap<i64, u64>>,
    /// Projects whose dictionary a task is making.
    building: Mutex<HashSet<i64>>,
    /// Retired dictionaries (id → project): they hold the JSON of a deleted event, and no new
    /// row may name one.
    retired: RwLock<HashMap<i64, i64>>,
    /// Projects whose retired dictionaries a task is purging.
    purging: Mutex<HashSet<i64>>,
    /// Events before a project's first dictionary and between two ([`BUILD_AFTER`] and
    /// [`REBUILD_AFTER`]), atomics so that tests can lower them.
    build_after: AtomicU64,
    rebuild_after: AtomicU64,
    /// [`PURGE_RETRY`] in milliseconds, an atomic so that tests can lower it.
    purge_retry_ms: AtomicU64,
}

impl Dictionaries {
    /// Reads the database's dictionaries and registers them all for reading; each project's
    /// newest is the one to compress with.
    /// The retired ones are read, never compressed with; see [`Self::resume_purges`].
    pub(super) async fn load(pool: &SqlitePool) -> StoreResult<Dictionaries> {
        let rows = sqlx::query(
            "SELECT project_id, data, retired FROM event_dictionaries ORDER BY created, rowid",
        )
        .fetch_all(pool)
        .await?;
        let (mut current, mut retired) = (HashMap::new(), HashMap::new());
        for row in rows {
            let dictionary = EventDictionary::from_stored(row.try_get::<&[u8], _>("data")?);
            event_data::register(&dictionary);
            let project_id: i64 = row.try_get("project_id")?;
            if row.try_get::<bool, _>("retired")? {
                retired.insert(dictionary.id(), project_id);
            } else {
                current.insert(project_id, dictionary);
            }
        }
        Ok(Dictionaries {
            current: RwLock::new(current),
            retired: RwLock::new(retired),
            build_after: AtomicU64::new(BUILD_AFTER),
            rebuild_after: AtomicU64::new(REBUILD_AFTER),
            purge_retry_ms: AtomicU64::new(PURGE_RETRY.as_millis().try_into().unwrap_or(u64::MAX)),
            ..Dictionaries::default()
        })
    }

    /// Purges the dictionaries found retired when the database was opened: a server stopped
    /// halfway, or they predate the record of their events (migration 0023).
    pub(super) fn resume_purges(self: &Arc<Self>, reads: &SqlitePool, writes: &SqlitePool) {
        let projects: HashSet<i64> =
            self.retired.read().unwrap_or_else(PoisonError::into_inner).values().copied().collect();
        for project_id in projects {
            self.purge(project_id, reads, writes);
        }
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
        let due = match self.current(project_id) {
            Some(_) => self.rebuild_after.load(Ordering::Relaxed),
            None => self.build_after.load(Ordering::Relaxed),
        };
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
                    this.make_current(project_id, dictionary);
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

impl Dictionaries {
    /// Retires the dictionaries that hold an event of `issue_id`, which `tx` (a write
    /// transaction) is about to delete; returns their project, to [`Self::purge`] once `tx` has
    /// committed.
    ///
    /// The store stops compressing with them at once, before `tx` commits: `tx` holds the write
    /// lock, so every group commit the event writer begins from now on sees them retired (see
    /// [`Self::rewrite_retired`]), and every one before is in the database for the purge to
    /// find. Should `tx` fail, they stay unused until the server restarts, which is safe.
    pub(super) async fn retire_holding_issue(
        &self,
        tx: &mut SqliteConnection,
        issue_id: i64,
    ) -> StoreResult<Option<i64>> {
        // The sources first: a few per dictionary, each looked up among the project's events.
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT DISTINCT s.dictionary_id, s.project_id FROM issues AS i \
             CROSS JOIN event_dictionary_sources AS s CROSS JOIN events AS e \
             WHERE i.id = $1 AND s.project_id = i.project_id \
             AND e.project_id = s.project_id AND e.event_id = s.event_id AND e.issue_id = i.id",
        )
        .bind(issue_id)
        .fetch_all(&mut *tx)
        .await?;
        let Some(&(_, project_id)) = rows.first() else { return Ok(None) };
        self.retire(tx, &rows).await?;
        Ok(Some(project_id))
    }

    /// Retires the dictionaries `rows` (dictionary id, project id), in the transaction that
    /// deletes an event they hold: in memory at once (no new row names one), and in the
    /// database with the deletion. The caller then starts a [`Dictionaries::purge`] of each
    /// project once the transaction is committed.
    pub(super) async fn retire(
        &self,
        tx: &mut SqliteConnection,
        rows: &[(i64, i64)],
    ) -> StoreResult<()> {
        {
            let mut retired = self.retired.write().unwrap_or_else(PoisonError::into_inner);
            retired.extend(rows.iter().copied());
            let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
            current.retain(|_, dictionary| !retired.contains_key(&dictionary.id()));
        }
        for (dictionary_id, _) in rows {
            sqlx::query("UPDATE event_dictionaries SET retired = 1 WHERE id = $1")
                .bind(dictionary_id)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    /// Compresses again, without a dictionary, the events of a group commit that were
    /// compressed with one retired since. The event writer calls it under the write lock, at
    /// the start of each group commit.
    pub(super) fn rewrite_retired<'a>(&self, events: impl Iterator<Item = &'a mut NewEvent>) {
        let retired = self.retired.read().unwrap_or_else(PoisonError::into_inner);
        if retired.is_empty() {
            return;
        }
        for event in events {
            if event.data.dictionary().is_some_and(|id| retired.contains_key(&id)) {
                // It was compressed a moment ago, so it decodes; should it not, the purge
                // fails on its row and keeps the dictionary.
                if let Err(err) = event.data.recompress(None) {
                    tracing::warn!(%err, "an event compressed with a retired dictionary");
                }
            }
        }
    }

    /// Makes `dictionary` the one the project's new events are compressed with, unless it was
    /// retired since it was made (a deletion came in between).
    fn make_current(&self, project_id: i64, dictionary: EventDictionary) {
        // In `retire_holding_issue`'s order: `retired`, then `current`.
        let retired = self.retired.read().unwrap_or_else(PoisonError::into_inner);
        if !retired.contains_key(&dictionary.id()) {
            self.current
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(project_id, dictionary);
        }
    }

    /// Forgets a deleted project: its dictionaries went with its rows. SQLite may give its id
    /// to a new project, which must start without them.
    pub(super) fn forget_project(&self, project_id: i64) {
        // In `retire_holding_issue`'s order: `retired`, then `current`.
        let mut retired = self.retired.write().unwrap_or_else(PoisonError::into_inner);
        retired.retain(|_, project| *project != project_id);
        self.current.write().unwrap_or_else(PoisonError::into_inner).remove(&project_id);
        drop(retired);
        self.stored.lock().unwrap_or_else(PoisonError::into_inner).remove(&project_id);
    }

    fn is_retired(&self, dictionary_id: i64) -> bool {
        self.retired.read().unwrap_or_else(PoisonError::into_inner).contains_key(&dictionary_id)
    }

    /// Starts a task that compresses again every row of the project that names a retired
    /// dictionary, then deletes those dictionaries; one task per project at a time, which
    /// covers what is retired while it runs.
    pub(super) fn purge(
        self: &Arc<Self>,
        project_id: i64,
        reads: &SqlitePool,
        writes: &SqlitePool,
    ) {
        if !self.purging.lock().unwrap_or_else(PoisonError::into_inner).insert(project_id) {
            return;
        }
        let (this, reads, writes) = (self.clone(), reads.clone(), writes.clone());
        tokio::spawn(async move {
            tokio::time::sleep(PURGE_DELAY).await;
            let first_retry = Duration::from_millis(this.purge_retry_ms.load(Ordering::Relaxed));
            let mut retry = first_retry;
            loop {
                let ids: Vec<i64> = {
                    let retired = this.retired.read().unwrap_or_else(PoisonError::into_inner);
                    retired.iter().filter(|(_, p)| **p == project_id).map(|(id, _)| *id).collect()
                };
                if ids.is_empty() {
                    break;
                }
                if let Err(err) = this.purge_pass(&reads, &writes, project_id, &ids).await {
                    // They stay retired (and a restart would try again too).
                    tracing::warn!(
                        project_id,
                        %err,
                        retry_in = ?retry,
                        "retired event dictionaries not purged yet"
                    );
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(PURGE_RETRY_MAX);
                    continue;
                }
                retry = first_retry;
                tracing::info!(project_id, dictionaries = ?ids, "retired event dictionaries deleted");
                {
                    let mut retired = this.retired.write().unwrap_or_else(PoisonError::into_inner);
                    for id in &ids {
                        retired.remove(id);
                    }
                }
                tokio::spawn(async move {
                    tokio::time::sleep(UNREGISTER_AFTER).await;
                    ids.into_iter().for_each(event_data::unregister);
                });
            }
            this.purging.lock().unwrap_or_else(PoisonError::into_inner).remove(&project_id);
        });
    }

    /// One pass over the project's events, oldest first: each row that names one of
    /// `dictionaries` is compressed again with the project's newest dictionary (made now if it
    /// has none, from the events that are left), a chunk per transaction. Once no row names
    /// them, they are deleted.
    async fn purge_pass(
        self: &Arc<Self>,
        reads: &SqlitePool,
        writes: &SqlitePool,
        project_id: i64,
        dictionaries: &[i64],
    ) -> StoreResult<()> {
        if self.current(project_id).is_none()
            && self.building.lock().unwrap_or_else(PoisonError::into_inner).insert(project_id)
        {
            match build(reads, writes, project_id).await {
                Ok(dictionary) => self.make_current(project_id, dictionary),
                // No events left, or none small enough: the rows go without one.
                Err(err) => tracing::info!(project_id, %err, "no new event dictionary"),
            }
            self.building.lock().unwrap_or_else(PoisonError::into_inner).remove(&project_id);
        }
        let headers: Vec<[u8; DICTIONARY_HEADER]> =
            dictionaries.iter().map(|id| event_data::dictionary_header(*id)).collect();
        // By row id, which `NOT INDEXED` keeps SQLite to: one pass over the table in all.
        let naming = format!(
            "FROM events NOT INDEXED WHERE id > $1 AND project_id = $2 \
             AND substr(data, 1, {DICTIONARY_HEADER}) IN ({})",
            placeholder_list(3, headers.len())
        );
        let select = format!("SELECT id, data {naming} ORDER BY id LIMIT {PURGE_ROWS}");
        let left = format!("SELECT EXISTS (SELECT 1 {naming})");
        let mut after = 0i64;
        loop {
            let mut query =
                sqlx::query_as::<_, (i64, Vec<u8>)>(&select).bind(after).bind(project_id);
            for header in &headers {
                query = query.bind(header.as_slice());
            }
            let rows = query.fetch_all(reads).await?;
            let last = rows.len() < PURGE_ROWS;
            after = rows.last().map_or(after, |(id, _)| *id);
            let replacement = self.current(project_id);
            // (row, the dictionary it names now, its data compressed again)
            let mut rewritten = Vec::with_capacity(rows.len());
            for (id, data) in rows {
                let mut data = EventData::from_stored(data);
                let named = data.dictionary().unwrap_or_default();
                data.recompress(replacement.as_ref())?;
                rewritten.push((id, named, data));
            }
            let mut tx = super::begin_write(writes).await?;
            // Under the write lock nothing is retired meanwhile; the replacement may have been
            // since the rows were compressed, if a deletion came in between.
            if replacement.as_ref().is_some_and(|d| self.is_retired(d.id())) {
                for (_, _, data) in &mut rewritten {
                    data.recompress(None)?;
                }
            }
            let update = format!(
                "UPDATE events SET data = $1 WHERE id = $2 \
                 AND substr(data, 1, {DICTIONARY_HEADER}) = $3"
            );
            for (id, named, data) in &rewritten {
                sqlx::query(&update)
                    .bind(data.as_bytes())
                    .bind(id)
                    .bind(event_data::dictionary_header(*named).as_slice())
                    .execute(&mut *tx)
                    .await?;
            }
            if last {
                let mut query = sqlx::query_scalar::<_, bool>(&left).bind(after).bind(project_id);
                for header in &headers {
                    query = query.bind(header.as_slice());
                }
                if !query.fetch_one(&mut *tx).await? {
                    for id in dictionaries {
                        sqlx::query("DELETE FROM event_dictionaries WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    return Ok(());
                }
            }
            tx.commit().await?;
        }
    }
}

/// `$first, $first+1, ...`: `count` numbered parameters.
fn placeholder_list(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// Makes a dictionary of the newest event of each of the project's most recently seen issues,
/// stores it (with which events it holds) and registers it for reading.
pub(super) async fn build(
    reads: &SqlitePool,
    writes: &SqlitePool,
    project_id: i64,
) -> StoreResult<EventDictionary> {
    let chosen = newest_events(reads, project_id).await?;
    store_dictionary(writes, project_id, &chosen).await
}

/// The newest event of each of the project's most recently seen issues, as (event id, JSON),
/// newest first, as many as fit in a dictionary.
async fn newest_events(reads: &SqlitePool, project_id: i64) -> StoreResult<Vec<(String, String)>> {
    let issues: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM issues WHERE project_id = $1 ORDER BY last_seen DESC LIMIT $2",
    )
    .bind(project_id)
    .bind(ISSUES)
    .fetch_all(reads)
    .await?;
    // (event id, JSON), newest first, as many as fit.
    let mut chosen: Vec<(String, String)> = Vec::new();
    let mut size = 0;
    for issue_id in issues {
        let row: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT event_id, data FROM events WHERE issue_id = $1 \
             ORDER BY timestamp DESC LIMIT 1",
        )
        .bind(issue_id)
        .fetch_optional(reads)
        .await?;
        // A row that does not decode is left out; it is no reason not to make one.
        let Some((event_id, Ok(json))) = row.map(|(id, data)| (id, event_data::decode(&data)))
        else {
            continue;
        };
        if size + json.len() > event_data::DICTIONARY_SIZE {
            break;
        }
        size += json.len();
        chosen.push((event_id, json));
    }
    Ok(chosen)
}

/// Stores a dictionary of `chosen` (event id, JSON; newest first) for the project, unless one of
/// those events was deleted since it was read, and registers it for reading.
async fn store_dictionary(
    writes: &SqlitePool,
    project_id: i64,
    chosen: &[(String, String)],
) -> StoreResult<EventDictionary> {
    let mut dictionary = EventDictionary::from_events(chosen.iter().map(|(_, json)| json.as_str()))
        .ok_or_else(|| StoreError::Corrupt("no event small enough for a dictionary".into()))?;
    let mut tx = super::begin_write(writes).await?;
    // Under the write lock: an event deleted (with its issue) since it was read must not be in
    // a dictionary, as no deletion would retire it.
    let sql = format!(
        "SELECT COUNT(*) FROM events WHERE project_id = $1 AND event_id IN ({})",
        placeholder_list(2, chosen.len())
    );
    let mut present = sqlx::query_scalar::<_, i64>(&sql).bind(project_id);
    for (event_id, _) in chosen {
        present = present.bind(event_id);
    }
    if usize::try_from(present.fetch_one(&mut *tx).await?).ok() != Some(chosen.len()) {
        return Err(StoreError::Conflict("an event of the dictionary was deleted".into()));
    }
    // The same content twice (the same newest events) is the same dictionary, unless that one
    // is retired (made before its events were recorded, or holding an event deleted and sent
    // again): its rows are on their way out, and it with them. A newline at the end makes
    // another, as good for compression.
    for padding in 0.. {
        let retired: Option<bool> =
            sqlx::query_scalar("SELECT retired FROM event_dictionaries WHERE id = $1")
                .bind(dictionary.id())
                .fetch_optional(&mut *tx)
                .await?;
        if retired != Some(true) {
            break;
        }
        if padding == 8 {
            return Err(StoreError::Conflict("the same as retired dictionaries".into()));
        }
        dictionary = dictionary.padded();
    }
    sqlx::query(
        "INSERT OR IGNORE INTO event_dictionaries (id, project_id, data, created) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(dictionary.id())
    .bind(project_id)
    .bind(dictionary.as_bytes())
    .bind(chrono::Utc::now().timestamp_millis())
    .execute(&mut *tx)
    .await?;
    for (event_id, _) in chosen {
        sqlx::query(
            "INSERT OR IGNORE INTO event_dictionary_sources (dictionary_id, project_id, event_id) \
             VALUES ($1, $2, $3)",
        )
        .bind(dictionary.id())
        .bind(project_id)
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    event_data::register(&dictionary);
    Ok(dictionary)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ingest::event::{self, EventContext};
    use crate::store::sqlite::SqliteStore;
    use crate::store::{IngestBatch, RetentionReport, Store};

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
        let (url, store) = new_store(&dir).await;
        for start in (0..BUILD_AFTER as usize).step_by(100) {
            assert!(store.dictionaries.current(1).is_none(), "made after {start} events");
            ingest(&store, 1, start..start + 100).await;
        }
        let dictionary = made_dictionary(&store, 1).await;
        assert_eq!(dictionary_ids(&store).await, [dictionary.id()]);

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
        add_second_project(&store).await;
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

    /// The project's dictionary once the background task has made it.
    async fn made_dictionary(store: &SqliteStore, project_id: i64) -> EventDictionary {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(dictionary) = store.dictionaries.current(project_id) {
                return dictionary;
            }
            assert!(std::time::Instant::now() < deadline, "no dictionary was made");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn new_store(dir: &tempfile::TempDir) -> (String, SqliteStore) {
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        store.ensure_default_organization(&crate::config::defaults()).await.expect("project 1");
        (url, store)
    }

    /// Project 2, in the organization of project 1.
    async fn add_second_project(store: &SqliteStore) {
        sqlx::query(
            "INSERT INTO projects (id, organization_id, slug, name, date_created) \
             SELECT 2, organization_id, 'second', 'Second', 0 FROM projects WHERE id = 1",
        )
        .execute(&store.writes)
        .await
        .expect("a second project");
    }

    async fn dictionary_ids(store: &SqliteStore) -> Vec<i64> {
        sqlx::query_scalar("SELECT id FROM event_dictionaries ORDER BY created, rowid")
            .fetch_all(&store.reads)
            .await
            .expect("dictionaries")
    }

    /// Waits until the database has none of `gone` left.
    async fn purged(store: &SqliteStore, gone: i64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while dictionary_ids(store).await.contains(&gone) {
            assert!(std::time::Instant::now() < deadline, "dictionary {gone} was not deleted");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every event row of the database decodes, and none names `gone`.
    async fn every_row_reads_without(store: &SqliteStore, gone: i64) -> usize {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT data FROM events")
            .fetch_all(&store.reads)
            .await
            .expect("events");
        for data in &rows {
            assert_ne!(event_data::named_dictionary(data), Some(gone));
            event_data::decode(data).expect("every row decodes");
        }
        rows.len()
    }

    async fn issue_of(store: &SqliteStore, n: usize) -> i64 {
        sqlx::query_scalar("SELECT issue_id FROM events WHERE event_id = $1")
            .bind(format!("{n:032x}"))
            .fetch_one(&store.reads)
            .await
            .expect("the event's issue")
    }

    /// Deleting a project takes its dictionaries and their sources along with its events (a
    /// chunk of them per transaction) and leaves another project's alone. SQLite may give the
    /// deleted project's id to a new one, which starts without a dictionary: its events are
    /// compressed without one and read back.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_deleted_projects_dictionaries_go_with_it_and_its_id_starts_over() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_url, store) = new_store(&dir).await;
        let add_project_1 = "INSERT INTO projects (id, organization_id, slug, name, date_created) \
             SELECT 1, organization_id, 'again', 'Again', 0 FROM projects WHERE id = 2";
        add_second_project(&store).await;
        for start in (0..BUILD_AFTER as usize).step_by(100) {
            ingest(&store, 1, start..start + 100).await;
        }
        let dictionary = made_dictionary(&store, 1).await;
        ingest(&store, 1, 5_000..5_100).await;
        ingest(&store, 2, 8_000..8_010).await;
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&store, 5_000).await),
            Some(dictionary.id())
        );

        let keys = store.delete_project(1).await.expect("deleted");
        assert_eq!(keys.len(), 1, "the default project's DSN key");
        assert!(store.dictionaries.current(1).is_none());
        assert!(dictionary_ids(&store).await.is_empty());
        let (events, sources): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM event_dictionary_sources)",
        )
        .fetch_one(&store.reads)
        .await
        .expect("counts");
        assert_eq!((events, sources), (10, 0), "the second project's events alone stay");
        let kept = store.project_event(2, &format!("{:032x}", 8_003)).await.expect("the event");
        assert!(kept.event.data.contains("order 8003 failed"));

        sqlx::query(add_project_1).execute(&store.writes).await.expect("project 1 again");
        ingest(&store, 1, 9_000..9_010).await;
        assert_eq!(event_data::named_dictionary(&stored_frame(&store, 9_000).await), None);
        let event = store.project_event(1, &format!("{:032x}", 9_004)).await.expect("the event");
        assert!(event.event.data.contains("order 9004 failed"));
        let issues: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM issues WHERE project_id = 1")
            .fetch_one(&store.reads)
            .await
            .expect("issues");
        assert_eq!(issues, 7, "the new project's issues alone");
    }

    /// Data retention deletes the events received before its cutoff, a chunk per transaction,
    /// and retires (then purges) the dictionaries that hold one, so that no deleted event's
    /// JSON stays in the database; the issues still seen stay, with their counts. A second pass
    /// with everything old takes the issues too.
    #[tokio::test(flavor = "multi_thread")]
    async fn retention_takes_old_events_and_issues_out_with_their_dictionaries() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_url, store) = new_store(&dir).await;
        for start in (0..BUILD_AFTER as usize).step_by(100) {
            ingest(&store, 1, start..start + 100).await;
        }
        let dictionary = made_dictionary(&store, 1).await;
        ingest(&store, 1, 5_000..5_100).await;
        // The first thousand arrived long ago.
        sqlx::query(
            "UPDATE events SET received = 0 WHERE id <= \
             (SELECT id FROM events WHERE event_id = $1)",
        )
        .bind(format!("{:032x}", 999))
        .execute(&store.writes)
        .await
        .expect("aged");
        let totals = || async {
            let total: i64 = sqlx::query_scalar("SELECT SUM(times_seen) FROM issues")
                .fetch_one(&store.reads)
                .await
                .expect("totals");
            total
        };
        store.sync_counters().await.expect("counters written");
        let seen_before = totals().await;

        let deleted = store.apply_retention(1).await.expect("applied");
        assert_eq!((deleted.events, deleted.issues), (1_000, 0));
        purged(&store, dictionary.id()).await;
        assert_eq!(every_row_reads_without(&store, dictionary.id()).await, 100);
        for data in sqlx::query_scalar::<_, Vec<u8>>("SELECT data FROM event_dictionaries")
            .fetch_all(&store.reads)
            .await
            .expect("dictionaries")
        {
            assert!(!String::from_utf8_lossy(&data).contains("order 999 failed"));
        }
        assert_eq!(totals().await, seen_before, "the issues keep their counts");
        let kept = store.project_event(1, &format!("{:032x}", 5_050)).await.expect("kept");
        assert!(kept.event.data.contains("order 5050 failed"));

        // Nothing left to delete: a second pass deletes nothing.
        assert_eq!(store.apply_retention(1).await.expect("applied"), RetentionReport::default());
        // Everything old: the issues go too, with their events.
        sqlx::query("UPDATE issues SET last_seen = 0").execute(&store.writes).await.expect("aged");
        sqlx::query("UPDATE events SET received = 0").execute(&store.writes).await.expect("aged");
        let deleted = store.apply_retention(1).await.expect("applied");
        assert_eq!((deleted.events, deleted.issues), (100, 7));
        let left: (i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM issues)")
                .fetch_one(&store.reads)
                .await
                .expect("counts");
        assert_eq!(left, (0, 0));
    }

    /// Deleting an issue whose event a dictionary holds retires that dictionary: new events stop
    /// using it at once, its rows are compressed again, and it is deleted, so that no row of the
    /// database holds the deleted event's JSON. Deleting an issue no dictionary holds changes
    /// nothing.
    #[tokio::test(flavor = "multi_thread")]
    async fn deleting_an_issue_takes_its_events_out_of_the_dictionaries() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (url, store) = new_store(&dir).await;
        for start in (0..BUILD_AFTER as usize).step_by(100) {
            ingest(&store, 1, start..start + 100).await;
        }
        let dictionary = made_dictionary(&store, 1).await;
        ingest(&store, 1, 5_000..5_100).await;
        let sources: Vec<String> = sqlx::query_scalar(
            "SELECT event_id FROM event_dictionary_sources WHERE dictionary_id = $1",
        )
        .bind(dictionary.id())
        .fetch_all(&store.reads)
        .await
        .expect("sources");
        // The newest event of each of the seven issues.
        assert_eq!(sources.len(), 7, "{sources:?}");

        // An issue of its own, made after the dictionary: deleting it retires nothing.
        let ctx = EventContext::with_defaults(1, chrono::Utc::now().timestamp_millis());
        let other = r#"{"event_id":"ffffffffffffffffffffffffffffffff","message":"unrelated"}"#;
        let event = event::process(other.as_bytes(), &ctx).expect("a valid event");
        let stored = store
            .store_batch(IngestBatch { events: vec![event], ..IngestBatch::default() })
            .await
            .expect("stored");
        store.delete_issue(stored[0]).await.expect("deleted");
        tokio::time::sleep(PURGE_DELAY * 2).await;
        assert_eq!(store.dictionaries.current(1), Some(dictionary.clone()));
        assert_eq!(dictionary_ids(&store).await, [dictionary.id()]);

        // OrderError3's events: one of them is in the dictionary.
        let doomed = issue_of(&store, 3).await;
        let doomed_text = "\"OrderError3\"";
        assert!(String::from_utf8_lossy(dictionary.as_bytes()).contains(doomed_text));
        store.delete_issue(doomed).await.expect("deleted");
        assert_ne!(store.dictionaries.current(1), Some(dictionary.clone()), "no longer used");
        purged(&store, dictionary.id()).await;

        let left = every_row_reads_without(&store, dictionary.id()).await;
        let others = (0..1_000).chain(5_000..5_100).filter(|n| n % 7 != 3).count();
        assert_eq!(left, others, "the other issues' events stay");
        let kept: Vec<Vec<u8>> = sqlx::query_scalar("SELECT data FROM event_dictionaries")
            .fetch_all(&store.reads)
            .await
            .expect("dictionaries");
        for data in &kept {
            assert!(!String::from_utf8_lossy(data).contains(doomed_text));
        }
        let orphans: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM event_dictionary_sources WHERE dictionary_id = $1",
        )
        .bind(dictionary.id())
        .fetch_one(&store.reads)
        .await
        .expect("count");
        assert_eq!(orphans, 0);
        for n in [0, 999, 5_000, 5_098] {
            let event = store.project_event(1, &format!("{n:032x}")).await.expect("the event");
            let json: serde_json::Value = serde_json::from_str(&event.event.data).expect("JSON");
            assert_eq!(json["exception"]["values"][0]["value"], format!("order {n} failed"));
        }
        // The rows were compressed again with a new dictionary made of the events left.
        let replacement = store.dictionaries.current(1).expect("a new dictionary");
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&store, 5_000).await),
            Some(replacement.id())
        );
        ingest(&store, 1, 6_000..6_001).await;
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&store, 6_000).await),
            Some(replacement.id())
        );

        let reopened = SqliteStore::connect(&url).await.expect("store opens again");
        assert_eq!(reopened.dictionaries.current(1), Some(replacement));
        assert!(reopened.dictionaries.retired.read().expect("lock").is_empty());
    }

    /// A dictionary found retired when the store opens (the server stopped before its purge
    /// ended, or it predates migration 0023) is purged then.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_store_opened_with_a_retired_dictionary_purges_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (url, store) = new_store(&dir).await;
        for start in (0..BUILD_AFTER as usize).step_by(100) {
            ingest(&store, 1, start..start + 100).await;
        }
        let dictionary = made_dictionary(&store, 1).await;
        // Events older than each issue's newest: a dictionary made now has the same content.
        let now = chrono::Utc::now().timestamp_millis();
        let ctx = EventContext::with_defaults(1, now);
        let weeks_ago = format!(r#"{{"timestamp":{},"#, now / 1000 - 14 * 86_400);
        let events = (5_000..5_010)
            .map(|n| payload(n).replacen('{', &weeks_ago, 1))
            .map(|json| event::process(json.as_bytes(), &ctx).expect("a valid event"))
            .collect();
        store.store_batch(IngestBatch { events, ..IngestBatch::default() }).await.expect("stored");
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&store, 5_000).await),
            Some(dictionary.id())
        );
        sqlx::query("UPDATE event_dictionaries SET retired = 1")
            .execute(&store.writes)
            .await
            .expect("retired");
        drop(store);

        let reopened = SqliteStore::connect(&url).await.expect("store opens again");
        assert_ne!(reopened.dictionaries.current(1), Some(dictionary.clone()));
        purged(&reopened, dictionary.id()).await;
        assert_eq!(every_row_reads_without(&reopened, dictionary.id()).await, 1_010);
        // The same events again, but not the retired dictionary: one with a newline more.
        let replacement = reopened.dictionaries.current(1).expect("a new dictionary");
        assert_eq!(replacement, dictionary.padded());
        assert_eq!(dictionary_ids(&reopened).await, [replacement.id()]);
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&reopened, 5_000).await),
            Some(replacement.id())
        );
    }

    /// An event compressed with a dictionary that is retired before its group commit begins is
    /// stored compressed without it.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_writer_stores_no_row_naming_a_retired_dictionary() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_, store) = new_store(&dir).await;
        let dictionary = EventDictionary::from_events([payload(1).as_str()]).expect("a dictionary");
        event_data::register(&dictionary);
        let ctx = EventContext::with_defaults(1, chrono::Utc::now().timestamp_millis());
        let mut event = event::process(payload(2).as_bytes(), &ctx).expect("a valid event");
        event.data.compress(Some(&dictionary));
        assert_eq!(event.data.dictionary(), Some(dictionary.id()));
        store.dictionaries.retired.write().expect("lock").insert(dictionary.id(), 1);
        store
            .store_batch(IngestBatch { events: vec![event], ..IngestBatch::default() })
            .await
            .expect("stored");
        let row = stored_frame(&store, 2).await;
        assert_eq!(event_data::named_dictionary(&row), None);
        assert!(event_data::decode(&row).expect("decodes").contains("order 2 failed"));
    }

    /// A project gets a new dictionary once it has stored as many events again as the rebuild
    /// threshold; the rows compressed with the previous one still read.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_project_gets_a_new_dictionary_after_enough_events_and_the_old_one_still_reads() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_, store) = new_store(&dir).await;
        store.dictionaries.build_after.store(100, Ordering::Relaxed);
        store.dictionaries.rebuild_after.store(300, Ordering::Relaxed);
        ingest(&store, 1, 0..100).await;
        let first = made_dictionary(&store, 1).await;
        ingest(&store, 1, 100..110).await;
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&store, 100).await),
            Some(first.id())
        );
        for start in (1_000..1_300).step_by(100) {
            assert_eq!(store.dictionaries.current(1), Some(first.clone()));
            ingest(&store, 1, start..start + 100).await;
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let second = loop {
            match store.dictionaries.current(1) {
                Some(current) if current != first => break current,
                _ => assert!(std::time::Instant::now() < deadline, "no second dictionary"),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(dictionary_ids(&store).await, [first.id(), second.id()]);
        ingest(&store, 1, 2_000..2_001).await;
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&store, 2_000).await),
            Some(second.id())
        );
        for n in [0, 100, 1_299, 2_000] {
            let event = store.project_event(1, &format!("{n:032x}")).await.expect("the event");
            assert!(event.event.data.contains(&format!("order {n} failed")));
        }
    }

    /// A purge that fails is tried again while the server runs, not only at the next start: after
    /// an issue's deletion retires the dictionary, a row of another issue that names it but
    /// cannot be read stops every pass until it is gone, and the purge then finishes without a
    /// restart.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_failed_purge_is_tried_again() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_, store) = new_store(&dir).await;
        store.dictionaries.build_after.store(50, Ordering::Relaxed);
        store.dictionaries.purge_retry_ms.store(50, Ordering::Relaxed);
        ingest(&store, 1, 0..50).await;
        let dictionary = made_dictionary(&store, 1).await;
        ingest(&store, 1, 50..60).await;
        assert_eq!(
            event_data::named_dictionary(&stored_frame(&store, 55).await),
            Some(dictionary.id())
        );
        let mut unreadable = event_data::dictionary_header(dictionary.id()).to_vec();
        unreadable.extend_from_slice(b"not a zstd frame");
        sqlx::query("UPDATE events SET data = $1 WHERE event_id = $2")
            .bind(&unreadable)
            .bind(format!("{:032x}", 55))
            .execute(&store.writes)
            .await
            .expect("one row made unreadable");

        // Event 49 is the newest of its issue, so the dictionary holds it; 55 is of another issue.
        store.delete_issue(issue_of(&store, 49).await).await.expect("deleted");
        assert!(store.dictionaries.is_retired(dictionary.id()));
        // Passes fail meanwhile (several, 50 ms apart and doubling).
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(dictionary_ids(&store).await.contains(&dictionary.id()));
        assert!(store.dictionaries.purging.lock().expect("lock").contains(&1), "still trying");

        sqlx::query("DELETE FROM events WHERE event_id = $1")
            .bind(format!("{:032x}", 55))
            .execute(&store.writes)
            .await
            .expect("the unreadable row deleted");
        purged(&store, dictionary.id()).await;
        let left = (0..60).filter(|n| n % 7 != 0 && *n != 55).count();
        assert_eq!(every_row_reads_without(&store, dictionary.id()).await, left);
    }

    /// When no dictionary can be made (every candidate event is larger than a dictionary), the
    /// project is tried again after as many events again, and gets one once its newest events
    /// are small enough.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_failed_build_is_tried_again_after_as_many_events() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_, store) = new_store(&dir).await;
        store.dictionaries.build_after.store(50, Ordering::Relaxed);
        let crumbs: Vec<String> = (0..50)
            .map(|i| {
                let message = format!("SELECT {i} FROM orders ").repeat(40);
                format!(r#"{{"category":"query","message":"{message}"}}"#)
            })
            .collect();
        let ctx = EventContext::with_defaults(1, chrono::Utc::now().timestamp_millis());
        let events: Vec<_> = (0..50)
            .map(|n| {
                let replacement = format!(r#""breadcrumbs":[{},"#, crumbs.join(","));
                payload(n).replacen(r#""breadcrumbs":["#, &replacement, 1)
            })
            .map(|json| event::process(json.as_bytes(), &ctx).expect("a valid event"))
            .collect();
        assert!(events.iter().all(|e| e.data.as_bytes().len() > event_data::DICTIONARY_SIZE));
        store.store_batch(IngestBatch { events, ..IngestBatch::default() }).await.expect("stored");
        // The attempt ends with the count starting over.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while store.dictionaries.building.lock().expect("lock").contains(&1)
            || store.dictionaries.stored.lock().expect("lock").get(&1) != Some(&0)
        {
            assert!(std::time::Instant::now() < deadline, "the attempt did not end");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(store.dictionaries.current(1).is_none());
        assert!(dictionary_ids(&store).await.is_empty());

        tokio::time::sleep(Duration::from_millis(5)).await;
        ingest(&store, 1, 100..149).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(store.dictionaries.current(1).is_none(), "not before as many events again");
        ingest(&store, 1, 149..150).await;
        let dictionary = made_dictionary(&store, 1).await;
        assert_eq!(dictionary_ids(&store).await, [dictionary.id()]);
    }

    /// A dictionary of events read before their issue was deleted is not stored: no deletion
    /// would ever retire it.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_dictionary_of_an_event_deleted_meanwhile_is_not_stored() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (_, store) = new_store(&dir).await;
        ingest(&store, 1, 0..70).await;
        let chosen = newest_events(&store.reads, 1).await.expect("events");
        assert_eq!(chosen.len(), 7, "the newest event of each issue");
        store.delete_issue(issue_of(&store, 3).await).await.expect("deleted");
        let stored = store_dictionary(&store.writes, 1, &chosen).await;
        assert!(matches!(stored, Err(StoreError::Conflict(_))), "{stored:?}");
        assert!(dictionary_ids(&store).await.is_empty());
        // Read again, the events that are left make one.
        let chosen = newest_events(&store.reads, 1).await.expect("events");
        assert_eq!(chosen.len(), 6);
        store_dictionary(&store.writes, 1, &chosen).await.expect("stored");
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
