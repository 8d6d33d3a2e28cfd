//! The simulation: the `World` (cluster, tasks, waiting queues), the `Event` enum, and the
//! dispatch loop that pops (time, sequence) events and hands each to its handler.
//!
//! Standalone tasks (RunTask) arrive from workloads, are placed by the ECS placement engine,
//! go PENDING → RUNNING → STOPPED, and free their resources when STOPPED (spec §1.4, §2.2).

pub mod recorder;

use crate::ecs::instance::{Binding, GroupId, InstanceId};
use crate::ecs::placement::index::PlacementIndex;
use crate::ecs::placement::{self, Outcome, PlacementRequest};
use crate::ecs::task_def::Reservation;
use crate::ecs::Cluster;
use crate::engine::{EventQueue, SimTime, Span, StreamRng, Streams};
use crate::scenario::{Scenario, Unplaceable};
use crate::workload::Arrivals;
use recorder::{EventKind, Recorder};
use std::collections::VecDeque;

/// Everything that can happen. Small and `Copy`: the queue moves these by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A RunTask call of workload `workload` (Poisson: schedules the next one).
    Arrival { workload: u16 },
    /// The `index`-th listed arrival time of a workload.
    ListedArrival { workload: u16 },
    /// PENDING → RUNNING.
    TaskStarted { task: u32 },
    /// The task's containers exited; it is STOPPED and its resources return.
    TaskStopped { task: u32 },
    /// A waiting task's `max_wait` ran out.
    WaitExpired { workload: u16, ticket: u32 },
    /// End of a one-minute metric period.
    MinuteEnded,
}

const _: () = assert!(std::mem::size_of::<Event>() <= 16);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Pending,
    Running,
    Stopped,
}

/// A placed standalone task.
#[derive(Debug, Clone)]
pub struct Task {
    pub workload: u16,
    pub instance: InstanceId,
    pub binding: Binding,
    pub state: TaskState,
    pub submitted_at: SimTime,
    pub run_time: Span,
}

/// A task waiting for capacity (`on_unplaceable = "wait"`).
#[derive(Debug, Clone, Copy)]
struct Waiting {
    ticket: u32,
    submitted_at: SimTime,
    run_time: Span,
    start_delay: Span,
}

/// Per-workload state that does not change during the run, plus its random streams.
struct WorkloadState {
    reservation: Reservation,
    group: GroupId,
    arrivals_rng: StreamRng,
    run_time_rng: StreamRng,
    start_delay_rng: StreamRng,
    next_listed: usize,
    waiting: VecDeque<Waiting>,
    next_ticket: u32,
}

/// The whole simulated state.
pub struct World<'s> {
    pub scenario: &'s Scenario,
    pub cluster: Cluster,
    pub tasks: Vec<Task>,
    workloads: Vec<WorkloadState>,
    placement_rng: StreamRng,
    /// One placement index per workload (when placements are not explained): the same
    /// decisions and random draws as `placement::place`, in O(log n).
    indexes: Vec<Option<PlacementIndex>>,
    pub recorder: Recorder,
}

/// The result of one run.
pub struct RunOutcome {
    pub recorder: Recorder,
    pub cluster: Cluster,
    pub events_handled: u64,
}

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Check the model's invariants after every event (tests turn this on; it costs O(n)
    /// per event).
    pub check_invariants: bool,
}

/// Runs `scenario` with `seed` to its end.
pub fn run(scenario: &Scenario, seed: u64) -> RunOutcome {
    run_with(scenario, seed, RunOptions::default(), &mut |_| {})
}

