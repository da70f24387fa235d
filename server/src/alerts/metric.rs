//! Metric alert rules, Sentry's (`sentry.incidents`): a figure of some projects over a sliding
//! window (errors, users with errors, crash-free sessions or users), measured every minute
//! ([`spawn_evaluator`]) and compared with the rule's triggers.
//!
//! When the figure crosses the critical (or warning) trigger's threshold, an *incident* opens
//! with that status and the trigger's actions email the people they name; when it moves to
//! the other trigger's side the incident changes status (and that trigger's people hear of
//! it); when it is back past the resolve threshold (the lowest trigger's threshold when the
//! rule has none) the incident closes and they hear that too. Each change is one conditional
//! write ([`crate::store::Store::move_incident`]), so that two nodes evaluating at once change
//! and email once.
//!
//! Errors are counted by their own timestamps over the exact window; sessions are counted by
//! the hour (release health is kept hourly), so a crash-free rate covers the hours the window
//! touches.

use std::sync::Arc;
use std::time::Duration;

use cairn_types::api::{
    MetricAlertAction, MetricAlertRuleRequest, MetricAlertTrigger, MetricAlertTriggerRequest,
    AGGREGATE_COUNT, AGGREGATE_CRASH_FREE_SESSIONS, AGGREGATE_CRASH_FREE_USERS, AGGREGATE_USERS,
    INCIDENT_CLOSED, INCIDENT_CRITICAL, INCIDENT_WARNING,
};
use serde_json::Value;

use super::Target;
use crate::mailer::Mailer;
use crate::store::{IncidentRow, MetricAlertRuleRow, Store, StoreResult};
use crate::util::now_ms;

/// What a rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// `count()`: errors.
    Errors,
    /// `count_unique(user)`: users with errors.
    Users,
    /// The crash-free session rate, in percent.
    CrashFreeSessions,
    /// The crash-free user rate, in percent.
    CrashFreeUsers,
}

impl Measure {
    fn parse(aggregate: &str) -> Option<Measure> {
        // Sentry's UI writes the crash rate aggregates with and without spaces after commas.
        let compact: String = aggregate.chars().filter(|c| !c.is_whitespace()).collect();
        let same = |wanted: &str| compact == wanted.replace(' ', "");
        [
            (AGGREGATE_COUNT, Measure::Errors),
            (AGGREGATE_USERS, Measure::Users),
            (AGGREGATE_CRASH_FREE_SESSIONS, Measure::CrashFreeSessions),
            (AGGREGATE_CRASH_FREE_USERS, Measure::CrashFreeUsers),
        ]
        .into_iter()
        .find_map(|(text, measure)| same(text).then_some(measure))
    }

    /// Sentry's aggregate text.
    pub fn aggregate(self) -> &'static str {
        match self {
            Measure::Errors => AGGREGATE_COUNT,
            Measure::Users => AGGREGATE_USERS,
            Measure::CrashFreeSessions => AGGREGATE_CRASH_FREE_SESSIONS,
            Measure::CrashFreeUsers => AGGREGATE_CRASH_FREE_USERS,
        }
    }

    /// Sentry's dataset of the aggregate.
    pub fn dataset(self) -> &'static str {
        if self.is_rate() {
            "metrics"
        } else {
            "events"
        }
    }

    /// A crash-free rate (in percent), rather than a count.
    pub fn is_rate(self) -> bool {
        matches!(self, Measure::CrashFreeSessions | Measure::CrashFreeUsers)
    }

    /// Sentry's time windows, in minutes.
    fn windows(self) -> &'static [i64] {
        if self.is_rate() {
            &[30, 60, 120, 240, 720, 1440]
        } else {
            &[1, 5, 10, 15, 30, 60, 120, 240, 1440]
        }
    }

    /// "142 errors", "97.5% crash-free sessions".
    pub fn describe(self, value: f64) -> String {
        match self {
            Measure::Errors => format!("{value} errors"),
            Measure::Users => format!("{value} users with errors"),
            Measure::CrashFreeSessions => format!("{value}% crash-free sessions"),
            Measure::CrashFreeUsers => format!("{value}% crash-free users"),
        }
    }
}

/// Which side of a threshold fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sentry's threshold type 0: more than the threshold fires.
    Above,
    /// Threshold type 1: less than the threshold fires.
    Below,
}

