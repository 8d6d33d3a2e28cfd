//! Target tracking (docs/ecs-model.md#target-tracking): a policy keeps a metric near `TargetValue` through two alarms
//! it owns — AlarmHigh (metric > target, 3 of 3 one-minute datapoints) and AlarmLow (metric
//! < 0.9 × target, 15 of 15; absent with `DisableScaleIn`). Each minute an alarm is in ALARM the
//! policy is invoked (docs/ecs-model.md#alarms) and proposes `ceil(C × v / T)` tasks, C the service's RUNNING tasks and
//! v the alarm's newest datapoint.
//!
//! The decision is split in two so that several policies on one target can be combined before
//! anything changes: [`TargetTrackingState::propose`] reads the state, [`combine`] applies the
//! "any for scale-out, all for scale-in" rule, and [`TargetTrackingState::record`] moves the
//! cooldowns once the caller has applied the result. With one policy,
//! [`TargetTrackingState::on_alarm`] does both.

use super::alarm::{AlarmKind, AlarmSpec, Comparison, MetricSpec, Statistic, TreatMissingData};
use super::target::ScalableTarget;
use super::ScalingDecision;

/// ScaleOutCooldown / ScaleInCooldown when not given, for ECS services (docs/ecs-model.md#target-tracking,
/// docs/ecs-model.md#limits-and-defaults).
pub const DEFAULT_COOLDOWN_S: u32 = 300;
/// Period of both alarms.
pub const ALARM_PERIOD_S: u32 = 60;
/// AlarmHigh: 3 of 3 datapoints above the target.
pub const HIGH_DATAPOINTS: u32 = 3;
/// AlarmLow: 15 of 15 datapoints below `LOW_THRESHOLD_FACTOR` × target.
pub const LOW_DATAPOINTS: u32 = 15;
/// AlarmLow's threshold as a fraction of the target (ecsim's choice, docs/ecs-model.md#choice-target-tracking-formula).
pub const LOW_THRESHOLD_FACTOR: f64 = 0.9;

/// `PredefinedMetricType` values for ECS services (docs/ecs-model.md#scaling-settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredefinedMetricType {
    EcsServiceAverageCpuUtilization,
    EcsServiceAverageMemoryUtilization,
    AlbRequestCountPerTarget,
}

impl PredefinedMetricType {
    pub const ALL: [PredefinedMetricType; 3] = [
        PredefinedMetricType::EcsServiceAverageCpuUtilization,
        PredefinedMetricType::EcsServiceAverageMemoryUtilization,
        PredefinedMetricType::AlbRequestCountPerTarget,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PredefinedMetricType::EcsServiceAverageCpuUtilization => "ECSServiceAverageCPUUtilization",
            PredefinedMetricType::EcsServiceAverageMemoryUtilization => "ECSServiceAverageMemoryUtilization",
            PredefinedMetricType::AlbRequestCountPerTarget => "ALBRequestCountPerTarget",
        }
    }

    pub fn parse(s: &str) -> Option<PredefinedMetricType> {
        PredefinedMetricType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The metric a policy tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackedMetric {
    /// `PredefinedMetricSpecification`; `resource_label` is required for
    /// `ALBRequestCountPerTarget` (`app/<lb>/<id>/targetgroup/<tg>/<id>`) and unused otherwise.
    Predefined { kind: PredefinedMetricType, resource_label: Option<String> },
    /// `CustomizedMetricSpecification` (a single metric; metric math is not modelled).
    Customized(MetricSpec),
}

/// The `targetgroup/<tg>/<id>` half of a `ResourceLabel`, which is the `TargetGroup` dimension of
/// `RequestCountPerTarget`, or why the label is malformed.
pub fn target_group_of_label(label: &str) -> Result<&str, String> {
    let parts: Vec<&str> = label.split('/').collect();
    let ok = parts.len() == 6 && parts[0] == "app" && parts[3] == "targetgroup" && parts.iter().all(|p| !p.is_empty());
    if !ok {
        return Err(format!("resource label {label:?} is not of the form app/<load-balancer>/<id>/targetgroup/<target-group>/<id>"));
    }
    let at = label.find("/targetgroup/").map_or(0, |i| i + 1);
    Ok(&label[at..])
}

/// `TargetTrackingScalingPolicyConfiguration`.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTrackingPolicy {
    pub target_value: f64,
    pub metric: TrackedMetric,
    pub scale_out_cooldown_s: u32,
    pub scale_in_cooldown_s: u32,
    pub disable_scale_in: bool,
}

