//! Where the load balancer sends a request: listener rules (docs/ecs-model.md#example-listener-rules),
//! the 503s while no target is registered, cross-zone load balancing off (load-balancer nodes in
//! zones without targets, or without instances, answer 503) and slow start
//! (docs/ecs-model.md#target-selection step 5).

use super::{cluster, cpu_pct, first_running, group, poisson_arrivals, rows, source, target_health};
use crate::common::toml::{head, LB_WEB};
use crate::common::{events, load_parts, run, us};
use ecsim::engine::SimTime;
use ecsim::sim::alb::metrics::GroupTotals;
use ecsim::sim::RunOutcome;
use ecsim::workload::traffic::RateProfile;

// ---------------------------------------------------------------------------------------------
// Listener rules (docs/ecs-model.md#example-listener-rules)
// ---------------------------------------------------------------------------------------------

#[test]
fn listener_rules_example_each_request_lands_in_the_target_group_its_rules_choose() {
    // docs/ecs-model.md#example-listener-rules: rules priority 10 path "/api/*" → tg-api, priority 20 host "*.example.com" → tg-web,
    // default → tg-default. The four requests of the example, one traffic source each, at
    // distinct rates (1, 2, 3, 5 per second from minute 1, when every target is healthy):
    //   a.example.com/api/users → tg-api (priority 10 matches first)
    //   a.example.com/img/x.png → tg-web
    //   example.com/img/x.png   → tg-default ("*.example.com" needs a subdomain)
    //   A.EXAMPLE.COM/API/users → tg-web (host match is case-insensitive; the path match is not)
    // A request to a group is either routed (RequestCount) or a 503 at arrival, so per group
    // requests + elb_503 = the arrivals of its sources, exactly: tg-api = api-users, tg-web =
    // web-img + upper-api, tg-default = apex-img, and no 503 (every group has a healthy target).
    let s = load_parts(
        "alb_sim",
        &[
            &head("listener-rules-example", "10m", 3),
            &cluster(),
            r#"
[[task_definitions]]
name = "app"
family = "app"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 4, service_time = { distribution = "exponential", mean = "20ms" }, cpu_per_busy_worker = 256 }

[[target_groups]]
name = "tg-api"
port = 80

[[target_groups]]
name = "tg-web"
port = 80

[[target_groups]]
name = "tg-default"
port = 80

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { forward = "tg-default" }

[[load_balancers.listeners.rules]]
priority = 10
path_pattern = ["/api/*"]
action = { forward = "tg-api" }

[[load_balancers.listeners.rules]]
priority = 20
host_header = ["*.example.com"]
action = { forward = "tg-web" }

[[services]]
name = "api"
task_definition = "app"
desired_count = 1
load_balancers = [{ target_group = "tg-api", container_port = 80 }]

[[services]]
name = "web"
task_definition = "app"
desired_count = 1
load_balancers = [{ target_group = "tg-web", container_port = 80 }]

[[services]]
name = "default"
task_definition = "app"
desired_count = 1
load_balancers = [{ target_group = "tg-default", container_port = 80 }]

[[traffic]]
name = "api-users"
host = "a.example.com"
path = "/api/users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 1 }] }

[[traffic]]
name = "web-img"
host = "a.example.com"
path = "/img/x.png"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 2 }] }

[[traffic]]
name = "apex-img"
host = "example.com"
path = "/img/x.png"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 3 }] }

