//! The worked examples of docs/ecs-model.md#resources-examples and
//! docs/ecs-model.md#placement-examples, and the other placement rules of
//! docs/ecs-model.md#instance-resources and docs/ecs-model.md#placement (failure reasons, the closest matching instance, the
//! port limits, `distinctInstance`, the console templates (docs/ecs-model.md#console-templates), spread details and the
//! explanation), each written as a test that reads like the example.
//!
//! Naming: instances are called as in the examples, `i-1` being the first one registered
//! (`InstanceId(0)`). Every test uses `TieBreak::First` ("lowest ordinal in registration
//! order", docs/ecs-model.md#simulated-time) so that the expected instance is derivable by hand.
//!
//! Tests that need the cluster query language (and so fail while `placement::cql` is a stub
//! that accepts everything), all in `placement_worked`: `member_of_regex_example_member_of_t3_regex_outside_us_east_1c`,
//! `member_of_that_no_instance_satisfies_fails_with_member_of_reason`,
//! `member_of_not_equals_excludes_instances_lacking_the_attribute`.
//!
//! The tests, by concern: `resources_worked` (the worked examples of the resource model: soft
//! limits, task-level sizes, the ENI limit), `placement_worked` (the worked placement examples:
//! binpack, spread then binpack and its explanation, an empty zone, `memberOf`, a static port),
//! `failures` (the failure reasons and the closest matching instance), `ports` (the 100
//! reserved ports, agent-reserved ports, the dynamic range, UDP and host mode),
//! `constraints_and_spread` (`distinctInstance` and the details of spread and binpack) and
//! `console_templates`. The helpers they share are here.

mod console_templates;
mod constraints_and_spread;
mod failures;
mod placement_worked;
mod ports;
mod resources_worked;

use ecsim::ecs::cluster::{Cluster, InstanceSpec};
use ecsim::ecs::instance::{Binding, GroupId, InstanceId};
use ecsim::ecs::instance_types::{self, Architecture, InstanceType};
use ecsim::ecs::placement::{
    self, Constraint, Decision, FailureReason, Outcome, PlacementRequest, Rejection, SpreadField, Strategy, TieBreak,
};
use ecsim::ecs::task_def::{Compatibility, ContainerDefinition, NetworkMode, PortMapping, Protocol, Reservation, TaskDefinition};
use ecsim::engine::Streams;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `i-n` of docs/ecs-model.md.
fn i(n: u32) -> InstanceId {
    InstanceId(n - 1)
}

fn name(id: InstanceId) -> String {
    format!("i-{}", id.0 + 1)
}

fn names(ids: &[InstanceId]) -> Vec<String> {
    ids.iter().map(|&id| name(id)).collect()
}

fn ty(type_name: &str) -> &'static InstanceType {
    instance_types::lookup(type_name).unwrap_or_else(|| panic!("{type_name} is not in INSTANCE_TYPES"))
}

/// m4.large (not in the docs/ecs-model.md#instance-types table; docs/ecs-model.md#example-soft-limit-reservation uses it): 2 vCPU, 8 GiB,
/// 2 ENIs.
const M4_LARGE: InstanceType = InstanceType {
    name: "m4.large",
    architecture: Architecture::X86_64,
    vcpus: 2,
    memory_mib_nominal: 8192,
    max_enis: 2,
    trunk_eni_tasks: None,
    gpus: 0,
    price_usd_per_hour: 0.10,
    ipv4_per_eni: 10,
    price_known: true,
};

/// t3a.medium (not in the docs/ecs-model.md#instance-types table; docs/ecs-model.md#example-memberof-regex uses it): 2 vCPU, 4 GiB.
const T3A_MEDIUM: InstanceType = InstanceType {
    name: "t3a.medium",
    architecture: Architecture::X86_64,
    vcpus: 2,
    memory_mib_nominal: 4096,
    max_enis: 3,
    trunk_eni_tasks: None,
    gpus: 0,
    price_usd_per_hour: 0.0376,
    ipv4_per_eni: 10,
    price_known: true,
};

/// A GPU type (one GPU) for the RESOURCE:GPU examples.
const G4DN_XLARGE: InstanceType = InstanceType {
    name: "g4dn.xlarge",
    architecture: Architecture::X86_64,
    vcpus: 4,
    memory_mib_nominal: 16384,
    max_enis: 3,
    trunk_eni_tasks: None,
    gpus: 1,
    price_usd_per_hour: 0.526,
    ipv4_per_eni: 10,
    price_known: true,
};

fn spec<'a>(t: &'a InstanceType, az: &str) -> InstanceSpec<'a> {
    InstanceSpec {
        instance_type: t,
        availability_zone: az.to_string(),
        os_memory_mib: None,
        reserved_memory_mib: 0,
        awsvpc_trunking: false,
        custom_attributes: BTreeMap::new(),
        registered_at_unix_s: 1_700_000_000,
        agent_version: "1.80.0".to_string(),
        price_usd_per_hour: None,
    }
}

/// A cluster of `(instance type, AZ)` in registration order: i-1, i-2, ...
fn cluster_of(instances: &[(&InstanceType, &str)]) -> Cluster {
    let mut c = Cluster::new("test");
    for (t, az) in instances {
        c.register(&spec(t, az));
    }
    c
}

