//! Runs and their results: one run, a scenario's variants side by side, the files a run
//! writes, and `ecsim run`'s staged results directory (filled under a hidden name and renamed
//! into place, so a failed or interrupted run never leaves a partial directory).

use super::{Scenario, SimTime, Summary};
use crate::ecs::Cluster;
use crate::model::Variant;
use crate::report::atomic::{recover_dir, replace_dir, DeferredSyncs};
pub use crate::report::output::Outputs;
use crate::report::output::{self, slug};
use crate::sim::recorder::MinuteRow;
use crate::sim::{self, RunOptions, RunOutcome};
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// One finished run: its summary (summary.json's figures) and everything it recorded.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let run = ecsim::api::run(&scenario, 1);
/// assert_eq!(run.summary.seed, 1);
/// assert!(run.outcome.events_handled > 0);
/// ```
pub struct Run {
    /// The headline figures, as written to summary.json.
    pub summary: Summary,
    /// What the run recorded, from which every other result file is written.
    pub outcome: RunOutcome,
}

/// Runs `scenario` with master seed `seed` (the scenario's own is `scenario.seed`), ignoring
/// its variants. The same scenario and seed give the same run, byte for byte.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let a = ecsim::api::run(&scenario, 7);
/// let b = ecsim::api::run(&scenario, 7);
/// assert_eq!(a.summary.tasks.placed, b.summary.tasks.placed);
/// ```
pub fn run(scenario: &Scenario, seed: u64) -> Run {
    run_with_progress(scenario, seed, &mut |_| {})
}

/// [`run`], calling `progress` with the simulated time at the end of every simulated minute.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let mut minutes = 0;
/// ecsim::api::run_with_progress(&scenario, 1, &mut |_now| minutes += 1);
/// assert_eq!(minutes, ecsim::api::simulated_minutes(&scenario));
/// ```
pub fn run_with_progress(scenario: &Scenario, seed: u64, progress: &mut dyn FnMut(SimTime)) -> Run {
    run_variant(scenario, scenario.cluster.clone(), None, seed, progress)
}

/// [`run`] for a caller that no longer needs `scenario`: the run takes the scenario's cluster
/// instead of copying it (at 500,000 instances the copy is about 300 MB and a second).
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let borrowed = ecsim::api::run(&scenario, 7);
/// let owned = ecsim::api::run_owned(scenario, 7);
/// assert_eq!(owned.summary.tasks.placed, borrowed.summary.tasks.placed);
/// ```
pub fn run_owned(mut scenario: Scenario, seed: u64) -> Run {
    let cluster = std::mem::take(&mut scenario.cluster);
    run_variant(&scenario, cluster, None, seed, &mut |_| {})
}

/// One run of `scenario` starting from `cluster` (the scenario's, moved or copied by the
/// caller; `scenario.cluster` is not read).
fn run_variant(scenario: &Scenario, cluster: Cluster, variant: Option<&str>, seed: u64, progress: &mut dyn FnMut(SimTime)) -> Run {
    run_for(scenario, cluster, variant, seed, progress, Outputs::All)
}

/// [`run_variant`] for a run whose files will be `outputs`: with summary.json alone, no event
/// log is kept (no file shows it).
fn run_for(
    scenario: &Scenario,
    cluster: Cluster,
    variant: Option<&str>,
    seed: u64,
    progress: &mut dyn FnMut(SimTime),
    outputs: Outputs,
) -> Run {
    let options = RunOptions { without_event_log: outputs == Outputs::Summary, ..RunOptions::default() };
    let outcome = sim::run_from(scenario, cluster, seed, options, progress);
    let summary = Summary::new(scenario, variant, seed, &outcome);
    Run { summary, outcome }
}

/// One run of `variant` of `scenario`: the variant's scenario is a copy already, so the run
/// takes its cluster.
fn run_one_variant(scenario: &Scenario, variant: &Variant, seed: u64, outputs: Outputs) -> Run {
    let mut s = scenario.with_variant(variant);
    let cluster = std::mem::take(&mut s.cluster);
    run_for(&s, cluster, Some(&variant.name), seed, &mut |_| {}, outputs)
}

