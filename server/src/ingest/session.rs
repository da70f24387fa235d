//! Release health: `session` updates and `sessions` aggregates, parsed and checked as Relay does,
//! and the rules that turn a stream of updates into counts that never count a session twice.
//!
//! Sentry derives release health from metrics Relay extracts from each update (a counter of
//! started sessions, sets of errored session ids and of users). Cairn keeps one small state per
//! session instead ([`SessionState`]): an update adds only what its session did not have yet
//! ([`apply`]), which gives the same numbers as Sentry's sets, exactly, with counters for the
//! rest.

use serde::Deserialize;
use serde_json::Value;

use super::event::parse_timestamp_ms;

/// Sessions older than this are dropped (Relay: `max_session_secs_in_past`, 5 days); their
/// states can be forgotten after that.
pub const MAX_AGE_MS: i64 = 5 * 24 * 3_600_000;
/// How far in the future a timestamp may be (Relay: `max_secs_in_future`, 60 s).
const MAX_FUTURE_MS: i64 = 60_000;
/// Relay corrects timestamps by the difference between `sent_at` and its own clock only when
/// the two differ by more than this (its `MINIMUM_CLOCK_DRIFT`, 55 minutes).
const MIN_CLOCK_DRIFT_MS: i64 = 55 * 60_000;
/// Longest release name (Sentry's `validate_release`).
const MAX_RELEASE_LEN: usize = 200;

/// Bits of [`SessionState::flags`].
pub mod flags {
    /// Counted as a started session (its `init` update was seen).
    pub const INIT: u8 = 1;
    /// In Sentry's errored set: errors, or a status other than `ok` / `exited`.
    pub const ERRORED: u8 = 2;
    /// Ended `abnormal`.
    pub const ABNORMAL: u8 = 4;
    /// Ended `crashed`.
    pub const CRASHED: u8 = 8;
    /// Reached a terminal status: later updates are ignored.
    pub const ENDED: u8 = 16;
}

/// Bits of a user row: the user sets Sentry puts a user in (`0`: healthy).
pub mod user_flags {
    /// `user{session.status=errored}`.
    pub const ERRORED: u8 = 1;
    /// `user{session.status=abnormal}`.
    pub const ABNORMAL: u8 = 2;
    /// `user{session.status=crashed}`.
    pub const CRASHED: u8 = 4;
}

/// A session status (Relay's names; `errored` and `unhandled` come from newer SDKs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Running.
    Ok,
    /// Ended normally.
    Exited,
    /// Ended by a crash.
    Crashed,
    /// Ended abnormally (killed, ANR).
    Abnormal,
    /// Ended with errors.
    Errored,
    /// Ended by an unhandled error that was not a crash.
    Unhandled,
}

impl Status {
    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "ok" => Status::Ok,
            "exited" => Status::Exited,
            "crashed" => Status::Crashed,
            "abnormal" => Status::Abnormal,
            "errored" => Status::Errored,
            "unhandled" => Status::Unhandled,
            _ => return None,
        })
    }
}

/// A checked `session` update, ready for [`apply`].
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUpdate {
    /// The project it was sent to.
    pub project_id: i64,
    /// Session id; `None` for a one-shot session sent already ended.
    pub sid: Option<String>,
    /// Distinct user id, if any (never the nil UUID).
    pub did: Option<String>,
    /// Logical clock: a lower `seq` than the last applied one is stale.
    pub seq: i64,
    /// The first update of its session.
    pub init: bool,
    /// Unix ms when the session started.
    pub started: i64,
    /// Status after this update.
    pub status: Status,
    /// Errors so far.
    pub errors: u64,
    /// Seconds the session lasted, if known.
    pub duration: Option<f64>,
    /// `attrs.release`.
    pub release: String,
    /// `attrs.environment` (empty when none).
    pub environment: String,
}

