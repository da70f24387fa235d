//! Release commits, their files and authors, and an event's suspect commits, in the shapes of
//! Sentry's commits APIs (what `sentry-cli set-commits` sends and Sentry's dashboard reads).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A commit author: a member of the organization when the email matches one (then with the
/// user's `id`), else the name and email the commit carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitAuthor {
    /// The member's user id, when the email is a member's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Email address (lower-cased).
    pub email: String,
}

/// `provider` of a repository: Cairn has no code-host integration, so every repository is
/// Sentry's "unknown" provider, as repositories created by `set-commits` are in Sentry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryProvider {
    /// `unknown`.
    pub id: String,
    /// `Unknown Provider`.
    pub name: String,
}

/// A repository (`GET /api/0/organizations/{org}/repos/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Repository {
    /// Numeric id, as a string.
    pub id: String,
    /// `owner/name`, as `sentry-cli` parses it from the git remote.
    pub name: String,
    /// Always `null` (no integration knows the URL).
    pub url: Option<String>,
    /// The provider.
    pub provider: RepositoryProvider,
    /// `active`.
    pub status: String,
    /// When Cairn first heard of it.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// Always `null`.
    pub integration_id: Option<String>,
    /// Always `null`.
    pub external_slug: Option<String>,
}

/// A commit (`GET /api/0/organizations/{org}/releases/{version}/commits/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Commit {
    /// The revision (git sha).
    pub id: String,
    /// The message, if it was sent.
    pub message: Option<String>,
    /// The commit's timestamp.
    #[serde(deserialize_with = "crate::timestamp::rfc3339")]
    pub date_created: DateTime<Utc>,
    /// Its repository.
    pub repository: Option<Repository>,
    /// Its author, if known.
    pub author: Option<CommitAuthor>,
    /// Always `null` (no integration).
    pub pull_request: Option<serde_json::Value>,
    /// How it became a suspect (`via commit in release`); empty elsewhere.
    pub suspect_commit_type: String,
}

/// A file a release's commit touched
/// (`GET /api/0/organizations/{org}/releases/{version}/commitfiles/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitFile {
    /// Numeric id, as a string.
    pub id: String,
    /// Path in the repository.
    pub filename: String,
    /// Git's status letter: `A`, `M` or `D`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The commit's author.
    pub author: Option<CommitAuthor>,
    /// The commit's message.
    pub commit_message: Option<String>,
    /// The repository's name.
    pub repo_name: String,
}

/// The answer of `GET /api/0/projects/{org}/{project}/events/{event_id}/committers/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventCommitters {
    /// Suspects, grouped by author.
    pub committers: Vec<Committer>,
}

/// An author and their suspect commits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Committer {
    /// Who.
    pub author: CommitAuthor,
    /// Their commits that touched the event's in-app files, newest first.
    pub commits: Vec<Commit>,
}

/// One commit as `sentry-cli set-commits --local` sends it in `PUT .../releases/{version}/`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewCommitRequest {
    /// The revision.
    pub id: String,
    /// Repository name (`owner/name`).
    pub repository: Option<String>,
    /// Message.
    pub message: Option<String>,
    /// Author's name.
    pub author_name: Option<String>,
    /// Author's email.
    pub author_email: Option<String>,
    /// When it was committed (RFC 3339 with an offset).
    pub timestamp: Option<DateTime<chrono::FixedOffset>>,
    /// The files it touched.
    pub patch_set: Vec<PatchSetEntry>,
}

/// A file of a commit's `patch_set`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatchSetEntry {
    /// Path.
    pub path: String,
    /// `A`, `M` or `D`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A head commit as `sentry-cli set-commits --commit repo@sha` sends it (`refs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RefRequest {
    /// Repository name.
    pub repository: String,
    /// The head revision.
    pub commit: String,
    /// The previous release's head, if given.
    pub previous_commit: Option<String>,
}
