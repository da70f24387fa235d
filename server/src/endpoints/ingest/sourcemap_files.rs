//! The files source maps are applied from, read from the store and kept in memory, parsed,
//! so that a burst of events from one script parses its map once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::ingest::event::{self, EventContext, EventError};
use sourcemap::SourceView;

use crate::ingest::sourcemaps::{self, ArtifactId, Loaded, MapSource, Plan};
use crate::store::{NewEvent, Store};

/// How much the cache holds before it drops the files used longest ago: source maps of big
/// bundles run to megabytes each.
const BUDGET_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Text(ArtifactId),
    Map(MapSource),
}

#[derive(Debug, Clone)]
enum File {
    Text(Arc<SourceView>),
    Map(Arc<Loaded>),
}

#[derive(Debug, Default)]
struct Cache {
    files: HashMap<Key, (File, usize, u64)>,
    bytes: usize,
    clock: u64,
}

impl Cache {
    fn get(&mut self, key: &Key) -> Option<File> {
        self.clock += 1;
        let clock = self.clock;
        self.files.get_mut(key).map(|(file, _, used)| {
            *used = clock;
            file.clone()
        })
    }

    fn insert(&mut self, key: Key, file: File, bytes: usize) {
        self.clock += 1;
        if let Some((_, old, _)) = self.files.insert(key, (file, bytes, self.clock)) {
            self.bytes -= old;
        }
        self.bytes += bytes;
        while self.bytes > BUDGET_BYTES && self.files.len() > 1 {
            let Some(oldest) =
                self.files.iter().min_by_key(|(_, (_, _, used))| *used).map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, bytes, _)) = self.files.remove(&oldest) {
                self.bytes -= bytes;
            }
        }
    }
}

/// The cache of one server's ingestion.
#[derive(Debug, Default)]
pub struct SourceMapFiles {
    cache: Mutex<Cache>,
}

impl SourceMapFiles {
    /// Normalizes an event and applies the project's source maps before the rest of
    /// [`event::process`]. A file the store cannot give is left out (the frame stays as sent,
    /// with Sentry's processing error), never the event.
    pub async fn process_event<S: Store>(
        &self,
        store: &S,
        index: &sourcemaps::ArtifactIndex,
        payload: &[u8],
        ctx: &EventContext<'_>,
    ) -> Result<NewEvent, EventError> {
        let mut event = event::prepare(payload, ctx)?;
        let plan = sourcemaps::plan(&mut event, index);
        if !plan.is_empty() {
            let (texts, maps) = self.load(store, ctx.project_id, &plan).await;
            sourcemaps::apply(&mut event, &plan, &texts, &maps);
        }
        Ok(event::finish(event, payload.len(), ctx))
    }

    /// The files a plan needs, from the cache or the store.
    async fn load<S: Store>(
        &self,
        store: &S,
        project_id: i64,
        plan: &Plan,
    ) -> (HashMap<ArtifactId, Arc<SourceView>>, HashMap<MapSource, Arc<Loaded>>) {
        let mut texts = HashMap::new();
        let mut maps = HashMap::new();
        let mut wanted: Vec<ArtifactId> = Vec::new();
        {
            let mut cache = lock(&self.cache);
            for id in plan.minified_files() {
                match cache.get(&Key::Text(id)) {
                    Some(File::Text(text)) => {
                        texts.insert(id, text);
                    }
                    _ => wanted.push(id),
                }
            }
            for source in plan.maps() {
                match cache.get(&Key::Map(source.clone())) {
                    Some(File::Map(map)) => {
                        maps.insert(source.clone(), map);
                    }
                    _ => {
                        if let MapSource::File(id) = source {
                            wanted.push(*id);
                        }
                    }
                }
            }
        }
        let contents = if wanted.is_empty() {
            Vec::new()
        } else {
            match store.artifact_contents(project_id, &wanted).await {
                Ok(contents) => contents,
                Err(err) => {
                    tracing::warn!(%err, project_id, "cannot read source map files");
                    Vec::new()
                }
            }
        };
        let mut contents: HashMap<ArtifactId, Vec<u8>> = contents.into_iter().collect();
        for id in plan.minified_files() {
            if texts.contains_key(&id) {
                continue;
            }
            if let Some(bytes) = contents.get(&id) {
                let text = Arc::new(SourceView::new(String::from_utf8_lossy(bytes).into()));
                lock(&self.cache).insert(Key::Text(id), File::Text(text.clone()), bytes.len());
                texts.insert(id, text);
            }
        }
        for source in plan.maps() {
            if maps.contains_key(source) {
                continue;
            }
            // Parsing a map of a big bundle takes milliseconds: off the runtime's workers.
            let parsed = match source {
                MapSource::File(id) => match contents.remove(id) {
                    Some(bytes) => {
                        let size = bytes.len();
                        tokio::task::spawn_blocking(move || sourcemaps::parse_map(&bytes))
                            .await
                            .ok()
                            .map(|loaded| (loaded, size))
                    }
                    None => None,
                },
                MapSource::Embedded(id) => match texts.get(id) {
                    Some(text) => {
                        let text = text.clone();
                        let size = text.source().len();
                        tokio::task::spawn_blocking(move || {
                            sourcemaps::parse_embedded_map(text.source())
                        })
                        .await
                        .ok()
                        .map(|loaded| (loaded, size))
                    }
                    None => None,
                },
            };
            if let Some((loaded, size)) = parsed {
                let loaded = Arc::new(loaded);
                // A parsed map takes about twice its JSON's size (tokens, names, sources).
                lock(&self.cache).insert(
                    Key::Map(source.clone()),
                    File::Map(loaded.clone()),
                    size * 2,
                );
                maps.insert(source.clone(), loaded);
            }
        }
        (texts, maps)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_drops_what_was_used_longest_ago_past_its_budget() {
        let mut cache = Cache::default();
        let text = |s: &str| File::Text(Arc::new(SourceView::new(Arc::from(s))));
        cache.insert(Key::Text(1), text("a"), BUDGET_BYTES / 2);
        cache.insert(Key::Text(2), text("b"), BUDGET_BYTES / 2);
        assert!(cache.get(&Key::Text(1)).is_some());
        cache.insert(Key::Text(3), text("c"), BUDGET_BYTES / 4);
        assert!(cache.get(&Key::Text(2)).is_none(), "2 was used longest ago");
        assert!(cache.get(&Key::Text(1)).is_some());
        assert!(cache.get(&Key::Text(3)).is_some());
        assert_eq!(cache.bytes, BUDGET_BYTES / 2 + BUDGET_BYTES / 4);
    }
}
