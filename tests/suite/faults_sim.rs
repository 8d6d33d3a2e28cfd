//! Injected faults through the whole simulator (`[[faults]]`, `[slo]`; docs/ecs-model.md#instances-leaving,
//! docs/ecs-model.md#load-balancer):
//! scenarios written inline so each test states its numbers, run with invariant checks, and read
//! back from what a run records — events.csv (`RunOutcome::recorder`), the tasks, faults.csv
//! (`RunOutcome::fault_rows`), alb.csv's minute rows and the summary's `slo`.
//!
//! Timings common to the scenarios unless a test says otherwise (written out in `CLUSTER3`):
//! three m5.xlarge, one per zone (ordinal 0 in us-east-1a, 1 in b, 2 in c); start delay 10 s, so a
//! task placed at `p` is RUNNING — its target registered, `initial` (docs/ecs-model.md#target-registration) — at p + 10 s; the
//! simulator answers a health check in 10 ms, and with the default "one passing check" reading
//! (docs/ecs-model.md#alb-health-checks, docs/ecs-model.md#choice-first-health-check) the target is `healthy`, and the task counts as
//! healthy (docs/ecs-model.md#healthy-tasks), at p + 10.01 s.
//! Placement ties go to the lowest ordinal (`tie_break = "first"`), so the service default (AZ
//! spread, then instance spread) puts 4 tasks as 2 on instance 0 (a), 1 on 1 (b), 1 on 2 (c).
//! Target group "web": interval 30 s, timeout 5 s, unhealthy threshold 2 (defaults), the
//! deregistration delay 30 s, and the application exits 2 s after SIGTERM: a scheduler stop at
//! `s` is STOPPED at s + 30 + 2 s (docs/ecs-model.md#deregistration-on-stop).
//!
//! Run with `cargo test --release --test suite faults_sim::`.
//!
//! These tests found two bugs, now fixed: a `bad_revision` occurrence never recovered (it was
//! opened `ongoing` and nothing cleared it; fault watches now also update after each service
//! evaluation, when a deployment completes), and an `instance_failure` on an Auto Scaling group
//! member ended the member at detection (no TERMINATED event at `replace_after`, billing stopped
//! early). They also pin down two consequences of docs/ecs-model.md that are easy to get wrong: before
//! `detection`, AZ spread may place a replacement on an unreachable instance (it stays PENDING
//! until detection), and a revision whose containers exit after RUNNING crash-loops without
//! tripping the circuit breaker (docs/ecs-model.md#circuit-breaker stage 2 counts failed health checks only).

use ecsim::ecs::task::StopCode;
use ecsim::report::summary::Summary;
use ecsim::scenario::{self, Diagnostics, Scenario};
use ecsim::sim::alb::metrics::AlbMinuteRow;
use ecsim::sim::recorder::EventKind;
use ecsim::sim::{RunOutcome, Task};
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

use crate::common::toml::{head, lifecycle, LB_WEB, THREE_ZONES_ONE_M5_XLARGE_EACH as CLUSTER3};
use crate::common::{events, load, load_err, load_parts, repo, run, run_seed, traffic, us, Ev};

/// alb.csv row of target group `group` for the minute starting at `time_s`.
fn alb_minute<'a>(out: &'a RunOutcome, group: &str, time_s: u64) -> &'a AlbMinuteRow {
    traffic(out)
        .rows
        .iter()
        .find(|r| r.target_group == group && r.time_s == time_s)
        .unwrap_or_else(|| panic!("no alb.csv row for {group} at {time_s} s"))
}

fn secs(t: Option<ecsim::engine::SimTime>) -> Option<f64> {
    t.map(|t| t.as_secs_f64())
}

/// Times (µs) of the events of `kind` for `task`.
fn times(evs: &[Ev], kind: EventKind, task: u32) -> Vec<u64> {
    evs.iter().filter(|e| e.kind == kind && e.task == Some(task)).map(|e| e.us).collect()
}

/// (µs, reason, instance, zone) of every `instance` event.
fn instance_events(evs: &[Ev]) -> Vec<(u64, String, String, String)> {
    evs.iter().filter(|e| e.kind == EventKind::Instance).map(|e| (e.us, e.reason.clone(), e.instance.clone(), e.zone.clone())).collect()
}

/// Indices of the tasks on instance ordinal `i` (any state).
fn tasks_on(out: &RunOutcome, i: u32) -> Vec<u32> {
    (0..out.tasks.len() as u32).filter(|&t| out.tasks[t as usize].instance.0 == i).collect()
}

fn task(out: &RunOutcome, t: u32) -> &Task {
    &out.tasks[t as usize]
}

/// Healthy-task count of `service` over time, rebuilt from Healthy / Unhealthy / Deactivating /
/// Stopped events (a task counts from its Healthy event until it is told to stop or stops).
fn healthy_series(evs: &[Ev], service: &str) -> Vec<(u64, i64)> {
    let mut healthy = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for e in evs.iter().filter(|e| e.source == service) {
        let Some(t) = e.task else { continue };
        let changed = match e.kind {
            EventKind::Healthy => healthy.insert(t),
            EventKind::Unhealthy | EventKind::Deactivating | EventKind::Stopping | EventKind::Stopped => healthy.remove(&t),
            _ => false,
        };
        if changed {
            out.push((e.us, healthy.len() as i64));
        }
    }
    out
}

/// The lowest healthy count once the series first reached `from_count` (after start-up).
fn lowest_after_start(series: &[(u64, i64)], desired: i64) -> i64 {
    let start = series.iter().position(|&(_, n)| n >= desired).expect("the service reached its desired count");
    series[start..].iter().map(|&(_, n)| n).min().unwrap()
}

/// Asserts the Display of `d` has `bad.toml:line:col: error: …fragment…`.
fn assert_located(d: &Diagnostics, line: usize, col: usize, fragment: &str) {
    let shown = d.to_string();
    let prefix = format!("bad.toml:{line}:{col}: error: ");
    assert!(shown.lines().any(|l| l.starts_with(&prefix) && l.contains(fragment)), "no {prefix}…{fragment:?} in:\n{shown}");
}

/// `[scenario]` with placement ties going to the lowest ordinal (`tie_break = "first"`).
fn head_first(name: &str, duration: &str, seed: u64) -> String {
    head(name, duration, seed) + "tie_break = \"first\"\n"
}

/// Task definition "web" (1 vCPU, 2 GiB, 4 workers of 20 ms), target group "web" (deregistration
/// delay 30 s, default health check); put `LB_WEB` after it for the load balancer.
const WEB: &str = r#"
[[task_definitions]]
name = "web"
family = "web"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 4, service_time = { distribution = "exponential", mean = "20ms" }, cpu_per_busy_worker = 256 }
behaviour = { exit_after_sigterm = "2s" }

[[target_groups]]
name = "web"
port = 80
deregistration_delay = "30s"
"#;

