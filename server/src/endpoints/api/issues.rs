//! The issue list.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use cairn_types::api::{Issue, IssueDetails, IssueOwner, ShortIdLookup, UpdateIssueRequest};

use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::search::{Filter, Range, ReleaseFilter, Term};
use crate::serialize;
use crate::state::AppState;
use serde_json::Value;

use crate::store::{
    Assignee, IssueCursor, IssuePage, IssueQuery, IssueRow, IssueSort, OrganizationRow, Priority,
    ReleaseQuery, Snooze, StageFilter, StatusChange, Store, StoreError,
};

/// Query parameters of the issue list (Sentry's).
#[derive(Debug, Default)]
struct ListIssuesParams {
    /// Sentry search syntax (see [`crate::search`]); absent means `is:unresolved`.
    query: Option<String>,
    /// Numeric project ids to restrict to (`project` may repeat; `-1` is all).
    project: Vec<String>,
    /// Environments to restrict to (`environment` may repeat).
    environment: Vec<String>,
    /// Issues seen within this period, e.g. `24h`, `14d`.
    stats_period: Option<String>,
    /// Issues seen between `start` and `end` (ISO 8601), instead of `statsPeriod`.
    start: Option<String>,
    end: Option<String>,
    /// `date` (the default), `new`, `freq`, `user`, `priority`, `inbox`.
    sort: Option<String>,
    /// Where the page starts, from a `Link` header.
    cursor: Option<String>,
    /// Most issues to return (default 25, at most 100).
    limit: Option<i64>,
    /// Sparkline buckets: `24h` (hourly, the default) or `14d` (daily).
    group_stats_period: Option<String>,
    /// Extra parts of each issue: `owners` (others are accepted and ignored).
    expand: Vec<String>,
    /// `shortIdLookup=1`: a query that is a short id (`BACKEND-1A`) answers with that issue
    /// alone and `X-Sentry-Direct-Hit: 1`, as Sentry's search bar expects.
    short_id_lookup: bool,
}

impl ListIssuesParams {
    /// Parses the query string; `project` is refused on a project's own list.
    fn parse(raw: Option<&str>, project_route: bool) -> ApiResult<Self> {
        let mut params = ListIssuesParams::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "query" => params.query = Some(value.into_owned()),
                "project" if !project_route => params.project.push(value.into_owned()),
                "environment" => params.environment.push(value.into_owned()),
                "statsPeriod" => params.stats_period = Some(value.into_owned()),
                "start" => params.start = Some(value.into_owned()),
                "end" => params.end = Some(value.into_owned()),
                "sort" => params.sort = Some(value.into_owned()),
                // `cursor=` with no value is the first page (sentry-cli sends it so).
                "cursor" if value.is_empty() => {}
                "cursor" => params.cursor = Some(value.into_owned()),
                "limit" => {
                    params.limit = Some(value.parse().map_err(|_| {
                        ApiError::BadRequest(format!("limit: invalid number {value:?}"))
                    })?)
                }
                "groupStatsPeriod" => params.group_stats_period = Some(value.into_owned()),
                "shortIdLookup" => params.short_id_lookup = value == "1" || value == "true",
                // Accepted for compatibility with Sentry's clients; they change nothing here.
                "expand" => params.expand.push(value.into_owned()),
                "collapse" => {}
                other => {
                    return Err(ApiError::BadRequest(format!("unknown query parameter {other:?}")))
                }
            }
        }
        Ok(params)
    }
}

/// Sentry's `statsPeriod`: a whole number with `s`, `m`, `h`, `d` or `w` (seconds if none), in
/// milliseconds.
pub(super) fn stats_period_ms(value: &str) -> ApiResult<i64> {
    let invalid = || ApiError::BadRequest(format!("statsPeriod: invalid period {value:?}"));
    let (digits, unit_ms) = match value.char_indices().last() {
        Some((i, 's')) => (&value[..i], 1_000),
        Some((i, 'm')) => (&value[..i], 60_000),
        Some((i, 'h')) => (&value[..i], 3_600_000),
        Some((i, 'd')) => (&value[..i], 86_400_000),
        Some((i, 'w')) => (&value[..i], 7 * 86_400_000),
        _ => (value, 1_000),
    };
    let n: i64 = digits.parse().map_err(|_| invalid())?;
    n.checked_mul(unit_ms).filter(|ms| *ms > 0).ok_or_else(invalid)
}

/// Sentry's cursor `value:offset:is_prev`. Cairn pages by keyset, so its cursors carry the sort
/// key and the id of the issue at the page boundary: `value:issue_id:is_prev`. Id 0 (no issue
/// has it) stands for the start of the list, as in Sentry's first-page `0:0:1`.
fn parse_cursor(raw: &str) -> ApiResult<IssueCursor> {
    let invalid = || ApiError::BadRequest(format!("cursor: invalid cursor {raw:?}"));
    let mut parts = raw.split(':');
    let (Some(value), Some(id), Some(is_prev), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    Ok(IssueCursor {
        value: value.parse().map_err(|_| invalid())?,
        id: id.parse().ok().filter(|id: &i64| *id >= 0).ok_or_else(invalid)?,
        is_prev: match is_prev {
            "0" => false,
            "1" => true,
            _ => return Err(invalid()),
        },
    })
}

fn format_cursor(cursor: &IssueCursor) -> String {
    format!("{}:{}:{}", cursor.value, cursor.id, u8::from(cursor.is_prev))
}

/// The `Link` header of a page, in Sentry's format (one `previous` and one `next` link, each
/// saying whether it leads to any results).
pub(super) fn link_header(
    base: &str,
    raw_query: Option<&str>,
    previous: (String, bool),
    next: (String, bool),
) -> String {
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()) {
        if key != "cursor" {
            kept.append_pair(&key, &value);
        }
    }
    let kept = kept.finish();
    let link = |rel: &str, (cursor, results): (String, bool)| {
        let separator = if kept.is_empty() { "" } else { "&" };
        format!(
            "<{base}?{kept}{separator}cursor={cursor}>; rel=\"{rel}\"; results=\"{results}\"; \
             cursor=\"{cursor}\""
        )
    };
    format!("{}, {}", link("previous", previous), link("next", next))
}

