//! Instances lost under a running service: an instance failure seen at once or detected after
//! 60 s (what the load balancer answers meanwhile), and a zone outage that AZ spread keeps to the
//! zone's own tasks.

use super::{alb_minute, asg, head_first, instance_events, secs, task, times, traffic_from_minute_1, SERVICE4, WEB};
use crate::common::toml::{lifecycle, LB_WEB, THREE_ZONES_ONE_M5_XLARGE_EACH as CLUSTER3};
use crate::common::{events, load_parts, run, us};
use ecsim::ecs::task::StopCode;
use ecsim::sim::recorder::EventKind;

// ---------------------------------------------------------------------------------------------
// 3. Instance failure (docs/ecs-model.md#instance-failure, docs/ecs-model.md#alb-health-checks, docs/ecs-model.md#alb-errors)
// ---------------------------------------------------------------------------------------------

#[test]
fn an_instance_failure_seen_at_once_stops_its_tasks_and_replaces_them_at_once() {
    // detection = 0 (the default: EC2 terminated, the control plane sees it): at 600 s the 2 tasks
    // of instance 0 are STOPPED (TerminationNotice) and the instance INACTIVE; the scheduler
    // places 2 replacements at 600 s on instances 1 and 2, healthy at 610.01 s.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("instance-failure-0", "15m", 5),
            CLUSTER3,
            WEB,
            LB_WEB,
            SERVICE4,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "crash"
kind = "instance_failure"
instance = 0
at = "10m"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let t = us(600.0);
    for old in [0, 3] {
        assert_eq!(times(&evs, EventKind::Stopped, old), vec![t], "task {old}");
        assert_eq!(task(&out, old).stop_code, Some(StopCode::TerminationNotice));
    }
    let i0 = out.cluster.instances[0].ec2_instance_id.clone();
    assert!(instance_events(&evs).contains(&(t, "INACTIVE".into(), i0, "us-east-1a".into())));
    let placed: Vec<(u32, u64, u32)> = evs
        .iter()
        .filter(|e| e.kind == EventKind::Placed && e.us > 0)
        .map(|e| (e.task.unwrap(), e.us, task(&out, e.task.unwrap()).instance.0))
        .collect();
    assert_eq!(placed, vec![(4, t, 1), (5, t, 2)]);
    let row = &out.fault_rows[0];
    assert_eq!((row.tasks_lost, row.lowest_healthy, row.recovered_s), (2, 2, Some(610.01)));
}

