//! Grouping: the hashes that decide which issue an event belongs to — Cairn's implementation of
//! Sentry's grouping configuration `newstyle:2023-01-11`, so that teams moving from Sentry see
//! the same issues.
//!
//! Pipeline (see `docs/sentry-protocol.md` §3):
//! 0. A legacy `checksum` is the event's only hash (32 lowercase hex digits as they are, any
//!    other value hashed).
//! 1. Stack-trace rules ([`BUILTIN_ENHANCEMENTS`], then the project's [`Enhancement`]s) adjust
//!    frames' `in_app` (`+app`/`-app`) and categories, then, in a second pass, whether frames
//!    contribute (`+group`/`-group`, with `^`/`v` ranges); frames without `in_app` get
//!    [`default_in_app`] first. [`group_event`] stores the resulting `in_app` in the event.
//! 2. Fingerprint rules (project rules, then Sentry's built-in JavaScript rules) may replace the
//!    SDK's `fingerprint`.
//! 3. A fingerprint without `{{ default }}` is hashed as is; otherwise the default strategies run,
//!    first contributing one wins: chained exceptions (with RFC 0079 exception groups) > threads >
//!    stack trace > message; each yields an `app` variant (only in-app frames contribute) and a
//!    `system` variant (all frames), and a hybrid fingerprint salts them.
//! 4. Each hash is the MD5 of the contributing leaf values concatenated without separators;
//!    hashes are de-duplicated, `app` first, `system` last; nothing contributing gives the
//!    fallback hash `d41d8cd98f00b204e9800998ecf8427e`.
//!
//! Everything is synchronous and borrows from the event (no clone of it). Cost: see the
//! README's performance table (the built-in rules, parsed once and indexed by the first byte
//! their patterns require, roughly add half again to a typical event's grouping time, and
//! double it for long native stack traces, whose frames most of the base is about).

mod explain;
pub mod parameterize;
pub mod rules;

use std::borrow::Cow;
use std::sync::LazyLock;

use md5::{Digest, Md5};
use regex::Regex;
use serde_json::{Map, Value};

pub use explain::explain;
pub use parameterize::normalize_message;
pub use rules::{Action, Enhancement, Family, FingerprintRule, Range, RuleParseError};
use rules::{EventFacts, ExceptionFacts, FrameFacts, RuleFrames, RuleSet};

/// Replaces the variable parts of a message (ids, numbers, addresses, dates, ...) with
/// placeholders, so that "user 41 not found" and "user 42 not found" group together.
pub fn parameterize(message: &str) -> String {
    parameterize::parameterize(message)
}

/// A project's grouping rules. The default has no project rules; Sentry's built-in JavaScript
/// fingerprint rules (ChunkLoadError, hydration errors) always apply after the project's, and
/// Cairn's built-in stack-trace rules ([`BUILTIN_ENHANCEMENTS`]) before the project's.
#[derive(Debug, Clone, Default)]
pub struct GroupingConfig {
    fingerprint_rules: Vec<FingerprintRule>,
    enhancements: StackRules,
}

/// Stack-trace rules split as Sentry runs them: those that set `in_app` or a category, then,
/// once those are final, those that set whether frames contribute. A rule with both kinds of
/// action is in both lists.
#[derive(Debug, Clone, Default)]
struct StackRules {
    classifiers: RuleSet,
    contributors: RuleSet,
}

impl StackRules {
    fn split(rules: Vec<Enhancement>) -> Self {
        let contributors = rules.iter().filter(|r| r.groups()).cloned().collect();
        let classifiers = rules.into_iter().filter(Enhancement::classifies).collect();
        StackRules {
            classifiers: RuleSet::new(classifiers),
            contributors: RuleSet::new(contributors),
        }
    }
}

impl GroupingConfig {
    /// Parses a project's fingerprint rules and stack-trace rules (Sentry's syntax, one rule a
    /// line, `#` comments). Errors name the rule set, the line and what is wrong.
    pub fn parse(fingerprinting: &str, enhancements: &str) -> Result<Self, RuleParseError> {
        Ok(GroupingConfig {
            fingerprint_rules: rules::parse_fingerprint_rules(fingerprinting)?,
            enhancements: StackRules::split(rules::parse_enhancements(enhancements)?),
        })
    }
}

/// Cairn's built-in stack-trace rules, the base every project's own rules follow (Sentry's
/// `all-platforms@2023-01-11` enhancements, rewritten for the platforms Cairn's users run: see
/// the file's comments).
pub const BUILTIN_ENHANCEMENTS: &str = include_str!("builtin_enhancements.txt");

static BUILTIN_STACK_RULES: LazyLock<StackRules> = LazyLock::new(|| {
    StackRules::split(
        rules::parse_enhancements(BUILTIN_ENHANCEMENTS)
            .unwrap_or_else(|e| panic!("built-in stack-trace rules parse: {e}")),
    )
});

const BUILTIN_FINGERPRINTING: &str = r#"
family:javascript error.type:"ChunkLoadError" -> chunkloaderror
family:javascript error.value:"ChunkLoadError*" -> chunkloaderror
family:javascript tags.transaction:"*" message:"Hydration failed because the initial UI does not match what was rendered on the server." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"The server could not finish this Suspense boundary, likely due to an error during server rendering. Switched to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"There was an error while hydrating this Suspense boundary. Switched to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"There was an error while hydrating. Because the error happened outside of a Suspense boundary, the entire root will switch to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:"*" message:"Text content does not match server-rendered HTML." -> hydrationerror, {{tags.transaction}}
"#;

static BUILTIN_RULES: LazyLock<Vec<FingerprintRule>> = LazyLock::new(|| {
    rules::parse_fingerprint_rules(BUILTIN_FINGERPRINTING)
        .unwrap_or_else(|e| panic!("built-in fingerprint rules parse: {e}"))
});

/// The configuration of a project without rules of its own, built once.
pub fn no_project_rules() -> &'static GroupingConfig {
    static NONE: LazyLock<GroupingConfig> = LazyLock::new(GroupingConfig::default);
    &NONE
}

/// The grouping hashes of a normalized event with no project rules, primary first.
pub fn hashes(event: &Map<String, Value>) -> Vec<String> {
    hashes_with(event, &GroupingConfig::default())
}

/// The grouping hashes of a normalized event under a project's rules, primary first.
pub fn hashes_with(event: &Map<String, Value>, config: &GroupingConfig) -> Vec<String> {
    compute(event, config, false).0
}

/// The grouping hashes of a normalized event under a project's rules, primary first, with the
/// stack-trace rules' verdicts written into the event as Sentry persists them: each frame's
/// `in_app` as grouping used it (Cairn's default for frames the SDK left undecided, changed by
/// the rules), and, where a rule changed it, the SDK's value in `data.orig_in_app` (`1`, `0`,
/// or `-1` when the SDK sent none). The API, suspect commits and ownership then see the same
/// frames as in-app as grouping did.
pub fn group_event(event: &mut Map<String, Value>, config: &GroupingConfig) -> Vec<String> {
    let (hashes, verdicts) = compute(event, config, true);
    for verdict in verdicts {
        write_in_app(event, &verdict);
    }
    hashes
}

/// Which stack trace of the event a frame is in.
#[derive(Debug, Clone, Copy)]
enum StackAt {
    /// `exception.values[i]`.
    Exception(usize),
    /// `threads.values[i]` (or `threads[i]`).
    Thread(usize),
    /// The event's own `stacktrace`.
    Event,
}

/// A frame whose stored `in_app` must change.
struct InAppVerdict {
    stack: StackAt,
    frame: usize,
    in_app: bool,
    /// The SDK's value as Sentry records it (`-1`: none), when a rule made the change.
    orig: Option<i64>,
}

fn write_in_app(event: &mut Map<String, Value>, v: &InAppVerdict) {
    let stacktrace = match v.stack {
        StackAt::Exception(i) => event
            .get_mut("exception")
            .and_then(|e| e.get_mut("values"))
            .and_then(|values| values.get_mut(i))
            .and_then(|e| e.get_mut("stacktrace")),
        StackAt::Thread(i) => event
            .get_mut("threads")
            .and_then(|t| if t.is_array() { t.get_mut(i) } else { t.get_mut("values")?.get_mut(i) })
            .and_then(|t| t.get_mut("stacktrace")),
        StackAt::Event => event.get_mut("stacktrace"),
    };
    let Some(frame) = stacktrace
        .and_then(|s| s.get_mut("frames"))
        .and_then(|f| f.get_mut(v.frame))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    frame.insert("in_app".into(), Value::Bool(v.in_app));
    if let Some(orig) = v.orig {
        let data = frame.entry("data").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(data) = data {
            data.entry("orig_in_app").or_insert(Value::from(orig));
        }
    }
}

