//! `/organizations/{org}/releases/{version}/` (Sentry's URL, the version percent-encoded as one
//! segment): one release. Its health figures per project, charts over the period
//! (`?statsPeriod=`): sessions by status (stacked), crash-free sessions and users, adoption,
//! median session duration, events per hour; its new issues (`firstRelease:`) and deploys. `?compare=OTHER` puts another
//! release's figures and crash-free rates next to it.

use cairn_types::api::{Deploy, EventsStats, Issue, Release, SessionsResponse};
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_params_map, use_query_map},
    NavigateOptions,
};

use super::releases::{period_seconds, DEFAULT_PERIOD, PERIODS};
use crate::{
    api,
    components::{
        charts::{bar_svg, colors, line_svg, stacked_area_svg, Chart, Series},
        issue_list::IssueRow,
        release_health::{
            format_crash_free, format_duration, format_share, short_version, AdoptionStageBadge,
        },
        status::{failure, FormError},
        ApiError, Loading, TimeAgo,
    },
    routes::{Page, VERSION_PARAM},
};

/// Sentry's session statuses, in stacking order (bottom first), with their colours.
pub const STATUSES: &[(&str, &str, (u8, u8, u8))] = &[
    ("healthy", "Healthy", colors::HEALTHY),
    ("errored", "Errored", colors::ERRORED),
    ("crashed", "Crashed", colors::CRASHED),
    ("abnormal", "Abnormal", colors::ABNORMAL),
];

/// The release's health over time, one value per interval.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthSeries {
    /// Start of each interval (Unix seconds).
    pub times: Vec<i64>,
    /// Sessions per status, in [`STATUSES`] order.
    pub by_status: Vec<Vec<f64>>,
    /// Crash-free sessions (percent), `None` in intervals without sessions.
    pub crash_free_sessions: Vec<Option<f64>>,
    /// Crash-free users (percent).
    pub crash_free_users: Vec<Option<f64>>,
    /// The release's share of its projects' sessions (percent).
    pub adoption: Vec<Option<f64>>,
    /// Median duration (seconds) of the sessions that exited cleanly, `None` in intervals
    /// without any.
    pub duration_p50: Vec<Option<f64>>,
}

/// Everything the release page shows of one release.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseData {
    /// The release with `healthData` per project.
    pub release: Release,
    /// Its deploys, newest first.
    pub deploys: Vec<Deploy>,
    /// Its health over time.
    pub series: HealthSeries,
    /// Its events per hour.
    pub events: EventsStats,
    /// Issues first seen in it.
    pub new_issues: Vec<Issue>,
}

/// The sessions API's interval for a period: about 24 to 60 points per chart.
pub fn interval_for(period: &str) -> &'static str {
    match period {
        "24h" => "1h",
        "7d" => "6h",
        "14d" => "12h",
        _ => "1d",
    }
}

/// Events are counted per hour up to 14 days (336 bars), per day beyond (a bar per hour of 90
/// days would be 2,160).
fn events_interval(period: &str) -> (&'static str, &'static str) {
    if period_seconds(period) <= 14 * 86_400 {
        ("1h", "hour")
    } else {
        ("1d", "day")
    }
}

fn series_of(
    answer: &SessionsResponse,
    field: &str,
    pick: impl Fn(&cairn_types::api::SessionsGroup) -> bool,
) -> Vec<Option<f64>> {
    answer
        .groups
        .iter()
        .find(|g| pick(g))
        .and_then(|g| g.series.get(field))
        .map(|values| values.iter().map(serde_json::Value::as_f64).collect())
        .unwrap_or_else(|| vec![None; answer.intervals.len()])
}

