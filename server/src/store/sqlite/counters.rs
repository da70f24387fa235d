//! Issue counters summed in memory across group commits.
//!
//! Every event adds to its issue's counters: times seen, last seen, level, distinct users
//! (the user's `issue_users` row itself is written with the event), the tag values and the
//! hourly counts. Written per commit, those rows were most of what the writer wrote: an event
//! with Sentry's derived tags touches twenty-odd `issue_tag_values` rows, and a commit carries
//! events of many issues, so each commit rewrote the same pages again. Summed across commits,
//! a second of full load writes each (issue, tag, value) once, as Sentry's own counters do
//! (they go through a Redis buffer flushed every few seconds).
//!
//! The rules that keep the counts exact:
//! - The writer holds [`PendingCounters`]' lock around every `COMMIT` and adds a commit's
//!   counters ([`BatchCounts`]) to it only once that commit has succeeded (a batch that fails
//!   leaves no trace).
//! - It writes them (flushes) when a reader asks (`Store::sync_counters`, which the Web API
//!   calls before every request: a client reads its own events' counts right after their
//!   `200`), before an event of the slow lane (whose rules, ignore-until thresholds, read the
//!   counts), and at the latest after [`FLUSH_EVERY`]. Flushing whenever no other ingest
//!   request was on its way was tried first: under a closed-loop load (clients that each wait
//!   for their answer) that was true at almost every commit.
//! - A flush skips issues deleted meanwhile, and records how far the counts are complete in
//!   `counters_watermark` (migration 0026): every event with an id up to it is counted.
//!   `cairn serve` recounts the issues of the events past it at its start ([`recover`]): a
//!   `kill -9` loses no count.
//! - An API write that recounts an issue or moves its counts (merge, unmerge) changes the
//!   pending counters under the same lock, around its own `COMMIT`
//!   ([`PendingCounters::commit_adjusted`]). It holds the write lock meanwhile, so the writer
//!   cannot commit in between, and the adjustment sees exactly the counters of the events
//!   committed before it.

use std::collections::HashMap;
use std::time::Duration;

use rusqlite::Connection;

use super::writer::{placeholder_rows, Binds};
use crate::store::{NewEvent, StoreResult};

/// The longest the writer keeps counters in memory while requests keep coming.
pub(super) const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// How an insert into `issue_tag_values` adds to a row that exists: counts add up, the first
/// and last seen times widen.
pub(super) const ADD_TO_TAG_VALUES: &str = "ON CONFLICT (issue_id, key, value) DO UPDATE SET \
     times_seen = times_seen + excluded.times_seen, \
     first_seen = MIN(first_seen, excluded.first_seen), \
     last_seen = MAX(last_seen, excluded.last_seen)";

/// Rows per multi-row statement.
const ROWS: usize = 64;

/// The counters' maps: looked up twenty-odd times per event on the writer's thread.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One tag value's events and their first and last times.
#[derive(Debug, Clone, Copy)]
struct TagCount {
    events: i64,
    first_seen: i64,
    last_seen: i64,
}

impl TagCount {
    fn add(&mut self, other: TagCount) {
        self.events += other.events;
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
    }
}

/// What events added to one issue and its database rows do not have yet.
#[derive(Debug, Default)]
struct IssueCounters {
    /// Events of the writer's fast lane. The slow lane counts its event in the issue's row at
    /// once; its tags and hour are counted here.
    events: i64,
    /// Of the fast lane's events (meaningful when `events > 0`).
    first_seen: i64,
    last_seen: i64,
    /// The level of the fast lane's last event, as the issue takes it.
    level: Option<String>,
    is_unhandled: bool,
    /// Users new to the issue (their `issue_users` rows are written).
    new_users: i64,
    /// Tag key → value → count.
    tags: Map<Box<str>, Map<Box<str>, TagCount>>,
    /// Hour start (Unix seconds) → events.
    hours: Map<i64, i64>,
}

impl IssueCounters {
    fn absorb(&mut self, other: IssueCounters) {
        if other.events > 0 {
            if self.events == 0 {
                self.first_seen = other.first_seen;
                self.last_seen = other.last_seen;
            } else {
                self.first_seen = self.first_seen.min(other.first_seen);
                self.last_seen = self.last_seen.max(other.last_seen);
            }
            self.events += other.events;
        }
        if other.level.is_some() {
            self.level = other.level;
        }
        self.is_unhandled |= other.is_unhandled;
        self.new_users += other.new_users;
        for (key, values) in other.tags {
            let mine = self.tags.entry(key).or_default();
            for (value, count) in values {
                mine.entry(value).and_modify(|c| c.add(count)).or_insert(count);
            }
        }
        for (hour, events) in other.hours {
            *self.hours.entry(hour).or_insert(0) += events;
        }
    }
}

