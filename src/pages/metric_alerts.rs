//! Metric alerts (Sentry's): a rule measures one figure of its projects (errors, users with
//! errors, the crash-free session or user rate) over a sliding window every minute, and opens an
//! incident when the figure crosses its critical or warning threshold.
//!
//! Two views: the *Metric Alerts* section of the Alerts page ([`MetricAlertsSection`], the
//! selected project's rules, with the form that makes or changes one), and a rule's own page at
//! Sentry's URL `/organizations/{org}/alerts/rules/details/{id}/` ([`MetricAlertPage`]: the
//! rule in words, its latest figure, a chart of its figure per hour with its thresholds
//! ([`MetricAlertChart`], `?period=24h` or `7d`) and its incidents, each with its activity).
//!
//! The words (a rule's sentence, its status, its figures) are pure functions, and the form's
//! state is a [`MetricDraft`], plain data read from a rule ([`MetricDraft::from_rule`]) and
//! turned into the API's request ([`MetricDraft::request`]).

use cairn_types::api::{
    Incident, IncidentActivity, MetricAlertRule, MetricAlertRuleRequest, MetricAlertTriggerRequest,
    Project, SessionsResponse, UsageStats, AGGREGATE_COUNT, AGGREGATE_CRASH_FREE_SESSIONS,
    AGGREGATE_CRASH_FREE_USERS, AGGREGATE_USERS, INCIDENT_CLOSED, INCIDENT_CRITICAL,
    INCIDENT_WARNING,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_params_map, use_query_map},
    NavigateOptions,
};
use serde_json::json;

use super::{alert_rules::DirectoryPicker, crons::count_of};
use crate::{
    api,
    components::{
        charts::{
            area_overlay_svg, bar_overlay_svg, colors, Chart, HorizontalLine, Overlay, Series,
            TimeSpan,
        },
        confirm::ConfirmDelete,
        failure,
        pager::Pager,
        time_ago::{absolute_time, now},
        ApiError, ErrorState, FormError, Loading, TimeAgo,
    },
    org_directory::Directory,
    routes::{Page, ALERT_RULE_PARAM},
};

/// What a rule can measure (its `aggregate`), in words.
pub const MEASURES: &[(&str, &str)] = &[
    (AGGREGATE_COUNT, "Number of errors"),
    (AGGREGATE_USERS, "Users with errors"),
    (AGGREGATE_CRASH_FREE_SESSIONS, "Crash-free session rate"),
    (AGGREGATE_CRASH_FREE_USERS, "Crash-free user rate"),
];

/// The time windows (minutes) of the error measures, in words.
pub const ERROR_WINDOWS: &[(&str, &str)] = &[
    ("1", "1 minute"),
    ("5", "5 minutes"),
    ("10", "10 minutes"),
    ("15", "15 minutes"),
    ("30", "30 minutes"),
    ("60", "1 hour"),
    ("120", "2 hours"),
    ("240", "4 hours"),
    ("1440", "24 hours"),
];

/// The time windows (minutes) of the crash-free rates, in words.
pub const CRASH_FREE_WINDOWS: &[(&str, &str)] = &[
    ("30", "30 minutes"),
    ("60", "1 hour"),
    ("120", "2 hours"),
    ("240", "4 hours"),
    ("720", "12 hours"),
    ("1440", "24 hours"),
];

/// The window a new rule starts with, and the one a change of measure falls back to: allowed
/// for every measure.
const DEFAULT_WINDOW: &str = "60";

/// Which way the thresholds work (`thresholdType`).
const DIRECTIONS: &[(&str, &str)] = &[("0", "Above"), ("1", "Below")];

/// Whom the rule emails.
const TARGETS: &[(&str, &str)] =
    &[("none", "No one"), ("team", "A team"), ("user", "A member of the organization")];

/// Whether `aggregate` is a crash-free rate (Sentry's `_crash_rate_alert_aggregate`), a
/// percentage of the `metrics` dataset, rather than a count of errors.
pub fn is_crash_free(aggregate: &str) -> bool {
    aggregate.ends_with("_crash_rate_alert_aggregate")
}

/// What `aggregate` measures in words ("Number of errors"), the aggregate itself when unknown.
pub fn measure_text(aggregate: &str) -> String {
    MEASURES
        .iter()
        .find(|(id, _)| *id == aggregate)
        .map_or_else(|| aggregate.to_owned(), |(_, words)| (*words).to_owned())
}

/// The time windows a rule measuring `aggregate` may have.
pub fn windows_for(aggregate: &str) -> &'static [(&'static str, &'static str)] {
    if is_crash_free(aggregate) {
        CRASH_FREE_WINDOWS
    } else {
        ERROR_WINDOWS
    }
}

/// A time window in words: "5 minutes", "1 hour", "24 hours".
pub fn window_text(minutes: f64) -> String {
    let minutes = minutes.round() as i64;
    let known = ERROR_WINDOWS.iter().chain(CRASH_FREE_WINDOWS);
    match known.clone().find(|(m, _)| m.parse() == Ok(minutes)) {
        Some((_, words)) => (*words).to_owned(),
        None if minutes >= 60 && minutes % 60 == 0 => count_of(minutes / 60, "hour"),
        None => count_of(minutes, "minute"),
    }
}

/// A number as typed (a threshold): `100`, `99.5`, never rounded.
fn exact_text(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    format!("{value}")
}

/// A measured figure: at most two decimals (`97.25`, `12`).
fn rounded_text(value: f64) -> String {
    if !value.is_finite() {
        return "\u{2014}".to_owned();
    }
    exact_text((value * 100.0).round() / 100.0)
}

/// A threshold of a rule measuring `aggregate`: `99.5%` for a crash-free rate, `100` for a
/// count.
pub fn threshold_text(aggregate: &str, value: f64) -> String {
    if is_crash_free(aggregate) {
        format!("{}%", exact_text(value))
    } else {
        exact_text(value)
    }
}

/// A figure of a rule measuring `aggregate`: `97.25%`, `12 errors`, `1 user`.
pub fn figure_text(aggregate: &str, value: f64) -> String {
    let number = rounded_text(value);
    let unit = match aggregate {
        _ if is_crash_free(aggregate) => return format!("{number}%"),
        AGGREGATE_COUNT => "error",
        AGGREGATE_USERS => "user",
        _ => return number,
    };
    if number == "1" {
        format!("1 {unit}")
    } else {
        format!("{number} {unit}s")
    }
}

/// The threshold of the trigger `label` (`critical`, `warning`) of `rule`, if it has one.
fn trigger_threshold(rule: &MetricAlertRule, label: &str) -> Option<f64> {
    rule.triggers.iter().find(|t| t.label == label).map(|t| t.alert_threshold)
}

/// A rule in words: "Crash-free session rate below 99% (critical), 99.5% (warning) over 1
/// hour", "Number of errors above 100 (critical) over 5 minutes in production, errors matching
/// "level:error"", with where an incident resolves when the rule says.
pub fn rule_sentence(rule: &MetricAlertRule) -> String {
    let aggregate = rule.aggregate.as_str();
    let below = rule.threshold_type == 1;
    let thresholds: Vec<String> = [
        ("critical", trigger_threshold(rule, "critical")),
        ("warning", trigger_threshold(rule, "warning")),
    ]
    .into_iter()
    .filter_map(|(label, value)| Some(format!("{} ({label})", threshold_text(aggregate, value?))))
    .collect();
    let mut text = measure_text(aggregate);
    if !thresholds.is_empty() {
        let direction = if below { "below" } else { "above" };
        text = format!("{text} {direction} {}", thresholds.join(", "));
    }
    text = format!("{text} over {}", window_text(rule.time_window));
    if let Some(environment) = rule.environment.as_deref().filter(|e| !e.trim().is_empty()) {
        text = format!("{text} in {environment}");
    }
    let query = rule.query.trim();
    if !query.is_empty() && !is_crash_free(aggregate) {
        text = format!("{text}, errors matching \"{query}\"");
    }
    if let Some(resolve) = rule.resolve_threshold {
        let back = if below { "above" } else { "below" };
        text = format!("{text}, resolved {back} {}", threshold_text(aggregate, resolve));
    }
    text
}

