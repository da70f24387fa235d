//! Onboarding, as in Sentry: `/organizations/{org}/projects/new/` creates a project (name,
//! platform, team), then `/organizations/{org}/projects/{project}/getting-started/` shows its
//! DSN, the SDK set-up snippets, a "Send a test event" button, and waits for the first event
//! (live stream, with polling as a fallback), whichever client sends it.

use std::time::Duration;

use cairn_types::api::{CreateProjectRequest, ProjectDetails, ProjectKey, Team};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::{
    api,
    components::{
        onboarding::{test_event, DsnField, FirstEvent, FirstEventPanel, SetupSnippets, PLATFORMS},
        ApiError, Loading,
    },
    live::{self, LiveMessage},
    pages::issues::issue_path,
    routes::{Page, PROJECT_PARAM},
    state::use_session,
    stream_query::StreamQuery,
};

/// How often the getting-started page asks for the first issue when the live stream is quiet
/// (it is down, or a proxy buffers it): the stream usually answers first.
const POLL_EVERY: Duration = Duration::from_secs(5);

/// A project to create: the team that will own it and the API's request.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// Slug of the owning team.
    pub team: String,
    /// Name and platform.
    pub request: CreateProjectRequest,
}

/// The "Create project" form (`form#new-project-form`): name (`#project-name`), platform
/// (radio tiles named `platform`) and team (`#project-team`).
#[component]
pub fn NewProjectForm(
    /// The organization's teams; the first is chosen at first.
    teams: Vec<Team>,
    /// Called with the project to create.
    on_submit: Callback<NewProject>,
    /// Whether a creation is under way.
    #[prop(into)]
    pending: Signal<bool>,
    /// The last failure, shown above the button.
    #[prop(into)]
    error: Signal<Option<api::Error>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let platform = RwSignal::new(PLATFORMS[0].0.to_owned());
    let team = RwSignal::new(teams.first().map(|t| t.slug.clone()).unwrap_or_default());
    let no_team = teams.is_empty();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_submit.run(NewProject {
            team: team.get_untracked(),
            request: CreateProjectRequest {
                name: name.get_untracked().trim().to_owned(),
                slug: None,
                platform: Some(platform.get_untracked()),
            },
        });
    };
    let platforms = PLATFORMS
        .iter()
        .map(|(id, label)| {
            let id = *id;
            view! {
                <label class="platform-choice" class:selected=move || platform.get() == id>
                    <input
                        type="radio"
                        name="platform"
                        value=id
                        prop:checked=move || platform.get() == id
                        on:change=move |_| platform.set(id.to_owned())
                    />
                    <span>{*label}</span>
                </label>
            }
        })
        .collect_view();
    let team_options = teams
        .into_iter()
        .map(|t| {
            let label = format!("#{}", t.slug);
            view! { <option value=t.slug>{label}</option> }
        })
        .collect_view();
    view! {
        <form id="new-project-form" class="form new-project-form" on:submit=submit>
            <fieldset class="platform-choices">
                <legend>"Platform"</legend>
                {platforms}
            </fieldset>
            <label>
                "Project name"
                <input
                    id="project-name"
                    name="name"
                    type="text"
                    required
                    maxlength="50"
                    placeholder="e.g. backend"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </label>
            <label>
                "Team"
                <select
                    id="project-team"
                    name="team"
                    prop:value=move || team.get()
                    on:change=move |ev| team.set(event_target_value(&ev))
                >
                    {team_options}
                </select>
            </label>
            {no_team.then(|| view! {
                <p class="form-error">"The organization has no team yet: a project needs one."</p>
            })}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.message()}</p> })}
            <button
                type="submit"
                id="create-project-submit"
                class="button button-primary"
                disabled=move || pending.get() || no_team || name.with(|n| n.trim().is_empty())
            >
                {move || if pending.get() { "Creating…" } else { "Create project" }}
            </button>
        </form>
    }
}

