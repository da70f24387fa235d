//! Release adoption stages, as Sentry's `monitor_release_adoption` task keeps them: every
//! `--adoption-interval-ms`, for each project with sessions in the last six hours, a release
//! whose sessions are at least a tenth of its environment's is adopted there; a release adopted
//! before that falls below is replaced. A release never adopted is in low adoption. The release
//! list shows the stages (`adoptionStages=1`) and searches them (`release.stage:`).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::store::{AdoptionChanges, AdoptionTotal, Store, StoreResult};
use crate::util::now_ms;

/// How far back sessions count, as in Sentry's release monitor.
pub const WINDOW_SECS: i64 = 6 * 3_600;

/// A release's share of its environment's sessions at which it is adopted (Sentry's
/// `has_been_adopted`: 10 %).
pub const THRESHOLD: f64 = 0.1;

/// The default period of the task (Sentry's runs hourly; the query reads a few hourly rows per
/// release, so Cairn looks more often and stages move sooner).
pub const DEFAULT_INTERVAL_MS: u64 = 300_000;

/// What one run decides from its totals: the projects that had sessions, and the (project,
/// release, environment) adopted among them.
pub fn decide(totals: &[AdoptionTotal]) -> (Vec<i64>, Vec<(i64, String, String)>) {
    let projects: BTreeSet<i64> = totals.iter().map(|t| t.project_id).collect();
    let mut environment_sessions: std::collections::HashMap<(i64, &str), i64> =
        std::collections::HashMap::new();
    for total in totals {
        *environment_sessions.entry((total.project_id, total.environment.as_str())).or_default() +=
            total.sessions;
    }
    let adopted = totals
        .iter()
        .filter(|t| {
            let whole = environment_sessions[&(t.project_id, t.environment.as_str())];
            !t.environment.is_empty() && whole > 0 && t.sessions as f64 >= whole as f64 * THRESHOLD
        })
        .map(|t| (t.project_id, t.release.clone(), t.environment.clone()))
        .collect();
    (projects.into_iter().collect(), adopted)
}

/// One run at `now` (Unix ms).
pub async fn run_once<S: Store>(store: &S, now: i64) -> StoreResult<AdoptionChanges> {
    let since = (now.div_euclid(1_000) - WINDOW_SECS).div_euclid(3_600) * 3_600;
    let totals = store.adoption_totals(since).await?;
    let (projects, adopted) = decide(&totals);
    store.record_adoption(now, &projects, &adopted).await
}

/// Starts the task: a run at start-up, then one every `period`.
pub fn spawn<S: Store>(store: S, period: Duration) {
    crate::util::spawn_every(period, move || {
        let store = store.clone();
        async move {
            match run_once(&store, now_ms()).await {
                Ok(AdoptionChanges { adopted: 0, replaced: 0 }) => {}
                Ok(changes) => tracing::info!(
                    adopted = changes.adopted,
                    replaced = changes.replaced,
                    "release adoption stages changed"
                ),
                Err(err) => tracing::warn!(%err, "release adoption not updated; tried again later"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(project_id: i64, environment: &str, release: &str, sessions: i64) -> AdoptionTotal {
        AdoptionTotal {
            project_id,
            environment: environment.to_owned(),
            release: release.to_owned(),
            sessions,
        }
    }

    #[test]
    fn a_release_with_a_tenth_of_its_environments_sessions_is_adopted() {
        let totals = [
            total(1, "production", "app@1", 85),
            total(1, "production", "app@2", 10),
            total(1, "production", "app@3", 5),
            // Another environment counts apart: 4 of 8 is half of staging.
            total(1, "staging", "app@3", 4),
            total(1, "staging", "app@4", 4),
            total(2, "production", "other@1", 1),
        ];
        let (projects, adopted) = decide(&totals);
        assert_eq!(projects, vec![1, 2]);
        let adopted: Vec<(i64, &str, &str)> =
            adopted.iter().map(|(p, r, e)| (*p, r.as_str(), e.as_str())).collect();
        assert_eq!(
            adopted,
            vec![
                (1, "app@1", "production"),
                (1, "app@2", "production"),
                (1, "app@3", "staging"),
                (1, "app@4", "staging"),
                (2, "other@1", "production"),
            ]
        );
    }

    #[test]
    fn sessions_without_an_environment_adopt_nothing() {
        let (projects, adopted) = decide(&[total(1, "", "app@1", 10)]);
        assert_eq!(projects, vec![1]);
        assert!(adopted.is_empty());
    }
}
