//! The capacity lessons of `scenarios/lessons/capacity/*.toml` run through the library, and the
//! located errors of capacity input (docs/ecs-model.md#capacity).
//! Every number the lessons' header comments derive is checked here: the
//! CapacityProviderReservation and the desired capacities of
//! docs/ecs-model.md#example-cpr-scale-out/docs/ecs-model.md#example-cpr-scale-in, the docs/ecs-model.md#example-strategy-split
//! split, the docs/ecs-model.md#example-fargate-cost Fargate cost and the EC2 cost it is compared with.

use crate::common::{error_at, instance_events, load, repo, run};
use ecsim::capacity::provider::managed_desired;
use ecsim::scenario::{self, Diagnostics, Scenario};
use ecsim::sim::recorder::ServiceMinuteRow;
use ecsim::sim::RunOutcome;
use std::path::{Path, PathBuf};

fn lesson_path(name: &str) -> PathBuf {
    repo(&format!("scenarios/lessons/capacity/{name}.toml"))
}

fn lesson(name: &str) -> Scenario {
    load(&format!("scenarios/lessons/capacity/{name}.toml"))
}

fn minute(out: &RunOutcome, service: &str, time_s: u64) -> ServiceMinuteRow {
    out.recorder
        .service_minutes
        .iter()
        .find(|m| m.service == service && m.time_s == time_s)
        .unwrap_or_else(|| panic!("no minute row at {time_s} s for {service}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------- outgrows-cluster

#[test]
fn outgrows_cluster_scales_out_by_cpr_scale_out_example_and_in_by_cpr_scale_in_example() {
    let out = run(&lesson("outgrows-cluster"));

    // docs/ecs-model.md#example-cpr-scale-out: N = 4, 2 provisioning tasks of one m5.large each → needed 2, step 2, M = 6,
    // CPR = 100 × 6 / 4 = 150; desired = ceil(4 × 150 / 100) = 6.
    let (n, m) = (4u32, 6u32);
    let cpr = 100.0 * f64::from(m) / f64::from(n);
    assert_eq!(cpr, 150.0);
    assert_eq!(managed_desired(n, cpr, 100, 2, 0, 10), 6);
    // docs/ecs-model.md#example-cpr-scale-in: N = 6, 5 instances with a task → CPR 83.33; desired = ceil(6 × 83.33 / 100) = 5.
    let cpr_in = 100.0 * 5.0 / 6.0;
    assert_eq!(managed_desired(6, cpr_in, 100, 0, 0, 10), 5);

    let rows: Vec<(u64, &str, u32, u32)> =
        out.scaling_rows.iter().map(|r| (r.time_s, r.service.as_str(), r.from_desired, r.to_desired)).collect();
    assert_eq!(rows, vec![(660, "asg-web", 4, 6), (2700, "asg-web", 6, 5)], "{:#?}", out.scaling_rows);
    assert!(out.scaling_rows[0].reason.contains("AlarmHigh: CapacityProviderReservation 150.00 (N 4, M 6, needed 2, step 2)"));
    assert!(out.scaling_rows[0].reason.contains("ceil(4 × 150.00 / 100) = 6"), "{}", out.scaling_rows[0].reason);
    assert!(out.scaling_rows[1].reason.contains("AlarmLow: CapacityProviderReservation 83.33 (N 6, M 5"), "{}", out.scaling_rows[1].reason);

    // The alarms: AlarmHigh 1 of 1 at the end of minute 10; AlarmLow 15 of 15 at minute 44's end.
    let alarm = |name: &str, to: &str| out.alarm_rows.iter().find(|a| a.alarm.ends_with(name) && a.to == to).map(|a| a.time_s);
    assert_eq!(alarm("AlarmHigh", "ALARM"), Some(660));
    assert_eq!(alarm("AlarmHigh", "OK"), Some(60), "first evaluation");
    assert_eq!(out.alarm_rows.iter().filter(|a| a.alarm.ends_with("AlarmHigh") && a.to == "OK").map(|a| a.time_s).next_back(), Some(780));
    assert_eq!(alarm("AlarmLow", "ALARM"), Some(2700));
    let low = out.alarm_rows.iter().find(|a| a.alarm == "TargetTracking-asg-web-AlarmLow" && a.to == "ALARM").unwrap();
    assert_eq!(low.datapoints.split(' ').filter(|d| *d == "83.3333").count(), 15, "{}", low.datapoints);

    // PROVISIONING: the 2 new tasks wait from 600 s to 750 s (launch at 660 s + 60 s + 30 s).
    assert_eq!(minute(&out, "web", 540).provisioning, 0);
    assert_eq!((minute(&out, "web", 600).provisioning, minute(&out, "web", 600).desired), (2, 6));
    assert_eq!(minute(&out, "web", 660).provisioning, 2);
    assert_eq!((minute(&out, "web", 720).provisioning, minute(&out, "web", 720).running), (0, 6));
    let tasks = out.task_rows().unwrap();
    let late: Vec<(f64, &str)> = tasks.iter().filter(|t| t.placed_s > 0.0).map(|t| (t.placed_s, t.capacity_provider.as_str())).collect();
    assert_eq!(late, vec![(750.0, "cp-web"), (750.0, "cp-web")]);
    assert!(tasks.iter().all(|t| t.capacity_provider == "cp-web"));

    // Instances: 2 launched at 660 s, registered at 750 s; at 2700 s the empty one terminates.
    let ev = instance_events(&out);
    let at = |reason: &str| ev.iter().filter(|e| e.1 == reason).map(|e| e.0).collect::<Vec<_>>();
    assert_eq!(at("LAUNCHING"), vec![660.0, 660.0]);
    assert_eq!(at("ACTIVE"), vec![750.0, 750.0]);
    assert_eq!(at("TERMINATED"), vec![2700.0]);
    let terminated = &ev.iter().find(|e| e.1 == "TERMINATED").unwrap().3;
    // Managed termination protection: the terminated instance is the one whose task stopped at
    // 30 min (scale-in 6 → 5), the only one without a task.
    let stopped = tasks.iter().find(|t| t.stopped_s.is_some()).expect("one task stopped");
    assert_eq!(stopped.stopped_s, Some(1800.0));
    assert_eq!(&out.cluster.instances[stopped.instance as usize].ec2_instance_id, terminated);
    assert!(tasks
        .iter()
        .filter(|t| t.stopped_s.is_none())
        .all(|t| out.cluster.instances[t.instance as usize].ec2_instance_id != *terminated));

    // timeseries.csv: instances 4 → 6 (minute 12) → 5 (minute 45).
    let instances = |m: u64| out.recorder.minutes.iter().find(|r| r.zone == "cluster" && r.minute == m).unwrap().instances;
    assert_eq!((instances(11), instances(12), instances(44), instances(45)), (4, 6, 6, 5));

    // Cost: 4 instances × 3600 s + 2 × (3600 − 660) s − (3600 − 2700) s = 19 380 s × $0.096/h.
    let billed = 4 * 3600 + 2 * (3600 - 660) - (3600 - 2700);
    assert_eq!(billed, 19_380);
    let cost = &out.capacity.cost;
    assert_eq!(cost.ec2.len(), 1);
    assert_eq!((cost.ec2[0].instances, cost.ec2[0].billed_seconds), (6, 19_380));
    assert!(close(cost.total_usd, 19_380.0 * 0.096 / 3600.0), "{}", cost.total_usd);
    let last = out.recorder.minutes.iter().filter(|r| r.zone == "cluster").last().unwrap();
    assert_eq!(last.cost_usd_cumulative, Some(0.5168));
    let g = &out.capacity.groups[0];
    assert_eq!((g.desired_at_end, g.in_service_at_end, g.peak_in_service, g.launched, g.terminated), (5, 5, 6, 2, 1));
}

#[test]
fn without_termination_protection_a_busy_instance_is_drained_before_it_terminates() {
    // The same lesson without managed termination protection (and without protecting new
    // instances, which would keep every instance): the Default termination policy picks among
    // the four oldest instances (closest to their next billing hour), any of which may run a
    // task; managed draining moves its task first.
    let text = std::fs::read_to_string(lesson_path("outgrows-cluster")).unwrap();
    let text = text
        .replace("managed_termination_protection = \"ENABLED\"", "managed_termination_protection = \"DISABLED\"")
        .replace("new_instances_protected_from_scale_in = true", "new_instances_protected_from_scale_in = false");
    let s = scenario::load_str(&lesson_path("outgrows-cluster"), &text).unwrap_or_else(|d| panic!("{d}"));
    let out = run(&s);
    let ev = instance_events(&out);
    let draining = ev.iter().find(|e| e.1 == "DRAINING").expect("an instance drains");
    let terminated = ev.iter().find(|e| e.1 == "TERMINATED").expect("and terminates");
    assert_eq!(draining.0, 2700.0);
    assert_eq!(draining.3, terminated.3);
    assert!(terminated.0 >= draining.0);
    // Whatever ran there was replaced: 5 tasks run at the end, none on the terminated instance.
    let tasks = out.task_rows().unwrap();
    let alive: Vec<_> = tasks.iter().filter(|t| t.stopped_s.is_none()).collect();
    assert_eq!(alive.len(), 5);
    assert!(alive.iter().all(|t| out.cluster.instances[t.instance as usize].ec2_instance_id != terminated.3));
    // The oldest instances (launched at 0 s) are closer to their next billing hour at 2700 s
    // (900 s) than those launched at 660 s (1560 s): one of the first four goes.
    let index = out.cluster.instances.iter().position(|i| i.ec2_instance_id == terminated.3).unwrap();
    assert!(index < 4, "{index}");
}

// ---------------------------------------------------------------- fargate-vs-ec2

#[test]
fn fargate_vs_ec2_costs_follow_fargate_cost_example_and_the_m5_large_price() {
    let s = lesson("fargate-vs-ec2");
    assert_eq!(s.variants.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["ec2", "fargate", "fargate-spot"]);
    // docs/ecs-model.md#example-fargate-cost: 1 vCPU × $0.04048 + 2 GB × $0.004445 = $0.04937 per task-hour.
    let task_hour = 1.0 * 0.04048 + 2.0 * 0.004445;
    assert!(close(task_hour, 0.04937));
    let cost_of = |variant: &str| {
        let v = s.variants.iter().find(|v| v.name == variant).unwrap();
        run(&s.with_variant(v))
    };

    let ec2 = cost_of("ec2");
    // N = 0 and two tasks provisioning → CPR 200; both fit one m5.large → step 1 → desired 1 at 60 s.
    assert_eq!(
        ec2.scaling_rows.iter().map(|r| (r.time_s, r.from_desired, r.to_desired)).collect::<Vec<_>>(),
        vec![(60, 0, 1)],
        "{:#?}",
        ec2.scaling_rows
    );
    assert!(ec2.scaling_rows[0].reason.contains("CapacityProviderReservation 200.00 (N 0, M 1, needed 1, step 1)"));
    // Billed from the launch at 60 s to the end at 3660 s: one instance-hour of m5.large.
    assert_eq!(ec2.capacity.cost.ec2[0].billed_seconds, 3600);
    assert!(close(ec2.capacity.cost.total_usd, 0.096), "{}", ec2.capacity.cost.total_usd);
    assert_eq!(ec2.capacity.service_cost_usd, vec![None]);
    assert!(ec2.task_rows().unwrap().iter().all(|t| t.capacity_provider == "cp-ec2" && t.placed_s == 150.0));

    let fargate = cost_of("fargate");
    assert!(close(fargate.capacity.cost.total_usd, 2.0 * task_hour), "{}", fargate.capacity.cost.total_usd);
    assert!(close(fargate.capacity.cost.fargate_vcpu_hours, 2.0) && close(fargate.capacity.cost.fargate_gb_hours, 4.0));
    assert!(close(fargate.capacity.service_cost_usd[0].unwrap(), 0.09874));
    assert!(fargate.scaling_rows.is_empty(), "the group stays at 0");
    assert_eq!(fargate.capacity.cost.ec2_usd, 0.0);
    // Fargate capacity is no container instance of the cluster's, but its tasks run.
    let cluster_row = fargate.recorder.minutes.iter().find(|r| r.zone == "cluster" && r.minute == 10).unwrap();
    assert_eq!((cluster_row.instances, cluster_row.running_tasks, cluster_row.cpu_reservation_pct), (0, 2, 0.0));
    // RUNNING at 60 s + 20 s.
    assert!(fargate.task_rows().unwrap().iter().all(|t| t.running_s == Some(80.0) && t.capacity_provider == "FARGATE"));

    let spot = cost_of("fargate-spot");
    assert!(close(spot.capacity.cost.total_usd, 2.0 * task_hour * 0.3), "{}", spot.capacity.cost.total_usd);
    assert!(close(spot.capacity.cost.total_usd, 0.029622));
    // EC2 is the cheaper of the two on-demand options for two tasks, by a little.
    assert!(ec2.capacity.cost.total_usd < fargate.capacity.cost.total_usd);
}

// ---------------------------------------------------------------- fargate-spot-split

#[test]
fn strategy_split_example_strategy_split_is_two_fargate_and_four_spot() {
    let out = run(&lesson("fargate-spot-split"));
    let tasks = out.task_rows().unwrap();
    let providers: Vec<&str> = tasks.iter().map(|t| t.capacity_provider.as_str()).collect();
    // t1 base → FARGATE; t2–t4 SPOT; t5 tie 1 vs 4/4 → FARGATE; t6 SPOT.
    assert_eq!(providers, ["FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE", "FARGATE_SPOT"]);
    assert_eq!(providers.iter().filter(|p| **p == "FARGATE").count(), 2);
    assert_eq!(providers.iter().filter(|p| **p == "FARGATE_SPOT").count(), 4);
    // Spread evenly over the three zones.
    for zone in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        let n = tasks.iter().filter(|t| out.cluster.instances[t.instance as usize].availability_zone == zone).count();
        assert_eq!(n, 2, "{zone}");
    }
    // Cost: 2 × $0.04937 + 4 × $0.04937 × 0.3 = $0.157984.
    let c = &out.capacity.cost;
    assert_eq!(c.fargate.len(), 2);
    assert_eq!((c.fargate[0].spot, c.fargate[0].tasks, c.fargate[1].spot, c.fargate[1].tasks), (false, 2, true, 4));
    assert!(close(c.total_usd, 0.157984), "{}", c.total_usd);
    assert!(close(out.capacity.service_cost_usd[0].unwrap(), 0.157984));
}

#[test]
fn capacity_lessons_are_deterministic() {
    for name in ["outgrows-cluster", "fargate-spot-split"] {
        let s = lesson(name);
        let (a, b) = (run(&s), run(&s));
        assert_eq!(a.task_rows().unwrap(), b.task_rows().unwrap(), "{name}");
        assert_eq!(a.scaling_rows, b.scaling_rows, "{name}");
        assert_eq!(a.recorder.minutes, b.recorder.minutes, "{name}");
    }
}

// ---------------------------------------------------------------- JSON inputs

#[test]
fn create_service_json_strategy_and_capacity_json_files_run() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "service.json",
        r#"{"serviceName": "api", "taskDefinition": "api:1", "desiredCount": 3,
            "capacityProviderStrategy": [{"capacityProvider": "cp-json", "weight": 1}]}"#,
    );
    write(
        "asg.json",
        r#"{"AutoScalingGroupName": "asg-json", "MinSize": 1, "MaxSize": 5, "DesiredCapacity": 1,
            "AvailabilityZones": ["us-east-1a"], "NewInstancesProtectedFromScaleIn": true,
            "LaunchTemplate": {"LaunchTemplateName": "lt", "Version": "1"}}"#,
    );
    write(
        "cp.json",
        r#"{"name": "cp-json", "autoScalingGroupProvider": {
              "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:u:autoScalingGroupName/asg-json",
              "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
              "managedTerminationProtection": "ENABLED"}}"#,
    );
    write("cluster.json", r#"{"cluster": "prod", "capacityProviders": ["cp-json"], "defaultCapacityProviderStrategy": []}"#);
    let toml = r#"
[scenario]
duration = "20m"
[cluster]
name = "prod"
zones = ["us-east-1a"]
capacity_providers_file = "cluster.json"
[[auto_scaling_groups]]
file = "asg.json"
instance_type = "m5.large"
[[capacity_providers]]
file = "cp.json"
[[task_definitions]]
name = "api"
family = "api"
cpu = 2048
memory = 1024
[[services]]
name = "api"
file = "service.json"
task_definition = "api"
"#;
    let path = dir.path().join("s.toml");
    write("s.toml", toml);
    let s = scenario::load(&path).unwrap_or_else(|d| panic!("{d}"));
    let out = run(&s);
    // One instance, 3 tasks of a whole m5.large each: 2 provisioning → CPR 300, desired 3.
    assert_eq!(
        out.scaling_rows.iter().map(|r| (r.time_s, r.to_desired)).collect::<Vec<_>>(),
        vec![(60, 3)],
        "{:#?} {:#?}",
        out.scaling_rows,
        out.alarm_rows
    );
    assert_eq!(minute(&out, "api", 600).running, 3);
    assert!(out.task_rows().unwrap().iter().all(|t| t.capacity_provider == "cp-json"));
}