/// Hashes, and with `verdicts`, the frames whose stored `in_app` differs from grouping's.
fn compute(
    event: &Map<String, Value>,
    config: &GroupingConfig,
    verdicts: bool,
) -> (Vec<String>, Vec<InAppVerdict>) {
    let platform = str_of(event, "platform").unwrap_or("other");
    let mut changes = Vec::new();
    // The legacy `checksum` wins over everything (Sentry `get_grouping_variants_for_event`): a
    // 32-character lowercase hex checksum is the hash as it is, any other value is hashed. The
    // stack-trace rules still decide what is in-app.
    if let Some(checksum) = str_of(event, "checksum") {
        if verdicts {
            for_each_stack(event, |at, frames, exception| {
                let x = exception.map(ExceptionFacts::of).unwrap_or_default();
                Stack::classified(frames, platform, &x, config).verdicts(at, frames, &mut changes);
            });
        }
        return (vec![checksum_hash(checksum).0], changes);
    }
    let prepared = Prepared::of(event, platform, config);
    let Prepared { exceptions, exception_stacks, thread_stack, top_stack, threads, .. } = &prepared;
    if verdicts {
        prepared.verdicts(config, &mut changes);
    }
    let crash_stack = prepared.crash_stack();
    let fingerprint = match prepared.fingerprint_rule(event, config) {
        Some(rule) => rule.fingerprint.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
        None => sdk_fingerprint(event),
    };

    if is_custom(&fingerprint) {
        let mut h = Md5::new();
        for part in &fingerprint {
            h.update(resolve_variable(part, event, exceptions, crash_stack).as_bytes());
        }
        return (vec![hex::encode(h.finalize())], changes);
    }

    let variants = default_variants(
        event,
        exceptions,
        exception_stacks,
        thread_stack,
        top_stack,
        threads.is_empty(),
    );
    let mut out: Vec<String> = Vec::with_capacity(2);
    for leaves in variants.iter().flatten() {
        let hash = variant_hash(leaves, &fingerprint, event, exceptions, crash_stack);
        if !out.contains(&hash) {
            out.push(hash);
        }
    }
    if out.is_empty() {
        out.push(hex::encode(Md5::new().finalize()));
    }
    (out, changes)
}

/// An event's exceptions, threads and stack traces prepared for grouping (the stack-trace
/// rules applied): what [`compute`] hashes and [`explain`] shows.
struct Prepared<'a> {
    platform: &'a str,
    /// Where each of `exceptions` is in `exception.values`.
    exception_at: Vec<usize>,
    exceptions: Vec<&'a Map<String, Value>>,
    exception_facts: Vec<ExceptionFacts<'a>>,
    exception_stacks: Vec<Option<Stack<'a>>>,
    /// Where each of `threads` is in `threads.values`.
    thread_at: Vec<usize>,
    threads: Vec<&'a Map<String, Value>>,
    /// The thread grouping uses ([`pick_thread`]).
    thread: Option<&'a Map<String, Value>>,
    thread_stack: Option<Stack<'a>>,
    top_frames: Option<&'a [Value]>,
    top_stack: Option<Stack<'a>>,
}

impl<'a> Prepared<'a> {
    fn of(event: &'a Map<String, Value>, platform: &'a str, config: &GroupingConfig) -> Self {
        let (exception_at, exceptions): (Vec<usize>, Vec<&Map<String, Value>>) = event
            .get("exception")
            .and_then(|e| e.get("values"))
            .and_then(Value::as_array)
            .map(|v| v.iter().enumerate().filter_map(|(i, e)| Some((i, e.as_object()?))).unzip())
            .unwrap_or_default();
        let exception_facts: Vec<ExceptionFacts<'a>> =
            exceptions.iter().map(|e| ExceptionFacts::of(e)).collect();
        let no_exception = ExceptionFacts::default();
        let exception_stacks = exceptions
            .iter()
            .zip(&exception_facts)
            .map(|(e, x)| stack_frames(e).map(|f| Stack::new(f, platform, x, config)))
            .collect();
        let (thread_at, threads): (Vec<usize>, Vec<&Map<String, Value>>) = event
            .get("threads")
            .and_then(|t| t.get("values").or(Some(t)))
            .and_then(Value::as_array)
            .map(|v| v.iter().enumerate().filter_map(|(i, t)| Some((i, t.as_object()?))).unzip())
            .unwrap_or_default();
        let thread = pick_thread(&threads);
        let thread_stack =
            thread.and_then(stack_frames).map(|f| Stack::new(f, platform, &no_exception, config));
        let top_frames = event
            .get("stacktrace")
            .and_then(Value::as_object)
            .and_then(|s| s.get("frames"))
            .and_then(Value::as_array)
            .map(Vec::as_slice);
        let top_stack = top_frames.map(|f| Stack::new(f, platform, &no_exception, config));
        Prepared {
            platform,
            exception_at,
            exceptions,
            exception_facts,
            exception_stacks,
            thread_at,
            threads,
            thread,
            thread_stack,
            top_frames,
            top_stack,
        }
    }

    /// The frames whose stored `in_app` differs from grouping's.
    fn verdicts(&self, config: &GroupingConfig, changes: &mut Vec<InAppVerdict>) {
        let no_exception = ExceptionFacts::default();
        let exceptions = self.exception_at.iter().zip(&self.exceptions);
        for (s, (at, e)) in self.exception_stacks.iter().zip(exceptions) {
            if let (Some(s), Some(frames)) = (s, stack_frames(e)) {
                s.verdicts(StackAt::Exception(*at), frames, changes);
            }
        }
        // Every thread's frames are shown, not only the one grouping uses.
        for (at, t) in self.thread_at.iter().zip(&self.threads) {
            let Some(frames) = stack_frames(t) else { continue };
            let at = StackAt::Thread(*at);
            match (&self.thread_stack, self.thread) {
                (Some(s), Some(picked)) if std::ptr::eq(picked, *t) => {
                    s.verdicts(at, frames, changes);
                }
                _ => Stack::classified(frames, self.platform, &no_exception, config)
                    .verdicts(at, frames, changes),
            }
        }
        if let (Some(s), Some(frames)) = (&self.top_stack, self.top_frames) {
            s.verdicts(StackAt::Event, frames, changes);
        }
    }

    /// The stack trace fingerprint variables read their frame from (Sentry
    /// `get_crash_frame_from_event_data`): the last exception's, else the event's, else the
    /// only thread's.
    fn crash_stack(&self) -> Option<&Stack<'a>> {
        self.exception_stacks
            .last()
            .and_then(Option::as_ref)
            .filter(|s| !s.facts.is_empty())
            .or(self.top_stack.as_ref().filter(|s| !s.facts.is_empty()))
            .or(self.thread_stack.as_ref().filter(|_| self.threads.len() == 1))
    }

    /// The first fingerprint rule that matches the event: the project's, then Sentry's
    /// built-in ones. Server-side fingerprint rules see every frame.
    fn fingerprint_rule<'c>(
        &self,
        event: &'a Map<String, Value>,
        config: &'c GroupingConfig,
    ) -> Option<&'c FingerprintRule> {
        let frames: Vec<FrameFacts<'_>> = self
            .exception_stacks
            .iter()
            .flatten()
            .chain(&self.thread_stack)
            .chain(&self.top_stack)
            .flat_map(|s| s.facts.iter().cloned())
            .collect();
        let facts = EventFacts {
            message: event
                .get("logentry")
                .and_then(|l| l.get("formatted").or_else(|| l.get("message")))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty()),
            logger: str_of(event, "logger"),
            level: str_of(event, "level"),
            sdk: event.get("sdk").and_then(|s| s.get("name")).and_then(Value::as_str),
            release: str_of(event, "release"),
            family: Family::of(self.platform),
            tags: event.get("tags").and_then(Value::as_array).map_or(&[], Vec::as_slice),
            exceptions: &self.exception_facts,
            frames: &frames,
        };
        config.fingerprint_rules.iter().chain(BUILTIN_RULES.iter()).find(|r| r.matches(&facts))
    }
}

/// The hash of a legacy `checksum`, and whether it is the checksum itself (32 lowercase hex
/// digits) rather than its MD5.
fn checksum_hash(checksum: &str) -> (String, bool) {
    let is_md5 = checksum.len() == 32
        && checksum.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if is_md5 {
        (checksum.to_owned(), true)
    } else {
        (hex::encode(Md5::digest(checksum.as_bytes())), false)
    }
}

