//! The pages other than the issue stream, in wasm modules of their own that the browser fetches
//! the first time one of their pages is visited.
//!
//! A cold load of the dashboard is almost always the issue stream (`/organizations/:org/issues/`)
//! of a user who is logged in, so the main wasm should carry only that page, the header and the
//! `/` redirect. With the `split` feature (set by `scripts/dashboard-wasm.sh`, the build), the
//! functions below that build the pages are `wasm_split` functions (what Leptos' `#[lazy]`
//! builds on): their code, and the code only they use, are cut out of the main wasm by
//! `wasm-split-cli` between cargo and wasm-bindgen, and loaded by `__wasm_split.js` when a
//! route of theirs is first matched. Without the
//! feature (`cargo test`, whose wasm-bindgen-test has no split step) the same functions are
//! plain `async fn`s, ready at once.
//!
//! Three modules: the issue page (the one opened most, from the stream or from a link), the
//! log-in, and all other pages together. Code that two of them share is in a chunk fetched with
//! either; code the stream also uses stays in the main wasm.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use crate::components::{ErrorState, Loading};

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `window.cairnStylesheet(name)` of index.html: adds the lazy stylesheet `name`
    /// (`style/lazy/{name}.css`) to the page once; the promise resolves when it has loaded or
    /// failed. Throws when there is no such script (the component tests).
    #[wasm_bindgen(catch, js_namespace = window, js_name = cairnStylesheet)]
    fn add_stylesheet(name: &str) -> Result<js_sys::Promise, wasm_bindgen::JsValue>;
}

/// The stylesheet of the pages in the issue page's and the other pages' modules
/// (`style/lazy/pages.css`): every rule that the stream, the header and the log-in do not use.
/// A cold load of the issue list does without it.
const PAGES_STYLESHEET: &str = "pages";

/// Renders a lazily loaded page: the `Loading` placeholder until its module and its
/// `stylesheet` (if any) have arrived, then the page, in the route's reactive owner as if it
/// had been built directly. A module that cannot be fetched (the server was updated and no
/// longer has this build's files, or the network failed) is an error state asking for a
/// reload, not a panic that stops the app; a stylesheet that cannot leaves the page unstyled.
fn load_page(
    page: impl Future<Output = Result<AnyView, SplitLoaderError>> + Send + 'static,
    stylesheet: Option<&'static str>,
) -> impl IntoView {
    // The browser's promise is not `Send`, which `Suspend` asks of the future; the app runs on
    // the browser's one thread, where the wrapper never moves.
    let page = send_wrapper::SendWrapper::new(async move {
        // Asked for before the module is awaited: both come at once.
        let styled = stylesheet.and_then(|name| add_stylesheet(name).ok());
        let page = page.await;
        if let Some(styled) = styled {
            let _ = wasm_bindgen_futures::JsFuture::from(styled).await;
        }
        match page {
            Ok(page) => page,
            Err(_) => view! {
                <ErrorState message="This page could not be loaded: Cairn may have been \
                                     updated since this tab opened it. Reload the page."/>
            }
            .into_any(),
        }
    });
    view! { <Suspense fallback=|| view! { <Loading/> }>{Suspend::new(page)}</Suspense> }
}