// ---------------------------------------------------------------- located errors

fn load_err(body: &str) -> Diagnostics {
    let text = format!("[scenario]\nduration = \"1h\"\n[cluster]\nzones = [\"us-east-1a\"]\n{body}");
    crate::common::load_err(Path::new("bad.toml"), &text)
}

const ASG: &str = "[[auto_scaling_groups]]\nname = \"asg\"\ninstance_type = \"m5.large\"\nmax = 4\n";
const CP: &str = "[[capacity_providers]]\nname = \"cp\"\nauto_scaling_group = \"asg\"\nmanaged_scaling = { status = \"ENABLED\" }\n";
const TD: &str = "[[task_definitions]]\nname = \"t\"\ncpu = 1024\nmemory = 2048\nnetwork_mode = \"awsvpc\"\n";

#[test]
fn unknown_capacity_provider_in_a_strategy_is_located_with_a_suggestion() {
    let d = load_err(&format!(
        "{ASG}{CP}{TD}[[services]]\nname = \"s\"\ntask_definition = \"t\"\ndesired_count = 1\ncapacity_provider_strategy = [{{ capacity_provider = \"cpx\", weight = 1 }}]\n"
    ));
    // Line 22: the strategy; the column of `capacity_provider`'s value.
    let e = error_at(&d, (22, 53), "capacity provider \"cpx\" is not one of the cluster's capacity providers");
    assert!(e.help.as_deref().unwrap_or("").contains("did you mean \"cp\"?"), "{e}");
}

