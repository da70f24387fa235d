//! Releases and deploys with Sentry's paths and shapes, as `sentry-cli` uses them, and release
//! health (`health=1`) computed with Sentry's formulas
//! (`src/sentry/release_health/metrics.py`, `get_release_health_data_overview`).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use cairn_types::api::{
    CreateDeployRequest, CreateReleaseRequest, Deploy, HealthData, Release, ReleaseAdoptionStage,
    ReleaseProject, UpdateReleaseRequest, VersionInfo,
};
use serde_json::json;

use super::org_access_any;
use super::sessions::{parse_period, resolve_projects};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::ingest::duration_histogram::DurationHistogram;
use crate::ingest::session::valid_release;
use crate::state::AppState;
use crate::store::{
    AdoptionRow, AdoptionStage, DeployRow, DurationQuery, NewRelease, ReleaseChange,
    ReleaseCommitSummary, ReleaseHealthQuery, ReleaseQuery, ReleaseRow, StageFilter, Store,
    StoreError,
};
use crate::util::{ms_to_datetime, now_ms};

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// Sentry's `OrganizationReleasePermission`: `project:releases` alone (what a CI token is
/// given) reads and writes releases, as do the wider project scopes. Source map uploads
/// (`artifacts.rs`) take the same.
pub(super) const READ_SCOPES: &[&str] =
    &["project:read", "project:write", "project:admin", "project:releases"];
/// Creating, finalizing and deploying.
pub(super) const WRITE_SCOPES: &[&str] = &["project:write", "project:admin", "project:releases"];
/// Deleting.
pub(super) const DELETE_SCOPES: &[&str] = &["project:admin", "project:releases"];

/// Sentry's `STATS_PERIODS`: the bucket length of each period the release list accepts.
fn stats_rollup(period: &str) -> Option<i64> {
    Some(match period {
        "1h" | "24h" | "1d" | "48h" | "2d" => 3_600,
        "7d" | "14d" | "30d" => 86_400,
        "90d" => 259_200,
        _ => return None,
    })
}

/// Sentry's `get_rollup_starts_and_buckets`: the start of a period that ends with the bucket
/// holding `now`, its bucket length and number of buckets.
fn rollup_start(period: &str, now: i64) -> Option<(i64, i64, i64)> {
    let rollup = stats_rollup(period)?;
    let seconds = parse_period(period)?;
    let start = (now.div_euclid(rollup) + 1) * rollup - seconds;
    Some((start, rollup, seconds / rollup))
}

/// Query parameters of the release list and details.
#[derive(Debug, Default)]
struct Params {
    projects: Vec<String>,
    environments: Vec<String>,
    health: bool,
    summary_stats_period: Option<String>,
    health_stats_period: Option<String>,
    health_stat: Option<String>,
    query: Option<String>,
    /// `release.stage:` of the query (its environment filled in by [`Params::parse`]).
    stage: Option<StageFilter>,
    adoption_stages: bool,
    sort: ReleaseSort,
    per_page: Option<i64>,
    offset: i64,
    status: Option<String>,
}

impl Params {
    fn parse(raw: Option<&str>) -> ApiResult<Params> {
        let mut p = Params::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "project" => p.projects.push(value),
                "environment" => p.environments.push(value),
                "health" => p.health = value == "1" || value == "true",
                "summaryStatsPeriod" => p.summary_stats_period = Some(value),
                "healthStatsPeriod" => p.health_stats_period = Some(value),
                "healthStat" => p.health_stat = Some(value),
                "query" => {
                    let (text, stage) = split_stage_filter(&value)?;
                    p.query = Some(text).filter(|q| !q.is_empty());
                    p.stage = stage;
                }
                "adoptionStages" => p.adoption_stages = value == "1" || value == "true",
                "per_page" => {
                    p.per_page = Some(value.parse().map_err(|_| bad("per_page: not a number"))?)
                }
                // Sentry's cursors are `value:offset:is_prev`; the offset is what pages here.
                "cursor" => {
                    p.offset = value.split(':').nth(1).and_then(|o| o.parse().ok()).unwrap_or(0)
                }
                "sort" => p.sort = ReleaseSort::parse(&value)?,
                // Sentry's: `open` (the default) or `archived`.
                "status" => p.status = Some(release_status(&value)?.to_owned()),
                // Sentry's dashboard sends these; they select what Cairn returns anyway.
                "flatten" | "statsPeriod" | "utc" => {}
                other => return Err(bad(format!("Unknown query parameter: {other:?}"))),
            }
        }
        if let Some(stage) = &mut p.stage {
            // Stages belong to one environment; Sentry refuses the filter without exactly one.
            match p.environments.as_slice() {
                [environment] => stage.environment = environment.clone(),
                _ => return Err(bad("Choose a single environment to filter by release stage.")),
            }
        }
        Ok(p)
    }
}

