//! What ingestion knows about keys and projects, cached briefly in memory (Relay keeps
//! "project configs" the same way), and the per-key and per-project rate limiter.
//!
//! The cache keeps the hot path off the database: one lookup per key and project every
//! [`TTL`], not one per request. A key disabled through the API is refused within that time,
//! on every Cairn node.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;

use super::error::IngestError;
use crate::ingest::event::EventContext;
use crate::ingest::filters::{FilterSettings, InboundFilters};
use crate::ingest::grouping::GroupingConfig;
use crate::ingest::scrub::{ScrubSettings, Scrubber};
use crate::ingest::sourcemaps::ArtifactIndex;
use crate::ownership::ProjectRules;
use crate::store::{ProjectIngestSettings, ProjectKeyRow, Store, StoreError};

/// How long a cached key or project is trusted.
const TTL: Duration = Duration::from_secs(5);

/// Caches and counters shared by all ingest requests of one server.
#[derive(Debug, Default)]
pub struct IngestState {
    // Behind `Arc`s, so that a request takes its key and project config from the cache with a
    // few reference counts rather than copies of their strings (labels, rules, CODEOWNERS).
    keys: Mutex<HashMap<String, CachedKey>>,
    projects: Mutex<HashMap<i64, (Instant, ProjectConfig)>>,
    limiter: RateLimiter,
    /// The files of the projects' source maps, parsed.
    pub sourcemap_files: super::sourcemap_files::SourceMapFiles,
}

/// A cached key lookup: when it was made, and the key (`None`: there is no such key).
type CachedKey = (Instant, Option<Arc<ProjectKeyRow>>);

/// A key that may send to a project, with the project's settings.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// The key.
    pub key: Arc<ProjectKeyRow>,
    /// Its project's ingest settings.
    pub project: Arc<ProjectIngestSettings>,
    /// Its project's data scrubber, compiled from the settings.
    pub scrubber: Arc<Scrubber>,
    /// Its project's grouping rules, parsed from the settings.
    pub grouping: Arc<GroupingConfig>,
    /// Its project's ownership rules, compiled; `None` when it has none.
    pub ownership: Option<Arc<ProjectRules>>,
    /// Its project's uploaded source maps (empty for most projects).
    pub artifacts: Arc<ArtifactIndex>,
    /// Its project's inbound filters, compiled; `None` when every one is off.
    pub filters: Option<Arc<InboundFilters>>,
    /// The address of the client that sent the request (see `super::client_ip`).
    pub client_ip: Option<std::net::IpAddr>,
}

/// A project's settings with what is compiled from them, cached together so that the patterns
/// are compiled once per change, not once per event.
#[derive(Debug, Clone)]
struct ProjectConfig {
    settings: Arc<ProjectIngestSettings>,
    scrubber: Arc<Scrubber>,
    grouping: Arc<GroupingConfig>,
    ownership: Option<Arc<ProjectRules>>,
    artifacts: Arc<ArtifactIndex>,
    filters: Option<Arc<InboundFilters>>,
}

impl Authorized {
    /// Whether an event with these grouping hashes is dropped: the project deleted and
    /// discarded an issue that had one of them.
    pub fn discards(&self, hashes: &[String]) -> bool {
        let discarded = &self.project.discarded_hashes;
        !discarded.is_empty() && hashes.iter().any(|hash| discarded.binary_search(hash).is_ok())
    }

    /// The context for normalizing an event sent with this key: its project's scrubber and
    /// grouping rules. Envelope header fields are set by the caller where there are any.
    pub fn event_context(&self, received_ms: i64) -> EventContext<'_> {
        EventContext {
            project_id: self.key.project_id,
            received_ms,
            envelope_event_id: None,
            sent_at_ms: None,
            scrubber: &self.scrubber,
            grouping: &self.grouping,
            ownership: self.ownership.as_deref(),
            client_ip: self.client_ip,
            filters: self.filters.as_deref(),
        }
    }
}

