//! A sweep's page (runs.csv, cells.json, sweep.json): each headline figure against the sweep's
//! axes with its 95 % interval clipped to what is possible (a percentage within 0–100, a
//! fraction of runs within 0–1, anything else at least 0) and the SLO's objective drawn; and
//! the configurations sorted by cost among those that met the SLO in every replication, then
//! the others, marked.

use super::page::{self, escape_html};
use super::read::{self, num_json, Table};
use super::verdicts::decimals;
use anyhow::Result;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The figures shown when the sweep file names none (as the sweep's own table).
const DEFAULT_FIGURES: [&str; 4] = ["traffic.availability_pct", "traffic.latency_ms_p99", "tasks.failed", "cost.total_usd"];

/// What a figure can possibly be: its lowest and highest values. Every figure of a summary is
/// at least 0; a percentage is at most 100 (but the error budget spent, which passes 100 when
/// blown); whether the SLO was met, and availability as a fraction, at most 1.
pub fn possible_range(figure: &str) -> (f64, Option<f64>) {
    let leaf = figure.rsplit('.').next().unwrap_or(figure);
    if leaf == "met" || leaf.ends_with("_met") || leaf == "availability" {
        (0.0, Some(1.0))
    } else if figure.contains("_pct") && !figure.contains("spent") {
        (0.0, Some(100.0))
    } else {
        (0.0, None)
    }
}

/// An interval clipped to what `figure` can be.
pub fn clip(figure: &str, lo: f64, hi: f64) -> (f64, f64) {
    let (min, max) = possible_range(figure);
    let max = max.unwrap_or(f64::INFINITY);
    (lo.clamp(min, max), hi.clamp(min, max))
}

/// The SLO's objective for a figure, from the runs' summaries (same in every run).
fn objective(figure: &str, runs: &Table) -> Option<f64> {
    let column = match figure {
        "traffic.availability_pct" | "slo.availability_pct" => "slo.availability_pct_objective",
        "traffic.latency_ms_p99" | "slo.latency_ms_p99" => "slo.latency_ms_p99_objective",
        _ => return None,
    };
    runs.rows.first().and_then(|r| runs.num(r, column))
}

struct Cell {
    id: String,
    values: Vec<Value>,
    figures: BTreeMap<String, (f64, f64, f64)>,
}

/// The page of the sweep in `dir`.
pub fn page(dir: &Path) -> Result<String> {
    let manifest = read::json(dir, "sweep.json")?;
    let cells_json = read::json(dir, "cells.json")?;
    let runs = Table::read(dir, "runs.csv")?;
    let name = manifest.get("sweep").and_then(Value::as_str).unwrap_or("sweep").to_string();
    let axes: Vec<String> = manifest
        .get("axes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();

    let cells: Vec<Cell> = cells_json
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| Cell {
                    id: c.get("cell").and_then(Value::as_str).unwrap_or("").to_string(),
                    values: axes.iter().map(|ax| c.get("axes").and_then(|m| m.get(ax)).cloned().unwrap_or(Value::Null)).collect(),
                    figures: c
                        .get("figures")
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .filter_map(|(k, f)| {
                                    Some((k.clone(), (f.get("mean")?.as_f64()?, f.get("ci95_lo")?.as_f64()?, f.get("ci95_hi")?.as_f64()?)))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let present = |f: &str| cells.iter().any(|c| c.figures.contains_key(f));
    let figures: Vec<String> = match manifest.get("figures").and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(|v| v.as_str()).filter(|f| present(f)).map(str::to_string).collect(),
        None => DEFAULT_FIGURES.iter().filter(|f| present(f)).map(|f| f.to_string()).collect(),
    };

    // Per cell: replications that met the SLO, and the mean cost, from runs.csv.
    let mut met: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut cost: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    let has_slo = runs.col("slo.met").is_some();
    for row in &runs.rows {
        let cell = runs.text(row, "cell").to_string();
        let m = met.entry(cell.clone()).or_default();
        m.1 += 1;
        if runs.num(row, "slo.met") == Some(1.0) {
            m.0 += 1;
        }
        if let Some(c) = runs.num(row, "cost.total_usd") {
            let e = cost.entry(cell).or_default();
            e.0 += c;
            e.1 += 1;
        }
    }
    let mean_cost = |id: &str| cost.get(id).filter(|c| c.1 > 0).map(|c| c.0 / c.1 as f64);
    let meets = |id: &str| met.get(id).is_some_and(|m| m.1 > 0 && m.0 == m.1);

    let charts: Vec<Value> = figures.iter().map(|f| figure_chart(f, &axes, &cells, &runs)).collect();
    let table = configurations_table(&axes, &cells, &figures, has_slo, &met, &mean_cost, &meets);

    let replications = manifest.get("replications").map(Value::to_string).unwrap_or_default();
    let subtitle = format!("{} cells × {replications} replications · axes: {}", cells.len(), axes.join(", "));
    let mut body = page::header(&format!("Sweep {name}"), &subtitle);
    body.push_str("<section id=\"sweep-figures\"><h2>Figures against the axes</h2><div class=\"explain\">Each point is a cell's mean over its replications; the bar is its 95 % confidence interval, clipped to what the figure can be (a percentage within 0–100, a count or a cost at least 0). The dashed line is the SLO's objective.</div><div class=\"charts\"></div></section>\n");
    body.push_str(&table);
    let data = json!({"kind": "sweep", "figures": charts});
    Ok(page::render(&page::Page {
        title: &format!("Sweep {name}"),
        body: &body,
        data: &[&data.to_string()],
        script: page::SWEEP_SCRIPT,
        cluster: None,
    }))
}

/// One figure's chart: x is the last numeric axis (else the last axis, as categories), one
/// series per combination of the other axes' values.
fn figure_chart(figure: &str, axes: &[String], cells: &[Cell], runs: &Table) -> Value {
    let numeric = |i: usize| cells.iter().all(|c| c.values.get(i).is_some_and(Value::is_number));
    let x_axis = (0..axes.len()).rev().find(|i| numeric(*i)).or(axes.len().checked_sub(1));
    let x_numeric = x_axis.is_some_and(numeric);
    let label = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    let mut categories: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for c in cells {
        let Some(&(mean, lo, hi)) = c.figures.get(figure) else { continue };
        let (lo, hi) = clip(figure, lo, hi);
        let x = match x_axis {
            Some(i) if x_numeric => c.values[i].as_f64().unwrap_or(0.0),
            Some(i) => {
                let l = label(&c.values[i]);
                let pos = categories.iter().position(|k| *k == l).unwrap_or_else(|| {
                    categories.push(l);
                    categories.len() - 1
                });
                pos as f64
            }
            None => 0.0,
        };
        let group: Vec<String> = axes
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != x_axis)
            .map(|(i, a)| format!("{} = {}", short(a), label(&c.values[i])))
            .collect();
        let group = if group.is_empty() { "mean".to_string() } else { group.join(", ") };
        if !groups.contains_key(&group) {
            order.push(group.clone());
        }
        groups.entry(group).or_default().push(json!([x, mean, lo, hi, c.id]));
    }
    let (min, max) = possible_range(figure);
    json!({
        "figure": figure,
        "x_axis": x_axis.map(|i| axes[i].clone()),
        "x_numeric": x_numeric,
        "categories": categories,
        "groups": order.iter().map(|g| json!({"label": g, "points": groups[g]})).collect::<Vec<_>>(),
        "objective": num_json(objective(figure, runs)),
        "possible": [min, num_json(max)],
    })
}

/// An axis's last part: "services.web.desired_count" → "desired_count".
fn short(axis: &str) -> &str {
    axis.rsplit('.').next().unwrap_or(axis)
}

/// The configurations sorted by cost among those meeting the SLO, then the others.
fn configurations_table(
    axes: &[String],
    cells: &[Cell],
    figures: &[String],
    has_slo: bool,
    met: &BTreeMap<String, (usize, usize)>,
    mean_cost: &dyn Fn(&str) -> Option<f64>,
    meets: &dyn Fn(&str) -> bool,
) -> String {
    let mut order: Vec<&Cell> = cells.iter().collect();
    // Meeting first, then by cost (cells without a cost last), then by the sweep's order.
    order.sort_by(|a, b| {
        let key = |c: &Cell| (!meets(&c.id) && has_slo, mean_cost(&c.id).unwrap_or(f64::INFINITY));
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    let mut head: String = axes.iter().map(|a| format!("<th>{}</th>", escape_html(short(a)))).collect();
    head.push_str("<th>cost (USD, mean)</th>");
    head.extend(figures.iter().filter(|f| f.as_str() != "cost.total_usd").map(|f| format!("<th>{} (mean [95 % CI])</th>", escape_html(f))));
    if has_slo {
        head.push_str("<th>SLO met</th>");
    }
    let mut rows = String::new();
    for c in order {
        let ok = meets(&c.id);
        let class = if !has_slo {
            ""
        } else if ok {
            " class=\"good\""
        } else {
            " class=\"bad\""
        };
        rows.push_str(&format!("<tr{class} data-cell=\"{}\">", escape_html(&c.id)));
        for v in &c.values {
            rows.push_str(&format!("<td>{}</td>", escape_html(&v.as_str().map_or_else(|| v.to_string(), str::to_string))));
        }
        rows.push_str(&format!("<td class=\"num\">{}</td>", mean_cost(&c.id).map_or("–".into(), |x| decimals(x, 4))));
        for f in figures.iter().filter(|f| f.as_str() != "cost.total_usd") {
            let cell = c.figures.get(f).map_or("–".into(), |&(m, lo, hi)| {
                let (lo, hi) = clip(f, lo, hi);
                format!("{} [{}, {}]", decimals(m, 3), decimals(lo, 3), decimals(hi, 3))
            });
            rows.push_str(&format!("<td class=\"num\">{cell}</td>"));
        }
        if has_slo {
            let (n_met, n) = met.get(&c.id).copied().unwrap_or_default();
            let mark = if ok { "✔" } else { "✘" };
            rows.push_str(&format!("<td><span class=\"mark\">{mark}</span> {n_met} of {n} runs</td>"));
        }
        rows.push_str("</tr>\n");
    }
    let explain = if has_slo {
        "Configurations that met the SLO in every replication first, cheapest first; then the others (marked ✘), cheapest first."
    } else {
        "The base scenario has no [slo]: every configuration, cheapest first."
    };
    format!(
        "<section id=\"configurations\"><h2>Configurations by cost</h2><div class=\"explain\">{explain}</div><div class=\"table-wrap\"><table><thead><tr>{head}</tr></thead><tbody>\n{rows}</tbody></table></div></section>\n"
    )
}