/// Overwrites an instance's remaining CPU and memory, as an example's table gives them.
fn set_remaining(c: &mut Cluster, id: InstanceId, cpu_units: u32, memory_mib: u32) {
    let inst = c.instance_mut(id);
    inst.remaining_cpu_units = cpu_units;
    inst.remaining_memory_mib = memory_mib;
}

fn container(name: &str, cpu: Option<u32>, memory: Option<u32>, memory_reservation: Option<u32>) -> ContainerDefinition {
    ContainerDefinition {
        name: name.to_string(),
        image: "public.ecr.aws/nginx/nginx:latest".to_string(),
        cpu_units: cpu,
        memory_mib: memory,
        memory_reservation_mib: memory_reservation,
        essential: true,
        port_mappings: vec![],
        health_check: None,
        stop_timeout_s: None,
        start_timeout_s: None,
        gpus: 0,
    }
}

fn task_def(family: &str, network_mode: NetworkMode, containers: Vec<ContainerDefinition>) -> TaskDefinition {
    TaskDefinition {
        family: family.to_string(),
        revision: 1,
        network_mode,
        requires_compatibilities: vec![Compatibility::Ec2],
        cpu_units: None,
        memory_mib: None,
        containers,
        member_of: vec![],
        requires_attributes: vec![],
        cpu_architecture: ecsim::ecs::instance_types::Architecture::X86_64,
    }
}

fn tcp(container_port: u16, host_port: Option<u16>) -> PortMapping {
    PortMapping { container_port, host_port, protocol: Protocol::Tcp }
}

/// A task that reserves only CPU and memory.
fn sized(cpu_units: u32, memory_mib: u32) -> Reservation {
    Reservation { cpu_units, memory_mib, ..Reservation::default() }
}

fn az_spread() -> Strategy {
    Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".to_string()))
}

fn request<'a>(r: &'a Reservation, group: GroupId, strategies: &'a [Strategy], constraints: &'a [Constraint]) -> PlacementRequest<'a> {
    PlacementRequest { reservation: r, group, strategies, constraints, requires_attributes: &[], tie_break: TieBreak::First }
}

/// One placement decision with the explanation.
fn decide(c: &Cluster, req: &PlacementRequest) -> Decision {
    let mut rng = Streams::new(1).get("placement");
    placement::place(c, req, &mut rng, true)
}

/// Places one task and, when it is placed, binds it (sequential placement, docs/ecs-model.md#placement-algorithm).
fn place_and_bind(c: &mut Cluster, req: &PlacementRequest) -> Result<(InstanceId, Binding), Box<Decision>> {
    let d = decide(c, req);
    match d.instance() {
        Some(id) => Ok((id, c.bind_task(id, req.group, req.reservation))),
        None => Err(Box::new(d)),
    }
}

/// Places `n` tasks one after the other, binding each; panics on a failure.
fn place_n(c: &mut Cluster, req: &PlacementRequest, n: usize) -> Vec<InstanceId> {
    (0..n)
        .map(|k| match place_and_bind(c, req) {
            Ok((id, _)) => id,
            Err(d) => panic!("task {} of {n} was not placed: {:?}", k + 1, d.outcome),
        })
        .collect()
}

/// Non-STOPPED tasks of `group` per instance, as `("i-n", count)`, instances without any left
/// out.
fn layout(c: &Cluster, group: GroupId) -> Vec<(String, u32)> {
    c.instances.iter().filter(|inst| inst.active_count(group) > 0).map(|inst| (name(inst.id), inst.active_count(group))).collect()
}

/// Tasks of `group` per AZ.
fn per_az(c: &Cluster, group: GroupId) -> BTreeMap<String, u32> {
    let mut m = BTreeMap::new();
    for inst in &c.instances {
        *m.entry(inst.availability_zone.clone()).or_insert(0) += inst.active_count(group);
    }
    m
}

fn failure(d: &Decision) -> (FailureReason, Option<(InstanceId, Rejection)>) {
    match &d.outcome {
        Outcome::Failed { reason, closest } => (*reason, closest.clone()),
        Outcome::Placed { instance } => panic!("expected a placement failure, got a placement on {}", name(*instance)),
    }
}

/// The ranking of strategy step `step` of the explanation: `(bucket, score, instances)`.
fn ranking(d: &Decision, step: usize) -> Vec<(String, u64, Vec<String>)> {
    let e = d.explanation.as_ref().expect("explanation requested");
    e.steps[step].ranking.iter().map(|r| (r.value.clone(), r.score, names(&r.instances))).collect()
}

fn kept(d: &Decision, step: usize) -> Vec<String> {
    names(&d.explanation.as_ref().expect("explanation requested").steps[step].kept)
}

fn rejected(d: &Decision) -> Vec<(String, Rejection)> {
    d.explanation.as_ref().expect("explanation requested").rejected.iter().map(|(id, r)| (name(*id), r.clone())).collect()
}

fn passed(d: &Decision) -> Vec<String> {
    names(&d.explanation.as_ref().expect("explanation requested").passed_filters)
}

fn render(d: &Decision) -> String {
    d.explanation.as_ref().expect("explanation requested").render(&name)
}

fn s(x: &str) -> String {
    x.to_string()
}
