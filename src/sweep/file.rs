//! The sweep file (TOML): parsing, the grid of cells, and validation of every cell's scenario
//! before anything runs. Every error points into the sweep file (line and column of the axis
//! or value at fault) and says what the scenario loader said about the value.

use super::paths;
use crate::model::diagnostic::line_col;
use crate::model::{Diagnostic, Diagnostics, Scenario};
use crate::scenario;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::{Spanned, Table, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sweep: RawSweep,
    #[serde(default)]
    axes: Vec<Spanned<RawAxis>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    name: Option<String>,
    base: Spanned<String>,
    replications: Option<Spanned<i64>>,
    seed: Option<u64>,
    figures: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    path: Option<Spanned<String>>,
    values: Option<Spanned<Vec<Spanned<Value>>>>,
    range: Option<Spanned<RawRange>>,
    zip: Option<Spanned<Vec<Spanned<RawAxis>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    from: Spanned<Value>,
    to: Spanned<Value>,
    step: Spanned<Value>,
}

/// One swept key: its path and its values, with where they are written in the sweep file.
#[derive(Debug, Clone)]
pub struct Axis {
    pub path: String,
    pub values: Vec<Value>,
    path_span: Range<usize>,
    value_spans: Vec<Range<usize>>,
}

/// One dimension of the grid: a single axis, or zipped axes that move together.
#[derive(Debug, Clone)]
pub struct Dimension {
    pub members: Vec<Axis>,
}

impl Dimension {
    pub fn len(&self) -> usize {
        self.members[0].values.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A parsed sweep file (not yet checked against the base scenario).
#[derive(Debug, Clone)]
pub struct SweepFile {
    pub path: PathBuf,
    pub text: String,
    pub name: String,
    pub base_path: PathBuf,
    pub replications: u32,
    /// Default: the base scenario's seed (filled in by `prepare`).
    pub seed: Option<u64>,
    pub figures: Option<Vec<String>>,
    pub dims: Vec<Dimension>,
    /// SHA-256 of the sweep file's text.
    pub sha256: String,
}

/// One point of the grid.
#[derive(Debug, Clone)]
pub struct Cell {
    pub index: usize,
    /// `c3_template=BinPack_count=4`: the index, then `key=value` per axis (file-name safe).
    pub id: String,
    /// (path, value) for every axis, in file order (zipped members in their order).
    pub values: Vec<(String, Value)>,
}

/// A sweep ready to run: every cell's scenario loaded and valid.
pub struct Prepared {
    pub file: SweepFile,
    pub base: Scenario,
    pub master_seed: u64,
    /// Axis paths in column order.
    pub axes: Vec<String>,
    pub cells: Vec<Cell>,
    /// The base scenario's TOML, to which each cell's values are applied.
    base_doc: Table,
}

impl Prepared {
    /// The scenario of cell `ci`, built again from the base: every cell was validated by
    /// `prepare`, but none is kept, so a grid of any size is checked and run in the memory of
    /// one cell per thread.
    pub fn scenario(&self, ci: usize) -> Result<Scenario, Diagnostics> {
        let cell = &self.cells[ci];
        let text = cell_text(&self.base_doc, &cell.values)
            .map_err(|(_, e)| Diagnostics::from(self.file.error(Some(&self.file.dims[0].members[0].path_span), e.0)))?;
        scenario::load_str(&self.file.base_path, &text)
    }
}

/// The most cells a sweep may have. A cell is one scenario to validate and at least one run
/// to simulate and keep a record of; beyond this a grid is a mistake (or needs splitting into
/// several sweep files), and `cells.csv` alone would be hundreds of megabytes.
pub const MAX_CELLS: usize = 100_000;

impl SweepFile {
    fn error(&self, span: Option<&Range<usize>>, message: impl Into<String>) -> Diagnostic {
        // A message about the whole file points at its `[sweep]` table (or its start).
        let whole = self.text.find("[sweep]").unwrap_or(0);
        let (line, col) = line_col(&self.text, span.map_or(whole, |s| s.start));
        Diagnostic::error(&self.path, line, col, message).with_source(&self.text)
    }
}

/// Reads and parses the sweep file at `path`.
pub fn parse(path: &Path) -> Result<SweepFile, Diagnostics> {
    let text = crate::model::diagnostic::read_text(path)?;
    parse_str(path, &text)
}

/// Parses sweep `text` as if read from `path`.
pub fn parse_str(path: &Path, text: &str) -> Result<SweepFile, Diagnostics> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        Diagnostic::error(path, line, col, scenario::toml_message(text, &e)).with_source(text).with_help("docs/sweeps.md lists every key")
    })?;
    let mut file = SweepFile {
        path: path.to_path_buf(),
        text: text.to_string(),
        name: raw.sweep.name.clone().unwrap_or_else(|| path.file_stem().map_or("sweep".into(), |s| s.to_string_lossy().into_owned())),
        base_path: path.parent().unwrap_or(Path::new(".")).join(raw.sweep.base.get_ref()),
        replications: 1,
        seed: raw.sweep.seed,
        figures: raw.sweep.figures.clone(),
        dims: Vec::new(),
        sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
    };
    let mut diags = Diagnostics::default();
    if let Some(r) = &raw.sweep.replications {
        match u32::try_from(*r.get_ref()) {
            Ok(n) if n > 0 => file.replications = n,
            _ => diags.push(file.error(Some(&r.span()), format!("replications must be at least 1, not {}", r.get_ref()))),
        }
    }
    if raw.axes.is_empty() {
        diags.push(file.error(None, "the sweep has no [[axes]]").with_help("add an [[axes]] table with a path and values"));
    }
    for axis in &raw.axes {
        match dimension(&file, axis) {
            Ok(d) => file.dims.push(d),
            Err(d) => diags.push(d),
        }
    }
    check_duplicate_paths(&file, &mut diags);
    if !diags.has_errors() {
        check_grid_size(&file, raw.axes.last().map(Spanned::span), &mut diags);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(file)
}

