//! Issue alert rules, Sentry's (`sentry.rules`): conditions on what happened to an issue, filters
//! on the issue and its event, and the people to notify, at most once per rule's `frequency`
//! per issue.
//!
//! A rule is read from (and written back in) Sentry's JSON shape, and checked as Sentry's
//! validator checks it; what Cairn does not have (Slack, tags, other condition kinds) is refused
//! with a reason rather than stored and ignored.
//!
//! Rules are evaluated at two moments:
//! - when an event opens, regresses or wakes an issue (the event writer's slow lane, in the
//!   transaction that does it: [`Transition`] known there);
//! - after each commit that adds events to an issue, for the rules that count events
//!   ([`spawn_worker`]), with no transition.
//!
//! Either way, a rule that fires inserts one notification per person it names (kind `alert`),
//! which the inbox lists and the mailer emails, and records when it fired for the issue.

pub mod metric;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_types::api::{
    AGE_FILTER, EVENT_FREQUENCY, EXISTING_HIGH_PRIORITY, FIRST_SEEN, LATEST_RELEASE_FILTER,
    LEVEL_FILTER, NEW_HIGH_PRIORITY, NOTIFY_EMAIL, OCCURRENCES_FILTER, REAPPEARED, REGRESSION,
    TAGGED_EVENT_FILTER, UNIQUE_USER_FREQUENCY,
};
use serde_json::{json, Value};

use crate::store::{IssueUpdate, Store};

/// Sentry's choices of a rule's frequency, in minutes.
pub const FREQUENCIES: &[i64] = &[5, 10, 30, 60, 180, 720, 1440, 10080, 43200];
/// Sentry's intervals of the frequency condition.
const INTERVALS: &[(&str, i64)] = &[
    ("1m", 60_000),
    ("5m", 300_000),
    ("15m", 900_000),
    ("1h", 3_600_000),
    ("1d", 86_400_000),
    ("1w", 604_800_000),
    ("30d", 2_592_000_000),
];

/// The intervals in Sentry's words, in [`INTERVALS`]' order.
const INTERVAL_WORDS: [&str; 7] =
    ["one minute", "5 minutes", "15 minutes", "one hour", "one day", "one week", "30 days"];

/// What happened to the issue in the write that is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The event opened it.
    Opened,
    /// It was resolved, and came back.
    Regressed,
    /// It was ignored, and its condition brought it back.
    Reappeared,
    /// Nothing but more events.
    None,
}

/// How many of a list must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Any,
    All,
    None,
}

impl Match {
    fn parse(text: Option<&str>, default: Match, field: &str) -> Result<Match, String> {
        match text {
            None => Ok(default),
            Some("any") => Ok(Match::Any),
            Some("all") => Ok(Match::All),
            Some("none") => Ok(Match::None),
            Some(other) => Err(format!("{field}: {other:?} is not one of any, all, none")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Match::Any => "any",
            Match::All => "all",
            Match::None => "none",
        }
    }

    /// Whether `results` (one per item) satisfy the match; an empty list always does.
    fn holds(self, results: impl IntoIterator<Item = bool>) -> bool {
        let mut results = results.into_iter().peekable();
        if results.peek().is_none() {
            return true;
        }
        match self {
            Match::Any => results.any(|r| r),
            Match::All => results.all(|r| r),
            Match::None => !results.any(|r| r),
        }
    }
}

/// A condition: what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    FirstSeen,
    Regression,
    Reappeared,
    /// A new issue whose priority is high (Sentry's `NewHighPriorityIssueCondition`).
    NewHighPriority,
    /// An ignored issue that came back (escalated) with a high priority (Sentry's
    /// `ExistingHighPriorityIssueCondition`).
    ExistingHighPriority,
    /// More than `value` events (or, with `users`, distinct users) in the last `interval_ms`.
    Frequency {
        value: i64,
        interval_ms: i64,
        users: bool,
    },
}

/// A filter: which issues and events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// The event's level compared with `level` (Sentry's numbers: debug 10 ... fatal 50).
    Level { comparison: Comparison, level: i64 },
    /// The issue has been seen at least `value` times.
    Occurrences { value: i64 },
    /// The issue was first seen more (`older`) or less than `ms` ago.
    Age { older: bool, ms: i64 },
    /// The event's tag `key` matches `value`, as Sentry's `TaggedEventFilter` compares them:
    /// without regard to case.
    Tag { key: String, matches: TagMatch, value: String },
    /// The event's release is the project's latest (Sentry's `LatestReleaseFilter`: the
    /// release created last).
    LatestRelease,
}

/// Sentry's `MatchType`s of the tag filter: `(code, words)`, and whether a value passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagMatch {
    Equal,
    NotEqual,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Contains,
    NotContains,
    IsSet,
    NotSet,
}

