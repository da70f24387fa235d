//! Sentry's server-side rule languages, parsed from a project's text: fingerprint rules
//! (`error.type:Foo -> my-group`) and stack-trace rules, a.k.a. enhancements
//! (`stack.module:vendor.* -app`), with Sentry's glob matching.

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};

/// Behaviour family of a platform, as Sentry's rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `objc`, `cocoa`, `swift`, `native`, `c`.
    Native,
    /// `javascript`, `node`.
    Javascript,
    /// Everything else.
    Other,
}

impl Family {
    /// The family of a platform name.
    pub fn of(platform: &str) -> Self {
        match platform {
            "objc" | "cocoa" | "swift" | "native" | "c" => Family::Native,
            "javascript" | "node" => Family::Javascript,
            _ => Family::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Native => "native",
            Family::Javascript => "javascript",
            Family::Other => "other",
        }
    }

    /// Whether a `family:` pattern (a comma-separated list, `all` for any) names this family.
    fn matches(self, pattern: &str) -> bool {
        pattern.split(',').any(|f| {
            let f = f.trim();
            f == "all" || f == self.name()
        })
    }
}

/// A rule text that could not be parsed: the 1-based line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParseError {
    /// Which set of rules (`fingerprinting` or `stack trace rules`).
    pub rules: &'static str,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for RuleParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, line {}: {}", self.rules, self.line, self.message)
    }
}

impl std::error::Error for RuleParseError {}

/// A compiled glob (Sentry's `glob_match`): `*` and `?` (which, in path mode, stop at `/`),
/// `**` (path mode: anything), `[...]`/`[!...]` classes and `\` escapes; whole-value match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Tok>,
    ignore_case: bool,
    path: bool,
    /// The common patterns (`std::*`, `**/node_modules/**`, `*.dylib`, plain words) as string
    /// operations: the built-in stack-trace rules test every frame, so this is the hot path.
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Everything,
    /// Token matching, after a check that the longest literal run of the pattern is in the
    /// value (cheap, and backtracking over `**` is not).
    Tokens(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Any,
    AnyDeep,
    One,
    Class(bool, Vec<(char, char)>),
}

