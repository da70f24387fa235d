//! The header's organization and project switcher: two labelled `<select>`s (keyboard
//! accessible as the browser makes them), and the pure rules that decide where a switch leads,
//! so that switching keeps the same kind of page where it makes sense: the issue stream stays
//! the stream with the same search (`project=` in its query string), a project's settings or
//! getting-started page stays that page for the other project, and so on.

use cairn_types::api::{Organization, Project};
use leptos::prelude::*;

use crate::{
    routes::Page,
    stream_query::{decode, StreamQuery},
};

/// What the user picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Switch {
    /// Another organization, by slug.
    Organization(String),
    /// A project of the current organization (`id`, `slug`), or `None` for all of them.
    Project(Option<(String, String)>),
}

/// The kind of page a dashboard path is, with the parts of it a switch keeps or replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageKind {
    /// `/organizations/{org}/issues/`.
    Stream { org: String },
    /// `/organizations/{org}/issues/{id}/`.
    Issue { org: String },
    /// `/organizations/{org}/projects/` and `.../projects/new/`.
    Projects { org: String },
    /// `/organizations/{org}/projects/{project}/getting-started/`.
    GettingStarted { org: String, project: String },
    /// `/settings/{org}/projects/{project}/ownership/`.
    Ownership { org: String, project: String },
    /// `/settings/{org}/projects/{project}/`.
    ProjectSettings { org: String, project: String },
    /// `/organizations/{org}/releases/` and one release.
    Releases { org: String },
    /// Anything else (inbox, tokens, ...).
    Other,
}

/// Reads a dashboard path (percent-decoding its segments).
pub fn page_kind(path: &str) -> PageKind {
    let segments: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(decode).collect();
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    match parts.as_slice() {
        ["organizations", org, "issues"] => PageKind::Stream { org: (*org).to_owned() },
        ["organizations", org, "issues", _] => PageKind::Issue { org: (*org).to_owned() },
        ["organizations", org, "projects"] | ["organizations", org, "projects", "new"] => {
            PageKind::Projects { org: (*org).to_owned() }
        }
        ["organizations", org, "projects", project, "getting-started"] => {
            PageKind::GettingStarted { org: (*org).to_owned(), project: (*project).to_owned() }
        }
        ["settings", org, "projects", project, "ownership"] => {
            PageKind::Ownership { org: (*org).to_owned(), project: (*project).to_owned() }
        }
        ["settings", org, "projects", project] => {
            PageKind::ProjectSettings { org: (*org).to_owned(), project: (*project).to_owned() }
        }
        ["organizations", org, "releases"] | ["organizations", org, "releases", _] => {
            PageKind::Releases { org: (*org).to_owned() }
        }
        _ => PageKind::Other,
    }
}

/// The project the page shows (its id), as the switcher's current choice: the one project of
/// the stream's or the releases' filter, or the project of a project page. `None` is "all".
pub fn current_project(path: &str, search: &str, projects: &[Project]) -> Option<String> {
    let by_slug_or_id = |value: &str| {
        projects.iter().find(|p| p.slug == value || p.id == value).map(|p| p.id.clone())
    };
    match page_kind(path) {
        PageKind::Stream { .. } => match StreamQuery::parse(search).projects.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        },
        PageKind::Releases { .. } => {
            let chosen = query_values(search, "project");
            chosen.first().and_then(|value| by_slug_or_id(value))
        }
        PageKind::GettingStarted { project, .. }
        | PageKind::Ownership { project, .. }
        | PageKind::ProjectSettings { project, .. } => by_slug_or_id(&project),
        _ => None,
    }
}

/// Where a switch leads from the page at `path?search` of organization `org`.
pub fn switch_path(path: &str, search: &str, org: &str, switch: &Switch) -> String {
    let kind = page_kind(path);
    match switch {
        Switch::Organization(new_org) => {
            let new_org = new_org.clone();
            match kind {
                // The same search in the other organization; project ids, environments and the
                // page belong to the old one.
                PageKind::Stream { .. } => {
                    let mut view = StreamQuery::parse(search).first_page();
                    view.projects.clear();
                    view.environments.clear();
                    stream_path(&new_org, &view)
                }
                PageKind::Projects { .. }
                | PageKind::GettingStarted { .. }
                | PageKind::Ownership { .. }
                | PageKind::ProjectSettings { .. } => Page::Projects { org: new_org }.path(),
                PageKind::Releases { .. } => Page::Releases { org: new_org }.path(),
                PageKind::Issue { .. } | PageKind::Other => Page::Issues { org: new_org }.path(),
            }
        }
        Switch::Project(project) => {
            let org = org.to_owned();
            let stream = |view: StreamQuery| {
                let mut view = view.first_page();
                view.projects = project.iter().map(|(id, _)| id.clone()).collect();
                stream_path(&org, &view)
            };
            match (kind, project) {
                (PageKind::Stream { .. }, _) => stream(StreamQuery::parse(search)),
                (PageKind::GettingStarted { .. }, Some((_, slug))) => {
                    Page::GettingStarted { org: org.clone(), project: slug.clone() }.path()
                }
                (PageKind::Ownership { .. }, Some((_, slug))) => {
                    Page::ProjectOwnership { org: org.clone(), project: slug.clone() }.path()
                }
                (PageKind::ProjectSettings { .. }, Some((_, slug))) => {
                    Page::ProjectSettings { org: org.clone(), project: slug.clone() }.path()
                }
                (PageKind::Releases { .. }, _) => {
                    let slug = project.as_ref().map(|(_, slug)| slug.as_str());
                    let query = replace_param(search, "project", slug);
                    let path = Page::Releases { org: org.clone() }.path();
                    if query.is_empty() {
                        path
                    } else {
                        format!("{path}?{query}")
                    }
                }
                _ => stream(StreamQuery::default()),
            }
        }
    }
}

