//! `/organizations/{org}/releases/` (Sentry's URL): the organization's releases with their health
//! (adoption, crash-free sessions and users with the trend against the period before, new
//! issues, last deploy). The filters and the sort live in the query string (`environment`,
//! `statsPeriod`, `sort`, `project`, Sentry's names), so a link reproduces the view.

use std::collections::HashMap;

use chrono::{Duration, SecondsFormat, Utc};
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};

use crate::{
    api,
    components::{
        release_health::{health_rows, previous_rates, sort_rows, HealthRow, ReleaseTable, SORTS},
        ApiError, Loading,
    },
    routes::Page,
};

/// The periods the page offers (Sentry's release list periods), with their labels.
pub const PERIODS: &[(&str, &str)] = &[
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("14d", "Last 14 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
];
/// The period when the URL names none (Sentry's default for the releases list).
pub const DEFAULT_PERIOD: &str = "14d";

/// Sentry's release statuses, the list's first filter: active (`open`) releases by default.
pub const STATUSES: &[(&str, &str)] = &[("open", "Active"), ("archived", "Archived")];

/// Sentry's adoption stages, a filter of one environment's releases (`release.stage:`).
pub const STAGES: &[(&str, &str)] =
    &[("adopted", "Adopted"), ("low_adoption", "Low adoption"), ("replaced", "Replaced")];

/// Length of one of [`PERIODS`] in seconds.
pub fn period_seconds(period: &str) -> i64 {
    match period {
        "24h" => 86_400,
        "7d" => 7 * 86_400,
        "30d" => 30 * 86_400,
        "90d" => 90 * 86_400,
        _ => 14 * 86_400,
    }
}

/// The view the query string describes; unknown values fall back to the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    /// `statsPeriod`.
    pub period: String,
    /// `environment`, if one is chosen.
    pub environment: Option<String>,
    /// `sort`: one of [`SORTS`].
    pub sort: String,
    /// `project` (slug or id), if one is chosen.
    pub project: Option<String>,
    /// `status`: `open` (active, the default) or `archived`.
    pub status: String,
    /// One of [`STAGES`], from `query=release.stage:…` (Sentry's URL); only with an environment,
    /// since stages belong to one.
    pub stage: Option<String>,
}

impl Filters {
    /// Reads the filters from the page's query string.
    pub fn from_query(query: &ParamsMap) -> Filters {
        let period = query
            .get("statsPeriod")
            .filter(|p| PERIODS.iter().any(|(known, _)| known == p))
            .unwrap_or_else(|| DEFAULT_PERIOD.to_owned());
        let sort = query
            .get("sort")
            .filter(|s| SORTS.iter().any(|(known, _)| known == s))
            .unwrap_or_else(|| "date".to_owned());
        let chosen = |key: &str| query.get(key).filter(|v| !v.is_empty());
        let status = query
            .get("status")
            .filter(|s| STATUSES.iter().any(|(known, _)| known == s))
            .unwrap_or_else(|| STATUSES[0].0.to_owned());
        let environment = chosen("environment");
        let stage = query
            .get("query")
            .and_then(|q| q.strip_prefix("release.stage:").map(str::to_owned))
            .filter(|s| environment.is_some() && STAGES.iter().any(|(known, _)| known == s));
        Filters { period, environment, sort, project: chosen("project"), status, stage }
    }

    /// The release search of the view: its stage filter, if any.
    pub fn search(&self) -> Option<String> {
        let stage = self.stage.as_ref().filter(|_| self.environment.is_some())?;
        Some(format!("release.stage:{stage}"))
    }

    /// The releases page showing this view.
    pub fn href(&self, org: &str) -> String {
        let mut query = vec![format!("statsPeriod={}", api::segment(&self.period))];
        if let Some(environment) = &self.environment {
            query.push(format!("environment={}", api::segment(environment)));
        }
        if let Some(project) = &self.project {
            query.push(format!("project={}", api::segment(project)));
        }
        query.push(format!("sort={}", api::segment(&self.sort)));
        if self.status != STATUSES[0].0 {
            query.push(format!("status={}", api::segment(&self.status)));
        }
        if let Some(search) = self.search() {
            query.push(format!("query={}", api::segment(&search)));
        }
        format!("{}?{}", Page::Releases { org: org.to_owned() }.path(), query.join("&"))
    }
}

