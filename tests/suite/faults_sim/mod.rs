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
//!
//! The tests, by concern: `spot` (Spot interruptions, with and without draining, and on
//! Fargate), `instance_loss` (an instance failure and a zone outage), `app_faults` (an application
//! crash and a bad revision), `lesson_runs` (the zone-outage lesson with drawn faults: common
//! random numbers, determinism, the SLO), `bad_input` (located errors in `[[faults]]`). The
//! helpers and scenario pieces they share are here.

mod app_faults;
mod bad_input;
mod instance_loss;
mod lesson_runs;
mod spot;

use ecsim::scenario::Diagnostics;
use ecsim::sim::alb::metrics::AlbMinuteRow;
use ecsim::sim::recorder::EventKind;
use ecsim::sim::{RunOutcome, Task};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

use crate::common::toml::head;
use crate::common::{traffic, Ev};

/// alb.csv row of target group `group` for the minute starting at `time_s`.
fn alb_minute<'a>(out: &'a RunOutcome, group: &str, time_s: u64) -> &'a AlbMinuteRow {
    traffic(out)
        .rows
        .iter()
        .find(|r| r.target_group == group && r.time_s == time_s)
        .unwrap_or_else(|| panic!("no alb.csv row for {group} at {time_s} s"))
}

fn secs(t: impl Into<Option<ecsim::engine::SimTime>>) -> Option<f64> {
    let t: Option<ecsim::engine::SimTime> = t.into();
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

/// Auto Scaling group "asg" of 3 m5.xlarge (one per zone at t = 0: ordinals 0 a, 1 b, 2 c),
/// max 4, launches registering after 60 s + 30 s.
fn asg(purchase: &str, desired: u32, max: u32) -> String {
    format!(
        "\n[cluster]\nzones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]\n\n[[auto_scaling_groups]]\nname = \"asg\"\ninstance_type = \"m5.xlarge\"\npurchase = \"{purchase}\"\nmin = {desired}\ndesired = {desired}\nmax = {max}\n"
    )
}

/// `per_second` requests/s (Poisson) from minute 1.
fn traffic_from_minute_1(per_second: u32) -> String {
    format!(
        "\n[[traffic]]\nname = \"users\"\nrate = {{ profile = \"steps\", steps = [{{ at = \"0s\", per_second = 0 }}, {{ at = \"1m\", per_second = {per_second} }}] }}\n"
    )
}
