//! Service hooks, Sentry's (`sentry.sentry_apps.tasks.service_hooks`): a project's URLs that
//! receive each new event (`event.created`), or each event that fired an issue alert rule
//! (`event.alert`), as a signed JSON POST.
//!
//! Deliveries are rows of an outbox that the store writes in the transaction that stores the
//! event or fires the rule (see `store::sqlite::service_hooks`). [`spawn_dispatcher`] sends
//! the due ones, a few at a time, in Sentry's version-0 payload with Sentry's headers:
//!
//! - `X-ServiceHook-Timestamp`: Unix seconds;
//! - `X-ServiceHook-GUID`: the hook's id;
//! - `X-ServiceHook-Signature`: the HMAC-SHA256 of the body with the hook's secret, in hex.
//!
//! A receiver that does not answer `2xx` within [`TIMEOUT`] is tried again after the retry
//! delay (Sentry's: 5 minutes), [`ATTEMPTS`] times in all, as Sentry retries the task. Redirects
//! are not followed: a hook's URL is where its payload goes.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::config::Config;
use crate::store::{DeliveryAttempt, DueDelivery, EventSelector, Store, StoreError, StoreResult};
use crate::util::now_ms;

/// The events a hook may get, in Sentry's words (sorted, as Sentry lists them).
pub const EVENTS: [&str; 2] = ["event.alert", "event.created"];
/// Attempts at a delivery before it is given up: Sentry's first try and its three retries.
pub const ATTEMPTS: i64 = 4;
/// How long a receiver has to answer (Sentry's `safe_urlopen(timeout=5)`).
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Sentry's delay between two attempts.
pub const DEFAULT_RETRY_MS: u64 = 300_000;
/// How often the dispatcher looks for due deliveries.
const POLL: Duration = Duration::from_millis(500);
/// Deliveries sent at once, at most.
const ROUND: i64 = 32;
/// A delivery not made within this long after its event is given up (a receiver down for a
/// day, or a project with more events than its receiver takes).
const EXPIRE_MS: i64 = 86_400_000;
/// Finished deliveries stay at most this long in the hook's log (which keeps a hook's latest
/// 100 only).
const KEEP_FINISHED_MS: i64 = 7 * 86_400_000;

/// The hex HMAC-SHA256 of `body` with `secret`: Sentry's `ServiceHook.build_signature`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A new secret: 64 hex digits, as Sentry makes them.
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Starts the task that sends the due deliveries, every [`POLL`], and prunes old ones hourly.
pub fn spawn_dispatcher<S: Store>(
    store: S,
    config: Arc<Config>,
    retry_delay: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Made when the first delivery is due: its TLS set-up (the system's root certificates,
        // read by OpenSSL) took 5 MiB of memory that a server without hooks never needs.
        let mut client: Option<reqwest::Client> = None;
        let mut last_prune = 0i64;
        loop {
            let sent = match round(&store, &config, &mut client, retry_delay).await {
                Ok(sent) => sent,
                Err(err) => {
                    tracing::warn!(%err, "cannot send service hook deliveries");
                    0
                }
            };
            let now = now_ms();
            if now - last_prune > 3_600_000 {
                last_prune = now;
                if let Err(err) =
                    store.prune_deliveries(now - EXPIRE_MS, now - KEEP_FINISHED_MS).await
                {
                    tracing::warn!(%err, "cannot prune service hook deliveries");
                }
            }
            // A full round means more are due: no pause.
            if sent < ROUND as usize {
                tokio::time::sleep(POLL).await;
            }
        }
    })
}

/// Why a round of deliveries could not be sent.
#[derive(Debug, thiserror::Error)]
enum DispatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot make the HTTP client: {0}")]
    Client(reqwest::Error),
}

