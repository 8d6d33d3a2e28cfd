//! The time series of a run's panels (load balancer, scaling, capacity, cost), from
//! timeseries.csv, services.csv, alarms.csv and faults.csv. Per-minute values share one time
//! axis `x`: each minute's start and, last, the end of the run, each array holding one value per
//! minute and the last minute's again at the end, so the page draws every value as a step across
//! its own minute (a value of minute 10 spans 600–660 s).

use super::read::{num_json, Table};
use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The cluster row's columns the panels draw.
const CLUSTER_COLUMNS: [&str; 16] = [
    "requests",
    "elb_5xx",
    "target_5xx",
    "rejected",
    "latency_ms_p50",
    "latency_ms_p99",
    "healthy_targets",
    "healthy_targets_min",
    "availability_pct",
    "cpu_reservation_pct",
    "memory_reservation_pct",
    "instances",
    "running_tasks",
    "pending_tasks",
    "tasks_failed",
    "cost_usd_cumulative",
];

/// The values of timeseries.csv the panels draw, as numbers by minute: the cluster row's
/// `CLUSTER_COLUMNS` and each zone row's instances and CPU reservation. A week of minutes of a
/// large cluster held as rows of text took more memory than the run itself.
#[derive(Debug, Default)]
pub struct Minutes {
    /// Which of `CLUSTER_COLUMNS` the file has.
    has: [bool; CLUSTER_COLUMNS.len()],
    cluster: BTreeMap<i64, [Option<f64>; CLUSTER_COLUMNS.len()]>,
    /// By zone: instances, cpu_reservation_pct.
    zones: BTreeMap<String, BTreeMap<i64, [Option<f64>; 2]>>,
}

/// Where the zone rows' two values are among `CLUSTER_COLUMNS`.
const ZONE_COLUMNS: [usize; 2] = [11, 9];

impl Minutes {
    /// Reads `dir/timeseries.csv` streaming, one row at a time.
    pub fn read(dir: &std::path::Path) -> Result<Minutes> {
        let (mut reader, header) = super::read::open_csv(dir, "timeseries.csv")?;
        let (mut minutes, columns) = Minutes::new(&header);
        let mut record = csv::StringRecord::new();
        let not_csv = || format!("{} is not a CSV file ecsim wrote", dir.join("timeseries.csv").display());
        while reader.read_record(&mut record).with_context(not_csv)? {
            minutes.row(&columns, &record);
        }
        Ok(minutes)
    }

    /// From a table of timeseries.csv's columns (a long run's buckets, `thin::bucketed`).
    pub fn of(table: &Table) -> Minutes {
        let (mut minutes, columns) = Minutes::new(&table.header);
        for row in &table.rows {
            minutes.row(&columns, row);
        }
        minutes
    }

    /// No minute yet, and where the file's columns are: minute, zone, then `CLUSTER_COLUMNS`.
    fn new(header: &[String]) -> (Minutes, Columns) {
        let at = |name: &str| header.iter().position(|h| h == name);
        let columns = Columns { minute: at("minute"), zone: at("zone"), values: CLUSTER_COLUMNS.map(at) };
        (Minutes { has: columns.values.map(|c| c.is_some()), ..Minutes::default() }, columns)
    }

    /// One row (a later row of the same minute and zone replaces an earlier one; a row without
    /// a minute is skipped).
    fn row(&mut self, columns: &Columns, row: &csv::StringRecord) {
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("");
        let num = |c: Option<usize>| cell(c).trim().parse::<f64>().ok();
        let Some(minute) = num(columns.minute) else { return };
        let values = columns.values.map(num);
        match cell(columns.zone) {
            "cluster" => {
                self.cluster.insert(minute as i64, values);
            }
            zone => {
                self.zones.entry(zone.to_string()).or_default().insert(minute as i64, ZONE_COLUMNS.map(|c| values[c]));
            }
        }
    }
}

