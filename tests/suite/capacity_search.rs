//! `ecsim capacity`: the search finds the answer where it can be derived by hand, prints and
//! writes the evidence for the answer and one below, and refuses bad input before running.

use crate::common::ecsim_output;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A service of tasks that serve 100 requests/s each and refuse what does not fit their queue.
///
/// Each task has one worker (`concurrency = 1`) and a constant 10 ms service time (CPU not
/// modelled), so it serves at most 1 / 10 ms = 100 requests/s; up to 50 requests wait, the
/// rest are refused (503). The ALB sends 350 requests/s (Poisson) from minute 1, round robin.
///
/// * k ≤ 3 tasks serve at most 100·k ≤ 300 requests/s < 350: the queues fill and at least
///   (350 − 100·k) / 350 of the requests are refused — availability ≤ (100·k)/350, i.e. 28.6 %,
///   57.1 %, 85.7 % for k = 1, 2, 3 — far below the 99.9 % objective.
/// * k = 4: 400 requests/s of capacity for 350 (ρ = 0.875 per task; each task gets every 4th
///   arrival, Erlang-4 inter-arrival times, and deterministic service): stable, the queues stay
///   far below 50 (0.5 s of work), nothing is refused, and p99 latency is tens of ms, within
///   the 500 ms objective.
///
/// So the smallest desired_count that meets the SLO is k = 4.
pub(crate) const QUEUE: &str = r#"
[scenario]
name = "queue"
duration = "6m"
seed = 3

[cluster]
zones = ["us-east-1a", "us-east-1b"]

[[cluster.instances]]
type = "m5.xlarge"
count = 4

[lifecycle]
start_delay = { distribution = "constant", value = "10s" }

[[task_definitions]]
name = "web"
family = "web"
cpu = 256
memory = 512
dynamic_ports = 1
serving = { concurrency = 1, service_time = { distribution = "constant", value = "10ms" }, queue_limit = 50, cpu_per_busy_worker = 0 }

[[target_groups]]
name = "web"
port = 80
health_check = { interval = "5s", timeout = "2s", healthy_threshold = 2, unhealthy_threshold = 2 }

[[load_balancers]]
name = "web"

[[load_balancers.listeners]]
port = 80
protocol = "HTTP"
default_action = { forward = "web" }

[[services]]
name = "web"
task_definition = "web"
desired_count = 2
load_balancers = [{ target_group = "web", container_port = 80 }]

[[traffic]]
name = "users"
rate = { profile = "steps", steps = [{ at = "0s", per_second = 0 }, { at = "1m", per_second = 350 }] }

[slo]
availability_pct = 99.9
latency_ms_p99 = 500
"#;

fn ok(out: Output) -> String {
    assert!(out.status.success(), "failed: {}\n{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(out: Output) -> String {
    assert!(!out.status.success(), "should fail: {}", String::from_utf8_lossy(&out.stdout));
    format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// capacity.csv: value → row.
fn rows(path: &Path) -> BTreeMap<i64, BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let row: BTreeMap<String, String> = headers.iter().map(str::to_string).zip(rec.unwrap().iter().map(str::to_string)).collect();
            (row["value"].parse().unwrap(), row)
        })
        .collect()
}

