//! Property tests of task placement (docs/ecs-model.md#registered-resources, docs/ecs-model.md#task-reservation,
//! docs/ecs-model.md#placement-algorithm, docs/ecs-model.md#placement-failures) on random
//! clusters, and statistical tests of its randomness (`random` strategy, random tie-breaks).
//!
//! A case is a random cluster (1–40 instances of the docs/ecs-model.md#instance-types types over 1–3 AZs, some DRAINING or
//! with a disconnected agent, some with GPUs, a small dynamic port range or a `rack`
//! attribute, random tasks already placed), a random strategy chain (0–5 rules), maybe
//! `distinctInstance`, and up to 40 random tasks placed one after the other, each bound to the
//! chosen instance before the next is placed (docs/ecs-model.md#placement-algorithm).
//!
//! The tests, by concern: `properties` (the proptests: no over-commit of CPU, memory, GPUs or ENI
//! slots, no port bound twice or reserved, the chosen instance passes the filter, the filter and
//! the choice agree with independent statements of the model's rules, determinism, releasing
//! restores the registered resources) and `statistics` (the `random` strategy and random
//! tie-breaks are uniform; `first` ignores the seed). The random case, and how it is built and
//! placed, are here.
//!
//! The cases proptest once shrank for `properties` are in
//! `tests/proptest-regressions/placement_props/properties.txt`: proptest names the file after the
//! source file of the `proptest!` block (see main.rs's header), and re-runs them first.

mod properties;
mod statistics;

use ecsim::ecs::cluster::{Cluster, InstanceSpec};
use ecsim::ecs::instance::{Binding, GroupId, InstanceId, InstanceStatus};
use ecsim::ecs::instance_types::{self, InstanceType};
use ecsim::ecs::placement::{self, filter, BinpackField, Constraint, Decision, PlacementRequest, SpreadField, Strategy as Rule, TieBreak};
use ecsim::ecs::task_def::{Compatibility, ContainerDefinition, NetworkMode, PortMapping, Protocol, Reservation, TaskDefinition};
use ecsim::engine::Streams;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use std::collections::BTreeMap;

/// The 19 types of the first table: the properties draw from them (the full table adds nothing
/// the placement rules treat differently).
fn first_types() -> Vec<&'static InstanceType> {
    [
        "t3.small",
        "t3.medium",
        "t3.large",
        "m5.large",
        "m5.xlarge",
        "m5.2xlarge",
        "m6i.large",
        "m6i.xlarge",
        "m7i.large",
        "m6g.large",
        "m7g.large",
        "c5.large",
        "c5.xlarge",
        "c5.2xlarge",
        "c6g.large",
        "c7g.large",
        "r5.large",
        "r5.xlarge",
        "r6g.large",
    ]
    .iter()
    .filter_map(|n| instance_types::lookup(n))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// The random case
// ---------------------------------------------------------------------------------------------

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
const GROUPS: [&str; 3] = ["service:web", "service:api", "family:batch"];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Health {
    Active,
    Draining,
    AgentDisconnected,
}

#[derive(Debug, Clone)]
struct InstanceCfg {
    type_index: usize,
    zone: usize,
    health: Health,
    trunking: bool,
    gpus: u32,
    /// `ECS_DYNAMIC_HOST_PORT_RANGE` override (a small range, to reach exhaustion).
    dynamic_range: Option<(u16, u16)>,
    /// A custom attribute that some instances lack (spread over it has an "(absent)" bucket).
    rack: Option<u8>,
}