/// Builds the release's series from three sessions answers over the same intervals: sessions
/// grouped by status, the crash-free rates, and every release's sessions in its projects (for
/// adoption).
pub fn health_series(
    version: &str,
    by_status: &SessionsResponse,
    rates: &SessionsResponse,
    by_release: &SessionsResponse,
) -> HealthSeries {
    let times: Vec<i64> = by_status.intervals.iter().map(|t| t.timestamp()).collect();
    let len = times.len();
    let fit = |mut values: Vec<Option<f64>>| {
        values.resize(len, None);
        values
    };
    let statuses = STATUSES
        .iter()
        .map(|(status, _, _)| {
            let values = series_of(by_status, "sum(session)", |g| {
                g.by.get("session.status").and_then(|s| s.as_str()) == Some(status)
            });
            fit(values).into_iter().map(|v| v.unwrap_or(0.0)).collect()
        })
        .collect();
    let percent = |values: Vec<Option<f64>>| -> Vec<Option<f64>> {
        fit(values).into_iter().map(|v| v.map(|r| r * 100.0)).collect()
    };
    let crash_free_sessions = percent(series_of(rates, "crash_free_rate(session)", |_| true));
    let crash_free_users = percent(series_of(rates, "crash_free_rate(user)", |_| true));
    // The sessions API answers milliseconds.
    let duration_p50 = fit(series_of(rates, "p50(session.duration)", |_| true))
        .into_iter()
        .map(|ms| ms.map(|ms| ms / 1000.0))
        .collect();
    let mine = fit(series_of(by_release, "sum(session)", |g| {
        g.by.get("release").and_then(|r| r.as_str()) == Some(version)
    }));
    let mut totals = vec![0.0; len];
    for group in &by_release.groups {
        if let Some(values) = group.series.get("sum(session)") {
            for (total, value) in totals.iter_mut().zip(values) {
                *total += value.as_f64().unwrap_or(0.0);
            }
        }
    }
    let adoption = mine
        .iter()
        .zip(&totals)
        .map(|(mine, total)| (*total > 0.0).then(|| mine.unwrap_or(0.0) / total * 100.0))
        .collect();
    HealthSeries {
        times,
        by_status: statuses,
        crash_free_sessions,
        crash_free_users,
        adoption,
        duration_p50,
    }
}

/// Loads one release and everything its page shows.
async fn load(org: String, version: String, period: String) -> api::Result<ReleaseData> {
    let release = api::release(&org, &version, &period).await?;
    let deploys = api::deploys(&org, &version).await?;
    let interval = interval_for(&period).to_owned();
    let query = api::release_query("release", &version);
    let common = |fields: &[&str]| {
        let mut params: Vec<(&str, String)> =
            fields.iter().map(|f| ("field", (*f).to_owned())).collect();
        params.push(("interval", interval.clone()));
        params.push(("statsPeriod", period.clone()));
        params
    };
    let mut status_params = common(&["sum(session)"]);
    status_params.push(("groupBy", "session.status".to_owned()));
    status_params.push(("query", query.clone()));
    let by_status = api::sessions(&org, &status_params).await?;
    let mut rate_params =
        common(&["crash_free_rate(session)", "crash_free_rate(user)", "p50(session.duration)"]);
    rate_params.push(("query", query));
    let rates = api::sessions(&org, &rate_params).await?;
    let mut release_params = common(&["sum(session)"]);
    release_params.push(("groupBy", "release".to_owned()));
    release_params.extend(release.projects.iter().map(|p| ("project", p.id.to_string())));
    let by_release = api::sessions(&org, &release_params).await?;
    let series = health_series(&version, &by_status, &rates, &by_release);
    let (events_interval, _) = events_interval(&period);
    let events = api::release_events(&org, &version, &period, events_interval).await?;
    let new_issues =
        api::issues(&org, &api::release_query("firstRelease", &version), "90d").await?;
    Ok(ReleaseData { release, deploys, series, events, new_issues })
}

