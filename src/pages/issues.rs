//! `/organizations/{org}/issues/`: the issue stream (Sentry's). Everything that makes the view
//! lives in the URL's query string (`query`, `sort`, `statsPeriod`, `project`, `environment`,
//! `cursor`), so a link reproduces it. Saved views as tabs, a search bar with suggestions,
//! pickers, rows with sparklines and assignees, bulk triage, cursor pages, keyboard shortcuts,
//! and live updates over server-sent events: counters and sparklines of the rows shown change
//! in place, and new issues of the view wait behind a "new issues" banner.

use cairn_types::api::{Issue, IssueUpdate, UpdateIssueRequest};
use leptos::{ev, prelude::*};
use leptos_router::hooks::{use_location, use_navigate};

use crate::{
    api,
    components::{
        issue_list::level_class,
        sparkline::{add_to_buckets, stats_counts},
        ApiError, AssigneePicker, SearchBar, Sparkline, TimeAgo,
    },
    lazy_pages, lazy_tools,
    live::{self, LiveMessage},
    org_directory::Directory,
    routes::Page,
    stream_query::{StreamQuery, PERIODS, SORTS},
};

/// The saved views shown as tabs, as `(label, search)`: Sentry's defaults.
pub const VIEWS: &[(&str, &str)] = &[
    ("Unresolved", "is:unresolved"),
    ("Prioritized", "is:unresolved issue.priority:[high, medium]"),
    ("For review", "is:unresolved is:for_review"),
    ("Assigned to me", "is:unresolved assigned:me"),
    ("My teams", "is:unresolved assigned:my_teams"),
    ("Unassigned", "is:unresolved is:unassigned"),
    ("Suggested for me", "is:unresolved assigned_or_suggested:me"),
    ("Bookmarks", "is:unresolved bookmarks:me"),
    ("Archived", "is:archived"),
];

/// Keyboard shortcuts of the stream, as `(key, what it does)`, for the help.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("/", "Focus the search"),
    ("j / k", "Move down / up the list"),
    ("x", "Select or unselect the issue"),
    ("Enter", "Open the issue"),
    ("r", "Resolve the selected issues (or this one)"),
    ("i", "Archive the selected issues (or this one) until they escalate"),
    ("a", "Assign the issue"),
    ("?", "Show or hide this help"),
];

/// Sentry's "Archive" (its default, until the issues escalate) as the bulk API takes it.
pub fn archive_until_escalating() -> UpdateIssueRequest {
    UpdateIssueRequest {
        substatus: Some("archived_until_escalating".to_owned()),
        ..status_change("ignored", None)
    }
}

/// A status change as the bulk API takes it.
pub fn status_change(status: &str, ignore_minutes: Option<i64>) -> UpdateIssueRequest {
    let details = match ignore_minutes {
        Some(minutes) => serde_json::json!({ "ignoreDuration": minutes }),
        None => serde_json::json!({}),
    };
    UpdateIssueRequest {
        status: Some(status.to_owned()),
        status_details: Some(details),
        ..UpdateIssueRequest::default()
    }
}

/// Applies a live update to an issue shown with `period` sparklines: totals, times, status,
/// level, priority (when the update has one), and the new events added to their bucket.
pub fn apply_update(issue: &mut Issue, update: &IssueUpdate, period: &str) {
    issue.count = update.count.clone();
    issue.user_count = update.user_count;
    issue.last_seen = update.last_seen;
    issue.first_seen = update.first_seen;
    issue.status = update.status.clone();
    issue.substatus = update.substatus.clone();
    issue.level = update.level.clone();
    if update.priority.is_some() {
        issue.priority = update.priority.clone();
    }
    let mut buckets = stats_counts(issue.stats.as_ref(), period);
    let mut changed = false;
    for (hour, events) in &update.hours {
        changed |= add_to_buckets(&mut buckets, *hour, *events);
    }
    if changed {
        let buckets: Vec<serde_json::Value> =
            buckets.into_iter().map(|(at, n)| serde_json::json!([at, n])).collect();
        issue.stats = Some(serde_json::json!({ period: buckets }));
    }
}

