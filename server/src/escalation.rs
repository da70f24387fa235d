//! Sentry's "archive until escalating": when an issue is archived so, its events of the past
//! week give a forecast, a ceiling of events per hour for each of the next 14 days; an hour
//! with more events than the day's ceiling brings the issue back as escalating.
//!
//! [`forecast`] is Sentry's `generate_issue_forecast` (`sentry/issues/escalating/
//! escalating_issues_alg.py`) with its standard parameters, so that an issue escalates in
//! Cairn when it would in Sentry.

/// Days a forecast covers (Sentry's): later days keep the last day's ceiling.
pub const FORECAST_DAYS: usize = 14;

/// Sentry's standard `ThresholdVariables`.
const STD_MULTIPLIER: f64 = 5.0;
const MIN_SPIKE_MULTIPLIER: f64 = 5.0;
const MAX_SPIKE_MULTIPLIER: f64 = 8.0;
const MIN_BURSTY_MULTIPLIER: f64 = 2.0;
const MAX_BURSTY_MULTIPLIER: f64 = 5.0;
/// Hours in a week: with fewer hours of data the issue counts as new.
const WEEK_HOURS: usize = 168;

/// The ceilings of events per hour for the [`FORECAST_DAYS`] days from `start_day` (Unix
/// seconds of the first day's midnight, UTC), from `hourly`: the issue's events per hour over
/// the past week, as `(hour start in Unix seconds, events)` for the hours that had any (as
/// Sentry's query returns them). Empty without data: nothing to forecast from.
///
/// With less than a week of hours, each day's ceiling is ten times the busiest hour. Otherwise
/// it is the larger of two: the busiest hour times a multiplier that falls as the counts vary
/// more (2 to 5), and a weighted average of the hours (doubled on the same weekday) plus 5 to 8
/// times the average, by how far 5 standard deviations reach.
pub fn forecast(hourly: &[(i64, i64)], start_day: i64) -> Vec<i64> {
    let Some(max) = hourly.iter().map(|(_, events)| *events).max() else {
        return Vec::new();
    };
    let max = max as f64;
    if hourly.len() < WEEK_HOURS {
        return vec![(max * 10.0) as i64; FORECAST_DAYS];
    }
    let counts: Vec<f64> = hourly.iter().map(|(_, events)| *events as f64).collect();
    let n = counts.len() as f64;
    let mean = counts.iter().sum::<f64>() / n;
    // The sample standard deviation, as Python's `statistics.stdev`.
    let std_dev = (counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let cv = std_dev / mean;
    let bursty = (5.0 * (-0.65 * cv).exp()).clamp(MIN_BURSTY_MULTIPLIER, MAX_BURSTY_MULTIPLIER);
    let limit_v1 = max * bursty;
    let spike = ((mean + STD_MULTIPLIER * std_dev) / mean)
        .clamp(MIN_SPIKE_MULTIPLIER, MAX_SPIKE_MULTIPLIER);
    let baseline = spike * mean;
    (0..FORECAST_DAYS as i64)
        .map(|day| {
            let day_of_week = weekday(start_day + day * 86_400);
            let (mut numerator, mut weights) = (0.0, 0.0);
            for ((hour, _), count) in hourly.iter().zip(&counts) {
                let weight = if weekday(*hour) == day_of_week { 2.0 } else { 1.0 };
                numerator += count * weight;
                weights += weight;
            }
            let limit_v2 = numerator / weights + baseline;
            limit_v1.max(limit_v2) as i64
        })
        .collect()
}

/// The ceiling on the day of `at` (Unix milliseconds) of a forecast that starts on
/// `start_day` (Unix seconds); `None` for an empty forecast.
pub fn ceiling(limits: &[i64], start_day: i64, at: i64) -> Option<i64> {
    let day = (at.div_euclid(1000) - start_day).div_euclid(86_400).max(0) as usize;
    limits.get(day.min(limits.len().checked_sub(1)?)).copied()
}

/// 0 for Thursday (the epoch's weekday) to 6: only equality matters.
fn weekday(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(86_400).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    /// A Monday, midnight UTC.
    const START: i64 = 1_764_547_200;

    #[test]
    fn a_new_issue_may_reach_ten_times_its_busiest_hour() {
        let hourly = [(START - 7_200, 3), (START - 3_600, 12)];
        assert_eq!(forecast(&hourly, START), vec![120; FORECAST_DAYS]);
        assert_eq!(forecast(&[], START), Vec::<i64>::new());
    }

    #[test]
    fn a_steady_issue_may_reach_its_average_and_five_times_more() {
        // A week of 10 events every hour: no variance, so the bursty ceiling is the busiest
        // hour times 5 (50) and the other the average plus 5 times the average (60).
        let hourly: Vec<(i64, i64)> = (0..168).map(|h| (START - 7 * DAY + h * 3_600, 10)).collect();
        assert_eq!(forecast(&hourly, START), vec![60; FORECAST_DAYS]);
    }

    #[test]
    fn a_bursty_issue_is_held_to_a_multiple_of_its_peak() {
        // One hour of 1,000 events in a week of ones: its peak times the least multiplier
        // (2) is above the spike ceiling.
        let mut hourly: Vec<(i64, i64)> =
            (0..168).map(|h| (START - 7 * DAY + h * 3_600, 1)).collect();
        hourly[100].1 = 1_000;
        let limits = forecast(&hourly, START);
        assert_eq!(limits.len(), FORECAST_DAYS);
        assert!(limits.iter().all(|limit| *limit == 2_000), "{limits:?}");
    }

    #[test]
    fn the_same_weekday_weighs_twice() {
        // A little busier on the forecast's first weekday: its ceiling is higher than the next
        // day's (the spike ceiling, 619 against 616, is above the bursty one, 574).
        let hourly: Vec<(i64, i64)> = (0..168)
            .map(|h| {
                let hour = START - 7 * DAY + h * 3_600;
                (hour, if weekday(hour) == weekday(START) { 120 } else { 100 })
            })
            .collect();
        let limits = forecast(&hourly, START);
        assert!(limits[0] > limits[1], "{limits:?}");
        assert_eq!(limits[0], limits[7], "a week later, the same weekday");
    }

    #[test]
    fn the_ceiling_of_a_day_and_after_the_forecast() {
        let limits: Vec<i64> = (1..=FORECAST_DAYS as i64).collect();
        assert_eq!(ceiling(&limits, START, START * 1000), Some(1));
        assert_eq!(ceiling(&limits, START, (START + DAY + 5) * 1000), Some(2));
        assert_eq!(ceiling(&limits, START, (START + 40 * DAY) * 1000), Some(14), "the last");
        assert_eq!(ceiling(&limits, START, (START - DAY) * 1000), Some(1), "clock skew");
        assert_eq!(ceiling(&[], START, START * 1000), None);
    }
}
