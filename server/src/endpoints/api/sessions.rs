//! `GET /api/0/organizations/{org}/sessions/`: release health as time series, in the shape of
//! Sentry's sessions API, computed from the hourly counts with Sentry's formulas
//! (`src/sentry/snuba/metrics/fields/base.py`, see docs/sentry-protocol.md §1.10).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{SessionsGroup, SessionsResponse};
use serde_json::{json, Value};

use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::ingest::duration_histogram::DurationHistogram;
use crate::ingest::session::user_flags;
use crate::state::AppState;
use crate::store::{
    DurationQuery, DurationRow, OrganizationRow, SessionBucket, SessionQuery, Store, UserBucket,
    UserCount, UserCountQuery,
};
use crate::util::{ms_to_datetime, now_ms};

/// Sessions and users of one group (and interval), enough for every field Cairn serves.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Started sessions.
    pub sessions: i64,
    /// Errored sessions, crashed and abnormal ones included (Sentry's `errored_all`).
    pub errored_all: i64,
    /// Crashed sessions.
    pub crashed: i64,
    /// Abnormal sessions.
    pub abnormal: i64,
    /// Whether any counts were added (Sentry answers `null` for groups without data).
    pub has_rows: bool,
    /// Each user with the sets they are in over the tallied buckets.
    pub users: HashMap<String, u8>,
    /// The users counted by the store instead (exact for this tally's one key), which then
    /// stand in for `users`.
    pub user_counts: Option<UserCount>,
    /// Sum of the durations (seconds) of cleanly exited sessions.
    pub duration_sum: f64,
    /// How many durations `duration_sum` adds up.
    pub duration_count: i64,
    /// Their histogram (kept since migration 0019).
    pub durations: DurationHistogram,
}

impl Tally {
    /// Adds an hour's counts.
    pub fn add(&mut self, bucket: &SessionBucket) {
        self.sessions += bucket.sessions;
        self.errored_all += bucket.errored;
        self.crashed += bucket.crashed;
        self.abnormal += bucket.abnormal;
        self.duration_sum += bucket.duration_sum;
        self.duration_count += bucket.duration_count;
        self.has_rows = true;
    }

    /// Adds a bucket of durations.
    pub fn add_durations(&mut self, row: &DurationRow) {
        self.durations.add(row.bucket, row.count);
    }

    /// A duration field in milliseconds, as Sentry answers them: `avg`, `max` or a percentile
    /// of the durations of cleanly exited sessions; `None` without any, and for every
    /// `session.status` but `healthy` (durations are only known for those).
    pub fn duration_ms(&self, function: &str, status: Option<&str>) -> Option<f64> {
        if !matches!(status, None | Some("healthy")) {
            return None;
        }
        let seconds = match function {
            "avg" => {
                (self.duration_count > 0).then(|| self.duration_sum / self.duration_count as f64)
            }
            "max" => self.durations.max(),
            percentile => {
                let q: f64 = percentile.strip_prefix('p')?.parse().ok()?;
                self.durations.quantile(q / 100.0)
            }
        }?;
        Some(seconds * 1000.0)
    }

    /// Adds a user of an hour.
    pub fn add_user(&mut self, user: &UserBucket) {
        *self.users.entry(user.did.clone()).or_insert(0) |= user.flags;
    }

    /// Sets the users this tally's key has, as counted by the store.
    pub fn set_user_counts(&mut self, counts: &UserCount) {
        self.user_counts = Some(counts.clone());
    }

    fn all_users(&self) -> i64 {
        match &self.user_counts {
            Some(counts) => counts.users,
            None => self.users.len() as i64,
        }
    }

    fn users_with(&self, flag: u8) -> i64 {
        if let Some(counts) = &self.user_counts {
            let counted = match flag {
                user_flags::ERRORED => counts.errored,
                user_flags::ABNORMAL => counts.abnormal,
                user_flags::CRASHED => Some(counts.crashed),
                _ => None,
            };
            // Totals count only the crashed set; they are read only when nothing else is
            // asked for (`UserCountPlan`).
            return counted.unwrap_or(0);
        }
        self.users.values().filter(|f| **f & flag != 0).count() as i64
    }

