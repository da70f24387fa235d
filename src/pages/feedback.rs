//! `/organizations/{org}/feedback/?project={slug}&cursor=...` (Sentry's URL): the user feedback
//! of every project of the organization, or of the query's project, newest first, a page at a
//! time, each report linked to its issue and event. Feedback sent on its own (the JavaScript
//! SDKs' widget without an error) is only seen here.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::{
    api,
    components::{pager::Pager, user_feedback::UserFeedbackList, ApiError, Loading},
    stream_query::encode,
};

/// The query parameter naming the project (none: every project).
const PROJECT_QUERY: &str = "project";
/// The query parameter holding the page's cursor (none: the first page).
const CURSOR_QUERY: &str = "cursor";

/// The page's URL for `project` (every project when `None`) at `cursor`.
fn feedback_href(org: &str, project: Option<&str>, cursor: Option<&str>) -> String {
    let mut pairs = Vec::new();
    if let Some(project) = project {
        pairs.push(format!("{PROJECT_QUERY}={}", encode(project)));
    }
    if let Some(cursor) = cursor {
        pairs.push(format!("{CURSOR_QUERY}={}", encode(cursor)));
    }
    let query = if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) };
    format!("/organizations/{}/feedback/{query}", api::segment(org))
}

/// The feedback route.
#[component]
pub fn FeedbackPage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let projects = crate::state::use_projects(org);
    let project = Memo::new(move |_| query.read().get(PROJECT_QUERY).filter(|p| !p.is_empty()));
    let cursor = Memo::new(move |_| query.read().get(CURSOR_QUERY).filter(|c| !c.is_empty()));
    let reports = LocalResource::new(move || {
        let (org, project, cursor) = (org.get(), project.get(), cursor.get());
        async move {
            match project {
                Some(project) => api::project_user_reports(&org, &project, cursor.as_deref()).await,
                None => api::organization_user_reports(&org, cursor.as_deref()).await,
            }
        }
    });
    let navigate = use_navigate();
    let on_project = {
        let navigate = navigate.clone();
        move |ev| {
            let slug = event_target_value(&ev);
            let project = (!slug.is_empty()).then_some(slug.as_str());
            navigate(&feedback_href(&org.get_untracked(), project, None), Default::default());
        }
    };
    let on_page = Callback::new(move |cursor: String| {
        let href =
            feedback_href(&org.get_untracked(), project.get_untracked().as_deref(), Some(&cursor));
        navigate(&href, NavigateOptions::default());
    });
    let project_options = move || {
        let current = project.get();
        super::project_options(projects().unwrap_or_default(), current.as_deref().unwrap_or(""))
    };
    view! {
        <section class="page feedback-page">
            <header class="page-header">
                <h1>"User Feedback"</h1>
                <label class="picker">
                    <span class="picker-label">"Project"</span>
                    <select id="feedback-project" on:change=on_project>
                        {project_options}
                    </select>
                </label>
            </header>
            {move || match reports.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(page)) => {
                    view! {
                        <UserFeedbackList
                            org=org.get_untracked()
                            reports=page.items
                            show_issue=true
                        />
                        <Pager previous=page.previous next=page.next on_page/>
                    }
                        .into_any()
                }
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
        </section>
    }
}