/// Runs `scenario`, calling `progress` at the end of every simulated minute.
pub fn run_with(scenario: &Scenario, seed: u64, options: RunOptions, progress: &mut dyn FnMut(SimTime)) -> RunOutcome {
    let streams = Streams::new(seed);
    let mut cluster = scenario.cluster.clone();
    let workloads: Vec<WorkloadState> = scenario
        .workloads
        .iter()
        .map(|w| {
            let prefix = format!("workload/{}", w.name);
            WorkloadState {
                reservation: scenario.task_definitions[w.task_definition].reservation(),
                group: cluster.group_id(&w.group),
                arrivals_rng: streams.get(&format!("{prefix}/arrivals")),
                run_time_rng: streams.get(&format!("{prefix}/run_time")),
                start_delay_rng: streams.get(&format!("{prefix}/start_delay")),
                next_listed: 0,
                waiting: VecDeque::new(),
                next_ticket: 0,
            }
        })
        .collect();
    let recorder = Recorder::new(&cluster, scenario);
    let indexes = scenario
        .workloads
        .iter()
        .zip(&workloads)
        .map(|(w, ws)| {
            (!scenario.explain_placements).then(|| {
                let req = PlacementRequest {
                    reservation: &ws.reservation,
                    group: ws.group,
                    strategies: &w.strategies,
                    constraints: &w.constraints,
                    requires_attributes: &scenario.task_definitions[w.task_definition].requires_attributes,
                    tie_break: scenario.tie_break,
                };
                PlacementIndex::new(&cluster, &req)
            })
        })
        .collect();
    let mut world = World { scenario, cluster, tasks: Vec::new(), workloads, placement_rng: streams.get("placement"), indexes, recorder };
    let mut queue: EventQueue<Event> = EventQueue::new();
    let end = SimTime::ZERO + scenario.duration;

    for (i, w) in scenario.workloads.iter().enumerate() {
        let workload = i as u16;
        match &w.arrivals {
            Arrivals::Poisson { .. } => {
                if let Some(gap) = w.arrivals.next_gap(&mut world.workloads[i].arrivals_rng) {
                    queue.schedule(SimTime::ZERO + gap, Event::Arrival { workload });
                }
            }
            Arrivals::Times { at } => {
                if let Some(first) = at.first() {
                    queue.schedule(SimTime::ZERO + *first, Event::ListedArrival { workload });
                }
            }
        }
    }
    queue.schedule(SimTime::from_secs(60), Event::MinuteEnded);

    while let Some(t) = queue.peek_time() {
        if t > end {
            break;
        }
        let Some((now, event)) = queue.pop() else { break };
        match event {
            Event::Arrival { workload } => {
                world.on_arrival(&mut queue, now, workload);
                let w = &scenario.workloads[workload as usize];
                if let Some(gap) = w.arrivals.next_gap(&mut world.workloads[workload as usize].arrivals_rng) {
                    queue.schedule(now + gap, Event::Arrival { workload });
                }
            }
            Event::ListedArrival { workload } => {
                world.on_arrival(&mut queue, now, workload);
                let ws = &mut world.workloads[workload as usize];
                ws.next_listed += 1;
                if let Arrivals::Times { at } = &scenario.workloads[workload as usize].arrivals {
                    if let Some(next) = at.get(ws.next_listed) {
                        queue.schedule(SimTime::ZERO + *next, Event::ListedArrival { workload });
                    }
                }
            }
            Event::TaskStarted { task } => world.on_started(&mut queue, now, task),
            Event::TaskStopped { task } => world.on_stopped(&mut queue, now, task),
            Event::WaitExpired { workload, ticket } => world.on_wait_expired(now, workload, ticket),
            Event::MinuteEnded => {
                world.recorder.minute_ended(now, &world.cluster, &world.workloads_reservations());
                progress(now);
                queue.schedule(now + Span::from_secs(60), Event::MinuteEnded);
            }
        }
        if options.check_invariants || cfg!(debug_assertions) {
            world.check_invariants();
        }
    }
    world.recorder.finish(end, &world.cluster, &world.workloads_reservations());
    let waiting = world.workloads.iter().map(|w| w.waiting.len() as u64).sum();
    world.recorder.set_waiting_at_end(waiting);
    RunOutcome { events_handled: queue.events_popped(), recorder: world.recorder, cluster: world.cluster }
}

