//! Release adoption stages in SQLite (migration 0053): the session totals the adoption task
//! decides on, its decisions recorded, and the rows the releases API reads.

use std::collections::HashSet;

use sqlx::{Row, SqlitePool};

use super::begin_write;
use super::health::in_list;
use crate::store::{AdoptionChanges, AdoptionRow, AdoptionTotal, StoreResult};

/// Sessions started per (project, environment, release) since `since` (Unix seconds, an hour
/// bucket), in named environments only, as Sentry's release monitor counts them.
pub(super) async fn adoption_totals(
    pool: &SqlitePool,
    since: i64,
) -> StoreResult<Vec<AdoptionTotal>> {
    let rows = sqlx::query(
        "SELECT project_id, environment, release, SUM(sessions) FROM session_hourly \
         WHERE hour >= $1 AND environment != '' \
         GROUP BY project_id, environment, release HAVING SUM(sessions) > 0",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| AdoptionTotal {
            project_id: r.get(0),
            environment: r.get(1),
            release: r.get(2),
            sessions: r.get(3),
        })
        .collect())
}

/// Records one run of the adoption task at `now` (Unix ms) over `project_ids` (the projects
/// that had sessions): each of `adopted` (project, release, environment) becomes adopted, keeping
/// its first adoption time and clearing a replacement; every other release adopted in those
/// projects is replaced. Projects without sessions keep their stages, as in Sentry.
pub(super) async fn record_adoption(
    pool: &SqlitePool,
    now: i64,
    project_ids: &[i64],
    adopted: &[(i64, String, String)],
) -> StoreResult<AdoptionChanges> {
    let mut changes = AdoptionChanges::default();
    if project_ids.is_empty() {
        return Ok(changes);
    }
    let mut tx = begin_write(pool).await?;
    for (project_id, release, environment) in adopted {
        let changed = sqlx::query(
            "INSERT INTO release_adoption (project_id, release, environment, adopted) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (project_id, release, environment) \
             DO UPDATE SET unadopted = NULL WHERE unadopted IS NOT NULL",
        )
        .bind(project_id)
        .bind(release)
        .bind(environment)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        changes.adopted += changed as usize;
    }
    let mut next = 1;
    let projects = in_list("project_id", project_ids.len(), &mut next);
    let sql = format!(
        "SELECT project_id, release, environment FROM release_adoption \
         WHERE unadopted IS NULL{projects}"
    );
    let mut current = sqlx::query(&sql);
    for id in project_ids {
        current = current.bind(id);
    }
    let still: HashSet<(i64, &str, &str)> =
        adopted.iter().map(|(p, r, e)| (*p, r.as_str(), e.as_str())).collect();
    for row in current.fetch_all(&mut *tx).await? {
        let (project_id, release, environment): (i64, String, String) =
            (row.get(0), row.get(1), row.get(2));
        if still.contains(&(project_id, release.as_str(), environment.as_str())) {
            continue;
        }
        sqlx::query(
            "UPDATE release_adoption SET unadopted = $4 \
             WHERE project_id = $1 AND release = $2 AND environment = $3",
        )
        .bind(project_id)
        .bind(&release)
        .bind(&environment)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        changes.replaced += 1;
    }
    tx.commit().await?;
    Ok(changes)
}