/// One group of a checked `sessions` aggregate item.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionAggregate {
    /// The project it was sent to.
    pub project_id: i64,
    /// Unix ms (the SDK rounds it to the minute).
    pub started: i64,
    /// Distinct user id, if any.
    pub did: Option<String>,
    /// Sessions that ended cleanly without errors.
    pub exited: i64,
    /// Sessions that ended with errors (not crashed or abnormal).
    pub errored: i64,
    /// Sessions that ended abnormally.
    pub abnormal: i64,
    /// Sessions that ended by an unhandled error.
    pub unhandled: i64,
    /// Sessions that crashed.
    pub crashed: i64,
    /// `attrs.release`.
    pub release: String,
    /// `attrs.environment`.
    pub environment: String,
}

/// Why an item was dropped (the reason of its outcome).
pub type DropReason = &'static str;

/// What a session has been counted as so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    /// Release of its first update.
    pub release: String,
    /// Environment of its first update.
    pub environment: String,
    /// The user, once an update named one.
    pub did: Option<String>,
    /// Unix seconds of the hour its counts go to (the hour `started` falls in).
    pub hour: i64,
    /// Unix ms when it started.
    pub started: i64,
    /// Highest `seq` applied.
    pub seq: i64,
    /// [`flags`] bits.
    pub flags: u8,
}

/// What one applied update adds to the hourly counts of its session's bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contribution {
    /// Started sessions.
    pub sessions: i64,
    /// Errored sessions (Sentry's errored set, crashed and abnormal included).
    pub errored: i64,
    /// Crashed sessions.
    pub crashed: i64,
    /// Abnormal sessions.
    pub abnormal: i64,
    /// Duration in seconds of a session that just exited cleanly.
    pub duration: Option<f64>,
    /// The user and the [`user_flags`] they get from this update.
    pub user: Option<(String, u8)>,
}

/// Hour bucket (Unix seconds) of a Unix ms time.
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(3_600_000) * 3_600
}

/// Applies an update to its session's state: `None` when the update changes nothing (its
/// session already ended, or it is older than one applied before), else the new state and
/// what to add to the counts. Attributes and the start time stay those of the first update.
pub fn apply(
    state: Option<&SessionState>,
    update: &SessionUpdate,
) -> Option<(SessionState, Contribution)> {
    if let Some(state) = state {
        if state.flags & flags::ENDED != 0 || update.seq < state.seq {
            return None;
        }
    }
    let mut bits = 0u8;
    if update.init {
        bits |= flags::INIT;
    }
    if update.errors > 0 || !matches!(update.status, Status::Ok | Status::Exited) {
        bits |= flags::ERRORED;
    }
    match update.status {
        Status::Crashed => bits |= flags::CRASHED,
        Status::Abnormal => bits |= flags::ABNORMAL,
        _ => {}
    }
    // Relay: every status but `ok` is terminal.
    if update.status != Status::Ok {
        bits |= flags::ENDED;
    }
    let old = state.map_or(0, |s| s.flags);
    let new = bits & !old;
    let count = |bit: u8| i64::from(new & bit != 0);
    let mut next = match state {
        Some(state) => state.clone(),
        None => SessionState {
            release: update.release.clone(),
            environment: update.environment.clone(),
            did: None,
            hour: hour_of(update.started),
            started: update.started,
            seq: update.seq,
            flags: 0,
        },
    };
    next.flags = old | bits;
    next.seq = next.seq.max(update.seq);
    if next.did.is_none() {
        next.did.clone_from(&update.did);
    }
    let user = next.did.clone().map(|did| {
        let mut u = 0u8;
        if next.flags & flags::ERRORED != 0 {
            u |= user_flags::ERRORED;
        }
        if next.flags & flags::ABNORMAL != 0 {
            u |= user_flags::ABNORMAL;
        }
        if next.flags & flags::CRASHED != 0 {
            u |= user_flags::CRASHED;
        }
        (did, u)
    });
    let duration = match (update.status, update.duration) {
        // Sentry's duration metric covers sessions that exited cleanly.
        (Status::Exited, Some(d)) if new & flags::ENDED != 0 && d.is_finite() && d >= 0.0 => {
            Some(d)
        }
        _ => None,
    };
    let contribution = Contribution {
        sessions: count(flags::INIT),
        errored: count(flags::ERRORED),
        crashed: count(flags::CRASHED),
        abnormal: count(flags::ABNORMAL),
        duration,
        user,
    };
    Some((next, contribution))
}

