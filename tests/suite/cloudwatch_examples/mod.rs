//! CloudWatch metrics and alarms (docs/ecs-model.md#cloudwatch) as worked examples: the documented missing-data
//! tables row by row for all four treatments (docs/ecs-model.md#example-missing-data), "M out of N", a 5-minute period slid one
//! minute at a time, statistics over a period (docs/ecs-model.md#example-service-cpu), percentiles from histograms, the
//! low-sample rule, the alarm shapes of target tracking (docs/ecs-model.md#target-tracking), bounded memory, and the
//! PutMetricAlarm / describe-alarms JSON in tests/fixtures/cloudwatch with located errors.
//!
//! Minutes are 0-based indices: minute k is [60k, 60(k+1)) s, and the evaluation "at minute k"
//! runs at the instant 60k s, after minute k − 1 was published.
//!
//! The tests, by concern: `missing_data` (the documented missing-data tables, M out of N, the
//! sliding period, the reasons), `statistics` (statistics over a period, percentiles, the
//! low-sample rule, memory kept flat), `alarm_shapes` (the alarms of target tracking and capacity
//! providers) and `json` (PutMetricAlarm / describe-alarms files). The helpers they share are here.

mod alarm_shapes;
mod json;
mod missing_data;
mod statistics;

use ecsim::cloudwatch::{AlarmConfig, ComparisonOperator, MetricId, Period, Statistic};

const THRESHOLD: f64 = 50.0;
/// A breaching datapoint ("X" in the tables) and a non-breaching one ("0").
const X: f64 = 80.0;
const O: f64 = 10.0;

fn web_cpu() -> MetricId {
    MetricId::new("AWS/ECS", "CPUUtilization", [("ClusterName", "prod"), ("ServiceName", "web")])
}

fn minutes(m: u32) -> Period {
    Period::from_minutes(m)
}

/// "CPU > 50" over `period`, N of N, missing data treated as `missing`.
fn cpu_alarm(period: Period, n: u32) -> AlarmConfig {
    AlarmConfig::new("web-cpu", web_cpu(), Statistic::Average, period, n, ComparisonOperator::GreaterThanThreshold, THRESHOLD)
}