/// Sends the deliveries due now, at once; returns how many it tried.
async fn round<S: Store>(
    store: &S,
    config: &Config,
    client: &mut Option<reqwest::Client>,
    retry_delay: Duration,
) -> Result<usize, DispatchError> {
    let due = store.due_deliveries(now_ms(), ROUND).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let client = match client {
        Some(client) => client,
        None => client.insert(
            reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("Cairn/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(DispatchError::Client)?,
        ),
    };
    let mut sending = tokio::task::JoinSet::new();
    let mut attempts = Vec::with_capacity(due.len());
    for delivery in &due {
        match payload(store, config, delivery).await? {
            Some(body) => {
                let request = request(client, delivery, body);
                let (id, hook_id, before) = (delivery.id, delivery.hook.id, delivery.attempts);
                sending.spawn(async move { (id, hook_id, before, send(request).await) });
            }
            None => attempts.push(DeliveryAttempt {
                id: delivery.id,
                hook_id: delivery.hook.id,
                status_code: None,
                error: Some("the event is no longer stored".to_owned()),
                retry_at: None,
                at: now_ms(),
            }),
        }
    }
    while let Some(joined) = sending.join_next().await {
        let Ok((id, hook_id, attempts_before, outcome)) = joined else { continue };
        let at = now_ms();
        let (status_code, error) = match outcome {
            Ok(status) if (200..300).contains(&status) => (Some(status), None),
            Ok(status) => (Some(status), Some(format!("the receiver answered {status}"))),
            Err(error) => (None, Some(error)),
        };
        let retry_at = (error.is_some() && attempts_before + 1 < ATTEMPTS)
            .then(|| at + i64::try_from(retry_delay.as_millis()).unwrap_or(i64::MAX / 2));
        attempts.push(DeliveryAttempt { id, hook_id, status_code, error, retry_at, at });
    }
    store.record_delivery_attempts(&attempts).await?;
    Ok(due.len())
}

/// Sentry's version-0 payload (`get_payload_v0`): the project, the issue and the event as the
/// API shows them, each with its URL. `None` when the issue or event has been deleted since.
pub async fn payload<S: Store>(
    store: &S,
    config: &Config,
    delivery: &DueDelivery,
) -> StoreResult<Option<Vec<u8>>> {
    let (issue, organization) = match store.issue(delivery.issue_id).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Ok(None),
        Err(err) => return Err(err),
    };
    let selector = EventSelector::Id(delivery.event_id.clone());
    let event = match store.issue_event(delivery.issue_id, &selector).await {
        Ok(event) => event,
        Err(StoreError::NotFound) => return Ok(None),
        Err(err) => return Err(err),
    };
    let group = crate::serialize::issue(&issue, &organization, config);
    let group_url = group.permalink.clone();
    let mut group = serde_json::to_value(group).unwrap_or(Value::Null);
    let mut event = serde_json::to_value(crate::serialize::event(&event)).unwrap_or(Value::Null);
    if let Some(group) = group.as_object_mut() {
        group.insert("url".into(), Value::String(group_url.clone()));
    }
    if let Some(event) = event.as_object_mut() {
        let url = format!("{group_url}events/{}/", delivery.event_id);
        event.insert("url".into(), Value::String(url));
    }
    let body = json!({
        "project": {"slug": issue.project.slug, "name": issue.project.name},
        "group": group,
        "event": event,
    });
    Ok(Some(body.to_string().into_bytes()))
}

/// The signed POST of `body` to the delivery's hook.
fn request(
    client: &reqwest::Client,
    delivery: &DueDelivery,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let hook = &delivery.hook;
    client
        .post(&hook.url)
        .header("Content-Type", "application/json")
        .header("X-ServiceHook-Timestamp", (now_ms() / 1000).to_string())
        .header("X-ServiceHook-GUID", &hook.guid)
        .header("X-ServiceHook-Signature", signature(&hook.secret, &body))
        .body(body)
}

/// The receiver's status, or why there is none (kept short: it is shown in the hook's log, and
/// a receiver's answer body is none of Cairn's business).
async fn send(request: reqwest::RequestBuilder) -> Result<u16, String> {
    match request.send().await {
        Ok(response) => Ok(response.status().as_u16()),
        Err(err) if err.is_timeout() => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
        Err(err) if err.is_connect() => Err("cannot connect to the receiver".to_owned()),
        Err(err) if err.is_builder() => Err("the hook's URL cannot be requested".to_owned()),
        Err(_) => Err("the request failed".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_sentry_s_hmac_sha256_in_hex() {
        // RFC 4231's test case 2 (key "Jefe").
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn secrets_are_64_hex_digits_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
