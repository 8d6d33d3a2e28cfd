//! Tests of `scale_in`: worked examples, and the indexed selection against the step-by-step
//! algorithm it replaced (kept here as `oracle`), same tasks, same order, same draws.

use super::*;
use crate::ecs::cluster::InstanceSpec;
use crate::ecs::instance::InstanceId;
use crate::ecs::instance_types;
use crate::engine::Streams;
use std::collections::BTreeSet;

const AZ: &str = "ecs.availability-zone";

fn az_spread() -> Vec<Strategy> {
    vec![Strategy::Spread(SpreadField::Attribute(AZ.into()))]
}

/// A cluster of m5.large instances, one per zone name given.
fn cluster(zones: &[&str]) -> Cluster {
    let mut cluster = Cluster::new("test");
    for zone in zones {
        cluster.register(&InstanceSpec {
            instance_type: instance_types::lookup("m5.large").expect("known type"),
            availability_zone: zone.to_string(),
            os_memory_mib: None,
            reserved_memory_mib: 0,
            awsvpc_trunking: false,
            custom_attributes: BTreeMap::new(),
            registered_at_unix_s: 0,
            agent_version: "1.70.0".into(),
            price_usd_per_hour: None,
        });
    }
    cluster
}

fn healthy_task(id: u32, instance: u32) -> TaskView {
    TaskView {
        id,
        instance: InstanceId(instance),
        deployment: 0,
        last_status: LastStatus::Running,
        desired_running: true,
        healthy: true,
        unhealthy: false,
        on_draining_instance: false,
        protected: false,
    }
}

/// Healthy tasks, ids from 0, on the given instances.
fn tasks_on(instances: &[u32]) -> Vec<TaskView> {
    instances.iter().enumerate().map(|(id, &i)| healthy_task(id as u32, i)).collect()
}

fn all_ids(tasks: &[TaskView]) -> Vec<u32> {
    tasks.iter().map(|t| t.id).collect()
}

fn request(strategies: &[Strategy], tie_break: TieBreak) -> ScaleInRequest<'_> {
    ScaleInRequest { strategies, tie_break, task_cpu_units: 256, task_memory_mib: 1024 }
}

fn rng(seed: u64) -> StreamRng {
    Streams::new(seed).get("scalein")
}

fn zone_of<'a>(cluster: &'a Cluster, tasks: &[TaskView], id: u32) -> &'a str {
    let task = tasks.iter().find(|t| t.id == id).expect("known task");
    &cluster.instance(task.instance).availability_zone
}

/// docs/ecs-model.md#example-scale-in-spread's cluster: AZ a has 3 tasks (2 on i-0, 1 on i-1), b 2 (i-2), c 1 (i-3).
fn scale_in_spread_example() -> (Cluster, Vec<TaskView>) {
    (cluster(&["a", "a", "b", "c"]), tasks_on(&[0, 0, 1, 2, 2, 3]))
}

#[test]
fn scale_in_spread_example_spread_az_stops_a_task_of_the_fullest_az_at_random() {
    let (cluster, tasks) = scale_in_spread_example();
    let strategies = az_spread();
    let mut seen = BTreeSet::new();
    for seed in 0..40 {
        let picked = select(&cluster, &tasks, &all_ids(&tasks), 1, &request(&strategies, TieBreak::Random), &mut rng(seed));
        assert_eq!(picked.len(), 1);
        assert_eq!(zone_of(&cluster, &tasks, picked[0]), "a", "seed {seed}");
        seen.insert(picked[0]);
    }
    assert_eq!(seen, BTreeSet::from([0, 1, 2]), "the task inside AZ a is random");
    let first = select(&cluster, &tasks, &all_ids(&tasks), 1, &request(&strategies, TieBreak::First), &mut rng(0));
    assert_eq!(first, vec![0]);
}

#[test]
fn counts_are_recomputed_after_each_pick() {
    // a 3, b 2, c 1 minus 3 tasks → 1, 1, 1 whatever the draws.
    let (cluster, tasks) = scale_in_spread_example();
    let strategies = az_spread();
    for seed in 0..20 {
        let picked = select(&cluster, &tasks, &all_ids(&tasks), 3, &request(&strategies, TieBreak::Random), &mut rng(seed));
        let mut left: BTreeMap<&str, u32> = BTreeMap::new();
        for t in tasks.iter().filter(|t| !picked.contains(&t.id)) {
            *left.entry(zone_of(&cluster, &tasks, t.id)).or_insert(0) += 1;
        }
        assert_eq!(left, BTreeMap::from([("a", 1), ("b", 1), ("c", 1)]), "seed {seed}");
    }
}

