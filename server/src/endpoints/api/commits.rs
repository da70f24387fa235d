//! Release commits in Sentry's shapes (what `sentry-cli set-commits` and Sentry's dashboard
//! use), repositories, and an event's suspect commits (`committers`).

use axum::extract::{Path, State};
use cairn_types::api::{
    Commit, CommitAuthor, CommitFile, Committer, EventCommitters, NewCommitRequest, RefRequest,
    Release, Repository,
};
use serde_json::Value;

use super::code_mappings::repository;
use super::{org_access, org_access_any};
use crate::auth::Identity;
use crate::endpoints::AppJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{CommitAuthorRow, CommitRow, NewCommit, Store, StoreError};
use crate::suspects::{self, Suspect};
use crate::util::ms_to_datetime;

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest(detail.into())
}

/// Most commits one request may set (`sentry-cli` sends 20 by default, a whole history at most
/// once).
const MAX_COMMITS: usize = 10_000;

pub(super) fn author(row: &CommitAuthorRow) -> CommitAuthor {
    CommitAuthor {
        id: row.user_id.map(|id| id.to_string()),
        name: row.name.clone(),
        email: row.email.clone(),
    }
}

pub(super) fn commit(row: &CommitRow, suspect_commit_type: &str) -> Commit {
    Commit {
        id: row.key.clone(),
        message: row.message.clone(),
        date_created: ms_to_datetime(row.date_added),
        repository: Some(repository(&row.repository)),
        author: row.author.as_ref().map(author),
        pull_request: None,
        suspect_commit_type: suspect_commit_type.to_owned(),
    }
}

/// Checks the commits of a `PUT .../releases/{version}/` against Sentry's limits and turns
/// them into what the store keeps. Sentry names the repository of a commit sent without one
/// `organization-<id>`.
pub(super) fn new_commits(
    organization_id: i64,
    commits: &[NewCommitRequest],
) -> ApiResult<Vec<NewCommit>> {
    if commits.len() > MAX_COMMITS {
        return Err(bad(format!("commits: at most {MAX_COMMITS} commits at once")));
    }
    commits
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = c.id.trim();
            if id.is_empty() || id.len() > 64 {
                return Err(bad(format!("commits[{i}].id: 1 to 64 characters are required")));
            }
            let repository = match c.repository.as_deref().map(str::trim) {
                Some(name) if name.len() > 200 => {
                    return Err(bad(format!("commits[{i}].repository: at most 200 characters")))
                }
                Some(name) if !name.is_empty() => name.to_owned(),
                _ => format!("organization-{organization_id}"),
            };
            if c.author_email.as_deref().is_some_and(|e| e.len() > 75 || !e.contains('@')) {
                return Err(bad(format!("commits[{i}].author_email: not an email address")));
            }
            let mut files = Vec::with_capacity(c.patch_set.len());
            for (j, file) in c.patch_set.iter().enumerate() {
                if file.path.is_empty() || file.path.len() > 255 {
                    return Err(bad(format!(
                        "commits[{i}].patch_set[{j}].path: 1 to 255 characters are required"
                    )));
                }
                if !matches!(file.kind.as_str(), "A" | "M" | "D") {
                    return Err(bad(format!(
                        "commits[{i}].patch_set[{j}].type: must be \"A\", \"M\" or \"D\""
                    )));
                }
                files.push((file.path.clone(), file.kind.clone()));
            }
            Ok(NewCommit {
                repository,
                key: id.to_owned(),
                // git ends messages with a newline; Sentry's pages show them trimmed.
                message: c.message.as_deref().map(|m| m.trim_end().to_owned()),
                author_name: c.author_name.clone().filter(|n| !n.trim().is_empty()),
                author_email: c.author_email.clone(),
                timestamp: c.timestamp.map(|t| t.timestamp_millis()),
                files,
            })
        })
        .collect()
}

