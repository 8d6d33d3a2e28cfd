//! Spot interruptions through the whole simulator: an EC2 Spot instance with
//! ECS_ENABLE_SPOT_INSTANCE_DRAINING (the tasks move before the instance goes), without it on an
//! Auto Scaling group (the tasks die at two minutes and the group replaces the instance), and a
//! Fargate Spot task (stopped at the notice and replaced by the service).

use super::{
    alb_minute, asg, head_first, healthy_series, instance_events, lowest_after_start, secs, task, tasks_on, times, traffic_from_minute_1,
    SERVICE4, WEB,
};
use crate::common::toml::{lifecycle, LB_WEB, THREE_ZONES_ONE_M5_XLARGE_EACH as CLUSTER3};
use crate::common::{events, load_parts, run, traffic, us};
use ecsim::ecs::task::StopCode;
use ecsim::scenario::Scenario;
use ecsim::sim::recorder::EventKind;

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
