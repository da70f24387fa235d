//! Cron monitors in SQLite: check-ins as Sentry's monitor consumer records them, the clock
//! that finds missed and timed-out ones, and the monitors' reads and changes.
//!
//! A check-in and everything it changes (the monitor's upsert, its environment's next
//! expected time and status, the failure issue's resolution) are one transaction on the sqlx
//! write connection, which takes the write lock first (`begin_write`). Check-ins are few (one
//! or two per job run), so they do not go through the event writer's group commit.

use sqlx::SqliteConnection;

use super::*;
use crate::ingest::check_in::{CheckInStatus, NewCheckIn};
use crate::monitors::failure_reason;
use crate::monitors::schedule::MonitorConfig;

/// The most overdue environments or timed-out check-ins one clock tick handles (the next tick
/// takes the rest).
const CLOCK_BATCH: i64 = 1000;

/// A monitor as the check-in logic needs it.
struct Monitor {
    id: i64,
    guid: String,
    project_id: i64,
    slug: String,
    name: String,
    status: String,
    is_muted: bool,
    config_json: String,
    config: MonitorConfig,
}

/// A monitor environment as the check-in logic needs it.
struct Environment {
    id: i64,
    name: String,
    status: String,
    is_muted: bool,
    next_checkin: Option<i64>,
}

/// The monitor columns, prefixed `m_`, that [`monitor_from_row`] reads.
const MONITOR_COLUMNS: &str = "m.id AS m_id, m.guid AS m_guid, m.project_id AS m_project_id, \
     m.slug AS m_slug, m.name AS m_name, m.status AS m_status, m.is_muted AS m_is_muted, \
     m.config AS m_config, m.date_created AS m_date_created";

/// The environment columns, prefixed `e_`, that [`environment_from_row`] reads.
const ENVIRONMENT_COLUMNS: &str = "e.id AS e_id, e.environment AS e_environment, \
     e.status AS e_status, e.is_muted AS e_is_muted, e.next_checkin AS e_next_checkin";

/// `None` when the stored configuration no longer reads (written by a later version): such a
/// monitor is left alone.
fn monitor_from_row(row: &SqliteRow) -> StoreResult<Option<Monitor>> {
    let config_json: String = row.try_get("m_config")?;
    let Some(config) = serde_json::from_str(&config_json)
        .ok()
        .and_then(|config| MonitorConfig::from_api(&config).ok())
    else {
        tracing::warn!(config = config_json, "a monitor's stored configuration does not read");
        return Ok(None);
    };
    Ok(Some(Monitor {
        id: row.try_get("m_id")?,
        guid: row.try_get("m_guid")?,
        project_id: row.try_get("m_project_id")?,
        slug: row.try_get("m_slug")?,
        name: row.try_get("m_name")?,
        status: row.try_get("m_status")?,
        is_muted: row.try_get("m_is_muted")?,
        config_json,
        config,
    }))
}

fn environment_from_row(row: &SqliteRow) -> StoreResult<Environment> {
    Ok(Environment {
        id: row.try_get("e_id")?,
        name: row.try_get("e_environment")?,
        status: row.try_get("e_status")?,
        is_muted: row.try_get("e_is_muted")?,
        next_checkin: row.try_get("e_next_checkin")?,
    })
}

async fn find_monitor(
    conn: &mut SqliteConnection,
    project_id: i64,
    slug: &str,
) -> StoreResult<Option<Monitor>> {
    let row = sqlx::query(&format!(
        "SELECT {MONITOR_COLUMNS} FROM monitors m WHERE m.project_id = $1 AND m.slug = $2"
    ))
    .bind(project_id)
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => monitor_from_row(&row),
        None => Ok(None),
    }
}