/// Service "web": 4 tasks, min 100 / max 200, behind target group "web".
const SERVICE4: &str = r#"
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
deployment = { minimum_healthy_percent = 100, maximum_percent = 200 }
load_balancers = [{ target_group = "web", container_port = 80 }]
"#;

/// `per_second` requests/s (Poisson) from minute 1.
fn traffic_from_minute_1(per_second: u32) -> String {
    format!(
        "\n[[traffic]]\nname = \"users\"\nrate = {{ profile = \"steps\", steps = [{{ at = \"0s\", per_second = 0 }}, {{ at = \"1m\", per_second = {per_second} }}] }}\n"
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Spot interruption with ECS_ENABLE_SPOT_INSTANCE_DRAINING (docs/ecs-model.md#spot-interruptions → docs/ecs-model.md#draining,
// docs/ecs-model.md#example-draining's shape)
// ---------------------------------------------------------------------------------------------

fn spot_scenario(start_delay: &str, draining: bool) -> Scenario {
    load_parts(
        "faults_sim",
        &[
            &head_first("spot", "20m", 5),
            CLUSTER3,
            WEB,
            LB_WEB,
            SERVICE4,
            &lifecycle(start_delay),
            &traffic_from_minute_1(400),
            &format!(
                r#"
[[faults]]
name = "spot"
kind = "spot_interruption"
instance = 0
at = "10m"
draining = {draining}
"#
            ),
        ],
    )
}

#[test]
fn spot_notice_with_draining_moves_the_tasks_before_the_instance_goes() {
    // docs/ecs-model.md#example-draining with the simulator's timings. Desired 4, min 100 → minHealthy 4, max 200 →
    // maxTotal 8. At t = 0 the four tasks go 2 / 1 / 1 on instances 0 / 1 / 2, healthy at 10.01 s.
    // The notice at t = 600 s sets instance 0 DRAINING at 600 s (docs/ecs-model.md#spot-interruptions with draining).
    // docs/ecs-model.md#draining item 3:
    // s = min(maxTotal − inFlight, desired − tasksNotOnDrainingInstances) = min(8 − 4, 4 − 2) = 2
    // replacements placed at 600 s, on instances 1 and 2 (AZ spread over b, c: 1 each, then c has
    // fewer), RUNNING at 610 s, healthy at 610.01 s. Healthy = 6 → k = min(2, 6 − 4) = 2 draining
    // tasks are stopped at 610.01 s (never before: min 100 keeps 4 healthy), deregistered for 30 s,
    // SIGTERM at 640.01 s, STOPPED at 642.01 s. The instance is terminated at t + 120 = 720 s with
    // nothing left on it: no task is killed, and no request fails.
    let s = spot_scenario("10s", true);
    let out = run(&s);
    let evs = events(&out);
    let t = us(600.0);

    // Instance 0 held tasks 0 and 3 (the 4th task ties on zone and instance counts → ordinal 0).
    let on0 = tasks_on(&out, 0);
    assert_eq!(on0, vec![0, 3], "{:?}", out.tasks.iter().map(|t| t.instance.0).collect::<Vec<_>>());
    assert_eq!((tasks_on(&out, 1)[0], tasks_on(&out, 2)[0]), (1, 2));

    // The instance: DRAINING at the notice, gone at notice + 120 s.
    let inst = instance_events(&evs);
    let i0 = &out.cluster.instances[0].ec2_instance_id;
    let of0: Vec<(u64, &str)> = inst.iter().filter(|e| &e.2 == i0).map(|e| (e.0, e.1.as_str())).collect();
    assert_eq!(of0, vec![(t, "DRAINING"), (t + us(120.0), "INACTIVE")], "{inst:#?}");

    // Two replacements placed at t, one on instance 1 and one on instance 2, healthy at t + 10.01.
    let placed: Vec<(u32, u64, u32)> = evs
        .iter()
        .filter(|e| e.kind == EventKind::Placed && e.us > 0)
        .map(|e| (e.task.unwrap(), e.us, task(&out, e.task.unwrap()).instance.0))
        .collect();
    assert_eq!(placed, vec![(4, t, 1), (5, t, 2)]);
    for r in [4, 5] {
        assert_eq!(times(&evs, EventKind::Running, r), vec![t + us(10.0)]);
        assert_eq!(times(&evs, EventKind::Healthy, r), vec![t + us(10.01)]);
    }
    // The old tasks are told to stop only once the replacements are healthy, and STOPPED
    // 30 s + 2 s later; the stop code is the scheduler's, not SpotInterruption.
    for old in on0 {
        assert_eq!(times(&evs, EventKind::Deactivating, old), vec![t + us(10.01)], "task {old}");
        assert_eq!(times(&evs, EventKind::Stopped, old), vec![t + us(42.01)], "task {old}");
        assert_eq!(task(&out, old).stop_code, Some(StopCode::ServiceSchedulerInitiated));
    }
    // Never fewer than 4 healthy once the service is up (it peaks at 6).
    let series = healthy_series(&evs, "web");
    assert_eq!(lowest_after_start(&series, 4), 4, "{series:?}");
    assert_eq!(series.iter().map(|&(_, n)| n).max(), Some(6));

    // faults.csv: one row; 2 tasks hit, lowest 4; the occurrence ends with the termination at
    // 720 s, when the service is (already) at 4 healthy: recovered at 720 s.
    assert_eq!(out.fault_rows.len(), 1, "{:#?}", out.fault_rows);
    let row = &out.fault_rows[0];
    assert_eq!((row.kind, row.target.as_str(), row.service.as_str()), ("spot_interruption", i0.as_str(), "web"));
    assert_eq!((row.start_s, row.end_s, row.desired, row.tasks_lost, row.lowest_healthy), (600.0, 720.0, 4, 2, 4));
    assert_eq!((row.recovered_s, row.time_to_recover_s), (Some(720.0), Some(120.0)));
    assert_eq!(row.requests_failed, 0);
    assert_eq!(traffic(&out).figures.elb_5xx, 0);
}

#[test]
fn spot_draining_with_min_100_cannot_beat_the_two_minutes_when_start_is_slow() {
    // The documented warning (docs/ecs-model.md#spot-interruptions): the same, with a start delay of 130 s. The replacements placed
    // at the notice (600 s) are RUNNING only at 730 s; min 100 keeps the draining tasks until
    // then — but EC2 terminates the instance at 720 s: its 2 tasks are killed (stop code
    // SpotInterruption, STOPPED at 720 s, no deregistration), requests in flight on them get a
    // 502, and the service is down to 2 healthy tasks until the replacements are healthy at
    // 730.01 s. faults.csv: lost 2, lowest 2, recovered at 730.01 s.
    let s = spot_scenario("130s", true);
    let out = run(&s);
    let evs = events(&out);
    let t = us(600.0);
    for old in [0, 3] {
        assert_eq!(times(&evs, EventKind::Stopped, old), vec![t + us(120.0)], "task {old}");
        assert!(times(&evs, EventKind::Deactivating, old).is_empty(), "task {old} was never stopped by the scheduler");
        assert_eq!(task(&out, old).stop_code, Some(StopCode::SpotInterruption));
    }
    for r in [4, 5] {
        assert_eq!(times(&evs, EventKind::Placed, r), vec![t]);
        assert_eq!(times(&evs, EventKind::Healthy, r), vec![t + us(130.01)]);
    }
    let series = healthy_series(&evs, "web");
    assert_eq!(lowest_after_start(&series, 4), 2, "{series:?}");
    let row = &out.fault_rows[0];
    assert_eq!((row.tasks_lost, row.lowest_healthy, row.recovered_s), (2, 2, Some(730.01)));
    // The killed tasks' in-flight requests are 502s in the minute at 720 s: 400 requests/s of
    // 20 ms on 4 targets keep ≈ 8 in flight (Little), ≈ 4 on the 2 killed ones.
    assert!(alb_minute(&out, "web", 720).elb_502 > 0, "{:?}", alb_minute(&out, "web", 720));
}

// ---------------------------------------------------------------------------------------------
// 2. Spot interruption without spot draining (docs/ecs-model.md#spot-interruptions → docs/ecs-model.md#instance-failure), on an Auto
// Scaling group
// ---------------------------------------------------------------------------------------------

/// Auto Scaling group "asg" of 3 m5.xlarge (one per zone at t = 0: ordinals 0 a, 1 b, 2 c),
/// max 4, launches registering after 60 s + 30 s.
fn asg(purchase: &str, desired: u32, max: u32) -> String {
    format!(
        "\n[cluster]\nzones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]\n\n[[auto_scaling_groups]]\nname = \"asg\"\ninstance_type = \"m5.xlarge\"\npurchase = \"{purchase}\"\nmin = {desired}\ndesired = {desired}\nmax = {max}\n"
    )
}

#[test]
fn spot_notice_without_draining_kills_the_tasks_at_two_minutes_and_the_group_replaces_the_instance() {
    // The agent's default (no ECS_ENABLE_SPOT_INSTANCE_DRAINING): at the notice (600 s) nothing
    // moves; the 2 tasks on instance 0 serve until EC2 terminates it at 600 + 120 = 720 s. Then
    // ECS marks them STOPPED (stop code SpotInterruption) at 720 s; their in-flight requests get
    // 502s (400/s × 20 ms over 4 targets: ≈ 4 in flight on the 2). The scheduler places 2
    // replacements at 720 s on instances 1 and 2 (AZ spread over b, c), healthy at 730.01 s. The
    // group (purchase spot) loses its member at 720 s and launches a replacement at once, in
    // us-east-1a (the zone with the fewest of its instances), ACTIVE at 720 + 60 + 30 = 810 s.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("spot-no-draining", "20m", 5),
            &asg("spot", 3, 4),
            WEB,
            LB_WEB,
            SERVICE4,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "spot"
kind = "spot_interruption"
instance = 0
at = "10m"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let (t, kill) = (us(600.0), us(720.0));
    assert_eq!(tasks_on(&out, 0)[..2], [0, 3]);
    for old in [0, 3] {
        // RUNNING since 10 s, never told to stop, STOPPED with the instance.
        assert!(times(&evs, EventKind::Deactivating, old).is_empty());
        assert_eq!(times(&evs, EventKind::Stopped, old), vec![kill], "task {old}");
        assert_eq!(task(&out, old).stop_code, Some(StopCode::SpotInterruption));
    }
    // The notice is in the event log at t, but no DRAINING follows it.
    assert!(evs.iter().any(|e| e.kind == EventKind::Fault && e.us == t && e.detail.contains("Spot interruption notice")));
    let inst = instance_events(&evs);
    assert!(!inst.iter().any(|e| e.1 == "DRAINING"), "{inst:#?}");
    // The replacements: placed when the tasks are gone, not before.
    let placed: Vec<(u32, u64, u32)> = evs
        .iter()
        .filter(|e| e.kind == EventKind::Placed && e.us > 0)
        .map(|e| (e.task.unwrap(), e.us, task(&out, e.task.unwrap()).instance.0))
        .collect();
    assert_eq!(placed, vec![(4, kill, 1), (5, kill, 2)]);
    assert_eq!(times(&evs, EventKind::Healthy, 4), vec![kill + us(10.01)]);
    // 502s in the minute of the termination, none before.
    assert!(alb_minute(&out, "web", 720).elb_502 > 0, "{:?}", alb_minute(&out, "web", 720));
    assert_eq!(alb_minute(&out, "web", 660).elb_502, 0);
    assert_eq!(alb_minute(&out, "web", 600).elb_5xx, 0, "the notice alone costs nothing");
    // The group: instance 0 TERMINATED at 720 s, a launch at 720 s into us-east-1a, ACTIVE at 810 s.
    let i0 = out.cluster.instances[0].ec2_instance_id.clone();
    assert!(inst.contains(&(kill, "TERMINATED".into(), i0.clone(), "us-east-1a".into())), "{inst:#?}");
    // (A launching instance is not registered yet: its LAUNCHING row names no instance or zone.)
    let launched: Vec<(u64, &str, &str)> =
        inst.iter().filter(|e| e.1 == "LAUNCHING" || (e.1 == "ACTIVE" && e.0 > 0)).map(|e| (e.0, e.1.as_str(), e.3.as_str())).collect();
    assert_eq!(launched, vec![(kill, "LAUNCHING", ""), (us(810.0), "ACTIVE", "us-east-1a")], "{inst:#?}");
    let row = &out.fault_rows[0];
    assert_eq!((row.end_s, row.tasks_lost, row.lowest_healthy, row.recovered_s), (720.0, 2, 2, Some(730.01)));
    assert!(row.requests_failed >= alb_minute(&out, "web", 720).elb_502);
}

// ---------------------------------------------------------------------------------------------
// 3. Instance failure (docs/ecs-model.md#instance-failure, docs/ecs-model.md#alb-health-checks, docs/ecs-model.md#alb-errors)
// ---------------------------------------------------------------------------------------------

#[test]
fn an_instance_failure_seen_at_once_stops_its_tasks_and_replaces_them_at_once() {
    // detection = 0 (the default: EC2 terminated, the control plane sees it): at 600 s the 2 tasks
    // of instance 0 are STOPPED (TerminationNotice) and the instance INACTIVE; the scheduler
    // places 2 replacements at 600 s on instances 1 and 2, healthy at 610.01 s.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("instance-failure-0", "15m", 5),
            CLUSTER3,
            WEB,
            LB_WEB,
            SERVICE4,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "crash"
kind = "instance_failure"
instance = 0
at = "10m"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let t = us(600.0);
    for old in [0, 3] {
        assert_eq!(times(&evs, EventKind::Stopped, old), vec![t], "task {old}");
        assert_eq!(task(&out, old).stop_code, Some(StopCode::TerminationNotice));
    }
    let i0 = out.cluster.instances[0].ec2_instance_id.clone();
    assert!(instance_events(&evs).contains(&(t, "INACTIVE".into(), i0, "us-east-1a".into())));
    let placed: Vec<(u32, u64, u32)> = evs
        .iter()
        .filter(|e| e.kind == EventKind::Placed && e.us > 0)
        .map(|e| (e.task.unwrap(), e.us, task(&out, e.task.unwrap()).instance.0))
        .collect();
    assert_eq!(placed, vec![(4, t, 1), (5, t, 2)]);
    let row = &out.fault_rows[0];
    assert_eq!((row.tasks_lost, row.lowest_healthy, row.recovered_s), (2, 2, Some(610.01)));
}

#[test]
fn an_instance_failure_detected_after_60_s_costs_504s_until_the_targets_are_unhealthy() {
    // detection = 60 s on an Auto Scaling group member (replace_after: the default 120 s).
    // Health checks of the targets of tasks 0 and 3 (registered at R = 10 s): every 30 s from
    // 10 s, so the last good check before the failure at tf = 600 s is at t0 = 580 s (phase
    // tf − t0 = 20 s). The checks at 610 and 640 s time out at 615 and 645 s: unhealthy at
    // t0 + U·interval + timeout = 580 + 2 × 30 + 5 = 645 s = tf + 65 − 20 (docs/ecs-model.md#alb-health-checks).
    // Until then the round robin sends every other request to a dead target: ≈ 400/s × 45 s / 2
    // ≈ 9,000 504s, all in the minute at 600 s, none after.
    // At 645 s the scheduler sees 2 unhealthy tasks (grace period 0, docs/ecs-model.md#grace-period) and,
    // docs/ecs-model.md#replica-reconciliation, starts
    // replacements first — AZ spread: a still counts 2 (the unhealthy tasks are desired
    // RUNNING), b and c 1 → instance 1, then c → instance 2 — RUNNING at 655 s, healthy at
    // 655.01 s, when it stops the unhealthy tasks 0 and 3 (ServiceSchedulerInitiated,
    // deregistering for 30 s). At 660 s ECS learns of the failure: the two, still deregistering,
    // are STOPPED and the instance INACTIVE. faults.csv: lost 2, lowest 2 (645 → 655.01 s: the two
    // on instance 0 are unreachable), recovered at 660 s (the lost tasks STOPPED, 4 healthy).
    // For ECS the instance's agent is gone at 660 s; it stays in its group until, at 720 s, the
    // group's health check terminates it (TERMINATED, INACTIVE) and launches a replacement in
    // us-east-1a, ACTIVE at 810 s. EC2 bills instance 0 until 720 s: with the other two for the
    // whole 1,200 s and the new one from its launch, 720 + 2 × 1,200 + 480 = 3,600 s.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("instance-failure-60", "20m", 5),
            &asg("on-demand", 3, 4),
            WEB,
            LB_WEB,
            SERVICE4,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "impaired"
kind = "instance_failure"
instance = 0
at = "10m"
detection = "60s"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let (tf, interval, timeout, u): (f64, f64, f64, f64) = (600.0, 30.0, 5.0, 2.0);
    let t0 = 10.0 + ((tf - 10.0) / interval).floor() * interval; // 580
    let unhealthy_at = tf + u * interval + timeout - (tf - t0);
    assert_eq!(unhealthy_at, 645.0);
    for old in [0u32, 3] {
        let states: Vec<(u64, String)> = evs
            .iter()
            .filter(|e| e.kind == EventKind::TargetHealth && e.task == Some(old) && e.us >= us(tf))
            .map(|e| (e.us, e.reason.clone()))
            .collect();
        assert_eq!(states.first(), Some(&(us(unhealthy_at), "unhealthy".to_string())), "task {old}: {states:?}");
        assert_eq!(times(&evs, EventKind::Deactivating, old), vec![us(655.01)], "task {old}");
        assert_eq!(times(&evs, EventKind::Stopped, old), vec![us(tf + 60.0)], "task {old}");
        assert_eq!(task(&out, old).stop_code, Some(StopCode::ServiceSchedulerInitiated));
    }
    let m600 = alb_minute(&out, "web", 600);
    assert!((m600.elb_504 as f64 - 9000.0).abs() < 450.0, "{m600:?}");
    assert_eq!(alb_minute(&out, "web", 540).elb_5xx, 0);
    assert_eq!(alb_minute(&out, "web", 660).elb_504, 0);
    let inst = instance_events(&evs);
    let i0 = out.cluster.instances[0].ec2_instance_id.clone();
    let of0: Vec<(u64, &str)> = inst.iter().filter(|e| e.2 == i0).map(|e| (e.0, e.1.as_str())).collect();
    assert_eq!(of0, vec![(us(720.0), "TERMINATED"), (us(720.0), "INACTIVE")], "{inst:#?}");
    let launched: Vec<(u64, &str, &str)> =
        inst.iter().filter(|e| e.1 == "LAUNCHING" || (e.1 == "ACTIVE" && e.0 > 0)).map(|e| (e.0, e.1.as_str(), e.3.as_str())).collect();
    assert_eq!(launched, vec![(us(720.0), "LAUNCHING", ""), (us(810.0), "ACTIVE", "us-east-1a")]);
    assert_eq!(out.capacity.cost.ec2.iter().map(|c| c.billed_seconds).sum::<u64>(), 3600);
    let placed: Vec<(u32, u64, u32)> = evs
        .iter()
        .filter(|e| e.kind == EventKind::Placed && e.us > 0)
        .map(|e| (e.task.unwrap(), e.us, task(&out, e.task.unwrap()).instance.0))
        .collect();
    assert_eq!(placed, vec![(4, us(645.0), 1), (5, us(645.0), 2)]);
    assert_eq!((times(&evs, EventKind::Healthy, 4), times(&evs, EventKind::Healthy, 5)), (vec![us(655.01)], vec![us(655.01)]));
    let row = &out.fault_rows[0];
    assert_eq!((row.tasks_lost, row.lowest_healthy, row.recovered_s), (2, 2, Some(660.0)));
    assert!(row.requests_failed >= m600.elb_504);
}

// ---------------------------------------------------------------------------------------------
// 4. Zone outage with AZ spread (docs/ecs-model.md#placement-defaults, docs/ecs-model.md#instance-failure)
// ---------------------------------------------------------------------------------------------

#[test]
fn a_zone_outage_with_az_spread_costs_only_the_zones_tasks() {
    // Group "asg" of 6 m5.xlarge: launches go to the zone with the fewest members, so ordinals
    // 0..5 are in a, b, c, a, b, c. The service of 6 tasks (AZ spread, then instance spread,
    // ties to the lowest ordinal) has one task per instance, 2 per zone. us-east-1b is out from
    // 600 s for 20 min (to 1800 s), detection 60 s, replace_after 120 s:
    // * tasks 1 and 4 (instances 1, 4) are unreachable at 600 s; their targets (checked every
    //   30 s from 10 s, last good check 580 s) are unhealthy at 580 + 2 × 30 + 5 = 645 s (docs/ecs-model.md#alb-health-checks).
    //   The scheduler then starts replacements first (docs/ecs-model.md#replica-reconciliation, max 200): AZ spread still counts 2
    //   per zone (the unhealthy tasks are desired RUNNING) → a (instance 0), then b and c tie →
    //   b, instance 1: ECS does not know yet that b is out (its agents look connected until
    //   `detection`), so it places a task on an unreachable instance, where it stays PENDING.
    //   Task 6 is healthy at 655.01 s → the scheduler stops unhealthy task 1. At 660 s ECS learns
    //   of the outage: tasks 1, 4 and the stuck task 7 are STOPPED, and the one replacement still
    //   missing goes to c (instance 2; b's instances are disconnected now). Every replacement
    //   that runs is in a or c; lowest healthy = 6 − 2 = 4;
    // * the 4 tasks in a and c are never stopped: RUNNING through the outage;
    // * at 720 s the group replaces instances 1 and 4, launching into a and c — never b while b
    //   is out.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("zone-outage-spread", "40m", 5),
            &asg("on-demand", 6, 8),
            WEB,
            LB_WEB,
            r#"
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
deployment = { minimum_healthy_percent = 100, maximum_percent = 200 }
load_balancers = [{ target_group = "web", container_port = 80 }]
placement_strategy = [{ type = "spread", field = "attribute:ecs.availability-zone" }, { type = "spread", field = "instanceId" }]
"#,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "az-b"
kind = "zone_outage"
zone = "us-east-1b"
at = "10m"
duration = "20m"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let zone_of = |i: u32| out.cluster.instances[i as usize].availability_zone.clone();
    assert_eq!((0..6).map(zone_of).collect::<Vec<_>>(), ["us-east-1a", "us-east-1b", "us-east-1c"].repeat(2));
    let (start, end) = (600.0, 1800.0);
    let initial: Vec<u32> = (0..6).collect();
    assert_eq!(initial.iter().map(|&t| task(&out, t).instance.0).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 5]);
    for &t in &initial {
        let z = zone_of(task(&out, t).instance.0);
        if z == "us-east-1b" {
            assert_eq!(secs(task(&out, t).stopped_at), Some(start + 60.0), "task {t} in b");
        } else {
            // Still RUNNING at the end of the outage (and at the end of the run).
            assert!(task(&out, t).stopped_at.is_none_or(|s| s.as_secs_f64() > end), "task {t} in {z} stopped");
            assert!(times(&evs, EventKind::Deactivating, t).is_empty(), "task {t} in {z}");
        }
    }
    let placed: Vec<(u32, u64, String)> =
        evs.iter().filter(|e| e.kind == EventKind::Placed && e.us > 0).map(|e| (e.task.unwrap(), e.us, e.zone.clone())).collect();
    let (a, b, c) = ("us-east-1a".to_string(), "us-east-1b".to_string(), "us-east-1c".to_string());
    assert_eq!(placed, vec![(6, us(645.0), a.clone()), (7, us(645.0), b.clone()), (8, us(660.0), c.clone())]);
    assert_eq!(times(&evs, EventKind::Deactivating, 1), vec![us(655.01)]);
    assert!(times(&evs, EventKind::Running, 7).is_empty(), "task 7 never starts in the dead zone");
    assert_eq!((secs(task(&out, 7).stopped_at), task(&out, 7).stop_code), (Some(660.0), Some(StopCode::TerminationNotice)));
    // Every task that reached RUNNING after the outage started is in a or c.
    let ran: Vec<String> =
        (6..out.tasks.len() as u32).filter(|&t| task(&out, t).running_at.is_some()).map(|t| zone_of(task(&out, t).instance.0)).collect();
    assert_eq!(ran, vec![a, c]);
    // faults.csv: one row; lost 2, lowest = the tasks outside the zone.
    assert_eq!(out.fault_rows.len(), 1, "{:#?}", out.fault_rows);
    let row = &out.fault_rows[0];
    assert_eq!((row.kind, row.target.as_str(), row.start_s, row.end_s), ("zone_outage", "us-east-1b", start, end));
    assert_eq!((row.desired, row.tasks_lost, row.lowest_healthy), (6, 2, 4));
    // The group launches only outside b during the outage.
    let inst = instance_events(&evs);
    // (A LAUNCHING row names no zone yet: the zones are those of the instances registered
    // 60 + 30 s later.)
    let launches: Vec<(u64, &str, &str)> =
        inst.iter().filter(|e| e.1 == "LAUNCHING" || (e.1 == "ACTIVE" && e.0 > 0)).map(|e| (e.0, e.1.as_str(), e.3.as_str())).collect();
    assert_eq!(
        launches,
        vec![
            (us(720.0), "LAUNCHING", ""),
            (us(720.0), "LAUNCHING", ""),
            (us(810.0), "ACTIVE", "us-east-1a"),
            (us(810.0), "ACTIVE", "us-east-1c")
        ],
        "{inst:#?}"
    );
    let terminated: Vec<(u64, &str)> = inst.iter().filter(|e| e.1 == "TERMINATED").map(|e| (e.0, e.3.as_str())).collect();
    assert_eq!(terminated, vec![(us(720.0), "us-east-1b"), (us(720.0), "us-east-1b")]);
}

// ---------------------------------------------------------------------------------------------
// 5. Common random numbers: another placement leaves arrivals and failure times where they were
// ---------------------------------------------------------------------------------------------

/// The zone-outage lesson (variants "spread" and "binpack"), its instances named "fleet", with
/// two drawn faults more: each instance wears out after a Weibull(30 min, 1.5) lifetime (its
/// own stream `fault/wear/instance/<ordinal>`), and each task crashes at 6 per hour (stream
/// `fault/bugs/task/<n>`, the n-th task of the service to reach RUNNING).
fn lesson_with_drawn_faults() -> Scenario {
    let path = repo("scenarios/lessons/faults/zone-outage-binpack-vs-spread.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("type = \"m5.xlarge\"\ncount = 6", "name = \"fleet\"\ntype = \"m5.xlarge\"\ncount = 6", 1);
    assert!(text.contains("name = \"fleet\""));
    let text = format!(
        "{text}
[[faults]]
name = \"wear\"
kind = \"instance_failure\"
group = \"fleet\"
time_to_failure = {{ distribution = \"weibull\", scale = \"30m\", shape = 1.5 }}
detection = \"60s\"

[[faults]]
name = \"bugs\"
kind = \"app_crash\"
service = \"web\"
rate_per_hour = 6
"
    );
    scenario::load_str(&path, &text).unwrap_or_else(|d| panic!("{d}"))
}

fn variant(s: &Scenario, name: &str) -> Scenario {
    s.with_variant(s.variants.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("no variant {name}")))
}

#[test]
fn binpack_and_spread_see_the_same_requests_and_the_same_failures() {
    let base = lesson_with_drawn_faults();
    let (spread, binpack) = (run(&variant(&base, "spread")), run(&variant(&base, "binpack")));
    // The placements differ (at t = 0: 1 task per instance under spread, 4 on one under binpack) ...
    let most_on_one =
        |o: &RunOutcome| (0..6).map(|i| tasks_on(o, i).iter().filter(|&&t| task(o, t).placed_at.as_micros() == 0).count()).max();
    assert_eq!((most_on_one(&spread), most_on_one(&binpack)), (Some(1), Some(4)));
    // ... the arrivals do not: the same requests from each source (`sources[].sent` counts
    // arrivals, stream traffic/<source>).
    let (ts, tb) = (traffic(&spread), traffic(&binpack));
    assert_eq!(
        ts.sources.iter().map(|s| (s.source.clone(), s.figures.sent)).collect::<Vec<_>>(),
        tb.sources.iter().map(|s| (s.source.clone(), s.figures.sent)).collect::<Vec<_>>()
    );
    // `traffic.requests` counts requests with an outcome, so it is the arrivals less those still
    // in flight at the end of the run — which depends on the queues, hence on the placement.
    let arrivals: u64 = ts.sources.iter().map(|s| s.figures.sent).sum();
    for t in [ts, tb] {
        let f = &t.figures;
        assert_eq!(f.requests + f.in_flight_at_end, arrivals);
        assert!(f.in_flight_at_end < 100, "{} of {arrivals} in flight", f.in_flight_at_end);
    }
    // The failure times do not either. The instance lifetimes, by hand: instance i fails at its
    // Weibull draw from stream fault/wear/instance/i — unless it is already unreachable then
    // (us-east-1b, ordinals 1 and 4, is out from 600 s to 1800 s) or the draw is past the run.
    let wear = base.faults.iter().find(|f| f.name == "wear").unwrap();
    let ecsim::faults::FaultKind::InstanceFailure { timing: ecsim::faults::Timing::Lifetime(d), .. } = &wear.kind else { panic!() };
    let streams = ecsim::engine::Streams::new(base.seed);
    let mut expected: Vec<(String, f64)> = (0..6u32)
        .filter_map(|i| {
            let at = d.sample(&mut streams.get(&format!("fault/wear/instance/{i}"))).as_secs_f64();
            let in_b = i % 3 == 1;
            let down = in_b && (600.0..1800.0).contains(&at);
            (at <= 2400.0 && !down).then(|| (base.cluster.instances[i as usize].ec2_instance_id.clone(), at))
        })
        .collect();
    expected.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert!(!expected.is_empty(), "the test needs at least one wear-out in the run");
    let failures = |o: &RunOutcome| -> Vec<(String, f64)> {
        o.fault_rows.iter().filter(|r| r.fault == "wear").map(|r| (r.target.clone(), r.start_s)).fold(Vec::new(), |mut v, x| {
            if v.last() != Some(&x) {
                v.push(x);
            }
            v
        })
    };
    let close = |a: &[(String, f64)], b: &[(String, f64)]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() < 1e-6)
    };
    assert!(close(&failures(&spread), &expected), "{:?} vs {expected:?}", failures(&spread));
    assert!(close(&failures(&binpack), &expected), "{:?} vs {expected:?}", failures(&binpack));
    // On the event log: every instance fault event (failure, detection, outage, back) is at the
    // same time with the same text in both runs.
    let fault_events = |o: &RunOutcome| -> Vec<(u64, String)> {
        events(o).into_iter().filter(|e| e.kind == EventKind::Fault && e.task.is_none()).map(|e| (e.us, e.detail)).collect()
    };
    assert_eq!(fault_events(&spread), fault_events(&binpack));
    // App crashes: the n-th task to reach RUNNING crashes after its n-th draw. Until something
    // makes the two runs lose different tasks (the first wear-out, or the outage at 600 s), the
    // same tasks reach RUNNING at the same times, so the crashes are at the same times.
    let horizon = expected[0].1.min(600.0);
    let crashes = |o: &RunOutcome| -> Vec<f64> {
        o.fault_rows.iter().filter(|r| r.fault == "bugs" && r.start_s < horizon).map(|r| r.start_s).collect()
    };
    assert!(!crashes(&spread).is_empty(), "the test needs a crash before {horizon} s");
    assert_eq!(crashes(&spread), crashes(&binpack));
}

// ---------------------------------------------------------------------------------------------
// 6. App crash and bad revision
// ---------------------------------------------------------------------------------------------

#[test]
fn an_app_crash_loses_one_task_for_one_deregistration_delay() {
    // At 300 s the fault's stream picks one of the 4 RUNNING tasks; its essential container
    // exits: requests in flight on it get 502s, ECS stops it (EssentialContainerExited) — it is
    // deregistered for 30 s, with no SIGTERM wait (the application is gone): STOPPED at 330 s.
    // The scheduler places a replacement at 300 s, healthy at 310.01 s. faults.csv: lost 1,
    // lowest 3, recovered once the crashed task is STOPPED and 4 are healthy: 330 s.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("app-crash", "10m", 5),
            CLUSTER3,
            WEB,
            LB_WEB,
            SERVICE4,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "oops"
kind = "app_crash"
service = "web"
at = "5m"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    assert_eq!(out.fault_rows.len(), 1, "{:#?}", out.fault_rows);
    let row = &out.fault_rows[0];
    let crashed: u32 = row.target.trim_start_matches("t-").parse().unwrap();
    assert!(crashed < 4);
    assert_eq!(task(&out, crashed).stop_code, Some(StopCode::EssentialContainerExited));
    assert_eq!(times(&evs, EventKind::Deactivating, crashed), vec![us(300.0)]);
    assert_eq!(times(&evs, EventKind::Stopped, crashed), vec![us(330.0)]);
    assert_eq!(times(&evs, EventKind::Placed, 4), vec![us(300.0)]);
    assert_eq!(times(&evs, EventKind::Healthy, 4), vec![us(310.01)]);
    assert_eq!((row.kind, row.service.as_str(), row.desired, row.tasks_lost, row.lowest_healthy), ("app_crash", "web", 4, 1, 3));
    assert_eq!((row.start_s, row.recovered_s, row.time_to_recover_s), (300.0, Some(330.0), Some(30.0)));
    // Every failed request of the run is the crash's (502s of the requests in flight).
    let t = traffic(&out);
    assert_eq!(row.requests_failed, t.figures.requests - t.figures.successful);
    assert_eq!(t.figures.elb_5xx - alb_minute(&out, "web", 300).elb_502, 0);
}

/// A service of 4 with the circuit breaker (rollback) and targets healthy only after 5 passing
/// checks (5 × 30 s: RUNNING at 10 s → healthy at 130.01 s), updated at 300 s to a bad revision.
fn bad_revision_scenario(failure: &str) -> Scenario {
    load_parts(
        "faults_sim",
        &[
            &head_first("bad-revision", "30m", 5),
            CLUSTER3,
            &WEB.replace("deregistration_delay = \"30s\"", "deregistration_delay = \"30s\"\nhealth_check = { initial = \"threshold\" }"),
            LB_WEB,
            r#"
[[services]]
name = "web"
task_definition = "web"
desired_count = 4
deployment = { minimum_healthy_percent = 100, maximum_percent = 200, circuit_breaker = { enable = true, rollback = true } }
load_balancers = [{ target_group = "web", container_port = 80 }]
"#,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            &format!("\n[[faults]]\nname = \"bad\"\nkind = \"bad_revision\"\nservice = \"web\"\nat = \"5m\"\nfailure = \"{failure}\"\n"),
        ],
    )
}

