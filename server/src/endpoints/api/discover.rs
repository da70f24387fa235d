//! Sentry's Discover endpoint (`GET /api/0/organizations/{org}/events/`) for the transactions
//! dataset: what Sentry's performance pages ask of it. A request names its columns (`field`):
//! plain fields list transactions one per row (`id`, `trace`, `transaction`,
//! `transaction.duration`, `timestamp`, ...); with any function (`count()`, `tpm()`,
//! `p50()`..`p99()`, `avg(transaction.duration)`, `max(transaction.duration)`,
//! `failure_rate()`, `failure_count()`) the rows are the groups of its plain fields
//! (`transaction`, `project`, `transaction.op`). The answer is Sentry's
//! `{"data": [...], "meta": {"fields": ..., "units": ...}}`, a page at a time.
//!
//! The query takes `event.type:transaction` (or `dataset=transactions`, which Cairn requires:
//! its issues and events have their own endpoints), `transaction:`, `transaction.op:`,
//! `transaction.status:` (each with `*` wildcards, lists and `!`), `trace:` and free text in the
//! name. The figures are exact over the newest [`MAX_SCANNED`] transactions of the period.

use std::collections::HashMap;

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::org_access;
use super::paging::PageParams;
use crate::auth::Identity;
use crate::error::{ApiError, ApiResult};
use crate::search::{Filter, Term};
use crate::state::AppState;
use crate::store::{PeriodTransaction, Store};
use crate::util::wildcard_match;

/// The most transactions one request reads (the newest of its period).
pub const MAX_SCANNED: i64 = 20_000;
/// The period when the request names none (Sentry's default).
const DEFAULT_PERIOD_MS: i64 = 14 * 86_400_000;

/// The plain fields, with Sentry's type of each.
const FIELDS: &[(&str, &str)] = &[
    ("id", "string"),
    ("trace", "string"),
    ("transaction", "string"),
    ("project", "string"),
    ("project.id", "integer"),
    ("transaction.op", "string"),
    ("transaction.status", "string"),
    ("transaction.duration", "duration"),
    ("timestamp", "date"),
    ("release", "string"),
    ("environment", "string"),
];
/// The plain fields the rows of an aggregate may be grouped by.
const GROUP_FIELDS: &[&str] =
    &["transaction", "project", "project.id", "transaction.op", "release", "environment"];
/// The functions, with Sentry's type of each.
const FUNCTIONS: &[(&str, &str)] = &[
    ("count()", "integer"),
    ("failure_count()", "integer"),
    ("tpm()", "rate"),
    ("epm()", "rate"),
    ("p50()", "duration"),
    ("p75()", "duration"),
    ("p95()", "duration"),
    ("p99()", "duration"),
    ("avg(transaction.duration)", "duration"),
    ("max(transaction.duration)", "duration"),
    ("failure_rate()", "percentage"),
];

/// What the request asked.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    fields: Vec<String>,
    query: String,
    projects: Vec<i64>,
    environments: Vec<String>,
    period_ms: i64,
    sort: Option<(String, bool)>,
}

