//! One container definition of a task definition, with the rules that concern it alone: its
//! name, resources, port mappings (by network mode) and health check.

use super::*;

/// One container, with the rules that concern it alone.
pub(super) fn container(ctx: &mut Ctx, raw: RawContainer, path: &JPath, mode: NetworkMode) -> ContainerDefinition {
    let name = match raw.name {
        Some(n) => {
            ctx.check_name(&n, &path.key("name"), "container name");
            n
        }
        None => {
            ctx.error(path, At::Value, "this container definition has no `name`");
            String::new()
        }
    };
    // The image is only a label in the simulation: placeholders in it are fine.
    let image = raw.image.unwrap_or_else(|| {
        ctx.error(path, At::Value, format!("container \"{name}\" has no `image`"));
        String::new()
    });
    let u32_field = |ctx: &mut Ctx, s: &Option<Scalar>, key: &str, min: i64| {
        s.as_ref().and_then(|s| ctx.int(s, &path.key(key), min, i64::from(u32::MAX))).map(|n| n as u32)
    };
    let cpu_units = u32_field(ctx, &raw.cpu, "cpu", 0);
    let memory_mib = u32_field(ctx, &raw.memory, "memory", 1);
    let memory_reservation_mib = u32_field(ctx, &raw.memory_reservation, "memoryReservation", 1);
    if let Some(m) = memory_mib.filter(|&m| m < MIN_CONTAINER_MEMORY_MIB) {
        ctx.error_help(
            &path.key("memory"),
            At::Value,
            format!("container \"{name}\" has memory {m} MiB; the minimum is {MIN_CONTAINER_MEMORY_MIB} MiB"),
            "Docker 20.10 and later reserve at least 6 MiB for a container",
        );
    }
    if let (Some(m), Some(r)) = (memory_mib, memory_reservation_mib) {
        if m < r {
            ctx.error_help(
                &path.key("memoryReservation"),
                At::Value,
                format!("container \"{name}\": memoryReservation {r} MiB is above its hard limit memory {m} MiB"),
                "memory (the hard limit) must be at least memoryReservation (the soft limit)",
            );
        }
    }
    let mut port_mappings = Vec::new();
    for (i, pm) in raw.port_mappings.into_iter().flatten().enumerate() {
        if let Some(m) = port_mapping(ctx, pm, &path.key("portMappings").idx(i), mode) {
            port_mappings.push(m);
        }
    }
    let health_check = raw.health_check.map(|h| health_check(ctx, h, &path.key("healthCheck")));
    let stop_timeout_s = u32_field(ctx, &raw.stop_timeout, "stopTimeout", 0);
    let start_timeout_s = u32_field(ctx, &raw.start_timeout, "startTimeout", 0);
    let mut gpus = 0u32;
    for (i, r) in raw.resource_requirements.into_iter().flatten().enumerate() {
        let rpath = path.key("resourceRequirements").idx(i);
        let kind = r.kind.as_deref().and_then(|k| ctx.one_of(k, &rpath.key("type"), &["GPU", "InferenceAccelerator"]));
        match (kind, r.value) {
            (Some("GPU"), Some(v)) => {
                if let Some(n) = ctx.int(&Scalar::Str(v), &rpath.key("value"), 1, 1024) {
                    gpus += n as u32;
                }
            }
            (Some("InferenceAccelerator"), _) => {
                ctx.warn(&rpath, At::Value, "InferenceAccelerator requirements are not modelled by ecsim and are ignored")
            }
            (None, _) if r.kind.is_none() => ctx.error(&rpath, At::Value, "a resource requirement needs a `type`"),
            (Some(_), None) => ctx.error(&rpath, At::Value, "a resource requirement needs a `value`"),
            _ => {}
        }
    }
    ContainerDefinition {
        name,
        image,
        cpu_units,
        memory_mib,
        memory_reservation_mib,
        essential: raw.essential.unwrap_or(true),
        port_mappings,
        health_check,
        stop_timeout_s,
        start_timeout_s,
        gpus,
    }
}

fn port_mapping(ctx: &mut Ctx, raw: RawPortMapping, path: &JPath, mode: NetworkMode) -> Option<PortMapping> {
    let protocols = [("tcp", Protocol::Tcp), ("udp", Protocol::Udp)];
    let protocol = raw.protocol.as_deref().and_then(|p| ctx.pick(p, &path.key("protocol"), &protocols)).unwrap_or(Protocol::Tcp);
    let host_port = raw.host_port.as_ref().and_then(|s| ctx.int(s, &path.key("hostPort"), 0, 65535)).map(|p| p as u16);
    let Some(cp) = raw.container_port else {
        if raw.container_port_range.is_some() {
            ctx.warn(
                path,
                At::Value,
                "port-range mappings (`containerPortRange`) are not modelled by ecsim; this mapping reserves nothing",
            );
        } else {
            ctx.error(path, At::Value, "a port mapping needs a `containerPort`");
        }
        return None;
    };
    let container_port = ctx.int(&cp, &path.key("containerPort"), 1, 65535)? as u16;
    // In awsvpc and host mode the container port *is* the port on the network (docs/ecs-model.md#task-reservation rule 4).
    if let Some(hp) = host_port.filter(|&hp| hp != 0 && hp != container_port) {
        let mode_name = match mode {
            NetworkMode::Awsvpc => Some("awsvpc"),
            NetworkMode::Host => Some("host"),
            _ => None,
        };
        if let Some(mode_name) = mode_name {
            let why = if mode == NetworkMode::Awsvpc {
                "each awsvpc task has its own network interface, so the container listens on the port itself"
            } else {
                "in host mode the container binds the instance's port directly"
            };
            ctx.error_help(
                &path.key("hostPort"),
                At::Key,
                format!("When networkMode={mode_name}, the host ports and container ports in port mappings must match."),
                format!("hostPort is {hp} but containerPort is {container_port}: remove \"hostPort\" or set it to {container_port}; {why}"),
            );
        }
    }
    Some(PortMapping { container_port, host_port, protocol })
}

/// A container health check with ECS's defaults and ranges (docs/ecs-model.md#limits-and-defaults).
fn health_check(ctx: &mut Ctx, raw: RawHealthCheck, path: &JPath) -> HealthCheck {
    if raw.command.as_ref().is_none_or(Vec::is_empty) {
        ctx.error(path, At::Value, "a health check needs a `command`, e.g. [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]");
    }
    let mut field = |s: &Option<Scalar>, key: &str, default: u32, min: i64, max: i64| {
        s.as_ref().and_then(|s| ctx.int(s, &path.key(key), min, max)).map_or(default, |n| n as u32)
    };
    HealthCheck {
        interval_s: field(&raw.interval, "interval", 30, 5, 300),
        timeout_s: field(&raw.timeout, "timeout", 5, 2, 120),
        retries: field(&raw.retries, "retries", 3, 1, 10),
        start_period_s: field(&raw.start_period, "startPeriod", 0, 0, 300),
    }
}
