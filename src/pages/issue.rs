//! `/organizations/{org}/issues/{id}/` (Sentry's URL): one issue. A header with its status,
//! counts and triage buttons; a Details tab with navigation between its events (the event shown
//! is the `?event=` query: `latest` by default, `oldest` or an id, so a link reproduces the
//! view), the event's data and the activity log with comments; an Events tab listing its events;
//! a Tags tab with every tag's top values and, for one tag, all its values; an Attachments tab
//! with the files sent with its events;
//! a Merged Issues tab listing its fingerprints, some of which it can unmerge; a Similar Issues
//! tab listing the issues that look like it, some of which it can merge; a sidebar with
//! the events-over-time chart and the tag facets; keyboard shortcuts (`?`).

use cairn_types::api::{Event, IssueDetails, Member, NewComment, Team, UpdateIssueRequest};
use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};
use serde_json::json;

use crate::{
    api,
    components::{
        attachments::EventAttachments,
        code_links::CodeLinks,
        confirm::ConfirmDelete,
        event::EventDetails,
        events_table::IssueEvents,
        grouping_info::GroupingInfo,
        highlights::EventHighlights,
        issue_actions::{
            ignore_request, resolve_request, Ignore, IgnoreMenu, PrioritySelect, Resolution,
            ResolveMenu,
        },
        issue_attachments::IssueAttachments,
        issue_chart::IssueChart,
        issue_list::level_class,
        issue_tags::IssueTags,
        merged_issues::IssueMergedHashes,
        share_issue::{ShareIssue, SharePanelOpen},
        shortcuts::{use_shortcuts, Shortcut, ShortcutHelp},
        similar_issues::IssueSimilarIssues,
        tag_facets::TagFacets,
        trace::{trace_id_of, EventTrace},
        user_feedback::IssueUserFeedback,
        ApiError, AssigneePicker, Loading, SuspectCommits, TimeAgo,
    },
    routes::{Page, EVENT_QUERY, ISSUE_PARAM},
    state::use_session,
};

pub use crate::components::activity::{activity_label, ActivityLog};

/// A status change without details (resolve now, unresolve, ignore forever), as sent with `PUT`.
pub fn status_request(status: &str) -> UpdateIssueRequest {
    crate::components::issue_actions::status_request(status, json!({}))
}

/// The tabs of the issue page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    /// The event shown, its data and the activity.
    Details,
    /// The list of the issue's events.
    Events,
    /// Every tag of the issue with its values.
    Tags,
    /// The files sent with the issue's events.
    Attachments,
    /// The issue's fingerprints (grouping hashes), to unmerge some.
    Merged,
    /// The issues that look like this one, to merge some.
    Similar,
    /// What people who met the error wrote about it.
    Feedback,
}

