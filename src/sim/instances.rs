//! Instance state changes that more than one concern makes (scheduled actions, Auto Scaling
//! groups, faults): registering an instance, DRAINING / ACTIVE / INACTIVE, terminating one with
//! its tasks, and the re-evaluation of every service that follows such a change. Below the
//! concerns that call it: it calls only the lifecycle, the services' evaluation request and the
//! standalone workloads' retry.

use crate::ecs::instance::{InstanceId, InstanceStatus};
use crate::ecs::task::{LastStatus, StopCode};
use crate::ecs::InstanceSpec;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::notice::Notice;
use crate::sim::recorder::{EventKind, EventSource};
use crate::sim::task::Owner;
use crate::sim::world::World;

impl World<'_> {
    /// Registers a new ACTIVE instance (a RegisterInstance action, or an Auto Scaling group's
    /// launch) and tells the placement indexes and the recorder; `how` ends the event's text.
    pub(super) fn register_instance(&mut self, now: SimTime, spec: &InstanceSpec, how: &str) -> InstanceId {
        let id = self.cluster.register(spec);
        for index in self.indexes.iter_mut().flatten() {
            index.instance_added(&self.cluster, id);
        }
        self.recorder.instance_added(now, &self.cluster, id);
        let name = self.cluster.instance(id).ec2_instance_id.clone();
        let zone = &spec.availability_zone;
        self.recorder.event(
            now,
            EventKind::Instance,
            None,
            EventSource::Action,
            Some(id),
            "ACTIVE",
            &format!("{name} registered in {zone}{how}"),
        );
        id
    }

    /// The instance is gone (terminated, or deregistered with --force): its tasks stop where
    /// they are (ECS marks them STOPPED), and services replace them elsewhere.
    pub(super) fn terminate_instance(&mut self, now: SimTime, instance: InstanceId) {
        let on_it: Vec<u32> = (0..self.tasks.len() as u32)
            .filter(|&t| self.tasks[t as usize].instance == instance && self.tasks[t as usize].last_status != LastStatus::Stopped)
            .collect();
        self.set_instance_status(now, instance, InstanceStatus::Inactive);
        for t in on_it {
            self.tasks[t as usize].exited = true;
            self.kill_task(now, TaskId(t));
        }
    }

    pub(super) fn set_instance_status(&mut self, now: SimTime, instance: InstanceId, status: InstanceStatus) {
        let was_counted = matches!(self.cluster.instance(instance).status, InstanceStatus::Active | InstanceStatus::Draining);
        self.cluster.instance_mut(instance).status = status;
        if status == InstanceStatus::Inactive {
            self.notify(now, Notice::InstanceGone(instance));
        }
        self.recorder.instance_status_changed(now, self.cluster.instance(instance), was_counted);
        self.notify(now, Notice::InstanceChanged(instance));
        let name = self.cluster.instance(instance).ec2_instance_id.clone();
        self.recorder.event(
            now,
            EventKind::Instance,
            None,
            EventSource::Action,
            Some(instance),
            status.as_str(),
            &format!("{name} is {}", status.as_str()),
        );
        if status == InstanceStatus::Draining {
            // Service tasks not yet RUNNING on a draining instance are stopped at once.
            let pending: Vec<u32> = (0..self.tasks.len() as u32)
                .filter(|&t| {
                    let task = &self.tasks[t as usize];
                    task.instance == instance
                        && task.desired_running
                        && task.last_status.is_before_running()
                        && matches!(task.owner, Owner::Service(_))
                })
                .collect();
            for t in pending {
                self.stop_task(now, TaskId(t), StopCode::ServiceSchedulerInitiated);
            }
        }
        self.evaluate_all(now);
        if status == InstanceStatus::Active {
            self.retry_waiting(now);
        }
    }

    /// Every service re-evaluates; DAEMON services first, so that a daemon takes its place on
    /// an instance before replica tasks can ("the daemon task is the first task
    /// launched on an instance").
    pub(super) fn evaluate_all(&mut self, now: SimTime) {
        for daemon_pass in [true, false] {
            for s in 0..self.services.len() {
                if (self.services[s].scheduling == crate::ecs::service::SchedulingStrategy::Daemon) == daemon_pass {
                    self.request_evaluation(now, ServiceId::at(s));
                }
            }
        }
    }
}