    /// `sum(session)`, for one `session.status` or all: healthy = all − errored_all,
    /// errored = max(0, errored_all − crashed − abnormal).
    pub fn sessions_by(&self, status: Option<&str>) -> i64 {
        match status {
            None => self.sessions,
            Some("healthy") => (self.sessions - self.errored_all).max(0),
            Some("errored") => (self.errored_all - self.crashed - self.abnormal).max(0),
            Some("crashed") => self.crashed,
            Some("abnormal") => self.abnormal,
            Some(_) => 0,
        }
    }

    /// `count_unique(user)`, for one `session.status` or all, the same way over user sets.
    pub fn users_by(&self, status: Option<&str>) -> i64 {
        let all = self.all_users();
        let errored_all = self.users_with(user_flags::ERRORED);
        let crashed = self.users_with(user_flags::CRASHED);
        let abnormal = self.users_with(user_flags::ABNORMAL);
        match status {
            None => all,
            Some("healthy") => (all - errored_all).max(0),
            Some("errored") => (errored_all - crashed - abnormal).max(0),
            Some("crashed") => crashed,
            Some("abnormal") => abnormal,
            Some(_) => 0,
        }
    }

    /// Crashed users.
    pub fn crashed_users(&self) -> i64 {
        self.users_with(user_flags::CRASHED)
    }

    /// `crash_free_rate(session)` = 1 − crashed / all; `None` without sessions.
    pub fn crash_free_sessions(&self) -> Option<f64> {
        (self.sessions > 0).then(|| 1.0 - self.crashed as f64 / self.sessions as f64)
    }

    /// `crash_free_rate(user)` = 1 − crashed users / all users; `None` without users.
    pub fn crash_free_users(&self) -> Option<f64> {
        let all = self.all_users();
        (all > 0).then(|| 1.0 - self.crashed_users() as f64 / all as f64)
    }
}

/// A period such as `24h`, `14d`, `90m`, `30s`, `2w` in seconds.
pub fn parse_period(period: &str) -> Option<i64> {
    let split = period.find(|c: char| !c.is_ascii_digit()).unwrap_or(period.len());
    let (number, unit) = period.split_at(split);
    let n: i64 = number.parse().ok().filter(|n| *n > 0)?;
    let unit = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    n.checked_mul(unit)
}

const FIELDS: &[&str] = &[
    "sum(session)",
    "count_unique(user)",
    "crash_free_rate(session)",
    "crash_free_rate(user)",
    "crash_rate(session)",
    "crash_rate(user)",
    "avg(session.duration)",
    "max(session.duration)",
    "p50(session.duration)",
    "p75(session.duration)",
    "p90(session.duration)",
    "p95(session.duration)",
    "p99(session.duration)",
];
const GROUP_BYS: &[&str] = &["project", "release", "environment", "session.status"];
const STATUSES: &[&str] = &["healthy", "errored", "crashed", "abnormal"];
/// Most intervals a response may have.
const MAX_INTERVALS: i64 = 10_000;

#[derive(Debug, Default)]
struct Params {
    fields: Vec<String>,
    group_by: Vec<String>,
    interval: Option<String>,
    stats_period: Option<String>,
    start: Option<String>,
    end: Option<String>,
    projects: Vec<String>,
    environments: Vec<String>,
    query: String,
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

impl Params {
    fn parse(raw: Option<&str>) -> ApiResult<Params> {
        let mut p = Params::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "field" => p.fields.push(value),
                "groupBy" => p.group_by.push(value),
                "interval" => p.interval = Some(value),
                "statsPeriod" => p.stats_period = Some(value),
                "start" => p.start = Some(value),
                "end" => p.end = Some(value),
                "project" => p.projects.push(value),
                "environment" => p.environments.push(value),
                "query" => p.query = value,
                // Accepted and without effect: Cairn answers every request in one page.
                "per_page" | "orderBy" | "includeTotals" | "includeSeries" | "utc" => {}
                other => return Err(bad(format!("Unknown query parameter: {other:?}"))),
            }
        }
        if p.fields.is_empty() {
            return Err(bad("Request is missing a \"field\""));
        }
        for field in &p.fields {
            if !FIELDS.contains(&field.as_str()) {
                return Err(bad(format!("Invalid field: {field:?}")));
            }
        }
        for by in &p.group_by {
            if !GROUP_BYS.contains(&by.as_str()) {
                return Err(bad(format!("Invalid groupBy: {by:?}")));
            }
        }
        if p.group_by.iter().any(|g| g == "session.status") {
            if let Some(rate) = p.fields.iter().find(|f| f.contains("rate(")) {
                return Err(bad(format!("Cannot group field {rate} by session.status")));
            }
        }
        Ok(p)
    }
}

