//! Charts of tasks over simulated time, as PNG and SVG, from the recorder's task rows.
//!
//! - `revisions_chart`: for one service, the number of tasks of each deployment against time,
//!   exact step functions of the tasks' own event times (a rolling update lasts minutes and
//!   must be readable): RUNNING tasks solid, tasks in flight (placed, not stopped) dashed, the
//!   service's total in flight black.
//! - `gantt_chart`: one lane per instance, grouped by zone, each task a bar from placement to
//!   stop (light while PENDING, solid while RUNNING, mid-tone from the stop decision: deregistering and stopping), coloured by
//!   owner and deployment.
//!
//! Same conventions as `chart`: the embedded DejaVu Sans, output bytes a pure function of the
//! input, both files written atomically.

use super::atomic::write_atomic;
use super::chart::{encode_png, ensure_font, shorten, trim_number, ChartError, FONT, LEGEND_LABEL_CHARS, PALETTE};
use crate::sim::recorder::TaskRow;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::Path;

/// Pixel size of the PNG of `revisions_chart` (the SVG has the same view box).
pub const REVISIONS_SIZE: (u32, u32) = (1200, 600);
/// Width of the PNG of `gantt_chart`; its height follows the lanes, within the bounds below.
pub const GANTT_WIDTH: u32 = 1400;
pub const GANTT_MIN_HEIGHT: u32 = 500;
pub const GANTT_MAX_HEIGHT: u32 = 2400;
/// The Gantt chart draws at most this many instances (the first by index).
pub const GANTT_MAX_INSTANCES: usize = 40;

/// Up to this many seconds of simulated time the x axis is in seconds, then minutes, then hours.
const SECONDS_AXIS_MAX_S: f64 = 30.0 * 60.0;
const MINUTES_AXIS_MAX_S: f64 = 3.0 * 3600.0;
const LEGEND_WIDTH: u32 = 260;

/// The layout both figures share: a white page, the title, then the plot with the legend
/// column on its right.
type Areas<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);
fn frame<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str) -> Result<Areas<DB>, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let body = root.margin(8, 0, 0, 0).titled(title, (FONT, 26)).map_err(err)?;
    let (w, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(w.saturating_sub(LEGEND_WIDTH)))
}
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

/// Gantt layout, in pixels: everything but the lanes (title, margins, x axis).
const GANTT_FRAME_PX: f64 = 8.0 + 40.0 + 2.0 * 12.0 + 48.0;
/// Preferred height of one sub-lane (one task's bar); shrunk when the lanes would not fit.
const SUBLANE_PX: f64 = 14.0;
/// A chart of few lanes grows its sub-lanes up to this height to fill the minimum height.
const MAX_SUBLANE_PX: f64 = 24.0;
const MIN_SUBLANE_PX: f64 = 1.0;
/// An instance's lane is never lower than its label.
const MIN_LANE_PX: f64 = 16.0;
const LANE_GAP_PX: f64 = 3.0;
const ZONE_HEADER_PX: f64 = 24.0;
const GANTT_LABEL_AREA: u32 = 170;

/// The counts of one deployment as a step function: `(t, running, in_flight)` holds from `t`
/// (seconds) until the next point's `t`; before the first point both counts are 0. A point is
/// given only where a count changes, after all the events at that instant.
pub type Steps = Vec<(f64, u32, u32)>;

/// For the tasks of `service` (rows with `owner == service`), per deployment in ascending
/// order, the exact number of tasks RUNNING and in flight (placed and not yet stopped) over
/// time. A task is RUNNING from `running_s` until the scheduler decides to stop it
/// (`stopping_s`; else `stopped_s`) — a deregistering task no longer serves — and in flight
/// from `placed_s` to `stopped_s`; intervals are closed at the start and open at the end, so a task stopping
/// at `t` and another starting at `t` give no spike. Rows with a non-finite `placed_s` are
/// skipped.
pub fn step_counts(rows: &[TaskRow], service: &str) -> Vec<(u32, Steps)> {
    let mut by_deployment: BTreeMap<u32, Vec<&TaskRow>> = BTreeMap::new();
    for r in service_rows(rows, service) {
        by_deployment.entry(r.deployment).or_default().push(r);
    }
    by_deployment.into_iter().map(|(d, rows)| (d, steps(&rows))).collect()
}

/// The counts at time `t` of a step function from `step_counts`.
pub fn counts_at(steps: &[(f64, u32, u32)], t: f64) -> (u32, u32) {
    let i = steps.partition_point(|p| p.0 <= t);
    if i == 0 {
        (0, 0)
    } else {
        (steps[i - 1].1, steps[i - 1].2)
    }
}

