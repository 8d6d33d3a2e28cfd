//! The comparison chart of a scenario's variants (e.g. the console's placement templates):
//! what the variants differ in, as small multiples sharing one legend.
//!
//! 1. The cluster's CPU reservation (%) over time, one step line per variant. Lines of several
//!    variants often coincide, so each is drawn narrower than the one before it: where they
//!    agree they show as nested stripes, none hidden.
//! 2. Each zone's mean CPU reservation (%) per variant, one bar per zone, with the spread
//!    (highest zone less lowest, percentage points): the zone imbalance a template causes.
//! 3. Each zone's mean RUNNING tasks per variant: where the tasks went.
//! 4. The tasks refused per variant (RunTask calls or launches that found no instance).

use super::axes::TimeAxis;
use super::frame::{frame, render, shorten, trim_number, ChartError, Picture, FONT, PALETTE};
use super::CLUSTER;
use crate::sim::recorder::MinuteRow;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Pixel size of the PNG of `comparison_chart` (the SVG has the same view box).
pub const COMPARISON_SIZE: (u32, u32) = (1300, 1250);
const LEGEND_WIDTH: u32 = 230;
/// Room left of the bar panels for the variants' names.
const NAMES_PX: u32 = 190;
/// Variants take the first half of the palette, zones the second, so that a bar's colour
/// never reads as a variant's.
const VARIANT_COLOURS: [RGBColor; 5] = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4]];
const ZONE_COLOURS: [RGBColor; 5] = [PALETTE[9], PALETTE[5], PALETTE[8], PALETTE[6], PALETTE[7]];

/// What the chart shows of one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantFacts {
    pub name: String,
    /// Per zone, in the recorder's order: (zone, mean CPU reservation %, mean RUNNING tasks).
    pub zones: Vec<(String, f64, f64)>,
    /// Tasks refused over the run (the cluster rows' `tasks_failed`, summed).
    pub refused: u64,
}

impl VariantFacts {
    /// From a variant's timeseries.csv rows (every zone's and the cluster's).
    pub fn of(name: &str, rows: &[MinuteRow]) -> VariantFacts {
        let mut zones: Vec<String> = Vec::new();
        for r in rows.iter().filter(|r| r.zone != CLUSTER) {
            if !zones.contains(&r.zone) {
                zones.push(r.zone.clone());
            }
        }
        let zones = zones
            .into_iter()
            .map(|zone| {
                let own: Vec<&MinuteRow> = rows.iter().filter(|r| r.zone == zone).collect();
                let mean = |f: &dyn Fn(&MinuteRow) -> f64| {
                    let values: Vec<f64> = own.iter().map(|r| f(r)).filter(|v| v.is_finite()).collect();
                    if values.is_empty() {
                        0.0
                    } else {
                        values.iter().sum::<f64>() / values.len() as f64
                    }
                };
                let cpu = mean(&|r| r.cpu_reservation_pct);
                let tasks = mean(&|r| r.running_tasks as f64);
                (zone, cpu, tasks)
            })
            .collect();
        let refused = rows.iter().filter(|r| r.zone == CLUSTER).map(|r| r.tasks_failed).sum();
        VariantFacts { name: name.to_string(), zones, refused }
    }

    /// The highest zone's mean CPU reservation less the lowest's (percentage points).
    pub fn spread_pct(&self) -> f64 {
        let cpu = self.zones.iter().map(|z| z.1);
        let (lo, hi) = cpu.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if hi >= lo {
            hi - lo
        } else {
            0.0
        }
    }
}

/// The variants' cluster CPU reservation over time, their zones' reservation and tasks, and the
/// tasks each refused; `variants` are each variant's name and timeseries.csv rows.
pub fn comparison_chart(variants: &[(String, Vec<MinuteRow>)], png: &Path, svg: &Path) -> Result<(), ChartError> {
    let axis = TimeAxis::for_rows(variants.iter().flat_map(|(_, rows)| rows.iter()));
    let n = variants.len();
    let lines = variants
        .iter()
        .enumerate()
        .map(|(i, (_, rows))| {
            let means = axis.bucket_means(rows.iter().filter(|r| r.zone == CLUSTER).map(|r| (r.minute, r.time_s, r.cpu_reservation_pct)));
            // The first variant widest: each later one drawn inside the ones before it.
            let width = 2 + 2 * (n - 1 - i) as u32;
            (axis.steps(&means), width)
        })
        .collect();
    let facts = variants.iter().map(|(name, rows)| VariantFacts::of(name, rows)).collect();
    render(&ComparisonFigure { x_desc: axis.desc(), x_max: axis.max, lines, facts }, png, svg)
}

/// Runs of steps (axis units, %) of one line, a gap between runs.
type Runs = Vec<Vec<(f64, f64)>>;

struct ComparisonFigure {
    x_desc: String,
    x_max: f64,
    /// Per variant: its runs of steps (axis units, %) and its stroke width.
    lines: Vec<(Runs, u32)>,
    facts: Vec<VariantFacts>,
}

fn variant_colour(i: usize) -> RGBColor {
    VARIANT_COLOURS[i % VARIANT_COLOURS.len()]
}

fn zone_colour(i: usize) -> RGBColor {
    ZONE_COLOURS[i % ZONE_COLOURS.len()]
}

