//! `/organizations/{org}/crons/?project={id}` (Sentry's URL): the organization's cron monitors
//! (Sentry's *Crons*), failing ones first: each one's status, schedule, last check-in and the
//! next one expected. A monitor is created by its job's first check-in (an SDK, `sentry-cli
//! monitors run` or plain HTTP), so an empty list says how to send one, with the project's
//! id and key filled in. The project is in the URL (its numeric id, as Sentry's, or its slug),
//! so a link reproduces the view.
//!
//! The formatting helpers (status, schedule, durations) are shared with the monitor's page.

use cairn_types::api::{Monitor, MonitorConfig, MonitorEnvironment, Project, ProjectKey};
use chrono::{DateTime, SecondsFormat, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::Value;

use crate::{
    api,
    components::{
        time_ago::{absolute_time, now},
        ApiError, TimeAgo,
    },
    routes::Page,
};

/// The query parameter naming the project (none: every project).
const PROJECT_QUERY: &str = "project";

/// The page's URL for `project` (a project id; every project when `None`).
pub fn crons_href(org: &str, project: Option<&str>) -> String {
    let path = Page::Crons { org: org.to_owned() }.path();
    match project {
        Some(project) => format!("{path}?{PROJECT_QUERY}={}", api::segment(project)),
        None => path,
    }
}

/// A status as the pages show it: the class that colours its dot (`status-{class}`: `ok`
/// green, `error` red, `missed` orange, any other grey) and its label.
pub type Status = (&'static str, &'static str);

/// How a monitor is doing: disabled; failing when one of its environments is (its last
/// check-in errored, was missed or timed out); OK when one has checked in; otherwise waiting for
/// its first check-in.
pub fn monitor_status(monitor: &Monitor) -> Status {
    if monitor.status == "disabled" {
        return ("disabled", "Disabled");
    }
    let statuses = monitor.environments.iter().map(environment_status);
    statuses
        .min_by_key(|(class, _)| match *class {
            "error" => 0,
            "ok" => 1,
            _ => 2,
        })
        .unwrap_or(("active", "Waiting for first check-in"))
}

/// One environment's status: `ok`; `active`, waiting for its first check-in or, after one,
/// neither OK nor failing yet (failed check-ins fewer than the failure threshold, as Sentry
/// counts them); `disabled`; anything else (`error`, and Sentry's older `missed_checkin` and
/// `timeout`) is failing.
pub fn environment_status(environment: &MonitorEnvironment) -> Status {
    match environment.status.as_str() {
        "ok" => ("ok", "OK"),
        "active" if environment.last_check_in.is_some() => ("active", "Active"),
        "active" => ("active", "Waiting for first check-in"),
        "disabled" => ("disabled", "Disabled"),
        _ => ("error", "Failing"),
    }
}

/// A check-in's status: `ok` green, `error` and `timeout` red, `missed` orange, `in_progress`
/// grey.
pub fn check_in_status(status: &str) -> Status {
    match status {
        "ok" => ("ok", "OK"),
        "error" => ("error", "Error"),
        "missed" => ("missed", "Missed"),
        "timeout" => ("error", "Timed out"),
        "in_progress" => ("active", "In progress"),
        _ => ("active", "Unknown"),
    }
}

/// A status with its coloured dot (`.monitor-status.status-{class}`).
#[component]
pub fn StatusDot(status: Status) -> impl IntoView {
    view! { <span class=format!("monitor-status status-{}", status.0)>{status.1}</span> }
}

/// `n {unit}` with the unit in the plural unless `n` is 1: "1 minute", "10 minutes".
pub fn count_of(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A monitor's schedule in words: the crontab line as it is (`0 * * * *`), an interval as
/// "every 10 minutes" (Sentry's `[10, "minute"]`, or the SDKs' `{"type": "interval", "value":
/// 10, "unit": "minute"}`).
pub fn schedule_text(config: &MonitorConfig) -> String {
    fn every(count: Option<i64>, unit: Option<&str>) -> Option<String> {
        match (count?, unit?) {
            (1, unit) => Some(format!("every {unit}")),
            (count, unit) => Some(format!("every {}", count_of(count, unit))),
        }
    }
    let schedule = &config.schedule;
    let text = match schedule {
        Value::String(crontab) => Some(crontab.clone()),
        Value::Array(parts) => {
            every(parts.first().and_then(Value::as_i64), parts.get(1).and_then(Value::as_str))
        }
        Value::Object(fields) => match fields.get("value") {
            Some(Value::String(crontab)) => Some(crontab.clone()),
            value => {
                every(value.and_then(Value::as_i64), fields.get("unit").and_then(Value::as_str))
            }
        },
        _ => None,
    };
    text.unwrap_or_else(|| schedule.to_string())
}

/// How long a job ran, from milliseconds: "850 ms", "12.3 s", "4 min", "2 h 5 min".
pub fn duration_text(ms: i64) -> String {
    if ms < 1_000 {
        return format!("{} ms", ms.max(0));
    }
    // Tenths of a second, rounded (integers: no float formatting in the wasm).
    let tenths = (ms + 50) / 100;
    if tenths < 600 {
        return format!("{}.{} s", tenths / 10, tenths % 10);
    }
    let minutes = (ms + 30_000) / 60_000;
    match (minutes / 60, minutes % 60) {
        (0, minutes) => format!("{minutes} min"),
        (hours, 0) => format!("{hours} h"),
        (hours, minutes) => format!("{hours} h {minutes} min"),
    }
}

/// How long until `then`, in the largest whole unit: "in 5 minutes", "in 1 hour", "in less
/// than a minute"; a time already past reads as [`crate::components::relative_time`] does
/// ("3 minutes ago").
pub fn time_until(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (then - now).num_seconds();
    let (count, unit) = match seconds {
        s if s < 0 => return crate::components::relative_time(then, now),
        s if s < 60 => return "in less than a minute".to_owned(),
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3_600, "hour"),
        s => (s / 86_400, "day"),
    };
    format!("in {}", count_of(count, unit))
}

/// A `<time>` showing how long until `time`, the exact time in its `title`.
#[component]
pub fn TimeUntil(time: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=time.to_rfc3339_opts(SecondsFormat::Secs, true) title=absolute_time(time)>
            {time_until(time, now())}
        </time>
    }
}

