//! The scaling chart of one service, from the rows of services.csv, alarms.csv and
//! scaling.csv: two panels stacked on one time axis.
//!
//! 1. Tasks: the desired count (a step line, black) and the RUNNING tasks (green). Behind them,
//!    a pale band wherever one of the service's alarms is in ALARM, from its transition into
//!    ALARM to its next transition out (or the end of the axis): red shades for alarms whose
//!    name contains "High", blue shades for "Low", other colours for the rest, one per alarm.
//!    On top, a marker at each scaling decision, at its time and new desired count: a red
//!    triangle up for a scale-out, a blue one down for a scale-in, a grey diamond where the
//!    count stayed (a scheduled action that only moved the range).
//!    Behind everything, the run's faults (`chart::FaultBand`), named at the top of the panel.
//! 2. CPU utilization (%) and, where the run models it, memory utilization (dashed), from 0 to
//!    100 or higher when a value exceeds it.
//!
//! Long runs are averaged over buckets of minutes as in `chart` (`TimeAxis`): every line, the
//! desired and running counts included, shows the mean of its bucket, which the x axis
//! description says; alarm bands and scaling markers keep their exact times. Same conventions
//! as `chart`: the embedded DejaVu Sans, output bytes a pure function of the rows, both files
//! written atomically.

