//! The Application Load Balancer through the whole simulator: scenarios written inline (so each
//! test states its numbers), run with invariant checks, and read back from what a run records —
//! `RunOutcome::traffic` (summary.json's `traffic`, and alb.csv's minute rows), events.csv
//! (`TargetHealth` rows carry the target state in `reason`), services.csv and deployments.csv.
//! Every expected number is derived in a comment from the behaviour in docs/ecs-model.md
//! (docs/ecs-model.md#task-health, docs/ecs-model.md#deployments, docs/ecs-model.md#load-balancer,
//! docs/ecs-model.md#choices).
//!
//! Timings common to the scenarios unless a test says otherwise: start delay 10 s (PENDING →
//! RUNNING, docs/ecs-model.md#simulated-time's default, written out in `cluster()`), so a task placed at t = 0 is RUNNING —
//! and its target registered, `initial` (docs/ecs-model.md#target-registration) — at R = 10 s; the simulator answers a health check
//! in 10 ms (`HEALTH_CHECK_RESPONSE`), so with the default "one passing check" reading (docs/ecs-model.md#alb-health-checks,
//! docs/ecs-model.md#choice-first-health-check) the target is `healthy` at R + 0.01 s. Target-group defaults
//! (docs/ecs-model.md#alb-settings): interval 30 s,
//! timeout 5 s, healthy threshold 5, unhealthy threshold 2, round robin, cross-zone on.
//!
//! Run with `cargo test --release --test suite alb_sim::` (the queueing tests simulate 36 M requests).
//!
//! These tests first found four disagreements with docs/ecs-model.md, now fixed: `Healthy` events of
//! load-balanced tasks (docs/ecs-model.md#healthy-tasks, docs/ecs-model.md#example-load-balancer-and-container-check), slow start for
//! targets registered together into an empty
//! group (docs/ecs-model.md#target-selection step 5), load-balancer nodes in zones without instances (docs/ecs-model.md#alb-settings,
//! docs/ecs-model.md#target-selection step 6), and a
//! panic in a cluster without instances.
//!
//! The tests, by concern: `routing` (listener rules, the 503s before the first registration,
//! cross-zone load balancing off, slow start), `health_checks` (health-check timing, the load
//! balancer with a container health check, fail-open), `targets_leaving` (rolling updates and an
//! unhealthy revision under load, a task dying with requests in flight, the deregistration
//! delay), `queueing` (queueing theory through the whole simulator, and the cubebuster-edges
//! lesson against M/M/4) and `traffic_sources` (determinism and common random numbers,
//! access-log replay, located errors in bad traffic input). The helpers they share are here.

mod health_checks;
mod queueing;
mod routing;
mod targets_leaving;
mod traffic_sources;

use crate::common::toml::{lifecycle, THREE_ZONES_ONE_M5_XLARGE_EACH};
use crate::common::{load, traffic, Ev};
use ecsim::engine::{SimTime, Streams};
use ecsim::scenario::Scenario;
use ecsim::sim::alb::metrics::{AlbMinuteRow, GroupTotals};
use ecsim::sim::recorder::{DeploymentRow, EventKind};
use ecsim::sim::RunOutcome;
use ecsim::workload::traffic::{PoissonArrivals, RateProfile};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn load_lesson(name: &str) -> Scenario {
    load(&format!("scenarios/lessons/alb/{name}.toml"))
}

fn group<'a>(out: &'a RunOutcome, name: &str) -> &'a GroupTotals {
    traffic(out).target_groups.iter().find(|g| g.target_group == name).unwrap_or_else(|| panic!("no target group {name}"))
}

fn source(out: &RunOutcome, name: &str) -> u64 {
    traffic(out).sources.iter().find(|s| s.source == name).unwrap_or_else(|| panic!("no source {name}")).figures.sent
}

/// alb.csv rows of one target group, in minute order.
fn rows<'a>(out: &'a RunOutcome, group: &str) -> Vec<&'a AlbMinuteRow> {
    traffic(out).rows.iter().filter(|r| r.target_group == group).collect()
}

/// One events.csv row with what the tests need.
/// The first task of `service` to reach RUNNING, and when.
fn first_running(evs: &[Ev], service: &str) -> (u32, u64) {
    let e = evs.iter().find(|e| e.kind == EventKind::Running && e.source == service).unwrap_or_else(|| panic!("{service} never ran"));
    (e.task.unwrap(), e.us)
}

/// The TargetHealth events of one task: (µs, state, detail).
fn target_health(evs: &[Ev], task: u32) -> Vec<(u64, String, String)> {
    evs.iter()
        .filter(|e| e.kind == EventKind::TargetHealth && e.task == Some(task))
        .map(|e| (e.us, e.reason.clone(), e.detail.clone()))
        .collect()
}

fn deployment<'a>(out: &'a RunOutcome, service: &str, id: u32) -> &'a DeploymentRow {
    out.recorder
        .deployments
        .iter()
        .find(|d| d.service == service && d.deployment == id)
        .unwrap_or_else(|| panic!("no deployment {id} of {service}"))
}

/// services.csv CPUUtilization (%) of `service` over the minute starting at `time_s`.
fn cpu_pct(out: &RunOutcome, service: &str, time_s: u64) -> f64 {
    let row = out.recorder.service_minutes.iter().find(|m| m.service == service && m.time_s == time_s);
    row.and_then(|m| m.cpu_utilization_pct).unwrap_or_else(|| panic!("no CPU for {service} in the minute at {time_s} s"))
}

/// The arrivals a Poisson source makes in a run: the simulator draws source `name` from its own
/// stream `traffic/<name>` (src/sim/alb/traffic.rs), each arrival `next_after` the previous one.
fn poisson_arrivals(profile: RateProfile, seed: u64, name: &str, until: SimTime) -> Vec<SimTime> {
    let mut gen = PoissonArrivals::new(profile);
    let mut rng = Streams::new(seed).fast(&format!("traffic/{name}"));
    let mut out = Vec::new();
    let mut now = SimTime::ZERO;
    while let Some(t) = gen.next_after(now, &mut rng) {
        if t > until {
            break;
        }
        out.push(t);
        now = t;
    }
    out
}

/// Three zones, one m5.xlarge (4 vCPU, ~15.6 GiB) in each; start delay 10 s.
fn cluster() -> String {
    [THREE_ZONES_ONE_M5_XLARGE_EACH, &lifecycle("10s")].concat()
}
