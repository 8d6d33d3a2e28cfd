//! What the run records, as rows: the compact event record kept during the run and the rows of
//! events.csv, tasks.csv, services.csv, deployments.csv and the per-minute cluster and zone
//! rows.

use super::spill::{Cursor, Record, Writer};
use crate::ecs::instance::InstanceId;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A task was placed (PROVISIONING → PENDING).
    Placed,
    /// A RunTask call (or a service launch) found no instance.
    Failed,
    Waiting,
    GaveUp,
    Running,
    /// Counts as healthy for minimumHealthyPercent (docs/ecs-model.md#healthy-tasks).
    Healthy,
    Unhealthy,
    /// PENDING → STOPPED: never reached RUNNING.
    FailedToStart,
    Deactivating,
    Stopping,
    Stopped,
    /// A service event (ECS's message in `detail`).
    Service,
    /// A deployment changed state (created, completed, failed, rolled back).
    Deployment,
    /// A scheduled action was carried out.
    Action,
    /// A container instance changed state.
    Instance,
    /// A load-balancer target was registered, changed health, or began draining (`reason` is
    /// the new TargetHealth.State).
    TargetHealth,
    /// An injected fault fired or took a step (`[[faults]]`).
    Fault,
    /// A container of a task exited (`behaviour.container_exits`; `reason` is its name).
    ContainerExited,
}

/// One recorded event, kept compact (no strings) so recording allocates nothing per event;
/// `Recorder::event_rows` turns it into an `EventRow` when the file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRecord {
    pub time: SimTime,
    pub kind: EventKind,
    /// `None` when the event concerns no task (a failed RunTask).
    pub task: Option<u32>,
    /// Who the event belongs to.
    pub source: EventSource,
    pub instance: Option<InstanceId>,
    /// Index into the interned reason texts (0 = no reason).
    pub reason: u16,
    /// Index into the explanation texts.
    pub detail: Option<u32>,
}

impl EventKind {
    /// Every kind, in declaration order (a kind's byte in a spilled record is its index here).
    pub(crate) const ALL: [EventKind; 18] = [
        EventKind::Placed,
        EventKind::Failed,
        EventKind::Waiting,
        EventKind::GaveUp,
        EventKind::Running,
        EventKind::Healthy,
        EventKind::Unhealthy,
        EventKind::FailedToStart,
        EventKind::Deactivating,
        EventKind::Stopping,
        EventKind::Stopped,
        EventKind::Service,
        EventKind::Deployment,
        EventKind::Action,
        EventKind::Instance,
        EventKind::TargetHealth,
        EventKind::Fault,
        EventKind::ContainerExited,
    ];

    /// Its index in [`EventKind::ALL`] (counters by kind are arrays indexed by it).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The kind as events.csv names it (its serde name, snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Placed => "placed",
            EventKind::Failed => "failed",
            EventKind::Waiting => "waiting",
            EventKind::GaveUp => "gave_up",
            EventKind::Running => "running",
            EventKind::Healthy => "healthy",
            EventKind::Unhealthy => "unhealthy",
            EventKind::FailedToStart => "failed_to_start",
            EventKind::Deactivating => "deactivating",
            EventKind::Stopping => "stopping",
            EventKind::Stopped => "stopped",
            EventKind::Service => "service",
            EventKind::Deployment => "deployment",
            EventKind::Action => "action",
            EventKind::Instance => "instance",
            EventKind::TargetHealth => "target_health",
            EventKind::Fault => "fault",
            EventKind::ContainerExited => "container_exited",
        }
    }
}

// `EventKind::index` is the position in `ALL`: checked when the crate is compiled.
const _: () = {
    let mut i = 0;
    while i < EventKind::ALL.len() {
        assert!(EventKind::ALL[i] as usize == i, "EventKind::ALL is in declaration order");
        i += 1;
    }
};

/// `n` in decimal, left-padded with zeros to `width` digits: `format!("{n:0width$}")` without
/// the formatting machinery (events.csv formats two such fields per row).
pub fn push_padded(out: &mut String, n: u64, width: usize) {
    const ZEROS: &str = "00000000000000000000";
    let mut b = itoa::Buffer::new();
    let digits = b.format(n);
    // One copy of the padding, not a `char` at a time (a million task ids in events.csv).
    let mut pad = width.saturating_sub(digits.len());
    while pad > 0 {
        let now = pad.min(ZEROS.len());
        out.push_str(&ZEROS[..now]);
        pad -= now;
    }
    out.push_str(digits);
}

