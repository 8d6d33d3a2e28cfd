//! Service Auto Scaling and CloudWatch alarms through the whole simulator (docs/ecs-model.md#cloudwatch,
//! docs/ecs-model.md#service-auto-scaling): the
//! worked example docs/ecs-model.md#example-target-tracking end to end, the lessons of `scenarios/lessons/scaling/`, and bad input.
//!
//! CPU model used throughout (docs/scenarios.md, "Serving requests"): with task-level cpu 1024 and
//! `cpu_per_busy_worker = 1024 / concurrency`, a task's CPUUtilization is the fraction of its
//! workers busy over the minute — its utilisation ρ.

use crate::common::{load, load_err, load_parts, run, scenario_path};
use ecsim::sim::monitor::AlarmRow;
use ecsim::sim::scaling::ScalingRow;
use ecsim::sim::RunOutcome;

fn rows<'a>(out: &'a RunOutcome, policy: &str) -> Vec<&'a ScalingRow> {
    out.scaling_rows.iter().filter(|r| r.policy == policy).collect()
}

fn alarm_rows<'a>(out: &'a RunOutcome, prefix: &str) -> Vec<&'a AlarmRow> {
    out.alarm_rows.iter().filter(|r| r.alarm.starts_with(prefix)).collect()
}

const WE_11_1: &str = r#"
[scenario]
name = "target-tracking-example"
duration = "20m"
seed = 5

[cluster]
name = "default"
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.xlarge"
count = 6

[lifecycle]
start_delay = { distribution = "constant", value = "90s" }

[[task_definitions]]
name = "app"
family = "app"
cpu = 1024
memory = 2048
dynamic_ports = 1
serving = { concurrency = 1, service_time = { distribution = "constant", value = "100ms" }, cpu_per_busy_worker = 1024 }

[[target_groups]]
name = "app"
port = 80
health_check = { interval = "10s", timeout = "5s" }

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
default_action = { forward = "app" }

[[services]]
name = "app"
task_definition = "app"
desired_count = 4
load_balancers = [{ target_group = "app", container_port = 80 }]

[[scaling]]
service = "app"
min = 1
max = 20

[[scaling.target_tracking]]
name = "cpu50"
target = 50
metric = "ECSServiceAverageCPUUtilization"
disable_scale_in = true

[[traffic]]
name = "users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 16 }, { at = "10m", per_second = 32 }] }
"#;

/// docs/ecs-model.md#example-target-tracking: target 50 %, 4 running tasks, CPU jumps from 40 % to 80 % at t = 10 min.
/// Each task serves 10 requests/s (100 ms, one worker), so 16/s on 4 tasks is ρ = 40 % and 32/s
/// is 80 %. The minute datapoints of minutes 10, 11 and 12 are ≈ 80 (> 50), so AlarmHigh (3 of 3)
/// goes to ALARM at the evaluation at t = 13 min = 780 s, and desired = ceil(4 × 80 / 50) =
/// ceil(6.4) = 7 (v within ±7 % of 80 gives the same answer; a minute of 1,920 Poisson requests
/// has a relative sd of about 2.3 %). One minute later (840 s) the 3 new tasks are still starting
/// (RUNNING only at 870 s: a 90 s start delay): C = 4, v ≈ 80 → new 7, not > 7 → no change.
#[test]
fn target_tracking_example_target_tracking_scales_out_to_7_three_minutes_after_the_jump() {
    let out = run(&load_parts("inline", &[WE_11_1]));
    let decisions = rows(&out, "cpu50");
    let d = decisions[0];
    assert!(decisions.iter().all(|r| r.time_s != 840), "{decisions:?}");
    assert_eq!((d.time_s, d.from_desired, d.to_desired), (780, 4, 7), "{d:?}");
    assert!(d.reason.starts_with("AlarmHigh: ceil(4 × "), "{}", d.reason);
    // The AlarmHigh transition to ALARM at 780 s read three datapoints above 50.
    let high: Vec<&AlarmRow> =
        alarm_rows(&out, "TargetTracking-service/default/app-AlarmHigh").into_iter().filter(|r| r.to == "ALARM").collect();
    assert_eq!(high.first().map(|r| r.time_s), Some(780), "{high:?}");
    let last3: Vec<f64> = high[0].datapoints.split(' ').rev().take(3).map(|v| v.parse().unwrap()).collect();
    assert!(last3.iter().all(|&v| (74.0..86.0).contains(&v)), "{last3:?}");
    // Before the jump the CPU was ≈ 40 %: AlarmHigh was OK.
    let service_rows: Vec<_> = out.recorder.service_minutes.iter().filter(|r| (5..10).contains(&r.minute)).collect();
    assert!(service_rows.iter().all(|r| r.cpu_utilization_pct.is_some_and(|c| (35.0..45.0).contains(&c))), "{service_rows:?}");
}

