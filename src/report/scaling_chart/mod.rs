//! The scaling chart of one service, from the rows of services.csv, alarms.csv and
//! scaling.csv: two panels stacked on one time axis.
//!
//! 1. Tasks: the desired count (a wide pale step) and the RUNNING tasks (a thin dark step on
//!    top of it, so that both show where they agree). Behind them, a pale band wherever one of
//!    the service's alarms is in ALARM, from its transition into ALARM to its next transition
//!    out (or the end of the axis): red shades for alarms whose name contains "High", blue
//!    shades for "Low", other colours for the rest, one per alarm. The legend names each alarm
//!    readably (target tracking's `TargetTracking-service/<cluster>/<service>-AlarmHigh-<uuid>`
//!    as `TargetTracking-<service>-AlarmHigh-…`) and says what it watches ("CPU > 50 %").
//!    On top, a marker at each scaling decision, at its time and new desired count: a red
//!    triangle up for a scale-out, a blue one down for a scale-in, a grey diamond where the
//!    count stayed (a scheduled action that only moved the range).
//!    Behind everything, the run's faults (`chart::FaultBand`), named at the top of the panel.
//! 2. CPU utilization (%) and, where the run models it, memory utilization (wide, pale orange,
//!    under CPU), from 0 to 100 or higher when a value exceeds it; each target-tracking
//!    policy's target as a dashed line of its metric's colour on top, labelled.
//!
//! Every per-minute value is a step across its minute (minute 10 spans 600–660 s).
//! Long runs are averaged over buckets of minutes as in `chart` (`TimeAxis`): every line, the
//! desired and running counts included, shows the mean of its bucket, which the x axis
//! description says; alarm bands and scaling markers keep their exact times. Same conventions
//! as `chart`: the embedded DejaVu Sans, output bytes a pure function of the rows, both files
//! written atomically.
//!
//! The figure is built here from the rows; `draw` draws it (panels, bands, markers, legend).

use super::chart::{
    draw_fault_bands, draw_runs, fault_legend, frame, render, trim_number, ChartError, FaultBand, PanelAxes, Picture, Stroke, TimeAxis,
    FONT, PALETTE,
};
use crate::report::source::Rows;
use crate::sim::monitor::AlarmRow;
use crate::sim::recorder::ServiceMinuteRow;
use crate::sim::scaling::ScalingRow;
use crate::sim::service_settings::{ScalingTarget, TargetMetric};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::cmp::Ordering;
use std::path::Path;

mod draw;

/// Pixel size of the PNG (the SVG has the same view box).
pub const SCALING_SIZE: (u32, u32) = (1200, 900);
/// Wider than the other charts' legends: alarm names are long and are wrapped, not cut short.
const LEGEND_WIDTH: u32 = 320;
/// Characters per legend line of an alarm name, and at most this many lines per alarm.
const ALARM_LABEL_CHARS: usize = 28;
const ALARM_LABEL_LINES: usize = 3;
/// Share of the plot column's height of the tasks panel; the utilization panel has the rest.
const TASKS_SHARE: f64 = 0.58;
/// The alarm state a band shows (what alarms.csv writes in its `to` column).
const IN_ALARM: &str = "ALARM";
/// Bands are translucent, so that two alarms in ALARM at once both show.
const BAND_OPACITY: f64 = 0.2;
const HIGH_SHADES: [RGBColor; 3] = [PALETTE[3], PALETTE[1], PALETTE[6]];
const LOW_SHADES: [RGBColor; 3] = [PALETTE[0], PALETTE[9], PALETTE[4]];
const OTHER_SHADES: [RGBColor; 4] = [PALETTE[2], PALETTE[8], PALETTE[5], PALETTE[7]];
/// Desired: wide and pale, under running: thin and dark.
const DESIRED: RGBColor = RGBColor(0xb0, 0xb0, 0xb0);
const RUNNING: RGBColor = RGBColor(0x1a, 0x5e, 0x1a);
const CPU: RGBColor = PALETTE[0];
const MEMORY: RGBColor = PALETTE[1];
/// Memory utilization's wide under-stroke: the memory colour, pale.
const MEMORY_WIDE: RGBColor = RGBColor(0xff, 0xc8, 0x96);
const GREY: RGBColor = RGBColor(0x7f, 0x7f, 0x7f);
/// Half the size of a scaling marker, in pixels.
const MARKER_PX: i32 = 7;
/// Legend layout in pixels: the first heading level with the top of its panel's plot.
const LEGEND_X: i32 = 12;
const LEGEND_TOP: i32 = 40;
const LEGEND_ROW: i32 = 20;
const LEGEND_BLOCK_GAP: i32 = 10;