impl Request {
    fn parse(raw: Option<&str>) -> ApiResult<Request> {
        let bad = |text: String| ApiError::BadRequest(text);
        let mut request = Request {
            fields: Vec::new(),
            query: String::new(),
            projects: Vec::new(),
            environments: Vec::new(),
            period_ms: DEFAULT_PERIOD_MS,
            sort: None,
        };
        let mut transactions = false;
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "field" => request.fields.push(value),
                "query" => request.query = value,
                "dataset" if value == "transactions" => transactions = true,
                "dataset" => {
                    return Err(bad(format!(
                        "dataset: Cairn answers the transactions dataset here, not {value:?}; \
                         issues and their events have their own endpoints"
                    )))
                }
                "project" => match value.parse::<i64>() {
                    Ok(-1) => {}
                    Ok(id) => request.projects.push(id),
                    Err(_) => return Err(bad(format!("project: invalid project id {value:?}"))),
                },
                "environment" => request.environments.push(value),
                "statsPeriod" if value.is_empty() => {}
                "statsPeriod" => {
                    request.period_ms = super::issues::stats_period_ms(&value)?;
                }
                "sort" | "orderby" => {
                    let (field, descending) = match value.strip_prefix('-') {
                        Some(field) => (field.to_owned(), true),
                        None => (value.clone(), false),
                    };
                    request.sort = Some((field, descending));
                }
                _ => {}
            }
        }
        if request.fields.is_empty() {
            return Err(bad("field: at least one field is required".into()));
        }
        for field in &request.fields {
            if !FIELDS.iter().chain(FUNCTIONS).any(|(known, _)| known == field) {
                return Err(bad(format!("field: {field:?} is not one Cairn answers")));
            }
        }
        let aggregate = request.is_aggregate();
        if aggregate {
            if let Some(field) = request.plain_fields().find(|f| !GROUP_FIELDS.contains(f)) {
                return Err(bad(format!(
                    "field: {field:?} cannot be grouped by; group by {GROUP_FIELDS:?}"
                )));
            }
        }
        if let Some((field, _)) = &request.sort {
            if !request.fields.contains(field) {
                return Err(bad(format!("sort: {field:?} must be one of the fields")));
            }
        }
        transactions |= request.query.split_whitespace().any(|t| t == "event.type:transaction");
        if !transactions {
            return Err(bad("query: Cairn answers transactions here: add event.type:transaction \
                 or dataset=transactions"
                .into()));
        }
        Ok(request)
    }

    fn is_aggregate(&self) -> bool {
        self.fields.iter().any(|f| f.ends_with(')'))
    }

    fn plain_fields(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(String::as_str).filter(|f| !f.ends_with(')'))
    }
}

/// The transactions a query keeps: its terms read as conditions on one transaction.
struct Conditions {
    terms: Vec<Term>,
}

impl Conditions {
    fn parse(query: &str, now_ms: i64) -> ApiResult<Conditions> {
        let terms = crate::search::parse(query, now_ms)
            .map_err(|err| ApiError::BadRequest(format!("query: {err}")))?;
        for term in &terms {
            let known = match &term.filter {
                Filter::Tag { key, .. } => matches!(
                    key.as_str(),
                    "event.type"
                        | "transaction"
                        | "transaction.op"
                        | "transaction.status"
                        | "release"
                        | "environment"
                ),
                Filter::Trace(_) | Filter::Text(_) => true,
                _ => false,
            };
            if !known {
                return Err(ApiError::BadRequest(
                    "query: Cairn's transactions take event.type:, transaction:, \
                     transaction.op:, transaction.status:, release:, environment:, trace: and \
                     free text"
                        .into(),
                ));
            }
        }
        Ok(Conditions { terms })
    }

    /// The one transaction name the query asks for, if it names exactly one without a
    /// wildcard: the store reads only those.
    fn exact_name(&self) -> Option<&str> {
        let mut names = self.terms.iter().filter_map(|term| match &term.filter {
            Filter::Tag { key, values } if key == "transaction" && !term.negated => Some(values),
            _ => None,
        });
        match (names.next(), names.next()) {
            (Some(values), None) if values.len() == 1 && !values[0].contains('*') => {
                Some(values[0].as_str())
            }
            _ => None,
        }
    }

    fn matches(&self, row: &PeriodTransaction) -> bool {
        self.terms.iter().all(|term| {
            let hit = match &term.filter {
                Filter::Tag { key, values } => {
                    let value = match key.as_str() {
                        "event.type" => "transaction",
                        "transaction" => row.name.as_str(),
                        "transaction.op" => row.op.as_str(),
                        "release" => row.release.as_deref().unwrap_or_default(),
                        "environment" => row.environment.as_deref().unwrap_or_default(),
                        _ => row.status.as_str(),
                    };
                    values.iter().any(|pattern| wildcard_match(pattern, value))
                }
                Filter::Trace(ids) => ids.iter().any(|id| hex::encode(id) == row.trace_id),
                Filter::Text(text) => {
                    let pattern = format!("*{}*", text.to_lowercase());
                    wildcard_match(&pattern, &row.name.to_lowercase())
                }
                _ => false,
            };
            hit != term.negated
        })
    }
}

/// Whether a transaction failed, as Sentry's `failure_rate()` counts: any status but `ok`,
/// `cancelled` and `unknown`.
fn failed(status: &str) -> bool {
    !matches!(status, "ok" | "cancelled" | "unknown" | "")
}

/// How long a transaction took, milliseconds, to the microsecond SDKs time them in.
fn duration_ms(row: &PeriodTransaction) -> f64 {
    ((row.timestamp - row.start_timestamp) * 1_000_000.0).round() / 1000.0
}

