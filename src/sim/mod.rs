//! The conductor of the run: builds the `World` (`sim/world.rs`), installs the notice
//! listeners, pops `(time, sequence)` events and hands each to its concern's handler, ends each
//! minute (recorder, cost, metrics, alarms, scaling, in that order) and checks the invariants.
//! It may call every concern; no concern calls it.
//!
//! * `world`: the data of the run (`World`, `Event`) and the notice bus; `task`: a task's data.
//! * `lifecycle`: a task's way from placement to STOPPED, container health checks, the stop
//!   sequence (DEACTIVATING → STOPPING → STOPPED), resources freed only at STOPPED.
//! * `instances`: instance state changes (register, DRAINING/ACTIVE, terminate) any concern may
//!   make, and the services' re-evaluation that follows them.
//! * `standalone`: workloads of RunTask calls (arrivals, waiting for capacity).
//! * `services`: the service scheduler (REPLICA and DAEMON, deployments, circuit breaker).
//! * `actions`: scheduled UpdateService, StopTask, instance state changes, ...
//! * `alb`: the Application Load Balancer: targets, health checks, routing, request queues,
//!   traffic sources and their metrics.
//! * `recorder`: what the run records for the report.
//! * `capacity`: Auto Scaling groups, capacity providers, Fargate, cost; `faults`: injected
//!   faults and their measures; `monitor`: CloudWatch metrics and alarms (the one copy of alarm
//!   state); `scaling`: Service Auto Scaling; `unreachable`: instances a fault took down.
//! * `notice`: what one concern tells the others; `LISTENERS` below says who hears them.
//!
//! Each concern keeps its own state in a `state` file that does not touch the world (and is
//! tested alone); its `impl World` glue is in its other files.

pub mod actions;
pub mod alb;
pub mod capacity;
pub mod faults;
#[cfg(test)]
mod file_graph;
pub mod ids;
pub mod instances;
pub mod lifecycle;
pub mod monitor;
pub mod notice;
pub mod recorder;
pub mod scaling;
pub mod service_settings;
pub mod services;
pub mod standalone;
pub mod task;
#[cfg(test)]
mod tests;
pub mod unreachable;
pub mod world;

use crate::ecs::instance::ContainerInstance;
use crate::ecs::task::LastStatus;
use crate::ecs::Cluster;
use crate::engine::{EventQueue, SimTime, Span, Streams};
use crate::model::Scenario;
use crate::sim::ids::ServiceId;
use notice::Notice;
use recorder::Recorder;
pub use task::{Owner, Task, TaskTimer};
pub use world::{Event, Listener, World};

/// The result of one run.
pub struct RunOutcome {
    pub recorder: Recorder,
    pub cluster: Cluster,
    /// Every task of the run by id, in creation order (tasks.csv is built from them); finished
    /// standalone tasks are held on disk (`Tasks::for_each_record`).
    pub tasks: task::Tasks,
    pub events_handled: u64,
    /// Load-balancer run totals (empty without load balancers).
    pub traffic: Option<alb::metrics::TrafficTotals>,
    /// alarms.csv: every alarm state change.
    pub alarm_rows: Vec<monitor::state::AlarmRow>,
    /// alarm_actions.csv: every action an alarm invoked on a transition.
    pub alarm_action_rows: Vec<monitor::state::AlarmActionRow>,
    /// scaling.csv: every scaling decision (services' and Auto Scaling groups').
    pub scaling_rows: Vec<scaling::state::ScalingRow>,
    /// Per service with scaling or deployment alarms: the alarms that concern it (for its chart).
    pub service_alarms: Vec<(String, Vec<String>)>,
    /// Cost, Auto Scaling groups at the end, capacity providers of instances.
    pub capacity: capacity::state::CapacityOutcome,
    /// faults.csv: one row per fault occurrence and service it hit.
    pub fault_rows: Vec<crate::faults::FaultRow>,
    /// Per service: its deployment bounds and scaling targets at the end (for its charts).
    pub service_settings: Vec<service_settings::ServiceSettings>,
}

