//! The metric store (docs/ecs-model.md#metrics-and-periods, docs/ecs-model.md#statistics): series interned by (namespace, name,
//! dimensions) to a
//! `SeriesId`, one datapoint per minute in a fixed-size ring per series, and statistics over
//! periods of whole minutes.
//!
//! A minute's datapoint is a statistic set (SampleCount, Sum, Minimum, Maximum) — what ECS and
//! the load balancer publish — and, for latency series, a log-linear histogram
//! (`elb::histogram`, ≤ 0.1 % error) from which percentiles are read: samples are never kept.
//! A period of k minutes merges k minute sets (Average = Sum ÷ SampleCount over the period,
//! never a mean of means). A period without samples has no datapoint — `None`, never 0.
//!
//! Memory per series is set by its ring lengths (a day of statistic sets by default, an hour of
//! histograms), never by the run's length; an alarm that needs a longer window grows its
//! series' rings once, when it is created (`ensure_retention`).

pub use super::statistics::{Percentile, Period, StatSet, Statistic};
use super::{DAY_S, MINUTE_S};
use crate::elb::histogram::{Histogram, HEAP_BYTES};
use std::collections::BTreeMap;
use std::fmt;

/// Statistic sets kept per series unless an alarm needs more: one day of minutes.
pub const DEFAULT_RETENTION_MINUTES: u32 = DAY_S / MINUTE_S;
/// Histograms kept per series unless a percentile alarm needs more (48 KiB each).
pub const DEFAULT_HISTOGRAM_RETENTION_MINUTES: u32 = 60;

// ------------------------------------------------------------------ metric identity

/// A metric: namespace, name and dimensions. Each distinct combination is its own series
/// (docs/ecs-model.md#metrics-and-periods). Dimensions are kept sorted by name (then value), so the order they are written
/// in does not make a different metric.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricId {
    namespace: String,
    name: String,
    dimensions: Vec<(String, String)>,
}

impl MetricId {
    pub fn new<K: Into<String>, V: Into<String>>(
        namespace: impl Into<String>,
        name: impl Into<String>,
        dimensions: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut dimensions: Vec<(String, String)> = dimensions.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        dimensions.sort();
        MetricId { namespace: namespace.into(), name: name.into(), dimensions }
    }
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// (name, value) pairs, sorted by name.
    pub fn dimensions(&self) -> &[(String, String)] {
        &self.dimensions
    }
    /// The value of dimension `name`.
    pub fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for MetricId {
    /// `AWS/ECS CPUUtilization {ClusterName=prod, ServiceName=web}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.namespace, self.name)?;
        if !self.dimensions.is_empty() {
            let dims: Vec<String> = self.dimensions.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(f, " {{{}}}", dims.join(", "))?;
        }
        Ok(())
    }
}

/// A series' index in its registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesId(pub u32);

impl SeriesId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Interns metrics: each distinct [`MetricId`] gets one [`SeriesId`], in order of first use.
#[derive(Debug, Clone, Default)]
pub struct MetricRegistry {
    ids: Vec<MetricId>,
    by_metric: BTreeMap<MetricId, SeriesId>,
}

impl MetricRegistry {
    /// The series of `metric`, created on first use.
    pub fn series(&mut self, metric: &MetricId) -> SeriesId {
        if let Some(&s) = self.by_metric.get(metric) {
            return s;
        }
        let s = SeriesId(u32::try_from(self.ids.len()).expect("fewer than 2^32 series"));
        self.ids.push(metric.clone());
        self.by_metric.insert(metric.clone(), s);
        s
    }
    /// The series of `metric`, if it was ever interned.
    pub fn get(&self, metric: &MetricId) -> Option<SeriesId> {
        self.by_metric.get(metric).copied()
    }
    /// The metric of series `s`.
    pub fn metric(&self, s: SeriesId) -> &MetricId {
        &self.ids[s.index()]
    }
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// Every series, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (SeriesId, &MetricId)> {
        self.ids.iter().enumerate().map(|(i, m)| (SeriesId(i as u32), m))
    }
}

// ------------------------------------------------------------------ the store