impl Glob {
    /// Compiles `pattern`; `path` makes `*` stop at `/`, enables `**` and normalizes `\` to `/`.
    pub fn new(pattern: &str, ignore_case: bool, path: bool) -> Self {
        let pattern: Cow<'_, str> = match (ignore_case, path) {
            (true, true) => pattern.to_lowercase().replace('\\', "/").into(),
            (true, false) => pattern.to_lowercase().into(),
            (false, true) => pattern.replace('\\', "/").into(),
            (false, false) => pattern.into(),
        };
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' if path && chars.get(i) == Some(&'*') => {
                    i += 1;
                    tokens.push(Tok::AnyDeep);
                }
                '*' => tokens.push(Tok::Any),
                '?' => tokens.push(Tok::One),
                '\\' if !path && i < chars.len() => {
                    tokens.push(Tok::Lit(chars[i]));
                    i += 1;
                }
                '[' => {
                    let close =
                        chars[i..].iter().skip(1).position(|c| *c == ']').map(|p| i + 1 + p);
                    match close {
                        Some(close) => {
                            let mut body = &chars[i..close];
                            let negated = matches!(body.first(), Some('!' | '^'));
                            if negated {
                                body = &body[1..];
                            }
                            let mut ranges = Vec::new();
                            let mut j = 0;
                            while j < body.len() {
                                if j + 2 < body.len() && body[j + 1] == '-' {
                                    ranges.push((body[j], body[j + 2]));
                                    j += 3;
                                } else {
                                    ranges.push((body[j], body[j]));
                                    j += 1;
                                }
                            }
                            tokens.push(Tok::Class(negated, ranges));
                            i = close + 1;
                        }
                        None => tokens.push(Tok::Lit('[')),
                    }
                }
                c => tokens.push(Tok::Lit(c)),
            }
        }
        // `**` outside path mode is two `*`, which match what one does.
        tokens
            .dedup_by(|b, a| matches!((a, b), (Tok::Any, Tok::Any) | (Tok::AnyDeep, Tok::AnyDeep)));
        let shape = Self::shape_of(&tokens, path);
        Glob { tokens, ignore_case, path, shape }
    }

    fn shape_of(tokens: &[Tok], path: bool) -> Shape {
        // A wildcard that matches any text: `**`, or `*` when `/` is nothing special.
        let free = |t: &Tok| matches!(t, Tok::AnyDeep) || (!path && matches!(t, Tok::Any));
        let literal = |ts: &[Tok]| -> Option<String> {
            ts.iter().map(|t| if let Tok::Lit(c) = t { Some(*c) } else { None }).collect()
        };
        match tokens {
            [only] if free(only) => Shape::Everything,
            [first, middle @ .., last] if free(first) && free(last) => literal(middle)
                .map_or_else(|| Shape::Tokens(Self::longest_literal(tokens)), Shape::Contains),
            [first, rest @ ..] if free(first) => literal(rest)
                .map_or_else(|| Shape::Tokens(Self::longest_literal(tokens)), Shape::Suffix),
            [rest @ .., last] if free(last) => literal(rest)
                .map_or_else(|| Shape::Tokens(Self::longest_literal(tokens)), Shape::Prefix),
            all => {
                literal(all).map_or_else(|| Shape::Tokens(Self::longest_literal(all)), Shape::Exact)
            }
        }
    }

    fn longest_literal(tokens: &[Tok]) -> String {
        tokens
            .split(|t| !matches!(t, Tok::Lit(_)))
            .max_by_key(|run| run.len())
            .map(|run| {
                run.iter()
                    .filter_map(|t| if let Tok::Lit(c) = t { Some(*c) } else { None })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `value`, already lowercased (for a case-insensitive glob) and with `/` separators
    /// (for a path glob), matches.
    fn is_match_normalized(&self, value: &str) -> bool {
        match &self.shape {
            Shape::Exact(s) => value == s,
            Shape::Prefix(s) => starts_with(value, s),
            Shape::Suffix(s) => ends_with(value, s),
            Shape::Contains(s) => contains(value, s),
            Shape::Everything => true,
            Shape::Tokens(required) => {
                if !value.contains(required.as_str()) {
                    return false;
                }
                if let [Tok::Any] = self.tokens.as_slice() {
                    return !value.contains('/');
                }
                let chars: Vec<char> = value.chars().collect();
                self.match_from(0, &chars)
            }
        }
    }

    /// [`Glob::is_match_normalized`] of `/` followed by `value`, without building that string
    /// for the common shapes.
    fn is_match_normalized_with_slash(&self, value: &str) -> bool {
        match &self.shape {
            Shape::Exact(s) => s.strip_prefix('/') == Some(value),
            Shape::Prefix(s) => {
                s.is_empty() || s.strip_prefix('/').is_some_and(|s| starts_with(value, s))
            }
            Shape::Suffix(s) => value.ends_with(s.as_str()) || s.strip_prefix('/') == Some(value),
            Shape::Contains(s) => {
                value.contains(s.as_str())
                    || s.strip_prefix('/').is_some_and(|s| value.starts_with(s))
            }
            Shape::Everything => true,
            Shape::Tokens(required) => {
                let slashed_has_required = contains(value, required)
                    || required.strip_prefix('/').is_some_and(|r| starts_with(value, r));
                slashed_has_required && self.is_match_normalized(&format!("/{value}"))
            }
        }
    }

    /// Sentry's path matching of a normalized value: the value, else the value with a leading
    /// `/`.
    fn is_path_match_normalized(&self, value: &str) -> bool {
        self.is_match_normalized(value)
            || (!value.starts_with('/') && self.is_match_normalized_with_slash(value))
    }

    /// Whether the whole `value` matches.
    pub fn is_match(&self, value: &str) -> bool {
        let value: Cow<'_, str> = if self.ignore_case && value.chars().any(char::is_uppercase) {
            value.to_lowercase().into()
        } else {
            value.into()
        };
        let value: Cow<'_, str> =
            if self.path && value.contains('\\') { value.replace('\\', "/").into() } else { value };
        self.is_match_normalized(&value)
    }

    fn match_from(&self, t: usize, v: &[char]) -> bool {
        let Some(tok) = self.tokens.get(t) else { return v.is_empty() };
        match tok {
            Tok::Lit(c) => v.first() == Some(c) && self.match_from(t + 1, &v[1..]),
            Tok::One => {
                v.first().is_some_and(|c| !(self.path && *c == '/'))
                    && self.match_from(t + 1, &v[1..])
            }
            Tok::Class(negated, ranges) => {
                v.first().is_some_and(|c| ranges.iter().any(|(a, b)| a <= c && c <= b) != *negated)
                    && self.match_from(t + 1, &v[1..])
            }
            Tok::Any | Tok::AnyDeep => {
                let stop_at_slash = self.path && matches!(tok, Tok::Any);
                for skip in 0..=v.len() {
                    if self.match_from(t + 1, &v[skip..]) {
                        return true;
                    }
                    if stop_at_slash && v.get(skip) == Some(&'/') {
                        return false;
                    }
                }
                false
            }
        }
    }

    /// Sentry's path matching: the value, else the value with a leading `/`.
    fn is_path_match(&self, value: &str) -> bool {
        self.is_match(value) || (!value.starts_with('/') && self.is_match(&format!("/{value}")))
    }
}

// Short-string searches for the glob shapes: most tests fail on the first byte, which is
// checked before any call into `memcmp` or the setup of a substring searcher.

fn starts_with(value: &str, prefix: &str) -> bool {
    let (v, p) = (value.as_bytes(), prefix.as_bytes());
    v.len() >= p.len() && v.first() == p.first() && v.starts_with(p)
}

fn ends_with(value: &str, suffix: &str) -> bool {
    let (v, s) = (value.as_bytes(), suffix.as_bytes());
    v.len() >= s.len() && v.last() == s.last() && v.ends_with(s)
}

fn contains(value: &str, needle: &str) -> bool {
    let (v, n) = (value.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else { return true };
    if v.len() < n.len() {
        return false;
    }
    let last = n[n.len() - 1];
    let last_start = v.len() - n.len();
    v[..=last_start]
        .iter()
        .enumerate()
        .any(|(i, b)| *b == first && v[i + n.len() - 1] == last && v[i + 1..i + n.len()] == *rest)
}

/// What rules know about a frame.
#[derive(Debug, Clone)]
pub struct FrameFacts<'a> {
    /// Trimmed function name, `<unknown>` when there is none.
    pub function: Cow<'a, str>,
    /// `abs_path`.
    pub abs_path: Option<&'a str>,
    /// `filename`.
    pub filename: Option<&'a str>,
    /// `module`.
    pub module: Option<&'a str>,
    /// `package`.
    pub package: Option<&'a str>,
    /// Family of the frame's platform.
    pub family: Family,
    /// Effective in-app flag.
    pub in_app: bool,
    /// What stack-trace rules match `path:` against, as Sentry prepares it: `abs_path`, else
    /// `filename`, lowercased, with `/` separators.
    pub match_path: Option<Cow<'a, str>>,
    /// `package`, prepared the same way for `package:`.
    pub match_package: Option<Cow<'a, str>>,
}

/// Lowercased, with `/` separators: how Sentry's stack-trace rules see paths and packages.
pub fn normalize_match_path(value: &str) -> Cow<'_, str> {
    if value.bytes().any(|b| b.is_ascii_uppercase() || b == b'\\' || !b.is_ascii()) {
        Cow::Owned(value.to_lowercase().replace('\\', "/"))
    } else {
        Cow::Borrowed(value)
    }
}

/// What rules know about an exception.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExceptionFacts<'a> {
    /// `type`.
    pub ty: Option<&'a str>,
    /// `value`.
    pub value: Option<&'a str>,
    /// `mechanism.type`.
    pub mechanism: Option<&'a str>,
}

