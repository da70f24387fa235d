//! A byte-level parser for Sentry envelopes, with Relay's framing rules.
//!
//! ```text
//! Envelope = Headers { "\n" Item } [ "\n" ] ;
//! Item     = Headers "\n" Payload ;
//! ```
//! Headers are one line of JSON. An item's payload is `length` bytes when the header says so,
//! else it runs to the next `\n` (or the end). Items of unknown types are kept as
//! [`ItemType::Unknown`] so that one new item type never makes the whole envelope fail.

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
}

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
    read_header(bytes, 0).map(|(headers, _)| headers)
}

/// Frames a whole envelope.
pub fn parse(bytes: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    if bytes.is_empty() {
        return Err(EnvelopeError::Empty);
    }
    let (headers, mut pos) = read_header(bytes, 0)?;
    let mut items = Vec::new();
    while pos < bytes.len() {
        // Blank lines (and other whitespace) before an item header are tolerated, as Relay's
        // streaming JSON reader does; whitespace up to the end means there are no more items.
        let Some(start) = bytes[pos..].iter().position(|b| !b.is_ascii_whitespace()) else {
            break;
        };
        let (item_headers, header_end) = read_header(bytes, pos + start)?;
        let ty = match item_headers.get("type").and_then(Value::as_str) {
            Some(name) => ItemType::parse(name),
            None => return Err(EnvelopeError::MissingItemType),
        };
        let payload_start = header_end.min(bytes.len());
        let (payload, next) = match item_headers.get("length") {
            Some(Value::Null) | None => {
                let end = bytes[payload_start..]
                    .iter()
                    .position(|&b| b == b'\n')
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
/// newline that must follow it (or the end of the input).
fn read_header(bytes: &[u8], pos: usize) -> Result<(Map<String, Value>, usize), EnvelopeError> {
    let mut stream = serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<Value>();
    let value = match stream.next() {
        Some(Ok(value)) => value,
        Some(Err(err)) => return Err(EnvelopeError::InvalidHeader(err.to_string())),
        None => return Err(EnvelopeError::InvalidHeader("missing header".into())),
    };
    let Value::Object(map) = value else {
        return Err(EnvelopeError::InvalidHeader("not a JSON object".into()));
    };
    let end = pos + stream.byte_offset();
    match bytes.get(end) {
        None => Ok((map, end)),
        Some(b'\n') => Ok((map, end + 1)),
        Some(_) => Err(EnvelopeError::MissingNewline),
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
}
