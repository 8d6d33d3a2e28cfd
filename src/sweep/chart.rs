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

/// Pixel size of a figure-vs-axis chart (the SVG has the same view box).
pub const LINE_SIZE: (u32, u32) = (1200, 700);
/// Pixel size of a heatmap.
pub const HEATMAP_SIZE: (u32, u32) = (1200, 800);
const LEGEND_WIDTH: u32 = 280;
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const NOTE: RGBColor = RGBColor(0x44, 0x44, 0x44);

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
    let headline: Vec<usize> = (0..a.headline.len()).filter(|&h| a.table.iter().any(|(_, s)| s[h].is_some())).collect();

    if let Some(x) = grid.chartable().find(|&x| grid.axes[x].numeric) {
        let series = grid.partner(x);
        for &h in &headline {
            let fig = line_figure(m, a, &grid, h, x, series);
            out(format!("{}-vs-{}", slug(&a.headline[h]), slug(&grid.axes[x].key)), &|p, s| render(&fig, p, s))?;
        }
    }
    let mut chartable = grid.chartable();
    if let (Some(x), Some(&h)) = (chartable.next(), headline.first()) {
        if let Some(y) = grid.partner(x) {
            let fig = heatmap_figure(m, a, &grid, h, x, y);
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

/// One mean and its interval at a position.
#[derive(Clone, Copy)]
struct Point {
    x: f64,
    stats: CellStats,
}

struct Series {
    label: String,
    color: RGBColor,
    points: Vec<Point>,
}

/// Legend column: a heading, coloured entries, then notes.
struct Legend {
    heading: String,
    entries: Vec<(String, RGBColor)>,
    notes: Vec<String>,
}

struct LineFigure {
    title: String,
    x_desc: String,
    y_desc: String,
    x_range: (f64, f64),
    x_integers: bool,
    y_range: (f64, f64),
    y_decimals: usize,
    series: Vec<Series>,
    legend: Legend,
}

fn line_figure(m: &Manifest, a: &Assembled, grid: &Grid, h: usize, x: usize, series_axis: Option<usize>) -> LineFigure {
    let free: Vec<usize> = std::iter::once(x).chain(series_axis).collect();
    let cells = grid.slice(&free);
    let xs = &grid.axes[x];
    let groups: Vec<(String, Vec<usize>)> = match series_axis {
        Some(s) => grid.axes[s]
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (display_json(v), cells.iter().copied().filter(|&c| grid.pos[c][s] == i).collect()))
            .collect(),
        None => vec![(String::new(), cells.clone())],
    };
    let (x_lo, x_hi) = (num(&xs.values[0]), num(&xs.values[xs.values.len() - 1]));
    let x_span = (x_hi - x_lo).max(1e-9);
    // Lines side by side at one x are dodged a little so their error bars do not overlap.
    let k = groups.len() as f64;
    let series: Vec<Series> = groups
        .iter()
        .enumerate()
        .map(|(i, (label, cs))| {
            let dodge = if k > 1.0 { (i as f64 - (k - 1.0) / 2.0) * x_span * 0.006 } else { 0.0 };
            let mut points: Vec<Point> = cs
                .iter()
                .filter_map(|&c| a.table[c].1[h].map(|stats| Point { x: num(&xs.values[grid.pos[c][x]]) + dodge, stats }))
                .collect();
            points.sort_by(|p, q| p.x.total_cmp(&q.x));
            Series { label: label.clone(), color: PALETTE[i % PALETTE.len()], points }
        })
        .collect();
    let (lo, hi) = extent(series.iter().flat_map(|s| s.points.iter().map(|p| &p.stats))).unwrap_or((0.0, 1.0));
    let y_range = padded(lo, hi);
    let mut notes = vec![replications_note(m), "error bars: 95 % CI".to_string(), "(Student t)".to_string()];
    let held = grid.held(&free);
    if !held.is_empty() {
        notes.push("other axes held at:".into());
        notes.extend(held);
    }
    let figure = &a.headline[h];
    LineFigure {
        title: format!("{} vs {}", describe(figure), xs.key),
        x_desc: xs.path.clone(),
        y_desc: format!("{}  [{figure}]", describe(figure)),
        x_range: (x_lo - x_span * 0.05, x_hi + x_span * 0.05),
        x_integers: xs.values.iter().all(|v| v.is_i64() || v.is_u64()),
        y_range,
        y_decimals: decimals(y_range.1 - y_range.0, 1.0),
        legend: Legend {
            heading: series_axis.map_or(String::new(), |s| grid.axes[s].key.clone()),
            entries: match series_axis {
                Some(_) => series.iter().map(|s| (s.label.clone(), s.color)).collect(),
                None => Vec::new(),
            },
            notes,
        },
        series,
    }
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

impl Picture for LineFigure {
    fn size(&self) -> (u32, u32) {
        LINE_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plot, legend) = frame(root, &self.title, LEGEND_WIDTH)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(self.x_range.0..self.x_range.1, self.y_range.0..self.y_range.1)
            .map_err(err)?;
        let d = self.y_decimals;
        // An axis of whole numbers (counts) gets no ticks between them.
        let x_label = |v: &f64| if self.x_integers && (v - v.round()).abs() > 1e-9 { String::new() } else { trim_number(*v) };
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&x_label)
            .y_label_formatter(&|v| fixed(*v, d))
            .y_labels(9)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(err)?;
        let cap = (self.x_range.1 - self.x_range.0) * 0.006;
        for s in &self.series {
            let style = s.color.stroke_width(2);
            chart.draw_series(LineSeries::new(s.points.iter().map(|p| (p.x, p.stats.mean)), style)).map_err(err)?;
            chart.draw_series(s.points.iter().map(|p| Circle::new((p.x, p.stats.mean), 4, s.color.filled()))).map_err(err)?;
            for p in &s.points {
                if let Some((lo, hi)) = p.stats.ci95 {
                    chart.draw_series(error_bar(p.x, lo, hi, cap, style)).map_err(err)?;
                }
            }
        }
        draw_legend(&legend, &self.legend)?;
        root.present().map_err(err)
    }
}

