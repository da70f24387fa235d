//! `/organizations/{org}/projects/`: the projects and the DSN to configure an SDK with.

use cairn_types::api::{Project, ProjectKey};
use leptos::prelude::*;

use crate::{
    api,
    components::{ApiError, Loading},
};

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
    let projects = LocalResource::new(move || load(org.get()));

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Projects"</h1>
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
                        Ok(projects) => view! { <ProjectList projects/> }.into_any(),
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
