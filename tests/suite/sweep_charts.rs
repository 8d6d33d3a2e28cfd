//! The charts of `ecsim sweep` and `ecsim merge` (`OUT/charts/`): which are drawn for which
//! axes, and that their bytes do not depend on the thread count or on sharding. The sweep:
//! base-web.toml × two placement templates (a categorical axis) × desired_count 4 and 6 (a
//! numeric axis) × 2 replications, 8 runs of a few tenths of a second.

use crate::common::{ecsim_output, repo};
use std::path::{Path, PathBuf};
use std::process::Output;

/// Runs the binary with `args`; it must succeed.
fn ecsim_ok(args: &[&str]) -> Output {
    let out = ecsim_output(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The sweep file, in `dir`, on the bundled base scenario.
fn sweep_file(dir: &Path) -> PathBuf {
    let path = dir.join("two-axes.toml");
    let text = format!(
        "[sweep]\nname = \"two-axes\"\nbase = {:?}\nreplications = 2\nseed = 5\n\
         [[axes]]\npath = \"services.web.template\"\nvalues = [\"AZ Balanced Spread\", \"BinPack\"]\n\
         [[axes]]\npath = \"services.web.desired_count\"\nvalues = [4, 6]\n",
        s(&repo("scenarios/sweeps/base-web.toml"))
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Every file of `dir/charts`, name → bytes, sorted by name.
fn charts(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn charts_are_drawn_for_the_axes_and_do_not_depend_on_threads_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = sweep_file(tmp.path());
    let (one, two) = (tmp.path().join("t1"), tmp.path().join("t2"));
    ecsim_ok(&["sweep", s(&sweep), "--threads", "1", "--out", s(&one), "--quiet"]);
    ecsim_ok(&["sweep", s(&sweep), "--threads", "2", "--out", s(&two), "--quiet"]);
    let reference = charts(&one);
    let names: Vec<&str> = reference.iter().map(|(n, _)| n.as_str()).collect();
    // Headline figures by default: availability, p99 latency, failed tasks, cost; each against
    // the numeric axis, one line per template; the heatmap of the first; the templates' bars.
    let mut expected = vec!["compare-template", "heatmap-traffic.availability_pct"];
    for f in ["traffic.availability_pct", "traffic.latency_ms_p99", "tasks.failed", "cost.total_usd"] {
        expected.push(Box::leak(format!("{f}-vs-desired_count").into_boxed_str()));
    }
    for e in &expected {
        for ext in ["png", "svg"] {
            let name = format!("{e}.{ext}");
            assert!(names.contains(&name.as_str()), "missing {name}: {names:?}");
        }
    }
    assert_eq!(names.len(), 2 * expected.len(), "{names:?}");
    for (name, bytes) in &reference {
        if name.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name}");
        }
    }
    // Same bytes, PNG and SVG, on one and on two threads.
    assert_eq!(reference, charts(&two), "charts differ between --threads 1 and 2");

    // Readable: titles, axis descriptions with units, legend entries, the interval's note.
    let svg = |n: &str| String::from_utf8(reference.iter().find(|(m, _)| m == n).unwrap().1.clone()).unwrap();
    let line = svg("traffic.availability_pct-vs-desired_count.svg");
    for text in ["Availability (%) vs desired_count", "services.web.desired_count", "AZ Balanced Spread", "BinPack", "95 % CI"] {
        assert!(line.contains(text), "line chart lacks {text:?}");
    }
    let heat = svg("heatmap-traffic.availability_pct.svg");
    assert!(heat.contains("Availability (%) by template and desired_count"), "heatmap title");
    let compare = svg("compare-template.svg");
    for text in ["Comparison of template", "p99 latency (ms)", "Cost (USD)", "desired_count"] {
        assert!(compare.contains(text), "comparison lacks {text:?}");
    }

    // Two shards merged draw the same charts as the whole sweep.
    let (s0, s1, merged) = (tmp.path().join("s0"), tmp.path().join("s1"), tmp.path().join("merged"));
    ecsim_ok(&["sweep", s(&sweep), "--shard", "0/2", "--threads", "1", "--out", s(&s0), "--quiet"]);
    ecsim_ok(&["sweep", s(&sweep), "--shard", "1/2", "--threads", "1", "--out", s(&s1), "--quiet"]);
    assert!(!s0.join("charts").exists(), "a shard draws no charts");
    ecsim_ok(&["merge", s(&s0), s(&s1), "--out", s(&merged), "--quiet"]);
    assert_eq!(reference, charts(&merged), "merged charts differ from the unsharded sweep's");
}

#[test]
fn a_single_categorical_axis_draws_only_the_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("smoke");
    ecsim_ok(&["sweep", s(&repo("scenarios/sweeps/smoke.toml")), "--out", s(&out), "--quiet"]);
    let names: Vec<String> = charts(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["compare-template.png", "compare-template.svg"]);
}
