//! The event writer: one OS thread that owns a write connection of its own (rusqlite, calling
//! SQLite directly) and commits whatever ingestion has queued up in one transaction (group
//! commit), then answers each request.
//!
//! Why a thread and not a task with sqlx: sqlx runs every statement on its connection's worker
//! thread and hands the answer back to the task, two thread wake-ups per statement. On a busy
//! node the runtime's workers are busy parsing and scrubbing events, so each answer also waited
//! its turn behind them: the one writer that every acknowledgment waits for advanced one
//! statement per scheduling turn. Here a batch costs one wake-up, and its statements run back to
//! back on the thread that prepared them (cached, bound by position).
//!
//! Rare events take the slow lane: an event that opens an issue, or joins a resolved or ignored
//! one, runs [`store_one_event`] with its regression, snooze, ownership and notification rules,
//! which the API's writes share. That code stays on sqlx: the writer commits what the batch has
//! so far, runs the slow event in a transaction of the sqlx write connection, and starts a new
//! transaction. A request is still only answered once everything of it is committed, and a
//! crash between the two commits only means the SDK retries, which stores nothing twice (event
//! ids are unique per project).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::{Connection, OpenFlags, ToSql};
use sqlx::SqlitePool;
use tokio::runtime::Handle;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::counters::{self, BatchCounts, Counters, PendingCounters, PendingTotals};
use super::dictionary::Dictionaries;
use super::service_hooks::HookedProjects;
use super::{environments, event_writes, health, store_one_event};
use crate::store::{
    Arrivals, IngestBatch, IssueUpdate, NewEvent, Priority, StoreError, StoreResult,
};
use crate::util::now_ms;

/// Events of one request, waiting for the writer, and where to send the outcome.
pub(super) struct WriteJob {
    pub(super) batch: IngestBatch,
    pub(super) reply: oneshot::Sender<StoreResult<Vec<i64>>>,
    /// Write the pending issue counters in this commit (a reader asked for them).
    pub(super) write_counters: bool,
}

/// Most requests committed together in one group commit.
const MAX_BATCH_JOBS: usize = 512;

/// How long the writer waits at most for requests still being processed (see [`Arrivals`])
/// before it commits what it has. Each commit writes every page it changed whole to the WAL:
/// the issue's row and its six sort indexes, the tail of the events table, the tag values'
/// pages; most of those are the same for the next few events. At full load a commit used to
/// carry two or three requests; waiting up to this long makes it six to eight (`ingest_bench`),
/// which writes 40 % less per event and takes a third less of the writer's CPU, while the wait
/// is shorter than the queueing it saves (p99 at full load halved). An idle node never waits:
/// nothing else is on its way.
const LINGER: Duration = Duration::from_micros(500);

/// How often the writer looks for the requests it waits for: SQLite runs on this thread, so
/// it sleeps rather than blocks on the queue, which would wake it for each request.
const LINGER_STEP: Duration = Duration::from_micros(100);

/// Opens the writer's connection to the database file that sqlx created and migrated.
pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // The same settings as the sqlx write connection (see `SqliteStore::connect`): the file is
    // in WAL mode already; NORMAL survives a killed process; wait for the API's writes.
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A multi-row statement inside the group commit's transaction keeps a statement journal
    // (the pages it changes, as they were, to undo that statement alone). SQLite spills it to
    // a temporary file past 64 KiB: a file created, written and deleted several times a
    // second at full load. In memory it costs only the copies.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Multi-row statements differ by their number of rows: room for every size in use.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// Starts the writer thread on the database at `path`; `writes` is the sqlx write connection
