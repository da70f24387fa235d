//! State shared by the whole app: who is logged in, and which organization is being looked at.
//!
//! Both live in one [`Session`] context provided by [`crate::App`], so the header (outside the
//! routes) and the pages (inside them) agree without passing props through the router.

use cairn_types::api::{Project, User};
use leptos::prelude::*;

use crate::api;

/// The browser session as the dashboard knows it. Cheap to copy: it only holds signal handles.
#[derive(Clone, Copy)]
pub struct Session {
    /// The logged-in user; `None` when anonymous or not known yet.
    pub user: RwSignal<Option<User>>,
    /// Slug of the organization the current page belongs to, for the header's links.
    pub org: RwSignal<Option<String>>,
    /// Bumped when a project is created, so [`Session::projects`] loads again.
    pub projects_version: RwSignal<u32>,
    /// The projects of [`Session::org`]: loaded once for the header's switcher and the pages'
    /// project pickers (a cold load of the issue list asked for them twice), and again when the
    /// organization or `projects_version` changes.
    pub projects: LocalResource<Vec<Project>>,
    /// Whose list [`Session::projects`] holds: set with it, `None` until the user and the
    /// organization are known. (A signal beside the resource rather than a resource of
    /// `(org, projects)`: each new resource type adds kilobytes of reactive code to the wasm.)
    pub projects_of: RwSignal<Option<String>>,
}

impl Session {
    /// Creates the session state and provides it as context to everything below the caller.
    pub fn provide() -> Self {
        let user: RwSignal<Option<User>> = RwSignal::new(None);
        let org: RwSignal<Option<String>> = RwSignal::new(None);
        let projects_version = RwSignal::new(0);
        let logged_in = Memo::new(move |_| user.with(Option::is_some));
        let projects_of: RwSignal<Option<String>> = RwSignal::new(None);
        let projects = LocalResource::new(move || {
            projects_version.track();
            let org = org.get().filter(|_| logged_in.get());
            async move {
                let Some(org) = org else {
                    projects_of.set(None);
                    return Vec::new();
                };
                let projects = api::projects(&org).await.unwrap_or_default();
                projects_of.set(Some(org));
                projects
            }
        });
        let session = Session { user, org, projects_version, projects, projects_of };
        provide_context(session);
        session
    }

    /// Asks the server who the session cookie belongs to, so a page opened directly (a bookmark,
    /// a reload) shows the logged-in header. Pages outside an organization (not found) still get
    /// the header's links: the organization defaults to the instance's default one. A failure
    /// leaves both unknown: the pages' own API calls report it (or send to the login page on 401).
    pub fn load_user(self) {
        leptos::task::spawn_local(async move {
            let Ok(index) = api::index().await else {
                return;
            };
            let logged_in = index.user.is_some();
            self.user.set(index.user);
            if logged_in && self.org.get_untracked().is_none() {
                if let Ok(status) = api::setup_status().await {
                    // A page with its own `:org` may have set one meanwhile: it wins.
                    self.org.update(|org| {
                        if org.is_none() {
                            *org = status.default_organization;
                        }
                    });
                }
            }
        });
    }

    /// Forgets the user, e.g. after logging out or when the server answered 401.
    pub fn clear(self) {
        self.user.set(None);
    }
}

/// The projects of `org` for a picker, read reactively: the session's list when it is `org`'s
/// (`None` while it loads), or, without a session (a component rendered on its own), a list of
/// its own. (A closure rather than a `Signal`: a signal of a new type adds kilobytes of
/// reactive code to the main wasm.)
pub fn use_projects(org: Memo<String>) -> impl Fn() -> Option<Vec<Project>> + Copy + 'static {
    let session = use_session();
    let own = session.is_none().then(|| {
        LocalResource::new(move || {
            let org = org.get();
            async move { api::projects(&org).await.unwrap_or_default() }
        })
    });
    move || match (session, own) {
        (Some(session), _) => {
            let theirs = session.projects_of.with(|of| org.with(|org| of.as_ref() == Some(org)));
            theirs.then(|| session.projects.get()).flatten()
        }
        (None, Some(own)) => own.get(),
        (None, None) => None,
    }
}

/// The [`Session`] provided by [`crate::App`], if any. Components that may be rendered on their own
/// (in tests) use this rather than `expect_context`.
pub fn use_session() -> Option<Session> {
    use_context::<Session>()
}
