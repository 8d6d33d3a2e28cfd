//! Tests of the cluster section: what it reads from a results directory, the sample a large
//! run shows, and the page's safety (no way out of the `<script>` element).

use super::data::{MAX_INSTANCES, MAX_TASKS};
use super::*;
use std::fmt::Write as _;
use std::fs;

const TASKS_HEADER: &str = "task,owner,task_definition,deployment,instance,placed_s,running_s,stopping_s,stopped_s,stop_code,capacity_provider,healthy_s,draining_s,sigterm_s,cpu_units,memory_mib,revision,instance_id,zone\n";
const INSTANCES_HEADER: &str =
    "instance,instance_type,zone,registered_cpu_units,registered_memory_mib,launched_s,registered_s,draining_s,terminated_s,capacity_provider,purchase\n";

/// A rolling update on two instances: web:1's task stops (draining 600 s, SIGTERM 900 s,
/// STOPPED 900 s) while web:2's starts; one instance drains at 1000 s.
fn rolling_update_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(
        p.join("tasks.csv"),
        format!(
            "{TASKS_HEADER}t-000000,web,0,0,0,0.0,20.0,600.0,900.0,ServiceSchedulerInitiated,,60.0,600.0,900.0,256,512,web:1,i-0a,us-east-1a\n\
             t-000001,web,1,1,1,600.0,620.0,,,,,660.0,,,256,512,web:2,i-0b,us-east-1b\n"
        ),
    )
    .unwrap();
    fs::write(
        p.join("instances.csv"),
        format!("{INSTANCES_HEADER}i-0a,m5.large,us-east-1a,2048,7680,,0.0,1000.0,,,on-demand\ni-0b,m5.large,us-east-1b,2048,7680,,0.0,,,,on-demand\n"),
    )
    .unwrap();
    fs::write(
        p.join("events.csv"),
        "time_s,time,event,task,workload,group,instance,zone,reason,detail\n\
         0.0,00:00:00.000,placed,t-000000,web,service:web,i-0a,us-east-1a,,2 of 2 instances passed filters; tie among 2\n\
         600.0,00:10:00.000,action,,web,service:web,,,,UpdateService web: taskDefinition web:2\n\
         600.0,00:10:00.000,deployment,,web,service:web,,,IN_PROGRESS,(service web) deployment ecs-svc/1 of web:2 started\n\
         600.0,00:10:00.000,placed,t-000001,web,service:web,i-0b,us-east-1b,,1 of 2 instances passed filters\n",
    )
    .unwrap();
    fs::write(p.join("summary.json"), "{\"duration_s\": 1800.0}\n").unwrap();
    dir
}

#[test]
fn a_rolling_update_reads_as_instances_tasks_revisions_and_marks() {
    let dir = rolling_update_dir();
    let data = ClusterData::read(dir.path()).unwrap().unwrap();
    assert_eq!(data.zones, ["us-east-1a", "us-east-1b"]);
    assert_eq!((data.duration_s, data.end_s), (1800.0, 1800.0));
    assert_eq!(data.instances.len(), 2);
    assert_eq!(data.instances[0].draining_s, Some(1000.0));
    // One owner, two revisions: one hue, two shades.
    let groups: Vec<_> = data.groups.iter().map(|g| (g.revision.as_str(), g.owner_index, g.revision_index)).collect();
    assert_eq!(groups, [("web:1", 0, 0), ("web:2", 0, 1)]);
    let old = &data.tasks[0];
    assert_eq!(old.times, [Some(0.0), Some(20.0), Some(60.0), Some(600.0), Some(900.0), Some(600.0), Some(900.0)]);
    assert_eq!((old.instance, old.zone), (Some(0), 0));
    assert_eq!(old.placement, "2 of 2 instances passed filters; tie among 2");
    let kinds: Vec<_> = data.marks.iter().map(|m| (m.t_s, m.kind)).collect();
    assert_eq!(kinds, [(600.0, "action"), (600.0, "deployment")]);
    assert!(data.marks[1].text.starts_with("IN_PROGRESS: (service web) deployment ecs-svc/1"), "{}", data.marks[1].text);
    assert_eq!(data.sample_note, None);
}

