//! Similar issues (Sentry's *Similar Issues* tab): issues of a project that grouping kept
//! apart but that look like the same problem, so that a team can merge them.
//!
//! The features are those of Sentry's first similarity index (`sentry.similarity`), taken from
//! an issue's latest event:
//! - `exception:message:character-shingles`: every run of five characters of the
//!   exceptions' values;
//! - `exception:stacktrace:application-chunks`: each block of consecutive in-app frames;
//! - `exception:stacktrace:pairs`: each pair of neighbouring frames;
//! - `message:message:character-shingles`: every run of five characters of the message.
//!
//! A frame stands for its function (or, for a lambda, its lines of source) and its module or
//! file name; a stack trace with a frame that has neither module nor file name gives no
//! stack-trace features, as in Sentry. Sentry compares MinHash signatures of the sets; Cairn
//! compares the sets of their elements' hashes themselves (the Jaccard index: shared elements
//! over all elements), which that signature estimates, keeping at most [`MAX_ELEMENTS`] of the
//! smallest hashes of a set.
//!
//! The features of the issues compared with are kept in the `issue_similarity` table
//! ([`Features::encode`]), made the first time they are needed from the latest event
//! and forgotten when the events change by a merge or an unmerge.

use cairn_types::api::SimilarityScores;
use serde_json::{Map, Value};

use crate::ingest::event::{frames, message_text};

/// Characters in a shingle of text (Sentry's `text_shingle(5, ...)`).
const SHINGLE: usize = 5;
/// Most elements kept of one feature's set: the smallest hashes, so that two large sets keep
/// comparable samples.
pub const MAX_ELEMENTS: usize = 512;
/// The first byte of an encoded [`Features`]: a stored value of another version is made again.
const ENCODING_VERSION: u8 = 1;

/// The feature sets of one issue, each sorted hashes without repeats; `None` when the issue's
/// event has no such feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    pub exception_message: Option<Vec<u64>>,
    pub application_chunks: Option<Vec<u64>>,
    pub stacktrace_pairs: Option<Vec<u64>>,
    pub message: Option<Vec<u64>>,
}

impl Features {
    /// The features of a stored event.
    pub fn of_event(event: &Map<String, Value>) -> Self {
        let exceptions: Vec<&Map<String, Value>> = event
            .get("exception")
            .and_then(|e| e.get("values"))
            .and_then(Value::as_array)
            .map(|values| values.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default();
        let mut features = Features::default();
        if !exceptions.is_empty() {
            let mut message = Vec::new();
            let mut chunks = Vec::new();
            let mut pairs = Vec::new();
            let mut any_stacktrace = false;
            for exception in &exceptions {
                if let Some(value) = exception.get("value").and_then(Value::as_str) {
                    shingles(value, &mut message);
                }
                let Some(encoded) = encoded_frames(frames(exception)) else { continue };
                any_stacktrace = true;
                pairs.extend(encoded.windows(2).map(|pair| hash_parts(&[&pair[0], &pair[1]])));
                application_chunks(frames(exception), &encoded, &mut chunks);
            }
            features.exception_message = finished(message);
            if any_stacktrace {
                features.application_chunks = finished(chunks);
                features.stacktrace_pairs = finished(pairs);
            }
        }
        if let Some(text) = message_text(event) {
            let mut message = Vec::new();
            shingles(&text, &mut message);
            features.message = finished(message);
        }
        features
    }

    /// How much `other` looks like these features: each feature's Jaccard index, `None`
    /// where either lacks it.
    pub fn compare(&self, other: &Features) -> SimilarityScores {
        let score = |a: &Option<Vec<u64>>, b: &Option<Vec<u64>>| match (a, b) {
            (Some(a), Some(b)) => Some(jaccard(a, b)),
            _ => None,
        };
        SimilarityScores {
            exception_message: score(&self.exception_message, &other.exception_message),
            application_chunks: score(&self.application_chunks, &other.application_chunks),
            stacktrace_pairs: score(&self.stacktrace_pairs, &other.stacktrace_pairs),
            message: score(&self.message, &other.message),
        }
    }

    /// The stored form: a version byte, then per feature a byte (0 absent, 1 present) and,
    /// when present, the count (u32) and the hashes (u64), little-endian.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![ENCODING_VERSION];
        for feature in self.all() {
            match feature {
                None => out.push(0),
                Some(hashes) => {
                    out.push(1);
                    let count = u32::try_from(hashes.len()).unwrap_or(u32::MAX);
                    out.extend_from_slice(&count.to_le_bytes());
                    for hash in hashes.iter().take(count as usize) {
                        out.extend_from_slice(&hash.to_le_bytes());
                    }
                }
            }
        }
        out
    }

