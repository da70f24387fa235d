//! Session duration histograms in SQLite (migration 0019): gathered per group commit by
//! [`DurationBuckets`] inside `health::write_sessions`, written by [`write_duration_buckets`],
//! and read back by [`session_durations`] for the sessions API and the release list.

use std::collections::HashMap;

use rusqlite::Connection;
use sqlx::SqlitePool;

use super::writer::{placeholder_rows, Binds};
use crate::ingest::duration_histogram::{bucket_of, BucketCount};
use crate::store::{DurationQuery, DurationRow, StoreError, StoreResult};

/// Rows per multi-row statement (7 parameters each), as elsewhere in the writer.
const CHUNK: usize = 64;

/// (project, release, environment, hour, bucket).
type Key = (i64, String, String, i64, i64);

/// The durations of one group commit's cleanly exited sessions, counted per (project, release,
/// environment, hour, bucket) in plain Rust as the batch is applied, so that the commit adds
/// them with a few multi-row upserts.
#[derive(Debug, Default)]
pub(super) struct DurationBuckets {
    counts: HashMap<Key, BucketCount>,
}

impl DurationBuckets {
    /// Counts the duration (seconds) of a session of this (project, release, environment,
    /// hour) that exited cleanly.
    pub(super) fn record(
        &mut self,
        (project_id, release, environment, hour): &(i64, String, String, i64),
        seconds: f64,
    ) {
        let key = (*project_id, release.clone(), environment.clone(), *hour, bucket_of(seconds));
        self.counts.entry(key).or_default().merge(BucketCount { sessions: 1, max: seconds });
    }

    /// Whether no duration was counted.
    pub(super) fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The same counts per UTC day instead of per hour.
    fn daily(&self) -> HashMap<Key, BucketCount> {
        let mut days: HashMap<Key, BucketCount> = HashMap::new();
        for ((project_id, release, environment, hour, bucket), count) in &self.counts {
            let day = hour.div_euclid(86_400) * 86_400;
            days.entry((*project_id, release.clone(), environment.clone(), day, *bucket))
                .or_default()
                .merge(*count);
        }
        days
    }
}

/// Part of the session writer (the group commit, inside its transaction): adds a batch's
/// duration buckets to `session_duration_hourly` and `session_duration_daily` with multi-row
/// upserts.
pub(super) fn write_duration_buckets(
    conn: &Connection,
    buckets: &DurationBuckets,
) -> StoreResult<()> {
    if buckets.is_empty() {
        return Ok(());
    }
    let hourly: Vec<_> = buckets.counts.iter().collect();
    let daily = buckets.daily();
    let daily: Vec<_> = daily.iter().collect();
    for (table, time, rows) in
        [("session_duration_hourly", "hour", hourly), ("session_duration_daily", "day", daily)]
    {
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO {table} (project_id, release, environment, {time}, bucket, \
                 sessions, max) VALUES {} \
                 ON CONFLICT (project_id, release, environment, {time}, bucket) DO UPDATE SET \
                 sessions = sessions + excluded.sessions, max = MAX(max, excluded.max)",
                placeholder_rows(chunk.len(), 7)
            );
            let mut binds = Binds::with_capacity(chunk.len() * 7);
            for ((project_id, release, environment, at, bucket), count) in chunk {
                binds
                    .int(*project_id)
                    .add(release)?
                    .add(environment)?
                    .int(*at)
                    .int(*bucket)
                    .int(count.sessions)
                    .real(count.max);
            }
            binds.execute(conn, &sql)?;
        }
    }
    Ok(())
}

