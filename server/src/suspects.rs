//! Suspect commits, as Sentry finds them (`src/sentry/utils/committers.py`): the commits of the
//! event's release and of the project's four releases before it whose changed files match the
//! in-app frames of the event's stack traces. A frame's path (its `filename`, else its
//! `abs_path`) matches a changed file by their longest common suffix of path segments; each
//! frame keeps the commits of its best score.
//!
//! [`issue_suspect_commits`] is what ownership (`suspectCommit` owners) reads. The owner
//! worker ([`spawn_owner_worker`]) stores them per issue after ingestion, as Sentry's
//! post-processing does, so that "Suggested for me" (`assigned_or_suggested:me`),
//! `expand=owners` and the "Auto Assign to Suspect Commits" setting see them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::store::{
    CommitRow, EventRow, EventSelector, Store, StoreError, StoreResult, SuspectOwner,
};

/// How long an issue's suspect-commit owners stand before one of its events has them found
/// again (Sentry debounces `process_suspect_commits` per issue the same way, for a day).
const RECOMPUTE_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Issues the worker remembers having done; past that it starts afresh (and redoes some).
const REMEMBERED_ISSUES: usize = 100_000;

/// Sentry looks at the innermost 25 in-app frames.
const FRAME_LIMIT: usize = 25;

/// A suspect commit and how well it matched (path segments in common).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    /// The commit, with its author.
    pub commit: CommitRow,
    /// Best number of trailing path segments shared with a frame.
    pub score: usize,
}

/// The path segments of `path`, last first, without empty ones (`./a//b` is `b`, `a`, `.`).
fn tokenize_path(path: &str) -> Vec<&str> {
    let separator = if path.contains('/') { '/' } else { '\\' };
    path.split(separator).filter(|s| !s.is_empty()).rev().collect()
}

/// How many trailing segments two paths share (case-insensitive), as Sentry's
/// `score_path_match_length`.
pub fn score_path_match_length(a: &str, b: &str) -> usize {
    tokenize_path(a)
        .into_iter()
        .zip(tokenize_path(b))
        .take_while(|(x, y)| x.eq_ignore_ascii_case(y))
        .count()
}

/// Every frame of the event's exceptions, threads and top-level stack trace, outermost first.
fn frames(data: &Value) -> Vec<&Value> {
    fn frames_of(stacktrace: Option<&Value>) -> &[Value] {
        match stacktrace.and_then(|st| st.get("frames")) {
            Some(Value::Array(frames)) => frames,
            _ => &[],
        }
    }
    let mut out = Vec::new();
    for key in ["exception", "threads"] {
        let list = match data.get(key) {
            Some(Value::Array(items)) => Some(items),
            Some(Value::Object(map)) => map.get("values").and_then(Value::as_array),
            _ => None,
        };
        for item in list.into_iter().flatten() {
            out.extend(frames_of(item.get("stacktrace")));
        }
    }
    out.extend(frames_of(data.get("stacktrace")));
    out
}

/// The paths of the frames Sentry considers: the innermost 25 in-app frames, or the innermost
/// 25 frames when none is in-app.
pub fn frame_paths(data: &Value) -> Vec<String> {
    let all = frames(data);
    let in_app: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|f| f.get("in_app").and_then(Value::as_bool) == Some(true))
        .collect();
    let chosen = if in_app.is_empty() { all } else { in_app };
    let start = chosen.len().saturating_sub(FRAME_LIMIT);
    let mut paths: Vec<String> = Vec::new();
    for frame in &chosen[start..] {
        let path = ["filename", "abs_path"]
            .iter()
            .find_map(|k| frame.get(*k).and_then(Value::as_str).filter(|p| !p.is_empty()));
        if let Some(path) = path {
            if !paths.iter().any(|p| p == path) {
                paths.push(path.to_owned());
            }
        }
    }
    paths
}

/// The suspects among `candidates` (newest release first) for frames at `paths`, best score
/// first, each commit once.
pub fn match_commits(candidates: &[CommitRow], paths: &[String]) -> Vec<Suspect> {
    let mut suspects: Vec<Suspect> = Vec::new();
    for path in paths {
        let mut best = 0;
        let mut matching: Vec<&CommitRow> = Vec::new();
        for commit in candidates {
            let score =
                commit.files.iter().map(|(file, _)| score_path_match_length(file, path)).max();
            let score = score.unwrap_or(0);
            if score == 0 || score < best {
                continue;
            }
            if score > best {
                best = score;
                matching.clear();
            }
            if !matching.iter().any(|c| c.id == commit.id) {
                matching.push(commit);
            }
        }
        for commit in matching {
            match suspects.iter_mut().find(|s| s.commit.id == commit.id) {
                Some(s) => s.score = s.score.max(best),
                None => suspects.push(Suspect { commit: commit.clone(), score: best }),
            }
        }
    }
    // Stable: among equal scores the newer release's commits stay first.
    suspects.sort_by_key(|s| std::cmp::Reverse(s.score));
    suspects
}

/// The suspect commits of a stored event (none when it names no release).
pub async fn event_suspects<S: Store>(store: &S, event: &EventRow) -> StoreResult<Vec<Suspect>> {
    let data: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    let Some(release) = data.get("release").and_then(Value::as_str) else {
        return Ok(Vec::new());
    };
    let paths = frame_paths(&data);
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = store.suspect_commit_candidates(event.project_id, release).await?;
    Ok(match_commits(&candidates, &paths))
}

