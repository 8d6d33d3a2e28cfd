//! Tests of `service_charts`, kept apart so the module reads on its own.

use super::*;
use crate::report::chart::LEGEND_LABEL_CHARS;
use std::fs;

const ZONES: [&str; 2] = ["us-east-1a", "us-east-1b"];

fn task(n: u32, owner: &str, deployment: u32, instance: u32, placed: f64, running: Option<f64>, stopped: Option<f64>) -> TaskRow {
    TaskRow {
        task: format!("t-{n:06}"),
        owner: owner.to_string(),
        task_definition: deployment as u16,
        deployment,
        instance,
        placed_s: placed,
        running_s: running,
        stopping_s: None,
        stopped_s: stopped,
        stop_code: if stopped.is_some() { "ServiceSchedulerInitiated".to_string() } else { String::new() },
        capacity_provider: String::new(),
        healthy_s: None,
        draining_s: None,
        sigterm_s: None,
        cpu_units: 256,
        memory_mib: 512,
        revision: format!("{owner}:{}", deployment + 1),
        instance_id: format!("i-{:017x}", 0xabc000 + instance),
        zone: ZONES[instance as usize % 2].to_string(),
    }
}

/// Four instances, two per zone (interleaved by index).
fn instances(n: usize) -> Vec<(String, String)> {
    (0..n).map(|i| (format!("i-{:017x}", 0xabc000 + i), ZONES[i % 2].to_string())).collect()
}

/// A rolling update of "web": 4 old tasks running 0–360 s, 4 new placed at 0 and running
/// at 20, one of each per instance; and a standalone "batch" task on instance 1.
/// The chart's rows of tasks.csv's rows (`GanttRow`, as a run keeps them).
fn compact(rows: &[TaskRow]) -> Vec<GanttRow> {
    rows.iter().map(|r| GanttRow::of(r, r.owner.as_str().into())).collect()
}

fn rolling_update() -> Vec<TaskRow> {
    let mut rows = Vec::new();
    for i in 0..4 {
        rows.push(task(i, "web", 0, i, 0.0, Some(0.0), Some(360.0)));
    }
    for i in 0..4 {
        rows.push(task(4 + i, "web", 1, i, 0.0, Some(20.0), None));
    }
    rows.push(task(8, "batch", 0, 1, 100.0, Some(130.0), Some(400.0)));
    rows
}

fn labels() -> Vec<String> {
    vec!["ecs-svc/0 web:1".to_string(), "ecs-svc/1 web:2".to_string()]
}

fn is_png(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "no PNG signature");
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("PNG header decodes");
    let mut pixels = vec![0u8; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG data decodes");
    // Not a blank canvas: something other than white was drawn.
    assert!(pixels[..info.buffer_size()].iter().any(|&b| b < 0x80));
    (info.width, info.height)
}

fn paths(dir: &tempfile::TempDir, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    (dir.path().join(format!("{name}.png")), dir.path().join(format!("{name}.svg")))
}

#[test]
fn step_counts_of_a_rolling_update_are_exact() {
    let steps = step_counts(&rolling_update(), "web");
    assert_eq!(steps, vec![(0, vec![(0.0, 4, 4), (360.0, 0, 0)]), (1, vec![(0.0, 0, 4), (20.0, 4, 4)])]);
    // At t = 100: 4 old running and 4 new running, 8 in flight.
    assert_eq!(counts_at(&steps[0].1, 100.0), (4, 4));
    assert_eq!(counts_at(&steps[1].1, 100.0), (4, 4));
    // Before RUNNING the new ones are only in flight; the old ones are gone at 360 exactly.
    assert_eq!(counts_at(&steps[1].1, 19.9), (0, 4));
    assert_eq!(counts_at(&steps[0].1, 359.9), (4, 4));
    assert_eq!(counts_at(&steps[0].1, 360.0), (0, 0));
    assert_eq!(counts_at(&steps[0].1, -1.0), (0, 0));
    // Other owners are not counted.
    assert_eq!(step_counts(&rolling_update(), "batch"), vec![(0, vec![(100.0, 0, 1), (130.0, 1, 1), (400.0, 0, 0)])]);
    assert!(step_counts(&rolling_update(), "api").is_empty());
}