impl RunOutcome {
    /// The rows of tasks.csv, in task order, each handed to `f` (read back from disk for the
    /// finished tasks: a long run's rows are never all in memory).
    /// The rows of tasks.csv, in task order, each handed to `f` (borrowed: one row is written
    /// over for the next task; `f` clones what it keeps).
    pub fn for_each_task_row(&self, mut f: impl FnMut(&recorder::TaskRow)) -> std::io::Result<()> {
        let providers = !self.capacity.instance_provider.is_empty();
        self.recorder.for_each_task_row(&self.tasks, &self.cluster, |t, row| {
            if let (true, Owner::Service(s)) = (providers, t.owner) {
                if self.capacity.services_with_capacity.get(s.index()).copied().unwrap_or(false) {
                    let provider = self.capacity.instance_provider.get(t.instance.index());
                    row.capacity_provider.push_str(provider.map_or("", String::as_str));
                }
            }
            f(row)
        })
    }

    /// The rows of tasks.csv, all in memory (tests and small runs; `for_each_task_row` streams).
    pub fn task_rows(&self) -> std::io::Result<Vec<recorder::TaskRow>> {
        let mut rows = Vec::new();
        self.for_each_task_row(|r| rows.push(r.clone()))?;
        Ok(rows)
    }

    /// The rows of instances.csv.
    pub fn instance_rows(&self) -> Vec<recorder::InstanceRow> {
        let c = &self.capacity;
        self.recorder.instance_rows(&self.cluster, &c.instance_launched_s, &c.instance_purchase, &c.instance_provider)
    }
}

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Check the model's invariants after every event (tests turn this on; it costs O(n)
    /// per event).
    pub check_invariants: bool,
    /// Keep no event log: for a run whose events no file will show (`ecsim run --outputs
    /// summary`). Every other record, and so summary.json, is the same.
    pub without_event_log: bool,
}

/// The scheduler's periodic evaluation (docs/ecs-model.md#simulated-time, ecsim's choice).
pub const SCHEDULER_TICK: Span = Span(15_000_000);

/// Runs `scenario` with `seed` to its end.
pub fn run(scenario: &Scenario, seed: u64) -> RunOutcome {
    run_with(scenario, seed, RunOptions::default(), &mut |_| {})
}

/// Runs `scenario`, calling `progress` at the end of every simulated minute.
pub fn run_with(scenario: &Scenario, seed: u64, options: RunOptions, progress: &mut dyn FnMut(SimTime)) -> RunOutcome {
    run_from(scenario, scenario.cluster.clone(), seed, options, progress)
}