#[test]
fn scale_in_binpack_example_binpack_stops_the_task_on_the_emptiest_host() {
    // Tasks reserve 1024 MiB. i-1 (index 0) 512 MiB left, 2 tasks; i-2 3072, 1 task; i-3 0, 3.
    let mut cluster = cluster(&["a", "a", "a"]);
    for (i, remaining_mib) in [512, 3072, 0].into_iter().enumerate() {
        cluster.instances[i].remaining_memory_mib = remaining_mib;
    }
    let tasks = tasks_on(&[0, 0, 1, 2, 2, 2]);
    let strategies = [Strategy::Binpack(BinpackField::Memory)];
    let req = request(&strategies, TieBreak::Random);
    let one = select(&cluster, &tasks, &all_ids(&tasks), 1, &req, &mut rng(1));
    assert_eq!(one, vec![2], "i-2 would have 4096 MiB free (i-1 1536, i-3 1024)");
    // The second pick: i-2 is empty now; i-1 would have 1536, i-3 1024 → i-1.
    let two = select(&cluster, &tasks, &all_ids(&tasks), 2, &req, &mut rng(1));
    assert_eq!(two[0], 2);
    assert!(two[1] == 0 || two[1] == 1, "a task on i-1: {two:?}");
    // Third: i-1 would have 512 + 2 × 1024 = 2560 with both its tasks gone → i-1 again.
    let three = select(&cluster, &tasks, &all_ids(&tasks), 3, &req, &mut rng(1));
    let on_i1: BTreeSet<u32> = three[1..].iter().copied().collect();
    assert_eq!(on_i1, BTreeSet::from([0, 1]));
}

#[test]
fn protected_tasks_are_never_chosen_and_k_may_be_unreachable() {
    let (cluster, mut tasks) = scale_in_spread_example();
    for t in tasks.iter_mut().filter(|t| t.id != 4) {
        t.protected = true;
    }
    let strategies = az_spread();
    let picked = select(&cluster, &tasks, &all_ids(&tasks), 2, &request(&strategies, TieBreak::First), &mut rng(0));
    assert_eq!(picked, vec![4], "only the unprotected task; the caller reports the shortfall");
}

#[test]
fn not_running_then_unhealthy_then_warming_up_then_healthy() {
    // The healthy tasks sit in the fullest AZ, the pending one alone in AZ c: class beats
    // strategy.
    let (cluster, mut tasks) = scale_in_spread_example();
    tasks[5].last_status = LastStatus::Pending; // AZ c
    tasks[5].healthy = false;
    tasks[3].unhealthy = true; // AZ b
    tasks[3].healthy = false;
    tasks[4].healthy = false; // AZ b, RUNNING, no verdict yet
    let strategies = az_spread();
    let picked = select(&cluster, &tasks, &all_ids(&tasks), 4, &request(&strategies, TieBreak::First), &mut rng(0));
    assert_eq!(picked, vec![5, 3, 4, 0]);
}

#[test]
fn no_strategy_means_fullest_az_then_fullest_instance() {
    // AZ a: i-0 1 task, i-1 2 tasks; AZ b: i-2 2 tasks; AZ c: i-3 1 task.
    let cluster = cluster(&["a", "a", "b", "c"]);
    let tasks = tasks_on(&[0, 1, 1, 2, 2, 3]);
    for seed in 0..10 {
        let picked = select(&cluster, &tasks, &all_ids(&tasks), 1, &request(&[], TieBreak::Random), &mut rng(seed));
        assert!(picked == vec![1] || picked == vec![2], "a task on i-1 (AZ a), got {picked:?}");
    }
}

