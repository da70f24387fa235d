//! Ownership settings, CODEOWNERS files and the owners of issues; and what the event writer
//! does with an event's ownership when the event opens or regresses an issue.

use super::*;

/// Sentry's default `autoAssignment` for a project that never saved its ownership settings.
const DEFAULT_AUTO_ASSIGNMENT: &str = cairn_types::api::AUTO_ASSIGN_ISSUE_OWNER;

/// The ownership part of the ingest-settings row (columns of the LEFT JOINs); `None` when the
/// project has neither rules nor a CODEOWNERS file.
pub(super) fn ingest_ownership(row: &SqliteRow) -> Option<IngestOwnership> {
    let rules_schema: Option<String> = row.get("rules_schema");
    let codeowners_schema: Option<String> = row.get("codeowners_schema");
    if rules_schema.is_none() && codeowners_schema.is_none() {
        return None;
    }
    let fallthrough: Option<bool> = row.get("fallthrough");
    let auto_assignment: Option<String> = row.get("auto_assignment");
    Some(IngestOwnership {
        rules_schema,
        codeowners_schema,
        fallthrough: fallthrough.unwrap_or(true),
        auto_assignment: auto_assignment.unwrap_or_else(|| DEFAULT_AUTO_ASSIGNMENT.to_owned()),
    })
}

pub(super) async fn project_ownership(
    pool: &SqlitePool,
    project_id: i64,
) -> StoreResult<OwnershipRow> {
    let row = sqlx::query(
        "SELECT p.id, o.raw, o.rules_schema, o.fallthrough, o.auto_assignment, \
         o.codeowners_auto_sync, o.date_created, o.last_updated \
         FROM projects p LEFT JOIN project_ownership o ON o.project_id = p.id WHERE p.id = $1",
    )
    .bind(project_id)
    .fetch_one(pool)
    .await?;
    Ok(OwnershipRow {
        raw: row.get("raw"),
        rules_schema: row.get("rules_schema"),
        fallthrough: row.get::<Option<bool>, _>("fallthrough").unwrap_or(true),
        auto_assignment: row
            .get::<Option<String>, _>("auto_assignment")
            .unwrap_or_else(|| DEFAULT_AUTO_ASSIGNMENT.to_owned()),
        codeowners_auto_sync: row.get::<Option<bool>, _>("codeowners_auto_sync").unwrap_or(true),
        date_created: row.get("date_created"),
        last_updated: row.get("last_updated"),
    })
}

pub(super) async fn set_project_ownership(
    pool: &SqlitePool,
    project_id: i64,
    ownership: &OwnershipRow,
) -> StoreResult<OwnershipRow> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO project_ownership (project_id, raw, rules_schema, fallthrough, \
         auto_assignment, codeowners_auto_sync, date_created, last_updated) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (project_id) DO UPDATE SET \
         raw = excluded.raw, rules_schema = excluded.rules_schema, \
         fallthrough = excluded.fallthrough, auto_assignment = excluded.auto_assignment, \
         codeowners_auto_sync = excluded.codeowners_auto_sync, last_updated = excluded.last_updated",
    )
    .bind(project_id)
    .bind(&ownership.raw)
    .bind(&ownership.rules_schema)
    .bind(ownership.fallthrough)
    .bind(&ownership.auto_assignment)
    .bind(ownership.codeowners_auto_sync)
    .bind(now)
    .execute(pool)
    .await?;
    project_ownership(pool, project_id).await
}

fn codeowners_from_row(row: &SqliteRow) -> CodeownersRow {
    CodeownersRow {
        id: row.get("id"),
        raw: row.get("raw"),
        rules_schema: row.get("rules_schema"),
        errors: row.get("errors"),
        code_mapping_id: row.get("code_mapping_id"),
        date_created: row.get("date_created"),
        date_updated: row.get("date_updated"),
    }
}

pub(super) async fn project_codeowners(
    pool: &SqlitePool,
    project_id: i64,
) -> StoreResult<Vec<CodeownersRow>> {
    let rows = sqlx::query("SELECT * FROM project_codeowners WHERE project_id = $1")
        .bind(project_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(codeowners_from_row).collect())
}

