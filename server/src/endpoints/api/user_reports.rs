//! User feedback (Sentry's `ProjectUserReportsEndpoint` and `GroupUserReportsEndpoint`): what
//! people who met an error wrote about it, from SDKs' `user_report` items and from `feedback`
//! items, in Sentry's `UserReport` shape, newest first.

use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Path, RawQuery, Request, State};
use axum::http::header;
use axum::response::Response;
use cairn_types::api::{UserReport, UserReportEvent, UserReportIssue};
use serde::Deserialize;

use super::issues::issue_access;
use super::org_access;
use super::paging::PageParams;
use crate::auth::Identity;
use crate::endpoints::ingest::{authorize_dsn, user_report_window_open};
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::ingest::user_report;
use crate::serialize;
use crate::state::AppState;
use crate::store::{IngestBatch, NewItem, Store, StoreError, UserReportRow};
use crate::util::{ms_to_datetime, now_ms};

/// `GET /api/0/projects/{org}/{project}/user-feedback/`: the project's feedback, including
/// feedback sent on its own (about no event), which Sentry lists on its feedback page instead;
/// newest first, a page at a time (`cursor`, `per_page`, the `Link` header).
pub async fn list_project_user_reports<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let page = PageParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let rows =
        state.store.project_user_reports(project.id, page.offset, page.rows_to_read()).await?;
    Ok(reports_page(&state, rows, page, uri.path(), raw.as_deref()))
}

/// `GET /api/0/organizations/{org}/user-feedback/`: the feedback of every project of the
/// organization, or of those `project` names (ids, repeatable; `-1` for all), as Sentry's
/// organization feedback list; newest first, a page at a time.
pub async fn list_org_user_reports<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let page = PageParams::parse(raw.as_deref())?;
    let mut projects = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        if key == "project" && value != "-1" {
            let id = value.parse::<i64>().map_err(|_| {
                ApiError::BadRequest(format!("project: {value:?} is not a project id"))
            })?;
            projects.push(id);
        }
    }
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let rows = state
        .store
        .organization_user_reports(
            access.organization.id,
            &projects,
            page.offset,
            page.rows_to_read(),
        )
        .await?;
    Ok(reports_page(&state, rows, page, uri.path(), raw.as_deref()))
}

/// A page of reports read with one more than `per_page`, which tells whether another follows.
fn reports_page<S: Store>(
    state: &AppState<S>,
    mut rows: Vec<UserReportRow>,
    page: PageParams,
    path: &str,
    raw_query: Option<&str>,
) -> Response {
    let more = page.take_page(&mut rows);
    let reports: Vec<UserReport> = rows.iter().map(user_report).collect();
    page.response(state, reports, more, path, raw_query)
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
    let open = user_report_window_open(&state, project.id, &report.event_id).await?;
    if !open {
        return Err(ApiError::Conflict(user_report::CONFLICT.to_owned()));
    }
    let item = NewItem {
        project_id: project.id,
        event_id: Some(report.event_id.clone()),
        item_type: "user_report".to_owned(),
        headers: r#"{"type":"user_report"}"#.to_owned(),
        payload: report.payload().into(),
        received: now_ms(),
        sha1: None,
        trace: None,
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
    // The new report is durable: the earlier one about the event goes (one report per event).
    state.store.delete_earlier_user_reports(project.id, &report.event_id).await?;
    let row = state.store.latest_user_report(project.id, &report.event_id).await?;
    Ok(AppJson(user_report(&row)))
}

/// `GET /api/0/issues/{issue_id}/user-reports/`: the feedback on the issue's events.
pub async fn list_issue_user_reports<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    issue_reports(&state, &identity, None, &issue_id, uri.path(), raw.as_deref()).await
}

/// `GET /api/0/organizations/{org}/issues/{issue_id}/user-reports/`: the same, the issue
/// possibly named by its short id.
pub async fn list_org_issue_user_reports<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    issue_reports(&state, &identity, Some(&org), &issue_id, uri.path(), raw.as_deref()).await
}

async fn issue_reports<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: Option<&str>,
    issue_id: &str,
    path: &str,
    raw_query: Option<&str>,
) -> ApiResult<Response> {
    let page = PageParams::parse(raw_query)?;
    let (issue, _) = issue_access(state, identity, org, issue_id, "event:read").await?;
    let rows = state.store.issue_user_reports(issue.id, page.offset, page.rows_to_read()).await?;
    Ok(reports_page(state, rows, page, path, raw_query))
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
