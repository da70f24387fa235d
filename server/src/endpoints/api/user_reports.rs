//! User feedback (Sentry's `ProjectUserReportsEndpoint` and `GroupUserReportsEndpoint`): what
//! people who met an error wrote about it, from SDKs' `user_report` items and from `feedback`
//! items, in Sentry's `UserReport` shape, newest first.

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::header;
use cairn_types::api::{UserReport, UserReportEvent, UserReportIssue};
use serde::Deserialize;

use super::issues::issue_access;
use super::org_access;
use crate::auth::Identity;
use crate::endpoints::ingest::authorize_dsn;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::ingest::user_report;
use crate::serialize;
use crate::state::AppState;
use crate::store::{IngestBatch, NewItem, Store, StoreError, UserReportRow};
use crate::util::{ms_to_datetime, now_ms};

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

/// The body of Sentry's `POST .../user-feedback/`.
#[derive(Debug, Deserialize)]
pub struct NewUserReport {
    event_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    comments: String,
}

/// `POST /api/0/projects/{org}/{project}/user-feedback/` with `{event_id, name, email,
/// comments}` (Sentry's deprecated endpoint, for applications whose SDK has no feedback API):
/// kept as the event's user report once durable; answers it. Authenticated as the API is
/// (`project:write`), or, as Sentry allows, by the project's DSN (`Authorization: DSN <dsn>`),
/// so an application's backend can send what its users wrote without an API token.
pub async fn submit_user_report<S: Store>(
    State(state): State<AppState<S>>,
    Path((org, project)): Path<(String, String)>,
    request: Request,
) -> ApiResult<AppJson<UserReport>> {
    let (mut parts, body) = request.into_parts();
    let dsn = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("DSN "))
        .map(str::to_owned);
    let project = match dsn {
        Some(dsn) => {
            let key = authorize_dsn(&state, dsn.trim(), &parts.headers)
                .await
                .map_err(|err| ApiError::PermissionDenied(err.to_string()))?;
            let organization = state.store.organization_by_slug(&org).await?;
            let project = state.store.project_by_slug(organization.id, &project).await?;
            if project.id != key.key.project_id {
                return Err(ApiError::PermissionDenied("The DSN is another project's.".into()));
            }
            project
        }
        None => {
            let identity = Identity::from_request_parts(&mut parts, &state).await?;
            let access = org_access(&state, &identity, &org, "project:write").await?;
            state.store.project_by_slug(access.organization.id, &project).await?
        }
    };
    let AppJson(new) =
        AppJson::<NewUserReport>::from_request(Request::from_parts(parts, body), &state).await?;
    let report =
        user_report::UserReport::checked(&new.event_id, &new.name, &new.email, &new.comments)
            .map_err(|field| {
                let message = match field {
                    "event_id" => "Enter a valid event id (a UUID).",
                    "email" => "Enter a valid email address.",
                    _ => "This field is required, and not too long.",
                };
                ApiError::InvalidFields([(field.to_owned(), vec![message.to_owned()])].into())
            })?;
    let item = NewItem {
        project_id: project.id,
        event_id: Some(report.event_id.clone()),
        item_type: "user_report".to_owned(),
        headers: r#"{"type":"user_report"}"#.to_owned(),
        payload: report.payload().into(),
        received: now_ms(),
        sha1: None,
    };
    let batch = IngestBatch { items: vec![item], ..IngestBatch::default() };
    match state.store.store_batch(batch).await {
        Ok(_) => {}
        Err(StoreError::Overloaded) => {
            return Err(ApiError::TooManyRequests {
                detail: "Cairn is busy writing; try again in a moment.".into(),
                retry_after_secs: 1,
            })
        }
        Err(err) => return Err(err.into()),
    }
    let row = state.store.latest_user_report(project.id, &report.event_id).await?;
    Ok(AppJson(user_report(&row)))
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
