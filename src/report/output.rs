//! Writes one run's results directory: summary.json, timeseries.csv, events.csv, the
//! reservation chart (PNG + SVG), and for services and load balancers their CSVs and charts. Every file is written to a temporary name and renamed, so
//! an interrupted run never leaves a half-written file; the directory is filled in full or
//! the error says which file failed.

use super::atomic::{write_atomic, write_atomic_with};
use super::summary::Summary;
use super::{capacity_chart, chart, scaling_chart, service_charts, traffic_chart};
use crate::sim::RunOutcome;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;

/// CSV text of `rows`, header first.
pub fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// Streams `rows` as CSV into `path`, atomically (events.csv can have millions of rows).
pub fn write_csv_rows<T: Serialize>(path: &Path, rows: impl Iterator<Item = T>) -> Result<()> {
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(w));
        for r in rows {
            csv.serialize(r).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes every output of one run into `dir` (created if missing).
pub fn write_run(dir: &Path, summary: &Summary, outcome: &RunOutcome) -> Result<()> {
    let minutes = &outcome.recorder.minutes;
    // One band per fault occurrence on the time-series charts.
    let faults = chart::FaultBand::from_rows(&outcome.fault_rows);
    let events = outcome.recorder.event_rows(&outcome.cluster);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut json = serde_json::to_vec_pretty(summary)?;
    json.push(b'\n');
    write_atomic(&dir.join("summary.json"), &json).context("summary.json")?;
    write_atomic(&dir.join("timeseries.csv"), &csv_bytes(minutes)?).context("timeseries.csv")?;
    write_csv_rows(&dir.join("events.csv"), events)?;
    let r = &outcome.recorder;
    if !r.service_minutes.is_empty() || !r.deployments.is_empty() {
        write_atomic(&dir.join("services.csv"), &csv_bytes(&r.service_minutes)?).context("services.csv")?;
        write_atomic(&dir.join("deployments.csv"), &csv_bytes(&r.deployments)?).context("deployments.csv")?;
    }
    if !outcome.scaling_rows.is_empty() {
        write_atomic(&dir.join("scaling.csv"), &csv_bytes(&outcome.scaling_rows)?).context("scaling.csv")?;
    }
    // One scaling chart per service that scales or watches alarms: desired vs running tasks
    // with the bands of its alarms in ALARM, and its CPU and memory utilization.
    for (service, alarms) in &outcome.service_alarms {
        let stem = format!("scaling-{}", slug(service));
        let title = format!("{}: service {service}", summary.scenario);
        scaling_chart::scaling_chart(
            service,
            &r.service_minutes,
            &outcome.alarm_rows,
            alarms,
            &outcome.scaling_rows,
            &faults,
            &title,
            &dir.join(format!("{stem}.png")),
            &dir.join(format!("{stem}.svg")),
        )
        .map_err(|e| anyhow::anyhow!("scaling chart of {service}: {e}"))?;
    }
    if !outcome.fault_rows.is_empty() {
        write_atomic(&dir.join("faults.csv"), &csv_bytes(&outcome.fault_rows)?).context("faults.csv")?;
    }
    if !outcome.alarm_rows.is_empty() {
        write_atomic(&dir.join("alarms.csv"), &csv_bytes(&outcome.alarm_rows)?).context("alarms.csv")?;
    }
    if !outcome.alarm_action_rows.is_empty() {
        write_atomic(&dir.join("alarm_actions.csv"), &csv_bytes(&outcome.alarm_action_rows)?).context("alarm_actions.csv")?;
    }
    if let Some(traffic) = &outcome.traffic {
        write_atomic(&dir.join("alb.csv"), &csv_bytes(&traffic.rows)?).context("alb.csv")?;
        let title = match &summary.variant {
            Some(v) => format!("{} — {v}: load balancer", summary.scenario),
            None => format!("{}: load balancer", summary.scenario),
        };
        traffic_chart::traffic_chart(&traffic.rows, minutes, &faults, &title, &dir.join("traffic.png"), &dir.join("traffic.svg"))
            .map_err(|e| anyhow::anyhow!("traffic chart: {e}"))?;
    }
    if !outcome.tasks.is_empty() {
        let rows = outcome.task_rows();
        write_atomic(&dir.join("tasks.csv"), &csv_bytes(&rows)?).context("tasks.csv")?;
        let end_s = summary.duration_s as f64;
        let labels: Vec<(String, String)> =
            outcome.cluster.instances.iter().map(|i| (i.ec2_instance_id.clone(), i.availability_zone.clone())).collect();
        service_charts::gantt_chart(&rows, &labels, end_s, &dir.join("tasks-gantt.png"), &dir.join("tasks-gantt.svg"))
            .map_err(|e| anyhow::anyhow!("Gantt chart: {e}"))?;
        // One "tasks by deployment" chart per service.
        let mut services: Vec<&str> = r.deployments.iter().map(|d| d.service.as_str()).collect();
        services.dedup();
        for service in services {
            let labels: Vec<String> = r
                .deployments
                .iter()
                .filter(|d| d.service == service)
                .map(|d| format!("ecs-svc/{} {}", d.deployment, d.task_definition))
                .collect();
            let stem = format!("service-{}-deployments", slug(service));
            service_charts::revisions_chart(
                &rows,
                service,
                &labels,
                end_s,
                &dir.join(format!("{stem}.png")),
                &dir.join(format!("{stem}.svg")),
            )
            .map_err(|e| anyhow::anyhow!("deployments chart of {service}: {e}"))?;
        }
    }
    if outcome.capacity.in_use {
        let title = match &summary.variant {
            Some(v) => format!("{} — {v}: capacity", summary.scenario),
            None => format!("{}: capacity", summary.scenario),
        };
        capacity_chart::capacity_chart(minutes, &r.service_minutes, &faults, &title, &dir.join("capacity.png"), &dir.join("capacity.svg"))
            .map_err(|e| anyhow::anyhow!("capacity chart: {e}"))?;
    }
    let title = match &summary.variant {
        Some(v) => format!("{} — {v}: reservation per zone", summary.scenario),
        None => format!("{}: reservation per zone", summary.scenario),
    };
    chart::reservation_chart(minutes, &faults, &title, &dir.join("reservation.png"), &dir.join("reservation.svg"))
        .map_err(|e| anyhow::anyhow!("chart: {e}"))?;
    Ok(())
}

/// A file or folder name for a variant or service: lowercase, spaces and punctuation as dashes.
pub fn slug(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}
