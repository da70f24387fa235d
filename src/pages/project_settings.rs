//! `/settings/{org}/projects/{project}/` (Sentry's URL): a project's settings, as Sentry's
//! project settings pages group them: *General* (name, slug and platform; a new slug moves the
//! page to its new URL), *Security & Privacy* (data scrubbing, IP addresses,
//! sensitive and safe fields, allowed domains), *Issue Grouping* (fingerprint and stack-trace
//! rules), *Alerts* (Sentry's default alert for new issues) and the project-wide rate limit. Each section saves on its own, through
//! `PUT /api/0/projects/{org}/{project}/` with only its fields; the server's answer, the
//! settings as kept (lists trimmed, blank lines dropped), fills that section again. Under the
//! inbound filters, *Discarded Issues*: the issues deleted with "Delete and discard future
//! events", each with a button that undiscards it. Then the *Client Keys (DSN)*: each key's
//! DSN, state and rate limit; a new key, disabling, enabling and deleting one (after a
//! confirmation: its DSN stops working at once). Then *Source Maps*: the bundles
//! `sentry-cli sourcemaps upload` sent, each deletable after a confirmation; *Code Mappings*
//! with the organization's *Repositories* (`super::code_mappings`), which link the issue
//! page's frames and commits to the code host; and *Service Hooks*: the URLs new events or alerts are POSTed to, each with its secret, its
//! log of deliveries, and disabling, enabling and deleting it. At the bottom, *Remove
//! Project*: deleting the project with all its data, after a confirmation, then on to the
//! organization's projects.

use cairn_types::api::{
    ArtifactBundle, CreateKeyRequest, HookDelivery, KeyRateLimit, ProjectDetails, ProjectFilter,
    ProjectKey, ServiceHook, ServiceHookRequest, Tombstone, UpdateFilterRequest, UpdateKeyRequest,
    UpdateProjectOptions, UpdateProjectRequest, LEGACY_BROWSER_SUBFILTERS,
};
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_params_map},
    NavigateOptions,
};

use crate::{
    api,
    components::{
        confirm::ConfirmDelete,
        highlights::{context_of_lines, lines_of_context},
        issue_list::level_class,
        onboarding::PLATFORMS,
        status::{failure, FormError},
        time_ago::{absolute_time, TimeAgo},
        ApiError, Loading,
    },
    routes::{Page, PROJECT_PARAM},
    state::use_session,
};

use super::code_mappings::CodeMappings;

/// The entries of a one-per-line field: trimmed, blank lines left out.
pub fn list_lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect()
}

/// The project-wide rate limit from the form's two fields, events and seconds: both empty is
/// no limit; otherwise both must be whole numbers above zero.
pub fn rate_limit_of(count: &str, window: &str) -> Result<Option<KeyRateLimit>, String> {
    let (count, window) = (count.trim(), window.trim());
    if count.is_empty() && window.is_empty() {
        return Ok(None);
    }
    let positive = |text: &str| text.parse::<i64>().ok().filter(|n| *n > 0);
    match (positive(count), positive(window)) {
        (Some(count), Some(window)) => Ok(Some(KeyRateLimit { count, window })),
        _ => Err("Give both the number of events and the window in seconds, as whole numbers \
                  above zero, or leave both empty for no limit."
            .to_owned()),
    }
}

/// A key's rate limit in words.
pub fn rate_limit_text(limit: Option<KeyRateLimit>) -> String {
    match limit {
        Some(limit) => format!("At most {} events per {} s", limit.count, limit.window),
        None => "No rate limit".to_owned(),
    }
}

/// What a key's row asks for, by key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChange {
    /// Enable (`true`) or disable the key.
    Enable(String, bool),
    /// Delete the key.
    Delete(String),
}

/// One client key (`li.key-row`, styled as the projects page's rows): name, state, rate limit
/// and DSN, a button that disables or enables it, and one that deletes it once confirmed.
#[component]
pub fn KeyRow(key: ProjectKey, on_change: Callback<KeyChange>) -> impl IntoView {
    let active = key.is_active;
    let (toggle_id, delete_id) = (key.id.clone(), key.id.clone());
    let on_delete = Callback::new(move |()| on_change.run(KeyChange::Delete(delete_id.clone())));
    view! {
        <li class="project-row key-row" data-key=key.id>
            <div class="project-head">
                <span class="project-name key-name">{key.name}</span>
                <span class="badge key-status">{if active { "Enabled" } else { "Disabled" }}</span>
                <span class="hint key-rate-limit">{rate_limit_text(key.rate_limit)}</span>
            </div>
            <code class="project-dsn key-dsn">{key.dsn.public}</code>
            <div class="project-dsns key-actions">
                <button
                    type="button"
                    class="button button-secondary key-toggle"
                    on:click=move |_| on_change.run(KeyChange::Enable(toggle_id.clone(), !active))
                >
                    {if active { "Disable" } else { "Enable" }}
                </button>
                <ConfirmDelete
                    name="key"
                    warning="Events sent with this DSN are refused at once."
                    confirm="Delete key"
                    on_confirm=on_delete
                />
            </div>
        </li>
    }
}

/// The project's filter switches (browser extensions, localhost, legacy browsers, web
/// crawlers): each saves on its own as soon as it changes, as Sentry's do; the list is fetched
/// again after a change of legacy browsers (its switch turns all its subfilters on or off) and
/// after a failure.
#[component]
fn FilterSwitches(org: Memo<String>, project: Memo<String>) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let filters = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project.get());
        async move { api::project_filters(&org, &project).await }
    });
    let change = Action::new_local(move |(id, request): &(String, UpdateFilterRequest)| {
        let (id, request) = (id.clone(), request.clone());
        let (org, project) = (org.get_untracked(), project.get_untracked());
        // Legacy browsers' switch and subfilters show each other's changes: fetched again.
        let refetch = id == "legacy-browsers";
        async move { api::update_project_filter(&org, &project, &id, &request).await.map(|()| refetch) }
    });
    Effect::new(move |_| {
        // After a failure too, so that the switches show what is saved.
        if change.value().with(|answer| matches!(answer, Some(Ok(true) | Err(_)))) {
            version.update(|v| *v += 1);
        }
    });
    let list = move || match filters.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(filters)) => filters
            .into_iter()
            .map(|filter| view! { <FilterSwitch filter change/> })
            .collect_view()
            .into_any(),
    };
    view! {
        <div id="filter-switches">{list}</div>
        <FormError message=failure(change)/>
    }
}

