//! Faults in the run (`crate::faults`; docs/ecs-model.md#spot-interruptions, docs/ecs-model.md#instance-failure,
//! docs/ecs-model.md#load-balancer): carrying them out, and
//! measuring each occurrence.
//!
//! * **Unreachable instances** (`instance_failure`, `zone_outage`): the instance is marked down at
//!   once. Its tasks' load-balancer targets stop answering: requests in flight and new ones time
//!   out (504), health checks time out, so the targets go unhealthy after U × interval (+ timeout).
//!   A task about to start there stays PENDING. After `detection` ECS learns of it: the tasks are
//!   STOPPED (stop code TerminationNotice) and the instance is INACTIVE (a failure) or
//!   disconnected (an outage, until it is over). An Auto Scaling group terminates and replaces
//!   its member `replace_after` the failure, launching only in zones not in an outage.
//! * **Spot** (docs/ecs-model.md#spot-interruptions): the notice at `t`; with `draining` the instance goes DRAINING
//!   (docs/ecs-model.md#draining moves
//!   the service tasks); at `t` + 120 s it is terminated: the tasks still there are killed (stop
//!   code SpotInterruption; requests in flight get 502) and its group launches a replacement.
//!   A Fargate Spot task is stopped at the notice and killed at + 120 s if still there.
//! * **Crashes**: the essential container exits; in-flight requests get 502; ECS stops the task
//!   (EssentialContainerExited) and the service replaces it.
//! * **Measures.** Each occurrence opens a *watch* per service it hits: the service's count of
//!   healthy tasks on reachable instances, its lowest value, and the moment it is back at the
//!   desired count — once the fault has done its damage (the tasks it hit are gone, the outage or
//!   disconnection is over, a bad deployment has ended). Requests failed are counted from the
//!   occurrence's start to its last service's recovery (or the end of the run).
//!
//! Random draws: a fault's own stream picks targets for `at` times; a target's lifetime comes
//! from a stream named after the fault and the target (instance ordinal, group member, or the
//! n-th task of the service), so the failure times do not depend on anything else in the run.

pub mod state;
mod steps;

use crate::ecs::instance::{InstanceId, InstanceStatus};
use crate::ecs::task::{LastStatus, StopCode};
use crate::engine::SimTime;
use crate::faults::{FaultKind, FaultRow, InstanceTarget, SpotTarget, Timing, SPOT_NOTICE};
use crate::sim::ids::FaultId;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::notice::Notice;
use crate::sim::recorder::{EventKind, EventSource};
use crate::sim::services::RolloutState;
use crate::sim::task::Owner;
use crate::sim::world::{Event, World};
use rand::Rng;
pub use state::FaultStep;
use state::Watch;

