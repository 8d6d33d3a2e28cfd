//! `ecsim sweep` and `ecsim merge`, driven as a user would (through the binary), plus the grid
//! expansion through the library. The runs use `scenarios/sweeps/smoke.toml`: two placement
//! templates × 3 replications of base-web.toml (6 runs, a few tenths of a second each).

use crate::common::{ecsim, ecsim_output, repo};
use ecsim::sweep::file::{cells, parse_str};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::SystemTime;

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "failed: {}\n{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    out
}

fn fails(out: Output) -> String {
    assert!(!out.status.success(), "should fail: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const SMOKE: &str = "scenarios/sweeps/smoke.toml";
const TABLES: [&str; 4] = ["runs.csv", "cells.csv", "cells.json", "sweep.json"];

/// Every file of a sweep folder (tables and run files), name → bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = TABLES.iter().map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap())).collect();
    let mut runs: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (format!("runs/{}", p.file_name().unwrap().to_string_lossy()), std::fs::read(&p).unwrap()))
        .collect();
    runs.sort();
    out.extend(runs);
    out
}

/// The smoke sweep run once, unsharded, on one thread: the reference the other tests compare to.
fn reference() -> &'static Path {
    static REF: OnceLock<PathBuf> = OnceLock::new();
    REF.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep-reference");
        let _ = std::fs::remove_dir_all(&dir);
        ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--threads", "1", "--out", s(&dir)]));
        dir
    })
}

fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records().map(|rec| headers.iter().map(str::to_string).zip(rec.unwrap().iter().map(str::to_string)).collect()).collect()
}

#[test]
fn the_grid_is_the_product_of_the_axes_last_fastest_zips_move_together() {
    // 2 templates × range 4..=8 step 2 (3 values) × a zip of two paths with 2 values each
    // (one dimension) = 2 × 3 × 2 = 12 cells. Cell 7 = digits (1, 0, 1) in radix (2, 3, 2):
    // 7 = 1·6 + 0·2 + 1 → BinPack, count 4, the zip's second pair (150 %, 60 s). (base-web
    // terminates instance 3, so fewer than 4 instances would be an error.)
    let text = r#"
        [sweep]
        base = "base-web.toml"
        [[axes]]
        path = "services.web.template"
        values = ["AZ Balanced Spread", "BinPack"]
        [[axes]]
        path = "cluster.instances.0.count"
        range = { from = 4, to = 8, step = 2 }
        [[axes]]
        zip = [ { path = "services.web.deployment.maximum_percent", values = [200, 150] },
                { path = "target_groups.web.deregistration_delay", values = ["30s", "60s"] } ]
    "#;
    let file = parse_str(&repo("scenarios/sweeps/x.toml"), text).unwrap();
    assert_eq!(file.replications, 1);
    let grid = cells(&file.dims);
    assert_eq!(grid.len(), 12);
    assert_eq!(grid[0].id, "c00_template=AZ-Balanced-Spread_count=4_maximum_percent=200_deregistration_delay=30s");
    assert_eq!(grid[7].id, "c07_template=BinPack_count=4_maximum_percent=150_deregistration_delay=60s");
    assert_eq!(grid[11].id, "c11_template=BinPack_count=8_maximum_percent=150_deregistration_delay=60s");
    // And every cell is a valid scenario: the optional `deployment` table is created.
    let prepared = ecsim::sweep::prepare(file).unwrap();
    assert_eq!(prepared.cells.len(), 12);
    // Cells are built on demand (none is kept), each with its values: cell 11 has
    // `cluster.instances.0.count` = 8, cell 0 has 4, so 4 more container instances.
    let instances = |ci: usize| prepared.scenario(ci).unwrap().cluster.instances.len();
    assert_eq!(instances(11), instances(0) + 4);
    assert_eq!(prepared.axes.len(), 4);
}

