//! `/organizations/{org}/alerts/rules/?project={slug}` (Sentry's URL): a project's issue alert
//! rules (Sentry's *Alerts*): each rule's conditions, filters and whom it notifies, in the
//! sentences the server writes, with how often it may notify, its environment, when it last
//! fired and who made it; a form that makes a new rule or changes one, and deleting one after
//! a confirmation. The project is in the URL (its slug, or its numeric id as Sentry's links
//! have it; the first project when none is given), so a link reproduces the view. Below them,
//! the project's metric alerts ([`super::metric_alerts`]).
//!
//! The form's state is a [`RuleDraft`], plain data read from a rule ([`RuleDraft::from_rule`])
//! and turned into the API's request ([`RuleDraft::request`]); what the form has no field for
//! (a rule made through the API with two actions, say) is kept as it is and sent back.

use cairn_types::api::{
    AlertRule, AlertRuleRequest, Project, AGE_FILTER, EVENT_FREQUENCY, EXISTING_HIGH_PRIORITY,
    FIRST_SEEN, LATEST_RELEASE_FILTER, LEVEL_FILTER, NEW_HIGH_PRIORITY, NOTIFY_EMAIL,
    OCCURRENCES_FILTER, REAPPEARED, REGRESSION, TAGGED_EVENT_FILTER, UNIQUE_USER_FREQUENCY,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::{json, Value};

use super::metric_alerts::MetricAlertsSection;
use crate::{
    api,
    components::{confirm::ConfirmDelete, ApiError, FormError, Loading, TimeAgo},
    org_directory::{Directory, OrgDirectory},
    routes::Page,
};

/// The query parameter naming the project.
const PROJECT_QUERY: &str = "project";

/// Sentry's choices of a rule's frequency (minutes between two notifications of one issue),
/// with Sentry's words for them.
pub const FREQUENCIES: &[(&str, &str)] = &[
    ("5", "5 minutes"),
    ("10", "10 minutes"),
    ("30", "30 minutes"),
    ("60", "60 minutes"),
    ("180", "3 hours"),
    ("720", "12 hours"),
    ("1440", "24 hours"),
    ("10080", "1 week"),
    ("43200", "30 days"),
];

/// The intervals of the condition "seen more than N times in ...", with Sentry's words.
pub const INTERVALS: &[(&str, &str)] = &[
    ("1m", "one minute"),
    ("5m", "5 minutes"),
    ("15m", "15 minutes"),
    ("1h", "one hour"),
    ("1d", "one day"),
    ("1w", "one week"),
    ("30d", "30 days"),
];

/// Sentry's numbers of the levels, most severe first.
const LEVELS: &[(&str, &str)] =
    &[("50", "fatal"), ("40", "error"), ("30", "warning"), ("20", "info"), ("10", "debug")];

/// How the level filter compares.
const LEVEL_MATCHES: &[(&str, &str)] =
    &[("gte", "greater than or equal to"), ("eq", "equal to"), ("lte", "less than or equal to")];

/// How many of the conditions or filters must hold.
const MATCHES: &[(&str, &str)] = &[("any", "any"), ("all", "all"), ("none", "none")];

/// The age filter's units.
const AGE_UNITS: &[(&str, &str)] =
    &[("minute", "minutes"), ("hour", "hours"), ("day", "days"), ("week", "weeks")];

/// The tag filter's matches (Sentry's `MatchType`).
const TAG_MATCHES: &[(&str, &str)] = &[
    ("eq", "equals"),
    ("ne", "does not equal"),
    ("sw", "starts with"),
    ("nsw", "does not start with"),
    ("ew", "ends with"),
    ("new", "does not end with"),
    ("co", "contains"),
    ("nc", "does not contain"),
    ("is", "is set"),
    ("ns", "is not set"),
];

/// Whom "issue owners" notifies when no ownership rule names one (the server's meaning).
const FALLTHROUGHS: &[(&str, &str)] = &[
    ("ActiveMembers", "the members of the project's team"),
    ("AllMembers", "every member of the organization"),
    ("NoOne", "no one"),
];

/// Whom a rule notifies.
const TARGETS: &[(&str, &str)] =
    &[("IssueOwners", "The issue's owners"), ("Team", "A team"), ("Member", "A member")];

/// The page's URL for `project` (a slug or a numeric id; the first project when `None`).
pub fn alert_rules_href(org: &str, project: Option<&str>) -> String {
    let path = Page::AlertRules { org: org.to_owned() }.path();
    match project {
        Some(project) => format!("{path}?{PROJECT_QUERY}={}", api::segment(project)),
        None => path,
    }
}

/// A rule's frequency in words: Sentry's for its choices ("30 minutes", "24 hours"), minutes
/// otherwise.
pub fn frequency_text(minutes: i64) -> String {
    match FREQUENCIES.iter().find(|(m, _)| m.parse() == Ok(minutes)) {
        Some((_, words)) => (*words).to_owned(),
        None => super::crons::count_of(minutes, "minute"),
    }
}

/// The slug of the project the page shows (the rules API's): the one `chosen` in the URL, by
/// slug or id, else the organization's first; a slug is taken as it is while the projects load
/// (an id must wait for them). `None` while that cannot be known, or without any project.
pub fn resolve_project(chosen: Option<&str>, projects: Option<&[Project]>) -> Option<String> {
    match (chosen, projects) {
        (Some(chosen), Some(list)) => Some(
            list.iter()
                .find(|p| p.slug == chosen || p.id == chosen)
                .map_or(chosen, |p| p.slug.as_str())
                .to_owned(),
        ),
        (Some(chosen), None) if !chosen.bytes().all(|b| b.is_ascii_digit()) => {
            Some(chosen.to_owned())
        }
        (None, Some(list)) => list.first().map(|p| p.slug.clone()),
        _ => None,
    }
}

/// A field of a rule's object as text, whether the server wrote a string or a number.
fn field_text(object: &Value, key: &str) -> String {
    match object.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

/// The `id` of a condition, filter or action.
fn kind(object: &Value) -> &str {
    object.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// The sentence the server wrote for a condition, filter or action (its `name`), else its id.
pub fn sentence(object: &Value) -> String {
    match object.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => kind(object).to_owned(),
    }
}

/// A select of the organization's teams (`prefix` `team:`) or members (`user:`), by id, named
/// as [`directory_name`] names them, with `empty` for none; `current` is the chosen id. The
/// alert rule forms' "notify a team / a member".
#[component]
pub(crate) fn DirectoryPicker(
    id: &'static str,
    prefix: &'static str,
    empty: &'static str,
    directory: Directory,
    current: Memo<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    let choices = move || {
        directory.with(|directory| {
            directory
                .assignees
                .iter()
                .filter_map(|a| Some((a.value.strip_prefix(prefix)?.to_owned(), a)))
                .map(|(id, a)| {
                    let words = directory_name(directory, &a.value).unwrap_or_default();
                    let value = id.clone();
                    let selected = move || current.with(|c| *c == id);
                    view! { <option value=value prop:selected=selected>{words}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <select id=id on:change=move |ev| on_change.run(event_target_value(&ev))>
            <option value="" prop:selected=move || current.with(String::is_empty)>{empty}</option>
            {choices}
        </select>
    }
}

/// The member or team `value` (`user:{id}` or `team:{id}`) as the directory names it:
/// "Name (email)", or `#slug`.
fn directory_name(directory: &OrgDirectory, value: &str) -> Option<String> {
    let option = directory.assignees.iter().find(|a| a.value == value)?;
    Some(if value.starts_with("user:") && option.detail != option.label {
        format!("{} ({})", option.label, option.detail)
    } else {
        option.label.clone()
    })
}

/// An action in words, naming the team or member from the organization's `directory` (the
/// server's sentence says only "Member"): "Send a notification to dev@example.com".
pub fn action_text(action: &Value, directory: &OrgDirectory) -> String {
    if kind(action) != NOTIFY_EMAIL {
        return sentence(action);
    }
    let identifier = field_text(action, "targetIdentifier");
    let target = match action.get("targetType").and_then(Value::as_str) {
        Some("IssueOwners") => {
            let fallthrough = field_text(action, "fallthroughType");
            let otherwise = FALLTHROUGHS
                .iter()
                .find(|(id, _)| *id == fallthrough)
                .map_or(FALLTHROUGHS[0].1, |(_, words)| words);
            format!("the issue's owners (without any: {otherwise})")
        }
        Some("Team") => directory_name(directory, &format!("team:{identifier}"))
            .map_or_else(|| format!("team {identifier}"), |name| format!("team {name}")),
        Some("Member") => directory_name(directory, &format!("user:{identifier}"))
            .unwrap_or_else(|| format!("member {identifier}")),
        _ => return sentence(action),
    };
    format!("Send a notification to {target}")
}

/// What the rule form holds: the fields as typed, and what it has no field for.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDraft {
    pub name: String,
    /// `any`, `all` or `none` of the conditions.
    pub action_match: String,
    pub first_seen: bool,
    pub regression: bool,
    pub reappeared: bool,
    /// Sentry marks a new issue as high priority.
    pub new_high_priority: bool,
    /// Sentry marks an existing issue as high priority (it escalated).
    pub existing_high_priority: bool,
    /// The condition "seen more than `seen_value` times in `seen_interval`".
    pub seen_on: bool,
    pub seen_value: String,
    pub seen_interval: String,
    /// The condition "seen by more than `users_value` users in `users_interval`".
    pub users_on: bool,
    pub users_value: String,
    pub users_interval: String,
    /// `all`, `any` or `none` of the filters.
    pub filter_match: String,
    /// The level filter: `level_match` (`eq`, `gte`, `lte`) `level` (`10` ... `50`).
    pub level_on: bool,
    pub level_match: String,
    pub level: String,
    /// "The issue has happened at least `occurrences` times".
    pub occurrences_on: bool,
    pub occurrences: String,
    /// "The event is from the latest release".
    pub latest_release: bool,
    /// "The issue is `age_comparison` than `age_value` `age_unit`s".
    pub age_on: bool,
    pub age_comparison: String,
    pub age_value: String,
    pub age_unit: String,
    /// "The event's tags match `tag_key` `tag_match` `tag_value`".
    pub tag_on: bool,
    pub tag_key: String,
    pub tag_match: String,
    pub tag_value: String,
    /// `IssueOwners`, `Team` or `Member`.
    pub target: String,
    pub fallthrough: String,
    /// The team's id, and the member's user id (empty: none chosen).
    pub team: String,
    pub member: String,
    /// Empty: every environment.
    pub environment: String,
    /// Minutes, one of [`FREQUENCIES`].
    pub frequency: String,
    /// The conditions, filters and actions the form has no field for, sent back as they are.
    pub kept_conditions: Vec<Value>,
    pub kept_filters: Vec<Value>,
    pub kept_actions: Vec<Value>,
}

impl Default for RuleDraft {
    /// A new rule: a new issue notifies its owners, at most every 30 minutes.
    fn default() -> Self {
        let text = |s: &str| s.to_owned();
        RuleDraft {
            name: String::new(),
            action_match: text("any"),
            first_seen: true,
            regression: false,
            reappeared: false,
            new_high_priority: false,
            existing_high_priority: false,
            seen_on: false,
            seen_value: text("100"),
            seen_interval: text("1h"),
            users_on: false,
            users_value: text("10"),
            users_interval: text("1h"),
            filter_match: text("all"),
            level_on: false,
            level_match: text("gte"),
            level: text("40"),
            occurrences_on: false,
            occurrences: text("10"),
            latest_release: false,
            age_on: false,
            age_comparison: text("older"),
            age_value: text("30"),
            age_unit: text("minute"),
            tag_on: false,
            tag_key: String::new(),
            tag_match: text("eq"),
            tag_value: String::new(),
            target: text("IssueOwners"),
            fallthrough: text("ActiveMembers"),
            team: String::new(),
            member: String::new(),
            environment: String::new(),
            frequency: text("30"),
            kept_conditions: Vec::new(),
            kept_filters: Vec::new(),
            kept_actions: Vec::new(),
        }
    }
}

impl RuleDraft {
    /// The form filled from `rule`: the first of each kind of condition, filter and action in
    /// the fields, any other kept.
    pub fn from_rule(rule: &AlertRule) -> Self {
        let mut draft = RuleDraft {
            name: rule.name.clone(),
            action_match: rule.action_match.clone(),
            first_seen: false,
            filter_match: rule.filter_match.clone(),
            environment: rule.environment.clone().unwrap_or_default(),
            frequency: rule.frequency.to_string(),
            ..RuleDraft::default()
        };
        for condition in &rule.conditions {
            match kind(condition) {
                FIRST_SEEN => draft.first_seen = true,
                REGRESSION => draft.regression = true,
                REAPPEARED => draft.reappeared = true,
                NEW_HIGH_PRIORITY => draft.new_high_priority = true,
                EXISTING_HIGH_PRIORITY => draft.existing_high_priority = true,
                EVENT_FREQUENCY if !draft.seen_on => {
                    draft.seen_on = true;
                    draft.seen_value = field_text(condition, "value");
                    draft.seen_interval = field_text(condition, "interval");
                }
                UNIQUE_USER_FREQUENCY if !draft.users_on => {
                    draft.users_on = true;
                    draft.users_value = field_text(condition, "value");
                    draft.users_interval = field_text(condition, "interval");
                }
                _ => draft.kept_conditions.push(condition.clone()),
            }
        }
        for filter in &rule.filters {
            match kind(filter) {
                LEVEL_FILTER if !draft.level_on => {
                    draft.level_on = true;
                    draft.level_match = field_text(filter, "match");
                    draft.level = field_text(filter, "level");
                }
                LATEST_RELEASE_FILTER => draft.latest_release = true,
                OCCURRENCES_FILTER if !draft.occurrences_on => {
                    draft.occurrences_on = true;
                    draft.occurrences = field_text(filter, "value");
                }
                AGE_FILTER if !draft.age_on => {
                    draft.age_on = true;
                    draft.age_comparison = field_text(filter, "comparison_type");
                    draft.age_value = field_text(filter, "value");
                    draft.age_unit = field_text(filter, "time");
                }
                TAGGED_EVENT_FILTER if !draft.tag_on => {
                    draft.tag_on = true;
                    draft.tag_key = field_text(filter, "key");
                    draft.tag_match = field_text(filter, "match");
                    draft.tag_value = field_text(filter, "value");
                }
                _ => draft.kept_filters.push(filter.clone()),
            }
        }
        let mut target_set = false;
        for action in &rule.actions {
            let target = field_text(action, "targetType");
            let known = matches!(target.as_str(), "IssueOwners" | "Team" | "Member");
            if target_set || kind(action) != NOTIFY_EMAIL || !known {
                draft.kept_actions.push(action.clone());
                continue;
            }
            target_set = true;
            match target.as_str() {
                "Team" => draft.team = field_text(action, "targetIdentifier"),
                "Member" => draft.member = field_text(action, "targetIdentifier"),
                _ => {
                    let fallthrough = field_text(action, "fallthroughType");
                    if !fallthrough.is_empty() {
                        draft.fallthrough = fallthrough;
                    }
                }
            }
            draft.target = target;
        }
        draft
    }

    /// The API's request for the rule, or what to fix first (a sentence for the user).
    pub fn request(&self) -> Result<AlertRuleRequest, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("Give the rule a name.".into());
        }
        let whole = |text: &str, what: &str| {
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("Give {what} as a whole number."))
        };
        let mut conditions = Vec::new();
        for (on, id) in [
            (self.first_seen, FIRST_SEEN),
            (self.regression, REGRESSION),
            (self.reappeared, REAPPEARED),
            (self.new_high_priority, NEW_HIGH_PRIORITY),
            (self.existing_high_priority, EXISTING_HIGH_PRIORITY),
        ] {
            if on {
                conditions.push(json!({ "id": id }));
            }
        }
        if self.seen_on {
            let value = whole(&self.seen_value, "the number of events")?;
            conditions.push(json!({"id": EVENT_FREQUENCY, "value": value,
                "interval": self.seen_interval, "comparisonType": "count"}));
        }
        if self.users_on {
            let value = whole(&self.users_value, "the number of users")?;
            conditions.push(json!({"id": UNIQUE_USER_FREQUENCY, "value": value,
                "interval": self.users_interval, "comparisonType": "count"}));
        }
        conditions.extend(self.kept_conditions.iter().cloned());
        if conditions.is_empty() {
            return Err("Choose at least one condition under When.".into());
        }
        let mut filters = Vec::new();
        if self.level_on {
            filters.push(json!({"id": LEVEL_FILTER, "match": self.level_match,
                "level": self.level}));
        }
        if self.occurrences_on {
            let value = whole(&self.occurrences, "how many times the issue has happened")?;
            filters.push(json!({"id": OCCURRENCES_FILTER, "value": value}));
        }
        if self.latest_release {
            filters.push(json!({ "id": LATEST_RELEASE_FILTER }));
        }
        if self.age_on {
            let value = whole(&self.age_value, "the issue's age")?;
            filters.push(json!({"id": AGE_FILTER, "comparison_type": self.age_comparison,
                "value": value, "time": self.age_unit}));
        }
        if self.tag_on {
            let key = self.tag_key.trim();
            let value = self.tag_value.trim();
            if key.is_empty() {
                return Err("Give the tag's name.".into());
            }
            if value.is_empty() && !matches!(self.tag_match.as_str(), "is" | "ns") {
                return Err("Give the tag's value.".into());
            }
            filters.push(json!({"id": TAGGED_EVENT_FILTER, "key": key, "match": self.tag_match,
                "value": value}));
        }
        filters.extend(self.kept_filters.iter().cloned());
        let chosen = |id: &str, what: &str| {
            id.parse::<i64>().map_err(|_| format!("Choose the {what} to notify."))
        };
        let action = match self.target.as_str() {
            "Team" => json!({"id": NOTIFY_EMAIL, "targetType": "Team",
                "targetIdentifier": chosen(&self.team, "team")?}),
            "Member" => json!({"id": NOTIFY_EMAIL, "targetType": "Member",
                "targetIdentifier": chosen(&self.member, "member")?}),
            _ => json!({"id": NOTIFY_EMAIL, "targetType": "IssueOwners", "targetIdentifier": "",
                "fallthroughType": self.fallthrough}),
        };
        let mut actions = vec![action];
        actions.extend(self.kept_actions.iter().cloned());
        let environment = self.environment.trim();
        Ok(AlertRuleRequest {
            name: name.to_owned(),
            action_match: Some(self.action_match.clone()),
            filter_match: Some(self.filter_match.clone()),
            frequency: Some(self.frequency.parse().unwrap_or(30)),
            conditions,
            filters,
            actions,
            environment: (!environment.is_empty()).then(|| environment.to_owned()),
        })
    }
}

/// What the form is open for.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    New,
    Rule(AlertRule),
}

/// The alert rules route.
#[component]
pub fn AlertRulesPage() -> impl IntoView {
    let org = super::use_org_param();
    let query = use_query_map();
    let projects = crate::state::use_projects(org);
    let chosen = Memo::new(move |_| query.read().get(PROJECT_QUERY).filter(|p| !p.is_empty()));
    let project =
        Memo::new(move |_| resolve_project(chosen.get().as_deref(), projects().as_deref()));
    let version = RwSignal::new(0_u32);
    let rules = LocalResource::new(move || {
        version.track();
        let (org, project) = (org.get(), project.get());
        async move {
            match project {
                Some(project) => Some(api::alert_rules(&org, &project).await),
                None => None,
            }
        }
    });
    // The organization's members and teams: the form's pickers, and the names of the rules'
    // targets.
    let directory = Directory::new(org.into());
    Effect::new(move |_| {
        org.track();
        directory.ensure_loaded();
    });

    let editing = RwSignal::new(None::<Editing>);
    // Another project: its rules, with no form open.
    Effect::new(move |_| {
        project.track();
        editing.set(None);
    });
    let save = Action::new_local(move |(id, request): &(Option<String>, AlertRuleRequest)| {
        let (id, request) = (id.clone(), request.clone());
        let (org, project) = (org.get_untracked(), project.get_untracked().unwrap_or_default());
        async move {
            match id {
                Some(id) => api::update_alert_rule(&org, &project, &id, &request).await,
                None => api::create_alert_rule(&org, &project, &request).await,
            }
        }
    });
    Effect::new(move |_| {
        if save.value().with(|v| matches!(v, Some(Ok(_)))) {
            editing.set(None);
            version.update(|v| *v += 1);
        }
    });
    // A form the browser did not send (no name, no condition, ...).
    let invalid = RwSignal::new(None::<String>);
    let open = move |what: Editing| {
        invalid.set(None);
        save.value().set(None);
        editing.set(Some(what));
    };
    let form_error = Signal::derive(move || {
        invalid.get().or_else(|| {
            save.value().with(|v| match v {
                Some(Err(error)) => Some(error.message()),
                _ => None,
            })
        })
    });
    let on_submit = Callback::new(move |draft: RuleDraft| match draft.request() {
        Ok(request) => {
            invalid.set(None);
            let id = match editing.get_untracked() {
                Some(Editing::Rule(rule)) => Some(rule.id),
                _ => None,
            };
            save.dispatch((id, request));
        }
        Err(message) => invalid.set(Some(message)),
    });
    let on_cancel = Callback::new(move |()| editing.set(None));
    let saving = Signal::derive(move || save.pending().get());
    let form = move || {
        let (draft, title) = match editing.get()? {
            Editing::New => (RuleDraft::default(), "New alert rule"),
            Editing::Rule(rule) => (RuleDraft::from_rule(&rule), "Edit alert rule"),
        };
        Some(view! {
            <RuleForm draft title directory saving error=form_error on_submit on_cancel/>
        })
    };

    let delete = Action::new_local(move |id: &String| {
        let id = id.clone();
        let (org, project) = (org.get_untracked(), project.get_untracked().unwrap_or_default());
        async move { api::delete_alert_rule(&org, &project, &id).await }
    });
    Effect::new(move |_| {
        if delete.value().with(Option::is_some) {
            version.update(|v| *v += 1);
        }
    });
    let delete_error = Signal::derive(move || {
        delete.value().with(|v| match v {
            Some(Err(error)) => Some(error.message()),
            _ => None,
        })
    });
    let on_edit = Callback::new(move |rule: AlertRule| open(Editing::Rule(rule)));
    let on_delete = Callback::new(move |id: String| {
        delete.dispatch(id);
    });

    // The project's metric alerts, below its issue alert rules.
    let has_project = Memo::new(move |_| project.with(Option::is_some));
    let navigate = use_navigate();
    let on_project = move |ev| {
        let slug = event_target_value(&ev);
        navigate(&alert_rules_href(&org.get_untracked(), Some(&slug)), Default::default());
    };
    let project_options = move || {
        let current = project.get().unwrap_or_default();
        projects()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let selected = current == p.slug;
                view! { <option value=p.slug selected=selected>{p.name}</option> }
            })
            .collect_view()
    };
    let body = move || {
        if chosen.with(Option::is_none) && projects().is_some_and(|list| list.is_empty()) {
            return view! {
                <div class="empty-state">
                    <p class="empty-title">"No project yet"</p>
                    <p>"Alert rules belong to a project: create one first."</p>
                </div>
            }
            .into_any();
        }
        match rules.get().flatten() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(error)) => view! { <ApiError error/> }.into_any(),
            // The explanation gives way to the form making the first rule.
            Some(Ok(rules)) if rules.is_empty() => {
                editing.with(Option::is_none).then(|| view! { <NoRules/> }).into_any()
            }
            Some(Ok(rules)) => view! { <RuleList rules directory on_edit on_delete/> }.into_any(),
        }
    };
    view! {
        <section class="page alert-rules-page">
            <header class="page-header">
                <h1>"Alert Rules"</h1>
                <label class="picker">
                    <span class="picker-label">"Project"</span>
                    <select id="rules-project" on:change=on_project>
                        {project_options}
                    </select>
                </label>
                <button
                    type="button"
                    id="new-rule"
                    class="button button-primary"
                    disabled=move || project.with(Option::is_none)
                    on:click=move |_| open(Editing::New)
                >
                    "New alert rule"
                </button>
            </header>
            <p class="hint">
                "A rule notifies people, in their inbox and by email when the server has a mail server, when an issue of the project meets its conditions."
            </p>
            {form}
            <FormError message=delete_error/>
            {body}
            {move || {
                has_project
                    .get()
                    .then(|| view! { <MetricAlertsSection org project directory/> })
            }}
        </section>
    }
}