struct HeatmapFigure {
    title: String,
    x_desc: String,
    y_desc: String,
    x_labels: Vec<String>,
    y_labels: Vec<String>,
    /// `cells[i][j]`: column i (x), row j (y).
    cells: Vec<Vec<Option<CellStats>>>,
    range: (f64, f64),
    decimals: usize,
    legend: Legend,
}

fn heatmap_figure(m: &Manifest, a: &Assembled, grid: &Grid, h: usize, x: usize, y: usize) -> HeatmapFigure {
    let free = [x, y];
    let (nx, ny) = (grid.axes[x].values.len(), grid.axes[y].values.len());
    let mut cells = vec![vec![None; ny]; nx];
    for c in grid.slice(&free) {
        cells[grid.pos[c][x]][grid.pos[c][y]] = a.table[c].1[h];
    }
    let means = cells.iter().flatten().flatten().map(|s| s.mean).filter(|v| v.is_finite());
    let range =
        means.fold(None, |r: Option<(f64, f64)>, v| Some(r.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))).unwrap_or((0.0, 1.0));
    let figure = &a.headline[h];
    let mut notes = vec![replications_note(m), "± half-width of the 95 % CI".to_string()];
    let held = grid.held(&free);
    if !held.is_empty() {
        notes.push("other axes held at:".into());
        notes.extend(held);
    }
    let labels = |axis: usize| grid.axes[axis].values.iter().map(display_json).collect::<Vec<_>>();
    HeatmapFigure {
        title: format!("{} by {} and {}", describe(figure), grid.axes[x].key, grid.axes[y].key),
        x_desc: grid.axes[x].path.clone(),
        y_desc: grid.axes[y].path.clone(),
        x_labels: labels(x),
        y_labels: labels(y),
        cells,
        range,
        // Availability near 100 % needs its decimals: 99.9996 is not 100.00.
        decimals: if figure.contains("availability") { decimals(range.1 - range.0, 2.0).max(4) } else { decimals(range.1 - range.0, 2.0) },
        legend: Legend { heading: String::new(), entries: Vec::new(), notes: { std::iter::once(figure.clone()).chain(notes).collect() } },
    }
}

/// Viridis at `t` in [0, 1] (piecewise linear through five of its colours).
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [(0x44, 0x01, 0x54), (0x3b, 0x52, 0x8b), (0x21, 0x91, 0x8c), (0x5e, 0xc9, 0x62), (0xfd, 0xe7, 0x25)];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl HeatmapFigure {
    fn shade(&self, v: f64) -> f64 {
        let (lo, hi) = self.range;
        if hi - lo < 1e-12 {
            0.5
        } else {
            (v - lo) / (hi - lo)
        }
    }
}

