//! The events table's data: every row of events.csv (time, kind, task, group, instance, zone,
//! reason, detail), or for a large run the first rows only, with the count of every kind over
//! all rows (`limits::EVENTS_ALL_MAX`). Read as a stream: events.csv can hold millions of rows.

use super::limits::{EVENTS_ALL_MAX, EVENTS_SHOWN_WHEN_LARGE};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The table's data (JSON text) and how much of events.csv it holds.
pub struct Events {
    /// `{"columns":…,"kinds":…,"rows":…,"shown":…,"total":…}`: the keys in the order a
    /// `serde_json::Value` object (a `BTreeMap`) writes them, so the page's bytes are those of
    /// the `Value` this used to be. Written as text: a `Value` per cell of 20,000 rows cost
    /// more than the rest of a small run's page.
    pub json: String,
    pub total: usize,
    pub shown: usize,
}

/// The columns the table shows, in its order.
const COLUMNS: [&str; 8] = ["time", "event", "task", "group", "instance", "zone", "reason", "detail"];

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
    // The rows as a JSON array's text, kept until the count passes the limit; then cut to the
    // first rows (`large_cut`: the text's length after them).
    let mut rows: Vec<u8> = b"[".to_vec();
    let (mut kept, mut large_cut) = (0usize, None);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0usize;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).with_context(|| format!("{} is not a CSV file ecsim wrote", path.display()))? {
        total += 1;
        each(header.as_byte_record(), record.as_byte_record());
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        // A `String` only for a kind not seen yet (a million rows, eighteen kinds).
        match kinds.get_mut(get(kind)) {
            Some(n) => *n += 1,
            None => {
                kinds.insert(get(kind).to_string(), 1);
            }
        }
        if kept < EVENTS_ALL_MAX {
            if kept == EVENTS_SHOWN_WHEN_LARGE {
                large_cut = Some(rows.len());
            }
            if kept > 0 {
                rows.push(b',');
            }
            kept += 1;
            // As `Value::Array([num_json(t), Value::String(cell), …])` writes itself.
            let t: f64 = get(time_s).parse().unwrap_or(0.0);
            rows.push(b'[');
            serde_json::to_writer(&mut rows, &super::read::num_json(Some(t)))?;
            for c in &cols {
                rows.push(b',');
                serde_json::to_writer(&mut rows, get(*c))?;
            }
            rows.push(b']');
        }
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
    let json = format!(
        "{{\"columns\":{},\"kinds\":{},\"rows\":{rows},\"shown\":{shown},\"total\":{total}}}",
        serde_json::to_string(&COLUMNS)?,
        serde_json::to_string(&kinds)?
    );
    Ok(Events { json, total, shown })
}