/// The duration buckets matching a query, summed per (project, release, environment if asked
/// for, interval, bucket) by SQLite. Whole UTC days inside the range are read from the daily
/// rows when the intervals allow it (one interval, or whole days from midnight), the rest from
/// the hourly ones: over 14 days that is 24 times fewer rows to sum.
pub(super) async fn session_durations(
    pool: &SqlitePool,
    q: &DurationQuery,
) -> StoreResult<Vec<DurationRow>> {
    if q.project_ids.is_empty() || q.end <= q.start {
        return Ok(Vec::new());
    }
    let interval = q.interval.unwrap_or(q.end - q.start).max(3_600);
    let days_fit = q.interval.is_none() || (interval % 86_400 == 0 && q.start % 86_400 == 0);
    // Whole days `[first_day, last_day)` come from the daily table; an empty range otherwise.
    let (first_day, last_day) = {
        let first = (q.start + 86_399).div_euclid(86_400) * 86_400;
        let last = q.end.div_euclid(86_400) * 86_400;
        if days_fit && first < last {
            (first, last)
        } else {
            (q.start, q.start)
        }
    };
    let mut next = 5;
    let mut filters = String::new();
    for (column, len) in [
        ("project_id", q.project_ids.len()),
        ("release", q.releases.len()),
        ("environment", q.environments.len()),
    ] {
        if len == 0 {
            continue;
        }
        let placeholders: Vec<String> = (next..next + len).map(|i| format!("${i}")).collect();
        next += len;
        filters.push_str(&format!(" AND {column} IN ({})", placeholders.join(", ")));
    }
    let environment = if q.by_environment { "environment" } else { "''" };
    // One result row holding every bucket as JSON: sqlx hands each result row across threads
    // with a wake-up, which for the tens of thousands of buckets of 90 days by release cost
    // more than summing them.
    let sql = format!(
        "SELECT json_group_array(json_array(project_id, release, environment, slot, bucket, \
         sessions, max)) FROM ( \
         SELECT project_id, release, {environment} AS environment, \
         $1 + (t - $1) / {interval} * {interval} AS slot, bucket, SUM(sessions) AS sessions, \
         MAX(max) AS max FROM ( \
           SELECT project_id, release, environment, day AS t, bucket, sessions, max \
           FROM session_duration_daily WHERE day >= $3 AND day < $4{filters} \
           UNION ALL \
           SELECT project_id, release, environment, hour AS t, bucket, sessions, max \
           FROM session_duration_hourly WHERE ((hour >= $1 AND hour < $3) \
             OR (hour >= $4 AND hour < $2)){filters} \
         ) GROUP BY 1, 2, 3, 4, 5)"
    );
    let mut query = sqlx::query_scalar::<_, String>(&sql)
        .bind(q.start)
        .bind(q.end)
        .bind(first_day)
        .bind(last_day);
    for id in &q.project_ids {
        query = query.bind(*id);
    }
    for release in &q.releases {
        query = query.bind(release.as_str());
    }
    for environment in &q.environments {
        query = query.bind(environment.as_str());
    }
    let rows = query.fetch_one(pool).await?;
    type Cells = Vec<(i64, String, String, i64, i64, i64, f64)>;
    let rows: Cells = serde_json::from_str(&rows)
        .map_err(|err| StoreError::Corrupt(format!("duration buckets: {err}")))?;
    Ok(rows
        .into_iter()
        .map(|(project_id, release, environment, slot, bucket, sessions, max)| DurationRow {
            project_id,
            release,
            environment,
            slot,
            bucket,
            count: BucketCount { sessions, max },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_add_up_per_hour_and_per_day() {
        let mut buckets = DurationBuckets::default();
        let hour = |h: i64| (1, "app@1".to_owned(), "prod".to_owned(), 86_400 * 3 + h * 3_600);
        buckets.record(&hour(0), 10.0);
        buckets.record(&hour(0), 10.1);
        buckets.record(&hour(5), 10.05);
        buckets.record(&hour(5), 300.0);
        assert!(!buckets.is_empty());
        let ten = bucket_of(10.0);
        let at = |h: i64, b: i64| {
            let (p, r, e, t) = hour(h);
            buckets.counts.get(&(p, r, e, t, b)).copied()
        };
        assert_eq!(at(0, ten), Some(BucketCount { sessions: 2, max: 10.1 }));
        assert_eq!(at(5, ten), Some(BucketCount { sessions: 1, max: 10.05 }));
        assert_eq!(at(5, bucket_of(300.0)), Some(BucketCount { sessions: 1, max: 300.0 }));
        let daily = buckets.daily();
        let day = (1, "app@1".to_owned(), "prod".to_owned(), 86_400 * 3, ten);
        assert_eq!(daily.get(&day), Some(&BucketCount { sessions: 3, max: 10.1 }));
        assert_eq!(daily.len(), 2);
    }
}
