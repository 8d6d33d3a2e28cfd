//! Placement throughput: `PlacementIndex` against the reference `place`.
//!
//! 10,000 m5.xlarge instances (4096 CPU units, 16056 MiB) evenly over three zones; tasks of
//! 256 CPU / 512 MiB, group `service:web`, bridge mode with one dynamic port, placed one after
//! the other and bound after each, tie-break random:
//! (a) `[spread(zone), spread(instanceId)]`, (b) `[spread(zone), binpack(memory)]`,
//! (c) the default chain of (a) with `memberOf(attribute:ecs.instance-type =~ m5.*)`.
//! The index places 100,000 tasks per iteration; the reference, O(instances) per task and about
//! 10 ms per task at this size, places 200 on the same cluster (case a). Throughput is in
//! placements per second.
//!
//! Failures (`placement_failures`): the same instances full, W2's chain; the index answers each
//! failure (reason and closest match) as the reference does, which scans and ranks every
//! instance per task.
//!
//! `cargo bench --bench placement -- --test` runs every case once on a small cluster.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use ecsim::ecs::instance_types;
use ecsim::ecs::placement::index::PlacementIndex;
use ecsim::ecs::placement::{self, BinpackField, Constraint, PlacementRequest, SpreadField, Strategy, TieBreak};
use ecsim::ecs::{Cluster, GroupId, InstanceSpec, Reservation};
use ecsim::engine::Streams;
use std::time::Duration;

/// Sizes of one run: full for measurement, small under `--test`.
struct Sizes {
    instances: usize,
    index_tasks: usize,
    reference_tasks: usize,
}

fn sizes() -> Sizes {
    if std::env::args().any(|a| a == "--test") {
        Sizes { instances: 300, index_tasks: 3_000, reference_tasks: 100 }
    } else {
        Sizes { instances: 10_000, index_tasks: 100_000, reference_tasks: 200 }
    }
}

fn cluster(instances: usize) -> (Cluster, GroupId) {
    let mut cluster = Cluster::new("bench");
    let m5 = instance_types::lookup("m5.xlarge").expect("m5.xlarge is a known type");
    for i in 0..instances {
        cluster.register(&InstanceSpec {
            instance_type: m5,
            availability_zone: ["us-east-1a", "us-east-1b", "us-east-1c"][i % 3].to_string(),
            os_memory_mib: None,
            reserved_memory_mib: 0,
            awsvpc_trunking: false,
            custom_attributes: Default::default(),
            registered_at_unix_s: 0,
            agent_version: "1.70.0".into(),
            price_usd_per_hour: None,
        });
    }
    let group = cluster.group_id("service:web");
    (cluster, group)
}

struct Case {
    name: &'static str,
    strategies: Vec<Strategy>,
    constraints: Vec<Constraint>,
}

fn cases() -> Vec<Case> {
    let zone = || Strategy::Spread(SpreadField::Attribute("ecs.availability-zone".into()));
    vec![
        Case { name: "a_spread_zone_instance", strategies: Strategy::service_default(), constraints: vec![] },
        Case {
            name: "b_spread_zone_binpack_memory",
            strategies: vec![zone(), Strategy::Binpack(BinpackField::Memory)],
            constraints: vec![],
        },
        Case {
            name: "c_member_of_default_spread",
            strategies: Strategy::service_default(),
            constraints: vec![Constraint::parse("memberOf", Some("attribute:ecs.instance-type =~ m5.*")).expect("valid expression")],
        },
    ]
}

