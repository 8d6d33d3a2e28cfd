//! The tasks-by-deployment chart of one service: per deployment, its tasks RUNNING (solid)
//! and in flight (dashed) against time, as exact step functions of the tasks' event times.

use super::*;
use crate::report::chart::{shorten, trim_number};
use plotters::element::DashedPathElement;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// For one service, the tasks RUNNING (solid) and in flight (dashed) of each deployment and
/// the total in flight (black) against simulated time. `deployment_labels[n]` names
/// deployment `n` in the legend (e.g. "ecs-svc/0 web:1"); `end_s` is the end of the run.
pub fn revisions_chart(
    rows: &[TaskRow],
    service: &str,
    deployment_labels: &[String],
    end_s: f64,
    png: &Path,
    svg: &Path,
) -> Result<(), ChartError> {
    let deployments = step_counts(rows, service);
    let own: Vec<&TaskRow> = service_rows(rows, service).collect();
    let total: Vec<(f64, u32)> = steps(&own).into_iter().map(|(t, _, f)| (t, f)).collect();
    let last_event = own.iter().map(|r| Life::of(r).last_time()).fold(0.0, f64::max);
    let clock = Clock::for_end(finite_or_zero(end_s).max(last_event));
    let end = clock.units(clock.end_s);

    let lines = deployments
        .iter()
        .map(|(d, steps)| {
            let color = PALETTE[*d as usize % PALETTE.len()];
            let label = deployment_labels.get(*d as usize).cloned().unwrap_or_else(|| format!("deployment {d}"));
            let running: Vec<(f64, u32)> = dedup_counts(steps.iter().map(|p| (p.0, p.1)));
            let in_flight: Vec<(f64, u32)> = dedup_counts(steps.iter().map(|p| (p.0, p.2)));
            StepLine { label, color, running: step_path(&running, &clock, end), in_flight: step_path(&in_flight, &clock, end) }
        })
        .collect();
    let y_max = total.iter().map(|p| p.1).max().unwrap_or(0);
    let figure = RevisionsFigure {
        title: format!("{service}: tasks by deployment"),
        x_desc: clock.desc(),
        x_max: end,
        // Headroom above the highest count, so that its line is not drawn on the frame.
        y_max: y_max + (y_max / 10).max(1),
        lines,
        total: step_path(&total, &clock, end),
    };
    render(&figure, png, svg)
}

/// One axis of counts, only where the count changes.
fn dedup_counts(points: impl Iterator<Item = (f64, u32)>) -> Vec<(f64, u32)> {
    let mut out: Vec<(f64, u32)> = Vec::new();
    for (t, n) in points {
        if out.last().map_or(0, |p| p.1) != n {
            out.push((t, n));
        }
    }
    out
}

/// The polyline of a step function in axis units: from 0 at its first change, horizontal
/// then vertical at every change, on to the end of the run, or ending where it falls back
/// to 0 for good (a deployment that is over does not draw along the axis).
fn step_path(points: &[(f64, u32)], clock: &Clock, end: f64) -> Vec<(f64, f64)> {
    let mut path = Vec::with_capacity(points.len() * 2 + 1);
    let mut level = 0.0;
    for &(t, n) in points {
        let x = clock.units(t);
        path.push((x, level));
        level = n as f64;
        path.push((x, level));
    }
    if level != 0.0 {
        path.push((end, level));
    }
    path
}

struct StepLine {
    label: String,
    color: RGBColor,
    running: Vec<(f64, f64)>,
    in_flight: Vec<(f64, f64)>,
}

struct RevisionsFigure {
    title: String,
    x_desc: String,
    x_max: f64,
    y_max: u32,
    lines: Vec<StepLine>,
    total: Vec<(f64, f64)>,
}

impl Picture for RevisionsFigure {
    fn size(&self) -> (u32, u32) {
        REVISIONS_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plot, legend) = frame(root, &self.title)?;

        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..self.x_max, 0f64..self.y_max as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc("Tasks")
            .y_labels((self.y_max as usize + 1).min(11))
            // Counts are whole numbers: no label between them.
            .y_label_formatter(&|v| if v.fract() == 0.0 { format!("{v:.0}") } else { String::new() })
            .x_label_formatter(&|v| trim_number(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(err)?;
        // In flight under RUNNING: where they coincide the solid line shows; the dashed one
        // shows the tasks placed and not (or no longer) running. The total on top, thin.
        for line in &self.lines {
            chart.draw_series(DashedLineSeries::new(line.in_flight.iter().copied(), 8, 5, line.color.stroke_width(2))).map_err(err)?;
        }
        for line in &self.lines {
            chart.draw_series(LineSeries::new(line.running.iter().copied(), line.color.stroke_width(3))).map_err(err)?;
        }
        chart.draw_series(LineSeries::new(self.total.iter().copied(), BLACK.stroke_width(1))).map_err(err)?;

        let label_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let title_style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let (x0, mut y) = (12i32, 60i32);
        legend.draw(&Text::new("Deployment", (x0, y), title_style.clone())).map_err(err)?;
        for line in &self.lines {
            y += 26;
            legend.draw(&PathElement::new(vec![(x0, y), (x0 + 32, y)], line.color.stroke_width(3))).map_err(err)?;
            legend.draw(&Text::new(shorten(&line.label), (x0 + 42, y), label_style.clone())).map_err(err)?;
        }
        y += 44;
        legend.draw(&Text::new("Tasks", (x0, y), title_style)).map_err(err)?;
        y += 26;
        legend.draw(&PathElement::new(vec![(x0, y), (x0 + 32, y)], GREY.stroke_width(3))).map_err(err)?;
        legend.draw(&Text::new("RUNNING", (x0 + 42, y), label_style.clone())).map_err(err)?;
        y += 26;
        legend.draw(&DashedPathElement::new(vec![(x0, y), (x0 + 32, y)], 8, 5, GREY.stroke_width(2))).map_err(err)?;
        legend.draw(&Text::new("in flight (placed, not stopped)", (x0 + 42, y), label_style.clone())).map_err(err)?;
        y += 26;
        legend.draw(&PathElement::new(vec![(x0, y), (x0 + 32, y)], BLACK.stroke_width(1))).map_err(err)?;
        legend.draw(&Text::new("total in flight", (x0 + 42, y), label_style)).map_err(err)?;
        root.present().map_err(err)
    }
}
