//! Message parameterization (Sentry `parameterization.py`): variable parts of a message (ids,
//! numbers, addresses, dates, ...) become `<name>` placeholders.
//!
//! Sentry uses one combined Python regex with look-arounds; the `regex` crate has none, so each
//! alternative is its own regex, the look-arounds are hand-written checks around a match, and
//! the combined "leftmost start, first alternative wins" semantics is rebuilt by keeping the next
//! match of every alternative and taking the earliest (ties: the earlier alternative).

use std::sync::LazyLock;

use regex::Regex;

/// Hand-written look-around checks of an alternative.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    None,
    /// IPv6: not preceded by `[0-9a-zA-Z_]`, not followed by `[0-9a-zA-Z]`.
    Ipv6,
    /// Hex without prefix: `(?=[a-f]*[0-9])` (lower) at the start.
    HexLower,
    /// `(?=[A-F]*[0-9])` at the start.
    HexUpper,
    /// Git sha: at least one digit and one letter.
    GitSha,
    /// Kitchen times: `(?<!\d)` before, `(?![\d:])` after; 12-hour takes an am/pm suffix.
    Kitchen12,
    Kitchen24,
    /// Negative int: the `-` is not preceded by a word character.
    NegativeInt,
    /// `(?<==)`: only the value half of `key=value`.
    AfterEquals,
}

struct Pattern {
    name: &'static str,
    regex: Regex,
    check: Check,
}

const TLDS: &str = "com|net|org|jp|de|uk|fr|br|it|ru|es|me|gov|pl|ca|au|cn|co|in|nl|edu|info|eu|ch|id|at|kr|cz|mx|be|tv|se|tr|tw|al|ua|ir|vn|cl|sk|ly|cc|to|no|fi|us|pt|dk|ar|hu|tk|gr|il|news|ro|my|biz|ie|za|nz|sg|ee|th|io|xyz|pe|bg|hk|rs|lt|link|ph|club|si|site|mobi|by|cat|wiki|la|ga|xxx|cf|hr|ng|jobs|online|kz|ug|gq|ae|is|lv|pro|fm|tips|ms|sa|app";

const OCTET: &str = r"(?:25[0-5]|(?:2[0-4]|1{0,1}[0-9]){0,1}[0-9])";
const MON: &str = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const DAY: &str = "(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)";
const ZONE: &str = r"(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])";

