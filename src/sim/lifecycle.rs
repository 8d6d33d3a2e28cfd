//! A task's way through the lifecycle of docs/ecs-model.md#task-lifecycle, with the timings of the scenario:
//!
//! ```text
//! placed ─(PROVISIONING, + ENI attach for awsvpc)─ PENDING ─(start delay)─ RUNNING
//!    └─ a bad revision: PENDING ─(fails_to_start_after)─ STOPPED (TaskFailedToStart)
//! stop: DEACTIVATING (deregistration delay) → STOPPING (SIGTERM; exit or SIGKILL after
//!       stopTimeout) → DEPROVISIONING → STOPPED; a task not yet RUNNING goes straight to STOPPED
//! ```
//!
//! Resources are bound at placement and returned only at STOPPED (docs/ecs-model.md#reservation-edge-cases). Container health
//! checks follow Docker: the first runs `interval` after start, the next `interval` after the
//! previous one completed; a check whose answer takes `timeout` or longer fails at the timeout;
//! `retries` consecutive failures (outside `startPeriod`) make the container UNHEALTHY, one
//! success HEALTHY (docs/ecs-model.md#task-lifecycle). A container named in `behaviour.container_exits` exits at its
//! time: an essential one stops the task (EssentialContainerExited), a non-essential one leaves
//! it RUNNING.

use crate::ecs::instance::{GroupId, InstanceId, InstanceStatus};
use crate::ecs::scheduler::health::NO_CHECK_HEALTHY_AFTER_S;
use crate::ecs::task::{LastStatus, StopCode};
use crate::engine::{MaybeTime, SimTime, Span};
use crate::model::behaviour::CheckKind;
use crate::model::HealthAnswer;
use crate::sim::ids::TaskId;
use crate::sim::notice::Notice;
use crate::sim::recorder::{EventKind, EventSource};
use crate::sim::task::{Owner, Task, TaskTimer};
use crate::sim::world::{Event, World};

/// A new task's identity before it is bound.
#[derive(Debug, Clone, Copy)]
pub struct NewTask {
    pub owner: Owner,
    pub task_definition: u16,
    pub group: GroupId,
    pub deployment: u32,
    pub submitted_at: SimTime,
    pub run_time: Option<Span>,
    /// PENDING → RUNNING, drawn by the caller from its own stream.
    pub start_delay: Span,
}

