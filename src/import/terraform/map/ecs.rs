//! ECS's cluster and its capacity: `aws_ecs_cluster` (and `aws_ecs_cluster_capacity_providers`),
//! `aws_autoscaling_group` with the instance type of its `aws_launch_template` or
//! `aws_launch_configuration`, and `aws_ecs_capacity_provider`.

use super::{seconds, table, Mapper};
use crate::import::draft::Table;
use crate::import::terraform::instances::ResInst;
use crate::import::terraform::value::Value;

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
    pub(super) fn strategy(&mut self, r: &ResInst, block: &str) -> Vec<toml::Value> {
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
            let (_, mut t) = self.named_table(r);
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
            let (_, mut t) = self.named_table(r);
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