/// target-tracking-cpu.toml: every decision follows ceil(C × v / 50) within [2, 30]; scale-ins
/// are at least ScaleInCooldown (300 s) apart; at the diurnal peak (1,080 requests/s, one task
/// serving 200/s) the service reaches ceil(1080 / (200 × 0.5)) = 11 tasks and comes back to 2.
#[test]
fn target_tracking_lesson_follows_the_diurnal_load() {
    let out = run(&load("scenarios/lessons/scaling/target-tracking-cpu.toml"));
    let d = rows(&out, "cpu50");
    assert!(d.iter().all(|r| (2..=30).contains(&r.to_desired)));
    let peak = d.iter().map(|r| r.to_desired).max().unwrap();
    assert_eq!(peak, 11, "{d:?}");
    assert_eq!(d.last().map(|r| r.to_desired), Some(2));
    let ins: Vec<u64> = d.iter().filter(|r| r.to_desired < r.from_desired).map(|r| r.time_s).collect();
    assert!(ins.windows(2).all(|w| w[1] - w[0] >= 300), "{ins:?}");
    // Every scale-out shows its arithmetic and moves to exactly ceil(C × v / 50).
    for r in d.iter().filter(|r| r.to_desired > r.from_desired) {
        let inner = r.reason.split("ceil(").nth(1).unwrap().split(')').next().unwrap();
        let nums: Vec<f64> = inner.split(" × ").flat_map(|x| x.split(" / ")).map(|x| x.trim().parse().unwrap()).collect();
        assert_eq!((nums[0] * nums[1] / nums[2]).ceil() as u32, r.to_desired, "{}", r.reason);
    }
}

/// step-cpu-50.toml: each add-one adds exactly one task, each remove-one removes one, and
/// remove-one's scale-ins are at least its 300 s cooldown apart.
#[test]
fn step_lesson_adds_one_task_at_a_time() {
    let out = run(&load("scenarios/lessons/scaling/step-cpu-50.toml"));
    let add = rows(&out, "add-one");
    let remove = rows(&out, "remove-one");
    assert!(add.len() >= 5 && remove.len() >= 5, "{add:?} {remove:?}");
    assert!(add.iter().all(|r| r.to_desired == r.from_desired + 1));
    assert!(remove.iter().all(|r| r.to_desired + 1 == r.from_desired));
    assert!(remove.windows(2).all(|w| w[1].time_s - w[0].time_s >= 300));
    // add-one runs only while HighCPU is in ALARM: the last HighCPU transition before each
    // decision went to ALARM.
    for r in &add {
        let last = out.alarm_rows.iter().rfind(|a| a.alarm == "HighCPU" && a.time_s <= r.time_s).unwrap();
        assert_eq!(last.to, "ALARM", "{r:?}");
    }
}

/// Same scenario and seed → the same decisions and alarm history.
#[test]
fn scaling_is_deterministic() {
    let s = load("scenarios/lessons/scaling/step-cpu-50.toml");
    let (a, b) = (run(&s), run(&s));
    assert_eq!(a.scaling_rows, b.scaling_rows);
    assert_eq!(a.alarm_rows, b.alarm_rows);
}

/// The messages of `text` as if it were the file tests/inline.toml.
fn error_of(text: &str) -> String {
    load_err(&scenario_path("inline"), text).to_string()
}

