//! `ecsim run` and `ecsim check` driven as a user would, through the binary.

use crate::common::{ecsim, repo};
use std::path::{Path, PathBuf};

fn read_all(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

fn run_quickstart(out: &Path, seed: &str) {
    let status =
        ecsim().args(["run", "--quiet", "--seed", seed, "--out"]).arg(out).arg(repo("scenarios/quickstart.toml")).status().unwrap();
    assert!(status.success());
}

#[test]
fn same_seed_gives_byte_identical_outputs_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    run_quickstart(&a, "11");
    run_quickstart(&b, "11");
    run_quickstart(&c, "12");
    let (fa, fb, fc) = (read_all(&a), read_all(&b), read_all(&c));
    let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["events.csv", "reservation.png", "reservation.svg", "summary.json", "timeseries.csv"] {
        assert!(names.contains(&expected), "missing {expected} in {names:?}");
    }
    assert_eq!(fa, fb, "same scenario and seed must give byte-identical files");
    let differs = |name: &str| fa.iter().find(|f| f.0 == name) != fc.iter().find(|f| f.0 == name);
    assert!(differs("events.csv") && differs("summary.json"), "another seed must change the run");
}

#[test]
fn variants_are_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outs = vec![];
    for threads in ["1", "4"] {
        let out = tmp.path().join(format!("t{threads}"));
        let status = ecsim()
            .env("RAYON_NUM_THREADS", threads)
            .args(["run", "--quiet", "--out"])
            .arg(&out)
            .arg(repo("scenarios/lessons/console-templates.toml"))
            .status()
            .unwrap();
        assert!(status.success());
        let mut all = read_all(&out);
        for sub in ["az-balanced-spread", "one-task-per-host"] {
            all.extend(read_all(&out.join(sub)));
        }
        outs.push(all);
    }
    assert_eq!(outs[0], outs[1]);
}

