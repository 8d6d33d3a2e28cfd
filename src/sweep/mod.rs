//! Parameter sweeps (`ecsim sweep`, `ecsim merge`): a grid of scenario variations (axes over
//! dotted paths of a base scenario's TOML) × replications whose seeds depend on the
//! replication only (common random numbers), run in parallel, persisted run by run (resume,
//! shards) and aggregated into per-cell means and Student-t confidence intervals.
//! `file` (parse, validate, grid) → `run` (execute, resume, shards) → `aggregate` (figures,
//! statistics, tables) ← `merge`; `paths` sets a value at a dotted path. See docs/sweeps.md.

pub mod aggregate;
pub mod capacity;
pub mod chart;
pub mod file;
pub mod merge;
pub mod paths;
pub mod run;
pub mod terminal;

pub use file::{parse, prepare, Prepared, SweepFile};
pub use run::{execute, run_seed, shard_from_env, Manifest, RunRecord, Shard};
