//! Release commits (what `sentry-cli set-commits` sends), the candidates for an event's suspect
//! commits, and the issue's participants: its subscribers, and the notifications they get.

use std::collections::HashMap;

use super::*;

/// The columns of a commit with its repository and author; the author maps to a member of the
/// commit's organization by email.
const COMMIT_COLUMNS: &str = "c.id, c.key, c.message, c.date_added, r.id AS repo_id, \
     r.name AS repo_name, r.date_created AS repo_created, r.url AS repo_url, \
     r.provider AS repo_provider, a.email AS author_email, \
     a.name AS author_name, (SELECT u.id FROM users u JOIN organization_members m \
       ON m.user_id = u.id AND m.organization_id = c.organization_id \
       WHERE u.email = a.email) AS author_user";

/// What [`COMMIT_COLUMNS`] reads besides `commits c`.
const COMMIT_JOINS: &str = "JOIN repositories r ON r.id = c.repository_id \
     LEFT JOIN commit_authors a ON a.id = c.author_id";

fn commit_from_row(row: &SqliteRow) -> CommitRow {
    let email: Option<String> = row.get("author_email");
    CommitRow {
        id: row.get("id"),
        key: row.get("key"),
        message: row.get("message"),
        date_added: row.get("date_added"),
        repository: RepositoryRow {
            id: row.get("repo_id"),
            name: row.get("repo_name"),
            date_created: row.get("repo_created"),
            url: row.get("repo_url"),
            provider: row.get("repo_provider"),
        },
        author: email.map(|email| CommitAuthorRow {
            email,
            name: row.get("author_name"),
            user_id: row.get("author_user"),
        }),
        files: Vec::new(),
    }
}

/// Creates (or finds) what a commit names and returns the commit's id. A commit sent again
/// keeps its id; details it now carries fill in what was missing.
async fn upsert_commit(
    tx: &mut sqlx::SqliteConnection,
    organization_id: i64,
    commit: &NewCommit,
    now: i64,
) -> StoreResult<i64> {
    let repository_id: i64 = sqlx::query_scalar(
        "INSERT INTO repositories (organization_id, name, date_created) VALUES ($1, $2, $3) \
         ON CONFLICT (organization_id, name) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(organization_id)
    .bind(&commit.repository)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let author_id: Option<i64> = match commit.author_email.as_deref().map(str::trim) {
        Some(email) if !email.is_empty() => Some(
            sqlx::query_scalar(
                "INSERT INTO commit_authors (organization_id, email, name) VALUES ($1, $2, $3) \
                 ON CONFLICT (organization_id, email) DO UPDATE SET \
                 name = COALESCE(excluded.name, name) RETURNING id",
            )
            .bind(organization_id)
            .bind(email.to_lowercase())
            .bind(&commit.author_name)
            .fetch_one(&mut *tx)
            .await?,
        ),
        _ => None,
    };
    let commit_id: i64 = sqlx::query_scalar(
        "INSERT INTO commits (organization_id, repository_id, key, message, author_id, \
         date_added) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (repository_id, key) DO UPDATE SET \
         message = COALESCE(excluded.message, message), \
         author_id = COALESCE(excluded.author_id, author_id), \
         date_added = CASE WHEN $7 THEN excluded.date_added ELSE date_added END \
         RETURNING id",
    )
    .bind(organization_id)
    .bind(repository_id)
    .bind(&commit.key)
    .bind(&commit.message)
    .bind(author_id)
    .bind(commit.timestamp.unwrap_or(now))
    .bind(commit.timestamp.is_some())
    .fetch_one(&mut *tx)
    .await?;
    for (path, kind) in &commit.files {
        sqlx::query(
            "INSERT INTO commit_file_changes (commit_id, filename, type) VALUES ($1, $2, $3) \
             ON CONFLICT (commit_id, filename) DO UPDATE SET type = excluded.type",
        )
        .bind(commit_id)
        .bind(path)
        .bind(kind)
        .execute(&mut *tx)
        .await?;
    }
    Ok(commit_id)
}

pub(super) async fn set_release_commits(
    writes: &SqlitePool,
    organization_id: i64,
    release_id: i64,
    commits: &[NewCommit],
) -> StoreResult<()> {
    let mut tx = begin_write(writes).await?;
    let now = now_ms();
    sqlx::query("DELETE FROM release_commits WHERE release_id = $1")
        .bind(release_id)
        .execute(&mut *tx)
        .await?;
    for (ord, commit) in commits.iter().enumerate() {
        let commit_id = upsert_commit(&mut tx, organization_id, commit, now).await?;
        // A commit listed twice keeps its first (newest) place.
        sqlx::query(
            "INSERT OR IGNORE INTO release_commits (release_id, commit_id, ord) \
             VALUES ($1, $2, $3)",
        )
        .bind(release_id)
        .bind(commit_id)
        .bind(ord as i64)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn release_commits(
    reads: &SqlitePool,
    release_id: i64,
) -> StoreResult<Vec<CommitRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COMMIT_COLUMNS} FROM release_commits rc JOIN commits c ON c.id = rc.commit_id \
         {COMMIT_JOINS} WHERE rc.release_id = $1 ORDER BY rc.ord"
    ))
    .bind(release_id)
    .fetch_all(reads)
    .await?;
    Ok(rows.iter().map(commit_from_row).collect())
}