/// [`run_with`] starting from `cluster` instead of a copy of `scenario.cluster`, which is not
/// read: a caller that owns the scenario moves its cluster in (`std::mem::take`) and saves the
/// copy (500,000 instances are about 300 MB and a second of copying).
pub fn run_from(scenario: &Scenario, cluster: Cluster, seed: u64, options: RunOptions, progress: &mut dyn FnMut(SimTime)) -> RunOutcome {
    let streams = Streams::new(seed);
    let mut world = World::with_cluster(scenario, cluster, &streams, options);
    let end = SimTime::ZERO + scenario.duration;
    // Nothing after `end` is popped below: the queue need not keep it.
    world.queue.set_horizon(end);
    world.schedule_faults();
    world.start_traffic(&streams);
    world.schedule_first_arrivals();
    for (i, s) in scenario.services.iter().enumerate() {
        world.queue.schedule(SimTime::ZERO + s.created_at, Event::ServiceEvaluation { service: ServiceId::at(i) });
        world.services[i].evaluation_pending = true;
    }
    for (i, a) in scenario.actions.iter().enumerate() {
        world.queue.schedule(SimTime::ZERO + a.at, Event::Action { index: i as u16 });
    }
    if !scenario.services.is_empty() {
        world.queue.schedule(SimTime::ZERO + SCHEDULER_TICK, Event::SchedulerTick);
    }
    // Minute boundaries pop before anything else at their instant: a minute's row is the state
    // over [60k, 60(k+1)), before what happens at 60(k+1).
    world.queue.schedule_first(SimTime::from_secs(60), Event::MinuteEnded);

    while let Some((now, event)) = world.queue.pop_until(end) {
        match event {
            Event::Arrival { workload } => world.on_arrival(now, workload, true),
            Event::ListedArrival { workload } => world.on_arrival(now, workload, false),
            Event::TaskTimer { task, generation, timer } => world.on_task_timer(now, task, generation, timer),
            Event::ServiceEvaluation { service } => world.on_service_evaluation(now, service),
            Event::SchedulerTick => {
                world.evaluate_all(now);
                world.queue.schedule(now + SCHEDULER_TICK, Event::SchedulerTick);
            }
            Event::Action { index } => world.on_action(now, index),
            Event::WaitExpired { workload, ticket } => world.on_wait_expired(now, workload, ticket),
            Event::MinuteEnded => {
                world.minute_ended(now);
                progress(now);
                world.queue.schedule_first(now + Span::from_secs(60), Event::MinuteEnded);
            }
            Event::Request { source } => world.on_request(now, source),
            Event::RequestDone { server, worker, generation } => world.on_request_done(now, server, worker, generation),
            Event::RequestTimeout { server, generation } => world.on_request_timeout(now, server, generation),
            Event::LbTimeouts => world.on_lb_timeouts(now),
            Event::TargetCheck { group, verdict, server, generation } => world.on_target_check(now, group, verdict, server, generation),
            Event::AsgInstanceReady { group, member } => world.on_asg_instance_ready(now, group, member),
            Event::Fault { fault, step, target } => world.on_fault(now, fault, step, target),
        }
        // (Most events finish no task: the request path skips the call.)
        if !world.finished.is_empty() {
            world.retire_finished();
        }
        // Requests change no cluster or scheduler state: checking after each would only cost.
        if world.check
            && !matches!(event, Event::Request { .. } | Event::RequestDone { .. } | Event::RequestTimeout { .. } | Event::LbTimeouts)
        {
            world.check_invariants();
        }
    }
    world.minute_ended(end);
    let fault_rows = world.fault_rows(end);
    world.finish();
    let capacity = world.capacity_finish(end);
    let waiting = world.workloads.iter().map(|w| w.waiting.len() as u64).sum();
    world.recorder.set_waiting_at_end(waiting);
    let traffic = world.traffic_totals();
    let service_alarms = world.service_alarms();
    let service_settings = world.service_settings();
    RunOutcome {
        events_handled: world.queue.events_popped(),
        recorder: world.recorder,
        cluster: world.cluster,
        tasks: world.tasks,
        traffic,
        alarm_rows: world.monitor.rows,
        alarm_action_rows: world.monitor.action_rows,
        scaling_rows: world.scaling_rows,
        service_alarms,
        capacity,
        fault_rows,
        service_settings,
    }
}