/// A threshold and whom it emails.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// Its threshold.
    pub threshold: f64,
    /// Teams and members to email.
    pub targets: Vec<Target>,
}

/// The filters a rule's `query` may hold: what the stored errors carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// `level:error`.
    pub level: Option<String>,
    /// `release:1.0` (errors and sessions).
    pub release: Option<String>,
}

/// A metric alert rule, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRule {
    /// Display name.
    pub name: String,
    /// What it measures.
    pub measure: Measure,
    /// The query as written.
    pub query: String,
    /// The query's filters.
    pub filters: Filters,
    /// The window, in minutes.
    pub window_minutes: i64,
    /// Which side of the thresholds fires.
    pub direction: Direction,
    /// Where an incident closes, if not at the lowest trigger's threshold.
    pub resolve_threshold: Option<f64>,
    /// Only this environment's data.
    pub environment: Option<String>,
    /// `user:<id>` or `team:<id>`.
    pub owner: Option<String>,
    /// The critical trigger.
    pub critical: Trigger,
    /// The warning trigger, if any.
    pub warning: Option<Trigger>,
}

/// What an evaluation does to the rule's incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing changes.
    Stay,
    /// An incident opens with this status.
    Open(i64),
    /// The open incident takes this status.
    Change(i64),
    /// The open incident closes.
    Close,
}

fn status_label(status: i64) -> &'static str {
    match status {
        INCIDENT_CRITICAL => "Critical",
        INCIDENT_WARNING => "Warning",
        _ => "Resolved",
    }
}