/// The monitor's environment `name`, created on its first check-in.
async fn environment(
    conn: &mut SqliteConnection,
    monitor_id: i64,
    name: &str,
    now: i64,
) -> StoreResult<Environment> {
    let created = sqlx::query(
        "INSERT INTO monitor_environments (monitor_id, environment, date_created) \
         VALUES ($1, $2, $3) ON CONFLICT (monitor_id, environment) DO NOTHING",
    )
    .bind(monitor_id)
    .bind(name)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    if created {
        // The project's environments (the settings' list and the pickers) name it too, as
        // Sentry's do; events and sessions are recorded by the event writer.
        sqlx::query(
            "INSERT INTO environments (organization_id, name, date_added) \
             SELECT p.organization_id, $2, $3 FROM monitors m \
             JOIN projects p ON p.id = m.project_id WHERE m.id = $1 \
             ON CONFLICT (organization_id, name) DO NOTHING",
        )
        .bind(monitor_id)
        .bind(name)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO environment_projects (project_id, environment_id) \
             SELECT m.project_id, e.id FROM monitors m JOIN projects p ON p.id = m.project_id \
             JOIN environments e ON e.organization_id = p.organization_id AND e.name = $2 \
             WHERE m.id = $1",
        )
        .bind(monitor_id)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    }
    let row = sqlx::query(&format!(
        "SELECT {ENVIRONMENT_COLUMNS} FROM monitor_environments e \
         WHERE e.monitor_id = $1 AND e.environment = $2"
    ))
    .bind(monitor_id)
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    environment_from_row(&row)
}

/// Unix milliseconds at the start of their minute: Sentry's schedules count in minutes.
fn minute_of(ms: i64) -> i64 {
    ms - ms.rem_euclid(60_000)
}

