//! Lenient normalization of an event payload, and the issue fields derived from it (title,
//! culprit, metadata) the way Sentry derives them.
//!
//! SDKs send many shapes for the same thing (exception as an object, a list or `{values}`;
//! message as a string or an object; tags as a map or a list of pairs). This module accepts all
//! of them and writes one canonical shape; a field it cannot understand is dropped, never the
//! event.

use serde_json::{json, Map, Value};

use super::grouping;
use super::grouping::GroupingConfig;
use super::scrub::Scrubber;
use crate::store::{EventData, NewEvent};

/// Why an event payload was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not JSON at all.
    #[error("invalid JSON data: {0}")]
    InvalidJson(String),
    /// JSON, but not an object.
    #[error("invalid JSON data: the event is not an object")]
    NotAnObject,
    /// Dropped by one of the project's inbound filters (its key, the outcome's reason).
    #[error("filtered by the project's {0} filter")]
    Filtered(&'static str),
}

impl EventError {
    /// The reason of the outcome that counts the dropped event: `invalid`, or the key of the
    /// filter that dropped it (Sentry's `filtered` outcomes are counted by filter).
    pub fn outcome_reason(&self) -> &'static str {
        match self {
            EventError::Filtered(filter) => filter,
            EventError::InvalidJson(_) | EventError::NotAnObject => "invalid",
        }
    }
}

/// What the endpoint knows about an event besides its payload.
#[derive(Debug, Clone)]
pub struct EventContext<'a> {
    /// Project the event was sent to.
    pub project_id: i64,
    /// Receive time, Unix milliseconds.
    pub received_ms: i64,
    /// The envelope header's `event_id`, which wins over the payload's.
    pub envelope_event_id: Option<&'a str>,
    /// The envelope header's `sent_at`, Unix milliseconds: when the SDK sent it by its own
    /// clock, for clock-drift correction.
    pub sent_at_ms: Option<i64>,
    /// The project's data scrubber; it runs after normalization, before anything is derived
    /// from the event or stored.
    pub scrubber: &'a Scrubber,
    /// The project's grouping rules.
    pub grouping: &'a GroupingConfig,
    /// The project's ownership rules, if it has any.
    pub ownership: Option<&'a crate::ownership::ProjectRules>,
    /// The address the event came from, for the SDK's `{{auto}}` (see
    /// [`super::derived::backfill_ip`]).
    pub client_ip: Option<std::net::IpAddr>,
    /// The project's inbound filters, if any is on.
    pub filters: Option<&'a super::filters::InboundFilters>,
}

impl EventContext<'static> {
    /// A context with Sentry's default scrubbing and no project grouping rules, and nothing
    /// from an envelope header: for tools, tests and benchmarks.
    pub fn with_defaults(project_id: i64, received_ms: i64) -> Self {
        EventContext {
            project_id,
            received_ms,
            envelope_event_id: None,
            sent_at_ms: None,
            scrubber: super::scrub::default_scrubber(),
            grouping: super::grouping::no_project_rules(),
            ownership: None,
            client_ip: None,
            filters: None,
        }
    }
}

/// How far an SDK's clock may be off before Cairn corrects the event's timestamp.
const MAX_CLOCK_DRIFT_MS: i64 = 60_000;
/// How far in the future an event may claim to be (Relay: `max_secs_in_future`).
const MAX_FUTURE_MS: i64 = 60_000;
/// How far in the past an event may claim to be (Relay: `max_secs_in_past`, 30 days). An older
/// timestamp is a wrong clock or a replayed event; it would land outside every chart and be
/// removed at once by a shorter retention, so it becomes the time it was received.
const MAX_PAST_MS: i64 = 30 * 86_400_000;

/// Normalizes an event payload and derives everything the store needs.
pub fn process(payload: &[u8], ctx: &EventContext<'_>) -> Result<NewEvent, EventError> {
    let event = prepare(payload, ctx)?;
    Ok(finish(event, payload.len(), ctx))
}

