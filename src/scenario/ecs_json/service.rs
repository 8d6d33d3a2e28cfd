//! Services: CreateService input (as ecspresso and `aws ecs create-service --cli-input-json`
//! read it), or the `{"service": {...}}` / `{"services": [...]}` output of CreateService and
//! DescribeServices, validated with ECS's own limits (docs/ecs-model.md#placement-inputs, docs/ecs-model.md#service-fields,
//! docs/ecs-model.md#deployment-settings, docs/ecs-model.md#limits-and-defaults).

use super::schema::{CREATE_SERVICE_OUTPUT, DESCRIBE_SERVICES, SERVICE};
use super::{find_placeholder, At, Ctx, JPath, Scalar};
use crate::ecs::placement::rules::MAX_CONSTRAINTS;
use crate::ecs::service::{
    AdvancedConfiguration, CapacityProviderItem, CircuitBreaker, DeploymentAlarms, DeploymentConfiguration, HookAnswer, LaunchType,
    LifecycleHook, LoadBalancerRef, SchedulingStrategy, ServiceDefinition,
};
use crate::model::diagnostic::{Diagnostics, Severity};
use crate::scenario::json_doc::{other_shape, JsonKind};
use crate::scenario::service_rules::{self as rules, Problem};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// Target groups per service (docs/ecs-model.md#limits-and-defaults).
pub const MAX_LOAD_BALANCERS: usize = 5;
/// Subnets and security groups per awsvpc configuration (docs/ecs-model.md#limits-and-defaults).
pub const MAX_SUBNETS: usize = 16;
pub const MAX_SECURITY_GROUPS: usize = 5;
/// Largest `healthCheckGracePeriodSeconds` (docs/ecs-model.md#limits-and-defaults).
pub const MAX_HEALTH_CHECK_GRACE_PERIOD_S: i64 = 2_147_483_647;

/// Loads one service definition. A missing `serviceName` (ecspresso files omit it) defaults
/// to the file stem. `Ok` carries the warnings; `Err` every message.
pub fn load_service(path: &Path, text: &str) -> Result<(ServiceDefinition, Diagnostics), Diagnostics> {
    load(path, text, false).map(|(mut list, d)| (list.remove(0), d))
}

/// Validates every service of a service file, as `ecsim check` reads it: a describe-services
/// output may hold any number of services (a scenario takes exactly one). `Ok` carries the
/// warnings.
pub fn check_services(path: &Path, text: &str) -> Result<Diagnostics, Diagnostics> {
    load(path, text, true).map(|(_, d)| d)
}

/// The services of the file; `all` takes every element of a describe-services list, otherwise
/// the list must hold exactly one. `Ok` holds at least one service unless `all`.
fn load(path: &Path, text: &str, all: bool) -> Result<(Vec<ServiceDefinition>, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    if !root.is_object() {
        ctx.error(&JPath::root(), At::Value, "expected a service definition (a JSON object)");
        return ctx.finish(None);
    }
    // A file of another shape would only give confusing field errors: say what it is.
    if let Some(other) = other_shape(&root, JsonKind::Service) {
        ctx.error_help(
            &JPath::root(),
            At::Value,
            format!("expected a service, but this file looks like {other}"),
            "give create-service input, or create-service, update-service or describe-services output",
        );
        return ctx.finish(None);
    }
    let root_path = JPath::root();
    // Which of the three shapes this is; output forms carry values ECS filled in.
    let (schema, items, output): (_, Vec<(JPath, &Value)>, _) = if let Some(s) = root.get("service").filter(|s| s.is_object()) {
        (&CREATE_SERVICE_OUTPUT, vec![(root_path.key("service"), s)], true)
    } else if let Some(Value::Array(list)) = root.get("services") {
        ctx.report_failures(&root, "describe-services", "");
        let paths = (0..list.len()).map(|i| root_path.key("services").idx(i));
        match list.as_slice() {
            _ if all => (&DESCRIBE_SERVICES, paths.zip(list).collect(), true),
            [one] => (&DESCRIBE_SERVICES, vec![(root_path.key("services").idx(0), one)], true),
            _ => {
                ctx.error_help(
                    &root_path.key("services"),
                    At::Key,
                    format!("this describe-services output holds {} services; load_service reads exactly one", list.len()),
                    "describe only the service to simulate, or keep one element of \"services\"",
                );
                return ctx.finish(None);
            }
        }
    } else {
        (&SERVICE, vec![(root_path.clone(), &root)], false)
    };
    ctx.check_fields(&root, schema, &root_path, Severity::Error);
    ctx.flush_unmodelled(false);
    let mut services = Vec::with_capacity(items.len());
    let mut complete = true;
    for (base, v) in items {
        match build(&mut ctx, v, &base, output, &default_name(path)) {
            Some(service) => services.push(service),
            None => complete = false,
        }
    }
    ctx.finish(complete.then_some(services))
}

