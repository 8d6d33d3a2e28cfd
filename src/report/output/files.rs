//! The tables and the summary of one run: one writer per file. A writer whose table the run
//! did not produce (no services, no scaling, no faults, …) writes nothing.

use super::csv_row::CsvRows;
use super::{csv_bytes, write_csv_rows, ChartRows};
use crate::report::atomic::{write_atomic, write_atomic_with};
use crate::report::summary::Summary;
use crate::sim::recorder::{EventRowRef, InstanceRow, TaskRow};
use crate::sim::RunOutcome;
use anyhow::{Context, Result};
use std::path::Path;

/// summary.json: the run's headline figures, pretty-printed, with a final newline.
pub fn write_summary_json(dir: &Path, summary: &Summary) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(summary)?;
    json.push(b'\n');
    write_atomic(&dir.join("summary.json"), &json).context("summary.json")
}

/// timeseries.csv: reservation per zone and for the cluster, one row per minute, streamed from
/// the run's row log (every minute, however long the run).
pub fn write_timeseries_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    write_csv_rows(&dir.join("timeseries.csv"), outcome.recorder.minutes.try_iter())
}

/// events.csv: every recorded event, streamed (it can have millions of rows) through the
/// hand-written encoder (`csv_row`: the csv crate's bytes, a fraction of its time).
pub fn write_events_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    write_events_csv_with(dir, outcome, |_| {})
}

/// [`write_events_csv`], handing each row to `also` as it is written (report.html's events
/// table and cluster marks take them there instead of reading the file back).
pub fn write_events_csv_with(dir: &Path, outcome: &RunOutcome, mut also: impl FnMut(&EventRowRef)) -> Result<()> {
    let path = dir.join("events.csv");
    write_atomic_with(&path, |w| {
        let mut csv = CsvRows::new(w);
        outcome.recorder.for_each_event_row(&outcome.cluster, |row| {
            also(row);
            encode_event(&mut csv, row);
            csv.end_row()
        })?;
        csv.finish().map(drop)
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// events.csv's columns: `EventRowRef`'s fields, in order.
const EVENT_COLUMNS: [&str; 10] = ["time_s", "time", "event", "task", "workload", "group", "instance", "zone", "reason", "detail"];

/// One row of events.csv, as `csv::Writer::serialize` writes an `EventRowRef` (header first).
pub(super) fn encode_event<W: std::io::Write>(csv: &mut CsvRows<W>, row: &EventRowRef) {
    csv.header(&EVENT_COLUMNS);
    csv.f64(row.time_s);
    for text in [row.time, row.event.as_str(), row.task, row.workload, row.group, row.instance, row.zone, row.reason, row.detail] {
        csv.str(text);
    }
}

/// tasks.csv's columns: `TaskRow`'s fields, in order.
const TASK_COLUMNS: [&str; 19] = [
    "task",
    "owner",
    "task_definition",
    "deployment",
    "instance",
    "placed_s",
    "running_s",
    "stopping_s",
    "stopped_s",
    "stop_code",
    "capacity_provider",
    "healthy_s",
    "draining_s",
    "sigterm_s",
    "cpu_units",
    "memory_mib",
    "revision",
    "instance_id",
    "zone",
];

/// One row of tasks.csv, as `csv::Writer::serialize` writes a `TaskRow` (header first).
pub(super) fn encode_task<W: std::io::Write>(csv: &mut CsvRows<W>, r: &TaskRow) {
    csv.header(&TASK_COLUMNS);
    csv.str(&r.task);
    csv.str(&r.owner);
    csv.u64(r.task_definition.into());
    csv.u64(r.deployment.into());
    csv.u64(r.instance.into());
    csv.f64(r.placed_s);
    csv.opt_f64(r.running_s);
    csv.opt_f64(r.stopping_s);
    csv.opt_f64(r.stopped_s);
    csv.str(&r.stop_code);
    csv.str(&r.capacity_provider);
    csv.opt_f64(r.healthy_s);
    csv.opt_f64(r.draining_s);
    csv.opt_f64(r.sigterm_s);
    csv.u64(r.cpu_units.into());
    csv.u64(r.memory_mib.into());
    csv.str(&r.revision);
    csv.str(&r.instance_id);
    csv.str(&r.zone);
}

/// services.csv (per service and minute) and deployments.csv, for a run with services.
pub fn write_services_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    let r = &outcome.recorder;
    if !r.service_minutes.is_empty() || !r.deployments.is_empty() {
        write_csv_rows(&dir.join("services.csv"), r.service_minutes.try_iter())?;
        write_atomic(&dir.join("deployments.csv"), &csv_bytes(&r.deployments)?).context("deployments.csv")?;
    }
    Ok(())
}

/// scaling.csv: every scaling decision, for a run that made any.
pub fn write_scaling_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    if !outcome.scaling_rows.is_empty() {
        write_atomic(&dir.join("scaling.csv"), &csv_bytes(&outcome.scaling_rows)?).context("scaling.csv")?;
    }
    Ok(())
}

/// faults.csv: one row per fault occurrence and service it hit, for a run with faults.
pub fn write_faults_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    if !outcome.fault_rows.is_empty() {
        write_atomic(&dir.join("faults.csv"), &csv_bytes(&outcome.fault_rows)?).context("faults.csv")?;
    }
    Ok(())
}