impl TargetTrackingPolicy {
    /// A policy with the ECS defaults: 300 s cooldowns, scale-in enabled.
    pub fn new(target_value: f64, metric: TrackedMetric) -> Self {
        TargetTrackingPolicy {
            target_value,
            metric,
            scale_out_cooldown_s: DEFAULT_COOLDOWN_S,
            scale_in_cooldown_s: DEFAULT_COOLDOWN_S,
            disable_scale_in: false,
        }
    }

    /// A policy on one of the predefined metrics, without a resource label.
    pub fn predefined(target_value: f64, kind: PredefinedMetricType) -> Self {
        TargetTrackingPolicy::new(target_value, TrackedMetric::Predefined { kind, resource_label: None })
    }

    /// What PutScalingPolicy would refuse: a target that is not a positive number, an
    /// `ALBRequestCountPerTarget` without a well-formed resource label.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.target_value.is_finite() && self.target_value > 0.0) {
            return Err(format!("TargetValue {} must be a positive number", self.target_value));
        }
        if let TrackedMetric::Predefined { kind: PredefinedMetricType::AlbRequestCountPerTarget, resource_label } = &self.metric {
            match resource_label {
                None => return Err("ALBRequestCountPerTarget needs a ResourceLabel naming the load balancer and target group".into()),
                Some(label) => {
                    target_group_of_label(label)?;
                }
            }
        }
        Ok(())
    }

    /// The metric series both alarms watch, with the dimensions of `target`'s service.
    pub fn metric_spec(&self, target: &ScalableTarget) -> MetricSpec {
        let service_dims = || {
            vec![
                ("ClusterName".to_string(), target.cluster_name().to_string()),
                ("ServiceName".to_string(), target.service_name().to_string()),
            ]
        };
        match &self.metric {
            TrackedMetric::Predefined { kind: PredefinedMetricType::EcsServiceAverageCpuUtilization, .. } => MetricSpec {
                namespace: "AWS/ECS".into(),
                metric_name: "CPUUtilization".into(),
                dimensions: service_dims(),
                statistic: Statistic::Average,
            },
            TrackedMetric::Predefined { kind: PredefinedMetricType::EcsServiceAverageMemoryUtilization, .. } => MetricSpec {
                namespace: "AWS/ECS".into(),
                metric_name: "MemoryUtilization".into(),
                dimensions: service_dims(),
                statistic: Statistic::Average,
            },
            TrackedMetric::Predefined { kind: PredefinedMetricType::AlbRequestCountPerTarget, resource_label } => {
                let group = resource_label.as_deref().and_then(|l| target_group_of_label(l).ok()).unwrap_or("");
                MetricSpec {
                    namespace: "AWS/ApplicationELB".into(),
                    metric_name: "RequestCountPerTarget".into(),
                    dimensions: vec![("TargetGroup".into(), group.into())],
                    statistic: Statistic::Sum,
                }
            }
            TrackedMetric::Customized(m) => m.clone(),
        }
    }

    /// One of the alarms the policy owns (`None` for AlarmLow with `DisableScaleIn`). Names
    /// follow AWS: `TargetTracking-<resource id>-AlarmHigh-<uuid>`, the UUID derived from the
    /// policy name (see [`alarm_id`]) so that reruns name them alike.
    pub fn alarm(&self, kind: AlarmKind, target: &ScalableTarget, policy_name: &str) -> Option<AlarmSpec> {
        let (threshold, comparison, datapoints) = match kind {
            AlarmKind::High => (self.target_value, Comparison::GreaterThanThreshold, HIGH_DATAPOINTS),
            AlarmKind::Low if self.disable_scale_in => return None,
            AlarmKind::Low => (LOW_THRESHOLD_FACTOR * self.target_value, Comparison::LessThanThreshold, LOW_DATAPOINTS),
        };
        Some(AlarmSpec {
            name: alarm_name(&target.resource_id, kind, &alarm_id(policy_name, &target.resource_id, kind)),
            metric: self.metric_spec(target),
            threshold,
            comparison,
            period_s: ALARM_PERIOD_S,
            evaluation_periods: datapoints,
            datapoints_to_alarm: datapoints,
            // No data → INSUFFICIENT_DATA → no scaling either way (docs/ecs-model.md#target-tracking).
            treat_missing: TreatMissingData::Missing,
        })
    }

    /// AlarmHigh, then AlarmLow unless scale-in is disabled.
    pub fn alarms(&self, target: &ScalableTarget, policy_name: &str) -> Vec<AlarmSpec> {
        [AlarmKind::High, AlarmKind::Low].into_iter().filter_map(|k| self.alarm(k, target, policy_name)).collect()
    }

    /// The capacity the policy wants for `running` tasks at metric value `v`, in range, with the
    /// arithmetic shown: `ceil(C × v / T)`, or `max(1, MinCapacity)` when nothing runs and the
    /// metric is high (the smallest step out of zero, docs/ecs-model.md#target-tracking).
    pub fn desired_for(&self, kind: AlarmKind, running: u32, v: f64, target: &ScalableTarget) -> (u32, String) {
        if running == 0 && kind == AlarmKind::High {
            let n = target.clamp(target.min_capacity.max(1));
            return (n, format!("no task is running: the smallest scale-out, max(1, MinCapacity {}) = {n}", target.min_capacity));
        }
        let x = f64::from(running) * v / self.target_value;
        // Rounding noise in C × v / T (3 × 0.1 / 0.1 computes as 3.0000000000000004) must not add a task.
        let raw = (x - 1e-9 * x.abs().max(1.0)).ceil();
        let unclamped = if raw <= 0.0 {
            0
        } else if raw >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            raw as u32
        };
        let n = target.clamp(unclamped);
        let mut why = format!("ceil({running} × {} / {}) = ceil({}) = {unclamped}", num(v), num(self.target_value), num(x));
        if n != unclamped {
            why.push_str(&format!(", kept within [{}, {}]: {n}", target.min_capacity, target.max_capacity));
        }
        (n, why)
    }
}