/// A release list's `query`, read with the issue search's parser: its free text (what the
/// versions contain) and at most one `release.stage:` term (`adopted`, `[adopted,replaced]`,
/// negated with `!`), its environment still empty. Anything else is refused.
fn split_stage_filter(query: &str) -> ApiResult<(String, Option<StageFilter>)> {
    use crate::search::{Filter, ReleaseFilter};
    let terms = crate::search::parse(query, 0).map_err(|err| bad(format!("query: {err}")))?;
    let (mut text, mut filter) = (String::new(), None);
    for term in terms {
        match (term.filter, term.negated) {
            (Filter::Text(words), false) if text.is_empty() => text = words,
            (Filter::Release(ReleaseFilter::Stage(stages)), negated) if filter.is_none() => {
                filter = Some(StageFilter { environment: String::new(), stages, negated });
            }
            _ => return Err(bad(
                "query: a release search is a version's text and at most one release.stage: term",
            )),
        }
    }
    Ok((text, filter))
}

/// The orders of Sentry's release list (`sort`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum ReleaseSort {
    /// Newest first (the default).
    #[default]
    Date,
    /// Sessions over the summary period.
    Sessions,
    /// Users over the summary period.
    Users,
    /// Crash-free sessions over the summary period.
    CrashFreeSessions,
    /// Crash-free users over the summary period.
    CrashFreeUsers,
    /// Sessions of the last 24 hours.
    Sessions24h,
    /// Users of the last 24 hours.
    Users24h,
    /// Share of the project's users (else sessions) of the last 24 hours.
    Adoption,
    /// Semantic version, highest first; other releases are left out.
    Semver,
    /// Build number, highest first; other releases are left out.
    Build,
}

impl ReleaseSort {
    fn parse(value: &str) -> ApiResult<ReleaseSort> {
        Ok(match value {
            "date" => ReleaseSort::Date,
            "sessions" => ReleaseSort::Sessions,
            "users" => ReleaseSort::Users,
            "crash_free_sessions" => ReleaseSort::CrashFreeSessions,
            "crash_free_users" => ReleaseSort::CrashFreeUsers,
            "sessions_24h" => ReleaseSort::Sessions24h,
            "users_24h" => ReleaseSort::Users24h,
            "adoption" => ReleaseSort::Adoption,
            "semver" => ReleaseSort::Semver,
            "build" => ReleaseSort::Build,
            other => {
                return Err(bad(format!(
                    "sort: {other:?} is not one of date, sessions, users, crash_free_sessions, \
                     crash_free_users, sessions_24h, users_24h, adoption, semver, build"
                )))
            }
        })
    }

    /// A release-project pair's figure this sort orders by, if it is one of health.
    fn figure(self, health: &HealthData) -> Option<f64> {
        let count = |n: Option<i64>| n.filter(|n| *n > 0).map(|n| n as f64);
        match self {
            ReleaseSort::Sessions => count(health.total_sessions),
            ReleaseSort::Users => count(health.total_users),
            ReleaseSort::CrashFreeSessions => health.crash_free_sessions,
            ReleaseSort::CrashFreeUsers => health.crash_free_users,
            ReleaseSort::Sessions24h => count(health.total_sessions_24h),
            ReleaseSort::Users24h => count(health.total_users_24h),
            ReleaseSort::Adoption => health.adoption.or(health.sessions_adoption),
            ReleaseSort::Date | ReleaseSort::Semver | ReleaseSort::Build => None,
        }
    }
}

