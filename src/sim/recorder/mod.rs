//! What a run records: the event log (every placement, failure, start and stop, with its
//! reason), per-minute reservation per zone and for the cluster (time-weighted means), and
//! the figures the summary needs. Fixed-size per-minute state; the event log and the waits to
//! place are `spill::Spill`s (a bounded buffer in memory, the rest in a temporary file), so
//! memory does not grow with the number of events.

use crate::ecs::instance::{ContainerInstance, InstanceId};
use crate::ecs::placement::{Explanation, Outcome};
use crate::ecs::task_def::Reservation;
use crate::ecs::Cluster;
use crate::engine::{SimTime, Span};
use crate::model::Scenario;
use crate::sim::ids::TaskId;
use std::collections::BTreeMap;

mod lifetimes;
mod log;
mod rows;
pub mod spill;
mod totals;
pub use log::{NamedRow, RowLog};
use rows::TaskNames;
pub use rows::{
    push_hms_millis, push_padded, DeploymentRow, EventKind, EventRecord, EventRow, EventRowRef, EventSource, InstanceRow, MinuteRow,
    ServiceMinuteRow, TaskRow,
};
use spill::Spill;
use totals::counts_in_denominator;
/// Running integral of a piecewise-constant value over the current minute.
#[derive(Debug, Clone, Default)]
struct Integral {
    value: u64,
    since_us: u64,
    area: u128,
}

impl Integral {
    fn set(&mut self, now_us: u64, value: u64) {
        self.area += self.value as u128 * (now_us - self.since_us) as u128;
        self.since_us = now_us;
        self.value = value;
    }
    /// Mean over [start, now), then restart the integral at `now`.
    fn take_mean(&mut self, start_us: u64, now_us: u64) -> f64 {
        self.set(now_us, self.value);
        let span = (now_us - start_us).max(1);
        let mean = self.area as f64 / span as f64;
        self.area = 0;
        mean
    }
}