/// The issues a commit message says it fixes, as Sentry reads them: after `Fix`, `Fixes`,
/// `Fixed`, `Close(s/d)` or `Resolve(s/d)` (any case, an optional colon), the short ids of the
/// list that follows on the same line (`Fixes BACKEND-1A, WEB-3`), as `(project slug,
/// counter)`. Sentry's list also runs on over line breaks, where a trailer such as
/// `Co-authored-by:` would be read as a short id.
pub(super) fn fixed_short_ids(message: &str) -> Vec<(String, i64)> {
    static FIXES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(?:fix|fixes|fixed|close|closes|closed|resolve|resolves|resolved):?[ \t]+([a-z0-9_\- \t,]+)\b",
        )
        .expect("a valid pattern")
    });
    static SHORT_ID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b([a-z0-9_\-]+-[a-z0-9]+)\b").expect("a valid pattern")
    });
    let mut found = Vec::new();
    for list in FIXES.captures_iter(message) {
        for id in SHORT_ID.captures_iter(&list[1]) {
            if let Some(parsed) = crate::serialize::parse_short_id(&id[1]) {
                if !found.contains(&parsed) {
                    found.push(parsed);
                }
            }
        }
    }
    found
}

/// Resolves the organization's issues that `commits` of release `version` say they fix
/// (Sentry's "resolved in commit"): each in that release, so that an event of a newer release
/// brings it back as a regression. Issues already resolved, and short ids that name no issue,
/// are left alone.
pub(super) async fn resolve_fixed_issues<S: Store>(
    state: &AppState<S>,
    identity: &Identity,
    organization_id: i64,
    version: &str,
    commits: &[NewCommit],
) -> ApiResult<()> {
    for commit in commits {
        let Some(message) = commit.message.as_deref() else { continue };
        for (slug, counter) in fixed_short_ids(message) {
            let issue_id =
                match state.store.issue_id_by_short_id(organization_id, &slug, counter).await {
                    Ok(id) => id,
                    Err(StoreError::NotFound) => continue,
                    Err(err) => return Err(err.into()),
                };
            // Resolved already, or by an earlier commit of this release.
            let (issue, _) = state.store.issue(issue_id).await?;
            if issue.status == "resolved" {
                continue;
            }
            let details = serde_json::json!({
                "inRelease": version,
                "inCommit": {"id": commit.key, "repository": commit.repository},
            });
            let change = crate::store::StatusChange {
                status: "resolved".into(),
                substatus: None,
                status_details: details.to_string(),
                user_id: identity.user.id,
                snooze: Default::default(),
            };
            state.store.set_issue_status(issue_id, &change).await?;
        }
    }
    Ok(())
}

/// Head commits of `refs`: kept as commits without details, since Cairn has no integration to
/// fetch the range from the code host.
pub(super) fn ref_commits(refs: &[RefRequest]) -> ApiResult<Vec<NewCommit>> {
    refs.iter()
        .enumerate()
        .map(|(i, r)| {
            let (repository, key) = (r.repository.trim(), r.commit.trim());
            if repository.is_empty() || repository.len() > 200 {
                return Err(bad(format!("refs[{i}].repository: a repository is required")));
            }
            if key.is_empty() || key.len() > 64 {
                return Err(bad(format!("refs[{i}].commit: 1 to 64 characters are required")));
            }
            Ok(NewCommit {
                repository: repository.to_owned(),
                key: key.to_owned(),
                message: None,
                author_name: None,
                author_email: None,
                timestamp: None,
                files: Vec::new(),
            })
        })
        .collect()
}

/// `GET /api/0/organizations/{org}/repos/`: the repositories commits were sent for. A CI token
/// with `project:releases` may list them, as `set-commits` does first.
pub async fn list_repositories<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
) -> ApiResult<AppJson<Vec<Repository>>> {
    let access = org_access_any(&state, &identity, &org, &["org:read", "project:releases"]).await?;
    let rows = state.store.repositories(access.organization.id).await?;
    Ok(AppJson(rows.iter().map(repository).collect()))
}

/// `GET /api/0/organizations/{org}/releases/{version}/commits/`, newest first.
pub async fn list_release_commits<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<Commit>>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let release = state.store.release(access.organization.id, &version).await?;
    let rows = state.store.release_commits(release.id).await?;
    Ok(AppJson(rows.iter().map(|c| commit(c, "")).collect()))
}

/// `GET /api/0/projects/{org}/{project}/releases/{version}/commits/`: the same, for a release
/// of that project (404 for a release the project is not in).
pub async fn list_project_release_commits<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, version)): Path<(String, String, String)>,
) -> ApiResult<AppJson<Vec<Commit>>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let release = state.store.release(access.organization.id, &version).await?;
    if !release.projects.iter().any(|p| p.id == project.id) {
        return Err(ApiError::NotFound);
    }
    let rows = state.store.release_commits(release.id).await?;
    Ok(AppJson(rows.iter().map(|c| commit(c, "")).collect()))
}