/// Whether a fingerprint replaces the default grouping (it has values, none `{{ default }}`).
fn is_custom(fingerprint: &[Cow<'_, str>]) -> bool {
    !fingerprint.is_empty() && !fingerprint.iter().any(|p| is_default_marker(p))
}

/// The hash of a default variant's contributing values, salted by the fingerprint's other
/// values when it has any (`["{{ default }}", "{{ transaction }}"]`).
fn variant_hash(
    leaves: &[Cow<'_, str>],
    fingerprint: &[Cow<'_, str>],
    event: &Map<String, Value>,
    exceptions: &[&Map<String, Value>],
    crash_stack: Option<&Stack<'_>>,
) -> String {
    let mut h = Md5::new();
    if fingerprint.len() <= 1 {
        for leaf in leaves {
            h.update(leaf.as_bytes());
        }
    } else {
        for part in fingerprint {
            if is_default_marker(part) {
                for leaf in leaves {
                    h.update(leaf.as_bytes());
                }
            } else {
                h.update(resolve_variable(part, event, exceptions, crash_stack).as_bytes());
            }
        }
    }
    hex::encode(h.finalize())
}

/// Calls `f` with each stack trace of the event: where it is, its frames, and its exception.
fn for_each_stack<'a>(
    event: &'a Map<String, Value>,
    mut f: impl FnMut(StackAt, &'a [Value], Option<&'a Map<String, Value>>),
) {
    let list = |v: Option<&'a Value>| v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for (i, e) in list(event.get("exception").and_then(|e| e.get("values"))).iter().enumerate() {
        if let Some(frames) = e.as_object().and_then(stack_frames) {
            f(StackAt::Exception(i), frames, e.as_object());
        }
    }
    let threads = event.get("threads").and_then(|t| t.get("values").or(Some(t)));
    for (i, t) in list(threads).iter().enumerate() {
        if let Some(frames) = t.as_object().and_then(stack_frames) {
            f(StackAt::Thread(i), frames, None);
        }
    }
    if let Some(frames) = event.get("stacktrace").and_then(|s| s.get("frames")) {
        if let Some(frames) = frames.as_array() {
            f(StackAt::Event, frames, None);
        }
    }
}

type Leaves<'a> = Vec<Cow<'a, str>>;
/// `[app, system]`; `None` when the variant does not contribute.
type Variants<'a> = [Option<Leaves<'a>>; 2];
const APP: usize = 0;
const SYSTEM: usize = 1;

fn str_of<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn stack_frames(owner: &Map<String, Value>) -> Option<&[Value]> {
    owner.get("stacktrace")?.get("frames")?.as_array().map(Vec::as_slice)
}

/// The SDK's fingerprint, its values read like Relay's `LenientString`: booleans become `True`
/// and `False`, floats are truncated (`3.5` ⇒ `3`) and dropped past 2^53, other values dropped.
fn sdk_fingerprint(event: &Map<String, Value>) -> Vec<Cow<'_, str>> {
    event
        .get("fingerprint")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| match v {
            Value::String(s) => Some(Cow::Borrowed(s.as_str())),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(Cow::Owned(n.to_string())),
            Value::Number(n) => n
                .as_f64()
                .filter(|f| f.abs() < (1u64 << 53) as f64)
                .map(|f| Cow::Owned(f.trunc().to_string())),
            Value::Bool(true) => Some(Cow::Borrowed("True")),
            Value::Bool(false) => Some(Cow::Borrowed("False")),
            _ => None,
        })
        .collect()
}

fn is_default_marker(part: &str) -> bool {
    // Case-sensitive like Sentry's `is_default_fingerprint_var`: `{{ Default }}` is plain text.
    variable_name(part) == Some("default")
}

/// `name` of a `{{ name }}` fingerprint variable.
fn variable_name(part: &str) -> Option<&str> {
    let name = part.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some(name)
}

/// Resolves the fingerprint variables Sentry knows (`resolve_fingerprint_variable`); other text,
/// and unknown variables (this config's legacy handling), are used as they are. Variable names
/// are case-sensitive, as in Sentry.
fn resolve_variable<'a>(
    part: &'a str,
    event: &'a Map<String, Value>,
    exceptions: &[&'a Map<String, Value>],
    crash_stack: Option<&Stack<'a>>,
) -> Cow<'a, str> {
    let Some(name) = variable_name(part) else { return Cow::Borrowed(part) };
    let main = exceptions.last().copied();
    // The crash frame: the last in-app frame, else the last frame.
    let crash_frame = || -> Option<&FrameFacts<'a>> {
        let facts = &crash_stack?.facts;
        facts.iter().rev().find(|f| f.in_app).or_else(|| facts.last())
    };
    let or = |v: Option<&'a str>, fallback: &str| {
        v.map_or_else(|| Cow::Owned(fallback.to_owned()), Cow::Borrowed)
    };
    let logentry =
        |key: &str| event.get("logentry").and_then(Value::as_object).and_then(|l| str_of(l, key));
    match name {
        // Sentry `get_canonical_message_from_event`: the log message, else the exception value.
        "message" => or(
            logentry("formatted")
                .or_else(|| logentry("message"))
                .or_else(|| main.and_then(|e| str_of(e, "value"))),
            "<no-message>",
        ),
        "type" | "error.type" => or(main.and_then(|e| str_of(e, "type")), "<no-type>"),
        "value" | "error.value" => or(main.and_then(|e| str_of(e, "value")), "<no-value>"),
        "transaction" => or(str_of(event, "transaction"), "<no-transaction>"),
        "level" => or(str_of(event, "level"), "<no-level>"),
        "logger" => or(str_of(event, "logger"), "<no-logger>"),
        "function" | "stack.function" => match crash_frame() {
            Some(f) if f.function != "<unknown>" => Cow::Owned(f.function.to_string()),
            _ => Cow::Borrowed("<no-function>"),
        },
        "path" | "stack.abs_path" => {
            or(crash_frame().and_then(|f| f.abs_path.or(f.filename)), "<no-abs-path>")
        }
        "stack.filename" => {
            or(crash_frame().and_then(|f| f.filename.or(f.abs_path)), "<no-filename>")
        }
        "module" | "stack.module" => or(crash_frame().and_then(|f| f.module), "<no-module>"),
        "package" | "stack.package" => or(
            crash_frame()
                .and_then(|f| f.package)
                .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p)),
            "<no-package>",
        ),
        _ => match name.strip_prefix("tags.") {
            Some(tag) => event
                .get("tags")
                .and_then(Value::as_array)
                .and_then(|tags| {
                    tags.iter().find_map(|pair| {
                        let pair = pair.as_array()?;
                        (pair.first()?.as_str()? == tag).then(|| pair.get(1)?.as_str())?
                    })
                })
                .map_or_else(|| Cow::Owned(format!("<no-value-for-tag-{tag}>")), Cow::Borrowed),
            None => Cow::Borrowed(part),
        },
    }
}

// ----------------------------------------------------------------------------------------------
// Strategies.

fn default_variants<'a>(
    event: &'a Map<String, Value>,
    exceptions: &[&'a Map<String, Value>],
    exception_stacks: &[Option<Stack<'a>>],
    thread_stack: &Option<Stack<'a>>,
    top_stack: &Option<Stack<'a>>,
    no_threads: bool,
) -> Variants<'a> {
    if !exceptions.is_empty() {
        let v = chained_exception(event, exceptions, exception_stacks);
        if v.iter().any(Option::is_some) {
            return v;
        }
    }
    if !no_threads {
        if let Some(stack) = thread_stack {
            let v = stack.variants();
            if v.iter().any(Option::is_some) {
                return v;
            }
        }
    }
    if let Some(stack) = top_stack {
        let v = stack.variants();
        if v.iter().any(Option::is_some) {
            return v;
        }
    }
    match grouped_message(event) {
        Some(m) => [None, Some(vec![Cow::Owned(m)])],
        None => [None, None],
    }
}

/// The message strategy's value: the log message's template (else the formatted message),
/// parameterized; `None` when there is none.
fn grouped_message(event: &Map<String, Value>) -> Option<String> {
    let logentry = event.get("logentry");
    let message = logentry
        .and_then(|l| l.get("message"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or_else(|| logentry.and_then(|l| l.get("formatted")).and_then(Value::as_str));
    message.map(normalize_message).filter(|m| !m.is_empty())
}

/// Crashed thread, else the current one, else the only one.
fn pick_thread<'a>(threads: &[&'a Map<String, Value>]) -> Option<&'a Map<String, Value>> {
    let flagged = |key: &str| {
        let mut it = threads.iter().filter(|t| t.get(key) == Some(&Value::Bool(true)));
        match (it.next(), it.next()) {
            (Some(t), None) => Some(*t),
            _ => None,
        }
    };
    let only = match threads {
        [only] => Some(*only),
        _ => None,
    };
    flagged("crashed").or_else(|| flagged("current")).or(only)
}