/// `route` is the `view` of a `<Route>`; `module` the lazily loaded function that builds `Page`
/// and names its wasm module (`split_<module>.wasm`); `preload`, if given, names a function
/// that fetches the module without building the page.
///
/// With `split`, `wasm_split` turns `module` into an `async fn` that first makes sure its
/// module is loaded (`fallible`: a failed fetch is an `Err`, retried on the next visit). It is
/// what Leptos' `#[lazy]` expands to, minus `#[lazy]`'s panic when the fetch fails.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $module:ident, $page:ident, $stylesheet:expr $(, preload = $preload:ident)?) => {
        #[cfg(feature = "split")]
        #[leptos::wasm_split::wasm_split(
            $module,
            wasm_split_path = ::leptos::wasm_split,
            fallible
            $(, preload($preload))?
        )]
        fn $module() -> Result<AnyView, SplitLoaderError> {
            Ok(view! { <crate::pages::$page/> }.into_any())
        }

        #[cfg(not(feature = "split"))]
        async fn $module() -> Result<AnyView, SplitLoaderError> {
            Ok(view! { <crate::pages::$page/> }.into_any())
        }

        $(
            /// Without `split` the page's code is always there: nothing to fetch.
            #[cfg(not(feature = "split"))]
            async fn $preload() -> Result<(), SplitLoaderError> {
                Ok(())
            }
        )?

        $(#[$doc])*
        pub fn $route() -> impl IntoView {
            load_page($module(), $stylesheet)
        }
    };
}

lazy_page!(
    /// One issue: its events, stack traces, breadcrumbs and activity (the largest page).
    issue, issue_page, IssuePage, Some(PAGES_STYLESHEET), preload = load_issue_page_module
);

/// Starts fetching the issue page's module, if it is not loaded yet, without waiting for it:
/// the issue stream calls it when the pointer or the focus reaches an issue, so that the
/// module is on its way before the click. A failure is shown by the visit, if one follows.
pub fn preload_issue_page() {
    static ASKED: AtomicBool = AtomicBool::new(false);
    preload_once(&ASKED, load_issue_page_module());
}

/// Runs `load`, the preload of a module, unless an earlier one (that `asked` records) is under
/// way or has succeeded: pointer events come by the dozen as the pointer crosses a list, one
/// fetch at a time is enough, and none once one has succeeded. A failed one may be tried again.
pub(crate) fn preload_once(
    asked: &'static AtomicBool,
    load: impl Future<Output = Result<(), SplitLoaderError>> + 'static,
) {
    if asked.swap(true, Ordering::Relaxed) {
        return;
    }
    leptos::task::spawn_local(async move {
        if load.await.is_err() {
            asked.store(false, Ordering::Relaxed);
        }
    });
}

lazy_page!(
    /// Logging in: a cold load of a logged-in user never needs it, and one of a logged-out user
    /// needs only it.
    login, login_page, LoginPage, None
);

/// The pages visited less often, built by one module between them: each split point of its own
/// would leave the code two of them share in chunks of its own, one per combination of users,
/// and a first visit of the issue page fetched and instantiated 43 such files.
#[derive(Clone, Copy)]
enum OtherPage {
    Setup,
    Projects,
    Tokens,
    Releases,
    Release,
    Ownership,
    ProjectSettings,
    Inbox,
    NotificationSettings,
    Account,
    NewProject,
    GettingStarted,
    Feedback,
    Members,
    Teams,
    AuditLog,
    AcceptInvite,
    SharedIssue,
    Stats,
    Crons,
    Monitor,
    AlertRules,
    MetricAlert,
    Trace,
    Performance,
}

