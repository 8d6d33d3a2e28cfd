//! `put-scaling-policy --cli-input-json` input or `describe-scaling-policies` output: target
//! tracking (predefined or customized metrics) and step scaling policies.

use super::{float, load_list, present, required, resource, seconds, M};
use crate::autoscaling::alarm::{MetricSpec, Statistic};
use crate::autoscaling::step::{AdjustmentType, MetricAggregation, StepAdjustment, StepField, StepScalingPolicy};
use crate::autoscaling::target_tracking::{target_group_of_label, PredefinedMetricType, TargetTrackingPolicy, TrackedMetric};
use crate::autoscaling::{PolicyConfig, ScalingPolicy};
use crate::model::diagnostic::Diagnostics;
use crate::scenario::ecs_json::schema::Field::{Derived, Modelled};
use crate::scenario::ecs_json::schema::Schema;
use crate::scenario::ecs_json::schema::Shape::{ArrayOf, Object};
use crate::scenario::ecs_json::{did_you_mean, At, Ctx, JPath, Scalar};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

static DESCRIBE_SCALING_POLICIES: Schema = Schema {
    what: "describe-scaling-policies output",
    fields: &[("ScalingPolicies", Modelled(ArrayOf(&SCALING_POLICY))), ("NextToken", Derived)],
};

/// put-scaling-policy input and one describe-scaling-policies entry.
static SCALING_POLICY: Schema = Schema {
    what: "a scaling policy",
    fields: &[
        ("PolicyName", M),
        ("ServiceNamespace", M),
        ("ResourceId", M),
        ("ScalableDimension", M),
        ("PolicyType", M),
        ("TargetTrackingScalingPolicyConfiguration", Modelled(Object(&TARGET_TRACKING))),
        ("StepScalingPolicyConfiguration", Modelled(Object(&STEP_SCALING))),
        ("PredictiveScalingPolicyConfiguration", M),
        ("PolicyARN", M),
        ("Alarms", Modelled(ArrayOf(&ALARM_REF))),
        ("CreationTime", Derived),
    ],
};

static ALARM_REF: Schema = Schema { what: "an alarm reference", fields: &[("AlarmName", M), ("AlarmARN", Derived)] };

static TARGET_TRACKING: Schema = Schema {
    what: "a target tracking configuration",
    fields: &[
        ("TargetValue", M),
        ("PredefinedMetricSpecification", Modelled(Object(&PREDEFINED_METRIC))),
        ("CustomizedMetricSpecification", Modelled(Object(&CUSTOMIZED_METRIC))),
        ("ScaleOutCooldown", M),
        ("ScaleInCooldown", M),
        ("DisableScaleIn", M),
    ],
};

static PREDEFINED_METRIC: Schema =
    Schema { what: "a predefined metric specification", fields: &[("PredefinedMetricType", M), ("ResourceLabel", M)] };

static CUSTOMIZED_METRIC: Schema = Schema {
    what: "a customized metric specification",
    fields: &[
        ("MetricName", M),
        ("Namespace", M),
        ("Dimensions", Modelled(ArrayOf(&DIMENSION))),
        ("Statistic", M),
        // The unit only labels the datapoints.
        ("Unit", Derived),
        ("Metrics", M),
    ],
};

static DIMENSION: Schema = Schema { what: "a metric dimension", fields: &[("Name", M), ("Value", M)] };

static STEP_SCALING: Schema = Schema {
    what: "a step scaling configuration",
    fields: &[
        ("AdjustmentType", M),
        ("StepAdjustments", Modelled(ArrayOf(&STEP_ADJUSTMENT))),
        ("MinAdjustmentMagnitude", M),
        ("Cooldown", M),
        ("MetricAggregationType", M),
    ],
};

static STEP_ADJUSTMENT: Schema = Schema {
    what: "a step adjustment",
    fields: &[("MetricIntervalLowerBound", M), ("MetricIntervalUpperBound", M), ("ScalingAdjustment", M)],
};