/// Where a rule or an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    /// Past the critical threshold.
    Critical,
    /// Past the warning threshold.
    Warning,
    /// Back to normal (or never past a threshold).
    Resolved,
    /// Not measured yet.
    Waiting,
}

impl AlertStatus {
    /// The status of an incident from its `status` (Sentry's numbers).
    pub fn of_incident(status: i64) -> Self {
        match status {
            INCIDENT_CRITICAL => AlertStatus::Critical,
            INCIDENT_WARNING => AlertStatus::Warning,
            _ => AlertStatus::Resolved,
        }
    }

    /// The status in one word, for `data-status`: `critical`, `warning`, `resolved`, `waiting`.
    pub fn key(self) -> &'static str {
        match self {
            AlertStatus::Critical => "critical",
            AlertStatus::Warning => "warning",
            AlertStatus::Resolved => "resolved",
            AlertStatus::Waiting => "waiting",
        }
    }

    /// The status as the badge says it.
    pub fn label(self) -> &'static str {
        match self {
            AlertStatus::Critical => "Critical",
            AlertStatus::Warning => "Warning",
            AlertStatus::Resolved => "Resolved",
            AlertStatus::Waiting => "Waiting for the first evaluation",
        }
    }

    /// The class colouring its dot (the cron monitors' `status-*`).
    fn class(self) -> &'static str {
        match self {
            AlertStatus::Critical => "status-error",
            AlertStatus::Warning => "status-missed",
            AlertStatus::Resolved => "status-ok",
            AlertStatus::Waiting => "status-active",
        }
    }
}

/// Whether `incident` is still open: warning or critical, not closed.
pub fn is_open(incident: &Incident) -> bool {
    incident.date_closed.is_none()
        && matches!(incident.status, INCIDENT_WARNING | INCIDENT_CRITICAL)
}

/// Where a rule stands: its open incident's status (critical or warning); otherwise resolved,
/// or waiting when it was never evaluated and never opened an incident.
pub fn rule_status(rule: &MetricAlertRule) -> AlertStatus {
    match &rule.latest_incident {
        Some(incident) if is_open(incident) => AlertStatus::of_incident(incident.status),
        None if rule.date_last_evaluated.is_none() => AlertStatus::Waiting,
        _ => AlertStatus::Resolved,
    }
}

/// The figure at the rule's latest evaluation: "now 97.25%", "now 12 errors", "no data now"
/// (a crash-free rate without sessions); `None` before the first evaluation.
pub fn latest_figure(rule: &MetricAlertRule) -> Option<String> {
    rule.date_last_evaluated?;
    Some(match rule.last_value {
        Some(value) => format!("now {}", figure_text(&rule.aggregate, value)),
        None => "no data now".to_owned(),
    })
}

/// One activity of an incident in words: "Detected at 150 errors", "Changed from Warning to
/// Critical at 97.1%", "Resolved at 99.9%".
pub fn activity_text(activity: &IncidentActivity, aggregate: &str) -> String {
    let status = |value: &Option<String>| {
        let number = value.as_deref()?.trim().parse::<i64>().ok()?;
        Some(match number {
            INCIDENT_CLOSED => AlertStatus::Resolved,
            other => AlertStatus::of_incident(other),
        })
    };
    let what = match activity.kind {
        4 => "Detected".to_owned(),
        2 => match (status(&activity.value), status(&activity.previous_value)) {
            (Some(AlertStatus::Resolved), _) => "Resolved".to_owned(),
            (Some(new), Some(old)) if new != old => {
                format!("Changed from {} to {}", old.label(), new.label())
            }
            (Some(new), _) => format!("Changed to {}", new.label()),
            (None, _) => "Status changed".to_owned(),
        },
        3 => "Comment".to_owned(),
        _ => "Updated".to_owned(),
    };
    match activity.metric_value {
        Some(value) => format!("{what} at {}", figure_text(aggregate, value)),
        None => what,
    }
}

/// How long `seconds` are in words: "45 s", "12 min", "2 h 5 min", "3 d 4 h".
pub fn span_text(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// How long `incident` lasted, or has lasted until `now` while it is open.
pub fn incident_duration(incident: &Incident, now: DateTime<Utc>) -> String {
    let end = incident.date_closed.unwrap_or(now);
    span_text((end - incident.date_started).num_seconds())
}

/// Whom the rule emails, in the server's words ("Send an email to dev@example.com").
fn notify_text(rule: &MetricAlertRule) -> String {
    let action = rule.triggers.iter().flat_map(|t| &t.actions).next();
    match action {
        Some(action) if !action.desc.is_empty() => action.desc.clone(),
        Some(action) => {
            format!("Send an email to {} {}", action.target_type, action.target_identifier)
        }
        None => "No one is notified".to_owned(),
    }
}

/// The details page of the rule `id`.
fn details_href(org: &str, id: &str) -> String {
    Page::MetricAlert { org: org.to_owned(), id: id.to_owned() }.path()
}

// ---- the form ----

/// What the metric alert form holds: the fields as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDraft {
    pub name: String,
    /// One of [`MEASURES`].
    pub aggregate: String,
    /// Minutes, one of [`windows_for`] the aggregate.
    pub time_window: String,
    /// Empty: every environment.
    pub environment: String,
    /// Which errors count (the error measures only).
    pub query: String,
    /// `0` above, `1` below.
    pub threshold_type: String,
    pub critical: String,
    /// Empty: no warning trigger.
    pub warning: String,
    /// Empty: the server's default.
    pub resolve: String,
    /// `none`, `team` or `user`.
    pub target: String,
    /// The team's id and the member's user id (empty: none chosen).
    pub team: String,
    pub member: String,
    /// The projects measured: the page's on a new rule, the rule's own on an edit.
    pub projects: Vec<String>,
    /// The rule's owner, sent back as it is.
    pub owner: Option<String>,
}

impl Default for MetricDraft {
    /// A new rule: errors over an hour, above the thresholds, notifying no one.
    fn default() -> Self {
        MetricDraft {
            name: String::new(),
            aggregate: AGGREGATE_COUNT.to_owned(),
            time_window: DEFAULT_WINDOW.to_owned(),
            environment: String::new(),
            query: String::new(),
            threshold_type: "0".to_owned(),
            critical: String::new(),
            warning: String::new(),
            resolve: String::new(),
            target: "none".to_owned(),
            team: String::new(),
            member: String::new(),
            projects: Vec::new(),
            owner: None,
        }
    }
}

impl MetricDraft {
    /// A new rule measuring `project` (a slug).
    pub fn new(project: &str) -> Self {
        MetricDraft { projects: vec![project.to_owned()], ..MetricDraft::default() }
    }

    /// The form filled from `rule`; whom its first action emails is the form's target.
    pub fn from_rule(rule: &MetricAlertRule) -> Self {
        let threshold = |label| trigger_threshold(rule, label).map(exact_text).unwrap_or_default();
        let mut draft = MetricDraft {
            name: rule.name.clone(),
            aggregate: rule.aggregate.clone(),
            time_window: exact_text(rule.time_window),
            environment: rule.environment.clone().unwrap_or_default(),
            query: rule.query.clone(),
            threshold_type: rule.threshold_type.to_string(),
            critical: threshold("critical"),
            warning: threshold("warning"),
            resolve: rule.resolve_threshold.map(exact_text).unwrap_or_default(),
            projects: rule.projects.clone(),
            owner: rule.owner.clone(),
            ..MetricDraft::default()
        };
        if let Some(action) = rule.triggers.iter().flat_map(|t| &t.actions).next() {
            match action.target_type.as_str() {
                "team" => {
                    draft.target = "team".to_owned();
                    draft.team = action.target_identifier.clone();
                }
                "user" => {
                    draft.target = "user".to_owned();
                    draft.member = action.target_identifier.clone();
                }
                _ => {}
            }
        }
        draft
    }