/// The empty list (`#no-rules`): what rules do.
#[component]
fn NoRules() -> impl IntoView {
    view! {
        <div class="empty-state" id="no-rules">
            <p class="empty-title">"No alert rules yet"</p>
            <p>
                "An alert rule tells people when something happens to an issue of this project: a new issue, an issue that comes back after it was resolved or archived, or one seen more than some number of times in a while. Its filters narrow it to the levels, counts or ages that matter, and it notifies the issue's owners, a team or a member, at most once in the time it says."
            </p>
            <p>"Make one with New alert rule."</p>
        </div>
    }
}

/// The rules (`#rule-list`), one `li.rule-row` (`data-rule` its id) each, in the server's
/// order.
#[component]
pub fn RuleList(
    /// The rules.
    rules: Vec<AlertRule>,
    /// The organization's members and teams, to name the targets.
    directory: Directory,
    /// Called with the rule whose Edit is clicked.
    on_edit: Callback<AlertRule>,
    /// Called with the id of the rule whose deletion is confirmed.
    on_delete: Callback<String>,
) -> impl IntoView {
    let rows = rules
        .into_iter()
        .map(|rule| view! { <RuleRow rule directory on_edit on_delete/> })
        .collect_view();
    view! { <ul id="rule-list" class="project-rows">{rows}</ul> }
}