impl<'a> ExceptionFacts<'a> {
    /// The facts of an exception object.
    pub fn of(exception: &'a Map<String, Value>) -> Self {
        ExceptionFacts {
            ty: exception.get("type").and_then(Value::as_str),
            value: exception.get("value").and_then(Value::as_str),
            mechanism: exception
                .get("mechanism")
                .and_then(|m| m.get("type"))
                .and_then(Value::as_str),
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Line lexing shared by both languages.

struct Cursor<'s> {
    s: &'s str,
    pos: usize,
}

impl<'s> Cursor<'s> {
    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
            self.pos += 1;
        }
    }
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }
    fn rest(&self) -> &'s str {
        &self.s[self.pos..]
    }
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'s str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.s[start..self.pos]
    }
    /// A `"..."` string with `\` escapes, the cursor on the opening quote.
    fn quoted(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.s[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err("unterminated quoted string".to_owned())
    }
    fn near(&self) -> String {
        let rest = self.rest();
        match rest.char_indices().nth(30) {
            Some((i, _)) => format!("{}...", &rest[..i]),
            None => rest.to_owned(),
        }
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// `[!]key:value` at the cursor.
fn parse_matcher(cur: &mut Cursor<'_>) -> Result<(bool, String, String), String> {
    let negated = cur.peek() == Some('!');
    if negated {
        cur.pos += 1;
    }
    let key = if cur.peek() == Some('"') {
        cur.quoted()?
    } else {
        cur.take_while(is_key_char).to_owned()
    };
    if key.is_empty() {
        return Err(format!("expected a matcher like `key:value` near \"{}\"", cur.near()));
    }
    if cur.peek() != Some(':') {
        return Err(format!("expected `:` after matcher key `{key}`"));
    }
    cur.pos += 1;
    let value = match cur.peek() {
        Some('"') => cur.quoted()?,
        _ => cur.take_while(|c| !c.is_whitespace()).to_owned(),
    };
    if value.is_empty() {
        return Err(format!("missing value for matcher `{key}`"));
    }
    Ok((negated, key, value))
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

fn rule_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

// ----------------------------------------------------------------------------------------------
// Fingerprint rules.

#[derive(Debug, Clone)]
enum FpKey {
    Message,
    Logger,
    Level,
    Type,
    Value,
    Function,
    Module,
    Path,
    Package,
    App,
    Family,
    Sdk,
    Release,
    Tag(String),
}

impl FpKey {
    fn parse(key: &str) -> Option<Self> {
        if let Some(tag) = key.strip_prefix("tags.") {
            return Some(FpKey::Tag(tag.to_owned()));
        }
        Some(match key {
            "message" => FpKey::Message,
            "logger" => FpKey::Logger,
            "level" => FpKey::Level,
            "type" | "error.type" => FpKey::Type,
            "value" | "error.value" => FpKey::Value,
            "function" | "stack.function" => FpKey::Function,
            "module" | "stack.module" => FpKey::Module,
            "path" | "stack.abs_path" => FpKey::Path,
            "package" | "stack.package" => FpKey::Package,
            "app" | "stack.app" => FpKey::App,
            "family" => FpKey::Family,
            "sdk" => FpKey::Sdk,
            "release" => FpKey::Release,
            _ => return None,
        })
    }

    /// Matchers of one group must all match the same value (the same frame, exception, ...).
    fn group(&self) -> u8 {
        match self {
            FpKey::Family | FpKey::Sdk | FpKey::Release | FpKey::Tag(_) => 0,
            FpKey::Logger | FpKey::Level => 1,
            FpKey::Message => 2,
            FpKey::Type | FpKey::Value => 3,
            FpKey::Function | FpKey::Module | FpKey::Path | FpKey::Package | FpKey::App => 4,
        }
    }
}

#[derive(Debug, Clone)]
struct FpMatcher {
    key: FpKey,
    negated: bool,
    pattern: String,
    glob: Glob,
}

/// One fingerprint rule: matchers, and the fingerprint an event matching all of them gets.
#[derive(Debug, Clone)]
pub struct FingerprintRule {
    matchers: Vec<FpMatcher>,
    /// The fingerprint (variables unresolved).
    pub fingerprint: Vec<String>,
    /// The `title="..."` attribute, if any.
    pub title: Option<String>,
    /// The rule as written (trimmed), for the grouping information.
    pub text: String,
}

/// What fingerprint rules know about an event.
pub struct EventFacts<'a> {
    /// `logentry.formatted` (else `logentry.message`).
    pub message: Option<&'a str>,
    /// `logger`.
    pub logger: Option<&'a str>,
    /// `level`.
    pub level: Option<&'a str>,
    /// `sdk.name`.
    pub sdk: Option<&'a str>,
    /// `release`.
    pub release: Option<&'a str>,
    /// Family of the event platform.
    pub family: Family,
    /// Tags as `[key, value]` pairs.
    pub tags: &'a [Value],
    /// All exceptions.
    pub exceptions: &'a [ExceptionFacts<'a>],
    /// All frames of all stack traces.
    pub frames: &'a [FrameFacts<'a>],
}

fn tag_value<'a>(tags: &'a [Value], name: &str) -> Option<&'a str> {
    tags.iter().find_map(|pair| {
        let pair = pair.as_array()?;
        (pair.first()?.as_str()? == name).then(|| pair.get(1)?.as_str())?
    })
}

impl FpMatcher {
    fn positive_frame(&self, f: &FrameFacts<'_>) -> bool {
        match &self.key {
            FpKey::Function => self.glob.is_match(&f.function),
            FpKey::Module => f.module.is_some_and(|m| self.glob.is_match(m)),
            FpKey::Path => {
                f.abs_path.or(f.filename).is_some_and(|p| self.glob.is_path_match(p))
                    || f.filename.is_some_and(|p| self.glob.is_path_match(p))
            }
            FpKey::Package => f.package.is_some_and(|p| self.glob.is_path_match(p)),
            FpKey::App => parse_bool(&self.pattern) == Some(f.in_app),
            _ => false,
        }
    }

    fn matches<T>(&self, value: &T, positive: impl Fn(&Self, &T) -> bool) -> bool {
        positive(self, value) != self.negated
    }

    fn positive_event(&self, e: &EventFacts<'_>) -> bool {
        match &self.key {
            FpKey::Family => e.family.matches(&self.pattern),
            FpKey::Sdk => self.pattern.split(',').any(|p| p == "all" || Some(p) == e.sdk),
            FpKey::Release => e.release.is_some_and(|r| self.glob.is_path_match(r)),
            FpKey::Tag(name) => tag_value(e.tags, name).is_some_and(|v| self.glob.is_match(v)),
            FpKey::Logger => e.logger.is_some_and(|v| self.glob.is_match(v)),
            FpKey::Level => e.level.is_some_and(|v| self.glob.is_match(v)),
            _ => false,
        }
    }
}