/// `TargetTracking-<resource id>-AlarmHigh-<id>` (or `AlarmLow`).
pub fn alarm_name(resource_id: &str, kind: AlarmKind, id: &str) -> String {
    format!("TargetTracking-{resource_id}-{}-{id}", kind.as_str())
}

/// A UUID-shaped id for one of a policy's alarms, a pure function of the policy and target
/// (FNV-1a; AWS's ids are random, ecsim's must be the same on every run).
pub fn alarm_id(policy_name: &str, resource_id: &str, kind: AlarmKind) -> String {
    let key = format!("{resource_id}\u{0}{policy_name}\u{0}{}", kind.as_str());
    let a = fnv1a(key.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let b = fnv1a(key.as_bytes(), 0x6c62_272e_07bb_0142);
    format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48, b & 0xffff_ffff_ffff)
}

fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    bytes.iter().fold(basis, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// A number as a person writes it: `80`, `6.4`, `73.333`.
pub(super) fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A policy and its cooldowns.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetTrackingState {
    pub policy: TargetTrackingPolicy,
    last_scale_out_s: Option<u64>,
    /// Start of the scale-in cooldown, until a scale-out ends it.
    scale_in_cooldown_from_s: Option<u64>,
}

impl TargetTrackingState {
    pub fn new(policy: TargetTrackingPolicy) -> Self {
        TargetTrackingState { policy, last_scale_out_s: None, scale_in_cooldown_from_s: None }
    }

    /// Whether a scale-in is blocked by the cooldown at `now_s`.
    pub fn in_scale_in_cooldown(&self, now_s: u64) -> bool {
        self.scale_in_cooldown_from_s.is_some_and(|t| now_s < t + u64::from(self.policy.scale_in_cooldown_s))
    }

    /// Whether the scale-out cooldown runs at `now_s`. It changes no decision: with C the running
    /// tasks, "the capacity added by the initiating scale-out counts toward the next one" is
    /// already the `new > desired` test (docs/ecs-model.md#target-tracking); reported for the activity history.
    pub fn in_scale_out_cooldown(&self, now_s: u64) -> bool {
        self.last_scale_out_s.is_some_and(|t| now_s < t + u64::from(self.policy.scale_out_cooldown_s))
    }

    /// What the policy wants when alarm `which` is in ALARM at `now_s` with newest datapoint
    /// `newest_datapoint`, `running` tasks RUNNING and `current_desired` the service's desired
    /// count; `None` when it leaves the count alone. Reads the state only.
    #[allow(clippy::too_many_arguments)]
    pub fn propose(
        &self,
        now_s: u64,
        which: AlarmKind,
        running: u32,
        newest_datapoint: f64,
        current_desired: u32,
        target: &ScalableTarget,
        deployment_in_progress: bool,
    ) -> Option<ScalingDecision> {
        if !newest_datapoint.is_finite() {
            return None;
        }
        let (min, max) = (target.min_capacity, target.max_capacity);
        match which {
            AlarmKind::High => {
                if target.suspended.dynamic_out || current_desired > max {
                    // Above MaxCapacity a scale-out does nothing (docs/ecs-model.md#target-tracking).
                    return None;
                }
                if current_desired < min {
                    return Some(ScalingDecision {
                        new_desired: min,
                        reason: format!("AlarmHigh: desired count {current_desired} is below MinCapacity {min}: scale out to it first"),
                    });
                }
                let (new, why) = self.policy.desired_for(which, running, newest_datapoint, target);
                (new > current_desired).then(|| ScalingDecision {
                    new_desired: new,
                    reason: format!("AlarmHigh: {why} > desired count {current_desired}: scale out to {new}"),
                })
            }
            AlarmKind::Low => {
                let blocked = self.policy.disable_scale_in
                    || target.suspended.dynamic_in
                    || deployment_in_progress
                    || self.in_scale_in_cooldown(now_s)
                    || current_desired < min;
                if blocked {
                    return None;
                }
                if current_desired > max {
                    return Some(ScalingDecision {
                        new_desired: max,
                        reason: format!("AlarmLow: desired count {current_desired} is above MaxCapacity {max}: scale in to it first"),
                    });
                }
                let (new, why) = self.policy.desired_for(which, running, newest_datapoint, target);
                (new < current_desired).then(|| ScalingDecision {
                    new_desired: new,
                    reason: format!("AlarmLow: {why} < desired count {current_desired}: scale in to {new}"),
                })
            }
        }
    }

    /// Tells the policy the desired count went from `from` to `to` at `now_s` by dynamic scaling
    /// (its own decision, or the combined one of the target's policies). A scale-out ends a
    /// scale-in cooldown; a scale-in starts one. Scheduled actions ignore cooldowns and are not
    /// recorded.
    pub fn record(&mut self, now_s: u64, from: u32, to: u32) {
        if to > from {
            self.last_scale_out_s = Some(now_s);
            self.scale_in_cooldown_from_s = None;
        } else if to < from {
            self.scale_in_cooldown_from_s = Some(now_s);
        }
    }

    /// `propose`, and `record` when there is a decision: one policy alone on its target.
    #[allow(clippy::too_many_arguments)]
    pub fn on_alarm(
        &mut self,
        now_s: u64,
        which: AlarmKind,
        running: u32,
        newest_datapoint: f64,
        current_desired: u32,
        target: &ScalableTarget,
        deployment_in_progress: bool,
    ) -> Option<ScalingDecision> {
        let d = self.propose(now_s, which, running, newest_datapoint, current_desired, target, deployment_in_progress)?;
        self.record(now_s, current_desired, d.new_desired);
        Some(d)
    }
}

/// One target-tracking policy's say in a minute: its proposal (from whichever of its alarms is
/// in ALARM, `None` if neither or it wants no change) and whether it can scale in at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVote {
    pub scale_in_enabled: bool,
    pub proposal: Option<ScalingDecision>,
}

