//! The ECS resources: `AWS::ECS::Cluster` (its name, capacity providers and default strategy,
//! also from `AWS::ECS::ClusterCapacityProviderAssociations`) → `[cluster]`,
//! `AWS::ECS::CapacityProvider` → `[[capacity_providers]]`, `AWS::ECS::TaskDefinition` →
//! RegisterTaskDefinition JSON (its PascalCase properties in the API's camelCase),
//! `AWS::ECS::Service` → `[[services]]`. See
//! [AWS::ECS::Service](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ecs-service.html).

use super::{set_noted, Cx};
use crate::import::draft::{Draft, Table};
use crate::import::yaml::{Node, Value};

/// The first `AWS::ECS::Cluster` names the scenario's cluster; others are warnings (a scenario
/// simulates one cluster).
pub fn clusters(cx: &mut Cx, draft: &mut Draft) {
    let all = cx.each("AWS::ECS::Cluster");
    for (i, (s, id, res)) in all.into_iter().enumerate() {
        if i > 0 {
            cx.warn(s, &res, format!("not modelled: a second cluster ({id}); ecsim simulates one cluster, and the services of every template run in the first"));
            continue;
        }
        let mark = cx.assumed.len();
        let name = cx.ref_value(s, &id);
        set_noted(cx, &mut draft.cluster, "name", name, mark);
        draft.cluster.comment(cx.origin(s, &id, &res));
        providers_of_cluster(cx, draft, s, &res);
        cx.unread(
            s,
            &res,
            "AWS::ECS::Cluster",
            &["ClusterName", "CapacityProviders", "DefaultCapacityProviderStrategy"],
            &["Tags", "ClusterSettings", "Configuration", "ServiceConnectDefaults"],
        );
    }
    for (s, _, res) in cx.each("AWS::ECS::ClusterCapacityProviderAssociations") {
        providers_of_cluster(cx, draft, s, &res);
        cx.unread(
            s,
            &res,
            "AWS::ECS::ClusterCapacityProviderAssociations",
            &["Cluster", "CapacityProviders", "DefaultCapacityProviderStrategy"],
            &[],
        );
    }
}

/// `CapacityProviders` and `DefaultCapacityProviderStrategy` (of a cluster or an association).
fn providers_of_cluster(cx: &mut Cx, draft: &mut Draft, s: usize, res: &Node) {
    if let Some(list) = cx.prop(s, res, "CapacityProviders") {
        let names: Vec<String> = list.as_seq().unwrap_or_default().iter().filter_map(Node::scalar_text).collect();
        if !names.is_empty() {
            draft.cluster.set("capacity_providers", names);
        }
    }
    if let Some(strategy) = cx.prop(s, res, "DefaultCapacityProviderStrategy") {
        if let Some(items) = strategy_items(&strategy) {
            draft.cluster.set("default_capacity_provider_strategy", items);
        }
    }
}

/// `[{CapacityProvider, Base, Weight}]` → `[{ capacity_provider, base, weight }]`.
pub fn strategy_items(strategy: &Node) -> Option<toml::Value> {
    let items: Vec<toml::Value> = strategy
        .as_seq()?
        .iter()
        .map(|i| {
            let mut t = toml::Table::new();
            t.insert("capacity_provider".into(), i.get("CapacityProvider").and_then(Node::scalar_text).unwrap_or_default().into());
            for (from, to) in [("Base", "base"), ("Weight", "weight")] {
                if let Some(n) = i.get(from).and_then(Node::as_i64) {
                    t.insert(to.into(), n.into());
                }
            }
            toml::Value::Table(t)
        })
        .collect();
    (!items.is_empty()).then_some(toml::Value::Array(items))
}