/// One filter's switch (`#filter-{id}`), its name and description; for legacy browsers, a
/// checkbox per subfilter (`#legacy-{subfilter}`) under it.
#[component]
fn FilterSwitch(
    filter: ProjectFilter,
    change: Action<(String, UpdateFilterRequest), api::Result<bool>>,
) -> impl IntoView {
    let id = filter.id.clone();
    let subfilters = (filter.id == "legacy-browsers")
        .then(|| view! { <LegacySubfilters on=filter.active.subfilters().to_vec() change/> });
    view! {
        <label class="field checkbox">
            <input
                id=format!("filter-{}", filter.id)
                type="checkbox"
                prop:checked=filter.active.is_on()
                on:change=move |ev| {
                    let request = UpdateFilterRequest {
                        active: Some(event_target_checked(&ev)),
                        subfilters: None,
                    };
                    change.dispatch((id.clone(), request));
                }
            />
            {filter.name}
            <span class="hint">{filter.description}</span>
        </label>
        {subfilters}
    }
}

/// The legacy-browser subfilters, `on` those checked: a change sends the whole new set.
#[component]
fn LegacySubfilters(
    on: Vec<String>,
    change: Action<(String, UpdateFilterRequest), api::Result<bool>>,
) -> impl IntoView {
    let on = StoredValue::new(on);
    let boxes = LEGACY_BROWSER_SUBFILTERS
        .iter()
        .map(|(subfilter, label)| {
            let checked = on.with_value(|on| on.iter().any(|s| s == subfilter));
            view! {
                <label class="field checkbox">
                    <input
                        id=format!("legacy-{subfilter}")
                        type="checkbox"
                        prop:checked=checked
                        on:change=move |ev| {
                            let mut set = on.get_value();
                            set.retain(|s| s != subfilter);
                            if event_target_checked(&ev) {
                                set.push((*subfilter).to_owned());
                            }
                            let request = UpdateFilterRequest {
                                active: None,
                                subfilters: Some(set),
                            };
                            change.dispatch(("legacy-browsers".to_owned(), request));
                        }
                    />
                    {*label}
                </label>
            }
        })
        .collect_view();
    // Indented under the switch; a style of its own rather than CSS every cold load fetches.
    view! { <div id="legacy-subfilters" style="margin-left: 1.75rem">{boxes}</div> }
}

/// What a source map bundle was uploaded for, in words.
pub fn bundle_release(bundle: &ArtifactBundle) -> String {
    let releases: Vec<String> = bundle
        .associations
        .iter()
        .map(|a| match &a.dist {
            Some(dist) => format!("{} ({dist})", a.release),
            None => a.release.clone(),
        })
        .collect();
    if releases.is_empty() {
        "No release: found by debug ids".to_owned()
    } else {
        releases.join(", ")
    }
}

/// One source map bundle (`li.bundle-row`): its id, release, files and date, and a button that
/// deletes it once confirmed.
#[component]
pub fn BundleRow(bundle: ArtifactBundle, on_delete: Callback<String>) -> impl IntoView {
    let id = bundle.bundle_id.clone();
    let on_confirm = Callback::new(move |()| on_delete.run(id.clone()));
    let files = match bundle.file_count {
        1 => "1 file".to_owned(),
        n => format!("{n} files"),
    };
    view! {
        <li class="project-row bundle-row" data-bundle=bundle.bundle_id.clone()>
            <div class="project-head">
                <code class="project-name bundle-id">{bundle.bundle_id.clone()}</code>
                <span class="badge bundle-files">{files}</span>
                <span class="hint bundle-date">{absolute_time(bundle.date)}</span>
            </div>
            <span class="hint bundle-release">{bundle_release(&bundle)}</span>
            <div class="project-dsns key-actions">
                <ConfirmDelete
                    name="bundle"
                    warning="New events are no longer mapped with its files."
                    confirm="Delete bundle"
                    on_confirm
                />
            </div>
        </li>
    }
}

/// The project's source map bundles (Sentry's *Source Maps* settings), how to upload one, and
/// deleting one; the list is fetched again after each deletion.
#[component]
fn SourceMaps(org: Memo<String>, project: Memo<String>) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let bundles = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project.get());
        async move { api::artifact_bundles(&org, &project).await }
    });
    let delete = Action::new_local(move |bundle_id: &String| {
        let bundle_id = bundle_id.clone();
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::delete_artifact_bundle(&org, &project, &bundle_id).await }
    });
    Effect::new(move |_| {
        if delete.value().with(Option::is_some) {
            version.update(|v| *v += 1);
        }
    });
    let on_delete = Callback::new(move |bundle_id: String| {
        delete.dispatch(bundle_id);
    });
    let list = move || match bundles.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(bundles)) if bundles.is_empty() => {
            view! { <p class="hint bundles-empty">"No source maps uploaded yet."</p> }.into_any()
        }
        Some(Ok(bundles)) => view! {
            <ul id="bundle-list" class="project-rows">
                {bundles
                    .into_iter()
                    .map(|bundle| view! { <BundleRow bundle on_delete/> })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    };
    let command = move || {
        format!(
            "sentry-cli sourcemaps inject dist/\nsentry-cli sourcemaps upload --org {} --project {} dist/",
            org.get(),
            project.get()
        )
    };
    view! {
        <h2 id="source-maps">"Source Maps"</h2>
        <p class="hint">
            "Minified JavaScript frames are mapped to your sources with the maps uploaded by sentry-cli (SENTRY_URL set to this server):"
        </p>
        <pre class="bundle-command">{command}</pre>
        <FormError message=failure(delete)/>
        {list}
    }
}

/// Sentry's *Environments* settings: the names the project's events and sessions were sent
/// with, each hidden from the environment pickers or shown again with one button.
#[component]
fn Environments(org: Memo<String>, project: Memo<String>) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let environments = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project.get());
        async move { api::project_environments(&org, &project).await }
    });
    let toggle = Action::new_local(move |(name, hidden): &(String, bool)| {
        let (name, hidden) = (name.clone(), *hidden);
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::set_environment_hidden(&org, &project, &name, hidden).await }
    });
    Effect::new(move |_| {
        if toggle.value().with(Option::is_some) {
            version.update(|v| *v += 1);
        }
    });
    let on_toggle = Callback::new(move |change: (String, bool)| {
        toggle.dispatch(change);
    });
    let list = move || {
        match environments.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <p class="hint environments-empty">"No event or session has named an environment yet."</p>
        }
        .into_any(),
        Some(Ok(list)) => view! { <EnvironmentList environments=list on_toggle/> }.into_any(),
    }
    };
    view! {
        <h2 id="environments">"Environments"</h2>
        <p class="hint">
            "The environments your SDKs send (their environment option). A hidden one is left out of the environment pickers; its events are kept and still searchable."
        </p>
        <FormError message=failure(toggle)/>
        {list}
    }
}

