//! Property tests of task placement (docs/ecs-model.md#registered-resources, docs/ecs-model.md#task-reservation,
//! docs/ecs-model.md#placement-algorithm, docs/ecs-model.md#placement-failures) on random
//! clusters, and statistical tests of its randomness (`random` strategy, random tie-breaks).
//!
//! A case is a random cluster (1–40 instances of the docs/ecs-model.md#instance-types types over 1–3 AZs, some DRAINING or
//! with a disconnected agent, some with GPUs, a small dynamic port range or a `rack`
//! attribute, random tasks already placed), a random strategy chain (0–5 rules), maybe
//! `distinctInstance`, and up to 40 random tasks placed one after the other, each bound to the
//! chosen instance before the next is placed (docs/ecs-model.md#placement-algorithm).

use ecsim::ecs::cluster::{Cluster, InstanceSpec};
use ecsim::ecs::instance::{Binding, ContainerInstance, GroupId, InstanceId, InstanceStatus, PortSet, MAX_RESERVED_PORTS};
use ecsim::ecs::instance_types::{self, InstanceType};

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
use ecsim::ecs::placement::{
    self, filter, BinpackField, Constraint, Decision, Outcome, PlacementRequest, SpreadField, Strategy as Rule, TieBreak,
};
use ecsim::ecs::task_def::{Compatibility, ContainerDefinition, NetworkMode, PortMapping, Protocol, Reservation, TaskDefinition};
use ecsim::engine::Streams;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use rand::seq::SliceRandom;
use std::collections::{BTreeMap, BTreeSet};

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

// ---------------------------------------------------------------------------------------------
// Independent statements of the model's rules
// ---------------------------------------------------------------------------------------------

/// Spec docs/ecs-model.md#placement-algorithm steps 1–3, written out from the text (no requiresAttributes in these cases).
fn fits(inst: &ContainerInstance, req: &PlacementRequest) -> bool {
    let r = req.reservation;
    if inst.status != InstanceStatus::Active || !inst.agent_connected {
        return false;
    }
    if inst.remaining_cpu_units < r.cpu_units || inst.remaining_memory_mib < r.memory_mib || inst.remaining_gpus < r.gpus {
        return false;
    }
    let tcp_free = |p: &u16| !inst.reserved_tcp_ports.contains(p) && !inst.bound_tcp_ports.contains(p);
    let udp_free = |p: &u16| !inst.reserved_udp_ports.contains(p) && !inst.bound_udp_ports.contains(p);
    if !r.static_tcp_ports.iter().all(tcp_free) || !r.static_udp_ports.iter().all(udp_free) {
        return false;
    }
    let statics = r.static_tcp_ports.len() + r.static_udp_ports.len();
    let reserved = inst.reserved_tcp_ports.len() + inst.reserved_udp_ports.len() + inst.task_static_ports as usize;
    if statics > 0 && reserved + statics > MAX_RESERVED_PORTS {
        return false;
    }
    // Free dynamic ports: ports of the range neither reserved nor bound.
    let (lo, hi) = inst.dynamic_port_range;
    let size = (hi - lo) as usize + 1;
    let taken = |reserved: &[u16], bound: &PortSet| -> usize {
        reserved.iter().chain(bound).filter(|p| (lo..=hi).contains(*p)).collect::<BTreeSet<_>>().len()
    };
    let free_tcp = size - taken(&inst.reserved_tcp_ports, &inst.bound_tcp_ports);
    let free_udp = size - taken(&inst.reserved_udp_ports, &inst.bound_udp_ports);
    if free_tcp < r.dynamic_tcp_ports as usize || free_udp < r.dynamic_udp_ports as usize {
        return false;
    }
    if r.enis > 0 && inst.enis_in_use + r.enis > inst.eni_task_limit {
        return false;
    }
    req.constraints.iter().all(|c| match c {
        Constraint::DistinctInstance => inst.active_count(req.group) == 0,
        Constraint::MemberOf { .. } => panic!("no memberOf in these cases"),
    })
}

