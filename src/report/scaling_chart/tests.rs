//! Tests of `scaling_chart`, kept apart so the module reads on its own.

use super::*;
use crate::report::chart::tests::is_png;
use std::fs;

const HIGH: &str = "web-cpu-AlarmHigh";
const LOW: &str = "web-cpu-AlarmLow";
/// Another service's alarm: in alarms.csv, not in the chart.
const OTHER: &str = "api-cpu-AlarmHigh";

fn minute(m: u64, service: &str, desired: u32, running: u32, cpu: Option<f64>) -> ServiceMinuteRow {
    ServiceMinuteRow {
        minute: m,
        time_s: m * 60,
        service: service.to_string(),
        desired,
        running,
        pending: desired.saturating_sub(running),
        provisioning: 0,
        healthy: running,
        in_flight: desired.max(running),
        primary_tasks: running,
        old_tasks: 0,
        deployments: 1,
        cpu_utilization_pct: cpu,
        memory_utilization_pct: cpu.map(|c| c / 2.0),
    }
}

/// "web": desired 2, 5 from minute 15, 3 from minute 40; running follows two minutes
/// late; CPU high in minutes 10 to 14, low in 35 to 39 and from 55. "api" runs alongside.
fn synthetic_minutes(minutes: u64) -> Vec<ServiceMinuteRow> {
    let desired = |m: u64| match m {
        0..15 => 2,
        15..40 => 5,
        _ => 3,
    };
    let cpu = |m: u64| match m {
        10..15 => 95.0,
        35..40 => 20.0,
        m if m >= 55 => 15.0,
        _ => 60.0,
    };
    (0..minutes)
        .flat_map(|m| [minute(m, "web", desired(m), desired(m.saturating_sub(2)), Some(cpu(m))), minute(m, "api", 4, 4, None)])
        .collect()
}

fn transition(time_s: u64, alarm: &str, from: &str, to: &str) -> AlarmRow {
    AlarmRow {
        time_s,
        alarm: alarm.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        datapoints: String::new(),
        reason: String::new(),
    }
}

/// AlarmHigh in ALARM in minutes 12 to 15; AlarmLow in 38 to 40 and from 57 to the end.
fn synthetic_alarms() -> Vec<AlarmRow> {
    vec![
        transition(0, HIGH, "INSUFFICIENT_DATA", "OK"),
        transition(0, LOW, "INSUFFICIENT_DATA", "OK"),
        transition(720, HIGH, "OK", "ALARM"),
        transition(720, OTHER, "OK", "ALARM"),
        transition(900, HIGH, "ALARM", "OK"),
        transition(2280, LOW, "OK", "ALARM"),
        transition(2400, LOW, "ALARM", "OK"),
        transition(3420, LOW, "OK", "ALARM"),
    ]
}

fn decision(time_s: u64, service: &str, from_desired: u32, to_desired: u32) -> ScalingRow {
    ScalingRow { time_s, service: service.to_string(), policy: "cpu50".to_string(), from_desired, to_desired, reason: String::new() }
}

fn synthetic_scaling() -> Vec<ScalingRow> {
    vec![decision(900, "web", 2, 5), decision(900, "api", 4, 6), decision(2400, "web", 5, 3), decision(3000, "web", 3, 3)]
}

fn names() -> Vec<String> {
    vec![HIGH.to_string(), LOW.to_string()]
}

fn figure(minutes: u64) -> ScalingFigure {
    ScalingFigure::new("web", &synthetic_minutes(minutes), &synthetic_alarms(), &names(), &synthetic_scaling(), "t")
}

fn draw(minutes: &[ServiceMinuteRow], dir: &tempfile::TempDir, name: &str) -> (Vec<u8>, String) {
    let (png, svg) = (dir.path().join(format!("{name}.png")), dir.path().join(format!("{name}.svg")));
    scaling_chart("web", minutes, &synthetic_alarms(), &names(), &synthetic_scaling(), &[], &[], "quickstart: web scaling", &png, &svg)
        .unwrap();
    (fs::read(&png).unwrap(), fs::read_to_string(&svg).unwrap())
}

#[test]
fn draws_a_decodable_png_and_an_svg_with_both_panels_and_the_alarms() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = draw(&synthetic_minutes(60), &dir, "scaling");
    assert_eq!(is_png(&png), SCALING_SIZE);
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    for label in [
        "quickstart: web scaling",
        "Tasks",
        "CPU and memory utilization (%)",
        "Simulated time (min)",
        "desired",
        "RUNNING",
        "memory utilization",
        "scale out",
        "scale in",
        "no change",
        "In ALARM",
        HIGH,
        LOW,
    ] {
        assert!(svg.contains(label), "SVG lacks {label:?}");
    }
    assert!(!svg.contains(OTHER), "another service's alarm is drawn");
}

