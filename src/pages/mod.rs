//! One module per route (and `code_mappings`, a section of the project settings page large
//! enough for a module of its own). Each page fetches its data through [`crate::api`] and hands
//! it to a presentational component, which is what the browser tests mount.

pub mod accept;
pub mod account;
pub mod alert_rules;
pub mod audit_log;
pub mod code_mappings;
pub mod crons;
pub mod feedback;
pub mod home;
pub mod inbox;
pub mod issue;
pub mod issues;
pub mod login;
pub mod members;
pub mod metric_alerts;
pub mod monitor;
pub mod not_found;
pub mod onboarding;
pub mod ownership;
pub mod performance;
pub mod project_settings;
pub mod projects;
pub mod release;
pub mod releases;
pub mod setup;
pub mod shared_issue;
pub mod stats;
pub mod tokens;
pub mod trace;

pub use accept::AcceptInvitePage;
pub use account::AccountPage;
pub use alert_rules::AlertRulesPage;
pub use audit_log::AuditLogPage;
pub use crons::CronsPage;
pub use feedback::FeedbackPage;
pub use home::HomePage;
pub use inbox::{InboxPage, NotificationSettingsPage};
pub use issue::IssuePage;
pub use issues::IssuesPage;
pub use login::LoginPage;
pub use members::{MembersPage, TeamsPage};
pub use metric_alerts::MetricAlertPage;
pub use monitor::MonitorPage;
pub use not_found::NotFoundPage;
pub use onboarding::{GettingStartedPage, NewProjectPage};
pub use ownership::ProjectOwnershipPage;
pub use performance::PerformancePage;
pub use project_settings::ProjectSettingsPage;
pub use projects::ProjectsPage;
pub use release::ReleasePage;
pub use releases::ReleasesPage;
pub use setup::SetupPage;
pub use shared_issue::SharedIssuePage;
pub use stats::StatsPage;
pub use tokens::TokensPage;
pub use trace::TracePage;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{routes::ORG_PARAM, state::use_session};

/// The `:org` parameter of the current route, kept in the session so the header links to the
/// organization being looked at.
fn use_org_param() -> Memo<String> {
    let params = use_params_map();
    let org = Memo::new(move |_| params.read().get(ORG_PARAM).unwrap_or_default());
    if let Some(session) = use_session() {
        Effect::new(move |_| session.org.set(Some(org.get())));
    }
    org
}

/// The `<option>`s of a page's project picker (the feedback and stats pages): "All projects"
/// (value ``) and each of `projects` by slug, `current` selected.
pub(crate) fn project_options(
    projects: Vec<cairn_types::api::Project>,
    current: &str,
) -> impl IntoView {
    let options = projects
        .into_iter()
        .map(|p| {
            let selected = current == p.slug;
            view! { <option value=p.slug selected=selected>{p.name}</option> }
        })
        .collect_view();
    view! {
        <option value="" selected=current.is_empty()>
            "All projects"
        </option>
        {options}
    }
}
