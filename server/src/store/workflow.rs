//! Rows and inputs of release commits, suspect commits and notifications (see the
//! `0011_commits_and_notifications` migration).

/// A commit to record for a release ([`crate::store::Store::set_release_commits`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommit {
    /// Repository name.
    pub repository: String,
    /// The revision.
    pub key: String,
    /// Message.
    pub message: Option<String>,
    /// Author's name.
    pub author_name: Option<String>,
    /// Author's email (lower-cased by the store).
    pub author_email: Option<String>,
    /// Unix ms of the commit, if known.
    pub timestamp: Option<i64>,
    /// Files touched: (path, git status letter).
    pub files: Vec<(String, String)>,
}

/// A repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryRow {
    /// Primary key.
    pub id: i64,
    /// `owner/name`.
    pub name: String,
    /// Unix ms.
    pub date_created: i64,
    /// The web address, once the organization set it.
    pub url: Option<String>,
    /// The code host's kind (`github`, `gitlab`, `bitbucket`, `gitea`) when set; guessed from
    /// the address otherwise.
    pub provider: Option<String>,
}

/// A code mapping: a project's stack-trace path prefix and the repository path replacing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeMappingRow {
    /// Primary key.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// The project's slug.
    pub project_slug: String,
    /// The repository.
    pub repository: RepositoryRow,
    /// The path prefix as stack traces show it (may be empty).
    pub stack_root: String,
    /// What replaces it.
    pub source_root: String,
    /// The branch links point at.
    pub default_branch: String,
    /// Unix ms.
    pub date_created: i64,
}

/// What a code mapping is made of, to create or change one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCodeMapping {
    /// The project (of the organization: the caller checked).
    pub project_id: i64,
    /// The repository (of the organization: the caller checked).
    pub repository_id: i64,
    /// The path prefix as stack traces show it.
    pub stack_root: String,
    /// What replaces it.
    pub source_root: String,
    /// The branch.
    pub default_branch: String,
}

/// A commit author as the commit named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitAuthorRow {
    /// Lower-cased email.
    pub email: String,
    /// Name.
    pub name: Option<String>,
    /// The member with this email, if any.
    pub user_id: Option<i64>,
}

/// A stored commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRow {
    /// Primary key.
    pub id: i64,
    /// The revision.
    pub key: String,
    /// Message.
    pub message: Option<String>,
    /// Unix ms.
    pub date_added: i64,
    /// Its repository.
    pub repository: RepositoryRow,
    /// Its author.
    pub author: Option<CommitAuthorRow>,
    /// Files it touched (path, status letter); filled only where asked for.
    pub files: Vec<(String, String)>,
}

/// A file a commit touched, with its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitFileRow {
    /// Primary key.
    pub id: i64,
    /// Path.
    pub filename: String,
    /// Status letter.
    pub kind: String,
    /// The commit (without files).
    pub commit: CommitRow,
}

/// What a release's details show of its commits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleaseCommitSummary {
    /// Number of commits.
    pub count: i64,
    /// The newest.
    pub last_commit: Option<CommitRow>,
    /// Distinct authors.
    pub authors: Vec<CommitAuthorRow>,
}

/// A notification of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRow {
    /// Primary key.
    pub id: i64,
    /// Who is told.
    pub user_id: i64,
    /// About which issue.
    pub issue_id: i64,
    /// The activity, while it exists.
    pub activity_id: Option<i64>,
    /// `assigned`, `set_regression` or `note`.
    pub kind: String,
    /// The activity's data (JSON object).
    pub data: String,
    /// Who caused it (`None`: Cairn).
    pub actor: Option<UserRow>,
    /// Unix ms.
    pub date_created: i64,
    /// Unix ms, once read.
    pub date_read: Option<i64>,
}

/// A notification waiting to be emailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEmail {
    /// The notification.
    pub id: i64,
    /// Recipient.
    pub email: String,
    /// `assigned`, `set_regression`, `note` or `new_issue`.
    pub kind: String,
    /// Issue id.
    pub issue_id: i64,
    /// Issue title.
    pub title: String,
    /// Organization slug (for the link).
    pub organization: String,
    /// Attempts so far.
    pub tries: i64,
}

use super::UserRow;

/// One of a user's notification options: whether the emails of a type of notification are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationOptionRow {
    /// Primary key.
    pub id: i64,
    /// The user.
    pub user_id: i64,
    /// `alerts`, `workflow` or `reports`.
    pub kind: String,
    /// `always` or `never`.
    pub value: String,
}
