//! A byte-level parser for Sentry envelopes, with Relay's framing rules.
//!
//! ```text
//! Envelope = Headers { "\n" Item } [ "\n" ] ;
//! Item     = Headers "\n" Payload ;
//! ```
//! Headers are one line of JSON. An item's payload is `length` bytes when the header says so,
//! else it runs to the next `\n` (or the end). Items of unknown types are kept as
//! [`ItemType::Unknown`] so that one new item type never makes the whole envelope fail.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Why an envelope could not be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The body was empty.
    #[error("empty envelope")]
    Empty,
    /// A header line is not a JSON object.
    #[error("invalid header: {0}")]
    InvalidHeader(String),
    /// A header was not followed by a newline or the end.
    #[error("missing newline after header or payload")]
    MissingNewline,
    /// An item header without `type`.
    #[error("item header without a type")]
    MissingItemType,
    /// A `length` larger than what follows.
    #[error("unexpected end of payload")]
    UnexpectedEof,
    /// A `length` that is not a non-negative integer.
    #[error("invalid item length")]
    InvalidLength,
    /// More than [`MAX_ITEMS`] items.
    #[error("more than {MAX_ITEMS} items")]
    TooManyItems,
    /// Header lines (the envelope's and the items' together) of more than
    /// [`MAX_HEADERS_SIZE`] bytes.
    #[error("headers larger than {MAX_HEADERS_SIZE} bytes")]
    HeadersTooLarge,
}

/// Most items in one envelope. Relay's per-type limits add up to a few hundred (100 sessions,
/// 100 client reports, 30 attachments, one of most other types) and SDKs send a handful; items
/// of unknown types have no limit there, but each costs memory and a counted outcome here, so a
/// flood of them (a 200 MiB envelope holds fifteen million) is refused as malformed.
pub const MAX_ITEMS: usize = 10_000;

/// Most bytes of header lines in one envelope, all headers together. Headers are read into JSON
/// values, which take up to thirty times the bytes of compact JSON such as `[0,0,0,...]`: without
/// this cap a 150 KiB gzip request inflating to a 150 MiB header takes gigabytes. SDK headers
/// are a few hundred bytes to a few KiB.
pub const MAX_HEADERS_SIZE: usize = 1024 * 1024;

/// The type of an envelope item. Unknown types are kept by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemType {
    /// An error or message event.
    Event,
    /// A performance transaction.
    Transaction,
    /// A file attached to an event.
    Attachment,
    /// One session update.
    Session,
    /// Pre-aggregated sessions.
    Sessions,
    /// Legacy user feedback.
    UserReport,
    /// User feedback as an event.
    Feedback,
    /// An SDK's report of data it dropped.
    ClientReport,
    /// A cron monitor check-in.
    CheckIn,
    /// Any other type, by name.
    Unknown(String),
}

impl ItemType {
    fn parse(name: &str) -> ItemType {
        match name {
            "event" => ItemType::Event,
            "transaction" => ItemType::Transaction,
            "attachment" => ItemType::Attachment,
            "session" => ItemType::Session,
            "sessions" => ItemType::Sessions,
            "user_report" => ItemType::UserReport,
            "feedback" => ItemType::Feedback,
            "client_report" => ItemType::ClientReport,
            "check_in" => ItemType::CheckIn,
            other => ItemType::Unknown(other.to_owned()),
        }
    }
}

/// One item of an envelope; the payload borrows from the request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<'a> {
    /// The item's type.
    pub ty: ItemType,
    /// All item headers, `type` and `length` included.
    pub headers: Map<String, Value>,
    /// The payload bytes.
    pub payload: &'a [u8],
}

/// A framed envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<'a> {
    /// The envelope headers (`event_id`, `dsn`, `sent_at`, `sdk`, unknown ones kept).
    pub headers: Map<String, Value>,
    /// The items, in order.
    pub items: Vec<Item<'a>>,
}

