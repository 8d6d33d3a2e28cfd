//! The line figure of a sweep: a headline figure against a numeric axis, one line per value
//! of a partner axis, each mean with its 95 % interval as an error bar.

use super::*;

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

pub(super) struct LineFigure {
    title: String,
    /// The SLO's objective for this figure (a dashed horizontal line) and its label.
    objective: Option<(f64, String)>,
    x_desc: String,
    y_desc: String,
    x_range: (f64, f64),
    x_integers: bool,
    y_range: (f64, f64),
    y_decimals: usize,
    series: Vec<Series>,
    legend: Legend,
}

pub(super) fn line_figure(
    m: &Manifest,
    a: &Assembled,
    grid: &Grid,
    (h, x, series_axis): (usize, usize, Option<usize>),
    slo: Option<&Slo>,
) -> LineFigure {
    let figure = &a.headline[h];
    let mut clipped = 0;
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
                .filter_map(|&c| {
                    a.table[c].1[h].map(|stats| {
                        // Intervals past what the figure can take are cut there (and counted).
                        let (stats, cut) = clip_stats(figure, stats);
                        clipped += usize::from(cut);
                        Point { x: num(&xs.values[grid.pos[c][x]]) + dodge, stats }
                    })
                })
                .collect();
            points.sort_by(|p, q| p.x.total_cmp(&q.x));
            Series { label: label.clone(), color: PALETTE[i % PALETTE.len()], points }
        })
        .collect();
    // The objective of this figure only: the legend column is narrow.
    let objective = slo.and_then(|s| {
        s.objective(figure).map(|v| {
            let what =
                if figure.contains("availability") { format!("≥ {} %", trim_number(v)) } else { format!("≤ {} ms", trim_number(v)) };
            (v, what)
        })
    });
    let (lo, hi) = extent(series.iter().flat_map(|s| s.points.iter().map(|p| &p.stats))).unwrap_or((0.0, 1.0));
    // The objective is on the axis too, so that the distance to it shows.
    let (lo, hi) = objective.as_ref().map_or((lo, hi), |(v, _)| (lo.min(*v), hi.max(*v)));
    let y_range = padded(lo, hi);
    let mut notes = vec![replications_note(m), "error bars: 95 % CI".to_string(), "(Student t)".to_string()];
    notes.extend(clip_note(figure, clipped));
    if let Some((_, label)) = &objective {
        notes.push("dashed red: the SLO's".to_string());
        notes.push(format!("  objective, {label}"));
    }
    let held = grid.held(&free);
    if !held.is_empty() {
        notes.push("other axes held at:".into());
        notes.extend(held);
    }
    LineFigure {
        objective,
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
        if let Some((v, _)) = &self.objective {
            let line = [(self.x_range.0, *v), (self.x_range.1, *v)];
            chart.draw_series(DashedLineSeries::new(line, 10, 6, SLO_COLOUR.stroke_width(2))).map_err(err)?;
        }
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
