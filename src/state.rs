//! State shared by the whole app: who is logged in, and which organization is being looked at.
//!
//! Both live in one [`Session`] context provided by [`crate::App`], so the header (outside the
//! routes) and the pages (inside them) agree without passing props through the router.

use cairn_types::api::User;
use leptos::prelude::*;

use crate::api;

/// The browser session as the dashboard knows it. Cheap to copy: it only holds signal handles.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    /// The logged-in user; `None` when anonymous or not known yet.
    pub user: RwSignal<Option<User>>,
    /// Slug of the organization the current page belongs to, for the header's links.
    pub org: RwSignal<Option<String>>,
    /// Bumped when a project is created, so lists of projects kept outside the page (the
    /// header's switcher) load again.
    pub projects_version: RwSignal<u32>,
}

impl Session {
    /// Creates the session state and provides it as context to everything below the caller.
    pub fn provide() -> Self {
        let session = Session {
            user: RwSignal::new(None),
            org: RwSignal::new(None),
            projects_version: RwSignal::new(0),
        };
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

/// The [`Session`] provided by [`crate::App`], if any. Components that may be rendered on their own
/// (in tests) use this rather than `expect_context`.
pub fn use_session() -> Option<Session> {
    use_context::<Session>()
}
