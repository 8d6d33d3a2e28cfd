//! Task definitions: RegisterTaskDefinition input, or DescribeTaskDefinition output
//! (`{"taskDefinition": {...}}`), validated as RegisterTaskDefinition validates (docs/ecs-model.md#task-reservation,
//! docs/ecs-model.md#placement-inputs, docs/ecs-model.md#fargate-task-sizes) and turned into `ecs::TaskDefinition`.

use super::schema::{DESCRIBE_TASK_DEFINITION, TASK_DEFINITION};
use super::{At, Ctx, JPath, Scalar};
use crate::capacity::fargate;
use crate::ecs::placement::rules::MAX_CONSTRAINTS;
use crate::ecs::placement::Constraint;
use crate::ecs::task_def::{
    Compatibility, ContainerDefinition, HealthCheck, NetworkMode, PortMapping, Protocol, RequiredAttribute, TaskDefinition,
};
use crate::model::diagnostic::{Diagnostics, Severity};
use crate::scenario::json_doc::{other_shape, JsonKind};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

mod container;
#[cfg(test)]
mod tests;

use container::container;

/// Smallest task-level `cpu` on EC2 (docs/ecs-model.md#task-reservation).
pub const MIN_EC2_TASK_CPU_UNITS: u32 = 128;
/// Largest task-level `cpu` on EC2: 10 vCPU in the 2023 reference. Newer references allow
/// more (docs/ecs-model.md#choice-ec2-task-cpu-maximum), so this is only the default of `TaskDefinitionLimits`.
pub const MAX_EC2_TASK_CPU_UNITS: u32 = 10240;
/// Docker ≥ 20.10 refuses a container memory limit below 6 MiB (docs/ecs-model.md#task-reservation).
pub const MIN_CONTAINER_MEMORY_MIB: u32 = 6;
/// Fargate's longest `stopTimeout`, in seconds (docs/ecs-model.md#limits-and-defaults).
pub const MAX_FARGATE_STOP_TIMEOUT_S: u32 = 120;

/// The limits that differ between references of RegisterTaskDefinition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDefinitionLimits {
    pub max_ec2_task_cpu_units: u32,
}

impl Default for TaskDefinitionLimits {
    fn default() -> Self {
        TaskDefinitionLimits { max_ec2_task_cpu_units: MAX_EC2_TASK_CPU_UNITS }
    }
}

/// Loads one task definition (either JSON form) with the default limits. `Ok` carries the
/// warnings (unmodelled fields, ...); `Err` every message, errors first in file order.
pub fn load_task_definition(path: &Path, text: &str) -> Result<(TaskDefinition, Diagnostics), Diagnostics> {
    load_task_definition_with(path, text, &TaskDefinitionLimits::default())
}

/// `load_task_definition` with explicit limits.
pub fn load_task_definition_with(
    path: &Path,
    text: &str,
    limits: &TaskDefinitionLimits,
) -> Result<(TaskDefinition, Diagnostics), Diagnostics> {
    let mut ctx = Ctx::new(path, text);
    let Ok(root) = ctx.parse() else {
        return ctx.finish(None);
    };
    if !root.is_object() {
        ctx.error(&JPath::root(), At::Value, format!("expected a task definition (a JSON object), found {}", kind(&root)));
        return ctx.finish(None);
    }
    // A file of another shape would only give confusing field errors: say what it is.
    if let Some(other) = other_shape(&root, JsonKind::TaskDefinition) {
        ctx.error_help(
            &JPath::root(),
            At::Value,
            format!("expected a task definition, but this file looks like {other}"),
            "give RegisterTaskDefinition input ({\"family\": ..., \"containerDefinitions\": [...]}) or describe-task-definition output",
        );
        return ctx.finish(None);
    }
    // DescribeTaskDefinition wraps the definition; RegisterTaskDefinition input does not.
    let describe = root.get("taskDefinition").is_some_and(Value::is_object);
    let (schema, base, v) = match root.get("taskDefinition") {
        Some(inner) if describe => (&DESCRIBE_TASK_DEFINITION, JPath::root().key("taskDefinition"), inner),
        _ => (&TASK_DEFINITION, JPath::root(), &root),
    };
    ctx.check_fields(&root, schema, &JPath::root(), Severity::Error);
    ctx.flush_unmodelled(false);
    let td = build(&mut ctx, v, &base, limits);
    ctx.finish(td)
}

