//! Scale: building a big cluster, loading the scale scenario, and one whole run of it.
//!
//! * `cluster_build/500k`: `Cluster::register` of 500,000 instances, the five types and three
//!   zones of `scenarios/bench/scale-500k.toml` (what loading that scenario spends on its cluster);
//!   throughput in instances per second.
//! * `load/scale-50k`: `api::load` of `scenarios/bench/scale-50k.toml` (TOML, validation, the
//!   50,000-instance cluster).
//! * `run/scale-50k`: `api::run_to_dir` of that scenario, everything `ecsim run` does after
//!   loading: 50,000 instances, about 100,000 standalone tasks over two simulated hours, every
//!   result file written (into a temporary directory); throughput in tasks submitted per second.
//!
//! The whole run takes seconds, so criterion takes 10 samples. Outside `cargo bench` (under
//! `cargo test --all-targets`, or `cargo bench --bench scale -- --test`) each case runs once on
//! a tenth of the size: 50,000 instances built, 10 simulated minutes run.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use ecsim::ecs::{instance_types, Cluster, InstanceSpec};
use ecsim::engine::Span;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Measured sizes under `cargo bench`; a tenth (and a short run) otherwise.
fn full_size() -> bool {
    std::env::args().any(|a| a == "--bench") && !std::env::args().any(|a| a == "--test")
}

const SCALE_50K: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/bench/scale-50k.toml");

/// The groups of scale-500k.toml: (type, count).
const GROUPS: [(&str, usize); 5] =
    [("m5.xlarge", 200_000), ("m6i.2xlarge", 100_000), ("c5.2xlarge", 80_000), ("r5.xlarge", 80_000), ("m5.large", 40_000)];
const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

fn build_cluster(divisor: usize) -> Cluster {
    let mut cluster = Cluster::new("scale");
    for (name, count) in GROUPS {
        let t = instance_types::lookup(name).expect("a known type");
        let specs: Vec<InstanceSpec> = ZONES
            .iter()
            .map(|zone| InstanceSpec {
                instance_type: t,
                availability_zone: zone.to_string(),
                os_memory_mib: None,
                reserved_memory_mib: 0,
                awsvpc_trunking: false,
                custom_attributes: BTreeMap::new(),
                registered_at_unix_s: 1_700_000_000,
                agent_version: "1.70.0".into(),
                price_usd_per_hour: None,
            })
            .collect();
        for i in 0..count / divisor {
            cluster.register(&specs[i % specs.len()]);
        }
    }
    cluster
}

fn bench(c: &mut Criterion) {
    let full = full_size();
    let divisor = if full { 1 } else { 10 };

    let mut g = c.benchmark_group("cluster_build");
    g.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(20));
    let instances: usize = GROUPS.iter().map(|(_, n)| n / divisor).sum();
    g.throughput(Throughput::Elements(instances as u64));
    g.bench_function(if full { "500k" } else { "50k" }, |b| {
        b.iter_with_large_drop(|| {
            let cluster = build_cluster(divisor);
            assert_eq!(cluster.instances.len(), instances);
            cluster
        })
    });
    g.finish();

    let mut g = c.benchmark_group("load");
    g.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(10));
    g.bench_function("scale-50k", |b| b.iter_with_large_drop(|| ecsim::api::load(Path::new(SCALE_50K)).expect("scale-50k loads")));
    g.finish();

    let mut scenario = ecsim::api::load(Path::new(SCALE_50K)).expect("scale-50k loads");
    if !full {
        scenario.duration = Span::from_secs(600);
    }
    let submitted = ecsim::api::run(&scenario, scenario.seed).summary.tasks.submitted;
    let mut g = c.benchmark_group("run");
    g.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(60));
    g.throughput(Throughput::Elements(submitted as u64));
    g.bench_function("scale-50k", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("a temporary directory"),
            |dir| {
                let summaries = ecsim::api::run_to_dir(&scenario, scenario.seed, &dir.path().join("r"), &mut |_| {})
                    .expect("the run writes its results");
                assert_eq!(summaries[0].tasks.submitted, submitted);
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
