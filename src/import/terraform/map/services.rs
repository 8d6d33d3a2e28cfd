//! Task definitions and services: `aws_ecs_task_definition` (its `container_definitions` JSON
//! becomes RegisterTaskDefinition JSON, with the task-level arguments) and `aws_ecs_service`.

use super::{seconds, table, Mapper};
use crate::import::terraform::instances::{Body, ResInst};
use crate::import::terraform::value::{Loc, Value};

const TG_TYPES: &[&str] = &["aws_lb_target_group", "aws_alb_target_group"];

/// The fields of ECS's `ContainerDefinition`
/// (<https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html>).
const CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "restartPolicy",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "versionConsistency",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
];

/// Whether a container definitions text with placeholders is still an array of containers (a
/// placeholder may stand for a value inside one, not for a whole container).
fn readable_containers(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|j| j.as_array().is_some_and(|a| a.iter().all(serde_json::Value::is_object)))
}

impl Mapper<'_> {
    pub(super) fn task_definitions(&mut self) {
        for r in self.of(&["aws_ecs_task_definition"]) {
            let (name, comment) = self.name(r);
            let b = &r.body;
            let Some(cd) = b.get("container_definitions") else {
                let at = b.at;
                self.warn(at, format!("{}: no container_definitions: left out", r.addr));
                continue;
            };
            let at = cd.at;
            let containers: serde_json::Value = match &cd.value {
                Value::String(s) => match serde_json::from_str(s) {
                    Ok(j) => j,
                    Err(e) => {
                        self.warn(
                            at,
                            format!("{}: container_definitions is not valid JSON ({e}): the task definition is left out", r.addr),
                        );
                        continue;
                    }
                },
                Value::List(_) => match cd.value.to_json() {
                    Some(j) => j,
                    None => continue,
                },
                Value::Unknown(u) if u.partial.as_deref().is_some_and(readable_containers) => {
                    let what = u.what.clone();
                    self.warn(
                        at,
                        format!(
                            "{}: parts of container_definitions are not known before apply ({what}, …): placeholders stand in for them",
                            r.addr
                        ),
                    );
                    serde_json::from_str(u.partial.as_deref().unwrap_or("[]")).unwrap_or_default()
                }
                other => {
                    let what = crate::import::terraform::eval::describe(other);
                    self.warn(
                        at,
                        format!("{}: container_definitions is not known before apply ({what}): the task definition is left out", r.addr),
                    );
                    continue;
                }
            };
            let containers = self.api_fields_only(r, at, containers);
            let mut j = serde_json::json!({ "family": name, "containerDefinitions": containers });
            if let Some(s) = self.text(r, b, "cpu") {
                j["cpu"] = s.into();
            }
            if let Some(s) = self.text(r, b, "memory") {
                j["memory"] = s.into();
            }
            if let Some(s) = self.text(r, b, "network_mode") {
                j["networkMode"] = s.into();
            }
            if let Some(l) = self.strings(r, b, "requires_compatibilities") {
                j["requiresCompatibilities"] = l.into();
            }
            if let Some(rp) = b.block("runtime_platform") {
                let mut p = serde_json::Map::new();
                if let Some(s) = self.text(r, rp, "cpu_architecture") {
                    p.insert("cpuArchitecture".into(), s.into());
                }
                if let Some(s) = self.text(r, rp, "operating_system_family") {
                    p.insert("operatingSystemFamily".into(), s.into());
                }
                j["runtimePlatform"] = p.into();
            }
            let mut constraints = Vec::new();
            for pc in b.blocks("placement_constraints") {
                let mut c = serde_json::Map::new();
                if let Some(s) = self.text(r, pc, "type") {
                    c.insert("type".into(), s.into());
                }
                if let Some(s) = self.text(r, pc, "expression") {
                    c.insert("expression".into(), s.into());
                }
                constraints.push(serde_json::Value::Object(c));
            }
            if !constraints.is_empty() {
                j["placementConstraints"] = constraints.into();
            }
            let mut note = format!("From {}.", r.addr);
            if let Some(c) = comment {
                note = format!("From {}; {c}", r.addr);
            }
            crate::import::add_task_definition(self.draft, &name, &j, Some(note));
            self.unread(
                r,
                &[
                    "family",
                    "container_definitions",
                    "cpu",
                    "memory",
                    "network_mode",
                    "requires_compatibilities",
                    "runtime_platform",
                    "placement_constraints",
                ],
            );
        }
    }

    /// The container definitions with only the fields of ECS's `ContainerDefinition`: the AWS
    /// provider reads the JSON into the API's type, so any other key is dropped silently by
    /// Terraform; ecsim says so.
    fn api_fields_only(&mut self, r: &ResInst, at: Loc, mut containers: serde_json::Value) -> serde_json::Value {
        let mut dropped: Vec<String> = Vec::new();
        if let Some(list) = containers.as_array_mut() {
            for c in list.iter_mut().filter_map(|c| c.as_object_mut()) {
                let extra: Vec<String> = c.keys().filter(|k| !CONTAINER_FIELDS.contains(&k.as_str())).cloned().collect();
                for k in extra {
                    c.remove(&k);
                    if !dropped.contains(&k) {
                        dropped.push(k);
                    }
                }
            }
        }
        if !dropped.is_empty() {
            self.warn(
                at,
                format!("{}: container_definitions has keys that are not ECS container definition fields ({}): ignored, as the AWS provider ignores them", r.addr, dropped.join(", ")),
            );
        }
        containers
    }

    pub(super) fn services(&mut self) {
        for r in self.of(&["aws_ecs_service"]) {
            let (name, mut t) = self.named_table(r);
            let b = &r.body;
            let td = b.get("task_definition").map(|a| (a.value.clone(), a.at));
            let family = td.as_ref().and_then(|(v, _)| {
                self.target(v, &["aws_ecs_task_definition"]).or_else(|| {
                    // "family:revision" or a task definition ARN written literally
                    let s = v.as_str()?;
                    let fam = s.rsplit('/').next()?.split(':').next()?;
                    self.draft.has("task_definitions", fam).then(|| fam.to_string())
                })
            });
            let family = family.filter(|f| self.draft.has("task_definitions", f));
            let Some(family) = family else {
                let at = td.map_or(b.at, |(_, at)| at);
                self.warn(
                    at,
                    format!("{}: its task definition is not one ecsim could read from the configuration: the service is left out", r.addr),
                );
                continue;
            };
            t.set("task_definition", family);
            let daemon = self.text(r, b, "scheduling_strategy").is_some_and(|s| s == "DAEMON");
            if daemon {
                t.set("scheduling_strategy", "DAEMON");
            } else {
                let unknown = b.get("desired_count").and_then(|a| a.value.first_unknown()).map(|u| format!(" ({})", u.what));
                let count = match unknown {
                    Some(_) => None,
                    None => self.int(r, b, "desired_count"),
                };
                match count {
                    Some(n) => {
                        t.set("desired_count", n);
                    }
                    None => {
                        let (n, why) = match self.scaling_min(&name) {
                            Some(min) => {
                                (min, format!("the min_capacity of its scalable target ({min}), which Application Auto Scaling enforces"))
                            }
                            None => (0, "Terraform's default, 0".to_string()),
                        };
                        let at = b.get("desired_count").map_or(b.at, |a| a.at);
                        let what = unknown.unwrap_or_default();
                        let c = self.assume(at, format!("{}: desired_count is not set or not known{what}: {why}", r.addr));
                        t.note("desired_count", n, c);
                    }
                }
            }
            if let Some(lt) = self.text(r, b, "launch_type") {
                match lt.as_str() {
                    "EC2" | "FARGATE" => {
                        t.set("launch_type", lt);
                    }
                    other => {
                        let at = b.get("launch_type").map_or(b.at, |a| a.at);
                        self.warn(at, format!("not modelled: {}: launch type {other} (runs on EC2 in the simulation)", r.addr));
                    }
                }
            }
            let strategy = self.strategy(r, "capacity_provider_strategy");
            if !strategy.is_empty() {
                t.set("capacity_provider_strategy", strategy);
            }
            let mut deployment: Vec<(&str, toml::Value)> = Vec::new();
            if let Some(n) = self.int(r, b, "deployment_minimum_healthy_percent") {
                deployment.push(("minimum_healthy_percent", n.into()));
            }
            if let Some(n) = self.int(r, b, "deployment_maximum_percent") {
                deployment.push(("maximum_percent", n.into()));
            }
            if let Some(cb) = b.block("deployment_circuit_breaker") {
                let enable = self.boolean(r, cb, "enable").unwrap_or(false);
                let rollback = self.boolean(r, cb, "rollback").unwrap_or(false);
                deployment.push(("circuit_breaker", table(vec![("enable", enable.into()), ("rollback", rollback.into())])));
            }
            if let Some(al) = b.block("alarms") {
                let names = self.strings(r, al, "alarm_names").unwrap_or_default();
                let known: Vec<String> = names.into_iter().filter(|n| self.names.values().any(|v| v == n)).collect();
                if self.boolean(r, al, "enable") != Some(false) && !known.is_empty() {
                    let rollback = self.boolean(r, al, "rollback").unwrap_or(false);
                    deployment.push(("alarms", table(vec![("alarm_names", known.into()), ("rollback", rollback.into())])));
                }
            }
            if !deployment.is_empty() {
                t.set("deployment", table(deployment));
            }
            if let Some(dc) = b.block("deployment_controller") {
                if let Some(ty) = self.text(r, dc, "type").filter(|t| t != "ECS") {
                    let at = dc.at;
                    self.warn(
                        at,
                        format!("not modelled: {}: the {ty} deployment controller (deployments run as ECS rolling updates)", r.addr),
                    );
                }
            }
            let mut strategies = Vec::new();
            for ps in b.blocks("ordered_placement_strategy") {
                let mut s = Vec::new();
                if let Some(ty) = self.text(r, ps, "type") {
                    s.push(("type", toml::Value::from(ty)));
                }
                if let Some(f) = self.text(r, ps, "field") {
                    s.push(("field", toml::Value::from(f)));
                }
                strategies.push(table(s));
            }
            if !strategies.is_empty() {
                t.set("placement_strategy", strategies);
            }
            let mut constraints = Vec::new();
            for pc in b.blocks("placement_constraints") {
                let mut s = Vec::new();
                if let Some(ty) = self.text(r, pc, "type") {
                    s.push(("type", toml::Value::from(ty)));
                }
                if let Some(e) = self.text(r, pc, "expression") {
                    s.push(("expression", toml::Value::from(e)));
                }
                constraints.push(table(s));
            }
            if !constraints.is_empty() {
                t.set("placement_constraints", constraints);
            }
            if let Some(n) = self.int(r, b, "health_check_grace_period_seconds") {
                t.set("health_check_grace_period", seconds(n));
            }
            if self.text(r, b, "availability_zone_rebalancing").is_some_and(|s| s == "ENABLED") {
                t.set("availability_zone_rebalancing", true);
            }
            let lbs = self.service_load_balancers(r, b);
            if !lbs.is_empty() {
                t.set("load_balancers", lbs);
            }
            self.draft.push("services", t);
            self.unread(
                r,
                &[
                    "name",
                    "task_definition",
                    "desired_count",
                    "scheduling_strategy",
                    "launch_type",
                    "capacity_provider_strategy",
                    "deployment_minimum_healthy_percent",
                    "deployment_maximum_percent",
                    "deployment_circuit_breaker",
                    "alarms",
                    "deployment_controller",
                    "ordered_placement_strategy",
                    "placement_constraints",
                    "health_check_grace_period_seconds",
                    "availability_zone_rebalancing",
                    "load_balancer",
                    "network_configuration",
                    "platform_version",
                ],
            );
        }
    }

    fn service_load_balancers(&mut self, r: &ResInst, b: &Body) -> Vec<toml::Value> {
        let mut out = Vec::new();
        for lb in b.blocks("load_balancer") {
            let Some(a) = lb.get("target_group_arn") else {
                let at = lb.at;
                self.warn(at, format!("not modelled: {}: a Classic Load Balancer (elb_name): the service runs without it", r.addr));
                continue;
            };
            let (v, at) = (a.value.clone(), a.at);
            let Some(tg) = self.target(&v, TG_TYPES) else {
                let what = crate::import::terraform::eval::describe(&v);
                self.warn(
                    at,
                    format!("{}: the target group ({what}) is not one of the configuration's: the service runs without it", r.addr),
                );
                continue;
            };
            let mut t = vec![("target_group", toml::Value::from(tg))];
            if let Some(c) = self.text(r, lb, "container_name") {
                t.push(("container_name", c.into()));
            }
            if let Some(p) = self.int(r, lb, "container_port") {
                t.push(("container_port", p.into()));
            }
            out.push(table(t));
        }
        out
    }
}