/// One exception's component: leaves per variant and whether its stack trace contributes.
struct ExceptionComponent<'a> {
    leaves: [Leaves<'a>; 2],
    stack: [bool; 2],
    /// Whether the exception has a stack trace (with frames) at all. Sentry gives an exception
    /// without one only an `app` variant, so in a chain it is missing from the `system` variant.
    has_stacktrace: bool,
}

fn single_exception<'a>(
    exception: &'a Map<String, Value>,
    stack: Option<&Stack<'a>>,
) -> ExceptionComponent<'a> {
    let mechanism = exception.get("mechanism").and_then(Value::as_object);
    let synthetic = mechanism.and_then(|m| m.get("synthetic")) == Some(&Value::Bool(true));
    let ty = str_of(exception, "type").filter(|_| !synthetic);
    let ns_error = ns_error(mechanism);
    let mut value: Option<Option<String>> = None; // computed at most once
    let stack_leaves = stack.map(Stack::variants).unwrap_or([None, None]);
    let has_stacktrace = stack_frames(exception).is_some_and(|f| f.iter().any(|v| !v.is_null()));
    let mut out = ExceptionComponent {
        leaves: [Vec::new(), Vec::new()],
        stack: [false, false],
        has_stacktrace,
    };
    for (v, stack_leaves) in stack_leaves.into_iter().enumerate() {
        let leaves = &mut out.leaves[v];
        if let Some(s) = stack_leaves {
            out.stack[v] = true;
            leaves.extend(s);
        }
        leaves.extend(ty.map(Cow::Borrowed));
        leaves.extend(ns_error.iter().cloned());
        if !out.stack[v] && ns_error.is_empty() {
            let value = value.get_or_insert_with(|| {
                str_of(exception, "value").map(normalize_message).filter(|v| !v.is_empty())
            });
            leaves.extend(value.clone().map(Cow::Owned));
        }
    }
    out
}

