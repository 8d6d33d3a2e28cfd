//! The comparison figure of a sweep: per headline figure a panel of bars, one per value of a
//! categorical axis, with their 95 % intervals clipped to what the figure can take. Bars start
//! at zero; a panel whose means sit close together far from zero (availability near 100 %)
//! is zoomed onto them and draws points instead of bars, since a bar's length would then
//! exaggerate the differences.

use super::*;

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

pub(super) struct CompareFigure {
    title: String,
    x_desc: String,
    categories: Vec<String>,
    /// Colour per group member (one member, coloured per category, without a second axis).
    members: usize,
    per_category_colour: bool,
    panels: Vec<BarPanel>,
    legend: Legend,
}

pub(super) fn compare_figure(m: &Manifest, a: &Assembled, grid: &Grid, headline: &[usize], c: usize) -> CompareFigure {
    let series_axis = grid.partner(c);
    let free: Vec<usize> = std::iter::once(c).chain(series_axis).collect();
    let cells = grid.slice(&free);
    let members = series_axis.map_or(1, |s| grid.axes[s].values.len());
    let categories: Vec<String> = grid.axes[c].values.iter().map(display_json).collect();
    let mut clip_notes = Vec::new();
    let panels = headline
        .iter()
        .map(|&h| {
            let mut bars = vec![vec![None; members]; categories.len()];
            let mut clipped = 0;
            for &cell in &cells {
                let j = series_axis.map_or(0, |s| grid.pos[cell][s]);
                bars[grid.pos[cell][c]][j] = a.table[cell].1[h].map(|stats| {
                    let (stats, cut) = clip_stats(&a.headline[h], stats);
                    clipped += usize::from(cut);
                    stats
                });
            }
            clip_notes.extend(clip_note(&a.headline[h], clipped).map(|n| format!("{}: {n}", shorten_figure(&a.headline[h]))));
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
    notes.extend(clip_notes);
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

/// The last two parts of a figure's name, for a note in the narrow legend column.
fn shorten_figure(figure: &str) -> String {
    let parts: Vec<&str> = figure.rsplitn(2, '.').collect();
    parts.first().map_or(figure.to_string(), |p| p.to_string())
}

impl CompareFigure {
    fn panel(figure: &str, y_range: (f64, f64), zoomed: bool, bars: Vec<Vec<Option<CellStats>>>) -> BarPanel {
        let caption = if zoomed { format!("{figure}  (axis zoomed, not from 0: points, not bars)") } else { figure.to_string() };
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
                    if panel.zoomed {
                        chart.draw_series(std::iter::once(Circle::new((center, s.mean), 6, color.filled()))).map_err(err)?;
                    } else {
                        chart
                            .draw_series(std::iter::once(Rectangle::new([(x0, floor), (x1, s.mean)], color.mix(0.85).filled())))
                            .map_err(err)?;
                    }
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