/// A release status Sentry knows: `open` or `archived`.
fn release_status(value: &str) -> ApiResult<&'static str> {
    match value {
        "open" => Ok("open"),
        "archived" => Ok("archived"),
        other => Err(bad(format!("status: {other:?} is not open or archived"))),
    }
}

/// `versionInfo` and `shortVersion` of a version, as Sentry splits it:
/// `package@version+build`.
fn version_info(version: &str) -> (VersionInfo, String) {
    let (package, raw) = match version.split_once('@') {
        Some((package, raw)) if !package.is_empty() => (Some(package.to_owned()), raw),
        _ => (None, version),
    };
    let build_hash = raw.split_once('+').map(|(_, build)| build.to_owned());
    let is_sha = version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit());
    let short = if is_sha { version[..12].to_owned() } else { version.to_owned() };
    let info = VersionInfo {
        package,
        version: json!({ "raw": raw }),
        description: raw.to_owned(),
        build_hash,
    };
    (info, short)
}

fn deploy(row: &DeployRow) -> Deploy {
    Deploy {
        id: row.id.to_string(),
        environment: row.environment.clone(),
        date_started: row.date_started.map(ms_to_datetime),
        date_finished: ms_to_datetime(row.date_finished),
        name: row.name.clone(),
        url: row.url.clone(),
    }
}

pub(super) fn release(
    row: &ReleaseRow,
    health: &HashMap<(i64, String), HealthData>,
    commits: Option<&ReleaseCommitSummary>,
    adoption: Option<&HashMap<(i64, String), ReleaseAdoptionStage>>,
) -> Release {
    let (version_info, short_version) = version_info(&row.version);
    let projects = row
        .projects
        .iter()
        .map(|p| {
            let health_data = health.get(&(p.id, row.version.clone())).cloned();
            ReleaseProject {
                id: p.id,
                slug: p.slug.clone(),
                name: p.name.clone(),
                new_groups: p.new_groups,
                platform: p.platform.clone(),
                platforms: p.platform.iter().cloned().collect(),
                has_health_data: health_data.as_ref().is_some_and(|h| h.has_health_data),
                health_data,
            }
        })
        .collect();
    Release {
        id: row.id,
        version: row.version.clone(),
        short_version,
        version_info,
        reference: row.reference.clone(),
        url: row.url.clone(),
        date_released: row.date_released.map(ms_to_datetime),
        date_created: ms_to_datetime(row.date_created),
        data: json!({}),
        new_groups: row.projects.iter().map(|p| p.new_groups).sum(),
        owner: None,
        commit_count: commits.map_or(0, |c| c.count),
        last_commit: commits
            .and_then(|c| c.last_commit.as_ref())
            .map(|c| super::commits::commit(c, "")),
        deploy_count: row.deploy_count,
        last_deploy: row.last_deploy.as_ref().map(deploy),
        authors: commits
            .map(|c| c.authors.iter().map(super::commits::author).collect())
            .unwrap_or_default(),
        projects,
        first_event: row.first_event.map(ms_to_datetime),
        last_event: row.last_event.map(ms_to_datetime),
        current_project_meta: json!({}),
        user_agent: None,
        status: row.status.clone(),
        adoption_stages: adoption.map(|stages| {
            row.projects
                .iter()
                .map(|p| {
                    let stage = stages.get(&(p.id, row.version.clone())).cloned();
                    (p.slug.clone(), stage.unwrap_or_else(low_adoption))
                })
                .collect()
        }),
    }
}

/// The stage of a release never adopted.
fn low_adoption() -> ReleaseAdoptionStage {
    ReleaseAdoptionStage {
        stage: AdoptionStage::LowAdoption.as_str().to_owned(),
        adopted: None,
        unadopted: None,
    }
}

