//! Every URL of the dashboard, in one place: the route patterns the router matches and the
//! [`Page`] values that links and redirects are built from.
//!
//! The URLs are Sentry's (`/organizations/{org}/issues/`, `/auth/login/`, ...), so that links
//! copied from Sentry habits, docs and SDK output keep working. Sentry writes them with a trailing
//! slash; the patterns leave it out because the router accepts the path with or without it.

use leptos_router::{path, PossibleRouteMatch};

/// Name of the organization slug parameter in [`issues`], [`issue`] and [`projects`].
pub const ORG_PARAM: &str = "org";
/// Name of the issue id parameter in [`issue`].
pub const ISSUE_PARAM: &str = "id";
/// Name of the project slug parameter in [`project_ownership`].
pub const PROJECT_PARAM: &str = "project";
/// Query parameter of [`Page::Issue`] naming the event shown: `latest`, `oldest` or an id.
pub const EVENT_QUERY: &str = "event";
/// Name of the release version parameter in [`release`] (percent-decoded by the router).
pub const VERSION_PARAM: &str = "version";
/// Name of the member id parameter in [`accept_invite`].
pub const MEMBER_PARAM: &str = "member";
/// Name of the invitation secret parameter in [`accept_invite`].
pub const TOKEN_PARAM: &str = "token";
/// Name of the link id parameter in [`shared_issue`].
pub const SHARE_PARAM: &str = "share_id";
/// Name of the monitor slug parameter in [`monitor`].
pub const MONITOR_PARAM: &str = "monitor";
/// Name of the metric alert rule id parameter in [`metric_alert`].
pub const ALERT_RULE_PARAM: &str = "rule_id";
/// Name of the trace id parameter in [`trace`].
pub const TRACE_PARAM: &str = "trace_id";

