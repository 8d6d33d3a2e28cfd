//! The events table's data: every row of events.csv (time, kind, task, group, instance, zone,
//! reason, detail), or for a large run the first rows only, with the count of every kind over
//! all rows (`limits::EVENTS_ALL_MAX`). Built one row at a time (`Table`): from the file
//! (`read`: events.csv can hold millions of rows), or in `ecsim run` from the rows as they are
//! written.

use super::limits::{EVENTS_ALL_MAX, EVENTS_SHOWN_WHEN_LARGE};
use crate::sim::recorder::{EventKind, EventRowRef};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The table's data (JSON text) and how much of events.csv it holds.
pub struct Events {
    /// `{"columns":…,"kinds":…,"rows":` — the JSON text is this, `rows` and `tail`
    /// ([`Events::json_parts`]), kept apart so that the rows (megabytes) are written to the
    /// page where they lie. The keys are in the order a `serde_json::Value` object (a
    /// `BTreeMap`) writes them, so the page's bytes are those of the `Value` this used to be.
    /// Written as text: a `Value` per cell of 20,000 rows cost more than the rest of a small
    /// run's page.
    head: String,
    rows: String,
    /// `,"shown":…,"total":…}`
    tail: String,
    pub total: usize,
    pub shown: usize,
}

impl Events {
    /// The table's JSON text, in the three pieces it is written in.
    pub fn json_parts(&self) -> [&str; 3] {
        [&self.head, &self.rows, &self.tail]
    }
}

/// The columns the table shows, in its order.
const COLUMNS: [&str; 8] = ["time", "event", "task", "group", "instance", "zone", "reason", "detail"];

/// The table being built, one row at a time: from events.csv ([`read`]), or in `ecsim run`
/// from the rows as events.csv is written (the same cells: the file holds the row's text, and
/// its `time_s` reads back as the same `f64`).
pub struct Table {
    /// The rows as a JSON array's text, kept until the count passes the limit; then cut to the
    /// first rows (`large_cut`: the text's length after them).
    rows: Vec<u8>,
    kept: usize,
    large_cut: Option<usize>,
    kinds: BTreeMap<String, usize>,
    /// The rows of each kind taken from the run ([`Table::event`]), by `EventKind` index:
    /// counted in place, added to `kinds` at the end (no string compared per row).
    run_kinds: [usize; EventKind::ALL.len()],
    total: usize,
}

impl Table {
    pub fn new() -> Table {
        Table { rows: b"[".to_vec(), kept: 0, large_cut: None, kinds: BTreeMap::new(), run_kinds: [0; EventKind::ALL.len()], total: 0 }
    }

    /// The next row: its `time_s`, its kind, and its cells in `COLUMNS` order.
    pub fn row<'c>(&mut self, time_s: f64, kind: &str, cells: impl IntoIterator<Item = &'c str>) {
        // A `String` only for a kind not seen yet (a million rows, eighteen kinds).
        match self.kinds.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.kinds.insert(kind.to_string(), 1);
            }
        }
        self.cells(time_s, cells);
    }

    /// A row's cells (its kind counted by the caller).
    fn cells<'c>(&mut self, time_s: f64, cells: impl IntoIterator<Item = &'c str>) {
        self.total += 1;
        if self.kept < EVENTS_ALL_MAX {
            if self.kept == EVENTS_SHOWN_WHEN_LARGE {
                self.large_cut = Some(self.rows.len());
            }
            if self.kept > 0 {
                self.rows.push(b',');
            }
            self.kept += 1;
            // As `Value::Array([num_json(t), Value::String(cell), …])` writes itself.
            let rows = &mut self.rows;
            rows.push(b'[');
            // Writing JSON into a `Vec` cannot fail.
            let _ = serde_json::to_writer(&mut *rows, &super::read::num_json(Some(time_s)));
            for cell in cells {
                rows.push(b',');
                let _ = serde_json::to_writer(&mut *rows, cell);
            }
            rows.push(b']');
        }
    }

    /// A row of events.csv as `ecsim run` writes it.
    pub fn event(&mut self, r: &EventRowRef) {
        let kind = r.event.as_str();
        self.run_kinds[r.event.index()] += 1;
        self.cells(r.time_s, [r.time, kind, r.task, r.group, r.instance, r.zone, r.reason, r.detail]);
    }

    /// Every row has been taken.
    pub fn finish(self) -> Result<Events> {
        let Table { mut rows, kept, large_cut, mut kinds, run_kinds, total } = self;
        for (kind, n) in EventKind::ALL.iter().zip(run_kinds).filter(|&(_, n)| n > 0) {
            *kinds.entry(kind.as_str().to_string()).or_insert(0) += n;
        }
        let shown = match large_cut {
            Some(cut) if total > EVENTS_ALL_MAX => {
                rows.truncate(cut);
                EVENTS_SHOWN_WHEN_LARGE
            }
            _ => kept,
        };
        rows.push(b']');
        let rows = String::from_utf8(rows).context("events.csv: not UTF-8")?;
        let head = format!("{{\"columns\":{},\"kinds\":{},\"rows\":", serde_json::to_string(&COLUMNS)?, serde_json::to_string(&kinds)?);
        let tail = format!(",\"shown\":{shown},\"total\":{total}}}");
        Ok(Events { head, rows, tail, total, shown })
    }
}

/// Reads events.csv of `dir`; `each` sees every row too (the cluster's marks), with the header.
pub fn read(dir: &Path, mut each: impl FnMut(&csv::ByteRecord, &csv::ByteRecord)) -> Result<Events> {
    let path = dir.join("events.csv");
    if !path.is_file() {
        anyhow::bail!("events.csv is missing from {}", dir.display());
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let header = reader.headers().with_context(|| format!("cannot read {}", path.display()))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let time_s = col("time_s");
    let cols: Vec<Option<usize>> = COLUMNS.iter().map(|c| col(c)).collect();
    let kind = col("event");
    let mut table = Table::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).with_context(|| format!("{} is not a CSV file ecsim wrote", path.display()))? {
        each(header.as_byte_record(), record.as_byte_record());
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let t: f64 = get(time_s).parse().unwrap_or(0.0);
        table.row(t, get(kind), cols.iter().map(|&c| get(c)));
    }
    table.finish()
}
