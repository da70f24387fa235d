//! `/organizations/{org}/issues/`: the organization's unresolved issues, most recent first, or
//! those matching the `?query=` of the URL (Sentry's search, as the issue page's tag facets link).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api,
    components::{ApiError, IssueList, Loading},
};

/// Sentry search the list shows without a `?query=`; the search bar of a later version will
/// edit it.
const QUERY: &str = "is:unresolved";
/// Time window of the list, in Sentry's `statsPeriod` syntax.
const STATS_PERIOD: &str = "14d";

/// The issue list route.
#[component]
pub fn IssuesPage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_query_map();
    let query = Memo::new(move |_| params.read().get("query").unwrap_or_else(|| QUERY.into()));
    // Keyed on the org and the query: following a link to another one refetches.
    let issues = LocalResource::new(move || {
        let (org, query) = (org.get(), query.get());
        async move { api::issues(&org, &query, STATS_PERIOD).await }
    });

    view! {
        <section class="page">
            <header class="page-header">
                <h1>"Issues"</h1>
                <span class="page-subtitle">
                    {move || {
                        let query = query.get();
                        if query == QUERY {
                            "Unresolved, last 14 days".to_owned()
                        } else {
                            format!("{query}, last 14 days")
                        }
                    }}
                </span>
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