/// `AWS::ECS::CapacityProvider` with an `AutoScalingGroupProvider` → `[[capacity_providers]]`.
pub fn capacity_providers(cx: &mut Cx, draft: &mut Draft) {
    for (s, id, res) in cx.each("AWS::ECS::CapacityProvider") {
        let mark = cx.assumed.len();
        let name = cx.ref_value(s, &id);
        let Some(provider) = cx.prop(s, &res, "AutoScalingGroupProvider") else {
            cx.warn(s, &res, format!("not modelled: capacity provider {id} has no AutoScalingGroupProvider"));
            continue;
        };
        let group_ref = provider.get("AutoScalingGroupArn").and_then(Node::scalar_text).unwrap_or_default();
        let group = group_ref.rsplit("autoScalingGroupName/").next().unwrap_or(&group_ref).to_string();
        if !draft.has("auto_scaling_groups", &group) {
            cx.warn(
                s,
                &res,
                format!(
                    "not modelled: capacity provider {id}: its Auto Scaling group {group} is not in the import; the provider is left out"
                ),
            );
            continue;
        }
        let mut t = Table::new();
        t.comment(cx.origin(s, &id, &res));
        t.set("name", name).set("auto_scaling_group", group);
        if let Some(ms) = provider.get("ManagedScaling") {
            let mut m = toml::Table::new();
            if let Some(v) = ms.get("Status").and_then(Node::scalar_text) {
                m.insert("status".into(), v.into());
            }
            for (from, to) in [
                ("TargetCapacity", "target_capacity"),
                ("MinimumScalingStepSize", "minimum_scaling_step_size"),
                ("MaximumScalingStepSize", "maximum_scaling_step_size"),
                ("InstanceWarmupPeriod", "instance_warmup_period"),
            ] {
                if let Some(n) = ms.get(from).and_then(Node::as_i64) {
                    m.insert(to.into(), n.into());
                }
            }
            t.set("managed_scaling", toml::Value::Table(m));
        }
        for (from, to) in [("ManagedTerminationProtection", "managed_termination_protection"), ("ManagedDraining", "managed_draining")] {
            if let Some(v) = provider.get(from).and_then(Node::scalar_text) {
                t.set(to, v);
            }
        }
        if let Some(c) = cx.take_assumed(mark) {
            t.comment(c);
        }
        cx.unread(s, &res, "AWS::ECS::CapacityProvider", &["Name", "AutoScalingGroupProvider"], &["Tags"]);
        draft.push("capacity_providers", t);
    }
}

/// `AWS::ECS::TaskDefinition` → a RegisterTaskDefinition JSON file.
pub fn task_definitions(cx: &mut Cx, draft: &mut Draft) {
    for (s, id, res) in cx.each("AWS::ECS::TaskDefinition") {
        let mark = cx.assumed.len();
        let name = cx.ref_value(s, &id);
        let props = res.get("Properties").cloned().unwrap_or_else(|| Node::new(res.at, Value::Map(Vec::new())));
        let Some(resolved) = cx.resolve(s, &props) else { continue };
        let mut register = camel_case(&resolved, false).to_json();
        if let Some(obj) = register.as_object_mut() {
            obj.remove("tags");
            // A property RegisterTaskDefinition does not take would be refused by the task
            // definition importer: it is a warning here and left out.
            for key in obj.keys().filter(|k| !REGISTER_KEYS.contains(&k.as_str())).cloned().collect::<Vec<_>>() {
                let at = res
                    .get("Properties")
                    .and_then(|p| p.as_map())
                    .and_then(|m| m.iter().find(|(k, _)| camel(k) == key))
                    .map_or(res.clone(), |(_, v)| v.clone());
                cx.warn(s, &at, format!("not modelled: AWS::ECS::TaskDefinition property {key}: RegisterTaskDefinition has no such field"));
                obj.remove(&key);
            }
            obj.entry("family").or_insert_with(|| serde_json::Value::String(name.clone()));
            for key in ["cpu", "memory"] {
                // RegisterTaskDefinition's task-level sizes are strings ("256", "0.5 vCPU").
                if let Some(n) = obj.get(key).and_then(serde_json::Value::as_i64) {
                    obj.insert(key.into(), serde_json::Value::String(n.to_string()));
                }
            }
        }
        let mut comment = cx.origin(s, &id, &res);
        if let Some(c) = cx.take_assumed(mark) {
            comment.push(' ');
            comment.push_str(&c);
        }
        crate::import::add_task_definition(draft, &name, &register, Some(comment));
    }
}

