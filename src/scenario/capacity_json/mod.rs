//! Importers for the capacity JSON users already have, in the shapes the AWS CLI reads and
//! prints:
//! * capacity providers: `aws ecs create-capacity-provider --cli-input-json` input (one object
//!   with `name`) or `describe-capacity-providers` output (`{"capacityProviders": [...]}`, the
//!   predefined FARGATE / FARGATE_SPOT entries skipped);
//! * a cluster's providers: `aws ecs put-cluster-capacity-providers --cli-input-json` input
//!   (`capacityProviders`, `defaultCapacityProviderStrategy`);
//! * Auto Scaling groups: `aws autoscaling create-auto-scaling-group --cli-input-json` input;
//! * RunTask calls: `aws ecs run-task --cli-input-json` input, for its capacity provider strategy
//!   or launch type and its task-size overrides (checked against the Fargate sizes).
//!
//! The machinery is `ecs_json`'s: syntax and type errors located by `serde_path_to_error` and
//! `json_doc`, the same field policy (unknown names are errors with a "did you mean",
//! settings ecsim does not simulate give one warning each), and every problem collected. The
//! rules are those of docs/ecs-model.md#capacity (`crate::capacity`), each reported where it is written.

use super::capacity_rules::{self, ManagedScalingDraft, ScalingKey};
use super::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use super::ecs_json::schema::Shape::{ArrayOf, Leaf, Object};
use super::ecs_json::schema::{Field, Schema};
use super::ecs_json::{At, Ctx, JPath, Scalar};
use crate::capacity::provider::{name_problem, CapacityProviderConfig, ManagedScaling};
use crate::capacity::strategy::{is_fargate_provider, CapacityProviderStrategy, StrategyField, StrategyItem};
use crate::model::diagnostic::{Diagnostics, Severity};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

mod asg;
mod run_task;

pub use asg::{load_auto_scaling_group, AsgLoadOptions};
pub use run_task::{load_run_task, RunTaskRequest};

const M: Field = Modelled(Leaf);

// ------------------------------------------------------------------ schemas

static MANAGED_SCALING: Schema = Schema {
    what: "managedScaling",
    fields: &[
        ("status", M),
        ("targetCapacity", M),
        ("minimumScalingStepSize", M),
        ("maximumScalingStepSize", M),
        ("instanceWarmupPeriod", M),
    ],
};

static ASG_PROVIDER: Schema = Schema {
    what: "an autoScalingGroupProvider",
    fields: &[
        ("autoScalingGroupArn", M),
        ("managedScaling", Modelled(Object(&MANAGED_SCALING))),
        ("managedTerminationProtection", M),
        ("managedDraining", M),
    ],
};

/// create-capacity-provider input and one describe-capacity-providers entry.
static CAPACITY_PROVIDER: Schema = Schema {
    what: "a capacity provider",
    fields: &[
        ("name", M),
        ("autoScalingGroupProvider", Modelled(Object(&ASG_PROVIDER))),
        ("managedInstancesProvider", M),
        ("cluster", Unmodelled),
        ("tags", Unmodelled),
        ("capacityProviderArn", Derived),
        ("status", Derived),
        ("updateStatus", Derived),
        ("updateStatusReason", Derived),
        ("type", Derived),
    ],
};

static DESCRIBE_CAPACITY_PROVIDERS: Schema = Schema {
    what: "describe-capacity-providers output",
    fields: &[("capacityProviders", Modelled(ArrayOf(&CAPACITY_PROVIDER))), ("failures", Derived), ("nextToken", Derived)],
};

static STRATEGY_ITEM: Schema =
    Schema { what: "a capacity provider strategy item", fields: &[("capacityProvider", M), ("base", M), ("weight", M)] };

static PUT_CLUSTER_CAPACITY_PROVIDERS: Schema = Schema {
    what: "put-cluster-capacity-providers input",
    fields: &[("cluster", M), ("capacityProviders", M), ("defaultCapacityProviderStrategy", Modelled(ArrayOf(&STRATEGY_ITEM)))],
};

// ------------------------------------------------------------------ shared helpers

/// A non-negative whole number that fits `u32`, or a located error.
fn uint(ctx: &mut Ctx, s: &Scalar, path: &JPath) -> Option<u32> {
    let n = ctx.int(s, path, i64::MIN, i64::MAX)?;
    match u32::try_from(n) {
        Ok(n) => Some(n),
        Err(_) => {
            ctx.error(path, At::Value, format!("`{path}` is {n}; it must be a whole number ≥ 0"));
            None
        }
    }
}