impl Envelope<'_> {
    /// The `event_id` header, if it is a string.
    pub fn event_id(&self) -> Option<&str> {
        self.headers.get("event_id").and_then(Value::as_str)
    }

    /// The `dsn` header, if it is a string.
    pub fn dsn(&self) -> Option<&str> {
        self.headers.get("dsn").and_then(Value::as_str)
    }
}

/// Reads the first header line of an envelope only: enough to authenticate a tunnelled envelope
/// by its `dsn` before the rest is looked at.
pub fn parse_headers_only(bytes: &[u8]) -> Result<Map<String, Value>, EnvelopeError> {
    let mut budget = MAX_HEADERS_SIZE;
    read_header(bytes, 0, &mut budget).map(|(headers, _)| headers)
}

/// Frames a whole envelope.
pub fn parse(bytes: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    if bytes.is_empty() {
        return Err(EnvelopeError::Empty);
    }
    let mut header_budget = MAX_HEADERS_SIZE;
    let (headers, mut pos) = read_header(bytes, 0, &mut header_budget)?;
    let mut items = Vec::new();
    while pos < bytes.len() {
        // Blank lines (and other whitespace) before an item header are tolerated, as Relay's
        // streaming JSON reader does; whitespace up to the end means there are no more items.
        let Some(start) = bytes[pos..].iter().position(|b| !b.is_ascii_whitespace()) else {
            break;
        };
        if items.len() == MAX_ITEMS {
            return Err(EnvelopeError::TooManyItems);
        }
        let (item_headers, header_end) = read_header(bytes, pos + start, &mut header_budget)?;
        let ty = match item_headers.get("type").and_then(Value::as_str) {
            Some(name) => ItemType::parse(name),
            None => return Err(EnvelopeError::MissingItemType),
        };
        let payload_start = header_end.min(bytes.len());
        let (payload, next) = match item_headers.get("length") {
            Some(Value::Null) | None => {
                // `memchr` scans a word at a time: an implicit-length event is kilobytes.
                let end = memchr::memchr(b'\n', &bytes[payload_start..])
                    .map_or(bytes.len(), |i| payload_start + i);
                (&bytes[payload_start..end], end + 1)
            }
            Some(length) => {
                let length = length.as_u64().ok_or(EnvelopeError::InvalidLength)?;
                let length = usize::try_from(length).map_err(|_| EnvelopeError::InvalidLength)?;
                let end = payload_start.checked_add(length).ok_or(EnvelopeError::InvalidLength)?;
                if end > bytes.len() {
                    return Err(EnvelopeError::UnexpectedEof);
                }
                // A length-delimited payload must be followed by a newline or the end.
                match bytes.get(end) {
                    None | Some(b'\n') => {}
                    Some(_) => return Err(EnvelopeError::MissingNewline),
                }
                (&bytes[payload_start..end], end + 1)
            }
        };
        items.push(Item { ty, headers: item_headers, payload });
        pos = next;
    }
    Ok(Envelope { headers, items })
}

/// Reads one JSON header object starting at `pos`. Returns it and the position just past the
/// newline that must follow it (or the end of the input). The header may take at most `budget`
/// bytes, which it then uses up.
fn read_header(
    bytes: &[u8],
    pos: usize,
    budget: &mut usize,
) -> Result<(Map<String, Value>, usize), EnvelopeError> {
    // The parser only sees the budget's worth of bytes: a longer header ends early, as if cut.
    let window_end = pos.saturating_add(*budget).min(bytes.len());
    let cut = window_end < bytes.len();
    let mut stream =
        serde_json::Deserializer::from_slice(&bytes[pos..window_end]).into_iter::<Header>();
    let map = match stream.next() {
        Some(Ok(Header(map))) => map,
        Some(Err(err)) if cut && err.is_eof() => return Err(EnvelopeError::HeadersTooLarge),
        Some(Err(err)) => return Err(EnvelopeError::InvalidHeader(err.to_string())),
        None if cut => return Err(EnvelopeError::HeadersTooLarge),
        None => return Err(EnvelopeError::InvalidHeader("missing header".into())),
    };
    let consumed = stream.byte_offset();
    *budget -= consumed;
    let end = pos + consumed;
    match bytes.get(end) {
        None => Ok((map, end)),
        Some(b'\n') => Ok((map, end + 1)),
        Some(_) => Err(EnvelopeError::MissingNewline),
    }
}