/// The top-level fields of RegisterTaskDefinition's input.
const REGISTER_KEYS: &[&str] = &[
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
];

/// Members whose keys are the user's own (labels, log driver options), not API field names.
const USER_KEYS: &[&str] = &["DockerLabels", "Options", "DriverOpts", "Labels", "dockerLabels", "options", "driverOpts", "labels"];

/// Container fields RegisterTaskDefinition takes as numbers, which templates often write as
/// strings (`ContainerPort: "80"`, a `Number` parameter's value).
const NUMBERS: &[&str] = &[
    "cpu",
    "memory",
    "memoryReservation",
    "containerPort",
    "hostPort",
    "startTimeout",
    "stopTimeout",
    "interval",
    "timeout",
    "retries",
    "startPeriod",
    "softLimit",
    "hardLimit",
];

/// The node with every mapping key in camelCase, except inside [`USER_KEYS`] members, and
/// whole numbers written as strings made numbers in [`NUMBERS`] fields (the task-level `cpu`
/// and `memory` are made strings again by the caller).
pub fn camel_case(node: &Node, keep: bool) -> Node {
    let value = match &node.value {
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| {
                    let key = if keep { k.clone() } else { camel(k) };
                    let mut v = camel_case(v, USER_KEYS.contains(&k.as_str()));
                    if !keep && NUMBERS.contains(&key.as_str()) {
                        if let (Value::Str(_), Some(n)) = (&v.value, v.as_i64()) {
                            v.value = Value::Int(n);
                        }
                    }
                    (key, v)
                })
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(items.iter().map(|i| camel_case(i, false)).collect()),
        other => other.clone(),
    };
    Node { at: node.at, tag: None, value }
}

/// `ContainerDefinitions` → `containerDefinitions`, `EFSVolumeConfiguration` →
/// `efsVolumeConfiguration` (a leading acronym is lowered but for its last letter).
pub fn camel(key: &str) -> String {
    if key == "FSxWindowsFileServerVolumeConfiguration" {
        return "fsxWindowsFileServerVolumeConfiguration".into();
    }
    let chars: Vec<char> = key.chars().collect();
    let run = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let lower = match run {
        0 | 1 => run,
        r if r == chars.len() => r,
        r => r - 1,
    };
    chars.iter().enumerate().map(|(i, c)| if i < lower { c.to_ascii_lowercase() } else { *c }).collect()
}

/// The task definition a service's `TaskDefinition` names (a name, `family:revision` or an
/// ARN), if the import has it.
fn task_definition_of(draft: &Draft, value: &str) -> Option<String> {
    let tail = value.rsplit('/').next().unwrap_or(value);
    let family = tail.split(':').next().unwrap_or(tail);
    [value, tail, family].into_iter().find(|v| draft.has("task_definitions", v)).map(str::to_string)
}

