//! Release health in SQLite: sessions applied to their states and added to hourly counts inside
//! the group commit, releases created from what events and sessions name, and the reads behind
//! the releases and sessions APIs.

use std::collections::HashMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use rusqlite::Connection;

use super::begin_write;
use super::durations::{write_duration_buckets, DurationBuckets};
use super::writer::{placeholder_rows, Binds, WriteJob};
use crate::ingest::session::{self, Contribution, SessionState};
use crate::store::{
    DeployRow, HealthTotals, NewEvent, NewRelease, ReleaseChange, ReleaseHealth,
    ReleaseHealthQuery, ReleaseProjectRow, ReleaseQuery, ReleaseRow, SessionBucket, SessionQuery,
    StageFilter, StoreError, StoreResult, UserBucket, UserCount, UserCountQuery, UserCounts,
};
use crate::util::now_ms;

/// Rows per multi-row statement of the writer.
const CHUNK: usize = 64;

/// What one group commit adds to releases: per (project, version), the event time range and
/// the issues it opened.
#[derive(Debug, Default)]
pub(super) struct ReleaseTouches {
    touches: HashMap<(i64, String), Touch>,
    /// Events per (project, release, environment, hour).
    hourly: HashMap<(i64, String, String, i64), i64>,
}

/// Oldest and newest event, and issues opened.
type Touch = (Option<i64>, Option<i64>, i64);

impl ReleaseTouches {
    /// An event of a release (and whether it opened an issue).
    pub(super) fn event(&mut self, event: &NewEvent, opened_issue: bool) {
        let Some(release) = event.release.as_deref().filter(|r| session::valid_release(r)) else {
            return;
        };
        let entry =
            self.touches.entry((event.project_id, release.to_owned())).or_insert((None, None, 0));
        let at = event.timestamp;
        entry.0 = Some(entry.0.map_or(at, |t| t.min(at)));
        entry.1 = Some(entry.1.map_or(at, |t| t.max(at)));
        entry.2 += i64::from(opened_issue);
        let environment = event.environment.clone().unwrap_or_default();
        let hour = at.div_euclid(3_600_000) * 3_600;
        *self
            .hourly
            .entry((event.project_id, release.to_owned(), environment, hour))
            .or_insert(0) += 1;
    }

    /// A release named by a session: it exists from then on, without events.
    fn session(&mut self, project_id: i64, release: &str) {
        self.touches.entry((project_id, release.to_owned())).or_insert((None, None, 0));
    }

    /// Creates or updates the releases and their project links; forgets what it wrote.
    pub(super) fn write(&mut self, conn: &Connection) -> StoreResult<()> {
        let now = now_ms();
        for ((project_id, version), (first, last, new_groups)) in self.touches.drain() {
            // `MIN`/`MAX` of SQLite return NULL when an argument is NULL: COALESCE keeps the
            // side that has a value.
            let release_id: Option<i64> = Binds::default()
                .int(project_id)
                .add(&version)?
                .int(now)
                .opt_int(first)
                .opt_int(last)
                .query(
                    conn,
                    "INSERT INTO releases (organization_id, version, date_created, first_event, \
                     last_event) SELECT organization_id, ?2, ?3, ?4, ?5 FROM projects \
                     WHERE id = ?1 ON CONFLICT (organization_id, version) DO UPDATE SET \
                     first_event = MIN(COALESCE(first_event, excluded.first_event), \
                       COALESCE(excluded.first_event, first_event)), \
                     last_event = MAX(COALESCE(last_event, excluded.last_event), \
                       COALESCE(excluded.last_event, last_event)) \
                     RETURNING id",
                    |row| row.get(0),
                )?
                .pop();
            let Some(release_id) = release_id else { continue };
            Binds::default()
                .int(release_id)
                .int(project_id)
                .int(new_groups)
                .opt_int(first)
                .opt_int(last)
                .execute(
                    conn,
                    "INSERT INTO release_projects (release_id, project_id, new_groups, \
                     first_event, last_event) VALUES (?1, ?2, ?3, ?4, ?5) \
                     ON CONFLICT (release_id, project_id) DO UPDATE SET \
                     new_groups = new_groups + excluded.new_groups, \
                     first_event = MIN(COALESCE(first_event, excluded.first_event), \
                       COALESCE(excluded.first_event, first_event)), \
                     last_event = MAX(COALESCE(last_event, excluded.last_event), \
                       COALESCE(excluded.last_event, last_event))",
                )?;
        }
        let hourly: Vec<_> = self.hourly.drain().collect();
        for chunk in hourly.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO release_event_hourly (project_id, release, environment, hour, events) \
                 VALUES {} ON CONFLICT (project_id, release, environment, hour) \
                 DO UPDATE SET events = events + excluded.events",
                placeholder_rows(chunk.len(), 5)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 5);
            for ((project_id, release, environment, hour), n) in chunk {
                binds.int(*project_id).add(release)?.add(environment)?.int(*hour).int(*n);
            }
            binds.execute(conn, &sql)?;
        }
        Ok(())
    }
}

/// Sessions that were reported whole (their first update already ended them), remembered by
/// the writer instead of in `session_states`: writing a state row per session at a random key
/// (`sid`) made every commit rewrite pages all over that table, and cost four times what
/// counting does. A state is needed only to apply later updates exactly once, and a session
/// that has ended takes none; what remains to catch is an SDK resending the same envelope
/// (a retry after a lost answer), which happens within minutes, so the newest sessions are
/// kept in memory. After a restart, a retry of a session sent before it would count again.
///
/// It also remembers which users' days `session_user_days` already holds, with which status
/// bits: most updates are another session of a user already counted that day, and skipping
/// their upserts keeps session ingestion near its speed before that table existed. Rows there
/// are only ever added to (or removed with their project), so a remembered day stays true.
#[derive(Debug, Default)]
pub(super) struct RecentSessions {
    seen: std::collections::HashSet<(i64, u128)>,
    order: std::collections::VecDeque<(i64, u128)>,
    user_days: HashMap<UserDayKey, u8>,
}

/// A user's day in `session_user_days`: (project, release, environment, day, user).
type UserDayKey = (i64, String, String, i64, String);

/// What a batch's sessions wrote, for [`RecentSessions`] once the batch is committed.
#[derive(Debug, Default)]
pub(super) struct SessionsWritten {
    /// Sessions reported whole.
    finished: Vec<(i64, String)>,
    /// Users' days written, with their bits as now stored.
    user_days: Vec<(UserDayKey, u8)>,
}

/// How many users' days the writer remembers (about 100 bytes each); beyond that it starts
/// over, which only costs upserts that change nothing.
const RECENT_USER_DAYS: usize = 200_000;

/// How many whole sessions the writer remembers (about 48 bytes each).
const RECENT_SESSIONS: usize = 500_000;

impl RecentSessions {
    fn key(project_id: i64, sid: &str) -> Option<(i64, u128)> {
        u128::from_str_radix(sid, 16).ok().map(|sid| (project_id, sid))
    }

    fn contains(&self, project_id: i64, sid: &str) -> bool {
        Self::key(project_id, sid).is_some_and(|k| self.seen.contains(&k))
    }