impl IngestState {
    /// Checks that `public_key` exists, is active and belongs to `project_id`.
    pub async fn authorize<S: Store>(
        &self,
        store: &S,
        public_key: &str,
        project_id: i64,
    ) -> Result<Authorized, IngestError> {
        let key = self.key(store, public_key).await?;
        let key = match key {
            // The map lookup found the key; compare it once more in constant time so that
            // nothing about a near-miss key leaks through timing.
            Some(key) if bool::from(key.public_key.as_bytes().ct_eq(public_key.as_bytes())) => key,
            _ => return Err(IngestError::Rejected("ProjectId")),
        };
        if key.project_id != project_id {
            return Err(IngestError::Rejected("ProjectId"));
        }
        // Sentry hands Relay a disabled key's project config as `{"disabled": true}`, which
        // Relay refuses with `ProjectId` (it has no discard reason for keys).
        if !key.is_active {
            return Err(IngestError::Rejected("ProjectId"));
        }
        let ProjectConfig { settings, scrubber, grouping, ownership, artifacts, filters } =
            self.project(store, project_id).await?;
        Ok(Authorized {
            key,
            project: settings,
            scrubber,
            grouping,
            ownership,
            artifacts,
            filters,
            client_ip: None,
        })
    }

    /// The project a key belongs to, for the legacy `/api/store/` route, whose path names no
    /// project (Relay resolves it from the key). [`IngestState::authorize`] then checks the key
    /// as for any other route.
    pub async fn project_of_key<S: Store>(
        &self,
        store: &S,
        public_key: &str,
    ) -> Result<i64, IngestError> {
        let key = self.key(store, public_key).await?;
        key.map(|key| key.project_id).ok_or(IngestError::Rejected("ProjectId"))
    }

    /// Drops the cached key after it changed, so that this node applies the change at once
    /// (other nodes within `TTL`).
    pub fn forget_key(&self, public_key: &str) {
        lock(&self.keys).remove(public_key);
    }

    /// A project's compiled ownership rules, from the cache (loaded if missing or stale);
    /// `None` when the project has none.
    pub async fn project_rules<S: Store>(
        &self,
        store: &S,
        project_id: i64,
    ) -> Result<Option<Arc<ProjectRules>>, IngestError> {
        Ok(self.project(store, project_id).await?.ownership)
    }

    /// A project's grouping rules as its events are grouped by, from the cache (loaded if
    /// missing or stale).
    pub async fn project_grouping<S: Store>(
        &self,
        store: &S,
        project_id: i64,
    ) -> Result<Arc<GroupingConfig>, IngestError> {
        Ok(self.project(store, project_id).await?.grouping)
    }

    /// Drops the cached project settings after they changed (see [`IngestState::forget_key`]).
    pub fn forget_project(&self, project_id: i64) {
        lock(&self.projects).remove(&project_id);
    }

    async fn key<S: Store>(
        &self,
        store: &S,
        public_key: &str,
    ) -> Result<Option<Arc<ProjectKeyRow>>, IngestError> {
        if let Some((at, key)) = lock(&self.keys).get(public_key) {
            if at.elapsed() < TTL {
                return Ok(key.clone());
            }
        }
        let key = match store.key_by_public(public_key).await {
            Ok(key) => Some(Arc::new(key)),
            Err(StoreError::NotFound) => None,
            Err(err) => return Err(IngestError::Unavailable(err)),
        };
        let mut keys = lock(&self.keys);
        // Unknown keys are cached too (Relay caches missing projects), but the map must not
        // grow without bound under a flood of random keys.
        if keys.len() > 100_000 {
            keys.clear();
        }
        keys.insert(public_key.to_owned(), (Instant::now(), key.clone()));
        Ok(key)
    }

    /// Normalizes and groups an event that Cairn raises itself for a project (a cron
    /// monitor's failure): with the project's scrubbing, grouping and ownership rules, as an
    /// SDK's event, but past its inbound filters, which are about what clients send.
    pub async fn process_own_event<S: Store>(
        &self,
        store: &S,
        project_id: i64,
        payload: &[u8],
        received_ms: i64,
    ) -> Result<crate::store::NewEvent, IngestError> {
        let config = self.project(store, project_id).await?;
        let ctx = EventContext {
            project_id,
            received_ms,
            envelope_event_id: None,
            sent_at_ms: None,
            scrubber: &config.scrubber,
            grouping: &config.grouping,
            ownership: config.ownership.as_deref(),
            client_ip: None,
            filters: None,
        };
        Ok(crate::ingest::event::process(payload, &ctx)?)
    }