/// Header fields Relay reads into typed structs, where a second occurrence is an error (Sentry
/// rejects an envelope with two `sent_at`, for one). Unknown fields may repeat; the last wins.
const KNOWN_HEADER_FIELDS: &[&str] =
    &["event_id", "dsn", "sdk", "sent_at", "trace", "type", "length", "filename", "content_type"];

/// A header line: a JSON object whose known fields appear at most once.
struct Header(Map<String, Value>);

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;

        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = Header;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Header, A::Error> {
                let mut map = Map::new();
                while let Some((key, value)) = access.next_entry::<String, Value>()? {
                    if KNOWN_HEADER_FIELDS.contains(&key.as_str()) && map.contains_key(&key) {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    map.insert(key, value);
                }
                Ok(Header(map))
            }
        }

        deserializer.deserialize_map(HeaderVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_items_with_explicit_and_implicit_length() {
        let body = b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n\
            {\"type\":\"attachment\",\"length\":10}\n\
            \xef\xbb\xbfHello\r\n\n\
            {\"type\":\"event\"}\n\
            {\"message\":\"hi\"}\n";
        let envelope = parse(body).expect("valid envelope");
        assert_eq!(envelope.event_id(), Some("9ec79c33ec9942ab8353589fcb2e04dc"));
        assert_eq!(envelope.items.len(), 2);
        assert_eq!(envelope.items[0].ty, ItemType::Attachment);
        assert_eq!(envelope.items[0].payload, b"\xef\xbb\xbfHello\r\n");
        assert_eq!(envelope.items[1].ty, ItemType::Event);
        assert_eq!(envelope.items[1].payload, b"{\"message\":\"hi\"}");
    }

    #[test]
    fn parses_item_with_implicit_length_at_eof() {
        let envelope = parse(b"{}\n{\"type\":\"event\"}\n{\"a\":1}").expect("valid");
        assert_eq!(envelope.items[0].payload, b"{\"a\":1}");
    }

    #[test]
    fn parses_item_header_ending_at_eof_as_empty_payload() {
        let envelope = parse(b"{}\n{\"type\":\"attachment\"}").expect("valid");
        assert_eq!(envelope.items.len(), 1);
        assert_eq!(envelope.items[0].payload, b"");
    }

    #[test]
    fn parses_empty_envelope_with_headers_only() {
        let envelope = parse(b"{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}").expect("ok");
        assert!(envelope.items.is_empty());
        assert!(parse(b"{}\n").expect("ok").items.is_empty());
    }

    #[test]
    fn keeps_unknown_item_types() {
        let envelope =
            parse(b"{}\n{\"type\":\"replay_video\",\"length\":3}\nabc\n{\"type\":\"event\"}\n{}")
                .expect("valid");
        assert_eq!(envelope.items[0].ty, ItemType::Unknown("replay_video".into()));
        assert_eq!(envelope.items[1].ty, ItemType::Event);
    }

    #[test]
    fn tolerates_blank_lines_before_an_item_header() {
        let envelope = parse(b"{}\n\n\n{\"type\":\"event\"}\n{}\n").expect("valid");
        assert_eq!(envelope.items.len(), 1);
    }

    #[test]
    fn rejects_length_beyond_eof() {
        assert_eq!(
            parse(b"{}\n{\"type\":\"event\",\"length\":50}\n{}"),
            Err(EnvelopeError::UnexpectedEof)
        );
    }

    #[test]
    fn rejects_garbage_after_length_delimited_payload() {
        assert_eq!(
            parse(b"{}\n{\"type\":\"event\",\"length\":2}\n{} \n"),
            Err(EnvelopeError::MissingNewline)
        );
    }

    #[test]
    fn rejects_carriage_return_after_envelope_header() {
        assert_eq!(parse(b"{}\r\n{\"type\":\"event\"}\n{}"), Err(EnvelopeError::MissingNewline));
    }

    #[test]
    fn rejects_item_header_without_type() {
        assert_eq!(parse(b"{}\n{\"length\":2}\n{}"), Err(EnvelopeError::MissingItemType));
    }

    #[test]
    fn rejects_non_object_headers_and_empty_bodies() {
        assert!(matches!(parse(b"[]\n"), Err(EnvelopeError::InvalidHeader(_))));
        assert!(matches!(parse(b"not json"), Err(EnvelopeError::InvalidHeader(_))));
        assert_eq!(parse(b""), Err(EnvelopeError::Empty));
    }

    #[test]
    fn rejects_negative_length() {
        assert_eq!(
            parse(b"{}\n{\"type\":\"event\",\"length\":-1}\n{}"),
            Err(EnvelopeError::InvalidLength)
        );
    }

    // --- one test per framing rule of the envelope spec -------------------------------------

    #[test]
    fn rejects_duplicated_sent_at_in_envelope_header() {
        let body = b"{\"sent_at\":\"2026-01-01T00:00:00Z\",\"sent_at\":\"2026-01-01T00:00:01Z\"}\n";
        let err = parse(body).expect_err("a duplicated sent_at is malformed");
        assert!(
            matches!(&err, EnvelopeError::InvalidHeader(m) if m.contains("duplicate field `sent_at`")),
            "{err}"
        );
    }

    #[test]
    fn rejects_duplicated_type_in_item_header() {
        let err =
            parse(b"{}\n{\"type\":\"event\",\"type\":\"attachment\"}\n{}").expect_err("malformed");
        assert!(matches!(err, EnvelopeError::InvalidHeader(_)));
    }

    #[test]
    fn retains_unknown_envelope_and_item_header_attributes() {
        let envelope = parse(
            b"{\"x_custom\":[1,2],\"x_custom\":3}\n{\"type\":\"event\",\"x_note\":\"kept\"}\n{}",
        )
        .expect("unknown attributes are allowed, and may repeat");
        assert_eq!(envelope.headers["x_custom"], 3);
        assert_eq!(envelope.items[0].headers["x_note"], "kept");
    }

    #[test]
    fn accepts_empty_header_object() {
        let envelope = parse(b"{}").expect("{} is a valid envelope header");
        assert!(envelope.headers.is_empty() && envelope.items.is_empty());
    }

    #[test]
    fn accepts_trailing_newline_after_last_item() {
        let with = parse(b"{}\n{\"type\":\"event\",\"length\":2}\n{}\n").expect("valid");
        let without = parse(b"{}\n{\"type\":\"event\",\"length\":2}\n{}").expect("valid");
        assert_eq!(with.items, without.items);
    }

    #[test]
    fn explicit_length_payload_may_hold_newlines() {
        let envelope =
            parse(b"{}\n{\"type\":\"attachment\",\"length\":5}\na\nb\nc\n{\"type\":\"event\"}\n{}")
                .expect("valid");
        assert_eq!(envelope.items[0].payload, b"a\nb\nc");
        assert_eq!(envelope.items[1].ty, ItemType::Event);
    }

    #[test]
    fn zero_length_items_back_to_back() {
        let envelope = parse(b"{}\n{\"type\":\"attachment\",\"length\":0}\n\n{\"type\":\"attachment\",\"length\":0}\n")
            .expect("valid");
        assert_eq!(envelope.items.len(), 2);
        assert!(envelope.items.iter().all(|i| i.payload.is_empty()));
    }

    #[test]
    fn null_length_means_implicit_length() {
        let envelope =
            parse(b"{}\n{\"type\":\"event\",\"length\":null}\n{\"a\":1}\n").expect("valid");
        assert_eq!(envelope.items[0].payload, b"{\"a\":1}");
    }

    #[test]
    fn carriage_return_before_newline_belongs_to_implicit_payload() {
        let envelope = parse(b"{}\n{\"type\":\"event\"}\n{\"a\":1}\r\n").expect("valid");
        assert_eq!(envelope.items[0].payload, b"{\"a\":1}\r");
    }

    #[test]
    fn rejects_carriage_return_after_item_header() {
        assert_eq!(parse(b"{}\n{\"type\":\"event\"}\r\n{}"), Err(EnvelopeError::MissingNewline));
    }

    #[test]
    fn rejects_whitespace_after_header_json() {
        assert_eq!(parse(b"{} \n{\"type\":\"event\"}\n{}"), Err(EnvelopeError::MissingNewline));
    }

    #[test]
    fn rejects_fractional_or_string_length() {
        assert_eq!(
            parse(b"{}\n{\"type\":\"event\",\"length\":1.5}\n{}"),
            Err(EnvelopeError::InvalidLength)
        );
        assert_eq!(
            parse(b"{}\n{\"type\":\"event\",\"length\":\"2\"}\n{}"),
            Err(EnvelopeError::InvalidLength)
        );
    }

    #[test]
    fn rejects_huge_length_without_overflow() {
        let body = format!("{{}}\n{{\"type\":\"event\",\"length\":{}}}\n{{}}", u64::MAX);
        assert!(parse(body.as_bytes()).is_err());
    }

    #[test]
    fn rejects_non_string_item_type() {
        assert_eq!(parse(b"{}\n{\"type\":7}\n{}"), Err(EnvelopeError::MissingItemType));
    }

    #[test]
    fn rejects_invalid_utf8_in_header() {
        assert!(matches!(parse(b"{\"dsn\":\"\xff\"}\n"), Err(EnvelopeError::InvalidHeader(_))));
    }

    #[test]
    fn refuses_more_than_max_items() {
        let item = "{\"type\":\"x\"}\n\n";
        let at_limit = format!("{{}}\n{}", item.repeat(MAX_ITEMS));
        assert_eq!(parse(at_limit.as_bytes()).expect("at the limit").items.len(), MAX_ITEMS);
        let over = format!("{{}}\n{}", item.repeat(MAX_ITEMS + 1));
        assert_eq!(parse(over.as_bytes()), Err(EnvelopeError::TooManyItems));
    }

    #[test]
    fn refuses_headers_larger_than_max_headers_size_together() {
        // One envelope header too large on its own, for `parse` and `parse_headers_only`.
        let big = format!("{{\"x\":[{}0]}}\n", "0,".repeat(MAX_HEADERS_SIZE / 2));
        assert_eq!(parse(big.as_bytes()), Err(EnvelopeError::HeadersTooLarge));
        assert_eq!(parse_headers_only(big.as_bytes()), Err(EnvelopeError::HeadersTooLarge));
        // Item headers that fit one by one but not together.
        let pad = "a".repeat(MAX_HEADERS_SIZE / 4);
        let item = format!("{{\"type\":\"x\",\"pad\":\"{pad}\"}}\n\n");
        assert!(parse(format!("{{}}\n{}", item.repeat(3)).as_bytes()).is_ok());
        assert_eq!(
            parse(format!("{{}}\n{}", item.repeat(4)).as_bytes()),
            Err(EnvelopeError::HeadersTooLarge)
        );
        // A header that ends exactly where the budget does is fine.
        let exact = format!("{{\"pad\":\"{}\"}}", "a".repeat(MAX_HEADERS_SIZE - 10));
        assert_eq!(exact.len(), MAX_HEADERS_SIZE);
        assert!(parse(format!("{exact}\n").as_bytes()).is_ok());
    }

    #[test]
    fn payload_bytes_are_not_validated_by_framing() {
        // Invalid UTF-8 and invalid JSON in a payload are the item's business, not the frame's.
        let envelope = parse(
            b"{}\n{\"type\":\"attachment\",\"length\":2}\n\xff\xfe\n{\"type\":\"event\"}\nnot json",
        )
        .expect("valid framing");
        assert_eq!(envelope.items[0].payload, b"\xff\xfe");
        assert_eq!(envelope.items[1].payload, b"not json");
    }
}
