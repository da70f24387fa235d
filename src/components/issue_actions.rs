//! The triage buttons of the issue header, as Sentry's: Resolve (now, in the next release, in a
//! chosen release), Ignore (forever, for a while, until it occurs N more times, optionally within
//! a window, or until N more users) and the `PUT` bodies they send; and the priority choices
//! (the header's and the stream's bulk bar's).

use cairn_types::api::UpdateIssueRequest;
use leptos::prelude::*;
use serde_json::{json, Value};

/// How to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Resolved now.
    Now,
    /// In the release after the current one (Sentry's `inNextRelease`).
    NextRelease,
    /// In this release (Sentry's `inRelease`).
    InRelease(String),
}

/// How long to ignore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignore {
    /// Until someone unignores it.
    Forever,
    /// For this many minutes (`ignoreDuration`).
    Minutes(i64),
    /// Until it occurs this many more times, optionally within a window of minutes
    /// (`ignoreCount`, `ignoreWindow`).
    Occurrences {
        /// More events.
        count: i64,
        /// Within this many minutes.
        window: Option<i64>,
    },
    /// Until this many more users see it, optionally within a window of minutes
    /// (`ignoreUserCount`, `ignoreUserWindow`).
    Users {
        /// More users.
        count: i64,
        /// Within this many minutes.
        window: Option<i64>,
    },
    /// Until it escalates: an hour with more events than its past week forecasts (Sentry's
    /// `archived_until_escalating`).
    UntilEscalating,
}

/// The choices of "Ignore for ...": minutes and label.
pub const IGNORE_DURATIONS: &[(i64, &str)] =
    &[(30, "30 minutes"), (120, "2 hours"), (1_440, "24 hours"), (10_080, "1 week")];

/// The windows of "... within": minutes (none: any time) and label.
const WINDOWS: &[(Option<i64>, &str)] = &[
    (None, "in total"),
    (Some(60), "per hour"),
    (Some(1_440), "per day"),
    (Some(10_080), "per week"),
];

/// A status change with Sentry's `statusDetails`.
pub fn status_request(status: &str, details: Value) -> UpdateIssueRequest {
    UpdateIssueRequest {
        status: Some(status.to_owned()),
        status_details: Some(details),
        ..UpdateIssueRequest::default()
    }
}

/// The priorities one can set, highest first, as `(value, label)`.
pub const PRIORITY_CHOICES: [(&str, &str); 3] =
    [("high", "High"), ("medium", "Medium"), ("low", "Low")];

/// The `PUT` body that sets the priority (which locks it: Cairn no longer changes it), if
/// `priority` is one of [`PRIORITY_CHOICES`]' values.
pub fn priority_request(priority: &str) -> Option<UpdateIssueRequest> {
    PRIORITY_CHOICES.iter().any(|(value, _)| *value == priority).then(|| UpdateIssueRequest {
        priority: Some(priority.to_owned()),
        ..UpdateIssueRequest::default()
    })
}

/// The `PUT` body that resolves as asked.
pub fn resolve_request(resolution: &Resolution) -> UpdateIssueRequest {
    let details = match resolution {
        Resolution::Now => json!({}),
        Resolution::NextRelease => json!({ "inNextRelease": true }),
        Resolution::InRelease(version) => json!({ "inRelease": version }),
    };
    status_request("resolved", details)
}

/// The `PUT` body that ignores as asked.
pub fn ignore_request(ignore: Ignore) -> UpdateIssueRequest {
    let details = match ignore {
        Ignore::Forever => json!({}),
        Ignore::Minutes(minutes) => json!({ "ignoreDuration": minutes }),
        Ignore::Occurrences { count, window: None } => json!({ "ignoreCount": count }),
        Ignore::Occurrences { count, window: Some(window) } => {
            json!({ "ignoreCount": count, "ignoreWindow": window })
        }
        Ignore::Users { count, window: None } => json!({ "ignoreUserCount": count }),
        Ignore::Users { count, window: Some(window) } => {
            json!({ "ignoreUserCount": count, "ignoreUserWindow": window })
        }
        Ignore::UntilEscalating => {
            let mut request = status_request("ignored", json!({}));
            request.substatus = Some("archived_until_escalating".into());
            return request;
        }
    };
    status_request("ignored", details)
}

