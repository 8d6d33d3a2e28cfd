//! Charts of a run's reservation over simulated time, as PNG and SVG.
//!
//! - `reservation_chart`: two stacked panels, CPU and memory reservation (%) per zone, with the
//!   cluster line thicker and black.
//! - `comparison_chart`: the cluster's CPU reservation (%) of several runs ("variants", e.g. the
//!   console's placement templates) on one set of axes.
//!
//! Every time-series chart (these two excepted: `comparison_chart`) shades the run's faults
//! (`FaultBand`, from faults.csv): darker from a fault's start to its end, lighter from its end
//! until the services it hit were back at their desired healthy count, labelled with the
//! fault's name at the top of the first panel.
//!
//! The font is embedded (DejaVu Sans, `assets/fonts/`), so a machine without system fonts
//! draws the same pixels. Output bytes are a pure function of the input rows: the same rows
//! give byte-identical PNG and SVG files. Both files are written atomically.

use super::atomic::write_atomic;
use crate::faults::FaultRow;
use crate::sim::recorder::MinuteRow;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Pixel size of the PNG of `reservation_chart` (the SVG has the same view box).
pub const RESERVATION_SIZE: (u32, u32) = (1200, 800);
/// Pixel size of the PNG of `comparison_chart`.
pub const COMPARISON_SIZE: (u32, u32) = (1200, 600);

/// The family the charts ask for. The embedded font is registered under this name, and SVG
/// viewers fall back to their own sans-serif.
pub(crate) const FONT: &str = "sans-serif";
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The zone name the recorder gives the cluster-wide rows.
const CLUSTER: &str = "cluster";
/// Up to this many seconds of simulated time the x axis is in minutes, beyond it in hours.
const MINUTES_AXIS_MAX_S: u64 = 3 * 3600;
/// At most this many points per line; about one per two pixels of plot width.
const MAX_POINTS: u64 = 450;
const LEGEND_WIDTH: u32 = 220;
pub(super) const LEGEND_LABEL_CHARS: usize = 24;