#[test]
fn a_bad_revision_that_exits_after_running_crash_loops_without_tripping_the_circuit_breaker() {
    // At 300 s: UpdateService to web:2, whose containers exit 30 s after RUNNING (the default
    // `after`). max 200 → 4 new tasks placed at 300 s, RUNNING at 310 s, exited at 340 s — never
    // healthy (that takes until 430.01 s), so min 100 keeps the 4 old tasks: nothing is lost.
    // Each exited task is deregistered for 30 s (STOPPED at 370 s) and replaced, and so on: a
    // crash loop. The circuit breaker does NOT trip: stage 1 ends when the first new task is
    // RUNNING, and stage 2 counts only tasks stopped for failed health checks (docs/ecs-model.md#circuit-breaker; AWS:
    // "If a task successfully starts … but then stops, then the circuit breaker might not
    // activate"). So the deployment is still IN_PROGRESS at the end with failedTasks 0, and
    // faults.csv's row never recovers (lost 0, lowest 4). Compare `failure = "health_check"`
    // below, which does trip it.
    let out = run(&bad_revision_scenario("exits"));
    let deps: Vec<_> = out.recorder.deployments.iter().filter(|d| d.service == "web").collect();
    let bad = deps.iter().find(|d| d.started_s == 300.0).unwrap_or_else(|| panic!("{deps:#?}"));
    assert_eq!((bad.outcome.as_str(), bad.failed_tasks, deps.len()), ("IN_PROGRESS", 0, 2), "{deps:#?}");
    // The old tasks were never stopped.
    for t in 0..4 {
        assert!(task(&out, t).stopped_at.is_none(), "old task {t}");
    }
    let first: Vec<&Task> = out.tasks.iter().filter(|t| t.placed_at.as_secs_f64() == 300.0).collect();
    assert_eq!(first.len(), 4);
    assert!(first.iter().all(|t| t.stop_code == Some(StopCode::EssentialContainerExited)
        && secs(t.running_at) == Some(310.0)
        && secs(t.stopped_at) == Some(370.0)));
    // The loop: replacements keep coming (4 every 70 s: 10 s start, 30 s up, 30 s deregistering).
    let loops = out.tasks.iter().filter(|t| t.task_definition == first[0].task_definition).count();
    assert!(loops >= 4 * 20, "{loops} tasks of web:2");
    assert_eq!(out.fault_rows.len(), 1, "{:#?}", out.fault_rows);
    let row = &out.fault_rows[0];
    assert_eq!((row.kind, row.desired, row.tasks_lost, row.lowest_healthy, row.recovered_s), ("bad_revision", 4, 0, 4, None));
}

