//! Instances coming and going: draining an instance (docs/ecs-model.md#example-draining: the
//! replacements start first and the service never drops below 4 healthy) and a daemon service
//! following the eligible instances of a growing cluster (docs/ecs-model.md#example-daemon).

use super::{
    at, counts, deployment, events, instances_at, lowest_healthy_from, message_times, minute, peak_in_flight, run_lesson, task_list,
    tasks_at, times_of,
};
use ecsim::sim::recorder::EventKind;

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
