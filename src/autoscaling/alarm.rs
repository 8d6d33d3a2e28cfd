//! Alarms as plain data (docs/ecs-model.md#alarms field names). Target tracking creates and owns two alarms;
//! this module describes them so that the CloudWatch layer can create them, without this layer
//! depending on it.

/// A metric series and the statistic an alarm reads from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricSpec {
    pub namespace: String,
    pub metric_name: String,
    /// (Name, Value) pairs, in the order given.
    pub dimensions: Vec<(String, String)>,
    pub statistic: Statistic,
}

/// CloudWatch statistics a scaling metric may use (`CustomizedMetricSpecification.Statistic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    Average,
    Minimum,
    Maximum,
    SampleCount,
    Sum,
}

impl Statistic {
    pub const ALL: [Statistic; 5] = [Statistic::Average, Statistic::Minimum, Statistic::Maximum, Statistic::SampleCount, Statistic::Sum];

    pub fn as_str(self) -> &'static str {
        match self {
            Statistic::Average => "Average",
            Statistic::Minimum => "Minimum",
            Statistic::Maximum => "Maximum",
            Statistic::SampleCount => "SampleCount",
            Statistic::Sum => "Sum",
        }
    }

    pub fn parse(s: &str) -> Option<Statistic> {
        Statistic::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `ComparisonOperator` (the anomaly-band ones are out of scope, docs/ecs-model.md#alarms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Comparison::GreaterThanThreshold => "GreaterThanThreshold",
            Comparison::LessThanThreshold => "LessThanThreshold",
            Comparison::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
        }
    }

    /// Whether a datapoint `value` breaches `threshold`.
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => value >= threshold,
            Comparison::GreaterThanThreshold => value > threshold,
            Comparison::LessThanThreshold => value < threshold,
            Comparison::LessThanOrEqualToThreshold => value <= threshold,
        }
    }
}

/// `TreatMissingData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreatMissingData {
    Missing,
    Ignore,
    Breaching,
    NotBreaching,
}

impl TreatMissingData {
    pub fn as_str(self) -> &'static str {
        match self {
            TreatMissingData::Missing => "missing",
            TreatMissingData::Ignore => "ignore",
            TreatMissingData::Breaching => "breaching",
            TreatMissingData::NotBreaching => "notBreaching",
        }
    }
}

/// Which of a target-tracking policy's two alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlarmKind {
    /// Metric above the target: scale out.
    High,
    /// Metric well below the target: scale in.
    Low,
}

impl AlarmKind {
    /// `AlarmHigh` / `AlarmLow`, as in the names AWS gives the alarms.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::High => "AlarmHigh",
            AlarmKind::Low => "AlarmLow",
        }
    }

    /// The kind named in an alarm name `TargetTracking-…-AlarmHigh-<id>`.
    pub fn of_alarm_name(name: &str) -> Option<AlarmKind> {
        if !name.starts_with("TargetTracking-") {
            return None;
        }
        if name.contains("-AlarmHigh-") {
            Some(AlarmKind::High)
        } else if name.contains("-AlarmLow-") {
            Some(AlarmKind::Low)
        } else {
            None
        }
    }
}

/// A metric alarm to create (PutMetricAlarm's fields).
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    pub name: String,
    pub metric: MetricSpec,
    pub threshold: f64,
    pub comparison: Comparison,
    pub period_s: u32,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub treat_missing: TreatMissingData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Statistic::ALL {
            assert_eq!(Statistic::parse(s.as_str()), Some(s));
        }
        assert_eq!(Statistic::parse("average"), None, "CloudWatch names are case-sensitive");
        assert_eq!(AlarmKind::of_alarm_name("TargetTracking-service/a/b-AlarmLow-1234"), Some(AlarmKind::Low));
        assert_eq!(AlarmKind::of_alarm_name("my-AlarmHigh-alarm"), None);
    }

    #[test]
    fn comparisons_are_strict_or_not_as_named() {
        assert!(!Comparison::GreaterThanThreshold.breaches(50.0, 50.0));
        assert!(Comparison::GreaterThanOrEqualToThreshold.breaches(50.0, 50.0));
        assert!(Comparison::LessThanThreshold.breaches(44.9, 45.0));
        assert!(Comparison::LessThanOrEqualToThreshold.breaches(45.0, 45.0));
    }
}
