//! The authorization matrix: every route of `/api/0/` × every kind of caller (tokens and a
//! dashboard session) → the expected status, and refused answers that leak nothing of the
//! organization they refused.
//!
//! Adding a route means adding one row to [`rows`]; a test reads the router's source and fails
//! when a route or method has no row.

use std::collections::BTreeSet;
use std::time::Duration;

use cairn_server::auth::ALL_SCOPES;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::TestServer;

/// Roles in Sentry's order: each grants at least what the previous one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Member,
    Admin,
    Manager,
    Owner,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, logged in or not, gets this status (documents, set-up, login).
    Public(u16),
    /// Any authenticated user gets this status; anonymous callers get 401.
    AnyUser(u16),
    /// Members of the organization whose role is at least `min_role`, and tokens with `scope`,
    /// get `ok`; everyone else 403, anonymous callers 401.
    Scope { scope: &'static str, min_role: Role, ok: u16 },
    /// Like `Scope` for members, but only the resource's author gets `ok`, whatever the role;
    /// the fixtures' author is the owner.
    Author { scope: &'static str, ok: u16 },
    /// Like `Scope`, for routes that any one of several scopes opens (Sentry's scope maps, e.g.
    /// `member:write` or `member:admin`): the token "with the scope" has the first of them, the
    /// token "without" has none of them. (`Scope` cannot say this: a token lacking only the
    /// first scope still has the others, and is let in.)
    AnyScope { scopes: &'static [&'static str], min_role: Role, ok: u16 },
    /// Only a dashboard session gets `ok`; every token gets 403, whatever its scopes (a token
    /// must not mint or revoke tokens), anonymous callers 401.
    SessionOnly(u16),
}

/// One route and method, with what it needs.
struct Row {
    method: Method,
    /// The router's path with Sentry's trailing slash; placeholders are filled per request.
    path: &'static str,
    access: Access,
    /// The JSON body of the request, if any (`n` makes names unique across requests).
    body: fn(n: usize) -> Option<Value>,
    /// The row destroys or changes what it names (an issue, a comment, a team, an invitation,
    /// a key): each request gets a new one, created by the owner.
    fresh: bool,
    /// A query string appended to the path, with the same placeholders (and `{hash}`: a
    /// grouping hash of a fresh issue that has two).
    query: &'static str,
    /// Placeholders this row fills with a fixed value instead (e.g. `{member_id}` = `me`).
    fixed: &'static [(&'static str, &'static str)],
}

fn none(_: usize) -> Option<Value> {
    None
}

fn row(method: Method, path: &'static str, access: Access) -> Row {
    Row { method, path, access, body: none, fresh: false, query: "", fixed: &[] }
}

fn scope(scope: &'static str, min_role: Role, ok: u16) -> Access {
    Access::Scope { scope, min_role, ok }
}

