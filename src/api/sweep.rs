//! Many runs at once: parameter sweeps (a grid of variations × replications, resumable and
//! shardable), merging a sweep's shards, and capacity searches (the smallest value of an
//! integer knob that meets the scenario's `[slo]`). Plus the text the commands print.

use super::{
    Assembled, CapacityOptions, CapacityOutcome, CapacitySearch, Diagnostics, Executed, Finished, Manifest, PreparedSweep, Probe, Shard,
};
use crate::sweep::{self, aggregate::DEFAULT_HEADLINE, capacity, terminal};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Loads a sweep file, its base scenario and every cell of its grid, validating each cell's
/// scenario before anything runs; on failure, every error found.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// assert_eq!(sweep.file.name, "smoke");
/// assert_eq!(sweep.cells.len(), 2);
/// ```
pub fn load_sweep(path: &Path) -> Result<PreparedSweep, Diagnostics> {
    sweep::parse(path).and_then(sweep::prepare)
}

/// Where `ecsim sweep` writes without `--out`: `results/sweeps/<sweep name>`.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// assert_eq!(ecsim::api::default_sweep_dir(&sweep), std::path::Path::new("results/sweeps/smoke"));
/// ```
pub fn default_sweep_dir(sweep: &PreparedSweep) -> PathBuf {
    PathBuf::from("results/sweeps").join(&sweep.file.name)
}

/// The figures a sweep's progress lines and table show: the file's `figures`, or by default
/// availability, p99 latency, failed tasks and cost.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// assert!(!ecsim::api::headline_figures(&sweep).is_empty());
/// ```
pub fn headline_figures(sweep: &PreparedSweep) -> Vec<String> {
    sweep.file.figures.clone().unwrap_or_else(|| DEFAULT_HEADLINE.iter().map(|s| s.to_string()).collect())
}

/// Runs the sweep (or one `shard` of it) into `out` on `threads` threads (0: every core):
/// runs/ (one file per run, so an interrupted sweep resumes where it stopped), and for a whole
/// sweep runs.csv, cells.csv, cells.json and the charts. `before` learns the work (runs to do,
/// runs already done); `progress` is called after each run, from the worker threads. The
/// files do not depend on the thread count.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let done = ecsim::api::run_sweep(&sweep, dir.path(), 1, None, &mut |_todo, _skipped| {}, &|_finished| {}).unwrap();
/// assert_eq!(done.runs, 2 * 3);
/// assert!(dir.path().join("cells.csv").exists());
/// ```
pub fn run_sweep(
    sweep: &PreparedSweep,
    out: &Path,
    threads: usize,
    shard: Option<Shard>,
    before: &mut dyn FnMut(usize, usize),
    progress: &(dyn Fn(Finished) + Sync),
) -> Result<Executed> {
    sweep::execute(sweep, out, threads, shard, before, progress)
}

/// The shard of this process from a batch system's array index (Slurm, AWS Batch, Kubernetes
/// Indexed Jobs), when there is one; `get` reads an environment variable and `shards` is the
/// shard count when the batch system gives only an index.
///
/// ```
/// let vars = |k: &str| match k {
///     "AWS_BATCH_JOB_ARRAY_INDEX" => Some("2".to_string()),
///     "AWS_BATCH_JOB_ARRAY_SIZE" => Some("4".to_string()),
///     _ => None,
/// };
/// let shard = ecsim::api::shard_from_env(&vars, None).unwrap().unwrap();
/// assert_eq!(shard.to_string(), "2/4");
/// ```
pub fn shard_from_env(get: &dyn Fn(&str) -> Option<String>, shards: Option<u32>) -> Result<Option<Shard>> {
    sweep::shard_from_env(get, shards)
}

/// Merges the shard folders of one sweep into `out`, whose tables are byte-identical to the
/// unsharded sweep's; returns the sweep's manifest and tables.
///
/// ```
/// use ecsim::api::{load_sweep, merge_shards, run_sweep, Shard};
///
/// let sweep = load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let shards: Vec<_> = (0..2).map(|i| dir.path().join(format!("shard-{i}"))).collect();
/// for (i, shard) in shards.iter().enumerate() {
///     let part = Shard::new(i as u32, 2).unwrap();
///     run_sweep(&sweep, shard, 1, Some(part), &mut |_, _| {}, &|_| {}).unwrap();
/// }
/// let (manifest, tables) = merge_shards(&shards, &dir.path().join("all")).unwrap();
/// assert_eq!(manifest.runs(), 6);
/// assert_eq!(tables.table.len(), 2);
/// ```
pub fn merge_shards(dirs: &[PathBuf], out: &Path) -> Result<(Manifest, Assembled)> {
    sweep::merge::merge(dirs, out)
}