#[test]
fn a_bad_revision_failing_health_checks_has_unhealthy_targets_and_rolls_back() {
    // web:2 answers health checks with errors: each new target (registered at 310 s) fails the
    // checks at 310 and 340 s (+10 ms) → unhealthy at 340.01 s (U = 2, docs/ecs-model.md#alb-health-checks); ECS stops the
    // unhealthy tasks and counts them (docs/ecs-model.md#circuit-breaker stage 2): 3 → FAILED, rollback. Nothing old is lost.
    let out = run(&bad_revision_scenario("health_check"));
    let evs = events(&out);
    let new: Vec<u32> = (0..out.tasks.len() as u32).filter(|&t| task(&out, t).placed_at.as_secs_f64() == 300.0).collect();
    assert_eq!(new.len(), 4);
    for &t in &new {
        let unhealthy: Vec<u64> = evs
            .iter()
            .filter(|e| e.kind == EventKind::TargetHealth && e.task == Some(t) && e.reason == "unhealthy")
            .map(|e| e.us)
            .collect();
        assert_eq!(unhealthy.first(), Some(&us(340.01)), "task {t}");
        assert!(task(&out, t).stopped_at.is_some(), "task {t}");
    }
    let deps: Vec<_> = out.recorder.deployments.iter().filter(|d| d.service == "web").collect();
    let bad = deps.iter().find(|d| d.started_s == 300.0).unwrap();
    assert_eq!(bad.outcome, "FAILED", "{deps:#?}");
    let rollback = deps.iter().find(|d| d.started_s > 300.0).unwrap_or_else(|| panic!("no rollback: {deps:#?}"));
    assert_eq!(rollback.outcome, "COMPLETED");
    assert_eq!(out.fault_rows.len(), 1);
    let row = &out.fault_rows[0];
    assert_eq!((row.tasks_lost, row.lowest_healthy), (0, 4));
    assert_eq!(row.recovered_s, rollback.ended_s);
}

