//! From run summaries to the sweep's tables: the figures of a run (`summary.json`'s numeric
//! leaves under dotted names), per-cell mean, standard deviation and Student-t 95 % interval,
//! and the bytes of runs.csv, cells.csv and cells.json. `assemble` is the one function both
//! `ecsim sweep` and `ecsim merge` call, so their outputs are byte-identical.

use super::run::{Manifest, RunRecord};
use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::Value;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::{BTreeMap, BTreeSet};

/// Keys that name an element of an array of objects in a figure name, in order of preference.
const ELEMENT_KEYS: [&str; 5] = ["service", "name", "group", "target_group", "source"];

/// Figures shown in the end-of-sweep table when the sweep file names none (those present).
pub const DEFAULT_HEADLINE: [&str; 4] = ["traffic.availability_pct", "traffic.latency_ms_p99", "tasks.failed", "cost.total_usd"];

/// The numeric leaves of a run's summary JSON under dotted names: booleans as 0/1, strings and
/// nulls skipped, `seed` left out (it has its own column). Arrays of objects are keyed by the
/// elements' `service`/`name`/`group`/`target_group`/`source` when that field is present and
/// unique, else by index. Derived: `traffic.availability_pct` = 100 × `traffic.availability`.
pub fn flatten(summary: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    walk(summary, String::new(), &mut out);
    out.remove("seed");
    if let Some(a) = out.get("traffic.availability").copied() {
        out.insert("traffic.availability_pct".into(), 100.0 * a);
    }
    out
}

fn walk(v: &Value, prefix: String, out: &mut BTreeMap<String, f64>) {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.insert(prefix, x);
            }
        }
        Value::Bool(b) => {
            out.insert(prefix, if *b { 1.0 } else { 0.0 });
        }
        Value::Object(map) => {
            for (k, v) in map {
                walk(v, join(k), out);
            }
        }
        Value::Array(items) => {
            let key = ELEMENT_KEYS.iter().find(|k| {
                let names: Vec<&str> = items.iter().filter_map(|i| i.get(**k).and_then(Value::as_str)).collect();
                names.len() == items.len() && names.iter().collect::<BTreeSet<_>>().len() == names.len()
            });
            for (i, item) in items.iter().enumerate() {
                let label = match key {
                    Some(k) => item[*k].as_str().unwrap_or_default().to_string(),
                    None => i.to_string(),
                };
                walk(item, join(&label), out);
            }
        }
        Value::String(_) | Value::Null => {}
    }
}

/// Mean, sample standard deviation and Student-t 95 % confidence interval of the mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellStats {
    pub n: usize,
    pub mean: f64,
    /// `None` below two values.
    pub sd: Option<f64>,
    pub ci95: Option<(f64, f64)>,
}

/// t quantile of the 97.5th percentile with `df` degrees of freedom (two-sided 95 %).
pub fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).expect("df ≥ 1").inverse_cdf(0.975)
}

pub fn stats(values: &[f64]) -> Option<CellStats> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Some(CellStats { n, mean, sd: None, ci95: None });
    }
    let sd = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    Some(CellStats { n, mean, sd: Some(sd), ci95: Some((mean - half, mean + half)) })
}

/// Fixed formatting of an aggregate: 6 decimals, trailing zeros dropped ("3", "1.581139").
pub fn fmt6(x: f64) -> String {
    let s = format!("{:.6}", round6(x));
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".into() } else { s }
}

fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

/// A run's figure in runs.csv: Rust's shortest round-trip form (`3`, `99.91`), never an
/// exponent.
fn fmt_figure(x: f64) -> String {
    format!("{x}")
}

/// The sweep's tables, as bytes, plus what the end-of-sweep table shows.
pub struct Assembled {
    pub runs_csv: Vec<u8>,
    pub cells_csv: Vec<u8>,
    pub cells_json: Vec<u8>,
    /// The figures of the headline table.
    pub headline: Vec<String>,
    /// Per cell: its id and, per headline figure, its stats.
    pub table: Vec<(String, Vec<Option<CellStats>>)>,
}

#[derive(Serialize)]
struct JsonFigure {
    n: usize,
    mean: f64,
    sd: Option<f64>,
    ci95_lo: Option<f64>,
    ci95_hi: Option<f64>,
}

#[derive(Serialize)]
struct JsonCell<'a> {
    cell: &'a str,
    index: usize,
    axes: BTreeMap<&'a str, &'a Value>,
    n: usize,
    figures: BTreeMap<&'a str, JsonFigure>,
}

