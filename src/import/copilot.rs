//! AWS Copilot manifests (<https://aws.github.io/copilot-cli/docs/manifest/overview/>) as a
//! scenario: a Load Balanced Web Service, Backend Service or Worker Service is a Fargate service
//! (an awsvpc task definition with task-level cpu and memory, Copilot's 256/512 by default); a
//! Load Balanced Web Service also gets a target group on the environment's Application Load
//! Balancer; `count` autoscaling is Service Auto Scaling target tracking; a Scheduled Job is a
//! stream of standalone tasks at the schedule's times. `environments:` overrides are applied
//! only when asked (`--var environment=NAME`).

use super::app_parts::{self as parts, add_route, duration_s, elb_name, inline, seconds_text, warn, Route, Tracking};
use super::draft::{Draft, Table};
use super::yaml::{self, Node, Value};
use super::{add_task_definition, Input, Options};
use crate::model::diagnostic::Diagnostics;
use serde_json::json;
use std::path::Path;

/// The public load balancer of a Copilot environment, shared by its web services.
const PUBLIC_LB: &str = "copilot-public";
/// The internal load balancer of an environment, for Backend Services with `http`.
const INTERNAL_LB: &str = "copilot-internal";

/// Keys that configure what ecsim does not simulate, with why.
const NOT_MODELLED: &[(&str, &str)] = &[
    ("variables", "environment variables change nothing ecsim simulates"),
    ("secrets", "secrets change nothing ecsim simulates"),
    ("env_file", "environment files change nothing ecsim simulates"),
    ("entrypoint", "the entrypoint changes nothing ecsim simulates"),
    ("command", "the command changes nothing ecsim simulates"),
    ("storage", "volumes and ephemeral storage are not modelled"),
    ("logging", "log routing (FireLens) is not modelled"),
    ("observability", "tracing is not modelled"),
    ("publish", "SNS topics are not modelled"),
    ("subscribe", "SQS queues and SNS subscriptions are not modelled: the worker's load does not come from a queue"),
    ("taskdef_overrides", "task definition overrides are not applied"),
    ("tags", "tags change nothing ecsim simulates"),
    ("nlb", "Network Load Balancers are not modelled"),
    ("exec", "ECS Exec changes nothing ecsim simulates"),
    ("image.depends_on", "container start order (dependsOn) is not modelled"),
];

