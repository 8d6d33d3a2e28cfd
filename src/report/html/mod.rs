//! report.html: one self-contained page built from the files of a results directory alone
//! (a run's, a sweep's, or a scenario's variants'), so that `ecsim report DIR` rebuilds it for
//! any directory and `ecsim run` / `ecsim sweep` write it as their last file. Scripts, styles and
//! data are inline (the vendored uPlot charting library, `assets/report/`), nothing is loaded
//! from the network, and the same directory gives the same bytes. (`ecsim run` hands the page
//! the rows of tasks.csv and events.csv as it writes them — `TasksFeed`, `RunFeed` — rather
//! than have it read back what was just written; the bytes are the same.) The parts: `read` (CSV and
//! JSON files), `verdicts` (the plain sentences at the top), `story` (a lesson's steps),
//! `series` (the panels' time series), `deploy` (the deployment timelines), `events` (the events
//! table), `sweep` and `variants` (the other kinds of directory), `page` (the template),
//! `cluster` (the animated cluster, its own section).

mod cluster;
mod deploy;
mod events;
mod page;
mod read;
mod series;
mod story;
mod sweep;
mod thin;
mod variants;
mod verdicts;

#[cfg(test)]
mod tests;

use crate::ecs::cluster::Cluster;
use crate::sim::recorder::{EventKind, EventRowRef, InstanceRow};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

pub use cluster::TasksFeed;
pub use page::escape_html;

/// A section of the page contributed by another part of the report (the animated cluster): its
/// HTML, its script (run after the page's own), and its data (inlined as JSON in
/// `<script type="application/json" id="cluster-data">`).
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub html: String,
    pub script: String,
    pub data_json: String,
}

/// Beyond these sizes the page aggregates or samples, and says so (docs/report.md, "Large runs").
pub mod limits {
    /// More tasks than this in tasks.csv: the deployment timelines are sampled at each minute's
    /// start instead of following every task's every change.
    pub const TASKS_EXACT_MAX: usize = 2_000;
    /// More events than this in events.csv: the events table holds the first
    /// [`EVENTS_SHOWN_WHEN_LARGE`] rows, and the counts by kind cover them all.
    pub const EVENTS_ALL_MAX: usize = 20_000;
    /// The rows the events table keeps of a large run.
    pub const EVENTS_SHOWN_WHEN_LARGE: usize = 5_000;
}

/// The name of the page in a results directory.
pub const REPORT_FILE: &str = "report.html";

/// What kind of results directory `dir` is, from the files it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ecsim run` of one scenario (or one variant's folder): summary.json and the tables.
    Run,
    /// `ecsim sweep` / `ecsim merge`: runs.csv, cells.csv, cells.json, sweep.json.
    Sweep,
    /// `ecsim run` of a scenario with variants: comparison.csv and one folder per variant.
    Variants,
}

/// The kind of results directory `dir` is, or an error naming the file that is missing.
pub fn kind(dir: &Path) -> Result<Kind> {
    if !dir.is_dir() {
        anyhow::bail!("{} is not a directory", dir.display());
    }
    if dir.join("summary.json").is_file() {
        Ok(Kind::Run)
    } else if dir.join("cells.json").is_file() {
        Ok(Kind::Sweep)
    } else if dir.join("comparison.csv").is_file() {
        Ok(Kind::Variants)
    } else {
        anyhow::bail!(
            "{} is not a results directory: summary.json is missing (a run's), and so are cells.json (a sweep's) and comparison.csv (a scenario's variants')",
            dir.display()
        )
    }
}

/// The bytes of report.html for the results directory `dir`.
pub fn build(dir: &Path) -> Result<String> {
    match kind(dir)? {
        Kind::Run => run_page(dir).map(|page| page.render()),
        Kind::Sweep => sweep::page(dir),
        Kind::Variants => variants::page(dir),
    }
}

