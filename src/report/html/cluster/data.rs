//! The animated cluster's data, read from a results directory alone (tasks.csv, instances.csv,
//! events.csv, scaling.csv, summary.json), so `ecsim report DIR` rebuilds the page without the
//! run: the instances and tasks to draw, the colour groups (owner and revision), the marks on
//! the timeline, and — for a large run — the sample shown and why.

use super::tasks_read::{TasksFeed, TasksRead};
use crate::sim::recorder::InstanceRow;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Beyond this many instances the page shows a sample: the first instances of each zone.
pub const MAX_INSTANCES: usize = 300;
/// Beyond this many tasks on the shown instances the animation covers only the start of the run
/// (until the task after this many was placed), so the page stays a few megabytes at most.
pub const MAX_TASKS: usize = 5_000;

/// Everything the cluster's script reads (serialized into the page as JSON).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClusterData {
    /// The end of the timeline: the run's duration, or the end of the window a large run shows.
    pub end_s: f64,
    pub duration_s: f64,
    pub zones: Vec<String>,
    pub instances: Vec<Instance>,
    /// Colour groups: one per owner (service or workload) and revision, in order of first task.
    pub groups: Vec<Group>,
    pub tasks: Vec<Task>,
    pub marks: Vec<Mark>,
    /// Tasks waiting in PROVISIONING for a capacity provider's instance (not placed, so on no
    /// instance): from services.csv, per service at the end of each minute, when the count
    /// changed (the first row of each service, then changes).
    pub provisioning: Vec<Provisioning>,
    /// Said on the page when it shows a sample of the run (None: everything is shown).
    pub sample_note: Option<String>,
    /// How many rows tasks.csv has (the page's count of tasks; not part of the cluster's JSON).
    #[serde(skip)]
    pub task_rows: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Instance {
    pub id: String,
    pub instance_type: String,
    pub zone: usize,
    pub cpu_units: u32,
    pub memory_mib: u32,
    pub launched_s: Option<f64>,
    pub registered_s: f64,
    pub draining_s: Option<f64>,
    pub terminated_s: Option<f64>,
    pub capacity_provider: String,
    pub purchase: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    pub owner: String,
    pub revision: String,
    /// Which owner (colour hue) and which of its revisions (shade), both from 0.
    pub owner_index: usize,
    pub revision_index: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Task {
    pub id: String,
    pub group: usize,
    /// Index into `instances`; None for a Fargate task (drawn in its zone's Fargate box).
    pub instance: Option<usize>,
    pub instance_id: String,
    pub zone: usize,
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// placed, running, healthy, draining, sigterm, stopping (desiredStatus STOPPED), stopped.
    pub times: [Option<f64>; 7],
    pub stop_code: String,
    pub capacity_provider: String,
    /// The `placed` event's explanation (empty without `explain_placements`).
    pub placement: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Mark {
    pub t_s: f64,
    /// deployment, fault, scaling, failed (placement failures), instance or action.
    pub kind: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Provisioning {
    /// The end of the minute the count was taken at.
    pub t_s: f64,
    pub service: String,
    pub tasks: u32,
}

#[derive(Debug, Deserialize)]
struct ServiceMinuteIn {
    time_s: f64,
    service: String,
    #[serde(default)]
    provisioning: u32,
}

/// A tasks.csv row; the columns after `capacity_provider` are newer, so a results directory
/// written before them still reads (defaults: no health, draining or SIGTERM times).
#[derive(Debug, Deserialize)]
pub(super) struct TaskIn {
    pub(super) task: String,
    pub(super) owner: String,
    pub(super) task_definition: u32,
    pub(super) instance: u32,
    pub(super) placed_s: f64,
    pub(super) running_s: Option<f64>,
    pub(super) stopping_s: Option<f64>,
    pub(super) stopped_s: Option<f64>,
    #[serde(default)]
    pub(super) stop_code: String,
    #[serde(default)]
    pub(super) capacity_provider: String,
    #[serde(default)]
    pub(super) healthy_s: Option<f64>,
    #[serde(default)]
    pub(super) draining_s: Option<f64>,
    #[serde(default)]
    pub(super) sigterm_s: Option<f64>,
    #[serde(default)]
    pub(super) cpu_units: u32,
    #[serde(default)]
    pub(super) memory_mib: u32,
    #[serde(default)]
    pub(super) revision: String,
    #[serde(default)]
    pub(super) instance_id: String,
    #[serde(default)]
    pub(super) zone: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct InstanceIn {
    pub(super) instance: String,
    pub(super) instance_type: String,
    pub(super) zone: String,
    pub(super) registered_cpu_units: u32,
    pub(super) registered_memory_mib: u32,
    pub(super) launched_s: Option<f64>,
    pub(super) registered_s: f64,
    pub(super) draining_s: Option<f64>,
    pub(super) terminated_s: Option<f64>,
    #[serde(default)]
    pub(super) capacity_provider: String,
    #[serde(default)]
    pub(super) purchase: String,
}

/// Reads every row of a CSV file into `T` (the file must exist).
pub(super) fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut r = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    r.deserialize().collect::<Result<Vec<T>, _>>().with_context(|| format!("cannot read {}", path.display()))
}

impl ClusterData {
    /// The cluster of the run in `dir`; None when the run had no tasks and no instances file.
    /// (The page does the same in three steps, so that events.csv is read once for the events
    /// table and the marks: `read_tasks`, `marks::EventMarks` on each event, `finish`.)
    #[cfg(test)]
    pub fn read(dir: &Path) -> Result<Option<ClusterData>> {
        let Some(mut data) = ClusterData::read_tasks(dir)? else { return Ok(None) };
        super::marks::read_events(dir, &mut data)?;
        data.finish(dir)?;
        Ok(Some(data))
    }

    /// The cluster of the run in `dir` from everything but events.csv and scaling.csv and
    /// services.csv: no placement explanations or marks yet. None when the run had no tasks and
    /// no instances file.
    pub fn read_tasks(dir: &Path) -> Result<Option<ClusterData>> {
        let (tasks_path, instances_path) = (dir.join("tasks.csv"), dir.join("instances.csv"));
        if !tasks_path.exists() && !instances_path.exists() {
            return Ok(None);
        }
        let mut feed = ClusterData::feed(dir)?;
        feed.read_file(&tasks_path)?;
        ClusterData::from_feed(dir, feed).map(Some)
    }

    /// Ready to take tasks.csv's rows ([`TasksFeed`]), with instances.csv of `dir` read.
    pub fn feed(dir: &Path) -> Result<TasksFeed> {
        let instances_path = dir.join("instances.csv");
        let instances_in: Vec<InstanceIn> = if instances_path.exists() { read_csv(&instances_path)? } else { Vec::new() };
        Ok(TasksFeed::new(instances_in))
    }

    /// [`ClusterData::feed`] with instances.csv's rows as the run wrote them (not read back).
    pub fn feed_from_rows(rows: Vec<InstanceRow>) -> TasksFeed {
        let instances_in = rows
            .into_iter()
            .map(|r| InstanceIn {
                instance: r.instance,
                instance_type: r.instance_type,
                zone: r.zone,
                registered_cpu_units: r.registered_cpu_units,
                registered_memory_mib: r.registered_memory_mib,
                launched_s: r.launched_s,
                registered_s: r.registered_s,
                draining_s: r.draining_s,
                terminated_s: r.terminated_s,
                capacity_provider: r.capacity_provider,
                purchase: r.purchase,
            })
            .collect();
        TasksFeed::new(instances_in)
    }

    /// The cluster of `feed`'s rows, as [`ClusterData::read_tasks`] reads it (summary.json of
    /// `dir` gives the timeline's end).
    pub fn from_feed(dir: &Path, feed: TasksFeed) -> Result<ClusterData> {
        let (tasks, instances_in) = feed.finish();
        let duration_s = read_duration_s(dir)?.unwrap_or_else(|| last_time_s(tasks.last_time_s, &instances_in));
        Ok(build(tasks, instances_in, duration_s))
    }

    /// After events.csv's marks (`marks::EventMarks`): scaling.csv's marks and services.csv's
    /// PROVISIONING counts, then the marks in time order, thinned.
    pub fn finish(&mut self, dir: &Path) -> Result<()> {
        super::marks::read_scaling(dir, self)?;
        read_provisioning(dir, self)?;
        self.marks.sort_by(|a, b| a.t_s.total_cmp(&b.t_s).then(a.kind.cmp(b.kind)));
        self.marks = super::marks::thin_marks(std::mem::take(&mut self.marks));
        Ok(())
    }
}

/// summary.json's `duration_s`, when the file is there.
fn read_duration_s(dir: &Path) -> Result<Option<f64>> {
    let path = dir.join("summary.json");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(json.get("duration_s").and_then(serde_json::Value::as_f64))
}

/// The last time any row names (the timeline's end without summary.json); `tasks_s`: the
/// tasks' (`TasksRead::last_time_s`).
fn last_time_s(tasks_s: f64, instances: &[InstanceIn]) -> f64 {
    let i = instances.iter().flat_map(|i| [Some(i.registered_s), i.terminated_s]).flatten();
    i.fold(tasks_s, f64::max)
}

/// The zones of the instances, sorted, without duplicates or empty names.
pub(super) fn instance_zones(instances_in: &[InstanceIn]) -> Vec<String> {
    let mut zones: Vec<String> = instances_in.iter().map(|i| i.zone.clone()).filter(|z| !z.is_empty()).collect();
    zones.sort();
    zones.dedup();
    zones
}

/// The instances and tasks to draw (a sample for a large run), their zones and colour groups.
fn build(tasks_read: TasksRead, instances_in: Vec<InstanceIn>, duration_s: f64) -> ClusterData {
    let mut zones: Vec<String> = instance_zones(&instances_in).into_iter().chain(tasks_read.zones).collect();
    zones.sort();
    zones.dedup();
    let zone_index = |z: &str| zones.iter().position(|n| n == z).unwrap_or(0);

    // Instances: all, or the first of each zone in turn up to MAX_INSTANCES (zones named only
    // by tasks have no instance, so the instances' zones pick the same).
    let shown = sample_instances(&instances_in, &instance_zones(&instances_in));
    let by_id: BTreeMap<&str, usize> = shown.iter().enumerate().map(|(k, &i)| (instances_in[i].instance.as_str(), k)).collect();
    let instances: Vec<Instance> = shown
        .iter()
        .map(|&i| {
            let r = &instances_in[i];
            Instance {
                id: r.instance.clone(),
                instance_type: r.instance_type.clone(),
                zone: zone_index(&r.zone),
                cpu_units: r.registered_cpu_units,
                memory_mib: r.registered_memory_mib,
                launched_s: r.launched_s,
                registered_s: r.registered_s,
                draining_s: r.draining_s,
                terminated_s: r.terminated_s,
                capacity_provider: r.capacity_provider.clone(),
                purchase: r.purchase.clone(),
            }
        })
        .collect();

    // Tasks on the shown instances, and Fargate tasks (on no instance of instances.csv; so are
    // the tasks of a tasks.csv written before it named instances).
    // (`TasksRead` kept them, already sorted by placement when there are too many.)
    let mut kept: Vec<&TaskIn> = tasks_read.kept.iter().collect();
    let total_tasks = tasks_read.total;
    let mut end_s = duration_s;
    if tasks_read.over && kept.len() > MAX_TASKS {
        // The window ends when the first task that does not fit was placed: every task placed
        // before then is drawn, so the cluster is right at every instant of the window.
        end_s = kept[MAX_TASKS].placed_s;
        kept.retain(|t| t.placed_s < end_s);
    }

    let mut groups: Vec<Group> = Vec::new();
    let mut owners: Vec<&str> = Vec::new();
    let tasks = kept
        .iter()
        .map(|t| {
            let revision = if t.revision.is_empty() { format!("task definition {}", t.task_definition) } else { t.revision.clone() };
            let owner_index = owners.iter().position(|o| *o == t.owner).unwrap_or_else(|| {
                owners.push(&t.owner);
                owners.len() - 1
            });
            let group = groups.iter().position(|g| g.owner == t.owner && g.revision == revision).unwrap_or_else(|| {
                let revision_index = groups.iter().filter(|g| g.owner_index == owner_index).count();
                groups.push(Group { owner: t.owner.clone(), revision, owner_index, revision_index });
                groups.len() - 1
            });
            Task {
                id: t.task.clone(),
                group,
                instance: by_id.get(t.instance_id.as_str()).copied(),
                instance_id: if t.instance_id.is_empty() { format!("instance {}", t.instance) } else { t.instance_id.clone() },
                zone: zone_index(&t.zone),
                cpu_units: t.cpu_units,
                memory_mib: t.memory_mib,
                times: [Some(t.placed_s), t.running_s, t.healthy_s, t.draining_s, t.sigterm_s, t.stopping_s, t.stopped_s],
                stop_code: t.stop_code.clone(),
                capacity_provider: t.capacity_provider.clone(),
                placement: String::new(),
            }
        })
        .collect::<Vec<_>>();

    let sample_note = sample_note(instances_in.len(), instances.len(), zones.len(), total_tasks, tasks.len(), end_s, duration_s);
    let (marks, provisioning) = (Vec::new(), Vec::new());
    ClusterData { end_s, duration_s, zones, instances, groups, tasks, marks, provisioning, sample_note, task_rows: total_tasks }
}

/// Indexes of the instances to draw: every one, or — beyond MAX_INSTANCES — the first of each
/// zone in turn (so every zone is seen), in file (registration) order.
pub(super) fn sample_instances(instances: &[InstanceIn], zones: &[String]) -> Vec<usize> {
    if instances.len() <= MAX_INSTANCES {
        return (0..instances.len()).collect();
    }
    let per_zone: Vec<Vec<usize>> = zones.iter().map(|z| (0..instances.len()).filter(|&i| instances[i].zone == *z).collect()).collect();
    let mut shown = Vec::new();
    for k in 0.. {
        let before = shown.len();
        for zone in &per_zone {
            if shown.len() < MAX_INSTANCES {
                shown.extend(zone.get(k));
            }
        }
        if shown.len() == before || shown.len() >= MAX_INSTANCES {
            break;
        }
    }
    shown.sort_unstable();
    shown
}

/// What the page says when it shows less than the whole run.
fn sample_note(
    instances: usize,
    shown_instances: usize,
    zones: usize,
    tasks: usize,
    shown_tasks: usize,
    end_s: f64,
    duration_s: f64,
) -> Option<String> {
    let mut parts = Vec::new();
    if shown_instances < instances {
        parts.push(format!(
            "{shown_instances} of its {instances} container instances (the first registered in each of the {zones} zones, in turn; more than {MAX_INSTANCES} instances are sampled)"
        ));
    }
    if end_s < duration_s {
        parts.push(format!(
            "the {shown_tasks} tasks placed on them in the first {} of the run (more than {MAX_TASKS} tasks: the timeline stops there)",
            hms(end_s)
        ));
    } else if shown_tasks < tasks && shown_instances < instances {
        parts.push(format!("the {shown_tasks} of its {tasks} tasks placed on them"));
    }
    (!parts.is_empty()).then(|| {
        format!("To keep this page small it shows {}. tasks.csv and instances.csv in this folder have the whole run.", parts.join(", and "))
    })
}

/// `h:mm:ss` of a number of seconds.
pub fn hms(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// services.csv: the PROVISIONING count of each service, where it changes (a run without
/// capacity providers has none).
fn read_provisioning(dir: &Path, data: &mut ClusterData) -> Result<()> {
    let path = dir.join("services.csv");
    if !path.exists() {
        return Ok(());
    }
    let mut last: BTreeMap<String, u32> = BTreeMap::new();
    // Streamed: a long run's services.csv holds a row per service and minute.
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    for row in reader.deserialize::<ServiceMinuteIn>() {
        let row = row.with_context(|| format!("cannot read {}", path.display()))?;
        let t_s = row.time_s + 60.0;
        let before = last.insert(row.service.clone(), row.provisioning).unwrap_or(0);
        if before != row.provisioning && t_s <= data.end_s + 60.0 {
            data.provisioning.push(Provisioning { t_s, service: row.service, tasks: row.provisioning });
        }
    }
    Ok(())
}
