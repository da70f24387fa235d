//! `/organizations/{org}/performance/?project={id}&environment=production&statsPeriod=24h`
//! (Sentry's URL): the
//! transactions SDKs sent with tracing on, by name, over a period: how often (per minute), how
//! long (p50, p95), how often they failed. A name opens to its slowest transactions of the
//! period, each linked to its trace's page, which is how a slow request is found without an
//! error to start from. Read from Sentry's Discover endpoint; names are event data, shown as
//! text. The project, environment and period are in the URL, so a link reproduces the view.

use cairn_types::api::DiscoverTable;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::{Map, Value};

use super::trace::duration_text;
use crate::{
    api,
    components::{ApiError, Loading, TimeAgo},
    routes::Page,
};

/// The periods offered.
const PERIODS: &[(&str, &str)] = &[
    ("1h", "Last hour"),
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("14d", "Last 14 days"),
];
/// The period when the URL names none.
const DEFAULT_PERIOD: &str = "24h";
/// The columns of the summary, in the API's names.
const SUMMARY_FIELDS: &[&str] = &[
    "transaction",
    "project",
    "transaction.op",
    "count()",
    "tpm()",
    "p50()",
    "p95()",
    "failure_rate()",
];
/// The columns of a name's slowest transactions.
const SAMPLE_FIELDS: &[&str] =
    &["id", "trace", "project", "transaction.duration", "transaction.status", "timestamp"];
/// How many of a name's slowest transactions are listed.
const SAMPLES: u32 = 10;

/// One name of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionSummary {
    /// The transaction's name.
    pub name: String,
    /// Its project's slug.
    pub project: String,
    /// Its operation.
    pub op: String,
    /// How many in the period.
    pub count: i64,
    /// How many per minute.
    pub tpm: f64,
    /// Median duration, ms.
    pub p50: f64,
    /// 95th percentile duration, ms.
    pub p95: f64,
    /// The share that failed, 0 to 1.
    pub failure_rate: f64,
}

impl TransactionSummary {
    /// A row of the summary's answer; `None` when it lacks a column.
    pub fn from_row(row: &Map<String, Value>) -> Option<TransactionSummary> {
        let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_owned);
        let number = |key: &str| row.get(key).and_then(Value::as_f64);
        Some(TransactionSummary {
            name: text("transaction")?,
            project: text("project")?,
            op: text("transaction.op").unwrap_or_default(),
            count: row.get("count()").and_then(Value::as_i64)?,
            tpm: number("tpm()")?,
            p50: number("p50()")?,
            p95: number("p95()")?,
            failure_rate: number("failure_rate()")?,
        })
    }
}

/// A rate per minute: `12/min`, `0.25/min`, `<0.01/min`.
pub fn rate_text(per_minute: f64) -> String {
    if per_minute >= 10.0 {
        format!("{}/min", per_minute.round())
    } else if per_minute >= 0.01 {
        format!("{:.2}/min", per_minute)
    } else {
        "<0.01/min".to_owned()
    }
}

/// A share as a percentage: `0%`, `12.5%`, `100%`.
pub fn percent_text(share: f64) -> String {
    let percent = (share * 1000.0).round() / 10.0;
    if percent.fract() == 0.0 {
        format!("{percent:.0}%")
    } else {
        format!("{percent:.1}%")
    }
}

/// The page's link for a project id and an environment (empty: all) and a period.
pub fn performance_href(org: &str, project: &str, environment: &str, period: &str) -> String {
    let mut href = Page::Performance { org: org.to_owned() }.path();
    let mut sep = '?';
    for (key, value) in [("project", project), ("environment", environment)] {
        if !value.is_empty() {
            href.push_str(&format!("{sep}{key}={}", crate::stream_query::encode(value)));
            sep = '&';
        }
    }
    href.push_str(&format!("{sep}statsPeriod={}", crate::stream_query::encode(period)));
    href
}

