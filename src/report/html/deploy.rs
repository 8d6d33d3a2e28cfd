//! The deployment timelines: per service, its tasks stacked by state (RUNNING, PENDING,
//! STOPPING) and revision (the deployment they belong to) over time, from tasks.csv's placed,
//! running, stopping and stopped times; with the desired and healthy counts (services.csv, at
//! each minute's end) and the rollout's bounds: ceil(desired × minimumHealthyPercent ÷ 100)
//! healthy at least and floor(desired × maximumPercent ÷ 100) in flight at most, from the
//! primary deployment's percentages (deployments.csv). Exact at every task's every change, or
//! sampled at each minute's start for a run with many tasks (`limits::TASKS_EXACT_MAX`).

use super::limits::TASKS_EXACT_MAX;
use super::read::{num_json, Table};
use anyhow::Result;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The timelines and whether they were sampled.
pub struct Timelines {
    pub json: Value,
    pub sampled: bool,
    pub task_count: usize,
}

/// The states stacked, bottom first.
const STATES: [&str; 3] = ["RUNNING", "PENDING", "STOPPING"];

/// Simulated time in whole milliseconds, the key of a change.
fn ms(t: f64) -> i64 {
    (t * 1000.0).round() as i64
}

/// One service's changes: for each (deployment, state), +1/−1 at the times tasks enter and
/// leave it.
type Deltas = BTreeMap<(u32, usize), BTreeMap<i64, i64>>;