impl FingerprintRule {
    /// Whether the event matches every matcher of the rule.
    pub fn matches(&self, e: &EventFacts<'_>) -> bool {
        for group in 0..=4u8 {
            let ms: Vec<&FpMatcher> =
                self.matchers.iter().filter(|m| m.key.group() == group).collect();
            if ms.is_empty() {
                continue;
            }
            let ok = match group {
                0 => ms.iter().all(|m| m.matches(e, FpMatcher::positive_event)),
                // Sentry's log info exists only for an event with a logger or a level; without
                // it, no `logger:` or `level:` matcher matches, negated or not.
                1 => {
                    (e.logger.is_some() || e.level.is_some())
                        && ms.iter().all(|m| m.matches(e, FpMatcher::positive_event))
                }
                2 => {
                    let msg = |m: &FpMatcher, text: &Option<&str>| {
                        text.is_some_and(|t| m.glob.is_match(t))
                    };
                    std::iter::once(e.message)
                        .filter(Option::is_some)
                        .chain(e.exceptions.iter().map(|x| x.value))
                        .any(|text| ms.iter().all(|m| m.matches(&text, msg)))
                }
                3 => e.exceptions.iter().any(|x| {
                    ms.iter().all(|m| {
                        m.matches(x, |m, x| {
                            let v = if matches!(m.key, FpKey::Type) { x.ty } else { x.value };
                            v.is_some_and(|v| m.glob.is_match(v))
                        })
                    })
                }),
                _ => e
                    .frames
                    .iter()
                    .any(|f| ms.iter().all(|m| m.matches(f, FpMatcher::positive_frame))),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Parses one rule line.
    fn parse_line(line: &str) -> Result<Self, String> {
        let mut cur = Cursor { s: line, pos: 0 };
        let mut matchers = Vec::new();
        loop {
            cur.skip_spaces();
            if cur.rest().starts_with("->") {
                cur.pos += 2;
                break;
            }
            if cur.at_end() {
                return Err("missing `->` and a fingerprint".to_owned());
            }
            let (negated, key, pattern) = parse_matcher(&mut cur)?;
            let key = FpKey::parse(&key).ok_or_else(|| format!("unknown matcher `{key}`"))?;
            let (ignore_case, path) = match key {
                FpKey::Path | FpKey::Package | FpKey::Release => (true, true),
                FpKey::Level | FpKey::Value | FpKey::Message => (true, false),
                _ => (false, false),
            };
            if matches!(key, FpKey::App) && parse_bool(&pattern).is_none() {
                return Err(format!("invalid boolean `{pattern}` for `app`"));
            }
            let glob = Glob::new(&pattern, ignore_case, path);
            matchers.push(FpMatcher { key, negated, pattern, glob });
        }
        if matchers.is_empty() {
            return Err("a rule needs at least one matcher before `->`".to_owned());
        }
        let mut fingerprint = Vec::new();
        let mut title = None;
        loop {
            cur.skip_spaces();
            while cur.peek() == Some(',') {
                cur.pos += 1;
                cur.skip_spaces();
            }
            let Some(c) = cur.peek() else { break };
            if c == '"' {
                fingerprint.push(cur.quoted()?);
            } else if cur.rest().starts_with("{{") {
                let end = cur.rest().find("}}").ok_or("unterminated `{{` variable")?;
                fingerprint.push(cur.rest()[..end + 2].to_owned());
                cur.pos += end + 2;
            } else {
                let key_len =
                    cur.rest().find(|c: char| !is_key_char(c)).unwrap_or(cur.rest().len());
                if key_len > 0 && cur.rest()[key_len..].starts_with("=\"") {
                    let key = cur.rest()[..key_len].to_owned();
                    cur.pos += key_len + 1;
                    let value = cur.quoted()?;
                    if key != "title" {
                        return Err(format!("unknown fingerprint attribute `{key}`"));
                    }
                    title = Some(value);
                } else {
                    let value = cur.take_while(|c| !c.is_whitespace() && c != '{' && c != ',');
                    if value.is_empty() {
                        return Err(format!("unexpected text near \"{}\"", cur.near()));
                    }
                    fingerprint.push(value.to_owned());
                }
            }
        }
        if fingerprint.is_empty() {
            return Err("missing fingerprint after `->`".to_owned());
        }
        Ok(FingerprintRule { matchers, fingerprint, title, text: line.trim().to_owned() })
    }
}

/// Parses fingerprint rules, one per line (`#` comments and blank lines allowed).
pub fn parse_fingerprint_rules(text: &str) -> Result<Vec<FingerprintRule>, RuleParseError> {
    rule_lines(text)
        .map(|(line, l)| {
            FingerprintRule::parse_line(l).map_err(|message| RuleParseError {
                rules: "fingerprinting rules",
                line,
                message,
            })
        })
        .collect()
}

// ----------------------------------------------------------------------------------------------
// Stack-trace rules (enhancements).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EnKey {
    Family,
    Path,
    Module,
    Function,
    Package,
    App,
    Category,
    Type,
    Value,
    Mechanism,
}

impl EnKey {
    /// Exception matchers test the exception of the stack trace, once per rule; the others test
    /// a frame.
    fn is_exception(self) -> bool {
        matches!(self, EnKey::Type | EnKey::Value | EnKey::Mechanism)
    }

    /// Relative cost of testing a frame, cheapest first: a rule stops at its first miss.
    fn cost(self) -> u8 {
        match self {
            EnKey::Family | EnKey::App => 0,
            EnKey::Category => 1,
            EnKey::Function | EnKey::Module => 2,
            EnKey::Package | EnKey::Path => 3,
            EnKey::Type | EnKey::Value | EnKey::Mechanism => 4,
        }
    }
}

/// Bit of a family in [`Enhancement::families`].
fn family_bit(family: Family) -> u8 {
    match family {
        Family::Native => 1,
        Family::Javascript => 2,
        Family::Other => 4,
    }
}
const ALL_FAMILIES: u8 = 7;

#[derive(Debug, Clone)]
struct EnMatcher {
    key: EnKey,
    negated: bool,
    glob: Glob,
    /// For `family:` and `app:`: the families (bits) or the flag the pattern names.
    bits: u8,
}

impl EnMatcher {
    fn parse(negated: bool, key: &str, pattern: String) -> Result<Self, String> {
        let key = match key {
            "family" => EnKey::Family,
            "path" | "stack.abs_path" => EnKey::Path,
            "module" | "stack.module" => EnKey::Module,
            "function" | "stack.function" => EnKey::Function,
            "package" | "stack.package" => EnKey::Package,
            "app" | "stack.app" => EnKey::App,
            "type" | "error.type" => EnKey::Type,
            "value" | "error.value" => EnKey::Value,
            "mechanism" | "error.mechanism" => EnKey::Mechanism,
            "category" => EnKey::Category,
            other => return Err(format!("unknown matcher `{other}`")),
        };
        let bits = match key {
            EnKey::App => match parse_bool(&pattern) {
                Some(flag) => u8::from(flag),
                None => return Err(format!("invalid boolean `{pattern}` for `app`")),
            },
            EnKey::Family => pattern
                .split(',')
                .map(|f| match f.trim() {
                    "all" => ALL_FAMILIES,
                    "native" => family_bit(Family::Native),
                    "javascript" => family_bit(Family::Javascript),
                    "other" => family_bit(Family::Other),
                    _ => 0,
                })
                .fold(0, |a, b| a | b),
            _ => 0,
        };
        let (ignore_case, path) = match key {
            EnKey::Path | EnKey::Package => (true, true),
            EnKey::Value => (true, false),
            _ => (false, false),
        };
        let glob = Glob::new(&pattern, ignore_case, path);
        Ok(EnMatcher { key, negated, glob, bits })
    }

    fn matches_frame(&self, f: &FrameFacts<'_>, category: Option<&str>) -> bool {
        let positive = match self.key {
            EnKey::Family => self.bits & family_bit(f.family) != 0,
            EnKey::App => f.in_app == (self.bits == 1),
            EnKey::Category => category.is_some_and(|c| self.glob.is_match_normalized(c)),
            EnKey::Function => self.glob.is_match_normalized(&f.function),
            EnKey::Module => f.module.is_some_and(|m| self.glob.is_match_normalized(m)),
            EnKey::Path => {
                f.match_path.as_deref().is_some_and(|p| self.glob.is_path_match_normalized(p))
            }
            EnKey::Package => {
                f.match_package.as_deref().is_some_and(|p| self.glob.is_path_match_normalized(p))
            }
            EnKey::Type | EnKey::Value | EnKey::Mechanism => false,
        };
        positive != self.negated
    }

    /// The field and the literal start every value this matcher accepts has, for a non-negated
    /// plain or prefix pattern.
    fn anchor(&self) -> Option<(AnchorField, &str)> {
        let field = match self.key {
            EnKey::Function => AnchorField::Function,
            EnKey::Module => AnchorField::Module,
            EnKey::Path => AnchorField::Path,
            EnKey::Package => AnchorField::Package,
            _ => return None,
        };
        let (Shape::Exact(literal) | Shape::Prefix(literal)) = &self.glob.shape else {
            return None;
        };
        (!self.negated && !literal.is_empty()).then_some((field, literal.as_str()))
    }

    fn matches_exception(&self, x: &ExceptionFacts<'_>) -> bool {
        // Like Sentry, an exception without the field is `<unknown>`.
        let value = match self.key {
            EnKey::Type => x.ty,
            EnKey::Value => x.value,
            _ => x.mechanism,
        };
        self.glob.is_match(value.unwrap_or("<unknown>")) != self.negated
    }
}

/// Where a flag action applies: the matched frame, the frames after it (`^`, towards the crash)
/// or before it (`v`, towards the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// The matched frame.
    This,
    /// `^`: frames after it in the list.
    Up,
    /// `v`: frames before it.
    Down,
}

impl Range {
    fn of(self, idx: usize, len: usize) -> std::ops::Range<usize> {
        match self {
            Range::This => idx..idx + 1,
            Range::Up => idx + 1..len,
            Range::Down => 0..idx,
        }
    }
}

/// What a stack-trace rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `+app` / `-app`.
    App(Range, bool),
    /// `+group` / `-group`.
    Group(Range, bool),
    /// `category=name`: a label that later rules match with `category:`.
    Category(Box<str>),
}

