//! The index against the reference `place`: same instance, same draws, same `None`, over random
//! clusters, chains and histories; plus worked examples, uniformity and the fallback.

use super::*;
use crate::ecs::cluster::InstanceSpec;
use crate::ecs::instance::{Binding, InstanceStatus};
use crate::ecs::instance_types;
use crate::ecs::placement::rules::{BinpackField, SpreadField};
use crate::ecs::placement::{self, filter, FailureReason};
use crate::engine::Streams;
use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, prop_oneof, proptest, Just, ProptestConfig};
use proptest::strategy::Strategy as Gen;
use std::collections::BTreeMap;

const AZ: &str = "ecs.availability-zone";
const ZONES: [&str; 4] = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];

fn register(cluster: &mut Cluster, zone: &str, instance_type: &str, team: Option<&str>) -> InstanceId {
    let custom_attributes: BTreeMap<String, String> = team.map(|t| ("team".to_string(), t.to_string())).into_iter().collect();
    cluster.register(&InstanceSpec {
        instance_type: instance_types::lookup(instance_type).expect("known type"),
        availability_zone: zone.to_string(),
        os_memory_mib: None,
        reserved_memory_mib: 0,
        awsvpc_trunking: false,
        custom_attributes,
        registered_at_unix_s: 0,
        agent_version: "1.70.0".into(),
        price_usd_per_hour: None,
    })
}

fn spread(attribute: &str) -> Strategy {
    Strategy::Spread(SpreadField::Attribute(attribute.to_string()))
}

fn request<'a>(reservation: &'a Reservation, group: GroupId, strategies: &'a [Strategy], tie_break: TieBreak) -> PlacementRequest<'a> {
    PlacementRequest { reservation, group, strategies, constraints: &[], requires_attributes: &[], tie_break }
}

fn small_task() -> Reservation {
    Reservation { cpu_units: 256, memory_mib: 512, dynamic_tcp_ports: 1, ..Reservation::default() }
}

/// Places `n` tasks with the reference and with the index (binding each), asserting that both
/// choose the same instances and draw the same random numbers; returns the choices.
fn place_both(cluster: &mut Cluster, req: &PlacementRequest, n: usize) -> Vec<Option<InstanceId>> {
    let mut index = PlacementIndex::new(cluster, req);
    let mut rng_ref = Streams::new(7).get("placement");
    let mut rng_idx = rng_ref.clone();
    let mut chosen = Vec::new();
    for _ in 0..n {
        let expected = placement::place(cluster, req, &mut rng_ref, false).instance();
        let got = index.place(cluster, &mut rng_idx);
        assert_eq!(got, expected);
        assert_eq!(rng_idx.get_word_pos(), rng_ref.get_word_pos(), "same draws as the reference");
        if let Some(id) = got {
            cluster.bind_task(id, req.group, req.reservation);
            index.instance_changed(cluster, id);
        }
        chosen.push(got);
    }
    chosen
}

#[test]
fn empty_zone_example_default_spread_with_one_zone_empty() {
    // i-1 (a), i-2 (a), i-3 (b); default chain, tie-break first: i-1, i-3, i-2, i-3, i-1.
    let mut cluster = Cluster::new("c");
    for zone in ["a", "a", "b"] {
        register(&mut cluster, zone, "m5.large", None);
    }
    let group = cluster.group_id("service:web");
    let strategies = Strategy::service_default();
    let r = small_task();
    let got = place_both(&mut cluster, &request(&r, group, &strategies, TieBreak::First), 5);
    assert_eq!(got, [0, 2, 1, 2, 0].map(|i| Some(InstanceId(i))));
}

