//! The fuzz corpus (`fuzz/corpus/`), replayed on every `cargo test`: each real SDK payload is
//! parsed and normalized as is, then cut short and corrupted in deterministic ways, which must
//! give an error or an event, never a panic. A cheap, always-on cousin of `cargo fuzz`.

use std::path::{Path, PathBuf};

use super::envelope::{self, ItemType};
use super::event::{self, EventContext};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let bytes = std::fs::read(&path).expect("corpus file");
            (path, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
}

fn ctx() -> EventContext<'static> {
    EventContext::with_defaults(1, 1_700_000_000_000)
}

/// Deterministic variants of `bytes`: cut at `cuts` places, and single bytes replaced by
/// framing and JSON metacharacters at `flips` places.
fn variants(bytes: &[u8], cuts: usize, flips: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let step = |n: usize| (bytes.len() / n.max(1)).max(1);
    for at in (0..bytes.len()).step_by(step(cuts)) {
        out.push(bytes[..at].to_vec());
    }
    for (i, at) in (0..bytes.len()).step_by(step(flips)).enumerate() {
        let mut flipped = bytes.to_vec();
        flipped[at] = b"\n{}\"\\:,[]0\xff"[i % 11];
        out.push(flipped);
    }
    out
}

#[test]
fn envelope_corpus_frames_and_its_events_normalize() {
    for (path, bytes) in corpus("envelope") {
        let envelope =
            envelope::parse(&bytes).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert!(!envelope.items.is_empty(), "{}", path.display());
        for item in envelope.items.iter().filter(|i| i.ty == ItemType::Event) {
            event::process(item.payload, &ctx())
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        }
    }
}

#[test]
fn normalize_corpus_becomes_events() {
    for (path, bytes) in corpus("normalize") {
        let event = event::process(&bytes, &ctx())
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert!(!event.hashes.is_empty(), "{}", path.display());
        assert!(event::stored_json(&event).is_object());
    }
}

/// The grouping information of a stored event (what the API explains) gives the hashes the
/// event was grouped by: grouping again the event as stored changes nothing.
#[test]
fn normalize_corpus_grouping_information_explains_the_stored_hashes() {
    let config = super::grouping::no_project_rules();
    for (path, bytes) in corpus("normalize") {
        let event = event::process(&bytes, &ctx())
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let serde_json::Value::Object(stored) = event::stored_json(&event) else {
            panic!("{}: the stored event is no object", path.display());
        };
        let mut explained: Vec<String> = Vec::new();
        let variants = super::grouping::explain(&stored, config);
        for hash in variants.iter().filter(|v| v.contributes).filter_map(|v| v.hash.clone()) {
            if !explained.contains(&hash) {
                explained.push(hash);
            }
        }
        assert_eq!(explained, event.hashes, "{}", path.display());
    }
}

#[test]
fn cut_and_corrupted_envelopes_never_panic() {
    for (_, bytes) in corpus("envelope") {
        for variant in variants(&bytes, 2_000, 500) {
            if let Ok(envelope) = envelope::parse(&variant) {
                for item in &envelope.items {
                    assert!(item.payload.len() <= variant.len());
                    if item.ty == ItemType::Event {
                        let _ = event::process(item.payload, &ctx());
                    }
                }
            }
            let _ = envelope::parse_headers_only(&variant);
        }
    }
}

#[test]
fn cut_and_corrupted_events_never_panic() {
    for (_, bytes) in corpus("normalize") {
        for variant in variants(&bytes, 150, 150) {
            if let Ok(event) = event::process(&variant, &ctx()) {
                assert!(event::stored_json(&event).is_object());
            }
        }
    }
}