/// One stack-trace rule.
#[derive(Debug, Clone)]
pub struct Enhancement {
    caller: Option<EnMatcher>,
    /// Frame matchers, cheapest first.
    matchers: Vec<EnMatcher>,
    /// Matchers of the stack trace's exception.
    exception: Vec<EnMatcher>,
    callee: Option<EnMatcher>,
    /// The families (bits) of the frames the rule can match, from a `family:` matcher.
    families: u8,
    /// The category a matched frame must have (a plain `category:` matcher), if any: while no
    /// frame has it, the rule is skipped whole.
    category: Option<String>,
    /// Its actions, in order (variable actions like `max-frames=` are accepted and ignored).
    pub actions: Vec<Action>,
}

/// What a stack trace's frames carry while rules run: the frames' facts (whose `in_app` the
/// rules change) and the categories rules gave them.
pub struct RuleFrames<'f, 'a, 'r> {
    /// The frames' facts.
    pub facts: &'f mut [FrameFacts<'a>],
    /// Category per frame.
    pub categories: Vec<Option<&'r str>>,
    /// Families present among the frames (bits), so rules of other families are skipped whole.
    families: u8,
    /// Scratch list of the frames a rule matched.
    hits: Vec<usize>,
    /// The categories some frame has.
    present: Vec<&'r str>,
}