    /// Reads what [`Features::encode`] wrote; `None` for another version or damaged bytes,
    /// which the caller then makes again from the event.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&version, mut rest) = bytes.split_first()?;
        if version != ENCODING_VERSION {
            return None;
        }
        let mut next = || -> Option<Option<Vec<u64>>> {
            let (&present, after) = rest.split_first()?;
            rest = after;
            if present == 0 {
                return Some(None);
            }
            let (count, after) = rest.split_first_chunk::<4>()?;
            let count = u32::from_le_bytes(*count) as usize;
            let size = count.checked_mul(8)?;
            if after.len() < size {
                return None;
            }
            let (hashes, after) = after.split_at(size);
            rest = after;
            Some(Some(
                hashes
                    .chunks_exact(8)
                    .filter_map(|chunk| chunk.try_into().ok().map(u64::from_le_bytes))
                    .collect(),
            ))
        };
        let features = Features {
            exception_message: next()?,
            application_chunks: next()?,
            stacktrace_pairs: next()?,
            message: next()?,
        };
        rest.is_empty().then_some(features)
    }

    fn all(&self) -> [&Option<Vec<u64>>; 4] {
        [&self.exception_message, &self.application_chunks, &self.stacktrace_pairs, &self.message]
    }
}

/// A set's elements as they are kept: sorted, without repeats, the smallest [`MAX_ELEMENTS`];
/// `None` for an empty set (an empty message has no feature to compare).
fn finished(mut hashes: Vec<u64>) -> Option<Vec<u64>> {
    hashes.sort_unstable();
    hashes.dedup();
    hashes.truncate(MAX_ELEMENTS);
    (!hashes.is_empty()).then_some(hashes)
}

/// Shared elements over all elements of two sorted sets without repeats.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let all = a.len() + b.len() - shared;
    if all == 0 {
        return 0.0;
    }
    shared as f64 / all as f64
}

/// Adds the hash of every run of [`SHINGLE`] characters of `text` (the whole text when it is
/// shorter, as Python's `shingle` yields nothing then and Sentry's feature is empty: a short
/// text still says something here).
fn shingles(text: &str, into: &mut Vec<u64>) {
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    if starts.len() < SHINGLE {
        if !text.is_empty() {
            into.push(hash_parts(&[text]));
        }
        return;
    }
    for (n, &start) in starts.iter().enumerate().take(starts.len() + 1 - SHINGLE) {
        let end = starts.get(n + SHINGLE).copied().unwrap_or(text.len());
        into.push(hash_parts(&[&text[start..end]]));
    }
}