/// A whole number in `range`, or a located error saying what the API accepts and `help`.
fn uint_in(ctx: &mut Ctx, s: &Scalar, path: &JPath, range: std::ops::RangeInclusive<u32>, api: &str, help: &str) -> Option<u32> {
    let n = ctx.int(s, path, i64::MIN, i64::MAX)?;
    if (i64::from(*range.start())..=i64::from(*range.end())).contains(&n) {
        return Some(n as u32);
    }
    ctx.error_help(path, At::Value, format!("`{path}` is {n}; {api} accepts {}–{}", range.start(), range.end()), help);
    None
}

/// "ENABLED" → true, "DISABLED" → false.
fn enabled(ctx: &mut Ctx, s: &str, path: &JPath) -> Option<bool> {
    ctx.one_of(s, path, &["ENABLED", "DISABLED"]).map(|v| v == "ENABLED")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::scenario) struct RawStrategyItem {
    capacity_provider: Option<String>,
    base: Option<Scalar>,
    weight: Option<Scalar>,
}

/// A capacity provider strategy written at `path` (a list of items), checked by
/// `capacity_rules::strategy` and, when `known` is given, against the cluster's providers.
/// `None` after reporting.
pub(in crate::scenario) fn strategy_at(
    ctx: &mut Ctx,
    raw: &[RawStrategyItem],
    path: &JPath,
    known: Option<&[String]>,
) -> Option<CapacityProviderStrategy> {
    let mut items = Vec::new();
    let mut read_all = true;
    for (i, it) in raw.iter().enumerate() {
        let here = path.idx(i);
        let name = match &it.capacity_provider {
            Some(n) => ctx.needed_str(n, &here.key("capacityProvider")).map(str::to_string),
            None => {
                ctx.error(&here, At::Value, "a strategy item needs a `capacityProvider`");
                None
            }
        };
        // The API default is 0 for both; the console's weight default of 1 does not apply to files.
        let base = it.base.as_ref().map_or(Some(0), |s| uint(ctx, s, &here.key("base")));
        let weight = it.weight.as_ref().map_or(Some(0), |s| uint(ctx, s, &here.key("weight")));
        match (name, base, weight) {
            (Some(capacity_provider), Some(base), Some(weight)) => items.push(StrategyItem { capacity_provider, base, weight }),
            _ => read_all = false,
        }
    }
    if !read_all {
        return None;
    }
    let problems = match capacity_rules::strategy(items, known) {
        Ok(s) => return Some(s),
        Err(problems) => problems,
    };
    for p in problems {
        let at = match p.at {
            (None, _) => path.clone(),
            (Some(i), None | Some(StrategyField::CapacityProvider)) => path.idx(i).key("capacityProvider"),
            (Some(i), Some(StrategyField::Base)) => path.idx(i).key("base"),
            (Some(i), Some(StrategyField::Weight)) => path.idx(i).key("weight"),
            (Some(i), Some(StrategyField::List)) => path.idx(i),
        };
        ctx.error_help(&at, At::Value, p.message, p.help);
    }
    None
}