/// `PredefinedMetricType`s of other Application Auto Scaling resources, named as such in errors.
const OTHER_SERVICES_METRICS: &[(&str, &str)] = &[
    ("DynamoDBReadCapacityUtilization", "DynamoDB tables"),
    ("DynamoDBWriteCapacityUtilization", "DynamoDB tables"),
    ("ALBRequestCountPerTarget", ""),
    ("RDSReaderAverageCPUUtilization", "Aurora replicas"),
    ("RDSReaderAverageDatabaseConnections", "Aurora replicas"),
    ("EC2SpotFleetRequestAverageCPUUtilization", "Spot Fleets"),
    ("EC2SpotFleetRequestAverageNetworkIn", "Spot Fleets"),
    ("EC2SpotFleetRequestAverageNetworkOut", "Spot Fleets"),
    ("SageMakerVariantInvocationsPerInstance", "SageMaker endpoints"),
    ("AppStreamAverageCapacityUtilization", "AppStream fleets"),
    ("LambdaProvisionedConcurrencyUtilization", "Lambda provisioned concurrency"),
    ("KafkaBrokerStorageUtilization", "MSK broker storage"),
    ("ElastiCachePrimaryEngineCPUUtilization", "ElastiCache"),
    ("ASGAverageCPUUtilization", "EC2 Auto Scaling groups (a different API)"),
];