#[test]
fn step_counts_merge_simultaneous_events_and_tolerate_odd_times() {
    let rows = vec![
        // One stops as another starts: no spike, no point at all.
        task(0, "s", 0, 0, 0.0, Some(5.0), Some(50.0)),
        task(1, "s", 0, 0, 50.0, Some(50.0), None),
        // Stopped before RUNNING: only in flight.
        task(2, "s", 0, 0, 10.0, None, Some(30.0)),
        // RUNNING "after" the stop and a stop before placement: clamped, never RUNNING.
        task(3, "s", 0, 0, 60.0, Some(90.0), Some(40.0)),
        // Not a time: skipped.
        task(4, "s", 0, 0, f64::NAN, Some(1.0), None),
        task(5, "s", 0, 0, 70.0, Some(f64::INFINITY), None),
    ];
    let steps = step_counts(&rows, "s");
    assert_eq!(steps, vec![(0, vec![(0.0, 0, 1), (5.0, 1, 1), (10.0, 1, 2), (30.0, 1, 1), (70.0, 1, 2)])]);
}

#[test]
fn revisions_chart_writes_a_decodable_png_and_an_svg_naming_every_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = paths(&dir, "revisions");
    revisions_chart(&rolling_update(), "web", &labels(), 600.0, &ServiceLines::default(), &png, &svg).unwrap();
    assert_eq!(is_png(&fs::read(&png).unwrap()), REVISIONS_SIZE);
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..40]);
    for label in ["web: tasks by deployment", "ecs-svc/0 web:1", "ecs-svc/1 web:2", "Simulated time (s)", "total in flight", "RUNNING"] {
        assert!(text.contains(label), "SVG lacks {label:?}");
    }
    // "batch" is another owner: not on this chart.
    assert!(!text.contains("batch"));
}

#[test]
fn gantt_chart_writes_a_decodable_png_and_an_svg_naming_zones_and_instances() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = paths(&dir, "gantt");
    let instances = instances(4);
    gantt_chart(&compact(&rolling_update()), &instances, 600.0, &png, &svg).unwrap();
    // Few lanes: the minimum height.
    assert_eq!(is_png(&fs::read(&png).unwrap()), (GANTT_WIDTH, GANTT_MIN_HEIGHT));
    let text = fs::read_to_string(&svg).unwrap();
    for label in ZONES.iter().copied().chain(instances.iter().map(|i| i.0.as_str())) {
        assert!(text.contains(label), "SVG lacks {label:?}");
    }
    for label in ["Tasks by instance (9 tasks on 4 instances)", "web · d0", "web · d1", "batch · d0", "PENDING", "Simulated time (s)"] {
        assert!(text.contains(label), "SVG lacks {label:?}");
    }
}

#[test]
fn the_same_rows_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rolling_update();
    let (png1, svg1) = paths(&dir, "one");
    let (png2, svg2) = paths(&dir, "two");
    revisions_chart(&rows, "web", &labels(), 600.0, &ServiceLines::default(), &png1, &svg1).unwrap();
    revisions_chart(&rows, "web", &labels(), 600.0, &ServiceLines::default(), &png2, &svg2).unwrap();
    assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
    assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());

    gantt_chart(&compact(&rows), &instances(4), 600.0, &png1, &svg1).unwrap();
    gantt_chart(&compact(&rows), &instances(4), 600.0, &png2, &svg2).unwrap();
    assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
    assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());
}

