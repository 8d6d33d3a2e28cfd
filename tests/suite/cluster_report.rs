//! The animated cluster of report.html and the files it is built from, on bundled lessons run
//! by the binary: tasks.csv's health, draining and SIGTERM times, reservations and revision
//! labels; instances.csv's launch, registration, draining and termination; and the page's
//! data (what the browser test, scripts/browser-test.sh, then looks at in Chromium).

use crate::common::{ecsim, repo};
use std::path::Path;

fn run_lesson(lesson: &str, out: &Path) {
    let o = ecsim().args(["run", repo(lesson).to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The rows of a CSV file as maps of column → text.
fn rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records().map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()).collect()
}

/// The JSON in the page's `<script type="application/json" id="cluster-data">`.
fn cluster_data(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"cluster-data\">";
    let start = html.find(open).expect("the page has the cluster's data") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn rolling_50_200_tasks_csv_has_each_tasks_health_draining_and_revision() {
    let out = tempfile::tempdir().unwrap();
    run_lesson("scenarios/lessons/services/rolling-50-200.toml", out.path());
    let tasks = rows(&out.path().join("tasks.csv"));
    // t-000000 (web:1): healthy 40 s after RUNNING, deregistering from the update at 600 s for
    // the 300 s delay, then SIGTERM and STOPPED at 900 s.
    let old = &tasks[0];
    let want = [
        ("healthy_s", "60.0"),
        ("draining_s", "600.0"),
        ("sigterm_s", "900.0"),
        ("stopped_s", "900.0"),
        ("cpu_units", "256"),
        ("memory_mib", "512"),
        ("revision", "web:1"),
        ("instance_id", "i-00ec5100000000000"),
        ("zone", "us-east-1a"),
    ];
    for (column, value) in want {
        assert_eq!(old[column], value, "t-000000 {column}");
    }
    // The 4 new tasks are web:2, healthy at 660 s, never told to stop.
    for new in &tasks[4..] {
        assert_eq!((new["revision"].as_str(), new["healthy_s"].as_str(), new["draining_s"].as_str()), ("web:2", "660.0", ""));
    }
    let instances = rows(&out.path().join("instances.csv"));
    assert_eq!(instances.len(), 6);
    assert_eq!(
        (instances[0]["instance_type"].as_str(), instances[0]["registered_s"].as_str(), instances[0]["terminated_s"].as_str()),
        ("m5.large", "0.0", "")
    );
}

#[test]
fn rolling_50_200_report_html_animates_its_cluster_from_the_files_alone() {
    let out = tempfile::tempdir().unwrap();
    run_lesson("scenarios/lessons/services/rolling-50-200.toml", out.path());
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let data = cluster_data(&html);
    assert_eq!(data["zones"], serde_json::json!(["us-east-1a", "us-east-1b", "us-east-1c"]));
    assert_eq!(data["instances"].as_array().unwrap().len(), 6);
    assert_eq!(data["tasks"].as_array().unwrap().len(), 8);
    let revisions: Vec<&str> = data["groups"].as_array().unwrap().iter().map(|g| g["revision"].as_str().unwrap()).collect();
    assert_eq!(revisions, ["web:1", "web:2"]);
    assert!(data["tasks"][0]["placement"].as_str().unwrap().starts_with("6 of 6 instances passed filters"));
    // The update at 10 minutes is on the timeline: the UpdateService call and the deployment.
    let at_600: Vec<&str> =
        data["marks"].as_array().unwrap().iter().filter(|m| m["t_s"] == 600.0).map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(at_600, ["action", "deployment"]);
    assert_eq!(data["sample_note"], serde_json::Value::Null, "a small run is shown whole");
    assert!(!html.contains("http://") && !html.contains("https://"), "the page refers to no network address");

    // `ecsim report DIR`'s way: the page rebuilt from the directory is the same page.
    std::fs::remove_file(out.path().join("report.html")).unwrap();
    ecsim::report::html::write_report(out.path()).unwrap();
    assert_eq!(std::fs::read_to_string(out.path().join("report.html")).unwrap(), html);
}

#[test]
fn an_auto_scaling_groups_instances_have_launch_and_registration_times() {
    let out = tempfile::tempdir().unwrap();
    run_lesson("scenarios/lessons/capacity/outgrows-cluster.toml", out.path());
    let instances = rows(&out.path().join("instances.csv"));
    // Two instances launched at 660 s register 90 s later.
    let launched: Vec<(&str, &str, &str)> = instances
        .iter()
        .filter(|i| !i["launched_s"].is_empty() && i["launched_s"] != "0.0")
        .map(|i| (i["launched_s"].as_str(), i["registered_s"].as_str(), i["purchase"].as_str()))
        .collect();
    assert_eq!(launched, [("660.0", "750.0", "on-demand"), ("660.0", "750.0", "on-demand")]);
}
