//! The data of one task of the run: who owns it (`Owner`), where it is in its life (`Task`),
//! and the timers its lifecycle sets (`TaskTimer`). Plain data, shared by every concern that
//! reads tasks (the lifecycle, services, faults, the recorder); it names no behaviour. `Tasks`
//! holds them by id and frees finished ones (their rows kept on disk as `TaskRecord`s).

use crate::ecs::instance::{Binding, GroupId, InstanceId};
use crate::ecs::task::{LastStatus, StopCode};
use crate::engine::{MaybeTime, SimTime, Span};
use crate::sim::ids::{ServiceId, TaskId};
use crate::sim::recorder::spill::{Cursor, Record, Slots, Writer};

/// What a task timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskTimer {
    /// PENDING → RUNNING (image pulled, containers started).
    Started,
    /// PENDING → STOPPED: the task failed to start (a bad revision).
    FailedToStart,
    /// An essential container exited (crash, or a standalone task's work is done).
    Exited,
    /// A container health check runs.
    HealthCheck,
    /// A container health check's result is known (after the application's response time, or
    /// at the check's timeout).
    HealthCheckResult { passed: bool },
    /// The container at this index of the revision's `container_exits` exits.
    ContainerExited(u16),
    /// 40 s RUNNING: a service task without health checks counts as healthy.
    HealthyByTime,
    /// DEACTIVATING is over (target deregistered): STOPPING, SIGTERM.
    Deactivated,
    /// The containers have exited (or were killed after stopTimeout): STOPPED.
    ContainersStopped,
}

/// Who a task belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Workload(u16),
    Service(ServiceId),
    /// Started by a RunTask action.
    Action,
}

/// A task placed on an instance.
#[derive(Debug, Clone)]
pub struct Task {
    pub owner: Owner,
    pub task_definition: u16,
    pub group: GroupId,
    /// The service deployment it belongs to (0 for standalone tasks).
    pub deployment: u32,
    pub instance: InstanceId,
    pub binding: Binding,
    pub last_status: LastStatus,
    pub desired_running: bool,
    /// Bumped on every state change; timers carry it and are dropped when it moved on.
    pub generation: u32,
    pub submitted_at: SimTime,
    pub placed_at: SimTime,
    pub running_at: MaybeTime,
    /// When desiredStatus became STOPPED.
    pub stopping_at: MaybeTime,
    pub stopped_at: MaybeTime,
    /// Standalone tasks: how long the work takes once RUNNING.
    pub run_time: Option<Span>,
    /// Container health: None = UNKNOWN (or no health check), Some(true) HEALTHY.
    pub container_healthy: Option<bool>,
    pub health_failures: u32,
    /// Counts as healthy for minimumHealthyPercent.
    pub healthy: bool,
    pub stop_code: Option<StopCode>,
    /// Stopped because a health check failed (circuit breaker stage 2).
    pub stopped_for_health: bool,
    /// The application has already exited (no SIGTERM wait in the stop sequence).
    pub exited: bool,
    /// Task scale-in protection expires then.
    pub protected_until: MaybeTime,
    /// When it first counted as healthy, began deactivating, was sent SIGTERM (its `healthy`,
    /// `deactivating` and `stopping` events; tasks.csv's `healthy_s`, `draining_s`, `sigterm_s`).
    pub healthy_at: MaybeTime,
    pub draining_at: MaybeTime,
    pub sigterm_at: MaybeTime,
}

/// A finished task as tasks.csv needs it, once its `Task` is freed: fixed-size, written to
/// the task rows' file at its id (`Tasks`).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub owner: Owner,
    pub task_definition: u16,
    pub deployment: u32,
    pub instance: InstanceId,
    pub placed_at: SimTime,
    pub running_at: Option<SimTime>,
    pub stopping_at: Option<SimTime>,
    pub stopped_at: Option<SimTime>,
    pub stop_code: Option<StopCode>,
    pub healthy_at: Option<SimTime>,
    pub draining_at: Option<SimTime>,
    pub sigterm_at: Option<SimTime>,
}

impl TaskRecord {
    pub fn of(t: &Task) -> TaskRecord {
        TaskRecord {
            owner: t.owner,
            task_definition: t.task_definition,
            deployment: t.deployment,
            instance: t.instance,
            placed_at: t.placed_at,
            running_at: t.running_at.get(),
            stopping_at: t.stopping_at.get(),
            stopped_at: t.stopped_at.get(),
            stop_code: t.stop_code,
            healthy_at: t.healthy_at.get(),
            draining_at: t.draining_at.get(),
            sigterm_at: t.sigterm_at.get(),
        }
    }
}