/// The first half of [`process`]: the payload parsed and normalized, before anything reads
/// its frames. Source maps are applied between the halves (`super::sourcemaps`), as they need
/// files read asynchronously.
pub fn prepare(payload: &[u8], ctx: &EventContext<'_>) -> Result<Map<String, Value>, EventError> {
    let mut non_finite = false;
    let value: Value = match parse_json(payload) {
        Ok(value) => value,
        // Old Python SDKs write `NaN` and `Infinity`, which JSON does not have: read them as
        // `null` rather than lose the event.
        Err(err) => match non_finite_as_null(payload) {
            Some(fixed) => {
                non_finite = true;
                serde_json::from_slice(&fixed).map_err(|_| invalid_json(&err))?
            }
            None => return Err(invalid_json(&err)),
        },
    };
    let Value::Object(mut event) = value else {
        return Err(EventError::NotAnObject);
    };
    if non_finite {
        let error = json!({"type": "invalid_data", "name": "number", "reason": "NaN or Infinity read as null"});
        match event.get_mut("errors") {
            Some(Value::Array(errors)) => errors.push(error),
            _ => {
                event.insert("errors".into(), json!([error]));
            }
        }
    }
    normalize(&mut event, ctx);
    // On the normalized event (the `{{auto}}` IP filled in, headers as pairs), before anything
    // costly is derived from it, as Relay filters.
    let filtered = ctx
        .filters
        .and_then(|filters| filters.check_client(ctx.client_ip).or_else(|| filters.check(&event)));
    if let Some(filter) = filtered {
        return Err(EventError::Filtered(filter));
    }
    Ok(event)
}