/// The issue route.
#[component]
pub fn IssuePage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let query = use_query_map();
    let navigate = use_navigate();
    let id = Memo::new(move |_| params.read().get(ISSUE_PARAM).unwrap_or_default());
    let event_id = Memo::new(move |_| {
        query.read().get(EVENT_QUERY).filter(|e| !e.is_empty()).unwrap_or_else(|| "latest".into())
    });
    let tab = RwSignal::new(Tab::Details);
    // Following a link to another of the issue's events (from the Events or Merged Issues
    // tab, or the keyboard) shows it, on the Details tab.
    Effect::new(move |shown: Option<String>| {
        let now = event_id.get();
        if shown.is_some_and(|shown| shown != now) {
            tab.set(Tab::Details);
        }
        now
    });
    let help = RwSignal::new(false);

    // Bumped after an update or a comment, so the issue (and its activity) is fetched again.
    let version = RwSignal::new(0u32);
    let details = LocalResource::new(move || {
        version.track();
        let (org, id) = (org.get(), id.get());
        async move { api::issue_details(&org, &id).await }
    });
    let event = LocalResource::new(move || {
        let (org, id, event) = (org.get(), id.get(), event_id.get());
        async move { api::issue_event(&org, &id, &event).await }
    });
    let tags = LocalResource::new(move || {
        version.track();
        let (org, id) = (org.get(), id.get());
        async move { api::issue_tags(&org, &id).await }
    });
    // The project's releases, for "Resolve in release"; fetched once the project is known.
    let project_id = Memo::new(move |_| {
        details.get().and_then(Result::ok).map(|d| d.issue.project.id).unwrap_or_default()
    });
    let releases = LocalResource::new(move || {
        let (org, project) = (org.get(), project_id.get());
        async move {
            if project.is_empty() {
                return Vec::new();
            }
            let releases = api::project_releases(&org, &project).await.unwrap_or_default();
            releases.into_iter().map(|r| r.version).collect::<Vec<_>>()
        }
    });
    let release_versions = Signal::derive(move || releases.get().unwrap_or_default());
    // The project's code mappings, so that the event's frames link to their lines on the code
    // host (`FrameRow`); none until the project is known, or when they cannot be read.
    let code_mappings = LocalResource::new(move || {
        let (org, project) = (org.get(), project_id.get());
        async move {
            if project.is_empty() {
                return Vec::new();
            }
            api::code_mappings(&org, &project).await.unwrap_or_default()
        }
    });
    provide_context(SharePanelOpen(RwSignal::new(false)));
    provide_context(CodeLinks(Signal::derive(move || code_mappings.get().unwrap_or_default())));
    let session = use_session();
    // The members and teams that the comment box offers to mention, fetched when one is typed.
    let directory = crate::org_directory::Directory::new(org.into());
    let current_user = Signal::derive(move || {
        session.and_then(|s| s.user.get()).map(|user| user.id).unwrap_or_default()
    });

    let update = Action::new_local(move |request: &UpdateIssueRequest| {
        let request = request.clone();
        let (org, id) = (org.get_untracked(), id.get_untracked());
        async move { api::update_issue(&org, &id, &request).await }
    });
    let comment = Action::new_local(move |text: &String| {
        let text = text.clone();
        let (org, id) = (org.get_untracked(), id.get_untracked());
        async move {
            // Who the comment mentions (`@email`, `#team`), known only once the organization's
            // members and teams are: fetched for comments that may mention someone.
            let mentions = if text.contains(['@', '#']) {
                let members = api::members(&org).await.unwrap_or_default();
                let teams = api::teams(&org).await.unwrap_or_default();
                mentions(&text, &members, &teams)
            } else {
                Vec::new()
            };
            api::add_comment(&id, &NewComment { text, mentions }).await
        }
    });
    let edit_comment = Action::new_local(move |(note, text): &(String, String)| {
        let (note, text) = (note.clone(), NewComment { text: text.clone(), mentions: Vec::new() });
        let id = id.get_untracked();
        async move { api::update_comment(&id, &note, &text).await }
    });
    let delete_comment = Action::new_local(move |note: &String| {
        let note = note.clone();
        let id = id.get_untracked();
        async move { api::delete_comment(&id, &note).await }
    });
    // One effect per action: each must track its own result (in a single `a || b` the second
    // is not read, so not tracked, once the first is true).
    let refetch_after = move |succeeded: Signal<bool>| {
        Effect::new(move |_| {
            if succeeded.get() {
                version.update(|v| *v += 1);
            }
        });
    };
    refetch_after(Signal::derive(move || update.value().with(|v| matches!(v, Some(Ok(_))))));
    refetch_after(Signal::derive(move || comment.value().with(|v| matches!(v, Some(Ok(_))))));
    refetch_after(Signal::derive(move || edit_comment.value().with(|v| matches!(v, Some(Ok(_))))));
    refetch_after(Signal::derive(move || {
        delete_comment.value().with(|v| matches!(v, Some(Ok(_))))
    }));
    // Deleting (and discarding): the issue is gone, so the stream is where to go next.
    let remove = Action::new_local(move |discard: &bool| {
        let (org, id, discard) = (org.get_untracked(), id.get_untracked(), *discard);
        async move {
            if discard {
                api::discard_issue(&org, &id).await
            } else {
                api::delete_issue(&org, &id).await
            }
        }
    });
    let to_stream = use_navigate();
    Effect::new(move |_| {
        if remove.value().with(|v| matches!(v, Some(Ok(())))) {
            let stream = Page::Issues { org: org.get_untracked() }.path();
            to_stream(&stream, leptos_router::NavigateOptions::default());
        }
    });
    // A merge keeps the issue with the most events: this one, whose counts and events then
    // change, or another, which is where the merged issues now are (on this tab, as Sentry).
    let to_parent = use_navigate();
    let on_merged = Callback::new(move |parent: String| {
        if parent == id.get_untracked() {
            version.update(|v| *v += 1);
            event.refetch();
        } else {
            let page = Page::Issue { org: org.get_untracked(), id: parent };
            to_parent(&page.path(), leptos_router::NavigateOptions::default());
        }
    });
    let on_remove = Callback::new(move |discard: bool| {
        remove.dispatch(discard);
    });
    let action_error = move || {
        // Every result is read, so a later failure of any action shows.
        let errors = [
            update.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())),
            comment.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())),
            edit_comment.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())),
            delete_comment.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())),
            remove.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())),
        ];
        // ApiError: a 401 (session expired meanwhile) goes to the login page.
        errors.into_iter().flatten().next().map(|error| view! { <ApiError error/> })
    };

    let on_update = Callback::new(move |request: UpdateIssueRequest| {
        update.dispatch(request);
    });
    let on_comment = Callback::new(move |text: String| {
        comment.dispatch(text);
    });
    let on_edit = Callback::new(move |change: (String, String)| {
        edit_comment.dispatch(change);
    });
    let on_delete = Callback::new(move |note: String| {
        delete_comment.dispatch(note);
    });
    let busy = Signal::derive(move || update.pending().get());
    let commenting = Signal::derive(move || {
        comment.pending().get() || edit_comment.pending().get() || delete_comment.pending().get()
    });

    use_shortcuts(move |shortcut| {
        let issue = details.get_untracked().and_then(Result::ok).map(|d| d.issue);
        let shown = event.get_untracked().and_then(Result::ok);
        let go = |target: Option<String>| {
            if let Some(target) = target {
                let page = Page::IssueEvent {
                    org: org.get_untracked(),
                    id: id.get_untracked(),
                    event: target,
                };
                navigate(&page.path(), Default::default());
            }
        };
        match shortcut {
            Shortcut::Help => help.update(|open| *open = !*open),
            Shortcut::Close => help.set(false),
            Shortcut::OlderEvent => go(shown.and_then(|e| e.previous_event_id)),
            Shortcut::NewerEvent => go(shown.and_then(|e| e.next_event_id)),
            _ if busy.get_untracked() => {}
            Shortcut::Resolve => {
                if let Some(issue) = issue {
                    on_update.run(if issue.status == "resolved" {
                        status_request("unresolved")
                    } else {
                        resolve_request(&Resolution::Now)
                    });
                }
            }
            Shortcut::Ignore => {
                if let Some(issue) = issue {
                    on_update.run(if issue.status == "ignored" {
                        status_request("unresolved")
                    } else {
                        ignore_request(Ignore::UntilEscalating)
                    });
                }
            }
            Shortcut::Bookmark => {
                if let Some(issue) = issue {
                    on_update.run(UpdateIssueRequest {
                        is_bookmarked: Some(!issue.is_bookmarked),
                        ..UpdateIssueRequest::default()
                    });
                }
            }
        }
    });

    let tab_button = move |which: Tab, label: &'static str, class: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                class=format!("tab {class}")
                class:selected=move || tab.get() == which
                aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)
            >
                {label}
            </button>
        }
    };

    view! {
        <section class="page issue-page">
            // Plain reactive reads of the resources rather than Transition + Suspend: the page's
            // wasm is smaller without an async state machine per section.
            {move || match details.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(details)) => {
                    view! { <IssueHeader details on_update busy releases=release_versions on_delete=on_remove/> }
                        .into_any()
                }
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            }}
            {action_error}
            <div class="issue-tabs" role="tablist">
                {tab_button(Tab::Details, "Details", "tab-details")}
                {tab_button(Tab::Events, "Events", "tab-events")}
                {tab_button(Tab::Tags, "Tags", "tab-tags")}
                {tab_button(Tab::Attachments, "Attachments", "tab-attachments")}
                {tab_button(Tab::Merged, "Merged Issues", "tab-merged")}
                {tab_button(Tab::Similar, "Similar Issues", "tab-similar")}
                // With the number of reports, as Sentry's tab shows it.
                <button
                    type="button"
                    role="tab"
                    class="tab tab-feedback"
                    class:selected=move || tab.get() == Tab::Feedback
                    aria-selected=move || (tab.get() == Tab::Feedback).to_string()
                    on:click=move |_| tab.set(Tab::Feedback)
                >
                    "User Feedback"
                    {move || {
                        details
                            .get()
                            .and_then(Result::ok)
                            .filter(|details| details.user_report_count > 0)
                            .map(|details| {
                                view! { <span class="tab-count">{details.user_report_count}</span> }
                            })
                    }}
                </button>
                <span class="spacer"></span>
                <button
                    type="button"
                    class="link-button shortcut-hint"
                    on:click=move |_| help.set(true)
                >
                    "Keyboard shortcuts (?)"
                </button>
            </div>
            <div class="issue-body">
                <div class="issue-main">
                    {move || match tab.get() {
                        Tab::Events => view! { <IssueEvents org issue=id/> }.into_any(),
                        Tab::Tags => view! { <IssueTags org issue=id/> }.into_any(),
                        Tab::Attachments => {
                            // The downloads are the project's URLs: known once the issue is.
                            // A memo, so fetching the issue again does not fetch the page again.
                            let project = Memo::new(move |_| {
                                details.get().and_then(Result::ok).map(|d| d.issue.project.slug)
                            });
                            let on_open_event = Callback::new(move |()| tab.set(Tab::Details));
                            view! {
                                <IssueAttachments
                                    org
                                    issue=id
                                    project=project.into()
                                    on_open_event
                                />
                            }
                                .into_any()
                        }
                        Tab::Merged => {
                            // An unmerge changes the issue's counts and may take the event
                            // shown away; an event link shows the event, on the Details tab.
                            let on_unmerged = Callback::new(move |()| {
                                version.update(|v| *v += 1);
                                event.refetch();
                            });
                            let on_open_event = Callback::new(move |()| tab.set(Tab::Details));
                            view! {
                                <IssueMergedHashes
                                    org
                                    issue=id
                                    project=project_id
                                    on_unmerged
                                    on_open_event
                                />
                            }
                                .into_any()
                        }
                        Tab::Similar => {
                            let on_open_issue = Callback::new(move |()| tab.set(Tab::Details));
                            view! {
                                <IssueSimilarIssues org issue=id on_merged on_open_issue/>
                            }
                                .into_any()
                        }
                        Tab::Feedback => view! { <IssueUserFeedback org issue=id/> }.into_any(),
                        Tab::Details => {
                            view! {
                                <EventSection org id event/>
                                {move || {
                                    details
                                        .get()
                                        .and_then(Result::ok)
                                        .map(|details| {
                                            view! {
                                                <ActivityLog
                                                    activity=details.activity
                                                    on_comment
                                                    commenting
                                                    current_user=current_user.get()
                                                    on_edit
                                                    on_delete
                                                    directory
                                                />
                                            }
                                        })
                                }}
                            }
                                .into_any()
                        }
                    }}
                </div>
                <aside class="issue-sidebar">
                    <crate::components::suggested_owners::SuggestedOwners org details event/>
                    {move || {
                        // Who hears of the issue's workflow (names as text).
                        let details = details.get().and_then(Result::ok)?;
                        (!details.participants.is_empty()).then(|| {
                            view! {
                                <section id="issue-participants" class="card">
                                    <h3>"Participants"</h3>
                                    <ul class="owner-list participants">
                                        {details
                                            .participants
                                            .into_iter()
                                            .map(|user| {
                                                view! {
                                                    <li class="owner participant" title=user.email>
                                                        {user.name}
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </section>
                            }
                        })
                    }}
                    {move || {
                        let details = details.get().and_then(Result::ok)?;
                        Some(
                            view! {
                                <crate::components::seen_by::SeenByList
                                    seen_by=details.seen_by
                                    current_user=current_user.get()
                                />
                            },
                        )
                    }}
                    {move || {
                        // A cron monitor's failure: a way back to the monitor.
                        let event = event.get().and_then(Result::ok)?;
                        let slug = event.contexts.pointer("/monitor/slug")?.as_str()?.to_owned();
                        let project = details.get().and_then(Result::ok)?.issue.project.slug;
                        let href = Page::Monitor { org: org.get(), project, slug: slug.clone() }
                            .path();
                        Some(view! {
                            <section id="issue-monitor" class="card">
                                <h3>"Cron monitor"</h3>
                                <a href=href>{slug}</a>
                            </section>
                        })
                    }}
                    {move || match event.get() {
                        Some(Ok(event)) => {
                            let project = Signal::derive(move || {
                                details.get().and_then(Result::ok).map(|d| d.issue.project.slug)
                            });
                            Some(view! {
                                <SuspectCommits
                                    org=org.into()
                                    project
                                    event_id=event.event_id.clone()
                                />
                                <EventAttachments org=org.into() project event_id=event.event_id/>
                            })
                        }
                        _ => None,
                    }}
                    {move || {
                        details
                            .get()
                            .and_then(Result::ok)
                            .and_then(|d| d.issue.stats)
                            .map(|stats| view! { <IssueChart stats/> })
                    }}
                    {move || match tags.get() {
                        None => None,
                        Some(Ok(tags)) => Some(view! { <TagFacets org=org.get() tags/> }.into_any()),
                        Some(Err(error)) => Some(view! { <ApiError error/> }.into_any()),
                    }}
                </aside>
            </div>
            <ShortcutHelp open=help/>
        </section>
    }
    .into_any()
}

/// The event shown (navigation and data), or why there is none.
#[component]
fn EventSection(
    org: Memo<String>,
    id: Memo<String>,
    event: LocalResource<Result<Event, api::Error>>,
) -> impl IntoView {
    // The event's project with its settings (the highlights'), read once per project rather
    // than per event shown.
    let project = Memo::new(move |_| match event.get() {
        Some(Ok(event)) => Some(event.project_id),
        _ => None,
    });
    let settings = LocalResource::new(move || {
        let (org, project) = (org.get(), project.get());
        async move { api::project(&org, &project?).await.ok() }
    });
    let settings = Signal::derive(move || settings.get().flatten());
    move || match event.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Ok(event)) => {
            let (org, id) = (org.get_untracked(), id.get_untracked());
            let trace = trace_id_of(&event.contexts).map(|trace_id| {
                view! {
                    <EventTrace
                        org=org.clone()
                        trace_id
                        event_id=event.event_id.clone()
                        event_ms=event.date_created.timestamp_millis()
                    />
                }
            });
            let grouping = view! {
                <GroupingInfo
                    org=org.clone()
                    project=event.project_id.clone()
                    event_id=event.event_id.clone()
                />
            };
            let highlights = view! {
                <EventHighlights org=org.clone() event=event.clone() settings/>
            };
            view! {
                <EventNav org id event=event.clone()/>
                {trace}
                {highlights}
                <EventDetails event/>
                {grouping}
            }
            .into_any()
        }
        Some(Err(error)) if error_status(&error) == Some(404) => view! {
            <div class="empty-state">
                <p class="empty-title">"No event to show."</p>
                <p>"The issue has no stored event with this id."</p>
            </div>
        }
        .into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
    }
}

