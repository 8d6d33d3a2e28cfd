//! A fixed-size latency histogram with log-linear buckets (HDR-style).
//!
//! Values are whole microseconds. Below 1,024 µs every value has its own bucket (exact); above,
//! each power-of-two octave is split into 512 equal buckets, so a bucket is at most 1/512
//! (0.195 %) of its lower bound wide — the "at most 0.2 % wide" rule of the W1 reference
//! workload — and the value reported for it (its midpoint) is within 1/1024 (0.1 %) of any value
//! it holds. The range is 0 .. 2^32 µs (about 71 min, so 1 h fits); larger values are clamped
//! into the last bucket (and counted in `clamped`). 12,288 buckets of u32, 48 KiB, allocated once;
//! recording is a few integer operations and never allocates. Count, sum (hence the mean),
//! minimum and maximum are kept exactly.
//!
//! The minimum and maximum also bound the buckets in use, so reset, merge and the percentile
//! scan touch only `index_of(min) ..= index_of(max)`: an empty minute costs nothing and a
//! typical one (latencies within a decade) a few thousand buckets, whatever the width rule.

use crate::engine::Span;

/// Sub-buckets per octave, as a power of two.
const SUB_BITS: u32 = 9;
const SUB: u64 = 1 << SUB_BITS; // 512
/// Values below this have their own bucket.
const EXACT: u64 = SUB << 1; // 1,024
/// Largest octave exponent held: values < 2^(MAX_EXP + 1).
const MAX_EXP: u32 = 31;
/// Largest value held without clamping, in µs.
pub const MAX_VALUE_US: u64 = (1u64 << (MAX_EXP + 1)) - 1;
/// Number of buckets.
pub const BUCKETS: usize = EXACT as usize + (MAX_EXP as usize - SUB_BITS as usize) * SUB as usize;
/// Heap bytes of one histogram's counts.
pub const HEAP_BYTES: usize = BUCKETS * std::mem::size_of::<u32>();

/// Latency histogram; see the module documentation for its resolution.
#[derive(Clone)]
pub struct Histogram {
    /// Per-bucket counts, u32 to halve the memory (48 KiB): a bucket would need 4.3 billion
    /// samples to saturate (it then stays at its maximum instead of wrapping).
    counts: Box<[u32; BUCKETS]>,
    count: u64,
    sum_us: u128,
    min_us: u64,
    max_us: u64,
    clamped: u64,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram").field("count", &self.count).field("mean", &self.mean()).field("max_us", &self.max_us).finish()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

/// Bucket index of a value in µs (clamped to the range).
#[inline]
fn index_of(v: u64) -> usize {
    if v < EXACT {
        return v as usize;
    }
    let v = v.min(MAX_VALUE_US);
    let exp = 63 - v.leading_zeros(); // ≥ SUB_BITS + 1
    let shift = exp - SUB_BITS;
    let sub = (v >> shift) - SUB; // 0..SUB
    EXACT as usize + (exp - SUB_BITS - 1) as usize * SUB as usize + sub as usize
}

/// Lowest value and width of bucket `i`, in µs.
#[inline]
fn bucket_bounds(i: usize) -> (u64, u64) {
    if (i as u64) < EXACT {
        return (i as u64, 1);
    }
    let j = i - EXACT as usize;
    let exp = (j / SUB as usize) as u32 + SUB_BITS + 1;
    let sub = (j % SUB as usize) as u64;
    let shift = exp - SUB_BITS;
    ((SUB + sub) << shift, 1 << shift)
}

impl Histogram {
    pub fn new() -> Self {
        Histogram { counts: Box::new([0; BUCKETS]), count: 0, sum_us: 0, min_us: u64::MAX, max_us: 0, clamped: 0 }
    }