#[test]
fn spread_counts_every_service_task_not_only_candidates() {
    // AZ a holds 3 tasks that are not candidates (e.g. new-deployment tasks), b 2 and c 1
    // candidates: among the candidates' AZs, b has more service tasks than c.
    let (cluster, mut tasks) = scale_in_spread_example();
    let strategies = az_spread();
    let candidates = [3, 4, 5];
    let picked = select(&cluster, &tasks, &candidates, 1, &request(&strategies, TieBreak::First), &mut rng(0));
    assert_eq!(picked, vec![3]);
    // Tasks already being stopped do not count: with both b tasks stopping but still listed,
    // only c's task is a candidate left.
    tasks[3].desired_running = false;
    tasks[4].desired_running = false;
    let picked = select(&cluster, &tasks, &candidates, 2, &request(&strategies, TieBreak::First), &mut rng(0));
    assert_eq!(picked, vec![5]);
}

#[test]
fn random_strategy_picks_one_candidate() {
    let (cluster, tasks) = scale_in_spread_example();
    let strategies = [Strategy::Random];
    let seen: BTreeSet<u32> = (0..60)
        .map(|seed| select(&cluster, &tasks, &all_ids(&tasks), 1, &request(&strategies, TieBreak::First), &mut rng(seed))[0])
        .collect();
    assert_eq!(seen.len(), tasks.len(), "every task can be drawn");
}

#[test]
fn same_seed_same_choice_whatever_the_candidate_order() {
    let (cluster, tasks) = scale_in_spread_example();
    let strategies = [Strategy::Spread(SpreadField::InstanceId)];
    let req = request(&strategies, TieBreak::Random);
    let ids = all_ids(&tasks);
    let reversed: Vec<u32> = ids.iter().rev().copied().collect();
    let mut distinct = BTreeSet::new();
    for seed in 0..20 {
        let a = select(&cluster, &tasks, &ids, 4, &req, &mut rng(seed));
        let b = select(&cluster, &tasks, &reversed, 4, &req, &mut rng(seed));
        assert_eq!(a, b);
        assert_eq!(a, select(&cluster, &tasks, &ids, 4, &req, &mut rng(seed)));
        distinct.insert(a);
    }
    assert!(distinct.len() > 1, "the seed matters");
}

/// A strategy of an inverted chain: every kind, over attributes with few values (ties), and
/// one every instance lacks.
fn strategy_pool() -> impl proptest::strategy::Strategy<Value = Strategy> {
    use proptest::prelude::{prop_oneof, Just};
    prop_oneof![
        Just(Strategy::Spread(SpreadField::Attribute(AZ.into()))),
        Just(Strategy::Spread(SpreadField::Attribute("rack".into()))),
        Just(Strategy::Spread(SpreadField::Attribute("absent".into()))),
        Just(Strategy::Spread(SpreadField::InstanceId)),
        Just(Strategy::Binpack(BinpackField::Cpu)),
        Just(Strategy::Binpack(BinpackField::Memory)),
        Just(Strategy::Random),
    ]
}

/// One task: its instance, status and health, whether it is a candidate; ids are its position.
type TaskSeed = (u32, u8, bool, bool, bool, bool);