/// Filters of a Sentry search in the sessions API: `release:x`, `release:"x"`,
/// `environment:x`, joined by spaces, `OR` or `AND` (several values of a key match any).
pub fn parse_session_query(query: &str) -> ApiResult<(Vec<String>, Vec<String>)> {
    let (mut releases, mut environments) = (Vec::new(), Vec::new());
    let mut rest = query.trim();
    while !rest.is_empty() {
        let (token, after) = split_token(rest);
        rest = after.trim_start();
        if token.eq_ignore_ascii_case("OR") || token.eq_ignore_ascii_case("AND") {
            continue;
        }
        let Some((key, value)) = token.split_once(':') else {
            return Err(bad(format!("Invalid query: {token:?}")));
        };
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        let value = value.replace("\\\"", "\"");
        match key {
            "release" => releases.push(value),
            "environment" => environments.push(value),
            other => return Err(bad(format!("Unsupported search key: {other:?}"))),
        }
    }
    Ok((releases, environments))
}

/// The first token of a search (a quoted value may contain spaces), and the rest.
fn split_token(s: &str) -> (&str, &str) {
    let mut in_quotes = false;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        match c {
            '"' if prev != '\\' => in_quotes = !in_quotes,
            c if c.is_whitespace() && !in_quotes => return (&s[..i], &s[i..]),
            _ => {}
        }
        prev = c;
    }
    (s, "")
}

/// The organization's project ids a `project` parameter names (`-1` or nothing: all); a
/// project of another organization is refused.
pub async fn resolve_projects<S: Store>(
    state: &AppState<S>,
    organization: &OrganizationRow,
    raw: &[String],
) -> ApiResult<Vec<i64>> {
    let projects = state.store.projects(organization.id).await?;
    if raw.is_empty() || raw.iter().any(|p| p == "-1") {
        return Ok(projects.iter().map(|p| p.id).collect());
    }
    let mut ids = Vec::with_capacity(raw.len());
    for value in raw {
        let found = projects.iter().find(|p| p.id.to_string() == *value || p.slug == *value);
        match found {
            Some(project) => ids.push(project.id),
            None => return Err(ApiError::Forbidden),
        }
    }
    Ok(ids)
}

/// Parses `start`/`end` (ISO 8601) into Unix seconds.
pub fn parse_time(name: &str, value: &str) -> ApiResult<i64> {
    crate::ingest::event::parse_timestamp_ms(&Value::String(value.to_owned()))
        .map(|ms| ms.div_euclid(1000))
        .ok_or_else(|| bad(format!("{name}: invalid date {value:?}")))
}

/// The buckets of a time series answer (sessions, events-stats): Sentry's `interval`,
/// `statsPeriod` (default `24h`) or `start` and `end`, in seconds, with intervals aligned to their
/// length (UTC) and the last one containing `end`.
pub(super) struct TimeRange {
    pub start: i64,
    pub end: i64,
    pub interval: i64,
    /// How many intervals there are.
    pub count: i64,
}

