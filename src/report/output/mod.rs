//! Writes one run's results directory, one writer per file: summary.json, timeseries.csv and
//! events.csv (`files`), the service, scaling, fault, alarm, load-balancer and task tables
//! (`files`), and the charts (`charts`); a scenario's variants add comparison.csv and its chart
//! (`comparison`); report.html (`super::html`) last, from the files and the rows of the two
//! big tables as they were written. A run's files are written on four threads, each file by
//! one of them (`write_run_with`). Every file is written to a temporary name and renamed, so an interrupted run
//! never leaves a half-written file; [`write_run`] fills the directory in full or the error says
//! which file failed.

mod charts;
mod comparison;
mod csv_row;
mod files;
mod lesson;

pub use charts::{
    write_capacity_chart, write_deployment_charts, write_gantt_chart, write_reservation_chart, write_scaling_charts, write_traffic_chart,
    ChartRows, ServiceRows,
};
pub use comparison::{comparison_rows, write_comparison_chart, write_comparison_csv, ComparisonRow};
pub use files::{
    write_alarm_actions_csv, write_alarms_csv, write_alb_csv, write_events_csv, write_events_csv_with, write_faults_csv,
    write_instances_csv, write_scaling_csv, write_services_csv, write_summary_json, write_tasks_csv, write_tasks_csv_with,
    write_timeseries_csv,
};
pub use lesson::{lesson_json, write_lesson_json};

use super::atomic::write_atomic_with;
use super::chart::FaultBand;
use super::html;
use super::summary::Summary;
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