/// Category labels at integer positions of an f64 axis; nothing between them.
fn category(labels: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

impl Picture for HeatmapFigure {
    fn size(&self) -> (u32, u32) {
        HEATMAP_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plot, legend) = frame(root, &self.title, LEGEND_WIDTH)?;
        let (nx, ny) = (self.x_labels.len(), self.y_labels.len());
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(120)
            .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_labels(nx)
            .y_labels(ny)
            .x_label_formatter(&|v| category(&self.x_labels, *v))
            .y_label_formatter(&|v| category(&self.y_labels, *v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(err)?;
        let cell_px = {
            let (w, h) = chart.plotting_area().dim_in_pixel();
            (w / nx.max(1) as u32).min(h / ny.max(1) as u32)
        };
        let size = (cell_px / 5).clamp(11, 20);
        for (i, col) in self.cells.iter().enumerate() {
            for (j, s) in col.iter().enumerate() {
                let (x, y) = (i as f64, j as f64);
                let Some(s) = s else {
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], WHITE.filled())))
                        .map_err(err)?;
                    continue;
                };
                let t = self.shade(s.mean);
                let fill = viridis(t);
                chart.draw_series(std::iter::once(Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], fill.filled()))).map_err(err)?;
                chart
                    .draw_series(std::iter::once(Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], WHITE.stroke_width(1))))
                    .map_err(err)?;
                let ink = if t > 0.6 { BLACK } else { WHITE };
                let center = TextStyle::from((FONT, size).into_font()).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                let mean = fixed(s.mean, self.decimals);
                match s.ci95 {
                    Some((lo, hi)) if cell_px >= 60 => {
                        chart.draw_series(std::iter::once(Text::new(mean, (x, y + 0.12), center.clone()))).map_err(err)?;
                        let small = TextStyle::from((FONT, size * 3 / 4).into_font()).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                        let half = format!("± {}", fixed((hi - lo) / 2.0, self.decimals));
                        chart.draw_series(std::iter::once(Text::new(half, (x, y - 0.14), small))).map_err(err)?;
                    }
                    _ => {
                        chart.draw_series(std::iter::once(Text::new(mean, (x, y), center.clone()))).map_err(err)?;
                    }
                }
            }
        }
        // Colour bar: the scale from the lowest mean (bottom) to the highest (top).
        let (bx, top, bottom) = (24i32, 80i32, 380i32);
        let steps = 60;
        for k in 0..steps {
            let t = 1.0 - k as f64 / (steps - 1) as f64;
            let y0 = top + (bottom - top) * k / steps;
            let y1 = top + (bottom - top) * (k + 1) / steps;
            legend.draw(&Rectangle::new([(bx, y0), (bx + 28, y1)], viridis(t).filled())).map_err(err)?;
        }
        legend.draw(&Rectangle::new([(bx, top), (bx + 28, bottom)], BLACK.stroke_width(1))).map_err(err)?;
        let left = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        legend.draw(&Text::new(fixed(self.range.1, self.decimals), (bx + 36, top), left.clone())).map_err(err)?;
        legend.draw(&Text::new(fixed(self.range.0, self.decimals), (bx + 36, bottom), left.clone())).map_err(err)?;
        legend.draw(&Text::new("colour: mean", (bx, top - 22), left.clone())).map_err(err)?;
        let notes = Legend { heading: String::new(), entries: Vec::new(), notes: self.legend.notes.clone() };
        let below = legend.margin(bottom as u32 - 20, 0, 0, 0);
        draw_legend(&below, &notes)?;
        root.present().map_err(err)
    }
}

struct BarPanel {
    caption: String,
    y_desc: String,
    /// The bars' floor: 0, or just below the data when they are far from 0 (`zoomed`).
    y_range: (f64, f64),
    zoomed: bool,
    decimals: usize,
    /// Per category, per group member: the stats.
    bars: Vec<Vec<Option<CellStats>>>,
}

struct CompareFigure {
    title: String,
    x_desc: String,
    categories: Vec<String>,
    /// Colour per group member (one member, coloured per category, without a second axis).
    members: usize,
    per_category_colour: bool,
    panels: Vec<BarPanel>,
    legend: Legend,
}

