//! The tasks-by-deployment chart of one service: per deployment, its tasks RUNNING (solid)
//! and in flight (dashed) against time, as exact step functions of the tasks' event times;
//! over them the service's HEALTHY tasks, its desired count, and the rolling update's bounds
//! (minimum healthy, maximum in flight) as labelled lines (`bounds`).
//!
//! Where several lines hold the same count (steady state: desired = RUNNING = healthy = in
//! flight) they are drawn as concentric strokes, widest and lightest first, so that each stays
//! visible: desired (wide, pale), total in flight (grey), a deployment's RUNNING (its colour),
//! HEALTHY (thin, black) on top.

use super::bounds::{desired_steps, healthy_steps, max_tasks_steps, min_healthy_steps, ServiceLines};
use super::*;
use crate::report::chart::{shorten, trim_number};
use plotters::element::DashedPathElement;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Deployment colours: the palette without the bounds' red and purple.
const DEPLOYMENT_COLOURS: [RGBColor; 8] = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[5], PALETTE[6], PALETTE[7], PALETTE[8], PALETTE[9]];
const DESIRED: RGBColor = RGBColor(0xc8, 0xc8, 0xc8);
const TOTAL: RGBColor = RGBColor(0x80, 0x80, 0x80);
const HEALTHY: RGBColor = BLACK;
const MIN_HEALTHY: RGBColor = PALETTE[3];
const MAX_TASKS: RGBColor = PALETTE[4];