impl TimeRange {
    pub(super) fn parse(
        interval: Option<&str>,
        start: Option<&str>,
        end: Option<&str>,
        stats_period: Option<&str>,
    ) -> ApiResult<TimeRange> {
        let interval = match interval {
            None => 3_600,
            Some(raw) => {
                parse_period(raw).ok_or_else(|| bad(format!("Invalid interval {raw:?}")))?
            }
        };
        // Counts are kept per hour: a finer interval cannot be answered.
        if interval % 3_600 != 0 {
            return Err(bad(
                "The interval has to be a multiple of the minimum interval of one hour.",
            ));
        }
        let now = now_ms().div_euclid(1000);
        let (start, end) = match (start, end) {
            (Some(start), Some(end)) => (parse_time("start", start)?, parse_time("end", end)?),
            (None, None) => {
                let period = stats_period.unwrap_or("24h");
                let secs = parse_period(period)
                    .ok_or_else(|| bad(format!("Invalid statsPeriod {period:?}")))?;
                (now - secs, now)
            }
            _ => return Err(bad("start and end must be given together, or statsPeriod")),
        };
        if end <= start {
            return Err(bad("end must be after start"));
        }
        let start = start.div_euclid(interval) * interval;
        let end = (end.div_euclid(interval) + i64::from(end % interval != 0)) * interval;
        let count = (end - start) / interval;
        if count > MAX_INTERVALS {
            return Err(bad(
                "Your interval and date range would create too many results. Use a larger \
                 interval, or a smaller date range.",
            ));
        }
        Ok(TimeRange { start, end, interval, count })
    }
}

