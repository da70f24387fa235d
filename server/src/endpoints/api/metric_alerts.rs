//! Metric alert rules and incidents with Sentry's paths and shapes
//! (`OrganizationAlertRuleIndexEndpoint`, `OrganizationAlertRuleDetailsEndpoint`,
//! `OrganizationIncidentIndexEndpoint`, `OrganizationIncidentDetailsEndpoint`,
//! `OrganizationIncidentActivityIndexEndpoint`). The rules themselves live in
//! [`crate::alerts::metric`].

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::header::LINK;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_types::api::{
    Incident, IncidentActivity, MetricAlertRule, MetricAlertRuleRequest, RuleCreator,
};
use serde_json::json;

use super::audit_log::{self, Entry};
use super::paging::{keyset_cursor, keyset_link, keyset_per_page};
use super::{org_access_any, Created, OrgAccess};
use crate::alerts::metric::MetricRule;
use crate::alerts::Target;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{IncidentRow, MetricAlertRuleRow, Store};
use crate::util::ms_to_datetime;

/// Sentry's `OrganizationAlertRulePermission`: members read and write metric alerts (Sentry's
/// default `alerts:write` for members), as do tokens with an organization scope.
const READ: &[&str] = &["alerts:read", "alerts:write", "org:read", "org:write", "org:admin"];
const WRITE: &[&str] = &["alerts:write", "org:write", "org:admin"];

/// Incidents per page by default.
const INCIDENTS_PER_PAGE: i64 = 25;

/// Who a rule's actions name, in words ("Send an email to backend").
struct Names {
    teams: Vec<(i64, String)>,
    users: Vec<(i64, String)>,
}

impl Names {
    async fn read<S: Store>(state: &AppState<S>, organization_id: i64) -> ApiResult<Names> {
        let teams = state.store.teams(organization_id).await?;
        let members = state.store.members(organization_id).await?;
        Ok(Names {
            teams: teams.into_iter().map(|team| (team.id, team.slug)).collect(),
            users: members
                .into_iter()
                .filter_map(|member| member.user)
                .map(|user| (user.id, user.email))
                .collect(),
        })
    }

    fn of(&self, target: &Target) -> String {
        let find = |list: &[(i64, String)], id: i64| {
            list.iter().find(|(i, _)| *i == id).map(|(_, name)| name.clone())
        };
        match *target {
            Target::Team(id) => {
                find(&self.teams, id).map_or(format!("team {id}"), |s| format!("#{s}"))
            }
            Target::Member(id) => find(&self.users, id).unwrap_or_else(|| format!("user {id}")),
            Target::IssueOwners(_) => String::new(),
        }
    }
}

fn incident_dto(row: &IncidentRow, projects: Vec<String>) -> Incident {
    Incident {
        id: row.id.to_string(),
        identifier: row.identifier.to_string(),
        alert_rule_id: row.rule_id.to_string(),
        title: row.title.clone(),
        status: row.status,
        projects,
        date_started: ms_to_datetime(row.date_started),
        date_detected: ms_to_datetime(row.date_started),
        date_closed: row.date_closed.map(ms_to_datetime),
        value: row.value,
    }
}

fn slugs(row: &MetricAlertRuleRow) -> Vec<String> {
    row.projects.iter().map(|(_, slug)| slug.clone()).collect()
}

fn rule_dto(row: &MetricAlertRuleRow, names: &Names) -> MetricAlertRule {
    let rule = &row.rule;
    MetricAlertRule {
        id: row.id.to_string(),
        name: rule.name.clone(),
        dataset: rule.measure.dataset().to_owned(),
        aggregate: rule.measure.aggregate().to_owned(),
        query: rule.query.clone(),
        time_window: rule.window_minutes as f64,
        threshold_type: rule.threshold_type(),
        resolve_threshold: rule.resolve_threshold,
        threshold_period: 1,
        environment: rule.environment.clone(),
        projects: slugs(row),
        owner: rule.owner.clone(),
        triggers: rule.triggers_json(row.id, &|target| names.of(target)),
        created_by: row.created_by.as_ref().map(|user| RuleCreator {
            id: user.id,
            name: if user.name.is_empty() { user.email.clone() } else { user.name.clone() },
            email: user.email.clone(),
        }),
        date_created: ms_to_datetime(row.date_created),
        date_modified: ms_to_datetime(row.date_modified),
        latest_incident: row.latest_incident.as_ref().map(|i| incident_dto(i, slugs(row))),
        last_value: row.last_value,
        date_last_evaluated: row.last_evaluated.map(ms_to_datetime),
    }
}