fn error_status(error: &api::Error) -> Option<u16> {
    match error {
        api::Error::Http { status, .. } => Some(*status),
        _ => None,
    }
}

/// The actors a comment mentions, as the comments API takes them: `@email` of a member
/// (`user:<id>`) and `#slug` of a team (`team:<id>`), each once, in order. Other words that
/// start with `@` or `#` are text.
pub fn mentions(text: &str, members: &[Member], teams: &[Team]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let word = word.trim_start_matches(['(', '[', '"']).trim_end_matches(|c: char| {
            matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '"')
        });
        let actor = if let Some(email) = word.strip_prefix('@') {
            members
                .iter()
                .filter_map(|member| member.user.as_ref())
                .find(|user| user.email.eq_ignore_ascii_case(email))
                .map(|user| format!("user:{}", user.id))
        } else if let Some(slug) = word.strip_prefix('#') {
            teams.iter().find(|team| team.slug == slug).map(|team| format!("team:{}", team.id))
        } else {
            None
        };
        if let Some(actor) = actor.filter(|actor| !found.contains(actor)) {
            found.push(actor);
        }
    }
    found
}

/// Why one is subscribed, in Sentry's words.
fn subscription_reason(reason: Option<&str>) -> &'static str {
    match reason {
        Some("commented") => "You are subscribed because you commented on this issue.",
        Some("assigned") => "You are subscribed because you were assigned this issue.",
        Some("bookmarked") => "You are subscribed because you bookmarked this issue.",
        Some("status_change") => "You are subscribed because you changed this issue's status.",
        Some("mentioned") => "You are subscribed because you were mentioned in a comment.",
        Some("team_mentioned") => "You are subscribed because your team was mentioned.",
        Some(_) => "You are subscribed to this issue.",
        None => "Subscribe to hear of comments, assignment, resolution and regressions.",
    }
}