/// `GET /api/0/organizations/{org}/sessions/`.
pub async fn get_sessions<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<SessionsResponse>> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    let params = Params::parse(raw.as_deref())?;
    let TimeRange { start, end, interval, count } = TimeRange::parse(
        params.interval.as_deref(),
        params.start.as_deref(),
        params.end.as_deref(),
        params.stats_period.as_deref(),
    )?;
    let project_ids = resolve_projects(&state, &access.organization, &params.projects).await?;
    let (releases, mut environments) = parse_session_query(&params.query)?;
    environments.extend(params.environments.iter().cloned());
    let users = params.fields.iter().any(|f| f.ends_with("(user)"));
    let keys: Vec<&str> =
        params.group_by.iter().map(String::as_str).filter(|g| *g != "session.status").collect();
    let by_status = params.group_by.iter().any(|g| g == "session.status");
    let counted_users = users
        .then(|| user_count_plan(&keys, by_status, &environments, start, end, interval))
        .flatten();
    let mut query = SessionQuery {
        project_ids,
        releases,
        environments,
        start_hour: start,
        end_hour: end,
        interval,
        users: users && counted_users.is_none(),
    };
    let (buckets, mut users) = if query.project_ids.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        state.store.session_buckets(&query).await?
    };
    // Duration histograms only when a percentile or the maximum is asked for.
    let wants_histogram =
        params.fields.iter().any(|f| f.ends_with("(session.duration)") && !f.starts_with("avg("));
    let durations = if wants_histogram && !query.project_ids.is_empty() {
        state
            .store
            .session_durations(&DurationQuery {
                project_ids: query.project_ids.clone(),
                releases: query.releases.clone(),
                environments: query.environments.clone(),
                start,
                end,
                interval: Some(interval),
                by_environment: keys.contains(&"environment"),
            })
            .await?
    } else {
        Vec::new()
    };

    // Groups are keyed by the values of the `groupBy` keys that are asked for (`None` for the
    // others), so that they sort and compare; `by` is built from the key at the end.
    type GroupKey = (Option<i64>, Option<String>, Option<String>);
    let group_of = |project: i64, release: &str, environment: &str| -> GroupKey {
        (
            keys.contains(&"project").then_some(project),
            keys.contains(&"release").then(|| release.to_owned()),
            keys.contains(&"environment").then(|| environment.to_owned()),
        )
    };
    let slot = |hour: i64| ((hour - start) / interval) as usize;

    // Users counted by the store serve when every group (and day) has one (project, release,
    // environment) key: counts of two keys cannot be added, a user may be in both. Otherwise
    // (a release in two projects grouped by release, say) the users themselves are read.
    let mut user_counts = None;
    if let (Some(by_environment), false) = (counted_users, query.project_ids.is_empty()) {
        let counts = state
            .store
            .session_user_counts(&UserCountQuery {
                project_ids: query.project_ids.clone(),
                releases: query.releases.clone(),
                environments: query.environments.clone(),
                by_environment,
                start_day: start,
                end_day: end,
                totals_since: start,
            })
            .await?;
        let mut days = std::collections::HashSet::new();
        let mut totals = std::collections::HashSet::new();
        let one_key_each = counts.days.iter().all(|c| {
            days.insert((group_of(c.project_id, &c.release, &c.environment), slot(c.day)))
        }) && counts
            .totals
            .iter()
            .all(|c| totals.insert(group_of(c.project_id, &c.release, &c.environment)));
        if one_key_each {
            user_counts = Some(counts);
        } else {
            query.users = true;
            users = state.store.session_buckets(&query).await?.1;
        }
    }

    let mut tallies: BTreeMap<GroupKey, (Tally, Vec<Tally>)> = BTreeMap::new();
    let blank = || (Tally::default(), vec![Tally::default(); count as usize]);
    if keys.is_empty() {
        tallies.insert((None, None, None), blank());
    }
    for b in &buckets {
        let entry =
            tallies.entry(group_of(b.project_id, &b.release, &b.environment)).or_insert_with(blank);
        entry.0.add(b);
        if let Some(t) = entry.1.get_mut(slot(b.hour)) {
            t.add(b);
        }
    }
    for d in &durations {
        let entry =
            tallies.entry(group_of(d.project_id, &d.release, &d.environment)).or_insert_with(blank);
        entry.0.add_durations(d);
        if let Some(t) = entry.1.get_mut(slot(d.slot)) {
            t.add_durations(d);
        }
    }
    for u in &users {
        let entry =
            tallies.entry(group_of(u.project_id, &u.release, &u.environment)).or_insert_with(blank);
        entry.0.add_user(u);
        if let Some(t) = entry.1.get_mut(slot(u.hour)) {
            t.add_user(u);
        }
    }
    if let Some(counts) = &user_counts {
        for c in &counts.days {
            let entry = tallies
                .entry(group_of(c.project_id, &c.release, &c.environment))
                .or_insert_with(blank);
            if let Some(t) = entry.1.get_mut(slot(c.day)) {
                t.set_user_counts(c);
            }
        }
        for c in &counts.totals {
            tallies
                .entry(group_of(c.project_id, &c.release, &c.environment))
                .or_insert_with(blank)
                .0
                .set_user_counts(c);
        }
    }

    let statuses: Vec<Option<&str>> =
        if by_status { STATUSES.iter().map(|s| Some(*s)).collect() } else { vec![None] };
    let mut groups = Vec::new();
    for ((project, release, environment), (total, series)) in &tallies {
        for status in &statuses {
            let mut by = BTreeMap::new();
            if let Some(project) = project {
                by.insert("project".to_owned(), json!(project));
            }
            if let Some(release) = release {
                by.insert("release".to_owned(), json!(release));
            }
            if let Some(environment) = environment {
                by.insert("environment".to_owned(), json!(environment));
            }
            if let Some(status) = status {
                by.insert("session.status".into(), json!(status));
            }
            let mut totals = BTreeMap::new();
            let mut out_series = BTreeMap::new();
            for field in &params.fields {
                totals.insert(field.clone(), field_value(field, total, *status));
                out_series.insert(
                    field.clone(),
                    series.iter().map(|t| field_value(field, t, *status)).collect(),
                );
            }
            groups.push(SessionsGroup { by, totals, series: out_series });
        }
    }
    Ok(AppJson(SessionsResponse {
        start: ms_to_datetime(start * 1000),
        end: ms_to_datetime(end * 1000),
        intervals: (0..count).map(|i| ms_to_datetime((start + i * interval) * 1000)).collect(),
        groups,
        query: params.query,
    }))
}

/// Whether the users of a request can be read as counts (see migration 0018) and, if so, whether
/// each environment's (`Some(true)`) or all environments' counts (`Some(false)`): with daily
/// intervals (a day's users are counted) over a period that ends now (totals are the users
/// whose last session is in it), without `session.status` (totals count only crashed users),
/// and with at most one environment unless grouped by environment (users of several
/// environments would need to be told apart).
fn user_count_plan(
    keys: &[&str],
    by_status: bool,
    environments: &[String],
    start: i64,
    end: i64,
    interval: i64,
) -> Option<bool> {
    // Sessions may start up to a minute ahead of the server's clock (clock drift).
    let ends_now = end > now_ms().div_euclid(1000) + 60;
    if interval != 86_400 || by_status || !ends_now || start % 86_400 != 0 {
        return None;
    }
    if keys.contains(&"environment") {
        Some(true)
    } else {
        (environments.len() <= 1).then_some(false)
    }
}

