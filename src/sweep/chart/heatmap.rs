//! The heatmap of a sweep: a headline figure over two axes, one coloured cell per grid cell
//! (viridis), its mean written in it.

use super::*;

pub(super) struct HeatmapFigure {
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

pub(super) fn heatmap_figure(m: &Manifest, a: &Assembled, grid: &Grid, h: usize, x: usize, y: usize) -> HeatmapFigure {
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