fn num(row: &BTreeMap<String, String>, key: &str) -> f64 {
    row[key].parse().unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

#[test]
fn finds_the_derived_answer_with_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "queue.toml", QUEUE);
    let out = tmp.path().join("out");
    let stdout = ok(ecsim_output(&[
        "capacity",
        s(&scenario),
        "--vary",
        "services.web.desired_count",
        "-r",
        "3",
        "--threads",
        "2",
        "--out",
        s(&out),
    ]));
    assert!(stdout.contains("answer: services.web.desired_count = 4"), "{stdout}");
    assert!(stdout.contains("monotone"), "the assumption is stated: {stdout}");

    // Doubling 1, 2, 4 (meets), then bisection between 2 and 4: 3.
    let table = rows(&out.join("capacity.csv"));
    assert_eq!(table.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4]);
    let order: Vec<&str> = [1, 2, 4, 3].iter().map(|v| table[v]["order"].as_str()).collect();
    assert_eq!(order, ["1", "2", "3", "4"]);
    // Evidence for the answer and one below.
    let (below, answer) = (&table[&3], &table[&4]);
    assert_eq!((below["meets"].as_str(), below["replications_met"].as_str()), ("false", "0"));
    assert_eq!((answer["meets"].as_str(), answer["replications_met"].as_str()), ("true", "3"));
    // Availability ≈ (100·k)/350 below the knee (the refused share is the excess load).
    for (k, row) in &table {
        if *k <= 3 {
            let expected = 100.0 * (100.0 * *k as f64) / 350.0;
            let got = num(row, "availability_pct_mean");
            assert!((got - expected).abs() < 1.0, "k = {k}: availability {got} vs {expected}");
            assert!(num(row, "error_budget_spent_pct_mean") > 100.0);
        }
    }
    assert!(num(answer, "availability_pct_min") >= 99.9);
    assert!(num(answer, "latency_ms_p99_max") <= 500.0);
    assert_eq!(num(answer, "tasks_failed_max"), 0.0);
    assert!(!answer["availability_pct_ci95_lo"].is_empty(), "3 replications have an interval");

    // capacity.json: the same seeds at every probe (common random numbers).
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("capacity.json")).unwrap()).unwrap();
    assert_eq!(json["answer"], 4);
    let seeds: Vec<u64> = (0..3).map(|r| ecsim::sweep::run_seed(3, r)).collect();
    assert_eq!(json["seeds"], serde_json::json!(seeds));
    for p in json["probes"].as_array().unwrap() {
        let got: Vec<u64> = p["runs"].as_array().unwrap().iter().map(|r| r["seed"].as_u64().unwrap()).collect();
        assert_eq!(got, seeds);
    }

    // One thread: the same bytes. --to: check it, then bisect from --from.
    let out1 = tmp.path().join("out1");
    ok(ecsim_output(&["capacity", s(&scenario), "--vary", "services.web.desired_count", "-r", "3", "--threads", "1", "--out", s(&out1)]));
    assert_eq!(std::fs::read(out.join("capacity.json")).unwrap(), std::fs::read(out1.join("capacity.json")).unwrap());
    assert_eq!(std::fs::read(out.join("capacity.csv")).unwrap(), std::fs::read(out1.join("capacity.csv")).unwrap());
    let out2 = tmp.path().join("out2");
    let stdout = ok(ecsim_output(&[
        "capacity",
        s(&scenario),
        "--vary",
        "services.web.desired_count",
        "-r",
        "2",
        "--to",
        "10",
        "--threads",
        "2",
        "--out",
        s(&out2),
    ]));
    assert!(stdout.contains("answer: services.web.desired_count = 4"), "{stdout}");
    assert_eq!(rows(&out2.join("capacity.csv"))[&10]["order"], "1");
}

#[test]
fn placement_failures_count_against_a_value() {
    // The default knob is the only [[cluster.instances]] count. Tasks of 4 vCPU fill an
    // m5.xlarge (4,096 CPU units) each, so 6 tasks need 6 instances: with 5 the SLO is met
    // (5 tasks serve 350/s easily) but a task cannot be placed — 5 does not qualify.
    let tmp = tempfile::tempdir().unwrap();
    let text = QUEUE.replace("cpu = 256", "cpu = 4096").replace("desired_count = 2", "desired_count = 6");
    let scenario = write(tmp.path(), "place.toml", &text);
    let out = tmp.path().join("out");
    let stdout = ok(ecsim_output(&["capacity", s(&scenario), "-r", "2", "--threads", "2", "--out", s(&out)]));
    assert!(stdout.contains("answer: cluster.instances.0.count = 6"), "{stdout}");
    let table = rows(&out.join("capacity.csv"));
    let below = &table[&5];
    assert_eq!((below["replications_slo_met"].as_str(), below["replications_no_placement_failure"].as_str()), ("2", "0"));
    assert!(num(below, "tasks_failed_min") > 0.0);
    assert_eq!(table[&6]["meets"], "true");
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = write(tmp.path(), "queue.toml", QUEUE);
    let out = tmp.path().join("out");
    let run = |args: &[&str]| {
        let mut all = vec!["capacity", s(&scenario), "--out", s(&out)];
        all.extend_from_slice(args);
        fails(ecsim_output(&all))
    };
    let e = run(&["--vary", "services.api.desired_count"]);
    assert!(e.contains("--vary services.api.desired_count names no scenario key: no element named 'api' in services (known: web)"), "{e}");
    let e = run(&["--vary", "services.web.replicas"]);
    assert!(e.contains("names no scenario key: services.web has no key `replicas`"), "{e}");
    let e = run(&["--vary", "services.web.task_definition"]);
    assert!(e.contains("--vary services.web.task_definition is not an integer: it is the string `web`"), "{e}");
    let e = run(&["--vary", "services.web.desired_count", "--from", "5", "--to", "3"]);
    assert!(e.contains("--to 3 is below --from 5"), "{e}");
    assert!(!out.exists(), "nothing is written for bad input");

    let no_slo = write(tmp.path(), "no-slo.toml", &QUEUE.replace("[slo]\navailability_pct = 99.9\nlatency_ms_p99 = 500\n", ""));
    let e = fails(ecsim_output(&["capacity", s(&no_slo), "--vary", "services.web.desired_count", "--out", s(&out)]));
    assert!(e.contains("has no [slo]: a capacity search needs an objective to meet. Add one"), "{e}");

    // A --to that does not meet the objective: no answer (exit 3), the probe still written.
    let e = run(&["--vary", "services.web.desired_count", "--to", "3", "-r", "1"]);
    assert!(e.contains("services.web.desired_count = 3 (--to) does not meet the objective: raise --to"), "{e}");
    assert_eq!(rows(&out.join("capacity.csv"))[&3]["meets"], "false");
}