/// `GET /api/0/organizations/{org}/issues/`: issues of the organization's projects that match
/// a Sentry search, most recently seen first unless `sort` says otherwise, a page at a time.
pub async fn list_issues<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params = ListIssuesParams::parse(raw.as_deref(), false)?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let mut project_ids = Vec::new();
    for id in &params.project {
        // Sentry sends `project=-1` for "all projects".
        match id.parse::<i64>() {
            Ok(-1) => {}
            Ok(id) => project_ids.push(id),
            Err(_) => {
                return Err(ApiError::BadRequest(format!("project: invalid project id {id:?}")))
            }
        }
    }
    issue_page(&state, &identity, &access, project_ids, params, uri.path(), raw.as_deref()).await
}

/// `GET /api/0/projects/{org}/{project}/issues/`: the same list for one project.
pub async fn list_project_issues<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params = ListIssuesParams::parse(raw.as_deref(), true)?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    issue_page(&state, &identity, &access, vec![project.id], params, uri.path(), raw.as_deref())
        .await
}

/// The terms of an issue list's search: the `query` parsed, its release selectors resolved,
/// then the request's environments and time range (issues seen within it: last seen after its
/// start and first seen before its end; Sentry counts events in the range, which the issue's
/// first and last sightings bound). An empty `statsPeriod`, as some clients send next to
/// `start` and `end`, is no period.
async fn list_terms<S: Store>(
    state: &AppState<S>,
    organization_id: i64,
    project_ids: &[i64],
    search: &str,
    range: &ListRange,
    now_ms: i64,
) -> ApiResult<Vec<Term>> {
    let mut terms = crate::search::parse(search, now_ms)
        .map_err(|err| ApiError::BadRequest(format!("query: {err}")))?;
    resolve_release_terms(state, organization_id, project_ids, &range.environment, &mut terms)
        .await?;
    let term = |filter| Term { negated: false, filter };
    if !range.environment.is_empty() {
        let values = range.environment.clone();
        terms.push(term(Filter::Tag { key: "environment".into(), values }));
    }
    let stats_period = range.stats_period.as_deref().filter(|period| !period.is_empty());
    match (stats_period, &range.start, &range.end) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(ApiError::BadRequest(
                "statsPeriod: give either statsPeriod or start and end, not both.".into(),
            ))
        }
        (Some(period), None, None) => {
            let since = now_ms - stats_period_ms(period)?;
            terms.push(term(Filter::LastSeen(Range { min: Some(since), max: None })));
        }
        (None, Some(start), Some(end)) => {
            let parse = |name: &str, value: &str| {
                crate::search::iso_datetime_ms(value).ok_or_else(|| {
                    ApiError::BadRequest(format!("{name}: {value:?} is not an ISO 8601 date"))
                })
            };
            let (start, end) = (parse("start", start)?, parse("end", end)?);
            terms.push(term(Filter::LastSeen(Range { min: Some(start), max: None })));
            terms.push(term(Filter::FirstSeen(Range { min: None, max: Some(end) })));
        }
        (None, None, None) => {}
        (None, _, _) => {
            return Err(ApiError::BadRequest("start and end must be given together.".into()))
        }
    }
    Ok(terms)
}