    /// Another measure: the direction follows it (below for a crash-free rate, above for a
    /// count), and a window it does not allow becomes [`DEFAULT_WINDOW`].
    pub fn set_measure(&mut self, aggregate: &str) {
        self.aggregate = aggregate.to_owned();
        self.threshold_type = if is_crash_free(aggregate) { "1" } else { "0" }.to_owned();
        if !windows_for(aggregate).iter().any(|(m, _)| *m == self.time_window) {
            self.time_window = DEFAULT_WINDOW.to_owned();
        }
    }

    /// The API's request for the rule, or what to fix first (a sentence for the user).
    pub fn request(&self) -> Result<MetricAlertRuleRequest, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("Give the alert a name.".into());
        }
        let number = |text: &str, what: &str| -> Result<Option<f64>, String> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            match text.parse::<f64>() {
                Ok(value) if value.is_finite() => Ok(Some(value)),
                _ => Err(format!("Give the {what} as a number.")),
            }
        };
        let critical = number(&self.critical, "critical threshold")?
            .ok_or_else(|| "Give the critical threshold.".to_owned())?;
        let warning = number(&self.warning, "warning threshold")?;
        let resolve = number(&self.resolve, "resolve threshold")?;
        let time_window =
            self.time_window.parse::<f64>().map_err(|_| "Choose the time window.".to_owned())?;
        let email = |target: &str, id: &str, what: &str| {
            if id.is_empty() {
                return Err(format!("Choose the {what} to notify."));
            }
            Ok(json!({"type": "email", "targetType": target, "targetIdentifier": id}))
        };
        let actions = match self.target.as_str() {
            "team" => vec![email("team", &self.team, "team")?],
            "user" => vec![email("user", &self.member, "member")?],
            _ => Vec::new(),
        };
        if self.projects.is_empty() {
            return Err("Choose a project first.".into());
        }
        let crash_free = is_crash_free(&self.aggregate);
        let trigger = |label: &str, threshold: f64| MetricAlertTriggerRequest {
            label: label.to_owned(),
            alert_threshold: threshold,
            actions: actions.clone(),
        };
        let mut triggers = vec![trigger("critical", critical)];
        if let Some(warning) = warning {
            triggers.push(trigger("warning", warning));
        }
        let environment = self.environment.trim();
        Ok(MetricAlertRuleRequest {
            name: name.to_owned(),
            aggregate: self.aggregate.clone(),
            dataset: Some(if crash_free { "metrics" } else { "events" }.to_owned()),
            query: if crash_free { String::new() } else { self.query.trim().to_owned() },
            time_window,
            threshold_type: if self.threshold_type == "1" { 1 } else { 0 },
            resolve_threshold: resolve,
            threshold_period: None,
            environment: (!environment.is_empty()).then(|| environment.to_owned()),
            projects: self.projects.clone(),
            owner: self.owner.clone(),
            triggers,
        })
    }
}

/// `<option>`s of `choices` (value, words), the one `current` reads selected (as a property:
/// it follows the draft when a change of measure changes the direction or the window).
fn options(
    choices: &'static [(&'static str, &'static str)],
    current: Memo<String>,
) -> impl IntoView {
    choices
        .iter()
        .map(|(value, words)| {
            view! {
                <option value=*value prop:selected=move || current.with(|c| c == value)>
                    {*words}
                </option>
            }
        })
        .collect_view()
}

