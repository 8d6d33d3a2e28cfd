//! The heatmap of a sweep: a headline figure over two axes, one coloured cell per grid cell
//! (viridis), its mean written in it. A numeric axis is proportional: each cell is centred on
//! its value and reaches halfway to its neighbours, so 3, 4, 6, 8 are not spaced evenly; a
//! categorical axis has one even column per value, labelled with it. Cells whose every
//! replication met the scenario's SLO are outlined, and the SLO is stated in the legend.

use super::*;

pub(super) struct HeatmapFigure {
    title: String,
    x_desc: String,
    y_desc: String,
    x: HeatAxis,
    y: HeatAxis,
    /// Per cell like `cells`: every replication met the SLO (outlined).
    met: Vec<Vec<bool>>,
    /// What the outline means ("SLO: availability ≥ 99.5 %, …"), when the runs have an SLO.
    slo: Option<String>,
    /// Cells whose interval was clipped to the figure's possible range (marked "*").
    clipped: Vec<Vec<bool>>,
    /// `cells[i][j]`: column i (x), row j (y).
    cells: Vec<Vec<Option<CellStats>>>,
    range: (f64, f64),
    decimals: usize,
    legend: Legend,
}

/// One axis of the heatmap: per value its label and its cell's extent on the axis.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HeatAxis {
    pub(super) labels: Vec<String>,
    /// Per value: (low edge, centre, high edge) in axis units.
    pub(super) cells: Vec<(f64, f64, f64)>,
    pub(super) numeric: bool,
}

impl HeatAxis {
    /// A numeric axis places each value at itself, its cell reaching halfway to its
    /// neighbours (the outer cells as far out as inwards); a categorical one puts value i at i.
    pub(super) fn of(info: &AxisInfo) -> HeatAxis {
        let labels: Vec<String> = info.values.iter().map(display_json).collect();
        let values: Vec<f64> = info.values.iter().map(num).collect();
        let numeric = info.numeric && values.len() > 1 && values.iter().all(|v| v.is_finite());
        let cells = if numeric {
            (0..values.len())
                .map(|i| {
                    let v = values[i];
                    let below = if i == 0 { v - (values[1] - v) / 2.0 } else { (values[i - 1] + v) / 2.0 };
                    let above = if i + 1 == values.len() { v + (v - values[i - 1]) / 2.0 } else { (v + values[i + 1]) / 2.0 };
                    (below, v, above)
                })
                .collect()
        } else {
            (0..values.len()).map(|i| (i as f64 - 0.5, i as f64, i as f64 + 0.5)).collect()
        };
        HeatAxis { labels, cells, numeric }
    }

    fn range(&self) -> std::ops::Range<f64> {
        let lo = self.cells.first().map_or(-0.5, |c| c.0);
        let hi = self.cells.last().map_or(0.5, |c| c.2);
        lo..hi
    }

    /// The tick label at `v`: a number on a numeric axis, the value's name at its position
    /// on a categorical one.
    fn label(&self, v: f64) -> String {
        if self.numeric {
            trim_number(v)
        } else {
            category(&self.labels, v)
        }
    }

    fn ticks(&self) -> usize {
        if self.numeric {
            12
        } else {
            self.labels.len()
        }
    }
}

pub(super) fn heatmap_figure(
    m: &Manifest,
    a: &Assembled,
    grid: &Grid,
    (h, x, y): (usize, usize, usize),
    slo: Option<&Slo>,
) -> HeatmapFigure {
    let free = [x, y];
    let (nx, ny) = (grid.axes[x].values.len(), grid.axes[y].values.len());
    let mut cells = vec![vec![None; ny]; nx];
    let mut met = vec![vec![false; ny]; nx];
    let mut clipped = vec![vec![false; ny]; nx];
    let figure = &a.headline[h];
    for c in grid.slice(&free) {
        let (i, j) = (grid.pos[c][x], grid.pos[c][y]);
        if let Some(stats) = a.table[c].1[h] {
            let (stats, cut) = clip_stats(figure, stats);
            cells[i][j] = Some(stats);
            clipped[i][j] = cut;
        }
        met[i][j] = slo.and_then(|s| s.met_share.get(c).copied().flatten()).is_some_and(|share| share >= 1.0);
    }
    let means = cells.iter().flatten().flatten().map(|s| s.mean).filter(|v| v.is_finite());
    let range =
        means.fold(None, |r: Option<(f64, f64)>, v| Some(r.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))).unwrap_or((0.0, 1.0));
    let mut notes = vec![replications_note(m), "± half-width of the 95 % CI".to_string()];
    let n_clipped = clipped.iter().flatten().filter(|&&c| c).count();
    if let Some(note) = clip_note(figure, n_clipped) {
        notes.push(format!("* {note}:"));
        notes.push("  shown as low–high".to_string());
    }
    if slo.is_some() {
        notes.push("outlined: every replication".to_string());
        notes.push("  met the SLO".to_string());
    }
    let held = grid.held(&free);
    if !held.is_empty() {
        notes.push("other axes held at:".into());
        notes.extend(held);
    }
    let slo_text = slo.map(Slo::describe);
    let desc = |axis: usize| {
        let info = &grid.axes[axis];
        if info.numeric {
            format!("{} (cells centred on their values)", info.path)
        } else {
            info.path.clone()
        }
    };
    HeatmapFigure {
        title: match &slo_text {
            Some(t) => format!("{} by {} and {} — {t}", describe(figure), grid.axes[x].key, grid.axes[y].key),
            None => format!("{} by {} and {}", describe(figure), grid.axes[x].key, grid.axes[y].key),
        },
        x_desc: desc(x),
        y_desc: desc(y),
        x: HeatAxis::of(&grid.axes[x]),
        y: HeatAxis::of(&grid.axes[y]),
        met,
        slo: slo_text,
        clipped,
        cells,
        range,
        // Availability near 100 % needs its decimals: 99.9996 is not 100.00.
        decimals: if figure.contains("availability") { decimals(range.1 - range.0, 2.0).max(4) } else { decimals(range.1 - range.0, 2.0) },
        legend: Legend { heading: String::new(), entries: Vec::new(), notes: { std::iter::once(figure.clone()).chain(notes).collect() } },
    }
}

