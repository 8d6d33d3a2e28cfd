//! Steps 1–3 of placement (docs/ecs-model.md#placement-algorithm): is the instance a candidate, does the task fit
//! (CPU, memory, ports, ENI, GPU, required attributes), and does it satisfy every constraint.
//! Also the "closest matching container instance" of a failed placement (docs/ecs-model.md#placement-failures).

use super::rules::Constraint;
use super::PlacementRequest;
use crate::ecs::cluster::Cluster;
use crate::ecs::instance::{ContainerInstance, FactsView, InstanceId, InstanceStatus, MAX_RESERVED_PORTS};
use crate::ecs::task_def::{Protocol, RequiredAttribute};
use serde::Serialize;
use std::fmt;

/// Why one instance cannot take the task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Rejection {
    /// DRAINING, INACTIVE, ...: never a candidate (docs/ecs-model.md#placement-algorithm step 1).
    NotActive {
        status: InstanceStatus,
    },
    AgentDisconnected,
    Cpu {
        remaining_units: u32,
        needed_units: u32,
    },
    Memory {
        remaining_mib: u32,
        needed_mib: u32,
    },
    PortInUse {
        port: u16,
        protocol: Protocol,
    },
    TooManyPorts {
        reserved: usize,
        adding: usize,
    },
    DynamicPorts {
        free: u32,
        needed: u32,
        protocol: Protocol,
    },
    Eni {
        in_use: u32,
        limit: u32,
    },
    Gpu {
        remaining: u32,
        needed: u32,
    },
    MissingAttribute {
        name: String,
        value: Option<String>,
    },
    /// Constraint number `index` (0-based, in the order given) is not satisfied.
    Constraint {
        index: usize,
        constraint: String,
    },
}

/// RunTask's failure `reason` codes (docs/ecs-model.md#placement-failures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FailureReason {
    #[serde(rename = "RESOURCE:CPU")]
    Cpu,
    #[serde(rename = "RESOURCE:MEMORY")]
    Memory,
    #[serde(rename = "RESOURCE:PORTS")]
    Ports,
    #[serde(rename = "RESOURCE:PORTS_UDP")]
    PortsUdp,
    #[serde(rename = "RESOURCE:ENI")]
    Eni,
    #[serde(rename = "RESOURCE:GPU")]
    Gpu,
    #[serde(rename = "AGENT")]
    Agent,
    #[serde(rename = "ATTRIBUTE")]
    Attribute,
    #[serde(rename = "MemberOf placement constraint unsatisfied")]
    MemberOf,
    #[serde(rename = "DistinctInstance placement constraint unsatisfied")]
    DistinctInstance,
    /// Not an ECS code: the cluster has no ACTIVE instance at all.
    #[serde(rename = "MISSING")]
    NoInstances,
}

impl FailureReason {
    /// Every reason, in the order of the enum (`index` is the position here).
    pub const ALL: [FailureReason; 11] = [
        FailureReason::Cpu,
        FailureReason::Memory,
        FailureReason::Ports,
        FailureReason::PortsUdp,
        FailureReason::Eni,
        FailureReason::Gpu,
        FailureReason::Agent,
        FailureReason::Attribute,
        FailureReason::MemberOf,
        FailureReason::DistinctInstance,
        FailureReason::NoInstances,
    ];