#[test]
fn every_chain_ecs_accepts_is_indexed_and_longer_ones_fall_back_to_the_reference() {
    let mut cluster = Cluster::new("c");
    for i in 0..24 {
        let id = register(&mut cluster, ZONES[i % 3], "m5.large", Some(["x", "y"][i % 2]));
        for (n, attr) in ["a1", "a2", "a3", "a4", "a5", "a6"].iter().enumerate() {
            let value = format!("v{}", (i + n) % 3);
            cluster.instance_mut(id).attributes.insert(attr.to_string(), value);
        }
    }
    let group = cluster.group_id("service:web");
    let r = small_task();
    // Five distinct keys, local and class keys interleaved: indexed.
    let five = [
        Strategy::Binpack(BinpackField::Cpu),
        spread(AZ),
        Strategy::Binpack(BinpackField::Memory),
        Strategy::Spread(SpreadField::InstanceId),
        spread("team"),
    ];
    assert!(PlacementIndex::new(&cluster, &request(&r, group, &five, TieBreak::Random)).is_exact_fast_path());
    place_both(&mut cluster.clone(), &request(&r, group, &five, TieBreak::Random), 60);
    // Six spread attributes: more keys than ECS allows strategies, so the reference runs.
    let six: Vec<Strategy> = ["a1", "a2", "a3", "a4", "a5", "a6"].iter().map(|a| spread(a)).collect();
    let req = request(&r, group, &six, TieBreak::Random);
    assert!(!PlacementIndex::new(&cluster, &req).is_exact_fast_path());
    let got = place_both(&mut cluster, &req, 60);
    assert!(got.iter().all(Option::is_some));
}

/// Chi-square statistic of `counts` against a uniform distribution.
fn chi_square(counts: &[u32]) -> f64 {
    let total: u32 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts.iter().map(|&c| (c as f64 - expected).powi(2) / expected).sum()
}

#[test]
fn random_ties_across_classes_are_uniform() {
    // 10 instances over three zones; four of them (in zones a, b, c, a) have the least free
    // memory. binpack(memory) then spread(zone, all counts 0) leaves those four tied, spread
    // over three class trees.
    let mut cluster = Cluster::new("c");
    for i in 0..10 {
        let id = register(&mut cluster, ZONES[i % 3], "m5.large", None);
        cluster.instance_mut(id).remaining_memory_mib = if [0, 1, 2, 3].contains(&i) { 1024 } else { 4096 };
    }
    let group = cluster.group_id("service:web");
    let r = small_task();
    let strategies = [Strategy::Binpack(BinpackField::Memory), spread(AZ)];
    let req = request(&r, group, &strategies, TieBreak::Random);
    let mut index = PlacementIndex::new(&cluster, &req);
    let mut rng = Streams::new(1).get("placement");
    let mut counts = [0u32; 4];
    for _ in 0..8000 {
        let id = index.place(&cluster, &mut rng).expect("fits");
        counts[id.index()] += 1;
    }
    // df = 3: P(chi² > 16.27) = 0.001; the seed is fixed, so this cannot flake.
    assert!(chi_square(&counts) < 16.27, "picks {counts:?} are not uniform");
}

/// Past `SHARED_LAYOUT_CLASSES` classes each class keeps its own slots, and draws across tied
/// classes search by ordinal instead of one shared descent: the same instances either way.
/// 24 instances with `team` values 0..11 (two each, 12 classes: the switch happens while the
/// index is built); spread(team) then binpack(memory) with random ties leaves every class with
/// no task tied, so the first draws span all 12 classes; then instances change team, one moves
/// into a class it was never in below its members (a slot in the middle), and the draws go on
/// with the same index kept current.
#[test]
fn many_classes_keep_their_own_slots_and_draw_like_the_reference() {
    let mut cluster = Cluster::new("c");
    for i in 0..24 {
        register(&mut cluster, ZONES[i % 3], "m5.large", Some(&format!("team-{}", i % 12)));
    }
    let group = cluster.group_id("service:web");
    let r = small_task();
    let strategies = [spread("team"), Strategy::Binpack(BinpackField::Memory)];
    let req = request(&r, group, &strategies, TieBreak::Random);
    const { assert!(SHARED_LAYOUT_CLASSES < 12, "the classes outnumber the shared layout") };
    let mut index = PlacementIndex::new(&cluster, &req);
    let mut rng_ref = Streams::new(3).get("placement");
    let mut rng_idx = rng_ref.clone();
    let retags = [(23u32, "team-0"), (5, "team-new"), (0, "team-new"), (17, "team-new")];
    for round in 0..70usize {
        if let Some(&(i, team)) = retags.get(round.saturating_sub(30)) {
            cluster.instance_mut(InstanceId(i)).attributes.insert("team".into(), team.into());
            index.instance_changed(&cluster, InstanceId(i));
        }
        let expected = placement::place(&cluster, &req, &mut rng_ref, false).instance();
        let got = index.place(&cluster, &mut rng_idx);
        assert_eq!(got, expected, "round {round}");
        assert_eq!(rng_idx.get_word_pos(), rng_ref.get_word_pos(), "same draws as the reference");
        let id = got.expect("fits");
        cluster.bind_task(id, group, &r);
        index.instance_changed(&cluster, id);
    }
}

