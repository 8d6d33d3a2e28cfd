//! Service Auto Scaling (docs/ecs-model.md#service-auto-scaling) as worked examples: the decisions of target tracking, step
//! scaling and scheduled actions minute by minute, with what CloudWatch would say given as plain
//! inputs ("AlarmHigh is in ALARM at t = 180 with newest datapoint 80"), and the Application
//! Auto Scaling JSON files (tests/fixtures/autoscaling) with the located messages bad ones get.
//!
//! The tests, by concern: `target_tracking`, `step_scaling`, `scheduled` (scheduled actions) and
//! `json_files` (the Application Auto Scaling JSON files and their located errors). The helpers
//! they share are here.

mod json_files;
mod scheduled;
mod step_scaling;
mod target_tracking;

use ecsim::autoscaling::calendar::parse_timestamp;
use ecsim::autoscaling::target_tracking::TargetTrackingPolicy;
use ecsim::autoscaling::{PredefinedMetricType, ScalableTarget, ScalingDecision, TargetTrackingState};

fn target(min: u32, max: u32) -> ScalableTarget {
    ScalableTarget::new("service/prod/web", min, max).expect("valid target")
}

fn cpu_policy(target_value: f64) -> TargetTrackingState {
    TargetTrackingState::new(TargetTrackingPolicy::predefined(target_value, PredefinedMetricType::EcsServiceAverageCpuUtilization))
}

fn desired(d: Option<ScalingDecision>) -> Option<u32> {
    d.map(|d| d.new_desired)
}

fn t(iso: &str) -> i64 {
    parse_timestamp(iso).expect("timestamp")
}