/// The totals an issue's row lacks: what a reader of the row adds to show them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct PendingTotals {
    pub(super) events: i64,
    pub(super) new_users: i64,
    /// `None` when no fast-lane event is pending.
    pub(super) first_seen: Option<i64>,
    pub(super) last_seen: Option<i64>,
    pub(super) level: Option<String>,
}

impl PendingTotals {
    fn add(&mut self, issue: &IssueCounters) {
        self.events += issue.events;
        self.new_users += issue.new_users;
        if issue.events > 0 {
            self.first_seen =
                Some(self.first_seen.map_or(issue.first_seen, |t| t.min(issue.first_seen)));
            self.last_seen =
                Some(self.last_seen.map_or(issue.last_seen, |t| t.max(issue.last_seen)));
        }
        if issue.level.is_some() {
            self.level.clone_from(&issue.level);
        }
    }
}

/// Counters of many issues, not written yet.
#[derive(Debug, Default)]
pub(super) struct Counters {
    issues: Map<i64, IssueCounters>,
}

impl Counters {
    pub(super) fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// Counts a new event of the fast lane in its issue's totals.
    pub(super) fn add_event(&mut self, issue_id: i64, at: i64, level: &str, is_unhandled: bool) {
        let issue = self.issues.entry(issue_id).or_default();
        if issue.events == 0 {
            issue.first_seen = at;
            issue.last_seen = at;
        } else {
            issue.first_seen = issue.first_seen.min(at);
            issue.last_seen = issue.last_seen.max(at);
        }
        issue.events += 1;
        match &mut issue.level {
            Some(mine) => level.clone_into(mine),
            None => issue.level = Some(level.to_owned()),
        }
        issue.is_unhandled |= is_unhandled;
    }