#[test]
fn an_instance_failure_detected_after_60_s_costs_504s_until_the_targets_are_unhealthy() {
    // detection = 60 s on an Auto Scaling group member (replace_after: the default 120 s).
    // Health checks of the targets of tasks 0 and 3 (registered at R = 10 s): every 30 s from
    // 10 s, so the last good check before the failure at tf = 600 s is at t0 = 580 s (phase
    // tf − t0 = 20 s). The checks at 610 and 640 s time out at 615 and 645 s: unhealthy at
    // t0 + U·interval + timeout = 580 + 2 × 30 + 5 = 645 s = tf + 65 − 20 (docs/ecs-model.md#alb-health-checks).
    // Until then the round robin sends every other request to a dead target: ≈ 400/s × 45 s / 2
    // ≈ 9,000 504s, all in the minute at 600 s, none after.
    // At 645 s the scheduler sees 2 unhealthy tasks (grace period 0, docs/ecs-model.md#grace-period) and,
    // docs/ecs-model.md#replica-reconciliation, starts
    // replacements first — AZ spread: a still counts 2 (the unhealthy tasks are desired
    // RUNNING), b and c 1 → instance 1, then c → instance 2 — RUNNING at 655 s, healthy at
    // 655.01 s, when it stops the unhealthy tasks 0 and 3 (ServiceSchedulerInitiated,
    // deregistering for 30 s). At 660 s ECS learns of the failure: the two, still deregistering,
    // are STOPPED and the instance INACTIVE. faults.csv: lost 2, lowest 2 (645 → 655.01 s: the two
    // on instance 0 are unreachable), recovered at 660 s (the lost tasks STOPPED, 4 healthy).
    // For ECS the instance's agent is gone at 660 s; it stays in its group until, at 720 s, the
    // group's health check terminates it (TERMINATED, INACTIVE) and launches a replacement in
    // us-east-1a, ACTIVE at 810 s. EC2 bills instance 0 until 720 s: with the other two for the
    // whole 1,200 s and the new one from its launch, 720 + 2 × 1,200 + 480 = 3,600 s.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("instance-failure-60", "20m", 5),
            &asg("on-demand", 3, 4),
            WEB,
            LB_WEB,
            SERVICE4,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "impaired"
kind = "instance_failure"
instance = 0
at = "10m"
detection = "60s"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let (tf, interval, timeout, u): (f64, f64, f64, f64) = (600.0, 30.0, 5.0, 2.0);
    let t0 = 10.0 + ((tf - 10.0) / interval).floor() * interval; // 580
    let unhealthy_at = tf + u * interval + timeout - (tf - t0);
    assert_eq!(unhealthy_at, 645.0);
    for old in [0u32, 3] {
        let states: Vec<(u64, String)> = evs
            .iter()
            .filter(|e| e.kind == EventKind::TargetHealth && e.task == Some(old) && e.us >= us(tf))
            .map(|e| (e.us, e.reason.clone()))
            .collect();
        assert_eq!(states.first(), Some(&(us(unhealthy_at), "unhealthy".to_string())), "task {old}: {states:?}");
        assert_eq!(times(&evs, EventKind::Deactivating, old), vec![us(655.01)], "task {old}");
        assert_eq!(times(&evs, EventKind::Stopped, old), vec![us(tf + 60.0)], "task {old}");
        assert_eq!(task(&out, old).stop_code, Some(StopCode::ServiceSchedulerInitiated));
    }
    let m600 = alb_minute(&out, "web", 600);
    assert!((m600.elb_504 as f64 - 9000.0).abs() < 450.0, "{m600:?}");
    assert_eq!(alb_minute(&out, "web", 540).elb_5xx, 0);
    assert_eq!(alb_minute(&out, "web", 660).elb_504, 0);
    let inst = instance_events(&evs);
    let i0 = out.cluster.instances[0].ec2_instance_id.clone();
    let of0: Vec<(u64, &str)> = inst.iter().filter(|e| e.2 == i0).map(|e| (e.0, e.1.as_str())).collect();
    assert_eq!(of0, vec![(us(720.0), "TERMINATED"), (us(720.0), "INACTIVE")], "{inst:#?}");
    let launched: Vec<(u64, &str, &str)> =
        inst.iter().filter(|e| e.1 == "LAUNCHING" || (e.1 == "ACTIVE" && e.0 > 0)).map(|e| (e.0, e.1.as_str(), e.3.as_str())).collect();
    assert_eq!(launched, vec![(us(720.0), "LAUNCHING", ""), (us(810.0), "ACTIVE", "us-east-1a")]);
    assert_eq!(out.capacity.cost.ec2.iter().map(|c| c.billed_seconds).sum::<u64>(), 3600);
    let placed: Vec<(u32, u64, u32)> = evs
        .iter()
        .filter(|e| e.kind == EventKind::Placed && e.us > 0)
        .map(|e| (e.task.unwrap(), e.us, task(&out, e.task.unwrap()).instance.0))
        .collect();
    assert_eq!(placed, vec![(4, us(645.0), 1), (5, us(645.0), 2)]);
    assert_eq!((times(&evs, EventKind::Healthy, 4), times(&evs, EventKind::Healthy, 5)), (vec![us(655.01)], vec![us(655.01)]));
    let row = &out.fault_rows[0];
    assert_eq!((row.tasks_lost, row.lowest_healthy, row.recovered_s), (2, 2, Some(660.0)));
    assert!(row.requests_failed >= m600.elb_504);
}

// ---------------------------------------------------------------------------------------------
// 4. Zone outage with AZ spread (docs/ecs-model.md#placement-defaults, docs/ecs-model.md#instance-failure)
// ---------------------------------------------------------------------------------------------

