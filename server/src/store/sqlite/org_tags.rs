//! Tags across an organization's issues, for the issue stream's search suggestions: which tag
//! keys exist and which values a key has, summed from the per-issue tag counts.

use super::*;

/// `AND i.project_id IN ($n, ...)` for the projects (nothing when empty: every project of the
/// organization), numbered from `$first`.
fn project_filter(project_ids: &[i64], first: usize) -> String {
    if project_ids.is_empty() {
        return String::new();
    }
    let placeholders: Vec<String> =
        (0..project_ids.len()).map(|i| format!("${}", first + i)).collect();
    format!(" AND i.project_id IN ({})", placeholders.join(", "))
}

pub(super) async fn tag_keys(
    pool: &SqlitePool,
    organization_id: i64,
    project_ids: &[i64],
) -> StoreResult<Vec<(String, i64)>> {
    let sql = format!(
        "SELECT t.key, COUNT(DISTINCT t.value) FROM issue_tag_values t \
         JOIN issues i ON i.id = t.issue_id \
         WHERE i.project_id IN (SELECT id FROM projects WHERE organization_id = $1){} \
         GROUP BY t.key ORDER BY SUM(t.times_seen) DESC, t.key LIMIT 200",
        project_filter(project_ids, 2)
    );
    let mut query = sqlx::query_as(&sql).bind(organization_id);
    for id in project_ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(pool).await?)
}

pub(super) async fn tag_values(
    pool: &SqlitePool,
    organization_id: i64,
    project_ids: &[i64],
    key: &str,
    contains: &str,
    limit: i64,
) -> StoreResult<Vec<TagValueRow>> {
    let sql = format!(
        "SELECT t.value, SUM(t.times_seen), MIN(t.first_seen), MAX(t.last_seen) \
         FROM issue_tag_values t JOIN issues i ON i.id = t.issue_id \
         WHERE i.project_id IN (SELECT id FROM projects WHERE organization_id = $1) \
         AND t.key = $2 AND t.value LIKE $3 ESCAPE '\\'{} \
         GROUP BY t.value ORDER BY SUM(t.times_seen) DESC, t.value LIMIT $4",
        project_filter(project_ids, 5)
    );
    let pattern = format!("%{}%", escape_like(contains));
    let mut query = sqlx::query_as::<_, (String, i64, i64, i64)>(&sql)
        .bind(organization_id)
        .bind(key)
        .bind(pattern)
        .bind(limit);
    for id in project_ids {
        query = query.bind(id);
    }
    Ok(query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(value, times_seen, first_seen, last_seen)| TagValueRow {
            key: key.to_owned(),
            value,
            times_seen,
            first_seen,
            last_seen,
        })
        .collect())
}