    /// Remembers what a committed batch wrote, forgetting the oldest sessions beyond the limit.
    pub(super) fn extend(&mut self, written: SessionsWritten) {
        if self.user_days.len() + written.user_days.len() > RECENT_USER_DAYS {
            self.user_days.clear();
        }
        for (key, flags) in written.user_days {
            *self.user_days.entry(key).or_insert(0) |= flags;
        }
        for (project_id, sid) in written.finished {
            let Some(key) = Self::key(project_id, &sid) else { continue };
            if self.seen.insert(key) {
                self.order.push_back(key);
            }
        }
        while self.order.len() > RECENT_SESSIONS {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
    }
}

/// Hourly counts being gathered: (project, release, environment, hour) → counts.
type BucketKey = (i64, String, String, i64);

#[derive(Debug, Default)]
struct Counts {
    sessions: i64,
    errored: i64,
    crashed: i64,
    abnormal: i64,
    duration_sum: f64,
    duration_count: i64,
}

/// Applies the session updates and aggregates of a group commit: loads the states of the
/// sessions it names in a few statements, applies every update in order in memory, then writes
/// the changed states, the hourly counts and the users back with multi-row upserts. Releases the
/// sessions name are added to `releases`.
///
/// Returns the sessions reported whole, for [`RecentSessions`] once the batch is committed.
pub(super) fn write_sessions(
    conn: &Connection,
    jobs: &[WriteJob],
    releases: &mut ReleaseTouches,
    recent: &RecentSessions,
) -> StoreResult<SessionsWritten> {
    let updates = jobs.iter().flat_map(|job| &job.batch.sessions);
    let aggregates = jobs.iter().flat_map(|job| &job.batch.session_aggregates);
    let mut finished = Vec::new();
    if updates.clone().next().is_none() && aggregates.clone().next().is_none() {
        return Ok(SessionsWritten { finished, user_days: Vec::new() });
    }

    let mut keys: Vec<(i64, &str)> =
        updates.clone().filter_map(|u| Some((u.project_id, u.sid.as_deref()?))).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut states = load_states(conn, &keys)?;
    // Sessions that have a row: a whole session (new, ended at once) gets none.
    let stored: std::collections::HashSet<(i64, String)> = states.keys().cloned().collect();
    let mut dirty: Vec<(i64, String)> = Vec::new();
    let mut counts: HashMap<BucketKey, Counts> = HashMap::new();
    let mut users: HashMap<(BucketKey, String), u8> = HashMap::new();
    let mut durations = DurationBuckets::default();

    let mut add = |key: BucketKey, c: Contribution| {
        if let Some((did, flags)) = c.user {
            *users.entry((key.clone(), did)).or_insert(0) |= flags;
        }
        if let Some(d) = c.duration {
            durations.record(&key, d);
        }
        let entry = counts.entry(key).or_default();
        entry.sessions += c.sessions;
        entry.errored += c.errored;
        entry.crashed += c.crashed;
        entry.abnormal += c.abnormal;
        if let Some(d) = c.duration {
            entry.duration_sum += d;
            entry.duration_count += 1;
        }
    };

    for update in updates {
        if let Some(sid) = &update.sid {
            if recent.contains(update.project_id, sid) {
                // A session reported whole before: it has ended, nothing may change it.
                continue;
            }
        }
        let state_key = update.sid.as_ref().map(|sid| (update.project_id, sid.clone()));
        let current = state_key.as_ref().and_then(|k| states.get(k));
        let Some((next, contribution)) = session::apply(current, update) else { continue };
        let key = (update.project_id, next.release.clone(), next.environment.clone(), next.hour);
        releases.session(update.project_id, &next.release);
        add(key, contribution);
        if let Some(state_key) = state_key {
            let whole = current.is_none() && next.flags & session::flags::ENDED != 0;
            if whole && !stored.contains(&state_key) {
                finished.push(state_key.clone());
            } else if current != Some(&next) {
                dirty.push(state_key.clone());
            }
            // Kept for this batch either way, so that a repeat within it is caught.
            states.insert(state_key, next);
        }
    }
    for group in aggregates {
        let hour = session::hour_of(group.started);
        let key = (group.project_id, group.release.clone(), group.environment.clone(), hour);
        releases.session(group.project_id, &group.release);
        add(key, group.contribution());
    }

    dirty.sort_unstable();
    dirty.dedup();
    for chunk in dirty.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO session_states (project_id, sid, release, environment, did, hour, \
             started, seq, flags) VALUES {} ON CONFLICT (project_id, sid) DO UPDATE SET \
             did = excluded.did, seq = excluded.seq, flags = excluded.flags",
            placeholder_rows(chunk.len(), 9)
        );
        let mut binds = Binds::with_capacity(chunk.len() * 9);
        for key in chunk {
            let Some(state) = states.get(key) else {
                return Err(StoreError::Corrupt("a changed session state went missing".into()));
            };
            binds
                .int(key.0)
                .add(&key.1)?
                .add(&state.release)?
                .add(&state.environment)?
                .add(&state.did)?
                .int(state.hour)
                .int(state.started)
                .int(state.seq)
                .int(i64::from(state.flags));
        }
        binds.execute(conn, &sql)?;
    }

    let counts: Vec<_> = counts.into_iter().collect();
    for chunk in counts.chunks(CHUNK) {
        let rows = placeholder_rows(chunk.len(), 10);
        let sql = format!(
            "INSERT INTO session_hourly (project_id, release, environment, hour, sessions, \
             errored, crashed, abnormal, duration_sum, duration_count) VALUES {} \
             ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET \
             sessions = sessions + excluded.sessions, errored = errored + excluded.errored, \
             crashed = crashed + excluded.crashed, abnormal = abnormal + excluded.abnormal, \
             duration_sum = duration_sum + excluded.duration_sum, \
             duration_count = duration_count + excluded.duration_count",
            rows
        );
        let mut binds = Binds::with_capacity(chunk.len() * 10);
        for ((project_id, release, environment, hour), c) in chunk {
            binds
                .int(*project_id)
                .add(release)?
                .add(environment)?
                .int(*hour)
                .int(c.sessions)
                .int(c.errored)
                .int(c.crashed)
                .int(c.abnormal)
                .real(c.duration_sum)
                .int(c.duration_count);
        }
        binds.execute(conn, &sql)?;
    }

    write_duration_buckets(conn, &durations)?;

    let users: Vec<_> = users.into_iter().collect();
    for chunk in users.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO session_users (project_id, release, environment, hour, did, flags) \
             VALUES {} ON CONFLICT (project_id, release, environment, hour, did) \
             DO UPDATE SET flags = flags | excluded.flags",
            placeholder_rows(chunk.len(), 6)
        );
        let mut binds = Binds::with_capacity(chunk.len() * 6);
        for (((project_id, release, environment, hour), did), flags) in chunk {
            binds
                .int(*project_id)
                .add(release)?
                .add(environment)?
                .int(*hour)
                .add(did)?
                .int(i64::from(*flags));
        }
        binds.execute(conn, &sql)?;
    }
    write_user_latest(conn, &users)?;
    let user_days = write_user_days(conn, &users, &recent.user_days)?;
    Ok(SessionsWritten { finished, user_days })
}

