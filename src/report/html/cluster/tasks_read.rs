//! What the animated cluster takes of tasks.csv, one row at a time (a long run's file is never
//! held whole): the tasks it may draw, the zones tasks name, how many tasks there are and the
//! last time one names. The rows come from the file (`ecsim report DIR`), or — in `ecsim run`
//! — straight from the writer of tasks.csv as it writes each row ([`TasksFeed::row`]), so the
//! run does not parse back the file it has just written. Both give the same `TasksRead`: a
//! row's text fields are the file's, and a time read back from the file is the same `f64`
//! (the writer prints the shortest text that reads back exactly).

use super::data::{InstanceIn, TaskIn, MAX_TASKS};
use crate::sim::recorder::TaskRow;
use anyhow::{Context, Result};
use std::collections::{BTreeSet, BinaryHeap};
use std::path::Path;

/// What the cluster reads of tasks.csv.
pub(super) struct TasksRead {
    /// The tasks on the shown instances (and Fargate ones), in file order; of a run with more
    /// than MAX_TASKS of them, the MAX_TASKS + 1 placed first, in placement order (file order
    /// among equal times), which is all `build` reads of them.
    pub(super) kept: Vec<TaskIn>,
    /// More than MAX_TASKS tasks were candidates (`kept` is in placement order).
    pub(super) over: bool,
    pub(super) zones: Vec<String>,
    pub(super) total: usize,
    pub(super) last_time_s: f64,
}

/// A candidate task ordered by placement time, then file position.
struct ByPlacement(f64, usize, TaskIn);

impl PartialEq for ByPlacement {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == std::cmp::Ordering::Equal
    }
}
impl Eq for ByPlacement {}
impl PartialOrd for ByPlacement {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ByPlacement {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
    }
}

/// The fields of a row every row is read for; the whole row (`TaskIn`) is built only for a row
/// that may be drawn: of a million rows, a few thousand are (`TaskIn` holds seven strings).
pub(super) struct RowTimes<'r> {
    pub(super) placed_s: f64,
    pub(super) running_s: Option<f64>,
    pub(super) stopped_s: Option<f64>,
    pub(super) zone: &'r str,
    pub(super) instance_id: &'r str,
    /// The instance's position in instances.csv, if the row says (a hint, checked unless
    /// `known`).
    pub(super) position: Option<u32>,
    /// `position` is the instance's, for sure (the run's own rows).
    pub(super) known: bool,
}

/// `TasksFeed::row_of_ordinal` of an instance instances.csv does not list.
const NOT_LISTED: u32 = u32::MAX;

/// tasks.csv's rows, taken one at a time, with instances.csv already read.
pub struct TasksFeed {
    pub(super) instances_in: Vec<InstanceIn>,
    /// The instance ids, sorted and without duplicates, each with whether it is drawn (an
    /// ordered lookup, as the project's lint asks of every set).
    ids: Vec<(u32, bool)>,
    /// By position in instances.csv: whether its id is drawn (`ids`' flag), for the run's rows,
    /// which name the instance's position too (`TaskRow::instance`): one comparison of the id
    /// instead of a search of half a million ids per row.
    id_drawn: Vec<bool>,
    /// By cluster ordinal (`TaskRow::instance`): the instance's position in instances.csv, or
    /// `NOT_LISTED` (a Fargate task's). Known to the run, which wrote both
    /// ([`TasksFeed::with_ordinals`]): its rows then need no check of the id at that position,
    /// a cache miss per row at half a million instances (two fifths of writing tasks.csv).
    row_of_ordinal: Vec<u32>,
    zones: BTreeSet<String>,
    /// The MAX_TASKS + 1 candidates placed first, the latest on top.
    first: BinaryHeap<ByPlacement>,
    out: TasksRead,
}

impl TasksFeed {
    pub(super) fn new(instances_in: Vec<InstanceIn>) -> TasksFeed {
        let instance_zones = super::data::instance_zones(&instances_in);
        let mut drawn = vec![false; instances_in.len()];
        for i in super::data::sample_instances(&instances_in, &instance_zones) {
            drawn[i] = true;
        }
        let mut order: Vec<u32> = (0..instances_in.len() as u32).collect();
        order.sort_by(|&a, &b| instances_in[a as usize].instance.cmp(&instances_in[b as usize].instance));
        // One entry per id: drawn when any instance of that id is (ids are unique in a run of
        // ecsim's own instances; a cluster state read from ECS's JSON may repeat one, or leave
        // several empty).
        let mut ids: Vec<(u32, bool)> = Vec::with_capacity(order.len());
        let mut id_drawn = vec![false; instances_in.len()];
        for same in order.chunk_by(|&a, &b| instances_in[a as usize].instance == instances_in[b as usize].instance) {
            let shown = same.iter().any(|&i| drawn[i as usize]);
            ids.push((same[0], shown));
            for &i in same {
                id_drawn[i as usize] = shown;
            }
        }
        let out = TasksRead { kept: Vec::new(), over: false, zones: Vec::new(), total: 0, last_time_s: 0.0 };
        TasksFeed { instances_in, ids, id_drawn, row_of_ordinal: Vec::new(), zones: BTreeSet::new(), first: BinaryHeap::new(), out }
    }

    /// The run's cluster, instance by instance in ordinal order: whether instances.csv lists it
    /// (the rows it was built from are those instances, in that order). Ignored unless the
    /// listed ones are as many as the rows.
    pub fn with_ordinals(mut self, listed: impl Iterator<Item = bool>) -> TasksFeed {
        let mut next = 0u32;
        let rows: Vec<u32> = listed
            .map(|l| {
                if !l {
                    return NOT_LISTED;
                }
                next += 1;
                next - 1
            })
            .collect();
        if next as usize == self.instances_in.len() {
            self.row_of_ordinal = rows;
        }
        self
    }

