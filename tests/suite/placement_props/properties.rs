//! The properties of placement on random cases (`case()` in this module's parent), each checked
//! on 256 cases: resources and ports are never over-committed, the choice passes the filter and
//! is among the best candidates of independent statements of the model's rules (written out
//! here from docs/ecs-model.md#placement-algorithm), placement is deterministic, and releasing
//! every task restores the registered resources.

use super::{case, case_with, ranges_with_reserved_inside, run, tie_break, Placed, PreState, Run};
use ecsim::ecs::cluster::Cluster;
use ecsim::ecs::instance::{ContainerInstance, InstanceId, InstanceStatus, PortSet, MAX_RESERVED_PORTS};
use ecsim::ecs::placement::{filter, BinpackField, Constraint, Outcome, PlacementRequest, SpreadField, Strategy as Rule, TieBreak};
use ecsim::engine::Streams;
use proptest::prelude::*;
use rand::seq::SliceRandom;
use std::collections::BTreeSet;

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