// ---------------------------------------------------------------------------------------------
// 7. Determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn the_same_seed_gives_the_same_faults_and_events() {
    let s = variant(&lesson_with_drawn_faults(), "spread");
    let (a, b) = (run_seed(&s, 77), run_seed(&s, 77));
    assert!(!a.fault_rows.is_empty());
    assert_eq!(a.fault_rows, b.fault_rows);
    assert_eq!(events(&a), events(&b));
    assert_eq!(traffic(&a).figures.successful, traffic(&b).figures.successful);
    // And another seed draws other failures.
    let c = run_seed(&s, 78);
    assert_ne!(a.fault_rows, c.fault_rows);
}

// ---------------------------------------------------------------------------------------------
// 8. Bad input: located errors
// ---------------------------------------------------------------------------------------------

/// Lines 1–14: a 1-hour run, zones a and b, 2 instances, a service "web". Faults start at line 15.
const BAD_BASE: &str = r#"[scenario]
duration = "1h"
[cluster]
zones = ["us-east-1a", "us-east-1b"]
[[cluster.instances]]
name = "fleet"
type = "m5.large"
count = 2
[[task_definitions]]
name = "t"
cpu = 256
memory = 512
[[services]]
name = "web"
"#;

fn bad(faults: &str) -> Diagnostics {
    load_err(Path::new("bad.toml"), &format!("{BAD_BASE}task_definition = \"t\"\n{faults}"))
}