    /// Counts a new event's tags and hour (either lane).
    pub(super) fn add_tags<'t>(
        &mut self,
        issue_id: i64,
        at: i64,
        tags: impl IntoIterator<Item = (&'t str, &'t str)>,
    ) {
        let issue = self.issues.entry(issue_id).or_default();
        let one = TagCount { events: 1, first_seen: at, last_seen: at };
        for (key, value) in tags {
            // Looked up by `&str`: only a key or value new to the issue allocates.
            let values = match issue.tags.get_mut(key) {
                Some(values) => values,
                None => issue.tags.entry(key.into()).or_default(),
            };
            match values.get_mut(value) {
                Some(count) => count.add(one),
                None => {
                    values.insert(value.into(), one);
                }
            }
        }
        *issue.hours.entry(at.div_euclid(3_600_000) * 3_600).or_insert(0) += 1;
    }

    /// Counts users new to an issue.
    pub(super) fn add_new_users(&mut self, issue_id: i64, users: i64) {
        self.issues.entry(issue_id).or_default().new_users += users;
    }

    /// What the issue's row lacks.
    fn totals(&self, issue_id: i64) -> Option<&IssueCounters> {
        self.issues.get(&issue_id)
    }

    /// What issue `issue_id`'s row lacks, as totals.
    pub(super) fn pending_totals(&self, issue_id: i64) -> PendingTotals {
        let mut totals = PendingTotals::default();
        if let Some(issue) = self.totals(issue_id) {
            totals.add(issue);
        }
        totals
    }

    /// Forgets an issue's counters: its counts were recomputed from its events.
    pub(super) fn discard(&mut self, issue_id: i64) {
        self.issues.remove(&issue_id);
    }

    /// Moves the counters of `from` to `to`, whose users were counted again from its rows:
    /// what merge does to the issues' rows.
    pub(super) fn merge_into(&mut self, from: &[i64], to: i64) {
        for child in from {
            if let Some(mut issue) = self.issues.remove(child) {
                issue.new_users = 0;
                self.issues.entry(to).or_default().absorb(issue);
            }
        }
        if let Some(parent) = self.issues.get_mut(&to) {
            parent.new_users = 0;
        }
    }

    /// Writes every counter into the database's rows (in the caller's transaction); issues
    /// deleted meanwhile are skipped. The counters stay: the caller forgets them once the
    /// transaction has committed.
    pub(super) fn write(&self, conn: &Connection) -> StoreResult<()> {
        let totals: Vec<(i64, &IssueCounters)> = self
            .issues
            .iter()
            .filter(|(_, issue)| issue.events > 0 || issue.new_users > 0)
            .map(|(id, issue)| (*id, issue))
            .collect();
        for chunk in totals.chunks(ROWS) {
            // `first_seen` is not in this `SET`: SQLite rewrites the entries of every index on
            // a column the `SET` names, changed or not, and an issue's first sighting almost
            // never moves (only an event older than all before it moves it). The statement
            // below moves it where it does.
            let sql = format!(
                "UPDATE issues SET times_seen = times_seen + v.column2, \
                 user_count = user_count + v.column3, last_seen = MAX(last_seen, v.column4), \
                 level = COALESCE(v.column5, level), is_unhandled = MAX(is_unhandled, v.column6) \
                 FROM (VALUES {}) AS v WHERE issues.id = v.column1",
                placeholder_rows(chunk.len(), 6)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 6);
            for (issue_id, issue) in chunk {
                binds.int(*issue_id).int(issue.events).int(issue.new_users);
                if issue.events > 0 {
                    binds.int(issue.last_seen);
                } else {
                    binds.int(i64::MIN);
                }
                binds.add(&issue.level)?.int(i64::from(issue.is_unhandled));
            }
            binds.execute(conn, &sql)?;
            let moved: Vec<_> = chunk.iter().filter(|(_, issue)| issue.events > 0).collect();
            if moved.is_empty() {
                continue;
            }
            let sql = format!(
                "UPDATE issues SET first_seen = v.column2 FROM (VALUES {}) AS v \
                 WHERE issues.id = v.column1 AND issues.first_seen > v.column2",
                placeholder_rows(moved.len(), 2)
            );
            let mut binds = Binds::with_capacity(moved.len() * 2);
            for (issue_id, issue) in moved {
                binds.int(*issue_id).int(issue.first_seen);
            }
            binds.execute(conn, &sql)?;
        }

        let tags: Vec<(i64, &str, &str, TagCount)> = self
            .issues
            .iter()
            .flat_map(|(id, issue)| {
                issue.tags.iter().flat_map(move |(key, values)| {
                    values.iter().map(move |(value, count)| (*id, &**key, &**value, *count))
                })
            })
            .collect();
        for chunk in tags.chunks(ROWS) {
            // The join skips issues deleted since their events came; `WHERE true` tells
            // SQLite's parser that `ON CONFLICT` belongs to the insert.
            let sql = format!(
                "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, \
                 last_seen) SELECT v.* FROM (VALUES {}) AS v JOIN issues ON issues.id = v.column1 \
                 WHERE true {ADD_TO_TAG_VALUES}",
                placeholder_rows(chunk.len(), 6)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 6);
            for (issue_id, key, value, count) in chunk {
                binds
                    .int(*issue_id)
                    .add(*key)?
                    .add(*value)?
                    .int(count.events)
                    .int(count.first_seen)
                    .int(count.last_seen);
            }
            binds.execute(conn, &sql)?;
        }

        let hours: Vec<(i64, i64, i64)> = self
            .issues
            .iter()
            .flat_map(|(id, issue)| issue.hours.iter().map(move |(hour, n)| (*id, *hour, *n)))
            .collect();
        for chunk in hours.chunks(ROWS * 2) {
            let sql = format!(
                "INSERT INTO issue_hourly (issue_id, hour, events) SELECT v.* FROM (VALUES {}) \
                 AS v JOIN issues ON issues.id = v.column1 WHERE true \
                 ON CONFLICT (issue_id, hour) DO UPDATE SET events = events + excluded.events",
                placeholder_rows(chunk.len(), 3)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 3);
            for (issue_id, hour, n) in chunk {
                binds.int(*issue_id).int(*hour).int(*n);
            }
            binds.execute(conn, &sql)?;
        }
        Ok(())
    }
}

/// Records, in the caller's transaction, that every event stored so far is counted.
pub(super) fn mark_counted(conn: &Connection) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE counters_watermark SET counted_through = COALESCE((SELECT MAX(id) FROM events), 0)",
    )?
    .execute([])?;
    Ok(())
}