impl<'s> World<'s> {
    /// The world at t = 0: the scenario's cluster, every concern's initial state, nothing
    /// scheduled yet (`run_with` schedules the first events).
    pub fn new(scenario: &'s Scenario, streams: &Streams, options: RunOptions) -> World<'s> {
        World::with_cluster(scenario, scenario.cluster.clone(), streams, options)
    }

    /// [`World::new`] owning `cluster` (the scenario's at t = 0, moved or copied by the
    /// caller); `scenario.cluster` is not read.
    pub fn with_cluster(scenario: &'s Scenario, mut cluster: Cluster, streams: &Streams, options: RunOptions) -> World<'s> {
        let check = options.check_invariants || cfg!(debug_assertions);
        // What the instances hold before the workloads and services touch the cluster.
        let held_at_start = if check { cluster.instances.iter().map(held).collect() } else { Vec::new() };
        let mut monitor = monitor::state::Monitor::new(scenario);
        let capacity = capacity::state::init(scenario, &cluster, &mut monitor, streams);
        let faults = faults::state::FaultState::new(scenario, cluster.instances.len(), streams);
        let workloads = standalone::state::init(scenario, &mut cluster, streams);
        let services = services::init(scenario, &mut cluster);
        let mut recorder = Recorder::new(&cluster, scenario);
        recorder.without_event_log = options.without_event_log;
        let indexes = standalone::state::indexes(scenario, &cluster, &workloads);
        let alb = alb::AlbState::new(scenario, recorder.zone_names(), streams);
        let mut world = World {
            scenario,
            queue: EventQueue::new(),
            cluster,
            tasks: task::Tasks::new(),
            finished: Vec::new(),
            reservations: scenario.task_definitions.iter().map(|td| td.reservation()).collect(),
            shapes: scenario
                .workloads
                .iter()
                .map(|w| w.task_definition)
                .chain(scenario.services.iter().map(|s| s.task_definition))
                .map(|td| scenario.task_definitions[td].reservation())
                .collect(),
            workloads,
            services,
            placement_rng: streams.get("placement"),
            scale_in_rng: streams.get("scalein"),
            lifecycle_rng: streams.get("lifecycle"),
            indexes,
            service_indexes: vec![Default::default(); scenario.services.len()],
            recorder,
            check,
            held_at_start,
            stopped_this_evaluation: Vec::new(),
            alb,
            monitor,
            scaling: Vec::new(),
            scaling_rows: Vec::new(),
            capacity,
            faults,
            listeners: LISTENERS,
        };
        world.scaling = scaling::state::init(scenario, &mut world.monitor);
        world
    }
}

/// Who hears the notices, in this order for every notice (the order of the calls the notices
/// replaced): the placement indexes, services, capacity, faults, standalone workloads, then the
/// recorder (it only notes which instances changed). A new
/// listener is one line here; the concern raising a notice names only the bus.
const LISTENERS: &[Listener] = &[placement_indexes_hear, services_hear, capacity_hear, faults_hear, workloads_hear, recorder_hears];

/// The recorder counts each zone's tasks and stranded capacity from the instances that changed.
fn recorder_hears(world: &mut World<'_>, _now: SimTime, notice: Notice) {
    // A task starting moves its instance's running and pending counts: the zone's too.
    if let Notice::InstanceChanged(instance) | Notice::InstanceTaskStarted(instance) | Notice::InstanceTaskStopping { instance, .. } =
        notice
    {
        world.recorder.instance_changed(instance);
    }
}

/// Every placement index must hear of every change to an instance.
fn placement_indexes_hear(world: &mut World<'_>, _now: SimTime, notice: Notice) {
    let cluster = &world.cluster;
    let indexes = world.indexes.iter_mut().flatten().chain(world.service_indexes.iter_mut().flat_map(|s| s.iter_mut()));
    match notice {
        Notice::InstanceChanged(instance) => indexes.for_each(|index| index.instance_changed(cluster, instance)),
        // A third of a RunTask workload's instance changes each: most indexes read nothing
        // they change, and skip the instance without touching their own state.
        Notice::InstanceTaskStarted(instance) => indexes.for_each(|index| index.task_started(cluster, instance)),
        Notice::InstanceTaskStopping { instance, group } => indexes.for_each(|index| index.task_stopping(cluster, instance, group)),
        _ => {}
    }
}

/// A task's service re-evaluates when the task changes; when it stopped, its service and the
/// services waiting for the room it freed re-evaluate at once; alarms move deployments.
fn services_hear(world: &mut World<'_>, now: SimTime, notice: Notice) {
    match notice {
        Notice::TaskChanged { task } => {
            if let Owner::Service(s) = world.tasks[task.index()].owner {
                world.on_service_task_changed(now, s, task);
            }
        }
        Notice::TaskStopped { task } => world.task_stopped_reevaluate(now, task),
        Notice::AlarmChanged => world.evaluate_all(now),
        _ => {}
    }
}

/// Capacity bills instances, closes their bills, and retires Fargate capacity or a drained
/// Auto Scaling instance when a task stops.
fn capacity_hear(world: &mut World<'_>, now: SimTime, notice: Notice) {
    match notice {
        Notice::InstanceRegistered(instance) => world.capacity_instance_registered(now, instance),
        Notice::InstanceGone(instance) => world.capacity_instance_gone(now, instance),
        Notice::TaskStopped { task } => world.capacity_task_stopped(now, task),
        _ => {}
    }
}

/// Faults draw lifetimes of new instances, running tasks and Fargate Spot tasks, and follow
/// the services they watch.
fn faults_hear(world: &mut World<'_>, now: SimTime, notice: Notice) {
    match notice {
        Notice::GroupInstanceRegistered(instance) => world.faults_instance_registered(now, instance),
        Notice::TaskRunning { task } => world.faults_task_running(now, task),
        Notice::FargateSpotStarted { task, service } => world.faults_fargate_spot_started(now, task, service),
        Notice::ServiceChanged { service } => world.faults_service_changed(now, service),
        _ => {}
    }
}

/// Capacity was freed: standalone tasks waiting for it may fit now.
fn workloads_hear(world: &mut World<'_>, now: SimTime, notice: Notice) {
    if let Notice::TaskStopped { .. } = notice {
        world.retry_waiting(now);
    }
}

impl World<'_> {
    fn minute_ended(&mut self, now: SimTime) {
        let start = self.recorder.minute_start();
        if now <= start {
            return;
        }
        let zone_alb = self.alb_minute_ended(start, now);
        self.replay_service_load(start, now);
        let alb = zone_alb.as_deref().map(|z| (self.alb.zones.as_slice(), z));
        let minute = self.recorder.minute_index();
        if self.recorder.minute_ended(now, &self.cluster, &self.shapes, alb) {
            if self.check {
                self.recorder.check_minute_counts(&self.cluster, &self.shapes);
            }
            self.record_cost_minute(now);
            self.record_service_minute(start);
            // Only whole minutes are datapoints (the run's last partial minute is not published).
            if now.as_micros().is_multiple_of(60_000_000) {
                self.capacity_minute_metrics();
                self.monitor_minute(now, minute);
                self.autoscale(now);
                self.capacity_scale(now);
            }
        }
        self.watch_all(now);
    }

    /// Model invariants: what every non-STOPPED task holds, plus what remains, is exactly
    /// what the instance registered. A failure is a model bug; the message says where.
    fn check_invariants(&self) {
        let n = self.cluster.instances.len();
        // Start from what the instances held at t = 0 (tasks from describe-tasks, not ours).
        let mut cpu: Vec<u64> = vec![0; n];
        let mut mem: Vec<u64> = vec![0; n];
        let mut enis: Vec<u32> = vec![0; n];
        for (i, &(c, m, e)) in self.held_at_start.iter().enumerate() {
            (cpu[i], mem[i], enis[i]) = (c, m, e);
        }
        for t in self.tasks.iter().filter(|t| t.last_status != LastStatus::Stopped) {
            let r = &self.reservations[t.task_definition as usize];
            cpu[t.instance.index()] += r.cpu_units as u64;
            mem[t.instance.index()] += r.memory_mib as u64;
            enis[t.instance.index()] += r.enis;
        }
        for (i, inst) in self.cluster.instances.iter().enumerate() {
            assert_eq!(
                cpu[i] + inst.remaining_cpu_units as u64,
                inst.registered_cpu_units as u64,
                "CPU accounting broken on {}",
                inst.ec2_instance_id
            );
            assert_eq!(
                mem[i] + inst.remaining_memory_mib as u64,
                inst.registered_memory_mib as u64,
                "memory accounting broken on {}",
                inst.ec2_instance_id
            );
            assert_eq!(enis[i], inst.enis_in_use, "ENI accounting broken on {}", inst.ec2_instance_id);
            assert!(inst.enis_in_use <= inst.eni_task_limit, "ENI over-commit on {}", inst.ec2_instance_id);
        }
        self.check_service_invariants();
        self.check_alb_invariants();
        self.check_capacity_invariants();
    }
}

/// What an instance's tasks hold at t = 0: CPU units, memory MiB, ENIs (the invariant checks'
/// starting point).
fn held(inst: &ContainerInstance) -> (u64, u64, u32) {
    (
        (inst.registered_cpu_units - inst.remaining_cpu_units) as u64,
        (inst.registered_memory_mib - inst.remaining_memory_mib) as u64,
        inst.enis_in_use,
    )
}
