//! Panels stacked on one time axis, each with its legend beside it, in the house frame: the
//! traffic chart and the capacity chart are `PanelFigure`s. A panel holds lines (`Series`,
//! runs of points with gaps) on a linear, percentage or logarithmic scale (`Scale`), its
//! legend blocks, and the run's fault bands behind it.

use super::chart::{draw_fault_bands, draw_runs, frame, trim_number, FaultBand, PanelAxes, Picture, Stroke, FONT};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

const LEGEND_WIDTH: u32 = 250;
/// The latency axis is logarithmic when its largest value exceeds this many times the 5th
/// percentile of its values: a linear axis would flatten the baseline to a few pixels.
pub(crate) const LOG_SCALE_RATIO: f64 = 20.0;
/// Legend layout in pixels: the first heading level with the top of its panel's plot.
const LEGEND_TOP: i32 = 40;
const LEGEND_ROW: i32 = 22;
const LEGEND_BLOCK_GAP: i32 = 10;

/// One line, in data units: x in axis units, y as measured (the panel's scale maps it).
#[derive(Debug)]
pub(crate) struct Series {
    pub(crate) stroke: Stroke,
    /// Runs of consecutive buckets; a bucket without data separates two runs.
    pub(crate) segments: Vec<Vec<(f64, f64)>>,
}

#[derive(Debug)]
pub(crate) struct LegendBlock {
    pub(crate) heading: &'static str,
    pub(crate) entries: Vec<(String, Stroke)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scale {
    Linear {
        top: f64,
    },
    /// From `bottom` (above 0) to `top`: a percentage that stays near its top.
    Between {
        bottom: f64,
        top: f64,
    },
    /// Decades: the axis runs from 10^lo to 10^hi.
    Log {
        lo: i32,
        hi: i32,
    },
}

impl Scale {
    /// From 0 to a round number above the largest value (1 when there is none).
    pub(crate) fn linear(values: impl Iterator<Item = f64>) -> Scale {
        Scale::Linear { top: nice_ceil(values.fold(0.0, f64::max) * 1.05) }
    }

    /// A percentage near 100: from a round number below the lowest value (at most 1 below 100,
    /// at least 0) to 100.
    pub(crate) fn percent(values: impl Iterator<Item = f64>) -> Scale {
        let lowest = values.fold(100.0, f64::min);
        let bottom = (100.0 - nice_ceil((100.0 - lowest) * 1.15)).max(0.0);
        Scale::Between { bottom, top: 100.0 }
    }

    /// Linear, or logarithmic when the values span too much (`LOG_SCALE_RATIO`).
    pub(crate) fn latency(values: impl Iterator<Item = f64>) -> Scale {
        let mut positive: Vec<f64> = values.filter(|v| *v > 0.0).collect();
        positive.sort_by(f64::total_cmp);
        let (Some(&min), Some(&max)) = (positive.first(), positive.last()) else { return Scale::linear(std::iter::empty()) };
        let p5 = positive[(positive.len() - 1) * 5 / 100];
        if max > LOG_SCALE_RATIO * p5 {
            let lo = min.log10().floor() as i32;
            // Headroom, so that a maximum on a power of ten is not drawn on the frame.
            Scale::Log { lo, hi: ((max * 1.05).log10().ceil() as i32).max(lo + 1) }
        } else {
            Scale::linear(positive.into_iter())
        }
    }

    /// The plotted y of a value: itself, or its logarithm (zero at the bottom of the axis).
    pub(crate) fn y(&self, v: f64) -> f64 {
        match *self {
            Scale::Linear { .. } | Scale::Between { .. } => v,
            Scale::Log { lo, .. } => v.max(10f64.powi(lo)).log10(),
        }
    }

    pub(crate) fn range(&self) -> Range<f64> {
        match *self {
            Scale::Linear { top } => 0.0..top,
            Scale::Between { bottom, top } => bottom..top,
            Scale::Log { lo, hi } => lo as f64..hi as f64,
        }
    }

    pub(crate) fn labels(&self) -> usize {
        match *self {
            Scale::Linear { .. } | Scale::Between { .. } => 6,
            // One label a decade: plotters then puts its key points on the whole numbers.
            Scale::Log { lo, hi } => (hi - lo + 1) as usize,
        }
    }