pub(super) async fn release_commit_files(
    reads: &SqlitePool,
    release_id: i64,
) -> StoreResult<Vec<CommitFileRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COMMIT_COLUMNS}, f.id AS file_id, f.filename, f.type AS file_type \
         FROM release_commits rc JOIN commits c ON c.id = rc.commit_id {COMMIT_JOINS} \
         JOIN commit_file_changes f ON f.commit_id = c.id \
         WHERE rc.release_id = $1 ORDER BY rc.ord, f.filename"
    ))
    .bind(release_id)
    .fetch_all(reads)
    .await?;
    Ok(rows
        .iter()
        .map(|row| CommitFileRow {
            id: row.get("file_id"),
            filename: row.get("filename"),
            kind: row.get("file_type"),
            commit: commit_from_row(row),
        })
        .collect())
}

pub(super) async fn release_commit_summaries(
    reads: &SqlitePool,
    release_ids: &[i64],
) -> StoreResult<HashMap<i64, ReleaseCommitSummary>> {
    let mut out = HashMap::new();
    if release_ids.is_empty() {
        return Ok(out);
    }
    // Most releases of a list have no commits: find the ones that do in one statement rather
    // than asking for each release's commits.
    let placeholders: Vec<String> = (1..=release_ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT DISTINCT release_id FROM release_commits WHERE release_id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for id in release_ids {
        query = query.bind(*id);
    }
    let with_commits: std::collections::HashSet<i64> =
        query.fetch_all(reads).await?.into_iter().collect();
    for &release_id in release_ids.iter().filter(|id| with_commits.contains(id)) {
        let commits = release_commits(reads, release_id).await?;
        if commits.is_empty() {
            continue;
        }
        let mut authors: Vec<CommitAuthorRow> = Vec::new();
        for author in commits.iter().filter_map(|c| c.author.as_ref()) {
            if !authors.iter().any(|a| a.email == author.email) {
                authors.push(author.clone());
            }
        }
        out.insert(
            release_id,
            ReleaseCommitSummary {
                count: commits.len() as i64,
                last_commit: commits.into_iter().next(),
                authors,
            },
        );
    }
    Ok(out)
}

pub(super) async fn repositories(
    reads: &SqlitePool,
    organization_id: i64,
) -> StoreResult<Vec<RepositoryRow>> {
    let rows = sqlx::query(
        "SELECT id, name, date_created, url, provider FROM repositories \
         WHERE organization_id = $1 ORDER BY name",
    )
    .bind(organization_id)
    .fetch_all(reads)
    .await?;
    Ok(rows.iter().map(super::code_mappings::repository_from_row).collect())
}

pub(super) async fn previous_release_with_commits(
    reads: &SqlitePool,
    release_id: i64,
) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT r.version FROM releases r WHERE r.id < $1 \
         AND r.organization_id = (SELECT organization_id FROM releases WHERE id = $1) \
         AND EXISTS (SELECT 1 FROM release_commits rc WHERE rc.release_id = r.id) \
         AND (NOT EXISTS (SELECT 1 FROM release_projects WHERE release_id = $1) \
           OR EXISTS (SELECT 1 FROM release_projects p JOIN release_projects q \
             ON q.project_id = p.project_id AND q.release_id = $1 WHERE p.release_id = r.id)) \
         ORDER BY r.date_created DESC, r.id DESC LIMIT 1",
    )
    .bind(release_id)
    .fetch_optional(reads)
    .await?)
}

