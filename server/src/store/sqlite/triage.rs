//! What people do to issues besides changing their status: merge several issues into one and
//! split hashes back out (unmerge), assign, and mark as seen or bookmarked; and the "ignore
//! until" check that ingestion runs for ignored issues.
//!
//! Merging moves everything an issue owns (events, hashes, users, tag and hourly counts,
//! comments) to the issue that absorbs it, adding the counts up. Unmerging cannot subtract
//! counts, so it recomputes both issues' aggregates from their events.

use super::*;

/// Why an "ignore" ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SnoozeEnd {
    /// Its time came, or the issue reached its event or user threshold: the snooze as Sentry
    /// reports it in the `set_escalating` activity's `expired_snooze` (`count`, `window` and
    /// `user_window` in minutes, `user_count`, `until`; `null` where it had none).
    Condition { expired: serde_json::Value },
    /// An hour had more events than the forecast of "archive until escalating".
    Escalated {
        /// The day's ceiling it went past.
        forecast: i64,
    },
}

/// The forecast of an issue archived until it escalates, as `issues.snooze_forecast` keeps it
/// (migration 0047): from its events per hour over the week before `now` (Unix
/// milliseconds), from today's midnight (UTC). An issue without events that week gets the
/// forecast of one event in an hour (a ceiling of 10), rather than none that would never let
/// it escalate.
pub(super) async fn escalation_forecast(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    now: i64,
) -> StoreResult<String> {
    let now_secs = now.div_euclid(1000);
    let mut hourly: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT hour, events FROM issue_hourly WHERE issue_id = $1 AND hour > $2 ORDER BY hour",
    )
    .bind(issue_id)
    .bind(now_secs - 7 * 86_400)
    .fetch_all(&mut *tx)
    .await?;
    hourly.retain(|(_, events)| *events > 0);
    if hourly.is_empty() {
        hourly.push((now_secs - now_secs.rem_euclid(3_600), 1));
    }
    let start = now_secs - now_secs.rem_euclid(86_400);
    let limits = crate::escalation::forecast(&hourly, start);
    Ok(serde_json::json!({ "start": start, "limits": limits }).to_string())
}

/// Whether `event` ends the "ignore until" of the ignored issue `issue_id`, and why: the time
/// has come, the issue reaches its event or user threshold (in all or within the window), or,
/// archived until escalating, this hour's events go past the day's forecast.
pub(super) async fn snooze_ends(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    event: &NewEvent,
    new_user: bool,
) -> StoreResult<Option<SnoozeEnd>> {
    type SnoozeRow = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
        i64,
        Option<String>,
        String,
    );
    let (
        until,
        events,
        users,
        events_window,
        users_window,
        times_seen,
        user_count,
        forecast,
        details,
    ): SnoozeRow = sqlx::query_as(
        "SELECT snooze_until, snooze_times_seen, snooze_user_count, snooze_window_ms, \
             snooze_user_window_ms, times_seen, user_count, snooze_forecast, status_details \
             FROM issues WHERE id = $1",
    )
    .bind(issue_id)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(forecast) = forecast {
        return escalates(tx, issue_id, event, &forecast).await;
    }
    // The snooze as it was asked for (the thresholds above are absolute counts), from the
    // issue's `statusDetails`.
    let ended = || {
        let details: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
        SnoozeEnd::Condition {
            expired: serde_json::json!({
                "count": details["ignoreCount"],
                "window": details["ignoreWindow"],
                "user_count": details["ignoreUserCount"],
                "user_window": details["ignoreUserWindow"],
                "until": details["ignoreUntil"],
            }),
        }
    };
    if until.is_some_and(|until| until <= event.received) {
        return Ok(Some(ended()));
    }
    // This event is not stored yet: it counts by hand, if it happened within the window.
    let in_window = |window: i64| event.timestamp >= event.received - window;
    if let Some(threshold) = events {
        let seen = match events_window {
            Some(window) => {
                let recent: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM events WHERE issue_id = $1 AND timestamp >= $2",
                )
                .bind(issue_id)
                .bind(event.received - window)
                .fetch_one(&mut *tx)
                .await?;
                recent + i64::from(in_window(window))
            }
            None => times_seen + 1,
        };
        if seen >= threshold {
            return Ok(Some(ended()));
        }
    }
    if let Some(threshold) = users {
        let affected =
            match users_window {
                Some(window) => sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT ident) FROM (SELECT user_ident AS ident FROM events \
                     WHERE issue_id = $1 AND timestamp >= $2 AND user_ident IS NOT NULL \
                     UNION ALL SELECT $3 WHERE $3 IS NOT NULL AND $4)",
                )
                .bind(issue_id)
                .bind(event.received - window)
                .bind(&event.user_ident)
                .bind(in_window(window))
                .fetch_one(&mut *tx)
                .await?,
                None => user_count + i64::from(new_user),
            };
        if affected >= threshold {
            return Ok(Some(ended()));
        }
    }
    Ok(None)
}

