//! An event's normalized JSON as the database keeps it: compressed with zstd, with a dictionary
//! of the project's recent events once it has some.
//!
//! Why: the JSON of a typical error event (exception, frames, breadcrumbs, contexts) is 6–7 KB,
//! more than a 4 KB SQLite page, so each event's row took a page and an overflow page, and every
//! page a commit changes is written twice (to the WAL, then by the checkpoint into the file).
//! zstd at level 1 makes it about a fifth of that (1.3 KB for `ingest_bench`'s event), so rows
//! share pages: the database is about a quarter of its size, and the WAL and the checkpoint
//! write fewer pages per event.
//! Most of what is left is what every event of an application repeats: the protocol's keys, the
//! SDK, the same frames, breadcrumbs and contexts. Once a project has events, the store
//! compresses its new ones against a dictionary of recent ones ([`EventDictionary`]): zstd finds
//! those repeats in it, so a frame is a fraction of the size again (140 bytes instead of 1,300
//! for `ingest_bench`'s events), and compressing is several times faster.
//! Ingestion compresses on the runtime's workers, in parallel, never on the writer's thread.
//!
//! A row compressed with a dictionary starts with a zstd *skippable frame* that names it (zstd's
//! own frames can only name dictionaries in zstd's trained format, and a trainer's tables are
//! about 15 MB that glibc keeps after training), then the frame compressed with it. Rows written
//! before compression hold the JSON as text, rows written before the first dictionary a frame
//! alone; [`decode`] reads all of them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock, RwLock};

use zstd::dict::{DecoderDictionary, EncoderDictionary};

use super::{StoreError, StoreResult};

/// The compression level: level 1 takes 8 µs for `ingest_bench`'s 6.6 KB event and leaves a
/// fifth of it; higher levels gain a few percent for two to five times the time.
const LEVEL: i32 = 1;

/// A dictionary holds at most this much JSON; each is kept indexed for compression and for
/// decompression. `ingest_bench`'s events compressed as well against one event (6.6 KB) as
/// against five.
pub const DICTIONARY_SIZE: usize = 32 * 1024;

/// zstd frames begin with these bytes; JSON text begins with `{`.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
/// A zstd skippable frame whose 8 bytes of content are a dictionary's id (little-endian): the
/// magic number 0x184D2A50, then the content's length. zstd's decoders skip such frames.
const DICTIONARY_FRAME: [u8; 8] = [0x50, 0x2A, 0x4D, 0x18, 8, 0, 0, 0];
/// The skippable frame and the id in it.
pub const DICTIONARY_HEADER: usize = DICTIONARY_FRAME.len() + 8;

/// No stored event is larger than this when decompressed (ingestion's limits are far below it);
/// a larger size in a frame's header means the row is damaged.
const MAX_DECOMPRESSED: u64 = 64 * 1024 * 1024;

