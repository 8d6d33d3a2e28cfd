//! Deployments and launches that fail: the circuit breaker's stage 1 (failed tasks,
//! docs/ecs-model.md#example-circuit-breaker) and stage 2 (failed health checks), each rolling
//! back, and the launch throttle's back-off and reset (docs/ecs-model.md#example-launch-throttle).

use super::{counts, deployment, deployment_events, events, lowest_healthy_from, message_times, run_lesson, tasks_at, times_of, Ev};
use ecsim::sim::recorder::EventKind;

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
