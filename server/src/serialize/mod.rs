//! Rows to API objects, in Sentry's shapes (Sentry calls these "serializers").

use cairn_types::api::{
    Activity, Event, EventTag, Issue, IssueProject, KeyDsn, KeyRateLimit, Organization,
    OrganizationRef, Project, ProjectKey, TagValue, Team, TeamRef, User,
};

use crate::config::Config;
use serde_json::{json, Value};

use crate::store::{
    ActivityRow, AssigneeRow, IssueEvent, IssueRow, OrganizationRow, ProjectKeyRow, ProjectRow,
    TagValueRow, TeamRow, UserRow,
};
use crate::util::ms_to_datetime;

mod entries;
mod transaction;

pub use transaction::transaction_event;

/// A user.
pub fn user(row: &UserRow) -> User {
    User {
        id: row.id.to_string(),
        name: row.name.clone(),
        username: row.email.clone(),
        email: row.email.clone(),
        is_superuser: row.is_superuser,
    }
}

/// An issue's assignee in Sentry's `assignedTo` shape: `{"type": "user", "id", "name",
/// "email"}` or `{"type": "team", "id", "name"}` (a team's name there is its slug).
pub fn assignee(row: &AssigneeRow) -> Value {
    match row {
        AssigneeRow::User(user) => json!({
            "type": "user",
            "id": user.id.to_string(),
            "name": user.name,
            "email": user.email,
        }),
        AssigneeRow::Team(team) => json!({
            "type": "team",
            "id": team.id.to_string(),
            "name": team.slug,
        }),
    }
}

/// An organization.
pub fn organization(row: &OrganizationRow) -> Organization {
    Organization {
        id: row.id.to_string(),
        slug: row.slug.clone(),
        name: row.name.clone(),
        date_created: ms_to_datetime(row.date_created),
        is_early_adopter: false,
        require_2fa: row.require_2fa,
        allow_shared_issues: row.allow_shared_issues,
    }
}

/// A team.
pub fn team(row: &TeamRow) -> Team {
    Team {
        id: row.id.to_string(),
        slug: row.slug.clone(),
        name: row.name.clone(),
        date_created: ms_to_datetime(row.date_created),
    }
}

fn team_ref(row: &TeamRow) -> TeamRef {
    TeamRef { id: row.id.to_string(), slug: row.slug.clone(), name: row.name.clone() }
}

/// A project, with its team and organization.
pub fn project(row: &ProjectRow, org: &OrganizationRow) -> Project {
    let team = row.team.as_ref().map(team_ref);
    Project {
        id: row.id.to_string(),
        slug: row.slug.clone(),
        name: row.name.clone(),
        platform: row.platform.clone(),
        date_created: ms_to_datetime(row.date_created),
        teams: team.iter().cloned().collect(),
        team,
        organization: Some(OrganizationRef {
            id: org.id.to_string(),
            slug: org.slug.clone(),
            name: org.name.clone(),
        }),
    }
}

/// A DSN key with its DSNs.
pub fn key(row: &ProjectKeyRow, config: &Config) -> ProjectKey {
    ProjectKey {
        id: row.public_key.clone(),
        name: row.label.clone(),
        public: row.public_key.clone(),
        secret: row.secret_key.clone(),
        project_id: row.project_id,
        is_active: row.is_active,
        rate_limit: row.rate_limit.map(|(count, window)| KeyRateLimit { count, window }),
        dsn: KeyDsn {
            public: config.dsn(&row.public_key, None, row.project_id),
            secret: config.dsn(&row.public_key, Some(&row.secret_key), row.project_id),
        },
        date_created: ms_to_datetime(row.date_created),
    }
}

/// Sentry's short id: the project slug upper-cased, a dash, the counter in base 36.
pub fn short_id(project_slug: &str, counter: i64) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut n = counter.max(0) as u64;
    let mut digits = Vec::new();
    loop {
        digits.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    format!("{}-{}", project_slug.to_uppercase(), String::from_utf8_lossy(&digits))
}