#[test]
fn seeds_depend_on_the_replication_not_the_cell() {
    // Both templates of replication r get the same seed, hence the same Poisson arrivals:
    // the source's request count is equal across cells, and differs between replications.
    let rows = csv_rows(&reference().join("runs.csv"));
    assert_eq!(rows.len(), 6, "2 cells × 3 replications");
    for rep in 0..3 {
        let of_rep: Vec<_> = rows.iter().filter(|r| r["replication"] == rep.to_string()).collect();
        assert_eq!(of_rep.len(), 2);
        assert_eq!(of_rep[0]["seed"], of_rep[1]["seed"]);
        assert_eq!(of_rep[0]["traffic.sources.users.sent"], of_rep[1]["traffic.sources.users.sent"]);
        assert_ne!(of_rep[0]["services.web.template"], of_rep[1]["services.web.template"]);
    }
    assert_ne!(rows[0]["traffic.sources.users.sent"], rows[1]["traffic.sources.users.sent"]);
    // The seed is SplitMix64's (rep + 1)-th output from the master seed 7.
    assert_eq!(rows[0]["seed"], ecsim::sweep::run_seed(7, 0).to_string());
}

#[test]
fn cells_csv_holds_mean_sd_and_student_t_interval() {
    // cells.csv: cell, the axis, n = 3, then four columns per figure. Recompute one by hand.
    let runs = csv_rows(&reference().join("runs.csv"));
    let cells = csv_rows(&reference().join("cells.csv"));
    assert_eq!(cells.len(), 2);
    let fig = "traffic.sources.users.sent";
    let x: Vec<f64> = runs.iter().filter(|r| r["cell"] == cells[0]["cell"]).map(|r| r[fig].parse().unwrap()).collect();
    let mean = x.iter().sum::<f64>() / 3.0;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
    let half = 4.302653 * sd / 3f64.sqrt(); // t(0.975, 2)
    let col = |c: &str| cells[0][&format!("{fig}_{c}")].parse::<f64>().unwrap();
    assert_eq!(cells[0]["n"], "3");
    assert!((col("mean") - mean).abs() < 1e-6);
    assert!((col("sd") - sd).abs() < 1e-6);
    assert!((col("ci95_hi") - (mean + half)).abs() < 1e-3 * half.max(1.0));
}

#[test]
fn outputs_are_byte_identical_on_one_or_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let two = tmp.path().join("two");
    let out = ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--threads", "2", "--out", s(&two)]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("c1_template=BinPack"), "the end-of-sweep table lists the cells");
    assert_eq!(files(reference()), files(&two));
}

#[test]
fn three_shards_merged_equal_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = |i: u32| tmp.path().join(format!("shard{i}"));
    for i in 0..3 {
        let out = ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--shard", &format!("{i}/3"), "--out", s(&shard(i))]));
        // k = cell × 3 + rep, k mod 3 = i: two runs per shard, no tables.
        assert_eq!(std::fs::read_dir(shard(i).join("runs")).unwrap().count(), 2);
        assert!(!shard(i).join("runs.csv").exists());
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("shard {i}/3 done")));
    }
    // Given in any order.
    let merged = tmp.path().join("merged");
    ok(ecsim_output(&["merge", s(&shard(2)), s(&shard(0)), s(&shard(1)), "--out", s(&merged)]));
    assert_eq!(files(reference()), files(&merged));

    // A missing shard: an error naming it, nothing written.
    let partial = tmp.path().join("partial");
    let err = fails(ecsim_output(&["merge", s(&shard(0)), s(&shard(2)), "--out", s(&partial)]));
    assert!(err.contains("shard(s) 1/3 missing"), "{err}");
    assert!(!partial.exists());

    // A shard of another sweep (another master seed): an error naming it, nothing written.
    let other_file = tmp.path().join("other.toml");
    let text = std::fs::read_to_string(repo(SMOKE)).unwrap().replace("seed = 7", "seed = 8");
    std::fs::write(
        &other_file,
        text.replace("base = \"base-web.toml\"", &format!("base = {:?}", s(&repo("scenarios/sweeps/base-web.toml")))),
    )
    .unwrap();
    let foreign = tmp.path().join("foreign1");
    ok(ecsim_output(&["sweep", s(&other_file), "--shard", "1/3", "--out", s(&foreign)]));
    let err = fails(ecsim_output(&["merge", s(&shard(0)), s(&foreign), s(&shard(2)), "--out", s(&partial)]));
    assert!(err.contains("foreign1") && err.contains("another sweep"), "{err}");
    assert!(!partial.exists());

    // An incomplete shard: a run file deleted.
    let gone = std::fs::read_dir(shard(1).join("runs")).unwrap().next().unwrap().unwrap().path();
    std::fs::remove_file(&gone).unwrap();
    let err = fails(ecsim_output(&["merge", s(&shard(0)), s(&shard(1)), s(&shard(2)), "--out", s(&partial)]));
    assert!(err.contains("shard 1/3") && err.contains("incomplete"), "{err}");
    assert!(!partial.exists());
}

