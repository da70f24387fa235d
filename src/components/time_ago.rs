//! Relative times ("5 minutes ago") with the exact time on hover, as issue lists show them.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Timelike, Utc};
use leptos::prelude::*;

/// Formats how long before `now` the instant `then` was, in the largest whole unit:
/// "just now", "1 minute ago", "3 hours ago", "2 days ago", "5 months ago", "1 year ago".
///
/// A `then` slightly after `now` (the server's clock ahead of the browser's) reads "just now"
/// rather than a confusing "in 3 seconds". Months are 30 days and years 365: the exact date is in
/// the tooltip, this is only for scanning a list.
pub fn relative_time(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    const MONTH: i64 = 30 * DAY;
    const YEAR: i64 = 365 * DAY;

    let seconds = (now - then).num_seconds();
    let (count, unit) = match seconds {
        s if s < MINUTE => return "just now".to_owned(),
        s if s < HOUR => (s / MINUTE, "minute"),
        s if s < DAY => (s / HOUR, "hour"),
        s if s < MONTH => (s / DAY, "day"),
        s if s < YEAR => (s / MONTH, "month"),
        s => (s / YEAR, "year"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural} ago")
}

/// The exact time in the browser's time zone, for the tooltip: `2026-11-25 14:05:09 (UTC+01:00)`.
///
/// Built from the date's fields rather than with chrono's `format`, whose format-string parser
/// costs tens of kilobytes of wasm for this one string.
pub fn absolute_time(time: DateTime<Utc>) -> String {
    // The browser's offset at that instant, asked of one JS `Date` (chrono's `Local` asks the
    // same of the browser, through more calls: a stream draws two hundred of these).
    let at = wasm_bindgen::JsValue::from_f64(time.timestamp_millis() as f64);
    let offset = -(js_sys::Date::new(&at).get_timezone_offset() as i64);
    let local = time.naive_utc() + Duration::minutes(offset);
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!("{} (UTC{sign}{:02}:{:02})", date_and_time(local, ' '), offset / 60, offset % 60)
}

/// `2026-11-25 14:05:09`, with `separator` between the date and the time.
fn date_and_time(time: NaiveDateTime, separator: char) -> String {
    format!(
        "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
    )
}

/// The browser's clock: one JS call (chrono's `Utc::now` makes a `Date` and asks it).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// A `<time>` element showing `time` relative to now, with the exact time in its `title`.
///
/// The text is computed once, when rendered; lists are re-fetched often enough that a live ticker
/// is not worth the timers yet.
#[component]
pub fn TimeAgo(
    /// The instant to show.
    time: DateTime<Utc>,
) -> impl IntoView {
    view! {
        // `datetime` in UTC to the second (a valid global date and time string), written as
        // the tooltip is rather than by chrono's RFC 3339 writer.
        <time datetime=format!("{}Z", date_and_time(time.naive_utc(), 'T')) title=absolute_time(time)>
            {relative_time(time, now())}
        </time>
    }
}