/// The matrix. Sentry's default roles: members read and triage events, admins also change
/// projects.
fn rows() -> Vec<Row> {
    use Role::*;
    let read = |s| scope(s, Member, 200);
    vec![
        row(Method::GET, "/api/0/", Access::Public(200)),
        row(Method::GET, "/api/0/openapi.json", Access::Public(200)),
        row(Method::GET, "/api/0/setup/", Access::Public(200)),
        Row {
            // Set-up is over once a user exists, whoever asks.
            body: |_| {
                Some(json!({"email": "new@example.com", "password": "correct horse battery"}))
            },
            ..row(Method::POST, "/api/0/setup/", Access::Public(403))
        },
        Row {
            // An email of its own per request: logins are throttled per email after a few
            // failures, which would turn this row's answer into 429.
            body: |n| {
                Some(json!({"username": format!("nobody{n}@example.com"), "password": "wrong"}))
            },
            ..row(Method::POST, "/api/0/auth/login/", Access::Public(400))
        },
        row(Method::DELETE, "/api/0/auth/", Access::AnyUser(204)),
        row(Method::GET, "/api/0/organizations/", Access::AnyUser(200)),
        row(Method::GET, "/api/0/organizations/{org}/", read("org:read")),
        Row {
            body: |_| Some(json!({"name": "Cairn"})),
            ..row(Method::PUT, "/api/0/organizations/{org}/", scope("org:write", Manager, 200))
        },
        row(Method::GET, "/api/0/organizations/{org}/teams/", read("team:read")),
        row(Method::GET, "/api/0/organizations/{org}/projects/", read("project:read")),
        row(Method::GET, "/api/0/organizations/{org}/issues/", read("event:read")),
        Row {
            query: "?query=is:unresolved",
            ..row(Method::GET, "/api/0/organizations/{org}/issues-count/", read("event:read"))
        },
        row(Method::GET, "/api/0/organizations/{org}/issues/{issue_id}/", read("event:read")),
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/participants/",
            read("event:read"),
        ),
        row(Method::GET, "/api/0/issues/{issue_id}/participants/", read("event:read")),
        Row {
            // The fixture's issue is the first of its project.
            fixed: &[("{short_id}", "SECRET-BACKEND-1")],
            ..row(
                Method::GET,
                "/api/0/organizations/{org}/shortids/{short_id}/",
                read("event:read"),
            )
        },
        Row {
            body: |_| Some(json!({"status": "resolved"})),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/issues/{issue_id}/",
                scope("event:write", Member, 200),
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/issues/{issue_id}/",
                scope("event:admin", Member, 202),
            )
        },
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/events/",
            read("event:read"),
        ),
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/events/{event}/",
            read("event:read"),
        ),
        row(Method::GET, "/api/0/issues/{issue_id}/events/", read("event:read")),
        row(Method::GET, "/api/0/issues/{issue_id}/tags/", read("event:read")),
        row(Method::GET, "/api/0/issues/{issue_id}/tags/{key}/", read("event:read")),
        row(Method::GET, "/api/0/issues/{issue_id}/tags/{key}/values/", read("event:read")),
        row(Method::GET, "/api/0/organizations/{org}/issues/{issue_id}/tags/", read("event:read")),
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/tags/{key}/",
            read("event:read"),
        ),
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/tags/{key}/values/",
            read("event:read"),
        ),
        row(Method::GET, "/api/0/issues/{issue_id}/comments/", read("event:read")),
        Row {
            body: |n| Some(json!({"text": format!("comment {n}")})),
            ..row(
                Method::POST,
                "/api/0/issues/{issue_id}/comments/",
                scope("event:write", Member, 201),
            )
        },
        Row {
            fresh: true,
            body: |n| Some(json!({"text": format!("edited {n}")})),
            ..row(
                Method::PUT,
                "/api/0/issues/{issue_id}/comments/{comment_id}/",
                Access::Author { scope: "event:write", ok: 200 },
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/issues/{issue_id}/comments/{comment_id}/",
                Access::Author { scope: "event:write", ok: 204 },
            )
        },
        row(Method::GET, "/api/0/issues/{issue_id}/events/{event}/", read("event:read")),
        row(Method::GET, "/api/0/projects/{org}/{project}/events/{event_id}/", read("event:read")),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/events/{event_id}/json/",
            read("event:read"),
        ),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/events/{event_id}/grouping-info/",
            read("event:read"),
        ),
        // `{attachment_id}` is the fixture event's attachment; downloading it needs no more
        // than reading it (Sentry's default attachment access is every member's).
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/events/{event_id}/attachments/",
            read("event:read"),
        ),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/events/{event_id}/attachments/{attachment_id}/",
            read("event:read"),
        ),
        Row {
            query: "?download=1",
            ..row(
                Method::GET,
                "/api/0/projects/{org}/{project}/events/{event_id}/attachments/{attachment_id}/",
                read("event:read"),
            )
        },
        row(Method::GET, "/api/0/projects/{org}/{project}/user-feedback/", read("event:read")),
        row(Method::GET, "/api/0/organizations/{org}/user-feedback/", read("event:read")),
        Row {
            body: |n| {
                Some(json!({"event_id": format!("{:032x}", n + 1), "name": "Jane",
                    "email": "jane@example.com", "comments": "It broke"}))
            },
            ..row(
                Method::POST,
                "/api/0/projects/{org}/{project}/user-feedback/",
                scope("project:write", Admin, 200),
            )
        },
        row(Method::GET, "/api/0/issues/{issue_id}/user-reports/", read("event:read")),
        row(Method::GET, "/api/0/organizations/{org}/events-trace/{trace_id}/", read("event:read")),
        row(
            Method::GET,
            "/api/0/organizations/{org}/events-trace-meta/{trace_id}/",
            read("event:read"),
        ),
        Row {
            query: "?field=id&dataset=transactions",
            ..row(Method::GET, "/api/0/organizations/{org}/events/", read("event:read"))
        },
        Row {
            query: "?event_id={event_id}",
            ..row(
                Method::GET,
                "/api/0/organizations/{org}/events-trace-light/{trace_id}/",
                read("event:read"),
            )
        },
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/user-reports/",
            read("event:read"),
        ),
        row(Method::GET, "/api/0/issues/{issue_id}/", read("event:read")),
        Row {
            body: |_| Some(json!({"status": "unresolved"})),
            ..row(Method::PUT, "/api/0/issues/{issue_id}/", scope("event:write", Member, 200))
        },
        Row {
            fresh: true,
            ..row(Method::DELETE, "/api/0/issues/{issue_id}/", scope("event:admin", Member, 202))
        },
        Row {
            body: |n| Some(json!({"name": format!("Created {n}")})),
            ..row(
                Method::POST,
                "/api/0/teams/{org}/{team}/projects/",
                scope("project:write", Admin, 201),
            )
        },
        row(Method::GET, "/api/0/projects/{org}/{project}/", read("project:read")),
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/",
                scope("project:admin", Admin, 204),
            )
        },
        row(Method::GET, "/api/0/projects/{org}/{project}/events/", read("event:read")),
        // The project's own team again: the fixture stays as it was.
        row(
            Method::POST,
            "/api/0/projects/{org}/{project}/teams/{team}/",
            Access::AnyScope { scopes: PROJECT_TEAM, min_role: Admin, ok: 201 },
        ),
        // A fresh team, which the project is not given: nothing changes but the answer.
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/teams/{team}/",
                Access::AnyScope { scopes: PROJECT_TEAM, min_role: Admin, ok: 200 },
            )
        },
        Row {
            body: |_| Some(json!({"dataScrubber": true})),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/",
                scope("project:write", Admin, 200),
            )
        },
        Row {
            query: "?field=sum(quantity)&groupBy=outcome",
            ..row(Method::GET, "/api/0/organizations/{org}/stats_v2/", read("org:read"))
        },
        // Issue alert rules: Sentry's `ProjectAlertRulePermission` (members read and write
        // them, with `alerts:write`).
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/rules/",
            Access::AnyScope { scopes: ALERTS_READ, min_role: Member, ok: 200 },
        ),
        Row {
            body: |n| Some(alert_rule(&format!("Created {n}"))),
            ..row(
                Method::POST,
                "/api/0/projects/{org}/{project}/rules/",
                Access::AnyScope { scopes: ALERTS_WRITE, min_role: Member, ok: 201 },
            )
        },
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/rules/{rule_id}/",
            Access::AnyScope { scopes: ALERTS_READ, min_role: Member, ok: 200 },
        ),
        Row {
            body: |n| Some(alert_rule(&format!("Changed {n}"))),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/rules/{rule_id}/",
                Access::AnyScope { scopes: ALERTS_WRITE, min_role: Member, ok: 200 },
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/rules/{rule_id}/",
                Access::AnyScope { scopes: ALERTS_WRITE, min_role: Member, ok: 202 },
            )
        },
        // Metric alert rules and incidents: Sentry's `OrganizationAlertRulePermission`
        // (members read and write them, with `alerts:write`).
        row(
            Method::GET,
            "/api/0/organizations/{org}/alert-rules/",
            Access::AnyScope { scopes: METRIC_ALERTS_READ, min_role: Member, ok: 200 },
        ),
        Row {
            body: |n| Some(metric_alert_rule(&format!("Created {n}"))),
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/alert-rules/",
                Access::AnyScope { scopes: METRIC_ALERTS_WRITE, min_role: Member, ok: 201 },
            )
        },
        row(
            Method::GET,
            "/api/0/organizations/{org}/alert-rules/{alert_rule_id}/",
            Access::AnyScope { scopes: METRIC_ALERTS_READ, min_role: Member, ok: 200 },
        ),
        Row {
            fresh: true,
            body: |n| Some(metric_alert_rule(&format!("Changed {n}"))),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/alert-rules/{alert_rule_id}/",
                Access::AnyScope { scopes: METRIC_ALERTS_WRITE, min_role: Member, ok: 200 },
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/alert-rules/{alert_rule_id}/",
                Access::AnyScope { scopes: METRIC_ALERTS_WRITE, min_role: Member, ok: 204 },
            )
        },
        row(
            Method::GET,
            "/api/0/organizations/{org}/incidents/",
            Access::AnyScope { scopes: METRIC_ALERTS_READ, min_role: Member, ok: 200 },
        ),
        row(
            Method::GET,
            "/api/0/organizations/{org}/incidents/{incident}/",
            Access::AnyScope { scopes: METRIC_ALERTS_READ, min_role: Member, ok: 200 },
        ),
        row(
            Method::GET,
            "/api/0/organizations/{org}/incidents/{incident}/activity/",
            Access::AnyScope { scopes: METRIC_ALERTS_READ, min_role: Member, ok: 200 },
        ),
        // Service hooks: Sentry's `ProjectPermission` (members read them, admins change
        // them, deleting one takes `project:admin`); their delivery log is Cairn's own, for
        // those who may change them.
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/hooks/",
            Access::AnyScope { scopes: PROJECT_READ, min_role: Member, ok: 200 },
        ),
        Row {
            body: |n| {
                Some(json!({"url": format!("http://127.0.0.1:9/{n}"), "events": ["event.created"]}))
            },
            ..row(
                Method::POST,
                "/api/0/projects/{org}/{project}/hooks/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 201 },
            )
        },
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/hooks/{hook_id}/",
            Access::AnyScope { scopes: PROJECT_READ, min_role: Member, ok: 200 },
        ),
        Row {
            body: |_| Some(json!({"events": ["event.alert"]})),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/hooks/{hook_id}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 200 },
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/hooks/{hook_id}/",
                scope("project:admin", Admin, 204),
            )
        },
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/hooks/{hook_id}/deliveries/",
            Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 200 },
        ),
        // Discarded issues (Sentry's tombstones): `ProjectPermission`, undiscarding one takes
        // `project:admin`.
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/tombstones/",
            Access::AnyScope { scopes: PROJECT_READ, min_role: Member, ok: 200 },
        ),
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/tombstones/{tombstone_id}/",
                scope("project:admin", Admin, 204),
            )
        },
        // Cron monitors: Sentry's `OrganizationMonitorPermission` (members read them;
        // admins, or tokens with a project write scope, change them).
        row(Method::GET, "/api/0/organizations/{org}/monitors/", read("project:read")),
        Row {
            body: |n| {
                Some(json!({"project": SECRET_PROJECT, "name": format!("Created {n}"),
                    "config": {"schedule_type": "crontab", "schedule": "0 * * * *"}}))
            },
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/monitors/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 201 },
            )
        },
        row(Method::GET, "/api/0/organizations/{org}/monitors/{monitor}/", read("project:read")),
        row(
            Method::GET,
            "/api/0/organizations/{org}/monitors/{monitor}/checkins/",
            read("project:read"),
        ),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/monitors/{monitor}/",
            read("project:read"),
        ),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/monitors/{monitor}/checkins/",
            read("project:read"),
        ),
        Row {
            body: |_| Some(json!({"isMuted": true})),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/monitors/{monitor}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 200 },
            )
        },
        Row {
            body: |_| Some(json!({"isMuted": false})),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/monitors/{monitor}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 200 },
            )
        },
        // A monitor's environment: muted and deleted as the monitor is changed.
        Row {
            body: |n| Some(json!({"isMuted": n % 2 == 0})),
            fixed: &[("{environment}", "production")],
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/monitors/{monitor}/environments/{environment}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 200 },
            )
        },
        Row {
            body: |n| Some(json!({"isMuted": n % 2 == 1})),
            fixed: &[("{environment}", "production")],
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/monitors/{monitor}/environments/{environment}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 200 },
            )
        },
        Row {
            fresh: true,
            fixed: &[("{environment}", "production")],
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/monitors/{monitor}/environments/{environment}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 202 },
            )
        },
        Row {
            fresh: true,
            fixed: &[("{environment}", "production")],
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/monitors/{monitor}/environments/{environment}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 202 },
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/monitors/{monitor}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 204 },
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/monitors/{monitor}/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 204 },
            )
        },
        row(Method::GET, "/api/0/projects/{org}/{project}/filters/", read("project:read")),
        Row {
            body: |_| Some(json!({"active": true})),
            fixed: &[("{filter_id}", "localhost")],
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/filters/{filter_id}/",
                scope("project:write", Admin, 204),
            )
        },
        row(Method::GET, "/api/0/projects/{org}/{project}/keys/", read("project:read")),
        row(Method::GET, "/api/0/projects/{org}/{project}/keys/{key_id}/", read("project:read")),
        Row {
            body: |_| Some(json!({"isActive": true})),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/keys/{key_id}/",
                scope("project:write", Admin, 200),
            )
        },
        Row {
            body: |n| Some(json!({"name": format!("key {n}")})),
            ..row(
                Method::POST,
                "/api/0/projects/{org}/{project}/keys/",
                scope("project:write", Admin, 201),
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/keys/{key_id}/",
                scope("project:write", Admin, 204),
            )
        },
        row(Method::GET, "/api/0/projects/{org}/{project}/issues/", read("event:read")),
        // --- several issues at once, and their hashes ------------------------------------
        Row {
            query: "?id={issue_id}",
            body: |_| Some(json!({"status": "resolved"})),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/issues/",
                scope("event:write", Member, 200),
            )
        },
        Row {
            fresh: true,
            query: "?id={issue_id}",
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/issues/",
                scope("event:admin", Member, 204),
            )
        },
        Row {
            query: "?id={issue_id}",
            body: |_| Some(json!({"status": "resolved"})),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/issues/",
                scope("event:write", Member, 200),
            )
        },
        Row {
            fresh: true,
            query: "?id={issue_id}",
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/issues/",
                scope("event:admin", Member, 204),
            )
        },
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/hashes/",
            read("event:read"),
        ),
        Row {
            fresh: true,
            query: "?id={hash}",
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/issues/{issue_id}/hashes/",
                scope("event:write", Member, 202),
            )
        },
        row(Method::GET, "/api/0/issues/{issue_id}/hashes/", read("event:read")),
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/similar/",
            read("event:read"),
        ),
        row(Method::GET, "/api/0/issues/{issue_id}/similar/", read("event:read")),
        row(
            Method::GET,
            "/api/0/organizations/{org}/issues/{issue_id}/attachments/",
            read("event:read"),
        ),
        row(Method::GET, "/api/0/issues/{issue_id}/attachments/", read("event:read")),
        Row {
            fresh: true,
            query: "?id={hash}",
            ..row(
                Method::DELETE,
                "/api/0/issues/{issue_id}/hashes/",
                scope("event:write", Member, 202),
            )
        },
        // --- API tokens: the dashboard's session only ------------------------------------
        row(Method::GET, "/api/0/api-tokens/", Access::SessionOnly(200)),
        Row {
            body: |n| Some(json!({"name": format!("token {n}"), "scopes": ["org:read"]})),
            ..row(Method::POST, "/api/0/api-tokens/", Access::SessionOnly(201))
        },
        // `{token_id}` is always a new token of the member's (whose session deletes it).
        row(Method::DELETE, "/api/0/api-tokens/{token_id}/", Access::SessionOnly(204)),
        // --- members and invitations -----------------------------------------------------
        row(Method::GET, "/api/0/organizations/{org}/members/", read("member:read")),
        Row {
            body: |n| Some(json!({"email": format!("invitee{n}@example.com")})),
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/members/",
                Access::AnyScope { scopes: MEMBER_WRITE, min_role: Manager, ok: 201 },
            )
        },
        // `{member_id}` is the member's membership (fresh rows: a new invitation), so that
        // for everyone but the member it is someone else's: leaving oneself is in members.rs.
        row(Method::GET, "/api/0/organizations/{org}/members/{member_id}/", read("member:read")),
        Row {
            fresh: true,
            body: |_| Some(json!({"orgRole": "member"})),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/members/{member_id}/",
                Access::AnyScope { scopes: MEMBER_WRITE, min_role: Manager, ok: 200 },
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/members/{member_id}/",
                Access::AnyScope { scopes: MEMBER_WRITE, min_role: Manager, ok: 204 },
            )
        },
        // Anyone may read a shared issue by its link, logged in or not; an unknown link is
        // 404 for everyone (`{share_id}` is no issue's).
        row(Method::GET, "/api/0/shared/issues/{share_id}/", Access::Public(404)),
        // Anyone may open an invitation link, logged in or not; a wrong secret (here for a
        // fresh, pending invitation) is 404 for everyone, and accepts nothing.
        Row {
            fresh: true,
            ..row(Method::GET, "/api/0/accept-invite/{member_id}/{token}/", Access::Public(404))
        },
        Row {
            fresh: true,
            body: |_| Some(json!({"password": "correct horse battery"})),
            ..row(Method::POST, "/api/0/accept-invite/{member_id}/{token}/", Access::Public(404))
        },
        // --- teams -----------------------------------------------------------------------
        Row {
            body: |n| Some(json!({"slug": format!("team-{n}")})),
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/teams/",
                scope("team:write", Admin, 201),
            )
        },
        row(Method::GET, "/api/0/teams/{org}/{team}/", read("team:read")),
        Row {
            fresh: true,
            body: |n| Some(json!({"name": format!("Renamed {n}")})),
            ..row(Method::PUT, "/api/0/teams/{org}/{team}/", scope("team:write", Admin, 200))
        },
        Row {
            fresh: true,
            ..row(Method::DELETE, "/api/0/teams/{org}/{team}/", scope("team:write", Admin, 204))
        },
        row(Method::GET, "/api/0/teams/{org}/{team}/members/", read("team:read")),
        row(Method::GET, "/api/0/teams/{org}/{team}/projects/", read("project:read")),
        // Joining and leaving a (fresh) team oneself, which membership alone allows; putting
        // others in or out needs `team:write` as well, which one scope per row cannot say:
        // members.rs tests it.
        Row {
            fresh: true,
            fixed: &[("{member_id}", "me")],
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/members/{member_id}/teams/{team}/",
                scope("org:read", Member, 201),
            )
        },
        Row {
            fresh: true,
            fixed: &[("{member_id}", "me")],
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/members/{member_id}/teams/{team}/",
                read("org:read"),
            )
        },
        // --- releases, deploys and release health ----------------------------------------
        // `{version}` is percent-encoded (`authz%401.0`), as `sentry-cli` sends it; fresh rows
        // get a new release of the owner's per request.
        Row {
            query: "?project={project}&health=1",
            ..row(Method::GET, "/api/0/organizations/{org}/releases/", releases(RELEASE_READ, 200))
        },
        Row {
            query: "?health=1",
            ..row(
                Method::GET,
                "/api/0/projects/{org}/{project}/releases/",
                releases(RELEASE_READ, 200),
            )
        },
        Row {
            body: |n| {
                Some(json!({"version": format!("authz@new-{n}"), "projects": [SECRET_PROJECT]}))
            },
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/releases/",
                releases(RELEASE_WRITE, 201),
            )
        },
        Row {
            query: "?health=1",
            ..row(
                Method::GET,
                "/api/0/organizations/{org}/releases/{version}/",
                releases(RELEASE_READ, 200),
            )
        },
        Row {
            body: |_| Some(json!({"dateReleased": "2026-01-01T00:00:00Z"})),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/releases/{version}/",
                releases(RELEASE_WRITE, 200),
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/releases/{version}/",
                releases(RELEASE_DELETE, 204),
            )
        },
        row(
            Method::GET,
            "/api/0/organizations/{org}/releases/{version}/deploys/",
            releases(RELEASE_READ, 200),
        ),
        // The issues resolved in a release: issue data, so `event:read`, as the issue list.
        row(
            Method::GET,
            "/api/0/organizations/{org}/releases/{version}/resolved/",
            read("event:read"),
        ),
        Row {
            body: |n| Some(json!({"environment": "production", "name": format!("deploy {n}")})),
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/releases/{version}/deploys/",
                releases(RELEASE_WRITE, 201),
            )
        },
        Row {
            query: "?query=release:authz%401.0&project={project}&statsPeriod=24h",
            ..row(
                Method::GET,
                "/api/0/organizations/{org}/events-stats/",
                Access::AnyScope { scopes: EVENT_READ, min_role: Member, ok: 200 },
            )
        },
        Row {
            query: "?field=sum(session)&field=crash_free_rate(user)&groupBy=project\
                    &project={project}&statsPeriod=24h",
            ..row(Method::GET, "/api/0/organizations/{org}/sessions/", read("org:read"))
        },
        // An event stream: the answer is read up to its first event (see the test loop).
        Row {
            query: "?project={project_id}",
            ..row(Method::GET, "/api/0/organizations/{org}/live/", read("event:read"))
        },
        row(Method::GET, "/api/0/organizations/{org}/tags/", read("event:read")),
        row(Method::GET, "/api/0/organizations/{org}/tags/{key}/values/", read("event:read")),
        // --- ownership -------------------------------------------------------------------
        row(Method::GET, "/api/0/projects/{org}/{project}/ownership/", read("project:read")),
        Row {
            body: |_| Some(json!({"fallthrough": true})),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/ownership/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 200 },
            )
        },
        row(Method::GET, "/api/0/projects/{org}/{project}/codeowners/", read("project:read")),
        Row {
            body: |_| Some(json!({"raw": "/src/ @acme/nobody"})),
            ..row(
                Method::POST,
                "/api/0/projects/{org}/{project}/codeowners/",
                Access::AnyScope { scopes: PROJECT_WRITE, min_role: Admin, ok: 201 },
            )
        },
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/events/{event_id}/owners/",
            read("event:read"),
        ),
        // --- environments ----------------------------------------------------------------
        row(Method::GET, "/api/0/organizations/{org}/environments/", read("org:read")),
        row(Method::GET, "/api/0/projects/{org}/{project}/environments/", read("project:read")),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/environments/{environment}/",
            read("project:read"),
        ),
        Row {
            body: |_| Some(json!({"isHidden": false})),
            ..row(
                Method::PUT,
                "/api/0/projects/{org}/{project}/environments/{environment}/",
                scope("project:write", Admin, 200),
            )
        },
        // --- repositories' addresses and code mappings ----------------------------------
        Row {
            body: |n| Some(json!({"name": format!("acme/fresh-{n}")})),
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/repos/",
                scope("project:write", Admin, 201),
            )
        },
        Row {
            body: |_| Some(json!({"url": "https://code.example/acme/authz"})),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/repos/{repo_id}/",
                scope("project:write", Admin, 200),
            )
        },
        row(Method::GET, "/api/0/organizations/{org}/code-mappings/", code_mappings_read()),
        Row {
            body: |n| {
                Some(json!({"projectId": SECRET_PROJECT, "repositoryId": "{repo_id}",
                    "stackRoot": format!("post{n}/"), "sourceRoot": "src/"}))
            },
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/code-mappings/",
                scope("project:write", Admin, 201),
            )
        },
        Row {
            body: |_| {
                Some(json!({"project": SECRET_PROJECT, "repository": "acme/bulk",
                    "mappings": [{"stackRoot": "bulk/", "sourceRoot": "src/"}]}))
            },
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/code-mappings/bulk/",
                scope("project:write", Admin, 200),
            )
        },
        row(
            Method::GET,
            "/api/0/organizations/{org}/code-mappings/{mapping_id}/",
            code_mappings_read(),
        ),
        Row {
            fresh: true,
            body: |n| {
                Some(json!({"projectId": SECRET_PROJECT, "repositoryId": "{repo_id}",
                    "stackRoot": format!("put{n}/"), "sourceRoot": "src/"}))
            },
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/code-mappings/{mapping_id}/",
                scope("project:write", Admin, 200),
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/code-mappings/{mapping_id}/",
                scope("project:write", Admin, 204),
            )
        },
        Row {
            query: "?file=fresh0/views.py&lineNo=3",
            ..row(
                Method::GET,
                "/api/0/projects/{org}/{project}/stacktrace-link/",
                code_mappings_read(),
            )
        },
        // --- release commits, suspect commits, notifications ----------------------------
        row(
            Method::GET,
            "/api/0/organizations/{org}/repos/",
            Access::AnyScope {
                scopes: &["org:read", "project:releases"],
                min_role: Member,
                ok: 200,
            },
        ),
        row(
            Method::GET,
            "/api/0/organizations/{org}/releases/{version}/commits/",
            read("project:read"),
        ),
        row(
            Method::GET,
            "/api/0/organizations/{org}/releases/{version}/commitfiles/",
            read("project:read"),
        ),
        row(
            Method::GET,
            "/api/0/organizations/{org}/releases/{version}/previous-with-commits/",
            read("project:read"),
        ),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/releases/{version}/commits/",
            read("project:read"),
        ),
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/events/{event_id}/committers/",
            read("event:read"),
        ),
        // Everyone has an inbox of their own; it shows only what they were told.
        row(Method::GET, "/api/0/users/me/notifications/", Access::AnyUser(200)),
        row(Method::GET, "/api/0/users/me/notifications/unread/", Access::AnyUser(200)),
        Row {
            body: |_| Some(json!({"all": true})),
            ..row(Method::PUT, "/api/0/users/me/notifications/", Access::AnyUser(200))
        },
        // --- source maps (sentry-cli's chunked upload of artifact bundles) ---------------
        row(Method::GET, "/api/0/organizations/{org}/chunk-upload/", releases(RELEASE_READ, 200)),
        // Without chunks: the callers allowed in get to the body and 400 (it is no multipart).
        row(Method::POST, "/api/0/organizations/{org}/chunk-upload/", releases(RELEASE_WRITE, 400)),
        Row {
            body: |_| {
                Some(
                    json!({"checksum": "a".repeat(40), "chunks": ["b".repeat(40)], "projects": [SECRET_PROJECT]}),
                )
            },
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/artifactbundle/assemble/",
                releases(RELEASE_WRITE, 200),
            )
        },
        row(
            Method::GET,
            "/api/0/projects/{org}/{project}/files/artifact-bundles/",
            releases(RELEASE_READ, 200),
        ),
        // No such bundle: the callers allowed in get to look and find nothing.
        Row {
            query: "?bundleId=00000000-0000-0000-0000-000000000000",
            ..row(
                Method::DELETE,
                "/api/0/projects/{org}/{project}/files/artifact-bundles/",
                releases(RELEASE_DELETE, 404),
            )
        },
        // Saved searches: every member reads and saves their own; a shared one (these rows'
        // are the owner's) is changed by managers and owners.
        row(Method::GET, "/api/0/organizations/{org}/searches/", read("org:read")),
        Row {
            body: |n| {
                Some(json!({"name": format!("Mine {n}"), "query": format!("is:unresolved {n}")}))
            },
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/searches/",
                scope("org:read", Member, 201),
            )
        },
        Row {
            fresh: true,
            body: |n| Some(json!({"name": format!("Renamed {n}")})),
            ..row(
                Method::PUT,
                "/api/0/organizations/{org}/searches/{search_id}/",
                scope("org:write", Manager, 200),
            )
        },
        Row {
            fresh: true,
            ..row(
                Method::DELETE,
                "/api/0/organizations/{org}/searches/{search_id}/",
                scope("org:write", Manager, 204),
            )
        },
        // Recent searches: every member reads and records their own.
        row(Method::GET, "/api/0/organizations/{org}/recent-searches/", read("org:read")),
        Row {
            body: |n| Some(json!({"type": 0, "query": format!("is:unresolved {n}")})),
            ..row(
                Method::POST,
                "/api/0/organizations/{org}/recent-searches/",
                scope("org:read", Member, 201),
            )
        },
        // The audit log: managers and owners (Sentry's `OrganizationAuditPermission`).
        row(
            Method::GET,
            "/api/0/organizations/{org}/audit-logs/",
            scope("org:write", Manager, 200),
        ),
        // Everyone's own account; the password only from a session, and only knowing it.
        Row { fixed: ME, ..row(Method::GET, "/api/0/users/{user_id}/", Access::AnyUser(200)) },
        Row {
            body: |n| Some(json!({"name": format!("Renamed {n}")})),
            fixed: ME,
            ..row(Method::PUT, "/api/0/users/{user_id}/", Access::AnyUser(200))
        },
        Row {
            body: |_| {
                let same = "correct horse battery";
                Some(json!({"password": same, "passwordNew": same, "passwordVerify": same}))
            },
            fixed: ME,
            ..row(Method::PUT, "/api/0/users/{user_id}/password/", Access::SessionOnly(204))
        },
        // Two-factor authentication: set up and removed from a session only. The member has
        // none: an enrollment with a wrong code is refused (400) and there is nothing to
        // remove (404), past the checks this matrix is about.
        Row {
            fixed: ME,
            ..row(Method::GET, "/api/0/users/{user_id}/authenticators/", Access::AnyUser(200))
        },
        Row {
            fixed: ME_TOTP,
            ..row(
                Method::GET,
                "/api/0/users/{user_id}/authenticators/{interface_id}/enroll/",
                Access::SessionOnly(200),
            )
        },
        Row {
            fixed: ME_TOTP,
            body: |_| {
                let password = "correct horse battery";
                Some(
                    json!({"secret": "JBSWY3DPEHPK3PXP", "otp": "not a code", "password": password}),
                )
            },
            ..row(
                Method::POST,
                "/api/0/users/{user_id}/authenticators/{interface_id}/enroll/",
                Access::SessionOnly(400),
            )
        },
        Row {
            fixed: ME_TOTP,
            body: |_| Some(json!({"password": "correct horse battery"})),
            ..row(
                Method::DELETE,
                "/api/0/users/{user_id}/authenticators/{interface_id}/",
                Access::SessionOnly(404),
            )
        },
        // Everyone's own email options.
        row(Method::GET, "/api/0/users/me/notification-options/", Access::AnyUser(200)),
        Row {
            body: |_| Some(json!({"scopeType": "user", "type": "alerts", "value": "never"})),
            ..row(Method::PUT, "/api/0/users/me/notification-options/", Access::AnyUser(201))
        },
    ]
}