#[derive(Debug, Clone, Default)]
struct ZoneState {
    name: String,
    registered_cpu: u64,
    registered_mem: u64,
    cpu: Integral,
    mem: Integral,
    placed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Recorder {
    zones: Vec<ZoneState>,
    workload_names: Vec<String>,
    service_names: Vec<String>,
    /// Per task definition: `family:revision` and its reservation (CPU units, MiB), for tasks.csv.
    task_definitions: Vec<(String, (u32, u32))>,
    /// Per service and minute, for services.csv (bounded in memory: `RowLog`).
    pub service_minutes: RowLog<ServiceMinuteRow>,
    /// One row per deployment, for deployments.csv.
    pub deployments: Vec<DeploymentRow>,
    /// Instance index → zone index.
    zone_of: Vec<usize>,
    /// The per-zone counts of the minute's end, kept up to date from the instances that changed.
    totals: totals::Totals,
    /// Instance index → a Fargate task's capacity (its task counts, its resources do not).
    fargate: Vec<bool>,
    minute_start_us: u64,
    minute: u64,
    failed_this_minute: u64,
    /// Every event, in the order recorded (events.csv).
    pub events: Spill<EventRecord>,
    /// `events` is left empty: no output will read it (`RunOptions::without_event_log`).
    pub without_event_log: bool,
    /// Interned reason codes; index 0 is "".
    reasons: Vec<String>,
    /// The id `event` interned last (an index into `reasons`).
    last_reason: u16,
    /// Placement explanations (only when `explain_placements` is on).
    details: Vec<String>,
    /// Each instance's registration, draining and deregistration times (instances.csv).
    lifetimes: lifetimes::Lifetimes,
    groups: Vec<String>,
    /// Per zone and minute, and the cluster's row, for timeseries.csv (bounded in memory).
    pub minutes: RowLog<MinuteRow>,
    pub submitted: u64,
    pub placed: u64,
    pub failed: u64,
    pub completed: u64,
    pub waiting_at_end: u64,
    pub failures_by_reason: BTreeMap<String, u64>,
    /// Each placed task's wait from submission to placement, in placement order.
    pub wait_to_place_s: Spill<f64>,
}

impl Recorder {
    pub fn new(cluster: &Cluster, scenario: &Scenario) -> Self {
        // Zones where capacity may appear later (groups, Fargate services) and the load
        // balancers' zones (a node there takes requests even without an instance) have rows from
        // the start.
        let mut names = cluster.zones();
        let lb_zones = scenario.elb.load_balancers.iter().flat_map(|lb| lb.zones.iter());
        let capacity_zones = scenario.capacity.groups.iter().flat_map(|g| g.config.zones.iter()).chain(lb_zones);
        let fargate_zones =
            scenario.services.iter().filter(|s| s.capacity.as_ref().is_some_and(|c| c.is_fargate())).flat_map(|s| s.zones.iter());
        let mut added = false;
        for z in capacity_zones.chain(fargate_zones) {
            if !names.contains(z) {
                names.push(z.clone());
                added = true;
            }
        }
        if added {
            names.sort();
        }
        let mut zones: Vec<ZoneState> = names.iter().map(|n| ZoneState { name: n.clone(), ..ZoneState::default() }).collect();
        let zone_of: Vec<usize> =
            cluster.instances.iter().map(|i| names.iter().position(|n| *n == i.availability_zone).unwrap_or(0)).collect();
        for (inst, &z) in cluster.instances.iter().zip(&zone_of) {
            if counts_in_denominator(inst) {
                let zs = &mut zones[z];
                zs.registered_cpu += inst.registered_cpu_units as u64;
                zs.registered_mem += inst.registered_memory_mib as u64;
                let (cpu, mem) = (zs.cpu.value + reserved_cpu(inst), zs.mem.value + reserved_mem(inst));
                zs.cpu.set(0, cpu);
                zs.mem.set(0, mem);
            }
        }
        let workload_names = scenario.workloads.iter().map(|w| w.name.clone()).collect();
        let groups = scenario.workloads.iter().map(|w| w.group.clone()).collect();
        let service_names = scenario.services.iter().map(|s| s.definition.service_name.clone()).collect();
        let fargate = vec![false; zone_of.len()];
        let mut totals = totals::Totals::default();
        (0..zone_of.len()).for_each(|i| totals.instance_added(i));
        let task_definitions = scenario
            .task_definitions
            .iter()
            .map(|td| {
                let r = td.reservation();
                (format!("{}:{}", td.family, td.revision), (r.cpu_units, r.memory_mib))
            })
            .collect();
        Recorder {
            zones,
            zone_of,
            totals,
            fargate,
            workload_names,
            service_names,
            task_definitions,
            groups,
            reasons: vec![String::new()],
            ..Recorder::default()
        }
    }

    /// A task's reservation was bound (`sign` = 1) or released (−1) on `instance`.
    pub fn reserve(&mut self, now: SimTime, instance: InstanceId, r: &Reservation, sign: i64) {
        let z = &mut self.zones[self.zone_of[instance.index()]];
        if self.fargate[instance.index()] {
            // Fargate capacity is not the cluster's: the task is placed, nothing is reserved.
            z.placed += u64::from(sign > 0);
            return;
        }
        let now_us = now.as_micros();
        z.cpu.set(now_us, (z.cpu.value as i64 + sign * r.cpu_units as i64).max(0) as u64);
        z.mem.set(now_us, (z.mem.value as i64 + sign * r.memory_mib as i64).max(0) as u64);
        if sign > 0 {
            z.placed += 1;
        }
    }

    pub fn submitted(&mut self) {
        self.submitted += 1;
    }
    pub fn placed(&mut self, waited: Span) {
        self.placed += 1;
        self.wait_to_place_s.push(waited.as_secs_f64());
    }
    pub fn failed(&mut self, reason: &str) {
        self.failed += 1;
        self.failed_this_minute += 1;
        // A reason is new only once per run: no String is built for the ones already counted.
        match self.failures_by_reason.get_mut(reason) {
            Some(n) => *n += 1,
            None => {
                self.failures_by_reason.insert(reason.to_string(), 1);
            }
        }
    }
    pub fn completed(&mut self) {
        self.completed += 1;
    }
    pub fn set_waiting_at_end(&mut self, n: u64) {
        self.waiting_at_end = n;
    }

