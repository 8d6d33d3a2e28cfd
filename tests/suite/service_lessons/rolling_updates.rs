//! Rolling updates (docs/ecs-model.md#example-rolling-50-200, docs/ecs-model.md#example-rolling-50-100):
//! how long a deployment takes, its peak and its lowest healthy count, where the new tasks go and
//! the events naming the stopped tasks; and a rollout that the 90 % / 110 % limits block.

use super::{
    at, counts, deployment, deployment_events, events, instances_at, lowest_healthy_from, message_times, minute, peak_in_flight,
    run_lesson, service_messages, task_list, tasks_at, times_of,
};
use ecsim::sim::recorder::EventKind;

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