impl MetricRule {
    /// The rule of a request, checked as Sentry's `AlertRuleSerializer` checks it (with
    /// Sentry's texts where it has one); what Cairn cannot measure or do is refused with a
    /// reason. The projects are the caller's to check.
    pub fn parse(request: &MetricAlertRuleRequest) -> Result<MetricRule, String> {
        let name = request.name.trim();
        if name.is_empty() {
            return Err("name: This field may not be blank.".into());
        }
        if name.chars().count() > 256 {
            return Err("name: Ensure this field has no more than 256 characters.".into());
        }
        let measure = Measure::parse(&request.aggregate).ok_or_else(|| {
            format!(
                "aggregate: Cairn measures {AGGREGATE_COUNT}, {AGGREGATE_USERS}, and the \
                 crash-free session and user rates, not {:?}",
                request.aggregate
            )
        })?;
        match request.dataset.as_deref() {
            None => {}
            Some("events" | "errors") if !measure.is_rate() => {}
            Some("metrics" | "sessions") if measure.is_rate() => {}
            Some(other) => {
                return Err(format!(
                    "dataset: {other:?} does not hold {}; use {:?}",
                    measure.aggregate(),
                    measure.dataset()
                ))
            }
        }
        let minutes = request.time_window;
        if minutes.fract() != 0.0 || !measure.windows().contains(&(minutes as i64)) {
            return Err(format!(
                "timeWindow: Invalid Time Window: allowed time windows for this aggregate are \
                 {:?} minutes",
                measure.windows()
            ));
        }
        let direction = match request.threshold_type {
            0 => Direction::Above,
            1 => Direction::Below,
            _ => return Err("thresholdType: 0 (above) or 1 (below)".into()),
        };
        if request.threshold_period.is_some_and(|period| period != 1) {
            return Err("thresholdPeriod: Cairn fires on the first evaluation past a \
                        threshold: 1"
                .into());
        }
        let filters = parse_query(&request.query, measure)?;
        let (critical, warning) = triggers(&request.triggers, measure, direction)?;
        let resolve_threshold = request.resolve_threshold;
        if let Some(resolve) = resolve_threshold {
            check_value(resolve, measure, "resolveThreshold")?;
            let lowest = warning.as_ref().map_or(critical.threshold, |w| w.threshold);
            let (fine, side) = match direction {
                Direction::Above => (resolve < lowest, "below"),
                Direction::Below => (resolve > lowest, "above"),
            };
            if !fine {
                return Err(format!(
                    "resolveThreshold: Resolve threshold must be {side} the alert thresholds"
                ));
            }
        }
        let owner = match request.owner.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(owner) => {
                let valid = owner.split_once(':').is_some_and(|(kind, id)| {
                    matches!(kind, "user" | "team") && id.parse::<i64>().is_ok()
                });
                if !valid {
                    return Err("owner: user:<id> or team:<id>".into());
                }
                Some(owner.to_owned())
            }
        };
        let environment = request
            .environment
            .as_deref()
            .map(str::trim)
            .filter(|env| !env.is_empty())
            .map(str::to_owned);
        Ok(MetricRule {
            name: name.to_owned(),
            measure,
            query: request.query.trim().to_owned(),
            filters,
            window_minutes: minutes as i64,
            direction,
            resolve_threshold,
            environment,
            owner,
            critical,
            warning,
        })
    }

    /// The request that makes this rule again (what the store keeps), with `projects`.
    pub fn to_request(&self, projects: Vec<String>) -> MetricAlertRuleRequest {
        let trigger = |label: &str, trigger: &Trigger| MetricAlertTriggerRequest {
            label: label.to_owned(),
            alert_threshold: trigger.threshold,
            actions: trigger.targets.iter().map(action_json).collect(),
        };
        let mut triggers = vec![trigger("critical", &self.critical)];
        triggers.extend(self.warning.as_ref().map(|w| trigger("warning", w)));
        MetricAlertRuleRequest {
            name: self.name.clone(),
            aggregate: self.measure.aggregate().to_owned(),
            dataset: Some(self.measure.dataset().to_owned()),
            query: self.query.clone(),
            time_window: self.window_minutes as f64,
            threshold_type: self.threshold_type(),
            resolve_threshold: self.resolve_threshold,
            threshold_period: Some(1),
            environment: self.environment.clone(),
            projects,
            owner: self.owner.clone(),
            triggers,
        }
    }

    /// Sentry's threshold type: 0 above, 1 below.
    pub fn threshold_type(&self) -> i64 {
        match self.direction {
            Direction::Above => 0,
            Direction::Below => 1,
        }
    }

    /// The triggers in Sentry's shape; `rule_id` names them (Cairn keeps a rule's triggers
    /// with it: the critical one is `{rule}1`'s id, the warning one `{rule}2`'s).
    pub fn triggers_json(
        &self,
        rule_id: i64,
        names: &dyn Fn(&Target) -> String,
    ) -> Vec<MetricAlertTrigger> {
        let trigger = |n: i64, label: &str, trigger: &Trigger| MetricAlertTrigger {
            id: (rule_id * 10 + n).to_string(),
            label: label.to_owned(),
            alert_threshold: trigger.threshold,
            threshold_type: self.threshold_type(),
            resolve_threshold: self.resolve_threshold,
            actions: trigger
                .targets
                .iter()
                .enumerate()
                .map(|(i, target)| {
                    let json = action_json(target);
                    MetricAlertAction {
                        id: ((rule_id * 10 + n) * 100 + i as i64).to_string(),
                        kind: "email".to_owned(),
                        target_type: json["targetType"].as_str().unwrap_or_default().to_owned(),
                        target_identifier: json["targetIdentifier"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        desc: format!("Send an email to {}", names(target)),
                    }
                })
                .collect(),
        };
        let mut list = vec![trigger(1, "critical", &self.critical)];
        list.extend(self.warning.as_ref().map(|w| trigger(2, "warning", w)));
        list
    }

    fn past(&self, value: f64, threshold: f64) -> bool {
        match self.direction {
            Direction::Above => value > threshold,
            Direction::Below => value < threshold,
        }
    }

    /// The status the figure calls for: critical, warning, or none (0).
    pub fn severity(&self, value: f64) -> i64 {
        if self.past(value, self.critical.threshold) {
            INCIDENT_CRITICAL
        } else if self.warning.as_ref().is_some_and(|w| self.past(value, w.threshold)) {
            INCIDENT_WARNING
        } else {
            0
        }
    }

    /// What the figure `value` does, given the status of the open incident (if any), as
    /// Sentry's subscription processor decides: past a threshold opens or moves the
    /// incident; back at or past the resolve threshold (when set) closes it.
    pub fn decide(&self, value: f64, open: Option<i64>) -> Decision {
        let severity = self.severity(value);
        match open {
            None if severity == 0 => Decision::Stay,
            None => Decision::Open(severity),
            Some(status) if status == severity => Decision::Stay,
            Some(_) if severity != 0 => Decision::Change(severity),
            Some(_) => {
                let resolved = match (self.resolve_threshold, self.direction) {
                    (None, _) => true,
                    (Some(resolve), Direction::Above) => value <= resolve,
                    (Some(resolve), Direction::Below) => value >= resolve,
                };
                if resolved {
                    Decision::Close
                } else {
                    Decision::Stay
                }
            }
        }
    }

    /// "Crash-free session rate below 99% over 1 hour".
    pub fn sentence(&self) -> String {
        let what = match self.measure {
            Measure::Errors => "Number of errors",
            Measure::Users => "Users with errors",
            Measure::CrashFreeSessions => "Crash-free session rate",
            Measure::CrashFreeUsers => "Crash-free user rate",
        };
        let side = match self.direction {
            Direction::Above => "above",
            Direction::Below => "below",
        };
        let unit = if self.measure.is_rate() { "%" } else { "" };
        format!(
            "{what} {side} {}{unit} over {}",
            self.critical.threshold,
            window_words(self.window_minutes)
        )
    }

    /// The targets of the trigger whose status is `status` (closing: every trigger's).
    fn targets_for(&self, status: i64) -> Vec<Target> {
        let mut targets = match (status, &self.warning) {
            (INCIDENT_WARNING, Some(warning)) => warning.targets.clone(),
            (INCIDENT_CRITICAL, _) => self.critical.targets.clone(),
            _ => {
                let mut all = self.critical.targets.clone();
                all.extend(self.warning.iter().flat_map(|w| w.targets.iter().cloned()));
                all
            }
        };
        targets.dedup();
        targets
    }
}

