//! The events table's data: every row of events.csv (time, kind, task, group, instance, zone,
//! reason, detail), or for a large run the first rows only, with the count of every kind over
//! all rows (`limits::EVENTS_ALL_MAX`). Read as a stream: events.csv can hold millions of rows.

use super::limits::{EVENTS_ALL_MAX, EVENTS_SHOWN_WHEN_LARGE};
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The table's data and how much of events.csv it holds.
pub struct Events {
    pub json: Value,
    pub total: usize,
    pub shown: usize,
}

/// The columns the table shows, in its order.
const COLUMNS: [&str; 8] = ["time", "event", "task", "group", "instance", "zone", "reason", "detail"];

/// Reads events.csv of `dir`.
pub fn read(dir: &Path) -> Result<Events> {
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
    // Kept until the count passes the limit; then cut to the first rows.
    let mut rows: Vec<Value> = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0usize;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).with_context(|| format!("{} is not a CSV file ecsim wrote", path.display()))? {
        total += 1;
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        *kinds.entry(get(kind).to_string()).or_default() += 1;
        if rows.len() < EVENTS_ALL_MAX {
            let t: f64 = get(time_s).parse().unwrap_or(0.0);
            let mut row = vec![super::read::num_json(Some(t))];
            row.extend(cols.iter().map(|c| Value::String(get(*c).to_string())));
            rows.push(Value::Array(row));
        }
    }
    if total > EVENTS_ALL_MAX {
        rows.truncate(EVENTS_SHOWN_WHEN_LARGE);
    }
    let shown = rows.len();
    Ok(Events { json: json!({ "columns": COLUMNS, "total": total, "shown": shown, "kinds": kinds, "rows": rows }), total, shown })
}