impl<'f, 'a, 'r> RuleFrames<'f, 'a, 'r> {
    /// Prepares a stack trace's frames for the rules.
    pub fn new(facts: &'f mut [FrameFacts<'a>]) -> Self {
        let families = facts.iter().fold(0, |bits, f| bits | family_bit(f.family));
        RuleFrames {
            categories: vec![None; facts.len()],
            facts,
            families,
            hits: Vec::new(),
            present: Vec::new(),
        }
    }

    fn matches(&self, rule: &Enhancement, idx: usize) -> bool {
        let frame = &self.facts[idx];
        if rule.families & family_bit(frame.family) == 0 {
            return false;
        }
        let at = |m: &EnMatcher, i: usize| m.matches_frame(&self.facts[i], self.categories[i]);
        rule.matchers.iter().all(|m| at(m, idx))
            && rule.caller.as_ref().is_none_or(|m| idx > 0 && at(m, idx - 1))
            && rule.callee.as_ref().is_none_or(|m| idx + 1 < self.facts.len() && at(m, idx + 1))
    }

    fn applies(&self, rule: &Enhancement, exception: &ExceptionFacts<'_>) -> bool {
        rule.families & self.families != 0
            && rule.category.as_deref().is_none_or(|c| self.present.contains(&c))
            && rule.exception.iter().all(|m| m.matches_exception(exception))
    }

    /// Sentry's classification pass over the rules with `+app`/`-app` or `category=` actions,
    /// in order: each rule first finds every frame it matches (seeing `in_app` and categories
    /// as the rules before it left them), then changes them, so a rule's `app:` condition never
    /// sees its own changes.
    pub fn classify(&mut self, rules: &'r RuleSet, exception: &ExceptionFacts<'_>) {
        let candidates = rules.candidates(self.facts);
        for (rule, _) in rules.rules.iter().zip(&candidates).filter(|(_, c)| **c) {
            if self.applies(rule, exception) {
                self.classify_with(rule);
            }
        }
    }

    fn classify_with(&mut self, rule: &'r Enhancement) {
        let len = self.facts.len();
        let mut hits = std::mem::take(&mut self.hits);
        hits.clear();
        hits.extend((0..len).filter(|&idx| self.matches(rule, idx)));
        for &idx in &hits {
            for action in &rule.actions {
                match action {
                    Action::App(range, on) => {
                        for f in &mut self.facts[range.of(idx, len)] {
                            f.in_app = *on;
                        }
                    }
                    Action::Category(name) => {
                        self.categories[idx] = Some(&**name);
                        if !self.present.contains(&&**name) {
                            self.present.push(name);
                        }
                    }
                    Action::Group(..) => {}
                }
            }
        }
        self.hits = hits;
    }

    /// Sentry's contribution pass over the rules with `+group`/`-group` actions, once every
    /// frame's `in_app` and category are final: the last rule to reach a frame decides whether
    /// it contributes (`None` where no rule did).
    pub fn contributions(
        &self,
        rules: &RuleSet,
        exception: &ExceptionFacts<'_>,
        group: &mut [Option<bool>],
    ) {
        let len = self.facts.len();
        let candidates = rules.candidates(self.facts);
        for (rule, _) in rules.rules.iter().zip(&candidates).filter(|(_, c)| **c) {
            if !self.applies(rule, exception) {
                continue;
            }
            for idx in 0..len {
                if !self.matches(rule, idx) {
                    continue;
                }
                for action in &rule.actions {
                    if let Action::Group(range, on) = action {
                        for g in &mut group[range.of(idx, len)] {
                            *g = Some(*on);
                        }
                    }
                }
            }
        }
    }
}

/// The frame field a rule's anchor tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnchorField {
    Function,
    Module,
    Path,
    Package,
    /// A path pattern starting with `/` tried on a relative path (which Sentry also tests with a
    /// `/` in front), by the pattern's second byte.
    RelativePath,
    /// The same for packages.
    RelativePackage,
}

const BUCKETS: usize = 6 * 256;

fn bucket(field: AnchorField, byte: u8) -> usize {
    field as usize * 256 + usize::from(byte)
}

impl AnchorField {
    fn value<'v>(self, f: &'v FrameFacts<'_>) -> Option<&'v str> {
        match self {
            AnchorField::Function => Some(&f.function),
            AnchorField::Module => f.module,
            AnchorField::Path | AnchorField::RelativePath => f.match_path.as_deref(),
            AnchorField::Package | AnchorField::RelativePackage => f.match_package.as_deref(),
        }
    }

    fn relative(self) -> Option<AnchorField> {
        match self {
            AnchorField::Path => Some(AnchorField::RelativePath),
            AnchorField::Package => Some(AnchorField::RelativePackage),
            _ => None,
        }
    }
}

/// Rules in order, indexed by their anchors: the first byte a frame field must start with for
/// the rule to match (its plain or prefix pattern on a function, module, path or package, fields
/// no rule changes). A stack trace then only evaluates the rules one of its frames could match,
/// plus those without an anchor, which keeps an event whose frames match nothing cheap.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Enhancement>,
    /// `(field, first byte)` ⇒ rule indices, see [`bucket`].
    buckets: Vec<Vec<u32>>,
    /// Per rule, whether it has no anchor and is always evaluated.
    unanchored: Vec<bool>,
}

const ANCHOR_FIELDS: [AnchorField; 4] =
    [AnchorField::Function, AnchorField::Module, AnchorField::Path, AnchorField::Package];

impl RuleSet {
    /// Indexes `rules`, moving each rule's anchor matcher first.
    pub fn new(mut rules: Vec<Enhancement>) -> Self {
        let mut buckets = vec![Vec::new(); BUCKETS];
        let mut unanchored = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter_mut().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let anchor = rule.matchers.iter().position(|m| m.anchor().is_some());
            let Some((pos, (field, literal))) =
                anchor.and_then(|pos| Some((pos, rule.matchers[pos].anchor()?)))
            else {
                unanchored.push(true);
                continue;
            };
            let bytes = literal.as_bytes();
            match (field.relative(), bytes) {
                // `/x...` also matches a relative `x...`.
                (Some(relative), [b'/', second, ..]) => {
                    buckets[bucket(field, b'/')].push(index);
                    buckets[bucket(relative, *second)].push(index);
                }
                // A bare `/` pattern: any relative value could match.
                (Some(_), [b'/']) => {
                    unanchored.push(true);
                    continue;
                }
                (_, [first, ..]) => buckets[bucket(field, *first)].push(index),
                (_, []) => {
                    unanchored.push(true);
                    continue;
                }
            }
            let m = rule.matchers.remove(pos);
            rule.matchers.insert(0, m);
            unanchored.push(false);
        }
        RuleSet { rules, buckets, unanchored }
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Enhancement] {
        &self.rules
    }

    /// Per rule, whether one of the frames could match it.
    fn candidates(&self, facts: &[FrameFacts<'_>]) -> Vec<bool> {
        let mut marks = self.unanchored.clone();
        if self.rules.is_empty() {
            return marks;
        }
        let mut mark = |field: AnchorField, byte: u8| {
            for &i in &self.buckets[bucket(field, byte)] {
                if let Some(m) = marks.get_mut(i as usize) {
                    *m = true;
                }
            }
        };
        for f in facts {
            for field in ANCHOR_FIELDS {
                let Some(value) = field.value(f) else { continue };
                let Some(&first) = value.as_bytes().first() else { continue };
                mark(field, first);
                // A relative path is also tried with a `/` in front.
                if let (Some(relative), false) = (field.relative(), first == b'/') {
                    mark(relative, first);
                }
            }
        }
        marks
    }
}