/// "5 minutes", "1 hour", "1 day".
pub fn window_words(minutes: i64) -> String {
    match minutes {
        1 => "1 minute".to_owned(),
        1440 => "1 day".to_owned(),
        60 => "1 hour".to_owned(),
        m if m % 60 == 0 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    }
}

fn check_value(value: f64, measure: Measure, field: &str) -> Result<(), String> {
    if !value.is_finite() || value < 0.0 || (measure.is_rate() && value > 100.0) {
        let range = if measure.is_rate() { "0 to 100 (percent)" } else { "0 or more" };
        return Err(format!("{field}: a number from {range}"));
    }
    Ok(())
}

/// The query's terms: `level:` and `release:` (errors), `release:` (sessions), and the
/// `event.type:error` Sentry's UI adds; anything else is refused, naming it.
fn parse_query(query: &str, measure: Measure) -> Result<Filters, String> {
    let mut filters = Filters::default();
    for term in query.split_whitespace() {
        let (key, value) = term.split_once(':').unwrap_or((term, ""));
        let value = value.trim_matches('"');
        match key {
            "event.type" if !measure.is_rate() && matches!(value, "error" | "default") => {}
            "level" if !measure.is_rate() && !value.is_empty() => {
                filters.level = Some(value.to_owned())
            }
            "release" if !value.is_empty() => filters.release = Some(value.to_owned()),
            _ => {
                return Err(format!(
                    "query: Cairn's metric alerts filter by level: and release: (release: \
                     alone for crash-free rates), not {term:?}"
                ))
            }
        }
    }
    Ok(filters)
}

fn triggers(
    list: &[MetricAlertTriggerRequest],
    measure: Measure,
    direction: Direction,
) -> Result<(Trigger, Option<Trigger>), String> {
    let read = |trigger: &MetricAlertTriggerRequest| -> Result<Trigger, String> {
        check_value(trigger.alert_threshold, measure, "alertThreshold")?;
        let targets = trigger.actions.iter().map(target).collect::<Result<Vec<_>, _>>()?;
        Ok(Trigger { threshold: trigger.alert_threshold, targets })
    };
    let (critical, warning) = match list {
        [] => return Err("triggers: Must include at least one trigger".into()),
        [critical] => (critical, None),
        [critical, warning] => (critical, Some(warning)),
        _ => return Err("triggers: Must send 1 or 2 triggers".into()),
    };
    if critical.label != "critical" {
        return Err("triggers: First trigger must be labeled \"critical\"".into());
    }
    if warning.is_some_and(|w| w.label != "warning") {
        return Err("triggers: Second trigger must be labeled \"warning\"".into());
    }
    let critical = read(critical)?;
    let warning = warning.map(read).transpose()?;
    if let Some(warning) = &warning {
        let (fine, side) = match direction {
            Direction::Above => (critical.threshold > warning.threshold, "above"),
            Direction::Below => (critical.threshold < warning.threshold, "below"),
        };
        if !fine {
            return Err(format!(
                "triggers: Critical trigger must have an alert threshold {side} warning trigger"
            ));
        }
    }
    Ok((critical, warning))
}