#[test]
fn random_strategy_in_the_chain_picks_uniformly_among_the_ties_before_it() {
    let mut cluster = Cluster::new("c");
    for i in 0..9 {
        register(&mut cluster, ZONES[i % 3], "m5.large", None);
    }
    let group = cluster.group_id("service:web");
    let r = small_task();
    // spread(zone) with every count 0 keeps all nine; random picks one; binpack is a no-op.
    let strategies = [spread(AZ), Strategy::Random, Strategy::Binpack(BinpackField::Memory)];
    let req = request(&r, group, &strategies, TieBreak::First);
    let mut index = PlacementIndex::new(&cluster, &req);
    let mut rng = Streams::new(3).get("placement");
    let mut counts = [0u32; 9];
    for _ in 0..9000 {
        counts[index.place(&cluster, &mut rng).expect("fits").index()] += 1;
    }
    // df = 8: P(chi² > 26.12) = 0.001.
    assert!(chi_square(&counts) < 26.12, "picks {counts:?} are not uniform");
    place_both(&mut cluster, &req, 40);
}

#[derive(Debug, Clone)]
struct InstanceSeed {
    zone: usize,
    large: bool,
    cpu_free_units: u32,
    memory_free_mib: u32,
    draining: bool,
    disconnected: bool,
    port_80_bound: bool,
    team: Option<u8>,
    own_tasks: u8,
    other_tasks: u8,
}

fn instance_seed() -> impl Gen<Value = InstanceSeed> {
    (
        (0..4usize, any::<bool>(), prop::sample::select(vec![0u32, 128, 256, 512, 1024, 2048])),
        (prop::sample::select(vec![0u32, 256, 512, 1024, 4096, 8028]), prop::bool::weighted(0.1), prop::bool::weighted(0.05)),
        (prop::bool::weighted(0.15), prop::option::weighted(0.7, 0..3u8), 0..3u8, 0..2u8),
    )
        .prop_map(|((zone, large, cpu), (memory, draining, disconnected), (port_80_bound, team, own_tasks, other_tasks))| {
            InstanceSeed {
                zone,
                large,
                cpu_free_units: cpu,
                memory_free_mib: memory,
                draining,
                disconnected,
                port_80_bound,
                team,
                own_tasks,
                other_tasks,
            }
        })
}

fn strategy_pool() -> impl Gen<Value = Strategy> {
    prop_oneof![
        3 => Just(Strategy::Binpack(BinpackField::Cpu)),
        3 => Just(Strategy::Binpack(BinpackField::Memory)),
        3 => Just(Strategy::Spread(SpreadField::InstanceId)),
        3 => Just(spread(AZ)),
        3 => Just(spread("team")),
        1 => Just(Strategy::Random),
    ]
}

