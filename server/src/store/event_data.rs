//! An event's normalized JSON as the database keeps it: compressed with zstd.
//!
//! Why: the JSON of a typical error event (exception, frames, breadcrumbs, contexts) is 6–7 KB,
//! more than a 4 KB SQLite page, so each event's row took a page and an overflow page, and every
//! page a commit changes is written twice (to the WAL, then by the checkpoint into the file).
//! zstd at level 1 makes it about a fifth of that (1.3 KB for `ingest_bench`'s event), so rows
//! share pages: the database is about a quarter of its size, and the WAL and the checkpoint
//! write fewer pages per event.
//! Ingestion compresses on the runtime's workers, in parallel, never on the writer's thread.
//!
//! Rows written before compression hold the JSON as text; [`decode`] reads both.

use std::cell::RefCell;

use super::{StoreError, StoreResult};

/// The compression level: level 1 takes 8 µs for `ingest_bench`'s 6.6 KB event and leaves a
/// fifth of it; higher levels gain a few percent for two to five times the time.
const LEVEL: i32 = 1;

/// zstd frames begin with these bytes; JSON text begins with `{`.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// No stored event is larger than this when decompressed (ingestion's limits are far below it);
/// a larger size in a frame's header means the row is damaged.
const MAX_DECOMPRESSED: u64 = 64 * 1024 * 1024;

thread_local! {
    /// One compression context per thread: creating one allocates about a megabyte.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
}

/// The stored form of an event's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventData(Vec<u8>);

impl EventData {
    /// Compresses `json` for storage. Should compression fail (it does not for valid input),
    /// the JSON is kept as it is, which [`decode`] reads just as well.
    pub fn from_json(json: &str) -> Self {
        let compressed = COMPRESSOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.is_none() {
                *cell = zstd::bulk::Compressor::new(LEVEL).ok();
            }
            cell.as_mut().and_then(|compressor| compressor.compress(json.as_bytes()).ok())
        });
        EventData(compressed.unwrap_or_else(|| json.as_bytes().to_vec()))
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The JSON again.
    pub fn to_json(&self) -> StoreResult<String> {
        decode(&self.0)
    }
}

impl From<String> for EventData {
    fn from(json: String) -> Self {
        EventData::from_json(&json)
    }
}

/// The JSON of a stored `events.data` value: a zstd frame, or text from before compression.
pub fn decode(stored: &[u8]) -> StoreResult<String> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("stored event data: {what}"));
    let bytes = if stored.starts_with(&ZSTD_MAGIC) {
        let size = zstd::zstd_safe::get_frame_content_size(stored)
            .ok()
            .flatten()
            .filter(|size| *size <= MAX_DECOMPRESSED)
            .ok_or_else(|| corrupt("no valid size in the frame"))?;
        let capacity = usize::try_from(size).map_err(|_| corrupt("too large"))?;
        zstd::bulk::decompress(stored, capacity).map_err(|err| corrupt(&err.to_string()))?
    } else {
        stored.to_vec()
    };
    String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_json_decodes_to_the_same_text() {
        let json = format!(r#"{{"message":"{}","tags":[["a","b"]]}}"#, "boom ".repeat(500));
        let data = EventData::from_json(&json);
        assert!(data.as_bytes().starts_with(&ZSTD_MAGIC));
        assert!(data.as_bytes().len() < json.len() / 10, "{} bytes", data.as_bytes().len());
        assert_eq!(data.to_json().expect("decodes"), json);
    }

    #[test]
    fn rows_from_before_compression_are_read_as_text() {
        assert_eq!(decode(br#"{"event_id":"x"}"#).expect("text"), r#"{"event_id":"x"}"#);
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_a_panic() {
        let mut damaged = EventData::from_json(&"x".repeat(1000)).as_bytes().to_vec();
        damaged.truncate(damaged.len() / 2);
        assert!(matches!(decode(&damaged), Err(StoreError::Corrupt(_))));
        assert!(matches!(decode(&ZSTD_MAGIC), Err(StoreError::Corrupt(_))));
        assert!(matches!(decode(&[0xff, 0xfe]), Err(StoreError::Corrupt(_))));
    }
}