/// The second half of [`process`]: scrubbing, derived tags, grouping and what the store needs.
/// `payload_len` sizes the stored JSON's buffer.
pub fn finish(
    mut event: Map<String, Value>,
    payload_len: usize,
    ctx: &EventContext<'_>,
) -> NewEvent {
    ctx.scrubber.scrub_event(&mut event);
    // From the scrubbed event (a URL's password is gone from the `url` tag), before grouping,
    // whose fingerprint rules may match the derived tags, as in Sentry.
    super::derived::derive_tags(&mut event);

    let event_id = event.get("event_id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let timestamp =
        (event.get("timestamp").and_then(Value::as_f64).unwrap_or_default() * 1000.0) as i64;
    let level = str_field(&event, "level").unwrap_or("error").to_owned();
    let platform = str_field(&event, "platform").unwrap_or("other").to_owned();
    // Grouping first: its stack-trace rules settle which frames are in-app, which the culprit,
    // ownership and the stored event then show (Sentry persists them the same way).
    let hashes = grouping::group_event(&mut event, ctx.grouping);
    let derived = derive_issue_fields(&event);
    let user_ident = user_ident(&event);
    let trace_id = trace_id(&event);
    let tags = issue_tags(&event, user_ident.as_deref());
    // After scrubbing, as Sentry matches rules against the stored event.
    let ownership = ctx.ownership.map(|rules| rules.evaluate(&event));

    NewEvent {
        project_id: ctx.project_id,
        event_id,
        timestamp,
        received: ctx.received_ms,
        hashes,
        title: derived.title,
        culprit: derived.culprit,
        level,
        platform,
        event_type: derived.event_type.to_owned(),
        metadata: super::json::to_string(&derived.metadata, 128),
        logger: str_field(&event, "logger").map(str::to_owned),
        is_unhandled: derived.is_unhandled,
        release: str_field(&event, "release").map(str::to_owned),
        environment: str_field(&event, "environment").map(str::to_owned),
        user_ident,
        trace_id,
        tags,
        // Into a buffer about the payload's size.
        data: EventData::uncompressed(super::json::to_string(&Value::Object(event), payload_len)),
        ownership,
    }
}

/// The payload as JSON. A payload that is valid UTF-8 as a whole (every real one) is checked
/// once and read as a `str` by [`super::json`]'s fast reader (serde_json where that one leaves
/// it). Anything else goes to serde_json's slice reader, which refuses it with the same error
/// as before.
fn parse_json(payload: &[u8]) -> serde_json::Result<Value> {
    match std::str::from_utf8(payload) {
        Ok(text) => super::json::from_str(text),
        Err(_) => serde_json::from_slice(payload),
    }
}

/// `{key: value}`, with `value` moved in. (`json!({key: value})` copies `value` through
/// serde's serializer, node by node: for an event's exceptions that was 8 % of
/// `event::process`.)
pub(super) fn object_of(key: &str, value: Value) -> Value {
    let mut object = Map::new();
    object.insert(key.to_owned(), value);
    Value::Object(object)
}

/// The event's trace (`contexts.trace.trace_id`): 32 hex digits as SDKs send it, or a UUID
/// with dashes, as Relay also reads it. Anything else (or the nil id) is no trace.
fn trace_id(event: &Map<String, Value>) -> Option<[u8; 16]> {
    let text = event.get("contexts")?.get("trace")?.get("trace_id")?.as_str()?;
    let id = uuid::Uuid::try_parse(text).ok().filter(|id| !id.is_nil())?;
    Some(id.into_bytes())
}

fn str_field<'a>(event: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    event.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Rewrites the event in place into Cairn's canonical shape.
fn normalize(event: &mut Map<String, Value>, ctx: &EventContext<'_>) {
    let event_id = ctx
        .envelope_event_id
        .and_then(normalize_event_id)
        .or_else(|| event.get("event_id").and_then(Value::as_str).and_then(normalize_event_id))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    event.insert("event_id".into(), Value::String(event_id));

    let received = ctx.received_ms as f64 / 1000.0;
    let mut errors: Vec<Value> = Vec::new();
    let mut timestamp = match event.get("timestamp") {
        None | Some(Value::Null) => received,
        Some(value) => match parse_timestamp(value) {
            Some(ts) => ts,
            None => {
                errors.push(json!({"type": "invalid_data", "name": "timestamp", "value": value}));
                received
            }
        },
    };
    // Clock drift: the SDK's clock is off by the difference between its `sent_at` and our
    // receive time; shift the event by that much (Relay's correction).
    if let Some(sent_at) = ctx.sent_at_ms {
        let drift = ctx.received_ms - sent_at;
        if drift.abs() > MAX_CLOCK_DRIFT_MS {
            timestamp += drift as f64 / 1000.0;
            errors.push(json!({"type": "clock_drift", "name": "timestamp", "sdk_time": sent_at as f64 / 1000.0, "server_time": received}));
        }
    }
    if timestamp > received + MAX_FUTURE_MS as f64 / 1000.0 {
        errors.push(json!({"type": "future_timestamp", "name": "timestamp", "value": timestamp}));
        timestamp = received;
    } else if timestamp < received - MAX_PAST_MS as f64 / 1000.0 {
        errors.push(json!({"type": "past_timestamp", "name": "timestamp", "value": timestamp}));
        timestamp = received;
    }
    event.insert("timestamp".into(), json!(timestamp));
    event.insert("received".into(), json!(received));

    let level = event.get("level").and_then(Value::as_str).map(normalize_level);
    event.insert("level".into(), Value::String(level.unwrap_or("error").to_owned()));

    if let Some(exception) = event.remove("exception") {
        match normalize_exception(exception) {
            Some(values) => {
                event.insert("exception".into(), object_of("values", Value::Array(values)));
            }
            None => errors.push(json!({"type": "invalid_data", "name": "exception"})),
        }
    }
    // `sentry.interfaces.Exception` and friends: the legacy names of the interfaces.
    for (legacy, modern) in [
        ("sentry.interfaces.Exception", "exception"),
        ("sentry.interfaces.Message", "logentry"),
        ("sentry.interfaces.Http", "request"),
        ("sentry.interfaces.User", "user"),
    ] {
        if let Some(value) = event.remove(legacy) {
            event.entry(modern).or_insert(value);
        }
    }
    super::derived::backfill_ip(event, ctx.client_ip);
    super::user_agent::add_contexts(event);

    if let Some(message) = event.remove("message") {
        let logentry = match message {
            Value::String(text) => Some(object_of("formatted", Value::String(text))),
            Value::Object(obj) => Some(Value::Object(obj)),
            _ => None,
        };
        if let Some(logentry) = logentry {
            event.entry("logentry").or_insert(logentry);
        }
    }

    if let Some(tags) = event.remove("tags") {
        if !tags.is_object() && !tags.is_array() && !tags.is_null() {
            errors.push(json!({"type": "invalid_data", "name": "tags"}));
        }
        event.insert("tags".into(), Value::Array(normalize_tags(tags)));
    }

    super::trim::trim_event(event, &mut errors);
    // Before grouping, which then groups browser frames on these modules, as Sentry does.
    super::javascript::generate_modules(event);
    default_breadcrumb_fields(event);

    if !errors.is_empty() {
        match event.get_mut("errors") {
            Some(Value::Array(existing)) => existing.extend(errors),
            _ => {
                event.insert("errors".into(), Value::Array(errors));
            }
        }
    }
}

/// Relay renders the parser's error with `{:?}`: `Error("expected value", line: 1, ...)`.
fn invalid_json(err: &serde_json::Error) -> EventError {
    EventError::InvalidJson(format!("{err:?}"))
}

/// The payload with every `NaN`, `Infinity` and `-Infinity` outside strings replaced by `null`;
/// `None` if there is none (then the payload is broken for another reason).
pub(crate) fn non_finite_as_null(payload: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(payload.len() + 16);
    let (mut in_string, mut escaped, mut replaced) = (false, false, false);
    let mut i = 0;
    while i < payload.len() {
        let byte = payload[i];
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else {
            let rest = &payload[i..];
            let token = [&b"NaN"[..], b"Infinity", b"-Infinity"]
                .into_iter()
                .find(|token| rest.starts_with(token));
            if let Some(token) = token {
                out.extend_from_slice(b"null");
                i += token.len();
                replaced = true;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    replaced.then_some(out)
}

/// Relay's breadcrumb defaults: an empty or missing `type` is `default`, a missing or unknown
/// `level` is `info`. SDKs leave both out when they are the defaults (the Rust SDK always
/// does), so without this a stored breadcrumb has no level at all. Runs after trimming, which
/// turns a bare list of breadcrumbs into `{values}`.
fn default_breadcrumb_fields(event: &mut Map<String, Value>) {
    let Some(values) = event
        .get_mut("breadcrumbs")
        .and_then(|b| b.get_mut("values"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for crumb in values.iter_mut().filter_map(Value::as_object_mut) {
        if crumb.get("type").and_then(Value::as_str).is_none_or(str::is_empty) {
            crumb.insert("type".into(), json!("default"));
        }
        let level = crumb.get("level").and_then(Value::as_str).map(str::to_ascii_lowercase);
        let level = match level.as_deref() {
            Some(
                known @ ("fatal" | "critical" | "error" | "err" | "warning" | "warn" | "info"
                | "log" | "debug" | "trace"),
            ) => normalize_level(known),
            _ => "info",
        };
        crumb.insert("level".into(), json!(level));
    }
}

/// 32 lower-case hex digits from a dashed or plain UUID; `None` if it is not one.
fn normalize_event_id(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id).ok().map(|u| u.simple().to_string())
}

/// Unix milliseconds from a timestamp value (see `parse_timestamp`).
pub fn parse_timestamp_ms(value: &Value) -> Option<i64> {
    parse_timestamp(value).map(|secs| (secs * 1000.0) as i64)
}

/// Seconds since the epoch from a number or an RFC 3339 / ISO 8601 string (a missing zone
/// means UTC, as Sentry reads it).
pub fn parse_timestamp(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite() && *f >= 0.0),
        Value::String(s) => {
            if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
                return Some(dt.timestamp_micros() as f64 / 1e6);
            }
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|dt| dt.and_utc().timestamp_micros() as f64 / 1e6)
        }
        _ => None,
    }
}

/// Sentry's level names from the aliases SDKs use.
fn normalize_level(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "fatal" | "critical" => "fatal",
        "error" | "err" => "error",
        "warning" | "warn" => "warning",
        "info" | "log" => "info",
        "debug" | "trace" => "debug",
        _ => "error",
    }
}