/// An Apple `NSError`'s domain and code (`mechanism.meta.ns_error`), which replace the
/// exception's value in grouping.
fn ns_error<'a>(mechanism: Option<&'a Map<String, Value>>) -> Vec<Cow<'a, str>> {
    mechanism
        .and_then(|m| m.get("meta"))
        .and_then(|m| m.get("ns_error"))
        .and_then(Value::as_object)
        .map(|ns| {
            ["domain", "code"]
                .iter()
                .filter_map(|k| match ns.get(*k)? {
                    Value::String(s) => Some(Cow::Borrowed(s.as_str())),
                    Value::Number(n) => Some(Cow::Owned(n.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn chained_exception<'a>(
    event: &Map<String, Value>,
    exceptions: &[&'a Map<String, Value>],
    stacks: &[Option<Stack<'a>>],
) -> Variants<'a> {
    let components: Vec<ExceptionComponent<'a>> =
        exceptions.iter().zip(stacks).map(|(e, s)| single_exception(e, s.as_ref())).collect();
    let selected = grouped_exceptions(event, exceptions, &components, stacks);
    let mut out: [Leaves<'a>; 2] = [Vec::new(), Vec::new()];
    let mut stack = [false, false];
    for i in selected {
        for v in [APP, SYSTEM] {
            // Sentry's components by variant: a stack-less exception has only `app`.
            if v == SYSTEM && !components[i].has_stacktrace {
                continue;
            }
            out[v].extend(components[i].leaves[v].iter().cloned());
            stack[v] |= components[i].stack[v];
        }
    }
    // A variant without a contributing stack trace is dropped when another variant has one.
    let any_stack = stack.iter().any(|s| *s);
    let [app, system] = out;
    let keep = |v: usize, leaves: Leaves<'a>| {
        (!leaves.is_empty() && (stack[v] || !any_stack)).then_some(leaves)
    };
    [keep(APP, app), keep(SYSTEM, system)]
}

/// Which of the exceptions take part in grouping (indices, in grouping order).
fn grouped_exceptions(
    event: &Map<String, Value>,
    exceptions: &[&Map<String, Value>],
    components: &[ExceptionComponent<'_>],
    stacks: &[Option<Stack<'_>>],
) -> Vec<usize> {
    // Sentry keeps exception groups as they are for the Python SDK 3.x, whose change of
    // exception-group data would otherwise have regrouped existing issues.
    let python_sdk_3 = str_of(event, "platform") == Some("python")
        && event
            .get("sdk")
            .and_then(|s| s.get("version"))
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with('3'));
    if python_sdk_3 {
        (0..exceptions.len()).collect()
    } else {
        filter_exception_groups(exceptions, components, stacks)
    }
}

/// RFC 0079: which exceptions of a list that forms an exception-group tree take part in
/// grouping (indices, in grouping order); the whole list when there is no valid tree.
fn filter_exception_groups(
    exceptions: &[&Map<String, Value>],
    components: &[ExceptionComponent<'_>],
    stacks: &[Option<Stack<'_>>],
) -> Vec<usize> {
    let all: Vec<usize> = (0..exceptions.len()).collect();
    if exceptions.len() <= 1 {
        return all;
    }
    let mech =
        |i: usize, key: &str| exceptions[i].get("mechanism").and_then(|m| m.get(key)).cloned();
    // id -> (exception index, children indices), children in reverse list order like Sentry.
    let mut nodes: Vec<(u64, Option<usize>, Vec<usize>)> = Vec::new();
    fn node(nodes: &mut Vec<(u64, Option<usize>, Vec<usize>)>, id: u64) -> usize {
        match nodes.iter().position(|n| n.0 == id) {
            Some(p) => p,
            None => {
                nodes.push((id, None, Vec::new()));
                nodes.len() - 1
            }
        }
    }
    let mut seen: Vec<u64> = Vec::with_capacity(exceptions.len());
    for i in (0..exceptions.len()).rev() {
        let Some(id) = mech(i, "exception_id").and_then(|v| v.as_u64()) else { return all };
        // Like Sentry: a duplicate id or an exception that is its own parent breaks the tree.
        if seen.contains(&id) || mech(i, "parent_id").and_then(|v| v.as_u64()) == Some(id) {
            return all;
        }
        seen.push(id);
        let n = node(&mut nodes, id);
        nodes[n].1 = Some(i);
        if let Some(parent) = mech(i, "parent_id").and_then(|v| v.as_u64()) {
            let p = node(&mut nodes, parent);
            nodes[p].2.push(i);
        }
    }
    let id_of = |i: usize| mech(i, "exception_id").and_then(|v| v.as_u64());
    let children = |i: usize| -> &[usize] {
        id_of(i).and_then(|id| nodes.iter().find(|n| n.0 == id)).map_or(&[], |n| n.2.as_slice())
    };
    let is_group = |i: usize| mech(i, "is_exception_group") == Some(Value::Bool(true));
    let Some(root) = nodes.iter().find(|n| n.0 == 0).and_then(|n| n.1) else { return all };

    let mut top_level = Vec::new();
    let mut todo = vec![(root, 0usize)];
    while let Some((i, depth)) = todo.pop() {
        if depth > exceptions.len() {
            return all; // a cycle
        }
        if is_group(i) {
            todo.extend(children(i).iter().rev().map(|c| (*c, depth + 1)));
        } else {
            top_level.push(i);
        }
    }
    let type_of = |i: usize| str_of(exceptions[i], "type").unwrap_or("None");
    top_level.sort_by(|a, b| type_of(*b).cmp(type_of(*a)));
    // Sentry compares the components' reprs, which also show what does not contribute.
    let key =
        |i: usize| exception_representation(exceptions[i], stacks[i].as_ref(), &components[i]);
    let mut distinct: Vec<usize> = Vec::new();
    let mut last_key = None;
    for i in top_level {
        let k = key(i);
        if last_key != Some(k) {
            distinct.push(i);
            last_key = Some(k);
        }
    }
    if let [only] = distinct.as_slice() {
        let mut path = vec![*only];
        let mut current = *only;
        while let Some(first) = children(current).first() {
            if path.len() > exceptions.len() {
                break;
            }
            path.push(*first);
            current = *first;
        }
        return path;
    }
    distinct.push(root);
    distinct
}

/// A digest of what Sentry's representation of an exception's grouping components shows
/// (the key of its exception-group de-duplication): per variant, every frame with whether it
/// contributes, each frame's contributing values and the values it has that do not contribute
/// (a filename behind a module, an ignored function, a recursive or `-group` frame, a frame
/// out of app), then the type, the ns_error and the parameterized value, each with whether it
/// contributes. Line numbers are no component, so they do not count, as in Sentry.
fn exception_representation(
    exception: &Map<String, Value>,
    stack: Option<&Stack<'_>>,
    component: &ExceptionComponent<'_>,
) -> md5::digest::Output<Md5> {
    let mut h = Md5::new();
    let value = |h: &mut Md5, tag: u8, v: &str| {
        h.update([tag]);
        h.update(v.as_bytes());
        h.update([0xff]);
    };
    for v in [APP, SYSTEM] {
        if v == SYSTEM && !component.has_stacktrace {
            break;
        }
        if let (Some(stack), Some(frames)) = (stack, stack_frames(exception)) {
            for (i, frame) in frames.iter().enumerate() {
                let (Some(c), Some(facts)) = (stack.frames.get(i), stack.facts.get(i)) else {
                    continue;
                };
                let contributes = c.contributes && (v == SYSTEM || facts.in_app);
                h.update([u8::from(contributes)]);
                for leaf in &c.leaves {
                    value(&mut h, 1, leaf);
                }
                let frame = frame.as_object().unwrap_or(&EMPTY);
                let basename = facts.filename.map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f));
                let candidates = [
                    str_of(frame, "module"),
                    basename,
                    Some(facts.function.as_ref()).filter(|f| *f != "<unknown>"),
                    str_of(frame, "context_line"),
                ];
                for raw in candidates.into_iter().flatten() {
                    if !c.leaves.iter().any(|l| l.eq_ignore_ascii_case(raw.trim())) {
                        value(&mut h, 2, raw);
                    }
                }
            }
        }
        h.update([0xfe, u8::from(component.stack[v])]);
        for leaf in &component.leaves[v] {
            value(&mut h, 3, leaf);
        }
    }
    if let Some(v) = str_of(exception, "type") {
        value(&mut h, 4, v);
    }
    if let Some(v) = str_of(exception, "value") {
        value(&mut h, 5, &normalize_message(v));
    }
    h.finalize()
}

// ----------------------------------------------------------------------------------------------
// Stack traces and frames.

/// A stack trace prepared for grouping: rule facts (with the effective `in_app`), per-frame
/// `+group`/`-group` overrides, and the frames' contributing component values.
struct Stack<'a> {
    facts: Vec<FrameFacts<'a>>,
    frames: Vec<FrameComponents<'a>>,
    /// Per frame, whether it contributes by the `+group`/`-group` rules (`None`: no rule said).
    group: Vec<Option<bool>>,
    /// Per frame, whether the stack-trace rules changed its `in_app`.
    rule_changed: Vec<bool>,
    /// Per frame, whether neither the SDK nor Cairn's default said whether it is in-app.
    undecided: Vec<bool>,
}

struct FrameComponents<'a> {
    /// Contributing component values: module, filename, function, context line.
    leaves: Vec<Cow<'a, str>>,
    /// Which of [`FramePart::ALL`] the leaves are, in that order: a bit per part (for
    /// [`explain`], which names each value).
    parts: u8,
    /// Whether the frame as a whole contributes (recursion, low-quality JS frames, rules).
    contributes: bool,
}

/// The values a frame contributes, in the order they are hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FramePart {
    Module,
    Filename,
    Function,
    ContextLine,
}

impl FramePart {
    const ALL: [FramePart; 4] =
        [FramePart::Module, FramePart::Filename, FramePart::Function, FramePart::ContextLine];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl<'a> Stack<'a> {
    /// The frames' rule facts after the classification pass of the built-in and the project's
    /// stack-trace rules (`in_app` and categories), and which frames contribute by the
    /// contribution pass; no component values yet.
    fn classified(
        frames: &'a [Value],
        platform: &'a str,
        exception: &ExceptionFacts<'_>,
        config: &GroupingConfig,
    ) -> Self {
        let mut undecided = Vec::with_capacity(frames.len());
        let mut facts: Vec<FrameFacts<'a>> = frames
            .iter()
            .map(|f| {
                let f = f.as_object().unwrap_or(&EMPTY);
                let platform = str_of(f, "platform").unwrap_or(platform);
                let decided = match f.get("in_app") {
                    Some(Value::Bool(b)) => Some(*b),
                    _ => default_in_app(f, platform),
                };
                undecided.push(decided.is_none());
                let in_app = decided.unwrap_or(false);
                let (abs_path, filename) = frame_paths(f);
                let package = str_of(f, "package");
                FrameFacts {
                    function: function_name(f, platform).unwrap_or(Cow::Borrowed("<unknown>")),
                    abs_path,
                    filename,
                    module: str_of(f, "module"),
                    package,
                    family: Family::of(platform),
                    in_app,
                    match_path: abs_path.map(rules::normalize_match_path),
                    match_package: package.map(rules::normalize_match_path),
                }
            })
            .collect();
        let initial: Vec<bool> = facts.iter().map(|f| f.in_app).collect();
        let base = &*BUILTIN_STACK_RULES;
        let project = &config.enhancements;
        let mut rule_frames = RuleFrames::new(&mut facts);
        rule_frames.classify(&base.classifiers, exception);
        rule_frames.classify(&project.classifiers, exception);
        let mut group = vec![None; frames.len()];
        rule_frames.contributions(&base.contributors, exception, &mut group);
        rule_frames.contributions(&project.contributors, exception, &mut group);
        let rule_changed = facts.iter().zip(&initial).map(|(f, i)| f.in_app != *i).collect();
        Stack { facts, frames: Vec::new(), group, rule_changed, undecided }
    }

    fn new(
        frames: &'a [Value],
        platform: &'a str,
        exception: &ExceptionFacts<'_>,
        config: &GroupingConfig,
    ) -> Self {
        let mut stack = Self::classified(frames, platform, exception, config);
        let frame_maps: Vec<&'a Map<String, Value>> =
            frames.iter().map(|f| f.as_object().unwrap_or(&EMPTY)).collect();
        let single = frame_maps.len() == 1;
        let mut components: Vec<FrameComponents<'a>> = Vec::with_capacity(frame_maps.len());
        for (i, f) in frame_maps.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| frame_maps[p]);
            let platform = str_of(f, "platform").unwrap_or(platform);
            let mut c = frame_components(f, platform, prev);
            // A lone function-less JavaScript frame from a URL says nothing.
            if single
                && Family::of(platform) == Family::Javascript
                && str_of(f, "function").is_none()
                && frame_paths(f).0.is_some_and(is_url)
            {
                c.contributes = false;
            }
            if let Some(g) = stack.group[i] {
                c.contributes = g;
            }
            components.push(c);
        }
        stack.frames = components;
        stack
    }

    /// The frames whose stored `in_app` is not what grouping decided.
    fn verdicts(&self, at: StackAt, frames: &[Value], out: &mut Vec<InAppVerdict>) {
        for (i, (facts, frame)) in self.facts.iter().zip(frames).enumerate() {
            let sdk = frame.get("in_app").and_then(Value::as_bool);
            if sdk == Some(facts.in_app) {
                continue;
            }
            // Frames nothing could be decided about keep what the SDK sent (nothing).
            if self.undecided[i] && !self.rule_changed[i] {
                continue;
            }
            let orig = self.rule_changed[i].then(|| sdk.map_or(-1, i64::from));
            out.push(InAppVerdict { stack: at, frame: i, in_app: facts.in_app, orig });
        }
    }

    /// Contributing values per variant (`None`: the stack trace does not contribute).
    fn variants(&self) -> Variants<'a> {
        let mut out: [Leaves<'a>; 2] = [Vec::new(), Vec::new()];
        for (facts, frame) in self.facts.iter().zip(&self.frames) {
            if !frame.contributes || frame.leaves.is_empty() {
                continue;
            }
            if facts.in_app {
                out[APP].extend(frame.leaves.iter().cloned());
            }
            out[SYSTEM].extend(frame.leaves.iter().cloned());
        }
        let [app, system] = out;
        [(!app.is_empty()).then_some(app), (!system.is_empty()).then_some(system)]
    }
}

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

/// `http:`, `https:`, `applewebdata:` and `blob:` paths (and `file:` unless allowed).
fn has_url_origin(path: Option<&str>, allow_file_origin: bool) -> bool {
    let Some(path) = path.filter(|p| !p.is_empty()) else { return false };
    if ["http:", "https:", "applewebdata:", "blob:"].iter().any(|p| path.starts_with(p)) {
        return true;
    }
    path.starts_with("file:") && !allow_file_origin
}

fn is_url(path: &str) -> bool {
    ["blob:", "file:", "http:", "https:", "applewebdata:"].iter().any(|p| path.starts_with(p))
}

/// The frame fields that must be equal to the previous frame's for a recursive call (besides the
/// paths, compared as [`frame_paths`] sees them); a `null` is the same as a missing field.
const RECURSION_FIELDS: [&str; 5] = ["package", "module", "function", "lineno", "colno"];

fn is_recursion(frame: &Map<String, Value>, prev: &Map<String, Value>) -> bool {
    fn field<'a>(f: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
        f.get(k).filter(|v| !v.is_null())
    }
    frame_paths(frame) == frame_paths(prev)
        && RECURSION_FIELDS.iter().all(|k| field(frame, k) == field(prev, k))
}

/// A frame's `abs_path` and `filename` as Relay's normalization (`process_non_raw_frame`), which
/// runs before Sentry groups, leaves them: without an `abs_path` the `filename` moves there, and
/// a missing `filename` is the `abs_path` (the URL's path, without query string or fragment, for
/// `http:`, `https:`, `file:` and `applewebdata:` URLs).
fn frame_paths(frame: &Map<String, Value>) -> (Option<&str>, Option<&str>) {
    match (str_of(frame, "abs_path"), str_of(frame, "filename")) {
        (Some(abs_path), Some(filename)) => (Some(abs_path), Some(filename)),
        (Some(path), None) | (None, Some(path)) => (Some(path), Some(url_path(path))),
        (None, None) => (None, None),
    }
}

/// The path of a URL (`/a/b.js` for `https://host/a/b.js?v=1#x`); the value itself when it is no
/// URL or its path is empty or `/`.
fn url_path(value: &str) -> &str {
    let Some(rest) = ["http:", "https:", "file:", "applewebdata:"]
        .iter()
        .find_map(|scheme| value.strip_prefix(scheme))
    else {
        return value;
    };
    let rest = match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            &authority_and_path
                [authority_and_path.find(['/', '?', '#']).unwrap_or(authority_and_path.len())..]
        }
        None => rest,
    };
    let path = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    if path.is_empty() || path == "/" {
        value
    } else {
        path
    }
}

