//! `/`: sends the visitor where they belong (set-up, login, or their issues).

use leptos::prelude::*;
use leptos_router::{components::Redirect, NavigateOptions};

use crate::{
    api,
    components::{ApiError, ErrorState, Loading},
    routes::Page,
    state::{use_session, Session},
};

/// Where `/` leads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Landing {
    /// Redirect to this page.
    To(Page),
    /// Logged in, but there is no organization to show.
    NoOrganization,
}

/// Decides in the order the server's state requires: a fresh instance needs its owner account
/// first, then a session, then an organization (the default one, else the first membership).
/// The user found on the way is recorded in `session`, so the header shows them at once.
async fn landing(session: Option<Session>) -> api::Result<Landing> {
    let status = api::setup_status().await?;
    if status.needs_setup {
        return Ok(Landing::To(Page::Setup));
    }
    let Some(user) = api::index().await?.user else {
        return Ok(Landing::To(Page::Login));
    };
    if let Some(session) = session {
        session.user.set(Some(user));
    }
    let org = match status.default_organization {
        Some(org) => Some(org),
        None => api::organizations().await?.into_iter().next().map(|org| org.slug),
    };
    Ok(org.map_or(Landing::NoOrganization, |org| Landing::To(Page::Issues { org })))
}

/// The `/` route: shows a loading state, then redirects.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    let target = LocalResource::new(move || landing(session));
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match target.await {
                    Ok(Landing::To(page)) => {
                        if let (Some(session), Page::Issues { org }) = (session, &page) {
                            session.org.set(Some(org.clone()));
                        }
                        let options = NavigateOptions { replace: true, ..NavigateOptions::default() };
                        view! { <Redirect path=page.path() options/> }.into_any()
                    }
                    Ok(Landing::NoOrganization) => {
                        view! {
                            <ErrorState message="You are not a member of any organization yet."/>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ApiError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
