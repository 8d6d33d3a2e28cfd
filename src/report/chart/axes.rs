//! Axes and lines of the time-series charts: the simulated-time axis (minutes or hours, long
//! runs averaged into buckets; `TimeAxis`), how a line is stroked (`Stroke`), a panel's axes in
//! the house style (`PanelAxes`) and a line drawn as runs of points with gaps (`draw_runs`).

use super::frame::{trim_number, FONT};
use crate::sim::recorder::MinuteRow;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Up to this many seconds of simulated time the x axis is in minutes, beyond it in hours.
const MINUTES_AXIS_MAX_S: u64 = 3 * 3600;
/// At most this many points per line; about one per two pixels of plot width.
const MAX_POINTS: u64 = 450;

#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeAxis {
    /// Seconds per axis unit: 60 (minutes) or 3600 (hours).
    pub(crate) unit_s: f64,
    pub(crate) max: f64,
    /// Minutes averaged into one point (1 up to `MAX_POINTS` minutes).
    pub(crate) minutes_per_point: u64,
}

impl TimeAxis {
    pub(crate) fn for_rows<'a>(rows: impl Iterator<Item = &'a MinuteRow> + Clone) -> Self {
        TimeAxis::spanning(rows.clone().map(|r| r.time_s).max().unwrap_or(0), rows.map(|r| r.minute + 1).max().unwrap_or(1))
    }

    /// `for_rows` over rows read from a source (one pass).
    pub(crate) fn for_source(rows: &(impl crate::report::source::Rows<MinuteRow> + ?Sized)) -> Self {
        let (last_s, minutes) = rows.each().fold((0, 1), |(s, m), r| (r.time_s.max(s), (r.minute + 1).max(m)));
        TimeAxis::spanning(last_s, minutes)
    }

    /// The axis of a run whose last minute starts at `last_s` and that has `minutes` minutes.
    pub(crate) fn spanning(last_s: u64, minutes: u64) -> Self {
        let unit_s = if last_s <= MINUTES_AXIS_MAX_S { 60.0 } else { 3600.0 };
        // A run of a single minute still gets an axis one unit wide.
        // The axis ends where the last minute ends: per-minute values are drawn as steps, each
        // across its own minute.
        TimeAxis { unit_s, max: ((last_s as f64 + 60.0) / unit_s).max(1.0), minutes_per_point: minutes.div_ceil(MAX_POINTS).max(1) }
    }

    /// The width of one point's bucket in axis units.
    pub(crate) fn bucket_width(&self) -> f64 {
        self.minutes_per_point as f64 * 60.0 / self.unit_s
    }

    /// Bucket means `(bucket, x, mean)` in bucket order as runs of consecutive buckets, each
    /// bucket one point at `x` joined by straight lines: for a running total sampled at instants
    /// (the cost so far at each minute's end), which grows between its samples.
    pub(crate) fn polyline(&self, points: &[(u64, f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        runs(points, |run, x, v| run.push((x.min(self.max), v)))
    }

    /// Bucket means `(bucket, x, mean)` in bucket order as runs of consecutive buckets, each
    /// bucket a step: its value held across the bucket (`[x, x + width)`, cut at the axis end),
    /// so that a burst in one minute is one minute wide, not a triangle over three.
    pub(crate) fn steps(&self, points: &[(u64, f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        let width = self.bucket_width();
        runs(points, |run, x, v| run.extend([(x, v), ((x + width).min(self.max), v)]))
    }

    /// ", mean of k minutes" when points average several minutes (for a panel's unit label).
    pub(crate) fn mean_suffix(&self) -> String {
        match self.minutes_per_point {
            1 => String::new(),
            k => format!(", mean of {k} minutes"),
        }
    }

    pub(crate) fn desc(&self) -> String {
        let unit = if self.unit_s == 60.0 { "min" } else { "h" };
        match self.minutes_per_point {
            1 => format!("Simulated time ({unit})"),
            k => format!("Simulated time ({unit}); each point the mean of {k} minutes"),
        }
    }

    /// The rows' values in minute order, each plotted across its minute and clamped to the
    /// axis. Long runs are averaged over `minutes_per_point` consecutive minutes
    /// (aligned to minute 0, the same for every line): more points than pixels would only
    /// draw noise, and plotters draws a thick line of sub-pixel segments thin and broken.
    /// Each value is held across its minute (a step, as `steps`).
    pub(crate) fn points<R: std::ops::Deref<Target = MinuteRow>>(
        &self,
        rows: impl Iterator<Item = R>,
        value: fn(&MinuteRow) -> f64,
    ) -> Vec<(f64, f64)> {
        let width = self.bucket_width();
        self.bucket_means(rows.map(|r| (r.minute, r.time_s, value(&r))))
            .into_iter()
            .flat_map(|(_, x, mean)| {
                let v = mean.clamp(0.0, 100.0);
                [(x, v), ((x + width).min(self.max), v)]
            })
            .collect()
    }

    /// Samples `(minute, time_s, value)`, at most one per minute, averaged as `points` does:
    /// per bucket of `minutes_per_point` minutes that has a finite sample, `(bucket, x, mean)`
    /// with `bucket` = minute ÷ `minutes_per_point` (a missing bucket is a gap in the data).
    pub(crate) fn bucket_means(&self, samples: impl Iterator<Item = (u64, u64, f64)>) -> Vec<(u64, f64, f64)> {
        let mut samples: Vec<(u64, u64, f64)> = samples.filter(|s| s.2.is_finite()).collect();
        samples.sort_by_key(|s| s.0);
        let k = self.minutes_per_point;
        samples
            .chunk_by(|a, b| a.0 / k == b.0 / k)
            .map(|bucket| {
                let mean = bucket.iter().map(|s| s.2).sum::<f64>() / bucket.len() as f64;
                (bucket[0].0 / k, bucket[0].1 as f64 / self.unit_s, mean)
            })
            .collect()
    }
}

/// Bucket means `(bucket, x, mean)` split into runs of consecutive buckets (a missing bucket is a
/// gap), each bucket's points added to its run by `add(run, x, mean)`.
fn runs(points: &[(u64, f64, f64)], mut add: impl FnMut(&mut Vec<(f64, f64)>, f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut previous: Option<u64> = None;
    for &(bucket, x, v) in points {
        if previous.is_none_or(|p| bucket > p + 1) {
            out.push(Vec::new());
        }
        add(out.last_mut().expect("a run was just started"), x, v);
        previous = Some(bucket);
    }
    out
}

/// How one line is drawn in the multi-panel figures (`traffic_chart`, `scaling_chart`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stroke {
    pub(crate) color: RGBColor,
    pub(crate) width: u32,
    pub(crate) dashed: bool,
}

impl Stroke {
    pub(crate) fn solid(color: RGBColor, width: u32) -> Stroke {
        Stroke { color, width, dashed: false }
    }
}

/// The axes of one panel of a multi-panel figure, in the house style: caption, y description
/// and labels, light grid; the x description only under the bottom panel.
pub(crate) struct PanelAxes<'a> {
    pub(crate) caption: &'a str,
    pub(crate) x_max: f64,
    pub(crate) y_range: std::ops::Range<f64>,
    pub(crate) y_desc: &'a str,
    pub(crate) y_labels: usize,
    pub(crate) y_label: &'a dyn Fn(&f64) -> String,
    /// `Some` for the bottom panel.
    pub(crate) x_desc: Option<&'a str>,
}

pub(crate) type PanelChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

impl PanelAxes<'_> {
    pub(crate) fn draw<'a, DB: DrawingBackend>(&self, area: &'a DrawingArea<DB, Shift>) -> Result<PanelChart<'a, DB>, String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let mut chart = ChartBuilder::on(area)
            .caption(self.caption, (FONT, 18))
            .margin(10)
            .x_label_area_size(if self.x_desc.is_some() { 48 } else { 28 })
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..self.x_max, self.y_range.clone())
            .map_err(err)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(self.y_desc)
            .y_labels(self.y_labels)
            .y_label_formatter(self.y_label)
            .x_label_formatter(&|v| trim_number(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd));
        if let Some(x_desc) = self.x_desc {
            mesh.x_desc(x_desc);
        }
        mesh.draw().map_err(err)?;
        Ok(chart)
    }
}

/// Draws one line made of runs of points (gaps between runs): a lone point between gaps is a
/// dot, since a line of one point draws nothing.
/// `y` maps a value to the panel's y coordinate (identity, or a log scale).
pub(crate) fn draw_runs<DB: DrawingBackend>(
    chart: &mut PanelChart<'_, DB>,
    runs: &[Vec<(f64, f64)>],
    stroke: Stroke,
    y: &dyn Fn(f64) -> f64,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let Stroke { color, width, dashed } = stroke;
    let style = color.stroke_width(width);
    for run in runs {
        let points = run.iter().map(|&(x, v)| (x, y(v)));
        match run.len() {
            1 => chart.draw_series(points.map(|p| Circle::new(p, width + 1, color.filled()))),
            _ if dashed => chart.draw_series(DashedLineSeries::new(points, 8, 5, style)),
            _ => chart.draw_series(LineSeries::new(points, style)),
        }
        .map_err(err)?;
    }
    Ok(())
}