    /// Whether the instance `id` of instances.csv is drawn: None when no instance has that id
    /// (a Fargate task's, drawn in its zone's box). `position`: where the row says the instance
    /// is in instances.csv, checked against the id before it is believed.
    fn drawn(&self, id: &str, position: Option<u32>, known: bool) -> Option<bool> {
        if let Some(i) = position.filter(|_| known).and_then(|p| self.id_drawn.get(p as usize)) {
            return Some(*i);
        }
        if let Some(i) = position.map(|p| p as usize).filter(|&p| self.instances_in.get(p).is_some_and(|inst| inst.instance == id)) {
            return Some(self.id_drawn[i]);
        }
        let found = self.ids.binary_search_by(|&(i, _)| self.instances_in[i as usize].instance.as_str().cmp(id));
        found.ok().map(|k| self.ids[k].1)
    }

    /// The next row: its times and place, and the whole row if it may be drawn.
    pub(super) fn offer(&mut self, row: RowTimes<'_>, whole: impl FnOnce() -> Result<TaskIn>) -> Result<()> {
        let position = self.out.total;
        self.out.total += 1;
        self.out.last_time_s =
            [Some(row.placed_s), row.running_s, row.stopped_s].into_iter().flatten().fold(self.out.last_time_s, f64::max);
        if !row.zone.is_empty() && !self.zones.contains(row.zone) {
            self.zones.insert(row.zone.to_string());
        }
        // Drawn: on a shown instance, or on none of instances.csv (Fargate).
        if self.drawn(row.instance_id, row.position, row.known) == Some(false) {
            return Ok(());
        }
        let t = whole()?;
        self.first.push(ByPlacement(t.placed_s, position, t));
        if self.first.len() > MAX_TASKS + 1 {
            self.out.over = true;
            self.first.pop();
        }
        Ok(())
    }

    /// The next row of tasks.csv as its writer has it (`ecsim run`).
    pub fn row(&mut self, r: &TaskRow) {
        let (position, known) = match self.row_of_ordinal.get(r.instance as usize) {
            Some(&NOT_LISTED) => (None, false),
            Some(&row) => (Some(row), true),
            None => (Some(r.instance), false),
        };
        let times = RowTimes {
            placed_s: r.placed_s,
            running_s: r.running_s,
            stopped_s: r.stopped_s,
            zone: &r.zone,
            instance_id: &r.instance_id,
            position,
            known,
        };
        // Building a `TaskIn` from a row cannot fail.
        let _ = self.offer(times, || Ok(task_in(r)));
    }

    /// Every row has been offered.
    pub(super) fn finish(self) -> (TasksRead, Vec<InstanceIn>) {
        let mut out = self.out;
        out.over |= self.first.len() > MAX_TASKS;
        let mut kept = self.first.into_vec();
        if out.over {
            kept.sort();
        } else {
            kept.sort_by_key(|k| k.1);
        }
        out.kept = kept.into_iter().map(|k| k.2).collect();
        out.zones = self.zones.into_iter().collect();
        (out, self.instances_in)
    }

    /// Every row of the tasks.csv at `path` (none when there is no such file).
    pub(super) fn read_file(&mut self, path: &Path) -> Result<()> {
        if !path.exists() {
            return Ok(());
        }
        let mut r = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
        let headers = r.headers().with_context(|| format!("cannot read {}", path.display()))?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (c_placed, c_running, c_stopped, c_zone, c_instance) =
            (col("placed_s"), col("running_s"), col("stopped_s"), col("zone"), col("instance_id"));
        // The instance's position in instances.csv: a hint for the lookup of its id.
        let c_position = col("instance");
        let bad = || format!("cannot read {}", path.display());
        let mut rec = csv::StringRecord::new();
        while r.read_record(&mut rec).with_context(bad)? {
            let field = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
            let time = |c: Option<usize>| -> Result<Option<f64>> {
                let f = field(c);
                if f.is_empty() {
                    Ok(None)
                } else {
                    f.parse().map(Some).with_context(bad)
                }
            };
            let placed_s = time(c_placed)?.with_context(bad)?;
            let times = RowTimes {
                placed_s,
                running_s: time(c_running)?,
                stopped_s: time(c_stopped)?,
                zone: field(c_zone),
                instance_id: field(c_instance),
                position: field(c_position).parse().ok(),
                known: false,
            };
            self.offer(times, || rec.deserialize(Some(&headers)).with_context(bad))?;
        }
        Ok(())
    }
}

/// The row as the page reads it back from tasks.csv.
fn task_in(r: &TaskRow) -> TaskIn {
    TaskIn {
        task: r.task.clone(),
        owner: r.owner.clone(),
        task_definition: r.task_definition.into(),
        instance: r.instance,
        placed_s: r.placed_s,
        running_s: r.running_s,
        stopping_s: r.stopping_s,
        stopped_s: r.stopped_s,
        stop_code: r.stop_code.clone(),
        capacity_provider: r.capacity_provider.clone(),
        healthy_s: r.healthy_s,
        draining_s: r.draining_s,
        sigterm_s: r.sigterm_s,
        cpu_units: r.cpu_units,
        memory_mib: r.memory_mib,
        revision: r.revision.clone(),
        instance_id: r.instance_id.clone(),
        zone: r.zone.clone(),
    }
}