    /// Position in `ALL`, for tables indexed by reason.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        match self {
            FailureReason::Cpu => "RESOURCE:CPU",
            FailureReason::Memory => "RESOURCE:MEMORY",
            FailureReason::Ports => "RESOURCE:PORTS",
            FailureReason::PortsUdp => "RESOURCE:PORTS_UDP",
            FailureReason::Eni => "RESOURCE:ENI",
            FailureReason::Gpu => "RESOURCE:GPU",
            FailureReason::Agent => "AGENT",
            FailureReason::Attribute => "ATTRIBUTE",
            FailureReason::MemberOf => "MemberOf placement constraint unsatisfied",
            FailureReason::DistinctInstance => "DistinctInstance placement constraint unsatisfied",
            FailureReason::NoInstances => "MISSING",
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Rejection {
    /// The RunTask failure reason for this rejection.
    pub fn reason(&self) -> FailureReason {
        match self {
            Rejection::NotActive { .. } => FailureReason::NoInstances,
            Rejection::AgentDisconnected => FailureReason::Agent,
            Rejection::Cpu { .. } => FailureReason::Cpu,
            Rejection::Memory { .. } => FailureReason::Memory,
            Rejection::PortInUse { protocol: Protocol::Udp, .. } | Rejection::DynamicPorts { protocol: Protocol::Udp, .. } => {
                FailureReason::PortsUdp
            }
            Rejection::PortInUse { .. } | Rejection::TooManyPorts { .. } | Rejection::DynamicPorts { .. } => FailureReason::Ports,
            Rejection::Eni { .. } => FailureReason::Eni,
            Rejection::Gpu { .. } => FailureReason::Gpu,
            Rejection::MissingAttribute { .. } => FailureReason::Attribute,
            Rejection::Constraint { constraint, .. } if constraint == "distinctInstance" => FailureReason::DistinctInstance,
            Rejection::Constraint { .. } => FailureReason::MemberOf,
        }
    }

    /// The tail of ECS's service event "The closest matching container-instance <id> …"
    /// (docs/ecs-model.md#placement-failures, ECS-Events).
    pub fn closest_match_text(&self) -> String {
        let mut text = String::new();
        let _ = self.write_closest_match_text(&mut text);
        text
    }

    /// `closest_match_text` into a buffer the caller reuses (a failed RunTask allocates nothing).
    pub fn write_closest_match_text(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self {
            Rejection::Cpu { .. } => out.write_str("has insufficient CPU units available."),
            Rejection::Memory { .. } => out.write_str("has insufficient memory available."),
            Rejection::PortInUse { .. } | Rejection::DynamicPorts { .. } => out.write_str("is already using a port required by your task."),
            Rejection::TooManyPorts { .. } => out.write_str("has too many ports registered."),
            Rejection::Eni { .. } => out.write_str("has insufficient ENI attachment points available."),
            Rejection::Gpu { .. } => out.write_str("has insufficient GPUs available."),
            Rejection::MissingAttribute { name, .. } => write!(out, "is missing required attribute {name}."),
            Rejection::AgentDisconnected => out.write_str("encountered error \"AGENT\"."),
            Rejection::NotActive { status } => write!(out, "is {}.", status.as_str()),
            Rejection::Constraint { constraint, .. } => write!(out, "does not satisfy the placement constraint {constraint}."),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::NotActive { status } => write!(f, "status {} (only ACTIVE instances take tasks)", status.as_str()),
            Rejection::AgentDisconnected => f.write_str("agent disconnected"),
            Rejection::Cpu { remaining_units, needed_units } => write!(f, "CPU: {remaining_units} units free, task needs {needed_units}"),
            Rejection::Memory { remaining_mib, needed_mib } => write!(f, "memory: {remaining_mib} MiB free, task needs {needed_mib}"),
            Rejection::PortInUse { port, protocol } => {
                write!(f, "port {port}/{} is already in use", if *protocol == Protocol::Tcp { "tcp" } else { "udp" })
            }
            Rejection::TooManyPorts { reserved, adding } => {
                write!(f, "too many ports: {reserved} reserved + {adding} would exceed {MAX_RESERVED_PORTS}")
            }
            Rejection::DynamicPorts { free, needed, .. } => write!(f, "dynamic ports: {free} free, task needs {needed}"),
            Rejection::Eni { in_use, limit } => write!(f, "ENI: {in_use} of {limit} awsvpc task slots in use"),
            Rejection::Gpu { remaining, needed } => write!(f, "GPU: {remaining} free, task needs {needed}"),
            Rejection::MissingAttribute { name, value: Some(v) } => write!(f, "missing required attribute {name}={v}"),
            Rejection::MissingAttribute { name, value: None } => write!(f, "missing required attribute {name}"),
            Rejection::Constraint { constraint, .. } => write!(f, "fails constraint {constraint}"),
        }
    }
}

/// Steps 1–3 for one instance: `Ok` if it is a candidate, else the first check it fails, in
/// the order CPU, memory, ports, ENI, GPU, attribute, constraints.
pub fn check(cluster: &Cluster, inst: &ContainerInstance, req: &PlacementRequest) -> Result<(), Rejection> {
    // A Fargate task's capacity takes no other task (it is never reported: see `closest_match`).
    if inst.status != InstanceStatus::Active || inst.fargate {
        return Err(Rejection::NotActive { status: inst.status });
    }
    if !inst.agent_connected {
        return Err(Rejection::AgentDisconnected);
    }
    match resource_checks(inst, req).into_iter().flatten().next() {
        Some(r) => Err(r),
        None => constraint_checks(cluster, inst, req).into_iter().flatten().next().map_or(Ok(()), Err),
    }
}

/// `check(..).is_ok()` without building the rejection: the placement index re-evaluates one
/// instance after every change, so the success path must not allocate (a failing
/// `requiresAttributes` check still builds its `Rejection`).
pub fn passes(cluster: &Cluster, inst: &ContainerInstance, req: &PlacementRequest) -> bool {
    inst.is_placeable()
        && resource_checks(inst, req).iter().all(Option::is_none)
        && req.constraints.iter().all(|c| constraint_holds(cluster, inst, req, c))
}

/// What `closest_match` reads of one instance, without building a `Rejection`: the placement
/// index keeps it for every instance and re-reads it after each change, so it must not allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// ACTIVE and not a Fargate task's capacity: the instances `closest_match` ranks.
    pub ranked: bool,
    /// Checks failed: agent, the six resource checks, each constraint (0 when not `ranked`).
    pub failed: u32,
    /// The reason of the first failing check, in `check`'s order (`None` when not `ranked`).
    pub first: Option<FailureReason>,
}