/// Where timeseries.csv's columns are (`None`: the file has no such column).
struct Columns {
    minute: Option<usize>,
    zone: Option<usize>,
    values: [Option<usize>; CLUSTER_COLUMNS.len()],
}

/// The panels' data.
pub fn panels(
    summary: &Value,
    timeseries: &Minutes,
    services: Option<&Table>,
    alarms: Option<&Table>,
    faults: Option<&Table>,
    duration_s: f64,
) -> Result<Value> {
    let cluster = &timeseries.cluster;
    let minutes: Vec<i64> = cluster.keys().copied().collect();
    let last_start = minutes.last().map_or(0.0, |m| *m as f64 * 60.0);
    let end_s = if duration_s > last_start { duration_s } else { last_start + 60.0 };
    let mut x: Vec<Value> = minutes.iter().map(|m| json!(*m as f64 * 60.0)).collect();
    x.push(json!(end_s));

    // One value per minute, the last one again at the end.
    let per_minute = |get: &dyn Fn(i64) -> Option<f64>| -> Value {
        let mut v: Vec<Value> = minutes.iter().map(|m| num_json(get(*m))).collect();
        v.push(v.last().cloned().unwrap_or(Value::Null));
        Value::Array(v)
    };

    let mut cluster_json = Map::new();
    for (c, name) in CLUSTER_COLUMNS.iter().enumerate() {
        if timeseries.has[c] {
            cluster_json.insert(name.to_string(), per_minute(&|m| cluster.get(&m).and_then(|r| r[c])));
        }
    }
    let mut zones_json = Map::new();
    for (zone, rows) in &timeseries.zones {
        zones_json.insert(
            zone.clone(),
            object([
                ("instances", per_minute(&|m| rows.get(&m).and_then(|r| r[0]))),
                ("cpu_reservation_pct", per_minute(&|m| rows.get(&m).and_then(|r| r[1]))),
            ]),
        );
    }

    let mut services_json = Vec::new();
    if let Some(t) = services {
        let mut by_service: BTreeMap<&str, BTreeMap<i64, &csv::StringRecord>> = BTreeMap::new();
        // First appearance order: services.csv lists them as the scenario does.
        let mut order: Vec<&str> = Vec::new();
        for row in &t.rows {
            let name = t.text(row, "service");
            let Some(minute) = t.num(row, "minute") else { continue };
            if !by_service.contains_key(name) {
                order.push(name);
            }
            by_service.entry(name).or_default().insert(minute as i64, row);
        }
        for name in order {
            let rows = &by_service[name];
            let col = |c: &'static str| per_minute(&|m| rows.get(&m).and_then(|r| t.num(r, c)));
            services_json.push(object([
                ("name", json!(name)),
                ("desired", col("desired")),
                ("running", col("running")),
                ("healthy", col("healthy")),
                ("cpu_utilization_pct", col("cpu_utilization_pct")),
            ]));
        }
    }

    // Moved into the object, not copied: `json!` would serialise a copy of each array, and
    // a week of minutes held twice was most of a long run's peak memory.
    Ok(object([
        ("x", Value::Array(x)),
        ("end_s", json!(end_s)),
        ("has_lb", Value::Bool(summary.get("traffic").is_some_and(|t| !t.is_null()))),
        ("cluster", Value::Object(cluster_json)),
        ("zones", Value::Object(zones_json)),
        ("services", Value::Array(services_json)),
        ("alarms", alarms.map_or_else(|| json!([]), alarm_changes)),
        ("faults", faults.map_or_else(|| json!([]), fault_bands)),
    ]))
}

/// A JSON object of `fields`, in their order, the values moved in.
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Each alarm's state changes by name (alarms.csv), with the state it started in.
fn alarm_changes(t: &Table) -> Value {
    let mut alarms: BTreeMap<&str, (String, Vec<Value>)> = BTreeMap::new();
    for row in &t.rows {
        let name = t.text(row, "alarm");
        let entry = alarms.entry(name).or_insert_with(|| (t.text(row, "from").to_string(), Vec::new()));
        entry.1.push(json!([t.num(row, "time_s").unwrap_or(0.0), t.text(row, "to")]));
    }
    Value::Array(
        alarms.into_iter().map(|(name, (initial, changes))| json!({"name": name, "initial": initial, "changes": changes})).collect(),
    )
}