/// The releases and the crash-free rates of the period before (for the trends). The rates of
/// the period before only feed the trend arrows: if they cannot be read, the page shows no trend
/// rather than an error.
async fn load(org: String, filters: Filters) -> api::Result<Vec<HealthRow>> {
    let projects: Vec<String> = filters.project.iter().cloned().collect();
    let environments: Vec<String> = filters.environment.iter().cloned().collect();
    let search = filters.search();
    let releases = api::releases(
        &org,
        &filters.period,
        &projects,
        &environments,
        &filters.status,
        search.as_deref(),
        &filters.sort,
    )
    .await?;
    let seconds = period_seconds(&filters.period);
    let now = Utc::now();
    let interval = if seconds > 86_400 { "1d" } else { "1h" };
    let mut params = vec![
        ("field", "crash_free_rate(session)".to_owned()),
        ("field", "crash_free_rate(user)".to_owned()),
        ("groupBy", "project".to_owned()),
        ("groupBy", "release".to_owned()),
        ("interval", interval.to_owned()),
        (
            "start",
            (now - Duration::seconds(2 * seconds)).to_rfc3339_opts(SecondsFormat::Secs, true),
        ),
        ("end", (now - Duration::seconds(seconds)).to_rfc3339_opts(SecondsFormat::Secs, true)),
    ];
    params.extend(projects.into_iter().map(|p| ("project", p)));
    params.extend(environments.into_iter().map(|e| ("environment", e)));
    let previous = match api::sessions(&org, &params).await {
        Ok(previous) => previous_rates(&previous),
        Err(error) if error.is_unauthorized() => return Err(error),
        Err(_) => HashMap::new(),
    };
    // The server ranked the releases (the first 100 in the sort's order); their rows, one per
    // release and project, are ordered here.
    let mut rows = health_rows(&releases, &previous);
    sort_rows(&mut rows, &filters.sort);
    Ok(rows)
}