/// The timelines of every service with tasks.
/// `tasks`: tasks.csv's rows of the services' tasks (others are not read) and how many rows the
/// file has.
pub fn timelines(
    tasks: Option<(&Table, usize)>,
    services: Option<&Table>,
    deployments: Option<&Table>,
    duration_s: f64,
    bucket_minutes: u64,
) -> Result<Timelines> {
    let (Some((tasks, task_count)), Some(services)) = (tasks, services) else {
        return Ok(Timelines { json: json!([]), sampled: false, task_count: tasks.map_or(0, |t| t.1) });
    };
    let sampled = task_count > TASKS_EXACT_MAX || bucket_minutes > 1;
    let step = 60_000 * bucket_minutes.max(1) as i64;
    let end = ms(duration_s);

    // Services in services.csv's order.
    let mut names: Vec<&str> = Vec::new();
    for row in &services.rows {
        let n = services.text(row, "service");
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let mut deltas: BTreeMap<&str, Deltas> = BTreeMap::new();
    for row in &tasks.rows {
        let owner = tasks.text(row, "owner");
        let Some(dep) = tasks.num(row, "deployment") else { continue };
        if !names.contains(&owner) {
            continue;
        }
        let t = |c: &str| tasks.num(row, c).map(ms);
        let (placed, running, stopping, stopped) = (t("placed_s"), t("running_s"), t("stopping_s"), t("stopped_s"));
        let Some(placed) = placed else { continue };
        let stopped = stopped.unwrap_or(i64::MAX);
        // PENDING until RUNNING (or the stop decision, or STOPPED); RUNNING until the stop
        // decision; STOPPING from the stop decision to STOPPED.
        let pending_end = [running, stopping, Some(stopped)].into_iter().flatten().min().unwrap_or(stopped);
        let spans = [
            (1usize, placed, pending_end),
            (0, running.unwrap_or(stopped), stopping.unwrap_or(stopped).min(stopped)),
            (2, stopping.unwrap_or(stopped), stopped),
        ];
        let d = deltas.entry(owner).or_default();
        for (state, from, to) in spans {
            if from < to {
                let s = d.entry((dep as u32, state)).or_default();
                *s.entry(from).or_default() += 1;
                if to != i64::MAX {
                    *s.entry(to).or_default() -= 1;
                }
            }
        }
    }

    let revisions = revisions(deployments);
    let mut out = Vec::new();
    for name in names {
        let Some(d) = deltas.get(name) else { continue };
        // The grid: every minute's start and the end; and every change when exact.
        let mut grid: BTreeSet<i64> = (0..=end / step).map(|m| m * step).filter(|t| *t <= end).collect();
        grid.insert(end);
        if !sampled {
            grid.extend(d.values().flat_map(|s| s.keys().copied()).filter(|t| *t <= end));
        }
        let x: Vec<i64> = grid.into_iter().collect();
        let mut series = Vec::new();
        for (&(dep, state), changes) in d {
            let mut level = 0i64;
            let mut it = changes.iter().peekable();
            let values: Vec<i64> = x
                .iter()
                .map(|t| {
                    while let Some((at, delta)) = it.peek() {
                        if **at > *t {
                            break;
                        }
                        level += **delta;
                        it.next();
                    }
                    level
                })
                .collect();
            if values.iter().all(|v| *v == 0) {
                continue;
            }
            let revision = revisions.get(&(name.to_string(), dep)).map_or(String::new(), |r| r.0.clone());
            series.push((dep, state, revision, values));
        }
        series.sort_by_key(|(dep, state, _, _)| (*state, *dep));
        let snapshots = snapshots(services, name, end);
        let at = |t: i64| snapshots.range(..=t).next_back().map(|(_, v)| *v);
        let desired: Vec<Value> = x.iter().map(|t| num_json(at(*t).map(|v| v.0))).collect();
        let healthy: Vec<Value> = x.iter().map(|t| num_json(at(*t).map(|v| v.1))).collect();
        // The primary deployment's bounds at each instant.
        let primary =
            |t: i64| revisions.iter().filter(|((s, _), r)| s == name && ms(r.1) <= t).max_by_key(|((_, d), _)| *d).map(|(_, r)| r);
        let bound = |t: i64, lower: bool| -> Option<f64> {
            let r = primary(t)?;
            let d = at(t)?.0;
            let pct = if lower { r.2? } else { r.3? };
            Some(if lower { (d * pct / 100.0).ceil() } else { (d * pct / 100.0).floor() })
        };
        let has_bounds = revisions.values().any(|r| r.2.is_some());
        out.push(json!({
            "service": name,
            "x": x.iter().map(|t| *t as f64 / 1000.0).collect::<Vec<_>>(),
            "series": series.iter().map(|(dep, state, rev, values)| json!({
                "deployment": dep, "revision": rev, "state": STATES[*state], "values": values,
            })).collect::<Vec<_>>(),
            "desired": desired,
            "healthy": healthy,
            "min_healthy": if has_bounds { x.iter().map(|t| num_json(bound(*t, true))).collect::<Vec<_>>() } else { Vec::new() },
            "max_in_flight": if has_bounds { x.iter().map(|t| num_json(bound(*t, false))).collect::<Vec<_>>() } else { Vec::new() },
        }));
    }
    Ok(Timelines { json: Value::Array(out), sampled, task_count })
}

/// deployments.csv by (service, deployment): task definition, start, minimum healthy and
/// maximum percent (absent in results written before those columns).
type Revisions = BTreeMap<(String, u32), (String, f64, Option<f64>, Option<f64>)>;

fn revisions(deployments: Option<&Table>) -> Revisions {
    let mut out = Revisions::new();
    if let Some(t) = deployments {
        for row in &t.rows {
            let Some(dep) = t.num(row, "deployment") else { continue };
            out.insert(
                (t.text(row, "service").to_string(), dep as u32),
                (
                    t.text(row, "task_definition").to_string(),
                    t.num(row, "started_s").unwrap_or(0.0),
                    t.num(row, "minimum_healthy_percent"),
                    t.num(row, "maximum_percent"),
                ),
            );
        }
    }
    out
}

/// A service's desired and healthy counts at each minute's end (services.csv), by time.
fn snapshots(services: &Table, name: &str, end: i64) -> BTreeMap<i64, (f64, f64)> {
    let mut out = BTreeMap::new();
    for row in &services.rows {
        if services.text(row, "service") != name {
            continue;
        }
        let Some(minute) = services.num(row, "minute") else { continue };
        let at = ((minute as i64 + 1) * 60_000).min(end);
        out.insert(at, (services.num(row, "desired").unwrap_or(0.0), services.num(row, "healthy").unwrap_or(0.0)));
    }
    out
}