/// An action of Sentry's shape: `{"type": "email", "targetType": "user"|"team",
/// "targetIdentifier": id}`.
fn target(action: &Value) -> Result<Target, String> {
    let kind = action.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind != "email" {
        return Err(format!(
            "actions: Cairn's metric alerts send emails (type \"email\"), not {kind:?}"
        ));
    }
    let id = match action.get("targetIdentifier") {
        Some(Value::String(text)) => text.trim().parse::<i64>().ok(),
        Some(Value::Number(number)) => number.as_i64(),
        _ => None,
    }
    .ok_or("actions: targetIdentifier: the id of a user or a team")?;
    match action.get("targetType").and_then(Value::as_str) {
        Some("user") => Ok(Target::Member(id)),
        Some("team") => Ok(Target::Team(id)),
        other => Err(format!("actions: targetType: \"user\" or \"team\", not {other:?}")),
    }
}

fn action_json(target: &Target) -> Value {
    match target {
        Target::Team(id) => {
            serde_json::json!({"type": "email", "targetType": "team", "targetIdentifier": id.to_string()})
        }
        Target::Member(id) => {
            serde_json::json!({"type": "email", "targetType": "user", "targetIdentifier": id.to_string()})
        }
        Target::IssueOwners(_) => Value::Null,
    }
}

/// How often the evaluator measures every rule.
pub const EVALUATE_EVERY: Duration = Duration::from_secs(60);

/// Evaluates every rule now and then every `period`, in the background; emails go through
/// `mailer` when there is one.
pub fn spawn_evaluator<S: Store>(store: S, mailer: Option<Arc<Mailer>>, period: Duration) {
    tokio::spawn(async move {
        loop {
            if let Err(err) = evaluate_all(&store, mailer.as_ref(), now_ms()).await {
                tracing::error!(error = %err, "cannot evaluate the metric alert rules");
            }
            tokio::time::sleep(period).await;
        }
    });
}

/// Measures every rule at `now` and moves its incidents; returns how many incidents changed.
pub async fn evaluate_all<S: Store>(
    store: &S,
    mailer: Option<&Arc<Mailer>>,
    now: i64,
) -> StoreResult<usize> {
    let rules = store.all_metric_alert_rules().await?;
    if rules.is_empty() {
        return Ok(0);
    }
    // The issues' last seen times, which the error count's index seek reads, as of now.
    store.sync_counters().await?;
    let mut changed = 0;
    for row in rules {
        match evaluate(store, mailer, &row, now).await {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(rule = row.id, error = %err, "cannot evaluate a metric alert")
            }
        }
    }
    Ok(changed)
}

async fn evaluate<S: Store>(
    store: &S,
    mailer: Option<&Arc<Mailer>>,
    row: &MetricAlertRuleRow,
    now: i64,
) -> StoreResult<bool> {
    if row.projects.is_empty() {
        return Ok(false);
    }
    let project_ids: Vec<i64> = row.projects.iter().map(|(id, _)| *id).collect();
    let value = store.measure_metric(&row.rule, &project_ids, now).await?;
    store.record_metric_evaluation(row.id, value, now).await?;
    // No sessions in the window: no figure, and nothing to decide.
    let Some(value) = value else { return Ok(false) };
    let open = row.latest_incident.as_ref().filter(|incident| incident.date_closed.is_none());
    let decision = row.rule.decide(value, open.map(|incident| incident.status));
    let status = match decision {
        Decision::Stay => return Ok(false),
        Decision::Open(status) | Decision::Change(status) => status,
        Decision::Close => INCIDENT_CLOSED,
    };
    let Some(incident) =
        store.move_incident(row, open.map(|i| (i.id, i.status)), status, value, now).await?
    else {
        return Ok(false); // another node moved it first
    };
    if let Some(mailer) = mailer {
        notify(store, mailer, row, &incident, value).await?;
    }
    Ok(true)
}

