//! `ecsim run SCENARIO`: simulate and write the results directory.

use super::out::{errln, out};
use crate::model::Scenario;
use crate::report::output::{csv_bytes, slug, write_run};
use crate::report::summary::Summary;
use crate::report::{atomic::write_atomic, chart};
use crate::scenario;
use crate::sim::recorder::MinuteRow;
use crate::sim::{self, RunOptions};
use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Master seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: results/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let scenario = match scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(diags) => {
            errln!("{diags}");
            errln!("{} error(s); nothing was run and nothing was written", diags.errors().count());
            return Ok(ExitCode::from(1));
        }
    };
    if !args.quiet {
        for w in scenario.warnings.warnings() {
            errln!("{w}");
        }
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    // Results are assembled in a staging directory and renamed into place: a failed or
    // interrupted run never leaves a partial results directory.
    let staging = staging_dir(&out);
    crate::report::atomic::recover_dir(&out).with_context(|| format!("cannot recover {}", out.display()))?;
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    let summaries = if scenario.variants.is_empty() {
        let (summary, _) = run_one(&scenario, None, seed, &staging, !args.quiet)?;
        vec![summary]
    } else {
        run_variants(&scenario, seed, &staging)?
    };
    // Old or new results at `out` whatever the moment of a kill (docs/outputs.md).
    crate::report::atomic::replace_dir(&staging, &out).with_context(|| format!("cannot move results to {}", out.display()))?;
    if !args.quiet {
        print_summaries(&summaries, &out);
    }
    Ok(ExitCode::SUCCESS)
}

fn staging_dir(out: &Path) -> PathBuf {
    let name = out.file_name().map_or("results".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.partial"))
}

#[allow(clippy::disallowed_methods)] // wall time only decides whether to show a progress bar
/// Runs one scenario into `dir`; returns its summary and its cluster-wide minute rows.
fn run_one(scenario: &Scenario, variant: Option<&str>, seed: u64, dir: &Path, show_progress: bool) -> Result<(Summary, Vec<MinuteRow>)> {
    let started = std::time::Instant::now();
    let total_minutes = scenario.duration.whole_secs().div_ceil(60).max(1);
    let bar = ProgressBar::with_draw_target(Some(total_minutes), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulated {pos}/{len} min [{bar:30}] {percent}% eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut shown = false;
    let outcome = sim::run_with(scenario, seed, RunOptions::default(), &mut |now| {
        bar.set_position(now.whole_secs() / 60);
        // Only runs longer than a second get a bar, and only on a terminal.
        if show_progress && !shown && started.elapsed().as_secs_f64() > 1.0 {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
    });
    bar.finish_and_clear();
    let summary = Summary::new(scenario, variant, seed, &outcome);
    write_run(dir, &summary, &outcome)?;
    let cluster_minutes = outcome.recorder.minutes.into_iter().filter(|m| m.zone == "cluster").collect();
    Ok((summary, cluster_minutes))
}

/// One row of comparison.csv: a variant's headline figures.
#[derive(Serialize)]
struct ComparisonRow {
    variant: String,
    tasks_placed: u64,
    tasks_failed: u64,
    wait_to_place_s_mean: f64,
    wait_to_place_s_p95: f64,
    cpu_reservation_pct_mean: f64,
    memory_reservation_pct_mean: f64,
    zone_cpu_reservation_pct_spread: f64,
    stranded_cpu_pct_mean: f64,
    stranded_memory_pct_mean: f64,
    /// What the variant's run cost (USD, `summary.json` `cost.total_usd`).
    cost_usd: f64,
}

/// Runs every variant with the same seed (common random numbers: identical arrivals and run
/// times), in parallel; results are collected in the scenario's order, so the output does not
/// depend on the thread count.
fn run_variants(scenario: &Scenario, seed: u64, dir: &Path) -> Result<Vec<Summary>> {
    let results: Vec<Result<(Summary, Vec<MinuteRow>)>> = scenario
        .variants
        .par_iter()
        .map(|v| run_one(&scenario.with_variant(v), Some(&v.name), seed, &dir.join(slug(&v.name)), false))
        .collect();
    let mut summaries = Vec::new();
    let mut series = Vec::new();
    for (r, v) in results.into_iter().zip(&scenario.variants) {
        let (s, m) = r?;
        summaries.push(s);
        series.push((v.name.clone(), m));
    }
    let rows: Vec<ComparisonRow> = summaries
        .iter()
        .map(|s| {
            let zone_means: Vec<f64> = s.reservation_by_zone.values().map(|r| r.cpu_pct.mean).collect();
            let spread = zone_means.iter().cloned().fold(f64::MIN, f64::max) - zone_means.iter().cloned().fold(f64::MAX, f64::min);
            ComparisonRow {
                variant: s.variant.clone().unwrap_or_default(),
                tasks_placed: s.tasks.placed,
                tasks_failed: s.tasks.failed,
                wait_to_place_s_mean: s.wait_to_place_s.mean,
                wait_to_place_s_p95: s.wait_to_place_s.p95,
                cpu_reservation_pct_mean: s.reservation_cluster.cpu_pct.mean,
                memory_reservation_pct_mean: s.reservation_cluster.memory_pct.mean,
                zone_cpu_reservation_pct_spread: if zone_means.is_empty() { 0.0 } else { (spread * 1e4).round() / 1e4 },
                stranded_cpu_pct_mean: s.stranded.cpu_pct_of_registered_mean,
                stranded_memory_pct_mean: s.stranded.memory_pct_of_registered_mean,
                cost_usd: (s.cost.total_usd * 1e6).round() / 1e6,
            }
        })
        .collect();
    write_atomic(&dir.join("comparison.csv"), &csv_bytes(&rows)?)?;
    chart::comparison_chart(&series, &dir.join("comparison.png"), &dir.join("comparison.svg"))
        .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
    Ok(summaries)
}

fn print_summaries(summaries: &[Summary], out: &Path) {
    out!("{}", crate::report::terminal::render(summaries, out));
}