/// A project's environments, each with *Hide* or *Show*; `on_toggle` gets the name and whether
/// to hide it.
#[component]
pub fn EnvironmentList(
    environments: Vec<cairn_types::api::Environment>,
    on_toggle: Callback<(String, bool)>,
) -> impl IntoView {
    view! {
        <ul id="environment-list" class="project-rows">
            {environments
                .into_iter()
                .map(|environment| {
                    let hidden = environment.is_hidden;
                    let name = environment.name.clone();
                    view! {
                        <li class="environment" class:hidden-environment=hidden>
                            <span class="environment-name">{environment.name}</span>
                            {hidden.then(|| view! { <span class="badge">"hidden"</span> })}
                            <button
                                type="button"
                                class="environment-toggle"
                                on:click=move |_| on_toggle.run((name.clone(), !hidden))
                            >
                                {if hidden { "Show" } else { "Hide" }}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// The events a hook is sent, in words: "new events" (`event.created`), "alerts"
/// (`event.alert`), or both.
pub fn hook_events_text(events: &[String]) -> String {
    let has = |name: &str| events.iter().any(|event| event == name);
    let words: Vec<&str> = [("event.created", "new events"), ("event.alert", "alerts")]
        .into_iter()
        .filter(|(event, _)| has(event))
        .map(|(_, words)| words)
        .collect();
    words.join(", ")
}

/// A delivery's outcome in words: why its last attempt failed, the receiver's status, or that
/// none was made yet.
pub fn delivery_outcome(delivery: &HookDelivery) -> String {
    match (&delivery.error, delivery.status_code) {
        (Some(error), _) => error.clone(),
        (None, Some(status)) => format!("HTTP {status}"),
        (None, None) => "Not sent yet".to_owned(),
    }
}

/// What a hook's row asks for, by hook id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookChange {
    /// Enable (`true`) or disable the hook.
    Enable(String, bool),
    /// Delete the hook.
    Delete(String),
}

/// One service hook (`li.hook-row`, styled as the projects page's rows): its URL, state and
/// events, its secret (for those who may change it) and log of deliveries, a button that
/// disables or enables it, and one that deletes it once confirmed.
#[component]
pub fn HookRow(
    hook: ServiceHook,
    org: Memo<String>,
    project: Memo<String>,
    on_change: Callback<HookChange>,
) -> impl IntoView {
    let active = hook.status == "active";
    let (toggle_id, delete_id) = (hook.id.clone(), hook.id.clone());
    let on_delete = Callback::new(move |()| on_change.run(HookChange::Delete(delete_id.clone())));
    // Those who see the secret may change the hook, and read its log; others would get a 403.
    let deliveries =
        hook.secret.is_some().then(|| view! { <HookDeliveries org project hook=hook.id.clone()/> });
    let secret = hook.secret.map(|secret| {
        view! {
            <details class="hook-secret-details" style="margin-bottom: 0.6rem">
                <summary>"Secret"</summary>
                <code class="project-dsn hook-secret">{secret}</code>
            </details>
        }
    });
    view! {
        <li class="project-row hook-row" data-hook=hook.id>
            <div class="project-head">
                <code class="project-name hook-url" style="overflow-wrap: anywhere">
                    {hook.url}
                </code>
                <span class="badge hook-status">{hook.status}</span>
                <span class="hint hook-events">{hook_events_text(&hook.events)}</span>
            </div>
            {secret}
            <div class="project-dsns key-actions">
                <button
                    type="button"
                    class="button button-secondary hook-toggle"
                    on:click=move |_| on_change.run(HookChange::Enable(toggle_id.clone(), !active))
                >
                    {if active { "Disable" } else { "Enable" }}
                </button>
                <ConfirmDelete
                    name="hook"
                    warning="Its URL gets no more events."
                    confirm="Delete hook"
                    on_confirm=on_delete
                />
            </div>
            {deliveries}
        </li>
    }
}

/// A hook's *Recent deliveries* (`details.hook-deliveries`): fetched each time it is opened,
/// each (`li.hook-delivery`) with its state, outcome, attempts, time and issue.
#[component]
fn HookDeliveries(org: Memo<String>, project: Memo<String>, hook: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let log = LocalResource::new(move || {
        let opened = open.get();
        let (org, project, hook) = (org.get(), project.get(), hook.clone());
        async move {
            if opened {
                Some(api::hook_deliveries(&org, &project, &hook).await)
            } else {
                None
            }
        }
    });
    let list = move || match log.get() {
        None => view! { <Loading/> }.into_any(),
        Some(None) => ().into_any(),
        Some(Some(Err(error))) => view! { <ApiError error/> }.into_any(),
        Some(Some(Ok(deliveries))) if deliveries.is_empty() => {
            view! { <p class="hint">"No deliveries yet."</p> }.into_any()
        }
        Some(Some(Ok(deliveries))) => view! {
            <ul class="hook-delivery-list">
                {deliveries
                    .into_iter()
                    .map(|delivery| view! { <DeliveryRow delivery org/> })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <details
            class="hook-deliveries"
            style="margin-top: 0.6rem"
            on:toggle=move |ev| {
                // Read through `Reflect`: the DOM's `open` getter would be one more import of
                // the main module, which every cold load fetches.
                let state = ev.target().and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok());
                open.set(state.and_then(|state| state.as_bool()).unwrap_or(false));
            }
        >
            <summary>"Recent deliveries"</summary>
            {list}
        </details>
    }
}

/// One delivery of a hook's log (`li.hook-delivery[data-state]`).
#[component]
fn DeliveryRow(delivery: HookDelivery, org: Memo<String>) -> impl IntoView {
    let attempts = match delivery.attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    let issue = Page::Issue { org: org.get_untracked(), id: delivery.issue_id.clone() };
    let outcome = delivery_outcome(&delivery);
    let (state, data_state) = (delivery.state.clone(), delivery.state);
    view! {
        <li class="project-dsns hook-delivery" data-state=data_state>
            <span class="badge hook-delivery-state">{state}</span>
            <span class="hook-delivery-outcome">{outcome}</span>
            <span class="hint">{attempts}</span>
            <TimeAgo time=delivery.date_finished.unwrap_or(delivery.date_created)/>
            <a class="hook-delivery-issue" href=issue.path()>
                "Issue " {delivery.issue_id}
            </a>
        </li>
    }
}

/// The project's service hooks (Sentry's *Service Hooks*), a new one, and the rows' changes;
/// the list is fetched again after each.
#[component]
fn ServiceHooks(org: Memo<String>, project: Memo<String>) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let hooks = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project.get());
        async move { api::service_hooks(&org, &project).await }
    });
    let url = RwSignal::new(String::new());
    let on_created = RwSignal::new(true);
    let on_alert = RwSignal::new(false);
    let create = Action::new_local(move |(): &()| {
        let events = [("event.created", on_created), ("event.alert", on_alert)]
            .into_iter()
            .filter(|(_, on)| on.get_untracked())
            .map(|(event, _)| event.to_owned())
            .collect();
        let request = ServiceHookRequest {
            url: Some(url.get_untracked().trim().to_owned()),
            events: Some(events),
            ..Default::default()
        };
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::create_service_hook(&org, &project, &request).await }
    });
    let change = Action::new_local(move |change: &HookChange| {
        let change = change.clone();
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move {
            match change {
                HookChange::Enable(id, on) => {
                    let request = ServiceHookRequest { is_active: Some(on), ..Default::default() };
                    api::update_service_hook(&org, &project, &id, &request).await.map(drop)
                }
                HookChange::Delete(id) => api::delete_service_hook(&org, &project, &id).await,
            }
        }
    });
    Effect::new(move |_| {
        if create.value().with(|v| matches!(v, Some(Ok(_)))) {
            url.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if change.value().with(Option::is_some) {
            version.update(|v| *v += 1);
        }
    });
    let on_change = Callback::new(move |request: HookChange| {
        change.dispatch(request);
    });
    let list = move || match hooks.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(hooks)) if hooks.is_empty() => {
            view! { <p class="hint hooks-empty">"No service hooks yet."</p> }.into_any()
        }
        Some(Ok(hooks)) => view! {
            <ul id="hook-list" class="project-rows">
                {hooks
                    .into_iter()
                    .map(|hook| view! { <HookRow hook org project on_change/> })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <h2 id="service-hooks">"Service Hooks"</h2>
        <p class="hint">
            "Each new event, or each event that fires an alert rule, is POSTed as JSON to the hook's URL, signed with its secret (the HMAC-SHA256 of the body, in the X-ServiceHook-Signature header), as Sentry's service hooks are."
        </p>
        <FormError message=failure(change)/>
        {list}
        <form
            id="new-hook-form"
            class="settings-form"
            on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(());
            }
        >
            <InputField id="new-hook-url" label="URL of a new hook" kind="url" value=url/>
            <Toggle id="new-hook-created" label="New events (event.created)" value=on_created/>
            <Toggle id="new-hook-alert" label="Alerts (event.alert)" value=on_alert/>
            <button type="submit" class="button" disabled=move || create.pending().get()>
                "Add hook"
            </button>
            <FormError message=failure(create)/>
        </form>
    }
}

/// Who discarded an issue, in words: their name (their email when they gave none), or "—"
/// when that is not known.
pub fn discarded_by(tombstone: &Tombstone) -> String {
    match &tombstone.actor {
        Some(user) if !user.name.trim().is_empty() => user.name.clone(),
        Some(user) if !user.email.trim().is_empty() => user.email.clone(),
        _ => "—".to_owned(),
    }
}

/// One discarded issue (`li.discarded-issue`): its level and title as the issue list shows
/// them, its culprit, who discarded it and when, and a button (`.undiscard-button`, disabled
/// while `busy`) that hands its id to `on_undiscard`. All of it as text.
#[component]
pub fn DiscardedIssueRow(
    tombstone: Tombstone,
    on_undiscard: Callback<String>,
    busy: Signal<bool>,
) -> impl IntoView {
    let id = tombstone.id.clone();
    let by = discarded_by(&tombstone);
    let level = tombstone.level;
    view! {
        <li class="project-row discarded-issue" data-tombstone=tombstone.id>
            <span class=format!("issue-level {}", level_class(&level)) title=level></span>
            <div class="issue-main">
                <div class="issue-title discarded-title">{tombstone.message}</div>
                <div class="issue-meta">
                    <span class="issue-culprit discarded-culprit">{tombstone.culprit}</span>
                    <span class="discarded-actor">"Discarded by " {by}</span>
                    <TimeAgo time=tombstone.date_added/>
                </div>
            </div>
            <button
                type="button"
                class="button button-secondary undiscard-button"
                disabled=move || busy.get()
                on:click=move |_| on_undiscard.run(id.clone())
            >
                "Undiscard"
            </button>
        </li>
    }
}

/// The project's discarded issues (Sentry's *Discarded Issues*, its group tombstones), newest
/// first, 100 a page with a *More* button for the next, and undiscarding one; the pages shown
/// are fetched again after each undiscard. Undiscarding takes `project:admin`: the server's
/// refusal is shown above the list.
#[component]
fn DiscardedIssues(org: Memo<String>, project: Memo<String>) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    // How many pages are shown: the list is read forwards only, so each is fetched again with
    // the ones before it (they are rarely more than one).
    let pages = RwSignal::new(1_usize);
    let discarded = LocalResource::new(move || {
        version.track();
        let (org, project, pages) = (org.get(), project.get(), pages.get());
        async move {
            let mut page = api::tombstones(&org, &project, None).await?;
            let mut items = std::mem::take(&mut page.items);
            for _ in 1..pages {
                let Some(cursor) = page.next.take() else { break };
                page = api::tombstones(&org, &project, Some(&cursor)).await?;
                items.append(&mut page.items);
            }
            Ok::<_, api::Error>((items, page.next))
        }
    });
    let undiscard = Action::new_local(move |id: &String| {
        let id = id.clone();
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::undiscard(&org, &project, &id).await }
    });
    Effect::new(move |_| {
        // After a refusal too: one already undiscarded elsewhere (404) leaves the list.
        if undiscard.value().with(Option::is_some) {
            version.update(|v| *v += 1);
        }
    });
    let on_undiscard = Callback::new(move |id: String| {
        undiscard.dispatch(id);
    });
    let busy = Signal::derive(move || undiscard.pending().get());
    let refused = move || {
        undiscard.value().get().and_then(Result::err).map(|error| view! { <ApiError error/> })
    };
    let list = move || match discarded.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok((items, _))) if items.is_empty() => {
            view! { <p class="hint discarded-empty">"No discarded issues."</p> }.into_any()
        }
        Some(Ok((items, next))) => view! {
            <ul id="discarded-issue-list" class="project-rows">
                {items
                    .into_iter()
                    .map(|tombstone| view! { <DiscardedIssueRow tombstone on_undiscard busy/> })
                    .collect_view()}
            </ul>
            {next.map(|_| {
                view! {
                    <button
                        type="button"
                        class="button button-secondary discarded-more"
                        on:click=move |_| pages.update(|p| *p += 1)
                    >
                        "More"
                    </button>
                }
            })}
        }
        .into_any(),
    };
    view! {
        <section id="discarded-issues" class="discarded-issues">
            <h2>"Discarded Issues"</h2>
            <p class="hint">
                "Issues deleted with " <em>"Delete and discard future events"</em>
                ". Their new events are dropped and counted as filtered. Undiscarding lets new events open an issue again; the deleted events do not come back."
            </p>
            {refused}
            {list}
        </section>
    }
}

