//! A JSON reader and writer for `serde_json::Value` on the ingest path, built for speed.
//!
//! Every event is read into a `Value` tree and written back out once processed: with
//! serde_json's own deserializer and serializer, those two took about half of `event::process`
//! (`ingest_bench`'s 6.6 KB event: 16.6 µs to read, 8 to write). They produce the very same
//! values and bytes as serde_json, and serde_json stays the judge of anything unusual:
//!
//! - [`parse`] reads the JSON that SDKs send (objects, arrays, plain and escaped strings,
//!   non-negative integers) itself and answers `None` on anything else: an error, a depth over
//!   [`MAX_DEPTH`], a float, a negative or a huge number is handed to serde_json, whose value
//!   or error text (Relay's `invalid_json` detail) then counts. Floats are few (timestamps)
//!   and read by serde_json one by one, so that they round exactly as before.
//! - [`write`] writes compact JSON, byte for byte what `serde_json::to_writer` writes.
//!
//! Both scan strings eight bytes at a time for the bytes that end a plain run (a quote, a
//! backslash, a control character) and copy the runs whole; serde_json looks at each byte.
//! Objects are built from their sorted entries at once rather than by one insertion per key.

use serde_json::{Map, Number, Value};

/// Objects and arrays nested deeper than this are left to serde_json (whose own limit is 128).
const MAX_DEPTH: u32 = 100;

/// `text` as a JSON value, as `serde_json::from_str` reads it; `None` where serde_json must
/// decide (see the module's documentation): call it then.
pub fn parse(text: &str) -> Option<Value> {
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: 0, depth: 0 };
    let value = reader.value()?;
    reader.skip_whitespace();
    (reader.pos == reader.bytes.len()).then_some(value)
}