/// The `q` quantile of sorted `values` (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A plain field's value for one transaction.
fn plain_value(field: &str, row: &PeriodTransaction) -> Value {
    match field {
        "id" => json!(row.event_id),
        "trace" => json!(row.trace_id),
        "transaction" => json!(row.name),
        "project" => json!(row.project_slug),
        "project.id" => json!(row.project_id),
        "transaction.op" => json!(row.op),
        "transaction.status" => json!(row.status),
        "transaction.duration" => json!(duration_ms(row).round() as i64),
        "timestamp" => json!(crate::util::ms_to_datetime((row.timestamp * 1000.0) as i64)),
        "release" => json!(row.release),
        "environment" => json!(row.environment),
        _ => Value::Null,
    }
}

/// A group field's value as the key of its group (no JSON made per transaction).
fn group_value<'a>(field: &str, row: &'a PeriodTransaction) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    match field {
        "transaction" => Cow::Borrowed(&row.name),
        "project" => Cow::Borrowed(&row.project_slug),
        "project.id" => Cow::Owned(row.project_id.to_string()),
        "transaction.op" => Cow::Borrowed(&row.op),
        // `\0` for none: no release or environment is named so.
        "release" => Cow::Borrowed(row.release.as_deref().unwrap_or("\0")),
        _ => Cow::Borrowed(row.environment.as_deref().unwrap_or("\0")),
    }
}

/// The rows of an aggregate: one per group of the plain fields, each function computed.
fn aggregate_rows(request: &Request, rows: &[&PeriodTransaction]) -> Vec<Map<String, Value>> {
    let plain: Vec<&str> = request.plain_fields().collect();
    let mut groups: HashMap<Vec<std::borrow::Cow<'_, str>>, Vec<&PeriodTransaction>> =
        HashMap::new();
    for row in rows {
        let key = plain.iter().map(|field| group_value(field, row)).collect();
        groups.entry(key).or_default().push(row);
    }
    let minutes = request.period_ms as f64 / 60_000.0;
    groups
        .into_values()
        .map(|members| {
            let mut durations: Vec<f64> = members.iter().map(|row| duration_ms(row)).collect();
            durations.sort_by(f64::total_cmp);
            let count = members.len() as f64;
            let failures = members.iter().filter(|row| failed(&row.status)).count() as f64;
            let mut out = Map::new();
            for field in &request.fields {
                let value = match field.as_str() {
                    "count()" => json!(members.len()),
                    "failure_count()" => json!(failures as i64),
                    "tpm()" | "epm()" => json!(count / minutes),
                    "p50()" => json!(quantile(&durations, 0.50)),
                    "p75()" => json!(quantile(&durations, 0.75)),
                    "p95()" => json!(quantile(&durations, 0.95)),
                    "p99()" => json!(quantile(&durations, 0.99)),
                    "avg(transaction.duration)" => json!(durations.iter().sum::<f64>() / count),
                    "max(transaction.duration)" => json!(durations.last().copied().unwrap_or(0.0)),
                    "failure_rate()" => json!(failures / count),
                    plain => plain_value(plain, members[0]),
                };
                out.insert(field.clone(), value);
            }
            out
        })
        .collect()
}

/// The order of two transactions by a plain field.
fn compare_plain(field: &str, a: &PeriodTransaction, b: &PeriodTransaction) -> std::cmp::Ordering {
    match field {
        "id" => a.event_id.cmp(&b.event_id),
        "trace" => a.trace_id.cmp(&b.trace_id),
        "transaction" => a.name.cmp(&b.name),
        "project" => a.project_slug.cmp(&b.project_slug),
        "project.id" => a.project_id.cmp(&b.project_id),
        "transaction.op" => a.op.cmp(&b.op),
        "transaction.status" => a.status.cmp(&b.status),
        "transaction.duration" => duration_ms(a).total_cmp(&duration_ms(b)),
        "release" => a.release.cmp(&b.release),
        "environment" => a.environment.cmp(&b.environment),
        _ => a.timestamp.total_cmp(&b.timestamp),
    }
}