/// The list of exceptions from an object, a list or `{values}`.
fn normalize_exception(exception: Value) -> Option<Vec<Value>> {
    let values = match exception {
        Value::Array(values) => values,
        Value::Object(mut obj) => match obj.remove("values") {
            Some(Value::Array(values)) => values,
            Some(_) => return None,
            None => vec![Value::Object(obj)],
        },
        _ => return None,
    };
    let values: Vec<Value> = values.into_iter().filter(Value::is_object).collect();
    (!values.is_empty()).then_some(values)
}

/// Tags as a list of `[key, value]` pairs of strings, from a map or a list of pairs.
pub fn normalize_tags(tags: Value) -> Vec<Value> {
    fn text(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    let pairs: Vec<(String, String)> = match tags {
        Value::Object(map) => map.iter().filter_map(|(k, v)| Some((k.clone(), text(v)?))).collect(),
        Value::Array(list) => list
            .iter()
            .filter_map(|pair| {
                let pair = pair.as_array()?;
                Some((text(pair.first()?)?, text(pair.get(1)?)?))
            })
            .collect(),
        _ => Vec::new(),
    };
    pairs.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), Value::String(v)])).collect()
}

/// The tags of a stored event as its issue counted them (`user` and `release` among them):
/// what an issue's events are searched by.
pub fn stored_event_tags(event: &Map<String, Value>) -> Vec<(String, String)> {
    issue_tags(event, user_ident(event).as_deref())
}