/// The words before a list of conditions or filters: "When any of these happen:".
fn match_words(lead: &str, matching: &str, end: &str) -> String {
    let matching = MATCHES.iter().find(|(id, _)| *id == matching).map_or(matching, |(_, w)| w);
    format!("{lead} {matching} of these {end}:")
}

/// One rule: its name, environment and frequency; its conditions, filters and actions as
/// sentences (`.rule-conditions`, `.rule-filters`, `.rule-actions`); when it last fired and
/// who made it; Edit and Delete.
#[component]
fn RuleRow(
    rule: AlertRule,
    directory: Directory,
    on_edit: Callback<AlertRule>,
    on_delete: Callback<String>,
) -> impl IntoView {
    let sentences =
        |list: &[Value]| list.iter().map(|item| view! { <li>{sentence(item)}</li> }).collect_view();
    let conditions = sentences(&rule.conditions);
    let filters = (!rule.filters.is_empty()).then(|| {
        view! {
            <p class="rule-if">{match_words("If", &rule.filter_match, "are true")}</p>
            <ul class="rule-filters">{sentences(&rule.filters)}</ul>
        }
    });
    let actions = rule
        .actions
        .iter()
        .map(|action| {
            let action = action.clone();
            view! { <li>{move || directory.with(|d| action_text(&action, d))}</li> }
        })
        .collect_view();
    let last = match rule.last_triggered {
        Some(time) => view! { <TimeAgo time/> }.into_any(),
        None => "never".into_any(),
    };
    let creator = rule.created_by.as_ref().map(|user| user.name.clone());
    let id = rule.id.clone();
    let on_confirm = Callback::new(move |()| on_delete.run(id.clone()));
    let edited = rule.clone();
    view! {
        <li class="project-row rule-row" data-rule=rule.id.clone()>
            <div class="project-head">
                <span class="project-name rule-name">{rule.name.clone()}</span>
                <span class="badge rule-environment">
                    {rule.environment.clone().unwrap_or_else(|| "All environments".to_owned())}
                </span>
                <span class="hint rule-frequency">
                    "At most once every " {frequency_text(rule.frequency)} " per issue"
                </span>
            </div>
            <p class="rule-when">{match_words("When", &rule.action_match, "happen")}</p>
            <ul class="rule-conditions">{conditions}</ul>
            {filters}
            <p class="rule-then">"Then:"</p>
            <ul class="rule-actions">{actions}</ul>
            <p class="hint rule-meta">
                "Last triggered: " <span class="rule-last">{last}</span>
                {creator.map(|name| view! { " · Created by " <span class="rule-creator">{name}</span> })}
            </p>
            <div class="project-dsns key-actions">
                <button
                    type="button"
                    class="button button-secondary rule-edit"
                    on:click=move |_| on_edit.run(edited.clone())
                >
                    "Edit"
                </button>
                <ConfirmDelete
                    name="rule"
                    warning="Delete this rule? It stops notifying at once."
                    confirm="Delete rule"
                    on_confirm
                />
            </div>
        </li>
    }
}

