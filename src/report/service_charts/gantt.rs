//! The Gantt chart of a run: one lane per instance, grouped by zone, each task a bar from
//! placement to stop, coloured by owner and deployment and shaded by state.

use super::*;
use crate::report::chart::{trim_number, LEGEND_LABEL_CHARS};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Arc;

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

/// One horizontal lane per instance (index = instance; labels are `(EC2 id, zone)`), grouped
/// by zone, each task a bar from placement to stop or `end_s`: light while PENDING, solid
/// while RUNNING, coloured by `(owner, deployment)`. Tasks of one instance that overlap in
/// time are stacked in sub-lanes. Only the first `GANTT_MAX_INSTANCES` instances are drawn.
pub fn gantt_chart(rows: &[GanttRow], instance_labels: &[(String, String)], end_s: f64, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let figure = GanttFigure::new(rows, instance_labels, end_s);
    render(&figure, png, svg)
}

/// What the chart draws of a task, kept while tasks.csv is written (`ChartRows`): a long run
/// keeps every task of the first instances, so this is about 80 bytes with the owner's name
/// shared, where a whole row takes about 300 and up to seven strings of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct GanttRow {
    /// Shared by every row of the workload or service.
    pub owner: Arc<str>,
    pub deployment: u32,
    pub instance: u32,
    pub placed_s: f64,
    pub running_s: Option<f64>,
    pub stopping_s: Option<f64>,
    pub stopped_s: Option<f64>,
}

impl GanttRow {
    /// What the chart draws of `row`; `owner` is its owner's name, shared.
    pub fn of(row: &TaskRow, owner: Arc<str>) -> GanttRow {
        debug_assert_eq!(*owner, *row.owner);
        GanttRow {
            owner,
            deployment: row.deployment,
            instance: row.instance,
            placed_s: row.placed_s,
            running_s: row.running_s,
            stopping_s: row.stopping_s,
            stopped_s: row.stopped_s,
        }
    }

    fn life(&self) -> Life {
        Life::at((self.placed_s, self.running_s, self.stopping_s, self.stopped_s))
    }
}

/// The pairs `(owner, deployment)` of the rows, sorted; a pair's colour is its index here.
fn owner_deployments<'a>(rows: impl Iterator<Item = &'a GanttRow>) -> Vec<(&'a str, u32)> {
    let mut pairs: Vec<(&str, u32)> = rows.map(|r| (&*r.owner, r.deployment)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The sub-lane of each interval `(start, end)`, in input order: intervals sorted by start
/// each take the first sub-lane whose last interval ended by their start (optimal: as many
/// sub-lanes as the most intervals overlapping at one time). Returns the sub-lanes and count.
pub(super) fn assign_sublanes(intervals: &[(f64, f64)]) -> (Vec<usize>, usize) {
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
    fn new(rows: &[GanttRow], instance_labels: &[(String, String)], end_s: f64) -> GanttFigure {
        let rows: Vec<&GanttRow> = rows.iter().filter(|r| r.placed_s.is_finite()).collect();
        let instances = rows.iter().map(|r| r.instance as usize + 1).max().unwrap_or(0).max(instance_labels.len());
        let shown = instances.min(GANTT_MAX_INSTANCES);
        let last_event = rows.iter().map(|r| r.life().last_time()).fold(0.0, f64::max);
        let clock = Clock::for_end(finite_or_zero(end_s).max(last_event));
        let end = clock.end_s;

        let pairs = owner_deployments(rows.iter().copied());
        let color_of = |r: &GanttRow| pairs.binary_search(&(&*r.owner, r.deployment)).unwrap_or(0);

        // Bars per instance, in the rows' order, then stacked.
        let mut per_instance: Vec<Vec<Bar>> = (0..shown).map(|_| Vec::new()).collect();
        for r in &rows {
            let Some(bars) = per_instance.get_mut(r.instance as usize) else { continue };
            let life = r.life();
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
pub(super) fn pair_label(owner: &str, deployment: u32) -> String {
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
pub(super) fn pair_color(i: usize) -> RGBColor {
    let c = PALETTE[i % PALETTE.len()];
    if i % (2 * PALETTE.len()) < PALETTE.len() {
        c
    } else {
        let dark = |v: u8| (v as f64 * 0.55).round() as u8;
        RGBColor(dark(c.0), dark(c.1), dark(c.2))
    }
}

/// The colour mixed with white: `share` of the colour.
pub(super) fn tint(c: RGBColor, share: f64) -> RGBColor {
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
