//! The simulation: the `World` (cluster, tasks, services, workloads), the `Event` enum, and
//! the dispatch loop that pops (time, sequence) events and hands each to its handler.
//!
//! * `lifecycle`: a task's way from placement to STOPPED (spec §2.2), container health checks,
//!   the stop sequence (DEACTIVATING → STOPPING → STOPPED), resources freed only at STOPPED.
//! * `standalone`: workloads of RunTask calls (arrivals, waiting for capacity).
//! * `services`: the service scheduler (REPLICA and DAEMON, deployments, circuit breaker).
//! * `actions`: scheduled UpdateService, StopTask, instance state changes, ...
//! * `alb`: the Application Load Balancer: targets, health checks, routing, request queues,
//!   traffic sources and their metrics.
//! * `recorder`: what the run records for the report.
//! * `capacity`: Auto Scaling groups, capacity providers, Fargate, cost; `faults`: injected
//!   faults and their measures; `monitor`: CloudWatch metrics and alarms (the one copy of alarm
//!   state); `scaling`: Service Auto Scaling; `unreachable`: instances a fault took down.
//! * `notice`: what one concern tells the others. `World::notify` below is the one place that
//!   hands each notice to its listeners (the placement indexes, services, capacity, faults,
//!   standalone workloads).

pub mod actions;
pub mod alb;
pub mod capacity;
pub mod faults;
pub mod ids;
#[cfg(test)]
mod file_graph;
pub mod lifecycle;
pub mod monitor;
pub mod notice;
pub mod recorder;
pub mod scaling;
pub mod services;
pub mod standalone;
#[cfg(test)]
mod tests;
pub mod unreachable;

use crate::ecs::instance::{Binding, GroupId, InstanceId};
use crate::ecs::placement::index::PlacementIndex;
use crate::ecs::task::{LastStatus, StopCode};
use crate::ecs::task_def::Reservation;
use crate::ecs::Cluster;
use crate::engine::{EventQueue, SimTime, Span, StreamRng, Streams};
use crate::model::Scenario;
use notice::Notice;
use recorder::Recorder;
use services::ServiceState;
use standalone::WorkloadState;

/// Everything that can happen. Small and `Copy`: the queue moves these by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A RunTask call of a workload (Poisson: schedules the next one).
    Arrival { workload: u16 },
    /// The next listed arrival time of a workload.
    ListedArrival { workload: u16 },
    /// A timer of one task; ignored when the task's generation moved on (it changed state).
    TaskTimer { task: u32, generation: u32, timer: TaskTimer },
    /// Re-evaluate one service (coalesced: at most one pending per service and instant).
    ServiceEvaluation { service: u16 },
    /// The scheduler's periodic tick (spec §0, 15 s).
    SchedulerTick,
    /// The `index`-th scheduled action.
    Action { index: u16 },
    /// A waiting task's `max_wait` ran out.
    WaitExpired { workload: u16, ticket: u32 },
    /// End of a one-minute metric period.
    MinuteEnded,
    /// The next request of a traffic source reaches its load balancer.
    Request { source: u16 },
    /// A worker of a server (a task's request queue) finishes a request; dropped when the
    /// server's generation moved on (the task went away).
    RequestDone { server: u32, worker: u32, generation: u32 },
    /// The oldest unanswered request of a server reaches the load balancer's idle timeout
    /// (at most one pending per server; dropped when its generation moved on).
    RequestTimeout { server: u32, generation: u32 },
    /// Requests sent to unreachable targets reach their timeout.
    LbTimeouts,
    /// A load-balancer health check of a target: sent, or its verdict.
    TargetCheck { group: u16, verdict: alb::health::CheckStep, server: u32, generation: u32 },
    /// An instance an Auto Scaling group launched registers with the cluster.
    AsgInstanceReady { group: u16, member: u32 },
    /// A step of a `[[faults]]` entry on `target` (an instance, a task, or an occurrence, as
    /// the step says; `None`: the fault picks its own when it fires).
    Fault { fault: u16, step: faults::FaultStep, target: Option<u32> },
}

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
    /// 40 s RUNNING: a service task without health checks counts as healthy (spec §6.1).
    HealthyByTime,
    /// DEACTIVATING is over (target deregistered): STOPPING, SIGTERM.
    Deactivated,
    /// The containers have exited (or were killed after stopTimeout): STOPPED.
    ContainersStopped,
}

const _: () = assert!(std::mem::size_of::<Event>() <= 16);