/// `{user_id}` is the caller (another user's account is in api.rs).
const ME: &[(&str, &str)] = &[("{user_id}", "me")];
/// The caller's authenticator app.
const ME_TOTP: &[(&str, &str)] = &[("{user_id}", "me"), ("{interface_id}", "totp")];

/// Sentry's `ProjectAlertRulePermission`, `alerts:*` first.
const ALERTS_READ: &[&str] =
    &["alerts:read", "alerts:write", "project:read", "project:write", "project:admin"];
const ALERTS_WRITE: &[&str] = &["alerts:write", "project:write", "project:admin"];

/// An alert rule named `name`: new issues, to the issue's owners.
fn alert_rule(name: &str) -> Value {
    json!({"name": name,
        "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
        "actions": [{"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners"}]})
}

/// Sentry's `OrganizationAlertRulePermission`, `alerts:*` first.
const METRIC_ALERTS_READ: &[&str] =
    &["alerts:read", "alerts:write", "org:read", "org:write", "org:admin"];
const METRIC_ALERTS_WRITE: &[&str] = &["alerts:write", "org:write", "org:admin"];

/// A metric alert rule named `name`: more than no error in a day in [`SECRET_PROJECT`],
/// which the fixture's events are, so the fixture's rule has an incident soon.
fn metric_alert_rule(name: &str) -> Value {
    json!({"name": name, "aggregate": "count()", "timeWindow": 1440, "projects": [SECRET_PROJECT],
        "triggers": [{"label": "critical", "alertThreshold": 0, "actions": []}]})
}