/// The function a frame is grouped by, before platform cleanups: `function` (trimmed for native
/// platforms) or `raw_function`; C# prefers `raw_function`.
fn function_name<'a>(frame: &'a Map<String, Value>, platform: &str) -> Option<Cow<'a, str>> {
    let function = str_of(frame, "function");
    let raw = str_of(frame, "raw_function");
    if platform == "csharp" {
        return raw.or(function).map(Cow::Borrowed);
    }
    match (function, raw) {
        (Some(f), None) if Family::of(platform) == Family::Native => {
            Some(trim_native_function(f, platform))
        }
        (Some(f), _) => Some(Cow::Borrowed(f)),
        (None, r) => r.map(Cow::Borrowed),
    }
}

/// Sentry's `trim_native_function_name` (`src/sentry/stacktraces/functions.py`), which Sentry
/// applies to native frames without a `raw_function` before grouping: `[clone .cold]`
/// annotations, C++ `const`/`&` trailers, parameter lists, return types and Rust hashes
/// (`::h0123456789abcdef`) go, template and generic arguments become `<T>` (`Foo<int>::crash`
/// ⇒ `Foo<T>::crash`), Rust trait impls keep their type (`<Foo as Bar>::baz` ⇒ `Foo::baz`), and
/// compiler-specific lambda names become `lambda`.
///
/// (A port of Sentry's algorithm; it replaces a simplified version that, among others, turned
/// `<Foo as Bar>::baz` into `<T>::baz`, kept Rust hashes and broke on `operator<<`.)
pub fn trim_native_function<'a>(name: &'a str, platform: &str) -> Cow<'a, str> {
    if name == "<redacted>" || name == "<unknown>" {
        return Cow::Borrowed(name);
    }
    let function = name.trim();
    if function.starts_with('[') || function.starts_with("+[") || function.starts_with("-[") {
        return Cow::Borrowed(function);
    }
    // Nothing to trim: a single token without any of the markers handled below.
    let plain = !function.is_empty()
        && !function.contains(|c: char| c.is_whitespace() || "[({<&@$?⟨◯⟿〔".contains(c))
        && !function.contains("::h")
        && !function.contains("lambda")
        && !function.ends_with("const");
    if plain {
        return Cow::Borrowed(function);
    }
    static CPP_TRAILER: LazyLock<Regex> = LazyLock::new(|| regex(r"(\bconst\b|&)$"));
    static LAMBDA: LazyLock<Regex> =
        LazyLock::new(|| regex(r"\{lambda\(.*?\)#\d+\}|\blambda_[a-f0-9]{32}\b|\$_\d+\b"));
    static ANON_NAMESPACE: LazyLock<Regex> = LazyLock::new(|| regex(r"\?A0x[a-f0-9]{8}::"));
    static RUST_HASH: LazyLock<Regex> = LazyLock::new(|| regex(r"::h[a-z0-9]{16}$"));
    static GNU_VERSION: LazyLock<Regex> = LazyLock::new(|| regex(r"@@?GLIBC_([0-9.]+)$"));
    static WINDECL: LazyLock<Regex> = LazyLock::new(|| regex(r"^@?(.*?)@[0-9]+$"));

    fn brackets(value: &str, _start: usize) -> String {
        if value.starts_with("clone .") {
            String::new()
        } else {
            format!("[{value}]")
        }
    }
    fn args(value: &str, _start: usize) -> String {
        match value.trim() {
            v @ ("anonymous namespace" | "operator") => format!("({v})"),
            _ => String::new(),
        }
    }
    fn generics(value: &str, start: usize) -> String {
        if value == "lambda" || LAMBDA.find(value).is_some_and(|m| m.start() == 0) {
            return format!("<{value}>");
        }
        if start > 0 {
            return "<T>".to_owned();
        }
        // Rust `<Foo as Bar>::baz`: keep the type (the trait for a blanket `<T as Bar>`).
        let value = match value.as_bytes() {
            [c, b' ', b'a', b's', b' ', ..] if c.is_ascii_uppercase() => &value[5..],
            _ => value,
        };
        let value = replace_enclosed(value, '<', '>', generics);
        match value.split_once(" as ") {
            Some((head, _)) => head.to_owned(),
            None => value,
        }
    }

    let mut f = replace_enclosed(function, '[', ']', brackets);
    f.truncate(f.trim_end().len());
    while let Some(m) = CPP_TRAILER.find(&f) {
        f.truncate(m.start());
        f.truncate(f.trim_end().len());
    }
    // Markers that would confuse the bracket balancing, restored at the end.
    let mut f = f
        .replace("operator<<", "operator⟨⟨")
        .replace("operator<", "operator⟨")
        .replace("operator()", "operator◯")
        .replace("operator->", "operator⟿")
        .replace(" -> ", " ⟿ ")
        .replace("`anonymous namespace'", "〔anonymousnamespace〕");
    if f.contains("lambda") || f.contains("$_") {
        f = LAMBDA.replace_all(&f, "lambda").into_owned();
    }
    if f.contains("?A0x") {
        f = ANON_NAMESPACE.replace_all(&f, "〔anonymousnamespace〕::").into_owned();
    }
    let f = replace_enclosed(&f, '(', ')', args);
    let f = replace_enclosed(&f, '<', '>', generics);
    let is_thunk = f.contains("thunk for ");
    let mut tokens = split_function_tokens(&f);
    if tokens.len() > 1 && tokens.last().is_some_and(|t| t == "<T>") {
        tokens.pop();
        if let Some(last) = tokens.last_mut() {
            last.push_str(" <T>");
        }
    }
    // Python-style indexing (negative from the end), `None` when out of range.
    let at = |i: isize| -> Option<&String> {
        let i = if i < 0 { tokens.len() as isize + i } else { i };
        usize::try_from(i).ok().and_then(|i| tokens.get(i))
    };
    let last = tokens.last();
    let func_token: Option<String> = if f.contains("initialization expression of") {
        // Swift initializer expression: the token after the last `of` (`static` skipped).
        let of = tokens.iter().rposition(|t| t == "of");
        let token = of.and_then(|i| {
            let t = tokens.get(i + 1)?;
            if t == "static" {
                tokens.get(i + 2)
            } else {
                Some(t)
            }
        });
        token.map(|t| format!("initializer expression of {}", t.strip_prefix(':').unwrap_or(t)))
    } else if let Some(arrow) = tokens.iter().rposition(|t| t == "⟿") {
        // Swift `name -> Result`: the token before the last arrow (`throws` skipped).
        let arrow = arrow as isize;
        match at(arrow - 1) {
            Some(t) if t == "throws" => at(arrow - 2).or(last).cloned(),
            t => t.or(last).cloned(),
        }
    } else {
        last.cloned()
    };
    let mut function: Cow<'a, str> = match func_token.filter(|t| !t.is_empty()) {
        Some(token) => {
            let token = if token.starts_with('@') && matches!(platform, "cocoa" | "swift") {
                // A Swift attribute instead of a name: an anonymous function.
                format!("{}closure", if is_thunk { "thunk for " } else { "" })
            } else if tokens.iter().any(|t| t == "closure") && token != "closure" {
                format!("closure in {token}")
            } else {
                token
            };
            Cow::Owned(
                token
                    .replace('⟨', "<")
                    .replace('◯', "()")
                    .replace('⟿', "->")
                    .replace("〔anonymousnamespace〕", "`anonymous namespace'"),
            )
        }
        None => Cow::Borrowed(name),
    };
    if function.contains("::h") {
        function = Cow::Owned(RUST_HASH.replace(&function, "").into_owned());
    }
    if function.contains("@GLIBC_") {
        function = Cow::Owned(GNU_VERSION.replace(&function, "").into_owned());
    }
    if function.contains('@') {
        function = Cow::Owned(WINDECL.replace(&function, "${1}").into_owned());
    }
    function
}

