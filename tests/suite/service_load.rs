//! A service's `load`: ECS CPUUtilization history replayed as the load of a service without a
//! load balancer (`scenario::load_service_load`, published by `sim::services::calls`). Fixtures:
//! `tests/fixtures/cloudwatch/history/cpu-*` (see its README).

use crate::common::{error_at, load_err, run, scenario_path};
use ecsim::scenario;

/// A worker service (no load balancer) of 2 tasks with `load`, target tracking at 40 % CPU.
fn scenario_text(load: &str) -> String {
    format!(
        r#"[scenario]
name = "service-load"
duration = "20m"
seed = 1

[cluster]
name = "default"
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.xlarge"
count = 3

[lifecycle]
start_delay = {{ distribution = "constant", value = "20s" }}

[[task_definitions]]
name = "worker"
family = "worker"
cpu = 1024
memory = 2048

[[services]]
name = "worker"
task_definition = "worker"
desired_count = 2
load = {load}

[[scaling]]
service = "worker"
min = 1
max = 10

[[scaling.target_tracking]]
name = "cpu40"
target = 40
metric = "ECSServiceAverageCPUUtilization"
"#
    )
}

/// The line of `load = ` in [`scenario_text`].
const LOAD_LINE: usize = 27;

#[test]
fn eighty_percent_recorded_on_two_tasks_scales_toward_four_at_a_forty_percent_target() {
    // The history: 80 % CPU for an hour, recorded while 2 tasks ran. Demand = 80 × 2 = 160
    // task-percent. With n running tasks each minute publishes n samples of 160 ÷ n, so the
    // service's average CPUUtilization is 80 % on 2 tasks and 40 % on 4.
    // Target tracking at 40 % (docs/scenarios.md, `[[scaling]]`): AlarmHigh (> 40, 3 of 3
    // minutes) sees 80, 80, 80 and sets the desired count to ceil(running × value ÷ target) =
    // ceil(2 × 80 ÷ 40) = 4. On 4 tasks the average is 160 ÷ 4 = 40: not above 40 (no more
    // scale-out) and not below 0.9 × 40 = 36 (AlarmLow stays OK): the service stays at 4.
    let text = scenario_text(r#"{ cpu_history = "fixtures/cloudwatch/history/cpu-80-one-hour.csv", tasks = 2, period = "1h" }"#);
    let s = scenario::load_str(&scenario_path("service_load"), &text).unwrap_or_else(|d| panic!("{d}"));
    assert!(s.warnings.warnings().next().is_none(), "{:?}", s.warnings.warnings().collect::<Vec<_>>());
    let out = run(&s);
    let rows: Vec<_> = out.recorder.service_minutes.iter().filter(|r| r.service == "worker").collect();
    assert_eq!(rows[0].cpu_utilization_pct, Some(80.0), "{:?}", rows[0]);
    assert_eq!(rows[0].memory_utilization_pct, None, "no memory history, no memory datapoint");
    let outs: Vec<_> = out.scaling_rows.iter().filter(|r| r.to_desired > r.from_desired).collect();
    assert_eq!(outs.len(), 1, "one scale-out: {:?}", out.scaling_rows);
    assert_eq!((outs[0].from_desired, outs[0].to_desired), (2, 4), "{:?}", outs[0]);
    assert!(out.scaling_rows.iter().all(|r| r.to_desired >= r.from_desired), "no scale-in: {:?}", out.scaling_rows);
    let last = rows.last().expect("rows");
    assert_eq!((last.desired, last.running), (4, 4), "{last:?}");
    assert_eq!(last.cpu_utilization_pct, Some(40.0), "{last:?}");
}

#[test]
fn a_bad_value_is_an_error_at_its_place_in_the_history() {
    let d = load_err(
        &scenario_path("service_load"),
        &scenario_text(r#"{ cpu_history = "fixtures/cloudwatch/history/cpu-statistics-bad.json", period = "1m" }"#),
    );
    // The second datapoint's Average (-3.0) on line 11, column 13 of the file.
    let e = error_at(&d, (11, 13), "-3");
    assert!(e.file.ends_with("cpu-statistics-bad.json"), "{e}");
}

#[test]
fn load_is_refused_without_a_history_or_with_no_tasks() {
    let d = load_err(&scenario_path("service_load"), &scenario_text(r#"{ tasks = 2 }"#));
    error_at(&d, (LOAD_LINE, 8), "names no history");
    let d = load_err(
        &scenario_path("service_load"),
        &scenario_text(r#"{ cpu_history = "fixtures/cloudwatch/history/cpu-80-one-hour.csv", tasks = 0, period = "1h" }"#),
    );
    error_at(&d, (LOAD_LINE, 8), "tasks = 0");
}

#[test]
fn load_on_a_service_behind_a_load_balancer_is_an_error() {
    // Its CPU comes from the requests it serves; the two would publish one metric twice.
    let load = r#"{ cpu_history = "fixtures/cloudwatch/history/cpu-80-one-hour.csv", period = "1h" }
load_balancers = [{ target_group = "web", container_port = 80 }]"#;
    let text = format!(
        "{}\n[[target_groups]]\nname = \"web\"\nport = 80\n{}",
        scenario_text(load).replace("memory = 2048\n", "memory = 2048\ndynamic_ports = 1\n"),
        crate::common::toml::LB_WEB
    );
    let d = load_err(&scenario_path("service_load"), &text);
    error_at(&d, (LOAD_LINE + 1, 8), "`load` is for a service without a load balancer");
}