/// The environments and time range an issue list or count keeps to.
#[derive(Debug, Default)]
struct ListRange {
    environment: Vec<String>,
    stats_period: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

/// One page of the issue list, with Sentry's `Link` and `X-Hits` headers.
async fn issue_page<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    access: &super::OrgAccess,
    project_ids: Vec<i64>,
    params: ListIssuesParams,
    path: &str,
    raw_query: Option<&str>,
) -> ApiResult<Response> {
    let now_ms = crate::util::now_ms();
    let limit = params.limit.unwrap_or(25).clamp(1, 100);
    let search = params.query.as_deref().unwrap_or("is:unresolved");
    if params.short_id_lookup {
        if let Some(response) = short_id_hit(state, identity, access, &project_ids, search).await? {
            return Ok(response);
        }
    }
    let range = ListRange {
        environment: params.environment,
        stats_period: params.stats_period,
        start: params.start,
        end: params.end,
    };
    let terms =
        list_terms(state, access.organization.id, &project_ids, search, &range, now_ms).await?;
    let sort = match params.sort.as_deref() {
        None | Some("" | "date") => IssueSort::Date,
        Some("priority") => IssueSort::Priority,
        Some("inbox") => IssueSort::Inbox,
        Some("new") => IssueSort::New,
        Some("freq") => IssueSort::Freq,
        Some("user") => IssueSort::User,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "sort: {other:?} is not one of date, new, freq, user, priority, inbox"
            )))
        }
    };
    let cursor = params.cursor.as_deref().map(parse_cursor).transpose()?;
    let (period, bucket_secs, buckets) = match params.group_stats_period.as_deref() {
        None | Some("" | "auto" | "24h") => ("24h", 3_600, 24),
        Some("14d") => ("14d", 86_400, 14),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "groupStatsPeriod: {other:?} is not one of 24h, 14d"
            )))
        }
    };

    let query = IssueQuery {
        organization_id: access.organization.id,
        project_ids,
        user_id: identity.user.id,
        now_ms,
        terms,
        sort,
        // Id 0 is the start of the list: no cursor going forward, nothing before it.
        cursor: cursor.filter(|c| c.id != 0),
        // One more than asked for tells whether another page follows.
        limit: limit + 1,
    };
    // Sentry's first-page "previous" cursor: nothing comes before the start.
    let before_start = cursor.is_some_and(|c| c.id == 0 && c.is_prev);
    let page = if before_start {
        IssuePage { rows: Vec::new(), hits: state.store.count_issues(&query).await? }
    } else {
        state.store.list_issues(&query).await?
    };
    let hits = page.hits;
    let mut issues = page.rows;
    let more = issues.len() as i64 > limit;
    issues.truncate(limit as usize);
    let backwards = query.cursor.is_some_and(|c| c.is_prev);
    if backwards {
        issues.reverse();
    }
    let at = |row: &IssueRow, is_prev: bool| {
        format_cursor(&IssueCursor { value: sort.key(row), id: row.id, is_prev })
    };
    let start = || "0:0:0".to_owned();
    let (previous, next) = match (cursor.filter(|c| c.id != 0), issues.first(), issues.last()) {
        _ if before_start => (("0:0:1".to_owned(), false), (start(), hits > 0)),
        // The first page: nothing before it.
        (None, _, last) => {
            (("0:0:1".to_owned(), false), (last.map_or_else(start, |row| at(row, false)), more))
        }
        (Some(_), Some(first), Some(last)) if backwards => {
            ((at(first, true), more), (at(last, false), true))
        }
        (Some(_), Some(first), Some(last)) => ((at(first, true), true), (at(last, false), more)),
        // An empty page after a cursor: back to where it came from.
        (Some(_), _, _) if backwards => (("0:0:1".to_owned(), false), (start(), true)),
        (Some(c), _, _) => {
            ((format_cursor(&IssueCursor { is_prev: true, ..c }), true), (format_cursor(&c), false))
        }
    };
    let base = format!("{}{}", state.config.public_url.trim_end_matches('/'), path);
    let link = link_header(&base, raw_query, previous, next);

    let now = now_ms / 1000;
    let first_bucket = (now.div_euclid(bucket_secs) - (buckets - 1)) * bucket_secs;
    let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    let hourly = state.store.issue_hourly(&ids, first_bucket, bucket_secs).await?;
    let mut body: Vec<Issue> = issues
        .iter()
        .map(|row| {
            let mut counts = vec![0i64; buckets as usize];
            for (_, hour, events) in hourly.iter().filter(|(id, _, _)| *id == row.id) {
                let index = (hour - first_bucket).div_euclid(bucket_secs);
                if let Some(count) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
                    *count += events;
                }
            }
            let series: Vec<[i64; 2]> = counts
                .iter()
                .enumerate()
                .map(|(i, n)| [first_bucket + i as i64 * bucket_secs, *n])
                .collect();
            let mut issue = serialize::issue(row, &access.organization, &state.config);
            issue.stats = Some(serde_json::json!({ period: series }));
            issue
        })
        .collect();
    add_viewer_state(state, identity.user.id, &mut body).await?;
    if params.expand.iter().any(|e| e == "owners") {
        add_owners(state, &ids, &mut body).await?;
    }
    let mut response = AppJson(body).into_response();
    let headers = response.headers_mut();
    if let Ok(link) = HeaderValue::from_str(&link) {
        headers.insert(header::LINK, link);
    }
    headers.insert("x-hits", HeaderValue::from(hits));
    headers.insert("x-max-hits", HeaderValue::from(crate::store::MAX_ISSUE_HITS));
    Ok(response)
}

/// Most searches one `issues-count` request counts.
const MAX_COUNTED_QUERIES: usize = 10;

/// `GET /api/0/organizations/{org}/issues-count/?query=…&query=…`: how many issues each search
/// matches, as Sentry's stream counts its tabs: `{search: count}`, each counted up to
/// [`crate::store::MAX_ISSUE_HITS`], in the request's `project`s, `environment`s and time range
/// (`statsPeriod`, or `start` and `end`), as the issue list keeps to them.
pub async fn count_issues_by_query<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<std::collections::BTreeMap<String, i64>>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let (mut searches, mut project_ids, mut range) = (Vec::new(), Vec::new(), ListRange::default());
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "query" => searches.push(value),
            "project" => match value.parse::<i64>() {
                Ok(-1) => {}
                Ok(id) => project_ids.push(id),
                Err(_) => {
                    return Err(ApiError::BadRequest(format!(
                        "project: invalid project id {value:?}"
                    )))
                }
            },
            "environment" => range.environment.push(value),
            "statsPeriod" => range.stats_period = Some(value),
            "start" => range.start = Some(value),
            "end" => range.end = Some(value),
            // Sentry's dashboard sends it; times here are UTC anyway.
            "utc" => {}
            other => {
                return Err(ApiError::BadRequest(format!("Unknown query parameter: {other:?}")))
            }
        }
    }
    if searches.is_empty() || searches.len() > MAX_COUNTED_QUERIES {
        return Err(ApiError::BadRequest(format!(
            "query: give 1 to {MAX_COUNTED_QUERIES} searches to count."
        )));
    }
    let now_ms = crate::util::now_ms();
    let mut counts = std::collections::BTreeMap::new();
    for search in searches {
        let id = access.organization.id;
        let terms = list_terms(&state, id, &project_ids, &search, &range, now_ms).await?;
        let query = IssueQuery {
            organization_id: id,
            project_ids: project_ids.clone(),
            user_id: identity.user.id,
            now_ms,
            terms,
            sort: IssueSort::Date,
            cursor: None,
            limit: 1,
        };
        let count = state.store.count_issues(&query).await?;
        counts.insert(search, count);
    }
    Ok(AppJson(counts))
}

/// Most issues a release's resolved list answers.
const MAX_RESOLVED_IN_RELEASE: i64 = 100;