/// Emails the people of the trigger the incident's status names (closing: every trigger's),
/// unless they turned alert emails off.
async fn notify<S: Store>(
    store: &S,
    mailer: &Arc<Mailer>,
    row: &MetricAlertRuleRow,
    incident: &IncidentRow,
    value: f64,
) -> StoreResult<()> {
    let targets = row.rule.targets_for(incident.status);
    if targets.is_empty() {
        return Ok(());
    }
    let teams = store.teams(row.organization_id).await?;
    let mut to = Vec::new();
    for member in store.members(row.organization_id).await? {
        let Some(user) = member.user else { continue };
        let named = targets.iter().any(|target| match *target {
            Target::Member(id) => id == user.id,
            Target::Team(id) => teams.iter().any(|team| {
                team.id == id && member.teams.iter().any(|(slug, _)| *slug == team.slug)
            }),
            Target::IssueOwners(_) => false,
        });
        if !named || to.contains(&user.email) {
            continue;
        }
        let options = store.notification_options(user.id).await?;
        if !options.iter().any(|o| o.kind == "alerts" && o.value == "never") {
            to.push(user.email);
        }
    }
    let (subject, body) = email(row, incident, value, mailer.public_url());
    for address in &to {
        mailer.send_text(address, &subject, &body, "metric alert");
    }
    Ok(())
}