/// `<option>`s of `choices` (value, words), the one `current` reads selected.
fn options(
    choices: &'static [(&'static str, &'static str)],
    current: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    choices
        .iter()
        .map(|(value, words)| {
            view! { <option value=*value selected=move || current() == *value>{*words}</option> }
        })
        .collect_view()
}

/// The rule form (`#rule-form`), filled from `draft`: a name; *When* (the three state changes
/// and "seen more than N times in ..."), *If* (level, occurrences, age), whom to notify, the
/// environment and the frequency. Submitting hands the draft as typed to `on_submit`; `error`
/// is shown over the buttons.
#[component]
pub fn RuleForm(
    /// What the fields start with.
    draft: RuleDraft,
    /// The form's title.
    title: &'static str,
    /// The organization's members and teams, for the pickers.
    directory: Directory,
    /// Whether a save is under way.
    saving: Signal<bool>,
    /// Why the last save failed, if it did.
    error: Signal<Option<String>>,
    /// Called with the fields when the form is submitted.
    on_submit: Callback<RuleDraft>,
    /// Called when Cancel is clicked.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let kept: Vec<String> = draft
        .kept_conditions
        .iter()
        .chain(&draft.kept_filters)
        .chain(&draft.kept_actions)
        .map(sentence)
        .collect();
    let draft = RwSignal::new(draft);
    // A text field, a checkbox and a `<select>` bound to one of the draft's fields.
    macro_rules! text {
        ($field:ident) => {
            (
                move || draft.with(|d| d.$field.clone()),
                move |ev| draft.update(|d| d.$field = event_target_value(&ev)),
            )
        };
    }
    macro_rules! check {
        ($id:literal, $field:ident, $label:expr) => {
            view! {
                <label class="checkbox">
                    <input
                        id=$id
                        type="checkbox"
                        prop:checked=move || draft.with(|d| d.$field)
                        on:change=move |ev| draft.update(|d| d.$field = event_target_checked(&ev))
                    />
                    {$label}
                </label>
            }
        };
    }
    macro_rules! select {
        ($id:literal, $field:ident, $choices:expr) => {{
            let (value, set) = text!($field);
            view! { <select id=$id on:change=set>{options($choices, value)}</select> }
        }};
        ($id:literal, $field:ident, $choices:expr, $on:ident) => {{
            let (value, set) = text!($field);
            view! {
                <select id=$id on:change=set disabled=move || !draft.with(|d| d.$on)>
                    {options($choices, value)}
                </select>
            }
        }};
    }
    macro_rules! number {
        ($id:literal, $field:ident, $on:ident) => {{
            let (value, set) = text!($field);
            view! {
                <input
                    id=$id
                    type="number"
                    min="0"
                    inputmode="numeric"
                    prop:value=value
                    on:input=set
                    disabled=move || !draft.with(|d| d.$on)
                />
            }
        }};
    }
    macro_rules! tag_input {
        ($id:literal, $field:ident, $placeholder:literal) => {{
            let (value, set) = text!($field);
            view! {
                <input
                    id=$id
                    type="text"
                    maxlength="200"
                    placeholder=$placeholder
                    prop:value=value
                    on:input=set
                    disabled=move || !draft.with(|d| d.tag_on)
                />
            }
        }};
    }
    let (name, set_name) = text!(name);
    let (environment, set_environment) = text!(environment);
    let target = Memo::new(move |_| draft.with(|d| d.target.clone()));
    // The picker of the chosen target: whom owners fall through to, a team or a member.
    let target_picker = move || match target.get().as_str() {
        "Team" | "Member" => {
            let team = target.get_untracked() == "Team";
            let (prefix, id, empty) = match team {
                true => ("team:", "rule-team", "Choose a team"),
                false => ("user:", "rule-member", "Choose a member"),
            };
            let current = Memo::new(move |_| {
                draft.with(|d| if team { d.team.clone() } else { d.member.clone() })
            });
            let on_change = Callback::new(move |id: String| {
                draft.update(|d| if team { d.team = id } else { d.member = id });
            });
            view! { <DirectoryPicker id prefix empty directory current on_change/> }.into_any()
        }
        _ => view! {
            <span>"and without any,"</span>
            {select!("rule-fallthrough", fallthrough, FALLTHROUGHS)}
        }
        .into_any(),
    };
    let kept = (!kept.is_empty()).then(|| {
        view! {
            <p class="hint">"Kept as they are (the form has no field for them):"</p>
            <ul class="rule-kept">{kept.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
        }
    });
    view! {
        <form
            id="rule-form"
            class="settings-form rule-form"
            on:submit=move |ev| {
                ev.prevent_default();
                on_submit.run(draft.get_untracked());
            }
        >
            <h2>{title}</h2>
            <label class="field">
                <span class="label">"Rule name"</span>
                <input id="rule-name" type="text" maxlength="256" prop:value=name on:input=set_name/>
            </label>
            <fieldset>
                <legend>"When"</legend>
                <div class="settings-inline">
                    {select!("rule-action-match", action_match, MATCHES)}
                    <span>"of these happen:"</span>
                </div>
                {check!("rule-first-seen", first_seen, "A new issue is created")}
                {check!("rule-regression", regression, "The issue changes state from resolved to unresolved")}
                {check!("rule-reappeared", reappeared, "The issue changes state from archived to escalating")}
                {check!("rule-new-high", new_high_priority, "Cairn marks a new issue as high priority")}
                {check!("rule-existing-high", existing_high_priority, "Cairn marks an existing issue as high priority")}
                <div class="settings-inline">
                    {check!("rule-seen-on", seen_on, "The issue is seen more than")}
                    {number!("rule-seen-value", seen_value, seen_on)}
                    <span>"times in"</span>
                    {select!("rule-seen-interval", seen_interval, INTERVALS, seen_on)}
                </div>
                <div class="settings-inline">
                    {check!("rule-users-on", users_on, "The issue is seen by more than")}
                    {number!("rule-users-value", users_value, users_on)}
                    <span>"users in"</span>
                    {select!("rule-users-interval", users_interval, INTERVALS, users_on)}
                </div>
            </fieldset>
            <fieldset>
                <legend>"If"</legend>
                <div class="settings-inline">
                    {select!("rule-filter-match", filter_match, MATCHES)}
                    <span>"of these are true (none checked: every issue):"</span>
                </div>
                <div class="settings-inline">
                    {check!("rule-level-on", level_on, "The event's level is")}
                    {select!("rule-level-match", level_match, LEVEL_MATCHES, level_on)}
                    {select!("rule-level", level, LEVELS, level_on)}
                </div>
                <div class="settings-inline">
                    {check!("rule-occurrences-on", occurrences_on, "The issue has happened at least")}
                    {number!("rule-occurrences", occurrences, occurrences_on)}
                    <span>"times"</span>
                </div>
                <div class="settings-inline">
                    {check!("rule-latest-release", latest_release, "The event is from the latest release")}
                </div>
                <div class="settings-inline">
                    {check!("rule-age-on", age_on, "The issue is")}
                    {select!("rule-age-comparison", age_comparison, &[("older", "older"), ("newer", "newer")], age_on)}
                    <span>"than"</span>
                    {number!("rule-age-value", age_value, age_on)}
                    {select!("rule-age-time", age_unit, AGE_UNITS, age_on)}
                </div>
                <div class="settings-inline">
                    {check!("rule-tag-on", tag_on, "The event's tag")}
                    {tag_input!("rule-tag-key", tag_key, "name")}
                    {select!("rule-tag-match", tag_match, TAG_MATCHES, tag_on)}
                    {tag_input!("rule-tag-value", tag_value, "value")}
                </div>
            </fieldset>
            <fieldset>
                <legend>"Then notify"</legend>
                <div class="settings-inline">
                    {select!("rule-target", target, TARGETS)}
                    {target_picker}
                </div>
                {kept}
            </fieldset>
            <label class="field">
                <span class="label">"Environment"</span>
                <input
                    id="rule-environment"
                    type="text"
                    placeholder="Any environment"
                    prop:value=environment
                    on:input=set_environment
                />
            </label>
            <label class="field">
                <span class="label">"Notify at most once every"</span>
                {select!("rule-frequency", frequency, FREQUENCIES)}
                <span class="hint">"per issue"</span>
            </label>
            <FormError message=error/>
            <div class="settings-inline">
                <button type="submit" id="rule-save" class="button button-primary" disabled=move || saving.get()>
                    "Save rule"
                </button>
                <button
                    type="button"
                    id="rule-cancel"
                    class="button button-secondary"
                    on:click=move |_| on_cancel.run(())
                >
                    "Cancel"
                </button>
            </div>
        </form>
    }
}
