//! Importers for the Application Auto Scaling JSON users already have for ECS services (spec
//! §11), as the AWS CLI reads or prints it:
//! * scalable targets: `register-scalable-target --cli-input-json` input (one object) or
//!   `describe-scalable-targets` output (`{"ScalableTargets": [...]}`);
//! * scaling policies: `put-scaling-policy --cli-input-json` input with
//!   `TargetTrackingScalingPolicyConfiguration` or `StepScalingPolicyConfiguration`, or
//!   `describe-scaling-policies` output (`{"ScalingPolicies": [...]}`);
//! * scheduled actions: `put-scheduled-action --cli-input-json` input or
//!   `describe-scheduled-actions` output (`{"ScheduledActions": [...]}`).
//!
//! The machinery is `ecs_json`'s, as in `elbv2_json`: syntax and type errors located by
//! `serde_path_to_error` and `json_locate`, the same field policy (unknown names are errors in
//! input files and warnings in describe output; settings ecsim does not simulate give one
//! warning each), and every problem collected. The checks are Application Auto Scaling's own
//! (Min ≤ Max, step intervals without gaps or overlaps, known metric types) plus what ecsim
//! models: the `ecs` namespace and the `ecs:service:DesiredCount` dimension only, and schedule
//! errors located at their character inside the expression.

use super::diagnostic::{Diagnostics, Severity};
use super::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use super::ecs_json::schema::Shape::{ArrayOf, Leaf, Object};
use super::ecs_json::schema::{Field, Schema};
use super::ecs_json::{did_you_mean, At, Ctx, JPath, Scalar};
use crate::autoscaling::alarm::{MetricSpec, Statistic};
use crate::autoscaling::calendar::parse_timestamp;
use crate::autoscaling::scheduled::{Schedule, ScheduledAction, TimeZone};
use crate::autoscaling::step::{AdjustmentType, MetricAggregation, StepAdjustment, StepField, StepScalingPolicy};
use crate::autoscaling::target::{parse_resource_id, ScalableTarget, SuspendedState, TargetField, ECS_NAMESPACE, ECS_SCALABLE_DIMENSION};
use crate::autoscaling::target_tracking::{target_group_of_label, PredefinedMetricType, TargetTrackingPolicy, TrackedMetric};
use crate::autoscaling::{PolicyConfig, ScalingPolicy};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

const API: &str = "Application Auto Scaling";

// ------------------------------------------------------------------ schemas

const M: Field = Modelled(Leaf);

static DESCRIBE_SCALABLE_TARGETS: Schema = Schema {
    what: "describe-scalable-targets output",
    fields: &[("ScalableTargets", Modelled(ArrayOf(&SCALABLE_TARGET))), ("NextToken", Derived)],
};

/// register-scalable-target input and one describe-scalable-targets entry.
static SCALABLE_TARGET: Schema = Schema {
    what: "a scalable target",
    fields: &[
        ("ServiceNamespace", M),
        ("ResourceId", M),
        ("ScalableDimension", M),
        ("MinCapacity", M),
        ("MaxCapacity", M),
        ("SuspendedState", Modelled(Object(&SUSPENDED_STATE))),
        // IAM is not simulated: the role grants nothing ecsim checks.
        ("RoleARN", Derived),
        ("Tags", Unmodelled),
        ("ScalableTargetARN", Derived),
        ("CreationTime", Derived),
        ("PredictedCapacity", Derived),
    ],
};

static SUSPENDED_STATE: Schema = Schema {
    what: "a suspended state",
    fields: &[("DynamicScalingInSuspended", M), ("DynamicScalingOutSuspended", M), ("ScheduledScalingSuspended", M)],
};

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

static DESCRIBE_SCHEDULED_ACTIONS: Schema = Schema {
    what: "describe-scheduled-actions output",
    fields: &[("ScheduledActions", Modelled(ArrayOf(&SCHEDULED_ACTION))), ("NextToken", Derived)],
};

