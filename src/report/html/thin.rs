//! The page of a long run: timeseries.csv and services.csv hold every minute (they are data),
//! but a page embedding a year of minutes would weigh hundreds of megabytes and draw noise. A run
//! of more than `PAGE_MAX_MINUTES` minutes is read streaming and drawn in buckets of whole
//! minutes (`bucket_minutes`: 15 minutes, 1 hour, 3 hours, 1 day, …), each point the mean of its
//! bucket's minutes; the desired and healthy counts of the deployment timelines keep every
//! change (exact). A shorter run's page is built from every row, as before.

use super::read::Table;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Up to this many minutes (one week) the page draws every minute.
pub const PAGE_MAX_MINUTES: u64 = 10_080;

/// Bucket sizes a long run's page may use, in minutes; beyond the last, whole days.
const BUCKETS: [u64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

/// The smallest bucket (in minutes) that draws `minutes` minutes in at most
/// `PAGE_MAX_MINUTES` points: 1 for a run of a week or less.
pub fn bucket_minutes(minutes: u64) -> u64 {
    let need = minutes.div_ceil(PAGE_MAX_MINUTES).max(1);
    BUCKETS.iter().copied().find(|&b| b >= need).unwrap_or_else(|| need.div_ceil(1440) * 1440)
}

/// "15 minutes", "1 hour", "3 hours", "1 day", "2 days".
pub fn bucket_text(b: u64) -> String {
    let plural = |n: u64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    if b.is_multiple_of(1440) {
        plural(b / 1440, "day")
    } else if b.is_multiple_of(60) {
        plural(b / 60, "hour")
    } else {
        plural(b, "minute")
    }
}

/// One key's (zone's or service's) sums over the bucket being read: per column, the sum and the
/// count of the cells that hold a number.
struct Sums {
    bucket: u64,
    cells: Vec<(f64, u32)>,
}

/// `dir/name` (rows in minute order, `key` the zone or service column) as a table of one row per
/// key and bucket of `b` minutes, in the order the buckets close: each numeric column the mean of
/// the bucket's cells that hold a number (empty when none does), `minute` and `time_s` the
/// bucket's start. Holds one bucket per key while reading.
pub fn bucketed(dir: &Path, name: &str, key: &str, b: u64) -> Result<Table> {
    let (mut reader, header) = super::read::open_csv(dir, name)?;
    let (Some(key_col), Some(minute_col)) = (header.iter().position(|h| h == key), header.iter().position(|h| h == "minute")) else {
        return Ok(Table { header, rows: Vec::new() });
    };
    let time_col = header.iter().position(|h| h == "time_s");
    let mut open: BTreeMap<String, Sums> = BTreeMap::new();
    // Keys in first-appearance order (the file's), so the rows come out as the file lists them.
    let mut order: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    let close = |k: &str, s: &Sums, rows: &mut Vec<csv::StringRecord>| {
        let start = s.bucket * b;
        let cells = s.cells.iter().enumerate().map(|(c, &(sum, n))| match c {
            _ if c == key_col => k.to_string(),
            _ if c == minute_col => start.to_string(),
            _ if Some(c) == time_col => (start * 60).to_string(),
            _ if n == 0 => String::new(),
            _ => (sum / f64::from(n)).to_string(),
        });
        rows.push(csv::StringRecord::from(cells.collect::<Vec<_>>()));
    };
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).with_context(|| format!("{name} is not a CSV file ecsim wrote"))? {
        let Some(minute) = record.get(minute_col).and_then(|m| m.parse::<u64>().ok()) else { continue };
        let k = record.get(key_col).unwrap_or("");
        let bucket = minute / b;
        if !open.contains_key(k) {
            order.push(k.to_string());
            open.insert(k.to_string(), Sums { bucket, cells: vec![(0.0, 0); header.len()] });
        }
        // A new bucket for this key closes every key's previous one, in the file's key order.
        if open.get(k).is_some_and(|s| s.bucket != bucket) {
            for name in &order {
                if let Some(s) = open.get_mut(name.as_str()).filter(|s| s.bucket < bucket && s.cells.iter().any(|c| c.1 > 0)) {
                    close(name, s, &mut rows);
                    s.cells.iter_mut().for_each(|c| *c = (0.0, 0));
                    s.bucket = bucket;
                }
            }
        }
        if let Some(s) = open.get_mut(k) {
            s.bucket = bucket;
            for (c, cell) in record.iter().enumerate() {
                if let (Some(acc), Ok(v)) = (s.cells.get_mut(c), cell.trim().parse::<f64>()) {
                    if v.is_finite() {
                        acc.0 += v;
                        acc.1 += 1;
                    }
                }
            }
        }
    }
    for name in &order {
        if let Some(s) = open.get(name.as_str()).filter(|s| s.cells.iter().any(|c| c.1 > 0)) {
            close(name, s, &mut rows);
        }
    }
    Ok(Table { header, rows })
}