/// Whether a live update concerns the view's projects and environments.
pub fn update_in_view(update: &IssueUpdate, view: &StreamQuery) -> bool {
    (view.projects.is_empty() || view.projects.contains(&update.project))
        && (view.environments.is_empty()
            || update.environments.iter().any(|e| view.environments.contains(e)))
}

/// Whether a live update alone shows that a new issue belongs at the top of the view's first
/// page, so that the banner counts it at once instead of after the page was read again: an
/// issue these events opened, in a view sorted by last or first seen (where the newest issue
/// comes first) whose search asks for nothing but its status (`is:unresolved`, or nothing at
/// all). Other views need the server's answer to know whether the issue matches, or where it
/// goes (by events, users or priority, it need not come first).
pub fn new_at_top(update: &IssueUpdate, view: &StreamQuery) -> bool {
    update.is_new
        && view.cursor.is_none()
        && matches!(view.sort.as_str(), "date" | "new")
        && update_in_view(update, view)
        && view
            .query
            .split_whitespace()
            .all(|term| term.strip_prefix("is:").is_some_and(|status| status == update.status))
}

/// The ids of the issues waiting behind the banner: those announced by live updates and those
/// of the page read again (`fresh`) that the list does not show yet.
pub fn waiting_issue_ids(shown: &[Issue], announced: &[String], fresh: &[Issue]) -> Vec<String> {
    let mut waiting: Vec<String> = Vec::new();
    let ids = announced.iter().map(String::as_str).chain(fresh.iter().map(|i| i.id.as_str()));
    for id in ids {
        if !shown.iter().any(|issue| issue.id == id) && !waiting.iter().any(|w| w == id) {
            waiting.push(id.to_owned());
        }
    }
    waiting
}

/// The dashboard path of an issue, from its (absolute) permalink.
pub fn issue_path(issue: &Issue) -> String {
    issue
        .permalink
        .find("/organizations/")
        .map_or_else(|| issue.permalink.clone(), |at| issue.permalink[at..].to_owned())
}

/// "25 issues", "1000+ issues".
pub fn hits_label(hits: Option<i64>, max_hits: Option<i64>, shown: usize) -> String {
    let hits = hits.unwrap_or(shown as i64);
    let plus = if max_hits.is_some_and(|max| hits >= max) { "+" } else { "" };
    let noun = if hits == 1 && plus.is_empty() { "issue" } else { "issues" };
    format!("{hits}{plus} {noun}")
}