/// The release route.
#[component]
pub fn ReleasePage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let query = use_query_map();
    let version = Memo::new(move |_| params.read().get(VERSION_PARAM).unwrap_or_default());
    let period = Memo::new(move |_| {
        query
            .read()
            .get("statsPeriod")
            .filter(|p| PERIODS.iter().any(|(known, _)| known == p))
            .unwrap_or_else(|| DEFAULT_PERIOD.to_owned())
    });
    let compare = Memo::new(move |_| query.read().get("compare").filter(|c| !c.is_empty()));
    let data = LocalResource::new(move || load(org.get(), version.get(), period.get()));
    // Archive or restore (Sentry's release status); the page shows the release again after.
    let archive = Action::new_local(move |status: &&'static str| {
        let (org, version, status) = (org.get_untracked(), version.get_untracked(), *status);
        async move { api::set_release_status(&org, &version, status).await }
    });
    Effect::new(move |_| {
        if archive.value().with(|v| matches!(v, Some(Ok(_)))) {
            data.refetch();
        }
    });
    let archived =
        move || data.get().and_then(Result::ok).is_some_and(|d| d.release.status == "archived");
    let archive_button = move || {
        let (label, status) =
            if archived() { ("Restore", "open") } else { ("Archive", "archived") };
        view! {
            <button
                type="button"
                id="release-archive"
                class="button button-secondary"
                disabled=move || archive.pending().get()
                on:click=move |_| {
                    archive.dispatch(status);
                }
            >
                {label}
            </button>
        }
    };
    let other = LocalResource::new(move || {
        let (org, period, compare) = (org.get(), period.get(), compare.get());
        async move {
            match compare {
                Some(other) => Some(load(org, other, period).await),
                None => None,
            }
        }
    });
    // The releases to compare with, for the selector.
    let versions = LocalResource::new(move || {
        let (org, period) = (org.get(), period.get());
        async move {
            api::releases(&org, &period, &[], &[], "open", None, "date")
                .await
                .map(|releases| releases.into_iter().map(|r| r.version).collect::<Vec<_>>())
                .unwrap_or_default()
        }
    });

    let navigate = use_navigate();
    let href = move |period: &str, compare: Option<&str>| {
        let mut url = format!(
            "{}?statsPeriod={}",
            Page::Release { org: org.get_untracked(), version: version.get_untracked() }.path(),
            api::segment(period)
        );
        if let Some(compare) = compare {
            url.push_str(&format!("&compare={}", api::segment(compare)));
        }
        url
    };
    let on_period = {
        let navigate = navigate.clone();
        move |ev| {
            let url = href(&event_target_value(&ev), compare.get_untracked().as_deref());
            navigate(&url, NavigateOptions::default());
        }
    };
    let on_compare = move |ev| {
        let other = event_target_value(&ev);
        let other = Some(other.as_str()).filter(|o| !o.is_empty());
        navigate(&href(&period.get_untracked(), other), NavigateOptions::default());
    };

    let period_options = move || {
        let current = period.get();
        PERIODS
            .iter()
            .map(|(value, label)| {
                view! { <option value=*value selected=current == *value>{*label}</option> }
            })
            .collect_view()
    };
    let compare_options = move || {
        let (current, mine) = (compare.get(), version.get());
        versions
            .get()
            .unwrap_or_default()
            .into_iter()
            .filter(|v| *v != mine)
            .map(|v| {
                let selected = current.as_deref() == Some(v.as_str());
                view! { <option value=v.clone() selected=selected title=v.clone()>{short_version(&v)}</option> }
            })
            .collect_view()
    };

    view! {
        <section class="page release-page">
            <header class="page-header release-header">
                <div>
                    <a class="back-link" href=move || Page::Releases { org: org.get() }.path()>
                        "Releases"
                    </a>
                    <h1 class="release-title" title=move || version.get()>
                        {move || short_version(&version.get())}
                    </h1>
                    <code class="release-version-full">{move || version.get()}</code>
                    {move || {
                        archived()
                            .then(|| view! { <span class="release-archived">" Archived"</span> })
                    }}
                </div>
                <form class="filters" on:submit=|ev| ev.prevent_default()>
                    <label>
                        "Period " <select name="statsPeriod" on:change=on_period>{period_options}</select>
                    </label>
                    <label>
                        "Compare with "
                        <select name="compare" on:change=on_compare>
                            <option value="" selected=move || compare.get().is_none()>"—"</option>
                            {compare_options}
                        </select>
                    </label>
                    {archive_button}
                </form>
                <FormError message=failure(archive)/>
            </header>
            {move || match data.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                Some(Ok(data)) => {
                    let period = period.get_untracked();
                    match other.get() {
                        Some(Some(Ok(other))) => {
                            view! { <ReleaseComparison data other/> }.into_any()
                        }
                        Some(Some(Err(error))) => view! { <ApiError error/> }.into_any(),
                        Some(None) => view! { <ReleaseDetails data period/> }.into_any(),
                        None if compare.get_untracked().is_some() => view! { <Loading/> }.into_any(),
                        None => view! { <ReleaseDetails data period/> }.into_any(),
                    }
                }
            }}
        </section>
    }
}