#[test]
fn the_same_rows_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let rows = synthetic_minutes(60);
    let one = draw(&rows, &dir, "one");
    let two = draw(&rows, &dir, "two");
    assert!(!one.0.is_empty());
    assert_eq!(one, two);
}

#[test]
fn empty_inputs_draw_empty_panels() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("e.png"), dir.path().join("e.svg"));
    scaling_chart("web", &[], &[], &[], &[], &[], &[], "empty", &png, &svg).unwrap();
    assert_eq!(is_png(&fs::read(&png).unwrap()), SCALING_SIZE);
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.contains("CPU utilization (%)"));
    assert!(!text.contains("In ALARM"));
    // Named alarms without transitions, a lone minute without utilization, a service
    // with no rows of its own: no panic either.
    let lone = [minute(0, "web", 0, 0, None)];
    scaling_chart("web", &lone, &[], &names(), &[], &[], &[], "one minute", &png, &svg).unwrap();
    scaling_chart("db", &synthetic_minutes(5), &synthetic_alarms(), &names(), &synthetic_scaling(), &[], &[], "t", &png, &svg).unwrap();
    assert!(fs::read_to_string(&svg).unwrap().contains(HIGH));
}

#[test]
fn a_day_is_drawn_in_hours_from_buckets_of_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let rows = synthetic_minutes(24 * 60);
    let (png, svg) = draw(&rows, &dir, "day");
    assert_eq!(is_png(&png), SCALING_SIZE);
    assert!(svg.contains("Simulated time (h); each point the mean of 4 minutes"));
    // 1440 minutes in buckets of 4: 360 means per line, the step line two points each.
    let figure = ScalingFigure::new("web", &rows, &synthetic_alarms(), &names(), &synthetic_scaling(), "a day");
    let [desired, running] = &figure.tasks.traces[..] else { panic!("two task lines") };
    assert_eq!(running.runs.iter().map(Vec::len).sum::<usize>(), 720);
    assert_eq!(desired.runs.iter().map(Vec::len).sum::<usize>(), 720);
    // Minutes 12 to 15 (desired 2, 2, 2, 5) make the bucket's mean 2.75.
    assert_eq!(desired.runs[0][6], (12.0 / 60.0, 2.75));
}

#[test]
fn bands_span_each_alarm_in_alarm_in_its_own_shade() {
    let figure = figure(60);
    let red = HIGH_SHADES[0];
    let blue = LOW_SHADES[0];
    // The open interval of AlarmLow ends with the axis, at the end of the last minute.
    assert_eq!(
        figure.tasks.bands,
        vec![
            Band { from: 12.0, to: 15.0, color: red },
            Band { from: 38.0, to: 40.0, color: blue },
            Band { from: 57.0, to: 60.0, color: blue }
        ]
    );
    let mut used = [0; 3];
    assert_eq!([shade("a-High", &mut used), shade("b-High", &mut used), shade("c", &mut used)], [red, HIGH_SHADES[1], OTHER_SHADES[0]]);
}

#[test]
fn markers_stand_at_each_decision_and_its_new_desired_count() {
    let figure = figure(60);
    let markers: Vec<(f64, f64, Step)> = figure.tasks.markers.iter().map(|m| (m.x, m.y, m.step)).collect();
    assert_eq!(markers, vec![(15.0, 5.0, Step::Out), (40.0, 3.0, Step::In), (50.0, 3.0, Step::Unchanged)]);
    // 5 tasks at the most, and room above them.
    assert_eq!(figure.tasks.top, 6.0);
}

#[test]
fn desired_is_a_step_line_and_utilization_has_gaps() {
    let figure = figure(60);
    let desired = &figure.tasks.traces[0].runs[0];
    assert_eq!(&desired[26..32], &[(13.0, 2.0), (14.0, 2.0), (14.0, 2.0), (15.0, 2.0), (15.0, 5.0), (16.0, 5.0)]);
    // The last minute holds to the end of the axis, the end of minute 59.
    assert_eq!(desired.last(), Some(&(60.0, 3.0)));

    let mut rows = synthetic_minutes(30);
    rows.retain(|r| !(r.service == "web" && (10..12).contains(&r.minute)));
    let figure = ScalingFigure::new("web", &rows, &[], &[], &[], "t");
    // CPU is the second trace, over memory.
    let lengths: Vec<usize> = figure.utilization.traces[1].runs.iter().map(Vec::len).collect();
    // Steps: two points per minute.
    assert_eq!(lengths, vec![20, 36]);
    assert_eq!(figure.utilization.top, 100.0);
}

#[test]
fn utilization_above_100_percent_raises_the_axis() {
    assert_eq!(utilization_top(0.0), 100.0);
    assert_eq!(utilization_top(100.0), 100.0);
    assert_eq!(utilization_top(137.2), 140.0);
}