/// The project's client keys, a new one, and the rows' changes; the list is fetched again after
/// each.
#[component]
fn ClientKeys(org: Memo<String>, project: Memo<String>) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let keys = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project.get());
        async move { api::project_keys(&org, &project).await }
    });
    let name = RwSignal::new(String::new());
    let create = Action::new_local(move |name: &String| {
        // No name: the server's `Default`, as Sentry's.
        let name = Some(name.trim().to_owned()).filter(|n| !n.is_empty());
        let request = CreateKeyRequest { name };
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::create_key(&org, &project, &request).await }
    });
    let change = Action::new_local(move |change: &KeyChange| {
        let change = change.clone();
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move {
            match change {
                KeyChange::Enable(id, on) => {
                    let request = UpdateKeyRequest { is_active: Some(on), ..Default::default() };
                    api::update_key(&org, &project, &id, &request).await.map(drop)
                }
                KeyChange::Delete(id) => api::delete_key(&org, &project, &id).await,
            }
        }
    });
    Effect::new(move |_| {
        create.value().with(|v| {
            if let Some(answer) = v {
                if answer.is_ok() {
                    name.set(String::new());
                }
                version.update(|v| *v += 1);
            }
        });
    });
    Effect::new(move |_| {
        if change.value().with(Option::is_some) {
            version.update(|v| *v += 1);
        }
    });
    let on_change = Callback::new(move |request: KeyChange| {
        change.dispatch(request);
    });
    let list = move || match keys.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(keys)) => view! {
            <ul id="key-list" class="project-rows">
                {keys.into_iter().map(|key| view! { <KeyRow key on_change/> }).collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <h2>"Client Keys (DSN)"</h2>
        <FormError message=failure(change)/>
        {list}
        <form
            id="new-key-form"
            class="settings-form"
            on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(name.get());
            }
        >
            <div class="settings-inline">
                <InputField
                    id="new-key-name"
                    label="Name of a new key (Default when empty)"
                    kind="text"
                    maxlength=64
                    value=name
                />
            </div>
            <button type="submit" class="button" disabled=move || create.pending().get()>
                "Generate new key"
            </button>
            <FormError message=failure(create)/>
        </form>
    }
}