/// A release's figures per project (`.release-summary`): crash-free sessions and users,
/// sessions, users, adoption, new issues; with when it was created, finalized and deployed.
#[component]
pub fn ReleaseSummary(
    /// The release, with `healthData`.
    release: Release,
    /// Its deploys, newest first.
    deploys: Vec<Deploy>,
) -> impl IntoView {
    let projects = release
        .projects
        .iter()
        .map(|project| {
            let health = project.health_data.clone();
            let figure = |label: &'static str, class: &'static str, value: String| {
                view! {
                    <div class=format!("figure {class}")>
                        <dt>{label}</dt>
                        <dd>{value}</dd>
                    </div>
                }
            };
            let h = health.as_ref();
            view! {
                <div class="summary-project" data-project=project.slug.clone()>
                    <h3 class="summary-project-name">{project.name.clone()}</h3>
                    <dl class="figures">
                        {figure(
                            "Crash-free sessions",
                            "crash-free-sessions",
                            format_crash_free(h.and_then(|h| h.crash_free_sessions)),
                        )}
                        {figure(
                            "Crash-free users",
                            "crash-free-users",
                            format_crash_free(h.and_then(|h| h.crash_free_users)),
                        )}
                        {figure(
                            "Sessions",
                            "total-sessions",
                            h.and_then(|h| h.total_sessions).unwrap_or(0).to_string(),
                        )}
                        {figure(
                            "Users",
                            "total-users",
                            h.and_then(|h| h.total_users).unwrap_or(0).to_string(),
                        )}
                        {figure("Adoption (24h)", "adoption", format_share(h.and_then(|h| h.adoption)))}
                        <div class="figure adoption-stage-figure">
                            <dt>"Adoption stage"</dt>
                            <dd>
                                <AdoptionStageBadge stage=release
                                    .adoption_stages
                                    .as_ref()
                                    .and_then(|stages| stages.get(&project.slug))
                                    .cloned()/>
                            </dd>
                        </div>
                        {figure(
                            "Session duration p50",
                            "duration-p50",
                            format_duration(h.and_then(|h| h.duration_p50)),
                        )}
                        {figure(
                            "Session duration p90",
                            "duration-p90",
                            format_duration(h.and_then(|h| h.duration_p90)),
                        )}
                        {figure("New issues", "new-issues", project.new_groups.to_string())}
                    </dl>
                </div>
            }
        })
        .collect_view();
    let released = release.date_released.map_or_else(
        || view! { <span>"not finalized"</span> }.into_any(),
        |at| view! { <span>"finalized " <TimeAgo time=at/></span> }.into_any(),
    );
    let last_deploy = deploys.first().cloned().map(|deploy| {
        view! {
            <span>
                "deployed to " <strong>{deploy.environment}</strong> " "
                <TimeAgo time=deploy.date_finished/>
            </span>
        }
    });
    view! {
        <div class="release-summary" data-version=release.version>
            <p class="release-dates">
                <span>"created " <TimeAgo time=release.date_created/></span>
                " · "
                {released}
                {last_deploy.map(|d| view! { " · " {d} })}
            </p>
            {projects}
        </div>
    }
}

fn period_words(seconds: i64) -> String {
    if seconds <= 86_400 {
        "the last 24 hours".to_owned()
    } else {
        format!("the last {} days", seconds / 86_400)
    }
}