/// Environments that had sessions in the last 90 days, for the environment filter.
async fn environments(org: String) -> Vec<String> {
    let params = [
        ("field", "sum(session)".to_owned()),
        ("groupBy", "environment".to_owned()),
        ("statsPeriod", "90d".to_owned()),
        ("interval", "1d".to_owned()),
    ];
    let Ok(answer) = api::sessions(&org, &params).await else {
        return Vec::new();
    };
    let mut names: Vec<String> = answer
        .groups
        .iter()
        .filter_map(|g| g.by.get("environment")?.as_str().map(str::to_owned))
        .filter(|name| !name.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The releases route.
#[component]
pub fn ReleasesPage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let filters = Memo::new(move |_| Filters::from_query(&query.read()));
    let rows = LocalResource::new(move || load(org.get(), filters.get()));
    let environments = LocalResource::new(move || environments(org.get()));
    let projects = crate::state::use_projects(org);

    let navigate = use_navigate();
    let go = move |next: Filters| {
        navigate(&next.href(&org.get_untracked()), NavigateOptions::default());
    };
    let on_period = {
        let go = go.clone();
        move |ev| go(Filters { period: event_target_value(&ev), ..filters.get_untracked() })
    };
    let on_environment = {
        let go = go.clone();
        move |ev| {
            let environment = Some(event_target_value(&ev)).filter(|v| !v.is_empty());
            go(Filters { environment, ..filters.get_untracked() });
        }
    };
    let on_project = {
        let go = go.clone();
        move |ev| {
            let project = Some(event_target_value(&ev)).filter(|v| !v.is_empty());
            go(Filters { project, ..filters.get_untracked() });
        }
    };
    let on_status = {
        let go = go.clone();
        move |ev| go(Filters { status: event_target_value(&ev), ..filters.get_untracked() })
    };
    let on_stage = {
        let go = go.clone();
        move |ev| {
            let stage = Some(event_target_value(&ev)).filter(|v| !v.is_empty());
            go(Filters { stage, ..filters.get_untracked() });
        }
    };
    let on_sort =
        move |ev| go(Filters { sort: event_target_value(&ev), ..filters.get_untracked() });

    let period_options = move || {
        let current = filters.read().period.clone();
        PERIODS
            .iter()
            .map(|(value, label)| {
                view! { <option value=*value selected=current == *value>{*label}</option> }
            })
            .collect_view()
    };
    let status_options = move || {
        let current = filters.read().status.clone();
        STATUSES
            .iter()
            .map(|(value, label)| {
                view! { <option value=*value selected=current == *value>{*label}</option> }
            })
            .collect_view()
    };
    let stage_options = move || {
        let current = filters.read().stage.clone();
        STAGES
            .iter()
            .map(|(value, label)| {
                let selected = current.as_deref() == Some(*value);
                view! { <option value=*value selected=selected>{*label}</option> }
            })
            .collect_view()
    };
    let sort_options = move || {
        let current = filters.read().sort.clone();
        SORTS
            .iter()
            .map(|(value, label)| {
                view! { <option value=*value selected=current == *value>{*label}</option> }
            })
            .collect_view()
    };
    let environment_options = move || {
        let current = filters.read().environment.clone();
        let mut names = environments.get().unwrap_or_default();
        if let Some(current) = &current {
            if !names.contains(current) {
                names.push(current.clone());
            }
        }
        names
            .into_iter()
            .map(|name| {
                let selected = current.as_deref() == Some(name.as_str());
                let label = name.clone();
                view! { <option value=name selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let project_options = move || {
        let current = filters.read().project.clone();
        projects()
            .unwrap_or_default()
            .into_iter()
            .map(|project| {
                let selected = current.as_deref() == Some(project.slug.as_str());
                view! { <option value=project.slug selected=selected>{project.name}</option> }
            })
            .collect_view()
    };

    let sort_href = Callback::new(move |sort: String| {
        Filters { sort, ..filters.get_untracked() }.href(&org.get_untracked())
    });

    view! {
        <section class="page releases-page">
            <header class="page-header">
                <h1>"Releases"</h1>
                <span class="page-subtitle">"Health of each release in its projects"</span>
            </header>
            <form class="filters" id="release-filters" on:submit=|ev| ev.prevent_default()>
                <label>
                    "Status " <select name="status" on:change=on_status>{status_options}</select>
                </label>
                <label>
                    "Project "
                    <select name="project" on:change=on_project>
                        <option value="" selected=move || filters.read().project.is_none()>
                            "All projects"
                        </option>
                        {project_options}
                    </select>
                </label>
                <label>
                    "Environment "
                    <select name="environment" on:change=on_environment>
                        <option value="" selected=move || filters.read().environment.is_none()>
                            "All environments"
                        </option>
                        {environment_options}
                    </select>
                </label>
                <label title=move || {
                    filters
                        .read()
                        .environment
                        .is_none()
                        .then_some("Choose an environment: adoption stages belong to one")
                }>
                    "Stage "
                    <select
                        name="stage"
                        on:change=on_stage
                        disabled=move || filters.read().environment.is_none()
                    >
                        <option value="" selected=move || filters.read().stage.is_none()>
                            "All stages"
                        </option>
                        {stage_options}
                    </select>
                </label>
                <label>
                    "Period " <select name="statsPeriod" on:change=on_period>{period_options}</select>
                </label>
                <label>
                    "Sort by " <select name="sort" on:change=on_sort>{sort_options}</select>
                </label>
            </form>
            {move || match rows.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(rows)) => {
                    let sort = filters.read_untracked().sort.clone();
                    view! { <ReleaseTable org=org.get_untracked() rows sort sort_href/> }.into_any()
                }
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
        </section>
    }
}
