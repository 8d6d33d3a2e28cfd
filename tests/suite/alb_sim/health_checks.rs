//! Target health through the whole simulator: the health-check timing table
//! (docs/ecs-model.md#alb-health-checks, docs/ecs-model.md#example-health-check-timing), a load
//! balancer with a container health check (docs/ecs-model.md#example-load-balancer-and-container-check:
//! when a task counts as healthy, and its `Healthy` events) and fail-open
//! (docs/ecs-model.md#example-fail-open).

use super::{cluster, cpu_pct, deployment, first_running, group, rows, source, target_health};
use crate::common::toml::{head, LB_WEB};
use crate::common::{events, load_parts, run, traffic, us};
use ecsim::sim::recorder::EventKind;
use ecsim::sim::RunOutcome;

// ---------------------------------------------------------------------------------------------
// Health-check timing (docs/ecs-model.md#alb-health-checks, docs/ecs-model.md#example-health-check-timing)
// ---------------------------------------------------------------------------------------------

#[test]
fn health_check_timing_follows_the_section_9_4_table() {
    // Four services of one task each, placed at t = 0, RUNNING (target registered, `initial`) at
    // R = 10 s; the first check is sent at registration, then every interval (30 s):
    // * good (answers, default "one" check, docs/ecs-model.md#choice-first-health-check): check at R passes at R + 0.01 → healthy at
    //   10.01 s "after 1 passed checks".
    // * threshold (initial = "threshold", healthy_threshold 5): checks at R, R+30, R+60, R+90,
    //   R+120 pass; the 5th at R + 4 × 30 + 0.01 = 130.01 s → healthy "after 5 passed checks".
    // * hang (target_health = "hang", timeout 5 s, unhealthy_threshold 2): checks at R and R+30
    //   time out at R+5 and R+35 → unhealthy at R + 30 + 5 = 45 s (Target.Timeout).
    // * error (target_health = "error": a 500 in 10 ms): failures at R+0.01 and R+30.01 →
    //   unhealthy at 40.01 s (Target.ResponseCodeMismatch).
    // Each target's first event is its registration at R, `initial`.
    let s = load_parts(
        "alb_sim",
        &[
            &head("health-timing", "3m", 1),
            &cluster(),
            r#"
[[task_definitions]]
name = "good"
family = "good"
cpu = 512
memory = 1024
dynamic_ports = 1

[[task_definitions]]
name = "hang"
family = "hang"
cpu = 512
memory = 1024
dynamic_ports = 1
behaviour = { target_health = "hang" }

[[task_definitions]]
name = "error"
family = "error"
cpu = 512
memory = 1024
dynamic_ports = 1
behaviour = { target_health = "error" }

[[target_groups]]
name = "good"
port = 80

[[target_groups]]
name = "threshold"
port = 80
health_check = { initial = "threshold", healthy_threshold = 5, interval = "30s" }

[[target_groups]]
name = "hang"
port = 80
health_check = { interval = "30s", timeout = "5s", unhealthy_threshold = 2 }

[[target_groups]]
name = "error"
port = 80
health_check = { interval = "30s", timeout = "5s", unhealthy_threshold = 2 }

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { forward = "good" }

[[load_balancers.listeners.rules]]
priority = 1
path_pattern = ["/threshold/*"]
action = { forward = "threshold" }

[[load_balancers.listeners.rules]]
priority = 2
path_pattern = ["/hang/*"]
action = { forward = "hang" }

[[load_balancers.listeners.rules]]
priority = 3
path_pattern = ["/error/*"]
action = { forward = "error" }

[[services]]
name = "good"
task_definition = "good"
desired_count = 1
load_balancers = [{ target_group = "good", container_port = 80 }]

[[services]]
name = "threshold"
task_definition = "good"
desired_count = 1
load_balancers = [{ target_group = "threshold", container_port = 80 }]

[[services]]
name = "hang"
task_definition = "hang"
desired_count = 1
load_balancers = [{ target_group = "hang", container_port = 80 }]

[[services]]
name = "error"
task_definition = "error"
desired_count = 1
load_balancers = [{ target_group = "error", container_port = 80 }]
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let cases = [
        ("good", 10.01, "healthy", "target healthy in (target-group good) after 1 passed checks"),
        ("threshold", 130.01, "healthy", "target healthy in (target-group threshold) after 5 passed checks"),
        ("hang", 45.0, "unhealthy", "target unhealthy in (target-group hang) after 2 failed checks (Target.Timeout)"),
        ("error", 40.01, "unhealthy", "target unhealthy in (target-group error) after 2 failed checks (Target.ResponseCodeMismatch)"),
    ];
    for (service, at, state, detail) in cases {
        let (task, running) = first_running(&evs, service);
        assert_eq!(running, us(10.0), "{service}: RUNNING at R = 10 s");
        let th = target_health(&evs, task);
        // Registered at RUNNING as (instance, dynamic host port in 32768–60999, docs/ecs-model.md#registered-resources).
        assert_eq!(th[0].0, us(10.0), "{service}");
        assert_eq!(th[0].1, "initial", "{service}");
        assert!(th[0].2.starts_with(&format!("registered 1 targets in (target-group {service}): i-")), "{service}: {}", th[0].2);
        let port: u16 = th[0].2.rsplit(':').next().and_then(|p| p.parse().ok()).expect("a host port");
        assert!((32768..=60999).contains(&port), "{service}: {}", th[0].2);
        assert_eq!(th.get(1), Some(&(us(at), state.to_string(), detail.to_string())), "{service}: {th:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// docs/ecs-model.md#example-load-balancer-and-container-check: load balancer and container health check
// ---------------------------------------------------------------------------------------------

/// docs/ecs-model.md#example-load-balancer-and-container-check's services: container check {interval 10, timeout 5, retries 3,
/// startPeriod 0}; "both"
/// with a default target group, "both-threshold" with `initial = "threshold"`, and "lb-only"
/// (no container check) with a default target group. One task each, placed at 0, RUNNING at 10.
fn lb_and_check_example() -> RunOutcome {
    let s = load_parts(
        "alb_sim",
        &[
            &head("lb-and-check-example", "4m", 1),
            &cluster(),
            r#"
[[task_definitions]]
name = "checked"
family = "checked"
cpu = 512
memory = 1024
dynamic_ports = 1
health_check = { interval = 10, timeout = 5, retries = 3, start_period = 0 }

[[task_definitions]]
name = "unchecked"
family = "unchecked"
cpu = 512
memory = 1024
dynamic_ports = 1

[[target_groups]]
name = "one"
port = 80

[[target_groups]]
name = "threshold"
port = 80
health_check = { initial = "threshold" }

[[target_groups]]
name = "plain"
port = 80

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { forward = "one" }

[[load_balancers.listeners.rules]]
priority = 1
path_pattern = ["/t/*"]
action = { forward = "threshold" }

[[load_balancers.listeners.rules]]
priority = 2
path_pattern = ["/p/*"]
action = { forward = "plain" }

[[services]]
name = "both"
task_definition = "checked"
desired_count = 1
load_balancers = [{ target_group = "one", container_port = 80 }]

[[services]]
name = "both-threshold"
task_definition = "checked"
desired_count = 1
load_balancers = [{ target_group = "threshold", container_port = 80 }]

[[services]]
name = "lb-only"
task_definition = "unchecked"
desired_count = 1
load_balancers = [{ target_group = "plain", container_port = 80 }]
"#,
        ],
    );
    run(&s)
}

#[test]
fn lb_and_check_example_a_task_counts_as_healthy_only_when_target_and_container_are() {
    // docs/ecs-model.md#healthy-tasks with a load balancer: "RUNNING and the target is healthy" (+ "container HEALTHY" when
    // the task has a container health check). docs/ecs-model.md#example-load-balancer-and-container-check: target healthy at 10.01 (one
    // check at
    // registration, 10 ms answer); container HEALTHY at the first check, 10 + 10 = 20 s →
    // "both" counts from t = 20. With 5 × 30 s (`threshold`), the target is healthy at
    // 10 + 4 × 30 + 0.01 = 130.01 → "both-threshold" counts from 130.01. "lb-only" has no
    // container check: it counts when its target is healthy, 10.01.
    // The deployment that CreateService starts (ecs-svc/0, desired 1) completes when its task
    // counts as healthy (docs/ecs-model.md#rolling-updates step 5), which times the moment exactly; services.csv shows the
    // state at the end of each minute.
    let out = lb_and_check_example();
    for (service, counts_from) in [("both", 20.0), ("both-threshold", 130.01), ("lb-only", 10.01)] {
        let d = deployment(&out, service, 0);
        assert_eq!((d.outcome.as_str(), d.ended_s), ("COMPLETED", Some(counts_from)), "{service}: {d:?}");
    }
    let healthy_at_end_of = |service: &str, time_s: u64| {
        out.recorder.service_minutes.iter().find(|m| m.service == service && m.time_s == time_s).map(|m| m.healthy)
    };
    // Minute [0, 60): "both" healthy (20 s) and "lb-only" (10.01 s); "both-threshold" only in
    // minute [120, 180), at 130.01.
    assert_eq!(healthy_at_end_of("both", 0), Some(1));
    assert_eq!(healthy_at_end_of("lb-only", 0), Some(1));
    assert_eq!(
        [0, 60, 120, 180].map(|t| healthy_at_end_of("both-threshold", t)),
        [Some(0), Some(0), Some(1), Some(1)],
        "both-threshold: healthy at the end of each minute"
    );
}

#[test]
fn lb_and_check_example_healthy_events_are_written_when_the_task_counts_as_healthy() {
    // `EventKind::Healthy` is documented as "counts as healthy for minimumHealthyPercent
    // (docs/ecs-model.md#healthy-tasks)". By docs/ecs-model.md#example-load-balancer-and-container-check that moment is 20 s for "both",
    // 130.01 s for "both-threshold" (the target
    // is healthy only after 5 checks) and 10.01 s for "lb-only" (target healthy, no container
    // check) — the same instants at which their deployments complete.
    let out = lb_and_check_example();
    let evs = events(&out);
    let healthy_events =
        |service: &str| -> Vec<u64> { evs.iter().filter(|e| e.kind == EventKind::Healthy && e.source == service).map(|e| e.us).collect() };
    let expected = [("both", vec![us(20.0)]), ("both-threshold", vec![us(130.01)]), ("lb-only", vec![us(10.01)])];
    let got = expected.clone().map(|(service, _)| (service, healthy_events(service)));
    assert_eq!(got, expected, "Healthy events (µs) per service");
}

// ---------------------------------------------------------------------------------------------
// Fail-open (docs/ecs-model.md#example-fail-open)
// ---------------------------------------------------------------------------------------------

#[test]
fn fail_open_example_with_every_target_unhealthy_the_group_fails_open_round_robin() {
    // Three services t1, t2, t3 of one task each share target group "web" (so services.csv gives
    // each target's CPU). Their revision answers every request (10 ms, constant) but fails every
    // health check with a 500 (`target_health = "error"`): registered at R = 10 s, unhealthy at
    // R + 30.01 = 40.01 s (2 failures, docs/ecs-model.md#alb-health-checks). The grace period (1 h) makes ECS ignore the
    // unhealthy verdicts (docs/ecs-model.md#grace-period), so the tasks stay.
    // docs/ecs-model.md#target-selection step 2: fewer healthy targets than minimum_healthy_targets (1) → route to every
    // registered non-draining target (`initial` ones included (ecsim's choice)), round robin. Traffic
    // (30/s) starts at 1 min, after the first verdicts. Hence:
    // * no 503 (there are registered targets), no ELB or target 5xx at all;
    // * UnhealthyRoutingRequestCount = RequestCount = every arrival;
    // * HealthyHostCount 0 in every minute; UnHealthyHostCount 3 from minute 1 on;
    // * round robin over T1, T2, T3 (docs/ecs-model.md#example-fail-open: requests 1..6 → T1 T2 T3 T1 T2 T3): each target
    //   serves a third of the requests ±1 per minute, so the three CPUUtilization figures (busy
    //   time ÷ 1 vCPU; 10 ms per request) differ by at most 2 requests' worth, 2 × 10 ms / 60 s
    //   = 0.033 percentage points, plus a request cut by the minute boundary.
    let mut services = String::new();
    for t in ["t1", "t2", "t3"] {
        services += &format!(
            "\n[[services]]\nname = \"{t}\"\ntask_definition = \"broken\"\ndesired_count = 1\nhealth_check_grace_period = \"1h\"\n\
             load_balancers = [{{ target_group = \"web\", container_port = 80 }}]\n"
        );
    }
    let s = load_parts(
        "alb_sim",
        &[
            &head("fail-open", "10m", 5),
            &cluster(),
            LB_WEB,
            r#"
[[task_definitions]]
name = "broken"
family = "broken"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 1, service_time = { distribution = "constant", value = "10ms" } }
behaviour = { target_health = "error" }

[[target_groups]]
name = "web"
port = 80

[[traffic]]
name = "users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 30 }] }
"#,
            &services,
        ],
    );
    let out = run(&s);
    let t = traffic(&out);
    let g = group(&out, "web");
    let arrivals = source(&out, "users");
    assert!(arrivals > 15_000, "9 min × 30/s ≈ 16,200 arrivals, got {arrivals}");
    assert_eq!((t.figures.elb_5xx, t.figures.tally.target_5xx, g.figures.tally.elb_503), (0, 0, 0));
    assert_eq!(g.request_count, arrivals, "every arrival routed");
    assert_eq!(g.unhealthy_routing, g.request_count, "every routed request counted by UnhealthyRoutingRequestCount");
    for r in rows(&out, "web") {
        assert_eq!(r.healthy_hosts_max, 0, "minute at {} s", r.time_s);
        if r.time_s >= 60 {
            assert_eq!((r.unhealthy_hosts_min, r.unhealthy_hosts_max), (3, 3), "minute at {} s", r.time_s);
            assert_eq!(r.unhealthy_routing, r.request_count, "minute at {} s", r.time_s);
        }
    }
    let evs = events(&out);
    assert!(evs.iter().all(|e| e.kind != EventKind::Stopped), "the grace period keeps the unhealthy tasks");
    for minute in (60..600).step_by(60) {
        let cpu = ["t1", "t2", "t3"].map(|s| cpu_pct(&out, s, minute));
        let (lo, hi) = (cpu.iter().cloned().fold(f64::MAX, f64::min), cpu.iter().cloned().fold(0.0, f64::max));
        // 30/s ÷ 3 × 10 ms = 10 % busy each.
        assert!((lo - 10.0).abs() < 1.0 && hi - lo < 0.05, "minute at {minute} s: CPU % {cpu:?}");
    }
}
