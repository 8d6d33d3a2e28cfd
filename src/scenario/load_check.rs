//! Warnings that a scenario cannot work as its author probably means, with the numbers: the
//! load offered to a service behind a load balancer exceeds what its tasks can serve, or a task's
//! CPU is below what its busy workers want (every request then runs slower).
//!
//! Capacity of one task, in requests per second, when all its workers are busy:
//!
//! ```text
//! concurrency ÷ (E[service time] × stretch),   stretch = max(1, concurrency × cpu_per_busy_worker ÷ cpu)
//! ```
//!
//! (the CPU model of `elb::target`: a request that starts while the busy workers want more CPU
//! than the task has is stretched by demand ÷ limit). A service's capacity is its desired count
//! (its Service Auto Scaling maximum, when it scales) times that; the offered load is each
//! Poisson traffic source's peak rate, split by the listener rules and forward weights. Replayed
//! access logs are not estimated. Both checks run after the scenario is valid, on the validated
//! model, and point at the service's or task definition's entry in the scenario file.

use crate::elb::config::RuleAction;
use crate::elb::rules::{evaluate, HttpRequest};
use crate::model::diagnostic::{Diagnostic, Severity, Source};
use crate::model::{Scenario, TrafficKind};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// Just the entries the warnings point at.
#[derive(Deserialize, Default)]
struct Locations {
    #[serde(default)]
    services: Vec<Spanned<Named>>,
    #[serde(default)]
    task_definitions: Vec<Spanned<Named>>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

/// What one task of a service can serve.
struct TaskCapacity {
    concurrency: u32,
    service_ms: f64,
    stretch: f64,
    cpu: Option<u32>,
    cpu_per_busy_worker: f64,
}

impl TaskCapacity {
    fn per_second(&self) -> f64 {
        self.concurrency as f64 / (self.service_ms / 1000.0 * self.stretch)
    }
}

/// The warnings for a valid `scenario` read from `text` at `path`.
pub fn warnings(scenario: &Scenario, path: &Path, text: &str) -> Vec<Diagnostic> {
    // Parsed only when there is something to warn about: a second parse of a large scenario
    // (W2's is 1.3 MB) costs as much as loading it did.
    let locations = std::cell::OnceCell::new();
    let locations = || -> &Locations { locations.get_or_init(|| toml::from_str(text).unwrap_or_default()) };
    let src = Source::new(path, text);
    // A warning at the entry of `entries` named `name`, or about the whole file.
    let warn = |entries: fn(&Locations) -> &[Spanned<Named>], name: &str, message: String, help: String| {
        let d = match entries(locations()).iter().find(|e| e.get_ref().name.as_deref() == Some(name)) {
            Some(e) => src.diagnostic(Severity::Warning, e.span().start, message),
            None => Diagnostic::warning(path, 0, 0, message),
        };
        d.with_help(help)
    };
    let mut out = Vec::new();
    let offered = offered_per_group(scenario);
    let mut warned_task_definitions: Vec<usize> = Vec::new();
    for (gi, group) in scenario.elb.target_groups.iter().enumerate() {
        let peak = offered[gi];
        let services: Vec<usize> =
            (0..scenario.services.len()).filter(|&s| scenario.services[s].target_groups.iter().any(|t| t.target_group == gi)).collect();
        if services.is_empty() {
            continue;
        }
        let mut capacity = 0.0;
        let mut parts = Vec::new();
        for &s in &services {
            let spec = &scenario.services[s];
            let task = task_capacity(scenario, spec.task_definition);
            let max_tasks = scenario.scaling.iter().filter(|x| x.service == s).map(|x| x.target.max_capacity).max();
            let tasks = max_tasks.unwrap_or(0).max(spec.definition.desired_count);
            capacity += tasks as f64 * task.per_second();
            let scaled = if max_tasks.is_some() { " (its Service Auto Scaling maximum)" } else { "" };
            parts.push((s, tasks, scaled, task));
        }
        if peak > capacity && peak > 0.0 {
            let (s, tasks, scaled, task) = &parts[0];
            let spec = &scenario.services[*s];
            let name = &spec.definition.service_name;
            let per_request_ms = task.service_ms * task.stretch;
            let stretch = if task.stretch > 1.0 {
                format!(
                    ": the {:.0} ms mean service time × {:.2}, because {} busy workers × {} CPU units want more than the task's {} units",
                    task.service_ms,
                    task.stretch,
                    task.concurrency,
                    task.cpu_per_busy_worker,
                    task.cpu.unwrap_or(0)
                )
            } else {
                String::new()
            };
            let needed = (peak / task.per_second()).ceil() as u64;
            let timeout = scenario.elb.load_balancers.first().map_or(60, |lb| lb.idle_timeout.whole_secs());
            let others = if parts.len() > 1 { format!(" (with the group's other services: {capacity:.1}/s)") } else { String::new() };
            out.push(warn(
                |l| &l.services,
                name,
                format!(
                        "service {name}: the load offered to target group {} peaks at {peak:.1} requests/s, but {tasks} task(s){scaled} can serve about {:.1}/s{others} ({tasks} × {} workers ÷ {per_request_ms:.0} ms per request{stretch}); requests will queue until the load balancer's idle timeout ({timeout} s) answers them 504",
                        group.name,
                        *tasks as f64 * task.per_second(),
                        task.concurrency,
                    ),
                format!(
                    "about {needed} tasks would keep up with the peak; or raise serving.concurrency, or set serving.cpu_per_busy_worker to the CPU one request really uses"
                ),
            ));
        }
        for (s, _, _, task) in &parts {
            let td = scenario.services[*s].task_definition;
            let Some(cpu) = task.cpu else { continue };
            let wanted = task.concurrency as f64 * task.cpu_per_busy_worker;
            if wanted > cpu as f64 && !warned_task_definitions.contains(&td) {
                warned_task_definitions.push(td);
                let name = &scenario.task_definition_names[td];
                out.push(warn(
                    |l| &l.task_definitions,
                    name,
                    format!(
                            "task definition {name}: cpu {cpu} is below concurrency × cpu_per_busy_worker = {} × {} = {wanted:.0} CPU units: with every worker busy each request takes {:.2}× its service time",
                            task.concurrency,
                            task.cpu_per_busy_worker,
                            wanted / cpu as f64
                        ),
                    format!(
                        "set serving.cpu_per_busy_worker to the CPU units one request really keeps busy (at most {} here keeps every request at its service time), or give the task cpu = {wanted:.0}",
                        cpu / task.concurrency.max(1)
                    ),
                ));
            }
        }
    }
    out
}

fn task_capacity(scenario: &Scenario, td: usize) -> TaskCapacity {
    let serving = &scenario.behaviours[td].serving;
    let cpu = scenario.task_definitions[td].cpu_units;
    let concurrency = serving.concurrency.max(1);
    let cpu_per_busy_worker = serving.cpu_per_busy_worker_units;
    let stretch = match cpu {
        Some(limit) if cpu_per_busy_worker > 0.0 => (concurrency as f64 * cpu_per_busy_worker / (limit.max(1) as f64)).max(1.0),
        _ => 1.0,
    };
    let service_ms = (serving.service_time.mean().as_micros() as f64 / 1000.0).max(1e-3);
    TaskCapacity { concurrency, service_ms, stretch, cpu, cpu_per_busy_worker }
}

/// Peak requests per second offered to each target group by the Poisson sources.
fn offered_per_group(scenario: &Scenario) -> Vec<f64> {
    let mut offered = vec![0.0; scenario.elb.target_groups.len()];
    for src in &scenario.traffic {
        let TrafficKind::Poisson { profile, request } = &src.kind else { continue };
        let Some(listener) = scenario.elb.load_balancers.get(src.load_balancer).and_then(|lb| lb.listeners.get(src.listener)) else {
            continue;
        };
        let req = HttpRequest {
            method: &request.method,
            host: &request.host,
            path: &request.path,
            query: &request.query,
            headers: &[],
            source_ip: request.client_ip,
        };
        let (_, action) = evaluate(listener, &req);
        if let RuleAction::Forward(list) = action {
            let total: u32 = list.iter().map(|w| w.weight).sum();
            for w in list {
                let share = if total == 0 { 1.0 / list.len() as f64 } else { w.weight as f64 / total as f64 };
                if let Some(o) = offered.get_mut(w.target_group) {
                    *o += profile.peak_per_s() * share;
                }
            }
        }
    }
    offered
}
