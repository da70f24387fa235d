//! Weekly reports: one organization's week read from the counters ingestion keeps (the
//! issues' hourly events, release health's hourly sessions) and the issues' activity, and the
//! claims that make each week's report go out once.

use sqlx::Row;

use super::{organization_from_row, SqliteStore};
use crate::store::{OrganizationRow, ProjectWeekRow, StoreResult, TopIssueRow, WeeklyReportRow};
use crate::util::now_ms;

const WEEK_MS: i64 = 7 * 86_400_000;

impl SqliteStore {
    pub(super) async fn read_weekly_report(
        &self,
        organization_id: i64,
        start: i64,
        end: i64,
        top: i64,
    ) -> StoreResult<WeeklyReportRow> {
        // Hourly tables count in Unix seconds.
        let (start_s, end_s, before_s) = (start / 1000, end / 1000, (start - WEEK_MS) / 1000);
        // One row per project, each figure a subquery over its own index.
        let rows = sqlx::query(
            "SELECT p.slug, \
             (SELECT COALESCE(SUM(h.events), 0) FROM issues i JOIN issue_hourly h \
              ON h.issue_id = i.id WHERE i.project_id = p.id AND h.hour >= ?1 AND h.hour < ?2) \
              AS errors, \
             (SELECT COALESCE(SUM(h.events), 0) FROM issues i JOIN issue_hourly h \
              ON h.issue_id = i.id WHERE i.project_id = p.id AND h.hour >= ?3 AND h.hour < ?1) \
              AS errors_before, \
             (SELECT COUNT(*) FROM issues i WHERE i.project_id = p.id \
              AND i.first_seen >= ?4 AND i.first_seen < ?5) AS new_issues, \
             (SELECT COUNT(*) FROM issues i JOIN activities a ON a.issue_id = i.id \
              WHERE i.project_id = p.id AND a.kind = 'set_resolved' \
              AND a.date_created >= ?4 AND a.date_created < ?5) AS resolved, \
             (SELECT COUNT(*) FROM issues i JOIN activities a ON a.issue_id = i.id \
              WHERE i.project_id = p.id AND a.kind = 'set_regression' \
              AND a.date_created >= ?4 AND a.date_created < ?5) AS regressed, \
             (SELECT COALESCE(SUM(s.sessions), 0) FROM session_hourly s \
              WHERE s.project_id = p.id AND s.hour >= ?1 AND s.hour < ?2) AS sessions, \
             (SELECT COALESCE(SUM(s.crashed), 0) FROM session_hourly s \
              WHERE s.project_id = p.id AND s.hour >= ?1 AND s.hour < ?2) AS crashed \
             FROM projects p WHERE p.organization_id = ?6 ORDER BY p.slug",
        )
        .bind(start_s)
        .bind(end_s)
        .bind(before_s)
        .bind(start)
        .bind(end)
        .bind(organization_id)
        .fetch_all(&self.reads)
        .await?;
        let projects = rows
            .iter()
            .map(|row| ProjectWeekRow {
                slug: row.get("slug"),
                errors: row.get("errors"),
                errors_before: row.get("errors_before"),
                new_issues: row.get("new_issues"),
                resolved: row.get("resolved"),
                regressed: row.get("regressed"),
                sessions: row.get("sessions"),
                crashed: row.get("crashed"),
            })
            .collect();
        let top_issues = sqlx::query(
            "SELECT i.id, p.slug, i.short_id, i.title, SUM(h.events) AS events \
             FROM projects p JOIN issues i ON i.project_id = p.id \
             JOIN issue_hourly h ON h.issue_id = i.id \
             WHERE p.organization_id = ? AND h.hour >= ? AND h.hour < ? \
             GROUP BY i.id ORDER BY events DESC, i.id LIMIT ?",
        )
        .bind(organization_id)
        .bind(start_s)
        .bind(end_s)
        .bind(top)
        .fetch_all(&self.reads)
        .await?
        .iter()
        .map(|row| TopIssueRow {
            id: row.get("id"),
            project: row.get("slug"),
            short_id: row.get("short_id"),
            title: row.get("title"),
            events: row.get("events"),
        })
        .collect();
        Ok(WeeklyReportRow { projects, top_issues })
    }

    pub(super) async fn claim_reports(
        &self,
        week_start: i64,
        week_end: i64,
    ) -> StoreResult<Vec<OrganizationRow>> {
        let claimed: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO weekly_reports (organization_id, week_start, date_sent) \
             SELECT id, ?, ? FROM organizations WHERE date_created < ? \
             ON CONFLICT DO NOTHING RETURNING organization_id",
        )
        .bind(week_start)
        .bind(now_ms())
        .bind(week_end)
        .fetch_all(&self.writes)
        .await?;
        let mut organizations = Vec::with_capacity(claimed.len());
        for id in claimed {
            let row = sqlx::query("SELECT * FROM organizations WHERE id = ?")
                .bind(id)
                .fetch_one(&self.reads)
                .await?;
            organizations.push(organization_from_row(&row));
        }
        Ok(organizations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A week's report is claimed once per organization, and only for organizations that
    /// existed before the week ended.
    #[tokio::test]
    async fn each_week_is_claimed_once_for_the_organizations_it_saw() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("cairn.db").display());
        let store = SqliteStore::connect(&url).await.expect("store opens");
        let org = store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        let now = now_ms();
        // The week that ended before the organization was made: nothing to claim.
        assert!(store
            .claim_weekly_reports(now - 2 * WEEK_MS, now - WEEK_MS)
            .await
            .expect("claim")
            .is_empty());
        // A week that ends after it: claimed once.
        let claimed = store.claim_weekly_reports(now - WEEK_MS + 1, now + 1).await.expect("claim");
        assert_eq!(claimed.iter().map(|o| o.id).collect::<Vec<_>>(), [org.id]);
        assert!(store
            .claim_weekly_reports(now - WEEK_MS + 1, now + 1)
            .await
            .expect("again")
            .is_empty());
        // Its report reads the projects, even with nothing in them.
        let report = store.weekly_report(org.id, now - WEEK_MS, now, 5).await.expect("report");
        assert_eq!(report.projects.len(), 1);
        assert_eq!(report.projects[0].errors, 0);
        assert!(report.top_issues.is_empty());
    }
}
