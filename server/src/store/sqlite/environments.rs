//! Environments (Sentry's `Environment` and `EnvironmentProject`): the names events and
//! sessions were sent with, which projects saw each, and whether a project hides one from the
//! environment pickers. The event writer records a (project, environment) pair the first time
//! it sees it; the API reads and changes the rest.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::writer::WriteJob;
use super::{touched_one, SqliteStore};
use crate::store::{EnvironmentRow, StoreError, StoreResult};
use crate::util::now_ms;

/// The pairs the writer knows are stored, and those its current commit adds. A pair is
/// written once per process: after a restart, the first event of each pair costs an
/// `INSERT OR IGNORE`, and every other event a set lookup.
#[derive(Debug, Default)]
pub(super) struct SeenEnvironments {
    known: HashMap<i64, HashSet<String>>,
    pending: Vec<(i64, String)>,
}

impl SeenEnvironments {
    /// An event or session of `project_id` sent with `environment` (none or empty: nothing).
    pub(super) fn saw(&mut self, project_id: i64, environment: Option<&str>) {
        let Some(name) = environment.filter(|name| !name.is_empty() && *name != "/") else {
            return;
        };
        if self.known.get(&project_id).is_some_and(|names| names.contains(name)) {
            return;
        }
        if !self.pending.iter().any(|(p, n)| *p == project_id && n == name) {
            self.pending.push((project_id, name.to_owned()));
        }
    }

    /// The sessions of a batch: their environments too.
    pub(super) fn sessions(&mut self, jobs: &[WriteJob]) {
        for job in jobs {
            for update in &job.batch.sessions {
                self.saw(update.project_id, Some(&update.environment));
            }
            for aggregate in &job.batch.session_aggregates {
                self.saw(aggregate.project_id, Some(&aggregate.environment));
            }
        }
    }

    /// Writes the new pairs, in the writer's transaction.
    pub(super) fn write(&self, conn: &Connection) -> StoreResult<()> {
        for (project_id, name) in &self.pending {
            conn.prepare_cached(
                "INSERT INTO environments (organization_id, name, date_added) \
                 SELECT organization_id, ?2, ?3 FROM projects WHERE id = ?1 \
                 ON CONFLICT (organization_id, name) DO NOTHING",
            )?
            .execute(rusqlite::params![project_id, name, now_ms()])?;
            conn.prepare_cached(
                "INSERT OR IGNORE INTO environment_projects (project_id, environment_id) \
                 SELECT p.id, e.id FROM projects p JOIN environments e \
                   ON e.organization_id = p.organization_id AND e.name = ?2 WHERE p.id = ?1",
            )?
            .execute(rusqlite::params![project_id, name])?;
        }
        Ok(())
    }

    /// The commit went through: its pairs are known from now on.
    pub(super) fn committed(&mut self) {
        for (project_id, name) in self.pending.drain(..) {
            self.known.entry(project_id).or_default().insert(name);
        }
    }

    /// The commit failed: its pairs will be seen again.
    pub(super) fn rolled_back(&mut self) {
        self.pending.clear();
    }
}

fn environment_from_row(row: &SqliteRow) -> EnvironmentRow {
    EnvironmentRow {
        id: row.get("id"),
        name: row.get("name"),
        is_hidden: row.get::<i64, _>("is_hidden") != 0,
    }
}

impl SqliteStore {
    /// A project's environments, by name; `hidden` filters on the project's setting.
    pub(super) async fn read_project_environments(
        &self,
        project_id: i64,
        hidden: Option<bool>,
    ) -> StoreResult<Vec<EnvironmentRow>> {
        let rows = sqlx::query(
            "SELECT e.id, e.name, ep.is_hidden FROM environment_projects ep \
             JOIN environments e ON e.id = ep.environment_id \
             WHERE ep.project_id = ? AND (? IS NULL OR ep.is_hidden = ?) ORDER BY e.name",
        )
        .bind(project_id)
        .bind(hidden)
        .bind(hidden)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.iter().map(environment_from_row).collect())
    }

    /// The organization's environments (of these projects; all when empty), by name: with
    /// `hidden` `Some(false)` those some project shows, `Some(true)` those every project that
    /// saw them hides. `is_hidden` is whether every such project hides it.
    pub(super) async fn read_organization_environments(
        &self,
        organization_id: i64,
        project_ids: &[i64],
        hidden: Option<bool>,
    ) -> StoreResult<Vec<EnvironmentRow>> {
        let projects = if project_ids.is_empty() {
            String::new()
        } else {
            let ids: Vec<String> = project_ids.iter().map(i64::to_string).collect();
            format!(" AND ep.project_id IN ({})", ids.join(", "))
        };
        let sql = format!(
            "SELECT e.id, e.name, MIN(ep.is_hidden) AS is_hidden FROM environments e \
             JOIN environment_projects ep ON ep.environment_id = e.id \
             WHERE e.organization_id = ?{projects} GROUP BY e.id \
             HAVING ? IS NULL OR MIN(ep.is_hidden) = ? ORDER BY e.name"
        );
        let rows = sqlx::query(&sql)
            .bind(organization_id)
            .bind(hidden)
            .bind(hidden)
            .fetch_all(&self.reads)
            .await?;
        Ok(rows.iter().map(environment_from_row).collect())
    }

    /// Hides or shows an environment in a project; the environment as the project has it.
    pub(super) async fn write_environment_hidden(
        &self,
        project_id: i64,
        name: &str,
        hidden: bool,
    ) -> StoreResult<EnvironmentRow> {
        touched_one(
            sqlx::query(
                "UPDATE environment_projects SET is_hidden = ? WHERE project_id = ? \
                 AND environment_id = (SELECT e.id FROM environments e JOIN projects p \
                   ON p.organization_id = e.organization_id WHERE p.id = ? AND e.name = ?)",
            )
            .bind(hidden)
            .bind(project_id)
            .bind(project_id)
            .bind(name)
            .execute(&self.writes)
            .await?,
        )?;
        let row = sqlx::query(
            "SELECT e.id, e.name, ep.is_hidden FROM environment_projects ep \
             JOIN environments e ON e.id = ep.environment_id \
             WHERE ep.project_id = ? AND e.name = ?",
        )
        .bind(project_id)
        .bind(name)
        .fetch_optional(&self.writes)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(environment_from_row(&row))
    }
}