pub(super) async fn set_project_codeowners(
    pool: &SqlitePool,
    project_id: i64,
    raw: &str,
    rules_schema: &str,
    errors: &str,
    code_mapping_id: Option<i64>,
) -> StoreResult<CodeownersRow> {
    let row = sqlx::query(
        "INSERT INTO project_codeowners (project_id, raw, rules_schema, errors, date_created, \
         date_updated, code_mapping_id) VALUES ($1, $2, $3, $4, $5, $5, $6) \
         ON CONFLICT (project_id) DO UPDATE SET raw = excluded.raw, \
         rules_schema = excluded.rules_schema, errors = excluded.errors, \
         date_updated = excluded.date_updated, code_mapping_id = excluded.code_mapping_id \
         RETURNING *",
    )
    .bind(project_id)
    .bind(raw)
    .bind(rules_schema)
    .bind(errors)
    .bind(now_ms())
    .bind(code_mapping_id)
    .fetch_one(pool)
    .await?;
    Ok(codeowners_from_row(&row))
}

pub(super) async fn issue_owners(
    pool: &SqlitePool,
    issue_ids: &[i64],
) -> StoreResult<Vec<IssueOwnerRow>> {
    if issue_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=issue_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT issue_id, kind, user_id, team_id, rule, matched, date_added FROM issue_owners \
         WHERE issue_id IN ({}) ORDER BY issue_id, rowid",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in issue_ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(pool).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let owner = match (row.get::<Option<i64>, _>("user_id"), row.get("team_id")) {
                (Some(user), _) => Assignee::User(user),
                (None, Some(team)) => Assignee::Team(team),
                (None, None) => return None,
            };
            Some(IssueOwnerRow {
                issue_id: row.get("issue_id"),
                kind: row.get("kind"),
                owner,
                rule: row.get("rule"),
                matched: row.get("matched"),
                date_added: row.get("date_added"),
            })
        })
        .collect())
}