/// Orders rows by `field`: numbers as numbers, the rest as text; ties by the whole row (its
/// JSON, written once per row), so that pages do not shift.
fn sort_rows(rows: &mut Vec<Map<String, Value>>, field: &str, descending: bool) {
    let mut keyed: Vec<(String, Map<String, Value>)> = std::mem::take(rows)
        .into_iter()
        .map(|row| (Value::Object(row.clone()).to_string(), row))
        .collect();
    keyed.sort_by(|(a_text, a), (b_text, b)| {
        let order =
            match (a.get(field).and_then(Value::as_f64), b.get(field).and_then(Value::as_f64)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => match (a.get(field), b.get(field)) {
                    (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
                    (x, y) => x.map(Value::to_string).cmp(&y.map(Value::to_string)),
                },
            };
        let order = if descending { order.reverse() } else { order };
        order.then_with(|| a_text.cmp(b_text))
    });
    rows.extend(keyed.into_iter().map(|(_, row)| row));
}

/// `GET /api/0/organizations/{org}/events/` for transactions (see the module's documentation);
/// `event:read`. `project` (ids, repeatable; every project of the organization by default),
/// `statsPeriod` (default `14d`), `sort` (a field, `-` for descending), `per_page` and
/// `cursor`.
pub async fn list_events<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let request = Request::parse(raw.as_deref())?;
    let page = PageParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let now_ms = crate::util::now_ms();
    let conditions = Conditions::parse(&request.query, now_ms)?;
    let since = (now_ms - request.period_ms) as f64 / 1000.0;
    let rows = state
        .store
        .period_transactions(
            access.organization.id,
            &request.projects,
            since,
            conditions.exact_name(),
            MAX_SCANNED,
        )
        .await?;
    let in_environments = |row: &PeriodTransaction| {
        request.environments.is_empty()
            || row.environment.as_ref().is_some_and(|env| request.environments.contains(env))
    };
    let kept: Vec<&PeriodTransaction> =
        rows.iter().filter(|row| in_environments(row) && conditions.matches(row)).collect();
    let sort = request.sort.clone().or_else(|| {
        if request.fields.iter().any(|f| f == "count()") {
            Some(("count()".into(), true))
        } else {
            request.fields.iter().any(|f| f == "timestamp").then(|| ("timestamp".into(), true))
        }
    });
    let range = |total: usize| {
        let start = usize::try_from(page.offset).unwrap_or(usize::MAX).min(total);
        let end = start.saturating_add(usize::try_from(page.per_page).unwrap_or(0)).min(total);
        (start, end)
    };
    let (page_rows, more): (Vec<Value>, bool) = if request.is_aggregate() {
        // A row per group: few, whatever the number of transactions.
        let mut data = aggregate_rows(&request, &kept);
        if let Some((field, descending)) = &sort {
            sort_rows(&mut data, field, *descending);
        }
        let total = data.len();
        let (start, end) = range(total);
        (data.drain(start..end).map(Value::Object).collect(), end < total)
    } else {
        // Up to [`MAX_SCANNED`] rows: sorted as read, and only the page's turned into JSON.
        let mut kept = kept;
        if let Some((field, descending)) = &sort {
            kept.sort_by(|a, b| {
                let order = compare_plain(field, a, b);
                let order = if *descending { order.reverse() } else { order };
                order
                    .then_with(|| b.timestamp.total_cmp(&a.timestamp))
                    .then_with(|| a.event_id.cmp(&b.event_id))
            });
        }
        let (start, end) = range(kept.len());
        let rows = kept[start..end]
            .iter()
            .map(|row| {
                Value::Object(
                    request.fields.iter().map(|f| (f.clone(), plain_value(f, row))).collect(),
                )
            })
            .collect();
        (rows, end < kept.len())
    };

    let mut fields = Map::new();
    let mut units = Map::new();
    for field in &request.fields {
        let kind =
            FIELDS.iter().chain(FUNCTIONS).find(|(f, _)| f == field).map_or("string", |k| k.1);
        fields.insert(field.clone(), json!(kind));
        units.insert(
            field.clone(),
            match kind {
                "duration" => json!("millisecond"),
                "rate" => json!("1/minute"),
                _ => Value::Null,
            },
        );
    }
    let body = json!({
        "data": page_rows,
        "meta": {"fields": fields, "units": units, "isMetricsData": false,
                 "scanned": rows.len(), "scanLimit": MAX_SCANNED},
    });
    Ok(page.response(&state, body, more, uri.path(), raw.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, op: &str, status: &str, millis: f64) -> PeriodTransaction {
        PeriodTransaction {
            event_id: "a".repeat(32),
            trace_id: "b".repeat(32),
            project_id: 1,
            project_slug: "web".into(),
            name: name.into(),
            op: op.into(),
            status: status.into(),
            start_timestamp: 1_000.0,
            timestamp: 1_000.0 + millis / 1000.0,
            release: None,
            environment: None,
        }
    }

    #[test]
    fn requests_are_checked_as_sentry_would_with_cairns_limits() {
        let ok = Request::parse(Some(
            "field=transaction&field=p95()&query=event.type%3Atransaction&sort=-p95()&statsPeriod=24h",
        ))
        .map_err(|e| e.to_string());
        let ok = ok.expect("a request");
        assert_eq!((ok.period_ms, ok.sort), (86_400_000, Some(("p95()".into(), true))));
        assert!(Request::parse(Some("field=id&dataset=transactions")).is_ok());
        for bad in [
            "query=event.type%3Atransaction",
            "field=id",
            "field=id&dataset=errors",
            "field=message&dataset=transactions",
            "field=id&field=count()&dataset=transactions",
            "field=id&sort=timestamp&dataset=transactions",
            "field=id&statsPeriod=x&dataset=transactions",
        ] {
            assert!(matches!(Request::parse(Some(bad)), Err(ApiError::BadRequest(_))), "{bad}");
        }
    }

    #[test]
    fn groups_have_exact_percentiles_rates_and_failures() {
        let rows: Vec<PeriodTransaction> = (1..=100)
            .map(|n| {
                row(
                    "GET /a",
                    "http.server",
                    if n % 10 == 0 { "internal_error" } else { "ok" },
                    n as f64,
                )
            })
            .chain([row("GET /b", "http.server", "cancelled", 5.0)])
            .collect();
        let refs: Vec<&PeriodTransaction> = rows.iter().collect();
        let request = Request::parse(Some(
            "field=transaction&field=count()&field=p50()&field=p95()&field=failure_rate()\
             &field=tpm()&field=max(transaction.duration)&statsPeriod=1h&dataset=transactions",
        ))
        .map_err(|e| e.to_string())
        .expect("a request");
        let mut data = aggregate_rows(&request, &refs);
        sort_rows(&mut data, "count()", true);
        let a = &data[0];
        assert_eq!(a["transaction"], "GET /a");
        assert_eq!(a["count()"], 100);
        assert_eq!(a["p50()"], 50.0);
        assert_eq!(a["p95()"], 95.0);
        assert_eq!(a["max(transaction.duration)"], 100.0);
        assert_eq!(a["failure_rate()"], 0.1);
        assert_eq!(a["tpm()"], 100.0 / 60.0);
        let b = &data[1];
        assert_eq!((b["count()"].as_i64(), b["failure_rate()"].as_f64()), (Some(1), Some(0.0)));
    }

    #[test]
    fn conditions_read_names_operations_statuses_and_text() {
        let conditions = |query: &str| Conditions::parse(query, 0).map_err(|e| e.to_string());
        let get_a = row("GET /a", "http.server", "ok", 1.0);
        let job = row("nightly export", "queue.task", "internal_error", 1.0);
        let c = conditions("event.type:transaction transaction:\"GET /a\"").expect("parsed");
        assert_eq!(c.exact_name(), Some("GET /a"));
        assert!(c.matches(&get_a) && !c.matches(&job));
        let c = conditions("transaction.op:queue.* !transaction.status:ok").expect("parsed");
        assert_eq!(c.exact_name(), None);
        assert!(!c.matches(&get_a) && c.matches(&job));
        let c = conditions("EXPORT").expect("parsed");
        assert!(c.matches(&job) && !c.matches(&get_a));
        assert!(conditions("is:unresolved").is_err());
        assert!(conditions("assigned:me").is_err());
        let c = conditions("release:web@1.* !environment:staging").expect("parsed");
        let production = PeriodTransaction {
            release: Some("web@1.2".into()),
            environment: Some("production".into()),
            ..row("GET /a", "http.server", "ok", 1.0)
        };
        let staging =
            PeriodTransaction { environment: Some("staging".into()), ..production.clone() };
        assert!(c.matches(&production) && !c.matches(&staging) && !c.matches(&get_a));
    }
}