/// Adds this batch's users to their days in `session_user_days` (see migration 0018), in their
/// environment and in all environments together; its triggers keep the daily counts. Days that
/// `known` (committed earlier) already holds with these bits are skipped. Returns the days
/// written.
fn write_user_days(
    conn: &Connection,
    users: &[((BucketKey, String), u8)],
    known: &HashMap<UserDayKey, u8>,
) -> StoreResult<Vec<(UserDayKey, u8)>> {
    let mut days: HashMap<UserDayKey, u8> = HashMap::new();
    for (((project_id, release, environment, hour), did), flags) in users {
        let day = hour.div_euclid(86_400) * 86_400;
        for environment in [environment.as_str(), ALL_ENVIRONMENTS] {
            let key = (*project_id, release.clone(), environment.to_owned(), day, did.clone());
            *days.entry(key).or_insert(0) |= *flags;
        }
    }
    let days: Vec<(UserDayKey, u8)> = days
        .into_iter()
        .filter(|(key, flags)| known.get(key).is_none_or(|stored| stored & flags != *flags))
        .collect();
    for chunk in days.chunks(CHUNK) {
        let rows = placeholder_rows(chunk.len(), 6);
        // The `WHERE` leaves a row that has its bits already untouched: no write, no trigger.
        let sql = format!(
            "INSERT INTO session_user_days (project_id, release, environment, day, did, flags) \
             VALUES {rows} ON CONFLICT (project_id, release, environment, day, did) \
             DO UPDATE SET flags = flags | excluded.flags \
             WHERE flags != flags | excluded.flags"
        );
        let mut binds = Binds::with_capacity(chunk.len() * 6);
        for ((project_id, release, environment, day, did), flags) in chunk {
            binds
                .int(*project_id)
                .add(release)?
                .add(environment)?
                .int(*day)
                .add(did)?
                .int(i64::from(*flags));
        }
        binds.execute(conn, &sql)?;
    }
    Ok(days)
}

/// The environment that stands for all of them in `session_user_latest` (see migration 0016):
/// Sentry refuses environment names with slashes, so no real one is spelled so.
pub(super) const ALL_ENVIRONMENTS: &str = "/";

/// Moves each user's last hours in `session_user_latest` (see migration 0016) forward to the
/// hours of this batch's user rows, in their environment and in all environments together.
fn write_user_latest(conn: &Connection, users: &[((BucketKey, String), u8)]) -> StoreResult<()> {
    use crate::ingest::session::user_flags;
    let all: Vec<_> = users
        .iter()
        .map(|(((project_id, release, _, hour), did), flags)| {
            (
                ((*project_id, release.clone(), ALL_ENVIRONMENTS.to_owned(), *hour), did.clone()),
                *flags,
            )
        })
        .collect();
    for chunk in users.chunks(CHUNK).chain(all.chunks(CHUNK)) {
        let rows = placeholder_rows(chunk.len(), 8);
        // The larger of two hours either of which may be NULL (never had such a session).
        let later = |column: &str| {
            format!(
                "{column} = MAX(COALESCE({column}, excluded.{column}), \
                 COALESCE(excluded.{column}, {column}))"
            )
        };
        let sql = format!(
            "INSERT INTO session_user_latest (project_id, release, environment, did, last_hour, \
             last_errored, last_abnormal, last_crashed) VALUES {rows} \
             ON CONFLICT (project_id, release, environment, did) DO UPDATE SET \
             last_hour = MAX(last_hour, excluded.last_hour), {}, {}, {}",
            later("last_errored"),
            later("last_abnormal"),
            later("last_crashed")
        );
        let mut binds = Binds::with_capacity(chunk.len() * 8);
        for (((project_id, release, environment, hour), did), flags) in chunk {
            let when = |bit: u8| (flags & bit != 0).then_some(*hour);
            binds
                .int(*project_id)
                .add(release)?
                .add(environment)?
                .add(did)?
                .int(*hour)
                .opt_int(when(user_flags::ERRORED))
                .opt_int(when(user_flags::ABNORMAL))
                .opt_int(when(user_flags::CRASHED));
        }
        binds.execute(conn, &sql)?;
    }
    Ok(())
}

/// The stored states of these sessions, a chunk of keys per statement.
fn load_states(
    conn: &Connection,
    keys: &[(i64, &str)],
) -> StoreResult<HashMap<(i64, String), SessionState>> {
    let mut states = HashMap::with_capacity(keys.len());
    // One project per statement: `project_id = ? AND sid IN (...)` is a search of the primary
    // key, where a row-value `(project_id, sid) IN (VALUES ...)` makes SQLite scan the table.
    // `keys` is sorted, so each project's sessions are next to each other.
    let by_project = keys.chunk_by(|a, b| a.0 == b.0);
    for chunk in by_project.flat_map(|same| same.chunks(CHUNK * 2)) {
        let Some(&(project_id, _)) = chunk.first() else { continue };
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("?{}", i + 2)).collect();
        let sql = format!(
            "SELECT project_id, sid, release, environment, did, hour, started, seq, flags \
             FROM session_states WHERE project_id = ?1 AND sid IN ({})",
            placeholders.join(", ")
        );
        let mut binds = Binds::with_capacity(chunk.len() + 1);
        binds.int(project_id);
        for (_, sid) in chunk {
            binds.add(*sid)?;
        }
        let rows = binds.query(conn, &sql, |row| {
            let flags: i64 = row.get("flags")?;
            Ok((
                (row.get("project_id")?, row.get("sid")?),
                SessionState {
                    release: row.get("release")?,
                    environment: row.get("environment")?,
                    did: row.get("did")?,
                    hour: row.get("hour")?,
                    started: row.get("started")?,
                    seq: row.get("seq")?,
                    flags: u8::try_from(flags).unwrap_or(0),
                },
            ))
        })?;
        states.extend(rows);
    }
    Ok(states)
}

/// Forgets the states of sessions that can no longer be updated (started more than 5 days
/// ago, plus an hour of slack for clock drift). Run by the writer.
pub(super) fn prune_states(conn: &Connection) -> StoreResult<usize> {
    let cutoff = now_ms() - session::MAX_AGE_MS - 3_600_000;
    Binds::default().int(cutoff).execute(conn, "DELETE FROM session_states WHERE started < ?1")
}

// --- reads and API writes ------------------------------------------------------------------

fn deploy_from_row(row: &SqliteRow) -> DeployRow {
    DeployRow {
        id: row.get("id"),
        environment: row.get("environment"),
        name: row.get("name"),
        url: row.get("url"),
        date_started: row.get("date_started"),
        date_finished: row.get("date_finished"),
    }
}

/// Fills in projects and deploys of releases read from `releases`: three statements for the
/// whole page (a page of 100 releases used to take three per release).
async fn complete(pool: &SqlitePool, rows: Vec<SqliteRow>) -> StoreResult<Vec<ReleaseRow>> {
    let ids: Vec<i64> = rows.iter().map(|row| row.get("id")).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut next = 1;
    let ids_in = in_list("release_id", ids.len(), &mut next);
    fn bind_ids<'q>(
        sql: &'q str,
        ids: &[i64],
    ) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
        let mut query = sqlx::query(sql);
        for id in ids {
            query = query.bind(*id);
        }
        query
    }
    let mut projects: HashMap<i64, Vec<ReleaseProjectRow>> = HashMap::new();
    let sql = format!(
        "SELECT rp.release_id, p.id, p.slug, p.name, p.platform, rp.new_groups \
         FROM release_projects rp JOIN projects p ON p.id = rp.project_id \
         WHERE 1{} ORDER BY rp.release_id, p.slug",
        ids_in.replace("release_id", "rp.release_id")
    );
    for r in bind_ids(&sql, &ids).fetch_all(pool).await? {
        projects.entry(r.get("release_id")).or_default().push(ReleaseProjectRow {
            id: r.get("id"),
            slug: r.get("slug"),
            name: r.get("name"),
            platform: r.get("platform"),
            new_groups: r.get("new_groups"),
        });
    }
    // Each release's deploy count and newest deploy.
    let mut deploys: HashMap<i64, (i64, DeployRow)> = HashMap::new();
    let sql = format!(
        "SELECT * FROM (SELECT d.*, COUNT(*) OVER (PARTITION BY release_id) AS deploy_count, \
         ROW_NUMBER() OVER (PARTITION BY release_id ORDER BY date_finished DESC, id DESC) AS n \
         FROM deploys d WHERE 1{ids_in}) WHERE n = 1"
    );
    for r in bind_ids(&sql, &ids).fetch_all(pool).await? {
        deploys.insert(r.get("release_id"), (r.get("deploy_count"), deploy_from_row(&r)));
    }
    let mut releases = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.get("id");
        let (deploy_count, last_deploy) = match deploys.remove(&id) {
            Some((count, last)) => (count, Some(last)),
            None => (0, None),
        };
        releases.push(ReleaseRow {
            id,
            organization_id: row.get("organization_id"),
            version: row.get("version"),
            reference: row.get("ref"),
            url: row.get("url"),
            date_created: row.get("date_created"),
            date_released: row.get("date_released"),
            first_event: row.get("first_event"),
            last_event: row.get("last_event"),
            projects: projects.remove(&id).unwrap_or_default(),
            deploy_count,
            last_deploy,
            status: row.get("status"),
        });
    }
    Ok(releases)
}