// ------------------------------------------------------------------ capacity providers

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCapacityProvider {
    name: Option<String>,
    auto_scaling_group_provider: Option<RawAsgProvider>,
    managed_instances_provider: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAsgProvider {
    auto_scaling_group_arn: Option<String>,
    managed_scaling: Option<RawManagedScaling>,
    managed_termination_protection: Option<String>,
    managed_draining: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawManagedScaling {
    status: Option<String>,
    target_capacity: Option<Scalar>,
    minimum_scaling_step_size: Option<Scalar>,
    maximum_scaling_step_size: Option<Scalar>,
    instance_warmup_period: Option<Scalar>,
}

/// Loads create-capacity-provider input (one provider) or describe-capacity-providers output
/// (every Auto Scaling group provider, in file order). `Ok` carries the warnings; `Err` every
/// message.
pub fn load_capacity_providers(path: &Path, text: &str) -> Result<(Vec<CapacityProviderConfig>, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let root_path = JPath::root();
    let mut out: Vec<CapacityProviderConfig> = Vec::new();
    match root.get("capacityProviders") {
        Some(Value::Array(list)) if list.iter().all(Value::is_object) => {
            ctx.check_fields(&root, &DESCRIBE_CAPACITY_PROVIDERS, &root_path, Severity::Warning);
            ctx.flush_unmodelled(true);
            let list_path = root_path.key("capacityProviders");
            for (i, v) in list.iter().enumerate() {
                let here = list_path.idx(i);
                // The predefined providers are listed too; they need no configuration.
                if v.get("name").and_then(Value::as_str).is_some_and(is_fargate_provider) {
                    continue;
                }
                let Some(cp) = capacity_provider(&mut ctx, v, &here) else { continue };
                if out.iter().any(|o| o.name == cp.name) {
                    ctx.error(&here.key("name"), At::Value, format!("capacity provider {:?} is listed twice", cp.name));
                    continue;
                }
                out.push(cp);
            }
        }
        Some(_) => ctx.error_help(
            &root_path.key("capacityProviders"),
            At::Key,
            "this looks like put-cluster-capacity-providers input (a list of names), not a capacity provider",
            "load it with load_cluster_capacity_providers, or give create-capacity-provider input",
        ),
        None if root.is_object() => {
            ctx.check_fields(&root, &CAPACITY_PROVIDER, &root_path, Severity::Error);
            ctx.flush_unmodelled(false);
            out.extend(capacity_provider(&mut ctx, &root, &root_path));
        }
        None => ctx.error(
            &root_path,
            At::Value,
            "expected create-capacity-provider input (a JSON object) or describe-capacity-providers output ({\"capacityProviders\": [...]})",
        ),
    }
    ctx.finish(Some(out))
}

fn capacity_provider(ctx: &mut Ctx, v: &Value, path: &JPath) -> Option<CapacityProviderConfig> {
    let raw: RawCapacityProvider = ctx.de(v, path)?;
    let Some(name) = raw.name.as_deref() else {
        ctx.error_help(path, At::Value, "a capacity provider without a `name`", "add \"name\": \"cp-web\"");
        return None;
    };
    let name = ctx.needed_str(name, &path.key("name"))?;
    if let Some(problem) = name_problem(name) {
        ctx.error_help(&path.key("name"), At::Value, problem, "rename the capacity provider");
    }
    if raw.managed_instances_provider.is_some() {
        ctx.error_help(
            &path.key("managedInstancesProvider"),
            At::Key,
            "ECS Managed Instances capacity providers are not modelled",
            "use an autoScalingGroupProvider, or FARGATE / FARGATE_SPOT",
        );
        return None;
    }
    let Some(asg) = raw.auto_scaling_group_provider else {
        ctx.error_help(
            path,
            At::Value,
            format!("capacity provider \"{name}\" has no `autoScalingGroupProvider`"),
            "add the group's ARN and settings",
        );
        return None;
    };
    let asg_path = path.key("autoScalingGroupProvider");
    let Some(arn) = asg.auto_scaling_group_arn.as_deref() else {
        ctx.error_help(&asg_path, At::Value, "`autoScalingGroupArn` is missing", "give the Auto Scaling group's ARN");
        return None;
    };
    let arn_path = asg_path.key("autoScalingGroupArn");
    let arn = ctx.needed_str(arn, &arn_path)?;
    let group = match arn.split_once(":autoScalingGroupName/") {
        Some((_, group)) if !group.is_empty() => group,
        _ if arn.starts_with("arn:") => {
            ctx.error_help(
                &arn_path,
                At::Value,
                format!("\"{arn}\" is not an Auto Scaling group ARN"),
                "arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME",
            );
            return None;
        }
        _ => {
            ctx.warn(
                &arn_path,
                At::Value,
                format!("CreateCapacityProvider takes the group's ARN; ecsim reads \"{arn}\" as the group's name"),
            );
            arn
        }
    };
    let mut cp = CapacityProviderConfig::new(name, group);
    // Without `managedScaling` (or its `status`) the provider does not scale the group (ecsim's choice).
    cp.managed_scaling.enabled = false;
    if let Some(ms) = &asg.managed_scaling {
        cp.managed_scaling = managed_scaling(ctx, ms, &asg_path.key("managedScaling"));
    }
    if let Some(s) = &asg.managed_termination_protection {
        if let Some(on) = enabled(ctx, s, &asg_path.key("managedTerminationProtection")) {
            cp.managed_termination_protection = on;
            if on && !cp.managed_scaling.enabled {
                ctx.warn_help(
                    &asg_path.key("managedTerminationProtection"),
                    At::Value,
                    "managed termination protection does nothing without managed scaling",
                    "set managedScaling.status to \"ENABLED\"",
                );
            }
        }
    }
    if let Some(s) = &asg.managed_draining {
        if let Some(on) = enabled(ctx, s, &asg_path.key("managedDraining")) {
            cp.managed_draining = on;
        }
    }
    Some(cp)
}

fn managed_scaling(ctx: &mut Ctx, raw: &RawManagedScaling, path: &JPath) -> ManagedScaling {
    let enabled = match &raw.status {
        Some(s) => enabled(ctx, s, &path.key("status")).unwrap_or(false),
        None => {
            ctx.warn_help(
                path,
                At::Value,
                "managedScaling has no `status`: the provider will not scale the group",
                "add \"status\": \"ENABLED\"",
            );
            false
        }
    };
    let key = |k| match k {
        ScalingKey::TargetCapacity => "targetCapacity",
        ScalingKey::MinimumStep => "minimumScalingStepSize",
        ScalingKey::MaximumStep => "maximumScalingStepSize",
        ScalingKey::Warmup => "instanceWarmupPeriod",
    };
    let mut value = |s: &Option<Scalar>, k| s.as_ref().and_then(|s| ctx.int(s, &path.key(key(k)), i64::MIN, i64::MAX));
    let draft = ManagedScalingDraft {
        enabled,
        target_capacity: value(&raw.target_capacity, ScalingKey::TargetCapacity),
        minimum_step: value(&raw.minimum_scaling_step_size, ScalingKey::MinimumStep),
        maximum_step: value(&raw.maximum_scaling_step_size, ScalingKey::MaximumStep),
        warmup_s: value(&raw.instance_warmup_period, ScalingKey::Warmup),
    };
    let (ms, problems) = capacity_rules::managed_scaling(&draft, key);
    for p in problems {
        ctx.error_help(&path.key(key(p.at)), At::Value, p.message, p.help);
    }
    ms
}

// ------------------------------------------------------------------ cluster providers

/// put-cluster-capacity-providers input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterCapacityProviders {
    pub cluster: String,
    pub capacity_providers: Vec<String>,
    /// `None` when the list is empty (no default: tasks need a launch type or a strategy).
    pub default_strategy: Option<CapacityProviderStrategy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawClusterProviders {
    cluster: Option<String>,
    capacity_providers: Option<Vec<String>>,
    default_capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
}

/// Loads put-cluster-capacity-providers input. Every provider must be FARGATE, FARGATE_SPOT or
/// one of `known` (the capacity providers the scenario defines); the default strategy may only
/// name the cluster's providers.
pub fn load_cluster_capacity_providers(
    path: &Path,
    text: &str,
    known: &[&str],
) -> Result<(ClusterCapacityProviders, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let root_path = JPath::root();
    if !root.is_object() {
        ctx.error(&root_path, At::Value, "expected put-cluster-capacity-providers input (a JSON object)");
        return ctx.finish(None);
    }
    ctx.check_fields(&root, &PUT_CLUSTER_CAPACITY_PROVIDERS, &root_path, Severity::Error);
    ctx.flush_unmodelled(false);
    let Some(raw) = ctx.de::<RawClusterProviders>(&root, &root_path) else {
        return ctx.finish(None);
    };
    let cluster = raw.cluster.unwrap_or_else(|| {
        ctx.error_help(&root_path, At::Value, "`cluster` is missing", "name the cluster the providers belong to");
        String::new()
    });
    let list_path = root_path.key("capacityProviders");
    let mut providers: Vec<String> = Vec::new();
    match raw.capacity_providers {
        None => ctx.error_help(
            &root_path,
            At::Value,
            "`capacityProviders` is missing",
            "PutClusterCapacityProviders replaces the whole list: give every provider, [] for none",
        ),
        Some(list) => {
            let problems;
            (providers, problems) = capacity_rules::cluster_providers(list.iter().map(String::as_str), known);
            for p in problems {
                ctx.error_help(&list_path.idx(p.at), At::Value, p.message, p.help);
            }
        }
    }
    let mut default_strategy = None;
    if let Some(items) = raw.default_capacity_provider_strategy.filter(|s| !s.is_empty()) {
        default_strategy = strategy_at(&mut ctx, &items, &root_path.key("defaultCapacityProviderStrategy"), Some(&providers));
    }
    let out = ClusterCapacityProviders { cluster, capacity_providers: providers, default_strategy };
    ctx.finish(Some(out))
}