/// Changing a project's ownership settings and code owners: either scope will do (Sentry's).
const PROJECT_WRITE: &[&str] = &["project:write", "project:admin"];
/// Reading a project's settings (Sentry's `ProjectPermission` for `GET`).
const PROJECT_READ: &[&str] = &["project:read", "project:write", "project:admin"];

/// Inviting, changing and removing others: either scope will do.
const MEMBER_WRITE: &[&str] = &["member:write", "member:admin"];

/// Sentry's `OrganizationReleasePermission`. `project:releases` comes first, so the token "with
/// the scope" is a CI token holding only it: it reads releases as well as writing them.
const RELEASE_READ: &[&str] =
    &["project:releases", "project:read", "project:write", "project:admin"];
const RELEASE_WRITE: &[&str] = &["project:releases", "project:write", "project:admin"];
const RELEASE_DELETE: &[&str] = &["project:releases", "project:admin"];
/// Sentry's `OrganizationEventPermission` for reads (events-stats).
const EVENT_READ: &[&str] = &["event:read", "event:write", "event:admin"];

/// Release routes: members may, as may tokens with any one of `scopes`.
/// Who may change a project's team.
const PROJECT_TEAM: &[&str] = &["project:write", "project:admin"];

/// Reading repositories' code mappings: members, and CI tokens made for releases.
fn code_mappings_read() -> Access {
    Access::AnyScope { scopes: &["org:read", "project:releases"], min_role: Role::Member, ok: 200 }
}