/// The releases of an organization, newest first.
pub(super) async fn releases(pool: &SqlitePool, q: &ReleaseQuery) -> StoreResult<Vec<ReleaseRow>> {
    let mut next = 2;
    let mut sql = format!("SELECT r.* FROM releases r WHERE {}", release_filter(q, &mut next));
    sql.push_str(&format!(
        " ORDER BY r.date_created DESC, r.id DESC LIMIT ${} OFFSET ${}",
        next,
        next + 1
    ));
    let query = bind_release_filter(sqlx::query(&sql), q);
    let rows = query.bind(q.limit).bind(q.offset).fetch_all(pool).await?;
    complete(pool, rows).await
}

/// The versions of every release a query matches, newest first (its page ignored): what a
/// sort other than by date, or a search's release selectors, choose from.
pub(super) async fn release_versions(
    pool: &SqlitePool,
    q: &ReleaseQuery,
) -> StoreResult<Vec<String>> {
    let mut next = 2;
    let sql = format!(
        "SELECT r.version FROM releases r WHERE {} ORDER BY r.date_created DESC, r.id DESC",
        release_filter(q, &mut next)
    );
    let rows = bind_release_filter(sqlx::query(&sql), q).fetch_all(pool).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The organization's releases with these versions (in no particular order).
pub(super) async fn releases_by_version(
    pool: &SqlitePool,
    organization_id: i64,
    versions: &[String],
) -> StoreResult<Vec<ReleaseRow>> {
    if versions.is_empty() {
        return Ok(Vec::new());
    }
    let mut next = 2;
    let sql = format!(
        "SELECT r.* FROM releases r WHERE r.organization_id = $1{}",
        in_list("r.version", versions.len(), &mut next)
    );
    let mut query = sqlx::query(&sql).bind(organization_id);
    for version in versions {
        query = query.bind(version);
    }
    let rows = query.fetch_all(pool).await?;
    complete(pool, rows).await
}

/// The `WHERE` of a release query (organization `$1`, then its filters from `$2`; `next` is
/// the parameter after them), bound by [`bind_release_filter`].
fn release_filter(q: &ReleaseQuery, next: &mut usize) -> String {
    let mut sql = format!(
        "r.organization_id = $1{}",
        release_conditions(q.project_ids.len(), q.stage.as_ref(), next)
    );
    if q.text.is_some() {
        sql.push_str(&format!(" AND r.version LIKE ${next} ESCAPE '\\'"));
        *next += 1;
    }
    if q.status.is_some() {
        sql.push_str(&format!(" AND r.status = ${next}"));
        *next += 1;
    }
    sql
}

/// Binds the parameters of [`release_filter`].
fn bind_release_filter<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    q: &'q ReleaseQuery,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    let mut query =
        bind_release_conditions(query.bind(q.organization_id), &q.project_ids, q.stage.as_ref());
    if let Some(text) = &q.text {
        query = query.bind(format!("%{}%", super::escape_like(text)));
    }
    if let Some(status) = &q.status {
        query = query.bind(status);
    }
    query
}

/// The conditions on `releases r` (after its organization, `$1`) of a release search: in one
/// of `projects` projects (all when 0), and in (or not in) the stage filter's stages, whose
/// parameters [`bind_release_conditions`] binds from `$2` on; `next` is the parameter after.
fn release_conditions(projects: usize, stage: Option<&StageFilter>, next: &mut usize) -> String {
    let projects = in_list("rp.project_id", projects, next);
    let mut sql = String::new();
    if !projects.is_empty() {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM release_projects rp WHERE rp.release_id = r.id{projects})"
        ));
    }
    if let Some(filter) = stage {
        // The release's stage in one of its (listed) projects, in the filter's environment: no
        // adoption row is low adoption (migration 0053). The names are the enum's own.
        let stages: Vec<String> =
            filter.stages.iter().map(|s| format!("'{}'", s.as_str())).collect();
        sql.push_str(&format!(
            " AND {}EXISTS (SELECT 1 FROM release_projects rp WHERE rp.release_id = r.id\
             {projects} AND COALESCE((SELECT CASE WHEN a.unadopted IS NULL THEN 'adopted' \
             ELSE 'replaced' END FROM release_adoption a WHERE a.project_id = rp.project_id \
             AND a.release = r.version AND a.environment = ${next}), 'low_adoption') IN ({}))",
            if filter.negated { "NOT " } else { "" },
            stages.join(", ")
        ));
        *next += 1;
    }
    sql
}

/// Binds the parameters of [`release_conditions`].
fn bind_release_conditions<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    project_ids: &'q [i64],
    stage: Option<&'q StageFilter>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for id in project_ids {
        query = query.bind(id);
    }
    if let Some(filter) = stage {
        query = query.bind(&filter.environment);
    }
    query
}

/// One release by version.
pub(super) async fn release(
    pool: &SqlitePool,
    organization_id: i64,
    version: &str,
) -> StoreResult<ReleaseRow> {
    let row = sqlx::query("SELECT * FROM releases WHERE organization_id = $1 AND version = $2")
        .bind(organization_id)
        .bind(version)
        .fetch_one(pool)
        .await?;
    complete(pool, vec![row]).await?.pop().ok_or(StoreError::NotFound)
}

