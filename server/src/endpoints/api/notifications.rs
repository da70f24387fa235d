//! The in-app inbox: notifications of activity on issues the caller takes part in (assigned,
//! subscribed: made by [`crate::store::sqlite::notify_participants`]) and of new issues the caller owns or whose
//! project's team they are in (`new_issue`, Sentry's default issue alert), newest first, a page
//! at a time; marking them read. And the user's notification options (Sentry's
//! `notification-options`): whether the emails of issue alerts and of workflow are sent.

use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use cairn_types::api::{
    Activity, MarkNotificationsRequest, Notification, NotificationOption, UnreadCount,
    UpdateNotificationOptionRequest,
};

use super::paging::{keyset_cursor, keyset_link, keyset_per_page};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{NotificationOptionRow, Store, StoreError};
use crate::util::ms_to_datetime;

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// `cursor` (Sentry's `value:offset:is_prev` shape, holding the id the next page starts below)
/// and `per_page` (25, at most 100).
fn page_params(raw: Option<&str>) -> ApiResult<(Option<i64>, i64)> {
    let (mut before, mut per_page) = (None, 25);
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "cursor" if value.is_empty() => {}
            "cursor" => before = Some(keyset_cursor(&value)?),
            "per_page" | "limit" => per_page = keyset_per_page(&key, &value)?,
            other => return Err(bad(format!("Unknown query parameter: {other:?}"))),
        }
    }
    Ok((before, per_page))
}

/// `GET /api/0/users/me/notifications/`: the caller's notifications, newest first, with the
/// issue and the activity; `Link` header for the next page.
pub async fn list_notifications<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let (before, per_page) = page_params(raw.as_deref())?;
    let user_id = identity.user.id;
    // One more than the page: whether a next page exists.
    let mut rows = state.store.notifications(user_id, before, per_page + 1).await?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    let mut out = Vec::with_capacity(rows.len());
    // Whether the user may see issues of organizations that require two-factor
    // authentication (read once, if one of them comes up).
    let mut has_two_factor: Option<bool> = None;
    for row in &rows {
        let (issue, organization) = match state.store.issue(row.issue_id).await {
            Ok(found) => found,
            // Deleted meanwhile (its notifications go with it).
            Err(StoreError::NotFound) => continue,
            Err(err) => return Err(err.into()),
        };
        if organization.require_2fa {
            let allowed = match has_two_factor {
                Some(allowed) => allowed,
                None => match state.store.authenticator(user_id).await {
                    Ok(_) => *has_two_factor.insert(true),
                    Err(StoreError::NotFound) => *has_two_factor.insert(false),
                    Err(err) => return Err(err.into()),
                },
            };
            // As the organization's own routes: nothing of it until two-factor is set up.
            if !allowed {
                continue;
            }
        }
        out.push(Notification {
            id: row.id.to_string(),
            kind: row.kind.clone(),
            date_created: ms_to_datetime(row.date_created),
            date_read: row.date_read.map(ms_to_datetime),
            issue: serialize::issue(&issue, &organization, &state.config),
            activity: Activity {
                id: row.activity_id.map_or_else(String::new, |id| id.to_string()),
                kind: row.kind.clone(),
                user: row.actor.as_ref().map(serialize::user),
                data: serde_json::from_str(&row.data).unwrap_or_else(|_| serde_json::json!({})),
                date_created: ms_to_datetime(row.date_created),
            },
        });
    }
    let last = rows.last().map_or(0, |r| r.id);
    let link = keyset_link(&state, uri.path(), raw.as_deref(), last, more);
    Ok(([(LINK, link)], AppJson(out)).into_response())
}

/// `GET /api/0/users/me/notifications/unread/`: how many are unread (the header's badge).
pub async fn unread_count<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
) -> ApiResult<AppJson<UnreadCount>> {
    let unread = state.store.unread_notifications(identity.user.id).await?;
    Ok(AppJson(UnreadCount { unread }))
}

/// `PUT /api/0/users/me/notifications/`: `{"ids": [...]}` or `{"all": true}` marks them read;
/// answers the unread count. Ids of other users' notifications change nothing.
pub async fn mark_notifications<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    AppJson(request): AppJson<MarkNotificationsRequest>,
) -> ApiResult<AppJson<UnreadCount>> {
    if request.is_read == Some(false) {
        return Err(bad("isRead: notifications can only be marked read"));
    }
    let user_id = identity.user.id;
    match (request.all, &request.ids) {
        (Some(true), _) => state.store.mark_notifications_read(user_id, None).await?,
        (_, Some(ids)) if !ids.is_empty() => {
            let ids = ids
                .iter()
                .map(|id| id.parse::<i64>().map_err(|_| bad(format!("ids: invalid id {id:?}"))))
                .collect::<ApiResult<Vec<i64>>>()?;
            state.store.mark_notifications_read(user_id, Some(&ids)).await?;
        }
        _ => return Err(bad("ids or all: say which notifications to mark read")),
    }
    let unread = state.store.unread_notifications(user_id).await?;
    Ok(AppJson(UnreadCount { unread }))
}

/// The notification types whose emails a user can turn off, Sentry's names.
const OPTION_TYPES: [&str; 3] = ["alerts", "workflow", "reports"];

fn serialize_option(row: &NotificationOptionRow) -> NotificationOption {
    NotificationOption {
        id: row.id.to_string(),
        scope_type: "user".into(),
        scope_identifier: row.user_id.to_string(),
        kind: row.kind.clone(),
        value: row.value.clone(),
        user_id: row.user_id.to_string(),
        team_id: None,
    }
}

/// `GET /api/0/users/me/notification-options/` (`?type=alerts` for one type): the caller's
/// options as set; a type without one is `always`, Sentry's default.
pub async fn list_notification_options<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<NotificationOption>>> {
    let mut only = None;
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "type" => only = Some(value.into_owned()),
            other => return Err(bad(format!("Unknown query parameter: {other:?}"))),
        }
    }
    let rows = state.store.notification_options(identity.user.id).await?;
    let rows = rows.iter().filter(|row| only.as_deref().is_none_or(|kind| row.kind == kind));
    Ok(AppJson(rows.map(serialize_option).collect()))
}

/// `PUT /api/0/users/me/notification-options/`: `{scopeType: "user", type, value}` sets
/// whether the emails of `alerts` (new issues), `workflow` (assignments, comments,
/// regressions) or `reports` (the weekly report) are sent: `always` or `never`. The inbox
/// shows the first two either way.
pub async fn set_notification_option<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    AppJson(request): AppJson<UpdateNotificationOptionRequest>,
) -> ApiResult<(axum::http::StatusCode, AppJson<NotificationOption>)> {
    if request.scope_type != "user" {
        return Err(bad("scopeType: Cairn keeps notification options per user only (user)."));
    }
    let me = identity.user.id.to_string();
    if request.scope_identifier.as_deref().is_some_and(|id| id != me && id != "me") {
        return Err(ApiError::PermissionDenied(
            "scopeIdentifier: you can only change your own notification options.".into(),
        ));
    }
    if !OPTION_TYPES.contains(&request.kind.as_str()) {
        return Err(bad("type: one of alerts (new issues), workflow (assignments, comments, \
                        regressions) and reports (the weekly report)."));
    }
    if !matches!(request.value.as_str(), "always" | "never") {
        return Err(bad("value: always or never."));
    }
    let row = state
        .store
        .set_notification_option(identity.user.id, &request.kind, &request.value)
        .await?;
    Ok((axum::http::StatusCode::CREATED, AppJson(serialize_option(&row))))
}