#[test]
fn fault_mistakes_are_errors_at_their_place() {
    // Line 15 is `task_definition`; the faults start at line 16.
    let d = bad("[[faults]]\nkind = \"zone_outage\"\nzone = \"us-east-1c\"\nat = \"10m\"\nduration = \"5m\"\n");
    assert_located(&d, 18, 8, "zone \"us-east-1c\" is not one of the cluster's zones");
    let d = bad("[[faults]]\nkind = \"instance_failure\"\ngroup = \"fleat\"\nat = \"10m\"\n");
    assert_located(&d, 18, 9, "no instance group or Auto Scaling group named \"fleat\"");
    assert!(d.to_string().contains("did you mean \"fleet\"?"), "{d}");
    let d = bad("[[faults]]\nkind = \"app_crash\"\nservice = \"api\"\nat = \"10m\"\n");
    assert_located(&d, 18, 11, "no service named \"api\"");
    let d = bad(
        "[[faults]]\nkind = \"zone_outage\"\nzone = \"us-east-1a\"\nat = \"10m\"\nduration = \"10m\"\n[[faults]]\nkind = \"zone_outage\"\nzone = \"us-east-1a\"\nat = \"15m\"\nduration = \"10m\"\n",
    );
    assert_located(&d, 24, 6, "overlaps another one");
    let d = bad("[[faults]]\nkind = \"app_crash\"\nservice = \"web\"\nrate_per_hour = -1.0\n");
    assert_located(&d, 19, 17, "rate_per_hour -1 is not a positive number");
    let d = bad("[[faults]]\nkind = \"app_crash\"\nservice = \"web\"\nat = \"10m\"\nzone = \"us-east-1a\"\n");
    assert_located(&d, 20, 8, "`zone` does not apply to a app_crash fault");
    let d = bad("[[faults]]\nkind = \"zone_outtage\"\nzone = \"us-east-1a\"\nat = \"10m\"\nduration = \"5m\"\n");
    assert_located(&d, 17, 8, "unknown variant `zone_outtage` for `kind`, expected one of `instance_failure`");
    assert!(d.to_string().contains("did you mean \"zone_outage\"?"), "{d}");
    let d = bad("[[faults]]\nkind = \"instance_failure\"\ninstance = 2\nat = \"10m\"\n");
    assert_located(&d, 18, 12, "instance 2 does not exist");
    let d = bad("[[faults]]\nkind = \"instance_failure\"\ninstance = 0\nat = \"2h\"\n");
    assert_located(&d, 19, 6, "is after the end of the run");
}

