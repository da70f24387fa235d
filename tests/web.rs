//! Component tests of the dashboard, run in headless Chromium by `wasm-bindgen-test-runner`:
//!
//! ```sh
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test -p cairn-dashboard --target wasm32-unknown-unknown
//! ```
//!
//! They mount the presentational components with sample data (no server) and look at the DOM.
#![cfg(target_arch = "wasm32")]

use std::{
    cell::RefCell,
    rc::Rc,
    sync::{Arc, Mutex},
};

use cairn_dashboard::{
    api,
    components::{
        breadcrumbs::relative_to_event,
        events_table::EventsTable,
        issue_chart::{chart_svg, series, ChartPeriod, IssueChart},
        relative_time,
        shortcuts::{shortcut, Shortcut},
        stacktrace::raw_stacktrace,
        tag_facets::{percent, tag_term, TagFacets},
        Breadcrumb, Breadcrumbs, ErrorState, EventDetails, ExceptionList, ExceptionValue, Frame,
        IssueList, IssueRow, StackTrace, SuspectCommitList,
    },
    pages::{
        inbox::NotificationList,
        issue::{ActivityLog, IssueHeader},
        login::{after_login, LoginAction, LoginForm},
        members::{MemberChange, MemberRow, NewInvite, TeamChange, TeamRow},
        projects::{
            crash_free_by_project, errors_by_project, health_of, period_of, projects_href, Health,
            ProjectCards, ProjectHealth, ProjectList, ProjectWithKeys,
        },
        setup::{SetupAction, SetupForm},
    },
    routes::Page,
};
use cairn_types::api::{
    ErrorBody, Event, Issue, IssueDetails, IssueTag, LoginRequest, Member, Monitor, MonitorCheckIn,
    MonitorConfig, Project, ProjectKey, SetupRequest, Team, UpdateIssueRequest, User,
};
use chrono::{Duration, TimeZone, Utc};
use leptos::{mount::mount_to, prelude::*};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

// ---- helpers ----

/// A component mounted in its own `<div>` of the test page. Dropping it unmounts the component
/// and removes the `<div>`, so tests do not see each other's DOM.
struct Mounted {
    root: HtmlElement,
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    fn new<F, N>(view: F) -> Self
    where
        F: FnOnce() -> N + 'static,
        N: IntoView + 'static,
    {
        let document = document();
        let root: HtmlElement =
            document.create_element("div").expect("create div").unchecked_into();
        document.body().expect("body").append_child(&root).expect("append root");
        let handle = mount_to(root.clone(), view);
        Mounted { root, _handle: Box::new(handle) }
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).expect("valid selector")
    }

    fn get(&self, selector: &str) -> Element {
        self.find(selector).unwrap_or_else(|| panic!("no element matches {selector:?}"))
    }

    fn text(&self, selector: &str) -> String {
        self.get(selector).text_content().unwrap_or_default()
    }

    fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).expect("valid selector").length()
    }

    /// Types into an input the way a user does: sets the value, then fires the bubbling `input`
    /// event that `bind:value` listens to.
    fn type_into(&self, selector: &str, value: &str) {
        let input: HtmlInputElement = self.get(selector).unchecked_into();
        input.set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict("input", &init).expect("event");
        input.dispatch_event(&event).expect("dispatch input");
    }

    fn click(&self, selector: &str) {
        self.get(selector).unchecked_into::<HtmlElement>().click();
    }

    /// Picks an option of a `<select>` and fires the bubbling `change` event, as a user does.
    fn select(&self, selector: &str, value: &str) {
        let select: web_sys::HtmlSelectElement = self.get(selector).unchecked_into();
        select.set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict("change", &init).expect("event");
        select.dispatch_event(&event).expect("dispatch change");
    }

    fn attr(&self, selector: &str, name: &str) -> String {
        self.get(selector).get_attribute(name).unwrap_or_default()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// Lets Leptos run what a click or a resolved future scheduled: effects, actions and DOM updates
/// are applied asynchronously, so assertions right after an event would see the old DOM.
async fn settle() {
    for _ in 0..5 {
        leptos::task::tick().await;
    }
}

/// An issue exactly as the server sends it (Sentry's group shape), with `title` overridden.
fn sample_issue(id: &str, title: &str) -> Issue {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "shortId": format!("BACKEND-{id}"),
        "title": title,
        "culprit": "app.views in checkout",
        "permalink": format!("/organizations/cairn/issues/{id}/"),
        "logger": null,
        "level": "error",
        "status": "unresolved",
        "statusDetails": {},
        "substatus": "ongoing",
        "priority": "high",
        "priorityLockedAt": null,
        "platform": "python",
        "project": {"id": "1", "name": "Backend", "slug": "backend", "platform": "python"},
        "type": "error",
        "metadata": {"type": "ValueError", "value": "invalid literal"},
        "issueCategory": "error",
        "isUnhandled": true,
        "numComments": 0,
        "assignedTo": null,
        "isBookmarked": false,
        "hasSeen": false,
        "count": "1234",
        "userCount": 56,
        "firstSeen": "2026-11-01T10:00:00Z",
        "lastSeen": "2026-11-25T09:55:00Z"
    }))
    .expect("sample issue matches the wire type")
}

fn failing(status: u16, detail: &str) -> api::Error {
    api::Error::Http { status, body: ErrorBody::new(detail) }
}

// ---- pure functions ----

/// The dashboard reads timestamps with chrono's strict RFC 3339 parser (cairn-types'
/// `timestamp`): what the server writes, with or without a fraction or an offset, is read; a
/// time that is not RFC 3339 fails the answer's decoding instead of being guessed at.
#[wasm_bindgen_test]
fn timestamps_are_read_as_the_server_writes_them() {
    let at = |first_seen: &str| {
        let mut issue = serde_json::to_value(sample_issue("1", "t")).expect("serializes");
        issue["firstSeen"] = first_seen.into();
        serde_json::from_value::<Issue>(issue).map(|issue| issue.first_seen)
    };
    let written = Utc.with_ymd_and_hms(2026, 11, 25, 14, 5, 9).single().expect("valid date")
        + Duration::microseconds(123_456);
    let round_trip = serde_json::to_value(sample_issue("1", "t")).expect("serializes");
    assert_eq!(round_trip["firstSeen"], "2026-11-01T10:00:00Z", "as the server writes it");
    assert_eq!(at(&written.to_rfc3339()).expect("offset form"), written);
    assert_eq!(at("2026-11-25T14:05:09.123456Z").expect("fraction"), written);
    assert_eq!(at("2026-11-25T15:05:09.123456+01:00").expect("offset"), written);
    assert!(at("2026-11-25 14:05:09").is_err(), "not RFC 3339");
    let mut missing = serde_json::to_value(sample_issue("1", "t")).expect("serializes");
    missing.as_object_mut().expect("object").remove("firstSeen");
    assert!(serde_json::from_value::<Issue>(missing).is_err(), "a required time stays required");
}

#[wasm_bindgen_test]
fn relative_time_picks_the_largest_whole_unit() {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).single().expect("valid date");
    let ago = |d: Duration| relative_time(now - d, now);
    assert_eq!(ago(Duration::zero()), "just now");
    assert_eq!(ago(Duration::seconds(59)), "just now");
    assert_eq!(ago(Duration::seconds(60)), "1 minute ago");
    assert_eq!(ago(Duration::minutes(5)), "5 minutes ago");
    assert_eq!(ago(Duration::minutes(59) + Duration::seconds(59)), "59 minutes ago");
    assert_eq!(ago(Duration::hours(1)), "1 hour ago");
    assert_eq!(ago(Duration::hours(23)), "23 hours ago");
    assert_eq!(ago(Duration::days(1)), "1 day ago");
    assert_eq!(ago(Duration::days(29)), "29 days ago");
    assert_eq!(ago(Duration::days(30)), "1 month ago");
    assert_eq!(ago(Duration::days(200)), "6 months ago");
    assert_eq!(ago(Duration::days(365)), "1 year ago");
    assert_eq!(ago(Duration::days(3 * 365 + 10)), "3 years ago");
    // The server's clock a little ahead of the browser's: not "in 10 seconds".
    assert_eq!(ago(Duration::seconds(-10)), "just now");
}

#[wasm_bindgen_test]
fn absolute_times_are_the_browsers_local_time_and_now_its_clock() {
    use cairn_dashboard::components::time_ago::{absolute_time, now};
    // A winter and a summer instant: where the time zone has daylight saving, the offsets
    // differ, and each must be the one of its own instant.
    for time in [
        Utc.with_ymd_and_hms(2026, 1, 15, 23, 30, 5).single().expect("valid date"),
        Utc.with_ymd_and_hms(2026, 7, 1, 0, 5, 59).single().expect("valid date"),
    ] {
        let date =
            js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(time.timestamp_millis() as f64));
        let offset = -date.get_timezone_offset() as i64;
        let sign = if offset < 0 { '-' } else { '+' };
        let expected = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (UTC{sign}{:02}:{:02})",
            date.get_full_year(),
            date.get_month() + 1,
            date.get_date(),
            date.get_hours(),
            date.get_minutes(),
            date.get_seconds(),
            offset.abs() / 60,
            offset.abs() % 60,
        );
        assert_eq!(absolute_time(time), expected);
    }
    let (before, clock, after) = (Utc::now(), now(), Utc::now());
    let millis = |t: chrono::DateTime<Utc>| t.timestamp_millis();
    assert!(millis(before) <= millis(clock) && millis(clock) <= millis(after), "{clock}");
}

#[wasm_bindgen_test]
fn paths_are_sentrys_and_escape_the_org() {
    assert_eq!(Page::Home.path(), "/");
    assert_eq!(Page::Setup.path(), "/setup/");
    assert_eq!(Page::Login.path(), "/auth/login/");
    assert_eq!(Page::Issues { org: "cairn".into() }.path(), "/organizations/cairn/issues/");
    assert_eq!(Page::Projects { org: "a/b".into() }.path(), "/organizations/a%2Fb/projects/");
    assert_eq!(
        Page::Issue { org: "cairn".into(), id: "12".into() }.path(),
        "/organizations/cairn/issues/12/"
    );
    let event = Page::IssueEvent { org: "cairn".into(), id: "12".into(), event: "latest".into() };
    assert_eq!(event.path(), "/organizations/cairn/issues/12/?event=latest");
    assert_eq!(Page::Members { org: "cairn".into() }.path(), "/settings/cairn/members/");
    assert_eq!(Page::Teams { org: "cairn".into() }.path(), "/settings/cairn/teams/");
    let invite = Page::AcceptInvite { member: "7".into(), token: "a/b".into() };
    assert_eq!(invite.path(), "/accept/7/a%2Fb/");
    assert_eq!(api::segment("my-org_1.x~"), "my-org_1.x~");
    assert_eq!(api::segment("é?"), "%C3%A9%3F");
}

#[wasm_bindgen_test]
fn api_errors_tell_401_apart_and_show_the_detail() {
    assert!(failing(401, "Authentication credentials were not provided.").is_unauthorized());
    assert!(!failing(403, "You do not have permission.").is_unauthorized());
    assert!(!api::Error::Network("reset".into()).is_unauthorized());
    assert_eq!(failing(400, "Invalid email or password.").message(), "Invalid email or password.");
}

// ---- issue list ----

#[wasm_bindgen_test]
fn issue_row_shows_the_issue() {
    let mut issue = sample_issue("7", "ValueError: invalid literal for int()");
    issue.last_seen = Utc::now() - Duration::minutes(5);
    let last_seen = issue.last_seen;
    let m = Mounted::new(move || view! { <IssueRow issue/> });

    assert_eq!(m.count(".issue-row"), 1);
    assert_eq!(m.text(".issue-title"), "ValueError: invalid literal for int()");
    assert_eq!(m.text(".issue-culprit"), "app.views in checkout");
    assert_eq!(m.text(".issue-short-id"), "BACKEND-7");
    assert_eq!(m.text(".issue-count"), "1234");
    assert_eq!(m.text(".issue-users"), "56");
    assert_eq!(m.text(".issue-last-seen"), "5 minutes ago");
    // The exact time is in the tooltip and the machine-readable attribute.
    let time = m.get(".issue-last-seen time");
    assert!(time.get_attribute("title").is_some_and(|title| !title.is_empty()));
    let datetime = time.get_attribute("datetime").unwrap_or_default();
    let parsed = chrono::DateTime::parse_from_rfc3339(&datetime).expect("an RFC 3339 time");
    assert_eq!(parsed.timestamp(), last_seen.timestamp(), "UTC to the second: {datetime}");
    assert!(m.get(".issue-level").class_list().contains("level-error"));
    // The row links to the issue page on this origin.
    assert_eq!(
        m.get(".issue-title a").get_attribute("href").as_deref(),
        Some("/organizations/cairn/issues/7/")
    );
}

#[wasm_bindgen_test]
fn event_data_is_rendered_as_text_never_as_html() {
    let title = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let mut issue = sample_issue("8", title);
    issue.culprit = "<b>bold</b>".into();
    issue.level = "error\" onmouseover=\"alert(3)".into();
    let m = Mounted::new(move || view! { <IssueRow issue/> });

    assert_eq!(m.text(".issue-title"), title);
    assert_eq!(m.text(".issue-culprit"), "<b>bold</b>");
    assert_eq!(m.count("script"), 0);
    assert_eq!(m.count("img"), 0);
    assert_eq!(m.count("b"), 0);
    // An unknown level does not leak into the class attribute.
    let level = m.get(".issue-level");
    assert!(level.class_list().contains("level-unknown"));
    assert!(!level.has_attribute("onmouseover"));
}

#[wasm_bindgen_test]
fn issue_list_keeps_the_servers_order() {
    let issues = vec![sample_issue("1", "First"), sample_issue("2", "Second")];
    let m = Mounted::new(move || view! { <IssueList issues/> });

    assert_eq!(m.count("#issue-list .issue-row"), 2);
    let titles = m.root.query_selector_all(".issue-row .issue-title").expect("selector");
    let text = |i| titles.item(i).and_then(|node| node.text_content()).unwrap_or_default();
    assert_eq!((text(0), text(1)), ("First".to_owned(), "Second".to_owned()));
    assert!(m.find(".empty-state").is_none());
}

#[wasm_bindgen_test]
fn issue_list_without_issues_shows_the_empty_state() {
    let m = Mounted::new(|| view! { <IssueList issues=Vec::new()/> });
    assert!(m.find("#issue-list .empty-state").is_some());
    assert_eq!(m.count(".issue-row"), 0);
}

#[wasm_bindgen_test]
fn error_state_shows_the_detail() {
    let m = Mounted::new(|| view! { <ErrorState message="You do not have permission."/> });
    assert_eq!(m.text(".error-state .error-detail"), "You do not have permission.");
}

// ---- projects ----

#[wasm_bindgen_test]
fn project_list_shows_each_projects_dsn() {
    let project: Project = serde_json::from_value(serde_json::json!({
        "id": "1", "slug": "backend", "name": "Backend", "platform": "python",
        "dateCreated": "2026-11-01T10:00:00Z", "team": null, "teams": [], "organization": null
    }))
    .expect("sample project");
    let key: ProjectKey = serde_json::from_value(serde_json::json!({
        "id": "abc", "name": "Default", "public": "abc", "secret": "def", "projectId": 1,
        "isActive": true,
        "dsn": {"public": "http://abc@127.0.0.1:8000/1", "secret": "http://abc:def@127.0.0.1:8000/1"},
        "dateCreated": "2026-11-01T10:00:00Z"
    }))
    .expect("sample key");
    let projects = vec![ProjectWithKeys { project, keys: vec![key] }];
    let m = Mounted::new(move || view! { <ProjectList projects/> });

    assert_eq!(m.count(".project-row"), 1);
    assert_eq!(m.text(".project-row .project-name"), "Backend");
    assert_eq!(m.text(".project-row .project-dsn"), "http://abc@127.0.0.1:8000/1");
}

/// A project as the server sends it.
fn sample_project(id: &str, slug: &str, name: &str, platform: Option<&str>) -> Project {
    serde_json::from_value(serde_json::json!({
        "id": id, "slug": slug, "name": name, "platform": platform,
        "dateCreated": "2026-11-01T10:00:00Z", "team": null, "teams": [],
        "organization": {"id": "1", "slug": "acme", "name": "Acme"}
    }))
    .expect("sample project")
}

/// The stats answer grouped by project, as the server sends it (three hourly intervals).
fn sample_project_stats() -> cairn_types::api::UsageStats {
    serde_json::from_value(serde_json::json!({
        "start": "2026-11-01T10:00:00Z",
        "end": "2026-11-01T13:00:00Z",
        "intervals": ["2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", "2026-11-01T12:00:00Z"],
        "groups": [
            {"by": {"project": 1}, "totals": {"sum(quantity)": 7},
             "series": {"sum(quantity)": [2, 0, 5]}},
            {"by": {"project": 3}, "totals": {"sum(quantity)": 1},
             "series": {"sum(quantity)": [0, 1, 0]}}
        ]
    }))
    .expect("sample stats")
}

/// The sessions answer grouped by project: project 1 had 5 sessions (one crashed), project 3
/// none (a `null` rate), as the server sends it.
fn sample_project_sessions() -> cairn_types::api::SessionsResponse {
    serde_json::from_value(serde_json::json!({
        "start": "2026-11-01T10:00:00Z",
        "end": "2026-11-01T13:00:00Z",
        "intervals": ["2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", "2026-11-01T12:00:00Z"],
        "groups": [
            {"by": {"project": 1},
             "totals": {"sum(session)": 5, "crash_free_rate(session)": 0.8},
             "series": {"sum(session)": [5, 0, 0], "crash_free_rate(session)": [0.8, null, null]}},
            {"by": {"project": 3},
             "totals": {"sum(session)": 0, "crash_free_rate(session)": null},
             "series": {"sum(session)": [0, 0, 0], "crash_free_rate(session)": [null, null, null]}}
        ],
        "query": ""
    }))
    .expect("sample sessions")
}

#[wasm_bindgen_test]
fn projects_health_is_read_from_the_stats_and_sessions_answers() {
    let stats = sample_project_stats();
    let errors = errors_by_project(&stats);
    assert_eq!(errors.get("1"), Some(&(vec![2, 0, 5], 7)));
    assert_eq!(errors.get("3"), Some(&(vec![0, 1, 0], 1)));
    assert_eq!(errors.len(), 2);

    let sessions = sample_project_sessions();
    let rates = crash_free_by_project(&sessions);
    assert_eq!(rates.len(), 1, "no rate for a project without sessions: {rates:?}");
    assert!((rates["1"] - 80.0).abs() < 1e-9);

    let health = health_of(&stats, &sessions);
    assert_eq!(health.intervals, 3);
    assert_eq!(
        health.of("1"),
        ProjectHealth { errors: vec![2, 0, 5], total: 7, crash_free: Some(rates["1"]) }
    );
    assert_eq!(health.of("3").crash_free, None);
    // A project with neither errors nor sessions: empty intervals, nothing else.
    assert_eq!(health.of("9"), ProjectHealth { errors: vec![0; 3], total: 0, crash_free: None });
}

#[wasm_bindgen_test]
fn projects_page_period_is_24h_or_14d() {
    assert_eq!(period_of(None).0, "24h", "the default");
    assert_eq!(*period_of(Some("14d")), ("14d", "1d", "last 14 days"));
    assert_eq!(period_of(Some("24h")).1, "1h");
    assert_eq!(period_of(Some("90d")).0, "24h", "a period the page does not offer");
    assert_eq!(projects_href("a/b", "14d"), "/organizations/a%2Fb/projects/?statsPeriod=14d");
}

#[wasm_bindgen_test]
fn project_cards_show_errors_crash_free_rate_and_links() {
    let projects = vec![
        sample_project("1", "backend", "Backend", Some("python")),
        sample_project("3", "web", "<b>Web</b>", None),
    ];
    let health = health_of(&sample_project_stats(), &sample_project_sessions());
    let m = Mounted::new(move || {
        view! { <ProjectCards org="acme" projects period="24h" health=Some(Ok(health))/> }
    });

    assert_eq!(m.count(".project-card"), 2);
    let backend = ".project-card[data-project=backend]";
    assert_eq!(m.text(&format!("{backend} .project-card-name")), "Backend");
    assert_eq!(m.text(&format!("{backend} .project-platform")), "python");
    assert_eq!(m.text(&format!("{backend} .project-errors")), "7");
    assert_eq!(m.text(&format!("{backend} .project-crash-free")), "80%");
    assert_eq!(m.attr(&format!("{backend} .project-crash-free"), "data-value"), "80");
    assert_eq!(m.count(&format!("{backend} svg.sparkline")), 1);
    assert!(
        m.text(&format!("{backend} svg.sparkline title")).starts_with("7 events in the last 24"),
        "the sparkline's total"
    );
    let issues = m.attr(&format!("{backend} .project-link-issues"), "href");
    assert!(issues.starts_with("/organizations/acme/issues/?"), "{issues}");
    assert!(issues.contains("&statsPeriod=24h&project=1"), "{issues}");
    assert_eq!(m.attr(&format!("{backend} .project-card-name"), "href"), issues);
    let releases = m.attr(&format!("{backend} .project-link-releases"), "href");
    assert!(releases.starts_with("/organizations/acme/releases/?"), "{releases}");
    assert!(releases.contains("project=backend"), "{releases}");
    assert_eq!(
        m.attr(&format!("{backend} .project-link-settings"), "href"),
        "/settings/acme/projects/backend/"
    );

    // No sessions: no rate; the name is text, not markup.
    let web = ".project-card[data-project=web]";
    assert_eq!(m.text(&format!("{web} .project-card-name")), "<b>Web</b>");
    assert_eq!(m.count(&format!("{web} .project-card-name b")), 0);
    assert_eq!(m.count(&format!("{web} .project-platform")), 0);
    assert_eq!(m.text(&format!("{web} .project-errors")), "1");
    assert_eq!(m.text(&format!("{web} .project-crash-free")), "\u{2015}");
    assert!(m.get(&format!("{web} .project-crash-free")).get_attribute("data-value").is_none());
}

#[wasm_bindgen_test]
fn project_cards_wait_for_the_health() {
    let projects = vec![sample_project("1", "backend", "Backend", None)];
    let m = Mounted::new(move || {
        view! { <ProjectCards org="acme" projects period="14d" health=None/> }
    });
    assert_eq!(m.count(".project-card"), 1);
    assert_eq!(m.text(".project-card .project-errors"), "\u{2026}");
    assert_eq!(m.count(".project-card svg.sparkline"), 0);
    assert!(m.attr(".project-card .project-link-issues", "href").contains("statsPeriod=14d"));
    // Loaded, with no errors in the period: zero and an empty chart.
    let m = Mounted::new(|| {
        let projects = vec![sample_project("1", "backend", "Backend", None)];
        let health = Health { intervals: 14, ..Health::default() };
        view! { <ProjectCards org="acme" projects period="14d" health=Some(Ok(health))/> }
    });
    assert_eq!(m.text(".project-card .project-errors"), "0");
    assert_eq!(m.count(".project-card svg.sparkline"), 1);
}

/// A member as the server sends it: `pending` invitations have no user and their address as
/// their name.
fn sample_member(id: &str, email: &str, pending: bool, expired: bool) -> Member {
    let user = (!pending).then(|| {
        serde_json::json!({"id": id, "email": email, "name": "Ada", "username": email,
                           "isSuperuser": false})
    });
    serde_json::from_value(serde_json::json!({
        "id": id, "email": email, "name": if pending { email } else { "Ada" }, "user": user,
        "orgRole": "admin", "role": "admin", "roleName": "Admin", "pending": pending,
        "expired": expired, "dateCreated": "2026-11-01T10:00:00Z", "inviteStatus": "approved",
        "teams": [], "teamRoles": []
    }))
    .expect("sample member")
}

#[wasm_bindgen_test]
fn login_goes_on_to_a_path_of_this_site_only() {
    assert_eq!(after_login(None), "/");
    assert_eq!(after_login(Some("/accept/7/abc/")), "/accept/7/abc/");
    for elsewhere in ["//evil.example/", "https://evil.example/", "/\\evil.example/", "accept/7/"] {
        assert_eq!(after_login(Some(elsewhere)), "/", "{elsewhere}");
    }
}

#[wasm_bindgen_test]
fn a_new_invitation_shows_its_link_and_says_whether_cairn_emails_it() {
    let link = "http://127.0.0.1:8000/accept/2/abc/";
    let invited = |emailed: bool| {
        let mut member = sample_member("2", "new@example.com", true, false);
        member.invite_link = Some(link.to_owned());
        member.invite_emailed = Some(emailed);
        member
    };
    let member = invited(false);
    let m = Mounted::new(move || view! { <NewInvite member/> });
    assert_eq!(m.text("#invite-link"), link);
    assert_eq!(
        m.text(".new-invite p"),
        "Send this link to new@example.com. It is shown only now, and works for 30 days."
    );
    let member = invited(true);
    let m = Mounted::new(move || view! { <NewInvite member/> });
    assert_eq!(m.text("#invite-link"), link);
    assert!(
        m.text(".new-invite p").starts_with("Cairn is emailing this link to new@example.com;"),
        "{}",
        m.text(".new-invite p")
    );
    // A member without a link (a role change's answer) shows nothing.
    let member = sample_member("1", "ada@example.com", false, false);
    let m = Mounted::new(move || view! { <NewInvite member/> });
    assert_eq!(m.count(".new-invite"), 0);
}

#[wasm_bindgen_test]
async fn member_rows_tell_invitations_apart_and_ask_for_changes_by_id() {
    let asked = RwSignal::new(Vec::<MemberChange>::new());
    let on_change = Callback::new(move |change| asked.update(|a| a.push(change)));
    let members = vec![
        sample_member("1", "ada@example.com", false, false),
        sample_member("2", "new@example.com", true, false),
        sample_member("3", "old@example.com", true, true),
    ];
    let m = Mounted::new(move || {
        view! {
            <ul>
                {members
                    .into_iter()
                    .map(|member| view! { <MemberRow member on_change/> })
                    .collect_view()}
            </ul>
        }
    });
    let texts = |selector: &str| -> Vec<String> {
        let list = m.root.query_selector_all(selector).expect("selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|node| node.text_content().unwrap_or_default())
            .collect()
    };
    // A member's name and address; an invitation's address once, with its state.
    assert_eq!(texts(".member-name"), ["Ada"]);
    assert_eq!(texts(".member-email"), ["ada@example.com", "new@example.com", "old@example.com"]);
    assert_eq!(texts(".member-status"), ["Invited", "Invitation expired"]);
    assert_eq!(texts(".member-remove"), ["Remove", "Withdraw", "Withdraw"]);
    assert_eq!(m.count(".member-new-link"), 2, "invitations only");
    let role: web_sys::HtmlSelectElement =
        m.get("[data-email='ada@example.com'] .member-role").unchecked_into();
    assert_eq!(role.value(), "admin", "the member's role is the one selected");
    m.select("[data-email='ada@example.com'] .member-role", "owner");
    m.click("[data-email='new@example.com'] .member-remove");
    m.click("[data-email='old@example.com'] .member-new-link");
    settle().await;
    assert_eq!(
        asked.get_untracked(),
        [
            MemberChange::Role("1".into(), "owner".into()),
            MemberChange::Remove("2".into()),
            MemberChange::NewLink("3".into()),
        ]
    );
}

#[wasm_bindgen_test]
async fn team_rows_list_their_members_and_offer_the_others() {
    let changes = RwSignal::new(Vec::<TeamChange>::new());
    let on_change = Callback::new(move |change| changes.update(|c| c.push(change)));
    let mut inside = sample_member("1", "ada@example.com", false, false);
    inside.teams = vec!["web".into()];
    let mut outside = sample_member("2", "bob@example.com", false, false);
    outside.name = "Bob".into();
    let members = vec![inside, outside, sample_member("3", "new@example.com", true, false)];
    let team: Team = serde_json::from_value(serde_json::json!({
        "id": "4", "slug": "web", "name": "Web", "dateCreated": "2026-11-01T10:00:00Z"
    }))
    .expect("sample team");
    let m = Mounted::new(move || view! { <ul><TeamRow team members on_change/></ul> });
    assert_eq!(m.text(".team-name"), "#web");
    assert_eq!(m.count(".team-member"), 1);
    assert!(m.text(".team-member").starts_with("Ada"));
    // The others to add: members outside the team, not invitations still pending.
    assert_eq!(m.count(".team-add option"), 2, "the prompt and Bob");
    m.select(".team-add", "2");
    m.click(".team-member-remove");
    // Renaming: the slug in a field; the same slug asks nothing.
    m.click(".team-rename-start");
    settle().await;
    let field: web_sys::HtmlInputElement = m.get(".team-slug").unchecked_into();
    assert_eq!(field.value(), "web");
    let submit = |m: &Mounted| {
        let form: web_sys::HtmlFormElement = m.get("form.team-rename").unchecked_into();
        form.request_submit().expect("submit");
    };
    submit(&m);
    settle().await;
    m.click(".team-rename-start");
    settle().await;
    m.type_into(".team-slug", "frontend");
    submit(&m);
    settle().await;
    assert_eq!(m.count(".team-rename"), 0, "the field closes");
    // Deleting asks first; cancelling asks nothing.
    m.click(".team-delete");
    settle().await;
    assert_eq!(m.count(".team-confirm"), 1);
    m.click(".team-delete-cancel");
    settle().await;
    assert_eq!(m.count(".team-confirm"), 0);
    m.click(".team-delete");
    settle().await;
    m.click(".team-delete-confirm");
    settle().await;
    assert_eq!(
        changes.get_untracked(),
        [
            TeamChange::Join("2".into(), "web".into()),
            TeamChange::Leave("1".into(), "web".into()),
            TeamChange::Rename("web".into(), "frontend".into()),
            TeamChange::Delete("web".into()),
        ]
    );
}

// ---- audit log ----

#[wasm_bindgen_test]
fn audit_log_table_names_the_actor_or_cairn_and_keeps_notes_as_text() {
    use cairn_dashboard::pages::audit_log::AuditLogTable;
    use cairn_types::api::AuditLogEntry;

    let hostile = "<img src=x onerror=alert(1)>";
    // As the server sends them: the second entry was made by Cairn itself (`actor: null`).
    let entries: Vec<AuditLogEntry> = serde_json::from_value(serde_json::json!([
        {
            "id": "2",
            "actor": {"id": "1", "name": "Ada", "username": "ada@example.com",
                      "email": "ada@example.com", "isSuperuser": false},
            "event": "member.invite",
            "ipAddress": "203.0.113.7",
            "note": "invited member bob@example.com",
            "targetObject": 5,
            "targetUser": null,
            "data": {"email": "bob@example.com", "role": "member"},
            "dateCreated": "2026-11-25T09:55:00Z"
        },
        {
            "id": "1",
            "actor": null,
            "event": "member.remove",
            "ipAddress": null,
            "note": hostile,
            "targetObject": null,
            "targetUser": null,
            "dateCreated": "2026-11-24T08:00:00Z"
        }
    ]))
    .expect("sample entries match the wire type");
    let m = Mounted::new(move || view! { <AuditLogTable entries/> });
    assert_eq!(m.count("table#audit-log tr.audit-row"), 2);
    assert_eq!(m.count("table#audit-log thead th"), 5);
    let cell = |row: u32, class: &str| {
        m.text(&format!("tr.audit-row:nth-child({row}) .{class}")).trim().to_owned()
    };
    assert_eq!(cell(1, "audit-actor"), "Ada");
    assert_eq!(m.attr("tr.audit-row:nth-child(1) .audit-actor", "title"), "ada@example.com");
    assert_eq!(cell(1, "audit-event"), "member.invite");
    assert_eq!(m.count("tr.audit-row:nth-child(1) .audit-event code"), 1);
    assert_eq!(cell(1, "audit-note"), "invited member bob@example.com");
    assert_eq!(cell(1, "audit-ip"), "203.0.113.7");
    assert_eq!(m.count("tr.audit-row:nth-child(1) .audit-date time"), 1);
    assert_eq!(
        m.attr("tr.audit-row:nth-child(1) .audit-date time", "datetime"),
        "2026-11-25T09:55:00Z"
    );
    assert_eq!(cell(2, "audit-actor"), "Cairn");
    assert!(
        !m.get("tr.audit-row:nth-child(2) .audit-actor").has_attribute("title"),
        "Cairn has no address"
    );
    assert_eq!(cell(2, "audit-event"), "member.remove");
    assert_eq!(cell(2, "audit-ip"), "—");
    // The note is shown as the text it is, never parsed as markup.
    assert_eq!(cell(2, "audit-note"), hostile);
    assert_eq!(m.count("img"), 0, "no element made from the note");
    drop(m);

    let m = Mounted::new(|| view! { <AuditLogTable entries=Vec::new()/> });
    assert_eq!(m.count(".audit-row"), 0);
    assert!(m.get("#audit-log").class_list().contains("empty-state"));
    assert_eq!(m.text("#audit-log").trim(), "No changes recorded yet.");
}

#[wasm_bindgen_test]
fn audit_log_page_path_is_sentrys() {
    assert_eq!(Page::AuditLog { org: "cairn".into() }.path(), "/settings/cairn/audit-log/");
    assert_eq!(Page::AuditLog { org: "a/b".into() }.path(), "/settings/a%2Fb/audit-log/");
}

// ---- forms ----

#[wasm_bindgen_test]
async fn login_form_sends_the_credentials_and_shows_the_servers_error() {
    let sent: Rc<RefCell<Option<LoginRequest>>> = Rc::default();
    let seen = Rc::clone(&sent);
    let m = Mounted::new(move || {
        let action: LoginAction = Action::new_local(move |request: &LoginRequest| {
            *seen.borrow_mut() = Some(request.clone());
            async { Err::<User, _>(failing(400, "Invalid email or password.")) }
        });
        view! { <LoginForm action/> }
    });

    assert!(m.find("form#login-form").is_some());
    assert!(m.find(".form-error").is_none(), "no error before submitting");
    m.type_into("form#login-form input[name=username]", "owner@example.com");
    m.type_into("form#login-form input[name=password]", "wrong password");
    m.click("form#login-form button[type=submit]");
    settle().await;

    let request = sent.borrow().clone().expect("the form dispatched the action");
    assert_eq!(request.username, "owner@example.com");
    assert_eq!(request.password, "wrong password");
    assert_eq!(m.text(".form-error"), "Invalid email or password.");
    assert!(m.find("form#login-form").is_some(), "the form stays for another try");
}

#[wasm_bindgen_test]
async fn setup_form_sends_no_name_when_left_empty_and_shows_errors() {
    let sent: Rc<RefCell<Option<SetupRequest>>> = Rc::default();
    let seen = Rc::clone(&sent);
    let m = Mounted::new(move || {
        let action: SetupAction = Action::new_local(move |request: &SetupRequest| {
            *seen.borrow_mut() = Some(request.clone());
            async { Err::<User, _>(failing(400, "Password must be at least 8 characters.")) }
        });
        view! { <SetupForm action/> }
    });

    assert!(m.find("form#setup-form input[name=name]").is_some());
    m.type_into("form#setup-form input[name=email]", " owner@example.com ");
    m.type_into("form#setup-form input[name=name]", "   ");
    m.type_into("form#setup-form input[name=password]", "long enough password");
    m.click("form#setup-form button[type=submit]");
    settle().await;

    let request = sent.borrow().clone().expect("the form dispatched the action");
    assert_eq!(request.email, "owner@example.com");
    assert_eq!(request.name, None);
    assert_eq!(request.password, "long enough password");
    assert_eq!(m.text(".form-error"), "Password must be at least 8 characters.");
}

// ---- issue details: stack traces, breadcrumbs ----

fn frames() -> Vec<Frame> {
    serde_json::from_value(serde_json::json!([
        {"filename": "lib/runtime.py", "function": "run", "lineno": 100, "in_app": false},
        {"filename": "app/main.py", "function": "main", "lineno": 3, "in_app": true},
        {"filename": "lib/json.py", "function": "loads", "lineno": 7, "in_app": false},
        {
            "filename": "app/orders.py", "function": "parse_order", "lineno": 10, "in_app": true,
            "pre_context": ["def parse_order(raw):", "    raw = raw.strip()"],
            "context_line": "    return int(raw)",
            "post_context": ["", "def other():"],
            "vars": {"raw": "'x'", "count": 3}
        }
    ]))
    .expect("sample frames")
}

#[wasm_bindgen_test]
async fn stack_trace_hides_system_frames_until_toggled_newest_first() {
    let frames = frames();
    let m = Mounted::new(move || view! { <StackTrace frames/> });

    // In-app only by default: the two app frames, newest first.
    assert_eq!(m.count(".frame"), 2);
    assert_eq!(m.count(".frame.system"), 0);
    assert_eq!(m.text(".frame:first-child .frame-function"), "parse_order");
    let checkbox: HtmlInputElement = m.get(".in-app-toggle input").unchecked_into();
    assert!(checkbox.checked());
    assert_eq!(m.text(".in-app-hidden"), " (2 system frames hidden)");

    m.click(".in-app-toggle input");
    settle().await;
    assert_eq!(m.count(".frame"), 4);
    assert_eq!(m.text(".in-app-hidden"), "");
    assert_eq!(m.count(".frame.system"), 2);
    let functions = m.root.query_selector_all(".frame .frame-function").expect("selector");
    let function = |i| functions.item(i).and_then(|n| n.text_content()).unwrap_or_default();
    assert_eq!(
        (function(0), function(1), function(2), function(3)),
        ("parse_order".into(), "loads".into(), "main".into(), "run".into())
    );

    m.click(".in-app-toggle input");
    settle().await;
    assert_eq!(m.count(".frame"), 2);
}

/// Frames as Cairn's API (like Sentry's) serves them: camelCase names, numbered `context`.
#[wasm_bindgen_test]
async fn api_frames_with_sentrys_names_show_the_same() {
    let frames: Vec<Frame> = serde_json::from_value(serde_json::json!([
        {"filename": "lib/runtime.py", "function": "run", "lineNo": 100, "inApp": false,
         "context": []},
        {"filename": "app/orders.py", "absPath": "/srv/app/orders.py", "function": "parse_order",
         "lineNo": 10, "colNo": 5, "inApp": true, "vars": {"raw": "'x'"},
         "context": [[9, "    raw = raw.strip()"], [10, "    return int(raw)"], [11, ""]]}
    ]))
    .expect("API frames");
    let m = Mounted::new(move || view! { <StackTrace frames/> });
    assert_eq!(m.count(".frame"), 1, "in-app only");
    assert_eq!(m.text(".frame:first-child .frame-location"), "app/orders.py:10:5");

    m.click(".frame:first-child .frame-header");
    settle().await;
    assert_eq!(m.count(".frame-context .context-line"), 3);
    assert_eq!(m.text(".context-line.current .lineno"), "10");
    assert_eq!(m.text(".context-line.current .source"), "    return int(raw)");
    assert_eq!(m.text(".context-line:first-child .lineno"), "9");
    assert!(m.text(".frame-vars").contains("'x'"));
}

#[wasm_bindgen_test]
async fn stack_trace_without_in_app_frames_shows_all_without_toggle() {
    let frames: Vec<Frame> = frames().into_iter().filter(|f| !f.is_in_app()).collect();
    let m = Mounted::new(move || view! { <StackTrace frames/> });
    assert_eq!(m.count(".frame"), 2);
    assert!(m.find(".in-app-toggle").is_none());
}

#[wasm_bindgen_test]
async fn expanding_a_frame_shows_its_context_lines_and_vars() {
    let frames = frames();
    let m = Mounted::new(move || view! { <StackTrace frames/> });
    assert_eq!(m.count(".frame-context"), 0);

    m.click(".frame:first-child .frame-header");
    settle().await;
    assert_eq!(m.count(".frame-context .context-line"), 5);
    assert_eq!(m.text(".context-line.current .lineno"), "10");
    assert_eq!(m.text(".context-line.current .source"), "    return int(raw)");
    assert_eq!(m.text(".context-line:first-child .lineno"), "8");
    assert_eq!(m.text(".context-line:first-child .source"), "def parse_order(raw):");
    let vars = m.text(".frame-vars");
    assert!(vars.contains("raw") && vars.contains("'x'") && vars.contains("count"), "{vars}");

    m.click(".frame:first-child .frame-header");
    settle().await;
    assert_eq!(m.count(".frame-context"), 0);
}

#[wasm_bindgen_test]
fn chained_exceptions_each_have_their_trace_most_recent_first() {
    let values: Vec<ExceptionValue> = serde_json::from_value(serde_json::json!([
        {"type": "KeyError", "value": "'id'", "stacktrace": {"frames": [
            {"function": "lookup", "in_app": true}
        ]}},
        {"type": "ValueError", "value": "bad order", "mechanism": {"handled": false},
         "stacktrace": {"frames": [
            {"function": "handle", "in_app": true}, {"function": "parse", "in_app": true}
        ]}}
    ]))
    .expect("sample exceptions");
    let m = Mounted::new(move || view! { <ExceptionList values/> });
    assert_eq!(m.count("#exceptions .exception"), 2);
    assert_eq!(m.count("#exceptions .exception .stacktrace"), 2);
    assert_eq!(m.text(".exception:first-child .exception-type"), "ValueError");
    assert_eq!(m.text(".exception:first-child .exception-value"), "bad order");
    assert_eq!(m.count(".exception:first-child .frame"), 2);
    assert_eq!(m.text(".exception:last-child .exception-type"), "KeyError");
    assert_eq!(m.count(".exception:last-child .frame"), 1);
}

fn crumbs() -> Vec<Breadcrumb> {
    serde_json::from_value(serde_json::json!([
        {"timestamp": "2026-11-25T12:00:00Z", "category": "auth", "message": "user logged in"},
        {"timestamp": 1795608002.5, "type": "http", "category": "httplib",
         "data": {"url": "https://api.example.com/orders", "method": "GET"}},
        {"timestamp": "2026-11-25T12:00:03Z", "category": "query", "message": "SELECT * FROM orders",
         "level": "warning"},
        {"category": "auth", "message": "token refreshed"}
    ]))
    .expect("sample breadcrumbs")
}

#[wasm_bindgen_test]
async fn breadcrumbs_filter_by_category_and_search_text() {
    let crumbs = crumbs();
    let m = Mounted::new(move || view! { <Breadcrumbs crumbs/> });
    assert_eq!(m.count("#breadcrumbs .crumb"), 4);
    // Newest first.
    assert_eq!(m.text(".crumb:first-child .crumb-message"), "token refreshed");
    assert!(m.get(".crumb:nth-child(2)").class_list().contains("crumb-warning"));
    assert_eq!(m.text(".crumb:nth-child(3) .crumb-type"), "HTTP");

    m.click(".breadcrumb-filter [data-filter=auth]");
    settle().await;
    assert_eq!(m.count(".crumb"), 2);
    assert!(m.text(".crumbs").contains("user logged in"));

    m.type_into(".breadcrumb-search", "LOGGED");
    settle().await;
    assert_eq!(m.count(".crumb"), 1);
    assert_eq!(m.text(".crumb .crumb-message"), "user logged in");

    // Back to every category: the search still applies, and it looks into the data too.
    m.click(".breadcrumb-filter [data-filter='']");
    m.type_into(".breadcrumb-search", "api.example.com");
    settle().await;
    assert_eq!(m.count(".crumb"), 1);
    assert_eq!(m.text(".crumb .crumb-category"), "httplib");

    m.type_into(".breadcrumb-search", "nothing like this");
    settle().await;
    assert_eq!(m.count(".crumb"), 0);
    assert!(m.find("#breadcrumbs .empty-note").is_some());
}

#[wasm_bindgen_test]
fn breadcrumb_times_are_relative_to_the_event() {
    let event = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 5).single().expect("date");
    assert_eq!(relative_to_event(event - Duration::milliseconds(2500), event), "-2.500s");
    assert_eq!(relative_to_event(event - Duration::seconds(65), event), "-1m 05s");
    assert_eq!(relative_to_event(event, event), "-0.000s");
    let crumbs = crumbs();
    let m = Mounted::new(move || view! { <Breadcrumbs crumbs event_time=event/> });
    assert_eq!(m.text(".crumb:last-child .crumb-time"), "-5.000s");
    assert_eq!(m.text(".crumb:nth-child(2) .crumb-time"), "-2.000s");
}

#[wasm_bindgen_test]
fn exception_values_and_breadcrumbs_render_as_text() {
    let payload = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let values = vec![ExceptionValue {
        kind: Some("<b>Error</b>".into()),
        value: Some(payload.into()),
        ..ExceptionValue::default()
    }];
    let crumbs = vec![Breadcrumb {
        message: Some(payload.into()),
        category: Some("<i>ui</i>".into()),
        level: Some("error\" onmouseover=\"alert(3)".into()),
        ..Breadcrumb::default()
    }];
    let m = Mounted::new(move || {
        view! {
            <ExceptionList values/>
            <Breadcrumbs crumbs/>
        }
    });
    assert_eq!(m.text(".exception-value"), payload);
    assert_eq!(m.text(".exception-type"), "<b>Error</b>");
    assert_eq!(m.text(".crumb-message"), payload);
    assert_eq!(m.text(".crumb-category"), "<i>ui</i>");
    for tag in ["script", "img", "b", "i", "[onerror]", "[onmouseover]"] {
        assert_eq!(m.count(tag), 0, "{tag}");
    }
    assert!(m.get(".crumb").class_list().contains("crumb-info"));
}

// ---- issue details: the rest of the event, header, activity ----

#[wasm_bindgen_test]
fn event_details_show_tags_contexts_user_request_and_sdk() {
    let event: Event = serde_json::from_value(serde_json::json!({
        "id": "e1", "eventID": "e1", "groupID": "7", "projectID": "1",
        "title": "ValueError: bad", "message": "ValueError: bad", "type": "error",
        "platform": "python",
        "dateCreated": "2026-11-25T12:00:00Z", "dateReceived": "2026-11-25T12:00:01Z",
        "entries": [
            {"type": "message", "data": {"formatted": "Order <b>7</b> failed"}},
            {"type": "request", "data": {
                "method": "POST", "url": "https://shop.example.com/orders",
                "query_string": [["page", "2"]],
                "headers": [["User-Agent", "curl/8.0"], ["Accept", "*/*"]]
            }}
        ],
        "tags": [{"key": "environment", "value": "production"}, {"key": "release", "value": "1.0"}],
        "contexts": {
            "runtime": {"type": "runtime", "name": "CPython", "version": "3.12.1"},
            "browser": {"type": "browser", "name": "Chrome", "version": "120"},
            "custom": {"shard": 3},
            "flags": {"values": [{"flag": "new-checkout", "result": true},
                                 {"flag": "<img src=x onerror=alert(1)>", "result": "v2"}]}
        },
        "user": {"id": "42", "email": "alice@example.com"},
        "sdk": {"name": "sentry.python", "version": "2.0.0"},
        "context": {}, "release": null, "errors": [], "fingerprints": [],
        "previousEventID": null, "nextEventID": null
    }))
    .expect("sample event");
    let m = Mounted::new(move || view! { <EventDetails event/> });

    assert_eq!(m.text(".event-message"), "Order <b>7</b> failed");
    assert_eq!(m.count("#tags .tag-chip"), 2);
    assert_eq!(m.text("#tags .tag-chip:first-child"), "environment: production");
    // Known contexts first, in Sentry's order, then custom ones.
    let cards = m.root.query_selector_all("#contexts .context-card").expect("selector");
    let key =
        |i| cards.item(i).and_then(|n| n.unchecked_into::<Element>().get_attribute("data-context"));
    assert_eq!(
        (key(0), key(1), key(2), key(3)),
        (
            Some("browser".into()),
            Some("runtime".into()),
            Some("flags".into()),
            Some("custom".into())
        )
    );
    // Feature flags: a row per flag and its result, as text.
    assert_eq!(m.text("[data-context=flags] .context-title"), "Feature Flags");
    assert_eq!(m.count("[data-context=flags] tr"), 2);
    assert_eq!(m.text("[data-context=flags] tr:first-child th"), "new-checkout");
    assert_eq!(m.text("[data-context=flags] tr:first-child td"), "true");
    assert!(m.text("[data-context=flags]").contains("<img src=x onerror=alert(1)>"));
    assert_eq!(m.count("img"), 0, "a flag's name is text");
    assert_eq!(m.text("[data-context=runtime] .context-summary"), "CPython 3.12.1");
    assert!(m.text("[data-context=custom]").contains("shard"));
    assert!(m.text("#user").contains("alice@example.com"));
    assert_eq!(m.text("#request .request-method"), "POST");
    assert_eq!(m.text("#request .request-url"), "https://shop.example.com/orders");
    assert!(m.text("#request").contains("curl/8.0"));
    assert!(m.text("#request").contains("page"));
    assert!(m.text("#sdk").contains("sentry.python") && m.text("#sdk").contains("2.0.0"));
    assert!(m.find("#breadcrumbs.empty-note").is_some(), "no breadcrumbs: empty state");
    assert_eq!(m.count("b"), 0);
}

#[wasm_bindgen_test]
async fn highlights_pick_the_projects_tags_and_context_fields_the_event_has() {
    use cairn_dashboard::components::highlights::{
        context_of_lines, highlight_items, lines_of_context,
    };
    let event: Event = serde_json::from_value(serde_json::json!({
        "id": "e1", "eventID": "e1", "groupID": "7", "projectID": "1",
        "title": "ValueError: bad", "message": "", "type": "error", "platform": "python",
        "dateCreated": "2026-11-25T12:00:00Z", "dateReceived": "2026-11-25T12:00:01Z",
        "entries": [],
        "tags": [{"key": "level", "value": "error"}, {"key": "release", "value": "shop@1.2"}],
        "contexts": {"browser": {"name": "Firefox", "version": 120},
                     "trace": {"trace_id": "4c79f60c11214eb38604f4ae0781bfb2"}},
        "user": {"email": "ana@example.com"},
        "sdk": null, "context": {}, "release": null, "errors": [], "fingerprints": [],
        "previousEventID": null, "nextEventID": null
    }))
    .expect("sample event");
    let tags: Vec<String> = ["release", "handled", "level"].map(String::from).into();
    let context =
        context_of_lines("browser: name, version, engine\nuser: email\n\nos: name").expect("lines");
    let items = highlight_items(&tags, &context, &event);
    let pairs: Vec<(&str, &str)> = items.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The project's order; what the event lacks (handled, browser.engine, os.name) left out.
    assert_eq!(
        pairs,
        [
            ("release", "shop@1.2"),
            ("level", "error"),
            ("browser.name", "Firefox"),
            ("browser.version", "120"),
            ("user.email", "ana@example.com")
        ]
    );
    assert_eq!(lines_of_context(&context), "browser: name, version, engine\nos: name\nuser: email");
    assert!(context_of_lines("browser name").is_err(), "a line without a colon");

    // The section: nothing until the project's settings have loaded, then its items and the
    // link to edit them.
    use cairn_dashboard::components::highlights::EventHighlights;
    let settings: RwSignal<Option<cairn_types::api::ProjectDetails>> = RwSignal::new(None);
    let shown = event.clone();
    let m = Mounted::new(move || {
        view! { <EventHighlights org="cairn" event=shown.clone() settings/> }
    });
    assert_eq!(m.count("#highlights"), 0, "not loaded yet");
    let mut project =
        serde_json::to_value(sample_project("1", "shop", "Shop", None)).expect("project json");
    let fields = serde_json::json!({
        "dataScrubber": true, "dataScrubberDefaults": true, "scrubIPAddresses": false,
        "sensitiveFields": [], "safeFields": [], "allowedDomains": ["*"],
        "fingerprintingRules": "", "groupingEnhancements": "", "rateLimit": null,
        "newIssueAlerts": true, "highlightTags": ["release"],
        "highlightContext": {"user": ["email"]}
    });
    if let (Some(project), Some(fields)) = (project.as_object_mut(), fields.as_object()) {
        project.extend(fields.clone());
    }
    settings.set(Some(serde_json::from_value(project).expect("project details")));
    settle().await;
    assert_eq!(m.count("#highlights .highlight-item"), 2);
    assert_eq!(m.text("#highlights .highlight-item:first-child .highlight-value"), "shop@1.2");
    assert_eq!(
        m.get(".highlights-edit").get_attribute("href").as_deref(),
        Some("/settings/cairn/projects/shop/#highlights-form")
    );
}

fn sample_details(status: &str, bookmarked: bool) -> IssueDetails {
    let mut issue = sample_issue("7", "ValueError: bad");
    issue.status = status.into();
    issue.is_bookmarked = bookmarked;
    IssueDetails {
        issue,
        activity: Vec::new(),
        first_release: None,
        last_release: None,
        user_report_count: 0,
        is_subscribed: bookmarked,
        subscription_details: bookmarked
            .then(|| cairn_types::api::SubscriptionDetails { reason: "bookmarked".into() }),
        participants: Vec::new(),
        seen_by: Vec::new(),
    }
}

/// Mounts the issue header of `details`, recording the `PUT` bodies it sends.
fn header_recording(
    details: cairn_types::api::IssueDetails,
) -> (Mounted, Arc<Mutex<Vec<UpdateIssueRequest>>>) {
    let sent: Arc<Mutex<Vec<UpdateIssueRequest>>> = Arc::default();
    let seen = Arc::clone(&sent);
    let m = Mounted::new(move || {
        let on_update =
            Callback::new(move |r: UpdateIssueRequest| seen.lock().expect("lock").push(r));
        view! { <IssueHeader details on_update busy=false/> }
    });
    (m, sent)
}

#[wasm_bindgen_test]
async fn issue_header_buttons_send_the_changes() {
    let (m, sent) = header_recording(sample_details("unresolved", false));
    assert_eq!(m.text("#issue-header .issue-title"), "ValueError: bad");
    assert_eq!(m.text("#issue-header .issue-status"), "unresolved");
    assert!(m.find("button.unresolve").is_none(), "already unresolved");
    m.click("button.resolve");
    m.click("button.ignore");
    m.click("button.bookmark");
    assert_eq!(m.text("button.subscribe"), "Subscribe");
    m.click("button.subscribe");
    settle().await;
    let sent = sent.lock().expect("lock");
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0].status.as_deref(), Some("resolved"));
    // Archive: Sentry's default, until the issue escalates.
    assert_eq!(
        (sent[1].status.as_deref(), sent[1].substatus.as_deref()),
        (Some("ignored"), Some("archived_until_escalating"))
    );
    assert_eq!(m.text("button.ignore"), "Archive");
    assert_eq!((sent[2].status.clone(), sent[2].is_bookmarked), (None, Some(true)));
    assert_eq!((sent[3].is_bookmarked, sent[3].is_subscribed), (None, Some(true)));
}

#[wasm_bindgen_test]
async fn issue_header_shows_the_priority_and_sets_it() {
    use cairn_dashboard::components::issue_actions::{priority_request, PRIORITY_CHOICES};
    // The request: Sentry's body, only for the priorities there are.
    let values: Vec<&str> = PRIORITY_CHOICES.iter().map(|(value, _)| *value).collect();
    assert_eq!(values, cairn_types::api::PRIORITIES);
    let low = priority_request("low").expect("a priority");
    assert_eq!(low, UpdateIssueRequest { priority: Some("low".into()), ..Default::default() });
    assert_eq!(serde_json::to_value(&low).expect("json")["priority"], "low");
    assert_eq!(priority_request(""), None, "the placeholder");
    assert_eq!(priority_request("urgent"), None);

    let mut details = sample_details("unresolved", false);
    details.issue.priority = Some("medium".into());
    let (m, sent) = header_recording(details);
    assert_eq!(m.text("#issue-header label.issue-priority .picker-label"), "Priority");
    let select: web_sys::HtmlSelectElement =
        m.get("#issue-header .issue-priority select").unchecked_into();
    assert_eq!(select.value(), "medium", "the current priority");
    assert_eq!(m.text(".issue-priority select"), "HighMediumLow", "no placeholder");
    m.select(".issue-priority select", "high");
    settle().await;
    let expected = UpdateIssueRequest { priority: Some("high".into()), ..Default::default() };
    assert_eq!(*sent.lock().expect("lock"), vec![expected]);

    // Without a priority (an issue from before priorities), a placeholder shows.
    let m = Mounted::new(move || {
        let mut details = sample_details("unresolved", false);
        details.issue.priority = None;
        view! { <IssueHeader details on_update=Callback::new(|_| ()) busy=true/> }
    });
    let select: web_sys::HtmlSelectElement = m.get(".issue-priority select").unchecked_into();
    assert_eq!((select.value(), select.disabled()), (String::new(), true));
    assert_eq!(m.text(".issue-priority option[value='']"), "Not set");
}

#[wasm_bindgen_test]
async fn issue_header_marks_an_issue_for_review_reviewed() {
    use cairn_dashboard::components::activity::activity_text;
    let mut details = sample_details("unresolved", false);
    details.issue.inbox = Some(serde_json::json!({"reason": 2, "reason_details": null}));
    let (m, sent) = header_recording(details);
    assert_eq!(m.text("#issue-header button.mark-reviewed"), "Mark reviewed");
    m.click("button.mark-reviewed");
    settle().await;
    let expected = UpdateIssueRequest { inbox: Some(false), ..Default::default() };
    assert_eq!(*sent.lock().expect("lock"), vec![expected]);

    // Not for review: no button.
    let m = Mounted::new(move || {
        let mut details = sample_details("unresolved", false);
        details.issue.inbox = None;
        view! { <IssueHeader details on_update=Callback::new(|_| ()) busy=false/> }
    });
    assert!(m.find("button.mark-reviewed").is_none());

    let reviewed = serde_json::from_value::<cairn_types::api::Activity>(serde_json::json!({
        "id": "4", "type": "mark_reviewed", "data": {}, "dateCreated": "2026-11-25T13:00:00Z",
        "user": null
    }))
    .expect("an activity");
    assert_eq!(activity_text(&reviewed), "marked this issue reviewed");
}

#[wasm_bindgen_test]
fn resolved_issue_offers_unresolve_and_bookmarked_offers_removal() {
    let m = Mounted::new(|| {
        let on_update = Callback::new(|_: UpdateIssueRequest| ());
        view! { <IssueHeader details=sample_details("resolved", true) on_update busy=false/> }
    });
    assert!(m.find("button.resolve").is_none());
    assert!(m.find("button.unresolve").is_some());
    assert_eq!(m.text("button.bookmark"), "Remove bookmark");
    // Subscribed by bookmarking it: the button unsubscribes and says why.
    assert_eq!(m.text("button.subscribe"), "Unsubscribe");
    let title = m.find("button.subscribe").and_then(|b| b.get_attribute("title"));
    assert_eq!(title.as_deref(), Some("You are subscribed because you bookmarked this issue."));
}

#[wasm_bindgen_test]
fn comments_mention_members_by_email_and_teams_by_slug() {
    let member = |id: &str, email: &str| -> cairn_types::api::Member {
        serde_json::from_value(serde_json::json!({
            "id": format!("m{id}"), "email": email, "name": email, "role": "member",
            "orgRole": "member", "roleName": "Member", "pending": false, "expired": false,
            "dateCreated": "2026-01-01T00:00:00Z", "inviteStatus": "approved", "teams": [],
            "teamRoles": [],
            "user": {"id": id, "name": email, "username": email, "email": email,
                     "isSuperuser": false},
        }))
        .expect("a member")
    };
    let team: cairn_types::api::Team = serde_json::from_value(serde_json::json!({
        "id": "9", "slug": "payments", "name": "Payments", "dateCreated": "2026-01-01T00:00:00Z",
    }))
    .expect("a team");
    let members = [member("3", "ann@example.com"), member("4", "bob@example.com")];
    let text = "(@Ann@example.com) and #payments, please; @bob@example.com! \
                not @nobody@example.com, #nope or an@email.com; again @ann@example.com.";
    assert_eq!(
        cairn_dashboard::pages::issue::mentions(text, &members, &[team]),
        ["user:3", "team:9", "user:4"]
    );
    assert!(cairn_dashboard::pages::issue::mentions("no one", &members, &[]).is_empty());
}

#[wasm_bindgen_test]
async fn activity_log_shows_notes_as_text_and_sends_comments() {
    let activity = serde_json::from_value::<Vec<cairn_types::api::Activity>>(serde_json::json!([
        {"id": "2", "type": "note", "data": {"text": "<img src=x onerror=alert(1)>"},
         "dateCreated": "2026-11-25T12:00:00Z",
         "user": {"id": "1", "name": "Alice", "username": "a@example.com",
                  "email": "a@example.com", "isSuperuser": false}},
        {"id": "1", "type": "first_seen", "data": {}, "dateCreated": "2026-11-25T11:00:00Z", "user": null}
    ]))
    .expect("sample activity");
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&sent);
    let m = Mounted::new(move || {
        let on_comment = Callback::new(move |text: String| seen.lock().expect("lock").push(text));
        view! { <ActivityLog activity on_comment commenting=false/> }
    });
    assert_eq!(m.count("#activity .activity-item"), 2);
    assert_eq!(m.text(".activity-note"), "<img src=x onerror=alert(1)>");
    assert_eq!(m.count("img"), 0);
    assert!(m.text(".activity-type-first-seen").contains("first saw this issue"));
    m.type_into("#activity textarea", "Looking into it");
    settle().await;
    m.click("#activity button[type=submit]");
    settle().await;
    assert_eq!(sent.lock().expect("lock").as_slice(), ["Looking into it".to_owned()]);
}

#[wasm_bindgen_test]
fn priority_changes_read_as_who_set_it_or_why_cairn_raised_it() {
    use cairn_dashboard::components::activity::activity_text;
    let activity = serde_json::from_value::<Vec<cairn_types::api::Activity>>(serde_json::json!([
        {"id": "3", "type": "set_priority", "data": {"priority": "<b>urgent</b>", "reason": null},
         "dateCreated": "2026-11-25T13:00:00Z", "user": null},
        {"id": "2", "type": "set_priority", "data": {"priority": "high", "reason": null},
         "dateCreated": "2026-11-25T12:00:00Z",
         "user": {"id": "1", "name": "Alice", "username": "a@example.com",
                  "email": "a@example.com", "isSuperuser": false}},
        {"id": "1", "type": "set_priority", "data": {"priority": "medium", "reason": "escalating"},
         "dateCreated": "2026-11-25T11:00:00Z", "user": null}
    ]))
    .expect("sample activity");
    let texts: Vec<String> = activity.iter().map(activity_text).collect();
    assert_eq!(
        texts,
        [
            "set the priority",
            "set the priority to High",
            "raised the priority to Medium (the issue escalated)"
        ]
    );
    let m = Mounted::new(move || {
        view! { <ActivityLog activity on_comment=Callback::new(|_| ()) commenting=false/> }
    });
    assert_eq!(m.count(".activity-type-priority"), 3);
    let item = |id: &str| m.text(&format!("[data-activity-id='{id}'] .activity-who"));
    assert_eq!((item("2"), item("1")), ("Alice".into(), "Cairn".into()));
    assert_eq!(
        m.text("[data-activity-id='1'] .activity-what"),
        "raised the priority to Medium (the issue escalated)"
    );
    assert_eq!(m.count("#activity b"), 0, "the data is never markup");

    // A week later: ongoing, and the priority back to what the issue opened with.
    let later = serde_json::from_value::<Vec<cairn_types::api::Activity>>(serde_json::json!([
        {"id": "5", "type": "set_priority", "data": {"priority": "low", "reason": "ongoing"},
         "dateCreated": "2026-12-02T11:00:00Z", "user": null},
        {"id": "4", "type": "auto_set_ongoing", "data": {"after_days": 7},
         "dateCreated": "2026-12-02T11:00:00Z", "user": null}
    ]))
    .expect("sample activity");
    let texts: Vec<String> = later.iter().map(activity_text).collect();
    assert_eq!(
        texts,
        [
            "set the priority back to Low (the issue is ongoing)",
            "marked the issue ongoing, a week after it was new or came back"
        ]
    );
}

// ---- comment box: @member and #team mentions ----

/// Members Ann Lee (3), Bob (4, no name: his email) and a pending invitation; teams
/// `payments` and `backend`.
fn mention_directory() -> cairn_dashboard::org_directory::OrgDirectory {
    let member = |id: &str, email: &str, name: &str, pending: bool| -> Member {
        let user = (!pending).then(|| {
            serde_json::json!({"id": id, "email": email, "name": name, "username": email,
                               "isSuperuser": false})
        });
        serde_json::from_value(serde_json::json!({
            "id": format!("m{id}"), "email": email, "name": name, "user": user,
            "orgRole": "member", "role": "member", "roleName": "Member", "pending": pending,
            "expired": false, "dateCreated": "2026-11-01T10:00:00Z",
            "inviteStatus": "approved", "teams": [], "teamRoles": []
        }))
        .expect("sample member")
    };
    let team = |id: &str, slug: &str| -> Team {
        serde_json::from_value(serde_json::json!({
            "id": id, "slug": slug, "name": slug, "dateCreated": "2026-01-01T00:00:00Z",
        }))
        .expect("a team")
    };
    let members = [
        member("3", "ann@example.com", "Ann Lee", false),
        member("4", "bob@example.com", "bob@example.com", false),
        member("5", "andrea@example.com", "andrea@example.com", true),
    ];
    cairn_dashboard::org_directory::OrgDirectory::new(
        "cairn".to_owned(),
        &members,
        &[team("9", "payments"), team("10", "backend")],
    )
}

#[wasm_bindgen_test]
fn mention_at_finds_the_mention_the_caret_ends() {
    use cairn_dashboard::components::mentions::mention_at;
    assert_eq!(mention_at("@an", 3), Some((0, '@', "an")));
    assert_eq!(mention_at("hi @", 4), Some((3, '@', "")));
    assert_eq!(mention_at("ask #back", 9), Some((4, '#', "back")));
    assert_eq!(mention_at("line\n(@an", 9), Some((6, '@', "an")), "after a bracket");
    assert_eq!(mention_at("@ann@exa", 8), Some((0, '@', "ann@exa")), "an email typed on");
    assert_eq!(mention_at("@an more", 3), Some((0, '@', "an")), "before a space");
    assert_eq!(mention_at("@ann", 2), None, "inside the word");
    assert_eq!(mention_at("@an more", 8), None, "another word");
    assert_eq!(mention_at("mail ann@example", 16), None, "an address, not a mention");
    assert_eq!(mention_at("@an ", 4), None, "after the space");
    assert_eq!(mention_at("", 0), None);
    assert_eq!(mention_at("@an", 9), None, "past the end");
}

#[wasm_bindgen_test]
fn mentions_are_found_and_inserted_at_utf16_carets() {
    use cairn_dashboard::components::mentions::{
        byte_offset, insert_mention, mention_at, utf16_offset,
    };
    // `selectionStart` counts UTF-16 units: é is 2 bytes and 1 unit, 😀 4 bytes and 2 units.
    let text = "Zoë 😀 @jü";
    let caret = byte_offset(text, text.encode_utf16().count());
    assert_eq!(caret, text.len());
    assert_eq!(byte_offset(text, 2), 2, "before the ë");
    assert_eq!(byte_offset(text, 3), 4, "after the ë");
    assert_eq!(byte_offset(text, 6), 9, "after the emoji");
    assert_eq!(byte_offset(text, 5), 9, "inside the emoji: after it");
    assert_eq!(utf16_offset(text, 9), 6);
    assert_eq!(utf16_offset(text, 10), 7, "the @");
    let (start, trigger, partial) = mention_at(text, caret).expect("a mention");
    assert_eq!((start, trigger, partial), (10, '@', "jü"));
    let (new_text, new_caret) = insert_mention(text, start, caret, "@jürgen@example.com ");
    assert_eq!(new_text, "Zoë 😀 @jürgen@example.com ");
    assert_eq!(new_caret, new_text.len());
    assert_eq!(utf16_offset(&new_text, new_caret), new_text.encode_utf16().count());
    // In the middle of the text: the space that followed is the mention's.
    let (new_text, new_caret) = insert_mention("hi #pay, thanks", 3, 7, "#payments ");
    assert_eq!(new_text, "hi #payments , thanks");
    assert_eq!(&new_text[new_caret..], ", thanks");
    let (new_text, new_caret) = insert_mention("@an more", 0, 3, "@ann@example.com ");
    assert_eq!(new_text, "@ann@example.com more");
    assert_eq!(&new_text[new_caret..], "more");
}

#[wasm_bindgen_test]
fn mention_matches_offer_members_by_name_or_email_and_teams_by_slug() {
    use cairn_dashboard::components::mentions::{mention_matches, MentionMatch};
    let directory = mention_directory();
    let inserts = |trigger: char, partial: &str| -> Vec<String> {
        mention_matches(trigger, partial, &directory).into_iter().map(|m| m.insert).collect()
    };
    assert_eq!(inserts('@', ""), ["@ann@example.com ", "@bob@example.com "], "no invitations");
    assert_eq!(inserts('@', "AN"), ["@ann@example.com "], "by name or email, any case");
    assert_eq!(inserts('@', "lee"), ["@ann@example.com "], "inside the name");
    assert_eq!(inserts('@', "bob@ex"), ["@bob@example.com "]);
    assert_eq!(inserts('@', "example.com"), ["@ann@example.com ", "@bob@example.com "]);
    assert_eq!(inserts('@', "b"), ["@bob@example.com "], "those that start with it");
    assert!(inserts('@', "zed").is_empty());
    assert_eq!(inserts('#', "pay"), ["#payments "]);
    assert_eq!(inserts('#', "END"), ["#backend "]);
    assert_eq!(inserts('#', ""), ["#payments ", "#backend "]);
    let shown = mention_matches('@', "", &directory);
    assert_eq!(
        shown[0],
        MentionMatch {
            label: "Ann Lee".into(),
            detail: Some("ann@example.com".into()),
            insert: "@ann@example.com ".into(),
        }
    );
    assert_eq!((shown[1].label.as_str(), shown[1].detail.as_deref()), ("bob@example.com", None));
    assert_eq!(mention_matches('#', "", &directory)[0].label, "#payments");
    // At most eight.
    let many = cairn_dashboard::org_directory::OrgDirectory {
        team_slugs: (0..20).map(|i| format!("team-{i}")).collect(),
        ..Default::default()
    };
    assert_eq!(mention_matches('#', "team", &many).len(), 8);
}

/// A key pressed in the element `selector` matches, as the browser sends it.
fn press_key(m: &Mounted, selector: &str, key: &str) -> bool {
    let init = js_sys::Object::new();
    for (name, value) in
        [("key", key.into()), ("bubbles", true.into()), ("cancelable", true.into())]
    {
        js_sys::Reflect::set(&init, &name.into(), &value).expect("set");
    }
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &"KeyboardEvent".into())
            .expect("KeyboardEvent")
            .unchecked_into();
    let event: web_sys::Event =
        js_sys::Reflect::construct(&constructor, &js_sys::Array::of2(&"keydown".into(), &init))
            .expect("a keyboard event")
            .unchecked_into();
    m.get(selector).dispatch_event(&event).expect("dispatch keydown")
}

#[wasm_bindgen_test]
async fn comment_box_offers_members_and_teams_to_mention() {
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&sent);
    let m = Mounted::new(move || {
        let on_comment = Callback::new(move |text: String| seen.lock().expect("lock").push(text));
        let directory = cairn_dashboard::org_directory::Directory::prepared(mention_directory());
        view! { <ActivityLog activity=Vec::new() on_comment commenting=false directory/> }
    });
    let textarea = "#activity textarea[name=comment]";
    assert_eq!(m.attr(textarea, "aria-autocomplete"), "list");
    assert_eq!(m.attr(textarea, "aria-expanded"), "false");
    assert_eq!(m.count(".mention-suggestion"), 0);

    // `@an`: Ann, by her name, as "Name — email" text.
    m.type_into(textarea, "Thanks @an");
    settle().await;
    assert_eq!(m.count(".mention-suggestions[role=listbox] .mention-suggestion[role=option]"), 1);
    assert_eq!(m.text(".mention-suggestion"), "Ann Lee — ann@example.com");
    assert_eq!(m.attr(".mention-suggestion", "aria-selected"), "true");
    assert_eq!(m.attr(textarea, "aria-expanded"), "true");
    let list_id = m.attr(".mention-suggestions", "id");
    assert!(!list_id.is_empty());
    assert_eq!(m.attr(textarea, "aria-controls"), list_id);
    // Enter takes her: the typed word becomes her address and a space.
    assert!(!press_key(&m, textarea, "Enter"), "Enter is the list's");
    settle().await;
    let value = || m.get(textarea).unchecked_into::<web_sys::HtmlTextAreaElement>().value();
    assert_eq!(value(), "Thanks @ann@example.com ");
    let element = m.get(textarea).unchecked_into::<web_sys::HtmlTextAreaElement>();
    assert_eq!(element.selection_start().ok().flatten(), Some(24), "the caret after it");
    assert_eq!(m.count(".mention-suggestion"), 0, "closed");
    assert_eq!(m.attr(textarea, "aria-expanded"), "false");
    // Closed, Enter is the textarea's again.
    assert!(press_key(&m, textarea, "Enter"), "not taken");

    // `@`: both members; ArrowDown moves to Bob, ArrowUp back and around; a click takes one.
    m.type_into(textarea, "@ann@example.com and @");
    settle().await;
    assert_eq!(m.count(".mention-suggestion"), 2);
    assert!(!press_key(&m, textarea, "ArrowDown"));
    settle().await;
    assert_eq!(m.attr(".mention-suggestion:nth-child(2)", "aria-selected"), "true");
    assert_eq!(m.attr(".mention-suggestion:nth-child(1)", "aria-selected"), "false");
    press_key(&m, textarea, "ArrowDown");
    settle().await;
    assert_eq!(m.attr(".mention-suggestion:nth-child(1)", "aria-selected"), "true", "around");
    press_key(&m, textarea, "ArrowUp");
    settle().await;
    assert_eq!(m.attr(".mention-suggestion.highlighted", "data-insert"), "@bob@example.com");
    let mousedown = web_sys::EventInit::new();
    mousedown.set_bubbles(true);
    mousedown.set_cancelable(true);
    let event = web_sys::Event::new_with_event_init_dict("mousedown", &mousedown).expect("event");
    m.get(".mention-suggestion:nth-child(2)").dispatch_event(&event).expect("dispatch");
    settle().await;
    assert_eq!(value(), "@ann@example.com and @bob@example.com ");

    // `#pay`: the team; Escape closes the list, Tab then is the textarea's.
    m.type_into(textarea, "cc #pay");
    settle().await;
    assert_eq!(m.text(".mention-suggestion"), "#payments");
    assert!(!press_key(&m, textarea, "Escape"));
    settle().await;
    assert_eq!(m.count(".mention-suggestion"), 0);
    assert!(press_key(&m, textarea, "Tab"));
    m.type_into(textarea, "cc #paym");
    settle().await;
    assert!(!press_key(&m, textarea, "Tab"));
    settle().await;
    assert_eq!(value(), "cc #payments ");

    // Sent as it reads.
    m.click("#activity button[type=submit]");
    settle().await;
    assert_eq!(sent.lock().expect("lock").as_slice(), ["cc #payments ".to_owned()]);
}

// ---- issue page: triage menus, chart, tag facets, raw stack trace, events, comments ----

#[wasm_bindgen_test]
async fn resolve_and_ignore_menus_send_sentrys_status_details() {
    let sent: Arc<Mutex<Vec<UpdateIssueRequest>>> = Arc::default();
    let seen = Arc::clone(&sent);
    let m = Mounted::new(move || {
        let on_update =
            Callback::new(move |r: UpdateIssueRequest| seen.lock().expect("lock").push(r));
        let releases = Signal::derive(|| vec!["backend@2.0.0".to_owned(), "backend@1.0.0".into()]);
        view! {
            <IssueHeader details=sample_details("unresolved", false) on_update busy=false releases/>
        }
    });
    assert!(m.find("#issue-header .issue-assignee").is_some(), "a slot for the assignee");
    m.click(".resolve-next-release");
    assert_eq!(m.count(".resolve-release option"), 3, "a placeholder and the two releases");
    m.select(".resolve-release", "backend@1.0.0");
    settle().await;
    m.click(".resolve-in-release");
    m.click(".ignore-forever");
    m.click(".ignore-duration[data-minutes='120']");
    m.type_into(".ignore-count-form input", "100");
    m.select(".ignore-count-form select", "60");
    settle().await;
    m.click(".ignore-count-form button[type=submit]");
    m.type_into(".ignore-users-form input", "5");
    settle().await;
    m.click(".ignore-users-form button[type=submit]");
    settle().await;
    m.click("button.ignore-escalating");
    settle().await;
    let sent = sent.lock().expect("lock");
    // Until it escalates: Sentry's substatus, no details.
    let escalating = sent.last().expect("the last request");
    assert_eq!(escalating.substatus.as_deref(), Some("archived_until_escalating"));
    let sent = &sent[..sent.len() - 1];
    let details: Vec<_> = sent
        .iter()
        .map(|r| {
            (r.status.clone().unwrap_or_default(), r.status_details.clone().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        details,
        vec![
            ("resolved".into(), serde_json::json!({"inNextRelease": true})),
            ("resolved".into(), serde_json::json!({"inRelease": "backend@1.0.0"})),
            ("ignored".into(), serde_json::json!({})),
            ("ignored".into(), serde_json::json!({"ignoreDuration": 120})),
            ("ignored".into(), serde_json::json!({"ignoreCount": 100, "ignoreWindow": 60})),
            ("ignored".into(), serde_json::json!({"ignoreUserCount": 5})),
        ]
    );
}

#[wasm_bindgen_test]
fn header_shows_the_status_details_and_the_first_release() {
    let mut details = sample_details("ignored", false);
    details.issue.status_details = serde_json::json!({"ignoreCount": 10, "ignoreWindow": null});
    details.first_release = Some(
        serde_json::from_value(serde_json::json!({
            "id": 1, "version": "backend@1.0.0", "shortVersion": "1.0.0",
            "versionInfo": {"package": "backend", "version": {"raw": "1.0.0"},
                            "description": "1.0.0", "buildHash": null},
            "ref": null, "url": null, "dateReleased": null,
            "dateCreated": "2026-11-01T10:00:00Z", "data": {}, "newGroups": 1, "owner": null,
            "commitCount": 0, "lastCommit": null, "deployCount": 0, "lastDeploy": null,
            "authors": [], "projects": [], "firstEvent": null, "lastEvent": null,
            "currentProjectMeta": {}, "userAgent": null, "status": "open"
        }))
        .expect("sample release"),
    );
    let m = Mounted::new(move || {
        let on_update = Callback::new(|_: UpdateIssueRequest| ());
        view! { <IssueHeader details on_update busy=false/> }
    });
    assert_eq!(m.text(".issue-status"), "archived", "Sentry's name of the API's ignored");
    assert_eq!(m.text(".issue-status-detail"), "until 10 more events");
    assert_eq!(m.text(".issue-first-release"), "1.0.0");
    assert!(m.find("button.ignore").is_none() && m.find("button.unresolve").is_some());
    // Resolved by a commit that said it fixes the issue.
    let by_commit = serde_json::json!({"inRelease": "shop@1.1.0",
        "inCommit": {"id": "4f2a8c1d9e0b7a6c5d4e3f2a1b0c9d8e7f6a5b4c", "repository": "acme/shop"}});
    assert_eq!(
        cairn_dashboard::pages::issue::status_detail("resolved", &by_commit, None).as_deref(),
        Some("in commit 4f2a8c1d9e0b (shop@1.1.0)")
    );
    let archived = serde_json::json!({});
    let escalating = Some("archived_until_escalating");
    assert_eq!(
        cairn_dashboard::pages::issue::status_detail("ignored", &archived, escalating).as_deref(),
        Some("until it escalates")
    );
    // Cairn's activity when the forecast is passed.
    let escalated = serde_json::from_value::<cairn_types::api::Activity>(serde_json::json!({
        "id": "5", "type": "set_escalating", "data": {"forecast": 10, "event_id": "ab"},
        "dateCreated": "2026-11-25T13:00:00Z", "user": null
    }))
    .expect("an activity");
    assert_eq!(
        cairn_dashboard::components::activity::activity_text(&escalated),
        "saw the issue escalate: more than 10 events in an hour"
    );
    // And when an event meets the condition it was ignored until (Sentry's `expired_snooze`).
    for (snooze, text) in [
        (serde_json::json!({"count": 3, "window": 60}), "3 events in 1 hour"),
        (serde_json::json!({"count": 1, "window": null}), "1 event"),
        (serde_json::json!({"user_count": 2, "user_window": 1440}), "2 users affected in 1 day"),
        (serde_json::json!({"user_count": 1}), "1 user affected"),
        (serde_json::json!({"until": "2026-11-25T14:00:00Z"}), "the time it was ignored for ended"),
    ] {
        let met = serde_json::from_value::<cairn_types::api::Activity>(serde_json::json!({
            "id": "6", "type": "set_escalating", "data": {"expired_snooze": snooze},
            "dateCreated": "2026-11-25T13:00:00Z", "user": null
        }))
        .expect("an activity");
        assert_eq!(
            cairn_dashboard::components::activity::activity_text(&met),
            format!("saw the issue escalate: {text}")
        );
    }
}

#[wasm_bindgen_test]
async fn issue_chart_is_a_labelled_figure_that_switches_period() {
    let now = 1_795_600_000_i64 / 3600 * 3600;
    let hours: Vec<_> =
        (0..24).map(|i| serde_json::json!([now - (23 - i) * 3600, i % 3])).collect();
    let days: Vec<_> = (0..30).map(|i| serde_json::json!([now - (29 - i) * 86_400, 10])).collect();
    let stats = serde_json::json!({"24h": hours, "30d": days});
    let m = Mounted::new(move || view! { <IssueChart stats/> });
    assert_eq!(m.count("figure#issue-chart figcaption"), 1);
    assert_eq!(m.text("#issue-chart figcaption"), "Events over the last 24 hours");
    assert_eq!(
        m.attr("#issue-chart [role=img]", "aria-label"),
        "Events over the last 24 hours: 24 events, at most 2 in one hour."
    );
    assert_eq!(m.count("#issue-chart [role=img] svg"), 1, "plotters drew an SVG");
    // One bar per bucket with events (an empty bucket is a bar of no height).
    assert!(m.count("#issue-chart svg rect") >= 16, "{}", m.count("#issue-chart svg rect"));
    assert!(m.count("#issue-chart svg text") >= 4, "axis labels");

    m.click(".chart-period[data-period='14d']");
    settle().await;
    assert_eq!(m.text("#issue-chart figcaption"), "Events over the last 14 days");
    assert_eq!(
        m.attr("#issue-chart [role=img]", "aria-label"),
        "Events over the last 14 days: 140 events, at most 10 in one day."
    );
    assert_eq!(m.count("#issue-chart svg rect"), 14);
}

#[wasm_bindgen_test]
fn chart_svg_escapes_nothing_it_did_not_write() {
    let buckets = vec![(1_795_600_000, 3), (1_795_603_600, 0)];
    let svg = chart_svg(&buckets, ChartPeriod::Day).expect("drawn");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(!svg.contains("<script"));
    assert_eq!(
        series(&serde_json::json!({"14d": [[1, 2], [3, -1]]}), ChartPeriod::TwoWeeks),
        vec![(1, 2), (3, 0)]
    );
}

#[wasm_bindgen_test]
fn tag_facets_show_percentages_and_link_to_the_filtered_stream() {
    let tags: Vec<IssueTag> = serde_json::from_value(serde_json::json!([
        {"key": "browser", "name": "browser", "totalValues": 3, "topValues": [
            {"key": "browser", "name": "Chrome 120", "value": "Chrome 120", "count": 2,
             "firstSeen": "2026-11-25T12:00:00Z", "lastSeen": "2026-11-25T12:00:00Z"},
            {"key": "browser", "name": "<b>Firefox</b>", "value": "<b>Firefox</b>", "count": 1,
             "firstSeen": "2026-11-25T12:00:00Z", "lastSeen": "2026-11-25T12:00:00Z"}]},
        {"key": "environment", "name": "environment", "totalValues": 3, "topValues": [
            {"key": "environment", "name": "production", "value": "production", "count": 3,
             "firstSeen": "2026-11-25T12:00:00Z", "lastSeen": "2026-11-25T12:00:00Z"}]}
    ]))
    .expect("sample tags");
    let m = Mounted::new(move || view! { <TagFacets org="cairn" tags/> });
    assert_eq!(m.count("#tag-facets .facet"), 2);
    assert_eq!(m.text("[data-key=browser] .facet-value:first-child .facet-percent"), "67%");
    assert_eq!(m.text("[data-key=browser] .facet-value:nth-child(2) .facet-percent"), "33%");
    assert_eq!(
        m.text("[data-key=browser] .facet-value:nth-child(2) .facet-name"),
        "<b>Firefox</b>"
    );
    assert_eq!(m.count("#tag-facets b"), 0);
    assert_eq!(m.attr("[data-key=environment] .facet-bar", "style"), "width: 100%");
    assert_eq!(
        m.attr("[data-key=environment] .facet-link", "href"),
        "/organizations/cairn/issues/?query=environment:production"
    );
    assert_eq!(
        m.attr("[data-key=browser] .facet-link", "href"),
        "/organizations/cairn/issues/?query=browser:%22Chrome%20120%22"
    );
    assert_eq!((percent(1, 3), percent(0, 0), percent(5, 5)), (33, 0, 100));
    assert_eq!(tag_term("url", "a \"b\""), "url:\"a \\\"b\\\"\"");
}

#[wasm_bindgen_test]
async fn raw_stack_trace_is_plain_text_most_recent_first() {
    let values: Vec<ExceptionValue> = serde_json::from_value(serde_json::json!([
        {"type": "IoError", "value": "disk full", "stacktrace": {"frames": [
            {"function": "write", "filename": "io.rs", "lineno": 3}]}},
        {"type": "SaveError", "value": "<script>x</script>", "stacktrace": {"frames": [
            {"function": "main", "filename": "src/main.rs", "lineno": 5, "in_app": true},
            {"function": "save", "filename": "src/store.rs", "lineno": 12, "colno": 7, "in_app": true}]}}
    ]))
    .expect("sample exceptions");
    let expected = "SaveError: <script>x</script>\n    at save (src/store.rs:12:7)\n    at main (src/main.rs:5)\n\nCaused by: IoError: disk full\n    at write (io.rs:3)\n";
    assert_eq!(raw_stacktrace(&values), expected);
    let m = Mounted::new(move || view! { <ExceptionList values/> });
    assert!(m.find(".raw-stacktrace").is_none());
    m.click(".raw-toggle");
    settle().await;
    assert_eq!(m.text(".raw-stacktrace"), expected);
    assert_eq!(m.count("script"), 0);
    assert!(m.get("#exceptions").has_attribute("hidden"));
    assert!(m.find(".copy-raw").is_some());
}

#[wasm_bindgen_test]
fn usage_stats_sum_each_outcome_and_list_the_drops_by_reason() {
    use cairn_dashboard::pages::stats::{accepted_series, summarize};
    use cairn_types::api::UsageStats;
    let stats: UsageStats = serde_json::from_value(serde_json::json!({
        "start": "2026-12-03T00:00:00Z", "end": "2026-12-05T00:00:00Z",
        "intervals": ["2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z"],
        "groups": [
            {"by": {"outcome": "accepted", "reason": ""}, "totals": {"sum(quantity)": 7}, "series": {"sum(quantity)": [3, 4]}},
            {"by": {"outcome": "filtered", "reason": "web-crawlers"}, "totals": {"sum(quantity)": 1}, "series": {"sum(quantity)": [0, 1]}},
            {"by": {"outcome": "filtered", "reason": "localhost"}, "totals": {"sum(quantity)": 5}, "series": {"sum(quantity)": [5, 0]}},
            {"by": {"outcome": "rate_limited", "reason": "ratelimited"}, "totals": {"sum(quantity)": 2}, "series": {"sum(quantity)": [2, 0]}}
        ]
    }))
    .expect("sample stats");
    let (totals, reasons) = summarize(&stats);
    assert_eq!(totals.get("accepted"), Some(&7));
    assert_eq!(totals.get("filtered"), Some(&6));
    assert_eq!(totals.get("rate_limited"), Some(&2));
    assert_eq!(
        reasons,
        [
            ("filtered".to_owned(), "localhost".to_owned(), 5),
            ("rate_limited".to_owned(), "ratelimited".to_owned(), 2),
            ("filtered".to_owned(), "web-crawlers".to_owned(), 1),
        ]
    );
    let (times, values) = accepted_series(&stats);
    assert_eq!(times, [1_796_256_000, 1_796_342_400]);
    assert_eq!(values, [3.0, 4.0]);
    use cairn_dashboard::pages::stats::stats_href;
    assert_eq!(
        stats_href("cairn", "errors", "14d", ""),
        "/organizations/cairn/stats/?statsPeriod=14d"
    );
    assert_eq!(
        stats_href("cairn", "attachments", "24h", "web shop"),
        "/organizations/cairn/stats/?dataCategory=attachments&statsPeriod=24h&project=web%20shop"
    );
    use cairn_dashboard::pages::stats::{category_of, quantity_text};
    assert_eq!(category_of("transactions").api, "transaction");
    assert_eq!(category_of("monitors").api, "monitor");
    assert_eq!(category_of("nonsense").api, "error", "the default");
    let attachments = category_of("attachments");
    assert_eq!(quantity_text(attachments, 999), "999 B");
    assert_eq!(quantity_text(attachments, 1_600), "1.6 KB");
    assert_eq!(quantity_text(attachments, 2_500_000), "2.5 MB");
    assert_eq!(quantity_text(attachments, 7_000_000_000), "7.0 GB");
    assert_eq!(quantity_text(category_of("errors"), 1_600), "1600");
}

#[wasm_bindgen_test]
async fn processing_errors_are_summed_up_and_listed_as_text_on_a_click() {
    use cairn_dashboard::components::event::{processing_error_title, ProcessingErrors};
    let errors = vec![
        serde_json::json!({"type": "js_no_source", "url": "https://cdn.example.com/app.min.js"}),
        serde_json::json!({"type": "invalid_data", "name": "timestamp", "value": "<script>x</script>"}),
    ];
    let m = Mounted::new(move || view! { <ProcessingErrors errors/> });
    assert_eq!(m.text(".processing-errors-toggle"), "There were 2 problems processing this event");
    assert!(m.get(".processing-error-list").has_attribute("hidden"));
    m.click(".processing-errors-toggle");
    settle().await;
    assert!(!m.get(".processing-error-list").has_attribute("hidden"));
    assert_eq!(
        m.text("[data-type=js_no_source] .processing-error-title"),
        "Source code was not found"
    );
    assert_eq!(
        m.text("[data-type=js_no_source] .processing-error-detail"),
        "url: https://cdn.example.com/app.min.js"
    );
    assert!(m.text("[data-type=invalid_data]").contains("value: <script>x</script>"));
    assert_eq!(m.count("script"), 0, "event data is text");
    assert_eq!(processing_error_title("something_new"), "something_new");

    let m = Mounted::new(move || view! { <ProcessingErrors errors=Vec::new()/> });
    assert!(m.find("#processing-errors").is_none(), "nothing without errors");
}

#[wasm_bindgen_test]
async fn source_mapped_frames_toggle_to_the_minified_ones_as_sent() {
    let values: Vec<ExceptionValue> = serde_json::from_value(serde_json::json!([
        {"type": "Error", "value": "the cart is empty",
         "stacktrace": {"frames": [{"function": "checkout", "filename": "./src/cart.js", "lineNo": 4, "colNo": 5, "inApp": true}]},
         "rawStacktrace": {"frames": [{"function": "c", "filename": "/app.min.js", "lineNo": 1, "colNo": 34, "inApp": true}]}}
    ]))
    .expect("a source-mapped exception");
    let m = Mounted::new(move || view! { <ExceptionList values/> });
    assert!(!m.get(".mapped-frames").has_attribute("hidden"));
    assert!(m.get(".minified-frames").has_attribute("hidden"));
    assert!(m.text(".mapped-frames .frame").contains("./src/cart.js:4:5"));
    m.click(".minified-toggle");
    settle().await;
    assert!(m.get(".mapped-frames").has_attribute("hidden"));
    assert!(!m.get(".minified-frames").has_attribute("hidden"));
    assert!(m.text(".minified-frames .frame").contains("/app.min.js:1:34"));
    assert_eq!(m.attr(".minified-toggle", "aria-pressed"), "true");

    // Without raw frames there is no toggle.
    let plain: Vec<ExceptionValue> = serde_json::from_value(serde_json::json!([
        {"type": "Error", "stacktrace": {"frames": [{"function": "f", "inApp": true}]}}
    ]))
    .expect("an exception");
    let m = Mounted::new(move || view! { <ExceptionList values=plain/> });
    assert!(m.find(".minified-toggle").is_none());
    assert!(m.find(".minified-frames").is_none());
}

#[wasm_bindgen_test]
async fn breadcrumbs_filter_by_type_and_level_and_expand_their_data() {
    let crumbs = crumbs();
    let m = Mounted::new(move || view! { <Breadcrumbs crumbs/> });
    m.select(".breadcrumb-level", "warning");
    settle().await;
    assert_eq!(m.count(".crumb"), 1);
    assert_eq!(m.text(".crumb .crumb-message"), "SELECT * FROM orders");
    m.select(".breadcrumb-level", "");
    m.select(".breadcrumb-type", "http");
    settle().await;
    assert_eq!(m.count(".crumb"), 1);
    assert!(m.find(".crumb pre.crumb-data").is_none(), "data starts collapsed");
    assert!(m.text(".crumb-data-summary").contains("api.example.com"));
    m.click(".crumb-data-toggle");
    settle().await;
    assert!(m.text(".crumb pre.crumb-data").contains("\"method\": \"GET\""));
    assert_eq!(m.count(".crumb-icon"), 1);
}

#[wasm_bindgen_test]
fn events_table_lists_id_time_message_release_environment_user() {
    let event: Event = serde_json::from_value(serde_json::json!({
        "id": "0123456789abcdef0123456789abcdef", "eventID": "0123456789abcdef0123456789abcdef",
        "groupID": "7", "projectID": "1", "title": "ValueError: bad",
        "message": "<img src=x onerror=alert(1)>", "type": "error", "platform": "python",
        "dateCreated": "2026-11-25T12:00:00Z", "dateReceived": "2026-11-25T12:00:01Z",
        "entries": [], "tags": [{"key": "environment", "value": "production"}],
        "contexts": {}, "user": {"id": "42", "email": "alice@example.com"}, "sdk": null,
        "context": {}, "release": {"version": "backend@1.0.0"}, "errors": [], "fingerprints": [],
        "previousEventID": null, "nextEventID": null
    }))
    .expect("sample event");
    let m = Mounted::new(move || view! { <EventsTable org="cairn" issue="7" events=vec![event]/> });
    assert_eq!(m.count("#event-list tbody tr"), 1);
    assert_eq!(m.text(".event-row-id"), "01234567");
    assert_eq!(
        m.attr(".event-row-id a", "href"),
        "/organizations/cairn/issues/7/?event=0123456789abcdef0123456789abcdef"
    );
    assert_eq!(m.text(".event-row-message"), "<img src=x onerror=alert(1)>");
    assert_eq!(m.count("img"), 0);
    assert_eq!(m.text(".event-row-release"), "backend@1.0.0");
    assert_eq!(m.text(".event-row-environment"), "production");
    assert_eq!(m.text(".event-row-user"), "alice@example.com");
}

#[wasm_bindgen_test]
fn link_headers_give_the_cursors_with_results() {
    let header = "<http://c/api/0/issues/7/events/?cursor=0:0:1>; rel=\"previous\"; \
                  results=\"false\"; cursor=\"0:0:1\", <http://c/api/0/issues/7/events/?cursor=0:100:0>; \
                  rel=\"next\"; results=\"true\"; cursor=\"0:100:0\"";
    assert_eq!(api::parse_link(header), (None, Some("0:100:0".to_owned())));
    assert_eq!(api::parse_link(""), (None, None));
}

#[wasm_bindgen_test]
fn issue_event_search_sends_the_trimmed_query_only_when_not_blank() {
    assert_eq!(api::search_pairs("", None), vec![]);
    assert_eq!(api::search_pairs("   ", Some("0:100:0")), vec![("cursor", "0:100:0")]);
    assert_eq!(
        api::search_pairs("  browser:Firefox !level:info ", Some("0:100:0")),
        vec![("query", "browser:Firefox !level:info"), ("cursor", "0:100:0")]
    );
}

#[wasm_bindgen_test]
async fn own_comments_can_be_edited_and_deleted_others_cannot() {
    let activity = serde_json::from_value::<Vec<cairn_types::api::Activity>>(serde_json::json!([
        {"id": "3", "type": "note", "data": {"text": "mine"}, "dateCreated": "2026-11-25T12:00:00Z",
         "user": {"id": "1", "name": "Alice", "username": "a@example.com",
                  "email": "a@example.com", "isSuperuser": false}},
        {"id": "2", "type": "note", "data": {"text": "theirs"}, "dateCreated": "2026-11-25T11:30:00Z",
         "user": {"id": "2", "name": "Bob", "username": "b@example.com",
                  "email": "b@example.com", "isSuperuser": false}},
        {"id": "1", "type": "set_ignored", "data": {"ignoreCount": 100, "ignoreWindow": 60},
         "dateCreated": "2026-11-25T11:00:00Z", "user": null},
        {"id": "0", "type": "set_resolved", "dateCreated": "2026-11-25T10:00:00Z", "user": null,
         "data": {"inRelease": "shop@1.1.0",
                  "inCommit": {"id": "4f2a8c1d9e0b7a6c5d4e3f2a1b0c9d8e7f6a5b4c", "repository": "acme/shop"}}}
    ]))
    .expect("sample activity");
    let edits: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let deletes: Arc<Mutex<Vec<String>>> = Arc::default();
    let (e, d) = (Arc::clone(&edits), Arc::clone(&deletes));
    let m = Mounted::new(move || {
        let on_comment = Callback::new(|_: String| ());
        let on_edit = Callback::new(move |c: (String, String)| e.lock().expect("lock").push(c));
        let on_delete = Callback::new(move |id: String| d.lock().expect("lock").push(id));
        view! { <ActivityLog activity on_comment commenting=false current_user="1" on_edit on_delete/> }
    });
    assert_eq!(m.count(".note-edit"), 1, "only the user's own comment");
    assert!(m
        .text("[data-activity-id='1']")
        .contains("archived this issue until it occurs 100 more times within 1 hour"));
    let resolved = m.text("[data-activity-id='0']");
    assert!(resolved.contains("in commit 4f2a8c1d9e0b (shop@1.1.0)"), "{resolved}");
    m.click("[data-activity-id='3'] .note-edit");
    settle().await;
    m.type_into("[data-activity-id='3'] .note-edit-form textarea", "mine, edited");
    settle().await;
    m.click("[data-activity-id='3'] .note-save");
    m.click("[data-activity-id='3'] .note-delete");
    settle().await;
    assert_eq!(
        edits.lock().expect("lock").as_slice(),
        [("3".to_owned(), "mine, edited".to_owned())]
    );
    assert_eq!(deletes.lock().expect("lock").as_slice(), ["3".to_owned()]);
}

#[wasm_bindgen_test]
fn shortcut_keys_are_sentrys() {
    assert_eq!(shortcut("r"), Some(Shortcut::Resolve));
    assert_eq!(shortcut("i"), Some(Shortcut::Ignore));
    assert_eq!(shortcut("b"), Some(Shortcut::Bookmark));
    assert_eq!(
        (shortcut("j"), shortcut("k")),
        (Some(Shortcut::OlderEvent), Some(Shortcut::NewerEvent))
    );
    assert_eq!(shortcut("?"), Some(Shortcut::Help));
    assert_eq!(shortcut("x"), None);
}

// ---- releases: version names, rates, the health table and the charts ----

mod releases {
    use std::collections::HashMap;

    use cairn_dashboard::{
        components::{
            charts::{stack, stacked_area_svg, Series},
            release_health::{
                format_crash_free, format_duration, health_rows, short_version, sort_rows,
                ReleaseTable,
            },
        },
        pages::release::{
            CrashFreeChart, DurationChart, EventsChart, HealthSeries, ReleaseSummary, SessionsChart,
        },
        routes::Page,
    };
    use cairn_types::api::{EventsStats, Release};
    use leptos::prelude::*;

    use super::Mounted;

    /// A release as the server sends it with `health=1`, in one project.
    fn sample_release(version: &str, crash_free_sessions: f64, crash_free_users: f64) -> Release {
        // Built in parts: one `json!` of the whole release exceeds the macro recursion limit.
        let health = serde_json::json!({
            "durationP50": null, "durationP90": null,
            "crashFreeUsers": crash_free_users, "crashFreeSessions": crash_free_sessions,
            "sessionsCrashed": 1, "sessionsErrored": 1, "totalUsers": 2,
            "totalUsers24h": 2, "totalProjectUsers24h": 2, "totalSessions": 3,
            "totalSessions24h": 3, "totalProjectSessions24h": 5, "adoption": 100.0,
            "sessionsAdoption": 60.0, "stats": {"24h": []}, "hasHealthData": true
        });
        let project = serde_json::json!({
            "id": 2, "slug": "mobile", "name": "Mobile", "newGroups": 2, "platform": null,
            "platforms": [], "hasHealthData": true, "healthData": health
        });
        let deploy = serde_json::json!({
            "id": "1", "environment": "production", "dateStarted": null,
            "dateFinished": "2026-11-21T10:00:00Z", "name": null, "url": null
        });
        let info = serde_json::json!({
            "package": null, "version": {"raw": version}, "description": version,
            "buildHash": null
        });
        serde_json::from_value(serde_json::json!({
            "id": 1,
            "version": version,
            "shortVersion": version,
            "versionInfo": info,
            "ref": null,
            "url": null,
            "dateReleased": null,
            "dateCreated": "2026-11-20T10:00:00Z",
            "data": {},
            "newGroups": 2,
            "owner": null,
            "commitCount": 0,
            "lastCommit": null,
            "deployCount": 1,
            "lastDeploy": deploy,
            "authors": [],
            "projects": [project],
            "firstEvent": null,
            "lastEvent": null,
            "currentProjectMeta": {},
            "userAgent": null,
            "status": "open"
        }))
        .expect("sample release matches the wire type")
    }

    fn hours(n: i64) -> Vec<i64> {
        (0..n).map(|i| 1_780_000_000 / 3_600 * 3_600 + i * 3_600).collect()
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn versions_are_shortened_as_sentry_shows_them() {
        for (raw, short) in [
            ("backend@1.2.3+45", "1.2.3 (45)"),
            ("mobile@1.0.0+7", "1.0.0 (7)"),
            ("frontend@9.0", "9.0"),
            ("app@2.0.0-rc.1", "2.0.0-rc.1"),
            ("app@1.0rc1", "1.0-rc1"),
            ("@scope/pkg@3.1.4", "3.1.4"),
            ("1.2.3.4", "1.2.3.4"),
            ("app@1.0.0+a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2", "1.0.0 (a1b2c3d4e5f6)"),
            ("0123456789abcdef0123456789abcdef01234567", "0123456789ab"),
            ("app@0123456789abcdef0123456789abcdef01234567", "0123456789ab"),
            ("my release", "my release"),
            ("app@nightly", "app@nightly"),
            ("1.2.3.4.5", "1.2.3.4.5"),
        ] {
            assert_eq!(short_version(raw), short, "{raw}");
        }
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn crash_free_rates_are_rounded_as_sentry_rounds_them() {
        assert_eq!(format_crash_free(Some(100.0 - 100.0 / 3.0)), "67%");
        assert_eq!(format_crash_free(Some(50.0)), "50%");
        assert_eq!(format_crash_free(Some(100.0)), "100%");
        assert_eq!(format_crash_free(Some(99.5)), "99.5%");
        assert_eq!(format_crash_free(Some(96.123_456)), "96.123%");
        // Never 100 % when something crashed.
        assert_eq!(format_crash_free(Some(99.999_99)), "99.999%");
        assert_eq!(format_crash_free(None), "\u{2015}");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn release_pages_encode_the_version_as_one_segment() {
        let page = Page::Release { org: "cairn".into(), version: "app@1.0+build 7/x".into() };
        assert_eq!(page.path(), "/organizations/cairn/releases/app%401.0%2Bbuild%207%2Fx/");
        assert_eq!(Page::Releases { org: "cairn".into() }.path(), "/organizations/cairn/releases/");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn stacked_layers_sum_to_the_totals() {
        let tops = stack(&[vec![1.0, 2.0, 0.0], vec![3.0, 0.0, 1.0], vec![0.0, 5.0, 1.0]]);
        assert_eq!(tops[0], [1.0, 2.0, 0.0]);
        assert_eq!(tops[1], [4.0, 2.0, 1.0]);
        assert_eq!(tops[2], [4.0, 7.0, 2.0], "the top layer is the total");
        let svg = stacked_area_svg(
            &hours(3),
            &[
                Series::new("a", (0, 0, 0), vec![1.0, 2.0, 0.0]),
                Series::new("b", (9, 9, 9), vec![3.0, 0.0, 1.0]),
            ],
        )
        .expect("drawn");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("<polygon").count(), 2, "one area per layer: {svg}");
    }

    fn series() -> HealthSeries {
        HealthSeries {
            times: hours(4),
            by_status: vec![
                vec![1.0, 0.0, 0.0, 0.0],
                vec![0.0, 2.0, 0.0, 0.0],
                vec![0.0, 1.0, 2.0, 0.0],
                vec![0.0; 4],
            ],
            crash_free_sessions: vec![Some(100.0), Some(66.7), Some(0.0), None],
            crash_free_users: vec![Some(100.0), Some(50.0), Some(0.0), None],
            adoption: vec![Some(100.0), Some(60.0), Some(40.0), None],
            duration_p50: vec![Some(12.5), None, Some(30.0), Some(0.25)],
        }
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn durations_read_as_milliseconds_seconds_minutes_or_hours() {
        assert_eq!(format_duration(None), "\u{2015}");
        assert_eq!(format_duration(Some(0.85)), "850 ms");
        assert_eq!(format_duration(Some(12.34)), "12.3 s");
        assert_eq!(format_duration(Some(245.0)), "4 min 5 s");
        assert_eq!(format_duration(Some(7_380.0)), "2 h 3 min");
        assert_eq!(format_duration(Some(f64::NAN)), "\u{2015}");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn release_summary_shows_session_duration_percentiles_as_text() {
        let mut release = sample_release("mobile@1.0.0+7", 90.0, 95.0);
        let mut other = release.clone();
        let health = release.projects[0].health_data.as_mut().expect("health data");
        health.duration_p50 = Some(12.34);
        health.duration_p90 = Some(95.0);
        let mounted = Mounted::new(move || view! { <ReleaseSummary release deploys=vec![]/> });
        assert_eq!(mounted.text(".duration-p50 dt"), "Session duration p50");
        assert_eq!(mounted.text(".duration-p50 dd"), "12.3 s");
        assert_eq!(mounted.text(".duration-p90 dd"), "1 min 35 s");
        // A release whose sessions never exited cleanly has no durations: a bar, not 0.
        other.version = "mobile@2.0.0".into();
        let mounted =
            Mounted::new(move || view! { <ReleaseSummary release=other deploys=vec![]/> });
        assert_eq!(mounted.text(".duration-p50 dd"), "\u{2015}");
        assert_eq!(mounted.text(".duration-p90 dd"), "\u{2015}");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn duration_chart_draws_the_median_with_gaps_and_describes_it() {
        let mounted = Mounted::new(|| view! { <DurationChart series=series()/> });
        assert_eq!(mounted.text("figure#chart-duration figcaption"), "Session duration (p50)");
        let drawing = mounted.get("#chart-duration .chart-drawing");
        assert_eq!(drawing.get_attribute("role").as_deref(), Some("img"));
        let label = drawing.get_attribute("aria-label").unwrap_or_default();
        assert!(label.contains("latest 250 ms, longest 30.0 s"), "{label}");
        // The hour without a median is a gap: two runs of the line.
        assert!(mounted.count("#chart-duration svg polyline") >= 1);
        assert_eq!(mounted.text("#chart-duration .chart-legend-item"), "Session duration p50");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn sessions_chart_is_a_labelled_figure_with_one_area_per_status() {
        let mounted = Mounted::new(|| view! { <SessionsChart series=series()/> });
        assert_eq!(mounted.text("figure#chart-sessions figcaption"), "Sessions by status");
        let drawing = mounted.get("#chart-sessions .chart-drawing");
        assert_eq!(drawing.get_attribute("role").as_deref(), Some("img"));
        let label = drawing.get_attribute("aria-label").unwrap_or_default();
        // The sums of each status over the period: the stacked series add up to these.
        assert!(label.contains("1 healthy, 2 errored, 3 crashed, 0 abnormal"), "{label}");
        assert_eq!(mounted.count("#chart-sessions svg polygon"), 4, "one area per status");
        assert!(mounted.count("#chart-sessions svg text") >= 4, "axis labels are drawn");
        assert_eq!(mounted.count("#chart-sessions .chart-legend-item"), 4);
        assert_eq!(mounted.text("#chart-sessions .chart-legend-item:nth-child(3)"), "Crashed");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn crash_free_chart_compares_two_releases_and_names_them_as_text() {
        let evil = "<img src=x onerror=alert(1)>";
        let mounted = Mounted::new(move || {
            view! {
                <CrashFreeChart
                    series=series()
                    version="mobile@1.0.0+7"
                    other=(evil.to_owned(), series())
                />
            }
        });
        assert_eq!(mounted.count("#chart-crash-free .chart-legend-item"), 4);
        let legend = mounted.text("#chart-crash-free .chart-legend");
        assert!(legend.contains("Crash-free sessions, 1.0.0 (7)"), "{legend}");
        assert!(legend.contains(evil), "data is shown as text: {legend}");
        assert_eq!(mounted.count("#chart-crash-free img"), 0, "and never as HTML");
        // Two runs of values per line before the gap, drawn as polylines.
        assert!(mounted.count("#chart-crash-free svg polyline") >= 4);
        let label = mounted
            .get("#chart-crash-free .chart-drawing")
            .get_attribute("aria-label")
            .unwrap_or_default();
        assert!(label.contains("Crash-free users, 1.0.0 (7): latest 0%"), "{label}");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn events_chart_draws_a_bar_per_hour_with_events() {
        let stats: EventsStats = serde_json::from_value(serde_json::json!({
            "data": hours(24).iter().enumerate().map(|(i, t)| {
                serde_json::json!([t, [{"count": if i % 8 == 0 { 2 } else { 0 }}]])
            }).collect::<Vec<_>>(),
            "start": hours(1)[0],
            "end": hours(25)[24],
        }))
        .expect("events-stats shape");
        let mounted = Mounted::new(move || view! { <EventsChart events=stats unit="hour"/> });
        assert_eq!(mounted.text("#chart-events figcaption"), "Events per hour");
        assert_eq!(mounted.count("#chart-events svg rect"), 3, "three hours had events");
        let label = mounted
            .get("#chart-events .chart-drawing")
            .get_attribute("aria-label")
            .unwrap_or_default();
        assert!(label.contains("6 in all, at most 2 in one hour"), "{label}");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn release_table_shows_rates_trends_adoption_and_links() {
        let mut releases = vec![
            sample_release("mobile@1.0.0+7", 100.0 - 100.0 / 3.0, 50.0),
            sample_release("mobile@2.0.0", 100.0, 100.0),
        ];
        // The first was adopted, then replaced; the second came without stages.
        let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()).ok();
        releases[0].adoption_stages = Some(std::collections::BTreeMap::from([(
            "mobile".to_owned(),
            cairn_types::api::ReleaseAdoptionStage {
                stage: "replaced".to_owned(),
                adopted: at("2026-11-20T11:00:00Z"),
                unadopted: at("2026-11-21T11:00:00Z"),
            },
        )]));
        let previous =
            HashMap::from([((2, "mobile@1.0.0+7".to_owned()), (Some(80.0), Some(50.0)))]);
        let mut rows = health_rows(&releases, &previous);
        // By version or build the server's order stands.
        let mut by_build = rows.clone();
        sort_rows(&mut by_build, "build");
        assert_eq!(by_build, rows, "as the server ranked them");
        sort_rows(&mut rows, "crash_free_sessions");
        assert_eq!(rows[0].version, "mobile@2.0.0", "highest crash-free rate first");
        let mounted = Mounted::new(move || {
            view! {
                <ReleaseTable
                    org="cairn"
                    rows
                    sort="crash_free_sessions"
                    sort_href=Callback::new(|sort: String| format!("?sort={sort}"))
                />
            }
        });
        assert_eq!(mounted.count("#release-list .release-row"), 2);
        let first = "#release-list .release-row[data-version=\"mobile@1.0.0+7\"]";
        assert_eq!(mounted.text(&format!("{first} .release-version a")), "1.0.0 (7)");
        let link = mounted.get(&format!("{first} .release-version a"));
        assert_eq!(
            link.get_attribute("href").as_deref(),
            Some("/organizations/cairn/releases/mobile%401.0.0%2B7/")
        );
        let sessions = mounted.get(&format!("{first} .release-crash-free-sessions"));
        assert_eq!(
            sessions.get_attribute("data-value").and_then(|v| v.parse::<f64>().ok()),
            Some(100.0 - 100.0 / 3.0)
        );
        assert_eq!(mounted.text(&format!("{first} .release-crash-free-sessions .rate")), "67%");
        // 66.67 now against 80 before: down 13.33 points; users unchanged.
        assert_eq!(
            mounted.text(&format!("{first} .release-crash-free-sessions .trend-down")),
            "\u{25BC} 13.33"
        );
        assert_eq!(mounted.text(&format!("{first} .release-crash-free-users .trend-flat")), "=");
        assert_eq!(mounted.text(&format!("{first} .release-crash-free-users .rate")), "50%");
        let fill = mounted.get(&format!("{first} .adoption-fill"));
        assert_eq!(fill.get_attribute("style").as_deref(), Some("width: 100.0%"));
        let stage = mounted.get(&format!("{first} .release-adoption .adoption-stage"));
        assert_eq!(stage.get_attribute("data-stage").as_deref(), Some("replaced"));
        assert_eq!(stage.text_content().as_deref(), Some("Replaced"));
        let title = stage.get_attribute("title").unwrap_or_default();
        assert!(
            title.starts_with("Adopted 2026-11-2") && title.contains(", replaced 2026-11-2"),
            "{title}"
        );
        let second = "#release-list .release-row[data-version=\"mobile@2.0.0\"]";
        assert_eq!(mounted.count(&format!("{second} .adoption-stage")), 0, "no stages asked for");
        assert_eq!(mounted.text(&format!("{first} .release-new-issues")), "2");
        assert!(mounted.text(&format!("{first} .release-last-deploy")).contains("production"));
        let active = mounted.get("#release-list th .sort-link.active");
        assert_eq!(active.get_attribute("href").as_deref(), Some("?sort=crash_free_sessions"));
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn release_table_without_releases_shows_the_empty_state() {
        let mounted = Mounted::new(|| {
            view! {
                <ReleaseTable
                    org="cairn"
                    rows=Vec::new()
                    sort="date"
                    sort_href=Callback::new(|sort: String| sort)
                />
            }
        });
        assert!(mounted.text("#release-list.empty-state").contains("No releases"));
    }
}

// ---- issue stream (src/pages/issues.rs and its parts) ----

mod stream {
    use super::*;
    use cairn_dashboard::{
        components::{
            assignee_menu::filter_options,
            assignee_picker::AssigneeOption,
            sparkline::{
                add_to_buckets, bars, bars_path, stats_counts, HEIGHT, HEIGHT_ATTRIBUTE, VIEW_BOX,
                WIDTH, WIDTH_ATTRIBUTE,
            },
            AssigneePicker, SearchBar, Sparkline,
        },
        org_directory::{Directory, OrgDirectory},
        pages::issues::{
            apply_update, hits_label, new_at_top, update_in_view, waiting_issue_ids, StreamRow,
            VIEWS,
        },
        search_suggest::{
            key_needing_values, last_term, suggest, SuggestionKind, SuggestionSource,
        },
        stream_query::{link_cursors, StreamQuery, DEFAULT_SORT, SORTS},
    };
    use cairn_types::api::IssueUpdate;

    #[wasm_bindgen_test]
    fn the_url_query_round_trips() {
        let view = StreamQuery {
            query: "is:unresolved release:\"app@1.0 beta\" user.email:a+b@x.io é & ?".into(),
            sort: "freq".into(),
            stats_period: "24h".into(),
            projects: vec!["2".into(), "5".into()],
            environments: vec!["prod uction".into()],
            limit: Some(100),
            cursor: Some("1700000000000:42:0".into()),
        };
        let query_string = view.to_query_string();
        assert!(!query_string.contains(' '), "{query_string}");
        assert!(query_string.starts_with("query=is%3Aunresolved%20release"), "{query_string}");
        assert_eq!(StreamQuery::parse(&query_string), view);
        assert_eq!(StreamQuery::parse(&format!("?{query_string}")), view);
        // Absent parameters are the defaults; an empty search stays empty (no filter).
        assert_eq!(StreamQuery::parse(""), StreamQuery::default());
        assert_eq!(StreamQuery::default().query, "is:unresolved");
        assert_eq!(StreamQuery::parse("query=").query, "");
        // A page size the API would refuse is the default one.
        for limit in ["0", "101", "ten", "-1"] {
            assert_eq!(StreamQuery::parse(&format!("limit={limit}")).limit, None, "{limit}");
        }
        assert!(view.api_pairs().contains(&("limit", "100".to_owned())));
        // Values the stream does not offer fall back; `+` is a space; `-1` is all projects.
        let odd = StreamQuery::parse("sort=bogus&statsPeriod=90d&query=a+b%2&project=-1&x=1");
        assert_eq!((odd.sort.as_str(), odd.stats_period.as_str()), ("date", "14d"));
        assert_eq!(odd.query, "a b%2");
        assert!(odd.projects.is_empty());
        assert_eq!(view.clone().first_page().cursor, None);
        let api = view.api_pairs();
        assert!(api.contains(&("groupStatsPeriod", "24h".to_owned())), "{api:?}");
    }

    #[wasm_bindgen_test]
    fn the_prioritized_tab_and_the_priority_sort_reach_the_url_and_the_api() {
        // "Unresolved" stays the first tab and the default; "Prioritized" (Sentry's) follows.
        assert_eq!(VIEWS[0], ("Unresolved", StreamQuery::default().query.as_str()));
        assert_eq!(VIEWS[1], ("Prioritized", "is:unresolved issue.priority:[high, medium]"));
        assert_eq!(VIEWS[2], ("For review", "is:unresolved is:for_review"));
        assert_eq!(
            VIEWS.last(),
            Some(&("Archived", "is:archived")),
            "Sentry's tab of archived issues"
        );
        // A tab's search, on the first page of the view, the rest kept.
        let current = StreamQuery {
            sort: "freq".into(),
            cursor: Some("1700000000000:42:0".into()),
            ..StreamQuery::default()
        };
        let tab = current.searching(VIEWS[1].1);
        assert_eq!((tab.query.as_str(), tab.sort.as_str()), (VIEWS[1].1, "freq"));
        assert_eq!(tab.cursor, None, "the first page");
        let url = tab.to_query_string();
        assert!(
            url.starts_with("query=is%3Aunresolved%20issue.priority%3A%5Bhigh%2C%20medium%5D&"),
            "{url}"
        );
        assert_eq!(StreamQuery::parse(&url).query, VIEWS[1].1);

        // The sort: offered, kept from the URL (unknown sorts fall back), sent to the API.
        assert_eq!(DEFAULT_SORT, "date");
        assert_eq!(SORTS[0].0, "date");
        assert!(SORTS.contains(&("priority", "Priority")), "{SORTS:?}");
        let mut by_priority = StreamQuery::default().first_page();
        by_priority.sort = "priority".into();
        let url = by_priority.to_query_string();
        assert!(url.contains("&sort=priority&"), "{url}");
        assert_eq!(StreamQuery::parse(&url), by_priority);
        assert!(by_priority.api_pairs().contains(&("sort", "priority".to_owned())));

        // Where a new issue goes is the server's to say, in both.
        let mut opened = update("8", "1", 0);
        opened.is_new = true;
        opened.status = "unresolved".into();
        assert!(!new_at_top(&opened, &by_priority), "a new issue need not be first by priority");
        assert!(!new_at_top(&opened, &StreamQuery::default().searching(VIEWS[1].1)));
        assert!(update_in_view(&opened, &by_priority), "its row's counts change all the same");
    }

    #[wasm_bindgen_test]
    fn link_headers_give_the_cursors_with_results() {
        let header = "<http://x/api/0/organizations/cairn/issues/?query=&cursor=5:9:1>; \
                      rel=\"previous\"; results=\"false\"; cursor=\"5:9:1\", \
                      <http://x/api/0/organizations/cairn/issues/?query=&cursor=3:7:0>; \
                      rel=\"next\"; results=\"true\"; cursor=\"3:7:0\"";
        assert_eq!(link_cursors(header), (None, Some("3:7:0".to_owned())));
        assert_eq!(link_cursors(""), (None, None));
        assert_eq!(hits_label(Some(1000), Some(1000), 25), "1000+ issues");
        assert_eq!(hits_label(Some(1), Some(1000), 1), "1 issue");
        assert_eq!(hits_label(None, None, 3), "3 issues");
    }

    fn source() -> SuggestionSource {
        SuggestionSource {
            tag_keys: vec!["browser".into(), "level".into(), "server_name".into()],
            member_emails: vec!["ana@example.com".into()],
            team_slugs: vec!["backend".into()],
            tag_values: Some(("release".into(), vec!["app@1.0".into(), "app@2.0 rc".into()])),
            recent: vec!["is:unresolved level:error".into(), "assigned:me".into()],
        }
    }

    fn labels(text: &str) -> Vec<String> {
        suggest(text, &source()).into_iter().map(|s| s.label).collect()
    }

    #[wasm_bindgen_test]
    fn suggestions_complete_keys_then_values() {
        // Keys: built-in ones and the organization's tags, by prefix, each once.
        let all = labels("");
        assert!(
            all.contains(&"is:".to_owned()) && all.contains(&"assigned:".to_owned()),
            "{all:?}"
        );
        assert_eq!(labels("is:unresolved bro"), vec!["browser:"]);
        assert_eq!(labels("lev"), vec!["level:"], "a tag named like a built-in key is listed once");
        let key = &suggest("is:unresolved bro", &source())[0];
        assert_eq!((key.text.as_str(), key.kind), ("is:unresolved browser:", SuggestionKind::Key));

        // Recent searches that go on from the text come first, whole; not the text itself.
        assert_eq!(&all[..2], ["is:unresolved level:error", "assigned:me"]);
        let recent = &suggest("is:unresolved ", &source())[0];
        assert_eq!(
            (recent.label.as_str(), recent.description.as_str(), recent.text.as_str()),
            ("is:unresolved level:error", "Recent search", "is:unresolved level:error ")
        );
        let after = labels("is:unresolved level:error ");
        assert!(!after.contains(&"is:unresolved level:error".to_owned()), "not the search itself");
        assert_eq!(labels("as"), vec!["assigned:me", "assigned:", "assigned_or_suggested:"]);

        // Values of built-in keys.
        assert_eq!(labels("is:un"), vec!["unresolved", "unassigned"]);
        assert_eq!(labels("level:"), vec!["fatal", "error", "warning", "info", "debug"]);
        assert_eq!(
            labels("assigned:"),
            vec!["me", "none", "my_teams", "#backend", "ana@example.com"]
        );
        assert_eq!(labels("assigned_or_suggested:ana"), vec!["ana@example.com"]);
        assert_eq!(labels("bookmarks:"), vec!["me"]);
        assert_eq!(labels("has:"), vec!["browser", "level", "server_name"]);
        assert!(all.contains(&"issue.priority:".to_owned()), "{all:?}");
        assert_eq!(labels("issue."), vec!["issue.priority:"]);
        assert_eq!(labels("is:unresolved issue.priority:"), vec!["high", "medium", "low"]);
        let priority = &suggest("is:unresolved !issue.priority:l", &source())[0];
        assert_eq!(priority.text, "is:unresolved !issue.priority:low ");
        assert_eq!(key_needing_values("issue.priority:"), None, "built in, nothing to fetch");
        assert_eq!(labels("release.s"), vec!["release.stage:"]);
        assert_eq!(labels("release.stage:"), vec!["adopted", "low_adoption", "replaced"]);
        assert_eq!(key_needing_values("release.version:>2"), None, "a version, nothing to fetch");

        // A value completes the whole term, keeps what came before, the negation, and quotes.
        let value = &suggest("is:unresolved !level:err", &source())[0];
        assert_eq!(value.text, "is:unresolved !level:error ");
        assert_eq!(value.kind, SuggestionKind::Value);
        let quoted = suggest("release:rc", &source());
        assert_eq!(quoted[0].text, "release:\"app@2.0 rc\" ");
        // Tag values come from the server for the key being typed, and only for that key.
        assert_eq!(key_needing_values("is:unresolved release:ap"), Some("release".to_owned()));
        assert_eq!(key_needing_values("first-release:"), Some("release".to_owned()));
        assert_eq!(key_needing_values("is:un"), None);
        assert_eq!(key_needing_values("releas"), None);
        assert!(labels("browser:").is_empty(), "no values fetched for browser yet");
        // Quotes keep their spaces inside the term.
        assert_eq!(last_term("a release:\"x y"), ("a ", "release:\"x y"));
    }

    #[wasm_bindgen_test]
    fn sparkline_bars_scale_to_the_largest_bucket() {
        let drawn = bars(&[0, 5, 10, 0], 120.0, 28.0);
        assert_eq!(drawn.len(), 4);
        assert_eq!(drawn[2].height, 28.0, "the largest fills the height");
        assert_eq!(drawn[2].y, 0.0);
        assert_eq!(drawn[1].height, 14.0);
        assert_eq!(drawn[0].height, 1.0, "an empty bucket is a thin line");
        assert!(drawn[3].x > drawn[2].x && drawn[3].x + drawn[3].width <= 120.0);
        assert!(bars(&[], 120.0, 28.0).is_empty());
        assert_eq!(bars(&[0, 0], 10.0, 10.0)[1].height, 1.0, "all empty: no division by zero");

        let stats = serde_json::json!({"24h": [[3600, 1], [7200, 0], [10800, 4]]});
        let mut buckets = stats_counts(Some(&stats), "24h");
        assert_eq!(buckets, vec![(3600, 1), (7200, 0), (10800, 4)]);
        assert!(stats_counts(Some(&stats), "14d").is_empty());
        assert!(add_to_buckets(&mut buckets, 7200, 3));
        assert_eq!(buckets[1], (7200, 3));
        assert!(!add_to_buckets(&mut buckets, 0, 1), "before the range");
        let mut days = vec![(0, 0), (86_400, 2)];
        assert!(add_to_buckets(&mut days, 86_400 + 5 * 3600, 1), "an hour inside a day");
        assert_eq!(days[1], (86_400, 3));
    }

    /// The rectangles (`M` commands) of a sparkline's path: `bars` for the buckets with events,
    /// `empty` for the others.
    fn sparkline_rects(m: &Mounted, scope: &str) -> (usize, usize) {
        let rects = |selector: &str| {
            let d = m.get(&format!("{scope} svg.sparkline {selector}")).get_attribute("d");
            d.unwrap_or_default().matches('M').count()
        };
        (rects("path.bar:not(.empty)"), rects("path.bar.empty"))
    }

    #[wasm_bindgen_test]
    fn sparkline_paths_draw_one_rectangle_per_bar() {
        let drawn = bars(&[2, 0, 1], 30.0, 10.0);
        assert_eq!(bars_path(&drawn, true), "M0 0h8v10h-8zM20 5h8v5h-8z");
        assert_eq!(bars_path(&drawn, false), "M10 9h8v1h-8z");
        let thin = bars(&[3, 1, 1], 10.0, 3.0);
        assert_eq!(
            bars_path(&thin, true),
            "M0 0h2.67v3h-2.67zM3.33 2h2.67v1h-2.67zM6.67 2h2.67v1h-2.67z"
        );
        assert_eq!(bars_path(&[], true), "");
    }

    #[wasm_bindgen_test]
    fn sparkline_is_an_svg_of_bars() {
        let m =
            Mounted::new(move || view! { <Sparkline counts=vec![1, 0, 3] label="last 24 hours"/> });
        assert_eq!(sparkline_rects(&m, ""), (2, 1));
        assert_eq!(m.count("svg.sparkline *"), 3, "a title and two paths, not an element per bar");
        assert_eq!(m.text("svg.sparkline title"), "4 events in the last 24 hours");
        let svg = m.get("svg.sparkline");
        assert_eq!(svg.get_attribute("viewBox").as_deref(), Some(VIEW_BOX));
        assert_eq!(VIEW_BOX, format!("0 0 {WIDTH} {HEIGHT}"), "the size written out agrees");
        assert_eq!(
            (WIDTH_ATTRIBUTE, HEIGHT_ATTRIBUTE),
            (&*WIDTH.to_string(), &*HEIGHT.to_string())
        );
        let m = Mounted::new(
            move || view! { <Sparkline counts=vec![1, 1, 1, 1] label="last 14 days"/> },
        );
        assert_eq!(sparkline_rects(&m, ""), (4, 0), "the bars are the counts'");
        assert_eq!(m.text("svg.sparkline title"), "4 events in the last 14 days");
    }

    #[wasm_bindgen_test]
    fn new_issues_reach_the_banner_from_the_update_alone_where_it_is_certain() {
        let mut opened = update("8", "1", 0);
        opened.is_new = true;
        opened.status = "unresolved".into();
        let view = StreamQuery::default();
        assert!(new_at_top(&opened, &view), "the default view: unresolved, last seen");
        let mut search = view.clone();
        search.query = String::new();
        assert!(new_at_top(&opened, &search), "no search at all");
        search.query = "is:resolved".into();
        assert!(!new_at_top(&opened, &search), "another status");
        search.query = "is:unresolved level:error".into();
        assert!(!new_at_top(&opened, &search), "a search only the server can answer");
        let mut by_events = view.clone();
        by_events.sort = "freq".into();
        assert!(!new_at_top(&opened, &by_events), "a new issue is not first by events");
        let mut second_page = view.clone();
        second_page.cursor = Some("0:0:0".into());
        assert!(!new_at_top(&opened, &second_page), "only the first page gets new issues");
        let mut elsewhere = view.clone();
        elsewhere.projects = vec!["2".into()];
        assert!(!new_at_top(&opened, &elsewhere), "another project");
        assert!(!new_at_top(&update("8", "2", 0), &view), "an existing issue");

        let shown = vec![sample_issue("1", "A"), sample_issue("2", "B")];
        let fresh = vec![sample_issue("3", "C"), sample_issue("1", "A"), sample_issue("4", "D")];
        let announced = vec!["3".to_owned(), "5".to_owned(), "2".to_owned()];
        assert_eq!(waiting_issue_ids(&shown, &announced, &fresh), vec!["3", "5", "4"]);
        assert_eq!(waiting_issue_ids(&shown, &[], &shown), Vec::<String>::new());
    }

    fn update(id: &str, count: &str, hour: i64) -> IssueUpdate {
        IssueUpdate {
            id: id.into(),
            project: "1".into(),
            is_new: false,
            count: count.into(),
            user_count: 60,
            first_seen: Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).single().expect("date"),
            last_seen: Utc.with_ymd_and_hms(2026, 11, 25, 11, 0, 0).single().expect("date"),
            status: "unresolved".into(),
            substatus: Some("regressed".into()),
            level: "fatal".into(),
            priority: Some("high".into()),
            hours: vec![(hour, 2)],
            environments: vec!["production".into()],
        }
    }

    #[wasm_bindgen_test]
    fn live_updates_change_counts_and_sparklines() {
        let mut issue = sample_issue("7", "ValueError");
        issue.stats = Some(serde_json::json!({"24h": [[3600, 1], [7200, 0]]}));
        issue.priority = Some("medium".into());
        apply_update(&mut issue, &update("7", "1236", 7200), "24h");
        assert_eq!(issue.count, "1236");
        assert_eq!(issue.user_count, 60);
        assert_eq!(issue.level, "fatal");
        assert_eq!(issue.substatus.as_deref(), Some("regressed"));
        assert_eq!(stats_counts(issue.stats.as_ref(), "24h"), vec![(3600, 1), (7200, 2)]);
        assert_eq!(issue.priority.as_deref(), Some("high"), "raised as the issue escalated");
        let mut unknown = update("7", "1237", 0);
        unknown.priority = None;
        apply_update(&mut issue, &unknown, "24h");
        assert_eq!(issue.priority.as_deref(), Some("high"), "an update without one keeps it");

        let mut view = StreamQuery::default();
        assert!(update_in_view(&update("7", "1", 0), &view));
        view.projects = vec!["2".into()];
        assert!(!update_in_view(&update("7", "1", 0), &view), "another project");
        view.projects.clear();
        view.environments = vec!["staging".into()];
        assert!(!update_in_view(&update("7", "1", 0), &view), "another environment");
    }

    #[wasm_bindgen_test]
    async fn stream_row_shows_the_issue_and_toggles_its_selection() {
        let mut issue = sample_issue("9", "<img src=x onerror=alert(1)> KeyError");
        issue.stats = Some(serde_json::json!({"14d": [[0, 1], [86400, 5]]}));
        issue.assigned_to = Some(serde_json::json!({"type": "team", "id": "3", "name": "backend"}));
        let toggled = Arc::new(Mutex::new(0));
        let seen = toggled.clone();
        let selected = RwSignal::new(false);
        let m = Mounted::new(move || {
            view! {
                <StreamRow
                    issue
                    period="14d"
                    selected
                    focused=Signal::derive(|| false)
                    on_toggle=Callback::new(move |()| *seen.lock().expect("lock") += 1)
                    on_assign=Callback::new(|_| {})
                    directory=Directory::prepared(OrgDirectory::default())
                />
            }
        });
        assert_eq!(m.text(".issue-title"), "<img src=x onerror=alert(1)> KeyError");
        assert_eq!(m.count("img"), 0, "event data is text");
        assert_eq!(m.text(".issue-short-id"), "BACKEND-9");
        assert_eq!(m.text(".issue-count"), "1234");
        assert_eq!(sparkline_rects(&m, ".issue-graph"), (2, 0));
        assert_eq!(m.text(".assignee-button"), "#backend");
        assert_eq!(m.text(".issue-status"), "unresolved");
        m.click(".row-select");
        settle().await;
        assert_eq!(*toggled.lock().expect("lock"), 1);
        selected.set(true);
        settle().await;
        assert!(m.get(".issue-row").class_list().contains("selected"));
    }

    #[wasm_bindgen_test]
    fn stream_rows_show_the_priority_from_a_fixed_list() {
        let row = |priority: Option<&str>| {
            let mut issue = sample_issue("9", "KeyError");
            issue.priority = priority.map(str::to_owned);
            Mounted::new(move || {
                view! {
                    <StreamRow
                        issue
                        period="14d"
                        selected=Signal::derive(|| false)
                        focused=Signal::derive(|| false)
                        on_toggle=Callback::new(|()| {})
                        on_assign=Callback::new(|_| {})
                        directory=Directory::prepared(OrgDirectory::default())
                    />
                }
            })
        };
        for (priority, label) in [("high", "High"), ("medium", "Med"), ("low", "Low")] {
            let m = row(Some(priority));
            assert_eq!(m.count(".priority"), 1, "{priority}");
            assert_eq!(m.text(".issue-meta .priority"), label);
            assert_eq!(m.attr(".priority", "class"), format!("priority priority-{priority}"));
            assert_eq!(m.attr(".priority", "title"), "Priority");
        }
        for priority in [None, Some("urgent"), Some("high priority-x")] {
            let m = row(priority);
            assert_eq!(m.count(".priority"), 0, "{priority:?}");
            assert!(m.find("[class*='priority-x']").is_none());
        }
    }

    #[wasm_bindgen_test]
    async fn bulk_priority_sends_the_change_for_the_selection() {
        use cairn_dashboard::components::bulk_actions::BulkActions;
        type Change = (Vec<String>, UpdateIssueRequest);
        let sent: Arc<Mutex<Vec<Change>>> = Arc::default();
        let log = sent.clone();
        let m = Mounted::new(move || {
            view! {
                <BulkActions
                    selected=RwSignal::new(vec!["4".to_owned(), "7".to_owned()])
                    busy=Signal::derive(|| false)
                    assign_open=RwSignal::new(false)
                    directory=Directory::prepared(OrgDirectory::default())
                    run=Callback::new(move |change| log.lock().expect("lock").push(change))
                />
            }
        });
        settle().await;
        let select: web_sys::HtmlSelectElement =
            m.get("label.bulk-priority select").unchecked_into();
        assert_eq!(select.value(), "", "the placeholder first");
        assert_eq!(m.text(".bulk-priority option[value='']"), "Set priority…");
        assert_eq!(m.count(".bulk-priority option"), 4);
        m.select(".bulk-priority select", "");
        settle().await;
        assert!(sent.lock().expect("lock").is_empty(), "the placeholder sends nothing");
        m.select(".bulk-priority select", "low");
        settle().await;
        let request = UpdateIssueRequest { priority: Some("low".into()), ..Default::default() };
        assert_eq!(*sent.lock().expect("lock"), vec![(vec!["4".into(), "7".into()], request)]);
        // Sentry's "Mark Reviewed" for the selection.
        assert_eq!(m.text("button.bulk-reviewed"), "Mark reviewed");
        m.click("button.bulk-reviewed");
        settle().await;
        let reviewed = UpdateIssueRequest { inbox: Some(false), ..Default::default() };
        assert_eq!(sent.lock().expect("lock")[1], (vec!["4".into(), "7".into()], reviewed));
        // Ignored until they escalate.
        m.select(".bulk-ignore-select", "escalating");
        settle().await;
        let archived = &sent.lock().expect("lock")[2].1;
        assert_eq!(
            (archived.status.as_deref(), archived.substatus.as_deref()),
            (Some("ignored"), Some("archived_until_escalating"))
        );
    }

    #[wasm_bindgen_test]
    fn a_stream_row_still_sets_every_string_interned_for_it() {
        let m = Mounted::new(move || {
            view! {
                <StreamRow
                    issue=sample_issue("9", "KeyError")
                    period="14d"
                    selected=Signal::derive(|| false)
                    focused=Signal::derive(|| false)
                    on_toggle=Callback::new(|()| {})
                    on_assign=Callback::new(|_| {})
                    directory=Directory::prepared(OrgDirectory::default())
                />
            }
        });
        // Every attribute value, class and text the row's DOM holds.
        fn collect(node: &web_sys::Node, values: &mut Vec<String>, classes: &mut Vec<String>) {
            if let Some(element) = node.dyn_ref::<Element>() {
                for name in element.get_attribute_names().iter() {
                    let value = element.get_attribute(&name.as_string().unwrap_or_default());
                    let value = value.unwrap_or_default();
                    if name.as_string().as_deref() == Some("class") {
                        classes.extend(value.split_whitespace().map(str::to_owned));
                    }
                    values.push(value);
                }
            } else if let Some(text) = node.text_content() {
                values.push(text);
            }
            let children = node.child_nodes();
            for i in 0..children.length() {
                if let Some(child) = children.item(i) {
                    collect(&child, values, classes);
                }
            }
        }
        let (mut values, mut classes) = (Vec::new(), Vec::new());
        collect(&m.get(".issue-row"), &mut values, &mut classes);
        for text in cairn_dashboard::interned::STREAM_ROW {
            let set = values.iter().any(|value| value == text)
                || text.split(' ').all(|class| classes.iter().any(|c| c == class));
            assert!(set, "the row no longer sets {text:?}: update src/interned.rs");
        }
    }

    #[wasm_bindgen_test]
    async fn assignee_picker_filters_and_assigns() {
        let options = vec![
            AssigneeOption {
                value: "user:1".into(),
                label: "Ana".into(),
                detail: "ana@example.com".into(),
            },
            AssigneeOption {
                value: "user:2".into(),
                label: "Bo".into(),
                detail: "bo@example.com".into(),
            },
            AssigneeOption {
                value: "team:3".into(),
                label: "#backend".into(),
                detail: "Team".into(),
            },
        ];
        assert_eq!(filter_options(&options, "BACK").len(), 1);
        assert_eq!(filter_options(&options, "example").len(), 2);
        assert_eq!(filter_options(&options, " ").len(), 3);

        let chosen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
        let log = chosen.clone();
        let m = Mounted::new(move || {
            view! {
                <AssigneePicker
                    directory=Directory::prepared(OrgDirectory {
                        assignees: options.clone(),
                        ..OrgDirectory::default()
                    })
                    on_assign=Callback::new(move |value| log.lock().expect("lock").push(value))
                />
            }
        });
        assert_eq!(m.text(".assignee-button"), "Unassigned");
        assert!(m.find(".assignee-menu").is_none());
        m.click(".assignee-button");
        settle().await;
        assert_eq!(m.count(".assignee-option"), 4, "three choices and Unassign");
        m.type_into(".assignee-search", "bo@");
        settle().await;
        assert_eq!(m.count(".assignee-option[data-value]"), 1);
        m.click(".assignee-option[data-value=\"user:2\"]");
        settle().await;
        assert_eq!(*chosen.lock().expect("lock"), vec![Some("user:2".to_owned())]);
        assert!(m.find(".assignee-menu").is_none(), "closed after choosing");
        m.click(".assignee-button");
        settle().await;
        m.click(".assignee-option.unassign");
        settle().await;
        assert_eq!(chosen.lock().expect("lock").last(), Some(&None));
    }

    #[wasm_bindgen_test]
    async fn search_bar_suggests_and_submits() {
        let searched: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = searched.clone();
        let m = Mounted::new(move || {
            view! {
                <SearchBar
                    value=Signal::derive(|| "is:unresolved".to_owned())
                    on_search=Callback::new(move |q| log.lock().expect("lock").push(q))
                    org=""
                />
            }
        });
        settle().await;
        let input: HtmlInputElement = m.get("#search-input").unchecked_into();
        assert_eq!(input.value(), "is:unresolved");
        m.type_into("#search-input", "is:unresolved lev");
        settle().await;
        assert_eq!(m.count(".search-suggestions .suggestion"), 1);
        let down = web_sys::MouseEvent::new("mousedown").expect("event");
        m.get(".suggestion-key").dispatch_event(&down).expect("dispatch");
        settle().await;
        assert_eq!(input.value(), "is:unresolved level:");
        assert_eq!(m.count(".suggestion-value"), 5, "the levels");
        m.type_into("#search-input", "is:unresolved level:error");
        let form: web_sys::HtmlFormElement = m.get("form.search-bar").unchecked_into();
        form.request_submit().expect("submit");
        settle().await;
        assert_eq!(*searched.lock().expect("lock"), vec!["is:unresolved level:error".to_owned()]);
    }
}

// ---- saved searches ----

/// A saved search exactly as the server lists it.
fn saved_search(
    id: &str,
    name: &str,
    query: &str,
    visibility: &str,
) -> cairn_types::api::SavedSearch {
    serde_json::from_value(serde_json::json!({
        "id": id, "type": 0, "name": name, "query": query, "sort": "freq",
        "visibility": visibility, "isGlobal": false, "isPinned": false,
        "dateCreated": "2026-12-05T10:00:00Z"
    }))
    .expect("sample saved search")
}

/// Dispatches a bubbling, cancelable `kind` event built by the browser's `constructor` (with
/// `fields` in its init dictionary) at the element `selector` matches; whether it was not
/// cancelled.
fn fire_event(
    m: &Mounted,
    selector: &str,
    constructor: &str,
    kind: &str,
    fields: &[(&str, wasm_bindgen::JsValue)],
) -> bool {
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).expect("set");
    js_sys::Reflect::set(&init, &"cancelable".into(), &true.into()).expect("set");
    for (name, value) in fields {
        js_sys::Reflect::set(&init, &(*name).into(), value).expect("set");
    }
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &constructor.into())
            .expect("constructor")
            .unchecked_into();
    let event: web_sys::Event =
        js_sys::Reflect::construct(&constructor, &js_sys::Array::of2(&kind.into(), &init))
            .expect("an event")
            .unchecked_into();
    m.get(selector).dispatch_event(&event).expect("dispatch")
}

#[wasm_bindgen_test]
fn saved_searches_show_for_an_empty_or_unchanged_search_and_know_what_is_saved() {
    use cairn_dashboard::components::saved_searches::{can_save, is_saved, shows_saved};
    assert!(shows_saved("", "is:unresolved"));
    assert!(shows_saved("  ", "is:unresolved"));
    assert!(shows_saved("is:unresolved ", "is:unresolved"), "the search in effect");
    assert!(!shows_saved("is:unresolved lev", "is:unresolved"), "being typed");
    let searches = [
        saved_search("1", "Errors", "level:error", "organization"),
        saved_search("2", "Mine", "assigned:me", "owner"),
    ];
    assert!(is_saved(&searches, "assigned:me"));
    assert!(is_saved(&searches, " level:error "));
    assert!(!is_saved(&searches, "level:error assigned:me"));
    assert!(can_save(&searches, "is:unresolved"));
    assert!(!can_save(&searches, "assigned:me"), "saved already");
    assert!(!can_save(&searches, "  "), "nothing to save");
    assert!(!can_save(&[], ""));
}

#[wasm_bindgen_test]
async fn saved_search_list_shows_searches_as_text_applies_and_deletes_them() {
    use cairn_dashboard::components::saved_searches::SavedSearchList;
    use cairn_types::api::SavedSearch;
    let picked: Arc<Mutex<Vec<SavedSearch>>> = Arc::default();
    let deleted: Arc<Mutex<Vec<SavedSearch>>> = Arc::default();
    let (pick_log, delete_log) = (picked.clone(), deleted.clone());
    let shared = saved_search("1", "Team errors", "level:error", "organization");
    let hostile =
        saved_search("2", "<b>mine</b>", "message:\"<img src=x onerror=alert(1)>\"", "owner");
    let searches = vec![shared.clone(), hostile.clone()];
    let pinned = RwSignal::new(false);
    let m = Mounted::new(move || {
        view! {
            <ul class="search-suggestions">
                <SavedSearchList
                    searches=searches
                    current="level:error"
                    error=Signal::derive(|| None::<String>)
                    on_pick=Callback::new(move |s| pick_log.lock().expect("lock").push(s))
                    on_delete=Callback::new(move |s| delete_log.lock().expect("lock").push(s))
                    on_save=Callback::new(|_: (String, bool)| panic!("nothing to save"))
                    pinned
                />
            </ul>
        }
    });
    settle().await;
    assert_eq!(m.count(".saved-searches .saved-search"), 2);
    assert_eq!(m.text(".saved-searches .label"), "Saved searches");
    let items = m.root.query_selector_all(".saved-search").expect("valid selector");
    let text = |i: u32| items.get(i).and_then(|n| n.text_content()).unwrap_or_default();
    assert!(text(0).starts_with("Team errors"), "{}", text(0));
    assert!(text(0).contains("Organization"), "shared: {}", text(0));
    assert!(text(0).ends_with("level:error"), "{}", text(0));
    assert!(text(1).starts_with("<b>mine</b>"), "as text: {}", text(1));
    assert!(!text(1).contains("Organization"), "the user's own: {}", text(1));
    assert_eq!(m.count(".saved-search .badge"), 1);
    assert_eq!(m.count(".saved-search .suggestion-description"), 2);
    assert_eq!(m.count("b"), 0);
    assert_eq!(m.count("img"), 0);
    assert_eq!(m.count(".saved-search-delete"), 2);
    assert_eq!(m.attr(".saved-search-delete", "aria-label"), "Delete saved search Team errors");
    assert_eq!(m.count(".save-search"), 0, "the search in effect is saved already");
    assert_eq!(m.count(".form-error"), 0);

    // A press on a button keeps the focus in the search field (the suggestions stay open).
    assert!(!fire_event(&m, ".saved-search", "MouseEvent", "mousedown", &[]), "default prevented");
    assert!(!pinned.get_untracked());
    m.click(".saved-search");
    settle().await;
    assert_eq!(*picked.lock().expect("lock"), vec![shared]);
    let deletes = m.root.query_selector_all(".saved-search-delete").expect("valid selector");
    deletes.get(1).expect("second ×").unchecked_into::<HtmlElement>().click();
    settle().await;
    assert_eq!(*deleted.lock().expect("lock"), vec![hostile]);
}

#[wasm_bindgen_test]
async fn saved_search_list_saves_the_current_search_and_shows_the_error() {
    use cairn_dashboard::components::saved_searches::SavedSearchList;
    let saved: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let log = saved.clone();
    let current = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pinned = RwSignal::new(false);
    let m = Mounted::new(move || {
        view! {
            <ul class="search-suggestions">
                <SavedSearchList
                    searches=Signal::derive(Vec::new)
                    current
                    error
                    on_pick=Callback::new(|_| panic!("nothing to pick"))
                    on_delete=Callback::new(|_| panic!("nothing to delete"))
                    on_save=Callback::new(move |s| log.lock().expect("lock").push(s))
                    pinned
                />
            </ul>
        }
    });
    settle().await;
    assert_eq!(m.count(".saved-searches"), 0, "nothing saved and nothing to save");
    current.set("is:unresolved level:error".into());
    settle().await;
    assert_eq!(m.count(".saved-searches .save-search"), 1);
    assert_eq!(m.count(".saved-search"), 0);
    let name = ".save-search input[name=saved-search-name]";
    // A press on a field pins the section while the focus is in it.
    assert!(fire_event(&m, name, "MouseEvent", "mousedown", &[]), "the field takes the focus");
    assert!(pinned.get_untracked());
    m.type_into(name, "Errors");
    m.click(".save-search input[type=checkbox][name=saved-search-shared]");
    m.click(".save-search-submit");
    settle().await;
    assert_eq!(*saved.lock().expect("lock"), vec![("Errors".to_owned(), true)]);
    // Enter in the name saves too, and does not submit the search bar's form.
    m.click("input[name=saved-search-shared]");
    m.type_into(name, "Mine");
    assert!(!fire_event(&m, name, "KeyboardEvent", "keydown", &[("key", "Enter".into())]));
    settle().await;
    assert_eq!(saved.lock().expect("lock").last(), Some(&("Mine".to_owned(), false)));
    error.set(Some("Query \"is:unresolved level:error\" already exists".into()));
    settle().await;
    assert_eq!(
        m.text(".saved-searches .form-error"),
        "Query \"is:unresolved level:error\" already exists"
    );
    assert_eq!(
        m.get(name).unchecked_into::<HtmlInputElement>().value(),
        "Mine",
        "the form keeps what was typed"
    );
    // The focus leaving the section for the page unpins it.
    fire_event(&m, name, "FocusEvent", "focusout", &[]);
    assert!(!pinned.get_untracked());
}

// ---- ownership ----

#[wasm_bindgen_test]
fn owners_panel_shows_owners_and_the_reason_as_text() {
    use cairn_dashboard::components::suggested_owners::OwnersPanel;
    use cairn_types::api::{
        Actor, EventOwners, OwnershipMatch, OwnershipReason, OwnershipRule, RuleMatcher,
    };
    let matcher = RuleMatcher { kind: "path".into(), pattern: "src/<b>x</b>/**".into() };
    let owners = EventOwners {
        owners: vec![
            Actor { kind: "team".into(), id: "3".into(), name: "billing".into() },
            Actor { kind: "user".into(), id: "7".into(), name: "ann@example.com".into() },
        ],
        rule: Some(matcher.clone()),
        rules: vec![OwnershipRule { matcher, owners: Vec::new() }],
        reason: Some(OwnershipReason {
            kind: "ownershipRule".into(),
            rule: "path:src/<b>x</b>/** #billing".into(),
            matched: OwnershipMatch {
                field: "filename".into(),
                value: "<img src=x onerror=alert(1)>".into(),
            },
        }),
        fallthrough: false,
    };
    let m = Mounted::new(move || view! { <OwnersPanel owners/> });
    assert_eq!(m.count("#suggested-owners .owner"), 2);
    assert_eq!(m.text("#suggested-owners .owner"), "#billing");
    assert_eq!(m.text(".owners-rule"), "path:src/<b>x</b>/** #billing");
    assert_eq!(m.text(".owners-value"), "<img src=x onerror=alert(1)>");
    assert_eq!(m.count("img"), 0);
    assert_eq!(m.count("b"), 0);
    assert!(m.find(".owners-empty").is_none());
}

#[wasm_bindgen_test]
fn owners_panel_without_a_match_says_so_with_fallthrough() {
    use cairn_dashboard::components::suggested_owners::OwnersPanel;
    use cairn_types::api::EventOwners;
    let owners =
        EventOwners { owners: vec![], rule: None, rules: vec![], reason: None, fallthrough: true };
    let m = Mounted::new(move || view! { <OwnersPanel owners/> });
    assert!(m.text(".owners-empty").contains("fallthrough"));
    assert_eq!(m.count(".owner"), 0);
}

#[wasm_bindgen_test]
fn rule_errors_keep_their_line_and_mappings_parse() {
    use cairn_dashboard::pages::ownership::{line_errors, parse_mapping};
    let errors = line_errors("raw: Parse error: unknown rule type \"file\" (line 3)");
    assert_eq!(errors, [(Some(3), "Parse error: unknown rule type \"file\" (line 3)".to_owned())]);
    let errors = line_errors("raw: Invalid rule owners: #ghosts");
    assert_eq!(errors, [(None, "Invalid rule owners: #ghosts".to_owned())]);
    let mapping = parse_mapping("@octocat ann@example.com\n\n@acme/billing #billing\nincomplete");
    assert_eq!(mapping.len(), 2);
    assert_eq!(mapping["@acme/billing"], "#billing");
    assert_eq!(
        Page::ProjectOwnership { org: "a b".into(), project: "shop".into() }.path(),
        "/settings/a%20b/projects/shop/ownership/"
    );
}

#[wasm_bindgen_test]
async fn source_map_bundles_show_their_release_and_delete_only_once_confirmed() {
    use cairn_dashboard::pages::project_settings::{bundle_release, BundleRow};
    use cairn_types::api::ArtifactBundle;
    let bundle = |id: &str, associations: serde_json::Value, files: i64| -> ArtifactBundle {
        serde_json::from_value(serde_json::json!({
            "bundleId": id, "associations": associations, "fileCount": files,
            "date": "2026-12-01T10:00:00Z", "dateModified": "2026-12-01T10:00:00Z"
        }))
        .expect("sample bundle")
    };
    let with_release = bundle("b1", serde_json::json!([{"release": "shop@1.0", "dist": "web"}]), 2);
    let by_debug_id = bundle("b2", serde_json::json!([]), 1);
    assert_eq!(bundle_release(&with_release), "shop@1.0 (web)");
    assert_eq!(bundle_release(&by_debug_id), "No release: found by debug ids");
    let deleted = RwSignal::new(Vec::<String>::new());
    let on_delete = Callback::new(move |id| deleted.update(|d| d.push(id)));
    let bundles = vec![with_release, by_debug_id];
    let m = Mounted::new(move || {
        view! {
            <ul>
                {bundles.into_iter().map(|bundle| view! { <BundleRow bundle on_delete/> }).collect_view()}
            </ul>
        }
    });
    assert_eq!(m.text("[data-bundle='b1'] .bundle-id"), "b1");
    assert_eq!(m.text("[data-bundle='b1'] .bundle-files"), "2 files");
    assert_eq!(m.text("[data-bundle='b2'] .bundle-files"), "1 file");
    assert_eq!(m.text("[data-bundle='b1'] .bundle-release"), "shop@1.0 (web)");
    m.click("[data-bundle='b2'] .bundle-delete");
    settle().await;
    assert!(deleted.get_untracked().is_empty(), "deleting asks first");
    m.click("[data-bundle='b2'] .bundle-delete-confirm");
    settle().await;
    assert_eq!(deleted.get_untracked(), ["b2"]);
}

#[wasm_bindgen_test]
async fn discarded_issue_rows_show_the_issue_as_text_and_undiscard_it_by_id() {
    use cairn_dashboard::pages::project_settings::{discarded_by, DiscardedIssueRow};
    use cairn_types::api::Tombstone;
    let tombstone = |id: &str, level: &str, actor: serde_json::Value| -> Tombstone {
        serde_json::from_value(serde_json::json!({
            "id": id, "level": level, "message": "<b>PaymentError</b>: card declined",
            "culprit": "shop::checkout in <pay>", "type": "error",
            "metadata": {"type": "PaymentError"}, "actor": actor,
            "dateAdded": (Utc::now() - Duration::hours(3)).to_rfc3339()
        }))
        .expect("sample tombstone")
    };
    let owner = serde_json::json!({
        "id": "1", "name": "Olivia Owner", "username": "owner@example.com",
        "email": "owner@example.com", "isSuperuser": false
    });
    let nameless = serde_json::json!({
        "id": "2", "name": "", "username": "admin@example.com",
        "email": "admin@example.com", "isSuperuser": false
    });
    let by_owner = tombstone("7", "error", owner);
    let unknown = tombstone("8", "warning", serde_json::Value::Null);
    assert_eq!(discarded_by(&by_owner), "Olivia Owner");
    assert_eq!(discarded_by(&tombstone("9", "info", nameless)), "admin@example.com");
    assert_eq!(discarded_by(&unknown), "—");
    let asked = RwSignal::new(Vec::<String>::new());
    let on_undiscard = Callback::new(move |id| asked.update(|a| a.push(id)));
    let busy = RwSignal::new(false);
    let rows = vec![by_owner, unknown];
    let m = Mounted::new(move || {
        view! {
            <ul>
                {rows
                    .into_iter()
                    .map(|tombstone| {
                        view! { <DiscardedIssueRow tombstone on_undiscard busy=busy.into()/> }
                    })
                    .collect_view()}
            </ul>
        }
    });
    assert_eq!(m.count(".discarded-issue"), 2);
    let row = "[data-tombstone='7']";
    assert_eq!(m.text(&format!("{row} .discarded-title")), "<b>PaymentError</b>: card declined");
    assert_eq!(m.count(&format!("{row} .discarded-title b")), 0, "the title is text, not HTML");
    assert_eq!(m.text(&format!("{row} .discarded-culprit")), "shop::checkout in <pay>");
    assert_eq!(m.text(&format!("{row} .discarded-actor")), "Discarded by Olivia Owner");
    assert_eq!(m.text(&format!("{row} time")), "3 hours ago");
    assert!(m.get(&format!("{row} .issue-level")).class_name().contains("level-error"));
    assert!(m.get("[data-tombstone='8'] .issue-level").class_name().contains("level-warning"));
    assert_eq!(m.text("[data-tombstone='8'] .discarded-actor"), "Discarded by —");

    m.click("[data-tombstone='8'] .undiscard-button");
    settle().await;
    assert_eq!(asked.get_untracked(), ["8"]);
    busy.set(true);
    settle().await;
    let button = m.get(&format!("{row} .undiscard-button"));
    assert!(button.has_attribute("disabled"), "no second request while one is on its way");
}

#[wasm_bindgen_test]
async fn key_rows_show_the_dsn_and_state_and_delete_only_once_confirmed() {
    use cairn_dashboard::pages::project_settings::{KeyChange, KeyRow};
    use cairn_types::api::ProjectKey;
    let key = |id: &str, name: &str, active: bool, limit: serde_json::Value| -> ProjectKey {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "public": id, "secret": "s", "projectId": 1,
            "isActive": active, "rateLimit": limit,
            "dsn": {"public": format!("http://{id}@127.0.0.1:8000/1"), "secret": "x"},
            "dateCreated": "2026-11-01T10:00:00Z"
        }))
        .expect("sample key")
    };
    let asked = RwSignal::new(Vec::<KeyChange>::new());
    let on_change = Callback::new(move |change| asked.update(|a| a.push(change)));
    let keys = vec![
        key("aaa", "Default", true, serde_json::Value::Null),
        key("bbb", "Mobile", false, serde_json::json!({"count": 100, "window": 60})),
    ];
    let m = Mounted::new(move || {
        view! {
            <ul>{keys.into_iter().map(|key| view! { <KeyRow key on_change/> }).collect_view()}</ul>
        }
    });
    assert_eq!(m.text("[data-key='aaa'] .key-name"), "Default");
    assert_eq!(m.text("[data-key='aaa'] .key-dsn"), "http://aaa@127.0.0.1:8000/1");
    assert_eq!(m.text("[data-key='aaa'] .key-status"), "Enabled");
    assert_eq!(m.text("[data-key='aaa'] .key-rate-limit"), "No rate limit");
    assert_eq!(m.text("[data-key='bbb'] .key-status"), "Disabled");
    assert_eq!(m.text("[data-key='bbb'] .key-rate-limit"), "At most 100 events per 60 s");
    assert_eq!(m.text("[data-key='aaa'] .key-toggle"), "Disable");
    assert_eq!(m.text("[data-key='bbb'] .key-toggle"), "Enable");

    m.click("[data-key='aaa'] .key-toggle");
    m.click("[data-key='bbb'] .key-toggle");
    // Delete asks first; cancelling asks nothing.
    m.click("[data-key='bbb'] .key-delete");
    settle().await;
    assert_eq!(m.count("[data-key='bbb'] .key-confirm"), 1);
    m.click("[data-key='bbb'] .key-delete-cancel");
    settle().await;
    assert_eq!(m.count("[data-key='bbb'] .key-confirm"), 0);
    m.click("[data-key='bbb'] .key-delete");
    settle().await;
    m.click("[data-key='bbb'] .key-delete-confirm");
    settle().await;
    assert_eq!(
        asked.get_untracked(),
        [
            KeyChange::Enable("aaa".into(), false),
            KeyChange::Enable("bbb".into(), true),
            KeyChange::Delete("bbb".into()),
        ]
    );
}

#[wasm_bindgen_test]
fn a_notification_type_is_emailed_unless_set_to_never() {
    use cairn_dashboard::pages::inbox::is_emailed;
    let option = |kind: &str, value: &str| -> cairn_types::api::NotificationOption {
        serde_json::from_value(serde_json::json!({
            "id": "1", "scopeType": "user", "scopeIdentifier": "7", "type": kind, "value": value,
            "user_id": "7", "team_id": null
        }))
        .expect("an option")
    };
    assert!(is_emailed(&[], "alerts"), "Sentry's default");
    let options = [option("alerts", "never"), option("workflow", "always")];
    assert!(!is_emailed(&options, "alerts"));
    assert!(is_emailed(&options, "workflow"));
}

#[wasm_bindgen_test]
fn project_settings_read_lists_and_the_rate_limit_from_the_form() {
    use cairn_dashboard::pages::project_settings::{list_lines, rate_limit_of};
    assert_eq!(list_lines("  customer_ref \n\n\torder_id\n   \n"), ["customer_ref", "order_id"]);
    assert!(list_lines("\n  \n").is_empty());
    assert_eq!(rate_limit_of("", " "), Ok(None), "both empty: no limit");
    let limit = rate_limit_of(" 1000 ", "60").expect("a limit").expect("some");
    assert_eq!((limit.count, limit.window), (1000, 60));
    for (count, window) in
        [("1000", ""), ("", "60"), ("0", "60"), ("-5", "60"), ("ten", "60"), ("1.5", "60")]
    {
        assert!(rate_limit_of(count, window).is_err(), "{count:?} per {window:?}");
    }
    assert_eq!(
        Page::ProjectSettings { org: "a b".into(), project: "shop".into() }.path(),
        "/settings/a%20b/projects/shop/"
    );
}

// ---- notifications and suspect commits ----

#[wasm_bindgen_test]
fn inbox_links_each_notification_to_its_issue_and_marks_unread_ones() {
    let notification = |id: &str, kind: &str, read: bool| {
        serde_json::from_value::<cairn_types::api::Notification>(serde_json::json!({
            "id": id,
            "type": kind,
            "dateCreated": "2026-11-25T09:55:00Z",
            "dateRead": if read { serde_json::json!("2026-11-25T10:00:00Z") } else { serde_json::Value::Null },
            "issue": sample_issue("9", "<b>KeyError</b>"),
            "activity": {"id": "3", "type": kind, "data": {}, "dateCreated": "2026-11-25T09:55:00Z",
                "user": {"id": "1", "name": "Owner", "username": "owner@example.com",
                "email": "owner@example.com", "isSuperuser": false}},
        }))
        .expect("notification matches the wire type")
    };
    let list = vec![notification("2", "assigned", false), notification("1", "note", true)];
    let m = Mounted::new(move || view! { <NotificationList notifications=list/> });

    assert_eq!(m.count(".notification"), 2);
    assert_eq!(m.count(".notification.unread"), 1);
    assert_eq!(m.text(".notification-issue"), "<b>KeyError</b>", "titles are text");
    assert_eq!(m.count("b"), 0);
    assert_eq!(
        m.get(".notification-issue").get_attribute("href").as_deref(),
        Some("/organizations/cairn/issues/9/")
    );
    assert_eq!(m.text(".notification-what"), "Owner assigned this issue");

    let list = vec![notification("4", "set_escalating", false)];
    let m = Mounted::new(move || view! { <NotificationList notifications=list/> });
    assert_eq!(m.text(".notification-what"), "This issue is escalating");
}

#[wasm_bindgen_test]
fn suspect_commits_show_author_message_and_short_id() {
    let committers: Vec<cairn_types::api::Committer> = serde_json::from_value(serde_json::json!([{
        "author": {"name": "Alice", "email": "alice@example.com"},
        "commits": [{
            "id": "0123456789abcdef0123456789abcdef01234567",
            "message": "Round the totals\n\n<script>x</script>",
            "dateCreated": "2026-11-25T09:55:00Z",
            "repository": null, "author": null, "pullRequest": null,
            "suspectCommitType": "via commit in release"
        }]
    }]))
    .expect("committers match the wire type");
    let m = Mounted::new(move || view! { <SuspectCommitList committers/> });

    assert_eq!(m.count(".suspect-commit"), 1);
    assert_eq!(m.text(".suspect-author"), "Alice");
    assert_eq!(m.text(".suspect-message"), "Round the totals");
    assert_eq!(m.text(".suspect-id"), "0123456789ab");
    assert_eq!(m.count("script"), 0);
}

// ---- code mappings: frame and commit links, the settings section ----

/// A code mapping as the server sends it, of the repository `acme/shop` at `url`.
fn code_mapping(
    id: &str,
    stack_root: &str,
    source_root: &str,
    repo_name: &str,
    url: Option<&str>,
    provider: Option<&str>,
) -> cairn_types::api::CodeMapping {
    serde_json::from_value(serde_json::json!({
        "id": id, "projectId": "7", "projectSlug": "shop", "repoId": "3", "repoName": repo_name,
        "repoUrl": url, "repoProvider": provider, "stackRoot": stack_root,
        "sourceRoot": source_root, "defaultBranch": "main", "integrationId": null,
        "automaticallyGenerated": false, "dateCreated": "2026-12-01T10:00:00Z"
    }))
    .expect("code mapping matches the wire type")
}

/// Two in-app frames: `app/views.py:12` (which the sample mapping places) and `lib/other.py`.
fn mapped_frames() -> Vec<Frame> {
    serde_json::from_value(serde_json::json!([
        {"filename": "app/views.py", "function": "checkout", "lineNo": 12, "inApp": true},
        {"filename": "lib/other.py", "function": "helper", "lineNo": 3, "inApp": true}
    ]))
    .expect("sample frames")
}

fn gitlab_mapping() -> cairn_types::api::CodeMapping {
    code_mapping(
        "1",
        "app/",
        "src/app/",
        "acme/shop",
        Some("https://code.example/acme/shop"),
        Some("gitlab"),
    )
}

#[wasm_bindgen_test]
async fn frames_link_to_their_line_on_the_code_host_through_the_code_mappings() {
    use cairn_dashboard::components::code_links::CodeLinks;
    let frames = mapped_frames();
    let m = Mounted::new(move || {
        provide_context(CodeLinks(Signal::stored(vec![gitlab_mapping()])));
        view! { <StackTrace frames/> }
    });
    assert_eq!(m.count(".frame"), 2);
    assert_eq!(m.count(".frame-source-link"), 1, "only the mapped frame links");
    // Newest first: `lib/other.py` is frame 0, `app/views.py` frame 1.
    assert_eq!(m.count(".frame[data-index='0'] .frame-source-link"), 0);
    let link = ".frame[data-index='1'] > a.frame-source-link";
    assert_eq!(
        m.attr(link, "href"),
        "https://code.example/acme/shop/-/blob/main/src/app/views.py#L12"
    );
    assert_eq!(m.attr(link, "target"), "_blank");
    assert_eq!(m.attr(link, "rel"), "noopener noreferrer");
    assert_eq!(m.attr(link, "title"), "Open this line in GitLab");
    assert_eq!(m.text(link), "Open in GitLab");
    assert_eq!(m.count("button a, .frame-header .frame-source-link"), 0, "not inside the button");
    // The header still expands the frame.
    assert_eq!(m.text(".frame[data-index='1'] .frame-location"), "app/views.py:12");
}

#[wasm_bindgen_test]
async fn exception_frames_link_once_the_mappings_arrive_and_never_without_them() {
    use cairn_dashboard::components::code_links::CodeLinks;
    let exception = || -> Vec<ExceptionValue> {
        serde_json::from_value(serde_json::json!([{
            "type": "ValueError", "value": "bad",
            "stacktrace": {"frames": [
                {"filename": "app/views.py", "function": "checkout", "lineNo": 12, "inApp": true},
                {"filename": "lib/other.py", "function": "helper", "lineNo": 3, "inApp": true}
            ]}
        }]))
        .expect("sample exception")
    };

    // No context (any page but the issue page): no links.
    let values = exception();
    let m = Mounted::new(move || view! { <ExceptionList values/> });
    assert_eq!(m.count(".frame"), 2);
    assert_eq!(m.count("a"), 0);
    drop(m);

    // The issue page's mappings come after the event: the link appears with them.
    let mappings = RwSignal::new(Vec::new());
    let values = exception();
    let m = Mounted::new(move || {
        provide_context(CodeLinks(mappings.into()));
        view! { <ExceptionList values/> }
    });
    assert_eq!(m.count(".frame-source-link"), 0);
    mappings.set(vec![gitlab_mapping()]);
    settle().await;
    assert_eq!(m.count(".frame-source-link"), 1);
    assert_eq!(
        m.attr(".frame-source-link", "href"),
        "https://code.example/acme/shop/-/blob/main/src/app/views.py#L12"
    );
}

#[wasm_bindgen_test]
fn code_links_pick_the_host_and_link_only_web_addresses() {
    use cairn_dashboard::components::code_links::{commit_link, frame_link, is_web_address};
    use cairn_types::source_links::{FramePath, Host};
    assert_eq!(Host::of(Some("integrations:gitlab"), "https://git.example/a/b"), Host::GitLab);
    assert_eq!(Host::of(Some("gitea"), "https://github.com/a/b"), Host::Gitea);
    assert_eq!(Host::of(Some("unknown"), "https://bitbucket.org/a/b"), Host::Bitbucket);
    assert_eq!(Host::of(None, "https://git.example/a/b"), Host::GitHub);
    assert!(is_web_address("https://x.example/") && is_web_address("HTTP://x.example/"));
    assert!(!is_web_address("javascript:alert(1)") && !is_web_address("/relative"));

    let frame = FramePath { filename: Some("app/views.py"), ..FramePath::default() };
    let guessed = code_mapping(
        "1",
        "app/",
        "",
        "acme/shop",
        Some("https://gitlab.acme.example/acme/shop"),
        None,
    );
    let (url, host) = frame_link(&[guessed], &frame, Some(3)).expect("mapped");
    assert_eq!(
        (url.as_str(), host),
        ("https://gitlab.acme.example/acme/shop/-/blob/main/views.py#L3", Host::GitLab)
    );
    let script = code_mapping("1", "app/", "", "acme/shop", Some("javascript:alert(1)//"), None);
    assert_eq!(frame_link(&[script], &frame, Some(3)), None);
    let no_address = code_mapping("1", "app/", "", "acme/shop", None, None);
    assert_eq!(frame_link(&[no_address], &frame, Some(3)), None);

    let commit = |url: serde_json::Value, provider: &str| -> cairn_types::api::Commit {
        serde_json::from_value(serde_json::json!({
            "id": "abc123", "message": null, "dateCreated": "2026-11-25T09:55:00Z",
            "repository": {
                "id": "3", "name": "acme/shop", "url": url,
                "provider": {"id": provider, "name": "x"}, "status": "active",
                "dateCreated": "2026-11-25T09:55:00Z", "integrationId": null, "externalSlug": null
            },
            "author": null, "pullRequest": null, "suspectCommitType": ""
        }))
        .expect("commit matches the wire type")
    };
    let (url, host) =
        commit_link(&commit("https://code.example/acme/shop".into(), "integrations:bitbucket"))
            .expect("linked");
    assert_eq!(
        (url.as_str(), host),
        ("https://code.example/acme/shop/commits/abc123", Host::Bitbucket)
    );
    assert_eq!(commit_link(&commit(serde_json::Value::Null, "unknown")), None);
    assert_eq!(commit_link(&commit("javascript:alert(1)".into(), "unknown")), None);
}

#[wasm_bindgen_test]
fn suspect_commits_link_the_id_when_the_repository_has_an_address() {
    let committers: Vec<cairn_types::api::Committer> = serde_json::from_value(serde_json::json!([{
        "author": {"name": "Alice", "email": "alice@example.com"},
        "commits": [{
            "id": "0123456789abcdef0123456789abcdef01234567",
            "message": "Round the totals",
            "dateCreated": "2026-11-25T09:55:00Z",
            "repository": {
                "id": "3", "name": "acme/shop", "url": "https://github.com/acme/shop",
                "provider": {"id": "integrations:github", "name": "GitHub"}, "status": "active",
                "dateCreated": "2026-11-25T09:55:00Z", "integrationId": null, "externalSlug": null
            },
            "author": null, "pullRequest": null,
            "suspectCommitType": "via commit in release"
        }]
    }]))
    .expect("committers match the wire type");
    let m = Mounted::new(move || view! { <SuspectCommitList committers/> });
    assert_eq!(
        m.attr("a.suspect-id-link", "href"),
        "https://github.com/acme/shop/commit/0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(m.attr("a.suspect-id-link", "rel"), "noopener noreferrer");
    assert_eq!(m.text("a.suspect-id-link .suspect-id"), "0123456789ab");
}

#[wasm_bindgen_test]
fn code_mapping_forms_build_their_requests() {
    use cairn_dashboard::pages::code_mappings::{
        host_choice, mapping_request, new_repository_request, repository_update,
    };
    let request = mapping_request("7", "3", " app/ ", "src/app/", " main ").expect("valid");
    assert_eq!(
        serde_json::to_value(&request).expect("serializes"),
        serde_json::json!({
            "projectId": "7", "repositoryId": "3", "stackRoot": "app/",
            "sourceRoot": "src/app/", "defaultBranch": "main"
        })
    );
    let request = mapping_request("7", "3", "", "", "").expect("empty roots map every path");
    assert_eq!(request.default_branch, None, "the server's main");
    assert_eq!(
        mapping_request("7", "", "app/", "src/", "main").err().as_deref(),
        Some("Choose a repository.")
    );
    assert!(mapping_request("", "3", "app/", "src/", "main").is_err());

    let added =
        new_repository_request(" acme/shop ", " https://gitlab.com/acme/shop ").expect("valid");
    assert_eq!(
        serde_json::to_value(&added).expect("serializes"),
        serde_json::json!({"name": "acme/shop", "url": "https://gitlab.com/acme/shop"})
    );
    let bare = new_repository_request("acme/shop", "").expect("no address is fine");
    assert_eq!(bare.url, None);
    assert!(new_repository_request("  ", "https://x.example").is_err());
    assert!(new_repository_request("acme/shop", "javascript:alert(1)").is_err());

    let update = repository_update("https://git.acme.example/shop", "gitea").expect("valid");
    assert_eq!(
        serde_json::to_value(&update).expect("serializes"),
        serde_json::json!({"url": "https://git.acme.example/shop", "provider": "gitea"})
    );
    let guessed = repository_update("https://gitlab.com/acme/shop", "").expect("valid");
    assert_eq!(guessed.provider, None);
    let removed = repository_update("  ", "github").expect("removing the address");
    assert_eq!((removed.url.as_deref(), removed.provider), (Some(""), None));
    assert!(repository_update("ftp://x.example", "").is_err());

    let repository = |provider: &str| -> cairn_types::api::Repository {
        serde_json::from_value(serde_json::json!({
            "id": "3", "name": "acme/shop", "url": null,
            "provider": {"id": provider, "name": "x"}, "status": "active",
            "dateCreated": "2026-11-25T09:55:00Z", "integrationId": null, "externalSlug": null
        }))
        .expect("repository matches the wire type")
    };
    assert_eq!(host_choice(&repository("integrations:gitlab")), "gitlab");
    assert_eq!(host_choice(&repository("unknown")), "");
}

#[wasm_bindgen_test]
async fn code_mapping_table_shows_each_mapping_as_text_and_deletes_by_id() {
    use cairn_dashboard::pages::code_mappings::CodeMappingTable;
    use cairn_types::api::CodeMapping;
    let mappings = vec![
        code_mapping("1", "", "backend/", "<b>acme</b>/shop", None, None),
        CodeMapping { id: "2".into(), ..gitlab_mapping() },
    ];
    let deleted = RwSignal::new(Vec::<String>::new());
    let on_delete = Callback::new(move |id| deleted.update(|d| d.push(id)));
    let m = Mounted::new(move || view! { <CodeMappingTable mappings on_delete/> });
    assert_eq!(m.count("tr.code-mapping"), 2);
    assert_eq!(m.count("b"), 0, "names are text");
    assert_eq!(m.text("[data-mapping='1'] .code-mapping-repo"), "<b>acme</b>/shop");
    assert_eq!(m.text("[data-mapping='1'] .code-mapping-stack-root"), "(every path)");
    assert_eq!(m.text("[data-mapping='1'] .code-mapping-source-root"), "backend/");
    assert_eq!(m.count("[data-mapping='1'] .code-mapping-no-address"), 1);
    assert_eq!(m.text("[data-mapping='2'] .code-mapping-stack-root"), "app/");
    assert_eq!(m.text("[data-mapping='2'] .code-mapping-source-root"), "src/app/");
    assert_eq!(m.text("[data-mapping='2'] .code-mapping-repo"), "acme/shop");
    assert_eq!(m.text("[data-mapping='2'] .code-mapping-branch"), "main");
    assert_eq!(m.count("[data-mapping='2'] .code-mapping-no-address"), 0);
    m.click("[data-mapping='2'] .code-mapping-delete");
    settle().await;
    assert_eq!(deleted.get_untracked(), ["2"]);
}

#[wasm_bindgen_test]
async fn repository_rows_save_the_address_and_host_chosen() {
    use cairn_dashboard::pages::code_mappings::RepositoryRow;
    use cairn_types::api::RepositoryRequest;
    let repository: cairn_types::api::Repository = serde_json::from_value(serde_json::json!({
        "id": "3", "name": "<b>acme</b>/shop", "url": "https://gitlab.com/acme/shop",
        "provider": {"id": "integrations:gitlab", "name": "GitLab"}, "status": "active",
        "dateCreated": "2026-11-25T09:55:00Z", "integrationId": null, "externalSlug": null
    }))
    .expect("repository matches the wire type");
    let saved = RwSignal::new(Vec::<(String, RepositoryRequest)>::new());
    let on_save = Callback::new(move |change| saved.update(|s| s.push(change)));
    let refused = RwSignal::new(None::<String>);
    let m = Mounted::new(move || {
        view! { <RepositoryRow repository on_save refused=refused.into()/> }
    });
    settle().await;
    assert_eq!(m.text(".repository-name"), "<b>acme</b>/shop");
    assert_eq!(m.count("b"), 0);
    assert_eq!(m.text(".repository-host"), "GitLab");
    let url: HtmlInputElement = m.get(".repository-url").unchecked_into();
    assert_eq!(url.value(), "https://gitlab.com/acme/shop");
    let select: web_sys::HtmlSelectElement = m.get(".repository-provider").unchecked_into();
    assert_eq!(select.value(), "gitlab");
    assert_eq!(select.length(), 5, "Guess from address and the four hosts");

    m.type_into(".repository-url", "https://git.acme.example/shop");
    m.select(".repository-provider", "gitea");
    m.click(".repository-save");
    settle().await;
    let expected = RepositoryRequest {
        name: None,
        url: Some("https://git.acme.example/shop".into()),
        provider: Some("gitea".into()),
    };
    assert_eq!(saved.get_untracked(), [("3".to_owned(), expected)]);

    m.type_into(".repository-url", "javascript:alert(1)");
    m.click(".repository-save");
    settle().await;
    assert_eq!(saved.get_untracked().len(), 1, "not sent");
    assert!(m.text(".form-error").contains("https://"));

    m.type_into(".repository-url", "");
    m.click(".repository-save");
    settle().await;
    assert_eq!(m.count(".form-error"), 0);
    refused.set(Some("Repository not found.".into()));
    settle().await;
    assert_eq!(m.text(".form-error"), "Repository not found.");
}

// ---- onboarding and the organization / project switcher ----

mod onboarding {
    use std::sync::{Arc, Mutex};

    use cairn_dashboard::{
        components::{
            onboarding::{
                ordered_platforms, snippet, FirstEvent, FirstEventPanel, SetupSnippets, PLATFORMS,
            },
            switcher::{
                current_project, page_kind, switch_path, OrgProjectSwitcher, PageKind, Switch,
            },
        },
        pages::onboarding::{NewProject, NewProjectForm},
    };
    use cairn_types::api::{Organization, Project, Team};
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::{sample_issue, settle, Mounted};

    const DSN: &str = "http://0123abcd@127.0.0.1:8000/7";

    #[wasm_bindgen_test]
    fn every_platform_has_an_install_line_and_the_dsn_in_its_snippet() {
        let installers = [
            ("python", "pip install"),
            ("javascript", "npm install --save @sentry/browser"),
            ("node", "npm install --save @sentry/node"),
            ("rust", "cargo add sentry"),
            ("go", "go get github.com/getsentry/sentry-go"),
            ("java", "io.sentry:sentry"),
            ("ruby", "sentry-ruby"),
            ("php", "composer require sentry/sentry"),
        ];
        assert_eq!(PLATFORMS.len(), installers.len());
        for (platform, install) in installers {
            let snippet = snippet(platform, DSN).expect("a snippet for every platform");
            assert!(snippet.install.contains(install), "{platform}: {}", snippet.install);
            assert!(
                snippet.code.contains(&format!("\"{DSN}\""))
                    || snippet.code.contains(&format!("'{DSN}'")),
                "{platform} quotes the DSN: {}",
                snippet.code
            );
        }
        assert!(snippet("cobol", DSN).is_none());
        assert_eq!(ordered_platforms(Some("go"))[0], "go");
        assert_eq!(ordered_platforms(Some("go")).len(), PLATFORMS.len());
        assert_eq!(ordered_platforms(None)[0], "python");
        assert_eq!(ordered_platforms(Some("cobol"))[0], "python");
    }

    #[wasm_bindgen_test]
    async fn snippets_show_the_dsn_as_text_for_each_platform_the_projects_first() {
        let m =
            Mounted::new(|| view! { <SetupSnippets dsn=DSN platform=Some("rust".to_owned())/> });
        let tabs = m.root.query_selector_all("[role=tab]").expect("selector");
        assert_eq!(tabs.length() as usize, PLATFORMS.len());
        assert_eq!(m.attr("[role=tab]", "data-platform"), "rust", "the project's platform first");
        assert_eq!(m.attr("[role=tab][aria-selected=true]", "data-platform"), "rust");
        assert!(m.text("code.snippet").contains("sentry::init"));

        for (platform, _) in PLATFORMS {
            m.click(&format!("#snippet-tab-{platform}"));
            settle().await;
            assert_eq!(m.attr("[role=tab][aria-selected=true]", "data-platform"), *platform);
            let code = m.get("#snippet-panel code.snippet");
            assert!(code.text_content().unwrap_or_default().contains(DSN), "{platform}");
            assert_eq!(code.child_element_count(), 0, "{platform}: the snippet is text only");
            assert!(!m.text("#snippet-panel code.install-line").is_empty(), "{platform}");
        }
    }

    #[wasm_bindgen_test]
    async fn a_dsn_with_markup_stays_text() {
        let hostile = "http://k@h/1\"><img src=x onerror=alert(1)>";
        let m = Mounted::new(move || view! { <SetupSnippets dsn=hostile platform=None/> });
        m.click("#snippet-tab-php");
        settle().await;
        assert!(m.find("img").is_none(), "no element was made from the DSN");
        assert!(m.text("code.snippet").contains("<img src=x onerror=alert(1)>"));
    }

    #[wasm_bindgen_test]
    async fn first_event_panel_waits_then_links_the_issue() {
        let state = RwSignal::new(FirstEvent::Waiting);
        let m = Mounted::new(move || {
            view! { <FirstEventPanel state stream_href="/organizations/cairn/issues/?project=7"/> }
        });
        assert!(m.text("#first-event").contains("Waiting for the first event"));
        assert!(m.find("#first-event-link").is_none());
        let issue = sample_issue("9", "Test <b>event</b>");
        state.set(FirstEvent::Arrived {
            issue: Box::new(issue),
            href: "/organizations/cairn/issues/9/".into(),
        });
        settle().await;
        assert!(m.text("#first-event").contains("Your first event arrived"));
        assert_eq!(m.attr("#first-event-link", "href"), "/organizations/cairn/issues/9/");
        assert_eq!(m.text("#first-event-link"), "Test <b>event</b>", "the title is text");
        assert!(m.find("#first-event b").is_none());
        assert_eq!(
            m.attr("#project-issues-link", "href"),
            "/organizations/cairn/issues/?project=7"
        );
    }

    fn org(slug: &str) -> Organization {
        serde_json::from_value(serde_json::json!({
            "id": slug.len().to_string(), "slug": slug, "name": slug.to_uppercase(),
            "dateCreated": "2026-11-01T10:00:00Z"
        }))
        .expect("sample organization")
    }

    fn project(id: &str, slug: &str) -> Project {
        serde_json::from_value(serde_json::json!({
            "id": id, "slug": slug, "name": slug, "platform": null,
            "dateCreated": "2026-11-01T10:00:00Z", "team": null, "teams": [], "organization": null
        }))
        .expect("sample project")
    }

    #[wasm_bindgen_test]
    fn switching_keeps_the_kind_of_page() {
        let stream = "/organizations/cairn/issues/";
        let search = "?query=is%3Aunresolved%20level%3Aerror&sort=freq&statsPeriod=24h&project=1&cursor=0%3A25%3A0";
        let web = Switch::Project(Some(("2".into(), "web".into())));
        assert_eq!(
            switch_path(stream, search, "cairn", &web),
            "/organizations/cairn/issues/?query=is%3Aunresolved%20level%3Aerror&sort=freq&statsPeriod=24h&project=2",
            "same search, other project, first page"
        );
        assert_eq!(
            switch_path(stream, search, "cairn", &Switch::Project(None)),
            "/organizations/cairn/issues/?query=is%3Aunresolved%20level%3Aerror&sort=freq&statsPeriod=24h"
        );
        assert_eq!(
            switch_path(stream, search, "cairn", &Switch::Organization("acme".into())),
            "/organizations/acme/issues/?query=is%3Aunresolved%20level%3Aerror&sort=freq&statsPeriod=24h",
            "the other organization's stream, without this one's project"
        );
        assert_eq!(
            switch_path(
                "/organizations/cairn/issues/42/",
                "",
                "cairn",
                &Switch::Organization("acme".into())
            ),
            "/organizations/acme/issues/"
        );
        assert_eq!(
            switch_path(
                "/organizations/cairn/projects/backend/getting-started/",
                "",
                "cairn",
                &web
            ),
            "/organizations/cairn/projects/web/getting-started/"
        );
        assert_eq!(
            switch_path("/settings/cairn/projects/backend/ownership/", "", "cairn", &web),
            "/settings/cairn/projects/web/ownership/"
        );
        assert_eq!(
            switch_path(
                "/settings/cairn/projects/backend/ownership/",
                "",
                "cairn",
                &Switch::Organization("acme".into())
            ),
            "/organizations/acme/projects/"
        );
        assert_eq!(
            switch_path(
                "/organizations/cairn/releases/",
                "?statsPeriod=14d&project=backend",
                "cairn",
                &web
            ),
            "/organizations/cairn/releases/?statsPeriod=14d&project=web"
        );
        assert_eq!(
            switch_path("/inbox/", "", "cairn", &web),
            "/organizations/cairn/issues/?query=is%3Aunresolved&sort=date&statsPeriod=14d&project=2"
        );
        assert_eq!(
            page_kind("/organizations/a%20b/issues/"),
            PageKind::Stream { org: "a b".into() }
        );

        let projects = vec![project("1", "backend"), project("2", "web")];
        assert_eq!(current_project(stream, search, &projects).as_deref(), Some("1"));
        assert_eq!(current_project(stream, "?project=1&project=2", &projects), None);
        assert_eq!(
            current_project("/organizations/cairn/projects/web/getting-started/", "", &projects)
                .as_deref(),
            Some("2")
        );
        assert_eq!(
            current_project("/organizations/cairn/releases/", "?project=web", &projects).as_deref(),
            Some("2")
        );
        // A project's settings: the switcher shows the project, and a switch keeps the page.
        assert_eq!(
            current_project("/settings/cairn/projects/web/", "", &projects).as_deref(),
            Some("2")
        );
        assert_eq!(
            switch_path("/settings/cairn/projects/backend/", "", "cairn", &web),
            "/settings/cairn/projects/web/"
        );
        assert_eq!(
            switch_path(
                "/settings/cairn/projects/backend/",
                "",
                "cairn",
                &Switch::Organization("acme".into())
            ),
            "/organizations/acme/projects/"
        );
    }

    #[wasm_bindgen_test]
    async fn switcher_lists_organizations_and_projects_and_reports_the_choice() {
        let picked: Arc<Mutex<Vec<Switch>>> = Arc::default();
        let seen = Arc::clone(&picked);
        let m = Mounted::new(move || {
            let on_switch =
                Callback::new(move |switch: Switch| seen.lock().expect("lock").push(switch));
            view! {
                <OrgProjectSwitcher
                    organizations=Signal::derive(|| vec![org("cairn"), org("acme")])
                    projects=Signal::derive(|| vec![project("1", "backend"), project("2", "web")])
                    org=Signal::derive(|| Some("cairn".to_owned()))
                    project=Signal::derive(|| Some("2".to_owned()))
                    on_switch
                />
            }
        });
        settle().await;
        // Labelled for assistive technology, reachable with the keyboard as native selects.
        let org_label = m.get("label:has(#org-switcher)").text_content().unwrap_or_default();
        assert!(org_label.contains("Organization"), "{org_label}");
        let project_label =
            m.get("label:has(#project-switcher)").text_content().unwrap_or_default();
        assert!(project_label.contains("Project"), "{project_label}");
        assert_eq!(m.count("#org-switcher option"), 2);
        assert_eq!(m.count("#project-switcher option"), 3, "all projects, then each one");
        let org_select: web_sys::HtmlSelectElement = m.get("#org-switcher").unchecked_into();
        assert_eq!(org_select.value(), "cairn");
        let project_select: web_sys::HtmlSelectElement =
            m.get("#project-switcher").unchecked_into();
        assert_eq!(project_select.value(), "2");

        m.select("#project-switcher", "1");
        m.select("#project-switcher", "");
        m.select("#org-switcher", "acme");
        settle().await;
        assert_eq!(
            *picked.lock().expect("lock"),
            vec![
                Switch::Project(Some(("1".into(), "backend".into()))),
                Switch::Project(None),
                Switch::Organization("acme".into()),
            ]
        );
    }

    #[wasm_bindgen_test]
    async fn new_project_form_sends_name_platform_and_team() {
        let sent: Arc<Mutex<Option<NewProject>>> = Arc::default();
        let seen = Arc::clone(&sent);
        let teams: Vec<Team> = serde_json::from_value(serde_json::json!([
            {"id": "1", "slug": "cairn", "name": "Cairn", "dateCreated": "2026-11-01T10:00:00Z"},
            {"id": "2", "slug": "mobile", "name": "Mobile", "dateCreated": "2026-11-01T10:00:00Z"}
        ]))
        .expect("sample teams");
        let m = Mounted::new(move || {
            let on_submit =
                Callback::new(move |new: NewProject| *seen.lock().expect("lock") = Some(new));
            view! { <NewProjectForm teams on_submit pending=Signal::derive(|| false) error=Signal::derive(|| None)/> }
        });
        assert_eq!(m.count("input[name=platform]"), PLATFORMS.len() as u32);
        m.type_into("#project-name", "  Payments  ");
        m.click("input[name=platform][value=go]");
        m.select("#project-team", "mobile");
        settle().await;
        m.click("#create-project-submit");
        settle().await;
        let new = sent.lock().expect("lock").clone().expect("the form was submitted");
        assert_eq!(new.team, "mobile");
        assert_eq!(new.request.name, "Payments");
        assert_eq!(new.request.platform.as_deref(), Some("go"));
    }
}

// ---- uploading a text file (the CODEOWNERS import) ----

/// Waits for the browser's event loop (a file read settles there, not in Leptos' executor).
async fn next_macrotask() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10)
            .expect("setTimeout");
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.expect("timer");
}

#[wasm_bindgen_test]
async fn an_uploaded_file_is_read_as_text() {
    use cairn_dashboard::components::text_file::TextFileInput;
    let received = RwSignal::new(String::new());
    let mounted = Mounted::new(move || {
        view! {
            <TextFileInput
                id="upload"
                label="Or upload the file"
                on_text=Callback::new(move |text| received.set(text))
            />
            <pre id="received">{move || received.get()}</pre>
        }
    });
    assert_eq!(mounted.text("label .label"), "Or upload the file");
    let contents = "/src/billing/ @acme/billing\n*.rs <img src=x onerror=alert(1)>\n";
    let parts = js_sys::Array::of1(&contents.into());
    let file = web_sys::File::new_with_str_sequence(&parts, "CODEOWNERS").expect("file");
    let transfer = web_sys::DataTransfer::new().expect("data transfer");
    transfer.items().add_with_file(&file).expect("add the file");
    let input: HtmlInputElement = mounted.get("#upload").unchecked_into();
    input.set_files(transfer.files().as_ref());
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("change", &init).expect("event");
    input.dispatch_event(&event).expect("dispatch change");
    for _ in 0..100 {
        if !received.get_untracked().is_empty() {
            break;
        }
        next_macrotask().await;
    }
    assert_eq!(received.get_untracked(), contents, "the file's text, unchanged");
    settle().await;
    // Shown as text where the caller puts it: the markup in the file makes no element.
    assert_eq!(mounted.text("#received"), contents);
    assert_eq!(mounted.count("#received img"), 0);
}

// ---- user feedback ----

#[wasm_bindgen_test]
fn user_feedback_shows_each_report_as_text_with_its_event_and_an_empty_state() {
    use cairn_dashboard::components::user_feedback::UserFeedbackList;
    use cairn_types::api::UserReport;

    let reports: Vec<UserReport> = serde_json::from_value(serde_json::json!([
        {"id": "12", "eventID": "0123456789abcdef0123456789abcdef", "name": "Jane <b>Doe</b>",
         "email": "jane@example.com?subject=x", "comments": "line one\n<script>alert(1)</script>",
         "dateCreated": "2026-12-03T10:00:00Z",
         "event": {"eventID": "0123456789abcdef0123456789abcdef", "id": null},
         "issue": {"id": "7", "shortId": "SHOP-7", "title": "Checkout failed"}, "user": null},
        {"id": "11", "eventID": "fedcba9876543210fedcba9876543210", "name": "", "email": "",
         "comments": "no contact", "dateCreated": "2026-12-02T10:00:00Z",
         "event": {"eventID": "fedcba9876543210fedcba9876543210", "id": null},
         "issue": null, "user": null},
    ]))
    .expect("reports match the wire type");
    let listed = reports.clone();
    let m = Mounted::new(move || view! { <UserFeedbackList org="cairn" reports=listed/> });

    assert_eq!(m.count(".user-report"), 2);
    assert_eq!(m.text(".user-report-name"), "Jane <b>Doe</b>");
    assert_eq!(m.text(".user-report-comments"), "line one\n<script>alert(1)</script>");
    assert_eq!(m.count("script"), 0);
    assert_eq!(m.count("b"), 0);
    // A `mailto:` link whose address cannot carry a subject or body of its own.
    assert_eq!(m.attr(".user-report-email", "href"), "mailto:jane@example.comsubject=x");
    assert_eq!(
        m.attr(".user-report-event", "href"),
        "/organizations/cairn/issues/7/?event=0123456789abcdef0123456789abcdef"
    );
    assert_eq!(m.text(".user-report-event code"), "01234567");
    assert_eq!(m.count(".user-report time"), 2);
    let names: Vec<String> = (0..2)
        .map(|i| {
            let all = m.root.query_selector_all(".user-report-name").expect("selector");
            all.item(i).and_then(|n| n.text_content()).unwrap_or_default()
        })
        .collect();
    assert_eq!(names, ["Jane <b>Doe</b>", "Anonymous"]);
    assert_eq!(m.count(".user-report-email"), 1, "no email, no link");
    assert_eq!(m.count(".user-report-event"), 1, "feedback about no event links nowhere");
    assert_eq!(m.count(".user-report-issue"), 0, "an issue's tab does not name the issue");
    drop(m);

    // A project's list names each report's issue.
    let m = Mounted::new(move || view! { <UserFeedbackList org="cairn" reports show_issue=true/> });
    assert_eq!(m.text(".user-report-issue"), "SHOP-7");
    assert_eq!(m.attr(".user-report-issue", "href"), "/organizations/cairn/issues/7/");
    assert_eq!(m.attr(".user-report-issue", "title"), "Checkout failed");
    drop(m);

    let empty = Mounted::new(|| view! { <UserFeedbackList org="cairn" reports=Vec::new()/> });
    assert!(empty.text("#user-feedback-list").contains("No user feedback yet."));
    assert_eq!(empty.count(".user-report"), 0);
}

// ---- merged issues ----

#[wasm_bindgen_test]
fn unmerge_needs_some_but_not_all_fingerprints_and_says_what_moved() {
    use cairn_dashboard::components::merged_issues::{unmerge_allowed, unmerged_text};

    assert!(!unmerge_allowed(0, 3), "nothing checked");
    assert!(unmerge_allowed(1, 3));
    assert!(unmerge_allowed(2, 3));
    assert!(!unmerge_allowed(3, 3), "an issue keeps at least one fingerprint");
    assert!(!unmerge_allowed(1, 1));
    assert_eq!(unmerged_text(1), "Unmerged: the events of 1 fingerprint moved to a new issue.");
    assert_eq!(unmerged_text(2), "Unmerged: the events of 2 fingerprints moved to a new issue.");
}

#[wasm_bindgen_test]
async fn merged_hashes_list_each_fingerprint_as_text_and_unmerge_the_checked_ones() {
    use cairn_dashboard::components::merged_issues::MergedHashList;
    use cairn_types::api::IssueHash;

    let (first, second) = ("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210");
    let hashes: Vec<IssueHash> = serde_json::from_value(serde_json::json!([
        {"id": first, "mergedBySeer": false, "latestEvent": {
            "id": "e1", "eventID": "aaaabbbbccccddddeeeeffff00001111", "groupID": "7",
            "projectID": "1", "title": "Order failed <img src=x onerror=alert(1)>",
            "message": "order 42 <script>alert(2)</script>", "culprit": "app.orders in place",
            "type": "error", "platform": "python",
            "dateCreated": "2026-11-25T12:00:00Z", "dateReceived": "2026-11-25T12:00:01Z",
            "entries": [], "tags": [], "contexts": {}, "user": null, "sdk": null, "context": {},
            "release": null, "errors": [], "fingerprints": [],
            "previousEventID": null, "nextEventID": null
        }},
        {"id": second, "latestEvent": null, "mergedBySeer": false},
    ]))
    .expect("hashes match the wire type");
    let selected = RwSignal::new(Vec::<String>::new());
    let asked = RwSignal::new(Vec::<Vec<String>>::new());
    let opened = RwSignal::new(0);
    let m = Mounted::new(move || {
        let on_unmerge = Callback::new(move |chosen| asked.update(|a| a.push(chosen)));
        let on_open_event = Some(Callback::new(move |()| opened.update(|n| *n += 1)));
        view! {
            <MergedHashList org="cairn" issue="7" hashes selected busy=false on_unmerge on_open_event/>
        }
    });

    assert_eq!(m.count(".merged-hash"), 2);
    let row = format!(".merged-hash[data-hash='{first}']");
    assert_eq!(m.text(&format!("{row} code")), "0123456789ab");
    assert_eq!(m.attr(&format!("{row} code"), "title"), first);
    assert_eq!(
        m.text(&format!("{row} .merged-hash-title")),
        "Order failed <img src=x onerror=alert(1)>"
    );
    assert_eq!(
        m.attr(&format!("{row} .merged-hash-title"), "href"),
        "/organizations/cairn/issues/7/?event=aaaabbbbccccddddeeeeffff00001111"
    );
    assert_eq!(
        m.text(&format!("{row} .merged-hash-message")),
        "order 42 <script>alert(2)</script>"
    );
    assert_eq!(m.text(&format!("{row} .merged-hash-culprit")), "app.orders in place");
    assert_eq!(m.count(&format!("{row} time")), 1);
    assert_eq!(m.count("img"), 0);
    assert_eq!(m.count("script"), 0);
    assert_eq!(
        m.text(&format!(".merged-hash[data-hash='{second}'] .merged-hash-event")),
        "No event kept"
    );

    let disabled = || m.get("#unmerge-button").has_attribute("disabled");
    assert!(disabled(), "nothing checked");
    assert!(m.find(".unmerge-hint").is_none());
    m.click(&format!("{row} .merged-hash-select"));
    settle().await;
    assert_eq!(selected.get_untracked(), [first]);
    assert!(!disabled(), "one of two checked");
    m.click(&format!(".merged-hash[data-hash='{second}'] .merged-hash-select"));
    settle().await;
    assert!(disabled(), "all checked");
    assert_eq!(m.text(".unmerge-hint"), "An issue keeps at least one fingerprint.");
    m.click(&format!("{row} .merged-hash-select"));
    settle().await;
    assert_eq!(selected.get_untracked(), [second]);
    assert!(m.find(".unmerge-hint").is_none());
    m.click("#unmerge-button");
    settle().await;
    assert_eq!(asked.get_untracked(), [vec![second.to_owned()]]);

    // The event link also tells the page to show the event (the link itself goes nowhere in
    // the test: no router; the click's default is prevented here).
    let link = m.get(&format!("{row} .merged-hash-title"));
    link.add_event_listener_with_callback(
        "click",
        &js_sys::Function::new_with_args("ev", "ev.preventDefault()"),
    )
    .expect("listener");
    m.click(&format!("{row} .merged-hash-title"));
    settle().await;
    assert_eq!(opened.get_untracked(), 1);
    drop(m);

    let empty = Mounted::new(move || {
        let on_unmerge = Callback::new(|_: Vec<String>| ());
        let selected = RwSignal::new(Vec::new());
        view! {
            <MergedHashList org="cairn" issue="7" hashes=Vec::new() selected busy=false on_unmerge/>
        }
    });
    assert_eq!(empty.text("#merged-hash-list"), "This issue has no fingerprints.");
    assert!(empty.find("#unmerge-button").is_none());
}

// ---- similar issues ----

#[wasm_bindgen_test]
fn similar_issue_scores_show_as_whole_percentages_and_merges_are_counted() {
    use cairn_dashboard::components::similar_issues::{merged_text, percent};

    assert_eq!(percent(Some(0.87)), "87%");
    assert_eq!(percent(Some(0.875)), "88%", "rounded, not truncated");
    assert_eq!(percent(Some(0.0)), "0%");
    assert_eq!(percent(Some(1.0)), "100%");
    assert_eq!(percent(Some(1.5)), "100%", "a score out of range stays within the bar");
    assert_eq!(percent(None), "–", "the feature does not apply");
    assert_eq!(merged_text(1), "Merged 1 issue into this one.");
    assert_eq!(merged_text(2), "Merged 2 issues into this one.");
}

/// Three similar issues, best first, as the server pairs them with their scores.
fn similar_sample() -> Vec<cairn_types::api::SimilarIssue> {
    use cairn_types::api::SimilarityScores;

    let mut second = sample_issue("22", "<b>x</b> in checkout");
    second.culprit = "app.cart in add".into();
    second.count = "7".into();
    second.user_count = 3;
    vec![
        (
            sample_issue("21", "ValueError: invalid literal"),
            SimilarityScores {
                exception_message: Some(0.9),
                application_chunks: Some(0.85),
                stacktrace_pairs: Some(0.86),
                message: None,
            },
        ),
        (second, SimilarityScores { message: Some(0.5), ..SimilarityScores::default() }),
        (
            sample_issue("23", "TypeError: none"),
            SimilarityScores {
                exception_message: Some(0.12),
                message: Some(0.0),
                ..SimilarityScores::default()
            },
        ),
    ]
}

#[wasm_bindgen_test]
async fn similar_issue_list_shows_scores_in_order_and_merges_the_checked_ones() {
    use cairn_dashboard::components::similar_issues::SimilarIssueList;

    let selected = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let asked = RwSignal::new(Vec::<Vec<String>>::new());
    let opened = RwSignal::new(0);
    let m = Mounted::new(move || {
        let on_merge = Callback::new(move |chosen| asked.update(|a| a.push(chosen)));
        let on_open_issue = Some(Callback::new(move |()| opened.update(|n| *n += 1)));
        view! {
            <SimilarIssueList
                org="cairn"
                issues=similar_sample()
                selected
                busy
                on_merge
                on_open_issue
            />
        }
    });

    assert_eq!(m.count("#similar-issue-list .similar-issue"), 3);
    let rows = m.root.query_selector_all(".similar-issue").expect("selector");
    let order: Vec<String> = (0..rows.length())
        .filter_map(|i| rows.item(i))
        .map(|row| {
            row.unchecked_into::<Element>().get_attribute("data-issue-id").unwrap_or_default()
        })
        .collect();
    assert_eq!(order, ["21", "22", "23"], "as the server ranked them");

    let row = |id: &str, rest: &str| format!(".similar-issue[data-issue-id='{id}'] {rest}");
    assert_eq!(m.text(&row("21", ".similar-issue-short-id")), "BACKEND-21");
    assert_eq!(m.text(&row("21", ".similar-issue-title")), "ValueError: invalid literal");
    assert_eq!(
        m.attr(&row("21", ".similar-issue-link"), "href"),
        "/organizations/cairn/issues/21/"
    );
    assert_eq!(m.text(&row("21", ".similar-issue-culprit")), "app.views in checkout");
    assert_eq!(m.text(&row("21", ".similar-issue-count")), "1234");
    assert_eq!(m.text(&row("21", ".similar-issue-users")), "56");
    // The mean of the three exception features: (0.9 + 0.85 + 0.86) / 3.
    assert_eq!(m.text(&row("21", ".similarity-exception")), "87%");
    assert_eq!(m.attr(&row("21", ".similarity-exception .similarity-fill"), "style"), "width: 87%");
    assert_eq!(m.text(&row("21", ".similarity-message")), "–");
    assert_eq!(m.count(&row("21", ".similarity-message .similarity-fill")), 0, "no bar for –");
    assert_eq!(m.text(&row("22", ".similarity-exception")), "–");
    assert_eq!(m.text(&row("22", ".similarity-message")), "50%");
    assert_eq!(m.attr(&row("22", ".similarity-message .similarity-fill"), "style"), "width: 50%");
    assert_eq!(m.text(&row("22", ".similar-issue-count")), "7");
    assert_eq!(m.text(&row("22", ".similar-issue-users")), "3");
    assert_eq!(m.text(&row("22", ".similar-issue-culprit")), "app.cart in add");
    assert_eq!(m.text(&row("23", ".similarity-exception")), "12%");
    assert_eq!(m.text(&row("23", ".similarity-message")), "0%");
    // The SDK's title is text, never markup.
    assert_eq!(m.text(&row("22", ".similar-issue-title")), "<b>x</b> in checkout");
    assert_eq!(m.count("b"), 0);

    let disabled = || m.get("#merge-similar-button").has_attribute("disabled");
    assert_eq!(m.text("#merge-similar-button"), "Merge");
    assert!(disabled(), "nothing checked");
    m.click(&row("23", ".similar-issue-select"));
    settle().await;
    assert_eq!(selected.get_untracked(), ["23"]);
    assert!(!disabled(), "one checked");
    m.click(&row("21", ".similar-issue-select"));
    settle().await;
    busy.set(true);
    settle().await;
    assert!(disabled(), "a merge is under way");
    busy.set(false);
    settle().await;
    assert!(!disabled());
    m.click("#merge-similar-button");
    settle().await;
    assert_eq!(asked.get_untracked(), [vec!["23".to_owned(), "21".to_owned()]]);
    m.click(&row("23", ".similar-issue-select"));
    m.click(&row("21", ".similar-issue-select"));
    settle().await;
    assert!(selected.get_untracked().is_empty());
    assert!(disabled(), "unchecked again");

    // The issue link also tells the page to show the issue (the link itself goes nowhere in
    // the test: no router; the click's default is prevented here).
    let link = m.get(&row("21", ".similar-issue-link"));
    link.add_event_listener_with_callback(
        "click",
        &js_sys::Function::new_with_args("ev", "ev.preventDefault()"),
    )
    .expect("listener");
    m.click(&row("21", ".similar-issue-link"));
    settle().await;
    assert_eq!(opened.get_untracked(), 1);
}

#[wasm_bindgen_test]
fn similar_issue_list_without_issues_says_so() {
    use cairn_dashboard::components::similar_issues::SimilarIssueList;

    let m = Mounted::new(move || {
        let on_merge = Callback::new(|_: Vec<String>| ());
        let selected = RwSignal::new(Vec::new());
        view! { <SimilarIssueList org="cairn" issues=Vec::new() selected busy=false on_merge/> }
    });
    assert_eq!(m.get("#similar-issue-list").tag_name(), "P");
    assert_eq!(m.attr("#similar-issue-list", "class"), "empty-note");
    assert_eq!(m.text("#similar-issue-list"), "No similar issues found.");
    assert_eq!(m.count(".similar-issue"), 0);
    assert!(m.find("#merge-similar-button").is_none());
}

// ---- issue tags ----

/// A tag value as the server sends it.
fn tag_value_json(key: &str, value: &str, count: i64) -> serde_json::Value {
    serde_json::json!({"key": key, "name": value, "value": value, "count": count,
        "firstSeen": "2026-11-20T08:00:00Z", "lastSeen": "2026-11-25T12:30:05Z"})
}

#[wasm_bindgen_test]
async fn issue_tags_overview_lists_tags_in_order_with_bars_links_and_all_values() {
    use cairn_dashboard::components::issue_tags::{tag_counts_text, TagOverview};

    let tags: Vec<IssueTag> = serde_json::from_value(serde_json::json!([
        {"key": "browser", "name": "browser", "totalValues": 4, "uniqueValues": 12, "topValues": [
            tag_value_json("browser", "Chrome 120", 3), tag_value_json("browser", "<b>x</b>", 1)]},
        {"key": "environment", "name": "environment", "totalValues": 1, "uniqueValues": 1,
         "topValues": [tag_value_json("environment", "production", 1)]}
    ]))
    .expect("sample tags");
    let opened = RwSignal::new(Vec::<String>::new());
    let m = Mounted::new(move || {
        let on_open = Callback::new(move |key| opened.update(|o| o.push(key)));
        view! { <TagOverview org="cairn" tags on_open/> }
    });

    assert_eq!(m.count("#issue-tags .issue-tag"), 2);
    let sections = m.root.query_selector_all(".issue-tag").expect("selector");
    let order: Vec<String> = (0..sections.length())
        .filter_map(|i| sections.item(i))
        .map(|s| s.unchecked_into::<Element>().get_attribute("data-key").unwrap_or_default())
        .collect();
    assert_eq!(order, ["browser", "environment"], "as the server ranked them");
    let tag = |key: &str, rest: &str| format!(".issue-tag[data-key='{key}'] {rest}");
    assert_eq!(m.text(&tag("browser", ".issue-tag-key")), "browser");
    assert_eq!(m.text(&tag("browser", ".issue-tag-counts")), "4 events, 12 values");
    assert_eq!(m.text(&tag("environment", ".issue-tag-counts")), "1 event, 1 value");
    assert_eq!(m.count(&tag("browser", ".issue-tag-value")), 2);
    let first = tag("browser", ".issue-tag-value:first-child");
    assert_eq!(m.text(&format!("{first} .facet-name")), "Chrome 120");
    assert_eq!(m.text(&format!("{first} .issue-tag-value-count")), "3");
    assert_eq!(m.text(&format!("{first} .issue-tag-value-percent")), "75%");
    assert_eq!(m.attr(&format!("{first} .facet-bar"), "style"), "width: 75%");
    assert_eq!(
        m.attr(&format!("{first} .facet-link"), "href"),
        "/organizations/cairn/issues/?query=browser:%22Chrome%20120%22"
    );
    let second = tag("browser", ".issue-tag-value:nth-child(2)");
    assert_eq!(m.text(&format!("{second} .facet-name")), "<b>x</b>");
    assert_eq!(m.attr(&format!("{second} .facet-bar"), "style"), "width: 25%");
    assert_eq!(m.count("#issue-tags b"), 0, "the SDK's value is text");
    assert_eq!(m.attr(&tag("environment", ".facet-bar"), "style"), "width: 100%");
    assert_eq!(
        m.attr(&tag("environment", ".facet-link"), "href"),
        "/organizations/cairn/issues/?query=environment:production"
    );

    assert_eq!(m.text(&tag("environment", ".all-values")), "All values");
    m.click(&tag("environment", ".all-values"));
    settle().await;
    m.click(&tag("browser", ".all-values"));
    settle().await;
    assert_eq!(opened.get_untracked(), ["environment", "browser"]);
    assert_eq!(tag_counts_text(0, 0), "0 events, 0 values");
}

#[wasm_bindgen_test]
fn issue_tags_value_table_shows_counts_percentages_and_values_as_text() {
    use cairn_dashboard::components::issue_tags::TagValueTable;
    use cairn_types::api::TagValue;

    let values: Vec<TagValue> = serde_json::from_value(serde_json::json!([
        tag_value_json("url", "https://shop.example/cart", 6),
        tag_value_json("url", "<b>x</b>", 2),
    ]))
    .expect("sample values");
    let m = Mounted::new(move || view! { <TagValueTable org="cairn" key="url" total=8 values/> });

    assert_eq!(m.get("#tag-values").tag_name(), "TABLE");
    assert!(m.get("#tag-values").class_list().contains("event-table"));
    let headers = m.root.query_selector_all("#tag-values th").expect("selector");
    let headers: Vec<String> = (0..headers.length())
        .filter_map(|i| headers.item(i))
        .map(|h| h.text_content().unwrap_or_default())
        .collect();
    assert_eq!(headers, ["Value", "Count", "%", "First seen", "Last seen"]);
    assert_eq!(m.count("#tag-values .tag-value-row"), 2);
    let first = ".tag-value-row:first-child";
    assert_eq!(m.text(&format!("{first} .tag-value-name")), "https://shop.example/cart");
    assert_eq!(
        m.attr(&format!("{first} .tag-value-name a"), "href"),
        "/organizations/cairn/issues/?query=url:https:%2F%2Fshop.example%2Fcart"
    );
    assert_eq!(m.text(&format!("{first} .tag-value-count")), "6");
    assert_eq!(m.text(&format!("{first} .tag-value-percent")), "75%");
    assert_eq!(
        m.attr(&format!("{first} .tag-value-first-seen time"), "datetime"),
        "2026-11-20T08:00:00Z"
    );
    assert_eq!(
        m.attr(&format!("{first} .tag-value-last-seen time"), "datetime"),
        "2026-11-25T12:30:05Z"
    );
    let second = ".tag-value-row:nth-child(2)";
    assert_eq!(m.text(&format!("{second} .tag-value-name")), "<b>x</b>");
    assert_eq!(m.text(&format!("{second} .tag-value-percent")), "25%");
    assert_eq!(
        m.attr(&format!("{second} .tag-value-name a"), "href"),
        "/organizations/cairn/issues/?query=url:%3Cb%3Ex%3C%2Fb%3E"
    );
    assert_eq!(m.count("#tag-values b"), 0, "the SDK's value is text");
}

#[wasm_bindgen_test]
fn issue_tags_csv_quotes_fields_and_defuses_formulas() {
    use cairn_dashboard::components::issue_tags::{csv_href, csv_of};
    use cairn_types::api::TagValue;

    let values: Vec<TagValue> = serde_json::from_value(serde_json::json!([
        tag_value_json("v", "plain", 5),
        tag_value_json("v", "a,b", 4),
        tag_value_json("v", "say \"hi\"", 3),
        tag_value_json("v", "line1\nline2", 2),
        tag_value_json("v", "=HYPERLINK(\"x\")", 1),
        tag_value_json("v", "=1,2", 1),
        tag_value_json("v", "+1", 1),
        tag_value_json("v", "-1", 1),
        tag_value_json("v", "@SUM(A1)", 1),
    ]))
    .expect("sample values");
    let times = "2026-11-25T12:30:05Z,2026-11-20T08:00:00Z";
    let expected = [
        "Value,Times Seen,Last Seen,First Seen".to_owned(),
        format!("plain,5,{times}"),
        format!("\"a,b\",4,{times}"),
        format!("\"say \"\"hi\"\"\",3,{times}"),
        format!("\"line1\nline2\",2,{times}"),
        format!("\"'=HYPERLINK(\"\"x\"\")\",1,{times}"),
        format!("\"'=1,2\",1,{times}"),
        format!("'+1,1,{times}"),
        format!("'-1,1,{times}"),
        format!("'@SUM(A1),1,{times}"),
    ];
    let csv = csv_of(&values);
    assert_eq!(csv, expected.iter().map(|line| format!("{line}\r\n")).collect::<String>());
    assert_eq!(csv_of(&[]), "Value,Times Seen,Last Seen,First Seen\r\n");

    let href = csv_href(&values);
    let prefix = "data:text/csv;charset=utf-8,";
    assert!(href.starts_with(&format!("{prefix}Value%2CTimes%20Seen")), "{href}");
    let encoded = &href[prefix.len()..];
    assert!(!encoded.contains([',', '"', '\n', ' ', '#']), "percent-encoded: {encoded}");
    let decoded = js_sys::decode_uri_component(encoded).expect("valid encoding");
    assert_eq!(String::from(decoded), csv);
}

#[wasm_bindgen_test]
fn issue_tags_without_tags_or_values_say_so() {
    use cairn_dashboard::components::issue_tags::{TagOverview, TagValueTable};

    let m = Mounted::new(move || {
        let on_open = Callback::new(|_: String| ());
        view! { <TagOverview org="cairn" tags=Vec::new() on_open/> }
    });
    assert_eq!(m.get("#issue-tags").tag_name(), "P");
    assert_eq!(m.attr("#issue-tags", "class"), "empty-note");
    assert_eq!(m.text("#issue-tags"), "This issue has no tags.");
    assert_eq!(m.count(".issue-tag"), 0);
    drop(m);

    let m = Mounted::new(move || {
        view! { <TagValueTable org="cairn" key="url" total=0 values=Vec::new()/> }
    });
    assert_eq!(m.get("#tag-values").tag_name(), "P");
    assert_eq!(m.attr("#tag-values", "class"), "empty-note");
    assert_eq!(m.text("#tag-values"), "This tag has no values.");
    assert_eq!(m.count(".tag-value-row"), 0);
}

// ---- event attachments ----

#[wasm_bindgen_test]
fn attachments_are_download_links_with_their_size_and_kind_and_names_stay_text() {
    use cairn_dashboard::components::attachments::{file_size, AttachmentList};
    use cairn_types::api::EventAttachment;

    let attachments: Vec<EventAttachment> = serde_json::from_value(serde_json::json!([
        {"id": "7", "event_id": "0123456789abcdef0123456789abcdef", "type": "event.minidump",
         "name": "crash.dmp", "mimetype": "application/x-dmp", "dateCreated": "2026-12-03T10:00:00Z",
         "size": 1_572_864, "headers": {"Content-Type": "application/x-dmp"}, "sha1": "00"},
        {"id": "8", "event_id": "0123456789abcdef0123456789abcdef", "type": "event.attachment",
         "name": "<img src=x onerror=alert(1)>.log", "mimetype": "text/plain",
         "dateCreated": "2026-12-03T10:00:00Z", "size": 512,
         "headers": {"Content-Type": "text/plain"}, "sha1": "00"},
    ]))
    .expect("attachments match the wire type");
    let base = "/api/0/projects/cairn/native/events/0123456789abcdef0123456789abcdef/attachments/";
    let m = Mounted::new(move || view! { <AttachmentList base=base.to_owned() attachments/> });

    assert_eq!(m.count(".attachment"), 2);
    assert_eq!(m.attr(".attachment-name", "href"), format!("{base}7/?download"));
    assert_eq!(m.attr(".attachment-name", "download"), "crash.dmp");
    assert_eq!(m.text(".attachment-size"), "1.5 MB");
    assert_eq!(m.text(".attachment-kind"), "minidump");
    assert!(m.root.text_content().unwrap_or_default().contains("<img src=x onerror=alert(1)>.log"));
    assert_eq!(m.count("img"), 0);
    assert_eq!(m.count("script"), 0);

    assert_eq!(file_size(0), "0 B");
    assert_eq!(file_size(1023), "1023 B");
    assert_eq!(file_size(1024), "1.0 KB");
    assert_eq!(file_size(3 * 1024 * 1024 * 1024), "3.0 GB");
}

// ---- issue attachments ----

/// An issue's attachments as the server sends them, newest first.
fn issue_attachments_sample() -> Vec<cairn_types::api::EventAttachment> {
    serde_json::from_value(serde_json::json!([
        {"id": "12", "event_id": "abcdef0123456789abcdef0123456789", "type": "event.minidump",
         "name": "crash.dmp", "mimetype": "application/x-dmp",
         "dateCreated": "2026-12-03T10:00:00Z", "size": 1_572_864,
         "headers": {"Content-Type": "application/x-dmp"}, "sha1": "00"},
        {"id": "9", "event_id": "0123456789abcdef0123456789abcdef", "type": "event.attachment",
         "name": "<b>x</b>.txt", "mimetype": "text/plain", "dateCreated": "2026-12-02T09:00:00Z",
         "size": 512, "headers": {"Content-Type": "text/plain"}, "sha1": "00"},
        {"id": "a/b", "event_id": "0123456789abcdef0123456789abcdef",
         "type": "event.view_hierarchy", "name": "view-hierarchy.json",
         "mimetype": "application/json", "dateCreated": "2026-12-01T08:00:00Z", "size": 2048,
         "headers": {"Content-Type": "application/json"}, "sha1": "00"},
    ]))
    .expect("attachments match the wire type")
}

#[wasm_bindgen_test]
async fn issue_attachments_table_lists_downloads_in_order_with_kinds_sizes_and_event_links() {
    use cairn_dashboard::components::issue_attachments::IssueAttachmentTable;

    let opened = RwSignal::new(0);
    let m = Mounted::new(move || {
        let on_open_event = Some(Callback::new(move |()| opened.update(|n| *n += 1)));
        view! {
            <IssueAttachmentTable
                org="cairn"
                issue="42"
                project="native"
                attachments=issue_attachments_sample()
                on_open_event
            />
        }
    });

    assert_eq!(m.get("#issue-attachments").tag_name(), "TABLE");
    assert!(m.attr("#issue-attachments", "class").split(' ').any(|c| c == "event-table"));
    assert_eq!(m.count("#issue-attachments .issue-attachment"), 3);
    let rows = m.root.query_selector_all(".issue-attachment").expect("selector");
    let cell = |i: u32, selector: &str| -> Element {
        rows.item(i)
            .expect("row")
            .unchecked_into::<Element>()
            .query_selector(selector)
            .expect("valid selector")
            .unwrap_or_else(|| panic!("row {i} has no {selector:?}"))
    };
    let text = |i: u32, selector: &str| cell(i, selector).text_content().unwrap_or_default();
    let attr = |i: u32, selector: &str, name: &str| {
        cell(i, selector).get_attribute(name).unwrap_or_default()
    };

    // Newest first, as the server sent them; each name downloads from its event's attachments.
    assert_eq!(text(0, ".issue-attachment-name"), "crash.dmp");
    assert_eq!(
        attr(0, ".issue-attachment-name", "href"),
        "/api/0/projects/cairn/native/events/abcdef0123456789abcdef0123456789/attachments/12/?download"
    );
    assert!(attr(0, ".issue-attachment-name", "href").ends_with("/12/?download"));
    assert_eq!(attr(0, ".issue-attachment-name", "download"), "crash.dmp");
    assert_eq!(text(0, ".issue-attachment-kind"), "minidump");
    assert_eq!(text(0, ".issue-attachment-size"), "1.5 MB");
    assert_eq!(text(0, ".issue-attachment-event"), "abcdef01");
    assert_eq!(
        attr(0, ".issue-attachment-event", "href"),
        Page::IssueEvent {
            org: "cairn".into(),
            id: "42".into(),
            event: "abcdef0123456789abcdef0123456789".into()
        }
        .path()
    );
    assert!(!text(0, ".issue-attachment-date").is_empty(), "when it came");

    // The SDK's file name is text, never markup.
    assert_eq!(text(1, ".issue-attachment-name"), "<b>x</b>.txt");
    assert_eq!(attr(1, ".issue-attachment-name", "download"), "<b>x</b>.txt");
    assert_eq!(m.count("b"), 0);
    assert!(attr(1, ".issue-attachment-name", "href").ends_with("/attachments/9/?download"));
    assert_eq!(text(1, ".issue-attachment-kind"), "attachment");
    assert_eq!(text(1, ".issue-attachment-size"), "512 B");
    assert_eq!(text(1, ".issue-attachment-event"), "01234567");
    assert!(attr(1, ".issue-attachment-event", "href")
        .ends_with("?event=0123456789abcdef0123456789abcdef"));

    // An id is one path segment.
    assert!(attr(2, ".issue-attachment-name", "href").ends_with("/a%2Fb/?download"));
    assert_eq!(text(2, ".issue-attachment-kind"), "view_hierarchy");
    assert_eq!(text(2, ".issue-attachment-size"), "2.0 KB");

    // The event link also tells the page to show the Details tab (the link itself goes
    // nowhere in the test: the click's default is prevented here).
    let link = cell(0, ".issue-attachment-event");
    link.add_event_listener_with_callback(
        "click",
        &js_sys::Function::new_with_args("ev", "ev.preventDefault()"),
    )
    .expect("listener");
    link.unchecked_into::<HtmlElement>().click();
    settle().await;
    assert_eq!(opened.get_untracked(), 1);
}

#[wasm_bindgen_test]
fn issue_attachments_table_without_attachments_says_so() {
    use cairn_dashboard::components::issue_attachments::IssueAttachmentTable;

    let m = Mounted::new(move || {
        view! {
            <IssueAttachmentTable org="cairn" issue="42" project="native" attachments=Vec::new()/>
        }
    });
    assert_eq!(m.get("#issue-attachments").tag_name(), "P");
    assert_eq!(m.attr("#issue-attachments", "class"), "empty-note");
    assert_eq!(m.text("#issue-attachments"), "No attachments.");
    assert_eq!(m.count(".issue-attachment"), 0);

    let filtered = Mounted::new(move || {
        view! {
            <IssueAttachmentTable
                org="cairn"
                issue="42"
                project="native"
                attachments=Vec::new()
                filtered=true
            />
        }
    });
    assert_eq!(filtered.text("#issue-attachments"), "No attachments of this kind.");
}

#[wasm_bindgen_test]
fn issue_attachments_filters_become_the_servers_query_pairs() {
    use api::AttachmentFilter;

    assert_eq!(api::attachment_pairs(AttachmentFilter::All, None), vec![]);
    assert_eq!(
        api::attachment_pairs(AttachmentFilter::All, Some("0:100:0")),
        vec![("cursor", "0:100:0")]
    );
    assert_eq!(
        api::attachment_pairs(AttachmentFilter::Screenshots, None),
        vec![("screenshot", "1")]
    );
    assert_eq!(
        api::attachment_pairs(AttachmentFilter::Minidumps, Some("0:100:0")),
        vec![("types", "event.minidump"), ("cursor", "0:100:0")]
    );
    for filter in AttachmentFilter::ALL {
        assert_eq!(AttachmentFilter::from_value(filter.value()), filter);
    }
    assert_eq!(AttachmentFilter::from_value("nonsense"), AttachmentFilter::All);
    assert_eq!(AttachmentFilter::default(), AttachmentFilter::All);
}

// ---- distributed trace ----

/// `n` errors of one worker project, a second apart.
fn many_errors(n: u32) -> Vec<cairn_types::api::TraceError> {
    (0..n)
        .map(|i| cairn_types::api::TraceError {
            event_id: format!("{i:032x}"),
            issue_id: 1,
            issue_short_id: None,
            span: String::new(),
            project_id: 1,
            project_slug: "worker".into(),
            title: "Job failed".into(),
            culprit: None,
            level: "error".into(),
            message: "Job failed".into(),
            timestamp: 1_764_800_000.0 + f64::from(i),
            event_type: "error".into(),
            generation: 0,
        })
        .collect()
}

#[wasm_bindgen_test]
fn a_trace_lists_its_errors_across_projects_relative_to_the_event_as_text() {
    use cairn_dashboard::components::trace::{relative_ms, trace_id_of, TraceErrors};
    use cairn_types::api::TraceError;

    let errors: Vec<TraceError> = serde_json::from_value(serde_json::json!([
        {"event_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "issue_id": 7, "issue_short_id": "WEB-7",
         "span": "1111111111111111", "project_id": 1, "project_slug": "web",
         "title": "<img src=x onerror=alert(1)>", "culprit": "checkout.js", "level": "error",
         "message": "x", "timestamp": 1_764_800_000.25, "event_type": "error", "generation": 0},
        {"event_id": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "issue_id": 9, "issue_short_id": "API-2",
         "span": "2222222222222222", "project_id": 2, "project_slug": "api",
         "title": "Payment provider timed out", "culprit": "pay in api.payments",
         "level": "fatal", "message": "x", "timestamp": 1_764_800_001.5, "event_type": "error",
         "generation": 0},
    ]))
    .expect("errors match the wire type");
    let trace_id = "4c79f60c11214eb38604f4ae0781bfb2".to_owned();
    let m = Mounted::new(move || {
        view! {
            <TraceErrors
                org="cairn"
                trace_id
                errors
                current="bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".to_owned()
                event_ms=1_764_800_001_500
            />
        }
    });

    assert_eq!(m.text(".trace-summary code"), "4c79f60c");
    assert!(m.text(".trace-summary").starts_with("2 errors in 2 projects in trace"));
    assert_eq!(
        m.attr(".trace-issues", "href"),
        "/organizations/cairn/issues/?query=trace%3A4c79f60c11214eb38604f4ae0781bfb2&sort=date&statsPeriod=14d"
    );
    assert_eq!(m.count(".trace-error"), 2);
    // The other error links to its event; its title stays text.
    assert_eq!(
        m.attr("a.trace-error-title", "href"),
        "/organizations/cairn/issues/7/?event=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );
    assert_eq!(m.text("a.trace-error-title"), "<img src=x onerror=alert(1)>");
    assert_eq!(m.count("img"), 0);
    assert_eq!(m.text(".trace-error-offset"), "−1.2 s");
    assert_eq!(m.text(".trace-error-project"), "web");
    assert_eq!(m.text(".trace-error-short-id"), "WEB-7");
    // This event is marked, not linked.
    assert_eq!(m.count(".trace-error.current"), 1);
    assert_eq!(m.count(".trace-error.current a"), 0);
    assert_eq!(m.text(".trace-error.current .trace-error-offset"), "this event");
    assert_eq!(m.text(".trace-error.current .trace-error-title"), "Payment provider timed out");
    assert!(m.attr(".trace-error.current .trace-error-level", "class").contains("level-fatal"));

    drop(m);

    // A hundred errors (the endpoint's default page) may be the start of a longer trace.
    let many = many_errors(100);
    let m = Mounted::new(move || {
        view! {
            <TraceErrors
                org="cairn"
                trace_id="4c79f60c11214eb38604f4ae0781bfb2".to_owned()
                errors=many
                current=format!("{:032x}", 0)
                event_ms=1_764_800_000_000
            />
        }
    });
    assert!(m.text(".trace-summary").starts_with("100+ errors in 1 project in trace"));
    drop(m);

    // With transactions, counted, and the trace's page linked.
    let one: Vec<TraceError> = many_errors(1);
    let m = Mounted::new(move || {
        view! {
            <TraceErrors
                org="cairn"
                trace_id="4c79f60c11214eb38604f4ae0781bfb2".to_owned()
                errors=one
                transactions=2
                current=format!("{:032x}", 0)
                event_ms=1_764_800_000_000
            />
        }
    });
    assert!(m.text(".trace-summary").starts_with("2 transactions, 1 error in 1 project in trace"));
    assert_eq!(
        m.attr(".trace-open", "href"),
        "/organizations/cairn/performance/trace/4c79f60c11214eb38604f4ae0781bfb2/"
    );
    drop(m);

    assert_eq!(relative_ms(0), "+0 ms");
    assert_eq!(relative_ms(350), "+350 ms");
    assert_eq!(relative_ms(-1_250), "−1.2 s");
    assert_eq!(relative_ms(125_000), "+2 min");
    assert_eq!(relative_ms(-7_300_000), "−2 h");

    let contexts = |id: &str| serde_json::json!({"trace": {"trace_id": id, "span_id": "1"}});
    assert_eq!(
        trace_id_of(&contexts("4C79F60C-1121-4EB3-8604-F4AE0781BFB2")).as_deref(),
        Some("4c79f60c11214eb38604f4ae0781bfb2")
    );
    assert_eq!(trace_id_of(&contexts("00000000000000000000000000000000")), None);
    assert_eq!(trace_id_of(&contexts("4c79f60c")), None);
    assert_eq!(trace_id_of(&serde_json::json!({"os": {}})), None);
}

// ---- pages of a list ----

#[wasm_bindgen_test]
fn the_pager_hands_over_its_cursors_and_hides_on_a_single_page() {
    use cairn_dashboard::components::pager::Pager;

    let asked = RwSignal::new(Vec::<String>::new());
    let m = Mounted::new(move || {
        view! {
            <Pager
                previous=None
                next=Some("0:100:0".to_owned())
                on_page=move |cursor| asked.update(|a| a.push(cursor))
            />
        }
    });
    assert!(!m.get("nav.pager").has_attribute("hidden"));
    assert!(m.get(".pager-previous").has_attribute("disabled"), "no page before the first");
    assert!(!m.get(".pager-next").has_attribute("disabled"));
    m.click(".pager-previous");
    m.click(".pager-next");
    assert_eq!(asked.get_untracked(), ["0:100:0"]);
    drop(m);

    let m = Mounted::new(|| view! { <Pager previous=None next=None on_page=|_| {}/> });
    assert!(m.get("nav.pager").has_attribute("hidden"), "one page: no pager");
}

// ---- crons ----

/// A monitor as the server writes it (Sentry's `MonitorSerializer`), named `name`, in
/// `environments`.
fn sample_monitor(name: &str, status: &str, environments: serde_json::Value) -> Monitor {
    serde_json::from_value(serde_json::json!({
        "id": "5b8a2d4e-7b0c-4e7f-9f3a-0c1d2e3f4a5b", "name": name, "slug": "nightly-job",
        "status": status, "isMuted": false, "type": "cron_job",
        "config": {"schedule_type": "interval", "schedule": [10, "minute"], "checkin_margin": 5,
                   "max_runtime": 30, "timezone": null},
        "dateCreated": "2026-12-05T06:00:00Z",
        "project": {"id": "2", "slug": "shop", "name": "Shop", "platform": null,
                    "dateCreated": "2026-12-01T00:00:00Z", "team": null},
        "environments": environments
    }))
    .expect("a sample monitor")
}

#[wasm_bindgen_test]
fn cron_schedules_durations_and_statuses_read_as_words() {
    use cairn_dashboard::pages::crons::{
        check_in_status, dsn_origin, duration_text, environment_status, monitor_status,
        schedule_text, setup_snippets, time_until,
    };
    let config = |schedule: serde_json::Value| -> MonitorConfig {
        serde_json::from_value(serde_json::json!({"schedule_type": "x", "schedule": schedule}))
            .expect("a config")
    };
    assert_eq!(schedule_text(&config(serde_json::json!("0 * * * *"))), "0 * * * *");
    assert_eq!(schedule_text(&config(serde_json::json!([10, "minute"]))), "every 10 minutes");
    assert_eq!(schedule_text(&config(serde_json::json!([1, "hour"]))), "every hour");
    assert_eq!(
        schedule_text(&config(serde_json::json!({"type": "interval", "value": 2, "unit": "day"}))),
        "every 2 days"
    );
    assert_eq!(schedule_text(&config(serde_json::json!(null))), "null");

    assert_eq!(duration_text(850), "850 ms");
    assert_eq!(duration_text(12_340), "12.3 s");
    assert_eq!(duration_text(59_940), "59.9 s");
    assert_eq!(duration_text(240_000), "4 min");
    assert_eq!(duration_text(7_500_000), "2 h 5 min");
    assert_eq!(duration_text(3_600_000), "1 h");

    let now = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
    assert_eq!(time_until(now + Duration::seconds(20), now), "in less than a minute");
    assert_eq!(time_until(now + Duration::minutes(5), now), "in 5 minutes");
    assert_eq!(time_until(now + Duration::minutes(61), now), "in 1 hour");
    assert_eq!(time_until(now - Duration::minutes(3), now), "3 minutes ago");

    assert_eq!(check_in_status("ok"), ("ok", "OK"));
    assert_eq!(check_in_status("missed"), ("missed", "Missed"));
    assert_eq!(check_in_status("timeout"), ("error", "Timed out"));
    assert_eq!(check_in_status("in_progress"), ("active", "In progress"));

    let env = |status: &str| {
        serde_json::json!({"name": status, "status": status, "isMuted": false,
                           "dateCreated": "2026-12-05T06:00:00Z"})
    };
    let environment = |status: &str, last: Option<&str>| {
        let mut environment = env(status);
        environment["lastCheckIn"] = serde_json::json!(last);
        serde_json::from_value(environment).expect("an environment")
    };
    assert_eq!(environment_status(&environment("missed_checkin", None)), ("error", "Failing"));
    assert_eq!(environment_status(&environment("active", None)).1, "Waiting for first check-in");
    let below_threshold = environment("active", Some("2026-12-05T06:00:00Z"));
    assert_eq!(environment_status(&below_threshold), ("active", "Active"));
    let waiting = sample_monitor("a", "active", serde_json::json!([]));
    assert_eq!(monitor_status(&waiting), ("active", "Waiting for first check-in"));
    let failing = sample_monitor("a", "active", serde_json::json!([env("ok"), env("error")]));
    assert_eq!(monitor_status(&failing), ("error", "Failing"));
    let fine = sample_monitor("a", "active", serde_json::json!([env("active"), env("ok")]));
    assert_eq!(monitor_status(&fine), ("ok", "OK"));
    let disabled = sample_monitor("a", "disabled", serde_json::json!([env("error")]));
    assert_eq!(monitor_status(&disabled), ("disabled", "Disabled"));

    assert_eq!(dsn_origin("http://abc@127.0.0.1:8000/2").as_deref(), Some("http://127.0.0.1:8000"));
    assert_eq!(dsn_origin("not a dsn"), None);
    let placeholders = setup_snippets(None);
    assert_eq!(placeholders.len(), 4);
    assert!(placeholders[3].1.contains("/api/<project id>/cron/nightly-job/<public key>/"));
}

#[wasm_bindgen_test]
fn cron_monitor_list_and_check_ins_show_their_data_as_text() {
    use cairn_dashboard::pages::{crons::MonitorTable, monitor::CheckInTable};
    let failing = sample_monitor(
        "<img src=x onerror=alert(1)>",
        "active",
        serde_json::json!([{"name": "production", "status": "error", "isMuted": true,
            "dateCreated": "2026-12-05T06:00:00Z", "lastCheckIn": "2026-12-05T06:00:00Z",
            "nextCheckIn": "2099-01-01T00:00:00Z", "issueId": "7"}]),
    );
    let m = Mounted::new(
        move || view! { <MonitorTable org="cairn".to_owned() monitors=vec![failing]/> },
    );
    assert_eq!(m.count(".monitor-row"), 1);
    assert_eq!(m.text(".monitor-name a"), "<img src=x onerror=alert(1)>");
    assert_eq!(m.count("img"), 0, "names are text");
    assert_eq!(m.attr(".monitor-name a", "href"), "/organizations/cairn/crons/shop/nightly-job/");
    assert_eq!(m.text(".monitor-status"), "Failing");
    assert!(m.get(".monitor-status").class_list().contains("status-error"));
    assert_eq!(m.text(".monitor-schedule"), "every 10 minutes");
    assert!(m.text(".monitor-last").ends_with("ago"), "{}", m.text(".monitor-last"));
    assert!(m.text(".monitor-next").starts_with("in "), "{}", m.text(".monitor-next"));
    drop(m);

    let check_ins: Vec<MonitorCheckIn> = serde_json::from_value(serde_json::json!([
        {"id": "b", "environment": "production", "status": "error", "duration": 12_340,
         "dateCreated": "2026-12-05T07:00:00Z", "expectedTime": "2026-12-05T07:00:00Z"},
        {"id": "a", "environment": "<b>staging</b>", "status": "in_progress", "duration": null,
         "dateCreated": "2026-12-05T06:00:00Z"}
    ]))
    .expect("sample check-ins");
    let m = Mounted::new(move || view! { <CheckInTable check_ins/> });
    assert_eq!(m.count(".check-in"), 2);
    assert_eq!(m.text(".check-in[data-status=error] .monitor-status"), "Error");
    assert_eq!(m.text(".check-in[data-status=error] .check-in-duration"), "12.3 s");
    assert_eq!(m.text(".check-in[data-status=in_progress] .monitor-status"), "In progress");
    assert_eq!(m.text(".check-in[data-status=in_progress] .check-in-duration"), "—");
    assert!(m.text(".check-in[data-status=in_progress]").contains("<b>staging</b>"));
    assert_eq!(m.count("b"), 0, "environments are text");
}

// ---- alert rules ----

/// A rule as the server writes it (Sentry's `RuleSerializer`): a new issue or more than 10
/// events in an hour, of level error or worse and older than 2 days, notifying member 3 and
/// team 5, named `name`.
fn sample_alert_rule(name: &str) -> cairn_types::api::AlertRule {
    use cairn_types::api::{AGE_FILTER, EVENT_FREQUENCY, FIRST_SEEN, LEVEL_FILTER, NOTIFY_EMAIL};
    serde_json::from_value(serde_json::json!({
        "id": "7", "name": name, "actionMatch": "any", "filterMatch": "all", "frequency": 60,
        "conditions": [
            {"id": FIRST_SEEN, "name": "A new issue is created"},
            {"id": EVENT_FREQUENCY, "value": 10, "interval": "1h", "comparisonType": "count",
             "name": "The issue is seen more than 10 times in one hour"}
        ],
        "filters": [
            {"id": LEVEL_FILTER, "match": "gte", "level": "40",
             "name": "The event's level is greater than or equal to error"},
            {"id": AGE_FILTER, "comparison_type": "older", "value": 2, "time": "day",
             "name": "The issue is older than 2 days"}
        ],
        "actions": [
            {"id": NOTIFY_EMAIL, "targetType": "Member", "targetIdentifier": 3,
             "name": "Send a notification to Member"},
            {"id": NOTIFY_EMAIL, "targetType": "Team", "targetIdentifier": 5,
             "name": "Send a notification to Team"}
        ],
        "environment": "production", "status": "active", "projects": ["shop"],
        "createdBy": {"id": 1, "name": "<b>Owner</b>", "email": "owner@example.com"},
        "dateCreated": "2026-12-05T06:00:00Z", "lastTriggered": "2026-12-05T07:00:00Z"
    }))
    .expect("a sample rule")
}

/// An organization directory of one member (user 3) and one team (5).
fn sample_rule_directory() -> cairn_dashboard::org_directory::OrgDirectory {
    use cairn_dashboard::components::assignee_picker::AssigneeOption;
    let option = |value: &str, label: &str, detail: &str| AssigneeOption {
        value: value.to_owned(),
        label: label.to_owned(),
        detail: detail.to_owned(),
    };
    cairn_dashboard::org_directory::OrgDirectory {
        org: "cairn".to_owned(),
        assignees: vec![
            option("user:3", "Dev", "dev@example.com"),
            option("team:5", "#backend", "Team"),
        ],
        ..Default::default()
    }
}

#[wasm_bindgen_test]
fn alert_rule_words_drafts_and_requests() {
    use cairn_dashboard::pages::alert_rules::{
        action_text, alert_rules_href, frequency_text, resolve_project, RuleDraft,
    };
    use cairn_types::api::{FIRST_SEEN, NOTIFY_EMAIL};
    use serde_json::json;

    assert_eq!(frequency_text(30), "30 minutes");
    assert_eq!(frequency_text(1440), "24 hours");
    assert_eq!(frequency_text(43200), "30 days");
    assert_eq!(frequency_text(7), "7 minutes");
    assert_eq!(frequency_text(1), "1 minute");
    assert_eq!(Page::AlertRules { org: "a b".into() }.path(), "/organizations/a%20b/alerts/rules/");
    assert_eq!(
        alert_rules_href("cairn", Some("shop")),
        "/organizations/cairn/alerts/rules/?project=shop"
    );
    assert_eq!(alert_rules_href("cairn", None), "/organizations/cairn/alerts/rules/");

    let projects: Vec<Project> = serde_json::from_value(json!([
        {"id": "1", "slug": "internal", "name": "Internal", "platform": null,
         "dateCreated": "2026-11-01T10:00:00Z", "team": null},
        {"id": "2", "slug": "shop", "name": "Shop", "platform": null,
         "dateCreated": "2026-11-01T10:00:00Z", "team": null}
    ]))
    .expect("sample projects");
    assert_eq!(resolve_project(None, Some(&projects)).as_deref(), Some("internal"));
    assert_eq!(resolve_project(Some("2"), Some(&projects)).as_deref(), Some("shop"));
    assert_eq!(resolve_project(Some("shop"), None).as_deref(), Some("shop"), "a slug at once");
    assert_eq!(resolve_project(Some("2"), None), None, "an id waits for the projects");
    assert_eq!(resolve_project(None, Some(&[])), None);

    // A new rule: a name is all it needs.
    let mut draft = RuleDraft::default();
    assert_eq!(draft.request().expect_err("no name"), "Give the rule a name.");
    draft.name = "  New errors ".into();
    let request = draft.request().expect("a request");
    assert_eq!(request.name, "New errors");
    assert_eq!(request.conditions, [json!({"id": FIRST_SEEN})]);
    assert!(request.filters.is_empty());
    assert_eq!(
        request.actions,
        [json!({"id": NOTIFY_EMAIL, "targetType": "IssueOwners", "targetIdentifier": "",
                "fallthroughType": "ActiveMembers"})]
    );
    assert_eq!((request.frequency, request.environment), (Some(30), None));
    assert_eq!(request.action_match.as_deref(), Some("any"));
    assert_eq!(request.filter_match.as_deref(), Some("all"));
    draft.first_seen = false;
    assert!(draft.request().expect_err("no condition").contains("at least one condition"));
    draft.seen_on = true;
    draft.seen_value = "many".into();
    assert!(draft.request().expect_err("not a number").contains("whole number"));
    draft.seen_value = "5".into();
    // Distinct users, Sentry's other frequency condition.
    draft.users_on = true;
    draft.users_value = "3".into();
    let request = draft.request().expect("a request");
    assert_eq!(
        request.conditions[1],
        json!({"id": cairn_types::api::UNIQUE_USER_FREQUENCY, "value": 3, "interval": "1h",
               "comparisonType": "count"})
    );
    let read_back = RuleDraft::from_rule(&cairn_types::api::AlertRule {
        conditions: request.conditions,
        ..sample_alert_rule("Users")
    });
    assert!(read_back.users_on && read_back.seen_on && read_back.kept_conditions.is_empty());
    assert_eq!(read_back.users_value, "3");
    draft.users_on = false;
    // The latest-release filter, read back into its checkbox.
    draft.latest_release = true;
    let request = draft.request().expect("a request");
    let latest = json!({"id": cairn_types::api::LATEST_RELEASE_FILTER});
    assert_eq!(request.filters, [latest]);
    let read_back = RuleDraft::from_rule(&cairn_types::api::AlertRule {
        filters: request.filters,
        ..sample_alert_rule("Latest")
    });
    assert!(read_back.latest_release && read_back.kept_filters.is_empty());
    draft.latest_release = false;
    // Sentry's high-priority conditions, read back into their checkboxes.
    draft.new_high_priority = true;
    draft.existing_high_priority = true;
    let request = draft.request().expect("a request");
    let high = [cairn_types::api::NEW_HIGH_PRIORITY, cairn_types::api::EXISTING_HIGH_PRIORITY];
    assert_eq!(request.conditions[..2], high.map(|id| json!({ "id": id })));
    let read_back = RuleDraft::from_rule(&cairn_types::api::AlertRule {
        conditions: request.conditions,
        ..sample_alert_rule("High priority")
    });
    assert!(read_back.new_high_priority && read_back.existing_high_priority);
    assert!(read_back.kept_conditions.is_empty());
    draft.new_high_priority = false;
    draft.existing_high_priority = false;
    // The tag filter: a name, and a value unless it asks whether the tag is set.
    draft.tag_on = true;
    assert_eq!(draft.request().expect_err("no tag"), "Give the tag's name.");
    draft.tag_key = " customer ".into();
    assert_eq!(draft.request().expect_err("no value"), "Give the tag's value.");
    draft.tag_match = "is".into();
    assert!(draft.request().is_ok(), "is set: no value");
    draft.tag_match = "co".into();
    draft.tag_value = "acme".into();
    let request = draft.request().expect("a request");
    let tag_filter = json!({"id": cairn_types::api::TAGGED_EVENT_FILTER, "key": "customer",
                            "match": "co", "value": "acme"});
    assert_eq!(request.filters, [tag_filter]);
    let read_back = RuleDraft::from_rule(&cairn_types::api::AlertRule {
        filters: request.filters,
        ..sample_alert_rule("Tags")
    });
    assert!(read_back.tag_on && read_back.kept_filters.is_empty());
    assert_eq!(
        (read_back.tag_key.as_str(), read_back.tag_match.as_str(), read_back.tag_value.as_str()),
        ("customer", "co", "acme")
    );
    draft.tag_on = false;
    draft.target = "Member".into();
    assert_eq!(draft.request().expect_err("no member"), "Choose the member to notify.");

    // A rule read back: the first action in the fields, the second kept and sent back.
    let rule = sample_alert_rule("Busy errors");
    let draft = RuleDraft::from_rule(&rule);
    assert!(draft.first_seen && !draft.regression && draft.seen_on);
    assert_eq!((draft.seen_value.as_str(), draft.seen_interval.as_str()), ("10", "1h"));
    assert!(draft.level_on && !draft.occurrences_on && draft.age_on);
    assert_eq!((draft.level_match.as_str(), draft.level.as_str()), ("gte", "40"));
    assert_eq!(
        (draft.age_comparison.as_str(), draft.age_value.as_str(), draft.age_unit.as_str()),
        ("older", "2", "day")
    );
    assert_eq!((draft.target.as_str(), draft.member.as_str()), ("Member", "3"));
    assert_eq!((draft.environment.as_str(), draft.frequency.as_str()), ("production", "60"));
    assert_eq!(draft.kept_actions, [rule.actions[1].clone()]);
    let request = draft.request().expect("a request");
    assert_eq!(request.conditions[1]["value"], 10);
    assert_eq!(request.conditions[1]["interval"], "1h");
    assert_eq!(
        request.filters[0],
        json!({"id": rule.filters[0]["id"], "match": "gte", "level": "40"})
    );
    assert_eq!(request.filters[1]["comparison_type"], "older");
    assert_eq!(request.actions[0]["targetIdentifier"], 3);
    assert_eq!(request.actions[1], rule.actions[1]);
    assert_eq!((request.frequency, request.environment.as_deref()), (Some(60), Some("production")));

    let directory = sample_rule_directory();
    assert_eq!(
        action_text(&rule.actions[0], &directory),
        "Send a notification to Dev (dev@example.com)"
    );
    assert_eq!(action_text(&rule.actions[1], &directory), "Send a notification to team #backend");
    let unknown = json!({"id": NOTIFY_EMAIL, "targetType": "Member", "targetIdentifier": 9});
    assert_eq!(action_text(&unknown, &directory), "Send a notification to member 9");
    let owners =
        json!({"id": NOTIFY_EMAIL, "targetType": "IssueOwners", "fallthroughType": "NoOne"});
    assert_eq!(
        action_text(&owners, &directory),
        "Send a notification to the issue's owners (without any: no one)"
    );
}

#[wasm_bindgen_test]
async fn alert_rules_list_their_sentences_as_text_and_ask_for_edits_and_deletions() {
    use cairn_dashboard::{org_directory::Directory, pages::alert_rules::RuleList};
    let rule = sample_alert_rule("<img src=x onerror=alert(1)>");
    let (edited, deleted) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
    let (on_edit, on_delete) = {
        let (edited, deleted) = (edited.clone(), deleted.clone());
        (
            Callback::new(move |rule: cairn_types::api::AlertRule| {
                *edited.lock().expect("lock") = Some(rule.id)
            }),
            Callback::new(move |id: String| *deleted.lock().expect("lock") = Some(id)),
        )
    };
    let m = Mounted::new(move || {
        let directory = Directory::prepared(sample_rule_directory());
        view! { <RuleList rules=vec![rule] directory on_edit on_delete/> }
    });
    assert_eq!(m.count(".rule-row[data-rule='7']"), 1);
    assert_eq!(m.text(".rule-name"), "<img src=x onerror=alert(1)>");
    assert_eq!(m.count("img"), 0, "names are text");
    assert_eq!(m.text(".rule-environment"), "production");
    assert_eq!(m.text(".rule-frequency"), "At most once every 60 minutes per issue");
    assert_eq!(m.text(".rule-when"), "When any of these happen:");
    assert_eq!(m.count(".rule-conditions li"), 2);
    assert_eq!(
        m.text(".rule-conditions li:nth-child(2)"),
        "The issue is seen more than 10 times in one hour"
    );
    assert_eq!(m.text(".rule-if"), "If all of these are true:");
    assert_eq!(m.text(".rule-filters li"), "The event's level is greater than or equal to error");
    assert_eq!(m.text(".rule-actions li"), "Send a notification to Dev (dev@example.com)");
    assert_eq!(m.text(".rule-actions li:nth-child(2)"), "Send a notification to team #backend");
    assert!(m.text(".rule-last").ends_with("ago"), "{}", m.text(".rule-last"));
    assert_eq!(m.text(".rule-creator"), "<b>Owner</b>");
    assert_eq!(m.count("b"), 0, "the creator's name is text");

    m.click(".rule-edit");
    assert_eq!(edited.lock().expect("lock").as_deref(), Some("7"));
    m.click(".rule-delete");
    settle().await;
    assert!(deleted.lock().expect("lock").is_none(), "asked first");
    m.click(".rule-delete-confirm");
    assert_eq!(deleted.lock().expect("lock").as_deref(), Some("7"));
}

#[wasm_bindgen_test]
async fn alert_rule_form_starts_from_the_rule_and_hands_over_what_is_typed() {
    use cairn_dashboard::{
        org_directory::Directory,
        pages::alert_rules::{RuleDraft, RuleForm},
    };
    let submitted = Arc::new(Mutex::new(None::<RuleDraft>));
    let on_submit = {
        let submitted = submitted.clone();
        Callback::new(move |draft: RuleDraft| *submitted.lock().expect("lock") = Some(draft))
    };
    let m = Mounted::new(move || {
        let directory = Directory::prepared(sample_rule_directory());
        let draft = RuleDraft::from_rule(&sample_alert_rule("Busy errors"));
        view! {
            <RuleForm
                draft
                title="Edit alert rule"
                directory
                saving=Signal::stored(false)
                error=Signal::stored(Some("frequency: one of ...".to_owned()))
                on_submit
                on_cancel=Callback::new(|()| {})
            />
        }
    });
    settle().await;
    let input = |selector: &str| -> HtmlInputElement { m.get(selector).unchecked_into() };
    let select = |selector: &str| -> String {
        m.get(selector).unchecked_into::<web_sys::HtmlSelectElement>().value()
    };
    assert_eq!(input("#rule-name").value(), "Busy errors");
    assert!(input("#rule-first-seen").checked() && !input("#rule-regression").checked());
    assert!(input("#rule-seen-on").checked());
    assert_eq!(input("#rule-seen-value").value(), "10");
    assert_eq!(select("#rule-seen-interval"), "1h");
    assert_eq!(select("#rule-level"), "40");
    assert!(!input("#rule-occurrences-on").checked());
    assert!(input("#rule-occurrences").disabled(), "off: its field too");
    assert_eq!(select("#rule-target"), "Member");
    assert_eq!(select("#rule-member"), "3");
    assert_eq!(m.text("#rule-member option[value='3']"), "Dev (dev@example.com)");
    assert_eq!(select("#rule-frequency"), "60");
    assert_eq!(input("#rule-environment").value(), "production");
    assert_eq!(m.text(".rule-kept li"), "Send a notification to Team");
    assert_eq!(m.text(".form-error"), "frequency: one of ...");

    m.type_into("#rule-name", "Busier errors");
    m.click("#rule-first-seen");
    m.type_into("#rule-seen-value", "50");
    m.click("#rule-occurrences-on");
    settle().await;
    m.type_into("#rule-occurrences", "3");
    m.select("#rule-target", "IssueOwners");
    settle().await;
    m.select("#rule-fallthrough", "AllMembers");
    m.select("#rule-frequency", "1440");
    m.type_into("#rule-environment", "");
    m.click("#rule-save");
    settle().await;
    let draft = submitted.lock().expect("lock").clone().expect("submitted");
    let request = draft.request().expect("a request");
    assert_eq!(request.name, "Busier errors");
    assert_eq!(request.conditions.len(), 1, "{:?}", request.conditions);
    assert_eq!(request.conditions[0]["value"], 50);
    assert_eq!(request.filters.len(), 3);
    assert_eq!(request.filters[1]["value"], 3);
    assert_eq!(request.actions[0]["targetType"], "IssueOwners");
    assert_eq!(request.actions[0]["fallthroughType"], "AllMembers");
    assert_eq!(request.actions[1]["targetType"], "Team", "kept");
    assert_eq!((request.frequency, request.environment), (Some(1440), None));
}

#[wasm_bindgen_test]
fn account_page_shows_a_refused_password_change_without_the_field_name() {
    use cairn_dashboard::pages::account::field_message;
    assert_eq!(
        field_message("password: The password you entered is not correct."),
        "The password you entered is not correct."
    );
    assert_eq!(
        field_message("passwordVerify: The passwords you entered did not match."),
        "The passwords you entered did not match."
    );
    // Another error (throttled, network) is shown whole.
    assert_eq!(
        field_message("Too many failed attempts. Try again later."),
        "Too many failed attempts. Try again later."
    );
    assert_eq!(field_message("name: blank"), "name: blank");
}

#[wasm_bindgen_test]
async fn login_form_asks_for_the_two_factor_code_once_the_password_is_right() {
    let sent: Rc<RefCell<Vec<LoginRequest>>> = Rc::default();
    let seen = Rc::clone(&sent);
    let m = Mounted::new(move || {
        let action: LoginAction = Action::new_local(move |request: &LoginRequest| {
            seen.borrow_mut().push(request.clone());
            let detail = if request.otp.is_none() {
                (401, cairn_types::api::TWO_FACTOR_REQUIRED)
            } else {
                (400, "Invalid two-factor code.")
            };
            async move { Err::<User, _>(failing(detail.0, detail.1)) }
        });
        view! { <LoginForm action/> }
    });

    assert!(m.find("input[name=otp]").is_none(), "no code field before the password is known");
    m.type_into("form#login-form input[name=username]", "owner@example.com");
    m.type_into("form#login-form input[name=password]", "right password");
    m.click("form#login-form button[type=submit]");
    settle().await;
    assert_eq!(m.text(".form-error"), cairn_types::api::TWO_FACTOR_REQUIRED);
    m.type_into("form#login-form input[name=otp]", "123456");
    m.click("form#login-form button[type=submit]");
    settle().await;
    let requests = sent.borrow().clone();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].otp, None);
    assert_eq!(requests[1].otp.as_deref(), Some("123456"));
    assert_eq!(requests[1].password, "right password");
    // A wrong code keeps the field for another try.
    assert_eq!(m.text(".form-error"), "Invalid two-factor code.");
    assert!(m.find("input[name=otp]").is_some());
}

#[wasm_bindgen_test]
async fn issue_header_deletes_or_discards_only_once_confirmed() {
    let asked: Arc<Mutex<Vec<bool>>> = Arc::default();
    let seen = Arc::clone(&asked);
    let m = Mounted::new(move || {
        let on_update = Callback::new(|_: UpdateIssueRequest| {});
        let on_delete =
            Callback::new(move |discard: bool| seen.lock().expect("lock").push(discard));
        view! {
            <IssueHeader details=sample_details("unresolved", false) on_update busy=false on_delete/>
        }
    });
    assert_eq!(m.text(".issue-discard-delete"), "Delete and discard");
    m.click(".issue-discard-delete");
    settle().await;
    assert!(asked.lock().expect("lock").is_empty(), "nothing before the confirmation");
    m.click(".issue-discard-delete-confirm");
    m.click(".issue-delete");
    settle().await;
    m.click(".issue-delete-confirm");
    settle().await;
    assert_eq!(*asked.lock().expect("lock"), [true, false]);
    // Without the callback, no delete buttons (the component tests' other headers).
    let plain = Mounted::new(|| {
        let on_update = Callback::new(|_: UpdateIssueRequest| {});
        view! { <IssueHeader details=sample_details("unresolved", false) on_update busy=false/> }
    });
    assert!(plain.find(".issue-delete").is_none());
}

#[wasm_bindgen_test]
fn qr_code_draws_each_dark_module_inside_its_quiet_zone() {
    use cairn_dashboard::pages::account::QrCode;
    let m = Mounted::new(|| view! { <QrCode rows=vec!["#.".to_owned(), ".#".to_owned()]/> });
    let svg = m.find("svg.qr-code").expect("the code is drawn");
    assert_eq!(svg.get_attribute("viewBox").as_deref(), Some("0 0 10 10"));
    let path = m.find("svg.qr-code path").expect("its modules");
    assert_eq!(path.get_attribute("d").as_deref(), Some("M4 4h1v1h-1zM5 5h1v1h-1z"));
}

// ---- metric alerts ----

/// A metric alert rule as the server writes it (Sentry's `AlertRuleSerializer`): `aggregate`
/// `below` (or above) a critical threshold of 99 and a warning one of 99.5 over `window`
/// minutes, emailing team 5; never evaluated, without incidents.
fn sample_metric_rule(
    name: &str,
    aggregate: &str,
    window: f64,
) -> cairn_types::api::MetricAlertRule {
    let action = serde_json::json!({"id": "3", "type": "email", "targetType": "team",
        "targetIdentifier": "5", "desc": "Send an email to #backend"});
    serde_json::from_value(serde_json::json!({
        "id": "12", "name": name, "dataset": "metrics", "aggregate": aggregate, "query": "",
        "timeWindow": window, "thresholdType": 1, "resolveThreshold": null,
        "thresholdPeriod": 1, "environment": null, "projects": ["shop"], "owner": null,
        "triggers": [
            {"id": "1", "label": "critical", "alertThreshold": 99.0, "thresholdType": 1,
             "resolveThreshold": null, "actions": [action]},
            {"id": "2", "label": "warning", "alertThreshold": 99.5, "thresholdType": 1,
             "resolveThreshold": null, "actions": [action]}
        ],
        "createdBy": {"id": 1, "name": "Owner", "email": "owner@example.com"},
        "dateCreated": "2026-12-05T06:00:00Z", "dateModified": "2026-12-05T06:00:00Z",
        "latestIncident": null, "lastValue": null, "dateLastEvaluated": null
    }))
    .expect("a sample metric alert rule")
}

/// An incident of rule 12 as the server writes it: `identifier`, `status`, started at 07:00,
/// closed at `closed`, opened by the figure `value`.
fn sample_incident(
    identifier: &str,
    status: i64,
    closed: Option<&str>,
    value: f64,
) -> cairn_types::api::Incident {
    serde_json::from_value(serde_json::json!({
        "id": identifier, "identifier": identifier, "alertRuleId": "12",
        "title": "<b>Crash-free</b>", "status": status, "projects": ["shop"],
        "dateStarted": "2026-12-05T07:00:00Z", "dateDetected": "2026-12-05T07:00:00Z",
        "dateClosed": closed, "value": value
    }))
    .expect("a sample incident")
}

/// An incident activity: `kind` (4 detected, 2 status change), the statuses, the figure.
fn sample_incident_activity(
    kind: i64,
    value: Option<&str>,
    previous: Option<&str>,
    metric: Option<f64>,
) -> cairn_types::api::IncidentActivity {
    serde_json::from_value(serde_json::json!({
        "id": "1", "incidentIdentifier": "4", "type": kind, "value": value,
        "previousValue": previous, "metricValue": metric,
        "dateCreated": "2026-12-05T07:00:00Z"
    }))
    .expect("a sample activity")
}

#[wasm_bindgen_test]
fn metric_alert_rules_read_as_sentences() {
    use cairn_dashboard::pages::metric_alerts::{
        figure_text, rule_sentence, threshold_text, window_text,
    };
    use cairn_types::api::{
        MetricAlertRule, AGGREGATE_COUNT, AGGREGATE_CRASH_FREE_SESSIONS,
        AGGREGATE_CRASH_FREE_USERS, AGGREGATE_USERS,
    };

    // Crash-free: below, in percent, both triggers, the window in words.
    let rule = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 60.0);
    assert_eq!(
        rule_sentence(&rule),
        "Crash-free session rate below 99% (critical), 99.5% (warning) over 1 hour"
    );
    let users = MetricAlertRule {
        time_window: 720.0,
        // The query is the errors' only: a crash-free rule's is not shown.
        query: "level:error".into(),
        triggers: rule.triggers[..1].to_vec(),
        ..sample_metric_rule("Users", AGGREGATE_CRASH_FREE_USERS, 720.0)
    };
    assert_eq!(rule_sentence(&users), "Crash-free user rate below 99% (critical) over 12 hours");

    // Errors: above, plain numbers, no warning.
    let mut errors = sample_metric_rule("Errors", AGGREGATE_COUNT, 5.0);
    errors.threshold_type = 0;
    errors.triggers.truncate(1);
    errors.triggers[0].alert_threshold = 100.0;
    assert_eq!(rule_sentence(&errors), "Number of errors above 100 (critical) over 5 minutes");
    // With an environment, a query, a warning and a resolve threshold.
    errors.environment = Some("production".into());
    errors.query = "level:error release:1.0".into();
    errors.resolve_threshold = Some(20.0);
    let mut warning = errors.triggers[0].clone();
    warning.label = "warning".into();
    warning.alert_threshold = 50.5;
    errors.triggers.push(warning);
    assert_eq!(
        rule_sentence(&errors),
        "Number of errors above 100 (critical), 50.5 (warning) over 5 minutes in production, \
         errors matching \"level:error release:1.0\", resolved below 20"
    );
    let mut by_users = sample_metric_rule("Users", AGGREGATE_USERS, 1440.0);
    by_users.threshold_type = 0;
    by_users.resolve_threshold = Some(99.9);
    assert_eq!(
        rule_sentence(&by_users),
        "Users with errors above 99 (critical), 99.5 (warning) over 24 hours, resolved below 99.9"
    );
    // Below, resolved above.
    let mut resolving = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 30.0);
    resolving.resolve_threshold = Some(99.8);
    assert!(rule_sentence(&resolving).ends_with("over 30 minutes, resolved above 99.8%"));

    for (minutes, words) in [
        (1.0, "1 minute"),
        (10.0, "10 minutes"),
        (60.0, "1 hour"),
        (240.0, "4 hours"),
        (720.0, "12 hours"),
        (1440.0, "24 hours"),
        (90.0, "90 minutes"),
        (180.0, "3 hours"),
    ] {
        assert_eq!(window_text(minutes), words, "{minutes}");
    }
    assert_eq!(threshold_text(AGGREGATE_CRASH_FREE_SESSIONS, 99.95), "99.95%");
    assert_eq!(threshold_text(AGGREGATE_COUNT, 0.0), "0");
    assert_eq!(figure_text(AGGREGATE_CRASH_FREE_SESSIONS, 97.251_234), "97.25%");
    assert_eq!(figure_text(AGGREGATE_CRASH_FREE_USERS, 100.0), "100%");
    assert_eq!(figure_text(AGGREGATE_COUNT, 12.0), "12 errors");
    assert_eq!(figure_text(AGGREGATE_COUNT, 1.0), "1 error");
    assert_eq!(figure_text(AGGREGATE_COUNT, 0.0), "0 errors");
    assert_eq!(figure_text(AGGREGATE_USERS, 1.0), "1 user");
    assert_eq!(figure_text(AGGREGATE_USERS, 3.0), "3 users");
    assert_eq!(
        Page::MetricAlert { org: "a b".into(), id: "12".into() }.path(),
        "/organizations/a%20b/alerts/rules/details/12/"
    );
}

#[wasm_bindgen_test]
fn metric_alert_status_follows_the_open_incident_and_the_evaluations() {
    use cairn_dashboard::pages::metric_alerts::{
        activity_text, incident_duration, latest_figure, rule_status, span_text, AlertStatus,
    };
    use cairn_types::api::{
        AGGREGATE_COUNT, AGGREGATE_CRASH_FREE_SESSIONS, INCIDENT_CLOSED, INCIDENT_CRITICAL,
        INCIDENT_WARNING,
    };

    let mut rule = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 60.0);
    assert_eq!(rule_status(&rule), AlertStatus::Waiting);
    assert_eq!(rule_status(&rule).label(), "Waiting for the first evaluation");
    assert_eq!(latest_figure(&rule), None);
    rule.date_last_evaluated = Some(Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap());
    assert_eq!(rule_status(&rule), AlertStatus::Resolved);
    assert_eq!(latest_figure(&rule).as_deref(), Some("no data now"), "no sessions");
    rule.last_value = Some(97.25);
    assert_eq!(latest_figure(&rule).as_deref(), Some("now 97.25%"));

    rule.latest_incident = Some(sample_incident("4", INCIDENT_CRITICAL, None, 97.1));
    assert_eq!(rule_status(&rule), AlertStatus::Critical);
    assert_eq!((rule_status(&rule).label(), rule_status(&rule).key()), ("Critical", "critical"));
    rule.latest_incident = Some(sample_incident("4", INCIDENT_WARNING, None, 99.2));
    assert_eq!(rule_status(&rule), AlertStatus::Warning);
    assert_eq!(rule_status(&rule).label(), "Warning");
    rule.latest_incident =
        Some(sample_incident("4", INCIDENT_CLOSED, Some("2026-12-05T07:30:00Z"), 97.1));
    assert_eq!(rule_status(&rule), AlertStatus::Resolved);
    assert_eq!(rule_status(&rule).label(), "Resolved");
    // Closed is closed, whatever the status says.
    rule.latest_incident =
        Some(sample_incident("4", INCIDENT_CRITICAL, Some("2026-12-05T07:30:00Z"), 97.1));
    assert_eq!(rule_status(&rule), AlertStatus::Resolved);
    // A closed incident but no evaluation recorded: resolved, not waiting.
    rule.date_last_evaluated = None;
    assert_eq!(rule_status(&rule), AlertStatus::Resolved);

    let mut errors = sample_metric_rule("Errors", AGGREGATE_COUNT, 5.0);
    errors.date_last_evaluated = rule.date_created.into();
    errors.last_value = Some(12.0);
    assert_eq!(latest_figure(&errors).as_deref(), Some("now 12 errors"));

    let crash_free = AGGREGATE_CRASH_FREE_SESSIONS;
    let text = |kind, value, previous, metric| {
        activity_text(&sample_incident_activity(kind, value, previous, metric), crash_free)
    };
    assert_eq!(text(4, None, None, Some(97.123)), "Detected at 97.12%");
    assert_eq!(
        text(2, Some("20"), Some("10"), Some(96.0)),
        "Changed from Warning to Critical at 96%"
    );
    assert_eq!(text(2, Some("10"), Some("20"), None), "Changed from Critical to Warning");
    assert_eq!(text(2, Some("20"), None, None), "Changed to Critical");
    assert_eq!(text(2, Some("2"), Some("20"), Some(99.9)), "Resolved at 99.9%");
    assert_eq!(
        activity_text(&sample_incident_activity(4, None, None, Some(150.0)), AGGREGATE_COUNT),
        "Detected at 150 errors"
    );

    assert_eq!(span_text(45), "45 s");
    assert_eq!(span_text(12 * 60 + 5), "12 min");
    assert_eq!(span_text(2 * 3600), "2 h");
    assert_eq!(span_text(2 * 3600 + 5 * 60), "2 h 5 min");
    assert_eq!(span_text(3 * 86_400 + 4 * 3600 + 7), "3 d 4 h");
    let closed = sample_incident("4", INCIDENT_CLOSED, Some("2026-12-05T07:30:00Z"), 97.1);
    let later = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap();
    assert_eq!(incident_duration(&closed, later), "30 min", "until it closed");
    let open = sample_incident("5", INCIDENT_CRITICAL, None, 97.1);
    assert_eq!(incident_duration(&open, later), "17 h", "until now");
}

#[wasm_bindgen_test]
fn metric_alert_drafts_make_the_apis_requests() {
    use cairn_dashboard::pages::metric_alerts::MetricDraft;
    use cairn_types::api::{AGGREGATE_COUNT, AGGREGATE_CRASH_FREE_SESSIONS, AGGREGATE_USERS};
    use serde_json::json;

    let mut draft = MetricDraft::new("shop");
    assert_eq!(draft.request().expect_err("no name"), "Give the alert a name.");
    draft.name = " Busy ".into();
    assert_eq!(draft.request().expect_err("no threshold"), "Give the critical threshold.");
    draft.critical = "many".into();
    assert_eq!(
        draft.request().expect_err("not a number"),
        "Give the critical threshold as a number."
    );
    draft.critical = "100".into();
    draft.query = " level:error ".into();
    let request = draft.request().expect("a request");
    assert_eq!(request.name, "Busy");
    assert_eq!(request.aggregate, AGGREGATE_COUNT);
    assert_eq!(request.dataset.as_deref(), Some("events"));
    assert_eq!((request.query.as_str(), request.time_window), ("level:error", 60.0));
    assert_eq!((request.threshold_type, request.resolve_threshold), (0, None));
    assert_eq!(
        (request.projects.clone(), request.environment.clone()),
        (vec!["shop".to_owned()], None)
    );
    assert_eq!(request.triggers.len(), 1);
    assert_eq!(
        (request.triggers[0].label.as_str(), request.triggers[0].alert_threshold),
        ("critical", 100.0)
    );
    assert!(request.triggers[0].actions.is_empty(), "no one notified");

    // A crash-free rate: below, its own windows, no query, the metrics dataset.
    draft.time_window = "5".into();
    draft.set_measure(AGGREGATE_CRASH_FREE_SESSIONS);
    assert_eq!((draft.threshold_type.as_str(), draft.time_window.as_str()), ("1", "60"));
    draft.time_window = "720".into();
    draft.set_measure(AGGREGATE_USERS);
    assert_eq!((draft.threshold_type.as_str(), draft.time_window.as_str()), ("0", "60"));
    draft.time_window = "240".into();
    draft.set_measure(AGGREGATE_CRASH_FREE_SESSIONS);
    assert_eq!(draft.time_window, "240", "allowed for both: kept");
    draft.critical = "99".into();
    draft.warning = "99.5".into();
    draft.resolve = "99.8".into();
    draft.environment = " production ".into();
    draft.target = "team".into();
    assert_eq!(draft.request().expect_err("no team"), "Choose the team to notify.");
    draft.team = "5".into();
    let request = draft.request().expect("a request");
    assert_eq!(request.dataset.as_deref(), Some("metrics"));
    assert_eq!((request.query.as_str(), request.threshold_type), ("", 1));
    assert_eq!((request.resolve_threshold, request.time_window), (Some(99.8), 240.0));
    assert_eq!(request.environment.as_deref(), Some("production"));
    let email = json!({"type": "email", "targetType": "team", "targetIdentifier": "5"});
    assert_eq!(request.triggers.len(), 2);
    assert_eq!(request.triggers[1].label, "warning");
    assert_eq!(request.triggers[1].alert_threshold, 99.5);
    assert!(request.triggers.iter().all(|t| t.actions == [email.clone()]), "on each trigger");
    draft.target = "user".into();
    assert_eq!(draft.request().expect_err("no member"), "Choose the member to notify.");
    draft.member = "3".into();
    let request = draft.request().expect("a request");
    assert_eq!(request.triggers[0].actions[0]["targetType"], "user");
    assert_eq!(request.triggers[0].actions[0]["targetIdentifier"], "3");

    // A rule read back into the form.
    let mut rule = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 120.0);
    rule.projects = vec!["shop".into(), "api".into()];
    rule.resolve_threshold = Some(99.75);
    rule.environment = Some("production".into());
    rule.owner = Some("team:5".into());
    let draft = MetricDraft::from_rule(&rule);
    assert_eq!(
        (draft.name.as_str(), draft.aggregate.as_str()),
        ("Crash-free", rule.aggregate.as_str())
    );
    assert_eq!((draft.time_window.as_str(), draft.threshold_type.as_str()), ("120", "1"));
    assert_eq!((draft.critical.as_str(), draft.warning.as_str()), ("99", "99.5"));
    assert_eq!((draft.resolve.as_str(), draft.environment.as_str()), ("99.75", "production"));
    assert_eq!((draft.target.as_str(), draft.team.as_str()), ("team", "5"));
    let request = draft.request().expect("a request");
    assert_eq!(request.projects, ["shop", "api"], "the rule's projects stay");
    assert_eq!(request.owner.as_deref(), Some("team:5"));
    assert_eq!(
        request.triggers[0].actions,
        [json!({"type": "email", "targetType": "team", "targetIdentifier": "5"})]
    );
}

#[wasm_bindgen_test]
async fn metric_alert_list_shows_each_rule_as_text_and_asks_for_edits_and_deletions() {
    use cairn_dashboard::pages::metric_alerts::MetricAlertList;
    use cairn_types::api::{AGGREGATE_CRASH_FREE_SESSIONS, INCIDENT_CRITICAL};
    let mut rule =
        sample_metric_rule("<img src=x onerror=alert(1)>", AGGREGATE_CRASH_FREE_SESSIONS, 60.0);
    rule.date_last_evaluated = Some(Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap());
    rule.last_value = Some(97.25);
    rule.latest_incident = Some(sample_incident("4", INCIDENT_CRITICAL, None, 97.1));
    let mut waiting = sample_metric_rule("Quiet", AGGREGATE_CRASH_FREE_SESSIONS, 30.0);
    waiting.id = "13".into();
    let (edited, deleted) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
    let (on_edit, on_delete) = {
        let (edited, deleted) = (edited.clone(), deleted.clone());
        (
            Callback::new(move |rule: cairn_types::api::MetricAlertRule| {
                *edited.lock().expect("lock") = Some(rule.id)
            }),
            Callback::new(move |id: String| *deleted.lock().expect("lock") = Some(id)),
        )
    };
    let m = Mounted::new(move || {
        view! {
            <MetricAlertList org="cairn".to_owned() rules=vec![rule, waiting] on_edit on_delete/>
        }
    });
    let row = ".metric-alert-row[data-metric-alert='12']";
    assert_eq!(m.count(".metric-alert-row"), 2);
    assert_eq!(m.text(&format!("{row} .metric-alert-name")), "<img src=x onerror=alert(1)>");
    assert_eq!(m.count("img"), 0, "names are text");
    assert_eq!(
        m.attr(&format!("{row} a.metric-alert-name"), "href"),
        "/organizations/cairn/alerts/rules/details/12/"
    );
    assert_eq!(m.attr(&format!("{row} .metric-alert-status"), "data-status"), "critical");
    assert_eq!(m.text(&format!("{row} .metric-alert-status")), "Critical");
    assert_eq!(m.text(&format!("{row} .metric-alert-figure")), "now 97.25%");
    assert_eq!(
        m.text(&format!("{row} .metric-alert-sentence")),
        "Crash-free session rate below 99% (critical), 99.5% (warning) over 1 hour"
    );
    assert_eq!(m.text(&format!("{row} .metric-alert-notify")), "Send an email to #backend");
    let quiet = ".metric-alert-row[data-metric-alert='13']";
    assert_eq!(m.attr(&format!("{quiet} .metric-alert-status"), "data-status"), "waiting");
    assert_eq!(
        m.text(&format!("{quiet} .metric-alert-status")),
        "Waiting for the first evaluation"
    );
    assert_eq!(m.text(&format!("{quiet} .metric-alert-figure")), "");
    assert_eq!(m.attr(&format!("{quiet} .metric-alert-edit"), "aria-label"), "Edit Quiet");

    m.click(&format!("{row} .metric-alert-edit"));
    assert_eq!(edited.lock().expect("lock").as_deref(), Some("12"));
    m.click(&format!("{quiet} .metric-alert-delete"));
    settle().await;
    assert!(deleted.lock().expect("lock").is_none(), "asked first");
    m.click(&format!("{quiet} .metric-alert-delete-confirm"));
    assert_eq!(deleted.lock().expect("lock").as_deref(), Some("13"));
}

#[wasm_bindgen_test]
async fn metric_alert_form_starts_from_the_rule_and_follows_the_measure() {
    use cairn_dashboard::{
        org_directory::Directory,
        pages::metric_alerts::{MetricAlertForm, MetricDraft},
    };
    use cairn_types::api::{AGGREGATE_COUNT, AGGREGATE_CRASH_FREE_SESSIONS};
    let submitted = Arc::new(Mutex::new(None::<MetricDraft>));
    let on_submit = {
        let submitted = submitted.clone();
        Callback::new(move |draft: MetricDraft| *submitted.lock().expect("lock") = Some(draft))
    };
    let m = Mounted::new(move || {
        let directory = Directory::prepared(sample_rule_directory());
        let draft = MetricDraft::from_rule(&sample_metric_rule(
            "Crash-free",
            AGGREGATE_CRASH_FREE_SESSIONS,
            720.0,
        ));
        view! {
            <MetricAlertForm
                draft
                title="Edit metric alert"
                directory
                saving=Signal::stored(false)
                error=Signal::stored(Some("<b>Refused</b>".to_owned()))
                on_submit
                on_cancel=Callback::new(|()| {})
            />
        }
    });
    settle().await;
    let input = |selector: &str| -> HtmlInputElement { m.get(selector).unchecked_into() };
    let select = |selector: &str| -> String {
        m.get(selector).unchecked_into::<web_sys::HtmlSelectElement>().value()
    };
    assert_eq!(m.attr("#metric-alert-form", "aria-label"), "Edit metric alert");
    assert_eq!(input("#metric-name").value(), "Crash-free");
    assert_eq!(select("#metric-aggregate"), AGGREGATE_CRASH_FREE_SESSIONS);
    assert_eq!(select("#metric-window"), "720");
    assert_eq!(m.count("#metric-window option"), 6, "the crash-free windows");
    assert_eq!(m.text("#metric-window option[value='720']"), "12 hours");
    assert_eq!(select("#metric-direction"), "1");
    assert_eq!(input("#metric-critical").value(), "99");
    assert_eq!(input("#metric-warning").value(), "99.5");
    assert_eq!(input("#metric-resolve").value(), "");
    assert!(input("#metric-query").disabled(), "no query for a crash-free rate");
    assert_eq!(select("#metric-target"), "team");
    assert_eq!(select("#metric-team"), "5");
    assert_eq!(m.text("#metric-team option[value='5']"), "#backend");
    assert_eq!(m.text(".form-error"), "<b>Refused</b>");
    assert_eq!(m.count("b"), 0, "the server's detail is text");
    // Every control has a label.
    for id in [
        "metric-name",
        "metric-aggregate",
        "metric-window",
        "metric-environment",
        "metric-query",
        "metric-direction",
        "metric-critical",
        "metric-warning",
        "metric-resolve",
        "metric-target",
        "metric-team",
    ] {
        let label = m.get(&format!("#{id}")).closest("label").expect("closest").expect("a label");
        assert!(!label.text_content().unwrap_or_default().trim().is_empty(), "{id}");
    }

    // Errors: above, the error windows, a query.
    m.select("#metric-aggregate", AGGREGATE_COUNT);
    settle().await;
    assert_eq!(select("#metric-direction"), "0");
    assert_eq!(select("#metric-window"), "60", "12 hours is not an error window");
    assert_eq!(m.count("#metric-window option"), 9);
    assert!(!input("#metric-query").disabled());
    m.select("#metric-window", "5");
    m.type_into("#metric-query", "level:error");
    m.type_into("#metric-name", "Busy");
    m.type_into("#metric-critical", "100");
    m.type_into("#metric-warning", "");
    m.type_into("#metric-environment", "production");
    m.select("#metric-target", "user");
    settle().await;
    assert!(m.find("#metric-team").is_none());
    assert_eq!(m.text("#metric-member option[value='3']"), "Dev (dev@example.com)");
    m.select("#metric-member", "3");
    // The direction chosen by hand, then changed by a change of measure (below).
    m.select("#metric-direction", "1");
    m.select("#metric-direction", "0");
    m.click("#metric-save");
    settle().await;
    let draft = submitted.lock().expect("lock").clone().expect("submitted");
    let request = draft.request().expect("a request");
    assert_eq!((request.name.as_str(), request.aggregate.as_str()), ("Busy", AGGREGATE_COUNT));
    assert_eq!((request.time_window, request.threshold_type), (5.0, 0));
    assert_eq!(
        (request.query.as_str(), request.environment.as_deref()),
        ("level:error", Some("production"))
    );
    assert_eq!(request.triggers.len(), 1, "no warning");
    assert_eq!(request.triggers[0].alert_threshold, 100.0);
    assert_eq!(request.triggers[0].actions[0]["targetType"], "user");
    assert_eq!(request.triggers[0].actions[0]["targetIdentifier"], "3");
    assert_eq!(request.projects, ["shop"]);

    m.select("#metric-aggregate", AGGREGATE_CRASH_FREE_SESSIONS);
    settle().await;
    assert_eq!(select("#metric-direction"), "1", "after a manual choice too");
    assert_eq!(select("#metric-window"), "60");
}

#[wasm_bindgen_test]
async fn incident_table_lists_incidents_and_opens_their_activity() {
    use cairn_dashboard::pages::metric_alerts::{ActivityTimeline, IncidentTable};
    use cairn_types::api::{AGGREGATE_CRASH_FREE_SESSIONS, INCIDENT_CLOSED, INCIDENT_WARNING};
    let opened: Arc<Mutex<Vec<String>>> = Arc::default();
    let activity = {
        let opened = opened.clone();
        Callback::new(move |identifier: String| {
            opened.lock().expect("lock").push(identifier);
            let activities = vec![
                sample_incident_activity(4, None, None, Some(97.1)),
                sample_incident_activity(2, Some("20"), Some("10"), Some(96.0)),
                sample_incident_activity(2, Some("2"), Some("20"), Some(99.9)),
            ];
            let aggregate = AGGREGATE_CRASH_FREE_SESSIONS.to_owned();
            view! { <ActivityTimeline activities aggregate/> }.into_any()
        })
    };
    let incidents = vec![
        sample_incident("5", INCIDENT_WARNING, None, 99.2),
        sample_incident("4", INCIDENT_CLOSED, Some("2026-12-05T09:05:00Z"), 97.123),
    ];
    let m = Mounted::new(move || {
        let aggregate = AGGREGATE_CRASH_FREE_SESSIONS.to_owned();
        view! { <IncidentTable incidents aggregate activity/> }
    });
    assert_eq!(m.count("#incident-table .incident-row"), 2);
    let open = ".incident-row[data-incident='5']";
    let closed = ".incident-row[data-incident='4']";
    assert_eq!(m.text(&format!("{open} .incident-toggle")), "#5");
    assert_eq!(m.attr(&format!("{open} .metric-alert-status"), "data-status"), "warning");
    assert_eq!(m.text(&format!("{open} .incident-closed")), "ongoing");
    assert_eq!(m.text(&format!("{open} .incident-value")), "99.2%");
    assert_eq!(m.attr(&format!("{closed} .metric-alert-status"), "data-status"), "resolved");
    assert_eq!(m.text(&format!("{closed} .incident-duration")), "2 h 5 min");
    assert_eq!(m.text(&format!("{closed} .incident-value")), "97.12%");
    assert!(m.text(&format!("{closed} .incident-closed")).starts_with("2026-12-05"));
    assert_eq!(m.attr(&format!("{closed} .incident-toggle"), "aria-expanded"), "false");
    assert_eq!(m.count(".incident-activity-row"), 0);

    m.click(&format!("{closed} .incident-toggle"));
    settle().await;
    assert_eq!(*opened.lock().expect("lock"), ["4"]);
    assert_eq!(m.attr(&format!("{closed} .incident-toggle"), "aria-expanded"), "true");
    assert_eq!(m.count("#incident-activity-4 .incident-activity-item"), 3);
    assert_eq!(
        m.text("#incident-activity-4 .incident-activity-item:nth-child(2) .incident-activity-text"),
        "Changed from Warning to Critical at 96%"
    );
    // The row itself opens another; one at a time.
    m.click(open);
    settle().await;
    assert_eq!(m.count(".incident-activity-row"), 1);
    assert!(m.find("#incident-activity-5").is_some());
    m.click(&format!("{open} .incident-toggle"));
    settle().await;
    assert_eq!(m.count(".incident-activity-row"), 0, "closed again");

    let empty = Mounted::new(|| {
        let activity = Callback::new(|_: String| ().into_any());
        view! { <IncidentTable incidents=vec![] aggregate=String::new() activity/> }
    });
    assert_eq!(empty.text("#no-incidents .empty-title"), "No incidents yet");
    assert!(empty.find("#incident-table").is_none());
}

// ---- a metric alert's chart ----

mod metric_alert_chart {
    use cairn_dashboard::{
        components::charts::{bar_overlay_svg, bar_svg, colors, HorizontalLine, Overlay, Series},
        pages::metric_alerts::{
            chart_description, chart_period, chart_thresholds, crash_free_series, error_series,
            incident_spans, project_ids, rate_y_range, sessions_params, ChartKind, ChartThreshold,
            FigureChart, FigureSeries, MetricAlertChart,
        },
    };
    use cairn_types::api::{
        MetricAlertRule, SessionsResponse, UsageStats, AGGREGATE_COUNT,
        AGGREGATE_CRASH_FREE_SESSIONS, AGGREGATE_CRASH_FREE_USERS, AGGREGATE_USERS,
    };
    use chrono::{DateTime, Utc};
    use leptos::prelude::*;

    use super::{sample_incident, sample_metric_rule, sample_project, settle, Mounted};

    /// Start of the first of 24 hours; the incidents of `sample_incident` start at 07:00 the
    /// next day, inside them.
    const FIRST_HOUR: &str = "2026-12-04T13:00:00Z";

    fn hours() -> Vec<String> {
        let first: DateTime<Utc> = FIRST_HOUR.parse().expect("a time");
        (0..24).map(|i| (first + chrono::Duration::hours(i)).to_rfc3339()).collect()
    }

    /// The usage stats grouped by project, as the server answers the projects page: project 1
    /// had 120 errors (at most 40 in an hour), project 2 had 7.
    fn sample_stats() -> UsageStats {
        let mut one = vec![0; 24];
        (one[3], one[10], one[18], one[23]) = (40, 30, 30, 20);
        let mut two = vec![0; 24];
        two[0] = 7;
        serde_json::from_value(serde_json::json!({
            "start": FIRST_HOUR, "end": "2026-12-05T13:00:00Z", "intervals": hours(),
            "groups": [
                {"by": {"project": 1}, "totals": {"sum(quantity)": 120},
                 "series": {"sum(quantity)": one}},
                {"by": {"project": 2}, "totals": {"sum(quantity)": 7},
                 "series": {"sum(quantity)": two}}
            ]
        }))
        .expect("sample stats")
    }

    /// A crash-free rate answer (no `groupBy`): `rates` per hour, fractions or `null`.
    fn sample_rates(field: &str, rates: Vec<serde_json::Value>) -> SessionsResponse {
        serde_json::from_value(serde_json::json!({
            "start": FIRST_HOUR, "end": "2026-12-05T13:00:00Z", "intervals": hours(),
            "groups": [{"by": {}, "totals": {field: 0.99}, "series": {field: rates}}],
            "query": ""
        }))
        .expect("sample sessions")
    }

    /// 99.8 % every hour but 98.5 % at 07:00 and 98.9 % at 08:00, no sessions at 01:00 and
    /// 12:00.
    fn sample_crash_free() -> SessionsResponse {
        let mut rates = vec![serde_json::json!(0.998); 24];
        rates[12] = serde_json::Value::Null;
        (rates[18], rates[19], rates[23]) =
            (serde_json::json!(0.985), serde_json::json!(0.989), serde_json::Value::Null);
        sample_rates("crash_free_rate(session)", rates)
    }

    /// An errors rule over `window` minutes: above 100 (critical) or 50 (warning).
    fn errors_rule(window: f64) -> MetricAlertRule {
        let mut rule = sample_metric_rule("Errors", AGGREGATE_COUNT, window);
        rule.threshold_type = 0;
        rule.triggers[0].alert_threshold = 100.0;
        rule.triggers[1].alert_threshold = 50.0;
        rule
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_chart_of_a_rule_follows_what_it_measures() {
        let kind = |aggregate| ChartKind::of(aggregate).map(ChartKind::key);
        assert_eq!(kind(AGGREGATE_COUNT), Some("errors"));
        assert_eq!(kind(AGGREGATE_CRASH_FREE_SESSIONS), Some("sessions"));
        assert_eq!(kind(AGGREGATE_CRASH_FREE_USERS), Some("sessions"));
        assert_eq!(kind(AGGREGATE_USERS), Some("users"));
        assert_eq!(kind("p95(transaction.duration)"), None);
        assert_eq!(
            ChartKind::of(AGGREGATE_CRASH_FREE_USERS),
            Some(ChartKind::Sessions { field: "crash_free_rate(user)" })
        );
        assert_eq!(
            ChartKind::of(AGGREGATE_CRASH_FREE_SESSIONS).map(ChartKind::title),
            Some("Crash-free session rate per hour")
        );
        assert_eq!(chart_period(None).0, "24h");
        assert_eq!(chart_period(Some("7d")).0, "7d");
        assert_eq!(chart_period(Some("90d")).0, "24h", "only the periods offered");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn project_slugs_become_the_ids_the_apis_take() {
        let projects = vec![
            sample_project("1", "shop", "Shop", None),
            sample_project("2", "api", "API", None),
        ];
        let slugs = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            project_ids(&slugs(&["api", "shop", "api"]), &projects),
            Ok(vec!["2".into(), "1".into()])
        );
        assert_eq!(
            project_ids(&slugs(&["shop", "gone"]), &projects),
            Err("The project gone is not one of this organization's projects.".to_owned())
        );
        // Without a project the APIs would answer for every project: never asked.
        assert!(project_ids(&[], &projects).is_err());
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn errors_per_hour_are_the_rules_projects_ones() {
        let stats = sample_stats();
        let series = error_series(&stats, &["1".to_owned()]);
        assert_eq!(series.times.len(), 24);
        assert_eq!(series.times[0], FIRST_HOUR.parse::<DateTime<Utc>>().expect("time").timestamp());
        assert_eq!(series.times[1] - series.times[0], 3_600);
        assert_eq!(series.values[3], Some(40.0));
        assert_eq!(series.values[0], Some(0.0), "project 2's errors are not the rule's");
        assert!(series.has_data(ChartKind::Errors));
        let both = error_series(&stats, &["1".to_owned(), "2".to_owned()]);
        assert_eq!(both.values[0], Some(7.0));
        let none = error_series(&stats, &["9".to_owned()]);
        assert_eq!(none.values, vec![Some(0.0); 24]);
        assert!(!none.has_data(ChartKind::Errors), "no error at all: nothing to draw");
        assert_eq!(none.bounds(), (series.times[0], series.times[23] + 3_600));
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn crash_free_rates_are_fractions_in_the_api_and_percents_on_the_chart() {
        let series = crash_free_series(&sample_crash_free(), "crash_free_rate(session)");
        assert_eq!(series.times.len(), 24);
        assert!(close(series.values[0], 99.8), "{:?}", series.values[0]);
        assert!(close(series.values[18], 98.5), "{:?}", series.values[18]);
        assert_eq!(series.values[23], None, "an hour without sessions is a gap");
        let kind = ChartKind::Sessions { field: "crash_free_rate(session)" };
        assert!(series.has_data(kind));
        // Another field, or a short series, reads as gaps.
        let users = crash_free_series(&sample_crash_free(), "crash_free_rate(user)");
        assert_eq!(users.values, vec![None; 24]);
        assert!(!users.has_data(kind));
        let all_crashed = sample_rates("crash_free_rate(user)", vec![serde_json::json!(0.0)]);
        let all_crashed = crash_free_series(&all_crashed, "crash_free_rate(user)");
        assert_eq!(all_crashed.values.len(), 24);
        assert_eq!(all_crashed.values[0], Some(0.0));
        assert!(all_crashed.has_data(kind), "0 % crash-free is a figure, not an absence");

        let params = sessions_params(
            "crash_free_rate(user)",
            &["1".to_owned(), "2".to_owned()],
            Some("production"),
            "7d",
        );
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            params,
            [
                ("field", "crash_free_rate(user)"),
                ("interval", "1h"),
                ("statsPeriod", "7d"),
                ("project", "1"),
                ("project", "2"),
                ("environment", "production")
            ]
        );
        let every =
            sessions_params("crash_free_rate(session)", &["1".to_owned()], Some(" "), "24h");
        assert!(every.iter().all(|(k, _)| *k != "environment"), "{every:?}");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn thresholds_are_lines_only_in_the_charts_unit() {
        let line = |label, value, drawn| ChartThreshold { label, value, drawn };
        let crash_free = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 30.0);
        assert_eq!(
            chart_thresholds(&crash_free),
            [line("critical", 99.0, true), line("warning", 99.5, true)]
        );
        // Errors per hour against a threshold over 5 minutes: other scales.
        assert_eq!(
            chart_thresholds(&errors_rule(5.0)),
            [line("critical", 100.0, false), line("warning", 50.0, false)]
        );
        assert_eq!(
            chart_thresholds(&errors_rule(60.0)),
            [line("critical", 100.0, true), line("warning", 50.0, true)]
        );
        let mut critical_only = errors_rule(60.0);
        critical_only.triggers.truncate(1);
        assert_eq!(chart_thresholds(&critical_only), [line("critical", 100.0, true)]);
        let users = sample_metric_rule("Users", AGGREGATE_USERS, 60.0);
        assert!(chart_thresholds(&users).iter().all(|t| !t.drawn));

        // The rate's axis reaches down past the lowest value and line, up to 100 %.
        assert_eq!(rate_y_range(&[Some(99.8), None, Some(98.5)], &[99.0, 99.5]), 98.0..100.0);
        assert_eq!(rate_y_range(&[Some(99.9)], &[99.5]), 99.0..100.0);
        assert_eq!(rate_y_range(&[Some(100.0)], &[]), 99.0..100.0);
        assert_eq!(rate_y_range(&[Some(99.0)], &[]), 98.0..100.0, "never on the axis");
        assert_eq!(rate_y_range(&[Some(97.0)], &[90.0]), 80.0..100.0);
        assert_eq!(rate_y_range(&[Some(12.0)], &[]), 0.0..100.0);
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn incidents_are_spans_clipped_to_the_chart() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time").timestamp();
        let closed = sample_incident("4", 2, Some("2026-12-05T09:00:00Z"), 98.0);
        let open = sample_incident("5", 20, None, 97.0);
        let now: DateTime<Utc> = "2026-12-05T12:30:00Z".parse().expect("time");
        let (from, to) = (at(FIRST_HOUR), at("2026-12-05T13:00:00Z"));
        assert_eq!(
            incident_spans(&[closed.clone(), open], from, to, now),
            [
                (at("2026-12-05T07:00:00Z"), at("2026-12-05T09:00:00Z")),
                (at("2026-12-05T07:00:00Z"), at("2026-12-05T12:30:00Z"))
            ]
        );
        // Before the chart: none; across its start: clipped.
        let later = at("2026-12-05T10:00:00Z");
        assert!(incident_spans(std::slice::from_ref(&closed), later, to, now).is_empty());
        assert_eq!(
            incident_spans(&[closed], at("2026-12-05T08:00:00Z"), to, now),
            [(at("2026-12-05T08:00:00Z"), at("2026-12-05T09:00:00Z"))]
        );
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_charts_description_says_the_figures_the_thresholds_and_the_incidents() {
        let crash_free = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 60.0);
        let series = crash_free_series(&sample_crash_free(), "crash_free_rate(session)");
        assert_eq!(
            chart_description(&crash_free, "24h", &series, 1),
            "Crash-free session rate per hour over the last 24 hours: lowest 98.5%, latest \
             99.8%. Critical threshold below 99%, drawn as a line. Warning threshold below \
             99.5%, drawn as a line. 1 incident in this period, shaded."
        );
        let errors = error_series(&sample_stats(), &["1".to_owned()]);
        assert_eq!(
            chart_description(&errors_rule(5.0), "7d", &errors, 0),
            "Errors per hour over the last 7 days: 120 in all, at most 40 in one hour. Critical \
             threshold above 100 errors in 5 minutes, not drawn: the chart counts errors per \
             hour. Warning threshold above 50 errors in 5 minutes, not drawn: the chart counts \
             errors per hour. No incidents in this period."
        );
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn a_bar_chart_s_overlay_adds_its_lines_over_the_bars() {
        let times: Vec<i64> = (0..4).map(|i| 1_795_600_000 + i * 3_600).collect();
        let series = Series::new("Errors", colors::PRIMARY, vec![1.0, 0.0, 3.0, 2.0]);
        let plain = bar_svg(&times, &series).expect("a drawing");
        assert!(!plain.contains("<polygon"), "no overlay, no lines: {plain}");
        let line = HorizontalLine {
            value: 10.0,
            label: "Critical 10 errors".into(),
            color: (0xe5, 0x48, 0x4d),
        };
        let overlay = Overlay { lines: vec![line], spans: Vec::new() };
        let drawn = bar_overlay_svg(&times, &series, &overlay).expect("a drawing");
        assert_eq!(drawn.matches("<polygon").count(), 1, "one line: {drawn}");
        assert!(drawn.contains("Critical 10 errors"), "labelled");
        assert_eq!(drawn.matches("<rect").count(), plain.matches("<rect").count(), "the bars");
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn a_crash_free_chart_draws_its_thresholds_as_labelled_lines() {
        let rule = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 60.0);
        let series = crash_free_series(&sample_crash_free(), "crash_free_rate(session)");
        let incidents = vec![sample_incident("4", 2, Some("2026-12-05T09:00:00Z"), 98.5)];
        let expected = chart_description(&rule, "24h", &series, 1);
        let m = Mounted::new(move || view! { <FigureChart rule period="24h" series incidents/> });
        let figure = "figure#metric-alert-figure";
        assert_eq!(
            m.text(&format!("{figure} figcaption")),
            "Crash-free session rate per hour over the last 24 hours"
        );
        let drawing = format!("{figure} .chart-drawing[role=img]");
        assert_eq!(m.attr(&drawing, "aria-label"), expected);
        assert_eq!(m.count(&format!("{drawing} svg")), 1);
        // The thresholds: a red and an amber line, each labelled with its value.
        let svg = format!("{drawing} svg");
        assert_eq!(m.count(&format!("{svg} polygon[fill='#E5484D'][opacity='1']")), 1);
        assert_eq!(m.count(&format!("{svg} polygon[fill='#F5A524'][opacity='1']")), 1);
        let labels: Vec<String> = {
            let texts = m.root.query_selector_all(&format!("{svg} text")).expect("selector");
            // Plotters writes each label on a line of its own.
            let text = |i| Some(texts.item(i)?.text_content()?.trim().to_owned());
            (0..texts.length()).filter_map(text).collect()
        };
        assert!(labels.iter().any(|t| t == "Critical 99%"), "{labels:?}");
        assert!(labels.iter().any(|t| t == "Warning 99.5%"), "{labels:?}");
        // The incident, shaded; the rate, a filled area.
        assert_eq!(m.count(&format!("{svg} polygon[fill='#E5484D'][opacity='0.14']")), 1);
        assert!(m.count(&format!("{svg} polygon[fill='#3D5AFE']")) >= 2, "two runs of values");
        let legend: Vec<String> = {
            let items = m.root.query_selector_all(".chart-legend-label").expect("selector");
            (0..items.length()).filter_map(|i| items.item(i)?.text_content()).collect()
        };
        assert_eq!(
            legend,
            [
                "Crash-free session rate per hour",
                "Critical threshold: below 99%",
                "Warning threshold: below 99.5%",
                "Incidents (shaded)"
            ]
        );
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn an_errors_chart_draws_the_thresholds_only_over_an_hour() {
        let series = error_series(&sample_stats(), &["1".to_owned()]);
        let five = {
            let series = series.clone();
            let mut rule = errors_rule(5.0);
            rule.environment = Some("production".to_owned());
            Mounted::new(move || view! { <FigureChart rule period="24h" series/> })
        };
        assert_eq!(
            five.text("#metric-alert-figure figcaption"),
            "Errors per hour over the last 24 hours"
        );
        assert_eq!(five.count("#metric-alert-figure svg rect"), 4, "a bar per hour with errors");
        assert_eq!(five.count("#metric-alert-figure svg polygon"), 0, "no line, no incident");
        assert!(five
            .attr("#metric-alert-figure [role=img]", "aria-label")
            .contains("not drawn: the chart counts errors per hour"));
        assert_eq!(
            five.text(".chart-legend-item:nth-child(2) .chart-legend-label"),
            "Critical threshold: above 100 errors in 5 minutes (not drawn: the chart counts \
             errors per hour)"
        );
        assert_eq!(
            five.text("#metric-alert-chart-hint"),
            "The chart counts every error of the projects, in every environment, not only \
             production."
        );

        let hour = Mounted::new(move || {
            view! { <FigureChart rule=errors_rule(60.0) period="24h" series/> }
        });
        let svg = "#metric-alert-figure svg";
        assert_eq!(hour.count(&format!("{svg} polygon[fill='#E5484D'][opacity='1']")), 1);
        assert_eq!(hour.count(&format!("{svg} polygon[fill='#F5A524'][opacity='1']")), 1);
        assert!(hour.find("#metric-alert-chart-hint").is_none(), "the rule counts every error");
        assert_eq!(
            hour.text(".chart-legend-item:nth-child(2) .chart-legend-label"),
            "Critical threshold: above 100 errors in 1 hour"
        );
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn a_chart_without_data_says_so() {
        let rule = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 60.0);
        let series =
            FigureSeries { times: vec![1_795_600_000, 1_795_603_600], values: vec![None; 2] };
        let m = Mounted::new(move || view! { <FigureChart rule period="7d" series/> });
        assert_eq!(m.text("#metric-alert-chart-empty .empty-title"), "No data in the last 7 days");
        assert_eq!(
            m.text("#metric-alert-chart-empty p:nth-child(2)"),
            "No sessions of these projects were received."
        );
        assert!(m.find("svg").is_none());
        let mut staging = sample_metric_rule("Crash-free", AGGREGATE_CRASH_FREE_SESSIONS, 60.0);
        staging.environment = Some("staging".to_owned());
        let series = FigureSeries { times: vec![1_795_600_000], values: vec![None] };
        let m = Mounted::new(move || view! { <FigureChart rule=staging period="24h" series/> });
        assert_eq!(
            m.text("#metric-alert-chart-empty p:nth-child(2)"),
            "No sessions of these projects in staging were received."
        );

        let zero = error_series(&sample_stats(), &["9".to_owned()]);
        let m = Mounted::new(
            move || view! { <FigureChart rule=errors_rule(5.0) period="24h" series=zero/> },
        );
        assert_eq!(
            m.text("#metric-alert-chart-empty .empty-title"),
            "No data in the last 24 hours"
        );
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    async fn users_with_errors_get_a_note_and_no_request() {
        let rule = sample_metric_rule("Users", AGGREGATE_USERS, 60.0);
        let m = Mounted::new(move || {
            let org = Memo::new(|_| "acme".to_owned());
            let incidents = RwSignal::new(Vec::new());
            view! { <MetricAlertChart org rule incidents/> }
        });
        settle().await;
        assert_eq!(m.attr("#metric-alert-chart", "data-kind"), "users");
        assert_eq!(
            m.text("#metric-alert-chart-note").trim(),
            "No chart for users with errors; the figure is measured every minute."
        );
        assert!(m.find("svg").is_none());
        assert!(m.find(".loading-state").is_none(), "nothing to wait for");
    }
}

#[wasm_bindgen_test]
fn seen_by_lists_the_other_members_most_recent_first() {
    use cairn_dashboard::components::seen_by::SeenByList;
    use cairn_types::api::SeenBy;

    let person = |id: &str, name: &str, minutes_ago: i64| SeenBy {
        user: User {
            id: id.into(),
            name: name.into(),
            username: format!("{id}@example.com"),
            email: format!("{id}@example.com"),
            is_superuser: false,
        },
        last_seen: Utc::now() - Duration::minutes(minutes_ago),
    };
    let seen = vec![person("1", "Me", 0), person("2", "Ada", 5), person("3", "<b>Bob</b>", 120)];
    let m = Mounted::new(move || view! { <SeenByList seen_by=seen current_user="1"/> });
    let names: Vec<String> = (0..m.count("#issue-seen-by .seen"))
        .filter_map(|i| m.root.query_selector_all(".seen-name").ok()?.item(i))
        .filter_map(|n| n.text_content())
        .collect();
    // The caller is left out; names are text, never markup.
    assert_eq!(names, ["Ada", "<b>Bob</b>"]);
    assert_eq!(m.count("#issue-seen-by b"), 0);
    let first = m.get("#issue-seen-by .seen");
    assert_eq!(first.get_attribute("title").as_deref(), Some("2@example.com"));
    assert_eq!(m.text("#issue-seen-by .seen time"), "5 minutes ago");

    // Only the caller: no section at all.
    let alone = vec![person("1", "Me", 0)];
    let m = Mounted::new(move || view! { <SeenByList seen_by=alone current_user="1"/> });
    assert!(m.find("#issue-seen-by").is_none());
}

#[wasm_bindgen_test]
fn environment_list_hides_and_shows_by_name() {
    use cairn_dashboard::pages::project_settings::EnvironmentList;
    use cairn_types::api::Environment;

    let environment = |id: &str, name: &str, is_hidden: bool| Environment {
        id: id.into(),
        name: name.into(),
        is_hidden,
    };
    let asked = RwSignal::new(Vec::<(String, bool)>::new());
    let m = Mounted::new(move || {
        let on_toggle = Callback::new(move |change| asked.update(|a| a.push(change)));
        let environments =
            vec![environment("1", "<i>production</i>", false), environment("2", "staging", true)];
        view! { <EnvironmentList environments on_toggle/> }
    });
    assert_eq!(m.count("#environment-list .environment"), 2);
    assert_eq!(m.count("#environment-list i"), 0, "names are text");
    assert_eq!(m.text(".environment .environment-name"), "<i>production</i>");
    assert_eq!(m.count(".environment.hidden-environment"), 1);
    assert_eq!(m.text(".hidden-environment .badge"), "hidden");
    assert_eq!(m.text(".environment .environment-toggle"), "Hide");
    assert_eq!(m.text(".hidden-environment .environment-toggle"), "Show");
    m.click(".environment .environment-toggle");
    m.click(".hidden-environment .environment-toggle");
    assert_eq!(
        asked.get_untracked(),
        [("<i>production</i>".to_owned(), true), ("staging".to_owned(), false)]
    );
}

#[wasm_bindgen_test]
async fn grouping_variants_show_what_contributes_and_why_the_rest_does_not() {
    use cairn_dashboard::components::grouping_info::GroupingVariants;
    use cairn_types::api::{GroupingComponent, GroupingValue, GroupingVariant};

    let text = |id: &str, contributes: bool, hint: Option<&str>, value: &str| GroupingComponent {
        id: id.into(),
        name: None,
        contributes,
        hint: hint.map(Into::into),
        values: vec![GroupingValue::Text(value.into())],
    };
    let node = |id: &str, contributes: bool, hint: Option<&str>, values: Vec<GroupingComponent>| {
        GroupingComponent {
            id: id.into(),
            name: None,
            contributes,
            hint: hint.map(Into::into),
            values: values.into_iter().map(GroupingValue::Component).collect(),
        }
    };
    let frames = vec![
        node(
            "frame",
            false,
            Some("non app frame"),
            vec![
                text("module", true, None, "tokio::runtime"),
                text("function", true, None, "block_on"),
            ],
        ),
        node(
            "frame",
            true,
            None,
            vec![
                text("module", true, None, "<b>shop</b>::billing"),
                text(
                    "filename",
                    false,
                    Some("ignored because the module takes precedence"),
                    "billing.rs",
                ),
                text("function", true, None, "charge"),
            ],
        ),
    ];
    let exception = node(
        "exception",
        true,
        None,
        vec![
            node("stacktrace", true, None, frames),
            text("type", true, None, "ChargeError"),
            text(
                "value",
                false,
                Some("ignored because the stack trace takes precedence"),
                "declined",
            ),
        ],
    );
    let variant = |key: &str, contributes: bool, hint: Option<&str>| GroupingVariant {
        key: key.into(),
        kind: "component".into(),
        description: format!("{key} exception stack-trace"),
        hash: contributes.then(|| format!("{key}-hash")),
        hash_mismatch: false,
        contributes,
        hint: hint.map(Into::into),
        component: Some(node(key, contributes, None, vec![exception.clone()])),
        values: None,
        matched_rule: None,
    };
    let custom = GroupingVariant {
        key: "custom-fingerprint".into(),
        kind: "custom-fingerprint".into(),
        description: "fingerprint rule".into(),
        hash: Some("f00d".into()),
        hash_mismatch: true,
        contributes: true,
        hint: None,
        component: None,
        values: Some(vec!["payments".into()]),
        matched_rule: Some("error.type:ChargeError -> payments".into()),
    };
    let variants = vec![
        custom,
        variant("app", false, Some("ignored because the fingerprint rule takes precedence")),
        variant("system", false, Some("ignored because the fingerprint rule takes precedence")),
    ];
    let m = Mounted::new(move || view! { <GroupingVariants variants/> });

    // The first tab: the rule that won, its fingerprint, and that the issue lacks its hash.
    assert_eq!(m.count(".grouping-variant-tab"), 3);
    assert_eq!(
        m.attr(".grouping-variant-tab[data-key='custom-fingerprint']", "aria-selected"),
        "true"
    );
    assert_eq!(m.text(".grouping-variant-tab[data-key='app']"), "In-app (not used)");
    assert_eq!(m.text(".grouping-hash"), "f00d");
    assert_eq!(m.text(".grouping-rule code"), "error.type:ChargeError -> payments");
    assert_eq!(m.text(".grouping-values .grouping-value"), "payments");
    assert!(m.find(".grouping-mismatch").is_some());

    // The app variant: not used, and its tree shows nothing hashed until asked to.
    m.click(".grouping-variant-tab[data-key='app']");
    settle().await;
    assert_eq!(
        m.text(".grouping-status"),
        "Not used: ignored because the fingerprint rule takes precedence"
    );
    assert_eq!(m.text(".grouping-hash"), "none");
    assert_eq!(m.count(".grouping-component"), 0);
    m.click(".grouping-show-all input");
    settle().await;
    assert_eq!(m.count(".grouping-component[data-id='frame']"), 2);
    assert_eq!(m.count(".grouping-component.contributes"), 0, "nothing under a variant not used");
    assert_eq!(m.text(".grouping-component[data-id='frame'] .grouping-hint"), "non app frame");
    // Values are text, never markup.
    assert_eq!(m.count(".grouping-tree b"), 0);
    let modules: Vec<String> = (0..m.count("[data-id='module'] .grouping-value"))
        .filter_map(|i| {
            m.root.query_selector_all("[data-id='module'] .grouping-value").ok()?.item(i)
        })
        .filter_map(|n| n.text_content())
        .collect();
    assert_eq!(modules, ["tokio::runtime", "<b>shop</b>::billing"]);
}

#[wasm_bindgen_test]
async fn grouping_variants_hide_values_that_do_not_contribute() {
    use cairn_dashboard::components::grouping_info::GroupingVariants;
    use cairn_types::api::{GroupingComponent, GroupingValue, GroupingVariant};

    let text = |id: &str, contributes: bool, value: &str| GroupingComponent {
        id: id.into(),
        name: None,
        contributes,
        hint: (!contributes).then(|| "ignored".into()),
        values: vec![GroupingValue::Text(value.into())],
    };
    let frame = GroupingComponent {
        id: "frame".into(),
        name: None,
        contributes: true,
        hint: None,
        values: vec![
            GroupingValue::Component(text("module", true, "shop.views")),
            GroupingValue::Component(text("filename", false, "views.py")),
        ],
    };
    let root = GroupingComponent {
        id: "app".into(),
        name: None,
        contributes: true,
        hint: None,
        values: vec![GroupingValue::Component(frame)],
    };
    let variants = vec![GroupingVariant {
        key: "app".into(),
        kind: "component".into(),
        description: "in-app stack-trace".into(),
        hash: Some("abc".into()),
        hash_mismatch: false,
        contributes: true,
        hint: None,
        component: Some(root),
        values: None,
        matched_rule: None,
    }];
    let m = Mounted::new(move || view! { <GroupingVariants variants/> });
    assert_eq!(m.text(".grouping-status"), "Groups this event");
    assert!(m.find(".grouping-mismatch").is_none());
    assert_eq!(m.count(".grouping-component.contributes"), 2, "the frame and its module");
    assert!(m.find("[data-id='filename']").is_none());
    m.click(".grouping-show-all input");
    settle().await;
    assert_eq!(m.text("[data-id='filename'] .grouping-hint"), "ignored");
    assert!(!m.get("[data-id='filename']").class_list().contains("contributes"));
}

#[wasm_bindgen_test]
async fn share_issue_creates_shows_and_stops_the_public_link() {
    use cairn_dashboard::components::share_issue::ShareIssue;

    let asked = RwSignal::new(Vec::<Option<bool>>::new());
    let on_update =
        Callback::new(move |r: UpdateIssueRequest| asked.update(|a| a.push(r.is_public)));
    let m = Mounted::new(move || view! { <ShareIssue share_id=None on_update busy=false/> });
    assert_eq!(m.text("#issue-share .share"), "Share");
    assert!(m.find(".share-panel").is_none(), "closed until asked");
    m.click("#issue-share .share");
    settle().await;
    assert!(m.text(".share-panel .hint").contains("breadcrumbs"), "it says what stays private");
    m.click(".share-create");
    assert_eq!(asked.get_untracked(), [Some(true)]);

    let asked = RwSignal::new(Vec::<Option<bool>>::new());
    let on_update =
        Callback::new(move |r: UpdateIssueRequest| asked.update(|a| a.push(r.is_public)));
    let m = Mounted::new(move || {
        view! { <ShareIssue share_id=Some("0123456789abcdef0123456789abcdef".into()) on_update busy=false/> }
    });
    assert_eq!(m.text("#issue-share .share"), "Shared");
    m.click("#issue-share .share");
    settle().await;
    let link: web_sys::HtmlInputElement = m.get("#share-link").unchecked_into();
    assert!(
        link.value().ends_with("/share/issue/0123456789abcdef0123456789abcdef/"),
        "{}",
        link.value()
    );
    assert!(link.value().starts_with("http"), "an absolute link: {}", link.value());
    m.click(".share-stop");
    assert_eq!(asked.get_untracked(), [Some(false)]);
}

#[wasm_bindgen_test]
fn shared_issue_view_shows_the_error_as_text() {
    use cairn_dashboard::pages::shared_issue::SharedIssueView;
    use cairn_types::api::SharedIssue;

    let frame = serde_json::json!({"function": "index", "module": "shop.views",
        "filename": "shop/views.py", "lineNo": 12, "inApp": true});
    let exception = serde_json::json!({"type": "ValueError", "value": "bad",
        "stacktrace": {"frames": [frame]}});
    let event = serde_json::json!({
        "id": "e1", "eventID": "e1", "groupID": "7", "projectID": "1",
        "title": "ValueError: bad", "message": "ValueError: bad", "type": "error",
        "platform": "python",
        "dateCreated": "2026-11-25T12:00:00Z", "dateReceived": "2026-11-25T12:00:01Z",
        "entries": [{"type": "exception", "data": {"values": [exception]}}],
        "tags": [], "contexts": {}, "user": null, "sdk": null, "context": {},
        "release": null, "errors": [], "fingerprints": [],
        "previousEventID": null, "nextEventID": null
    });
    let project = serde_json::json!({"slug": "shop", "name": "Shop",
        "organization": {"slug": "acme", "name": "Acme"}});
    let issue: SharedIssue = serde_json::from_value(serde_json::json!({
        "shareId": "0123456789abcdef0123456789abcdef", "isPublic": true,
        "shortId": "SHOP-1", "title": "ValueError: <b>bad</b>", "culprit": "shop.views in index",
        "level": "error", "status": "ignored", "type": "error", "metadata": {},
        "firstSeen": "2026-11-25T12:00:00Z", "lastSeen": "2026-11-25T13:00:00Z",
        "project": project, "latestEvent": event
    }))
    .expect("sample shared issue");
    let m = Mounted::new(move || view! { <SharedIssueView issue/> });
    assert_eq!(m.text(".issue-title"), "ValueError: <b>bad</b>");
    assert_eq!(m.count(".issue-title b"), 0);
    assert_eq!(m.text(".shared-issue-org"), "Acme");
    assert_eq!(m.text(".shared-issue-project"), "Shop");
    assert_eq!(m.text(".issue-status"), "archived");
    assert!(m.find("#exceptions").is_some(), "the exception and its stack trace");
    assert!(m.text("#shared-issue").contains("index"));
}

#[wasm_bindgen_test]
fn image_attachments_are_shown_as_pictures_and_svg_stays_a_link() {
    use cairn_dashboard::components::attachments::AttachmentList;
    use cairn_types::api::EventAttachment;

    let attachment = |id: &str, name: &str, mimetype: &str| {
        serde_json::json!({"id": id, "event_id": "0123456789abcdef0123456789abcdef",
            "type": "event.attachment", "name": name, "mimetype": mimetype,
            "dateCreated": "2026-12-03T10:00:00Z", "size": 2048,
            "headers": {"Content-Type": mimetype}, "sha1": "00"})
    };
    let attachments: Vec<EventAttachment> = serde_json::from_value(serde_json::json!([
        attachment("1", "screenshot.png", "image/png"),
        attachment("2", "logo.svg", "image/svg+xml"),
        attachment("3", "<b>photo</b>.jpg", "IMAGE/JPEG; charset=binary"),
        attachment("4", "app.log", "text/plain"),
    ]))
    .expect("attachments match the wire type");
    let base = "/api/0/projects/cairn/web/events/0123456789abcdef0123456789abcdef/attachments/";
    let m = Mounted::new(move || view! { <AttachmentList base=base.to_owned() attachments/> });

    assert_eq!(m.count(".attachment"), 4, "every file stays a download link");
    assert_eq!(m.count(".attachment-preview img"), 2, "the PNG and the JPEG, not the SVG");
    assert_eq!(m.attr(".attachment-preview img", "src"), format!("{base}1/?download"));
    assert_eq!(m.attr(".attachment-preview img", "alt"), "screenshot.png");
    let captions: Vec<String> = (0..m.count(".attachment-preview figcaption"))
        .filter_map(|i| m.root.query_selector_all(".attachment-preview figcaption").ok()?.item(i))
        .filter_map(|n| n.text_content())
        .collect();
    assert_eq!(captions, ["screenshot.png", "<b>photo</b>.jpg"]);
    assert_eq!(m.count(".attachment-previews b"), 0);
}

// ---- a trace's page: the waterfall ----

/// A trace as the API answers it: a page load that called a backend request, an error in
/// each, and an orphan error.
fn sample_trace() -> cairn_types::api::Trace {
    let error = |id: char, project: &str, span: &str, title: &str, at: f64| {
        serde_json::json!({
            "event_id": id.to_string().repeat(32), "issue_id": 7, "issue_short_id": "WEB-7",
            "span": span, "project_id": 1, "project_slug": project, "title": title,
            "culprit": "x", "level": "error", "message": title, "timestamp": at,
            "event_type": "error", "generation": 0
        })
    };
    serde_json::from_value(serde_json::json!({
        "transactions": [{
            "event_id": "1".repeat(32), "span_id": "a".repeat(16), "parent_span_id": null,
            "parent_event_id": null, "project_id": 1, "project_slug": "web",
            "transaction": "/checkout <img src=x onerror=alert(1)>", "transaction.duration": 2000,
            "transaction.op": "pageload", "transaction.status": "ok",
            "start_timestamp": 1_000.0, "timestamp": 1_002.0, "generation": 0,
            "errors": [error('7', "web", &"a".repeat(16), "Checkout failed", 1_001.9)],
            "performance_issues": [],
            "children": [{
                "event_id": "2".repeat(32), "span_id": "c".repeat(16),
                "parent_span_id": "b".repeat(16), "parent_event_id": "1".repeat(32),
                "project_id": 2, "project_slug": "api", "transaction": "POST /api/checkout",
                "transaction.duration": 500, "transaction.op": "http.server",
                "transaction.status": "internal_error", "start_timestamp": 1_000.5,
                "timestamp": 1_001.0, "generation": 1,
                "errors": [error('8', "api", &"d".repeat(16), "Cart query timed out", 1_000.9)],
                "performance_issues": [], "children": []
            }]
        }],
        "orphan_errors": [error('9', "worker", "", "Job failed", 1_003.0)]
    }))
    .expect("the wire type")
}

#[wasm_bindgen_test]
fn a_traces_rows_nest_transactions_and_errors_on_one_time_scale() {
    use cairn_dashboard::components::trace::{all_errors, transaction_count};
    use cairn_dashboard::pages::trace::{duration_text, rows, summary_text, Row, Window};

    let trace = sample_trace();
    let described: Vec<String> = rows(&trace)
        .iter()
        .map(|row| match row {
            Row::Transaction { depth, transaction } => {
                assert!(transaction.children.is_empty(), "children are rows of their own");
                format!("{depth} {}", transaction.op)
            }
            Row::Error { depth, error } => format!("{depth} {}", error.title),
        })
        .collect();
    assert_eq!(
        described,
        [
            "0 pageload",
            "1 Checkout failed",
            "1 http.server",
            "2 Cart query timed out",
            "0 Job failed"
        ]
    );
    let window = Window::of(&trace).expect("a window");
    assert_eq!(window, Window { start: 1_000.0, end: 1_003.0 });
    let (left, width) = window.place(1_000.5, 1_001.0);
    assert!((left - 16.667).abs() < 0.01 && (width - 16.667).abs() < 0.01, "{left} {width}");
    // An instant is a sliver, never past the end.
    assert_eq!(window.place(1_003.0, 1_003.0), (100.0, 0.0));
    assert_eq!(window.place(1_000.0, 1_000.0).1, 0.25);
    assert_eq!(Window { start: 5.0, end: 5.0 }.place(5.0, 5.0), (0.0, 0.25));
    assert_eq!(summary_text(&trace), "2 transactions · 3 errors · 3 projects · 3.00 s");

    assert_eq!(transaction_count(&trace), 2);
    let errors: Vec<String> = all_errors(&trace).iter().map(|e| e.title.clone()).collect();
    assert_eq!(errors, ["Cart query timed out", "Checkout failed", "Job failed"]);

    assert_eq!(duration_text(0.00035), "0.35 ms");
    assert_eq!(duration_text(0.0125), "12 ms");
    assert_eq!(duration_text(1.25), "1.25 s");
    assert_eq!(duration_text(125.0), "2 min 5 s");
}

#[wasm_bindgen_test]
async fn the_waterfall_shows_each_row_as_text_and_opens_a_transaction() {
    use cairn_dashboard::pages::trace::TraceWaterfall;

    let m = Mounted::new(|| view! { <TraceWaterfall org="cairn" trace=sample_trace()/> });
    assert_eq!(m.count(".waterfall-row"), 5);
    assert_eq!(m.count(".waterfall-transaction"), 2);
    assert_eq!(m.count(".waterfall-error"), 3);
    // Names are text, never markup.
    assert_eq!(m.count("img"), 0);
    assert!(m.text(".waterfall-transaction .waterfall-name").contains("<img src=x"));
    // The backend's request is one level in, its bar where it ran, red for its failure.
    let backend = ".waterfall-transaction[data-event='22222222222222222222222222222222']";
    assert_eq!(m.attr(&format!("{backend} .waterfall-label"), "style"), "padding-left: 1.25rem");
    assert_eq!(m.text(&format!("{backend} .waterfall-status")), "internal_error");
    assert_eq!(m.attr(&format!("{backend} .waterfall-bar"), "class"), "waterfall-bar failed");
    assert_eq!(
        m.attr(&format!("{backend} .waterfall-bar"), "style"),
        "left: 16.667%; width: 16.667%"
    );
    assert_eq!(m.text(&format!("{backend} .waterfall-duration")), "500 ms");
    // Errors link to their event, marked at their time.
    let error = ".waterfall-error[data-event='88888888888888888888888888888888']";
    assert_eq!(
        m.attr(&format!("{error} a"), "href"),
        "/organizations/cairn/issues/7/?event=88888888888888888888888888888888"
    );
    assert_eq!(m.attr(&format!("{error} .waterfall-marker"), "style"), "left: 30.000%");
    assert_eq!(m.attr(&format!("{error} .waterfall-label"), "style"), "padding-left: 2.5rem");

    // Opening a transaction asks for its spans (no server here: an error state, in place).
    let toggle = format!("{backend} .waterfall-toggle");
    assert_eq!(m.attr(&toggle, "aria-expanded"), "false");
    assert_eq!(m.attr(&toggle, "aria-label"), "Spans of POST /api/checkout");
    m.click(&toggle);
    settle().await;
    assert_eq!(m.attr(&toggle, "aria-expanded"), "true");
    let loading_or_failed = format!("{backend} .waterfall-note, {backend} [role=alert]");
    assert!(m.find(&loading_or_failed).is_some(), "{}", m.text(backend));
    m.click(&toggle);
    settle().await;
    assert_eq!(m.attr(&toggle, "aria-expanded"), "false");
    assert_eq!(m.count(&format!("{backend} .waterfall-spans")), 0);
}

#[wasm_bindgen_test]
fn a_transactions_spans_nest_under_their_parents_in_start_order() {
    use cairn_dashboard::pages::trace::{span_rows, SpanRows, Window};
    use cairn_types::api::TraceSpan;

    let span = |id: &str, parent: &str, start: f64, end: f64| TraceSpan {
        span_id: id.repeat(16),
        parent_span_id: Some(parent.repeat(16)),
        op: Some(format!("op.{id}")),
        description: Some(format!("<b>{id}</b>")),
        status: None,
        start_timestamp: start,
        timestamp: end,
        tags: None,
        data: None,
    };
    // The transaction's span is `t`; `e` names a parent it does not have; `f` and `g` are
    // each other's parent (forged).
    let spans = vec![
        span("c", "b", 1.2, 1.3),
        span("b", "t", 1.1, 1.5),
        span("d", "t", 1.0, 1.05),
        span("e", "z", 1.6, 1.7),
        span("f", "g", 1.8, 1.9),
        span("g", "f", 1.85, 1.9),
    ];
    let described: Vec<String> = span_rows(&spans, &"t".repeat(16))
        .iter()
        .map(|(d, s)| format!("{d} {}", &s.span_id[..1]))
        .collect();
    assert_eq!(described, ["0 d", "0 b", "1 c", "0 e", "0 f", "1 g"]);

    let window = Window { start: 1.0, end: 2.0 };
    let m = Mounted::new(move || {
        view! { <SpanRows spans=spans.clone() transaction_span="t".repeat(16) depth=2 window/> }
    });
    assert_eq!(m.count(".waterfall-span"), 6);
    assert_eq!(m.count("b"), 0, "descriptions are text");
    let c = ".waterfall-span[data-span='cccccccccccccccc']";
    assert_eq!(m.text(&format!("{c} .waterfall-description")), "<b>c</b>");
    assert_eq!(m.attr(&format!("{c} .waterfall-label"), "style"), "padding-left: 3.75rem");
    assert_eq!(m.attr(&format!("{c} .waterfall-bar"), "style"), "left: 20.000%; width: 10.000%");
    assert_eq!(m.text(&format!("{c} .waterfall-duration")), "100 ms");
    drop(m);

    let m = Mounted::new(move || {
        view! { <SpanRows spans=Vec::new() transaction_span="t".repeat(16) depth=1 window/> }
    });
    assert_eq!(m.text(".waterfall-note"), "No spans were recorded in this transaction.");
}

#[wasm_bindgen_test]
async fn a_span_opens_to_its_data_and_a_transaction_lists_its_vitals_and_tags_as_text() {
    use cairn_dashboard::pages::trace::{span_details, transaction_facts, SpanRows, Window};
    use cairn_types::api::{TraceSpan, TransactionEvent};

    let span = TraceSpan {
        span_id: "c".repeat(16),
        parent_span_id: Some("t".repeat(16)),
        op: Some("db.sql.query".into()),
        description: Some("SELECT '<script>x</script>'".into()),
        status: Some("deadline_exceeded".into()),
        start_timestamp: 1.0,
        timestamp: 1.5,
        tags: Some(serde_json::json!({"route": "/cart"})),
        data: Some(serde_json::json!({"db.system": "postgresql", "rows": 3})),
    };
    assert_eq!(
        span_details(&span),
        [
            ("op", "db.sql.query"),
            ("description", "SELECT '<script>x</script>'"),
            ("status", "deadline_exceeded"),
            ("span_id", "cccccccccccccccc"),
            ("parent_span_id", "tttttttttttttttt"),
            ("data.db.system", "postgresql"),
            ("data.rows", "3"),
            ("tags.route", "/cart"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );

    let spans = vec![span];
    let m = Mounted::new(move || {
        view! {
            <SpanRows
                spans=spans
                transaction_span="t".repeat(16)
                depth=1
                window=Window { start: 1.0, end: 2.0 }
            />
        }
    });
    let toggle = ".waterfall-span-toggle";
    assert_eq!(m.attr(toggle, "aria-expanded"), "false");
    assert_eq!(m.count(".waterfall-span-details"), 0);
    m.click(toggle);
    settle().await;
    assert_eq!(m.attr(toggle, "aria-expanded"), "true");
    assert_eq!(m.count(".waterfall-span-details dt"), 8);
    assert_eq!(m.count("script"), 0, "span data is text");
    assert!(m.text(".waterfall-span-details").contains("postgresql"));
    drop(m);

    let event: TransactionEvent = serde_json::from_value(serde_json::json!({
        "id": "a".repeat(32), "eventID": "a".repeat(32), "groupID": null, "projectID": "1",
        "title": "/checkout", "type": "transaction", "platform": "javascript",
        "dateCreated": "2026-12-06T10:00:01Z", "dateReceived": "2026-12-06T10:00:02Z",
        "startTimestamp": 1.0, "endTimestamp": 2.0, "entries": [],
        "tags": [{"key": "browser", "value": "Firefox"}, {"key": "environment", "value": "prod"},
                 {"key": "release", "value": "web@1.0"}, {"key": "transaction", "value": "/checkout"}],
        "contexts": {},
        "measurements": {"cls": {"value": 0.05}, "lcp": {"value": 1200.0, "unit": "millisecond"},
                         "fcp": {"value": 0.8, "unit": "second"}, "frames_total": {"value": 60.0, "unit": "frame"}},
        "user": null, "sdk": null, "release": {"version": "web@1.0"}
    }))
    .expect("the wire type");
    let facts: Vec<String> =
        transaction_facts(&event).iter().map(|(k, v)| format!("{k} {v}")).collect();
    assert_eq!(
        facts,
        [
            "LCP 1.20 s",
            "FCP 800 ms",
            "CLS 0.050",
            "frames_total 60 frame",
            "release web@1.0",
            "environment prod",
            "browser Firefox"
        ]
    );
}

#[wasm_bindgen_test]
async fn packages_show_ten_by_name_until_all_are_asked_for_as_text() {
    use cairn_dashboard::components::event::{Packages, PACKAGES_SHOWN};

    let mut packages: std::collections::BTreeMap<String, String> =
        (0..12).map(|n| (format!("package-{n:02}"), format!("1.{n}.0"))).collect();
    packages.insert("<img src=x onerror=alert(1)>".into(), "<b>9</b>".into());
    let m = Mounted::new(move || view! { <Packages packages/> });
    assert_eq!(m.count("#packages tr") as usize, PACKAGES_SHOWN);
    // By name: the payload sorts first, and stays text.
    assert_eq!(m.text("#packages tr:first-child th"), "<img src=x onerror=alert(1)>");
    assert_eq!(m.text("#packages tr:first-child td"), "<b>9</b>");
    assert_eq!(m.count("#packages img, #packages b"), 0);
    assert_eq!(m.text(".packages-more"), "Show all 13");
    m.click(".packages-more");
    settle().await;
    assert_eq!(m.count("#packages tr"), 13);
    assert_eq!(m.text("#packages tr:last-child th"), "package-11");
    assert_eq!(m.text(".packages-more"), "Show fewer");
    drop(m);

    let few: std::collections::BTreeMap<String, String> =
        [("sentry-sdk".to_owned(), "2.75.0".to_owned())].into();
    let m = Mounted::new(move || view! { <Packages packages=few/> });
    assert_eq!(m.count("#packages tr"), 1);
    assert_eq!(m.count(".packages-more"), 0);
}

// ---- the performance page ----

#[wasm_bindgen_test]
async fn transactions_by_name_show_their_figures_as_text_and_open_to_their_runs() {
    use cairn_dashboard::pages::performance::{
        percent_text, performance_href, rate_text, summaries, TransactionSamples, TransactionsTable,
    };
    use cairn_types::api::DiscoverTable;

    let table: DiscoverTable = serde_json::from_value(serde_json::json!({
        "data": [
            {"transaction": "GET /cart <img src=x onerror=alert(1)>", "project": "backend",
             "transaction.op": "http.server", "count()": 4, "tpm()": 0.25, "p50()": 200.0,
             "p95()": 1250.0, "failure_rate()": 0.125},
            {"transaction": "nightly export", "project": "backend", "transaction.op": "queue.task",
             "count()": 1, "tpm()": 0.0007, "p50()": 0.35, "p95()": 0.35, "failure_rate()": 0.0},
            {"transaction": "a row without figures"}
        ],
        "meta": {}
    }))
    .expect("the wire type");
    let rows = summaries(&table);
    assert_eq!(rows.len(), 2, "a row that does not read is left out");
    assert_eq!(rate_text(0.25), "0.25/min");
    assert_eq!(rate_text(12.4), "12/min");
    assert_eq!(rate_text(0.0007), "<0.01/min");
    assert_eq!(percent_text(0.125), "12.5%");
    assert_eq!(percent_text(0.0), "0%");
    assert_eq!(percent_text(1.0), "100%");
    assert_eq!(
        performance_href("cairn", "7", "", "24h"),
        "/organizations/cairn/performance/?project=7&statsPeriod=24h"
    );
    assert_eq!(
        performance_href("cairn", "", "prod env", "7d"),
        "/organizations/cairn/performance/?environment=prod%20env&statsPeriod=7d"
    );

    let m = Mounted::new(move || {
        view! { <TransactionsTable org="cairn" rows period="24h" project=None/> }
    });
    assert_eq!(m.count("#transactions .transaction-row"), 2);
    assert_eq!(m.count("img"), 0);
    let cart = "#transactions .transaction-row:first-child";
    assert_eq!(
        m.text(&format!("{cart} .transaction-name")),
        "GET /cart <img src=x onerror=alert(1)>"
    );
    assert_eq!(m.text(&format!("{cart} .transaction-op")), "http.server");
    assert_eq!(m.text(&format!("{cart} .transaction-tpm")), "0.25/min");
    assert_eq!(m.text(&format!("{cart} .transaction-p50")), "200 ms");
    assert_eq!(m.text(&format!("{cart} .transaction-p95")), "1.25 s");
    assert_eq!(m.text(&format!("{cart} .transaction-failure-rate")), "12.5%");
    assert_eq!(m.text(&format!("{cart} .transaction-count")), "4");
    // A name opens to its runs (fetched: no server here, so loading or an error, in place).
    let toggle = format!("{cart} .transaction-name");
    assert_eq!(m.attr(&toggle, "aria-expanded"), "false");
    m.click(&toggle);
    settle().await;
    assert_eq!(m.attr(&toggle, "aria-expanded"), "true");
    assert_eq!(m.count(".transaction-samples"), 1);
    drop(m);

    let runs: DiscoverTable = serde_json::from_value(serde_json::json!({
        "data": [
            {"id": "a".repeat(32), "trace": "b".repeat(32), "project": "backend",
             "transaction.duration": 1250, "transaction.status": "internal_error",
             "timestamp": "2026-12-06T10:00:00Z"},
            {"id": "c".repeat(32), "trace": "d".repeat(32), "project": "backend",
             "transaction.duration": 12, "transaction.status": "unknown",
             "timestamp": "2026-12-06T09:00:00Z"}
        ]
    }))
    .expect("the wire type");
    let m = Mounted::new(move || view! { <TransactionSamples org="cairn" table=runs/> });
    assert_eq!(m.count(".transaction-sample"), 2);
    assert_eq!(m.text(".transaction-sample:first-child .transaction-sample-duration"), "1.25 s");
    assert_eq!(
        m.attr(".transaction-sample:first-child .transaction-sample-status", "class"),
        "transaction-sample-status failed"
    );
    assert_eq!(
        m.attr(".transaction-sample:first-child a", "href"),
        format!("/organizations/cairn/performance/trace/{}/", "b".repeat(32))
    );
    assert_eq!(
        m.attr(".transaction-sample:last-child .transaction-sample-status", "class"),
        "transaction-sample-status"
    );
}