/// `AWS::ECS::Service` → `[[services]]`.
pub fn services(cx: &mut Cx, draft: &mut Draft) {
    for (s, id, res) in cx.each("AWS::ECS::Service") {
        let mark = cx.assumed.len();
        let name = cx.ref_value(s, &id);
        let td = cx.prop_text(s, &res, "TaskDefinition").unwrap_or_default();
        let Some(task_definition) = task_definition_of(draft, &td) else {
            let at = cx.at_prop(&res, "TaskDefinition");
            cx.warn(s, &at, format!("not modelled: service {id} runs task definition \"{td}\", which no template of the import defines; the service is left out"));
            continue;
        };
        let mut t = Table::new();
        t.comment(cx.origin(s, &id, &res));
        t.set("name", name.as_str()).set("task_definition", task_definition);
        if let Some(cluster) = cx.prop_text(s, &res, "Cluster") {
            let ours = draft.cluster.get("name").and_then(|v| v.as_str()).map(str::to_string);
            match ours {
                None => {
                    let m = cx.assumed.len();
                    set_noted(cx, &mut draft.cluster, "name", cluster.as_str(), m);
                }
                Some(c) if c != cluster && !cluster.ends_with(&format!("/{c}")) => {
                    let at = cx.at_prop(&res, "Cluster");
                    cx.warn(
                        s,
                        &at,
                        format!("not modelled: service {id} is in cluster {cluster}; ecsim runs it in {c}, the one cluster it simulates"),
                    );
                }
                Some(_) => {}
            }
        }
        let daemon = cx.prop_text(s, &res, "SchedulingStrategy").is_some_and(|v| v == "DAEMON");
        if daemon {
            t.set("scheduling_strategy", "DAEMON");
        } else {
            let m = cx.assumed.len();
            match cx.prop_int(s, &res, "DesiredCount") {
                Some(n) => set_noted(cx, &mut t, "desired_count", n, m),
                None => {
                    t.note("desired_count", 1, "CloudFormation's default for a new service without DesiredCount");
                }
            }
        }
        if let Some(lt) = cx.prop_text(s, &res, "LaunchType") {
            match lt.as_str() {
                "EC2" | "FARGATE" => {
                    t.set("launch_type", lt);
                }
                other => {
                    let at = cx.at_prop(&res, "LaunchType");
                    cx.warn(s, &at, format!("not modelled: launch type {other}; the service runs on EC2"));
                }
            }
        }
        if let Some(items) = cx.prop(s, &res, "CapacityProviderStrategy").as_ref().and_then(strategy_items) {
            t.set("capacity_provider_strategy", items);
        }
        if let Some(dc) = cx.prop(s, &res, "DeploymentConfiguration") {
            t.set("deployment", deployment(&dc));
        }
        if let Some(dc) = cx.prop(s, &res, "DeploymentController") {
            let kind = dc.get("Type").and_then(Node::scalar_text).unwrap_or_default();
            if kind != "ECS" && !kind.is_empty() {
                cx.warn(s, &dc, format!("not modelled: the {kind} deployment controller; deployments are ECS rolling updates"));
            }
        }
        if let Some(list) = cx.prop(s, &res, "PlacementStrategies") {
            t.set("placement_strategy", lower_keys(&list, &[("Type", "type"), ("Field", "field")]));
        }
        if let Some(list) = cx.prop(s, &res, "PlacementConstraints") {
            t.set("placement_constraints", lower_keys(&list, &[("Type", "type"), ("Expression", "expression")]));
        }
        if let Some(g) = cx.prop_int(s, &res, "HealthCheckGracePeriodSeconds") {
            t.set("health_check_grace_period", format!("{g}s"));
        }
        if cx.prop_text(s, &res, "AvailabilityZoneRebalancing").is_some_and(|v| v == "ENABLED") {
            t.set("availability_zone_rebalancing", true);
        }
        if let Some(lbs) = cx.prop(s, &res, "LoadBalancers") {
            let mut out = Vec::new();
            for lb in lbs.as_seq().unwrap_or_default() {
                let Some(arn) = lb.get("TargetGroupArn").and_then(Node::scalar_text) else {
                    cx.warn(s, lb, "not modelled: a Classic Load Balancer (LoadBalancerName); ecsim models Application Load Balancers");
                    continue;
                };
                let Some((ts, tid, _)) = cx.find("AWS::ElasticLoadBalancingV2::TargetGroup", &arn) else {
                    cx.warn(s, lb, format!("not modelled: target group {arn} is not in the import; the service runs without it"));
                    continue;
                };
                let mut e = toml::Table::new();
                e.insert("target_group".into(), cx.ref_value(ts, &tid).into());
                if let Some(c) = lb.get("ContainerName").and_then(Node::scalar_text) {
                    e.insert("container_name".into(), c.into());
                }
                if let Some(p) = lb.get("ContainerPort").and_then(Node::as_i64) {
                    e.insert("container_port".into(), p.into());
                }
                out.push(toml::Value::Table(e));
            }
            if !out.is_empty() {
                t.set("load_balancers", out);
            }
        }
        if let Some(nc) = cx.prop(s, &res, "NetworkConfiguration") {
            if let Some(subnets) = nc.get("AwsvpcConfiguration").and_then(|a| a.get("Subnets")) {
                let zones = cx.zones_of(s, subnets);
                let fargate = t.get("launch_type").and_then(|v| v.as_str()) == Some("FARGATE")
                    || t.get("capacity_provider_strategy").is_some_and(|v| v.to_string().contains("FARGATE"));
                if fargate && !zones.is_empty() {
                    t.set("subnets", zones);
                }
            }
        }
        if let Some(c) = cx.take_assumed(mark) {
            t.comment(c);
        }
        cx.unread(
            s,
            &res,
            "AWS::ECS::Service",
            &[
                "ServiceName",
                "TaskDefinition",
                "Cluster",
                "SchedulingStrategy",
                "DesiredCount",
                "LaunchType",
                "CapacityProviderStrategy",
                "DeploymentConfiguration",
                "DeploymentController",
                "PlacementStrategies",
                "PlacementConstraints",
                "HealthCheckGracePeriodSeconds",
                "AvailabilityZoneRebalancing",
                "LoadBalancers",
                "NetworkConfiguration",
            ],
            &["Role", "Tags", "PropagateTags", "EnableECSManagedTags", "EnableExecuteCommand", "PlatformVersion"],
        );
        draft.push("services", t);
    }
}

