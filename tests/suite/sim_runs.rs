//! Whole simulations through the library: the placement index changes nothing, the model's
//! invariants hold after every event, and submitted = placed + failed + waiting.

use crate::common::{load, repo};
use ecsim::scenario;
use ecsim::sim::{self, RunOptions};

#[test]
fn placement_index_gives_the_same_run_as_the_reference() {
    for file in ["scenarios/quickstart.toml", "scenarios/lessons/console-templates.toml"] {
        let base = load(file);
        let variants: Vec<_> =
            if base.variants.is_empty() { vec![base.clone()] } else { base.variants.iter().map(|v| base.with_variant(v)).collect() };
        for s in variants {
            let mut reference = s.clone();
            reference.explain_placements = true; // explained runs use the reference `place`
            let mut indexed = s.clone();
            indexed.explain_placements = false; // unexplained runs use the PlacementIndex
            let a = sim::run(&reference, 5);
            let b = sim::run(&indexed, 5);
            // Everything but the explanation text, which only the reference produces.
            let strip = |r: &sim::RunOutcome| {
                r.recorder
                    .events
                    .iter()
                    .map(Result::unwrap)
                    .map(|e| (e.time, e.kind, e.task, e.instance, r.recorder.reason(&e).to_string()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&a), strip(&b), "{file}: index and reference disagree");
            assert_eq!(a.recorder.minutes, b.recorder.minutes);
        }
    }
}

#[test]
fn invariants_hold_after_every_event() {
    let s = load("scenarios/quickstart.toml");
    let out = sim::run_with(&s, 9, RunOptions { check_invariants: true, ..Default::default() }, &mut |_| {});
    let r = &out.recorder;
    assert_eq!(r.submitted, r.placed + r.failed + r.waiting_at_end);
    assert!(r.completed <= r.placed);
}

#[test]
fn arrivals_follow_the_configured_rates() {
    // quickstart: web 1.0/min for 360 min → 360 expected; batch 0.3/min × 3 tasks → 324.
    // Poisson counts: sd = √360 ≈ 19 and 3·√108 ≈ 31; over 20 seeds the mean's sd is ≈ 4.2 and
    // ≈ 7, so ±5 % (18 and 16) is over 2.3 sd of the mean.
    let s = load("scenarios/quickstart.toml");
    let (mut web, mut batch) = (0u64, 0u64);
    let seeds = 20;
    for seed in 0..seeds {
        let out = sim::run(&s, seed);
        let submitted = |w: &str| {
            out.recorder
                .events
                .iter()
                .map(Result::unwrap)
                .filter(|e| {
                    out.recorder.source_name(e) == w
                        && matches!(
                            e.kind,
                            sim::recorder::EventKind::Placed | sim::recorder::EventKind::Failed | sim::recorder::EventKind::Waiting
                        )
                })
                .count() as u64
        };
        web += submitted("web");
        batch += out.recorder.submitted - submitted("web");
    }
    let (web, batch) = (web as f64 / seeds as f64, batch as f64 / seeds as f64);
    assert!((web - 360.0).abs() < 18.0, "web {web}");
    assert!((batch - 324.0).abs() < 16.2, "batch {batch}");
}

#[test]
fn console_templates_lesson_shows_what_its_header_says() {
    let base = load("scenarios/lessons/console-templates.toml");
    let runs: Vec<(String, sim::RunOutcome)> =
        base.variants.iter().map(|v| (v.name.clone(), sim::run(&base.with_variant(v), base.seed))).collect();
    let get = |name: &str| &runs.iter().find(|(n, _)| n == name).unwrap().1.recorder;
    // Common random numbers: the same tasks are submitted to every variant.
    let submitted: Vec<u64> = runs.iter().map(|(_, r)| r.recorder.submitted).collect();
    assert!(submitted.iter().all(|&s| s == submitted[0]), "{submitted:?}");
    // Mean CPU reservation per zone over the run; the spread between the hottest and coolest.
    let zone_spread = |r: &ecsim::sim::recorder::Recorder| {
        let zones = r.zone_names();
        let means: Vec<f64> = zones
            .iter()
            .map(|z| {
                let rows: Vec<f64> = r.minutes.iter().filter(|m| &m.zone == z).map(|m| m.cpu_reservation_pct).collect();
                rows.iter().sum::<f64>() / rows.len() as f64
            })
            .collect();
        means.iter().cloned().fold(f64::MIN, f64::max) - means.iter().cloned().fold(f64::MAX, f64::min)
    };
    assert!(zone_spread(get("AZ Balanced Spread")) > 5.0 * zone_spread(get("BinPack")));
    assert!(zone_spread(get("AZ Balanced BinPack")) > 5.0 * zone_spread(get("BinPack")));
    // One Task Per Host: at most one task of each of the two groups per instance (8 instances).
    let one = get("One Task Per Host");
    assert!(one.minutes.iter().filter(|m| m.zone == "cluster").all(|m| m.running_tasks + m.pending_tasks <= 16));
    assert!(one.failures_by_reason.get("DistinctInstance placement constraint unsatisfied").copied().unwrap_or(0) > one.placed);
}

#[test]
fn a_scenario_can_start_from_describe_container_instances_and_describe_tasks() {
    // The "demo" cluster of tests/fixtures (README there): 4 instances, one DRAINING, with
    // tasks already running. Its remaining resources stand; new tasks never go to the DRAINING
    // instance; what the existing tasks hold is never released by the simulation.
    let dir = repo("tests/fixtures");
    let text = r#"
[scenario]
duration = "30m"
tie_break = "first"

[cluster]
describe_container_instances = "describe-container-instances.json"
describe_tasks = "describe-tasks.json"

[[task_definitions]]
name = "web"
file = "realworld/task-definitions/nginx_ec2.json"

[[workload]]
name = "web"
task_definition = "web"
group = "service:web"
arrivals = { process = "times", at = ["1m", "1m", "1m", "1m", "1m", "1m"] }
run_time = { distribution = "constant", value = "10m" }
template = "AZ Balanced Spread"
"#;
    let s = scenario::load_str(&dir.join("from-describe.toml"), text).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(s.cluster.instances.len(), 4);
    let before: Vec<(u32, u32)> = s.cluster.instances.iter().map(|i| (i.remaining_cpu_units, i.remaining_memory_mib)).collect();
    assert_eq!(before[0], (1280, 6144));
    let out = sim::run_with(&s, 1, RunOptions { check_invariants: true, ..Default::default() }, &mut |_| {});
    let r = &out.recorder;
    assert_eq!(r.placed, 6);
    // Nothing on the DRAINING instance (index 2).
    assert!(r.events.iter().map(Result::unwrap).all(|e| e.instance != Some(ecsim::ecs::instance::InstanceId(2))));
    // At the end every new task has stopped: remaining is back to what describe said.
    let after: Vec<(u32, u32)> = out.cluster.instances.iter().map(|i| (i.remaining_cpu_units, i.remaining_memory_mib)).collect();
    assert_eq!(before, after);
}

#[test]
fn a_deployment_alarm_fails_the_deployment_and_rolls_back() {
    // scenarios/lessons/services/alarm-rollback.toml: revision 2 deployed at 600 s, alarm in
    // ALARM at 630 s → deployment 1 FAILED at 630 s; rollback deployment 2 (web:1) completes;
    // min 100 % keeps 4 healthy tasks throughout.
    let s = load("scenarios/lessons/services/alarm-rollback.toml");
    let out = sim::run_with(&s, 1, RunOptions { check_invariants: true, ..Default::default() }, &mut |_| {});
    let d = &out.recorder.deployments;
    assert_eq!(d.len(), 3);
    assert_eq!((d[1].outcome.as_str(), d[1].ended_s), ("FAILED", Some(630.0)));
    assert!(d[1].reason.contains("HighLatency"), "{}", d[1].reason);
    assert_eq!((d[2].task_definition.as_str(), d[2].outcome.as_str()), ("web:1", "COMPLETED"));
    assert!(d[1..].iter().all(|x| x.lowest_healthy == 4));
}

/// Tasks of `service` per zone, alive and meant to run, at the end of a run.
fn tasks_per_zone(out: &sim::RunOutcome) -> Vec<(String, usize)> {
    let mut zones: std::collections::BTreeMap<String, usize> = Default::default();
    for row in out.task_rows().unwrap().iter().filter(|r| r.stopped_s.is_none() && r.stopping_s.is_none()) {
        *zones.entry(out.cluster.instances[row.instance as usize].availability_zone.clone()).or_default() += 1;
    }
    zones.into_iter().collect()
}

#[test]
fn az_rebalancing_moves_tasks_back_into_the_returning_zone() {
    // scenarios/lessons/services/az-rebalancing.toml (docs/ecs-model.md#example-az-rebalancing): 2/2/2 → c loses its instances →
    // 3/3/0 → two instances return in c → rebalancing → 2/2/2.
    let s = load("scenarios/lessons/services/az-rebalancing.toml");
    let out = sim::run_with(&s, 1, RunOptions { check_invariants: true, ..Default::default() }, &mut |_| {});
    let z =
        |a: usize, b: usize, c: usize| vec![("us-east-1a".to_string(), a), ("us-east-1b".to_string(), b), ("us-east-1c".to_string(), c)];
    assert_eq!(tasks_per_zone(&out), z(2, 2, 2));
    // Never fewer than 6 healthy once the replacements of 5 min are healthy (6 min).
    assert!(out.recorder.service_minutes.iter().filter(|m| m.time_s >= 360).all(|m| m.healthy >= 6));
    // Without rebalancing the service stays 3/3/0.
    let mut off = s.clone();
    off.services[0].availability_zone_rebalancing = false;
    let out = sim::run(&off, 1);
    let counts: Vec<usize> = tasks_per_zone(&out).into_iter().map(|(_, n)| n).collect();
    assert_eq!(counts, vec![3, 3]);
}

#[test]
fn a_service_can_come_from_a_real_create_service_json() {
    // The ecspresso create-service file: desiredCount 2, min 50 / max 200, circuit breaker with
    // rollback, alarms. The scenario only names the task definition.
    let dir = repo("tests/fixtures/realworld");
    let text = r#"
[scenario]
duration = "10m"
[cluster]
zones = ["us-east-1a", "us-east-1b"]
[[cluster.instances]]
type = "m5.large"
count = 2
[[task_definitions]]
name = "nginx"
file = "task-definitions/nginx_ec2.json"
[[services]]
name = "test"
file = "services/ecspresso_service_circuit_breaker_alarms.json"
task_definition = "nginx"
"#;
    let s = scenario::load_str(&dir.join("svc.toml"), text).unwrap_or_else(|d| panic!("{d}"));
    let d = &s.services[0].definition;
    assert_eq!((d.desired_count, d.deployment.minimum_healthy_percent, d.deployment.maximum_percent), (2, 50, 200));
    assert!(d.deployment.circuit_breaker.as_ref().is_some_and(|c| c.enable && c.rollback));
    let out = sim::run_with(&s, 1, RunOptions { check_invariants: true, ..Default::default() }, &mut |_| {});
    assert_eq!(out.recorder.service_minutes.last().map(|m| (m.running, m.healthy)), Some((2, 2)));
}