impl Tally {
    /// `check(..).is_ok()`, which the tally decides too.
    pub fn passes(&self) -> bool {
        self.ranked && self.failed == 0
    }
}

/// Counts the checks `inst` fails as `closest_match` counts them (same checks, same order), and
/// the reason of the first; allocation-free.
pub fn tally(cluster: &Cluster, inst: &ContainerInstance, req: &PlacementRequest) -> Tally {
    if inst.status != InstanceStatus::Active || inst.fargate {
        return Tally { ranked: false, failed: 0, first: None };
    }
    let r = req.reservation;
    let mut failed = 0u32;
    let mut first = None;
    let mut fail = |reason: FailureReason| {
        failed += 1;
        first.get_or_insert(reason);
    };
    if !inst.agent_connected {
        fail(FailureReason::Agent);
    }
    if inst.remaining_cpu_units < r.cpu_units {
        fail(FailureReason::Cpu);
    }
    if inst.remaining_memory_mib < r.memory_mib {
        fail(FailureReason::Memory);
    }
    if let Some(ports) = port_check(inst, req) {
        fail(ports.reason());
    }
    if r.enis > 0 && inst.enis_in_use + r.enis > inst.eni_task_limit {
        fail(FailureReason::Eni);
    }
    if inst.remaining_gpus < r.gpus {
        fail(FailureReason::Gpu);
    }
    if req.requires_attributes.iter().any(|a| attribute_missing(inst, a)) {
        fail(FailureReason::Attribute);
    }
    for c in req.constraints {
        if !constraint_holds(cluster, inst, req, c) {
            fail(match c {
                Constraint::DistinctInstance => FailureReason::DistinctInstance,
                Constraint::MemberOf { .. } => FailureReason::MemberOf,
            });
        }
    }
    Tally { ranked: true, failed, first }
}

/// The first check a ranked instance fails, as `closest_match` names it; `None` when it is not
/// ranked (not ACTIVE, Fargate) or passes every check. O(checks) for one instance.
pub fn first_failure(cluster: &Cluster, inst: &ContainerInstance, req: &PlacementRequest) -> Option<Rejection> {
    if inst.status != InstanceStatus::Active || inst.fargate {
        return None;
    }
    if !inst.agent_connected {
        return Some(Rejection::AgentDisconnected);
    }
    match resource_checks(inst, req).into_iter().flatten().next() {
        Some(r) => Some(r),
        None => constraint_checks(cluster, inst, req).into_iter().flatten().next(),
    }
}

fn attribute_missing(inst: &ContainerInstance, a: &RequiredAttribute) -> bool {
    match (inst.attributes.get(&a.name), &a.value) {
        (None, _) => true,
        (Some(have), Some(want)) => have != want,
        (Some(_), None) => false,
    }
}

