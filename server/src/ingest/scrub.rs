//! Server-side data scrubbing with Sentry's defaults ("Security & Privacy" project settings).
//!
//! Sentry scrubs every event before it is stored, so that passwords, tokens, card numbers and
//! (optionally) IP addresses that an SDK sent by mistake never reach the database. This module
//! reproduces the behaviour of Relay's default rules (`@common:filter`, the sensitive cookie
//! list, the replace-only rules for messages, IP removal, "Additional Sensitive Fields" and
//! "Safe Fields"); it is written from Sentry's documented behaviour and Relay's test
//! expectations, not from Relay's code. It is pure and synchronous: the ingest pipeline calls
//! [`Scrubber::scrub_event`] after normalization and before storage.
//!
//! # What is scrubbed
//!
//! Like Relay, only the parts of an event that may hold personal data are walked (the fields
//! Relay marks `pii = "true"`): `extra`, custom `contexts` (and the `headers`, `cookies` and
//! `data` of the `response` context), `user`, `request` (except `method` and the like),
//! `breadcrumbs.values[].{message,data}`, `logentry.{message,params}`, frame `vars` (of
//! `exception`, `threads` and `stacktrace`, also `raw_stacktrace`), `exception.values[].mechanism
//! .{description,data}`, `server_name` and unknown top-level keys. Everything else (`tags`,
//! `transaction`, `release`, frame `filename`/`abs_path`/`context_line`, `debug_meta`, the SDK's
//! structured contexts such as `os` or `trace`, ...) is left alone, as in Sentry: those fields
//! drive grouping, search and symbolication.
//!
//! Within those parts, with "Use Default Scrubbers" on:
//!
//! * **Keys decide for their values.** A key matching `PASSWORD_KEY_REGEX` (`password`,
//!   `secret`, `passwd`, `api_key`, `apikey`, `auth`, `credentials`, `mysql_pwd`,
//!   `private_key`, `privatekey`, `otp`, `two_factor`, ...) or containing `token` has its whole
//!   value (a string, number, boolean, object or array) replaced by `"[Filtered]"`.
//!   Two-element arrays whose first element is a string (`[name, value]`: header, cookie and
//!   query lists, tags-like pairs) count as key and value.
//! * **Values that mention a password** (the same regex, except that `token` must be followed
//!   by `:` or `=`) are replaced as a whole, as in Sentry: `"invalid password for bob"` becomes
//!   `"[Filtered]"`.
//! * **Patterns inside strings** are replaced by `"[Filtered]"`: credit card numbers that pass
//!   the Luhn check (so order numbers survive), IBANs with a valid checksum, PEM key bodies, the
//!   password of `scheme://user:password@host` URLs, `Bearer <token>`, user names in home
//!   directories (`/home/<user>`, `C:\Users\<user>`) and US social security numbers.
//! * **Cookies** named like a session or CSRF cookie (`session`, `sessionid`, `phpsessid`,
//!   `csrftoken`-style names, ...) are filtered, whether the cookies come as a `a=b; c=d`
//!   string, a map or a list of pairs, in `request.cookies`, a `Cookie` header or any
//!   `cookies` key. Query strings are parsed the same way: `?password=[Filtered]&page=2`.
//! * The `User-Agent` header is never touched. `logentry.formatted` and exception values are
//!   never filtered as a whole (they are the issue title); they only get replace-only rules:
//!   e-mail addresses → `[email]`, cards → `[creditcard]`, IBANs → `[iban]`, SSNs →
//!   `[us-ssn]`, `Bearer [token]`.
//!
//! "Additional Sensitive Fields" behave like the default key rule (case-insensitive substring of
//! the key, or of a string value). "Safe Fields" (case-insensitive key names) exempt the value
//! stored under that key from every rule; the members of an object stored there are still
//! checked by their own keys, so `{"credentials": {"password": ..}}` keeps its password
//! filtered even with `credentials` safe (Sentry behaves the same way).
//!
//! With "Prevent Storing of IP Addresses" on, `user.ip_address`, `request.env.REMOTE_ADDR` and
//! `sdk.client_ip` are removed and IPv4/IPv6 addresses are replaced by `[ip]` in every walked
//! string (also in `logentry.formatted` and exception values; not in the `User-Agent`, whose
//! version numbers look like addresses). As in Sentry, this setting works even when the data
//! scrubber itself is off.
//!
//! Every change is recorded under the event's `_meta` the way Sentry records it, e.g.
//! `{"request": {"headers": {"Authorization": {"": {"rem": [["@password:filter", "s", 0, 10]],
//! "len": 42}}}}}`, so the UI can tell "scrubbed" from "sent like that".
//!
//! # Cost
//!
//! The walk touches only the PII-bearing fields, never clones the event and allocates only for
//! strings it changes. The patterns are compiled once (`LazyLock`); a key or string is first
//! checked with one case-insensitive Aho-Corasick pass for the words the keyword-led patterns
//! need (`Keywords`: `passw`, `secret`, `auth`, `token`, ..., `bearer`, `home`, `users`, ...)
//! and one byte scan, and each pattern runs only when those find its preconditions (one of its
//! words for the password, bearer and home-directory rules, 15 digits for a card, `-----BEGIN`
//! for a key, `@` and `//` for a URL password, ...): most keys and values run no regex at all. Measured with a throwaway `--release` loop on the ~7.5 KB event of
//! the `realistic_event_is_scrubbed` test (on the 2-core development machine): about 9 µs per
//! event with the defaults and IP scrubbing on, about 3 µs when nothing matches.

use std::borrow::Cow;
use std::net::Ipv6Addr;
use std::sync::LazyLock;

use regex::bytes::Regex as BytesRegex;
use regex::{Regex, RegexBuilder};
use serde_json::{json, Map, Value};

/// What replaces a filtered value or part of a string.
pub const FILTERED: &str = "[Filtered]";

// Rule names as Sentry writes them in `_meta` remarks.
const RULE_PASSWORD: &str = "@password:filter";
const RULE_FIELDS: &str = "strip-fields";
const RULE_COOKIE: &str = "@anything:filter";
const RULE_REMOVE: &str = "@anything:remove";
const RULE_IP: &str = "@ip:replace";

/// Per-project scrubbing settings (Sentry's "Security & Privacy" settings).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ScrubSettings {
    /// "Data Scrubber": scrub sensitive data at all. Default `true`.
    pub scrub_data: bool,
    /// "Use Default Scrubbers": apply Sentry's default rules (passwords, tokens, cards, ...).
    /// Default `true`; without it only `sensitive_fields` apply.
    pub scrub_defaults: bool,
    /// "Prevent Storing of IP Addresses". Default `false`. Independent of `scrub_data`, as in
    /// Sentry.
    pub scrub_ip_addresses: bool,
    /// "Additional Sensitive Fields": key names (case-insensitive substrings) whose values are
    /// filtered like passwords.
    pub sensitive_fields: Vec<String>,
    /// "Safe Fields": key names (case-insensitive) whose values are never scrubbed.
    pub safe_fields: Vec<String>,
}

impl Default for ScrubSettings {
    fn default() -> Self {
        ScrubSettings {
            scrub_data: true,
            scrub_defaults: true,
            scrub_ip_addresses: false,
            sensitive_fields: Vec::new(),
            safe_fields: Vec::new(),
        }
    }
}

impl ScrubSettings {
    /// The settings a project stored (JSON in Sentry's field names is converted by the API),
    /// or Sentry's defaults when it stored none. Stored settings that no longer parse also
    /// fall back to the defaults: scrubbing stays on rather than off.
    pub fn from_stored(stored: Option<&str>) -> ScrubSettings {
        stored
            .and_then(|json| match serde_json::from_str(json) {
                Ok(settings) => Some(settings),
                Err(err) => {
                    tracing::warn!(%err, "unreadable scrubbing settings; using the defaults");
                    None
                }
            })
            .unwrap_or_default()
    }
}

/// The scrubber for Sentry's default settings, compiled once.
pub fn default_scrubber() -> &'static Scrubber {
    static DEFAULT: LazyLock<Scrubber> = LazyLock::new(|| Scrubber::new(&ScrubSettings::default()));
    &DEFAULT
}

/// A scrubber compiled from one [`ScrubSettings`] value: build it once per project settings
/// and reuse it for every event (it is `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Scrubber {
    /// `scrub_data && scrub_defaults`.
    defaults: bool,
    /// `scrub_ip_addresses`.
    ip: bool,
    /// The project's additional sensitive fields, if `scrub_data` and there are any.
    fields: Option<FieldMatcher>,
    /// The project's safe fields, lower-cased.
    safe: Vec<String>,
}

