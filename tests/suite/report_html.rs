//! report.html, driven as a user would: `ecsim run` writes it last in every results directory,
//! `ecsim report DIR` rebuilds it byte for byte from the files alone (a run's, a sweep's), it
//! loads nothing from the network, its verdicts carry summary.json's own figures, a large run
//! is sampled and says so, and a directory that is not a results directory is refused with
//! the missing file named.

use crate::common::{ecsim, ecsim_output, repo, stderr};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `ecsim run SCENARIO --out DIR -q`, asserting success; answers DIR.
fn run_to(scenario: &str, dir: &Path) -> PathBuf {
    let out = ecsim().args(["run", repo(scenario).to_str().unwrap(), "--out", dir.to_str().unwrap(), "-q"]).output().unwrap();
    assert!(out.status.success(), "ecsim run {scenario}: {}", stderr(&out));
    dir.to_path_buf()
}

fn page(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.html")).expect("report.html is written")
}

/// The page's data (`<script type="application/json" id="report-data">`).
fn page_data(html: &str) -> Value {
    let start = html.find("id=\"report-data\">").expect("the data block") + "id=\"report-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the inline data is JSON")
}

/// The value at a dotted path of summary.json ("slo.availability_pct", "services.0.running").
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| match v {
        Value::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => v.get(k),
    })
}

/// Every `data-summary="PATH" data-value="VALUE"` pair of the page.
fn verdict_figures(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("data-summary=\"") {
        rest = &rest[i + 14..];
        let path = &rest[..rest.find('"').unwrap()];
        let j = rest.find("data-value=\"").unwrap() + 12;
        let value = &rest[j..j + rest[j..].find('"').unwrap()];
        out.push((path.to_string(), value.replace("&quot;", "\"").replace("&amp;", "&")));
    }
    out
}

/// A lesson with a rolling update, a fault, a load balancer and an SLO: every section has
/// something to show.
const LESSON: &str = "scenarios/lessons/faults/instance-failure-during-rolling-update.toml";

#[test]
fn a_lesson_run_writes_a_page_that_needs_no_network() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_to(LESSON, &tmp.path().join("lesson"));
    let html = page(&dir);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for section in ["id=\"verdicts\"", "id=\"deployments\"", "id=\"panels\"", "id=\"events\"", "id=\"report-data\""] {
        assert!(html.contains(section), "{section} is on the page");
    }
    // Nothing is loaded: no script, style sheet or image from anywhere, no fetch.
    for banned in ["<script src", "<link", "<img", "fetch(", "XMLHttpRequest", "@import", "url(http"] {
        assert!(!html.contains(banned), "the page holds {banned:?}");
    }
    // The only addresses are plain links to AWS's documentation.
    for (i, _) in html.match_indices("://") {
        let before = &html[i.saturating_sub(20)..i];
        let after = &html[i..(i + 30).min(html.len())];
        assert!(
            before.ends_with("<a href=\"https") && after.starts_with("://docs.aws.amazon.com/"),
            "an address on the page: {before}{after}"
        );
    }
}

#[test]
fn the_verdicts_carry_summary_json_figures_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_to(LESSON, &tmp.path().join("lesson"));
    let html = page(&dir);
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    let figures = verdict_figures(&html);
    for (path, value) in &figures {
        let expected = at(&summary, path).unwrap_or_else(|| panic!("{path} is not in summary.json"));
        assert_eq!(&expected.to_string(), value, "{path}");
    }
    let paths: Vec<&str> = figures.iter().map(|(p, _)| p.as_str()).collect();
    for wanted in [
        "traffic.requests",
        "slo.availability_pct",
        "slo.availability_pct_objective",
        "slo.error_budget_spent_pct",
        "slo.latency_ms_p99",
        "cost.total_usd",
        "faults.tasks_lost",
        "faults.requests_failed",
        "services.0.healthy",
    ] {
        assert!(paths.contains(&wanted), "{wanted} is said on the page");
    }
    // This run missed its availability objective (182.3 % of the error budget spent): said so.
    assert!(html.contains("SLO missed"));
    assert!(html.contains("% of the budget is spent — blown"));
    // The fault's row of faults.csv in words.
    assert!(html.contains("Fault <b>host-down</b> (instance_failure)"), "the fault is told");
}

