//! `GET /api/0/organizations/{org}/events-stats/`: events per interval in the shape of Sentry's
//! endpoint (`{"data": [[time, [{"count": n}]], ...], "start", "end"}`), for what Cairn counts:
//! events of releases (`query=release:X`), from the hourly counts kept per release, so the release
//! page's "events per hour" never scans the events table.

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{EventsCount, EventsStats};

use super::org_access_any;
use super::sessions::{parse_session_query, resolve_projects, TimeRange};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{SessionQuery, Store};

/// Sentry's `OrganizationEventPermission` for reads.
const SCOPES: &[&str] = &["event:read", "event:write", "event:admin"];

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// Query parameters Cairn reads.
#[derive(Debug, Default)]
struct Params {
    interval: Option<String>,
    stats_period: Option<String>,
    start: Option<String>,
    end: Option<String>,
    projects: Vec<String>,
    environments: Vec<String>,
    query: String,
}

impl Params {
    fn parse(raw: Option<&str>) -> ApiResult<Params> {
        let mut p = Params::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "yAxis" if value == "count()" => {}
                "yAxis" => {
                    return Err(bad(format!("yAxis: only count() is supported, not {value:?}")))
                }
                "interval" => p.interval = Some(value),
                "statsPeriod" => p.stats_period = Some(value),
                "start" => p.start = Some(value),
                "end" => p.end = Some(value),
                "project" => p.projects.push(value),
                "environment" => p.environments.push(value),
                "query" => p.query = value,
                // Sentry's dashboard sends these; they change nothing here.
                "partial" | "referrer" | "utc" | "dataset" | "excludeOther" => {}
                other => return Err(bad(format!("Unknown query parameter: {other:?}"))),
            }
        }
        Ok(p)
    }
}

/// `GET /api/0/organizations/{org}/events-stats/?yAxis=count()&query=release:X&interval=1h`.
/// The query must name at least one release: Cairn counts events per release, not all events.
pub async fn get_events_stats<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<EventsStats>> {
    let access = org_access_any(&state, &identity, &org, SCOPES).await?;
    let params = Params::parse(raw.as_deref())?;
    let TimeRange { start, end, interval, count } = TimeRange::parse(
        params.interval.as_deref(),
        params.start.as_deref(),
        params.end.as_deref(),
        params.stats_period.as_deref(),
    )?;
    let (releases, mut environments) = parse_session_query(&params.query)?;
    if releases.is_empty() {
        return Err(bad("query: Cairn counts events per release; name one with release:"));
    }
    environments.extend(params.environments);
    let project_ids = resolve_projects(&state, &access.organization, &params.projects).await?;
    let hours = if project_ids.is_empty() {
        Vec::new()
    } else {
        let query = SessionQuery {
            project_ids,
            releases,
            environments,
            start_hour: start,
            end_hour: end,
            ..SessionQuery::default()
        };
        state.store.release_event_hours(&query).await?
    };
    let mut counts = vec![0i64; count as usize];
    for (hour, events) in hours {
        if let Some(slot) = counts.get_mut(((hour - start) / interval) as usize) {
            *slot += events;
        }
    }
    let data = counts
        .iter()
        .enumerate()
        .map(|(i, &count)| (start + i as i64 * interval, vec![EventsCount { count }]))
        .collect();
    Ok(AppJson(EventsStats { data, start, end, is_metrics_data: false }))
}