pub(super) async fn suspect_commit_candidates(
    reads: &SqlitePool,
    project_id: i64,
    release: &str,
) -> StoreResult<Vec<CommitRow>> {
    // The event's release and the project's four releases created before it (Sentry's
    // `get_previous_releases` with its limit of 5), newest first.
    let rows = sqlx::query(&format!(
        "WITH current AS (SELECT r.id, r.date_created FROM releases r \
           JOIN projects p ON p.organization_id = r.organization_id \
           WHERE p.id = $1 AND r.version = $2), \
         recent AS (SELECT r.id, r.date_created FROM releases r \
           JOIN release_projects rp ON rp.release_id = r.id AND rp.project_id = $1, current \
           WHERE r.date_created < current.date_created \
              OR (r.date_created = current.date_created AND r.id <= current.id) \
           ORDER BY r.date_created DESC, r.id DESC LIMIT 5) \
         SELECT {COMMIT_COLUMNS} FROM recent JOIN release_commits rc ON rc.release_id = recent.id \
         JOIN commits c ON c.id = rc.commit_id {COMMIT_JOINS} \
         ORDER BY recent.date_created DESC, recent.id DESC, rc.ord"
    ))
    .bind(project_id)
    .bind(release)
    .fetch_all(reads)
    .await?;
    let mut commits: Vec<CommitRow> = Vec::new();
    for row in &rows {
        let commit = commit_from_row(row);
        if !commits.iter().any(|c| c.id == commit.id) {
            commits.push(commit);
        }
    }
    for commit in &mut commits {
        commit.files = sqlx::query_as(
            "SELECT filename, type FROM commit_file_changes WHERE commit_id = $1 ORDER BY id",
        )
        .bind(commit.id)
        .fetch_all(reads)
        .await?;
    }
    Ok(commits)
}

/// Tells an issue's participants about an activity of the issue, except `actor`, who did it:
/// inserts one notification each, which the inbox lists and the mailer emails when SMTP is
/// configured. The participants are its subscribers ([`subscribe`]) and the people it is
/// assigned to (the user, or every member of the team), less those who unsubscribed, and only
/// members of the issue's organization.
///
/// This is the one place workflow notifications are made: assignment (the API's and, through
/// [`Store::assign_issue`], automatic assignment), comments, status changes and regressions
/// call it inside their transaction, after the issue's assignee and subscribers are what they
/// should be.
pub(crate) async fn notify_participants(
    conn: &mut sqlx::SqliteConnection,
    issue_id: i64,
    activity_id: Option<i64>,
    kind: &str,
    data: &str,
    actor: Option<i64>,
    at: i64,
) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO notifications (user_id, issue_id, activity_id, kind, data, actor_id, \
         date_created, email_next_at) \
         SELECT uid, $1, $2, $3, $4, $5, $6, $6 FROM ({PARTICIPANTS}) WHERE uid IS NOT $5"
    ))
    .bind(issue_id)
    .bind(activity_id)
    .bind(kind)
    .bind(data)
    .bind(actor)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The user ids (`uid`) of issue `$1`'s participants (see [`notify_participants`]).