/// `time` as `SimTime`'s `Display` writes it (`HH:MM:SS.mmm`, hours may pass 24), appended.
pub fn push_hms_millis(out: &mut String, time: SimTime) {
    let ms = time.as_micros() / 1000;
    let hours = ms / 3_600_000;
    if hours < 100 {
        // The usual case, in one copy: every field two digits (three for the milliseconds).
        let two = |n: u64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let [h1, h2] = two(hours);
        let [m1, m2] = two((ms / 60_000) % 60);
        let [s1, s2] = two((ms / 1000) % 60);
        let milli = ms % 1000;
        let [c2, c3] = two(milli % 100);
        let text = [h1, h2, b':', m1, m2, b':', s1, s2, b'.', b'0' + (milli / 100) as u8, c2, c3];
        if let Ok(text) = std::str::from_utf8(&text) {
            out.push_str(text);
            return;
        }
    }
    push_padded(out, ms / 3_600_000, 2);
    out.push(':');
    push_padded(out, (ms / 60_000) % 60, 2);
    out.push(':');
    push_padded(out, (ms / 1000) % 60, 2);
    out.push('.');
    push_padded(out, ms % 1000, 3);
}

/// `Some(v)` as (1, v), `None` as (0, 0).
fn put_opt(w: &mut Writer<'_>, v: Option<u32>) {
    w.u8(u8::from(v.is_some()));
    w.u32(v.unwrap_or(0));
}

fn get_opt(c: &mut Cursor<'_>) -> Option<u32> {
    let some = c.u8() == 1;
    let v = c.u32();
    some.then_some(v)
}

impl Record for EventRecord {
    const BYTES: usize = 8 + 1 + 5 + 5 + 5 + 2 + 5;
    fn encode(&self, out: &mut [u8]) {
        let mut w = Writer::new(out);
        w.u64(self.time.as_micros());
        w.u8(self.kind.index() as u8);
        put_opt(&mut w, self.task);
        let (tag, v) = match self.source {
            EventSource::Workload(x) => (0, u32::from(x)),
            EventSource::Service(s) => (1, u32::from(s.0)),
            EventSource::Action => (2, 0),
        };
        w.u8(tag);
        w.u32(v);
        put_opt(&mut w, self.instance.map(|i| i.0));
        w.u16(self.reason);
        put_opt(&mut w, self.detail);
    }
    fn decode(bytes: &[u8]) -> Self {
        let mut c = Cursor::new(bytes);
        let time = SimTime(c.u64());
        let kind = EventKind::ALL.get(c.u8() as usize).copied().unwrap_or(EventKind::Placed);
        let task = get_opt(&mut c);
        let (tag, v) = (c.u8(), c.u32());
        let source = match tag {
            0 => EventSource::Workload(v as u16),
            1 => EventSource::Service(ServiceId(v as u16)),
            _ => EventSource::Action,
        };
        let instance = get_opt(&mut c).map(InstanceId);
        let reason = c.u16();
        let detail = get_opt(&mut c);
        EventRecord { time, kind, task, source, instance, reason, detail }
    }
}

/// Who a recorded event belongs to (its workload and group columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    Workload(u16),
    Service(ServiceId),
    /// A scheduled action, a fault, or capacity (no workload or service).
    Action,
}

/// One row of tasks.csv: a task's life, for the Gantt chart. (`Clone` by hand: `clone_from`
/// reuses the strings, where the derived one allocates all seven again.)
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct TaskRow {
    pub task: String,
    /// Workload or service name.
    pub owner: String,
    /// Task definition index and, for services, the deployment.
    pub task_definition: u16,
    pub deployment: u32,
    pub instance: u32,
    pub placed_s: f64,
    /// Empty when the task never reached RUNNING.
    pub running_s: Option<f64>,
    /// When the task was told to stop (desiredStatus STOPPED); empty if it never was.
    pub stopping_s: Option<f64>,
    /// Empty when the task was still alive at the end of the run.
    pub stopped_s: Option<f64>,
    pub stop_code: String,
    /// The capacity provider (FARGATE, FARGATE_SPOT or an Auto Scaling group's provider) of a
    /// task of a service with a strategy or the Fargate launch type; empty otherwise.
    pub capacity_provider: String,
    /// When the task first counted as healthy (the `healthy` event); empty if it never did.
    pub healthy_s: Option<f64>,
    /// When the task began deactivating: deregistering from its load balancer, or the wait before
    /// SIGTERM (the `deactivating` event); empty for tasks that stopped without it.
    pub draining_s: Option<f64>,
    /// When SIGTERM was sent to its containers (the `stopping` event).
    pub sigterm_s: Option<f64>,
    /// What the task reserves on its instance.
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// The task definition as `family:revision`.
    pub revision: String,
    /// The instance as events.csv names it (an EC2 id, or `fargate-<n>`) and its zone.
    pub instance_id: String,
    pub zone: String,
}