/// The adoption stage of each (project, release) of `releases`, in the one environment asked
/// for; with none or several, the furthest stage of any of them: adopted (the earliest
/// adoption) before replaced (the latest replacement). Sentry answers the row of whichever
/// environment it reads last there; its dashboard shows stages for one environment only.
async fn adoption_stages<S: Store>(
    state: &AppState<S>,
    releases: &[ReleaseRow],
    environments: &[String],
) -> ApiResult<HashMap<(i64, String), ReleaseAdoptionStage>> {
    let mut project_ids: Vec<i64> =
        releases.iter().flat_map(|r| r.projects.iter().map(|p| p.id)).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let versions: Vec<String> = releases.iter().map(|r| r.version.clone()).collect();
    let rows = state.store.release_adoption(&project_ids, &versions, environments).await?;
    let mut furthest: HashMap<(i64, String), &AdoptionRow> = HashMap::new();
    for row in &rows {
        let key = (row.project_id, row.release.clone());
        let better = |kept: &AdoptionRow| match (row.stage(), kept.stage()) {
            (AdoptionStage::Adopted, AdoptionStage::Adopted) => row.adopted < kept.adopted,
            (AdoptionStage::Replaced, AdoptionStage::Replaced) => row.unadopted > kept.unadopted,
            (mine, kept) => mine == AdoptionStage::Adopted && kept != AdoptionStage::Adopted,
        };
        if furthest.get(&key).is_none_or(|kept| better(kept)) {
            furthest.insert(key, row);
        }
    }
    Ok(furthest
        .into_iter()
        .map(|(key, row)| {
            let stage = ReleaseAdoptionStage {
                stage: row.stage().as_str().to_owned(),
                adopted: Some(ms_to_datetime(row.adopted)),
                unadopted: row.unadopted.map(ms_to_datetime),
            };
            (key, stage)
        })
        .collect())
}

/// Release health of every (project, release) of `releases`, as Sentry's
/// `get_release_health_data_overview` computes it: totals over the summary period, 24-hour
/// totals and adoption against the whole project, and a series over the health-stats period.
///
/// `with_durations` adds `durationP50`/`durationP90` (otherwise `null`): the release details
/// ask for them, the list does not, because reading the duration histograms of a hundred
/// releases over the summary period doubles the list's time (`health_bench`), and Sentry's
/// release list does not show durations either (its release page does).
async fn health_data<S: Store>(
    state: &AppState<S>,
    releases: &[ReleaseRow],
    params: &Params,
    with_durations: bool,
) -> ApiResult<HashMap<(i64, String), HealthData>> {
    let pairs: Vec<(i64, String)> = releases
        .iter()
        .flat_map(|r| r.projects.iter().map(|p| (p.id, r.version.clone())))
        .collect();
    pair_health(state, &pairs, params, with_durations).await
}