/// The page.
#[component]
pub fn PerformancePage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let projects = crate::state::use_projects(org);
    let period = Memo::new(move |_| {
        query
            .read()
            .get("statsPeriod")
            .filter(|p| PERIODS.iter().any(|(id, _)| id == p))
            .unwrap_or_else(|| DEFAULT_PERIOD.to_owned())
    });
    let project = Memo::new(move |_| {
        query.read().get("project").filter(|p| p.parse::<i64>().is_ok()).unwrap_or_default()
    });
    let environment = Memo::new(move |_| query.read().get("environment").unwrap_or_default());
    let environments = LocalResource::new(move || {
        let org = org.get();
        async move { api::environments(&org).await.unwrap_or_default() }
    });
    let table = LocalResource::new(move || {
        let (org, period, project, environment) =
            (org.get(), period.get(), project.get(), environment.get());
        async move {
            let project = project.parse().ok();
            let asked = api::TransactionQuery {
                fields: SUMMARY_FIELDS,
                query: "",
                period: &period,
                project,
                environment: &environment,
                sort: "-count()",
                per_page: 100,
            };
            api::discover_transactions(&org, asked).await
        }
    });
    let navigate = use_navigate();
    let go = move |project: &str, environment: &str, period: &str| {
        let href = performance_href(&org.get_untracked(), project, environment, period);
        navigate(&href, Default::default());
    };
    let on_period = {
        let go = go.clone();
        move |ev| {
            go(&project.get_untracked(), &environment.get_untracked(), &event_target_value(&ev))
        }
    };
    let on_environment = {
        let go = go.clone();
        move |ev| go(&project.get_untracked(), &event_target_value(&ev), &period.get_untracked())
    };
    let on_project = move |ev| {
        go(&event_target_value(&ev), &environment.get_untracked(), &period.get_untracked())
    };
    let environment_options = move || {
        let current = environment.get();
        let options = environments
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter(|env| !env.is_hidden)
            .map(|env| {
                let selected = env.name == current;
                let value = env.name.clone();
                view! { <option value=value selected=selected>{env.name}</option> }
            })
            .collect_view();
        view! {
            <option value="" selected=current.is_empty()>
                "All environments"
            </option>
            {options}
        }
    };
    let period_options = move || {
        PERIODS
            .iter()
            .map(|(id, label)| {
                view! { <option value=*id selected=move || period.get() == *id>{*label}</option> }
            })
            .collect_view()
    };
    let project_options = move || {
        let current = project.get();
        let options = projects()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let selected = p.id == current;
                view! { <option value=p.id selected=selected>{p.name}</option> }
            })
            .collect_view();
        view! {
            <option value="" selected=current.is_empty()>
                "All projects"
            </option>
            {options}
        }
    };
    let body = move || match table.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(table)) => {
            let rows = summaries(&table);
            if rows.is_empty() {
                return view! {
                    <p class="empty-state" id="performance-empty">
                        "No transactions in this period. They come from SDKs with tracing on \
                         (traces_sample_rate above 0); each then shows here by name, and its \
                         traces on their own pages."
                    </p>
                }
                .into_any();
            }
            let project = project.get_untracked().parse().ok();
            view! {
                <TransactionsTable
                    org=org.get_untracked()
                    rows
                    period=period.get_untracked()
                    project
                    environment=environment.get_untracked()
                />
            }
            .into_any()
        }
    };
    view! {
        <section class="page performance-page">
            <header class="page-header">
                <h1>"Performance"</h1>
                <label class="picker">
                    <span class="picker-label">"Project"</span>
                    <select id="performance-project" on:change=on_project>
                        {project_options}
                    </select>
                </label>
                <label class="picker">
                    <span class="picker-label">"Environment"</span>
                    <select id="performance-environment" on:change=on_environment>
                        {environment_options}
                    </select>
                </label>
                <label class="picker">
                    <span class="picker-label">"Period"</span>
                    <select id="performance-period" on:change=on_period>
                        {period_options}
                    </select>
                </label>
            </header>
            <p class="hint">
                "Your transactions by name: how often they ran, how long they took and how often they failed. Open one for its slowest runs and their traces."
            </p>
            {body}
        </section>
    }
}

/// The summary's rows that read.
pub fn summaries(table: &DiscoverTable) -> Vec<TransactionSummary> {
    table.data.iter().filter_map(TransactionSummary::from_row).collect()
}

