//! The charts of one run, PNG and SVG side by side: one writer per chart (or per family of
//! charts drawn once per service). A writer whose subject the run did not model writes nothing.

use super::{slug, title};
use crate::report::chart::{self, FaultBand};
use crate::report::service_charts::{HealthEvent, ServiceLines};
use crate::report::summary::Summary;
use crate::report::{capacity_chart, scaling_chart, service_charts, traffic_chart};
use crate::sim::recorder::{EventKind, TaskRow};
use crate::sim::RunOutcome;
use anyhow::Result;
use std::path::Path;

/// scaling-<service>.png/.svg, one per service that scales or watches alarms: desired vs
/// running tasks with the bands of its alarms in ALARM, and its CPU and memory utilization.
pub fn write_scaling_charts(dir: &Path, summary: &Summary, outcome: &RunOutcome, faults: &[FaultBand]) -> Result<()> {
    for (service, alarms) in &outcome.service_alarms {
        let stem = format!("scaling-{}", slug(service));
        let title = format!("{}: service {service} — tasks, alarms, utilization and scaling targets", summary.scenario);
        let targets = outcome.service_settings.iter().find(|s| s.service == *service).map_or(&[][..], |s| &s.targets[..]);
        scaling_chart::scaling_chart(
            service,
            &outcome.recorder.service_minutes,
            &outcome.alarm_rows,
            alarms,
            &outcome.scaling_rows,
            targets,
            faults,
            &title,
            &dir.join(format!("{stem}.png")),
            &dir.join(format!("{stem}.svg")),
        )
        .map_err(|e| anyhow::anyhow!("scaling chart of {service}: {e}"))?;
    }
    Ok(())
}

/// traffic.png/.svg: the load balancers' requests, errors and latency, for a run with them.
pub fn write_traffic_chart(dir: &Path, summary: &Summary, outcome: &RunOutcome, faults: &[FaultBand]) -> Result<()> {
    if let Some(traffic) = &outcome.traffic {
        let title = title(summary, "load balancer");
        traffic_chart::traffic_chart(
            &traffic.rows,
            &outcome.recorder.minutes,
            faults,
            &title,
            &dir.join("traffic.png"),
            &dir.join("traffic.svg"),
        )
        .map_err(|e| anyhow::anyhow!("traffic chart: {e}"))?;
    }
    Ok(())
}

/// tasks-gantt.png/.svg: every task's life on its instance (`rows`: tasks.csv's rows).
pub fn write_gantt_chart(dir: &Path, summary: &Summary, outcome: &RunOutcome, rows: &[TaskRow]) -> Result<()> {
    let end_s = summary.duration_s as f64;
    let labels: Vec<(String, String)> =
        outcome.cluster.instances.iter().map(|i| (i.ec2_instance_id.clone(), i.availability_zone.clone())).collect();
    service_charts::gantt_chart(rows, &labels, end_s, &dir.join("tasks-gantt.png"), &dir.join("tasks-gantt.svg"))
        .map_err(|e| anyhow::anyhow!("Gantt chart: {e}"))
}

/// service-<service>-deployments.png/.svg, one per service that deployed: its tasks by
/// deployment over time, its healthy tasks, desired count and deployment bounds (`rows`:
/// tasks.csv's rows).
pub fn write_deployment_charts(dir: &Path, summary: &Summary, outcome: &RunOutcome, rows: &[TaskRow]) -> Result<()> {
    let end_s = summary.duration_s as f64;
    let health: Vec<HealthEvent> = outcome
        .recorder
        .events
        .iter()
        .filter_map(|e| {
            let healthy = match e.kind {
                EventKind::Healthy => true,
                EventKind::Unhealthy => false,
                _ => return None,
            };
            Some(HealthEvent { time_s: e.time.as_secs_f64(), task: e.task? as usize, healthy })
        })
        .collect();
    let deployments = &outcome.recorder.deployments;
    let mut services: Vec<&str> = deployments.iter().map(|d| d.service.as_str()).collect();
    services.dedup();
    for service in services {
        let labels: Vec<String> = deployments
            .iter()
            .filter(|d| d.service == service)
            .map(|d| format!("ecs-svc/{} {}", d.deployment, d.task_definition))
            .collect();
        let stem = format!("service-{}-deployments", slug(service));
        let bounds = outcome.service_settings.iter().find(|s| s.service == service).map(|s| (s.minimum_healthy_percent, s.maximum_percent));
        let lines = ServiceLines { minutes: &outcome.recorder.service_minutes, health: &health, bounds };
        service_charts::revisions_chart(
            rows,
            service,
            &labels,
            end_s,
            &lines,
            &dir.join(format!("{stem}.png")),
            &dir.join(format!("{stem}.svg")),
        )
        .map_err(|e| anyhow::anyhow!("deployments chart of {service}: {e}"))?;
    }
    Ok(())
}

/// capacity.png/.svg: instances per zone, tasks and cost, for a run with capacity providers
/// or Auto Scaling groups.
pub fn write_capacity_chart(dir: &Path, summary: &Summary, outcome: &RunOutcome, faults: &[FaultBand]) -> Result<()> {
    if outcome.capacity.in_use {
        let title = title(summary, "capacity");
        capacity_chart::capacity_chart(
            &outcome.recorder.minutes,
            &outcome.recorder.service_minutes,
            faults,
            &title,
            &dir.join("capacity.png"),
            &dir.join("capacity.svg"),
        )
        .map_err(|e| anyhow::anyhow!("capacity chart: {e}"))?;
    }
    Ok(())
}

/// reservation.png/.svg: CPU and memory reservation per zone and for the cluster; every run
/// has it.
pub fn write_reservation_chart(dir: &Path, summary: &Summary, outcome: &RunOutcome, faults: &[FaultBand]) -> Result<()> {
    let title = title(summary, "reservation per zone");
    chart::reservation_chart(&outcome.recorder.minutes, faults, &title, &dir.join("reservation.png"), &dir.join("reservation.svg"))
        .map_err(|e| anyhow::anyhow!("chart: {e}"))
}