/// Sentry's `replace_enclosed_string`: each outermost `open`…`close` section is replaced by
/// `replace(inner text, char index of the opening)`; text after an unbalanced close is dropped.
fn replace_enclosed(
    s: &str,
    open: char,
    close: char,
    replace: fn(&str, usize) -> String,
) -> String {
    if !s.contains(open) {
        return s.to_owned();
    }
    let mut depth = 0i64;
    let mut out = String::with_capacity(s.len());
    let mut pair_start: Option<(usize, usize)> = None; // (char index, byte index after `open`)
    for (char_idx, (byte_idx, c)) in s.char_indices().enumerate() {
        if c == open {
            if depth == 0 {
                pair_start = Some((char_idx, byte_idx + c.len_utf8()));
            }
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                if let Some((start_char, start_byte)) = pair_start {
                    out.push_str(&replace(&s[start_byte..byte_idx], start_char));
                }
            }
        } else if depth == 0 {
            out.push(c);
        }
    }
    out
}

/// Sentry's `split_func_tokens`: whitespace-separated tokens, bracketed sections kept whole.
fn split_function_tokens(s: &str) -> Vec<String> {
    let breaks = |c: char| c.is_whitespace() || matches!(c, '(' | '{' | '<' | '[');
    if !s.is_empty() && !s.contains(breaks) {
        return vec![s.to_owned()];
    }
    let closing = |c: char| match c {
        '(' => Some(')'),
        '{' => Some('}'),
        '[' => Some(']'),
        '<' => Some('>'),
        _ => None,
    };
    let mut tokens = Vec::new();
    let mut buf = String::new();
    let mut stack: Vec<char> = Vec::new();
    let mut end = 0;
    for (idx, c) in s.char_indices() {
        let next = idx + c.len_utf8();
        if let Some(close) = closing(c) {
            stack.push(close);
        } else if stack.last() == Some(&c) {
            stack.pop();
            if stack.is_empty() {
                buf.push_str(&s[end..next]);
                end = next;
            }
        } else if stack.is_empty() {
            if c.is_whitespace() {
                if !buf.is_empty() {
                    tokens.push(std::mem::take(&mut buf));
                }
            } else {
                buf.push_str(&s[end..next]);
            }
            end = next;
        }
    }
    if !buf.is_empty() {
        tokens.push(buf);
    }
    tokens
}

fn frame_components<'a>(
    frame: &'a Map<String, Value>,
    platform: &str,
    prev: Option<&Map<String, Value>>,
) -> FrameComponents<'a> {
    let family = Family::of(platform);
    let (abs_path, frame_filename) = frame_paths(frame);
    let mut leaves: Vec<Cow<'a, str>> = Vec::with_capacity(3);

    // module
    let mut module: Option<Cow<'a, str>> = None;
    if let Some(m) = str_of(frame, "module") {
        // A JavaScript "module" that is just the tail of the path, and Java lambda classes, say
        // nothing stable about the code.
        let path_like_js_module =
            platform == "javascript" && m.contains('/') && abs_path.is_some_and(|p| p.ends_with(m));
        let java_lambda = platform == "java" && m.contains("$$Lambda$");
        let contributes = !path_like_js_module && !java_lambda;
        if contributes {
            module = Some(if platform == "java" { clean_java_module(m) } else { Cow::Borrowed(m) });
        }
    }
    // filename
    let mut filename: Option<Cow<'a, str>> = None;
    if module.is_none() {
        if let Some(f) = frame_filename {
            let base = f.rsplit(['/', '\\']).next().unwrap_or(f);
            let base: Cow<'a, str> = if base.chars().any(char::is_uppercase) {
                Cow::Owned(base.to_lowercase())
            } else {
                Cow::Borrowed(base)
            };
            if !has_url_origin(abs_path, true) && base != "<anonymous>" && base != "[native code]" {
                filename = Some(if platform == "java" { clean_javassist(base) } else { base });
            }
        }
    }
    // context line
    let mut context_line: Option<Cow<'a, str>> = None;
    if matches!(platform, "javascript" | "node" | "python" | "php" | "ruby") {
        if let Some(raw) = str_of(frame, "context_line") {
            let collapsed = collapse_whitespace(raw);
            let url_without_function = family == Family::Javascript
                && str_of(frame, "function").is_none()
                && has_url_origin(abs_path, false);
            if !collapsed.is_empty() && raw.chars().count() <= 120 && !url_without_function {
                context_line = Some(collapsed);
            }
        }
    }
    // function
    let mut function: Option<Cow<'a, str>> = function_name(frame, platform);
    if let Some(func) = function.take() {
        function = match platform {
            "ruby" if func.starts_with("block ") => Some(Cow::Borrowed("block")),
            "ruby" => Some(strip_erb_suffix(func)),
            "php" if func.starts_with("[Anonymous") || func.starts_with("class@anonymous\0") => {
                None
            }
            "php" if func.starts_with("class@anonymous") => Some(match func {
                Cow::Borrowed(f) => Cow::Borrowed(f.rsplit("::").next().unwrap_or(f)),
                Cow::Owned(f) => Cow::Owned(f.rsplit("::").next().unwrap_or(&f).to_owned()),
            }),
            "java" if func.starts_with("lambda$") => None,
            _ if family == Family::Native && (func == "<redacted>" || func == "<unknown>") => None,
            _ if family == Family::Javascript => {
                let sourcemap = frame
                    .get("data")
                    .and_then(|d| d.get("sourcemap"))
                    .is_some_and(|s| !s.is_null());
                if sourcemap && context_line.is_some() {
                    None
                } else {
                    Some(match func {
                        Cow::Borrowed(f) => Cow::Borrowed(f.rsplit('.').next().unwrap_or(f)),
                        Cow::Owned(f) => Cow::Owned(f.rsplit('.').next().unwrap_or(&f).to_owned()),
                    })
                }
            }
            _ => Some(func),
        };
    }
    let mut contributes = true;
    if family == Family::Javascript {
        let raw = str_of(frame, "raw_function").or_else(|| str_of(frame, "function"));
        let last = raw.map(|f| f.rsplit('.').next().unwrap_or(f)).unwrap_or("");
        if last.is_empty()
            || matches!(last, "?" | "<anonymous function>" | "<anonymous>" | "Anonymous function")
            || last.ends_with("/<")
        {
            function = None;
        }
        if last == "eval"
            || matches!(
                abs_path,
                Some("[native code]" | "native code" | "eval code" | "<anonymous>")
            )
        {
            contributes = false;
        }
    }
    if let Some(prev) = prev {
        if is_recursion(frame, prev) {
            contributes = false;
        }
    }
    let function = function.filter(|f| !f.is_empty());
    let mut parts = 0;
    for (part, value) in [
        (FramePart::Module, module),
        (FramePart::Filename, filename),
        (FramePart::Function, function),
        (FramePart::ContextLine, context_line),
    ] {
        if let Some(value) = value {
            parts |= part.bit();
            leaves.push(value);
        }
    }
    FrameComponents { leaves, parts, contributes }
}

