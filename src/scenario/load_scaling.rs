//! The `[[scaling]]` part of a scenario: Service Auto Scaling (docs/ecs-model.md#service-auto-scaling) — a scalable target per
//! service with target-tracking and step policies and scheduled actions, written inline or read
//! from the Application Auto Scaling JSON (`register-scalable-target` via `target_file`, `put-scaling-policy`,
//! `put-scheduled-action` input or the describe output; `autoscaling_json`).

use super::autoscaling_json::{load_scalable_targets, load_scaling_policies, load_scheduled_actions, metric_type};
use super::load::Cx;
use crate::autoscaling::scheduled::{Schedule, ScheduledAction, DEFAULT_START_UNIX_S};
use crate::autoscaling::step::{AdjustmentType, MetricAggregation, StepAdjustment, StepScalingPolicy};
use crate::autoscaling::{PolicyConfig, PredefinedMetricType, ScalableTarget, ScalingPolicy, TargetTrackingPolicy, TrackedMetric};
use crate::cloudwatch::AlarmConfig;
use crate::elb::config::ElbConfig;
use crate::engine::Span;
use crate::model::{ScalingSpec, ServiceSpec};
use serde::Deserialize;
use toml::Spanned;

/// One `[[scaling]]` table: a scalable target and what scales it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScaling {
    pub service: Spanned<String>,
    /// MinCapacity / MaxCapacity (required unless `target_file` gives them; inline values win).
    pub min: Option<Spanned<u32>>,
    pub max: Option<Spanned<u32>>,
    /// register-scalable-target input or describe-scalable-targets output (the entry whose
    /// ResourceId is this service's).
    pub target_file: Option<Spanned<String>>,
    /// put-scaling-policy input or describe-scaling-policies output.
    pub policies_file: Option<Spanned<String>>,
    /// put-scheduled-action input or describe-scheduled-actions output.
    pub scheduled_file: Option<Spanned<String>>,
    #[serde(default)]
    pub target_tracking: Vec<RawTargetTracking>,
    #[serde(default)]
    pub step: Vec<RawStep>,
    #[serde(default)]
    pub scheduled: Vec<RawScheduled>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTargetTracking {
    pub name: Spanned<String>,
    pub target: f64,
    /// ECSServiceAverageCPUUtilization | ECSServiceAverageMemoryUtilization | ALBRequestCountPerTarget
    pub metric: Spanned<String>,
    /// For ALBRequestCountPerTarget: the target group (name).
    pub target_group: Option<Spanned<String>>,
    pub scale_out_cooldown: Option<Span>,
    pub scale_in_cooldown: Option<Span>,
    #[serde(default)]
    pub disable_scale_in: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Spanned<String>,
    /// The `[[alarms]]` that invokes the policy while in ALARM (alarms may also name the policy in
    /// `alarm_actions = ["policy:<name>"]`).
    pub alarm: Option<Spanned<String>>,
    /// ChangeInCapacity | PercentChangeInCapacity | ExactCapacity
    pub adjustment_type: Spanned<String>,
    pub steps: Vec<RawStepAdjustment>,
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown: Option<Span>,
    /// Average (default) | Minimum | Maximum
    pub aggregation: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStepAdjustment {
    /// Bounds relative to the alarm threshold (omitted = unbounded).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduled {
    pub name: Spanned<String>,
    /// `at(2026-01-01T08:00:00)`, `rate(1 hour)` or `cron(0 8 ? * MON-FRI *)` (UTC; simulated time 0
    /// is 2026-01-01T00:00:00Z).
    pub schedule: Spanned<String>,
    pub min: Option<u32>,
    pub max: Option<u32>,
}

impl Cx<'_> {
    pub(super) fn build_scaling(
        &mut self,
        raw: &[RawScaling],
        services: &[ServiceSpec],
        cluster: &str,
        elb: &ElbConfig,
        alarms: &[AlarmConfig],
    ) -> Vec<ScalingSpec> {
        let mut out: Vec<ScalingSpec> = Vec::new();
        for r in raw {
            let Some(service) = services.iter().position(|s| s.definition.service_name == *r.service.get_ref()) else {
                let names: Vec<&str> = services.iter().map(|s| s.definition.service_name.as_str()).collect();
                self.error_at(r.service.span(), format!("no service named {:?}", r.service.get_ref()), format!("services: {names:?}"));
                continue;
            };
            if out.iter().any(|o| o.service == service) {
                self.error_at(
                    r.service.span(),
                    format!("service {:?} has two [[scaling]] tables", r.service.get_ref()),
                    "one scalable target per service",
                );
                continue;
            }
            let resource_id = format!("service/{cluster}/{}", r.service.get_ref());
            let mut from_file: Option<ScalableTarget> = None;
            if let Some(file) = &r.target_file {
                let Some((list, path)) = self.import(file, load_scalable_targets) else { continue };
                from_file = list.into_iter().find(|t| t.resource_id == resource_id);
                if from_file.is_none() {
                    self.error_at(
                        file.span(),
                        format!("{} registers no scalable target with ResourceId {resource_id:?}", path.display()),
                        "the ResourceId of an ECS service is service/<cluster>/<service>",
                    );
                    continue;
                }
            }
            let min = r.min.as_ref().map(|m| *m.get_ref()).or(from_file.as_ref().map(|t| t.min_capacity));
            let max = r.max.as_ref().map(|m| *m.get_ref()).or(from_file.as_ref().map(|t| t.max_capacity));
            let (Some(min), Some(max)) = (min, max) else {
                self.error_at(
                    r.service.span(),
                    format!("the scalable target of {:?} needs min and max", r.service.get_ref()),
                    "add min = 1, max = 10 (or target_file = a register-scalable-target JSON)",
                );
                continue;
            };
            let span = r.min.as_ref().map_or(r.service.span(), Spanned::span);
            let mut target = match ScalableTarget::new(resource_id.clone(), min, max) {
                Ok(t) => t,
                Err(e) => {
                    self.error_at(span, e.message, e.help);
                    continue;
                }
            };
            if let Some(t) = &from_file {
                target.suspended = t.suspended;
            }
            let mut policies: Vec<ScalingPolicy> = Vec::new();
            let mut invoked_by: Vec<Vec<String>> = Vec::new();
            for tt in &r.target_tracking {
                let kind = match metric_type(tt.metric.get_ref()) {
                    Ok(kind) => kind,
                    Err((message, help)) => {
                        self.error_at(tt.metric.span(), message, help);
                        continue;
                    }
                };
                let resource_label = match (kind, &tt.target_group) {
                    (PredefinedMetricType::AlbRequestCountPerTarget, None) => {
                        self.error_at(
                            tt.metric.span(),
                            "ALBRequestCountPerTarget needs target_group = \"…\"",
                            "name the service's target group",
                        );
                        continue;
                    }
                    (PredefinedMetricType::AlbRequestCountPerTarget, Some(tg)) => {
                        let Some(t) = elb.target_groups.iter().find(|t| t.name == *tg.get_ref()) else {
                            self.error_at(
                                tg.span(),
                                format!("no target group named {:?}", tg.get_ref()),
                                "define it under [[target_groups]]",
                            );
                            continue;
                        };
                        let lb = elb.load_balancers.first().map_or("lb", |l| l.name.as_str());
                        Some(format!("app/{lb}/0000000000000000/{}", crate::model::tg_dimension(&t.arn)))
                    }
                    _ => None,
                };
                let mut policy = TargetTrackingPolicy::new(tt.target, TrackedMetric::Predefined { kind, resource_label });
                if let Some(c) = tt.scale_out_cooldown {
                    policy.scale_out_cooldown_s = c.whole_secs() as u32;
                }
                if let Some(c) = tt.scale_in_cooldown {
                    policy.scale_in_cooldown_s = c.whole_secs() as u32;
                }
                policy.disable_scale_in = tt.disable_scale_in;
                if let Err(m) = policy.validate() {
                    self.error_at(tt.name.span(), m, "see docs/scenarios.md, \"Service Auto Scaling\"");
                    continue;
                }
                policies.push(ScalingPolicy {
                    name: tt.name.get_ref().clone(),
                    resource_id: resource_id.clone(),
                    config: PolicyConfig::TargetTracking(policy),
                    alarm_names: vec![],
                    arn: None,
                });
                invoked_by.push(vec![]);
            }
            for st in &r.step {
                let types = AdjustmentType::ALL.map(|t| (t.as_str(), t));
                let Some(adjustment_type) = self.named("adjustment_type", &st.adjustment_type, &types) else { continue };
                let steps = st.steps.iter().map(|s| StepAdjustment::new(s.lower, s.upper, s.adjustment)).collect();
                let mut policy = StepScalingPolicy::new(adjustment_type, steps);
                policy.min_adjustment_magnitude = st.min_adjustment_magnitude;
                if let Some(c) = st.cooldown {
                    policy.cooldown_s = c.whole_secs() as u32;
                }
                let aggregations = MetricAggregation::ALL.map(|m| (m.as_str(), m));
                match st.aggregation.as_ref().map(|a| self.named("aggregation", a, &aggregations)) {
                    Some(None) => continue,
                    Some(Some(m)) => policy.aggregation = m,
                    None => {}
                }
                if let Err(errors) = policy.validate() {
                    for e in errors {
                        self.error_at(st.name.span(), e.message, e.help);
                    }
                    continue;
                }
                policies.push(ScalingPolicy {
                    name: st.name.get_ref().clone(),
                    resource_id: resource_id.clone(),
                    config: PolicyConfig::Step(policy),
                    alarm_names: st.alarm.iter().map(|a| a.get_ref().clone()).collect(),
                    arn: None,
                });
                invoked_by.push(vec![]);
            }
            if let Some((file, (list, path))) = r.policies_file.as_ref().and_then(|f| Some((f, self.import(f, load_scaling_policies)?))) {
                for p in list {
                    if p.resource_id != resource_id {
                        self.error_at(
                            file.span(),
                            format!("policy {:?} in {} is for {:?}, not {resource_id:?}", p.name, path.display(), p.resource_id),
                            "use the service's ResourceId, service/<cluster>/<service>",
                        );
                        continue;
                    }
                    policies.push(p);
                    invoked_by.push(vec![]);
                }
            }
            // Which alarms invoke each step policy: the policy's own list and every alarm whose
            // AlarmActions name it ("policy:<name>" or its ARN).
            for (i, p) in policies.iter().enumerate() {
                if !matches!(p.config, PolicyConfig::Step(_)) {
                    continue;
                }
                let mut names = p.alarm_names.clone();
                for a in alarms {
                    if a.alarm_actions.iter().any(|act| *act == format!("policy:{}", p.name) || p.is_named_by(act))
                        && !names.contains(&a.name)
                    {
                        names.push(a.name.clone());
                    }
                }
                for n in &names {
                    if !alarms.iter().any(|a| a.name == *n) {
                        self.error_at(
                            r.service.span(),
                            format!("step policy {:?} is invoked by alarm {n:?}, which the scenario does not define", p.name),
                            "define it under [[alarms]]",
                        );
                    }
                }
                if names.is_empty() {
                    self.error_at(
                        r.service.span(),
                        format!("no alarm invokes step policy {:?}", p.name),
                        "give the policy alarm = \"…\", or an alarm alarm_actions = [\"policy:<name>\"]",
                    );
                }
                invoked_by[i] = names;
            }
            let mut scheduled: Vec<ScheduledAction> = Vec::new();
            for s in &r.scheduled {
                let schedule = match Schedule::parse(s.schedule.get_ref()) {
                    Ok(sc) => sc,
                    Err(e) => {
                        self.error_at(s.schedule.span(), e.message, e.help);
                        continue;
                    }
                };
                let mut a = ScheduledAction::new(s.name.get_ref().clone(), resource_id.clone(), schedule, DEFAULT_START_UNIX_S);
                a.min_capacity = s.min;
                a.max_capacity = s.max;
                if let Err(e) = a.validate() {
                    self.error_at(s.name.span(), e.message, e.help);
                    continue;
                }
                scheduled.push(a);
            }
            if let Some((list, _)) =
                r.scheduled_file.as_ref().and_then(|f| self.import(f, |p, t| load_scheduled_actions(p, t, DEFAULT_START_UNIX_S)))
            {
                scheduled.extend(list.into_iter().filter(|a| a.resource_id == resource_id));
            }
            out.push(ScalingSpec { service, target, policies, invoked_by, scheduled });
        }
        out
    }
}