#[derive(Debug, Clone)]
struct Shape {
    cpu: u32,
    memory: u32,
    gpus: u32,
    static_tcp: Vec<u16>,
    static_udp: bool,
    dynamic: u16,
    mode: NetworkMode,
    group: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum PreState {
    Pending,
    Running,
    /// desiredStatus STOPPED, not yet STOPPED: holds resources, not counted by spread.
    Stopping,
}

#[derive(Debug, Clone)]
struct Case {
    zones: usize,
    instances: Vec<InstanceCfg>,
    pre_placed: Vec<(usize, Shape, PreState)>,
    tasks: Vec<Shape>,
    strategies: Vec<Rule>,
    distinct_instance: bool,
    seed: u64,
}

fn instance_cfg(dynamic_ranges: Vec<Option<(u16, u16)>>) -> impl Strategy<Value = InstanceCfg> {
    (
        0..first_types().len(),
        0..3usize,
        prop_oneof![8 => Just(Health::Active), 1 => Just(Health::Draining), 1 => Just(Health::AgentDisconnected)],
        any::<bool>(),
        prop_oneof![4 => Just(0u32), 1 => 1..=2u32],
        select(dynamic_ranges),
        prop::option::of(0..3u8),
    )
        .prop_map(|(type_index, zone, health, trunking, gpus, dynamic_range, rack)| InstanceCfg {
            type_index,
            zone,
            health,
            trunking,
            gpus,
            dynamic_range,
            rack,
        })
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop_oneof![3 => 0..=512u32, 1 => 0..=4096u32],
        prop_oneof![3 => 1..=1024u32, 1 => 1..=8192u32],
        prop_oneof![9 => Just(0u32), 1 => Just(1u32)],
        // Host ports from a small set; 32768 is also the first dynamic port; 22 is reserved.
        prop_oneof![19 => subsequence(vec![80u16, 443, 8080, 32768], 0..=2), 1 => Just(vec![22u16])],
        prop::bool::weighted(0.1),
        0..=2u16,
        select(vec![NetworkMode::Bridge, NetworkMode::Host, NetworkMode::Awsvpc]),
        0..GROUPS.len(),
    )
        .prop_map(|(cpu, memory, gpus, static_tcp, static_udp, dynamic, mode, group)| Shape {
            cpu,
            memory,
            gpus,
            static_tcp,
            static_udp,
            dynamic,
            mode,
            group,
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    select(vec![
        Rule::Binpack(BinpackField::Cpu),
        Rule::Binpack(BinpackField::Memory),
        Rule::Spread(SpreadField::Attribute("ecs.availability-zone".into())),
        Rule::Spread(SpreadField::Attribute("rack".into())),
        Rule::Spread(SpreadField::InstanceId),
        Rule::Random,
    ])
}

/// Small dynamic ranges that do not contain an agent-reserved port.
fn plain_ranges() -> Vec<Option<(u16, u16)>> {
    vec![None, None, None, None, None, None, None, Some((40000, 40003))]
}

/// As `plain_ranges`, plus a small range around the reserved ports 51678/51679 (the default
/// range 32768–60999 contains them too).
fn ranges_with_reserved_inside() -> Vec<Option<(u16, u16)>> {
    vec![None, None, None, None, None, None, Some((40000, 40003)), Some((51676, 51681))]
}

fn case_with(dynamic_ranges: Vec<Option<(u16, u16)>>) -> impl Strategy<Value = Case> {
    (
        1..=3usize,
        prop::collection::vec(instance_cfg(dynamic_ranges), 1..=40),
        prop::collection::vec((0..40usize, shape(), select(vec![PreState::Pending, PreState::Running, PreState::Stopping])), 0..=20),
        prop::collection::vec(shape(), 0..=40),
        prop::collection::vec(rule(), 0..=5),
        prop::bool::weighted(0.3),
        any::<u64>(),
    )
        .prop_map(|(zones, instances, pre_placed, tasks, strategies, distinct_instance, seed)| Case {
            zones,
            instances,
            pre_placed,
            tasks,
            strategies,
            distinct_instance,
            seed,
        })
}

fn case() -> impl Strategy<Value = Case> {
    case_with(plain_ranges())
}

// ---------------------------------------------------------------------------------------------
// Building and running a case
// ---------------------------------------------------------------------------------------------

fn task_def(shape: &Shape) -> TaskDefinition {
    let mut port_mappings: Vec<PortMapping> =
        shape.static_tcp.iter().map(|&p| PortMapping { container_port: p, host_port: Some(p), protocol: Protocol::Tcp }).collect();
    if shape.static_udp {
        port_mappings.push(PortMapping { container_port: 5353, host_port: Some(5353), protocol: Protocol::Udp });
    }
    for k in 0..shape.dynamic {
        // Bridge: dynamic; host: static 9000+k (hostPort = containerPort); awsvpc: none.
        port_mappings.push(PortMapping { container_port: 9000 + k, host_port: None, protocol: Protocol::Tcp });
    }
    TaskDefinition {
        family: "prop".into(),
        revision: 1,
        network_mode: shape.mode,
        requires_compatibilities: vec![Compatibility::Ec2],
        cpu_units: None,
        memory_mib: None,
        containers: vec![ContainerDefinition {
            name: "app".into(),
            image: "app".into(),
            cpu_units: Some(shape.cpu),
            memory_mib: Some(shape.memory),
            memory_reservation_mib: None,
            essential: true,
            port_mappings,
            health_check: None,
            stop_timeout_s: None,
            start_timeout_s: None,
            gpus: shape.gpus,
        }],
        member_of: vec![],
        requires_attributes: vec![],
        cpu_architecture: ecsim::ecs::instance_types::Architecture::X86_64,
    }
}

/// One task held by an instance.
#[derive(Debug, Clone)]
struct Placed {
    instance: InstanceId,
    group: GroupId,
    reservation: Reservation,
    binding: Binding,
    state: PreState,
}

struct Run {
    cluster: Cluster,
    placed: Vec<Placed>,
    /// One entry per task of `case.tasks`: where it went.
    choices: Vec<Option<InstanceId>>,
}

fn build(case: &Case) -> (Cluster, Vec<GroupId>, Vec<Placed>) {
    let mut cluster = Cluster::new("prop");
    for cfg in &case.instances {
        let mut custom_attributes = BTreeMap::new();
        if let Some(rack) = cfg.rack {
            custom_attributes.insert("rack".to_string(), format!("r{rack}"));
        }
        let id = cluster.register(&InstanceSpec {
            instance_type: first_types()[cfg.type_index],
            availability_zone: ZONES[cfg.zone % case.zones].to_string(),
            os_memory_mib: None,
            reserved_memory_mib: 0,
            awsvpc_trunking: cfg.trunking,
            custom_attributes,
            registered_at_unix_s: 1_700_000_000,
            agent_version: "1.80.0".into(),
            price_usd_per_hour: None,
        });
        let inst = cluster.instance_mut(id);
        if cfg.gpus > 0 {
            inst.registered_gpus = cfg.gpus;
            inst.remaining_gpus = cfg.gpus;
        }
        if let Some(range) = cfg.dynamic_range {
            inst.dynamic_port_range = range;
        }
    }
    let groups: Vec<GroupId> = GROUPS.iter().map(|g| cluster.group_id(g)).collect();
    // Tasks already placed, where they fit (every instance is still ACTIVE here).
    let mut placed = vec![];
    for (index, shape, state) in &case.pre_placed {
        let id = InstanceId((index % case.instances.len()) as u32);
        let r = task_def(shape).reservation();
        let g = groups[shape.group];
        let req = PlacementRequest {
            reservation: &r,
            group: g,
            strategies: &[],
            constraints: &[],
            requires_attributes: &[],
            tie_break: TieBreak::First,
        };
        if filter::check(&cluster, cluster.instance(id), &req).is_err() {
            continue;
        }
        let binding = cluster.bind_task(id, g, &r);
        match state {
            PreState::Pending => {}
            PreState::Running => cluster.task_started(id),
            PreState::Stopping => cluster.instance_mut(id).count_group(g, 0, -1),
        }
        placed.push(Placed { instance: id, group: g, reservation: r, binding, state: *state });
    }
    for (k, cfg) in case.instances.iter().enumerate() {
        let inst = cluster.instance_mut(InstanceId(k as u32));
        match cfg.health {
            Health::Active => {}
            Health::Draining => inst.status = InstanceStatus::Draining,
            Health::AgentDisconnected => inst.agent_connected = false,
        }
    }
    (cluster, groups, placed)
}

/// Places every task of the case in turn, binding each; `on_step` sees the cluster, the
/// request and the decision before the binding.
fn run(case: &Case, tie_break: TieBreak, explain: bool, mut on_step: impl FnMut(&Cluster, &PlacementRequest, &Decision)) -> Run {
    let (mut cluster, groups, mut placed) = build(case);
    let constraints = if case.distinct_instance { vec![Constraint::DistinctInstance] } else { vec![] };
    let mut rng = Streams::new(case.seed).get("placement");
    let mut choices = vec![];
    for shape in &case.tasks {
        let r = task_def(shape).reservation();
        let g = groups[shape.group];
        let req = PlacementRequest {
            reservation: &r,
            group: g,
            strategies: &case.strategies,
            constraints: &constraints,
            requires_attributes: &[],
            tie_break,
        };
        let d = placement::place(&cluster, &req, &mut rng, explain);
        on_step(&cluster, &req, &d);
        if let Some(id) = d.instance() {
            let binding = cluster.bind_task(id, g, &r);
            placed.push(Placed { instance: id, group: g, reservation: r.clone(), binding, state: PreState::Pending });
        }
        choices.push(d.instance());
    }
    Run { cluster, placed, choices }
}

fn tie_break(random: bool) -> TieBreak {
    if random {
        TieBreak::Random
    } else {
        TieBreak::First
    }
}