impl Scrubber {
    /// Compiles the settings (the project's sensitive fields become one regex).
    pub fn new(settings: &ScrubSettings) -> Scrubber {
        let fields: Vec<&str> =
            settings.sensitive_fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()).collect();
        let fields =
            (settings.scrub_data && !fields.is_empty()).then(|| FieldMatcher::new(&fields));
        let safe = settings
            .safe_fields
            .iter()
            .map(|f| f.trim().to_lowercase())
            .filter(|f| !f.is_empty())
            .collect();
        Scrubber {
            defaults: settings.scrub_data && settings.scrub_defaults,
            ip: settings.scrub_ip_addresses,
            fields,
            safe,
        }
    }

    /// Scrubs a normalized event in place and records what it changed under `_meta`.
    ///
    /// Returns the number of redactions: values filtered or removed, plus parts of strings
    /// replaced (each card number, cookie or query parameter counts once). `0` means the event
    /// is untouched.
    pub fn scrub_event(&self, event: &mut Map<String, Value>) -> usize {
        if !self.defaults && !self.ip && self.fields.is_none() {
            return 0;
        }
        let mut walk = Walk { s: self, meta: Map::new(), count: 0 };
        walk.event(event);
        if walk.count > 0 {
            match event.get_mut("_meta") {
                Some(Value::Object(existing)) => merge_meta(existing, walk.meta),
                _ => {
                    event.insert("_meta".to_owned(), Value::Object(walk.meta));
                }
            }
        }
        walk.count
    }

    /// What a key does to its value, `parent` being the kind of container holding it.
    fn verdict(&self, key: &str, parent: Kind) -> Verdict {
        if !self.safe.is_empty() && self.is_safe(key) {
            return Verdict::Safe;
        }
        if self.defaults {
            if parent == Kind::Cookies
                && SENSITIVE_COOKIES.iter().any(|c| key.eq_ignore_ascii_case(c))
            {
                return Verdict::Filter(RULE_COOKIE);
            }
            if Keywords::of(key.as_bytes()).password && KEY_RE.is_match(key.as_bytes()) {
                return Verdict::Filter(RULE_PASSWORD);
            }
        }
        if self.fields.as_ref().is_some_and(|f| f.is_match(key)) {
            return Verdict::Filter(RULE_FIELDS);
        }
        Verdict::Normal
    }

    fn is_safe(&self, key: &str) -> bool {
        if key.is_ascii() {
            self.safe.iter().any(|f| f.eq_ignore_ascii_case(key))
        } else {
            let key = key.to_lowercase();
            self.safe.contains(&key)
        }
    }

    /// Edits for a free-form string (or the part `s` of one, starting at byte `base`).
    fn data_edits(&self, s: &str, base: usize, edits: &mut Vec<Edit>) {
        if s.is_empty() || s == FILTERED {
            return;
        }
        let b = s.as_bytes();
        let keywords = if self.defaults { Keywords::of(b) } else { Keywords::default() };
        // Rules that replace the whole value first: when they hit, nothing else matters.
        if keywords.password && VALUE_RE.is_match(b) {
            edits.push(Edit::new(base, base + s.len(), FILTERED, RULE_PASSWORD));
            return;
        }
        if self.fields.as_ref().is_some_and(|f| f.is_match(s)) {
            edits.push(Edit::new(base, base + s.len(), FILTERED, RULE_FIELDS));
            return;
        }
        let shape = Shape::of(b);
        if self.defaults {
            if shape.may_hold_card() {
                push_valid(&CARD_RE, b, base, luhn_valid, FILTERED, "@creditcard:filter", edits);
            }
            if shape.may_hold_iban() {
                push_valid(&IBAN_RE, b, base, iban_valid, FILTERED, "@iban:filter", edits);
            }
            if shape.dashes >= 10 && s.contains("-----BEGIN") {
                push_group(&PEM_RE, b, base, 1, FILTERED, "@pemkey:filter", edits);
            }
            if shape.may_hold_url_auth() {
                push_group(&URL_AUTH_RE, b, base, 1, FILTERED, "@urlauth:legacy", edits);
            }
            if keywords.user_path && (shape.slash || shape.backslash) {
                push_group(&USER_PATH_RE, b, base, 1, FILTERED, "@userpath:filter", edits);
            }
            if keywords.bearer {
                push_group(&BEARER_RE, b, base, 0, FILTERED, RULE_PASSWORD, edits);
            }
            if shape.may_hold_ssn() {
                push_group(&SSN_RE, b, base, 0, FILTERED, "@usssn:filter", edits);
            }
        }
        if self.ip {
            ip_edits(b, base, &shape, edits);
        }
    }

    /// Edits for `logentry.formatted` and exception values: never filtered as a whole.
    fn replace_only_edits(&self, s: &str, edits: &mut Vec<Edit>) {
        let b = s.as_bytes();
        let shape = Shape::of(b);
        if self.defaults {
            if shape.at {
                push_group(&EMAIL_RE, b, 0, 0, "[email]", "@email:replace", edits);
            }
            if shape.may_hold_card() {
                push_valid(
                    &CARD_RE,
                    b,
                    0,
                    luhn_valid,
                    "[creditcard]",
                    "@creditcard:replace",
                    edits,
                );
            }
            if shape.may_hold_iban() {
                push_valid(&IBAN_RE, b, 0, iban_valid, "[iban]", "@iban:replace", edits);
            }
            if shape.may_hold_ssn() {
                push_group(&SSN_RE, b, 0, 0, "[us-ssn]", "@usssn:replace", edits);
            }
            if Keywords::of(b).bearer {
                push_group(&BEARER_RE, b, 0, 2, "[token]", "@bearer:replace", edits);
            }
        }
        if self.ip {
            ip_edits(b, 0, &shape, edits);
        }
    }

    /// Edits for `request.url`: the password of `user:password@`, the query parameters and, if
    /// enabled, IP addresses. Relay does not scrub the URL at all; Sentry's normalization moves
    /// its query into `query_string`, which is scrubbed, so we scrub the query in place.
    fn url_edits(&self, s: &str, edits: &mut Vec<Edit>) {
        let query = s.find('?');
        let fragment = s.find('#');
        let head_end = match (query, fragment) {
            (Some(q), Some(f)) => q.min(f),
            (Some(p), None) | (None, Some(p)) => p,
            (None, None) => s.len(),
        };
        let head = &s.as_bytes()[..head_end];
        let shape = Shape::of(head);
        if self.defaults && shape.may_hold_url_auth() {
            push_group(&URL_AUTH_RE, head, 0, 1, FILTERED, "@urlauth:legacy", edits);
        }
        if self.ip {
            ip_edits(head, 0, &shape, edits);
        }
        if let Some(q) = query.filter(|&q| fragment.is_none_or(|f| q < f)) {
            let end = fragment.unwrap_or(s.len());
            self.query_edits(&s[q + 1..end], q + 1, edits);
        }
    }

    /// Edits for a query string `a=b&c=d` (an optional leading `?` is skipped).
    fn query_edits(&self, q: &str, base: usize, edits: &mut Vec<Edit>) {
        let (q, base) = match q.strip_prefix('?') {
            Some(rest) => (rest, base + 1),
            None => (q, base),
        };
        let mut offset = base;
        for piece in q.split('&') {
            if let Some(eq) = piece.find('=') {
                let raw = &piece[..eq];
                let name: Cow<'_, str> = if raw.contains(['%', '+']) {
                    form_urlencoded::parse(raw.as_bytes())
                        .next()
                        .map_or(Cow::Borrowed(raw), |(name, _)| name)
                } else {
                    Cow::Borrowed(raw)
                };
                self.pair_edits(&name, &piece[eq + 1..], offset + eq + 1, Kind::Query, edits);
            }
            offset += piece.len() + 1;
        }
    }

    /// Edits for a cookie string `a=b; c=d` (a `Cookie` or `Set-Cookie` header value).
    fn cookie_edits(&self, s: &str, edits: &mut Vec<Edit>) {
        let mut offset = 0;
        for piece in s.split(';') {
            let lead = piece.len() - piece.trim_start().len();
            if let Some(eq) = piece[lead..].find('=') {
                let name = piece[lead..lead + eq].trim();
                let value = piece[lead + eq + 1..].trim_end();
                self.pair_edits(name, value, offset + lead + eq + 1, Kind::Cookies, edits);
            }
            offset += piece.len() + 1;
        }
    }

    /// Edits for the value of a `name=value` pair inside a query or cookie string.
    fn pair_edits(
        &self,
        name: &str,
        value: &str,
        base: usize,
        parent: Kind,
        edits: &mut Vec<Edit>,
    ) {
        if value.is_empty() {
            return;
        }
        match self.verdict(name, parent) {
            Verdict::Safe => {}
            Verdict::Filter(rule) => {
                if value != FILTERED {
                    edits.push(Edit::new(base, base + value.len(), FILTERED, rule));
                }
            }
            Verdict::Normal => self.data_edits(value, base, edits),
        }
    }
}

/// The project's additional sensitive fields, matched case-insensitively anywhere in a key or
/// string value (Sentry's behaviour).
#[derive(Debug, Clone)]
enum FieldMatcher {
    Regex(Regex),
    /// Only if the regex could not be built (a gigantic list): slower, same answers.
    Plain(Vec<String>),
}

impl FieldMatcher {
    fn new(fields: &[&str]) -> FieldMatcher {
        let pattern = fields.iter().map(|f| regex::escape(f)).collect::<Vec<_>>().join("|");
        match RegexBuilder::new(&pattern).case_insensitive(true).build() {
            Ok(re) => FieldMatcher::Regex(re),
            Err(_) => FieldMatcher::Plain(fields.iter().map(|f| f.to_lowercase()).collect()),
        }
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            FieldMatcher::Regex(re) => re.is_match(text),
            FieldMatcher::Plain(fields) => {
                let text = text.to_lowercase();
                fields.iter().any(|f| text.contains(f.as_str()))
            }
        }
    }
}

/// How the strings and members of a value are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Free-form data: keys are checked, strings get the value patterns.
    Data,
    /// HTTP headers: `User-Agent` is exempt, `Cookie` is a cookie string.
    Headers,
    /// Cookies: a `a=b; c=d` string, a map or pairs; session cookie names are filtered.
    Cookies,
    /// A query string `a=b&c=d`, a map or pairs.
    Query,
}

impl Kind {
    /// The kind of the value stored under `key` in a container of this kind.
    fn child(self, key: &str) -> Kind {
        match self {
            Kind::Headers
                if key.eq_ignore_ascii_case("cookie") || key.eq_ignore_ascii_case("set-cookie") =>
            {
                Kind::Cookies
            }
            Kind::Data if key.eq_ignore_ascii_case("cookies") => Kind::Cookies,
            _ => Kind::Data,
        }
    }
}

enum Verdict {
    /// A safe field: leave the value alone.
    Safe,
    /// A sensitive key: filter the whole value, recording this rule.
    Filter(&'static str),
    /// Nothing special about the key.
    Normal,
}

/// One replacement inside a string: bytes `start..end` become `text`.
#[derive(Debug, Clone, Copy)]
struct Edit {
    start: usize,
    end: usize,
    text: &'static str,
    rule: &'static str,
}

impl Edit {
    fn new(start: usize, end: usize, text: &'static str, rule: &'static str) -> Edit {
        Edit { start, end, text, rule }
    }
}

/// Where a value sits in the event, as a linked list up to the root: free to build, turned into
/// a `_meta` path only when something is recorded.
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    fn root(key: &'a str) -> Path<'a> {
        Path { parent: None, seg: Seg::Key(key) }
    }

    fn key<'b>(&'b self, key: &'b str) -> Path<'b> {
        Path { parent: Some(self), seg: Seg::Key(key) }
    }

    fn index(&self, index: usize) -> Path<'_> {
        Path { parent: Some(self), seg: Seg::Index(index) }
    }
}

/// One scrubbing pass over one event.
struct Walk<'s> {
    s: &'s Scrubber,
    /// The `_meta` tree of what was changed.
    meta: Map<String, Value>,
    count: usize,
}