/// The cells of a sweep with their headline figures (mean ± half-width of the 95 % interval),
/// as `ecsim sweep` and `ecsim merge` print them.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let done = ecsim::api::run_sweep(&sweep, dir.path(), 1, None, &mut |_, _| {}, &|_| {}).unwrap();
/// let table = ecsim::api::sweep_table(done.assembled.as_ref().unwrap());
/// assert!(table.starts_with("cell"));
/// assert_eq!(table.lines().count(), 1 + sweep.cells.len());
/// ```
pub fn sweep_table(tables: &Assembled) -> String {
    terminal::sweep_table(tables)
}

/// Loads the scenario of a capacity search and checks everything before anything runs: an
/// `[slo]`, no variants, a knob that names an integer, and scenarios that load at the ends of
/// the range. `CapacitySearch::run` then carries the search out.
///
/// ```
/// use ecsim::api::{prepare_capacity, CapacityOptions};
///
/// let options = CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(4),
///     to: Some(6),
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let search = prepare_capacity(&options).unwrap();
/// let outcome = search.run(&mut |_probe| {}).unwrap();
/// assert!(outcome.answer.is_some());
/// ```
pub fn prepare_capacity(options: &CapacityOptions) -> Result<CapacitySearch> {
    capacity::prepare(options)
}

/// Where `ecsim capacity` writes without `--out`: `results/capacity/<scenario name>`.
///
/// ```
/// use ecsim::api::{default_capacity_dir, prepare_capacity, CapacityOptions};
///
/// let options = CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(1),
///     to: None,
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let search = prepare_capacity(&options).unwrap();
/// assert!(default_capacity_dir(&search).starts_with("results/capacity"));
/// ```
pub fn default_capacity_dir(search: &CapacitySearch) -> PathBuf {
    PathBuf::from("results/capacity").join(&search.base.name)
}

/// Writes capacity.csv (one row per probe) and capacity.json (the answer and every probe)
/// into `out` (created if needed), atomically.
///
/// ```
/// use ecsim::api::{prepare_capacity, write_capacity, CapacityOptions};
///
/// let options = CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(5),
///     to: Some(6),
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let outcome = prepare_capacity(&options).unwrap().run(&mut |_| {}).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// write_capacity(&outcome, dir.path()).unwrap();
/// assert!(dir.path().join("capacity.json").exists());
/// ```
pub fn write_capacity(outcome: &CapacityOutcome, out: &Path) -> Result<()> {
    capacity::write(outcome, out)
}

/// What a capacity search is about to do (the knob, the objective, the seeds, the plan), as
/// `ecsim capacity` prints it before the first probe.
///
/// ```
/// use ecsim::api::{capacity_plan, prepare_capacity, CapacityOptions};
///
/// let options = CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(1),
///     to: None,
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let plan = capacity_plan(&prepare_capacity(&options).unwrap());
/// assert!(plan.starts_with("capacity search: services.web.desired_count"));
/// ```
pub fn capacity_plan(search: &CapacitySearch) -> String {
    terminal::capacity_plan(search)
}

/// One probe of a capacity search as `ecsim capacity` prints it when the probe ends.
///
/// ```
/// use ecsim::api::{prepare_capacity, probe_line, CapacityOptions};
///
/// let options = CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(5),
///     to: Some(6),
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let search = prepare_capacity(&options).unwrap();
/// let mut lines = Vec::new();
/// search.run(&mut |p| lines.push(probe_line(&search, p))).unwrap();
/// assert!(lines[0].starts_with("probe 1: desired_count = 6"));
/// ```
pub fn probe_line(search: &CapacitySearch, probe: &Probe) -> String {
    terminal::probe_line(search, probe)
}

/// A capacity search's answer and its evidence (the answer and one step below), or why there
/// is none, as `ecsim capacity` prints it.
///
/// ```
/// use ecsim::api::{capacity_answer, prepare_capacity, CapacityOptions};
///
/// let options = CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(5),
///     to: Some(6),
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let outcome = prepare_capacity(&options).unwrap().run(&mut |_| {}).unwrap();
/// assert!(capacity_answer(&outcome).starts_with("answer: services.web.desired_count = "));
/// ```
pub fn capacity_answer(outcome: &CapacityOutcome) -> String {
    terminal::capacity_answer(outcome)
}
