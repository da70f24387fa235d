//! Sentry's issue search syntax (the `query` parameter of the issue list), parsed into
//! [`Term`]s that the store translates into SQL.
//!
//! Pure: no database, no clock (the caller passes "now"), so every rule is unit-tested here.
//! What is understood, following <https://docs.sentry.io/concepts/search/searchable-properties/issues/>:
//!
//! - `key:value`, `!key:value` (negation), `key:"a b"` (quoted), `key:[a, b]` (any of);
//! - free text, bare or quoted, matched against the title and culprit; bare words are joined
//!   into one phrase, as Sentry does;
//! - `is:unresolved|resolved|ignored|archived|assigned|unassigned|for_review`;
//! - `assigned:` and `assigned_or_suggested:` with `me`, `none`, `my_teams`, `#team-slug` or an
//!   email; `bookmarks:me` (or an email);
//! - `firstSeen:`, `age:` (its alias) and `lastSeen:` with `-24h` (within the last 24 hours),
//!   `+24h` (longer ago than that), an ISO date, or `>`, `>=`, `<`, `<=` before a date or a
//!   signed relative time; `timesSeen:` with a number and optional comparison;
//! - `has:tag`, `!has:tag`, and any other key as a tag filter (`release:`, `environment:`,
//!   `level:`, `user.email:`, ...). `*` in tag values and free text is a wildcard;
//! - Sentry's release filters: `release.version:` with a semantic version and an optional
//!   comparison (`>=2.0`, `app@1.2.3`, `1.2.*`), `release.package:`, `release.stage:` (adoption
//!   stages); the issue lists resolve them into the releases they name.

use crate::ingest::release::VersionBound;
use crate::store::{AdoptionStage, Priority};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};

/// A search that could not be parsed; the text names the term at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SearchError(pub String);

/// One condition of a search; all terms of a search must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// `!key:value`: the condition must not hold.
    pub negated: bool,
    /// The condition.
    pub filter: Filter,
}

/// The values of `is:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsValue {
    /// Status `unresolved`.
    Unresolved,
    /// Status `resolved`.
    Resolved,
    /// Status `ignored` (Sentry's newer name is `archived`).
    Ignored,
    /// Someone or some team is assigned.
    Assigned,
    /// Nobody is assigned.
    Unassigned,
    /// Unresolved and new, regressed or escalating (Sentry's inbox).
    ForReview,
}

/// Who an `assigned:` / `bookmarks:` value names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The caller.
    Me,
    /// Nobody (no assignee).
    Nobody,
    /// Any team the caller is a member of.
    MyTeams,
    /// The team with this slug.
    Team(String),
    /// The user with this email (lower-cased).
    Email(String),
}

/// An inclusive range of integers (Unix milliseconds or counts); `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Range {
    /// Smallest value that matches.
    pub min: Option<i64>,
    /// Largest value that matches.
    pub max: Option<i64>,
}

/// What a term tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `is:` — any of these.
    Is(Vec<IsValue>),
    /// `assigned:` — assigned to any of these.
    Assigned(Vec<Actor>),
    /// `assigned_or_suggested:` — assigned to any of these, or unassigned with any of them
    /// among the issue's owners (ownership rules and CODEOWNERS; Cairn knows no suspect
    /// commits).
    AssignedOrSuggested(Vec<Actor>),
    /// `bookmarks:` — bookmarked by any of these users (`Me` or `Email`).
    Bookmarks(Vec<Actor>),
    /// A tag with any of these values (`*` is a wildcard).
    Tag {
        /// Tag key, e.g. `release` or `user`.
        key: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// `has:` — the issue has a value for this tag.
    Has(String),
    /// `firstRelease:` (also `first-release:`): the issue's first event had any of these
    /// releases (`*` is a wildcard).
    FirstRelease(Vec<String>),
    /// `firstSeen:` / `age:` in Unix milliseconds.
    FirstSeen(Range),
    /// `lastSeen:` in Unix milliseconds.
    LastSeen(Range),
    /// `timesSeen:`.
    TimesSeen(Range),
    /// Free text in the title or culprit (`*` is a wildcard).
    Text(String),
    /// `trace:` — an event of the issue happened in any of these distributed traces.
    Trace(Vec<[u8; 16]>),
    /// `issue.priority:` — the issue has any of these priorities.
    Priority(Vec<Priority>),
    /// `release.version:`, `release.package:`, `release.stage:` — an event of the issue has a
    /// release so chosen. The issue lists replace it by the `release` tag filter of the
    /// releases it names (`endpoints::api::issues::resolve_release_terms`) before searching.
    Release(ReleaseFilter),
    /// `error.unhandled:true` (also `error.handled:0`): an event of the issue was unhandled
    /// (`false`: none was).
    Unhandled(bool),
    /// `regressed_in_release:` — the issue regressed with an event of any of these releases.
    RegressedInRelease(Vec<String>),
    /// Resolved in any of these releases (`statusDetails.inRelease`, set by hand or by a
    /// commit): what a release's *Resolved* issues list (not a search key).
    ResolvedInRelease(Vec<String>),
}