    pub(crate) fn label(&self, y: f64) -> String {
        match *self {
            Scale::Linear { .. } | Scale::Between { .. } => trim_number(y),
            Scale::Log { .. } if (y - y.round()).abs() < 1e-9 => format!("{}", 10f64.powi(y.round() as i32)),
            Scale::Log { .. } => String::new(),
        }
    }
}

/// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least
/// `v`: axis tops that waste little height; 1 for nothing to show.
pub(crate) fn nice_ceil(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 {
        return 1.0;
    }
    let decade = 10f64.powf(v.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0].iter().map(|m| m * decade).find(|&top| top >= v).unwrap_or(10.0 * decade)
}

#[derive(Debug)]
pub(crate) struct Panel {
    pub(crate) caption: &'static str,
    pub(crate) y_desc: String,
    pub(crate) scale: Scale,
    pub(crate) series: Vec<Series>,
    pub(crate) legend: Vec<LegendBlock>,
}

/// Panels stacked on one time axis, each with its legend beside it (the traffic chart, the
/// capacity chart).
#[derive(Debug)]
pub(crate) struct PanelFigure {
    pub(crate) title: String,
    pub(crate) size: (u32, u32),
    /// Share of the plot column's height of each panel, top to bottom.
    pub(crate) shares: Vec<f64>,
    pub(crate) x_desc: String,
    pub(crate) x_max: f64,
    /// Seconds per x axis unit, and the faults shaded behind every panel.
    pub(crate) unit_s: f64,
    pub(crate) faults: Vec<FaultBand>,
    pub(crate) panels: Vec<Panel>,
}

pub(crate) fn values(series: &[Series]) -> impl Iterator<Item = f64> + '_ {
    series.iter().flat_map(|s| s.segments.iter().flatten().map(|p| p.1))
}

impl Picture for PanelFigure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plots, legend) = frame(root, &self.title, LEGEND_WIDTH)?;
        // The legend column is cut where the plots are, so that each panel's entries stand
        // level with it.
        let (_, h) = plots.dim_in_pixel();
        let breaks: Vec<i32> = self
            .shares
            .iter()
            .scan(0.0, |top, share| {
                *top += share;
                Some((*top * h as f64).round() as i32)
            })
            .take(self.shares.len().saturating_sub(1))
            .collect();
        let no_breaks: [i32; 0] = [];
        let areas = plots.split_by_breakpoints(no_breaks, &breaks);
        let keys = legend.split_by_breakpoints(no_breaks, &breaks);
        let bottom = self.panels.len() - 1;
        for (i, ((panel, area), key)) in self.panels.iter().zip(&areas).zip(&keys).enumerate() {
            self.draw_panel(panel, area, i == bottom)?;
            draw_legend(key, &panel.legend)?;
        }
        root.present().map_err(err)
    }
}

impl PanelFigure {
    /// One panel; the time axis is described under the bottom one only.
    fn draw_panel<DB: DrawingBackend>(&self, panel: &Panel, area: &DrawingArea<DB, Shift>, bottom: bool) -> Result<(), String> {
        let label = |y: &f64| panel.scale.label(*y);
        let axes = PanelAxes {
            caption: panel.caption,
            x_max: self.x_max,
            y_range: panel.scale.range(),
            y_desc: panel.y_desc.as_str(),
            y_labels: panel.scale.labels(),
            y_label: &label,
            x_desc: bottom.then_some(self.x_desc.as_str()),
        };
        let mut chart = axes.draw(area)?;
        let first = std::ptr::eq(panel, &self.panels[0]);
        draw_fault_bands(&mut chart, &self.faults, self.unit_s, self.x_max, panel.scale.range(), first)?;
        for series in &panel.series {
            draw_runs(&mut chart, &series.segments, series.stroke, &|v| panel.scale.y(v))?;
        }
        Ok(())
    }
}

/// A panel's legend blocks from the top of its area. When they do not fit, the first block
/// (the target groups) gives up entries and ends with "… and N more".
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, blocks: &[LegendBlock]) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (_, h) = area.dim_in_pixel();
    let room = h as i32 - LEGEND_TOP - LEGEND_BLOCK_GAP * blocks.len() as i32;
    let fit = (room / LEGEND_ROW).max(1) as usize;
    let rows: usize = blocks.iter().map(|b| 1 + b.entries.len()).sum();
    let first_len = blocks.first().map_or(0, |b| b.entries.len());
    let hidden = if rows > fit { (rows - fit + 1).min(first_len) } else { 0 };

    let heading_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let label_style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let (x0, mut y) = (12i32, LEGEND_TOP);
    for (i, block) in blocks.iter().enumerate() {
        area.draw(&Text::new(block.heading, (x0, y), heading_style.clone())).map_err(err)?;
        let shown = if i == 0 { block.entries.len() - hidden } else { block.entries.len() };
        for (label, stroke) in block.entries.iter().take(shown) {
            y += LEGEND_ROW;
            let sample = vec![(x0, y), (x0 + 32, y)];
            let style = stroke.color.stroke_width(stroke.width);
            if stroke.dashed {
                area.draw(&DashedPathElement::new(sample, 8, 5, style)).map_err(err)?;
            } else {
                area.draw(&PathElement::new(sample, style)).map_err(err)?;
            }
            area.draw(&Text::new(label.as_str(), (x0 + 42, y), label_style.clone())).map_err(err)?;
        }
        if i == 0 && hidden > 0 {
            y += LEGEND_ROW;
            area.draw(&Text::new(format!("… and {hidden} more"), (x0 + 42, y), label_style.clone())).map_err(err)?;
        }
        y += LEGEND_ROW + LEGEND_BLOCK_GAP;
    }
    Ok(())
}
