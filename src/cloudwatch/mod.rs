//! CloudWatch as ECS users meet it (docs/ecs-model.md#cloudwatch): a store of one-minute metric datapoints with
//! statistics over periods (`metrics`), and metric alarms evaluated once a minute with
//! CloudWatch's missing-data rules (`alarm`).
//!
//! Pure library code: no clock and no I/O. The simulation publishes each minute's values at the
//! minute boundary and then evaluates the alarms; minutes are whole indices (`minute k` is
//! `[60k, 60(k+1))` s of simulated time, see [`minute_index`]). Imports `engine` and
//! `elb::histogram` (the latency histogram is reused for percentile statistics).

pub mod actions;
pub mod alarm;
pub mod metrics;
pub mod statistics;

pub use alarm::{
    decide, Alarm, AlarmConfig, AlarmState, Basis, ComparisonOperator, LowSampleCountPercentile, Transition, TreatMissingData, Verdict,
};
pub use metrics::{MetricId, MetricRegistry, MetricStore, Percentile, Period, SeriesId, StatSet, Statistic, StoreOptions};

use crate::engine::SimTime;
use std::fmt;

/// Seconds in a standard-resolution datapoint.
pub const MINUTE_S: u32 = 60;
/// Longest period, and longest `EvaluationPeriods × Period`: one day.
pub const DAY_S: u32 = 86_400;

/// The minute index holding simulated instant `t`: minute `k` is `[60k, 60(k+1))` s.
pub fn minute_index(t: SimTime) -> u64 {
    t.as_micros() / (u64::from(MINUTE_S) * crate::engine::time::MICROS_PER_SECOND)
}

/// A PutMetricAlarm setting CloudWatch would refuse, or one ecsim does not model. The text says
/// what is wrong; [`ConfigError::help`] says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// 10 or 30 s (and the 1/5 s of high-resolution metrics): only 60 s datapoints are modelled.
    HighResolutionPeriod {
        period_s: i64,
    },
    /// Not a positive multiple of 60, or longer than a day.
    Period {
        period_s: i64,
    },
    UnknownStatistic {
        text: String,
    },
    /// An extended statistic other than a percentile (`tm99`, `wm90`, `IQM`, `PR(…)`, …).
    UnmodelledExtendedStatistic {
        text: String,
    },
    /// A percentile statistic written in `Statistic` rather than `ExtendedStatistic`.
    PercentileInStatistic {
        text: String,
    },
    UnknownComparisonOperator {
        text: String,
    },
    /// One of the anomaly-detection band operators.
    AnomalyOperator {
        text: String,
    },
    UnknownTreatMissingData {
        text: String,
    },
    UnknownLowSampleCountPercentile {
        text: String,
    },
    ZeroEvaluationPeriods,
    ZeroDatapointsToAlarm,
    /// `DatapointsToAlarm` (M) above `EvaluationPeriods` (N).
    DatapointsAboveEvaluationPeriods {
        datapoints: u32,
        evaluation_periods: u32,
    },
    /// `EvaluationPeriods × Period` above one day.
    EvaluationLongerThanADay {
        evaluation_periods: u32,
        period_s: u32,
    },
    ThresholdNotFinite,
}

/// The standard statistics, as PutMetricAlarm spells them.
pub const STATISTICS: [&str; 5] = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
/// The four static-threshold operators.
pub const COMPARISON_OPERATORS: [&str; 4] =
    ["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"];
/// The anomaly-detection operators (a band from a model, out of scope).
pub const ANOMALY_OPERATORS: [&str; 3] =
    ["LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"];
/// `TreatMissingData` values.
pub const TREATMENTS: [&str; 4] = ["missing", "ignore", "breaching", "notBreaching"];
/// `EvaluateLowSampleCountPercentile` values.
pub const LOW_SAMPLE_SETTINGS: [&str; 2] = ["evaluate", "ignore"];