/// Several target-tracking policies on one target (docs/ecs-model.md#target-tracking): scale out if any policy wants
/// to, to the largest proposal; scale in only if every policy with scale-in enabled wants to,
/// to the largest of their proposals (the smallest reduction). Ties go to the first policy.
pub fn combine(votes: &[PolicyVote], current_desired: u32) -> Option<ScalingDecision> {
    let mut out: Option<&ScalingDecision> = None;
    for d in votes.iter().filter_map(|v| v.proposal.as_ref()).filter(|d| d.new_desired > current_desired) {
        if out.is_none_or(|o| d.new_desired > o.new_desired) {
            out = Some(d);
        }
    }
    if let Some(d) = out {
        return Some(d.clone());
    }
    let voters: Vec<&PolicyVote> = votes.iter().filter(|v| v.scale_in_enabled).collect();
    let mut chosen: Option<&ScalingDecision> = None;
    for v in &voters {
        let d = v.proposal.as_ref().filter(|d| d.new_desired < current_desired)?;
        if chosen.is_none_or(|c| d.new_desired > c.new_desired) {
            chosen = Some(d);
        }
    }
    chosen.map(|d| ScalingDecision {
        new_desired: d.new_desired,
        reason: if voters.len() > 1 {
            format!("all {} scale-in-enabled policies want to scale in; the largest proposal: {}", voters.len(), d.reason)
        } else {
            d.reason.clone()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(target: f64) -> TargetTrackingState {
        TargetTrackingState::new(TargetTrackingPolicy::predefined(target, PredefinedMetricType::EcsServiceAverageCpuUtilization))
    }

    #[test]
    fn rounding_noise_does_not_add_a_task() {
        let t = ScalableTarget::new("service/c/s", 1, 100).unwrap();
        let p = TargetTrackingPolicy::predefined(0.1, PredefinedMetricType::EcsServiceAverageCpuUtilization);
        // 3 × 0.1 / 0.1 is 3.0000000000000004 in binary floating point.
        assert_eq!(p.desired_for(AlarmKind::High, 3, 0.1, &t).0, 3);
        assert_eq!(p.desired_for(AlarmKind::High, 3, 0.31, &t).0, 10);
    }

    #[test]
    fn alarm_ids_are_stable_and_distinct() {
        let a = alarm_id("cpu", "service/c/s", AlarmKind::High);
        assert_eq!(a, alarm_id("cpu", "service/c/s", AlarmKind::High));
        assert_ne!(a, alarm_id("cpu", "service/c/s", AlarmKind::Low));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn a_scale_in_cooldown_runs_its_length_exactly() {
        let t = ScalableTarget::new("service/c/s", 1, 20).unwrap();
        let mut s = cpu(50.0);
        assert!(s.on_alarm(0, AlarmKind::Low, 10, 20.0, 10, &t, false).is_some());
        assert!(s.in_scale_in_cooldown(299));
        assert!(!s.in_scale_in_cooldown(300));
        assert_eq!(s.on_alarm(300, AlarmKind::Low, 4, 20.0, 4, &t, false).map(|d| d.new_desired), Some(2));
    }

    #[test]
    fn labels_give_the_target_group_dimension() {
        assert_eq!(
            target_group_of_label("app/web/50dc6c495c0c9188/targetgroup/tg-api/943f017f100becff"),
            Ok("targetgroup/tg-api/943f017f100becff")
        );
        assert!(target_group_of_label("targetgroup/tg-api/943f017f100becff").is_err());
        assert_eq!(num(6.4), "6.4");
        assert_eq!(num(80.0), "80");
        assert_eq!(num(220.0 / 3.0), "73.333");
    }
}
