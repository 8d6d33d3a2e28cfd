//! Capacity search (`ecsim capacity`): the smallest value of an integer knob of a scenario
//! (a service's `desired_count`, an instance count, a group's `desired`) at which every one of
//! R replications meets the scenario's `[slo]` and places every task (`tasks.failed == 0`).
//!
//! The search assumes the outcome is monotone in the knob (more capacity never hurts): it finds
//! a value that meets the objective — `--to`, or by doubling upward from `--from` — then
//! bisects between the highest value known to miss and the lowest known to meet. Every probe
//! runs the same R seeds, `run_seed(master, rep)` (common random numbers), so two probes differ
//! by the knob only. The knob is set with the sweeps' dotted paths (`sweep::paths`) and every
//! probe's scenario goes through the scenario loader.

use super::aggregate::{stats, CellStats};
use super::paths;
use super::run::run_seed;
use crate::model::{Diagnostics, Scenario};
use crate::report::summary::Summary;
use crate::scenario;
use crate::sim;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// Doublings tried above `--from` before giving up (without `--to`).
pub const MAX_DOUBLINGS: u32 = 10;

/// What to search.
#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: PathBuf,
    /// Dotted path of the knob; default the only `[[cluster.instances]]` entry's `count`.
    pub vary: Option<String>,
    /// Lowest value considered (default 1).
    pub from: Option<i64>,
    /// A value believed to meet the objective (default: doubling upward from `from`).
    pub to: Option<i64>,
    pub replications: u32,
    /// Worker threads (0: every core).
    pub threads: usize,
    /// Master seed (default: the scenario's).
    pub seed: Option<u64>,
}

/// A scenario ready for probing: its TOML, the knob, the seeds.
pub struct Search {
    pub path: PathBuf,
    doc: Table,
    pub base: Scenario,
    pub knob: String,
    /// The knob's value in the scenario file.
    pub base_value: i64,
    pub from: i64,
    pub to: Option<i64>,
    pub replications: u32,
    pub master_seed: u64,
    pool: rayon::ThreadPool,
}

/// One replication of one probe.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeRun {
    pub replication: u32,
    pub seed: u64,
    /// `slo.met` and no placement failure.
    pub met: bool,
    pub slo_met: bool,
    pub availability_pct: f64,
    pub latency_ms_p99: Option<f64>,
    pub error_budget_spent_pct: Option<f64>,
    pub tasks_failed: u64,
}

/// Mean and 95 % interval of one figure over a probe's replications.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Figure {
    pub mean: f64,
    pub ci95_lo: Option<f64>,
    pub ci95_hi: Option<f64>,
    pub min: f64,
    pub max: f64,
}

impl Figure {
    fn of(values: &[f64]) -> Option<Figure> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let CellStats { mean, ci95, .. } = stats(&finite)?;
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Figure { mean, ci95_lo: ci95.map(|c| c.0), ci95_hi: ci95.map(|c| c.1), min, max })
    }

    /// `99.95 ± 0.01` (the interval's half-width), or the mean alone with one replication.
    pub fn text(&self, decimals: usize) -> String {
        match (self.ci95_lo, self.ci95_hi) {
            (Some(lo), Some(hi)) => format!("{:.decimals$} ± {:.decimals$}", self.mean, (hi - lo) / 2.0),
            _ => format!("{:.decimals$}", self.mean),
        }
    }
}

/// All the replications at one value of the knob.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub value: i64,
    /// 1 for the first value run, 2 for the second, …
    pub order: usize,
    /// Every replication met: the SLO and no placement failure.
    pub meets: bool,
    pub replications: u32,
    pub replications_met: u32,
    pub replications_slo_met: u32,
    pub replications_no_placement_failure: u32,
    pub availability_pct: Option<Figure>,
    pub latency_ms_p99: Option<Figure>,
    pub error_budget_spent_pct: Option<Figure>,
    pub tasks_failed: Option<Figure>,
    pub runs: Vec<ProbeRun>,
}

/// The search's result: the answer (if one was found) and every probe, by value.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub ecsim_version: &'static str,
    pub scenario: String,
    pub scenario_path: String,
    pub scenario_sha256: String,
    pub knob: String,
    pub base_value: i64,
    pub slo_availability_pct: Option<f64>,
    pub slo_latency_ms_p99: Option<f64>,
    pub criterion: &'static str,
    pub master_seed: u64,
    pub replications: u32,
    pub seeds: Vec<u64>,
    pub from: i64,
    pub to: Option<i64>,
    pub search: &'static str,
    pub assumption: &'static str,
    /// The smallest value that meets the objective; `None` when none was found.
    pub answer: Option<i64>,
    /// Why there is no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    pub probes: Vec<Probe>,
}

pub const CRITERION: &str = "every replication has slo.met = true and tasks.failed = 0";
pub const ASSUMPTION: &str = "monotone: if a value meets the objective, every larger value does";

impl Outcome {
    pub fn probe(&self, value: i64) -> Option<&Probe> {
        self.probes.iter().find(|p| p.value == value)
    }