fn sources() -> Vec<(&'static str, String, Check)> {
    let h = "[0-9a-fA-F]";
    let v4 = format!(r"(?:{OCTET}\.){{3}}{OCTET}");
    let ipv6 = [
        format!("(?:{h}{{1,4}}:){{7}}{h}{{1,4}}"),
        format!("(?:{h}{{1,4}}:){{1,7}}:"),
        format!("(?:{h}{{1,4}}:){{1,6}}:{h}{{1,4}}"),
        format!("(?:{h}{{1,4}}:){{1,5}}(?::{h}{{1,4}}){{1,2}}"),
        format!("(?:{h}{{1,4}}:){{1,4}}(?::{h}{{1,4}}){{1,3}}"),
        format!("(?:{h}{{1,4}}:){{1,3}}(?::{h}{{1,4}}){{1,4}}"),
        format!("(?:{h}{{1,4}}:){{1,2}}(?::{h}{{1,4}}){{1,5}}"),
        format!("{h}{{1,4}}:(?:(?::{h}{{1,4}}){{1,6}})"),
        format!(":(?:(?::{h}{{1,4}}){{1,7}}|:)"),
        format!("fe80:(?::{h}{{0,4}}){{0,4}}%[0-9a-zA-Z]{{1,}}"),
        format!("::(?:ffff(?::0{{1,4}}){{0,1}}:){{0,1}}{v4}"),
        format!(r"(?:{h}{{1,4}}:){{1,4}}:{v4}\b"),
    ]
    .join("|");
    let tlds = format!("{}|{}", TLDS.to_uppercase(), TLDS);
    let tz = r"(?:[+-][0-2]\d:?[0-5]\d|Z)";
    let dt = r"\d{4}-?[01]\d-?[0-3]\d[\sT][0-2]\d:?[0-5]\d";
    vec![
        (
            "email",
            r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*".into(),
            Check::None,
        ),
        ("url", r"\b(?:wss?|https?|ftp)://[^\s/$.?#].[^\s]*".into(), Check::None),
        ("hostname", format!(r"\b(?:[a-zA-Z0-9\-]{{1,63}}\.)+?(?:{tlds})\b"), Check::None),
        ("ip", format!("(?:{ipv6})"), Check::Ipv6),
        ("ip", format!(r"\b{v4}\b"), Check::None),
        (
            "traceparent",
            r"\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\b|\b1-[0-9a-f]{8}-[0-9a-f]{24}\b".into(),
            Check::None,
        ),
        ("uuid", format!(r"\b{h}{{8}}-{h}{{4}}-{h}{{4}}-{h}{{4}}-{h}{{12}}\b"), Check::None),
        ("sha1", format!(r"\b{h}{{40}}\b"), Check::None),
        ("md5", format!(r"\b{h}{{32}}\b"), Check::None),
        // Dates, in Sentry's order.
        (
            "date",
            format!(
                r"{DAY},\s\d{{1,2}}\s{MON}\s\d{{2,4}}\s\d{{1,2}}:\d{{1,2}}(?::\d{{1,2}})?\s(?:[-+]\d{{2}}[0-5]\d|{ZONE})"
            ),
            Check::None,
        ),
        ("date", format!(r"(?:{DAY}\s)?{MON}\s[0-3]\d,\s\d{{2,4}}"), Check::None),
        (
            "date",
            format!(
                r"(?:Sun|Sunday|Mon|Monday|Tue|Tuesday|Wed|Wednesday|Thu|Thursday|Fri|Friday|Sat|Saturday),\s\d{{2}}-{MON}-\d{{2}}\s\d{{2}}:\d{{2}}:\d{{2}}\s{ZONE}"
            ),
            Check::None,
        ),
        (
            "date",
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?(?:[+-]?\d{2}:\d{2})?".into(),
            Check::None,
        ),
        (
            "date",
            format!(
                r"{DAY}\s{MON}\s\d{{2}}\s\d{{4}}\s\d{{2}}:\d{{2}}:\d{{2}}\sGMT[+-]\d{{4}}(?:\s\([^)]+\))?"
            ),
            Check::None,
        ),
        ("date", format!(r"{dt}:?[0-5]\d\.\d+{tz}|{dt}:?[0-5]\d{tz}|{dt}{tz}"), Check::None),
        ("date", format!(r"{dt}:?[0-5]\d\.\d+|{dt}:?[0-5]\d|{dt}"), Check::None),
        ("date", r"(?:1[0-2]|[1-9]):[0-5]\d(?::[0-5]\d)?".into(), Check::Kitchen12),
        ("date", r"(?:1\d|2[0-3]|0?\d):[0-5]\d(?::[0-5]\d)?".into(), Check::Kitchen24),
        ("date", r"\d{4}-[01]\d-[0-3]\d".into(), Check::None),
        ("date", r"[0-2]\d:[0-5]\d:[0-5]\d".into(), Check::None),
        (
            "date",
            format!(r"\b(?:{DAY}\s+)?{MON}\s+\d{{1,2}}\s+\d{{2}}:\d{{2}}:\d{{2}}\s+\d{{4}}"),
            Check::None,
        ),
        (
            "date",
            format!(
                r"\b(?:{DAY},\s+)?(?:0[1-9]|[1-2]?\d|3[01])\s+{MON}\s+(?:19\d{{2}}|[2-9]\d{{3}})\s+(?:2[0-3]|[0-1]\d):[0-5]\d(?::(?:60|[0-5]\d))?\s+(?:[-+]\d{{2}}[0-5]\d|{ZONE})"
            ),
            Check::None,
        ),
        ("date", r"datetime.datetime\(.*?\)".into(), Check::None),
        ("duration", r"\b\d+ms|\d+(?:\.\d+)?s\b".into(), Check::None),
        ("swift_txn_id", r"\btx[0-9a-f]{21}-[0-9a-f]{10}\S*".into(), Check::None),
        ("hex", r"\b0[xX][0-9a-fA-F]+\b".into(), Check::None),
        ("hex", r"\b[0-9a-f]{8,128}\b".into(), Check::HexLower),
        ("hex", r"\b[0-9A-F]{8,128}\b".into(), Check::HexUpper),
        ("git_sha", r"\b[0-9a-f]{7}\b".into(), Check::GitSha),
        ("float", r"-\d+\.\d+\b|\b\d+\.\d+\b".into(), Check::None),
        ("int", r"\b\d{1,7}\b".into(), Check::None),
        ("int", r"-\d{1,7}\b".into(), Check::NegativeInt),
        ("quoted_str", r#"'[^']+'|"[^"]+""#.into(), Check::AfterEquals),
        ("bool", "True|true|False|false".into(), Check::AfterEquals),
    ]
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    sources()
        .into_iter()
        .map(|(name, source, check)| Pattern {
            name,
            regex: Regex::new(&source)
                .unwrap_or_else(|e| panic!("parameterization pattern {name} is valid: {e}")),
            check,
        })
        .collect()
});

