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
//! `json_locate`, the same field policy (unknown names are errors with a "did you mean",
//! settings ecsim does not simulate give one warning each), and every problem collected. The
//! rules are those of spec §12 (`crate::capacity`), each reported where it is written.

use super::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use super::ecs_json::schema::Shape::{ArrayOf, Leaf, Object};
use super::ecs_json::schema::{Field, Schema};
use super::ecs_json::{did_you_mean, parse_task_cpu, parse_task_memory, At, Ctx, JPath, Scalar};
use crate::capacity::asg::{AllocationStrategy, AsgConfig, HealthCheckType, PurchaseOption, TerminationPolicy};
use crate::capacity::fargate;
use crate::capacity::provider::{
    name_problem, CapacityProviderConfig, ManagedScaling, INSTANCE_WARMUP_RANGE_S, SCALING_STEP_RANGE, TARGET_CAPACITY_RANGE,
};
use crate::capacity::strategy::{is_fargate_provider, CapacityProviderStrategy, StrategyField, StrategyItem, FARGATE, FARGATE_SPOT};
use crate::ecs::instance_types::{self, InstanceType};
use crate::ecs::service::LaunchType;
use crate::ecs::TaskDefinition;
use crate::engine::Span;
use crate::model::diagnostic::{Diagnostics, Severity};
use serde::Deserialize;
use serde_json::Value;
use std::ops::RangeInclusive;
use std::path::Path;

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

static LAUNCH_TEMPLATE_SPEC: Schema = Schema {
    what: "a launch template specification",
    fields: &[("LaunchTemplateId", Derived), ("LaunchTemplateName", Derived), ("Version", Derived)],
};

static OVERRIDE: Schema = Schema {
    what: "a launch template override",
    fields: &[
        ("InstanceType", M),
        ("WeightedCapacity", M),
        ("InstanceRequirements", M),
        ("LaunchTemplateSpecification", Derived),
        ("ImageId", Derived),
    ],
};

static MIXED_LAUNCH_TEMPLATE: Schema = Schema {
    what: "MixedInstancesPolicy.LaunchTemplate",
    fields: &[("LaunchTemplateSpecification", Modelled(Object(&LAUNCH_TEMPLATE_SPEC))), ("Overrides", Modelled(ArrayOf(&OVERRIDE)))],
};

static INSTANCES_DISTRIBUTION: Schema = Schema {
    what: "InstancesDistribution",
    fields: &[
        ("OnDemandAllocationStrategy", M),
        ("OnDemandBaseCapacity", M),
        ("OnDemandPercentageAboveBaseCapacity", M),
        ("SpotAllocationStrategy", M),
        ("SpotInstancePools", Derived),
        ("SpotMaxPrice", Unmodelled),
    ],
};

static MIXED_INSTANCES_POLICY: Schema = Schema {
    what: "a MixedInstancesPolicy",
    fields: &[
        ("LaunchTemplate", Modelled(Object(&MIXED_LAUNCH_TEMPLATE))),
        ("InstancesDistribution", Modelled(Object(&INSTANCES_DISTRIBUTION))),
    ],
};

/// create-auto-scaling-group input. Networking, tags and the launch template's contents change
/// nothing ecsim models and are accepted silently; features it does not simulate warn.
static CREATE_AUTO_SCALING_GROUP: Schema = Schema {
    what: "create-auto-scaling-group input",
    fields: &[
        ("AutoScalingGroupName", M),
        ("LaunchTemplate", Modelled(Object(&LAUNCH_TEMPLATE_SPEC))),
        ("LaunchConfigurationName", Derived),
        ("MixedInstancesPolicy", Modelled(Object(&MIXED_INSTANCES_POLICY))),
        ("MinSize", M),
        ("MaxSize", M),
        ("DesiredCapacity", M),
        ("DesiredCapacityType", M),
        ("DefaultCooldown", M),
        ("AvailabilityZones", M),
        ("VPCZoneIdentifier", M),
        ("HealthCheckType", M),
        ("HealthCheckGracePeriod", M),
        ("TerminationPolicies", M),
        ("NewInstancesProtectedFromScaleIn", M),
        ("DefaultInstanceWarmup", M),
        ("InstanceId", Unmodelled),
        ("LoadBalancerNames", Unmodelled),
        ("TargetGroupARNs", Unmodelled),
        ("TrafficSources", Unmodelled),
        ("PlacementGroup", Unmodelled),
        ("CapacityRebalance", Unmodelled),
        ("LifecycleHookSpecificationList", Unmodelled),
        ("MaxInstanceLifetime", Unmodelled),
        ("InstanceMaintenancePolicy", Unmodelled),
        ("AvailabilityZoneDistribution", Unmodelled),
        ("AvailabilityZoneImpairmentPolicy", Unmodelled),
        ("CapacityReservationSpecification", Unmodelled),
        ("InstanceLifecyclePolicy", Unmodelled),
        ("Tags", Derived),
        ("ServiceLinkedRoleARN", Derived),
        ("Context", Derived),
        ("SkipZonalShiftValidation", Derived),
    ],
};