/// Who a task belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Workload(u16),
    Service(u16),
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
    pub running_at: Option<SimTime>,
    /// When desiredStatus became STOPPED.
    pub stopping_at: Option<SimTime>,
    pub stopped_at: Option<SimTime>,
    /// Standalone tasks: how long the work takes once RUNNING.
    pub run_time: Option<Span>,
    /// Container health: None = UNKNOWN (or no health check), Some(true) HEALTHY.
    pub container_healthy: Option<bool>,
    pub health_failures: u32,
    /// Counts as healthy for minimumHealthyPercent (spec §6.1).
    pub healthy: bool,
    pub stop_code: Option<StopCode>,
    /// Stopped because a health check failed (circuit breaker stage 2).
    pub stopped_for_health: bool,
    /// The application has already exited (no SIGTERM wait in the stop sequence).
    pub exited: bool,
    /// Task scale-in protection expires then (spec §4.1).
    pub protected_until: Option<SimTime>,
}

/// The whole simulated state.
pub struct World<'s> {
    pub scenario: &'s Scenario,
    pub queue: EventQueue<Event>,
    pub cluster: Cluster,
    pub tasks: Vec<Task>,
    /// What one task of each task definition reserves.
    pub reservations: Vec<Reservation>,
    /// The task shapes of the workloads and services (for the stranded-capacity measure).
    shapes: Vec<Reservation>,
    pub workloads: Vec<WorkloadState>,
    pub services: Vec<ServiceState>,
    pub placement_rng: StreamRng,
    pub scale_in_rng: StreamRng,
    pub lifecycle_rng: StreamRng,
    /// One placement index per workload (when placements are not explained): the same
    /// decisions and random draws as `placement::place`, in O(log n).
    pub indexes: Vec<Option<PlacementIndex>>,
    pub recorder: Recorder,
    /// Check model invariants (after every event, and inside scheduler decisions).
    pub check: bool,
    /// Tasks the scheduler told to stop during the current evaluation (for its event).
    pub stopped_this_evaluation: Vec<u32>,
    /// The load balancers, their targets and the request traffic.
    pub alb: alb::AlbState,
    /// CloudWatch: published metrics and alarms.
    pub monitor: monitor::Monitor,
    /// Service Auto Scaling: scalable targets and their policies.
    pub scaling: Vec<scaling::ServiceScaling>,
    pub scaling_rows: Vec<scaling::ScalingRow>,
    /// Auto Scaling groups, capacity providers, PROVISIONING tasks, Fargate, cost (spec §12).
    pub capacity: capacity::CapacityState,
    /// Injected faults and their measures.
    pub faults: faults::FaultState,
}

/// The result of one run.
pub struct RunOutcome {
    pub recorder: Recorder,
    pub cluster: Cluster,
    /// Every task of the run, in creation order (tasks.csv is built from them).
    pub tasks: Vec<Task>,
    pub events_handled: u64,
    /// Load-balancer run totals (empty without load balancers).
    pub traffic: Option<alb::metrics::TrafficTotals>,
    /// alarms.csv: every alarm state change.
    pub alarm_rows: Vec<monitor::AlarmRow>,
    /// alarm_actions.csv: every action an alarm invoked on a transition.
    pub alarm_action_rows: Vec<monitor::AlarmActionRow>,
    /// scaling.csv: every scaling decision (services' and Auto Scaling groups').
    pub scaling_rows: Vec<scaling::ScalingRow>,
    /// Per service with scaling or deployment alarms: the alarms that concern it (for its chart).
    pub service_alarms: Vec<(String, Vec<String>)>,
    /// Cost, Auto Scaling groups at the end, capacity providers of instances.
    pub capacity: capacity::CapacityOutcome,
    /// faults.csv: one row per fault occurrence and service it hit.
    pub fault_rows: Vec<crate::faults::FaultRow>,
}

impl RunOutcome {
    /// The rows of tasks.csv.
    pub fn task_rows(&self) -> Vec<recorder::TaskRow> {
        let mut rows = self.recorder.task_rows(&self.tasks);
        if !self.capacity.instance_provider.is_empty() {
            for (row, t) in rows.iter_mut().zip(&self.tasks) {
                let Owner::Service(s) = t.owner else { continue };
                if self.capacity.services_with_capacity.get(s as usize).copied().unwrap_or(false) {
                    row.capacity_provider = self.capacity.instance_provider.get(t.instance.index()).cloned().unwrap_or_default();
                }
            }
        }
        rows
    }
}

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Check the model's invariants after every event (tests turn this on; it costs O(n)
    /// per event).
    pub check_invariants: bool,
}

/// The scheduler's periodic evaluation (spec §0 [INF]).
pub const SCHEDULER_TICK: Span = Span(15_000_000);

/// Runs `scenario` with `seed` to its end.
pub fn run(scenario: &Scenario, seed: u64) -> RunOutcome {
    run_with(scenario, seed, RunOptions::default(), &mut |_| {})
}