/// Every resource check, in reporting order; `None` where the check passes.
fn resource_checks(inst: &ContainerInstance, req: &PlacementRequest) -> [Option<Rejection>; 6] {
    let r = req.reservation;
    let cpu = (inst.remaining_cpu_units < r.cpu_units)
        .then_some(Rejection::Cpu { remaining_units: inst.remaining_cpu_units, needed_units: r.cpu_units });
    let memory = (inst.remaining_memory_mib < r.memory_mib)
        .then_some(Rejection::Memory { remaining_mib: inst.remaining_memory_mib, needed_mib: r.memory_mib });
    let ports = port_check(inst, req);
    let eni = (r.enis > 0 && inst.enis_in_use + r.enis > inst.eni_task_limit)
        .then_some(Rejection::Eni { in_use: inst.enis_in_use, limit: inst.eni_task_limit });
    let gpu = (inst.remaining_gpus < r.gpus).then_some(Rejection::Gpu { remaining: inst.remaining_gpus, needed: r.gpus });
    let attribute = req
        .requires_attributes
        .iter()
        .find(|a| attribute_missing(inst, a))
        .map(|a| Rejection::MissingAttribute { name: a.name.clone(), value: a.value.clone() });
    [cpu, memory, ports, eni, gpu, attribute]
}

fn port_check(inst: &ContainerInstance, req: &PlacementRequest) -> Option<Rejection> {
    let r = req.reservation;
    // Most tasks reserve no host port (awsvpc tasks, tasks without port mappings): nothing to
    // check, and every placement index re-reads every instance that changed.
    if r.static_tcp_ports.is_empty() && r.static_udp_ports.is_empty() && r.dynamic_tcp_ports == 0 && r.dynamic_udp_ports == 0 {
        return None;
    }
    let statics = r.static_tcp_ports.iter().map(|&p| (p, Protocol::Tcp)).chain(r.static_udp_ports.iter().map(|&p| (p, Protocol::Udp)));
    for (port, protocol) in statics {
        if !inst.port_free(port, protocol) {
            return Some(Rejection::PortInUse { port, protocol });
        }
    }
    let adding = r.static_tcp_ports.len() + r.static_udp_ports.len();
    if adding > 0 && inst.reserved_port_count() + adding > MAX_RESERVED_PORTS {
        return Some(Rejection::TooManyPorts { reserved: inst.reserved_port_count(), adding });
    }
    for (needed, protocol) in [(r.dynamic_tcp_ports, Protocol::Tcp), (r.dynamic_udp_ports, Protocol::Udp)] {
        if needed > 0 {
            let free = inst.free_dynamic_ports(protocol);
            if free < needed as u32 {
                return Some(Rejection::DynamicPorts { free, needed: needed as u32, protocol });
            }
        }
    }
    None
}

fn constraint_checks(cluster: &Cluster, inst: &ContainerInstance, req: &PlacementRequest) -> Vec<Option<Rejection>> {
    req.constraints
        .iter()
        .enumerate()
        .map(|(index, c)| (!constraint_holds(cluster, inst, req, c)).then(|| Rejection::Constraint { index, constraint: c.to_string() }))
        .collect()
}

fn constraint_holds(cluster: &Cluster, inst: &ContainerInstance, req: &PlacementRequest, c: &Constraint) -> bool {
    match c {
        Constraint::DistinctInstance => inst.active_count(req.group) == 0,
        Constraint::MemberOf { parsed, .. } => parsed.eval(&FactsView { instance: inst, group_names: cluster.group_names() }),
    }
}

/// The instance that passed the most checks (ties: lowest ordinal) and the first check it
/// failed (docs/ecs-model.md#placement-failures, ecsim's choice). `None` when the cluster has no ACTIVE instance.
pub fn closest_match(cluster: &Cluster, req: &PlacementRequest) -> Option<(InstanceId, Rejection)> {
    let mut best: Option<(usize, InstanceId, Rejection)> = None;
    for inst in cluster.instances.iter().filter(|i| i.status == InstanceStatus::Active && !i.fargate) {
        let mut checks: Vec<Option<Rejection>> = vec![(!inst.agent_connected).then_some(Rejection::AgentDisconnected)];
        checks.extend(resource_checks(inst, req));
        checks.extend(constraint_checks(cluster, inst, req));
        let passed = checks.iter().filter(|c| c.is_none()).count();
        let Some(first) = checks.into_iter().flatten().next() else { continue };
        if best.as_ref().is_none_or(|(p, _, _)| passed > *p) {
            best = Some((passed, inst.id, first));
        }
    }
    best.map(|(_, id, r)| (id, r))
}