thread_local! {
    /// One compression context per thread: creating one allocates about a megabyte.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    /// One per thread for compressing with a dictionary, with the id of the one it points at.
    static DICTIONARY_COMPRESSOR: RefCell<Option<(i64, zstd::bulk::Compressor<'static>)>> =
        const { RefCell::new(None) };
}

/// The dictionaries that rows can name, by id, ready for decompression: every dictionary of
/// every store opened in this process (see [`register`]). Ids are taken from the dictionaries'
/// content, so two stores' dictionaries never share one.
static DECODERS: LazyLock<RwLock<HashMap<i64, Arc<DecoderDictionary<'static>>>>> =
    LazyLock::new(Default::default);

/// The stored form of an event's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventData(Vec<u8>);

impl EventData {
    /// Compresses `json` for storage, without a dictionary: for tools that write rows
    /// themselves. Should compression fail (it does not for valid input), the JSON is kept as
    /// it is, which [`decode`] reads just as well.
    pub fn from_json(json: &str) -> Self {
        EventData(compress_plain(json.as_bytes()).unwrap_or_else(|| json.as_bytes().to_vec()))
    }

    /// The JSON as it is, to be compressed by the store on its way in ([`EventData::compress`]),
    /// with the dictionary of its project.
    pub fn uncompressed(json: String) -> Self {
        EventData(json.into_bytes())
    }

    /// Data as a row holds it.
    pub fn from_stored(bytes: Vec<u8>) -> Self {
        EventData(bytes)
    }

    /// Whether the data is compressed rather than JSON text.
    pub fn is_compressed(&self) -> bool {
        self.0.starts_with(&ZSTD_MAGIC) || self.0.starts_with(&DICTIONARY_FRAME)
    }

    /// Compresses JSON text, with `dictionary` if there is one; data already compressed stays
    /// as it is. Should compression fail, the text is kept, which [`decode`] reads as well.
    pub fn compress(&mut self, dictionary: Option<&EventDictionary>) {
        if self.is_compressed() {
            return;
        }
        let Some(dictionary) = dictionary else {
            if let Some(compressed) = compress_plain(&self.0) {
                self.0 = compressed;
            }
            return;
        };
        let compressed = DICTIONARY_COMPRESSOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            match &mut *cell {
                Some((id, _)) if *id == dictionary.id() => {}
                Some((id, compressor)) => {
                    if compressor.set_prepared_dictionary(dictionary.encoder()).is_err() {
                        // Which dictionary the context points at is unknown now: start over.
                        *cell = None;
                        return None;
                    }
                    *id = dictionary.id();
                }
                None => {
                    let compressor =
                        zstd::bulk::Compressor::with_prepared_dictionary(dictionary.encoder())
                            .ok()?;
                    *cell = Some((dictionary.id(), compressor));
                }
            }
            let (_, compressor) = cell.as_mut()?;
            let frame = compressor.compress(&self.0).ok()?;
            let mut stored = Vec::with_capacity(DICTIONARY_HEADER + frame.len());
            stored.extend_from_slice(&dictionary_header(dictionary.id()));
            stored.extend_from_slice(&frame);
            Some(stored)
        });
        if let Some(compressed) = compressed {
            self.0 = compressed;
        }
    }

    /// Compresses the data again, with `dictionary` or without one: for rows that name a
    /// dictionary about to be deleted. Text stays text.
    pub fn recompress(&mut self, dictionary: Option<&EventDictionary>) -> StoreResult<()> {
        if self.is_compressed() {
            *self = EventData::uncompressed(decode(&self.0)?);
            self.compress(dictionary);
        }
        Ok(())
    }

    /// The id of the dictionary the data is compressed with, if any.
    pub fn dictionary(&self) -> Option<i64> {
        named_dictionary(&self.0)
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

/// `json` compressed without a dictionary, with this thread's context.
fn compress_plain(json: &[u8]) -> Option<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = zstd::bulk::Compressor::new(LEVEL).ok();
        }
        cell.as_mut().and_then(|compressor| compressor.compress(json).ok())
    })
}

/// A dictionary for a project's events: recent events' JSON, one after the other, which zstd
/// uses as if each event it compresses came after them (a "raw content" dictionary).
#[derive(Clone)]
pub struct EventDictionary(Arc<Dictionary>);

struct Dictionary {
    id: i64,
    bytes: Box<[u8]>,
    /// The dictionary indexed for compression, made the first time it compresses. Leaked on
    /// purpose: every runtime worker keeps one compression context and points it at the
    /// dictionary of each event's project (a pointer, not a copy), which needs the dictionary
    /// to outlive the thread's context. Dictionaries are few (one per project per million
    /// events) and, like [`DECODERS`], kept for the life of the process.
    encoder: OnceLock<&'static EncoderDictionary<'static>>,
}