[[traffic]]
name = "upper-api"
host = "A.EXAMPLE.COM"
path = "/API/users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 5 }] }
"#,
        ],
    );
    let out = run(&s);
    let arrivals = |g: &GroupTotals| g.request_count + g.figures.tally.elb_503;
    let (api, web, default) = (group(&out, "tg-api"), group(&out, "tg-web"), group(&out, "tg-default"));
    assert_eq!(arrivals(api), source(&out, "api-users"));
    assert_eq!(arrivals(web), source(&out, "web-img") + source(&out, "upper-api"));
    assert_eq!(arrivals(default), source(&out, "apex-img"));
    // 9 minutes at 1, 2, 3, 5 per second: about 540, 1080, 1620, 2700 arrivals; none is lost.
    for (name, rate) in [("api-users", 1.0), ("web-img", 2.0), ("apex-img", 3.0), ("upper-api", 5.0)] {
        let expected = rate * 540.0;
        let n = source(&out, name) as f64;
        assert!((n - expected).abs() <= 4.0 * expected.sqrt(), "{name}: {n} arrivals, expected ≈ {expected}");
    }
    for g in [api, web, default] {
        assert_eq!(
            (g.figures.tally.elb_503, g.figures.tally.elb_502, g.figures.tally.elb_504, g.figures.tally.target_5xx),
            (0, 0, 0, 0),
            "{}",
            g.target_group
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 503 while no target is registered
// ---------------------------------------------------------------------------------------------

#[test]
fn every_request_before_the_first_registration_is_a_503_and_none_after() {
    // Traffic at 10/s from t = 0; the service is created at 5 min: its task is placed at 300 s,
    // RUNNING — target registered — at 310 s. Before that the group has no registered target:
    // 503 (docs/ecs-model.md#target-selection step 3). From 310 s the `initial` target takes requests (fail-open,
    // docs/ecs-model.md#target-selection step 2)
    // and from 310.01 s as a healthy target: no 503 after 310 s.
    // So the 503 count is exactly the number of arrivals in [0, 310 s) — recomputed here from the
    // source's own random stream — about 10 × 310 = 3,100 (Poisson sd √3100 ≈ 56).
    let s = load_parts(
        "alb_sim",
        &[
            &head("no-target-yet", "10m", 8),
            &cluster(),
            LB_WEB,
            r#"
[[task_definitions]]
name = "app"
family = "app"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 4, service_time = { distribution = "exponential", mean = "20ms" }, cpu_per_busy_worker = 256 }

[[target_groups]]
name = "web"
port = 80

[[services]]
name = "late"
task_definition = "app"
desired_count = 1
created_at = "5m"
load_balancers = [{ target_group = "web", container_port = 80 }]

[[traffic]]
name = "users"
rate = { profile = "constant", per_second = 10 }
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let (task, running) = first_running(&evs, "late");
    assert_eq!(running, us(310.0));
    assert_eq!(target_health(&evs, task)[0].0, us(310.0), "registered at RUNNING");
    let arrivals = poisson_arrivals(RateProfile::constant(10.0).unwrap(), s.seed, "users", SimTime::ZERO + s.duration);
    assert_eq!(arrivals.len() as u64, source(&out, "users"), "the recomputed stream is the run's");
    let before = arrivals.iter().filter(|t| t.as_micros() < running).count() as u64;
    assert!((before as f64 - 3100.0).abs() < 4.0 * 3100f64.sqrt(), "{before} arrivals before 310 s");
    let g = group(&out, "web");
    assert_eq!(g.figures.tally.elb_503, before, "503 = arrivals before the registration");
    assert_eq!(g.request_count, arrivals.len() as u64 - before, "every later arrival is routed");
    for r in rows(&out, "web") {
        match r.time_s {
            0..=240 => assert_eq!((r.request_count, r.elb_503 > 400), (0, true), "minute at {} s: all 503 (≈ 600)", r.time_s),
            300 => assert!(r.request_count > 0 && r.elb_503 > 0, "minute at 300 s: 503 until 310 s, routed after"),
            _ => assert_eq!(r.elb_503, 0, "minute at {} s", r.time_s),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cross-zone load balancing off
// ---------------------------------------------------------------------------------------------

/// Three target tasks in us-east-1a behind target group "web" with cross-zone `enabled` or not;
/// 100 requests/s from 1 min. `instances`: the cluster's instances — one per zone with the
/// service held to us-east-1a by a memberOf constraint, or a single instance in us-east-1a. Either
/// way the cluster, hence the load balancer (docs/ecs-model.md#alb-settings: its zones default to the cluster's), has the
/// three zones.
fn cross_zone(enabled: bool, instances: &str) -> RunOutcome {
    let tg = format!("\n[[target_groups]]\nname = \"web\"\nport = 80\ncross_zone = {enabled}\n");
    let s = load_parts(
        "alb_sim",
        &[
            r#"
[scenario]
name = "cross-zone"
duration = "10m"
seed = 4

[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[lifecycle]
start_delay = { distribution = "constant", value = "10s" }

[[task_definitions]]
name = "app"
family = "app"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 4, service_time = { distribution = "exponential", mean = "20ms" }, cpu_per_busy_worker = 256 }

[[services]]
name = "app"
task_definition = "app"
desired_count = 3
placement_constraints = [{ type = "memberOf", expression = "attribute:ecs.availability-zone == us-east-1a" }]
load_balancers = [{ target_group = "web", container_port = 80 }]

[[traffic]]
name = "users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 100 }] }
"#,
            instances,
            LB_WEB,
            &tg,
        ],
    );
    run(&s)
}

const ONE_INSTANCE_PER_ZONE: &str = "\n[[cluster.instances]]\ntype = \"m5.xlarge\"\ncount = 3\n";
const ONE_INSTANCE_IN_1A: &str = "\n[[cluster.instances]]\ntype = \"m5.xlarge\"\ncount = 1\nzones = [\"us-east-1a\"]\n";

/// docs/ecs-model.md#target-selection step 6 with every target in us-east-1a: client requests are split equally over the
/// load balancer's nodes in its 3 zones (ecsim's choice); with cross-zone off a node only uses targets in
/// its own zone, and the two nodes in zones without a target answer 503. Expected: 2/3 of the
/// N arrivals are 503, within binomial noise √(N · 1/3 · 2/3) (4 sd allowed; the simulator's
/// nodes take turns, which is closer still). With cross-zone on: no 503 at all.
fn check_two_thirds_503(instances: &str) {
    let off = cross_zone(false, instances);
    let n = source(&off, "users");
    assert!(n > 50_000, "9 min × 100/s ≈ 54,000 arrivals, got {n}");
    let g = group(&off, "web");
    let expected = n as f64 * 2.0 / 3.0;
    let sd = (n as f64 * (1.0 / 3.0) * (2.0 / 3.0)).sqrt();
    assert!(
        (g.figures.tally.elb_503 as f64 - expected).abs() <= 4.0 * sd,
        "503s {} vs 2/3 × {n} = {expected:.0} ± 4 × {sd:.0}",
        g.figures.tally.elb_503
    );
    assert_eq!(g.request_count + g.figures.tally.elb_503, n);
    let on = cross_zone(true, instances);
    assert_eq!(group(&on, "web").figures.tally.elb_503, 0);
    assert_eq!(group(&on, "web").request_count, source(&on, "users"));
}

#[test]
fn cross_zone_off_with_targets_in_one_of_three_zones_answers_two_thirds_with_503() {
    // Instances in all three zones; the tasks are held to us-east-1a.
    let out = cross_zone(false, ONE_INSTANCE_PER_ZONE);
    assert!(out.tasks.iter().all(|t| t.instance.0 == 0), "every task on the us-east-1a instance");
    check_two_thirds_503(ONE_INSTANCE_PER_ZONE);
}

#[test]
fn cross_zone_off_counts_load_balancer_nodes_in_zones_without_instances() {
    // The same, with the cluster's only instance in us-east-1a: the cluster (and so the load
    // balancer) still has three zones, and the nodes in us-east-1b and us-east-1c still receive
    // their third of the clients' requests — with no target in their zone, 503.
    check_two_thirds_503(ONE_INSTANCE_IN_1A);
}

// ---------------------------------------------------------------------------------------------
// Slow start
// ---------------------------------------------------------------------------------------------

/// Target group "web" with slow start 60 s; services a, b, c (one task each, created at 0) and
/// "late" (one task, created at 4 min); 1 worker, 10 ms per request (constant), 1 vCPU a worker,
/// so a service's CPUUtilization is its one target's busy fraction: requests × 10 ms ÷ 60 s.
/// Start delay 59.99 s: a, b, c are RUNNING at 59.99 and healthy at 60.00; "late" RUNNING at
/// 299.99 and healthy at 300.00, so its slow start is exactly the minute [300, 360).
/// Traffic 200/s from 1 min: 50/s a target (ρ = 0.5) once all four share it.
fn slow_start() -> RunOutcome {
    let mut services = String::new();
    for (name, created) in [("a", "0s"), ("b", "0s"), ("c", "0s"), ("late", "4m")] {
        services += &format!(
            "\n[[services]]\nname = \"{name}\"\ntask_definition = \"app\"\ndesired_count = 1\ncreated_at = \"{created}\"\n\
             load_balancers = [{{ target_group = \"web\", container_port = 80 }}]\n"
        );
    }
    let s = load_parts(
        "alb_sim",
        &[
            r#"
[scenario]
name = "slow-start"
duration = "8m"
seed = 6

[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.xlarge"
count = 3

[lifecycle]
start_delay = { distribution = "constant", value = "59.99s" }

[[task_definitions]]
name = "app"
family = "app"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 1, service_time = { distribution = "constant", value = "10ms" } }

[[target_groups]]
name = "web"
port = 80
slow_start = "60s"

[[traffic]]
name = "users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 200 }] }
"#,
            LB_WEB,
            &services,
        ],
    );
    run(&s)
}

#[test]
fn slow_start_gives_a_new_target_a_share_rising_linearly_over_its_first_minute() {
    // docs/ecs-model.md#target-selection step 5: "late" becomes healthy at 300 s while a, b, c are healthy and not in slow
    // start → it enters slow start: weight w(t) = max(0.01, t/60) for t = 0..60 s, the others 1;
    // round robin becomes smooth weighted round robin, so at time t "late" gets a fraction
    // w/(3 + w) of the arrivals and each other target 1/(3 + w). Over the minute [300, 360):
    //   late / mean(a, b, c) = ∫₀¹ x/(3+x) dx ÷ ∫₀¹ 1/(3+x) dx = (1 − 3 ln(4/3)) / ln(4/3)
    //                        = 1/ln(4/3) − 3 ≈ 0.476
    // (the 0.01 floor over the first 0.6 s changes the 4th decimal) — markedly below the others
    // (< 0.6). In [360, 420) all weights are 1: equal shares, ratio 1. Smooth weighted round
    // robin splits the arrivals almost exactly, so the tolerances cover only the requests cut by
    // the minute boundaries and the queueing noise: ±0.05 and ±0.03.
    let out = slow_start();
    let ratio = |time_s: u64| {
        let others = ["a", "b", "c"].map(|s| cpu_pct(&out, s, time_s));
        cpu_pct(&out, "late", time_s) / (others.iter().sum::<f64>() / 3.0)
    };
    let expected = 1.0 / (4.0f64 / 3.0).ln() - 3.0;
    let (during, after) = (ratio(300), ratio(360));
    assert!(during < 0.6 && (during - expected).abs() < 0.05, "first minute: late/others = {during:.3}, expected {expected:.3}");
    assert!((after - 1.0).abs() < 0.03, "second minute: late/others = {after:.3}, expected 1");
    // Busy fraction of a target with an equal share: 50/s × 10 ms = 50 %.
    assert!((cpu_pct(&out, "a", 360) - 50.0).abs() < 3.0);
}

#[test]
fn slow_start_spares_targets_registered_together_into_an_empty_group() {
    // docs/ecs-model.md#target-selection step 5: "targets registered together into an empty group … do not enter slow start".
    // a, b, c are registered at the same instant (59.99 s) into the empty group "web" and become
    // healthy at the same instant (60.00 s): none of them is in slow start, so round robin gives
    // each a third of the traffic from the first minute on: equal CPU in [60, 120) (each 200/3 ×
    // 10 ms ≈ 66.7 % busy), within the same ±3 % as above.
    let out = slow_start();
    let cpu = ["a", "b", "c"].map(|s| cpu_pct(&out, s, 60));
    let mean = cpu.iter().sum::<f64>() / 3.0;
    for (s, c) in ["a", "b", "c"].iter().zip(cpu) {
        assert!((c / mean - 1.0).abs() < 0.03, "{s}: {c:.1} % vs mean {mean:.1} % in [60, 120) — all: {cpu:?}");
    }
}