/// Settings of a [`MetricStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Minutes after its end that a minute's datapoint becomes visible to alarms (docs/ecs-model.md#simulated-time,
    /// `metricDelaySeconds` rounded up to whole minutes; default 0).
    pub delay_minutes: u32,
    /// Statistic sets kept per series at least (default one day).
    pub retention_minutes: u32,
    /// Histograms kept per series at least (default one hour).
    pub histogram_retention_minutes: u32,
    /// The Unix time of minute 0, for the timestamps in alarm reasons (default 0: 1970-01-01,
    /// visibly not a real date).
    pub epoch_unix_s: i64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            delay_minutes: 0,
            retention_minutes: DEFAULT_RETENTION_MINUTES,
            histogram_retention_minutes: DEFAULT_HISTOGRAM_RETENTION_MINUTES,
            epoch_unix_s: 0,
        }
    }
}

/// Marks a ring slot never written.
const NO_MINUTE: u64 = u64::MAX;

#[derive(Debug, Clone, Copy)]
struct MinuteSlot {
    minute: u64,
    set: StatSet,
}

const EMPTY_SLOT: MinuteSlot = MinuteSlot { minute: NO_MINUTE, set: StatSet::EMPTY };

#[derive(Debug, Clone)]
struct HistogramSlot {
    minute: u64,
    /// Allocated on first use and reused (reset) afterwards.
    histogram: Option<Histogram>,
}

/// One series: rings indexed by `minute % len`, each slot tagged with the minute it holds.
#[derive(Debug, Clone)]
struct Series {
    sets: Vec<MinuteSlot>,
    histograms: Vec<HistogramSlot>,
    /// The newest minute published.
    newest: Option<u64>,
}

impl Series {
    fn new(options: &StoreOptions) -> Series {
        let mut s = Series { sets: Vec::new(), histograms: Vec::new(), newest: None };
        s.grow(options.retention_minutes.max(1), options.histogram_retention_minutes);
        s
    }

    /// Grows the rings to at least these lengths, keeping what they hold.
    fn grow(&mut self, set_minutes: u32, histogram_minutes: u32) {
        let (set_len, hist_len) = (set_minutes as usize, histogram_minutes as usize);
        if set_len > self.sets.len() {
            let mut sets = vec![EMPTY_SLOT; set_len];
            for slot in self.sets.iter().filter(|s| s.minute != NO_MINUTE) {
                sets[(slot.minute % set_len as u64) as usize] = *slot;
            }
            self.sets = sets;
        }
        if hist_len > self.histograms.len() {
            let mut histograms: Vec<HistogramSlot> = (0..hist_len).map(|_| HistogramSlot { minute: NO_MINUTE, histogram: None }).collect();
            for slot in std::mem::take(&mut self.histograms) {
                if slot.minute != NO_MINUTE {
                    let i = (slot.minute % hist_len as u64) as usize;
                    histograms[i] = slot;
                }
            }
            self.histograms = histograms;
        }
    }

    /// Whether `minute` is too old for the rings, given the newest minute published.
    fn expired(&self, minute: u64, len: usize) -> bool {
        self.newest.is_some_and(|n| minute + (len as u64) <= n)
    }

    fn add_set(&mut self, minute: u64, set: &StatSet) {
        let len = self.sets.len();
        if self.expired(minute, len) {
            return;
        }
        let slot = &mut self.sets[(minute % len as u64) as usize];
        if slot.minute != minute {
            // An older minute's slot (or a never-written one) is reused.
            *slot = MinuteSlot { minute, set: StatSet::EMPTY };
        }
        slot.set.merge(set);
        self.newest = Some(self.newest.map_or(minute, |n| n.max(minute)));
    }

    fn add_histogram(&mut self, minute: u64, h: &Histogram) {
        let len = self.histograms.len();
        if len == 0 || self.expired(minute, len) {
            return;
        }
        let slot = &mut self.histograms[(minute % len as u64) as usize];
        let histogram = slot.histogram.get_or_insert_with(Histogram::new);
        if slot.minute != minute {
            histogram.reset();
            slot.minute = minute;
        }
        histogram.merge(h);
    }

    fn set(&self, minute: u64) -> Option<&StatSet> {
        let slot = &self.sets[(minute % self.sets.len() as u64) as usize];
        (slot.minute == minute).then_some(&slot.set)
    }

    fn histogram(&self, minute: u64) -> Option<&Histogram> {
        if self.histograms.is_empty() {
            return None;
        }
        let slot = &self.histograms[(minute % self.histograms.len() as u64) as usize];
        if slot.minute == minute {
            slot.histogram.as_ref()
        } else {
            None
        }
    }

    fn heap_bytes(&self) -> usize {
        let allocated = self.histograms.iter().filter(|s| s.histogram.is_some()).count();
        self.sets.capacity() * std::mem::size_of::<MinuteSlot>()
            + self.histograms.capacity() * std::mem::size_of::<HistogramSlot>()
            + allocated * HEAP_BYTES
    }
}