/// The user as Sentry's `user` tag identifies them: id, then email, username, IP.
fn user_ident(event: &Map<String, Value>) -> Option<String> {
    let user = event.get("user")?.as_object()?;
    for (key, prefix) in [("id", "id"), ("email", "email"), ("username", "username")] {
        match user.get(key) {
            Some(Value::String(s)) if !s.is_empty() => return Some(format!("{prefix}:{s}")),
            Some(Value::Number(n)) => return Some(format!("{prefix}:{n}")),
            _ => {}
        }
    }
    user.get("ip_address").and_then(Value::as_str).map(|ip| format!("ip:{ip}"))
}

/// The tags an issue counts for an event: the event's stored tags (the SDK's and those Sentry
/// derives, `level` and `environment` among them: see [`super::derived`]), and `release` and
/// `user`, which Sentry keeps as its own (`sentry:release`, `sentry:user`) rather than in them.
fn issue_tags(event: &Map<String, Value>, user: Option<&str>) -> Vec<(String, String)> {
    let own = event.get("tags").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let mut tags: Vec<(String, String)> = Vec::with_capacity(own.len() + 2);
    if let Some(release) = str_field(event, "release") {
        tags.push(("release".into(), release.to_owned()));
    }
    if let Some(user) = user {
        tags.push(("user".into(), user.to_owned()));
    }
    tags.extend(own.iter().filter_map(|pair| {
        Some((pair.get(0)?.as_str()?.to_owned(), pair.get(1)?.as_str()?.to_owned()))
    }));
    tags
}

/// Title, culprit and metadata of the issue an event would create.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueFields {
    /// `Type: value` for errors, the message for others.
    pub title: String,
    /// Where it happened.
    pub culprit: String,
    /// Sentry's metadata object.
    pub metadata: Value,
    /// `error` or `default`.
    pub event_type: &'static str,
    /// Whether the main exception was not handled by the application.
    pub is_unhandled: bool,
}

/// The exception Sentry titles an issue by: the last one, the outermost in the chain.
pub fn main_exception(event: &Map<String, Value>) -> Option<&Map<String, Value>> {
    event.get("exception")?.get("values")?.as_array()?.last()?.as_object()
}

/// Derives title, culprit and metadata as Sentry's `ErrorEvent` / `DefaultEvent` do.
pub fn derive_issue_fields(event: &Map<String, Value>) -> IssueFields {
    let culprit = str_field(event, "transaction")
        .or_else(|| str_field(event, "culprit"))
        .map(str::to_owned)
        .or_else(|| {
            let platform = str_field(event, "platform").unwrap_or("");
            main_exception(event).and_then(|e| culprit_from_exception(e, platform))
        })
        .unwrap_or_default();

    if let Some(exception) = main_exception(event) {
        let ty = exception.get("type").and_then(Value::as_str).filter(|s| !s.is_empty());
        let value = exception.get("value").and_then(Value::as_str).filter(|s| !s.is_empty());
        let title = match (ty, value) {
            (Some(ty), Some(value)) => format!("{ty}: {}", truncate(first_line(value), 100)),
            (Some(ty), None) => ty.to_owned(),
            (None, Some(value)) => format!("Error: {}", truncate(first_line(value), 100)),
            (None, None) => "<unknown>".to_owned(),
        };
        let is_unhandled = is_unhandled(event.get("exception"));
        let mut metadata = Map::new();
        metadata.insert("type".into(), json!(ty.unwrap_or("Error")));
        metadata
            .insert("value".into(), json!(value.map(|v| truncate(v, 1000)).unwrap_or_default()));
        if let Some(frame) = culprit_frame(exception) {
            if let Some(f) = frame.get("filename").and_then(Value::as_str) {
                metadata.insert("filename".into(), json!(f));
            }
            if let Some(f) = frame.get("function").and_then(Value::as_str) {
                metadata.insert("function".into(), json!(f));
            }
        }
        return IssueFields {
            title,
            culprit,
            metadata: Value::Object(metadata),
            event_type: "error",
            is_unhandled,
        };
    }

    let message = message_text(event);
    let title = match message.as_deref().map(first_line).filter(|l| !l.trim().is_empty()) {
        Some(line) => truncate(line, 100),
        None => "<unlabeled event>".to_owned(),
    };
    IssueFields {
        metadata: json!({ "title": title }),
        title,
        culprit,
        event_type: "default",
        is_unhandled: false,
    }
}