/// `GET /api/0/organizations/{org}/releases/{version}/resolved/`: the issues resolved in the
/// release (by hand or by a commit of it), the most recently seen first, as Sentry's release
/// page lists them; `project` (ids, repeatable) narrows them.
pub async fn list_resolved_in_release<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<Issue>>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let mut project_ids = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match (key.as_ref(), value.parse::<i64>()) {
            ("project", Ok(-1)) => {}
            ("project", Ok(id)) => project_ids.push(id),
            ("project", Err(_)) => {
                return Err(ApiError::BadRequest(format!("project: invalid project id {value:?}")))
            }
            (other, _) => {
                return Err(ApiError::BadRequest(format!("Unknown query parameter: {other:?}")))
            }
        }
    }
    // A release the organization does not have is a 404, as in Sentry.
    match state.store.release(access.organization.id, &version).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    }
    let query = IssueQuery {
        organization_id: access.organization.id,
        project_ids,
        user_id: identity.user.id,
        now_ms: crate::util::now_ms(),
        terms: vec![Term { negated: false, filter: Filter::ResolvedInRelease(vec![version]) }],
        sort: IssueSort::Date,
        cursor: None,
        limit: MAX_RESOLVED_IN_RELEASE,
    };
    let rows = state.store.list_issues(&query).await?.rows;
    let mut body: Vec<Issue> =
        rows.iter().map(|row| serialize::issue(row, &access.organization, &state.config)).collect();
    add_viewer_state(&state, identity.user.id, &mut body).await?;
    Ok(AppJson(body))
}

/// The issue list's answer when the whole query is the short id of an issue in the listed
/// projects: that issue alone, flagged as a direct hit. `None` when it is not one.
async fn short_id_hit<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    access: &super::OrgAccess,
    project_ids: &[i64],
    search: &str,
) -> ApiResult<Option<Response>> {
    let Some((slug, counter)) = serialize::parse_short_id(search) else {
        return Ok(None);
    };
    let issue_id =
        match state.store.issue_id_by_short_id(access.organization.id, &slug, counter).await {
            Ok(id) => id,
            Err(StoreError::NotFound) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
    let (issue, _) = state.store.issue(issue_id).await?;
    if !project_ids.is_empty() && !project_ids.contains(&issue.project.id) {
        return Ok(None);
    }
    let mut body = vec![serialize::issue(&issue, &access.organization, &state.config)];
    add_viewer_state(state, identity.user.id, &mut body).await?;
    let mut response = AppJson(body).into_response();
    response.headers_mut().insert("x-sentry-direct-hit", HeaderValue::from_static("1"));
    response.headers_mut().insert("x-hits", HeaderValue::from(1));
    Ok(Some(response))
}

/// Most releases a release selector (`release.version:`, `release.package:`,
/// `release.stage:`) may stand for: Sentry's `MAX_SEARCH_RELEASES`.
const MAX_SEARCH_RELEASES: usize = 1_000;

/// A version no release can have (`valid_release` refuses line breaks): the value of a
/// `release` filter whose selector named no release, which matches nothing.
const NO_RELEASE: &str = "\n";

/// Resolves the search's release terms into the releases they stand for, in the listed
/// projects (every project when none is listed):
/// - Sentry's `latest` in `release:`, `firstRelease:` and `regressed_in_release:`: the newest
///   release of each project (with no release at all, `latest` stays a literal version, which
///   matches nothing an SDK sent);
/// - `release.version:`, `release.package:` and `release.stage:` (which needs exactly one of
///   `environments`, as in Sentry): the `release` tag filter of the releases they choose.
pub(super) async fn resolve_release_terms<S: Store>(
    state: &AppState<S>,
    organization_id: i64,
    project_ids: &[i64],
    environments: &[String],
    terms: &mut [Term],
) -> ApiResult<()> {
    let mut latest: Option<Vec<String>> = None;
    let mut all: Option<Vec<String>> = None;
    // Every release of the listed projects, archived ones included.
    let every_release = ReleaseQuery {
        organization_id,
        project_ids: project_ids.to_vec(),
        ..ReleaseQuery::default()
    };
    for term in terms.iter_mut() {
        let values = match &mut term.filter {
            Filter::Tag { key, values } if key == "release" => values,
            Filter::FirstRelease(values) | Filter::RegressedInRelease(values) => values,
            Filter::Release(selector) => {
                let versions = match selector {
                    ReleaseFilter::Stage(stages) => {
                        let [environment] = environments else {
                            return Err(ApiError::BadRequest(
                                "Choose a single environment to filter by release stage.".into(),
                            ));
                        };
                        let stage = StageFilter {
                            environment: environment.clone(),
                            stages: stages.clone(),
                            negated: false,
                        };
                        let query = ReleaseQuery { stage: Some(stage), ..every_release.clone() };
                        state.store.release_versions(&query).await?
                    }
                    _ => {
                        if all.is_none() {
                            all = Some(state.store.release_versions(&every_release).await?);
                        }
                        let all = all.as_deref().unwrap_or_default();
                        all.iter().filter(|v| selector.matches(v) == Some(true)).cloned().collect()
                    }
                };
                if versions.len() > MAX_SEARCH_RELEASES {
                    return Err(ApiError::BadRequest(format!(
                        "query: the release filter matches {} releases, more than the \
                         {MAX_SEARCH_RELEASES} a search may name; narrow it",
                        versions.len()
                    )));
                }
                let values =
                    if versions.is_empty() { vec![NO_RELEASE.to_owned()] } else { versions };
                term.filter = Filter::Tag { key: "release".into(), values };
                continue;
            }
            _ => continue,
        };
        if !values.iter().any(|v| v == "latest") {
            continue;
        }
        if latest.is_none() {
            latest = Some(state.store.latest_release_versions(organization_id, project_ids).await?);
        }
        let versions = latest.as_deref().unwrap_or_default();
        if versions.is_empty() {
            continue;
        }
        let mut resolved: Vec<String> = values.drain(..).filter(|v| v != "latest").collect();
        resolved.extend(versions.iter().cloned());
        *values = resolved;
    }
    Ok(())
}

/// The issue `raw_id` if the caller may use `scope` in its organization (403 otherwise, as
/// Sentry answers); when the route names an organization, the issue must belong to it. Under an
/// organization's routes the id may also be a short id (`BACKEND-1A`), as in Sentry.
pub async fn issue_access<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: Option<&str>,
    raw_id: &str,
    scope: &str,
) -> ApiResult<(IssueRow, OrganizationRow)> {
    let issue_id: i64 = match (raw_id.parse(), org) {
        (Ok(id), _) => id,
        (Err(_), Some(org)) => {
            let (slug, counter) = serialize::parse_short_id(raw_id).ok_or(ApiError::NotFound)?;
            // Authorize before looking the short id up: its existence is not for outsiders.
            let access = org_access(state, identity, org, scope).await?;
            match state.store.issue_id_by_short_id(access.organization.id, &slug, counter).await {
                Ok(id) => id,
                Err(StoreError::NotFound) => return Err(ApiError::NotFound),
                Err(err) => return Err(err.into()),
            }
        }
        (Err(_), None) => return Err(ApiError::NotFound),
    };
    let (issue, organization) = match state.store.issue(issue_id).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    };
    if org.is_some_and(|slug| slug != organization.slug) {
        return Err(ApiError::NotFound);
    }
    org_access(state, identity, &organization.slug, scope).await?;
    Ok((issue, organization))
}

