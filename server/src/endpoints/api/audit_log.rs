//! The organization's audit log (Sentry's `GET /api/0/organizations/{org}/audit-logs/`), and
//! [`record`], which the handlers that change an organization call after the change.

use std::net::IpAddr;

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};
use cairn_types::api::{AuditLog, AuditLogEntry};
use serde_json::{json, Value};

use super::org_access;
use super::paging::{keyset_cursor, keyset_link, keyset_per_page};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::serialize;
use crate::state::AppState;
use crate::store::{AuditRow, IssueRow, NewAuditEntry, ProjectRow, Store};
use crate::util::ms_to_datetime;

/// Every event the log records, in Sentry's names: the `event` filter's choices.
pub const EVENTS: &[&str] = &[
    "org.edit",
    "member.invite",
    "member.accept",
    "member.edit",
    "member.remove",
    "member.join-team",
    "member.leave-team",
    "team.create",
    "team.edit",
    "team.remove",
    "project.create",
    "project.edit",
    "project.remove",
    "project.add-team",
    "project.remove-team",
    "project.ownership-rule.edit",
    "projectkey.create",
    "projectkey.edit",
    "projectkey.remove",
    "rule.add",
    "rule.edit",
    "rule.remove",
    "alertrule.create",
    "alertrule.edit",
    "alertrule.remove",
    "servicehook.create",
    "servicehook.edit",
    "servicehook.remove",
    "monitor.add",
    "monitor.edit",
    "monitor.remove",
    "issue.delete",
    "issue.discard",
    "issue.undiscard",
];

/// An entry to record: built with [`Entry::new`] and the optional parts.
pub struct Entry {
    organization_id: i64,
    event: &'static str,
    note: String,
    target_object: Option<i64>,
    target_user_id: Option<i64>,
    data: Value,
}

impl Entry {
    /// `event` (one of [`EVENTS`]) in the organization, with the sentence that says it.
    pub fn new(organization_id: i64, event: &'static str, note: impl Into<String>) -> Entry {
        debug_assert!(EVENTS.contains(&event), "{event} is not in EVENTS");
        Entry {
            organization_id,
            event,
            note: note.into(),
            target_object: None,
            target_user_id: None,
            data: json!({}),
        }
    }

    /// The id of what changed.
    pub fn target(mut self, id: i64) -> Entry {
        self.target_object = Some(id);
        self
    }

    /// The user the change was about.
    pub fn target_user(mut self, user_id: Option<i64>) -> Entry {
        self.target_user_id = user_id;
        self
    }

    /// Details of the change.
    pub fn data(mut self, data: Value) -> Entry {
        self.data = data;
        self
    }
}

/// Records what `identity` just did. The change is made by then, so a failure to record it is
/// logged, not answered as an error: the caller's request did succeed.
pub async fn record<S: Store>(state: &AppState<S>, identity: &Identity, entry: Entry) {
    record_by(state, Some(identity.user.id), identity.ip, entry).await;
}

/// [`record`] for a request without an [`Identity`] (an invitation accepted by a new account).
pub async fn record_by<S: Store>(
    state: &AppState<S>,
    actor_user_id: Option<i64>,
    ip: Option<IpAddr>,
    entry: Entry,
) {
    let new = NewAuditEntry {
        organization_id: entry.organization_id,
        actor_user_id,
        event: entry.event,
        target_object: entry.target_object,
        target_user_id: entry.target_user_id,
        ip_address: ip.map(|ip| ip.to_string()),
        note: entry.note,
        data: entry.data,
    };
    if let Err(err) = state.store.record_audit(&new).await {
        tracing::error!(error = %err, event = new.event, "could not record an audit log entry");
    }
}

/// Records the deletion of `issue` (one, or one of a bulk deletion).
pub async fn issue_deleted<S: Store>(state: &AppState<S>, identity: &Identity, issue: &IssueRow) {
    let short_id = serialize::short_id(&issue.project.slug, issue.short_id);
    let note = format!("deleted issue {short_id}");
    let entry = Entry::new(issue.project.organization_id, "issue.delete", note)
        .target(issue.id)
        .data(json!({"shortId": short_id, "title": issue.title, "project": issue.project.slug}));
    record(state, identity, entry).await;
}

/// Records an `*.add`/`*.create`, `*.edit` or `*.remove` of something of `project` that
/// `what` names (`the alert rule "Slow checkout"`), whose id is `target`.
pub async fn project_change<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    project: &ProjectRow,
    event: &'static str,
    (what, target): (String, i64),
    mut data: Value,
) {
    let note = format!("{} {what} of project {}", verb(event), project.slug);
    data["project"] = json!(project.slug);
    let entry = Entry::new(project.organization_id, event, note).target(target).data(data);
    record(state, identity, entry).await;
}

/// The past tense of an `*.add`, `*.create`, `*.edit` or `*.remove` event, for its note.
fn verb(event: &str) -> &'static str {
    match event.rsplit('.').next() {
        Some("add" | "create") => "added",
        Some("edit") => "edited",
        Some("remove") => "removed",
        _ => "changed",
    }
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// The list's query: `event`, `actor` (a user id), Sentry's `cursor` (holding the id the next
/// page starts below) and `per_page` (25, at most 100).
struct Query {
    event: Option<String>,
    actor: Option<i64>,
    before: Option<i64>,
    per_page: i64,
}

fn parse_query(raw: Option<&str>) -> ApiResult<Query> {
    let mut query = Query { event: None, actor: None, before: None, per_page: 25 };
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            _ if value.is_empty() => {}
            "event" => {
                if !EVENTS.contains(&value.as_ref()) {
                    return Err(bad(format!("event: unknown event {value:?}")));
                }
                query.event = Some(value.into_owned());
            }
            "actor" => {
                query.actor = Some(value.parse().map_err(|_| bad("actor: a user id"))?);
            }
            "cursor" => query.before = Some(keyset_cursor(&value)?),
            "per_page" | "limit" => query.per_page = keyset_per_page(&key, &value)?,
            other => return Err(bad(format!("Unknown query parameter: {other:?}"))),
        }
    }
    Ok(query)
}

fn entry(row: AuditRow) -> AuditLogEntry {
    AuditLogEntry {
        id: row.id.to_string(),
        actor: row.actor.as_ref().map(serialize::user),
        event: row.event,
        ip_address: row.ip_address,
        note: row.note,
        target_object: row.target_object,
        target_user: row.target_user.as_ref().map(serialize::user),
        data: serde_json::from_str(&row.data).unwrap_or_else(|_| json!({})),
        date_created: ms_to_datetime(row.date_created),
    }
}

/// `GET /api/0/organizations/{org}/audit-logs/`: the organization's changes, newest first, a
/// page at a time (`Link` header); `org:write`, as Sentry's `OrganizationAuditPermission`.
pub async fn list_audit_log<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let access = org_access(&state, &identity, &org, "org:write").await?;
    let query = parse_query(raw.as_deref())?;
    // One more than the page: whether a next page exists.
    let mut rows = state
        .store
        .audit_log(
            access.organization.id,
            query.event.as_deref(),
            query.actor,
            query.before,
            query.per_page + 1,
        )
        .await?;
    let more = rows.len() as i64 > query.per_page;
    rows.truncate(query.per_page as usize);
    let last = rows.last().map_or(0, |row| row.id);
    let link = keyset_link(&state, uri.path(), raw.as_deref(), last, more);
    let log = AuditLog {
        rows: rows.into_iter().map(entry).collect(),
        options: EVENTS.iter().map(|event| (*event).to_owned()).collect(),
    };
    Ok(([(LINK, link)], AppJson(log)).into_response())
}
