//! Service Auto Scaling (Application Auto Scaling for ECS services, docs/ecs-model.md#service-auto-scaling) as pure,
//! deterministic decisions: no clock, no CloudWatch, no simulation state.
//!
//! * [`target`]: the scalable target (`service/<cluster>/<service>`, Min/MaxCapacity,
//!   suspended processes) and the out-of-bounds rule;
//! * [`target_tracking`]: a target-tracking policy, the two alarms it owns (as plain
//!   [`alarm::AlarmSpec`] data for the CloudWatch layer), the docs/ecs-model.md#target-tracking capacity rule with its
//!   cooldowns, and how several policies on one target combine;
//! * [`step`]: a step-scaling policy (docs/ecs-model.md#step-scaling): step choice, percent rounding, cooldowns;
//! * [`scheduled`]: scheduled actions (docs/ecs-model.md#scheduled-scaling): `at()`, `rate()`, `cron()` and their fire times;
//! * [`calendar`]: civil dates ↔ Unix seconds and ISO-8601 timestamps: [`crate::engine::calendar`],
//!   re-exported here where schedules first needed it.
//!
//! Times: decisions take `now_s`, whole seconds of simulated time (0 = the start of the run);
//! schedules work in Unix seconds (UTC), and [`scheduled::DEFAULT_START_UNIX_S`] says which instant
//! simulated time 0 is unless the scenario says otherwise.
//!
//! Every state change the simulation makes is its own: these functions say what to set the
//! desired count to and why; the caller applies it and tells the policy (`record`).

pub mod alarm;
pub mod scheduled;
pub mod step;
pub mod target;
pub mod target_tracking;

pub use crate::engine::calendar;

pub use alarm::{AlarmKind, AlarmSpec, Comparison, MetricSpec, Statistic, TreatMissingData};
pub use scheduled::{Schedule, ScheduledAction, ScheduledOutcome, TimeZone, DEFAULT_START_UNIX_S};
pub use step::{AdjustmentType, MetricAggregation, StepAdjustment, StepScalingPolicy, StepScalingState};
pub use target::{ScalableTarget, SuspendedState, ECS_NAMESPACE, ECS_SCALABLE_DIMENSION};
pub use target_tracking::{combine, PolicyVote, PredefinedMetricType, TargetTrackingPolicy, TargetTrackingState, TrackedMetric};

/// What a policy, a scheduled action or the bounds rule wants the service's desired count to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalingDecision {
    pub new_desired: u32,
    /// Why, in the words an activity history would use (formula, values, rule).
    pub reason: String,
}

/// A scaling policy as the Application Auto Scaling API holds it (PutScalingPolicy).
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingPolicy {
    pub name: String,
    /// `service/<cluster>/<service>`: the scalable target it belongs to.
    pub resource_id: String,
    pub config: PolicyConfig,
    /// The CloudWatch alarms that invoke it, when the file says (describe-scaling-policies
    /// output). For a step policy these are the user's alarms; for target tracking, the two it
    /// owns.
    pub alarm_names: Vec<String>,
    /// `PolicyARN` when the file gives it (alarms name the policy by ARN in `AlarmActions`).
    pub arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyConfig {
    TargetTracking(TargetTrackingPolicy),
    Step(StepScalingPolicy),
}

impl ScalingPolicy {
    /// Whether `arn` (an alarm action) names this policy. Policy ARNs end in
    /// `:resource/ecs/<resource id>:policyName/<name>`, optionally followed by `:createdBy/<id>`
    /// (policies the ECS console creates), and their UUID is unknown for policies read from
    /// put-scaling-policy input, so the match is on the resource and the name.
    pub fn is_named_by(&self, arn: &str) -> bool {
        if self.arn.as_deref() == Some(arn) {
            return true;
        }
        let needle = format!(":resource/ecs/{}:policyName/{}", self.resource_id, self.name);
        match arn.find(&needle) {
            Some(i) => {
                let rest = &arn[i + needle.len()..];
                rest.is_empty() || rest.starts_with(":createdBy/")
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_actions_name_policies_by_resource_and_name() {
        let p = ScalingPolicy {
            name: "cpu".into(),
            resource_id: "service/prod/web".into(),
            config: PolicyConfig::Step(StepScalingPolicy::new(AdjustmentType::ChangeInCapacity, vec![])),
            alarm_names: vec![],
            arn: None,
        };
        let arn = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:6d8972f3-efc8-437c-92d1-6270f29a66e7:resource/ecs/service/prod/web:policyName/cpu";
        assert!(p.is_named_by(arn));
        assert!(p.is_named_by(&format!("{arn}:createdBy/43c0fbae-d4bf-4834-8d78-1dd556355175")));
        assert!(!p.is_named_by(&format!("{arn}-2")));
        assert!(!p.is_named_by(&arn.replace("service/prod/web", "service/prod/api")));
    }
}