/// The issue stream route.
#[component]
pub fn IssuesPage() -> impl IntoView {
    let org = super::use_org_param();
    let location = use_location();
    let view_query = Memo::new(move |_| StreamQuery::parse(&location.search.get()));
    let navigate = use_navigate();
    let go = Callback::new(move |view: StreamQuery| {
        let path = Page::Issues { org: org.get_untracked() }.path();
        navigate(&format!("{path}?{}", view.to_query_string()), Default::default());
    });

    // Bumped to read the page again (after a bulk change, or when live updates were missed).
    let reload = RwSignal::new(0u32);
    let rows: RwSignal<Vec<Issue>> = RwSignal::new(Vec::new());
    let selected: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let focused: RwSignal<Option<usize>> = RwSignal::new(None);
    let fresh: RwSignal<Option<Vec<Issue>>> = RwSignal::new(None);
    // New issues known from the live updates alone (see `new_at_top`), before `fresh` is read.
    let announced: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    // Whether a page arrived: the environment picker's values wait for it, so the rows are
    // decoded and drawn first.
    let page_arrived = RwSignal::new(false);
    // The rows are set by the page's own task rather than by an effect on the resource: they
    // are then in place when the list first renders, instead of a tick later after an empty
    // list was drawn. They move out of the page, which keeps its counts and cursors: reading
    // the resource then copies no issue.
    let page = LocalResource::new(move || {
        reload.track();
        let (org, view) = (org.get(), view_query.get());
        async move {
            let mut page = api::issue_page(&org, &view).await;
            if let Ok(loaded) = &mut page {
                let issues = std::mem::take(&mut loaded.issues);
                let shown = issues.len();
                rows.set(issues);
                selected.set(Vec::new());
                fresh.set(None);
                announced.set(Vec::new());
                if focused.get_untracked().is_some_and(|i| i >= shown) {
                    focused.set(None);
                }
            }
            if !page_arrived.get_untracked() {
                page_arrived.set(true);
            }
            page
        }
    });
    let action_error: RwSignal<Option<api::Error>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let help = RwSignal::new(false);
    let bulk_picker = RwSignal::new(false);
    let live_connected = RwSignal::new(false);

    // What the pickers offer.
    let projects = crate::state::use_projects(org);
    let environments = LocalResource::new(move || {
        let (org, now) = (org.get(), page_arrived.get());
        async move {
            if !now {
                return Vec::new();
            }
            let environments = api::environments(&org).await.unwrap_or_default();
            environments.into_iter().map(|e| e.name).collect::<Vec<_>>()
        }
    });
    // The members and teams that the pickers and the search suggestions offer, fetched by
    // the first of them opened.
    let directory = Directory::new(org.into());

    // Bulk changes through `PUT /issues/?id=...`, then the page again.
    let run_bulk = Callback::new(move |(ids, request): (Vec<String>, UpdateIssueRequest)| {
        if ids.is_empty() {
            return;
        }
        let org = org.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::bulk_update(&org, &ids, &request).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    action_error.set(None);
                    reload.update(|n| *n += 1);
                }
                Err(error) => action_error.set(Some(error)),
            }
        });
    });
    // What the shortcuts act on: the selection, or else the focused row.
    let targets = move || {
        let chosen = selected.get_untracked();
        if !chosen.is_empty() {
            return chosen;
        }
        focused
            .get_untracked()
            .and_then(|i| rows.with_untracked(|r| r.get(i).map(|issue| issue.id.clone())))
            .into_iter()
            .collect()
    };

    // Live: rows shown change in place; new issues of the view wait behind the banner.
    let checking = RwSignal::new(false);
    let check_again = RwSignal::new(false);
    let check_new = move || {
        if view_query.get_untracked().cursor.is_some() {
            return; // Only the first page gets new issues, as in Sentry.
        }
        if checking.get_untracked() {
            check_again.set(true);
            return;
        }
        checking.set(true);
        fn run(
            org: String,
            view: StreamQuery,
            rows: RwSignal<Vec<Issue>>,
            fresh: RwSignal<Option<Vec<Issue>>>,
            checking: RwSignal<bool>,
            check_again: RwSignal<bool>,
        ) {
            leptos::task::spawn_local(async move {
                if let Ok(latest) = api::issue_page(&org, &view).await {
                    let known: Vec<String> =
                        rows.with_untracked(|r| r.iter().map(|i| i.id.clone()).collect());
                    let any_new = latest.issues.iter().any(|issue| !known.contains(&issue.id));
                    if any_new {
                        fresh.set(Some(latest.issues));
                    }
                }
                if check_again.get_untracked() {
                    check_again.set(false);
                    run(org, view, rows, fresh, checking, check_again);
                } else {
                    checking.set(false);
                }
            });
        }
        run(org.get_untracked(), view_query.get_untracked(), rows, fresh, checking, check_again);
    };
    let on_live = Callback::new(move |message: LiveMessage| match message {
        LiveMessage::Issue(update) => {
            let view = view_query.get_untracked();
            if !update_in_view(&update, &view) {
                return;
            }
            let mut shown = false;
            rows.update(|rows| {
                for issue in rows.iter_mut().filter(|issue| issue.id == update.id) {
                    apply_update(issue, &update, &view.stats_period);
                    shown = true;
                }
            });
            if !shown {
                if new_at_top(&update, &view)
                    && announced.with_untracked(|a| !a.contains(&update.id))
                {
                    announced.update(|a| a.push(update.id.clone()));
                }
                // Read the page again all the same: it holds the new rows to show on a click,
                // and it decides for the updates `new_at_top` cannot.
                check_new();
            }
        }
        LiveMessage::Ready { reconnected: true } => check_new(),
        LiveMessage::Ready { reconnected: false } => {}
        LiveMessage::Reload => reload.update(|n| *n += 1),
    });
    // One subscription per organization shown.
    Effect::new(move |previous: Option<(String, Owner)>| {
        let org = org.get();
        if let Some((old, owner)) = previous {
            if old == org {
                return (old, owner);
            }
        }
        let owner = Owner::new();
        owner.with(|| live::subscribe(org.clone(), on_live, live_connected));
        (org, owner)
    });

    let search_input = NodeRef::<leptos::html::Input>::new();
    let navigate_issue = use_navigate();
    let open_issue = Callback::new(move |path: String| navigate_issue(&path, Default::default()));
    let shortcuts = window_event_listener(ev::keydown, move |event: web_sys::KeyboardEvent| {
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let target = event
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .map(|el| el.tag_name())
            .unwrap_or_default();
        // Keys typed into a field are text; Enter on a link or button is theirs.
        let typing = matches!(target.as_str(), "INPUT" | "TEXTAREA" | "SELECT");
        let pressing = matches!(target.as_str(), "A" | "BUTTON") && event.key() == "Enter";
        if typing || pressing {
            return;
        }
        let count = rows.with_untracked(Vec::len);
        match event.key().as_str() {
            "/" => {
                event.prevent_default();
                if let Some(input) = search_input.get_untracked() {
                    let _ = input.focus();
                }
            }
            "j" if count > 0 => {
                let next = focused.get_untracked().map_or(0, |i| (i + 1).min(count - 1));
                focused.set(Some(next));
                if let Some(row) = row_element(next) {
                    row.scroll_into_view_with_bool(false);
                }
            }
            "k" if count > 0 => {
                let next = focused.get_untracked().map_or(0, |i| i.saturating_sub(1));
                focused.set(Some(next));
                if let Some(row) = row_element(next) {
                    row.scroll_into_view_with_bool(false);
                }
            }
            "x" => {
                if let Some(id) = focused
                    .get_untracked()
                    .and_then(|i| rows.with_untracked(|r| r.get(i).map(|x| x.id.clone())))
                {
                    selected.update(|s| toggle(s, &id));
                }
            }
            "Enter" => {
                if let Some(path) = focused
                    .get_untracked()
                    .and_then(|i| rows.with_untracked(|r| r.get(i).map(issue_path)))
                {
                    open_issue.run(path);
                }
            }
            "r" => run_bulk.run((targets(), status_change("resolved", None))),
            "i" => run_bulk.run((targets(), archive_until_escalating())),
            "a" => {
                event.prevent_default();
                if !selected.with_untracked(Vec::is_empty) {
                    bulk_picker.set(true);
                } else if let Some(button) = focused
                    .get_untracked()
                    .and_then(row_element)
                    .and_then(|row| row.query_selector(".assignee-button").ok().flatten())
                {
                    // The row's own button opens its picker, as a click would: rows hold no
                    // per-row state for the shortcut.
                    if let Ok(button) =
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(button)
                    {
                        button.click();
                    }
                }
            }
            "?" => help.update(|h| *h = !*h),
            "Escape" => help.set(false),
            _ => {}
        }
    });
    on_cleanup(move || shortcuts.remove());

    let on_search = Callback::new(move |query: String| {
        go.run(view_query.get_untracked().searching(&query));
    });
    let set_view = move |change: fn(&mut StreamQuery, String)| {
        move |ev: ev::Event| {
            let mut view = view_query.get_untracked().first_page();
            change(&mut view, event_target_value(&ev));
            go.run(view);
        }
    };

    let tabs = move || {
        let current = view_query.get();
        VIEWS
            .iter()
            .map(|(label, query)| {
                let active = current.query.trim() == *query;
                let target = current.clone().searching(query);
                view! {
                    <li>
                        <button
                            type="button"
                            class="stream-tab"
                            class:active=active
                            aria-current=active.then_some("page")
                            on:click=move |_| go.run(target.clone())
                        >
                            {*label}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };

    let pickers = move || {
        let view = view_query.get();
        let project = view.projects.first().cloned().unwrap_or_default();
        let environment = view.environments.first().cloned().unwrap_or_default();
        let project_options = projects()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let selected = p.id == project;
                view! { <option value=p.id selected=selected>{p.name}</option> }
            })
            .collect_view();
        let mut env_names = environments.get().unwrap_or_default();
        if !environment.is_empty() && !env_names.contains(&environment) {
            env_names.push(environment.clone());
        }
        let env_options = env_names
            .into_iter()
            .map(|e| {
                let selected = e == environment;
                view! { <option value=e selected=selected>{e.clone()}</option> }
            })
            .collect_view();
        let period_options = PERIODS
            .iter()
            .map(|(value, label)| {
                view! { <option value=*value selected=view.stats_period == *value>{*label}</option> }
            })
            .collect_view();
        let sort_options = SORTS
            .iter()
            .map(|(value, label)| {
                view! { <option value=*value selected=view.sort == *value>{*label}</option> }
            })
            .collect_view();
        view! {
            <div class="stream-pickers">
                <label class="picker">
                    <span class="picker-label">"Project"</span>
                    <select
                        id="project-picker"
                        on:change=set_view(|view, value| {
                            view.projects = if value.is_empty() { Vec::new() } else { vec![value] };
                        })
                    >
                        <option value="" selected=project.is_empty()>"All projects"</option>
                        {project_options}
                    </select>
                </label>
                <label class="picker">
                    <span class="picker-label">"Environment"</span>
                    <select
                        id="environment-picker"
                        on:change=set_view(|view, value| {
                            view.environments = if value.is_empty() { Vec::new() } else { vec![value] };
                        })
                    >
                        <option value="" selected=environment.is_empty()>"All environments"</option>
                        {env_options}
                    </select>
                </label>
                <label class="picker">
                    <span class="picker-label">"Time"</span>
                    <select id="period-picker" on:change=set_view(|view, value| view.stats_period = value)>
                        {period_options}
                    </select>
                </label>
                <label class="picker">
                    <span class="picker-label">"Sort"</span>
                    <select id="sort-picker" on:change=set_view(|view, value| view.sort = value)>
                        {sort_options}
                    </select>
                </label>
            </div>
        }
    };

    // The select-all box and the live state; the actions while issues are selected (their
    // code is in the tools module: src/components/bulk_actions.rs).
    let any_selected = Memo::new(move |_| selected.with(|s| !s.is_empty()));
    let all_selected = move || {
        selected
            .with(|chosen| rows.with(|r| !r.is_empty() && r.iter().all(|i| chosen.contains(&i.id))))
    };
    let bulk_actions = move || {
        any_selected.get().then(|| {
            lazy_tools::tool(lazy_tools::Tool::BulkActions {
                selected,
                busy: busy.into(),
                assign_open: bulk_picker,
                directory,
                run: run_bulk,
            })
        })
    };
    let bulk_bar = view! {
        <div class="bulk-bar" id="bulk-bar">
            <input
                type="checkbox"
                class="select-all"
                aria-label="Select all issues on this page"
                prop:checked=all_selected
                on:change=move |_| {
                    if all_selected() {
                        selected.set(Vec::new());
                    } else {
                        selected.set(rows.with_untracked(|r| r.iter().map(|i| i.id.clone()).collect()));
                    }
                }
            />
            {bulk_actions}
            <span class="spacer"></span>
            <span class="live-state" class:connected=move || live_connected.get() title="Live updates">
                {move || live_label(live_connected.get())}
            </span>
        </div>
    };

    let banner = move || {
        let n = rows.with(|shown| {
            announced.with(|announced| {
                fresh.with(|fresh| {
                    waiting_issue_ids(shown, announced, fresh.as_deref().unwrap_or_default()).len()
                })
            })
        });
        (n > 0).then(|| {
            let noun = if n == 1 { "issue" } else { "issues" };
            view! {
                <button
                    type="button"
                    id="new-issues"
                    class="new-issues-banner"
                    on:click=move |_| {
                        // The page read again holds every announced issue: show it. Otherwise
                        // (clicked before it arrived) read the page now.
                        let complete = fresh.with_untracked(|fresh| {
                            fresh.as_ref().is_some_and(|latest| {
                                announced.with_untracked(|a| {
                                    a.iter().all(|id| latest.iter().any(|i| &i.id == id))
                                })
                            })
                        });
                        match fresh.get_untracked() {
                            Some(latest) if complete => rows.set(latest),
                            _ => reload.update(|n| *n += 1),
                        }
                        fresh.set(None);
                        announced.set(Vec::new());
                    }
                >
                    {format!("{n} new {noun}: show them")}
                </button>
            }
        })
    };

    let list_shape = Memo::new(move |_| {
        if !rows.with(Vec::is_empty) {
            ListShape::Rows
        } else if projects().is_some_and(|p| p.is_empty()) {
            // Onboarding: an organization without a project has nothing to show yet.
            ListShape::NoProject
        } else {
            ListShape::Empty
        }
    });
    let list = move || match page.get() {
        None => view! { <StreamSkeleton/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(loaded)) => {
            let period = view_query.with_untracked(|v| v.stats_period.clone());
            let (previous, next) = (loaded.previous.clone(), loaded.next.clone());
            let hits = move || hits_label(loaded.hits, loaded.max_hits, rows.with(Vec::len));
            let page_to = move |cursor: Option<String>| {
                let mut view = view_query.get_untracked();
                view.cursor = cursor;
                go.run(view);
            };
            let (prev_cursor, next_cursor) = (previous.clone(), next.clone());
            view! {
                {move || {
                    // Only a change between empty states and rows builds this again: the rows
                    // themselves are `For`'s, so a live update or the projects arriving later
                    // do not rebuild the whole list.
                    let shape = list_shape.get();
                    if shape == ListShape::NoProject {
                        let href = Page::NewProject { org: org.get_untracked() }.path();
                        view! {
                            <div class="empty-state" id="issue-list">
                                <p class="empty-title">"Your organization has no project yet."</p>
                                <p>"Create one and set up its SDK: its errors show up here."</p>
                                <a id="empty-create-project" class="button button-primary" href=href>"Create project"</a>
                            </div>
                        }
                            .into_any()
                    } else if shape == ListShape::Empty {
                        view! {
                            <div class="empty-state" id="issue-list">
                                <p class="empty-title">"No issues match this view."</p>
                                <p>"Errors sent to one of your projects' DSN show up here; try another search or time range."</p>
                            </div>
                        }
                            .into_any()
                    } else {
                        let period = period.clone();
                        // The issue page's wasm module starts on its way when the pointer
                        // or the focus first reaches the list (src/lazy_pages.rs).
                        view! {
                            <div
                                id="issue-list"
                                on:pointerover=|_| preload_row_tools()
                                on:focusin=|_| preload_row_tools()
                            >
                                <div class="issue-list-header stream-header" aria-hidden="true">
                                    <span class="issue-list-header-title">"Issue"</span>
                                    <span class="issue-graph">{period_label(&period)}</span>
                                    <span class="issue-last-seen">"Last seen"</span>
                                    <span class="issue-count">"Events"</span>
                                    <span class="issue-users">"Users"</span>
                                    <span class="issue-assignee">"Assignee"</span>
                                </div>
                                <ul class="issue-rows">
                                    <For
                                        each=move || rows.get().into_iter().enumerate()
                                        key=|(index, issue)| row_key(*index, issue)
                                        let:((index, issue))
                                    >
                                        {
                                            let id = issue.id.clone();
                                            let toggle_id = id.clone();
                                            let assign_id = id.clone();
                                            view! {
                                                <StreamRow
                                                    issue
                                                    period=period.clone()
                                                    selected=Signal::derive(move || selected.with(|s| s.contains(&id)))
                                                    focused=Signal::derive(move || focused.get() == Some(index))
                                                    on_toggle=Callback::new(move |()| selected.update(|s| toggle(s, &toggle_id)))
                                                    on_assign=Callback::new(move |value: Option<String>| {
                                                        let request = UpdateIssueRequest { assigned_to: Some(value), ..UpdateIssueRequest::default() };
                                                        run_bulk.run((vec![assign_id.clone()], request));
                                                    })
                                                    directory
                                                />
                                            }
                                        }
                                    </For>
                                </ul>
                            </div>
                        }
                            .into_any()
                    }
                }}
                <nav class="pagination" aria-label="Pages">
                    <span class="hit-count" id="hit-count">{hits}</span>
                    <span class="spacer"></span>
                    <button
                        type="button"
                        class="button button-secondary page-previous"
                        disabled=previous.is_none()
                        on:click=move |_| page_to(prev_cursor.clone())
                    >
                        "Previous"
                    </button>
                    <button
                        type="button"
                        class="button button-secondary page-next"
                        disabled=next.is_none()
                        on:click=move |_| page_to(next_cursor.clone())
                    >
                        "Next"
                    </button>
                </nav>
            }
                .into_any()
        }
    };

    view! {
        <section class="page stream-page">
            <header class="page-header">
                <h1>"Issues"</h1>
                <span class="spacer"></span>
                <button
                    type="button"
                    class="button button-secondary help-button"
                    on:pointerover=|_| lazy_tools::preload()
                    on:click=move |_| help.update(|h| *h = !*h)
                >
                    "Shortcuts (?)"
                </button>
            </header>
            <ul class="stream-tabs" role="tablist">{tabs}</ul>
            <div class="stream-controls">
                <SearchBar
                    value=Signal::derive(move || view_query.with(|v| v.query.clone()))
                    on_search
                    org
                    directory
                    input_ref=search_input
                />
                {pickers}
            </div>
            {move || action_error.get().map(|error| view! { <ApiError error/> })}
            {bulk_bar}
            {banner}
            {list}
            {move || {
                help.get().then(|| {
                    let on_close = Callback::new(move |()| help.set(false));
                    lazy_tools::tool(lazy_tools::Tool::ShortcutHelp { on_close })
                })
            }}
        </section>
    }
    .into_any()
}