fn char_before(s: &str, at: usize) -> Option<char> {
    s[..at].chars().next_back()
}

fn char_at(s: &str, at: usize) -> Option<char> {
    s[at..].chars().next()
}

/// `[x]*[0-9]` holds at the start of `s` for the letter class `x`.
fn letters_then_digit(s: &str, letter: impl Fn(u8) -> bool) -> bool {
    s.bytes().find(|b| !letter(*b)).is_some_and(|b| b.is_ascii_digit())
}

/// Applies the hand-written look-arounds to a match `[start, end)`; the accepted end (the
/// 12-hour kitchen time may take an am/pm suffix), or `None` when the match is refused.
fn accept(check: Check, s: &str, start: usize, end: usize) -> Option<usize> {
    let before = char_before(s, start);
    let after = char_at(s, end);
    let ok = match check {
        Check::None => true,
        Check::Ipv6 => {
            !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        }
        Check::HexLower => letters_then_digit(&s[start..], |b| (b'a'..=b'f').contains(&b)),
        Check::HexUpper => letters_then_digit(&s[start..], |b| (b'A'..=b'F').contains(&b)),
        Check::GitSha => {
            letters_then_digit(&s[start..], |b| (b'a'..=b'f').contains(&b))
                && s[start..]
                    .bytes()
                    .find(|b| !b.is_ascii_digit())
                    .is_some_and(|b| (b'a'..=b'f').contains(&b))
        }
        Check::Kitchen12 | Check::Kitchen24 => {
            let ok = !before.is_some_and(|c| c.is_ascii_digit())
                && !after.is_some_and(|c| c.is_ascii_digit() || c == ':');
            if ok && check == Check::Kitchen12 {
                let rest = &s[end..];
                let (skip, rest) = match rest.chars().next() {
                    Some(c) if c.is_whitespace() => (c.len_utf8(), &rest[c.len_utf8()..]),
                    _ => (0, rest),
                };
                let b = rest.as_bytes();
                if b.len() >= 2
                    && matches!(b[0], b'a' | b'A' | b'p' | b'P')
                    && matches!(b[1], b'm' | b'M')
                {
                    return Some(end + skip + 2);
                }
            }
            ok
        }
        Check::NegativeInt => !before.is_some_and(|c| c.is_alphanumeric() || c == '_'),
        Check::AfterEquals => before == Some('='),
    };
    ok.then_some(end)
}

/// The next accepted match of pattern `p` starting at or after `from`.
fn next_match(p: &Pattern, s: &str, mut from: usize) -> Option<(usize, usize)> {
    while from <= s.len() {
        let m = p.regex.find_at(s, from)?;
        if let Some(end) = accept(p.check, s, m.start(), m.end()) {
            return Some((m.start(), end));
        }
        from = m.start() + char_at(s, m.start()).map_or(1, char::len_utf8);
    }
    None
}

/// Replaces ids, numbers, addresses, dates, hashes, ... with `<name>` placeholders, the first
/// alternative in Sentry's order winning at the leftmost position.
pub fn parameterize(message: &str) -> String {
    let patterns = &*PATTERNS;
    let mut next: Vec<Option<(usize, usize)>> =
        patterns.iter().map(|p| next_match(p, message, 0)).collect();
    let mut out = String::with_capacity(message.len());
    let mut pos = 0;
    loop {
        let mut best: Option<(usize, usize, usize)> = None; // (start, end, pattern)
        for (i, m) in next.iter().enumerate() {
            if let Some((start, end)) = *m {
                if best.is_none_or(|(s, _, _)| start < s) {
                    best = Some((start, end, i));
                }
            }
        }
        let Some((start, end, i)) = best else { break };
        out.push_str(&message[pos..start]);
        out.push('<');
        out.push_str(patterns[i].name);
        out.push('>');
        pos = end;
        for (j, m) in next.iter_mut().enumerate() {
            if m.is_some_and(|(s, _)| s < pos) {
                *m = next_match(&patterns[j], message, pos);
            }
        }
    }
    out.push_str(&message[pos..]);
    out
}