#[test]
fn bad_alarms_and_scaling_are_located_errors() {
    // An alarm on a metric ecsim does not publish (a typo), on a service that does not exist,
    // DatapointsToAlarm above EvaluationPeriods, min above max, a step policy no alarm invokes.
    let typo = WE_11_1.to_string()
        + "\n[[alarms]]\nname = \"x\"\nmetric = \"CPUUtilisation\"\ndimensions = { ClusterName = \"default\", ServiceName = \"app\" }\nthreshold = 50\n";
    let e = error_of(&typo);
    assert!(e.contains("CPUUtilization"), "{e}");
    let unknown_service = WE_11_1.to_string()
        + "\n[[alarms]]\nname = \"x\"\nmetric = \"CPUUtilization\"\ndimensions = { ClusterName = \"default\", ServiceName = \"nope\" }\nthreshold = 50\n";
    let e = error_of(&unknown_service);
    // The error points at the alarm's `metric =` line.
    let metric_line = unknown_service.lines().enumerate().filter(|(_, l)| l.starts_with("metric =")).last().unwrap().0 + 1;
    assert!(e.contains("ServiceName \"nope\"") && e.contains(&format!("inline.toml:{metric_line}:")), "{e}");
    let m_above_n = WE_11_1.to_string()
        + "\n[[alarms]]\nname = \"x\"\nmetric = \"CPUUtilization\"\ndimensions = { ClusterName = \"default\", ServiceName = \"app\" }\nthreshold = 50\nevaluation_periods = 2\ndatapoints_to_alarm = 3\n";
    let e = error_of(&m_above_n);
    assert!(e.to_lowercase().contains("datapoints"), "{e}");
    let min_above_max = WE_11_1.replace("min = 1\nmax = 20", "min = 5\nmax = 2");
    let e = error_of(&min_above_max);
    assert!(e.contains("inline.toml:"), "{e}");
    let orphan_step = WE_11_1.to_string()
        + "\n[[scaling.step]]\nname = \"orphan\"\nadjustment_type = \"ChangeInCapacity\"\nsteps = [{ lower = 0, adjustment = 1 }]\n";
    let e = error_of(&orphan_step);
    assert!(e.contains("no alarm invokes step policy \"orphan\""), "{e}");
}

/// alarm-5xx-rollback.toml (docs/ecs-model.md#deployment-alarms, docs/ecs-model.md#alarms): web:2 answers 20 % of its requests with a 500.
/// Its first 3 tasks serve from 620 s, so minute 10 (600–660 s) already holds far more than 50
/// target 5xx; Target5xx (Sum > 50, 1 of 1) goes to ALARM at the evaluation at 660 s with that
/// minute's datapoint, ecs-svc/1 FAILED at 660 s and the rollback to web:1 completes once its
/// tasks are healthy and web:2's have drained; from minute 12 on no request fails.
#[test]
fn a_5xx_alarm_fails_the_deployment_and_the_rollback_stops_the_errors() {
    let out = run(&load("scenarios/lessons/alb/alarm-5xx-rollback.toml"));
    let to_alarm: Vec<&AlarmRow> = out.alarm_rows.iter().filter(|r| r.alarm == "Target5xx" && r.to == "ALARM").collect();
    assert_eq!(to_alarm.first().map(|r| r.time_s), Some(660), "{to_alarm:?}");
    let newest: f64 = to_alarm[0].datapoints.split(' ').next_back().unwrap().parse().unwrap();
    assert!(newest > 50.0, "{newest}");
    let deployments = &out.recorder.deployments;
    let failed = deployments.iter().find(|d| d.deployment == 1).unwrap();
    assert_eq!((failed.outcome.as_str(), failed.ended_s), ("FAILED", Some(660.0)), "{failed:?}");
    let rollback = deployments.iter().find(|d| d.deployment == 2).unwrap();
    assert_eq!((rollback.task_definition.as_str(), rollback.outcome.as_str()), ("web:1", "COMPLETED"));
    let rows = &out.traffic.as_ref().unwrap().rows;
    assert!(rows.iter().filter(|r| r.minute >= 12).all(|r| r.target_5xx == 0));
    assert!(rows.iter().filter(|r| r.minute < 10).all(|r| r.target_5xx == 0));
}

/// A scalable target from a register-scalable-target JSON (`target_file`): MinCapacity 2,
/// MaxCapacity 20 for ResourceId service/prod/web; a file without this service's ResourceId is an
/// error at the `target_file` line.
#[test]
fn a_scalable_target_can_come_from_register_scalable_target_json() {
    let text = WE_11_1
        .replace("name = \"default\"", "name = \"prod\"")
        .replace("[[services]]\nname = \"app\"", "[[services]]\nname = \"web\"")
        .replace(
            "service = \"app\"\nmin = 1\nmax = 20",
            "service = \"web\"\ntarget_file = \"fixtures/autoscaling/register-scalable-target.json\"",
        );
    let s = load_parts("inline", &[&text]);
    assert_eq!((s.scaling[0].target.min_capacity, s.scaling[0].target.max_capacity), (2, 20));
    let wrong = text.replace("name = \"prod\"", "name = \"staging\"");
    let e = error_of(&wrong);
    assert!(e.contains("registers no scalable target with ResourceId \"service/staging/web\""), "{e}");
    let cluster_cpu = WE_11_1.to_string()
        + "\n[[alarms]]\nname = \"x\"\nmetric = \"CPUUtilization\"\ndimensions = { ClusterName = \"default\" }\nthreshold = 50\n";
    assert!(error_of(&cluster_cpu).contains("cluster-level CPUUtilization is not published"));
}