#[test]
fn an_interrupted_sweep_resumes_without_recomputing_the_runs_it_has() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("resumed");
    // Start from the finished reference with two runs and the tables gone, as if killed after
    // four runs; plus what a kill -9 mid-write leaves: a temporary file, never a partial run.
    copy_dir(reference(), &dir);
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir.join("runs")).unwrap().map(|e| e.unwrap().path()).collect();
    runs.sort();
    for p in [&runs[1], &runs[4]] {
        std::fs::remove_file(p).unwrap();
    }
    for t in ["runs.csv", "cells.csv", "cells.json"] {
        std::fs::remove_file(dir.join(t)).unwrap();
    }
    let junk = dir.join("runs").join(format!(".{}.x7Yq2.tmp", runs[1].file_name().unwrap().to_string_lossy()));
    std::fs::write(&junk, b"{\"ecsim_version\": \"0.1.0\", \"cell\": \"c0_tem").unwrap();
    let kept = [&runs[0], &runs[2], &runs[3], &runs[5]];
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let before: Vec<SystemTime> = kept.iter().map(|p| mtime(p)).collect();

    let out = ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--out", s(&dir)]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 run(s) already done, 2 to run"), "{err}");
    assert_eq!(before, kept.iter().map(|p| mtime(p)).collect::<Vec<_>>(), "the runs it had are not rewritten");
    assert!(!junk.exists(), "temporary files of interrupted writes are removed");
    assert_eq!(files(reference()), files(&dir));

    // Run again: nothing to do, same bytes.
    let out = ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--out", s(&dir)]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("6 run(s) already done, 0 to run"));
    assert_eq!(files(reference()), files(&dir));
}

