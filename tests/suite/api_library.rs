//! The library API (`ecsim::api`): what a program gets through it is what the command line
//! writes, byte for byte, and the command line reaches the crate through nothing else.

use crate::common::ecsim_output;
use ecsim::api;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir` (relative path → bytes).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn assert_same_tree(a: &Path, b: &Path) {
    let (a, b) = (tree(a), tree(b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "the same files");
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{} differs", name.display());
    }
}

#[test]
fn the_cli_reaches_the_crate_only_through_the_api() {
    for entry in std::fs::read_dir("src/cli").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let allowed = rest.starts_with("api") || (line[..at].ends_with('$') && rest.starts_with("cli::out::"));
                assert!(allowed, "{}:{}: {line}", path.display(), n + 1);
            }
        }
    }
}

#[test]
fn a_run_through_the_api_writes_what_ecsim_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = api::load(Path::new("scenarios/quickstart.toml")).unwrap();
    let summaries = api::run_to_dir(&scenario, scenario.seed, &dir.path().join("lib"), &mut |_| {}).unwrap();
    assert_eq!(summaries.len(), 1);
    let cli = dir.path().join("cli");
    let out = ecsim_output(&["run", "scenarios/quickstart.toml", "--quiet", "--out", cli.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_same_tree(&dir.path().join("lib"), &cli);
}

#[test]
fn variants_read_in_memory_write_the_same_files_as_variants_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = api::load(Path::new("scenarios/lessons/console-templates.toml")).unwrap();
    assert!(scenario.variants.len() > 1);
    let runs = api::run_variants(&scenario, scenario.seed);
    let memory = dir.path().join("memory");
    for run in &runs {
        let name = ecsim::report::output::slug(run.summary.variant.as_deref().unwrap());
        api::write_results(&memory.join(name), run).unwrap();
    }
    api::write_comparison(&memory, &runs).unwrap();
    let streamed = dir.path().join("streamed");
    let summaries = api::run_to_dir(&scenario, scenario.seed, &streamed, &mut |_| {}).unwrap();
    let names: Vec<_> = summaries.iter().map(|s| s.variant.clone()).collect();
    assert_eq!(names, runs.iter().map(|r| r.summary.variant.clone()).collect::<Vec<_>>(), "the scenario's order");
    assert_same_tree(&memory, &streamed);
}

#[test]
fn each_writer_writes_its_own_file_and_only_when_the_run_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = api::load(Path::new("scenarios/quickstart.toml")).unwrap();
    let run = api::run(&scenario, 3);
    // The quick start has no load balancer, no service and no fault: their writers write nothing.
    ecsim::report::output::write_alb_csv(dir.path(), &run.outcome).unwrap();
    ecsim::report::output::write_services_csv(dir.path(), &run.outcome).unwrap();
    ecsim::report::output::write_faults_csv(dir.path(), &run.outcome).unwrap();
    assert!(tree(dir.path()).is_empty());
    ecsim::report::output::write_summary_json(dir.path(), &run.summary).unwrap();
    let files: Vec<PathBuf> = tree(dir.path()).into_keys().collect();
    assert_eq!(files, vec![PathBuf::from("summary.json")]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["seed"], 3);
}

#[test]
fn a_placement_through_the_api_answers_what_ecsim_place_prints() {
    let lesson = "scenarios/lessons/placement/default-spread-empty-zone";
    let mut request = api::PlaceRequest::new(format!("{lesson}/instances.json"), format!("{lesson}/taskdef.json"));
    request.service = Some(format!("{lesson}/service.json").into());
    request.count = 3;
    let placement = api::place(&request).unwrap();
    let out = ecsim_output(&[
        "place",
        "--instances",
        &format!("{lesson}/instances.json"),
        "--task-definition",
        &format!("{lesson}/taskdef.json"),
        "--service",
        &format!("{lesson}/service.json"),
        "--count",
        "3",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), placement.response_json() + "\n");
}

#[test]
fn a_scenario_with_errors_comes_back_with_every_error_located() {
    let errors = api::load_str(Path::new("bad.toml"), "[scenario]\nname = \"x\"\nduration = \"forever\"\n").unwrap_err();
    assert!(errors.has_errors());
    assert!(errors.to_string().contains("bad.toml:3:"), "{errors}");
    assert_eq!(
        api::check_text(Path::new("bad.toml"), "[scenario]\nname = \"x\"\nduration = \"forever\"\n").errors().count(),
        errors.errors().count()
    );
}