use super::chart::{
    draw_fault_bands, draw_runs, fault_legend, frame, render, trim_number, ChartError, FaultBand, PanelAxes, Picture, Stroke, TimeAxis,
    FONT, PALETTE,
};
use crate::sim::monitor::AlarmRow;
use crate::sim::recorder::ServiceMinuteRow;
use crate::sim::scaling::ScalingRow;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::cmp::Ordering;
use std::path::Path;

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
const DESIRED: RGBColor = BLACK;
const RUNNING: RGBColor = PALETTE[2];
const CPU: RGBColor = PALETTE[0];
const MEMORY: RGBColor = PALETTE[1];
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
/// which `service`'s are drawn; `faults` are shaded behind both panels.
#[allow(clippy::too_many_arguments)] // the four CSVs' rows, what of them to draw, and where
pub fn scaling_chart(
    service: &str,
    minutes: &[ServiceMinuteRow],
    alarms: &[AlarmRow],
    alarm_names: &[String],
    scaling: &[ScalingRow],
    faults: &[FaultBand],
    title: &str,
    png: &Path,
    svg: &Path,
) -> Result<(), ChartError> {
    render(&ScalingFigure::new(service, minutes, alarms, alarm_names, scaling, title).with_faults(faults), png, svg)
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
    caption: &'static str,
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
        minutes: &[ServiceMinuteRow],
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
        let rows: Vec<&ServiceMinuteRow> = minutes.iter().filter(|r| r.service == service).collect();
        let transitions: Vec<&AlarmRow> = alarms.iter().filter(|r| names.contains(&r.alarm.as_str())).collect();
        let decisions: Vec<&ScalingRow> = scaling.iter().filter(|r| r.service == service).collect();

        // The run's axis: every service's minutes, and the alarms and decisions drawn, which
        // may come after the last recorded minute.
        let last_s = minutes
            .iter()
            .map(|r| r.time_s)
            .chain(transitions.iter().map(|r| r.time_s))
            .chain(decisions.iter().map(|r| r.time_s))
            .max()
            .unwrap_or(0);
        let axis = TimeAxis::spanning(last_s, last_s / 60 + 1);
        let x = |time_s: u64| (time_s as f64 / axis.unit_s).min(axis.max);
        let runs = |value: fn(&ServiceMinuteRow) -> Option<f64>| -> Vec<Vec<(f64, f64)>> {
            let means = axis.bucket_means(rows.iter().filter_map(|r| value(r).map(|v| (r.minute, r.time_s, v))));
            means.chunk_by(|a, b| b.0 == a.0 + 1).map(|run| run.iter().map(|&(_, x, v)| (x, v)).collect()).collect()
        };

        let bucket_width = axis.minutes_per_point as f64 * 60.0 / axis.unit_s;
        let desired = Stroke { color: DESIRED, width: 2, dashed: false };
        let running = Stroke { color: RUNNING, width: 2, dashed: false };
        let traces = vec![
            Trace { stroke: running, runs: runs(|r| Some(r.running.into())) },
            // Drawn after running, so that the step shows where the two agree.
            Trace {
                stroke: desired,
                runs: runs(|r| Some(r.desired.into())).iter().map(|run| step_line(run, bucket_width, axis.max)).collect(),
            },
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
            alarm_keys.push(Entry { label: wrap(name), key: Key::Band(color) });
        }

        let entry = |label: &str, key: Key| Entry { label: vec![label.to_string()], key };
        let mut tasks_legend = vec![LegendBlock {
            heading: "Tasks",
            entries: vec![entry("desired", Key::Line(desired)), entry("running", Key::Line(running))],
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
        let memory = Stroke { color: MEMORY, width: 2, dashed: true };
        let mut utilization = vec![Trace { stroke: cpu, runs: runs(|r| r.cpu_utilization_pct) }];
        let mut utilization_legend = vec![entry("CPU", Key::Line(cpu))];
        if rows.iter().any(|r| r.memory_utilization_pct.is_some()) {
            utilization.push(Trace { stroke: memory, runs: runs(|r| r.memory_utilization_pct) });
            utilization_legend.push(entry("memory", Key::Line(memory)));
        }
        let peak = utilization.iter().flat_map(|t| t.runs.iter().flatten().map(|p| p.1)).fold(0.0, f64::max);

        ScalingFigure {
            title: title.to_string(),
            x_desc: axis.desc(),
            x_max: axis.max,
            unit_s: axis.unit_s,
            faults: Vec::new(),
            tasks: Panel {
                caption: "Tasks",
                y_desc: "Count",
                // Headroom above the largest count, so that a marker on it is drawn whole.
                top: (most_tasks * 1.15).ceil().max(most_tasks + 1.0),
                bands,
                traces,
                markers,
                legend: tasks_legend,
            },
            utilization: Panel {
                caption: "CPU utilization (%)",
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

impl Picture for ScalingFigure {
    fn size(&self) -> (u32, u32) {
        SCALING_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (plots, legend) = frame(root, &self.title, LEGEND_WIDTH)?;
        // The legend column is cut where the plots are, so that each panel's entries stand
        // level with it.
        let (_, h) = plots.dim_in_pixel();
        let split = (TASKS_SHARE * h as f64).round() as i32;
        let (tasks, utilization) = plots.split_vertically(split);
        let (tasks_key, utilization_key) = legend.split_vertically(split);
        self.draw_panel(&self.tasks, &tasks, false)?;
        draw_legend(&tasks_key, &self.tasks.legend)?;
        self.draw_panel(&self.utilization, &utilization, true)?;
        draw_legend(&utilization_key, &self.utilization.legend)?;
        root.present().map_err(err)
    }
}

impl ScalingFigure {
    /// One panel: its bands, lines, then markers on top; the time axis is described under the
    /// bottom panel only.
    fn draw_panel<DB: DrawingBackend>(&self, panel: &Panel, area: &DrawingArea<DB, Shift>, bottom: bool) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        // Whole numbers only: a task count of 2.5 is no tick worth labelling.
        let whole = |y: &f64| if (y - y.round()).abs() < 1e-9 { trim_number(*y) } else { String::new() };
        let axes = PanelAxes {
            caption: panel.caption,
            x_max: self.x_max,
            y_range: 0f64..panel.top,
            y_desc: panel.y_desc,
            y_labels: (panel.top as usize).min(10) + 1,
            y_label: &whole,
            x_desc: bottom.then_some(self.x_desc.as_str()),
        };
        let mut chart = axes.draw(area)?;
        draw_fault_bands(&mut chart, &self.faults, self.unit_s, self.x_max, 0f64..panel.top, !bottom)?;
        chart
            .draw_series(panel.bands.iter().map(|b| Rectangle::new([(b.from, 0.0), (b.to, panel.top)], b.color.mix(BAND_OPACITY).filled())))
            .map_err(err)?;
        for trace in &panel.traces {
            draw_runs(&mut chart, &trace.runs, trace.stroke, &|v| v)?;
        }
        chart.draw_series(panel.markers.iter().map(|m| EmptyElement::at((m.x, m.y)) + m.step.marker())).map_err(err)?;
        Ok(())
    }
}

/// A panel's legend blocks from the top of its area. Entries that do not fit are left out
/// from the end, and a last line says how many.
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, blocks: &[LegendBlock]) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let heading_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let label_style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let (_, h) = area.dim_in_pixel();
    // The lowest row an entry may use: one row stays free for "… and N more".
    let last_row = h as i32 - 2 * LEGEND_ROW;
    let mut y = LEGEND_TOP;
    let mut hidden = 0;
    for block in blocks {
        if hidden > 0 || y + LEGEND_ROW > last_row {
            hidden += block.entries.len();
            continue;
        }
        area.draw(&Text::new(block.heading, (LEGEND_X, y), heading_style.clone())).map_err(err)?;
        for entry in &block.entries {
            let rows = entry.label.len() as i32;
            if hidden > 0 || y + rows * LEGEND_ROW > last_row {
                hidden += 1;
                continue;
            }
            y += LEGEND_ROW;
            draw_key(area, entry.key, y)?;
            for (i, line) in entry.label.iter().enumerate() {
                area.draw(&Text::new(line.as_str(), (LEGEND_X + 42, y + i as i32 * LEGEND_ROW), label_style.clone())).map_err(err)?;
            }
            y += (rows - 1) * LEGEND_ROW;
        }
        y += LEGEND_ROW + LEGEND_BLOCK_GAP;
    }
    if hidden > 0 {
        area.draw(&Text::new(format!("… and {hidden} more"), (LEGEND_X + 42, y), label_style)).map_err(err)?;
    }
    Ok(())
}

/// The sample left of a legend entry's first line, centred on `y`.
fn draw_key<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, key: Key, y: i32) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (x0, x1) = (LEGEND_X, LEGEND_X + 32);
    match key {
        Key::Line(Stroke { color, width, dashed: true }) => {
            area.draw(&DashedPathElement::new(vec![(x0, y), (x1, y)], 8, 5, color.stroke_width(width)))
        }
        Key::Line(Stroke { color, width, dashed: false }) => {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], color.stroke_width(width)))
        }
        Key::Band(color) => area.draw(&Rectangle::new([(x0, y - 7), (x1, y + 7)], color.mix(BAND_OPACITY).filled())),
        Key::Marker(step) => area.draw(&(EmptyElement::at(((x0 + x1) / 2, y)) + step.marker())),
    }
    .map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::tests::is_png;
    use std::fs;

    const HIGH: &str = "web-cpu-AlarmHigh";
    const LOW: &str = "web-cpu-AlarmLow";
    /// Another service's alarm: in alarms.csv, not in the chart.
    const OTHER: &str = "api-cpu-AlarmHigh";

    fn minute(m: u64, service: &str, desired: u32, running: u32, cpu: Option<f64>) -> ServiceMinuteRow {
        ServiceMinuteRow {
            minute: m,
            time_s: m * 60,
            service: service.to_string(),
            desired,
            running,
            pending: desired.saturating_sub(running),
            provisioning: 0,
            healthy: running,
            in_flight: desired.max(running),
            primary_tasks: running,
            old_tasks: 0,
            deployments: 1,
            cpu_utilization_pct: cpu,
            memory_utilization_pct: cpu.map(|c| c / 2.0),
        }
    }

    /// "web": desired 2, 5 from minute 15, 3 from minute 40; running follows two minutes
    /// late; CPU high in minutes 10 to 14, low in 35 to 39 and from 55. "api" runs alongside.
    fn synthetic_minutes(minutes: u64) -> Vec<ServiceMinuteRow> {
        let desired = |m: u64| match m {
            0..15 => 2,
            15..40 => 5,
            _ => 3,
        };
        let cpu = |m: u64| match m {
            10..15 => 95.0,
            35..40 => 20.0,
            m if m >= 55 => 15.0,
            _ => 60.0,
        };
        (0..minutes)
            .flat_map(|m| [minute(m, "web", desired(m), desired(m.saturating_sub(2)), Some(cpu(m))), minute(m, "api", 4, 4, None)])
            .collect()
    }

    fn transition(time_s: u64, alarm: &str, from: &str, to: &str) -> AlarmRow {
        AlarmRow {
            time_s,
            alarm: alarm.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            datapoints: String::new(),
            reason: String::new(),
        }
    }

    /// AlarmHigh in ALARM in minutes 12 to 15; AlarmLow in 38 to 40 and from 57 to the end.
    fn synthetic_alarms() -> Vec<AlarmRow> {
        vec![
            transition(0, HIGH, "INSUFFICIENT_DATA", "OK"),
            transition(0, LOW, "INSUFFICIENT_DATA", "OK"),
            transition(720, HIGH, "OK", "ALARM"),
            transition(720, OTHER, "OK", "ALARM"),
            transition(900, HIGH, "ALARM", "OK"),
            transition(2280, LOW, "OK", "ALARM"),
            transition(2400, LOW, "ALARM", "OK"),
            transition(3420, LOW, "OK", "ALARM"),
        ]
    }

    fn decision(time_s: u64, service: &str, from_desired: u32, to_desired: u32) -> ScalingRow {
        ScalingRow { time_s, service: service.to_string(), policy: "cpu50".to_string(), from_desired, to_desired, reason: String::new() }
    }

    fn synthetic_scaling() -> Vec<ScalingRow> {
        vec![decision(900, "web", 2, 5), decision(900, "api", 4, 6), decision(2400, "web", 5, 3), decision(3000, "web", 3, 3)]
    }

    fn names() -> Vec<String> {
        vec![HIGH.to_string(), LOW.to_string()]
    }

    fn figure(minutes: u64) -> ScalingFigure {
        ScalingFigure::new("web", &synthetic_minutes(minutes), &synthetic_alarms(), &names(), &synthetic_scaling(), "t")
    }

    fn draw(minutes: &[ServiceMinuteRow], dir: &tempfile::TempDir, name: &str) -> (Vec<u8>, String) {
        let (png, svg) = (dir.path().join(format!("{name}.png")), dir.path().join(format!("{name}.svg")));
        scaling_chart("web", minutes, &synthetic_alarms(), &names(), &synthetic_scaling(), &[], "quickstart: web scaling", &png, &svg)
            .unwrap();
        (fs::read(&png).unwrap(), fs::read_to_string(&svg).unwrap())
    }

    #[test]
    fn draws_a_decodable_png_and_an_svg_with_both_panels_and_the_alarms() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = draw(&synthetic_minutes(60), &dir, "scaling");
        assert_eq!(is_png(&png), SCALING_SIZE);
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        for label in [
            "quickstart: web scaling",
            "Tasks",
            "CPU utilization (%)",
            "Simulated time (min)",
            "desired",
            "running",
            "memory",
            "scale out",
            "scale in",
            "no change",
            "In ALARM",
            HIGH,
            LOW,
        ] {
            assert!(svg.contains(label), "SVG lacks {label:?}");
        }
        assert!(!svg.contains(OTHER), "another service's alarm is drawn");
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = synthetic_minutes(60);
        let one = draw(&rows, &dir, "one");
        let two = draw(&rows, &dir, "two");
        assert!(!one.0.is_empty());
        assert_eq!(one, two);
    }

    #[test]
    fn empty_inputs_draw_empty_panels() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("e.png"), dir.path().join("e.svg"));
        scaling_chart("web", &[], &[], &[], &[], &[], "empty", &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), SCALING_SIZE);
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.contains("CPU utilization (%)"));
        assert!(!text.contains("In ALARM"));
        // Named alarms without transitions, a lone minute without utilization, a service
        // with no rows of its own: no panic either.
        let lone = [minute(0, "web", 0, 0, None)];
        scaling_chart("web", &lone, &[], &names(), &[], &[], "one minute", &png, &svg).unwrap();
        scaling_chart("db", &synthetic_minutes(5), &synthetic_alarms(), &names(), &synthetic_scaling(), &[], "t", &png, &svg).unwrap();
        assert!(fs::read_to_string(&svg).unwrap().contains(HIGH));
    }

    #[test]
    fn a_day_is_drawn_in_hours_from_buckets_of_minutes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = synthetic_minutes(24 * 60);
        let (png, svg) = draw(&rows, &dir, "day");
        assert_eq!(is_png(&png), SCALING_SIZE);
        assert!(svg.contains("Simulated time (h); each point the mean of 4 minutes"));
        // 1440 minutes in buckets of 4: 360 means per line, the step line two points each.
        let figure = ScalingFigure::new("web", &rows, &synthetic_alarms(), &names(), &synthetic_scaling(), "a day");
        let [running, desired] = &figure.tasks.traces[..] else { panic!("two task lines") };
        assert_eq!(running.runs.iter().map(Vec::len).sum::<usize>(), 360);
        assert_eq!(desired.runs.iter().map(Vec::len).sum::<usize>(), 720);
        // Minutes 12 to 15 (desired 2, 2, 2, 5) make the bucket's mean 2.75.
        assert_eq!(desired.runs[0][6], (12.0 / 60.0, 2.75));
    }

    #[test]
    fn bands_span_each_alarm_in_alarm_in_its_own_shade() {
        let figure = figure(60);
        let red = HIGH_SHADES[0];
        let blue = LOW_SHADES[0];
        // The open interval of AlarmLow ends with the axis, at the end of the last minute.
        assert_eq!(
            figure.tasks.bands,
            vec![
                Band { from: 12.0, to: 15.0, color: red },
                Band { from: 38.0, to: 40.0, color: blue },
                Band { from: 57.0, to: 60.0, color: blue }
            ]
        );
        let mut used = [0; 3];
        assert_eq!([shade("a-High", &mut used), shade("b-High", &mut used), shade("c", &mut used)], [red, HIGH_SHADES[1], OTHER_SHADES[0]]);
    }

    #[test]
    fn markers_stand_at_each_decision_and_its_new_desired_count() {
        let figure = figure(60);
        let markers: Vec<(f64, f64, Step)> = figure.tasks.markers.iter().map(|m| (m.x, m.y, m.step)).collect();
        assert_eq!(markers, vec![(15.0, 5.0, Step::Out), (40.0, 3.0, Step::In), (50.0, 3.0, Step::Unchanged)]);
        // 5 tasks at the most, and room above them.
        assert_eq!(figure.tasks.top, 6.0);
    }

    #[test]
    fn desired_is_a_step_line_and_utilization_has_gaps() {
        let figure = figure(60);
        let desired = &figure.tasks.traces[1].runs[0];
        assert_eq!(&desired[26..32], &[(13.0, 2.0), (14.0, 2.0), (14.0, 2.0), (15.0, 2.0), (15.0, 5.0), (16.0, 5.0)]);
        // The last minute holds to the end of the axis, the end of minute 59.
        assert_eq!(desired.last(), Some(&(60.0, 3.0)));

        let mut rows = synthetic_minutes(30);
        rows.retain(|r| !(r.service == "web" && (10..12).contains(&r.minute)));
        let figure = ScalingFigure::new("web", &rows, &[], &[], &[], "t");
        let lengths: Vec<usize> = figure.utilization.traces[0].runs.iter().map(Vec::len).collect();
        assert_eq!(lengths, vec![10, 18]);
        assert_eq!(figure.utilization.top, 100.0);
    }

    #[test]
    fn utilization_above_100_percent_raises_the_axis() {
        assert_eq!(utilization_top(0.0), 100.0);
        assert_eq!(utilization_top(100.0), 100.0);
        assert_eq!(utilization_top(137.2), 140.0);
    }

    #[test]
    fn long_alarm_names_wrap_at_separators() {
        let name = "TargetTracking-service/default/web-AlarmHigh-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d";
        let lines = wrap(name);
        assert_eq!(lines, vec!["TargetTracking-service/", "default/web-AlarmHigh-", "0a1b2c3d-4e5f-6a7b-8c9d-0e1…"]);
        assert!(lines.iter().all(|l| l.chars().count() <= ALARM_LABEL_CHARS));
        assert_eq!(wrap(HIGH), vec![HIGH]);
        assert_eq!(wrap(&"x".repeat(30)), vec!["x".repeat(28), "xx".to_string()]);
    }

    #[test]
    fn too_many_alarms_shorten_the_legend() {
        let names: Vec<String> = (0..40).map(|i| format!("alarm-{i:02}")).collect();
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("m.png"), dir.path().join("m.svg"));
        scaling_chart("web", &synthetic_minutes(10), &[], &names, &[], &[], "t", &png, &svg).unwrap();
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.contains("alarm-00"));
        assert!(!text.contains("alarm-39"));
        assert!(text.contains("more"));
    }
}