fn bench_placement(c: &mut Criterion) {
    let sizes = sizes();
    let (base, group) = cluster(sizes.instances);
    assert_eq!(base.instance(ecsim::ecs::InstanceId(0)).remaining_memory_mib, 16056);
    let reservation = Reservation { cpu_units: 256, memory_mib: 512, dynamic_tcp_ports: 1, ..Reservation::default() };
    let mut g = c.benchmark_group("placement");
    g.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));

    for case in cases() {
        let req = PlacementRequest {
            reservation: &reservation,
            group,
            strategies: &case.strategies,
            constraints: &case.constraints,
            requires_attributes: &[],
            tie_break: TieBreak::Random,
        };
        g.throughput(Throughput::Elements(sizes.index_tasks as u64));
        g.bench_function(format!("index/{}", case.name), |b| {
            b.iter_batched(
                || {
                    let cluster = base.clone();
                    let index = PlacementIndex::new(&cluster, &req);
                    assert!(index.is_exact_fast_path());
                    (cluster, index, Streams::new(1).get("placement"))
                },
                |(mut cluster, mut index, mut rng)| {
                    for _ in 0..sizes.index_tasks {
                        let id = index.place(&cluster, &mut rng).expect("the cluster has room for every task");
                        cluster.bind_task(id, group, &reservation);
                        index.instance_changed(&cluster, id);
                    }
                    (cluster, index)
                },
                BatchSize::PerIteration,
            )
        });
    }

    // The reference on the same cluster, fewer tasks: it scans every instance per task.
    let case = &cases()[0];
    let req = PlacementRequest {
        reservation: &reservation,
        group,
        strategies: &case.strategies,
        constraints: &case.constraints,
        requires_attributes: &[],
        tie_break: TieBreak::Random,
    };
    g.throughput(Throughput::Elements(sizes.reference_tasks as u64));
    g.bench_function(format!("reference/{}", case.name), |b| {
        b.iter_batched(
            || (base.clone(), Streams::new(1).get("placement")),
            |(mut cluster, mut rng)| {
                for _ in 0..sizes.reference_tasks {
                    let id = placement::place(&cluster, &req, &mut rng, false).instance().expect("the cluster has room for every task");
                    cluster.bind_task(id, group, &reservation);
                }
                cluster
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// W2's failures: the same cluster full (every instance left with 256 MiB and 100..4000 CPU
/// units), tasks of 256 CPU / 512 MiB under `[spread(zone), binpack(memory)]`, none fits. Per
/// task the index re-reads one instance (as after another workload's placement), finds no
/// candidate and answers the failure (reason and closest instance); the reference scans every
/// instance and then ranks them all for the closest match.
fn bench_failures(c: &mut Criterion) {
    let sizes = sizes();
    let (mut full, group) = cluster(sizes.instances);
    for (i, inst) in full.instances.iter_mut().enumerate() {
        inst.remaining_memory_mib = 256;
        inst.remaining_cpu_units = 100 + (i as u32 * 37) % 3900;
    }
    let reservation = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = cases()[1].strategies.clone();
    let req = PlacementRequest {
        reservation: &reservation,
        group,
        strategies: &strategies,
        constraints: &[],
        requires_attributes: &[],
        tie_break: TieBreak::First,
    };
    let mut g = c.benchmark_group("placement_failures");
    g.sample_size(10).sampling_mode(SamplingMode::Flat).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    // The closest match: memory fails everywhere; CPU also fails where 100 + 37·i mod 3900 < 256,
    // i.e. i = 0..4 (100, 137, 174, 211, 248 units). Instance 5 (285 units) fails memory
    // alone: RESOURCE:MEMORY on instance 5, for both.
    let expected = placement::place(&full, &req, &mut Streams::new(1).get("placement"), false).outcome;
    let memory = placement::Rejection::Memory { remaining_mib: 256, needed_mib: 512 };
    let closest = Some((ecsim::ecs::InstanceId(5), memory));
    assert_eq!(expected, placement::Outcome::Failed { reason: placement::FailureReason::Memory, closest });
    let mut index = PlacementIndex::new(&full, &req);
    assert_eq!(index.failure(&full), expected, "index and reference agree");
    assert_eq!(index.place(&full, &mut Streams::new(1).get("placement")), None);

    g.throughput(Throughput::Elements(sizes.index_tasks as u64));
    g.bench_function("index/w2_full_cluster", |b| {
        b.iter(|| {
            let mut rng = Streams::new(1).get("placement");
            let mut failed = 0;
            for t in 0..sizes.index_tasks {
                index.instance_changed(&full, ecsim::ecs::InstanceId((t % sizes.instances) as u32));
                if index.place(&full, &mut rng).is_none() {
                    failed += usize::from(matches!(index.failure(&full), placement::Outcome::Failed { .. }));
                }
            }
            assert_eq!(failed, sizes.index_tasks);
        })
    });
    g.throughput(Throughput::Elements(sizes.reference_tasks as u64));
    g.bench_function("reference/w2_full_cluster", |b| {
        b.iter(|| {
            let mut rng = Streams::new(1).get("placement");
            for _ in 0..sizes.reference_tasks {
                let outcome = placement::place(&full, &req, &mut rng, false).outcome;
                assert!(matches!(outcome, placement::Outcome::Failed { .. }));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench_placement, bench_failures);
criterion_main!(benches);