/// The counters the writer has committed events for and not written yet, shared with the
/// API's writes that recount issues (see the module's documentation).
#[derive(Debug, Default)]
pub(super) struct PendingCounters(tokio::sync::Mutex<Counters>);

impl PendingCounters {
    /// For the writer thread: the counters, locked (never called on a runtime worker).
    pub(super) fn lock_blocking(&self) -> tokio::sync::MutexGuard<'_, Counters> {
        self.0.blocking_lock()
    }

    /// What issue `issue_id`'s row lacks, as of the caller's write transaction.
    pub(super) async fn totals(&self, issue_id: i64) -> PendingTotals {
        self.0.lock().await.pending_totals(issue_id)
    }

    /// Commits `tx`, which recounted or moved issues' counts, and makes the same change to
    /// the pending counters, with no commit of the writer in between.
    pub(super) async fn commit_adjusted(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Sqlite>,
        adjust: impl FnOnce(&mut Counters),
    ) -> StoreResult<()> {
        let mut counters = self.0.lock().await;
        tx.commit().await?;
        adjust(&mut counters);
        Ok(())
    }
}

/// The counters of one write transaction's events: added to the pending ones once it has
/// committed (a transaction that fails leaves no trace), or written with them by a flush. A
/// list of the events rather than sums: each event's tags are looked up once, in the pending
/// counters, where all but a new issue's or tag's keys already are.
#[derive(Debug, Default)]
pub(super) struct BatchCounts<'a> {
    /// (issue, event, whether it took the fast lane): the slow lane counts its event in the
    /// issue's row at once, its tags and hour here.
    events: Vec<(i64, &'a NewEvent, bool)>,
    /// One issue per user new to it.
    new_users: Vec<i64>,
}

impl<'a> BatchCounts<'a> {
    pub(super) fn event(&mut self, issue_id: i64, event: &'a NewEvent, fast_lane: bool) {
        self.events.push((issue_id, event, fast_lane));
    }

    pub(super) fn new_user(&mut self, issue_id: i64) {
        self.new_users.push(issue_id);
    }

    /// Adds these counts to `counters`, in the order of the events.
    pub(super) fn add_to(&self, counters: &mut Counters) {
        for (issue_id, event, fast_lane) in &self.events {
            if *fast_lane {
                counters.add_event(*issue_id, event.timestamp, &event.level, event.is_unhandled);
            }
            let tags = event.tags.iter().map(|(key, value)| (key.as_str(), value.as_str()));
            counters.add_tags(*issue_id, event.timestamp, tags);
        }
        for issue_id in &self.new_users {
            counters.add_new_users(*issue_id, 1);
        }
    }

    /// Adds what these counts give issue `issue_id` to `totals`.
    pub(super) fn add_totals(&self, issue_id: i64, totals: &mut PendingTotals) {
        for (_, event, _) in self.events.iter().filter(|(id, _, fast)| *id == issue_id && *fast) {
            totals.events += 1;
            totals.first_seen =
                Some(totals.first_seen.map_or(event.timestamp, |t| t.min(event.timestamp)));
            totals.last_seen =
                Some(totals.last_seen.map_or(event.timestamp, |t| t.max(event.timestamp)));
            totals.level = Some(event.level.clone());
        }
        totals.new_users += self.new_users.iter().filter(|id| **id == issue_id).count() as i64;
    }
}