/// Whether this hour's events, with `event`, go past the day's ceiling of `forecast` (Sentry's
/// `is_escalating`: the events since the hour began, more than the forecast).
async fn escalates(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    event: &NewEvent,
    forecast: &str,
) -> StoreResult<Option<SnoozeEnd>> {
    let forecast: serde_json::Value = serde_json::from_str(forecast).unwrap_or_default();
    let start = forecast["start"].as_i64().unwrap_or_default();
    let limits: Vec<i64> = forecast["limits"]
        .as_array()
        .map(|limits| limits.iter().filter_map(serde_json::Value::as_i64).collect())
        .unwrap_or_default();
    let Some(ceiling) = crate::escalation::ceiling(&limits, start, event.received) else {
        return Ok(None);
    };
    let hour_start = event.received - event.received.rem_euclid(3_600_000);
    // Counted up to one past the ceiling: an hour of many events reads no more than that.
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE issue_id = $1 AND timestamp >= $2 \
         LIMIT $3)",
    )
    .bind(issue_id)
    .bind(hour_start)
    .bind(ceiling + 1)
    .fetch_one(&mut *tx)
    .await?;
    let this_hour = stored + i64::from(event.timestamp >= hour_start);
    Ok((this_hour > ceiling).then_some(SnoozeEnd::Escalated { forecast: ceiling }))
}

/// Moves everything of `children` into `parent` and deletes the children.
pub(super) async fn merge_issues(
    pool: &SqlitePool,
    pending: &counters::PendingCounters,
    parent: i64,
    children: &[i64],
    user_id: i64,
) -> StoreResult<()> {
    let mut tx = begin_write(pool).await?;
    for &child in children {
        // The counts first, while the child still owns its rows.
        sqlx::query(
            "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, \
             last_seen) SELECT $1, key, value, times_seen, first_seen, last_seen \
             FROM issue_tag_values WHERE issue_id = $2 \
             ON CONFLICT (issue_id, key, value) DO UPDATE SET \
             times_seen = times_seen + excluded.times_seen, \
             first_seen = MIN(first_seen, excluded.first_seen), \
             last_seen = MAX(last_seen, excluded.last_seen)",
        )
        .bind(parent)
        .bind(child)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO issue_hourly (issue_id, hour, events) \
             SELECT $1, hour, events FROM issue_hourly WHERE issue_id = $2 \
             ON CONFLICT (issue_id, hour) DO UPDATE SET events = events + excluded.events",
        )
        .bind(parent)
        .bind(child)
        .execute(&mut *tx)
        .await?;
        for table in [
            "issue_users (issue_id, ident) SELECT $1, ident FROM issue_users",
            "issue_bookmarks (issue_id, user_id, date_created) \
             SELECT $1, user_id, date_created FROM issue_bookmarks",
            // The parent's own subscription (or unsubscription) of a user wins.
            "issue_subscriptions (issue_id, user_id, is_active, reason, date_added) \
             SELECT $1, user_id, is_active, reason, date_added FROM issue_subscriptions",
        ] {
            sqlx::query(&format!("INSERT OR IGNORE INTO {table} WHERE issue_id = $2"))
                .bind(parent)
                .bind(child)
                .execute(&mut *tx)
                .await?;
        }
        let updated = sqlx::query(
            "UPDATE issues SET \
             times_seen = times_seen + (SELECT times_seen FROM issues WHERE id = $2), \
             num_comments = num_comments + (SELECT num_comments FROM issues WHERE id = $2), \
             first_seen = MIN(first_seen, (SELECT first_seen FROM issues WHERE id = $2)), \
             last_seen = MAX(last_seen, (SELECT last_seen FROM issues WHERE id = $2)), \
             is_unhandled = MAX(is_unhandled, (SELECT is_unhandled FROM issues WHERE id = $2)) \
             WHERE id = $1 AND EXISTS (SELECT 1 FROM issues WHERE id = $2)",
        )
        .bind(parent)
        .bind(child)
        .execute(&mut *tx)
        .await?;
        touched_one(updated)?;
        // Rows that move: later events with these hashes join the parent.
        for statement in [
            "UPDATE issue_hashes SET issue_id = $1 WHERE issue_id = $2",
            "UPDATE events SET issue_id = $1 WHERE issue_id = $2",
            "UPDATE activities SET issue_id = $1 WHERE issue_id = $2 AND kind = 'note'",
        ] {
            sqlx::query(statement).bind(parent).bind(child).execute(&mut *tx).await?;
        }
        // What is left (its own activity, seen state, counts) goes with it.
        sqlx::query("DELETE FROM issues WHERE id = $1").bind(child).execute(&mut *tx).await?;
    }
    // The parent's similarity features now describe only part of its events.
    sqlx::query("DELETE FROM issue_similarity WHERE issue_id = $1")
        .bind(parent)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE issues SET user_count = (SELECT COUNT(*) FROM issue_users WHERE issue_id = $1) \
         WHERE id = $1",
    )
    .bind(parent)
    .execute(&mut *tx)
    .await?;
    let merged: Vec<_> =
        children.iter().map(|id| serde_json::json!({ "id": id.to_string() })).collect();
    let data = serde_json::json!({ "issues": merged }).to_string();
    record_activity(&mut tx, parent, "merge", Some(user_id), &data, now_ms()).await?;
    // The children's counters that the writer still holds are the parent's now; the parent's
    // users were counted again from its rows.
    pending.commit_adjusted(tx, |counters| counters.merge_into(children, parent)).await
}