/// A page of the dashboard, as something to link or navigate to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `/`: decides where to go (set-up, login or the default organization's issues).
    Home,
    /// `/setup/`: first-run creation of the owner account.
    Setup,
    /// `/auth/login/`.
    Login,
    /// `/organizations/{org}/issues/`.
    Issues {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/issues/{id}/`: one issue with its latest event.
    Issue {
        /// Organization slug.
        org: String,
        /// Issue id.
        id: String,
    },
    /// `/organizations/{org}/issues/{id}/?event={event}`: one issue showing a given event
    /// (`latest`, `oldest` or an event id).
    IssueEvent {
        /// Organization slug.
        org: String,
        /// Issue id.
        id: String,
        /// The event.
        event: String,
    },
    /// `/organizations/{org}/projects/`.
    Projects {
        /// Organization slug.
        org: String,
    },
    /// `/settings/account/api/auth-tokens/`: the user's API tokens.
    Tokens,
    /// `/organizations/{org}/feedback/`: user feedback, a project at a time.
    Feedback {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/releases/`: releases with their health.
    Releases {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/releases/{version}/`: one release; the version is percent-encoded
    /// as one segment (`app@1.0+7` is `app%401.0%2B7`), as Sentry's links encode it.
    Release {
        /// Organization slug.
        org: String,
        /// The full version.
        version: String,
    },
    /// `/settings/{org}/projects/{project}/`: the project's settings (data scrubbing, grouping
    /// rules, rate limit).
    ProjectSettings {
        /// Organization slug.
        org: String,
        /// Project slug.
        project: String,
    },
    /// `/settings/{org}/projects/{project}/ownership/`: ownership rules and CODEOWNERS.
    ProjectOwnership {
        /// Organization slug.
        org: String,
        /// Project slug.
        project: String,
    },
    /// `/inbox/`: the user's notifications.
    Inbox,
    /// `/settings/account/details/`: the user's name, password and sessions.
    Account,
    /// `/settings/account/notifications/`: which notifications the user is emailed.
    NotificationSettings,
    /// `/organizations/{org}/projects/new/`: onboarding's first step, creating a project.
    NewProject {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/projects/{project}/getting-started/`: the DSN, the SDK set-up
    /// snippets, a test event, and waiting for the first event.
    GettingStarted {
        /// Organization slug.
        org: String,
        /// Project slug.
        project: String,
    },
    /// `/settings/{org}/members/`: the organization's members, and inviting more.
    Members {
        /// Organization slug.
        org: String,
    },
    /// `/settings/{org}/teams/`: the organization's teams and who is in each.
    Teams {
        /// Organization slug.
        org: String,
    },
    /// `/settings/{org}/audit-log/`: who changed what in the organization (Sentry's *Audit
    /// Log*).
    AuditLog {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/stats/`: the organization's usage stats.
    Stats {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/crons/`: the organization's cron monitors (Sentry's *Crons*).
    Crons {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/alerts/rules/`: a project's issue alert rules (Sentry's *Alerts*).
    AlertRules {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/alerts/rules/details/{id}/`: one metric alert rule and its
    /// incidents.
    MetricAlert {
        /// Organization slug.
        org: String,
        /// The rule's id.
        id: String,
    },
    /// `/organizations/{org}/performance/`: the transactions by name (Sentry's *Performance*).
    Performance {
        /// Organization slug.
        org: String,
    },
    /// `/organizations/{org}/performance/trace/{trace_id}/`: a distributed trace's
    /// transactions and errors (Sentry's trace view).
    Trace {
        /// Organization slug.
        org: String,
        /// The trace (32 hex digits).
        trace_id: String,
    },
    /// `/organizations/{org}/crons/{project}/{monitor}/`: one cron monitor and its check-ins.
    Monitor {
        /// Organization slug.
        org: String,
        /// Slug of the monitor's project.
        project: String,
        /// The monitor's slug.
        slug: String,
    },
    /// `/accept/{member}/{token}/`: an invitation link (the server's `inviteLink`).
    AcceptInvite {
        /// Member id of the invitation.
        member: String,
        /// The link's secret.
        token: String,
    },
    /// `/share/issue/{share_id}/`: an issue shared by a public link (Sentry's URL).
    SharedIssue {
        /// The link's id.
        share_id: String,
    },
}

impl Page {
    /// The absolute path of the page, with Sentry's trailing slash.
    pub fn path(&self) -> String {
        match self {
            Page::Home => "/".to_owned(),
            Page::Setup => "/setup/".to_owned(),
            Page::Login => "/auth/login/".to_owned(),
            Page::Issues { org } => format!("/organizations/{}/issues/", crate::api::segment(org)),
            Page::Issue { org, id } => format!(
                "/organizations/{}/issues/{}/",
                crate::api::segment(org),
                crate::api::segment(id)
            ),
            Page::IssueEvent { org, id, event } => format!(
                "{}?{EVENT_QUERY}={}",
                Page::Issue { org: org.clone(), id: id.clone() }.path(),
                crate::api::segment(event)
            ),
            Page::Projects { org } => {
                format!("/organizations/{}/projects/", crate::api::segment(org))
            }
            Page::Tokens => "/settings/account/api/auth-tokens/".to_owned(),
            Page::Feedback { org } => {
                format!("/organizations/{}/feedback/", crate::api::segment(org))
            }
            Page::Releases { org } => {
                format!("/organizations/{}/releases/", crate::api::segment(org))
            }
            Page::Release { org, version } => format!(
                "/organizations/{}/releases/{}/",
                crate::api::segment(org),
                crate::api::segment(version)
            ),
            Page::ProjectSettings { org, project } => format!(
                "/settings/{}/projects/{}/",
                crate::api::segment(org),
                crate::api::segment(project)
            ),
            Page::ProjectOwnership { org, project } => format!(
                "/settings/{}/projects/{}/ownership/",
                crate::api::segment(org),
                crate::api::segment(project)
            ),
            Page::Inbox => "/inbox/".to_owned(),
            Page::NotificationSettings => "/settings/account/notifications/".to_owned(),
            Page::Account => "/settings/account/details/".to_owned(),
            Page::NewProject { org } => {
                format!("/organizations/{}/projects/new/", crate::api::segment(org))
            }
            Page::GettingStarted { org, project } => format!(
                "/organizations/{}/projects/{}/getting-started/",
                crate::api::segment(org),
                crate::api::segment(project)
            ),
            Page::Members { org } => format!("/settings/{}/members/", crate::api::segment(org)),
            Page::Teams { org } => format!("/settings/{}/teams/", crate::api::segment(org)),
            Page::AuditLog { org } => format!("/settings/{}/audit-log/", crate::api::segment(org)),
            Page::Stats { org } => format!("/organizations/{}/stats/", crate::api::segment(org)),
            Page::Crons { org } => format!("/organizations/{}/crons/", crate::api::segment(org)),
            Page::AlertRules { org } => {
                format!("/organizations/{}/alerts/rules/", crate::api::segment(org))
            }
            Page::MetricAlert { org, id } => format!(
                "/organizations/{}/alerts/rules/details/{}/",
                crate::api::segment(org),
                crate::api::segment(id)
            ),
            Page::Performance { org } => {
                format!("/organizations/{}/performance/", crate::api::segment(org))
            }
            Page::Trace { org, trace_id } => format!(
                "/organizations/{}/performance/trace/{}/",
                crate::api::segment(org),
                crate::api::segment(trace_id)
            ),
            Page::Monitor { org, project, slug } => format!(
                "/organizations/{}/crons/{}/{}/",
                crate::api::segment(org),
                crate::api::segment(project),
                crate::api::segment(slug)
            ),
            Page::AcceptInvite { member, token } => {
                format!("/accept/{}/{}/", crate::api::segment(member), crate::api::segment(token))
            }
            Page::SharedIssue { share_id } => {
                format!("/share/issue/{}/", crate::api::segment(share_id))
            }
        }
    }
}

/// Route pattern of [`Page::Home`].
pub fn home() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/")
}

/// Route pattern of [`Page::Setup`].
pub fn setup() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/setup")
}