async fn details<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    issue: &IssueRow,
    organization: &OrganizationRow,
) -> ApiResult<IssueDetails> {
    let activity = state.store.issue_activity(issue.id).await?;
    let mut serialized = vec![serialize::issue(issue, organization, &state.config)];
    add_viewer_state(state, identity.user.id, &mut serialized).await?;
    let Some(mut serialized) = serialized.pop() else {
        return Err(ApiError::NotFound);
    };
    serialized.stats = Some(details_stats(state, issue.id).await?);
    // The latest release is that of the release tag value seen last.
    let last_version = state
        .store
        .issue_tag_values(issue.id, Some("release"))
        .await?
        .into_iter()
        .max_by_key(|value| value.last_seen)
        .map(|value| value.value);
    let first_release = release_of(state, organization, issue.first_release.as_deref()).await?;
    let last_release = release_of(state, organization, last_version.as_deref()).await?;
    let subscription = state.store.issue_subscription(issue.id, identity.user.id).await?;
    let participants = state.store.issue_participants(issue.id).await?;
    let seen_by = state.store.issue_seen_by(issue.id).await?;
    Ok(IssueDetails {
        issue: serialized,
        activity: activity.iter().map(serialize::activity).collect(),
        first_release,
        last_release,
        user_report_count: state.store.issue_user_report_count(issue.id).await?,
        is_subscribed: subscription.subscribed,
        subscription_details: subscription
            .reason
            .map(|reason| cairn_types::api::SubscriptionDetails { reason }),
        participants: participants.iter().map(serialize::user).collect(),
        seen_by: seen_by
            .iter()
            .map(|(user, at)| cairn_types::api::SeenBy {
                user: serialize::user(user),
                last_seen: crate::util::ms_to_datetime(*at),
            })
            .collect(),
    })
}

/// Sentry's `stats` of an issue's details: events per hour over the last 24 hours and per day
/// over the last 30 days, `[[bucket start (Unix seconds), events], ...]` oldest first.
async fn details_stats<S: Store>(state: &AppState<S>, issue_id: i64) -> ApiResult<Value> {
    let now = crate::util::now_ms() / 1000;
    let mut stats = serde_json::Map::new();
    for (period, bucket_secs, buckets) in [("24h", 3_600, 24), ("30d", 86_400, 30)] {
        let first_bucket = (now.div_euclid(bucket_secs) - (buckets - 1)) * bucket_secs;
        let rows = state.store.issue_hourly(&[issue_id], first_bucket, bucket_secs).await?;
        let mut counts = vec![0i64; buckets as usize];
        for (_, bucket, events) in rows {
            let index = (bucket - first_bucket).div_euclid(bucket_secs);
            if let Some(count) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
                *count += events;
            }
        }
        let series: Vec<[i64; 2]> = counts
            .iter()
            .enumerate()
            .map(|(i, n)| [first_bucket + i as i64 * bucket_secs, *n])
            .collect();
        stats.insert(period.to_owned(), serde_json::json!(series));
    }
    Ok(Value::Object(stats))
}

/// The organization's release `version`, in the releases API's shape; `None` when there is no
/// version or the release is gone.
async fn release_of<S: Store>(
    state: &AppState<S>,
    organization: &OrganizationRow,
    version: Option<&str>,
) -> ApiResult<Option<cairn_types::api::Release>> {
    let Some(version) = version else {
        return Ok(None);
    };
    match state.store.release(organization.id, version).await {
        Ok(row) => Ok(Some(super::releases::release(&row, &Default::default(), None, None))),
        Err(StoreError::NotFound) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Sentry's `expand=owners`: the owners stored for each issue: those the ownership rules and
/// CODEOWNERS found (with the rule and what it matched), and the members who wrote its suspect
/// commits (`suspectCommit`, found by [`crate::suspects::spawn_owner_worker`]).
async fn add_owners<S: Store>(
    state: &AppState<S>,
    ids: &[i64],
    issues: &mut [Issue],
) -> ApiResult<()> {
    let owners = state.store.issue_owners(ids).await?;
    for issue in issues.iter_mut() {
        let list = owners
            .iter()
            .filter(|o| o.issue_id.to_string() == issue.id)
            .map(|o| {
                let from_rule = o.kind != "suspectCommit";
                IssueOwner {
                    kind: o.kind.clone(),
                    owner: match o.owner {
                        Assignee::User(id) => format!("user:{id}"),
                        Assignee::Team(id) => format!("team:{id}"),
                    },
                    date_added: crate::util::ms_to_datetime(o.date_added),
                    rule: from_rule.then(|| o.rule.clone()),
                    matched: from_rule.then(|| serde_json::from_str(&o.matched).ok()).flatten(),
                }
            })
            .collect();
        issue.owners = Some(list);
    }
    Ok(())
}

/// Fills in what depends on who is asking: `hasSeen`, `isBookmarked` and the assignee.
pub(super) async fn add_viewer_state<S: Store>(
    state: &AppState<S>,
    user_id: i64,
    issues: &mut [Issue],
) -> ApiResult<()> {
    let ids: Vec<i64> = issues.iter().filter_map(|issue| issue.id.parse().ok()).collect();
    let states = state.store.issue_viewer_state(&ids, user_id).await?;
    for issue in issues.iter_mut() {
        let Some(viewer) = states.iter().find(|s| s.issue_id.to_string() == issue.id) else {
            continue;
        };
        issue.has_seen = viewer.has_seen;
        issue.is_bookmarked = viewer.is_bookmarked;
        issue.assigned_to = viewer.assignee.as_ref().map(serialize::assignee);
    }
    Ok(())
}

/// `GET /api/0/organizations/{org}/issues/{id}/`.
pub async fn get_org_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, Some(&org), &issue_id, "event:read").await?;
    // Opening an issue marks it as seen by the caller, as in Sentry.
    state.store.set_issue_seen(issue.id, identity.user.id, true).await?;
    let details = details(&state, &identity, &issue, &organization).await?;
    Ok(AppJson(expand_details(&state, query.as_deref(), details).await?))
}

