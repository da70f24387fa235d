//! Ownership rules, CODEOWNERS files and the owners of issues and events (Sentry's shapes).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Sentry's `autoAssignment` value that assigns new issues to their owner.
pub const AUTO_ASSIGN_ISSUE_OWNER: &str = "Auto Assign to Issue Owner";
/// Sentry's `autoAssignment` value that prefers the author of the issue's suspect commit (a
/// member); until one is found, or when none is, the issue owner is assigned, as in Sentry.
pub const AUTO_ASSIGN_SUSPECT_COMMITS: &str = "Auto Assign to Suspect Commits";
/// Sentry's `autoAssignment` value that turns auto-assignment off.
pub const AUTO_ASSIGN_OFF: &str = "Turn off Auto-Assignment";

/// A compiled rule set: what `schema` holds in the ownership and CODEOWNERS answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipSchema {
    /// Always 1.
    #[serde(rename = "$version")]
    pub version: u32,
    /// The rules in file order; the last one that matches an event wins.
    pub rules: Vec<OwnershipRule>,
}

/// One rule: what it matches and who owns what it matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipRule {
    /// What the rule tests.
    pub matcher: RuleMatcher,
    /// Who owns a match; empty for a CODEOWNERS line that un-owns its paths.
    pub owners: Vec<RuleOwner>,
}

/// The test of a rule: `path`, `module`, `url`, `tags.<key>` or `codeowners`, with a glob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMatcher {
    /// The rule type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The glob the value must match.
    pub pattern: String,
}

/// An owner named by a rule, resolved to a member or a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOwner {
    /// `user` or `team`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The user's or team's id.
    pub id: i64,
    /// The member's email or the team's slug.
    pub name: String,
}

/// `GET /api/0/projects/{org}/{project}/ownership/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectOwnership {
    /// The rules as written; `null` before any were saved.
    pub raw: Option<String>,
    /// Whether everyone in the project owns an event no rule matches (for notifications).
    pub fallthrough: bool,
    /// One of the three `AUTO_ASSIGN_*` values.
    pub auto_assignment: String,
    /// Kept for Sentry's clients; Cairn has no repository integration to sync from.
    pub codeowners_auto_sync: bool,
    /// Whether the rules are applied.
    pub is_active: bool,
    /// When the rules were first saved.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub date_created: Option<DateTime<Utc>>,
    /// When they last changed.
    #[serde(default, deserialize_with = "crate::timestamp::rfc3339_option")]
    pub last_updated: Option<DateTime<Utc>>,
    /// The rules, parsed and with their owners resolved.
    pub schema: Option<OwnershipSchema>,
}

/// `PUT /api/0/projects/{org}/{project}/ownership/`: fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOwnershipRequest {
    /// New rules.
    #[serde(default)]
    pub raw: Option<String>,
    /// New fallthrough setting.
    #[serde(default)]
    pub fallthrough: Option<bool>,
    /// One of the three `AUTO_ASSIGN_*` values.
    #[serde(default)]
    pub auto_assignment: Option<String>,
    /// Accepted for Sentry's clients.
    #[serde(default)]
    pub codeowners_auto_sync: Option<bool>,
}

/// `POST /api/0/projects/{org}/{project}/codeowners/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCodeownersRequest {
    /// The CODEOWNERS file.
    pub raw: String,
    /// GitHub or GitLab handles (`@user`, `@org/team`) → a member email or `#team-slug`
    /// (Sentry keeps these as "external users and teams").
    #[serde(default)]
    pub mapping: std::collections::BTreeMap<String, String>,
    /// The code mapping (its id) whose roots turn the file's repository paths into
    /// stack-trace paths, as Sentry's `codeMappingId`; without it the paths are matched
    /// against frames as they are.
    #[serde(rename = "codeMappingId", default, skip_serializing_if = "Option::is_none")]
    pub code_mapping_id: Option<serde_json::Value>,
}

/// What a CODEOWNERS import could not resolve (Sentry's `errors`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeownersErrors {
    /// `@user` handles with no mapping to a member.
    pub missing_external_users: Vec<String>,
    /// `@org/team` handles with no mapping to a team.
    pub missing_external_teams: Vec<String>,
    /// Emails in the file that are no member of the organization.
    pub missing_user_emails: Vec<String>,
    /// Teams that may not see the project (always empty: every team sees every project here).
    pub teams_without_access: Vec<String>,
    /// Users who may not see the project (always empty, as above).
    pub users_without_access: Vec<String>,
}

/// A project's imported CODEOWNERS file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectCodeowners {
    /// Its id.
    pub id: String,
    /// The file as imported.
    pub raw: String,
    /// When it was first imported.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// When it was last replaced.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_updated: DateTime<Utc>,
    /// `github` (the syntax; GitLab's is the same for what Cairn reads).
    pub provider: String,
    /// Its lines as `codeowners` rules, with the owners that could be resolved.
    pub schema: OwnershipSchema,
    /// What could not be resolved.
    pub errors: CodeownersErrors,
    /// The code mapping its paths were read through (Sentry's `codeMappingId`).
    #[serde(default)]
    pub code_mapping_id: Option<String>,
}

/// One suggested owner of an issue (`expand=owners` on the issue lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueOwner {
    /// `ownershipRule`, `codeowners` or `suspectCommit`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `user:<id>` or `team:<id>`.
    pub owner: String,
    /// When the owner was found.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_added: DateTime<Utc>,
    /// The rule that matched, as written (Cairn's addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What it matched (Cairn's addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<OwnershipMatch>,
}

/// What a rule matched in an event: the field (`filename`, `abs_path`, `module`, `url`,
/// `tags.<key>`) and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipMatch {
    /// The field.
    pub field: String,
    /// Its value in the event.
    pub value: String,
}

/// An owner as Sentry's actor serializer writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// `user` or `team`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The id, as a string.
    pub id: String,
    /// The member's email or the team's slug.
    pub name: String,
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/owners/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOwners {
    /// The owners of every matching rule, the winning rule's first.
    pub owners: Vec<Actor>,
    /// The matcher of the winning rule (the last one that matches).
    pub rule: Option<RuleMatcher>,
    /// Every matching rule, the winning one first.
    pub rules: Vec<OwnershipRule>,
    /// Why: the winning rule as written and what it matched (Cairn's addition).
    pub reason: Option<OwnershipReason>,
    /// No rule matched and the project's fallthrough is on (Cairn's addition).
    pub fallthrough: bool,
}

/// The winning rule of an event and what it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipReason {
    /// `ownershipRule`, `codeowners` or `suspectCommit`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The rule as written (`path:src/billing/** #billing`).
    pub rule: String,
    /// What it matched.
    pub matched: OwnershipMatch,
}