impl Enhancement {
    /// Whether the rule changes `in_app` or categories (Sentry's "classifier" rules).
    pub fn classifies(&self) -> bool {
        self.actions.iter().any(|a| matches!(a, Action::App(..) | Action::Category(_)))
    }

    /// Whether the rule changes which frames contribute.
    pub fn groups(&self) -> bool {
        self.actions.iter().any(|a| matches!(a, Action::Group(..)))
    }

    fn parse_line(line: &str) -> Result<Self, String> {
        let mut cur = Cursor { s: line, pos: 0 };
        let mut rule = Enhancement {
            caller: None,
            matchers: Vec::new(),
            exception: Vec::new(),
            callee: None,
            families: ALL_FAMILIES,
            category: None,
            actions: Vec::new(),
        };
        let mut frame_matchers = 0;
        loop {
            cur.skip_spaces();
            let Some(c) = cur.peek() else { break };
            // A comment may end a rule line, as in Sentry's own rule files.
            if c == '#' && !rule.actions.is_empty() {
                break;
            }
            let rest = cur.rest();
            let token_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token = &rest[..token_end];
            let flag = token.trim_start_matches(['^', 'v']);
            let is_action = token.len() - flag.len() <= 1
                && matches!(flag, "+app" | "-app" | "+group" | "-group");
            if is_action {
                let range = match token.as_bytes()[0] {
                    b'^' => Range::Up,
                    b'v' => Range::Down,
                    _ => Range::This,
                };
                let on = flag.starts_with('+');
                rule.actions.push(if flag.ends_with("app") {
                    Action::App(range, on)
                } else {
                    Action::Group(range, on)
                });
                cur.pos += token_end;
                continue;
            }
            if let Some((name, value)) = token.split_once('=') {
                match name {
                    "category" => {
                        let value = value.trim_matches('"');
                        if value.is_empty() {
                            return Err("missing value for `category=`".to_owned());
                        }
                        rule.actions.push(Action::Category(value.into()));
                        cur.pos += token_end;
                        continue;
                    }
                    "max-frames" | "min-frames" | "invert-stacktrace" => {
                        cur.pos += token_end;
                        continue;
                    }
                    _ => {}
                }
            }
            if !rule.actions.is_empty() {
                return Err(format!(
                    "expected an action like `+app` or `-group` near \"{}\"",
                    cur.near()
                ));
            }
            if c == '[' || c == '|' {
                let callee = c == '|';
                if callee {
                    if frame_matchers == 0 {
                        return Err("`| [...]` (callee) must follow the frame matchers".to_owned());
                    }
                    cur.pos += 1;
                    cur.skip_spaces();
                    if cur.peek() != Some('[') {
                        return Err("expected `[` after `|`".to_owned());
                    }
                } else if frame_matchers > 0 {
                    return Err("`[...] |` (caller) must come first".to_owned());
                }
                cur.pos += 1;
                cur.skip_spaces();
                let (negated, key, value) = parse_matcher(&mut cur)?;
                let matcher = EnMatcher::parse(negated, &key, value)?;
                if matcher.key.is_exception() {
                    return Err(format!("`{key}` cannot match a caller or callee frame"));
                }
                cur.skip_spaces();
                if cur.peek() != Some(']') {
                    return Err("expected `]`".to_owned());
                }
                cur.pos += 1;
                if callee {
                    rule.callee = Some(matcher);
                } else {
                    cur.skip_spaces();
                    if cur.peek() != Some('|') {
                        return Err("expected `|` after the caller matcher".to_owned());
                    }
                    cur.pos += 1;
                    rule.caller = Some(matcher);
                }
                continue;
            }
            if rule.callee.is_some() {
                return Err("frame matchers must come before `| [...]`".to_owned());
            }
            let (negated, key, value) = parse_matcher(&mut cur)?;
            let matcher = EnMatcher::parse(negated, &key, value)?;
            frame_matchers += 1;
            if matcher.key.is_exception() {
                rule.exception.push(matcher);
            } else {
                if matcher.key == EnKey::Family && !matcher.negated {
                    rule.families &= matcher.bits;
                }
                rule.matchers.push(matcher);
            }
        }
        if frame_matchers == 0 {
            return Err("a rule needs at least one matcher".to_owned());
        }
        if rule.actions.is_empty() {
            return Err(
                "a rule needs at least one action like `+app`, `-app`, `+group` or `-group`"
                    .to_owned(),
            );
        }
        rule.matchers.sort_by_key(|m| m.key.cost());
        rule.category =
            rule.matchers.iter().find_map(|m| match (&m.glob.shape, m.key, m.negated) {
                (Shape::Exact(name), EnKey::Category, false) => Some(name.clone()),
                _ => None,
            });
        Ok(rule)
    }
}

