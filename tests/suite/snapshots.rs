//! Snapshots of every lesson (each `scenarios/lessons/**.toml`, and `scenarios/quickstart.toml`):
//! what `ecsim run` prints, and the summary.json of each run (each variant's, and
//! comparison.csv when there are variants), so that a change to any figure a lesson teaches
//! shows as a diff in review instead of slipping through.
//!
//! The snapshots are insta's `.snap` files in `tests/suite/snapshots/`, one a lesson, named
//! after its path (`lessons__alb__overload.snap`). When a change is meant:
//!
//! ```text
//! INSTA_UPDATE=always cargo test --release --test suite snapshots::   # rewrite them, then
//! git diff tests/suite/snapshots/                                      # read what moved
//! ```
//!
//! (or `cargo insta review` where cargo-insta is installed). Without `INSTA_UPDATE`, a
//! difference fails the test and insta writes the new text beside the old as `.snap.new`; with
//! `CI=true` (CI) it writes nothing, and a lesson without a snapshot fails too, so every new
//! lesson must arrive with its snapshot. A snapshot whose lesson is gone fails the test as well.
//!
//! The version in summary.json (`ecsim_version`) is written as `[version]`, so releasing does
//! not rewrite every snapshot; the results folder, a temporary one, is written as `OUT`.

use crate::common::{bundled_scenarios, ecsim, repo};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The lessons, as paths from the repository root (`scenarios/lessons/alb/overload.toml`).
fn lessons() -> Vec<String> {
    let root = repo("");
    bundled_scenarios()
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"))
        .filter(|rel| rel.starts_with("scenarios/lessons/") || rel == "scenarios/quickstart.toml")
        .collect()
}

/// The snapshot's name: the lesson's path under scenarios/, `/` as `__`, without `.toml`.
fn snapshot_name(lesson: &str) -> String {
    lesson.trim_start_matches("scenarios/").trim_end_matches(".toml").replace('/', "__")
}

/// `ecsim run` of one lesson, from the repository root (so messages name the lesson by its
/// relative path), into a temporary folder: what it printed and the summaries it wrote.
fn run_lesson(lesson: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("results");
    let o = ecsim().current_dir(repo("")).args(["run", lesson, "--out"]).arg(&out_dir).output().unwrap();
    let out_text = out_dir.to_string_lossy().into_owned();
    let printed = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&out_text, "OUT");
    let mut text = format!("exit status: {:?}\n", o.status.code());
    text += &format!("---- stdout\n{}", printed(&o.stdout));
    text += &format!("---- stderr\n{}", printed(&o.stderr));
    for file in summaries(&out_dir) {
        let body = std::fs::read_to_string(out_dir.join(&file)).unwrap();
        text += &format!("---- {file}\n{}\n", without_version(&body).trim_end());
    }
    text
}

/// summary.json, or each variant's `<variant>/summary.json` and comparison.csv, in name order.
fn summaries(out_dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    if out_dir.join("summary.json").is_file() {
        files.push("summary.json".to_string());
    }
    let Ok(entries) = std::fs::read_dir(out_dir) else { return files };
    let mut variants: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.join("summary.json").is_file()).collect();
    variants.sort();
    for v in variants {
        files.push(format!("{}/summary.json", v.file_name().unwrap().to_string_lossy()));
    }
    if out_dir.join("comparison.csv").is_file() {
        files.push("comparison.csv".to_string());
    }
    files
}

/// summary.json with its `ecsim_version` value as `[version]`.
fn without_version(summary: &str) -> String {
    let version = format!("\"ecsim_version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    summary.replace(&version, "\"ecsim_version\": \"[version]\"")
}

#[test]
fn every_lesson_prints_and_summarises_what_its_snapshot_says() {
    let lessons = lessons();
    assert!(lessons.len() > 30 && lessons.contains(&"scenarios/quickstart.toml".to_string()), "{lessons:?}");

    // The runs are separate processes: run them a few at a time, then compare in order.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(lessons.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut texts: Vec<Option<String>> = vec![None; lessons.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(lesson) = lessons.get(i) else { return done };
                        done.push((i, run_lesson(lesson)));
                    }
                })
            })
            .collect();
        for w in workers {
            for (i, text) in w.join().unwrap() {
                texts[i] = Some(text);
            }
        }
    });

    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let mut failed = Vec::new();
    settings.bind(|| {
        for (lesson, text) in lessons.iter().zip(texts) {
            let name = snapshot_name(lesson);
            let text = text.unwrap();
            // Every lesson is compared even after one differs, so one run shows every diff.
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| insta::assert_snapshot!(name.as_str(), text)));
            if checked.is_err() {
                failed.push(lesson.clone());
            }
        }
    });
    assert!(failed.is_empty(), "{} lesson(s) differ from their snapshots (diffs above): {failed:?}", failed.len());

    // A snapshot without its lesson is a lesson removed or renamed without its snapshot.
    let names: BTreeSet<String> = lessons.iter().map(|l| snapshot_name(l)).collect();
    let dir = repo("tests/suite/snapshots");
    let orphans: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".snap").map(str::to_string))
        .filter(|n| !names.contains(n))
        .collect();
    assert!(orphans.is_empty(), "snapshots in {} without a lesson: {orphans:?}", dir.display());
}