fn view(id: u32, (instance, status, healthy, unhealthy, desired_running, protected): TaskSeed, instances: u32) -> TaskView {
    let last_status = match status % 5 {
        0 => LastStatus::Pending,
        1 => LastStatus::Stopped,
        _ => LastStatus::Running,
    };
    TaskView {
        id: id * 3, // sparse ids, as a service's tasks are among the run's
        instance: InstanceId(instance % instances),
        deployment: 0,
        last_status,
        desired_running: desired_running || status % 7 != 0,
        healthy,
        unhealthy,
        on_draining_instance: false,
        protected: protected && status % 3 == 0,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

    /// Random services, clusters and chains: the indexed selection chooses exactly the tasks
    /// the step-by-step algorithm chooses, in the same order, and leaves the stream where it
    /// leaves it (the next draw is the same).
    #[test]
    fn select_chooses_what_the_step_by_step_algorithm_chooses(
        zones in proptest::collection::vec(0..3u8, 1..=12),
        racks in proptest::collection::vec(0..2u8, 12),
        remaining_mib in proptest::collection::vec(0..4u32, 12),
        seeds in proptest::collection::vec((0..12u32, 0..10u8, proptest::bool::ANY, proptest::bool::weighted(0.2), proptest::bool::weighted(0.9), proptest::bool::weighted(0.3)), 0..40),
        candidate_mask in proptest::collection::vec(proptest::bool::weighted(0.7), 40),
        strategies in proptest::collection::vec(strategy_pool(), 0..=4),
        k in 0..45u32,
        first in proptest::bool::ANY,
        seed in 0..1000u64,
    ) {
        let names: Vec<&str> = zones.iter().map(|z| ["a", "b", "c"][*z as usize]).collect();
        let mut cluster = cluster(&names);
        for (i, inst) in cluster.instances.iter_mut().enumerate() {
            inst.remaining_memory_mib = remaining_mib[i] * 1024;
            inst.remaining_cpu_units = (remaining_mib[(i + 5) % 12] % 3) * 512;
            if racks[i] == 1 {
                inst.attributes.insert("rack".into(), format!("r{}", i % 2));
            }
        }
        let n = cluster.instances.len() as u32;
        let tasks: Vec<TaskView> = seeds.iter().enumerate().map(|(id, s)| view(id as u32, *s, n)).collect();
        let candidates: Vec<u32> = tasks.iter().zip(&candidate_mask).filter(|(_, c)| **c).map(|(t, _)| t.id).collect();
        let tie_break = if first { TieBreak::First } else { TieBreak::Random };
        let req = request(&strategies, tie_break);
        let (mut fast_rng, mut oracle_rng) = (rng(seed), rng(seed));
        let fast = select(&cluster, &tasks, &candidates, k, &req, &mut fast_rng);
        let expected = oracle::select(&cluster, &tasks, &candidates, k, &req, &mut oracle_rng);
        proptest::prop_assert_eq!(fast, expected);
        proptest::prop_assert_eq!(fast_rng.gen_range(0..1_000_000u32), oracle_rng.gen_range(0..1_000_000u32));
    }
}

/// The step-by-step selection `select` replaced, kept as its oracle: per pick, the best
/// preference class, then each inverted strategy narrowing the ties, recounting everything.
mod oracle {
    use super::super::{counts_for_spread, preference, ScaleInRequest};
    use crate::ecs::cluster::Cluster;
    use crate::ecs::instance::InstanceId;
    use crate::ecs::placement::strategy::binpack_key;
    use crate::ecs::placement::{BinpackField, SpreadField, Strategy, TieBreak};
    use crate::ecs::scheduler::TaskView;
    use crate::engine::StreamRng;
    use rand::Rng;
    use std::collections::BTreeMap;

    /// Chooses up to `k` tasks to stop among `candidates` (task ids), in the order chosen.
    ///
    /// `tasks` is every task of the service (all deployments); the spread counts come from it — the
    /// service's tasks with `desiredStatus = RUNNING` that are not STOPPED — rather than from the
    /// cluster's group counts, so that tasks already chosen by this call stop counting. Candidates
    /// that are unknown, protected, already being stopped or STOPPED are skipped. When that leaves
    /// fewer than `k`, fewer are returned: the caller emits the docs/ecs-model.md#scale-in "protected tasks" event.
    pub(super) fn select(
        cluster: &Cluster,
        tasks: &[TaskView],
        candidates: &[u32],
        k: u32,
        req: &ScaleInRequest,
        rng: &mut StreamRng,
    ) -> Vec<u32> {
        let by_id: BTreeMap<u32, &TaskView> = tasks.iter().map(|t| (t.id, t)).collect();
        // Kept in task-id order: random draws index into it and `First` takes its head, so the
        // answer does not depend on the order the caller listed candidates in.
        let mut pool: Vec<&TaskView> =
            candidates.iter().filter_map(|id| by_id.get(id).copied()).filter(|t| counts_for_spread(t) && !t.protected).collect();
        pool.sort_unstable_by_key(|t| t.id);
        pool.dedup_by_key(|t| t.id);

        let mut service_tasks_per_instance: BTreeMap<InstanceId, u64> = BTreeMap::new();
        for t in tasks.iter().filter(|t| counts_for_spread(t)) {
            *service_tasks_per_instance.entry(t.instance).or_insert(0) += 1;
        }
        let mut chosen_per_instance: BTreeMap<InstanceId, u64> = BTreeMap::new();

        let default_strategies;
        let strategies = if req.strategies.is_empty() {
            // docs/ecs-model.md#scale-in: "prefer instances in the AZ with the most service tasks, then instances with the
            // most service tasks" — the inverse of the REPLICA placement default.
            default_strategies = Strategy::service_default();
            &default_strategies[..]
        } else {
            req.strategies
        };

        let mut chosen = Vec::with_capacity(k as usize);
        while chosen.len() < k as usize && !pool.is_empty() {
            let best_class = pool.iter().map(|t| preference(t)).min().expect("pool is not empty");
            // Indices into `pool`, ascending, hence in task-id order.
            let mut ties: Vec<usize> = (0..pool.len()).filter(|&i| preference(pool[i]) == best_class).collect();
            let counts =
                Counts { cluster, service_tasks_per_instance: &service_tasks_per_instance, chosen_per_instance: &chosen_per_instance };
            for strategy in strategies {
                if ties.len() <= 1 {
                    break;
                }
                narrow_inverted(&counts, &pool, strategy, req, &mut ties, rng);
            }
            let pick = match (ties.len(), req.tie_break) {
                (1, _) | (_, TieBreak::First) => ties[0],
                (n, TieBreak::Random) => ties[rng.gen_range(0..n)],
            };
            let task = pool.remove(pick);
            if let Some(n) = service_tasks_per_instance.get_mut(&task.instance) {
                *n -= 1;
            }
            *chosen_per_instance.entry(task.instance).or_insert(0) += 1;
            chosen.push(task.id);
        }
        chosen
    }

    /// The counts the inverted strategies read, as of the current pick.
    struct Counts<'a> {
        cluster: &'a Cluster,
        /// Service tasks (counted as by spread) per instance, minus the tasks chosen so far.
        service_tasks_per_instance: &'a BTreeMap<InstanceId, u64>,
        /// Tasks chosen so far per instance: their reservations come back too.
        chosen_per_instance: &'a BTreeMap<InstanceId, u64>,
    }

    /// Keeps in `ties` the tasks the inverted strategy likes best: the largest spread count, the
    /// most remaining after termination, or one random task.
    fn narrow_inverted(
        counts: &Counts,
        pool: &[&TaskView],
        strategy: &Strategy,
        req: &ScaleInRequest,
        ties: &mut Vec<usize>,
        rng: &mut StreamRng,
    ) {
        let instance_of = |i: &usize| pool[*i].instance;
        let scores: Vec<u64> = match strategy {
            Strategy::Random => {
                let keep = ties[rng.gen_range(0..ties.len())];
                ties.clear();
                ties.push(keep);
                return;
            }
            Strategy::Spread(SpreadField::InstanceId) => {
                ties.iter().map(|i| counts.service_tasks_per_instance.get(&instance_of(i)).copied().unwrap_or(0)).collect()
            }
            Strategy::Spread(SpreadField::Attribute(name)) => {
                // Service tasks per attribute value; instances lacking the attribute share one
                // "absent" bucket, as in placement (docs/ecs-model.md#placement-algorithm, ecsim's choice).
                let mut per_value: BTreeMap<Option<&str>, u64> = BTreeMap::new();
                for (&instance, &n) in counts.service_tasks_per_instance {
                    *per_value.entry(attribute(counts.cluster, instance, name)).or_insert(0) += n;
                }
                ties.iter().map(|i| per_value.get(&attribute(counts.cluster, instance_of(i), name)).copied().unwrap_or(0)).collect()
            }
            Strategy::Binpack(field) => {
                let per_task = match field {
                    BinpackField::Cpu => req.task_cpu_units,
                    BinpackField::Memory => req.task_memory_mib,
                } as u64;
                ties.iter()
                    .map(|i| {
                        let instance = instance_of(i);
                        // This task and every one already chosen on the instance give theirs back.
                        let leaving = counts.chosen_per_instance.get(&instance).copied().unwrap_or(0) + 1;
                        binpack_key(counts.cluster.instance(instance), *field) + per_task * leaving
                    })
                    .collect()
            }
        };
        let best = scores.iter().copied().max().unwrap_or(0);
        let kept: Vec<usize> = ties.iter().zip(&scores).filter(|&(_, &score)| score == best).map(|(&i, _)| i).collect();
        *ties = kept;
    }

    fn attribute<'a>(cluster: &'a Cluster, instance: InstanceId, name: &str) -> Option<&'a str> {
        cluster.instance(instance).attributes.get(name).map(String::as_str)
    }
}