#[test]
fn two_bases_are_an_error_at_the_second_item() {
    let d = load_err(&format!(
        "{TD}[[services]]\nname = \"s\"\ntask_definition = \"t\"\ndesired_count = 1\ncapacity_provider_strategy = [\n  {{ capacity_provider = \"FARGATE\", base = 1, weight = 1 }},\n  {{ capacity_provider = \"FARGATE_SPOT\", base = 2, weight = 1 }},\n]\n"
    ));
    error_at(&d, (16, 3), "only one capacity provider in a strategy can have a base; item 0 already has base 1");
}

#[test]
fn an_invalid_fargate_size_is_an_error_at_the_service_task_definition() {
    let d = load_err(
        "[[task_definitions]]\nname = \"t\"\ncpu = 1024\nmemory = 1024\nnetwork_mode = \"awsvpc\"\n[[services]]\nname = \"s\"\ntask_definition = \"t\"\ndesired_count = 1\nlaunch_type = \"FARGATE\"\n",
    );
    let e = error_at(&d, (12, 19), "1024 MiB is not a valid Fargate memory size for 1024 CPU units (1 vCPU)");
    assert!(e.message.contains("2048, 3072"), "{e}");
    // Bridge mode is no Fargate task definition either.
    let d = load_err(
        "[[task_definitions]]\nname = \"t\"\ncpu = 256\nmemory = 512\n[[services]]\nname = \"s\"\ntask_definition = \"t\"\ndesired_count = 1\nlaunch_type = \"FARGATE\"\n",
    );
    error_at(&d, (11, 19), "needs network mode awsvpc; task definition \"t\" uses bridge");
}