impl World<'_> {
    /// Every placement index must hear of every change to an instance.
    fn instance_changed(&mut self, instance: InstanceId) {
        for index in self.indexes.iter_mut().flatten() {
            index.instance_changed(&self.cluster, instance);
        }
    }

    fn workloads_reservations(&self) -> Vec<Reservation> {
        self.workloads.iter().map(|w| w.reservation.clone()).collect()
    }

    /// A RunTask call: draw each task's run time and start delay now (so the draws do not
    /// depend on placement), then place the tasks one at a time (spec §3.2).
    fn on_arrival(&mut self, queue: &mut EventQueue<Event>, now: SimTime, workload: u16) {
        let w = &self.scenario.workloads[workload as usize];
        for _ in 0..w.count {
            let ws = &mut self.workloads[workload as usize];
            let run_time = w.run_time.sample(&mut ws.run_time_rng);
            let start_delay = self.scenario.lifecycle.start_delay.sample(&mut ws.start_delay_rng);
            self.recorder.submitted();
            let waiting = !ws.waiting.is_empty();
            // FIFO: a new task never overtakes tasks already waiting for capacity.
            if waiting || !self.try_place(queue, now, workload, now, run_time, start_delay) {
                self.unplaced(queue, now, workload, run_time, start_delay, waiting);
            }
        }
    }

    fn unplaced(
        &mut self,
        queue: &mut EventQueue<Event>,
        now: SimTime,
        workload: u16,
        run_time: Span,
        start_delay: Span,
        queued_behind: bool,
    ) {
        let w = &self.scenario.workloads[workload as usize];
        match w.on_unplaceable {
            Unplaceable::Fail => {
                if queued_behind {
                    // Cannot happen: with Fail nothing ever waits.
                    debug_assert!(false, "a task waited under on_unplaceable = fail");
                }
            }
            Unplaceable::Wait { max_wait } => {
                let ws = &mut self.workloads[workload as usize];
                let ticket = ws.next_ticket;
                ws.next_ticket += 1;
                ws.waiting.push_back(Waiting { ticket, submitted_at: now, run_time, start_delay });
                if let Some(m) = max_wait {
                    queue.schedule(now + m, Event::WaitExpired { workload, ticket });
                }
                self.recorder.event(now, EventKind::Waiting, None, workload, None, "", "");
            }
        }
    }

    /// Places one task; on success binds it and schedules its start. Returns false if no
    /// instance fits (a failure is recorded for `Fail` workloads).
    fn try_place(
        &mut self,
        queue: &mut EventQueue<Event>,
        now: SimTime,
        workload: u16,
        submitted_at: SimTime,
        run_time: Span,
        start_delay: Span,
    ) -> bool {
        let w = &self.scenario.workloads[workload as usize];
        let ws = &self.workloads[workload as usize];
        let td = &self.scenario.task_definitions[w.task_definition];
        let req = PlacementRequest {
            reservation: &ws.reservation,
            group: ws.group,
            strategies: &w.strategies,
            constraints: &w.constraints,
            requires_attributes: &td.requires_attributes,
            tie_break: self.scenario.tie_break,
        };
        let explain = self.scenario.explain_placements;
        let fast = match self.indexes[workload as usize].as_mut() {
            Some(index) => index.place(&self.cluster, &mut self.placement_rng),
            None => None,
        };
        let decision = match fast {
            Some(instance) => placement::Decision { outcome: Outcome::Placed { instance }, explanation: None },
            // No index, or nothing fits: the reference says why (with no candidate it draws
            // nothing, so the random streams stay where the index left them).
            None => placement::place(&self.cluster, &req, &mut self.placement_rng, explain),
        };
        let detail = decision.explanation.as_ref().map(|e| recorder::one_line(e, &self.cluster)).unwrap_or_default();
        match decision.outcome {
            Outcome::Placed { instance } => {
                // Field-by-field borrows: the reservation is read in place, never cloned.
                let reservation = &self.workloads[workload as usize].reservation;
                let binding = self.cluster.bind_task(instance, ws.group, reservation);
                self.recorder.reserve(now, &self.cluster, instance, reservation, 1);
                let extra = if reservation.enis > 0 { self.scenario.lifecycle.awsvpc_attach } else { Span::ZERO };
                self.instance_changed(instance);
                let task = self.tasks.len() as u32;
                self.tasks.push(Task { workload, instance, binding, state: TaskState::Pending, submitted_at, run_time });
                queue.schedule(now + start_delay + extra, Event::TaskStarted { task });
                self.recorder.placed(now.since(submitted_at));
                self.recorder.event(now, EventKind::Placed, Some(task), workload, Some(instance), "", &detail);
                true
            }
            Outcome::Failed { reason, closest } => {
                if w.on_unplaceable == Unplaceable::Fail {
                    let closest_text = closest
                        .map(|(id, r)| {
                            format!(
                                "closest matching container-instance {} {}",
                                self.cluster.instance(id).ec2_instance_id,
                                r.closest_match_text()
                            )
                        })
                        .unwrap_or_default();
                    let detail = if detail.is_empty() { closest_text } else { format!("{detail}; {closest_text}") };
                    self.recorder.failed(reason.code());
                    self.recorder.event(now, EventKind::Failed, None, workload, None, reason.code(), &detail);
                }
                false
            }
        }
    }

    fn on_started(&mut self, queue: &mut EventQueue<Event>, now: SimTime, task: u32) {
        let t = &mut self.tasks[task as usize];
        t.state = TaskState::Running;
        let (instance, run_time, workload) = (t.instance, t.run_time, t.workload);
        self.cluster.task_started(instance);
        self.instance_changed(instance);
        queue.schedule(now + run_time, Event::TaskStopped { task });
        self.recorder.event(now, EventKind::Running, Some(task), workload, Some(instance), "", "");
    }

    fn on_stopped(&mut self, queue: &mut EventQueue<Event>, now: SimTime, task: u32) {
        let t = &mut self.tasks[task as usize];
        let was_running = t.state == TaskState::Running;
        t.state = TaskState::Stopped;
        let (instance, workload) = (t.instance, t.workload);
        let binding = std::mem::take(&mut t.binding);
        let ws = &self.workloads[workload as usize];
        self.cluster.release_task(instance, ws.group, &ws.reservation, &binding, was_running);
        self.recorder.reserve(now, &self.cluster, instance, &ws.reservation, -1);
        self.instance_changed(instance);
        self.recorder.completed();
        self.recorder.event(now, EventKind::Stopped, Some(task), workload, Some(instance), "EssentialContainerExited", "");
        self.retry_waiting(queue, now);
    }

    /// Capacity was freed: place waiting tasks, oldest first within each workload, until the
    /// head of a workload's queue does not fit.
    fn retry_waiting(&mut self, queue: &mut EventQueue<Event>, now: SimTime) {
        for workload in 0..self.workloads.len() {
            while let Some(head) = self.workloads[workload].waiting.front().copied() {
                if !self.try_place(queue, now, workload as u16, head.submitted_at, head.run_time, head.start_delay) {
                    break;
                }
                self.workloads[workload].waiting.pop_front();
            }
        }
    }

    fn on_wait_expired(&mut self, now: SimTime, workload: u16, ticket: u32) {
        let ws = &mut self.workloads[workload as usize];
        if let Some(pos) = ws.waiting.iter().position(|w| w.ticket == ticket) {
            ws.waiting.remove(pos);
            self.recorder.failed("WAIT_EXPIRED");
            self.recorder.event(
                now,
                EventKind::GaveUp,
                None,
                workload,
                None,
                "WAIT_EXPIRED",
                "no instance could take the task within max_wait",
            );
        }
    }

    /// Model invariants: what every non-STOPPED task holds, plus what remains, is exactly
    /// what the instance registered. A failure is a model bug; the message says where.
    fn check_invariants(&self) {
        let n = self.cluster.instances.len();
        // Start from what the instances held at t = 0 (tasks from describe-tasks, not ours).
        let mut cpu: Vec<u64> =
            self.scenario.cluster.instances.iter().map(|i| (i.registered_cpu_units - i.remaining_cpu_units) as u64).collect();
        let mut mem: Vec<u64> =
            self.scenario.cluster.instances.iter().map(|i| (i.registered_memory_mib - i.remaining_memory_mib) as u64).collect();
        let mut enis: Vec<u32> = self.scenario.cluster.instances.iter().map(|i| i.enis_in_use).collect();
        debug_assert_eq!(cpu.len(), n);
        for t in self.tasks.iter().filter(|t| t.state != TaskState::Stopped) {
            let r = &self.workloads[t.workload as usize].reservation;
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
    }
}
