//! `/organizations/{org}/stats/?dataCategory=errors&statsPeriod=14d&project={slug}` (Sentry's
//! URL): the usage stats of the organization, or of one project, in one data category (errors,
//! transactions, attachments in bytes, cron check-ins): how much was accepted, filtered, rate
//! limited, invalid or discarded by the SDKs, a chart of what was accepted, and what was
//! dropped by reason. The category, the period and the project are in the URL, so a link
//! reproduces the view.

use std::collections::BTreeMap;

use cairn_types::api::UsageStats;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{
    api,
    components::{
        charts::{bar_svg, colors, Chart, Series},
        ApiError, Loading,
    },
};

/// The periods offered, Sentry's.
const PERIODS: &[(&str, &str)] = &[
    ("24h", "Last 24 hours"),
    ("14d", "Last 14 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
];
/// A data category the page offers: Sentry's `dataCategory` in the URL, the API's `category`,
/// the picker's name and the word for its quantities.
pub struct Category {
    pub id: &'static str,
    pub api: &'static str,
    pub title: &'static str,
    pub noun: &'static str,
}

/// The categories offered, in Sentry's order; the first is the default.
pub const CATEGORIES: &[Category] = &[
    Category { id: "errors", api: "error", title: "Errors", noun: "errors" },
    Category {
        id: "transactions",
        api: "transaction",
        title: "Transactions",
        noun: "transactions",
    },
    Category { id: "attachments", api: "attachment", title: "Attachments", noun: "attachments" },
    Category { id: "monitors", api: "monitor", title: "Cron Check-Ins", noun: "check-ins" },
];

/// The category of a `dataCategory` (the default one for anything else).
pub fn category_of(id: &str) -> &'static Category {
    CATEGORIES.iter().find(|c| c.id == id).unwrap_or(&CATEGORIES[0])
}

/// A quantity as the page shows it: attachments are counted in bytes (as Sentry counts them),
/// shown in B, KB, MB or GB; anything else is a count.
pub fn quantity_text(category: &Category, quantity: i64) -> String {
    if category.api != "attachment" {
        return quantity.to_string();
    }
    let mut value = quantity as f64;
    for unit in ["B", "KB", "MB"] {
        if value.abs() < 1000.0 {
            return if unit == "B" {
                format!("{quantity} B")
            } else {
                format!("{value:.1} {unit}")
            };
        }
        value /= 1000.0;
    }
    format!("{value:.1} GB")
}

/// The outcomes in Sentry's order, with their names on the page.
pub const OUTCOMES: &[(&str, &str)] = &[
    ("accepted", "Accepted"),
    ("filtered", "Filtered"),
    ("rate_limited", "Rate limited"),
    ("invalid", "Invalid"),
    ("client_discard", "Client discard"),
];

/// Dropped errors of one outcome and reason: `(outcome, reason, count)`.
pub type Dropped = (String, String, i64);

/// The totals by outcome, and the dropped ones by outcome and reason (most first), from an
/// answer grouped by outcome and reason.
pub fn summarize(stats: &UsageStats) -> (BTreeMap<String, i64>, Vec<Dropped>) {
    let mut totals = BTreeMap::new();
    let mut reasons = Vec::new();
    for group in &stats.groups {
        let text = |key: &str| group.by.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let total = group.totals.get("sum(quantity)").copied().unwrap_or(0);
        let outcome = text("outcome");
        *totals.entry(outcome.clone()).or_insert(0) += total;
        if outcome != "accepted" {
            reasons.push((outcome, text("reason"), total));
        }
    }
    reasons.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.cmp(&b.1)));
    (totals, reasons)
}

/// The accepted errors per interval, with each interval's start (Unix seconds).
pub fn accepted_series(stats: &UsageStats) -> (Vec<i64>, Vec<f64>) {
    let times: Vec<i64> = stats
        .intervals
        .iter()
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp())
        .collect();
    let mut values = vec![0.0; times.len()];
    for group in &stats.groups {
        if group.by.get("outcome").and_then(|v| v.as_str()) != Some("accepted") {
            continue;
        }
        for (i, n) in group.series.get("sum(quantity)").into_iter().flatten().enumerate() {
            if let Some(value) = values.get_mut(i) {
                *value += *n as f64;
            }
        }
    }
    (times, values)
}

/// The page's URL for `category` (a `dataCategory`; left out for the default), `period` and
/// `project` (every project when empty).
pub fn stats_href(org: &str, category: &str, period: &str, project: &str) -> String {
    let mut href = format!("/organizations/{}/stats/?", api::segment(org));
    if category != CATEGORIES[0].id {
        href.push_str(&format!("dataCategory={}&", api::segment(category)));
    }
    href.push_str(&format!("statsPeriod={}", api::segment(period)));
    if !project.is_empty() {
        href.push_str(&format!("&project={}", api::segment(project)));
    }
    href
}