/// Two axes over one path: every cell would set it twice and only the later value would
/// count, so the grid would repeat the same scenarios (a fuzzer's 12 copies of one axis made
/// 10¹² cells).
fn check_duplicate_paths(file: &SweepFile, diags: &mut Diagnostics) {
    let axes: Vec<&Axis> = file.dims.iter().flat_map(|d| &d.members).collect();
    for (i, a) in axes.iter().enumerate() {
        if let Some(first) = axes[..i].iter().find(|b| b.path == a.path) {
            let (line, _) = line_col(&file.text, first.path_span.start);
            diags.push(
                file.error(Some(&a.path_span), format!("axis path `{}` is already swept by the axis on line {line}", a.path))
                    .with_help("each cell would set it twice and only this value would count: merge the two axes' values into one axis"),
            );
        }
    }
}

/// Refuses a grid of more than `MAX_CELLS` cells, with the product that made it.
fn check_grid_size(file: &SweepFile, at: Option<Range<usize>>, diags: &mut Diagnostics) {
    let sizes: Vec<usize> = file.dims.iter().map(Dimension::len).collect();
    let total = sizes.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
    if total.is_none_or(|t| t > MAX_CELLS) {
        let product = sizes.iter().map(usize::to_string).collect::<Vec<_>>().join(" × ");
        let total = total.map_or("more than 2⁶⁴".to_string(), |t| t.to_string());
        diags.push(
            file.error(at.as_ref(), format!("the grid has {product} = {total} cells; a sweep may have at most {MAX_CELLS}")).with_help(
                "use fewer values per axis, or split the sweep into several files (each cell is a scenario to validate and run)",
            ),
        );
    }
}

fn dimension(file: &SweepFile, axis: &Spanned<RawAxis>) -> Result<Dimension, Diagnostic> {
    let raw = axis.get_ref();
    let Some(zip) = &raw.zip else {
        return Ok(Dimension { members: vec![single(file, axis)?] });
    };
    if raw.path.is_some() || raw.values.is_some() || raw.range.is_some() {
        return Err(file.error(Some(&axis.span()), "an axis has either `zip` or `path` with `values`/`range`, not both"));
    }
    let members = zip.get_ref().iter().map(|m| single(file, m)).collect::<Result<Vec<_>, _>>()?;
    let Some(first) = members.first() else {
        return Err(file.error(Some(&zip.span()), "`zip` is empty"));
    };
    if let Some(other) = members.iter().find(|m| m.values.len() != first.values.len()) {
        return Err(file.error(
            Some(&other.path_span),
            format!(
                "zipped axes must have the same number of values: `{}` has {}, `{}` has {}",
                first.path,
                first.values.len(),
                other.path,
                other.values.len()
            ),
        ));
    }
    Ok(Dimension { members })
}