/// The value of one field for a tally (fields were checked when parsing).
fn field_value(field: &str, tally: &Tally, status: Option<&str>) -> Value {
    match field {
        "sum(session)" => json!(tally.sessions_by(status)),
        "count_unique(user)" => json!(tally.users_by(status)),
        "crash_free_rate(session)" => json!(tally.crash_free_sessions()),
        "crash_free_rate(user)" => json!(tally.crash_free_users()),
        "crash_rate(session)" => json!(tally.crash_free_sessions().map(|r| 1.0 - r)),
        "crash_rate(user)" => json!(tally.crash_free_users().map(|r| 1.0 - r)),
        duration => match duration.strip_suffix("(session.duration)") {
            Some(function) => json!(tally.duration_ms(function, status)),
            None => Value::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse() {
        assert_eq!(parse_period("24h"), Some(86_400));
        assert_eq!(parse_period("14d"), Some(14 * 86_400));
        assert_eq!(parse_period("1w"), Some(604_800));
        assert_eq!(parse_period("0h"), None);
        assert_eq!(parse_period("h"), None);
        assert_eq!(parse_period("5y"), None);
    }

    #[test]
    fn queries_parse() {
        let (releases, envs) =
            parse_session_query("release:\"app@1.0 beta\" OR release:app@2.0+7 environment:prod")
                .expect("valid");
        assert_eq!(releases, ["app@1.0 beta", "app@2.0+7"]);
        assert_eq!(envs, ["prod"]);
        assert!(parse_session_query("user:42").is_err());
    }

    #[test]
    fn tallies_follow_sentry_formulas() {
        let mut t = Tally::default();
        t.add(&SessionBucket {
            sessions: 10,
            errored: 4,
            crashed: 2,
            abnormal: 1,
            ..SessionBucket::default()
        });
        assert_eq!(t.sessions_by(Some("healthy")), 6);
        assert_eq!(t.sessions_by(Some("errored")), 1);
        assert_eq!(t.crash_free_sessions(), Some(0.8));
        for (did, flags) in [("a", 0), ("b", user_flags::ERRORED | user_flags::CRASHED)] {
            t.add_user(&UserBucket {
                project_id: 1,
                release: "r".into(),
                environment: String::new(),
                hour: 0,
                did: did.into(),
                flags,
            });
        }
        assert_eq!(t.users_by(Some("healthy")), 1);
        assert_eq!(t.users_by(Some("crashed")), 1);
        assert_eq!(t.users_by(Some("errored")), 0);
        assert_eq!(t.crash_free_users(), Some(0.5));
    }

    #[test]
    fn durations_are_milliseconds_of_healthy_sessions_only() {
        let mut t = Tally::default();
        assert_eq!(t.duration_ms("p50", None), None);
        assert_eq!(t.duration_ms("avg", None), None);
        t.add(&SessionBucket {
            sessions: 3,
            duration_sum: 30.0,
            duration_count: 2,
            ..SessionBucket::default()
        });
        let mut histogram = DurationHistogram::default();
        histogram.record(10.0);
        histogram.record(20.0);
        for (bucket, count) in histogram.iter() {
            t.add_durations(&DurationRow {
                project_id: 1,
                release: "r".into(),
                environment: String::new(),
                slot: 0,
                bucket,
                count,
            });
        }
        assert_eq!(t.duration_ms("avg", None), Some(15_000.0));
        assert_eq!(t.duration_ms("max", Some("healthy")), Some(20_000.0));
        assert_eq!(t.duration_ms("p50", None), Some(15_000.0));
        assert_eq!(t.duration_ms("p50", Some("crashed")), None);
        assert_eq!(t.duration_ms("max", Some("errored")), None);
    }
}