/// `DeploymentConfiguration` → the service's `deployment` table.
fn deployment(dc: &Node) -> toml::Value {
    let mut d = toml::Table::new();
    for (from, to) in [("MinimumHealthyPercent", "minimum_healthy_percent"), ("MaximumPercent", "maximum_percent")] {
        if let Some(n) = dc.get(from).and_then(Node::as_i64) {
            d.insert(to.into(), n.into());
        }
    }
    if let Some(cb) = dc.get("DeploymentCircuitBreaker") {
        let mut c = toml::Table::new();
        c.insert("enable".into(), cb.get("Enable").and_then(Node::as_bool).unwrap_or(false).into());
        c.insert("rollback".into(), cb.get("Rollback").and_then(Node::as_bool).unwrap_or(false).into());
        d.insert("circuit_breaker".into(), toml::Value::Table(c));
    }
    if let Some(al) = dc.get("Alarms") {
        let mut a = toml::Table::new();
        let names: Vec<String> =
            al.get("AlarmNames").and_then(Node::as_seq).unwrap_or_default().iter().filter_map(Node::scalar_text).collect();
        a.insert("alarm_names".into(), names.into());
        a.insert("enable".into(), al.get("Enable").and_then(Node::as_bool).unwrap_or(false).into());
        a.insert("rollback".into(), al.get("Rollback").and_then(Node::as_bool).unwrap_or(false).into());
        d.insert("alarms".into(), toml::Value::Table(a));
    }
    toml::Value::Table(d)
}

/// A list of `{Type, Field}` objects with the scenario's lower-case keys.
fn lower_keys(list: &Node, keys: &[(&str, &str)]) -> toml::Value {
    let items: Vec<toml::Value> = list
        .as_seq()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            let mut t = toml::Table::new();
            for (from, to) in keys {
                if let Some(v) = i.get(from).and_then(Node::scalar_text) {
                    t.insert((*to).into(), v.into());
                }
            }
            toml::Value::Table(t)
        })
        .collect();
    toml::Value::Array(items)
}