/// Sessions by status, stacked (`#chart-sessions`).
#[component]
pub fn SessionsChart(
    /// The release's series.
    series: HealthSeries,
) -> impl IntoView {
    let layers: Vec<Series> = STATUSES
        .iter()
        .zip(&series.by_status)
        .map(|((_, label, color), values)| Series::new(*label, *color, values.clone()))
        .collect();
    let totals: Vec<f64> =
        layers.iter().map(|s| s.values.iter().map(|v| v.unwrap_or(0.0)).sum()).collect();
    let words: Vec<String> = STATUSES
        .iter()
        .zip(&totals)
        .map(|((status, _, _), n)| format!("{n:.0} {status}"))
        .collect();
    let span = series.times.last().zip(series.times.first()).map_or(0, |(l, f)| l - f);
    let description =
        format!("Sessions by status over {}: {}.", period_words(span), words.join(", "));
    let svg = stacked_area_svg(&series.times, &layers);
    view! {
        <Chart id="chart-sessions" title="Sessions by status" description svg legend=layers/>
    }
}

/// Crash-free sessions and users over time (`#chart-crash-free`); with `other`, the compared
/// release's two lines as well. `labels` name the releases in the legend.
#[component]
pub fn CrashFreeChart(
    /// The release's series.
    series: HealthSeries,
    /// A compared release's version and series.
    #[prop(optional)]
    other: Option<(String, HealthSeries)>,
    /// The release's version, for the legend when comparing.
    #[prop(optional, into)]
    version: String,
) -> impl IntoView {
    let name = |version: &str, what: &str| {
        if version.is_empty() {
            what.to_owned()
        } else {
            format!("{what}, {}", short_version(version))
        }
    };
    let mut lines = vec![
        Series {
            label: name(&version, "Crash-free sessions"),
            color: colors::PRIMARY,
            values: series.crash_free_sessions.clone(),
        },
        Series {
            label: name(&version, "Crash-free users"),
            color: colors::SECONDARY,
            values: series.crash_free_users.clone(),
        },
    ];
    if let Some((other_version, other)) = &other {
        lines.push(Series {
            label: name(other_version, "Crash-free sessions"),
            color: colors::TERTIARY,
            values: align(&series.times, &other.times, &other.crash_free_sessions),
        });
        lines.push(Series {
            label: name(other_version, "Crash-free users"),
            color: colors::QUATERNARY,
            values: align(&series.times, &other.times, &other.crash_free_users),
        });
    }
    let lowest =
        lines.iter().flat_map(|l| l.values.iter().flatten()).copied().fold(100.0f64, f64::min);
    // Crash-free rates live near 100 %: zoom in on the band the values use.
    let floor = if lowest >= 90.0 { 90.0 } else { (lowest / 10.0).floor() * 10.0 };
    let description = lines
        .iter()
        .map(|l| {
            let last = l.values.iter().rev().flatten().next().copied();
            format!("{}: latest {}", l.label, format_crash_free(last))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let svg = line_svg(&series.times, &lines, floor..100.0, "%");
    view! {
        <Chart
            id="chart-crash-free"
            title="Crash-free sessions and users"
            description=format!("Crash-free rates over time. {description}.")
            svg
            legend=lines
        />
    }
}

/// `values` (at `times`) at each of `onto` (missing points are gaps).
fn align(onto: &[i64], times: &[i64], values: &[Option<f64>]) -> Vec<Option<f64>> {
    onto.iter()
        .map(|t| times.iter().position(|x| x == t).and_then(|i| values.get(i).copied().flatten()))
        .collect()
}

/// The release's share of its projects' sessions over time (`#chart-adoption`).
#[component]
pub fn AdoptionChart(
    /// The release's series.
    series: HealthSeries,
) -> impl IntoView {
    let line = Series {
        label: "Sessions adoption".into(),
        color: colors::PRIMARY,
        values: series.adoption,
    };
    let last = line.values.iter().rev().flatten().next().copied();
    let description = format!(
        "Share of the projects' sessions on this release over time; latest {}.",
        format_share(last)
    );
    let svg = line_svg(&series.times, std::slice::from_ref(&line), 0.0..100.0, "%");
    view! { <Chart id="chart-adoption" title="Adoption" description svg legend=vec![line]/> }
}

/// Median duration of the sessions that exited cleanly over time (`#chart-duration`).
#[component]
pub fn DurationChart(
    /// The release's series.
    series: HealthSeries,
) -> impl IntoView {
    let line = Series {
        label: "Session duration p50".into(),
        color: colors::SECONDARY,
        values: series.duration_p50,
    };
    let longest = line.values.iter().flatten().copied().fold(0.0f64, f64::max);
    let last = line.values.iter().rev().flatten().next().copied();
    let description = format!(
        "Median duration of the sessions that exited cleanly over time; latest {}, longest {}.",
        format_duration(last),
        format_duration((longest > 0.0).then_some(longest))
    );
    // Some headroom over the longest median, and a scale even when there is none.
    let top = if longest > 0.0 { longest * 1.1 } else { 1.0 };
    let svg = line_svg(&series.times, std::slice::from_ref(&line), 0.0..top, " s");
    view! {
        <Chart id="chart-duration" title="Session duration (p50)" description svg legend=vec![line]/>
    }
}

/// Events of the release per interval (`#chart-events`).
#[component]
pub fn EventsChart(
    /// Sentry's events-stats answer.
    events: EventsStats,
    /// `hour` or `day`.
    #[prop(into)]
    unit: String,
) -> impl IntoView {
    let times: Vec<i64> = events.data.iter().map(|(t, _)| *t).collect();
    let counts: Vec<f64> =
        events.data.iter().map(|(_, c)| c.iter().map(|c| c.count).sum::<i64>() as f64).collect();
    let total: f64 = counts.iter().sum();
    let peak = counts.iter().copied().fold(0.0, f64::max);
    let bars = Series::new("Events", colors::CRASHED, counts);
    let description =
        format!("Events per {unit}: {total:.0} in all, at most {peak:.0} in one {unit}.");
    let svg = bar_svg(&times, &bars);
    view! {
        <Chart id="chart-events" title=format!("Events per {unit}") description svg legend=vec![bars]/>
    }
}

/// The release's issue lists, Sentry's: `(key, tab label, what an empty list says)`.
pub const ISSUE_TABS: &[(&str, &str, &str)] = &[
    ("new", "New", "No issues were first seen in this release."),
    ("unhandled", "Unhandled", "No issues with unhandled errors in this release."),
    ("regressed", "Regressed", "No issues regressed in this release."),
    ("resolved", "Resolved", "No issues were resolved in this release."),
    ("all", "All", "No issues have events in this release."),
];

/// The issues of one of [`ISSUE_TABS`] (the queries of Sentry's release page).
async fn tab_issues(org: String, version: String, tab: &'static str) -> api::Result<Vec<Issue>> {
    let release = api::release_query("release", &version);
    let query = match tab {
        "new" => api::release_query("firstRelease", &version),
        "unhandled" => format!("{release} error.unhandled:true"),
        "regressed" => api::release_query("regressed_in_release", &version),
        "resolved" => return api::resolved_in_release(&org, &version).await,
        _ => release,
    };
    api::issues(&org, &query, "90d").await
}

/// The release's issues (`#release-issues`): a tab per list of [`ISSUE_TABS`], the new issues
/// (loaded with the page) first, the others fetched when chosen.
#[component]
fn ReleaseIssues(version: String, new_issues: Vec<Issue>) -> impl IntoView {
    let org = super::use_org_param();
    let tab = RwSignal::new(ISSUE_TABS[0].0);
    let loaded = LocalResource::new(move || {
        let (org, version, tab) = (org.get(), version.clone(), tab.get());
        async move {
            // The new issues came with the page.
            if tab == ISSUE_TABS[0].0 {
                return (tab, Ok(Vec::new()));
            }
            (tab, tab_issues(org, version, tab).await)
        }
    });
    let tabs = ISSUE_TABS
        .iter()
        .map(|(key, label, _)| {
            let key = *key;
            view! {
                <button
                    type="button"
                    role="tab"
                    class="tab release-issues-tab"
                    data-tab=key
                    class:selected=move || tab.get() == key
                    aria-selected=move || (tab.get() == key).to_string()
                    on:click=move |_| tab.set(key)
                >
                    {*label}
                </button>
            }
        })
        .collect_view();
    let list = move || {
        let chosen = tab.get();
        let issues = if chosen == ISSUE_TABS[0].0 {
            Ok(new_issues.clone())
        } else {
            match loaded.get() {
                Some((loaded_tab, issues)) if loaded_tab == chosen => issues,
                _ => return view! { <Loading/> }.into_any(),
            }
        };
        let empty = ISSUE_TABS.iter().find(|(key, _, _)| *key == chosen).map_or("", |t| t.2);
        match issues {
            Ok(issues) if issues.is_empty() => {
                view! { <p class="empty-note">{empty}</p> }.into_any()
            }
            Ok(issues) => view! {
                <ul class="issue-rows">
                    {issues.into_iter().map(|issue| view! { <IssueRow issue/> }).collect_view()}
                </ul>
            }
            .into_any(),
            Err(error) => view! { <ApiError error/> }.into_any(),
        }
    };
    view! {
        <section class="event-section" id="release-issues">
            <h2 class="section-title">"Issues"</h2>
            <div class="issue-tabs" role="tablist" aria-label="Issues of this release">{tabs}</div>
            <div class="release-issue-list" role="tabpanel">{list}</div>
        </section>
    }
}

/// The release's page body without comparison.
#[component]
fn ReleaseDetails(data: ReleaseData, period: String) -> impl IntoView {
    let ReleaseData { release, deploys, series, events, new_issues } = data;
    let (_, unit) = events_interval(&period);
    let version = release.version.clone();
    let deploy_list = if deploys.is_empty() {
        view! { <p class="empty-note">"No deploys recorded (sentry-cli releases deploys)."</p> }
            .into_any()
    } else {
        view! {
            <ul class="deploy-rows">
                {deploys
                    .clone()
                    .into_iter()
                    .map(|deploy| {
                        view! {
                            <li class="deploy-row">
                                <strong class="deploy-environment">{deploy.environment}</strong>
                                {deploy.name.map(|name| view! { " " <span class="deploy-name">{name}</span> })}
                                " "
                                <TimeAgo time=deploy.date_finished/>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <ReleaseSummary release deploys/>
        <div class="chart-grid">
            <SessionsChart series=series.clone()/>
            <CrashFreeChart series=series.clone()/>
            <AdoptionChart series=series.clone()/>
            <DurationChart series/>
            <EventsChart events unit/>
        </div>
        <ReleaseIssues version new_issues/>
        <section class="event-section" id="release-deploys">
            <h2 class="section-title">"Deploys"</h2>
            {deploy_list}
        </section>
    }
}

/// Two releases side by side (`#release-compare`): their figures, and one crash-free chart
/// with both.
#[component]
pub fn ReleaseComparison(
    /// The release of the page.
    data: ReleaseData,
    /// The one compared with it.
    other: ReleaseData,
) -> impl IntoView {
    let version = data.release.version.clone();
    let other_version = other.release.version.clone();
    view! {
        <section id="release-compare">
            <div class="compare-columns">
                <div class="compare-column">
                    <h2 title=version.clone()>{short_version(&version)}</h2>
                    <ReleaseSummary release=data.release deploys=data.deploys/>
                </div>
                <div class="compare-column">
                    <h2 title=other_version.clone()>{short_version(&other_version)}</h2>
                    <ReleaseSummary release=other.release deploys=other.deploys/>
                </div>
            </div>
            <CrashFreeChart series=data.series version other=(other_version, other.series)/>
        </section>
    }
}