/// The page's sections, each a form that saves on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    General,
    Privacy,
    Grouping,
    Alerts,
    RateLimit,
    Filters,
    Highlights,
}

/// The form's fields, filled from the project's settings as the server keeps them.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    slug: RwSignal<String>,
    /// Empty: none.
    platform: RwSignal<String>,
    data_scrubber: RwSignal<bool>,
    data_scrubber_defaults: RwSignal<bool>,
    scrub_ip_addresses: RwSignal<bool>,
    sensitive_fields: RwSignal<String>,
    safe_fields: RwSignal<String>,
    allowed_domains: RwSignal<String>,
    fingerprinting_rules: RwSignal<String>,
    grouping_enhancements: RwSignal<String>,
    new_issue_alerts: RwSignal<bool>,
    limit_count: RwSignal<String>,
    limit_window: RwSignal<String>,
    filtered_messages: RwSignal<String>,
    filtered_releases: RwSignal<String>,
    filtered_ips: RwSignal<String>,
    /// The event highlights' tags, one per line.
    highlight_tags: RwSignal<String>,
    /// The event highlights' context fields, `context: field, field` per line.
    highlight_context: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Fields {
            name: text(),
            slug: text(),
            platform: text(),
            data_scrubber: RwSignal::new(true),
            data_scrubber_defaults: RwSignal::new(true),
            scrub_ip_addresses: RwSignal::new(false),
            sensitive_fields: text(),
            safe_fields: text(),
            allowed_domains: text(),
            fingerprinting_rules: text(),
            grouping_enhancements: text(),
            new_issue_alerts: RwSignal::new(true),
            limit_count: text(),
            limit_window: text(),
            filtered_messages: text(),
            filtered_releases: text(),
            filtered_ips: text(),
            highlight_tags: text(),
            highlight_context: text(),
        }
    }

    /// Fills the fields of `section` (of every section: `None`) from the settings as kept;
    /// after one section's save, the others keep what is being typed into them.
    fn fill(&self, details: &ProjectDetails, section: Option<Section>) {
        let all = section.is_none();
        if all || section == Some(Section::General) {
            self.name.set(details.project.name.clone());
            self.slug.set(details.project.slug.clone());
            self.platform.set(details.project.platform.clone().unwrap_or_default());
        }
        if all || section == Some(Section::Privacy) {
            self.data_scrubber.set(details.data_scrubber);
            self.data_scrubber_defaults.set(details.data_scrubber_defaults);
            self.scrub_ip_addresses.set(details.scrub_ip_addresses);
            self.sensitive_fields.set(details.sensitive_fields.join("\n"));
            self.safe_fields.set(details.safe_fields.join("\n"));
            self.allowed_domains.set(details.allowed_domains.join("\n"));
        }
        if all || section == Some(Section::Grouping) {
            self.fingerprinting_rules.set(details.fingerprinting_rules.clone());
            self.grouping_enhancements.set(details.grouping_enhancements.clone());
        }
        if all || section == Some(Section::Alerts) {
            self.new_issue_alerts.set(details.new_issue_alerts);
        }
        if all || section == Some(Section::RateLimit) {
            let limit = details.rate_limit;
            self.limit_count.set(limit.map(|l| l.count.to_string()).unwrap_or_default());
            self.limit_window.set(limit.map(|l| l.window.to_string()).unwrap_or_default());
        }
        if all || section == Some(Section::Highlights) {
            self.highlight_tags.set(details.highlight_tags.join("\n"));
            self.highlight_context.set(lines_of_context(&details.highlight_context));
        }
        if all || section == Some(Section::Filters) {
            self.filtered_messages.set(details.options.error_messages.clone());
            self.filtered_releases.set(details.options.releases.clone());
            self.filtered_ips.set(details.options.blacklisted_ips.clone());
        }
    }

    /// What saving `section` sends: its fields only.
    fn request(&self, section: Section) -> Result<UpdateProjectRequest, String> {
        let mut request = UpdateProjectRequest::default();
        match section {
            Section::General => {
                request.name = Some(self.name.get());
                request.slug = Some(self.slug.get().trim().to_owned());
                request.platform = Some(self.platform.get());
            }
            Section::Privacy => {
                request.data_scrubber = Some(self.data_scrubber.get());
                request.data_scrubber_defaults = Some(self.data_scrubber_defaults.get());
                request.scrub_ip_addresses = Some(self.scrub_ip_addresses.get());
                request.sensitive_fields = Some(list_lines(&self.sensitive_fields.get()));
                request.safe_fields = Some(list_lines(&self.safe_fields.get()));
                request.allowed_domains = Some(list_lines(&self.allowed_domains.get()));
            }
            Section::Grouping => {
                request.fingerprinting_rules = Some(self.fingerprinting_rules.get());
                request.grouping_enhancements = Some(self.grouping_enhancements.get());
            }
            Section::Alerts => request.new_issue_alerts = Some(self.new_issue_alerts.get()),
            Section::RateLimit => {
                let limit = rate_limit_of(&self.limit_count.get(), &self.limit_window.get())?;
                request.rate_limit = Some(limit);
            }
            Section::Highlights => {
                request.highlight_tags = Some(list_lines(&self.highlight_tags.get()));
                request.highlight_context = Some(context_of_lines(&self.highlight_context.get())?);
            }
            Section::Filters => {
                request.options = Some(UpdateProjectOptions {
                    error_messages: Some(self.filtered_messages.get()),
                    releases: Some(self.filtered_releases.get()),
                    blacklisted_ips: Some(self.filtered_ips.get()),
                });
            }
        }
        Ok(request)
    }
}

