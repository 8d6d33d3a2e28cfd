//! The time series of a run's panels (load balancer, scaling, capacity, cost), from
//! timeseries.csv, services.csv, alarms.csv and faults.csv. Per-minute values share one time
//! axis `x`: each minute's start and, last, the end of the run, each array holding one value per
//! minute and the last minute's again at the end, so the page draws every value as a step across
//! its own minute (a value of minute 10 spans 600–660 s).

use super::read::{num_json, Table};
use anyhow::Result;
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

/// The panels' data.
pub fn panels(
    summary: &Value,
    timeseries: &Table,
    services: Option<&Table>,
    alarms: Option<&Table>,
    faults: Option<&Table>,
    duration_s: f64,
) -> Result<Value> {
    // Rows by minute, cluster and zones apart.
    let mut cluster: BTreeMap<i64, &csv::StringRecord> = BTreeMap::new();
    let mut zones: BTreeMap<String, BTreeMap<i64, &csv::StringRecord>> = BTreeMap::new();
    for row in &timeseries.rows {
        let Some(minute) = timeseries.num(row, "minute") else { continue };
        let zone = timeseries.text(row, "zone");
        if zone == "cluster" {
            cluster.insert(minute as i64, row);
        } else {
            zones.entry(zone.to_string()).or_default().insert(minute as i64, row);
        }
    }
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
    for c in CLUSTER_COLUMNS {
        if timeseries.col(c).is_some() {
            cluster_json.insert(c.into(), per_minute(&|m| cluster.get(&m).and_then(|r| timeseries.num(r, c))));
        }
    }
    let mut zones_json = Map::new();
    for (zone, rows) in &zones {
        zones_json.insert(
            zone.clone(),
            json!({
                "instances": per_minute(&|m| rows.get(&m).and_then(|r| timeseries.num(r, "instances"))),
                "cpu_reservation_pct": per_minute(&|m| rows.get(&m).and_then(|r| timeseries.num(r, "cpu_reservation_pct"))),
            }),
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
            services_json.push(json!({
                "name": name,
                "desired": col("desired"),
                "running": col("running"),
                "healthy": col("healthy"),
                "cpu_utilization_pct": col("cpu_utilization_pct"),
            }));
        }
    }

    Ok(json!({
        "x": x,
        "end_s": end_s,
        "has_lb": summary.get("traffic").is_some_and(|t| !t.is_null()),
        "cluster": cluster_json,
        "zones": zones_json,
        "services": services_json,
        "alarms": alarms.map_or_else(|| json!([]), alarm_changes),
        "faults": faults.map_or_else(|| json!([]), fault_bands),
    }))
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