/// Route pattern of [`Page::Login`].
pub fn login() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/auth/login")
}

/// Route pattern of [`Page::Issues`]; the slug is the [`ORG_PARAM`] parameter.
pub fn issues() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/issues")
}

/// Route pattern of [`Page::Issue`]; parameters [`ORG_PARAM`] and [`ISSUE_PARAM`].
pub fn issue() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/issues/:id")
}

/// Route pattern of [`Page::Tokens`].
pub fn tokens() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/account/api/auth-tokens")
}

/// Route pattern of [`Page::Projects`]; the slug is the [`ORG_PARAM`] parameter.
pub fn projects() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/projects")
}

/// Route pattern of [`Page::Feedback`]; the slug is the [`ORG_PARAM`] parameter.
pub fn feedback() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/feedback")
}

/// Route pattern of [`Page::Releases`]; the slug is the [`ORG_PARAM`] parameter.
pub fn releases() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/releases")
}

/// Route pattern of [`Page::Release`]; parameters [`ORG_PARAM`] and [`VERSION_PARAM`].
pub fn release() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/releases/:version")
}

/// Route pattern of [`Page::ProjectSettings`]; parameters [`ORG_PARAM`] and [`PROJECT_PARAM`].
pub fn project_settings() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/:org/projects/:project")
}

/// Route pattern of [`Page::ProjectOwnership`]; parameters [`ORG_PARAM`] and
/// [`PROJECT_PARAM`].
pub fn project_ownership() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/:org/projects/:project/ownership")
}

/// Route pattern of [`Page::Stats`]; the slug is the [`ORG_PARAM`] parameter.
pub fn stats() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/stats")
}

/// Route pattern of [`Page::Crons`]; the slug is the [`ORG_PARAM`] parameter.
pub fn crons() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/crons")
}

/// Route pattern of [`Page::AlertRules`]; the slug is the [`ORG_PARAM`] parameter.
pub fn alert_rules() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/alerts/rules")
}

/// Route pattern of [`Page::MetricAlert`]; parameters [`ORG_PARAM`] and [`ALERT_RULE_PARAM`].
pub fn metric_alert() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/alerts/rules/details/:rule_id")
}

/// Route pattern of [`Page::Performance`]; the slug is the [`ORG_PARAM`] parameter.
pub fn performance() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/performance")
}

/// Route pattern of [`Page::Trace`]; parameters [`ORG_PARAM`] and [`TRACE_PARAM`].
pub fn trace() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/performance/trace/:trace_id")
}

/// Route pattern of [`Page::Monitor`]; parameters [`ORG_PARAM`], [`PROJECT_PARAM`] and
/// [`MONITOR_PARAM`].
pub fn monitor() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/crons/:project/:monitor")
}

/// Route pattern of [`Page::NotificationSettings`].
pub fn notification_settings() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/account/notifications")
}

/// Route pattern of [`Page::Account`].
pub fn account() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/account/details")
}

/// Route pattern of [`Page::Inbox`].
pub fn inbox() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/inbox")
}

/// Route pattern of [`Page::NewProject`]; the slug is the [`ORG_PARAM`] parameter.
pub fn new_project() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/projects/new")
}

/// Route pattern of [`Page::GettingStarted`]; parameters [`ORG_PARAM`] and [`PROJECT_PARAM`].
pub fn getting_started() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/organizations/:org/projects/:project/getting-started")
}

/// Route pattern of [`Page::Members`]; the slug is the [`ORG_PARAM`] parameter.
pub fn members() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/:org/members")
}

/// Route pattern of [`Page::Teams`]; the slug is the [`ORG_PARAM`] parameter.
pub fn teams() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/:org/teams")
}

/// Route pattern of [`Page::AuditLog`]; the slug is the [`ORG_PARAM`] parameter.
pub fn audit_log() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/settings/:org/audit-log")
}

/// Route pattern of [`Page::AcceptInvite`]; parameters [`MEMBER_PARAM`] and [`TOKEN_PARAM`].
pub fn accept_invite() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/accept/:member/:token")
}

/// Route pattern of [`Page::SharedIssue`]; the link id is the [`SHARE_PARAM`] parameter.
pub fn shared_issue() -> impl PossibleRouteMatch + Clone + Send + 'static {
    path!("/share/issue/:share_id")
}
