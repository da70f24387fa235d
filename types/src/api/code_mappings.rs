//! Code mappings (Sentry's `RepositoryProjectPathConfig`): how a project's stack-trace paths
//! map to files of a repository, so that frames and commits link to the code host. Sentry's
//! paths under `/api/0/organizations/{org}/code-mappings/` and
//! `/api/0/projects/{org}/{project}/stacktrace-link/`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A code mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeMapping {
    /// Numeric id, as a string.
    pub id: String,
    /// The project's id, as a string.
    pub project_id: String,
    /// The project's slug.
    pub project_slug: String,
    /// The repository's id, as a string.
    pub repo_id: String,
    /// The repository's name (`owner/name`).
    pub repo_name: String,
    /// The repository's web address, when it has one (Cairn's addition: Sentry's integration
    /// knows it; here the organization sets it on the repository).
    #[serde(default)]
    pub repo_url: Option<String>,
    /// The repository's code host: `github`, `gitlab`, `bitbucket` or `gitea` (Cairn's
    /// addition), `null` while the repository has no address.
    #[serde(default)]
    pub repo_provider: Option<String>,
    /// The path prefix as stack traces show it (`app/`, `com/example/`); empty maps every path.
    pub stack_root: String,
    /// What replaces it to make a path in the repository (`src/app/`).
    pub source_root: String,
    /// The branch links point at.
    pub default_branch: String,
    /// Always `null`: Cairn has no code-host integrations.
    #[serde(default)]
    pub integration_id: Option<String>,
    /// Always `false`: Cairn makes no mappings by itself.
    #[serde(default)]
    pub automatically_generated: bool,
    /// When it was made.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
}

/// `POST /api/0/organizations/{org}/code-mappings/` and `PUT .../code-mappings/{id}/`
/// (Sentry's camelCase names; its documented snake_case ones are taken too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeMappingRequest {
    /// The project's id (a number or its string), or its slug.
    #[serde(alias = "project_id")]
    pub project_id: serde_json::Value,
    /// The repository's id (a number or its string).
    #[serde(alias = "repository_id")]
    pub repository_id: serde_json::Value,
    /// The path prefix as stack traces show it.
    #[serde(alias = "stack_root")]
    pub stack_root: String,
    /// The repository path that replaces it.
    #[serde(alias = "source_root")]
    pub source_root: String,
    /// The branch; `main` when left out.
    #[serde(default, alias = "default_branch")]
    pub default_branch: Option<String>,
    /// Accepted and ignored (Sentry requires its integration's id).
    #[serde(default, alias = "integration_id", skip_serializing_if = "Option::is_none")]
    pub integration_id: Option<serde_json::Value>,
}

/// One pair of roots of a bulk upload (`sentry-cli code-mappings upload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkCodeMapping {
    /// The path prefix as stack traces show it.
    pub stack_root: String,
    /// The repository path that replaces it.
    pub source_root: String,
}

/// `POST /api/0/organizations/{org}/code-mappings/bulk/`: what `sentry-cli code-mappings
/// upload` sends. A mapping with the same project, stack root and source root is updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkCodeMappingsRequest {
    /// The project's slug or id.
    pub project: serde_json::Value,
    /// The repository's name; made when the organization has none of that name.
    pub repository: String,
    /// The branch; `main` when left out.
    #[serde(default, alias = "default_branch")]
    pub default_branch: Option<String>,
    /// The pairs of roots (at most 300).
    pub mappings: Vec<BulkCodeMapping>,
}

/// The outcome of one pair of a bulk upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkCodeMappingResult {
    /// The pair's stack root.
    pub stack_root: String,
    /// The pair's source root.
    pub source_root: String,
    /// `created`, `updated` or `error`.
    pub status: String,
    /// What went wrong, for `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The answer to a bulk upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkCodeMappingsResponse {
    /// How many pairs made a new mapping.
    pub created: usize,
    /// How many changed an existing one.
    pub updated: usize,
    /// How many were refused.
    pub errors: usize,
    /// Each pair's outcome, in the order sent.
    pub mappings: Vec<BulkCodeMappingResult>,
}

/// `GET /api/0/projects/{org}/{project}/stacktrace-link/`: where a frame's file is in the
/// repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StacktraceLink {
    /// The mapping that matched, if any.
    pub config: Option<CodeMapping>,
    /// The file's address on the code host (with the line as its anchor), when a mapping
    /// matched and its repository has an address.
    pub source_url: Option<String>,
    /// Why there is no link: `no_code_mappings_for_project`, `stack_root_mismatch` or
    /// `missing_repository_url`.
    pub error: Option<String>,
    /// Always empty: Cairn has no code-host integrations.
    pub integrations: Vec<serde_json::Value>,
}

/// `POST /api/0/organizations/{org}/repos/` (Cairn's way to add a repository without an
/// integration) and `PUT .../repos/{id}/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryRequest {
    /// `owner/name`; required to add one, and a new name when changing one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The web address (`https://...`); an empty string removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The code host (`github`, `gitlab`, `bitbucket`, `gitea`); guessed from the address when
    /// left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}
