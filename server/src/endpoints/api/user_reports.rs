//! User feedback (Sentry's `ProjectUserReportsEndpoint` and `GroupUserReportsEndpoint`): what
//! people who met an error wrote about it, from SDKs' `user_report` items and from `feedback`
//! items, in Sentry's `UserReport` shape, newest first.

use axum::extract::{Path, State};
use cairn_types::api::{UserReport, UserReportEvent, UserReportIssue};

use super::issues::issue_access;
use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::ApiResult;
use crate::serialize;
use crate::state::AppState;
use crate::store::{Store, UserReportRow};
use crate::util::ms_to_datetime;

/// The most reports answered (Sentry pages them by 100 as well; Cairn has no cursor here yet).
const MAX_REPORTS: i64 = 100;

/// `GET /api/0/projects/{org}/{project}/user-feedback/`: the project's feedback, including
/// feedback sent on its own (about no event), which Sentry lists on its feedback page instead.
pub async fn list_project_user_reports<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<UserReport>>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let rows = state.store.project_user_reports(project.id, MAX_REPORTS).await?;
    Ok(AppJson(rows.iter().map(user_report).collect()))
}

/// `GET /api/0/issues/{issue_id}/user-reports/`: the feedback on the issue's events.
pub async fn list_issue_user_reports<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
) -> ApiResult<AppJson<Vec<UserReport>>> {
    issue_reports(&state, &identity, None, &issue_id).await
}

/// `GET /api/0/organizations/{org}/issues/{issue_id}/user-reports/`: the same, the issue
/// possibly named by its short id.
pub async fn list_org_issue_user_reports<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<UserReport>>> {
    issue_reports(&state, &identity, Some(&org), &issue_id).await
}

async fn issue_reports<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: Option<&str>,
    issue_id: &str,
) -> ApiResult<AppJson<Vec<UserReport>>> {
    let (issue, _) = issue_access(state, identity, org, issue_id, "event:read").await?;
    let rows = state.store.issue_user_reports(issue.id, MAX_REPORTS).await?;
    Ok(AppJson(rows.iter().map(user_report).collect()))
}

fn user_report(row: &UserReportRow) -> UserReport {
    UserReport {
        id: row.id.to_string(),
        event_id: row.event_id.clone(),
        name: row.name.clone(),
        email: row.email.clone(),
        comments: row.comments.clone(),
        date_created: ms_to_datetime(row.received),
        event: UserReportEvent { event_id: row.event_id.clone(), id: None },
        issue: row.issue.as_ref().map(|issue| UserReportIssue {
            id: issue.id.to_string(),
            short_id: serialize::short_id(&issue.project_slug, issue.short_id),
            title: issue.title.clone(),
        }),
        user: None,
    }
}