const STOP_CODES: [StopCode; 6] = [
    StopCode::TaskFailedToStart,
    StopCode::EssentialContainerExited,
    StopCode::UserInitiated,
    StopCode::ServiceSchedulerInitiated,
    StopCode::SpotInterruption,
    StopCode::TerminationNotice,
];

fn put_time(w: &mut Writer<'_>, t: Option<SimTime>) {
    w.u8(u8::from(t.is_some()));
    w.u64(t.map_or(0, SimTime::as_micros));
}

fn get_time(c: &mut Cursor<'_>) -> Option<SimTime> {
    let some = c.u8() == 1;
    let us = c.u64();
    some.then_some(SimTime(us))
}

impl Record for TaskRecord {
    const BYTES: usize = 3 + 2 + 4 + 4 + 8 + 6 * 9 + 1;
    fn encode(&self, out: &mut [u8]) {
        let mut w = Writer::new(out);
        let (tag, v) = match self.owner {
            Owner::Workload(x) => (0, x),
            Owner::Service(s) => (1, s.0),
            Owner::Action => (2, 0),
        };
        w.u8(tag);
        w.u16(v);
        w.u16(self.task_definition);
        w.u32(self.deployment);
        w.u32(self.instance.0);
        w.u64(self.placed_at.as_micros());
        for t in [self.running_at, self.stopping_at, self.stopped_at, self.healthy_at, self.draining_at, self.sigterm_at] {
            put_time(&mut w, t);
        }
        w.u8(self.stop_code.map_or(0, |c| 1 + STOP_CODES.iter().position(|k| *k == c).unwrap_or(0) as u8));
    }
    fn decode(bytes: &[u8]) -> Self {
        let mut c = Cursor::new(bytes);
        let (tag, v) = (c.u8(), c.u16());
        let owner = match tag {
            0 => Owner::Workload(v),
            1 => Owner::Service(ServiceId(v)),
            _ => Owner::Action,
        };
        let task_definition = c.u16();
        let deployment = c.u32();
        let instance = InstanceId(c.u32());
        let placed_at = SimTime(c.u64());
        let [running_at, stopping_at, stopped_at, healthy_at, draining_at, sigterm_at] = std::array::from_fn(|_| get_time(&mut c));
        let stop_code = match c.u8() {
            0 => None,
            k => STOP_CODES.get(k as usize - 1).copied(),
        };
        TaskRecord {
            owner,
            task_definition,
            deployment,
            instance,
            placed_at,
            running_at,
            stopping_at,
            stopped_at,
            stop_code,
            healthy_at,
            draining_at,
            sigterm_at,
        }
    }
}

/// Tasks per page of `Tasks`: a page is freed once every task in it is retired.
pub const PAGE_TASKS: usize = 64;

/// The run's tasks, indexed by `TaskId` (ids are given in creation order and never reused, so
/// outputs name tasks as before). A finished standalone task is *retired*: its row goes to a
/// temporary file at its id (`Slots`) and, once the 64 tasks of its page are retired, the page
/// is freed — memory follows the tasks alive, not the tasks ever run. A retired task reads as
/// a STOPPED tombstone whose generation matches no timer (a stale timer of it is dropped as
/// for any task that moved on); writes to it go to a scratch copy.
#[derive(Debug)]
pub struct Tasks {
    /// Page `first_page + k` is `pages[k]`; `None` once freed.
    pages: std::collections::VecDeque<Option<Vec<Task>>>,
    first_page: usize,
    /// Per page in `pages`: how many of its tasks are retired.
    retired: std::collections::VecDeque<u16>,
    len: usize,
    /// Tasks held in memory (in pages not freed), and the most ever.
    held: usize,
    held_high_water: usize,
    rows: Slots<TaskRecord>,
    tombstone: Task,
    scratch: Task,
}

impl Default for Tasks {
    fn default() -> Self {
        Tasks::new()
    }
}

impl Tasks {
    pub fn new() -> Self {
        let tombstone = Task {
            owner: Owner::Action,
            task_definition: 0,
            group: GroupId(0),
            deployment: 0,
            instance: InstanceId(u32::MAX),
            binding: Binding::default(),
            last_status: LastStatus::Stopped,
            desired_running: false,
            generation: u32::MAX,
            submitted_at: SimTime::ZERO,
            placed_at: SimTime::ZERO,
            running_at: MaybeTime::NONE,
            stopping_at: MaybeTime::NONE,
            stopped_at: MaybeTime::NONE,
            run_time: None,
            container_healthy: None,
            health_failures: 0,
            healthy: false,
            stop_code: None,
            stopped_for_health: false,
            exited: true,
            protected_until: MaybeTime::NONE,
            healthy_at: MaybeTime::NONE,
            draining_at: MaybeTime::NONE,
            sigterm_at: MaybeTime::NONE,
        };
        Tasks {
            pages: Default::default(),
            first_page: 0,
            retired: Default::default(),
            len: 0,
            held: 0,
            held_high_water: 0,
            rows: Slots::new(),
            scratch: tombstone.clone(),
            tombstone,
        }
    }