#[test]
fn report_rebuilds_a_run_page_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run_to(LESSON, &tmp.path().join("a"));
    let b = run_to(LESSON, &tmp.path().join("b"));
    let written = std::fs::read(a.join("report.html")).unwrap();
    // The same run in another directory: the same page.
    assert_eq!(written, std::fs::read(b.join("report.html")).unwrap());
    std::fs::remove_file(a.join("report.html")).unwrap();
    let out = ecsim_output(&["report", a.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("report.html"));
    assert_eq!(std::fs::read(a.join("report.html")).unwrap(), written, "ecsim report rebuilds the same bytes");
}

/// A run past every limit of the page: 310 instances (more than the 300 drawn), about 9,600
/// tasks arriving at 800 a minute for 12 minutes (more than the 5,000 the cluster animates),
/// each placed, started and stopped or failed (more than the 20,000 events the table holds),
/// with placement explanations. `ecsim run` builds its page from the rows as it writes them;
/// `ecsim report` from the files: the same bytes.
const PAST_THE_LIMITS: &str = r#"
[scenario]
name = "page-from-rows"
duration = "12m"
seed = 7
explain_placements = true

[cluster]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]

[[cluster.instances]]
type = "m5.large"
count = 310

[[task_definitions]]
name = "job"
family = "job"
cpu = 512
memory = 1024

[[workload]]
name = "jobs"
task_definition = "job"
arrivals = { process = "poisson", rate_per_minute = 800 }
run_time = { distribution = "exponential", mean = "2m" }
"#;