#[test]
fn min_above_max_is_an_error_at_min() {
    let d = load_err("[[auto_scaling_groups]]\nname = \"asg\"\ninstance_type = \"m5.large\"\nmin = 5\nmax = 2\n");
    error_at(&d, (8, 7), "MinSize 5 is above MaxSize 2");
}

#[test]
fn target_capacity_out_of_range_is_an_error_at_its_value() {
    let d = load_err(&format!(
        "{ASG}[[capacity_providers]]\nname = \"cp\"\nauto_scaling_group = \"asg\"\nmanaged_scaling = {{ status = \"ENABLED\", target_capacity = 0 }}\n"
    ));
    error_at(&d, (12, 59), "target_capacity 0 is outside 1–100");
}

#[test]
fn an_unknown_instance_type_of_a_group_is_an_error_with_a_suggestion() {
    let d = load_err("[[auto_scaling_groups]]\nname = \"asg\"\ninstance_type = \"m5.lrage\"\nmax = 2\n");
    let e = error_at(&d, (7, 17), "unknown instance type \"m5.lrage\"");
    assert!(e.help.as_deref().unwrap_or("").contains("did you mean \"m5.large\"?"), "{e}");
}

#[test]
fn other_capacity_mistakes_are_located() {
    // A provider naming no group.
    let d = load_err(&format!("{ASG}[[capacity_providers]]\nname = \"cp\"\nauto_scaling_group = \"asgg\"\n"));
    error_at(&d, (11, 22), "no Auto Scaling group named \"asgg\"");
    // Both a launch type and a strategy.
    let d = load_err(&format!(
        "{TD}[[services]]\nname = \"s\"\ntask_definition = \"t\"\nlaunch_type = \"FARGATE\"\ncapacity_provider_strategy = [{{ capacity_provider = \"FARGATE\", weight = 1 }}]\n"
    ));
    error_at(&d, (13, 15), "launch_type and capacity_provider_strategy are both given");
    // Fargate and Auto Scaling group providers in one strategy.
    let d = load_err(&format!(
        "{ASG}{CP}{TD}[[services]]\nname = \"s\"\ntask_definition = \"t\"\ncapacity_provider_strategy = [{{ capacity_provider = \"FARGATE\", weight = 1 }}, {{ capacity_provider = \"cp\", weight = 1 }}]\n"
    ));
    error_at(&d, (21, 78), "\"FARGATE\" and \"cp\" cannot share a strategy");
    // Managed termination protection without protected new instances.
    let d = load_err(&format!("{ASG}[[capacity_providers]]\nname = \"cp\"\nauto_scaling_group = \"asg\"\nmanaged_termination_protection = true\nmanaged_scaling = {{}}\n"));
    error_at(&d, (10, 8), "NewInstancesProtectedFromScaleIn");
    // A Fargate service's subnet of no known zone.
    let d = load_err(&format!(
        "{TD}[[services]]\nname = \"s\"\ntask_definition = \"t\"\nlaunch_type = \"FARGATE\"\nsubnets = [\"subnet-0abc\"]\n"
    ));
    error_at(&d, (14, 12), "the zone of subnet \"subnet-0abc\" is unknown");
}