#[test]
fn empty_and_degenerate_inputs_still_draw_axes() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = paths(&dir, "e");
    revisions_chart(&[], "web", &[], 0.0, &ServiceLines::default(), &png, &svg).unwrap();
    assert_eq!(is_png(&fs::read(&png).unwrap()), REVISIONS_SIZE);
    gantt_chart(&[], &[], 0.0, &png, &svg).unwrap();
    assert_eq!(is_png(&fs::read(&png).unwrap()), (GANTT_WIDTH, GANTT_MIN_HEIGHT));
    // Instances without labels, an unknown owner, odd times, an end before the last event.
    let rows = vec![
        task(0, "", 0, 3, 0.0, None, None),
        task(1, "web", 7, 0, f64::NAN, Some(1.0), None),
        task(2, "web", 2, 1, 50.0, Some(f64::NAN), Some(10.0)),
        task(3, "web", 2, 1, 5.0, Some(6.0), Some(6.0)),
    ];
    revisions_chart(&rows, "web", &labels(), f64::NAN, &ServiceLines::default(), &png, &svg).unwrap();
    assert!(fs::read_to_string(&svg).unwrap().contains("deployment 2"));
    gantt_chart(&compact(&rows), &instances(1), -5.0, &png, &svg).unwrap();
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.contains("instance 3") && text.contains("(unknown zone)") && text.contains("(unknown) · d0"), "{text}");
}

#[test]
fn a_missing_directory_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("missing/r.png");
    let err = gantt_chart(&compact(&rolling_update()), &instances(4), 600.0, &png, &dir.path().join("r.svg")).unwrap_err();
    assert!(matches!(err, ChartError::Io { ref path, .. } if *path == png), "{err}");
}

/// 60 instances in 3 zones, 600 tasks of 6 services over 4 hours, with rolling updates.
fn busy() -> (Vec<TaskRow>, Vec<(String, String)>) {
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let instances: Vec<(String, String)> = (0..60).map(|i| (format!("i-{:017x}", 0x5000 + i), zones[i % 3].to_string())).collect();
    let mut rows = Vec::new();
    for n in 0..600u32 {
        let service = format!("svc-{}", n % 6);
        let placed = (n as f64 * 37.0) % 14_000.0;
        let stopped = (n % 5 != 0).then_some(placed + 600.0 + (n % 13) as f64 * 300.0);
        rows.push(task(n, &service, n / 200, (n * 7) % 60, placed, Some(placed + 15.0), stopped));
    }
    (rows, instances)
}

#[test]
fn many_instances_are_cut_at_the_limit_and_the_title_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (png, svg) = paths(&dir, "busy");
    let (rows, instances) = busy();
    gantt_chart(&compact(&rows), &instances, 4.0 * 3600.0, &png, &svg).unwrap();
    let (w, h) = is_png(&fs::read(&png).unwrap());
    assert_eq!(w, GANTT_WIDTH);
    assert!((GANTT_MIN_HEIGHT..=GANTT_MAX_HEIGHT).contains(&h), "{h}");
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.contains("Tasks by instance: first 40 of 60 instances shown"));
    assert!(text.contains("Simulated time (h)"));
    assert!(text.contains(&instances[39].0) && !text.contains(&instances[40].0));
    let labels: Vec<String> = (0..3).map(|d| format!("ecs-svc/{d} svc-0:{}", d + 1)).collect();
    revisions_chart(&rows, "svc-0", &labels, 4.0 * 3600.0, &ServiceLines::default(), &png, &svg).unwrap();
    assert!(fs::read_to_string(&svg).unwrap().contains("ecs-svc/2 svc-0:3"));
}

#[test]
fn overlapping_tasks_take_separate_sublanes() {
    // [0,10) and [5,15) overlap; [10,20) fits after the first; [15,16) after the second.
    let (lanes, n) = assign_sublanes(&[(0.0, 10.0), (5.0, 15.0), (10.0, 20.0), (15.0, 16.0)]);
    assert_eq!((lanes, n), (vec![0, 1, 0, 1], 2));
    // Input order does not matter: sorted by start.
    let (lanes, n) = assign_sublanes(&[(10.0, 20.0), (0.0, 30.0), (0.0, 12.0)]);
    assert_eq!((lanes, n), (vec![2, 0, 1], 3));
    assert_eq!(assign_sublanes(&[]), (vec![], 0));
}

