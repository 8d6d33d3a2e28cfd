//! Faults of the application rather than the infrastructure: an app crash (one task lost for one
//! deregistration delay) and a bad revision, which either crash-loops without tripping the circuit
//! breaker (its containers exit after RUNNING) or fails its health checks and rolls back.

use super::{alb_minute, head_first, secs, task, times, traffic_from_minute_1, SERVICE4, WEB};
use crate::common::toml::{lifecycle, LB_WEB, THREE_ZONES_ONE_M5_XLARGE_EACH as CLUSTER3};
use crate::common::{events, load_parts, run, traffic, us};
use ecsim::ecs::task::StopCode;
use ecsim::scenario::Scenario;
use ecsim::sim::recorder::EventKind;
use ecsim::sim::Task;

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