// ---------------------------------------------------------------- Fargate in the rest of the run

#[test]
fn a_fargate_service_behind_a_load_balancer_rolls_out_and_serves() {
    let text = r#"
[scenario]
name = "fargate-alb"
duration = "25m"
seed = 11
[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
[[task_definitions]]
name = "web-v1"
family = "web"
revision = 1
cpu = 1024
memory = 2048
network_mode = "awsvpc"
serving = { concurrency = 4, service_time = { distribution = "exponential", mean = "20ms" }, cpu_per_busy_worker = 256 }
behaviour = { exit_after_sigterm = "2s" }
[[task_definitions]]
name = "web-v2"
family = "web"
revision = 2
cpu = 1024
memory = 2048
network_mode = "awsvpc"
serving = { concurrency = 4, service_time = { distribution = "exponential", mean = "20ms" }, cpu_per_busy_worker = 256 }
behaviour = { exit_after_sigterm = "2s" }
[[target_groups]]
name = "web"
port = 80
target_type = "ip"
deregistration_delay = "30s"
health_check = { interval = "10s", timeout = "5s", healthy_threshold = 3, unhealthy_threshold = 2 }
[[load_balancers]]
name = "web"
[[load_balancers.listeners]]
port = 80
protocol = "HTTP"
default_action = { forward = "web" }
[[services]]
name = "web"
task_definition = "web-v1"
desired_count = 6
launch_type = "FARGATE"
deployment = { minimum_healthy_percent = 100, maximum_percent = 150 }
load_balancers = [{ target_group = "web", container_port = 80 }]
[[traffic]]
name = "users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "3m", per_second = 300 }] }
[[actions]]
action = "update_service"
at = "10m"
service = "web"
task_definition = "web-v2"
"#;
    let s = scenario::load_str(&lesson_path("fargate-alb"), text).unwrap_or_else(|d| panic!("{d}"));
    let out = run(&s);
    let d = &out.recorder.deployments;
    assert_eq!(d.iter().map(|d| d.outcome.as_str()).collect::<Vec<_>>(), ["COMPLETED", "COMPLETED"], "{d:#?}");
    let tasks = out.task_rows().unwrap();
    assert_eq!(tasks.len(), 12);
    assert!(tasks.iter().all(|t| t.capacity_provider == "FARGATE"));
    // Each task had capacity of its own, spread 2 per zone per revision; none is left.
    let fargate: Vec<_> = out.cluster.instances.iter().filter(|i| i.fargate).collect();
    assert_eq!(fargate.len(), 12);
    for zone in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        let alive = tasks.iter().filter(|t| t.stopped_s.is_none() && out.cluster.instances[t.instance as usize].availability_zone == zone);
        assert_eq!(alive.count(), 2, "{zone}");
    }
    assert_eq!(fargate.iter().filter(|i| i.status == ecsim::ecs::InstanceStatus::Active).count(), 6);
    let traffic = out.traffic.as_ref().expect("traffic");
    assert!(traffic.figures.availability > 0.999, "{}", traffic.figures.availability);
    // The six stopped tasks were billed to their STOPPED, the six alive to the end.
    let c = &out.capacity.cost;
    assert_eq!(c.fargate[0].tasks, 12);
    assert_eq!(c.ec2_usd, 0.0);
}

