//! Data retention, as self-hosted Sentry's `SENTRY_EVENT_RETENTION_DAYS` and its `cleanup`
//! job: once an hour (and at start-up), what arrived more than `--retention-days` ago is
//! deleted (see `store/sqlite/retention.rs` for what goes and what stays). An SQLite file on
//! one machine must not grow for ever.

use std::time::Duration;

use crate::store::Store;
use crate::util::now_ms;

/// Sentry's default retention, in days.
pub const DEFAULT_DAYS: u32 = 90;

/// Starts the task; `days` 0 keeps everything (no task).
pub fn spawn<S: Store>(store: S, days: u32, period: Duration) {
    if days == 0 {
        return;
    }
    crate::util::spawn_every(period, move || {
        let store = store.clone();
        async move {
            let cutoff = now_ms() - i64::from(days) * 86_400_000;
            match store.apply_retention(cutoff).await {
                Ok(deleted) if deleted == Default::default() => {}
                Ok(deleted) => tracing::info!(?deleted, days, "deleted data past its retention"),
                Err(err) => {
                    tracing::warn!(%err, "data retention could not run; it runs again later")
                }
            }
        }
    });
}
