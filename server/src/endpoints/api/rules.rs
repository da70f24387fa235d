//! Issue alert rules with Sentry's paths and shapes (`ProjectRulesEndpoint`,
//! `ProjectRuleDetailsEndpoint`): a project's rules, one rule, creating, changing and deleting
//! one. The rules themselves live in [`crate::alerts`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cairn_types::api::{AlertRule, AlertRuleRequest, RuleCreator};
use serde_json::json;

use super::audit_log;
use super::{project_access as project, Created, OrgAccess};
use crate::alerts::Rule;
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{AlertRuleRow, ProjectRow, Store, StoreError};
use crate::util::ms_to_datetime;

/// Sentry's `ProjectAlertRulePermission`: members read and write alert rules (Sentry's default
/// `alerts:write` for members), as do tokens with a project scope.
const READ: &[&str] =
    &["alerts:read", "alerts:write", "project:read", "project:write", "project:admin"];
const WRITE: &[&str] = &["alerts:write", "project:write", "project:admin"];

fn rule_dto(row: &AlertRuleRow, project: &ProjectRow) -> AlertRule {
    let rule = &row.rule;
    AlertRule {
        id: rule.id.to_string(),
        name: rule.name.clone(),
        action_match: rule.action_match.as_str().to_owned(),
        filter_match: rule.filter_match.as_str().to_owned(),
        frequency: rule.frequency,
        conditions: rule.conditions_json(),
        filters: rule.filters_json(),
        actions: rule.actions_json(),
        environment: rule.environment.clone(),
        status: "active".to_owned(),
        projects: vec![project.slug.clone()],
        created_by: row.created_by.as_ref().map(|user| RuleCreator {
            id: user.id,
            name: if user.name.is_empty() { user.email.clone() } else { user.name.clone() },
            email: user.email.clone(),
        }),
        date_created: ms_to_datetime(row.date_created),
        last_triggered: row.last_triggered.map(ms_to_datetime),
    }
}

/// A request's rule, checked; the teams and members it names must be the organization's.
async fn checked<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    id: i64,
    request: &AlertRuleRequest,
) -> ApiResult<Rule> {
    let rule = Rule::parse(
        id,
        &request.name,
        request.environment.as_deref(),
        request.action_match.as_deref(),
        request.filter_match.as_deref(),
        request.frequency,
        &request.conditions,
        &request.filters,
        &request.actions,
    )
    .map_err(ApiError::BadRequest)?;
    check_targets(state, access, &rule.targets).await?;
    Ok(rule)
}

/// The teams and members `targets` name must be the organization's.
pub(super) async fn check_targets<S: Store>(
    state: &AppState<S>,
    access: &OrgAccess,
    targets: &[crate::alerts::Target],
) -> ApiResult<()> {
    for target in targets {
        match *target {
            crate::alerts::Target::Team(team_id) => {
                let teams = state.store.teams(access.organization.id).await?;
                if !teams.iter().any(|team| team.id == team_id) {
                    return Err(ApiError::BadRequest(format!(
                        "actions: team {team_id} is not a team of the organization"
                    )));
                }
            }
            crate::alerts::Target::Member(user_id) => {
                match state.store.member_role(access.organization.id, user_id).await {
                    Ok(_) => {}
                    Err(StoreError::NotFound) => {
                        return Err(ApiError::BadRequest(format!(
                            "actions: user {user_id} is not a member of the organization"
                        )))
                    }
                    Err(err) => return Err(err.into()),
                }
            }
            crate::alerts::Target::IssueOwners(_) => {}
        }
    }
    Ok(())
}

/// `GET /api/0/projects/{org}/{project}/rules/`: the project's issue alert rules.
pub async fn list_rules<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<AlertRule>>> {
    let (_, project) = project(&state, &identity, &org, &project_slug, READ).await?;
    let rows = state.store.alert_rules(project.id).await?;
    Ok(AppJson(rows.iter().map(|row| rule_dto(row, &project)).collect()))
}

/// `POST /api/0/projects/{org}/{project}/rules/`: Sentry's "Create an Issue Alert Rule for a
/// Project".
pub async fn create_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug)): Path<(String, String)>,
    AppJson(request): AppJson<AlertRuleRequest>,
) -> ApiResult<Created<AlertRule>> {
    let (access, project) = project(&state, &identity, &org, &project_slug, WRITE).await?;
    let rule = checked(&state, &access, 0, &request).await?;
    let id = state.store.create_alert_rule(project.id, &rule, Some(identity.user.id)).await?;
    let row = find(&state, &project, id).await?;
    audit(&state, &identity, &project, "rule.add", &row).await;
    Ok((StatusCode::CREATED, AppJson(rule_dto(&row, &project))))
}

async fn find<S: Store>(
    state: &AppState<S>,
    project: &ProjectRow,
    id: i64,
) -> ApiResult<AlertRuleRow> {
    let rows = state.store.alert_rules(project.id).await?;
    rows.into_iter().find(|row| row.rule.id == id).ok_or(ApiError::NotFound)
}

fn rule_id(raw: &str) -> ApiResult<i64> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// `GET /api/0/projects/{org}/{project}/rules/{rule_id}/`.
pub async fn get_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, id)): Path<(String, String, String)>,
) -> ApiResult<AppJson<AlertRule>> {
    let (_, project) = project(&state, &identity, &org, &project_slug, READ).await?;
    let row = find(&state, &project, rule_id(&id)?).await?;
    Ok(AppJson(rule_dto(&row, &project)))
}

/// `PUT /api/0/projects/{org}/{project}/rules/{rule_id}/`: the rule replaced, as Sentry's
/// update takes a whole rule.
pub async fn update_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, id)): Path<(String, String, String)>,
    AppJson(request): AppJson<AlertRuleRequest>,
) -> ApiResult<AppJson<AlertRule>> {
    let (access, project) = project(&state, &identity, &org, &project_slug, WRITE).await?;
    let id = rule_id(&id)?;
    find(&state, &project, id).await?;
    let rule = checked(&state, &access, id, &request).await?;
    state.store.update_alert_rule(project.id, &rule).await?;
    let row = find(&state, &project, id).await?;
    audit(&state, &identity, &project, "rule.edit", &row).await;
    Ok(AppJson(rule_dto(&row, &project)))
}

/// `DELETE /api/0/projects/{org}/{project}/rules/{rule_id}/`.
pub async fn delete_rule<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project_slug, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (_, project) = project(&state, &identity, &org, &project_slug, WRITE).await?;
    let row = find(&state, &project, rule_id(&id)?).await?;
    state.store.delete_alert_rule(project.id, row.rule.id).await?;
    audit(&state, &identity, &project, "rule.remove", &row).await;
    Ok(StatusCode::ACCEPTED)
}

/// Records a change of the rule `row` in the audit log.
async fn audit<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    project: &ProjectRow,
    event: &'static str,
    row: &AlertRuleRow,
) {
    let what = (format!("the alert rule {:?}", row.rule.name), row.rule.id);
    let data = json!({"name": row.rule.name});
    audit_log::project_change(state, identity, project, event, what, data).await;
}