/// A checkbox with its label.
/// *Project Team*: the team the project belongs to (Sentry's project teams; a Cairn project has
/// one), whose members new issues notify when no ownership rule names an owner. `current` is
/// the team as loaded with the project's settings.
#[component]
fn ProjectTeam(
    org: Memo<String>,
    project: Memo<String>,
    current: Signal<Option<String>>,
) -> impl IntoView {
    let teams = LocalResource::new(move || {
        let org = org.get();
        async move { api::teams(&org).await }
    });
    // The team as saved, and the one chosen in the list ("" for none).
    let saved = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(String::new());
    Effect::new(move |_| {
        let team = current.get();
        chosen.set(team.clone().unwrap_or_default());
        saved.set(team);
    });
    let save = Action::new_local(move |chosen: &String| {
        let (org, project, chosen) = (org.get_untracked(), project.get_untracked(), chosen.clone());
        let before = saved.get_untracked();
        async move {
            let answer = match (chosen.as_str(), before) {
                ("", None) => return Ok(None),
                ("", Some(team)) => api::set_project_team(&org, &project, &team, false).await?,
                (team, _) => api::set_project_team(&org, &project, team, true).await?,
            };
            Ok::<_, api::Error>(answer.team.map(|t| t.slug))
        }
    });
    let session = use_session();
    Effect::new(move |_| {
        if let Some(Ok(team)) = save.value().get() {
            saved.set(team);
            // The projects page and the pickers show the project's team.
            if let Some(session) = session {
                session.projects_version.update(|v| *v += 1);
            }
        }
    });
    let options = move || {
        let teams = teams.get().and_then(Result::ok).unwrap_or_default();
        teams
            .into_iter()
            .map(|team| {
                let slug = team.slug.clone();
                let selected = move || chosen.get() == slug;
                view! { <option value=team.slug selected=selected>{team.name}</option> }
            })
            .collect_view()
    };
    let refused = Signal::derive(move || {
        save.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().map(|e| e.message())))
    });
    let outcome = move || {
        save.value()
            .with(|v| matches!(v, Some(Ok(_))))
            .then(|| view! { <p class="settings-saved" role="status">"Saved."</p> })
    };
    view! {
        <SettingsForm
            id="team-form"
            title="Project Team"
            button="Save team"
            on_submit=Callback::new(move |()| {
                save.dispatch(chosen.get_untracked());
            })
            saving=Signal::derive(move || save.pending().get())
            outcome=view! {
                <FormError message=refused/>
                {outcome}
            }
                .into_any()
        >
            <label class="field">
                <span class="label">"Team"</span>
                <select id="project-team" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    <option value="" selected=move || chosen.get().is_empty()>"No team"</option>
                    {options}
                </select>
                <span class="hint">
                    "New issues that no ownership rule assigns notify the members of the project's team."
                </span>
            </label>
        </SettingsForm>
    }
}

/// *Remove Project*: deletes the project with its keys, issues, events and release health
/// after a confirmation, then shows the organization's projects (the header's switcher
/// without it).
#[component]
fn RemoveProject(org: Memo<String>, project: Memo<String>) -> impl IntoView {
    let remove = Action::new_local(move |(): &()| {
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { api::delete_project(&org, &project).await }
    });
    let navigate = use_navigate();
    let session = use_session();
    Effect::new(move |_| {
        if remove.value().with(|v| matches!(v, Some(Ok(())))) {
            if let Some(session) = session {
                session.projects_version.update(|v| *v += 1);
            }
            let page = Page::Projects { org: org.get_untracked() };
            navigate(&page.path(), NavigateOptions { replace: true, ..Default::default() });
        }
    });
    let refused = Signal::derive(move || {
        remove.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().map(|e| e.message())))
    });
    view! {
        <h2>"Remove Project"</h2>
        <div id="remove-project" class="settings-form">
            <p class="hint">
                "Deletes the project with its DSN keys, issues, events, attachments and release health; its releases stay with the organization. This cannot be undone."
            </p>
            {move || {
                if remove.pending().get() {
                    view! { <p role="status">"Deleting the project…"</p> }.into_any()
                } else {
                    view! {
                        <ConfirmDelete
                            name="project"
                            warning="Delete this project and all its data?"
                            confirm="Delete project"
                            on_confirm=Callback::new(move |()| {
                                remove.dispatch(());
                            })
                        />
                    }
                        .into_any()
                }
            }}
            <FormError message=refused/>
        </div>
    }
}

