//! Importers for the Application Auto Scaling JSON users already have for ECS services
//! (docs/ecs-model.md#service-auto-scaling), as the AWS CLI reads or prints it:
//! * scalable targets: `register-scalable-target --cli-input-json` input (one object) or
//!   `describe-scalable-targets` output (`{"ScalableTargets": [...]}`);
//! * scaling policies: `put-scaling-policy --cli-input-json` input with
//!   `TargetTrackingScalingPolicyConfiguration` or `StepScalingPolicyConfiguration`, or
//!   `describe-scaling-policies` output (`{"ScalingPolicies": [...]}`);
//! * scheduled actions: `put-scheduled-action --cli-input-json` input or
//!   `describe-scheduled-actions` output (`{"ScheduledActions": [...]}`).
//!
//! The machinery is `ecs_json`'s, as in `elbv2_json`: syntax and type errors located by
//! `serde_path_to_error` and `json_doc`, the same field policy (unknown names are errors in
//! input files and warnings in describe output; settings ecsim does not simulate give one
//! warning each), and every problem collected. The checks are Application Auto Scaling's own
//! (Min ≤ Max, step intervals without gaps or overlaps, known metric types) plus what ecsim
//! models: the `ecs` namespace and the `ecs:service:DesiredCount` dimension only, and schedule
//! errors located at their character inside the expression.

use super::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use super::ecs_json::schema::Shape::{ArrayOf, Leaf, Object};
use super::ecs_json::schema::{Field, Schema};
use super::ecs_json::{At, Ctx, JPath, Scalar};
use crate::autoscaling::target::{parse_resource_id, ScalableTarget, SuspendedState, TargetField, ECS_NAMESPACE, ECS_SCALABLE_DIMENSION};
use crate::model::diagnostic::{Diagnostics, Severity};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

mod policies;
mod scheduled;

pub use policies::load_scaling_policies;
pub(super) use policies::metric_type;
pub use scheduled::load_scheduled_actions;

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
    let members = [
        ("ServiceNamespace", namespace, ECS_NAMESPACE, "is not modelled: ecsim scales ECS services only"),
        ("ScalableDimension", dimension, ECS_SCALABLE_DIMENSION, "is not modelled: an ECS service scales its desired count"),
    ];
    for (key, value, modelled, why) in members {
        let member = format!("\"{key}\": \"{modelled}\"");
        let Some(value) = value else {
            ctx.error_help(path, At::Value, format!("missing \"{key}\""), format!("add {member}"));
            ok = false;
            continue;
        };
        let here = path.key(key);
        let value = ctx.needed_str(value, &here)?;
        if value != modelled {
            ctx.error_help(&here, At::Value, format!("{key} \"{value}\" {why}"), format!("use {member}"));
            ok = false;
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