fn service_rows<'a>(rows: &'a [TaskRow], service: &'a str) -> impl Iterator<Item = &'a TaskRow> + 'a {
    rows.iter().filter(move |r| r.owner == service && r.placed_s.is_finite())
}

/// A task's times, made consistent: RUNNING and the stop no earlier than placement, RUNNING
/// only if it starts before the stop.
struct Life {
    placed: f64,
    running: Option<f64>,
    /// End of RUNNING: the stop decision, or STOPPED.
    serving_until: Option<f64>,
    stopped: Option<f64>,
}

impl Life {
    fn of(r: &TaskRow) -> Life {
        let placed = r.placed_s;
        let stopped = r.stopped_s.filter(|s| s.is_finite()).map(|s| s.max(placed));
        let serving_until = r.stopping_s.filter(|s| s.is_finite()).map(|s| s.max(placed)).or(stopped);
        let running = r.running_s.filter(|t| t.is_finite()).map(|t| t.max(placed)).filter(|&t| serving_until.is_none_or(|s| t < s));
        Life { placed, running, serving_until, stopped }
    }

    fn last_time(&self) -> f64 {
        self.stopped.or(self.running).unwrap_or(self.placed)
    }
}

fn steps(rows: &[&TaskRow]) -> Steps {
    // (time, change of running, change of in flight)
    let mut events: Vec<(f64, i64, i64)> = Vec::with_capacity(rows.len() * 4);
    for r in rows {
        let life = Life::of(r);
        events.push((life.placed, 0, 1));
        if let Some(s) = life.stopped {
            events.push((s, 0, -1));
        }
        if let Some(t) = life.running {
            events.push((t, 1, 0));
            if let Some(s) = life.serving_until {
                events.push((s, -1, 0));
            }
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut running, mut in_flight) = (0i64, 0i64);
    let mut out: Steps = Vec::new();
    for instant in events.chunk_by(|a, b| a.0 == b.0) {
        for &(_, dr, df) in instant {
            running += dr;
            in_flight += df;
        }
        let counts = (running as u32, in_flight as u32);
        let previous = out.last().map_or((0, 0), |p| (p.1, p.2));
        if counts != previous {
            out.push((instant[0].0, counts.0, counts.1));
        }
    }
    out
}

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

/// One horizontal lane per instance (index = instance; labels are `(EC2 id, zone)`), grouped
/// by zone, each task a bar from placement to stop or `end_s`: light while PENDING, solid
/// while RUNNING, coloured by `(owner, deployment)`. Tasks of one instance that overlap in
/// time are stacked in sub-lanes. Only the first `GANTT_MAX_INSTANCES` instances are drawn.
pub fn gantt_chart(rows: &[TaskRow], instance_labels: &[(String, String)], end_s: f64, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let figure = GanttFigure::new(rows, instance_labels, end_s);
    render(&figure, png, svg)
}

/// The pairs `(owner, deployment)` of the rows, sorted; a pair's colour is its index here.
fn owner_deployments<'a>(rows: impl Iterator<Item = &'a TaskRow>) -> Vec<(&'a str, u32)> {
    let mut pairs: Vec<(&str, u32)> = rows.map(|r| (r.owner.as_str(), r.deployment)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The sub-lane of each interval `(start, end)`, in input order: intervals sorted by start
/// each take the first sub-lane whose last interval ended by their start (optimal: as many
/// sub-lanes as the most intervals overlapping at one time). Returns the sub-lanes and count.
fn assign_sublanes(intervals: &[(f64, f64)]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..intervals.len()).collect();
    // Stable: equal starts keep the input order.
    order.sort_by(|&a, &b| intervals[a].0.total_cmp(&intervals[b].0));
    let mut ends: Vec<f64> = Vec::new();
    let mut lane = vec![0; intervals.len()];
    for i in order {
        let (start, end) = intervals[i];
        match ends.iter().position(|&e| e <= start) {
            Some(k) => {
                ends[k] = end;
                lane[i] = k;
            }
            None => {
                lane[i] = ends.len();
                ends.push(end);
            }
        }
    }
    let n = ends.len();
    (lane, n)
}

struct Bar {
    start: f64,
    /// Where RUNNING begins (`end` if never).
    running: f64,
    /// Where the task was told to stop (deregistering, stopping); `end` if never.
    stopping: f64,
    end: f64,
    color: usize,
    sublane: usize,
}

struct Lane {
    label: String,
    /// Top and height in layout pixels, from the top of the plot.
    top: f64,
    height: f64,
    sublanes: usize,
    bars: Vec<Bar>,
}

struct ZoneHeader {
    name: String,
    top: f64,
}

struct GanttFigure {
    title: String,
    size: (u32, u32),
    x_desc: String,
    x_max: f64,
    /// Height of the layout in pixels, the y range.
    content: f64,
    zones: Vec<ZoneHeader>,
    lanes: Vec<Lane>,
    /// Legend entries and colours: (label, colour index).
    legend: Vec<String>,
}

impl GanttFigure {
    fn new(rows: &[TaskRow], instance_labels: &[(String, String)], end_s: f64) -> GanttFigure {
        let rows: Vec<&TaskRow> = rows.iter().filter(|r| r.placed_s.is_finite()).collect();
        let instances = rows.iter().map(|r| r.instance as usize + 1).max().unwrap_or(0).max(instance_labels.len());
        let shown = instances.min(GANTT_MAX_INSTANCES);
        let last_event = rows.iter().map(|r| Life::of(r).last_time()).fold(0.0, f64::max);
        let clock = Clock::for_end(finite_or_zero(end_s).max(last_event));
        let end = clock.end_s;

        let pairs = owner_deployments(rows.iter().copied());
        let color_of = |r: &TaskRow| pairs.binary_search(&(r.owner.as_str(), r.deployment)).unwrap_or(0);

        // Bars per instance, in the rows' order, then stacked.
        let mut per_instance: Vec<Vec<Bar>> = (0..shown).map(|_| Vec::new()).collect();
        for r in &rows {
            let Some(bars) = per_instance.get_mut(r.instance as usize) else { continue };
            let life = Life::of(r);
            let stop = life.stopped.unwrap_or(end).max(life.placed);
            bars.push(Bar {
                start: clock.units(life.placed),
                running: clock.units(life.running.unwrap_or(stop)),
                stopping: clock.units(life.serving_until.unwrap_or(stop).min(stop)),
                end: clock.units(stop),
                color: color_of(r),
                sublane: 0,
            });
        }
        let mut stacked: Vec<(Vec<Bar>, usize)> = Vec::with_capacity(shown);
        for mut bars in per_instance {
            let (sublane, n) = assign_sublanes(&bars.iter().map(|b| (b.start, b.end)).collect::<Vec<_>>());
            for (b, k) in bars.iter_mut().zip(sublane) {
                b.sublane = k;
            }
            stacked.push((bars, n.max(1)));
        }

        // Zones by name, instances in index order within each.
        let zone_of = |i: usize| {
            instance_labels.get(i).map(|l| l.1.clone()).filter(|z| !z.is_empty()).unwrap_or_else(|| "(unknown zone)".to_string())
        };
        let mut by_zone: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for i in 0..shown {
            by_zone.entry(zone_of(i)).or_default().push(i);
        }
        let label_of =
            |i: usize| instance_labels.get(i).map(|l| l.0.clone()).filter(|l| !l.is_empty()).unwrap_or_else(|| format!("instance {i}"));

        // The largest sub-lane height that fits the maximum figure height.
        let sublanes: Vec<usize> = stacked.iter().map(|s| s.1).collect();
        let fixed = ZONE_HEADER_PX * by_zone.len() as f64 + LANE_GAP_PX * shown as f64;
        let content_at = |px: f64| fixed + sublanes.iter().map(|&k| (k as f64 * px).max(MIN_LANE_PX)).sum::<f64>();
        let budget = GANTT_MAX_HEIGHT as f64 - GANTT_FRAME_PX;
        let mut px = SUBLANE_PX;
        while px > MIN_SUBLANE_PX && content_at(px) > budget {
            px -= 0.5;
        }
        while px < MAX_SUBLANE_PX && content_at(px + 0.5) + GANTT_FRAME_PX <= GANTT_MIN_HEIGHT as f64 {
            px += 0.5;
        }
        let height = (content_at(px) + GANTT_FRAME_PX).round().clamp(GANTT_MIN_HEIGHT as f64, GANTT_MAX_HEIGHT as f64) as u32;

        let mut zones = Vec::new();
        let mut lanes: Vec<Lane> = Vec::with_capacity(shown);
        let mut top = 0.0;
        for (zone, members) in by_zone {
            zones.push(ZoneHeader { name: zone, top });
            top += ZONE_HEADER_PX;
            for i in members {
                let (bars, k) = (std::mem::take(&mut stacked[i].0), stacked[i].1);
                let height = (k as f64 * px).max(MIN_LANE_PX);
                lanes.push(Lane { label: label_of(i), top, height, sublanes: k, bars });
                top += height + LANE_GAP_PX;
            }
        }
        // A short chart keeps its sub-lane height and leaves room below, never stretches.
        let content = top.max(height as f64 - GANTT_FRAME_PX).max(1.0);

        let tasks: usize = lanes.iter().map(|l| l.bars.len()).sum();
        let title = if shown < instances {
            format!("Tasks by instance: first {shown} of {instances} instances shown ({tasks} tasks)")
        } else {
            format!("Tasks by instance ({tasks} tasks on {instances} instances)")
        };
        let legend = pairs.iter().map(|(o, d)| pair_label(o, *d)).collect();
        GanttFigure { title, size: (GANTT_WIDTH, height), x_desc: clock.desc(), x_max: clock.units(end), content, zones, lanes, legend }
    }
}

/// "web · d1", the owner shortened so that the deployment stays readable.
fn pair_label(owner: &str, deployment: u32) -> String {
    let suffix = format!(" · d{deployment}");
    let owner = if owner.is_empty() { "(unknown)" } else { owner };
    let room = LEGEND_LABEL_CHARS.saturating_sub(suffix.chars().count());
    let owner = if owner.chars().count() <= room {
        owner.to_string()
    } else {
        let mut s: String = owner.chars().take(room.saturating_sub(1)).collect();
        s.push('…');
        s
    };
    format!("{owner}{suffix}")
}

/// The colour of the `i`th `(owner, deployment)` pair: the palette, then the palette darker,
/// then again from the start.
fn pair_color(i: usize) -> RGBColor {
    let c = PALETTE[i % PALETTE.len()];
    if i % (2 * PALETTE.len()) < PALETTE.len() {
        c
    } else {
        let dark = |v: u8| (v as f64 * 0.55).round() as u8;
        RGBColor(dark(c.0), dark(c.1), dark(c.2))
    }
}

/// The colour mixed with white: `share` of the colour.
fn tint(c: RGBColor, share: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - v as f64) * share).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