/// The stats route.
#[component]
pub fn StatsPage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let projects = crate::state::use_projects(org);
    let period = Memo::new(move |_| {
        query
            .read()
            .get("statsPeriod")
            .filter(|p| PERIODS.iter().any(|(id, _)| id == p))
            .unwrap_or_else(|| "14d".to_owned())
    });
    let project = Memo::new(move |_| query.read().get("project").unwrap_or_default());
    let category =
        Memo::new(move |_| category_of(&query.read().get("dataCategory").unwrap_or_default()).id);
    // The answer with its category, so that the page never titles one category's figures
    // with another's name while the next answer is on its way.
    let stats = LocalResource::new(move || {
        let (org, period, project) = (org.get(), period.get(), project.get());
        let category = category_of(category.get());
        async move { (category, api::usage_stats(&org, category.api, &period, &project).await) }
    });
    let navigate = use_navigate();
    let go = move |category: &str, period: &str, project: &str| {
        navigate(&stats_href(&org.get_untracked(), category, period, project), Default::default());
    };
    let on_category = {
        let go = go.clone();
        move |ev| go(&event_target_value(&ev), &period.get_untracked(), &project.get_untracked())
    };
    let on_period = {
        let go = go.clone();
        move |ev| go(category.get_untracked(), &event_target_value(&ev), &project.get_untracked())
    };
    let on_project =
        move |ev| go(category.get_untracked(), &period.get_untracked(), &event_target_value(&ev));
    let category_options = move || {
        CATEGORIES
            .iter()
            .map(|c| {
                view! { <option value=c.id selected=move || category.get() == c.id>{c.title}</option> }
            })
            .collect_view()
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
        super::project_options(projects().unwrap_or_default(), &current)
    };
    let body = move || match stats.get() {
        None => view! { <Loading/> }.into_any(),
        Some((_, Err(error))) => view! { <ApiError error/> }.into_any(),
        Some((category, Ok(stats))) => view! { <StatsBody stats category/> }.into_any(),
    };
    view! {
        <section class="page stats-page">
            <header class="page-header">
                <h1>"Stats"</h1>
                <label class="picker">
                    <span class="picker-label">"Category"</span>
                    <select id="stats-category" on:change=on_category>
                        {category_options}
                    </select>
                </label>
                <label class="picker">
                    <span class="picker-label">"Project"</span>
                    <select id="stats-project" on:change=on_project>
                        {project_options}
                    </select>
                </label>
                <label class="picker">
                    <span class="picker-label">"Period"</span>
                    <select id="stats-period" on:change=on_period>
                        {period_options}
                    </select>
                </label>
            </header>
            <p class="hint">
                "What your projects sent, and what became of it: stored, or dropped by an inbound filter, a rate limit, as invalid, or by the SDK itself."
            </p>
            {body}
        </section>
    }
}

/// The totals, the chart and the reasons of one answer.
#[component]
fn StatsBody(stats: UsageStats, category: &'static Category) -> impl IntoView {
    let (totals, reasons) = summarize(&stats);
    let cards = OUTCOMES
        .iter()
        .map(|(id, label)| {
            let total = totals.get(*id).copied().unwrap_or(0);
            view! {
                <div class="figure" data-outcome=*id>
                    <dt>{*label}</dt>
                    <dd class="stat-value">{quantity_text(category, total)}</dd>
                </div>
            }
        })
        .collect_view();
    let (times, values) = accepted_series(&stats);
    let accepted = totals.get("accepted").copied().unwrap_or(0);
    let title = format!("Accepted {}", category.noun);
    let series = Series::new(&title, colors::PRIMARY, values);
    let svg = bar_svg(&times, &series);
    let description = format!(
        "{} {} accepted over the period.",
        quantity_text(category, accepted),
        category.noun
    );
    let rows = if reasons.is_empty() {
        view! { <p class="hint stats-no-drops">"Nothing was dropped."</p> }.into_any()
    } else {
        let rows = reasons
            .into_iter()
            .map(|(outcome, reason, total)| {
                let outcome = OUTCOMES
                    .iter()
                    .find(|(id, _)| *id == outcome)
                    .map_or(outcome.clone(), |(_, label)| (*label).to_owned());
                view! {
                    <tr class="stats-reason">
                        <td>{outcome}</td>
                        <td><code>{reason}</code></td>
                        <td class="numeric">{quantity_text(category, total)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table id="stats-reasons" class="kv-table">
                <thead>
                    <tr>
                        <th>"Outcome"</th>
                        <th>"Reason"</th>
                        <th>{category.title}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <dl id="stats-totals" class="figures">{cards}</dl>
        <Chart id="chart-accepted" title description svg legend=vec![series]/>
        <h2>"Dropped, by reason"</h2>
        {rows}
    }
}