/// The `/organizations/{org}/projects/new/` route.
#[component]
pub fn NewProjectPage() -> impl IntoView {
    let org = super::use_org_param();
    let session = use_session();
    let navigate = use_navigate();
    let teams = LocalResource::new(move || {
        let org = org.get();
        async move { api::teams(&org).await }
    });
    let create = Action::new_local(move |new: &NewProject| {
        let (org, new) = (org.get_untracked(), new.clone());
        async move { api::create_project(&org, &new.team, &new.request).await }
    });
    let error = RwSignal::new(None::<api::Error>);
    Effect::new(move |_| match create.value().get() {
        Some(Ok(project)) => {
            error.set(None);
            if let Some(session) = session {
                session.projects_version.update(|n| *n += 1);
            }
            let page = Page::GettingStarted { org: org.get_untracked(), project: project.slug };
            navigate(&page.path(), Default::default());
        }
        Some(Err(failure)) => error.set(Some(failure)),
        None => {}
    });
    let on_submit = Callback::new(move |new: NewProject| {
        create.dispatch(new);
    });
    let pending = create.pending();
    view! {
        <section class="page page-narrow-wide">
            <header class="page-header">
                <h1>"Create a project"</h1>
            </header>
            <p class="lead">
                "A project receives the events of one application. Pick its platform to get the right set-up instructions."
            </p>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match teams.await {
                        Ok(teams) => view! {
                            <NewProjectForm teams on_submit pending error/>
                        }
                        .into_any(),
                        Err(error) => view! { <ApiError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The project and its first active key, as the getting-started page needs them.
async fn load(org: String, project: String) -> api::Result<(ProjectDetails, Option<ProjectKey>)> {
    let details = api::project(&org, &project).await?;
    let keys = api::project_keys(&org, &project).await?;
    Ok((details, keys.into_iter().find(|key| key.is_active)))
}

/// The `/organizations/{org}/projects/{project}/getting-started/` route.
#[component]
pub fn GettingStartedPage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let slug = Memo::new(move |_| params.read().get(PROJECT_PARAM).unwrap_or_default());
    let loaded = LocalResource::new(move || load(org.get(), slug.get()));

    // The first event: asked for when the project is known, whenever the live stream reports
    // an issue of the project, and every few seconds as long as nothing came.
    let first = RwSignal::new(FirstEvent::Waiting);
    let project_id = RwSignal::new(None::<String>);
    let checking = RwSignal::new(false);
    let check = move || {
        let Some(id) = project_id.get_untracked() else { return };
        if checking.get_untracked() || first.with_untracked(|f| *f != FirstEvent::Waiting) {
            return;
        }
        checking.set(true);
        let org = org.get_untracked();
        leptos::task::spawn_local(async move {
            if let Ok(Some(issue)) = api::latest_project_issue(&org, &id).await {
                let href = issue_path(&issue);
                first.set(FirstEvent::Arrived { issue: Box::new(issue), href });
            }
            checking.set(false);
        });
    };
    Effect::new(move |_| {
        let id = match loaded.get() {
            Some(Ok((details, _))) => Some(details.project.id),
            _ => None,
        };
        if id != project_id.get_untracked() {
            first.set(FirstEvent::Waiting);
            project_id.set(id);
            check();
        }
    });
    let live_connected = RwSignal::new(false);
    let on_live = Callback::new(move |message: LiveMessage| match message {
        LiveMessage::Issue(update) => {
            if project_id.with_untracked(|id| id.as_deref() == Some(update.project.as_str())) {
                check();
            }
        }
        // Subscribed (again): whatever arrived before is found by asking.
        LiveMessage::Ready { .. } | LiveMessage::Reload => check(),
    });
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
    if let Ok(poll) = set_interval_with_handle(check, POLL_EVERY) {
        on_cleanup(move || poll.clear());
    }

    let content = move || {
        Suspend::new(async move {
            match loaded.await {
                Ok((details, key)) => {
                    let org = org.get_untracked();
                    view! { <GettingStarted org details key first/> }.into_any()
                }
                Err(error) => view! { <ApiError error/> }.into_any(),
            }
        })
    };
    view! {
        <section class="page getting-started-page">
            <Transition fallback=|| view! { <Loading/> }>{content}</Transition>
        </section>
    }
}

/// The getting-started page's body: the DSN, the snippets, the test event and the first event.
#[component]
fn GettingStarted(
    org: String,
    details: ProjectDetails,
    key: Option<ProjectKey>,
    first: RwSignal<FirstEvent>,
) -> impl IntoView {
    let project = details.project;
    let platform = project.platform.clone();
    let stream = StreamQuery { projects: vec![project.id.clone()], ..StreamQuery::default() };
    let stream_href = format!("{}?{}", Page::Issues { org }.path(), stream.to_query_string());
    let Some(key) = key else {
        return view! {
            <header class="page-header"><h1>{format!("Get started with {}", project.name)}</h1></header>
            <div class="error-state">
                <p>"This project has no active client key, so no SDK can send to it. Enable or create a key first."</p>
            </div>
        }
        .into_any();
    };
    let dsn = key.dsn.public.clone();
    let sent = RwSignal::new(None::<Result<String, api::Error>>);
    let sending = RwSignal::new(false);
    let (project_id, public_key) = (project.id.clone(), key.public);
    let send = move |_| {
        let (project_id, public_key) = (project_id.clone(), public_key.clone());
        let event = test_event(platform.as_deref());
        sending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::send_event(&project_id, &public_key, &event).await;
            sending.set(false);
            sent.set(Some(result));
        });
    };
    let sent_status = move || {
        sent.get().map(|result| match result {
            Ok(_) => view! { <span class="test-event-sent">"Test event sent."</span> }.into_any(),
            Err(error) => view! {
                <span class="form-error">{format!("The test event was refused: {}", error.message())}</span>
            }
            .into_any(),
        })
    };
    view! {
        <header class="page-header">
            <h1>{format!("Get started with {}", project.name)}</h1>
            {project.platform.clone().map(|p| view! { <span class="badge">{crate::components::onboarding::platform_label(&p).to_owned()}</span> })}
        </header>
        <ol class="onboarding-steps">
            <li class="onboarding-step">
                <h2>"Your project's DSN"</h2>
                <p class="hint">"The DSN tells a Sentry SDK where to send the events: here, to this project."</p>
                <DsnField dsn=dsn.clone()/>
            </li>
            <li class="onboarding-step">
                <h2>"Install and configure the SDK"</h2>
                <SetupSnippets dsn platform=project.platform/>
            </li>
            <li class="onboarding-step">
                <h2>"Verify"</h2>
                <p class="hint">
                    "Trigger an error in your application, or let Cairn send a test event to the DSN."
                </p>
                <div class="test-event">
                    <button
                        type="button"
                        id="send-test-event"
                        class="button button-secondary"
                        disabled=move || sending.get()
                        on:click=send
                    >
                        "Send a test event"
                    </button>
                    <span role="status">{sent_status}</span>
                </div>
                <FirstEventPanel state=first stream_href/>
            </li>
        </ol>
    }
    .into_any()
}
