//! Service Auto Scaling's own state: each service's scalable target, its policies (target
//! tracking with the alarms it created, step scaling with the alarms that invoke it) and the
//! next firing of each scheduled action, plus the rows of scaling.csv. Nothing here touches the
//! world; `scaling/mod.rs` invokes the policies each minute.

use crate::autoscaling::alarm::{AlarmKind, Comparison, TreatMissingData};
use crate::autoscaling::scheduled::{sim_of_unix, DEFAULT_START_UNIX_S};
use crate::autoscaling::step::StepScalingState;
use crate::autoscaling::{AlarmSpec, PolicyConfig, ScalableTarget, TargetTrackingState};
use crate::cloudwatch::{AlarmConfig, ComparisonOperator, MetricId, Period, Statistic};
use crate::model::ScalingSpec;
use crate::model::Scenario;
use crate::sim::monitor::state::Monitor;
use serde::Serialize;

/// One row of scaling.csv.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScalingRow {
    pub time_s: u64,
    pub service: String,
    /// The policy or scheduled action.
    pub policy: String,
    pub from_desired: u32,
    pub to_desired: u32,
    pub reason: String,
}

pub(super) enum PolicyState {
    /// `high` and `low`: the indices in `Monitor` of the alarms target tracking created (the
    /// high alarm always exists; the low one not when scale-in is disabled).
    TargetTracking {
        state: TargetTrackingState,
        high: Option<usize>,
        low: Option<usize>,
    },
    Step {
        state: StepScalingState,
        alarms: Vec<usize>,
    },
}

/// The scaling state of one service.
pub struct ServiceScaling {
    pub service: usize,
    pub target: ScalableTarget,
    pub(super) names: Vec<String>,
    pub(super) policies: Vec<PolicyState>,
    /// Next firing (simulated seconds) of each scheduled action.
    pub(super) next_fire_s: Vec<Option<u64>>,
}

impl ServiceScaling {
    /// The alarms (indices in `Monitor`) its policies read, policy by policy: target
    /// tracking's high then low alarm, the alarms invoking a step policy.
    pub fn alarms(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for policy in &self.policies {
            match policy {
                PolicyState::TargetTracking { high, low, .. } => out.extend(high.iter().chain(low)),
                PolicyState::Step { alarms, .. } => out.extend(alarms),
            }
        }
        out
    }

    /// Another policy scaled the service out: the step policies start their cooldown from it.
    pub fn note_scale_out(&mut self, now_s: u64) {
        for policy in &mut self.policies {
            if let PolicyState::Step { state, .. } = policy {
                state.note_scale_out_elsewhere(now_s);
            }
        }
    }
}

fn to_cloudwatch(spec: &AlarmSpec) -> AlarmConfig {
    let metric = MetricId::new(spec.metric.namespace.clone(), spec.metric.metric_name.clone(), spec.metric.dimensions.clone());
    let statistic = spec.metric.statistic.as_str().parse::<Statistic>().unwrap_or(Statistic::Average);
    let comparison = match spec.comparison {
        Comparison::GreaterThanOrEqualToThreshold => ComparisonOperator::GreaterThanOrEqualToThreshold,
        Comparison::GreaterThanThreshold => ComparisonOperator::GreaterThanThreshold,
        Comparison::LessThanThreshold => ComparisonOperator::LessThanThreshold,
        Comparison::LessThanOrEqualToThreshold => ComparisonOperator::LessThanOrEqualToThreshold,
    };
    let period = Period::from_seconds(i64::from(spec.period_s)).unwrap_or(Period::from_minutes(1));
    let treat = match spec.treat_missing {
        TreatMissingData::Missing => crate::cloudwatch::TreatMissingData::Missing,
        TreatMissingData::Ignore => crate::cloudwatch::TreatMissingData::Ignore,
        TreatMissingData::Breaching => crate::cloudwatch::TreatMissingData::Breaching,
        TreatMissingData::NotBreaching => crate::cloudwatch::TreatMissingData::NotBreaching,
    };
    AlarmConfig::new(spec.name.clone(), metric, statistic, period, spec.evaluation_periods, comparison, spec.threshold)
        .with_datapoints_to_alarm(spec.datapoints_to_alarm)
        .with_treat_missing_data(treat)
}

