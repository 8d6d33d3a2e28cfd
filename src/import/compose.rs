//! docker-compose files (formats 2 and 3, the Compose Specification) as a scenario, read the way
//! the two tools that deployed them to ECS did:
//!
//! * the Docker Compose ECS integration (`docker compose up` in an ECS context, with its
//!   `x-aws-*` extensions): each service is a Fargate service of its own task definition,
//!   sized from `deploy.resources`, `deploy.replicas` tasks, one load balancer for the stack
//!   (an ALB when every port is HTTP, else an NLB), `x-aws-autoscaling` target tracking;
//! * the Amazon ECS CLI (`ecs-cli compose service up`, with an optional `ecs-params.yml`): the
//!   whole file is one task definition, each service a container of it, run as one service on
//!   EC2 (see [`ecs_cli`]).
//!
//! A file with `x-aws-*` keys, `deploy` sections or no version 1/2 is the integration's; a
//! version 1 or 2 file, or one given with an `ecs-params.yml`, the ECS CLI's. The choice is a
//! warning at the file's start.

use super::app_parts::{self as parts, add_route, duration_s, elb_name, inline, warn, Route, Tracking};
use super::draft::{Draft, Table};
use super::yaml::{self, Node, Value};
use super::{add_task_definition, Input};
use crate::model::diagnostic::Diagnostics;
use serde_json::json;
use std::path::Path;

#[path = "compose_ecs_cli.rs"]
pub mod ecs_cli;

/// Service keys of the ECS integration that configure what ecsim does not simulate.
const NOT_MODELLED: &[(&str, &str)] = &[
    ("volumes", "volumes (EFS file systems) are not modelled"),
    ("networks", "networks (security groups) are not modelled"),
    ("secrets", "secrets change nothing ecsim simulates"),
    ("depends_on", "start order between services is not modelled"),
    ("x-aws-role", "IAM roles change nothing ecsim simulates"),
    ("x-aws-policies", "IAM policies change nothing ecsim simulates"),
    ("deploy.placement", "placement constraints of the ECS integration are not read"),
    ("logging", "log configuration changes nothing ecsim simulates"),
];

/// Top-level keys of the ECS integration that configure what ecsim does not simulate.
const NOT_MODELLED_TOP: &[(&str, &str)] = &[
    ("networks", "networks (security groups) are not modelled"),
    ("volumes", "volumes (EFS file systems) are not modelled"),
    ("secrets", "secrets change nothing ecsim simulates"),
    ("x-aws-vpc", "the VPC changes nothing ecsim simulates"),
    ("x-aws-cloudformation", "the CloudFormation overlay is not applied"),
    ("x-aws-logs_retention", "log retention changes nothing ecsim simulates"),
];

pub fn import(inputs: &[Input], draft: &mut Draft, diags: &mut Diagnostics) {
    let mut docs = Vec::new();
    let mut params = None;
    for input in inputs {
        match yaml::parse(&input.path, &input.text) {
            Ok(doc) if is_ecs_params(&doc) => match params {
                None => params = Some((input.path.clone(), doc)),
                Some(_) => parts::error(diags, &input.path, &doc, "a second ecs-params file: give one per import"),
            },
            Ok(doc) => docs.push((input.path.clone(), doc)),
            Err(e) => diags.push(e),
        }
    }
    if docs.is_empty() {
        if let Some((path, doc)) = &params {
            parts::error(diags, path, doc, "an ecs-params file needs the docker-compose file it goes with");
        }
        return;
    }
    for (path, doc) in &docs {
        let Some(services) = doc.get("services").and_then(Node::as_map) else {
            parts::error(diags, path, doc, "the compose file has no `services` map (compose format 1 is not read: give format 2 or 3)");
            continue;
        };
        let project = project_name(path);
        match params.is_some() || ecs_cli_shape(doc) {
            true => {
                let at = doc.get("version").unwrap_or(doc);
                warn(diags, path, at, "assumed: read as an Amazon ECS CLI project (compose format 1/2 or an ecs-params file, no x-aws-* keys): one task definition of every service's container, run as one service, as `ecs-cli compose service up` does");
                ecs_cli::import(path, doc, services, params.as_ref().map(|(p, d)| (p.as_path(), d)), &project, draft, diags);
            }
            false => Integration { file: path, doc, project: &project, diags: &mut *diags }.import(services, draft),
        }
    }
}