/// One band per fault occurrence (faults.csv): its start, its end, and when the last service it
/// hit recovered (null when one was not back by the end, or it hit none).
fn fault_bands(t: &Table) -> Value {
    struct Band {
        name: String,
        start_s: f64,
        end_s: f64,
        recoveries: Vec<Option<f64>>,
    }
    let mut bands: BTreeMap<i64, Band> = BTreeMap::new();
    for row in &t.rows {
        let occurrence = t.num(row, "occurrence").unwrap_or(0.0) as i64;
        let start_s = t.num(row, "start_s").unwrap_or(0.0);
        let band = bands.entry(occurrence).or_insert_with(|| Band {
            name: t.text(row, "fault").to_string(),
            start_s,
            end_s: t.num(row, "end_s").unwrap_or(start_s),
            recoveries: Vec::new(),
        });
        if !t.text(row, "service").is_empty() {
            band.recoveries.push(t.num(row, "recovered_s"));
        }
    }
    Value::Array(
        bands
            .into_values()
            .map(|b| {
                let all: Option<Vec<f64>> = b.recoveries.iter().copied().collect();
                let recovered = all.and_then(|r| r.into_iter().reduce(f64::max));
                json!({"name": b.name, "start_s": b.start_s, "end_s": b.end_s, "recovered_s": num_json(recovered)})
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_rows_keep_their_instances_and_cpu_reservation() {
        assert_eq!(ZONE_COLUMNS.map(|c| CLUSTER_COLUMNS[c]), ["instances", "cpu_reservation_pct"]);
        let table = Table {
            header: ["minute", "zone", "instances", "cpu_reservation_pct", "requests"].map(String::from).to_vec(),
            rows: vec![
                csv::StringRecord::from(vec!["0", "cluster", "6", "50.5", "10"]),
                csv::StringRecord::from(vec!["0", "us-east-1a", "2", "40", ""]),
                csv::StringRecord::from(vec!["x", "cluster", "1", "1", "1"]),
                csv::StringRecord::from(vec!["1", "cluster", "6", "", "12"]),
            ],
        };
        let m = Minutes::of(&table);
        // The row without a minute is skipped; an empty cell is no value.
        assert_eq!(m.cluster.len(), 2);
        assert_eq!((m.cluster[&0][11], m.cluster[&0][9], m.cluster[&0][0]), (Some(6.0), Some(50.5), Some(10.0)));
        assert_eq!(m.cluster[&1][9], None);
        assert_eq!(m.zones["us-east-1a"][&0], [Some(2.0), Some(40.0)]);
        // Columns the file lacks are not drawn.
        assert!(m.has[0] && m.has[9] && m.has[11] && !m.has[1]);
    }

    #[test]
    fn a_missing_or_broken_timeseries_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Minutes::read(dir.path()).unwrap_err().to_string();
        assert!(missing.contains("timeseries.csv is missing from"), "{missing}");
        std::fs::write(dir.path().join("timeseries.csv"), b"minute,zone\n0,\xff\n").unwrap();
        let broken = format!("{:#}", Minutes::read(dir.path()).unwrap_err());
        assert!(broken.contains("timeseries.csv is not a CSV file ecsim wrote"), "{broken}");
        std::fs::write(dir.path().join("timeseries.csv"), "minute,zone,instances\n0,cluster,3\n0,us-east-1a,3\n").unwrap();
        let read = Minutes::read(dir.path()).unwrap();
        assert_eq!((read.cluster[&0][11], read.zones["us-east-1a"][&0][0]), (Some(3.0), Some(3.0)));
    }
}