impl Clone for TaskRow {
    fn clone(&self) -> Self {
        let mut row = TaskRow::default();
        row.clone_from(self);
        row
    }

    /// Field by field, each string written over in its own buffer: the Gantt chart's rows copy
    /// the latest-ending task at every row of a long run (`ChartRows::offer`), where the
    /// derived `clone_from` (a whole new row) allocated and freed seven strings each time.
    fn clone_from(&mut self, source: &Self) {
        // Destructured, so that a new field cannot be forgotten here.
        let TaskRow {
            task,
            owner,
            task_definition,
            deployment,
            instance,
            placed_s,
            running_s,
            stopping_s,
            stopped_s,
            stop_code,
            capacity_provider,
            healthy_s,
            draining_s,
            sigterm_s,
            cpu_units,
            memory_mib,
            revision,
            instance_id,
            zone,
        } = source;
        self.task.clone_from(task);
        self.owner.clone_from(owner);
        self.task_definition = *task_definition;
        self.deployment = *deployment;
        self.instance = *instance;
        self.placed_s = *placed_s;
        self.running_s = *running_s;
        self.stopping_s = *stopping_s;
        self.stopped_s = *stopped_s;
        self.stop_code.clone_from(stop_code);
        self.capacity_provider.clone_from(capacity_provider);
        self.healthy_s = *healthy_s;
        self.draining_s = *draining_s;
        self.sigterm_s = *sigterm_s;
        self.cpu_units = *cpu_units;
        self.memory_mib = *memory_mib;
        self.revision.clone_from(revision);
        self.instance_id.clone_from(instance_id);
        self.zone.clone_from(zone);
    }
}

/// One row of instances.csv: a container instance's life (Fargate tasks' capacity left out).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InstanceRow {
    /// The EC2 instance id, as events.csv names it.
    pub instance: String,
    pub instance_type: String,
    pub zone: String,
    pub registered_cpu_units: u32,
    pub registered_memory_mib: u32,
    /// When an Auto Scaling group launched it; empty for an instance that was simply registered.
    pub launched_s: Option<f64>,
    /// When it registered with the cluster (0 for the cluster's instances at the start).
    pub registered_s: f64,
    /// When it first became DRAINING; empty if it never did.
    pub draining_s: Option<f64>,
    /// When it left the cluster (INACTIVE, terminated); empty if it was there at the end.
    pub terminated_s: Option<f64>,
    /// Its capacity provider (an Auto Scaling group's provider), empty for none.
    pub capacity_provider: String,
    /// `on-demand` or `spot`; empty for an instance type without a price.
    pub purchase: String,
}