impl World<'_> {
    /// Schedules what is known at t = 0: `at` times, and lifetimes of the instances already there.
    pub(super) fn schedule_faults(&mut self) {
        let scenario = self.scenario;
        for (f, spec) in scenario.faults.iter().enumerate() {
            let fault = FaultId::at(f);
            match &spec.kind {
                FaultKind::InstanceFailure { target, timing, .. } | FaultKind::AgentDisconnect { target, timing, .. } => {
                    self.schedule_instance_timing(fault, target, timing);
                }
                FaultKind::SpotInterruption { target: SpotTarget::Instances(target), timing, .. } => {
                    self.schedule_instance_timing(fault, target, timing);
                }
                FaultKind::SpotInterruption { target: SpotTarget::FargateSpot { .. }, timing: Timing::At(times), .. }
                | FaultKind::AppCrash { timing: Timing::At(times), .. } => {
                    for &at in times {
                        self.queue.schedule(SimTime::ZERO + at, Event::Fault { fault, step: FaultStep::Fire, target: None });
                    }
                }
                FaultKind::ZoneOutage { at, .. } | FaultKind::BadRevision { at, .. } => {
                    self.queue.schedule(SimTime::ZERO + *at, Event::Fault { fault, step: FaultStep::Fire, target: None });
                }
                _ => {}
            }
        }
    }

    fn schedule_instance_timing(&mut self, fault: FaultId, target: &InstanceTarget, timing: &Timing) {
        match (timing, target) {
            (Timing::At(times), InstanceTarget::Instances(list)) => {
                for &at in times {
                    for &i in list {
                        self.queue.schedule(SimTime::ZERO + at, Event::Fault { fault, step: FaultStep::Fire, target: Some(i) });
                    }
                }
            }
            (Timing::At(times), _) => {
                for &at in times {
                    self.queue.schedule(SimTime::ZERO + at, Event::Fault { fault, step: FaultStep::Fire, target: None });
                }
            }
            (Timing::Lifetime(_), _) => {
                let ids: Vec<InstanceId> = self.cluster.instances.iter().filter(|i| !i.fargate).map(|i| i.id).collect();
                for id in ids {
                    self.instance_lifetime(SimTime::ZERO, fault, id);
                }
            }
        }
    }

    /// A lifetime fault's draw for one instance, if the fault targets it.
    fn instance_lifetime(&mut self, now: SimTime, fault: FaultId, id: InstanceId) {
        let spec = &self.scenario.faults[fault.index()];
        let (target, Timing::Lifetime(d)) = (match &spec.kind {
            FaultKind::InstanceFailure { target, timing, .. } | FaultKind::AgentDisconnect { target, timing, .. } => (target, timing),
            FaultKind::SpotInterruption { target: SpotTarget::Instances(target), timing, .. } => (target, timing),
            _ => return,
        }) else {
            return;
        };
        // The stream is named after what identifies the instance whatever else happens: its
        // ordinal at t = 0, or its place among its group's launches.
        let key = match target {
            InstanceTarget::Instances(list) if list.contains(&id.0) && now == SimTime::ZERO => ("instance", id.0),
            InstanceTarget::Group(name) if self.cluster.instance(id).attributes.get("ecsim.instance-group") == Some(name) => {
                ("instance", id.0)
            }
            InstanceTarget::AutoScalingGroup(g) => match self.capacity.groups[*g].members.iter().position(|m| m.instance == Some(id)) {
                Some(m) => ("member", m as u32),
                None => return,
            },
            _ => return,
        };
        let mut rng = self.faults.lifetime_stream(&spec.name, key.0, key.1);
        let after = d.sample(&mut rng);
        self.queue.schedule(now + after, Event::Fault { fault, step: FaultStep::Fire, target: Some(id.0) });
    }

    /// An instance registered during the run (an Auto Scaling group's launch).
    pub(super) fn faults_instance_registered(&mut self, now: SimTime, id: InstanceId) {
        self.faults.unreachable.registered(id);
        for f in 0..self.scenario.faults.len() {
            self.instance_lifetime(now, FaultId::at(f), id);
        }
    }

    /// A service task reached RUNNING: app-crash lifetimes.
    pub(super) fn faults_task_running(&mut self, now: SimTime, task: TaskId) {
        let Owner::Service(s) = self.tasks[task.index()].owner else { return };
        if self.scenario.faults.is_empty() {
            return;
        }
        let n = self.faults.running_seen[s.index()];
        self.faults.running_seen[s.index()] += 1;
        for (f, spec) in self.scenario.faults.iter().enumerate() {
            if let FaultKind::AppCrash { service, timing: Timing::Lifetime(d) } = &spec.kind {
                if *service == s.index() {
                    let mut rng = self.faults.lifetime_stream(&spec.name, "task", n);
                    let at = now + d.sample(&mut rng);
                    self.queue.schedule(at, Event::Fault { fault: FaultId::at(f), step: FaultStep::Fire, target: Some(task.0) });
                }
            }
        }
    }

    /// A Fargate Spot task was started: interruption lifetimes.
    pub(super) fn faults_fargate_spot_started(&mut self, now: SimTime, task: TaskId, service: ServiceId) {
        if self.scenario.faults.is_empty() {
            return;
        }
        let n = self.faults.spot_seen[service.index()];
        self.faults.spot_seen[service.index()] += 1;
        for (f, spec) in self.scenario.faults.iter().enumerate() {
            if let FaultKind::SpotInterruption { target: SpotTarget::FargateSpot { service: only }, timing: Timing::Lifetime(d), .. } =
                &spec.kind
            {
                if only.is_none_or(|o| o == service.index()) {
                    let mut rng = self.faults.lifetime_stream(&spec.name, &format!("fargate-spot/{}", service.0), n);
                    let at = now + d.sample(&mut rng);
                    self.queue.schedule(at, Event::Fault { fault: FaultId::at(f), step: FaultStep::Fire, target: Some(task.0) });
                }
            }
        }
    }

    fn fault_event(&mut self, now: SimTime, instance: Option<InstanceId>, detail: &str) {
        self.recorder.event(now, EventKind::Fault, None, EventSource::Action, instance, "", detail);
    }

    /// The instance a fault hits: the one named, or one drawn among the live ones of its group.
    fn resolve_instance(&mut self, fault: FaultId, target: &InstanceTarget, given: Option<u32>) -> Option<InstanceId> {
        let alive = |w: &World, id: InstanceId| {
            let i = w.cluster.instance(id);
            matches!(i.status, InstanceStatus::Active | InstanceStatus::Draining) && !i.fargate && !w.faults.unreachable.is_down(id)
        };
        if let Some(given) = given {
            let id = InstanceId(given);
            return alive(self, id).then_some(id);
        }
        let candidates: Vec<InstanceId> = match target {
            InstanceTarget::Instances(list) => list.iter().map(|&i| InstanceId(i)).collect(),
            InstanceTarget::Group(name) => {
                self.cluster.instances.iter().filter(|i| i.attributes.get("ecsim.instance-group") == Some(name)).map(|i| i.id).collect()
            }
            InstanceTarget::AutoScalingGroup(g) => self.capacity.groups[*g].members.iter().filter_map(|m| m.instance).collect(),
        };
        let live: Vec<InstanceId> = candidates.into_iter().filter(|&id| alive(self, id)).collect();
        if live.is_empty() {
            return None;
        }
        let k = self.faults.pick[fault.index()].gen_range(0..live.len());
        Some(live[k])
    }

    fn pick_running_task(&mut self, fault: FaultId, service: usize) -> Option<TaskId> {
        let running: Vec<TaskId> = self.services[service]
            .tasks
            .iter()
            .copied()
            .filter(|&t| self.tasks[t.index()].last_status == LastStatus::Running && self.tasks[t.index()].desired_running)
            .collect();
        if running.is_empty() {
            return None;
        }
        let k = self.faults.pick[fault.index()].gen_range(0..running.len());
        Some(running[k])
    }

    fn pick_fargate_spot_task(&mut self, fault: FaultId, service: Option<usize>) -> Option<TaskId> {
        let mut tasks: Vec<TaskId> = Vec::new();
        for (s, st) in self.services.iter().enumerate() {
            if service.is_some_and(|x| x != s) {
                continue;
            }
            for &t in &st.tasks {
                let task = &self.tasks[t.index()];
                let inst = self.cluster.instance(task.instance);
                if task.desired_running && inst.fargate && inst.attributes.get("ecs.capacity-provider").is_some_and(|p| p == "FARGATE_SPOT")
                {
                    tasks.push(t);
                }
            }
        }
        if tasks.is_empty() {
            return None;
        }
        let k = self.faults.pick[fault.index()].gen_range(0..tasks.len());
        Some(tasks[k])
    }

    /// An `instance_failure`: down now, ECS learns after `detection`, the group replaces it
    /// after `replace_after`.
    fn instance_down(&mut self, now: SimTime, fault: FaultId, id: InstanceId) {
        let FaultKind::InstanceFailure { detection, replace_after, .. } = self.scenario.faults[fault.index()].kind else { return };
        let inst = self.cluster.instance(id);
        let name = inst.ec2_instance_id.clone();
        let detail = format!("{name} in {} failed; ECS detects it after {detection}", inst.availability_zone);
        let o = self.open_occurrence(now, fault, name.clone(), detail, false);
        self.fault_event(now, Some(id), &format!("{name} failed: unreachable"));
        self.take_down(now, o, id);
        self.watch_all(now);
        self.queue.schedule(now + detection, Event::Fault { fault, step: FaultStep::Detect, target: Some(id.0) });
        if self.group_member_of(id).is_some() {
            self.queue.schedule(now + replace_after, Event::Fault { fault, step: FaultStep::Replace, target: Some(id.0) });
        }
    }

    /// Marks an instance unreachable for occurrence `o`: its tasks stop answering.
    fn take_down(&mut self, now: SimTime, o: u32, id: InstanceId) {
        self.faults.unreachable.set_down(id, o);
        self.faults.occurrences[o as usize].instances.push(id);
        self.watch_services_on(now, o, id);
        for t in self.live_tasks_on(id) {
            self.server_unreachable(now, TaskId(t));
        }
    }

    /// The instance is reachable again: what its tasks' agent could not report happens now
    /// (stale timers — the task was stopped meanwhile — are dropped by their generation).
    fn thaw_timers(&mut self, now: SimTime, id: InstanceId) {
        let tasks = &self.tasks;
        let thawed = self.faults.unreachable.thaw(|task| tasks[task as usize].instance == id);
        for (task, generation, timer) in thawed {
            self.queue.schedule(now, Event::TaskTimer { task: TaskId(task), generation, timer });
        }
    }

    fn live_tasks_on(&self, id: InstanceId) -> Vec<u32> {
        (0..self.tasks.len() as u32)
            .filter(|&t| self.tasks[t as usize].instance == id && self.tasks[t as usize].last_status != LastStatus::Stopped)
            .collect()
    }

    fn kill_tasks_on(&mut self, now: SimTime, id: InstanceId, code: StopCode) {
        for t in self.live_tasks_on(id) {
            self.tasks[t as usize].stop_code.get_or_insert(code);
            self.tasks[t as usize].exited = true;
            self.kill_task(now, TaskId(t));
        }
    }

    fn reconnect(&mut self, now: SimTime, id: InstanceId) {
        if self.cluster.instance(id).status == InstanceStatus::Inactive || self.faults.unreachable.is_down(id) {
            return;
        }
        self.cluster.instance_mut(id).agent_connected = true;
        self.notify(now, Notice::InstanceChanged(id));
        let name = self.cluster.instance(id).ec2_instance_id.clone();
        self.fault_event(now, Some(id), &format!("the ECS agent of {name} reconnected"));
        self.evaluate_all(now);
        self.retry_waiting(now);
    }

    fn group_member_of(&self, id: InstanceId) -> Option<(usize, usize)> {
        self.capacity.groups.iter().enumerate().find_map(|(g, gs)| gs.members.iter().position(|m| m.instance == Some(id)).map(|m| (g, m)))
    }

    /// The group's health check found the member impaired: it terminates it and launches a
    /// replacement (in a zone that is not out).
    fn replace_in_group(&mut self, now: SimTime, id: InstanceId) {
        let Some((g, m)) = self.group_member_of(id) else { return };
        let name = self.cluster.instance(id).ec2_instance_id.clone();
        let group = self.scenario.capacity.groups[g].config.name.clone();
        self.fault_event(now, Some(id), &format!("Auto Scaling group {group}: {name} failed its EC2 health check; replacing it"));
        if self.cluster.instance(id).status != InstanceStatus::Inactive {
            self.kill_tasks_on(now, id, StopCode::TerminationNotice);
        }
        self.terminate_member(now, g, m);
        self.reconcile_group(now, g);
    }

    fn failed_requests(&self) -> u64 {
        self.alb.metrics.failed
    }

    fn open_occurrence(&mut self, now: SimTime, fault: FaultId, target: String, detail: String, ongoing: bool) -> u32 {
        let failed = self.failed_requests();
        self.faults.open_occurrence(now, fault, target, detail, ongoing, failed)
    }

    /// Opens a watch for every service with tasks on `id` (one watch per service and occurrence).
    fn watch_services_on(&mut self, now: SimTime, o: u32, id: InstanceId) {
        let mut by_service: Vec<(ServiceId, Vec<u32>)> = Vec::new();
        for t in self.live_tasks_on(id) {
            if let Owner::Service(s) = self.tasks[t as usize].owner {
                match by_service.iter_mut().find(|(x, _)| *x == s) {
                    Some((_, v)) => v.push(t),
                    None => by_service.push((s, vec![t])),
                }
            }
        }
        for (s, tasks) in by_service {
            match self.faults.watches.iter_mut().find(|w| w.occurrence == o && w.service == s) {
                Some(w) => {
                    w.tasks_lost += tasks.len() as u32;
                    w.pending.extend(tasks);
                }
                None => self.open_watch(now, o, s, tasks),
            }
        }
    }

    /// The fault is over and its instances are back: the tasks it hit that are still there and
    /// meant to run (not STOPPED, not being stopped) survived it. Bug fix: they stayed in `pending` for good, so an
    /// `agent_disconnect` (whose tasks keep running) or a zone outage shorter than its detection
    /// delay never recovered in faults.csv, and counted its surviving tasks as lost.
    fn release_survivors(&mut self, o: u32) {
        let tasks = &self.tasks;
        self.faults.release_survivors(o, |unreachable, t| {
            let task = &tasks[t as usize];
            task.desired_running && task.last_status != LastStatus::Stopped && !unreachable.is_down(task.instance)
        });
    }

    fn open_watch(&mut self, _now: SimTime, o: u32, service: ServiceId, tasks: Vec<u32>) {
        let desired = self.services[service.index()].desired;
        let healthy = self.healthy_reachable(service);
        self.faults.open_watch(o, service, desired, healthy, tasks);
    }

    /// Healthy tasks of the service on instances that are reachable.
    fn healthy_reachable(&self, service: ServiceId) -> u32 {
        self.services[service.index()]
            .tasks
            .iter()
            .filter(|&&t| {
                let task = &self.tasks[t.index()];
                task.healthy && task.desired_running && !self.faults.unreachable.is_down(task.instance)
            })
            .count() as u32
    }

    /// Something changed for `service`: updates its open watches.
    pub(super) fn faults_service_changed(&mut self, now: SimTime, service: ServiceId) {
        if self.faults.open_watches == 0 {
            return;
        }
        self.update_watches(now, Some(service));
    }

    pub(super) fn watch_all(&mut self, now: SimTime) {
        if self.faults.open_watches > 0 {
            self.update_watches(now, None);
        }
    }

    fn update_watches(&mut self, now: SimTime, only: Option<ServiceId>) {
        for w in 0..self.faults.watches.len() {
            let watch = &self.faults.watches[w];
            if watch.recovered.is_some() || only.is_some_and(|s| s != watch.service) {
                continue;
            }
            let service = watch.service;
            let healthy = self.healthy_reachable(service);
            let desired = self.services[service.index()].desired;
            let o = watch.occurrence as usize;
            let ongoing = self.faults.occurrences[o].ongoing || self.bad_deployment_in_progress(o, service);
            let tasks = &self.tasks;
            let watch = &mut self.faults.watches[w];
            watch.lowest = watch.lowest.min(healthy);
            watch.pending.retain(|&t| tasks[t as usize].last_status != LastStatus::Stopped);
            if !ongoing && watch.pending.is_empty() && healthy >= desired {
                watch.recovered = Some(now);
                self.faults.open_watches -= 1;
                let occ = watch.occurrence;
                if self.faults.watches.iter().filter(|x| x.occurrence == occ).all(|x| x.recovered.is_some()) {
                    let failed = self.failed_requests();
                    self.faults.occurrences[o].failed_at_close = Some(failed);
                }
            }
        }
    }

    /// A bad revision's occurrence stays open while a deployment to it is in progress.
    fn bad_deployment_in_progress(&self, o: usize, service: ServiceId) -> bool {
        let occ = &self.faults.occurrences[o];
        let FaultKind::BadRevision { task_definition, .. } = self.scenario.faults[occ.fault.index()].kind else { return false };
        let s = &self.services[service.index()];
        let deployed = s.deployments.iter().any(|d| d.task_definition == task_definition);
        // Not created yet (the update comes at the same instant), or it (or its rollback) still
        // rolling.
        !deployed || s.deployments.iter().any(|d| d.rollout == RolloutState::InProgress)
    }

    /// faults.csv, at the end of the run.
    pub(super) fn fault_rows(&mut self, end: SimTime) -> Vec<FaultRow> {
        self.update_watches(end, None);
        let failed_end = self.failed_requests();
        let mut rows = Vec::new();
        for (o, occ) in self.faults.occurrences.iter().enumerate() {
            let spec = &self.scenario.faults[occ.fault.index()];
            let requests_failed = occ.failed_at_close.unwrap_or(failed_end) - occ.failed_at_start;
            let base = |service: String, desired, tasks_lost, lowest_healthy, recovered: Option<SimTime>| FaultRow {
                occurrence: o as u32,
                fault: spec.name.clone(),
                kind: spec.kind.as_str(),
                target: occ.target.clone(),
                start_s: occ.start.as_secs_f64(),
                end_s: occ.end.unwrap_or(occ.start).as_secs_f64(),
                service,
                desired,
                tasks_lost,
                lowest_healthy,
                recovered_s: recovered.map(SimTime::as_secs_f64),
                time_to_recover_s: recovered.map(|r| r.since(occ.start).as_secs_f64()),
                requests_failed,
                detail: occ.detail.clone(),
            };
            let watches: Vec<&Watch> = self.faults.watches.iter().filter(|w| w.occurrence == o as u32).collect();
            if watches.is_empty() {
                rows.push(base(String::new(), 0, 0, 0, None));
            }
            for w in watches {
                rows.push(base(self.services[w.service.index()].name.clone(), w.desired, w.tasks_lost, w.lowest, w.recovered));
            }
        }
        rows
    }
}