/// Runs every variant of `scenario` with the same seed (common random numbers: identical
/// arrivals and run times), in parallel; the runs come back in the scenario's order, so the
/// result does not depend on the thread count. Empty for a scenario without variants.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/lessons/console-templates.toml")).unwrap();
/// let runs = ecsim::api::run_variants(&scenario, scenario.seed);
/// assert_eq!(runs.len(), scenario.variants.len());
/// assert_eq!(runs[0].summary.variant.as_deref(), Some(scenario.variants[0].name.as_str()));
/// ```
pub fn run_variants(scenario: &Scenario, seed: u64) -> Vec<Run> {
    scenario.variants.par_iter().map(|v| run_one_variant(scenario, v, seed, Outputs::All)).collect()
}

/// Writes every result file of `run` into `dir` (created if missing): summary.json,
/// timeseries.csv, events.csv, the charts, and the tables of what the run modelled
/// (services.csv, alb.csv, scaling.csv, faults.csv, …). Each file is written atomically.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let run = ecsim::api::run(&scenario, 1);
/// let dir = tempfile::tempdir().unwrap();
/// ecsim::api::write_results(dir.path(), &run).unwrap();
/// let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
/// assert!(csv.starts_with("minute,"));
/// ```
pub fn write_results(dir: &Path, run: &Run) -> Result<()> {
    output::write_run(dir, &run.summary, &run.outcome)
}

/// [`write_results`], writing only the files of `outputs` (`ecsim run --outputs`).
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let run = ecsim::api::run(&scenario, 1);
/// let dir = tempfile::tempdir().unwrap();
/// ecsim::api::write_results_with(dir.path(), &run, ecsim::api::Outputs::Data).unwrap();
/// assert!(dir.path().join("events.csv").exists());
/// assert!(!dir.path().join("report.html").exists());
/// ```
pub fn write_results_with(dir: &Path, run: &Run, outputs: Outputs) -> Result<()> {
    output::write_run_with(dir, &run.summary, &run.outcome, outputs)
}

/// Writes comparison.csv (one row of headline figures per run) and comparison.png/.svg (the
/// runs' cluster CPU reservation, zone balance and tasks refused) into `dir`; `runs` are a scenario's variants.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/lessons/console-templates.toml")).unwrap();
/// let runs = ecsim::api::run_variants(&scenario, scenario.seed);
/// let dir = tempfile::tempdir().unwrap();
/// ecsim::api::write_comparison(dir.path(), &runs).unwrap();
/// let csv = std::fs::read_to_string(dir.path().join("comparison.csv")).unwrap();
/// assert_eq!(csv.lines().count(), 1 + runs.len());
/// ```
pub fn write_comparison(dir: &Path, runs: &[Run]) -> Result<()> {
    let summaries: Vec<Summary> = runs.iter().map(|r| r.summary.clone()).collect();
    let series: Vec<(String, Vec<MinuteRow>)> =
        runs.iter().map(|r| (r.summary.variant.clone().unwrap_or_default(), cluster_minutes(&r.outcome))).collect();
    write_comparison_files(dir, &summaries, &series, Outputs::All)
}

fn write_comparison_files(dir: &Path, summaries: &[Summary], series: &[(String, Vec<MinuteRow>)], outputs: Outputs) -> Result<()> {
    if outputs == Outputs::Summary {
        return Ok(());
    }
    output::write_comparison_csv(dir, summaries)?;
    if outputs == Outputs::Data {
        return Ok(());
    }
    output::write_comparison_chart(dir, series)?;
    // Last: the page of the variants, linking each variant's own report.html.
    crate::report::html::write_report(dir)?;
    Ok(())
}

/// The rows of timeseries.csv, every zone's and the cluster's (the comparison chart's data).
fn cluster_minutes(outcome: &RunOutcome) -> Vec<MinuteRow> {
    outcome.recorder.minutes.iter().collect()
}