/// The metric alert form (`#metric-alert-form`), filled from `draft`: a name, the measure and
/// its window, environment and query, the direction and thresholds, and whom to email.
/// Submitting hands the draft as typed to `on_submit`; `error` is shown over the buttons.
#[component]
pub fn MetricAlertForm(
    /// What the fields start with.
    draft: MetricDraft,
    /// The form's title.
    title: &'static str,
    /// The organization's members and teams, for the pickers.
    directory: Directory,
    /// Whether a save is under way.
    saving: Signal<bool>,
    /// Why the last save failed, if it did.
    error: Signal<Option<String>>,
    /// Called with the fields when the form is submitted.
    on_submit: Callback<MetricDraft>,
    /// Called when Cancel is clicked.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let draft = RwSignal::new(draft);
    macro_rules! field {
        ($field:ident) => {
            Memo::new(move |_| draft.with(|d| d.$field.clone()))
        };
    }
    macro_rules! set {
        ($field:ident) => {
            move |ev| draft.update(|d| d.$field = event_target_value(&ev))
        };
    }
    let aggregate = field!(aggregate);
    let window = field!(time_window);
    let direction = field!(threshold_type);
    let target = field!(target);
    let crash_free = Memo::new(move |_| aggregate.with(|a| is_crash_free(a)));
    let unit = move || if crash_free.get() { "%" } else { "" };
    let window_options = move || {
        let choices = windows_for(&aggregate.get());
        view! { {options(choices, window)} }
    };
    // A threshold's number field, `%` after it for a crash-free rate.
    macro_rules! threshold {
        ($id:literal, $label:literal, $field:ident) => {
            view! {
                <label class="field">
                    <span class="label">{$label}</span>
                    <span class="settings-inline">
                        <input
                            id=$id
                            type="number"
                            step="any"
                            inputmode="decimal"
                            prop:value=field!($field)
                            on:input=set!($field)
                        />
                        <span>{unit}</span>
                    </span>
                </label>
            }
        };
    }
    // The picker of the chosen target: a team or a member.
    let target_picker = move || {
        let team = match target.get().as_str() {
            "team" => true,
            "user" => false,
            _ => return None,
        };
        let (prefix, id, label, empty) = match team {
            true => ("team:", "metric-team", "Team", "Choose a team"),
            false => ("user:", "metric-member", "Member", "Choose a member"),
        };
        let current = Memo::new(move |_| {
            draft.with(|d| if team { d.team.clone() } else { d.member.clone() })
        });
        let on_change = Callback::new(move |id: String| {
            draft.update(|d| if team { d.team = id } else { d.member = id });
        });
        Some(view! {
            <label class="field">
                <span class="label">{label}</span>
                <DirectoryPicker id prefix empty directory current on_change/>
            </label>
        })
    };
    view! {
        <form
            id="metric-alert-form"
            class="settings-form rule-form"
            aria-label=title
            on:submit=move |ev| {
                ev.prevent_default();
                on_submit.run(draft.get_untracked());
            }
        >
            <h3>{title}</h3>
            <label class="field">
                <span class="label">"Alert name"</span>
                <input
                    id="metric-name"
                    type="text"
                    maxlength="256"
                    prop:value=field!(name)
                    on:input=set!(name)
                />
            </label>
            <label class="field">
                <span class="label">"Measure"</span>
                <select
                    id="metric-aggregate"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        draft.update(|d| d.set_measure(&value));
                    }
                >
                    {options(MEASURES, aggregate)}
                </select>
            </label>
            <label class="field">
                <span class="label">"Time window"</span>
                <select id="metric-window" on:change=set!(time_window)>
                    {window_options}
                </select>
            </label>
            <label class="field">
                <span class="label">"Environment"</span>
                <input
                    id="metric-environment"
                    type="text"
                    placeholder="Any environment"
                    prop:value=field!(environment)
                    on:input=set!(environment)
                />
            </label>
            <label class="field">
                <span class="label">"Only errors matching"</span>
                <input
                    id="metric-query"
                    type="text"
                    maxlength="400"
                    placeholder=move || {
                        if crash_free.get() { "Not for crash-free rates" } else { "level:error release:1.0" }
                    }
                    prop:value=field!(query)
                    on:input=set!(query)
                    disabled=move || crash_free.get()
                />
            </label>
            <fieldset>
                <legend>"Thresholds"</legend>
                <label class="field">
                    <span class="label">"Direction"</span>
                    <select id="metric-direction" on:change=set!(threshold_type)>
                        {options(DIRECTIONS, direction)}
                    </select>
                </label>
                {threshold!("metric-critical", "Critical threshold", critical)}
                {threshold!("metric-warning", "Warning threshold (optional)", warning)}
                {threshold!("metric-resolve", "Resolve threshold (optional)", resolve)}
            </fieldset>
            <fieldset>
                <legend>"Notify"</legend>
                <label class="field">
                    <span class="label">"Email"</span>
                    <select id="metric-target" on:change=set!(target)>
                        {options(TARGETS, target)}
                    </select>
                </label>
                {target_picker}
            </fieldset>
            <FormError message=error/>
            <div class="settings-inline">
                <button
                    type="submit"
                    id="metric-save"
                    class="button button-primary"
                    disabled=move || saving.get()
                >
                    "Save metric alert"
                </button>
                <button
                    type="button"
                    id="metric-cancel"
                    class="button button-secondary"
                    on:click=move |_| on_cancel.run(())
                >
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

/// The save of the metric alert form: the API call, and what the browser found wrong before
/// sending anything.
#[derive(Clone, Copy)]
struct Saving {
    action: Action<(Option<String>, MetricAlertRuleRequest), api::Result<MetricAlertRule>>,
    invalid: RwSignal<Option<String>>,
}

impl Saving {
    fn new(org: Memo<String>) -> Self {
        let action =
            Action::new_local(move |(id, request): &(Option<String>, MetricAlertRuleRequest)| {
                let (id, request, org) = (id.clone(), request.clone(), org.get_untracked());
                async move {
                    match id {
                        Some(id) => api::update_metric_alert_rule(&org, &id, &request).await,
                        None => api::create_metric_alert_rule(&org, &request).await,
                    }
                }
            });
        Saving { action, invalid: RwSignal::new(None) }
    }

    /// A form opens: no error yet.
    fn reset(self) {
        self.invalid.set(None);
        self.action.value().set(None);
    }

    /// Sends the rule `draft` describes (a new one when `id` is `None`), unless it is
    /// incomplete.
    fn submit(self, id: Option<String>, draft: &MetricDraft) {
        match draft.request() {
            Ok(request) => {
                self.invalid.set(None);
                self.action.dispatch((id, request));
            }
            Err(message) => self.invalid.set(Some(message)),
        }
    }

    /// Whether the last save succeeded (tracked).
    fn saved(self) -> bool {
        self.action.value().with(|v| matches!(v, Some(Ok(_))))
    }

    fn saving(self) -> Signal<bool> {
        let action = self.action;
        Signal::derive(move || action.pending().get())
    }

    fn error(self) -> Signal<Option<String>> {
        let (refused, invalid) = (failure(self.action), self.invalid);
        Signal::derive(move || invalid.get().or_else(|| refused.get()))
    }
}

// ---- the Alerts page's section ----

/// The *Metric Alerts* section of the Alerts page (`#metric-alerts`): the metric alert rules
/// measuring `project`, a button that makes one (`#new-metric-alert`) and the form.
#[component]
pub fn MetricAlertsSection(
    /// Organization slug.
    org: Memo<String>,
    /// The page's project (a slug).
    project: Memo<Option<String>>,
    /// The organization's members and teams, for the form's pickers.
    directory: Directory,
) -> impl IntoView {
    let version = RwSignal::new(0_u32);
    let rules = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project.get());
        async move {
            match project {
                Some(project) => Some(api::metric_alert_rules(&org, Some(&project)).await),
                None => None,
            }
        }
    });
    // `Some(None)`: a new rule; `Some(Some(rule))`: the rule changed.
    let editing = RwSignal::new(None::<Option<MetricAlertRule>>);
    Effect::new(move |_| {
        project.track();
        editing.set(None);
    });
    let saving = Saving::new(org);
    Effect::new(move |_| {
        if saving.saved() {
            editing.set(None);
            version.update(|v| *v += 1);
        }
    });
    let open = move |rule: Option<MetricAlertRule>| {
        saving.reset();
        editing.set(Some(rule));
    };
    let on_submit = Callback::new(move |draft: MetricDraft| {
        let id =
            editing.with_untracked(|e| e.as_ref().and_then(|r| r.as_ref().map(|r| r.id.clone())));
        saving.submit(id, &draft);
    });
    let on_cancel = Callback::new(move |()| editing.set(None));
    let (saving_now, error) = (saving.saving(), saving.error());
    let form = move || {
        let (draft, title) = match editing.get()? {
            None => (MetricDraft::new(&project.get_untracked()?), "Create metric alert"),
            Some(rule) => (MetricDraft::from_rule(&rule), "Edit metric alert"),
        };
        Some(view! {
            <MetricAlertForm draft title directory saving=saving_now error on_submit on_cancel/>
        })
    };

    let delete = Action::new_local(move |id: &String| {
        let (org, id) = (org.get_untracked(), id.clone());
        async move { api::delete_metric_alert_rule(&org, &id).await }
    });
    Effect::new(move |_| {
        if delete.value().with(Option::is_some) {
            version.update(|v| *v += 1);
        }
    });
    let on_edit = Callback::new(move |rule: MetricAlertRule| open(Some(rule)));
    let on_delete = Callback::new(move |id: String| {
        delete.dispatch(id);
    });
    let list = move || match rules.get().flatten() {
        None => project.with(Option::is_some).then(|| view! { <Loading/> }).into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(rules)) if rules.is_empty() => {
            editing.with(Option::is_none).then(|| view! { <NoMetricAlerts/> }).into_any()
        }
        Some(Ok(rules)) => {
            view! { <MetricAlertList org=org.get_untracked() rules on_edit on_delete/> }.into_any()
        }
    };
    view! {
        <section id="metric-alerts" class="metric-alerts" aria-labelledby="metric-alerts-title">
            <div class="page-header">
                <h2 id="metric-alerts-title">"Metric Alerts"</h2>
                <button
                    type="button"
                    id="new-metric-alert"
                    class="button button-primary"
                    disabled=move || project.with(Option::is_none)
                    on:click=move |_| open(None)
                >
                    "Create metric alert"
                </button>
            </div>
            <p class="hint">
                "A metric alert measures a figure of the project every minute, over a window of time: its errors, the users they happened to, or its crash-free session or user rate. It opens an incident, and emails whom it says, when the figure crosses a threshold."
            </p>
            {form}
            <FormError message=failure(delete)/>
            {list}
        </section>
    }
}

/// No metric alert rule for the project (`#no-metric-alerts`).
#[component]
fn NoMetricAlerts() -> impl IntoView {
    view! {
        <div class="empty-state" id="no-metric-alerts">
            <p class="empty-title">"No metric alerts yet"</p>
            <p>"Make one with Create metric alert."</p>
        </div>
    }
}

/// The rules (`#metric-alert-list`), one `li.metric-alert-row` (`data-metric-alert` its id)
/// each, in the server's order.
#[component]
pub fn MetricAlertList(
    /// Organization slug, for the links.
    org: String,
    /// The rules.
    rules: Vec<MetricAlertRule>,
    /// Called with the rule whose Edit is clicked.
    on_edit: Callback<MetricAlertRule>,
    /// Called with the id of the rule whose deletion is confirmed.
    on_delete: Callback<String>,
) -> impl IntoView {
    let rows = rules
        .into_iter()
        .map(|rule| view! { <MetricAlertRow org=org.clone() rule on_edit on_delete/> })
        .collect_view();
    view! { <ul id="metric-alert-list" class="project-rows">{rows}</ul> }
}

/// A status badge (`.metric-alert-status`, `data-status` its [`AlertStatus::key`]).
#[component]
fn StatusBadge(status: AlertStatus, #[prop(optional)] id: Option<&'static str>) -> impl IntoView {
    view! {
        <span id=id class="metric-alert-status" data-status=status.key()>
            <span class=format!("monitor-status {}", status.class())>{status.label()}</span>
        </span>
    }
}

