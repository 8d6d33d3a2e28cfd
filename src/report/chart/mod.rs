//! Charts of a run's reservation over simulated time, as PNG and SVG.
//!
//! - `reservation_chart`: two stacked panels, CPU and memory reservation (%) per zone, with the
//!   cluster line thicker and black.
//! - `comparison_chart` (`comparison`): several runs ("variants", e.g. the console's placement
//!   templates) side by side: the cluster's CPU reservation over time, each zone's mean
//!   reservation and tasks (the zone imbalance), and the tasks each refused.
//!
//! Every time-series chart (these two excepted: `comparison_chart`) shades the run's faults
//! (`FaultBand`, from faults.csv): darker from a fault's start to its end, lighter from its end
//! until the services it hit were back at their desired healthy count, labelled with the
//! fault's name at the top of the first panel.
//!
//! The font is embedded (DejaVu Sans, `assets/fonts/`), so a machine without system fonts
//! draws the same pixels. Output bytes are a pure function of the input rows: the same rows
//! give byte-identical PNG and SVG files. Both files are written atomically.

//!
//! Rooms: `frame` (font, palette, page, rendering), `axes` (the time axis, panel axes, lines),
//! `faults` (fault bands and their legend); the two charts above are drawn here.

mod axes;
mod comparison;
mod faults;
mod frame;

pub(crate) use axes::{draw_runs, PanelAxes, Stroke, TimeAxis};
pub use comparison::{comparison_chart, VariantFacts, COMPARISON_SIZE};
pub use faults::FaultBand;
pub(crate) use faults::{draw_fault_bands, fault_legend};
pub use frame::{ensure_font, ChartError};
pub(crate) use frame::{frame, pale, render, shorten, trim_number, Areas, Picture, FONT, LEGEND_LABEL_CHARS, PALETTE};

use crate::report::source::Rows;
use crate::sim::recorder::MinuteRow;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Pixel size of the PNG of `reservation_chart` (the SVG has the same view box).
pub const RESERVATION_SIZE: (u32, u32) = (1200, 800);

/// The zone name the recorder gives the cluster-wide rows.
pub(crate) const CLUSTER: &str = "cluster";
const LEGEND_WIDTH: u32 = 220;

/// CPU and memory reservation per zone and for the cluster against simulated time.
/// `faults` are shaded behind the lines (`FaultBand`).
/// `rows`: every zone's and the cluster's (in memory, or the run's row log: read once per line).
pub fn reservation_chart(
    rows: &(impl Rows<MinuteRow> + ?Sized),
    faults: &[FaultBand],
    title: &str,
    png: &Path,
    svg: &Path,
) -> Result<(), ChartError> {
    let axis = TimeAxis::for_source(rows);
    let zones = zone_order(rows);
    let panel = |caption: &str, y_desc: &str, value: fn(&MinuteRow) -> f64| Panel {
        caption: caption.to_string(),
        y_desc: y_desc.to_string(),
        lines: zones
            .iter()
            .enumerate()
            .map(|(i, zone)| {
                let points = axis.points(rows.each().filter(|r| r.zone == *zone), value);
                if zone == CLUSTER {
                    Line { label: CLUSTER.to_string(), color: BLACK, width: 3, points }
                } else {
                    Line { label: zone.clone(), color: PALETTE[i % PALETTE.len()], width: 2, points }
                }
            })
            .collect(),
    };
    let figure = Figure {
        title: title.to_string(),
        size: RESERVATION_SIZE,
        x_desc: axis.desc(),
        x_max: axis.max,
        legend_title: "Zone".to_string(),
        unit_s: axis.unit_s,
        faults: faults.to_vec(),
        panels: vec![
            panel("CPU reservation", "CPU reserved / registered (%)", |r| r.cpu_reservation_pct),
            panel("Memory reservation", "Memory reserved / registered (%)", |r| r.memory_reservation_pct),
        ],
    };
    render(&figure, png, svg)
}

struct Line {
    label: String,
    color: RGBColor,
    width: u32,
    points: Vec<(f64, f64)>,
}

struct Panel {
    /// Drawn above the panel unless empty.
    caption: String,
    y_desc: String,
    lines: Vec<Line>,
}

/// Everything drawn, independent of the backend; every panel shares the legend of the first.
struct Figure {
    title: String,
    size: (u32, u32),
    x_desc: String,
    x_max: f64,
    legend_title: String,
    /// Seconds per x axis unit, and the faults shaded behind the lines.
    unit_s: f64,
    faults: Vec<FaultBand>,
    panels: Vec<Panel>,
}

/// Zones in order of first appearance (the recorder's order), the cluster last so that its
/// line is drawn on top.
fn zone_order(rows: &(impl Rows<MinuteRow> + ?Sized)) -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    let mut cluster = false;
    for r in rows.each() {
        cluster |= r.zone == CLUSTER;
        if r.zone != CLUSTER && !zones.contains(&r.zone) {
            zones.push(r.zone.clone());
        }
    }
    if cluster {
        zones.push(CLUSTER.to_string());
    }
    zones
}

impl Picture for Figure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw(root, self)
    }
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (plots, legend) = frame(root, &figure.title, LEGEND_WIDTH)?;

    for (i, (panel, area)) in figure.panels.iter().zip(plots.split_evenly((figure.panels.len(), 1)).iter()).enumerate() {
        let mut builder = ChartBuilder::on(area);
        if !panel.caption.is_empty() {
            builder.caption(&panel.caption, (FONT, 18));
        }
        let mut chart = builder
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..figure.x_max, 0f64..100f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(figure.x_desc.as_str())
            .y_desc(panel.y_desc.as_str())
            .y_labels(11)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_label_formatter(&|v| trim_number(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .draw()
            .map_err(err)?;
        draw_fault_bands(&mut chart, &figure.faults, figure.unit_s, figure.x_max, 0.0..100.0, i == 0)?;
        for line in &panel.lines {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), line.color.stroke_width(line.width))).map_err(err)?;
        }
    }

    // A legend of its own column, so that it never hides a line near 100 %.
    let lines = figure.panels.first().map(|p| p.lines.as_slice()).unwrap_or_default();
    let label_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let (x0, mut y) = (12i32, 60i32);
    legend
        .draw(&Text::new(
            figure.legend_title.as_str(),
            (x0, y),
            TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    for line in lines {
        y += 26;
        legend.draw(&PathElement::new(vec![(x0, y), (x0 + 32, y)], line.color.stroke_width(line.width))).map_err(err)?;
        legend.draw(&Text::new(shorten(&line.label), (x0 + 42, y), label_style.clone())).map_err(err)?;
    }
    if !figure.faults.is_empty() {
        y += 38;
        legend
            .draw(&Text::new("Faults", (x0, y), TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center))))
            .map_err(err)?;
        for (label, stroke) in fault_legend() {
            y += 26;
            let sample = vec![(x0, y), (x0 + 32, y)];
            let style = stroke.color.stroke_width(stroke.width);
            if stroke.dashed {
                legend.draw(&plotters::element::DashedPathElement::new(sample, 6, 4, style)).map_err(err)?;
            } else {
                legend.draw(&PathElement::new(sample, style)).map_err(err)?;
            }
            legend.draw(&Text::new(label, (x0 + 42, y), label_style.clone())).map_err(err)?;
        }
    }
    root.present().map_err(err)
}

#[cfg(test)]
pub(super) mod tests;