#[test]
fn provisioning_tasks_go_when_the_service_no_longer_wants_them() {
    // A group that cannot grow (max 1): 3 of 4 tasks wait; scaling the service to 1 drops them.
    let text = r#"
[scenario]
duration = "10m"
[cluster]
zones = ["us-east-1a"]
[[auto_scaling_groups]]
name = "asg"
instance_type = "m5.large"
max = 1
desired = 1
[[capacity_providers]]
name = "cp"
auto_scaling_group = "asg"
managed_scaling = {}
[[task_definitions]]
name = "t"
cpu = 2048
memory = 512
[[services]]
name = "s"
task_definition = "t"
desired_count = 4
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
[[actions]]
action = "update_service"
at = "5m"
service = "s"
desired_count = 1
"#;
    let s = scenario::load_str(&lesson_path("provisioning"), text).unwrap_or_else(|d| panic!("{d}"));
    let out = run(&s);
    assert_eq!((minute(&out, "s", 240).provisioning, minute(&out, "s", 240).running), (3, 1));
    assert_eq!((minute(&out, "s", 300).provisioning, minute(&out, "s", 300).running), (0, 1));
    // The group is at its maximum: the metric asks for more, the group cannot give it.
    assert!(out.scaling_rows.is_empty(), "{:#?}", out.scaling_rows);
    assert!(out.alarm_rows.iter().any(|a| a.alarm.ends_with("AlarmHigh") && a.to == "ALARM"));
}