pub(super) async fn record_check_in(
    writes: &SqlitePool,
    project_id: i64,
    check_in: &NewCheckIn,
    now: i64,
) -> StoreResult<CheckInRecorded> {
    let mut tx = begin_write(writes).await?;
    let existing = find_monitor(&mut tx, project_id, &check_in.monitor_slug).await?;
    let monitor = match (existing, &check_in.config) {
        (None, None) => return Ok(CheckInRecorded::Dropped("monitor_not_found")),
        (None, Some(config)) => {
            // Sentry names a monitor created by a check-in after its slug.
            let slug = &check_in.monitor_slug;
            create(&mut *tx, project_id, slug, slug, &config.to_api().to_string(), now).await?;
            find_monitor(&mut tx, project_id, &check_in.monitor_slug)
                .await?
                .ok_or(StoreError::NotFound)?
        }
        (Some(mut monitor), Some(config)) => {
            let config_json = config.to_api().to_string();
            if config_json != monitor.config_json {
                sqlx::query("UPDATE monitors SET config = $1 WHERE id = $2")
                    .bind(&config_json)
                    .bind(monitor.id)
                    .execute(&mut *tx)
                    .await?;
                monitor.config = config.clone();
                monitor.config_json = config_json;
            }
            monitor
        }
        (Some(monitor), None) => monitor,
    };
    if monitor.status == "disabled" {
        return Ok(CheckInRecorded::Dropped("monitor_disabled"));
    }
    let env = environment(&mut tx, monitor.id, &check_in.environment, now).await?;

    // The check-in this one updates: the one its id names, or without an id, for a final
    // status, the environment's latest in progress (HTTP check-ins rarely carry ids).
    let open = match (&check_in.check_in_id, check_in.status) {
        (Some(guid), _) => {
            sqlx::query(
                "SELECT id, guid, status, date_created FROM monitor_checkins \
                 WHERE monitor_environment_id = $1 AND guid = $2 ORDER BY id DESC LIMIT 1",
            )
            .bind(env.id)
            .bind(guid)
            .fetch_optional(&mut *tx)
            .await?
        }
        (None, CheckInStatus::Ok | CheckInStatus::Error) => {
            sqlx::query(
                "SELECT id, guid, status, date_created FROM monitor_checkins \
                 WHERE monitor_environment_id = $1 AND status = 'in_progress' \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(env.id)
            .fetch_optional(&mut *tx)
            .await?
        }
        (None, CheckInStatus::InProgress) => None,
    };
    match open {
        Some(open) => {
            let status: String = open.try_get("status")?;
            if status != "in_progress" {
                // Sentry drops an update of a check-in that has finished (or timed out).
                return Ok(CheckInRecorded::Dropped("checkin_finished"));
            }
            let id: i64 = open.try_get("id")?;
            let started: i64 = open.try_get("date_created")?;
            if check_in.status == CheckInStatus::InProgress {
                sqlx::query("UPDATE monitor_checkins SET date_updated = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                let duration = check_in.duration_ms.unwrap_or(now - started).max(0);
                sqlx::query(
                    "UPDATE monitor_checkins SET status = $1, duration = $2, date_updated = $3, \
                     timeout_at = NULL WHERE id = $4",
                )
                .bind(check_in.status.as_str())
                .bind(duration)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        None => {
            let guid = check_in
                .check_in_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
            let in_progress = check_in.status == CheckInStatus::InProgress;
            sqlx::query(
                "INSERT INTO monitor_checkins (guid, monitor_environment_id, status, duration, \
                 date_created, date_updated, expected_time, timeout_at, trace_id, monitor_config) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)",
            )
            .bind(&guid)
            .bind(env.id)
            .bind(check_in.status.as_str())
            .bind(if in_progress { None } else { check_in.duration_ms })
            .bind(now)
            .bind(env.next_checkin)
            .bind(in_progress.then(|| minute_of(now) + monitor.config.max_runtime_ms()))
            .bind(&check_in.trace_id)
            .bind(&monitor.config_json)
            .execute(&mut *tx)
            .await?;
            // A new run: the schedule's next tick after it is the next expected check-in.
            let next = monitor.config.next_expected_ms(now);
            sqlx::query(
                "UPDATE monitor_environments SET last_checkin = $1, next_checkin = $2, \
                 next_checkin_latest = $3 WHERE id = $4",
            )
            .bind(now)
            .bind(next)
            .bind(next.map(|next| next + monitor.config.margin_ms()))
            .bind(env.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    let failure = match check_in.status {
        CheckInStatus::InProgress => None,
        CheckInStatus::Ok => {
            mark_ok(&mut tx, &monitor, &env, now).await?;
            None
        }
        CheckInStatus::Error => {
            let trace = check_in.trace_id.clone();
            mark_failed(&mut tx, &monitor, &env, trace).await?.map(Box::new)
        }
    };
    tx.commit().await?;
    Ok(CheckInRecorded::Recorded { failure })
}

/// The statuses of the environment's latest `count` finished check-ins, the latest recorded
/// first (in the order they happened to the monitor: a missed check-in is dated at its
/// expected time, but happens when the clock finds it).
async fn latest_statuses(
    conn: &mut SqliteConnection,
    environment_id: i64,
    count: i64,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT status FROM monitor_checkins \
         WHERE monitor_environment_id = $1 AND status != 'in_progress' \
         ORDER BY date_updated DESC, id DESC LIMIT $2",
    )
    .bind(environment_id)
    .bind(count)
    .fetch_all(&mut *conn)
    .await?)
}

/// A successful check-in: a failing environment recovers once its latest check-ins (the
/// recovery threshold of them) are all successful, and its failure issue is resolved.
async fn mark_ok(
    conn: &mut SqliteConnection,
    monitor: &Monitor,
    env: &Environment,
    now: i64,
) -> StoreResult<()> {
    match env.status.as_str() {
        "error" => {
            let threshold = monitor.config.recovery_threshold();
            let latest = latest_statuses(conn, env.id, threshold).await?;
            if latest.len() as i64 != threshold || latest.iter().any(|status| status != "ok") {
                return Ok(());
            }
            let issue_id: Option<i64> = sqlx::query_scalar(
                "UPDATE monitor_environments SET status = 'ok' WHERE id = $1 RETURNING issue_id",
            )
            .bind(env.id)
            .fetch_one(&mut *conn)
            .await?;
            let Some(issue_id) = issue_id else { return Ok(()) };
            let resolved = sqlx::query(
                "UPDATE issues SET status = 'resolved', substatus = NULL, status_details = '{}', \
                 snooze_until = NULL, snooze_times_seen = NULL, snooze_user_count = NULL, \
                 snooze_window_ms = NULL, snooze_user_window_ms = NULL \
                 WHERE id = $1 AND status = 'unresolved'",
            )
            .bind(issue_id)
            .execute(&mut *conn)
            .await?;
            if resolved.rows_affected() == 0 {
                return Ok(());
            }
            record_activity(conn, issue_id, "set_resolved", None, "{}", now).await?;
            Ok(())
        }
        "active" => {
            sqlx::query("UPDATE monitor_environments SET status = 'ok' WHERE id = $1")
                .bind(env.id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A failed check-in (error, missed or timeout), already stored: the environment fails once
/// its latest check-ins (the failure threshold of them) have all failed, and every failure
/// while it fails is an event of its failure issue, unless the monitor is muted.
async fn mark_failed(
    conn: &mut SqliteConnection,
    monitor: &Monitor,
    env: &Environment,
    trace_id: Option<String>,
) -> StoreResult<Option<MonitorFailure>> {
    let already_failing = env.status == "error";
    let threshold = if already_failing { 1 } else { monitor.config.failure_threshold() };
    let latest = latest_statuses(conn, env.id, threshold).await?;
    let failed = |status: &String| matches!(status.as_str(), "error" | "missed" | "timeout");
    if !already_failing {
        if latest.len() as i64 != threshold || !latest.iter().all(failed) {
            return Ok(None);
        }
        sqlx::query("UPDATE monitor_environments SET status = 'error' WHERE id = $1")
            .bind(env.id)
            .execute(&mut *conn)
            .await?;
    }
    if monitor.is_muted || env.is_muted {
        return Ok(None);
    }
    let last_ok: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(date_created) FROM monitor_checkins \
         WHERE monitor_environment_id = $1 AND status = 'ok'",
    )
    .bind(env.id)
    .fetch_one(&mut *conn)
    .await?;
    let statuses: Vec<&str> = latest.iter().map(String::as_str).collect();
    Ok(Some(MonitorFailure {
        project_id: monitor.project_id,
        monitor_environment_id: env.id,
        monitor_guid: monitor.guid.clone(),
        monitor_slug: monitor.slug.clone(),
        monitor_name: monitor.name.clone(),
        config: monitor.config_json.clone(),
        environment: env.name.clone(),
        reason: failure_reason(&statuses),
        last_ok,
        trace_id,
    }))
}

pub(super) async fn clock(
    reads: &SqlitePool,
    writes: &SqlitePool,
    now: i64,
) -> StoreResult<Vec<MonitorFailure>> {
    // Most ticks find nothing due: they ask a read connection, and take the write lock (which
    // the event writer waits for) only when there is something to write.
    let due: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM monitor_environments WHERE next_checkin_latest <= $1) \
         OR EXISTS (SELECT 1 FROM monitor_checkins \
                    WHERE status = 'in_progress' AND timeout_at <= $1)",
    )
    .bind(now)
    .fetch_one(reads)
    .await?;
    if !due {
        return Ok(Vec::new());
    }
    let mut tx = begin_write(writes).await?;
    let mut failures = Vec::new();

    // Missed: the margin after the expected time passed without a check-in.
    let overdue = sqlx::query(&format!(
        "SELECT {MONITOR_COLUMNS}, {ENVIRONMENT_COLUMNS} FROM monitor_environments e \
         JOIN monitors m ON m.id = e.monitor_id \
         WHERE e.next_checkin_latest <= $1 AND m.status = 'active' LIMIT $2"
    ))
    .bind(now)
    .bind(CLOCK_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for row in &overdue {
        let env = environment_from_row(row)?;
        let Some(monitor) = monitor_from_row(row)? else {
            sqlx::query(
                "UPDATE monitor_environments SET next_checkin = NULL, next_checkin_latest = NULL \
                 WHERE id = $1",
            )
            .bind(env.id)
            .execute(&mut *tx)
            .await?;
            continue;
        };
        let Some(expected) = env.next_checkin else { continue };
        // Sentry dates a missed check-in at the time it was expected.
        sqlx::query(
            "INSERT INTO monitor_checkins (guid, monitor_environment_id, status, date_created, \
             date_updated, expected_time, monitor_config) VALUES ($1, $2, 'missed', $3, $4, $3, $5)",
        )
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(env.id)
        .bind(expected)
        .bind(now)
        .bind(&monitor.config_json)
        .execute(&mut *tx)
        .await?;
        // The next expected tick still ahead: one missed check-in stands for a whole gap (a
        // server that was down for a day does not write a day of minutely misses).
        let margin = monitor.config.margin_ms();
        let mut next = monitor.config.next_expected_ms(expected);
        for _ in 0..100_000 {
            match next {
                Some(tick) if tick + margin <= now => next = monitor.config.next_expected_ms(tick),
                _ => break,
            }
        }
        sqlx::query(
            "UPDATE monitor_environments SET next_checkin = $1, next_checkin_latest = $2 \
             WHERE id = $3",
        )
        .bind(next)
        .bind(next.map(|next| next + margin))
        .bind(env.id)
        .execute(&mut *tx)
        .await?;
        failures.extend(mark_failed(&mut tx, &monitor, &env, None).await?);
    }

    // Timed out: in progress for longer than the monitor's run time.
    let timed_out = sqlx::query(&format!(
        "SELECT c.id AS c_id, c.trace_id AS c_trace_id, {MONITOR_COLUMNS}, {ENVIRONMENT_COLUMNS} \
         FROM monitor_checkins c \
         JOIN monitor_environments e ON e.id = c.monitor_environment_id \
         JOIN monitors m ON m.id = e.monitor_id \
         WHERE c.status = 'in_progress' AND c.timeout_at <= $1 LIMIT $2"
    ))
    .bind(now)
    .bind(CLOCK_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for row in &timed_out {
        sqlx::query(
            "UPDATE monitor_checkins SET status = 'timeout', date_updated = $1, timeout_at = NULL \
             WHERE id = $2",
        )
        .bind(now)
        .bind(row.try_get::<i64, _>("c_id")?)
        .execute(&mut *tx)
        .await?;
        let Some(monitor) = monitor_from_row(row)? else { continue };
        if monitor.status != "active" {
            continue;
        }
        // Re-read: a missed check-in of this tick may have made it fail already.
        let env = environment_from_row(row)?;
        let status: String =
            sqlx::query_scalar("SELECT status FROM monitor_environments WHERE id = $1")
                .bind(env.id)
                .fetch_one(&mut *tx)
                .await?;
        let env = Environment { status, ..env };
        let trace_id: Option<String> = row.try_get("c_trace_id")?;
        failures.extend(mark_failed(&mut tx, &monitor, &env, trace_id).await?);
    }
    tx.commit().await?;
    Ok(failures)
}

pub(super) async fn set_issue(
    writes: &SqlitePool,
    monitor_environment_id: i64,
    issue_id: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE monitor_environments SET issue_id = $1 WHERE id = $2")
        .bind(issue_id)
        .bind(monitor_environment_id)
        .execute(writes)
        .await?;
    Ok(())
}

pub(super) async fn create(
    conn: impl sqlx::SqliteExecutor<'_>,
    project_id: i64,
    slug: &str,
    name: &str,
    config: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO monitors (guid, project_id, slug, name, config, date_created) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().hyphenated().to_string())
    .bind(project_id)
    .bind(slug)
    .bind(name)
    .bind(config)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn update(
    writes: &SqlitePool,
    monitor_id: i64,
    change: &MonitorChange,
) -> StoreResult<()> {
    let mut tx = begin_write(writes).await?;
    let updated = sqlx::query(
        "UPDATE monitors SET name = COALESCE($1, name), slug = COALESCE($2, slug), \
         status = COALESCE($3, status), is_muted = COALESCE($4, is_muted), \
         config = COALESCE($5, config) WHERE id = $6 RETURNING config, status",
    )
    .bind(&change.name)
    .bind(&change.slug)
    .bind(&change.status)
    .bind(change.is_muted)
    .bind(&change.config)
    .bind(monitor_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(updated) = updated else { return Err(StoreError::NotFound) };
    if change.status.as_deref() == Some("disabled") {
        // A paused monitor expects nothing (and the clock has nothing to look at).
        sqlx::query(
            "UPDATE monitor_environments SET next_checkin = NULL, next_checkin_latest = NULL \
             WHERE monitor_id = $1",
        )
        .bind(monitor_id)
        .execute(&mut *tx)
        .await?;
    }
    let config: String = updated.try_get("config")?;
    let config = serde_json::from_str(&config).ok().and_then(|c| MonitorConfig::from_api(&c).ok());
    // A new schedule, or a monitor enabled again: the next expected check-ins start over from
    // the latest (or, after a pause, from now), so that a pause does not read as a miss.
    let restart_from_now = change.status.as_deref() == Some("active");
    let active = updated.try_get::<String, _>("status")? == "active";
    if let (Some(config), true) = (config, active && (change.config.is_some() || restart_from_now))
    {
        let environments: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, last_checkin FROM monitor_environments WHERE monitor_id = $1",
        )
        .bind(monitor_id)
        .fetch_all(&mut *tx)
        .await?;
        let now = now_ms();
        for (id, last_checkin) in environments {
            let Some(reference) = (if restart_from_now { Some(now) } else { last_checkin }) else {
                continue;
            };
            let next = config.next_expected_ms(reference);
            sqlx::query(
                "UPDATE monitor_environments SET next_checkin = $1, next_checkin_latest = $2 \
                 WHERE id = $3",
            )
            .bind(next)
            .bind(next.map(|next| next + config.margin_ms()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The monitor rows, with their environments.
async fn with_environments(
    pool: &SqlitePool,
    rows: Vec<SqliteRow>,
) -> StoreResult<Vec<MonitorRow>> {
    let mut monitors = Vec::with_capacity(rows.len());
    for row in &rows {
        monitors.push(MonitorRow {
            id: row.try_get("m_id")?,
            guid: row.try_get("m_guid")?,
            project_id: row.try_get("m_project_id")?,
            slug: row.try_get("m_slug")?,
            name: row.try_get("m_name")?,
            status: row.try_get("m_status")?,
            is_muted: row.try_get("m_is_muted")?,
            config: row.try_get("m_config")?,
            date_created: row.try_get("m_date_created")?,
            environments: Vec::new(),
        });
    }
    if monitors.is_empty() {
        return Ok(monitors);
    }
    let placeholders = vec!["?"; monitors.len()].join(", ");
    let sql = format!(
        "SELECT monitor_id, id, environment, status, is_muted, last_checkin, next_checkin, \
         next_checkin_latest, issue_id FROM monitor_environments \
         WHERE monitor_id IN ({placeholders}) \
         ORDER BY last_checkin IS NULL, last_checkin DESC, id"
    );
    let mut query = sqlx::query(&sql);
    for monitor in &monitors {
        query = query.bind(monitor.id);
    }
    let index: std::collections::HashMap<i64, usize> =
        monitors.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for row in query.fetch_all(pool).await? {
        let monitor_id: i64 = row.try_get("monitor_id")?;
        let Some(&i) = index.get(&monitor_id) else { continue };
        monitors[i].environments.push(MonitorEnvironmentRow {
            id: row.try_get("id")?,
            environment: row.try_get("environment")?,
            status: row.try_get("status")?,
            is_muted: row.try_get("is_muted")?,
            last_checkin: row.try_get("last_checkin")?,
            next_checkin: row.try_get("next_checkin")?,
            next_checkin_latest: row.try_get("next_checkin_latest")?,
            issue_id: row.try_get("issue_id")?,
        });
    }
    Ok(monitors)
}

pub(super) async fn monitors(
    pool: &SqlitePool,
    project_ids: &[i64],
) -> StoreResult<Vec<MonitorRow>> {
    if project_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; project_ids.len()].join(", ");
    let sql = format!(
        "SELECT {MONITOR_COLUMNS} FROM monitors m WHERE m.project_id IN ({placeholders}) \
         ORDER BY m.name, m.id"
    );
    let mut query = sqlx::query(&sql);
    for id in project_ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(pool).await?;
    let mut monitors = with_environments(pool, rows).await?;
    // Failing monitors first, disabled ones last, as Sentry's list sorts them; the sort is
    // stable, so by name within each group.
    monitors.sort_by_key(|m| {
        (m.status == "disabled", !m.environments.iter().any(|env| env.status == "error"))
    });
    Ok(monitors)
}

pub(super) async fn monitor(
    pool: &SqlitePool,
    project_id: i64,
    slug: &str,
) -> StoreResult<MonitorRow> {
    let row = sqlx::query(&format!(
        "SELECT {MONITOR_COLUMNS} FROM monitors m WHERE m.project_id = $1 AND m.slug = $2"
    ))
    .bind(project_id)
    .bind(slug)
    .fetch_one(pool)
    .await?;
    with_environments(pool, vec![row]).await?.pop().ok_or(StoreError::NotFound)
}

pub(super) async fn check_ins(
    pool: &SqlitePool,
    monitor_id: i64,
    environment: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<CheckInRow>> {
    let rows = sqlx::query(
        "SELECT c.guid, e.environment, c.status, c.duration, c.date_created, c.expected_time, \
         c.monitor_config FROM monitor_checkins c \
         JOIN monitor_environments e ON e.id = c.monitor_environment_id \
         WHERE e.monitor_id = $1 AND ($2 IS NULL OR e.environment = $2) \
         ORDER BY c.date_created DESC, c.id DESC LIMIT $3",
    )
    .bind(monitor_id)
    .bind(environment)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CheckInRow {
                guid: row.try_get("guid")?,
                environment: row.try_get("environment")?,
                status: row.try_get("status")?,
                duration: row.try_get("duration")?,
                date_created: row.try_get("date_created")?,
                expected_time: row.try_get("expected_time")?,
                monitor_config: row.try_get("monitor_config")?,
            })
        })
        .collect()
}
