//! Session durations as a log-scale histogram: what `session_duration_hourly` and
//! `session_duration_daily` (migration 0019) store, and the percentiles read from it.
//!
//! Bucket 0 holds durations under a millisecond; bucket `b ≥ 1` holds durations in
//! `[2^((b-1)/16), 2^(b/16))` milliseconds, so each bucket is about 4.4% wide. Each bucket also
//! keeps the longest duration it has seen, which makes the maximum exact. Percentiles are read
//! from durations reconstructed from the buckets (each bucket's sessions spread evenly up to
//! its longest), so they are off by at most a bucket's width and, in practice, by well under
//! 1% on dense data and not at all where a bucket holds one session (Sentry's own percentiles
//! are approximate too: ClickHouse's `quantiles` sample).

use std::collections::BTreeMap;

/// Buckets per doubling of the duration.
const PER_DOUBLING: f64 = 16.0;
/// The last bucket (about 2^63 ms): anything longer is counted there.
const LAST_BUCKET: i64 = 63 * 16 + 1;

/// The bucket of a duration in seconds.
pub fn bucket_of(seconds: f64) -> i64 {
    let ms = seconds * 1000.0;
    if ms.is_nan() || ms < 1.0 {
        // Below a millisecond (and, defensively, NaN, which ingestion never passes on).
        return 0;
    }
    let bucket = 1 + (ms.log2() * PER_DOUBLING).floor() as i64;
    bucket.min(LAST_BUCKET)
}

/// The lower and upper bound of a bucket, in seconds.
pub fn bounds(bucket: i64) -> (f64, f64) {
    if bucket <= 0 {
        return (0.0, 0.001);
    }
    let ms = |b: i64| ((b - 1) as f64 / PER_DOUBLING).exp2();
    (ms(bucket) / 1000.0, ms(bucket + 1) / 1000.0)
}

/// Sessions and the largest duration (seconds) of one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BucketCount {
    /// Sessions whose duration falls in the bucket.
    pub sessions: i64,
    /// The longest of them, in seconds.
    pub max: f64,
}

impl BucketCount {
    /// Adds another count of the same bucket.
    pub fn merge(&mut self, other: BucketCount) {
        self.sessions += other.sessions;
        self.max = self.max.max(other.max);
    }
}

/// A histogram of durations: bucket → count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationHistogram {
    buckets: BTreeMap<i64, BucketCount>,
}

impl DurationHistogram {
    /// Counts one duration in seconds.
    pub fn record(&mut self, seconds: f64) {
        self.add(bucket_of(seconds), BucketCount { sessions: 1, max: seconds });
    }

    /// Adds a bucket's count (a stored row).
    pub fn add(&mut self, bucket: i64, count: BucketCount) {
        if count.sessions <= 0 {
            return;
        }
        self.buckets.entry(bucket).or_default().merge(count);
    }

    /// Adds another histogram.
    pub fn merge(&mut self, other: &DurationHistogram) {
        for (bucket, count) in &other.buckets {
            self.add(*bucket, *count);
        }
    }

    /// Durations counted.
    pub fn sessions(&self) -> i64 {
        self.buckets.values().map(|c| c.sessions).sum()
    }

    /// The longest duration in seconds, `None` when empty.
    pub fn max(&self) -> Option<f64> {
        self.buckets.values().map(|c| c.max).reduce(f64::max)
    }

    /// The `q` quantile (0 to 1) in seconds, `None` when empty, as `numpy.percentile` computes
    /// it (linear between the durations at ranks around `q × (n − 1)`), over durations
    /// reconstructed from the buckets: a bucket's sessions spread evenly up to the longest it
    /// has seen, so a bucket of one session is exactly that session.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.sessions();
        if total == 0 || !q.is_finite() {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * (total - 1) as f64;
        let below = rank.floor();
        let low = self.nth(below as i64)?;
        let high = self.nth(rank.ceil() as i64)?;
        Some(low + (high - low) * (rank - below))
    }

    /// The `n`-th shortest duration (from 0) as the buckets reconstruct it.
    fn nth(&self, n: i64) -> Option<f64> {
        let mut before = 0i64;
        for (bucket, count) in &self.buckets {
            if n < before + count.sessions {
                let (low, high) = bounds(*bucket);
                let high = high.min(count.max).max(low);
                let position = (n - before + 1) as f64 / count.sessions as f64;
                return Some(low + (high - low) * position);
            }
            before += count.sessions;
        }
        self.max()
    }

    /// The buckets with their counts, in order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, BucketCount)> + '_ {
        self.buckets.iter().map(|(b, c)| (*b, *c))
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact percentile as `numpy.percentile` computes it (linear between ranks).
    fn exact(sorted: &[f64], q: f64) -> f64 {
        let rank = q * (sorted.len() - 1) as f64;
        let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
        sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
    }

    #[test]
    fn buckets_cover_their_durations() {
        for seconds in [0.0, 0.0005, 0.001, 0.0123, 1.0, 12.5, 59.9, 3_600.0, 86_400.0 * 7.0] {
            let (low, high) = bounds(bucket_of(seconds));
            assert!(low <= seconds && seconds < high, "{seconds} not in [{low}, {high})");
            assert!(high / low.max(0.001) < 1.05 || seconds < 0.001);
        }
        assert_eq!(bucket_of(f64::NAN), 0);
        assert_eq!(bucket_of(1e300), LAST_BUCKET);
    }

    #[test]
    fn percentiles_are_within_one_percent_of_the_exact_ones() {
        // Four shapes: uniform 30..630 s (the benchmark's), a long-tailed spread from
        // milliseconds to hours (x³), and whole seconds 1..100 and 10..19 as SDKs often report
        // them (sparse: most buckets hold one duration).
        let shapes: [Vec<f64>; 4] = [
            (0..6_000).map(|i| 30.0 + (i % 600) as f64 + (i / 600) as f64 * 0.1).collect(),
            (1..=5_000).map(|i| (i as f64 / 50.0).powi(3)).collect(),
            (1..=100).map(f64::from).collect(),
            (10..=19).map(f64::from).collect(),
        ];
        for durations in shapes {
            let mut histogram = DurationHistogram::default();
            for d in &durations {
                histogram.record(*d);
            }
            let mut sorted = durations.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.5, 0.75, 0.9, 0.95, 0.99] {
                let want = exact(&sorted, q);
                let got = histogram.quantile(q).expect("not empty");
                let error = (got - want).abs() / want;
                assert!(error < 0.01, "p{}: {got} vs {want} ({:.2}%)", q * 100.0, error * 100.0);
            }
            assert_eq!(histogram.max(), sorted.last().copied());
            assert_eq!(histogram.sessions(), durations.len() as i64);
        }
    }

    #[test]
    fn one_duration_is_every_percentile_and_empty_has_none() {
        let mut histogram = DurationHistogram::default();
        assert_eq!(histogram.quantile(0.5), None);
        assert_eq!(histogram.max(), None);
        histogram.record(42.0);
        assert_eq!(histogram.quantile(0.5), Some(42.0));
        assert_eq!(histogram.max(), Some(42.0));
    }

    #[test]
    fn merged_histograms_equal_one_built_from_all_durations() {
        let mut a = DurationHistogram::default();
        let mut b = DurationHistogram::default();
        let mut all = DurationHistogram::default();
        for i in 0..300 {
            let d = 1.0 + f64::from(i) * 0.37;
            let half: &mut DurationHistogram = if i % 2 == 0 { &mut a } else { &mut b };
            half.record(d);
            all.record(d);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }
}