    /// Records one event. `reason` is a short code (interned: a handful of distinct values);
    /// `detail` is empty except for explained placements.
    #[allow(clippy::too_many_arguments)] // one flat record: every argument is one of its fields
    pub fn event(
        &mut self,
        now: SimTime,
        kind: EventKind,
        task: Option<u32>,
        source: EventSource,
        instance: Option<InstanceId>,
        reason: &str,
        detail: &str,
    ) {
        if let (EventKind::Instance, Some(i)) = (kind, instance) {
            self.lifetimes.note(i.index(), now, reason, detail);
        }
        if self.without_event_log {
            return;
        }
        let reason = self.reason_id(reason);
        let detail = if detail.is_empty() {
            None
        } else {
            self.details.push(detail.to_string());
            Some((self.details.len() - 1) as u32)
        };
        self.events.push(EventRecord { time: now, kind, task, source, instance, reason, detail });
    }

    /// The interned id of `reason`. Runs record long stretches of one reason (W2: "" for
    /// 200,000 starts and binds), so the last id is tried before the list: one compare of a
    /// short string instead of one per reason seen.
    fn reason_id(&mut self, reason: &str) -> u16 {
        // Most events have no reason, and "" is id 0. Told apart by length, not compared: the
        // compare of two empty strings still calls memcmp with their dangling pointers, and
        // its masked vector load of an unmapped address costs a microcode assist of about
        // 100 ns on this machine's Xeon (10 % of W2's run).
        if reason.is_empty() {
            return 0;
        }
        if self.reasons.get(self.last_reason as usize).is_some_and(|r| r == reason) {
            return self.last_reason;
        }
        let id = match self.reasons.iter().position(|r| r == reason) {
            Some(i) => i as u16,
            None => {
                self.reasons.push(reason.to_string());
                (self.reasons.len() - 1) as u16
            }
        };
        self.last_reason = id;
        id
    }

    /// The reason code of a record ("" when none).
    pub fn reason(&self, e: &EventRecord) -> &str {
        &self.reasons[e.reason as usize]
    }

    /// The workload or service name of a record ("" for actions).
    pub fn source_name(&self, e: &EventRecord) -> &str {
        match e.source {
            EventSource::Action => "",
            EventSource::Service(s) => self.service_names.get(s.index()).map_or("", String::as_str),
            EventSource::Workload(w) => self.workload_names.get(w as usize).map_or("", String::as_str),
        }
    }

    /// The task group of a record's source.
    fn source_group(&self, e: &EventRecord) -> String {
        match e.source {
            EventSource::Action => String::new(),
            EventSource::Service(s) => format!("service:{}", self.service_names.get(s.index()).map_or("", String::as_str)),
            EventSource::Workload(w) => self.groups.get(w as usize).cloned().unwrap_or_default(),
        }
    }

    /// The rows of tasks.csv, in task order, built when the file is written (nothing is
    /// allocated per task during the run), each handed to `f`.
    pub fn for_each_task_row(
        &self,
        tasks: &crate::sim::task::Tasks,
        cluster: &Cluster,
        mut f: impl FnMut(&crate::sim::task::TaskRecord, &mut TaskRow),
    ) -> std::io::Result<()> {
        let names =
            TaskNames { workloads: &self.workload_names, services: &self.service_names, task_definitions: &self.task_definitions, cluster };
        // One row, written over for each task (see `TaskRow::fill`).
        let mut row = TaskRow::default();
        tasks.for_each_record(|id: TaskId, t| {
            row.fill(id, t, &names);
            f(t, &mut row)
        })
    }

