//! Targets of the load balancer's target groups (docs/ecs-model.md#target-registration, docs/ecs-model.md#deregistration-on-stop,
//! docs/ecs-model.md#deregistration-delay): a service task gets a
//! server and is registered (`initial`) in its service's target groups when it reaches RUNNING;
//! the scheduler's stop makes its targets drain for the longest deregistration delay; when the
//! delay ends (or the task dies) the targets leave their groups and what is still in flight is
//! cut with a 502. `target_health` is what the scheduler reads (docs/ecs-model.md#healthy-tasks, docs/ecs-model.md#grace-period).

use super::metrics::TaskUsage;
use super::state::{CheckStep, ServerInfo, TargetEntry, TargetState};
use super::tally::{Outcome, RequestTag};
use crate::elb::target::Target;
use crate::engine::{SimTime, Span};
use crate::sim::ids::TaskId;
use crate::sim::ids::{ServerId, TargetGroupId};
use crate::sim::recorder::EventKind;
use crate::sim::task::Owner;
use crate::sim::world::{Event, World};
use smallvec::SmallVec;

impl World<'_> {
    /// A service task reached RUNNING: give it a server and register it in its service's target
    /// groups (docs/ecs-model.md#target-registration). Returns whether it has target groups.
    pub fn register_targets(&mut self, now: SimTime, task: TaskId) -> bool {
        let t = &self.tasks[task.index()];
        let Owner::Service(service) = t.owner else { return false };
        let spec = &self.scenario.services[service.index()];
        if spec.target_groups.is_empty() {
            return false;
        }
        let behaviour = &self.scenario.behaviours[t.task_definition as usize];
        let serving = &behaviour.serving;
        let instance = self.cluster.instance(t.instance);
        let zone = self.alb.zones.iter().position(|z| *z == instance.availability_zone).unwrap_or(0) as u16;
        let td = &self.scenario.task_definitions[t.task_definition as usize];
        let reserved_cpu = self.reservations[t.task_definition as usize].cpu_units as f64;
        let reserved_memory = self.reservations[t.task_definition as usize].memory_mib as f64;
        let memory_base = serving.memory_base_mib.map_or(reserved_memory / 2.0, f64::from);
        let memory_per_busy_worker = serving.memory_per_busy_worker_mib;
        // A task-level cpu is a hard limit (the task's cgroup); without one the containers' cpu
        // are shares and the task may use whatever CPU of its instance is idle.
        let cpu_limit = td.cpu_units.map_or(instance.registered_cpu_units as f64, |c| c as f64);
        // A request times out at the shortest idle timeout of the load balancers in front of it.
        let idle_timeout = spec.target_groups.iter().map(|t| self.alb.idle_timeout[t.target_group]).min().unwrap_or(Span::from_secs(60));
        let mut target = Target::new(serving.concurrency, serving.queue_limit, serving.service_time.clone());
        target.set_cpu(serving.cpu_per_busy_worker_units, cpu_limit);
        target.start_at(now);
        let usage = TaskUsage::new(service, reserved_cpu, reserved_memory, memory_base, memory_per_busy_worker, now);
        let info = ServerInfo {
            task,
            generation: 0,
            alive: true,
            unreachable: false,
            zone,
            error_fraction: behaviour.error_fraction,
            usage,
            idle_timeout,
            timeout_check: None,
        };
        let alb = &mut self.alb;
        let server = alb.add_server(target, info);
        let generation = alb.info[server.index()].generation;
        // The primary target groups, or the alternates for a staged deployment's green tasks.
        let groups: SmallVec<[usize; 2]> = self.task_target_groups(task);
        for &gi in &groups {
            let config = &self.scenario.elb.target_groups[gi];
            let g = &mut self.alb.groups[gi];
            // Slow start (docs/ecs-model.md#target-selection step 5): targets registered while the group has no healthy target
            // (registered together into an empty group) never enter it.
            let into_empty_group = !g.targets.iter().any(|t| t.state == TargetState::Healthy);
            g.targets.push(TargetEntry::initial(server, task, zone, now, into_empty_group));
            self.alb.targets_changed(now, gi, config);
            // The first check goes out as soon as the registration completes (docs/ecs-model.md#alb-health-checks).
            self.queue.schedule(now, Event::TargetCheck { group: TargetGroupId::at(gi), verdict: CheckStep::Send, server, generation });
            // The target: (instance, host port) — a dynamic port in bridge mode — or, for target
            // type ip, (the task's ENI address, container port) (docs/ecs-model.md#target-registration).
            let t = &self.tasks[task.index()];
            let host_port = t.binding.tcp_ports.first().copied().unwrap_or(config.port);
            let target_id = match config.target_type {
                crate::elb::config::TargetType::Instance => {
                    format!("{}:{host_port}", self.cluster.instance(t.instance).ec2_instance_id)
                }
                // A synthetic address: ecsim does not model the subnets' address ranges.
                crate::elb::config::TargetType::Ip => format!("10.0.{}.{}:{}", task.0 / 250 % 250, task.0 % 250 + 2, config.port),
            };
            let detail = format!("registered 1 targets in (target-group {}): {target_id}", config.name);
            self.record(now, EventKind::TargetHealth, task, "initial", &detail);
        }
        true
    }

    /// The longest deregistration delay of the task's target groups (ECS waits for the full
    /// delay of every group, docs/ecs-model.md#deregistration-on-stop), or `None` when the task is not behind a load balancer.
    pub fn deregistration_delay(&self, task: TaskId) -> Option<Span> {
        let Owner::Service(s) = self.tasks[task.index()].owner else { return None };
        self.scenario.services[s.index()]
            .target_groups
            .iter()
            .map(|t| self.scenario.elb.target_groups[t.target_group].deregistration_delay)
            .max()
    }

    /// The scheduler stops the task: its targets start draining (docs/ecs-model.md#deregistration-on-stop,
    /// docs/ecs-model.md#deregistration-delay).
    pub fn deregister_targets(&mut self, now: SimTime, task: TaskId) {
        let Some(server) = self.alb.server_of(task) else {
            return;
        };
        for gi in 0..self.alb.groups.len() {
            let Some(pos) = self.alb.groups[gi].position_of(server) else { continue };
            if self.alb.groups[gi].targets[pos].state == TargetState::Draining {
                continue;
            }
            self.alb.groups[gi].targets[pos].state = TargetState::Draining;
            let config = &self.scenario.elb.target_groups[gi];
            self.alb.targets_changed(now, gi, config);
            let detail = format!("deregistered 1 targets in (target-group {}); draining connections", config.name);
            self.record(now, EventKind::TargetHealth, task, "draining", &detail);
        }
        // An application that already exited answers nothing more.
        if self.tasks[task.index()].exited {
            self.cut_requests(now, server);
        }
    }

    /// The deregistration delay is over, or the task is gone: its targets leave their groups
    /// (TargetHealth `unused`, recorded) and whatever is still in flight is cut with a 502; the
    /// server's slot is freed.
    pub fn remove_server(&mut self, now: SimTime, task: TaskId) {
        let Some(server) = self.alb.server_of(task) else {
            return;
        };
        for gi in 0..self.alb.groups.len() {
            // (A service may register a task twice in one group, once per container port.)
            while let Some(pos) = self.alb.groups[gi].position_of(server) {
                let drained = self.alb.groups[gi].targets.remove(pos).state == TargetState::Draining;
                let config = &self.scenario.elb.target_groups[gi];
                self.alb.targets_changed(now, gi, config);
                // The target is no longer registered: describe-target-health answers `unused`
                // (Target.NotRegistered) from now on.
                let detail = if drained {
                    format!("deregistration complete in (target-group {}) (Target.NotRegistered)", config.name)
                } else {
                    format!("deregistered from (target-group {}) without draining: the task is gone (Target.NotRegistered)", config.name)
                };
                self.record(now, EventKind::TargetHealth, task, "unused", &detail);
            }
        }
        self.cut_requests(now, server);
        let alb = &mut self.alb;
        alb.metrics.account_usage(now, &mut alb.servers[server.index()], &mut alb.info[server.index()].usage);
        alb.free_server(server);
    }

    /// The task's instance became unreachable: what is in flight never gets an answer (504 at its
    /// idle timeout), new requests time out, health checks time out (docs/ecs-model.md#alb-health-checks, docs/ecs-model.md#alb-errors).
    pub fn server_unreachable(&mut self, now: SimTime, task: TaskId) {
        let Some(server) = self.alb.server_of(task) else {
            return;
        };
        let alb = &mut self.alb;
        alb.metrics.account_usage(now, &mut alb.servers[server.index()], &mut alb.info[server.index()].usage);
        let timeout = alb.info[server.index()].idle_timeout;
        let mut open: Vec<(SimTime, u64)> = Vec::new();
        alb.servers[server.index()].abort_all(now, |arrived_at, tag| open.push(((arrived_at + timeout).max(now), tag)));
        for (at, tag) in open {
            self.unanswered_until(at, tag);
        }
        let alb = &mut self.alb;
        let info = &mut alb.info[server.index()];
        info.alive = false;
        info.unreachable = true;
        info.generation = info.generation.wrapping_add(1);
        // Checks in the event queue carry the old generation: start them again.
        self.restart_health_checks(now, task);
    }

    /// The instance is reachable again (the outage is over) and the task still there: it answers
    /// again, from an empty queue.
    pub fn server_reachable(&mut self, now: SimTime, task: TaskId) {
        let Some(server) = self.alb.server_of(task).filter(|&s| self.alb.info[s.index()].unreachable) else {
            return;
        };
        let info = &mut self.alb.info[server.index()];
        info.alive = true;
        info.unreachable = false;
        info.usage.accounted_since = now;
        self.alb.servers[server.index()].start_at(now);
        info.generation = info.generation.wrapping_add(1);
        self.restart_health_checks(now, task);
    }

    /// The application died under its requests: what is in flight gets a 502 at once.
    pub fn server_crashed(&mut self, now: SimTime, task: TaskId) {
        let Some(server) = self.alb.server_of(task) else {
            return;
        };
        let alb = &mut self.alb;
        alb.metrics.account_usage(now, &mut alb.servers[server.index()], &mut alb.info[server.index()].usage);
        self.cut_requests(now, server);
        self.restart_health_checks(now, task);
    }

    /// The server's generation moved on while it stays registered: its health checks go on at
    /// the times they were due (the old chain carries the old generation and stops).
    fn restart_health_checks(&mut self, _now: SimTime, task: TaskId) {
        let Some(server) = self.alb.server_of(task) else {
            return;
        };
        let generation = self.alb.info[server.index()].generation;
        for gi in 0..self.alb.groups.len() {
            let Some(t) = self.alb.groups[gi].targets.iter().find(|t| t.server == server) else { continue };
            if t.state == TargetState::Draining {
                continue;
            }
            let at = t.next_check_at;
            self.queue.schedule(at, Event::TargetCheck { group: TargetGroupId::at(gi), verdict: CheckStep::Send, server, generation });
        }
    }

    /// Every request in flight on `server` gets a 502 (the connection is reset).
    fn cut_requests(&mut self, now: SimTime, server: ServerId) {
        let alb = &mut self.alb;
        let metrics = &mut alb.metrics;
        alb.servers[server.index()].abort_all(now, |_, tag| {
            metrics.outcome(RequestTag::unpack(tag), Outcome::Elb502, None);
        });
        let info = &mut alb.info[server.index()];
        info.alive = false;
        // Completions already scheduled belong to the cut requests.
        info.generation = info.generation.wrapping_add(1);
    }

    /// (healthy in every target group, unhealthy in at least one) for the scheduler (docs/ecs-model.md#healthy-tasks,
    /// docs/ecs-model.md#grace-period).
    pub fn target_health(&self, task: TaskId) -> (bool, bool) {
        let Some(server) = self.alb.server_of(task) else {
            return (false, false);
        };
        let Owner::Service(_) = self.tasks[task.index()].owner else { return (false, false) };
        let mut all_healthy = true;
        let mut any_unhealthy = false;
        // The groups it registers in: a staged deployment's green tasks are in the alternates.
        for gi in self.task_target_groups(task) {
            match self.alb.groups[gi].targets.iter().find(|t| t.server == server).map(|t| t.state) {
                Some(TargetState::Healthy) => {}
                Some(TargetState::Unhealthy) => {
                    all_healthy = false;
                    any_unhealthy = true;
                }
                _ => all_healthy = false,
            }
        }
        (all_healthy, any_unhealthy)
    }
}