impl<'s> Walk<'s> {
    fn event(&mut self, event: &mut Map<String, Value>) {
        for (key, value) in event.iter_mut() {
            let path = Path::root(key);
            match key.as_str() {
                "logentry" => self.logentry(value, &path),
                "exception" => self.each_item(value, &path, Walk::exception),
                "threads" => self.each_item(value, &path, Walk::thread),
                "stacktrace" => self.stacktrace(value, &path),
                "breadcrumbs" => self.each_item(value, &path, Walk::breadcrumb),
                "request" => self.request(value, &path),
                "user" => self.user(value, &path),
                "contexts" => self.contexts(value, &path),
                "sdk" => self.sdk(value, &path),
                k if NOT_SCRUBBED.contains(&k) => {}
                // `extra`, `server_name` and keys Sentry would not even store.
                _ => self.field(value, key, Kind::Data, Kind::Data, &path),
            }
        }
    }

    /// Calls `f` on each object of `{"values": [...]}` or `[...]`.
    fn each_item(
        &mut self,
        value: &mut Value,
        path: &Path<'_>,
        f: fn(&mut Self, &mut Map<String, Value>, &Path<'_>),
    ) {
        match value {
            Value::Object(obj) => {
                if let Some(Value::Array(items)) = obj.get_mut("values") {
                    let path = path.key("values");
                    for (i, item) in items.iter_mut().enumerate() {
                        if let Value::Object(item) = item {
                            f(self, item, &path.index(i));
                        }
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Object(item) = item {
                        f(self, item, &path.index(i));
                    }
                }
            }
            _ => {}
        }
    }

    fn logentry(&mut self, value: &mut Value, path: &Path<'_>) {
        match value {
            Value::String(s) => self.replace_only(s, path),
            Value::Object(entry) => {
                for (key, value) in entry.iter_mut() {
                    let path = path.key(key);
                    match key.as_str() {
                        "formatted" => {
                            if let Value::String(s) = value {
                                self.replace_only(s, &path);
                            }
                        }
                        "message" | "params" => {
                            self.field(value, key, Kind::Data, Kind::Data, &path)
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn exception(&mut self, exception: &mut Map<String, Value>, path: &Path<'_>) {
        for (key, value) in exception.iter_mut() {
            let path = path.key(key);
            match key.as_str() {
                "value" => {
                    if let Value::String(s) = value {
                        self.replace_only(s, &path);
                    }
                }
                "stacktrace" | "raw_stacktrace" => self.stacktrace(value, &path),
                "mechanism" => {
                    if let Value::Object(mechanism) = value {
                        for (key, value) in mechanism.iter_mut() {
                            if key == "description" || key == "data" {
                                let path = path.key(key);
                                self.field(value, key, Kind::Data, Kind::Data, &path);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn thread(&mut self, thread: &mut Map<String, Value>, path: &Path<'_>) {
        for (key, value) in thread.iter_mut() {
            if key == "stacktrace" || key == "raw_stacktrace" {
                self.stacktrace(value, &path.key(key));
            }
        }
    }

    fn stacktrace(&mut self, value: &mut Value, path: &Path<'_>) {
        let Some(Value::Array(frames)) = value.get_mut("frames") else {
            return;
        };
        let path = path.key("frames");
        for (i, frame) in frames.iter_mut().enumerate() {
            // Only `vars`: file names, paths and source lines are exempt (Sentry needs them).
            if let Some(vars) = frame.get_mut("vars") {
                let path = path.index(i);
                self.field(vars, "vars", Kind::Data, Kind::Data, &path.key("vars"));
            }
        }
    }

    fn breadcrumb(&mut self, crumb: &mut Map<String, Value>, path: &Path<'_>) {
        for (key, value) in crumb.iter_mut() {
            if key == "message" || key == "data" {
                self.field(value, key, Kind::Data, Kind::Data, &path.key(key));
            }
        }
    }

    fn request(&mut self, value: &mut Value, path: &Path<'_>) {
        let Value::Object(request) = value else {
            return;
        };
        if self.s.ip {
            if let Some(Value::Object(env)) = request.get_mut("env") {
                self.remove_key(env, "REMOTE_ADDR", &path.key("env"));
            }
        }
        for (key, value) in request.iter_mut() {
            let path = path.key(key);
            match key.as_str() {
                "url" => {
                    if let Value::String(s) = value {
                        let mut edits = Vec::new();
                        self.s.url_edits(s, &mut edits);
                        self.apply(s, edits, &path);
                    }
                }
                "query_string" => self.field(value, key, Kind::Data, Kind::Query, &path),
                "cookies" => self.field(value, key, Kind::Data, Kind::Cookies, &path),
                "headers" => self.field(value, key, Kind::Data, Kind::Headers, &path),
                "method" | "protocol" | "body_size" | "inferred_content_type" | "api_target" => {}
                // `data`, `env`, `fragment` and unknown keys.
                _ => self.field(value, key, Kind::Data, Kind::Data, &path),
            }
        }
    }

    fn user(&mut self, value: &mut Value, path: &Path<'_>) {
        let Value::Object(user) = value else {
            return;
        };
        if self.s.ip {
            self.remove_key(user, "ip_address", path);
        }
        for (key, value) in user.iter_mut() {
            self.field(value, key, Kind::Data, Kind::Data, &path.key(key));
        }
    }

    fn sdk(&mut self, value: &mut Value, path: &Path<'_>) {
        if let (true, Value::Object(sdk)) = (self.s.ip, value) {
            self.remove_key(sdk, "client_ip", path);
        }
    }

    fn contexts(&mut self, value: &mut Value, path: &Path<'_>) {
        let Value::Object(contexts) = value else {
            return;
        };
        for (name, context) in contexts.iter_mut() {
            let path = path.key(name);
            let ty = context.get("type").and_then(Value::as_str).unwrap_or(name.as_str());
            if ty == "response" {
                // The response context carries HTTP data like the request.
                if let Value::Object(response) = context {
                    for (key, value) in response.iter_mut() {
                        let kind = match key.as_str() {
                            "headers" => Kind::Headers,
                            "cookies" => Kind::Cookies,
                            "data" => Kind::Data,
                            _ => continue,
                        };
                        self.field(value, key, Kind::Data, kind, &path.key(key));
                    }
                }
            } else if !KNOWN_CONTEXTS.contains(&ty) {
                // Custom contexts are user data; the SDK's structured ones are not scrubbed by
                // Sentry either (their fields feed search and the issue sidebar).
                self.field(context, name, Kind::Data, Kind::Data, &path);
            }
        }
    }

    /// A value stored under `key` in a container of kind `parent`, itself of kind `kind`.
    fn field(&mut self, value: &mut Value, key: &str, parent: Kind, kind: Kind, path: &Path<'_>) {
        match self.s.verdict(key, parent) {
            Verdict::Safe => self.safe_value(value, kind, path),
            Verdict::Filter(rule) => self.filter_whole(value, rule, path),
            Verdict::Normal => self.value(value, kind, path),
        }
    }

    /// A member of a container of kind `parent`.
    fn member(&mut self, value: &mut Value, key: &str, parent: Kind, path: &Path<'_>) {
        if parent == Kind::Headers && key.eq_ignore_ascii_case("user-agent") {
            return;
        }
        self.field(value, key, parent, parent.child(key), path);
    }

    fn value(&mut self, value: &mut Value, kind: Kind, path: &Path<'_>) {
        match value {
            Value::String(s) => {
                let mut edits = Vec::new();
                match kind {
                    Kind::Data | Kind::Headers => self.s.data_edits(s, 0, &mut edits),
                    Kind::Cookies => self.s.cookie_edits(s, &mut edits),
                    Kind::Query => self.s.query_edits(s, 0, &mut edits),
                }
                self.apply(s, edits, path);
            }
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    self.member(child, key, kind, &path.key(key));
                }
            }
            Value::Array(items) => self.array(items, kind, path),
            // Numbers, booleans and null only matter under a sensitive key.
            _ => {}
        }
    }

    fn array(&mut self, items: &mut [Value], kind: Kind, path: &Path<'_>) {
        // `[name, value]` is a pair, as in header, cookie and query lists (Sentry reads any
        // two-element array this way).
        if let [Value::String(name), second] = items {
            let before = self.count;
            let safe = matches!(self.s.verdict(name, kind), Verdict::Safe);
            self.member(second, name, kind, &path.index(1));
            if self.count != before || safe || kind != Kind::Data {
                return;
            }
            // Not a sensitive pair after all: the first string is a value too.
            let mut edits = Vec::new();
            self.s.data_edits(name, 0, &mut edits);
            self.apply(name, edits, &path.index(0));
            return;
        }
        for (i, item) in items.iter_mut().enumerate() {
            self.value(item, kind, &path.index(i));
        }
    }

    /// The value of a safe field: exempt itself, but an object's members are still checked by
    /// their own keys.
    fn safe_value(&mut self, value: &mut Value, kind: Kind, path: &Path<'_>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    self.member(child, key, kind, &path.key(key));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.safe_value(item, kind, &path.index(i));
                }
            }
            _ => {}
        }
    }

    /// Replaces a value under a sensitive key by `"[Filtered]"`, whatever its type.
    fn filter_whole(&mut self, value: &mut Value, rule: &'static str, path: &Path<'_>) {
        // Nothing to hide in an empty value; `[Filtered]` is already scrubbed.
        let len = match value {
            Value::Null => return,
            Value::String(s) if s.is_empty() || s == FILTERED => return,
            Value::Array(a) if a.is_empty() => return,
            Value::Object(o) if o.is_empty() => return,
            Value::String(s) => Some(s.chars().count()),
            _ => None,
        };
        *value = Value::String(FILTERED.to_owned());
        self.record(path, vec![json!([rule, "s", 0, FILTERED.len()])], len);
    }

    fn replace_only(&mut self, s: &mut String, path: &Path<'_>) {
        let mut edits = Vec::new();
        self.s.replace_only_edits(s, &mut edits);
        self.apply(s, edits, path);
    }

    /// Removes `key` (compared case-insensitively) from `map`, as Sentry's `@anything:remove`.
    fn remove_key(&mut self, map: &mut Map<String, Value>, key: &str, path: &Path<'_>) {
        let Some(found) = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned() else {
            return;
        };
        if map.remove(&found).is_some_and(|v| !v.is_null()) {
            self.record(&path.key(&found), vec![json!([RULE_REMOVE, "x"])], None);
        }
    }

    /// Applies the edits to `s` (overlapping ones: the first, then the longest, wins) and
    /// records them.
    fn apply(&mut self, s: &mut String, mut edits: Vec<Edit>, path: &Path<'_>) {
        if edits.is_empty() {
            return;
        }
        edits.sort_by_key(|e| (e.start, std::cmp::Reverse(e.end)));
        let mut out = String::with_capacity(s.len());
        let mut remarks = Vec::with_capacity(edits.len());
        let mut pos = 0;
        let mut out_chars = 0;
        for edit in edits {
            let valid = edit.start >= pos
                && edit.start < edit.end
                && s.is_char_boundary(edit.start)
                && s.is_char_boundary(edit.end);
            if !valid || s[edit.start..edit.end] == *edit.text {
                continue;
            }
            let kept = &s[pos..edit.start];
            out.push_str(kept);
            out_chars += kept.chars().count();
            out.push_str(edit.text);
            remarks.push(json!([edit.rule, "s", out_chars, out_chars + edit.text.len()]));
            out_chars += edit.text.len();
            pos = edit.end;
        }
        if remarks.is_empty() {
            return;
        }
        out.push_str(&s[pos..]);
        let len = s.chars().count();
        *s = out;
        self.record(path, remarks, Some(len));
    }

    /// Counts the remarks and writes them under `path` in the `_meta` tree.
    fn record(&mut self, path: &Path<'_>, remarks: Vec<Value>, len: Option<usize>) {
        self.count += remarks.len();
        let mut segs = Vec::new();
        let mut at = Some(path);
        while let Some(p) = at {
            segs.push(match p.seg {
                Seg::Key(k) => k.to_owned(),
                Seg::Index(i) => i.to_string(),
            });
            at = p.parent;
        }
        let mut node = &mut self.meta;
        for seg in segs.into_iter().rev().chain([String::new()]) {
            let next = node.entry(seg).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(next) = next else {
                return;
            };
            node = next;
        }
        if let Value::Array(existing) =
            node.entry("rem").or_insert_with(|| Value::Array(Vec::new()))
        {
            existing.extend(remarks);
        }
        if let Some(len) = len {
            node.entry("len").or_insert_with(|| json!(len));
        }
    }
}

/// Merges a `_meta` tree into an existing one (remarks are appended).
fn merge_meta(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(a)), Value::Object(b)) => merge_meta(a, b),
            (Some(Value::Array(a)), Value::Array(b)) if key == "rem" => a.extend(b),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// Cheap facts about a string, gathered in one pass, that tell which patterns could match.
#[derive(Debug, Default)]
struct Shape {
    digits: usize,
    upper: usize,
    dashes: usize,
    dots: usize,
    colons: usize,
    at: bool,
    slash: bool,
    backslash: bool,
    len: usize,
}

impl Shape {
    fn of(b: &[u8]) -> Shape {
        let mut shape = Shape { len: b.len(), ..Shape::default() };
        for &c in b {
            match c {
                b'0'..=b'9' => shape.digits += 1,
                b'A'..=b'Z' => shape.upper += 1,
                b'-' => shape.dashes += 1,
                b'.' => shape.dots += 1,
                b':' => shape.colons += 1,
                b'@' => shape.at = true,
                b'/' => shape.slash = true,
                b'\\' => shape.backslash = true,
                _ => {}
            }
        }
        shape
    }

    /// A card number has 15 (Amex) or 16 digits.
    fn may_hold_card(&self) -> bool {
        self.digits >= 15
    }

    /// An IBAN is an upper-case country code, 2 check digits and 11 to 30 more characters.
    fn may_hold_iban(&self) -> bool {
        self.upper >= 2 && self.digits >= 2 && self.len >= 15
    }

    fn may_hold_url_auth(&self) -> bool {
        self.at && self.slash && self.colons >= 1
    }

    fn may_hold_ssn(&self) -> bool {
        self.digits >= 9 && self.dashes >= 2
    }
}

/// Which of the keyword-led patterns could match a string: [`KEY_RE`] and [`VALUE_RE`]
/// (`password`), [`BEARER_RE`] and [`USER_PATH_RE`] each need one of their words somewhere
/// (ASCII case-insensitively, as the patterns are), and most keys and values hold none. One
/// pass over the string finds them all; a regex then runs only where its words are, instead of
/// a regex search per pattern on every key and value walked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Keywords {
    password: bool,
    bearer: bool,
    user_path: bool,
}

impl Keywords {
    /// Looks each pair of neighbouring bytes up in [`KEYWORD_PAIRS`] and compares the few words
    /// that begin with it. Most strings walked are short keys and values (`filename`,
    /// `python`), on which an Aho-Corasick automaton spent more starting each search than on
    /// the bytes: 7.6 µs of `event::process`'s 70 for an `ingest_bench` event, this 4.9.
    fn of(b: &[u8]) -> Keywords {
        let mut found = Keywords::default();
        let Some((&first, rest)) = b.split_first() else { return found };
        let mut previous = LETTER[usize::from(first)];
        for (start, &byte) in rest.iter().enumerate() {
            let letter = LETTER[usize::from(byte)];
            let mut words = KEYWORD_PAIRS[usize::from(previous) * 27 + usize::from(letter)];
            previous = letter;
            while words != 0 {
                let index = words.trailing_zeros() as usize;
                words &= words - 1;
                let Some((word, family)) = KEYWORD_LIST.get(index) else { continue };
                let here = b.get(start..start + word.len());
                if !here.is_some_and(|here| here.eq_ignore_ascii_case(word.as_bytes())) {
                    continue;
                }
                match family {
                    KeywordFamily::Password => found.password = true,
                    KeywordFamily::Bearer => found.bearer = true,
                    KeywordFamily::UserPath => found.user_path = true,
                }
                if found.password && found.bearer && found.user_path {
                    return found;
                }
            }
        }
        found
    }
}

/// 1 to 26 for a letter of either case, 0 for any other byte.
const LETTER: [u8; 256] = {
    let mut table = [0; 256];
    let mut i = 0;
    while i < 26 {
        table[b'a' as usize + i] = i as u8 + 1;
        table[b'A' as usize + i] = i as u8 + 1;
        i += 1;
    }
    table
};

/// For each pair of [`LETTER`]s, the words of [`KEYWORD_LIST`] that begin with it, as bits.
const KEYWORD_PAIRS: [u32; 27 * 27] = {
    assert!(KEYWORD_LIST.len() <= 32, "one bit per word");
    let mut table = [0; 27 * 27];
    let mut i = 0;
    while i < KEYWORD_LIST.len() {
        let word = KEYWORD_LIST[i].0.as_bytes();
        let (a, b) = (LETTER[word[0] as usize] as usize, LETTER[word[1] as usize] as usize);
        assert!(a != 0 && b != 0, "every word begins with two letters");
        table[a * 27 + b] |= 1 << i;
        i += 1;
    }
    table
};

/// Which pattern a keyword leads to.
#[derive(Debug, Clone, Copy)]
enum KeywordFamily {
    Password,
    Bearer,
    UserPath,
}

/// The words the keyword-led patterns require, each a literal every match of its pattern
/// contains: `passw` for `password` and `passwd`, the three spellings of `api[-_]?key`,
/// `private[-_]?key` and `two[-_]factor`, `token` for `token` and `token...:`; for
/// `BEARER_RE` `bearer`; for `USER_PATH_RE` its four directory names.
const KEYWORD_LIST: &[(&str, KeywordFamily)] = &[
    ("passw", KeywordFamily::Password),
    ("secret", KeywordFamily::Password),
    ("apikey", KeywordFamily::Password),
    ("api-key", KeywordFamily::Password),
    ("api_key", KeywordFamily::Password),
    ("auth", KeywordFamily::Password),
    ("credentials", KeywordFamily::Password),
    ("mysql_pwd", KeywordFamily::Password),
    ("privatekey", KeywordFamily::Password),
    ("private-key", KeywordFamily::Password),
    ("private_key", KeywordFamily::Password),
    ("token", KeywordFamily::Password),
    ("otp", KeywordFamily::Password),
    ("twofactor", KeywordFamily::Password),
    ("two-factor", KeywordFamily::Password),
    ("two_factor", KeywordFamily::Password),
    ("bearer", KeywordFamily::Bearer),
    ("users", KeywordFamily::UserPath),
    ("home", KeywordFamily::UserPath),
    ("documents and settings", KeywordFamily::UserPath),
    ("profiles", KeywordFamily::UserPath),
];

/// Pushes an edit for each match of `re` that `valid` accepts.
fn push_valid(
    re: &BytesRegex,
    b: &[u8],
    base: usize,
    valid: fn(&[u8]) -> bool,
    text: &'static str,
    rule: &'static str,
    edits: &mut Vec<Edit>,
) {
    for m in re.find_iter(b) {
        if valid(m.as_bytes()) {
            edits.push(Edit::new(base + m.start(), base + m.end(), text, rule));
        }
    }
}

/// Pushes an edit replacing capture group `group` of each match of `re`.
fn push_group(
    re: &BytesRegex,
    b: &[u8],
    base: usize,
    group: usize,
    text: &'static str,
    rule: &'static str,
    edits: &mut Vec<Edit>,
) {
    if group == 0 {
        for m in re.find_iter(b) {
            edits.push(Edit::new(base + m.start(), base + m.end(), text, rule));
        }
        return;
    }
    for caps in re.captures_iter(b) {
        if let Some(m) = caps.get(group) {
            edits.push(Edit::new(base + m.start(), base + m.end(), text, rule));
        }
    }
}

fn ip_edits(b: &[u8], base: usize, shape: &Shape, edits: &mut Vec<Edit>) {
    if shape.digits >= 4 && shape.dots >= 3 {
        push_group(&IPV4_RE, b, base, 0, "[ip]", RULE_IP, edits);
    }
    if shape.colons >= 2 {
        ipv6_edits(b, base, edits);
    }
}

/// Finds IPv6 addresses: runs of hex digits, `:` and `.` not glued to a word, with at least two
/// colons, that the standard library parses as an address. (A parser is simpler and stricter
/// than the regex Sentry uses, and needs no look-around.)
fn ipv6_edits(b: &[u8], base: usize, edits: &mut Vec<Edit>) {
    let in_run = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
    let wordy = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let mut i = 0;
    while i < b.len() {
        if !in_run(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && in_run(b[i]) {
            i += 1;
        }
        let mut end = i;
        // A sentence may end right after an address.
        while end > start && b[end - 1] == b'.' {
            end -= 1;
        }
        let run = &b[start..end];
        let detached = (start == 0 || !wordy(b[start - 1])) && (i == b.len() || !wordy(b[i]));
        if detached
            && run.iter().filter(|&&c| c == b':').count() >= 2
            && run.iter().any(u8::is_ascii_hexdigit)
            && std::str::from_utf8(run).is_ok_and(|r| r.parse::<Ipv6Addr>().is_ok())
        {
            edits.push(Edit::new(base + start, base + end, "[ip]", RULE_IP));
        }
    }
}

/// The Luhn checksum of the digits in `candidate` (separators skipped).
fn luhn_valid(candidate: &[u8]) -> bool {
    let mut sum = 0;
    let mut count = 0;
    for &c in candidate.iter().rev().filter(|c| c.is_ascii_digit()) {
        let mut digit = u32::from(c - b'0');
        if count % 2 == 1 {
            digit *= 2;
            if digit > 9 {
                digit -= 9;
            }
        }
        sum += digit;
        count += 1;
    }
    count >= 13 && sum % 10 == 0
}

/// The ISO 13616 checksum: move the first four characters to the end, read letters as 10..35,
/// and the number modulo 97 must be 1.
fn iban_valid(candidate: &[u8]) -> bool {
    if !(15..=34).contains(&candidate.len()) {
        return false;
    }
    let (head, tail) = candidate.split_at(4);
    let mut rem = 0u32;
    for &c in tail.iter().chain(head) {
        let value = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if value >= 10 { (rem * 100 + value) % 97 } else { (rem * 10 + value) % 97 };
    }
    rem == 1
}

/// Top-level event keys that Sentry does not scrub (not PII, or needed as sent).
const NOT_SCRUBBED: &[&str] = &[
    "_dsc",
    "_meta",
    "_metrics",
    "breakdowns",
    "checksum",
    "csp",
    "culprit",
    "debug_meta",
    "dist",
    "environment",
    "errors",
    "event_id",
    "expectct",
    "expectstaple",
    "fingerprint",
    "grouping_config",
    "hashes",
    "hpkp",
    "ingest_path",
    "key_id",
    "level",
    "location",
    "logger",
    "measurements",
    "metadata",
    "modules",
    "platform",
    "project",
    "received",
    "release",
    "scraping_attempts",
    "site",
    "spans",
    "start_timestamp",
    "tags",
    "template",
    "time_spent",
    "timestamp",
    "title",
    "transaction",
    "transaction_info",
    "type",
    "version",
];

/// Context types the SDKs fill with structured, non-personal data (Sentry does not scrub them).
const KNOWN_CONTEXTS: &[&str] = &[
    "app",
    "browser",
    "chromium_stability_report",
    "cloud_resource",
    "culture",
    "device",
    "expo_updates",
    "feedback",
    "flags",
    "gpu",
    "memory_info",
    "monitor",
    "nel",
    "os",
    "ota_updates",
    "otel",
    "performance_score",
    "profile",
    "replay",
    "reprocessing",
    "runtime",
    "spring",
    "threadpool_info",
    "trace",
    "unity",
];

/// Session and CSRF cookie names of popular frameworks (Sentry's list).
const SENSITIVE_COOKIES: &[&str] = &[
    "sentrysid",
    "sudo",
    "su",
    "session",
    "__session",
    "sessionid",
    "user_session",
    "symfony",
    "phpsessid",
    "fasthttpsessionid",
    "mysession",
    "irissessionid",
    "_vercel_jwt",
    "csrf",
    "xsrf",
    "_xsrf",
    "_csrf",
    "csrf-token",
    "csrf_token",
    "xsrf-token",
    "xsrf_token",
    "fastcsrf",
    "_iris_csrf",
];

// The patterns. All are ASCII-only (`-u`) byte regexes: the DFA then never falls back to a
// slower engine on non-ASCII text, and every match starts and ends next to an ASCII byte, i.e.
// on a char boundary. None needs look-around.

fn compile(pattern: &str) -> BytesRegex {
    // The patterns are constants covered by the tests; failing here is a programming error.
    BytesRegex::new(pattern).expect("built-in scrubbing pattern")
}

/// Sensitive keys: Sentry's `PASSWORD_KEY_REGEX` plus its key-only `token` rule.
static KEY_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(
        r"(?i-u:password|secret|passwd|api[-_]?key|auth|credentials|mysql_pwd|private[-_]?key|token|^otp$|^two[-_]factor$)",
    )
});

/// Values that are filtered whole: Sentry's `PASSWORD_KEY_REGEX` applied to the value.
static VALUE_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(
        r"(?i-u:password|secret|passwd|api[-_]?key|auth|credentials|mysql_pwd|private[-_]?key|token[^\s]*[:=]|^otp$|^two[-_]factor$)",
    )
});

/// `Bearer <token>`; group 2 is the token.
static BEARER_RE: LazyLock<BytesRegex> = LazyLock::new(|| compile(r"(?i-u:\b(bearer\s+)([^\s]+))"));

/// Amex (15 digits), Visa, Mastercard and Discover (16 digits), with optional `-`/space
/// separators; the Luhn check then weeds out other numbers.
static CARD_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(r"(?-u:\b(?:3[47][0-9]|4[0-9]{3}|5[1-5][0-9]{2}|65[0-9]{2}|6011)(?:[-\s]?[0-9]){12}\b)")
});

/// Country codes of the IBAN registry, 2 check digits, then the account; checksum verified.
static IBAN_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(concat!(
        r"(?-u:\b(?:AD|AE|AL|AT|AZ|BA|BE|BG|BH|BI|BR|BY|CH|CR|CY|CZ|DE|DJ|DK|DO|EE|EG|ES|FI|FK|FO|",
        r"FR|GB|GE|GI|GL|GR|GT|HN|HR|HU|IE|IL|IQ|IS|IT|JO|KW|KZ|LB|LC|LI|LT|LU|LV|LY|MC|MD|ME|",
        r"MK|MN|MR|MT|MU|NI|NL|NO|OM|PK|PL|PS|PT|QA|RO|RS|RU|SA|SC|SD|SE|SI|SK|SM|SO|ST|SV|TL|",
        r"TN|TR|UA|VA|VG|XK|YE)[0-9]{2}[a-zA-Z0-9]{11,30}\b)",
    ))
});

/// A PEM private or public key; group 1 is the base64 body.
static PEM_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(
        r"(?-u)-----BEGIN[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----[\t ]*\r?\n?((?s:.+?))\r?\n?-----END[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----",
    )
});

