//! `GET /api/0/organizations/{org}/stats_v2/`: Sentry's usage stats, what each project sent by
//! outcome, reason and category, from the stored errors (`accepted`) and the outcomes Cairn and
//! the SDKs' client reports recorded (`filtered`, `rate_limited`, `invalid`,
//! `client_discard`).
//!
//! Parameters as Sentry's: `field=sum(quantity)` (the only field), `groupBy` (repeatable:
//! `outcome`, `reason`, `category`, `project`), `category` (repeatable; `error` by default),
//! `outcome` (repeatable), `project` (repeatable, `-1` for all), `statsPeriod` (`24h`, `14d`,
//! ...; at most 90 days) and `interval` (`1h` or `1d`). Accepted data is what Cairn stored:
//! error events, transactions, attachments (in bytes, as Sentry counts them) and cron
//! check-ins (Sentry's `monitor` category).

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{UsageGroup, UsageStats};
use serde_json::Value;

use super::org_access;
use super::sessions::{parse_period, resolve_projects};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Store;
use crate::util::{ms_to_datetime, now_ms};

const FIELD: &str = "sum(quantity)";
const GROUP_BY: &[&str] = &["outcome", "reason", "category", "project"];
const OUTCOMES: &[&str] = &["accepted", "filtered", "rate_limited", "invalid", "client_discard"];
/// The categories whose accepted quantity is a count of stored envelope items: (category,
/// item type, whether the quantity is the payloads' bytes). Errors are counted from the issues'
/// hourly counts instead.
const STORED_ITEMS: &[(&str, &str, bool)] = &[
    ("transaction", "transaction", false),
    ("attachment", "attachment", true),
    ("monitor", "check_in", false),
];
/// Ninety days, Sentry's longest period.
const MAX_PERIOD: i64 = 90 * 86_400;

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// Sentry's outcome of a recorded drop.
pub fn outcome_of(source: &str, reason: &str) -> &'static str {
    match (source, reason) {
        ("client", _) => "client_discard",
        (_, "ratelimited") => "rate_limited",
        (_, reason) if crate::ingest::filters::is_filter_reason(reason) => "filtered",
        _ => "invalid",
    }
}

#[derive(Debug, Default)]
struct Params {
    fields: Vec<String>,
    group_by: Vec<String>,
    categories: Vec<String>,
    outcomes: Vec<String>,
    projects: Vec<String>,
    period: Option<String>,
    interval: Option<String>,
}

impl Params {
    fn parse(raw: Option<&str>) -> ApiResult<Params> {
        let mut p = Params::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "field" => p.fields.push(value),
                "groupBy" => p.group_by.push(value),
                "category" => p.categories.push(value),
                "outcome" => p.outcomes.push(value),
                "project" => p.projects.push(value),
                "statsPeriod" => p.period = Some(value),
                "interval" => p.interval = Some(value),
                _ => {}
            }
        }
        if p.fields.is_empty() {
            return Err(bad("field: sum(quantity) is required"));
        }
        if let Some(field) = p.fields.iter().find(|f| *f != FIELD) {
            return Err(bad(format!("field: {field:?} is not one; use sum(quantity)")));
        }
        if let Some(group) = p.group_by.iter().find(|g| !GROUP_BY.contains(&g.as_str())) {
            return Err(bad(format!("groupBy: {group:?} is not one of {GROUP_BY:?}")));
        }
        if let Some(outcome) = p.outcomes.iter().find(|o| !OUTCOMES.contains(&o.as_str())) {
            return Err(bad(format!("outcome: {outcome:?} is not one of {OUTCOMES:?}")));
        }
        if p.categories.is_empty() {
            p.categories.push("error".to_owned());
        }
        Ok(p)
    }
}

/// A group's value of one field: a project's id is a number, as in Sentry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum GroupValue {
    Number(i64),
    Text(String),
}

impl From<GroupValue> for Value {
    fn from(value: GroupValue) -> Value {
        match value {
            GroupValue::Number(n) => Value::from(n),
            GroupValue::Text(text) => Value::from(text),
        }
    }
}

/// One counted row: when, and its group's values.
struct Count {
    hour: i64,
    project: i64,
    outcome: &'static str,
    reason: String,
    category: String,
    quantity: i64,
}

