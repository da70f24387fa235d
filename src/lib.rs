//! Cairn's dashboard: a Leptos single-page app (client-side rendered, compiled to WebAssembly and
//! built with Trunk) over the server's Sentry-compatible REST API.
//!
//! - [`api`]: the typed HTTP client, the only place that talks to the server;
//! - [`routes`]: every URL; [`pages`]: one component per route; [`components`]: reusable UI;
//! - [`state`]: the session shared by the header and the pages;
//! - [`interned`]: the strings passed to the DOM most, made JS strings once at start-up.
//!
//! It is a library as well as a binary so that `tests/web.rs` can mount its components.

pub mod api;
pub mod components;
pub mod interned;
pub mod live;
pub mod pages;
pub mod routes;
pub mod search_suggest;
pub mod state;
pub mod stream_query;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};

use crate::{
    components::Header,
    pages::{
        GettingStartedPage, HomePage, InboxPage, IssuePage, IssuesPage, LoginPage, NewProjectPage,
        NotFoundPage, ProjectOwnershipPage, ProjectsPage, ReleasePage, ReleasesPage, SetupPage,
        TokensPage,
    },
    state::Session,
};

/// The whole app: session state, header and routes.
#[component]
pub fn App() -> impl IntoView {
    Session::provide().load_user();

    view! {
        <Router>
            <Header/>
            <main class="app-main">
                <Routes fallback=NotFoundPage>
                    <Route path=routes::home() view=HomePage/>
                    <Route path=routes::setup() view=SetupPage/>
                    <Route path=routes::login() view=LoginPage/>
                    <Route path=routes::issues() view=IssuesPage/>
                    <Route path=routes::issue() view=IssuePage/>
                    <Route path=routes::projects() view=ProjectsPage/>
                    <Route path=routes::tokens() view=TokensPage/>
                    <Route path=routes::releases() view=ReleasesPage/>
                    <Route path=routes::release() view=ReleasePage/>
                    <Route path=routes::project_ownership() view=ProjectOwnershipPage/>
                    <Route path=routes::inbox() view=InboxPage/>
                    <Route path=routes::new_project() view=NewProjectPage/>
                    <Route path=routes::getting_started() view=GettingStartedPage/>
                </Routes>
            </main>
        </Router>
    }
}
