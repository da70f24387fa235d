//! Releases, deploys and release health, in the shapes of Sentry's releases and sessions APIs
//! (what `sentry-cli` and Sentry's dashboard read).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A release (`GET /api/0/organizations/{org}/releases/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    /// Numeric id (Sentry sends a number here).
    pub id: i64,
    /// The version string, e.g. `backend@1.2.3+45`.
    pub version: String,
    /// The version shortened for display (the version itself, unless it is a long hash).
    pub short_version: String,
    /// The version split into package and version.
    pub version_info: VersionInfo,
    /// A VCS reference (commit, tag).
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// A URL for the release.
    pub url: Option<String>,
    /// When it was finalized, if it was.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_released: Option<DateTime<Utc>>,
    /// When Cairn first heard of it.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// Free data (always empty in Cairn).
    pub data: serde_json::Value,
    /// Issues first seen in this release, over its projects.
    pub new_groups: i64,
    /// Always `null` (Sentry's release owner).
    pub owner: Option<serde_json::Value>,
    /// Commits associated with it.
    pub commit_count: i64,
    /// Its newest commit.
    pub last_commit: Option<crate::api::Commit>,
    /// Number of deploys.
    pub deploy_count: i64,
    /// The newest deploy.
    pub last_deploy: Option<Deploy>,
    /// Authors of its commits.
    pub authors: Vec<crate::api::CommitAuthor>,
    /// The projects it is in.
    pub projects: Vec<ReleaseProject>,
    /// Its oldest event.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub first_event: Option<DateTime<Utc>>,
    /// Its newest event.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub last_event: Option<DateTime<Utc>>,
    /// Sentry's `currentProjectMeta` (always empty).
    pub current_project_meta: serde_json::Value,
    /// Always `null`.
    pub user_agent: Option<String>,
    /// `open`, or `archived`: hidden from the lists unless asked for.
    pub status: String,
    /// Each project's adoption stage (by project slug), when asked for with
    /// `adoptionStages=1`: in the one environment asked for, or the furthest stage of any
    /// environment when none is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adoption_stages: Option<BTreeMap<String, ReleaseAdoptionStage>>,
}

/// A release's adoption stage in one project (Sentry's `adoptionStages` values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseAdoptionStage {
    /// `adopted` (at least a tenth of the environment's sessions over the last six hours),
    /// `replaced` (was adopted, fell below), or `low_adoption` (never adopted).
    pub stage: String,
    /// When it was adopted.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub adopted: Option<DateTime<Utc>>,
    /// When it was replaced.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub unadopted: Option<DateTime<Utc>>,
}

/// `versionInfo` of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// The part before `@`, if any.
    pub package: Option<String>,
    /// `{"raw": "1.2.3+45"}`.
    pub version: serde_json::Value,
    /// The version as shown.
    pub description: String,
    /// The part after `+`, if any.
    pub build_hash: Option<String>,
}

/// A project of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseProject {
    /// Numeric id.
    pub id: i64,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Issues first seen in this release in this project.
    pub new_groups: i64,
    /// Platform of the project.
    pub platform: Option<String>,
    /// Platforms (the project's one, if set).
    pub platforms: Vec<String>,
    /// Whether the release has sessions in this project.
    pub has_health_data: bool,
    /// Release health, when asked for with `health=1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_data: Option<HealthData>,
}

/// Release health of a release in a project (Sentry's `healthData`). Rates are percentages;
/// `null` where there is nothing to divide by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthData {
    /// Median duration in seconds of the sessions that exited cleanly in the summary period,
    /// interpolated in a log-scale histogram (within a few percent); `null` without any.
    pub duration_p50: Option<f64>,
    /// 90th percentile of those durations in seconds, the same way.
    pub duration_p90: Option<f64>,
    /// `100 − 100 × crashed users / users`.
    pub crash_free_users: Option<f64>,
    /// `100 − 100 × crashed sessions / sessions`.
    pub crash_free_sessions: Option<f64>,
    /// Crashed sessions in the summary period.
    pub sessions_crashed: i64,
    /// Errored sessions (not crashed or abnormal) in the summary period.
    pub sessions_errored: i64,
    /// Distinct users in the summary period.
    pub total_users: Option<i64>,
    /// Distinct users in the last 24 hours.
    pub total_users_24h: Option<i64>,
    /// Distinct users of the project in the last 24 hours.
    pub total_project_users_24h: Option<i64>,
    /// Sessions in the summary period.
    pub total_sessions: Option<i64>,
    /// Sessions in the last 24 hours.
    pub total_sessions_24h: Option<i64>,
    /// Sessions of the project in the last 24 hours.
    pub total_project_sessions_24h: Option<i64>,
    /// Share of the project's users of the last 24 hours on this release, in percent.
    pub adoption: Option<f64>,
    /// Share of the project's sessions of the last 24 hours on this release, in percent.
    pub sessions_adoption: Option<f64>,
    /// Sessions (or users) per bucket: `{"24h": [[unix seconds, n], ...]}`.
    pub stats: BTreeMap<String, Vec<(i64, i64)>>,
    /// Whether there are sessions at all.
    pub has_health_data: bool,
}