/// Draws the scaling chart of `service`: `minutes` are services.csv's rows (of every
/// service; the axis spans them all, the lines are `service`'s), `alarms` alarms.csv's rows,
/// of which the alarms named in `alarm_names` are drawn, and `scaling` scaling.csv's rows, of
/// which `service`'s are drawn; `targets` are its target-tracking policies' targets; `faults`
/// are shaded behind both panels.
#[allow(clippy::too_many_arguments)] // the four CSVs' rows, what of them to draw, and where
pub fn scaling_chart(
    service: &str,
    minutes: &(impl Rows<ServiceMinuteRow> + ?Sized),
    alarms: &[AlarmRow],
    alarm_names: &[String],
    scaling: &[ScalingRow],
    targets: &[ScalingTarget],
    faults: &[FaultBand],
    title: &str,
    png: &Path,
    svg: &Path,
) -> Result<(), ChartError> {
    render(&ScalingFigure::new(service, minutes, alarms, alarm_names, scaling, title).with_targets(targets).with_faults(faults), png, svg)
}

/// Which way a scaling decision moved the desired count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Out,
    In,
    Unchanged,
}

impl Step {
    const ALL: [Step; 3] = [Step::Out, Step::In, Step::Unchanged];

    fn of(row: &ScalingRow) -> Step {
        match row.to_desired.cmp(&row.from_desired) {
            Ordering::Greater => Step::Out,
            Ordering::Less => Step::In,
            Ordering::Equal => Step::Unchanged,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Step::Out => "scale out",
            Step::In => "scale in",
            Step::Unchanged => "no change",
        }
    }

    fn color(self) -> RGBColor {
        match self {
            Step::Out => PALETTE[3],
            Step::In => PALETTE[0],
            Step::Unchanged => GREY,
        }
    }

    /// The marker's corners in pixels around its point.
    fn outline(self) -> Vec<(i32, i32)> {
        let s = MARKER_PX;
        match self {
            Step::Out => vec![(0, -s), (s, s * 3 / 4), (-s, s * 3 / 4)],
            Step::In => vec![(0, s), (s, -s * 3 / 4), (-s, -s * 3 / 4)],
            Step::Unchanged => vec![(0, -s), (s, 0), (0, s), (-s, 0)],
        }
    }

    /// The marker, to be placed with `EmptyElement::at(point) + step.marker()`.
    fn marker(self) -> Polygon<(i32, i32)> {
        Polygon::new(self.outline(), self.color().filled())
    }
}

/// How a legend entry shows what it names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Key {
    /// Text only: what is not drawn on the panel's axis.
    Blank,
    Line(Stroke),
    Band(RGBColor),
    Marker(Step),
}

#[derive(Debug)]
struct Entry {
    /// One or more lines of text.
    label: Vec<String>,
    key: Key,
}

#[derive(Debug)]
struct LegendBlock {
    heading: &'static str,
    entries: Vec<Entry>,
}

/// One line, in axis units; a bucket without data separates two runs.
#[derive(Debug)]
struct Trace {
    stroke: Stroke,
    runs: Vec<Vec<(f64, f64)>>,
}

/// An interval in ALARM, in axis units.
#[derive(Debug, Clone, PartialEq)]
struct Band {
    from: f64,
    to: f64,
    color: RGBColor,
}

/// A scaling decision at its time (axis units) and new desired count.
#[derive(Debug, Clone, PartialEq)]
struct Marker {
    x: f64,
    y: f64,
    step: Step,
}

#[derive(Debug)]
struct Panel {
    caption: String,
    y_desc: &'static str,
    /// The y axis runs from 0 to here.
    top: f64,
    bands: Vec<Band>,
    traces: Vec<Trace>,
    markers: Vec<Marker>,
    legend: Vec<LegendBlock>,
}

#[derive(Debug)]
struct ScalingFigure {
    title: String,
    x_desc: String,
    x_max: f64,
    /// Seconds per x axis unit, and the faults shaded behind both panels.
    unit_s: f64,
    faults: Vec<FaultBand>,
    tasks: Panel,
    utilization: Panel,
}

