//! `/organizations/{org}/issues/`: the organization's unresolved issues, most recent first.

use leptos::prelude::*;

use crate::{
    api,
    components::{ApiError, IssueList, Loading},
};

/// Sentry search the list shows; the search bar of a later version will edit it.
const QUERY: &str = "is:unresolved";
/// Time window of the list, in Sentry's `statsPeriod` syntax.
const STATS_PERIOD: &str = "14d";

/// The issue list route.
#[component]
pub fn IssuesPage() -> impl IntoView {
    let org = super::use_org_param();
    // Keyed on the org: following a link to another organization refetches.
    let issues = LocalResource::new(move || {
        let org = org.get();
        async move { api::issues(&org, QUERY, STATS_PERIOD).await }
    });

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Issues"</h1>
                <span class="page-subtitle">"Unresolved, last 14 days"</span>
            </header>
            // Transition, not Suspense: on a refetch the old list stays until the new one is in.
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match issues.await {
                        Ok(issues) => view! { <IssueList issues/> }.into_any(),
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