/// A deploy (`GET /api/0/organizations/{org}/releases/{version}/deploys/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deploy {
    /// Numeric id, as a string.
    pub id: String,
    /// Where it was deployed.
    pub environment: String,
    /// When it started, if known.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_started: Option<DateTime<Utc>>,
    /// When it finished.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_finished: DateTime<Utc>,
    /// Optional name.
    pub name: Option<String>,
    /// Optional URL.
    pub url: Option<String>,
}

/// `POST /api/0/organizations/{org}/releases/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateReleaseRequest {
    /// The version.
    pub version: String,
    /// Project slugs.
    pub projects: Vec<String>,
    /// VCS reference.
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Release date (finalizes it).
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_released: Option<DateTime<Utc>>,
    /// `open` or `archived` (`sentry-cli releases archive` and `restore` send it here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `PUT /api/0/organizations/{org}/releases/{version}/`. `commits` (from `sentry-cli
/// set-commits --local`) replace the release's commits; `refs` (from `--commit repo@sha`) name
/// head commits, kept as commits without details since no integration can fetch them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateReleaseRequest {
    /// New VCS reference.
    #[serde(default, rename = "ref")]
    pub reference: Option<String>,
    /// New URL.
    #[serde(default)]
    pub url: Option<String>,
    /// New release date: absent leaves it, `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    pub date_released: Option<Option<DateTime<Utc>>>,
    /// The release's commits, newest first.
    #[serde(default)]
    pub commits: Option<Vec<crate::api::NewCommitRequest>>,
    /// Head commits per repository.
    #[serde(default)]
    pub refs: Option<Vec<crate::api::RefRequest>>,
    /// New status, `open` or `archived`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `POST /api/0/organizations/{org}/releases/{version}/deploys/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDeployRequest {
    /// Where it was deployed.
    pub environment: String,
    /// Optional name.
    #[serde(default)]
    pub name: Option<String>,
    /// Optional URL.
    #[serde(default)]
    pub url: Option<String>,
    /// When it started.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_started: Option<DateTime<Utc>>,
    /// When it finished (now when absent).
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_finished: Option<DateTime<Utc>>,
}

/// `GET /api/0/organizations/{org}/sessions/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionsResponse {
    /// Start of the first interval.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub start: DateTime<Utc>,
    /// End of the last interval.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub end: DateTime<Utc>,
    /// Start of each interval.
    pub intervals: Vec<DateTime<Utc>>,
    /// One group per combination of the `groupBy` values.
    pub groups: Vec<SessionsGroup>,
    /// The `query` parameter as given.
    pub query: String,
}

/// One group of a sessions response: its `groupBy` values, totals and one series per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionsGroup {
    /// `{"release": "...", "project": 1, "session.status": "healthy", ...}`.
    pub by: BTreeMap<String, serde_json::Value>,
    /// Field → value over the whole period (`null` for a rate without sessions).
    pub totals: BTreeMap<String, serde_json::Value>,
    /// Field → one value per interval.
    pub series: BTreeMap<String, Vec<serde_json::Value>>,
}

/// Tells a field that is absent (`None`) from one that is `null` (`Some(None)`).
fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `GET /api/0/organizations/{org}/events-stats/` with `yAxis=count()`: Sentry's shape, one
/// `[unix seconds, [{"count": n}]]` pair per interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsStats {
    /// The intervals, oldest first.
    pub data: Vec<(i64, Vec<EventsCount>)>,
    /// Start of the first interval (Unix seconds).
    pub start: i64,
    /// End of the last interval (Unix seconds).
    pub end: i64,
    /// Always `false`: counted from events.
    #[serde(default)]
    pub is_metrics_data: bool,
}

/// The value of one interval of [`EventsStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsCount {
    /// Events in the interval.
    pub count: i64,
}

/// A project's source map bundle (`GET /api/0/projects/{org}/{project}/files/artifact-bundles/`),
/// as `sentry-cli sourcemaps upload` made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactBundle {
    /// The bundle's id (its manifest's `debug_id`).
    pub bundle_id: String,
    /// The release (and dist) it was uploaded for; empty for a bundle found by debug ids only.
    pub associations: Vec<ArtifactBundleAssociation>,
    /// How many files it holds.
    pub file_count: i64,
    /// When it was uploaded.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date: DateTime<Utc>,
    /// When it last changed (its upload, in Cairn).
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_modified: DateTime<Utc>,
}

/// A release a bundle was uploaded for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactBundleAssociation {
    /// The release's version.
    pub release: String,
    /// The release's dist, if the upload named one.
    pub dist: Option<String>,
}