/// Creates a release, or adds the projects and the given details to an existing one; returns
/// whether it was created.
pub(super) async fn create_release(writes: &SqlitePool, new: &NewRelease) -> StoreResult<bool> {
    let mut tx = begin_write(writes).await?;
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM releases WHERE organization_id = $1 AND version = $2")
            .bind(new.organization_id)
            .bind(&new.version)
            .fetch_optional(&mut *tx)
            .await?;
    let (id, created) = match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE releases SET ref = COALESCE($2, ref), url = COALESCE($3, url), \
                 date_released = COALESCE($4, date_released), status = COALESCE($5, status) \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&new.reference)
            .bind(&new.url)
            .bind(new.date_released)
            .bind(&new.status)
            .execute(&mut *tx)
            .await?;
            (id, false)
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO releases (organization_id, version, ref, url, date_created, \
                 date_released, status) VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, 'open')) \
                 RETURNING id",
            )
            .bind(new.organization_id)
            .bind(&new.version)
            .bind(&new.reference)
            .bind(&new.url)
            .bind(now_ms())
            .bind(new.date_released)
            .bind(&new.status)
            .fetch_one(&mut *tx)
            .await?;
            (id, true)
        }
    };
    for project_id in &new.project_ids {
        sqlx::query(
            "INSERT OR IGNORE INTO release_projects (release_id, project_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(project_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// Changes a release's details.
pub(super) async fn update_release(
    writes: &SqlitePool,
    release_id: i64,
    change: &ReleaseChange,
) -> StoreResult<()> {
    let (set_date, date) = match change.date_released {
        Some(date) => (true, date),
        None => (false, None),
    };
    sqlx::query(
        "UPDATE releases SET ref = COALESCE($2, ref), url = COALESCE($3, url), \
         date_released = CASE WHEN $4 THEN $5 ELSE date_released END, \
         status = COALESCE($6, status) WHERE id = $1",
    )
    .bind(release_id)
    .bind(&change.reference)
    .bind(&change.url)
    .bind(set_date)
    .bind(date)
    .bind(&change.status)
    .execute(writes)
    .await?;
    Ok(())
}

/// Deletes a release with its project links and deploys.
pub(super) async fn delete_release(writes: &SqlitePool, release_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM releases WHERE id = $1").bind(release_id).execute(writes).await?;
    Ok(())
}

/// The deploys of a release, newest first.
pub(super) async fn deploys(pool: &SqlitePool, release_id: i64) -> StoreResult<Vec<DeployRow>> {
    let rows = sqlx::query(
        "SELECT * FROM deploys WHERE release_id = $1 ORDER BY date_finished DESC, id DESC",
    )
    .bind(release_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(deploy_from_row).collect())
}

/// Records a deploy.
pub(super) async fn create_deploy(
    writes: &SqlitePool,
    release_id: i64,
    deploy: &DeployRow,
) -> StoreResult<DeployRow> {
    let row = sqlx::query(
        "INSERT INTO deploys (release_id, environment, name, url, date_started, date_finished) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
    )
    .bind(release_id)
    .bind(&deploy.environment)
    .bind(&deploy.name)
    .bind(&deploy.url)
    .bind(deploy.date_started)
    .bind(deploy.date_finished)
    .fetch_one(writes)
    .await?;
    Ok(deploy_from_row(&row))
}

/// `AND column IN (...)` for a filter list starting at `$next`; empty when the list is.
pub(super) fn in_list(column: &str, len: usize, next: &mut usize) -> String {
    if len == 0 {
        return String::new();
    }
    let placeholders: Vec<String> = (0..len).map(|i| format!("${}", *next + i)).collect();
    *next += len;
    format!(" AND {column} IN ({})", placeholders.join(", "))
}

/// Events per hour matching a query (summed over its projects, releases and environments).
pub(super) async fn release_event_hours(
    pool: &SqlitePool,
    q: &SessionQuery,
) -> StoreResult<Vec<(i64, i64)>> {
    let mut next = 3;
    let mut filters = in_list("project_id", q.project_ids.len(), &mut next);
    filters.push_str(&in_list("release", q.releases.len(), &mut next));
    filters.push_str(&in_list("environment", q.environments.len(), &mut next));
    let sql = format!(
        "SELECT hour, SUM(events) AS events FROM release_event_hourly \
         WHERE hour >= $1 AND hour < $2{filters} GROUP BY hour ORDER BY hour"
    );
    let mut query = sqlx::query(&sql).bind(q.start_hour).bind(q.end_hour);
    for id in &q.project_ids {
        query = query.bind(*id);
    }
    for release in &q.releases {
        query = query.bind(release.clone());
    }
    for environment in &q.environments {
        query = query.bind(environment.clone());
    }
    let rows = query.fetch_all(pool).await?;
    Ok(rows.iter().map(|r| (r.get("hour"), r.get("events"))).collect())
}

/// The session counts and users matching a query.
pub(super) async fn session_buckets(
    pool: &SqlitePool,
    q: &SessionQuery,
) -> StoreResult<(Vec<SessionBucket>, Vec<UserBucket>)> {
    let mut next = 3;
    let mut filters = in_list("project_id", q.project_ids.len(), &mut next);
    filters.push_str(&in_list("release", q.releases.len(), &mut next));
    filters.push_str(&in_list("environment", q.environments.len(), &mut next));
    fn bind_all<'q>(
        sql: &'q str,
        q: &'q SessionQuery,
    ) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
        let mut query = sqlx::query(sql).bind(q.start_hour).bind(q.end_hour);
        for id in &q.project_ids {
            query = query.bind(*id);
        }
        for release in &q.releases {
            query = query.bind(release.clone());
        }
        for environment in &q.environments {
            query = query.bind(environment.clone());
        }
        query
    }
    // Summed per interval by SQLite: 90 days by day are 24 times fewer rows to hand over.
    let interval = q.interval.max(3_600);
    // Whole UTC days are summed from the daily counts (migration 0018): 24 times fewer rows.
    let (table, hour) = if interval % 86_400 == 0 && q.start_hour % 86_400 == 0 {
        ("session_daily", "day")
    } else {
        ("session_hourly", "hour")
    };
    let slot = format!("$1 + ({hour} - $1) / {interval} * {interval}");
    let sql = format!(
        "SELECT project_id, release, environment, {slot} AS hour, SUM(sessions) AS sessions, \
         SUM(errored) AS errored, SUM(crashed) AS crashed, SUM(abnormal) AS abnormal, \
         SUM(duration_sum) AS duration_sum, SUM(duration_count) AS duration_count \
         FROM {table} WHERE {hour} >= $1 AND {hour} < $2{filters} \
         GROUP BY project_id, release, environment, 4"
    );
    let buckets = bind_all(&sql, q)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| SessionBucket {
            project_id: r.get("project_id"),
            release: r.get("release"),
            environment: r.get("environment"),
            hour: r.get("hour"),
            sessions: r.get("sessions"),
            errored: r.get("errored"),
            crashed: r.get("crashed"),
            abnormal: r.get("abnormal"),
            duration_sum: r.get("duration_sum"),
            duration_count: r.get("duration_count"),
        })
        .collect();
    if !q.users {
        return Ok((buckets, Vec::new()));
    }
    // A user's bits over an interval: each bit set in any of its hours (flags are 1, 2, 4).
    let slot = format!("$1 + (hour - $1) / {interval} * {interval}");
    let sql = format!(
        "SELECT project_id, release, environment, {slot} AS hour, did, \
         MAX(flags & 1) | MAX(flags & 2) | MAX(flags & 4) AS flags \
         FROM session_users WHERE hour >= $1 AND hour < $2{filters} \
         GROUP BY project_id, release, environment, 4, did ORDER BY 4"
    );
    let users = bind_all(&sql, q)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| UserBucket {
            project_id: r.get("project_id"),
            release: r.get("release"),
            environment: r.get("environment"),
            hour: r.get("hour"),
            did: r.get("did"),
            flags: u8::try_from(r.get::<i64, _>("flags")).unwrap_or(0),
        })
        .collect();
    Ok((buckets, users))
}