/// Builds report.html for `dir` and writes it there (atomically); answers its path.
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    let html = build(dir).with_context(|| format!("cannot build the report of {}", dir.display()))?;
    let path = dir.join(REPORT_FILE);
    super::atomic::write_atomic(&path, html.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// What a run's page reads of tasks.csv, instances.csv and summary.json (the animated
/// cluster's instances and tasks), read ahead: `ecsim run` reads it on a second thread while
/// the first still writes events.csv and the charts ([`prepare_run`], then
/// [`write_run_report`]); the page is the same bytes as [`write_report`]'s.
#[derive(Debug)]
pub struct RunTasks(Option<cluster::ClusterData>);

/// Reads ahead what the page of the run in `dir` needs of tasks.csv, instances.csv and
/// summary.json (those files must be written already).
pub fn prepare_run(dir: &Path) -> Result<RunTasks> {
    cluster::ClusterData::read_tasks(dir).map(RunTasks).with_context(|| format!("cannot build the report of {}", dir.display()))
}

/// Ready to take tasks.csv's rows from its writer, with instances.csv's rows as the run wrote
/// them from `cluster` (its instances that are not Fargate's, in ordinal order);
/// [`run_tasks_from`] then gives what [`prepare_run`] would read.
pub fn run_tasks_feed(instances: Vec<InstanceRow>, cluster: &Cluster) -> cluster::TasksFeed {
    cluster::ClusterData::feed_from_rows(instances).with_ordinals(cluster.instances.iter().map(|i| !i.fargate))
}

/// What [`prepare_run`] reads, from the rows `feed` took as tasks.csv was written.
pub fn run_tasks_from(dir: &Path, feed: cluster::TasksFeed) -> Result<RunTasks> {
    let data = cluster::ClusterData::from_feed(dir, feed).with_context(|| format!("cannot build the report of {}", dir.display()))?;
    Ok(RunTasks(Some(data)))
}

/// The events table of a run's page, taking events.csv's rows as `ecsim run` writes them. It
/// needs nothing of tasks.csv, so the thread writing events.csv feeds it while another writes
/// tasks.csv; the run does not read back the file it has just written.
pub struct EventsFeed(events::Table);

impl EventsFeed {
    pub fn new() -> EventsFeed {
        EventsFeed(events::Table::new())
    }

    /// The next row of events.csv.
    pub fn event(&mut self, row: &EventRowRef) {
        self.0.event(row);
    }
}

impl Default for EventsFeed {
    fn default() -> Self {
        EventsFeed::new()
    }
}

/// A run's page after tasks.csv's rows ([`RunTasks`]), taking the cluster's marks from
/// events.csv's rows ([`RunFeed::mark`], only the rows [`RunFeed::mark_wanted`] keeps);
/// [`write_run_report`] then writes the page with the events table ([`EventsFeed`]).
pub struct RunFeed {
    cluster: Option<cluster::ClusterData>,
    marks: Option<cluster::EventMarks>,
}

impl RunFeed {
    pub fn new(tasks: RunTasks) -> RunFeed {
        let marks = tasks.0.as_ref().map(cluster::EventMarks::for_run);
        RunFeed { cluster: tasks.0, marks }
    }

    /// Whether the page draws a cluster, so takes marks at all.
    pub fn takes_marks(&self) -> bool {
        self.cluster.is_some() && self.marks.is_some()
    }

    /// Whether a row of this kind, with an explanation or without, can be a mark or a drawn
    /// task's explanation: the rows [`RunFeed::mark`] would skip need not be formatted.
    pub fn mark_wanted(kind: EventKind, has_detail: bool) -> bool {
        cluster::EventMarks::wants(kind.as_str(), has_detail)
    }

    /// The next row of events.csv that [`RunFeed::mark_wanted`] keeps (any other is skipped
    /// here too).
    pub fn mark(&mut self, row: &EventRowRef) {
        if let (Some(c), Some(m)) = (self.cluster.as_mut(), &self.marks) {
            m.event(c, row);
        }
    }
}

/// The rows of events.csv that [`RunFeed::mark_wanted`] keeps, copied as the thread writing
/// events.csv meets them, so that the page need not read the run's events a second time (at
/// 500,000 instances that second pass was a quarter of a second). At most `MAX_KEPT` rows:
/// past that the copy is dropped and the caller reads the events again, so memory stays
/// bounded whatever the run's length.
#[derive(Debug, Default)]
pub struct MarkRows {
    rows: Option<Vec<KeptRow>>,
}

/// The fields of an events.csv row [`RunFeed::mark`] reads.
#[derive(Debug)]
struct KeptRow {
    time_s: f64,
    event: EventKind,
    task: String,
    workload: String,
    reason: String,
    detail: String,
}

impl MarkRows {
    /// Rows kept at most (a few MB).
    pub const MAX_KEPT: usize = 50_000;

    pub fn new() -> MarkRows {
        MarkRows { rows: Some(Vec::new()) }
    }

    /// The next row of events.csv: kept when it may be a mark.
    pub fn offer(&mut self, r: &EventRowRef) {
        let Some(rows) = self.rows.as_mut() else { return };
        if !RunFeed::mark_wanted(r.event, !r.detail.is_empty()) {
            return;
        }
        if rows.len() == Self::MAX_KEPT {
            self.rows = None;
            return;
        }
        let own = |s: &str| s.to_string();
        rows.push(KeptRow {
            time_s: r.time_s,
            event: r.event,
            task: own(r.task),
            workload: own(r.workload),
            reason: own(r.reason),
            detail: own(r.detail),
        });
    }

    /// Hands every kept row to `feed`, in events.csv's order; false (nothing handed) when there
    /// were too many to keep.
    pub fn replay(&self, feed: &mut RunFeed) -> bool {
        let Some(rows) = &self.rows else { return false };
        for k in rows {
            feed.mark(&EventRowRef {
                time_s: k.time_s,
                time: "",
                event: k.event,
                task: &k.task,
                workload: &k.workload,
                group: "",
                instance: "",
                zone: "",
                reason: &k.reason,
                detail: &k.detail,
            });
        }
        true
    }
}

/// [`write_report`] for a run's directory, with tasks.csv's and events.csv's rows taken as
/// they were written ([`RunFeed`], [`EventsFeed`]).
pub fn write_run_report(dir: &Path, feed: RunFeed, events: EventsFeed) -> Result<PathBuf> {
    let page = (events.0.finish())
        .and_then(|events| run_page_with(dir, feed.cluster, Some(events)))
        .with_context(|| format!("cannot build the report of {}", dir.display()))?;
    let path = dir.join(REPORT_FILE);
    super::atomic::write_atomic_with(&path, |w| page.write_to(w)).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// A run's page, its parts made and not yet joined: written straight to report.html
/// (`write_to`), or rendered as one string (`render`).
struct RunPage {
    title: String,
    body: String,
    /// The page's data object before and after the events table's JSON.
    data_head: String,
    data_tail: String,
    events: events::Events,
    cluster: Option<Section>,
}

impl RunPage {
    fn write_to(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        page::render_to(&self.page(&self.data()), out)
    }

    fn render(&self) -> String {
        page::render(&self.page(&self.data()))
    }

    fn data(&self) -> [&str; 5] {
        let [head, rows, tail] = self.events.json_parts();
        [&self.data_head, head, rows, tail, &self.data_tail]
    }

    fn page<'a>(&'a self, data: &'a [&'a str]) -> page::Page<'a> {
        page::Page { title: &self.title, body: &self.body, data, script: page::RUN_SCRIPT, cluster: self.cluster.as_ref() }
    }
}

