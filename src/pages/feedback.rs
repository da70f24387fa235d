//! `/organizations/{org}/feedback/?project={slug}` (Sentry's URL): a project's user feedback,
//! newest first, each report linked to its issue and event. Feedback sent on its own (the
//! JavaScript SDKs' widget without an error) is only seen here. The project is the query's,
//! or the organization's first.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::{
    api,
    components::{user_feedback::UserFeedbackList, ApiError, Loading},
};

/// The query parameter naming the project.
const PROJECT_QUERY: &str = "project";

/// The feedback route.
#[component]
pub fn FeedbackPage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let projects = crate::state::use_projects(org);
    // The query's project, else the first one once the projects are known.
    let project = Memo::new(move |_| {
        let asked = query.read().get(PROJECT_QUERY).filter(|p| !p.is_empty());
        asked.or_else(|| projects()?.first().map(|p| p.slug.clone()))
    });
    let reports = LocalResource::new(move || {
        let (org, project) = (org.get(), project.get());
        async move {
            match project {
                Some(project) => api::project_user_reports(&org, &project).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let navigate = use_navigate();
    let on_project = move |ev| {
        let slug = event_target_value(&ev);
        let href = format!(
            "/organizations/{}/feedback/?{PROJECT_QUERY}={}",
            api::segment(&org.get_untracked()),
            api::segment(&slug)
        );
        navigate(&href, NavigateOptions::default());
    };
    let project_options = move || {
        let current = project.get();
        projects()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let selected = current.as_deref() == Some(p.slug.as_str());
                view! { <option value=p.slug selected=selected>{p.name}</option> }
            })
            .collect_view()
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
                Some(Ok(Some(reports))) => {
                    view! { <UserFeedbackList org=org.get_untracked() reports show_issue=true/> }
                        .into_any()
                }
                Some(Ok(None)) => {
                    view! { <p class="empty-note">"This organization has no project yet."</p> }
                        .into_any()
                }
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
        </section>
    }
}