impl TaskRow {
    /// The row of task `task`, written over this one: its texts reuse their buffers, so that
    /// a million rows written one after another allocate nothing per row.
    pub(super) fn fill(&mut self, task: TaskId, t: &crate::sim::task::TaskRecord, names: &TaskNames<'_>) {
        fn set(field: &mut String, text: &str) {
            field.clear();
            field.push_str(text);
        }
        let (revision, shape) = names.task_definitions.get(t.task_definition as usize).map_or(("", (0, 0)), |(r, s)| (r.as_str(), *s));
        let inst = names.cluster.instances.get(t.instance.index());
        let owner = match t.owner {
            crate::sim::task::Owner::Workload(w) => names.workloads.get(w as usize).map_or("", String::as_str),
            crate::sim::task::Owner::Service(s) => names.services.get(s.index()).map_or("", String::as_str),
            crate::sim::task::Owner::Action => "run_task",
        };
        // `format!("t-{:06}")`'s bytes without its formatting machinery (a million rows).
        self.task.clear();
        self.task.push_str("t-");
        push_padded(&mut self.task, u64::from(task.0), 6);
        set(&mut self.owner, owner);
        self.task_definition = t.task_definition;
        self.deployment = t.deployment;
        self.instance = t.instance.0;
        self.placed_s = t.placed_at.as_secs_f64();
        self.running_s = t.running_at.map(SimTime::as_secs_f64);
        self.stopping_s = t.stopping_at.map(SimTime::as_secs_f64);
        self.stopped_s = t.stopped_at.map(SimTime::as_secs_f64);
        set(&mut self.stop_code, t.stop_code.map_or("", crate::ecs::task::StopCode::as_str));
        self.capacity_provider.clear();
        self.healthy_s = t.healthy_at.map(SimTime::as_secs_f64);
        self.draining_s = t.draining_at.map(SimTime::as_secs_f64);
        self.sigterm_s = t.sigterm_at.map(SimTime::as_secs_f64);
        (self.cpu_units, self.memory_mib) = shape;
        set(&mut self.revision, revision);
        set(&mut self.instance_id, inst.map_or("", |i| i.ec2_instance_id.as_str()));
        set(&mut self.zone, inst.map_or("", |i| i.availability_zone.as_str()));
    }
}

/// The names a task row reads: owners, task definitions (`family:revision` and (CPU units,
/// MiB)), and the cluster's instances.
pub(super) struct TaskNames<'a> {
    pub workloads: &'a [String],
    pub services: &'a [String],
    pub task_definitions: &'a [(String, (u32, u32))],
    pub cluster: &'a crate::ecs::Cluster,
}

/// One row of services.csv: a service at the end of a minute.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServiceMinuteRow {
    pub minute: u64,
    pub time_s: u64,
    pub service: String,
    pub desired: u32,
    /// lastStatus RUNNING.
    pub running: u32,
    /// PROVISIONING, PENDING or ACTIVATING.
    pub pending: u32,
    /// Waiting in PROVISIONING for a capacity provider's instances (not placed yet; docs/ecs-model.md#managed-scaling).
    pub provisioning: u32,
    /// Counting toward minimumHealthyPercent (docs/ecs-model.md#healthy-tasks).
    pub healthy: u32,
    /// Any lastStatus but STOPPED (what maximumPercent bounds).
    pub in_flight: u32,
    /// Tasks of the PRIMARY deployment with desiredStatus RUNNING.
    pub primary_tasks: u32,
    /// Tasks of older deployments still alive.
    pub old_tasks: u32,
    pub deployments: u32,
    /// CPUUtilization over the minute (%): CPU used by the tasks serving requests ÷ CPU they
    /// reserve (docs/ecs-model.md#ecs-metrics); empty for a service without a load balancer.
    pub cpu_utilization_pct: Option<f64>,
    /// MemoryUtilization over the minute (%): the tasks' modelled memory use ÷ memory reserved.
    pub memory_utilization_pct: Option<f64>,
}

/// One row of deployments.csv.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeploymentRow {
    pub service: String,
    pub deployment: u32,
    pub task_definition: String,
    pub started_s: f64,
    /// Empty while in progress at the end of the run.
    pub ended_s: Option<f64>,
    pub duration_s: Option<f64>,
    /// COMPLETED, FAILED or IN_PROGRESS (and superseded ones: replaced by a newer deployment).
    pub outcome: String,
    pub reason: String,
    pub desired: u32,
    pub lowest_running: u32,
    pub lowest_healthy: u32,
    pub peak_tasks: u32,
    pub failed_tasks: u32,
    /// The service's minimumHealthyPercent and maximumPercent when the deployment started: the
    /// rollout keeps ceil(desired × minimum ÷ 100) tasks healthy and at most
    /// floor(desired × maximum ÷ 100) in flight.
    pub minimum_healthy_percent: u32,
    pub maximum_percent: u32,
    /// The columns of blue/green, linear and canary deployments (docs/outputs.md), written only
    /// when a service of the scenario has such a strategy (`None` leaves them out):
    /// ROLLING, BLUE_GREEN, LINEAR or CANARY (a first deployment and a rollback are ROLLING);
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// the last lifecycle stage entered (empty for a rolling deployment);
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// every stage entered and when, `STAGE@seconds` separated by `;`;
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_times: Option<String>,
    /// the share of production traffic on the deployment's revision when it ended (or at the
    /// end of the run), %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_traffic_pct: Option<Option<f64>>,
}