impl ScalingFigure {
    fn new(
        service: &str,
        minutes: &(impl Rows<ServiceMinuteRow> + ?Sized),
        alarms: &[AlarmRow],
        alarm_names: &[String],
        scaling: &[ScalingRow],
        title: &str,
    ) -> ScalingFigure {
        let mut names: Vec<&str> = Vec::new();
        for name in alarm_names {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        // The service's rows, read again for each line (a long run's log stays on disk).
        let rows = || minutes.each().filter(move |r| r.service == service);
        let transitions: Vec<&AlarmRow> = alarms.iter().filter(|r| names.contains(&r.alarm.as_str())).collect();
        let decisions: Vec<&ScalingRow> = scaling.iter().filter(|r| r.service == service).collect();

        // The run's axis: every service's minutes, and the alarms and decisions drawn, which
        // may come after the last recorded minute.
        let last_s = minutes
            .each()
            .map(|r| r.time_s)
            .chain(transitions.iter().map(|r| r.time_s))
            .chain(decisions.iter().map(|r| r.time_s))
            .max()
            .unwrap_or(0);
        let axis = TimeAxis::spanning(last_s, last_s / 60 + 1);
        let x = |time_s: u64| (time_s as f64 / axis.unit_s).min(axis.max);
        let runs = |value: fn(&ServiceMinuteRow) -> Option<f64>| -> Vec<Vec<(f64, f64)>> {
            let means = axis.bucket_means(rows().filter_map(|r| value(&r).map(|v| (r.minute, r.time_s, v))));
            means.chunk_by(|a, b| b.0 == a.0 + 1).map(|run| run.iter().map(|&(_, x, v)| (x, v)).collect()).collect()
        };

        let bucket_width = axis.minutes_per_point as f64 * 60.0 / axis.unit_s;
        // Every per-minute value is held across its minute (or bucket).
        let step_runs = |value: fn(&ServiceMinuteRow) -> Option<f64>| -> Vec<Vec<(f64, f64)>> {
            runs(value).iter().map(|run| step_line(run, bucket_width, axis.max)).collect()
        };
        let desired = Stroke { color: DESIRED, width: 7, dashed: false };
        let running = Stroke { color: RUNNING, width: 2, dashed: false };
        let traces = vec![
            // Wide and pale under thin and dark: where the two agree, both show.
            Trace { stroke: desired, runs: step_runs(|r| Some(r.desired.into())) },
            Trace { stroke: running, runs: step_runs(|r| Some(r.running.into())) },
        ];
        let markers: Vec<Marker> = decisions.iter().map(|r| Marker { x: x(r.time_s), y: r.to_desired.into(), step: Step::of(r) }).collect();
        let most_tasks =
            traces.iter().flat_map(|t| t.runs.iter().flatten().map(|p| p.1)).chain(markers.iter().map(|m| m.y)).fold(0.0, f64::max);

        let mut shades_used = [0usize; 3];
        let mut bands = Vec::new();
        let mut alarm_keys = Vec::new();
        for name in &names {
            let color = shade(name, &mut shades_used);
            bands.extend(alarm_intervals(name, &transitions).into_iter().map(|(from, to)| Band {
                from: x(from),
                to: to.map_or(axis.max, x),
                color,
            }));
            let mut label = wrap(&readable_alarm_name(name));
            label.extend(alarm_condition(name, &transitions));
            alarm_keys.push(Entry { label, key: Key::Band(color) });
        }

        let entry = |label: &str, key: Key| Entry { label: vec![label.to_string()], key };
        let mut tasks_legend = vec![LegendBlock {
            heading: "Tasks",
            entries: vec![entry("desired (wide, pale)", Key::Line(desired)), entry("RUNNING (thin, dark)", Key::Line(running))],
        }];
        let steps: Vec<Entry> =
            Step::ALL.into_iter().filter(|s| markers.iter().any(|m| m.step == *s)).map(|s| entry(s.label(), Key::Marker(s))).collect();
        if !steps.is_empty() {
            tasks_legend.push(LegendBlock { heading: "Scaling decision", entries: steps });
        }
        if !alarm_keys.is_empty() {
            tasks_legend.push(LegendBlock { heading: "In ALARM", entries: alarm_keys });
        }

        let cpu = Stroke { color: CPU, width: 2, dashed: false };
        // Memory wide and pale, under CPU and the (dashed) targets: a memory line that sits on a
        // target or on CPU still shows, and is never read as a target.
        let memory = Stroke { color: MEMORY_WIDE, width: 7, dashed: false };
        let has_memory = rows().any(|r| r.memory_utilization_pct.is_some());
        let mut utilization = Vec::new();
        if has_memory {
            utilization.push(Trace { stroke: memory, runs: step_runs(|r| r.memory_utilization_pct) });
        }
        utilization.push(Trace { stroke: cpu, runs: step_runs(|r| r.cpu_utilization_pct) });
        let mut utilization_legend = vec![entry("CPU utilization", Key::Line(cpu))];
        if has_memory {
            utilization_legend.push(entry("memory utilization (wide)", Key::Line(memory)));
        }
        let peak = utilization.iter().flat_map(|t| t.runs.iter().flatten().map(|p| p.1)).fold(0.0, f64::max);

        ScalingFigure {
            title: title.to_string(),
            x_desc: axis.desc(),
            x_max: axis.max,
            unit_s: axis.unit_s,
            faults: Vec::new(),
            tasks: Panel {
                caption: "Tasks".to_string(),
                y_desc: "Count",
                // Headroom above the largest count, so that a marker on it is drawn whole.
                top: (most_tasks * 1.15).ceil().max(most_tasks + 1.0),
                bands,
                traces,
                markers,
                legend: tasks_legend,
            },
            utilization: Panel {
                caption: if has_memory { "CPU and memory utilization (%)" } else { "CPU utilization (%)" }.to_string(),
                y_desc: "Used / reserved (%)",
                top: utilization_top(peak),
                bands: Vec::new(),
                traces: utilization,
                markers: Vec::new(),
                legend: vec![LegendBlock { heading: "Utilization", entries: utilization_legend }],
            },
        }
    }
}

impl ScalingFigure {
    /// The same figure with each target-tracking policy's target: a dashed line of its
    /// metric's colour on the utilization panel, or, for a metric not on that axis (requests
    /// per target, a customized metric), a legend line saying it.
    fn with_targets(mut self, targets: &[ScalingTarget]) -> ScalingFigure {
        let x_max = self.x_max;
        let panel = &mut self.utilization;
        let Some(block) = panel.legend.first_mut() else { return self };
        for t in targets {
            let value = trim_number(t.target_value);
            let (color, what) = match &t.metric {
                TargetMetric::Cpu => (CPU, "CPU"),
                TargetMetric::Memory => (MEMORY, "memory"),
                TargetMetric::Other(metric) => {
                    block.entries.push(Entry {
                        label: vec![format!("target {metric} {value}"), format!("({}; not on this axis)", t.policy)],
                        key: Key::Blank,
                    });
                    continue;
                }
            };
            let stroke = Stroke { color, width: 2, dashed: true };
            panel.traces.push(Trace { stroke, runs: vec![vec![(0.0, t.target_value), (x_max, t.target_value)]] });
            panel.top = panel.top.max(utilization_top(t.target_value));
            block
                .entries
                .push(Entry { label: vec![format!("{what} target {value} %"), format!("(policy {})", t.policy)], key: Key::Line(stroke) });
        }
        self
    }