/// Task-level `cpu` as ECS converts it: `"1024"` units, or `"1 vCPU"`, `"0.5 vCPU"`
/// (× 1024).
pub fn parse_task_cpu(s: &str) -> Result<u32, String> {
    let lower = s.trim().to_ascii_lowercase();
    let parsed = match lower.strip_suffix("vcpu") {
        Some(n) => scaled(n, 1024),
        None => lower.parse::<u32>().ok(),
    };
    parsed.ok_or_else(|| format!("\"{s}\" is not a CPU size: write units (\"1024\") or vCPUs (\"1 vCPU\", \"0.5 vCPU\")"))
}

/// Task-level `memory` as ECS converts it: `"2048"` MiB, or `"2 GB"`, `"2GB"` (× 1024).
pub fn parse_task_memory(s: &str) -> Result<u32, String> {
    let lower = s.trim().to_ascii_lowercase();
    let parsed = match lower.strip_suffix("gib").or_else(|| lower.strip_suffix("gb")) {
        Some(n) => scaled(n, 1024),
        None => lower.strip_suffix("mib").unwrap_or(&lower).trim().parse::<u32>().ok(),
    };
    parsed.ok_or_else(|| format!("\"{s}\" is not a memory size: write MiB (\"2048\") or GB (\"2 GB\", \"2GB\")"))
}

