//! Services at scale: a whole run that creates a REPLICA service, and one that also rolls it to
//! a new revision (docs/performance.md, "Services at scale").
//!
//! 2,000 m5.xlarge instances over three zones; a service of 1,000 tasks (256 CPU / 512 MiB,
//! one dynamic port) with the default strategy (AZ spread, then instance spread), start delay
//! 20 s. (a) `create`: CreateService, 5 simulated minutes. (b) `rolling-update`: the same, then
//! an UpdateService to revision 2 at minute 5 with minimumHealthyPercent 100 and maximumPercent
//! 200, 20 simulated minutes: 1,000 launches, 1,000 scale-in choices. Every placement goes
//! through the service's placement index, every choice through the indexed scale-in. The
//! bundled `scenarios/bench/service-5000-on-{10000,50000}.toml` are the issue's sizes, timed
//! as whole processes.
//!
//! `cargo bench --bench services -- --test` runs each case once on a small cluster.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use ecsim::api;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// The scenario: `instances` hosts, a service of `tasks`, and an UpdateService at minute 5 when
/// `update` (the run then lasts 20 minutes, else 5).
fn scenario(instances: usize, tasks: usize, update: bool) -> api::Scenario {
    let duration = if update { "20m" } else { "5m" };
    let mut text = format!(
        r#"
[scenario]
name = "bench-services"
duration = "{duration}"
seed = 1
explain_placements = false

[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.xlarge"
count = {instances}

[lifecycle]
start_delay = {{ distribution = "constant", value = "20s" }}

[[task_definitions]]
name = "web-v1"
family = "web"
revision = 1
cpu = 256
memory = 512
dynamic_ports = 1

[[task_definitions]]
name = "web-v2"
family = "web"
revision = 2
cpu = 256
memory = 512
dynamic_ports = 1

[[services]]
name = "web"
task_definition = "web-v1"
desired_count = {tasks}
deployment = {{ minimum_healthy_percent = 100, maximum_percent = 200 }}
"#
    );
    if update {
        text.push_str("\n[[actions]]\naction = \"update_service\"\nat = \"5m\"\nservice = \"web\"\ntask_definition = \"web-v2\"\n");
    }
    api::load_str(Path::new("bench-services.toml"), &text).expect("the bench scenario is valid")
}

fn bench(c: &mut Criterion) {
    let (instances, tasks) = if std::env::args().any(|a| a == "--test") { (60, 30) } else { (2_000, 1_000) };
    let mut group = c.benchmark_group("services");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(5));
    for (name, update) in [("create", false), ("rolling-update", true)] {
        let scenario = scenario(instances, tasks, update);
        group.bench_function(format!("{name}/{tasks}-tasks-on-{instances}"), |b| b.iter(|| black_box(api::run(&scenario, 1))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
