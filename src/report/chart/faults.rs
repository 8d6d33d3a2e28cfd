//! Faults on the time-series charts: one band per fault occurrence (`FaultBand`, from
//! faults.csv), darker while the fault lasts and lighter until the services it hit recovered,
//! with its name above the first panel; and the legend entries that explain the bands.

use super::axes::{PanelChart, Stroke};
use super::frame::FONT;
use crate::faults::FaultRow;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The hue of fault bands: a purple no line of the charts uses.
pub(crate) const FAULT: RGBColor = RGBColor(0x6a, 0x3d, 0x9a);
/// Opacity of a fault's band while it lasts, and while the services recover after it.
pub(crate) const FAULT_OPACITY: f64 = 0.26;
pub(crate) const RECOVERY_OPACITY: f64 = 0.10;
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
pub(crate) fn fault_legend() -> [(&'static str, Stroke); 3] {
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
pub(crate) fn draw_fault_bands<DB: DrawingBackend>(
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