/// Releases chosen by their version's parts or their adoption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseFilter {
    /// `release.version:` — in relation `op` (`>`, `>=`, `<`, `<=`, `=`) to a version.
    Version {
        /// The comparison (`=` when none is written).
        op: &'static str,
        /// The version compared with.
        bound: VersionBound,
    },
    /// `release.package:` — any of these packages (`*` is a wildcard).
    Package(Vec<String>),
    /// `release.stage:` — in any of these adoption stages, in the search's one environment.
    Stage(Vec<AdoptionStage>),
}

impl ReleaseFilter {
    /// Whether `release` is chosen; `None` for stages, which depend on stored adoption.
    pub fn matches(&self, release: &str) -> Option<bool> {
        match self {
            ReleaseFilter::Version { op, bound } => Some(bound.matches(op, release)),
            ReleaseFilter::Package(patterns) => {
                let package = crate::ingest::release::package(release).unwrap_or_default();
                Some(patterns.iter().any(|p| crate::util::wildcard_match(p, package)))
            }
            ReleaseFilter::Stage(_) => None,
        }
    }
}

/// Most terms in one search, and most values in one `[a, b]` list: each value is a bound
/// parameter, and binding costs grow with the square of a statement's parameter count.
pub const MAX_TERMS: usize = 50;
/// See [`MAX_TERMS`].
pub const MAX_LIST: usize = 100;

/// Parses a Sentry search. `now_ms` anchors relative times such as `-24h`.
pub fn parse(query: &str, now_ms: i64) -> Result<Vec<Term>, SearchError> {
    let mut terms = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let tokens = tokenize(query)?;
    if tokens.len() > MAX_TERMS {
        return Err(SearchError(format!(
            "The search has {} terms; at most {MAX_TERMS} are allowed",
            tokens.len()
        )));
    }
    for token in tokens {
        match token {
            Token::Text { negated: false, text } => words.push(text),
            Token::Text { negated: true, text } => {
                terms.push(Term { negated: true, filter: Filter::Text(text) })
            }
            Token::Pair { negated, key, value, raw } => {
                let filter = filter(&key, value, now_ms)
                    .map_err(|why| SearchError(format!("Invalid search term {raw:?}: {why}")))?;
                terms.push(Term { negated, filter });
            }
        }
    }
    if !words.is_empty() {
        // Sentry searches free text as one phrase, not word by word.
        terms.push(Term { negated: false, filter: Filter::Text(words.join(" ")) });
    }
    Ok(terms)
}

/// A value as written: one string (bare or quoted) or a `[a, b]` list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    One(String),
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Free text (a bare word or a quoted phrase), `!`-prefixed when negated.
    Text { negated: bool, text: String },
    /// `key:value`; `raw` is the term as written, for error messages.
    Pair { negated: bool, key: String, value: Value, raw: String },
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']')
}