    /// The probes' table: one row per probe, by value.
    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let figs = ["availability_pct", "latency_ms_p99", "error_budget_spent_pct", "tasks_failed"];
        let mut header: Vec<String> = [
            "knob",
            "value",
            "order",
            "meets",
            "replications",
            "replications_met",
            "replications_slo_met",
            "replications_no_placement_failure",
        ]
        .map(String::from)
        .to_vec();
        for f in figs {
            for s in ["mean", "ci95_lo", "ci95_hi", "min", "max"] {
                header.push(format!("{f}_{s}"));
            }
        }
        w.write_record(&header)?;
        let opt = |x: Option<f64>| x.map_or(String::new(), super::aggregate::fmt6);
        for p in &self.probes {
            let mut row = vec![
                self.knob.clone(),
                p.value.to_string(),
                p.order.to_string(),
                p.meets.to_string(),
                p.replications.to_string(),
                p.replications_met.to_string(),
                p.replications_slo_met.to_string(),
                p.replications_no_placement_failure.to_string(),
            ];
            for f in [&p.availability_pct, &p.latency_ms_p99, &p.error_budget_spent_pct, &p.tasks_failed] {
                match f {
                    Some(f) => row.extend([opt(Some(f.mean)), opt(f.ci95_lo), opt(f.ci95_hi), opt(Some(f.min)), opt(Some(f.max))]),
                    None => row.extend(std::iter::repeat_n(String::new(), 5)),
                }
            }
            w.write_record(&row)?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
    }

    pub fn json(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).expect("an outcome serializes");
        b.push(b'\n');
        b
    }
}

fn messages(d: &Diagnostics) -> String {
    d.errors().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
}