#[test]
fn the_section_holds_the_data_and_nothing_can_close_its_script_element() {
    let dir = rolling_update_dir();
    let mut events = fs::read_to_string(dir.path().join("events.csv")).unwrap();
    events.push_str("700.0,00:11:40.000,action,,web,,,,,StopTask </script><script>alert(1)</script>\n");
    fs::write(dir.path().join("events.csv"), events).unwrap();
    let s = section(dir.path()).unwrap().unwrap();
    assert!(!s.data_json.contains('<'), "{}", s.data_json);
    assert!(s.data_json.contains("\\u003c/script>"));
    let back: serde_json::Value = serde_json::from_str(&s.data_json).unwrap();
    assert_eq!(back["tasks"][1]["placement"], "1 of 2 instances passed filters");
    assert!(s.html.contains("id=\"ecl-scrub\"") && s.html.contains("max=\"1800\""));
    for text in [&s.html, &s.script] {
        assert!(!text.contains("http://") && !text.contains("https://"), "the page loads nothing from the network");
        assert!(!text.to_ascii_lowercase().contains("</script"));
    }
}

#[test]
fn tasks_waiting_for_a_capacity_provider_come_from_services_csv_where_their_count_changes() {
    let dir = rolling_update_dir();
    // services.csv's rows are at the end of each minute: 2 PROVISIONING at the end of minute 10
    // (660 s) and of 11, none at the end of 12 (780 s).
    let mut csv = String::from("minute,time_s,service,desired,running,pending,provisioning\n");
    for (m, n) in [(9, 0), (10, 2), (11, 2), (12, 0)] {
        writeln!(csv, "{m},{},web,6,4,0,{n}", m * 60).unwrap();
    }
    fs::write(dir.path().join("services.csv"), csv).unwrap();
    let data = ClusterData::read(dir.path()).unwrap().unwrap();
    let counts: Vec<_> = data.provisioning.iter().map(|p| (p.t_s, p.service.as_str(), p.tasks)).collect();
    assert_eq!(counts, [(660.0, "web", 2), (780.0, "web", 0)]);
}

#[test]
fn a_results_directory_without_tasks_or_instances_has_no_cluster_section() {
    let dir = tempfile::tempdir().unwrap();
    assert!(section(dir.path()).unwrap().is_none());
}

#[test]
fn tasks_csv_written_before_the_new_columns_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("tasks.csv"),
        "task,owner,task_definition,deployment,instance,placed_s,running_s,stopping_s,stopped_s,stop_code,capacity_provider\n\
         t-000000,batch,0,0,0,5.0,25.0,,85.0,EssentialContainerExited,\n",
    )
    .unwrap();
    let data = ClusterData::read(dir.path()).unwrap().unwrap();
    assert_eq!(data.groups[0].revision, "task definition 0");
    assert_eq!(data.end_s, 85.0, "without summary.json the timeline ends at the last time named");
}

/// 400 instances in 4 zones and 8,000 tasks, one every second, each living 100 s.
fn large_run_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];
    let mut inst = String::from(INSTANCES_HEADER);
    for i in 0..400 {
        writeln!(inst, "i-{i:04},c5.xlarge,{},4096,7680,,0.0,,,,on-demand", zones[i % 4]).unwrap();
    }
    let mut tasks = String::from(TASKS_HEADER);
    for k in 0..8000 {
        let i = k % 400;
        let t = k as f64;
        writeln!(tasks, "t-{k:06},batch,0,0,{i},{t},{},,{},,,,,,256,512,batch:1,i-{i:04},{}", t + 10.0, t + 100.0, zones[i % 4]).unwrap();
    }
    fs::write(dir.path().join("instances.csv"), inst).unwrap();
    fs::write(dir.path().join("tasks.csv"), tasks).unwrap();
    fs::write(dir.path().join("summary.json"), "{\"duration_s\": 9000.0}\n").unwrap();
    dir
}

#[test]
fn a_large_run_shows_a_sample_of_every_zone_and_says_so() {
    let dir = large_run_dir();
    let data = ClusterData::read(dir.path()).unwrap().unwrap();
    assert_eq!(data.instances.len(), MAX_INSTANCES);
    for z in 0..4 {
        assert_eq!(data.instances.iter().filter(|i| i.zone == z).count(), MAX_INSTANCES / 4, "zone {z}");
    }
    // 300 of 400 instances hold 6,000 of the tasks: the window ends when the 5,001st was placed.
    assert_eq!(data.tasks.len(), MAX_TASKS);
    assert!(data.end_s < data.duration_s);
    assert!(data.tasks.iter().all(|t| t.times[0].unwrap() < data.end_s && t.instance.is_some()));
    let note = data.sample_note.as_deref().unwrap();
    assert!(note.contains("300 of its 400 container instances"), "{note}");
    assert!(note.contains("5000 tasks placed on them in the first"), "{note}");
}