/// The issue's header (`#issue-header`): level, title, culprit, short id, status, counts, first
/// and last seen, first release, the triage buttons (which call `on_update` with the `PUT`
/// body), a slot for the assignee picker (`.issue-assignee`) and the priority
/// (`.issue-priority`).
#[component]
pub fn IssueHeader(
    /// The issue.
    details: IssueDetails,
    /// Called with the change to make.
    on_update: Callback<UpdateIssueRequest>,
    /// Whether an update is on its way (the buttons are disabled meanwhile).
    #[prop(into)]
    busy: Signal<bool>,
    /// The project's release versions, newest first, for "Resolve in release".
    #[prop(optional, into)]
    releases: Signal<Vec<String>>,
    /// Called, once confirmed, to delete the issue: `true` to also discard its future events.
    /// Without it there are no delete buttons.
    #[prop(optional)]
    on_delete: Option<Callback<bool>>,
) -> impl IntoView {
    let issue = details.issue;
    let level = issue.level.clone();
    let status = issue.status.clone();
    let bookmarked = issue.is_bookmarked;
    let plain_button = move |label: &'static str,
                             class: &'static str,
                             title: &'static str,
                             request: UpdateIssueRequest| {
        view! {
            <button
                type="button"
                class=format!("button button-secondary {class}")
                title=title
                disabled=move || busy.get()
                on:click=move |_| on_update.run(request.clone())
            >
                {label}
            </button>
        }
    };
    let resolve = (status != "resolved").then(|| view! { <ResolveMenu on_update busy releases/> });
    let unresolve = (status != "unresolved").then(|| {
        plain_button("Unresolve", "unresolve", "Unresolve (r or i)", status_request("unresolved"))
    });
    let ignore = (status != "ignored").then(|| view! { <IgnoreMenu on_update busy/> });
    let bookmark = view! {
        <button
            type="button"
            class=if bookmarked { "button button-secondary bookmark bookmarked" } else { "button button-secondary bookmark" }
            title="Bookmark (b)"
            aria-pressed=bookmarked.to_string()
            disabled=move || busy.get()
            on:click=move |_| {
                on_update.run(UpdateIssueRequest {
                    is_bookmarked: Some(!bookmarked),
                    ..UpdateIssueRequest::default()
                })
            }
        >
            {if bookmarked { "Remove bookmark" } else { "Bookmark" }}
        </button>
    };
    let subscribed = details.is_subscribed;
    let reason = details.subscription_details.as_ref().map(|d| d.reason.as_str());
    let subscribe = view! {
        <button
            type="button"
            class=if subscribed { "button button-secondary subscribe subscribed" } else { "button button-secondary subscribe" }
            title=subscription_reason(reason.filter(|_| subscribed))
            aria-pressed=subscribed.to_string()
            disabled=move || busy.get()
            on:click=move |_| {
                on_update.run(UpdateIssueRequest {
                    is_subscribed: Some(!subscribed),
                    ..UpdateIssueRequest::default()
                })
            }
        >
            {if subscribed { "Unsubscribe" } else { "Subscribe" }}
        </button>
    };
    // Sentry's "Mark Reviewed", while the issue is in the "For Review" inbox.
    let reviewed = issue.inbox.is_some().then(|| {
        view! {
            <button
                type="button"
                class="button button-secondary mark-reviewed"
                title="Take it out of For review until it regresses or escalates"
                disabled=move || busy.get()
                on:click=move |_| {
                    on_update.run(UpdateIssueRequest {
                        inbox: Some(false),
                        ..UpdateIssueRequest::default()
                    })
                }
            >
                "Mark reviewed"
            </button>
        }
    });
    let status_detail = status_detail(&status, &issue.status_details, issue.substatus.as_deref());
    let release =
        |label: &'static str, class: &'static str, release: Option<cairn_types::api::Release>| {
            release.map(|release| {
                view! {
                    <div>
                        <dt>{label}</dt>
                        <dd class=class title=release.version>{release.short_version}</dd>
                    </div>
                }
            })
        };
    view! {
        <header id="issue-header" class="issue-header">
            <div class="issue-heading">
                <span class=format!("issue-level {}", level_class(&level)) title=level.clone()></span>
                <div>
                    <h1 class="issue-title">{issue.title}</h1>
                    <p class="issue-meta">
                        <span class="issue-short-id">{issue.short_id}</span>
                        <span class="issue-culprit">{issue.culprit}</span>
                        <span class=format!("issue-status status-{}", status_class(&status))>
                            {status_name(&status)}
                        </span>
                        {status_detail.map(|d| view! { <span class="issue-status-detail">{d}</span> })}
                        <span class="issue-level-name">{level}</span>
                        {issue.is_unhandled.then(|| view! { <span class="badge badge-unhandled">"unhandled"</span> })}
                    </p>
                </div>
            </div>
            <dl class="issue-stats">
                <div>
                    <dt>"Events"</dt>
                    <dd class="issue-count">{issue.count}</dd>
                </div>
                <div>
                    <dt>"Users"</dt>
                    <dd class="issue-users">{issue.user_count}</dd>
                </div>
                <div>
                    <dt>"First seen"</dt>
                    <dd class="issue-first-seen">
                        <TimeAgo time=issue.first_seen/>
                    </dd>
                </div>
                <div>
                    <dt>"Last seen"</dt>
                    <dd class="issue-last-seen">
                        <TimeAgo time=issue.last_seen/>
                    </dd>
                </div>
                {release("First release", "issue-first-release", details.first_release)}
                {release("Last release", "issue-last-release", details.last_release)}
            </dl>
            <div class="issue-actions">
                {resolve}
                {unresolve}
                {ignore}
                {reviewed}
                {bookmark}
                {subscribe}
                <ShareIssue share_id=issue.share_id on_update busy/>
                <div class="issue-assignee">
                    <AssigneePicker
                        current=issue.assigned_to.unwrap_or_default()
                        on_assign=Callback::new(move |value: Option<String>| {
                            on_update.run(UpdateIssueRequest {
                                assigned_to: Some(value),
                                ..UpdateIssueRequest::default()
                            })
                        })
                        disabled=busy
                    />
                </div>
                <label class="picker issue-priority">
                    <span class="picker-label">"Priority"</span>
                    <PrioritySelect current=issue.priority placeholder="Not set" on_update busy/>
                </label>
                {on_delete.map(|on_delete| view! {
                    <ConfirmDelete
                        name="issue"
                        warning="The issue and its events are deleted; a later event opens it again."
                        confirm="Delete the issue"
                        on_confirm=Callback::new(move |()| on_delete.run(false))
                    />
                    <ConfirmDelete
                        name="issue-discard"
                        label="Delete and discard"
                        warning="The issue and its events are deleted, and its future events are dropped when they arrive."
                        confirm="Delete and discard future events"
                        on_confirm=Callback::new(move |()| on_delete.run(true))
                    />
                })}
            </div>
        </header>
    }
    .into_any()
}