/// `GET /api/0/organizations/{org}/stats_v2/`.
pub async fn usage_stats<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<UsageStats>> {
    let access = org_access(&state, &identity, &org, "org:read").await?;
    let params = Params::parse(raw.as_deref())?;
    let period = match params.period.as_deref() {
        Some(text) => parse_period(text)
            .filter(|p| (3_600..=MAX_PERIOD).contains(p))
            .ok_or_else(|| bad(format!("statsPeriod: {text:?} is not 1h to 90d")))?,
        None => 14 * 86_400,
    };
    let interval = match params.interval.as_deref() {
        Some("1h") => 3_600,
        Some("1d") => 86_400,
        Some(other) => return Err(bad(format!("interval: {other:?} is not 1h or 1d"))),
        None if period <= 86_400 => 3_600,
        None => 86_400,
    };
    let project_ids = resolve_projects(&state, &access.organization, &params.projects).await?;
    // Whole intervals, the last one holding now.
    let now = now_ms().div_euclid(1000);
    let end = (now.div_euclid(interval) + 1) * interval;
    let buckets = (period + interval - 1) / interval;
    let start = end - buckets * interval;

    let mut counts: Vec<Count> = Vec::new();
    if params.categories.iter().any(|c| c == "error") {
        let accepted = state.store.accepted_error_hours(&project_ids, start).await?;
        counts.extend(accepted.into_iter().map(|(project, hour, quantity)| Count {
            hour,
            project,
            outcome: "accepted",
            reason: String::new(),
            category: "error".to_owned(),
            quantity,
        }));
    }
    for (category, item_type, bytes) in STORED_ITEMS {
        if !params.categories.iter().any(|c| c == category) {
            continue;
        }
        let accepted =
            state.store.accepted_item_hours(&project_ids, item_type, *bytes, start).await?;
        counts.extend(accepted.into_iter().map(|(project, hour, quantity)| Count {
            hour,
            project,
            outcome: "accepted",
            reason: String::new(),
            category: (*category).to_owned(),
            quantity,
        }));
    }
    let dropped = state.store.outcome_hours(&project_ids, start).await?;
    counts.extend(dropped.into_iter().filter(|row| params.categories.contains(&row.category)).map(
        |row| Count {
            hour: row.hour,
            project: row.project_id,
            outcome: outcome_of(&row.source, &row.reason),
            reason: row.reason,
            category: row.category,
            quantity: row.quantity,
        },
    ));

    let mut groups: BTreeMap<Vec<(String, GroupValue)>, Vec<i64>> = BTreeMap::new();
    for count in counts {
        if !params.outcomes.is_empty() && !params.outcomes.iter().any(|o| o == count.outcome) {
            continue;
        }
        let Ok(bucket) = usize::try_from((count.hour - start).div_euclid(interval)) else {
            continue;
        };
        if bucket >= buckets as usize {
            continue;
        }
        let key: Vec<(String, GroupValue)> = params
            .group_by
            .iter()
            .map(|field| {
                let value = match field.as_str() {
                    "outcome" => GroupValue::Text(count.outcome.to_owned()),
                    "reason" => GroupValue::Text(count.reason.clone()),
                    "category" => GroupValue::Text(count.category.clone()),
                    _ => GroupValue::Number(count.project),
                };
                (field.clone(), value)
            })
            .collect();
        groups.entry(key).or_insert_with(|| vec![0; buckets as usize])[bucket] += count.quantity;
    }
    let groups = groups
        .into_iter()
        .map(|(by, series)| UsageGroup {
            by: by.into_iter().map(|(field, value)| (field, value.into())).collect(),
            totals: BTreeMap::from([(FIELD.to_owned(), series.iter().sum())]),
            series: BTreeMap::from([(FIELD.to_owned(), series)]),
        })
        .collect();
    let time = |seconds: i64| {
        ms_to_datetime(seconds * 1000).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    Ok(AppJson(UsageStats {
        start: ms_to_datetime(start * 1000),
        end: ms_to_datetime(end * 1000),
        intervals: (0..buckets).map(|b| time(start + b * interval)).collect(),
        groups,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_are_sentrys_outcomes() {
        assert_eq!(outcome_of("client", "queue_overflow"), "client_discard");
        assert_eq!(outcome_of("server", "ratelimited"), "rate_limited");
        assert_eq!(outcome_of("server", "web-crawlers"), "filtered");
        assert_eq!(outcome_of("server", "legacy-browsers"), "filtered");
        assert_eq!(outcome_of("server", "release-version"), "filtered");
        assert_eq!(outcome_of("server", "invalid"), "invalid");
        assert_eq!(outcome_of("server", "unknown_item_type"), "invalid");
    }

    #[test]
    fn parameters_are_checked() {
        assert!(Params::parse(None).is_err(), "field is required");
        assert!(Params::parse(Some("field=count()")).is_err());
        assert!(Params::parse(Some("field=sum(quantity)&groupBy=nope")).is_err());
        assert!(Params::parse(Some("field=sum(quantity)&outcome=lost")).is_err());
        let p = Params::parse(Some("field=sum(quantity)&groupBy=outcome&groupBy=reason")).unwrap();
        assert_eq!(p.group_by, ["outcome", "reason"]);
        assert_eq!(p.categories, ["error"], "errors by default");
    }
}