/// A past time relative to now, or "—" for none.
pub fn ago_or_dash(time: Option<DateTime<Utc>>) -> AnyView {
    match time {
        Some(time) => view! { <TimeAgo time/> }.into_any(),
        None => "—".into_any(),
    }
}

/// A coming time relative to now, or "—" for none.
pub fn until_or_dash(time: Option<DateTime<Utc>>) -> AnyView {
    match time {
        Some(time) => view! { <TimeUntil time/> }.into_any(),
        None => "—".into_any(),
    }
}

/// The monitor's latest check-in over its environments.
pub fn last_check_in(monitor: &Monitor) -> Option<DateTime<Utc>> {
    monitor.environments.iter().filter_map(|e| e.last_check_in).max()
}

/// The next check-in its environments expect (none while it is disabled).
pub fn next_check_in(monitor: &Monitor) -> Option<DateTime<Utc>> {
    if monitor.status == "disabled" {
        return None;
    }
    monitor.environments.iter().filter_map(|e| e.next_check_in).min()
}

/// The crons route.
#[component]
pub fn CronsPage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let projects = crate::state::use_projects(org);
    let project = Memo::new(move |_| query.read().get(PROJECT_QUERY).filter(|p| !p.is_empty()));
    // The API filters by project id: a slug in the URL is looked up in the organization's
    // projects first (`None` while they load).
    let filter = Memo::new(move |_| match project.get() {
        None => Some(None),
        Some(id) if id.bytes().all(|b| b.is_ascii_digit()) => Some(Some(id)),
        Some(slug) => projects()
            .map(|list| Some(list.into_iter().find(|p| p.slug == slug).map_or(slug, |p| p.id))),
    });
    let monitors = LocalResource::new(move || {
        let (org, filter) = (org.get(), filter.get());
        async move {
            match filter {
                Some(project) => Some(api::monitors(&org, project.as_deref()).await),
                None => None,
            }
        }
    });
    let navigate = use_navigate();
    let on_project = move |ev| {
        let id = event_target_value(&ev);
        let project = (!id.is_empty()).then_some(id.as_str());
        navigate(&crons_href(&org.get_untracked(), project), Default::default());
    };
    let project_options = move || {
        let current = project.get().unwrap_or_default();
        let options = projects()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let selected = current == p.id || current == p.slug;
                view! { <option value=p.id selected=selected>{p.name}</option> }
            })
            .collect_view();
        view! {
            <option value="" selected=current.is_empty()>
                "All projects"
            </option>
            {options}
        }
    };
    let body = move || match monitors.get().flatten() {
        None => view! { <MonitorsSkeleton/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            // The set-up lines name the chosen project, else the first one.
            let chosen = filter.get_untracked().flatten();
            let list = projects().unwrap_or_default();
            let project = match chosen {
                Some(id) => list.into_iter().find(|p| p.id == id),
                None => list.into_iter().next(),
            };
            view! { <NoMonitors org=org.get_untracked() project/> }.into_any()
        }
        Some(Ok(list)) => {
            view! { <MonitorTable org=org.get_untracked() monitors=list/> }.into_any()
        }
    };
    view! {
        <section class="page crons-page">
            <header class="page-header">
                <h1>"Crons"</h1>
                <label class="picker">
                    <span class="picker-label">"Project"</span>
                    <select id="crons-project" on:change=on_project>
                        {project_options}
                    </select>
                </label>
            </header>
            <p class="hint">
                "Scheduled jobs that check in when they run: a monitor fails when a check-in reports an error, comes late or runs too long."
            </p>
            {body}
        </section>
    }
}