/// Parses stack-trace rules, one per line.
pub fn parse_enhancements(text: &str) -> Result<Vec<Enhancement>, RuleParseError> {
    rule_lines(text)
        .map(|(line, l)| {
            Enhancement::parse_line(l).map_err(|message| RuleParseError {
                rules: "stack trace rules",
                line,
                message,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_star_doublestar_question_and_classes() {
        assert!(Glob::new("crash*", false, false).is_match("crash_now"));
        assert!(!Glob::new("crash*", false, false).is_match("Crash_now"));
        assert!(Glob::new("*timeout*", true, false).is_match("Read TIMEOUT after 3s"));
        assert!(Glob::new("**/node_modules/**", true, true).is_match("/app/node_modules/x/y.js"));
        assert!(!Glob::new("/app/*.js", true, true).is_match("/app/lib/y.js"));
        assert!(Glob::new("/app/*.js", true, true).is_match("/APP/y.js"));
        assert!(Glob::new("v?.[0-9]", false, false).is_match("v1.7"));
        assert!(!Glob::new("v?.[!0-9]", false, false).is_match("v1.7"));
    }

    #[test]
    fn fingerprint_rule_lines_parse() {
        let rules = parse_fingerprint_rules(
            "# comment\n\nerror.type:DatabaseUnavailable -> system-down\n\
             error.value:\"*timeout*\" -> timeouts, {{ transaction }}\n\
             !tags.server_name:web-* -> other title=\"Not web\"\n",
        )
        .unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].fingerprint, ["system-down"]);
        assert_eq!(rules[1].fingerprint, ["timeouts", "{{ transaction }}"]);
        assert!(rules[2].matchers[0].negated);
        assert_eq!(rules[2].title.as_deref(), Some("Not web"));
    }

    #[test]
    fn bad_fingerprint_rule_lines_report_line_and_reason() {
        let err = parse_fingerprint_rules("error.type:A -> a\nbogus.key:x -> b").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("unknown matcher `bogus.key`"), "{err}");
        let err = parse_fingerprint_rules("error.type:A").unwrap_err();
        assert!(err.message.contains("missing `->`"), "{err}");
        let err = parse_fingerprint_rules("error.type:A ->").unwrap_err();
        assert!(err.message.contains("missing fingerprint"), "{err}");
        let err = parse_fingerprint_rules("error.value:\"abc -> x").unwrap_err();
        assert!(err.message.contains("unterminated"), "{err}");
        let err = parse_fingerprint_rules("error.type -> x").unwrap_err();
        assert!(err.message.contains("expected `:`"), "{err}");
    }

    #[test]
    fn enhancement_lines_parse() {
        let rules = parse_enhancements(
            "stack.module:x.y.* -app\nstack.function:myfn +app\n\
             family:javascript stack.abs_path:**/node_modules/** -app\n\
             stack.function:log_* -group\nstack.function:handler ^-group v+app\n\
             [ stack.function:caller ] | stack.function:f -group\n\
             stack.function:f | [ stack.function:callee ] +group max-frames=3\n",
        )
        .unwrap();
        assert_eq!(rules.len(), 7);
        assert_eq!(rules[0].actions, [Action::App(Range::This, false)]);
        assert_eq!(
            rules[4].actions,
            [Action::Group(Range::Up, false), Action::App(Range::Down, true)]
        );
        assert!(rules[5].caller.is_some() && rules[6].callee.is_some());
    }

    #[test]
    fn enhancement_ranges_categories_callers_callees_and_quoted_classes_parse() {
        let rules = parse_enhancements(
            "family:native function:std::panicking::begin_panic ^-group -group ^-app -app\n\
             [ !category:system ] | category:system | [ !category:system ] category=indirection\n\
             family:native function:\"?[[]KSCrash*\" -app -group\n\
             family:native function:\"-\\\\[NSISEngine*\" category=ui  # trailing comment\n\
             error.type:Foo stack.function:f v+app\n",
        )
        .unwrap();
        assert_eq!(
            rules[0].actions,
            [
                Action::Group(Range::Up, false),
                Action::Group(Range::This, false),
                Action::App(Range::Up, false),
                Action::App(Range::This, false)
            ]
        );
        assert!(rules[0].classifies() && rules[0].groups());
        assert!(rules[1].caller.is_some() && rules[1].callee.is_some());
        assert_eq!(rules[1].actions, [Action::Category("indirection".into())]);
        assert!(rules[1].classifies() && !rules[1].groups());
        assert_eq!(rules[0].families, family_bit(Family::Native));
        // `[[]` is a class holding `[`; `\\[` an escaped `[`.
        let glob = &rules[2].matchers.iter().find(|m| m.key == EnKey::Function).unwrap().glob;
        assert!(glob.is_match("-[KSCrash install]"));
        assert!(!glob.is_match("-[Other install]"));
        let glob = &rules[3].matchers.iter().find(|m| m.key == EnKey::Function).unwrap().glob;
        assert!(glob.is_match("-[NSISEngine solve]"));
        // Exception matchers are kept apart from frame matchers.
        assert_eq!((rules[4].exception.len(), rules[4].matchers.len()), (1, 1));
        let err = parse_enhancements("[ error.type:X ] | function:f -app").unwrap_err();
        assert!(err.message.contains("caller or callee"), "{err}");
    }

    #[test]
    fn glob_shapes_match_like_the_general_matcher() {
        // The string-operation shortcuts must agree with token matching.
        for (pattern, path, value) in [
            ("std::*", false, "std::rt::lang_start"),
            ("std::*", false, "core::ptr"),
            ("*::operator()*", false, "Foo::operator()(int)"),
            ("**/node_modules/**", true, "/app/node_modules/x/y.js"),
            ("**/node_modules/**", true, "node_modules/x.js"),
            ("**/node_modules/**", true, "/app/src/x.js"),
            ("/usr/lib/**", true, "usr/lib/libc.so"),
            ("**/frameworks/libswift*.dylib", true, "/a/frameworks/libswiftcore.dylib"),
            ("linux-gate.so*", true, "linux-gate.so.1"),
            ("memset", false, "memset"),
            ("memset", false, "memset2"),
            ("*.cold.1", false, "foo.cold.1"),
            ("/a/*.js", true, "/a/b/c.js"),
        ] {
            let glob = Glob::new(pattern, path, path);
            let general = Glob { shape: Shape::Tokens(String::new()), ..glob.clone() };
            assert_eq!(glob.is_match(value), general.is_match(value), "{pattern} {value}");
            if path {
                assert_eq!(
                    glob.is_path_match_normalized(value),
                    general.is_path_match(value),
                    "{pattern} {value} as a path"
                );
            }
        }
        assert_eq!(Glob::new("std::*", false, false).shape, Shape::Prefix("std::".into()));
        assert_eq!(Glob::new("**/x/**", true, true).shape, Shape::Contains("/x/".into()));
    }

    #[test]
    fn bad_enhancement_lines_report_line_and_reason() {
        let err = parse_enhancements("stack.function:f").unwrap_err();
        assert!(err.message.contains("at least one action"), "{err}");
        let err = parse_enhancements("stack.function:f -app\nstack.nope:x +app").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("unknown matcher `stack.nope`"), "{err}");
        let err = parse_enhancements("-app").unwrap_err();
        assert!(err.message.contains("at least one matcher"), "{err}");
        let err = parse_enhancements("stack.function:f -app stack.module:x").unwrap_err();
        assert!(err.message.contains("expected an action"), "{err}");
    }
}