fn releases(scopes: &'static [&'static str], ok: u16) -> Access {
    Access::AnyScope { scopes, min_role: Role::Member, ok }
}

/// A kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// Owner of another organization, not a member of `cairn`.
    OtherOrganization,
    Role(Role),
    /// A member logged in to the dashboard: the session cookie instead of a token.
    MemberSession,
    /// The owner's token with only the scope the route needs.
    TokenWithScope,
    /// The owner's token with every scope but the one the route needs.
    TokenWithoutScope,
}

const CALLERS: &[Caller] = &[
    Caller::Anonymous,
    Caller::OtherOrganization,
    Caller::Role(Role::Member),
    Caller::Role(Role::Admin),
    Caller::Role(Role::Manager),
    Caller::Role(Role::Owner),
    Caller::MemberSession,
    Caller::TokenWithScope,
    Caller::TokenWithoutScope,
];

impl Access {
    /// The status `caller` must get.
    fn expected(self, caller: Caller) -> u16 {
        match (self, caller) {
            (Access::Public(status), _) => status,
            (_, Caller::Anonymous) => 401,
            (Access::SessionOnly(ok), Caller::MemberSession) => ok,
            (Access::SessionOnly(_), _) => 403,
            (_, Caller::MemberSession) => self.expected(Caller::Role(Role::Member)),
            (Access::AnyUser(status), _) => status,
            (Access::Scope { ok, .. } | Access::AnyScope { ok, .. }, Caller::TokenWithScope) => ok,
            (
                Access::Scope { min_role, ok, .. } | Access::AnyScope { min_role, ok, .. },
                Caller::Role(role),
            ) if role >= min_role => ok,
            (Access::Author { ok, .. }, Caller::TokenWithScope | Caller::Role(Role::Owner)) => ok,
            (Access::Scope { .. } | Access::AnyScope { .. } | Access::Author { .. }, _) => 403,
        }
    }
}