/// The formatted message of an event (`logentry.formatted`, else `logentry.message`).
pub fn message_text(event: &Map<String, Value>) -> Option<String> {
    let logentry = event.get("logentry")?;
    logentry
        .get("formatted")
        .and_then(Value::as_str)
        .or_else(|| logentry.get("message").and_then(Value::as_str))
        .map(str::to_owned)
}

/// The frames of an exception's stack trace, oldest call first.
pub fn frames(exception: &Map<String, Value>) -> &[Value] {
    exception
        .get("stacktrace")
        .and_then(|s| s.get("frames"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Whether an event's `exception` says it was not handled: any of its exceptions with
/// `mechanism.handled: false`, which marks the issue unhandled, as in Sentry.
pub(crate) fn is_unhandled(exception: Option<&Value>) -> bool {
    exception
        .and_then(|e| e.get("values"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|e| e.pointer("/mechanism/handled") == Some(&Value::Bool(false)))
}

/// The frame a culprit is named after: the innermost in-app frame, else the innermost frame.
fn culprit_frame(exception: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let frames = frames(exception);
    frames
        .iter()
        .rev()
        .find(|f| f.get("in_app") == Some(&Value::Bool(true)))
        .or_else(|| frames.last())
        .and_then(Value::as_object)
}

/// `event_platform` stands in for frames that do not name their own platform.
fn culprit_from_exception(exception: &Map<String, Value>, event_platform: &str) -> Option<String> {
    let frame = culprit_frame(exception)?;
    let location = frame
        .get("module")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or_else(|| frame.get("filename").and_then(Value::as_str).filter(|s| !s.is_empty()))?;
    let function = frame.get("function").and_then(Value::as_str).unwrap_or("?");
    let platform = frame.get("platform").and_then(Value::as_str).unwrap_or(event_platform);
    Some(if matches!(platform, "javascript" | "node") {
        format!("{function}({location})")
    } else {
        format!("{location} in {function}")
    })
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

/// At most `max` characters, with `...` when cut (Sentry's `truncatechars`).
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// The JSON an event is stored with, for tests.
#[cfg(test)]
pub(crate) fn stored_json(event: &NewEvent) -> Value {
    let json = event.data.to_json().expect("stored data decodes");
    serde_json::from_str(&json).expect("stored data is JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> EventContext<'static> {
        EventContext::with_defaults(1, 1_700_000_000_000)
    }

    fn process_json(value: Value) -> NewEvent {
        process(value.to_string().as_bytes(), &ctx()).expect("event is accepted")
    }

    #[test]
    fn error_title_is_type_and_first_line_of_value() {
        let event = process_json(json!({
            "exception": {"values": [{"type": "ValueError", "value": "bad\nsecond line",
                "stacktrace": {"frames": [
                    {"module": "app.views", "function": "index", "in_app": true},
                    {"module": "django.core", "function": "handler", "in_app": false}
                ]}}]}
        }));
        assert_eq!(event.title, "ValueError: bad");
        assert_eq!(event.culprit, "app.views in index");
        assert_eq!(event.event_type, "error");
    }

    #[test]
    fn browser_frames_are_grouped_and_named_by_their_scripts_module() {
        let browser_error = |script: &str| {
            process_json(json!({"platform": "javascript", "exception": {"values": [{
                "type": "TypeError", "value": "x is undefined",
                "stacktrace": {"frames": [
                    {"abs_path": script, "filename": script, "function": "HTMLButtonElement.onClick",
                     "lineno": 1, "colno": 120},
                    {"abs_path": script, "filename": script, "function": "render",
                     "lineno": 1, "colno": 512, "in_app": true}
                ]}
            }]}}))
        };
        let cart = browser_error("https://shop.example.com/static/js/cart.4f2a8c1d.js");
        // Sentry's culprit for JavaScript: `function(module)`, not the script's URL.
        assert_eq!(cart.culprit, "render(cart)");
        assert_eq!(
            stored_json(&cart)["exception"]["values"][0]["stacktrace"]["frames"][1]["module"],
            "cart"
        );
        // The same script from another deploy or with a cache-busting query: the same issue.
        let redeployed = browser_error("https://cdn.example.com/static/js/cart.9b07e3aa.js?v=2");
        assert_eq!(redeployed.hashes, cart.hashes);
        // The same function names in another script: another issue (they used to share one,
        // grouped on function names alone).
        let search = browser_error("https://shop.example.com/static/js/search.4f2a8c1d.js");
        assert_ne!(search.hashes, cart.hashes);
        assert_eq!(search.culprit, "render(search)");
    }

    #[test]
    fn breadcrumbs_get_relays_default_type_and_level() {
        let event = process_json(json!({"breadcrumbs": [
            {"message": "a"},
            {"message": "b", "type": "http", "level": "warn"},
            {"message": "c", "type": "", "level": "nonsense"},
            "not an object"
        ]}));
        let data: Value = stored_json(&event);
        let values = &data["breadcrumbs"]["values"];
        assert_eq!((&values[0]["type"], &values[0]["level"]), (&json!("default"), &json!("info")));
        assert_eq!((&values[1]["type"], &values[1]["level"]), (&json!("http"), &json!("warning")));
        assert_eq!((&values[2]["type"], &values[2]["level"]), (&json!("default"), &json!("info")));
        assert_eq!(values[3], "not an object");
    }

    #[test]
    fn exception_may_be_a_bare_object_or_a_list() {
        let bare = process_json(json!({"exception": {"type": "E", "value": "v"}}));
        let list = process_json(json!({"exception": [{"type": "E", "value": "v"}]}));
        assert_eq!(bare.title, "E: v");
        assert_eq!(list.title, "E: v");
        assert_eq!(bare.hashes, list.hashes);
    }

    #[test]
    fn message_event_titled_by_message_string_or_object() {
        let string = process_json(json!({"message": "hello world", "level": "warn"}));
        assert_eq!(string.title, "hello world");
        assert_eq!(string.level, "warning");
        assert_eq!(string.event_type, "default");
        let object = process_json(json!({"message": {"formatted": "hello object"}}));
        assert_eq!(object.title, "hello object");
    }

    #[test]
    fn timestamps_accept_numbers_and_strings_without_zone() {
        let numeric = process_json(json!({"timestamp": 1_699_990_000.5}));
        assert_eq!(numeric.timestamp, 1_699_990_000_500);
        let iso = process_json(json!({"timestamp": "2023-11-14T19:26:40"}));
        assert_eq!(iso.timestamp, 1_699_990_000_000);
        let missing = process_json(json!({}));
        assert_eq!(missing.timestamp, 1_700_000_000_000);
    }

    #[test]
    fn clock_drift_is_corrected_from_sent_at() {
        // The SDK's clock is an hour behind: its event and its sent_at are shifted alike.
        let payload = json!({"timestamp": 1_700_000_000.0 - 3600.0 - 5.0}).to_string();
        let ctx = EventContext { sent_at_ms: Some(1_700_000_000_000 - 3_600_000), ..ctx() };
        let event = process(payload.as_bytes(), &ctx).expect("accepted");
        assert_eq!(event.timestamp, 1_700_000_000_000 - 5_000);
        assert!(stored_json(&event).to_string().contains("clock_drift"));
    }

    #[test]
    fn future_timestamps_are_clamped_and_recorded() {
        let event = process_json(json!({"timestamp": 1_700_000_000.0 + 86_400.0}));
        assert_eq!(event.timestamp, 1_700_000_000_000);
        assert!(stored_json(&event).to_string().contains("future_timestamp"));
    }

    #[test]
    fn timestamps_older_than_30_days_are_clamped_and_recorded() {
        let month_ago = 1_700_000_000.0 - 31.0 * 86_400.0;
        let event = process_json(json!({"timestamp": month_ago}));
        assert_eq!(event.timestamp, 1_700_000_000_000);
        assert!(stored_json(&event).to_string().contains("past_timestamp"));
        // 29 days is kept as sent.
        let event = process_json(json!({"timestamp": 1_700_000_000.0 - 29.0 * 86_400.0}));
        assert_eq!(event.timestamp, 1_700_000_000_000 - 29 * 86_400_000);
    }

    #[test]
    fn a_bad_field_is_dropped_and_recorded_the_event_kept() {
        let event =
            process_json(json!({"timestamp": "yesterday", "exception": 7, "message": "kept"}));
        assert_eq!(event.title, "kept");
        let data: Value = stored_json(&event);
        let names: Vec<&str> = data["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(names, ["timestamp", "exception"]);
    }

    #[test]
    fn envelope_event_id_wins_and_is_normalized() {
        let payload = json!({"event_id": "00000000000000000000000000000001"}).to_string();
        let ctx = EventContext {
            envelope_event_id: Some("9EC79C33-EC99-42AB-8353-589FCB2E04DC"),
            ..ctx()
        };
        let event = process(payload.as_bytes(), &ctx).expect("accepted");
        assert_eq!(event.event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
    }

    #[test]
    fn nan_and_infinity_from_old_python_sdks_are_read_as_null() {
        let payload = br#"{"message":"NaN in \"NaN\" stays","extra":{"ratio":NaN,"max":Infinity,"min":-Infinity}}"#;
        let event = process(payload, &ctx()).expect("the event is kept");
        let data: Value = stored_json(&event);
        assert_eq!(data["extra"], json!({"ratio": null, "max": null, "min": null}));
        assert_eq!(data["logentry"]["formatted"], "NaN in \"NaN\" stays");
        assert!(data["errors"].as_array().is_some_and(|e| e.iter().any(|e| e["name"] == "number")));
        // Anything else broken is still refused.
        assert!(matches!(process(b"{\"a\":NaN", &ctx()), Err(EventError::InvalidJson(_))));
    }

    #[test]
    fn an_issue_counts_each_tag_once_with_sentrys_own_values() {
        let event = process_json(json!({
            "level": "warning", "environment": "prod", "release": "r@1", "logger": "app",
            "user": {"id": "7"},
            "tags": [["level", "fatal"], ["release", "spoofed"], ["user", "spoofed"], ["team", "core"]]
        }));
        let mut tags = event.tags;
        tags.sort();
        let expected: Vec<(String, String)> = [
            ("environment", "prod"),
            ("level", "warning"),
            ("logger", "app"),
            ("release", "r@1"),
            ("team", "core"),
            ("user", "id:7"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(tags, expected);
    }

    #[test]
    fn numeric_user_id_identifies_the_user() {
        let event = process_json(json!({"user": {"id": 42, "email": "a@b.c"}}));
        assert_eq!(event.user_ident.as_deref(), Some("id:42"));
    }

    #[test]
    fn tags_as_map_or_pairs_become_pairs() {
        let map = process_json(json!({"tags": {"a": "1", "n": 2}}));
        let pairs = process_json(json!({"tags": [["a", "1"], ["n", 2]]}));
        let tags = |e: &NewEvent| stored_json(e)["tags"].clone();
        // `level` is Sentry's tag of the event's level (see `derived`).
        assert_eq!(tags(&map), json!([["a", "1"], ["n", "2"], ["level", "error"]]));
        assert_eq!(tags(&pairs), json!([["a", "1"], ["n", "2"], ["level", "error"]]));
    }

    #[test]
    fn non_objects_and_bad_json_are_refused() {
        assert_eq!(process(b"[1]", &ctx()).map(|_| ()), Err(EventError::NotAnObject));
        assert!(matches!(process(b"{", &ctx()), Err(EventError::InvalidJson(_))));
        // Relay's text: the parser's error in `Debug` form.
        let err = process(b"{\"a\": tru", &ctx()).map(|_| ()).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "invalid JSON data: Error(\"EOF while parsing a value\", line: 1, column: 9)"
        );
    }

    #[test]
    fn unhandled_mechanism_marks_the_issue() {
        let event = process_json(json!({"exception": {"values": [
            {"type": "Panic", "value": "boom", "mechanism": {"type": "panic", "handled": false}}
        ]}}));
        assert!(event.is_unhandled);
    }
}