/// Distinct users per day from `session_day_users`, and since an hour from the histogram of
/// users' last hours (`session_user_last_hours`, migration 0016): a few rows per (project,
/// release, environment) and day rather than one per user.
pub(super) async fn session_user_counts(
    pool: &SqlitePool,
    q: &UserCountQuery,
) -> StoreResult<UserCounts> {
    let mut next = 3;
    let mut filters = in_list("project_id", q.project_ids.len(), &mut next);
    filters.push_str(&in_list("release", q.releases.len(), &mut next));
    let mut environments: Vec<&str> = q.environments.iter().map(String::as_str).collect();
    if q.by_environment {
        filters.push_str(&format!(" AND environment != '{ALL_ENVIRONMENTS}'"));
    } else if environments.is_empty() {
        environments.push(ALL_ENVIRONMENTS);
    } else if environments.len() > 1 {
        return Err(StoreError::Corrupt(
            "users of several environments together cannot be read from their counts".into(),
        ));
    }
    filters.push_str(&in_list("environment", environments.len(), &mut next));
    fn bind_all<'q>(
        sql: &'q str,
        times: (i64, i64),
        q: &'q UserCountQuery,
        environments: &[&str],
    ) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
        let mut query = sqlx::query(sql).bind(times.0).bind(times.1);
        for id in &q.project_ids {
            query = query.bind(*id);
        }
        for release in &q.releases {
            query = query.bind(release.clone());
        }
        for environment in environments {
            query = query.bind(environment.to_string());
        }
        query
    }
    let sql = format!(
        "SELECT project_id, release, environment, day, users, errored, abnormal, crashed \
         FROM session_day_users WHERE day >= $1 AND day < $2{filters} AND users > 0"
    );
    let days = bind_all(&sql, (q.start_day, q.end_day), q, &environments)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| UserCount {
            project_id: r.get("project_id"),
            release: r.get("release"),
            environment: r.get("environment"),
            day: r.get("day"),
            users: r.get("users"),
            errored: Some(r.get("errored")),
            abnormal: Some(r.get("abnormal")),
            crashed: r.get("crashed"),
        })
        .collect();
    // `$2` is unused here but bound, so that both statements number their filters alike.
    let sql = format!(
        "SELECT project_id, release, environment, SUM(users) AS users, SUM(crashed) AS crashed \
         FROM session_user_last_hours WHERE hour >= $1 AND $2 = $2{filters} \
         GROUP BY project_id, release, environment HAVING SUM(users) > 0"
    );
    let totals = bind_all(&sql, (q.totals_since, 0), q, &environments)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| UserCount {
            project_id: r.get("project_id"),
            release: r.get("release"),
            environment: r.get("environment"),
            day: 0,
            users: r.get("users"),
            errored: None,
            abnormal: None,
            crashed: r.get("crashed"),
        })
        .collect();
    Ok(UserCounts { days, totals })
}

/// A value bound to one of [`release_health`]'s statements.
enum Bind<'a> {
    Int(i64),
    Text(&'a str),
}