/// One rule: its name (a link to its page), status, latest figure and sentence; Edit and
/// Delete.
#[component]
fn MetricAlertRow(
    org: String,
    rule: MetricAlertRule,
    on_edit: Callback<MetricAlertRule>,
    on_delete: Callback<String>,
) -> impl IntoView {
    let id = rule.id.clone();
    let on_confirm = Callback::new(move |()| on_delete.run(id.clone()));
    let edit_label = format!("Edit {}", rule.name);
    let edited = rule.clone();
    view! {
        <li class="project-row metric-alert-row" data-metric-alert=rule.id.clone()>
            <div class="project-head">
                <a class="project-name metric-alert-name" href=details_href(&org, &rule.id)>
                    {rule.name.clone()}
                </a>
                <StatusBadge status=rule_status(&rule)/>
                <span class="hint metric-alert-figure">{latest_figure(&rule)}</span>
            </div>
            <p class="metric-alert-sentence">{rule_sentence(&rule)}</p>
            <p class="hint metric-alert-notify">{notify_text(&rule)}</p>
            <div class="project-dsns key-actions">
                <button
                    type="button"
                    class="button button-secondary metric-alert-edit"
                    aria-label=edit_label
                    on:click=move |_| on_edit.run(edited.clone())
                >
                    "Edit"
                </button>
                <ConfirmDelete
                    name="metric-alert"
                    warning="Delete this metric alert and its incidents?"
                    confirm="Delete metric alert"
                    on_confirm
                />
            </div>
        </li>
    }
}

// ---- the rule's page ----

/// The metric alert rule route: `/organizations/{org}/alerts/rules/details/{id}/`.
#[component]
pub fn MetricAlertPage() -> impl IntoView {
    let org = super::use_org_param();
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get(ALERT_RULE_PARAM).unwrap_or_default());
    let rule = LocalResource::new(move || {
        let (org, id) = (org.get(), id.get());
        async move { api::metric_alert_rule(&org, &id).await }
    });
    let directory = Directory::new(org.into());
    let editing = RwSignal::new(false);
    Effect::new(move |_| {
        if editing.get() {
            directory.ensure_loaded();
        }
    });
    let saving = Saving::new(org);
    Effect::new(move |_| {
        if saving.saved() {
            editing.set(false);
            rule.refetch();
        }
    });
    let on_submit = Callback::new(move |draft: MetricDraft| {
        saving.submit(Some(id.get_untracked()), &draft);
    });
    let on_cancel = Callback::new(move |()| editing.set(false));
    let (saving_now, error) = (saving.saving(), saving.error());
    let delete = Action::new_local(move |(): &()| {
        let (org, id) = (org.get_untracked(), id.get_untracked());
        async move { api::delete_metric_alert_rule(&org, &id).await }
    });
    let loaded = move || rule.get().and_then(Result::ok);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if delete.value().with(|v| matches!(v, Some(Ok(())))) {
            let project = loaded().and_then(|r| r.projects.first().cloned());
            let href =
                super::alert_rules::alert_rules_href(&org.get_untracked(), project.as_deref());
            navigate(&href, NavigateOptions { replace: true, ..Default::default() });
        }
    });

    let back = move || {
        let project = loaded().and_then(|r| r.projects.first().cloned());
        super::alert_rules::alert_rules_href(&org.get(), project.as_deref())
    };
    let actions = move || {
        loaded()?;
        Some(view! {
            <div class="monitor-actions">
                <button
                    type="button"
                    id="metric-alert-edit"
                    class="button button-secondary"
                    aria-expanded=move || editing.get().to_string()
                    on:click=move |_| {
                        saving.reset();
                        editing.update(|e| *e = !*e);
                    }
                >
                    "Edit"
                </button>
                <ConfirmDelete
                    name="metric-alert"
                    warning="Delete this metric alert and its incidents?"
                    confirm="Delete metric alert"
                    on_confirm=Callback::new(move |()| {
                        delete.dispatch(());
                    })
                />
            </div>
        })
    };
    let form = move || {
        if !editing.get() {
            return None;
        }
        let draft = MetricDraft::from_rule(&loaded()?);
        Some(view! {
            <MetricAlertForm
                draft
                title="Edit metric alert"
                directory
                saving=saving_now
                error
                on_submit
                on_cancel
            />
        })
    };
    let body = move || match rule.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(rule)) => {
            let aggregate = rule.aggregate.clone();
            // The first page of incidents, shaded on the chart.
            let first_incidents = RwSignal::new(Vec::new());
            view! {
                <MetricAlertDetails rule=rule.clone()/>
                <MetricAlertChart org rule incidents=first_incidents/>
                <h2>"Incidents"</h2>
                <Incidents
                    org=org.get_untracked()
                    rule=id.get_untracked()
                    aggregate
                    first_page=first_incidents
                />
            }
            .into_any()
        }
    };
    view! {
        <section class="page metric-alert-page">
            <header class="page-header release-header">
                <div>
                    <a class="back-link" href=back>
                        "Alerts"
                    </a>
                    <h1 class="release-title metric-alert-title">
                        {move || loaded().map_or_else(|| "Metric alert".to_owned(), |r| r.name)}
                    </h1>
                </div>
                {actions}
            </header>
            <FormError message=failure(delete)/>
            {form}
            {body}
        </section>
    }
}

/// The rule's status (`#metric-alert-status`) and a table (`#metric-alert-config`) of what it
/// measures (`#metric-alert-sentence`), its projects (`#metric-alert-projects`), its latest
/// figure (`#metric-alert-latest`) and whom it emails.
#[component]
pub fn MetricAlertDetails(
    /// The rule.
    rule: MetricAlertRule,
) -> impl IntoView {
    let latest = match (latest_figure(&rule), rule.date_last_evaluated) {
        (Some(figure), Some(time)) => view! { {figure} ", evaluated " <TimeAgo time/> }.into_any(),
        _ => AlertStatus::Waiting.label().into_any(),
    };
    view! {
        <p>
            <StatusBadge status=rule_status(&rule) id="metric-alert-status"/>
        </p>
        <table id="metric-alert-config" class="kv-table monitor-config">
            <tbody>
                <tr>
                    <th>"Alert"</th>
                    <td id="metric-alert-sentence">{rule_sentence(&rule)}</td>
                </tr>
                <tr>
                    <th>"Projects"</th>
                    <td id="metric-alert-projects">{rule.projects.join(", ")}</td>
                </tr>
                <tr>
                    <th>"Latest figure"</th>
                    <td id="metric-alert-latest">{latest}</td>
                </tr>
                <tr>
                    <th>"Notifies"</th>
                    <td id="metric-alert-notify">{notify_text(&rule)}</td>
                </tr>
            </tbody>
        </table>
    }
}

/// The incidents of the rule `rule`, a page at a time, each row opening its activity; the
/// first page (the newest incidents) is also written to `first_page`, for the chart.
#[component]
fn Incidents(
    org: String,
    rule: String,
    aggregate: String,
    first_page: RwSignal<Vec<Incident>>,
) -> impl IntoView {
    let cursor = RwSignal::new(None::<String>);
    let (org_for_list, rule_for_list) = (org.clone(), rule);
    let incidents = LocalResource::new(move || {
        let (org, rule, cursor) = (org_for_list.clone(), rule_for_list.clone(), cursor.get());
        async move { api::incidents(&org, &rule, cursor.as_deref()).await }
    });
    Effect::new(move |_| {
        if cursor.get().is_some() {
            return;
        }
        if let Some(Ok(page)) = incidents.get() {
            first_page.set(page.items);
        }
    });
    let activity = {
        let aggregate = aggregate.clone();
        Callback::new(move |identifier: String| {
            let (org, aggregate) = (org.clone(), aggregate.clone());
            view! { <IncidentActivityPanel org identifier aggregate/> }.into_any()
        })
    };
    move || match incidents.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(page)) => {
            let on_page = Callback::new(move |next: String| cursor.set(Some(next)));
            view! {
                <IncidentTable incidents=page.items aggregate=aggregate.clone() activity/>
                <Pager previous=page.previous next=page.next on_page/>
            }
            .into_any()
        }
    }
}