/// for the slow lane, run on `runtime`.
#[allow(clippy::too_many_arguments)]
pub(super) fn spawn(
    path: &Path,
    writes: SqlitePool,
    jobs: mpsc::Receiver<WriteJob>,
    nudge: mpsc::WeakSender<WriteJob>,
    arrivals: Arrivals,
    updates: broadcast::Sender<IssueUpdate>,
    dictionaries: Arc<Dictionaries>,
    counters: Arc<PendingCounters>,
    unflushed: Arc<AtomicBool>,
    mut hooked: HookedProjects,
) -> StoreResult<()> {
    let conn = open(path)?;
    // The writer never checkpoints on its own account: a checkpoint copies the WAL into the
    // database file and syncs it, which stalled every request waiting for the commit. A thread
    // of its own does the copying in the background, and the writer only finishes what that
    // left (see `checkpoint` and `finish_checkpoint`).
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    let checkpointer = open(path)?;
    let database_file = std::fs::File::open(path).map_err(|err| {
        StoreError::Unavailable(format!("cannot open {} to sync it: {err}", path.display()))
    })?;
    let copied = Arc::new(AtomicBool::new(false));
    let (alive, stopped) = std::sync::mpsc::channel::<()>();
    let cannot_start = |err: std::io::Error| {
        StoreError::Unavailable(format!("cannot start the event writer: {err}"))
    };
    let background = Arc::clone(&copied);
    let nudge = Nudge { jobs: nudge, unflushed: Arc::clone(&unflushed) };
    std::thread::Builder::new()
        .name("cairn-checkpoint".into())
        .spawn(move || checkpoint(&checkpointer, &database_file, &background, &stopped, &nudge))
        .map_err(cannot_start)?;
    let slow = SlowLane { writes, runtime: Handle::current() };
    let deferral = Deferral { counters, last_flush: std::time::Instant::now(), unflushed };
    std::thread::Builder::new()
        .name("cairn-writer".into())
        .spawn(move || {
            let (updates, dictionaries) = (&updates, &dictionaries);
            run(
                conn,
                &slow,
                jobs,
                &arrivals,
                updates,
                dictionaries,
                &copied,
                deferral,
                &mut hooked,
            );
            // Stops the checkpointer.
            drop(alive);
        })
        .map_err(cannot_start)?;
    Ok(())
}

/// How often the background checkpoint runs. It bounds the WAL: the writer starts the file over
/// after each round, so the file holds about one period of commits (tens of MB at full load).
pub(super) const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Copies committed WAL frames into the database file, in the background, until the writer
/// stops; once it has caught up with the writer, it tells the writer (`copied`) to finish.
///
/// `PASSIVE` never blocks the writer or the readers: it copies what no reader still needs, up
/// to the last frame committed when it began. Under continuous load the writer has always
/// committed more by the time it is done, so on its own it never catches up, and SQLite only
/// starts the WAL over once every frame is copied: the file grew by every page written
/// (hundreds of MB in seconds of full load), and each write went to new blocks of the file,
/// which the kernel zeroes first (`zero_user_segments` under `pwrite`: a quarter of all CPU
/// samples in a profile of `ingest_bench`). So each period runs rounds until one is short
/// (what the writer committed meanwhile is little), and the writer copies that little itself,
/// between two group commits.
fn checkpoint(
    conn: &Connection,
    database_file: &std::fs::File,
    copied: &AtomicBool,
    writer_stopped: &std::sync::mpsc::Receiver<()>,
    nudge: &Nudge,
) {
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
        writer_stopped.recv_timeout(CHECKPOINT_EVERY)
    {
        nudge.writer_if_counters_wait();
        for _ in 0..CATCH_UP_ROUNDS {
            let started = std::time::Instant::now();
            if let Err(err) = passive_checkpoint(conn) {
                tracing::warn!(%err, "background checkpoint failed");
                break;
            }
            // SQLite syncs the database file only after a checkpoint that reached the WAL's
            // last frame: the writer's. Syncing here leaves that one little to write.
            if let Err(err) = database_file.sync_data() {
                tracing::warn!(%err, "cannot sync the database file");
            }
            if started.elapsed() <= CAUGHT_UP {
                break;
            }
        }
        // Also when the rounds did not catch up (a writer committing faster than a round
        // copies): the writer's share is then longer, but the WAL stays bounded.
        copied.store(true, Ordering::Release);
    }
}

/// Wakes the writer when it keeps counters and no request comes: the writer checks whether
/// they are due only when it commits.
struct Nudge {
    /// Does not keep the queue open: the writer stops when the store is dropped.
    jobs: mpsc::WeakSender<WriteJob>,
    unflushed: Arc<AtomicBool>,
}

