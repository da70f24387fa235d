//! `GET /api/0/organizations/{org}/live/`: the issue stream's live updates as server-sent
//! events (a Cairn extension; Sentry's dashboard polls instead).
//!
//! It lives under the organization because that is where visibility is decided: the caller
//! needs `event:read` there, and only updates of the organization's projects are sent. The
//! browser's `EventSource` cannot set headers, so the dashboard is authenticated by its session
//! cookie (a GET, so no CSRF check applies); API tokens work too.
//!
//! Events: `ready` (`{}`) once subscribed, then `issue` ([`IssueUpdate`]) after each durable
//! write that changed an issue, and `reload` (`{}`) when the client read too slowly and missed
//! updates. A comment line every 15 s keeps proxies from closing an idle connection.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use cairn_types::api::{LIVE_ISSUE_EVENT, LIVE_READY_EVENT, LIVE_RELOAD_EVENT};
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use super::org_access;
use crate::auth::Identity;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{IssueUpdate, Store};

/// How often, at most, a stream re-reads the organization's projects (a project created after
/// the connection) and re-checks the caller's access (a member removed meanwhile).
const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// How long a client waits before reconnecting after the connection dropped (SSE `retry`).
const RECONNECT_AFTER: Duration = Duration::from_secs(3);

/// Ends every live stream when the server shuts down: a graceful shutdown waits for open
/// connections, and an event stream would otherwise keep it waiting for ever.
#[derive(Debug)]
pub struct LiveState {
    shutdown: watch::Sender<bool>,
}

impl Default for LiveState {
    fn default() -> Self {
        LiveState { shutdown: watch::channel(false).0 }
    }
}

impl LiveState {
    /// Closes the open streams (and any opened later).
    pub fn shut_down(&self) {
        self.shutdown.send_replace(true);
    }
}

/// The stream's query parameters: `project` (repeatable, `-1` for all) and `environment`
/// (repeatable), as on the issue list.
#[derive(Debug, Default)]
struct LiveParams {
    projects: Vec<i64>,
    environments: Vec<String>,
}

impl LiveParams {
    fn parse(raw: Option<&str>) -> ApiResult<Self> {
        let mut params = LiveParams::default();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "project" => match value.parse::<i64>() {
                    Ok(-1) => {}
                    Ok(id) => params.projects.push(id),
                    Err(_) => {
                        return Err(ApiError::BadRequest(format!(
                            "project: invalid project id {value:?}"
                        )))
                    }
                },
                "environment" => params.environments.push(value.into_owned()),
                other => {
                    return Err(ApiError::BadRequest(format!("unknown query parameter {other:?}")))
                }
            }
        }
        Ok(params)
    }
}

/// What one open stream needs between two events.
struct Subscription<S> {
    state: AppState<S>,
    identity: Identity,
    org: String,
    organization_id: i64,
    params: LiveParams,
    updates: broadcast::Receiver<IssueUpdate>,
    shutdown: watch::Receiver<bool>,
    /// The organization's projects the caller may see, as last read.
    visible: HashSet<i64>,
    refreshed: Instant,
    greeted: bool,
}

impl<S: Store> Subscription<S> {
    /// Whether the caller may see this update and asked for it.
    fn wanted(&self, update: &IssueUpdate) -> bool {
        self.visible.contains(&update.project_id)
            && (self.params.projects.is_empty()
                || self.params.projects.contains(&update.project_id))
            && (self.params.environments.is_empty()
                || update.environments.iter().any(|e| self.params.environments.contains(e)))
    }

    /// Re-reads the visible projects; `false` when the caller lost access to the organization.
    async fn refresh(&mut self) -> bool {
        self.refreshed = Instant::now();
        if org_access(&self.state, &self.identity, &self.org, "event:read").await.is_err() {
            return false;
        }
        match self.state.store.projects(self.organization_id).await {
            Ok(projects) => {
                self.visible = projects.iter().map(|p| p.id).collect();
                true
            }
            Err(err) => {
                tracing::warn!(%err, "live stream: cannot read the projects; keeping the old list");
                true
            }
        }
    }

    /// The next event to send, or `None` when the stream ends (shutdown, access lost).
    async fn next_event(&mut self) -> Option<Event> {
        if !self.greeted {
            self.greeted = true;
            return Some(
                Event::default().event(LIVE_READY_EVENT).data("{}").retry(RECONNECT_AFTER),
            );
        }
        loop {
            let received = tokio::select! {
                _ = self.shutdown.wait_for(|stop| *stop) => return None,
                received = self.updates.recv() => received,
            };
            match received {
                Ok(update) => {
                    if !self.visible.contains(&update.project_id)
                        && self.refreshed.elapsed() >= REFRESH_EVERY
                        && !self.refresh().await
                    {
                        return None;
                    }
                    if !self.wanted(&update) {
                        continue;
                    }
                    let body = crate::serialize::issue_update(&update);
                    match Event::default().event(LIVE_ISSUE_EVENT).json_data(&body) {
                        Ok(event) => return Some(event),
                        Err(err) => tracing::warn!(%err, "live stream: cannot encode an update"),
                    }
                }
                // Too slow: the updates it missed are gone, so it must read the list again.
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "live stream lagged; telling the client to reload");
                    return Some(Event::default().event(LIVE_RELOAD_EVENT).data("{}"));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// `GET /api/0/organizations/{org}/live/`: `text/event-stream` of the organization's issue
/// updates (see the module).
pub async fn live_updates<S: Store>(
    State(state): State<AppState<S>>,
    identity: Identity,
    Path(org): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let params = LiveParams::parse(raw.as_deref())?;
    let access = org_access(&state, &identity, &org, "event:read").await?;
    // Subscribed before the projects are read, so nothing committed after `ready` is missed.
    let updates = state.store.issue_updates();
    let visible =
        state.store.projects(access.organization.id).await?.iter().map(|p| p.id).collect();
    let subscription = Subscription {
        shutdown: state.live.shutdown.subscribe(),
        state,
        identity,
        org,
        organization_id: access.organization.id,
        params,
        updates,
        visible,
        refreshed: Instant::now(),
        greeted: false,
    };
    let stream = futures_util::stream::unfold(subscription, |mut subscription| async move {
        let event = subscription.next_event().await?;
        Some((Ok(event), subscription))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_the_issue_lists() {
        let params = LiveParams::parse(Some("project=-1&project=3&environment=prod")).expect("ok");
        assert_eq!(params.projects, vec![3]);
        assert_eq!(params.environments, vec!["prod".to_owned()]);
        assert!(LiveParams::parse(Some("project=x")).is_err());
        assert!(LiveParams::parse(Some("cursor=1")).is_err());
    }
}