/// The file stem, made into a valid service name.
fn default_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).take(255).collect();
    if name.is_empty() {
        "service".into()
    } else {
        name
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawService {
    service_name: Option<String>,
    task_definition: Option<String>,
    desired_count: Option<Scalar>,
    launch_type: Option<String>,
    capacity_provider_strategy: Option<Value>,
    scheduling_strategy: Option<String>,
    deployment_configuration: Option<RawDeploymentConfiguration>,
    deployment_controller: Option<RawDeploymentController>,
    // Read one by one so each element's error is located on its own.
    placement_strategy: Option<Vec<Value>>,
    placement_constraints: Option<Vec<Value>>,
    load_balancers: Option<Vec<RawLoadBalancer>>,
    health_check_grace_period_seconds: Option<Scalar>,
    network_configuration: Option<RawNetworkConfiguration>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDeploymentConfiguration {
    maximum_percent: Option<Scalar>,
    minimum_healthy_percent: Option<Scalar>,
    deployment_circuit_breaker: Option<RawSwitch>,
    alarms: Option<RawAlarms>,
    strategy: Option<String>,
    bake_time_in_minutes: Option<Scalar>,
    linear_configuration: Option<RawLinear>,
    canary_configuration: Option<RawCanary>,
    lifecycle_hooks: Option<Vec<RawHook>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLinear {
    step_percent: Option<f64>,
    step_bake_time_in_minutes: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCanary {
    canary_percent: Option<f64>,
    canary_bake_time_in_minutes: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHook {
    hook_target_arn: Option<String>,
    lifecycle_stages: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAdvanced {
    alternate_target_group_arn: Option<String>,
    production_listener_rule: Option<String>,
    test_listener_rule: Option<String>,
    role_arn: Option<String>,
}

#[derive(Deserialize)]
struct RawSwitch {
    enable: Option<bool>,
    rollback: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlarms {
    alarm_names: Option<Vec<String>>,
    enable: Option<bool>,
    rollback: Option<bool>,
}

#[derive(Deserialize)]
struct RawDeploymentController {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLoadBalancer {
    target_group_arn: Option<String>,
    load_balancer_name: Option<String>,
    container_name: Option<String>,
    container_port: Option<Scalar>,
    advanced_configuration: Option<RawAdvanced>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNetworkConfiguration {
    awsvpc_configuration: Option<RawAwsvpc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAwsvpc {
    subnets: Option<Vec<String>>,
    security_groups: Option<Vec<Value>>,
}

/// Validates the service at `base`. `output` is true for CreateService/DescribeServices
/// output, where ECS has filled in values (a DAEMON's `desiredCount`) that input may not set.
fn build(ctx: &mut Ctx, v: &Value, base: &JPath, output: bool, default_name: &str) -> Option<ServiceDefinition> {
    let raw: RawService = ctx.de(v, base)?;

    let service_name = match &raw.service_name {
        Some(n) => {
            ctx.check_name(n, &base.key("serviceName"), "service name");
            n.clone()
        }
        None => default_name.to_string(),
    };
    let strategies = [("REPLICA", SchedulingStrategy::Replica), ("DAEMON", SchedulingStrategy::Daemon)];
    let scheduling_strategy = raw.scheduling_strategy.as_ref().and_then(|s| ctx.pick(s, &base.key("schedulingStrategy"), &strategies));
    let scheduling_strategy = scheduling_strategy.unwrap_or(SchedulingStrategy::Replica);
    let daemon = scheduling_strategy == SchedulingStrategy::Daemon;
    let launch_path = base.key("launchType");
    let launch_types = [("EC2", LaunchType::Ec2), ("FARGATE", LaunchType::Fargate), ("EXTERNAL", LaunchType::External)];
    let launch_type = raw.launch_type.as_ref().and_then(|l| ctx.pick(l, &launch_path, &launch_types)).unwrap_or(LaunchType::Ec2);
    let has_capacity_providers = raw.capacity_provider_strategy.as_ref().is_some_and(|c| c.as_array().is_some_and(|a| !a.is_empty()));
    let strategy_path = base.key("capacityProviderStrategy");
    let capacity_provider_strategy = match raw.capacity_provider_strategy.as_ref().filter(|_| has_capacity_providers) {
        Some(v) => ctx
            .de::<Vec<crate::scenario::capacity_json::RawStrategyItem>>(v, &strategy_path)
            .and_then(|items| crate::scenario::capacity_json::strategy_at(ctx, &items, &strategy_path, None))
            .map(|s| {
                s.items()
                    .iter()
                    .map(|it| CapacityProviderItem { capacity_provider: it.capacity_provider.clone(), base: it.base, weight: it.weight })
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if daemon && has_capacity_providers {
        ctx.error(&strategy_path, At::Key, rules::DAEMON_CAPACITY_PROVIDERS);
    }
    if has_capacity_providers && raw.launch_type.is_some() {
        ctx.error(&launch_path, At::Key, rules::LAUNCH_TYPE_AND_CAPACITY_PROVIDERS);
    }
    if daemon && launch_type == LaunchType::Fargate {
        ctx.error(&launch_path, At::Value, rules::FARGATE_DAEMON);
    }

    let count_path = base.key("desiredCount");
    let desired_count = match &raw.desired_count {
        Some(c) => {
            let n = ctx.int(c, &count_path, 0, i64::from(i32::MAX)).map_or(0, |n| n as u32);
            if daemon && !output {
                ctx.warn(
                    &count_path,
                    At::Key,
                    "desiredCount is ignored for a DAEMON service: ECS runs one task on each instance that satisfies its constraints",
                );
            }
            n
        }
        None if !daemon => {
            ctx.error_help(
                base,
                At::Value,
                "a REPLICA service needs a `desiredCount`",
                "CreateService requires desiredCount unless schedulingStrategy is DAEMON; add e.g. \"desiredCount\": 2",
            );
            0
        }
        None => 0,
    };

    if let Some(dc) = &raw.deployment_controller {
        let path = base.key("deploymentController").key("type");
        if let Some(kind) = dc.kind.as_deref().and_then(|k| ctx.one_of(k, &path, &["ECS", "CODE_DEPLOY", "EXTERNAL"])) {
            if kind != "ECS" && daemon {
                ctx.error(&path, At::Value, format!("the {kind} deployment controller does not support the DAEMON scheduling strategy"));
            } else if kind != "ECS" {
                ctx.warn(
                    &path,
                    At::Value,
                    format!("the {kind} deployment controller is not modelled; ecsim simulates ECS rolling updates"),
                );
            }
        }
    }
    let deployment = deployment(ctx, raw.deployment_configuration.as_ref(), &base.key("deploymentConfiguration"), scheduling_strategy);

    // Placement (docs/ecs-model.md#placement-inputs).
    let strategy_path = base.key("placementStrategy");
    let strategies_in = raw.placement_strategy.as_deref().unwrap_or(&[]);
    if daemon && !strategies_in.is_empty() {
        ctx.error_help(&strategy_path, At::Key, rules::DAEMON_PLACEMENT_STRATEGY, rules::DAEMON_PLACEMENT_STRATEGY_HELP);
    }
    if let Err(p) = rules::placement_strategy_count(strategies_in.len()) {
        ctx.error_help(&strategy_path, At::Key, p.message, p.help);
    }
    let placement_strategy: Vec<_> =
        strategies_in.iter().enumerate().filter_map(|(i, s)| ctx.strategy_at(s, &strategy_path.idx(i))).collect();
    let constraint_path = base.key("placementConstraints");
    let constraints_in = raw.placement_constraints.as_deref().unwrap_or(&[]);
    if constraints_in.len() > MAX_CONSTRAINTS {
        ctx.error(
            &constraint_path,
            At::Key,
            format!("{} placement constraints; ECS allows at most {MAX_CONSTRAINTS}", constraints_in.len()),
        );
    }
    let placement_constraints: Vec<_> =
        constraints_in.iter().enumerate().filter_map(|(i, c)| ctx.constraint_at(c, &constraint_path.idx(i), false)).collect();
    if launch_type == LaunchType::Fargate && !(strategies_in.is_empty() && constraints_in.is_empty()) {
        let at = if strategies_in.is_empty() { constraint_path } else { strategy_path };
        ctx.warn(
            &at,
            At::Key,
            "Fargate ignores placement strategies and constraints; tasks are spread over the subnets' zones (docs/ecs-model.md#placement)",
        );
    }

    let load_balancers = load_balancers(ctx, raw.load_balancers.unwrap_or_default(), &base.key("loadBalancers"));
    let health_check_grace_period_s = raw
        .health_check_grace_period_seconds
        .as_ref()
        .and_then(|g| ctx.int(g, &base.key("healthCheckGracePeriodSeconds"), 0, MAX_HEALTH_CHECK_GRACE_PERIOD_S))
        .map_or(0, |g| g as u32);
    let subnets = match raw.network_configuration.and_then(|n| n.awsvpc_configuration) {
        Some(a) => subnets(ctx, a, &base.key("networkConfiguration").key("awsvpcConfiguration")),
        None => Vec::new(),
    };

    Some(ServiceDefinition {
        service_name,
        task_definition: raw.task_definition,
        desired_count,
        launch_type,
        launch_type_given: raw.launch_type.is_some(),
        capacity_provider_strategy,
        scheduling_strategy,
        deployment,
        placement_strategy,
        placement_constraints,
        load_balancers,
        health_check_grace_period_s,
        subnets,
    })
}

/// `deploymentConfiguration` with ECS's defaults and limits (docs/ecs-model.md#deployment-settings).
fn deployment(
    ctx: &mut Ctx,
    raw: Option<&RawDeploymentConfiguration>,
    path: &JPath,
    strategy: SchedulingStrategy,
) -> DeploymentConfiguration {
    let mut d = DeploymentConfiguration::default_for(strategy);
    let Some(raw) = raw else { return d };
    // Any whole number here: the ranges and their texts are `service_rules`'.
    let mut rule = |v: &Option<Scalar>, key: &str, check: &dyn Fn(i64) -> Result<u32, Problem>| {
        let at = path.key(key);
        match v.as_ref().and_then(|v| ctx.int(v, &at, i64::MIN, i64::MAX)).map(check)? {
            Ok(n) => Some(n),
            Err(p) => {
                ctx.error_help(&at, At::Value, p.message, p.help);
                None
            }
        }
    };
    if let Some(m) =
        rule(&raw.minimum_healthy_percent, "minimumHealthyPercent", &|v| rules::minimum_healthy_percent("minimumHealthyPercent", v))
    {
        d.minimum_healthy_percent = m;
    }
    if let Some(m) = rule(&raw.maximum_percent, "maximumPercent", &|v| rules::maximum_percent("maximumPercent", v, strategy)) {
        d.maximum_percent = m;
    }
    if d.minimum_healthy_percent == 100 && d.maximum_percent == 100 && strategy == SchedulingStrategy::Replica {
        ctx.warn(
            path,
            At::Key,
            "minimumHealthyPercent and maximumPercent are both 100: a deployment can neither stop an old task first nor start a new one first, so it cannot make progress",
        );
    }
    if let Some(cb) = &raw.deployment_circuit_breaker {
        if let Some((enable, rollback)) = switch(ctx, cb.enable, cb.rollback, &path.key("deploymentCircuitBreaker")) {
            d.circuit_breaker = Some(CircuitBreaker { enable, rollback });
        }
    }
    if let Some(a) = &raw.alarms {
        let apath = path.key("alarms");
        let names = a.alarm_names.clone();
        if names.is_none() {
            ctx.error(&apath, At::Value, "deployment alarms need `alarmNames` (CreateService requires it)");
        }
        if let (Some((enable, rollback)), Some(alarm_names)) = (switch(ctx, a.enable, a.rollback, &apath), names) {
            d.alarms = Some(DeploymentAlarms { alarm_names, enable, rollback });
        }
    }
    strategy_settings(ctx, raw, path, &mut d, strategy);
    d
}

/// `strategy`, `bakeTimeInMinutes`, `linearConfiguration`, `canaryConfiguration` and
/// `lifecycleHooks` (docs/ecs-model.md#blue-green-deployments), with ECS's ranges (`service_rules`). A
/// hook's answer is not in the JSON: it answers SUCCEEDED at its first invocation (a scenario's
/// `lifecycle_hooks` say otherwise).
fn strategy_settings(
    ctx: &mut Ctx,
    raw: &RawDeploymentConfiguration,
    path: &JPath,
    d: &mut DeploymentConfiguration,
    scheduling: SchedulingStrategy,
) {
    let report = |ctx: &mut Ctx, at: &JPath, p: Problem| ctx.error_help(at, At::Value, p.message, p.help);
    if let Some(s) = &raw.strategy {
        let spath = path.key("strategy");
        match rules::deployment_strategy("strategy", s) {
            Ok(v) => d.strategy = v,
            Err(p) => report(ctx, &spath, p),
        }
    }
    let minutes = |ctx: &mut Ctx, v: &Option<Scalar>, parent: &JPath, name: &str| -> Option<u32> {
        let at = parent.key(name);
        let n = ctx.int(v.as_ref()?, &at, i64::MIN, i64::MAX)?;
        rules::bake_minutes(name, n).map_err(|p| report(ctx, &at, p)).ok()
    };
    if let Some(b) = minutes(ctx, &raw.bake_time_in_minutes, path, "bakeTimeInMinutes") {
        d.bake_time_min = b;
    }
    if let Some(l) = &raw.linear_configuration {
        let lpath = path.key("linearConfiguration");
        if let Some(p) = l.step_percent {
            match rules::tenth_percent("stepPercent", p, 30) {
                Ok(v) => d.linear.step_permille = v,
                Err(p) => report(ctx, &lpath.key("stepPercent"), p),
            }
        }
        if let Some(b) = minutes(ctx, &l.step_bake_time_in_minutes, &lpath, "stepBakeTimeInMinutes") {
            d.linear.step_bake_time_min = b;
        }
    }
    if let Some(c) = &raw.canary_configuration {
        let cpath = path.key("canaryConfiguration");
        if let Some(p) = c.canary_percent {
            match rules::tenth_percent("canaryPercent", p, 1) {
                Ok(v) => d.canary.canary_permille = v,
                Err(p) => report(ctx, &cpath.key("canaryPercent"), p),
            }
        }
        if let Some(b) = minutes(ctx, &c.canary_bake_time_in_minutes, &cpath, "canaryBakeTimeInMinutes") {
            d.canary.canary_bake_time_min = b;
        }
    }
    for (i, h) in raw.lifecycle_hooks.iter().flatten().enumerate() {
        let hpath = path.key("lifecycleHooks").idx(i);
        let Some(arn) = &h.hook_target_arn else {
            ctx.error(&hpath, At::Value, "a lifecycle hook needs a `hookTargetArn`");
            continue;
        };
        let mut stages = Vec::new();
        for (j, st) in h.lifecycle_stages.iter().flatten().enumerate() {
            match rules::hook_stage(st) {
                Ok(v) => stages.push(v),
                Err(p) => report(ctx, &hpath.key("lifecycleStages").idx(j), p),
            }
        }
        if h.lifecycle_stages.as_ref().is_none_or(|s| s.is_empty()) {
            ctx.error(&hpath, At::Value, "a lifecycle hook needs at least one stage in `lifecycleStages`");
        }
        d.lifecycle_hooks.push(LifecycleHook {
            hook_target_arn: arn.clone(),
            lifecycle_stages: stages,
            answer: HookAnswer { in_progress_s: 0, succeeds: true },
            callback_delay_s: 30,
        });
    }
    let problems = rules::strategy_combination(
        d.strategy,
        scheduling,
        raw.bake_time_in_minutes.is_some(),
        raw.linear_configuration.is_some(),
        raw.canary_configuration.is_some(),
        raw.lifecycle_hooks.as_ref().is_some_and(|h| !h.is_empty()),
    );
    for p in problems {
        ctx.error_help(path, At::Key, p.message, p.help);
    }
}

/// `{enable, rollback}`: both are required by the API.
fn switch(ctx: &mut Ctx, enable: Option<bool>, rollback: Option<bool>, path: &JPath) -> Option<(bool, bool)> {
    for (name, v) in [("enable", enable), ("rollback", rollback)] {
        if v.is_none() {
            ctx.error(path, At::Value, format!("`{path}` needs `{name}` (true or false)"));
        }
    }
    Some((enable?, rollback?))
}

fn load_balancers(ctx: &mut Ctx, raw: Vec<RawLoadBalancer>, path: &JPath) -> Vec<LoadBalancerRef> {
    if raw.len() > MAX_LOAD_BALANCERS {
        ctx.error(path, At::Key, format!("{} load balancers; a service can use at most {MAX_LOAD_BALANCERS} target groups", raw.len()));
    }
    let mut out = Vec::new();
    for (i, lb) in raw.into_iter().enumerate() {
        let lpath = path.idx(i);
        match (&lb.target_group_arn, &lb.load_balancer_name) {
            (None, None) => ctx.error(&lpath, At::Value, "a load balancer entry needs a `targetGroupArn`"),
            (None, Some(_)) => {
                ctx.warn(&lpath, At::Value, "Classic Load Balancers (`loadBalancerName`) are not modelled; only target groups are")
            }
            _ => {}
        }
        if lb.container_name.is_none() {
            ctx.error(&lpath, At::Value, "a load balancer entry needs the `containerName` to register");
        }
        let container_port = match &lb.container_port {
            Some(p) => ctx.int(p, &lpath.key("containerPort"), 1, 65535).map(|p| p as u16),
            None => {
                ctx.error(&lpath, At::Value, "a load balancer entry needs the `containerPort` to register");
                None
            }
        };
        let advanced = lb.advanced_configuration.and_then(|a| {
            let apath = lpath.key("advancedConfiguration");
            for (name, v) in [
                ("alternateTargetGroupArn", &a.alternate_target_group_arn),
                ("productionListenerRule", &a.production_listener_rule),
                ("roleArn", &a.role_arn),
            ] {
                if v.is_none() {
                    ctx.error(&apath, At::Value, format!("an advanced configuration needs `{name}`"));
                }
            }
            Some(AdvancedConfiguration {
                alternate_target_group_arn: a.alternate_target_group_arn?,
                production_listener_rule: a.production_listener_rule?,
                test_listener_rule: a.test_listener_rule,
                role_arn: a.role_arn?,
            })
        });
        out.push(LoadBalancerRef { target_group_arn: lb.target_group_arn, container_name: lb.container_name, container_port, advanced });
    }
    out
}

fn subnets(ctx: &mut Ctx, raw: RawAwsvpc, path: &JPath) -> Vec<String> {
    let spath = path.key("subnets");
    let subnets = raw.subnets.unwrap_or_default();
    if subnets.is_empty() {
        ctx.error(path, At::Key, "awsvpcConfiguration needs at least one subnet in `subnets`");
    }
    if subnets.len() > MAX_SUBNETS {
        ctx.error(&spath, At::Key, format!("{} subnets; an awsvpc configuration takes at most {MAX_SUBNETS}", subnets.len()));
    }
    if let Some(groups) = raw.security_groups.filter(|g| g.len() > MAX_SECURITY_GROUPS) {
        ctx.error(
            &path.key("securityGroups"),
            At::Key,
            format!("{} security groups; an awsvpc configuration takes at most {MAX_SECURITY_GROUPS}", groups.len()),
        );
    }
    for (i, s) in subnets.iter().enumerate() {
        if let Some(p) = find_placeholder(s) {
            // Kept: a subnet is only a name to ecsim until zones are mapped to subnets.
            ctx.warn(&spath.idx(i), At::Value, format!("subnet `{p}` is a template placeholder; ecsim keeps it as an opaque subnet name"));
        }
    }
    subnets
}