/// Spec docs/ecs-model.md#placement-algorithm step 5 without randomness: the candidates left after the strategies, up to (not
/// including) the first `random` rule, in ordinal order.
fn spec_candidates(cluster: &Cluster, req: &PlacementRequest) -> Vec<InstanceId> {
    let mut candidates: Vec<InstanceId> = cluster.instances.iter().filter(|i| fits(i, req)).map(|i| i.id).collect();
    for rule in req.strategies {
        let score = |id: InstanceId| -> u64 {
            let inst = cluster.instance(id);
            match rule {
                Rule::Binpack(BinpackField::Cpu) => inst.remaining_cpu_units as u64,
                Rule::Binpack(BinpackField::Memory) => inst.remaining_memory_mib as u64,
                Rule::Spread(SpreadField::InstanceId) => inst.spread_count(req.group) as u64,
                // Tasks of the group on every instance (whole cluster) with the same value,
                // instances lacking the attribute forming one bucket.
                Rule::Spread(SpreadField::Attribute(name)) => {
                    let value = inst.attributes.get(name);
                    cluster.instances.iter().filter(|x| x.attributes.get(name) == value).map(|x| x.spread_count(req.group) as u64).sum()
                }
                Rule::Random => unreachable!(),
            }
        };
        if *rule == Rule::Random {
            break;
        }
        let Some(best) = candidates.iter().map(|&id| score(id)).min() else {
            break;
        };
        candidates.retain(|&id| score(id) == best);
    }
    candidates
}