/// put-scheduled-action input and one describe-scheduled-actions entry.
static SCHEDULED_ACTION: Schema = Schema {
    what: "a scheduled action",
    fields: &[
        ("ServiceNamespace", M),
        ("ScheduledActionName", M),
        ("ResourceId", M),
        ("ScalableDimension", M),
        ("Schedule", M),
        ("Timezone", M),
        ("StartTime", M),
        ("EndTime", M),
        ("ScalableTargetAction", Modelled(Object(&SCALABLE_TARGET_ACTION))),
        ("ScheduledActionARN", Derived),
        ("CreationTime", Derived),
    ],
};

static SCALABLE_TARGET_ACTION: Schema = Schema { what: "a scalable target action", fields: &[("MinCapacity", M), ("MaxCapacity", M)] };

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

// ------------------------------------------------------------------ shared

/// Loads a describe-* output (`list_key` holds the entries) or one input object, in file order.
/// `key_of` gives (owner, name) of an entry: two entries with the same key are an error.
#[allow(clippy::too_many_arguments)]
fn load_list<T>(
    path: &Path,
    text: &str,
    list_key: &str,
    describe: &'static Schema,
    item: &'static Schema,
    shapes: &str,
    mut read: impl FnMut(&mut Ctx, &Value, &JPath) -> Option<T>,
    key_of: impl Fn(&T) -> (String, String),
) -> Result<(Vec<T>, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::for_api(path, text, API);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let root_path = JPath::root();
    let mut out: Vec<T> = Vec::new();
    let mut paths: Vec<JPath> = Vec::new();
    match root.get(list_key) {
        Some(Value::Array(list)) => {
            ctx.check_fields(&root, describe, &root_path, Severity::Warning);
            ctx.flush_unmodelled(true);
            for (i, v) in list.iter().enumerate() {
                let here = root_path.key(list_key).idx(i);
                let Some(t) = read(&mut ctx, v, &here) else { continue };
                let key = key_of(&t);
                if let Some(first) = out.iter().position(|o| key_of(o) == key) {
                    let line = ctx.line_of(&paths[first]);
                    let of = if key.0.is_empty() { String::new() } else { format!(" of {}", key.0) };
                    let what = item.what.trim_start_matches("a ");
                    ctx.error_help(
                        &here,
                        At::Value,
                        format!("{what} {:?}{of} is listed twice (first on line {line})", key.1),
                        "keep one of them",
                    );
                    continue;
                }
                out.push(t);
                paths.push(here);
            }
        }
        Some(_) => ctx.error(&root_path.key(list_key), At::Value, format!("`{list_key}` must be a list")),
        None if root.is_object() => {
            ctx.check_fields(&root, item, &root_path, Severity::Error);
            ctx.flush_unmodelled(false);
            out.extend(read(&mut ctx, &root, &root_path));
        }
        None => ctx.error(&root_path, At::Value, format!("expected {shapes}")),
    }
    ctx.finish(Some(out))
}

/// The `ServiceNamespace`, `ScalableDimension` and `ResourceId` every object carries: `ecs`,
/// the desired count, `service/<cluster>/<service>`. Returns the resource id.
fn resource(ctx: &mut Ctx, namespace: Option<&str>, dimension: Option<&str>, resource_id: Option<&str>, path: &JPath) -> Option<String> {
    let mut ok = true;
    match namespace {
        None => {
            ctx.error_help(path, At::Value, "missing \"ServiceNamespace\"", "add \"ServiceNamespace\": \"ecs\"");
            ok = false;
        }
        Some(ns) => {
            let here = path.key("ServiceNamespace");
            let ns = ctx.needed_str(ns, &here)?;
            if ns != ECS_NAMESPACE {
                ctx.error_help(
                    &here,
                    At::Value,
                    format!("ServiceNamespace \"{ns}\" is not modelled: ecsim scales ECS services only"),
                    "use \"ServiceNamespace\": \"ecs\"",
                );
                ok = false;
            }
        }
    }
    match dimension {
        None => {
            ctx.error_help(
                path,
                At::Value,
                "missing \"ScalableDimension\"",
                format!("add \"ScalableDimension\": \"{ECS_SCALABLE_DIMENSION}\""),
            );
            ok = false;
        }
        Some(d) => {
            let here = path.key("ScalableDimension");
            let d = ctx.needed_str(d, &here)?;
            if d != ECS_SCALABLE_DIMENSION {
                ctx.error_help(
                    &here,
                    At::Value,
                    format!("ScalableDimension \"{d}\" is not modelled: an ECS service scales its desired count"),
                    format!("use \"ScalableDimension\": \"{ECS_SCALABLE_DIMENSION}\""),
                );
                ok = false;
            }
        }
    }
    let id = match resource_id {
        None => {
            ctx.error_help(path, At::Value, "missing \"ResourceId\"", "add \"ResourceId\": \"service/<cluster>/<service>\"");
            return None;
        }
        Some(id) => ctx.needed_str(id, &path.key("ResourceId"))?,
    };
    if let Err(m) = parse_resource_id(id) {
        ctx.error_help(
            &path.key("ResourceId"),
            At::Value,
            m,
            "write the service as service/<cluster name>/<service name>, e.g. service/default/web",
        );
        return None;
    }
    ok.then(|| id.to_string())
}