fn collapse_whitespace(line: &str) -> Cow<'_, str> {
    let trimmed = line.trim();
    let clean =
        !trimmed.contains(|c: char| c.is_whitespace() && c != ' ') && !trimmed.contains("  ");
    if clean {
        return Cow::Borrowed(trimmed);
    }
    Cow::Owned(trimmed.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Ruby ERB templates: `__\d{4,}_\d{4,}$` removed.
fn strip_erb_suffix(func: Cow<'_, str>) -> Cow<'_, str> {
    let f = func.as_ref();
    let digits_before = |end: usize| f[..end].bytes().rev().take_while(u8::is_ascii_digit).count();
    let n2 = digits_before(f.len());
    if n2 >= 4 && f[..f.len() - n2].ends_with('_') {
        let end1 = f.len() - n2 - 1;
        let n1 = digits_before(end1);
        if n1 >= 4 && f[..end1 - n1].ends_with("__") {
            let keep = end1 - n1 - 2;
            return match func {
                Cow::Borrowed(f) => Cow::Borrowed(&f[..keep]),
                Cow::Owned(f) => Cow::Owned(f[..keep].to_owned()),
            };
        }
    }
    func
}

/// A pattern of this module (all are valid; a typo fails every grouping test).
fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("grouping pattern {pattern}: {e}"))
}

/// Sentry's Java codegen markers (`newstyle.py`), each replaced by `<first group><auto>`.
static JAVA_CODEGEN: LazyLock<[Regex; 7]> = LazyLock::new(|| {
    [
        r"(sun\.reflect\.Generated(?:Serialization)?ConstructorAccessor)\d+",
        r"(\$\$[\w_]+?CGLIB\$\$)[a-fA-F0-9]+(_[0-9]+)?",
        r"(\$\$_javassist)(?:_seam)?(?:_[0-9]+)?",
        r"(\$fn__)\d+",
        r"(\$\$?EnhancerBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?",
        r"(\$\$?FastClassBy[\w_]+?\$?\$)[a-fA-F0-9]+(_[0-9]+)?",
        r"(\$\$?HibernateProxy\$?\$)\w+(_[0-9]+)?",
    ]
    .map(regex)
});
const JAVASSIST: usize = 2;

/// Java javassist: `$$_javassist(_seam)?(_N)?` → `$$_javassist<auto>` (Sentry substitutes even
/// an empty suffix).
fn clean_javassist(s: Cow<'_, str>) -> Cow<'_, str> {
    match JAVA_CODEGEN[JAVASSIST].replace_all(&s, "${1}<auto>") {
        Cow::Borrowed(_) => s,
        Cow::Owned(cleaned) => Cow::Owned(cleaned),
    }
}

/// Sentry's Java module cleanups: reflection accessors, CGLIB, javassist, clojure `$fn__N`,
/// Guice/CGLIB `$$EnhancerBy…$$<hex>` and `$$FastClassBy…$$<hex>`, Hibernate proxies.
///
/// (With Sentry's regexes: the hand-written version this replaces left `$$EnhancerBy…` and
/// `$$FastClassBy…` markers and `$$HibernateProxy$$…` in place.)
fn clean_java_module(m: &str) -> Cow<'_, str> {
    for prefix in
        ["sun.reflect.GeneratedMethodAccessor", "jdk.internal.reflect.GeneratedMethodAccessor"]
    {
        if m.starts_with(prefix) {
            return Cow::Borrowed(prefix);
        }
    }
    let mut out: Cow<'_, str> = Cow::Borrowed(m);
    for re in JAVA_CODEGEN.iter() {
        if let Cow::Owned(cleaned) = re.replace_all(&out, "${1}<auto>") {
            out = Cow::Owned(cleaned);
        }
    }
    out
}

// ----------------------------------------------------------------------------------------------
// Default in-app detection.

/// Whether a frame whose SDK did not set `in_app` belongs to the application, by its path and
/// module: dependency and runtime locations are not in-app, the rest is. `None` when the frame
/// says nothing to decide on (no path, module, package or function).
pub fn default_in_app(frame: &Map<String, Value>, platform: &str) -> Option<bool> {
    let path = str_of(frame, "abs_path").or_else(|| str_of(frame, "filename"));
    let module = str_of(frame, "module");
    let function = str_of(frame, "function");
    let package = str_of(frame, "package");
    if path.is_none() && module.is_none() && function.is_none() && package.is_none() {
        return None;
    }
    let path = path.map(|p| p.replace('\\', "/"));
    let p = path.as_deref().unwrap_or("");
    let library = match platform {
        "python" => {
            p.contains("site-packages") || p.contains("dist-packages") || p.contains("/lib/python")
        }
        "javascript" | "node" => {
            p.contains("node_modules") || p.starts_with("node:") || p.starts_with("internal/")
        }
        // Every native platform (Sentry's `family:native`: `native`, `c`, `cocoa`, `objc`,
        // `swift`) and `rust`. Besides Cargo's and rustc's sources and Rust's standard library,
        // the system library locations and Rust runtime symbols of Sentry's base stack-trace
        // rules (`all-platforms@2023-01-11`: `package:/usr/lib/** -app`, `package:/lib/** -app`,
        // `path:/usr/local/lib/** -app`, `function:__rust_* -app`, ...) are not in-app; before,
        // only `rust` and `native` were checked, and never the `package` (the binary image).
        _ if platform == "rust" || Family::of(platform) == Family::Native => {
            let package = package.map(|p| p.replace('\\', "/"));
            let package = package.as_deref().unwrap_or("");
            p.contains("/.cargo/registry/")
                || p.contains("/rustc/")
                || p.contains("/.cargo/git/")
                || p.starts_with("/usr/local/lib/")
                || p.starts_with("/usr/local/Cellar/")
                || ["/usr/lib/", "/lib/"].iter().any(|dir| package.starts_with(dir))
                || package.starts_with("linux-gate.so")
                || function.is_some_and(|f| f.starts_with("__rust_") || f == "rust_begin_unwind")
                || [module, function].iter().flatten().any(|m| {
                    let m = m.trim_start_matches('<');
                    ["std::", "core::", "alloc::"].iter().any(|prefix| m.starts_with(prefix))
                })
        }
        "go" => p.contains("/pkg/mod/") || p.contains("vendor/") || p.contains("/go/src/runtime/"),
        "php" => p.contains("vendor/"),
        "ruby" => p.contains("vendor/") || p.contains("/gems/"),
        "java" | "kotlin" | "scala" | "groovy" | "clojure" => module.is_some_and(|m| {
            ["java.", "javax.", "sun.", "jdk.", "com.sun.", "kotlin.", "scala."]
                .iter()
                .any(|prefix| m.starts_with(prefix))
        }),
        _ => {
            p.contains("/node_modules/")
                || p.contains("/site-packages/")
                || p.contains("/dist-packages/")
                || p.contains("/.cargo/registry/")
                || p.contains("/pkg/mod/")
        }
    };
    Some(!library)
}

/// Sets `in_app` (from [`default_in_app`]) on every frame of the event that lacks it: exception,
/// thread and top-level stack traces. Meant for normalization, so the stored event shows it;
/// grouping applies the same default on its own when it has not been called.
pub fn apply_default_in_app(event: &mut Map<String, Value>) {
    let platform = str_of(event, "platform").unwrap_or("other").to_owned();
    let fix = |stacktrace: Option<&mut Value>| {
        let Some(frames) =
            stacktrace.and_then(|s| s.get_mut("frames")).and_then(Value::as_array_mut)
        else {
            return;
        };
        for frame in frames.iter_mut().filter_map(Value::as_object_mut) {
            if frame.get("in_app").is_some_and(Value::is_boolean) {
                continue;
            }
            let platform = str_of(frame, "platform").unwrap_or(&platform).to_owned();
            if let Some(in_app) = default_in_app(frame, &platform) {
                frame.insert("in_app".into(), Value::Bool(in_app));
            }
        }
    };
    if let Some(values) =
        event.get_mut("exception").and_then(|e| e.get_mut("values")).and_then(Value::as_array_mut)
    {
        for e in values {
            fix(e.get_mut("stacktrace"));
        }
    }
    if let Some(threads) = event.get_mut("threads") {
        let list = if threads.is_array() { Some(threads) } else { threads.get_mut("values") };
        if let Some(list) = list.and_then(Value::as_array_mut) {
            for t in list {
                fix(t.get_mut("stacktrace"));
            }
        }
    }
    fix(event.get_mut("stacktrace"));
}

#[cfg(test)]
mod tests;
