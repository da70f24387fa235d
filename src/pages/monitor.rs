//! `/organizations/{org}/crons/{project}/{monitor}/` (Sentry's URL): one cron monitor: its
//! status, schedule and margins, its state in each environment (with the issue its failures
//! opened), its latest check-ins, and the buttons that mute, disable or delete it.

use cairn_types::api::{Monitor, MonitorCheckIn, MonitorEnvironment, MonitorRequest};
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_params_map},
    NavigateOptions,
};

use super::crons::{
    ago_or_dash, check_in_status, count_of, duration_text, environment_status, monitor_status,
    schedule_text, until_or_dash, StatusDot,
};
use crate::{
    api,
    components::{
        confirm::ConfirmDelete, failure, time_ago::absolute_time, ApiError, FormError, Loading,
        TimeAgo,
    },
    routes::{Page, MONITOR_PARAM, PROJECT_PARAM},
};

/// The monitor route.
#[component]
pub fn MonitorPage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let project = Memo::new(move |_| params.read().get(PROJECT_PARAM).unwrap_or_default());
    let slug = Memo::new(move |_| params.read().get(MONITOR_PARAM).unwrap_or_default());
    let monitor = LocalResource::new(move || {
        let (org, project, slug) = (org.get(), project.get(), slug.get());
        async move { api::monitor(&org, &project, &slug).await }
    });
    let check_ins = LocalResource::new(move || {
        let (org, project, slug) = (org.get(), project.get(), slug.get());
        async move { api::monitor_check_ins(&org, &project, &slug).await }
    });
    // Mute or unmute, disable or enable; the page shows the monitor as it is then.
    let update = Action::new_local(move |request: &MonitorRequest| {
        let (org, project, slug) =
            (org.get_untracked(), project.get_untracked(), slug.get_untracked());
        let request = request.clone();
        async move { api::update_monitor(&org, &project, &slug, &request).await }
    });
    Effect::new(move |_| {
        if update.value().with(|v| matches!(v, Some(Ok(_)))) {
            monitor.refetch();
        }
    });
    let delete = Action::new_local(move |(): &()| {
        let (org, project, slug) =
            (org.get_untracked(), project.get_untracked(), slug.get_untracked());
        async move { api::delete_monitor(&org, &project, &slug).await }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if delete.value().with(|v| matches!(v, Some(Ok(())))) {
            let page = Page::Crons { org: org.get_untracked() };
            navigate(&page.path(), NavigateOptions { replace: true, ..Default::default() });
        }
    });
    let refused = Signal::derive(move || {
        delete.value().with(|v| v.as_ref().and_then(|r| r.as_ref().err().map(|e| e.message())))
    });

    let actions = move || {
        let monitor = monitor.get()?.ok()?;
        let muted = monitor.is_muted;
        let disabled = monitor.status == "disabled";
        let busy = move || update.pending().get() || delete.pending().get();
        Some(view! {
            <div class="monitor-actions">
                <button
                    type="button"
                    id="monitor-mute"
                    class="button button-secondary"
                    disabled=busy
                    on:click=move |_| {
                        update
                            .dispatch(MonitorRequest {
                                is_muted: Some(!muted),
                                ..Default::default()
                            });
                    }
                >
                    {if muted { "Unmute" } else { "Mute" }}
                </button>
                <button
                    type="button"
                    id="monitor-disable"
                    class="button button-secondary"
                    disabled=busy
                    on:click=move |_| {
                        let status = if disabled { "active" } else { "disabled" };
                        update
                            .dispatch(MonitorRequest {
                                status: Some(status.to_owned()),
                                ..Default::default()
                            });
                    }
                >
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <ConfirmDelete
                    name="monitor"
                    warning="Delete this monitor and its check-ins?"
                    confirm="Delete monitor"
                    on_confirm=Callback::new(move |()| {
                        delete.dispatch(());
                    })
                />
            </div>
        })
    };

    view! {
        <section class="page monitor-page">
            <header class="page-header release-header">
                <div>
                    <a class="back-link" href=move || Page::Crons { org: org.get() }.path()>
                        "Crons"
                    </a>
                    <h1 class="release-title">
                        {move || {
                            monitor
                                .get()
                                .and_then(Result::ok)
                                .map_or_else(|| slug.get(), |m| m.name)
                        }}
                    </h1>
                </div>
                {actions}
            </header>
            <FormError message=failure(update)/>
            <FormError message=refused/>
            {move || match monitor.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                Some(Ok(monitor)) => view! { <MonitorDetails org=org.get_untracked() monitor/> }.into_any(),
            }}
            <h2>"Recent check-ins"</h2>
            {move || match check_ins.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(error)) => view! { <ApiError error/> }.into_any(),
                Some(Ok(check_ins)) => view! { <CheckInTable check_ins/> }.into_any(),
            }}
        </section>
    }
}