#[test]
fn summary_names_seed_scenario_hash_and_version() {
    let tmp = tempfile::tempdir().unwrap();
    run_quickstart(tmp.path(), "3");
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(tmp.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["seed"], 3);
    assert_eq!(s["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(s["ecsim_version"], env!("CARGO_PKG_VERSION"));
    let tasks = &s["tasks"];
    let submitted = tasks["submitted"].as_u64().unwrap();
    // Every submitted task is placed, failed, or still waiting.
    assert_eq!(
        submitted,
        tasks["placed"].as_u64().unwrap() + tasks["failed"].as_u64().unwrap() + tasks["waiting_at_end"].as_u64().unwrap()
    );
}

/// Writes `text` as a scenario in a temp dir and runs `ecsim run` on it.
fn run_bad(text: &str) -> (String, bool, PathBuf, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let out = tmp.path().join("out");
    let o = ecsim().args(["run", "--out"]).arg(&out).arg(&path).output().unwrap();
    (String::from_utf8_lossy(&o.stderr).into_owned(), o.status.success(), out, tmp)
}

const GOOD_HEAD: &str = r#"[scenario]
duration = "1h"

[cluster]
zones = ["us-east-1a"]

[[cluster.instances]]
type = "m5.large"
count = 2

[[task_definitions]]
name = "t"
cpu = 256
memory = 512
"#;

const GOOD_WORKLOAD: &str = r#"
[[workload]]
name = "w"
task_definition = "t"
arrivals = { process = "poisson", rate_per_minute = 1 }
run_time = { distribution = "constant", value = "5m" }
"#;

#[test]
fn bad_scenarios_get_located_errors_and_no_output() {
    let cases: Vec<(String, &str)> = vec![
        // Unknown instance type: line 8, column 8 is the value "m5.huge".
        (GOOD_HEAD.replace("m5.large", "m5.huge") + GOOD_WORKLOAD, "bad.toml:8:8: error: unknown instance type \"m5.huge\""),
        // Zero duration.
        (GOOD_HEAD.replace("\"1h\"", "\"0s\"") + GOOD_WORKLOAD, "bad.toml:2:12: error: the duration is zero"),
        // Negative count: serde says what it expected.
        (GOOD_HEAD.replace("count = 2", "count = -2") + GOOD_WORKLOAD, "bad.toml:9:9: error:"),
        // Wrong type.
        (GOOD_HEAD.replace("cpu = 256", "cpu = \"lots\"") + GOOD_WORKLOAD, "bad.toml:13:7: error:"),
        // Unknown strategy field.
        (
            GOOD_HEAD.to_string() + GOOD_WORKLOAD + "placement_strategy = [{ type = \"binpack\", field = \"disk\" }]\n",
            "binpack field \"disk\" is not valid; use \"cpu\" or \"memory\"",
        ),
        // CQL syntax error: the column points inside the expression.
        (
            GOOD_HEAD.to_string()
                + GOOD_WORKLOAD
                + "placement_constraints = [{ type = \"memberOf\", expression = \"attribute:ecs.instance-type ~= t3.*\" }]\n",
            "bad.toml:21:",
        ),
        // A typo in a key.
        (GOOD_HEAD.replace("duration", "duraton") + GOOD_WORKLOAD, "bad.toml:2:1: error: unknown field `duraton`"),
    ];
    for (text, expected) in cases {
        let (stderr, ok, out, _tmp) = run_bad(&text);
        assert!(!ok, "should fail: {expected}");
        assert!(stderr.contains(expected), "expected {expected:?} in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.exists(), "no results directory may be written on bad input");
    }
}

#[test]
fn check_reports_every_error_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("two.toml");
    let text = GOOD_HEAD.replace("m5.large", "m5.huge") + &GOOD_WORKLOAD.replace("task_definition = \"t\"", "task_definition = \"nope\"");
    std::fs::write(&path, text).unwrap();
    let o = ecsim().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr.contains("unknown instance type"), "{stderr}");
    assert!(stderr.contains("no task definition named \"nope\""), "{stderr}");
}

#[test]
fn check_accepts_the_bundled_scenarios() {
    let o =
        ecsim().arg("check").arg(repo("scenarios/quickstart.toml")).arg(repo("scenarios/lessons/console-templates.toml")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn check_locates_the_errors_in_the_realworld_samples() {
    let dir = repo("tests/fixtures/realworld");
    let mut files: Vec<PathBuf> = vec![];
    for sub in ["task-definitions", "services"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    let o = ecsim().arg("check").args(&files).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    // RegisterTaskDefinition's own rejection, at the hostPort of tomcat_ec2.json.
    assert!(
        stderr.contains(
            "tomcat_ec2.json:12:21: error: When networkMode=awsvpc, the host ports and container ports in port mappings must match."
        ),
        "{stderr}"
    );
    // The template that is not JSON, at its first placeholder, with what to do about it.
    assert!(stderr.contains("fullstack_taskdef_template_INVALID_JSON.json:19:23: error: invalid JSON"), "{stderr}");
    assert!(stderr.contains("substitute the template placeholders"), "{stderr}");
    // Unmodelled fields are warnings, never silently dropped.
    assert!(stderr.contains("warning: field `containerDefinitions[0].logConfiguration` is not modelled by ecsim"), "{stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("error(s) in 3 file(s)"), "{stdout}");
}

const SERVICE_BASE: &str = r#"[scenario]
duration = "1h"

[cluster]
zones = ["us-east-1a"]

[[cluster.instances]]
type = "m5.large"
count = 2

[[task_definitions]]
name = "t"
cpu = 256
memory = 512

[[services]]
name = "web"
task_definition = "t"
desired_count = 2
created_at = "5m"
"#;

#[test]
fn bad_service_settings_and_actions_get_located_errors() {
    let cases: Vec<(String, &str)> = vec![
        // UpdateService naming an unknown service (the [[actions]] table starts on line 22).
        (
            SERVICE_BASE.to_string() + "\n[[actions]]\naction = \"update_service\"\nat = \"10m\"\nservice = \"api\"\ndesired_count = 3\n",
            "bad.toml:22:1: error: no service named \"api\"",
        ),
        // ... or an unknown revision.
        (
            SERVICE_BASE.to_string()
                + "\n[[actions]]\naction = \"update_service\"\nat = \"10m\"\nservice = \"web\"\ntask_definition = \"t2\"\n",
            "no task definition (revision) named \"t2\"",
        ),
        // A deployment configuration out of ECS's range.
        (
            SERVICE_BASE.replace("desired_count = 2", "desired_count = 2\ndeployment = { minimum_healthy_percent = 150 }"),
            "minimum_healthy_percent 150 is outside 0–100",
        ),
        // A DAEMON service with a placement strategy.
        (
            SERVICE_BASE.replace("desired_count = 2", "scheduling_strategy = \"DAEMON\"\ntemplate = \"BinPack\""),
            "The daemon scheduling strategy does not support placement strategies.",
        ),
        // An action before the service exists.
        (
            SERVICE_BASE.to_string() + "\n[[actions]]\naction = \"update_service\"\nat = \"1m\"\nservice = \"web\"\ndesired_count = 3\n",
            "comes before service \"web\" is created",
        ),
        // An unknown action.
        (SERVICE_BASE.to_string() + "\n[[actions]]\naction = \"reboot\"\nat = \"1m\"\n", "bad.toml:23:10: error: unknown variant `reboot`"),
    ];
    for (text, expected) in cases {
        let (stderr, ok, out, _tmp) = run_bad(&text);
        assert!(!ok, "should fail: {expected}");
        assert!(stderr.contains(expected), "expected {expected:?} in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.exists());
    }
}

/// faults.csv of a run as (fault, tasks_lost, lowest_healthy, time_to_recover_s, requests_failed).
fn fault_figures(dir: &Path) -> Vec<(String, String, String, String, String)> {
    let mut r = csv::Reader::from_path(dir.join("faults.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let cols = [col("fault"), col("tasks_lost"), col("lowest_healthy"), col("time_to_recover_s"), col("requests_failed")];
    r.records()
        .map(|rec| rec.unwrap())
        .map(|rec| (rec[cols[0]].into(), rec[cols[1]].into(), rec[cols[2]].into(), rec[cols[3]].into(), rec[cols[4]].into()))
        .collect()
}

/// The fault lessons run, write faults.csv and the figures their header comments quote.
#[test]
fn fault_lessons_give_the_figures_of_their_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let f = |a: &str, b: &str, c: &str, d: &str, e: &str| (a.to_string(), b.to_string(), c.to_string(), d.to_string(), e.to_string());
    // requests_failed is drawn by the request path's xoshiro256++ streams (engine::random); each
    // sits near its header's arithmetic: 2,972 and 5,943 504s against 2/6 and 4/6 × 600/s × 15 s
    // ≈ 3,000 and 6,000; 4 502s against 600/s × 20 ms × 2/6 ≈ 4 in flight; 1,508 against 1,500.
    let cases: [(&str, &str, _); 5] = [
        ("zone-outage-binpack-vs-spread", "spread", f("az-b", "2", "4", "80.01", "2972")),
        ("zone-outage-binpack-vs-spread", "binpack", f("az-b", "4", "2", "60.0", "5943")),
        ("spot-without-draining", "", f("spot", "2", "4", "140.01", "4")),
        ("spot-with-draining", "", f("spot", "2", "6", "120.0", "0")),
        ("instance-failure-during-rolling-update", "", f("host-down", "2", "5", "60.0", "1508")),
    ];
    for (lesson, variant, expected) in cases {
        let out = tmp.path().join(lesson);
        if !out.exists() {
            let file = repo(&format!("scenarios/lessons/faults/{lesson}.toml"));
            let status = ecsim().args(["run", "--quiet", "--out"]).arg(&out).arg(file).status().unwrap();
            assert!(status.success(), "{lesson}");
        }
        let dir = if variant.is_empty() { out } else { out.join(variant) };
        assert_eq!(fault_figures(&dir), vec![expected], "{lesson} {variant}");
        assert!(dir.join("traffic.png").exists());
    }
}

/// An agent disconnection stops no task: once the agent is back the service has recovered,
/// and faults.csv counts no task lost (regression: it stayed "not recovered" for good).
#[test]
fn an_agent_disconnection_recovers_when_the_agent_is_back() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("agent.toml");
    std::fs::write(
        &scenario,
        "[scenario]\nname = \"agent\"\nduration = \"20m\"\nseed = 5\n[cluster]\nzones = [\"us-east-1a\"]\n\
         [[cluster.instances]]\ntype = \"m5.xlarge\"\ncount = 2\n\
         [[task_definitions]]\nname = \"web\"\nfamily = \"web\"\ncpu = 1024\nmemory = 2048\n\
         [[services]]\nname = \"web\"\ntask_definition = \"web\"\ndesired_count = 4\n\
         [[faults]]\nname = \"agent\"\nkind = \"agent_disconnect\"\ninstance = 0\nat = \"5m\"\nduration = \"2m\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    assert!(ecsim().args(["run", "--quiet", "--out"]).arg(&out).arg(&scenario).status().unwrap().success());
    assert_eq!(fault_figures(&out), vec![("agent".into(), "0".into(), "4".into(), "120.0".into(), "0".into())]);
    // ... and the agent is back: disconnected at 300 s, reconnected at 420 s.
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    let fault_lines: Vec<&str> = events.lines().filter(|l| l.contains(",fault,")).collect();
    assert_eq!(fault_lines.len(), 2, "{fault_lines:?}");
    assert!(fault_lines[0].starts_with("300.0,") && fault_lines[0].contains("disconnected"), "{fault_lines:?}");
    assert!(fault_lines[1].starts_with("420.0,") && fault_lines[1].contains("reconnected"), "{fault_lines:?}");
}

/// `ecsim check` recognises a sweep file (a `[sweep]` table) and validates it with its base
/// scenario and every cell: a misspelt axis path is an error at the axis, nothing is run.
#[test]
fn check_validates_sweep_files_cell_by_cell() {
    let good = ecsim().arg("check").arg(repo("scenarios/sweeps/smoke.toml")).output().unwrap();
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad-sweep.toml");
    let base = repo("scenarios/sweeps/base-web.toml");
    std::fs::write(
        &bad,
        format!(
            "[sweep]\nname = \"bad\"\nbase = {:?}\nreplications = 2\n\n[[axes]]\npath = \"services.web.desird_count\"\nvalues = [3, 4]\n",
            base.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = ecsim().arg("check").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad-sweep.toml:8:") && stderr.contains("unknown field `desird_count`"), "{stderr}");
}

/// `--outputs data` writes the same data files as a full run, byte for byte, and no chart or
/// page; `--outputs summary` writes summary.json alone (quickstart is no lesson, so no
/// lesson.json either).
#[test]
fn outputs_data_and_summary_write_a_subset_of_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/quickstart.toml");
    let run = |out: &Path, set: &str| {
        let status = ecsim().args(["run", "--quiet", "--outputs", set, "--out"]).arg(out).arg(&scenario).status().unwrap();
        assert!(status.success(), "--outputs {set}");
        read_all(out)
    };
    let all = run(&tmp.path().join("all"), "all");
    let data = run(&tmp.path().join("data"), "data");
    let summary = run(&tmp.path().join("summary"), "summary");
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let data_names = names(&data);
    assert!(data_names.contains(&"events.csv".to_string()) && data_names.contains(&"tasks.csv".to_string()), "{data_names:?}");
    for (name, bytes) in &data {
        assert!(name.ends_with(".csv") || name.ends_with(".json"), "--outputs data wrote {name}");
        let full = all.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} is not in the full run"));
        assert_eq!(&full.1, bytes, "{name} differs from the full run's");
    }
    let expected_data: Vec<String> = names(&all).into_iter().filter(|n| n.ends_with(".csv") || n.ends_with(".json")).collect();
    assert_eq!(data_names, expected_data, "--outputs data writes every data file of the full run");
    assert_eq!(names(&summary), ["summary.json"]);
    assert_eq!(summary[0].1, all.iter().find(|(n, _)| n == "summary.json").unwrap().1);
}

/// With `--outputs summary` a run keeps no event log (no file shows it): its summary.json is
/// still the full run's, byte for byte, for runs with instances that come and go, failures,
/// services and faults.
#[test]
fn a_run_without_its_event_log_has_the_same_summary() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in [
        "scenarios/lessons/faults/spot-with-draining.toml",
        "scenarios/lessons/services/circuit-breaker-rollback.toml",
        "scenarios/lessons/scaling/step-cpu-50.toml",
    ] {
        let run = |set: &str| {
            let out = tmp.path().join(set);
            let status = ecsim().args(["run", "--quiet", "--outputs", set, "--out"]).arg(&out).arg(repo(scenario)).status().unwrap();
            assert!(status.success(), "{scenario} --outputs {set}");
            std::fs::read(out.join("summary.json")).unwrap()
        };
        assert_eq!(run("summary"), run("all"), "{scenario}");
    }
}