#[test]
fn the_time_axis_unit_follows_the_length_of_the_run() {
    assert_eq!(Clock::for_end(1800.0).desc(), "Simulated time (s)");
    assert_eq!(Clock::for_end(1801.0).desc(), "Simulated time (min)");
    assert_eq!(Clock::for_end(3.0 * 3600.0).desc(), "Simulated time (min)");
    assert_eq!(Clock::for_end(3.0 * 3600.0 + 1.0).desc(), "Simulated time (h)");
    assert_eq!(Clock::for_end(0.0), Clock { unit_s: 1.0, end_s: 60.0 });
}

#[test]
fn legend_labels_keep_the_deployment() {
    assert_eq!(pair_label("web", 1), "web · d1");
    assert_eq!(pair_label("", 0), "(unknown) · d0");
    let long = pair_label(&"x".repeat(40), 12);
    assert!(long.ends_with("… · d12") && long.chars().count() == LEGEND_LABEL_CHARS, "{long}");
    assert_eq!(tint(RGBColor(0, 100, 255), 0.5), RGBColor(128, 178, 255));
    assert_eq!(pair_color(1), PALETTE[1]);
    assert_eq!(pair_color(20), PALETTE[0]);
    assert!((10..20).all(|i| pair_color(i) != PALETTE[i - 10] && !PALETTE.contains(&pair_color(i))));
}

fn service_minute(m: u64, desired: u32) -> crate::sim::recorder::ServiceMinuteRow {
    crate::sim::recorder::ServiceMinuteRow {
        minute: m,
        time_s: m * 60,
        service: "web".to_string(),
        desired,
        running: desired,
        pending: 0,
        provisioning: 0,
        healthy: desired,
        in_flight: desired,
        primary_tasks: desired,
        old_tasks: 0,
        deployments: 1,
        cpu_utilization_pct: None,
        memory_utilization_pct: None,
    }
}

#[test]
fn the_bounds_of_desired_4_at_50_200_are_2_healthy_and_8_in_flight() {
    // Desired 4 for ten minutes, then 5 (scaled out at minute 10, which spans 600–660 s).
    let minutes: Vec<_> = (0..12).map(|m| service_minute(m, if m < 10 { 4 } else { 5 })).collect();
    let desired = desired_steps(&minutes, "web");
    assert_eq!(desired, vec![(0.0, 4), (600.0, 5)]);
    assert_eq!(min_healthy_steps(&desired, 50), vec![(0.0, 2), (600.0, 3)], "ceil(5 × 50 %) = 3");
    assert_eq!(max_tasks_steps(&desired, 200), vec![(0.0, 8), (600.0, 10)]);
    // 90/110 of 4: ceil(3.6) = 4 healthy, floor(4.4) = 4 in flight — the blocked rollout.
    assert_eq!(min_healthy_steps(&desired, 90)[0], (0.0, 4));
    assert_eq!(max_tasks_steps(&desired, 110)[0], (0.0, 4));
}

#[test]
fn a_task_counts_as_healthy_from_its_healthy_event_until_it_is_told_to_stop() {
    // The old tasks 0–3 are healthy from 40 s; at 300 s two are told to stop (stopped at 330 s);
    // the new task 4 is healthy from 310 s, task 5 is found unhealthy at 400 s.
    let mut rows = rolling_update();
    for r in rows.iter_mut().take(2) {
        r.stopping_s = Some(300.0);
        r.stopped_s = Some(330.0);
    }
    let health = |time_s: f64, task: usize, healthy: bool| HealthEvent { time_s, task, healthy };
    let events = vec![
        health(40.0, 0, true),
        health(40.0, 1, true),
        health(40.0, 2, true),
        health(40.0, 3, true),
        health(310.0, 4, true),
        health(310.0, 5, true),
        health(400.0, 5, false),
        // The standalone task is not the service's.
        health(150.0, 8, true),
    ];
    let steps = healthy_steps(&rows, &events, "web");
    // Old tasks 2 and 3 stop at 360 s (tasks.csv's stop), tasks 0 and 1 count until 300 s.
    assert_eq!(steps, vec![(40.0, 4), (300.0, 2), (310.0, 4), (360.0, 2), (400.0, 1)]);
}