/// Every series of a run and its recent datapoints.
#[derive(Debug, Clone, Default)]
pub struct MetricStore {
    options: StoreOptions,
    registry: MetricRegistry,
    series: Vec<Series>,
}

/// The minutes of the period of `period` minutes ending with `end_minute`, clipped to the
/// minutes that exist (≥ 0) and are visible (≤ `visible_until_minute`); `None` when empty.
fn period_minutes(period: Period, end_minute: u64, visible_until_minute: u64) -> Option<std::ops::RangeInclusive<u64>> {
    let first = (end_minute + 1).saturating_sub(u64::from(period.minutes()));
    let last = end_minute.min(visible_until_minute);
    (first <= last).then_some(first..=last)
}

impl MetricStore {
    pub fn new(options: StoreOptions) -> MetricStore {
        MetricStore { options, registry: MetricRegistry::default(), series: Vec::new() }
    }

    pub fn options(&self) -> &StoreOptions {
        &self.options
    }
    pub fn registry(&self) -> &MetricRegistry {
        &self.registry
    }

    /// The series of `metric`, created (empty) on first use.
    pub fn series(&mut self, metric: &MetricId) -> SeriesId {
        let s = self.registry.series(metric);
        if s.index() == self.series.len() {
            self.series.push(Series::new(&self.options));
        }
        s
    }

    /// The metric of series `s`.
    pub fn metric(&self, s: SeriesId) -> &MetricId {
        self.registry.metric(s)
    }

    /// Keeps at least `minutes` minutes of statistic sets for `s` — and of histograms too when
    /// `histograms` (a percentile alarm) — from now on.
    pub fn ensure_retention(&mut self, s: SeriesId, minutes: u32, histograms: bool) {
        let series = &mut self.series[s.index()];
        let hist = if histograms { minutes } else { 0 };
        series.grow(minutes, hist);
    }

    /// Minutes of statistic sets and of histograms kept for `s`.
    pub fn retention_minutes(&self, s: SeriesId) -> (u32, u32) {
        let series = &self.series[s.index()];
        (series.sets.len() as u32, series.histograms.len() as u32)
    }

    /// The newest minute visible to an alarm evaluated at the start of minute `now_minute`
    /// (instant 60·now_minute s): the last complete minute less the publication delay; `None`
    /// when no minute is visible yet.
    pub fn visible_until(&self, now_minute: u64) -> Option<u64> {
        now_minute.checked_sub(1 + u64::from(self.options.delay_minutes))
    }

    /// Adds one sample to `minute`. Samples of a minute older than the series' retention are
    /// dropped.
    pub fn publish(&mut self, s: SeriesId, minute: u64, value: f64) {
        self.publish_set(s, minute, StatSet::one(value));
    }

    /// Adds a statistic set to `minute` (merged with what the minute already holds).
    pub fn publish_set(&mut self, s: SeriesId, minute: u64, set: StatSet) {
        set.assert_valid();
        self.series[s.index()].add_set(minute, &set);
    }

    /// Adds a minute's latencies: the statistic set (in seconds, the unit of
    /// `TargetResponseTime`) and, within the histogram retention, the histogram itself for
    /// percentiles. An empty histogram publishes nothing (no datapoint, docs/ecs-model.md#alb-metrics).
    pub fn publish_histogram(&mut self, s: SeriesId, minute: u64, h: &Histogram) {
        let (Some(mean_s), Some(min), Some(max)) = (h.mean_secs(), h.min(), h.max()) else { return };
        let count = h.count() as f64;
        let set = StatSet { sample_count: count, sum: mean_s * count, min: min.as_secs_f64(), max: max.as_secs_f64() };
        self.publish_set(s, minute, set);
        self.series[s.index()].add_histogram(minute, h);
    }

    /// What minute `minute` of `s` holds.
    pub fn minute_set(&self, s: SeriesId, minute: u64) -> Option<StatSet> {
        self.series[s.index()].set(minute).copied()
    }

    /// The statistic set of the period ending with `end_minute` (its last minute), over the
    /// minutes visible by `visible_until_minute`; `None` when it holds no sample.
    pub fn aggregate(&self, s: SeriesId, period: Period, end_minute: u64, visible_until_minute: u64) -> Option<StatSet> {
        let series = &self.series[s.index()];
        let mut total = StatSet::EMPTY;
        for minute in period_minutes(period, end_minute, visible_until_minute)? {
            if let Some(set) = series.set(minute) {
                total.merge(set);
            }
        }
        (!total.is_empty()).then_some(total)
    }