/// Sentry's `validate_release`: not empty, at most 200 characters, no line breaks, tabs or
/// slashes, and not `.`, `..` or `latest`.
pub fn valid_release(release: &str) -> bool {
    !release.trim().is_empty()
        && release.chars().count() <= MAX_RELEASE_LEN
        && !release.contains(['\n', '\r', '\t', '\x0b', '\x0c', '/', '\\'])
        && !matches!(release, "." | ".." | "latest")
}

/// Environment names as Sentry accepts them: at most 64 characters, no line breaks or slashes;
/// an invalid one is removed (not a reason to drop the session).
fn clean_environment(environment: Option<&str>) -> String {
    match environment {
        Some(env)
            if env.chars().count() <= 64 && !env.contains(['\n', '\r', '\t', '/', '\x0c']) =>
        {
            env.to_owned()
        }
        _ => String::new(),
    }
}

/// Times of one item, corrected for the client's clock drift and checked against the window
/// Sentry accepts: 5 days in the past to 60 seconds in the future.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// When Cairn received the envelope (Unix ms).
    pub received: i64,
    /// The envelope's `sent_at`, if any (Unix ms).
    pub sent_at: Option<i64>,
}

impl Clock {
    fn correction(&self) -> i64 {
        match self.sent_at {
            Some(sent) if (self.received - sent).abs() >= MIN_CLOCK_DRIFT_MS => {
                self.received - sent
            }
            _ => 0,
        }
    }

    fn in_window(&self, ms: i64) -> bool {
        ms >= self.received - MAX_AGE_MS && ms <= self.received + MAX_FUTURE_MS
    }
}

#[derive(Deserialize)]
struct Attrs {
    release: Option<String>,
    environment: Option<String>,
}

#[derive(Deserialize)]
struct RawUpdate {
    sid: Option<Value>,
    did: Option<Value>,
    seq: Option<u64>,
    #[serde(default)]
    init: bool,
    started: Value,
    timestamp: Option<Value>,
    status: Option<String>,
    #[serde(default)]
    errors: u64,
    duration: Option<f64>,
    attrs: Attrs,
}

/// A distinct id as Relay keeps it: strings and numbers, never the nil UUID or empty.
fn parse_did(did: Option<&Value>) -> Option<String> {
    let did = match did? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let nil = uuid::Uuid::parse_str(&did).is_ok_and(|u| u.is_nil());
    (!did.is_empty() && !nil).then(|| did.chars().take(200).collect())
}

/// Parses and checks a `session` item as Relay does; `Err` says why it is dropped.
pub fn parse_update(
    payload: &[u8],
    project_id: i64,
    clock: Clock,
) -> Result<SessionUpdate, DropReason> {
    let raw: RawUpdate = serde_json::from_slice(payload).map_err(|_| "invalid_json")?;
    let release = raw.attrs.release.filter(|r| valid_release(r)).ok_or("invalid_release")?;
    let status = match raw.status.as_deref() {
        None => Status::Ok,
        Some(s) => Status::parse(s).ok_or("invalid_status")?,
    };
    // `u64::MAX` is Relay's marker of a broken counter; anything that does not fit SQLite's
    // integers is as unusable.
    let seq = match raw.seq {
        Some(u64::MAX) => return Err("invalid_seq"),
        Some(seq) => i64::try_from(seq).map_err(|_| "invalid_seq")?,
        None => clock.received,
    };
    let sid = match &raw.sid {
        Some(Value::String(s)) => {
            Some(uuid::Uuid::parse_str(s).map_err(|_| "invalid_sid")?.simple().to_string())
        }
        None | Some(Value::Null) if status != Status::Ok => None,
        _ => return Err("invalid_sid"),
    };
    let drift = clock.correction();
    let started = parse_timestamp_ms(&raw.started).ok_or("invalid_timestamp")? + drift;
    let timestamp = match &raw.timestamp {
        Some(t) => parse_timestamp_ms(t).ok_or("invalid_timestamp")? + drift,
        None => clock.received,
    }
    .max(started);
    if !clock.in_window(started) || !clock.in_window(timestamp) {
        return Err("timestamp");
    }
    Ok(SessionUpdate {
        project_id,
        sid,
        did: parse_did(raw.did.as_ref()),
        // The first update's `seq` is 0 whatever the SDK sent (Sentry's protocol).
        seq: if raw.init { 0 } else { seq },
        init: raw.init,
        started,
        status,
        errors: if status == Status::Crashed { raw.errors.max(1) } else { raw.errors },
        duration: raw.duration,
        release,
        environment: clean_environment(raw.attrs.environment.as_deref()),
    })
}