const PARTICIPANTS: &str = "SELECT uid FROM ( \
       SELECT assignee_user_id AS uid FROM issues WHERE id = $1 AND assignee_user_id IS NOT NULL \
       UNION SELECT tm.user_id FROM issues i \
         JOIN team_members tm ON tm.team_id = i.assignee_team_id WHERE i.id = $1 \
       UNION SELECT user_id FROM issue_subscriptions WHERE issue_id = $1 AND is_active) \
     WHERE NOT EXISTS (SELECT 1 FROM issue_subscriptions s \
         WHERE s.issue_id = $1 AND s.user_id = uid AND NOT s.is_active) \
       AND uid IN (SELECT m.user_id FROM issues i JOIN projects p ON p.id = i.project_id \
         JOIN organization_members m ON m.organization_id = p.organization_id WHERE i.id = $1)";

/// Subscribes to an issue for `reason` (Sentry's `GroupSubscription.subscribe`), in the
/// transaction of what they did: a user who is subscribed already keeps their first reason,
/// and one who unsubscribed stays unsubscribed. Only members of the issue's organization.
pub(crate) async fn subscribe(
    conn: &mut sqlx::SqliteConnection,
    issue_id: i64,
    subscriber: Assignee,
    reason: &str,
    at: i64,
) -> StoreResult<()> {
    let users = match subscriber {
        Assignee::User(_) => "SELECT $2 AS uid",
        Assignee::Team(_) => "SELECT user_id AS uid FROM team_members WHERE team_id = $2",
    };
    let id = match subscriber {
        Assignee::User(id) | Assignee::Team(id) => id,
    };
    sqlx::query(&format!(
        "INSERT OR IGNORE INTO issue_subscriptions (issue_id, user_id, is_active, reason, \
         date_added) SELECT $1, uid, 1, $3, $4 FROM ({users}) \
         WHERE uid IN (SELECT m.user_id FROM issues i JOIN projects p ON p.id = i.project_id \
           JOIN organization_members m ON m.organization_id = p.organization_id WHERE i.id = $1)"
    ))
    .bind(issue_id)
    .bind(id)
    .bind(reason)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A user's own choice: subscribed or not, whatever they did (Sentry's `isSubscribed`).
pub(super) async fn set_subscription(
    pool: &SqlitePool,
    issue_id: i64,
    user_id: i64,
    active: bool,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO issue_subscriptions (issue_id, user_id, is_active, reason, date_added) \
         VALUES ($1, $2, $3, 'unknown', $4) \
         ON CONFLICT (issue_id, user_id) DO UPDATE SET is_active = excluded.is_active",
    )
    .bind(issue_id)
    .bind(user_id)
    .bind(active)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether a user is subscribed to an issue, and why: their subscription, else being (in a
/// team) assigned to it.
pub(super) async fn subscription(
    pool: &SqlitePool,
    issue_id: i64,
    user_id: i64,
) -> StoreResult<IssueSubscription> {
    let row: Option<(bool, String)> = sqlx::query_as(
        "SELECT is_active, reason FROM issue_subscriptions WHERE issue_id = $1 AND user_id = $2",
    )
    .bind(issue_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    if let Some((active, reason)) = row {
        return Ok(IssueSubscription { subscribed: active, reason: active.then_some(reason) });
    }
    let assigned: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM issues i LEFT JOIN team_members tm \
           ON tm.team_id = i.assignee_team_id AND tm.user_id = $2 \
         WHERE i.id = $1 AND (i.assignee_user_id = $2 OR tm.user_id IS NOT NULL))",
    )
    .bind(issue_id)
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(IssueSubscription { subscribed: assigned, reason: assigned.then(|| "assigned".into()) })
}

/// The issue's participants (see [`notify_participants`]), by name.
pub(super) async fn participants(pool: &SqlitePool, issue_id: i64) -> StoreResult<Vec<UserRow>> {
    let rows = sqlx::query(&format!(
        "SELECT u.* FROM users u WHERE u.id IN ({PARTICIPANTS}) ORDER BY u.name, u.email"
    ))
    .bind(issue_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(user_from_row).collect())
}