/// Tableau 10: distinguishable, and none of them is black, which is the cluster's.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the embedded chart font could not be loaded")]
    Font,
    #[error("drawing {path}: {message}")]
    Draw { path: PathBuf, message: String },
    #[error("encoding {path}: {message}")]
    Encode { path: PathBuf, message: String },
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Registers the embedded DejaVu Sans with plotters, once per process. Every chart function
/// calls it; it is public for callers that draw with plotters themselves.
pub fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    // "DejaVu Sans" too, for callers that ask for the font by its own name.
    let ok = *REGISTERED.get_or_init(|| {
        [FONT, "DejaVu Sans"].iter().all(|name| plotters::style::register_font(name, FontStyle::Normal, DEJAVU_SANS).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// CPU and memory reservation per zone and for the cluster against simulated time.
/// `faults` are shaded behind the lines (`FaultBand`).
pub fn reservation_chart(rows: &[MinuteRow], faults: &[FaultBand], title: &str, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let axis = TimeAxis::for_rows(rows.iter());
    let zones = zone_order(rows);
    let panel = |caption: &str, y_desc: &str, value: fn(&MinuteRow) -> f64| Panel {
        caption: caption.to_string(),
        y_desc: y_desc.to_string(),
        lines: zones
            .iter()
            .enumerate()
            .map(|(i, zone)| {
                let points = axis.points(rows.iter().filter(|r| r.zone == *zone), value);
                if zone == CLUSTER {
                    Line { label: CLUSTER.to_string(), color: BLACK, width: 3, points }
                } else {
                    Line { label: zone.clone(), color: PALETTE[i % PALETTE.len()], width: 2, points }
                }
            })
            .collect(),
    };
    let figure = Figure {
        title: title.to_string(),
        size: RESERVATION_SIZE,
        x_desc: axis.desc(),
        x_max: axis.max,
        legend_title: "Zone".to_string(),
        unit_s: axis.unit_s,
        faults: faults.to_vec(),
        panels: vec![
            panel("CPU reservation", "CPU reserved / registered (%)", |r| r.cpu_reservation_pct),
            panel("Memory reservation", "Memory reserved / registered (%)", |r| r.memory_reservation_pct),
        ],
    };
    render(&figure, png, svg)
}

/// The cluster's CPU reservation of several runs, one line per run, labelled with its name.
pub fn comparison_chart(variants: &[(String, Vec<MinuteRow>)], png: &Path, svg: &Path) -> Result<(), ChartError> {
    let axis = TimeAxis::for_rows(variants.iter().flat_map(|(_, rows)| rows.iter()));
    let lines = variants
        .iter()
        .enumerate()
        .map(|(i, (name, rows))| Line {
            label: name.clone(),
            color: PALETTE[i % PALETTE.len()],
            width: 2,
            points: axis.points(rows.iter().filter(|r| r.zone == CLUSTER), |r| r.cpu_reservation_pct),
        })
        .collect();
    let figure = Figure {
        title: "Cluster CPU reservation by variant".to_string(),
        size: COMPARISON_SIZE,
        x_desc: axis.desc(),
        x_max: axis.max,
        legend_title: "Variant".to_string(),
        unit_s: axis.unit_s,
        faults: Vec::new(),
        panels: vec![Panel { caption: String::new(), y_desc: "CPU reserved / registered (%)".to_string(), lines }],
    };
    render(&figure, png, svg)
}

struct Line {
    label: String,
    color: RGBColor,
    width: u32,
    points: Vec<(f64, f64)>,
}

struct Panel {
    /// Drawn above the panel unless empty.
    caption: String,
    y_desc: String,
    lines: Vec<Line>,
}

/// Everything drawn, independent of the backend; every panel shares the legend of the first.
struct Figure {
    title: String,
    size: (u32, u32),
    x_desc: String,
    x_max: f64,
    legend_title: String,
    /// Seconds per x axis unit, and the faults shaded behind the lines.
    unit_s: f64,
    faults: Vec<FaultBand>,
    panels: Vec<Panel>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct TimeAxis {
    /// Seconds per axis unit: 60 (minutes) or 3600 (hours).
    pub(super) unit_s: f64,
    pub(super) max: f64,
    /// Minutes averaged into one point (1 up to `MAX_POINTS` minutes).
    pub(super) minutes_per_point: u64,
}

impl TimeAxis {
    fn for_rows<'a>(rows: impl Iterator<Item = &'a MinuteRow> + Clone) -> Self {
        TimeAxis::spanning(rows.clone().map(|r| r.time_s).max().unwrap_or(0), rows.map(|r| r.minute + 1).max().unwrap_or(1))
    }

    /// The axis of a run whose last minute starts at `last_s` and that has `minutes` minutes.
    pub(super) fn spanning(last_s: u64, minutes: u64) -> Self {
        let unit_s = if last_s <= MINUTES_AXIS_MAX_S { 60.0 } else { 3600.0 };
        // A run of a single minute still gets an axis one unit wide.
        // The axis ends where the last minute ends: per-minute values are drawn as steps, each
        // across its own minute.
        TimeAxis { unit_s, max: ((last_s as f64 + 60.0) / unit_s).max(1.0), minutes_per_point: minutes.div_ceil(MAX_POINTS).max(1) }
    }

    /// The width of one point's bucket in axis units.
    pub(super) fn bucket_width(&self) -> f64 {
        self.minutes_per_point as f64 * 60.0 / self.unit_s
    }

    /// Bucket means `(bucket, x, mean)` in bucket order as runs of consecutive buckets, each
    /// bucket one point at `x` joined by straight lines: for a running total sampled at instants
    /// (the cost so far at each minute's end), which grows between its samples.
    pub(super) fn polyline(&self, points: &[(u64, f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        runs(points, |run, x, v| run.push((x.min(self.max), v)))
    }

    /// Bucket means `(bucket, x, mean)` in bucket order as runs of consecutive buckets, each
    /// bucket a step: its value held across the bucket (`[x, x + width)`, cut at the axis end),
    /// so that a burst in one minute is one minute wide, not a triangle over three.
    pub(super) fn steps(&self, points: &[(u64, f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        let width = self.bucket_width();
        runs(points, |run, x, v| run.extend([(x, v), ((x + width).min(self.max), v)]))
    }

    /// ", mean of k minutes" when points average several minutes (for a panel's unit label).
    pub(super) fn mean_suffix(&self) -> String {
        match self.minutes_per_point {
            1 => String::new(),
            k => format!(", mean of {k} minutes"),
        }
    }

    pub(super) fn desc(&self) -> String {
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
    fn points<'a>(&self, rows: impl Iterator<Item = &'a MinuteRow>, value: fn(&MinuteRow) -> f64) -> Vec<(f64, f64)> {
        let width = self.bucket_width();
        self.bucket_means(rows.map(|r| (r.minute, r.time_s, value(r))))
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
    pub(super) fn bucket_means(&self, samples: impl Iterator<Item = (u64, u64, f64)>) -> Vec<(u64, f64, f64)> {
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

/// Zones in order of first appearance (the recorder's order), the cluster last so that its
/// line is drawn on top.
fn zone_order(rows: &[MinuteRow]) -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    for r in rows {
        if r.zone != CLUSTER && !zones.contains(&r.zone) {
            zones.push(r.zone.clone());
        }
    }
    if rows.iter().any(|r| r.zone == CLUSTER) {
        zones.push(CLUSTER.to_string());
    }
    zones
}

/// A figure drawn the same way on both backends.
pub(crate) trait Picture {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

impl Picture for Figure {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw(root, self)
    }
}

/// Draws `figure` into an in-memory PNG and an SVG string, then writes each atomically.
pub(crate) fn render(figure: &impl Picture, png: &Path, svg: &Path) -> Result<(), ChartError> {
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

pub(super) fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Fixed settings: the same pixels always give the same bytes.
    encoder.set_compression(png::Compression::Default);
    encoder.set_filter(png::FilterType::Sub);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// The plot and the legend column of a figure.
pub(super) type Areas<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// The layout every figure shares: a white page, the title, then the plot with a legend
/// column `legend_width` pixels wide on its right.
pub(crate) fn frame<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, legend_width: u32) -> Result<Areas<DB>, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let body = root.margin(8, 0, 0, 0).titled(title, (FONT, 26)).map_err(err)?;
    let (w, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(w.saturating_sub(legend_width)))
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (plots, legend) = frame(root, &figure.title, LEGEND_WIDTH)?;

    for (i, (panel, area)) in figure.panels.iter().zip(plots.split_evenly((figure.panels.len(), 1)).iter()).enumerate() {
        let mut builder = ChartBuilder::on(area);
        if !panel.caption.is_empty() {
            builder.caption(&panel.caption, (FONT, 18));
        }
        let mut chart = builder
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(0f64..figure.x_max, 0f64..100f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(figure.x_desc.as_str())
            .y_desc(panel.y_desc.as_str())
            .y_labels(11)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_label_formatter(&|v| trim_number(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .draw()
            .map_err(err)?;
        draw_fault_bands(&mut chart, &figure.faults, figure.unit_s, figure.x_max, 0.0..100.0, i == 0)?;
        for line in &panel.lines {
            chart.draw_series(LineSeries::new(line.points.iter().copied(), line.color.stroke_width(line.width))).map_err(err)?;
        }
    }

    // A legend of its own column, so that it never hides a line near 100 %.
    let lines = figure.panels.first().map(|p| p.lines.as_slice()).unwrap_or_default();
    let label_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let (x0, mut y) = (12i32, 60i32);
    legend
        .draw(&Text::new(
            figure.legend_title.as_str(),
            (x0, y),
            TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    for line in lines {
        y += 26;
        legend.draw(&PathElement::new(vec![(x0, y), (x0 + 32, y)], line.color.stroke_width(line.width))).map_err(err)?;
        legend.draw(&Text::new(shorten(&line.label), (x0 + 42, y), label_style.clone())).map_err(err)?;
    }
    if !figure.faults.is_empty() {
        y += 38;
        legend
            .draw(&Text::new("Faults", (x0, y), TextStyle::from((FONT, 16).into_font()).pos(Pos::new(HPos::Left, VPos::Center))))
            .map_err(err)?;
        for (label, stroke) in fault_legend() {
            y += 26;
            let sample = vec![(x0, y), (x0 + 32, y)];
            let style = stroke.color.stroke_width(stroke.width);
            if stroke.dashed {
                legend.draw(&plotters::element::DashedPathElement::new(sample, 6, 4, style)).map_err(err)?;
            } else {
                legend.draw(&PathElement::new(sample, style)).map_err(err)?;
            }
            legend.draw(&Text::new(label, (x0 + 42, y), label_style.clone())).map_err(err)?;
        }
    }
    root.present().map_err(err)
}

/// "30", "1.5", "0.25": axis numbers without trailing zeros.
pub(crate) fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

pub(crate) fn shorten(label: &str) -> String {
    if label.chars().count() <= LEGEND_LABEL_CHARS {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(LEGEND_LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::fs;

    const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

    fn row(minute: u64, zone: &str, cpu: f64, mem: f64) -> MinuteRow {
        MinuteRow {
            minute,
            time_s: minute * 60,
            zone: zone.to_string(),
            cpu_reservation_pct: cpu,
            memory_reservation_pct: mem,
            running_tasks: 0,
            pending_tasks: 0,
            tasks_placed: 0,
            tasks_failed: 0,
            stranded_cpu_units: 0,
            stranded_memory_mib: 0,
            instances: 2,
            registered_cpu_units: 4096,
            registered_memory_mib: 16056,
            // The load balancer's columns play no part in reservation charts.
            ..MinuteRow::default()
        }
    }

    /// Three equal zones filling up at different rates; the cluster is their mean.
    fn synthetic(minutes: u64) -> Vec<MinuteRow> {
        let mut rows = Vec::new();
        for m in 0..minutes {
            let mut cpu_sum = 0.0;
            let mut mem_sum = 0.0;
            for (i, z) in ZONES.iter().enumerate() {
                let cpu = ((m as f64) * (1.0 + i as f64)).min(100.0);
                let mem = (cpu * 0.6 + 5.0).min(100.0);
                cpu_sum += cpu;
                mem_sum += mem;
                rows.push(row(m, z, cpu, mem));
            }
            rows.push(row(m, CLUSTER, cpu_sum / 3.0, mem_sum / 3.0));
        }
        rows
    }

    pub(in crate::report) fn is_png(bytes: &[u8]) -> (u32, u32) {
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "no PNG signature");
        let decoder = png::Decoder::new(bytes);
        let mut reader = decoder.read_info().expect("PNG header decodes");
        let mut pixels = vec![0u8; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).expect("PNG data decodes");
        // Not a blank canvas: something other than white was drawn.
        assert!(pixels[..info.buffer_size()].iter().any(|&b| b < 0x80));
        (info.width, info.height)
    }

    #[test]
    fn reservation_chart_writes_a_decodable_png_and_an_svg_naming_every_zone() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("reservation.png"), dir.path().join("reservation.svg"));
        reservation_chart(&synthetic(40), &[], "quickstart: reservation", &png, &svg).unwrap();

        assert_eq!(is_png(&fs::read(&png).unwrap()), RESERVATION_SIZE);
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..40]);
        for name in ZONES.iter().chain([&CLUSTER]) {
            assert!(text.contains(name), "SVG lacks {name}");
        }
        for label in
            ["quickstart: reservation", "Simulated time (min)", "CPU reserved / registered (%)", "Memory reserved / registered (%)"]
        {
            assert!(text.contains(label), "SVG lacks {label:?}");
        }
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = synthetic(30);
        let paths = |n: &str| (dir.path().join(format!("{n}.png")), dir.path().join(format!("{n}.svg")));
        let (png1, svg1) = paths("one");
        let (png2, svg2) = paths("two");
        reservation_chart(&rows, &[], "t", &png1, &svg1).unwrap();
        reservation_chart(&rows, &[], "t", &png2, &svg2).unwrap();
        assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
        assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());

        let variants = vec![("BinPack".to_string(), rows.clone()), ("AZ Balanced Spread".to_string(), synthetic(20))];
        comparison_chart(&variants, &png1, &svg1).unwrap();
        comparison_chart(&variants, &png2, &svg2).unwrap();
        assert_eq!(fs::read(&png1).unwrap(), fs::read(&png2).unwrap());
        assert_eq!(fs::read(&svg1).unwrap(), fs::read(&svg2).unwrap());
    }

    #[test]
    fn long_runs_are_drawn_in_hours() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("a.png"), dir.path().join("a.svg"));
        reservation_chart(&synthetic(6 * 60), &[], "six hours", &png, &svg).unwrap();
        let text = fs::read_to_string(&svg).unwrap();
        assert!(text.contains("Simulated time (h)"));
        assert!(!text.contains("Simulated time (min)"));
        // 360 minutes: one point per minute.
        assert!(!text.contains("mean of"));
        reservation_chart(&synthetic(24 * 60), &[], "a day", &png, &svg).unwrap();
        assert!(fs::read_to_string(&svg).unwrap().contains("Simulated time (h); each point the mean of 4 minutes"));
    }

    #[test]
    fn comparison_chart_names_every_variant() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("cmp.png"), dir.path().join("cmp.svg"));
        let variants = vec![
            ("AZ Balanced Spread".to_string(), synthetic(30)),
            ("AZ Balanced BinPack".to_string(), synthetic(30)),
            ("BinPack".to_string(), synthetic(25)),
        ];
        comparison_chart(&variants, &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), COMPARISON_SIZE);
        let text = fs::read_to_string(&svg).unwrap();
        for (name, _) in &variants {
            assert!(text.contains(name.as_str()), "SVG lacks {name}");
        }
    }

    #[test]
    fn degenerate_inputs_still_draw_axes() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("e.png"), dir.path().join("e.svg"));
        reservation_chart(&[], &[], "empty", &png, &svg).unwrap();
        assert_eq!(is_png(&fs::read(&png).unwrap()), RESERVATION_SIZE);
        // One minute, values out of range and not a number: clamped or skipped, no panic.
        let rows = vec![row(0, "a", 140.0, f64::NAN), row(0, CLUSTER, -3.0, 50.0)];
        reservation_chart(&rows, &[], "one minute", &png, &svg).unwrap();
        comparison_chart(&[], &png, &svg).unwrap();
    }

    #[test]
    fn a_missing_directory_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("missing/r.png");
        let err = reservation_chart(&synthetic(3), &[], "t", &png, &dir.path().join("r.svg")).unwrap_err();
        assert!(matches!(err, ChartError::Io { ref path, .. } if *path == png), "{err}");
    }

    #[test]
    fn long_runs_are_averaged_over_aligned_buckets() {
        let rows: Vec<MinuteRow> = (0..1000).map(|m| row(m, "a", (m % 3) as f64, 0.0)).collect();
        let axis = TimeAxis::for_rows(rows.iter());
        assert_eq!(axis.minutes_per_point, 3);
        let points = axis.points(rows.iter(), |r| r.cpu_reservation_pct);
        // 334 buckets, each a step of two points (its start and its end).
        assert_eq!(points.len(), 2 * 334);
        // Minutes 0, 1, 2 average to 1, held from minute 0 to minute 3.
        assert_eq!(&points[..3], &[(0.0, 1.0), (3.0 * 60.0 / 3600.0, 1.0), (3.0 * 60.0 / 3600.0, 1.0)]);
        // The last bucket holds minute 999 alone and ends with the axis, at the end of minute 999.
        assert_eq!(&points[666..], &[(999.0 * 60.0 / 3600.0, 0.0), (1000.0 * 60.0 / 3600.0, 0.0)]);
        // Short runs keep every minute.
        let short = TimeAxis::for_rows(rows[..450].iter());
        assert_eq!(short.minutes_per_point, 1);
    }

    #[test]
    fn fault_bands_are_one_per_occurrence_and_drawn_with_their_names() {
        let row = |occurrence, service: &str, recovered_s: Option<f64>| FaultRow {
            occurrence,
            fault: if occurrence == 0 { "az-b".into() } else { "crash".into() },
            kind: "zone_outage",
            target: String::new(),
            start_s: 600.0 * (occurrence + 1) as f64,
            end_s: 900.0 * (occurrence + 1) as f64,
            service: service.into(),
            desired: 6,
            tasks_lost: 1,
            lowest_healthy: 5,
            recovered_s,
            time_to_recover_s: None,
            requests_failed: 0,
            detail: String::new(),
        };
        // Two services hit by occurrence 0 (the later recovery counts), one not recovered by
        // occurrence 1, and an occurrence that hit no service.
        let rows = [row(0, "web", Some(700.0)), row(0, "api", Some(1000.0)), row(1, "web", None), row(2, "", None)];
        let bands = FaultBand::from_rows(&rows);
        assert_eq!(bands.len(), 3);
        assert_eq!((bands[0].label.as_str(), bands[0].start_s, bands[0].end_s, bands[0].recovered_s), ("az-b", 600.0, 900.0, Some(1000.0)));
        assert_eq!(bands[1].recovered_s, Some(f64::INFINITY));
        assert_eq!(bands[2].recovered_s, None);

        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("r.png"), dir.path().join("r.svg"));
        reservation_chart(&synthetic(40), &bands, "t", &png, &svg).unwrap();
        let text = fs::read_to_string(&svg).unwrap();
        for label in ["az-b", "crash", "Faults", "until recovered"] {
            assert!(text.contains(label), "SVG lacks {label:?}");
        }
    }

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(trim_number(30.0), "30");
        assert_eq!(trim_number(1.5), "1.5");
        assert_eq!(trim_number(0.25), "0.25");
        assert_eq!(trim_number(-0.0001), "0");
        assert_eq!(shorten("a".repeat(30).as_str()).chars().count(), LEGEND_LABEL_CHARS);
    }
}