/// Sentry's `expand` on one issue (`owners`; the others Sentry knows are accepted and
/// ignored).
async fn expand_details<S: Store>(
    state: &AppState<S>,
    query: Option<&str>,
    mut details: IssueDetails,
) -> ApiResult<IssueDetails> {
    let owners = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(key, value)| key == "expand" && value == "owners");
    if owners {
        let id: i64 = details.issue.id.parse().map_err(|_| ApiError::NotFound)?;
        add_owners(state, &[id], std::slice::from_mut(&mut details.issue)).await?;
    }
    Ok(details)
}

/// `GET /api/0/organizations/{org}/shortids/{short_id}/`: the issue a short id names.
pub async fn lookup_short_id<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, short_id)): Path<(String, String)>,
) -> ApiResult<AppJson<ShortIdLookup>> {
    let (issue, organization) =
        issue_access(&state, &identity, Some(&org), &short_id, "event:read").await?;
    let mut group = vec![serialize::issue(&issue, &organization, &state.config)];
    add_viewer_state(&state, identity.user.id, &mut group).await?;
    let group = group.pop().ok_or(ApiError::NotFound)?;
    Ok(AppJson(ShortIdLookup {
        organization_slug: organization.slug,
        project_slug: issue.project.slug.clone(),
        group_id: issue.id.to_string(),
        short_id: group.short_id.clone(),
        group,
    }))
}

/// `GET /api/0/issues/{id}/`.
pub async fn get_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, None, &issue_id, "event:read").await?;
    state.store.set_issue_seen(issue.id, identity.user.id, true).await?;
    let details = details(&state, &identity, &issue, &organization).await?;
    Ok(AppJson(expand_details(&state, query.as_deref(), details).await?))
}

/// `GET /api/0/issues/{id}/participants/` (also under `/organizations/{org}/`): Sentry's
/// `GroupParticipantsEndpoint`, the people who hear of the issue's workflow (its subscribers
/// and assignees).
pub async fn list_participants<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(params): Path<Vec<(String, String)>>,
) -> ApiResult<AppJson<Vec<cairn_types::api::User>>> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let issue_id = get("issue_id").ok_or(ApiError::NotFound)?;
    let (issue, _) = issue_access(&state, &identity, get("org"), issue_id, "event:read").await?;
    let users = state.store.issue_participants(issue.id).await?;
    Ok(AppJson(users.iter().map(serialize::user).collect()))
}

/// `DELETE /api/0/organizations/{org}/issues/{id}/`: deletes the issue and its events (`202`,
/// as Sentry, which deletes in the background; Cairn has finished when it answers).
pub async fn delete_org_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
) -> ApiResult<axum::http::StatusCode> {
    let (issue, _) = issue_access(&state, &identity, Some(&org), &issue_id, "event:admin").await?;
    state.store.delete_issue(issue.id).await?;
    super::audit_log::issue_deleted(&state, &identity, &issue).await;
    Ok(axum::http::StatusCode::ACCEPTED)
}

/// `DELETE /api/0/issues/{id}/`.
pub async fn delete_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    let (issue, _) = issue_access(&state, &identity, None, &issue_id, "event:admin").await?;
    state.store.delete_issue(issue.id).await?;
    super::audit_log::issue_deleted(&state, &identity, &issue).await;
    Ok(axum::http::StatusCode::ACCEPTED)
}

/// `PUT /api/0/organizations/{org}/issues/{id}/`: resolve, unresolve or ignore.
pub async fn update_org_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
    AppJson(request): AppJson<UpdateIssueRequest>,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, Some(&org), &issue_id, "event:write").await?;
    update(&state, &identity, issue, organization, request).await
}

/// `PUT /api/0/issues/{id}/`.
pub async fn update_issue<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    AppJson(request): AppJson<UpdateIssueRequest>,
) -> ApiResult<AppJson<IssueDetails>> {
    let (issue, organization) =
        issue_access(&state, &identity, None, &issue_id, "event:write").await?;
    update(&state, &identity, issue, organization, request).await
}

async fn update<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    issue: IssueRow,
    organization: OrganizationRow,
    request: UpdateIssueRequest,
) -> ApiResult<AppJson<IssueDetails>> {
    if request.merge.is_some() {
        return Err(ApiError::BadRequest(
            "merge: only the issue list (PUT with several id parameters) merges issues.".into(),
        ));
    }
    let changes = IssueChanges::check(state, identity, &organization, &request).await?;
    changes.apply(state, identity, &issue).await?;
    let (issue, organization) = match state.store.issue(issue.id).await {
        Ok(found) => found,
        Err(_) => (issue, organization),
    };
    Ok(AppJson(details(state, identity, &issue, &organization).await?))
}