/// Builds runs.csv (every figure of every run), cells.csv and cells.json (the manifest's
/// `figures`, default every figure) from every run of the sweep, `records` in global order
/// (cell-major). The result depends only on the manifest and the records.
pub fn assemble(manifest: &Manifest, records: &[RunRecord]) -> Result<Assembled> {
    let present: BTreeSet<&str> = records.iter().flat_map(|r| r.figures.keys().map(String::as_str)).collect();
    let figures: Vec<&str> = match &manifest.figures {
        None => present.iter().copied().collect(),
        Some(wanted) => {
            let unknown: Vec<&String> = wanted.iter().filter(|f| !present.contains(f.as_str())).collect();
            if !unknown.is_empty() {
                let hints: Vec<String> = unknown
                    .iter()
                    .map(|u| {
                        let close = crate::scenario::load::closest(u, &present.iter().copied().collect::<Vec<_>>());
                        close.map_or(format!("`{u}`"), |c| format!("`{u}` (did you mean `{c}`?)"))
                    })
                    .collect();
                bail!("unknown figure(s) in `figures`: {}; the runs have: {}", hints.join(", "), present.iter().copied().collect::<Vec<_>>().join(", "));
            }
            wanted.iter().map(String::as_str).collect()
        }
    };
    let reps = manifest.replications as usize;

    let mut runs = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["cell".to_string(), "replication".into(), "seed".into()];
    header.extend(manifest.axes.iter().cloned());
    header.extend(present.iter().map(|f| f.to_string()));
    runs.write_record(&header)?;
    for r in records {
        let cell = &manifest.cells[r.cell_index];
        let mut row = vec![r.cell.clone(), r.replication.to_string(), r.seed.to_string()];
        row.extend(cell.values.iter().map(display_json));
        row.extend(present.iter().map(|f| r.figures.get(*f).map_or(String::new(), |x| fmt_figure(*x))));
        runs.write_record(&row)?;
    }

    let mut cells = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["cell".to_string()];
    header.extend(manifest.axes.iter().cloned());
    header.push("n".into());
    for f in &figures {
        for s in ["mean", "sd", "ci95_lo", "ci95_hi"] {
            header.push(format!("{f}_{s}"));
        }
    }
    cells.write_record(&header)?;
    let headline: Vec<String> = match &manifest.figures {
        Some(f) => f.clone(),
        None => DEFAULT_HEADLINE.iter().filter(|f| present.contains(**f)).map(|f| f.to_string()).collect(),
    };
    let mut json_cells = Vec::new();
    let mut table = Vec::new();
    for (ci, cell) in manifest.cells.iter().enumerate() {
        let own: Vec<&RunRecord> = records[ci * reps..(ci + 1) * reps].iter().collect();
        debug_assert!(own.iter().all(|r| r.cell_index == ci), "records are in cell-major order");
        let mut row = vec![cell.id.clone()];
        row.extend(cell.values.iter().map(display_json));
        row.push(own.len().to_string());
        let mut by_figure = BTreeMap::new();
        for f in &figures {
            let values: Vec<f64> = own.iter().filter_map(|r| r.figures.get(*f).copied()).collect();
            let st = stats(&values);
            let opt = |x: Option<f64>| x.map_or(String::new(), fmt6);
            match st {
                Some(s) => {
                    row.extend([fmt6(s.mean), opt(s.sd), opt(s.ci95.map(|c| c.0)), opt(s.ci95.map(|c| c.1))]);
                    by_figure.insert(
                        *f,
                        JsonFigure {
                            n: s.n,
                            mean: round6(s.mean),
                            sd: s.sd.map(round6),
                            ci95_lo: s.ci95.map(|c| round6(c.0)),
                            ci95_hi: s.ci95.map(|c| round6(c.1)),
                        },
                    );
                }
                None => row.extend(std::iter::repeat_n(String::new(), 4)),
            }
        }
        cells.write_record(&row)?;
        table.push((
            cell.id.clone(),
            headline.iter().map(|h| stats(&own.iter().filter_map(|r| r.figures.get(h).copied()).collect::<Vec<_>>())).collect(),
        ));
        json_cells.push(JsonCell {
            cell: &cell.id,
            index: ci,
            axes: manifest.axes.iter().map(String::as_str).zip(cell.values.iter()).collect(),
            n: own.len(),
            figures: by_figure,
        });
    }
    let mut cells_json = serde_json::to_vec_pretty(&json_cells)?;
    cells_json.push(b'\n');
    Ok(Assembled {
        runs_csv: runs.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?,
        cells_csv: cells.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?,
        cells_json,
        headline,
        table,
    })
}

/// An axis value in a CSV cell: strings bare, others as JSON.
pub fn display_json(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_interval_of_one_to_five() {
        // [1,2,3,4,5]: mean 3; squared deviations 4+1+0+1+4 = 10, sd = √(10/4) = 1.581139;
        // t(0.975, 4) = 2.776445; half-width = 2.776445 × 1.581139 / √5 = 1.963243.
        let s = stats(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(s.mean, 3.0);
        assert_eq!(fmt6(s.sd.unwrap()), "1.581139");
        assert_eq!(fmt6(t975(4)), "2.776445");
        let (lo, hi) = s.ci95.unwrap();
        assert_eq!((fmt6(lo), fmt6(hi)), ("1.036757".to_string(), "4.963243".to_string()));
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        // Two-sided 95 % critical values from any t table.
        for (df, t) in [(1, "12.706205"), (2, "4.302653"), (9, "2.262157"), (29, "2.04523"), (1000, "1.962339")] {
            assert_eq!(fmt6(t975(df)), t, "df {df}");
        }
    }

    #[test]
    fn one_value_has_no_spread() {
        let s = stats(&[7.5]).unwrap();
        assert_eq!((s.n, s.mean, s.sd, s.ci95), (1, 7.5, None, None));
        assert!(stats(&[]).is_none());
    }

    #[test]
    fn flatten_names_leaves_by_path_and_element_key() {
        let v: Value = serde_json::json!({
            "seed": 7, "scenario": "x", "traffic": { "availability": 0.5, "latency_ms_p50": null },
            "services": [{ "service": "web", "deployments": 2, "deployment_durations_s": [60.0, 360.0] }],
            "cost": { "ec2": [{ "instance_type": "m5.large", "usd": 1.5 }] },
            "flag": true
        });
        let f = flatten(&v);
        let names: Vec<&str> = f.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "cost.ec2.0.usd",
                "flag",
                "services.web.deployment_durations_s.0",
                "services.web.deployment_durations_s.1",
                "services.web.deployments",
                "traffic.availability",
                "traffic.availability_pct"
            ]
        );
        assert_eq!(f["traffic.availability_pct"], 50.0);
        assert_eq!(f["flag"], 1.0);
    }

    #[test]
    fn fixed_formatting() {
        assert_eq!(fmt6(3.0), "3");
        assert_eq!(fmt6(-0.0000001), "0");
        assert_eq!(fmt6(99.91234567), "99.912346");
    }
}
