//! Charts of a sweep (`OUT/charts/`), drawn by `ecsim sweep` and `ecsim merge` right after
//! cells.csv from the same in-memory aggregate (the manifest and `Assembled`), so a merge draws
//! the same bytes as the unsharded sweep, on any number of threads.
//!
//! - `<figure>-vs-<axis>.png/.svg`: per headline figure, its mean against the first numeric
//!   axis with the 95 % interval as error bars; one line per value of a second axis if any.
//! - `heatmap-<figure>.png/.svg`: the first headline figure's mean over the first two axes,
//!   each value written in its cell (± the interval's half-width when there is one).
//! - `compare-<axis>.png/.svg`: per categorical (string) axis, side-by-side bars of every
//!   headline figure with error bars, one panel per figure (grouped by a second axis if any).
//!
//! Axes beyond the ones a chart shows are held at the first cell's values (the chart says so).
//! Zipped axes move together: an axis is never paired with another that it is zipped with.

use super::aggregate::{display_json, Assembled, CellStats};
use super::file::{label_key, slug};
use super::run::Manifest;
use crate::report::chart::{frame, render, shorten, trim_number, ChartError, Picture, FONT, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;
use std::path::{Path, PathBuf};

mod compare;
mod heatmap;
mod limits;
mod line;

use compare::compare_figure;
use heatmap::heatmap_figure;
#[cfg(test)]
use heatmap::viridis;
use limits::{clip_note, clip_stats, Slo};
use line::line_figure;

/// Pixel size of a figure-vs-axis chart (the SVG has the same view box).
pub const LINE_SIZE: (u32, u32) = (1200, 700);
/// Pixel size of a heatmap.
pub const HEATMAP_SIZE: (u32, u32) = (1200, 800);
const LEGEND_WIDTH: u32 = 280;
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const NOTE: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// The SLO's objective lines and the outline of the heatmap cells that meet it.
const SLO_COLOUR: RGBColor = RGBColor(0xd6, 0x27, 0x28);

/// One swept axis as the charts see it.
struct AxisInfo {
    path: String,
    /// The short name (cell ids' key): `desired_count`, `template`.
    key: String,
    /// Distinct values: ascending when numeric, else in order of first appearance.
    values: Vec<Value>,
    numeric: bool,
}

/// The sweep's cells placed on its axes.
struct Grid {
    axes: Vec<AxisInfo>,
    /// Per cell, per axis: the index of the cell's value in `axes[a].values`.
    pos: Vec<Vec<usize>>,
    /// Per axis: its dimension (zipped axes share one: their values are in bijection).
    group: Vec<usize>,
}

impl Grid {
    fn of(m: &Manifest) -> Grid {
        let mut axes = Vec::new();
        for (a, path) in m.axes.iter().enumerate() {
            let mut values: Vec<Value> = Vec::new();
            for c in &m.cells {
                if !values.contains(&c.values[a]) {
                    values.push(c.values[a].clone());
                }
            }
            let numeric = values.iter().all(Value::is_number);
            if numeric {
                values.sort_by(|x, y| num(x).total_cmp(&num(y)));
            }
            axes.push(AxisInfo { path: path.clone(), key: String::new(), values, numeric });
        }
        // Short names, the whole path when two axes would share one (as in the cell ids).
        let keys: Vec<String> = axes.iter().map(|a| label_key(&a.path).to_string()).collect();
        for (i, a) in axes.iter_mut().enumerate() {
            a.key = if keys.iter().filter(|k| **k == keys[i]).count() > 1 { a.path.clone() } else { keys[i].clone() };
        }
        let pos: Vec<Vec<usize>> = m
            .cells
            .iter()
            .map(|c| c.values.iter().zip(&axes).map(|(v, a)| a.values.iter().position(|x| x == v).unwrap_or(0)).collect())
            .collect();
        let mut group: Vec<usize> = (0..axes.len()).collect();
        for a in 0..axes.len() {
            for b in 0..a {
                let mut pairs: Vec<(usize, usize)> = pos.iter().map(|p| (p[a], p[b])).collect();
                pairs.sort_unstable();
                pairs.dedup();
                let (na, nb) = (axes[a].values.len(), axes[b].values.len());
                if na > 1 && na == nb && pairs.len() == na {
                    group[a] = group[b];
                    break;
                }
            }
        }
        Grid { axes, pos, group }
    }

    /// Axes worth a chart: more than one value.
    fn chartable(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.axes.len()).filter(|&a| self.axes[a].values.len() > 1)
    }

    /// The first chartable axis in another dimension than `a`.
    fn partner(&self, a: usize) -> Option<usize> {
        self.chartable().find(|&b| b != a && self.group[b] != self.group[a])
    }

    /// Cells whose axes outside the dimensions of `free` hold the first cell's values.
    fn slice(&self, free: &[usize]) -> Vec<usize> {
        let groups: Vec<usize> = free.iter().map(|&a| self.group[a]).collect();
        (0..self.pos.len())
            .filter(|&c| (0..self.axes.len()).all(|a| groups.contains(&self.group[a]) || self.pos[c][a] == self.pos[0][a]))
            .collect()
    }

    /// "held at: path = value, …" for the axes `free` does not show; empty when none.
    fn held(&self, free: &[usize]) -> Vec<String> {
        let groups: Vec<usize> = free.iter().map(|&a| self.group[a]).collect();
        (0..self.axes.len())
            .filter(|&a| !groups.contains(&self.group[a]) && self.axes[a].values.len() > 1)
            .map(|a| format!("{} = {}", self.axes[a].key, display_json(&self.axes[a].values[self.pos[0][a]])))
            .collect()
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// A figure's name for people and its unit, from the name's conventions (`_pct`, `_ms`, …).
pub fn describe(figure: &str) -> String {
    let known = [
        ("traffic.availability_pct", "Availability (%)"),
        ("traffic.latency_ms_p99", "p99 latency (ms)"),
        ("traffic.latency_ms_p95", "p95 latency (ms)"),
        ("traffic.latency_ms_p90", "p90 latency (ms)"),
        ("traffic.latency_ms_p50", "Median latency (ms)"),
        ("tasks.failed", "Tasks not placed"),
        ("cost.total_usd", "Cost (USD)"),
        ("traffic.elb_5xx", "Load balancer 5xx (requests)"),
        ("traffic.target_5xx", "Target 5xx (requests)"),
        ("slo.error_budget_spent_pct", "Error budget spent (%)"),
        ("slo.availability_pct", "Availability (%)"),
        ("slo.latency_ms_p99", "p99 latency (ms)"),
        ("slo.met", "SLO met (share of replications)"),
    ];
    if let Some((_, d)) = known.iter().find(|(k, _)| *k == figure) {
        return d.to_string();
    }
    let last = figure.rsplit('.').next().unwrap_or(figure);
    let unit = if last.ends_with("_pct") || last.contains("_pct_") {
        " (%)"
    } else if last.contains("_ms") {
        " (ms)"
    } else if last.ends_with("usd") {
        " (USD)"
    } else if last.ends_with("_s") || last.contains("_s_") {
        " (s)"
    } else {
        ""
    };
    format!("{figure}{unit}")
}

/// Decimals that show differences across a range `span` wide with about `digits` significant
/// figures.
fn decimals(span: f64, digits: f64) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 2;
    }
    (digits - span.log10()).ceil().clamp(0.0, 6.0) as usize
}

