//! EC2 capacity: `AWS::AutoScaling::AutoScalingGroup` (with its `AWS::EC2::LaunchTemplate` or
//! `AWS::AutoScaling::LaunchConfiguration`: the instance type) → `[[auto_scaling_groups]]`.
//!
//! Every group maps to an Auto Scaling group, with or without a capacity provider: the group
//! keeps its size and replaces failed or interrupted instances, as the real one does, which a
//! fixed `[[cluster.instances]]` group would not. Its instances join the simulated cluster;
//! the user data (`ECS_CLUSTER=` in `/etc/ecs/ecs.config`) is read to say so, and a group
//! whose user data names no cluster is a warning (the agent would join the `default` cluster).
//! See [AWS::AutoScaling::AutoScalingGroup](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-autoscaling-autoscalinggroup.html).

use super::{set_noted, Cx};
use crate::import::draft::{Draft, Table};
use crate::import::yaml::Node;

/// The instance type ecsim assumes when a group's launch template or configuration gives none.
pub const DEFAULT_TYPE: &str = "m5.large";

pub fn groups(cx: &mut Cx, draft: &mut Draft) {
    for (s, id, res) in cx.each("AWS::AutoScaling::AutoScalingGroup") {
        let mark = cx.assumed.len();
        let name = cx.ref_value(s, &id);
        let mut t = Table::new();
        t.comment(cx.origin(s, &id, &res));
        t.set("name", name.as_str());
        // The launch configuration or template: instance type and user data.
        let mut types: Vec<String> = Vec::new();
        let mut launch: Option<(usize, Node)> = None;
        if let Some(lc) = cx.prop_text(s, &res, "LaunchConfigurationName") {
            if let Some((ls, _, lres)) = cx.find("AWS::AutoScaling::LaunchConfiguration", &lc) {
                types.extend(cx.prop_text(ls, &lres, "InstanceType"));
                launch = Some((ls, lres));
            }
        }
        let mut spec = cx.prop(s, &res, "LaunchTemplate");
        if let Some(mixed) = cx.prop(s, &res, "MixedInstancesPolicy") {
            let lt = mixed.get("LaunchTemplate");
            spec = spec.or_else(|| lt.and_then(|l| l.get("LaunchTemplateSpecification")).cloned());
            for o in lt.and_then(|l| l.get("Overrides")).and_then(Node::as_seq).unwrap_or_default() {
                types.extend(o.get("InstanceType").and_then(Node::scalar_text));
            }
            if let Some(dist) = mixed.get("InstancesDistribution") {
                match dist.get("OnDemandPercentageAboveBaseCapacity").and_then(Node::as_i64) {
                    Some(0) if dist.get("OnDemandBaseCapacity").and_then(Node::as_i64).unwrap_or(0) == 0 => {
                        t.set("purchase", "spot");
                    }
                    Some(100) | None => {}
                    Some(p) => cx.warn(s, dist, format!("not modelled: a group mixing {p}% on-demand with Spot; ecsim's groups are all on-demand or all Spot (all on-demand here)")),
                }
            }
        }
        if let Some(spec) = spec {
            let lt =
                spec.get("LaunchTemplateId").or_else(|| spec.get("LaunchTemplateName")).and_then(Node::scalar_text).unwrap_or_default();
            if let Some((ls, _, lres)) = cx.find("AWS::EC2::LaunchTemplate", &lt) {
                if types.is_empty() {
                    let data = cx.prop(ls, &lres, "LaunchTemplateData");
                    types.extend(data.as_ref().and_then(|d| d.get("InstanceType")).and_then(Node::scalar_text));
                }
                launch = Some((ls, lres));
            }
        }
        let types: Vec<String> = types.iter().map(|ty| known_type(cx, s, &res, &id, ty)).fold(Vec::new(), |mut acc, ty| {
            if !acc.contains(&ty) {
                acc.push(ty);
            }
            acc
        });
        match types.len() {
            0 => {
                cx.assume(
                    s,
                    &res,
                    format!("group {id}: its launch template or configuration gives no instance type; assumed {DEFAULT_TYPE}"),
                );
                let m = cx.assumed.len() - 1;
                set_noted(cx, &mut t, "instance_type", DEFAULT_TYPE, m);
            }
            1 => {
                t.set("instance_type", types[0].as_str());
            }
            _ => {
                t.set("instance_types", types);
            }
        }
        for (from, to) in [("MinSize", "min"), ("MaxSize", "max"), ("DesiredCapacity", "desired")] {
            let m = cx.assumed.len();
            if let Some(n) = cx.prop_int(s, &res, from) {
                set_noted(cx, &mut t, to, n.max(0), m);
            }
        }
        if let Some(subnets) = cx.prop(s, &res, "VPCZoneIdentifier") {
            let m = cx.assumed.len();
            let zones = cx.zones_of(s, &subnets);
            if !zones.is_empty() {
                set_noted(cx, &mut t, "zones", zones, m);
            }
        } else if let Some(azs) = cx.prop(s, &res, "AvailabilityZones") {
            let m = cx.assumed.len();
            let zones = cx.zones_of(s, &azs);
            if !zones.is_empty() {
                set_noted(cx, &mut t, "zones", zones, m);
            }
        }
        if let Some(p) = cx.prop(s, &res, "NewInstancesProtectedFromScaleIn").and_then(|v| v.as_bool()) {
            t.set("new_instances_protected_from_scale_in", p);
        }
        if let Some(list) = cx.prop(s, &res, "TerminationPolicies") {
            let policies: Vec<String> = list.as_seq().unwrap_or_default().iter().filter_map(Node::scalar_text).collect();
            if !policies.is_empty() {
                t.set("termination_policies", policies);
            }
        }
        joins_cluster(cx, draft, s, &id, &res, launch);
        if let Some(c) = cx.take_assumed(mark) {
            t.comment(c);
        }
        cx.unread(
            s,
            &res,
            "AWS::AutoScaling::AutoScalingGroup",
            &[
                "AutoScalingGroupName",
                "LaunchConfigurationName",
                "LaunchTemplate",
                "MixedInstancesPolicy",
                "MinSize",
                "MaxSize",
                "DesiredCapacity",
                "VPCZoneIdentifier",
                "AvailabilityZones",
                "NewInstancesProtectedFromScaleIn",
                "TerminationPolicies",
            ],
            &[
                "Tags",
                "HealthCheckType",
                "HealthCheckGracePeriod",
                "Cooldown",
                "MetricsCollection",
                "NotificationConfigurations",
                "CapacityRebalance",
                "TargetGroupARNs",
            ],
        );
        draft.push("auto_scaling_groups", t);
    }
}