/// Each frame as Sentry's similarity encodes it (`get_frame_attributes`): its function, or
/// for a lambda or a frame without one its lines of source around the call; then its module,
/// else its file name. `None` when a frame has neither module nor file name, or a lambda no
/// source line: Sentry then leaves out the stack trace's features.
fn encoded_frames(frames: &[Value]) -> Option<Vec<String>> {
    if frames.is_empty() {
        return None;
    }
    frames
        .iter()
        .map(|frame| {
            let field =
                |key: &str| frame.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
            let mut encoded = match field("function").filter(|f| *f != "<lambda>") {
                Some(function) => format!("f\u{1f}{function}"),
                None => {
                    let context = field("context_line")?;
                    let lines = |key: &str| -> Vec<&str> {
                        frame
                            .get(key)
                            .and_then(Value::as_array)
                            .map(|lines| lines.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default()
                    };
                    let pre = lines("pre_context");
                    let post = lines("post_context");
                    let pre = &pre[pre.len().saturating_sub(5)..];
                    let post = &post[..post.len().min(5)];
                    let mut signature = String::from("s");
                    for line in pre.iter().chain([&context]).chain(post) {
                        signature.push('\u{1f}');
                        signature.push_str(line);
                    }
                    signature
                }
            };
            let place = field("module")
                .map(|m| ("m", m))
                .or_else(|| field("filename").map(|f| ("p", f)))?;
            encoded.push('\u{1e}');
            encoded.push_str(place.0);
            encoded.push('\u{1f}');
            encoded.push_str(place.1);
            Some(encoded)
        })
        .collect()
}

/// Adds each block of consecutive in-app frames (Sentry's `get_application_chunks`) as one
/// element.
fn application_chunks(frames: &[Value], encoded: &[String], into: &mut Vec<u64>) {
    let mut chunk: Vec<&str> = Vec::new();
    for (frame, encoded) in frames.iter().zip(encoded) {
        if frame.get("in_app").and_then(Value::as_bool) == Some(true) {
            chunk.push(encoded);
        } else if !chunk.is_empty() {
            into.push(hash_parts(&chunk));
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        into.push(hash_parts(&chunk));
    }
}

/// FNV-1a of the parts with a separator between them: stable from one build to the next, as
/// the stored features outlive the process.
fn hash_parts(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0x1d;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        for &byte in part.as_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(value: serde_json::Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn python_error(message: &str, functions: &[&str]) -> Map<String, Value> {
        let frames: Vec<Value> = functions
            .iter()
            .map(|f| json!({"function": f, "module": "app.views", "in_app": true}))
            .collect();
        event(json!({"exception": {"values": [
            {"type": "ValueError", "value": message, "stacktrace": {"frames": frames}}
        ]}}))
    }

    #[test]
    fn the_same_error_elsewhere_scores_high_and_another_error_low() {
        let one = Features::of_event(&python_error(
            "invalid literal for int() with base 10: 'abc'",
            &["main", "handle", "parse"],
        ));
        let moved = Features::of_event(&python_error(
            "invalid literal for int() with base 10: 'xyz'",
            &["main", "handle", "parse_again"],
        ));
        let other = Features::of_event(&python_error("connection refused", &["worker", "connect"]));
        let close = one.compare(&moved);
        let far = one.compare(&other);
        assert!(close.exception_message.unwrap_or_default() > 0.7, "{close:?}");
        // main→handle is shared, handle→parse is not.
        assert_eq!(close.stacktrace_pairs, Some(1.0 / 3.0));
        // One block of in-app frames each, and they differ.
        assert_eq!(close.application_chunks, Some(0.0));
        assert_eq!(close.message, None, "no message on either");
        assert_eq!(far.exception_message, Some(0.0));
        assert_eq!(far.stacktrace_pairs, Some(0.0));
        assert!(close.overall() > far.overall());
        assert_eq!(one.compare(&one).overall(), Some(1.0));
    }

    #[test]
    fn application_chunks_are_runs_of_in_app_frames() {
        let frames = json!([
            {"function": "a", "module": "m", "in_app": true},
            {"function": "b", "module": "m", "in_app": true},
            {"function": "lib", "module": "lib", "in_app": false},
            {"function": "c", "module": "m", "in_app": true},
        ]);
        let features = Features::of_event(&event(json!({"exception": {"values": [
            {"type": "E", "value": "boom", "stacktrace": {"frames": frames}}
        ]}})));
        assert_eq!(features.application_chunks.as_ref().map(Vec::len), Some(2));
        assert_eq!(features.stacktrace_pairs.as_ref().map(Vec::len), Some(3));
    }

    #[test]
    fn a_frame_without_module_or_file_leaves_out_the_stack_trace() {
        let features = Features::of_event(&event(json!({"exception": {"values": [
            {"type": "E", "value": "boom", "stacktrace": {"frames": [
                {"function": "a", "filename": "a.py"}, {"function": "b"}
            ]}}
        ]}})));
        assert!(features.exception_message.is_some());
        assert_eq!(features.stacktrace_pairs, None);
        assert_eq!(features.application_chunks, None);
    }

    #[test]
    fn lambdas_stand_for_their_source_lines() {
        let lambda = |line: &str| {
            Features::of_event(&event(json!({"exception": {"values": [
                {"type": "E", "value": "boom", "stacktrace": {"frames": [
                    {"function": "main", "module": "m"},
                    {"function": "<lambda>", "module": "m", "context_line": line}
                ]}}
            ]}})))
        };
        assert_eq!(lambda("x = 1").compare(&lambda("x = 1")).stacktrace_pairs, Some(1.0));
        assert_eq!(lambda("x = 1").compare(&lambda("y = 2")).stacktrace_pairs, Some(0.0));
    }

    #[test]
    fn messages_are_compared_by_their_text() {
        let message =
            |text: &str| Features::of_event(&event(json!({"logentry": {"formatted": text}})));
        let scores = message("disk /var is 91% full").compare(&message("disk /var is 95% full"));
        assert!(scores.message.unwrap_or_default() > 0.5, "{scores:?}");
        assert_eq!(scores.exception(), None);
        assert_eq!(message("ok").compare(&message("ok")).message, Some(1.0));
        assert_eq!(message("").message, None);
    }

    #[test]
    fn large_sets_keep_their_smallest_hashes() {
        let text: String = (0..5000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
        let long: String = (0..2000).map(|i| format!("{i} ")).collect();
        let features = Features::of_event(&event(json!({"logentry": {"formatted": long}})));
        assert_eq!(features.message.as_ref().map(Vec::len), Some(MAX_ELEMENTS));
        let features = Features::of_event(&event(json!({"logentry": {"formatted": text}})));
        assert!(features.message.as_ref().is_some_and(|m| m.len() <= MAX_ELEMENTS));
    }

    #[test]
    fn stored_features_read_back_and_damaged_ones_do_not() {
        let features = Features::of_event(&python_error("boom é", &["a", "b"]));
        let bytes = features.encode();
        assert_eq!(Features::decode(&bytes), Some(features));
        assert_eq!(Features::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Features::decode(&[]), None);
        assert_eq!(Features::decode(&[9, 0, 0, 0, 0]), None, "another version");
        let empty = Features::default();
        assert_eq!(Features::decode(&empty.encode()), Some(empty));
    }
}