/// The incidents (`#incident-table`), newest first, one `tr.incident-row` (`data-incident`
/// its identifier) each; clicking one (or its `.incident-toggle` button) shows what
/// `activity` renders for it in the row below (`#incident-activity-{identifier}`). Without
/// incidents, `#no-incidents`.
#[component]
pub fn IncidentTable(
    /// The incidents.
    incidents: Vec<Incident>,
    /// The rule's aggregate, to write the figures.
    aggregate: String,
    /// The activity of the incident of that identifier.
    activity: Callback<String, AnyView>,
) -> impl IntoView {
    if incidents.is_empty() {
        return view! {
            <div class="empty-state" id="no-incidents">
                <p class="empty-title">"No incidents yet"</p>
                <p>"An incident opens when the figure crosses the critical or warning threshold."</p>
            </div>
        }
        .into_any();
    }
    let open = RwSignal::new(None::<String>);
    let now = now();
    let rows = incidents
        .into_iter()
        .map(|incident| {
            let identifier = incident.identifier.clone();
            let status = if is_open(&incident) {
                AlertStatus::of_incident(incident.status)
            } else {
                AlertStatus::Resolved
            };
            let started = incident.date_started;
            let closed = match incident.date_closed {
                Some(time) => view! { {absolute_time(time)} }.into_any(),
                None => "ongoing".into_any(),
            };
            let duration = incident_duration(&incident, now);
            let figure = figure_text(&aggregate, incident.value);
            let panel = format!("incident-activity-{identifier}");
            let number = format!("#{identifier}");
            let toggle_label = format!("Incident #{identifier}: show its activity");
            let expanded = {
                let identifier = identifier.clone();
                Memo::new(move |_| open.with(|o| o.as_deref() == Some(identifier.as_str())))
            };
            let toggle = {
                let identifier = identifier.clone();
                move |_| {
                    let was_open = expanded.get_untracked();
                    open.set((!was_open).then(|| identifier.clone()));
                }
            };
            let details = {
                let (identifier, panel) = (identifier.clone(), panel.clone());
                move || {
                    expanded.get().then(|| {
                        view! {
                            <tr class="incident-activity-row" id=panel.clone()>
                                <td colspan="6">{activity.run(identifier.clone())}</td>
                            </tr>
                        }
                    })
                }
            };
            view! {
                <tr
                    class="incident-row"
                    class:selected=move || expanded.get()
                    data-incident=identifier
                    on:click=toggle
                >
                    <td>
                        <button
                            type="button"
                            class="link-button incident-toggle"
                            aria-expanded=move || expanded.get().to_string()
                            aria-controls=panel
                            aria-label=toggle_label
                        >
                            {number}
                        </button>
                    </td>
                    <td class="incident-status">
                        <StatusBadge status/>
                    </td>
                    <td class="incident-started">
                        {absolute_time(started)}
                        <span class="release-created"><TimeAgo time=started/></span>
                    </td>
                    <td class="incident-closed">{closed}</td>
                    <td class="incident-duration">{duration}</td>
                    <td class="incident-value">{figure}</td>
                </tr>
                {details}
            }
        })
        .collect_view();
    view! {
        <table id="incident-table" class="release-table">
            <thead>
                <tr>
                    <th>"Incident"</th>
                    <th>"Status"</th>
                    <th>"Started"</th>
                    <th>"Closed"</th>
                    <th>"Duration"</th>
                    <th>"Opened at"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// An incident's activity, fetched when its row is opened.
#[component]
fn IncidentActivityPanel(org: String, identifier: String, aggregate: String) -> impl IntoView {
    let activity = LocalResource::new(move || {
        let (org, identifier) = (org.clone(), identifier.clone());
        async move { api::incident_activity(&org, &identifier).await }
    });
    move || match activity.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(error)) => view! { <ApiError error/> }.into_any(),
        Some(Ok(activities)) => {
            view! { <ActivityTimeline activities aggregate=aggregate.clone()/> }.into_any()
        }
    }
}

/// An incident's activity (`ol.incident-activity`), oldest first, one
/// `li.incident-activity-item` (`data-type` Sentry's activity type) each.
#[component]
pub fn ActivityTimeline(
    /// The activities, as the server orders them.
    activities: Vec<IncidentActivity>,
    /// The rule's aggregate, to write the figures.
    aggregate: String,
) -> impl IntoView {
    if activities.is_empty() {
        return view! { <p class="hint incident-activity">"No activity yet."</p> }.into_any();
    }
    let items = activities
        .into_iter()
        .map(|activity| {
            let time = activity.date_created;
            let text = activity_text(&activity, &aggregate);
            view! {
                <li class="incident-activity-item" data-type=activity.kind>
                    <span class="incident-activity-text">{text}</span>
                    " · "
                    <span class="hint">{absolute_time(time)}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="incident-activity">{items}</ol> }.into_any()
}

// ---- the rule's chart ----

/// The periods of a rule's chart (`?period=` on its page), with their words; the first is the
/// default.
pub const CHART_PERIODS: &[(&str, &str)] =
    &[("24h", "the last 24 hours"), ("7d", "the last 7 days")];

/// The chart's period for a `period` query value: one of [`CHART_PERIODS`], the default for
/// anything else.
pub fn chart_period(value: Option<&str>) -> &'static (&'static str, &'static str) {
    CHART_PERIODS.iter().find(|(id, _)| Some(*id) == value).unwrap_or(&CHART_PERIODS[0])
}

/// What a rule's chart shows, by what the rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// `count()`: the projects' errors per hour, from the usage stats (`stats_v2`).
    Errors,
    /// A crash-free rate per hour, from the sessions API's `field` (`crash_free_rate(session)`
    /// or `crash_free_rate(user)`).
    Sessions {
        /// The sessions API's field.
        field: &'static str,
    },
    /// `count_unique(user)`: no API gives it over time, so a note stands in for the chart.
    Users,
}

impl ChartKind {
    /// The chart of a rule measuring `aggregate`; `None` for an aggregate Cairn does not know.
    pub fn of(aggregate: &str) -> Option<ChartKind> {
        match aggregate {
            AGGREGATE_COUNT => Some(ChartKind::Errors),
            AGGREGATE_USERS => Some(ChartKind::Users),
            AGGREGATE_CRASH_FREE_SESSIONS => {
                Some(ChartKind::Sessions { field: "crash_free_rate(session)" })
            }
            AGGREGATE_CRASH_FREE_USERS => {
                Some(ChartKind::Sessions { field: "crash_free_rate(user)" })
            }
            _ => None,
        }
    }

    /// The chart container's `data-kind`: `errors`, `sessions` or `users`.
    pub fn key(self) -> &'static str {
        match self {
            ChartKind::Errors => "errors",
            ChartKind::Sessions { .. } => "sessions",
            ChartKind::Users => "users",
        }
    }

    /// What the chart draws: "Errors per hour", "Crash-free session rate per hour".
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Errors => "Errors per hour",
            ChartKind::Sessions { field: "crash_free_rate(user)" } => {
                "Crash-free user rate per hour"
            }
            ChartKind::Sessions { .. } => "Crash-free session rate per hour",
            ChartKind::Users => "Users with errors",
        }
    }
}

/// A rule's figure over the chart's period, one value per hour: errors, or a crash-free rate
/// in percent (`None` for an hour without sessions).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FigureSeries {
    /// Start of each hour (Unix seconds).
    pub times: Vec<i64>,
    /// The figure of each hour.
    pub values: Vec<Option<f64>>,
}

impl FigureSeries {
    /// Whether a chart of `kind` has anything to show: an error, or an hour with sessions.
    pub fn has_data(&self, kind: ChartKind) -> bool {
        match kind {
            ChartKind::Errors => self.values.iter().flatten().any(|v| *v > 0.0),
            _ => self.values.iter().any(Option::is_some),
        }
    }

    /// The chart's time span: the first hour's start to the last one's end.
    pub fn bounds(&self) -> (i64, i64) {
        let first = self.times.first().copied().unwrap_or(0);
        let last = self.times.last().copied().unwrap_or(first);
        let step = match self.times.as_slice() {
            [a, b, ..] => b - a,
            _ => 3_600,
        };
        (first, last.max(first) + step)
    }
}