/// For one service, the tasks RUNNING (solid) and in flight (dashed) of each deployment, the
/// total in flight, the HEALTHY tasks, the desired count and the deployment bounds against
/// simulated time. `deployment_labels[n]` names deployment `n` in the legend (e.g.
/// "ecs-svc/0 web:1"); `end_s` is the end of the run.
pub fn revisions_chart(
    rows: &[TaskRow],
    service: &str,
    deployment_labels: &[String],
    end_s: f64,
    lines: &ServiceLines<'_>,
    png: &Path,
    svg: &Path,
) -> Result<(), ChartError> {
    let deployments = step_counts(rows, service);
    let own: Vec<&TaskRow> = service_rows(rows, service).collect();
    let total: Vec<(f64, u32)> = dedup_counts(steps(&own).into_iter().map(|(t, _, f)| (t, f)));
    let last_event = own.iter().map(|r| Life::of(r).last_time()).fold(0.0, f64::max);
    let clock = Clock::for_end(finite_or_zero(end_s).max(last_event));
    let end = clock.units(clock.end_s);

    let step_lines = deployments
        .iter()
        .map(|(d, steps)| {
            let color = DEPLOYMENT_COLOURS[*d as usize % DEPLOYMENT_COLOURS.len()];
            let label = deployment_labels.get(*d as usize).cloned().unwrap_or_else(|| format!("deployment {d}"));
            let running: Vec<(f64, u32)> = dedup_counts(steps.iter().map(|p| (p.0, p.1)));
            let in_flight: Vec<(f64, u32)> = dedup_counts(steps.iter().map(|p| (p.0, p.2)));
            StepLine { label, color, running: step_path(&running, &clock, end), in_flight: step_path(&in_flight, &clock, end) }
        })
        .collect();
    let desired = desired_steps(lines.minutes, service);
    let healthy = healthy_steps(rows, lines.health, service);
    let mut overlays = Vec::new();
    if let Some((min_pct, max_pct)) = lines.bounds.filter(|_| !desired.is_empty()) {
        overlays.push(Overlay {
            label: format!("most in flight: maximumPercent {max_pct} %"),
            stroke: Stroke { color: MAX_TASKS, width: 2, dashed: true },
            path: level_path(&max_tasks_steps(&desired, max_pct), &clock, end),
        });
        overlays.push(Overlay {
            label: format!("fewest healthy: minimumHealthyPercent {min_pct} %"),
            stroke: Stroke { color: MIN_HEALTHY, width: 2, dashed: true },
            path: level_path(&min_healthy_steps(&desired, min_pct), &clock, end),
        });
    }
    let y_max = total.iter().map(|p| p.1).chain(overlays.iter().flat_map(|o| o.path.iter().map(|p| p.1 as u32))).max().unwrap_or(0);
    let figure = RevisionsFigure {
        title: format!("{service}: tasks by deployment, healthy tasks and the deployment bounds"),
        x_desc: clock.desc(),
        x_max: end,
        // Headroom above the highest count, so that its line is not drawn on the frame.
        y_max: y_max + (y_max / 10).max(1),
        lines: step_lines,
        total: step_path(&total, &clock, end),
        desired: (!desired.is_empty()).then(|| level_path(&desired, &clock, end)),
        healthy: (!lines.health.is_empty()).then(|| step_path(&healthy, &clock, end)),
        overlays,
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

/// The polyline of a setting's step function (desired count, a bound): like `step_path`, but
/// from its first value, without a rise from 0 (a setting is not a count that grows).
fn level_path(points: &[(f64, u32)], clock: &Clock, end: f64) -> Vec<(f64, f64)> {
    let mut path = step_path(points, clock, end);
    if path.first().is_some_and(|p| p.1 == 0.0) {
        path.remove(0);
    }
    path
}

struct StepLine {
    label: String,
    color: RGBColor,
    running: Vec<(f64, f64)>,
    in_flight: Vec<(f64, f64)>,
}

/// A dashed bound drawn over the tasks, with its legend label.
struct Overlay {
    label: String,
    stroke: Stroke,
    path: Vec<(f64, f64)>,
}

#[derive(Clone, Copy)]
struct Stroke {
    color: RGBColor,
    width: u32,
    dashed: bool,
}

struct RevisionsFigure {
    title: String,
    x_desc: String,
    x_max: f64,
    y_max: u32,
    lines: Vec<StepLine>,
    total: Vec<(f64, f64)>,
    /// `None` when the run recorded no minute of the service.
    desired: Option<Vec<(f64, f64)>>,
    /// `None` when the run recorded no health event at all.
    healthy: Option<Vec<(f64, f64)>>,
    overlays: Vec<Overlay>,
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
        // Widest and palest first, so that equal counts show as concentric strokes.
        if let Some(desired) = &self.desired {
            chart.draw_series(LineSeries::new(desired.iter().copied(), DESIRED.stroke_width(11))).map_err(err)?;
        }
        chart.draw_series(LineSeries::new(self.total.iter().copied(), TOTAL.stroke_width(6))).map_err(err)?;
        // In flight under RUNNING: where they coincide the solid line shows; the dashed one
        // shows the tasks placed and not (or no longer) running.
        for line in &self.lines {
            chart.draw_series(DashedLineSeries::new(line.in_flight.iter().copied(), 8, 5, line.color.stroke_width(2))).map_err(err)?;
        }
        for line in &self.lines {
            chart.draw_series(LineSeries::new(line.running.iter().copied(), line.color.stroke_width(3))).map_err(err)?;
        }
        for o in &self.overlays {
            chart
                .draw_series(DashedLineSeries::new(o.path.iter().copied(), 10, 6, o.stroke.color.stroke_width(o.stroke.width)))
                .map_err(err)?;
        }
        if let Some(healthy) = &self.healthy {
            chart.draw_series(LineSeries::new(healthy.iter().copied(), HEALTHY.stroke_width(1))).map_err(err)?;
        }

        let label_style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let title_style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let (x0, mut y) = (12i32, 50i32);
        let key = |y: i32, stroke: Stroke| -> Result<(), String> {
            let path = vec![(x0, y), (x0 + 32, y)];
            let style = stroke.color.stroke_width(stroke.width);
            if stroke.dashed {
                legend.draw(&DashedPathElement::new(path, 8, 5, style)).map_err(err)
            } else {
                legend.draw(&PathElement::new(path, style)).map_err(err)
            }
        };
        legend.draw(&Text::new("Service", (x0, y), title_style.clone())).map_err(err)?;
        let mut service_keys: Vec<(String, Stroke)> = Vec::new();
        if self.desired.is_some() {
            service_keys.push(("desired count".into(), Stroke { color: DESIRED, width: 11, dashed: false }));
        }
        service_keys.push(("total in flight".into(), Stroke { color: TOTAL, width: 6, dashed: false }));
        if self.healthy.is_some() {
            service_keys.push(("HEALTHY".into(), Stroke { color: HEALTHY, width: 1, dashed: false }));
        }
        service_keys.extend(self.overlays.iter().map(|o| (o.label.clone(), o.stroke)));
        for (label, stroke) in &service_keys {
            y += 24;
            key(y, *stroke)?;
            // Bound labels are long: the rule on one line, its setting on the next.
            match label.split_once(": ") {
                Some((what, setting)) => {
                    legend.draw(&Text::new(what, (x0 + 42, y), label_style.clone())).map_err(err)?;
                    y += 18;
                    legend.draw(&Text::new(setting, (x0 + 42, y), label_style.clone())).map_err(err)?;
                }
                None => legend.draw(&Text::new(label.as_str(), (x0 + 42, y), label_style.clone())).map_err(err)?,
            }
        }
        y += 40;
        legend.draw(&Text::new("Deployment", (x0, y), title_style.clone())).map_err(err)?;
        for line in &self.lines {
            y += 24;
            key(y, Stroke { color: line.color, width: 3, dashed: false })?;
            legend.draw(&Text::new(shorten(&line.label), (x0 + 42, y), label_style.clone())).map_err(err)?;
        }
        y += 40;
        legend.draw(&Text::new("Tasks of a deployment", (x0, y), title_style)).map_err(err)?;
        y += 24;
        key(y, Stroke { color: GREY, width: 3, dashed: false })?;
        legend.draw(&Text::new("RUNNING", (x0 + 42, y), label_style.clone())).map_err(err)?;
        y += 24;
        key(y, Stroke { color: GREY, width: 2, dashed: true })?;
        legend.draw(&Text::new("in flight", (x0 + 42, y), label_style.clone())).map_err(err)?;
        root.present().map_err(err)
    }
}
