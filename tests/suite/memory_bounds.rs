//! Memory that does not grow with the run's length: the same scenario run for 2 h and for 8 h
//! holds about the same number of tasks in memory (finished tasks free their slots) and never
//! more than one chunk of event rows or waits (the rest is spilled to temporary files), while
//! every row still comes back, in order, when the results are written.

use crate::common::*;
use ecsim::sim::recorder::spill::CHUNK_RECORDS;

/// 40 m5.xlarge (16 tasks of 256 CPU units each: 640 slots), RunTask calls at 30 a minute,
/// each task running 10 min on average (lognormal, cv 0.5).
fn scenario(duration: &str) -> ecsim::model::Scenario {
    let text = format!(
        r#"
[scenario]
name = "memory"
duration = "{duration}"
seed = 1

[cluster]
zones = ["us-east-1a", "us-east-1b"]

[[cluster.instances]]
type = "m5.xlarge"
count = 40

[[task_definitions]]
name = "web"
family = "web"
cpu = 256
memory = 512

[[workload]]
name = "web"
task_definition = "web"
arrivals = {{ process = "poisson", rate_per_minute = 30 }}
run_time = {{ distribution = "lognormal", mean = "10m", cv = 0.5 }}
"#
    );
    load_parts("memory", &[&text])
}

#[test]
fn task_slots_and_row_buffers_stay_bounded_as_the_run_gets_longer() {
    let short = run(&scenario("2h"));
    let long = run(&scenario("8h"));
    // About 30 × 120 = 3,600 and 30 × 480 = 14,400 tasks ever run.
    assert!((3_000..4_200).contains(&short.tasks.len()), "{}", short.tasks.len());
    assert!((13_000..16_000).contains(&long.tasks.len()), "{}", long.tasks.len());
    // Alive at once, by Little's law: 30 a minute × 10 min = about 300, in pages of 64 (a page
    // is freed once all its tasks are done; a long-lived task keeps its page). Four times the
    // run, not four times the slots: within 1.5× of the short run's high-water mark, and a
    // small share of the tasks ever run.
    let (held_short, held_long) = (short.tasks.held_high_water(), long.tasks.held_high_water());
    assert!(held_short < 1_000, "{held_short}");
    assert!(held_long * 2 <= held_short * 3, "2 h: {held_short} task slots, 8 h: {held_long}");
    assert!(held_long * 10 < long.tasks.len(), "{held_long} of {}", long.tasks.len());
    // Three or more events per task (placed, running, stopped): tens of thousands, never more
    // than one chunk of them in memory; the same for the waits to place.
    for out in [&short, &long] {
        assert!(out.recorder.events.len() > 2 * CHUNK_RECORDS as u64, "{}", out.recorder.events.len());
        assert!(out.recorder.events.buffered_high_water() <= CHUNK_RECORDS);
        assert!(out.recorder.wait_to_place_s.buffered_high_water() <= CHUNK_RECORDS);
    }
    // Every task comes back for tasks.csv, in id order, the finished ones with their stop.
    let rows = long.task_rows().unwrap();
    assert_eq!(rows.len(), long.tasks.len());
    assert!(rows.iter().enumerate().all(|(k, r)| r.task == format!("t-{k:06}")));
    let stopped = rows.iter().filter(|r| r.stopped_s.is_some()).count();
    assert_eq!(stopped as u64, long.recorder.completed);
    assert!(rows.iter().filter(|r| r.stopped_s.is_some()).all(|r| r.stop_code == "EssentialContainerExited"));
    // The events read back in the order they happened.
    let times: Vec<u64> = long.recorder.events.iter().map(|e| e.unwrap().time.as_micros()).collect();
    assert_eq!(times.len() as u64, long.recorder.events.len());
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

/// A small service for days on end (the shape of `scenarios/lessons`' rolling-50-200): 6
/// m5.large in 3 zones, a service of 4 tasks updated once at 10 min, then nothing but minutes.
fn days(duration: &str) -> ecsim::model::Scenario {
    let text = format!(
        r#"
[scenario]
name = "days"
duration = "{duration}"
seed = 1
tie_break = "first"

[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.large"
count = 6

[lifecycle]
start_delay = {{ distribution = "constant", value = "20s" }}

[[task_definitions]]
name = "web-v1"
family = "web"
revision = 1
cpu = 256
memory = 512
dynamic_ports = 1

[[task_definitions]]
name = "web-v2"
family = "web"
revision = 2
cpu = 256
memory = 512
dynamic_ports = 1

[[services]]
name = "web"
task_definition = "web-v1"
desired_count = 4
deployment = {{ minimum_healthy_percent = 50, maximum_percent = 200 }}
deregistration_delay = "300s"

[[actions]]
action = "update_service"
at = "10m"
service = "web"
task_definition = "web-v2"
"#
    );
    load_parts("days", &[&text])
}

#[test]
fn per_minute_rows_held_in_memory_stay_bounded_as_the_run_gets_longer() {
    // 10 days = 14,400 minutes and 40 days = 57,600: a row per zone (3) and the cluster's each
    // minute (57,600 and 230,400 rows), one for the service (14,400 and 57,600). Held in memory
    // at once: one chunk at most, whatever the length; every row still comes back.
    for (duration, minutes) in [("10d", 14_400u64), ("40d", 57_600)] {
        let out = run(&days(duration));
        assert_eq!(out.recorder.minutes.len(), 4 * minutes, "{duration}");
        assert_eq!(out.recorder.service_minutes.len(), minutes, "{duration}");
        assert!(out.recorder.minutes.buffered_high_water() <= CHUNK_RECORDS, "{duration}");
        assert!(out.recorder.service_minutes.buffered_high_water() <= CHUNK_RECORDS, "{duration}");
        let last = out.recorder.minutes.last().unwrap();
        assert_eq!((last.zone.as_str(), last.minute, last.running_tasks), ("cluster", minutes - 1, 4));
        let rows = out.recorder.service_minutes.to_vec().unwrap();
        assert!(rows.iter().enumerate().all(|(k, r)| r.minute == k as u64 && r.service == "web"));
    }
}

#[test]
fn a_long_runs_page_and_charts_are_thinned_and_stay_small() {
    // 40 days = 57,600 minutes, more than the page's 10,080: the page draws buckets of
    // ceil(57,600 / 10,080) = 6 → 10 minutes (5,760 points a series); the charts average
    // ceil(57,600 / 450) = 128 minutes a point. The CSV files keep every minute.
    let scenario = days("40d");
    let run = ecsim::api::run(&scenario, 1);
    let dir = tempfile::tempdir().unwrap();
    ecsim::api::write_results(dir.path(), &run).unwrap();
    let size = |f: &str| std::fs::metadata(dir.path().join(f)).unwrap().len();
    let lines = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap().lines().count();
    assert_eq!(lines("timeseries.csv"), 1 + 4 * 57_600);
    assert_eq!(lines("services.csv"), 1 + 57_600);
    // 10 days minute by minute made a 2.5 MB page; 40 days in 10-minute buckets stays under 2 MB.
    assert!(size("report.html") < 2_000_000, "{}", size("report.html"));
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.contains("the panels show the mean of every 10 minutes"));
    assert!(size("reservation.svg") < 200_000, "{}", size("reservation.svg"));
    let svg = std::fs::read_to_string(dir.path().join("reservation.svg")).unwrap();
    assert!(svg.contains("each point the mean of 128 minutes"));
}
