//! Charts of tasks over simulated time, as PNG and SVG, from the recorder's task rows.
//!
//! - `revisions_chart`: for one service, the number of tasks of each deployment against time,
//!   exact step functions of the tasks' own event times (a rolling update lasts minutes and
//!   must be readable): RUNNING tasks solid, tasks in flight (placed, not stopped) dashed, the
//!   service's total in flight, its HEALTHY tasks, its desired count and the deployment's
//!   minimum-healthy and maximum-percent bounds (dashed; `bounds`).
//! - `gantt_chart`: one lane per instance, grouped by zone, each task a bar from placement to
//!   stop (light while PENDING, solid while RUNNING, mid-tone from the stop decision: deregistering and stopping), coloured by
//!   owner and deployment.
//!
//! Same conventions as `chart`: the embedded DejaVu Sans, output bytes a pure function of the
//! input, both files written atomically.

//!
//! Rooms: `revisions` (the tasks-by-deployment chart), `bounds` (its desired, healthy and bound
//! lines), `gantt` (the Gantt chart); here, what
//! both read: the step counts of a service's tasks and the time axis (`Clock`).

mod bounds;
mod gantt;
mod revisions;

pub use bounds::{desired_steps, healthy_steps, max_tasks_steps, min_healthy_steps, CountSteps, HealthEvent, ServiceLines};
pub use gantt::{gantt_chart, GanttRow};
pub use revisions::revisions_chart;

use super::chart::{render, ChartError, Picture, FONT, PALETTE};
use crate::sim::recorder::TaskRow;
#[cfg(test)]
use gantt::{assign_sublanes, pair_color, pair_label, tint};
use plotters::coord::Shift;
use plotters::prelude::*;
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
/// column on its right (the house frame, `chart::frame`).
fn frame<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str) -> Result<super::chart::Areas<DB>, String> {
    super::chart::frame(root, title, LEGEND_WIDTH)
}
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

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
        Life::at((r.placed_s, r.running_s, r.stopping_s, r.stopped_s))
    }

    /// From (placed, RUNNING, told to stop, STOPPED).
    fn at((placed, running_s, stopping_s, stopped_s): (f64, Option<f64>, Option<f64>, Option<f64>)) -> Life {
        let stopped = stopped_s.filter(|s| s.is_finite()).map(|s| s.max(placed));
        let serving_until = stopping_s.filter(|s| s.is_finite()).map(|s| s.max(placed)).or(stopped);
        let running = running_s.filter(|t| t.is_finite()).map(|t| t.max(placed)).filter(|&t| serving_until.is_none_or(|s| t < s));
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

#[cfg(test)]
mod tests;