fn compare_figure(m: &Manifest, a: &Assembled, grid: &Grid, headline: &[usize], c: usize) -> CompareFigure {
    let series_axis = grid.partner(c);
    let free: Vec<usize> = std::iter::once(c).chain(series_axis).collect();
    let cells = grid.slice(&free);
    let members = series_axis.map_or(1, |s| grid.axes[s].values.len());
    let categories: Vec<String> = grid.axes[c].values.iter().map(display_json).collect();
    let panels = headline
        .iter()
        .map(|&h| {
            let mut bars = vec![vec![None; members]; categories.len()];
            for &cell in &cells {
                let j = series_axis.map_or(0, |s| grid.pos[cell][s]);
                bars[grid.pos[cell][c]][j] = a.table[cell].1[h];
            }
            let (lo, hi) = extent(bars.iter().flatten().flatten()).unwrap_or((0.0, 1.0));
            let means: Vec<f64> = bars.iter().flatten().flatten().map(|s| s.mean).collect();
            let (m_lo, m_hi) = means.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            // Bars start at 0 unless the means sit far from it, close together (availability
            // near 100 %): then the axis is zoomed onto the data and the caption says so.
            let near_zero = m_hi - m_lo >= 0.25 * m_lo.abs().max(m_hi.abs()) || m_hi - m_lo <= 1e-9 * m_hi.abs().max(1.0);
            let (y_range, zoomed) = if near_zero {
                let (lo, hi) = (lo.min(0.0), hi.max(0.0));
                let pad = (hi - lo).max(1e-9) * 0.08;
                ((if lo < 0.0 { lo - pad } else { 0.0 }, if hi > 0.0 { hi + pad } else { 1.0 }), false)
            } else {
                (padded(lo, hi), true)
            };
            let figure = &a.headline[h];
            CompareFigure::panel(figure, y_range, zoomed, bars)
        })
        .collect();
    let mut notes = vec![replications_note(m), "error bars: 95 % CI".to_string(), "(Student t)".to_string()];
    let held = grid.held(&free);
    if !held.is_empty() {
        notes.push("other axes held at:".into());
        notes.extend(held);
    }
    let legend = match series_axis {
        Some(s) => Legend {
            heading: grid.axes[s].key.clone(),
            entries: grid.axes[s].values.iter().enumerate().map(|(i, v)| (display_json(v), PALETTE[i % PALETTE.len()])).collect(),
            notes,
        },
        None => Legend {
            heading: grid.axes[c].key.clone(),
            entries: categories.iter().enumerate().map(|(i, v)| (v.clone(), PALETTE[i % PALETTE.len()])).collect(),
            notes,
        },
    };
    CompareFigure {
        title: format!("Comparison of {}", grid.axes[c].key),
        x_desc: grid.axes[c].path.clone(),
        categories,
        members,
        per_category_colour: series_axis.is_none(),
        panels,
        legend,
    }
}

impl CompareFigure {
    fn panel(figure: &str, y_range: (f64, f64), zoomed: bool, bars: Vec<Vec<Option<CellStats>>>) -> BarPanel {
        let caption = if zoomed { format!("{figure}  (axis zoomed: not from 0)") } else { figure.to_string() };
        BarPanel { caption, y_desc: describe(figure), y_range, zoomed, decimals: decimals(y_range.1 - y_range.0, 1.0), bars }
    }

    fn layout(&self) -> (usize, usize) {
        let n = self.panels.len().max(1);
        let cols = if n <= 2 { 1 } else { 2 };
        (n.div_ceil(cols), cols)
    }
}

impl Picture for CompareFigure {
    fn size(&self) -> (u32, u32) {
        let (rows, _) = self.layout();
        (1600, 70 + 360 * rows as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plots, legend) = frame(root, &self.title, LEGEND_WIDTH)?;
        let (rows, cols) = self.layout();
        let n = self.categories.len();
        let width = 0.8 / self.members as f64;
        for (panel, area) in self.panels.iter().zip(plots.split_evenly((rows, cols)).iter()) {
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.caption, (FONT, 17))
                .margin(10)
                .x_label_area_size(if cols == 1 { 48 } else { 40 })
                .y_label_area_size(96)
                .build_cartesian_2d(-0.5..n as f64 - 0.5, panel.y_range.0..panel.y_range.1)
                .map_err(err)?;
            let d = panel.decimals;
            let x_label = |v: &f64| category(&self.categories, *v);
            let y_label = |v: &f64| fixed(*v, d);
            let mut mesh = chart.configure_mesh();
            mesh.y_desc(panel.y_desc.as_str())
                .x_labels(n)
                .x_label_formatter(&x_label)
                .y_label_formatter(&y_label)
                .y_labels(7)
                .disable_x_mesh()
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 14))
                .light_line_style(TRANSPARENT)
                .bold_line_style(GRID);
            if cols == 1 {
                mesh.x_desc(self.x_desc.as_str());
            }
            mesh.draw().map_err(err)?;
            let floor = if panel.zoomed { panel.y_range.0 } else { 0.0 };
            for (i, members) in panel.bars.iter().enumerate() {
                for (j, s) in members.iter().enumerate() {
                    let Some(s) = s else { continue };
                    let color = PALETTE[if self.per_category_colour { i } else { j } % PALETTE.len()];
                    let center = i as f64 + (j as f64 - (self.members as f64 - 1.0) / 2.0) * width;
                    let (x0, x1) = (center - width * 0.45, center + width * 0.45);
                    chart
                        .draw_series(std::iter::once(Rectangle::new([(x0, floor), (x1, s.mean)], color.mix(0.85).filled())))
                        .map_err(err)?;
                    if let Some((lo, hi)) = s.ci95 {
                        chart.draw_series(error_bar(center, lo, hi, width * 0.15, BLACK.stroke_width(2))).map_err(err)?;
                    }
                }
            }
        }
        draw_legend(&legend, &self.legend)?;
        root.present().map_err(err)
    }
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
