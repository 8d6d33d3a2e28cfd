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
//! the results directory), `place` (one-shot placement), `sweep` (sweeps, shards, capacity
//! searches). The types it hands back are the crate's own (`Scenario`, `Summary`,
//! `RunOutcome`, …), re-exported here so that a caller needs no other path.
#![deny(missing_docs)]

mod check;
mod place;
mod run;
mod sweep;

pub use check::{check_file, check_text};
pub use place::{place, PlaceRequest, Placement};
pub use run::{
    default_results_dir, report_text, run, run_to_dir, run_variants, run_with_progress, simulated_minutes, write_comparison,
    write_results, Run,
};
pub use sweep::{
    capacity_answer, capacity_plan, default_capacity_dir, default_sweep_dir, headline_figures, load_sweep, merge_shards,
    prepare_capacity, probe_line, run_sweep, shard_from_env, sweep_table, write_capacity,
};

/// A scenario's file (TOML, or the ECS and ELBv2 JSON it names) turned into validated data.
#[doc(inline)]
pub use crate::scenario::Scenario;
/// Errors and warnings, each located at a file:line:column, rendered as the CLI prints them.
#[doc(inline)]
pub use crate::scenario::{Diagnostic, Diagnostics};
/// Simulated time in integer microseconds (what a progress callback receives).
#[doc(inline)]
pub use crate::engine::SimTime;
/// The headline figures of one run, as written to summary.json.
#[doc(inline)]
pub use crate::report::summary::Summary;
/// Everything one run recorded: events, minutes, tasks, traffic, alarms, scaling, faults.
#[doc(inline)]
pub use crate::sim::RunOutcome;
/// How placement breaks its last tie (`First`: the first candidate; `Random`: a random one).
#[doc(inline)]
pub use crate::ecs::placement::TieBreak;
/// A sweep file with its base scenario and its grid of cells, ready to run.
#[doc(inline)]
pub use crate::sweep::Prepared as PreparedSweep;
/// One shard `I/N` of a sweep (runs whose index modulo N is I).
#[doc(inline)]
pub use crate::sweep::Shard;
/// What a sweep run did (runs, skipped) and, for a whole sweep, its tables.
#[doc(inline)]
pub use crate::sweep::run::Executed;
/// A run of a sweep that has just finished (for progress reports).
#[doc(inline)]
pub use crate::sweep::run::Finished;
/// A sweep's identity and grid, as written to sweep.json.
#[doc(inline)]
pub use crate::sweep::Manifest;
/// A sweep's tables (runs.csv, cells.csv, cells.json) and its headline statistics.
#[doc(inline)]
pub use crate::sweep::aggregate::Assembled;
/// What a capacity search varies and how (the scenario, the knob, the range, replications).
#[doc(inline)]
pub use crate::sweep::capacity::Options as CapacityOptions;
/// A capacity search ready to probe; `Search::run` carries it out.
#[doc(inline)]
pub use crate::sweep::capacity::Search as CapacitySearch;
/// One value of the knob, run R times: how many met the objective, and the figures.
#[doc(inline)]
pub use crate::sweep::capacity::Probe;
/// A capacity search's answer (if any) and every probe it ran.
#[doc(inline)]
pub use crate::sweep::capacity::Outcome as CapacityOutcome;

/// Loads and validates the scenario at `path` and every file it names. On failure, every
/// error found, each located in its file.
///
/// ```
/// let scenario = ecsim::api::load(std::path::Path::new("scenarios/quickstart.toml")).unwrap();
/// assert_eq!(scenario.name, "quickstart");
/// ```
pub fn load(path: &std::path::Path) -> Result<Scenario, Diagnostics> {
    crate::scenario::load(path)
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
