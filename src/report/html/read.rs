//! Reading a results directory's files for the report: a CSV file as a table of text cells
//! with its header, JSON files as values. A missing required file is an error that names it;
//! a missing optional one (a run without services has no services.csv) is `None`.

use anyhow::{Context, Result};
use serde_json::Value;
use std::path::Path;

/// A CSV file: its header and its rows, cells as text (empty: no value). A row is a
/// `csv::StringRecord`, one buffer per row: tasks.csv of a large run holds 240,000 rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

/// Opens `dir/name` as one of ecsim's CSV files: its reader and its header. An error names the
/// file when it is missing or not CSV.
pub(super) fn open_csv(dir: &Path, name: &str) -> Result<(csv::Reader<std::fs::File>, Vec<String>)> {
    let path = dir.join(name);
    if !path.is_file() {
        anyhow::bail!("{} is missing from {}", name, dir.display());
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let header = reader.headers().with_context(|| format!("cannot read {}", path.display()))?.iter().map(str::to_string).collect();
    Ok((reader, header))
}

impl Table {
    /// Reads `dir/name`; an error names the file when it is missing or not CSV.
    pub fn read(dir: &Path, name: &str) -> Result<Table> {
        let path = dir.join(name);
        let (mut reader, header) = open_csv(dir, name)?;
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.with_context(|| format!("{} is not a CSV file ecsim wrote", path.display()))?;
            rows.push(record);
        }
        Ok(Table { header, rows })
    }

    /// Reads `dir/name` streaming, keeping only the rows `keep` accepts (a large run's
    /// tasks.csv is never held whole); answers the table and how many rows the file has.
    pub fn read_where(dir: &Path, name: &str, keep: impl Fn(&Table, &csv::StringRecord) -> bool) -> Result<(Table, usize)> {
        let path = dir.join(name);
        let (mut reader, header) = open_csv(dir, name)?;
        let mut table = Table { header, rows: Vec::new() };
        let mut total = 0;
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).with_context(|| format!("{} is not a CSV file ecsim wrote", path.display()))? {
            total += 1;
            if keep(&table, &record) {
                table.rows.push(record.clone());
            }
        }
        Ok((table, total))
    }

    /// The header of `dir/name` and no rows.
    pub fn header_only(dir: &Path, name: &str) -> Result<Table> {
        Ok(Table { header: open_csv(dir, name)?.1, rows: Vec::new() })
    }

    /// Reads `dir/name` when it exists.
    pub fn read_optional(dir: &Path, name: &str) -> Result<Option<Table>> {
        if dir.join(name).is_file() {
            Table::read(dir, name).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The index of column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The text of column `name` in `row` ("" when the column or the cell is missing).
    pub fn text<'a>(&self, row: &'a csv::StringRecord, name: &str) -> &'a str {
        self.col(name).and_then(|c| row.get(c)).unwrap_or("")
    }

    /// The number in column `name` of `row` (`None` when empty or not a number).
    pub fn num(&self, row: &csv::StringRecord, name: &str) -> Option<f64> {
        self.text(row, name).trim().parse().ok()
    }
}

/// Reads `dir/name` as JSON; an error names the file when it is missing or not JSON.
pub fn json(dir: &Path, name: &str) -> Result<Value> {
    let path = dir.join(name);
    if !path.is_file() {
        anyhow::bail!("{} is missing from {}", name, dir.display());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Reads `dir/name` as JSON when it exists.
pub fn json_optional(dir: &Path, name: &str) -> Result<Option<Value>> {
    if dir.join(name).is_file() {
        json(dir, name).map(Some)
    } else {
        Ok(None)
    }
}

/// The value at a dotted `path` of `v` ("slo.availability_pct", "services.0.desired").
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| match v {
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => v.get(key),
    })
}

/// A number as JSON: finite numbers as they are, anything else as null.
pub fn num_json(x: Option<f64>) -> Value {
    x.and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
}
