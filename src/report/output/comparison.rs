//! What a scenario with variants writes beside the variants' own folders: comparison.csv (a
//! row of headline figures per variant) and comparison.png/.svg (their cluster CPU
//! reservation over time, each zone's reservation and tasks, and the tasks each refused).

use super::csv_bytes;
use crate::report::atomic::write_atomic;
use crate::report::chart;
use crate::report::summary::Summary;
use crate::sim::recorder::MinuteRow;
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// One row of comparison.csv: a variant's headline figures.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    pub variant: String,
    pub tasks_placed: u64,
    pub tasks_failed: u64,
    pub wait_to_place_s_mean: f64,
    pub wait_to_place_s_p95: f64,
    pub cpu_reservation_pct_mean: f64,
    pub memory_reservation_pct_mean: f64,
    /// The highest zone's mean CPU reservation less the lowest's (percentage points).
    pub zone_cpu_reservation_pct_spread: f64,
    pub stranded_cpu_pct_mean: f64,
    pub stranded_memory_pct_mean: f64,
    /// What the variant's run cost (USD, `summary.json` `cost.total_usd`).
    pub cost_usd: f64,
}

/// The rows of comparison.csv, one per summary, in the order given.
pub fn comparison_rows(summaries: &[Summary]) -> Vec<ComparisonRow> {
    summaries
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
        .collect()
}

/// comparison.csv in `dir`: one row per variant's summary.
pub fn write_comparison_csv(dir: &Path, summaries: &[Summary]) -> Result<()> {
    write_atomic(&dir.join("comparison.csv"), &csv_bytes(&comparison_rows(summaries))?)?;
    Ok(())
}

/// comparison.png/.svg in `dir` (`chart::comparison_chart`; `series`: each variant's name
/// and its timeseries.csv rows, every zone's and the cluster's).
pub fn write_comparison_chart(dir: &Path, series: &[(String, Vec<MinuteRow>)]) -> Result<()> {
    chart::comparison_chart(series, &dir.join("comparison.png"), &dir.join("comparison.svg")).map_err(|e| anyhow::anyhow!("chart: {e}"))
}