/// `n × unit` when that is a whole, positive number that fits.
fn scaled(n: &str, unit: u32) -> Option<u32> {
    let x: f64 = n.trim().parse().ok()?;
    let v = x * f64::from(unit);
    (v.is_finite() && v > 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTaskDef {
    family: Option<String>,
    revision: Option<Scalar>,
    status: Option<String>,
    network_mode: Option<String>,
    requires_compatibilities: Option<Vec<String>>,
    cpu: Option<Scalar>,
    memory: Option<Scalar>,
    // Containers and constraints are read one by one, so that a type error in one does not
    // hide the errors in the others.
    container_definitions: Option<Vec<Value>>,
    placement_constraints: Option<Vec<Value>>,
    requires_attributes: Option<Vec<RawAttribute>>,
    runtime_platform: Option<super::super::runtime_platform::RawJsonRuntimePlatform>,
}

/// An attribute (`requiresAttributes`, a container instance's `attributes`).
#[derive(Deserialize)]
pub(super) struct RawAttribute {
    pub name: Option<String>,
    pub value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContainer {
    name: Option<String>,
    image: Option<String>,
    cpu: Option<Scalar>,
    memory: Option<Scalar>,
    memory_reservation: Option<Scalar>,
    essential: Option<bool>,
    port_mappings: Option<Vec<RawPortMapping>>,
    health_check: Option<RawHealthCheck>,
    stop_timeout: Option<Scalar>,
    start_timeout: Option<Scalar>,
    resource_requirements: Option<Vec<RawResourceRequirement>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPortMapping {
    container_port: Option<Scalar>,
    host_port: Option<Scalar>,
    protocol: Option<String>,
    container_port_range: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHealthCheck {
    command: Option<Vec<String>>,
    interval: Option<Scalar>,
    timeout: Option<Scalar>,
    retries: Option<Scalar>,
    start_period: Option<Scalar>,
}

#[derive(Deserialize)]
struct RawResourceRequirement {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<String>,
}

/// Validates the definition at `base`; `None` only when its shape is unusable (the errors are
/// in `ctx`).
fn build(ctx: &mut Ctx, v: &Value, base: &JPath, limits: &TaskDefinitionLimits) -> Option<TaskDefinition> {
    let raw: RawTaskDef = ctx.de(v, base)?;

    let family = match &raw.family {
        Some(f) => {
            ctx.check_name(f, &base.key("family"), "family");
            f.clone()
        }
        None => {
            ctx.error(base, At::Value, "the task definition has no `family` (RegisterTaskDefinition requires one)");
            String::new()
        }
    };
    let revision = match &raw.revision {
        Some(r) => ctx.int(r, &base.key("revision"), 1, i64::from(i32::MAX)).map_or(1, |r| r as u32),
        None => 1,
    };
    if let Some(s) = &raw.status {
        let path = base.key("status");
        if let Some(s) = ctx.one_of(s, &path, &["ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"]) {
            if s != "ACTIVE" {
                ctx.warn(&path, At::Value, format!("this revision is {s} (deregistered); ecsim loads it anyway"));
            }
        }
    }
    let modes =
        [("bridge", NetworkMode::Bridge), ("host", NetworkMode::Host), ("awsvpc", NetworkMode::Awsvpc), ("none", NetworkMode::None)];
    let network_mode = raw.network_mode.as_ref().and_then(|m| ctx.pick(m, &base.key("networkMode"), &modes)).unwrap_or(NetworkMode::Bridge);
    let compatibilities = [("EC2", Compatibility::Ec2), ("FARGATE", Compatibility::Fargate), ("EXTERNAL", Compatibility::External)];
    let compat_path = base.key("requiresCompatibilities");
    let compat: Vec<_> = raw
        .requires_compatibilities
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, c)| ctx.pick(c, &compat_path.idx(i), &compatibilities))
        .collect();
    let cpu_path = base.key("cpu");
    let cpu_units = raw.cpu.as_ref().and_then(|s| task_size(ctx, s, &cpu_path, parse_task_cpu));
    let memory_path = base.key("memory");
    let memory_mib = raw.memory.as_ref().and_then(|s| task_size(ctx, s, &memory_path, parse_task_memory));

    // Containers.
    let list_path = base.key("containerDefinitions");
    let mut containers = Vec::new();
    let mut container_paths = Vec::new();
    match &raw.container_definitions {
        Some(list) if !list.is_empty() => {
            for (i, item) in list.iter().enumerate() {
                let path = list_path.idx(i);
                if let Some(rc) = ctx.de::<RawContainer>(item, &path) {
                    containers.push(container(ctx, rc, &path, network_mode));
                    container_paths.push(path);
                }
            }
        }
        Some(_) => ctx.error(&list_path, At::Key, "`containerDefinitions` is empty; a task definition needs at least one container"),
        None => ctx.error(base, At::Value, "the task definition has no `containerDefinitions`"),
    }

    // Rules that look at several containers, or at the task and its containers.
    let mut first_use: BTreeMap<&str, &JPath> = BTreeMap::new();
    for (c, path) in containers.iter().zip(&container_paths) {
        if c.name.is_empty() {
            continue;
        }
        match first_use.get(c.name.as_str()) {
            Some(first) => {
                let line = ctx.line_of(&first.key("name"));
                ctx.error(&path.key("name"), At::Value, format!("duplicate container name \"{}\" (first used on line {line})", c.name));
            }
            None => {
                first_use.insert(&c.name, path);
            }
        }
    }
    if !containers.is_empty() && !containers.iter().any(|c| c.essential) {
        ctx.error_help(
            &list_path,
            At::Key,
            "no container is essential; a task definition needs at least one essential container",
            "set \"essential\": true on the container whose exit should stop the task (true is the default when omitted)",
        );
    }
    let fargate = compat.contains(&Compatibility::Fargate);
    let ec2_like = compat.is_empty() || compat.contains(&Compatibility::Ec2) || compat.contains(&Compatibility::External);
    if fargate {
        check_fargate(ctx, base, &raw, network_mode, cpu_units, memory_mib, &containers, &container_paths);
    }
    if ec2_like {
        if let Some(cpu) = cpu_units {
            if !(MIN_EC2_TASK_CPU_UNITS..=limits.max_ec2_task_cpu_units).contains(&cpu) {
                ctx.error(
                    &cpu_path,
                    At::Value,
                    format!(
                        "task-level cpu {cpu} is outside the EC2 range {MIN_EC2_TASK_CPU_UNITS}–{} units",
                        limits.max_ec2_task_cpu_units
                    ),
                );
            }
        }
        if memory_mib.is_none() && raw.memory.is_none() {
            for (c, path) in containers.iter().zip(&container_paths) {
                if c.memory_mib.is_none() && c.memory_reservation_mib.is_none() {
                    let at = if c.name.is_empty() { path.clone() } else { path.key("name") };
                    ctx.error_help(
                        &at,
                        At::Key,
                        format!(
                            "Invalid setting for container '{}'. At least one of 'memory' or 'memoryReservation' must be specified.",
                            c.name
                        ),
                        "without a task-level \"memory\", each container must say how much memory it reserves",
                    );
                }
            }
        }
    }
    if let Some(cpu) = cpu_units {
        let sum: u64 = containers.iter().map(|c| u64::from(c.cpu_units.unwrap_or(0))).sum();
        if sum > u64::from(cpu) {
            ctx.error(&cpu_path, At::Value, format!("the containers' cpu adds up to {sum} units, more than the task-level cpu {cpu}"));
        }
    }
    if let Some(mem) = memory_mib {
        let sum: u64 = containers.iter().map(|c| u64::from(c.memory_reservation_mib.or(c.memory_mib).unwrap_or(0))).sum();
        if sum > u64::from(mem) {
            ctx.error(
                &memory_path,
                At::Value,
                format!("the containers reserve {sum} MiB in total, more than the task-level memory {mem} MiB"),
            );
        }
    }

    let member_of = td_constraints(ctx, raw.placement_constraints.as_deref().unwrap_or(&[]), &base.key("placementConstraints"));

    let mut requires_attributes = Vec::new();
    for (i, a) in raw.requires_attributes.into_iter().flatten().enumerate() {
        match a.name {
            Some(name) if !name.is_empty() => requires_attributes.push(RequiredAttribute { name, value: a.value }),
            _ => ctx.error(&base.key("requiresAttributes").idx(i), At::Value, "a required attribute needs a `name`"),
        }
    }

    let cpu_architecture =
        super::super::runtime_platform::json_runtime_platform(ctx, raw.runtime_platform.as_ref(), &base.key("runtimePlatform"));
    Some(TaskDefinition {
        family,
        revision,
        network_mode,
        requires_compatibilities: compat,
        cpu_units,
        memory_mib,
        containers,
        member_of,
        requires_attributes,
        cpu_architecture,
    })
}

/// A task-level size: a JSON number is taken as units/MiB, a string goes through `parse`.
fn task_size(ctx: &mut Ctx, s: &Scalar, path: &JPath, parse: fn(&str) -> Result<u32, String>) -> Option<u32> {
    match s {
        Scalar::Num(_) => ctx.int(s, path, 1, i64::from(u32::MAX)).map(|n| n as u32),
        Scalar::Str(t) => {
            let t = ctx.needed_str(t, path)?;
            match parse(t) {
                Ok(n) => Some(n),
                Err(e) => {
                    ctx.error(path, At::Value, format!("`{path}`: {e}"));
                    None
                }
            }
        }
    }
}

/// Fargate accepts only awsvpc and the task sizes of docs/ecs-model.md#fargate-task-sizes.
#[allow(clippy::too_many_arguments)]
fn check_fargate(
    ctx: &mut Ctx,
    base: &JPath,
    raw: &RawTaskDef,
    mode: NetworkMode,
    cpu: Option<u32>,
    memory: Option<u32>,
    containers: &[ContainerDefinition],
    paths: &[JPath],
) {
    if mode != NetworkMode::Awsvpc {
        let path = if raw.network_mode.is_some() { base.key("networkMode") } else { base.clone() };
        ctx.error_help(
            &path,
            At::Value,
            format!("Fargate supports only networkMode \"awsvpc\", not \"{}\"", mode.as_str()),
            "set \"networkMode\": \"awsvpc\"",
        );
    }
    if raw.cpu.is_none() {
        ctx.error(base, At::Value, "Fargate requires a task-level `cpu` (e.g. \"256\" or \"1 vCPU\")");
    }
    if raw.memory.is_none() {
        ctx.error(base, At::Value, "Fargate requires a task-level `memory` (e.g. \"512\" or \"2 GB\")");
    }
    if let (Some(cpu), Some(mem)) = (cpu, memory) {
        // One text with the scenario's Fargate services (`capacity::fargate`).
        if let Err(m) = fargate::validate_size(cpu, mem) {
            let at = if fargate::size_row(cpu).is_some() { "memory" } else { "cpu" };
            ctx.error_help(&base.key(at), At::Value, m, "Fargate runs only the cpu and memory pairs of its size table");
        }
    }
    for (c, path) in containers.iter().zip(paths) {
        if let Some(t) = c.stop_timeout_s.filter(|&t| t > MAX_FARGATE_STOP_TIMEOUT_S) {
            ctx.error(
                &path.key("stopTimeout"),
                At::Value,
                format!("stopTimeout {t} s is over Fargate's maximum of {MAX_FARGATE_STOP_TIMEOUT_S} s"),
            );
        }
    }
}

/// Task-definition placement constraints: only `memberOf` is allowed (docs/ecs-model.md#placement-inputs). Returns
/// the expressions.
fn td_constraints(ctx: &mut Ctx, items: &[Value], path: &JPath) -> Vec<String> {
    if items.len() > MAX_CONSTRAINTS {
        ctx.error(path, At::Key, format!("{} placement constraints; ECS allows at most {MAX_CONSTRAINTS} per task", items.len()));
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(Constraint::MemberOf { expression, .. }) = ctx.constraint_at(item, &path.idx(i), true) {
            out.push(expression);
        }
    }
    out
}