fn fixed(v: f64, d: usize) -> String {
    let s = format!("{v:.d$}");
    if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// The lowest and highest of the means and interval ends.
fn extent<'a>(stats: impl Iterator<Item = &'a CellStats>) -> Option<(f64, f64)> {
    let mut r: Option<(f64, f64)> = None;
    for s in stats {
        let (lo, hi) = s.ci95.unwrap_or((s.mean, s.mean));
        for v in [s.mean, lo, hi].into_iter().filter(|v| v.is_finite()) {
            r = Some(r.map_or((v, v), |(a, b)| (a.min(v), b.max(v))));
        }
    }
    r
}

/// A y range around `[lo, hi]` with a margin; a flat range gets a unit-wide one.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if hi - lo < 1e-12 {
        // Flat at 0 (no failures anywhere): the axis starts just below 0, not at -1.
        if lo.abs() <= 1e-12 {
            return (-0.05, 1.0);
        }
        let w = lo.abs() * 0.05;
        return (lo - w, hi + w);
    }
    let m = (hi - lo) * 0.08;
    (lo - m, hi + m)
}

fn replications_note(m: &Manifest) -> String {
    format!("means of {} replication(s)", m.replications)
}

/// Draws every chart of the sweep into `dir` (created if needed); returns the PNG paths.
pub fn sweep_charts(m: &Manifest, a: &Assembled, dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    std::fs::create_dir_all(dir).map_err(|source| ChartError::Io { path: dir.to_path_buf(), source })?;
    let grid = Grid::of(m);
    let mut written = Vec::new();
    let mut out = |name: String, picture: &dyn Fn(&Path, &Path) -> Result<(), ChartError>| -> Result<(), ChartError> {
        let png = dir.join(format!("{name}.png"));
        picture(&png, &dir.join(format!("{name}.svg")))?;
        written.push(png);
        Ok(())
    };
    let slo = Slo::of(a);
    let headline: Vec<usize> = (0..a.headline.len()).filter(|&h| a.table.iter().any(|(_, s)| s[h].is_some())).collect();

    if let Some(x) = grid.chartable().find(|&x| grid.axes[x].numeric) {
        let series = grid.partner(x);
        for &h in &headline {
            let fig = line_figure(m, a, &grid, (h, x, series), slo.as_ref());
            out(format!("{}-vs-{}", slug(&a.headline[h]), slug(&grid.axes[x].key)), &|p, s| render(&fig, p, s))?;
        }
    }
    let mut chartable = grid.chartable();
    if let (Some(x), Some(&h)) = (chartable.next(), headline.first()) {
        if let Some(y) = grid.partner(x) {
            let fig = heatmap_figure(m, a, &grid, (h, x, y), slo.as_ref());
            out(format!("heatmap-{}", slug(&a.headline[h])), &|p, s| render(&fig, p, s))?;
        }
    }
    if !headline.is_empty() {
        for c in grid.chartable().filter(|&c| !grid.axes[c].numeric).collect::<Vec<_>>() {
            let fig = compare_figure(m, a, &grid, &headline, c);
            out(format!("compare-{}", slug(&grid.axes[c].key)), &|p, s| render(&fig, p, s))?;
        }
    }
    Ok(written)
}

