//! Sentry's automatic "ongoing": a new, regressed or escalating issue is shown so for a week,
//! then becomes ongoing (and leaves the "For review" inbox), as Sentry's periodic
//! `auto_transition_issues_*_to_ongoing` tasks do. This task runs at start-up and then every
//! `--ongoing-interval-ms` (see `store/sqlite/triage.rs`, `mark_ongoing`).

use std::time::Duration;

use crate::store::Store;
use crate::util::now_ms;

/// Starts the task.
pub fn spawn<S: Store>(store: S, period: Duration) {
    crate::util::spawn_every(period, move || {
        let store = store.clone();
        async move {
            match store.mark_ongoing(now_ms()).await {
                Ok(0) => {}
                Ok(issues) => tracing::info!(issues, "issues became ongoing after a week"),
                Err(err) => {
                    tracing::warn!(%err, "issues could not become ongoing; tried again later")
                }
            }
        }
    });
}
