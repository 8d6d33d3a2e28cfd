//! The library's front door: load and check a scenario, run it (and its variants), write its
//! results, run a sweep or a capacity search, and ask where ECS would place a task. The
//! command line (`src/cli/`) is a client of this module and of nothing else in the crate;
//! everything it does, a program can do through the same calls.
//!
//! ```
//! use std::path::Path;
//!
//! let scenario = ecsim::api::load(Path::new("scenarios/quickstart.toml")).expect("a valid scenario");
//! let run = ecsim::api::run(&scenario, scenario.seed);
//! assert_eq!(run.summary.tasks.submitted, run.summary.tasks.placed + run.summary.tasks.failed + run.summary.tasks.waiting_at_end);
//! let dir = tempfile::tempdir().unwrap();
//! ecsim::api::write_results(dir.path(), &run).unwrap();
//! assert!(dir.path().join("summary.json").exists());
//! ```
//!
//! What is here, by room: `check` (validating files without running), `run` (runs, variants,
//! the results directory), `place` (one-shot placement), `report` (report.html), `sweep` (sweeps, shards, capacity
//! searches), `import` (infrastructure code as a scenario), `init` (a scenario to start from),
//! `types` (the instance types ecsim knows). The types it hands back are the crate's own (`Scenario`, `Summary`,
//! `RunOutcome`, …), re-exported here so that a caller needs no other path.
#![deny(missing_docs)]

mod check;
mod import;
mod init;
mod place;
mod report;
mod run;
mod sweep;
mod types;

/// An imported stack: its scenario, the files it names and the warnings about what was assumed.
#[doc(inline)]
pub use crate::import::Imported;
/// What an import needs besides the files (`--parameter`, `-var`, the scenario's name).
#[doc(inline)]
pub use crate::import::Options as ImportOptions;
pub use check::{check_file, check_text};
pub use import::{import, is_stack, load_with};
pub use init::{init_scenario, InitOptions, Launch};
pub use place::{place, PlaceRequest, Placement};
pub use report::write_report;
pub use run::{
    default_results_dir, report_text, run, run_owned, run_to_dir, run_to_dir_before_exit, run_to_dir_owned, run_to_dir_with, run_variants,
    run_with_progress, simulated_minutes, variant_results_dir, write_comparison, write_results, write_results_with, Outputs, Run,
};
pub use sweep::{
    capacity_answer, capacity_plan, default_capacity_dir, default_sweep_dir, headline_figures, load_sweep, merge_shards, prepare_capacity,
    probe_line, run_sweep, shard_from_env, sweep_table, write_capacity,
};
pub use types::{instance_types, types_text, TypeQuery, TypesFormat};