/// At `cairn serve`'s start, before any request: counts the events past the watermark, whose
/// counters a crash left in memory, and moves the watermark to the last event. Those events
/// are the last second or so of a busy node's: their tags and hours were not written, nor the
/// totals of those of the fast lane (the events after `slow_through`, the last event of the
/// slow lane, which counts its event in the issue's row at once and always comes right after a
/// flush); the issues' user counts are counted again from their `issue_users` rows, which are
/// written with the events. Returns how many events it counted.
pub(super) fn recover(path: &std::path::Path) -> StoreResult<usize> {
    let conn = super::writer::open(path)?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let recovered = count_past_watermark(&conn);
    match recovered {
        Ok(_) => conn.execute_batch("COMMIT")?,
        Err(_) => {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    recovered
}

fn count_past_watermark(conn: &Connection) -> StoreResult<usize> {
    let (counted_through, slow_through): (i64, i64) = conn.query_row(
        "SELECT counted_through, slow_through FROM counters_watermark",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let mut counters = Counters::default();
    let mut events = 0;
    let mut statement = conn.prepare(
        "SELECT id, issue_id, timestamp, level, environment, release, user_ident, data \
         FROM events WHERE id > ?1 ORDER BY id",
    )?;
    let mut rows = statement.query([counted_through])?;
    while let Some(row) = rows.next()? {
        let (id, issue_id, at): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let level: String = row.get(3)?;
        let columns: [(&str, Option<String>); 4] = [
            ("level", Some(level.clone())),
            ("environment", row.get(4)?),
            ("release", row.get(5)?),
            ("user", row.get(6)?),
        ];
        // The tags ingestion counted: the columns' and the stored ones (as
        // `triage::recompute_counts` reads them), a column's key from the column.
        let data = row.get_ref(7)?.as_bytes().map_err(|err| {
            crate::store::StoreError::Corrupt(format!("stored event data: {err}"))
        })?;
        let json = crate::store::event_data::decode(data)?;
        let stored = super::triage::StoredTags::read(&json);
        let from_column = |key: &str| columns.iter().any(|(k, v)| *k == key && v.is_some());
        let tags = columns
            .iter()
            .filter_map(|(key, value)| value.as_deref().map(|value| (*key, value)))
            .chain(stored.counted(from_column));
        counters.add_tags(issue_id, at, tags);
        if id > slow_through {
            // Whether the event was unhandled is in its exceptions, as ingestion judged it.
            counters.add_event(issue_id, at, &level, stored_unhandled(&json));
        }
        events += 1;
    }
    drop(rows);
    counters.write(conn)?;
    for issue_id in counters.issues.keys() {
        conn.prepare_cached(
            "UPDATE issues SET user_count = \
             (SELECT COUNT(*) FROM issue_users WHERE issue_id = ?1) WHERE id = ?1",
        )?
        .execute([issue_id])?;
    }
    mark_counted(conn)?;
    Ok(events)
}

/// Whether a stored event was unhandled, read from its JSON as ingestion read it; serde skips
/// everything but the exceptions.
fn stored_unhandled(json: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct StoredException {
        #[serde(default)]
        exception: Option<serde_json::Value>,
    }
    serde_json::from_str::<StoredException>(json)
        .is_ok_and(|stored| crate::ingest::event::is_unhandled(stored.exception.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{IngestBatch, NewUser, Store};

    /// An event of project 1 in the issue of `hash`, with a custom tag and the attributes that
    /// ingestion counts as tags, stored in its JSON the way ingestion stores them (so that a
    /// recount from the events finds the same tags).
    fn event(event_id: &str, hash: &str, user: &str, shard: &str, at: i64) -> NewEvent {
        let level = if at % 3 == 0 { "warning" } else { "error" };
        NewEvent {
            project_id: 1,
            event_id: event_id.into(),
            timestamp: at,
            received: at + 5,
            hashes: vec![hash.to_owned()],
            title: format!("title of {hash}"),
            culprit: "culprit".into(),
            level: level.into(),
            platform: "python".into(),
            event_type: "error".into(),
            metadata: "{}".into(),
            logger: None,
            is_unhandled: false,
            release: Some("1.0.0".into()),
            environment: Some("production".into()),
            user_ident: Some(user.into()),
            trace_id: None,
            tags: vec![
                ("level".into(), level.into()),
                ("environment".into(), "production".into()),
                ("shard".into(), shard.into()),
                ("release".into(), "1.0.0".into()),
                ("user".into(), user.into()),
            ],
            data: format!(
                r#"{{"event_id":"{event_id}","tags":[["level","{level}"],["environment","production"],["shard","{shard}"]]}}"#
            )
            .into(),
            ownership: None,
        }
    }

    /// Ten events of `hash`, an hour apart from `first_hour` on, over three users and shards.
    fn events(prefix: &str, hash: &str, first_hour: i64) -> Vec<NewEvent> {
        (0..10)
            .map(|i| {
                let at = (first_hour + i) * 3_600_000 + i;
                event(
                    &format!("{prefix}{i}"),
                    hash,
                    &format!("u{}", i % 3),
                    &(i % 2).to_string(),
                    at,
                )
            })
            .collect()
    }

    async fn open(path: &std::path::Path) -> SqliteStore {
        let store =
            SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("store opens");
        store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        store
    }

    async fn ingest(store: &SqliteStore, events: Vec<NewEvent>) -> Vec<i64> {
        store.store_batch(IngestBatch { events, ..IngestBatch::default() }).await.expect("stored")
    }

    /// The issues' counters, one JSON array per row.
    const COUNTER_ROWS: [&str; 3] = [
        "SELECT json_array(id, times_seen, user_count, first_seen, last_seen, level) \
         FROM issues ORDER BY id",
        "SELECT json_array(issue_id, key, value, times_seen, first_seen, last_seen) \
         FROM issue_tag_values ORDER BY issue_id, key, value",
        "SELECT json_array(issue_id, hour, events) FROM issue_hourly ORDER BY issue_id, hour",
    ];

    /// The issues' counters as their rows have them.
    async fn counts(store: &SqliteStore) -> Vec<String> {
        let mut rows = Vec::new();
        for sql in COUNTER_ROWS {
            let table: Vec<String> =
                sqlx::query_scalar(sql).fetch_all(&store.reads).await.expect("rows");
            rows.extend(table);
        }
        rows
    }

    /// The counters that recounting every issue from its events gives, as [`counts`] has them.
    async fn recounted(store: &SqliteStore) -> Vec<String> {
        let issues: Vec<i64> = sqlx::query_scalar("SELECT id FROM issues")
            .fetch_all(&store.reads)
            .await
            .expect("issues");
        let mut tx = super::super::begin_write(&store.writes).await.expect("transaction");
        for issue_id in issues {
            super::super::triage::recompute_counts(&mut tx, issue_id).await.expect("recounted");
        }
        // Read inside the transaction, then rolled back: the store keeps its own counts.
        let mut rows = Vec::new();
        for sql in COUNTER_ROWS {
            let table: Vec<String> =
                sqlx::query_scalar(sql).fetch_all(&mut *tx).await.expect("rows");
            rows.extend(table);
        }
        tx.rollback().await.expect("rolled back");
        rows
    }

    async fn times_seen(store: &SqliteStore, issue_id: i64) -> i64 {
        sqlx::query_scalar("SELECT times_seen FROM issues WHERE id = $1")
            .bind(issue_id)
            .fetch_one(&store.reads)
            .await
            .expect("issue")
    }

    /// Waits until the writer has written its pending counters (the checkpoint thread wakes it
    /// once nothing is on its way).
    async fn until_written(store: &SqliteStore) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !store.counters.0.lock().await.is_empty() {
            assert!(std::time::Instant::now() < deadline, "the counters were never written");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// An issue's counters wait in memory after their commit; a reader that asks for them
    /// (`sync_counters`, which the Web API calls before every request) gets them written, and
    /// without one they are written within about a second. Either way they are exactly what a
    /// recount of the events gives.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn counters_wait_in_memory_until_read_or_for_a_second() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open(&dir.path().join("cairn.db")).await;
        let issue = ingest(&store, events("a", "a", 1_000)).await[0];
        store.sync_counters().await.expect("written");
        assert_eq!(times_seen(&store, issue).await, 10);
        assert!(store.counters.0.lock().await.is_empty());
        assert_eq!(counts(&store).await, recounted(&store).await);

        ingest(&store, events("b", "a", 1_005)).await;
        // Kept in memory (unless the second since the last write was up already).
        if times_seen(&store, issue).await == 10 {
            assert!(!store.counters.0.lock().await.is_empty());
        }
        // Nobody asks: the writer is woken and writes them after their second.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while times_seen(&store, issue).await != 20 {
            assert!(std::time::Instant::now() < deadline, "never written");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(counts(&store).await, recounted(&store).await);
    }

    /// Merging, unmerging and deleting issues whose counters the writer still holds: the
    /// pending counters follow the issues' rows, so that once written, every count is what a
    /// recount of the events gives (nothing counted twice, nothing lost, no row of a deleted
    /// issue).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn merge_unmerge_and_delete_keep_pending_counters_exact() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open(&dir.path().join("cairn.db")).await;
        let user = store
            .create_user(&NewUser {
                email: "dev@example.com".into(),
                name: "dev".into(),
                password_hash: None,
                is_superuser: false,
            })
            .await
            .expect("user");
        let a = ingest(&store, events("a", "a", 1_000)).await[0];
        let b = ingest(&store, events("b", "b", 1_002)).await[0];
        let c = ingest(&store, events("c", "c", 1_004)).await[0];
        let d = ingest(&store, events("d", "d", 1_006)).await[0];

        for (prefix, hash, hour) in [("a2", "a", 2_000), ("b2", "b", 2_001), ("c2", "c", 2_002)] {
            ingest(&store, events(prefix, hash, hour)).await;
        }
        // Events of c by a second hash, which unmerge splits off.
        let mut split = events("c3", "c-split", 2_003);
        for event in &mut split {
            event.hashes.push("c".into());
        }
        ingest(&store, split).await;
        ingest(&store, events("d2", "d", 2_003)).await;
        store.merge_issues(a, &[b], user.id).await.expect("merged");
        let e = store.unmerge_hashes(c, &["c-split".to_owned()], user.id).await.expect("split");
        store.delete_issue(d).await.expect("deleted");
        // More events after the changes: to the parent, through the merged hash too.
        ingest(&store, events("a3", "a", 3_000)).await;
        ingest(&store, events("b3", "b", 3_001)).await;
        until_written(&store).await;

        assert_eq!(times_seen(&store, a).await, 60, "a's 30 events and b's 30");
        assert_eq!(times_seen(&store, c).await, 20);
        assert_eq!(times_seen(&store, e).await, 10);
        let leftover: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM issue_tag_values WHERE issue_id = $1")
                .bind(d)
                .fetch_one(&store.reads)
                .await
                .expect("count");
        assert_eq!(leftover, 0, "no counter of the deleted issue");
        assert_eq!(counts(&store).await, recounted(&store).await);
    }

    /// A crash while the writer holds counters loses none: the database as it was then (a
    /// consistent copy, as a `kill -9` leaves it) opens with every issue counted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_crash_with_counters_in_memory_loses_no_count() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = open(&dir.path().join("cairn.db")).await;
        let a = ingest(&store, events("a", "a", 1_000)).await[0];
        store.sync_counters().await.expect("written");
        ingest(&store, events("a2", "a", 1_010)).await;
        let b = ingest(&store, events("b", "b", 1_020)).await[0];
        // One of b's events waiting in memory was unhandled: b was not, until then.
        let mut b2 = events("b2", "b", 1_030);
        b2[4].is_unhandled = true;
        let shard = b2[4].tags.iter().find(|(key, _)| key == "shard").map(|(_, v)| v.clone());
        b2[4].data = format!(
            r#"{{"event_id":"b24","tags":[["level","{}"],["environment","production"],["shard","{}"]],"exception":{{"values":[{{"type":"E","mechanism":{{"handled":false}}}}]}}}}"#,
            b2[4].level,
            shard.unwrap_or_default()
        )
        .into();
        ingest(&store, b2).await;
        // The copy is taken before the writer's second is up, while its counters wait.
        let copy = dir.path().join("crashed.db");
        sqlx::query("VACUUM INTO $1")
            .bind(copy.display().to_string())
            .execute(&store.writes)
            .await
            .expect("copied");
        let raw = sqlx::SqlitePool::connect(&format!("sqlite:{}", copy.display()))
            .await
            .expect("the copy opens");
        let counted: i64 = sqlx::query_scalar("SELECT SUM(times_seen) FROM issues")
            .fetch_one(&raw)
            .await
            .expect("counted");
        raw.close().await;
        // Only a machine so slow that the writer's second was up before the copy writes them.
        if counted == 40 {
            eprintln!("the counters were written before the copy: recovery had nothing to do");
        } else {
            // b's first events opened it (the slow lane, which first writes every pending
            // counter and counts its own event at once): what waits is b's second ten.
            assert_eq!(counted, 30, "the copy lacks the counters held in memory");
        }
        let crashed = open(&copy).await;
        crashed.recover_counters().await.expect("counted");
        assert_eq!(times_seen(&crashed, a).await, 20);
        assert_eq!(times_seen(&crashed, b).await, 20);
        let unhandled: Vec<bool> =
            sqlx::query_scalar("SELECT is_unhandled FROM issues ORDER BY id")
                .fetch_all(&crashed.reads)
                .await
                .expect("flags");
        assert_eq!(unhandled, [false, true], "b's unhandled event marks it, a stays handled");
        assert_eq!(counts(&crashed).await, recounted(&crashed).await);
        let watermark: i64 = sqlx::query_scalar("SELECT counted_through FROM counters_watermark")
            .fetch_one(&crashed.reads)
            .await
            .expect("watermark");
        let last: i64 = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(&crashed.reads)
            .await
            .expect("last event");
        assert_eq!(watermark, last);
    }
}