/// The page of one run: verdicts, the lesson's story, the cluster, the deployments, the panels
/// and the events, in that order.
fn run_page(dir: &Path) -> Result<RunPage> {
    run_page_with(dir, cluster::ClusterData::read_tasks(dir)?, None)
}

/// [`run_page`] with the cluster's tasks already read (`ClusterData::read_tasks`), and with
/// the events table and the cluster's marks already taken from events.csv's rows (`events`:
/// None to read them from the file).
fn run_page_with(dir: &Path, mut cluster_data: Option<cluster::ClusterData>, events: Option<events::Events>) -> Result<RunPage> {
    let summary = read::json(dir, "summary.json")?;
    let duration_s = summary.get("duration_s").and_then(|v| v.as_f64()).unwrap_or(0.0);
    // A long run's panels are drawn in buckets of whole minutes, read streaming (`thin`).
    let minutes = (duration_s.max(0.0) / 60.0).ceil() as u64;
    let bucket = thin::bucket_minutes(minutes);
    let (timeseries, services, service_changes) = if bucket == 1 {
        (series::Minutes::read(dir)?, read::Table::read_optional(dir, "services.csv")?, None)
    } else {
        let has_services = dir.join("services.csv").is_file();
        let services = has_services.then(|| thin::bucketed(dir, "services.csv", "service", bucket)).transpose()?;
        let changes = has_services.then(|| thin::changes(dir, "services.csv", "service", &["desired", "healthy"])).transpose()?;
        (series::Minutes::of(&thin::bucketed(dir, "timeseries.csv", "zone", bucket)?), services, changes)
    };
    let deployments = read::Table::read_optional(dir, "deployments.csv")?;
    let faults = read::Table::read_optional(dir, "faults.csv")?;
    let alarms = read::Table::read_optional(dir, "alarms.csv")?;
    // Of tasks.csv, only the services' tasks (the deployment timelines') and the count.
    let mut service_names: Vec<&str> = Vec::new();
    if let Some(s) = &services {
        for r in &s.rows {
            let name = s.text(r, "service");
            if !service_names.contains(&name) {
                service_names.push(name);
            }
        }
    }
    let tasks = match (dir.join("tasks.csv").is_file(), &cluster_data) {
        // No service, no timeline: only the count, which the cluster's pass already took.
        (true, Some(c)) if service_names.is_empty() => Some((read::Table::header_only(dir, "tasks.csv")?, c.task_rows)),
        (true, _) => Some(read::Table::read_where(dir, "tasks.csv", |t, r| service_names.contains(&t.text(r, "owner")))?),
        (false, _) => None,
    };
    let lesson = read::json_optional(dir, "lesson.json")?;
    // One pass over events.csv for the events table and the cluster's marks.
    let events = match events {
        Some(events) => events,
        None => {
            let mut marks = None;
            events::read(dir, |header, row| {
                if let Some(c) = cluster_data.as_mut() {
                    marks.get_or_insert_with(|| cluster::EventMarks::new(c, header)).row(c, row);
                }
            })?
        }
    };
    if let Some(c) = cluster_data.as_mut() {
        c.finish(dir)?;
    }
    let cluster = cluster_data.as_ref().map(cluster::section_of).transpose()?;

    // Every minute's row, or of a long run each change of the desired and healthy counts.
    let deploy_services = if bucket == 1 { services.as_ref() } else { service_changes.as_ref() };
    let deploy = deploy::timelines(tasks.as_ref().map(|(t, n)| (t, *n)), deploy_services, deployments.as_ref(), duration_s, bucket)?;
    let panels = series::panels(&summary, &timeseries, services.as_ref(), alarms.as_ref(), faults.as_ref(), duration_s)?;

    let mut notes = Vec::new();
    if bucket > 1 {
        notes.push(format!(
            "This run lasts {minutes} minutes (more than {}): the panels show the mean of every {} (each point one bucket), and the deployment timelines the tasks in each state at each bucket's start; timeseries.csv and services.csv in this folder hold every minute.",
            thin::PAGE_MAX_MINUTES,
            thin::bucket_text(bucket)
        ));
    }
    if deploy.sampled && deploy.task_count > limits::TASKS_EXACT_MAX {
        notes.push(format!(
            "This run has {} tasks (more than {}): the deployment timelines show the tasks in each state at the start of every minute, not every change.",
            deploy.task_count,
            limits::TASKS_EXACT_MAX
        ));
    }
    if events.shown < events.total {
        notes.push(format!(
            "This run has {} events (more than {}): the events table holds the first {}; the counts by kind cover them all.",
            events.total,
            limits::EVENTS_ALL_MAX,
            events.shown
        ));
    }

    let title = run_title(&summary);
    let mut body = String::new();
    body.push_str(&page::header(&title, &run_subtitle(&summary)));
    body.push_str(&page::notes(&notes));
    body.push_str(&verdicts::section(&summary, faults.as_ref(), deployments.as_ref()));
    if let Some(lesson) = &lesson {
        body.push_str(&story::section(lesson));
    }
    if let Some(c) = &cluster {
        body.push_str(&c.html);
    }
    body.push_str(page::RUN_PLACEHOLDERS);

    // The page's data object, keys in the order a `serde_json::Value` object writes them
    // (sorted); the events table's part is already JSON text (`events::Events::json_parts`).
    let data_head = format!("{{\"deployments\":{},\"duration_s\":{},\"events\":", deploy.json, serde_json::to_string(&duration_s)?);
    let data_tail = format!(",\"kind\":\"run\",\"panels\":{panels}}}");
    Ok(RunPage { title, body, data_head, data_tail, events, cluster })
}

/// The scenario's name, with the variant's when there is one.
fn run_title(summary: &serde_json::Value) -> String {
    let scenario = summary.get("scenario").and_then(|v| v.as_str()).unwrap_or("run");
    match summary.get("variant").and_then(|v| v.as_str()) {
        Some(v) => format!("{scenario} — {v}"),
        None => scenario.to_string(),
    }
}

/// Seed, simulated duration and version, under the title.
fn run_subtitle(summary: &serde_json::Value) -> String {
    let seed = summary.get("seed").map(|v| v.to_string()).unwrap_or_default();
    let duration = summary.get("duration_s").and_then(|v| v.as_f64()).map(page::clock).unwrap_or_default();
    let version = summary.get("ecsim_version").and_then(|v| v.as_str()).unwrap_or("");
    format!("seed {seed} · {duration} simulated · ecsim {version}")
}
