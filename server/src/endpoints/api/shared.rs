//! Issues shared by a public link (Sentry's issue sharing): a member sets `isPublic` on an
//! issue ([`super::issues`]), and `GET /api/0/shared/issues/{share_id}/` answers anyone who has
//! the link, without a session or token.
//!
//! What the link shows is cut down as Sentry's shared serializers do, and a little further: the
//! issue's title, place, level and status, and its latest event's message, exceptions, stack
//! trace and threads. The user, tags, contexts, breadcrumbs, request, extra data, SDK,
//! processing errors and frames' local variables stay private: the person given the link sees
//! the error, not the people it happened to.

use axum::extract::{Path, State};
use cairn_types::api::{Event, SharedIssue, SharedOrganization, SharedProject};
use serde_json::{json, Value};

use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{EventSelector, Store, StoreError};
use crate::util::ms_to_datetime;

/// The entries of the latest event that a shared issue shows.
const SHARED_ENTRIES: [&str; 4] = ["message", "exception", "stacktrace", "threads"];

/// `GET /api/0/shared/issues/{share_id}/`: the issue shared by that link, for anyone. An
/// unknown link, one whose issue is no longer shared, and one of an organization that turned
/// sharing off are all `404`.
pub async fn get_shared_issue<S: Store>(
    State(state): State<AppState<S>>,
    Path(share_id): Path<String>,
) -> ApiResult<AppJson<SharedIssue>> {
    // Share ids are 32 hex digits: anything else is no link, without a query.
    if share_id.len() != 32 || !share_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound);
    }
    let (issue, organization) = match state.store.shared_issue(&share_id).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    };
    if !organization.allow_shared_issues {
        return Err(ApiError::NotFound);
    }
    let latest_event = match state.store.issue_event(issue.id, &EventSelector::Latest).await {
        Ok(stored) => Some(shared_event(serialize::event(&stored))),
        Err(StoreError::NotFound) => None,
        Err(err) => return Err(err.into()),
    };
    Ok(AppJson(SharedIssue {
        share_id,
        is_public: true,
        short_id: serialize::short_id(&issue.project.slug, issue.short_id),
        title: issue.title,
        culprit: issue.culprit,
        level: issue.level,
        status: issue.status,
        kind: issue.event_type,
        metadata: serde_json::from_str(&issue.metadata).unwrap_or_else(|_| json!({})),
        first_seen: ms_to_datetime(issue.first_seen),
        last_seen: ms_to_datetime(issue.last_seen),
        project: SharedProject {
            slug: issue.project.slug,
            name: issue.project.name,
            organization: SharedOrganization { slug: organization.slug, name: organization.name },
        },
        latest_event,
    }))
}

/// `event` without what a shared issue keeps private (see the module's documentation).
fn shared_event(mut event: Event) -> Event {
    event.entries.retain(|entry| {
        entry.get("type").and_then(Value::as_str).is_some_and(|kind| SHARED_ENTRIES.contains(&kind))
    });
    for entry in &mut event.entries {
        without_frame_variables(entry);
    }
    event.tags.clear();
    event.contexts = json!({});
    event.context = json!({});
    event.packages = None;
    event.user = None;
    event.sdk = None;
    event.errors.clear();
    event.fingerprints.clear();
    event.previous_event_id = None;
    event.next_event_id = None;
    event
}

/// Removes the `vars` of every frame under `value` (any object's `frames` list).
fn without_frame_variables(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(frames)) = object.get_mut("frames") {
                for frame in frames.iter_mut().filter_map(Value::as_object_mut) {
                    frame.remove("vars");
                }
            }
            for child in object.values_mut() {
                without_frame_variables(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_frame_variables),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_lose_their_variables_wherever_they_are() {
        let mut entry = json!({"type": "exception", "data": {"values": [{"stacktrace": {
            "frames": [{"function": "charge", "vars": {"card": "4242"}}]}}]}});
        without_frame_variables(&mut entry);
        assert_eq!(
            entry,
            json!({"type": "exception", "data": {"values": [{"stacktrace": {
                "frames": [{"function": "charge"}]}}]}})
        );
    }
}
