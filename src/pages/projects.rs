//! `/organizations/{org}/projects/?statsPeriod=24h`: a card per project with its health, as
//! Sentry's Projects dashboard shows it (errors per interval and in all over the period, the
//! crash-free sessions rate, links to its issues, releases and settings), then the projects'
//! client keys (DSNs) to configure an SDK with. The period (`24h` or `14d`) is in the URL, so a
//! link reproduces the view.

use std::collections::BTreeMap;

use cairn_types::api::{Project, ProjectKey, SessionsResponse, UsageStats};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api,
    components::{release_health::format_crash_free, ApiError, Loading, Sparkline},
    routes::Page,
    stream_query::StreamQuery,
};

/// The periods the page offers, as `(statsPeriod, interval, sparkline label)`; the first is
/// the default.
pub const PERIODS: &[(&str, &str, &str)] =
    &[("24h", "1h", "last 24 hours"), ("14d", "1d", "last 14 days")];

/// The period of a `statsPeriod` value: one of [`PERIODS`], the default for anything else.
pub fn period_of(value: Option<&str>) -> &'static (&'static str, &'static str, &'static str) {
    PERIODS.iter().find(|(id, _, _)| Some(*id) == value).unwrap_or(&PERIODS[0])
}

/// The page's URL for `period`.
pub fn projects_href(org: &str, period: &str) -> String {
    format!(
        "{}?statsPeriod={}",
        Page::Projects { org: org.to_owned() }.path(),
        api::segment(period)
    )
}

/// A project's health over the page's period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectHealth {
    /// Errors stored per interval, oldest first.
    pub errors: Vec<i64>,
    /// Errors stored over the period.
    pub total: i64,
    /// Crash-free sessions over the period (percent); `None` without sessions.
    pub crash_free: Option<f64>,
}

/// The health of every project of the organization, by project id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Health {
    /// Intervals in the period: a project without errors has that many empty ones.
    pub intervals: usize,
    /// By project id (as [`Project::id`]); a project without errors or sessions is absent.
    pub projects: BTreeMap<String, ProjectHealth>,
}

impl Health {
    /// The health of the project `id`: no errors and no sessions when it is absent.
    pub fn of(&self, id: &str) -> ProjectHealth {
        let mut health = self.projects.get(id).cloned().unwrap_or_default();
        if health.errors.is_empty() {
            health.errors = vec![0; self.intervals];
        }
        health
    }
}