/// The rows of `dir/name` where one of `columns` changed for the row's `key` (the first row of
/// each key too): what a step function of those columns needs, exactly.
pub fn changes(dir: &Path, name: &str, key: &str, columns: &[&str]) -> Result<Table> {
    let (mut reader, header) = super::read::open_csv(dir, name)?;
    let key_col = header.iter().position(|h| h == key);
    let cols: Vec<usize> = columns.iter().filter_map(|c| header.iter().position(|h| h == c)).collect();
    let mut last: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).with_context(|| format!("{name} is not a CSV file ecsim wrote"))? {
        let k = key_col.and_then(|c| record.get(c)).unwrap_or("");
        let values: Vec<String> = cols.iter().map(|&c| record.get(c).unwrap_or("").to_string()).collect();
        if last.get(k) != Some(&values) {
            last.insert(k.to_string(), values);
            rows.push(record.clone());
        }
    }
    Ok(Table { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_is_drawn_minute_by_minute_and_longer_runs_in_whole_buckets() {
        assert_eq!(bucket_minutes(10_080), 1);
        // 100 days = 144,000 minutes: at least 14.3 minutes a point, so 15-minute buckets.
        assert_eq!(bucket_minutes(144_000), 15);
        // 1,000 days: at least 143 minutes a point, so 3 hours (8,000 points).
        assert_eq!(bucket_minutes(1_440_000), 180);
        // 30,000 days: at least 4,286 minutes a point, so 3 whole days.
        assert_eq!(bucket_minutes(43_200_000), 4320);
        assert_eq!((bucket_text(15), bucket_text(180), bucket_text(4320)), ("15 minutes".into(), "3 hours".into(), "3 days".into()));
    }

    #[test]
    fn buckets_hold_the_mean_of_their_minutes_and_changes_keep_every_change() {
        let dir = tempfile::tempdir().unwrap();
        // Two zones over 5 minutes; buckets of 2 minutes: [0, 1], [2, 3], [4].
        let mut csv = String::from("minute,time_s,zone,running_tasks,latency_ms_p99\n");
        for m in 0..5u64 {
            csv.push_str(&format!("{m},{},a,{},\n", m * 60, m));
            csv.push_str(&format!("{m},{},b,4,{}\n", m * 60, 10 * m));
        }
        std::fs::write(dir.path().join("t.csv"), csv).unwrap();
        let t = bucketed(dir.path(), "t.csv", "zone", 2).unwrap();
        let rows: Vec<Vec<&str>> = t.rows.iter().map(|r| r.iter().collect()).collect();
        assert_eq!(
            rows,
            vec![
                vec!["0", "0", "a", "0.5", ""],
                vec!["0", "0", "b", "4", "5"],
                vec!["2", "120", "a", "2.5", ""],
                vec!["2", "120", "b", "4", "25"],
                vec!["4", "240", "a", "4", ""],
                vec!["4", "240", "b", "4", "40"],
            ]
        );
        let c = changes(dir.path(), "t.csv", "zone", &["running_tasks"]).unwrap();
        // Zone a changes every minute (5 rows); zone b never after its first row.
        assert_eq!(c.rows.len(), 6);
    }
}