/// An `ecs-params.yml` (the ECS CLI's settings beside a compose file).
pub fn is_ecs_params(doc: &Node) -> bool {
    doc.get("services").is_none()
        && (doc.get("task_definition").and_then(Node::as_map).is_some() || doc.get("run_params").and_then(Node::as_map).is_some())
}

/// A file the ECS CLI wrote for: format 1 or 2, no `x-aws-*` extension, no `deploy` section.
fn ecs_cli_shape(doc: &Node) -> bool {
    let version = doc.get("version").and_then(Node::scalar_text).unwrap_or_default();
    let old = version.starts_with('1') || version.starts_with('2');
    let extensions = |n: &Node| n.as_map().is_some_and(|m| m.iter().any(|(k, _)| k.starts_with("x-aws")));
    let services: Vec<&Node> = doc.get("services").and_then(Node::as_map).map(|m| m.iter().map(|(_, s)| s).collect()).unwrap_or_default();
    old && !extensions(doc) && !services.iter().any(|s| extensions(s) || s.get("deploy").is_some())
}

/// The project name both tools default to: the folder of the compose file (its stem when the
/// file has a name of its own).
fn project_name(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("compose");
    let name = match stem {
        "docker-compose" | "compose" => path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or(stem),
        _ => stem,
    };
    elb_name(&name.to_ascii_lowercase())
}

/// Bytes of a Compose size: a number of bytes, or a number with a unit `b`, `k`, `m`, `g`
/// (optionally followed by `b`; powers of 1024), as `512M`, `2GB`, `500m`.
pub fn bytes(node: &Node) -> Option<u64> {
    match &node.value {
        Value::Int(i) if *i >= 0 => Some(*i as u64),
        Value::Str(s) => {
            let t = s.trim().to_ascii_lowercase();
            let t = t.strip_suffix('b').filter(|r| r.ends_with(['k', 'm', 'g'])).unwrap_or(&t);
            let (num, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
            let n: f64 = num.trim().parse().ok()?;
            let mult = match unit {
                "" | "b" => 1.0,
                "k" => 1024.0,
                "m" => 1024.0 * 1024.0,
                "g" => 1024.0 * 1024.0 * 1024.0,
                _ => return None,
            };
            (n >= 0.0).then(|| (n * mult).round() as u64)
        }
        _ => None,
    }
}

/// A Compose health check as ECS's (`test` as a list `[CMD, …]` / `[CMD-SHELL, …]` or a
/// string run by the shell; ECS's defaults 30 s, 5 s, 3 retries). `None` when disabled.
pub fn health_check(hc: &Node) -> Option<serde_json::Value> {
    if hc.get("disable").and_then(Node::as_bool) == Some(true) {
        return None;
    }
    let test = hc.get("test")?;
    let command: Vec<String> = match (test.as_seq(), test.as_str()) {
        (Some(items), _) => items.iter().filter_map(Node::scalar_text).collect(),
        (None, Some(s)) => vec!["CMD-SHELL".to_string(), s.to_string()],
        _ => return None,
    };
    if command.first().map(String::as_str) == Some("NONE") || command.is_empty() {
        return None;
    }
    let secs = |key: &str, default: f64| hc.get(key).and_then(duration_s).unwrap_or(default).round() as i64;
    let retries = hc.get("retries").and_then(Node::as_i64).unwrap_or(3);
    Some(
        json!({ "command": command, "interval": secs("interval", 30.0), "timeout": secs("timeout", 5.0), "retries": retries, "startPeriod": secs("start_period", 0.0) }),
    )
}

/// A port of `ports`: `"80"`, `"8080:80"`, `"127.0.0.1:8080:80/udp"`, or the long form.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub published: Option<i64>,
    pub target: i64,
    pub protocol: String,
    /// `x-aws-protocol` (long form).
    pub aws_protocol: Option<String>,
}

