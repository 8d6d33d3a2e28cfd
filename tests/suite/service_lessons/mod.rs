//! The service lessons of `scenarios/lessons/services/*.toml`, run through the library: every
//! number their header comments derive from docs/ecs-model.md (docs/ecs-model.md#service-scheduler
//! to docs/ecs-model.md#instances-leaving) is checked here — deployment durations, peaks and lows, the times and texts of events,
//! the minute rows of services.csv — and every lesson is deterministic.
//!
//! Common timings of the lessons: start delay 20 s (PENDING → RUNNING); a task without load
//! balancer or container health check counts as healthy 40 s after RUNNING (docs/ecs-model.md#healthy-tasks), so S = 60 s
//! from launch to healthy; `deregistration_delay = "300s"` (where set) stands in for the ALB, so a
//! RUNNING task told to stop is STOPPED R = 300 s later (the application exits at once on SIGTERM).
//!
//! Each test states what docs/ecs-model.md says; the ten discrepancies these tests first found
//! (spread counting stopping tasks, missing events, minute rows, daemon steady state, the
//! throttle reset, the docs/ecs-model.md#example-circuit-breaker rollback) are fixed.
//!
//! The tests, by lesson: `rolling_updates` (rolling-50-200, rolling-50-100,
//! rollout-blocked-90-110), `failures` (circuit-breaker-rollback, unhealthy-revision,
//! throttle-backoff), `instances` (drain-instance, daemon-growing-cluster) and `whole_runs`
//! (sinatra-hi, services.csv's rows, and every lesson deterministic). The helpers they share are
//! here.

mod failures;
mod instances;
mod rolling_updates;
mod whole_runs;

use crate::common::{load, run};
use ecsim::sim::recorder::{DeploymentRow, EventKind, ServiceMinuteRow};
use ecsim::sim::RunOutcome;
use std::collections::BTreeSet;

/// Every lesson of the folder (the determinism test runs them all).
const LESSONS: [&str; 9] = [
    "rolling-50-200",
    "rolling-50-100",
    "sinatra-hi",
    "rollout-blocked-90-110",
    "circuit-breaker-rollback",
    "unhealthy-revision",
    "drain-instance",
    "daemon-growing-cluster",
    "throttle-backoff",
];

fn run_lesson(lesson: &str) -> RunOutcome {
    run(&load(&format!("scenarios/lessons/services/{lesson}.toml")))
}

/// One event with everything a test needs: the compact record's task and instance indexes and
/// the text of its row.
#[derive(Debug, Clone)]
struct Ev {
    t: f64,
    kind: EventKind,
    task: Option<u32>,
    instance: Option<u32>,
    /// Workload or service name ("" for actions and instance changes).
    source: String,
    reason: String,
    detail: String,
}

fn events(out: &RunOutcome) -> Vec<Ev> {
    let r = &out.recorder;
    r.events
        .iter()
        .map(Result::unwrap)
        .zip(r.event_rows(&out.cluster).map(Result::unwrap))
        .map(|(e, row)| Ev {
            t: e.time.as_secs_f64(),
            kind: e.kind,
            task: e.task,
            instance: e.instance.map(|i| i.0),
            source: r.source_name(&e).to_string(),
            reason: r.reason(&e).to_string(),
            detail: row.detail,
        })
        .collect()
}

/// Events of `kind` at time `t` (seconds).
fn at(evs: &[Ev], t: f64, kind: EventKind) -> Vec<&Ev> {
    evs.iter().filter(|e| e.t == t && e.kind == kind).collect()
}

/// Task ids of events of `kind` at `t`.
fn tasks_at(evs: &[Ev], t: f64, kind: EventKind) -> Vec<u32> {
    at(evs, t, kind).iter().filter_map(|e| e.task).collect()
}

/// Instance indexes of events of `kind` at `t`, in event order.
fn instances_at(evs: &[Ev], t: f64, kind: EventKind) -> Vec<u32> {
    at(evs, t, kind).iter().filter_map(|e| e.instance).collect()
}

/// Times of the events of `kind` (any time).
fn times_of(evs: &[Ev], kind: EventKind) -> Vec<f64> {
    evs.iter().filter(|e| e.kind == kind).map(|e| e.t).collect()
}