/// What the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListShape {
    /// The organization has no project yet: how to create one.
    NoProject,
    /// Nothing matches the view.
    Empty,
    /// The rows.
    Rows,
}

/// Starts fetching what a row leads to: the issue page's wasm module and the tools' one (the
/// assignee picker's list), so that they are on their way before the click.
fn preload_row_tools() {
    lazy_pages::preload_issue_page();
    lazy_tools::preload();
}

/// The `index`th row of the list (`li.stream-row`), for the shortcuts that act on the DOM.
fn row_element(index: usize) -> Option<web_sys::HtmlElement> {
    let selector = format!("#issue-list .issue-rows > li:nth-child({})", index + 1);
    let row = web_sys::window()?.document()?.query_selector(&selector).ok()??;
    wasm_bindgen::JsCast::dyn_into(row).ok()
}

fn period_label(period: &str) -> &'static str {
    match period {
        "24h" => "Last 24 hours",
        _ => "Last 14 days",
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "resolved" => "resolved",
        "ignored" => "ignored",
        _ => "unresolved",
    }
}

fn live_label(connected: bool) -> &'static str {
    match connected {
        true => "Live",
        false => "Offline",
    }
}

/// Adds or removes `id`.
fn toggle(ids: &mut Vec<String>, id: &str) {
    if let Some(at) = ids.iter().position(|x| x == id) {
        ids.remove(at);
    } else {
        ids.push(id.to_owned());
    }
}