pub fn import(inputs: &[Input], options: &Options, draft: &mut Draft, diags: &mut Diagnostics) {
    let environment = options.vars.get("environment").or_else(|| options.parameters.get("environment"));
    let mut web = 0;
    for input in inputs {
        let doc = match yaml::parse(&input.path, &input.text) {
            Ok(d) => d,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        let Some(doc) = with_environment(doc, environment.map(String::as_str), &input.path, diags) else { continue };
        let file = input.path.as_path();
        let kind = doc.get("type").and_then(Node::as_str).unwrap_or_default().to_string();
        let Some(name) = doc.get("name").and_then(Node::scalar_text).filter(|n| !n.trim().is_empty()) else {
            parts::error(diags, file, &doc, "the manifest has no `name`");
            continue;
        };
        let mut m = Manifest { doc: &doc, file, name, diags: &mut *diags, port_assumed: false };
        match kind.as_str() {
            "Load Balanced Web Service" => {
                web += 1;
                m.service(draft, Lb::Public(web));
            }
            "Backend Service" => {
                let lb = match doc.get("http").map(|h| &h.value) {
                    Some(Value::Map(_)) => Lb::Internal(web + 1),
                    _ => Lb::None,
                };
                m.service(draft, lb);
            }
            "Worker Service" => m.service(draft, Lb::None),
            "Scheduled Job" => m.job(draft),
            other => {
                let at = doc.get("type").unwrap_or(&doc);
                let what = match other {
                    "Request-Driven Web Service" => "a Request-Driven Web Service runs on AWS App Runner, not on ECS".to_string(),
                    "Static Site" => "a Static Site is served by S3 and CloudFront, not by ECS".to_string(),
                    _ => format!("unknown Copilot manifest type {other:?}"),
                };
                parts::error(diags, file, at, format!("{what}: nothing to simulate"));
            }
        }
    }
}

/// Which load balancer a service is behind (with the service's ordinal for rule priorities).
#[derive(Clone, Copy)]
enum Lb {
    None,
    Public(i64),
    Internal(i64),
}

/// The manifest with `environments.<env>` laid over it, as Copilot does: maps merge key by key,
/// anything else replaces. Without an environment the base manifest is used and, when it has
/// overrides, a warning names them.
fn with_environment(mut doc: Node, env: Option<&str>, file: &Path, diags: &mut Diagnostics) -> Option<Node> {
    let envs: Vec<(String, Node)> = doc.get("environments").and_then(Node::as_map).map(<[_]>::to_vec).unwrap_or_default();
    let at = doc.get("environments").cloned().unwrap_or_else(|| doc.clone());
    match env {
        None if !envs.is_empty() => {
            let names: Vec<&str> = envs.iter().map(|(n, _)| n.as_str()).collect();
            warn(
                diags,
                file,
                &at,
                format!(
                    "assumed: no environment's overrides are applied (the manifest has {}); give `--var environment=NAME` to import one",
                    names.join(", ")
                ),
            );
        }
        None => {}
        Some(env) => match envs.iter().find(|(n, _)| n == env) {
            Some((_, over)) => merge(&mut doc, over),
            None => {
                let names: Vec<&str> = envs.iter().map(|(n, _)| n.as_str()).collect();
                let msg = format!(
                    "environment {env:?} has no overrides in this manifest (it has: {})",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                );
                warn(diags, file, &at, format!("{msg}; the base manifest is imported"));
            }
        },
    }
    Some(doc)
}

fn merge(base: &mut Node, over: &Node) {
    match (&mut base.value, &over.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (k, v) in o {
                match b.iter_mut().rev().find(|(bk, _)| bk == k) {
                    Some((_, bv)) => merge(bv, v),
                    None => b.push((k.clone(), v.clone())),
                }
            }
        }
        _ => *base = over.clone(),
    }
}

struct Manifest<'a> {
    doc: &'a Node,
    file: &'a Path,
    name: String,
    diags: &'a mut Diagnostics,
    /// The main container's port was assumed (a web service without a usable `image.port`).
    port_assumed: bool,
}