/// A group's project id (a number in Sentry's answers; a string is taken too) as text.
fn project_id(by: &BTreeMap<String, serde_json::Value>) -> Option<String> {
    match by.get("project")? {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The errors of each project per interval and in all, from a stats answer grouped by project
/// (groups of the same project, were they split further, are added up).
pub fn errors_by_project(stats: &UsageStats) -> BTreeMap<String, (Vec<i64>, i64)> {
    let mut out: BTreeMap<String, (Vec<i64>, i64)> = BTreeMap::new();
    for group in &stats.groups {
        let Some(id) = project_id(&group.by) else { continue };
        let entry = out.entry(id).or_insert_with(|| (vec![0; stats.intervals.len()], 0));
        for (i, n) in group.series.get("sum(quantity)").into_iter().flatten().enumerate() {
            if let Some(slot) = entry.0.get_mut(i) {
                *slot += n;
            }
        }
        entry.1 += group.totals.get("sum(quantity)").copied().unwrap_or(0);
    }
    out
}

/// The crash-free sessions rate (percent) of each project that had sessions, from a sessions
/// answer grouped by project with `sum(session)` and `crash_free_rate(session)`.
pub fn crash_free_by_project(sessions: &SessionsResponse) -> BTreeMap<String, f64> {
    sessions
        .groups
        .iter()
        .filter_map(|group| {
            let id = project_id(&group.by)?;
            let count = group.totals.get("sum(session)").and_then(|v| v.as_f64()).unwrap_or(0.0);
            let rate = group.totals.get("crash_free_rate(session)")?.as_f64()?;
            (count > 0.0 && rate.is_finite()).then_some((id, rate * 100.0))
        })
        .collect()
}

/// The health of each project from the two answers.
pub fn health_of(stats: &UsageStats, sessions: &SessionsResponse) -> Health {
    let mut projects: BTreeMap<String, ProjectHealth> = errors_by_project(stats)
        .into_iter()
        .map(|(id, (errors, total))| (id, ProjectHealth { errors, total, crash_free: None }))
        .collect();
    for (id, rate) in crash_free_by_project(sessions) {
        projects.entry(id).or_default().crash_free = Some(rate);
    }
    Health { intervals: stats.intervals.len(), projects }
}

/// Fetches the errors per project and the crash-free rates over `period` (`statsPeriod`,
/// `interval`).
async fn load_health(org: String, period: (&'static str, &'static str)) -> api::Result<Health> {
    let (period, interval) = period;
    let stats = api::project_error_stats(&org, period, interval).await?;
    let params = [
        ("field", "sum(session)".to_owned()),
        ("field", "crash_free_rate(session)".to_owned()),
        ("groupBy", "project".to_owned()),
        ("statsPeriod", period.to_owned()),
        ("interval", interval.to_owned()),
    ];
    let sessions = api::sessions(&org, &params).await?;
    Ok(health_of(&stats, &sessions))
}

/// One project's card (`.project-card`, `data-project` its slug): its name (a link to its
/// issues), platform, errors per interval, errors and crash-free sessions over the period, and
/// links to its issues, releases and settings. `health` is `None` while it is loading (or could
/// not be read): the figures are then left blank.
#[component]
pub fn ProjectCard(
    /// The organization's slug.
    #[prop(into)]
    org: String,
    /// The project.
    project: Project,
    /// `statsPeriod`: one of [`PERIODS`].
    period: &'static str,
    /// Its health over the period.
    health: Option<ProjectHealth>,
) -> impl IntoView {
    let (_, _, label) = *period_of(Some(period));
    let issues = {
        let view = StreamQuery {
            projects: vec![project.id.clone()],
            stats_period: period.to_owned(),
            ..StreamQuery::default()
        };
        format!("{}?{}", Page::Issues { org: org.clone() }.path(), view.to_query_string())
    };
    let releases = super::releases::Filters {
        period: period.to_owned(),
        environment: None,
        sort: "date".to_owned(),
        project: Some(project.slug.clone()),
        status: super::releases::STATUSES[0].0.to_owned(),
        stage: None,
    }
    .href(&org);
    let settings = Page::ProjectSettings { org, project: project.slug.clone() }.path();
    let (chart, errors, crash_free, crash_free_value) = match health {
        Some(health) => {
            let value = health.crash_free.map(|rate| rate.to_string());
            (
                Some(view! { <Sparkline counts=health.errors label=label/> }),
                health.total.to_string(),
                format_crash_free(health.crash_free),
                value,
            )
        }
        None => (None, "\u{2026}".to_owned(), "\u{2026}".to_owned(), None),
    };
    view! {
        <li class="project-card" data-project=project.slug>
            <div class="project-card-head">
                <a class="project-card-name" href=issues.clone()>
                    {project.name}
                </a>
                {project
                    .platform
                    .map(|platform| view! { <span class="badge project-platform">{platform}</span> })}
            </div>
            <div class="project-card-chart" title=format!("Errors in the {label}")>
                {chart}
            </div>
            <dl class="figures project-card-figures">
                <div class="figure">
                    <dt>"Errors"</dt>
                    <dd class="project-errors">{errors}</dd>
                </div>
                <div class="figure">
                    <dt>"Crash free sessions"</dt>
                    <dd class="project-crash-free" data-value=crash_free_value>
                        {crash_free}
                    </dd>
                </div>
            </dl>
            <nav class="project-card-links">
                <a class="project-link-issues" href=issues>
                    "Issues"
                </a>
                <a class="project-link-releases" href=releases>
                    "Releases"
                </a>
                <a class="project-link-settings" href=settings>
                    "Settings"
                </a>
            </nav>
        </li>
    }
}

/// The cards (`#project-cards`) of `projects` with their `health`: `None` while it is loading,
/// an error shown above the cards (whose figures are then blank).
#[component]
pub fn ProjectCards(
    /// The organization's slug.
    #[prop(into)]
    org: String,
    /// The projects.
    projects: Vec<Project>,
    /// `statsPeriod`: one of [`PERIODS`].
    period: &'static str,
    /// The projects' health, once loaded.
    health: Option<api::Result<Health>>,
) -> impl IntoView {
    let (health, error) = match health {
        Some(Ok(health)) => (Some(health), None),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let cards = projects
        .into_iter()
        .map(|project| {
            let health = health.as_ref().map(|h| h.of(&project.id));
            view! { <ProjectCard org=org.clone() project period health/> }
        })
        .collect_view();
    view! {
        {error.map(|error| view! { <ApiError error/> })}
        <ul id="project-cards" class="project-cards">
            {cards}
        </ul>
    }
}

/// A project with its client keys, as the projects page lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectWithKeys {
    /// The project.
    pub project: Project,
    /// Its client keys; usually one.
    pub keys: Vec<ProjectKey>,
}

/// Fetches the projects, then each one's keys. One request per project is fine for the handful of
/// projects a self-hosted instance has; it can become concurrent when that stops being true.
async fn load(org: String) -> api::Result<Vec<ProjectWithKeys>> {
    let mut out = Vec::new();
    for project in api::projects(&org).await? {
        let keys = api::project_keys(&org, &project.slug).await?;
        out.push(ProjectWithKeys { project, keys });
    }
    Ok(out)
}

/// One project (`.project-row`) with the DSN of each active key (`.project-dsn`).
#[component]
pub fn ProjectRow(
    /// The project and its keys.
    project: ProjectWithKeys,
) -> impl IntoView {
    let ProjectWithKeys { project, keys } = project;
    // Who owns what: the project's ownership rules and CODEOWNERS (issue owners, auto-assignment).
    let ownership = project.organization.as_ref().map(|org| {
        crate::routes::Page::ProjectOwnership {
            org: org.slug.clone(),
            project: project.slug.clone(),
        }
        .path()
    });
    // Data scrubbing, grouping rules, the rate limit.
    let settings = project.organization.as_ref().map(|org| {
        crate::routes::Page::ProjectSettings {
            org: org.slug.clone(),
            project: project.slug.clone(),
        }
        .path()
    });
    // Onboarding: the DSN with the SDK snippets, a test event, and the first event arriving.
    let getting_started = project.organization.as_ref().map(|org| {
        crate::routes::Page::GettingStarted { org: org.slug.clone(), project: project.slug.clone() }
            .path()
    });
    let dsns: Vec<String> =
        keys.into_iter().filter(|key| key.is_active).map(|key| key.dsn.public).collect();
    let dsns = if dsns.is_empty() {
        view! { <p class="project-no-key">"No active client key."</p> }.into_any()
    } else {
        dsns.into_iter()
            .map(|dsn| view! { <code class="project-dsn">{dsn}</code> })
            .collect_view()
            .into_any()
    };
    view! {
        <li class="project-row">
            <div class="project-head">
                <span class="project-name">{project.name}</span>
                <span class="project-slug">{project.slug}</span>
                {project.platform.map(|platform| view! { <span class="badge">{platform}</span> })}
                {getting_started
                    .map(|href| {
                        view! {
                            <a class="project-getting-started" href=href>
                                "Set up the SDK"
                            </a>
                        }
                    })}
                {ownership
                    .map(|href| {
                        view! {
                            <a class="project-ownership" href=href>
                                "Ownership rules"
                            </a>
                        }
                    })}
                {settings
                    .map(|href| {
                        view! {
                            <a class="project-settings" href=href>
                                "Settings"
                            </a>
                        }
                    })}
            </div>
            <div class="project-dsns">
                <span class="label">"DSN"</span>
                {dsns}
            </div>
        </li>
    }
}

/// The list of projects (`#project-list`), or an empty state.
#[component]
pub fn ProjectList(
    /// The projects with their keys.
    projects: Vec<ProjectWithKeys>,
) -> impl IntoView {
    if projects.is_empty() {
        return view! {
            <div id="project-list">
                <div class="empty-state">
                    <p class="empty-title">"No projects yet."</p>
                </div>
            </div>
        }
        .into_any();
    }
    view! {
        <div id="project-list">
            <p class="hint">
                "Give the DSN to a Sentry SDK (the "
                <code>"dsn"</code>
                " option of its init call) to send that project's errors to Cairn."
            </p>
            <ul class="project-rows">
                <For
                    each=move || projects.clone()
                    key=|item| item.project.id.clone()
                    let:project
                >
                    <ProjectRow project/>
                </For>
            </ul>
        </div>
    }
    .into_any()
}

/// The projects route.
#[component]
pub fn ProjectsPage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let period = Memo::new(move |_| period_of(query.read().get("statsPeriod").as_deref()).0);
    let projects = LocalResource::new(move || load(org.get()));
    let health = LocalResource::new(move || {
        let (id, interval, _) = *period_of(Some(period.get()));
        load_health(org.get(), (id, interval))
    });
    let toggle = move || {
        PERIODS
            .iter()
            .map(|(id, _, _)| {
                let selected = move || period.get() == *id;
                view! {
                    <a
                        class="period-option"
                        class:selected=selected
                        data-period=*id
                        aria-current=move || selected().then_some("true")
                        href=move || projects_href(&org.get(), id)
                    >
                        {*id}
                    </a>
                }
            })
            .collect_view()
    };

    view! {
        <section class="page projects-page">
            <header class="page-header">
                <h1>"Projects"</h1>
                <nav id="projects-period" class="period-toggle" aria-label="Period">
                    {toggle}
                </nav>
                <span class="spacer"></span>
                <a
                    id="usage-stats"
                    class="button button-secondary"
                    href=move || crate::routes::Page::Stats { org: org.get() }.path()
                >
                    "Usage stats"
                </a>
                <a
                    id="create-project"
                    class="button button-primary"
                    href=move || crate::routes::Page::NewProject { org: org.get() }.path()
                >
                    "Create project"
                </a>
            </header>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match projects.await {
                        Ok(projects) if projects.is_empty() => {
                            view! { <ProjectList projects/> }.into_any()
                        }
                        Ok(projects) => {
                            let list: Vec<Project> =
                                projects.iter().map(|p| p.project.clone()).collect();
                            let cards = move || {
                                view! {
                                    <ProjectCards
                                        org=org.get()
                                        projects=list.clone()
                                        period=period.get()
                                        health=health.get()
                                    />
                                }
                            };
                            view! {
                                {cards}
                                <section class="project-keys">
                                    <h2>"Client keys (DSN)"</h2>
                                    <ProjectList projects/>
                                </section>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