/// What makes a row render again: its place and everything a live update or triage changes.
fn row_key(index: usize, issue: &Issue) -> String {
    format!(
        "{index}:{}:{}:{}:{}:{}:{}:{}",
        issue.id,
        issue.count,
        issue.user_count,
        issue.status,
        issue.last_seen.timestamp_millis(),
        issue.assigned_to.as_ref().map(ToString::to_string).unwrap_or_default(),
        issue.priority.as_deref().unwrap_or_default()
    )
}

/// One row of the stream (`li.issue-row`): checkbox, level, title, priority, short id, culprit,
/// the sparkline, last and first seen, event and user counts, assignee and status.
#[component]
pub fn StreamRow(
    /// The issue.
    issue: Issue,
    /// `24h` or `14d`: which of the issue's `stats` the sparkline shows.
    #[prop(into)]
    period: String,
    /// Whether the row is selected.
    #[prop(into)]
    selected: Signal<bool>,
    /// Whether the keyboard cursor is on the row.
    #[prop(into)]
    focused: Signal<bool>,
    /// Called when the checkbox is clicked.
    on_toggle: Callback<()>,
    /// Called with the assignee chosen in the row's picker.
    on_assign: Callback<Option<String>>,
    /// Whom the assignee picker offers: the page's directory.
    directory: Directory,
) -> impl IntoView {
    let href = issue_path(&issue);
    let counts: Vec<i64> =
        stats_counts(issue.stats.as_ref(), &period).into_iter().map(|(_, n)| n).collect();
    let label = match period.as_str() {
        "24h" => "last 24 hours",
        _ => "last 14 days",
    };
    let level = issue.level.clone();
    let status = issue.status.clone();
    let status_text = match (status.as_str(), issue.substatus.as_deref()) {
        ("unresolved", Some("new")) => "new".to_owned(),
        ("unresolved", Some("regressed")) => "regressed".to_owned(),
        ("unresolved", Some("escalating")) => "escalating".to_owned(),
        ("unresolved", _) => "unresolved".to_owned(),
        ("ignored", _) => "archived".to_owned(),
        (other, _) => other.to_owned(),
    };
    // Sentry's stream labels; the class from this list only, never from the data.
    let priority = match issue.priority.as_deref() {
        Some("high") => Some(("priority priority-high", "High")),
        Some("medium") => Some(("priority priority-medium", "Med")),
        Some("low") => Some(("priority priority-low", "Low")),
        _ => None,
    };
    // No effect, resource or node reference per row: a page builds a hundred of them at once.
    // The shortcuts reach a row through the DOM (`row_element`).
    let unseen = !issue.has_seen;
    view! {
        <li
            class="issue-row stream-row"
            class:selected=move || selected.get()
            class:focused=move || focused.get()
            class:unseen=unseen
            data-issue-id=issue.id
        >
            <input
                type="checkbox"
                class="row-select"
                aria-label="Select"
                prop:checked=move || selected.get()
                on:change=move |_| on_toggle.run(())
            />
            <span class=format!("issue-level {}", level_class(&level)) title=level></span>
            <div class="issue-main">
                <div class="issue-title">
                    <a class="issue-link" href=href>{issue.title.clone()}</a>
                </div>
                <div class="issue-meta">
                    {priority.map(|(class, label)| view! { <span class=class title="Priority">{label}</span> })}
                    <span class="issue-short-id">{issue.short_id.clone()}</span>
                    <span class="issue-culprit">{issue.culprit.clone()}</span>
                    <span class="issue-first-seen">"first seen " <TimeAgo time=issue.first_seen/></span>
                    {issue.is_bookmarked.then(|| view! { <span class="issue-bookmarked" title="Bookmarked">"★"</span> })}
                </div>
            </div>
            <div class="issue-graph">
                <Sparkline counts=counts label=label/>
            </div>
            <div class="issue-last-seen">
                <TimeAgo time=issue.last_seen/>
            </div>
            <div class="issue-count" title="Events">{issue.count.clone()}</div>
            <div class="issue-users" title="Users">{issue.user_count}</div>
            <div class="issue-assignee">
                <AssigneePicker
                    current=issue.assigned_to.clone().unwrap_or(serde_json::Value::Null)
                    on_assign
                    directory
                />
            </div>
            <span class=format!("issue-status status-{}", status_class(&status))>
                {status_text}
            </span>
        </li>
    }
    .into_any()
}

/// Placeholder rows while the first page loads.
#[component]
pub fn StreamSkeleton() -> impl IntoView {
    view! {
        <div class="stream-skeleton" role="status" aria-live="polite" aria-label="Loading issues">
            {(0..6).map(|_| view! {
                <div class="skeleton-row">
                    <span class="skeleton-block skeleton-title"></span>
                    <span class="skeleton-block skeleton-meta"></span>
                </div>
            }).collect_view()}
        </div>
    }
}

/// The keyboard shortcuts (`#shortcut-help`).
#[component]
pub fn ShortcutHelp(
    /// Called by the close button.
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="shortcut-help" id="shortcut-help" role="dialog" aria-label="Keyboard shortcuts">
            <h2>"Keyboard shortcuts"</h2>
            <dl>
                {SHORTCUTS.iter().map(|(key, what)| view! {
                    <div class="shortcut">
                        <dt><kbd>{*key}</kbd></dt>
                        <dd>{*what}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <button type="button" class="button button-secondary" on:click=move |_| on_close.run(())>"Close"</button>
        </div>
    }
}