#[test]
fn a_large_run_page_is_the_page_rebuilt_from_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("past-the-limits.toml");
    std::fs::write(&scenario, PAST_THE_LIMITS).unwrap();
    let dir = tmp.path().join("out");
    let out = ecsim().args(["run", scenario.to_str().unwrap(), "--out", dir.to_str().unwrap(), "-q"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let written = page(&dir);
    // Every limit is passed, so every path of the page is taken: the events table cut to its
    // first rows, the instances sampled, the animation cut at the 5,000th task, explanations
    // and failure marks on the drawn tasks and the timeline.
    assert!(written.contains("the events table holds the first 5000"));
    assert!(written.contains("it shows 300 of its 310 container instances"));
    assert!(written.contains("instances passed filters"), "a drawn task's placement explanation");
    assert!(written.contains("\"kind\":\"failed\""), "a placement failure on the timeline");
    std::fs::remove_file(dir.join("report.html")).unwrap();
    let out = ecsim_output(&["report", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(page(&dir) == written, "ecsim report rebuilds the bytes ecsim run wrote");
}

#[test]
fn a_lesson_story_is_told_step_by_step() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_to(LESSON, &tmp.path().join("lesson"));
    let lesson = r#"{"title": "An instance fails during a rolling update", "shows": "The rollout <waits>.",
        "steps": [{"at_s": 600, "text": "UpdateService starts deployment 1."}, {"at_s": 630, "text": "The instance fails."}]}"#;
    std::fs::write(dir.join("lesson.json"), lesson).unwrap();
    let out = ecsim_output(&["report", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = page(&dir);
    assert!(html.contains("<section id=\"story\">"));
    assert!(html.contains("The rollout &lt;waits&gt;."), "text is escaped");
    assert!(html.contains("data-t=\"600\""));
    assert!(html.contains("<span class=\"when\">0:10:30</span> The instance fails."));
}

#[test]
fn a_large_run_is_sampled_and_the_page_says_so() {
    // A small run's directory grown past the limits: 2,500 tasks and 25,000 events.
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_to(LESSON, &tmp.path().join("lesson"));
    let tasks = std::fs::read_to_string(dir.join("tasks.csv")).unwrap();
    let mut lines = tasks.lines();
    let mut grown = format!("{}\n", lines.next().unwrap());
    let rows: Vec<&str> = lines.collect();
    for i in 0..2_500 {
        grown.push_str(rows[i % rows.len()]);
        grown.push('\n');
    }
    std::fs::write(dir.join("tasks.csv"), grown).unwrap();
    let events = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    let mut lines = events.lines();
    let mut grown = format!("{}\n", lines.next().unwrap());
    let rows: Vec<&str> = lines.collect();
    for i in 0..25_000 {
        grown.push_str(rows[i % rows.len()]);
        grown.push('\n');
    }
    std::fs::write(dir.join("events.csv"), grown).unwrap();
    let out = ecsim_output(&["report", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = page(&dir);
    assert!(html.contains("This run has 2500 tasks (more than 2000)"));
    assert!(html.contains("This run has 25000 events (more than 20000): the events table holds the first 5000"));
    let data = page_data(&html);
    assert_eq!(data["events"]["total"], 25_000);
    assert_eq!(data["events"]["rows"].as_array().unwrap().len(), 5_000);
    // Sampled at each minute's start: 1500 s → 26 instants (0, 60, …, 1500).
    assert_eq!(data["deployments"][0]["x"].as_array().unwrap().len(), 26);
}

#[test]
fn a_sweep_page_clips_intervals_and_sorts_by_cost() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("smoke");
    let out = ecsim()
        .args(["sweep", repo("scenarios/sweeps/smoke.toml").to_str().unwrap(), "--out", dir.to_str().unwrap(), "--quiet", "--threads", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read(dir.join("report.html")).expect("ecsim sweep writes report.html");
    let out = ecsim_output(&["report", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), written, "rebuilt byte for byte");

    let html = String::from_utf8(written).unwrap();
    assert!(html.contains("id=\"configurations\""));
    let data = page_data(&html);
    let figures = data["figures"].as_array().unwrap();
    let availability = figures.iter().find(|f| f["figure"] == "traffic.availability_pct").expect("availability is a figure");
    for group in availability["groups"].as_array().unwrap() {
        for p in group["points"].as_array().unwrap() {
            let (lo, hi) = (p[2].as_f64().unwrap(), p[3].as_f64().unwrap());
            assert!((0.0..=100.0).contains(&lo) && (0.0..=100.0).contains(&hi), "an interval past what is possible: {p}");
        }
    }
    for f in figures {
        for group in f["groups"].as_array().unwrap() {
            for p in group["points"].as_array().unwrap() {
                assert!(p[2].as_f64().unwrap() >= 0.0, "{}: a count below zero: {p}", f["figure"]);
            }
        }
    }
}

#[test]
fn a_directory_that_is_not_results_is_refused_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ecsim_output(&["report", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("summary.json is missing"), "{}", stderr(&out));

    let dir = run_to(LESSON, &tmp.path().join("lesson"));
    std::fs::remove_file(dir.join("timeseries.csv")).unwrap();
    let out = ecsim_output(&["report", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("timeseries.csv is missing"), "{}", stderr(&out));

    let out = ecsim_output(&["report", tmp.path().join("nowhere").to_str().unwrap()]);
    assert!(stderr(&out).contains("is not a directory"), "{}", stderr(&out));
}

/// A cluster of EC2 instances and Fargate tasks (whose pseudo-instances instances.csv does not
/// list): `ecsim run` finds each task's instance in instances.csv by its ordinal, `ecsim
/// report` by its id; the pages are the same bytes, for every variant.
#[test]
fn a_page_with_fargate_tasks_is_the_page_rebuilt_from_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_to("scenarios/lessons/capacity/fargate-vs-ec2.toml", &tmp.path().join("out"));
    let mut pages = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("report.html").exists() || !dir.join("tasks.csv").exists() {
            continue;
        }
        let written = page(&dir);
        std::fs::remove_file(dir.join("report.html")).unwrap();
        let rebuilt = ecsim_output(&["report", dir.to_str().unwrap()]);
        assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
        assert!(page(&dir) == written, "{}: ecsim report rebuilds the bytes ecsim run wrote", dir.display());
        pages += 1;
    }
    assert!(pages >= 2, "a page per variant");
}
