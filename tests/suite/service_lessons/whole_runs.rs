//! Whole runs: the seed tutorial sinatra-hi (scale-out over three zones, the steady-state event
//! every 6 hours, minute rows covering their own minute, one services.csv row per service and
//! minute), and every lesson of the folder deterministic.

use super::{counts, deployment, deployment_events, events, instances_at, message_times, minute, run_lesson, task_list, tasks_at, LESSONS};
use ecsim::sim::recorder::{EventKind, EventRow};
use ecsim::sim::RunOutcome;

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