#[test]
fn a_zone_outage_with_az_spread_costs_only_the_zones_tasks() {
    // Group "asg" of 6 m5.xlarge: launches go to the zone with the fewest members, so ordinals
    // 0..5 are in a, b, c, a, b, c. The service of 6 tasks (AZ spread, then instance spread,
    // ties to the lowest ordinal) has one task per instance, 2 per zone. us-east-1b is out from
    // 600 s for 20 min (to 1800 s), detection 60 s, replace_after 120 s:
    // * tasks 1 and 4 (instances 1, 4) are unreachable at 600 s; their targets (checked every
    //   30 s from 10 s, last good check 580 s) are unhealthy at 580 + 2 × 30 + 5 = 645 s (docs/ecs-model.md#alb-health-checks).
    //   The scheduler then starts replacements first (docs/ecs-model.md#replica-reconciliation, max 200): AZ spread still counts 2
    //   per zone (the unhealthy tasks are desired RUNNING) → a (instance 0), then b and c tie →
    //   b, instance 1: ECS does not know yet that b is out (its agents look connected until
    //   `detection`), so it places a task on an unreachable instance, where it stays PENDING.
    //   Task 6 is healthy at 655.01 s → the scheduler stops unhealthy task 1. At 660 s ECS learns
    //   of the outage: tasks 1, 4 and the stuck task 7 are STOPPED, and the one replacement still
    //   missing goes to c (instance 2; b's instances are disconnected now). Every replacement
    //   that runs is in a or c; lowest healthy = 6 − 2 = 4;
    // * the 4 tasks in a and c are never stopped: RUNNING through the outage;
    // * at 720 s the group replaces instances 1 and 4, launching into a and c — never b while b
    //   is out.
    let s = load_parts(
        "faults_sim",
        &[
            &head_first("zone-outage-spread", "40m", 5),
            &asg("on-demand", 6, 8),
            WEB,
            LB_WEB,
            r#"
[[services]]
name = "web"
task_definition = "web"
desired_count = 6
deployment = { minimum_healthy_percent = 100, maximum_percent = 200 }
load_balancers = [{ target_group = "web", container_port = 80 }]
placement_strategy = [{ type = "spread", field = "attribute:ecs.availability-zone" }, { type = "spread", field = "instanceId" }]
"#,
            &lifecycle("10s"),
            &traffic_from_minute_1(400),
            r#"
[[faults]]
name = "az-b"
kind = "zone_outage"
zone = "us-east-1b"
at = "10m"
duration = "20m"
"#,
        ],
    );
    let out = run(&s);
    let evs = events(&out);
    let zone_of = |i: u32| out.cluster.instances[i as usize].availability_zone.clone();
    assert_eq!((0..6).map(zone_of).collect::<Vec<_>>(), ["us-east-1a", "us-east-1b", "us-east-1c"].repeat(2));
    let (start, end) = (600.0, 1800.0);
    let initial: Vec<u32> = (0..6).collect();
    assert_eq!(initial.iter().map(|&t| task(&out, t).instance.0).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4, 5]);
    for &t in &initial {
        let z = zone_of(task(&out, t).instance.0);
        if z == "us-east-1b" {
            assert_eq!(secs(task(&out, t).stopped_at), Some(start + 60.0), "task {t} in b");
        } else {
            // Still RUNNING at the end of the outage (and at the end of the run).
            assert!(task(&out, t).stopped_at.get().is_none_or(|s| s.as_secs_f64() > end), "task {t} in {z} stopped");
            assert!(times(&evs, EventKind::Deactivating, t).is_empty(), "task {t} in {z}");
        }
    }
    let placed: Vec<(u32, u64, String)> =
        evs.iter().filter(|e| e.kind == EventKind::Placed && e.us > 0).map(|e| (e.task.unwrap(), e.us, e.zone.clone())).collect();
    let (a, b, c) = ("us-east-1a".to_string(), "us-east-1b".to_string(), "us-east-1c".to_string());
    assert_eq!(placed, vec![(6, us(645.0), a.clone()), (7, us(645.0), b.clone()), (8, us(660.0), c.clone())]);
    assert_eq!(times(&evs, EventKind::Deactivating, 1), vec![us(655.01)]);
    assert!(times(&evs, EventKind::Running, 7).is_empty(), "task 7 never starts in the dead zone");
    assert_eq!((secs(task(&out, 7).stopped_at), task(&out, 7).stop_code), (Some(660.0), Some(StopCode::TerminationNotice)));
    // Every task that reached RUNNING after the outage started is in a or c.
    let ran: Vec<String> =
        (6..out.tasks.len() as u32).filter(|&t| task(&out, t).running_at.is_some()).map(|t| zone_of(task(&out, t).instance.0)).collect();
    assert_eq!(ran, vec![a, c]);
    // faults.csv: one row; lost 2, lowest = the tasks outside the zone.
    assert_eq!(out.fault_rows.len(), 1, "{:#?}", out.fault_rows);
    let row = &out.fault_rows[0];
    assert_eq!((row.kind, row.target.as_str(), row.start_s, row.end_s), ("zone_outage", "us-east-1b", start, end));
    assert_eq!((row.desired, row.tasks_lost, row.lowest_healthy), (6, 2, 4));
    // The group launches only outside b during the outage.
    let inst = instance_events(&evs);
    // (A LAUNCHING row names no zone yet: the zones are those of the instances registered
    // 60 + 30 s later.)
    let launches: Vec<(u64, &str, &str)> =
        inst.iter().filter(|e| e.1 == "LAUNCHING" || (e.1 == "ACTIVE" && e.0 > 0)).map(|e| (e.0, e.1.as_str(), e.3.as_str())).collect();
    assert_eq!(
        launches,
        vec![
            (us(720.0), "LAUNCHING", ""),
            (us(720.0), "LAUNCHING", ""),
            (us(810.0), "ACTIVE", "us-east-1a"),
            (us(810.0), "ACTIVE", "us-east-1c")
        ],
        "{inst:#?}"
    );
    let terminated: Vec<(u64, &str)> = inst.iter().filter(|e| e.1 == "TERMINATED").map(|e| (e.0, e.3.as_str())).collect();
    assert_eq!(terminated, vec![(us(720.0), "us-east-1b"), (us(720.0), "us-east-1b")]);
}