/// Runs `scenario`, calling `progress` at the end of every simulated minute.
pub fn run_with(scenario: &Scenario, seed: u64, options: RunOptions, progress: &mut dyn FnMut(SimTime)) -> RunOutcome {
    let streams = Streams::new(seed);
    let mut world = World::new(scenario, &streams, options);
    world.schedule_faults();
    world.start_traffic(&streams);
    let end = SimTime::ZERO + scenario.duration;
    world.schedule_first_arrivals();
    for (i, s) in scenario.services.iter().enumerate() {
        world.queue.schedule(SimTime::ZERO + s.created_at, Event::ServiceEvaluation { service: i as u16 });
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

    while let Some(t) = world.queue.peek_time() {
        if t > end {
            break;
        }
        let Some((now, event)) = world.queue.pop() else { break };
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
    }
}

impl<'s> World<'s> {
    /// The world at t = 0: the scenario's cluster, every concern's initial state, nothing
    /// scheduled yet (`run_with` schedules the first events).
    pub fn new(scenario: &'s Scenario, streams: &Streams, options: RunOptions) -> World<'s> {
        let mut cluster = scenario.cluster.clone();
        let workloads = standalone::init(scenario, &mut cluster, streams);
        let services = services::init(scenario, &mut cluster);
        let recorder = Recorder::new(&cluster, scenario);
        let indexes = standalone::indexes(scenario, &cluster, &workloads);
        let alb = alb::AlbState::new(scenario, recorder.zone_names(), streams);
        let mut monitor = monitor::Monitor::new(scenario);
        let capacity = capacity::init(scenario, &mut monitor, streams);
        let mut world = World {
            scenario,
            queue: EventQueue::new(),
            cluster,
            tasks: Vec::new(),
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
            recorder,
            check: options.check_invariants || cfg!(debug_assertions),
            stopped_this_evaluation: Vec::new(),
            alb,
            monitor,
            scaling: Vec::new(),
            scaling_rows: Vec::new(),
            capacity,
            faults: faults::FaultState::new(scenario, streams),
        };
        world.scaling = scaling::init(scenario, &mut world.monitor);
        world
    }
}

impl World<'_> {
    /// Hands a notice to every concern that follows it: the one place where concerns hear of
    /// each other. Handled at once, depth first (a listener may raise notices of its own), in
    /// the order below, which is the order of the calls the notices replaced.
    pub fn notify(&mut self, now: SimTime, notice: Notice) {
        match notice {
            // Every placement index must hear of every change to an instance.
            Notice::InstanceChanged(instance) => {
                for index in self.indexes.iter_mut().flatten() {
                    index.instance_changed(&self.cluster, instance);
                }
            }
            Notice::InstanceRegistered(instance) => self.capacity_instance_registered(now, instance),
            Notice::GroupInstanceRegistered(instance) => self.faults_instance_registered(now, instance),
            Notice::InstanceGone(instance) => self.capacity_instance_gone(now, instance),
            Notice::TaskChanged { task } => {
                if let Owner::Service(s) = self.tasks[task as usize].owner {
                    self.on_service_task_changed(now, s, task);
                }
            }
            Notice::TaskRunning { task } => self.faults_task_running(now, task),
            Notice::TaskStopped { task } => {
                // Its service, and services waiting for the room it freed, re-evaluate at once.
                self.task_stopped_reevaluate(now, task);
                // Fargate capacity is retired and billed; a draining Auto Scaling instance may be
                // empty.
                self.capacity_task_stopped(now, task);
                // Capacity was freed: tasks waiting for it may fit now.
                self.retry_waiting(now);
            }
            Notice::FargateSpotStarted { task, service } => self.faults_fargate_spot_started(now, task, service),
            Notice::ServiceChanged { service } => self.faults_service_changed(now, service),
            Notice::AlarmChanged => self.evaluate_all(now),
        }
    }

    fn minute_ended(&mut self, now: SimTime) {
        let start = self.recorder.minute_start();
        if now <= start {
            return;
        }
        let zone_alb = self.alb_minute_ended(start, now);
        let alb = zone_alb.as_deref().map(|z| (self.alb.zones.as_slice(), z));
        let minute = self.recorder.minute_index();
        if self.recorder.minute_ended(now, &self.cluster, &self.shapes, alb) {
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
        for (i, inst) in self.scenario.cluster.instances.iter().enumerate() {
            cpu[i] = (inst.registered_cpu_units - inst.remaining_cpu_units) as u64;
            mem[i] = (inst.registered_memory_mib - inst.remaining_memory_mib) as u64;
            enis[i] = inst.enis_in_use;
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