    async fn project<S: Store>(
        &self,
        store: &S,
        project_id: i64,
    ) -> Result<ProjectConfig, IngestError> {
        if let Some((at, config)) = lock(&self.projects).get(&project_id) {
            if at.elapsed() < TTL {
                return Ok(config.clone());
            }
        }
        let mut settings = match store.project_ingest_settings(project_id).await {
            Ok(settings) => settings,
            Err(StoreError::NotFound) => return Err(IngestError::Rejected("ProjectId")),
            Err(err) => return Err(IngestError::Unavailable(err)),
        };
        // Sorted once here, looked up per event (`Authorized::discards`).
        settings.discarded_hashes.sort_unstable();
        let scrub = ScrubSettings::from_stored(settings.scrub_settings.as_deref());
        // The API refuses rules that do not parse; rules stored some other way that no longer
        // parse are ignored rather than refusing the project's events.
        let grouping = GroupingConfig::parse(
            settings.fingerprinting_rules.as_deref().unwrap_or_default(),
            settings.grouping_enhancements.as_deref().unwrap_or_default(),
        )
        .unwrap_or_else(|err| {
            tracing::warn!(%err, project_id, "unreadable grouping rules; grouping without them");
            GroupingConfig::default()
        });
        let ownership = settings
            .ownership
            .as_ref()
            .and_then(|ownership| ProjectRules::from_settings(ownership, project_id))
            .map(Arc::new);
        let filters =
            InboundFilters::new(&FilterSettings::from_stored(settings.inbound_filters.as_deref()));
        let filters = (!filters.is_empty()).then(|| Arc::new(filters));
        // Only the files' names and ids: their contents are read when a frame needs them.
        let artifacts = store.project_artifacts(project_id).await.unwrap_or_else(|err| {
            tracing::warn!(%err, project_id, "cannot read the project's source maps");
            Vec::new()
        });
        let config = ProjectConfig {
            settings: Arc::new(settings),
            scrubber: Arc::new(Scrubber::new(&scrub)),
            grouping: Arc::new(grouping),
            ownership,
            artifacts: Arc::new(ArtifactIndex::new(artifacts)),
            filters,
        };
        lock(&self.projects).insert(project_id, (Instant::now(), config.clone()));
        Ok(config)
    }

    /// Takes `events` from the key's and the project's budgets. On refusal, returns the seconds
    /// until the window ends and the scope (`key` or `project`) that refused.
    pub fn take_events(&self, auth: &Authorized, events: u64) -> Result<(), (u64, &'static str)> {
        if events == 0 {
            return Ok(());
        }
        if let Some(limit) = auth.key.rate_limit {
            self.limiter.take(Scope::Key(auth.key.id), limit, events).map_err(|s| (s, "key"))?;
        }
        if let Some(limit) = auth.project.rate_limit {
            self.limiter
                .take(Scope::Project(auth.key.project_id), limit, events)
                .map_err(|s| (s, "project"))?;
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep using it.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scope {
    Key(i64),
    Project(i64),
}

/// Fixed-window counters: at most `count` events per `window` seconds, windows aligned to the
/// epoch (as Sentry's quotas are), so every client sees the same reset time.
#[derive(Debug, Default)]
struct RateLimiter {
    windows: Mutex<HashMap<Scope, (u64, u64)>>,
}

impl RateLimiter {
    fn take(&self, scope: Scope, (count, window): (i64, i64), n: u64) -> Result<(), u64> {
        let window = u64::try_from(window).unwrap_or(60).max(1);
        let count = u64::try_from(count).unwrap_or(0);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let current = now / window;
        let mut windows = lock(&self.windows);
        let entry = windows.entry(scope).or_insert((current, 0));
        if entry.0 != current {
            *entry = (current, 0);
        }
        if entry.1 + n > count {
            return Err(((current + 1) * window - now).max(1));
        }
        entry.1 += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refuses_beyond_the_count_until_the_window_ends() {
        let limiter = RateLimiter::default();
        let scope = Scope::Key(1);
        assert!(limiter.take(scope, (3, 3600), 2).is_ok());
        assert!(limiter.take(scope, (3, 3600), 1).is_ok());
        let retry = limiter.take(scope, (3, 3600), 1).expect_err("over the limit");
        assert!((1..=3600).contains(&retry));
        assert!(limiter.take(Scope::Key(2), (3, 3600), 1).is_ok(), "keys count apart");
    }

    #[test]
    fn zero_count_refuses_everything() {
        let limiter = RateLimiter::default();
        assert!(limiter.take(Scope::Project(1), (0, 60), 1).is_err());
    }
}