/// `scheme://user:password@`; group 1 is the password (Sentry's legacy URL rule).
static URL_AUTH_RE: LazyLock<BytesRegex> =
    LazyLock::new(|| compile(r"(?-u:\b(?:[a-zA-Z0-9+]+:)?//[a-zA-Z0-9%_.-]+:([a-zA-Z0-9%_.-]+)@)"));

/// A user's home directory; group 1 is the user name.
static USER_PATH_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(
        r"(?i-u:(?:^|[\\/]|\b[a-z]:[\\/])(?:users|home|documents and settings|profiles)[\\/]([^/\\\r\n\x00]+))",
    )
});

/// A US social security number.
static SSN_RE: LazyLock<BytesRegex> =
    LazyLock::new(|| compile(r"(?-u:\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b)"));

static EMAIL_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(
        r"(?-u:\b[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,}\b)",
    )
});

static IPV4_RE: LazyLock<BytesRegex> = LazyLock::new(|| {
    compile(
        r"(?-u:\b(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\b)",
    )
});

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Strings every keyword-led pattern matches or nearly matches: each alternative of the
    /// patterns in several cases, glued to words, split across separators, at the start, the
    /// end and alone.
    fn keyword_samples() -> Vec<String> {
        let words = [
            "password",
            "PASSWORD",
            "PassWd",
            "passwd",
            "secret",
            "SeCrEt",
            "apikey",
            "api-key",
            "api_key",
            "API_KEY",
            "apiKey",
            "api key",
            "auth",
            "AUTH",
            "Authorization",
            "credentials",
            "CREDENTIALS",
            "mysql_pwd",
            "MYSQL_PWD",
            "privatekey",
            "private-key",
            "private_key",
            "Private_Key",
            "private key",
            "token",
            "TOKEN",
            "token=",
            "tokens: x",
            "csrf_token=1",
            "otp",
            "OTP",
            "Otp",
            "otp2",
            "two-factor",
            "two_factor",
            "TWO_FACTOR",
            "twofactor",
            "two factor",
            "bearer abc",
            "Bearer abc.def",
            "BEARER\tx",
            "xbearer y",
            "/home/alice/x",
            "/Users/bob",
            "C:\\Users\\carol\\x",
            "c:/documents and settings/d/x",
            "\\profiles\\eve",
            "/HOME/frank/",
            "pass word",
            "pas sword",
            "sec-ret",
            "au th",
            "tok en=1",
            "bear er x",
            "/hom e/x",
            "authome",
            "passwordtoken=bearer x",
        ];
        let mut samples = Vec::new();
        for word in words {
            for text in [
                word.to_owned(),
                format!("x{word}"),
                format!("{word}x"),
                format!("the {word} is here"),
                format!("a:{word}=b"),
                format!("é{word}ü"),
            ] {
                samples.push(text);
            }
        }
        samples
    }

    #[test]
    fn keyword_prefilter_never_skips_a_string_a_pattern_would_match() {
        let mut matched = 0;
        for sample in keyword_samples() {
            let b = sample.as_bytes();
            let found = Keywords::of(b);
            for (re, needed, name) in [
                (&*KEY_RE, found.password, "KEY_RE"),
                (&*VALUE_RE, found.password, "VALUE_RE"),
                (&*BEARER_RE, found.bearer, "BEARER_RE"),
                (&*USER_PATH_RE, found.user_path, "USER_PATH_RE"),
            ] {
                if re.is_match(b) {
                    matched += 1;
                    assert!(needed, "{name} matches {sample:?} but the prefilter skips it");
                }
            }
        }
        // The samples do exercise the patterns.
        assert!(matched > 200, "{matched}");
    }

    /// `Keywords::of` finds exactly the words a plain case-insensitive search for each finds,
    /// across each other too, in the samples, in every string of the committed SDK fixtures,
    /// and in each word cut and changed around its first two letters (where the lookup is).
    #[test]
    fn keywords_are_found_exactly_where_a_plain_search_finds_them() {
        fn reference(b: &[u8]) -> Keywords {
            let lower = b.to_ascii_lowercase();
            let mut found = Keywords::default();
            for (word, family) in KEYWORD_LIST {
                if lower.windows(word.len()).any(|w| w == word.as_bytes()) {
                    match family {
                        KeywordFamily::Password => found.password = true,
                        KeywordFamily::Bearer => found.bearer = true,
                        KeywordFamily::UserPath => found.user_path = true,
                    }
                }
            }
            found
        }
        fn strings(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::String(s) => out.push(s.clone()),
                Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
                Value::Object(map) => {
                    for (key, v) in map {
                        out.push(key.clone());
                        strings(v, out);
                    }
                }
                _ => {}
            }
        }
        let mut samples = keyword_samples();
        for sdk in ["node", "python"] {
            let fixtures = format!("{}/tests/fixtures/sdk/{sdk}", env!("CARGO_MANIFEST_DIR"));
            for entry in std::fs::read_dir(fixtures).expect("the SDK fixtures") {
                let bytes = std::fs::read(entry.expect("an entry").path()).expect("a fixture");
                for line in bytes.split(|b| *b == b'\n') {
                    if let Ok(value) = serde_json::from_slice::<Value>(line) {
                        strings(&value, &mut samples);
                    }
                }
            }
        }
        for (word, _) in KEYWORD_LIST {
            for cut in 0..=word.len() {
                samples.push(word[..cut].to_owned());
                samples.push(format!("{}_{}", &word[..cut], &word[cut..]));
                samples.push(format!("é{}", word.to_ascii_uppercase()));
            }
        }
        samples.extend(["xAUTHOME tokenbearer", "a", "", "ot", "tw0factor", "ü"].map(String::from));
        assert!(samples.len() > 1_000, "{}", samples.len());
        for sample in &samples {
            assert_eq!(Keywords::of(sample.as_bytes()), reference(sample.as_bytes()), "{sample:?}");
        }
        let across = Keywords::of(b"xAUTHOME tokenbearer");
        assert_eq!(across, Keywords { password: true, bearer: true, user_path: true });
    }

    #[test]
    fn keyword_prefilter_lets_ordinary_strings_skip_the_patterns() {
        for plain in ["filename", "SELECT id FROM orders", "https://api.example.com/v1/orders", ""]
        {
            assert_eq!(Keywords::of(plain.as_bytes()), Keywords::default(), "{plain}");
        }
        let both = Keywords::of(b"Authorization: Bearer x /home/u");
        assert_eq!(both, Keywords { password: true, bearer: true, user_path: true });
    }

    #[test]
    fn scrubbing_through_the_prefilter_still_filters_keyword_values() {
        let (event, count) = scrub_with(
            &ScrubSettings::default(),
            json!({"extra": {
                "note": "my PassWD is hunter2",
                "header": "BEARER abc.def",
                "path": "C:\\Users\\carol\\app.log",
                "Api-Key": 7,
                "OTP": "123456",
                "safe": "nothing here"
            }}),
        );
        let extra = &event["extra"];
        assert_eq!(extra["note"], FILTERED);
        assert_eq!(extra["header"], FILTERED);
        assert_eq!(extra["path"], "C:\\Users\\[Filtered]\\app.log");
        assert_eq!(extra["Api-Key"], FILTERED);
        assert_eq!(extra["OTP"], FILTERED);
        assert_eq!(extra["safe"], "nothing here");
        assert_eq!(count, 5);
    }

    fn scrub_with(settings: &ScrubSettings, event: Value) -> (Value, usize) {
        let Value::Object(mut event) = event else {
            panic!("the test event must be an object");
        };
        let count = Scrubber::new(settings).scrub_event(&mut event);
        (Value::Object(event), count)
    }

    fn scrub(event: Value) -> Value {
        scrub_with(&ScrubSettings::default(), event).0
    }

    fn with_ip() -> ScrubSettings {
        ScrubSettings { scrub_ip_addresses: true, ..ScrubSettings::default() }
    }

    /// A value for each default sensitive key kind, plus one harmless key.
    fn sensitive_vars() -> Value {
        json!({
            "password": "hunter2",
            "the_secret": "s3",
            "a_password_here": "p",
            "passwd": "p",
            "api_key": "k1",
            "apiKey": "k2",
            "x-api-key": "k3",
            "authorization": "a",
            "credentials": "c",
            "MYSQL_PWD": "m",
            "private_key": "pk",
            "privatekey": "pk",
            "otp": "123456",
            "two_factor": "654321",
            "session_token": "t",
            "foo": "bar",
        })
    }

    fn assert_sensitive_vars_filtered(vars: &Value) {
        for (key, value) in vars.as_object().expect("vars object") {
            if key == "foo" {
                assert_eq!(value, "bar", "{key} must be kept");
            } else {
                assert_eq!(value, FILTERED, "{key} must be filtered");
            }
        }
    }

    #[test]
    fn default_sensitive_keys_are_filtered_in_frame_vars() {
        let event = scrub(json!({
            "exception": {"values": [{"type": "E", "stacktrace": {"frames": [
                {"function": "login", "vars": sensitive_vars()}
            ]}}]},
            "threads": {"values": [{"stacktrace": {"frames": [{"vars": sensitive_vars()}]}}]},
        }));
        assert_sensitive_vars_filtered(
            &event["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"],
        );
        assert_sensitive_vars_filtered(
            &event["threads"]["values"][0]["stacktrace"]["frames"][0]["vars"],
        );
        assert_eq!(event["exception"]["values"][0]["stacktrace"]["frames"][0]["function"], "login");
    }

    #[test]
    fn default_sensitive_keys_are_filtered_in_extra() {
        let event = scrub(json!({"extra": sensitive_vars()}));
        assert_sensitive_vars_filtered(&event["extra"]);
    }

    #[test]
    fn default_sensitive_keys_are_filtered_in_request_data() {
        let event = scrub(json!({"request": {"method": "POST", "data": sensitive_vars()}}));
        assert_sensitive_vars_filtered(&event["request"]["data"]);
        assert_eq!(event["request"]["method"], "POST");
    }

    #[test]
    fn default_sensitive_keys_are_filtered_in_headers() {
        let event = scrub(json!({"request": {"headers": {
            "X-Api-Key": "k",
            "X-Auth-Token": "t",
            "Proxy-Authorization": "Basic abc",
            "Accept": "application/json",
        }}}));
        let headers = &event["request"]["headers"];
        assert_eq!(headers["X-Api-Key"], FILTERED);
        assert_eq!(headers["X-Auth-Token"], FILTERED);
        assert_eq!(headers["Proxy-Authorization"], FILTERED);
        assert_eq!(headers["Accept"], "application/json");
    }

    #[test]
    fn default_sensitive_keys_are_filtered_in_breadcrumb_data() {
        let event = scrub(json!({"breadcrumbs": {"values": [
            {"category": "http", "data": sensitive_vars()}
        ]}}));
        assert_sensitive_vars_filtered(&event["breadcrumbs"]["values"][0]["data"]);
        assert_eq!(event["breadcrumbs"]["values"][0]["category"], "http");
    }

    #[test]
    fn token_in_a_key_filters_the_value_but_not_in_a_value() {
        let event = scrub(json!({"extra": {
            "github_token": "ghp_abc",
            "TOKEN": "x",
            "llm": "token count exceeded",
            "url": "https://example.com/?token=abc",
        }}));
        assert_eq!(event["extra"]["github_token"], FILTERED);
        assert_eq!(event["extra"]["TOKEN"], FILTERED);
        assert_eq!(event["extra"]["llm"], "token count exceeded");
        // `token=` in a value is Sentry's `token[^\s]*[:=]`.
        assert_eq!(event["extra"]["url"], FILTERED);
    }

    #[test]
    fn values_mentioning_a_password_are_filtered_whole() {
        let event = scrub(json!({"breadcrumbs": [
            {"message": "invalid password for user bob"},
            {"message": "loaded 3 items"},
        ]}));
        assert_eq!(event["breadcrumbs"][0]["message"], FILTERED);
        assert_eq!(event["breadcrumbs"][1]["message"], "loaded 3 items");
    }

    #[test]
    fn credit_card_in_message_is_replaced_but_order_number_failing_luhn_is_kept() {
        let event = scrub(json!({"logentry": {
            "formatted": "Payment with 4111 1111 1111 1111 failed for order 4111111111111112",
        }}));
        assert_eq!(
            event["logentry"]["formatted"],
            "Payment with [creditcard] failed for order 4111111111111112"
        );
    }

    #[test]
    fn credit_card_in_breadcrumb_message_is_filtered() {
        let event = scrub(json!({"breadcrumbs": [
            {"message": "charging 5555-5555-5555-4444 now"},
            {"message": "shipping order 5555555555554445"},
        ]}));
        assert_eq!(event["breadcrumbs"][0]["message"], "charging [Filtered] now");
        assert_eq!(event["breadcrumbs"][1]["message"], "shipping order 5555555555554445");
    }

    #[test]
    fn bearer_token_in_breadcrumb_message_is_filtered() {
        let event = scrub(json!({"breadcrumbs": [
            {"message": "GET /api/items with Bearer eyJhbGciOi.abc.def succeeded"},
        ]}));
        assert_eq!(event["breadcrumbs"][0]["message"], "GET /api/items with [Filtered] succeeded");
    }

    #[test]
    fn authorization_header_is_filtered_whole() {
        let event = scrub(json!({"request": {"headers": [
            ["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo"],
            ["Content-Type", "text/html"],
        ]}}));
        assert_eq!(event["request"]["headers"][0], json!(["Authorization", FILTERED]));
        assert_eq!(event["request"]["headers"][1], json!(["Content-Type", "text/html"]));
    }

    #[test]
    fn password_in_request_url_is_filtered() {
        let event = scrub(json!({"request": {
            "url": "https://alice:hunter2@api.example.com/v1/items?page=2&api_key=abc#top",
        }}));
        assert_eq!(
            event["request"]["url"],
            "https://alice:[Filtered]@api.example.com/v1/items?page=2&api_key=[Filtered]#top"
        );
    }

    #[test]
    fn request_url_path_is_not_filtered_for_words() {
        // Sentry does not scrub the URL itself: `/oauth/` stays.
        let event = scrub(json!({"request": {"url": "https://example.com/oauth/callback"}}));
        assert_eq!(event["request"]["url"], "https://example.com/oauth/callback");
    }

    #[test]
    fn password_in_breadcrumb_url_is_filtered() {
        let event = scrub(json!({"breadcrumbs": {"values": [
            {"message": "connecting to postgres://app:s3cr3tpw@db.internal:5432/main"},
        ]}}));
        assert_eq!(
            event["breadcrumbs"]["values"][0]["message"],
            "connecting to postgres://app:[Filtered]@db.internal:5432/main"
        );
    }

    #[test]
    fn sensitive_cookies_in_cookie_string_are_filtered_others_kept() {
        let event = scrub(json!({"request": {
            "cookies": "PHPSESSID=298zf09hf012fh2; csrftoken=u32t4o3tb3gg43; theme=dark; sessionid=abc",
        }}));
        assert_eq!(
            event["request"]["cookies"],
            "PHPSESSID=[Filtered]; csrftoken=[Filtered]; theme=dark; sessionid=[Filtered]"
        );
    }

    #[test]
    fn sensitive_cookies_in_cookie_map_are_filtered_others_kept() {
        let event = scrub(json!({
            "request": {"cookies": {"session": "s", "_xsrf": "x", "theme": "dark"}},
            "contexts": {"response": {"type": "response", "cookies": [["sudo", "1"], ["lang", "en"]]}},
        }));
        assert_eq!(
            event["request"]["cookies"],
            json!({"session": FILTERED, "_xsrf": FILTERED, "theme": "dark"})
        );
        assert_eq!(
            event["contexts"]["response"]["cookies"],
            json!([["sudo", FILTERED], ["lang", "en"]])
        );
    }

    #[test]
    fn cookie_header_is_scrubbed_as_a_cookie_string() {
        let event = scrub(json!({"request": {"headers": {
            "Cookie": "sessionid=abc123; lang=en",
        }}}));
        assert_eq!(event["request"]["headers"]["Cookie"], "sessionid=[Filtered]; lang=en");
    }

    #[test]
    fn query_string_parameters_are_filtered_individually() {
        let event = scrub(json!({
            "request": {"query_string": "?password=hunter2&page=2&api%5Fkey=k&empty_token="},
            "extra": {"q": 1},
        }));
        assert_eq!(
            event["request"]["query_string"],
            "?password=[Filtered]&page=2&api%5Fkey=[Filtered]&empty_token="
        );
        let event = scrub(json!({"request": {"query_string": [["foo", "bar"], ["secret", "s"]]}}));
        assert_eq!(event["request"]["query_string"], json!([["foo", "bar"], ["secret", FILTERED]]));
    }

    #[test]
    fn ip_addresses_are_removed_and_replaced_when_enabled() {
        let (event, _) = scrub_with(
            &with_ip(),
            json!({
                "user": {"id": "42", "ip_address": "203.0.113.7"},
                "request": {"env": {"REMOTE_ADDR": "203.0.113.7", "SERVER_NAME": "web"}},
                "sdk": {"name": "sentry.python", "client_ip": "203.0.113.7"},
                "breadcrumbs": [{"message": "proxy 10.0.0.1 and fe80::1ff:fe23:4567:890a answered"}],
                "logentry": {"formatted": "request from 2001:db8::1 refused"},
            }),
        );
        assert_eq!(event["user"], json!({"id": "42"}));
        assert_eq!(event["request"]["env"], json!({"SERVER_NAME": "web"}));
        assert_eq!(event["sdk"], json!({"name": "sentry.python"}));
        assert_eq!(event["breadcrumbs"][0]["message"], "proxy [ip] and [ip] answered");
        assert_eq!(event["logentry"]["formatted"], "request from [ip] refused");
        assert_eq!(
            event["_meta"]["user"]["ip_address"][""]["rem"],
            json!([["@anything:remove", "x"]])
        );
    }

    #[test]
    fn ip_addresses_are_kept_when_disabled() {
        let input = json!({
            "user": {"ip_address": "203.0.113.7"},
            "request": {"env": {"REMOTE_ADDR": "203.0.113.7"}},
            "breadcrumbs": [{"message": "proxy 10.0.0.1 answered"}],
        });
        let (event, count) = scrub_with(&ScrubSettings::default(), input.clone());
        assert_eq!(event, input);
        assert_eq!(count, 0);
    }

    #[test]
    fn ip_scrubbing_works_with_the_data_scrubber_off() {
        let settings = ScrubSettings { scrub_data: false, ..with_ip() };
        let (event, _) = scrub_with(
            &settings,
            json!({"user": {"ip_address": "1.2.3.4"}, "extra": {"password": "p", "seen": "8.8.8.8"}}),
        );
        assert_eq!(event["user"], json!({}));
        assert_eq!(event["extra"], json!({"password": "p", "seen": "[ip]"}));
    }

    #[test]
    fn user_agent_version_is_not_taken_for_an_ip() {
        let (event, _) = scrub_with(
            &with_ip(),
            json!({"request": {"headers": {"User-Agent": "Mozilla/5.0 Chrome/120.0.0.0 auth"}}}),
        );
        assert_eq!(event["request"]["headers"]["User-Agent"], "Mozilla/5.0 Chrome/120.0.0.0 auth");
    }

    #[test]
    fn additional_sensitive_field_is_filtered_case_insensitively() {
        let settings = ScrubSettings {
            sensitive_fields: vec![" myStuff ".into(), "".into()],
            ..ScrubSettings::default()
        };
        let (event, _) = scrub_with(
            &settings,
            json!({"extra": {"MYSTUFF": "x", "my_mystuff_id": 3, "other": "y", "note": "about MyStuff"}}),
        );
        assert_eq!(
            event["extra"],
            json!({"MYSTUFF": FILTERED, "my_mystuff_id": FILTERED, "other": "y", "note": FILTERED})
        );
        assert_eq!(
            event["_meta"]["extra"]["MYSTUFF"][""]["rem"],
            json!([["strip-fields", "s", 0, 10]])
        );
    }

    #[test]
    fn safe_field_exempts_a_default_sensitive_key() {
        let settings = ScrubSettings {
            safe_fields: vec!["GITHUB_TOKEN".into(), "credentials".into(), "session".into()],
            ..ScrubSettings::default()
        };
        let (event, _) = scrub_with(
            &settings,
            json!({
                "extra": {
                    "github_token": "ghp_keep",
                    "access_token": "filtered",
                    "credentials": {"user": "bob", "password": "filtered"},
                },
                "request": {"cookies": "session=keep; sessionid=filtered"},
            }),
        );
        assert_eq!(event["extra"]["github_token"], "ghp_keep");
        assert_eq!(event["extra"]["access_token"], FILTERED);
        assert_eq!(event["extra"]["credentials"], json!({"user": "bob", "password": FILTERED}));
        assert_eq!(event["request"]["cookies"], "session=keep; sessionid=[Filtered]");
    }

    #[test]
    fn scrub_data_off_leaves_the_event_identical() {
        let input = realistic_event();
        let settings = ScrubSettings {
            scrub_data: false,
            sensitive_fields: vec!["order".into()],
            ..ScrubSettings::default()
        };
        let (event, count) = scrub_with(&settings, input.clone());
        assert_eq!(count, 0);
        assert_eq!(event, input);
    }

    #[test]
    fn default_scrubbers_off_keeps_only_additional_fields() {
        let settings = ScrubSettings {
            scrub_defaults: false,
            sensitive_fields: vec!["order".into()],
            ..ScrubSettings::default()
        };
        let (event, _) = scrub_with(&settings, json!({"extra": {"password": "p", "order_id": 7}}));
        assert_eq!(event["extra"], json!({"password": "p", "order_id": FILTERED}));
    }

    #[test]
    fn frame_paths_and_user_agent_are_exempt() {
        let frame = json!({
            "filename": "/home/alice/app/auth/password.py",
            "abs_path": "/home/alice/app/auth/password.py",
            "context_line": "    password = request.POST['password']",
            "function": "check_password",
        });
        let event = scrub(json!({
            "exception": {"values": [{"stacktrace": {"frames": [frame]}}]},
            "request": {"headers": {"User-Agent": "AuthClient/1.0 (token: secret)"}},
            "debug_meta": {"images": [{"code_file": "/Users/alice/libauth.dylib"}]},
        }));
        assert_eq!(event["exception"]["values"][0]["stacktrace"]["frames"][0], frame);
        assert_eq!(event["request"]["headers"]["User-Agent"], "AuthClient/1.0 (token: secret)");
        assert_eq!(event["debug_meta"]["images"][0]["code_file"], "/Users/alice/libauth.dylib");
    }

    #[test]
    fn nested_objects_and_arrays_under_sensitive_key_are_filtered_whole() {
        let event = scrub(json!({"extra": {
            "credentials": {"user": "bob", "pin": {"value": 1234}},
            "api_keys": ["k1", "k2"],
            "config": {"db": {"password": ["a", {"b": "c"}]}, "name": "main"},
        }}));
        assert_eq!(event["extra"]["credentials"], FILTERED);
        assert_eq!(event["extra"]["api_keys"], FILTERED);
        assert_eq!(event["extra"]["config"], json!({"db": {"password": FILTERED}, "name": "main"}));
    }

    #[test]
    fn numbers_and_booleans_under_sensitive_keys_are_filtered() {
        let event = scrub(json!({"extra": {
            "pin_password": 1234,
            "is_authenticated": true,
            "secret_ratio": 0.5,
            "password_hint": null,
            "count": 3,
        }}));
        assert_eq!(
            event["extra"],
            json!({
                "pin_password": FILTERED,
                "is_authenticated": FILTERED,
                "secret_ratio": FILTERED,
                "password_hint": null,
                "count": 3,
            })
        );
    }

    #[test]
    fn pairs_in_arrays_use_the_first_element_as_key() {
        let event = scrub(json!({"extra": {"args": [["password", "p"], ["user", "bob"]]}}));
        assert_eq!(event["extra"]["args"], json!([["password", FILTERED], ["user", "bob"]]));
    }

    #[test]
    fn pem_private_key_body_is_filtered() {
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1Hh4\nqzVYc2QwMQ==\n-----END RSA PRIVATE KEY-----";
        let event = scrub(json!({"extra": {"blob": key}}));
        assert_eq!(
            event["extra"]["blob"],
            "-----BEGIN RSA PRIVATE KEY-----\n[Filtered]\n-----END RSA PRIVATE KEY-----"
        );
    }

    #[test]
    fn us_social_security_number_is_filtered() {
        let event = scrub(json!({"extra": {"applicant": "SSN 123-45-6789 on file"}}));
        assert_eq!(event["extra"]["applicant"], "SSN [Filtered] on file");
    }

    #[test]
    fn user_name_in_home_directory_is_filtered() {
        let event = scrub(json!({"extra": {
            "unix": "/home/alice/project/app.py",
            "windows": "C:\\Users\\Bob\\AppData\\app.log",
        }}));
        assert_eq!(event["extra"]["unix"], "/home/[Filtered]/project/app.py");
        assert_eq!(event["extra"]["windows"], "C:\\Users\\[Filtered]\\AppData\\app.log");
    }

    #[test]
    fn iban_with_valid_checksum_is_filtered() {
        let event = scrub(json!({"extra": {
            "payout": "to DE89370400440532013000 today",
            "ref": "DE89370400440532013001",
        }}));
        assert_eq!(event["extra"]["payout"], "to [Filtered] today");
        assert_eq!(event["extra"]["ref"], "DE89370400440532013001");
    }

    #[test]
    fn exception_value_gets_only_replace_rules() {
        let event = scrub(json!({"exception": {"values": [{
            "type": "AuthError",
            "value": "password rejected for bob@example.com with Bearer abc123",
        }]}}));
        assert_eq!(
            event["exception"]["values"][0]["value"],
            "password rejected for [email] with Bearer [token]"
        );
        assert_eq!(event["exception"]["values"][0]["type"], "AuthError");
    }

    #[test]
    fn logentry_message_and_params_are_scrubbed_but_formatted_is_not_filtered_whole() {
        let event = scrub(json!({"logentry": {
            "message": "login failed: password %s",
            "params": ["hunter2", "4111111111111111"],
            "formatted": "login failed: password hunter2",
        }}));
        assert_eq!(event["logentry"]["message"], FILTERED);
        assert_eq!(event["logentry"]["params"], json!(["hunter2", FILTERED]));
        assert_eq!(event["logentry"]["formatted"], "login failed: password hunter2");
    }

    #[test]
    fn custom_contexts_are_scrubbed_and_sdk_contexts_kept() {
        let event = scrub(json!({"contexts": {
            "os": {"type": "os", "name": "Linux", "password": "kept, as in Sentry"},
            "payment": {"card": "4111111111111111", "api_key": "k", "amount": 10},
            "secret": {"a": 1},
        }}));
        assert_eq!(event["contexts"]["os"]["password"], "kept, as in Sentry");
        assert_eq!(
            event["contexts"]["payment"],
            json!({"card": FILTERED, "api_key": FILTERED, "amount": 10})
        );
        assert_eq!(event["contexts"]["secret"], FILTERED);
    }

    #[test]
    fn tags_are_not_scrubbed() {
        let input = json!({"tags": [["api_key", "abc"], ["card", "4111111111111111"]]});
        let (event, count) = scrub_with(&with_ip(), input.clone());
        assert_eq!(event, input);
        assert_eq!(count, 0);
    }

    #[test]
    fn meta_records_what_was_scrubbed() {
        let auth = "Bearer 0123456789abcdef0123456789abcdef012";
        let (event, count) = scrub_with(
            &ScrubSettings::default(),
            json!({
                "request": {"headers": {"Authorization": auth}},
                "extra": {"note": "card 4111111111111111 and 4012888888881881", "nested": {"token": [1]}},
                "_meta": {"extra": {"other": {"": {"err": ["invalid_data"]}}}},
            }),
        );
        assert_eq!(count, 4);
        let meta = &event["_meta"];
        assert_eq!(
            meta["request"]["headers"]["Authorization"],
            json!({"": {"rem": [["@password:filter", "s", 0, 10]], "len": auth.len()}})
        );
        assert_eq!(event["extra"]["note"], "card [Filtered] and [Filtered]");
        assert_eq!(
            meta["extra"]["note"],
            json!({"": {"rem": [
                ["@creditcard:filter", "s", 5, 15],
                ["@creditcard:filter", "s", 20, 30],
            ], "len": 42}})
        );
        assert_eq!(
            meta["extra"]["nested"]["token"],
            json!({"": {"rem": [["@password:filter", "s", 0, 10]]}})
        );
        // What was there before is kept.
        assert_eq!(meta["extra"]["other"], json!({"": {"err": ["invalid_data"]}}));
    }

    #[test]
    fn scrubbing_twice_changes_nothing_more() {
        let scrubber = Scrubber::new(&with_ip());
        let Value::Object(mut event) = realistic_event() else {
            panic!("object");
        };
        assert!(scrubber.scrub_event(&mut event) > 0);
        let once = event.clone();
        assert_eq!(scrubber.scrub_event(&mut event), 0);
        assert_eq!(event, once);
    }

    #[test]
    fn settings_deserialize_with_defaults_for_missing_fields() {
        let settings: ScrubSettings =
            serde_json::from_value(json!({"scrub_ip_addresses": true})).expect("settings");
        assert_eq!(
            settings,
            ScrubSettings { scrub_ip_addresses: true, ..ScrubSettings::default() }
        );
    }

    #[test]
    fn luhn_and_iban_checksums() {
        assert!(luhn_valid(b"4111 1111 1111 1111"));
        assert!(luhn_valid(b"378282246310005"));
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(iban_valid(b"GB82WEST12345698765432"));
        assert!(!iban_valid(b"GB82WEST12345698765433"));
    }

    /// A ~7.5 KB Python-style error event with the usual parts and a few secrets in it.
    fn realistic_event() -> Value {
        let frames: Vec<Value> = (0..14)
            .map(|i| {
                json!({
                    "filename": format!("app/services/module_{i}.py"),
                    "abs_path": format!("/srv/app/services/module_{i}.py"),
                    "module": format!("app.services.module_{i}"),
                    "function": format!("handle_step_{i}"),
                    "lineno": 40 + i,
                    "context_line": "    result = self.client.fetch(order_id, retries=3)",
                    "in_app": i % 3 != 0,
                    "vars": {
                        "self": "<app.services.Client object at 0x7f3a2c1b9d30>",
                        "order_id": 100_000 + i,
                        "retries": 3,
                        "user_password": if i == 13 { "hunter2" } else { "" },
                        "payload": "{'sku': 'A-1', 'qty': 2}",
                    },
                })
            })
            .collect();
        let breadcrumbs: Vec<Value> = (0..16)
            .map(|i| {
                json!({
                    "timestamp": 1_700_000_000.0 + f64::from(i),
                    "category": if i % 2 == 0 { "http" } else { "query" },
                    "level": "info",
                    "message": if i == 5 {
                        "SELECT * FROM orders WHERE id = 100005".to_owned()
                    } else {
                        format!("step {i} done in {}ms", 12 + i)
                    },
                    "data": {"url": format!("https://shop.example.com/api/items/{i}"), "method": "GET", "status_code": 200},
                })
            })
            .collect();
        json!({
            "event_id": "9ec79c33ec9942ab8353589fcb2e04dc",
            "timestamp": 1_700_000_100.5,
            "received": 1_700_000_101.0,
            "level": "error",
            "platform": "python",
            "logger": "app.checkout",
            "release": "shop@2.4.1",
            "environment": "production",
            "server_name": "web-3.internal",
            "transaction": "/checkout/{order_id}",
            "logentry": {"formatted": "Checkout failed for alice@example.com (card 4111 1111 1111 1111)"},
            "exception": {"values": [
                {"type": "TimeoutError", "value": "upstream timed out after 30s", "module": "socket",
                 "mechanism": {"type": "generic", "handled": true}},
                {"type": "CheckoutError", "value": "payment provider rejected order 100013",
                 "mechanism": {"type": "django", "handled": false},
                 "stacktrace": {"frames": frames}},
            ]},
            "breadcrumbs": {"values": breadcrumbs},
            "request": {
                "url": "https://shop.example.com/checkout/100013?step=pay&session_token=abc",
                "method": "POST",
                "query_string": "step=pay&session_token=abc",
                "headers": {
                    "Host": "shop.example.com",
                    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0",
                    "Accept": "text/html,application/xhtml+xml",
                    "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.signature",
                    "Cookie": "sessionid=4f1c2a; csrftoken=abc; theme=dark",
                    "X-Forwarded-For": "203.0.113.7",
                },
                "data": {"card_number": "4111111111111111", "password": "hunter2", "qty": 2},
                "env": {"REMOTE_ADDR": "203.0.113.7", "SERVER_PORT": "443"},
            },
            "user": {"id": "1042", "email": "alice@example.com", "ip_address": "203.0.113.7"},
            "contexts": {
                "os": {"type": "os", "name": "Linux", "version": "6.1"},
                "runtime": {"type": "runtime", "name": "CPython", "version": "3.12.1"},
                "trace": {"type": "trace", "trace_id": "4c79f60c11214eb38604f4ae0781bfb2", "span_id": "fa90fdead5f74052"},
                "cart": {"items": 2, "coupon": "SPRING24", "stripe_api_key": "sk_live_abc"},
            },
            "tags": [["browser", "Chrome 120"], ["customer_tier", "gold"], ["url", "https://shop.example.com/checkout"]],
            "extra": {"retry_count": 3, "db_password": "pg-secret", "note": "customer called support"},
            "sdk": {"name": "sentry.python.django", "version": "2.19.0", "client_ip": "203.0.113.7"},
            "debug_meta": {"images": []},
        })
    }

    #[test]
    fn realistic_event_is_scrubbed() {
        let input = realistic_event();
        let size = input.to_string().len();
        assert!((6_500..=12_000).contains(&size), "the realistic event is {size} bytes");
        let (event, count) = scrub_with(&with_ip(), input);
        let request = &event["request"];
        assert_eq!(request["headers"]["Authorization"], FILTERED);
        assert_eq!(
            request["headers"]["Cookie"],
            "sessionid=[Filtered]; csrftoken=[Filtered]; theme=dark"
        );
        assert_eq!(request["headers"]["X-Forwarded-For"], "[ip]");
        assert_eq!(request["query_string"], "step=pay&session_token=[Filtered]");
        assert_eq!(
            request["url"],
            "https://shop.example.com/checkout/100013?step=pay&session_token=[Filtered]"
        );
        assert_eq!(
            request["data"],
            json!({"card_number": FILTERED, "password": FILTERED, "qty": 2})
        );
        assert_eq!(request["env"], json!({"SERVER_PORT": "443"}));
        assert_eq!(event["user"], json!({"id": "1042", "email": "alice@example.com"}));
        assert_eq!(
            event["logentry"]["formatted"],
            "Checkout failed for [email] (card [creditcard])"
        );
        let frames = &event["exception"]["values"][1]["stacktrace"]["frames"];
        assert_eq!(frames[13]["vars"]["user_password"], FILTERED);
        assert_eq!(frames[12]["vars"]["user_password"], "");
        assert_eq!(frames[0]["vars"]["order_id"], 100_000);
        assert_eq!(event["contexts"]["cart"]["stripe_api_key"], FILTERED);
        assert_eq!(event["extra"]["db_password"], FILTERED);
        assert_eq!(
            event["breadcrumbs"]["values"][5]["message"],
            "SELECT * FROM orders WHERE id = 100005"
        );
        assert_eq!(event["tags"][2][1], "https://shop.example.com/checkout");
        assert!(event["sdk"].get("client_ip").is_none());
        assert_eq!(count, 16);
    }
}