/// Records the owners an event found for the issue it opened (`opened`) or regressed, and
/// assigns the issue to the first of them when the project auto-assigns and nobody is
/// assigned yet, with Sentry's activity entry. Owners deleted since the rules were saved are
/// skipped, so a stale rule never fails the write.
pub(super) async fn apply_event_ownership(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    ownership: &EventOwnership,
    opened: bool,
    at: i64,
) -> StoreResult<()> {
    if !opened {
        // Suspect-commit owners are recomputed on their own (see `crate::suspects`).
        sqlx::query("DELETE FROM issue_owners WHERE issue_id = $1 AND kind != $2")
            .bind(issue_id)
            .bind(SUSPECT_COMMIT)
            .execute(&mut *tx)
            .await?;
    }
    if !opened || ownership.fallthrough {
        sqlx::query("UPDATE issues SET owners_fallthrough = $2 WHERE id = $1")
            .bind(issue_id)
            .bind(ownership.fallthrough)
            .execute(&mut *tx)
            .await?;
    }
    let Some(found) = &ownership.owner else {
        return Ok(());
    };
    let ids = |owner: &Assignee| match *owner {
        Assignee::User(id) => (Some(id), None),
        Assignee::Team(id) => (None, Some(id)),
    };
    for owner in &found.owners {
        let (user_id, team_id) = ids(owner);
        sqlx::query(&format!(
            "INSERT INTO issue_owners (issue_id, kind, user_id, team_id, rule, matched, \
             date_added) SELECT $1, $2, $3, $4, $5, $6, $7 WHERE {}",
            owner_exists("$3", "$4")
        ))
        .bind(issue_id)
        .bind(found.kind)
        .bind(user_id)
        .bind(team_id)
        .bind(&found.rule)
        .bind(&found.matched)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    let Some(first) = found.owners.first().filter(|_| ownership.auto_assign) else {
        return Ok(());
    };
    let rule = Some(found.rule.as_str());
    assign_automatically(tx, issue_id, first, "projectOwnership", rule, false, at).await
}

/// Sentry's `GroupOwnerType.SUSPECT_COMMIT`: the owners found from suspect commits.
const SUSPECT_COMMIT: &str = "suspectCommit";

/// Replaces an issue's suspect-commit owners; assigns the issue to the first of them when its
/// project auto-assigns to suspect commits. Such an assignment replaces an earlier automatic one
/// (by an ownership rule: Sentry prefers the suspect commit's author in this mode), never a
/// person's choice.
pub(super) async fn set_suspect_owners(
    pool: &SqlitePool,
    issue_id: i64,
    owners: &[SuspectOwner],
) -> StoreResult<()> {
    let at = now_ms();
    let mut tx = begin_write(pool).await?;
    sqlx::query("DELETE FROM issue_owners WHERE issue_id = $1 AND kind = $2")
        .bind(issue_id)
        .bind(SUSPECT_COMMIT)
        .execute(&mut *tx)
        .await?;
    for owner in owners {
        let matched = serde_json::json!({ "commits": owner.commits }).to_string();
        // A member removed since the lookup simply drops out.
        sqlx::query(
            "INSERT INTO issue_owners (issue_id, kind, user_id, team_id, rule, matched, \
             date_added) SELECT $1, $2, $3, NULL, '', $4, $5 \
             WHERE EXISTS (SELECT 1 FROM users WHERE id = $3)",
        )
        .bind(issue_id)
        .bind(SUSPECT_COMMIT)
        .bind(owner.user_id)
        .bind(&matched)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    let mode: Option<String> = sqlx::query_scalar(
        "SELECT o.auto_assignment FROM issues i \
         JOIN project_ownership o ON o.project_id = i.project_id WHERE i.id = $1",
    )
    .bind(issue_id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(first) = owners.first() {
        if mode.as_deref() == Some(cairn_types::api::AUTO_ASSIGN_SUSPECT_COMMITS) {
            let owner = Assignee::User(first.user_id);
            assign_automatically(&mut tx, issue_id, &owner, "suspectCommitter", None, true, at)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Assigns an issue to `owner` on Cairn's own initiative, with Sentry's `assigned` activity
/// (`integration` says why) and a notification to the new owner. Only an unassigned issue is
/// assigned, or with `replace_automatic` one whose last assignment change Cairn made itself:
/// Sentry never overrides a person's choice. Owners deleted in the meantime are skipped.
async fn assign_automatically(
    tx: &mut sqlx::SqliteConnection,
    issue_id: i64,
    owner: &Assignee,
    integration: &str,
    rule: Option<&str>,
    replace_automatic: bool,
    at: i64,
) -> StoreResult<()> {
    let (user_id, team_id) = match *owner {
        Assignee::User(id) => (Some(id), None),
        Assignee::Team(id) => (None, Some(id)),
    };
    let replaceable = if replace_automatic {
        // The latest assignment change was not a person's.
        "NOT EXISTS (SELECT 1 FROM activities a WHERE a.id = (SELECT MAX(id) FROM activities \
         WHERE issue_id = $1 AND kind IN ('assigned', 'unassigned')) AND a.user_id IS NOT NULL)"
    } else {
        "0"
    };
    // One statement decides, so a person's concurrent choice is never overwritten.
    let assigned = sqlx::query(&format!(
        "UPDATE issues SET assignee_user_id = $2, assignee_team_id = $3 WHERE id = $1 \
         AND ((assignee_user_id IS NULL AND assignee_team_id IS NULL) OR ({replaceable})) \
         AND NOT (assignee_user_id IS $2 AND assignee_team_id IS $3) AND {}",
        owner_exists("$2", "$3")
    ))
    .bind(issue_id)
    .bind(user_id)
    .bind(team_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if assigned == 0 {
        return Ok(());
    }
    let data = match owner {
        Assignee::User(id) => {
            let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            serde_json::json!({
                "assignee": id.to_string(), "assigneeType": "user", "assigneeEmail": email,
                "integration": integration, "rule": rule,
            })
        }
        Assignee::Team(id) => serde_json::json!({
            "assignee": id.to_string(), "assigneeType": "team",
            "integration": integration, "rule": rule,
        }),
    };
    let data = data.to_string();
    let activity_id = record_activity(tx, issue_id, "assigned", None, &data, at).await?;
    // The new owner hears of it as of any assignment (nobody assigned it: no one is skipped).
    super::subscribe(tx, issue_id, *owner, "assigned", at).await?;
    super::notify_participants(tx, issue_id, Some(activity_id), "assigned", &data, None, at).await
}

/// SQL that holds when the user and team bound at these parameters (either may be NULL) exist.
fn owner_exists(user: &str, team: &str) -> String {
    format!(
        "({user} IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = {user})) \
         AND ({team} IS NULL OR EXISTS (SELECT 1 FROM teams WHERE id = {team}))"
    )
}