// ------------------------------------------------------------------ scaling policies

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPolicy {
    policy_name: Option<String>,
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    policy_type: Option<String>,
    target_tracking_scaling_policy_configuration: Option<Value>,
    step_scaling_policy_configuration: Option<Value>,
    #[serde(rename = "PolicyARN")]
    policy_arn: Option<String>,
    alarms: Option<Vec<RawAlarmRef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAlarmRef {
    alarm_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTargetTracking {
    target_value: Option<Scalar>,
    predefined_metric_specification: Option<RawPredefined>,
    customized_metric_specification: Option<RawCustomized>,
    scale_out_cooldown: Option<Scalar>,
    scale_in_cooldown: Option<Scalar>,
    disable_scale_in: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPredefined {
    predefined_metric_type: Option<String>,
    resource_label: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCustomized {
    metric_name: Option<String>,
    namespace: Option<String>,
    dimensions: Option<Vec<RawDimension>>,
    statistic: Option<String>,
    metrics: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDimension {
    name: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStepScaling {
    adjustment_type: Option<String>,
    step_adjustments: Option<Vec<RawStep>>,
    min_adjustment_magnitude: Option<Scalar>,
    cooldown: Option<Scalar>,
    metric_aggregation_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStep {
    metric_interval_lower_bound: Option<Scalar>,
    metric_interval_upper_bound: Option<Scalar>,
    scaling_adjustment: Option<Scalar>,
}

/// Loads put-scaling-policy input (one policy) or describe-scaling-policies output (every
/// policy, in file order). `Ok` carries the warnings; `Err` every message.
pub fn load_scaling_policies(path: &Path, text: &str) -> Result<(Vec<ScalingPolicy>, Diagnostics), Diagnostics> {
    load_list(
        path,
        text,
        "ScalingPolicies",
        &DESCRIBE_SCALING_POLICIES,
        &SCALING_POLICY,
        "put-scaling-policy input (a JSON object) or describe-scaling-policies output ({\"ScalingPolicies\": [...]})",
        scaling_policy,
        |p| (p.resource_id.clone(), p.name.clone()),
    )
}

fn scaling_policy(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<ScalingPolicy> {
    let raw: RawPolicy = ctx.de(v, path)?;
    let name = required(ctx, raw.policy_name.as_deref(), path, "PolicyName", "\"cpu-target-tracking\"").map(str::to_string);
    let id = resource(ctx, raw.service_namespace.as_deref(), raw.scalable_dimension.as_deref(), raw.resource_id.as_deref(), path);
    let type_path = path.key("PolicyType");
    let kind = match raw.policy_type.as_deref() {
        None => {
            ctx.error_help(path, At::Value, "missing \"PolicyType\"", "add \"PolicyType\": \"TargetTrackingScaling\" or \"StepScaling\"");
            None
        }
        Some(t) => ctx.one_of(t, &type_path, &["TargetTrackingScaling", "StepScaling", "PredictiveScaling"]),
    };
    let tt_path = path.key("TargetTrackingScalingPolicyConfiguration");
    let step_path = path.key("StepScalingPolicyConfiguration");
    let (tt, step) = (raw.target_tracking_scaling_policy_configuration.as_ref(), raw.step_scaling_policy_configuration.as_ref());
    let config = match kind? {
        "PredictiveScaling" => {
            ctx.error_help(
                &type_path,
                At::Value,
                "predictive scaling is not modelled",
                "use a TargetTrackingScaling or StepScaling policy (or scheduled actions for known peaks)",
            );
            return None;
        }
        "TargetTrackingScaling" => {
            if step.is_some() {
                ctx.error_help(
                    &step_path,
                    At::Key,
                    "a TargetTrackingScaling policy takes no StepScalingPolicyConfiguration",
                    "remove it, or change PolicyType to \"StepScaling\"",
                );
            }
            match tt {
                Some(v) => PolicyConfig::TargetTracking(target_tracking(ctx, v, &tt_path)?),
                None => {
                    ctx.error_help(
                        path,
                        At::Value,
                        "a TargetTrackingScaling policy needs \"TargetTrackingScalingPolicyConfiguration\"",
                        TT_EXAMPLE,
                    );
                    return None;
                }
            }
        }
        _ => {
            if tt.is_some() {
                ctx.error_help(
                    &tt_path,
                    At::Key,
                    "a StepScaling policy takes no TargetTrackingScalingPolicyConfiguration",
                    "remove it, or change PolicyType to \"TargetTrackingScaling\"",
                );
            }
            match step {
                Some(v) => PolicyConfig::Step(step_scaling(ctx, v, &step_path)?),
                None => {
                    ctx.error_help(path, At::Value, "a StepScaling policy needs \"StepScalingPolicyConfiguration\"", STEP_EXAMPLE);
                    return None;
                }
            }
        }
    };
    let alarm_names = raw.alarms.iter().flatten().filter_map(|a| a.alarm_name.clone()).collect();
    Some(ScalingPolicy { name: name?, resource_id: id?, config, alarm_names, arn: raw.policy_arn })
}

const TT_EXAMPLE: &str =
    "e.g. {\"TargetValue\": 50.0, \"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"ECSServiceAverageCPUUtilization\"}}";
const STEP_EXAMPLE: &str =
    "e.g. {\"AdjustmentType\": \"ChangeInCapacity\", \"StepAdjustments\": [{\"MetricIntervalLowerBound\": 0, \"ScalingAdjustment\": 1}]}";

fn target_tracking(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<TargetTrackingPolicy> {
    let raw: RawTargetTracking = ctx.de(v, path)?;
    let value_path = path.key("TargetValue");
    let target_value = match &raw.target_value {
        Some(s) => float(ctx, s, &value_path),
        None => {
            ctx.error_help(path, At::Value, "missing \"TargetValue\"", "add the value to keep the metric at, e.g. \"TargetValue\": 50.0");
            None
        }
    };
    let metric = match (&raw.predefined_metric_specification, &raw.customized_metric_specification) {
        (Some(_), Some(_)) => {
            ctx.error_help(
                &path.key("CustomizedMetricSpecification"),
                At::Key,
                "a policy tracks one metric: both PredefinedMetricSpecification and CustomizedMetricSpecification are given",
                "keep one of them",
            );
            None
        }
        (None, None) => {
            ctx.error_help(path, At::Value, "no metric to track", "add PredefinedMetricSpecification (or CustomizedMetricSpecification)");
            None
        }
        (Some(p), None) => predefined(ctx, p, &path.key("PredefinedMetricSpecification")),
        (None, Some(c)) => customized(ctx, c, &path.key("CustomizedMetricSpecification")).map(TrackedMetric::Customized),
    };
    let out_cd = seconds(
        ctx,
        raw.scale_out_cooldown.as_ref(),
        &path.key("ScaleOutCooldown"),
        crate::autoscaling::target_tracking::DEFAULT_COOLDOWN_S,
    );
    let in_cd =
        seconds(ctx, raw.scale_in_cooldown.as_ref(), &path.key("ScaleInCooldown"), crate::autoscaling::target_tracking::DEFAULT_COOLDOWN_S);
    let mut policy = TargetTrackingPolicy::new(target_value?, metric?);
    policy.scale_out_cooldown_s = out_cd?;
    policy.scale_in_cooldown_s = in_cd?;
    policy.disable_scale_in = raw.disable_scale_in.unwrap_or(false);
    // The metric's own rules were checked above where they are written; what is left is the value.
    if let Err(m) = policy.validate() {
        ctx.error_help(&value_path, At::Value, m, "track a positive value, e.g. 50.0 (% CPU)");
        return None;
    }
    Some(policy)
}

fn predefined(ctx: &mut Ctx, raw: &RawPredefined, path: &JPath) -> Option<TrackedMetric> {
    let type_path = path.key("PredefinedMetricType");
    let t = required(ctx, raw.predefined_metric_type.as_deref(), path, "PredefinedMetricType", "\"ECSServiceAverageCPUUtilization\"")?;
    let kind = match metric_type(t) {
        Ok(kind) => kind,
        Err((message, help)) => {
            ctx.error_help(&type_path, At::Value, message, help);
            return None;
        }
    };
    let label_path = path.key("ResourceLabel");
    let resource_label = raw.resource_label.clone();
    match (kind, &resource_label) {
        (PredefinedMetricType::AlbRequestCountPerTarget, None) => {
            ctx.error_help(
                path,
                At::Value,
                "ALBRequestCountPerTarget needs a \"ResourceLabel\" naming the load balancer and target group",
                "add \"ResourceLabel\": \"app/<load-balancer>/<id>/targetgroup/<target-group>/<id>\" (the ends of the two ARNs)",
            );
            return None;
        }
        (PredefinedMetricType::AlbRequestCountPerTarget, Some(label)) => {
            if let Err(m) = target_group_of_label(label) {
                ctx.error_help(&label_path, At::Value, m, "join the load balancer's ARN suffix and the target group's: app/web/50dc6c495c0c9188/targetgroup/tg-api/943f017f100becff");
                return None;
            }
        }
        (_, Some(_)) => {
            ctx.warn(&label_path, At::Key, format!("ResourceLabel is only used with ALBRequestCountPerTarget, not {t}; ignored"))
        }
        (_, None) => {}
    }
    Some(TrackedMetric::Predefined { kind, resource_label })
}

/// A predefined metric type an ECS service can track, or the message and help for one it
/// cannot (another service's types are named as such). The scenario's `metric` reads it too.
pub(in crate::scenario) fn metric_type(t: &str) -> Result<PredefinedMetricType, (String, String)> {
    let ecs_types: Vec<&str> = PredefinedMetricType::ALL.iter().map(|k| k.as_str()).collect();
    PredefinedMetricType::parse(t).ok_or_else(|| {
        let list = ecs_types.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
        let help = match (OTHER_SERVICES_METRICS.iter().find(|(n, _)| *n == t), did_you_mean(t, ecs_types.iter().copied())) {
            (Some((_, owner)), _) => format!("that metric type is for {owner}; an ECS service tracks one of {list}"),
            (None, Some(m)) => format!("did you mean \"{m}\"?"),
            (None, None) => format!("an ECS service tracks one of {list}, or a CustomizedMetricSpecification"),
        };
        (format!("unknown PredefinedMetricType \"{t}\" for an ECS service"), help)
    })
}

fn customized(ctx: &mut Ctx, raw: &RawCustomized, path: &JPath) -> Option<MetricSpec> {
    if raw.metrics.is_some() {
        ctx.error_help(
            &path.key("Metrics"),
            At::Key,
            "metric math (\"Metrics\") is not modelled",
            "track a single metric with MetricName, Namespace, Dimensions and Statistic",
        );
        return None;
    }
    let name = required(ctx, raw.metric_name.as_deref(), path, "MetricName", "\"CPUUtilization\"");
    let namespace = required(ctx, raw.namespace.as_deref(), path, "Namespace", "\"AWS/ECS\"");
    let statistic = required(ctx, raw.statistic.as_deref(), path, "Statistic", "\"Average\"").and_then(|s| {
        let names: Vec<&'static str> = Statistic::ALL.iter().map(|s| s.as_str()).collect();
        ctx.one_of(s, &path.key("Statistic"), &names).and_then(Statistic::parse)
    });
    let mut dimensions = Vec::new();
    for (i, d) in raw.dimensions.iter().flatten().enumerate() {
        let here = path.key("Dimensions").idx(i);
        match (&d.name, &d.value) {
            (Some(n), Some(v)) => dimensions.push((n.clone(), v.clone())),
            _ => ctx.error_help(
                &here,
                At::Value,
                "a dimension needs a \"Name\" and a \"Value\"",
                "e.g. {\"Name\": \"ServiceName\", \"Value\": \"web\"}",
            ),
        }
    }
    Some(MetricSpec { namespace: namespace?.to_string(), metric_name: name?.to_string(), dimensions, statistic: statistic? })
}

fn step_scaling(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<StepScalingPolicy> {
    let raw: RawStepScaling = ctx.de(v, path)?;
    let names: Vec<&'static str> = AdjustmentType::ALL.iter().map(|t| t.as_str()).collect();
    let adjustment_type = required(ctx, raw.adjustment_type.as_deref(), path, "AdjustmentType", "\"ChangeInCapacity\"")
        .and_then(|t| ctx.one_of(t, &path.key("AdjustmentType"), &names))
        .and_then(AdjustmentType::parse);
    let steps_path = path.key("StepAdjustments");
    let mut steps = Vec::new();
    let mut steps_ok = true;
    match &raw.step_adjustments {
        None => {
            ctx.error_help(path, At::Value, "missing \"StepAdjustments\"", STEP_EXAMPLE);
            steps_ok = false;
        }
        Some(list) => {
            for (i, s) in list.iter().enumerate() {
                let here = steps_path.idx(i);
                let lower = s.metric_interval_lower_bound.as_ref().map(|b| float(ctx, b, &here.key("MetricIntervalLowerBound")));
                let upper = s.metric_interval_upper_bound.as_ref().map(|b| float(ctx, b, &here.key("MetricIntervalUpperBound")));
                let adjustment = match &s.scaling_adjustment {
                    Some(a) => ctx.int(a, &here.key("ScalingAdjustment"), i64::from(i32::MIN), i64::from(i32::MAX)).map(|n| n as i32),
                    None => {
                        ctx.error_help(
                            &here,
                            At::Value,
                            "a step adjustment needs a \"ScalingAdjustment\"",
                            "add e.g. \"ScalingAdjustment\": 1",
                        );
                        None
                    }
                };
                // A bound that failed to read leaves the step out (its error is already reported).
                match (lower, upper, adjustment) {
                    (Some(None), _, _) | (_, Some(None), _) | (_, _, None) => steps_ok = false,
                    (l, u, Some(a)) => steps.push(StepAdjustment::new(l.flatten(), u.flatten(), a)),
                }
            }
        }
    }
    let mam_path = path.key("MinAdjustmentMagnitude");
    let min_adjustment_magnitude =
        raw.min_adjustment_magnitude.as_ref().map(|s| ctx.int(s, &mam_path, 0, i64::from(i32::MAX)).map(|n| n as u32));
    let cooldown = seconds(ctx, raw.cooldown.as_ref(), &path.key("Cooldown"), crate::autoscaling::step::DEFAULT_COOLDOWN_S);
    let aggregation = match raw.metric_aggregation_type.as_deref() {
        None => Some(MetricAggregation::Average),
        Some(a) => {
            let names: Vec<&'static str> = MetricAggregation::ALL.iter().map(|t| t.as_str()).collect();
            ctx.one_of(a, &path.key("MetricAggregationType"), &names).and_then(MetricAggregation::parse)
        }
    };
    let mut policy = StepScalingPolicy::new(adjustment_type?, steps);
    policy.min_adjustment_magnitude = present(min_adjustment_magnitude)?;
    policy.cooldown_s = cooldown?;
    policy.aggregation = aggregation?;
    if !steps_ok {
        return None;
    }
    if let Err(errors) = policy.validate() {
        for e in errors {
            let at = match (e.step, e.field) {
                (_, StepField::MinAdjustmentMagnitude) => mam_path.clone(),
                (Some(i), StepField::LowerBound) => steps_path.idx(i).key("MetricIntervalLowerBound"),
                (Some(i), StepField::UpperBound) => steps_path.idx(i).key("MetricIntervalUpperBound"),
                (Some(i), StepField::Adjustment) => steps_path.idx(i).key("ScalingAdjustment"),
                (Some(i), StepField::Steps) => steps_path.idx(i),
                (None, _) => steps_path.clone(),
            };
            ctx.error_help(&at, At::Value, e.message, e.help);
        }
        return None;
    }
    Some(policy)
}