/// The monitor's status, configuration (`#monitor-config`) and environments
/// (`#monitor-environments`).
#[component]
pub fn MonitorDetails(
    /// Organization slug, for the issue links.
    org: String,
    /// The monitor.
    monitor: Monitor,
) -> impl IntoView {
    let status = monitor_status(&monitor);
    let disabled = monitor.status == "disabled";
    let config = &monitor.config;
    // Unset margins are the server's defaults (Sentry's): 1 minute, 30 minutes.
    let minutes = |value: Option<i64>, default: i64| match value {
        Some(minutes) => count_of(minutes, "minute"),
        None => format!("{} (default)", count_of(default, "minute")),
    };
    let rows = [
        ("Project", monitor.project.slug.clone()),
        ("Slug", monitor.slug.clone()),
        ("Schedule", schedule_text(config)),
        ("Time zone", config.timezone.clone().unwrap_or_else(|| "UTC".to_owned())),
        ("Check-in margin", minutes(config.checkin_margin, 1)),
        ("Max runtime", minutes(config.max_runtime, 30)),
        (
            "Failure threshold",
            count_of(config.failure_issue_threshold.unwrap_or(1), "failed check-in"),
        ),
        (
            "Recovery threshold",
            count_of(config.recovery_threshold.unwrap_or(1), "successful check-in"),
        ),
    ]
    .into_iter()
    .map(|(name, value)| {
        view! {
            <tr>
                <th>{name}</th>
                <td>{value}</td>
            </tr>
        }
    })
    .collect_view();
    let environments = if monitor.environments.is_empty() {
        view! { <p class="hint" id="monitor-environments">"No check-in yet."</p> }.into_any()
    } else {
        let rows = monitor
            .environments
            .into_iter()
            .map(|environment| view! { <EnvironmentRow org=org.clone() environment disabled/> })
            .collect_view();
        view! {
            <table id="monitor-environments" class="release-table">
                <thead>
                    <tr>
                        <th>"Environment"</th>
                        <th>"Status"</th>
                        <th>"Last check-in"</th>
                        <th>"Next check-in"</th>
                        <th>"Issue"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <p id="monitor-status">
            <StatusDot status/>
            {monitor.is_muted.then(|| view! { " " <span class="badge monitor-muted">"Muted"</span> })}
        </p>
        <table id="monitor-config" class="kv-table monitor-config">
            <tbody>{rows}</tbody>
        </table>
        <h2>"Environments"</h2>
        {environments}
    }
}

/// One environment's row (`.monitor-environment`, `data-environment`); a disabled monitor
/// expects no next check-in.
#[component]
fn EnvironmentRow(org: String, environment: MonitorEnvironment, disabled: bool) -> impl IntoView {
    let status = environment_status(&environment);
    let issue = environment.issue_id.map(|id| {
        let href = Page::Issue { org, id }.path();
        view! { <a class="monitor-issue" href=href>"View issue"</a> }
    });
    let name = environment.name.clone();
    view! {
        <tr class="monitor-environment" data-environment=name>
            <td>{environment.name}</td>
            <td>
                <StatusDot status/>
                {environment.is_muted.then(|| view! { " " <span class="badge monitor-muted">"Muted"</span> })}
            </td>
            <td>{ago_or_dash(environment.last_check_in)}</td>
            <td>{until_or_dash(environment.next_check_in.filter(|_| !disabled))}</td>
            <td>{issue}</td>
        </tr>
    }
}

/// The check-ins (`#monitor-check-ins`), newest first, one row (`.check-in`, `data-status`)
/// each.
#[component]
pub fn CheckInTable(
    /// The check-ins, as the server orders them.
    check_ins: Vec<MonitorCheckIn>,
) -> impl IntoView {
    if check_ins.is_empty() {
        return view! { <p class="hint" id="monitor-check-ins">"No check-ins yet."</p> }.into_any();
    }
    let rows = check_ins
        .into_iter()
        .map(|check_in| {
            let time = check_in.date_created;
            let duration = check_in.duration.map_or_else(|| "—".to_owned(), duration_text);
            let expected = check_in.expected_time.map_or_else(|| "—".to_owned(), absolute_time);
            let status = check_in.status.clone();
            view! {
                <tr class="check-in" data-status=status>
                    <td><StatusDot status=check_in_status(&check_in.status)/></td>
                    <td>{check_in.environment}</td>
                    <td class="check-in-date">
                        {absolute_time(time)}
                        <span class="release-created"><TimeAgo time/></span>
                    </td>
                    <td class="check-in-duration">{duration}</td>
                    <td class="check-in-expected">{expected}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="monitor-check-ins" class="release-table">
            <thead>
                <tr>
                    <th>"Status"</th>
                    <th>"Environment"</th>
                    <th>"Date"</th>
                    <th>"Duration"</th>
                    <th>"Expected at"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
