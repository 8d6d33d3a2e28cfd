//! What a sweep chart may claim: the range a figure can take (`possible_range`), 95 %
//! intervals clipped to it (`clip_stats`; a t interval of five availabilities near 100 % runs
//! past 100, and one of failure counts near 0 below 0), and the scenario's SLO with the share
//! of replications of each cell that met it (`Slo`, read from runs.csv).

use super::super::aggregate::{Assembled, CellStats};

/// The values `figure` can take, from its name: a percentage of a whole from 0 to 100, a share
/// (`slo.met`, the mean of true/false) from 0 to 1, anything else ecsim measures (counts,
/// latencies, durations, costs) from 0 up. A utilization can exceed 100 % (tasks may use more
/// CPU than they reserve) and an error budget can be overspent, so only their floor is 0.
pub fn possible_range(figure: &str) -> (f64, f64) {
    let last = figure.rsplit('.').next().unwrap_or(figure);
    let unbounded_pct = figure.contains("utilization") || figure.contains("budget") || figure.contains("spent");
    if figure == "slo.met" || last.ends_with("_met") {
        (0.0, 1.0)
    } else if (last.ends_with("_pct") || last.contains("_pct_") || last == "pct") && !unbounded_pct {
        (0.0, 100.0)
    } else {
        (0.0, f64::INFINITY)
    }
}

/// `stats` with its interval clipped to what `figure` can take, and whether it was clipped.
pub fn clip_stats(figure: &str, stats: CellStats) -> (CellStats, bool) {
    let Some((lo, hi)) = stats.ci95 else { return (stats, false) };
    let (min, max) = possible_range(figure);
    let clipped = (lo.max(min), hi.min(max));
    (CellStats { ci95: Some(clipped), ..stats }, clipped != (lo, hi))
}

/// The note a chart shows when some intervals were clipped ("" when none was).
pub fn clip_note(figure: &str, clipped: usize) -> Option<String> {
    if clipped == 0 {
        return None;
    }
    let (min, max) = possible_range(figure);
    let range = if max.is_finite() {
        format!("{}–{}", super::trim_number(min), super::trim_number(max))
    } else {
        format!("≥ {}", super::trim_number(min))
    };
    Some(format!("{clipped} interval(s) clipped to {range}"))
}

/// The scenario's SLO as the runs recorded it, and per cell (in `Assembled::table` order) the
/// share of its replications that met it (`None` for a cell without runs or without an SLO).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slo {
    pub availability_pct: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    pub met_share: Vec<Option<f64>>,
}

impl Slo {
    /// Read from runs.csv (`slo.met`, `slo.availability_pct_objective`,
    /// `slo.latency_ms_p99_objective`); `None` when the runs have no SLO.
    pub fn of(a: &Assembled) -> Option<Slo> {
        let mut reader = csv::Reader::from_reader(a.runs_csv.as_slice());
        let header = reader.headers().ok()?.clone();
        let col = |name: &str| header.iter().position(|h| h == name);
        let (cell, met) = (col("cell")?, col("slo.met")?);
        let (avail, latency) = (col("slo.availability_pct_objective"), col("slo.latency_ms_p99_objective"));
        let mut slo = Slo::default();
        let mut tally: Vec<(u32, u32)> = vec![(0, 0); a.table.len()];
        for record in reader.records().flatten() {
            let value = |c: Option<usize>| c.and_then(|c| record.get(c)).and_then(|v| v.parse::<f64>().ok());
            slo.availability_pct = slo.availability_pct.or(value(avail));
            slo.latency_ms_p99 = slo.latency_ms_p99.or(value(latency));
            let Some(i) = record.get(cell).and_then(|id| a.table.iter().position(|(c, _)| c == id)) else { continue };
            if let Some(m) = value(Some(met)) {
                tally[i].0 += u32::from(m >= 0.5);
                tally[i].1 += 1;
            }
        }
        slo.met_share = tally.iter().map(|&(met, n)| (n > 0).then(|| f64::from(met) / f64::from(n))).collect();
        Some(slo)
    }

    /// "SLO: availability ≥ 99.5 %, p99 ≤ 200 ms" (what the runs recorded).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = self.availability_pct {
            parts.push(format!("availability ≥ {} %", super::trim_number(a)));
        }
        if let Some(l) = self.latency_ms_p99 {
            parts.push(format!("p99 ≤ {} ms", super::trim_number(l)));
        }
        if parts.is_empty() {
            "SLO".to_string()
        } else {
            format!("SLO: {}", parts.join(", "))
        }
    }

    /// The objective drawn on a chart of `figure`, if it has one.
    pub fn objective(&self, figure: &str) -> Option<f64> {
        match figure {
            "traffic.availability_pct" | "slo.availability_pct" => self.availability_pct,
            "traffic.latency_ms_p99" | "slo.latency_ms_p99" => self.latency_ms_p99,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(mean: f64, lo: f64, hi: f64) -> CellStats {
        CellStats { n: 5, mean, sd: Some(0.1), ci95: Some((lo, hi)) }
    }

    #[test]
    fn an_availability_interval_past_100_is_clipped_and_flagged() {
        let (s, clipped) = clip_stats("traffic.availability_pct", stats(99.4, 98.7, 100.13));
        assert_eq!(s.ci95, Some((98.7, 100.0)));
        assert!(clipped);
        assert_eq!(clip_note("traffic.availability_pct", 1).as_deref(), Some("1 interval(s) clipped to 0–100"));
    }

    #[test]
    fn a_count_interval_below_zero_is_clipped_and_one_inside_is_kept() {
        assert_eq!(clip_stats("tasks.failed", stats(0.4, -0.3, 1.1)), (stats(0.4, 0.0, 1.1), true));
        assert_eq!(clip_stats("cost.total_usd", stats(0.4, 0.3, 0.5)), (stats(0.4, 0.3, 0.5), false));
        assert_eq!(clip_note("tasks.failed", 0), None);
    }

    #[test]
    fn possible_ranges_follow_the_names() {
        assert_eq!(possible_range("traffic.availability_pct"), (0.0, 100.0));
        assert_eq!(
            possible_range("reservation_cluster.cpu_pct.mean"),
            (0.0, f64::INFINITY),
            "a statistic of a percentage: only ≥ 0 is sure"
        );
        assert_eq!(possible_range("slo.met"), (0.0, 1.0));
        assert_eq!(possible_range("slo.error_budget_spent_pct"), (0.0, f64::INFINITY));
        assert_eq!(possible_range("traffic.latency_ms_p99"), (0.0, f64::INFINITY));
    }

    #[test]
    fn the_slo_is_read_from_runs_csv() {
        let runs_csv = b"cell,replication,seed,slo.met,slo.availability_pct_objective,slo.latency_ms_p99_objective\n\
            a,0,1,1,99.5,200\na,1,2,0,99.5,200\nb,0,3,1,99.5,200\nb,1,4,1,99.5,200\n"
            .to_vec();
        let a = Assembled {
            runs_csv,
            cells_csv: Vec::new(),
            cells_json: Vec::new(),
            headline: Vec::new(),
            table: vec![("a".into(), Vec::new()), ("b".into(), Vec::new())],
        };
        let slo = Slo::of(&a).unwrap();
        assert_eq!(slo.met_share, vec![Some(0.5), Some(1.0)]);
        assert_eq!(slo.describe(), "SLO: availability ≥ 99.5 %, p99 ≤ 200 ms");
        assert_eq!(slo.objective("traffic.latency_ms_p99"), Some(200.0));
    }
}