// ---------------------------------------------------------------------------------------------
// 9. SLO
// ---------------------------------------------------------------------------------------------

#[test]
fn the_slo_in_the_summary_is_the_traffic_totals_held_to_the_objective() {
    // The lesson's spread variant: [slo] availability 99.9 %, p99 200 ms. By hand from the run's
    // traffic totals: availability = 100 × successful / requests; the budget is (1 − 0.999) ×
    // requests failures; spent = 100 × failed / budget.
    let base = load("scenarios/lessons/faults/zone-outage-binpack-vs-spread.toml");
    for name in ["spread", "binpack"] {
        let s = variant(&base, name);
        let out = run(&s);
        let slo = Summary::new(&s, Some(name), s.seed, &out).slo.expect("the lesson has an [slo]");
        let t = traffic(&out);
        let (requests, failed) = (t.figures.requests, t.figures.requests - t.figures.successful);
        assert!(requests > 1_000_000 && failed > 0, "{requests} {failed}");
        let availability = 100.0 * t.figures.successful as f64 / requests as f64;
        let budget = (1.0 - 0.999) * requests as f64;
        let spent = 100.0 * failed as f64 / budget;
        assert_eq!(slo.failed_requests, failed);
        assert!((slo.availability_pct - availability).abs() < 1e-6, "{name}: {} vs {availability}", slo.availability_pct);
        assert!((slo.error_budget_requests.unwrap() - budget).abs() < 1e-3, "{name}");
        assert!((slo.error_budget_spent_pct.unwrap() - spent).abs() < 1e-3, "{name}");
        assert_eq!(slo.availability_met, Some(availability >= 99.9));
        assert_eq!(slo.latency_ms_p99, t.latency_ms_p99);
        assert_eq!(slo.latency_met, Some(t.latency_ms_p99.unwrap() <= 200.0));
        assert_eq!(slo.met, slo.availability_met.unwrap() && slo.latency_met.unwrap());
        println!(
            "{name}: {requests} requests, {failed} failed, availability {availability:.4} %, budget spent {spent:.1} %, p99 {:?} ms",
            t.latency_ms_p99
        );
    }
}

