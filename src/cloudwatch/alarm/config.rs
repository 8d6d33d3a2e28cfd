//! PutMetricAlarm's settings (docs/ecs-model.md#alarms): the three states, the comparison operators, the
//! treatments of missing data and of low-sample percentiles, and [`AlarmConfig`] with the
//! checks CloudWatch makes when an alarm is put. The evaluation that uses them is in the parent
//! module.

use super::EXTRA_RANGE_PERIODS;
use crate::cloudwatch::metrics::{MetricId, Period, Statistic};
use crate::cloudwatch::{ConfigError, DAY_S};
use std::fmt;
use std::str::FromStr;

/// An alarm's state; a new alarm starts in `InsufficientData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

impl fmt::Display for AlarmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        })
    }
}

/// The static-threshold comparisons (anomaly-detection bands are out of scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComparisonOperator {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl ComparisonOperator {
    /// Whether `value` breaches `threshold`.
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => value >= threshold,
            ComparisonOperator::GreaterThanThreshold => value > threshold,
            ComparisonOperator::LessThanThreshold => value < threshold,
            ComparisonOperator::LessThanOrEqualToThreshold => value <= threshold,
        }
    }
    /// The words CloudWatch's reasons use ("greater than or equal to").
    pub fn phrase(self) -> &'static str {
        match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => "greater than or equal to",
            ComparisonOperator::GreaterThanThreshold => "greater than",
            ComparisonOperator::LessThanThreshold => "less than",
            ComparisonOperator::LessThanOrEqualToThreshold => "less than or equal to",
        }
    }
}

impl FromStr for ComparisonOperator {
    type Err = ConfigError;
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        Ok(match text {
            "GreaterThanOrEqualToThreshold" => ComparisonOperator::GreaterThanOrEqualToThreshold,
            "GreaterThanThreshold" => ComparisonOperator::GreaterThanThreshold,
            "LessThanThreshold" => ComparisonOperator::LessThanThreshold,
            "LessThanOrEqualToThreshold" => ComparisonOperator::LessThanOrEqualToThreshold,
            _ if crate::cloudwatch::ANOMALY_OPERATORS.contains(&text) => return Err(ConfigError::AnomalyOperator { text: text.into() }),
            _ => return Err(ConfigError::UnknownComparisonOperator { text: text.into() }),
        })
    }
}

impl fmt::Display for ComparisonOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// `TreatMissingData`: what a missing datapoint counts as when fewer than N are real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TreatMissingData {
    /// Not counted; no data at all → INSUFFICIENT_DATA (the default).
    #[default]
    Missing,
    /// Not counted; no data at all (or a premature ALARM) → the state stays as it is.
    Ignore,
    Breaching,
    NotBreaching,
}

impl FromStr for TreatMissingData {
    type Err = ConfigError;
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        Ok(match text {
            "missing" => TreatMissingData::Missing,
            "ignore" => TreatMissingData::Ignore,
            "breaching" => TreatMissingData::Breaching,
            "notBreaching" => TreatMissingData::NotBreaching,
            _ => return Err(ConfigError::UnknownTreatMissingData { text: text.into() }),
        })
    }
}

impl fmt::Display for TreatMissingData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TreatMissingData::Missing => "missing",
            TreatMissingData::Ignore => "ignore",
            TreatMissingData::Breaching => "breaching",
            TreatMissingData::NotBreaching => "notBreaching",
        })
    }
}

/// `EvaluateLowSampleCountPercentile`: what a percentile alarm does while its datapoints rest
/// on too few samples (docs/ecs-model.md#statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LowSampleCountPercentile {
    /// Evaluate anyway (the default when omitted).
    #[default]
    Evaluate,
    /// Keep the current state until there are enough samples.
    Ignore,
}

impl FromStr for LowSampleCountPercentile {
    type Err = ConfigError;
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        match text {
            "evaluate" => Ok(LowSampleCountPercentile::Evaluate),
            "ignore" => Ok(LowSampleCountPercentile::Ignore),
            _ => Err(ConfigError::UnknownLowSampleCountPercentile { text: text.into() }),
        }
    }
}