#[component]
fn Toggle(id: &'static str, label: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="field checkbox">
            <input
                id=id
                type="checkbox"
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            {label}
        </label>
    }
}

/// A one-line field with its label, and a hint under it if given: `kind` is `text`, `url` or
/// `number` (whole numbers from 1).
#[component]
pub(crate) fn InputField(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
) -> impl IntoView {
    let number = kind == "number";
    view! {
        <label class="field">
            <span class="label">{label}</span>
            <input
                id=id
                type=kind
                min=number.then_some("1")
                inputmode=number.then_some("numeric")
                maxlength=maxlength
                spellcheck="false"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|hint| view! { <span class="hint">{hint}</span> })}
        </label>
    }
}

/// The project's platform: the ones Cairn has set-up snippets for, the current one if it is
/// another, or none.
#[component]
fn PlatformField(value: RwSignal<String>) -> impl IntoView {
    let options = move || {
        let current = value.get();
        let mut choices: Vec<(String, String)> = vec![(String::new(), "None".to_owned())];
        choices.extend(PLATFORMS.iter().map(|(id, label)| ((*id).to_owned(), (*label).to_owned())));
        if !choices.iter().any(|(id, _)| *id == current) {
            choices.push((current.clone(), current.clone()));
        }
        choices
            .into_iter()
            .map(|(id, label)| {
                let selected = id == current;
                view! { <option value=id selected=selected>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <label class="field">
            <span class="label">"Platform"</span>
            <select id="project-platform" on:change=move |ev| value.set(event_target_value(&ev))>
                {options}
            </select>
        </label>
    }
}

/// One section of the page: its title, and its form of `children` with the button that saves
/// them and, under it, the outcome of the last save.
#[component]
pub(crate) fn SettingsForm(
    id: &'static str,
    title: &'static str,
    button: &'static str,
    on_submit: Callback<()>,
    saving: Signal<bool>,
    outcome: AnyView,
    children: Children,
) -> impl IntoView {
    view! {
        <h2>{title}</h2>
        <form
            id=id
            class="settings-form"
            on:submit=move |ev| {
                ev.prevent_default();
                on_submit.run(());
            }
        >
            {children()}
            <button type="submit" class="button" disabled=move || saving.get()>
                {button}
            </button>
            {outcome}
        </form>
    }
}

/// A text area with its label and a hint under it.
#[component]
fn LinesField(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    rows: u32,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="label">{label}</span>
            <textarea
                id=id
                rows=rows
                spellcheck="false"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
            <span class="hint">{hint}</span>
        </label>
    }
}

/// The project settings route.
#[component]
pub fn ProjectSettingsPage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let project = Memo::new(move |_| params.read().get(PROJECT_PARAM).unwrap_or_default());
    let details = LocalResource::new(move || {
        let (org, project) = (org.get(), project.get());
        async move { api::project(&org, &project).await }
    });
    let fields = Fields::new();
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = details.get() {
            fields.fill(&loaded, None);
        }
    });
    // The project's id, which code mappings name it by; empty until it is loaded.
    let project_id = Memo::new(move |_| match details.get() {
        Some(Ok(loaded)) => loaded.project.id,
        _ => String::new(),
    });
    let team = Signal::derive(move || match details.get() {
        Some(Ok(loaded)) => loaded.project.team.map(|t| t.slug),
        _ => None,
    });

    // The last save: its section, and the settings as kept or why not.
    let save = Action::new_local(move |(section, request): &(Section, UpdateProjectRequest)| {
        let (section, request) = (*section, request.clone());
        let (org, project) = (org.get_untracked(), project.get_untracked());
        async move { (section, api::update_project(&org, &project, &request).await) }
    });
    // A form the browser could not even send (the rate limit's numbers).
    let invalid = RwSignal::new(None::<(Section, String)>);
    let navigate = use_navigate();
    let session = use_session();
    Effect::new(move |_| {
        save.value().with(|v| {
            let Some((section, Ok(kept))) = v else { return };
            fields.fill(kept, Some(*section));
            if *section == Section::General {
                // The header's switcher and pickers show the new name.
                if let Some(session) = session {
                    session.projects_version.update(|v| *v += 1);
                }
                if kept.project.slug != project.get_untracked() {
                    let page = Page::ProjectSettings {
                        org: org.get_untracked(),
                        project: kept.project.slug.clone(),
                    };
                    navigate(&page.path(), NavigateOptions { replace: true, ..Default::default() });
                }
            }
        });
    });
    let submit = move |section: Section| match fields.request(section) {
        Ok(request) => {
            invalid.set(None);
            save.dispatch((section, request));
        }
        Err(message) => invalid.set(Some((section, message))),
    };
    // Under each form: "Saved.", or why not (the form's numbers, or the server's words).
    let outcome = move |section: Section| {
        let refused = Signal::derive(move || {
            if let Some((_, message)) = invalid.get().filter(|(s, _)| *s == section) {
                return Some(message);
            }
            save.value().with(|v| match v {
                Some((s, Err(error))) if *s == section => Some(error.message()),
                _ => None,
            })
        });
        let saved = move || {
            let done = save.value().with(|v| matches!(v, Some((s, Ok(_))) if *s == section));
            let mine_invalid = invalid.with(|i| matches!(i, Some((s, _)) if *s == section));
            (done && !mine_invalid)
                .then(|| view! { <p class="settings-saved" role="status">"Saved."</p> })
        };
        view! {
            <FormError message=refused/>
            {saved}
        }
    };
    let saving = Signal::derive(move || save.pending().get());

    view! {
        <section class="page project-settings-page">
            <header class="page-header">
                <h1>"Project settings"</h1>
                <p class="page-subtitle">
                    {move || match details.get() {
                        Some(Ok(loaded)) => loaded.project.name,
                        _ => project.get(),
                    }}
                </p>
            </header>
            {move || match details.get() {
                None => Some(view! { <Loading/> }.into_any()),
                Some(Err(error)) => Some(view! { <ApiError error/> }.into_any()),
                Some(Ok(_)) => None,
            }}

            <SettingsForm
                id="general-form"
                title="General"
                button="Save name and slug"
                on_submit=Callback::new(move |()| submit(Section::General))
                saving
                outcome=outcome(Section::General).into_any()
            >
                <InputField
                    id="project-name"
                    label="Name"
                    kind="text"
                    maxlength=50
                    value=fields.name
                />
                <InputField
                    id="project-slug"
                    label="Slug"
                    kind="text"
                    maxlength=50
                    value=fields.slug
                    hint="The project's URLs and its issues' short ids use it; the DSN does not change."
                />
                <PlatformField value=fields.platform/>
            </SettingsForm>

            <SettingsForm
                id="privacy-form"
                title="Security & Privacy"
                button="Save privacy settings"
                on_submit=Callback::new(move |()| submit(Section::Privacy))
                saving
                outcome=outcome(Section::Privacy).into_any()
            >
                <Toggle
                    id="data-scrubber"
                    label="Data scrubber: remove sensitive data from events as they arrive"
                    value=fields.data_scrubber
                />
                <Toggle
                    id="data-scrubber-defaults"
                    label="Use the default scrubbers (passwords, secrets, tokens, credit cards, ...)"
                    value=fields.data_scrubber_defaults
                />
                <Toggle
                    id="scrub-ip-addresses"
                    label="Prevent storing IP addresses"
                    value=fields.scrub_ip_addresses
                />
                <LinesField
                    id="sensitive-fields"
                    label="Additional sensitive fields"
                    hint="Field names whose values are always removed, one per line."
                    rows=3
                    value=fields.sensitive_fields
                />
                <LinesField
                    id="safe-fields"
                    label="Safe fields"
                    hint="Field names the scrubbers leave alone, one per line."
                    rows=3
                    value=fields.safe_fields
                />
                <LinesField
                    id="allowed-domains"
                    label="Allowed domains"
                    hint="Origins browsers may send events from, one per line (https://*.example.com); * for any."
                    rows=3
                    value=fields.allowed_domains
                />
            </SettingsForm>

            <SettingsForm
                id="grouping-form"
                title="Issue Grouping"
                button="Save grouping rules"
                on_submit=Callback::new(move |()| submit(Section::Grouping))
                saving
                outcome=outcome(Section::Grouping).into_any()
            >
                <LinesField
                    id="fingerprinting-rules"
                    label="Fingerprint rules"
                    hint="Sentry's syntax, one per line: error.type:\"Parse*Error\" -> parse-failures. They apply to new events."
                    rows=5
                    value=fields.fingerprinting_rules
                />
                <LinesField
                    id="grouping-enhancements"
                    label="Stack trace rules"
                    hint="Sentry's syntax, one per line: stack.module:vendor.* -app"
                    rows=5
                    value=fields.grouping_enhancements
                />
            </SettingsForm>

            <SettingsForm
                id="highlights-form"
                title="Event Highlights"
                button="Save highlights"
                on_submit=Callback::new(move |()| submit(Section::Highlights))
                saving
                outcome=outcome(Section::Highlights).into_any()
            >
                <LinesField
                    id="highlight-tags"
                    label="Tags"
                    hint="Tag keys the issue page shows first, one per line (release, environment, customer)."
                    rows=4
                    value=fields.highlight_tags
                />
                <LinesField
                    id="highlight-context"
                    label="Context fields"
                    hint="One context per line with its fields: browser: name, version"
                    rows=4
                    value=fields.highlight_context
                />
            </SettingsForm>

            <SettingsForm
                id="alerts-form"
                title="Alerts"
                button="Save alerts"
                on_submit=Callback::new(move |()| submit(Section::Alerts))
                saving
                outcome=outcome(Section::Alerts).into_any()
            >
                <Toggle
                    id="new-issue-alerts"
                    label="A new issue notifies its owners, or, when no ownership rule names any, the project's team (in the inbox, and by email when the server has a mail server)"
                    value=fields.new_issue_alerts
                />
                <p class="hint">
                    "More, with conditions, filters and whom to notify: "
                    <a
                        id="project-alert-rules"
                        href=move || {
                            super::alert_rules::alert_rules_href(&org.get(), Some(&project.get()))
                        }
                    >
                        "the project's alert rules"
                    </a>
                </p>
            </SettingsForm>

            <SettingsForm
                id="rate-limit-form"
                title="Rate limit"
                button="Save rate limit"
                on_submit=Callback::new(move |()| submit(Section::RateLimit))
                saving
                outcome=outcome(Section::RateLimit).into_any()
            >
                <p class="hint">
                    "At most this many events over all the project's keys in each window; more are refused with 429. Empty: no limit."
                </p>
                <div class="settings-inline">
                    <InputField
                        id="rate-limit-count"
                        label="Events"
                        kind="number"
                        value=fields.limit_count
                    />
                    <InputField
                        id="rate-limit-window"
                        label="Per seconds"
                        kind="number"
                        value=fields.limit_window
                    />
                </div>
            </SettingsForm>

            <SettingsForm
                id="filters-form"
                title="Inbound Filters"
                button="Save filters"
                on_submit=Callback::new(move |()| submit(Section::Filters))
                saving
                outcome=outcome(Section::Filters).into_any()
            >
                <p class="hint">
                    "Events a filter matches are answered as usual but not stored, and counted by filter."
                </p>
                <FilterSwitches org project/>
                <LinesField
                    id="filtered-messages"
                    label="Error messages"
                    hint="Glob patterns, one per line, matched against the message and each exception's Type: value, ignoring case: ChunkLoadError: Loading chunk *"
                    rows=3
                    value=fields.filtered_messages
                />
                <LinesField
                    id="filtered-releases"
                    label="Releases"
                    hint="Glob patterns, one per line: *-dev"
                    rows=2
                    value=fields.filtered_releases
                />
                <LinesField
                    id="filtered-ips"
                    label="IP Addresses"
                    hint="Addresses or networks, one per line, of the clients whose events are dropped: 10.0.0.0/8"
                    rows=2
                    value=fields.filtered_ips
                />
            </SettingsForm>

            <DiscardedIssues org project/>
            <ProjectTeam org project current=team/>
            <ClientKeys org project/>
            <SourceMaps org project/>
            <Environments org project/>
            <CodeMappings org project_id/>
            <ServiceHooks org project/>
            <RemoveProject org project/>
        </section>
    }
}