impl Nudge {
    /// Queues an empty job when counters wait: the writer commits it, and writes the counters
    /// if they have waited [`counters::FLUSH_EVERY`].
    fn writer_if_counters_wait(&self) {
        if !self.unflushed.load(Ordering::Acquire) {
            return;
        }
        if let Some(jobs) = self.jobs.upgrade() {
            let (reply, _) = oneshot::channel();
            // A full queue carries the counters anyway.
            let job = WriteJob { batch: IngestBatch::default(), reply, write_counters: false };
            let _ = jobs.try_send(job);
        }
    }
}

/// Most background rounds per period.
const CATCH_UP_ROUNDS: usize = 8;

/// A round this short (two syncs and a few pages) means the background has caught up: what the
/// writer committed during it takes the writer about as long to copy.
const CAUGHT_UP: Duration = Duration::from_millis(3);

/// Finishes the background checkpoint's round on the writer's own connection, between two
/// group commits: what is left to copy is only what was committed while the background copied,
/// and nothing is committed meanwhile, so the checkpoint catches up with the last frame. The
/// writer's next transaction then starts the WAL over from its beginning (unless a reader is
/// still reading from it), writing into pages the file already has.
fn finish_checkpoint(conn: &Connection) {
    if let Err(err) = passive_checkpoint(conn) {
        tracing::warn!(%err, "writer checkpoint failed");
    }
}

/// Copies what no reader still needs from the WAL into the database file, without waiting.
fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

/// The writer loop: takes the first waiting job, everything else already queued behind it and
/// what arrives while requests are still on their way (up to [`LINGER`]), and commits them
/// together. Ends when the store is dropped (every sender is gone).
#[allow(clippy::too_many_arguments)]
fn run(
    mut conn: Connection,
    slow: &SlowLane,
    mut jobs: mpsc::Receiver<WriteJob>,
    arrivals: &Arrivals,
    updates: &broadcast::Sender<IssueUpdate>,
    dictionaries: &Dictionaries,
    copied: &AtomicBool,
    mut deferral: Deferral,
    hooked: &mut HookedProjects,
) {
    let mut batch: Vec<WriteJob> = Vec::new();
    // Session states that can no longer change are pruned by the writer itself, about once an
    // hour, so nothing else competes with it for the write lock.
    let mut last_prune = 0i64;
    let mut recent = health::RecentSessions::default();
    let mut environments = environments::SeenEnvironments::default();
    while let Some(job) = jobs.blocking_recv() {
        if now_ms() - last_prune > 3_600_000 {
            last_prune = now_ms();
            if let Err(err) = health::prune_states(&conn) {
                tracing::warn!(%err, "could not prune old session states");
            }
        }
        gather(job, &mut jobs, &mut batch, arrivals, LINGER);
        let mut write = |conn: &mut Connection, batch: &mut [WriteJob]| {
            let hooked = &mut *hooked;
            write_batch(
                conn,
                slow,
                batch,
                &mut recent,
                &mut environments,
                updates,
                dictionaries,
                &mut deferral,
                hooked,
            )
        };
        match write(&mut conn, &mut batch) {
            Ok(results) => {
                for (job, ids) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(ids));
                }
            }
            Err(err) => {
                // One bad request must not fail its neighbours: retry each on its own.
                tracing::warn!(%err, jobs = batch.len(), "group commit failed; retrying one by one");
                for mut job in batch.drain(..) {
                    let one = std::slice::from_mut(&mut job);
                    let result =
                        write(&mut conn, one).map(|mut results| results.pop().unwrap_or_default());
                    let _ = job.reply.send(result);
                }
            }
        }
        // After the answers: the requests that just waited for their commit do not also wait
        // for the checkpoint.
        if copied.swap(false, Ordering::Acquire) {
            finish_checkpoint(&conn);
        }
    }
    // The store is gone: what is pending is written now rather than counted at the next
    // start.
    if deferral.unflushed.load(Ordering::Acquire) {
        if let Err(err) = flush_alone(&conn, &mut deferral) {
            tracing::warn!(%err, "could not write the issues' counters; the next start counts them");
        }
    }
}