fn single(file: &SweepFile, axis: &Spanned<RawAxis>) -> Result<Axis, Diagnostic> {
    let raw = axis.get_ref();
    if raw.zip.is_some() {
        return Err(file.error(Some(&axis.span()), "a zipped axis cannot itself hold `zip`"));
    }
    let Some(path) = &raw.path else {
        return Err(file.error(Some(&axis.span()), "an axis needs a `path` (or `zip`)"));
    };
    let path_span = path.span();
    let (values, value_spans) = match (&raw.values, &raw.range) {
        (Some(values), None) => {
            if values.get_ref().is_empty() {
                return Err(file.error(Some(&values.span()), format!("axis `{}` has no values", path.get_ref())));
            }
            values.get_ref().iter().map(|v| (v.get_ref().clone(), v.span())).unzip()
        }
        (None, Some(range)) => {
            let values =
                range_values(range.get_ref()).map_err(|m| file.error(Some(&range.span()), format!("axis `{}`: {m}", path.get_ref())))?;
            let spans = vec![range.span(); values.len()];
            (values, spans)
        }
        _ => return Err(file.error(Some(&path_span), format!("axis `{}` needs exactly one of `values` and `range`", path.get_ref()))),
    };
    Ok(Axis { path: path.get_ref().clone(), values, path_span, value_spans })
}

/// The values of an inclusive range: integers when from, to and step all are, else floats
/// (each `from + i × step`, rounded to 9 decimals so 0.1 steps print as 0.3, not
/// 0.30000000000000004).
fn range_values(r: &RawRange) -> Result<Vec<Value>, String> {
    let (from, to, step) = (r.from.get_ref(), r.to.get_ref(), r.step.get_ref());
    if let (Value::Integer(f), Value::Integer(t), Value::Integer(s)) = (from, to, step) {
        if *s <= 0 {
            return Err(format!("range step must be positive, not {s}"));
        }
        if f > t {
            return Err(format!("range from {f} is above to {t}"));
        }
        return Ok((*f..=*t).step_by(*s as usize).map(Value::Integer).collect());
    }
    let num = |v: &Value, key: &str| match v {
        Value::Integer(i) => Ok(*i as f64),
        Value::Float(x) if x.is_finite() => Ok(*x),
        other => Err(format!("range `{key}` must be a number, not {}", other.type_str())),
    };
    let (f, t, s) = (num(from, "from")?, num(to, "to")?, num(step, "step")?);
    if s <= 0.0 {
        return Err(format!("range step must be positive, not {s}"));
    }
    if f > t {
        return Err(format!("range from {f} is above to {t}"));
    }
    let n = ((t - f) / s + 1e-9).floor() as u64 + 1;
    if n > 100_000 {
        return Err(format!("range has {n} values; at most 100000"));
    }
    Ok((0..n).map(|i| Value::Float(((f + i as f64 * s) * 1e9).round() / 1e9)).collect())
}

/// How a value reads in a label, a CSV cell or a message: strings bare, others as TOML.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The short name of an axis in cell ids: its last segment that is not an index.
pub(crate) fn label_key(path: &str) -> &str {
    path.rsplit('.').find(|s| s.parse::<usize>().is_err()).unwrap_or(path)
}

pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').to_string()
}

/// The grid: the cartesian product of the dimensions in file order, the last moving fastest.
pub fn cells(dims: &[Dimension]) -> Vec<Cell> {
    let axes: Vec<&Axis> = dims.iter().flat_map(|d| &d.members).collect();
    let keys: Vec<String> = axes
        .iter()
        .map(|a| {
            let key = label_key(&a.path);
            let clash = axes.iter().filter(|b| label_key(&b.path) == key).count() > 1;
            if clash {
                a.path.clone()
            } else {
                key.to_string()
            }
        })
        .collect();
    let total: usize = dims.iter().map(Dimension::len).product();
    let width = total.saturating_sub(1).to_string().len();
    (0..total)
        .map(|index| {
            // Mixed-radix digits of `index`, the last dimension least significant.
            let mut rest = index;
            let mut picks = vec![0; dims.len()];
            for (d, dim) in dims.iter().enumerate().rev() {
                picks[d] = rest % dim.len();
                rest /= dim.len();
            }
            let values: Vec<(String, Value)> = dims
                .iter()
                .zip(&picks)
                .flat_map(|(dim, &i)| dim.members.iter().map(move |a| (a.path.clone(), a.values[i].clone())))
                .collect();
            let mut id = format!("c{index:0width$}");
            for ((_, v), key) in values.iter().zip(&keys) {
                id.push_str(&format!("_{}={}", slug(key), slug(&display_value(v))));
            }
            Cell { index, id, values }
        })
        .collect()
}

/// The scenario text of the base with `values` set.
fn cell_text(base: &Table, values: &[(String, Value)]) -> Result<String, (usize, paths::PathError)> {
    let mut doc = base.clone();
    for (i, (path, v)) in values.iter().enumerate() {
        paths::set(&mut doc, path, v.clone()).map_err(|e| (i, e))?;
    }
    Ok(toml::to_string(&doc).expect("a TOML table serializes"))
}

fn messages(d: &Diagnostics) -> String {
    d.errors().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
}

