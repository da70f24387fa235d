//! The issue list.

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::Issue;

use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{IssueQuery, Store};

/// Query parameters of the issue list (a first subset of Sentry's).
#[derive(Debug, Default)]
struct ListIssuesParams {
    /// Sentry search syntax; for now `is:unresolved|resolved|ignored` and free text.
    query: Option<String>,
    /// Numeric project ids to restrict to (`project` may repeat).
    project: Vec<String>,
    /// Most issues to return (default 25, at most 100).
    limit: Option<i64>,
}

impl ListIssuesParams {
    fn parse(raw: Option<&str>) -> ApiResult<Self> {
        let mut params = ListIssuesParams::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "query" => params.query = Some(value.into_owned()),
                "project" => params.project.push(value.into_owned()),
                "limit" => {
                    params.limit = Some(value.parse().map_err(|_| {
                        ApiError::BadRequest(format!("limit: invalid number {value:?}"))
                    })?)
                }
                // Accepted for compatibility with Sentry's clients; they arrive with the full
                // search (time ranges, stats, sorting, pagination).
                "statsPeriod" | "groupStatsPeriod" | "start" | "end" | "sort" | "cursor"
                | "environment" | "shortIdLookup" | "collapse" | "expand" => {}
                other => {
                    return Err(ApiError::BadRequest(format!("unknown query parameter {other:?}")))
                }
            }
        }
        Ok(params)
    }
}

/// `GET /api/0/organizations/{org}/issues/`: issues of the organization's projects, most
/// recently seen first.
pub async fn list_issues<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<Issue>>> {
    let params = ListIssuesParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let mut query = IssueQuery {
        organization_id: access.organization.id,
        limit: params.limit.unwrap_or(25).clamp(1, 100),
        ..IssueQuery::default()
    };
    for id in &params.project {
        // Sentry sends `project=-1` for "all projects".
        match id.parse::<i64>() {
            Ok(-1) => {}
            Ok(id) => query.project_ids.push(id),
            Err(_) => {
                return Err(ApiError::BadRequest(format!("project: invalid project id {id:?}")))
            }
        }
    }
    let mut text = Vec::new();
    for term in params.query.as_deref().unwrap_or("is:unresolved").split_whitespace() {
        match term.split_once(':') {
            Some(("is", status @ ("unresolved" | "resolved" | "ignored"))) => {
                query.status = Some(status.to_owned())
            }
            Some(("is", other)) => {
                return Err(ApiError::BadRequest(format!("query: unsupported status is:{other}")))
            }
            _ => text.push(term),
        }
    }
    if !text.is_empty() {
        query.text = Some(text.join(" "));
    }
    let issues = state.store.list_issues(&query).await?;
    Ok(AppJson(
        issues
            .iter()
            .map(|row| serialize::issue(row, &access.organization, &state.config))
            .collect(),
    ))
}