#[derive(Deserialize)]
struct RawAggregates {
    #[serde(default)]
    aggregates: Vec<RawGroup>,
    attrs: Attrs,
}

#[derive(Deserialize)]
struct RawGroup {
    started: Value,
    did: Option<Value>,
    #[serde(default)]
    exited: u32,
    #[serde(default)]
    errored: u32,
    #[serde(default)]
    abnormal: u32,
    #[serde(default)]
    unhandled: u32,
    #[serde(default)]
    crashed: u32,
}

/// Parses and checks a `sessions` item; groups outside the time window are left out (Relay
/// drops them one by one). `Err` when the whole item is dropped.
pub fn parse_aggregates(
    payload: &[u8],
    project_id: i64,
    clock: Clock,
) -> Result<Vec<SessionAggregate>, DropReason> {
    let raw: RawAggregates = serde_json::from_slice(payload).map_err(|_| "invalid_json")?;
    let release = raw.attrs.release.filter(|r| valid_release(r)).ok_or("invalid_release")?;
    let environment = clean_environment(raw.attrs.environment.as_deref());
    let drift = clock.correction();
    Ok(raw
        .aggregates
        .iter()
        .filter_map(|group| {
            let started = parse_timestamp_ms(&group.started)? + drift;
            clock.in_window(started).then(|| SessionAggregate {
                project_id,
                started,
                did: parse_did(group.did.as_ref()),
                exited: group.exited.into(),
                errored: group.errored.into(),
                abnormal: group.abnormal.into(),
                unhandled: group.unhandled.into(),
                crashed: group.crashed.into(),
                release: release.clone(),
                environment: environment.clone(),
            })
        })
        .collect())
}