/// The email of an incident's change: Sentry's "Critical: {rule}" subject.
pub fn email(
    row: &MetricAlertRuleRow,
    incident: &IncidentRow,
    value: f64,
    public_url: &str,
) -> (String, String) {
    let status = status_label(incident.status);
    let projects: Vec<&str> = row.projects.iter().map(|(_, slug)| slug.as_str()).collect();
    let subject = format!("{status}: {} ({})", row.rule.name, projects.join(", "));
    let mut body = format!(
        "{status}: {}\n\n{} in the last {}.\nThe rule: {}.\n",
        row.rule.name,
        row.rule.measure.describe(value),
        window_words(row.rule.window_minutes),
        row.rule.sentence()
    );
    if let Some(environment) = &row.rule.environment {
        body.push_str(&format!("Environment: {environment}\n"));
    }
    body.push_str(&format!(
        "\nIncident #{}: {}/organizations/{}/alerts/rules/details/{}/\n",
        incident.identifier,
        public_url.trim_end_matches('/'),
        row.organization_slug,
        row.id
    ));
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(
        aggregate: &str,
        window: f64,
        direction: i64,
        triggers: Value,
    ) -> MetricAlertRuleRequest {
        MetricAlertRuleRequest {
            name: "rule".into(),
            aggregate: aggregate.into(),
            time_window: window,
            threshold_type: direction,
            projects: vec!["backend".into()],
            triggers: serde_json::from_value(triggers).expect("triggers"),
            ..Default::default()
        }
    }

    fn errors_above(critical: f64, warning: Option<f64>) -> MetricRule {
        let mut triggers =
            vec![json!({"label": "critical", "alertThreshold": critical, "actions": []})];
        if let Some(warning) = warning {
            triggers.push(json!({"label": "warning", "alertThreshold": warning, "actions": []}));
        }
        MetricRule::parse(&request("count()", 5.0, 0, Value::Array(triggers))).expect("a rule")
    }

    #[test]
    fn an_incident_opens_escalates_eases_and_closes_with_the_figure() {
        let rule = errors_above(100.0, Some(50.0));
        assert_eq!(rule.decide(10.0, None), Decision::Stay);
        assert_eq!(rule.decide(50.0, None), Decision::Stay, "at a threshold is not past it");
        assert_eq!(rule.decide(100.0, None), Decision::Open(INCIDENT_WARNING));
        assert_eq!(rule.decide(60.0, None), Decision::Open(INCIDENT_WARNING));
        assert_eq!(rule.decide(101.0, None), Decision::Open(INCIDENT_CRITICAL));
        assert_eq!(rule.decide(150.0, Some(INCIDENT_WARNING)), Decision::Change(INCIDENT_CRITICAL));
        assert_eq!(rule.decide(150.0, Some(INCIDENT_CRITICAL)), Decision::Stay);
        assert_eq!(rule.decide(70.0, Some(INCIDENT_CRITICAL)), Decision::Change(INCIDENT_WARNING));
        assert_eq!(rule.decide(50.0, Some(INCIDENT_WARNING)), Decision::Close);
    }

    #[test]
    fn a_resolve_threshold_holds_the_incident_open_until_the_figure_reaches_it() {
        let mut request = request(
            AGGREGATE_CRASH_FREE_SESSIONS,
            60.0,
            1,
            json!([{"label": "critical", "alertThreshold": 99, "actions": []}]),
        );
        request.resolve_threshold = Some(99.5);
        let rule = MetricRule::parse(&request).expect("a rule");
        assert_eq!(rule.decide(98.0, None), Decision::Open(INCIDENT_CRITICAL));
        assert_eq!(rule.decide(99.2, Some(INCIDENT_CRITICAL)), Decision::Stay);
        assert_eq!(rule.decide(99.5, Some(INCIDENT_CRITICAL)), Decision::Close);
        assert_eq!(rule.sentence(), "Crash-free session rate below 99% over 1 hour");
    }

    #[test]
    fn what_sentry_s_validator_refuses_is_refused_with_its_reason() {
        let critical = json!([{"label": "critical", "alertThreshold": 10, "actions": []}]);
        let refused =
            |request: MetricAlertRuleRequest| MetricRule::parse(&request).expect_err("refused");
        assert!(refused(request("p95(transaction.duration)", 5.0, 0, critical.clone()))
            .starts_with("aggregate:"));
        assert!(refused(request("count()", 7.0, 0, critical.clone())).starts_with("timeWindow:"));
        assert!(refused(request(AGGREGATE_CRASH_FREE_USERS, 5.0, 1, critical.clone()))
            .starts_with("timeWindow:"));
        assert!(refused(request("count()", 5.0, 0, json!([]))).contains("at least one trigger"));
        let inverted = json!([{"label": "critical", "alertThreshold": 10, "actions": []},
                              {"label": "warning", "alertThreshold": 20, "actions": []}]);
        assert!(refused(request("count()", 5.0, 0, inverted)).contains("above warning trigger"));
        let slack = json!([{"label": "critical", "alertThreshold": 10,
                            "actions": [{"type": "slack", "targetType": "specific",
                                         "targetIdentifier": "#alerts"}]}]);
        assert!(refused(request("count()", 5.0, 0, slack)).contains("\"slack\""));
        let mut percent = request(
            AGGREGATE_CRASH_FREE_SESSIONS,
            60.0,
            1,
            json!([
            {"label": "critical", "alertThreshold": 120, "actions": []}]),
        );
        assert!(refused(percent.clone()).contains("0 to 100"));
        percent.triggers[0].alert_threshold = 99.0;
        percent.resolve_threshold = Some(98.0);
        assert!(refused(percent).starts_with("resolveThreshold:"));
        let mut query = request("count()", 5.0, 0, critical);
        query.query = "browser.name:Firefox".into();
        assert!(refused(query.clone()).contains("browser.name:Firefox"));
        query.query = "event.type:error level:fatal release:\"shop@1.0\"".into();
        let rule = MetricRule::parse(&query).expect("Sentry's query terms that Cairn reads");
        assert_eq!(
            rule.filters,
            Filters { level: Some("fatal".into()), release: Some("shop@1.0".into()) }
        );
    }

    #[test]
    fn a_rule_reads_back_as_it_was_written() {
        let mut written = request(
            "percentage(sessions_crashed,sessions) AS _crash_rate_alert_aggregate",
            1440.0,
            1,
            json!([{"label": "critical", "alertThreshold": 98, "actions": [
                        {"type": "email", "targetType": "team", "targetIdentifier": "3"}]},
                   {"label": "warning", "alertThreshold": 99.5, "actions": [
                        {"type": "email", "targetType": "user", "targetIdentifier": 7}]}]),
        );
        written.environment = Some("production".into());
        let rule = MetricRule::parse(&written).expect("a rule");
        assert_eq!(rule.measure, Measure::CrashFreeSessions);
        let again = rule.to_request(vec!["backend".into()]);
        assert_eq!(again.aggregate, AGGREGATE_CRASH_FREE_SESSIONS);
        assert_eq!(again.dataset.as_deref(), Some("metrics"));
        assert_eq!(MetricRule::parse(&again).expect("read again"), rule);
        assert_eq!(rule.targets_for(INCIDENT_WARNING), vec![Target::Member(7)]);
        assert_eq!(rule.targets_for(INCIDENT_CLOSED), vec![Target::Team(3), Target::Member(7)]);
        assert_eq!(window_words(1440), "1 day");
        assert_eq!(window_words(120), "2 hours");
    }
}
