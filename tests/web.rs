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
        breadcrumbs::relative_to_event, relative_time, Breadcrumb, Breadcrumbs, ErrorState,
        EventDetails, ExceptionList, ExceptionValue, Frame, IssueList, IssueRow, StackTrace,
        SuspectCommitList,
    },
    pages::{
        inbox::NotificationList,
        issue::{ActivityLog, IssueHeader},
        login::{LoginAction, LoginForm},
        projects::{ProjectList, ProjectWithKeys},
        setup::{SetupAction, SetupForm},
    },
    routes::Page,
};
use cairn_types::api::{
    ErrorBody, Event, Issue, IssueDetails, LoginRequest, Project, ProjectKey, SetupRequest,
    UpdateIssueRequest, User,
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
    assert!(time.get_attribute("datetime").is_some_and(|dt| dt.starts_with("20")));
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
            "custom": {"shard": 3}
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
        (key(0), key(1), key(2)),
        (Some("browser".into()), Some("runtime".into()), Some("custom".into()))
    );
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

fn sample_details(status: &str, bookmarked: bool) -> IssueDetails {
    let mut issue = sample_issue("7", "ValueError: bad");
    issue.status = status.into();
    issue.is_bookmarked = bookmarked;
    IssueDetails { issue, activity: Vec::new() }
}

#[wasm_bindgen_test]
async fn issue_header_buttons_send_the_changes() {
    let sent: Arc<Mutex<Vec<UpdateIssueRequest>>> = Arc::default();
    let seen = Arc::clone(&sent);
    let m = Mounted::new(move || {
        let on_update =
            Callback::new(move |r: UpdateIssueRequest| seen.lock().expect("lock").push(r));
        view! { <IssueHeader details=sample_details("unresolved", false) on_update busy=false/> }
    });
    assert_eq!(m.text("#issue-header .issue-title"), "ValueError: bad");
    assert_eq!(m.text("#issue-header .issue-status"), "unresolved");
    assert!(m.find("button.unresolve").is_none(), "already unresolved");
    m.click("button.resolve");
    m.click("button.ignore");
    m.click("button.bookmark");
    settle().await;
    let sent = sent.lock().expect("lock");
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].status.as_deref(), Some("resolved"));
    assert_eq!(sent[1].status.as_deref(), Some("ignored"));
    assert_eq!((sent[2].status.clone(), sent[2].is_bookmarked), (None, Some(true)));
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