/// The changes of a PUT on one issue or on several, checked before any is made.
pub(super) struct IssueChanges<'a> {
    request: &'a UpdateIssueRequest,
    /// `Some(None)`: unassign.
    assignee: Option<Option<Assignee>>,
    priority: Option<Priority>,
}

impl<'a> IssueChanges<'a> {
    pub(super) async fn check<S: Store>(
        state: &AppState<S>,
        identity: &Identity,
        organization: &OrganizationRow,
        request: &'a UpdateIssueRequest,
    ) -> ApiResult<IssueChanges<'a>> {
        if let Some(status) = request.status.as_deref() {
            // Checked once here; applied per issue (the next release depends on the project).
            status_change(status, request, identity.user.id, None)?;
        }
        let assignee = match &request.assigned_to {
            None => None,
            Some(actor) => Some(resolve_assignee(state, organization, actor.as_deref()).await?),
        };
        if request.is_public == Some(true) && !organization.allow_shared_issues {
            return Err(ApiError::PermissionDenied(
                "Sharing issues is turned off for this organization.".into(),
            ));
        }
        let priority = match request.priority.as_deref() {
            None => None,
            Some(name) => Some(Priority::from_name(name).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "priority: \"{name}\" is not a valid choice (high, medium, low)."
                ))
            })?),
        };
        Ok(IssueChanges { request, assignee, priority })
    }

    pub(super) async fn apply<S: Store>(
        &self,
        state: &AppState<S>,
        identity: &Identity,
        issue: &IssueRow,
    ) -> ApiResult<()> {
        let request = self.request;
        if let Some(status) = request.status.as_deref() {
            // "Resolved in the next release" is relative to the release current now.
            let latest_release = state.store.latest_release(issue.project.id).await?;
            let change = status_change(status, request, identity.user.id, latest_release)?;
            state.store.set_issue_status(issue.id, &change).await?;
        }
        if let Some(assignee) = self.assignee {
            state.store.assign_issue(issue.id, assignee, identity.user.id).await?;
        }
        if let Some(priority) = self.priority {
            state.store.set_issue_priority(issue.id, priority, identity.user.id).await?;
        }
        if let Some(inbox) = request.inbox {
            state.store.set_issue_reviewed(issue.id, !inbox, identity.user.id).await?;
        }
        if let Some(seen) = request.has_seen {
            state.store.set_issue_seen(issue.id, identity.user.id, seen).await?;
        }
        if let Some(bookmarked) = request.is_bookmarked {
            state.store.set_issue_bookmark(issue.id, identity.user.id, bookmarked).await?;
        }
        if let Some(subscribed) = request.is_subscribed {
            state.store.set_issue_subscription(issue.id, identity.user.id, subscribed).await?;
        }
        if let Some(public) = request.is_public {
            // 128 random bits: the link is the only key to the issue's page.
            let share_id = public.then(|| uuid::Uuid::new_v4().simple().to_string());
            state.store.set_issue_share(issue.id, share_id.as_deref()).await?;
        }
        Ok(())
    }
}

/// Sentry's `assignedTo` actor: `user:<id>`, `team:<id>`, a bare user id, a username or an
/// email; `None` or `""` unassigns. The user must be a member, and the team a team, of the
/// issue's organization.
pub(super) async fn resolve_assignee<S: Store>(
    state: &AppState<S>,
    organization: &OrganizationRow,
    actor: Option<&str>,
) -> ApiResult<Option<Assignee>> {
    let actor = match actor.map(str::trim) {
        None | Some("") => return Ok(None),
        Some(actor) => actor,
    };
    let unknown = || ApiError::BadRequest(format!("assignedTo: unknown actor {actor:?}."));
    if let Some(team) = actor.strip_prefix("team:") {
        let team_id: i64 = team.parse().map_err(|_| unknown())?;
        let teams = state.store.teams(organization.id).await?;
        return match teams.iter().find(|t| t.id == team_id) {
            Some(team) => Ok(Some(Assignee::Team(team.id))),
            None => Err(unknown()),
        };
    }
    let raw = actor.strip_prefix("user:").unwrap_or(actor);
    let (user_id, email) = match raw.parse::<i64>() {
        Ok(id) => (Some(id), None),
        Err(_) if actor.starts_with("user:") => return Err(unknown()),
        // Cairn's usernames are email addresses.
        Err(_) => (None, Some(raw)),
    };
    match state.store.organization_member(organization.id, user_id, email).await {
        Ok(user) => Ok(Some(Assignee::User(user.id))),
        Err(StoreError::NotFound) => Err(ApiError::BadRequest(format!(
            "assignedTo: {actor:?} is not a member of this organization."
        ))),
        Err(err) => Err(err.into()),
    }
}

