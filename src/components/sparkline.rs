//! An issue's events over time as a small bar chart: an inline SVG built here from the numbers
//! (no chart library, no HTML strings), one bar per bucket of the issue list's `stats`.
//!
//! The bars are two `path` elements (the buckets with events, and the empty ones), not a `rect`
//! each: the issue stream shows a hundred sparklines at once, and a DOM element per bucket made
//! them the costliest part of its first render.

use std::fmt::Write;

use leptos::prelude::*;

/// Size of the chart in SVG units (it scales with CSS).
pub const WIDTH: f64 = 120.0;
/// Height of the chart in SVG units.
pub const HEIGHT: f64 = 28.0;
/// The `viewBox`, `width` and `height` attributes: [`WIDTH`] and [`HEIGHT`] written out, because
/// formatting an `f64` would bring the float formatting code into the main wasm for these
/// alone (`tests/web.rs` checks that they agree).
pub const VIEW_BOX: &str = "0 0 120 28";
/// See [`VIEW_BOX`].
pub const WIDTH_ATTRIBUTE: &str = "120";
/// See [`VIEW_BOX`].
pub const HEIGHT_ATTRIBUTE: &str = "28";
/// Gap between two bars, as a fraction of a bucket's width.
const GAP: f64 = 0.2;
/// Height of a bar for an empty bucket, so the time axis stays visible.
const EMPTY_HEIGHT: f64 = 1.0;

/// One bar of a sparkline, in SVG units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// The bucket's events.
    pub count: i64,
}

/// The bars for `counts` in a `width` × `height` box: the largest count fills the height, an
/// empty bucket gets a thin line.
pub fn bars(counts: &[i64], width: f64, height: f64) -> Vec<Bar> {
    if counts.is_empty() {
        return Vec::new();
    }
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = width / counts.len() as f64;
    let bar_width = step * (1.0 - GAP);
    counts
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            let bar_height = if count > 0 {
                (count as f64 / max * height).max(EMPTY_HEIGHT)
            } else {
                EMPTY_HEIGHT
            };
            Bar {
                x: i as f64 * step,
                y: height - bar_height,
                width: bar_width,
                height: bar_height,
                count,
            }
        })
        .collect()
}

/// The counts of an issue's `stats` for `period` (`[[unix seconds, events], ...]`), oldest
/// first; empty when missing or malformed.
pub fn stats_counts(stats: Option<&serde_json::Value>, period: &str) -> Vec<(i64, i64)> {
    stats
        .and_then(|stats| stats.get(period))
        .and_then(serde_json::Value::as_array)
        .map(|buckets| {
            buckets
                .iter()
                .filter_map(|bucket| Some((bucket.get(0)?.as_i64()?, bucket.get(1)?.as_i64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Adds `events` that happened in the hour starting at `hour` (Unix seconds) to the buckets
/// (each starting at its time and as long as the gap to the next one; the last one as long as
/// the one before it). Returns whether a bucket took them.
pub fn add_to_buckets(buckets: &mut [(i64, i64)], hour: i64, events: i64) -> bool {
    let len = buckets.len();
    if len == 0 {
        return false;
    }
    let bucket_secs = if len > 1 { buckets[1].0 - buckets[0].0 } else { 3_600 };
    for bucket in buckets.iter_mut().rev() {
        if hour >= bucket.0 && hour < bucket.0 + bucket_secs {
            bucket.1 += events;
            return true;
        }
    }
    false
}

/// The SVG path data of the `bars` with events (`with_events`) or without: one closed
/// rectangle (`M x y h width v height h -width z`) per bar, in hundredths of a unit.
pub fn bars_path(bars: &[Bar], with_events: bool) -> String {
    // Written into one string: the stream draws a hundred sparklines on its first render, and
    // a string per number and per bar was most of their cost.
    let mut path = String::with_capacity(bars.len() * 24);
    for bar in bars.iter().filter(|bar| (bar.count > 0) == with_events) {
        path.push('M');
        push_hundredths(&mut path, bar.x);
        path.push(' ');
        push_hundredths(&mut path, bar.y);
        path.push('h');
        push_hundredths(&mut path, bar.width);
        path.push('v');
        push_hundredths(&mut path, bar.height);
        path.push_str("h-");
        push_hundredths(&mut path, bar.width);
        path.push('z');
    }
    path
}

/// Appends `value` rounded to two decimals, without the float formatting machinery: "12.5",
/// "3".
fn push_hundredths(out: &mut String, value: f64) {
    let scaled = (value * 100.0).round() as i64;
    if scaled < 0 {
        out.push('-');
    }
    let scaled = scaled.unsigned_abs();
    // Integer formatting, which the wasm has anyway (unlike float formatting).
    let _ = write!(out, "{}", scaled / 100);
    let fraction = scaled % 100;
    if fraction != 0 {
        out.push('.');
        out.push(char::from(b'0' + (fraction / 10) as u8));
        if !fraction.is_multiple_of(10) {
            out.push(char::from(b'0' + (fraction % 10) as u8));
        }
    }
}

/// The sparkline (`svg.sparkline`): a `path.bar` with the buckets that had events and a
/// `path.bar.empty` with the others (see the module), the total in its `title`.
#[component]
pub fn Sparkline(
    /// Events per bucket, oldest first. Not a signal: a stream row is drawn again when its
    /// issue changes, and three effects per row cost a hundred rows' first render more.
    counts: Vec<i64>,
    /// What the buckets are, for the tooltip: "last 24 hours".
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let total: i64 = counts.iter().sum();
    let drawn = bars(&counts, WIDTH, HEIGHT);
    view! {
        <svg
            class="sparkline"
            viewBox=VIEW_BOX
            width=WIDTH_ATTRIBUTE
            height=HEIGHT_ATTRIBUTE
            preserveAspectRatio="none"
            role="img"
        >
            <title>{format!("{total} events in the {label}")}</title>
            <path class="bar" d=bars_path(&drawn, true)></path>
            <path class="bar empty" d=bars_path(&drawn, false)></path>
        </svg>
    }
}
