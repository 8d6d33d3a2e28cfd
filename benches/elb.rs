//! Request-queueing throughput of the ELB core (`ecsim::elb::bench_model`).
//!
//! 100 targets with one worker each, exponential service (mean 10 ms), Poisson arrivals at
//! ρ = 0.8 (8,000 requests/s), round robin; one iteration runs 1,000,000 requests (2,000,000
//! heap events: arrival and completion). Throughput is in events per second.
//!
//! `w1_random_100_targets_rho_0.8` is the model with W1's shape (`../shared/bench/WORKLOADS.md`):
//! 100 targets, one worker each, exponential service of mean 100 ms, ρ = 0.8 (800 requests/s),
//! random routing; 1,000,000 requests per iteration.
//!
//! `whole_sim_alb_100_targets` runs the same load through the whole simulator
//! (`scenarios/bench/alb-100-targets.toml`, 2 simulated minutes: the service's 100 tasks start,
//! register and pass their first health check, then 8,000 requests/s go through the listener,
//! the target group's round robin and the tasks' queues); throughput is the events the run
//! handled per second, result files not included.
//!
//! `cargo bench --bench elb -- --test` runs one small iteration of each.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ecsim::elb::bench_model::{run, Algorithm, ModelConfig};
use ecsim::engine::Span;
use ecsim::workload::distribution::Distribution;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn config(requests: u64) -> ModelConfig {
    ModelConfig {
        targets: 100,
        concurrency: 1,
        arrival_rate: 0.8 * 100.0 / 0.010,
        service: Distribution::Exponential { mean: Span::from_millis(10) },
        algorithm: Algorithm::RoundRobin,
        queue_limit: None,
        requests,
        warmup: 0,
        seed: 1,
    }
}

fn bench(c: &mut Criterion) {
    let requests = if std::env::args().any(|a| a == "--test") { 10_000 } else { 1_000_000 };
    let cfg = config(requests);
    let mut group = c.benchmark_group("elb");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(2 * requests));
    group.bench_function("round_robin_100_targets_rho_0.8", |b| b.iter(|| black_box(run(black_box(&cfg)).events)));
    let w1 = ModelConfig {
        arrival_rate: 0.8 * 100.0 / 0.100,
        service: Distribution::Exponential { mean: Span::from_millis(100) },
        algorithm: Algorithm::Random,
        ..config(requests)
    };
    group.bench_function("w1_random_100_targets_rho_0.8", |b| b.iter(|| black_box(run(black_box(&w1)).events)));

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench/alb-100-targets.toml");
    let mut scenario = ecsim::scenario::load(&path).expect("the bench scenario loads");
    scenario.duration = if std::env::args().any(|a| a == "--test") { Span::from_secs(10) } else { Span::from_secs(120) };
    let events = ecsim::sim::run(&scenario, scenario.seed).events_handled;
    group.throughput(Throughput::Elements(events));
    group.bench_function("whole_sim_alb_100_targets", |b| b.iter(|| black_box(ecsim::sim::run(black_box(&scenario), 1).events_handled)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