/// Legend column: a heading, coloured entries, then notes.
struct Legend {
    heading: String,
    entries: Vec<(String, RGBColor)>,
    notes: Vec<String>,
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, legend: &Legend) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let left = |size: u32, color: &'static RGBColor| {
        TextStyle::from((FONT, size).into_font()).color(color).pos(Pos::new(HPos::Left, VPos::Center))
    };
    let (x0, mut y) = (12i32, 60i32);
    if !legend.heading.is_empty() {
        area.draw(&Text::new(shorten(&legend.heading), (x0, y), left(16, &BLACK))).map_err(err)?;
        for (label, color) in &legend.entries {
            y += 26;
            area.draw(&Rectangle::new([(x0, y - 7), (x0 + 28, y + 7)], color.filled())).map_err(err)?;
            area.draw(&Text::new(shorten(label), (x0 + 38, y), left(15, &BLACK))).map_err(err)?;
        }
        y += 40;
    }
    for note in &legend.notes {
        area.draw(&Text::new(note.as_str(), (x0, y), left(14, &NOTE))).map_err(err)?;
        y += 22;
    }
    Ok(())
}

/// A vertical error bar from `lo` to `hi` at `x` with caps `cap` wide (data units).
fn error_bar(x: f64, lo: f64, hi: f64, cap: f64, style: ShapeStyle) -> [PathElement<(f64, f64)>; 3] {
    [
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
}

/// Category labels at integer positions of an f64 axis; nothing between them.
fn category(labels: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_described_with_units() {
        assert_eq!(describe("traffic.availability_pct"), "Availability (%)");
        assert_eq!(describe("reservation_cluster.cpu_pct.mean"), "reservation_cluster.cpu_pct.mean");
        assert_eq!(describe("wait_to_place_s.p95"), "wait_to_place_s.p95");
        assert_eq!(describe("traffic.sources.users.latency_ms_p50"), "traffic.sources.users.latency_ms_p50 (ms)");
        assert_eq!(describe("services.web.cost_usd"), "services.web.cost_usd (USD)");
    }

    #[test]
    fn decimals_follow_the_range() {
        assert_eq!(decimals(0.1, 1.0), 2);
        assert_eq!(decimals(10.0, 1.0), 0);
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
    }
}
