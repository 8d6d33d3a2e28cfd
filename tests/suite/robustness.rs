//! No input crashes or exhausts the machine (issue 12): each reproducer of
//! `tests/fixtures/repro/` gets a located warning or refusal instead of gigabytes or minutes,
//! and every error says `file:line:column`. Driven through the binary, as a user would.

use crate::common::{ecsim, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::Output;

fn repro(p: &str) -> PathBuf {
    repo("tests/fixtures/repro").join(p)
}

/// `ecsim check FILE`.
fn check(file: &Path) -> Output {
    ecsim().arg("check").arg(file).output().unwrap()
}

#[test]
fn three_million_instances_are_refused_at_their_count_before_anything_is_built() {
    // `count = 3000000` on line 12 (the value starts at column 9): 3,000,000 > 1,000,000, the
    // most ecsim simulates (200 × ECS's 5,000 per cluster). Before the bound: 20 s and 5.2 GB.
    let file = repro("huge_count/scenario.toml");
    let o = check(&file);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("scenario.toml:12:9: error: this brings the cluster to 3000000 container instances; ecsim simulates at most 1000000"),
        "{err}"
    );
    assert!(err.contains("help: lower the count (at most 5000 to stay within ECS's quota)"), "{err}");
    // `run` refuses the same way and writes nothing.
    let out = tempfile::tempdir().unwrap();
    let o = ecsim().args(["run", "--quiet", "--out"]).arg(out.path().join("r")).arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.path().join("r").exists());
}

#[test]
fn a_desired_count_above_the_quota_is_a_located_warning() {
    // `desired_count = 100000` on line 66: above ECS's 5,000 tasks per service, within the
    // 100,000 ecsim simulates: a warning, and the scenario checks.
    let o = check(&repro("desired_count/outgrows-cluster-100000.toml"));
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(
            "outgrows-cluster-100000.toml:66:1: warning: service \"web\": desired count 100000 is above ECS's quota of 5000 tasks per service"
        ),
        "{err}"
    );
}

