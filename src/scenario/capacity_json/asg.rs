//! `aws autoscaling create-auto-scaling-group --cli-input-json` input: an Auto Scaling group's
//! sizes, zones (from its subnets), instance types (one, a mixed instances policy's overrides,
//! or a launch template's) and termination policies, checked against docs/ecs-model.md#auto-scaling-groups.

use super::{uint, uint_in, M};
use crate::capacity::asg::{AllocationStrategy, AsgConfig, HealthCheckType, PurchaseOption, TerminationPolicy};
use crate::ecs::instance_types::{self, InstanceType};
use crate::engine::Span;
use crate::model::diagnostic::{Diagnostics, Severity};
use crate::scenario::capacity_rules::{self, SizeKey};
use crate::scenario::ecs_json::schema::Field::{Derived, Modelled, Unmodelled};
use crate::scenario::ecs_json::schema::Schema;
use crate::scenario::ecs_json::schema::Shape::{ArrayOf, Object};
use crate::scenario::ecs_json::{At, Ctx, JPath, Scalar};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

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
    // With a size missing (reported above) the others cannot be checked against it.
    let (min_size, max_size) = (min.unwrap_or(0), max.unwrap_or(0));
    let mut desired_capacity = desired.unwrap_or(min_size);
    if let (Some(lo), Some(hi)) = (min, max) {
        let problems;
        (desired_capacity, problems) = capacity_rules::group_sizes(lo, hi, desired);
        for p in problems {
            let key = match p.at {
                SizeKey::MinSize => "MinSize",
                SizeKey::DesiredCapacity => "DesiredCapacity",
            };
            ctx.error_help(&root.key(key), At::Value, p.message, p.help);
        }
    }
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
    let mut asg = AsgConfig::new(&name, types.first().copied().unwrap_or(instance_types::fallback()), &[]);
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
        match capacity_rules::instance_type(name) {
            Ok(t) if types.iter().any(|x| x.name == t.name) => {
                ctx.error(&here.key("InstanceType"), At::Value, format!("instance type {name} is listed twice"))
            }
            Ok(t) => types.push(t),
            Err((message, help)) => ctx.error_help(&here.key("InstanceType"), At::Value, message, help),
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
        match capacity_rules::named("termination policy", name, &TerminationPolicy::NAMES.map(|n| (n, n))) {
            Ok(n) => out.extend(TerminationPolicy::parse(n)),
            Err((message, help)) => ctx.error_help(&here, At::Value, message, help),
        }
    }
    if out.is_empty() {
        out.push(TerminationPolicy::Default);
    }
    out
}