/// `text` as a JSON value: [`parse`], else serde_json.
pub fn from_str(text: &str) -> serde_json::Result<Value> {
    match parse(text) {
        Some(value) => Ok(value),
        None => serde_json::from_str(text),
    }
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_whitespace();
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                self.pos += 1;
                self.string().map(Value::String)
            }
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'0'..=b'9' | b'-' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Option<Value> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word).then(|| {
            self.pos = end;
            value
        })
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        self.pos += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn object(&mut self) -> Option<Value> {
        self.enter()?;
        let mut entries: Vec<(String, Value)> = Vec::new();
        let mut more = self.opens_with_items(b'}')?;
        while more {
            self.skip_whitespace();
            self.expect(b'"')?;
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':')?;
            let value = self.value()?;
            entries.push((key, value));
            more = self.next_item(b'}')?;
        }
        self.depth -= 1;
        // Sorted and built at once (a repeated key keeps its last value, as serde_json keeps it).
        Some(Value::Object(Map::from_iter(entries)))
    }

    fn array(&mut self) -> Option<Value> {
        self.enter()?;
        let mut items = Vec::new();
        let mut more = self.opens_with_items(b']')?;
        while more {
            items.push(self.value()?);
            more = self.next_item(b']')?;
        }
        self.depth -= 1;
        Some(Value::Array(items))
    }

    /// Steps over `byte`, which must be next.
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// Just inside an object or array: whether items follow (else steps over its `close`).
    fn opens_with_items(&mut self, close: u8) -> Option<bool> {
        self.skip_whitespace();
        let empty = self.peek()? == close;
        if empty {
            self.pos += 1;
        }
        Some(!empty)
    }

    /// After an item: a comma (another item follows) or `close` (the end).
    fn next_item(&mut self, close: u8) -> Option<bool> {
        self.skip_whitespace();
        let byte = self.peek()?;
        self.pos += 1;
        match byte {
            b',' => Some(true),
            _ if byte == close => Some(false),
            _ => None,
        }
    }

    /// A string's contents, from just after its opening quote.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        let end = plain_run(self.bytes, start);
        if self.bytes.get(end)? == &b'"' {
            self.pos = end + 1;
            // Quotes and backslashes are ASCII: the run ends on a character boundary.
            return self.text.get(start..end).map(str::to_owned);
        }
        let mut out = String::with_capacity(end - start + 16);
        let (mut at, mut end) = (start, end);
        loop {
            out.push_str(self.text.get(at..end)?);
            match self.bytes.get(end)? {
                b'"' => {
                    self.pos = end + 1;
                    return Some(out);
                }
                b'\\' => at = self.escape(end + 1, &mut out)?,
                // A control character: an error, whose text serde_json gives.
                _ => return None,
            }
            end = plain_run(self.bytes, at);
        }
    }

    /// Appends the escape after the backslash at `at - 1`; answers where the string goes on.
    fn escape(&self, at: usize, out: &mut String) -> Option<usize> {
        let unescaped = match self.bytes.get(at)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4(at + 1)?;
                let (c, next) = match unit {
                    0xD800..=0xDBFF => {
                        // A surrogate pair; a lone one is serde_json's to judge.
                        if self.bytes.get(at + 5..at + 7)? != b"\\u" {
                            return None;
                        }
                        let low = self.hex4(at + 7)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        (char::from_u32(code)?, at + 11)
                    }
                    _ => (char::from_u32(unit)?, at + 5),
                };
                out.push(c);
                return Some(next);
            }
            _ => return None,
        };
        out.push(unescaped);
        Some(at + 1)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits.iter().try_fold(0, |code, &digit| Some(code * 16 + char::from(digit).to_digit(16)?))
    }

    /// Non-negative integers of up to 19 digits here; any other number by serde_json, which
    /// then reads exactly what it reads in a whole document (or refuses it).
    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        let mut end = start;
        while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.bytes.get(end) {
            end += 1;
        }
        let digits = self.bytes.get(start..end)?;
        self.pos = end;
        let plain = digits.len() <= 19
            && digits.iter().all(u8::is_ascii_digit)
            && (digits.first() != Some(&b'0') || digits.len() == 1);
        if plain {
            let n = digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            return Some(Value::Number(Number::from(n)));
        }
        serde_json::from_str(self.text.get(start..end)?).ok().filter(Value::is_number)
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Marks (high bit) the bytes of `word` that are a quote, a backslash or below 0x20; the lowest
/// mark is exact (borrows run only towards higher bytes, past a true mark).
fn specials(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w;
    (zero_byte(quote) | zero_byte(backslash) | (word.wrapping_sub(ONES * 0x20) & !word)) & HIGHS
}

fn is_special(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

/// The index of the first quote, backslash or control character at or after `at` (or the end).
fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([b'"'; 8]));
        let marks = specials(word);
        if marks != 0 {
            return at + marks.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    while bytes.get(at).is_some_and(|&byte| !is_special(byte)) {
        at += 1;
    }
    at
}

/// Appends `value` as compact JSON, exactly as `serde_json::to_writer` writes it.
pub fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(key, out);
                out.push(b':');
                write(value, out);
            }
            out.push(b'}');
        }
    }
}

/// `value` as compact JSON in a buffer of about `size_hint` bytes.
pub fn to_string(value: &Value, size_hint: usize) -> String {
    let mut out = Vec::with_capacity(size_hint + size_hint / 8 + 64);
    write(value, &mut out);
    // Written from `str`s and ASCII only: always UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

fn write_number(n: &Number, out: &mut Vec<u8>) {
    if let Some(u) = n.as_u64() {
        out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes());
    } else if let Some(i) = n.as_i64() {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
    } else {
        // Floats as serde_json shortens them; writing to a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, n);
    }
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut at = 0;
    loop {
        let end = plain_run(bytes, at);
        out.extend_from_slice(&bytes[at..end]);
        let Some(&byte) = bytes.get(end) else { break };
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xf)]);
            }
        }
        at = end + 1;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests;