    /// Merges the period's histograms into `merged` (reset first, so the caller's buffer is
    /// reused without allocating) and reads percentile `p`, in seconds. `None` when the period
    /// has no histogram sample; `merged.count()` is then the period's sample count.
    pub fn percentile(
        &self,
        s: SeriesId,
        period: Period,
        end_minute: u64,
        visible_until_minute: u64,
        p: Percentile,
        merged: &mut Histogram,
    ) -> Option<f64> {
        merged.reset();
        let series = &self.series[s.index()];
        for minute in period_minutes(period, end_minute, visible_until_minute)? {
            if let Some(h) = series.histogram(minute) {
                merged.merge(h);
            }
        }
        merged.percentile(p.percent()).map(|v| v.as_secs_f64())
    }

    /// One datapoint: `statistic` over the period ending with `end_minute`, from the minutes
    /// visible by `visible_until_minute` (pass `end_minute` for no delay). `None` (missing) when
    /// the period holds no sample — never 0. Percentiles allocate a histogram for the merge;
    /// alarms use [`MetricStore::percentile`] with a buffer of their own.
    pub fn datapoint(&self, s: SeriesId, period: Period, end_minute: u64, visible_until_minute: u64, statistic: Statistic) -> Option<f64> {
        match statistic {
            Statistic::Percentile(p) => self.percentile(s, period, end_minute, visible_until_minute, p, &mut Histogram::new()),
            other => self.aggregate(s, period, end_minute, visible_until_minute)?.value(other),
        }
    }