fn build_other_page(page: OtherPage) -> AnyView {
    use crate::pages::*;
    match page {
        OtherPage::Setup => view! { <SetupPage/> }.into_any(),
        OtherPage::Projects => view! { <ProjectsPage/> }.into_any(),
        OtherPage::Tokens => view! { <TokensPage/> }.into_any(),
        OtherPage::Releases => view! { <ReleasesPage/> }.into_any(),
        OtherPage::Release => view! { <ReleasePage/> }.into_any(),
        OtherPage::Ownership => view! { <ProjectOwnershipPage/> }.into_any(),
        OtherPage::ProjectSettings => view! { <ProjectSettingsPage/> }.into_any(),
        OtherPage::Inbox => view! { <InboxPage/> }.into_any(),
        OtherPage::NotificationSettings => view! { <NotificationSettingsPage/> }.into_any(),
        OtherPage::Account => view! { <AccountPage/> }.into_any(),
        OtherPage::NewProject => view! { <NewProjectPage/> }.into_any(),
        OtherPage::GettingStarted => view! { <GettingStartedPage/> }.into_any(),
        OtherPage::Feedback => view! { <FeedbackPage/> }.into_any(),
        OtherPage::Members => view! { <MembersPage/> }.into_any(),
        OtherPage::Teams => view! { <TeamsPage/> }.into_any(),
        OtherPage::AuditLog => view! { <AuditLogPage/> }.into_any(),
        OtherPage::AcceptInvite => view! { <AcceptInvitePage/> }.into_any(),
        OtherPage::SharedIssue => view! { <SharedIssuePage/> }.into_any(),
        OtherPage::Stats => view! { <StatsPage/> }.into_any(),
        OtherPage::Crons => view! { <CronsPage/> }.into_any(),
        OtherPage::Monitor => view! { <MonitorPage/> }.into_any(),
        OtherPage::AlertRules => view! { <AlertRulesPage/> }.into_any(),
        OtherPage::MetricAlert => view! { <MetricAlertPage/> }.into_any(),
        OtherPage::Trace => view! { <TracePage/> }.into_any(),
        OtherPage::Performance => view! { <PerformancePage/> }.into_any(),
    }
}

#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(other_pages, wasm_split_path = ::leptos::wasm_split, fallible)]
fn other_page(page: OtherPage) -> Result<AnyView, SplitLoaderError> {
    Ok(build_other_page(page))
}

#[cfg(not(feature = "split"))]
async fn other_page(page: OtherPage) -> Result<AnyView, SplitLoaderError> {
    Ok(build_other_page(page))
}

/// `route` is the `view` of a `<Route>` whose page is in the `other_pages` module.
macro_rules! other_page {
    ($(#[$doc:meta])* $route:ident, $page:ident) => {
        $(#[$doc])*
        pub fn $route() -> impl IntoView {
            load_page(other_page(OtherPage::$page), Some(PAGES_STYLESHEET))
        }
    };
}

other_page!(
    /// First-run set-up of the first user and organization.
    setup, Setup
);
other_page!(
    /// The organization's projects.
    projects, Projects
);
other_page!(
    /// The user's API tokens.
    tokens, Tokens
);
other_page!(
    /// Releases with their health charts.
    releases, Releases
);
other_page!(
    /// One release.
    release, Release
);
other_page!(
    /// A project's ownership rules.
    project_ownership, Ownership
);
other_page!(
    /// A project's settings.
    project_settings, ProjectSettings
);
other_page!(
    /// The organization's usage stats.
    stats, Stats
);
other_page!(
    /// The organization's cron monitors.
    crons, Crons
);
other_page!(
    /// One cron monitor and its check-ins.
    monitor, Monitor
);
other_page!(
    /// A project's issue alert rules.
    alert_rules, AlertRules
);
other_page!(
    /// One metric alert rule and its incidents.
    metric_alert, MetricAlert
);
other_page!(
    /// A distributed trace's transactions and errors.
    trace, Trace
);
other_page!(
    /// The transactions by name.
    performance, Performance
);
other_page!(
    /// The user's notifications.
    inbox, Inbox
);
other_page!(
    /// Which notifications the user is emailed.
    notification_settings, NotificationSettings
);
other_page!(
    /// The user's account: name, password, sessions.
    account, Account
);
other_page!(
    /// Creating a project.
    new_project, NewProject
);
other_page!(
    /// A new project's DSN and set-up snippets.
    getting_started, GettingStarted
);
other_page!(
    /// A project's user feedback.
    feedback, Feedback
);
other_page!(
    /// The organization's members and invitations.
    members, Members
);
other_page!(
    /// The organization's teams and their members.
    teams, Teams
);
other_page!(
    /// The organization's audit log.
    audit_log, AuditLog
);
other_page!(
    /// An invitation link: joining an organization.
    accept_invite, AcceptInvite
);
other_page!(
    /// An issue shared by a public link, for anyone who has it.
    shared_issue, SharedIssue
);