/// The release list's health figures, each summed by SQLite over the aggregate tables rather
/// than read row by row: on 100 releases with 90 days of sessions that is the difference
/// between tens of thousands of rows crossing into Rust and a few hundred.
pub(super) async fn release_health(
    pool: &SqlitePool,
    q: &ReleaseHealthQuery,
) -> StoreResult<ReleaseHealth> {
    let mut out = ReleaseHealth::default();
    if q.project_ids.is_empty() {
        return Ok(out);
    }
    // The summary period read as whole days from `session_daily` and its uneven ends from
    // `session_hourly`: over 90 days that is a row per day instead of 24 (the hourly rows of
    // 100 releases over 90 days took 50 ms to sum, the daily ones a few). `$6`..`$11`: the
    // hours before the first midnight, the days, and the hours after the last midnight.
    let first_midnight = (q.summary_since + 86_399).div_euclid(86_400) * 86_400;
    let last_midnight = q.end.div_euclid(86_400) * 86_400;
    let (head, days, tail) = if first_midnight < last_midnight {
        ((q.summary_since, first_midnight), (first_midnight, last_midnight), (last_midnight, q.end))
    } else {
        ((q.summary_since, q.end), (q.end, q.end), (q.end, q.end))
    };
    // `$1`..`$11` are the times; the project, release and environment lists follow.
    let times = [
        q.any_since,
        q.summary_since,
        q.day_since,
        q.stats_since,
        q.end,
        head.0,
        head.1,
        days.0,
        days.1,
        tail.0,
        tail.1,
    ];
    let mut next = times.len() + 1;
    let projects = in_list("project_id", q.project_ids.len(), &mut next);
    let releases = in_list("release", q.releases.len(), &mut next);
    let environments = in_list("environment", q.environments.len(), &mut next);
    let rollup = q.stats_rollup.max(1);
    let mut binds: Vec<Bind<'_>> = times.iter().map(|t| Bind::Int(*t)).collect();
    binds.extend(q.project_ids.iter().map(|id| Bind::Int(*id)));
    binds.extend(q.releases.iter().map(|r| Bind::Text(r)));
    binds.extend(q.environments.iter().map(|e| Bind::Text(e)));
    let run = |sql: String| {
        let binds = &binds;
        async move {
            let mut query = sqlx::query(&sql);
            for bind in binds {
                query = match bind {
                    Bind::Int(n) => query.bind(*n),
                    Bind::Text(t) => query.bind(*t),
                };
            }
            query.fetch_all(pool).await
        }
    };

    // Sessions per (project, release): summary period and last 24 hours. Each part is a
    // range of its table's `(project_id, hour|day)` index; the 24 hours are read apart from
    // the summary's tail, which they overlap.
    let filters = format!("{projects}{releases}{environments}");
    let counts = "sessions, errored, crashed, abnormal";
    let rows = run(format!(
        "SELECT project_id, release, SUM(summary), SUM(summary * sessions), \
         SUM(summary * errored), SUM(summary * crashed), SUM(summary * abnormal), \
         SUM(day), SUM(day * sessions), MAX(sessions > 0) FROM (\
         SELECT project_id, release, 1 AS summary, 0 AS day, {counts} FROM session_daily \
         WHERE day >= $8 AND day < $9{filters} \
         UNION ALL SELECT project_id, release, 1, 0, {counts} FROM session_hourly \
         WHERE hour >= $6 AND hour < $7{filters} \
         UNION ALL SELECT project_id, release, 1, 0, {counts} FROM session_hourly \
         WHERE hour >= $10 AND hour < $11{filters} \
         UNION ALL SELECT project_id, release, 0, 1, {counts} FROM session_hourly \
         WHERE hour >= $3 AND hour < $5{filters}) GROUP BY project_id, release"
    ))
    .await?;
    // Whether each (project, release) has sessions at all since `any_since` (90 days): one
    // search of the primary key per pair that stops at the first row, rather than summing 90
    // days of hourly rows. Pairs that have sessions in the summary period are among them.
    let project_values: Vec<String> =
        (0..q.project_ids.len()).map(|i| format!("(${})", times.len() + 1 + i)).collect();
    let release_values: Vec<String> = (0..q.releases.len())
        .map(|i| format!("(${})", times.len() + 1 + q.project_ids.len() + i))
        .collect();
    if !q.releases.is_empty() {
        let any = run(format!(
            "WITH ps (id) AS (VALUES {}), rs (version) AS (VALUES {}) \
             SELECT ps.id, rs.version FROM ps, rs WHERE EXISTS (SELECT 1 FROM session_hourly \
             WHERE project_id = ps.id AND release = rs.version AND hour >= $1 AND hour < $5 \
             AND sessions > 0{environments})",
            project_values.join(", "),
            release_values.join(", ")
        ))
        .await?;
        for r in any {
            out.any.insert((r.get(0), r.get(1)));
        }
    }
    for r in rows {
        let key: (i64, String) = (r.get(0), r.get(1));
        let summary_rows: i64 = r.get(2);
        if summary_rows > 0 {
            out.summary.insert(
                key.clone(),
                HealthTotals {
                    rows: summary_rows,
                    sessions: r.get(3),
                    errored: r.get(4),
                    crashed: r.get(5),
                    abnormal: r.get(6),
                    ..HealthTotals::default()
                },
            );
        }
        let day_rows: i64 = r.get(7);
        if day_rows > 0 {
            out.day.insert(
                key.clone(),
                HealthTotals { rows: day_rows, sessions: r.get(8), ..HealthTotals::default() },
            );
        }
        if r.get::<Option<i64>, _>(9).unwrap_or(0) > 0 {
            out.any.insert(key);
        }
    }

    // Whole projects over the last 24 hours (adoption's denominator).
    let rows = run(format!(
        "SELECT project_id, COUNT(*), SUM(sessions) FROM session_hourly \
         WHERE hour >= $3 AND hour < $5{projects}{environments} GROUP BY project_id"
    ))
    .await?;
    for r in rows {
        out.project_day.insert(
            r.get(0),
            HealthTotals { rows: r.get(1), sessions: r.get(2), ..HealthTotals::default() },
        );
    }

    // Distinct users over periods that end now: the users whose last session is in them. With
    // all environments or one, the histogram of last hours has them summed by hour already;
    // several environments need the users themselves, to count each once.
    let environment = match q.environments.len() {
        // The environment list's own placeholder, or the constant that stands for all.
        0 => Some(format!(" AND environment = '{ALL_ENVIRONMENTS}'")),
        1 => Some(environments.clone()),
        _ => None,
    };
    let (users_sql, project_users_sql) = match environment.clone() {
        Some(environment) => (
            format!(
                "SELECT project_id, release, SUM(CASE WHEN hour >= $2 THEN users END), \
                     SUM(CASE WHEN hour >= $2 THEN crashed END), \
                     SUM(CASE WHEN hour >= $3 THEN users END) \
                     FROM session_user_last_hours WHERE hour >= MIN($2, $3)\
                     {projects}{releases}{environment} GROUP BY project_id, release"
            ),
            // Users summed by their last hour in the project (migration 0020).
            format!(
                "SELECT project_id, SUM(users) FROM session_project_user_last_hours \
                     WHERE hour >= $3{projects}{environment} GROUP BY project_id"
            ),
        ),
        None => (
            format!(
                "SELECT project_id, release, COUNT(DISTINCT did), \
                 COUNT(DISTINCT CASE WHEN last_crashed >= $2 THEN did END), \
                 COUNT(DISTINCT CASE WHEN last_hour >= $3 THEN did END) \
                 FROM session_user_latest INDEXED BY session_user_latest_hour \
                 WHERE last_hour >= MIN($2, $3){projects}{releases}{environments} \
                 GROUP BY project_id, release"
            ),
            format!(
                "SELECT project_id, COUNT(DISTINCT did) FROM session_project_user_latest \
                 WHERE last_hour >= $3{projects}{environments} GROUP BY project_id"
            ),
        ),
    };
    for r in run(users_sql).await? {
        let key: (i64, String) = (r.get(0), r.get(1));
        let count = |i: usize| r.get::<Option<i64>, _>(i).unwrap_or(0);
        let (users, crashed_users, day_users) = (count(2), count(3), count(4));
        if users > 0 {
            let summary = out.summary.entry(key.clone()).or_default();
            summary.users = users;
            summary.crashed_users = crashed_users;
        }
        if day_users > 0 {
            out.day.entry(key).or_default().users = day_users;
        }
    }
    for r in run(project_users_sql).await? {
        out.project_day.entry(r.get(0)).or_default().users = r.get(1);
    }

    // The series: sessions, or distinct users per bucket (which need the hourly user rows).
    let slot = format!("$4 + (hour - $4) / {rollup} * {rollup}");
    let sql = if let (true, 86_400, Some(environment)) = (q.stats_users, rollup, &environment) {
        // Whole days (the series' buckets start at midnight UTC) have their users counted
        // (migration 0018).
        format!(
            "SELECT project_id, release, day, users FROM session_day_users \
             WHERE day >= $4 AND day < $5{projects}{releases}{environment}"
        )
    } else if q.stats_users {
        format!(
            "SELECT project_id, release, {slot}, COUNT(DISTINCT did) FROM session_users \
             WHERE hour >= $4 AND hour < $5{projects}{releases}{environments} \
             GROUP BY 1, 2, 3"
        )
    } else {
        format!(
            "SELECT project_id, release, {slot}, SUM(sessions) FROM session_hourly \
             WHERE hour >= $4 AND hour < $5{projects}{releases}{environments} \
             GROUP BY 1, 2, 3"
        )
    };
    for r in run(sql).await? {
        out.stats.insert((r.get(0), r.get(1), r.get(2)), r.get(3));
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::SqliteStore;
    use super::*;
    use crate::store::Store;

    /// (environment, hour, users) rows.
    type HourUsers = Vec<(String, i64, i64)>;

    /// (release, environment, hour, sessions, errored, crashed, abnormal).
    type HourlyRow = (&'static str, &'static str, i64, i64, i64, i64, i64);

    /// Each project's users by the hour of their last session, as the triggers of migration
    /// 0020 keep them, next to the same counted from `session_user_latest` itself.
    fn project_users_both_ways(conn: &Connection) -> (HourUsers, HourUsers) {
        let rows = |sql: &str| -> HourUsers {
            let mut statement = conn.prepare(sql).expect("statement");
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .expect("query")
                .map(|row| row.expect("row"))
                .collect()
        };
        let kept = rows(
            "SELECT environment, hour, users FROM session_project_user_last_hours \
             WHERE users != 0 ORDER BY 1, 2",
        );
        let counted = rows(
            "SELECT environment, last, COUNT(*) FROM (SELECT environment, did, \
             MAX(last_hour) AS last FROM session_user_latest GROUP BY environment, did) \
             GROUP BY 1, 2 ORDER BY 1, 2",
        );
        (kept, counted)
    }

    /// A store on a fresh file with the default organization, its project's id, and a
    /// rusqlite connection to the same file (as the event writer has).
    pub(in crate::store::sqlite) async fn store_with_project(
    ) -> (tempfile::TempDir, SqliteStore, i64, Connection) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("cairn.db");
        let store =
            SqliteStore::connect(&format!("sqlite:{}", path.display())).await.expect("store opens");
        let org = store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        let project = store.projects(org.id).await.expect("projects")[0].id;
        let conn = Connection::open(&path).expect("write connection");
        (dir, store, project, conn)
    }

    /// A user is counted once per project at the last hour of any of their releases, in their
    /// environment and in all ('/'), and moves when a later session comes, not an earlier one.
    #[tokio::test]
    async fn project_users_follow_their_last_session_across_releases() {
        let (_dir, store, project, conn) = store_with_project().await;
        let hour = |h: i64| 1_790_000_000 / 3_600 * 3_600 + h * 3_600;
        let user = |release: &str, environment: &str, h: i64, did: &str| {
            let key = (project, release.to_owned(), environment.to_owned(), hour(h));
            ((key, did.to_owned()), 0u8)
        };
        let batches = [
            // u1 in two releases (the later hour counts), u2 in one.
            vec![
                user("a@1", "prod", 0, "u1"),
                user("a@2", "prod", 2, "u1"),
                user("a@1", "prod", 1, "u2"),
            ],
            // u1 again, earlier than their last: no move. u2 later in another environment.
            vec![user("a@1", "prod", 1, "u1"), user("a@1", "staging", 3, "u2")],
            // u1 later in the release whose hour was not the last.
            vec![user("a@1", "prod", 5, "u1")],
        ];
        let expected: [&[(&str, i64, i64)]; 3] = [
            &[("/", 1, 1), ("/", 2, 1), ("prod", 1, 1), ("prod", 2, 1)],
            &[("/", 2, 1), ("/", 3, 1), ("prod", 1, 1), ("prod", 2, 1), ("staging", 3, 1)],
            &[("/", 3, 1), ("/", 5, 1), ("prod", 1, 1), ("prod", 5, 1), ("staging", 3, 1)],
        ];
        for (batch, expected) in batches.iter().zip(expected) {
            write_user_latest(&conn, batch).expect("users written");
            let (kept, counted) = project_users_both_ways(&conn);
            let expected: Vec<(String, i64, i64)> =
                expected.iter().map(|(e, h, n)| (e.to_string(), hour(*h), *n)).collect();
            assert_eq!(kept, expected);
            assert_eq!(counted, expected);
        }

        // The release list's 24-hour project users, from the kept counts.
        let query = ReleaseHealthQuery {
            project_ids: vec![project],
            releases: vec!["a@1".into(), "a@2".into()],
            environments: Vec::new(),
            any_since: hour(0),
            summary_since: hour(0),
            day_since: hour(2),
            stats_since: hour(0),
            stats_rollup: 3_600,
            stats_users: false,
            end: hour(6),
        };
        let health = store.release_health(&query).await.expect("health");
        assert_eq!(health.project_day.get(&project).map(|t| t.users), Some(2));
        let query = ReleaseHealthQuery {
            environments: vec!["prod".into(), "staging".into()],
            day_since: hour(4),
            ..query
        };
        let health = store.release_health(&query).await.expect("health");
        assert_eq!(health.project_day.get(&project).map(|t| t.users), Some(1));
    }

    /// The summary totals read from whole days of `session_daily` and the hours at both ends
    /// of `session_hourly` equal the hourly rows summed over the period, for periods that
    /// start and end at any hour, shorter or longer than a day.
    #[tokio::test]
    async fn summaries_add_up_days_and_hours_as_the_hours_alone() {
        let (_dir, store, project, conn) = store_with_project().await;
        let midnight = 1_790_000_000 / 86_400 * 86_400;
        let hour = |h: i64| midnight + h * 3_600;
        // Four days of hours, two releases and environments, counts that differ per row.
        let mut rows: Vec<HourlyRow> = Vec::new();
        for h in 0..96 {
            for (r, release) in ["a@1", "a@2"].iter().enumerate() {
                for (e, environment) in ["prod", "staging"].iter().enumerate() {
                    let n = h + 7 * r as i64 + 3 * e as i64;
                    rows.push((*release, *environment, hour(h), n % 11 + 1, n % 5, n % 3, n % 2));
                }
            }
        }
        for (release, environment, at, sessions, errored, crashed, abnormal) in &rows {
            conn.execute(
                "INSERT INTO session_hourly (project_id, release, environment, hour, sessions, \
                 errored, crashed, abnormal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    project,
                    release,
                    environment,
                    at,
                    sessions,
                    errored,
                    crashed,
                    abnormal
                ],
            )
            .expect("hourly row");
        }
        // (summary start, end) in hours: over days, within a day, from and to a midnight.
        for (from, to) in [(5, 90), (30, 41), (24, 72), (0, 96), (47, 49), (13, 60)] {
            let query = ReleaseHealthQuery {
                project_ids: vec![project],
                releases: vec!["a@1".into(), "a@2".into()],
                environments: vec!["prod".into()],
                any_since: hour(0),
                summary_since: hour(from),
                day_since: hour(to - 24),
                stats_since: hour(from),
                stats_rollup: 3_600,
                stats_users: false,
                end: hour(to),
            };
            let health = store.release_health(&query).await.expect("health");
            for release in ["a@1", "a@2"] {
                let sum = |since: i64, pick: fn(&HourlyRow) -> i64| {
                    rows.iter()
                        .filter(|row| row.0 == release && row.1 == "prod")
                        .filter(|row| row.2 >= since && row.2 < hour(to))
                        .map(pick)
                        .sum::<i64>()
                };
                let summary = &health.summary[&(project, release.to_owned())];
                let case = format!("{release} over hours {from}..{to}");
                assert_eq!(summary.sessions, sum(hour(from), |r| r.3), "{case}");
                assert_eq!(summary.errored, sum(hour(from), |r| r.4), "{case}");
                assert_eq!(summary.crashed, sum(hour(from), |r| r.5), "{case}");
                assert_eq!(summary.abnormal, sum(hour(from), |r| r.6), "{case}");
                let day = &health.day[&(project, release.to_owned())];
                assert_eq!(day.sessions, sum(hour(to - 24), |r| r.3), "{case}");
                assert_eq!(day.rows, 24, "{case}");
            }
        }
    }

    /// Migration 0020 fills the per-project last hours from the users stored before it.
    #[tokio::test]
    async fn migration_0020_counts_the_users_stored_before_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        // The migrations before 0020, run on a new database.
        let (path, pool) = super::super::database_before(&dir, "0020").await;
        // u1 in two releases of prod (last at hour 5), u2 in prod and staging, and each in
        // all environments ('/'), as ingestion stores them, in project 7.
        for sql in [
            "INSERT INTO organizations (id, slug, name, date_created) VALUES (1, 'o', 'O', 0)",
            "INSERT INTO projects (id, organization_id, slug, name, date_created) \
             VALUES (7, 1, 'p', 'P', 0)",
        ] {
            sqlx::query(sql).execute(&pool).await.expect("project");
        }
        let rows = [
            ("a@1", "prod", "u1", 2),
            ("a@2", "prod", "u1", 5),
            ("a@1", "/", "u1", 2),
            ("a@2", "/", "u1", 5),
            ("a@1", "prod", "u2", 3),
            ("a@1", "staging", "u2", 4),
            ("a@1", "/", "u2", 4),
        ];
        for (release, environment, did, hour) in rows {
            sqlx::query(
                "INSERT INTO session_user_latest (project_id, release, environment, did, \
                 last_hour) VALUES (7, $1, $2, $3, $4)",
            )
            .bind(release)
            .bind(environment)
            .bind(did)
            .bind(hour)
            .execute(&pool)
            .await
            .expect("stored user");
        }
        pool.close().await;
        // Opening the store runs 0020 and what follows.
        let _store = SqliteStore::connect(&format!("sqlite:{}", path.display()))
            .await
            .expect("store opens and migrates");
        let conn = Connection::open(&path).expect("connection");
        let mut statement = conn
            .prepare(
                "SELECT environment, hour, users FROM session_project_user_last_hours \
                 WHERE project_id = 7 ORDER BY 1, 2",
            )
            .expect("statement");
        let kept: Vec<(String, i64, i64)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("query")
            .map(|row| row.expect("row"))
            .collect();
        let expected: Vec<(String, i64, i64)> =
            [("/", 4, 1), ("/", 5, 1), ("prod", 3, 1), ("prod", 5, 1), ("staging", 4, 1)]
                .iter()
                .map(|(e, h, n)| (e.to_string(), *h, *n))
                .collect();
        assert_eq!(kept, expected);
    }
}