/// [`health_data`] of (project, version) pairs.
async fn pair_health<S: Store>(
    state: &AppState<S>,
    pairs: &[(i64, String)],
    params: &Params,
    with_durations: bool,
) -> ApiResult<HashMap<(i64, String), HealthData>> {
    let summary_period = params.summary_stats_period.as_deref().unwrap_or("14d");
    let stats_period = params.health_stats_period.as_deref().unwrap_or("24h");
    let stat_users = match params.health_stat.as_deref() {
        None | Some("sessions") => false,
        Some("users") => true,
        Some(other) => return Err(bad(format!("healthStat: invalid {other:?}"))),
    };
    let now = now_ms().div_euclid(1000);
    let (summary_start, _, _) = rollup_start(summary_period, now)
        .ok_or_else(|| bad(format!("summaryStatsPeriod: invalid {summary_period:?}")))?;
    let (stats_start, stats_rollup, stats_buckets) = rollup_start(stats_period, now)
        .ok_or_else(|| bad(format!("healthStatsPeriod: invalid {stats_period:?}")))?;
    let day_start = now - 86_400;
    // `hasHealthData` looks 90 days back whatever the summary period, as Sentry does.
    let far_start = (now - 90 * 86_400).min(summary_start).min(stats_start);
    let end = (now.div_euclid(3_600) + 1) * 3_600;

    let mut project_ids: Vec<i64> = pairs.iter().map(|(id, _)| *id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut versions: Vec<String> = pairs.iter().map(|(_, v)| v.clone()).collect();
    versions.sort_unstable();
    versions.dedup();
    // Durations over the summary period, read from their own tables next to the counts (on
    // another pooled connection), so the answer waits for the slower of the two, not the sum.
    let durations_query = DurationQuery {
        project_ids: project_ids.clone(),
        releases: versions.clone(),
        environments: params.environments.clone(),
        start: summary_start,
        end,
        interval: None,
        by_environment: false,
    };
    let health_query = ReleaseHealthQuery {
        project_ids,
        releases: versions,
        environments: params.environments.clone(),
        any_since: far_start.div_euclid(3_600) * 3_600,
        summary_since: summary_start,
        day_since: day_start,
        stats_since: stats_start,
        stats_rollup,
        stats_users: stat_users,
        end,
    };
    let (health, duration_rows) = if with_durations {
        tokio::try_join!(
            state.store.release_health(&health_query),
            state.store.session_durations(&durations_query)
        )?
    } else {
        (state.store.release_health(&health_query).await?, Vec::new())
    };
    let mut durations: HashMap<(i64, String), DurationHistogram> = HashMap::new();
    for row in &duration_rows {
        durations
            .entry((row.project_id, row.release.clone()))
            .or_default()
            .add(row.bucket, row.count);
    }

    let mut out = HashMap::new();
    for (project_id, version) in pairs {
        let key = (*project_id, version.clone());
        let s = health.summary.get(&key).cloned().unwrap_or_default();
        let total_sessions = (s.rows > 0 && s.sessions > 0).then_some(s.sessions);
        let total_users = (s.users > 0).then_some(s.users);
        let pct = |part: i64, whole: Option<i64>| {
            whole.filter(|w| *w > 0).map(|w| 100.0 - part as f64 / w as f64 * 100.0)
        };
        // Adoption exists only for releases with data in the last 24 hours (Sentry's
        // `get_release_adoption` has no row otherwise).
        let project = health.project_day.get(project_id);
        let (users_24h, project_users_24h, sessions_24h, project_sessions_24h) =
            match health.day.get(&key) {
                Some(day) => (
                    Some(day.users),
                    project.map(|t| t.users),
                    Some(day.sessions),
                    project.map(|t| t.sessions),
                ),
                None => (None, None, None, None),
            };
        let share = |part: Option<i64>, whole: Option<i64>| match (part, whole) {
            (Some(part), Some(whole)) if whole > 0 => Some(part as f64 / whole as f64 * 100.0),
            _ => None,
        };
        let stats = (0..stats_buckets)
            .map(|i| {
                let at = stats_start + i * stats_rollup;
                let value = health.stats.get(&(*project_id, version.clone(), at)).copied();
                (at, value.unwrap_or(0))
            })
            .collect();
        // Sentry's `sessions_errored`: errored sessions that neither crashed nor ended
        // abnormally.
        let errored = (s.errored - s.crashed - s.abnormal).max(0);
        // Seconds, as Sentry's `durationP50`/`durationP90` (the sessions API has
        // milliseconds).
        let duration = |q: f64| durations.get(&key).and_then(|h| h.quantile(q));
        out.insert(
            key.clone(),
            HealthData {
                duration_p50: duration(0.5),
                duration_p90: duration(0.9),
                crash_free_users: pct(s.crashed_users, total_users),
                crash_free_sessions: pct(s.crashed, total_sessions),
                sessions_crashed: s.crashed,
                sessions_errored: errored,
                total_users,
                total_users_24h: users_24h,
                total_project_users_24h: project_users_24h,
                total_sessions,
                total_sessions_24h: sessions_24h,
                total_project_sessions_24h: project_sessions_24h,
                adoption: share(users_24h, project_users_24h),
                sessions_adoption: share(sessions_24h, project_sessions_24h),
                stats: BTreeMap::from([(stats_period.to_owned(), stats)]),
                has_health_data: health.any.contains(&key),
            },
        );
    }
    Ok(out)
}

/// `GET /api/0/organizations/{org}/releases/`: newest first, with `health=1` for release
/// health.
pub async fn list_releases<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<Release>>> {
    let access = org_access_any(&state, &identity, &org, READ_SCOPES).await?;
    let params = Params::parse(raw.as_deref())?;
    let project_ids = if params.projects.is_empty() {
        Vec::new()
    } else {
        resolve_projects(&state, &access.organization, &params.projects).await?
    };
    Ok(AppJson(release_list(&state, access.organization.id, project_ids, &params).await?))
}

/// `GET /api/0/projects/{org}/{project}/releases/`: the same for one project (Sentry's "List a
/// Project's Releases", as `sentry-cli releases list` reads them).
pub async fn list_project_releases<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<Release>>> {
    let access = org_access_any(&state, &identity, &org, READ_SCOPES).await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let params = Params::parse(raw.as_deref())?;
    Ok(AppJson(release_list(&state, access.organization.id, vec![project.id], &params).await?))
}

/// The organization's releases (of `project_ids`, when not empty) as the lists show them.
async fn release_list<S: Store>(
    state: &AppState<S>,
    organization_id: i64,
    project_ids: Vec<i64>,
    params: &Params,
) -> ApiResult<Vec<Release>> {
    let query = ReleaseQuery {
        organization_id,
        project_ids,
        text: params.query.clone(),
        stage: params.stage.clone(),
        // Archived releases are listed only when asked for, as in Sentry.
        status: Some(params.status.clone().unwrap_or_else(|| "open".to_owned())),
        offset: params.offset.max(0),
        limit: params.per_page.unwrap_or(100).clamp(1, 100),
    };
    let (rows, ranked_by) = match params.sort {
        ReleaseSort::Date => (state.store.releases(&query).await?, HashMap::new()),
        sort => sorted_page(state, &query, params, sort).await?,
    };
    // The health a sort ranked by covers the page's releases in the listed projects; a release
    // in others too has its health read again.
    let covered = rows
        .iter()
        .all(|r| r.projects.iter().all(|p| ranked_by.contains_key(&(p.id, r.version.clone()))));
    let health = match (params.health, covered) {
        (false, _) => HashMap::new(),
        (true, true) => ranked_by,
        (true, false) => health_data(state, &rows, params, false).await?,
    };
    let adoption = if params.adoption_stages {
        Some(adoption_stages(state, &rows, &params.environments).await?)
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let commits = state.store.release_commit_summaries(&ids).await?;
    Ok(rows.iter().map(|r| release(r, &health, commits.get(&r.id), adoption.as_ref())).collect())
}

/// One page of the releases a query matches in an order other than by date, as Sentry's release
/// list sorts: by semantic version or build number (releases without one left out), or by a
/// health figure of the summary period or the last 24 hours, highest first. Sentry ranks
/// (release, project) pairs (`flatten=1`); Cairn lists each release once, at the rank of its
/// best project among the listed ones, and after those with figures the releases without, newest
/// first. Returns the health it ranked by too (none for versions and builds).
async fn sorted_page<S: Store>(
    state: &AppState<S>,
    query: &ReleaseQuery,
    params: &Params,
    sort: ReleaseSort,
) -> ApiResult<(Vec<ReleaseRow>, HashMap<(i64, String), HealthData>)> {
    use crate::ingest::release::{build_number, is_semver, semver_order};
    // Newest first, which the stable sorts below keep among equals.
    let mut versions = state.store.release_versions(query).await?;
    let mut health = HashMap::new();
    match sort {
        ReleaseSort::Semver => {
            versions.retain(|v| is_semver(v));
            versions.sort_by(|a, b| semver_order(b, a));
        }
        ReleaseSort::Build => {
            versions.retain(|v| build_number(v).is_some());
            versions.sort_by_key(|v| std::cmp::Reverse(build_number(v)));
        }
        _ => {
            let project_ids = if query.project_ids.is_empty() {
                let projects = state.store.projects(query.organization_id).await?;
                projects.iter().map(|p| p.id).collect()
            } else {
                query.project_ids.clone()
            };
            let pairs: Vec<(i64, String)> = project_ids
                .iter()
                .flat_map(|id| versions.iter().map(move |v| (*id, v.clone())))
                .collect();
            health = pair_health(state, &pairs, params, false).await?;
            let mut best: HashMap<&str, f64> = HashMap::new();
            for ((_, version), data) in &health {
                if let Some(figure) = sort.figure(data) {
                    let kept = best.entry(version.as_str()).or_insert(figure);
                    *kept = kept.max(figure);
                }
            }
            let mut ranked: Vec<(Option<f64>, String)> =
                versions.iter().map(|v| (best.get(v.as_str()).copied(), v.clone())).collect();
            ranked.sort_by(|(a, _), (b, _)| match (a, b) {
                (Some(a), Some(b)) => b.total_cmp(a),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            versions = ranked.into_iter().map(|(_, v)| v).collect();
        }
    }
    let page: Vec<String> = versions
        .into_iter()
        .skip(usize::try_from(query.offset).unwrap_or(0))
        .take(usize::try_from(query.limit).unwrap_or(0))
        .collect();
    let mut rows = state.store.releases_by_version(query.organization_id, &page).await?;
    rows.sort_by_key(|row| page.iter().position(|v| *v == row.version));
    Ok((rows, health))
}

/// Resolves a request's project slugs; an unknown one is refused as Sentry does.
async fn project_ids<S: Store>(
    state: &AppState<S>,
    organization_id: i64,
    slugs: &[String],
) -> ApiResult<Vec<i64>> {
    let projects = state.store.projects(organization_id).await?;
    slugs
        .iter()
        .map(|slug| {
            projects
                .iter()
                .find(|p| p.slug == *slug)
                .map(|p| p.id)
                .ok_or_else(|| bad(format!("projects: invalid project slug {slug:?}")))
        })
        .collect()
}

/// `POST /api/0/organizations/{org}/releases/`: `201` with the new release, or `208` with the
/// existing one (to which the projects and details are added), as Sentry answers.
pub async fn create_release<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<CreateReleaseRequest>,
) -> ApiResult<(StatusCode, AppJson<Release>)> {
    let access = org_access_any(&state, &identity, &org, WRITE_SCOPES).await?;
    if !valid_release(&request.version) {
        return Err(bad(format!("version: release name {:?} is not allowed", request.version)));
    }
    let status = request.status.as_deref().map(release_status).transpose()?;
    // An existing release may be named without projects, as `sentry-cli releases archive`
    // and `restore` do.
    if request.projects.is_empty() {
        let exists = match state.store.release(access.organization.id, &request.version).await {
            Ok(_) => true,
            Err(StoreError::NotFound) => false,
            Err(err) => return Err(err.into()),
        };
        if status.is_none() || !exists {
            return Err(bad("projects: this field is required"));
        }
    }
    let project_ids = project_ids(&state, access.organization.id, &request.projects).await?;
    let created = state
        .store
        .create_release(&NewRelease {
            organization_id: access.organization.id,
            version: request.version.clone(),
            reference: request.reference,
            url: request.url,
            date_released: request.date_released.map(|d| d.timestamp_millis()),
            project_ids,
            status: status.map(str::to_owned),
        })
        .await?;
    let row = state.store.release(access.organization.id, &request.version).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::ALREADY_REPORTED };
    Ok((status, AppJson(release_with_commits(&state, &row).await?)))
}

/// `GET /api/0/organizations/{org}/releases/{version}/` (also with `health=1`).
pub async fn get_release<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Release>> {
    let access = org_access_any(&state, &identity, &org, READ_SCOPES).await?;
    let params = Params::parse(raw.as_deref())?;
    let row = state.store.release(access.organization.id, &version).await?;
    let rows = [row];
    let health = if params.health {
        health_data(&state, &rows, &params, true).await?
    } else {
        HashMap::new()
    };
    let adoption = if params.adoption_stages {
        Some(adoption_stages(&state, &rows, &params.environments).await?)
    } else {
        None
    };
    let commits = state.store.release_commit_summaries(&[rows[0].id]).await?;
    Ok(AppJson(release(&rows[0], &health, commits.get(&rows[0].id), adoption.as_ref())))
}

/// `PUT /api/0/organizations/{org}/releases/{version}/`: `dateReleased` finalizes it.
pub async fn update_release<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
    AppJson(request): AppJson<UpdateReleaseRequest>,
) -> ApiResult<AppJson<Release>> {
    let access = org_access_any(&state, &identity, &org, WRITE_SCOPES).await?;
    let organization_id = access.organization.id;
    let row = state.store.release(organization_id, &version).await?;
    // Checked before anything changes: a bad commit leaves the release as it was.
    let commits = match (&request.commits, &request.refs) {
        (Some(commits), _) => Some(super::commits::new_commits(organization_id, commits)?),
        (None, Some(refs)) => Some(super::commits::ref_commits(refs)?),
        (None, None) => None,
    };
    let status = request.status.as_deref().map(release_status).transpose()?;
    let change = ReleaseChange {
        reference: request.reference,
        url: request.url,
        date_released: request.date_released.map(|d| d.map(|d| d.timestamp_millis())),
        status: status.map(str::to_owned),
    };
    state.store.update_release(row.id, &change).await?;
    if let Some(commits) = commits {
        state.store.set_release_commits(organization_id, row.id, &commits).await?;
        // "Fixes BACKEND-1A" in a commit resolves that issue in this release.
        super::commits::resolve_fixed_issues(
            &state,
            &identity,
            organization_id,
            &version,
            &commits,
        )
        .await?;
    }
    let row = state.store.release(organization_id, &version).await?;
    Ok(AppJson(release_with_commits(&state, &row).await?))
}

/// A release in Sentry's shape with its commits' summary, without health data.
pub(super) async fn release_with_commits<S: Store>(
    state: &AppState<S>,
    row: &ReleaseRow,
) -> ApiResult<Release> {
    let commits = state.store.release_commit_summaries(&[row.id]).await?;
    Ok(release(row, &HashMap::new(), commits.get(&row.id), None))
}

/// `DELETE /api/0/organizations/{org}/releases/{version}/`.
pub async fn delete_release<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, DELETE_SCOPES).await?;
    let row = state.store.release(access.organization.id, &version).await?;
    state.store.delete_release(row.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/0/organizations/{org}/releases/{version}/deploys/`.
pub async fn list_deploys<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<Deploy>>> {
    let access = org_access_any(&state, &identity, &org, READ_SCOPES).await?;
    let row = state.store.release(access.organization.id, &version).await?;
    let deploys = state.store.deploys(row.id).await?;
    Ok(AppJson(deploys.iter().map(deploy).collect()))
}

/// `POST /api/0/organizations/{org}/releases/{version}/deploys/`: `201` with the deploy.
pub async fn create_deploy<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
    AppJson(request): AppJson<CreateDeployRequest>,
) -> ApiResult<(StatusCode, AppJson<Deploy>)> {
    let access = org_access_any(&state, &identity, &org, WRITE_SCOPES).await?;
    let row = state.store.release(access.organization.id, &version).await?;
    let environment = request.environment.trim();
    if environment.is_empty() || environment.chars().count() > 64 || environment.contains('/') {
        return Err(bad("environment: a valid environment name is required"));
    }
    let created = state
        .store
        .create_deploy(
            row.id,
            &DeployRow {
                id: 0,
                environment: environment.to_owned(),
                name: request.name,
                url: request.url,
                date_started: request.date_started.map(|d| d.timestamp_millis()),
                date_finished: request.date_finished.map_or_else(now_ms, |d| d.timestamp_millis()),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, AppJson(deploy(&created))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split_like_sentry() {
        let (info, short) = version_info("backend@1.2.3+45");
        assert_eq!(info.package.as_deref(), Some("backend"));
        assert_eq!(info.version, json!({"raw": "1.2.3+45"}));
        assert_eq!(info.build_hash.as_deref(), Some("45"));
        assert_eq!(short, "backend@1.2.3+45");
        let sha = "a".repeat(40);
        assert_eq!(version_info(&sha).1, "a".repeat(12));
    }

    #[test]
    fn periods_end_with_the_current_bucket() {
        let now = 1_780_000_000; // 2026-05-28T20:26:40Z
        let (start, rollup, buckets) = rollup_start("24h", now).expect("known period");
        assert_eq!((rollup, buckets), (3_600, 24));
        assert_eq!(start, (now / 3_600 + 1) * 3_600 - 86_400);
        assert!(rollup_start("5h", now).is_none());
    }
}