/// Placeholder rows while the monitors load.
#[component]
fn MonitorsSkeleton() -> impl IntoView {
    view! {
        <div role="status" aria-live="polite" aria-label="Loading monitors">
            {(0..4)
                .map(|_| {
                    view! {
                        <div class="skeleton-row">
                            <span class="skeleton-block skeleton-title"></span>
                            <span class="skeleton-block skeleton-meta"></span>
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// The monitors (`#monitor-list`), one row (`.monitor-row`, `data-slug`) each, in the
/// server's order.
#[component]
pub fn MonitorTable(
    /// Organization slug, for the links.
    org: String,
    /// The monitors.
    monitors: Vec<Monitor>,
) -> impl IntoView {
    let rows = monitors
        .into_iter()
        .map(|monitor| {
            let status = monitor_status(&monitor);
            let (last, next) = (last_check_in(&monitor), next_check_in(&monitor));
            let schedule = schedule_text(&monitor.config);
            let href = Page::Monitor {
                org: org.clone(),
                project: monitor.project.slug.clone(),
                slug: monitor.slug.clone(),
            }
            .path();
            let slug = monitor.slug.clone();
            view! {
                <tr class="monitor-row" data-slug=slug>
                    <td class="monitor-state">
                        <StatusDot status/>
                        {monitor.is_muted.then(|| view! { " " <span class="badge monitor-muted">"Muted"</span> })}
                    </td>
                    <td class="monitor-name">
                        <a href=href>{monitor.name.clone()}</a>
                        // The slug check-ins name, when the name is another.
                        {(monitor.name != monitor.slug)
                            .then(|| view! { <span class="release-created">{monitor.slug}</span> })}
                    </td>
                    <td class="monitor-project">{monitor.project.slug}</td>
                    <td class="monitor-schedule"><code>{schedule}</code></td>
                    <td class="monitor-last">{ago_or_dash(last)}</td>
                    <td class="monitor-next">{until_or_dash(next)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="monitor-list" class="release-table">
            <thead>
                <tr>
                    <th>"Status"</th>
                    <th>"Monitor"</th>
                    <th>"Project"</th>
                    <th>"Schedule"</th>
                    <th>"Last check-in"</th>
                    <th>"Next check-in"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The empty list: how to create a monitor, with `project`'s id and first key filled in.
#[component]
fn NoMonitors(org: String, project: Option<Project>) -> impl IntoView {
    let key = LocalResource::new(move || {
        let (org, project) = (org.clone(), project.clone());
        async move {
            match project {
                Some(project) => api::project_keys(&org, &project.slug)
                    .await
                    .ok()
                    .and_then(|keys| keys.into_iter().find(|k| k.is_active)),
                None => None,
            }
        }
    });
    view! {
        <div class="empty-state" id="no-monitors">
            <p class="empty-title">"No cron monitors yet"</p>
            <p>
                "A monitor appears with its job's first check-in. Send one from the job with a Sentry SDK, sentry-cli or plain HTTP; the schedule sent with it creates the monitor."
            </p>
        </div>
        {move || key.get().map(|key| view! { <CronSetup key/> })}
    }
}

/// The lines that send check-ins (`#cron-setup`): Python, Node, sentry-cli and curl, for
/// `key` (placeholders without one). Plain text in `<pre>`: nothing in them becomes markup.
#[component]
pub fn CronSetup(key: Option<ProjectKey>) -> impl IntoView {
    let snippets = setup_snippets(key.as_ref())
        .into_iter()
        .map(|(label, code)| {
            view! {
                <span class="label">{label}</span>
                <pre><code>{code}</code></pre>
            }
        })
        .collect_view();
    view! { <div id="cron-setup" class="snippet-panel">{snippets}</div> }
}

/// The origin SDKs send to, from a DSN (`http://key@host:8000/2` is `http://host:8000`).
pub fn dsn_origin(dsn: &str) -> Option<String> {
    let (scheme, rest) = dsn.split_once("://")?;
    let (_, host) = rest.split_once('@')?;
    let (host, _) = host.rsplit_once('/')?;
    Some(format!("{scheme}://{host}"))
}

/// The set-up lines as `(label, text)`: the SDKs' and sentry-cli's with the DSN, curl's with
/// the origin, project id and public key of `key`.
pub fn setup_snippets(key: Option<&ProjectKey>) -> Vec<(&'static str, String)> {
    let (dsn, origin, id, public) = match key {
        Some(key) => (
            key.dsn.public.clone(),
            dsn_origin(&key.dsn.public).unwrap_or_else(|| "https://cairn.example.com".to_owned()),
            key.project_id.to_string(),
            key.public.clone(),
        ),
        None => (
            "<DSN>".to_owned(),
            "https://cairn.example.com".to_owned(),
            "<project id>".to_owned(),
            "<public key>".to_owned(),
        ),
    };
    let schedule = r#"{"type": "crontab", "value": "0 * * * *"}"#;
    vec![
        (
            "Python (sentry-sdk)",
            format!(
                "import sentry_sdk\nfrom sentry_sdk.crons import monitor\n\n\
                 sentry_sdk.init(dsn=\"{dsn}\")\n\n\
                 @monitor(monitor_slug=\"nightly-job\", monitor_config={{\n    \
                 \"schedule\": {schedule},\n    \"checkin_margin\": 5,  # minutes\n    \
                 \"max_runtime\": 30,  # minutes\n}})\ndef nightly_job():\n    ...\n"
            ),
        ),
        (
            "Node.js (@sentry/node)",
            format!(
                "const Sentry = require(\"@sentry/node\");\n\n\
                 Sentry.init({{ dsn: \"{dsn}\" }});\n\n\
                 Sentry.withMonitor(\n  \"nightly-job\",\n  () => {{\n    // the job\n  }},\n  \
                 {{ schedule: {{ type: \"crontab\", value: \"0 * * * *\" }}, checkinMargin: 5, \
                 maxRuntime: 30 }},\n);\n"
            ),
        ),
        (
            "sentry-cli",
            format!(
                "SENTRY_DSN=\"{dsn}\" sentry-cli monitors run --schedule \"0 * * * *\" \\\n  \
                 --check-in-margin 5 --max-runtime 30 nightly-job -- ./nightly-job.sh\n"
            ),
        ),
        (
            "HTTP (curl)",
            format!(
                "# The first check-in creates the monitor with its schedule:\n\
                 curl -X POST \"{origin}/api/{id}/cron/nightly-job/{public}/\" \\\n  \
                 -H \"Content-Type: application/json\" \\\n  \
                 -d '{{\"status\": \"ok\", \"monitor_config\": {{\"schedule\": {schedule}}}}}'\n\n\
                 # Then, after each run (status ok or error):\n\
                 curl \"{origin}/api/{id}/cron/nightly-job/{public}/?status=ok\"\n"
            ),
        ),
    ]
}