/// Fills `batch` for one group commit: `first`, the jobs queued behind it, and those that
/// arrive while requests are still on their way ([`Arrivals`]), waiting for them at most
/// `linger`.
fn gather(
    first: WriteJob,
    jobs: &mut mpsc::Receiver<WriteJob>,
    batch: &mut Vec<WriteJob>,
    arrivals: &Arrivals,
    linger: Duration,
) {
    batch.push(first);
    take_queued(jobs, batch);
    let waiting_since = std::time::Instant::now();
    while arrivals.any() && batch.len() < MAX_BATCH_JOBS && waiting_since.elapsed() < linger {
        std::thread::sleep(LINGER_STEP);
        take_queued(jobs, batch);
    }
}

/// Moves the jobs already queued into `batch`, up to [`MAX_BATCH_JOBS`].
fn take_queued(jobs: &mut mpsc::Receiver<WriteJob>, batch: &mut Vec<WriteJob>) {
    while batch.len() < MAX_BATCH_JOBS {
        match jobs.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// The sqlx write connection, for the events of the slow lane.
struct SlowLane {
    writes: SqlitePool,
    runtime: Handle,
}

impl SlowLane {
    /// Stores one event with every rule of [`store_one_event`], in a transaction of its own.
    fn store(&self, event: &NewEvent) -> StoreResult<(i64, bool, bool)> {
        self.runtime.block_on(async {
            let mut tx = super::begin_write(&self.writes).await?;
            let stored = store_one_event(&mut tx, event).await?;
            // Its totals are in the issue's row already: a recount after a crash must not add
            // them again (see `counters::recover`).
            sqlx::query(
                "UPDATE counters_watermark SET slow_through = COALESCE((SELECT MAX(id) FROM events), 0)",
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(stored)
        })
    }
}

/// The counters the writer has committed events for and not written (see [`counters`]), and
/// when it last wrote them.
struct Deferral {
    counters: Arc<PendingCounters>,
    last_flush: std::time::Instant,
    /// Shared with the checkpoint thread, which wakes the writer to write counters it has
    /// kept for [`counters::FLUSH_EVERY`] while no request came.
    unflushed: Arc<AtomicBool>,
}

impl Deferral {
    /// Whether the counters have waited long enough.
    fn due(&self) -> bool {
        self.last_flush.elapsed() >= counters::FLUSH_EVERY
    }

    /// Commits the writer's transaction with the counters of its events (`batch`). With
    /// `flush`, every pending counter is written in it; otherwise `batch`'s are added to the
    /// pending ones once the commit has succeeded. `before_commit` runs last, with what the
    /// rows it reads lack per issue.
    fn commit<T>(
        &mut self,
        conn: &Connection,
        batch: &BatchCounts<'_>,
        flush: bool,
        before_commit: impl FnOnce(&dyn Fn(i64) -> PendingTotals) -> StoreResult<T>,
    ) -> StoreResult<T> {
        // Held until the commit has succeeded and the pending counters say so: an API write that
        // recounts issues adjusts them at its own commit (see `counters`).
        let mut pending = self.counters.lock_blocking();
        let out = if flush {
            // Written in two passes (each adds to the rows), so that the pending counters stay
            // as they are if the transaction fails.
            pending.write(conn)?;
            let mut mine = Counters::default();
            batch.add_to(&mut mine);
            mine.write(conn)?;
            counters::mark_counted(conn)?;
            before_commit(&|_| PendingTotals::default())?
        } else {
            before_commit(&|issue_id| {
                let mut totals = pending.pending_totals(issue_id);
                batch.add_totals(issue_id, &mut totals);
                totals
            })?
        };
        conn.execute_batch("COMMIT")?;
        if flush {
            *pending = Counters::default();
            self.last_flush = std::time::Instant::now();
        } else {
            batch.add_to(&mut pending);
        }
        self.unflushed.store(!pending.is_empty(), Ordering::Release);
        Ok(out)
    }
}

/// Stores the events of several requests; returns the issue ids per request. Sessions reported
/// whole are remembered in `recent` once their transaction has committed; the issues the batch
/// changed are then published to `updates`. New events of projects with `event.created`
/// service hooks get their deliveries in the same commit.
#[allow(clippy::too_many_arguments)]
fn write_batch(
    conn: &mut Connection,
    slow: &SlowLane,
    batch: &mut [WriteJob],
    recent: &mut health::RecentSessions,
    environments: &mut environments::SeenEnvironments,
    updates: &broadcast::Sender<IssueUpdate>,
    dictionaries: &Dictionaries,
    deferral: &mut Deferral,
    hooked: &mut HookedProjects,
) -> StoreResult<Vec<Vec<i64>>> {
    let mut results = Vec::with_capacity(batch.len());
    let mut releases = health::ReleaseTouches::default();
    let mut counts = BatchCounts::default();
    // Nobody listening (the usual case for a busy ingest node) costs nothing.
    let mut touched = (updates.receiver_count() > 0).then(TouchedIssues::default);
    let conn = &*conn;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    // Under the write lock: a dictionary retired before now is named by no row of this commit.
    dictionaries.rewrite_retired(batch.iter_mut().flat_map(|job| job.batch.events.iter_mut()));
    let batch = &*batch;
    let outcome = (|| {
        hooked.refresh(conn)?;
        let mut events = event_writes::EventWrites::prepare(conn, batch)?;
        for job in batch {
            let mut ids = Vec::with_capacity(job.batch.events.len());
            // Events stored before (an SDK that sent a request again): their items were kept
            // with them the first time.
            let mut repeated: Vec<&str> = Vec::new();
            for event in &job.batch.events {
                let mut slow_lane = false;
                let (issue_id, is_new, opened_issue) = match events.store(event) {
                    Some(stored) => {
                        if stored.1 {
                            counts.event(stored.0, event, true);
                        }
                        stored
                    }
                    None => {
                        // The slow lane: what the batch has so far is committed first, with
                        // every pending counter (its rules read them), so that the event sees
                        // it and the sqlx connection can take the write lock.
                        events.flush(conn, &mut counts)?;
                        releases.write(conn)?;
                        deferral.commit(conn, &counts, true, |_| Ok(()))?;
                        counts = BatchCounts::default();
                        let stored = slow.store(event);
                        conn.execute_batch("BEGIN IMMEDIATE")?;
                        let stored = stored?;
                        events.stored_slowly(event, stored.0);
                        slow_lane = true;
                        stored
                    }
                };
                if is_new {
                    if slow_lane {
                        // Its totals are in the issue's row; its tags and hour are not.
                        counts.event(issue_id, event, false);
                    }
                    releases.event(event, opened_issue);
                    environments.saw(event.project_id, event.environment.as_deref());
                    hooked.event_stored(conn, event, issue_id)?;
                    if let Some(touched) = touched.as_mut() {
                        touched.add(issue_id, event, opened_issue);
                    }
                } else {
                    repeated.push(&event.event_id);
                }
                ids.push(issue_id);
            }
            write_items(conn, &job.batch, &repeated)?;
            results.push(ids);
        }
        events.flush(conn, &mut counts)?;
        let finished = health::write_sessions(conn, batch, &mut releases, recent)?;
        releases.write(conn)?;
        environments.sessions(batch);
        environments.write(conn)?;
        // Readers ask for the counters (`Store::sync_counters`), and get them in this commit.
        let flush = deferral.due() || batch.iter().any(|job| job.write_counters);
        // Read inside the transaction: the totals are exactly those this commit leaves behind.
        let changed = deferral.commit(conn, &counts, flush, |lacking| match touched.take() {
            Some(touched) => touched.read(conn, lacking),
            None => Ok(Vec::new()),
        })?;
        Ok((finished, changed))
    })();
    let (finished, changed) = match outcome {
        Ok(done) => done,
        Err(err) => {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            environments.rolled_back();
            return Err(err);
        }
    };
    recent.extend(finished);
    environments.committed();
    for update in changed {
        // An error only means that every subscriber has gone.
        let _ = updates.send(update);
    }
    Ok(results)
}

/// Writes the pending counters in a transaction of their own (the writer is stopping).
fn flush_alone(conn: &Connection, deferral: &mut Deferral) -> StoreResult<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let flushed = deferral.commit(conn, &BatchCounts::default(), true, |_| Ok(()));
    if flushed.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    flushed
}

/// The trace facts of the transaction item just inserted, keyed by its row.
fn write_trace_transaction(
    conn: &Connection,
    project_id: i64,
    trace: &crate::ingest::transaction::TraceTransaction,
) -> StoreResult<()> {
    // `summarize` only makes 32 hex digits, so this never falls back.
    let trace_id = hex::decode(&trace.trace_id).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO trace_transactions (item_id, project_id, trace_id, event_id, span_id, \
         parent_span_id, name, op, status, start_timestamp, timestamp, span_ids, release, \
         environment) VALUES (last_insert_rowid(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(rusqlite::params![
        project_id,
        trace_id,
        trace.event_id,
        trace.span_id,
        trace.parent_span_id,
        trace.name,
        trace.op,
        trace.status,
        trace.start_timestamp,
        trace.timestamp,
        trace.span_ids,
        trace.release,
        trace.environment
    ])?;
    Ok(())
}

/// Stores a request's items kept as they arrived and its dropped-data counts. The items of
/// the events in `repeated` are skipped, as Sentry skips a duplicate event whole: a crash
/// reporter or SDK that retries an upload whose answer it missed would otherwise attach its
/// files to the event twice.
fn write_items(conn: &Connection, batch: &IngestBatch, repeated: &[&str]) -> StoreResult<()> {
    for item in &batch.items {
        if item.event_id.as_deref().is_some_and(|id| repeated.contains(&id)) {
            continue;
        }
        conn.prepare_cached(
            "INSERT INTO envelope_items (project_id, event_id, item_type, headers, payload, \
             received, sha1) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(rusqlite::params![
            item.project_id,
            item.event_id,
            item.item_type,
            item.headers,
            &item.payload[..],
            item.received,
            item.sha1
        ])?;
        if let Some(trace) = &item.trace {
            write_trace_transaction(conn, item.project_id, trace)?;
        }
    }
    // The hour of the commit: outcomes carry no time of their own, and a commit is within
    // milliseconds of the requests it answers.
    let hour = crate::util::now_ms().div_euclid(3_600_000) * 3_600;
    for outcome in &batch.outcomes {
        conn.prepare_cached(
            "INSERT INTO outcomes (project_id, source, category, reason, quantity) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (project_id, source, category, reason) \
             DO UPDATE SET quantity = quantity + excluded.quantity",
        )?
        .execute(rusqlite::params![
            outcome.project_id,
            outcome.source,
            outcome.category,
            outcome.reason,
            outcome.quantity
        ])?;
        conn.prepare_cached(
            "INSERT INTO outcome_hourly (project_id, hour, source, category, reason, quantity) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (project_id, hour, source, category, reason) \
             DO UPDATE SET quantity = quantity + excluded.quantity",
        )?
        .execute(rusqlite::params![
            outcome.project_id,
            hour,
            outcome.source,
            outcome.category,
            outcome.reason,
            outcome.quantity
        ])?;
    }
    Ok(())
}

/// The `VALUES` list of a multi-row statement: `rows` groups of `columns` parameters,
/// `(?,?),(?,?)`, which rusqlite and sqlx both bind in order.
///
/// Short and built once per shape and thread. A group commit runs about ten multi-row
/// statements: numbering their hundreds of parameters (`?1, ?2, ...`) anew each time took a few
/// percent of the writer's time, and rusqlite's statement cache hashes the whole SQL text at
/// every use, which unnumbered parameters make two to three times shorter.
pub(super) fn placeholder_rows(rows: usize, columns: usize) -> Rc<str> {
    thread_local! {
        static BUILT: RefCell<HashMap<(usize, usize), Rc<str>>> = RefCell::default();
    }
    BUILT.with(|built| {
        Rc::clone(built.borrow_mut().entry((rows, columns)).or_insert_with(|| {
            let row = format!("({})", vec!["?"; columns].join(","));
            vec![row; rows].join(",").into()
        }))
    })
}

/// The values of a multi-row statement, in parameter order: borrowed where they live in the
/// batch, owned where they are computed.
#[derive(Debug, Default)]
pub(super) struct Binds<'a>(Vec<ToSqlOutput<'a>>);

impl<'a> Binds<'a> {
    pub(super) fn with_capacity(n: usize) -> Self {
        Binds(Vec::with_capacity(n))
    }

    /// Binds a value that outlives the statement.
    pub(super) fn add<T: ToSql + ?Sized>(&mut self, value: &'a T) -> StoreResult<&mut Self> {
        self.0.push(value.to_sql()?);
        Ok(self)
    }

    pub(super) fn int(&mut self, value: i64) -> &mut Self {
        self.0.push(ToSqlOutput::Owned(Value::Integer(value)));
        self
    }

    pub(super) fn real(&mut self, value: f64) -> &mut Self {
        self.0.push(ToSqlOutput::Owned(Value::Real(value)));
        self
    }

    pub(super) fn null(&mut self) -> &mut Self {
        self.0.push(ToSqlOutput::Owned(Value::Null));
        self
    }

    pub(super) fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.int(value),
            None => self.null(),
        }
    }

    /// Runs `sql` (prepared once and cached) with these values.
    pub(super) fn execute(&self, conn: &Connection, sql: &str) -> StoreResult<usize> {
        Ok(conn.prepare_cached(sql)?.execute(rusqlite::params_from_iter(self.0.iter()))?)
    }

    /// Runs `sql` with these values and maps every row it returns.
    pub(super) fn query<T>(
        &self,
        conn: &Connection,
        sql: &str,
        mut map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Vec<T>> {
        let mut statement = conn.prepare_cached(sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(self.0.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(map(row)?);
        }
        Ok(out)
    }
}

/// The issues a write batch touched, with what the batch added to each, for [`IssueUpdate`]s.
#[derive(Debug, Default)]
struct TouchedIssues {
    issues: BTreeMap<i64, Touched>,
}

/// What a write batch added to one issue.
#[derive(Debug, Default)]
struct Touched {
    /// Whether the batch opened the issue.
    is_new: bool,
    /// Hour start (Unix seconds) → events.
    hours: BTreeMap<i64, i64>,
    environments: BTreeSet<String>,
}

impl TouchedIssues {
    fn add(&mut self, issue_id: i64, event: &NewEvent, opened_issue: bool) {
        let touched = self.issues.entry(issue_id).or_default();
        touched.is_new |= opened_issue;
        *touched.hours.entry(event.timestamp.div_euclid(3_600_000) * 3_600).or_insert(0) += 1;
        if let Some(environment) = &event.environment {
            touched.environments.insert(environment.clone());
        }
    }

    /// The updates, with each issue's totals as the transaction now has them, plus the
    /// counters its rows lack (`lacking`: those the writer keeps in memory).
    fn read(
        self,
        conn: &Connection,
        lacking: &dyn Fn(i64) -> PendingTotals,
    ) -> StoreResult<Vec<IssueUpdate>> {
        let mut updates = Vec::with_capacity(self.issues.len());
        let ids: Vec<i64> = self.issues.keys().copied().collect();
        for chunk in ids.chunks(256) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            let sql = format!(
                "SELECT id, project_id, times_seen, user_count, first_seen, last_seen, status, \
                 substatus, level, priority FROM issues WHERE id IN ({})",
                placeholders.join(", ")
            );
            let mut binds = Binds::with_capacity(chunk.len());
            for id in chunk {
                binds.int(*id);
            }
            // Each issue's totals, with what this batch added to it.
            let rows = binds.query(conn, &sql, |row| {
                let issue_id: i64 = row.get(0)?;
                let Some(touched) = self.issues.get(&issue_id) else {
                    return Ok(None);
                };
                let pending = lacking(issue_id);
                let first_seen: i64 = row.get(4)?;
                let last_seen: i64 = row.get(5)?;
                Ok(Some(IssueUpdate {
                    issue_id,
                    project_id: row.get(1)?,
                    is_new: touched.is_new,
                    times_seen: row.get::<_, i64>(2)? + pending.events,
                    user_count: row.get::<_, i64>(3)? + pending.new_users,
                    first_seen: pending.first_seen.map_or(first_seen, |t| t.min(first_seen)),
                    last_seen: pending.last_seen.map_or(last_seen, |t| t.max(last_seen)),
                    status: row.get(6)?,
                    substatus: row.get(7)?,
                    level: match pending.level {
                        Some(level) => level,
                        None => row.get(8)?,
                    },
                    priority: Priority::from_code(row.get(9)?),
                    hours: touched.hours.iter().map(|(hour, n)| (*hour, *n)).collect(),
                    environments: touched.environments.iter().cloned().collect(),
                }))
            })?;
            updates.extend(rows.into_iter().flatten());
        }
        Ok(updates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A store on `cairn.db` in a new temporary directory (kept as long as the returned guard).
    async fn store_in_a_new_file() -> (tempfile::TempDir, super::super::SqliteStore) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("cairn.db");
        let store = super::super::SqliteStore::connect(&format!("sqlite:{}", path.display()))
            .await
            .expect("store opens");
        (dir, store)
    }

    /// Both connections that write (the event writer's and sqlx's) keep their statement
    /// journals in memory: spilled, they were temporary files created and deleted several times
    /// a second at full load.
    #[tokio::test]
    async fn write_connections_keep_statement_journals_in_memory() {
        let (dir, store) = store_in_a_new_file().await;
        let writer = open(&dir.path().join("cairn.db")).expect("writer connection");
        let writer_store: i64 =
            writer.query_row("PRAGMA temp_store", [], |row| row.get(0)).expect("pragma");
        let sqlx_store: i64 =
            sqlx::query_scalar("PRAGMA temp_store").fetch_one(&store.writes).await.expect("pragma");
        // 2 is MEMORY (0 is the default, 1 FILE).
        assert_eq!((writer_store, sqlx_store), (2, 2));
    }

    fn empty_job() -> WriteJob {
        let (reply, _) = oneshot::channel();
        WriteJob { batch: IngestBatch::default(), reply, write_counters: false }
    }

    /// A request still being processed when the writer takes a job joins that job's commit:
    /// the writer waits for it, and stops waiting once nothing is on its way.
    #[test]
    fn the_writer_waits_for_requests_on_their_way() {
        let (sender, mut jobs) = mpsc::channel(8);
        let arrivals = Arrivals::default();
        let on_its_way = arrivals.announce();
        let late = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            assert!(sender.try_send(empty_job()).is_ok(), "queued");
            drop(on_its_way);
        });
        let mut batch = Vec::new();
        let started = std::time::Instant::now();
        gather(empty_job(), &mut jobs, &mut batch, &arrivals, Duration::from_secs(60));
        assert_eq!(batch.len(), 2, "the late request joined the first one's commit");
        assert!(started.elapsed() < Duration::from_secs(30), "stopped waiting when it arrived");
        late.join().expect("sender thread");
    }

    /// A request that takes longer than [`LINGER`] (or never reaches the store) does not hold
    /// the others' commit back for longer.
    #[test]
    fn the_writer_waits_for_late_requests_only_so_long() {
        let (_sender, mut jobs) = mpsc::channel(8);
        let arrivals = Arrivals::default();
        let _never_arrives = arrivals.announce();
        let mut batch = Vec::new();
        gather(empty_job(), &mut jobs, &mut batch, &arrivals, Duration::from_millis(20));
        assert_eq!(batch.len(), 1);
        assert!(arrivals.any());
    }

    /// Through the store: an announced request that has not arrived does not keep another's
    /// events from being committed, and the guard counts it out when dropped.
    #[tokio::test]
    async fn a_commit_does_not_wait_for_a_request_that_never_arrives() {
        let (_dir, store) = store_in_a_new_file().await;
        store.ensure_default_organization(&crate::config::defaults()).await.expect("project 1");
        let never_arrives = store.announce_arrival();
        let arrival = store.announce_arrival();
        assert!(store.arrivals.any());
        drop(arrival);
        let outcome = crate::store::Outcome {
            project_id: 1,
            source: "client",
            category: "error".into(),
            reason: "sample_rate".into(),
            quantity: 3,
        };
        let batch = IngestBatch { outcomes: vec![outcome], ..IngestBatch::default() };
        let stored = tokio::time::timeout(Duration::from_secs(30), store.store_batch(batch)).await;
        assert!(matches!(stored, Ok(Ok(_))), "committed: {stored:?}");
        drop(never_arrives);
        assert!(!store.arrivals.any());
    }

    #[test]
    fn placeholder_rows_have_a_parameter_per_value() {
        assert_eq!(&*placeholder_rows(2, 3), "(?,?,?),(?,?,?)");
        assert_eq!(&*placeholder_rows(1, 1), "(?)");
        // Built once, then shared.
        assert!(Rc::ptr_eq(&placeholder_rows(2, 3), &placeholder_rows(2, 3)));
    }
}