impl World<'_> {
    fn timer(&mut self, at: SimTime, task: TaskId, timer: TaskTimer) {
        let generation = self.tasks[task.index()].generation;
        self.queue.schedule(at, Event::TaskTimer { task, generation, timer });
    }

    fn set_status(&mut self, task: TaskId, status: LastStatus) {
        let t = &mut self.tasks[task.index()];
        t.last_status = status;
        t.generation = t.generation.wrapping_add(1);
    }

    /// Binds a placed task to `instance` and starts its lifecycle. Returns the task id.
    pub fn start_task(&mut self, now: SimTime, instance: InstanceId, new: NewTask) -> TaskId {
        if self.check {
            let inst = self.cluster.instance(instance);
            assert!(inst.status == InstanceStatus::Active, "task placed on {} instance {}", inst.status.as_str(), inst.ec2_instance_id);
        }
        let reservation = &self.reservations[new.task_definition as usize];
        let binding = self.cluster.bind_task(instance, new.group, reservation);
        self.recorder.reserve(now, instance, reservation, 1);
        // Fargate's own start delay includes its ENI (`capacity`).
        let attach = if reservation.enis > 0 && !self.cluster.instance(instance).fargate {
            self.scenario.lifecycle.awsvpc_attach
        } else {
            Span::ZERO
        };
        self.notify(now, Notice::InstanceChanged(instance));
        let task = self.tasks.push(Task {
            owner: new.owner,
            task_definition: new.task_definition,
            group: new.group,
            deployment: new.deployment,
            instance,
            binding,
            last_status: LastStatus::Pending,
            desired_running: true,
            generation: 0,
            submitted_at: new.submitted_at,
            placed_at: now,
            running_at: MaybeTime::NONE,
            stopping_at: MaybeTime::NONE,
            stopped_at: MaybeTime::NONE,
            run_time: new.run_time,
            container_healthy: None,
            health_failures: 0,
            healthy: false,
            stop_code: None,
            stopped_for_health: false,
            exited: false,
            protected_until: MaybeTime::NONE,
            healthy_at: MaybeTime::NONE,
            draining_at: MaybeTime::NONE,
            sigterm_at: MaybeTime::NONE,
        });
        let behaviour = &self.scenario.behaviours[new.task_definition as usize];
        match behaviour.fails_to_start_after {
            Some(after) => self.timer(now + attach + after, task, TaskTimer::FailedToStart),
            None => self.timer(now + attach + new.start_delay, task, TaskTimer::Started),
        }
        task
    }

    pub fn on_task_timer(&mut self, now: SimTime, task: TaskId, generation: u32, timer: TaskTimer) {
        if self.tasks[task.index()].generation != generation {
            return; // the task changed state since: this timer is stale
        }
        // On an unreachable instance the agent reports nothing: the task does not get to
        // RUNNING, and a stopping one does not get to STOPPED (its resources stay bound), until
        // ECS learns of the failure (and stops it) or the instance is back (the timer goes off
        // then).
        if self.faults.unreachable.is_down(self.tasks[task.index()].instance) {
            self.faults.unreachable.freeze((task.0, generation, timer));
            return;
        }
        match timer {
            TaskTimer::Started => self.on_running(now, task),
            TaskTimer::FailedToStart => {
                self.tasks[task.index()].stop_code = Some(StopCode::TaskFailedToStart);
                self.record(now, EventKind::FailedToStart, task, "TaskFailedToStart", "");
                self.stopped(now, task);
            }
            TaskTimer::Exited => {
                self.tasks[task.index()].exited = true;
                self.stop_task(now, task, StopCode::EssentialContainerExited);
            }
            TaskTimer::HealthCheck => self.on_health_check(now, task),
            TaskTimer::HealthCheckResult { passed } => self.on_health_check_result(now, task, passed),
            TaskTimer::ContainerExited(index) => self.on_container_exited(now, task, index as usize),
            TaskTimer::HealthyByTime => {
                self.tasks[task.index()].healthy = true;
                self.record(now, EventKind::Healthy, task, "", "RUNNING for 40 s (no health check, no load balancer)");
                self.notify(now, Notice::TaskChanged { task });
            }
            TaskTimer::Deactivated => {
                // The deregistration delay is over: the targets leave their groups and requests
                // still in flight are cut (docs/ecs-model.md#deregistration-delay).
                self.remove_server(now, task);
                let t = &self.tasks[task.index()];
                let td = &self.scenario.task_definitions[t.task_definition as usize];
                // SIGTERM now; the application exits on its own or is killed at stopTimeout.
                let exit = if t.exited { Span::ZERO } else { self.scenario.behaviours[t.task_definition as usize].exit_after_sigterm };
                let wait = exit.min(Span::from_secs(td.stop_timeout_s() as u64));
                self.set_status(task, LastStatus::Stopping);
                self.record(now, EventKind::Stopping, task, "", "SIGTERM sent");
                self.timer(now + wait, task, TaskTimer::ContainersStopped);
            }
            TaskTimer::ContainersStopped => self.stopped(now, task),
        }
    }

    fn on_running(&mut self, now: SimTime, task: TaskId) {
        self.set_status(task, LastStatus::Running);
        let t = &mut self.tasks[task.index()];
        t.running_at = MaybeTime::some(now);
        let (instance, td_index, owner) = (t.instance, t.task_definition as usize, t.owner);
        self.cluster.task_started(instance);
        self.notify(now, Notice::InstanceTaskStarted(instance));
        self.record(now, EventKind::Running, task, "", "");
        if let Some(run_time) = self.tasks[task.index()].run_time {
            self.timer(now + run_time, task, TaskTimer::Exited);
        }
        if let Some(crash) = &self.scenario.behaviours[td_index].crash_after {
            let after = crash.sample(&mut self.lifecycle_rng);
            self.timer(now + after, task, TaskTimer::Exited);
        }
        for (i, exit) in self.scenario.behaviours[td_index].container_exits.iter().enumerate() {
            self.timer(now + exit.after, task, TaskTimer::ContainerExited(i as u16));
        }
        if let Owner::Service(_) = owner {
            self.notify(now, Notice::TaskRunning { task });
            // Behind a load balancer the target is registered now (docs/ecs-model.md#target-registration) and target health, not
            // the 40 s rule, decides when the task counts as healthy (docs/ecs-model.md#healthy-tasks).
            let load_balanced = self.register_targets(now, task);
            let check =
                self.scenario.task_definitions[td_index].containers.iter().filter(|c| c.essential).find_map(|c| c.health_check.clone());
            match check {
                Some(hc) => self.timer(now + Span::from_secs(hc.interval_s as u64), task, TaskTimer::HealthCheck),
                None if load_balanced => {}
                None => self.timer(now + Span::from_secs(NO_CHECK_HEALTHY_AFTER_S), task, TaskTimer::HealthyByTime),
            }
        }
        self.notify(now, Notice::TaskChanged { task });
    }

    /// One container health check is sent (Docker semantics, docs/ecs-model.md#task-lifecycle, ecsim's choice): its result is
    /// known after the application's response time, or at the check's `timeout` when the answer
    /// would take that long or never comes.
    fn on_health_check(&mut self, now: SimTime, task: TaskId) {
        let t = &self.tasks[task.index()];
        let td_index = t.task_definition as usize;
        let Some(hc) =
            self.scenario.task_definitions[td_index].containers.iter().filter(|c| c.essential).find_map(|c| c.health_check.clone())
        else {
            return;
        };
        let (answer, response) = self.scenario.behaviours[td_index].health_at(CheckKind::Container, now, t.running_at.get());
        let timeout = Span::from_secs(hc.timeout_s as u64);
        let (after, passed) = match answer {
            _ if response >= timeout => (timeout, false),
            HealthAnswer::Healthy => (response, true),
            HealthAnswer::Error => (response, false),
            HealthAnswer::Hang => (timeout, false),
        };
        if after == Span::ZERO {
            self.on_health_check_result(now, task, passed);
        } else {
            self.timer(now + after, task, TaskTimer::HealthCheckResult { passed });
        }
    }

    /// A container health check's result: HEALTHY at the first pass, UNHEALTHY at `retries`
    /// consecutive failures outside `startPeriod`; the next check `interval` later.
    fn on_health_check_result(&mut self, now: SimTime, task: TaskId, passes: bool) {
        let t = &self.tasks[task.index()];
        let td_index = t.task_definition as usize;
        let Some(hc) =
            self.scenario.task_definitions[td_index].containers.iter().filter(|c| c.essential).find_map(|c| c.health_check.clone())
        else {
            return;
        };
        // With `health` windows the answer changes over time, so Docker's checks go on after a
        // verdict; otherwise the first verdict is final and the checks can stop.
        let varies = self.scenario.behaviours[td_index].health_varies(CheckKind::Container);
        let next = now + Span::from_secs(hc.interval_s as u64);
        let running_for = t.running_at.get().map_or(Span::ZERO, |r| now.since(r));
        if passes {
            let t = &mut self.tasks[task.index()];
            t.health_failures = 0;
            if t.container_healthy != Some(true) {
                t.container_healthy = Some(true);
                if self.alb.server_of(task).is_none() {
                    if self.tasks[task.index()].desired_running {
                        self.tasks[task.index()].healthy = true;
                        self.record(now, EventKind::Healthy, task, "", "container health check passed");
                    }
                } else {
                    // Behind a load balancer the target must be healthy too (docs/ecs-model.md#healthy-tasks).
                    self.healthy_if_complete(now, task, "container health check passed and target healthy in every target group");
                }
                self.notify(now, Notice::TaskChanged { task });
            }
            if varies {
                self.timer(next, task, TaskTimer::HealthCheck);
            }
            return;
        }
        // Failures inside startPeriod do not count.
        if running_for >= Span::from_secs(hc.start_period_s as u64) {
            self.tasks[task.index()].health_failures += 1;
        }
        let t = &self.tasks[task.index()];
        if t.health_failures >= hc.retries && t.container_healthy != Some(false) {
            let t = &mut self.tasks[task.index()];
            t.container_healthy = Some(false);
            t.healthy = false;
            self.record(now, EventKind::Unhealthy, task, "", &format!("container health check failed {} times", hc.retries));
            self.notify(now, Notice::TaskChanged { task });
            if varies {
                self.timer(next, task, TaskTimer::HealthCheck);
            }
        } else if self.tasks[task.index()].health_failures < hc.retries || varies {
            self.timer(next, task, TaskTimer::HealthCheck);
        }
    }

    /// A container of `behaviour.container_exits` exits. A non-essential container's exit leaves
    /// the task RUNNING; an essential one's stops it ("Essential container in task exited").
    fn on_container_exited(&mut self, now: SimTime, task: TaskId, index: usize) {
        let td_index = self.tasks[task.index()].task_definition as usize;
        let exit = &self.scenario.behaviours[td_index].container_exits[index];
        let (name, code, essential) = (exit.container.clone(), exit.exit_code, exit.essential);
        let detail = if essential {
            format!("container {name} exited with code {code}; it is essential: the task stops (Essential container in task exited)")
        } else {
            format!("container {name} exited with code {code}; it is not essential: the task keeps running")
        };
        self.record(now, EventKind::ContainerExited, task, &name, &detail);
        if essential {
            self.tasks[task.index()].exited = true;
            self.stop_task(now, task, StopCode::EssentialContainerExited);
        }
    }

    /// Starts the stop sequence (desiredStatus STOPPED). A task that is not RUNNING yet stops at
    /// once; a running one is deregistered first (DEACTIVATING for the deregistration delay).
    pub fn stop_task(&mut self, now: SimTime, task: TaskId, code: StopCode) {
        let t = &mut self.tasks[task.index()];
        if !t.desired_running && t.last_status >= LastStatus::Deactivating {
            return; // already stopping
        }
        t.desired_running = false;
        t.healthy = false;
        t.stop_code.get_or_insert(code);
        if t.stopping_at.is_none() {
            t.stopping_at = MaybeTime::some(now);
            let (instance, group) = (t.instance, t.group);
            self.cluster.task_stopping(instance, group);
            self.notify(now, Notice::InstanceTaskStopping { instance, group });
        }
        let t = &self.tasks[task.index()];
        if t.last_status.is_before_running() {
            self.stopped(now, task);
            return;
        }
        // Behind a load balancer ECS waits the full deregistration delay of every target group
        // (docs/ecs-model.md#deregistration-on-stop); a service without one may give a stand-in delay.
        let delay = match (t.owner, self.deregistration_delay(task)) {
            (_, Some(delay)) => delay,
            (Owner::Service(s), None) => self.scenario.services[s.index()].deregistration_delay,
            _ => Span::ZERO,
        };
        self.deregister_targets(now, task);
        let t = &self.tasks[task.index()];
        let exit = if t.exited { Span::ZERO } else { self.scenario.behaviours[t.task_definition as usize].exit_after_sigterm };
        if delay == Span::ZERO && exit == Span::ZERO && !matches!(t.owner, Owner::Service(_)) {
            // Nothing to wait for: the whole stop sequence happens at this instant.
            self.stopped(now, task);
            return;
        }
        self.set_status(task, LastStatus::Deactivating);
        let detail = if delay > Span::ZERO { format!("deregistering; waiting the deregistration delay {delay}") } else { String::new() };
        self.record(now, EventKind::Deactivating, task, code.as_str(), &detail);
        self.timer(now + delay, task, TaskTimer::Deactivated);
        self.notify(now, Notice::TaskChanged { task });
    }

    /// The instance died under the task: STOPPED at once, no stop sequence.
    pub fn kill_task(&mut self, now: SimTime, task: TaskId) {
        let t = &mut self.tasks[task.index()];
        t.desired_running = false;
        t.stop_code.get_or_insert(StopCode::TerminationNotice);
        self.stopped(now, task);
    }

    /// STOPPED: everything the task held is returned.
    fn stopped(&mut self, now: SimTime, task: TaskId) {
        // A task that dies without the stop sequence (its instance went away) is still registered:
        // its requests are cut with 502s.
        self.remove_server(now, task);
        let was_running = self.tasks[task.index()].running_at.is_some() && self.tasks[task.index()].last_status >= LastStatus::Running;
        self.set_status(task, LastStatus::Stopped);
        let t = &mut self.tasks[task.index()];
        t.stopped_at = MaybeTime::some(now);
        t.desired_running = false;
        t.healthy = false;
        let (instance, group, td) = (t.instance, t.group, t.task_definition as usize);
        let binding = std::mem::take(&mut t.binding);
        let told_to_stop = t.stopping_at.is_some();
        let reservation = &self.reservations[td];
        if told_to_stop {
            self.cluster.release_stopping_task(instance, group, reservation, &binding, was_running);
        } else {
            self.cluster.release_task(instance, group, reservation, &binding, was_running);
        }
        self.recorder.reserve(now, instance, reservation, -1);
        self.notify(now, Notice::InstanceChanged(instance));
        let code = self.tasks[task.index()].stop_code.map_or("", StopCode::as_str);
        self.record(now, EventKind::Stopped, task, code, "");
        if matches!(self.tasks[task.index()].owner, Owner::Workload(_) | Owner::Action) {
            self.recorder.completed();
        }
        self.notify(now, Notice::TaskStopped { task });
        // A workload's task is not read again once its stop is handled (a service's may be:
        // the service, its load balancer and capacity keep its id).
        if matches!(self.tasks[task.index()].owner, Owner::Workload(_)) {
            self.finished.push(task);
        }
    }

    /// The tasks that finished during the event just handled are freed (their rows kept).
    pub(super) fn retire_finished(&mut self) {
        for task in self.finished.drain(..) {
            self.tasks.retire(task);
        }
    }

    pub fn record(&mut self, now: SimTime, kind: EventKind, task: TaskId, reason: &str, detail: &str) {
        let t = &mut self.tasks[task.index()];
        // A standalone task's stop sequence is instantaneous: its STOPPED row says it all.
        if matches!(kind, EventKind::Deactivating | EventKind::Stopping) && !matches!(t.owner, Owner::Service(_)) {
            return;
        }
        // tasks.csv's healthy_s, draining_s and sigterm_s: the first such event of the task.
        let first = match kind {
            EventKind::Healthy => Some(&mut t.healthy_at),
            EventKind::Deactivating => Some(&mut t.draining_at),
            EventKind::Stopping => Some(&mut t.sigterm_at),
            _ => None,
        };
        if let Some(at) = first {
            at.get_or_insert(now);
        }
        let t = &self.tasks[task.index()];
        let source = match t.owner {
            Owner::Workload(w) => EventSource::Workload(w),
            Owner::Service(s) => EventSource::Service(s),
            Owner::Action => EventSource::Action,
        };
        self.recorder.event(now, kind, Some(task.0), source, Some(t.instance), reason, detail);
    }
}