/// A capacity (0 or more).
fn capacity(ctx: &mut Ctx, s: &Scalar, path: &JPath) -> Option<u32> {
    ctx.int(s, path, 0, i64::from(i32::MAX)).map(|n| n as u32)
}

/// A number of seconds (0 or more), or `default` when absent.
fn seconds(ctx: &mut Ctx, s: Option<&Scalar>, path: &JPath, default: u32) -> Option<u32> {
    match s {
        None => Some(default),
        Some(s) => ctx.int(s, path, 0, i64::from(i32::MAX)).map(|n| n as u32),
    }
}

/// A JSON number (the API's Double). A quoted number is what the CLI rejects, so it is an error.
fn float(ctx: &mut Ctx, s: &Scalar, path: &JPath) -> Option<f64> {
    match s {
        Scalar::Num(n) => n.as_f64().filter(|f| f.is_finite()).or_else(|| {
            ctx.error(path, At::Value, format!("`{path}` must be a finite number"));
            None
        }),
        Scalar::Str(t) => {
            ctx.needed_str(t, path)?;
            ctx.error_help(path, At::Value, format!("`{path}` must be a number, not the string \"{t}\""), "remove the quotes");
            None
        }
    }
}

/// An optional member that was read: `Some(None)` when absent, `None` when it failed to read
/// (its error is reported), `Some(Some(v))` otherwise.
fn present<T>(read: Option<Option<T>>) -> Option<Option<T>> {
    read.map_or(Some(None), |v| v.map(Some))
}

/// A required string member, or an error at the object saying to add it.
fn required<'s>(ctx: &mut Ctx, s: Option<&'s str>, path: &JPath, key: &str, example: &str) -> Option<&'s str> {
    match s {
        Some(s) => ctx.needed_str(s, &path.key(key)),
        None => {
            ctx.error_help(path, At::Value, format!("missing \"{key}\""), format!("add \"{key}\": {example}"));
            None
        }
    }
}