/// The summary table (`table#transactions`): a row per name, which opens to its slowest runs.
#[component]
pub fn TransactionsTable(
    /// Organization slug.
    #[prop(into)]
    org: String,
    /// The names, most frequent first.
    rows: Vec<TransactionSummary>,
    /// The period (`24h`).
    #[prop(into)]
    period: String,
    /// The project asked for, if one.
    project: Option<i64>,
    /// The environment asked for; all when empty.
    #[prop(into, optional)]
    environment: String,
) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            let open = RwSignal::new(false);
            let (org, period, name) = (org.clone(), period.clone(), row.name.clone());
            let environment = environment.clone();
            let label = format!("Slowest runs of {}", row.name);
            let key = row.name.clone();
            let samples = move || {
                open.get().then(|| {
                    view! {
                        <tr class="transaction-samples">
                            <td colspan="8">
                                <SlowestTransactions
                                    org=org.clone()
                                    name=name.clone()
                                    period=period.clone()
                                    project
                                    environment=environment.clone()
                                />
                            </td>
                        </tr>
                    }
                })
            };
            view! {
                <tr class="transaction-row" data-transaction=key>
                    <td>
                        <button
                            type="button"
                            class="link-button transaction-name"
                            aria-label=label
                            aria-expanded=move || open.get().to_string()
                            on:click=move |_| open.update(|o| *o = !*o)
                        >
                            {row.name}
                        </button>
                    </td>
                    <td class="transaction-project">{row.project}</td>
                    <td class="transaction-op">{row.op}</td>
                    <td class="number transaction-tpm">{rate_text(row.tpm)}</td>
                    <td class="number transaction-p50">{duration_text(row.p50 / 1000.0)}</td>
                    <td class="number transaction-p95">{duration_text(row.p95 / 1000.0)}</td>
                    <td class="number transaction-failure-rate">{percent_text(row.failure_rate)}</td>
                    <td class="number transaction-count">{row.count}</td>
                </tr>
                {samples}
            }
        })
        .collect_view();
    view! {
        <table id="transactions" class="release-table transactions-table">
            <thead>
                <tr>
                    <th scope="col">"Transaction"</th>
                    <th scope="col">"Project"</th>
                    <th scope="col">"Operation"</th>
                    <th scope="col" class="number">"TPM"</th>
                    <th scope="col" class="number">"p50"</th>
                    <th scope="col" class="number">"p95"</th>
                    <th scope="col" class="number">"Failure rate"</th>
                    <th scope="col" class="number">"Count"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The slowest runs of one name in the period, each with its trace's link.
#[component]
fn SlowestTransactions(
    org: String,
    name: String,
    period: String,
    project: Option<i64>,
    environment: String,
) -> impl IntoView {
    let samples = LocalResource::new({
        let org = org.clone();
        move || {
            let (org, name, period) = (org.clone(), name.clone(), period.clone());
            let environment = environment.clone();
            async move {
                let query = format!("transaction:\"{}\"", name.replace('"', "\\\""));
                let asked = api::TransactionQuery {
                    fields: SAMPLE_FIELDS,
                    query: &query,
                    period: &period,
                    project,
                    environment: &environment,
                    sort: "-transaction.duration",
                    per_page: SAMPLES,
                };
                api::discover_transactions(&org, asked).await
            }
        }
    });
    move || match samples.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(table)) => view! { <TransactionSamples org=org.clone() table/> }.into_any(),
    }
}

/// A list of runs (`ol.transaction-sample-list`): duration, status, when, the trace's link.
#[component]
pub fn TransactionSamples(
    /// Organization slug.
    #[prop(into)]
    org: String,
    /// The Discover answer with [`SAMPLE_FIELDS`].
    table: DiscoverTable,
) -> impl IntoView {
    let items = table
        .data
        .iter()
        .filter_map(|row| {
            let text = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_owned);
            let trace = text("trace")?;
            let millis = row.get("transaction.duration").and_then(Value::as_f64)?;
            let status = text("transaction.status").unwrap_or_default();
            let failed = !matches!(status.as_str(), "ok" | "cancelled" | "unknown" | "");
            let when = text("timestamp").and_then(|t| t.parse::<DateTime<Utc>>().ok());
            let href = Page::Trace { org: org.clone(), trace_id: trace }.path();
            Some(view! {
                <li class="transaction-sample">
                    <span class="transaction-sample-duration">{duration_text(millis / 1000.0)}</span>
                    <span class=if failed { "transaction-sample-status failed" } else { "transaction-sample-status" }>
                        {status}
                    </span>
                    <span class="transaction-sample-time">
                        {when.map(|time| view! { <TimeAgo time/> })}
                    </span>
                    <a class="transaction-sample-trace" href=href>
                        "View trace"
                    </a>
                </li>
            })
        })
        .collect_view();
    view! { <ol class="transaction-sample-list">{items}</ol> }
}
