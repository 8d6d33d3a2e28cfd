//! The frame every chart shares: the embedded font, the palette, the errors, the page with its
//! title and legend column (`frame`), and rendering one figure to PNG and SVG, each written
//! atomically (`render`). Output bytes are a pure function of what is drawn.

use crate::report::atomic::write_atomic;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The family the charts ask for. The embedded font is registered under this name, and SVG
/// viewers fall back to their own sans-serif.
pub(crate) const FONT: &str = "sans-serif";
static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Legend labels longer than this are cut with an ellipsis (`shorten`).
pub(crate) const LEGEND_LABEL_CHARS: usize = 24;

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

/// A figure drawn the same way on both backends.
pub(crate) trait Picture {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
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

pub(crate) fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Fixed settings: the same pixels always give the same bytes. `Fast` (fdeflate) rather than
    // `Default` (miniz at level 6): deflating the charts was 4 % of a 10^7-request run's CPU and
    // 28 % of a 10^6 one's. The files come out two to three times larger (W1's traffic.png
    // 98 → 320 KB) and decode to the same pixels.
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Sub);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// The plot and the legend column of a figure.
pub(crate) type Areas<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// The layout every figure shares: a white page, the title, then the plot with a legend
/// column `legend_width` pixels wide on its right.
pub(crate) fn frame<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, legend_width: u32) -> Result<Areas<DB>, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let body = root.margin(8, 0, 0, 0).titled(title, (FONT, 26)).map_err(err)?;
    let (w, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(w.saturating_sub(legend_width)))
}

/// `c` mixed two parts white to one: the wide under-stroke of a line drawn thin on top of it,
/// so that two lines holding the same value both show.
pub(crate) fn pale(c: RGBColor) -> RGBColor {
    let mix = |v: u8| ((u16::from(v) + 2 * 255) / 3) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
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