    /// Adds a task; its id is the number of tasks before it.
    pub fn push(&mut self, task: Task) -> TaskId {
        let id = self.len;
        let page = id / PAGE_TASKS;
        if page >= self.first_page + self.pages.len() {
            self.pages.push_back(Some(Vec::with_capacity(PAGE_TASKS)));
            self.retired.push_back(0);
        }
        if let Some(Some(p)) = self.pages.get_mut(page - self.first_page) {
            p.push(task);
        }
        self.len += 1;
        self.held += 1;
        self.held_high_water = self.held_high_water.max(self.held);
        TaskId(id as u32)
    }

    /// Every task ever added (retired ones too).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most tasks ever held in memory at once (whole pages: up to `PAGE_TASKS` − 1 more
    /// than the tasks alive).
    pub fn held_high_water(&self) -> usize {
        self.held_high_water
    }

    /// The task `i` while it is held in memory.
    pub fn get(&self, i: usize) -> Option<&Task> {
        let page = (i / PAGE_TASKS).checked_sub(self.first_page)?;
        self.pages.get(page)?.as_ref()?.get(i % PAGE_TASKS)
    }

    /// The tasks held in memory, in id order, with their ids.
    pub fn iter(&self) -> impl Iterator<Item = &Task> + '_ {
        self.pages.iter().flatten().flatten()
    }

    /// The task is finished for good (STOPPED, and nothing will read it again): its row is
    /// written out and its page freed when all of the page's tasks are.
    pub fn retire(&mut self, id: TaskId) {
        let i = id.index();
        let Some(task) = self.get(i) else { return };
        self.rows.put(i as u64, TaskRecord::of(task));
        let page = i / PAGE_TASKS - self.first_page;
        self.retired[page] += 1;
        if self.retired[page] as usize == PAGE_TASKS {
            self.pages[page] = None;
            self.held -= PAGE_TASKS;
        }
        while self.pages.front().is_some_and(Option::is_none) {
            self.pages.pop_front();
            self.retired.pop_front();
            self.first_page += 1;
        }
    }

    /// Every task's record in id order (retired ones read back from their file).
    pub fn for_each_record(&self, mut f: impl FnMut(TaskId, &TaskRecord)) -> std::io::Result<()> {
        let pages = self.len.div_ceil(PAGE_TASKS);
        for page in 0..pages {
            let start = page * PAGE_TASKS;
            let end = (start + PAGE_TASKS).min(self.len);
            let held = page.checked_sub(self.first_page).and_then(|k| self.pages.get(k)).and_then(Option::as_ref);
            let stored = if held.is_some_and(|p| self.retired[page - self.first_page] == 0 && p.len() == end - start) {
                Vec::new()
            } else {
                self.rows.read_range(start as u64, end as u64)?
            };
            for i in start..end {
                let record = match self.get(i) {
                    Some(t) => TaskRecord::of(t),
                    None => match stored.get(i - start).cloned().flatten() {
                        Some(r) => r,
                        None => continue,
                    },
                };
                f(TaskId(i as u32), &record);
            }
        }
        Ok(())
    }
}

impl std::ops::Index<usize> for Tasks {
    type Output = Task;
    fn index(&self, i: usize) -> &Task {
        self.get(i).unwrap_or(&self.tombstone)
    }
}

impl std::ops::IndexMut<usize> for Tasks {
    fn index_mut(&mut self, i: usize) -> &mut Task {
        let page = (i / PAGE_TASKS).checked_sub(self.first_page);
        match page.and_then(|k| self.pages.get_mut(k)).and_then(Option::as_mut).and_then(|p| p.get_mut(i % PAGE_TASKS)) {
            Some(t) => t,
            None => {
                self.scratch = self.tombstone.clone();
                &mut self.scratch
            }
        }
    }
}

impl<'a> IntoIterator for &'a Tasks {
    type Item = &'a Task;
    type IntoIter = std::iter::Flatten<std::iter::Flatten<std::collections::vec_deque::Iter<'a, Option<Vec<Task>>>>>;
    /// The tasks held in memory, in id order (every service task among them: only workloads'
    /// tasks are retired).
    fn into_iter(self) -> Self::IntoIter {
        self.pages.iter().flatten().flatten()
    }
}