/// Splits a query into free text and `key:value` pairs.
fn tokenize(query: &str) -> Result<Vec<Token>, SearchError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let negated = chars[i] == '!';
        let body = if negated { i + 1 } else { i };
        if chars.get(body) == Some(&'"') {
            let (text, end) = quoted(&chars, body).ok_or_else(|| {
                SearchError(format!("Unterminated quote in {:?}", rest(&chars, start)))
            })?;
            tokens.push(Token::Text { negated, text });
            i = end;
            continue;
        }
        let mut k = body;
        while k < chars.len() && is_key_char(chars[k]) {
            k += 1;
        }
        if k > body && chars.get(k) == Some(&':') {
            let key: String = chars[body..k].iter().collect();
            let v = k + 1;
            let (value, end) = match chars.get(v) {
                Some('"') => {
                    let (text, end) = quoted(&chars, v).ok_or_else(|| {
                        SearchError(format!("Unterminated quote in {:?}", rest(&chars, start)))
                    })?;
                    (Value::One(text), end)
                }
                Some('[') => {
                    let (items, end) = list(&chars, v).ok_or_else(|| {
                        SearchError(format!("Unterminated list in {:?}", rest(&chars, start)))
                    })?;
                    (Value::List(items), end)
                }
                _ => {
                    let mut end = v;
                    while end < chars.len() && !chars[end].is_whitespace() {
                        end += 1;
                    }
                    (Value::One(chars[v..end].iter().collect()), end)
                }
            };
            let raw: String = chars[start..end].iter().collect();
            tokens.push(Token::Pair { negated, key, value, raw });
            i = end;
            continue;
        }
        let mut end = body;
        while end < chars.len() && !chars[end].is_whitespace() {
            end += 1;
        }
        let text: String = chars[body..end].iter().collect();
        if text.is_empty() {
            // A lone `!`: nothing to negate, so it is plain text.
            tokens.push(Token::Text { negated: false, text: "!".into() });
        } else {
            tokens.push(Token::Text { negated, text });
        }
        i = end;
    }
    Ok(tokens)
}

/// The rest of the query from `start` to the next whitespace, for error messages.
fn rest(chars: &[char], start: usize) -> String {
    chars[start..].iter().take_while(|c| !c.is_whitespace()).collect()
}

