//! Cron monitors, Sentry's *Crons*: scheduled jobs check in (`check_in` envelope items, or the
//! HTTP route `/api/{project_id}/cron/{slug}/{key}/`), the store records each check-in and
//! when the next one is expected, and a clock marks the ones that never came (`missed`) or
//! never finished (`timeout`).
//!
//! A monitor environment that fails (its latest check-ins, by its failure threshold, all
//! failed) gets an issue, as in Sentry: "Monitor failure: {name}", one issue per monitor
//! environment, made from an event that goes through the project's grouping, ownership and
//! alerts like any other. Every further failure while it fails is another event of that issue;
//! the recovery (by the recovery threshold) resolves it; a later failure brings it back as a
//! regression.

pub mod schedule;

use std::time::Duration;

use serde_json::{json, Value};

use crate::endpoints::ingest::error::IngestError;
use crate::state::AppState;
use crate::store::{IngestBatch, MonitorFailure, Store, StoreError};
use crate::util::{ms_to_datetime, now_ms};

/// Sentry's failure reason for failed check-ins (newest first): "A missed check-in was
/// detected" for one, "2 missed and 1 error check-ins detected" for several.
pub fn failure_reason(statuses: &[&str]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for &status in statuses {
        if !matches!(status, "error" | "missed" | "timeout") {
            continue;
        }
        match counts.iter_mut().find(|(name, _)| *name == status) {
            Some((_, count)) => *count += 1,
            None => counts.push((status, 1)),
        }
    }
    match counts.as_slice() {
        [] => "A failed check-in was detected".to_owned(),
        [(status, 1)] => match *status {
            "error" => "An error check-in was detected".to_owned(),
            "missed" => "A missed check-in was detected".to_owned(),
            _ => "A timeout check-in was detected".to_owned(),
        },
        _ => {
            let parts: Vec<String> =
                counts.iter().map(|(status, count)| format!("{count} {status}")).collect();
            let (last, rest) = parts.split_last().expect("at least two parts");
            let list = if rest.is_empty() {
                last.clone()
            } else {
                format!("{} and {last}", rest.join(", "))
            };
            format!("{list} check-ins detected")
        }
    }
}

/// The event of a monitor failure, after Sentry's `send_incident_occurrence`: titled
/// "Monitor failure: {name}", the reason as its culprit, tagged with the monitor, its
/// `monitor` context, and the trace of the failed run when there is one.
pub fn failure_event(failure: &MonitorFailure, now_ms: i64) -> Value {
    let config: Value = serde_json::from_str(&failure.config).unwrap_or(Value::Null);
    let mut contexts = json!({
        "monitor": {
            "id": failure.monitor_guid,
            "slug": failure.monitor_slug,
            "name": failure.monitor_name,
            "config": config,
            "status": "error",
        }
    });
    if let Some(trace_id) = &failure.trace_id {
        contexts["trace"] = json!({ "trace_id": trace_id, "type": "trace" });
    }
    let last_ok = match failure.last_ok {
        Some(at) => ms_to_datetime(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => "Never".to_owned(),
    };
    json!({
        "event_id": uuid::Uuid::new_v4().simple().to_string(),
        "timestamp": now_ms as f64 / 1000.0,
        "platform": "other",
        "level": "error",
        "environment": failure.environment,
        "message": format!("Monitor failure: {}", failure.monitor_name),
        "culprit": failure.reason,
        // One issue per monitor environment, whatever the reason.
        "fingerprint": ["monitor-failure", failure.monitor_guid, failure.environment],
        "tags": {
            "monitor.id": failure.monitor_guid,
            "monitor.slug": failure.monitor_slug,
        },
        "contexts": contexts,
        "extra": {
            "Failure reason": failure.reason,
            "Environment": failure.environment,
            "Last successful check-in": last_ok,
        },
    })
}

/// Why a failure's issue could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RaiseError {
    #[error("the failure event was refused: {0}")]
    Ingest(#[from] IngestError),
    #[error("the failure event was not stored: {0}")]
    Store(#[from] StoreError),
}

/// Writes each failure's event (opening or adding to its issue), and links the issue to the
/// monitor environment. The check-ins are already stored; an event that cannot be written is
/// logged, not retried (the next failure writes one).
pub async fn raise_failures<S: Store>(state: &AppState<S>, failures: Vec<MonitorFailure>) {
    for failure in failures {
        if let Err(err) = raise_failure(state, &failure).await {
            tracing::warn!(%err, monitor = failure.monitor_slug, "cannot open a monitor's failure issue");
        }
    }
}

async fn raise_failure<S: Store>(
    state: &AppState<S>,
    failure: &MonitorFailure,
) -> Result<(), RaiseError> {
    let now = now_ms();
    let payload = failure_event(failure, now).to_string();
    let event = state
        .ingest
        .process_own_event(&state.store, failure.project_id, payload.as_bytes(), now)
        .await?;
    let batch = IngestBatch { events: vec![event], ..Default::default() };
    if let Some(&issue_id) = state.store.store_batch(batch).await?.first() {
        state.store.set_monitor_issue(failure.monitor_environment_id, issue_id).await?;
    }
    Ok(())
}

/// Starts the clock: every `period`, the store marks overdue and timed-out check-ins, and
/// their failures become issues. Sentry's clock ticks every minute; `cairn serve` ticks every
/// half minute (`--monitor-clock-ms`), so a miss is found at most that long after its margin.
pub fn spawn_clock<S: Store>(state: AppState<S>, period: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match state.store.monitor_clock(now_ms()).await {
                Ok(failures) => raise_failures(&state, failures).await,
                Err(err) => tracing::warn!(%err, "the monitors' clock could not run"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_reasons_are_sentrys() {
        assert_eq!(failure_reason(&["missed"]), "A missed check-in was detected");
        assert_eq!(failure_reason(&["error"]), "An error check-in was detected");
        assert_eq!(failure_reason(&["timeout"]), "A timeout check-in was detected");
        assert_eq!(failure_reason(&["missed", "missed", "missed"]), "3 missed check-ins detected");
        assert_eq!(
            failure_reason(&["missed", "timeout", "missed", "error"]),
            "2 missed, 1 timeout and 1 error check-ins detected"
        );
    }

    #[test]
    fn a_failure_event_names_its_monitor() {
        let failure = MonitorFailure {
            project_id: 1,
            monitor_environment_id: 2,
            monitor_guid: "b6a3c3a2-0000-4000-8000-000000000001".into(),
            monitor_slug: "nightly".into(),
            monitor_name: "Nightly report".into(),
            config: r#"{"schedule_type":"crontab","schedule":"0 3 * * *"}"#.into(),
            environment: "production".into(),
            reason: "A missed check-in was detected".into(),
            last_ok: None,
            trace_id: Some("0af7651916cd43dd8448eb211c80319c".into()),
        };
        let event = failure_event(&failure, 1_764_900_000_000);
        assert_eq!(event["message"], "Monitor failure: Nightly report");
        assert_eq!(event["tags"]["monitor.slug"], "nightly");
        assert_eq!(event["contexts"]["monitor"]["config"]["schedule"], "0 3 * * *");
        assert_eq!(event["contexts"]["trace"]["trace_id"], "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(event["extra"]["Last successful check-in"], "Never");
    }
}