/// A service's `ports`, each one that is not a single port (a range) a warning at it.
pub fn ports(svc: &Node, diags: &mut Diagnostics, file: &Path) -> Vec<Port> {
    let listed = svc.get("ports").and_then(Node::as_seq).unwrap_or(&[]);
    listed
        .iter()
        .filter_map(|p| {
            let parsed = port(p);
            if parsed.is_none() {
                warn(diags, file, p, "not modelled: this port (a range, or not a port) is left out");
            }
            parsed
        })
        .collect()
}

pub fn port(node: &Node) -> Option<Port> {
    if node.as_map().is_some() {
        let target = node.get("target")?.as_i64()?;
        let published = node.get("published").and_then(Node::as_i64);
        let protocol = node.get("protocol").and_then(Node::as_str).unwrap_or("tcp").to_ascii_lowercase();
        let aws_protocol = node.get("x-aws-protocol").and_then(Node::as_str).map(str::to_ascii_lowercase);
        return Some(Port { published, target, protocol, aws_protocol });
    }
    let text = node.scalar_text()?;
    let (spec, protocol) = match text.split_once('/') {
        Some((s, p)) => (s.to_string(), p.to_ascii_lowercase()),
        None => (text.clone(), "tcp".to_string()),
    };
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    let target = parts.first()?.trim().parse().ok()?;
    let published = parts.get(1).and_then(|p| p.trim().parse().ok());
    Some(Port { published, target, protocol, aws_protocol: None })
}

/// One docker-compose file, read as the Docker Compose ECS integration read it.
struct Integration<'a> {
    file: &'a Path,
    doc: &'a Node,
    project: &'a str,
    diags: &'a mut Diagnostics,
}