static TASK_OVERRIDE: Schema = Schema {
    what: "task overrides",
    fields: &[
        ("cpu", M),
        ("memory", M),
        ("containerOverrides", Unmodelled),
        ("ephemeralStorage", Unmodelled),
        ("inferenceAcceleratorOverrides", Unmodelled),
        ("executionRoleArn", Derived),
        ("taskRoleArn", Derived),
    ],
};

static RUN_TASK: Schema = Schema {
    what: "run-task input",
    fields: &[
        ("cluster", M),
        ("taskDefinition", M),
        ("count", M),
        ("group", M),
        ("launchType", M),
        ("capacityProviderStrategy", Modelled(ArrayOf(&STRATEGY_ITEM))),
        ("platformVersion", M),
        ("overrides", Modelled(Object(&TASK_OVERRIDE))),
        ("placementConstraints", Unmodelled),
        ("placementStrategy", Unmodelled),
        ("volumeConfigurations", Unmodelled),
        ("enableExecuteCommand", Unmodelled),
        ("networkConfiguration", Derived),
        ("startedBy", Derived),
        ("tags", Derived),
        ("enableECSManagedTags", Derived),
        ("propagateTags", Derived),
        ("referenceId", Derived),
        ("clientToken", Derived),
    ],
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
fn uint_in(ctx: &mut Ctx, s: &Scalar, path: &JPath, range: RangeInclusive<u32>, api: &str, help: &str) -> Option<u32> {
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

/// A capacity provider strategy written at `path` (a list of items), checked against spec §12.2
/// and, when `known` is given, against the cluster's providers. `None` after reporting.
pub(in crate::scenario) fn strategy_at(
    ctx: &mut Ctx,
    raw: &[RawStrategyItem],
    path: &JPath,
    known: Option<&[String]>,
) -> Option<CapacityProviderStrategy> {
    let mut items = Vec::new();
    let mut ok = true;
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
            (Some(name), Some(base), Some(weight)) => {
                if let Some(known) = known {
                    if !known.contains(&name) {
                        let message = format!("capacity provider \"{name}\" is not one of the cluster's capacity providers");
                        let help = match did_you_mean(&name, known.iter().map(String::as_str)) {
                            Some(m) => format!("did you mean \"{m}\"?"),
                            None => format!("add it to `capacityProviders` first; the cluster has {known:?}"),
                        };
                        ctx.error_help(&here.key("capacityProvider"), At::Value, message, help);
                        ok = false;
                    }
                }
                items.push(StrategyItem { capacity_provider: name, base, weight });
            }
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    match CapacityProviderStrategy::new(items) {
        Ok(s) => Some(s),
        Err(problems) => {
            for p in problems {
                let (at, key_help) = match (p.item, p.field) {
                    (None, _) => (path.clone(), "a strategy lists 1–20 providers, and at least one needs a weight above 0"),
                    (Some(i), StrategyField::Base) => (path.idx(i).key("base"), "give a base to one capacity provider only"),
                    (Some(i), StrategyField::Weight) => (path.idx(i).key("weight"), "weights are 0–1000"),
                    (Some(i), StrategyField::CapacityProvider) => {
                        (path.idx(i).key("capacityProvider"), "use FARGATE/FARGATE_SPOT or Auto Scaling group providers, not both")
                    }
                    (Some(i), StrategyField::List) => (path.idx(i), ""),
                };
                if key_help.is_empty() {
                    ctx.error(&at, At::Value, p.message);
                } else {
                    ctx.error_help(&at, At::Value, p.message, key_help);
                }
            }
            None
        }
    }
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
    // Without `managedScaling` (or its `status`) the provider does not scale the group [INF].
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
    let mut ms = ManagedScaling { enabled: false, ..ManagedScaling::default() };
    match &raw.status {
        Some(s) => ms.enabled = enabled(ctx, s, &path.key("status")).unwrap_or(false),
        None => ctx.warn_help(
            path,
            At::Value,
            "managedScaling has no `status`: the provider will not scale the group",
            "add \"status\": \"ENABLED\"",
        ),
    }
    if let Some(s) = &raw.target_capacity {
        let help = "targetCapacity is the percentage of the group the tasks should fill: 100 keeps no spare instance, 90 about 10 %";
        if let Some(n) = uint_in(ctx, s, &path.key("targetCapacity"), TARGET_CAPACITY_RANGE, "ECS", help) {
            ms.target_capacity_percent = n;
        }
    }
    let step_help = "a number of instances, 1–10000";
    if let Some(s) = &raw.minimum_scaling_step_size {
        if let Some(n) = uint_in(ctx, s, &path.key("minimumScalingStepSize"), SCALING_STEP_RANGE, "ECS", step_help) {
            ms.minimum_scaling_step_size = n;
        }
    }
    if let Some(s) = &raw.maximum_scaling_step_size {
        if let Some(n) = uint_in(ctx, s, &path.key("maximumScalingStepSize"), SCALING_STEP_RANGE, "ECS", step_help) {
            ms.maximum_scaling_step_size = n;
        }
    }
    if ms.minimum_scaling_step_size > ms.maximum_scaling_step_size {
        ctx.error_help(
            &path.key("minimumScalingStepSize"),
            At::Value,
            format!(
                "minimumScalingStepSize {} is above maximumScalingStepSize {}",
                ms.minimum_scaling_step_size, ms.maximum_scaling_step_size
            ),
            "lower the minimum or raise the maximum",
        );
    }
    if let Some(s) = &raw.instance_warmup_period {
        if let Some(n) = uint_in(ctx, s, &path.key("instanceWarmupPeriod"), INSTANCE_WARMUP_RANGE_S, "ECS", "seconds, 0–10000") {
            ms.instance_warmup_period = Span::from_secs(u64::from(n));
        }
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
            for (i, name) in list.into_iter().enumerate() {
                let here = list_path.idx(i);
                if providers.contains(&name) {
                    ctx.error(&here, At::Value, format!("capacity provider \"{name}\" is listed twice"));
                    continue;
                }
                if !is_fargate_provider(&name) && !known.contains(&name.as_str()) {
                    let candidates = known.iter().copied().chain([FARGATE, FARGATE_SPOT]);
                    let message = format!("capacity provider \"{name}\" is not defined");
                    match did_you_mean(&name, candidates) {
                        Some(m) => ctx.error_help(&here, At::Value, message, format!("did you mean \"{m}\"?")),
                        None => ctx.error_help(
                            &here,
                            At::Value,
                            message,
                            format!("define it with create-capacity-provider input; defined: {known:?}, plus FARGATE and FARGATE_SPOT"),
                        ),
                    }
                }
                providers.push(name);
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

// ------------------------------------------------------------------ Auto Scaling groups

/// What a create-auto-scaling-group file cannot say.
#[derive(Debug, Clone, Default)]
pub struct AsgLoadOptions<'a> {
    /// The type of a group launched from a launch template or configuration without overrides
    /// (the type lives in the template, which ecsim does not read).
    pub instance_type: Option<&'static InstanceType>,
    /// Subnet ID → Availability Zone, for groups given by `VPCZoneIdentifier` alone.
    pub subnet_zones: &'a [(String, String)],
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAsg {
    auto_scaling_group_name: Option<String>,
    launch_template: Option<Value>,
    launch_configuration_name: Option<String>,
    mixed_instances_policy: Option<RawMixedPolicy>,
    min_size: Option<Scalar>,
    max_size: Option<Scalar>,
    desired_capacity: Option<Scalar>,
    desired_capacity_type: Option<String>,
    default_cooldown: Option<Scalar>,
    availability_zones: Option<Vec<String>>,
    #[serde(rename = "VPCZoneIdentifier")]
    vpc_zone_identifier: Option<String>,
    health_check_type: Option<String>,
    health_check_grace_period: Option<Scalar>,
    termination_policies: Option<Vec<String>>,
    new_instances_protected_from_scale_in: Option<bool>,
    default_instance_warmup: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawMixedPolicy {
    launch_template: Option<RawMixedLaunchTemplate>,
    instances_distribution: Option<RawDistribution>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawMixedLaunchTemplate {
    overrides: Option<Vec<RawOverride>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawOverride {
    instance_type: Option<String>,
    weighted_capacity: Option<Value>,
    instance_requirements: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDistribution {
    on_demand_allocation_strategy: Option<String>,
    on_demand_base_capacity: Option<Scalar>,
    on_demand_percentage_above_base_capacity: Option<Scalar>,
    spot_allocation_strategy: Option<String>,
}

/// Loads create-auto-scaling-group input. The launch latencies, the Spot price factor and the
/// names of zones behind subnets are scenario settings, not AWS fields: the group gets the
/// defaults of `crate::capacity::asg` and `options`.
pub fn load_auto_scaling_group(path: &Path, text: &str, options: &AsgLoadOptions) -> Result<(AsgConfig, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::for_api(path, text, "EC2 Auto Scaling");
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let root_path = JPath::root();
    if root.get("AutoScalingGroups").is_some() {
        ctx.error_help(
            &root_path.key("AutoScalingGroups"),
            At::Key,
            "this is describe-auto-scaling-groups output; ecsim reads create-auto-scaling-group input",
            "run `aws autoscaling create-auto-scaling-group --generate-cli-skeleton` for the shape, or copy the group's settings into it",
        );
        return ctx.finish(None);
    }
    if !root.is_object() {
        ctx.error(&root_path, At::Value, "expected create-auto-scaling-group input (a JSON object)");
        return ctx.finish(None);
    }
    ctx.check_fields(&root, &CREATE_AUTO_SCALING_GROUP, &root_path, Severity::Error);
    ctx.flush_unmodelled(false);
    let Some(raw) = ctx.de::<RawAsg>(&root, &root_path) else {
        return ctx.finish(None);
    };
    let asg = auto_scaling_group(&mut ctx, raw, &root_path, options);
    ctx.finish(asg)
}

fn auto_scaling_group(ctx: &mut Ctx, raw: RawAsg, root: &JPath, options: &AsgLoadOptions) -> Option<AsgConfig> {
    let name = match raw.auto_scaling_group_name.as_deref() {
        Some(n) => {
            let n = ctx.needed_str(n, &root.key("AutoScalingGroupName"))?;
            if n.is_empty() || n.chars().count() > 255 {
                ctx.error(&root.key("AutoScalingGroupName"), At::Value, "an Auto Scaling group name has 1–255 characters");
            }
            n.to_string()
        }
        None => {
            ctx.error_help(root, At::Value, "`AutoScalingGroupName` is missing", "name the group");
            String::new()
        }
    };
    let (types, allocation_strategy, purchase) = instance_types(ctx, &raw, root, options);
    let zones = zones(ctx, &raw, root, options);
    let size = |ctx: &mut Ctx, s: &Option<Scalar>, key: &str| s.as_ref().and_then(|s| uint(ctx, s, &root.key(key)));
    let min = size(ctx, &raw.min_size, "MinSize");
    let max = size(ctx, &raw.max_size, "MaxSize");
    for (v, key) in [(&raw.min_size, "MinSize"), (&raw.max_size, "MaxSize")] {
        if v.is_none() {
            ctx.error_help(root, At::Value, format!("`{key}` is missing"), "CreateAutoScalingGroup needs MinSize and MaxSize");
        }
    }
    let desired = size(ctx, &raw.desired_capacity, "DesiredCapacity");
    let (mut min_size, mut max_size) = (min.unwrap_or(0), max.unwrap_or(0));
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            ctx.error_help(
                &root.key("MinSize"),
                At::Value,
                format!("MinSize {lo} is above MaxSize {hi}"),
                "the group keeps between MinSize and MaxSize instances: lower MinSize or raise MaxSize",
            );
            (min_size, max_size) = (lo, lo);
        }
    }
    // DesiredCapacity defaults to MinSize (CreateAutoScalingGroup).
    let desired_capacity = match desired {
        Some(d) if (min_size..=max_size).contains(&d) => d,
        Some(d) => {
            ctx.error_help(
                &root.key("DesiredCapacity"),
                At::Value,
                format!("DesiredCapacity {d} is outside MinSize {min_size} … MaxSize {max_size}"),
                "give a desired capacity between the two",
            );
            min_size
        }
        None => min_size,
    };
    if max == Some(0) {
        ctx.warn(
            &root.key("MaxSize"),
            At::Value,
            "MaxSize 0: the group can never launch an instance, so a capacity provider cannot scale it out",
        );
    }
    if let Some(t) = &raw.desired_capacity_type {
        let here = root.key("DesiredCapacityType");
        if let Some(t) = ctx.one_of(t, &here, &["units", "vcpu", "memory-mib"]) {
            if t != "units" {
                ctx.error(
                    &here,
                    At::Value,
                    format!("DesiredCapacityType \"{t}\" weights instances, which ECS capacity providers do not allow"),
                );
            }
        }
    }
    let seconds = |ctx: &mut Ctx, s: &Option<Scalar>, key: &str| {
        s.as_ref().and_then(|s| uint(ctx, s, &root.key(key))).map(|n| Span::from_secs(u64::from(n)))
    };
    let mut asg = AsgConfig::new(&name, types.first().copied().unwrap_or(&instance_types::INSTANCE_TYPES[0]), &[]);
    asg.instance_types = types;
    asg.allocation_strategy = allocation_strategy;
    asg.purchase = purchase;
    asg.zones = zones;
    asg.min_size = min_size;
    asg.max_size = max_size;
    asg.desired_capacity = desired_capacity;
    if let Some(c) = seconds(ctx, &raw.default_cooldown, "DefaultCooldown") {
        asg.default_cooldown = c;
    }
    if let Some(g) = seconds(ctx, &raw.health_check_grace_period, "HealthCheckGracePeriod") {
        asg.health_check_grace_period = g;
    }
    asg.default_instance_warmup = seconds(ctx, &raw.default_instance_warmup, "DefaultInstanceWarmup");
    if let Some(t) = &raw.health_check_type {
        let here = root.key("HealthCheckType");
        match ctx.one_of(t, &here, &["EC2", "ELB", "VPC_LATTICE", "EBS"]) {
            Some("ELB") => asg.health_check_type = HealthCheckType::Elb,
            Some("EC2") | None => {}
            Some(other) => ctx.warn(&here, At::Value, format!("{other} health checks are not modelled; ecsim uses EC2 status checks")),
        }
    }
    if let Some(list) = &raw.termination_policies {
        asg.termination_policies = termination_policies(ctx, list, &root.key("TerminationPolicies"));
    }
    asg.new_instances_protected_from_scale_in = raw.new_instances_protected_from_scale_in.unwrap_or(false);
    Some(asg)
}

/// The group's types (overrides order), how a launch picks among them, and the purchase option.
fn instance_types(
    ctx: &mut Ctx,
    raw: &RawAsg,
    root: &JPath,
    options: &AsgLoadOptions,
) -> (Vec<&'static InstanceType>, AllocationStrategy, PurchaseOption) {
    let mut types: Vec<&'static InstanceType> = Vec::new();
    let mut strategy = AllocationStrategy::Prioritized;
    let mut purchase = PurchaseOption::OnDemand;
    let mip_path = root.key("MixedInstancesPolicy");
    let overrides = raw.mixed_instances_policy.as_ref().and_then(|m| m.launch_template.as_ref()).and_then(|lt| lt.overrides.as_deref());
    if raw.mixed_instances_policy.is_some() && (raw.launch_template.is_some() || raw.launch_configuration_name.is_some()) {
        ctx.error(&mip_path, At::Key, "give either MixedInstancesPolicy or LaunchTemplate / LaunchConfigurationName, not both");
    }
    let list_path = mip_path.key("LaunchTemplate").key("Overrides");
    for (i, o) in overrides.unwrap_or(&[]).iter().enumerate() {
        let here = list_path.idx(i);
        if o.weighted_capacity.is_some() {
            ctx.error_help(
                &here.key("WeightedCapacity"),
                At::Key,
                "instance weighting is not allowed with ECS capacity providers",
                "remove WeightedCapacity: every instance counts as one",
            );
        }
        if o.instance_requirements.is_some() {
            ctx.error_help(
                &here.key("InstanceRequirements"),
                At::Key,
                "attribute-based instance type selection is not modelled",
                "list the instance types with \"InstanceType\"",
            );
            continue;
        }
        let Some(name) = o.instance_type.as_deref() else {
            ctx.error(&here, At::Value, "an override needs an `InstanceType`");
            continue;
        };
        match instance_types::lookup(name) {
            Some(t) if types.iter().any(|x| x.name == t.name) => {
                ctx.error(&here.key("InstanceType"), At::Value, format!("instance type {name} is listed twice"))
            }
            Some(t) => types.push(t),
            None => unknown_type(ctx, name, &here.key("InstanceType")),
        }
    }
    if overrides.is_none_or(<[RawOverride]>::is_empty) {
        match options.instance_type {
            Some(t) => types.push(t),
            None => {
                let at = if raw.launch_template.is_some() {
                    root.key("LaunchTemplate")
                } else if raw.launch_configuration_name.is_some() {
                    root.key("LaunchConfigurationName")
                } else if raw.mixed_instances_policy.is_some() {
                    mip_path.clone()
                } else {
                    root.clone()
                };
                ctx.error_help(
                    &at,
                    At::Key,
                    "the group's instance type is in its launch template, which ecsim does not read",
                    "list the types in MixedInstancesPolicy.LaunchTemplate.Overrides, or give the scenario's instance_type",
                );
            }
        }
    }
    if let Some(d) = raw.mixed_instances_policy.as_ref().and_then(|m| m.instances_distribution.as_ref()) {
        let dpath = mip_path.key("InstancesDistribution");
        let base = d.on_demand_base_capacity.as_ref().and_then(|s| uint(ctx, s, &dpath.key("OnDemandBaseCapacity"))).unwrap_or(0);
        let pct_path = dpath.key("OnDemandPercentageAboveBaseCapacity");
        let pct = d
            .on_demand_percentage_above_base_capacity
            .as_ref()
            .and_then(|s| uint_in(ctx, s, &pct_path, 0..=100, "EC2 Auto Scaling", "a percentage, 0–100"))
            .unwrap_or(100);
        let max = raw.max_size.as_ref().and_then(|s| match s {
            Scalar::Num(n) => n.as_u64(),
            Scalar::Str(t) => t.trim().parse().ok(),
        });
        match pct {
            100 => {}
            0 if base == 0 => purchase = PurchaseOption::Spot,
            // A base that covers the whole group leaves no room for Spot.
            0 if max.is_some_and(|m| u64::from(base) >= m) => {}
            _ => ctx.error_help(
                &pct_path,
                At::Value,
                format!("a group mixing on-demand and Spot instances (base {base}, {pct} % on-demand above it) is not modelled"),
                "use two groups, each with its own capacity provider: one on-demand (100), one Spot (0, base 0)",
            ),
        }
        let (key, value) = match purchase {
            PurchaseOption::OnDemand => ("OnDemandAllocationStrategy", &d.on_demand_allocation_strategy),
            PurchaseOption::Spot => ("SpotAllocationStrategy", &d.spot_allocation_strategy),
        };
        strategy = match (purchase, value.as_deref()) {
            (PurchaseOption::OnDemand, None) => AllocationStrategy::Prioritized,
            // Spot's default: price-capacity-optimized, whose price half is what ecsim can model.
            (PurchaseOption::Spot, None) => AllocationStrategy::LowestPrice,
            (_, Some(v)) => {
                let allowed: &[&str] = match purchase {
                    PurchaseOption::OnDemand => &["prioritized", "lowest-price"],
                    PurchaseOption::Spot => {
                        &["price-capacity-optimized", "lowest-price", "capacity-optimized", "capacity-optimized-prioritized"]
                    }
                };
                match ctx.one_of(v, &dpath.key(key), allowed) {
                    Some("lowest-price" | "price-capacity-optimized") => AllocationStrategy::LowestPrice,
                    _ => AllocationStrategy::Prioritized,
                }
            }
        };
    }
    (types, strategy, purchase)
}

fn unknown_type(ctx: &mut Ctx, name: &str, path: &JPath) {
    let names = instance_types::known_names();
    let message = format!("unknown instance type \"{name}\"");
    match did_you_mean(name, names.iter().copied()) {
        Some(m) => ctx.error_help(path, At::Value, message, format!("did you mean \"{m}\"?")),
        None => ctx.error_help(path, At::Value, message, format!("ecsim knows the types of spec §13: {}", names.join(", "))),
    }
}

/// The group's zones: `AvailabilityZones`, else the zones of the `VPCZoneIdentifier` subnets.
fn zones(ctx: &mut Ctx, raw: &RawAsg, root: &JPath, options: &AsgLoadOptions) -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    if let Some(list) = &raw.availability_zones {
        for (i, z) in list.iter().enumerate() {
            if zones.contains(z) {
                ctx.error(&root.key("AvailabilityZones").idx(i), At::Value, format!("Availability Zone {z} is listed twice"));
            } else {
                zones.push(z.clone());
            }
        }
    } else if let Some(ids) = &raw.vpc_zone_identifier {
        let here = root.key("VPCZoneIdentifier");
        let mut unnamed = Vec::new();
        for subnet in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let zone = match options.subnet_zones.iter().find(|(s, _)| s == subnet) {
                Some((_, z)) => z.clone(),
                None => {
                    unnamed.push(subnet.to_string());
                    subnet.to_string()
                }
            };
            if !zones.contains(&zone) {
                zones.push(zone);
            }
        }
        if !unnamed.is_empty() {
            ctx.warn_help(
                &here,
                At::Value,
                format!("the zones of subnets {unnamed:?} are unknown: each is taken as an Availability Zone of its own"),
                "add \"AvailabilityZones\", or map the subnets to zones in the scenario",
            );
        }
    }
    if zones.is_empty() {
        ctx.error_help(root, At::Value, "the group has no Availability Zone", "give \"AvailabilityZones\" or \"VPCZoneIdentifier\"");
    }
    zones
}

fn termination_policies(ctx: &mut Ctx, list: &[String], path: &JPath) -> Vec<TerminationPolicy> {
    let mut out = Vec::new();
    for (i, name) in list.iter().enumerate() {
        let here = path.idx(i);
        if name.starts_with("arn:aws:lambda:") {
            ctx.error_help(
                &here,
                At::Value,
                "custom termination policies (Lambda functions) are not modelled",
                format!("use the predefined policies: {}", TerminationPolicy::NAMES.join(", ")),
            );
            continue;
        }
        if let Some(n) = ctx.one_of(name, &here, &TerminationPolicy::NAMES) {
            out.extend(TerminationPolicy::parse(n));
        }
    }
    if out.is_empty() {
        out.push(TerminationPolicy::Default);
    }
    out
}

// ------------------------------------------------------------------ RunTask

/// The capacity side of a run-task call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTaskRequest {
    pub cluster: Option<String>,
    pub task_definition: String,
    /// 1–10.
    pub count: u32,
    pub group: Option<String>,
    /// Mutually exclusive with `capacity_provider_strategy`; neither = the cluster's default
    /// strategy.
    pub launch_type: Option<LaunchType>,
    pub capacity_provider_strategy: Option<CapacityProviderStrategy>,
    /// Task size overrides (`overrides.cpu`, `overrides.memory`), converted to units and MiB.
    pub cpu_units: Option<u32>,
    pub memory_mib: Option<u32>,
    pub platform_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRunTask {
    cluster: Option<String>,
    task_definition: Option<String>,
    count: Option<Scalar>,
    group: Option<String>,
    launch_type: Option<String>,
    capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    platform_version: Option<String>,
    overrides: Option<RawOverrides>,
}

#[derive(Deserialize)]
struct RawOverrides {
    cpu: Option<String>,
    memory: Option<String>,
}

/// Loads run-task input. When the task runs on Fargate (launch type FARGATE, or a
/// FARGATE/FARGATE_SPOT strategy) its size — the overrides, else `task_definition`'s — must be
/// one of spec §12.6, on a platform version that offers it.
pub fn load_run_task(
    path: &Path,
    text: &str,
    task_definition: Option<&TaskDefinition>,
) -> Result<(RunTaskRequest, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    let root_path = JPath::root();
    if !root.is_object() {
        ctx.error(&root_path, At::Value, "expected run-task input (a JSON object)");
        return ctx.finish(None);
    }
    ctx.check_fields(&root, &RUN_TASK, &root_path, Severity::Error);
    ctx.flush_unmodelled(false);
    let Some(raw) = ctx.de::<RawRunTask>(&root, &root_path) else {
        return ctx.finish(None);
    };
    let task_definition_name = raw.task_definition.clone().unwrap_or_else(|| {
        ctx.error_help(&root_path, At::Value, "`taskDefinition` is missing", "give family:revision or the task definition's ARN");
        String::new()
    });
    let count = match &raw.count {
        Some(s) => uint_in(&mut ctx, s, &root_path.key("count"), 1..=10, "RunTask", "start at most 10 tasks per call").unwrap_or(1),
        None => 1,
    };
    let launch_path = root_path.key("launchType");
    let launch_type = raw.launch_type.as_deref().and_then(|l| match ctx.one_of(l, &launch_path, &["EC2", "FARGATE", "EXTERNAL"]) {
        Some("FARGATE") => Some(LaunchType::Fargate),
        Some("EXTERNAL") => Some(LaunchType::External),
        Some(_) => Some(LaunchType::Ec2),
        None => None,
    });
    let strategy_path = root_path.key("capacityProviderStrategy");
    let strategy = match raw.capacity_provider_strategy.as_deref() {
        Some(items) if !items.is_empty() => {
            if raw.launch_type.is_some() {
                ctx.error_help(
                    &strategy_path,
                    At::Key,
                    "launchType and capacityProviderStrategy cannot both be given",
                    "remove one: a task launched with a launch type is invisible to capacity providers",
                );
            }
            strategy_at(&mut ctx, items, &strategy_path, None)
        }
        _ => None,
    };
    let over_path = root_path.key("overrides");
    let overrides = raw.overrides.as_ref();
    let cpu_units = overrides.and_then(|o| o.cpu.as_deref()).and_then(|c| match parse_task_cpu(c) {
        Ok(n) => Some(n),
        Err(m) => {
            ctx.error(&over_path.key("cpu"), At::Value, m);
            None
        }
    });
    let memory_mib = overrides.and_then(|o| o.memory.as_deref()).and_then(|m| match parse_task_memory(m) {
        Ok(n) => Some(n),
        Err(e) => {
            ctx.error(&over_path.key("memory"), At::Value, e);
            None
        }
    });
    let on_fargate = launch_type == Some(LaunchType::Fargate) || strategy.as_ref().is_some_and(CapacityProviderStrategy::is_fargate);
    if on_fargate {
        let spot = strategy.as_ref().and_then(|s| s.items().iter().position(|it| it.capacity_provider == FARGATE_SPOT));
        if let (Some(i), Some(td)) = (spot, task_definition) {
            if let Err(m) = fargate::check_spot_architecture(td.cpu_architecture) {
                ctx.error_help(&strategy_path.idx(i), At::Value, m, "use FARGATE for ARM64 tasks");
            }
        }
        let cpu = cpu_units.or(task_definition.and_then(|t| t.cpu_units));
        let memory = memory_mib.or(task_definition.and_then(|t| t.memory_mib));
        // Point at the override when there is one, else at what chose Fargate.
        let at_cpu = if cpu_units.is_some() { over_path.key("cpu") } else { fargate_choice(&raw, &launch_path, &strategy_path) };
        let at_memory = if memory_mib.is_some() { over_path.key("memory") } else { at_cpu.clone() };
        if let (Some(cpu), Some(memory)) = (cpu, memory) {
            if let Err(m) = fargate::validate_size(cpu, memory) {
                let at = if fargate::size_row(cpu).is_some() { at_memory } else { at_cpu.clone() };
                ctx.error_help(&at, At::Value, m, "Fargate runs only the task sizes of spec §12.6");
            } else if let Some(v) = raw.platform_version.as_deref() {
                if let Err(m) = fargate::check_platform_version(cpu, v) {
                    ctx.error_help(&root_path.key("platformVersion"), At::Value, m, "use \"LATEST\" or \"1.4.0\"");
                }
            }
        }
    }
    let out = RunTaskRequest {
        cluster: raw.cluster,
        task_definition: task_definition_name,
        count,
        group: raw.group,
        launch_type,
        capacity_provider_strategy: strategy,
        cpu_units,
        memory_mib,
        platform_version: raw.platform_version,
    };
    ctx.finish(Some(out))
}

/// Where the file chose Fargate: the launch type, or the strategy.
fn fargate_choice(raw: &RawRunTask, launch_path: &JPath, strategy_path: &JPath) -> JPath {
    if raw.launch_type.is_some() {
        launch_path.clone()
    } else {
        strategy_path.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors<T: std::fmt::Debug>(r: Result<(T, Diagnostics), Diagnostics>) -> Vec<(usize, usize, String)> {
        let d = r.unwrap_err();
        d.errors().map(|e| (e.line, e.column, e.message.clone())).collect()
    }

    #[test]
    fn a_strategy_needs_a_weight_somewhere() {
        let text = "{\"cluster\": \"c\", \"capacityProviders\": [\"FARGATE\"],\n \"defaultCapacityProviderStrategy\": [{\"capacityProvider\": \"FARGATE\"}]}";
        let e = errors(load_cluster_capacity_providers(Path::new("p.json"), text, &[]));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].0, e[0].1), (2, 37));
        assert!(e[0].2.contains("every weight is 0"));
    }

    #[test]
    fn subnets_map_to_zones_and_unknown_ones_warn() {
        let text = r#"{"AutoScalingGroupName": "g", "MinSize": 0, "MaxSize": 2, "VPCZoneIdentifier": "subnet-a, subnet-b,subnet-c",
            "MixedInstancesPolicy": {"LaunchTemplate": {"Overrides": [{"InstanceType": "m5.large"}]}}}"#;
        let map = [("subnet-a".to_string(), "us-east-1a".to_string()), ("subnet-b".to_string(), "us-east-1a".to_string())];
        let opts = AsgLoadOptions { instance_type: None, subnet_zones: &map };
        let (asg, warnings) = load_auto_scaling_group(Path::new("g.json"), text, &opts).unwrap();
        assert_eq!(asg.zones, vec!["us-east-1a", "subnet-c"]);
        assert_eq!(warnings.warnings().count(), 1);
    }
}