impl EventDictionary {
    /// A dictionary of events' JSON, newest last (zstd reaches the end of a dictionary
    /// cheapest), at most [`DICTIONARY_SIZE`] bytes: the newest events that fit. `None` if not
    /// one does.
    pub fn from_events<'a>(newest_first: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut chosen = Vec::new();
        let mut size = 0;
        for json in newest_first {
            if size + json.len() > DICTIONARY_SIZE {
                continue;
            }
            size += json.len();
            chosen.push(json);
        }
        let bytes: String = chosen.into_iter().rev().collect();
        (!bytes.is_empty()).then(|| EventDictionary::from_stored(bytes.as_bytes()))
    }

    /// A dictionary as it was stored.
    pub fn from_stored(bytes: &[u8]) -> Self {
        EventDictionary(Arc::new(Dictionary {
            id: content_id(bytes),
            bytes: bytes.into(),
            encoder: OnceLock::new(),
        }))
    }

    /// The same dictionary with a newline at its end: as good for compression, another id.
    pub fn padded(&self) -> Self {
        let mut bytes = self.as_bytes().to_vec();
        bytes.push(b'\n');
        EventDictionary::from_stored(&bytes)
    }

    /// The id rows compressed with this dictionary name it by: from its content.
    pub fn id(&self) -> i64 {
        self.0.id
    }

    /// The dictionary's bytes, to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0.bytes
    }

    fn encoder(&self) -> &'static EncoderDictionary<'static> {
        self.0
            .encoder
            .get_or_init(|| Box::leak(Box::new(EncoderDictionary::copy(&self.0.bytes, LEVEL))))
    }
}

impl PartialEq for EventDictionary {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id && self.0.bytes == other.0.bytes
    }
}

impl Eq for EventDictionary {}

impl std::fmt::Debug for EventDictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventDictionary")
            .field("id", &self.0.id)
            .field("bytes", &self.0.bytes.len())
            .finish()
    }
}

/// The first 8 bytes of the content's SHA-256, as a signed number (SQLite's integers are).
fn content_id(bytes: &[u8]) -> i64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut id = [0; 8];
    id.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(id)
}

/// Makes frames compressed with `dictionary` readable by [`decode`]. A store registers each of
/// its dictionaries when it opens the database and before it compresses with a new one.
pub fn register(dictionary: &EventDictionary) {
    let mut decoders = DECODERS.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    decoders
        .entry(dictionary.id())
        .or_insert_with(|| Arc::new(DecoderDictionary::copy(dictionary.as_bytes())));
}

/// Forgets a dictionary that no row names any more (it was deleted from the database).
pub fn unregister(id: i64) {
    DECODERS.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
}

/// The first bytes of every row compressed with dictionary `id`: the skippable frame naming it.
pub fn dictionary_header(id: i64) -> [u8; DICTIONARY_HEADER] {
    let mut header = [0; DICTIONARY_HEADER];
    header[..DICTIONARY_FRAME.len()].copy_from_slice(&DICTIONARY_FRAME);
    header[DICTIONARY_FRAME.len()..].copy_from_slice(&id.to_le_bytes());
    header
}

/// The id of the dictionary a stored `events.data` value names, if it names one.
pub fn named_dictionary(stored: &[u8]) -> Option<i64> {
    let id = stored.strip_prefix(&DICTIONARY_FRAME)?.first_chunk()?;
    Some(i64::from_le_bytes(*id))
}