impl Integration<'_> {
    fn import(&mut self, services: &[(String, Node)], draft: &mut Draft) {
        for (key, why) in NOT_MODELLED_TOP {
            if let Some(n) = self.doc.get(key) {
                warn(self.diags, self.file, n, format!("not modelled: `{key}` ({why})"));
            }
        }
        if let Some(c) = self.doc.get("x-aws-cluster").and_then(Node::as_str) {
            draft.cluster.note("name", c.rsplit('/').next().unwrap_or(c), "x-aws-cluster");
        }
        // One load balancer for the stack: an ALB when every port of every service is HTTP.
        let ports: Vec<(Node, Port)> = services
            .iter()
            .flat_map(|(_, s)| s.get("ports").and_then(Node::as_seq).unwrap_or(&[]).iter().filter_map(|p| port(p).map(|q| (p.clone(), q))))
            .collect();
        let http = |p: &Port| match &p.aws_protocol {
            Some(proto) => proto == "http" || proto == "https",
            None => p.target == 80 || p.target == 443,
        };
        let alb = ports.iter().all(|(_, p)| http(p));
        if !alb {
            for (node, p) in ports.iter().filter(|(_, p)| !http(p)) {
                warn(self.diags, self.file, node, format!("not modelled: port {} is not HTTP, so the stack gets a Network Load Balancer, which ecsim does not model; its services run without a load balancer (give `x-aws-protocol: http` if it serves HTTP)", p.target));
            }
        }
        let lb_name = match self.doc.get("x-aws-loadbalancer").and_then(Node::as_str) {
            Some(existing) => elb_name(existing.rsplit('/').nth(1).unwrap_or(existing)),
            None => elb_name(self.project),
        };
        for (name, svc) in services {
            self.service(name, svc, alb.then_some(lb_name.as_str()), draft);
        }
        parts::note_fargate_zones(draft, "the ECS integration places tasks in the default VPC's subnets, which the file does not name");
    }

    fn service(&mut self, name: &str, svc: &Node, lb: Option<&str>, draft: &mut Draft) {
        for (key, why) in NOT_MODELLED {
            let found = key.split('.').try_fold(svc, |n, k| n.get(k));
            if let Some(n) = found {
                warn(self.diags, self.file, n, format!("not modelled: `{key}` ({why})"));
            }
        }
        let image = match svc.get("image").and_then(Node::as_str) {
            Some(i) => i.to_string(),
            None => {
                let at = svc.get("build").unwrap_or(svc);
                warn(
                    self.diags,
                    self.file,
                    at,
                    format!("assumed: service {name:?} has no `image` (the ECS integration needs one); the image is {name}:latest"),
                );
                format!("{name}:latest")
            }
        };
        let ports = ports(svc, self.diags, self.file);
        let mut container = json!({ "name": name, "image": image, "essential": true });
        if !ports.is_empty() {
            container["portMappings"] = ports.iter().map(|p| json!({ "containerPort": p.target, "protocol": p.protocol })).collect();
        }
        if let Some(hc) = svc.get("healthcheck").and_then(health_check) {
            container["healthCheck"] = hc;
        }
        if let Some(creds) = svc.get("x-aws-pull_credentials").and_then(Node::as_str) {
            container["repositoryCredentials"] = json!({ "credentialsParameter": creds });
        }
        let resources = svc.get("deploy").and_then(|d| d.get("resources"));
        if let Some(mib) = resources.and_then(|r| r.get("reservations")).and_then(|r| r.get("memory")).and_then(bytes) {
            container["memoryReservation"] = json!(mib / (1024 * 1024));
        }
        for gpu_key in ["generic_resources", "devices"] {
            if let Some(g) = resources.and_then(|r| r.get("reservations")).and_then(|r| r.get(gpu_key)) {
                warn(self.diags, self.file, g, "not modelled: GPUs (the ECS integration runs such a service on EC2 GPU instances); the service runs on Fargate without them");
            }
        }
        let Some((cpu, memory, size_note)) = self.task_size(name, svc) else { return };
        let register = json!({
            "family": format!("{}-{name}", self.project),
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": cpu.to_string(),
            "memory": memory.to_string(),
            "containerDefinitions": [container],
        });
        let td = add_task_definition(draft, name, &register, Some(format!("Service {name:?} of {}: {size_note}.", self.file.display())));
        let mut t = Table::new();
        t.set("name", name).set("task_definition", td.as_str());
        let replicas = svc.get("deploy").and_then(|d| d.get("replicas")).and_then(Node::as_i64);
        match replicas {
            Some(r) => t.note("desired_count", r, "deploy.replicas"),
            None => t.note("desired_count", 1, "no deploy.replicas: the ECS integration's 1"),
        };
        t.set("launch_type", "FARGATE");
        let (min, max) = self.rolling(svc, replicas);
        t.set("deployment", inline(vec![("minimum_healthy_percent", min.into()), ("maximum_percent", max.into())]));
        let mut tgs = Vec::new();
        if let Some(lb) = lb {
            let mut bindings = Vec::new();
            for p in &ports {
                let tg = elb_name(&format!("{name}-{}", p.target));
                if draft
                    .section("load_balancers")
                    .any(|l| l.children.iter().any(|(_, c)| c.get("port").and_then(|v| v.as_integer()) == Some(p.target)))
                {
                    let at = svc.get("ports").unwrap_or(svc);
                    warn(self.diags, self.file, at, format!("not modelled: port {} is already a listener of the stack's load balancer (the ECS integration would fail to create a second one); this service does not get it", p.target));
                    continue;
                }
                let mut g = Table::new();
                g.comment(format!(
                    "The target group the ECS integration creates for {name}:{}; its health check is ELBv2's default.",
                    p.target
                ));
                g.set("name", tg.as_str()).set("target_type", "ip").set("port", p.target);
                draft.push("target_groups", g);
                let route = Route { load_balancer: lb, listener_port: p.target, target_group: &tg, path_patterns: None, priority: 0 };
                add_route(draft, &route, 404, "replaced by the forward below");
                bindings.push(inline(vec![
                    ("target_group", tg.as_str().into()),
                    ("container_name", name.into()),
                    ("container_port", p.target.into()),
                ]));
                tgs.push(tg);
            }
            if !bindings.is_empty() {
                t.set("load_balancers", bindings);
            }
        }
        draft.push("services", t);
        if let Some(s) = self.autoscaling(name, svc) {
            draft.push("scaling", s);
        }
    }

    /// Task-level CPU units and MiB: the smallest Fargate size holding `deploy.resources.limits`
    /// (else `reservations`), 256/512 without either — the ECS integration's rule.
    fn task_size(&mut self, name: &str, svc: &Node) -> Option<(u64, u64, String)> {
        let resources = svc.get("deploy").and_then(|d| d.get("resources"));
        let given = resources.and_then(|r| r.get("limits").or_else(|| r.get("reservations")));
        let Some(given) = given else {
            return Some((256, 512, "no deploy.resources: the ECS integration's 256 CPU units and 512 MiB".to_string()));
        };
        let cpus = given.get("cpus").and_then(Node::as_f64).unwrap_or(0.0);
        let cpu_units = (cpus * 1024.0).round() as u64;
        let memory_mib = given.get("memory").and_then(bytes).map_or(0, |b| b.div_ceil(1024 * 1024));
        match parts::fargate_size(cpu_units, memory_mib) {
            Some((c, m)) => Some((c, m, format!("the smallest Fargate size holding {cpus} vCPU and {memory_mib} MiB"))),
            None => {
                parts::error(
                    self.diags,
                    self.file,
                    given,
                    format!("service {name:?} asks for {cpus} vCPU and {memory_mib} MiB: no Fargate task size holds that"),
                );
                None
            }
        }
    }

    /// `deploy.update_config`: `x-aws-min_percent` / `x-aws-max_percent`, else from
    /// `parallelism` and `replicas`, else 100/200.
    fn rolling(&mut self, svc: &Node, replicas: Option<i64>) -> (i64, i64) {
        let Some(uc) = svc.get("deploy").and_then(|d| d.get("update_config")) else { return (100, 200) };
        let min = uc.get("x-aws-min_percent").and_then(Node::as_i64);
        let max = uc.get("x-aws-max_percent").and_then(Node::as_i64);
        let from_parallelism = match (uc.get("parallelism").and_then(Node::as_i64), replicas) {
            (Some(p), Some(r)) if r > 0 && p <= r => Some(((r - p) * 100 / r, (r + p) * 100 / r)),
            _ => None,
        };
        (min.or(from_parallelism.map(|f| f.0)).unwrap_or(100), max.or(from_parallelism.map(|f| f.1)).unwrap_or(200))
    }

    /// `deploy.x-aws-autoscaling: { min, max, cpu | memory }` → target tracking (60 s cooldowns).
    fn autoscaling(&mut self, name: &str, svc: &Node) -> Option<Table> {
        let a = svc.get("deploy").and_then(|d| d.get("x-aws-autoscaling"))?;
        let Some(max) = a.get("max").and_then(Node::as_i64) else {
            parts::error(self.diags, self.file, a, "x-aws-autoscaling must define `max` (the ECS integration refuses it without)");
            return None;
        };
        let min = a.get("min").and_then(Node::as_i64).unwrap_or(0);
        let (metric, short, target) = match (a.get("cpu").and_then(Node::as_f64), a.get("memory").and_then(Node::as_f64)) {
            (Some(_), Some(_)) => {
                parts::error(self.diags, self.file, a, "x-aws-autoscaling can't set both `cpu` and `memory` targets");
                return None;
            }
            (Some(c), None) => ("ECSServiceAverageCPUUtilization", "cpu", c),
            (None, Some(m)) => ("ECSServiceAverageMemoryUtilization", "memory", m),
            (None, None) => {
                warn(self.diags, self.file, a, "x-aws-autoscaling has no `cpu` or `memory` target: only the range is imported");
                return Some(parts::scaling(name, min, max, &[]));
            }
        };
        let policy = Tracking {
            name: format!("{name}-{short}"),
            metric,
            target,
            target_group: None,
            scale_in_cooldown_s: 60.0,
            scale_out_cooldown_s: 60.0,
        };
        Some(parts::scaling(name, min, max, &[policy]))
    }
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