/// alarms.csv: every alarm state change, for a run with alarms.
pub fn write_alarms_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    if !outcome.alarm_rows.is_empty() {
        write_atomic(&dir.join("alarms.csv"), &csv_bytes(&outcome.alarm_rows)?).context("alarms.csv")?;
    }
    Ok(())
}

/// alarm_actions.csv: every action an alarm invoked, for a run where one did.
pub fn write_alarm_actions_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    if !outcome.alarm_action_rows.is_empty() {
        write_atomic(&dir.join("alarm_actions.csv"), &csv_bytes(&outcome.alarm_action_rows)?).context("alarm_actions.csv")?;
    }
    Ok(())
}

/// alb.csv: the load balancers' per-minute metrics, for a run with load balancers.
pub fn write_alb_csv(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    if let Some(traffic) = &outcome.traffic {
        write_atomic(&dir.join("alb.csv"), &csv_bytes(&traffic.rows)?).context("alb.csv")?;
    }
    Ok(())
}

/// tasks.csv: one row per task of the run (`RunOutcome::for_each_task_row`), streamed through
/// the hand-written encoder; returns the rows the task charts draw (`ChartRows`).
pub fn write_tasks_csv(dir: &Path, outcome: &RunOutcome) -> Result<ChartRows> {
    write_tasks_csv_with(dir, outcome, |_| {})
}

/// [`write_tasks_csv`], handing each row to `also` as it is written (the page's cluster takes
/// them there instead of reading the file back).
pub fn write_tasks_csv_with(dir: &Path, outcome: &RunOutcome, mut also: impl FnMut(&TaskRow)) -> Result<ChartRows> {
    let mut keep = ChartRows::new(outcome);
    write_atomic_with(&dir.join("tasks.csv"), |w| {
        let mut csv = CsvRows::new(w);
        let mut failed = None;
        outcome.for_each_task_row(|row| {
            if failed.is_none() {
                encode_task(&mut csv, row);
                failed = csv.end_row().err();
                also(row);
                keep.offer(row);
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        csv.finish().map(drop)
    })
    .context("tasks.csv")?;
    Ok(keep)
}

/// instances.csv: one row per container instance of the run (`RunOutcome::instance_rows`), for
/// the animated cluster of report.html.
pub fn write_instances_csv(dir: &Path, rows: &[InstanceRow]) -> Result<()> {
    write_atomic(&dir.join("instances.csv"), &csv_bytes(rows)?).context("instances.csv")
}