/// The numeric ids (as text) of the projects `slugs` among the organization's `projects`, for
/// the APIs that take ids; otherwise what to say: a slug that is not among them, or no
/// project at all (asking the APIs without a project would answer for every project).
pub fn project_ids(slugs: &[String], projects: &[Project]) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = Vec::new();
    for slug in slugs {
        let Some(project) = projects.iter().find(|p| p.slug == *slug) else {
            return Err(format!("The project {slug} is not one of this organization's projects."));
        };
        if !ids.contains(&project.id) {
            ids.push(project.id.clone());
        }
    }
    if ids.is_empty() {
        return Err("The alert measures no project.".to_owned());
    }
    Ok(ids)
}

/// The errors per hour of the projects `ids` (numeric, as text), from a usage stats answer
/// grouped by project (the projects page's).
pub fn error_series(stats: &UsageStats, ids: &[String]) -> FigureSeries {
    let times: Vec<i64> = stats
        .intervals
        .iter()
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp())
        .collect();
    let by_project = super::projects::errors_by_project(stats);
    let mut values = vec![0.0; times.len()];
    for (errors, _) in ids.iter().filter_map(|id| by_project.get(id)) {
        for (value, n) in values.iter_mut().zip(errors) {
            *value += *n as f64;
        }
    }
    FigureSeries { times, values: values.into_iter().map(Some).collect() }
}

/// A crash-free rate per hour in percent, from a sessions answer (not grouped) with `field`:
/// the API answers fractions (`0.995`), the rule's thresholds are percents (`99.5`). `None`
/// for an hour without sessions (`null`).
pub fn crash_free_series(answer: &SessionsResponse, field: &str) -> FigureSeries {
    let times: Vec<i64> = answer.intervals.iter().map(DateTime::timestamp).collect();
    let mut values: Vec<Option<f64>> = answer
        .groups
        .first()
        .and_then(|group| group.series.get(field))
        .map(|values| {
            values
                .iter()
                .map(|v| v.as_f64().filter(|v| v.is_finite()).map(|rate| rate * 100.0))
                .collect()
        })
        .unwrap_or_default();
    values.resize(times.len(), None);
    FigureSeries { times, values }
}

/// The sessions API's parameters for a crash-free rate per hour over `period` of the projects
/// `ids`, in `environment` when the rule has one.
pub fn sessions_params(
    field: &str,
    ids: &[String],
    environment: Option<&str>,
    period: &str,
) -> Vec<(&'static str, String)> {
    let mut params = vec![
        ("field", field.to_owned()),
        ("interval", "1h".to_owned()),
        ("statsPeriod", period.to_owned()),
    ];
    params.extend(ids.iter().map(|id| ("project", id.clone())));
    if let Some(environment) = environment.filter(|e| !e.trim().is_empty()) {
        params.push(("environment", environment.to_owned()));
    }
    params
}

/// A threshold of a rule as its chart shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartThreshold {
    /// `critical` or `warning`.
    pub label: &'static str,
    /// The threshold, in the rule's unit (percent for a crash-free rate).
    pub value: f64,
    /// Whether it is a line on the chart: only when the chart's unit is the rule's, a
    /// crash-free rate, or errors over a window of one hour (the chart counts errors per
    /// hour; over 5 minutes the same threshold means something else).
    pub drawn: bool,
}

/// The thresholds of `rule` on its chart, critical first.
pub fn chart_thresholds(rule: &MetricAlertRule) -> Vec<ChartThreshold> {
    let drawn = match ChartKind::of(&rule.aggregate) {
        Some(ChartKind::Sessions { .. }) => true,
        Some(ChartKind::Errors) => (rule.time_window - 60.0).abs() < 1e-9,
        _ => false,
    };
    ["critical", "warning"]
        .into_iter()
        .filter_map(|label| {
            Some(ChartThreshold { label, value: trigger_threshold(rule, label)?, drawn })
        })
        .collect()
}

/// A threshold's colour: Sentry's red for critical, amber for warning.
fn threshold_color(label: &str) -> (u8, u8, u8) {
    if label == "critical" {
        colors::CRASHED
    } else {
        colors::ERRORED
    }
}