/// Viridis at `t` in [0, 1] (piecewise linear through five of its colours).
pub(super) fn viridis(t: f64) -> RGBColor {
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

impl Picture for HeatmapFigure {
    fn size(&self) -> (u32, u32) {
        HEATMAP_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plot, legend) = frame(root, &self.title, LEGEND_WIDTH)?;
        let (nx, ny) = (self.x.labels.len(), self.y.labels.len());
        let mut chart = ChartBuilder::on(&plot)
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(120)
            .build_cartesian_2d(self.x.range(), self.y.range())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_labels(self.x.ticks())
            .y_labels(self.y.ticks())
            .x_label_formatter(&|v| self.x.label(*v))
            .y_label_formatter(&|v| self.y.label(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(err)?;
        // The narrowest cell decides the text size.
        let cell_px = {
            let (w, h) = chart.plotting_area().dim_in_pixel();
            let share = |axis: &HeatAxis| {
                let r = axis.range();
                axis.cells.iter().map(|c| (c.2 - c.0) / (r.end - r.start)).fold(1.0, f64::min)
            };
            ((w as f64 * share(&self.x)) as u32).min((h as f64 * share(&self.y)) as u32).max(1)
        };
        let _ = (nx, ny);
        let size = (cell_px / 5).clamp(11, 20);
        for (i, col) in self.cells.iter().enumerate() {
            for (j, s) in col.iter().enumerate() {
                let ((x0, x, x1), (y0, y, y1)) = (self.x.cells[i], self.y.cells[j]);
                // Text offsets are a share of the cell's height.
                let dy = (y1 - y0) / 2.0;
                let corners = [(x0, y0), (x1, y1)];
                let Some(s) = s else {
                    chart.draw_series(std::iter::once(Rectangle::new(corners, WHITE.filled()))).map_err(err)?;
                    continue;
                };
                let t = self.shade(s.mean);
                let fill = viridis(t);
                chart.draw_series(std::iter::once(Rectangle::new(corners, fill.filled()))).map_err(err)?;
                chart.draw_series(std::iter::once(Rectangle::new(corners, WHITE.stroke_width(1)))).map_err(err)?;
                if self.met[i][j] {
                    // Inset, so that two neighbouring outlines stay apart.
                    let (ix, iy) = ((x1 - x0) * 0.04, (y1 - y0) * 0.04);
                    let inset = [(x0 + ix, y0 + iy), (x1 - ix, y1 - iy)];
                    chart.draw_series(std::iter::once(Rectangle::new(inset, SLO_COLOUR.stroke_width(4)))).map_err(err)?;
                }
                let ink = if t > 0.6 { BLACK } else { WHITE };
                let center = TextStyle::from((FONT, size).into_font()).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                let mean = fixed(s.mean, self.decimals);
                match s.ci95 {
                    Some((lo, hi)) if cell_px >= 60 => {
                        chart.draw_series(std::iter::once(Text::new(mean, (x, y + 0.24 * dy), center.clone()))).map_err(err)?;
                        let small = TextStyle::from((FONT, size * 3 / 4).into_font()).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                        let interval = if self.clipped[i][j] {
                            format!("{}–{} *", fixed(lo, self.decimals), fixed(hi, self.decimals))
                        } else {
                            format!("± {}", fixed((hi - lo) / 2.0, self.decimals))
                        };
                        chart.draw_series(std::iter::once(Text::new(interval, (x, y - 0.28 * dy), small))).map_err(err)?;
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
        if let Some(slo) = &self.slo {
            // The outline's key, under the colour bar.
            let y = bottom + 40;
            legend.draw(&Rectangle::new([(bx, y - 9), (bx + 28, y + 9)], SLO_COLOUR.stroke_width(3))).map_err(err)?;
            legend.draw(&Text::new("SLO met", (bx + 36, y), left.clone())).map_err(err)?;
            let small = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
            for (k, part) in slo.trim_start_matches("SLO: ").split(", ").enumerate() {
                legend.draw(&Text::new(part.to_string(), (bx + 36, y + 18 + 16 * k as i32), small.clone())).map_err(err)?;
            }
        }
        let notes = Legend { heading: String::new(), entries: Vec::new(), notes: self.legend.notes.clone() };
        let below = legend.margin((bottom + if self.slo.is_some() { 90 } else { -20 }) as u32, 0, 0, 0);
        draw_legend(&below, &notes)?;
        root.present().map_err(err)
    }
}