/// What the status details add to the status: the release it was resolved in, until when or
/// what it is ignored, or Sentry's substatus of an unresolved issue (`regressed`, `new`, ...).
pub fn status_detail(
    status: &str,
    details: &serde_json::Value,
    substatus: Option<&str>,
) -> Option<String> {
    let text = |key: &str| details.get(key).and_then(serde_json::Value::as_str);
    let number = |key: &str| details.get(key).and_then(serde_json::Value::as_i64);
    match status {
        "resolved" => {
            if let (Some(release), Some(_)) = (text("inRelease"), details.pointer("/inCommit/id")) {
                let commit = crate::components::activity::commit_id(details);
                Some(format!("in commit {commit} ({release})"))
            } else if let Some(release) = text("inRelease") {
                Some(format!("in {release}"))
            } else if details.get("inNextRelease").and_then(serde_json::Value::as_bool)
                == Some(true)
            {
                Some("in the next release".into())
            } else {
                None
            }
        }
        "ignored" => {
            if let Some(count) = number("ignoreCount") {
                Some(format!("until {count} more events"))
            } else if let Some(users) = number("ignoreUserCount") {
                Some(format!("until {users} more users"))
            } else if let Some(until) = text("ignoreUntil") {
                let until = until.parse::<chrono::DateTime<chrono::Utc>>().ok()?;
                Some(format!("until {}", crate::components::time_ago::absolute_time(until)))
            } else if substatus == Some("archived_until_escalating") {
                Some("until it escalates".into())
            } else {
                Some("forever".into())
            }
        }
        _ => substatus.filter(|s| *s != "ongoing").map(|s| s.replace('_', " ")),
    }
}