/// The service's own messages (docs/ecs-model.md#steady-state-and-events) as (time, text).
fn service_messages(evs: &[Ev], service: &str) -> Vec<(f64, String)> {
    evs.iter().filter(|e| e.kind == EventKind::Service && e.source == service).map(|e| (e.t, e.detail.clone())).collect()
}

/// Times at which `message` was emitted by the service.
fn message_times(evs: &[Ev], service: &str, message: &str) -> Vec<f64> {
    service_messages(evs, service).into_iter().filter(|(_, m)| m == message).map(|(t, _)| t).collect()
}

/// Deployment events (created, completed, failed) as (time, state, text).
fn deployment_events(evs: &[Ev]) -> Vec<(f64, String, String)> {
    evs.iter().filter(|e| e.kind == EventKind::Deployment).map(|e| (e.t, e.reason.clone(), e.detail.clone())).collect()
}

fn deployment<'a>(out: &'a RunOutcome, service: &str, id: u32) -> &'a DeploymentRow {
    out.recorder
        .deployments
        .iter()
        .find(|d| d.service == service && d.deployment == id)
        .unwrap_or_else(|| panic!("no deployment {id} of {service}"))
}

/// The services.csv row of the minute that starts at `time_s`.
fn minute(out: &RunOutcome, service: &str, time_s: u64) -> ServiceMinuteRow {
    out.recorder
        .service_minutes
        .iter()
        .find(|m| m.service == service && m.time_s == time_s)
        .unwrap_or_else(|| panic!("no minute row at {time_s} s for {service}"))
}

/// (desired, running, healthy, in_flight, primary_tasks, old_tasks, deployments) of a row.
fn counts(m: &ServiceMinuteRow) -> (u32, u32, u32, u32, u32, u32, u32) {
    (m.desired, m.running, m.healthy, m.in_flight, m.primary_tasks, m.old_tasks, m.deployments)
}

/// The service's healthy tasks after all events of each instant: a task counts from its
/// `healthy` event until it is declared unhealthy or starts stopping (docs/ecs-model.md#healthy-tasks: a task with
/// desiredStatus STOPPED never counts).
fn healthy_timeline(evs: &[Ev], service: &str) -> Vec<(f64, usize)> {
    let mut healthy = BTreeSet::new();
    let mut timeline = vec![];
    for (i, e) in evs.iter().enumerate() {
        if let (true, Some(task)) = (e.source == service, e.task) {
            match e.kind {
                EventKind::Healthy => {
                    healthy.insert(task);
                }
                EventKind::Unhealthy | EventKind::Deactivating | EventKind::Stopping | EventKind::Stopped | EventKind::FailedToStart => {
                    healthy.remove(&task);
                }
                _ => {}
            }
        }
        if evs.get(i + 1).is_none_or(|n| n.t != e.t) {
            timeline.push((e.t, healthy.len()));
        }
    }
    timeline
}

/// The fewest healthy tasks at any instant from `from` (seconds) on.
fn lowest_healthy_from(evs: &[Ev], service: &str, from: f64) -> usize {
    let timeline = healthy_timeline(evs, service);
    // The state in force at `from` is the last one at or before it.
    let start = timeline.iter().rposition(|(t, _)| *t <= from).unwrap_or(0);
    timeline[start..].iter().map(|(_, n)| *n).min().unwrap()
}

/// The most tasks of the service not yet STOPPED at any instant (placed … stopped).
fn peak_in_flight(evs: &[Ev], service: &str) -> usize {
    let mut alive = BTreeSet::new();
    let mut peak = 0;
    for e in evs.iter().filter(|e| e.source == service) {
        match (e.kind, e.task) {
            (EventKind::Placed, Some(t)) => {
                alive.insert(t);
            }
            (EventKind::Stopped, Some(t)) => {
                alive.remove(&t);
            }
            _ => {}
        }
        peak = peak.max(alive.len());
    }
    peak
}

fn task_list(ids: &[u32]) -> String {
    ids.iter().map(|t| format!("(task t-{t:06})")).collect::<Vec<_>>().join(" ")
}
