//! `GET /api/0/organizations/{org}/issues/{id}/similar/` (and `/api/0/issues/{id}/similar/`):
//! Sentry's similar issues, `[[issue, scores], ...]`, the most alike first. The features and
//! their scores are [`crate::similarity`]'s.

use axum::extract::{Path, RawQuery, State};
use cairn_types::api::{SimilarIssue, SimilarityScores};

use super::issues::{add_viewer_state, issue_access};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::similarity::Features;
use crate::state::AppState;
use crate::store::{Store, StoreError};

/// Similar issues listed when the request does not say (Sentry's tab asks for 50).
const DEFAULT_LIMIT: usize = 50;
/// Most similar issues listed.
const MAX_LIMIT: usize = 100;
/// The project's issues compared, the most recently seen (Sentry's index keeps 5,000
/// candidates for 30 days; the stored features make comparing many cheap, making them for
/// the first time takes a read of each issue's latest event).
const CANDIDATES: i64 = 2000;

/// `GET /api/0/organizations/{org}/issues/{id}/similar/`.
pub async fn list_org_similar<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, issue_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<SimilarIssue>>> {
    list_similar(&state, &identity, Some(&org), &issue_id, raw.as_deref()).await
}

/// `GET /api/0/issues/{id}/similar/`.
pub async fn list_issue_similar<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(issue_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<SimilarIssue>>> {
    list_similar(&state, &identity, None, &issue_id, raw.as_deref()).await
}

async fn list_similar<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: Option<&str>,
    issue_id: &str,
    raw: Option<&str>,
) -> ApiResult<AppJson<Vec<SimilarIssue>>> {
    let limit = limit_of(raw)?;
    let (issue, organization) = issue_access(state, identity, org, issue_id, "event:read").await?;
    // The viewed issue's own features from its latest event as it is now.
    let Some(own) = latest_features(state, issue.id).await? else {
        return Ok(AppJson(Vec::new()));
    };
    let candidates =
        state.store.similarity_candidates(issue.project.id, issue.id, CANDIDATES).await?;
    let mut made = Vec::new();
    let mut scored: Vec<(i64, SimilarityScores, f64)> = Vec::new();
    for (id, stored) in candidates {
        let features = match stored.as_deref().and_then(Features::decode) {
            Some(features) => features,
            None => match latest_features(state, id).await? {
                Some(features) => {
                    made.push((id, features.encode()));
                    features
                }
                None => continue,
            },
        };
        let scores = own.compare(&features);
        if let Some(overall) = scores.overall().filter(|score| *score > 0.0) {
            scored.push((id, scores, overall));
        }
    }
    state.store.save_similarity_features(&made).await?;
    // The most alike first; the newer issue first among equals.
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.0.cmp(&a.0)));
    scored.truncate(limit);

    let mut issues = Vec::with_capacity(scored.len());
    let mut scores = Vec::with_capacity(scored.len());
    for (id, score, _) in scored {
        match state.store.issue(id).await {
            Ok((row, _)) => {
                issues.push(serialize::issue(&row, &organization, &state.config));
                scores.push(score);
            }
            // Merged or deleted meanwhile.
            Err(StoreError::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    add_viewer_state(state, identity.user.id, &mut issues).await?;
    Ok(AppJson(issues.into_iter().zip(scores).collect()))
}

/// The `limit` query parameter (1 to [`MAX_LIMIT`]); Sentry's others (`version`) are ignored.
fn limit_of(raw: Option<&str>) -> ApiResult<usize> {
    let mut limit = DEFAULT_LIMIT;
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if key == "limit" {
            limit = value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::BadRequest(format!("limit must be a number from 1 to {MAX_LIMIT}."))
                })?;
        }
    }
    Ok(limit)
}

/// The features of an issue's latest event; `None` when it has no event kept (retention).
async fn latest_features<S: Store>(
    state: &AppState<S>,
    issue_id: i64,
) -> ApiResult<Option<Features>> {
    let Some(event) = state.store.issue_events(issue_id, 0, 1).await?.into_iter().next() else {
        return Ok(None);
    };
    match serde_json::from_str::<serde_json::Value>(&event.data) {
        Ok(serde_json::Value::Object(event)) => Ok(Some(Features::of_event(&event))),
        // Cairn wrote it; a row it cannot read has no features rather than failing the list.
        _ => Ok(None),
    }
}