    /// The rows of instances.csv, in registration order: every container instance but Fargate
    /// tasks' capacity. `launched_s` and `purchase` are per instance id (from the capacity side;
    /// shorter or empty when it knows none).
    pub fn instance_rows(
        &self,
        cluster: &Cluster,
        launched_s: &[Option<f64>],
        purchase: &[String],
        provider: &[String],
    ) -> Vec<InstanceRow> {
        cluster
            .instances
            .iter()
            .enumerate()
            .filter(|(_, inst)| !inst.fargate)
            .map(|(i, inst)| (i, inst, self.lifetimes.seconds(i)))
            .map(|(i, inst, (registered_s, draining_s, terminated_s))| InstanceRow {
                instance: inst.ec2_instance_id.clone(),
                instance_type: inst.instance_type.clone(),
                zone: inst.availability_zone.clone(),
                registered_cpu_units: inst.registered_cpu_units,
                registered_memory_mib: inst.registered_memory_mib,
                launched_s: launched_s.get(i).copied().flatten(),
                registered_s,
                draining_s,
                terminated_s,
                capacity_provider: provider.get(i).cloned().unwrap_or_default(),
                purchase: purchase.get(i).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// The events as the rows of events.csv, in the order they happened.
    pub fn event_rows<'a>(&'a self, cluster: &'a Cluster) -> impl Iterator<Item = std::io::Result<EventRow>> + 'a {
        self.events.iter().map(move |e| {
            let e = e?;
            let e = &e;
            let inst = e.instance.map(|i| cluster.instance(i));
            Ok(EventRow {
                time_s: e.time.as_secs_f64(),
                time: e.time.to_string(),
                event: e.kind,
                task: e.task.map_or(String::new(), |t| format!("t-{t:06}")),
                workload: self.source_name(e).to_string(),
                group: self.source_group(e),
                instance: inst.map(|i| i.ec2_instance_id.clone()).unwrap_or_default(),
                zone: inst.map(|i| i.availability_zone.clone()).unwrap_or_default(),
                reason: self.reason(e).to_string(),
                detail: e.detail.map_or(String::new(), |d| self.details[d as usize].clone()),
            })
        })
    }

    /// The rows of `event_rows`, borrowed, each handed to `f` (which may stop the walk with an
    /// error): the strings it formats go into buffers reused from row to row.
    pub fn for_each_event_row(&self, cluster: &Cluster, f: impl FnMut(&EventRowRef) -> std::io::Result<()>) -> std::io::Result<()> {
        self.for_each_event_row_where(cluster, |_, _| true, f)
    }

    /// [`Recorder::for_each_event_row`] for the events `keep` takes, by their kind and whether
    /// they carry an explanation: the others are read, not formatted (report.html's cluster
    /// marks take a few hundred rows of millions).
    pub fn for_each_event_row_where(
        &self,
        cluster: &Cluster,
        keep: impl Fn(EventKind, bool) -> bool,
        mut f: impl FnMut(&EventRowRef) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let (mut time, mut task, mut group) = (String::new(), String::new(), String::new());
        for e in self.events.iter() {
            let e = e?;
            if !keep(e.kind, e.detail.is_some()) {
                continue;
            }
            let inst = e.instance.map(|i| cluster.instance(i));
            time.clear();
            rows::push_hms_millis(&mut time, e.time);
            task.clear();
            if let Some(t) = e.task {
                task.push_str("t-");
                rows::push_padded(&mut task, t.into(), 6);
            }
            let group = match e.source {
                EventSource::Action => "",
                EventSource::Service(s) => {
                    group.clear();
                    group.push_str("service:");
                    group.push_str(self.service_names.get(s.index()).map_or("", String::as_str));
                    group.as_str()
                }
                EventSource::Workload(w) => self.groups.get(w as usize).map_or("", String::as_str),
            };
            f(&EventRowRef {
                time_s: e.time.as_secs_f64(),
                time: &time,
                event: e.kind,
                task: &task,
                workload: self.source_name(&e),
                group,
                instance: inst.map_or("", |i| i.ec2_instance_id.as_str()),
                zone: inst.map_or("", |i| i.availability_zone.as_str()),
                reason: self.reason(&e),
                detail: e.detail.map_or("", |d| self.details[d as usize].as_str()),
            })?;
        }
        Ok(())
    }

    /// Closes the minute ending at `now`: one row per zone and one for the cluster. Returns
    /// false when there was nothing to close (the run ended on a minute boundary).
    /// The start of the current minute.
    pub fn minute_start(&self) -> SimTime {
        SimTime(self.minute_start_us)
    }

    /// Closes the minute [start, now). `alb`: the load balancer's zone names and figures (one per
    /// zone, then the whole), when the scenario has one.
    pub fn minute_ended(
        &mut self,
        now: SimTime,
        cluster: &Cluster,
        shapes: &[Reservation],
        alb: Option<(&[String], &[crate::sim::alb::metrics::ZoneMinute])>,
    ) -> bool {
        let now_us = now.as_micros();
        if now_us <= self.minute_start_us {
            return false;
        }
        let start = self.minute_start_us;
        // The instances that changed this minute, not the whole cluster (`totals`).
        let counts: Vec<totals::ZoneCounts> = self.totals.refresh(cluster, &self.zone_of, self.zones.len(), shapes).to_vec();
        let mut cluster_row = MinuteRow {
            minute: self.minute,
            time_s: start / 1_000_000,
            zone: "cluster".into(),
            cpu_reservation_pct: 0.0,
            memory_reservation_pct: 0.0,
            running_tasks: 0,
            pending_tasks: 0,
            tasks_placed: 0,
            tasks_failed: self.failed_this_minute,
            stranded_cpu_units: 0,
            stranded_memory_mib: 0,
            instances: 0,
            registered_cpu_units: 0,
            registered_memory_mib: 0,
            ..MinuteRow::default()
        };
        let (mut cpu_area, mut mem_area, mut reg_cpu, mut reg_mem) = (0.0, 0.0, 0u64, 0u64);
        for (i, z) in self.zones.iter_mut().enumerate() {
            let cpu_mean = z.cpu.take_mean(start, now_us);
            let mem_mean = z.mem.take_mean(start, now_us);
            cpu_area += cpu_mean;
            mem_area += mem_mean;
            reg_cpu += z.registered_cpu;
            reg_mem += z.registered_mem;
            let mut row = MinuteRow {
                minute: self.minute,
                time_s: start / 1_000_000,
                zone: z.name.clone(),
                cpu_reservation_pct: pct(cpu_mean, z.registered_cpu),
                memory_reservation_pct: pct(mem_mean, z.registered_mem),
                running_tasks: counts[i].running,
                pending_tasks: counts[i].pending,
                tasks_placed: z.placed,
                tasks_failed: 0,
                stranded_cpu_units: counts[i].stranded_cpu,
                stranded_memory_mib: counts[i].stranded_mem,
                instances: counts[i].instances,
                registered_cpu_units: z.registered_cpu,
                registered_memory_mib: z.registered_mem,
                ..MinuteRow::default()
            };
            if let Some(zm) = alb.and_then(|(names, zm)| names.iter().position(|n| *n == z.name).map(|i| &zm[i])) {
                row.set_alb(zm);
            }
            cluster_row.running_tasks += row.running_tasks;
            cluster_row.pending_tasks += row.pending_tasks;
            cluster_row.tasks_placed += row.tasks_placed;
            cluster_row.stranded_cpu_units += row.stranded_cpu_units;
            cluster_row.stranded_memory_mib += row.stranded_memory_mib;
            cluster_row.instances += row.instances;
            z.placed = 0;
            self.minutes.push(row);
        }
        cluster_row.registered_cpu_units = reg_cpu;
        cluster_row.registered_memory_mib = reg_mem;
        cluster_row.cpu_reservation_pct = pct(cpu_area, reg_cpu);
        cluster_row.memory_reservation_pct = pct(mem_area, reg_mem);
        if let Some(total) = alb.and_then(|(_, zm)| zm.last()) {
            cluster_row.set_alb(total);
        }
        self.minutes.push(cluster_row);
        self.failed_this_minute = 0;
        self.minute += 1;
        self.minute_start_us = now_us;
        true
    }

    /// Minutes closed so far.
    pub fn minute_index(&self) -> u64 {
        self.minute
    }

    /// An instance registered during the run: it joins its zone's denominators.
    pub fn instance_added(&mut self, now: SimTime, cluster: &Cluster, id: InstanceId) {
        let inst = cluster.instance(id);
        let z = match self.zones.iter().position(|z| z.name == inst.availability_zone) {
            Some(z) => z,
            None => {
                self.zones.push(ZoneState { name: inst.availability_zone.clone(), ..ZoneState::default() });
                self.zones.len() - 1
            }
        };
        self.zone_of.push(z);
        self.fargate.push(inst.fargate);
        self.totals.instance_added(id.index());
        if counts_in_denominator(inst) {
            self.set_counted(now, inst, z, 1);
        }
    }

    /// Something of an instance changed (`Notice::InstanceChanged`): its share of the zone's
    /// counts is taken again when the minute closes.
    pub fn instance_changed(&mut self, id: InstanceId) {
        self.totals.instance_changed(id.index());
    }

    /// The per-zone counts kept from the changes are those of every instance (invariant checks).
    pub fn check_minute_counts(&self, cluster: &Cluster, shapes: &[Reservation]) {
        self.totals.check(cluster, &self.zone_of, shapes);
    }

    /// An instance left or joined the denominators (status change): ACTIVE and DRAINING count.
    pub fn instance_status_changed(&mut self, now: SimTime, inst: &ContainerInstance, was_counted: bool) {
        self.totals.instance_changed(inst.id.index());
        let z = self.zone_of[inst.id.index()];
        match (was_counted, counts_in_denominator(inst)) {
            (true, false) => self.set_counted(now, inst, z, -1),
            (false, true) => self.set_counted(now, inst, z, 1),
            _ => {}
        }
    }

    fn set_counted(&mut self, now: SimTime, inst: &ContainerInstance, z: usize, sign: i64) {
        let zs = &mut self.zones[z];
        let now_us = now.as_micros();
        let add = |v: u64, d: u64| (v as i64 + sign * d as i64).max(0) as u64;
        zs.registered_cpu = add(zs.registered_cpu, inst.registered_cpu_units as u64);
        zs.registered_mem = add(zs.registered_mem, inst.registered_memory_mib as u64);
        let (cpu, mem) = (add(zs.cpu.value, reserved_cpu(inst)), add(zs.mem.value, reserved_mem(inst)));
        zs.cpu.set(now_us, cpu);
        zs.mem.set(now_us, mem);
    }

    pub fn zone_names(&self) -> Vec<String> {
        self.zones.iter().map(|z| z.name.clone()).collect()
    }
}

fn reserved_cpu(inst: &ContainerInstance) -> u64 {
    (inst.registered_cpu_units - inst.remaining_cpu_units.min(inst.registered_cpu_units)) as u64
}

fn reserved_mem(inst: &ContainerInstance) -> u64 {
    (inst.registered_memory_mib - inst.remaining_memory_mib.min(inst.registered_memory_mib)) as u64
}

fn pct(value: f64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        // Rounded to 1e-4 so that CSV text is short and stable.
        (value * 100.0 / total as f64 * 1e4).round() / 1e4
    }
}

/// A one-line summary of a placement's reasoning for events.csv.
pub fn one_line(e: &Explanation, cluster: &Cluster) -> String {
    let instances = cluster.instances.iter().filter(|i| !i.fargate).count();
    let mut parts = vec![format!("{} of {instances} instances passed filters", e.passed_filters.len())];
    for s in e.steps.iter().filter(|s| !s.skipped) {
        let best = s.ranking.first().map(|r| r.label()).unwrap_or_default();
        parts.push(format!("{} best {} kept {}", s.strategy, best, s.kept.len()));
    }
    if let Some(Outcome::Placed { .. }) = e.outcome {
        if e.final_ties.len() > 1 {
            parts.push(format!("tie among {}", e.final_ties.len()));
        }
    }
    parts.join("; ")
}