/// A CPU architecture (`x86_64` or `arm64`).
///
/// ```
/// assert_eq!(ecsim::api::Architecture::Arm64.attribute_value(), "arm64");
/// ```
#[doc(inline)]
pub use crate::ecs::instance_types::Architecture;
/// One EC2 instance type of ecsim's table: vCPUs, memory, ENIs, trunking, GPUs, price.
///
/// ```
/// let m5 = ecsim::api::instance_types(&Default::default()).unwrap().into_iter().find(|t| t.name == "m5.large").unwrap();
/// assert_eq!((m5.vcpus, m5.memory_mib_nominal, m5.awsvpc_task_limit(true)), (2, 8192, 10));
/// ```
#[doc(inline)]
pub use crate::ecs::instance_types::InstanceType;
/// How placement breaks its last tie (`First`: the first candidate; `Random`: a random one).
///
/// ```
/// let mut request = ecsim::api::PlaceRequest::new("instances.json", "taskdef.json");
/// request.tie_break = ecsim::api::TieBreak::First;
/// assert_ne!(request.tie_break, ecsim::api::TieBreak::Random);
/// ```
#[doc(inline)]
pub use crate::ecs::placement::TieBreak;
/// Simulated time in integer microseconds (what a progress callback receives).
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let mut last = ecsim::api::SimTime(0);
/// ecsim::api::run_with_progress(&scenario, 1, &mut |now| last = now);
/// assert_eq!(last.whole_secs(), 6 * 3600);
/// ```
#[doc(inline)]
pub use crate::engine::SimTime;
/// Errors and warnings, each located at a file:line:column, rendered as the CLI prints them.
///
/// ```
/// let found = ecsim::api::check_text(std::path::Path::new("x.yaml"), "a: 1\n");
/// let first: &ecsim::api::Diagnostic = found.errors().next().unwrap();
/// assert_eq!(first.file, std::path::Path::new("x.yaml"));
/// ```
#[doc(inline)]
pub use crate::model::diagnostic::{Diagnostic, Diagnostics};
/// A scenario's file (TOML, or the ECS and ELBv2 JSON it names) turned into validated data.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// assert_eq!(scenario.seed, 1);
/// assert!(scenario.variants.is_empty());
/// ```
#[doc(inline)]
pub use crate::model::Scenario;
/// The headline figures of one run, as written to summary.json.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let summary = ecsim::api::run(&scenario, 1).summary;
/// assert_eq!(summary.scenario, "quickstart");
/// assert!(summary.reservation_cluster.cpu_pct.mean > 0.0);
/// ```
#[doc(inline)]
pub use crate::report::summary::Summary;
/// Everything one run recorded: events, minutes, tasks, traffic, alarms, scaling, faults.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// let outcome = ecsim::api::run(&scenario, 1).outcome;
/// assert!(outcome.recorder.minutes.iter().any(|m| m.zone == "cluster"));
/// assert!(outcome.traffic.is_none(), "the quick start has no load balancer");
/// ```
#[doc(inline)]
pub use crate::sim::RunOutcome;
/// A sweep's tables (runs.csv, cells.csv, cells.json) and its headline statistics.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let done = ecsim::api::run_sweep(&sweep, dir.path(), 1, None, &mut |_, _| {}, &|_| {}).unwrap();
/// let tables: ecsim::api::Assembled = done.assembled.unwrap();
/// assert!(String::from_utf8(tables.cells_csv).unwrap().starts_with("cell"));
/// ```
#[doc(inline)]
pub use crate::sweep::aggregate::Assembled;
/// What a capacity search varies and how (the scenario, the knob, the range, replications).
///
/// ```
/// let options = ecsim::api::CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("scenario.name".into()),
///     from: Some(1),
///     to: None,
///     replications: 5,
///     threads: 0,
///     seed: None,
/// };
/// // A capacity search varies a whole number; everything is checked before anything runs.
/// let error = ecsim::api::prepare_capacity(&options).err().unwrap();
/// assert!(error.to_string().contains("is not an integer"));
/// ```
#[doc(inline)]
pub use crate::sweep::capacity::Options as CapacityOptions;
/// A capacity search's answer (if any) and every probe it ran.
///
/// ```
/// let options = ecsim::api::CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(5),
///     to: Some(6),
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let outcome: ecsim::api::CapacityOutcome = ecsim::api::prepare_capacity(&options).unwrap().run(&mut |_| {}).unwrap();
/// assert_eq!(outcome.knob, "services.web.desired_count");
/// assert!(!outcome.probes.is_empty());
/// ```
#[doc(inline)]
pub use crate::sweep::capacity::Outcome as CapacityOutcome;
/// One value of the knob, run R times: how many met the objective, and the figures.
///
/// ```
/// let options = ecsim::api::CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(5),
///     to: Some(6),
///     replications: 1,
///     threads: 1,
///     seed: None,
/// };
/// let outcome = ecsim::api::prepare_capacity(&options).unwrap().run(&mut |_| {}).unwrap();
/// let probe: &ecsim::api::Probe = outcome.probe(6).unwrap();
/// assert_eq!(probe.replications, 1);
/// ```
#[doc(inline)]
pub use crate::sweep::capacity::Probe;
/// A capacity search ready to probe; `Search::run` carries it out.
///
/// ```
/// let options = ecsim::api::CapacityOptions {
///     scenario: "scenarios/capacity/web-zone-outage.toml".into(),
///     vary: Some("services.web.desired_count".into()),
///     from: Some(1),
///     to: None,
///     replications: 2,
///     threads: 1,
///     seed: None,
/// };
/// let search: ecsim::api::CapacitySearch = ecsim::api::prepare_capacity(&options).unwrap();
/// assert_eq!(search.base_value, 6);
/// assert_eq!(search.seeds().len(), 2);
/// ```
#[doc(inline)]
pub use crate::sweep::capacity::Search as CapacitySearch;
/// What a sweep run did (runs, skipped) and, for a whole sweep, its tables.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let first: ecsim::api::Executed = ecsim::api::run_sweep(&sweep, dir.path(), 1, None, &mut |_, _| {}, &|_| {}).unwrap();
/// let again = ecsim::api::run_sweep(&sweep, dir.path(), 1, None, &mut |_, _| {}, &|_| {}).unwrap();
/// assert_eq!((first.skipped, again.skipped), (0, first.runs), "a second run resumes: nothing left to do");
/// ```
#[doc(inline)]
pub use crate::sweep::run::Executed;
/// A run of a sweep that has just finished (for progress reports).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// let seen = AtomicUsize::new(0);
/// let progress = |f: ecsim::api::Finished| {
///     seen.fetch_add(1, Ordering::Relaxed);
///     assert!(f.done <= f.total);
/// };
/// ecsim::api::run_sweep(&sweep, dir.path(), 1, None, &mut |_, _| {}, &progress).unwrap();
/// assert_eq!(seen.load(Ordering::Relaxed), 6);
/// ```
#[doc(inline)]
pub use crate::sweep::run::Finished;
/// A sweep's identity and grid, as written to sweep.json.
///
/// ```
/// let sweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// let manifest = ecsim::api::Manifest::of(&sweep);
/// assert_eq!(manifest.runs(), sweep.cells.len() * sweep.file.replications as usize);
/// ```
#[doc(inline)]
pub use crate::sweep::Manifest;
/// A sweep file with its base scenario and its grid of cells, ready to run.
///
/// ```
/// let sweep: ecsim::api::PreparedSweep = ecsim::api::load_sweep(std::path::Path::new("scenarios/sweeps/smoke.toml")).unwrap();
/// assert_eq!(sweep.axes, ["services.web.template"]);
/// ```
#[doc(inline)]
pub use crate::sweep::Prepared as PreparedSweep;
/// One shard `I/N` of a sweep (runs whose index modulo N is I).
///
/// ```
/// let shard: ecsim::api::Shard = "1/4".parse().unwrap();
/// assert!(shard.holds(5) && !shard.holds(6));
/// ```
#[doc(inline)]
pub use crate::sweep::Shard;

/// Loads and validates the scenario at `path` and every file it names. On failure, every
/// error found, each located in its file.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// assert_eq!(scenario.name, "quickstart");
/// ```
pub fn load(path: &std::path::Path) -> Result<Scenario, Diagnostics> {
    load_with(path, None, &ImportOptions::default())
}

/// Loads and validates a scenario from its TOML `text`; `path` locates the messages and is the
/// base of the relative paths the scenario names.
///
/// ```
/// use std::path::Path;
///
/// let bad = ecsim::api::load_str(Path::new("inline.toml"), "[scenario]\nname = 3\n");
/// let errors = bad.unwrap_err();
/// assert!(errors.has_errors());
/// assert!(errors.to_string().contains("inline.toml"));
/// ```
pub fn load_str(path: &std::path::Path, text: &str) -> Result<Scenario, Diagnostics> {
    crate::scenario::load_str(path, text)
}