impl Manifest<'_> {
    fn at(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self.doc, |n, k| n.get(k))
    }

    fn warn(&mut self, node: &Node, message: impl Into<String>) {
        warn(self.diags, self.file, node, message);
    }

    /// A warning at the value of `path` when the manifest has it.
    fn not_modelled(&mut self) {
        for (key, why) in NOT_MODELLED {
            if let Some(node) = self.at(key).cloned() {
                if matches!(node.value, Value::Null | Value::Bool(false)) {
                    continue;
                }
                self.warn(&node, format!("not modelled: `{key}` ({why})"));
            }
        }
    }

    /// A whole number at `path`, or `default` with a warning and comment saying it was assumed.
    fn size(&mut self, key: &str, default: i64) -> (i64, Option<String>) {
        match self.at(key).cloned() {
            Some(n) => match n.as_i64() {
                Some(v) => (v, None),
                None => {
                    self.warn(&n, format!("`{key}` is not a whole number; assumed Copilot's default {default}"));
                    (default, Some(format!("{key} {default} (Copilot's default; the manifest's is not a number)")))
                }
            },
            None => (default, Some(format!("{key} {default} (Copilot's default)"))),
        }
    }

    /// The task definition (RegisterTaskDefinition JSON): the main container, its sidecars,
    /// task-level cpu and memory, awsvpc, Fargate. Returns the name and the main container's
    /// port (`None` when it exposes none).
    fn task_definition(&mut self, draft: &mut Draft, also_ec2: bool, needs_port: bool) -> (String, Option<i64>) {
        let (cpu, cpu_note) = self.size("cpu", 256);
        let (memory, memory_note) = self.size("memory", 512);
        let mut port = self.port(needs_port);
        if port.is_none() && needs_port {
            let at = self.at("image.port").or(self.at("image")).unwrap_or(self.doc).clone();
            let shown = at.scalar_text().map_or("no `image.port`".to_string(), |t| format!("`image.port` {t:?} is no port"));
            self.warn(
                &at,
                format!("assumed: port 80 for the load balancer's target group ({shown}; a Load Balanced Web Service needs one)"),
            );
            self.port_assumed = true;
            port = Some(80);
        }
        let image = self.image_name(self.at("image"));
        let mut main = json!({ "name": self.name, "image": image, "essential": true });
        if let Some(p) = port {
            main["portMappings"] = json!([{ "containerPort": p, "protocol": "tcp" }]);
        }
        if let Some(hc) = self.at("image.healthcheck").cloned() {
            main["healthCheck"] = self.container_health_check(&hc);
        }
        let mut containers = vec![main];
        if let Some(sidecars) = self.at("sidecars").and_then(Node::as_map).map(<[_]>::to_vec) {
            for (name, s) in sidecars {
                containers.push(self.sidecar(&name, &s));
            }
        }
        let compat = if also_ec2 { json!(["EC2", "FARGATE"]) } else { json!(["FARGATE"]) };
        let mut register = json!({
            "family": self.name,
            "networkMode": "awsvpc",
            "requiresCompatibilities": compat,
            "cpu": cpu.to_string(),
            "memory": memory.to_string(),
            "containerDefinitions": containers,
        });
        if let Some(platform) = self.platform() {
            register["runtimePlatform"] = platform;
        }
        let assumed: Vec<String> = [cpu_note, memory_note].into_iter().flatten().collect();
        // Copilot's documented defaults are not guesses: a comment says where they came from.
        let comment = match assumed.is_empty() {
            true => format!("From the Copilot manifest {}.", self.file.display()),
            false => format!("From the Copilot manifest {}; {}.", self.file.display(), assumed.join(", ")),
        };
        (add_task_definition(draft, &self.name, &register, Some(comment)), port)
    }

    /// `image.port` (`80` or `"80/tcp"`); `0` is no port.
    fn port(&mut self, quiet: bool) -> Option<i64> {
        let node = self.at("image.port")?.clone();
        let text = node.scalar_text()?;
        match text.split('/').next().and_then(|p| p.trim().parse::<i64>().ok()) {
            Some(p) if (1..=65535).contains(&p) => Some(p),
            _ if quiet => None,
            _ => {
                self.warn(&node, format!("`image.port` {text:?} is not a port from 1 to 65535: the container exposes none"));
                None
            }
        }
    }

    fn image_name(&self, image: Option<&Node>) -> String {
        let location = image.and_then(|i| i.get("location").and_then(Node::as_str).or_else(|| i.as_str()));
        match location {
            Some(l) => l.to_string(),
            // Built by `copilot deploy` and pushed to the service's ECR repository.
            None => format!("{}:latest", self.name),
        }
    }

    /// `image.healthcheck` → the container's ECS health check, with Copilot's defaults
    /// (interval 10 s, retries 2, timeout 5 s, start period 0 s).
    fn container_health_check(&mut self, hc: &Node) -> serde_json::Value {
        let command: Vec<String> = match hc.get("command") {
            Some(c) => match (c.as_seq(), c.as_str()) {
                (Some(items), _) => items.iter().filter_map(Node::scalar_text).collect(),
                (None, Some(s)) => vec!["CMD-SHELL".to_string(), s.to_string()],
                _ => vec![],
            },
            None => vec![],
        };
        let secs = |key: &str, default: f64| hc.get(key).and_then(duration_s).unwrap_or(default).round() as i64;
        let retries = hc.get("retries").and_then(Node::as_i64).unwrap_or(2);
        if command.is_empty() {
            self.warn(hc, "assumed: the health check has no `command`; ECS needs one, so it is `CMD-SHELL exit 0` (always healthy)");
        }
        let command = if command.is_empty() { vec!["CMD-SHELL".to_string(), "exit 0".to_string()] } else { command };
        json!({ "command": command, "interval": secs("interval", 10.0), "timeout": secs("timeout", 5.0), "retries": retries, "startPeriod": secs("start_period", 0.0) })
    }

    fn sidecar(&mut self, name: &str, s: &Node) -> serde_json::Value {
        let image = s
            .get("image")
            .and_then(|i| i.as_str().map(str::to_string).or_else(|| i.get("location").and_then(Node::as_str).map(str::to_string)));
        let image = image.unwrap_or_else(|| {
            self.warn(s, format!("assumed: sidecar {name:?} names no image; the image is {name}:latest"));
            format!("{name}:latest")
        });
        let mut c = json!({ "name": name, "image": image, "essential": s.get("essential").and_then(Node::as_bool).unwrap_or(true) });
        if let Some(p) =
            s.get("port").and_then(Node::scalar_text).and_then(|p| p.split('/').next().and_then(|p| p.trim().parse::<i64>().ok()))
        {
            c["portMappings"] = json!([{ "containerPort": p, "protocol": "tcp" }]);
        }
        c
    }

    /// `platform: linux/arm64` (or the map form) → the task definition's runtimePlatform.
    fn platform(&mut self) -> Option<serde_json::Value> {
        let node = self.at("platform")?.clone();
        let (os, arch) = match (node.as_str(), node.get("osfamily"), node.get("architecture")) {
            (Some(s), _, _) => {
                let mut it = s.splitn(2, '/');
                (it.next().unwrap_or("linux").to_ascii_lowercase(), it.next().unwrap_or("x86_64").to_ascii_lowercase())
            }
            (None, os, arch) => (
                os.and_then(Node::as_str).unwrap_or("linux").to_ascii_lowercase(),
                arch.and_then(Node::as_str).unwrap_or("x86_64").to_ascii_lowercase(),
            ),
        };
        if !os.starts_with("linux") {
            self.warn(&node, format!("not modelled: the {os} operating system; the task runs as Linux"));
        }
        let arch = match arch.as_str() {
            "arm64" | "arm" | "aarch64" => "ARM64",
            _ => "X86_64",
        };
        Some(json!({ "cpuArchitecture": arch, "operatingSystemFamily": "LINUX" }))
    }

    fn http_disabled(&self) -> bool {
        matches!(self.at("http").map(|h| &h.value), Some(Value::Bool(false)))
    }

    /// A service: task definition, `[[services]]`, its target group and route, its scaling.
    fn service(&mut self, draft: &mut Draft, lb: Lb) {
        self.not_modelled();
        let (td, port) = self.task_definition(draft, false, matches!(lb, Lb::Public(_)) && !self.http_disabled());
        let mut svc = Table::new();
        svc.comment(format!(
            "Copilot {} {:?} ({}).",
            self.doc.get("type").and_then(Node::as_str).unwrap_or("service"),
            self.name,
            self.file.display()
        ));
        svc.set("name", self.name.as_str()).set("task_definition", td.as_str());
        let tg = self.target_group(draft, lb, port);
        let count = self.count(tg.as_deref());
        svc.note("desired_count", count.desired, count.desired_note.clone());
        match count.spot_from {
            Some(base) => {
                let strategy = vec![
                    inline(vec![("capacity_provider", "FARGATE".into()), ("base", base.into()), ("weight", 0.into())]),
                    inline(vec![("capacity_provider", "FARGATE_SPOT".into()), ("weight", 1.into())]),
                ];
                svc.note(
                    "capacity_provider_strategy",
                    strategy,
                    format!("Copilot places the first {base} tasks on Fargate, the rest on Fargate Spot"),
                );
            }
            None => {
                svc.set("launch_type", "FARGATE");
            }
        }
        svc.set("deployment", self.deployment());
        if let (Some(tg), Some(port)) = (&tg, port) {
            let grace = self.at("http.healthcheck.grace_period").and_then(duration_s).unwrap_or(60.0);
            svc.note("health_check_grace_period", seconds_text(grace), "http.healthcheck.grace_period (Copilot's default: 60s)");
            let lbs = vec![inline(vec![
                ("target_group", tg.as_str().into()),
                ("container_name", self.name.as_str().into()),
                ("container_port", port.into()),
            ])];
            svc.set("load_balancers", lbs);
        }
        self.network();
        draft.push("services", svc);
        if let Some(s) = count.scaling {
            draft.push("scaling", s);
        }
        parts::note_fargate_zones(draft, "Copilot places tasks in the environment's subnets, which the manifest does not name");
    }

    /// `deployment.rolling`: `default` is 100/200 %, `recreate` 0/100 %; Copilot always turns
    /// the deployment circuit breaker on with rollback.
    fn deployment(&mut self) -> toml::Value {
        let rolling = self.at("deployment.rolling").cloned();
        let (min, max) = match rolling.as_ref().and_then(Node::as_str) {
            Some("recreate") => (0, 100),
            Some("default") | None => (100, 200),
            Some(other) => {
                let other = other.to_string();
                if let Some(r) = &rolling {
                    self.warn(r, format!("`deployment.rolling` {other:?} is neither \"default\" nor \"recreate\"; read as \"default\""));
                }
                (100, 200)
            }
        };
        if let Some(alarms) = self.at("deployment.rollback_alarms").cloned() {
            self.warn(&alarms, "not modelled: `deployment.rollback_alarms` (the alarms are not in the scenario; add [[alarms]] and name them in the service's `deployment.alarms`)");
        }
        let breaker = inline(vec![("enable", true.into()), ("rollback", true.into())]);
        inline(vec![("minimum_healthy_percent", min.into()), ("maximum_percent", max.into()), ("circuit_breaker", breaker)])
    }

    /// `network.vpc`: the placement and subnets change nothing ecsim models (the tasks spread
    /// over the cluster's zones); `network.connect` (Service Connect) is not modelled.
    fn network(&mut self) {
        if let Some(p) = self.at("network.vpc.placement").cloned() {
            let what = match p.as_str() {
                Some(s) => format!("`network.vpc.placement` {s:?} (public or private subnets change nothing ecsim simulates; tasks spread over the cluster's zones)"),
                None => "`network.vpc.placement.subnets` (subnet IDs whose zones the manifest does not say; tasks spread over the cluster's zones)".to_string(),
            };
            self.warn(&p, format!("not modelled: {what}"));
        }
        if let Some(sg) = self.at("network.vpc.security_groups").cloned() {
            self.warn(&sg, "not modelled: security groups");
        }
        if let Some(c) = self.at("network.connect").cloned() {
            if !matches!(c.value, Value::Bool(false)) {
                self.warn(&c, "not modelled: Service Connect (service-to-service traffic is not simulated)");
            }
        }
    }

    /// The target group of a load-balanced service and its route on the environment's load
    /// balancer (`http.path`: `/` is the listener's catch-all, other paths are rules).
    fn target_group(&mut self, draft: &mut Draft, lb: Lb, port: Option<i64>) -> Option<String> {
        let (lb_name, ordinal) = match lb {
            Lb::None => return None,
            Lb::Public(i) => (PUBLIC_LB, i),
            Lb::Internal(i) => (INTERNAL_LB, i),
        };
        let http = self.at("http").cloned();
        if let Some(Node { value: Value::Bool(false), .. }) = http {
            return None;
        }
        let Some(port) = port else {
            let at = self.at("image").cloned().unwrap_or_else(|| self.doc.clone());
            self.warn(&at, "not modelled: the load balancer's target group: the main container exposes no port (`image.port`); the service runs without one");
            return None;
        };
        let tg_name = elb_name(&self.name);
        let mut tg = Table::new();
        tg.comment(format!("The target group Copilot creates for {:?}.", self.name));
        tg.set("name", tg_name.as_str()).set("target_type", "ip");
        match self.port_assumed {
            true => tg.note("port", port, "assumed: the manifest's `image.port` is no port; 80"),
            false => tg.set("port", port),
        };
        let dereg = self.at("http.deregistration_delay").and_then(duration_s).unwrap_or(60.0);
        tg.note("deregistration_delay", seconds_text(dereg), "http.deregistration_delay (Copilot's default: 60s, not ELBv2's 300s)");
        tg.set("health_check", self.target_health_check());
        if let Some(s) = self.at("http.stickiness").cloned() {
            if s.as_bool() == Some(true) {
                self.warn(&s, "not modelled: sticky sessions (requests are routed by the target group's algorithm)");
            }
        }
        for key in [
            "http.alias",
            "http.allowed_source_ips",
            "http.redirect_to_https",
            "http.additional_rules",
            "http.target_container",
            "http.alb",
            "http.version",
        ] {
            if let Some(n) = self.at(key).cloned() {
                self.warn(&n, format!("not modelled: `{key}`"));
            }
        }
        draft.push("target_groups", tg);
        let path = self.at("http.path").and_then(Node::scalar_text).unwrap_or_default();
        let path = path.trim_matches('/');
        let route = Route {
            load_balancer: lb_name,
            listener_port: 80,
            target_group: &tg_name,
            path_patterns: Some(match path {
                "" => vec!["/*".to_string()],
                p => vec![format!("/{p}"), format!("/{p}/*")],
            }),
            // Copilot evaluates the root path last.
            priority: if path.is_empty() { 50_000 - ordinal } else { ordinal },
        };
        add_route(draft, &route, 503, "Copilot's listener forwards what no service's path matches to a target group with no targets: 503");
        Some(tg_name)
    }

    /// `http.healthcheck` (a path, or a map) → the target group's health check.
    fn target_health_check(&mut self) -> toml::Value {
        let mut hc = toml::Table::new();
        let node = self.at("http.healthcheck").cloned();
        let map = node.as_ref().filter(|n| n.as_map().is_some());
        let path = match (&node, map) {
            (Some(n), None) => n.as_str().map(str::to_string),
            (_, Some(m)) => m.get("path").and_then(Node::as_str).map(str::to_string),
            _ => None,
        };
        hc.insert("path".into(), path.unwrap_or_else(|| "/".to_string()).into());
        if let Some(m) = map {
            if let Some(v) = m.get("success_codes").and_then(Node::scalar_text) {
                hc.insert("matcher".into(), v.into());
            }
            for (from, to) in [("healthy_threshold", "healthy_threshold"), ("unhealthy_threshold", "unhealthy_threshold")] {
                if let Some(v) = m.get(from).and_then(Node::as_i64) {
                    hc.insert(to.into(), v.into());
                }
            }
            for key in ["interval", "timeout"] {
                if let Some(v) = m.get(key).and_then(duration_s) {
                    hc.insert(key.into(), seconds_text(v).into());
                }
            }
            if let Some(p) = m.get("port").cloned() {
                self.warn(&p, "not modelled: a health check port other than the traffic port (checks go to the traffic port)");
            }
        }
        toml::Value::Table(hc)
    }
}

#[path = "copilot_count.rs"]
mod count;

#[path = "copilot_job.rs"]
mod job;

#[cfg(test)]
#[path = "copilot_tests.rs"]
mod tests;