/// `GET /api/0/organizations/{org}/releases/{version}/commitfiles/`.
pub async fn list_release_commit_files<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<AppJson<Vec<CommitFile>>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let release = state.store.release(access.organization.id, &version).await?;
    let rows = state.store.release_commit_files(release.id).await?;
    Ok(AppJson(
        rows.iter()
            .map(|f| CommitFile {
                id: f.id.to_string(),
                filename: f.filename.clone(),
                kind: f.kind.clone(),
                author: f.commit.author.as_ref().map(author),
                commit_message: f.commit.message.clone(),
                repo_name: f.commit.repository.name.clone(),
            })
            .collect(),
    ))
}

/// `GET /api/0/organizations/{org}/releases/{version}/previous-with-commits/`: the newest
/// earlier release with commits, or `{}` (Sentry's answer), which `set-commits --local` reads
/// to send only the commits since.
pub async fn previous_release_with_commits<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, version)): Path<(String, String)>,
) -> ApiResult<AppJson<Value>> {
    let access = org_access(&state, &identity, &org, "project:read").await?;
    let release = match state.store.release(access.organization.id, &version).await {
        Ok(release) => release,
        // `set-commits` asks before the release may exist: nothing is older then.
        Err(StoreError::NotFound) => return Ok(AppJson(Value::Object(Default::default()))),
        Err(err) => return Err(err.into()),
    };
    let Some(previous) = state.store.previous_release_with_commits(release.id).await? else {
        return Ok(AppJson(Value::Object(Default::default())));
    };
    let row = state.store.release(access.organization.id, &previous).await?;
    let release: Release = super::releases::release_with_commits(&state, &row).await?;
    serde_json::to_value(release).map(AppJson).map_err(|err| ApiError::Internal(Box::new(err)))
}

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/committers/`: the event's suspect
/// commits grouped by author, in Sentry's shape.
pub async fn event_committers<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path((org, project, event_id)): Path<(String, String, String)>,
) -> ApiResult<AppJson<EventCommitters>> {
    let access = org_access(&state, &identity, &org, "event:read").await?;
    let project = state.store.project_by_slug(access.organization.id, &project).await?;
    let event_id = uuid::Uuid::parse_str(&event_id)
        .map(|id| id.simple().to_string())
        .map_err(|_| ApiError::NotFound)?;
    let stored = state.store.project_event(project.id, &event_id).await?;
    let suspects = suspects::event_suspects(&state.store, &stored.event).await?;
    Ok(AppJson(EventCommitters { committers: committers(&suspects) }))
}

/// Suspects grouped by author, in the order of each author's best commit.
fn committers(suspects: &[Suspect]) -> Vec<Committer> {
    let mut out: Vec<Committer> = Vec::new();
    for suspect in suspects {
        let Some(row) = suspect.commit.author.as_ref() else { continue };
        let serialized = commit(&suspect.commit, "via commit in release");
        match out.iter_mut().find(|c| c.author.email == row.email) {
            Some(committer) => committer.commits.push(serialized),
            None => out.push(Committer { author: author(row), commits: vec![serialized] }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_messages_name_the_issues_they_fix_as_sentry_reads_them() {
        let ids = |message: &str| fixed_short_ids(message);
        let id = |slug: &str, counter: i64| (slug.to_owned(), counter);
        assert_eq!(ids("Clamp the total\n\nFixes SHOP-1A"), [id("shop", 46)]);
        assert_eq!(ids("fix: shop-2, web-3 and more"), [id("shop", 2), id("web", 3)]);
        assert_eq!(ids("Resolved MY-APP-7. Closes WEB-3"), [id("my-app", 7), id("web", 3)]);
        assert_eq!(ids("Fixed SHOP-2; fixes SHOP-2"), [id("shop", 2)], "each once");
        assert!(ids("Mention SHOP-1 without a keyword").is_empty());
        assert!(ids("").is_empty());
        assert_eq!(ids("Fixes SHOP-3\n\nCo-authored-by: Ann <ann@example.com>"), [id("shop", 3)]);
    }
}
