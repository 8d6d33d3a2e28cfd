//! The charts of one run, PNG and SVG side by side: one writer per chart (or per family of
//! charts drawn once per service). A writer whose subject the run did not model writes nothing.

use super::{slug, title};
use crate::report::chart::{self, FaultBand};
use crate::report::service_charts::{GanttRow, HealthEvent, ServiceLines, GANTT_MAX_INSTANCES};
use crate::report::summary::Summary;
use crate::report::{capacity_chart, scaling_chart, service_charts, traffic_chart};
use crate::sim::recorder::{EventKind, ServiceMinuteRow, TaskRow};
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

/// The rows of tasks.csv the task charts need, kept as tasks.csv streams by (`offer`), so that
/// a long run's rows are never all in memory; each chart draws the same picture as from all
/// rows.
pub struct ChartRows {
    /// The Gantt chart's: every task on the instances it shows, and of the others only what
    /// its legend (one `(owner, deployment)` pair each) and its time axis (the latest time)
    /// read — on instances it does not draw, so they draw no bar.
    /// Compact copies (`GanttRow`): a long run keeps every task of the instances drawn.
    pub gantt: Vec<GanttRow>,
    /// The deployment charts': the tasks of the services that deployed, in task order.
    pub services: ServiceRows,
    /// The `(owner, deployment)` pairs seen, by owner, with the owner's name the Gantt
    /// chart's rows share.
    pairs: std::collections::BTreeMap<String, (std::sync::Arc<str>, std::collections::BTreeSet<u32>)>,
    latest: Option<TaskRow>,
    deployed: Vec<String>,
}

/// The tasks of the services that deployed, with their task ids (the health events name ids).
#[derive(Default)]
pub struct ServiceRows {
    pub rows: Vec<TaskRow>,
    /// Task id → index in `rows`.
    pub index: std::collections::BTreeMap<usize, usize>,
}

impl ChartRows {
    pub fn new(outcome: &RunOutcome) -> ChartRows {
        let mut deployed: Vec<String> = outcome.recorder.deployments.iter().map(|d| d.service.clone()).collect();
        deployed.sort();
        deployed.dedup();
        ChartRows { gantt: Vec::new(), services: ServiceRows::default(), pairs: Default::default(), latest: None, deployed }
    }

    /// The next row of tasks.csv (rows come in task order): copied if a chart keeps it.
    pub fn offer(&mut self, row: &TaskRow) {
        if self.deployed.binary_search(&row.owner).is_ok() {
            let id: usize = row.task.trim_start_matches("t-").parse().unwrap_or(usize::MAX);
            self.services.index.insert(id, self.services.rows.len());
            self.services.rows.push(row.clone());
        }
        let (owner, new_pair) = match self.pairs.get_mut(row.owner.as_str()) {
            Some((owner, deployments)) => (owner.clone(), deployments.insert(row.deployment)),
            None => {
                let owner: std::sync::Arc<str> = row.owner.as_str().into();
                self.pairs.insert(row.owner.clone(), (owner.clone(), [row.deployment].into()));
                (owner, true)
            }
        };
        if (row.instance as usize) < GANTT_MAX_INSTANCES {
            self.gantt.push(GanttRow::of(row, owner));
            return;
        }
        let latest = self.latest.as_ref().is_none_or(|l| gantt_last_time(row) > gantt_last_time(l));
        match (new_pair, latest) {
            (true, true) => {
                self.latest = Some(row.clone());
                self.gantt.push(GanttRow::of(row, owner));
            }
            (true, false) => self.gantt.push(GanttRow::of(row, owner)),
            // Written over, not reallocated: the latest task changes often in a long run.
            (false, true) => self.latest.get_or_insert_with(TaskRow::default).clone_from(row),
            (false, false) => {}
        }
    }

    /// Every row has been offered: the latest-ending task joins the Gantt chart's rows.
    pub fn finish(mut self) -> ChartRows {
        if let Some(l) = self.latest.take() {
            let owner = self.pairs.get(l.owner.as_str()).map_or_else(|| l.owner.as_str().into(), |(owner, _)| owner.clone());
            self.gantt.push(GanttRow::of(&l, owner));
        }
        self
    }
}

/// What the Gantt chart's time axis reads of a row (`service_charts::Life::last_time`): the
/// stop, else RUNNING (when before the stop), else the placement.
fn gantt_last_time(r: &TaskRow) -> f64 {
    let placed = r.placed_s;
    let stopped = r.stopped_s.filter(|s| s.is_finite()).map(|s| s.max(placed));
    let serving_until = r.stopping_s.filter(|s| s.is_finite()).map(|s| s.max(placed)).or(stopped);
    let running = r.running_s.filter(|t| t.is_finite()).map(|t| t.max(placed)).filter(|&t| serving_until.is_none_or(|s| t < s));
    stopped.or(running).unwrap_or(placed)
}

/// tasks-gantt.png/.svg: every task's life on its instance (`rows`: `ChartRows::gantt`).
pub fn write_gantt_chart(dir: &Path, summary: &Summary, outcome: &RunOutcome, rows: &[GanttRow]) -> Result<()> {
    let end_s = summary.duration_s as f64;
    let labels: Vec<(String, String)> =
        outcome.cluster.instances.iter().map(|i| (i.ec2_instance_id.clone(), i.availability_zone.clone())).collect();
    service_charts::gantt_chart(rows, &labels, end_s, &dir.join("tasks-gantt.png"), &dir.join("tasks-gantt.svg"))
        .map_err(|e| anyhow::anyhow!("Gantt chart: {e}"))
}

/// service-<service>-deployments.png/.svg, one per service that deployed: its tasks by
/// deployment over time, its healthy tasks, desired count and deployment bounds (`rows`:
/// tasks.csv's rows).
pub fn write_deployment_charts(dir: &Path, summary: &Summary, outcome: &RunOutcome, service_rows: &ServiceRows) -> Result<()> {
    let end_s = summary.duration_s as f64;
    let deployments = &outcome.recorder.deployments;
    if deployments.is_empty() {
        return Ok(());
    }
    let rows = &service_rows.rows[..];
    // Health events of the kept tasks, naming them by their index in `rows`.
    let mut health: Vec<HealthEvent> = Vec::new();
    for e in outcome.recorder.events.iter() {
        let e = e.map_err(|e| anyhow::anyhow!("events: {e}"))?;
        let healthy = match e.kind {
            EventKind::Healthy => true,
            EventKind::Unhealthy => false,
            _ => continue,
        };
        let Some(&task) = e.task.and_then(|t| service_rows.index.get(&(t as usize))) else { continue };
        health.push(HealthEvent { time_s: e.time.as_secs_f64(), task, healthy });
    }
    // Of services.csv's rows, the chart draws each service's desired count where it changes:
    // those rows alone (the first of each service, then changes) draw the same steps.
    let mut desired_changes: Vec<ServiceMinuteRow> = Vec::new();
    let mut desired_now: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for r in outcome.recorder.service_minutes.try_iter() {
        let r = r.map_err(|e| anyhow::anyhow!("services' minutes: {e}"))?;
        if desired_now.get(&r.service) != Some(&r.desired) {
            desired_now.insert(r.service.clone(), r.desired);
            desired_changes.push(r);
        }
    }
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
        let lines = ServiceLines { minutes: &desired_changes, health: &health, bounds };
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