/// Loads the scenario and checks everything before anything runs: an `[slo]`, no variants, a
/// knob that names an integer, and a scenario that loads at `from` (and at `to`).
pub fn prepare(o: &Options) -> Result<Search> {
    let text = std::fs::read_to_string(&o.scenario).with_context(|| format!("cannot read {}", o.scenario.display()))?;
    let base = scenario::load_str(&o.scenario, &text).map_err(|d| anyhow::anyhow!("{d}"))?;
    if base.slo.is_empty() {
        bail!(
            "{} has no [slo]: a capacity search needs an objective to meet. Add one, e.g.\n\n[slo]\navailability_pct = 99.9\nlatency_ms_p99 = 250\n",
            o.scenario.display()
        );
    }
    if !base.variants.is_empty() {
        bail!(
            "{} has [[variants]]: a capacity search runs one configuration; remove them (or search each variant as its own scenario)",
            o.scenario.display()
        );
    }
    if o.replications == 0 {
        bail!("--replications must be at least 1");
    }
    let doc: Table = toml::from_str(&text).with_context(|| format!("{} is not TOML", o.scenario.display()))?;
    let knob = match &o.vary {
        Some(k) => k.clone(),
        None => {
            let n = doc.get("cluster").and_then(|c| c.get("instances")).and_then(Value::as_array).map_or(0, Vec::len);
            if n != 1 {
                bail!(
                    "no --vary given and {} has {n} [[cluster.instances]] entries (the default knob is the count of the only one): \
                     pass --vary PATH, e.g. --vary services.web.desired_count",
                    o.scenario.display()
                );
            }
            "cluster.instances.0.count".to_string()
        }
    };
    let base_value = match paths::get(&doc, &knob) {
        Err(e) => bail!("--vary {knob} names no scenario key: {e}"),
        Ok(Value::Integer(i)) => *i,
        Ok(other) => bail!(
            "--vary {knob} is not an integer: it is the {} `{}`; a capacity search varies a whole number (a count)",
            other.type_str(),
            super::file::display_value(other)
        ),
    };
    let from = o.from.unwrap_or(1);
    if from < 0 {
        bail!("--from {from}: a count cannot be negative");
    }
    if let Some(to) = o.to {
        if to < from {
            bail!("--to {to} is below --from {from}");
        }
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(o.threads).build().context("cannot start the thread pool")?;
    let search = Search {
        path: o.scenario.clone(),
        master_seed: o.seed.unwrap_or(base.seed),
        doc,
        base,
        knob,
        base_value,
        from,
        to: o.to,
        replications: o.replications,
        pool,
    };
    for v in [Some(from), o.to].into_iter().flatten() {
        search.scenario_at(v)?;
    }
    Ok(search)
}

impl Search {
    /// The scenario with the knob at `value`, through the loader.
    pub fn scenario_at(&self, value: i64) -> Result<Scenario> {
        let mut doc = self.doc.clone();
        paths::set(&mut doc, &self.knob, Value::Integer(value)).map_err(|e| anyhow::anyhow!("--vary {}: {e}", self.knob))?;
        let text = toml::to_string(&doc).expect("a TOML table serializes");
        scenario::load_str(&self.path, &text)
            .map_err(|d| anyhow::anyhow!("{} = {value} is not a valid scenario: {}", self.knob, messages(&d)))
    }

    pub fn seeds(&self) -> Vec<u64> {
        (0..self.replications).map(|r| run_seed(self.master_seed, r)).collect()
    }

    /// Runs the R replications at `value` on the pool.
    pub fn probe(&self, value: i64, order: usize) -> Result<Probe> {
        let scenario = self.scenario_at(value)?;
        let runs: Vec<ProbeRun> = self.pool.install(|| {
            (0..self.replications)
                .into_par_iter()
                .map(|rep| {
                    let seed = run_seed(self.master_seed, rep);
                    let outcome = sim::run(&scenario, seed);
                    let summary = Summary::new(&scenario, None, seed, &outcome);
                    let slo = summary.slo.expect("the scenario has an [slo]");
                    let tasks_failed = summary.tasks.failed;
                    ProbeRun {
                        replication: rep,
                        seed,
                        met: slo.met && tasks_failed == 0,
                        slo_met: slo.met,
                        availability_pct: slo.availability_pct,
                        latency_ms_p99: slo.latency_ms_p99,
                        error_budget_spent_pct: slo.error_budget_spent_pct,
                        tasks_failed,
                    }
                })
                .collect()
        });
        let count = |f: &dyn Fn(&ProbeRun) -> bool| runs.iter().filter(|r| f(r)).count() as u32;
        let met = count(&|r| r.met);
        Ok(Probe {
            value,
            order,
            meets: met == self.replications,
            replications: self.replications,
            replications_met: met,
            replications_slo_met: count(&|r| r.slo_met),
            replications_no_placement_failure: count(&|r| r.tasks_failed == 0),
            availability_pct: Figure::of(&runs.iter().map(|r| r.availability_pct).collect::<Vec<_>>()),
            latency_ms_p99: Figure::of(&runs.iter().filter_map(|r| r.latency_ms_p99).collect::<Vec<_>>()),
            error_budget_spent_pct: Figure::of(&runs.iter().filter_map(|r| r.error_budget_spent_pct).collect::<Vec<_>>()),
            tasks_failed: Figure::of(&runs.iter().map(|r| r.tasks_failed as f64).collect::<Vec<_>>()),
            runs,
        })
    }

    /// The search: `--to` (or doubling from `--from`) until a value meets, then bisection.
    /// `progress` is called after every probe.
    pub fn run(&self, progress: &mut dyn FnMut(&Probe)) -> Result<Outcome> {
        let mut probes: BTreeMap<i64, Probe> = BTreeMap::new();
        let mut meets = |v: i64, probes: &mut BTreeMap<i64, Probe>| -> Result<bool> {
            if let Some(p) = probes.get(&v) {
                return Ok(p.meets);
            }
            let p = self.probe(v, probes.len() + 1)?;
            progress(&p);
            let m = p.meets;
            probes.insert(v, p);
            Ok(m)
        };
        // Highest value known (or, below --from, assumed) to miss; lowest known to meet.
        let mut failure = None;
        let mut low = self.from - 1;
        let mut high = None;
        match self.to {
            Some(to) => {
                if meets(to, &mut probes)? {
                    high = Some(to);
                } else {
                    failure = Some(format!("{} = {to} (--to) does not meet the objective: raise --to", self.knob));
                }
            }
            None => {
                let mut v = self.from;
                for _ in 0..=MAX_DOUBLINGS {
                    if meets(v, &mut probes)? {
                        high = Some(v);
                        break;
                    }
                    low = v;
                    v = if v <= 0 { 1 } else { v * 2 };
                }
                if high.is_none() {
                    failure = Some(format!(
                        "no value of {} from {} to {low} meets the objective ({MAX_DOUBLINGS} doublings): pass a larger --to",
                        self.knob, self.from
                    ));
                }
            }
        }
        if let Some(mut hi) = high {
            while hi - low > 1 {
                let mid = low + (hi - low) / 2;
                if meets(mid, &mut probes)? {
                    hi = mid;
                } else {
                    low = mid;
                }
            }
            high = Some(hi);
        }
        Ok(Outcome {
            ecsim_version: env!("CARGO_PKG_VERSION"),
            scenario: self.base.name.clone(),
            scenario_path: self.path.display().to_string(),
            scenario_sha256: self.base.sha256.clone(),
            knob: self.knob.clone(),
            base_value: self.base_value,
            slo_availability_pct: self.base.slo.availability_pct,
            slo_latency_ms_p99: self.base.slo.latency_ms_p99,
            criterion: CRITERION,
            master_seed: self.master_seed,
            replications: self.replications,
            seeds: self.seeds(),
            from: self.from,
            to: self.to,
            search: if self.to.is_some() { "check --to, then bisect" } else { "double from --from, then bisect" },
            assumption: ASSUMPTION,
            answer: high,
            failure,
            probes: probes.into_values().collect(),
        })
    }
}

/// Writes `capacity.csv` and `capacity.json` into `out` (created if needed), atomically.
pub fn write(outcome: &Outcome, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    crate::report::atomic::write_atomic(&out.join("capacity.csv"), &outcome.csv()?).context("capacity.csv")?;
    crate::report::atomic::write_atomic(&out.join("capacity.json"), &outcome.json()).context("capacity.json")?;
    Ok(())
}
