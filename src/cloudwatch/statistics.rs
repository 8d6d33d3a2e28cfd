//! Periods, statistics and the per-minute statistic set (docs/ecs-model.md#metrics-and-periods): what a datapoint holds
//! and which number an alarm or a query reads from it — `Period` (whole minutes, 1 to 1440),
//! `Statistic` (SampleCount, Average, Sum, Minimum, Maximum, pNN), `Percentile` and `StatSet`.
//! The store that keeps them over time is [`super::metrics`].

use super::{ConfigError, DAY_S, MINUTE_S};
use std::fmt;
use std::str::FromStr;

/// An alarm or query period: a whole number of minutes, 1 to 1440 (docs/ecs-model.md#metrics-and-periods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    minutes: u32,
}

impl Period {
    pub const MINUTE: Period = Period { minutes: 1 };

    /// A Period as PutMetricAlarm gives it, in seconds. 10 and 30 s (high-resolution alarms)
    /// and 1/5 s are refused as not modelled; anything else must be a multiple of 60 up to a day.
    pub fn from_seconds(period_s: i64) -> Result<Period, ConfigError> {
        if matches!(period_s, 1 | 5 | 10 | 30) {
            return Err(ConfigError::HighResolutionPeriod { period_s });
        }
        let minute = i64::from(MINUTE_S);
        if period_s <= 0 || period_s % minute != 0 || period_s > i64::from(DAY_S) {
            return Err(ConfigError::Period { period_s });
        }
        Ok(Period { minutes: (period_s / minute) as u32 })
    }
    /// `minutes` minutes; panics outside 1..=1440 (a model bug, not a user's input).
    pub fn from_minutes(minutes: u32) -> Period {
        assert!((1..=DAY_S / MINUTE_S).contains(&minutes), "a period is 1 to 1440 minutes, not {minutes}");
        Period { minutes }
    }
    pub fn minutes(self) -> u32 {
        self.minutes
    }
    pub fn seconds(self) -> u32 {
        self.minutes * MINUTE_S
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} s", self.seconds())
    }
}

/// A percentile statistic `pNN.NN`, held in hundredths of a percent (`p99.9` = 9990) so that it
/// compares and prints exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percentile {
    hundredths: u16,
}

impl Percentile {
    /// `hundredths` of a percent, 0..=10000.
    pub fn from_hundredths(hundredths: u16) -> Percentile {
        assert!(hundredths <= 10_000, "a percentile is at most p100");
        Percentile { hundredths }
    }
    /// The percentile in percent (99.9 for p99.9).
    pub fn percent(self) -> f64 {
        f64::from(self.hundredths) / 100.0
    }
    pub fn hundredths(self) -> u16 {
        self.hundredths
    }

    /// Parses `p99`, `p99.9`, `p50.25` (at most two decimals, 0 to 100).
    pub fn parse(text: &str) -> Option<Percentile> {
        let digits = text.strip_prefix('p')?;
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 3 || frac.len() > 2 || !all_digits(whole) || !all_digits(frac) {
            return None;
        }
        if digits.contains('.') && frac.is_empty() {
            return None;
        }
        let whole: u32 = whole.parse().ok()?;
        let frac: u32 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
        let hundredths = whole * 100 + frac;
        (hundredths <= 10_000).then_some(Percentile { hundredths: hundredths as u16 })
    }

    /// Below how many samples a period is "low sample" for this percentile (docs/ecs-model.md#statistics): for
    /// 0.5 ≤ p < 1, 10 / (1 − p) (p99 → 1000); for 0 < p < 0.5, 10 / p. p0 and p100 are the
    /// minimum and maximum, known exactly from any sample: no rule.
    pub fn low_sample_threshold(self) -> Option<f64> {
        // Integer hundredths keep p99's threshold at exactly 1000.
        let h = u32::from(self.hundredths);
        match h {
            0 | 10_000 => None,
            5_000.. => Some(100_000.0 / f64::from(10_000 - h)),
            _ => Some(100_000.0 / f64::from(h)),
        }
    }
}

impl fmt::Display for Percentile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.hundredths / 100, self.hundredths % 100);
        match frac {
            0 => write!(f, "p{whole}"),
            _ if frac % 10 == 0 => write!(f, "p{whole}.{}", frac / 10),
            _ => write!(f, "p{whole}.{frac:02}"),
        }
    }
}

/// How a period's samples become one value (docs/ecs-model.md#statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statistic {
    SampleCount,
    Average,
    Sum,
    Minimum,
    Maximum,
    /// From the period's merged histograms.
    Percentile(Percentile),
}