/// Where `ecsim run` writes a scenario's results without `--out`: `results/<scenario name>`.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// assert_eq!(ecsim::api::default_results_dir(&scenario), std::path::Path::new("results/quickstart"));
/// ```
pub fn default_results_dir(scenario: &Scenario) -> PathBuf {
    PathBuf::from("results").join(&scenario.name)
}

/// How many simulated minutes a run of `scenario` lasts (at least 1): the length of a
/// progress bar fed by [`run_with_progress`].
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// assert_eq!(ecsim::api::simulated_minutes(&scenario), 6 * 60);
/// ```
pub fn simulated_minutes(scenario: &Scenario) -> u64 {
    scenario.duration.whole_secs().div_ceil(60).max(1)
}

/// What `ecsim run` does: runs `scenario` (or each of its variants, in parallel, with
/// comparison.csv and its chart beside them) and writes the results directory `out`, whole or
/// not at all. The files are assembled in a staging directory (`.<name>.partial`) and the
/// staging directory replaces `out` in one step, so `out` holds the old results or the new
/// ones whatever the moment of a kill. `progress` follows a run without variants (variants run
/// in parallel and report nothing). Returns the summaries, one per run, in the scenario's order.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("quickstart");
/// let summaries = ecsim::api::run_to_dir(&scenario, 1, &out, &mut |_| {}).unwrap();
/// assert_eq!(summaries.len(), 1);
/// assert!(out.join("events.csv").exists());
/// assert!(!dir.path().join(".quickstart.partial").exists());
/// ```
pub fn run_to_dir(scenario: &Scenario, seed: u64, out: &Path, progress: &mut dyn FnMut(SimTime)) -> Result<Vec<Summary>> {
    run_to_dir_with(scenario, seed, out, Outputs::All, progress)
}

/// [`run_to_dir`], writing only the files of `outputs` (`ecsim run --outputs`).
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("quickstart");
/// ecsim::api::run_to_dir_with(&scenario, 1, &out, ecsim::api::Outputs::Summary, &mut |_| {}).unwrap();
/// let files: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
/// assert_eq!(files, ["summary.json"]);
/// ```
pub fn run_to_dir_with(
    scenario: &Scenario,
    seed: u64,
    out: &Path,
    outputs: Outputs,
    progress: &mut dyn FnMut(SimTime),
) -> Result<Vec<Summary>> {
    // Only a run without variants starts from the scenario's own cluster (variants copy theirs).
    let cluster = if scenario.variants.is_empty() { scenario.cluster.clone() } else { Cluster::default() };
    to_dir(scenario, cluster, seed, out, outputs, progress, drop)
}

/// [`run_to_dir_with`] for a caller that no longer needs `scenario`: the run takes the
/// scenario's cluster instead of copying it.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("quickstart");
/// let summaries = ecsim::api::run_to_dir_owned(scenario, 1, &out, ecsim::api::Outputs::Summary, &mut |_| {}).unwrap();
/// assert_eq!(summaries[0].seed, 1);
/// assert!(out.join("summary.json").exists());
/// ```
pub fn run_to_dir_owned(
    mut scenario: Scenario,
    seed: u64,
    out: &Path,
    outputs: Outputs,
    progress: &mut dyn FnMut(SimTime),
) -> Result<Vec<Summary>> {
    let cluster = if scenario.variants.is_empty() { std::mem::take(&mut scenario.cluster) } else { Cluster::default() };
    to_dir(&scenario, cluster, seed, out, outputs, progress, drop)
}