/// The project slug (lower-cased, as slugs are stored) and counter of a short id such as
/// `BACKEND-1A` or `backend-1a`; `None` if the text is not one. Slugs may hold dashes: the
/// counter follows the last one.
pub fn parse_short_id(text: &str) -> Option<(String, i64)> {
    let (slug, counter) = text.trim().rsplit_once('-')?;
    if slug.is_empty() || counter.is_empty() || counter.len() > 12 {
        return None;
    }
    let counter = i64::from_str_radix(counter, 36).ok().filter(|n| *n > 0)?;
    Some((slug.to_lowercase(), counter))
}

/// An issue (a Sentry "group").
pub fn issue(row: &IssueRow, org: &OrganizationRow, config: &Config) -> Issue {
    Issue {
        id: row.id.to_string(),
        short_id: short_id(&row.project.slug, row.short_id),
        title: row.title.clone(),
        culprit: row.culprit.clone(),
        permalink: format!("{}/organizations/{}/issues/{}/", config.public_url, org.slug, row.id),
        logger: row.logger.clone(),
        level: row.level.clone(),
        status: row.status.clone(),
        status_details: serde_json::from_str(&row.status_details)
            .unwrap_or_else(|_| serde_json::json!({})),
        substatus: row.substatus.clone(),
        priority: Some(row.priority.name().to_owned()),
        priority_locked_at: row.priority_locked_at.map(ms_to_datetime),
        inbox: row.inbox(crate::util::now_ms()).map(|reason| {
            let date_added = ms_to_datetime(row.inbox_at.unwrap_or(row.first_seen));
            serde_json::json!({
                "reason": reason.code(), "reason_details": null, "date_added": date_added,
            })
        }),
        platform: row.platform.clone(),
        project: IssueProject {
            id: row.project.id.to_string(),
            name: row.project.name.clone(),
            slug: row.project.slug.clone(),
            platform: row.project.platform.clone(),
        },
        kind: row.event_type.clone(),
        metadata: serde_json::from_str(&row.metadata).unwrap_or_else(|_| serde_json::json!({})),
        issue_category: "error".into(),
        is_unhandled: row.is_unhandled,
        num_comments: row.num_comments,
        assigned_to: None,
        is_bookmarked: false,
        is_public: row.share_id.is_some(),
        share_id: row.share_id.clone(),
        has_seen: false,
        count: row.times_seen.to_string(),
        user_count: row.user_count,
        first_seen: ms_to_datetime(row.first_seen),
        last_seen: ms_to_datetime(row.last_seen),
        stats: None,
        owners: None,
    }
}

/// A live update of an issue, as the issue stream's `issue` event carries it.
pub fn issue_update(update: &crate::store::IssueUpdate) -> cairn_types::api::IssueUpdate {
    cairn_types::api::IssueUpdate {
        id: update.issue_id.to_string(),
        project: update.project_id.to_string(),
        is_new: update.is_new,
        count: update.times_seen.to_string(),
        user_count: update.user_count,
        first_seen: ms_to_datetime(update.first_seen),
        last_seen: ms_to_datetime(update.last_seen),
        status: update.status.clone(),
        substatus: update.substatus.clone(),
        level: update.level.clone(),
        priority: Some(update.priority.name().to_owned()),
        hours: update.hours.clone(),
        environments: update.environments.clone(),
    }
}

/// One value of a tag on an issue.
pub fn tag_value(row: &TagValueRow) -> TagValue {
    TagValue {
        key: row.key.clone(),
        name: row.value.clone(),
        value: row.value.clone(),
        count: row.times_seen,
        first_seen: ms_to_datetime(row.first_seen),
        last_seen: ms_to_datetime(row.last_seen),
    }
}