/// An instance type ecsim simulates: `name` itself, or — for a type not in its catalogue — one
/// of the same class (the letter: c, m, r, t), size and architecture, else the smallest of
/// the class, else `m5.large`, with a warning.
fn known_type(cx: &mut Cx, s: usize, at: &Node, id: &str, name: &str) -> String {
    use crate::ecs::instance_types::{all, lookup, Architecture};
    if lookup(name).is_some() {
        return name.to_string();
    }
    let (family, size) = name.split_once('.').unwrap_or((name, ""));
    let class = family.chars().next().unwrap_or('m');
    let arm = family.chars().skip(1).skip_while(char::is_ascii_digit).any(|c| c == 'g');
    let arch = if arm { Architecture::Arm64 } else { Architecture::X86_64 };
    let same = |t: &&crate::ecs::instance_types::InstanceType| t.name.ends_with(&format!(".{size}")) && t.architecture == arch;
    let pick = all()
        .iter()
        .find(|t| t.name.starts_with(class) && same(t))
        .or_else(|| all().iter().find(|t| t.name.starts_with('m') && same(t)))
        // Sizes ecsim lacks (micro, nano, …): the smallest of the class.
        .or_else(|| all().iter().find(|t| t.name.starts_with(class) && t.architecture == arch))
        .map_or(DEFAULT_TYPE, |t| t.name);
    cx.assume(s, at, format!("group {id}: instance type {name} is not in ecsim's catalogue; simulated as {pick} (the same class, and size where ecsim has it)"));
    pick.to_string()
}

/// Whether the group's instances join the simulated cluster: the `ECS_CLUSTER=` its user data
/// (or cfn-init metadata) writes, or a capacity provider naming the group.
fn joins_cluster(cx: &mut Cx, draft: &Draft, s: usize, id: &str, group: &Node, launch: Option<(usize, Node)>) {
    let Some((ls, lres)) = launch else { return };
    // The raw text, not resolved: only the cluster's name is, so the rest of the script costs
    // no warning.
    let raw = lres.to_json().to_string();
    let Some(pos) = raw.find("ECS_CLUSTER=") else {
        let provider = raw.contains("ecs.config")
            || cx.each("AWS::ECS::CapacityProvider").iter().any(|(ps, _, p)| {
                p.get("Properties").and_then(|p| p.get("AutoScalingGroupProvider")).is_some_and(|a| a.to_json().to_string().contains(id))
                    && *ps == s
            });
        if !provider {
            cx.warn(s, group, format!("assumed: the instances of group {id} join the cluster (their user data does not set ECS_CLUSTER, so the ECS agent would join the cluster named default)"));
        }
        return;
    };
    let rest = &raw[pos + "ECS_CLUSTER=".len()..];
    let token: String = rest.chars().take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\\' | '>' | '\'')).collect();
    let named = match token.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        Some(var) => cx.reference(ls, &lres, var).and_then(|n| n.scalar_text()).unwrap_or_default(),
        None => token,
    };
    let ours = draft.cluster.get("name").and_then(|v| v.as_str()).unwrap_or("default").to_string();
    if !named.is_empty() && named != ours && !named.contains("${") {
        cx.warn(s, group, format!("not modelled: the instances of group {id} join cluster {named}; ecsim registers them with {ours}, the one cluster it simulates"));
    }
}

/// A stack whose services run on EC2 but that has no instances of its own (a service template
/// given without its cluster's) gets a small assumed group, so that it runs as imported.
pub fn ensure_instances(cx: &mut Cx, draft: &mut Draft) {
    if !draft.cluster.children.is_empty() || draft.section("auto_scaling_groups").next().is_some() {
        return;
    }
    let on_ec2 = draft.section("services").any(|svc| {
        let fargate = svc.get("launch_type").and_then(|v| v.as_str()) == Some("FARGATE");
        let strategy = svc.get("capacity_provider_strategy").or_else(|| draft.cluster.get("default_capacity_provider_strategy")).is_some();
        !fargate && !strategy
    });
    if !on_ec2 {
        return;
    }
    if let Some((s, _, res)) = cx.each("AWS::ECS::Service").into_iter().next() {
        cx.warn(s, &res, format!("assumed: the services run on EC2 and the import has no instances; assumed 2 {DEFAULT_TYPE} instances (give the template of the cluster's Auto Scaling group too)"));
    }
    let mut group = Table::new();
    group
        .set("name", "ecs")
        .note("type", DEFAULT_TYPE, "assumed: the import has no Auto Scaling group for its EC2 services")
        .note("count", 2, "assumed");
    draft.cluster.push_child("instances", group);
}