#[test]
fn a_run_of_3000_days_is_refused_with_the_longest_that_fits() {
    // One service, 3 zones, no target group or alarm: 400 + 300 + 250 × 4 = 1,700 bytes a
    // minute; 3,000 days = 4,320,000 minutes → 7,344,000,000 bytes = 7,003 MiB > 4,096 MiB.
    // The longest run that fits: 4 GiB / 1,700 / 1,440 = 1,754 days (877 while the rows were
    // held in memory under a 2 GiB bound). Before: 2.4 MB a simulated day until the allocator
    // aborted.
    let o = check(&repro("long_duration/rolling-50-200-3000d.toml"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("rolling-50-200-3000d.toml:22:12: error: a run of "), "{err}");
    assert!(err.contains("would keep about 7003 MiB of per-minute rows (4320000 minutes × about 1700 bytes"), "{err}");
    assert!(err.contains("help: shorten the duration to at most 1754 days"), "{err}");
}

#[test]
fn a_sweep_repeating_one_axis_path_is_refused_at_the_repetition() {
    // grid_5axes.toml sweeps `services.web.desired_count` five times (lines 7, 11, 15, 19,
    // 23, the path's string at column 8): 100,000 identical cells before (16.5 s, 2.9 GB).
    let o = check(&repro("sweep_grid/grid_5axes.toml"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("grid_5axes.toml:11:8: error: axis path `services.web.desired_count` is already swept by the axis on line 7"),
        "{err}"
    );
    assert!(err.contains("grid_5axes.toml:23:8: error"), "{err}");
}

#[test]
fn a_grid_above_the_cell_limit_is_refused_with_its_product() {
    // 6 distinct paths × 10 values = 10⁶ cells > 100,000: refused at the last axis, before a
    // single cell is built.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repro("sweep_grid/base-templates.toml"), dir.path().join("base.toml")).unwrap();
    let mut text = String::from("[sweep]\nbase = \"base.toml\"\n");
    for path in [
        "services.web.desired_count",
        "scenario.seed",
        "auto_scaling_groups.asg-web.desired",
        "auto_scaling_groups.asg-web.max",
        "traffic.users.rate.steps.1.per_second",
        "slo.latency_ms_p99",
    ] {
        text.push_str(&format!("\n[[axes]]\npath = \"{path}\"\nvalues = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]\n"));
    }
    let file = dir.path().join("big.toml");
    std::fs::write(&file, text).unwrap();
    let o = check(&file);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("big.toml:24:1: error: the grid has 10 × 10 × 10 × 10 × 10 × 10 = 1000000 cells; a sweep may have at most 100000"),
        "{err}"
    );
}

#[test]
fn five_thousand_errors_are_each_located_in_linear_time() {
    // tests/fixtures/repro/quadratic_errors/gen.py 5001: one container with 5,001 awsvpc port
    // mappings whose hostPort 80 differs from containerPort 8080. With `indent=2`, mapping k
    // (0-based) opens on line 10 + 5k and its `hostPort` is on the next line, column 11.
    let mapping = "        {\n          \"hostPort\": 80,\n          \"containerPort\": 8080,\n          \"protocol\": \"tcp\"\n        }";
    let mappings = vec![mapping; 5001].join(",\n");
    let text = format!(
        "{{\n  \"family\": \"t\",\n  \"networkMode\": \"awsvpc\",\n  \"containerDefinitions\": [\n    {{\n      \"name\": \"a\",\n      \"image\": \"x\",\n      \"memory\": 512,\n      \"portMappings\": [\n{mappings}\n      ]\n    }}\n  ]\n}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("td.json");
    std::fs::write(&file, text).unwrap();
    // Before: 13 s (34 s on a loaded machine); each message rescanned the file. A generous
    // bound: linear locating takes well under a second.
    #[allow(clippy::disallowed_methods)] // a test's wall-clock bound, not simulation time
    let started = std::time::Instant::now();
    let o = check(&file);
    let elapsed = started.elapsed();
    let err = stderr(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("5001 error(s)"), "{err}");
    for k in [0usize, 1, 2500, 5000] {
        let line = 11 + 5 * k;
        assert!(err.contains(&format!("td.json:{line}:11: error: ")), "mapping {k}: line {line}");
    }
    assert!(elapsed.as_secs() < 10, "check took {elapsed:?}");
}

#[test]
fn an_empty_json_file_is_located_at_its_start() {
    let o = check(&repro("unlocated/empty.json"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("empty.json:1:1: error: invalid JSON: EOF while parsing a value"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_located_at_the_bad_byte() {
    // not-utf8.json's line 2 is `  "family": "web\xff"`: the byte 0xFF is its 17th character;
    // not-utf8.toml's line 2 is `name = "x\xff"`: its 10th.
    for (file, at) in [("not-utf8.json", "2:17"), ("not-utf8.toml", "2:10")] {
        let o = check(&repro(&format!("unlocated/{file}")));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1));
        assert!(err.contains(&format!("{file}:{at}: error: the file is not UTF-8 text: byte 0xFF here is not valid UTF-8")), "{err}");
    }
}

#[test]
fn an_alarm_without_a_name_is_located_at_its_table() {
    // The second [[alarms]] header is on line 16.
    let o = check(&repro("unlocated/alarm-without-name.toml"));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("alarm-without-name.toml:16:1: error: an [[alarms]] entry needs a name (or a file)"), "{err}");
}

#[test]
fn instances_registered_by_actions_count_towards_the_bound() {
    // 10 instances at t = 0 + 2,000,000 registered at 10 min = 2,000,010 > 1,000,000: refused at the
    // action's `count` (line 15, column 1).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("register.toml");
    let text = "[scenario]\nduration = \"1h\"\n\n[cluster]\nzones = [\"us-east-1a\"]\n\n[[cluster.instances]]\ntype = \"m5.large\"\ncount = 10\n\n\
                [[actions]]\naction = \"register_instance\"\nat = \"10m\"\ntype = \"m5.large\"\ncount = 2000000\nzone = \"us-east-1a\"\n";
    std::fs::write(&file, text).unwrap();
    let o = check(&file);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("register.toml:15:1: error: this action brings the cluster to 2000010 container instances"), "{err}");
}