/// A `"..."` string starting at `at` (with `\"` and `\\` escapes); returns it and the index
/// after the closing quote.
fn quoted(chars: &[char], at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Some((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// A `[a, "b c", d]` list starting at `at`; returns its items and the index after `]`.
fn list(chars: &[char], at: usize) -> Option<(Vec<String>, usize)> {
    let mut items = Vec::new();
    let mut i = at + 1;
    loop {
        while chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        let item = if chars.get(i) == Some(&'"') {
            let (text, end) = quoted(chars, i)?;
            i = end;
            text
        } else {
            let begin = i;
            while i < chars.len() && !matches!(chars[i], ',' | ']') {
                i += 1;
            }
            chars[begin..i].iter().collect::<String>().trim().to_owned()
        };
        items.push(item);
        while chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        match chars.get(i)? {
            ',' => i += 1,
            ']' => return Some((items, i + 1)),
            _ => return None,
        }
    }
}

/// The filter of one `key:value` pair; the error text says what is wrong with the value.
fn filter(key: &str, value: Value, now_ms: i64) -> Result<Filter, String> {
    let values = match value {
        Value::One(v) => vec![v],
        Value::List(items) => items,
    };
    if values.iter().any(|v| v.is_empty()) {
        return Err("a value is missing".into());
    }
    if values.len() > MAX_LIST {
        return Err(format!("a list may hold at most {MAX_LIST} values"));
    }
    let single = || -> Result<&str, String> {
        match values.as_slice() {
            [one] => Ok(one.as_str()),
            _ => Err(format!("{key} takes one value, not a list")),
        }
    };
    Ok(match key {
        "is" => Filter::Is(values.iter().map(|v| is_value(v)).collect::<Result<_, _>>()?),
        "assigned" => Filter::Assigned(actors(&values, true)?),
        "assigned_or_suggested" => Filter::AssignedOrSuggested(actors(&values, true)?),
        "bookmarks" => Filter::Bookmarks(actors(&values, false)?),
        "has" => Filter::Has(tag_key(single()?).to_owned()),
        "firstSeen" | "age" => Filter::FirstSeen(time_range(single()?, now_ms)?),
        // Sentry's issue search spells it `firstRelease`; `first-release` is the older name
        // its docs and saved searches still use.
        "firstRelease" | "first-release" | "first_release" => Filter::FirstRelease(values),
        "lastSeen" => Filter::LastSeen(time_range(single()?, now_ms)?),
        "timesSeen" => Filter::TimesSeen(count_range(single()?)?),
        "message" => Filter::Text(single()?.to_owned()),
        "trace" => Filter::Trace(values.iter().map(|v| trace_id(v)).collect::<Result<_, _>>()?),
        "issue.priority" => {
            Filter::Priority(values.iter().map(|v| priority(v)).collect::<Result<_, _>>()?)
        }
        "release.version" => {
            let (op, rest) = comparison(single()?);
            let bound = VersionBound::parse(rest)
                .ok_or_else(|| format!("{rest:?} is not a semantic version such as 1.2.3"))?;
            if bound.is_wildcard() && op.is_some_and(|op| op != "=") {
                return Err("a version ending in .* cannot be compared with >, <".into());
            }
            Filter::Release(ReleaseFilter::Version { op: op.unwrap_or("="), bound })
        }
        "release.package" => Filter::Release(ReleaseFilter::Package(values)),
        "error.unhandled" => Filter::Unhandled(truth(single()?)?),
        "error.handled" => Filter::Unhandled(!truth(single()?)?),
        "regressed_in_release" => Filter::RegressedInRelease(values),
        "release.stage" => Filter::Release(ReleaseFilter::Stage(
            values
                .iter()
                .map(|v| {
                    AdoptionStage::parse(v).ok_or_else(|| {
                        format!("{v:?} is not one of adopted, low_adoption, replaced")
                    })
                })
                .collect::<Result<_, _>>()?,
        )),
        _ => user_tag(key, values),
    })
}

/// Sentry's `user.id:`, `user.email:`, ... are parts of the `user` tag, which Cairn stores as
/// `id:42`, `email:a@b.c` (see `ingest::event::user_ident`); `tags[x]:` is the tag `x`.
fn user_tag(key: &str, values: Vec<String>) -> Filter {
    let prefix = match key {
        "user.id" => Some("id"),
        "user.email" => Some("email"),
        "user.username" => Some("username"),
        "user.ip" => Some("ip"),
        _ => None,
    };
    match prefix {
        Some(prefix) => Filter::Tag {
            key: "user".into(),
            values: values.into_iter().map(|v| format!("{prefix}:{v}")).collect(),
        },
        None => Filter::Tag { key: tag_key(key).to_owned(), values },
    }
}

/// A trace id as SDKs send it: 32 hex digits.
fn trace_id(value: &str) -> Result<[u8; 16], String> {
    let invalid = || format!("{value:?} is not a trace id (32 hexadecimal digits)");
    if value.len() != 32 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    uuid::Uuid::try_parse(value).map(uuid::Uuid::into_bytes).map_err(|_| invalid())
}

/// A boolean as Sentry's search writes one: `true`/`1` or `false`/`0`.
fn truth(value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(format!("{other:?} is not true, false, 1 or 0")),
    }
}

fn priority(value: &str) -> Result<Priority, String> {
    Priority::from_name(value).ok_or_else(|| format!("{value:?} is not one of high, medium, low"))
}

fn tag_key(key: &str) -> &str {
    key.strip_prefix("tags[").and_then(|k| k.strip_suffix(']')).unwrap_or(key)
}

fn is_value(value: &str) -> Result<IsValue, String> {
    Ok(match value {
        "unresolved" => IsValue::Unresolved,
        "resolved" => IsValue::Resolved,
        // `muted`: Sentry's older name of it.
        "ignored" | "archived" | "muted" => IsValue::Ignored,
        "assigned" => IsValue::Assigned,
        "unassigned" => IsValue::Unassigned,
        "for_review" => IsValue::ForReview,
        other => {
            return Err(format!(
                "{other:?} is not one of unresolved, resolved, ignored, archived, assigned, \
                 unassigned, for_review"
            ))
        }
    })
}

/// Values of `assigned:` (`teams` true) and `bookmarks:` (people only).
fn actors(values: &[String], teams: bool) -> Result<Vec<Actor>, String> {
    values
        .iter()
        .map(|v| match v.as_str() {
            "me" => Ok(Actor::Me),
            "none" if teams => Ok(Actor::Nobody),
            "my_teams" if teams => Ok(Actor::MyTeams),
            team if teams && team.starts_with('#') && team.len() > 1 => {
                Ok(Actor::Team(team[1..].to_owned()))
            }
            email if email.contains('@') => Ok(Actor::Email(email.to_lowercase())),
            other if teams => {
                Err(format!("{other:?} is not me, none, my_teams, #team-slug or an email"))
            }
            other => Err(format!("{other:?} is not me or an email")),
        })
        .collect()
}

/// A comparison prefix (`>=`, `<=`, `>`, `<`, `=`) and the rest.
fn comparison(value: &str) -> (Option<&'static str>, &str) {
    for op in [">=", "<=", ">", "<", "="] {
        if let Some(rest) = value.strip_prefix(op) {
            return (Some(op), rest);
        }
    }
    (None, value)
}

/// A range from a comparison and a point: `>` and `<` exclude it (values are integers).
fn compare(op: &str, point: i64) -> Range {
    match op {
        ">" => Range { min: Some(point.saturating_add(1)), max: None },
        ">=" => Range { min: Some(point), max: None },
        "<" => Range { min: None, max: Some(point.saturating_sub(1)) },
        "<=" => Range { min: None, max: Some(point) },
        _ => Range { min: Some(point), max: Some(point) },
    }
}

/// `-24h`, `+7d`, ... as (sign, milliseconds).
fn relative(value: &str) -> Option<(char, i64)> {
    let mut chars = value.chars();
    let sign = chars.next().filter(|c| matches!(c, '+' | '-'))?;
    let body = chars.as_str();
    let unit = body.chars().last()?;
    let unit_ms = match unit {
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => return None,
    };
    let amount: i64 = body[..body.len() - 1].parse().ok().filter(|n: &i64| *n >= 0)?;
    Some((sign, amount.checked_mul(unit_ms)?))
}

/// An ISO 8601 date or date-time (UTC unless it says otherwise) as Unix milliseconds; a date
/// alone is its midnight (UTC).
pub fn iso_datetime_ms(value: &str) -> Option<i64> {
    absolute(value).map(|(ms, _)| ms)
}

/// An ISO 8601 date or date-time (UTC unless it says otherwise) as Unix milliseconds, and
/// whether it was a date only.
fn absolute(value: &str) -> Option<(i64, bool)> {
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(value) {
        return Some((dt.timestamp_millis(), false));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(value, format) {
            return Some((Utc.from_utc_datetime(&dt).timestamp_millis(), false));
        }
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some((Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?).timestamp_millis(), true))
}

const DAY_MS: i64 = 86_400_000;
/// How close a date-time written without a comparison must be, as Sentry matches it.
const NEAR_MS: i64 = 5 * 60_000;

/// `firstSeen:` / `lastSeen:` values, with Sentry's meaning: `-24h` is "within the last 24
/// hours", `+24h` "more than 24 hours ago"; a date alone is that whole day (UTC); a date-time
/// alone is within five minutes of it; a comparison takes a date or a signed relative time,
/// which then stands for the moment that long ago.
fn time_range(value: &str, now_ms: i64) -> Result<Range, String> {
    let (op, rest) = comparison(value);
    if let Some((sign, ms)) = relative(rest) {
        let point = now_ms.saturating_sub(ms);
        return Ok(match (op, sign) {
            (Some(op), _) => compare(op, point),
            (None, '-') => Range { min: Some(point), max: None },
            (None, _) => Range { min: None, max: Some(point) },
        });
    }
    if let Some((point, date_only)) = absolute(rest) {
        return Ok(match (op, date_only) {
            (Some(op @ (">" | ">=" | "<" | "<=")), _) => compare(op, point),
            (_, true) => Range { min: Some(point), max: Some(point + DAY_MS - 1) },
            (_, false) => Range { min: Some(point - NEAR_MS), max: Some(point + NEAR_MS) },
        });
    }
    Err(format!("{rest:?} is neither a relative time (-24h, +7d, -30m, -2w) nor an ISO 8601 date"))
}

/// `timesSeen:` values: a whole number, optionally after a comparison.
fn count_range(value: &str) -> Result<Range, String> {
    let (op, rest) = comparison(value);
    let n: i64 = rest
        .parse()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| format!("{rest:?} is not a whole number"))?;
    Ok(compare(op.unwrap_or("="), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;
    const H: i64 = 3_600_000;

    fn one(query: &str) -> Term {
        let terms = parse(query, NOW).expect("parses");
        assert_eq!(terms.len(), 1, "{terms:?}");
        terms.into_iter().next().expect("one term")
    }

    fn err(query: &str) -> String {
        parse(query, NOW).expect_err("refused").0
    }

    fn tag(key: &str, values: &[&str]) -> Filter {
        Filter::Tag { key: key.into(), values: values.iter().map(|v| v.to_string()).collect() }
    }

    #[test]
    fn empty_query_has_no_terms() {
        assert_eq!(parse("", NOW), Ok(vec![]));
        assert_eq!(parse("   ", NOW), Ok(vec![]));
    }

    #[test]
    fn release_filters_parse_versions_packages_and_stages() {
        let version = |op: &'static str, text: &str| {
            let bound = VersionBound::parse(text).expect("a version");
            Filter::Release(ReleaseFilter::Version { op, bound })
        };
        assert_eq!(one("release.version:>=1.2").filter, version(">=", "1.2"));
        assert_eq!(one("release.version:app@2.0.0").filter, version("=", "app@2.0.0"));
        assert_eq!(one("release.version:1.*").filter, version("=", "1.*"));
        assert!(one("!release.version:<2").negated);
        assert_eq!(
            one("release.package:[api, web*]").filter,
            Filter::Release(ReleaseFilter::Package(vec!["api".into(), "web*".into()]))
        );
        assert_eq!(
            one("release.stage:[adopted, replaced]").filter,
            Filter::Release(ReleaseFilter::Stage(vec![
                AdoptionStage::Adopted,
                AdoptionStage::Replaced
            ]))
        );
        assert!(err("release.version:latest").contains("not a semantic version"));
        assert!(err("release.version:[1.0, 2.0]").contains("takes one value"));
        assert!(err("release.version:<1.*").contains("cannot be compared"));
        assert!(err("release.stage:popular").contains("adopted, low_adoption, replaced"));
    }

    #[test]
    fn unhandled_and_regressed_in_release_parse() {
        assert_eq!(one("error.unhandled:true").filter, Filter::Unhandled(true));
        assert_eq!(one("error.unhandled:0").filter, Filter::Unhandled(false));
        assert_eq!(one("error.handled:0").filter, Filter::Unhandled(true));
        assert_eq!(one("error.handled:true").filter, Filter::Unhandled(false));
        assert_eq!(
            one("regressed_in_release:[app@1, latest]").filter,
            Filter::RegressedInRelease(vec!["app@1".into(), "latest".into()])
        );
        assert!(err("error.unhandled:maybe").contains("not true, false, 1 or 0"));
    }

    #[test]
    fn key_value_is_a_tag_filter() {
        assert_eq!(one("browser:Firefox").filter, tag("browser", &["Firefox"]));
        assert_eq!(one("tags[os.name]:Linux").filter, tag("os.name", &["Linux"]));
    }

    #[test]
    fn negation() {
        let term = one("!release:1.0");
        assert!(term.negated);
        assert_eq!(term.filter, tag("release", &["1.0"]));
        assert!(!one("release:1.0").negated);
    }

    #[test]
    fn quoted_values_keep_spaces_and_escapes() {
        assert_eq!(one(r#"server:"web 1""#).filter, tag("server", &["web 1"]));
        assert_eq!(one(r#"msg:"say \"hi\"""#).filter, tag("msg", &[r#"say "hi""#]));
        assert!(err(r#"server:"web 1"#).contains("Unterminated quote"));
    }

    #[test]
    fn lists_match_any_value() {
        assert_eq!(one("level:[error, warning]").filter, tag("level", &["error", "warning"]));
        assert_eq!(one(r#"server:["a b",c]"#).filter, tag("server", &["a b", "c"]));
        assert!(err("level:[error, warning").contains("Unterminated list"));
        assert!(err("level:[error, ]").contains("missing"));
    }

    #[test]
    fn free_text_words_form_one_phrase() {
        let terms = parse("is:resolved connection refused", NOW).expect("parses");
        assert_eq!(terms[1].filter, Filter::Text("connection refused".into()));
        assert_eq!(one(r#""a: b""#).filter, Filter::Text("a: b".into()));
        assert_eq!(one("Zero*Error").filter, Filter::Text("Zero*Error".into()));
        let negated = one("!timeout");
        assert!(negated.negated);
        assert_eq!(negated.filter, Filter::Text("timeout".into()));
    }

    #[test]
    fn is_statuses_and_states() {
        assert_eq!(one("is:unresolved").filter, Filter::Is(vec![IsValue::Unresolved]));
        assert_eq!(one("is:resolved").filter, Filter::Is(vec![IsValue::Resolved]));
        assert_eq!(one("is:ignored").filter, Filter::Is(vec![IsValue::Ignored]));
        assert_eq!(one("is:archived").filter, Filter::Is(vec![IsValue::Ignored]));
        assert_eq!(one("is:assigned").filter, Filter::Is(vec![IsValue::Assigned]));
        assert_eq!(one("is:unassigned").filter, Filter::Is(vec![IsValue::Unassigned]));
        assert_eq!(one("is:for_review").filter, Filter::Is(vec![IsValue::ForReview]));
        assert_eq!(
            one("is:[resolved, ignored]").filter,
            Filter::Is(vec![IsValue::Resolved, IsValue::Ignored])
        );
    }

    #[test]
    fn is_unknown_value_is_refused_naming_the_term() {
        let message = err("release:1 is:bogus");
        assert!(message.contains("\"is:bogus\""), "{message}");
        assert!(message.contains("unresolved"), "{message}");
    }

    #[test]
    fn assigned_values() {
        assert_eq!(
            one("assigned:[me, none, my_teams, #backend, Ann@Example.com]").filter,
            Filter::Assigned(vec![
                Actor::Me,
                Actor::Nobody,
                Actor::MyTeams,
                Actor::Team("backend".into()),
                Actor::Email("ann@example.com".into()),
            ])
        );
        assert!(err("assigned:bob").contains("\"assigned:bob\""));
        assert!(err("assigned:#").contains("assigned:#"));
    }

    #[test]
    fn assigned_or_suggested_values() {
        assert_eq!(
            one("assigned_or_suggested:[me, #ops]").filter,
            Filter::AssignedOrSuggested(vec![Actor::Me, Actor::Team("ops".into())])
        );
    }

    #[test]
    fn bookmarks_values() {
        assert_eq!(one("bookmarks:me").filter, Filter::Bookmarks(vec![Actor::Me]));
        assert!(err("bookmarks:#team").contains("not me or an email"));
        assert!(err("bookmarks:none").contains("bookmarks:none"));
    }

    #[test]
    fn release_environment_level_are_tags() {
        assert_eq!(one("release:backend@1.*").filter, tag("release", &["backend@1.*"]));
        for key in ["firstRelease", "first-release"] {
            assert_eq!(
                one(&format!("{key}:\"app@1.0 beta\"")).filter,
                Filter::FirstRelease(vec!["app@1.0 beta".into()])
            );
        }
        assert_eq!(one("environment:production").filter, tag("environment", &["production"]));
        assert_eq!(one("level:error").filter, tag("level", &["error"]));
    }

    #[test]
    fn trace_values_are_trace_ids() {
        let Filter::Trace(ids) =
            one("trace:[4C79F60C11214EB38604F4AE0781BFB2, 00000000000000000000000000000001]")
                .filter
        else {
            panic!("not a trace filter");
        };
        assert_eq!(ids.len(), 2);
        assert_eq!((ids[0][0], ids[0][15], ids[1][15]), (0x4c, 0xb2, 1));
        assert!(err("trace:4c79f60c").contains("not a trace id"));
        assert!(err("trace:4c79f60c-1121-4eb3-8604-f4ae0781bfb2").contains("not a trace id"));
    }

    #[test]
    fn issue_priority_values_are_sentrys_priorities() {
        assert_eq!(one("issue.priority:high").filter, Filter::Priority(vec![Priority::High]));
        assert_eq!(
            one("issue.priority:[high, medium]").filter,
            Filter::Priority(vec![Priority::High, Priority::Medium])
        );
        let negated = one("!issue.priority:low");
        assert!(negated.negated);
        assert_eq!(negated.filter, Filter::Priority(vec![Priority::Low]));
        assert!(err("issue.priority:urgent").contains("\"urgent\" is not one of high, medium, low"));
    }

    #[test]
    fn user_fields_are_parts_of_the_user_tag() {
        assert_eq!(one("user.email:a@b.c").filter, tag("user", &["email:a@b.c"]));
        assert_eq!(one("user.id:[1, 2]").filter, tag("user", &["id:1", "id:2"]));
        assert_eq!(one("user:id:1").filter, tag("user", &["id:1"]));
    }

    #[test]
    fn has_and_not_has() {
        assert_eq!(one("has:browser").filter, Filter::Has("browser".into()));
        let term = one("!has:user");
        assert!(term.negated);
        assert_eq!(term.filter, Filter::Has("user".into()));
    }

    #[test]
    fn first_seen_relative() {
        assert_eq!(
            one("firstSeen:-24h").filter,
            Filter::FirstSeen(Range { min: Some(NOW - 24 * H), max: None })
        );
        assert_eq!(
            one("firstSeen:+7d").filter,
            Filter::FirstSeen(Range { min: None, max: Some(NOW - 7 * 24 * H) })
        );
        assert_eq!(
            one("firstSeen:-30m").filter,
            Filter::FirstSeen(Range { min: Some(NOW - 30 * 60_000), max: None })
        );
        assert_eq!(
            one("firstSeen:-2w").filter,
            Filter::FirstSeen(Range { min: Some(NOW - 14 * 24 * H), max: None })
        );
    }

    #[test]
    fn age_is_first_seen() {
        assert_eq!(one("age:-24h").filter, one("firstSeen:-24h").filter);
    }

    #[test]
    fn last_seen_with_comparisons() {
        assert_eq!(
            one("lastSeen:>-1h").filter,
            Filter::LastSeen(Range { min: Some(NOW - H + 1), max: None })
        );
        assert_eq!(
            one("lastSeen:<=-1h").filter,
            Filter::LastSeen(Range { min: None, max: Some(NOW - H) })
        );
    }

    #[test]
    fn absolute_dates() {
        let day = 1_704_067_200_000; // 2024-01-01T00:00:00Z
        assert_eq!(
            one("firstSeen:>=2024-01-01").filter,
            Filter::FirstSeen(Range { min: Some(day), max: None })
        );
        assert_eq!(
            one("lastSeen:<2024-01-01T00:00:00Z").filter,
            Filter::LastSeen(Range { min: None, max: Some(day - 1) })
        );
        assert_eq!(
            one("firstSeen:2024-01-01").filter,
            Filter::FirstSeen(Range { min: Some(day), max: Some(day + DAY_MS - 1) })
        );
        assert_eq!(
            one("firstSeen:2024-01-01T01:00:00+01:00").filter,
            Filter::FirstSeen(Range { min: Some(day - NEAR_MS), max: Some(day + NEAR_MS) })
        );
    }

    #[test]
    fn bad_dates_are_refused() {
        assert!(err("firstSeen:yesterday").contains("\"firstSeen:yesterday\""));
        assert!(err("lastSeen:24h").contains("relative time"));
        assert!(err("age:-3y").contains("age:-3y"));
        assert!(err("firstSeen:[-1h, -2h]").contains("one value"));
    }

    #[test]
    fn times_seen() {
        assert_eq!(
            one("timesSeen:>10").filter,
            Filter::TimesSeen(Range { min: Some(11), max: None })
        );
        assert_eq!(
            one("timesSeen:<=3").filter,
            Filter::TimesSeen(Range { min: None, max: Some(3) })
        );
        assert_eq!(
            one("timesSeen:5").filter,
            Filter::TimesSeen(Range { min: Some(5), max: Some(5) })
        );
        assert!(err("timesSeen:>lots").contains("not a whole number"));
    }

    #[test]
    fn too_many_terms_or_values_are_refused() {
        let terms = vec!["a:b"; MAX_TERMS + 1].join(" ");
        assert!(err(&terms).contains("at most 50"));
        let values = vec!["v"; MAX_LIST + 1].join(",");
        assert!(err(&format!("tag:[{values}]")).contains("at most 100"));
        assert!(parse(&vec!["a:b"; MAX_TERMS].join(" "), NOW).is_ok());
    }

    #[test]
    fn missing_value_is_refused() {
        assert!(err("release:").contains("\"release:\""));
    }

    #[test]
    fn several_terms() {
        let terms =
            parse("is:unresolved !level:info browser:\"Firefox 1\" oops", NOW).expect("parses");
        assert_eq!(terms.len(), 4);
        assert!(terms[1].negated);
        assert_eq!(terms[2].filter, tag("browser", &["Firefox 1"]));
        assert_eq!(terms[3].filter, Filter::Text("oops".into()));
    }
}