/// A status as the dashboard names it: Sentry's "archived" for the API's `ignored` (Sentry
/// renamed "Ignore" to "Archive" and kept the API's name).
pub fn status_name(status: &str) -> String {
    match status {
        "ignored" => "archived".to_owned(),
        other => other.to_owned(),
    }
}

fn status_class(status: &str) -> &'static str {
    match status {
        "resolved" => "resolved",
        "ignored" => "ignored",
        _ => "unresolved",
    }
}

/// Links between the issue's events (`#event-nav`): oldest, older, newer, latest.
#[component]
pub fn EventNav(
    /// Organization slug.
    org: String,
    /// Issue id.
    id: String,
    /// The event shown.
    event: Event,
) -> impl IntoView {
    // Sentry's JSON link: the event as stored, with every field, in a tab of its own (the
    // browser shows it as text; the session cookie authorizes it).
    let json = format!(
        "/api/0/projects/{}/{}/events/{}/json/",
        crate::api::segment(&org),
        crate::api::segment(&event.project_id),
        crate::api::segment(&event.event_id)
    );
    let link = move |label: &'static str, class: &'static str, target: Option<String>| match target
    {
        Some(target) => {
            let href = Page::IssueEvent { org: org.clone(), id: id.clone(), event: target }.path();
            view! { <A href=href attr:class=format!("button button-secondary {class}")>{label}</A> }
                .into_any()
        }
        None => view! {
            <span class=format!("button button-secondary disabled {class}") aria-disabled="true">
                {label}
            </span>
        }
        .into_any(),
    };
    let oldest =
        link("Oldest", "event-oldest", event.previous_event_id.as_ref().map(|_| "oldest".into()));
    let older = link("Older", "event-previous", event.previous_event_id.clone());
    let newer = link("Newer", "event-next", event.next_event_id.clone());
    let latest =
        link("Latest", "event-latest", event.next_event_id.as_ref().map(|_| "latest".into()));
    view! {
        <nav id="event-nav" class="event-nav">
            <span class="event-id">
                "Event " <code>{event.event_id.clone()}</code> " · "
                <TimeAgo time=event.date_created/>
            </span>
            <a class="event-json" href=json target="_blank" rel="noopener noreferrer">
                "JSON"
            </a>
            <span class="spacer"></span>
            {oldest}
            {older}
            {newer}
            {latest}
        </nav>
    }
    .into_any()
}