/// Sentry's default issue alert ("Send a notification for new issues": its owners, falling
/// through to the project's active members): a new issue notifies the users its ownership
/// found (users named, and the members of teams named), or, when it found none, the members of
/// the project's team; unless the project turned the alert off. Runs after ownership, in the
/// transaction that opens the issue.
pub(super) async fn notify_new_issue(
    conn: &mut sqlx::SqliteConnection,
    issue_id: i64,
    project_id: i64,
    first_seen: i64,
    at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO notifications (user_id, issue_id, activity_id, kind, data, actor_id, \
         date_created, email_next_at) \
         SELECT uid, $1, $2, 'new_issue', '{}', NULL, $3, $3 FROM ( \
           SELECT o.user_id AS uid FROM issue_owners o \
             WHERE o.issue_id = $1 AND o.user_id IS NOT NULL \
           UNION SELECT tm.user_id FROM issue_owners o \
             JOIN team_members tm ON tm.team_id = o.team_id WHERE o.issue_id = $1 \
           UNION SELECT tm.user_id FROM projects p \
             JOIN team_members tm ON tm.team_id = p.team_id \
             WHERE p.id = $4 AND NOT EXISTS (SELECT 1 FROM issue_owners WHERE issue_id = $1)) \
         WHERE (SELECT alert_new_issues FROM projects WHERE id = $4) = 1 \
           AND uid IN (SELECT m.user_id FROM organization_members m \
             JOIN projects p ON p.organization_id = m.organization_id WHERE p.id = $4)",
    )
    .bind(issue_id)
    .bind(first_seen)
    .bind(at)
    .bind(project_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn notifications(
    reads: &SqlitePool,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<NotificationRow>> {
    let rows = sqlx::query(
        "SELECT n.id, n.user_id, n.issue_id, n.activity_id, n.kind, n.data, n.date_created, \
         n.date_read, u.id AS actor_id, u.email AS actor_email, u.name AS actor_name \
         FROM notifications n LEFT JOIN users u ON u.id = n.actor_id \
         WHERE n.user_id = $1 AND n.id < $2 AND EXISTS (SELECT 1 FROM issues i \
           JOIN projects p ON p.id = i.project_id JOIN organization_members m \
           ON m.organization_id = p.organization_id AND m.user_id = n.user_id \
           WHERE i.id = n.issue_id) \
         ORDER BY n.id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(reads)
    .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let actor_id: Option<i64> = row.get("actor_id");
            NotificationRow {
                id: row.get("id"),
                user_id: row.get("user_id"),
                issue_id: row.get("issue_id"),
                activity_id: row.get("activity_id"),
                kind: row.get("kind"),
                data: row.get("data"),
                actor: actor_id.map(|id| UserRow {
                    id,
                    email: row.get("actor_email"),
                    name: row.get("actor_name"),
                    password_hash: None,
                    is_superuser: false,
                }),
                date_created: row.get("date_created"),
                date_read: row.get("date_read"),
            }
        })
        .collect())
}

pub(super) async fn unread_notifications(reads: &SqlitePool, user_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n WHERE n.user_id = $1 AND n.date_read IS NULL \
         AND EXISTS (SELECT 1 FROM issues i JOIN projects p ON p.id = i.project_id \
           JOIN organization_members m ON m.organization_id = p.organization_id \
           AND m.user_id = n.user_id WHERE i.id = n.issue_id)",
    )
    .bind(user_id)
    .fetch_one(reads)
    .await?)
}

