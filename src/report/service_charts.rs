//! Charts of tasks over simulated time, as PNG and SVG, from the recorder's task rows.
//!
//! - `revisions_chart`: for one service, the number of tasks of each deployment against time,
//!   exact step functions of the tasks' own event times (a rolling update lasts minutes and
//!   must be readable): RUNNING tasks solid, tasks in flight (placed, not stopped) dashed, the
//!   service's total in flight black.
//! - `gantt_chart`: one lane per instance, grouped by zone, each task a bar from placement to
//!   stop (light while PENDING, solid while RUNNING), coloured by owner and deployment.
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
        root.fill(&WHITE).map_err(err)?;
        let body = root.margin(8, 0, 0, 0).titled(&self.title, (FONT, 26)).map_err(err)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH));

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
        root.fill(&WHITE).map_err(err)?;
        let body = root.margin(8, 0, 0, 0).titled(&self.title, (FONT, 26)).map_err(err)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH));

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
                let up = (end > running).then(|| Rectangle::new([(running, top), (end, bottom)], color.filled()));
                pending.into_iter().chain(up)
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
        for (share, label) in [(0.35, "PENDING"), (1.0, "RUNNING")] {
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
mod tests {
    use super::*;
    use std::fs;

    const ZONES: [&str; 2] = ["us-east-1a", "us-east-1b"];

    fn task(n: u32, owner: &str, deployment: u32, instance: u32, placed: f64, running: Option<f64>, stopped: Option<f64>) -> TaskRow {
        TaskRow {
            task: format!("t-{n:06}"),
            owner: owner.to_string(),
            task_definition: deployment as u16,
            deployment,
            instance,
            placed_s: placed,
            running_s: running,
            stopping_s: None,
            stopped_s: stopped,
            stop_code: if stopped.is_some() { "ServiceSchedulerInitiated".to_string() } else { String::new() },
        }
    }

    /// Four instances, two per zone (interleaved by index).
    fn instances(n: usize) -> Vec<(String, String)> {
        (0..n).map(|i| (format!("i-{:017x}", 0xabc000 + i), ZONES[i % 2].to_string())).collect()
    }

    /// A rolling update of "web": 4 old tasks running 0–360 s, 4 new placed at 0 and running
    /// at 20, one of each per instance; and a standalone "batch" task on instance 1.
    fn rolling_update() -> Vec<TaskRow> {
        let mut rows = Vec::new();
        for i in 0..4 {
            rows.push(task(i, "web", 0, i, 0.0, Some(0.0), Some(360.0)));
        }
        for i in 0..4 {
            rows.push(task(4 + i, "web", 1, i, 0.0, Some(20.0), None));
        }
        rows.push(task(8, "batch", 0, 1, 100.0, Some(130.0), Some(400.0)));
        rows
    }

    fn labels() -> Vec<String> {
        vec!["ecs-svc/0 web:1".to_string(), "ecs-svc/1 web:2".to_string()]
    }

    fn is_png(bytes: &[u8]) -> (u32, u32) {
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "no PNG signature");
        let decoder = png::Decoder::new(bytes);
        let mut reader = decoder.read_info().expect("PNG header decodes");
        let mut pixels = vec![0u8; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).expect("PNG data decodes");
        // Not a blank canvas: something other than white was drawn.
        assert!(pixels[..info.buffer_size()].iter().any(|&b| b < 0x80));
        (info.width, info.height)
    }

    fn paths(dir: &tempfile::TempDir, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        (dir.path().join(format!("{name}.png")), dir.path().join(format!("{name}.svg")))
    }

    #[test]
    fn step_counts_of_a_rolling_update_are_exact() {
        let steps = step_counts(&rolling_update(), "web");
        assert_eq!(steps, vec![(0, vec![(0.0, 4, 4), (360.0, 0, 0)]), (1, vec![(0.0, 0, 4), (20.0, 4, 4)])]);
        // At t = 100: 4 old running and 4 new running, 8 in flight.
        assert_eq!(counts_at(&steps[0].1, 100.0), (4, 4));
        assert_eq!(counts_at(&steps[1].1, 100.0), (4, 4));
        // Before RUNNING the new ones are only in flight; the old ones are gone at 360 exactly.
        assert_eq!(counts_at(&steps[1].1, 19.9), (0, 4));
        assert_eq!(counts_at(&steps[0].1, 359.9), (4, 4));
        assert_eq!(counts_at(&steps[0].1, 360.0), (0, 0));
        assert_eq!(counts_at(&steps[0].1, -1.0), (0, 0));
        // Other owners are not counted.
        assert_eq!(step_counts(&rolling_update(), "batch"), vec![(0, vec![(100.0, 0, 1), (130.0, 1, 1), (400.0, 0, 0)])]);
        assert!(step_counts(&rolling_update(), "api").is_empty());
    }

    #[test]
    fn step_counts_merge_simultaneous_events_and_tolerate_odd_times() {
        let rows = vec![
            // One stops as another starts: no spike, no point at all.
            task(0, "s", 0, 0, 0.0, Some(5.0), Some(50.0)),
            task(1, "s", 0, 0, 50.0, Some(50.0), None),
            // Stopped before RUNNING: only in flight.
            task(2, "s", 0, 0, 10.0, None, Some(30.0)),
            // RUNNING "after" the stop and a stop before placement: clamped, never RUNNING.
            task(3, "s", 0, 0, 60.0, Some(90.0), Some(40.0)),
            // Not a time: skipped.
            task(4, "s", 0, 0, f64::NAN, Some(1.0), None),
            task(5, "s", 0, 0, 70.0, Some(f64::INFINITY), None),
        ];
        let steps = step_counts(&rows, "s");
        assert_eq!(steps, vec![(0, vec![(0.0, 0, 1), (5.0, 1, 1), (10.0, 1, 2), (30.0, 1, 1), (70.0, 1, 2)])]);
    }

    #[test]
    fn revisions_chart_writes_a_decodable_png_and_an_svg_naming_every_deployment() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "revisions");
        revisions_chart(&rolling_update(), "web", &labels(), 600.0, &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), REVISIONS_SIZE);
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..40]);
        for label in ["web: tasks by deployment", "ecs-svc/0 web:1", "ecs-svc/1 web:2", "Simulated time (s)", "total in flight", "RUNNING"]
        {
            assert!(text.contains(label), "SVG lacks {label:?}");
        }
        // "batch" is another owner: not on this chart.
        assert!(!text.contains("batch"));
    }

    #[test]
    fn gantt_chart_writes_a_decodable_png_and_an_svg_naming_zones_and_instances() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "gantt");
        let instances = instances(4);
        gantt_chart(&rolling_update(), &instances, 600.0, &png, &svg).unwrap();
        // Few lanes: the minimum height.
        assert_eq!(is_png(&fs::read(&png).unwrap()), (GANTT_WIDTH, GANTT_MIN_HEIGHT));
        let text = fs::read_to_string(&svg).unwrap();
        for label in ZONES.iter().copied().chain(instances.iter().map(|i| i.0.as_str())) {
            assert!(text.contains(label), "SVG lacks {label:?}");
        }
        for label in ["Tasks by instance (9 tasks on 4 instances)", "web · d0", "web · d1", "batch · d0", "PENDING", "Simulated time (s)"]
        {
            assert!(text.contains(label), "SVG lacks {label:?}");
        }
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = rolling_update();
        let (png1, svg1) = paths(&dir, "one");
        let (png2, svg2) = paths(&dir, "two");
        revisions_chart(&rows, "web", &labels(), 600.0, &png1, &svg1).unwrap();
        revisions_chart(&rows, "web", &labels(), 600.0, &png2, &svg2).unwrap();
        assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
        assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());

        gantt_chart(&rows, &instances(4), 600.0, &png1, &svg1).unwrap();
        gantt_chart(&rows, &instances(4), 600.0, &png2, &svg2).unwrap();
        assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
        assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());
    }

    #[test]
    fn empty_and_degenerate_inputs_still_draw_axes() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "e");
        revisions_chart(&[], "web", &[], 0.0, &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), REVISIONS_SIZE);
        gantt_chart(&[], &[], 0.0, &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), (GANTT_WIDTH, GANTT_MIN_HEIGHT));
        // Instances without labels, an unknown owner, odd times, an end before the last event.
        let rows = vec![
            task(0, "", 0, 3, 0.0, None, None),
            task(1, "web", 7, 0, f64::NAN, Some(1.0), None),
            task(2, "web", 2, 1, 50.0, Some(f64::NAN), Some(10.0)),
            task(3, "web", 2, 1, 5.0, Some(6.0), Some(6.0)),
        ];
        revisions_chart(&rows, "web", &labels(), f64::NAN, &png, &svg).unwrap();
        assert!(fs::read_to_string(&svg).unwrap().contains("deployment 2"));
        gantt_chart(&rows, &instances(1), -5.0, &png, &svg).unwrap();
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.contains("instance 3") && text.contains("(unknown zone)") && text.contains("(unknown) · d0"), "{text}");
    }

    #[test]
    fn a_missing_directory_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("missing/r.png");
        let err = gantt_chart(&rolling_update(), &instances(4), 600.0, &png, &dir.path().join("r.svg")).unwrap_err();
        assert!(matches!(err, ChartError::Io { ref path, .. } if *path == png), "{err}");
    }

    /// 60 instances in 3 zones, 600 tasks of 6 services over 4 hours, with rolling updates.
    fn busy() -> (Vec<TaskRow>, Vec<(String, String)>) {
        let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
        let instances: Vec<(String, String)> = (0..60).map(|i| (format!("i-{:017x}", 0x5000 + i), zones[i % 3].to_string())).collect();
        let mut rows = Vec::new();
        for n in 0..600u32 {
            let service = format!("svc-{}", n % 6);
            let placed = (n as f64 * 37.0) % 14_000.0;
            let stopped = (n % 5 != 0).then_some(placed + 600.0 + (n % 13) as f64 * 300.0);
            rows.push(task(n, &service, n / 200, (n * 7) % 60, placed, Some(placed + 15.0), stopped));
        }
        (rows, instances)
    }

    #[test]
    fn many_instances_are_cut_at_the_limit_and_the_title_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = paths(&dir, "busy");
        let (rows, instances) = busy();
        gantt_chart(&rows, &instances, 4.0 * 3600.0, &png, &svg).unwrap();
        let (w, h) = is_png(&fs::read(&png).unwrap());
        assert_eq!(w, GANTT_WIDTH);
        assert!((GANTT_MIN_HEIGHT..=GANTT_MAX_HEIGHT).contains(&h), "{h}");
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.contains("Tasks by instance: first 40 of 60 instances shown"));
        assert!(text.contains("Simulated time (h)"));
        assert!(text.contains(&instances[39].0) && !text.contains(&instances[40].0));
        let labels: Vec<String> = (0..3).map(|d| format!("ecs-svc/{d} svc-0:{}", d + 1)).collect();
        revisions_chart(&rows, "svc-0", &labels, 4.0 * 3600.0, &png, &svg).unwrap();
        assert!(fs::read_to_string(&svg).unwrap().contains("ecs-svc/2 svc-0:3"));
    }

    #[test]
    fn overlapping_tasks_take_separate_sublanes() {
        // [0,10) and [5,15) overlap; [10,20) fits after the first; [15,16) after the second.
        let (lanes, n) = assign_sublanes(&[(0.0, 10.0), (5.0, 15.0), (10.0, 20.0), (15.0, 16.0)]);
        assert_eq!((lanes, n), (vec![0, 1, 0, 1], 2));
        // Input order does not matter: sorted by start.
        let (lanes, n) = assign_sublanes(&[(10.0, 20.0), (0.0, 30.0), (0.0, 12.0)]);
        assert_eq!((lanes, n), (vec![2, 0, 1], 3));
        assert_eq!(assign_sublanes(&[]), (vec![], 0));
    }

    #[test]
    fn the_time_axis_unit_follows_the_length_of_the_run() {
        assert_eq!(Clock::for_end(1800.0).desc(), "Simulated time (s)");
        assert_eq!(Clock::for_end(1801.0).desc(), "Simulated time (min)");
        assert_eq!(Clock::for_end(3.0 * 3600.0).desc(), "Simulated time (min)");
        assert_eq!(Clock::for_end(3.0 * 3600.0 + 1.0).desc(), "Simulated time (h)");
        assert_eq!(Clock::for_end(0.0), Clock { unit_s: 1.0, end_s: 60.0 });
    }

    #[test]
    fn legend_labels_keep_the_deployment() {
        assert_eq!(pair_label("web", 1), "web · d1");
        assert_eq!(pair_label("", 0), "(unknown) · d0");
        let long = pair_label(&"x".repeat(40), 12);
        assert!(long.ends_with("… · d12") && long.chars().count() == LEGEND_LABEL_CHARS, "{long}");
        assert_eq!(tint(RGBColor(0, 100, 255), 0.5), RGBColor(128, 178, 255));
        assert_eq!(pair_color(1), PALETTE[1]);
        assert_eq!(pair_color(20), PALETTE[0]);
        assert!((10..20).all(|i| pair_color(i) != PALETTE[i - 10] && !PALETTE.contains(&pair_color(i))));
    }
}