/// Loads the base scenario, builds every cell's scenario and validates it. Each axis value is
/// first tried alone on the base, so an error points at the value at fault; a cell that fails
/// only in combination is reported at its first axis.
pub fn prepare(file: SweepFile) -> Result<Prepared, Diagnostics> {
    let base_text = std::fs::read_to_string(&file.base_path).map_err(|e| {
        let span = base_span(&file);
        file.error(span.as_ref(), format!("cannot read the base scenario {}: {e}", file.base_path.display()))
    })?;
    let base = scenario::load_str(&file.base_path, &base_text)?;
    let base_doc: Table = toml::from_str(&base_text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(&base_text, s.start));
        Diagnostic::error(&file.base_path, line, col, scenario::toml_message(&base_text, &e)).with_source(&base_text)
    })?;
    let mut diags = Diagnostics::default();
    for axis in file.dims.iter().flat_map(|d| &d.members) {
        for (v, span) in axis.values.iter().zip(&axis.value_spans) {
            match cell_text(&base_doc, &[(axis.path.clone(), v.clone())]) {
                Err((_, e)) => {
                    diags.push(file.error(Some(&axis.path_span), format!("axis path {} names no scenario key: {e}", axis.path)));
                    break;
                }
                Ok(text) => {
                    if let Err(d) = scenario::load_str(&file.base_path, &text) {
                        diags.push(file.error(Some(span), format!("axis `{}` value `{}`: {}", axis.path, display_value(v), messages(&d))));
                    }
                }
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let cells = cells(&file.dims);
    let first_span = file.dims[0].members[0].path_span.clone();
    for cell in &cells {
        // Validated and dropped: only the cell's values are kept (see `Prepared::scenario`).
        let loaded = cell_text(&base_doc, &cell.values)
            .map_err(|(_, e)| Diagnostics::from(file.error(Some(&first_span), e.0)))
            .and_then(|text| scenario::load_str(&file.base_path, &text));
        if let Err(d) = loaded {
            diags.push(file.error(Some(&first_span), format!("cell {}: {}", cell.id, messages(&d))));
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let master_seed = file.seed.unwrap_or(base.seed);
    let axes = file.dims.iter().flat_map(|d| d.members.iter().map(|a| a.path.clone())).collect();
    Ok(Prepared { file, base, master_seed, axes, cells, base_doc })
}

fn base_span(file: &SweepFile) -> Option<Range<usize>> {
    let raw: RawFile = toml::from_str(&file.text).ok()?;
    Some(raw.sweep.base.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(text: &str) -> Vec<Dimension> {
        parse_str(Path::new("s.toml"), text).unwrap().dims
    }

    #[test]
    fn ranges_are_inclusive_and_floats_are_rounded() {
        let d = dims("[sweep]\nbase='b.toml'\n[[axes]]\npath='a'\nrange={from=2,to=10,step=2}\n[[axes]]\npath='b'\nrange={from=0.1,to=0.3,step=0.1}\n");
        assert_eq!(d[0].members[0].values, [2, 4, 6, 8, 10].map(Value::Integer));
        assert_eq!(d[1].members[0].values, [0.1, 0.2, 0.3].map(Value::Float));
    }

    #[test]
    fn ids_carry_index_and_labels_last_axis_fastest() {
        let d = dims("[sweep]\nbase='b.toml'\n[[axes]]\npath='services.web.template'\nvalues=['AZ Balanced Spread','BinPack']\n[[axes]]\npath='cluster.instances.0.count'\nvalues=[2,4]\n");
        let ids: Vec<String> = cells(&d).into_iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "c0_template=AZ-Balanced-Spread_count=2",
                "c1_template=AZ-Balanced-Spread_count=4",
                "c2_template=BinPack_count=2",
                "c3_template=BinPack_count=4"
            ]
        );
    }

    #[test]
    fn bad_axes_are_located() {
        let e = parse_str(Path::new("s.toml"), "[sweep]\nbase='b.toml'\n[[axes]]\npath='a'\nvalues=[]\n").unwrap_err();
        assert!(e.to_string().starts_with("s.toml:5:8: error: axis `a` has no values"), "{e}");
        let e = parse_str(Path::new("s.toml"), "[sweep]\nbase='b.toml'\n[[axes]]\npath='a'\nrange={from=3,to=1,step=1}\n").unwrap_err();
        assert!(e.to_string().contains("s.toml:5:7: error: axis `a`: range from 3 is above to 1"), "{e}");
        let e = parse_str(Path::new("s.toml"), "[sweep]\nbase='b.toml'\nreplications=0\n[[axes]]\npath='a'\nvalues=[1]\n").unwrap_err();
        assert!(e.to_string().starts_with("s.toml:3:14: error: replications must be at least 1"), "{e}");
    }
}
