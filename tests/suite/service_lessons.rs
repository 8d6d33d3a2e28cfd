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

use crate::common::{load, run};
use ecsim::sim::recorder::{DeploymentRow, EventKind, EventRow, ServiceMinuteRow};
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

// ------------------------------------------------------------------------------------------------
// rolling-50-200: docs/ecs-model.md#example-rolling-50-200
// ------------------------------------------------------------------------------------------------

#[test]
fn rolling_50_200_completes_in_360_s_with_peak_8_and_at_least_2_healthy() {
    let out = run_lesson("rolling-50-200");
    let evs = events(&out);
    // The update is at 600 s. minHealthy = ceil(4 × 0.5) = 2, maxTotal = floor(4 × 2) = 8.
    // 600: k = 4 − 2 = 2 old stopped, s = min(8 − 4, 4) = 4 new launched; 660: the new are
    // healthy (S = 60) → k = min(2, 6 − 2) = 2 last old stopped; 900 and 960: each pair STOPPED
    // (R = 300) → COMPLETED at 960 = 600 + 360.
    let d = deployment(&out, "web", 1);
    assert_eq!((d.started_s, d.ended_s, d.duration_s), (600.0, Some(960.0), Some(360.0)));
    assert_eq!(d.outcome, "COMPLETED");
    // Peak = 4 old (2 stopping) + 4 new = 8 = maxTotal; healthy never below minHealthy 2.
    assert_eq!(d.peak_tasks, 8);
    assert_eq!(d.lowest_healthy, 2);
    assert_eq!(peak_in_flight(&evs, "web"), 8);
    assert_eq!(lowest_healthy_from(&evs, "web", 600.0), 2);

    // Step 2 at 600 s chooses t-000000 then t-000001 (docs/ecs-model.md#scale-in: AZ a holds 2 old tasks, instances
    // tie at 1 → lowest ordinal; then all AZs tie → lowest ordinal); at 660 s the other two.
    assert_eq!(tasks_at(&evs, 600.0, EventKind::Deactivating), [0, 1]);
    assert_eq!(tasks_at(&evs, 660.0, EventKind::Deactivating), [2, 3]);
    assert_eq!(tasks_at(&evs, 900.0, EventKind::Stopped), [0, 1]);
    assert_eq!(tasks_at(&evs, 960.0, EventKind::Stopped), [2, 3]);
    // 4 new tasks at 600 s, running at 620 s, healthy at 660 s.
    assert_eq!(tasks_at(&evs, 600.0, EventKind::Placed), [4, 5, 6, 7]);
    assert_eq!(tasks_at(&evs, 620.0, EventKind::Running), [4, 5, 6, 7]);
    assert_eq!(tasks_at(&evs, 660.0, EventKind::Healthy), [4, 5, 6, 7]);
    assert_eq!(message_times(&evs, "web", &format!("service web has started 4 tasks: {}.", task_list(&[4, 5, 6, 7]))), [600.0]);
    // Steady state on completion of each deployment: 60 s (the 4 first tasks healthy) and 960 s.
    assert_eq!(message_times(&evs, "web", "service web has reached a steady state."), [60.0, 960.0]);
    let deps = deployment_events(&evs);
    assert!(deps.contains(&(960.0, "COMPLETED".into(), "(service web) deployment ecs-svc/1 completed.".into())), "{deps:?}");

    // Minute rows in the middle of each phase (the row of the minute starting at T is taken
    // at T + 60): at 720 s 2 old stopping + 4 new healthy, 8 in flight; at 1020 s done.
    assert_eq!(counts(&minute(&out, "web", 660)), (4, 4, 4, 8, 4, 4, 2));
    assert_eq!(counts(&minute(&out, "web", 960)), (4, 4, 4, 4, 4, 0, 1));
}