impl Statistic {
    /// A PutMetricAlarm `Statistic` (the five standard ones only).
    pub fn parse_standard(text: &str) -> Result<Statistic, ConfigError> {
        Ok(match text {
            "SampleCount" => Statistic::SampleCount,
            "Average" => Statistic::Average,
            "Sum" => Statistic::Sum,
            "Minimum" => Statistic::Minimum,
            "Maximum" => Statistic::Maximum,
            _ if Percentile::parse(text).is_some() => return Err(ConfigError::PercentileInStatistic { text: text.into() }),
            _ => return Err(ConfigError::UnknownStatistic { text: text.into() }),
        })
    }

    /// A PutMetricAlarm `ExtendedStatistic`: a percentile. The other extended statistics
    /// (trimmed means, trimmed counts and sums, percentile ranks, IQM) are refused as not
    /// modelled; a standard name is refused with the advice to use `Statistic`.
    pub fn parse_extended(text: &str) -> Result<Statistic, ConfigError> {
        if let Some(p) = Percentile::parse(text) {
            return Ok(Statistic::Percentile(p));
        }
        // CloudWatch's other extended statistics: trimmed mean, winsorized mean, trimmed count,
        // trimmed sum, percentile rank and interquartile mean.
        let lower = text.to_ascii_lowercase();
        if ["tm", "wm", "tc", "ts", "pr(", "iqm"].iter().any(|k| lower.starts_with(k)) {
            Err(ConfigError::UnmodelledExtendedStatistic { text: text.into() })
        } else {
            Err(ConfigError::UnknownStatistic { text: text.into() })
        }
    }

    pub fn percentile(self) -> Option<Percentile> {
        match self {
            Statistic::Percentile(p) => Some(p),
            _ => None,
        }
    }
}

impl FromStr for Statistic {
    type Err = ConfigError;
    /// "Average", "Sum", "Minimum", "Maximum", "SampleCount", or a percentile ("p99", "p99.9").
    fn from_str(text: &str) -> Result<Statistic, ConfigError> {
        match (Statistic::parse_standard(text), Statistic::parse_extended(text)) {
            (Ok(s), _) | (_, Ok(s)) => Ok(s),
            (_, Err(e @ ConfigError::UnmodelledExtendedStatistic { .. })) => Err(e),
            (Err(e), _) => Err(e),
        }
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::SampleCount => f.write_str("SampleCount"),
            Statistic::Average => f.write_str("Average"),
            Statistic::Sum => f.write_str("Sum"),
            Statistic::Minimum => f.write_str("Minimum"),
            Statistic::Maximum => f.write_str("Maximum"),
            Statistic::Percentile(p) => write!(f, "{p}"),
        }
    }
}

/// A statistic set: what one minute (or a period) holds without its samples — PutMetricData's
/// `StatisticValues`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatSet {
    pub sample_count: f64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

impl StatSet {
    /// No samples (the identity of `merge`).
    pub const EMPTY: StatSet = StatSet { sample_count: 0.0, sum: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY };

    /// One sample.
    pub fn one(value: f64) -> StatSet {
        StatSet { sample_count: 1.0, sum: value, min: value, max: value }
    }
    pub fn is_empty(&self) -> bool {
        self.sample_count <= 0.0
    }
    pub fn add(&mut self, value: f64) {
        self.merge(&StatSet::one(value));
    }
    pub fn merge(&mut self, other: &StatSet) {
        self.sample_count += other.sample_count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
    /// Sum ÷ SampleCount; `None` when empty.
    pub fn average(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.sum / self.sample_count)
    }
    /// A standard statistic of the set; `None` when empty, and for percentiles (they need the
    /// histogram: [`MetricStore::datapoint`]).
    pub fn value(&self, statistic: Statistic) -> Option<f64> {
        if self.is_empty() {
            return None;
        }
        match statistic {
            Statistic::SampleCount => Some(self.sample_count),
            Statistic::Average => self.average(),
            Statistic::Sum => Some(self.sum),
            Statistic::Minimum => Some(self.min),
            Statistic::Maximum => Some(self.max),
            Statistic::Percentile(_) => None,
        }
    }
    /// Panics on a set CloudWatch would refuse: published values are the simulator's own, so a
    /// bad one is a model bug.
    pub(super) fn assert_valid(&self) {
        assert!(
            self.sample_count > 0.0 && self.sum.is_finite() && self.min.is_finite() && self.max.is_finite() && self.min <= self.max,
            "invalid statistic set {self:?}"
        );
    }
}
