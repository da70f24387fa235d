//! The members and teams of an organization, as the assignee pickers and the search suggestions
//! offer them: fetched once per page, by the first picker or search that is opened.
//!
//! The issue stream shares one [`Directory`] between its hundred rows' pickers, the bulk picker
//! and the search bar. Only the lazily loaded tools ([`crate::lazy_tools`]) fetch and read it,
//! so the decoding of members and teams is not in the main wasm.

use cairn_types::api::{Member, Team};
use leptos::prelude::*;

use crate::{api, components::assignee_picker::AssigneeOption, state::use_session};

/// What was fetched for one organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgDirectory {
    /// The organization's slug.
    pub org: String,
    /// Members who have accepted their invitation, then teams.
    pub assignees: Vec<AssigneeOption>,
    /// Members' emails (the values of `assigned:` and the like).
    pub member_emails: Vec<String>,
    /// Team slugs (offered as `#slug`).
    pub team_slugs: Vec<String>,
}

impl OrgDirectory {
    /// The directory of `org` from its members and teams.
    pub fn new(org: String, members: &[Member], teams: &[Team]) -> Self {
        let users = members.iter().filter_map(|member| member.user.as_ref());
        let people = users.clone().map(|user| AssigneeOption {
            value: format!("user:{}", user.id),
            label: user.name.clone(),
            detail: user.email.clone(),
        });
        let team_options = teams.iter().map(|team| AssigneeOption {
            value: format!("team:{}", team.id),
            label: format!("#{}", team.slug),
            detail: "Team".to_owned(),
        });
        Self {
            org,
            assignees: people.chain(team_options).collect(),
            member_emails: users.map(|user| user.email.clone()).collect(),
            team_slugs: teams.iter().map(|team| team.slug.clone()).collect(),
        }
    }
}

/// The directory of the organization a page shows, shared by its pickers and search bar.
#[derive(Debug, Clone, Copy)]
pub struct Directory {
    /// Whose directory to fetch; empty when not known (nothing is fetched).
    org: Signal<String>,
    /// What was fetched, or is being fetched (an empty directory of the organization).
    loaded: RwSignal<Option<OrgDirectory>>,
}

impl Directory {
    /// The directory of `org`, fetched when first needed.
    pub fn new(org: Signal<String>) -> Self {
        Self { org, loaded: RwSignal::new(None) }
    }

    /// The directory of the organization of the session (the pages other than the stream).
    pub fn of_session() -> Self {
        let session = use_session();
        Self::new(Signal::derive(move || session.and_then(|s| s.org.get()).unwrap_or_default()))
    }

    /// A directory known already, never fetched (the component tests).
    pub fn prepared(directory: OrgDirectory) -> Self {
        let org = directory.org.clone();
        Self { org: Signal::stored(org), loaded: RwSignal::new(Some(directory)) }
    }

    /// Reads the directory (empty until fetched), tracking it.
    pub fn with<R>(&self, read: impl FnOnce(&OrgDirectory) -> R) -> R {
        self.loaded.with(|loaded| match loaded {
            Some(directory) => read(directory),
            None => read(&OrgDirectory::default()),
        })
    }

    /// Fetches the directory of the current organization unless it is there or on its way. A
    /// failed fetch leaves it empty: pickers can still unassign, and the page shows the API's
    /// errors elsewhere.
    pub fn ensure_loaded(&self) {
        let org = self.org.get_untracked();
        let current = self.loaded.with_untracked(|d| d.as_ref().is_some_and(|d| d.org == org));
        if org.is_empty() || current {
            return;
        }
        self.loaded.set(Some(OrgDirectory { org: org.clone(), ..OrgDirectory::default() }));
        let loaded = self.loaded;
        leptos::task::spawn_local(async move {
            let members = api::members(&org).await.unwrap_or_default();
            let teams = api::teams(&org).await.unwrap_or_default();
            // Unless the page moved to another organization meanwhile.
            if loaded.with_untracked(|d| d.as_ref().is_some_and(|d| d.org == org)) {
                loaded.set(Some(OrgDirectory::new(org, &members, &teams)));
            }
        });
    }
}
