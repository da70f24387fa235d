//! The REST API under `/api/0/`, with Sentry's paths, parameters and field names.
//!
//! Every handler takes an [`Identity`] (or checks a
//! [`MaybeIdentity`](crate::auth::MaybeIdentity)) and, for organization resources, goes through
//! [`org_access`] so that membership and scopes are checked in one place.

mod account;
mod artifacts;
mod attachments;
mod audit_log;
mod bulk;
mod code_mappings;
mod comments;
mod commits;
mod discover;
mod environments;
mod events;
mod events_stats;
pub use account::{validate_email, validate_password};
mod issues;
mod keys;
pub mod live;
mod members;
mod metric_alerts;
mod monitors;
mod notifications;
mod openapi;
mod org_tags;
mod organizations;
mod ownership;
mod paging;
mod releases;
mod rules;
mod searches;
mod service_hooks;
mod sessions;
mod shared;
mod similar;
mod stats;
mod tags;
mod teams;
mod tokens;
mod tombstones;
mod traces;
mod two_factor;
mod user_reports;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;

use crate::auth::Identity;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{OrganizationRow, Store, StoreError};

/// Routes of `/api/0/` (mounted by [`crate::app`]); paths are written without the trailing
/// slash because requests are normalized before routing.
#[rustfmt::skip]
pub fn router<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/api/0", get(account::index::<S>))
        .route("/api/0/openapi.json", get(openapi::openapi))
        .route("/api/0/setup", get(account::setup_status::<S>).post(account::setup::<S>))
        .route("/api/0/auth/login", post(account::login::<S>))
        .route("/api/0/auth", axum::routing::delete(account::logout::<S>))
        .route(
            "/api/0/users/{user_id}",
            get(account::get_account::<S>).put(account::update_account::<S>),
        )
        .route("/api/0/users/{user_id}/password", put(account::change_password::<S>))
        .route("/api/0/users/{user_id}/authenticators", get(two_factor::list_authenticators::<S>))
        .route(
            "/api/0/users/{user_id}/authenticators/{interface_id}/enroll",
            get(two_factor::enrollment::<S>).post(two_factor::enroll::<S>),
        )
        .route(
            "/api/0/users/{user_id}/authenticators/{interface_id}",
            axum::routing::delete(two_factor::remove::<S>),
        )
        .route("/api/0/api-tokens", get(tokens::list_tokens::<S>).post(tokens::create_token::<S>))
        .route("/api/0/api-tokens/{token_id}", axum::routing::delete(tokens::delete_token::<S>))
        .route("/api/0/organizations", get(organizations::list_organizations::<S>))
        .route(
            "/api/0/organizations/{org}",
            get(organizations::get_organization::<S>).put(organizations::update_organization::<S>),
        )
        .route("/api/0/organizations/{org}/teams", get(organizations::list_teams::<S>))
        .route("/api/0/organizations/{org}/projects", get(organizations::list_projects::<S>))
        .route(
            "/api/0/organizations/{org}/issues",
            get(issues::list_issues::<S>)
                .put(bulk::bulk_update::<S>)
                .delete(bulk::bulk_delete::<S>),
        )
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/hashes",
            get(bulk::list_org_hashes::<S>).delete(bulk::unmerge_org_hashes::<S>),
        )
        .route(
            "/api/0/issues/{issue_id}/hashes",
            get(bulk::list_issue_hashes::<S>).delete(bulk::unmerge_issue_hashes::<S>),
        )
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/similar",
            get(similar::list_org_similar::<S>),
        )
        .route("/api/0/issues/{issue_id}/similar", get(similar::list_issue_similar::<S>))
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/attachments",
            get(attachments::list_issue_attachments::<S>),
        )
        .route(
            "/api/0/issues/{issue_id}/attachments",
            get(attachments::list_issue_attachments::<S>),
        )
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/participants",
            get(issues::list_participants::<S>),
        )
        .route("/api/0/issues/{issue_id}/participants", get(issues::list_participants::<S>))
        .route(
            "/api/0/organizations/{org}/shortids/{short_id}",
            get(issues::lookup_short_id::<S>),
        )
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}",
            get(issues::get_org_issue::<S>)
                .put(issues::update_org_issue::<S>)
                .delete(issues::delete_org_issue::<S>),
        )
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/events",
            get(events::list_org_issue_events::<S>),
        )
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/events/{event}",
            get(events::get_org_issue_event::<S>),
        )
        .route("/api/0/issues/{issue_id}/events", get(events::list_issue_events::<S>))
        .route("/api/0/issues/{issue_id}/tags", get(tags::list_tags::<S>))
        .route("/api/0/issues/{issue_id}/tags/{key}", get(tags::get_tag::<S>))
        .route("/api/0/issues/{issue_id}/tags/{key}/values", get(tags::list_tag_values::<S>))
        .route("/api/0/organizations/{org}/issues/{issue_id}/tags", get(tags::list_tags::<S>))
        .route("/api/0/organizations/{org}/issues/{issue_id}/tags/{key}", get(tags::get_tag::<S>))
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/tags/{key}/values",
            get(tags::list_tag_values::<S>),
        )
        .route(
            "/api/0/issues/{issue_id}/comments",
            get(comments::list_comments::<S>).post(comments::add_comment::<S>),
        )
        .route(
            "/api/0/issues/{issue_id}/comments/{comment_id}",
            axum::routing::put(comments::update_comment::<S>)
                .delete(comments::delete_comment::<S>),
        )
        .route("/api/0/issues/{issue_id}/events/{event}", get(events::get_issue_event::<S>))
        .route("/api/0/projects/{org}/{project}/events", get(events::list_project_events::<S>))
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}",
            get(events::get_project_event::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/json",
            get(events::get_project_event_json::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/grouping-info",
            get(events::get_grouping_info::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/attachments",
            get(attachments::list_attachments::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/attachments/{attachment_id}",
            get(attachments::get_attachment::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/user-feedback",
            get(user_reports::list_project_user_reports::<S>)
                .post(user_reports::submit_user_report::<S>),
        )
        .route(
            "/api/0/organizations/{org}/user-feedback",
            get(user_reports::list_org_user_reports::<S>),
        )
        .route("/api/0/issues/{issue_id}/user-reports", get(user_reports::list_issue_user_reports::<S>))
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/user-reports",
            get(user_reports::list_org_issue_user_reports::<S>),
        )
        .route(
            "/api/0/issues/{issue_id}",
            get(issues::get_issue::<S>)
                .put(issues::update_issue::<S>)
                .delete(issues::delete_issue::<S>),
        )
        .route("/api/0/teams/{org}/{team}/projects", post(organizations::create_project::<S>))
        .route(
            "/api/0/projects/{org}/{project}",
            get(organizations::get_project::<S>)
                .put(organizations::update_project::<S>)
                .delete(organizations::delete_project::<S>),
        )
        .route("/api/0/projects/{org}/{project}/keys", get(organizations::list_keys::<S>))
        .route(
            "/api/0/projects/{org}/{project}/teams/{team}",
            post(organizations::add_project_team::<S>)
                .delete(organizations::remove_project_team::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/issues",
            get(issues::list_project_issues::<S>)
                .put(bulk::bulk_update_project::<S>)
                .delete(bulk::bulk_delete_project::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/keys/{key_id}",
            get(organizations::get_key::<S>).put(organizations::update_key::<S>),
        )
        // --- accounts: members, invitations, teams, keys (issue 5) ------------------------
        // Paths that exist above with other methods get the new methods merged in by axum.
        .route(
            "/api/0/organizations/{org}/members",
            get(members::list_members::<S>).post(members::invite_member::<S>),
        )
        .route(
            "/api/0/organizations/{org}/members/{member_id}",
            get(members::get_member::<S>)
                .put(members::update_member::<S>)
                .delete(members::delete_member::<S>),
        )
        .route("/api/0/shared/issues/{share_id}", get(shared::get_shared_issue::<S>))
        .route(
            "/api/0/accept-invite/{member_id}/{token}",
            get(members::invite_details::<S>).post(members::accept_invite::<S>),
        )
        .route("/api/0/organizations/{org}/teams", post(teams::create_team::<S>))
        .route(
            "/api/0/teams/{org}/{team}",
            get(teams::get_team::<S>).put(teams::update_team::<S>).delete(teams::delete_team::<S>),
        )
        .route("/api/0/teams/{org}/{team}/members", get(teams::list_team_members::<S>))
        .route("/api/0/teams/{org}/{team}/projects", get(teams::list_team_projects::<S>))
        .route(
            "/api/0/organizations/{org}/members/{member_id}/teams/{team}",
            post(teams::join_team::<S>).delete(teams::leave_team::<S>),
        )
        .route("/api/0/projects/{org}/{project}/keys", post(keys::create_key::<S>))
        .route(
            "/api/0/projects/{org}/{project}/keys/{key_id}",
            axum::routing::delete(keys::delete_key::<S>),
        )
        // --- release health (issue 7) ---------------------------------------------------
        // `{version}` is one percent-decoded segment: `app%401.0%2B7` is `app@1.0+7`.
        .route(
            "/api/0/organizations/{org}/releases",
            get(releases::list_releases::<S>).post(releases::create_release::<S>),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}",
            get(releases::get_release::<S>)
                .put(releases::update_release::<S>)
                .delete(releases::delete_release::<S>),
        )
        .route(
            "/api/0/organizations/{org}/issues-count",
            get(issues::count_issues_by_query::<S>),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/resolved",
            get(issues::list_resolved_in_release::<S>),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/deploys",
            get(releases::list_deploys::<S>).post(releases::create_deploy::<S>),
        )
        .route("/api/0/organizations/{org}/sessions", get(sessions::get_sessions::<S>))
        .route(
            "/api/0/organizations/{org}/events-stats",
            get(events_stats::get_events_stats::<S>),
        )
        // --- the issue stream's live updates (issue 6) ------------------------------------
        .route("/api/0/organizations/{org}/live", get(live::live_updates::<S>))
        .route("/api/0/organizations/{org}/tags", get(org_tags::list_org_tags::<S>))
        // --- distributed traces: the errors of a trace across the organization's projects ---
        .route(
            "/api/0/organizations/{org}/events-trace/{trace_id}",
            get(traces::get_trace::<S>),
        )
        .route(
            "/api/0/organizations/{org}/events-trace-light/{trace_id}",
            get(traces::get_trace_light::<S>),
        )
        .route(
            "/api/0/organizations/{org}/events-trace-meta/{trace_id}",
            get(traces::get_trace_meta::<S>),
        )
        .route("/api/0/organizations/{org}/events", get(discover::list_events::<S>))
        .route(
            "/api/0/organizations/{org}/tags/{key}/values",
            get(org_tags::list_org_tag_values::<S>),
        )
        // --- ownership (issue 8) --------------------------------------------------------
        .route(
            "/api/0/projects/{org}/{project}/ownership",
            get(ownership::get_ownership::<S>).put(ownership::update_ownership::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/codeowners",
            get(ownership::list_codeowners::<S>).post(ownership::create_codeowners::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/owners",
            get(ownership::event_owners::<S>),
        )
        // --- release commits, suspect commits, notifications (issues 7 and 8) -----------
        .route(
            "/api/0/organizations/{org}/repos",
            get(commits::list_repositories::<S>).post(code_mappings::create_repository::<S>),
        )
        .route(
            "/api/0/organizations/{org}/repos/{repo_id}",
            put(code_mappings::update_repository::<S>),
        )
        // --- environments: what events were sent with, hidden from pickers or not --------
        .route(
            "/api/0/organizations/{org}/environments",
            get(environments::list_organization_environments::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/environments",
            get(environments::list_project_environments::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/environments/{environment}",
            get(environments::get_project_environment::<S>)
                .put(environments::update_project_environment::<S>),
        )
        // --- code mappings: frames and commits linked to the code host -------------------
        .route(
            "/api/0/organizations/{org}/code-mappings",
            get(code_mappings::list_code_mappings::<S>)
                .post(code_mappings::create_code_mapping::<S>),
        )
        .route(
            "/api/0/organizations/{org}/code-mappings/bulk",
            post(code_mappings::bulk_code_mappings::<S>),
        )
        .route(
            "/api/0/organizations/{org}/code-mappings/{mapping_id}",
            get(code_mappings::get_code_mapping::<S>)
                .put(code_mappings::update_code_mapping::<S>)
                .delete(code_mappings::delete_code_mapping::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/stacktrace-link",
            get(code_mappings::stacktrace_link::<S>),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/commits",
            get(commits::list_release_commits::<S>),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/commitfiles",
            get(commits::list_release_commit_files::<S>),
        )
        .route(
            "/api/0/organizations/{org}/releases/{version}/previous-with-commits",
            get(commits::previous_release_with_commits::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/releases",
            get(releases::list_project_releases::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/releases/{version}/commits",
            get(commits::list_project_release_commits::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/committers",
            get(commits::event_committers::<S>),
        )
        .route(
            "/api/0/users/me/notifications",
            get(notifications::list_notifications::<S>)
                .put(notifications::mark_notifications::<S>),
        )
        .route(
            "/api/0/users/me/notifications/unread",
            get(notifications::unread_count::<S>),
        )
        .route(
            "/api/0/users/me/notification-options",
            get(notifications::list_notification_options::<S>)
                .put(notifications::set_notification_option::<S>),
        )
        // --- issue alert rules -----------------------------------------------------------
        .route(
            "/api/0/projects/{org}/{project}/rules",
            get(rules::list_rules::<S>).post(rules::create_rule::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/rules/{rule_id}",
            get(rules::get_rule::<S>).put(rules::update_rule::<S>).delete(rules::delete_rule::<S>),
        )
        // --- metric alert rules and incidents ---------------------------------------------
        .route(
            "/api/0/organizations/{org}/alert-rules",
            get(metric_alerts::list_metric_alert_rules::<S>)
                .post(metric_alerts::create_metric_alert_rule::<S>),
        )
        .route(
            "/api/0/organizations/{org}/alert-rules/{alert_rule_id}",
            get(metric_alerts::get_metric_alert_rule::<S>)
                .put(metric_alerts::update_metric_alert_rule::<S>)
                .delete(metric_alerts::delete_metric_alert_rule::<S>),
        )
        .route("/api/0/organizations/{org}/incidents", get(metric_alerts::list_incidents::<S>))
        .route(
            "/api/0/organizations/{org}/incidents/{incident}",
            get(metric_alerts::get_incident::<S>),
        )
        .route(
            "/api/0/organizations/{org}/incidents/{incident}/activity",
            get(metric_alerts::list_incident_activity::<S>),
        )
        // --- service hooks ---------------------------------------------------------------
        .route(
            "/api/0/projects/{org}/{project}/hooks",
            get(service_hooks::list_hooks::<S>).post(service_hooks::create_hook::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/hooks/{hook_id}",
            get(service_hooks::get_hook::<S>)
                .put(service_hooks::update_hook::<S>)
                .delete(service_hooks::delete_hook::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/hooks/{hook_id}/deliveries",
            get(service_hooks::list_deliveries::<S>),
        )
        // --- cron monitors (Sentry's Crons) --------------------------------------------
        .route(
            "/api/0/organizations/{org}/monitors",
            get(monitors::list_monitors::<S>).post(monitors::create_monitor::<S>),
        )
        .route(
            "/api/0/organizations/{org}/monitors/{monitor}",
            get(monitors::get_org_monitor::<S>)
                .put(monitors::update_org_monitor::<S>)
                .delete(monitors::delete_org_monitor::<S>),
        )
        .route(
            "/api/0/organizations/{org}/monitors/{monitor}/checkins",
            get(monitors::list_org_check_ins::<S>),
        )
        .route(
            "/api/0/organizations/{org}/monitors/{monitor}/environments/{environment}",
            put(monitors::update_org_monitor_environment::<S>)
                .delete(monitors::delete_org_monitor_environment::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/monitors/{monitor}/environments/{environment}",
            put(monitors::update_project_monitor_environment::<S>)
                .delete(monitors::delete_project_monitor_environment::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/monitors/{monitor}",
            get(monitors::get_project_monitor::<S>)
                .put(monitors::update_project_monitor::<S>)
                .delete(monitors::delete_project_monitor::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/monitors/{monitor}/checkins",
            get(monitors::list_project_check_ins::<S>),
        )
        .route("/api/0/organizations/{org}/stats_v2", get(stats::usage_stats::<S>))
        .route("/api/0/organizations/{org}/audit-logs", get(audit_log::list_audit_log::<S>))
        .route(
            "/api/0/organizations/{org}/searches",
            get(searches::list_searches::<S>).post(searches::create_search::<S>),
        )
        .route(
            "/api/0/organizations/{org}/recent-searches",
            get(searches::list_recent_searches::<S>).post(searches::record_recent_search::<S>),
        )
        .route(
            "/api/0/organizations/{org}/searches/{search_id}",
            put(searches::update_search::<S>).delete(searches::delete_search::<S>),
        )
        .route("/api/0/projects/{org}/{project}/tombstones", get(tombstones::list_tombstones::<S>))
        .route(
            "/api/0/projects/{org}/{project}/tombstones/{tombstone_id}",
            axum::routing::delete(tombstones::delete_tombstone::<S>),
        )
        .route("/api/0/projects/{org}/{project}/filters", get(organizations::list_filters::<S>))
        .route(
            "/api/0/projects/{org}/{project}/filters/{filter_id}",
            axum::routing::put(organizations::update_filter::<S>),
        )
        .route(
            "/api/0/organizations/{org}/chunk-upload",
            get(artifacts::chunk_upload_options::<S>)
                .post(artifacts::upload_chunks::<S>)
                // A request of chunks, with room for the multipart framing.
                .layer(DefaultBodyLimit::max(artifacts::MAX_REQUEST_SIZE + (1 << 20))),
        )
        .route(
            "/api/0/organizations/{org}/artifactbundle/assemble",
            post(artifacts::assemble_artifact_bundle::<S>),
        )
        .route(
            "/api/0/projects/{org}/{project}/files/artifact-bundles",
            get(artifacts::list_artifact_bundles::<S>)
                .delete(artifacts::delete_artifact_bundle::<S>),
        )
}

/// JSON 404 for any other path under `/api/`, so API clients never receive the dashboard's HTML.
pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// The caller's access to an organization: the organization and the caller's role in it.
#[derive(Debug, Clone)]
pub struct OrgAccess {
    /// The organization.
    pub organization: OrganizationRow,
    /// The caller's role (`owner`, `manager`, `admin`, `member`).
    pub role: String,
}

/// What a member without two-factor authentication is told by an organization that requires
/// it.
pub const TWO_FACTOR_REQUIRED_BY_ORG: &str = "This organization requires two-factor \
    authentication: set it up on your account page (/settings/account/details/).";

/// Checks that the caller may use `scope` in the organization `slug`. Unknown organizations are
/// 404; organizations the caller is not a member of are 403 (as Sentry answers), and so is a
/// token without the scope. Superusers act as owners everywhere. In an organization that
/// requires two-factor authentication, a caller without it is 403 too, whatever the role.
pub async fn org_access<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    slug: &str,
    scope: &str,
) -> ApiResult<OrgAccess> {
    org_access_any(state, identity, slug, &[scope]).await
}

/// Like [`org_access`] for routes that any one of `scopes` opens, as Sentry's scope maps do
/// (e.g. inviting takes `member:write` or `member:admin`, neither needing `member:read`).
pub async fn org_access_any<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    slug: &str,
    scopes: &[&str],
) -> ApiResult<OrgAccess> {
    let organization = state.store.organization_by_slug(slug).await?;
    let role = match state.store.member_role(organization.id, identity.user.id).await {
        Ok(role) => role,
        Err(StoreError::NotFound) if identity.user.is_superuser => "owner".to_owned(),
        Err(StoreError::NotFound) => return Err(ApiError::Forbidden),
        Err(err) => return Err(err.into()),
    };
    if !scopes.iter().any(|scope| identity.has_scope(&role, scope)) {
        return Err(ApiError::Forbidden);
    }
    if organization.require_2fa {
        match state.store.authenticator(identity.user.id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                return Err(ApiError::PermissionDenied(TWO_FACTOR_REQUIRED_BY_ORG.into()))
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(OrgAccess { organization, role })
}

/// The caller's access and the organization's project `project`, for any of `scopes`.
pub async fn project_access<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    project: &str,
    scopes: &[&str],
) -> ApiResult<(OrgAccess, crate::store::ProjectRow)> {
    let access = org_access_any(state, identity, org, scopes).await?;
    let project = state.store.project_by_slug(access.organization.id, project).await?;
    Ok((access, project))
}

/// A project of the organization named by its slug, or by its id (a number or a string).
pub async fn project_by_slug_or_id<S: Store>(
    state: &AppState<S>,
    organization_id: i64,
    project: &serde_json::Value,
) -> ApiResult<crate::store::ProjectRow> {
    let text = match project {
        serde_json::Value::String(text) => text.trim().to_owned(),
        serde_json::Value::Number(number) => number.to_string(),
        _ => return Err(ApiError::BadRequest("project: a project's id or slug".into())),
    };
    match state.store.project_by_slug(organization_id, &text).await {
        Err(StoreError::NotFound) => {
            let id: i64 = text.parse().map_err(|_| ApiError::NotFound)?;
            let projects = state.store.projects(organization_id).await?;
            projects.into_iter().find(|p| p.id == id).ok_or(ApiError::NotFound)
        }
        found => Ok(found?),
    }
}

/// `201 Created` with a JSON body.
pub type Created<T> = (StatusCode, crate::endpoints::AppJson<T>);