impl SessionAggregate {
    /// What the group adds to its hour (Relay's metric extraction for aggregates: every
    /// session counts as started; errored, abnormal, unhandled and crashed ones join the
    /// errored count; the user joins the sets of what their sessions did).
    pub fn contribution(&self) -> Contribution {
        let total = self.exited + self.errored + self.abnormal + self.unhandled + self.crashed;
        let bad = self.errored + self.abnormal + self.unhandled + self.crashed;
        let user = self.did.clone().map(|did| {
            let mut u = 0u8;
            if bad > 0 {
                u |= user_flags::ERRORED;
            }
            if self.abnormal > 0 {
                u |= user_flags::ABNORMAL;
            }
            if self.crashed > 0 {
                u |= user_flags::CRASHED;
            }
            (did, u)
        });
        Contribution {
            sessions: total,
            errored: bad,
            crashed: self.crashed,
            abnormal: self.abnormal,
            duration: None,
            user,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000_000;
    const CLOCK: Clock = Clock { received: NOW, sent_at: None };

    fn iso(ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(ms).expect("valid time").to_rfc3339()
    }

    fn update(json: serde_json::Value) -> SessionUpdate {
        parse_update(json.to_string().as_bytes(), 1, CLOCK).expect("a valid update")
    }

    fn base(extra: serde_json::Value) -> serde_json::Value {
        let mut v = serde_json::json!({
            "sid": "7c7b6e6d-5c4b-4a39-a8f7-e6d5c4b3a291",
            "did": "user-1",
            "started": iso(NOW - 60_000),
            "attrs": {"release": "app@1.0", "environment": "prod"},
        });
        for (k, val) in extra.as_object().expect("object").clone() {
            v[k] = val;
        }
        v
    }

    /// Applies updates in order, returning the final state and the summed contributions.
    fn run(updates: &[SessionUpdate]) -> (Option<SessionState>, Contribution) {
        let mut state = None;
        let mut total = Contribution::default();
        for u in updates {
            if let Some((next, c)) = apply(state.as_ref(), u) {
                total.sessions += c.sessions;
                total.errored += c.errored;
                total.crashed += c.crashed;
                total.abnormal += c.abnormal;
                if c.duration.is_some() {
                    total.duration = c.duration;
                }
                total.user = c.user;
                state = Some(next);
            }
        }
        (state, total)
    }

    #[test]
    fn init_starts_a_session_once() {
        let init = update(base(serde_json::json!({"init": true, "seq": 99})));
        assert_eq!(init.seq, 0, "init forces seq 0");
        // The same init twice (an SDK retry) still counts one session.
        let (state, c) = run(&[init.clone(), init]);
        assert_eq!(c.sessions, 1);
        assert_eq!(c.errored, 0);
        assert_eq!(state.expect("state").flags, flags::INIT);
        // An update without init is not a started session (Sentry counts `init` only).
        let (_, c) = run(&[update(base(serde_json::json!({"seq": 3})))]);
        assert_eq!(c.sessions, 0);
    }

    #[test]
    fn errors_mark_errored_once_and_terminal_states_do_not_change() {
        let u = |json| update(base(json));
        let updates = [
            u(serde_json::json!({"init": true})),
            u(serde_json::json!({"seq": 1, "errors": 1})),
            u(serde_json::json!({"seq": 2, "errors": 2})),
            u(serde_json::json!({"seq": 3, "errors": 2, "status": "crashed"})),
            // After a terminal state nothing changes: not exited, not abnormal.
            u(serde_json::json!({"seq": 4, "status": "abnormal"})),
            u(serde_json::json!({"seq": 5, "status": "exited", "duration": 10.0})),
        ];
        let (state, c) = run(&updates);
        assert_eq!((c.sessions, c.errored, c.crashed, c.abnormal), (1, 1, 1, 0));
        assert_eq!(c.duration, None);
        assert_eq!(c.user, Some(("user-1".into(), user_flags::ERRORED | user_flags::CRASHED)));
        let state = state.expect("state");
        assert_eq!(state.flags, flags::INIT | flags::ERRORED | flags::CRASHED | flags::ENDED);
        assert_eq!(apply(Some(&state), &updates[5]), None);
    }

    #[test]
    fn a_lower_seq_after_a_higher_one_is_ignored() {
        let u = |json| update(base(json));
        let init = u(serde_json::json!({"init": true}));
        let late = u(serde_json::json!({"seq": 10}));
        let stale = u(serde_json::json!({"seq": 5, "errors": 1}));
        let (state, c) = run(&[init, late, stale]);
        assert_eq!(c.errored, 0, "the stale update was not applied");
        assert_eq!(state.expect("state").seq, 10);
    }

    #[test]
    fn clean_exit_records_its_duration() {
        let u =
            update(base(serde_json::json!({"init": true, "status": "exited", "duration": 12.5})));
        let (_, c) = run(&[u]);
        assert_eq!((c.sessions, c.errored), (1, 0));
        assert_eq!(c.duration, Some(12.5));
        assert_eq!(c.user, Some(("user-1".into(), 0)));
    }

    #[test]
    fn attributes_and_start_cannot_change() {
        let first = update(base(serde_json::json!({"init": true})));
        let mut moved = base(serde_json::json!({"seq": 1, "status": "crashed"}));
        moved["attrs"] = serde_json::json!({"release": "app@2.0", "environment": "staging"});
        moved["started"] = serde_json::json!(iso(NOW - 3 * 3_600_000));
        let (state, c) = run(&[first, update(moved)]);
        let state = state.expect("state");
        assert_eq!((state.release.as_str(), state.environment.as_str()), ("app@1.0", "prod"));
        assert_eq!(state.hour, hour_of(NOW - 60_000));
        assert_eq!(c.crashed, 1, "the crash counts for the session's own release");
    }

    #[test]
    fn sessions_outside_the_window_are_dropped() {
        let old = base(serde_json::json!({"init": true, "started": iso(NOW - MAX_AGE_MS - 1000)}));
        assert_eq!(parse_update(old.to_string().as_bytes(), 1, CLOCK), Err("timestamp"));
        let future = base(serde_json::json!({"init": true, "started": iso(NOW + 120_000)}));
        assert_eq!(parse_update(future.to_string().as_bytes(), 1, CLOCK), Err("timestamp"));
        // A client clock two hours ahead is corrected with `sent_at`, as Relay does.
        let skewed = Clock { received: NOW, sent_at: Some(NOW + 2 * 3_600_000) };
        let ahead = base(serde_json::json!({"init": true, "started": iso(NOW + 2 * 3_600_000)}));
        let parsed = parse_update(ahead.to_string().as_bytes(), 1, skewed).expect("corrected");
        assert_eq!(parsed.started, NOW);
        // Within the window is fine, 4 days back included.
        let recent = base(serde_json::json!({"init": true, "started": iso(NOW - 4 * 86_400_000)}));
        assert!(parse_update(recent.to_string().as_bytes(), 1, CLOCK).is_ok());
    }

    #[test]
    fn invalid_updates_are_dropped() {
        let parse = |v: serde_json::Value| parse_update(v.to_string().as_bytes(), 1, CLOCK);
        assert_eq!(parse_update(b"nope", 1, CLOCK), Err("invalid_json"));
        let mut no_release = base(serde_json::json!({}));
        no_release["attrs"] = serde_json::json!({"environment": "prod"});
        assert_eq!(parse(no_release), Err("invalid_release"));
        let mut latest = base(serde_json::json!({}));
        latest["attrs"]["release"] = serde_json::json!("latest");
        assert_eq!(parse(latest), Err("invalid_release"));
        assert_eq!(parse(base(serde_json::json!({"seq": u64::MAX}))), Err("invalid_seq"));
        assert_eq!(parse(base(serde_json::json!({"status": "sleeping"}))), Err("invalid_status"));
        // The nil UUID is no user.
        let nil = parse(base(serde_json::json!({"did": "00000000-0000-0000-0000-000000000000"})));
        assert_eq!(nil.expect("valid").did, None);
        // A session sent already ended needs no id.
        let mut one_shot = base(serde_json::json!({"init": true, "status": "exited"}));
        one_shot.as_object_mut().expect("object").remove("sid");
        assert_eq!(parse(one_shot).expect("valid").sid, None);
    }

    #[test]
    fn aggregates_count_as_sentry_extracts_them() {
        let item = serde_json::json!({
            "aggregates": [
                {"started": iso(NOW - 60_000), "did": "u1", "exited": 3, "errored": 1},
                {"started": iso(NOW - 60_000), "did": "u2", "crashed": 1, "abnormal": 1},
                {"started": iso(NOW - MAX_AGE_MS - 60_000), "exited": 9},
            ],
            "attrs": {"release": "app@1.0", "environment": "prod"},
        });
        let groups = parse_aggregates(item.to_string().as_bytes(), 1, CLOCK).expect("valid");
        assert_eq!(groups.len(), 2, "the group older than 5 days is dropped");
        let a = groups[0].contribution();
        assert_eq!((a.sessions, a.errored, a.crashed, a.abnormal), (4, 1, 0, 0));
        assert_eq!(a.user, Some(("u1".into(), user_flags::ERRORED)));
        let b = groups[1].contribution();
        assert_eq!((b.sessions, b.errored, b.crashed, b.abnormal), (2, 2, 1, 1));
        let all = user_flags::ERRORED | user_flags::ABNORMAL | user_flags::CRASHED;
        assert_eq!(b.user, Some(("u2".into(), all)));
        assert_eq!(
            parse_aggregates(br#"{"aggregates":[],"attrs":{}}"#, 1, CLOCK),
            Err("invalid_release")
        );
    }
}