/// Streams `rows` as CSV into `path`, atomically (events.csv can have millions of rows, read
/// back from the run's temporary files: a row that cannot be read fails the file).
pub fn write_csv_rows<T: Serialize>(path: &Path, rows: impl Iterator<Item = std::io::Result<T>>) -> Result<()> {
    write_atomic_with(path, |w| {
        let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(w));
        for r in rows {
            csv.serialize(r?).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// Which result files a run writes (`ecsim run --outputs`): everything by default; a run
/// that only feeds a script or a benchmark can skip the charts and the page, or keep only
/// summary.json. The files written are the same bytes whichever set they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outputs {
    /// Every file: summary.json, lesson.json, the CSV files, the charts and report.html.
    #[default]
    All,
    /// summary.json, lesson.json and the CSV files; no chart, no report.html.
    Data,
    /// summary.json and lesson.json only.
    Summary,
}

impl Outputs {
    fn csv(self) -> bool {
        self != Outputs::Summary
    }
    fn charts(self) -> bool {
        self == Outputs::All
    }
}

/// Writes every output of one run into `dir` (created if missing). Which files a run has
/// depends on what it modelled (services, scaling, faults, load balancers, capacity); each
/// writer below decides for its own file and writes nothing when it has nothing to say.
pub fn write_run(dir: &Path, summary: &Summary, outcome: &RunOutcome) -> Result<()> {
    write_run_with(dir, summary, outcome, Outputs::All)
}

/// [`write_run`], writing only the files of `outputs`.
pub fn write_run_with(dir: &Path, summary: &Summary, outcome: &RunOutcome, outputs: Outputs) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_summary_json(dir, summary)?;
    write_lesson_json(dir, summary)?;
    if !outputs.csv() {
        return Ok(());
    }
    if !outputs.charts() {
        return write_data(dir, outcome);
    }
    // One band per fault occurrence on the time-series charts.
    let faults = FaultBand::from_rows(&outcome.fault_rows);
    // Each file is written by one thread, so its bytes do not depend on the schedule.
    // - events.csv, the biggest file, from the start on a thread of its own, feeding the
    //   page's events table (which needs nothing else);
    // - this thread: instances.csv, then tasks.csv (the page's cluster reads them in that
    //   order), handing every task row to the page as it goes, then the cluster's marks from
    //   the few event rows that can be one, which the events thread kept (a mark needs the
    //   tasks, so it is taken once both are done);
    // - the smaller tables and the time-series charts on a third thread, and the two task
    //   charts, from the rows tasks.csv kept, on a fourth.
    // The page comes once the tables are written, while the task charts may still be drawn.
    std::thread::scope(|scope| -> Result<()> {
        let events = scope.spawn(|| -> Result<(html::EventsFeed, html::MarkRows)> {
            let (mut table, mut marks) = (html::EventsFeed::new(), html::MarkRows::new());
            write_events_csv_with(dir, outcome, |row| {
                table.event(row);
                marks.offer(row);
            })?;
            Ok((table, marks))
        });
        let tables = scope.spawn(|| -> Result<()> {
            write_timeseries_csv(dir, outcome)?;
            write_services_csv(dir, outcome)?;
            write_scaling_csv(dir, outcome)?;
            write_scaling_charts(dir, summary, outcome, &faults)?;
            write_faults_csv(dir, outcome)?;
            write_alarms_csv(dir, outcome)?;
            write_alarm_actions_csv(dir, outcome)?;
            write_alb_csv(dir, outcome)?;
            write_traffic_chart(dir, summary, outcome, &faults)?;
            write_capacity_chart(dir, summary, outcome, &faults)?;
            write_reservation_chart(dir, summary, outcome, &faults)
        });
        let mut task_charts = None;
        let this = (|| -> Result<html::RunFeed> {
            let instance_rows = outcome.instance_rows();
            write_instances_csv(dir, &instance_rows)?;
            let tasks = if outcome.tasks.is_empty() {
                html::prepare_run(dir)?
            } else {
                // tasks.csv is streamed; the two task charts keep only the rows they draw.
                let mut feed = html::run_tasks_feed(instance_rows, &outcome.cluster);
                let rows = write_tasks_csv_with(dir, outcome, |row| feed.row(row))?.finish();
                task_charts = Some(scope.spawn(move || -> Result<()> {
                    write_gantt_chart(dir, summary, outcome, &rows.gantt)?;
                    write_deployment_charts(dir, summary, outcome, &rows.services)
                }));
                html::run_tasks_from(dir, feed)?
            };
            Ok(html::RunFeed::new(tasks))
        })();
        // Every thread runs to its end; the errors in a fixed order, so the message does not
        // depend on which finished first.
        let events = events.join().map_err(|_| anyhow::anyhow!("the thread writing events.csv panicked"));
        let tables = tables.join().map_err(|_| anyhow::anyhow!("the thread writing the tables panicked"));
        // The page, from the files above and the rows it took (`ecsim report DIR` rebuilds the
        // same bytes from the files alone), while the task charts are still being drawn: it
        // reads no chart.
        let page = (|| -> Result<()> {
            let (mut page, (events, marks)) = (this?, events??);
            // The cluster's marks: the rows the events thread kept, or (too many to keep) the
            // events read again, the rows that cannot be a mark skipped unformatted.
            if page.takes_marks() && !marks.replay(&mut page) {
                let cluster = &outcome.cluster;
                (outcome.recorder.for_each_event_row_where(cluster, html::RunFeed::mark_wanted, |row| {
                    page.mark(row);
                    Ok(())
                }))
                .context("events.csv")?;
            }
            tables??;
            html::write_run_report(dir, page, events).map(drop)
        })();
        let task_charts = task_charts.map(|t| t.join().map_err(|_| anyhow::anyhow!("the thread drawing the task charts panicked")));
        page?;
        task_charts.transpose()?.transpose()?;
        Ok(())
    })
}

/// The CSV files of [`write_run`] without the charts and the page: events.csv on a thread of
/// its own, the others on this one, each file by one thread (the same bytes whatever the
/// schedule); the first error in a fixed order.
fn write_data(dir: &Path, outcome: &RunOutcome) -> Result<()> {
    std::thread::scope(|scope| -> Result<()> {
        let events = scope.spawn(|| write_events_csv(dir, outcome));
        let rest = (|| -> Result<()> {
            write_timeseries_csv(dir, outcome)?;
            write_services_csv(dir, outcome)?;
            write_scaling_csv(dir, outcome)?;
            write_faults_csv(dir, outcome)?;
            write_alarms_csv(dir, outcome)?;
            write_alarm_actions_csv(dir, outcome)?;
            write_alb_csv(dir, outcome)?;
            if !outcome.tasks.is_empty() {
                write_tasks_csv(dir, outcome)?;
            }
            write_instances_csv(dir, &outcome.instance_rows())
        })();
        let events = events.join().map_err(|_| anyhow::anyhow!("the thread writing events.csv panicked"))?;
        rest?;
        events
    })
}

/// A file or folder name for a variant or service: lowercase, spaces and punctuation as dashes.
pub fn slug(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-")
}

/// The title of a run's chart: the scenario, the variant if any, and what the chart shows.
fn title(summary: &Summary, what: &str) -> String {
    match &summary.variant {
        Some(v) => format!("{} — {v}: {what}", summary.scenario),
        None => format!("{}: {what}", summary.scenario),
    }
}