/// [`run_to_dir_owned`] for a process that exits right after (`ecsim run`): the run's memory —
/// the scenario, the cluster, its indexes, the event log's buffers, freed piece by piece in
/// 1–2 % of a W2 run — is left to the system. The run's temporary files are unnamed and go with
/// the process; the result files are all written and renamed before. Not for a caller that
/// goes on.
pub fn run_to_dir_before_exit(
    mut scenario: Scenario,
    seed: u64,
    out: &Path,
    outputs: Outputs,
    progress: &mut dyn FnMut(SimTime),
) -> Result<Vec<Summary>> {
    let cluster = if scenario.variants.is_empty() { std::mem::take(&mut scenario.cluster) } else { Cluster::default() };
    let summaries = to_dir(&scenario, cluster, seed, out, outputs, progress, std::mem::forget);
    std::mem::forget(scenario);
    summaries
}

/// What [`run_to_dir_with`], [`run_to_dir_owned`] and [`run_to_dir_before_exit`] share:
/// `cluster` is the run's starting cluster for a scenario without variants (unused with
/// variants); the finished run's outcome goes to `release` once its files are written.
fn to_dir(
    scenario: &Scenario,
    cluster: Cluster,
    seed: u64,
    out: &Path,
    outputs: Outputs,
    progress: &mut dyn FnMut(SimTime),
    release: fn(RunOutcome),
) -> Result<Vec<Summary>> {
    let staging = staging_dir(out);
    recover_dir(out).with_context(|| format!("cannot recover {}", out.display()))?;
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    // The files' syncs wait for `replace_dir`: the writers go on while the disk catches up.
    let _syncs = DeferredSyncs::begin(&staging);
    let summaries = if scenario.variants.is_empty() {
        let run = run_for(scenario, cluster, None, seed, progress, outputs);
        write_results_with(&staging, &run, outputs)?;
        release(run.outcome);
        vec![run.summary]
    } else {
        variants_to_dir(scenario, seed, &staging, outputs)?
    };
    // Old or new results at `out` whatever the moment of a kill (docs/outputs.md).
    replace_dir(&staging, out).with_context(|| format!("cannot move results to {}", out.display()))?;
    Ok(summaries)
}

/// Where [`run_to_dir`] writes the results of the variant named `variant` inside `out`.
///
/// ```
/// let dir = ecsim::api::variant_results_dir(std::path::Path::new("results/x"), "AZ Balanced Spread");
/// assert_eq!(dir, std::path::Path::new("results/x/az-balanced-spread"));
/// ```
pub fn variant_results_dir(out: &Path, variant: &str) -> PathBuf {
    out.join(slug(variant))
}

fn staging_dir(out: &Path) -> PathBuf {
    let name = out.file_name().map_or("results".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.partial"))
}

/// Runs the variants in parallel, each written into its own folder as soon as it ends (so
/// that no more than one run per thread is held in memory), then comparison.csv and its chart.
fn variants_to_dir(scenario: &Scenario, seed: u64, dir: &Path, outputs: Outputs) -> Result<Vec<Summary>> {
    let results: Vec<Result<(Summary, Vec<MinuteRow>)>> = scenario
        .variants
        .par_iter()
        .map(|v| {
            let run = run_one_variant(scenario, v, seed, outputs);
            write_results_with(&dir.join(slug(&v.name)), &run, outputs)?;
            let minutes = cluster_minutes(&run.outcome);
            Ok((run.summary, minutes))
        })
        .collect();
    let mut summaries = Vec::new();
    let mut series = Vec::new();
    for (r, v) in results.into_iter().zip(&scenario.variants) {
        let (s, m) = r?;
        summaries.push(s);
        series.push((v.name.clone(), m));
    }
    write_comparison_files(dir, &summaries, &series, outputs)?;
    Ok(summaries)
}

/// What `ecsim run` prints when it is done: per run the services, traffic, SLO verdict,
/// faults, cost and reservation; for variants, a side-by-side table; then where the results
/// are (`out`).
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let run = ecsim::api::run(&scenario, 1);
/// let text = ecsim::api::report_text(&[run.summary], std::path::Path::new("results/quickstart"));
/// assert!(text.ends_with("results written to results/quickstart/\n"));
/// ```
pub fn report_text(summaries: &[Summary], out: &Path) -> String {
    crate::report::terminal::render(summaries, out)
}