    /// Records one latency.
    #[inline]
    pub fn record(&mut self, latency: Span) {
        let v = latency.as_micros();
        let c = &mut self.counts[index_of(v)];
        *c = c.saturating_add(1);
        self.count += 1;
        self.sum_us += v as u128;
        self.min_us = self.min_us.min(v);
        self.max_us = self.max_us.max(v);
        if v > MAX_VALUE_US {
            self.clamped += 1;
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The buckets that can hold a sample: those of the minimum through the maximum (empty
    /// when the histogram is).
    #[inline]
    fn used(&self) -> std::ops::Range<usize> {
        if self.count == 0 {
            return 0..0;
        }
        index_of(self.min_us)..index_of(self.max_us) + 1
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    /// Values above [`MAX_VALUE_US`], counted in the last bucket (percentiles there are low).
    pub fn clamped(&self) -> u64 {
        self.clamped
    }

    /// Exact mean (rounded down to the µs); `None` when empty.
    pub fn mean(&self) -> Option<Span> {
        (self.count > 0).then(|| Span((self.sum_us / self.count as u128) as u64))
    }
    /// Exact mean in seconds, for reports; `None` when empty.
    pub fn mean_secs(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_us as f64 / self.count as f64 / 1e6)
    }
    pub fn min(&self) -> Option<Span> {
        (self.count > 0).then_some(Span(self.min_us))
    }
    pub fn max(&self) -> Option<Span> {
        (self.count > 0).then_some(Span(self.max_us))
    }

    /// The `p`-th percentile (`p` in 0..=100): the value of rank ⌈p/100 · count⌉ (at least 1)
    /// in sorted order, reported as the midpoint of its bucket (exact below 1,024 µs, within
    /// 0.1 % above), never outside [min, max], and exact for the
    /// first and last ranks (min and max). `None` when empty.
    pub fn percentile(&self, p: f64) -> Option<Span> {
        if self.count == 0 {
            return None;
        }
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 100.0) };
        let rank = ((p / 100.0 * self.count as f64).ceil() as u64).clamp(1, self.count);
        // The extremes are known exactly.
        if rank == 1 {
            return Some(Span(self.min_us));
        }
        if rank == self.count {
            return Some(Span(self.max_us));
        }
        let mut seen = 0u64;
        let used = self.used();
        for (i, &c) in self.counts[used.clone()].iter().enumerate().map(|(j, c)| (j + used.start, c)) {
            seen += c as u64;
            if seen >= rank {
                let (low, width) = bucket_bounds(i);
                let mid = low + (width - 1) / 2;
                return Some(Span(mid.clamp(self.min_us, self.max_us)));
            }
        }
        Some(Span(self.max_us))
    }

    /// Adds `other`'s samples to this histogram.
    pub fn merge(&mut self, other: &Histogram) {
        let used = other.used();
        for (a, b) in self.counts[used.clone()].iter_mut().zip(other.counts[used].iter()) {
            *a = a.saturating_add(*b);
        }
        self.count += other.count;
        self.sum_us += other.sum_us;
        self.min_us = self.min_us.min(other.min_us);
        self.max_us = self.max_us.max(other.max_us);
        self.clamped += other.clamped;
    }

    /// Empties the histogram (for the next metric period) without reallocating.
    pub fn reset(&mut self) {
        let used = self.used();
        self.counts[used].fill(0);
        self.count = 0;
        self.sum_us = 0;
        self.min_us = u64::MAX;
        self.max_us = 0;
        self.clamped = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn buckets_tile_the_range_without_gaps() {
        let mut next = 0u64;
        for i in 0..BUCKETS {
            let (low, width) = bucket_bounds(i);
            assert_eq!(low, next, "bucket {i}");
            assert_eq!(index_of(low), i);
            assert_eq!(index_of(low + width - 1), i);
            assert!(width == 1 || width * SUB <= low, "bucket {i} too wide");
            // The W1 rule: relative width at most 0.2 % (here ≤ 1/512 = 0.195 %). Exact buckets
            // (width 1) hold one value each, so their relative error is 0.
            assert!(width == 1 || width as f64 / low as f64 <= 0.002, "bucket {i}: {width} wide at {low}");
            next = low + width;
        }
        assert_eq!(next, MAX_VALUE_US + 1);
        const { assert!(MAX_VALUE_US >= 3_600_000_000, "one hour fits") };
    }

    #[test]
    fn small_cases_are_exact() {
        let mut h = Histogram::new();
        assert_eq!((h.count(), h.mean(), h.percentile(50.0)), (0, None, None));
        for us in [10, 20, 30, 40] {
            h.record(Span(us));
        }
        assert_eq!(h.count(), 4);
        assert_eq!(h.mean(), Some(Span(25)));
        assert_eq!(h.percentile(0.0), Some(Span(10)));
        assert_eq!(h.percentile(25.0), Some(Span(10)));
        assert_eq!(h.percentile(50.0), Some(Span(20)));
        assert_eq!(h.percentile(50.1), Some(Span(30)));
        assert_eq!(h.percentile(100.0), Some(Span(40)));
        assert_eq!((h.min(), h.max()), (Some(Span(10)), Some(Span(40))));
    }

    #[test]
    fn large_values_land_within_the_bucket_resolution() {
        let mut h = Histogram::new();
        h.record(Span::from_secs(1));
        h.record(Span::from_secs(3600));
        // Mean, min and max are exact; other ranks are reported as their bucket's midpoint:
        // 1 s = 1,000,000 µs lies in the octave [2^19, 2^20), whose buckets are 2^19 / 512 = 1,024
        // µs wide: the bucket [976 · 1,024, 977 · 1,024) = [999,424, 1,000,448), midpoint
        // 999,424 + 511 = 999,935 — below the exact minimum (1 s), so clamped up to it.
        assert_eq!(h.mean(), Some(Span(1_800_500_000)));
        assert_eq!(h.percentile(0.0), Some(Span::from_secs(1)));
        assert_eq!(h.percentile(100.0), Some(Span::from_secs(3600)));
        let mut one = Histogram::new();
        one.record(Span::from_secs(1));
        one.record(Span::from_secs(1));
        one.record(Span::from_secs(2));
        assert_eq!(one.percentile(50.0), Some(Span::from_secs(1)));
        one.record(Span(999_500));
        // Now the minimum is 999,500 µs: rank 2 of 4 is a 1 s value, reported as the midpoint.
        assert_eq!(one.percentile(50.0), Some(Span(999_424 + 511)));
        h.record(Span::from_millis(1_500));
        let p = h.percentile(50.0).unwrap().as_micros() as f64;
        assert!((p - 1.5e6).abs() <= 1.5e6 / 1024.0, "{p}");
    }

    #[test]
    fn merge_and_reset() {
        let (mut a, mut b) = (Histogram::new(), Histogram::new());
        a.record(Span(5));
        b.record(Span(7));
        b.record(Span(9));
        a.merge(&b);
        assert_eq!((a.count(), a.mean(), a.min(), a.max()), (3, Some(Span(7)), Some(Span(5)), Some(Span(9))));
        assert_eq!(a.percentile(60.0), Some(Span(7)));
        a.reset();
        assert_eq!((a.count(), a.percentile(50.0), a.min()), (0, None, None));
        a.record(Span(3));
        assert_eq!(a.percentile(99.0), Some(Span(3)));
    }

    #[test]
    fn values_beyond_the_range_are_clamped_and_counted() {
        let mut h = Histogram::new();
        h.record(Span::from_secs(10 * 3600));
        assert_eq!(h.clamped(), 1);
        assert_eq!(h.max(), Some(Span::from_secs(10 * 3600)));
    }

    proptest! {
        #[test]
        fn percentile_error_stays_within_the_bucket_resolution(
            values in proptest::collection::vec(0u64..4_000_000_000, 1..300),
            p in 0.0f64..=100.0,
        ) {
            let mut h = Histogram::new();
            for &v in &values {
                h.record(Span(v));
            }
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let rank = ((p / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            let truth = sorted[rank - 1] as f64;
            let got = h.percentile(p).unwrap().as_micros() as f64;
            // Exact below 1,024 µs; above, within half a bucket (≤ 1/1024 of the value).
            prop_assert!((got - truth).abs() <= truth / 1024.0, "p{p}: got {got}, true {truth}");
            let mean = values.iter().sum::<u64>() / values.len() as u64;
            prop_assert_eq!(h.mean(), Some(Span(mean)));
        }
    }
}