/// The suspect commits of an issue's latest event, as (author email, commit ids) per author,
/// best first: what ownership's `suspectCommit` owners are made of. Authors map to members by
/// email; commits without an author are left out.
pub async fn issue_suspect_commits<S: Store>(
    store: &S,
    issue_id: i64,
) -> StoreResult<Vec<(String, Vec<String>)>> {
    let event = match store.issue_event(issue_id, &EventSelector::Latest).await {
        Ok(found) => found.event,
        Err(StoreError::NotFound) => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for suspect in event_suspects(store, &event).await? {
        let Some(author) = suspect.commit.author.as_ref() else { continue };
        match out.iter_mut().find(|(email, _)| *email == author.email) {
            Some((_, ids)) => ids.push(suspect.commit.key.clone()),
            None => out.push((author.email.clone(), vec![suspect.commit.key.clone()])),
        }
    }
    Ok(out)
}

/// The members who wrote an issue's suspect commits, best first, each with their commits:
/// commit authors map to members by (case-insensitive) email; others are left out.
pub async fn issue_suspect_owners<S: Store>(
    store: &S,
    issue_id: i64,
) -> StoreResult<Vec<SuspectOwner>> {
    let authors = issue_suspect_commits(store, issue_id).await?;
    if authors.is_empty() {
        return Ok(Vec::new());
    }
    let (_, organization) = store.issue(issue_id).await?;
    let members = store.members(organization.id).await?;
    let mut owners: Vec<SuspectOwner> = Vec::new();
    for (email, commits) in authors {
        let member = members
            .iter()
            .filter_map(|m| m.user.as_ref())
            .find(|user| user.email.eq_ignore_ascii_case(&email));
        let Some(user) = member else { continue };
        match owners.iter_mut().find(|o| o.user_id == user.id) {
            Some(owner) => owner.commits.extend(commits),
            None => owners.push(SuspectOwner { user_id: user.id, commits }),
        }
    }
    Ok(owners)
}

/// Finds and stores the suspect-commit owners of the issues that write batches open, and of
/// the others again once a day when they see events, off the ingest path: acknowledgments
/// never wait for it. Updates missed while it lags are skipped (the next event catches up).
pub fn spawn_owner_worker<S: Store>(store: S) -> tokio::task::JoinHandle<()> {
    let mut updates = store.issue_updates();
    tokio::spawn(async move {
        let mut done: HashMap<i64, Instant> = HashMap::new();
        loop {
            let update = match updates.recv().await {
                Ok(update) => update,
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "suspect-commit owners: skipped issue updates");
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let fresh = done.get(&update.issue_id).is_some_and(|at| at.elapsed() < RECOMPUTE_AFTER);
            if fresh && !update.is_new {
                continue;
            }
            if done.len() >= REMEMBERED_ISSUES {
                done.clear();
            }
            done.insert(update.issue_id, Instant::now());
            let result = match issue_suspect_owners(&store, update.issue_id).await {
                Ok(owners) => store.set_suspect_owners(update.issue_id, &owners).await,
                Err(err) => Err(err),
            };
            match result {
                // Deleted (or merged away) in the meantime.
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(err) => {
                    tracing::warn!(%err, issue = update.issue_id, "cannot store suspect owners")
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RepositoryRow;
    use serde_json::json;

    #[test]
    fn paths_match_by_trailing_segments_like_sentry() {
        assert_eq!(score_path_match_length("foo/bar/baz", "foo/bar/baz"), 3);
        assert_eq!(score_path_match_length("foo/bar/baz", "bar/baz"), 2);
        assert_eq!(score_path_match_length("foo/bar/baz", "baz"), 1);
        assert_eq!(score_path_match_length("foo/bar/baz", "foo"), 0);
        assert_eq!(score_path_match_length("./foo/bar/baz", "foo/bar/baz"), 3);
        // Windows separators and case do not matter.
        assert_eq!(score_path_match_length("src\\App.rs", "/home/ci/src/app.rs"), 2);
        assert_eq!(score_path_match_length("lib/app.rs", "/home/ci/src/app.rs"), 1);
        assert_eq!(score_path_match_length("src/App.rs", "/home/ci/src/app.rs"), 2);
    }

    fn commit(id: i64, files: &[&str]) -> CommitRow {
        CommitRow {
            id,
            key: format!("{id:040}"),
            message: None,
            date_added: 0,
            repository: RepositoryRow {
                id: 1,
                name: "acme/app".into(),
                date_created: 0,
                url: None,
                provider: None,
            },
            author: None,
            files: files.iter().map(|f| ((*f).to_owned(), "M".to_owned())).collect(),
        }
    }

    #[test]
    fn in_app_frames_pick_the_best_matching_commits() {
        let data = json!({"exception": {"values": [{"stacktrace": {"frames": [
            {"filename": "/usr/lib/libc.so", "in_app": false},
            {"abs_path": "/srv/app/src/checkout/cart.rs", "in_app": true},
        ]}}]}});
        let paths = frame_paths(&data);
        assert_eq!(paths, ["/srv/app/src/checkout/cart.rs"]);
        let candidates = [
            commit(1, &["src/checkout/cart.rs"]),
            commit(2, &["tests/cart.rs"]),
            commit(3, &["README.md"]),
        ];
        let suspects = match_commits(&candidates, &paths);
        // Commit 2 shares only the file name: a worse match than commit 1 is not a suspect.
        assert_eq!(suspects.iter().map(|s| s.commit.id).collect::<Vec<_>>(), [1]);
        assert_eq!(suspects[0].score, 3);
    }
}