/// "Critical", "Warning".
fn capitalized(label: &str) -> String {
    let mut chars = label.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// A threshold in words: "below 99.5%", "above 100 errors in 5 minutes".
fn threshold_words(rule: &MetricAlertRule, value: f64) -> String {
    let direction = if rule.threshold_type == 1 { "below" } else { "above" };
    let value = threshold_text(&rule.aggregate, value);
    if is_crash_free(&rule.aggregate) {
        format!("{direction} {value}")
    } else {
        format!("{direction} {value} errors in {}", window_text(rule.time_window))
    }
}

/// The y range of a crash-free rate chart: up to 100 %, down to a round bottom under the
/// lowest value and line, so that a tenth of a percent shows and every line is inside.
pub fn rate_y_range(values: &[Option<f64>], lines: &[f64]) -> std::ops::Range<f64> {
    let lowest = values
        .iter()
        .flatten()
        .chain(lines)
        .copied()
        .filter(|v| v.is_finite())
        .fold(100.0, f64::min);
    let bottom = [99.0, 98.0, 95.0, 90.0, 80.0, 50.0].into_iter().find(|b| *b < lowest);
    bottom.unwrap_or(0.0)..100.0
}

/// The spans of `incidents` (from their start to their close, or to `now` while open) that
/// overlap `from..to` (Unix seconds), clipped to it.
pub fn incident_spans(
    incidents: &[Incident],
    from: i64,
    to: i64,
    now: DateTime<Utc>,
) -> Vec<(i64, i64)> {
    incidents
        .iter()
        .filter_map(|incident| {
            let start = incident.date_started.timestamp().max(from);
            let end = incident.date_closed.unwrap_or(now).timestamp().min(to);
            (start < end).then_some((start, end))
        })
        .collect()
}

/// What the chart shows in words, its accessible name: the figure over the period, each
/// threshold (and whether it is a line), and the incidents shaded.
pub fn chart_description(
    rule: &MetricAlertRule,
    period: &str,
    series: &FigureSeries,
    incidents: usize,
) -> String {
    let Some(kind) = ChartKind::of(&rule.aggregate) else {
        return String::new();
    };
    let period = chart_period(Some(period)).1;
    let values: Vec<f64> = series.values.iter().flatten().copied().collect();
    let figures = match kind {
        ChartKind::Errors => {
            let total: f64 = values.iter().sum();
            let most = values.iter().copied().fold(0.0, f64::max);
            format!("{} in all, at most {} in one hour", rounded_text(total), rounded_text(most))
        }
        _ => {
            let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
            let latest = values.last().copied().unwrap_or(f64::NAN);
            format!(
                "lowest {}, latest {}",
                figure_text(&rule.aggregate, lowest),
                figure_text(&rule.aggregate, latest)
            )
        }
    };
    let mut text = format!("{} over {period}: {figures}.", kind.title());
    for threshold in chart_thresholds(rule) {
        let words = threshold_words(rule, threshold.value);
        let label = capitalized(threshold.label);
        if threshold.drawn {
            text.push_str(&format!(" {label} threshold {words}, drawn as a line."));
        } else {
            text.push_str(&format!(
                " {label} threshold {words}, not drawn: the chart counts errors per hour."
            ));
        }
    }
    text.push_str(&match incidents {
        0 => " No incidents in this period.".to_owned(),
        1 => " 1 incident in this period, shaded.".to_owned(),
        n => format!(" {n} incidents in this period, shaded."),
    });
    text
}

/// What the error chart counts that the rule does not: every environment, every error.
fn error_chart_note(rule: &MetricAlertRule) -> Option<String> {
    let environment = rule.environment.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let query = Some(rule.query.trim()).filter(|q| !q.is_empty());
    if environment.is_none() && query.is_none() {
        return None;
    }
    let mut note = String::from("The chart counts every error of the projects");
    if let Some(environment) = environment {
        note.push_str(&format!(", in every environment, not only {environment}"));
    }
    if let Some(query) = query {
        let and = if environment.is_some() { ", and" } else { "," };
        note.push_str(&format!("{and} whether or not they match \"{query}\""));
    }
    note.push('.');
    Some(note)
}

/// Fetches the figure of a rule of `kind` over `period`: the errors per hour of the projects
/// `ids`, or their crash-free rate per hour in `environment` (every one when `None`).
async fn load_figure(
    org: &str,
    kind: ChartKind,
    ids: &[String],
    environment: Option<&str>,
    period: &str,
) -> api::Result<FigureSeries> {
    match kind {
        ChartKind::Errors => {
            let stats = api::project_error_stats(org, period, "1h").await?;
            Ok(error_series(&stats, ids))
        }
        ChartKind::Sessions { field } => {
            let params = sessions_params(field, ids, environment, period);
            Ok(crash_free_series(&api::sessions(org, &params).await?, field))
        }
        ChartKind::Users => Ok(FigureSeries::default()),
    }
}

/// Why the chart has nothing to draw.
#[derive(Debug, Clone, PartialEq)]
enum ChartFailure {
    /// An API call failed.
    Api(api::Error),
    /// The rule's projects could not be found (the message says which).
    Projects(String),
}

/// The rule's chart (`#metric-alert-chart`, `data-kind` `errors`, `sessions` or `users`):
/// its figure per hour over the last 24 hours or 7 days (`?period=`, the links of
/// `.period-toggle`) with its thresholds and `incidents`, as [`FigureChart`] draws it. A rule
/// measuring users with errors gets a note (`#metric-alert-chart-note`) and no request.
#[component]
pub fn MetricAlertChart(
    /// The organization's slug.
    org: Memo<String>,
    /// The rule.
    rule: MetricAlertRule,
    /// Its incidents (the newest ones), shaded where they fall in the period.
    #[prop(into)]
    incidents: Signal<Vec<Incident>>,
) -> impl IntoView {
    let Some(kind) = ChartKind::of(&rule.aggregate) else {
        return ().into_any();
    };
    if kind == ChartKind::Users {
        return view! {
            <section id="metric-alert-chart" class="metric-alert-chart" data-kind=kind.key()>
                <p class="hint" id="metric-alert-chart-note">
                    "No chart for users with errors; the figure is measured every minute."
                </p>
            </section>
        }
        .into_any();
    }
    let query = use_query_map();
    let period = Memo::new(move |_| chart_period(query.read().get("period").as_deref()).0);
    let projects = crate::state::use_projects(org);
    let id = rule.id.clone();
    let environment = rule.environment.clone();
    let rule = StoredValue::new(rule);
    // The answer with its period, so that the chart never says "7 days" of a day's figures
    // while the next answer is on its way. The projects' ids are known once the
    // organization's projects are (`None` until then).
    let data = LocalResource::new(move || {
        let (org, period) = (org.get(), period.get());
        let ids = projects().map(|list| rule.with_value(|rule| project_ids(&rule.projects, &list)));
        let environment = environment.clone();
        async move {
            let result = match ids? {
                Err(message) => Err(ChartFailure::Projects(message)),
                Ok(ids) => load_figure(&org, kind, &ids, environment.as_deref(), period)
                    .await
                    .map_err(ChartFailure::Api),
            };
            Some((period, result))
        }
    });
    let toggle = move || {
        CHART_PERIODS
            .iter()
            .map(|(value, _)| {
                let selected = move || period.get() == *value;
                let href = format!(
                    "{}?period={value}",
                    Page::MetricAlert { org: org.get(), id: id.clone() }.path()
                );
                view! {
                    <a
                        class="period-option"
                        class:selected=selected
                        data-period=*value
                        aria-current=move || selected().then_some("true")
                        href=href
                    >
                        {*value}
                    </a>
                }
            })
            .collect_view()
    };
    let body = move || match data.get() {
        None | Some(None) => view! { <Loading/> }.into_any(),
        Some(Some((_, Err(ChartFailure::Api(error))))) => view! { <ApiError error/> }.into_any(),
        Some(Some((_, Err(ChartFailure::Projects(message))))) => {
            view! { <ErrorState message/> }.into_any()
        }
        Some(Some((period, Ok(series)))) => {
            let incidents = incidents.get();
            view! { <FigureChart rule=rule.get_value() period series incidents/> }.into_any()
        }
    };
    view! {
        <section id="metric-alert-chart" class="metric-alert-chart" data-kind=kind.key()>
            <div class="chart-toolbar">
                <span class="spacer"></span>
                <nav class="period-toggle" aria-label="Chart period">
                    {toggle}
                </nav>
            </div>
            {body}
        </section>
    }
    .into_any()
}

/// A rule's figure per hour as a chart (`figure#metric-alert-figure`): bars of errors, or the
/// crash-free rate as a filled line, with each threshold a labelled line (in red, critical,
/// and amber, warning) when the chart's unit is the rule's, and the `incidents` that fall in
/// the period shaded; the legend names them all, the thresholds not drawn too. Without data,
/// `#metric-alert-chart-empty`.
#[component]
pub fn FigureChart(
    /// The rule.
    rule: MetricAlertRule,
    /// The period: one of [`CHART_PERIODS`].
    #[prop(into)]
    period: String,
    /// The figure per hour.
    series: FigureSeries,
    /// The rule's incidents.
    #[prop(optional)]
    incidents: Vec<Incident>,
) -> impl IntoView {
    let Some(kind) = ChartKind::of(&rule.aggregate).filter(|k| *k != ChartKind::Users) else {
        return ().into_any();
    };
    if !series.has_data(kind) {
        let environment = rule.environment.as_deref().map(str::trim).filter(|e| !e.is_empty());
        let what = match (kind, environment) {
            (ChartKind::Errors, _) => "No errors of these projects were stored.".to_owned(),
            (_, Some(environment)) => {
                format!("No sessions of these projects in {environment} were received.")
            }
            _ => "No sessions of these projects were received.".to_owned(),
        };
        return view! {
            <div class="empty-state" id="metric-alert-chart-empty">
                <p class="empty-title">{format!("No data in {}", chart_period(Some(&period)).1)}</p>
                <p>{what}</p>
            </div>
        }
        .into_any();
    }
    let thresholds = chart_thresholds(&rule);
    let (from, to) = series.bounds();
    let spans = incident_spans(&incidents, from, to, now());
    let overlay = Overlay {
        lines: thresholds
            .iter()
            .filter(|t| t.drawn)
            .map(|t| HorizontalLine {
                value: t.value,
                label: format!(
                    "{} {}",
                    capitalized(t.label),
                    threshold_text(&rule.aggregate, t.value)
                ),
                color: threshold_color(t.label),
            })
            .collect(),
        spans: spans
            .iter()
            .map(|&(start, end)| TimeSpan { start, end, color: colors::CRASHED })
            .collect(),
    };
    let data = Series {
        label: kind.title().to_owned(),
        color: colors::PRIMARY,
        values: series.values.clone(),
    };
    let svg = match kind {
        ChartKind::Errors => bar_overlay_svg(&series.times, &data, &overlay),
        _ => {
            let lines: Vec<f64> = overlay.lines.iter().map(|l| l.value).collect();
            let y = rate_y_range(&series.values, &lines);
            area_overlay_svg(&series.times, std::slice::from_ref(&data), y, "%", &overlay)
        }
    };
    let mut legend = vec![data];
    legend.extend(thresholds.iter().map(|t| {
        let mut label =
            format!("{} threshold: {}", capitalized(t.label), threshold_words(&rule, t.value));
        if !t.drawn {
            label.push_str(" (not drawn: the chart counts errors per hour)");
        }
        Series { label, color: threshold_color(t.label), values: Vec::new() }
    }));
    if !spans.is_empty() {
        legend.push(Series {
            label: "Incidents (shaded)".to_owned(),
            color: colors::CRASHED,
            values: Vec::new(),
        });
    }
    let description = chart_description(&rule, &period, &series, spans.len());
    let title = format!("{} over {}", kind.title(), chart_period(Some(&period)).1);
    let note = (kind == ChartKind::Errors)
        .then(|| error_chart_note(&rule))
        .flatten()
        .map(|note| view! { <p class="hint" id="metric-alert-chart-hint">{note}</p> });
    view! {
        <Chart id="metric-alert-figure" title description svg legend/>
        {note}
    }
    .into_any()
}