impl Picture for GanttFigure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plot, legend) = frame(root, &self.title)?;

        // y is layout pixels from the top of the lanes, drawn downwards.
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(GANTT_LABEL_AREA)
            .build_cartesian_2d(0f64..self.x_max, 0f64..self.content)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(self.x_desc.as_str())
            .x_label_formatter(&|v| trim_number(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .draw()
            .map_err(err)?;
        let y = |from_top: f64| self.content - from_top;
        let (x_px, _) = chart.plotting_area().get_pixel_range();
        // A task shorter than a pixel is still drawn one pixel wide.
        let min_width = self.x_max / (x_px.end - x_px.start).max(1) as f64;

        // Every other lane shaded, so that a bar is easy to follow to its label.
        for lane in self.lanes.iter().skip(1).step_by(2) {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y(lane.top - LANE_GAP_PX / 2.0)), (self.x_max, y(lane.top + lane.height + LANE_GAP_PX / 2.0))],
                    RGBColor(0xf2, 0xf2, 0xf2).filled(),
                )))
                .map_err(err)?;
        }
        for zone in &self.zones {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(0.0, y(zone.top)), (self.x_max, y(zone.top))], GREY.stroke_width(1))))
                .map_err(err)?;
        }
        for lane in &self.lanes {
            let sub = lane.height / lane.sublanes as f64;
            // A pixel of white between stacked bars when there is room for it.
            let gap = if sub >= 4.0 { 1.0 } else { 0.0 };
            let rects = lane.bars.iter().flat_map(|b| {
                let color = pair_color(b.color);
                let top = y(lane.top + b.sublane as f64 * sub + gap);
                let bottom = y(lane.top + (b.sublane + 1) as f64 * sub);
                let end = b.end.max(b.start + min_width);
                let running = b.running.min(end);
                let pending = (running > b.start).then(|| Rectangle::new([(b.start, top), (running, bottom)], tint(color, 0.35).filled()));
                let stopping = b.stopping.clamp(running, end);
                let up = (stopping > running).then(|| Rectangle::new([(running, top), (stopping, bottom)], color.filled()));
                let down = (end > stopping).then(|| Rectangle::new([(stopping, top), (end, bottom)], tint(color, 0.6).filled()));
                pending.into_iter().chain(up).chain(down)
            });
            chart.draw_series(rects).map_err(err)?;
        }

        // Labels left of the plot: zone names on their separators, EC2 ids on their lanes.
        let zone_style = TextStyle::from((FONT, 15).into_font()).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        let lane_style = TextStyle::from((FONT, 12).into_font()).color(&GREY).pos(Pos::new(HPos::Right, VPos::Center));
        for zone in &self.zones {
            let (_, py) = chart.backend_coord(&(0.0, y(zone.top + ZONE_HEADER_PX / 2.0)));
            let (px, _) = chart.backend_coord(&(0.0, 0.0));
            root.draw(&Text::new(zone.name.as_str(), (px - GANTT_LABEL_AREA as i32 + 4, py), zone_style.clone())).map_err(err)?;
        }
        for lane in &self.lanes {
            let (px, py) = chart.backend_coord(&(0.0, y(lane.top + lane.height / 2.0)));
            root.draw(&Text::new(lane.label.as_str(), (px - 6, py), lane_style.clone())).map_err(err)?;
        }

        let label_style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let title_style = TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let (_, h) = legend.dim_in_pixel();
        let (x0, mut ly) = (12i32, 60i32);
        legend.draw(&Text::new("Owner · deployment", (x0, ly), title_style.clone())).map_err(err)?;
        // The state key at the bottom; owner entries above it, as many as fit.
        let fit = ((h as i32 - 60 - 130) / 22).max(1) as usize;
        let shown = if self.legend.len() > fit { fit - 1 } else { self.legend.len() };
        for (i, label) in self.legend.iter().take(shown).enumerate() {
            ly += 22;
            let color = pair_color(i);
            legend.draw(&Rectangle::new([(x0, ly - 7), (x0 + 32, ly + 7)], color.filled())).map_err(err)?;
            legend.draw(&Text::new(label.as_str(), (x0 + 42, ly), label_style.clone())).map_err(err)?;
        }
        if shown < self.legend.len() {
            ly += 22;
            legend
                .draw(&Text::new(format!("… and {} more", self.legend.len() - shown), (x0 + 42, ly), label_style.clone()))
                .map_err(err)?;
        }
        ly += 40;
        legend.draw(&Text::new("Task state", (x0, ly), title_style)).map_err(err)?;
        for (share, label) in [(0.35, "PENDING"), (1.0, "RUNNING"), (0.6, "STOPPING")] {
            ly += 22;
            legend.draw(&Rectangle::new([(x0, ly - 7), (x0 + 32, ly + 7)], tint(PALETTE[0], share).filled())).map_err(err)?;
            legend.draw(&Text::new(label, (x0 + 42, ly), label_style.clone())).map_err(err)?;
        }
        root.present().map_err(err)
    }
}