#[test]
fn a_scale_out_stops_a_scale_in_in_progress() {
    // Three full instances; SetDesiredCapacity 2 drains one (no termination protection, so the
    // policy may pick a busy one). Its task must move first, but no other instance has room: the
    // replacement waits in PROVISIONING, CapacityProviderReservation = 100 × 3 / 2 = 150 and
    // AlarmHigh sets desired ceil(2 × 150 / 100) = 3 — the draining instance returns to service
    // (docs/ecs-model.md#managed-scaling step 8) instead of a new one being launched, and its task stays.
    let text = r#"
[scenario]
duration = "20m"
seed = 3
[cluster]
zones = ["us-east-1a"]
[[auto_scaling_groups]]
name = "asg"
instance_type = "m5.large"
max = 5
desired = 3
[[capacity_providers]]
name = "cp"
auto_scaling_group = "asg"
managed_scaling = {}
managed_draining = "ENABLED"
[[task_definitions]]
name = "t"
cpu = 2048
memory = 512
[[services]]
name = "s"
task_definition = "t"
desired_count = 3
capacity_provider_strategy = [{ capacity_provider = "cp", weight = 1 }]
[[actions]]
action = "set_desired_capacity"
at = "5m"
group = "asg"
desired = 2
"#;
    let s = scenario::load_str(&lesson_path("scale-out-stops-scale-in"), text).unwrap_or_else(|d| panic!("{d}"));
    let out = run(&s);
    let rows: Vec<(u64, &str, u32, u32)> =
        out.scaling_rows.iter().map(|r| (r.time_s, r.policy.as_str(), r.from_desired, r.to_desired)).collect();
    assert_eq!(rows, vec![(300, "SetDesiredCapacity", 3, 2), (360, "managed scaling (cp)", 2, 3)], "{:#?}", out.scaling_rows);
    assert!(out.scaling_rows[1].reason.contains("CapacityProviderReservation 150.00 (N 2, M 3, needed 1, step 1)"));
    let ev = instance_events(&out);
    let reasons: Vec<(f64, &str)> = ev.iter().map(|e| (e.0, e.1.as_str())).collect();
    assert_eq!(reasons, vec![(300.0, "DRAINING"), (360.0, "ACTIVE")], "{ev:#?}");
    assert!(!ev.iter().any(|e| e.1 == "LAUNCHING" || e.1 == "TERMINATED"));
    // Nothing was stopped: the three tasks of t = 0 still run; the PROVISIONING replacement went.
    let tasks = out.task_rows().unwrap();
    assert_eq!(tasks.len(), 3, "{tasks:#?}");
    assert!(tasks.iter().all(|t| t.stopped_s.is_none()));
    assert_eq!((minute(&out, "s", 300).provisioning, minute(&out, "s", 360).provisioning), (1, 0));
}