/// One step of a history; indices are taken modulo the number of tasks or instances.
#[derive(Debug, Clone)]
enum Op {
    Place,
    /// A task (placed or pre-existing) reaches STOPPED.
    Release(usize),
    /// A task starts running (`runningTasksCount`).
    Start(usize),
    /// ACTIVE ↔ DRAINING.
    ToggleDrain(usize),
    /// PutAttributes / DeleteAttributes of `team`: the instance changes class.
    Retag(usize, Option<u8>),
    /// A task of another group lands on the instance (no resources, `task:group` changes).
    OtherGroupTask(usize),
    /// A new instance registers.
    Register(usize, bool),
}

fn op() -> impl Gen<Value = Op> {
    prop_oneof![
        12 => Just(Op::Place),
        2 => any::<usize>().prop_map(Op::Release),
        1 => any::<usize>().prop_map(Op::Start),
        1 => any::<usize>().prop_map(Op::ToggleDrain),
        1 => (any::<usize>(), prop::option::of(0..3u8)).prop_map(|(i, t)| Op::Retag(i, t)),
        1 => any::<usize>().prop_map(Op::OtherGroupTask),
        1 => (0..4usize, any::<bool>()).prop_map(|(z, l)| Op::Register(z, l)),
    ]
}

struct Task {
    instance: InstanceId,
    group: GroupId,
    reservation: Reservation,
    binding: Binding,
    running: bool,
}

fn team_name(t: u8) -> String {
    format!("team-{t}")
}