/// A metric alarm's settings, as PutMetricAlarm takes them.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmConfig {
    /// `AlarmName`.
    pub name: String,
    /// `Namespace`, `MetricName`, `Dimensions`.
    pub metric: MetricId,
    /// `Statistic`, or a percentile from `ExtendedStatistic`.
    pub statistic: Statistic,
    pub period: Period,
    /// N.
    pub evaluation_periods: u32,
    /// M (PutMetricAlarm's default: N).
    pub datapoints_to_alarm: u32,
    pub threshold: f64,
    pub comparison: ComparisonOperator,
    pub treat_missing_data: TreatMissingData,
    /// Only read for percentile statistics.
    pub evaluate_low_sample_count_percentile: LowSampleCountPercentile,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
}

impl AlarmConfig {
    /// An "N out of N" alarm with PutMetricAlarm's defaults: missing data treated as `missing`,
    /// low-sample percentiles evaluated, actions enabled, no actions.
    pub fn new(
        name: impl Into<String>,
        metric: MetricId,
        statistic: Statistic,
        period: Period,
        evaluation_periods: u32,
        comparison: ComparisonOperator,
        threshold: f64,
    ) -> AlarmConfig {
        AlarmConfig {
            name: name.into(),
            metric,
            statistic,
            period,
            evaluation_periods,
            datapoints_to_alarm: evaluation_periods,
            threshold,
            comparison,
            treat_missing_data: TreatMissingData::Missing,
            evaluate_low_sample_count_percentile: LowSampleCountPercentile::Evaluate,
            actions_enabled: true,
            alarm_actions: Vec::new(),
            ok_actions: Vec::new(),
            insufficient_data_actions: Vec::new(),
        }
    }

    /// The same alarm as "M out of N".
    pub fn with_datapoints_to_alarm(mut self, m: u32) -> AlarmConfig {
        self.datapoints_to_alarm = m;
        self
    }
    pub fn with_treat_missing_data(mut self, t: TreatMissingData) -> AlarmConfig {
        self.treat_missing_data = t;
        self
    }
    pub fn with_low_sample_count_percentile(mut self, l: LowSampleCountPercentile) -> AlarmConfig {
        self.evaluate_low_sample_count_percentile = l;
        self
    }

    /// Everything CloudWatch would refuse (docs/ecs-model.md#alarms: M ≤ N, N × Period ≤ 1 day), in field
    /// order. Periods and names are checked where they are parsed.
    pub fn problems(&self) -> Vec<ConfigError> {
        let (n, m) = (self.evaluation_periods, self.datapoints_to_alarm);
        let mut out = Vec::new();
        if n == 0 {
            out.push(ConfigError::ZeroEvaluationPeriods);
        } else if u64::from(n) * u64::from(self.period.seconds()) > u64::from(DAY_S) {
            out.push(ConfigError::EvaluationLongerThanADay { evaluation_periods: n, period_s: self.period.seconds() });
        }
        if m == 0 {
            out.push(ConfigError::ZeroDatapointsToAlarm);
        } else if n > 0 && m > n {
            out.push(ConfigError::DatapointsAboveEvaluationPeriods { datapoints: m, evaluation_periods: n });
        }
        if !self.threshold.is_finite() {
            out.push(ConfigError::ThresholdNotFinite);
        }
        out
    }

    /// The first of [`AlarmConfig::problems`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.problems().into_iter().next().map_or(Ok(()), Err)
    }

    /// Periods one evaluation reads: N + 2.
    pub fn evaluation_range(&self) -> u32 {
        self.evaluation_periods + EXTRA_RANGE_PERIODS
    }

    /// Minutes of data one evaluation reads (without the publication delay).
    pub fn window_minutes(&self) -> u32 {
        self.evaluation_range() * self.period.minutes()
    }

    /// N × Period in seconds: the "evaluation interval", which docs/ecs-model.md also takes as a
    /// deployment's alarm bake time (docs/ecs-model.md#deployment-alarms).
    pub fn evaluation_interval_s(&self) -> u64 {
        u64::from(self.evaluation_periods) * u64::from(self.period.seconds())
    }
}