/// The time axis: seconds up to 30 minutes of run, minutes up to 3 hours, hours beyond.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Clock {
    /// Seconds per axis unit.
    unit_s: f64,
    /// The end of the axis in seconds, at least one unit.
    end_s: f64,
}

impl Clock {
    fn for_end(end_s: f64) -> Clock {
        let unit_s = if end_s <= SECONDS_AXIS_MAX_S {
            1.0
        } else if end_s <= MINUTES_AXIS_MAX_S {
            60.0
        } else {
            3600.0
        };
        // An empty run still gets a minute-wide axis.
        Clock { unit_s, end_s: end_s.max(60.0) }
    }

    fn units(&self, s: f64) -> f64 {
        s / self.unit_s
    }

    fn desc(&self) -> String {
        let unit = match self.unit_s as u32 {
            1 => "s",
            60 => "min",
            _ => "h",
        };
        format!("Simulated time ({unit})")
    }
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// A figure drawn the same way on both backends.
trait Picture {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

fn render(figure: &impl Picture, png: &Path, svg: &Path) -> Result<(), ChartError> {
    ensure_font()?;
    let (w, h) = figure.size();

    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        figure.draw(&root).map_err(|message| ChartError::Draw { path: png.to_path_buf(), message })?;
    }
    let png_bytes = encode_png(&rgb, w, h).map_err(|e| ChartError::Encode { path: png.to_path_buf(), message: e.to_string() })?;
    write_atomic(png, &png_bytes).map_err(|source| ChartError::Io { path: png.to_path_buf(), source })?;

    let mut svg_text = String::new();
    {
        let root = SVGBackend::with_string(&mut svg_text, (w, h)).into_drawing_area();
        figure.draw(&root).map_err(|message| ChartError::Draw { path: svg.to_path_buf(), message })?;
    }
    write_atomic(svg, svg_text.as_bytes()).map_err(|source| ChartError::Io { path: svg.to_path_buf(), source })
}

#[cfg(test)]
mod tests;