/// How one line is drawn in the multi-panel figures (`traffic_chart`, `scaling_chart`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Stroke {
    pub(super) color: RGBColor,
    pub(super) width: u32,
    pub(super) dashed: bool,
}

impl Stroke {
    pub(super) fn solid(color: RGBColor, width: u32) -> Stroke {
        Stroke { color, width, dashed: false }
    }
}

/// The axes of one panel of a multi-panel figure, in the house style: caption, y description
/// and labels, light grid; the x description only under the bottom panel.
pub(super) struct PanelAxes<'a> {
    pub(super) caption: &'a str,
    pub(super) x_max: f64,
    pub(super) y_range: std::ops::Range<f64>,
    pub(super) y_desc: &'a str,
    pub(super) y_labels: usize,
    pub(super) y_label: &'a dyn Fn(&f64) -> String,
    /// `Some` for the bottom panel.
    pub(super) x_desc: Option<&'a str>,
}

pub(super) type PanelChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

impl PanelAxes<'_> {
    pub(super) fn draw<'a, DB: DrawingBackend>(&self, area: &'a DrawingArea<DB, Shift>) -> Result<PanelChart<'a, DB>, String> {
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
pub(super) fn draw_runs<DB: DrawingBackend>(
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

/// The hue of fault bands: a purple no line of the charts uses.
pub(super) const FAULT: RGBColor = RGBColor(0x6a, 0x3d, 0x9a);
/// Opacity of a fault's band while it lasts, and while the services recover after it.
pub(super) const FAULT_OPACITY: f64 = 0.26;
pub(super) const RECOVERY_OPACITY: f64 = 0.10;
/// Label rows above the fault bands, so that the names of faults close together stay apart.
const FAULT_LABEL_ROWS: usize = 3;

/// One occurrence of a fault on a time-series chart, in seconds of simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultBand {
    /// The fault's name (faults.csv `fault`).
    pub label: String,
    pub start_s: f64,
    /// When the fault itself ended (`end_s`): the start for an instantaneous fault.
    pub end_s: f64,
    /// When the last service it hit was back at its desired healthy count; `None`: it hit no
    /// service; `Some(INFINITY)`: a service had not recovered by the end of the run.
    pub recovered_s: Option<f64>,
}