impl TagMatch {
    const ALL: [(TagMatch, &'static str, &'static str); 10] = [
        (TagMatch::Equal, "eq", "equals"),
        (TagMatch::NotEqual, "ne", "does not equal"),
        (TagMatch::StartsWith, "sw", "starts with"),
        (TagMatch::NotStartsWith, "nsw", "does not start with"),
        (TagMatch::EndsWith, "ew", "ends with"),
        (TagMatch::NotEndsWith, "new", "does not end with"),
        (TagMatch::Contains, "co", "contains"),
        (TagMatch::NotContains, "nc", "does not contain"),
        (TagMatch::IsSet, "is", "is set"),
        (TagMatch::NotSet, "ns", "is not set"),
    ];

    fn parse(code: Option<&str>) -> Option<TagMatch> {
        Self::ALL.iter().find(|(_, c, _)| Some(*c) == code).map(|(m, _, _)| *m)
    }

    fn code_and_words(self) -> (&'static str, &'static str) {
        Self::ALL.iter().find(|(m, _, _)| *m == self).map_or(("eq", "equals"), |(_, c, w)| (c, w))
    }

    /// Whether the event's values of the tag (lower case) pass, as Sentry decides: the
    /// negative matches pass when no value matches.
    fn passes(self, values: &[String], wanted: &str) -> bool {
        let any = |test: &dyn Fn(&str) -> bool| values.iter().any(|v| test(v));
        match self {
            TagMatch::Equal => any(&|v| v == wanted),
            TagMatch::NotEqual => !any(&|v| v == wanted),
            TagMatch::StartsWith => any(&|v| v.starts_with(wanted)),
            TagMatch::NotStartsWith => !any(&|v| v.starts_with(wanted)),
            TagMatch::EndsWith => any(&|v| v.ends_with(wanted)),
            TagMatch::NotEndsWith => !any(&|v| v.ends_with(wanted)),
            TagMatch::Contains => any(&|v| v.contains(wanted)),
            TagMatch::NotContains => !any(&|v| v.contains(wanted)),
            TagMatch::IsSet => !values.is_empty(),
            TagMatch::NotSet => values.is_empty(),
        }
    }
}

/// How the level filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    AtLeast,
    AtMost,
}

/// Whom a rule notifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The issue's owners (ownership rules), else the `fallthrough`.
    IssueOwners(Fallthrough),
    /// Every member of a team.
    Team(i64),
    /// One member.
    Member(i64),
}

/// Whom "issue owners" notifies when the issue has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallthrough {
    /// The members of the project's team.
    ActiveMembers,
    /// Every member of the organization.
    AllMembers,
    NoOne,
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub environment: Option<String>,
    pub action_match: Match,
    pub filter_match: Match,
    /// Minutes between two notifications of one issue.
    pub frequency: i64,
    pub conditions: Vec<Condition>,
    pub filters: Vec<Filter>,
    pub targets: Vec<Target>,
}

/// What a rule is evaluated against.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub transition: Transition,
    /// The (latest) event's level.
    pub level: &'a str,
    /// The events' environments.
    pub environments: &'a [String],
    pub times_seen: i64,
    pub first_seen: i64,
    /// Whether the issue's priority is high (after the transition's own change of it).
    pub high_priority: bool,
    pub now: i64,
    /// The (latest) event's tags, for the tag filter.
    pub tags: &'a [(String, String)],
    /// The project's latest release, for the latest-release filter (read only when a rule
    /// has it).
    pub latest_release: Option<&'a str>,
}

/// Sentry's numbers of the levels.
fn level_number(level: &str) -> i64 {
    match level {
        "fatal" => 50,
        "error" => 40,
        "warning" => 30,
        "info" => 20,
        "debug" => 10,
        _ => 0,
    }
}

fn level_name(number: i64) -> &'static str {
    match number {
        50 => "fatal",
        40 => "error",
        30 => "warning",
        20 => "info",
        10 => "debug",
        _ => "sample",
    }
}