fn stream_path(org: &str, view: &StreamQuery) -> String {
    format!("{}?{}", Page::Issues { org: org.to_owned() }.path(), view.to_query_string())
}

/// The query string without `key` (and without `cursor`: another filter starts on page one),
/// then `key=value` when a value is given.
fn replace_param(search: &str, key: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<String> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            name != key && name != "cursor"
        })
        .map(str::to_owned)
        .collect();
    if let Some(value) = value {
        pairs.push(format!("{key}={}", crate::api::segment(value)));
    }
    pairs.join("&")
}

/// The decoded values of `key` in a query string.
fn query_values(search: &str, key: &str) -> Vec<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, _)| *name == key)
        .map(|(_, value)| decode(value))
        .collect()
}

/// The switcher (`#org-switcher`, `#project-switcher`): the user's organizations and the
/// current organization's projects ("All projects" first), each a labelled `<select>`.
#[component]
pub fn OrgProjectSwitcher(
    /// The organizations the user belongs to.
    #[prop(into)]
    organizations: Signal<Vec<Organization>>,
    /// The current organization's projects.
    #[prop(into)]
    projects: Signal<Vec<Project>>,
    /// The current organization's slug.
    #[prop(into)]
    org: Signal<Option<String>>,
    /// The current project's id; `None` for all projects.
    #[prop(into)]
    project: Signal<Option<String>>,
    /// Called with what the user picked.
    on_switch: Callback<Switch>,
) -> impl IntoView {
    let on_org = move |ev| {
        let slug = event_target_value(&ev);
        if !slug.is_empty() && Some(&slug) != org.get_untracked().as_ref() {
            on_switch.run(Switch::Organization(slug));
        }
    };
    let on_project = move |ev| {
        let id = event_target_value(&ev);
        let chosen = projects.with_untracked(|projects| {
            projects.iter().find(|p| p.id == id).map(|p| (p.id.clone(), p.slug.clone()))
        });
        on_switch.run(Switch::Project(chosen));
    };
    let org_options = move || {
        let current = org.get();
        let mut organizations = organizations.get();
        // The current organization is listed even before the list has loaded, so the select
        // never shows another one as chosen.
        if let Some(slug) =
            current.as_ref().filter(|slug| !organizations.iter().any(|o| &o.slug == *slug))
        {
            organizations.insert(
                0,
                Organization {
                    id: String::new(),
                    slug: slug.clone(),
                    name: slug.clone(),
                    date_created: chrono::DateTime::UNIX_EPOCH,
                    is_early_adopter: false,
                    require_2fa: false,
                    allow_shared_issues: true,
                },
            );
        }
        organizations
            .into_iter()
            .map(|o| {
                let selected = current.as_deref() == Some(o.slug.as_str());
                view! { <option value=o.slug selected=selected>{o.name}</option> }
            })
            .collect_view()
    };
    let project_options = move || {
        let current = project.get();
        projects
            .get()
            .into_iter()
            .map(|p| {
                let selected = current.as_deref() == Some(p.id.as_str());
                view! { <option value=p.id selected=selected>{p.name}</option> }
            })
            .collect_view()
    };
    view! {
        <div class="switcher" role="group" aria-label="Organization and project">
            <label class="switcher-field">
                <span class="visually-hidden">"Organization"</span>
                <select
                    id="org-switcher"
                    title="Organization"
                    prop:value=move || org.get().unwrap_or_default()
                    on:change=on_org
                >
                    {org_options}
                </select>
            </label>
            <label class="switcher-field">
                <span class="visually-hidden">"Project"</span>
                <select
                    id="project-switcher"
                    title="Project"
                    prop:value=move || project.get().unwrap_or_default()
                    on:change=on_project
                >
                    <option value="" selected=move || project.get().is_none()>"All projects"</option>
                    {project_options}
                </select>
            </label>
        </div>
    }
}