impl Picture for ComparisonFigure {
    fn size(&self) -> (u32, u32) {
        COMPARISON_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plots, legend) = frame(root, "Variants compared: cluster CPU, zone balance, tasks refused", LEGEND_WIDTH)?;
        let (_, h) = plots.dim_in_pixel();
        let h = h as f64;
        let areas = plots.split_by_breakpoints([] as [u32; 0], [(0.30 * h) as u32, (0.56 * h) as u32, (0.82 * h) as u32]);
        self.draw_cpu(&areas[0])?;
        let zones_of = |f: &VariantFacts| f.zones.iter().map(|z| z.1).collect::<Vec<f64>>();
        let notes = |f: &VariantFacts| format!("spread {} pp", trim_number((f.spread_pct() * 10.0).round() / 10.0));
        self.draw_bars(&areas[1], "Mean CPU reservation per zone (%)", "CPU reserved / registered (%)", &zones_of, Some(&notes))?;
        let tasks_of = |f: &VariantFacts| f.zones.iter().map(|z| z.2).collect::<Vec<f64>>();
        self.draw_bars(&areas[2], "Mean RUNNING tasks per zone", "Tasks (mean over the minutes)", &tasks_of, None)?;
        let refused_of = |f: &VariantFacts| vec![f.refused as f64];
        self.draw_bars(&areas[3], "Tasks refused (no instance could take them)", "Tasks", &refused_of, None)?;
        self.draw_legend(&legend)?;
        root.present().map_err(err)
    }
}

impl ComparisonFigure {
    fn draw_cpu<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let mut chart = ChartBuilder::on(area)
            .caption("Cluster CPU reservation over time (%)", (FONT, 17))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(NAMES_PX)
            .build_cartesian_2d(0f64..self.x_max, 0f64..100f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc("CPU reserved / registered (%)")
            .y_labels(6)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_label_formatter(&|v| trim_number(*v))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .draw()
            .map_err(err)?;
        for (i, (runs, width)) in self.lines.iter().enumerate() {
            for run in runs {
                let points = run.iter().map(|&(x, v)| (x, v.clamp(0.0, 100.0)));
                chart.draw_series(LineSeries::new(points, variant_colour(i).stroke_width(*width))).map_err(err)?;
            }
        }
        Ok(())
    }

    /// Horizontal bars: one group per variant (its name on the left), one bar per value of
    /// `values` (zone colours when several, the variant's colour when one), each labelled.
    fn draw_bars<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: &str,
        x_desc: &str,
        values: &dyn Fn(&VariantFacts) -> Vec<f64>,
        note: Option<&dyn Fn(&VariantFacts) -> String>,
    ) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let n = self.facts.len();
        let peak = self.facts.iter().flat_map(values).filter(|v| v.is_finite()).fold(0.0, f64::max);
        // Room right of the longest bar for its label and the group's note.
        let x_max = if peak > 0.0 { peak * 1.3 } else { 1.0 };
        let names: Vec<String> = self.facts.iter().map(|f| shorten(&f.name)).collect();
        // The first variant at the top.
        let row = |i: usize| (n - 1 - i) as f64;
        let name_at = |y: &f64| {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 || i as usize >= n {
                String::new()
            } else {
                names[n - 1 - i as usize].clone()
            }
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, (FONT, 17))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(NAMES_PX)
            .build_cartesian_2d(0f64..x_max, -0.5f64..(n.max(1) as f64 - 0.5))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_labels(n.max(1))
            .y_label_formatter(&name_at)
            .x_label_formatter(&|v| trim_number(*v))
            .disable_y_mesh()
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .draw()
            .map_err(err)?;
        let label_style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, f) in self.facts.iter().enumerate() {
            let vs = values(f);
            let k = vs.len().max(1) as f64;
            let band = 0.8 / k;
            for (j, v) in vs.iter().enumerate() {
                let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
                // The first zone at the top of its group.
                let centre = row(i) + 0.4 - band * (j as f64 + 0.5);
                let colour = if vs.len() == 1 { variant_colour(i) } else { zone_colour(j) };
                chart
                    .draw_series(std::iter::once(Rectangle::new([(0.0, centre - band * 0.42), (v, centre + band * 0.42)], colour.filled())))
                    .map_err(err)?;
                let text = trim_number((v * 10.0).round() / 10.0);
                chart.draw_series(std::iter::once(Text::new(text, (v + x_max * 0.005, centre), label_style.clone()))).map_err(err)?;
            }
            if let Some(note) = note {
                let bold = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
                chart.draw_series(std::iter::once(Text::new(note(f), (x_max * 0.99, row(i)), bold))).map_err(err)?;
            }
        }
        Ok(())
    }

    fn draw_legend<DB: DrawingBackend>(&self, legend: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let heading = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let label = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let (x0, mut y) = (12i32, 60i32);
        legend.draw(&Text::new("Variant", (x0, y), heading.clone())).map_err(err)?;
        for (i, f) in self.facts.iter().enumerate() {
            y += 26;
            let width = self.lines.get(i).map_or(2, |l| l.1);
            legend.draw(&PathElement::new(vec![(x0, y), (x0 + 32, y)], variant_colour(i).stroke_width(width))).map_err(err)?;
            legend.draw(&Text::new(shorten(&f.name), (x0 + 42, y), label.clone())).map_err(err)?;
        }
        y += 22;
        legend.draw(&Text::new("(narrower on top: equal", (x0, y), label.clone())).map_err(err)?;
        y += 18;
        legend.draw(&Text::new("lines show as stripes)", (x0, y), label.clone())).map_err(err)?;
        let zones: Vec<&str> = self.facts.first().map_or(Vec::new(), |f| f.zones.iter().map(|z| z.0.as_str()).collect());
        if !zones.is_empty() {
            y += 44;
            legend.draw(&Text::new("Zone (bars)", (x0, y), heading)).map_err(err)?;
            for (j, zone) in zones.iter().enumerate() {
                y += 26;
                legend.draw(&Rectangle::new([(x0, y - 7), (x0 + 32, y + 7)], zone_colour(j).filled())).map_err(err)?;
                legend.draw(&Text::new(shorten(zone), (x0 + 42, y), label.clone())).map_err(err)?;
            }
        }
        Ok(())
    }
}