#[test]
fn rolling_50_200_new_tasks_spread_over_tasks_meant_to_run() {
    let out = run_lesson("rolling-50-200");
    let evs = events(&out);
    // Instances: 0, 3 in us-east-1a; 1, 4 in 1b; 2, 5 in 1c. At 600 s t-000000 (instance 0) and
    // t-000001 (instance 1) are stopping: spread counts t-000002 (instance 2, c) and t-000003
    // (instance 3, a) only (docs/ecs-model.md#placement-algorithm, desiredStatus RUNNING).
    // New 1: a 1, b 0, c 1 → b; instances 1 and 4 hold 0 → first: 1.
    // New 2: a 1, b 1, c 1 → instances 0, 4, 5 hold 0 → first: 0.
    // New 3: a 2, b 1, c 1 → b, c; instances 4, 5 hold 0 → 4.
    // New 4: a 2, b 2, c 1 → c; instance 5 holds 0 → 5.
    assert_eq!(instances_at(&evs, 600.0, EventKind::Placed), [1, 0, 4, 5]);
}

#[test]
fn rolling_50_200_reports_the_stopped_tasks() {
    let out = run_lesson("rolling-50-200");
    let evs = events(&out);
    // docs/ecs-model.md#steady-state-and-events, verbatim message: the scheduler stops t-000000 and t-000001 at 600 s, t-000002 and
    // t-000003 at 660 s.
    for (t, ids) in [(600.0, [0, 1]), (660.0, [2, 3])] {
        let msg = format!("service web has stopped 2 running tasks: {}.", task_list(&ids));
        assert_eq!(message_times(&evs, "web", &msg), [t], "{:?}", service_messages(&evs, "web"));
    }
}

// ------------------------------------------------------------------------------------------------
// rolling-50-100: docs/ecs-model.md#example-rolling-50-100
// ------------------------------------------------------------------------------------------------

#[test]
fn rolling_50_100_completes_in_720_s_with_peak_4_and_at_least_2_healthy() {
    let out = run_lesson("rolling-50-100");
    let evs = events(&out);
    // minHealthy 2, maxTotal 4. 600: s = min(4 − 4, 4) = 0, k = 2; 900: 2 old STOPPED → s = 2;
    // 960: 2 new healthy → k = min(2, 4 − 2) = 2; 1260: STOPPED → s = 2; 1320: all healthy →
    // COMPLETED, 720 s after 600.
    let d = deployment(&out, "web", 1);
    assert_eq!((d.started_s, d.ended_s, d.duration_s), (600.0, Some(1320.0), Some(720.0)));
    assert_eq!(d.outcome, "COMPLETED");
    // Never more than maxTotal = 4 in flight (stopping tasks count, docs/ecs-model.md#choice-maximum-percent); healthy ≥ 2.
    assert_eq!(d.peak_tasks, 4);
    assert_eq!(d.lowest_healthy, 2);
    assert_eq!(peak_in_flight(&evs, "web"), 4);
    assert_eq!(lowest_healthy_from(&evs, "web", 600.0), 2);

    assert_eq!(tasks_at(&evs, 600.0, EventKind::Deactivating).len(), 2);
    assert!(at(&evs, 600.0, EventKind::Placed).is_empty(), "no room at 600 s");
    assert_eq!(tasks_at(&evs, 900.0, EventKind::Stopped).len(), 2);
    assert_eq!(tasks_at(&evs, 900.0, EventKind::Placed), [4, 5]);
    assert_eq!(tasks_at(&evs, 960.0, EventKind::Healthy), [4, 5]);
    assert_eq!(tasks_at(&evs, 960.0, EventKind::Deactivating).len(), 2);
    assert_eq!(tasks_at(&evs, 1260.0, EventKind::Stopped).len(), 2);
    assert_eq!(tasks_at(&evs, 1260.0, EventKind::Placed), [6, 7]);
    assert_eq!(tasks_at(&evs, 1320.0, EventKind::Healthy), [6, 7]);
    // Placement counts only the tasks that will stay as old; every placement happens on a
    // round boundary: 900 s and 1260 s, nothing in between.
    assert_eq!(times_of(&evs, EventKind::Placed).into_iter().filter(|t| *t > 0.0).collect::<Vec<_>>(), [900.0, 900.0, 1260.0, 1260.0]);
    assert_eq!(message_times(&evs, "web", "service web has reached a steady state."), [60.0, 1320.0]);

    // Round 1 (row of 660 s, taken at 720 s): 2 old stopping + 2 old healthy, no new task.
    assert_eq!(counts(&minute(&out, "web", 660)), (4, 2, 2, 4, 0, 4, 2));
    // Round 2 (row of 1080 s, at 1140 s): 2 new healthy, 2 old stopping.
    assert_eq!(counts(&minute(&out, "web", 1080)), (4, 2, 2, 4, 2, 2, 2));
    // Done (row of 1320 s, at 1380 s).
    assert_eq!(counts(&minute(&out, "web", 1320)), (4, 4, 4, 4, 4, 0, 1));
}