#[test]
fn a_fargate_spot_interruption_stops_the_task_at_the_notice_and_the_service_replaces_it() {
    // Two tasks on FARGATE_SPOT, no load balancer. Fargate: PROVISIONING 60 s, then PENDING
    // 20 s → RUNNING at 80 s; no health check and no target, so healthy 40 s later (120 s,
    // docs/ecs-model.md#healthy-tasks). At 600 s the notice (docs/ecs-model.md#spot-interruptions): ECS stops the task at once (SIGTERM;
    // stop code
    // SpotInterruption) — no deregistration delay and an application that exits at once, so it
    // is STOPPED at 600 s, well before the two minutes are up. The scheduler launches a
    // replacement on FARGATE_SPOT at 600 s: RUNNING at 680 s, healthy at 720 s.
    // faults.csv: lost 1, lowest healthy 1, recovered at 720 s (120 s).
    let s = load_parts(
        "faults_sim",
        &[r#"
[scenario]
name = "fargate-spot"
duration = "15m"
seed = 3

[cluster]
zones = ["us-east-1a", "us-east-1b"]

[fargate]
provisioning = { distribution = "constant", value = "60s" }
pull_and_start = { distribution = "constant", value = "20s" }

[[task_definitions]]
name = "worker"
family = "worker"
cpu = 1024
memory = 2048
network_mode = "awsvpc"

[[services]]
name = "worker"
task_definition = "worker"
desired_count = 2
capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1 }]

[[faults]]
name = "reclaim"
kind = "spot_interruption"
capacity_provider = "FARGATE_SPOT"
service = "worker"
at = "10m"
"#],
    );
    let out = run(&s);
    let evs = events(&out);
    assert_eq!(out.fault_rows.len(), 1, "{:#?}", out.fault_rows);
    let row = &out.fault_rows[0];
    let hit: u32 = row.target.trim_start_matches("t-").parse().unwrap();
    assert!(hit < 2, "one of the two first tasks: {hit}");
    assert_eq!(times(&evs, EventKind::Running, hit), vec![us(80.0)]);
    assert_eq!(task(&out, hit).stop_code, Some(StopCode::SpotInterruption));
    assert_eq!(secs(task(&out, hit).stopping_at), Some(600.0));
    assert_eq!(secs(task(&out, hit).stopped_at), Some(600.0));
    // The replacement: task 2, on FARGATE_SPOT again.
    assert_eq!(times(&evs, EventKind::Placed, 2), vec![us(600.0)]);
    assert_eq!(times(&evs, EventKind::Running, 2), vec![us(680.0)]);
    assert_eq!(times(&evs, EventKind::Healthy, 2), vec![us(720.0)]);
    let rows = out.task_rows().unwrap();
    assert_eq!(rows[2].capacity_provider, "FARGATE_SPOT");
    assert_eq!((row.kind, row.service.as_str(), row.desired, row.tasks_lost, row.lowest_healthy), ("spot_interruption", "worker", 2, 1, 1));
    assert_eq!((row.start_s, row.recovered_s, row.time_to_recover_s), (600.0, Some(720.0), Some(120.0)));
}