/// A request's rule, checked, with the ids of its projects: they, and the teams and members
/// its actions name, must be the organization's.
async fn checked<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    request: &MetricAlertRuleRequest,
) -> ApiResult<(MetricRule, Vec<i64>)> {
    let rule = MetricRule::parse(request).map_err(ApiError::BadRequest)?;
    if request.projects.is_empty() {
        return Err(ApiError::BadRequest("projects: name at least one project".into()));
    }
    let projects = state.store.projects(access.organization.id).await?;
    let mut ids = Vec::new();
    for slug in &request.projects {
        let project = projects.iter().find(|p| p.slug == *slug).ok_or_else(|| {
            ApiError::BadRequest(format!("projects: {slug:?} is not a project of the organization"))
        })?;
        ids.push(project.id);
    }
    let targets = rule.critical.targets.iter().chain(rule.warning.iter().flat_map(|w| &w.targets));
    let targets: Vec<Target> = targets.cloned().collect();
    super::rules::check_targets(state, access, &targets).await?;
    Ok((rule, ids))
}

async fn find<S: Store>(
    state: &AppState<S>,
    organization_id: i64,
    id: &str,
) -> ApiResult<MetricAlertRuleRow> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let rows = state.store.metric_alert_rules(organization_id).await?;
    rows.into_iter().find(|row| row.id == id).ok_or(ApiError::NotFound)
}

/// `GET /api/0/organizations/{org}/alert-rules/`: the organization's metric alert rules, oldest
/// first; `project` (a slug or an id, repeatable) keeps those measuring one of them.
pub async fn list_metric_alert_rules<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<AppJson<Vec<MetricAlertRule>>> {
    let access = org_access_any(&state, &identity, &org, READ).await?;
    let mut wanted = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        if key == "project" && !value.is_empty() && value != "-1" {
            wanted.push(value.into_owned());
        }
    }
    let names = Names::read(&state, access.organization.id).await?;
    let rows = state.store.metric_alert_rules(access.organization.id).await?;
    let list =
        rows.iter()
            .filter(|row| {
                wanted.is_empty()
                    || row.projects.iter().any(|(id, slug)| {
                        wanted.iter().any(|w| *w == *slug || *w == id.to_string())
                    })
            })
            .map(|row| rule_dto(row, &names))
            .collect();
    Ok(AppJson(list))
}

/// `POST /api/0/organizations/{org}/alert-rules/`: Sentry's "Create a Metric Alert Rule for an
/// Organization".
pub async fn create_metric_alert_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    AppJson(request): AppJson<MetricAlertRuleRequest>,
) -> ApiResult<Created<MetricAlertRule>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let (rule, projects) = checked(&state, &access, &request).await?;
    let organization_id = access.organization.id;
    let id = state
        .store
        .create_metric_alert_rule(organization_id, &rule, &projects, Some(identity.user.id))
        .await?;
    let row = find(&state, organization_id, &id.to_string()).await?;
    audit(&state, &identity, &row, "alertrule.create").await;
    let names = Names::read(&state, organization_id).await?;
    Ok((StatusCode::CREATED, AppJson(rule_dto(&row, &names))))
}

/// `GET /api/0/organizations/{org}/alert-rules/{rule_id}/`.
pub async fn get_metric_alert_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<AppJson<MetricAlertRule>> {
    let access = org_access_any(&state, &identity, &org, READ).await?;
    let row = find(&state, access.organization.id, &id).await?;
    let names = Names::read(&state, access.organization.id).await?;
    Ok(AppJson(rule_dto(&row, &names)))
}

/// `PUT /api/0/organizations/{org}/alert-rules/{rule_id}/`: the rule replaced, as Sentry's
/// update takes a whole rule. Its open incident stays open; the next evaluation judges it by
/// the new thresholds.
pub async fn update_metric_alert_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
    AppJson(request): AppJson<MetricAlertRuleRequest>,
) -> ApiResult<AppJson<MetricAlertRule>> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let organization_id = access.organization.id;
    let row = find(&state, organization_id, &id).await?;
    let (rule, projects) = checked(&state, &access, &request).await?;
    state.store.update_metric_alert_rule(organization_id, row.id, &rule, &projects).await?;
    let row = find(&state, organization_id, &row.id.to_string()).await?;
    audit(&state, &identity, &row, "alertrule.edit").await;
    let names = Names::read(&state, organization_id).await?;
    Ok(AppJson(rule_dto(&row, &names)))
}

