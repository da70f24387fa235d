//! Relative times ("5 minutes ago") with the exact time on hover, as issue lists show them.

use chrono::{DateTime, Datelike, Local, Timelike, Utc};
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
    let local = time.with_timezone(&Local);
    let offset = local.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs() / 60;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (UTC{sign}{:02}:{:02})",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        offset / 60,
        offset % 60,
    )
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
        <time datetime=time.to_rfc3339() title=absolute_time(time)>
            {relative_time(time, Utc::now())}
        </time>
    }
}