/// One row of events.csv.
#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub time_s: f64,
    pub time: String,
    pub event: EventKind,
    pub task: String,
    pub workload: String,
    pub group: String,
    pub instance: String,
    pub zone: String,
    pub reason: String,
    pub detail: String,
}

/// `EventRow` borrowed: the same columns, serialized the same, written to events.csv without a
/// `String` per field and row (`Recorder::for_each_event_row`; 200,000 rows in a W2 run).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EventRowRef<'a> {
    pub time_s: f64,
    pub time: &'a str,
    pub event: EventKind,
    pub task: &'a str,
    pub workload: &'a str,
    pub group: &'a str,
    pub instance: &'a str,
    pub zone: &'a str,
    pub reason: &'a str,
    pub detail: &'a str,
}

/// One row of timeseries.csv: one minute of one zone, or of the cluster (`zone = "cluster"`).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct MinuteRow {
    pub minute: u64,
    pub time_s: u64,
    pub zone: String,
    /// Time-weighted mean over the minute of reserved / registered CPU, %.
    pub cpu_reservation_pct: f64,
    pub memory_reservation_pct: f64,
    /// At the end of the minute.
    pub running_tasks: u64,
    pub pending_tasks: u64,
    pub tasks_placed: u64,
    pub tasks_failed: u64,
    /// Free CPU/memory at the end of the minute on ACTIVE instances where no workload's task
    /// fits any more (capacity that exists but cannot be used).
    pub stranded_cpu_units: u64,
    pub stranded_memory_mib: u64,
    pub instances: u64,
    /// The denominators of the reservation percentages (ACTIVE and DRAINING instances).
    pub registered_cpu_units: u64,
    pub registered_memory_mib: u64,
    /// Load balancer (docs/ecs-model.md#alb-metrics), by the zone of the node that took the request, of the requests
    /// that *ended* in the minute: requests (every outcome), 5xx generated by the load balancer,
    /// the application's own 5xx, requests refused by full task queues; TargetResponseTime (ms;
    /// empty when no target answered); healthy/unhealthy targets in the zone (time-weighted mean,
    /// and the healthy count's minimum over the minute). Zone rows sum to the cluster row.
    /// `requests_sent` counts the requests the zone's node took in the minute, as they arrived
    /// (the offered load).
    pub requests_sent: u64,
    pub requests: u64,
    pub elb_5xx: u64,
    pub target_5xx: u64,
    pub rejected: u64,
    pub latency_ms_avg: Option<f64>,
    pub latency_ms_p50: Option<f64>,
    pub latency_ms_p90: Option<f64>,
    pub latency_ms_p99: Option<f64>,
    pub healthy_targets: f64,
    pub healthy_targets_min: u32,
    pub unhealthy_targets: f64,
    /// 100 × (requests − elb_5xx − target_5xx − rejected) ÷ requests (empty without requests).
    /// Requests count in the minute they end, so over the run the request-weighted mean of this
    /// column is the run's availability.
    pub availability_pct: Option<f64>,
    /// The cluster row only: what the run has cost so far (USD; EC2 instances and Fargate
    /// tasks, per-second billing with the one-minute minimum; `capacity::cost`).
    pub cost_usd_cumulative: Option<f64>,
}

impl MinuteRow {
    /// Fills the load-balancer columns.
    pub(super) fn set_alb(&mut self, z: &crate::sim::alb::metrics::ZoneMinute) {
        self.requests_sent = z.sent;
        self.requests = z.tally.ended();
        self.elb_5xx = z.tally.elb_5xx();
        self.target_5xx = z.tally.target_5xx;
        self.rejected = z.tally.rejected;
        self.latency_ms_avg = z.latency_ms_avg;
        self.latency_ms_p50 = z.latency_ms_p50;
        self.latency_ms_p90 = z.latency_ms_p90;
        self.latency_ms_p99 = z.latency_ms_p99;
        self.healthy_targets = z.healthy_targets;
        self.healthy_targets_min = z.healthy_targets_min;
        self.unhealthy_targets = z.unhealthy_targets;
        self.availability_pct = crate::sim::alb::metrics::availability_pct(&z.tally);
    }
}