#[test]
#[allow(clippy::disallowed_methods)] // wall time only bounds how long the test waits for the child
fn a_sweep_killed_with_sigkill_resumes_to_the_same_bytes() {
    // A real kill -9 (what Ctrl-C twice, an OOM kill or a preempted batch job do): the sweep is
    // stopped as soon as its first run file exists; whatever it had finished is kept, nothing
    // half-written is ever read, and the resumed sweep ends byte-identical to the reference.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("killed");
    let mut child = ecsim()
        .args(["sweep", s(&repo(SMOKE)), "--threads", "1", "-q", "--out", s(&dir)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let finished_runs = |d: &Path| -> usize {
        std::fs::read_dir(d.join("runs")).map_or(0, |rd| {
            rd.filter(|e| {
                e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".json")
                    && !e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.')
            })
            .count()
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while finished_runs(&dir) == 0 && std::time::Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().ok(); // SIGKILL on Unix
    child.wait().unwrap();
    let kept = finished_runs(&dir);
    assert!(kept >= 1, "the run finished before the kill is kept");
    assert!(!dir.join("cells.csv").exists() || kept == 6, "no tables from a killed sweep");

    let out = ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--out", s(&dir)]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{kept} run(s) already done, {} to run", 6 - kept)), "{err}");
    assert_eq!(files(reference()), files(&dir));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Writes a sweep file over base-web.toml with `axes` and returns its path.
fn sweep_file(dir: &Path, axes: &str) -> PathBuf {
    let path = dir.join("bad.toml");
    let base = repo("scenarios/sweeps/base-web.toml");
    std::fs::write(&path, format!("[sweep]\nname = \"bad\"\nbase = {:?}\nreplications = 2\n\n{axes}", s(&base))).unwrap();
    path
}

#[test]
fn bad_sweeps_are_located_errors_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = |axes: &str| fails(ecsim_output(&["sweep", s(&sweep_file(tmp.path(), axes)), "--out", s(&out)]));

    // services has one element, `web`.
    let err = run("[[axes]]\npath = \"services.api.template\"\nvalues = [\"BinPack\"]\n");
    assert!(
        err.contains(
            "bad.toml:7:8: error: axis path services.api.template names no scenario key: no element named 'api' in services (known: web)"
        ),
        "{err}"
    );
    // A count must be a whole number: the loader's message, at the value.
    let err = run("[[axes]]\npath = \"cluster.instances.0.count\"\nvalues = [2, \"many\"]\n");
    assert!(err.contains("bad.toml:8:14: error: axis `cluster.instances.0.count` value `many`: "), "{err}");
    // An unknown key: deny_unknown_fields.
    let err = run("[[axes]]\npath = \"services.web.templat\"\nvalues = [\"BinPack\"]\n");
    assert!(err.contains("axis `services.web.templat` value `BinPack`: unknown field `templat`"), "{err}");
    // An unknown template name.
    let err = run("[[axes]]\npath = \"services.web.template\"\nvalues = [\"BinPak\"]\n");
    assert!(err.contains("bad.toml:8:11: error: axis `services.web.template` value `BinPak`"), "{err}");
    // Empty axis, bad range, zip of unequal lengths.
    let err = run("[[axes]]\npath = \"services.web.desired_count\"\nvalues = []\n");
    assert!(err.contains("bad.toml:8:10: error: axis `services.web.desired_count` has no values"), "{err}");
    let err = run("[[axes]]\npath = \"services.web.desired_count\"\nrange = { from = 2, to = 6, step = 0 }\n");
    assert!(err.contains("range step must be positive"), "{err}");
    let err = run("[[axes]]\nzip = [ { path = \"a\", values = [1, 2] }, { path = \"b\", values = [1] } ]\n");
    assert!(err.contains("zipped axes must have the same number of values: `a` has 2, `b` has 1"), "{err}");
    assert!(err.contains("nothing was run and nothing was written"));
    assert!(!out.exists());

    // A shard index out of range.
    let err = fails(ecsim_output(&["sweep", s(&repo(SMOKE)), "--shard", "3/3", "--out", s(&out)]));
    assert!(err.contains("shard index 3 is out of range"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_folder_of_another_sweep_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("taken");
    copy_dir(reference(), &dir);
    let before = files(&dir);
    let file = sweep_file(tmp.path(), "[[axes]]\npath = \"services.web.desired_count\"\nvalues = [4]\n");
    let err = fails(ecsim_output(&["sweep", s(&file), "--out", s(&dir)]));
    assert!(err.contains("holds another sweep") && err.contains("choose another --out"), "{err}");
    assert_eq!(before, files(&dir), "nothing written");
}

#[test]
fn temporaries_a_kill_left_in_the_final_writes_are_removed_by_the_next_sweep() {
    // A kill during the final writes (after every run was written) leaves
    // `.runs.csv.<random>.tmp` in the folder and `.<chart>.<random>.tmp` in charts/: the next
    // sweep into the folder (a resume with nothing left to run) removes them, and its outputs
    // are those of an uninterrupted sweep.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--threads", "1", "--out", s(&dir)]));
    let stale = [dir.join(".runs.csv.a1b2c3.tmp"), dir.join("charts/.availability.png.x9y8z7.tmp")];
    for f in &stale {
        std::fs::write(f, "half of a file").unwrap();
    }
    ok(ecsim_output(&["sweep", s(&repo(SMOKE)), "--threads", "1", "--out", s(&dir)]));
    for f in &stale {
        assert!(!f.exists(), "{} was kept", f.display());
    }
    assert!(files(&dir) == files(reference()), "the tables and runs differ from an uninterrupted sweep's");
}