#[allow(clippy::too_many_arguments)]
fn index_matches_reference(
    seeds: Vec<InstanceSeed>,
    zones: usize,
    strategies: Vec<Strategy>,
    distinct_instance: bool,
    member_of: Option<usize>,
    requires_team: bool,
    (cpu_units, memory_mib, static_port, dynamic_port): (u32, u32, bool, bool),
    tie_break: TieBreak,
    ops: Vec<Op>,
    seed: u64,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let mut cluster = Cluster::new("prop");
    let group = cluster.group_id("service:web");
    let other = cluster.group_id("service:other");
    let marker = Reservation::default(); // group counts only
    let mut tasks: Vec<Task> = Vec::new();
    for s in &seeds {
        let team = s.team.map(team_name);
        let id = register(&mut cluster, ZONES[s.zone % zones], if s.large { "m5.xlarge" } else { "m5.large" }, team.as_deref());
        let inst = cluster.instance_mut(id);
        inst.remaining_cpu_units = s.cpu_free_units.min(inst.registered_cpu_units);
        inst.remaining_memory_mib = s.memory_free_mib.min(inst.registered_memory_mib);
        if s.draining {
            inst.status = InstanceStatus::Draining;
        }
        inst.agent_connected = !s.disconnected;
        if s.port_80_bound {
            inst.bound_tcp_ports.insert(80);
        }
        for (g, n) in [(group, s.own_tasks), (other, s.other_tasks)] {
            for _ in 0..n {
                let binding = cluster.bind_task(id, g, &marker);
                tasks.push(Task { instance: id, group: g, reservation: marker.clone(), binding, running: false });
            }
        }
    }
    let reservation = Reservation {
        cpu_units,
        memory_mib,
        static_tcp_ports: if static_port { vec![80] } else { vec![] },
        dynamic_tcp_ports: u16::from(dynamic_port),
        ..Reservation::default()
    };
    let mut constraints = Vec::new();
    if distinct_instance {
        constraints.push(Constraint::DistinctInstance);
    }
    // The second reads the task groups on the instance, of another group too.
    let member_of_expressions = ["attribute:ecs.instance-type == m5.large", "not(task:group == service:other)"];
    if let Some(e) = member_of {
        constraints.push(Constraint::parse("memberOf", Some(member_of_expressions[e % 2])).expect("valid"));
    }
    let requires_attributes = if requires_team { vec![RequiredAttribute { name: "team".into(), value: None }] } else { vec![] };
    let req = PlacementRequest {
        reservation: &reservation,
        group,
        strategies: &strategies,
        constraints: &constraints,
        requires_attributes: &requires_attributes,
        tie_break,
    };
    for inst in &cluster.instances {
        prop_assert_eq!(filter::passes(&cluster, inst, &req), filter::check(&cluster, inst, &req).is_ok());
    }

    let mut index = PlacementIndex::new(&cluster, &req);
    prop_assert!(index.is_exact_fast_path(), "chains ECS accepts are indexed");
    let mut rng_ref = Streams::new(seed).get("placement");
    let mut rng_idx = rng_ref.clone();
    for op in ops {
        let touched = match op {
            Op::Place => {
                let decision = placement::place(&cluster, &req, &mut rng_ref, true);
                let got = index.place(&cluster, &mut rng_idx);
                prop_assert_eq!(got, decision.instance());
                prop_assert_eq!(rng_idx.get_word_pos(), rng_ref.get_word_pos());
                let explanation = decision.explanation.as_ref().expect("explained");
                // Failure counts: the reference's rejections of ranked (ACTIVE) instances by reason.
                let mut expected = [0u32; FailureReason::ALL.len()];
                for (_, r) in explanation.rejected.iter().filter(|(_, r)| !matches!(r, filter::Rejection::NotActive { .. })) {
                    expected[r.reason().index()] += 1;
                }
                let counts = index.failure_counts(&cluster);
                prop_assert_eq!(FailureReason::ALL.map(|r| counts.get(r)), expected);
                let Some(id) = got else {
                    // Reason, closest instance and its rejection: all the reference's.
                    prop_assert_eq!(index.failure(&cluster), decision.outcome.clone());
                    continue;
                };
                let ties = &decision.explanation.as_ref().expect("explained").final_ties;
                prop_assert!(ties.contains(&id));
                let binding = cluster.bind_task(id, group, &reservation);
                tasks.push(Task { instance: id, group, reservation: reservation.clone(), binding, running: false });
                id
            }
            Op::Release(i) if !tasks.is_empty() => {
                let t = tasks.swap_remove(i % tasks.len());
                cluster.release_task(t.instance, t.group, &t.reservation, &t.binding, t.running);
                t.instance
            }
            Op::Start(i) if !tasks.is_empty() => {
                let n = tasks.len();
                let t = &mut tasks[i % n];
                if t.running {
                    continue;
                }
                t.running = true;
                cluster.task_started(t.instance);
                // What the simulation sends for a task starting: re-read only when it matters.
                index.task_started(&cluster, t.instance);
                continue;
            }
            Op::ToggleDrain(i) => {
                let id = InstanceId((i % cluster.instances.len()) as u32);
                let inst = cluster.instance_mut(id);
                inst.status = if inst.status == InstanceStatus::Active { InstanceStatus::Draining } else { InstanceStatus::Active };
                id
            }
            Op::Retag(i, team) => {
                let id = InstanceId((i % cluster.instances.len()) as u32);
                let attributes = &mut cluster.instance_mut(id).attributes;
                match team {
                    Some(t) => attributes.insert("team".into(), team_name(t)),
                    None => attributes.remove("team"),
                };
                id
            }
            Op::OtherGroupTask(i) => {
                let id = InstanceId((i % cluster.instances.len()) as u32);
                let binding = cluster.bind_task(id, other, &marker);
                tasks.push(Task { instance: id, group: other, reservation: marker.clone(), binding, running: false });
                id
            }
            Op::Register(zone, large) => {
                let id = register(&mut cluster, ZONES[zone % zones], if large { "m5.xlarge" } else { "m5.large" }, None);
                index.instance_added(&cluster, id);
                continue;
            }
            Op::Release(_) | Op::Start(_) => continue,
        };
        index.instance_changed(&cluster, touched);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random clusters, chains, constraints and histories: the index returns exactly what the
    /// reference returns and draws the same random numbers; when nothing fits, the same failed
    /// outcome (reason, closest instance, rejection); and per-reason counts equal to the
    /// reference's rejections.
    #[test]
    fn index_returns_exactly_what_the_reference_returns(
        seeds in prop::collection::vec(instance_seed(), 1..=60),
        zones in 1..=4usize,
        strategies in prop::collection::vec(strategy_pool(), 0..=5),
        distinct_instance in prop::bool::weighted(0.2),
        member_of in prop::option::weighted(0.3, 0..2usize),
        requires_team in prop::bool::weighted(0.15),
        task in (prop::sample::select(vec![128u32, 256, 512]), prop::sample::select(vec![256u32, 512, 1024]), prop::bool::weighted(0.2), any::<bool>()),
        first in any::<bool>(),
        ops in prop::collection::vec(op(), 1..=45),
        seed in any::<u64>(),
    ) {
        let tie_break = if first { TieBreak::First } else { TieBreak::Random };
        index_matches_reference(seeds, zones, strategies, distinct_instance, member_of, requires_team, task, tie_break, ops, seed)?;
    }
}

#[test]
fn failure_names_the_closest_instance_and_counts_reasons_like_run_task() {
    // Task: 256 CPU units, 512 MiB. i-0 (zone a) has 100 units free: fails CPU only; i-1
    // (zone b) has 100 MiB free: fails memory only. One failed check each, so the lowest
    // ordinal is closest: i-0, "RESOURCE:CPU"; RunTask's failures: one CPU, one MEMORY.
    let mut cluster = Cluster::new("c");
    let a = register(&mut cluster, "a", "m5.large", None);
    let b = register(&mut cluster, "b", "m5.large", None);
    cluster.instance_mut(a).remaining_cpu_units = 100;
    cluster.instance_mut(b).remaining_memory_mib = 100;
    let group = cluster.group_id("service:web");
    let r = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = [spread(AZ), Strategy::Binpack(BinpackField::Memory)];
    let req = request(&r, group, &strategies, TieBreak::First);
    let mut index = PlacementIndex::new(&cluster, &req);
    let mut rng = Streams::new(1).get("placement");
    assert_eq!(index.place(&cluster, &mut rng), None);
    let cpu = filter::Rejection::Cpu { remaining_units: 100, needed_units: 256 };
    assert_eq!(index.failure(&cluster), Outcome::Failed { reason: FailureReason::Cpu, closest: Some((a, cpu)) });
    let counts: Vec<(FailureReason, u32)> = index.failure_counts(&cluster).iter().collect();
    assert_eq!(counts, [(FailureReason::Cpu, 1), (FailureReason::Memory, 1)]);
    // i-0 drains: it is no longer ranked, so i-1 (memory) is closest and counted alone.
    cluster.instance_mut(a).status = InstanceStatus::Draining;
    index.instance_changed(&cluster, a);
    let memory = filter::Rejection::Memory { remaining_mib: 100, needed_mib: 512 };
    assert_eq!(index.failure(&cluster), Outcome::Failed { reason: FailureReason::Memory, closest: Some((b, memory)) });
    assert_eq!(index.failure_counts(&cluster).iter().collect::<Vec<_>>(), [(FailureReason::Memory, 1)]);
    // i-1's agent disconnects too: two failed checks, still the only ranked instance, and
    // its first failing check is the agent.
    cluster.instance_mut(b).agent_connected = false;
    index.instance_changed(&cluster, b);
    let agent = Outcome::Failed { reason: FailureReason::Agent, closest: Some((b, filter::Rejection::AgentDisconnected)) };
    assert_eq!(index.failure(&cluster), agent);
    // Both drained: no ACTIVE instance at all, ECS's "MISSING".
    cluster.instance_mut(b).status = InstanceStatus::Draining;
    index.instance_changed(&cluster, b);
    assert_eq!(index.failure(&cluster), Outcome::Failed { reason: FailureReason::NoInstances, closest: None });
    assert_eq!(index.failure_counts(&cluster), FailureCounts::default());
    // The reference agrees at each step; checked for the last one here (the property test
    // covers the rest).
    assert_eq!(placement::place(&cluster, &req, &mut rng, false).outcome, index.failure(&cluster));
}