/// Builds each service's scaling state, creating target tracking's alarms in `monitor`.
pub fn init(scenario: &Scenario, monitor: &mut Monitor) -> Vec<ServiceScaling> {
    scenario
        .scaling
        .iter()
        .map(|spec: &ScalingSpec| {
            let mut policies = Vec::new();
            let mut names = Vec::new();
            for (p, invoked_by) in spec.policies.iter().zip(&spec.invoked_by) {
                names.push(p.name.clone());
                match &p.config {
                    PolicyConfig::TargetTracking(tt) => {
                        let mut add =
                            |kind: AlarmKind| tt.alarm(kind, &spec.target, &p.name).map(|a| monitor.add_alarm(scenario, to_cloudwatch(&a)));
                        let high = add(AlarmKind::High);
                        let low = add(AlarmKind::Low);
                        policies.push(PolicyState::TargetTracking { state: TargetTrackingState::new(tt.clone()), high, low });
                    }
                    PolicyConfig::Step(step) => {
                        let alarms = invoked_by.iter().filter_map(|n| monitor.alarm_index(n)).collect();
                        policies.push(PolicyState::Step { state: StepScalingState::new(step.clone()), alarms });
                    }
                }
            }
            let next_fire_s = spec.scheduled.iter().map(|a| a.first_fire().and_then(|u| sim_of_unix(u, DEFAULT_START_UNIX_S))).collect();
            ServiceScaling { service: spec.service, target: spec.target.clone(), names, policies, next_fire_s }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscaling::alarm::{MetricSpec, Statistic as ScalingStatistic};
    use crate::autoscaling::step::{AdjustmentType, StepAdjustment, StepScalingPolicy};
    use crate::autoscaling::SuspendedState;

    fn step(alarms: Vec<usize>) -> PolicyState {
        let policy = StepScalingPolicy::new(AdjustmentType::ChangeInCapacity, vec![StepAdjustment::new(Some(0.0), None, 1)]);
        PolicyState::Step { state: StepScalingState::new(policy), alarms }
    }

    /// The alarms a service's policies read, in policy order (what its chart shows).
    #[test]
    fn a_service_lists_the_alarms_its_policies_read() {
        let target =
            ScalableTarget { resource_id: "service/c/web".into(), min_capacity: 1, max_capacity: 9, suspended: SuspendedState::default() };
        let mut scaling = ServiceScaling {
            service: 0,
            target,
            names: vec!["out".into(), "in".into()],
            policies: vec![step(vec![4, 2]), step(vec![7])],
            next_fire_s: Vec::new(),
        };
        assert_eq!(scaling.alarms(), vec![4, 2, 7]);
        scaling.note_scale_out(120);
        assert_eq!(scaling.alarms(), vec![4, 2, 7], "a cooldown changes no alarm");
    }

    /// A scaling alarm becomes the CloudWatch alarm it names: metric, statistic, comparison,
    /// period, M out of N and missing data as given.
    #[test]
    fn scaling_alarms_map_onto_cloudwatch() {
        let spec = AlarmSpec {
            name: "cpu-high".into(),
            metric: MetricSpec {
                namespace: "AWS/ECS".into(),
                metric_name: "CPUUtilization".into(),
                dimensions: vec![("ServiceName".into(), "web".into())],
                statistic: ScalingStatistic::Maximum,
            },
            threshold: 75.0,
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            period_s: 300,
            evaluation_periods: 3,
            datapoints_to_alarm: 2,
            treat_missing: TreatMissingData::Breaching,
        };
        let c = to_cloudwatch(&spec);
        assert_eq!(
            (c.name.as_str(), c.statistic, c.comparison),
            ("cpu-high", Statistic::Maximum, ComparisonOperator::GreaterThanOrEqualToThreshold)
        );
        assert_eq!((c.period, c.evaluation_periods, c.datapoints_to_alarm, c.threshold), (Period::from_minutes(5), 3, 2, 75.0));
        assert_eq!(c.treat_missing_data, crate::cloudwatch::TreatMissingData::Breaching);
        assert_eq!(c.metric, MetricId::new("AWS/ECS", "CPUUtilization", [("ServiceName", "web")]));
    }
}