/// Names only the `cairn` organization's data has; no refused answer may contain them.
const SECRET_PROJECT: &str = "secret-backend";
const SECRET_TITLE: &str = "LeakCanary";
/// The distributed trace of every fixture event.
const TRACE_ID: &str = "7d0b6a1f2c3e4d5f8a9b0c1d2e3f4a5b";

struct Fixture {
    server: TestServer,
    owner: String,
    member: String,
    admin: String,
    manager: String,
    other: String,
    /// `cairn_session=...` of the member.
    member_session: String,
    project_id: String,
    public_key: String,
    /// An issue and its event that survive the whole test (no fresh row touches them).
    issue_id: String,
    event_id: String,
    /// The member id (not the user id) of member@example.com.
    member_id: String,
    /// An attachment of `event_id`.
    attachment_id: String,
    /// An alert rule of [`SECRET_PROJECT`] that survives the whole test.
    rule_id: String,
    alert_rule_id: String,
    /// A service hook of [`SECRET_PROJECT`] that survives the whole test.
    hook_id: String,
    /// A repository of the organization, and a code mapping of [`SECRET_PROJECT`] to it,
    /// that survive the whole test.
    repo_id: String,
    mapping_id: String,
}

/// A release of [`SECRET_PROJECT`] that survives the whole test.
const RELEASE: &str = "authz@1.0";
/// A cron monitor of [`SECRET_PROJECT`] that survives the whole test.
const MONITOR: &str = "authz-monitor";