/// A stored event in Sentry's API shape: interfaces as `entries`, tags as `{key, value}`.
pub fn event(stored: &IssueEvent) -> Event {
    let row = &stored.event;
    let data: serde_json::Map<String, Value> = match serde_json::from_str(&row.data) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let get = |key: &str| data.get(key).filter(|v| !v.is_null());
    let derived = crate::ingest::event::derive_issue_fields(&data);
    let message =
        crate::ingest::event::message_text(&data).unwrap_or_else(|| derived.title.clone());

    // Sentry's order: what happened first (exception or message), then how we got there.
    let mut entries = Vec::new();
    let mut entry = |kind: &str, data: Value| entries.push(json!({ "type": kind, "data": data }));
    if let Some(exception) = get("exception") {
        entry("exception", entries::exception(exception));
    }
    if let Some(logentry) = get("logentry") {
        entry("message", entries::message(logentry));
    }
    if let Some(stacktrace) = get("stacktrace") {
        entry("stacktrace", entries::stacktrace(stacktrace));
    }
    if let Some(threads) = get("threads") {
        entry("threads", entries::threads(threads));
    }
    if let Some(breadcrumbs) = get("breadcrumbs") {
        entry("breadcrumbs", entries::breadcrumbs(breadcrumbs));
    }
    if let Some(request) = get("request") {
        entry("request", entries::request(request));
    }

    let mut tags: Vec<EventTag> = get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|pair| {
            let key = pair.get(0)?.as_str()?.to_owned();
            let value = pair.get(1)?.as_str()?.to_owned();
            Some(EventTag { key, value })
        })
        .collect();
    // The event's own attributes that Sentry also shows as tags.
    for key in ["level", "environment", "release", "server_name", "transaction"] {
        if let Some(value) = get(key).and_then(Value::as_str) {
            if !tags.iter().any(|t| t.key == key) {
                tags.push(EventTag { key: key.to_owned(), value: value.to_owned() });
            }
        }
    }
    tags.sort_by(|a, b| a.key.cmp(&b.key));

    Event {
        id: row.event_id.clone(),
        event_id: row.event_id.clone(),
        group_id: row.issue_id.to_string(),
        project_id: row.project_id.to_string(),
        title: derived.title,
        culprit: derived.culprit,
        metadata: derived.metadata,
        message,
        kind: derived.event_type.to_owned(),
        platform: get("platform").and_then(Value::as_str).unwrap_or("other").to_owned(),
        date_created: ms_to_datetime(row.timestamp),
        date_received: ms_to_datetime(row.received),
        entries,
        tags,
        contexts: get("contexts").cloned().unwrap_or_else(|| json!({})),
        user: get("user").cloned(),
        sdk: get("sdk").cloned(),
        context: get("extra").cloned().unwrap_or_else(|| json!({})),
        packages: get("modules").and_then(Value::as_object).map(|modules| {
            // Name to version, as Relay keeps them: other values are dropped.
            modules
                .iter()
                .filter_map(|(name, version)| Some((name.clone(), version.as_str()?.to_owned())))
                .collect()
        }),
        release: get("release").and_then(Value::as_str).map(|v| json!({ "version": v })),
        dist: get("dist").and_then(Value::as_str).map(str::to_owned),
        errors: get("errors").and_then(Value::as_array).cloned().unwrap_or_default(),
        fingerprints: get("fingerprint")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        previous_event_id: stored.previous_event_id.clone(),
        next_event_id: stored.next_event_id.clone(),
    }
}

/// An entry of an issue's activity log.
pub fn activity(row: &ActivityRow) -> Activity {
    Activity {
        id: row.id.to_string(),
        kind: row.kind.clone(),
        user: row.user.as_ref().map(user),
        data: serde_json::from_str(&row.data).unwrap_or_else(|_| serde_json::json!({})),
        date_created: ms_to_datetime(row.date_created),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_count_in_base_36() {
        assert_eq!(short_id("backend", 1), "BACKEND-1");
        assert_eq!(short_id("backend", 46), "BACKEND-1A");
        assert_eq!(short_id("web", 36 * 36), "WEB-100");
    }

    #[test]
    fn short_ids_parse_back() {
        assert_eq!(parse_short_id("BACKEND-1A"), Some(("backend".into(), 46)));
        assert_eq!(parse_short_id("my-app-2"), Some(("my-app".into(), 2)));
        assert_eq!(parse_short_id(&short_id("web", 36 * 36)), Some(("web".into(), 1296)));
        for not_one in ["BACKEND", "-1", "BACKEND-", "BACKEND-!", "a-0", "x-zzzzzzzzzzzzz"] {
            assert_eq!(parse_short_id(not_one), None, "{not_one}");
        }
    }
}