/// `DELETE /api/0/organizations/{org}/alert-rules/{rule_id}/`: the rule and its incidents.
pub async fn delete_metric_alert_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = org_access_any(&state, &identity, &org, WRITE).await?;
    let row = find(&state, access.organization.id, &id).await?;
    state.store.delete_metric_alert_rule(access.organization.id, row.id).await?;
    audit(&state, &identity, &row, "alertrule.remove").await;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a change of the rule in the audit log, with Sentry's event names.
async fn audit<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    row: &MetricAlertRuleRow,
    event: &'static str,
) {
    let note = format!("the metric alert rule {:?}", row.rule.name);
    let entry = Entry::new(row.organization_id, event, note)
        .target(row.id)
        .data(json!({"name": row.rule.name, "projects": slugs(row)}));
    audit_log::record(state, identity, entry).await;
}

/// `GET /api/0/organizations/{org}/incidents/`: the organization's incidents, newest first, a
/// page at a time (`cursor`, `per_page` up to 100; `Link` header); `alertRule` keeps one
/// rule's, `status` `open` or `closed` those.
pub async fn list_incidents<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let (mut before, mut per_page, mut rule_id, mut open) = (None, INCIDENTS_PER_PAGE, None, None);
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            _ if value.is_empty() => {}
            "cursor" => before = Some(keyset_cursor(&value)?),
            "per_page" | "limit" => per_page = keyset_per_page(&key, &value)?,
            "alertRule" => {
                let id = value.parse::<i64>();
                rule_id = Some(id.map_err(|_| ApiError::BadRequest("alertRule: an id".into()))?);
            }
            "status" => {
                open = match value.as_ref() {
                    "open" => Some(true),
                    "closed" => Some(false),
                    _ => return Err(ApiError::BadRequest("status: open or closed".into())),
                }
            }
            // Sentry's dashboard sends these; Cairn's incidents are all alert-triggered.
            "project" | "expand" | "title" | "start" | "end" | "statsPeriod" => {}
            other => {
                return Err(ApiError::BadRequest(format!("Unknown query parameter: {other:?}")))
            }
        }
    }
    let access = org_access_any(&state, &identity, &org, READ).await?;
    let organization_id = access.organization.id;
    let mut rows =
        state.store.incidents(organization_id, rule_id, open, before, per_page + 1).await?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    let rules = state.store.metric_alert_rules(organization_id).await?;
    let projects =
        |rule_id: i64| rules.iter().find(|rule| rule.id == rule_id).map(slugs).unwrap_or_default();
    let last = rows.last().map_or(0, |row| row.id);
    let link = keyset_link(&state, uri.path(), raw.as_deref(), last, more);
    let list: Vec<Incident> =
        rows.iter().map(|row| incident_dto(row, projects(row.rule_id))).collect();
    Ok(([(LINK, link)], AppJson(list)).into_response())
}

async fn find_incident<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    org: &str,
    identifier: &str,
) -> ApiResult<(i64, IncidentRow)> {
    let access = org_access_any(state, identity, org, READ).await?;
    let identifier: i64 = identifier.parse().map_err(|_| ApiError::NotFound)?;
    let incident = state.store.incident(access.organization.id, identifier).await?;
    Ok((access.organization.id, incident))
}

/// `GET /api/0/organizations/{org}/incidents/{identifier}/`.
pub async fn get_incident<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, identifier)): Path<(String, String)>,
) -> ApiResult<AppJson<Incident>> {
    let (organization_id, incident) = find_incident(&state, &identity, &org, &identifier).await?;
    let rules = state.store.metric_alert_rules(organization_id).await?;
    let projects =
        rules.iter().find(|rule| rule.id == incident.rule_id).map(slugs).unwrap_or_default();
    Ok(AppJson(incident_dto(&incident, projects)))
}

/// `GET /api/0/organizations/{org}/incidents/{identifier}/activity/`: its changes, oldest first.
pub async fn list_incident_activity<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, identifier)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<IncidentActivity>>> {
    let (_, incident) = find_incident(&state, &identity, &org, &identifier).await?;
    let rows = state.store.incident_activity(incident.id).await?;
    Ok(AppJson(
        rows.into_iter()
            .map(|row| IncidentActivity {
                id: row.id.to_string(),
                incident_identifier: incident.identifier.to_string(),
                kind: row.kind,
                value: row.value.map(|v| v.to_string()),
                previous_value: row.previous_value.map(|v| v.to_string()),
                metric_value: row.metric_value,
                date_created: ms_to_datetime(row.date_created),
            })
            .collect(),
    ))
}