fn per_instance<T>(cluster: &Cluster, placed: &[Placed], f: impl Fn(&Placed) -> T) -> Vec<Vec<T>> {
    let mut v: Vec<Vec<T>> = cluster.instances.iter().map(|_| vec![]).collect();
    for p in placed {
        v[p.instance.index()].push(f(p));
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Σ reservations ≤ registered for CPU, memory and GPUs; awsvpc tasks ≤ ENI slots; and
    /// remaining = registered − Σ reservations exactly.
    #[test]
    fn never_overcommits_cpu_memory_gpus_or_eni_slots(case in case(), random in any::<bool>()) {
        let out = run(&case, tie_break(random), false, |_, _, _| {});
        let held = per_instance(&out.cluster, &out.placed, |p| p.reservation.clone());
        for (inst, rs) in out.cluster.instances.iter().zip(&held) {
            let cpu: u32 = rs.iter().map(|r| r.cpu_units).sum();
            let memory: u32 = rs.iter().map(|r| r.memory_mib).sum();
            let gpus: u32 = rs.iter().map(|r| r.gpus).sum();
            let enis: u32 = rs.iter().map(|r| r.enis).sum();
            prop_assert!(cpu <= inst.registered_cpu_units, "CPU over-commit on i-{}: {cpu} > {}", inst.id.0 + 1, inst.registered_cpu_units);
            prop_assert!(memory <= inst.registered_memory_mib, "memory over-commit on i-{}", inst.id.0 + 1);
            prop_assert!(gpus <= inst.registered_gpus, "GPU over-commit on i-{}", inst.id.0 + 1);
            prop_assert!(enis <= inst.eni_task_limit, "ENI over-commit on i-{}: {enis} > {}", inst.id.0 + 1, inst.eni_task_limit);
            prop_assert_eq!(inst.remaining_cpu_units, inst.registered_cpu_units - cpu);
            prop_assert_eq!(inst.remaining_memory_mib, inst.registered_memory_mib - memory);
            prop_assert_eq!(inst.remaining_gpus, inst.registered_gpus - gpus);
            prop_assert_eq!(inst.enis_in_use, enis);
        }
    }

    /// No host port is held by two tasks of one instance, no task holds an agent-reserved port,
    /// dynamic ports come from the dynamic range, and the reserved-port count stays ≤ 100.
    /// The generated dynamic ranges include one that contains the reserved ports 51678/51679.
    #[test]
    fn never_binds_a_port_twice_or_a_reserved_port(case in case_with(ranges_with_reserved_inside()), random in any::<bool>()) {
        let out = run(&case, tie_break(random), false, |_, _, _| {});
        let held = per_instance(&out.cluster, &out.placed, |p| (p.reservation.clone(), p.binding.clone()));
        for (inst, tasks) in out.cluster.instances.iter().zip(&held) {
            let who = format!("i-{}", inst.id.0 + 1);
            let mut tcp = BTreeSet::new();
            let mut udp = BTreeSet::new();
            for (r, b) in tasks {
                for &p in &b.tcp_ports {
                    prop_assert!(tcp.insert(p), "{}: TCP port {} bound twice", who, p);
                    prop_assert!(!inst.reserved_tcp_ports.contains(&p), "{}: reserved TCP port {} bound", who, p);
                }
                for &p in &b.udp_ports {
                    prop_assert!(udp.insert(p), "{}: UDP port {} bound twice", who, p);
                    prop_assert!(!inst.reserved_udp_ports.contains(&p), "{}: reserved UDP port {} bound", who, p);
                }
                // Binding = the static ports, then the dynamic ones from the range.
                prop_assert_eq!(&b.tcp_ports[..r.static_tcp_ports.len()], &r.static_tcp_ports[..]);
                prop_assert_eq!(b.tcp_ports.len(), r.static_tcp_ports.len() + r.dynamic_tcp_ports as usize);
                let (lo, hi) = inst.dynamic_port_range;
                for &p in &b.tcp_ports[r.static_tcp_ports.len()..] {
                    prop_assert!((lo..=hi).contains(&p), "{}: dynamic port {} outside {}-{}", who, p, lo, hi);
                }
            }
            prop_assert_eq!(&inst.bound_tcp_ports, &tcp);
            prop_assert_eq!(&inst.bound_udp_ports, &udp);
            prop_assert!(inst.reserved_port_count() <= MAX_RESERVED_PORTS);
        }
    }

    /// The chosen instance is ACTIVE, agent-connected and passes `filter::check`; a failure is
    /// reported only when no instance passes it (strategies never cause a failure).
    #[test]
    fn chosen_instance_passes_the_filter_and_failures_mean_none_does(case in case(), random in any::<bool>()) {
        let mut violations = vec![];
        run(&case, tie_break(random), false, |cluster, req, d| {
            let passing: Vec<InstanceId> =
                cluster.instances.iter().filter(|i| filter::check(cluster, i, req).is_ok()).map(|i| i.id).collect();
            match &d.outcome {
                Outcome::Placed { instance } => {
                    let inst = cluster.instance(*instance);
                    if inst.status != InstanceStatus::Active || !inst.agent_connected || !passing.contains(instance) {
                        violations.push(format!("placed on i-{} which is not a candidate ({:?})", instance.0 + 1, filter::check(cluster, inst, req)));
                    }
                }
                Outcome::Failed { reason, closest } => {
                    if !passing.is_empty() {
                        violations.push(format!("failed ({reason}) although {passing:?} pass the filter"));
                    }
                    let any_active = cluster.instances.iter().any(|i| i.status == InstanceStatus::Active);
                    if closest.is_some() != any_active {
                        violations.push(format!("closest match {closest:?} with ACTIVE instances: {any_active}"));
                    }
                }
            }
        });
        prop_assert!(violations.is_empty(), "{:#?}", violations);
    }

    /// `filter::check` accepts exactly the instances that meet docs/ecs-model.md#placement-algorithm steps 1–3.
    #[test]
    fn filter_check_agrees_with_the_spec_conditions(case in case()) {
        let mut violations = vec![];
        run(&case, TieBreak::First, false, |cluster, req, _| {
            for inst in &cluster.instances {
                let got = filter::check(cluster, inst, req);
                if got.is_ok() != fits(inst, req) {
                    violations.push(format!("i-{}: filter::check = {got:?}, spec says fits = {}, needs {:?}", inst.id.0 + 1, fits(inst, req), req.reservation));
                }
            }
        });
        prop_assert!(violations.is_empty(), "{:#?}", violations);
    }

    /// The choice follows docs/ecs-model.md#placement-algorithm step 5–6: with `tieBreak = first` and no `random` rule it is
    /// the lowest ordinal of the model's best candidates; otherwise one of them.
    #[test]
    fn choice_is_among_the_spec_best_candidates(case in case(), random in any::<bool>()) {
        let mut violations = vec![];
        let deterministic = !random && !case.strategies.contains(&Rule::Random);
        run(&case, tie_break(random), false, |cluster, req, d| {
            let best = spec_candidates(cluster, req);
            match d.instance() {
                Some(id) if deterministic && best.first() != Some(&id) => {
                    violations.push(format!("chose i-{} but the model's first best candidate is {:?}", id.0 + 1, best.first()));
                }
                Some(id) if !best.contains(&id) => violations.push(format!("chose i-{} outside the best {best:?}", id.0 + 1)),
                None if !best.is_empty() => violations.push(format!("failed although {best:?} fit")),
                _ => {}
            }
        });
        prop_assert!(violations.is_empty(), "strategies {:?}: {:#?}", case.strategies, violations);
    }

    /// Same inputs → same choices, with `tieBreak = first` and with random tie-breaks from the
    /// same seed; asking for the explanation changes nothing.
    #[test]
    fn placement_is_deterministic(case in case()) {
        let first_a = run(&case, TieBreak::First, false, |_, _, _| {}).choices;
        let first_b = run(&case, TieBreak::First, true, |_, _, _| {}).choices;
        prop_assert_eq!(first_a, first_b);
        let random_a = run(&case, TieBreak::Random, false, |_, _, _| {}).choices;
        let random_b = run(&case, TieBreak::Random, false, |_, _, _| {}).choices;
        let random_c = run(&case, TieBreak::Random, true, |_, _, _| {}).choices;
        prop_assert_eq!(&random_a, &random_b);
        prop_assert_eq!(&random_a, &random_c);
    }

    /// Releasing every task (in a random order) restores every instance to its registered
    /// resources: CPU, memory, GPUs, ENIs, ports, group counts and task counts.
    #[test]
    fn releasing_every_task_restores_registered_resources(case in case(), random in any::<bool>()) {
        let Run { mut cluster, mut placed, .. } = run(&case, tie_break(random), false, |_, _, _| {});
        placed.shuffle(&mut Streams::new(case.seed).get("release-order"));
        for p in &placed {
            if p.state == PreState::Stopping {
                // Undo the "being stopped" mark so that release_task's −1 applies to it.
                cluster.instance_mut(p.instance).count_group(p.group, 0, 1);
            }
            cluster.release_task(p.instance, p.group, &p.reservation, &p.binding, p.state == PreState::Running);
        }
        for inst in &cluster.instances {
            let who = format!("i-{}", inst.id.0 + 1);
            prop_assert_eq!(inst.remaining_cpu_units, inst.registered_cpu_units, "{}", who);
            prop_assert_eq!(inst.remaining_memory_mib, inst.registered_memory_mib, "{}", who);
            prop_assert_eq!(inst.remaining_gpus, inst.registered_gpus, "{}", who);
            prop_assert_eq!(inst.enis_in_use, 0, "{}", who);
            prop_assert!(inst.bound_tcp_ports.is_empty() && inst.bound_udp_ports.is_empty(), "{}", who);
            prop_assert_eq!(inst.task_static_ports, 0, "{}", who);
            prop_assert!(inst.groups.is_empty(), "{}: {:?}", who, inst.groups);
            prop_assert_eq!((inst.running_tasks_count, inst.pending_tasks_count), (0, 0), "{}", who);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics of the random choices
// ---------------------------------------------------------------------------------------------

fn equal_cluster(zones: &[&str], per_zone: usize) -> Cluster {
    let m5 = instance_types::lookup("m5.large").unwrap();
    let mut c = Cluster::new("stats");
    for az in zones {
        for _ in 0..per_zone {
            c.register(&InstanceSpec {
                instance_type: m5,
                availability_zone: az.to_string(),
                os_memory_mib: None,
                reserved_memory_mib: 0,
                awsvpc_trunking: false,
                custom_attributes: BTreeMap::new(),
                registered_at_unix_s: 1_700_000_000,
                agent_version: "1.80.0".into(),
                price_usd_per_hour: None,
            });
        }
    }
    c
}

/// `random` over 3 AZs of 2 equal instances each, one placement per seed 0..3000, nothing
/// bound (the cluster stays the same).
///
/// Each placement lands in a given AZ with p = 1/3. Over n = 3000 placements the AZ's share
/// has standard deviation sqrt(p(1−p)/n) = sqrt((2/9)/3000) ≈ 0.0086 = 0.86 points, so the
/// ±3-point tolerance is ≈ 3.5 σ (a correct implementation fails it for a given seed set with
/// probability ≈ 3 × 5·10⁻⁴). Per instance (p = 1/6): σ = sqrt((5/36)/3000) ≈ 0.68 points,
/// ±3 points ≈ 4.4 σ.
#[test]
fn random_strategy_splits_placements_evenly_over_three_zones_across_seeds() {
    let mut c = equal_cluster(&ZONES, 2);
    let g = c.group_id("family:batch");
    let r = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = [Rule::Random];
    let req = PlacementRequest {
        reservation: &r,
        group: g,
        strategies: &strategies,
        constraints: &[],
        requires_attributes: &[],
        tie_break: TieBreak::First,
    };
    let n = 3000u64;
    let mut per_az: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_instance = [0u64; 6];
    for seed in 0..n {
        let d = placement::place(&c, &req, &mut Streams::new(seed).get("placement"), false);
        let id = d.instance().expect("roomy cluster");
        *per_az.entry(c.instance(id).availability_zone.clone()).or_default() += 1;
        per_instance[id.index()] += 1;
    }
    assert_eq!(per_az.len(), 3, "{per_az:?}");
    for (az, count) in &per_az {
        let share = *count as f64 / n as f64;
        assert!((share - 1.0 / 3.0).abs() <= 0.03, "{az}: share {share:.4}, expected 1/3 ± 0.03 ({per_az:?})");
    }
    for (k, count) in per_instance.iter().enumerate() {
        let share = *count as f64 / n as f64;
        assert!((share - 1.0 / 6.0).abs() <= 0.03, "i-{}: share {share:.4}, expected 1/6 ± 0.03 ({per_instance:?})", k + 1);
    }
}

/// `tieBreak = random` among k = 3 instances tied by binpack(memory), 3000 placements drawn
/// from one `placement` stream, nothing bound.
///
/// Each tied instance is picked with p = 1/3, so its count is Binomial(n = 3000, 1/3): mean
/// 1000, σ = sqrt(n p (1 − p)) = sqrt(3000 · 2/9) ≈ 25.8. Tolerance ±4 σ ≈ ±103 (two-sided tail
/// ≈ 6·10⁻⁵ per instance). The two untied instances are never picked.
#[test]
fn random_tie_break_is_uniform_over_the_tied_instances() {
    let mut c = equal_cluster(&["us-east-1a"], 5);
    // Remaining memory: i-1 8028, i-2..i-4 4000 (tied, least), i-5 6000.
    for (k, memory) in [8028, 4000, 4000, 4000, 6000].into_iter().enumerate() {
        c.instance_mut(InstanceId(k as u32)).remaining_memory_mib = memory;
    }
    let g = c.group_id("service:web");
    let r = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = [Rule::Binpack(BinpackField::Memory)];
    let req = PlacementRequest {
        reservation: &r,
        group: g,
        strategies: &strategies,
        constraints: &[],
        requires_attributes: &[],
        tie_break: TieBreak::Random,
    };
    let n = 3000.0_f64;
    let mut counts = [0u32; 5];
    let mut rng = Streams::new(2024).get("placement");
    for _ in 0..n as usize {
        counts[placement::place(&c, &req, &mut rng, false).instance().expect("fits").index()] += 1;
    }
    let (mean, sigma) = (n / 3.0, (n * (1.0 / 3.0) * (2.0 / 3.0)).sqrt());
    assert_eq!((counts[0], counts[4]), (0, 0), "only the tied instances may be chosen: {counts:?}");
    for (k, &count) in counts.iter().enumerate().take(4).skip(1) {
        assert!(
            (count as f64 - mean).abs() <= 4.0 * sigma,
            "i-{}: {count} picks, expected {mean:.0} ± {:.0} ({counts:?})",
            k + 1,
            4.0 * sigma
        );
    }
}

/// With `tieBreak = first` nothing random happens: every seed gives the lowest ordinal.
#[test]
fn first_tie_break_ignores_the_seed() {
    let mut c = equal_cluster(&ZONES, 2);
    let g = c.group_id("service:web");
    let r = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = Rule::service_default();
    let req = PlacementRequest {
        reservation: &r,
        group: g,
        strategies: &strategies,
        constraints: &[],
        requires_attributes: &[],
        tie_break: TieBreak::First,
    };
    for seed in 0..100 {
        assert_eq!(placement::place(&c, &req, &mut Streams::new(seed).get("placement"), false).instance(), Some(InstanceId(0)));
    }
}