// ------------------------------------------------------------------------------------------------
// sinatra-hi: the seed tutorial
// ------------------------------------------------------------------------------------------------

#[test]
fn sinatra_hi_scales_out_over_three_zones_and_reaches_steady_state() {
    let out = run_lesson("sinatra-hi");
    let evs = events(&out);
    let svc = "sinatra-hi";
    // CreateService at 0: 1 task on instance 0 (all AZs at 0 → first). UpdateService at 300 s:
    // s = min(8 − 1, 4 − 1) = 3 → b (instance 1), c (instance 2), then all at 1 → instance 0.
    assert_eq!(instances_at(&evs, 0.0, EventKind::Placed), [0]);
    assert_eq!(instances_at(&evs, 300.0, EventKind::Placed), [1, 2, 0]);
    let rows: Vec<EventRow> = out.recorder.event_rows(&out.cluster).map(Result::unwrap).filter(|r| r.event == EventKind::Placed).collect();
    let zones: Vec<&str> = rows.iter().map(|r| r.zone.as_str()).collect();
    assert_eq!(zones, ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"]);
    assert_eq!(message_times(&evs, svc, "service sinatra-hi has started 1 tasks: (task t-000000)."), [0.0]);
    assert_eq!(message_times(&evs, svc, &format!("service sinatra-hi has started 3 tasks: {}.", task_list(&[1, 2, 3]))), [300.0]);
    // RUNNING 20 s after launch, healthy 40 s later (docs/ecs-model.md#healthy-tasks): steady state at 60 s and 360 s.
    assert_eq!(tasks_at(&evs, 320.0, EventKind::Running), [1, 2, 3]);
    assert_eq!(tasks_at(&evs, 360.0, EventKind::Healthy), [1, 2, 3]);
    let steady = message_times(&evs, svc, "service sinatra-hi has reached a steady state.");
    assert_eq!(steady[..2], [60.0, 360.0]);

    // A desired-count change creates no deployment (docs/ecs-model.md#deployment-settings,
    // docs/ecs-model.md#choice-desired-count-is-not-a-deployment): one deployment, completed at
    // 60 s, whose desired count became 4.
    assert_eq!(out.recorder.deployments.len(), 1);
    let d = deployment(&out, svc, 0);
    assert_eq!((d.started_s, d.ended_s, d.outcome.as_str(), d.desired), (0.0, Some(60.0), "COMPLETED", 4));
    assert_eq!(deployment_events(&evs).len(), 2, "created and completed, nothing at 300 s");

    // Before the scale-out (row of 120 s) and after it (row of 420 s).
    assert_eq!(counts(&minute(&out, svc, 120)), (1, 1, 1, 1, 1, 0, 1));
    assert_eq!(counts(&minute(&out, svc, 420)), (4, 4, 4, 4, 4, 0, 1));
    // At the end: 4 healthy tasks, still 2 in us-east-1a, 1 in each other zone.
    let last = out.recorder.service_minutes.last().unwrap();
    assert_eq!(counts(&last), (4, 4, 4, 4, 4, 0, 1));
}

#[test]
fn sinatra_hi_repeats_the_steady_state_event_every_6_hours() {
    let out = run_lesson("sinatra-hi");
    let evs = events(&out);
    // Entered at 360 s; repeated at 360 + 6 × 3600 = 21960 s; the run ends at 23400 s.
    assert_eq!(message_times(&evs, "sinatra-hi", "service sinatra-hi has reached a steady state."), [60.0, 360.0, 21960.0]);
}

#[test]
fn sinatra_hi_minute_rows_cover_their_own_minute() {
    let out = run_lesson("sinatra-hi");
    // docs/ecs-model.md#simulated-time: the datapoint of minute [60k, 60(k+1)) — the UpdateService at exactly 300 s belongs
    // to the minute [300, 360). The row of [240, 300) still shows desired 1, 1 running.
    assert_eq!(counts(&minute(&out, "sinatra-hi", 240)), (1, 1, 1, 1, 1, 0, 1));
}

#[test]
fn services_csv_has_one_row_per_service_and_minute() {
    for lesson in ["sinatra-hi", "rolling-50-200"] {
        let out = run_lesson(lesson);
        let minutes: Vec<u64> = out.recorder.service_minutes.iter().map(|m| m.minute).collect();
        let repeated: Vec<u64> = minutes.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
        assert!(repeated.is_empty(), "{lesson}: rows repeated for minutes {repeated:?}");
        // 6 h 30 min = 390 minutes (0..=389); 30 min = 30 minutes (0..=29).
        let n = if lesson == "sinatra-hi" { 390 } else { 30 };
        assert_eq!(minutes, (0..n).collect::<Vec<u64>>(), "{lesson}");
    }
}

// ------------------------------------------------------------------------------------------------
// rollout-blocked-90-110
// ------------------------------------------------------------------------------------------------

#[test]
fn rollout_blocked_90_110_reports_the_configuration_and_never_moves() {
    let out = run_lesson("rollout-blocked-90-110");
    let evs = events(&out);
    // minHealthy = ceil(5 × 0.9) = ceil(4.5) = 5; maxTotal = floor(5 × 1.1) = floor(5.5) = 5.
    // At 600 s: k = min(5, 5 − 5) = 0, s = min(5 − 5, 5) = 0, nothing in transition → step 4.
    let blocked = "service web was unable to stop or start tasks during a deployment because of the service deployment \
                   configuration. Update the minimumHealthyPercent or maximumPercent value and try again.";
    // Emitted once, at the update; the identical message is suppressed afterwards (docs/ecs-model.md#steady-state-and-events).
    assert_eq!(message_times(&evs, "web", blocked), [600.0]);
    // No task placed or told to stop after the update; the 5 revision-1 tasks keep serving.
    assert!(evs
        .iter()
        .filter(|e| e.t >= 600.0)
        .all(|e| !matches!(e.kind, EventKind::Placed | EventKind::Deactivating | EventKind::Stopping | EventKind::Stopped)));
    let d = deployment(&out, "web", 1);
    assert_eq!((d.started_s, d.ended_s, d.outcome.as_str()), (600.0, None, "IN_PROGRESS"));
    assert_eq!((d.peak_tasks, d.lowest_healthy, d.failed_tasks), (5, 5, 0));
    // Minute rows: before (row of 300 s) 5 tasks of the only deployment; after (row of 1200 s)
    // 5 old tasks, 0 new, 2 deployments.
    assert_eq!(counts(&minute(&out, "web", 300)), (5, 5, 5, 5, 5, 0, 1));
    assert_eq!(counts(&minute(&out, "web", 1200)), (5, 5, 5, 5, 0, 5, 2));
}

// ------------------------------------------------------------------------------------------------
// circuit-breaker-rollback: docs/ecs-model.md#example-circuit-breaker (stage 1)
// ------------------------------------------------------------------------------------------------

#[test]
fn circuit_breaker_fails_at_the_third_failed_task_and_rolls_back() {
    let out = run_lesson("circuit-breaker-rollback");
    let evs = events(&out);
    // threshold = min(200, max(3, ceil(0.5 × 4))) = 3. At 600 s: k = 0 (min 100 %),
    // s = min(8 − 4, 4) = 4 tasks of web:2, each PENDING → STOPPED 20 s later (620 s).
    assert_eq!(tasks_at(&evs, 600.0, EventKind::Placed), [4, 5, 6, 7]);
    assert_eq!(tasks_at(&evs, 620.0, EventKind::FailedToStart), [4, 5, 6, 7]);
    assert!(times_of(&evs, EventKind::FailedToStart).iter().all(|t| *t == 620.0));
    // FAILED right after the 3rd failure (stage 1: no new task reached RUNNING).
    let failed_pos = evs.iter().position(|e| e.kind == EventKind::Deployment && e.reason == "FAILED").expect("FAILED");
    assert_eq!(evs[failed_pos].t, 620.0);
    assert_eq!(evs[..failed_pos].iter().filter(|e| e.kind == EventKind::FailedToStart).count(), 3);
    let d1 = deployment(&out, "web", 1);
    assert_eq!((d1.started_s, d1.ended_s, d1.outcome.as_str()), (600.0, Some(620.0), "FAILED"));
    assert_eq!(d1.failed_tasks, 3);
    assert!(d1.reason.contains("circuit breaker"), "{}", d1.reason);
    // Rollback: a deployment of the last COMPLETED revision (web:1) starts at once.
    let d2 = deployment(&out, "web", 2);
    assert_eq!((d2.task_definition.as_str(), d2.started_s), ("web:1", 620.0));
    let created = deployment_events(&evs).into_iter().find(|(_, state, text)| state == "IN_PROGRESS" && text.contains("ecs-svc/2"));
    let (t, _, text) = created.expect("rollback deployment event");
    assert_eq!(t, 620.0);
    assert!(text.contains("rolling back"), "{text}");
    // The throttle (docs/ecs-model.md#launch-throttling) saw f = 3 consecutive failures at 620 s → its event. The rollback
    // deploys web:1, which the 4 original tasks already run: they stay (docs/ecs-model.md#example-circuit-breaker, decided in
    // docs/decisions.md), so nothing is launched.
    assert_eq!(message_times(&evs, "web", "service web is unable to consistently start tasks successfully."), [620.0]);
    assert_eq!(tasks_at(&evs, 620.0, EventKind::Placed).len(), 0);

    // min 100 %: the original tasks t-000000..3 were not stopped while ecs-svc/1 ran, and the
    // service never had fewer than 4 healthy tasks.
    assert!(evs.iter().filter(|e| e.t <= 620.0).all(|e| !(e.task.is_some_and(|t| t < 4) && e.kind == EventKind::Deactivating)));
    assert_eq!(lowest_healthy_from(&evs, "web", 60.0), 4);
    assert_eq!((d1.lowest_healthy, d2.lowest_healthy), (4, 4));
    // The rollback completes: 4 healthy web:1 tasks, one deployment left.
    assert_eq!(d2.outcome, "COMPLETED");
    assert_eq!(counts(&out.recorder.service_minutes.last().unwrap()), (4, 4, 4, 4, 4, 0, 1));
}

#[test]
fn circuit_breaker_rollback_keeps_the_original_tasks() {
    let out = run_lesson("circuit-breaker-rollback");
    let evs = events(&out);
    // docs/ecs-model.md#example-circuit-breaker: "the old tasks were never stopped if minimumHealthyPercent = 100".
    let stopped: Vec<u32> = evs.iter().filter(|e| e.kind == EventKind::Deactivating).filter_map(|e| e.task).filter(|t| *t < 4).collect();
    assert!(stopped.is_empty(), "original tasks stopped: {stopped:?}");
}

// ------------------------------------------------------------------------------------------------
// unhealthy-revision: the circuit breaker, stage 2
// ------------------------------------------------------------------------------------------------

#[test]
fn unhealthy_revision_fails_on_health_checks_and_rolls_back() {
    let out = run_lesson("unhealthy-revision");
    let evs = events(&out);
    // Revision 1: RUNNING at 20 s, first check at 20 + 10 = 30 s passes → HEALTHY → ecs-svc/0
    // COMPLETED at 30 s (docs/ecs-model.md#healthy-tasks: a task with a container check counts when HEALTHY).
    assert_eq!(tasks_at(&evs, 30.0, EventKind::Healthy), [0, 1, 2, 3]);
    let d0 = deployment(&out, "web", 0);
    assert_eq!((d0.ended_s, d0.outcome.as_str()), (Some(30.0), "COMPLETED"));
    // Revision 2: placed 600 s, RUNNING 620 s (→ stage 2), checks fail at 630, 640, 650 →
    // UNHEALTHY at 650 s (retries 3, docs/ecs-model.md#example-container-health-check(b)).
    assert_eq!(tasks_at(&evs, 600.0, EventKind::Placed), [4, 5, 6, 7]);
    assert_eq!(tasks_at(&evs, 620.0, EventKind::Running), [4, 5, 6, 7]);
    let verdicts: Vec<&Ev> = evs.iter().filter(|e| e.kind == EventKind::Unhealthy && e.detail.contains("container health check")).collect();
    assert_eq!(verdicts.iter().map(|e| (e.t, e.task.unwrap())).collect::<Vec<_>>(), [(650.0, 4), (650.0, 5), (650.0, 6), (650.0, 7)]);
    // Nothing failed to start, so nothing for stage 1 nor for the throttle (docs/ecs-model.md#launch-throttling: tasks that
    // stop after RUNNING do not trigger it).
    assert!(times_of(&evs, EventKind::FailedToStart).is_empty());
    assert!(message_times(&evs, "web", "service web is unable to consistently start tasks successfully.").is_empty());
    // Grace period 0: the scheduler stops the 4 at 650 s; threshold max(3, ceil(2)) = 3 → the
    // 3rd one fails the deployment at 650 s; rollback to web:1 at 650 s.
    assert_eq!(tasks_at(&evs, 650.0, EventKind::Deactivating), [4, 5, 6, 7]);
    let d1 = deployment(&out, "web", 1);
    assert_eq!((d1.started_s, d1.ended_s, d1.outcome.as_str(), d1.failed_tasks), (600.0, Some(650.0), "FAILED", 3));
    let d2 = deployment(&out, "web", 2);
    assert_eq!((d2.task_definition.as_str(), d2.started_s), ("web:1", 650.0));
    assert_eq!(d2.outcome, "COMPLETED");
    // The 4 revision-1 tasks were never stopped while revision 2 failed: never fewer than 4.
    assert!(evs.iter().filter(|e| e.t <= 650.0).all(|e| !(e.task.is_some_and(|t| t < 4) && e.kind == EventKind::Deactivating)));
    assert_eq!(lowest_healthy_from(&evs, "web", 30.0), 4);
}

// ------------------------------------------------------------------------------------------------
// drain-instance: docs/ecs-model.md#example-draining
// ------------------------------------------------------------------------------------------------

#[test]
fn drain_instance_replaces_first_and_never_drops_below_4_healthy() {
    let out = run_lesson("drain-instance");
    let evs = events(&out);
    // Layout: spread by AZ then instance, tie → first: instances 0, 1, 2, 0 → i-1 (instance 0)
    // 2 tasks, i-2 1, i-3 1.
    assert_eq!(instances_at(&evs, 0.0, EventKind::Placed), [0, 1, 2, 0]);
    // 600 s: instance 0 DRAINING; s = min(8 − 4, 4 − 2) = 2 replacements at once, on the two
    // other instances (AZ b and c hold 1 each).
    let drained = at(&evs, 600.0, EventKind::Instance);
    assert_eq!(drained.iter().map(|e| (e.instance, e.reason.as_str())).collect::<Vec<_>>(), [(Some(0), "DRAINING")]);
    assert_eq!(instances_at(&evs, 600.0, EventKind::Placed), [1, 2]);
    assert_eq!(message_times(&evs, "web", &format!("service web has started 2 tasks: {}.", task_list(&[4, 5]))), [600.0]);
    // 660 s: replacements healthy → healthy 6 → k = min(2, 6 − 4) = 2: the 2 tasks of instance 0.
    assert_eq!(tasks_at(&evs, 660.0, EventKind::Healthy), [4, 5]);
    assert_eq!(tasks_at(&evs, 660.0, EventKind::Deactivating), [0, 3]);
    assert_eq!(instances_at(&evs, 660.0, EventKind::Deactivating), [0, 0]);
    // 960 s = 600 + 360: STOPPED; nothing left on instance 0 → draining complete.
    assert_eq!(tasks_at(&evs, 960.0, EventKind::Stopped), [0, 3]);
    let last_on_0 = evs.iter().filter(|e| e.instance == Some(0) && e.task.is_some()).map(|e| e.t).fold(0.0, f64::max);
    assert_eq!(last_on_0, 960.0);
    // No other stop at all; never fewer than minHealthy 4 healthy; at most 4 + 2 = 6 in flight.
    assert_eq!(times_of(&evs, EventKind::Deactivating), [660.0, 660.0]);
    assert_eq!(lowest_healthy_from(&evs, "web", 60.0), 4);
    assert_eq!(peak_in_flight(&evs, "web"), 6);
    // Minute rows (each taken at the end of its minute, away from the instants where something
    // happens): before (row of 480 s); drained tasks deregistering (row of 720 s: 4 RUNNING and
    // healthy, 6 in flight); after (row of 960 s).
    assert_eq!(counts(&minute(&out, "web", 480)), (4, 4, 4, 4, 4, 0, 1));
    assert_eq!(counts(&minute(&out, "web", 720)), (4, 4, 4, 6, 4, 0, 1));
    assert_eq!(counts(&minute(&out, "web", 960)), (4, 4, 4, 4, 4, 0, 1));
    // The final layout: instances 1 and 2 hold 2 tasks each; instance 0 none.
    let alive: Vec<u32> = out.task_rows().unwrap().iter().filter(|r| r.stopped_s.is_none()).map(|r| r.instance).collect();
    assert_eq!(alive.iter().filter(|i| **i == 1).count(), 2);
    assert_eq!(alive.iter().filter(|i| **i == 2).count(), 2);
    assert!(!alive.contains(&0));
}

#[test]
fn drain_instance_reaches_steady_state_again() {
    let out = run_lesson("drain-instance");
    let evs = events(&out);
    // docs/ecs-model.md#steady-state-and-events: steady = runningCount = desiredCount, one deployment, all tasks healthy. Left at
    // 620 s (6 RUNNING), back when the drained tasks are STOPPED at 960 s.
    assert_eq!(message_times(&evs, "web", "service web has reached a steady state."), [60.0, 960.0]);
}

#[test]
fn task_rows_name_their_service() {
    let out = run_lesson("drain-instance");
    assert_eq!(out.task_rows().unwrap().len(), 6);
    assert!(out.task_rows().unwrap().iter().all(|r| r.owner == "web"), "{:?}", out.task_rows().unwrap());
}

// ------------------------------------------------------------------------------------------------
// daemon-growing-cluster: docs/ecs-model.md#example-daemon
// ------------------------------------------------------------------------------------------------

#[test]
fn daemon_follows_the_eligible_instances() {
    let out = run_lesson("daemon-growing-cluster");
    let evs = events(&out);
    let svc = "log-agent";
    // t = 0: one task per ACTIVE linux instance: 0, 1, 2; none on instance 3 (windows).
    assert_eq!(instances_at(&evs, 0.0, EventKind::Placed), [0, 1, 2]);
    assert!(evs.iter().all(|e| !(e.kind == EventKind::Placed && e.instance == Some(3))));
    assert_eq!(message_times(&evs, svc, &format!("service log-agent has started 3 tasks: {}.", task_list(&[0, 1, 2]))), [0.0]);
    let d = deployment(&out, svc, 0);
    assert_eq!((d.ended_s, d.outcome.as_str()), (Some(60.0), "COMPLETED"));
    // 300 s: instance 1 DRAINING → its daemon task stops at once (no deregistration delay) and is
    // not replaced: nothing is placed until the new instance registers.
    assert_eq!(tasks_at(&evs, 300.0, EventKind::Stopped), [1]);
    assert_eq!(instances_at(&evs, 300.0, EventKind::Stopped), [1]);
    assert_eq!(times_of(&evs, EventKind::Placed), [0.0, 0.0, 0.0, 600.0]);
    // 600 s: instance 4 registers (linux) → a daemon task on it immediately.
    let registered = at(&evs, 600.0, EventKind::Instance);
    assert_eq!(registered.iter().map(|e| (e.instance, e.reason.as_str())).collect::<Vec<_>>(), [(Some(4), "ACTIVE")]);
    assert_eq!(instances_at(&evs, 600.0, EventKind::Placed), [4]);
    assert_eq!(tasks_at(&evs, 620.0, EventKind::Running), [3]);
    // Running tasks: 3 (row of 120 s), 2 (row of 360 s), 3 (row of 660 s).
    let running = |t| minute(&out, svc, t).running;
    assert_eq!((running(120), running(360), running(660)), (3, 2, 3));
}

#[test]
fn daemon_reaches_steady_state() {
    let out = run_lesson("daemon-growing-cluster");
    let evs = events(&out);
    // docs/ecs-model.md#steady-state-and-events: all 3 daemon tasks RUNNING and healthy at 60 s, one deployment → steady state.
    let steady = message_times(&evs, "log-agent", "service log-agent has reached a steady state.");
    assert_eq!(steady.first(), Some(&60.0), "{steady:?}");
    // DescribeServices desiredCount of a daemon = eligible instances: 3 (row of 120 s).
    assert_eq!(minute(&out, "log-agent", 120).desired, 3);
}

// ------------------------------------------------------------------------------------------------
// throttle-backoff: docs/ecs-model.md#example-launch-throttle
// ------------------------------------------------------------------------------------------------

#[test]
fn throttle_backs_off_after_the_third_failure() {
    let out = run_lesson("throttle-backoff");
    let evs = events(&out);
    // f ≤ 2: no delay → launches at 0, 20, 40; the failure at 60 s makes f = 3 → delay 300 →
    // 360; f = 4 at 380 → delay 600 → 980; f = 5 at 1000 → delay 900 → 1900; f = 6 at 1920.
    let before_update: Vec<f64> = times_of(&evs, EventKind::Placed).into_iter().filter(|t| *t < 2000.0).collect();
    assert_eq!(before_update, [0.0, 20.0, 40.0, 360.0, 980.0, 1900.0]);
    assert_eq!(times_of(&evs, EventKind::FailedToStart), [20.0, 40.0, 60.0, 380.0, 1000.0, 1920.0]);
    // The event when f reaches 3, once for the streak.
    assert_eq!(message_times(&evs, "web", "service web is unable to consistently start tasks successfully."), [60.0]);
    // The failing deployment never completes; the update at 2000 s replaces it.
    let d0 = deployment(&out, "web", 0);
    assert_eq!((d0.ended_s, d0.outcome.as_str()), (Some(2000.0), "SUPERSEDED"));
}

#[test]
fn throttle_is_reset_by_a_new_task_definition() {
    let out = run_lesson("throttle-backoff");
    let evs = events(&out);
    // docs/ecs-model.md#launch-throttling / docs/ecs-model.md#example-launch-throttle: the update at 2000 s resets the throttle: a launch
    // at 2000 s (the deployment
    // starts), RUNNING at 2020 s, healthy 40 s later → COMPLETED at 2060 s.
    let after: Vec<f64> = times_of(&evs, EventKind::Placed).into_iter().filter(|t| *t >= 2000.0).collect();
    assert_eq!(after, [2000.0]);
    let d1 = deployment(&out, "web", 1);
    assert_eq!((d1.started_s, d1.ended_s, d1.outcome.as_str()), (2000.0, Some(2060.0), "COMPLETED"));
}

// ------------------------------------------------------------------------------------------------
// Determinism
// ------------------------------------------------------------------------------------------------

#[test]
fn every_lesson_is_deterministic() {
    for lesson in LESSONS {
        let a = run_lesson(lesson);
        let b = run_lesson(lesson);
        let rows =
            |o: &RunOutcome| serde_json::to_string(&o.recorder.event_rows(&o.cluster).map(Result::unwrap).collect::<Vec<_>>()).unwrap();
        assert_eq!(rows(&a), rows(&b), "{lesson}: events differ between two runs with one seed");
        assert_eq!(a.recorder.deployments, b.recorder.deployments, "{lesson}");
        assert_eq!(a.recorder.service_minutes, b.recorder.service_minutes, "{lesson}");
        assert_eq!(a.task_rows().unwrap(), b.task_rows().unwrap(), "{lesson}");
    }
}
