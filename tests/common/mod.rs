//! Helpers shared by the integration tests that run the simulator on inline scenarios
//! (`mod common;` in each): loading TOML pieces, running with the model's invariants checked,
//! and reading the event log as plain rows.
#![allow(dead_code)] // each test file uses its own subset

use ecsim::scenario::{self, Scenario};
use ecsim::sim::alb::metrics::TrafficTotals;
use ecsim::sim::recorder::EventKind;
use ecsim::sim::{self, RunOptions, RunOutcome};
use std::path::{Path, PathBuf};

/// Where a test file's inline scenarios pretend to live (`tests/<stem>.toml`): relative paths in
/// them (access logs, JSON files) resolve from `tests/`.
pub fn scenario_path(stem: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(format!("{stem}.toml"))
}

/// Loads a scenario written as pieces of TOML (a test's own tables plus shared ones).
pub fn load_parts(stem: &str, parts: &[&str]) -> Scenario {
    scenario::load_str(&scenario_path(stem), &parts.concat()).unwrap_or_else(|d| panic!("{d}"))
}

/// Runs with the scenario's own seed.
pub fn run(s: &Scenario) -> RunOutcome {
    run_seed(s, s.seed)
}

/// Runs with the model's invariants checked after every event.
pub fn run_seed(s: &Scenario, seed: u64) -> RunOutcome {
    sim::run_with(s, seed, RunOptions { check_invariants: true }, &mut |_| {})
}

pub fn traffic(out: &RunOutcome) -> &TrafficTotals {
    out.traffic.as_ref().expect("the scenario has load balancers")
}

/// One events.csv row with what the tests need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ev {
    /// Simulated time, µs (exact: spec times are compared without rounding).
    pub us: u64,
    pub kind: EventKind,
    pub task: Option<u32>,
    /// The service's (or workload's) name; empty for instance and fault events.
    pub source: String,
    pub instance: String,
    pub zone: String,
    pub reason: String,
    pub detail: String,
}

pub fn events(out: &RunOutcome) -> Vec<Ev> {
    let r = &out.recorder;
    r.events
        .iter()
        .zip(r.event_rows(&out.cluster))
        .map(|(e, row)| Ev {
            us: e.time.as_micros(),
            kind: e.kind,
            task: e.task,
            source: r.source_name(e).to_string(),
            instance: row.instance,
            zone: row.zone,
            reason: r.reason(e).to_string(),
            detail: row.detail,
        })
        .collect()
}

/// Seconds as µs (exact for the millisecond values the tests use).
pub fn us(s: f64) -> u64 {
    (s * 1e6).round() as u64
}