impl FaultBand {
    /// One band per occurrence of faults.csv's rows (rows of one occurrence are adjacent).
    pub fn from_rows(rows: &[FaultRow]) -> Vec<FaultBand> {
        rows.chunk_by(|a, b| a.occurrence == b.occurrence)
            .map(|occurrence| {
                let first = &occurrence[0];
                let recovered_s = occurrence
                    .iter()
                    .filter(|r| !r.service.is_empty())
                    .map(|r| r.recovered_s.unwrap_or(f64::INFINITY))
                    .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
                FaultBand { label: first.fault.clone(), start_s: first.start_s, end_s: first.end_s, recovered_s }
            })
            .collect()
    }
}

/// The legend entries of the fault bands: wide strokes of the bands' colours on white, and
/// the recovery's dashed line.
pub(super) fn fault_legend() -> [(&'static str, Stroke); 3] {
    [
        ("fault", Stroke::solid(on_white(FAULT, FAULT_OPACITY), 12)),
        ("until recovered", Stroke::solid(on_white(FAULT, RECOVERY_OPACITY), 12)),
        ("recovered", Stroke { color: FAULT, width: 1, dashed: true }),
    ]
}

/// `color` at `opacity` over white, as one opaque colour.
fn on_white(color: RGBColor, opacity: f64) -> RGBColor {
    let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * opacity).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// Shades `bands` behind a panel's lines (call it before drawing them): from start to end in
/// `FAULT` at `FAULT_OPACITY`, from end to recovery (or the end of the axis) fainter, a thin
/// line at the start (all that an instantaneous fault that hit nothing shows) and a dashed one
/// at the recovery. With `labels`,
/// each band's name at its top left, on the first of `FAULT_LABEL_ROWS` rows where it does not
/// run into the previous label (left out where none is free).
pub(super) fn draw_fault_bands<DB: DrawingBackend>(
    chart: &mut PanelChart<'_, DB>,
    bands: &[FaultBand],
    unit_s: f64,
    x_max: f64,
    y: std::ops::Range<f64>,
    labels: bool,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let x = |s: f64| (s / unit_s).clamp(0.0, x_max);
    let mut sorted: Vec<&FaultBand> = bands.iter().collect();
    sorted.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    for b in &sorted {
        let (start, end) = (x(b.start_s), x(b.end_s.max(b.start_s)));
        let until = b.recovered_s.map_or(end, |r| x(r.max(b.end_s)));
        if until > end {
            chart
                .draw_series(std::iter::once(Rectangle::new([(end, y.start), (until, y.end)], FAULT.mix(RECOVERY_OPACITY).filled())))
                .map_err(err)?;
        }
        if end > start {
            chart
                .draw_series(std::iter::once(Rectangle::new([(start, y.start), (end, y.end)], FAULT.mix(FAULT_OPACITY).filled())))
                .map_err(err)?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(start, y.start), (start, y.end)], FAULT.mix(0.7).stroke_width(1))))
            .map_err(err)?;
        // The moment of recovery, which may come before the end (an outage the service
        // recovered from elsewhere).
        if let Some(r) = b.recovered_s.filter(|r| r.is_finite()) {
            let r = x(r.max(b.start_s));
            chart.draw_series(DashedLineSeries::new([(r, y.start), (r, y.end)], 6, 4, FAULT.stroke_width(1))).map_err(err)?;
        }
    }
    if labels {
        let style = TextStyle::from((FONT, 12).into_font()).color(&FAULT).pos(Pos::new(HPos::Left, VPos::Top));
        // The right end, in pixels, of the last label of each row.
        let mut row_end = [i32::MIN; FAULT_LABEL_ROWS];
        for b in &sorted {
            let start = x(b.start_s);
            let px = chart.backend_coord(&(start, y.end)).0;
            let Some(row) = row_end.iter().position(|&e| px > e) else { continue };
            // DejaVu Sans at 12 px: about 7 px a character.
            row_end[row] = px + 4 + 7 * b.label.chars().count() as i32 + 6;
            chart
                .plotting_area()
                .draw(&(EmptyElement::at((start, y.end)) + Text::new(b.label.clone(), (4, 3 + 14 * row as i32), style.clone())))
                .map_err(err)?;
        }
    }
    Ok(())
}