    /// The same figure with `faults` shaded, and their key under the tasks panel's legend.
    fn with_faults(mut self, faults: &[FaultBand]) -> ScalingFigure {
        if !faults.is_empty() {
            let entries =
                fault_legend().iter().map(|&(label, stroke)| Entry { label: vec![label.to_string()], key: Key::Line(stroke) }).collect();
            self.tasks.legend.push(LegendBlock { heading: "Faults", entries });
        }
        self.faults = faults.to_vec();
        self
    }
}

/// A step line through bucket values `(x, v)`: each value holds until the next bucket, the
/// last for one bucket's `width`, cut at `x_max`.
fn step_line(run: &[(f64, f64)], width: f64, x_max: f64) -> Vec<(f64, f64)> {
    run.iter()
        .enumerate()
        .flat_map(|(i, &(x, v))| {
            let end = run.get(i + 1).map_or(x + width, |next| next.0);
            [(x, v), (end.min(x_max), v)]
        })
        .collect()
}

/// 0 to 100 %, or to the peak rounded up to a multiple of 10 when a value exceeds 100 %.
fn utilization_top(peak: f64) -> f64 {
    ((peak / 10.0).ceil() * 10.0).max(100.0)
}

/// The next unused shade for an alarm: reds for "High", blues for "Low" (target tracking's
/// AlarmHigh scales out, AlarmLow in, as the markers' colours say), others for the rest.
/// `used` counts the shades given so far per family.
fn shade(name: &str, used: &mut [usize; 3]) -> RGBColor {
    let (family, shades): (usize, &[RGBColor]) = if name.contains("High") {
        (0, &HIGH_SHADES)
    } else if name.contains("Low") {
        (1, &LOW_SHADES)
    } else {
        (2, &OTHER_SHADES)
    };
    let color = shades[used[family] % shades.len()];
    used[family] += 1;
    color
}

/// The intervals `(from_s, to_s)` in which `alarm` was in ALARM, in the order of its
/// transitions (by time, stably: alarms.csv lists them as they happened); `to_s` is `None`
/// for an alarm still in ALARM at the end.
fn alarm_intervals(alarm: &str, transitions: &[&AlarmRow]) -> Vec<(u64, Option<u64>)> {
    let mut rows: Vec<&AlarmRow> = transitions.iter().copied().filter(|r| r.alarm == alarm).collect();
    rows.sort_by_key(|r| r.time_s);
    let mut out = Vec::new();
    let mut since: Option<u64> = None;
    for r in rows {
        match (since, r.to == IN_ALARM) {
            (None, true) => since = Some(r.time_s),
            (Some(from), false) => {
                out.push((from, Some(r.time_s)));
                since = None;
            }
            _ => {}
        }
    }
    out.extend(since.map(|from| (from, None)));
    out
}

/// A target-tracking alarm's name without what makes it unreadable:
/// `TargetTracking-service/<cluster>/<service>-AlarmHigh-<uuid>` becomes
/// `TargetTracking-<service>-AlarmHigh-…` (the cluster is the run's, and the id tells the
/// reader nothing the High/Low does not); any other name is kept.
pub(crate) fn readable_alarm_name(name: &str) -> String {
    let Some(rest) = name.strip_prefix("TargetTracking-service/") else { return name.to_string() };
    for kind in ["-AlarmHigh-", "-AlarmLow-"] {
        if let Some((resource, _id)) = rest.split_once(kind) {
            let service = resource.rsplit('/').next().unwrap_or(resource);
            return format!("TargetTracking-{service}{kind}…");
        }
    }
    name.to_string()
}

/// What an alarm watches, from the reason of its first transition in alarms.csv: "> 50" or
/// "< 45" ("Threshold Crossed: … greater than the threshold (50.0) …"); `None` when the reason
/// does not say.
fn alarm_condition(name: &str, transitions: &[&AlarmRow]) -> Option<String> {
    let reason = &transitions.iter().find(|r| r.alarm == name)?.reason;
    let (before, after) = reason.split_once("than the threshold (")?;
    let threshold: f64 = after.split(')').next()?.trim().parse().ok()?;
    let op = if before.ends_with("greater ") || before.ends_with("greater than or equal to ") {
        ">"
    } else if before.ends_with("less ") {
        "<"
    } else {
        return None;
    };
    Some(format!("alarm when {op} {}", trim_number(threshold)))
}

/// An alarm name as legend lines of at most `ALARM_LABEL_CHARS`, broken after a '-', '/' or
/// '_' where one is near the end of a line: target tracking's names are long and differ only
/// in their middle ("AlarmHigh") and end (the id), so cutting them short would make two
/// alarms look alike. What does not fit in `ALARM_LABEL_LINES` lines ends in "…".
fn wrap(name: &str) -> Vec<String> {
    let mut rest: Vec<char> = name.chars().collect();
    let mut lines = Vec::new();
    while !rest.is_empty() {
        if lines.len() + 1 == ALARM_LABEL_LINES && rest.len() > ALARM_LABEL_CHARS {
            let mut line: String = rest[..ALARM_LABEL_CHARS - 1].iter().collect();
            line.push('…');
            lines.push(line);
            break;
        }
        let cut = if rest.len() <= ALARM_LABEL_CHARS {
            rest.len()
        } else {
            (ALARM_LABEL_CHARS / 2..ALARM_LABEL_CHARS).rev().find(|&i| matches!(rest[i - 1], '-' | '/' | '_')).unwrap_or(ALARM_LABEL_CHARS)
        };
        lines.push(rest.drain(..cut).collect());
    }
    lines
}

#[cfg(test)]
mod tests;