/// The JSON of a stored `events.data` value: a zstd frame, with or without a dictionary's
/// skippable frame before it, or text from before compression.
pub fn decode(stored: &[u8]) -> StoreResult<String> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("stored event data: {what}"));
    let (dictionary, frame) = match stored.strip_prefix(&DICTIONARY_FRAME) {
        Some(rest) => {
            let (id, frame) = rest.split_first_chunk::<8>().ok_or_else(|| corrupt("no id"))?;
            let id = i64::from_le_bytes(*id);
            let dictionary = DECODERS
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&id)
                .cloned()
                .ok_or_else(|| corrupt(&format!("dictionary {id} is not in the database")))?;
            (Some(dictionary), frame)
        }
        None => (None, stored),
    };
    let bytes = if frame.starts_with(&ZSTD_MAGIC) {
        let size = zstd::zstd_safe::get_frame_content_size(frame)
            .ok()
            .flatten()
            .filter(|size| *size <= MAX_DECOMPRESSED)
            .ok_or_else(|| corrupt("no valid size in the frame"))?;
        let capacity = usize::try_from(size).map_err(|_| corrupt("too large"))?;
        match dictionary {
            None => zstd::bulk::decompress(frame, capacity),
            Some(dictionary) => zstd::bulk::Decompressor::with_prepared_dictionary(&dictionary)
                .and_then(|mut decompressor| decompressor.decompress(frame, capacity)),
        }
        .map_err(|err| corrupt(&err.to_string()))?
    } else if dictionary.is_some() {
        return Err(corrupt("no zstd frame after the dictionary's"));
    } else {
        frame.to_vec()
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

    /// Events that share most of their text, as one application's do.
    fn similar_events(count: usize) -> Vec<String> {
        (0..count)
            .map(|n| {
                format!(
                    r#"{{"event_id":"{n:032x}","platform":"python","exception":{{"values":[{{"type":"OrderError{}","value":"order {n} failed","stacktrace":{{"frames":[{{"filename":"app/orders.py","function":"process","lineno":{n}}}]}}}}]}},"sdk":{{"name":"sentry.python","version":"2.19.0"}}}}"#,
                    n % 7
                )
            })
            .collect()
    }

    #[test]
    fn a_dictionary_of_similar_events_compresses_further_and_rows_name_it() {
        let events = similar_events(1001);
        let dictionary =
            EventDictionary::from_events(events[..1000].iter().rev().map(String::as_str))
                .expect("a dictionary");
        assert!(dictionary.as_bytes().len() <= DICTIONARY_SIZE);
        // The newest events that fit, newest last.
        assert!(std::str::from_utf8(dictionary.as_bytes()).expect("JSON").ends_with(&events[999]));
        register(&dictionary);
        let json = events[1000].clone();
        let without = EventData::from_json(&json);
        let mut with = EventData::uncompressed(json.clone());
        assert!(!with.is_compressed());
        with.compress(Some(&dictionary));
        assert!(with.is_compressed());
        assert_eq!(named_dictionary(with.as_bytes()), Some(dictionary.id()));
        assert!(
            with.as_bytes().len() * 2 < without.as_bytes().len(),
            "{} bytes with the dictionary, {} without",
            with.as_bytes().len(),
            without.as_bytes().len()
        );
        assert_eq!(with.to_json().expect("decodes"), json);
        // Compressing twice changes nothing.
        let before = with.clone();
        with.compress(Some(&dictionary));
        assert_eq!(with, before);
        // A dictionary read back from its stored bytes is the same dictionary.
        assert_eq!(EventDictionary::from_stored(dictionary.as_bytes()), dictionary);
    }

    #[test]
    fn without_a_dictionary_the_store_compresses_as_before() {
        let json = r#"{"message":"hello hello hello hello hello hello"}"#.to_owned();
        let mut data = EventData::uncompressed(json.clone());
        data.compress(None);
        assert_eq!(data, EventData::from_json(&json));
        assert_eq!(named_dictionary(data.as_bytes()), None);
    }

    #[test]
    fn a_frame_naming_an_unknown_dictionary_is_an_error_not_a_panic() {
        // Used, never registered: as if its row were missing from the database.
        let events = similar_events(3);
        let dictionary =
            EventDictionary::from_events(events.iter().map(String::as_str)).expect("dictionary");
        let mut data = EventData::uncompressed(r#"{"event_id":"1"}"#.to_owned());
        data.compress(Some(&dictionary));
        let Err(StoreError::Corrupt(message)) = decode(data.as_bytes()) else {
            panic!("decoded without its dictionary");
        };
        assert!(message.contains(&dictionary.id().to_string()), "{message}");
    }

    /// One thread's context switches between projects' dictionaries; each row reads back with
    /// the one it names.
    #[test]
    fn a_thread_compresses_with_one_dictionary_after_another() {
        let python =
            EventDictionary::from_stored(br#"{"platform":"python","sdk":"sentry.python"}"#);
        let node =
            EventDictionary::from_stored(br#"{"platform":"node","sdk":"sentry.javascript.node"}"#);
        register(&python);
        register(&node);
        for (dictionary, json) in [
            (&python, r#"{"platform":"python","sdk":"sentry.python","n":1}"#),
            (&node, r#"{"platform":"node","sdk":"sentry.javascript.node","n":2}"#),
            (&python, r#"{"platform":"python","sdk":"sentry.python","n":3}"#),
        ] {
            let mut data = EventData::uncompressed(json.to_owned());
            data.compress(Some(dictionary));
            assert_eq!(named_dictionary(data.as_bytes()), Some(dictionary.id()));
            assert_eq!(data.to_json().expect("decodes"), json);
        }
    }

    #[test]
    fn a_dictionary_takes_the_newest_events_that_fit() {
        let big = format!(r#"{{"padding":"{}"}}"#, "x".repeat(DICTIONARY_SIZE));
        assert_eq!(EventDictionary::from_events([big.as_str()]), None);
        let dictionary = EventDictionary::from_events(["{\"n\":2}", big.as_str(), "{\"n\":1}"])
            .expect("a dictionary");
        assert_eq!(dictionary.as_bytes(), b"{\"n\":1}{\"n\":2}");
        // Ids follow the content.
        assert_eq!(dictionary.id(), EventDictionary::from_stored(b"{\"n\":1}{\"n\":2}").id());
        assert_ne!(dictionary.id(), EventDictionary::from_stored(b"{\"n\":2}").id());
    }

    #[test]
    fn a_damaged_dictionary_row_is_an_error_not_a_panic() {
        let dictionary = EventDictionary::from_stored(b"{\"message\":\"hello\"}");
        register(&dictionary);
        let mut data = EventData::uncompressed(r#"{"message":"hello again"}"#.to_owned());
        data.compress(Some(&dictionary));
        let bytes = data.as_bytes();
        for cut in [DICTIONARY_FRAME.len() + 3, DICTIONARY_HEADER, DICTIONARY_HEADER + 5] {
            assert!(matches!(decode(&bytes[..cut]), Err(StoreError::Corrupt(_))), "{cut}");
        }
        let mut text_after = bytes[..DICTIONARY_HEADER].to_vec();
        text_after.extend_from_slice(b"{}");
        assert!(matches!(decode(&text_after), Err(StoreError::Corrupt(_))));
        assert_eq!(decode(bytes).expect("whole"), r#"{"message":"hello again"}"#);
    }

    #[test]
    fn a_row_compressed_again_without_its_dictionary_reads_the_same() {
        // Content of its own: tests run in parallel, and dictionaries are registered by content.
        let mut events = similar_events(4);
        events.push(r#"{"test":"compressed again"}"#.to_owned());
        let dictionary =
            EventDictionary::from_events(events.iter().map(String::as_str)).expect("a dictionary");
        register(&dictionary);
        let json = similar_events(5).pop().expect("an event");
        let mut data = EventData::uncompressed(json.clone());
        data.compress(Some(&dictionary));
        assert_eq!(data.dictionary(), Some(dictionary.id()));
        assert!(data.as_bytes().starts_with(&dictionary_header(dictionary.id())));
        data.recompress(None).expect("decodes");
        assert_eq!(data.dictionary(), None);
        assert!(data.is_compressed());
        // Readable without the dictionary.
        unregister(dictionary.id());
        assert_eq!(data.to_json().expect("decodes"), json);
        let mut text = EventData::uncompressed(json.clone());
        text.recompress(None).expect("text stays");
        assert_eq!(text.as_bytes(), json.as_bytes());
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