impl ConfigError {
    /// What to change.
    pub fn help(&self) -> String {
        match self {
            ConfigError::HighResolutionPeriod { .. } => {
                "ecsim models standard-resolution (60 s) metrics only: use a Period of 60 or a multiple of 60".into()
            }
            ConfigError::Period { .. } => "use 60 or a multiple of 60, at most 86400 (one day)".into(),
            ConfigError::UnknownStatistic { .. } => {
                format!(
                    "use one of {} in Statistic, or a percentile p0–p100 with at most two decimals (\"p99\", \"p99.9\") in \
                     ExtendedStatistic",
                    STATISTICS.join(", ")
                )
            }
            ConfigError::UnmodelledExtendedStatistic { .. } => {
                "ecsim computes percentiles (\"p90\", \"p99\", \"p99.9\"); use one of those or a standard Statistic".into()
            }
            ConfigError::PercentileInStatistic { text } => format!("write \"ExtendedStatistic\": \"{text}\" instead of Statistic"),
            ConfigError::UnknownComparisonOperator { .. } => format!("use one of {}", COMPARISON_OPERATORS.join(", ")),
            ConfigError::AnomalyOperator { .. } => {
                format!("anomaly-detection bands are not modelled; use a static threshold with one of {}", COMPARISON_OPERATORS.join(", "))
            }
            ConfigError::UnknownTreatMissingData { .. } => format!("use one of {}", TREATMENTS.join(", ")),
            ConfigError::UnknownLowSampleCountPercentile { .. } => "use \"evaluate\" (the default) or \"ignore\"".into(),
            ConfigError::ZeroEvaluationPeriods => "EvaluationPeriods is the N of \"M out of N\": at least 1".into(),
            ConfigError::ZeroDatapointsToAlarm => "DatapointsToAlarm is the M of \"M out of N\": at least 1 (omit it for M = N)".into(),
            ConfigError::DatapointsAboveEvaluationPeriods { evaluation_periods, .. } => {
                format!("lower DatapointsToAlarm to at most {evaluation_periods}, or raise EvaluationPeriods")
            }
            ConfigError::EvaluationLongerThanADay { period_s, .. } => {
                format!("with a Period of {period_s} s, EvaluationPeriods can be at most {}", DAY_S / (*period_s).max(1))
            }
            ConfigError::ThresholdNotFinite => "give a finite number".into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::HighResolutionPeriod { period_s } => {
                write!(f, "a Period of {period_s} s is a high-resolution alarm, which ecsim does not model")
            }
            ConfigError::Period { period_s } if *period_s <= 0 => write!(f, "a Period of {period_s} s is not positive"),
            ConfigError::Period { period_s } if *period_s > i64::from(DAY_S) => {
                write!(f, "a Period of {period_s} s is longer than one day (86400 s)")
            }
            ConfigError::Period { period_s } => write!(f, "a Period of {period_s} s is not a multiple of 60 s"),
            ConfigError::UnknownStatistic { text } => write!(f, "unknown statistic \"{text}\""),
            ConfigError::UnmodelledExtendedStatistic { text } => {
                write!(f, "extended statistic \"{text}\" is not modelled (only percentiles pNN are)")
            }
            ConfigError::PercentileInStatistic { text } => {
                write!(f, "\"{text}\" is a percentile, which PutMetricAlarm takes in ExtendedStatistic, not Statistic")
            }
            ConfigError::UnknownComparisonOperator { text } => write!(f, "unknown comparison operator \"{text}\""),
            ConfigError::AnomalyOperator { text } => write!(f, "\"{text}\" compares with an anomaly-detection band"),
            ConfigError::UnknownTreatMissingData { text } => write!(f, "unknown TreatMissingData \"{text}\""),
            ConfigError::UnknownLowSampleCountPercentile { text } => write!(f, "unknown EvaluateLowSampleCountPercentile \"{text}\""),
            ConfigError::ZeroEvaluationPeriods => write!(f, "EvaluationPeriods is 0"),
            ConfigError::ZeroDatapointsToAlarm => write!(f, "DatapointsToAlarm is 0"),
            ConfigError::DatapointsAboveEvaluationPeriods { datapoints, evaluation_periods } => write!(
                f,
                "DatapointsToAlarm ({datapoints}) is more than EvaluationPeriods ({evaluation_periods}): \
                 the alarm could never see enough breaching datapoints"
            ),
            ConfigError::EvaluationLongerThanADay { evaluation_periods, period_s } => write!(
                f,
                "EvaluationPeriods × Period is {evaluation_periods} × {period_s} s = {} s, more than one day (86400 s)",
                u64::from(*evaluation_periods) * u64::from(*period_s)
            ),
            ConfigError::ThresholdNotFinite => write!(f, "the Threshold is not a finite number"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_indices_split_time_at_whole_minutes() {
        assert_eq!(minute_index(SimTime::ZERO), 0);
        assert_eq!(minute_index(SimTime::from_secs(59)), 0);
        assert_eq!(minute_index(SimTime::from_secs(60)), 1);
        assert_eq!(minute_index(SimTime::from_secs(3600)), 60);
    }

    #[test]
    fn every_error_says_what_to_change() {
        let e = ConfigError::EvaluationLongerThanADay { evaluation_periods: 25, period_s: 3600 };
        assert_eq!(e.to_string(), "EvaluationPeriods × Period is 25 × 3600 s = 90000 s, more than one day (86400 s)");
        assert_eq!(e.help(), "with a Period of 3600 s, EvaluationPeriods can be at most 24");
        assert_eq!(ConfigError::Period { period_s: 90 }.to_string(), "a Period of 90 s is not a multiple of 60 s");
        assert_eq!(ConfigError::Period { period_s: 0 }.to_string(), "a Period of 0 s is not positive");
    }
}