// ------------------------------------------------------------------ scalable targets

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTarget {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    min_capacity: Option<Scalar>,
    max_capacity: Option<Scalar>,
    suspended_state: Option<RawSuspended>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawSuspended {
    dynamic_scaling_in_suspended: Option<bool>,
    dynamic_scaling_out_suspended: Option<bool>,
    scheduled_scaling_suspended: Option<bool>,
}

/// Loads register-scalable-target input (one target) or describe-scalable-targets output
/// (every target, in file order). `Ok` carries the warnings; `Err` every message.
pub fn load_scalable_targets(path: &Path, text: &str) -> Result<(Vec<ScalableTarget>, Diagnostics), Diagnostics> {
    load_list(
        path,
        text,
        "ScalableTargets",
        &DESCRIBE_SCALABLE_TARGETS,
        &SCALABLE_TARGET,
        "register-scalable-target input (a JSON object) or describe-scalable-targets output ({\"ScalableTargets\": [...]})",
        scalable_target,
        |t| (String::new(), t.resource_id.clone()),
    )
}

fn scalable_target(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<ScalableTarget> {
    let raw: RawTarget = ctx.de(v, path)?;
    let id = resource(ctx, raw.service_namespace.as_deref(), raw.scalable_dimension.as_deref(), raw.resource_id.as_deref(), path);
    let bound = |ctx: &mut Ctx, s: &Option<Scalar>, key: &str, example: &str| match s {
        Some(s) => capacity(ctx, s, &path.key(key)),
        None => {
            ctx.error_help(
                path,
                At::Value,
                format!("missing \"{key}\": registering a scalable target needs both capacities"),
                format!("add \"{key}\": {example}"),
            );
            None
        }
    };
    let min = bound(ctx, &raw.min_capacity, "MinCapacity", "1");
    let max = bound(ctx, &raw.max_capacity, "MaxCapacity", "10");
    let s = raw.suspended_state.as_ref();
    let suspended = SuspendedState {
        dynamic_in: s.and_then(|s| s.dynamic_scaling_in_suspended).unwrap_or(false),
        dynamic_out: s.and_then(|s| s.dynamic_scaling_out_suspended).unwrap_or(false),
        scheduled: s.and_then(|s| s.scheduled_scaling_suspended).unwrap_or(false),
    };
    let target = ScalableTarget { resource_id: id?, min_capacity: min?, max_capacity: max?, suspended };
    if let Err(e) = target.validate() {
        let key = match e.field {
            TargetField::ResourceId => "ResourceId",
            TargetField::MinCapacity => "MinCapacity",
            TargetField::MaxCapacity => "MaxCapacity",
        };
        ctx.error_help(&path.key(key), At::Value, e.message, e.help);
        return None;
    }
    Some(target)
}

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
    if policy.target_value <= 0.0 {
        ctx.error_help(
            &value_path,
            At::Value,
            format!("TargetValue {} is not above 0", policy.target_value),
            "track a positive value, e.g. 50.0 (% CPU)",
        );
        return None;
    }
    Some(policy)
}

fn predefined(ctx: &mut Ctx, raw: &RawPredefined, path: &JPath) -> Option<TrackedMetric> {
    let type_path = path.key("PredefinedMetricType");
    let t = required(ctx, raw.predefined_metric_type.as_deref(), path, "PredefinedMetricType", "\"ECSServiceAverageCPUUtilization\"")?;
    let ecs_types: Vec<&str> = PredefinedMetricType::ALL.iter().map(|k| k.as_str()).collect();
    let Some(kind) = PredefinedMetricType::parse(t) else {
        let list = ecs_types.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
        let help = match (OTHER_SERVICES_METRICS.iter().find(|(n, _)| *n == t), did_you_mean(t, ecs_types.iter().copied())) {
            (Some((_, owner)), _) => format!("that metric type is for {owner}; an ECS service tracks one of {list}"),
            (None, Some(m)) => format!("did you mean \"{m}\"?"),
            (None, None) => format!("an ECS service tracks one of {list}, or a CustomizedMetricSpecification"),
        };
        ctx.error_help(&type_path, At::Value, format!("unknown PredefinedMetricType \"{t}\" for an ECS service"), help);
        return None;
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

// ------------------------------------------------------------------ scheduled actions

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawScheduled {
    service_namespace: Option<String>,
    scheduled_action_name: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    schedule: Option<String>,
    timezone: Option<String>,
    start_time: Option<Scalar>,
    end_time: Option<Scalar>,
    scalable_target_action: Option<RawTargetAction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTargetAction {
    min_capacity: Option<Scalar>,
    max_capacity: Option<Scalar>,
}

/// Loads put-scheduled-action input (one action) or describe-scheduled-actions output (every
/// action, in file order). `created_unix_s` is when the actions were put — normally the instant
/// simulated time 0 stands for ([`crate::autoscaling::DEFAULT_START_UNIX_S`]).
pub fn load_scheduled_actions(path: &Path, text: &str, created_unix_s: i64) -> Result<(Vec<ScheduledAction>, Diagnostics), Diagnostics> {
    load_list(
        path,
        text,
        "ScheduledActions",
        &DESCRIBE_SCHEDULED_ACTIONS,
        &SCHEDULED_ACTION,
        "put-scheduled-action input (a JSON object) or describe-scheduled-actions output ({\"ScheduledActions\": [...]})",
        |ctx, v, p| scheduled_action(ctx, v, p, created_unix_s),
        |a| (a.resource_id.clone(), a.name.clone()),
    )
}

/// `StartTime` / `EndTime`: an ISO-8601 string or (CLI v1 output) Unix seconds.
fn timestamp(ctx: &mut Ctx, s: &Scalar, path: &JPath) -> Option<i64> {
    match s {
        Scalar::Num(n) => n.as_f64().filter(|f| f.is_finite() && f.abs() < 1e13).map(|f| f.floor() as i64).or_else(|| {
            ctx.error(path, At::Value, format!("`{path}` is not a time"));
            None
        }),
        Scalar::Str(t) => {
            let t = ctx.needed_str(t, path)?;
            match parse_timestamp(t) {
                Ok(u) => Some(u),
                Err(m) => {
                    ctx.error_help(path, At::Value, m, "write it as 2026-01-05T08:00:00Z (UTC)");
                    None
                }
            }
        }
    }
}

fn scheduled_action(ctx: &mut Ctx, v: &Value, path: &JPath, created_unix_s: i64) -> Option<ScheduledAction> {
    let raw: RawScheduled = ctx.de(v, path)?;
    let name = required(ctx, raw.scheduled_action_name.as_deref(), path, "ScheduledActionName", "\"weekday-mornings\"").map(str::to_string);
    let id = resource(ctx, raw.service_namespace.as_deref(), raw.scalable_dimension.as_deref(), raw.resource_id.as_deref(), path);
    let schedule_path = path.key("Schedule");
    let schedule =
        required(ctx, raw.schedule.as_deref(), path, "Schedule", "\"cron(0 8 ? * MON-FRI *)\"").and_then(|s| match Schedule::parse(s) {
            Ok(s) => Some(s),
            Err(e) => {
                let at = e.at_char.map_or(At::Value, At::InString);
                ctx.error_help(&schedule_path, at, e.message, e.help);
                None
            }
        });
    let timezone = match raw.timezone.as_deref() {
        None => Some(TimeZone::Utc),
        Some(z) => match TimeZone::parse(z) {
            Ok(z) => Some(z),
            Err(m) => {
                ctx.error_help(
                    &path.key("Timezone"),
                    At::Value,
                    m,
                    "use an IANA name such as \"America/New_York\", \"UTC\" or a fixed offset \"Etc/GMT-1\"",
                );
                None
            }
        },
    };
    let start = raw.start_time.as_ref().map(|s| timestamp(ctx, s, &path.key("StartTime")));
    let end = raw.end_time.as_ref().map(|s| timestamp(ctx, s, &path.key("EndTime")));
    let action_path = path.key("ScalableTargetAction");
    let (min, max) = match &raw.scalable_target_action {
        None => {
            ctx.error_help(
                path,
                At::Value,
                "missing \"ScalableTargetAction\"",
                "add e.g. \"ScalableTargetAction\": {\"MinCapacity\": 4, \"MaxCapacity\": 20}",
            );
            return None;
        }
        Some(a) => (
            a.min_capacity.as_ref().map(|s| capacity(ctx, s, &action_path.key("MinCapacity"))),
            a.max_capacity.as_ref().map(|s| capacity(ctx, s, &action_path.key("MaxCapacity"))),
        ),
    };
    // The capacities are checked before anything else can stop the load, so that every problem is reported.
    let (min, max) = (present(min), present(max));
    let mut ok = true;
    match (min, max) {
        (Some(None), Some(None)) => {
            ctx.error_help(
                &action_path,
                At::Value,
                "ScalableTargetAction sets neither MinCapacity nor MaxCapacity",
                "set MinCapacity, MaxCapacity or both",
            );
            ok = false;
        }
        (Some(Some(a)), Some(Some(b))) if a > b => {
            ctx.error_help(
                &action_path.key("MinCapacity"),
                At::Value,
                format!("MinCapacity ({a}) is above MaxCapacity ({b})"),
                format!("lower MinCapacity to at most {b} or raise MaxCapacity to at least {a}"),
            );
            ok = false;
        }
        _ => {}
    }
    let mut action = ScheduledAction::new(name?, id?, schedule?, created_unix_s);
    action.timezone = timezone?;
    action.start_unix_s = present(start)?;
    action.end_unix_s = present(end)?;
    action.min_capacity = min?;
    action.max_capacity = max?;
    if !ok {
        return None;
    }
    if let Err(m) = action.validate() {
        ctx.error_help(&path.key("EndTime"), At::Value, m, "put EndTime after StartTime");
        return None;
    }
    Some(action)
}