impl Rule {
    /// Checks a rule's parts as Sentry's validator does; the error is the API's `detail`.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        id: i64,
        name: &str,
        environment: Option<&str>,
        action_match: Option<&str>,
        filter_match: Option<&str>,
        frequency: Option<i64>,
        conditions: &[Value],
        filters: &[Value],
        actions: &[Value],
    ) -> Result<Rule, String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 256 {
            return Err("name: required, at most 256 characters".into());
        }
        let frequency = frequency.unwrap_or(30);
        if !FREQUENCIES.contains(&frequency) {
            return Err(format!("frequency: one of {FREQUENCIES:?} minutes"));
        }
        if conditions.is_empty() {
            return Err("conditions: at least one".into());
        }
        if actions.is_empty() {
            return Err("actions: at least one".into());
        }
        let field = |object: &Value, key: &str| object.get(key).cloned().unwrap_or(Value::Null);
        let number = |value: &Value, what: &str| -> Result<i64, String> {
            value
                .as_i64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("{what}: a whole number"))
        };
        let conditions = conditions
            .iter()
            .map(|condition| match condition.get("id").and_then(Value::as_str) {
                Some(FIRST_SEEN) => Ok(Condition::FirstSeen),
                Some(REGRESSION) => Ok(Condition::Regression),
                Some(REAPPEARED) => Ok(Condition::Reappeared),
                Some(NEW_HIGH_PRIORITY) => Ok(Condition::NewHighPriority),
                Some(EXISTING_HIGH_PRIORITY) => Ok(Condition::ExistingHighPriority),
                Some(id @ (EVENT_FREQUENCY | UNIQUE_USER_FREQUENCY)) => {
                    let value = number(&field(condition, "value"), "the frequency's value")?;
                    let interval = field(condition, "interval");
                    let interval_ms = INTERVALS
                        .iter()
                        .find(|(name, _)| Some(*name) == interval.as_str())
                        .map(|(_, ms)| *ms)
                        .ok_or("the frequency's interval: one of 1m, 5m, 15m, 1h, 1d, 1w, 30d")?;
                    if field(condition, "comparisonType").as_str().is_some_and(|t| t != "count") {
                        return Err("conditions: only the count comparison".to_owned());
                    }
                    let users = id == UNIQUE_USER_FREQUENCY;
                    Ok(Condition::Frequency { value, interval_ms, users })
                }
                Some(other) => Err(format!("conditions: Cairn does not have {other}")),
                None => Err("conditions: each needs an id".to_owned()),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let filters = filters
            .iter()
            .map(|filter| match filter.get("id").and_then(Value::as_str) {
                Some(LEVEL_FILTER) => {
                    let comparison = match field(filter, "match").as_str() {
                        Some("eq") => Comparison::Equal,
                        Some("gte") => Comparison::AtLeast,
                        Some("lte") => Comparison::AtMost,
                        _ => return Err("the level filter's match: eq, gte or lte".to_owned()),
                    };
                    let level = number(&field(filter, "level"), "the level filter's level")?;
                    if !matches!(level, 10 | 20 | 30 | 40 | 50) {
                        return Err("the level filter's level: 10, 20, 30, 40 or 50".to_owned());
                    }
                    Ok(Filter::Level { comparison, level })
                }
                Some(OCCURRENCES_FILTER) => {
                    Ok(Filter::Occurrences { value: number(&field(filter, "value"), "value")? })
                }
                Some(AGE_FILTER) => {
                    let older = match field(filter, "comparison_type").as_str() {
                        Some("older") => true,
                        Some("newer") => false,
                        _ => return Err("the age filter's comparison_type: older or newer".into()),
                    };
                    let unit = match field(filter, "time").as_str() {
                        Some("minute") => 60_000,
                        Some("hour") => 3_600_000,
                        Some("day") => 86_400_000,
                        Some("week") => 604_800_000,
                        _ => return Err("the age filter's time: minute, hour, day or week".into()),
                    };
                    let value = number(&field(filter, "value"), "the age filter's value")?;
                    Ok(Filter::Age { older, ms: value.saturating_mul(unit) })
                }
                Some(TAGGED_EVENT_FILTER) => {
                    let text = |name: &str| {
                        field(filter, name).as_str().map(|text| text.trim().to_owned())
                    };
                    let key = text("key").filter(|key| !key.is_empty());
                    let key = key.ok_or("the tag filter's key: required")?;
                    let matches = TagMatch::parse(field(filter, "match").as_str()).ok_or(
                        "the tag filter's match: eq, ne, sw, nsw, ew, new, co, nc, is or ns",
                    )?;
                    let value = text("value").unwrap_or_default();
                    if value.is_empty() && !matches!(matches, TagMatch::IsSet | TagMatch::NotSet) {
                        return Err("the tag filter's value: required".to_owned());
                    }
                    if key.chars().count() > 200 || value.chars().count() > 200 {
                        return Err("the tag filter's key and value: at most 200 characters".into());
                    }
                    Ok(Filter::Tag { key, matches, value })
                }
                Some(LATEST_RELEASE_FILTER) => Ok(Filter::LatestRelease),
                Some(other) => Err(format!("filters: Cairn does not have {other}")),
                None => Err("filters: each needs an id".to_owned()),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let targets = actions
            .iter()
            .map(|action| {
                if action.get("id").and_then(Value::as_str) != Some(NOTIFY_EMAIL) {
                    let id = action.get("id").and_then(Value::as_str).unwrap_or("an action");
                    return Err(format!("actions: Cairn does not have {id}"));
                }
                let identifier = field(action, "targetIdentifier");
                match field(action, "targetType").as_str() {
                    Some("IssueOwners") => {
                        let fallthrough = match field(action, "fallthroughType").as_str() {
                            None | Some("ActiveMembers") => Fallthrough::ActiveMembers,
                            Some("AllMembers") => Fallthrough::AllMembers,
                            Some("NoOne") => Fallthrough::NoOne,
                            Some(other) => return Err(format!("fallthroughType: {other:?}")),
                        };
                        Ok(Target::IssueOwners(fallthrough))
                    }
                    Some("Team") => Ok(Target::Team(number(&identifier, "targetIdentifier")?)),
                    Some("Member") => Ok(Target::Member(number(&identifier, "targetIdentifier")?)),
                    _ => Err("targetType: IssueOwners, Team or Member".to_owned()),
                }
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Rule {
            id,
            name: name.to_owned(),
            environment: environment.map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned),
            action_match: Match::parse(action_match, Match::Any, "actionMatch")?,
            filter_match: Match::parse(filter_match, Match::All, "filterMatch")?,
            frequency,
            conditions,
            filters,
            targets,
        })
    }

    /// The conditions as Sentry writes them, each with its sentence (`name`).
    pub fn conditions_json(&self) -> Vec<Value> {
        self.conditions
            .iter()
            .map(|condition| match *condition {
                Condition::FirstSeen => json!({"id": FIRST_SEEN, "name": "A new issue is created"}),
                Condition::Regression => json!({"id": REGRESSION,
                    "name": "The issue changes state from resolved to unresolved"}),
                Condition::Reappeared => json!({"id": REAPPEARED,
                    "name": "The issue changes state from ignored to unresolved"}),
                Condition::NewHighPriority => json!({"id": NEW_HIGH_PRIORITY,
                    "name": "Cairn marks a new issue as high priority"}),
                Condition::ExistingHighPriority => json!({"id": EXISTING_HIGH_PRIORITY,
                    "name": "Cairn marks an existing issue as high priority"}),
                Condition::Frequency { value, interval_ms, users } => {
                    let (interval, words) = INTERVALS
                        .iter()
                        .zip(INTERVAL_WORDS)
                        .find(|((_, ms), _)| *ms == interval_ms)
                        .map_or(("1h", "one hour"), |((name, _), words)| (name, words));
                    let (id, name) = if users {
                        let name =
                            format!("The issue is seen by more than {value} users in {words}");
                        (UNIQUE_USER_FREQUENCY, name)
                    } else {
                        (
                            EVENT_FREQUENCY,
                            format!("The issue is seen more than {value} times in {words}"),
                        )
                    };
                    json!({"id": id, "value": value, "interval": interval,
                        "comparisonType": "count", "name": name})
                }
            })
            .collect()
    }

    /// The filters as Sentry writes them.
    pub fn filters_json(&self) -> Vec<Value> {
        self.filters
            .iter()
            .map(|filter| match filter {
                &Filter::Level { comparison, level } => {
                    let (code, words) = match comparison {
                        Comparison::Equal => ("eq", "equal to"),
                        Comparison::AtLeast => ("gte", "greater than or equal to"),
                        Comparison::AtMost => ("lte", "less than or equal to"),
                    };
                    json!({"id": LEVEL_FILTER, "match": code, "level": level.to_string(),
                        "name": format!("The event's level is {words} {}", level_name(level))})
                }
                &Filter::Occurrences { value } => json!({"id": OCCURRENCES_FILTER, "value": value,
                    "name": format!("The issue has happened at least {value} times")}),
                Filter::LatestRelease => json!({"id": LATEST_RELEASE_FILTER,
                    "name": "The event is from the latest release"}),
                Filter::Tag { key, matches, value } => {
                    let (code, words) = matches.code_and_words();
                    let name = match matches {
                        TagMatch::IsSet | TagMatch::NotSet => {
                            format!("The event's tags match {key} {words}")
                        }
                        _ => format!("The event's tags match {key} {words} {value}"),
                    };
                    json!({"id": TAGGED_EVENT_FILTER, "key": key, "match": code, "value": value,
                        "name": name})
                }
                &Filter::Age { older, ms } => {
                    let (value, time) = [
                        (604_800_000, "week"),
                        (86_400_000, "day"),
                        (3_600_000, "hour"),
                        (60_000, "minute"),
                    ]
                    .into_iter()
                    .find(|(unit, _)| ms % unit == 0)
                    .map_or((ms / 60_000, "minute"), |(unit, name)| (ms / unit, name));
                    let comparison = if older { "older" } else { "newer" };
                    let plural = if value == 1 { "" } else { "s" };
                    json!({"id": AGE_FILTER, "comparison_type": comparison, "value": value,
                        "time": time,
                        "name": format!("The issue is {comparison} than {value} {time}{plural}")})
                }
            })
            .collect()
    }

    /// The actions as Sentry writes them.
    pub fn actions_json(&self) -> Vec<Value> {
        self.targets
            .iter()
            .map(|target| match *target {
                Target::IssueOwners(fallthrough) => {
                    let fallthrough = match fallthrough {
                        Fallthrough::ActiveMembers => "ActiveMembers",
                        Fallthrough::AllMembers => "AllMembers",
                        Fallthrough::NoOne => "NoOne",
                    };
                    json!({"id": NOTIFY_EMAIL, "targetType": "IssueOwners",
                        "targetIdentifier": "", "fallthroughType": fallthrough,
                        "name": "Send a notification to IssueOwners"})
                }
                Target::Team(id) => json!({"id": NOTIFY_EMAIL, "targetType": "Team",
                    "targetIdentifier": id, "name": "Send a notification to Team"}),
                Target::Member(id) => json!({"id": NOTIFY_EMAIL, "targetType": "Member",
                    "targetIdentifier": id, "name": "Send a notification to Member"}),
            })
            .collect()
    }

    /// The counts the rule's frequency conditions need: `(interval_ms, value, users)`, events
    /// or (with `users`) distinct users; each count is needed only up to `value + 1`.
    pub fn frequencies(&self) -> impl Iterator<Item = (i64, i64, bool)> + '_ {
        self.conditions.iter().filter_map(|condition| match *condition {
            Condition::Frequency { value, interval_ms, users } => Some((interval_ms, value, users)),
            _ => None,
        })
    }

    /// Whether the rule fires on `facts`, given the event counts of its frequency conditions
    /// (`count(interval_ms)`, in the same order as [`Rule::frequencies`]).
    pub fn fires(&self, facts: &Facts<'_>, counts: &[i64]) -> bool {
        if let Some(environment) = &self.environment {
            if !facts.environments.contains(environment) {
                return false;
            }
        }
        let mut counts = counts.iter();
        let conditions: Vec<bool> = self
            .conditions
            .iter()
            .map(|condition| match *condition {
                Condition::FirstSeen => facts.transition == Transition::Opened,
                Condition::Regression => facts.transition == Transition::Regressed,
                Condition::Reappeared => facts.transition == Transition::Reappeared,
                Condition::NewHighPriority => {
                    facts.transition == Transition::Opened && facts.high_priority
                }
                Condition::ExistingHighPriority => {
                    facts.transition == Transition::Reappeared && facts.high_priority
                }
                Condition::Frequency { value, .. } => counts.next().is_some_and(|n| *n > value),
            })
            .collect();
        if !self.action_match.holds(conditions) {
            return false;
        }
        let level = level_number(facts.level);
        self.filter_match.holds(self.filters.iter().map(|filter| match *filter {
            Filter::Level { comparison: Comparison::Equal, level: wanted } => level == wanted,
            Filter::Level { comparison: Comparison::AtLeast, level: wanted } => level >= wanted,
            Filter::Level { comparison: Comparison::AtMost, level: wanted } => level <= wanted,
            Filter::Occurrences { value } => facts.times_seen >= value,
            Filter::Age { older: true, ms } => facts.now - facts.first_seen > ms,
            Filter::Age { older: false, ms } => facts.now - facts.first_seen < ms,
            Filter::LatestRelease => {
                let release = facts.tags.iter().find(|(k, _)| k == "release").map(|(_, v)| v);
                release.is_some_and(|release| facts.latest_release == Some(release.as_str()))
            }
            Filter::Tag { ref key, matches, ref value } => {
                let values: Vec<String> = facts
                    .tags
                    .iter()
                    .filter(|(k, _)| k.to_lowercase() == key.to_lowercase())
                    .map(|(_, v)| v.to_lowercase())
                    .collect();
                matches.passes(&values, &value.to_lowercase())
            }
        }))
    }

    /// Whether a filter reads the event's tags (the worker then reads the latest event's).
    pub fn reads_tags(&self) -> bool {
        self.filters
            .iter()
            .any(|filter| matches!(filter, Filter::Tag { .. } | Filter::LatestRelease))
    }

    /// Whether a filter compares the event's release with the project's latest.
    pub fn reads_latest_release(&self) -> bool {
        self.filters.iter().any(|filter| matches!(filter, Filter::LatestRelease))
    }

    /// Whether only a transition can make the rule fire (no frequency condition could): the
    /// worker, which sees no transitions, skips such rules.
    pub fn needs_transition(&self) -> bool {
        self.frequencies().next().is_none()
    }
}

/// Rules of a project, cached briefly (as ingestion caches project settings).
type RuleCache = HashMap<i64, (Instant, Arc<Vec<Rule>>)>;

/// How long the worker trusts a project's cached rules.
const RULES_TTL: Duration = Duration::from_secs(5);
/// An issue is evaluated at most this often by the worker (its events come in bursts).
const ISSUE_PERIOD: Duration = Duration::from_secs(1);

/// Starts the worker that evaluates the counting rules after each commit that adds events to
/// an issue. Projects without such rules cost a cache lookup per update.
pub fn spawn_worker<S: Store>(store: S) -> tokio::task::JoinHandle<()> {
    let mut updates = store.issue_updates();
    tokio::spawn(async move {
        let mut rules: RuleCache = HashMap::new();
        let mut evaluated: HashMap<i64, Instant> = HashMap::new();
        loop {
            let update = match updates.recv().await {
                Ok(update) => update,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "the alert worker fell behind");
                    continue;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            if let Err(err) = evaluate_update(&store, &mut rules, &mut evaluated, &update).await {
                tracing::warn!(%err, issue = update.issue_id, "cannot evaluate alert rules");
            }
        }
    })
}

async fn evaluate_update<S: Store>(
    store: &S,
    cache: &mut RuleCache,
    evaluated: &mut HashMap<i64, Instant>,
    update: &IssueUpdate,
) -> crate::store::StoreResult<()> {
    let rules = match cache.get(&update.project_id) {
        Some((at, rules)) if at.elapsed() < RULES_TTL => Arc::clone(rules),
        _ => {
            let rules = Arc::new(store.alert_rules_of_project(update.project_id).await?);
            cache.insert(update.project_id, (Instant::now(), Arc::clone(&rules)));
            rules
        }
    };
    if rules.iter().all(Rule::needs_transition) || update.status != "unresolved" {
        return Ok(());
    }
    if evaluated.get(&update.issue_id).is_some_and(|at| at.elapsed() < ISSUE_PERIOD) {
        return Ok(());
    }
    if evaluated.len() > 100_000 {
        evaluated.retain(|_, at| at.elapsed() < ISSUE_PERIOD);
    }
    evaluated.insert(update.issue_id, Instant::now());
    let now = crate::util::now_ms();
    // The tag filter reads the latest event's tags, read only for a project with one.
    let counting = || rules.iter().filter(|rule| !rule.needs_transition());
    let tags = if counting().any(Rule::reads_tags) {
        latest_event_tags(store, update.issue_id).await?
    } else {
        Vec::new()
    };
    let latest_release = if counting().any(Rule::reads_latest_release) {
        store.project_latest_release(update.project_id).await?
    } else {
        None
    };
    let facts = Facts {
        transition: Transition::None,
        level: &update.level,
        environments: &update.environments,
        times_seen: update.times_seen,
        first_seen: update.first_seen,
        // Only the transitions' conditions read it, and none is evaluated here.
        high_priority: false,
        now,
        tags: &tags,
        latest_release: latest_release.as_deref(),
    };
    for rule in rules.iter().filter(|rule| !rule.needs_transition()) {
        let mut counts = Vec::new();
        for (interval_ms, value, users) in rule.frequencies() {
            let since = now - interval_ms;
            let environment = rule.environment.as_deref();
            let count =
                store.count_issue_events(update.issue_id, since, environment, value + 1, users);
            counts.push(count.await?);
        }
        if rule.fires(&facts, &counts) {
            store.fire_alert_rule(rule, update.issue_id, now).await?;
        }
    }
    Ok(())
}

/// The tags of an issue's latest event, as the API shows them.
async fn latest_event_tags<S: Store>(
    store: &S,
    issue_id: i64,
) -> crate::store::StoreResult<Vec<(String, String)>> {
    match store.issue_event(issue_id, &crate::store::EventSelector::Latest).await {
        Ok(event) => Ok(crate::serialize::event(&event)
            .tags
            .into_iter()
            .map(|tag| (tag.key, tag.value))
            .collect()),
        Err(crate::store::StoreError::NotFound) => Ok(Vec::new()),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(conditions: Value, filters: Value, action_match: &str) -> Rule {
        Rule::parse(
            1,
            "rule",
            None,
            Some(action_match),
            None,
            None,
            conditions.as_array().expect("a list"),
            filters.as_array().expect("a list"),
            &[json!({"id": NOTIFY_EMAIL, "targetType": "IssueOwners"})],
        )
        .expect("valid")
    }

    fn facts(transition: Transition, level: &'static str) -> Facts<'static> {
        Facts {
            transition,
            level,
            environments: &[],
            times_seen: 5,
            first_seen: 0,
            high_priority: true,
            now: 3_600_000,
            tags: &[],
            latest_release: None,
        }
    }

    #[test]
    fn state_conditions_fire_on_their_transition() {
        let new_or_regressed =
            rule(json!([{"id": FIRST_SEEN}, {"id": REGRESSION}]), json!([]), "any");
        assert!(new_or_regressed.fires(&facts(Transition::Opened, "error"), &[]));
        assert!(new_or_regressed.fires(&facts(Transition::Regressed, "error"), &[]));
        assert!(!new_or_regressed.fires(&facts(Transition::Reappeared, "error"), &[]));
        assert!(!new_or_regressed.fires(&facts(Transition::None, "error"), &[]));
        assert!(new_or_regressed.needs_transition());
    }

    #[test]
    fn high_priority_conditions_fire_on_their_transition_for_a_high_issue_alone() {
        let new_high = rule(json!([{"id": NEW_HIGH_PRIORITY}]), json!([]), "any");
        let existing_high = rule(json!([{"id": EXISTING_HIGH_PRIORITY}]), json!([]), "any");
        let low = |transition| Facts { high_priority: false, ..facts(transition, "info") };
        assert!(new_high.fires(&facts(Transition::Opened, "error"), &[]));
        assert!(!new_high.fires(&low(Transition::Opened), &[]));
        assert!(!new_high.fires(&facts(Transition::Reappeared, "error"), &[]));
        assert!(existing_high.fires(&facts(Transition::Reappeared, "error"), &[]));
        assert!(!existing_high.fires(&low(Transition::Reappeared), &[]));
        assert!(!existing_high.fires(&facts(Transition::Opened, "error"), &[]));
        assert!(!existing_high.fires(&facts(Transition::Regressed, "error"), &[]));
        assert!(new_high.needs_transition() && existing_high.needs_transition());
        let names = existing_high.conditions_json();
        assert_eq!(names[0]["name"], "Cairn marks an existing issue as high priority");
    }

    #[test]
    fn frequency_conditions_count_events_in_their_interval() {
        let busy = rule(
            json!([{"id": EVENT_FREQUENCY, "value": 100, "interval": "1h"}, {"id": FIRST_SEEN}]),
            json!([]),
            "all",
        );
        assert_eq!(busy.frequencies().collect::<Vec<_>>(), [(3_600_000, 100, false)]);
        assert!(!busy.needs_transition());
        assert!(busy.fires(&facts(Transition::Opened, "error"), &[101]));
        assert!(!busy.fires(&facts(Transition::Opened, "error"), &[100]));
        assert!(!busy.fires(&facts(Transition::None, "error"), &[500]), "all: both");
        let none = rule(json!([{"id": REGRESSION}]), json!([]), "none");
        assert!(none.fires(&facts(Transition::None, "error"), &[]));
    }

    #[test]
    fn filters_narrow_the_issues() {
        let fatal_only = rule(
            json!([{"id": FIRST_SEEN}]),
            json!([{"id": LEVEL_FILTER, "match": "gte", "level": "50"}]),
            "any",
        );
        assert!(fatal_only.fires(&facts(Transition::Opened, "fatal"), &[]));
        assert!(!fatal_only.fires(&facts(Transition::Opened, "error"), &[]));
        let seen_often = rule(
            json!([{"id": FIRST_SEEN}]),
            json!([{"id": OCCURRENCES_FILTER, "value": 10},
                   {"id": AGE_FILTER, "comparison_type": "older", "value": 30, "time": "minute"}]),
            "any",
        );
        assert!(!seen_often.fires(&facts(Transition::Opened, "error"), &[]), "seen 5 times");
        let mut many = facts(Transition::Opened, "error");
        many.times_seen = 10;
        assert!(seen_often.fires(&many, &[]));
        many.now = 1_000_000;
        assert!(!seen_often.fires(&many, &[]), "newer than 30 minutes");
    }

    #[test]
    fn the_latest_release_filter_passes_events_of_the_projects_latest_release() {
        let rule = rule(json!([{"id": FIRST_SEEN}]), json!([{"id": LATEST_RELEASE_FILTER}]), "any");
        assert!(rule.reads_latest_release());
        let tags = vec![("release".to_owned(), "app@2.0".to_owned())];
        let with = |latest: Option<&'static str>, tags: &[(String, String)]| {
            let facts =
                Facts { tags, latest_release: latest, ..facts(Transition::Opened, "error") };
            rule.fires(&facts, &[])
        };
        assert!(with(Some("app@2.0"), &tags));
        assert!(!with(Some("app@3.0"), &tags), "an older release");
        assert!(!with(None, &tags), "a project without releases");
        assert!(!with(Some("app@2.0"), &[]), "an event without a release");
        // Read back as Sentry writes it.
        let shown = rule.filters_json();
        assert_eq!(shown[0]["id"], LATEST_RELEASE_FILTER);
        assert_eq!(shown[0]["name"], "The event is from the latest release");
    }

    #[test]
    fn the_tag_filter_matches_as_sentry_s_without_regard_to_case() {
        let tags: Vec<(String, String)> =
            [("browser.name", "Chrome"), ("url", "https://shop.example/cart")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let with = |matches: &str, key: &str, value: &str| {
            let filter = json!([{"id": TAGGED_EVENT_FILTER, "key": key, "match": matches,
                                 "value": value}]);
            let rule = rule(json!([{"id": FIRST_SEEN}]), filter, "any");
            let facts = Facts { tags: &tags, ..facts(Transition::Opened, "error") };
            rule.fires(&facts, &[])
        };
        assert!(with("eq", "Browser.Name", "chrome"));
        assert!(!with("eq", "browser.name", "Firefox"));
        assert!(with("ne", "browser.name", "firefox"));
        assert!(!with("ne", "browser.name", "chrome"));
        assert!(with("sw", "url", "https://shop"));
        assert!(with("nsw", "url", "http://"));
        assert!(with("ew", "url", "/CART"));
        assert!(!with("new", "url", "/cart"));
        assert!(with("co", "url", "shop.example"));
        assert!(with("nc", "url", "admin"));
        assert!(with("is", "url", ""));
        assert!(with("ns", "release", ""));
        assert!(!with("is", "release", ""));
        assert!(!with("eq", "release", "1.0"), "a tag the event lacks equals nothing");
        assert!(with("ne", "release", "1.0"));
        // Read back as Sentry writes it, with its sentence.
        let rule = rule(
            json!([{"id": FIRST_SEEN}]),
            json!([{"id": TAGGED_EVENT_FILTER, "key": "Browser.Name", "match": "co", "value": "Chrome"}]),
            "any",
        );
        assert_eq!(
            rule.filters_json(),
            [json!({"id": TAGGED_EVENT_FILTER, "key": "Browser.Name", "match": "co",
                    "value": "Chrome", "name": "The event's tags match Browser.Name contains Chrome"})]
        );
        assert!(rule.reads_tags());
        for (filter, error) in [
            (json!({"id": TAGGED_EVENT_FILTER, "match": "eq", "value": "x"}), "key"),
            (
                json!({"id": TAGGED_EVENT_FILTER, "key": "k", "match": "regex", "value": "x"}),
                "match",
            ),
            (json!({"id": TAGGED_EVENT_FILTER, "key": "k", "match": "eq"}), "value"),
        ] {
            let parsed = Rule::parse(
                1,
                "r",
                None,
                None,
                None,
                None,
                &[json!({"id": FIRST_SEEN})],
                &[filter],
                &[json!({"id": NOTIFY_EMAIL, "targetType": "IssueOwners"})],
            );
            assert!(parsed.is_err_and(|e| e.contains(error)), "{error}");
        }
    }

    #[test]
    fn a_rule_reads_back_as_sentry_writes_it() {
        let rule = rule(
            json!([{"id": EVENT_FREQUENCY, "value": "10", "interval": "5m"}]),
            json!([{"id": LEVEL_FILTER, "match": "eq", "level": 40},
                   {"id": AGE_FILTER, "comparison_type": "newer", "value": 2, "time": "day"}]),
            "any",
        );
        let conditions = rule.conditions_json();
        assert_eq!(conditions[0]["value"], 10);
        assert_eq!(conditions[0]["name"], "The issue is seen more than 10 times in 5 minutes");
        let filters = rule.filters_json();
        assert_eq!(filters[0]["name"], "The event's level is equal to error");
        assert_eq!((&filters[1]["value"], &filters[1]["time"]), (&json!(2), &json!("day")));
        assert_eq!(filters[1]["name"], "The issue is newer than 2 days");
        assert_eq!(rule.actions_json()[0]["fallthroughType"], "ActiveMembers");
    }

    #[test]
    fn what_cairn_does_not_have_is_refused_with_a_reason() {
        let parse = |conditions: Value, actions: Value, frequency: Option<i64>| {
            Rule::parse(
                1,
                "x",
                None,
                None,
                None,
                frequency,
                conditions.as_array().expect("list"),
                &[],
                actions.as_array().expect("list"),
            )
        };
        let notify = json!([{"id": NOTIFY_EMAIL, "targetType": "Member", "targetIdentifier": 3}]);
        let slack =
            json!([{"id": "sentry.integrations.slack.notify_action.SlackNotifyServiceAction"}]);
        assert!(parse(json!([{"id": FIRST_SEEN}]), notify.clone(), None).is_ok());
        assert!(parse(json!([{"id": FIRST_SEEN}]), slack, None)
            .expect_err("refused")
            .contains("Slack"));
        assert!(parse(json!([]), notify.clone(), None)
            .expect_err("refused")
            .contains("conditions"));
        let users = json!([{"id": UNIQUE_USER_FREQUENCY, "value": 5, "interval": "1d"}]);
        let users = parse(users, notify.clone(), None).expect("valid");
        assert_eq!(users.frequencies().collect::<Vec<_>>(), [(86_400_000, 5, true)]);
        assert_eq!(
            users.conditions_json()[0]["name"],
            "The issue is seen by more than 5 users in one day"
        );
        let unknown = json!([{"id": "sentry.rules.conditions.tagged_event.TaggedEventCondition"}]);
        assert!(parse(unknown, notify.clone(), None).is_err());
        let bad_interval = json!([{"id": EVENT_FREQUENCY, "value": 1, "interval": "2h"}]);
        assert!(parse(bad_interval, notify.clone(), None)
            .expect_err("refused")
            .contains("interval"));
        assert!(parse(json!([{"id": FIRST_SEEN}]), notify, Some(7))
            .expect_err("refused")
            .contains("frequency"));
    }
}