/// Sentry's `normalize_message_for_grouping`: the first two non-empty lines (`...` appended when
/// that dropped anything), then [`parameterize`].
pub fn normalize_message(message: &str) -> String {
    let mut lines = message.lines().filter(|l| !l.trim().is_empty());
    let trimmed = match (lines.next(), lines.next()) {
        (None, _) => String::new(),
        (Some(a), None) => a.to_owned(),
        (Some(a), Some(b)) => format!("{a}\n{b}"),
    };
    if trimmed == message {
        parameterize(message)
    } else {
        parameterize(&(trimmed + "..."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameterizes_ints_including_negative_but_not_inside_words() {
        assert_eq!(parameterize("testing testing 1, 2, 3"), "testing testing <int>, <int>, <int>");
        assert_eq!(parameterize("offset -12 in a-12"), "offset <int> in a-<int>");
        // Eight digits are past `int`'s seven: Sentry's single-case hex pattern (8–128 chars) takes them.
        assert_eq!(parameterize("user 12345678 missing"), "user <hex> missing");
    }

    #[test]
    fn parameterizes_floats() {
        assert_eq!(parameterize("took 1.5 and -2.25"), "took <float> and <float>");
    }

    #[test]
    fn parameterizes_ipv4_and_ipv6() {
        assert_eq!(parameterize("from 10.0.0.1 now"), "from <ip> now");
        assert_eq!(parameterize("from 2001:db8:0:0:0:0:2:1 now"), "from <ip> now");
        assert_eq!(parameterize("from ::1 now"), "from <ip> now");
        assert_eq!(parameterize("call Foo::bar()"), "call Foo::bar()");
    }

    #[test]
    fn parameterizes_uuids_sha1_md5_and_hex() {
        assert_eq!(parameterize("req 9ec79c33-ec99-42ab-8353-589fcb2e04dc"), "req <uuid>");
        assert_eq!(parameterize("sha 3b3e9c5b2f0b4c8f9d2e1a0b3c4d5e6f7a8b9c0d"), "sha <sha1>");
        assert_eq!(parameterize("md5 d41d8cd98f00b204e9800998ecf8427e"), "md5 <md5>");
        assert_eq!(parameterize("ptr 0xdeadBEEF and deadbeef01"), "ptr <hex> and <hex>");
        assert_eq!(parameterize("word abcdefab stays"), "word abcdefab stays");
        assert_eq!(parameterize("commit 1a2b3c4"), "commit <git_sha>");
    }

    #[test]
    fn parameterizes_dates_and_times() {
        assert_eq!(parameterize("at 2024-01-02T03:04:05Z ok"), "at <date> ok");
        assert_eq!(parameterize("at 2024-01-02T03:04:05.123+02:00"), "at <date>");
        assert_eq!(parameterize("on 2024-01-02 done"), "on <date> done");
        assert_eq!(parameterize("at 2024-01-02 03:04:05"), "at <date>");
        assert_eq!(parameterize("Date: Tue, 15 Nov 1994 08:12:31 GMT"), "Date: <date>");
        assert_eq!(parameterize("at 10:30 pm and 23:59:01"), "at <date> and <date>");
        assert_eq!(parameterize("Mon Jan 02 2006 15:04:05 GMT-0700"), "<date>");
    }

    #[test]
    fn parameterizes_emails_urls_and_hostnames() {
        assert_eq!(parameterize("mail jane.doe@example.com now"), "mail <email> now");
        assert_eq!(parameterize("GET https://example.com/a?b=1 failed"), "GET <url> failed");
        assert_eq!(parameterize("resolve api.example.com failed"), "resolve <hostname> failed");
        assert_eq!(
            parameterize("Loading chunk 158 failed.\n(timeout: https://x.io/a.js)"),
            "Loading chunk <int> failed.\n(timeout: <url>"
        );
    }

    #[test]
    fn parameterizes_durations_traceparents_and_key_value_pairs() {
        assert_eq!(parameterize("took 250ms or 1.5s"), "took <duration> or <duration>");
        assert_eq!(
            parameterize("tp 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            "tp <traceparent>"
        );
        assert_eq!(
            parameterize("a='x y' b=true c=\"q\""),
            "a=<quoted_str> b=<bool> c=<quoted_str>"
        );
        assert_eq!(parameterize("'x' is true"), "'x' is true");
    }

    #[test]
    fn message_keeps_first_two_non_empty_lines() {
        assert_eq!(normalize_message("a 1\n\nb\nc"), "a <int>\nb...");
        assert_eq!(normalize_message("one line"), "one line");
    }
}
