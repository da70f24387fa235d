//! The bar at the top of every page: the Cairn name, the organization's sections and log out.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_location, use_navigate},
    NavigateOptions,
};

use crate::{
    api,
    routes::Page,
    state::{use_session, Session},
};

/// The app header. Links and the log-out button only appear once the user is known to be logged
/// in; the links need an organization, which the current page (or the home redirect) sets.
#[component]
pub fn Header() -> impl IntoView {
    let session = use_session().unwrap_or_else(Session::provide);
    let navigate = use_navigate();
    let logout = Action::new_local(|_: &()| api::logout());

    // Whatever the server says, a finished log-out request ends the session here too: an error
    // would mostly be "already logged out" (401), and staying "logged in" in the UI helps no one.
    Effect::new(move |_| {
        if logout.value().get().is_some() {
            session.clear();
            navigate(&Page::Login.path(), NavigateOptions::default());
        }
    });

    let logged_in = move || session.user.with(Option::is_some);
    let nav = move || {
        let org = session.org.get()?;
        logged_in().then(|| {
            view! {
                <nav class="app-nav">
                    <A href=Page::Issues { org: org.clone() }.path()>"Issues"</A>
                    <A href=Page::Releases { org: org.clone() }.path()>"Releases"</A>
                    <A href=Page::Performance { org: org.clone() }.path()>"Performance"</A>
                    <A href=Page::Crons { org: org.clone() }.path()>"Crons"</A>
                    <A href=Page::AlertRules { org: org.clone() }.path()>"Alerts"</A>
                    <A href=Page::Feedback { org: org.clone() }.path()>"User Feedback"</A>
                    <A href=Page::Projects { org: org.clone() }.path()>"Projects"</A>
                    <A href=Page::Members { org }.path()>"Members"</A>
                </nav>
            }
        })
    };
    let account = move || {
        let user = session.user.get()?;
        Some(view! {
            <div class="app-account">
                <super::NotificationBadge/>
                <A href=Page::Account.path() attr:class="app-user" attr:title=user.email>
                    {user.name}
                </A>
                <button
                    type="button"
                    class="button button-secondary logout"
                    disabled=move || logout.pending().get()
                    on:click=move |_| {
                        logout.dispatch(());
                    }
                >
                    "Log out"
                </button>
            </div>
        })
    };

    let switcher = switcher(session);

    view! {
        <header class="app-header">
            <a class="brand" href=Page::Home.path()>
                // A cairn: three stacked stones.
                <svg class="brand-mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                    <ellipse cx="12" cy="19" rx="9" ry="3.5"></ellipse>
                    <ellipse cx="12" cy="12.5" rx="6.5" ry="3"></ellipse>
                    <ellipse cx="12" cy="6.5" rx="4" ry="2.5"></ellipse>
                </svg>
                "Cairn"
            </a>
            {switcher}
            {nav}
            <span class="spacer"></span>
            {account}
        </header>
    }
}

/// The organization and project switcher, once logged in with an organization: its lists are
/// loaded here (the organizations once per user, the projects per organization and whenever
/// a project is created), and a choice navigates to the same kind of page.
fn switcher(session: Session) -> impl Fn() -> Option<AnyView> {
    use super::switcher::{current_project, switch_path, OrgProjectSwitcher, Switch};

    let location = use_location();
    let navigate = use_navigate();
    let logged_in = Memo::new(move |_| session.user.with(Option::is_some));
    let organizations = LocalResource::new(move || {
        let logged_in = logged_in.get();
        async move {
            match logged_in {
                true => api::organizations().await.unwrap_or_default(),
                false => Vec::new(),
            }
        }
    });
    let projects = Signal::derive(move || session.projects.get().unwrap_or_default());
    let organizations = Signal::derive(move || organizations.get().unwrap_or_default());
    let org = Signal::derive(move || session.org.get());
    let project = Signal::derive(move || {
        let (path, search) = (location.pathname.get(), location.search.get());
        projects.with(|projects| current_project(&path, &search, projects))
    });
    let on_switch = Callback::new(move |switch: Switch| {
        let Some(org) = session.org.get_untracked() else { return };
        let path = location.pathname.get_untracked();
        let search = location.search.get_untracked();
        navigate(&switch_path(&path, &search, &org, &switch), NavigateOptions::default());
    });
    move || {
        (logged_in.get() && session.org.with(Option::is_some)).then(|| {
            view! { <OrgProjectSwitcher organizations projects org project on_switch/> }.into_any()
        })
    }
}