impl Fixture {
    async fn new() -> Fixture {
        let server = TestServer::start_with_env(&[("CAIRN_METRIC_ALERT_INTERVAL_MS", "100")]);
        let password = "correct horse battery";
        let user = |email: &str, extra: &[&str]| {
            let mut args = vec!["createuser", "--email", email, "--password", password];
            args.extend_from_slice(extra);
            server.cli(&args);
            server.cli(&["createtoken", "--email", email]).trim().to_owned()
        };
        // A non-superuser owner: superusers act as owners everywhere, which would hide a
        // missing membership check.
        let owner = user("owner@example.com", &["--role", "owner"]);
        let member = user("member@example.com", &[]);
        let admin = user("admin@example.com", &["--role", "admin"]);
        let manager = user("manager@example.com", &["--role", "manager"]);
        server.cli(&["createorg", "--slug", "other", "--project", "other-project"]);
        let other = user("other@example.com", &["--organization", "other", "--role", "owner"]);

        let (status, project) = server
            .post("/api/0/teams/cairn/cairn/projects/", &owner, json!({"name": SECRET_PROJECT}))
            .await;
        assert_eq!(status, 201, "{project}");
        let (status, keys) =
            server.get(&format!("/api/0/projects/cairn/{SECRET_PROJECT}/keys/"), &owner).await;
        assert_eq!(status, 200, "{keys}");
        let project_id = keys[0]["projectId"].to_string();
        let public_key = keys[0]["public"].as_str().expect("public key").to_owned();
        let mut fixture = Fixture {
            server,
            owner,
            member,
            admin,
            manager,
            other,
            member_session: String::new(),
            project_id,
            public_key,
            issue_id: String::new(),
            event_id: String::new(),
            member_id: String::new(),
            attachment_id: String::new(),
            rule_id: String::new(),
            alert_rule_id: String::new(),
            hook_id: String::new(),
            repo_id: String::new(),
            mapping_id: String::new(),
        };
        (fixture.issue_id, fixture.event_id) = fixture.new_issue(0).await;
        fixture.attachment_id = fixture.new_attachment(&fixture.event_id).await;
        let body = json!({"version": RELEASE, "projects": [SECRET_PROJECT]});
        fixture.create("/api/0/organizations/cairn/releases/", body, "version").await;
        fixture.new_monitor(MONITOR).await;
        fixture.check_in(MONITOR).await;
        fixture.rule_id = fixture.new_rule("authz rule").await;
        fixture.alert_rule_id = fixture.new_metric_alert_rule("authz metric rule").await;
        fixture.wait_for_incident().await;
        fixture.hook_id = fixture.new_hook(0).await;
        let body = json!({"name": "acme/authz", "url": "https://code.example/acme/authz"});
        fixture.repo_id = fixture.create("/api/0/organizations/cairn/repos/", body, "id").await;
        fixture.mapping_id = fixture.new_code_mapping(0).await;
        fixture.member_session = fixture.login("member@example.com").await;
        let (status, members) =
            fixture.server.get("/api/0/organizations/cairn/members/", &fixture.owner).await;
        assert_eq!(status, 200, "{members}");
        fixture.member_id = members
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["email"] == "member@example.com")
            .and_then(|m| m["id"].as_str())
            .expect("member@example.com is a member")
            .to_owned();
        fixture
    }

    /// Two fresh issues merged into one (by the owner), which thus has two hashes; returns
    /// the issue id and one of its hashes.
    async fn new_merged_issue(&self, n: usize) -> (String, String) {
        let (a, _) = self.new_issue(n).await;
        let (b, _) = self.new_issue(n + 1_000_000).await;
        let (status, merged) = self
            .server
            .put(
                &format!("/api/0/organizations/cairn/issues/?id={a}&id={b}"),
                &self.owner,
                json!({"merge": true}),
            )
            .await;
        assert_eq!(status, 200, "{merged}");
        let parent = merged["merge"]["parent"].as_str().expect("merge parent").to_owned();
        let (status, hashes) =
            self.server.get(&format!("/api/0/issues/{parent}/hashes/"), &self.owner).await;
        assert_eq!(status, 200, "{hashes}");
        assert_eq!(hashes.as_array().map(Vec::len), Some(2), "{hashes}");
        let hash = hashes[1]["id"].as_str().expect("hash id").to_owned();
        (parent, hash)
    }

    /// A search the owner shares with the organization; returns its id.
    /// A code mapping of [`SECRET_PROJECT`] to the fixture's repository; its id.
    async fn new_code_mapping(&self, n: usize) -> String {
        let body = json!({"projectId": SECRET_PROJECT, "repositoryId": self.repo_id,
            "stackRoot": format!("fresh{n}/"), "sourceRoot": "src/"});
        self.create("/api/0/organizations/cairn/code-mappings/", body, "id").await
    }

    async fn new_shared_search(&self, n: usize) -> String {
        let body = json!({"name": format!("Shared {n}"), "query": format!("is:unresolved shared-{n}"),
            "visibility": "organization"});
        self.create("/api/0/organizations/cairn/searches/", body, "id").await
    }

    /// A fresh issue discarded by the owner; returns its tombstone's id.
    async fn new_tombstone(&self, n: usize) -> String {
        let (issue_id, _) = self.new_issue(n).await;
        let path = format!("/api/0/organizations/cairn/issues/?id={issue_id}");
        let (status, body) = self.server.put(&path, &self.owner, json!({"discard": true})).await;
        assert_eq!(status, 204, "{body}");
        let path = format!("/api/0/projects/cairn/{SECRET_PROJECT}/tombstones/");
        let (status, list) = self.server.get(&path, &self.owner).await;
        assert_eq!(status, 200, "{list}");
        list[0]["id"].as_str().expect("the newest tombstone").to_owned()
    }

    /// An alert rule of [`SECRET_PROJECT`], made by the owner; returns its id.
    async fn new_rule(&self, name: &str) -> String {
        let path = format!("/api/0/projects/cairn/{SECRET_PROJECT}/rules/");
        self.create(&path, alert_rule(name), "id").await
    }

    /// A metric alert rule of [`SECRET_PROJECT`], made by the owner; returns its id.
    async fn new_metric_alert_rule(&self, name: &str) -> String {
        let path = "/api/0/organizations/cairn/alert-rules/";
        self.create(path, metric_alert_rule(name), "id").await
    }

    /// Waits until the fixture's metric alert rule has opened incident 1 (the server evaluates
    /// every 100 ms).
    async fn wait_for_incident(&self) {
        for _ in 0..100 {
            let path = "/api/0/organizations/cairn/incidents/1/";
            if self.server.get(path, &self.owner).await.0 == 200 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the fixture's metric alert rule opened no incident");
    }

    /// A service hook of [`SECRET_PROJECT`] (to a port nobody listens on), made by the owner;
    /// returns its id.
    async fn new_hook(&self, n: usize) -> String {
        let path = format!("/api/0/projects/cairn/{SECRET_PROJECT}/hooks/");
        let body =
            json!({"url": format!("http://127.0.0.1:9/fixture/{n}"), "events": ["event.alert"]});
        self.create(&path, body, "id").await
    }

    /// An `ok` check-in of the monitor `slug` in environment `production` (which it creates).
    async fn check_in(&self, slug: &str) {
        let url = format!(
            "{}/api/{}/cron/{slug}/{}/?status=ok&environment=production",
            self.server.url, self.project_id, self.public_key
        );
        let response = self.server.http.get(url).send().await.expect("check-in sent");
        assert_eq!(response.status().as_u16(), 202, "check-in of {slug}");
    }

    /// A cron monitor of [`SECRET_PROJECT`] named `slug`, made by the owner; returns its slug.
    async fn new_monitor(&self, slug: &str) -> String {
        let body = json!({"project": SECRET_PROJECT, "name": slug, "slug": slug,
            "config": {"schedule_type": "interval", "schedule": [1, "day"]}});
        self.create("/api/0/organizations/cairn/monitors/", body, "slug").await
    }

    /// The owner's `POST` of `body` to `path`, which must answer 201; returns the answer's
    /// `field`.
    async fn create(&self, path: &str, body: Value, field: &str) -> String {
        let (status, created) = self.server.post(path, &self.owner, body).await;
        assert_eq!(status, 201, "POST {path}: {created}");
        created[field].as_str().unwrap_or_else(|| panic!("{field} in {created}")).to_owned()
    }

    /// A new API token of the member's, made with the member's session; returns its id.
    async fn new_member_api_token(&self, n: usize) -> String {
        let response = self
            .server
            .http
            .post(format!("{}/api/0/api-tokens/", self.server.url))
            .header("cookie", &self.member_session)
            .json(&json!({"name": format!("to revoke {n}"), "scopes": ["org:read"]}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 201, "the member creates a token");
        let token: Value = response.json().await.expect("JSON");
        token["id"].as_str().expect("token id").to_owned()
    }

    /// Ingests an event with a fingerprint of its own (so it opens a new issue) through the
    /// store endpoint; returns the issue id and event id.
    async fn new_issue(&self, n: usize) -> (String, String) {
        let event_id = uuid::Uuid::new_v4().simple().to_string();
        let event = json!({
            "event_id": event_id,
            "message": format!("{SECRET_TITLE} {n}"),
            "level": "error",
            "platform": "python",
            "tags": {"marker": "canary"},
            // The environment the environments' rows name.
            "environment": "test",
            "fingerprint": [format!("authz-{n}")],
            "contexts": {"trace": {"trace_id": TRACE_ID, "span_id": "8a9b0c1d2e3f4a5b"}},
        });
        let url = format!(
            "{}/api/{}/store/?sentry_key={}&sentry_version=7",
            self.server.url, self.project_id, self.public_key
        );
        let response = self.server.http.post(url).json(&event).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "event stored");
        let (status, stored) = self
            .server
            .get(&format!("/api/0/projects/cairn/{SECRET_PROJECT}/events/{event_id}/"), &self.owner)
            .await;
        assert_eq!(status, 200, "{stored}");
        let issue_id = stored["groupID"].as_str().expect("groupID").to_owned();
        (issue_id, event_id)
    }

    /// Sends a text attachment of `event_id` in an envelope of its own; returns its id.
    async fn new_attachment(&self, event_id: &str) -> String {
        let body = format!(
            "{{\"event_id\":\"{event_id}\"}}\n\
             {{\"type\":\"attachment\",\"length\":5,\"filename\":\"a.txt\"}}\nhello\n"
        );
        let url = format!(
            "{}/api/{}/envelope/?sentry_key={}",
            self.server.url, self.project_id, self.public_key
        );
        let response = self.server.http.post(url).body(body).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "attachment stored");
        let path = format!("/api/0/projects/cairn/{SECRET_PROJECT}/events/{event_id}/attachments/");
        let (status, attachments) = self.server.get(&path, &self.owner).await;
        assert_eq!(status, 200, "{attachments}");
        attachments[0]["id"].as_str().expect("attachment id").to_owned()
    }

    /// Logs in through the API as the dashboard does; returns the `cairn_session=...` pair.
    async fn login(&self, email: &str) -> String {
        let response = self
            .server
            .http
            .post(format!("{}/api/0/auth/login/", self.server.url))
            .json(&json!({"username": email, "password": "correct horse battery"}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{email} logs in");
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("a session cookie");
        set_cookie.split(';').next().expect("cookie pair").to_owned()
    }

    /// A token of the owner with exactly `scopes`.
    fn owner_token_with(&self, scopes: &[&str]) -> String {
        let mut args = vec!["createtoken", "--email", "owner@example.com"];
        for scope in scopes {
            args.extend(["--scope", scope]);
        }
        self.server.cli(&args).trim().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_every_caller_as_the_matrix_says() {
    let fixture = Fixture::new().await;
    let server = &fixture.server;
    let mut failures = Vec::new();
    let mut n = 0;
    for row in rows() {
        let needed: Vec<&str> = match row.access {
            Access::Scope { scope, .. } | Access::Author { scope, .. } => vec![scope],
            Access::AnyScope { scopes, .. } => scopes.to_vec(),
            _ => Vec::new(),
        };
        for &caller in CALLERS {
            n += 1;
            let mut cookie = None;
            let token = match caller {
                Caller::Anonymous => None,
                Caller::MemberSession => {
                    // Logging out ends the session: that row gets a session of its own.
                    let logout = row.method == Method::DELETE && row.path == "/api/0/auth/";
                    cookie = Some(if logout {
                        fixture.login("member@example.com").await
                    } else {
                        fixture.member_session.clone()
                    });
                    None
                }
                Caller::OtherOrganization => Some(fixture.other.clone()),
                Caller::Role(Role::Member) => Some(fixture.member.clone()),
                Caller::Role(Role::Admin) => Some(fixture.admin.clone()),
                Caller::Role(Role::Manager) => Some(fixture.manager.clone()),
                Caller::Role(Role::Owner) => Some(fixture.owner.clone()),
                Caller::TokenWithScope => {
                    Some(fixture.owner_token_with(&needed[..needed.len().min(1)]))
                }
                Caller::TokenWithoutScope => {
                    let rest: Vec<&str> =
                        ALL_SCOPES.iter().copied().filter(|s| !needed.contains(s)).collect();
                    Some(fixture.owner_token_with(&rest))
                }
            };
            let mut path = format!("{}{}", row.path, row.query);
            for (placeholder, value) in row.fixed {
                path = path.replace(placeholder, value);
            }
            let (mut issue_id, mut event_id, mut hash) =
                (fixture.issue_id.clone(), fixture.event_id.clone(), String::new());
            let (mut team, mut member_id, mut key_id) =
                ("cairn".to_owned(), fixture.member_id.clone(), fixture.public_key.clone());
            let mut version = RELEASE.to_owned();
            let mut monitor = MONITOR.to_owned();
            let mut rule_id = fixture.rule_id.clone();
            let mut alert_rule_id = fixture.alert_rule_id.clone();
            let mut hook_id = fixture.hook_id.clone();
            let mut tombstone_id = String::new();
            let mut search_id = String::new();
            let mut mapping_id = fixture.mapping_id.clone();
            let mut project = SECRET_PROJECT.to_owned();
            if row.fresh {
                // The project itself is what the row destroys (no other placeholder does).
                if path == "/api/0/projects/{org}/{project}/" {
                    let body = json!({"name": format!("Fresh {n}")});
                    project =
                        fixture.create("/api/0/teams/cairn/cairn/projects/", body, "slug").await;
                }
                if path.contains("{hash}") {
                    (issue_id, hash) = fixture.new_merged_issue(n).await;
                } else if path.contains("{issue_id}") {
                    (issue_id, event_id) = fixture.new_issue(n).await;
                }
                if path.contains("{team}") {
                    let body = json!({"slug": format!("fresh-{n}")});
                    team = fixture.create("/api/0/organizations/cairn/teams/", body, "slug").await;
                }
                if path.contains("{member_id}") {
                    let body = json!({"email": format!("fresh{n}@example.com")});
                    member_id =
                        fixture.create("/api/0/organizations/cairn/members/", body, "id").await;
                }
                if path.contains("{version}") {
                    let fresh = format!("authz@fresh-{n}");
                    let body = json!({"version": fresh, "projects": [SECRET_PROJECT]});
                    version = fixture
                        .create("/api/0/organizations/cairn/releases/", body, "version")
                        .await;
                }
                if path.contains("{monitor}") {
                    monitor = fixture.new_monitor(&format!("fresh-{n}")).await;
                    if path.contains("/environments/") {
                        fixture.check_in(&monitor).await;
                    }
                }
                if path.contains("{rule_id}") {
                    rule_id = fixture.new_rule(&format!("fresh {n}")).await;
                }
                if path.contains("{alert_rule_id}") {
                    alert_rule_id = fixture.new_metric_alert_rule(&format!("fresh {n}")).await;
                }
                if path.contains("{hook_id}") {
                    hook_id = fixture.new_hook(n).await;
                }
                if path.contains("{tombstone_id}") {
                    tombstone_id = fixture.new_tombstone(n).await;
                }
                if path.contains("{search_id}") {
                    search_id = fixture.new_shared_search(n).await;
                }
                if path.contains("{mapping_id}") {
                    mapping_id = fixture.new_code_mapping(n).await;
                }
                if path.contains("{key_id}") {
                    let keys = format!("/api/0/projects/cairn/{SECRET_PROJECT}/keys/");
                    key_id =
                        fixture.create(&keys, json!({"name": format!("fresh {n}")}), "id").await;
                }
            }
            if path.contains("{token_id}") {
                path = path.replace("{token_id}", &fixture.new_member_api_token(n).await);
            }
            let mut path = path
                .replace("{org}", "cairn")
                .replace("{team}", &team)
                .replace("{project}", &project)
                .replace("{project_id}", &fixture.project_id)
                .replace("{issue_id}", &issue_id)
                .replace("{event_id}", &event_id)
                .replace("{trace_id}", TRACE_ID)
                .replace("{attachment_id}", &fixture.attachment_id)
                .replace("{event}", "latest")
                .replace("{key}", "marker")
                .replace("{key_id}", &key_id)
                .replace("{member_id}", &member_id)
                .replace("{monitor}", &monitor)
                .replace("{rule_id}", &rule_id)
                .replace("{alert_rule_id}", &alert_rule_id)
                .replace("{incident}", "1")
                .replace("{hook_id}", &hook_id)
                .replace("{tombstone_id}", &tombstone_id)
                .replace("{search_id}", &search_id)
                .replace("{environment}", "test")
                .replace("{mapping_id}", &mapping_id)
                .replace("{repo_id}", &fixture.repo_id)
                .replace("{hash}", &hash)
                .replace("{version}", &version.replace('@', "%40"))
                // An invitation's secret is 64 hex digits: this one is wrong.
                .replace("{token}", &"0".repeat(64))
                .replace("{share_id}", &"0".repeat(32));
            if path.contains("{comment_id}") {
                let (status, comment) = server
                    .post(
                        &format!("/api/0/issues/{issue_id}/comments/"),
                        &fixture.owner,
                        json!({"text": "to delete"}),
                    )
                    .await;
                assert_eq!(status, 201, "{comment}");
                let id = comment["id"].as_str().expect("comment id");
                path = path.replace("{comment_id}", id);
            }
            assert!(!path.contains('{'), "unfilled placeholder in {path}");

            let mut request =
                server.http.request(row.method.clone(), format!("{}{path}", server.url));
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            if let Some(cookie) = &cookie {
                request = request.header("cookie", cookie);
            }
            if let Some(body) = (row.body)(n) {
                // Bodies name the fixture's repository by placeholder, as paths do.
                let text = body.to_string().replace("{repo_id}", &fixture.repo_id);
                request = request.json(&serde_json::from_str::<Value>(&text).expect("JSON"));
            }
            let mut response = request.send().await.expect("request sent");
            let status = response.status().as_u16();
            let is_stream = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("text/event-stream"));
            let body = if is_stream {
                // An event stream never ends: its first event shows what it answers.
                let first = tokio::time::timeout(Duration::from_secs(5), response.chunk()).await;
                match first {
                    Ok(Ok(Some(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
                    _ => String::new(),
                }
            } else {
                response.text().await.unwrap_or_default()
            };

            let expected = row.access.expected(caller);
            if status != expected {
                failures.push(format!(
                    "{} {} as {caller:?}: {status}, expected {expected}: {body}",
                    row.method, row.path
                ));
            }
            let refused = status >= 400;
            let leaks = [SECRET_PROJECT, SECRET_TITLE, fixture.public_key.as_str()]
                .into_iter()
                .find(|secret| body.contains(secret));
            if let (true, Some(secret)) = (refused || caller == Caller::OtherOrganization, leaks) {
                failures.push(format!(
                    "{} {} as {caller:?} ({status}) leaks {secret:?}: {body}",
                    row.method, row.path
                ));
            }
            if caller == Caller::OtherOrganization && body.contains(r#""slug":"cairn""#) {
                failures.push(format!(
                    "{} {} shows org cairn to an outsider: {body}",
                    row.method, row.path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} requests wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every `.route()` of the router, as (method, path with a trailing slash), read from its
/// source because axum cannot list a router's routes.
fn routed() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/endpoints/api/mod.rs");
    let start = source.find("pub fn router").expect("mod.rs defines router()");
    let end = source[start..].find("\n}\n").map_or(source.len(), |i| start + i);
    let method = regex::Regex::new(r"\b(get|put|post|delete|patch)\(").expect("valid regex");
    let mut routes = BTreeSet::new();
    for chunk in source[start..end].split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).expect("a route path");
        let path = if path.rsplit('/').next().is_some_and(|last| last.contains('.')) {
            path.to_owned()
        } else {
            format!("{path}/")
        };
        for m in method.captures_iter(chunk) {
            routes.insert((m[1].to_uppercase(), path.clone()));
        }
    }
    routes
}

#[test]
fn the_matrix_covers_every_route() {
    let routed = routed();
    assert!(routed.len() > 30, "the route parser found only {routed:?}");
    let rows: BTreeSet<(String, String)> =
        rows().iter().map(|r| (r.method.to_string(), r.path.to_owned())).collect();
    let missing: Vec<_> = routed.difference(&rows).collect();
    assert!(missing.is_empty(), "routes without a row in authz.rs: {missing:?}");
    let stale: Vec<_> = rows.difference(&routed).collect();
    assert!(stale.is_empty(), "rows in authz.rs for routes that do not exist: {stale:?}");
}