#[test]
fn long_alarm_names_wrap_at_separators() {
    let name = "TargetTracking-service/default/web-AlarmHigh-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
    let lines = wrap(name);
    assert_eq!(lines, vec!["TargetTracking-service/", "default/web-AlarmHigh-", "0a1b2c3d-4e5f-6a7b-8c9d-0e1…"]);
    assert!(lines.iter().all(|l| l.chars().count() <= ALARM_LABEL_CHARS));
    assert_eq!(wrap(HIGH), vec![HIGH]);
    assert_eq!(wrap(&"x".repeat(30)), vec!["x".repeat(28), "xx".to_string()]);
}

#[test]
fn too_many_alarms_shorten_the_legend() {
    let names: Vec<String> = (0..40).map(|i| format!("alarm-{i:02}")).collect();
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = (dir.path().join("m.png"), dir.path().join("m.svg"));
    scaling_chart("web", &synthetic_minutes(10), &[], &names, &[], &[], &[], "t", &png, &svg).unwrap();
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.contains("alarm-00"));
    assert!(!text.contains("alarm-39"));
    assert!(text.contains("more"));
}

#[test]
fn running_is_a_step_drawn_over_the_wide_desired_step() {
    let figure = figure(60);
    let [desired, running] = &figure.tasks.traces[..] else { panic!("two task lines") };
    assert!(desired.stroke.width > running.stroke.width, "desired under running, wider");
    // Minute 16 (running 2, desired 5 since minute 15): running holds 2 from 16.0 to 17.0.
    assert_eq!(&running.runs[0][32..34], &[(16.0, 2.0), (17.0, 2.0)]);
}

#[test]
fn each_target_is_a_dashed_line_of_its_metric_colour_and_labelled() {
    let target = |metric: TargetMetric, value: f64| ScalingTarget { policy: "p".into(), metric, target_value: value };
    let targets = [
        target(TargetMetric::Cpu, 50.0),
        target(TargetMetric::Memory, 70.0),
        target(TargetMetric::Other("ALBRequestCountPerTarget".into()), 1000.0),
    ];
    let figure = figure(60).with_targets(&targets);
    let lines: Vec<&Trace> = figure.utilization.traces.iter().filter(|t| t.stroke.dashed).collect();
    assert_eq!(lines.len(), 2, "requests per target are not on the utilization axis");
    assert_eq!(lines[0].stroke, Stroke { color: CPU, width: 2, dashed: true });
    assert_eq!(lines[0].runs, vec![vec![(0.0, 50.0), (60.0, 50.0)]]);
    assert_eq!(lines[1].stroke.color, MEMORY);
    // Memory utilization itself is wide and solid, under CPU: only targets are dashed.
    assert_eq!(figure.utilization.traces[0].stroke, Stroke { color: MEMORY_WIDE, width: 7, dashed: false });
    let labels: Vec<String> = figure.utilization.legend[0].entries.iter().map(|e| e.label[0].clone()).collect();
    assert_eq!(
        labels,
        ["CPU utilization", "memory utilization (wide)", "CPU target 50 %", "memory target 70 %", "target ALBRequestCountPerTarget 1000"]
    );
}

#[test]
fn target_tracking_alarms_are_named_readably_with_their_condition() {
    let name = "TargetTracking-service/default/web-AlarmHigh-c0c7a8c3-22a3-b4f9-e378-dc151fbc26c4";
    assert_eq!(readable_alarm_name(name), "TargetTracking-web-AlarmHigh-…");
    assert_eq!(readable_alarm_name("TargetTracking-service/default/web-AlarmLow-dc17"), "TargetTracking-web-AlarmLow-…");
    assert_eq!(readable_alarm_name(HIGH), HIGH, "a user's own alarm keeps its name");
    let mut row = transition(60, name, "INSUFFICIENT_DATA", "OK");
    row.reason = "Threshold Crossed: 1 out of the last 3 datapoints [29.87 (01/01/26 00:00:00)] was not greater than the threshold (50.0) (minimum 1 datapoint).".into();
    assert_eq!(alarm_condition(name, &[&row]).as_deref(), Some("alarm when > 50"));
    row.reason =
        "Threshold Crossed: 1 out of the last 15 datapoints [29.87] was less than the threshold (45.0), fewer than the 15 needed".into();
    assert_eq!(alarm_condition(name, &[&row]).as_deref(), Some("alarm when < 45"));
    row.reason = String::new();
    assert_eq!(alarm_condition(name, &[&row]), None);
    let figure = ScalingFigure::new("web", &synthetic_minutes(10), &[row.clone()], &[name.to_string()], &[], "t");
    let alarms = figure.tasks.legend.iter().find(|b| b.heading == "In ALARM").expect("the alarm's key");
    assert_eq!(alarms.entries[0].label, vec!["TargetTracking-web-", "AlarmHigh-…"]);
}