/// "Resolve" (`button.resolve`, now) and its menu (`details.resolve-menu`): in the next release,
/// or in a release picked from the project's.
#[component]
pub fn ResolveMenu(
    /// Called with the `PUT` body.
    on_update: Callback<UpdateIssueRequest>,
    /// Whether an update is on its way.
    #[prop(into)]
    busy: Signal<bool>,
    /// The project's release versions, newest first.
    #[prop(into)]
    releases: Signal<Vec<String>>,
) -> impl IntoView {
    let chosen = RwSignal::new(String::new());
    let send = move |resolution: Resolution| on_update.run(resolve_request(&resolution));
    let options = move || {
        releases
            .get()
            .into_iter()
            .map(|version| {
                let label = version.clone();
                view! { <option value=version>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <div class="action-group">
            <button
                type="button"
                class="button button-secondary resolve"
                title="Resolve (r)"
                disabled=move || busy.get()
                on:click=move |_| send(Resolution::Now)
            >
                "Resolve"
            </button>
            <details class="menu resolve-menu">
                <summary class="button button-secondary menu-toggle" aria-label="More ways to resolve">
                    "▾"
                </summary>
                <div class="menu-items">
                    <button
                        type="button"
                        class="menu-item resolve-next-release"
                        disabled=move || busy.get()
                        on:click=move |_| send(Resolution::NextRelease)
                    >
                        "In the next release"
                    </button>
                    <form
                        class="menu-form resolve-release-form"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            let version = chosen.get();
                            if !version.is_empty() {
                                send(Resolution::InRelease(version));
                            }
                        }
                    >
                        <label>
                            "In release "
                            <select
                                class="resolve-release"
                                prop:value=move || chosen.get()
                                on:change=move |ev| chosen.set(event_target_value(&ev))
                            >
                                <option value="">
                                    {move || {
                                        if releases.with(Vec::is_empty) {
                                            "no releases yet"
                                        } else {
                                            "choose a release"
                                        }
                                    }}
                                </option>
                                {options}
                            </select>
                        </label>
                        <button
                            type="submit"
                            class="button button-secondary resolve-in-release"
                            disabled=move || busy.get() || chosen.with(String::is_empty)
                        >
                            "Resolve"
                        </button>
                    </form>
                </div>
            </details>
        </div>
    }
    .into_any()
}

/// "Archive" (`button.ignore`: until it escalates, Sentry's default since it renamed "Ignore")
/// and its menu (`details.ignore-menu`): forever, for a while, until it occurs N more times
/// (within a window), until N more users. The API keeps Sentry's status name, `ignored`.
#[component]
pub fn IgnoreMenu(
    /// Called with the `PUT` body.
    on_update: Callback<UpdateIssueRequest>,
    /// Whether an update is on its way.
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let send = move |ignore: Ignore| on_update.run(ignore_request(ignore));
    let durations = IGNORE_DURATIONS
        .iter()
        .map(|(minutes, label)| {
            let minutes = *minutes;
            view! {
                <button
                    type="button"
                    class="menu-item ignore-duration"
                    data-minutes=minutes
                    disabled=move || busy.get()
                    on:click=move |_| send(Ignore::Minutes(minutes))
                >
                    {format!("For {label}")}
                </button>
            }
        })
        .collect_view();
    let count_form = |users: bool| {
        let count = RwSignal::new(String::new());
        let window = RwSignal::new(String::new());
        let valid = move || count.with(|c| c.trim().parse::<i64>().is_ok_and(|n| n > 0));
        let windows = WINDOWS
            .iter()
            .map(|(minutes, label)| {
                let value = minutes.map(|m| m.to_string()).unwrap_or_default();
                view! { <option value=value>{*label}</option> }
            })
            .collect_view();
        let (class, prefix, unit) = if users {
            ("menu-form ignore-users-form", "Until it affects ", " more users")
        } else {
            ("menu-form ignore-count-form", "Until it occurs ", " more times")
        };
        view! {
            <form
                class=class
                on:submit=move |ev| {
                    ev.prevent_default();
                    let Ok(n) = count.get().trim().parse::<i64>() else {
                        return;
                    };
                    let window = window.get().parse::<i64>().ok();
                    if n > 0 {
                        send(
                            if users {
                                Ignore::Users { count: n, window }
                            } else {
                                Ignore::Occurrences { count: n, window }
                            },
                        );
                    }
                }
            >
                <label>
                    {prefix}
                    <input
                        type="number"
                        min="1"
                        class="ignore-count-input"
                        prop:value=move || count.get()
                        on:input=move |ev| count.set(event_target_value(&ev))
                    />
                    {unit}
                </label>
                <select
                    class="ignore-window"
                    aria-label="Within"
                    prop:value=move || window.get()
                    on:change=move |ev| window.set(event_target_value(&ev))
                >
                    {windows}
                </select>
                <button
                    type="submit"
                    class="button button-secondary"
                    disabled=move || busy.get() || !valid()
                >
                    "Archive"
                </button>
            </form>
        }
    };
    view! {
        <div class="action-group">
            <button
                type="button"
                class="button button-secondary ignore"
                title="Archive until it escalates (i)"
                disabled=move || busy.get()
                on:click=move |_| send(Ignore::UntilEscalating)
            >
                "Archive"
            </button>
            <details class="menu ignore-menu">
                <summary class="button button-secondary menu-toggle" aria-label="More ways to archive">
                    "▾"
                </summary>
                <div class="menu-items">
                    <button
                        type="button"
                        class="menu-item ignore-escalating"
                        title="Back when an hour has more events than its past week forecasts"
                        disabled=move || busy.get()
                        on:click=move |_| send(Ignore::UntilEscalating)
                    >
                        "Until it escalates"
                    </button>
                    <button
                        type="button"
                        class="menu-item ignore-forever"
                        disabled=move || busy.get()
                        on:click=move |_| send(Ignore::Forever)
                    >
                        "Forever"
                    </button>
                    {durations}
                    {count_form(false)}
                    {count_form(true)}
                </div>
            </details>
        </div>
    }
    .into_any()
}

/// The priorities (`select.priority-select`), `current` selected, or else first `placeholder`:
/// choosing one calls `on_update` with its `PUT` body. Labelled by the caller's `<label>`.
#[component]
pub fn PrioritySelect(
    /// The issue's priority (`None` for a bulk change).
    current: Option<String>,
    /// What shows while none is chosen.
    placeholder: &'static str,
    /// Called with the `PUT` body.
    on_update: Callback<UpdateIssueRequest>,
    /// Whether an update is on its way.
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let unset = !PRIORITY_CHOICES.iter().any(|(value, _)| current.as_deref() == Some(*value));
    let options = PRIORITY_CHOICES
        .iter()
        .map(|(value, label)| {
            let selected = current.as_deref() == Some(*value);
            view! { <option value=*value selected=selected>{*label}</option> }
        })
        .collect_view();
    view! {
        <select
            class="priority-select"
            disabled=move || busy.get()
            on:change=move |ev| {
                if let Some(request) = priority_request(&event_target_value(&ev)) {
                    on_update.run(request);
                }
            }
        >
            {unset.then(|| view! { <option value="" selected=true>{placeholder}</option> })}
            {options}
        </select>
    }
    .into_any()
}