/// Sentry's status, substatus and details for a requested status. Conditions Cairn does not
/// evaluate yet are refused rather than silently ignored.
fn status_change(
    status: &str,
    request: &UpdateIssueRequest,
    user_id: i64,
    latest_release: Option<String>,
) -> ApiResult<StatusChange> {
    let mut details = request.status_details.clone().unwrap_or_else(|| serde_json::json!({}));
    // Sentry's older spelling of "resolved in the next release".
    let status = match status {
        "resolvedInNextRelease" => {
            if let Some(map) = details.as_object_mut() {
                map.insert("inNextRelease".into(), serde_json::Value::Bool(true));
            }
            "resolved"
        }
        // Sentry's older name of "ignored", which `sentry-cli issues mute` still sends.
        "muted" => "ignored",
        other => other,
    };
    let Some(detail_map) = details.as_object() else {
        return Err(ApiError::BadRequest("statusDetails: must be an object.".into()));
    };
    let (substatus, allowed_details): (Option<&str>, &[&str]) = match status {
        "resolved" => (None, &["inRelease", "inNextRelease"]),
        "unresolved" => (Some("ongoing"), &[]),
        "ignored" => {
            const IGNORE: &[&str] = &[
                "ignoreDuration",
                "ignoreCount",
                "ignoreWindow",
                "ignoreUserCount",
                "ignoreUserWindow",
            ];
            (Some("archived_forever"), IGNORE)
        }
        other => {
            return Err(ApiError::BadRequest(format!("status: \"{other}\" is not a valid choice.")))
        }
    };
    if let Some(key) = detail_map.keys().find(|k| !allowed_details.contains(&k.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "statusDetails: {key} is not supported with status {status} yet."
        )));
    }
    // "Ignore until": minutes from now, more events, more users (Sentry's snooze).
    let positive = |key: &str| -> ApiResult<Option<i64>> {
        match detail_map.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => {
                value.as_i64().filter(|n| (1..=1_000_000_000).contains(n)).map(Some).ok_or_else(
                    || {
                        ApiError::BadRequest(format!(
                            "statusDetails: {key} must be a positive whole number."
                        ))
                    },
                )
            }
        }
    };
    let minutes = positive("ignoreDuration")?;
    // Windows are in minutes too, and only mean something with their count.
    let window = |key: &str, count: &str| -> ApiResult<Option<i64>> {
        let window = positive(key)?;
        if window.is_some() && positive(count)?.is_none() {
            return Err(ApiError::BadRequest(format!("statusDetails: {key} needs {count}.")));
        }
        Ok(window)
    };
    let events_window = window("ignoreWindow", "ignoreCount")?;
    let users_window = window("ignoreUserWindow", "ignoreUserCount")?;
    let mut snooze = Snooze {
        until: minutes.map(|m| crate::util::now_ms() + m * 60_000),
        events: positive("ignoreCount")?,
        users: positive("ignoreUserCount")?,
        events_window_ms: events_window.map(|m| m * 60_000),
        users_window_ms: users_window.map(|m| m * 60_000),
        until_escalating: false,
    };
    let conditional = snooze != Snooze::default();
    // Sentry's "archive until escalating" (its dashboard's default archive): without a
    // condition of its own, the issue comes back when it escalates.
    let escalating = status == "ignored"
        && !conditional
        && request.substatus.as_deref() == Some("archived_until_escalating");
    snooze.until_escalating = escalating;
    let substatus = if conditional {
        Some("archived_until_condition_met")
    } else if escalating {
        Some("archived_until_escalating")
    } else {
        substatus
    };
    let resolution = match (detail_map.get("inRelease"), detail_map.get("inNextRelease")) {
        (Some(serde_json::Value::String(release)), None) if !release.trim().is_empty() => {
            Some(serde_json::json!({ "inRelease": release.trim() }))
        }
        (None, Some(serde_json::Value::Bool(true))) => {
            Some(serde_json::json!({ "inNextRelease": true, "currentRelease": latest_release }))
        }
        (None, None | Some(serde_json::Value::Bool(false))) => None,
        _ => {
            return Err(ApiError::BadRequest(
                "statusDetails: give either inRelease (a release) or inNextRelease (true).".into(),
            ))
        }
    };
    let status_details = if let Some(resolution) = resolution {
        resolution.to_string()
    } else if conditional {
        serde_json::json!({
            "ignoreUntil": snooze.until.map(crate::util::ms_to_datetime),
            "ignoreCount": snooze.events,
            "ignoreWindow": events_window,
            "ignoreUserCount": snooze.users,
            "ignoreUserWindow": users_window,
        })
        .to_string()
    } else {
        "{}".to_owned()
    };
    if let Some(requested) = request.substatus.as_deref() {
        // With a condition, `archived_until_escalating` gives way to it (Sentry's clients
        // send both).
        let fits = match status {
            "unresolved" => requested == "ongoing",
            "ignored" => matches!(
                requested,
                "archived_forever" | "archived_until_escalating" | "archived_until_condition_met"
            ),
            _ => false,
        };
        if !fits {
            return Err(ApiError::BadRequest(format!(
                "substatus: {requested} does not go with status {status}."
            )));
        }
    }
    Ok(StatusChange {
        status: status.to_owned(),
        substatus: substatus.map(str::to_owned),
        status_details,
        user_id,
        snooze,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_has_sentrys_format_and_replaces_the_cursor() {
        let link = link_header(
            "http://cairn.test/api/0/organizations/cairn/issues/",
            Some("query=is%3Aunresolved&cursor=9:9:0&limit=25"),
            ("0:0:1".into(), false),
            ("1700000000000:42:0".into(), true),
        );
        assert_eq!(
            link,
            "<http://cairn.test/api/0/organizations/cairn/issues/?query=is%3Aunresolved&limit=25\
             &cursor=0:0:1>; rel=\"previous\"; results=\"false\"; cursor=\"0:0:1\", \
             <http://cairn.test/api/0/organizations/cairn/issues/?query=is%3Aunresolved&limit=25\
             &cursor=1700000000000:42:0>; rel=\"next\"; results=\"true\"; \
             cursor=\"1700000000000:42:0\""
        );
        let bare =
            link_header("http://c/x/", None, ("0:0:1".into(), false), ("0:0:0".into(), false));
        assert!(bare.starts_with("<http://c/x/?cursor=0:0:1>; rel=\"previous\""), "{bare}");
    }

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let cursor = parse_cursor("1700000000000:42:1").expect("valid");
        assert_eq!(cursor, IssueCursor { value: 1_700_000_000_000, id: 42, is_prev: true });
        assert_eq!(format_cursor(&cursor), "1700000000000:42:1");
        for bad in ["", "1:2", "1:2:3", "a:1:0", "1:-2:0", "1:2:0:4"] {
            assert!(parse_cursor(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stats_periods() {
        assert_eq!(stats_period_ms("24h").ok(), Some(86_400_000));
        assert_eq!(stats_period_ms("14d").ok(), Some(14 * 86_400_000));
        assert_eq!(stats_period_ms("90").ok(), Some(90_000));
        assert!(stats_period_ms("forever").is_err());
        assert!(stats_period_ms("0d").is_err());
    }
}