    /// Approximate heap memory of the series' rings, in bytes (flat in the run's length).
    pub fn heap_bytes(&self) -> usize {
        self.series.iter().map(Series::heap_bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::ConfigError;
    use crate::engine::Span;

    fn store() -> (MetricStore, SeriesId) {
        let mut store = MetricStore::new(StoreOptions::default());
        let s = store.series(&MetricId::new("AWS/ECS", "CPUUtilization", [("ServiceName", "web"), ("ClusterName", "prod")]));
        (store, s)
    }

    #[test]
    fn dimensions_are_sorted_so_order_does_not_make_a_new_series() {
        let mut r = MetricRegistry::default();
        let a = r.series(&MetricId::new("AWS/ECS", "CPUUtilization", [("ServiceName", "web"), ("ClusterName", "prod")]));
        let b = r.series(&MetricId::new("AWS/ECS", "CPUUtilization", [("ClusterName", "prod"), ("ServiceName", "web")]));
        let c = r.series(&MetricId::new("AWS/ECS", "CPUUtilization", [("ClusterName", "prod")]));
        assert_eq!((a, b, c), (SeriesId(0), SeriesId(0), SeriesId(1)));
        assert_eq!(r.metric(a).to_string(), "AWS/ECS CPUUtilization {ClusterName=prod, ServiceName=web}");
        assert_eq!(r.metric(a).dimension("ServiceName"), Some("web"));
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn periods_are_whole_minutes_up_to_a_day() {
        assert_eq!(Period::from_seconds(300).map(Period::minutes), Ok(5));
        assert_eq!(Period::from_seconds(86_400).map(Period::minutes), Ok(1440));
        assert_eq!(Period::from_seconds(10), Err(ConfigError::HighResolutionPeriod { period_s: 10 }));
        assert_eq!(Period::from_seconds(30), Err(ConfigError::HighResolutionPeriod { period_s: 30 }));
        assert_eq!(Period::from_seconds(90), Err(ConfigError::Period { period_s: 90 }));
        assert_eq!(Period::from_seconds(86_460), Err(ConfigError::Period { period_s: 86_460 }));
        assert_eq!(Period::from_seconds(0), Err(ConfigError::Period { period_s: 0 }));
    }

    #[test]
    fn statistics_parse_and_print_as_cloudwatch_spells_them() {
        for s in ["SampleCount", "Average", "Sum", "Minimum", "Maximum", "p99", "p99.9", "p50.25", "p0", "p100"] {
            assert_eq!(s.parse::<Statistic>().unwrap().to_string(), s);
        }
        assert_eq!("p99.90".parse::<Statistic>().unwrap().to_string(), "p99.9");
        assert!(matches!("Avg".parse::<Statistic>(), Err(ConfigError::UnknownStatistic { .. })));
        assert!(matches!("tm99".parse::<Statistic>(), Err(ConfigError::UnmodelledExtendedStatistic { .. })));
        assert!(matches!(Statistic::parse_standard("p99"), Err(ConfigError::PercentileInStatistic { .. })));
        for bad in ["tm99", "wm90", "TC(10%:90%)", "IQM", "PR(:300)"] {
            assert!(matches!(Statistic::parse_extended(bad), Err(ConfigError::UnmodelledExtendedStatistic { .. })), "{bad}");
        }
        for bad in ["p", "p9x", "p.5", "p5.", "p99.999", "p101", "P99", "Average"] {
            assert!(matches!(Statistic::parse_extended(bad), Err(ConfigError::UnknownStatistic { .. })), "{bad}");
        }
    }

    #[test]
    fn the_low_sample_threshold_follows_the_documented_formula() {
        let t = |s: &str| Percentile::parse(s).unwrap().low_sample_threshold();
        assert_eq!(t("p99"), Some(1000.0));
        assert_eq!(t("p99.9"), Some(10_000.0));
        assert_eq!(t("p50"), Some(20.0));
        assert_eq!(t("p10"), Some(100.0));
        assert_eq!((t("p0"), t("p100")), (None, None));
    }

    #[test]
    fn a_minute_merges_everything_published_into_it() {
        let (mut store, s) = store();
        store.publish(s, 7, 200.0);
        store.publish(s, 7, 50.0);
        let set = store.minute_set(s, 7).unwrap();
        assert_eq!(set, StatSet { sample_count: 2.0, sum: 250.0, min: 50.0, max: 200.0 });
        assert_eq!(store.minute_set(s, 6), None);
    }

    #[test]
    fn a_period_without_samples_is_missing_not_zero() {
        let (mut store, s) = store();
        store.publish(s, 0, 10.0);
        for stat in [Statistic::SampleCount, Statistic::Sum, Statistic::Average] {
            assert_eq!(store.datapoint(s, Period::MINUTE, 1, 1, stat), None);
        }
        // Minutes before 0 do not exist; a period reaching back past 0 uses what there is.
        assert_eq!(store.datapoint(s, Period::from_minutes(5), 0, 0, Statistic::Sum), Some(10.0));
    }

    #[test]
    fn minutes_not_yet_visible_are_left_out_of_the_period() {
        let (mut store, s) = store();
        for minute in 0..5 {
            store.publish(s, minute, minute as f64);
        }
        let five = Period::from_minutes(5);
        assert_eq!(store.datapoint(s, five, 4, 4, Statistic::Sum), Some(10.0));
        assert_eq!(store.datapoint(s, five, 4, 2, Statistic::Sum), Some(3.0));
        let delayed = MetricStore::new(StoreOptions { delay_minutes: 2, ..StoreOptions::default() });
        assert_eq!((delayed.visible_until(3), delayed.visible_until(2)), (Some(0), None));
    }

    #[test]
    fn growing_a_ring_keeps_its_minutes() {
        let (mut store, s) = store();
        for minute in 0..3000 {
            store.publish(s, minute, 1.0);
        }
        assert_eq!(store.minute_set(s, 3000 - 1440), Some(StatSet::one(1.0)));
        assert_eq!(store.minute_set(s, 3000 - 1441), None);
        // Publishing into an expired minute changes nothing.
        store.publish(s, 10, 5.0);
        assert_eq!(store.minute_set(s, 10), None);
        store.ensure_retention(s, 4000, false);
        assert_eq!(store.retention_minutes(s), (4000, DEFAULT_HISTOGRAM_RETENTION_MINUTES));
        assert_eq!(store.minute_set(s, 2999), Some(StatSet::one(1.0)));
        assert_eq!(store.minute_set(s, 3000 - 1440), Some(StatSet::one(1.0)));
    }

    #[test]
    fn histograms_give_the_statistic_set_in_seconds() {
        let (mut store, s) = store();
        let mut h = Histogram::new();
        for ms in [100, 200, 300] {
            h.record(Span::from_millis(ms));
        }
        store.publish_histogram(s, 0, &h);
        store.publish_histogram(s, 1, &Histogram::new());
        let set = store.minute_set(s, 0).unwrap();
        assert_eq!((set.sample_count, set.min, set.max), (3.0, 0.1, 0.3));
        assert!((set.sum - 0.6).abs() < 1e-12);
        assert_eq!(store.minute_set(s, 1), None);
        assert_eq!(store.datapoint(s, Period::MINUTE, 0, 0, "p100".parse().unwrap()), Some(0.3));
    }
}