pub(super) async fn mark_notifications_read(
    writes: &SqlitePool,
    user_id: i64,
    ids: Option<&[i64]>,
) -> StoreResult<()> {
    let now = now_ms();
    match ids {
        None => {
            sqlx::query(
                "UPDATE notifications SET date_read = $2 WHERE user_id = $1 AND date_read IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .execute(writes)
            .await?;
        }
        Some(ids) => {
            let mut tx = begin_write(writes).await?;
            for id in ids {
                sqlx::query(
                    "UPDATE notifications SET date_read = $3 \
                     WHERE id = $1 AND user_id = $2 AND date_read IS NULL",
                )
                .bind(id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

pub(super) async fn pending_emails(
    writes: &SqlitePool,
    now: i64,
    max_age_ms: i64,
) -> StoreResult<Vec<PendingEmail>> {
    sqlx::query(
        "UPDATE notifications SET email_state = 'expired' \
         WHERE email_state = 'pending' AND date_created < $1",
    )
    .bind(now - max_age_ms)
    .execute(writes)
    .await?;
    // The users who asked for none of a type's emails (Sentry's `never`): their notifications
    // stay in the inbox, unmailed.
    sqlx::query(
        "UPDATE notifications SET email_state = 'skipped' \
         WHERE email_state = 'pending' AND EXISTS (SELECT 1 FROM user_notification_options o \
           WHERE o.user_id = notifications.user_id AND o.value = 'never' \
             AND o.type = CASE WHEN notifications.kind IN ('new_issue', 'alert') \
               THEN 'alerts' ELSE 'workflow' END)",
    )
    .execute(writes)
    .await?;
    let rows = sqlx::query(
        "SELECT n.id, u.email, n.kind, n.issue_id, i.title, o.slug, n.email_tries \
         FROM notifications n JOIN users u ON u.id = n.user_id \
         JOIN issues i ON i.id = n.issue_id JOIN projects p ON p.id = i.project_id \
         JOIN organizations o ON o.id = p.organization_id \
         WHERE n.email_state = 'pending' AND n.email_next_at <= $1 \
         ORDER BY n.email_next_at, n.id LIMIT 100",
    )
    .bind(now)
    .fetch_all(writes)
    .await?;
    Ok(rows
        .iter()
        .map(|row| PendingEmail {
            id: row.get(0),
            email: row.get(1),
            kind: row.get(2),
            issue_id: row.get(3),
            title: row.get(4),
            organization: row.get(5),
            tries: row.get(6),
        })
        .collect())
}

pub(super) async fn email_attempted(
    writes: &SqlitePool,
    notification_id: i64,
    sent: bool,
    retry_at: Option<i64>,
) -> StoreResult<()> {
    let (state, next) = match (sent, retry_at) {
        (true, _) => ("sent", 0),
        (false, Some(at)) => ("pending", at),
        (false, None) => ("failed", 0),
    };
    sqlx::query(
        "UPDATE notifications SET email_state = $2, email_next_at = $3, \
         email_tries = email_tries + 1 WHERE id = $1",
    )
    .bind(notification_id)
    .bind(state)
    .bind(next)
    .execute(writes)
    .await?;
    Ok(())
}

pub(super) async fn notification_options(
    reads: &SqlitePool,
    user_id: i64,
) -> StoreResult<Vec<NotificationOptionRow>> {
    let rows = sqlx::query(
        "SELECT id, user_id, type, value FROM user_notification_options WHERE user_id = $1 \
         ORDER BY type",
    )
    .bind(user_id)
    .fetch_all(reads)
    .await?;
    Ok(rows.iter().map(notification_option_from_row).collect())
}

pub(super) async fn set_notification_option(
    writes: &SqlitePool,
    user_id: i64,
    kind: &str,
    value: &str,
) -> StoreResult<NotificationOptionRow> {
    let row = sqlx::query(
        "INSERT INTO user_notification_options (user_id, type, value) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, type) DO UPDATE SET value = excluded.value \
         RETURNING id, user_id, type, value",
    )
    .bind(user_id)
    .bind(kind)
    .bind(value)
    .fetch_one(writes)
    .await?;
    Ok(notification_option_from_row(&row))
}

fn notification_option_from_row(row: &sqlx::sqlite::SqliteRow) -> NotificationOptionRow {
    NotificationOptionRow {
        id: row.get("id"),
        user_id: row.get("user_id"),
        kind: row.get("type"),
        value: row.get("value"),
    }
}