/// The adoption rows of `releases` in `project_ids`, in `environments` (all when empty).
pub(super) async fn release_adoption(
    pool: &SqlitePool,
    project_ids: &[i64],
    releases: &[String],
    environments: &[String],
) -> StoreResult<Vec<AdoptionRow>> {
    if project_ids.is_empty() || releases.is_empty() {
        return Ok(Vec::new());
    }
    let mut next = 1;
    let mut filters = in_list("project_id", project_ids.len(), &mut next);
    filters.push_str(&in_list("release", releases.len(), &mut next));
    filters.push_str(&in_list("environment", environments.len(), &mut next));
    let sql = format!(
        "SELECT project_id, release, environment, adopted, unadopted FROM release_adoption \
         WHERE 1 = 1{filters} ORDER BY project_id, release, environment"
    );
    let mut query = sqlx::query(&sql);
    for id in project_ids {
        query = query.bind(id);
    }
    for value in releases.iter().chain(environments) {
        query = query.bind(value);
    }
    Ok(query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| AdoptionRow {
            project_id: r.get(0),
            release: r.get(1),
            environment: r.get(2),
            adopted: r.get(3),
            unadopted: r.get(4),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::health::tests::store_with_project;
    use super::super::SqliteStore;
    use crate::adoption::run_once;
    use crate::store::{AdoptionStage, NewRelease, ReleaseQuery, StageFilter, Store};

    const HOUR_MS: i64 = 3_600_000;

    /// Adds started sessions to an hour of `session_hourly`, as the session writer does.
    fn sessions(conn: &Connection, project: i64, release: &str, env: &str, at: i64, n: i64) {
        conn.execute(
            "INSERT INTO session_hourly (project_id, release, environment, hour, sessions) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (project_id, release, environment, hour) \
             DO UPDATE SET sessions = sessions + excluded.sessions",
            rusqlite::params![project, release, env, at.div_euclid(HOUR_MS) * 3_600, n],
        )
        .expect("sessions added");
    }

    /// (release, environment, stage) of every adoption row.
    async fn stages(store: &SqliteStore, project: i64) -> Vec<(String, String, AdoptionStage)> {
        let releases: Vec<String> = ["app@1", "app@2", "app@3"].map(String::from).into();
        let rows = store.release_adoption(&[project], &releases, &[]).await.expect("rows");
        rows.into_iter().map(|r| (r.release.clone(), r.environment.clone(), r.stage())).collect()
    }

    fn stage(release: &str, env: &str, stage: AdoptionStage) -> (String, String, AdoptionStage) {
        (release.to_owned(), env.to_owned(), stage)
    }

    /// Versions listed with a `release.stage:` filter in `production`.
    async fn listed(
        store: &SqliteStore,
        org: i64,
        stages: &[AdoptionStage],
        negated: bool,
    ) -> Vec<String> {
        let query = ReleaseQuery {
            organization_id: org,
            stage: Some(StageFilter {
                environment: "production".into(),
                stages: stages.to_vec(),
                negated,
            }),
            limit: 100,
            ..ReleaseQuery::default()
        };
        let mut versions: Vec<String> = store
            .releases(&query)
            .await
            .expect("releases")
            .into_iter()
            .map(|r| r.version)
            .collect();
        versions.sort();
        versions
    }

    /// A release becomes adopted with a tenth of its environment's sessions over six hours,
    /// replaced when a newer one takes them (keeping its adoption time), adopted again when it
    /// comes back; sessions older than the window and unnamed environments do not count; a
    /// project without sessions keeps its stages; the release list filters by stage.
    #[tokio::test]
    async fn releases_move_through_sentrys_adoption_stages() {
        let (_dir, store, project, conn) = store_with_project().await;
        let org = store.ensure_default_organization(&crate::config::defaults()).await.expect("org");
        for version in ["app@1", "app@2", "app@3"] {
            let release = NewRelease {
                organization_id: org.id,
                version: version.into(),
                reference: None,
                url: None,
                date_released: None,
                project_ids: vec![project],
                status: None,
            };
            store.create_release(&release).await.expect("release");
        }
        let t0 = 1_790_000_000_000_i64 / HOUR_MS * HOUR_MS;

        // app@1 has all of production; app@3 only sessions without an environment, and old ones.
        sessions(&conn, project, "app@1", "production", t0, 50);
        sessions(&conn, project, "app@3", "", t0, 500);
        sessions(&conn, project, "app@3", "production", t0 - 8 * HOUR_MS, 500);
        let changes = run_once(&store, t0 + 60_000).await.expect("run");
        assert_eq!((changes.adopted, changes.replaced), (1, 0));
        assert_eq!(
            stages(&store, project).await,
            [stage("app@1", "production", AdoptionStage::Adopted)]
        );
        let adopted_at =
            store.release_adoption(&[project], &["app@1".into()], &[]).await.expect("row")[0]
                .adopted;
        assert_eq!(adopted_at, t0 + 60_000);

        // Two hours later app@2 has 95 % of production's sessions in the window: app@1 keeps 50
        // of 1,000 + 50 (under a tenth) and is replaced; app@2 is adopted.
        sessions(&conn, project, "app@2", "production", t0 + 2 * HOUR_MS, 1_000);
        let changes = run_once(&store, t0 + 2 * HOUR_MS).await.expect("run");
        assert_eq!((changes.adopted, changes.replaced), (1, 1));
        assert_eq!(
            stages(&store, project).await,
            [
                stage("app@1", "production", AdoptionStage::Replaced),
                stage("app@2", "production", AdoptionStage::Adopted)
            ]
        );
        // The same run again changes nothing.
        let changes = run_once(&store, t0 + 2 * HOUR_MS + 1).await.expect("run");
        assert_eq!((changes.adopted, changes.replaced), (0, 0));

        assert_eq!(listed(&store, org.id, &[AdoptionStage::Adopted], false).await, ["app@2"]);
        assert_eq!(listed(&store, org.id, &[AdoptionStage::Replaced], false).await, ["app@1"]);
        assert_eq!(listed(&store, org.id, &[AdoptionStage::LowAdoption], false).await, ["app@3"]);
        assert_eq!(
            listed(&store, org.id, &[AdoptionStage::Adopted, AdoptionStage::Replaced], false).await,
            ["app@1", "app@2"]
        );
        assert_eq!(
            listed(&store, org.id, &[AdoptionStage::Adopted], true).await,
            ["app@1", "app@3"]
        );

        // A rollback: app@1 takes production again and is adopted again, since its first time.
        sessions(&conn, project, "app@1", "production", t0 + 3 * HOUR_MS, 5_000);
        let changes = run_once(&store, t0 + 3 * HOUR_MS).await.expect("run");
        assert_eq!((changes.adopted, changes.replaced), (1, 0), "app@2 keeps 1,000 of 6,050");
        let rows = store.release_adoption(&[project], &["app@1".into()], &[]).await.expect("row");
        assert_eq!((rows[0].adopted, rows[0].unadopted), (t0 + 60_000, None));

        // Nine hours later nothing is in the window: the project is not looked at, its stages stay.
        let changes = run_once(&store, t0 + 12 * HOUR_MS).await.expect("run");
        assert_eq!((changes.adopted, changes.replaced), (0, 0));
        assert_eq!(
            stages(&store, project).await,
            [
                stage("app@1", "production", AdoptionStage::Adopted),
                stage("app@2", "production", AdoptionStage::Adopted)
            ]
        );
    }
}
