//! Cairn's dashboard: a Leptos single-page app (client-side rendered, compiled to WebAssembly and
//! built with Trunk) over the server's Sentry-compatible REST API.
//!
//! - [`api`]: the typed HTTP client, the only place that talks to the server;
//! - [`routes`]: every URL; [`pages`]: one component per route; [`components`]: reusable UI;
//! - [`lazy_pages`]: the routes whose page is a wasm module of its own, loaded when visited;
//!   [`lazy_tools`]: the issue stream's menus and suggestions, loaded when first opened;
//! - [`state`]: the session shared by the header and the pages;
//! - [`interned`]: the strings passed to the DOM most, made JS strings once at start-up.
//!
//! It is a library as well as a binary so that `tests/web.rs` can mount its components.

pub mod api;
pub mod components;
pub mod interned;
pub mod lazy_pages;
pub mod lazy_tools;
pub mod live;
pub mod org_directory;
pub mod pages;
pub mod routes;
pub mod search_suggest;
pub mod state;
pub mod stream_query;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};

use crate::{
    components::Header,
    pages::{HomePage, IssuesPage, NotFoundPage},
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
                    <Route path=routes::setup() view=lazy_pages::setup/>
                    <Route path=routes::login() view=lazy_pages::login/>
                    <Route path=routes::issues() view=IssuesPage/>
                    <Route path=routes::issue() view=lazy_pages::issue/>
                    <Route path=routes::projects() view=lazy_pages::projects/>
                    <Route path=routes::tokens() view=lazy_pages::tokens/>
                    <Route path=routes::account() view=lazy_pages::account/>
                    <Route path=routes::releases() view=lazy_pages::releases/>
                    <Route path=routes::feedback() view=lazy_pages::feedback/>
                    <Route path=routes::stats() view=lazy_pages::stats/>
                    <Route path=routes::crons() view=lazy_pages::crons/>
                    <Route path=routes::alert_rules() view=lazy_pages::alert_rules/>
                    <Route path=routes::metric_alert() view=lazy_pages::metric_alert/>
                    <Route path=routes::monitor() view=lazy_pages::monitor/>
                    <Route path=routes::trace() view=lazy_pages::trace/>
                    <Route path=routes::performance() view=lazy_pages::performance/>
                    <Route path=routes::release() view=lazy_pages::release/>
                    <Route path=routes::project_settings() view=lazy_pages::project_settings/>
                    <Route path=routes::project_ownership() view=lazy_pages::project_ownership/>
                    <Route path=routes::inbox() view=lazy_pages::inbox/>
                    <Route
                        path=routes::notification_settings()
                        view=lazy_pages::notification_settings
                    />
                    <Route path=routes::new_project() view=lazy_pages::new_project/>
                    <Route path=routes::getting_started() view=lazy_pages::getting_started/>
                    <Route path=routes::members() view=lazy_pages::members/>
                    <Route path=routes::teams() view=lazy_pages::teams/>
                    <Route path=routes::audit_log() view=lazy_pages::audit_log/>
                    <Route path=routes::accept_invite() view=lazy_pages::accept_invite/>
                    <Route path=routes::shared_issue() view=lazy_pages::shared_issue/>
                </Routes>
            </main>
        </Router>
    }
}
