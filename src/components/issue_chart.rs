//! The issue page's "events over time" bar chart, drawn with plotters into an SVG string.
//!
//! The SVG is built here from numbers (the issue's `stats`) and labels this module formats
//! itself (hours and dates); plotters escapes every text it writes. No event data goes into
//! it, which is why inserting it as markup is safe. Colours come from the stylesheet (CSS
//! rules beat SVG presentation attributes), so the chart follows the light and dark themes.

use chrono::{DateTime, Datelike, Local, TimeZone, Timelike, Utc};
use leptos::prelude::*;
use plotters::prelude::*;
use serde_json::Value;

/// Size of the drawing, in SVG user units: about the sidebar's width, so that the labels keep
/// their size when the SVG scales to the figure.
const WIDTH: u32 = 320;
const HEIGHT: u32 = 140;

/// The periods the chart can show, as Sentry's issue page offers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartPeriod {
    /// The last 24 hours, one bar per hour.
    Day,
    /// The last 14 days, one bar per day.
    TwoWeeks,
}

impl ChartPeriod {
    /// Its label on the toggle: `24h`, `14d`.
    pub fn label(self) -> &'static str {
        match self {
            ChartPeriod::Day => "24h",
            ChartPeriod::TwoWeeks => "14d",
        }
    }

    /// "the last 24 hours", for captions and the accessible description.
    pub fn description(self) -> &'static str {
        match self {
            ChartPeriod::Day => "the last 24 hours",
            ChartPeriod::TwoWeeks => "the last 14 days",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            ChartPeriod::Day => "hour",
            ChartPeriod::TwoWeeks => "day",
        }
    }
}

/// The buckets of a period from an issue's `stats`: `[(bucket start in Unix seconds, events)]`,
/// oldest first. Reads the details' `24h` and `30d` (the last 14 of its days), or a list's `14d`.
pub fn series(stats: &Value, period: ChartPeriod) -> Vec<(i64, i64)> {
    let read = |key: &str| -> Option<Vec<(i64, i64)>> {
        let buckets = stats.get(key)?.as_array()?;
        Some(
            buckets
                .iter()
                .filter_map(|b| Some((b.get(0)?.as_i64()?, b.get(1)?.as_i64()?.max(0))))
                .collect(),
        )
    };
    match period {
        ChartPeriod::Day => read("24h").unwrap_or_default(),
        ChartPeriod::TwoWeeks => read("14d")
            .or_else(|| read("30d").map(|days| days[days.len().saturating_sub(14)..].to_vec()))
            .unwrap_or_default(),
    }
}

/// The axis label of a bucket, in the browser's time zone: `14:00` for hours, `Nov 25` for days.
pub fn bucket_label(start: i64, period: ChartPeriod) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let Some(time) = Utc.timestamp_opt(start, 0).single() else {
        return String::new();
    };
    let local: DateTime<Local> = time.with_timezone(&Local);
    match period {
        ChartPeriod::Day => format!("{:02}:00", local.hour()),
        ChartPeriod::TwoWeeks => {
            format!("{} {}", MONTHS[local.month0() as usize % 12], local.day())
        }
    }
}

/// What the chart shows, in words, for its `aria-label`.
pub fn chart_summary(buckets: &[(i64, i64)], period: ChartPeriod) -> String {
    let total: i64 = buckets.iter().map(|(_, n)| n).sum();
    let peak = buckets.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let plural = if total == 1 { "" } else { "s" };
    format!(
        "Events over {}: {total} event{plural}, at most {peak} in one {}.",
        period.description(),
        period.unit()
    )
}

/// The bar chart as an SVG document, or `None` if plotters could not draw it.
pub fn chart_svg(buckets: &[(i64, i64)], period: ChartPeriod) -> Option<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let count = buckets.len().max(1) as u32;
        let peak = buckets.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as u64;
        // Some headroom above the highest bar, and whole numbers on the axis.
        let top = peak + (peak / 10).max(1);
        let label = |index: &u32| {
            buckets.get(*index as usize).map(|(start, _)| bucket_label(*start, period))
        };
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(20)
            .y_label_area_size(34)
            .build_cartesian_2d(0u32..count, 0u64..top)
            .ok()?;
        let text = ("sans-serif", 11).into_font().color(&RGBColor(110, 118, 135));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(4)
            .y_labels(4)
            .x_label_formatter(&|index| label(index).unwrap_or_default())
            .y_label_formatter(&|value| value.to_string())
            .label_style(text)
            .light_line_style(RGBColor(200, 205, 214).mix(0.4))
            .draw()
            .ok()?;
        chart
            .draw_series(buckets.iter().enumerate().map(|(index, (_, events))| {
                let index = index as u32;
                let mut bar = Rectangle::new(
                    [(index, 0), (index + 1, (*events).max(0) as u64)],
                    RGBColor(108, 122, 224).filled(),
                );
                bar.set_margin(0, 0, 1, 1);
                bar
            }))
            .ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

/// "Events over time" (`#issue-chart`): a `<figure>` with the bar chart (`role="img"` and an
/// `aria-label` saying what it shows), a caption, and a 24h / 14d toggle.
#[component]
pub fn IssueChart(
    /// The issue's `stats` (`{"24h": [[time, events], ...], "30d": ...}`).
    stats: Value,
) -> impl IntoView {
    let period = RwSignal::new(ChartPeriod::Day);
    let stats = StoredValue::new(stats);
    let buckets = Memo::new(move |_| stats.with_value(|s| series(s, period.get())));
    let summary = move || chart_summary(&buckets.read(), period.get());
    let drawing = move || {
        // Built from numbers and our own labels only (see the module's note).
        chart_svg(&buckets.read(), period.get()).unwrap_or_default()
    };
    let toggle = move |choice: ChartPeriod| {
        view! {
            <button
                type="button"
                class="chip chart-period"
                class:selected=move || period.get() == choice
                aria-pressed=move || (period.get() == choice).to_string()
                data-period=choice.label()
                on:click=move |_| period.set(choice)
            >
                {choice.label()}
            </button>
        }
    };
    view! {
        <figure id="issue-chart" class="issue-chart event-section">
            <div class="chart-toolbar">
                <figcaption class="chart-caption">
                    {move || format!("Events over {}", period.get().description())}
                </figcaption>
                <span class="spacer"></span>
                <div class="chart-periods" role="group" aria-label="Period">
                    {toggle(ChartPeriod::Day)}
                    {toggle(ChartPeriod::TwoWeeks)}
                </div>
            </div>
            <div class="chart-drawing" role="img" aria-label=summary inner_html=drawing></div>
        </figure>
    }
    .into_any()
}
