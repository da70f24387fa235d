//! An organization's tags, as Sentry's search bar asks for them: `GET
//! /api/0/organizations/{org}/tags/` (the keys) and `.../tags/{key}/values/` (a key's values,
//! filtered by `query`), over the issues of the organization's projects.

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{TagKey, TagValue};

use super::org_access;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::Store;

/// Values listed for one key (Sentry pages them by 1000; suggestions want far fewer).
const MAX_VALUES: i64 = 1_000;

/// `project` (repeatable, `-1` for all) and, for values, `query` (a substring) and
/// `per_page`.
#[derive(Debug, Default)]
struct TagParams {
    projects: Vec<i64>,
    query: String,
    limit: Option<i64>,
}

impl TagParams {
    fn parse(raw: Option<&str>) -> ApiResult<Self> {
        let mut params = TagParams::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "project" => match value.parse::<i64>() {
                    Ok(-1) => {}
                    Ok(id) => params.projects.push(id),
                    Err(_) => {
                        return Err(ApiError::BadRequest(format!(
                            "project: invalid project id {value:?}"
                        )))
                    }
                },
                "query" => params.query = value.into_owned(),
                "per_page" => {
                    let limit = value.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        ApiError::BadRequest(format!("per_page: invalid number {value:?}"))
                    })?;
                    params.limit = Some(limit.min(MAX_VALUES));
                }
                // Sentry's clients send these; the counts cover all time and environments.
                "statsPeriod" | "start" | "end" | "environment" | "useCache" | "sort" => {}
                other => {
                    return Err(ApiError::BadRequest(format!("unknown query parameter {other:?}")))
                }
            }
        }
        Ok(params)
    }
}

/// `GET /api/0/organizations/{org}/tags/`: the tag keys of the organization's issues, most
/// used first.
pub async fn list_org_tags<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<TagKey>>> {
    let params = TagParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let keys = state.store.organization_tag_keys(access.organization.id, &params.projects).await?;
    Ok(AppJson(
        keys.into_iter()
            .map(|(key, total_values)| TagKey { name: key.clone(), key, total_values })
            .collect(),
    ))
}

/// `GET /api/0/organizations/{org}/tags/{key}/values/`: the key's values containing `query`,
/// most frequent first.
pub async fn list_org_tag_values<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<TagValue>>> {
    let params = TagParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let rows = state
        .store
        .organization_tag_values(
            access.organization.id,
            &params.projects,
            &key,
            &params.query,
            params.limit.unwrap_or(MAX_VALUES),
        )
        .await?;
    Ok(AppJson(rows.iter().map(serialize::tag_value).collect()))
}
