//! ECS and its capacity: `aws_ecs_cluster` (and `aws_ecs_cluster_capacity_providers`),
//! `aws_autoscaling_group` with the instance type of its `aws_launch_template` or
//! `aws_launch_configuration`, `aws_ecs_capacity_provider`, `aws_ecs_task_definition` (its
//! `container_definitions` JSON becomes RegisterTaskDefinition JSON) and `aws_ecs_service`.

use super::{seconds, Mapper};
use crate::import::draft::Table;
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

/// `{ a = 1 }` as a TOML inline table.
fn table(pairs: Vec<(&str, toml::Value)>) -> toml::Value {
    toml::Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

impl Mapper<'_> {
    pub(super) fn cluster(&mut self) {
        let clusters = self.of(&["aws_ecs_cluster"]);
        if let Some(c) = clusters.first() {
            let (name, comment) = self.name(c);
            match comment {
                Some(cm) => self.draft.cluster.note("name", name.as_str(), cm),
                None => self.draft.cluster.set("name", name.as_str()),
            };
            self.unread(
                c,
                &[
                    "name",
                    "setting",
                    "configuration",
                    "capacity_providers",
                    "default_capacity_provider_strategy",
                    "service_connect_defaults",
                ],
            );
        }
        for extra in clusters.iter().skip(1) {
            let at = extra.body.at;
            let first = self.draft.cluster.get("name").and_then(|v| v.as_str()).unwrap_or("default").to_string();
            self.warn(
                at,
                format!("not modelled: a second cluster ({}); ecsim simulates one, and runs every service in {first}", extra.addr),
            );
        }
        let zones = self.subnet_zones(None);
        if !zones.is_empty() {
            self.draft.cluster.note("zones", zones, "the Availability Zones of the configuration's subnets (aws_subnet)");
        }
        let mut sources = self.of(&["aws_ecs_cluster_capacity_providers"]);
        sources.extend(clusters.first().copied());
        for r in sources {
            if let Some(a) = r.body.get("capacity_providers") {
                let items = match &a.value {
                    Value::List(l) => l.clone(),
                    other => vec![other.clone()],
                };
                let mut names = Vec::new();
                for v in &items {
                    match (v.as_str(), self.target(v, &["aws_ecs_capacity_provider"])) {
                        (_, Some(n)) => names.push(n),
                        (Some(s), None) => names.push(s.to_string()),
                        (None, None) => {
                            let what = crate::import::terraform::eval::describe(v);
                            self.warn(a.at, format!("{}: a capacity provider is not known before apply ({what}): left out", r.addr));
                        }
                    }
                }
                self.draft.cluster.set("capacity_providers", names);
            }
            let strategy = self.strategy(r, "default_capacity_provider_strategy");
            if !strategy.is_empty() {
                self.draft.cluster.set("default_capacity_provider_strategy", strategy);
            }
        }
    }

    /// The zones of the `aws_subnet`s `subnets` refers to (all of the configuration's when
    /// `None`), in order, each once.
    fn subnet_zones(&self, subnets: Option<&Value>) -> Vec<String> {
        let mut refs = Vec::new();
        if let Some(v) = subnets {
            v.refs(&mut refs);
        }
        let mut zones: Vec<String> = Vec::new();
        for r in self.of(&["aws_subnet"]) {
            if subnets.is_some() && !refs.contains(&r.addr) {
                continue;
            }
            if let Some(z) = r.body.get("availability_zone").and_then(|a| a.value.as_str()) {
                if !zones.iter().any(|x| x == z) {
                    zones.push(z.to_string());
                }
            }
        }
        zones
    }

    /// `capacity_provider_strategy` blocks as the scenario's list.
    fn strategy(&mut self, r: &ResInst, block: &str) -> Vec<toml::Value> {
        let mut out = Vec::new();
        for b in r.body.blocks(block) {
            let Some(a) = b.get("capacity_provider") else { continue };
            let (v, at) = (a.value.clone(), a.at);
            let name = match (self.target(&v, &["aws_ecs_capacity_provider"]), v.as_str()) {
                (Some(n), _) => n,
                (None, Some(s)) => s.to_string(),
                (None, None) => {
                    let what = crate::import::terraform::eval::describe(&v);
                    self.warn(at, format!("{}: a strategy's capacity provider is not known before apply ({what}): left out", r.addr));
                    continue;
                }
            };
            let mut t = vec![("capacity_provider", toml::Value::from(name))];
            if let Some(n) = self.int(r, b, "base") {
                t.push(("base", n.into()));
            }
            if let Some(n) = self.int(r, b, "weight") {
                t.push(("weight", n.into()));
            }
            out.push(table(t));
        }
        out
    }

    /// The instance type of a launch template or launch configuration `v` refers to.
    fn launch_type_of(&mut self, v: &Value) -> Option<(String, String)> {
        let name = self.target(v, &["aws_launch_template", "aws_launch_configuration"])?;
        let lt = self.res.iter().find(|r| {
            matches!(r.rtype.as_str(), "aws_launch_template" | "aws_launch_configuration") && self.names.get(&r.addr) == Some(&name)
        })?;
        let t = lt.body.get("instance_type")?.value.as_str()?.to_string();
        Some((t, lt.addr.clone()))
    }

    /// An instance type ecsim knows, or m5.large in its place with a warning.
    fn known_type(&mut self, t: String, at: crate::import::terraform::value::Loc) -> (String, Option<String>) {
        match crate::ecs::instance_types::lookup(&t) {
            Some(_) => (t, None),
            None => {
                let c = self.assume(at, format!("m5.large stands in for {t}, an instance type ecsim does not know"));
                ("m5.large".into(), Some(c))
            }
        }
    }

    pub(super) fn auto_scaling_groups(&mut self) {
        for r in self.of(&["aws_autoscaling_group"]) {
            let (name, comment) = self.name(r);
            let mut t = Table::new();
            t.comment(format!("From {}.", r.addr));
            match comment {
                Some(c) => t.note("name", name.as_str(), c),
                None => t.set("name", name.as_str()),
            };
            // the instance type: the launch template's or configuration's, or the mixed
            // instances policy's overrides
            let mut types: Vec<String> = Vec::new();
            let mut lt_ref: Option<Value> =
                r.body.block("launch_template").and_then(|b| b.get("id").or(b.get("name"))).map(|a| a.value.clone());
            if let Some(a) = r.body.get("launch_configuration") {
                lt_ref = Some(a.value.clone());
            }
            let mut spot = false;
            if let Some(mip) = r.body.block("mixed_instances_policy") {
                if let Some(lt) = mip.block("launch_template") {
                    if let Some(spec) = lt.block("launch_template_specification") {
                        lt_ref = spec.get("launch_template_id").or(spec.get("launch_template_name")).map(|a| a.value.clone());
                    }
                    for o in lt.blocks("override") {
                        if let Some(s) = o.get("instance_type").and_then(|a| a.value.as_str()) {
                            types.push(s.to_string());
                        }
                    }
                }
                if let Some(d) = mip.block("instances_distribution") {
                    spot = self.int(r, d, "on_demand_percentage_above_base_capacity") == Some(0);
                    if spot {
                        t.note("purchase", "spot", "on_demand_percentage_above_base_capacity = 0: every instance is Spot");
                    } else if d.get("on_demand_percentage_above_base_capacity").is_some() {
                        let at = d.at;
                        self.warn(at, format!("not modelled: {}: a mix of On-Demand and Spot instances (ecsim runs a group of one purchase option): On-Demand", r.addr));
                    }
                }
            }
            let from_lt = lt_ref.as_ref().and_then(|v| self.launch_type_of(v));
            let at = r.body.at;
            match (types.is_empty(), from_lt) {
                (false, _) => {
                    let mut known = Vec::new();
                    for ty in types {
                        known.push(self.known_type(ty, at).0);
                    }
                    known.dedup();
                    t.set("instance_types", known);
                }
                (true, Some((ty, lt))) => {
                    let (ty, c) = self.known_type(ty, at);
                    t.note("instance_type", ty, c.unwrap_or(format!("the instance type of {lt}")));
                }
                (true, None) => {
                    let c = self.assume(
                        at,
                        format!(
                            "{}: the instance type is not known (no launch template or configuration with a known instance_type): m5.large",
                            r.addr
                        ),
                    );
                    t.note("instance_type", "m5.large", c);
                }
            }
            let _ = spot;
            let min = self.int(r, &r.body, "min_size");
            let max = self.int(r, &r.body, "max_size");
            let desired = self.int(r, &r.body, "desired_capacity");
            if let Some(n) = min {
                t.set("min", n);
            }
            match max {
                Some(n) => {
                    t.set("max", n);
                }
                None => {
                    let n = min.unwrap_or(0).max(desired.unwrap_or(0)).max(1);
                    let c = self.assume(at, format!("{}: max_size is not known: {n}", r.addr));
                    t.note("max", n, c);
                }
            }
            if let Some(n) = desired {
                t.set("desired", n);
            }
            if let Some(zones) = self.strings(r, &r.body, "availability_zones") {
                t.set("zones", zones);
            } else if let Some(subnets) = r.body.get("vpc_zone_identifier").map(|a| a.value.clone()) {
                let zones = self.subnet_zones(Some(&subnets));
                if !zones.is_empty() {
                    t.note("zones", zones, "the Availability Zones of its subnets (vpc_zone_identifier)");
                }
            }
            if let Some(p) = self.strings(r, &r.body, "termination_policies") {
                t.set("termination_policies", p);
            }
            if let Some(b) = self.boolean(r, &r.body, "protect_from_scale_in") {
                t.set("new_instances_protected_from_scale_in", b);
            }
            self.draft.push("auto_scaling_groups", t);
            self.unread(
                r,
                &[
                    "name",
                    "min_size",
                    "max_size",
                    "desired_capacity",
                    "launch_template",
                    "launch_configuration",
                    "mixed_instances_policy",
                    "availability_zones",
                    "vpc_zone_identifier",
                    "termination_policies",
                    "protect_from_scale_in",
                    "health_check_type",
                    "health_check_grace_period",
                    "default_cooldown",
                    "wait_for_capacity_timeout",
                ],
            );
        }
    }

    pub(super) fn capacity_providers(&mut self) {
        for r in self.of(&["aws_ecs_capacity_provider"]) {
            let (name, comment) = self.name(r);
            let mut t = Table::new();
            t.comment(format!("From {}.", r.addr));
            match comment {
                Some(c) => t.note("name", name.as_str(), c),
                None => t.set("name", name.as_str()),
            };
            let Some(p) = r.body.block("auto_scaling_group_provider") else {
                let at = r.body.at;
                self.warn(at, format!("{}: no auto_scaling_group_provider: left out", r.addr));
                continue;
            };
            let Some(asg) = p.get("auto_scaling_group_arn").and_then(|a| self.target(&a.value, &["aws_autoscaling_group"])) else {
                let at = p.get("auto_scaling_group_arn").map_or(p.at, |a| a.at);
                self.warn(at, format!("not modelled: {}: its Auto Scaling group is not one of the configuration's: left out", r.addr));
                continue;
            };
            t.set("auto_scaling_group", asg);
            if let Some(s) = self.text(r, p, "managed_termination_protection") {
                t.set("managed_termination_protection", s);
            }
            if let Some(s) = self.text(r, p, "managed_draining") {
                t.set("managed_draining", s);
            }
            if let Some(ms) = p.block("managed_scaling") {
                let mut m = Vec::new();
                if let Some(s) = self.text(r, ms, "status") {
                    m.push(("status", toml::Value::from(s)));
                }
                for k in ["target_capacity", "minimum_scaling_step_size", "maximum_scaling_step_size"] {
                    if let Some(n) = self.int(r, ms, k) {
                        m.push((k, n.into()));
                    }
                }
                if let Some(n) = self.int(r, ms, "instance_warmup_period") {
                    m.push(("instance_warmup_period", seconds(n).into()));
                }
                t.set("managed_scaling", table(m));
            }
            self.draft.push("capacity_providers", t);
            self.unread(r, &["name", "auto_scaling_group_provider"]);
        }
    }

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
                Value::Unknown(u) if u.partial.as_deref().is_some_and(|p| serde_json::from_str::<serde_json::Value>(p).is_ok()) => {
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
            let mut note = format!("From {}", r.addr);
            if let Some(c) = comment {
                note = format!("{note}; {c}");
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
            let (name, comment) = self.name(r);
            let b = &r.body;
            let mut t = Table::new();
            t.comment(format!("From {}.", r.addr));
            match comment {
                Some(c) => t.note("name", name.as_str(), c),
                None => t.set("name", name.as_str()),
            };
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

    /// EC2 capacity for services that need it when the configuration declares none (no Auto
    /// Scaling group): two m5.large instances, assumed.
    pub(super) fn default_instances(&mut self) {
        let fargate_default =
            self.draft.cluster.get("default_capacity_provider_strategy").is_some_and(|v| v.to_string().contains("FARGATE"));
        let on_ec2 = self.draft.section("services").any(|s| {
            let lt = s.get("launch_type").and_then(|v| v.as_str());
            lt == Some("EC2") || (lt.is_none() && s.get("capacity_provider_strategy").is_none() && !fargate_default)
        });
        if on_ec2 && self.draft.section("auto_scaling_groups").next().is_none() && self.draft.cluster.children.is_empty() {
            let at = self.of(&["aws_ecs_cluster", "aws_ecs_service"]).first().map_or_else(Default::default, |r| r.body.at);
            let c = self.assume(at, "the services run on EC2 and the configuration declares no Auto Scaling group: 2 m5.large instances");
            let mut group = Table::new();
            group.set("name", "ecs").note("type", "m5.large", c).note("count", 2, "assumed");
            self.draft.cluster.push_child("instances", group);
        }
    }
}