/// See [`Store::similarity_candidates`](crate::store::Store::similarity_candidates).
pub(super) async fn similarity_candidates(
    pool: &SqlitePool,
    project_id: i64,
    issue_id: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, Option<Vec<u8>>)>> {
    let rows: Vec<(i64, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT i.id, s.features FROM issues i \
         LEFT JOIN issue_similarity s ON s.issue_id = i.id \
         WHERE i.project_id = $1 AND i.id != $2 \
         ORDER BY i.last_seen DESC LIMIT $3",
    )
    .bind(project_id)
    .bind(issue_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// See [`Store::save_similarity_features`](crate::store::Store::save_similarity_features).
pub(super) async fn save_similarity_features(
    pool: &SqlitePool,
    features: &[(i64, Vec<u8>)],
) -> StoreResult<()> {
    if features.is_empty() {
        return Ok(());
    }
    let mut tx = begin_write(pool).await?;
    for (issue_id, bytes) in features {
        sqlx::query(
            "INSERT INTO issue_similarity (issue_id, features) \
             SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM issues WHERE id = $1) \
             ON CONFLICT (issue_id) DO UPDATE SET features = excluded.features",
        )
        .bind(issue_id)
        .bind(bytes.as_slice())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Moves `hashes` of `issue_id`, with the events they grouped, into a new issue; returns its id.
/// The caller checks that the hashes belong to the issue and that some stay.
pub(super) async fn unmerge(
    pool: &SqlitePool,
    pending: &counters::PendingCounters,
    issue_id: i64,
    hashes: &[String],
    user_id: i64,
) -> StoreResult<i64> {
    let mut tx = begin_write(pool).await?;
    let project_id: i64 = sqlx::query_scalar("SELECT project_id FROM issues WHERE id = $1")
        .bind(issue_id)
        .fetch_one(&mut *tx)
        .await?;
    let short_id: i64 = sqlx::query_scalar(
        "UPDATE projects SET next_short_id = next_short_id + 1 WHERE id = $1 \
         RETURNING next_short_id - 1",
    )
    .bind(project_id)
    .fetch_one(&mut *tx)
    .await?;
    // The new issue starts as a copy; its counts and title come from its events below.
    let new_id: i64 = sqlx::query_scalar(
        "INSERT INTO issues (project_id, short_id, title, culprit, level, platform, event_type, \
         metadata, logger, is_unhandled, first_seen, last_seen, times_seen, priority, \
         initial_priority) \
         SELECT project_id, $2, title, culprit, level, platform, event_type, metadata, logger, \
         is_unhandled, first_seen, last_seen, 0, priority, initial_priority FROM issues \
         WHERE id = $1 RETURNING id",
    )
    .bind(issue_id)
    .bind(short_id)
    .fetch_one(&mut *tx)
    .await?;
    for hash in hashes {
        let moved =
            sqlx::query("UPDATE issue_hashes SET issue_id = $1 WHERE issue_id = $2 AND hash = $3")
                .bind(new_id)
                .bind(issue_id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        touched_one(moved)?;
        sqlx::query("UPDATE events SET issue_id = $1 WHERE issue_id = $2 AND primary_hash = $3")
            .bind(new_id)
            .bind(issue_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "UPDATE issues SET (title, level, platform) = \
         (SELECT title, level, platform FROM events WHERE issue_id = $1 \
          ORDER BY timestamp DESC, id DESC LIMIT 1) \
         WHERE id = $1 AND EXISTS (SELECT 1 FROM events WHERE issue_id = $1)",
    )
    .bind(new_id)
    .execute(&mut *tx)
    .await?;
    recompute_counts(&mut tx, issue_id).await?;
    recompute_counts(&mut tx, new_id).await?;
    // Its latest event may have moved out: its similarity features are made again.
    sqlx::query("DELETE FROM issue_similarity WHERE issue_id = $1")
        .bind(issue_id)
        .execute(&mut *tx)
        .await?;
    let now = now_ms();
    let data = serde_json::json!({ "fingerprints": hashes, "destination_id": new_id.to_string() });
    record_activity(&mut tx, issue_id, "unmerge_source", Some(user_id), &data.to_string(), now)
        .await?;
    let data = serde_json::json!({ "fingerprints": hashes, "source_id": issue_id.to_string() });
    record_activity(&mut tx, new_id, "unmerge_destination", Some(user_id), &data.to_string(), now)
        .await?;
    // Both issues were counted again from their events: nothing of theirs is pending now.
    pending.commit_adjusted(tx, |counters| counters.discard(issue_id)).await?;
    Ok(new_id)
}

/// Rebuilds an issue's users, hourly counts, tag values and totals from its events, the way
/// ingestion derives them (see `ingest::event::issue_tags`): `level`, `environment`, `release`
/// and `user` from the events' columns, the other tags from their stored JSON.
pub(super) async fn recompute_counts(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
) -> StoreResult<()> {
    recompute_column_counts(tx, issue_id).await?;
    add_stored_tags(tx, issue_id).await
}

/// The counts that the events' columns give.
async fn recompute_column_counts(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
) -> StoreResult<()> {
    for statement in [
        "DELETE FROM issue_users WHERE issue_id = $1",
        "INSERT OR IGNORE INTO issue_users (issue_id, ident) \
         SELECT $1, user_ident FROM events WHERE issue_id = $1 AND user_ident IS NOT NULL",
        "DELETE FROM issue_hourly WHERE issue_id = $1",
        "INSERT INTO issue_hourly (issue_id, hour, events) \
         SELECT $1, (timestamp / 3600000) * 3600 AS hour, COUNT(*) FROM events \
         WHERE issue_id = $1 GROUP BY hour",
        "DELETE FROM issue_tag_values WHERE issue_id = $1",
        "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, last_seen) \
         SELECT $1, k, v, COUNT(*), MIN(ts), MAX(ts) FROM ( \
           SELECT 'level' AS k, level AS v, timestamp AS ts FROM events WHERE issue_id = $1 \
           UNION ALL SELECT 'environment', environment, timestamp FROM events \
             WHERE issue_id = $1 AND environment IS NOT NULL \
           UNION ALL SELECT 'release', release, timestamp FROM events \
             WHERE issue_id = $1 AND release IS NOT NULL \
           UNION ALL SELECT 'user', user_ident, timestamp FROM events \
             WHERE issue_id = $1 AND user_ident IS NOT NULL \
         ) GROUP BY k, v",
        "UPDATE issues SET \
         times_seen = (SELECT COUNT(*) FROM events WHERE issue_id = $1), \
         first_seen = COALESCE((SELECT MIN(timestamp) FROM events WHERE issue_id = $1), \
           first_seen), \
         last_seen = COALESCE((SELECT MAX(timestamp) FROM events WHERE issue_id = $1), \
           last_seen), \
         user_count = (SELECT COUNT(*) FROM issue_users WHERE issue_id = $1) \
         WHERE id = $1",
    ] {
        sqlx::query(statement).bind(issue_id).execute(&mut *tx).await?;
    }
    Ok(())
}

/// The tags of a stored event's JSON (`"tags": [[key, value], ...]`); serde skips the rest.
#[derive(serde::Deserialize, Default)]
pub(super) struct StoredTags {
    #[serde(default)]
    tags: Vec<serde_json::Value>,
}

impl StoredTags {
    /// An event whose JSON is not an object with a tags list has none.
    pub(super) fn read(json: &str) -> Self {
        serde_json::from_str(json).unwrap_or_default()
    }

    /// The pairs ingestion counted from the JSON: those whose value is text, except the keys
    /// that an `events` column gives (`from_column`: `level` always, `environment`, `release`
    /// and `user` when the column has a value), which are counted from the column.
    pub(super) fn counted<'j>(
        &'j self,
        from_column: impl Fn(&str) -> bool + 'j,
    ) -> impl Iterator<Item = (&'j str, &'j str)> + 'j {
        self.tags.iter().filter_map(move |pair| match pair.as_array().map(Vec::as_slice) {
            Some([serde_json::Value::String(key), serde_json::Value::String(value)])
                if !from_column(key) =>
            {
                Some((key.as_str(), value.as_str()))
            }
            _ => None,
        })
    }
}

/// Adds the tags of an issue's events, as their stored JSON has them (`"tags": [[key, value],
/// ...]`, compressed), to its tag values; the keys its columns gave are skipped where the
/// column has a value, as ingestion does.
async fn add_stored_tags(tx: &mut sqlx::SqliteConnection, issue_id: i64) -> StoreResult<()> {
    // (key, value) → (events, first seen, last seen).
    let mut counts: std::collections::HashMap<(String, String), (i64, i64, i64)> =
        std::collections::HashMap::new();
    {
        let mut rows = sqlx::query(
            "SELECT data, timestamp, environment IS NOT NULL AS has_environment, \
             release IS NOT NULL AS has_release, user_ident IS NOT NULL AS has_user \
             FROM events WHERE issue_id = $1",
        )
        .bind(issue_id)
        .fetch(&mut *tx);
        while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            let json = crate::store::event_data::decode(row.try_get::<&[u8], _>("data")?)?;
            let stored = StoredTags::read(&json);
            let at: i64 = row.get("timestamp");
            let from_column = |key: &str| match key {
                "level" => true,
                "environment" => row.get::<bool, _>("has_environment"),
                "release" => row.get::<bool, _>("has_release"),
                "user" => row.get::<bool, _>("has_user"),
                _ => false,
            };
            for (key, value) in stored.counted(from_column) {
                let entry = counts.entry((key.to_owned(), value.to_owned())).or_insert((0, at, at));
                entry.0 += 1;
                entry.1 = entry.1.min(at);
                entry.2 = entry.2.max(at);
            }
        }
    }
    let sql = format!(
        "INSERT INTO issue_tag_values (issue_id, key, value, times_seen, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, $5, $6) {}",
        counters::ADD_TO_TAG_VALUES
    );
    for ((key, value), (events, first_seen, last_seen)) in counts {
        sqlx::query(&sql)
            .bind(issue_id)
            .bind(key)
            .bind(value)
            .bind(events)
            .bind(first_seen)
            .bind(last_seen)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The hashes of an issue with the newest event of each.
pub(super) async fn issue_hashes(pool: &SqlitePool, issue_id: i64) -> StoreResult<Vec<IssueHash>> {
    let rows = sqlx::query(
        "SELECT h.hash, e.* FROM issue_hashes h LEFT JOIN events e ON e.id = \
         (SELECT id FROM events WHERE issue_id = h.issue_id AND primary_hash = h.hash \
          ORDER BY timestamp DESC, id DESC LIMIT 1) \
         WHERE h.issue_id = $1 ORDER BY h.hash",
    )
    .bind(issue_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(IssueHash {
                hash: row.get("hash"),
                latest_event: match row.get::<Option<i64>, _>("id") {
                    Some(_) => Some(event_from_row(row)?),
                    None => None,
                },
            })
        })
        .collect()
}

/// Assigns (or, with `None`, unassigns) an issue; records the change in the activity log.
/// Returns whether anything changed.
pub(super) async fn assign(
    pool: &SqlitePool,
    issue_id: i64,
    assignee: Option<Assignee>,
    user_id: i64,
) -> StoreResult<bool> {
    let mut tx = begin_write(pool).await?;
    let current: (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT assignee_user_id, assignee_team_id FROM issues WHERE id = $1")
            .bind(issue_id)
            .fetch_one(&mut *tx)
            .await?;
    let wanted = match assignee {
        Some(Assignee::User(id)) => (Some(id), None),
        Some(Assignee::Team(id)) => (None, Some(id)),
        None => (None, None),
    };
    if current == wanted {
        return Ok(false);
    }
    sqlx::query("UPDATE issues SET assignee_user_id = $2, assignee_team_id = $3 WHERE id = $1")
        .bind(issue_id)
        .bind(wanted.0)
        .bind(wanted.1)
        .execute(&mut *tx)
        .await?;
    // Sentry's activity data for assignments.
    let (kind, data) = match assignee {
        Some(Assignee::User(id)) => {
            let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let data = serde_json::json!({
                "assignee": id.to_string(), "assigneeType": "user", "assigneeEmail": email,
            });
            ("assigned", data)
        }
        Some(Assignee::Team(id)) => {
            let data = serde_json::json!({ "assignee": id.to_string(), "assigneeType": "team" });
            ("assigned", data)
        }
        None => ("unassigned", serde_json::json!({})),
    };
    let data = data.to_string();
    let now = now_ms();
    let activity = record_activity(&mut tx, issue_id, kind, Some(user_id), &data, now).await?;
    if let Some(assignee) = assignee {
        subscribe(&mut tx, issue_id, assignee, "assigned", now).await?;
        notify_participants(&mut tx, issue_id, Some(activity), kind, &data, Some(user_id), now)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Sets an issue's priority for `user_id`, locking it against Cairn's own changes (Sentry's
/// `priorityLockedAt`), and records Sentry's `set_priority` activity; returns whether the
/// priority changed (setting the same one again locks it all the same).
pub(super) async fn set_priority(
    pool: &SqlitePool,
    issue_id: i64,
    priority: Priority,
    user_id: i64,
) -> StoreResult<bool> {
    let mut tx = begin_write(pool).await?;
    let now = now_ms();
    let before: i64 = sqlx::query_scalar("SELECT priority FROM issues WHERE id = $1")
        .bind(issue_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    sqlx::query("UPDATE issues SET priority = $2, priority_locked_at = $3 WHERE id = $1")
        .bind(issue_id)
        .bind(priority.code())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let changed = before != priority.code();
    if changed {
        let data = serde_json::json!({ "priority": priority.name(), "reason": null });
        record_activity(&mut tx, issue_id, "set_priority", Some(user_id), &data.to_string(), now)
            .await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Takes an issue out of the "For Review" inbox (`reviewed`), recording Sentry's
/// `mark_reviewed` activity, or puts it back (as if it had just entered: it is for review
/// again if it is new, regressed or escalating). Returns whether anything changed.
pub(super) async fn set_reviewed(
    pool: &SqlitePool,
    issue_id: i64,
    reviewed: bool,
    user_id: i64,
) -> StoreResult<bool> {
    let mut tx = begin_write(pool).await?;
    let now = now_ms();
    let inbox_at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT inbox_at FROM issues WHERE id = $1")
            .bind(issue_id)
            .fetch_optional(&mut *tx)
            .await?;
    let inbox_at = inbox_at.ok_or(StoreError::NotFound)?;
    if inbox_at.is_none() == reviewed {
        return Ok(false);
    }
    sqlx::query("UPDATE issues SET inbox_at = $2 WHERE id = $1")
        .bind(issue_id)
        .bind((!reviewed).then_some(now))
        .execute(&mut *tx)
        .await?;
    if reviewed {
        record_activity(&mut tx, issue_id, "mark_reviewed", Some(user_id), "{}", now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Sentry's automatic "ongoing" (its `auto_transition_issues_*_to_ongoing` tasks): each
/// unresolved issue that has been new, regressed or escalating for [`INBOX_MS`] (a week) at
/// `now` becomes ongoing, with Sentry's `auto_set_ongoing` activity, and an escalated one
/// whose priority nobody set goes back to the priority it opened with (a `set_priority`
/// activity with the reason `ongoing`). A thousand issues per transaction, so that the event
/// writer is not held up; returns how many changed.
pub(super) async fn mark_ongoing(pool: &SqlitePool, now: i64) -> StoreResult<usize> {
    let mut changed = 0;
    loop {
        let mut tx = begin_write(pool).await?;
        type Due = (i64, i64, Option<i64>, Option<i64>);
        let due: Vec<Due> = sqlx::query_as(
            "SELECT id, priority, initial_priority, priority_locked_at FROM issues \
             WHERE status = 'unresolved' AND substatus IN ('new', 'regressed', 'escalating') \
             AND COALESCE(substatus_at, first_seen) < $1 LIMIT 1000",
        )
        .bind(now - INBOX_MS)
        .fetch_all(&mut *tx)
        .await?;
        for (issue_id, priority, initial, locked) in &due {
            sqlx::query("UPDATE issues SET substatus = 'ongoing' WHERE id = $1")
                .bind(issue_id)
                .execute(&mut *tx)
                .await?;
            let data = r#"{"after_days":7}"#;
            record_activity(&mut tx, *issue_id, "auto_set_ongoing", None, data, now).await?;
            let Some(initial) = initial.filter(|initial| locked.is_none() && initial != priority)
            else {
                continue;
            };
            sqlx::query("UPDATE issues SET priority = $2 WHERE id = $1")
                .bind(issue_id)
                .bind(initial)
                .execute(&mut *tx)
                .await?;
            let name = Priority::from_code(initial).name();
            let data = serde_json::json!({ "priority": name, "reason": "ongoing" }).to_string();
            record_activity(&mut tx, *issue_id, "set_priority", None, &data, now).await?;
        }
        tx.commit().await?;
        changed += due.len();
        if due.len() < 1000 {
            return Ok(changed);
        }
    }
}

/// Raises the priority of an issue that escalates (an ignored issue whose condition an event
/// met) one step, unless someone set it: Sentry's `auto_update_priority` with the reason
/// `escalating`, recorded as its `set_priority` activity without a user.
pub(super) async fn escalate_priority(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    at: i64,
) -> StoreResult<()> {
    let current: Option<i64> = sqlx::query_scalar(
        "SELECT priority FROM issues WHERE id = $1 AND priority_locked_at IS NULL",
    )
    .bind(issue_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current.map(Priority::from_code) else {
        return Ok(());
    };
    let escalated = current.escalated();
    if escalated == current {
        return Ok(());
    }
    sqlx::query("UPDATE issues SET priority = $2 WHERE id = $1")
        .bind(issue_id)
        .bind(escalated.code())
        .execute(&mut *tx)
        .await?;
    let data = serde_json::json!({ "priority": escalated.name(), "reason": "escalating" });
    record_activity(tx, issue_id, "set_priority", None, &data.to_string(), at).await?;
    Ok(())
}

/// Marks an issue as seen by a user now, or forgets that they saw it.
pub(super) async fn set_seen(
    pool: &SqlitePool,
    issue_id: i64,
    user_id: i64,
    seen: bool,
) -> StoreResult<()> {
    let query = if seen {
        sqlx::query(
            "INSERT INTO issue_seen (issue_id, user_id, last_seen) VALUES ($1, $2, $3) \
             ON CONFLICT (issue_id, user_id) DO UPDATE SET last_seen = excluded.last_seen",
        )
        .bind(issue_id)
        .bind(user_id)
        .bind(now_ms())
    } else {
        sqlx::query("DELETE FROM issue_seen WHERE issue_id = $1 AND user_id = $2")
            .bind(issue_id)
            .bind(user_id)
    };
    query.execute(pool).await?;
    Ok(())
}

/// Who has opened an issue, the most recent first: members of its organization only, since a
/// member who left keeps their rows until the issue goes.
pub(super) async fn seen_by(pool: &SqlitePool, issue_id: i64) -> StoreResult<Vec<(UserRow, i64)>> {
    let rows = sqlx::query(
        "SELECT u.*, s.last_seen AS seen_at FROM issue_seen s \
         JOIN users u ON u.id = s.user_id \
         JOIN issues i ON i.id = s.issue_id \
         JOIN projects p ON p.id = i.project_id \
         JOIN organization_members m \
           ON m.organization_id = p.organization_id AND m.user_id = s.user_id \
         WHERE s.issue_id = $1 ORDER BY s.last_seen DESC, u.id LIMIT 100",
    )
    .bind(issue_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|row| (user_from_row(row), row.get("seen_at"))).collect())
}

/// Bookmarks an issue for a user, or removes the bookmark.
pub(super) async fn set_bookmark(
    pool: &SqlitePool,
    issue_id: i64,
    user_id: i64,
    bookmarked: bool,
) -> StoreResult<()> {
    let query = if bookmarked {
        // Bookmarking takes part in the issue (Sentry's `bookmarked` reason).
        let mut tx = begin_write(pool).await?;
        sqlx::query(
            "INSERT OR IGNORE INTO issue_bookmarks (issue_id, user_id, date_created) \
             VALUES ($1, $2, $3)",
        )
        .bind(issue_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        subscribe(&mut tx, issue_id, Assignee::User(user_id), "bookmarked", now_ms()).await?;
        tx.commit().await?;
        return Ok(());
    } else {
        sqlx::query("DELETE FROM issue_bookmarks WHERE issue_id = $1 AND user_id = $2")
            .bind(issue_id)
            .bind(user_id)
    };
    query.execute(pool).await?;
    Ok(())
}

/// Seen and bookmark state of these issues for one user, and their assignees.
pub(super) async fn viewer_state(
    pool: &SqlitePool,
    issue_ids: &[i64],
    user_id: i64,
) -> StoreResult<Vec<IssueViewerState>> {
    let mut states = Vec::with_capacity(issue_ids.len());
    for chunk in issue_ids.chunks(100) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT i.id AS issue_id, \
             (s.last_seen IS NOT NULL AND s.last_seen >= i.last_seen) AS has_seen, \
             (b.user_id IS NOT NULL) AS is_bookmarked, \
             u.id, u.email, u.name, u.password_hash, u.is_superuser, \
             t.id AS team_id, t.organization_id AS team_org, t.slug AS team_slug, \
             t.name AS team_name, t.date_created AS team_created \
             FROM issues i \
             LEFT JOIN issue_seen s ON s.issue_id = i.id AND s.user_id = $1 \
             LEFT JOIN issue_bookmarks b ON b.issue_id = i.id AND b.user_id = $1 \
             LEFT JOIN users u ON u.id = i.assignee_user_id \
             LEFT JOIN teams t ON t.id = i.assignee_team_id \
             WHERE i.id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(user_id);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(pool).await? {
            let assignee = if row.get::<Option<i64>, _>("id").is_some() {
                Some(AssigneeRow::User(user_from_row(&row)))
            } else {
                row.get::<Option<i64>, _>("team_id").map(|id| {
                    AssigneeRow::Team(TeamRow {
                        id,
                        organization_id: row.get("team_org"),
                        slug: row.get("team_slug"),
                        name: row.get("team_name"),
                        date_created: row.get("team_created"),
                    })
                })
            };
            states.push(IssueViewerState {
                issue_id: row.get("issue_id"),
                has_seen: row.get::<i64, _>("has_seen") != 0,
                is_bookmarked: row.get::<i64, _>("is_bookmarked") != 0,
                assignee,
            });
        }
    }
    Ok(states)
}

/// A member of the organization by user id or by email (Sentry's `assignedTo` takes either);
/// pending invitations are not members yet.
pub(super) async fn organization_member(
    pool: &SqlitePool,
    organization_id: i64,
    user_id: Option<i64>,
    email: Option<&str>,
) -> StoreResult<UserRow> {
    let row = sqlx::query(
        "SELECT u.* FROM users u JOIN organization_members m ON m.user_id = u.id \
         WHERE m.organization_id = $1 AND (u.id = $2 OR u.email = lower($3))",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind(email)
    .fetch_one(pool)
    .await?;
    Ok(user_from_row(&row))
}
