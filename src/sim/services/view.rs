//! What the scheduler sees of a service's tasks at an evaluation: their counts, their health
//! as ECS judges it (the load balancer's target health, container health checks, the grace
//! period), and the `TaskView`s the pure decisions of `ecs::scheduler` take.

use super::state::{Counts, TaskFacts};
use crate::ecs::instance::InstanceStatus;
use crate::ecs::scheduler::health::{self, HealthInput, UnhealthyInput};
use crate::ecs::scheduler::TaskView;
use crate::ecs::task::LastStatus;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::world::World;

impl World<'_> {
    /// Counts of the service's tasks (services.csv, steady state, deployments.csv).
    pub(super) fn counts(&self, service: ServiceId) -> Counts {
        let tasks = &self.tasks;
        self.services[service.index()].count_tasks(|id| {
            let t = &tasks[id.index()];
            TaskFacts { last_status: t.last_status, healthy: t.healthy, desired_running: t.desired_running, deployment: t.deployment }
        })
    }

    /// Recomputes `healthy` of the service's tasks (the 40 s rule and container health are
    /// set by the lifecycle; this adds the grace period for unhealthy verdicts).
    pub(super) fn refresh_health(&mut self, now: SimTime, service: ServiceId) {
        let scenario = self.scenario;
        for &id in &self.services[service.index()].tasks {
            let t = &self.tasks[id.index()];
            let has_check =
                scenario.task_definitions[t.task_definition as usize].containers.iter().any(|c| c.essential && c.health_check.is_some());
            let running_for_s = (t.last_status == LastStatus::Running).then(|| t.running_at.get().map_or(0, |r| now.since(r).whole_secs()));
            let (target_healthy_in_all, _) = self.target_health(id);
            let t = &mut self.tasks[id.index()];
            t.healthy = health::counts_as_healthy(&HealthInput {
                running_for_s,
                desired_running: t.desired_running,
                has_container_health_check: has_check,
                container_healthy: t.container_healthy,
                load_balanced: !scenario.services[service.index()].target_groups.is_empty(),
                target_healthy_in_all,
            });
        }
    }

    pub(super) fn is_unhealthy(&self, now: SimTime, service: ServiceId, id: TaskId) -> bool {
        let t = &self.tasks[id.index()];
        let grace = self.scenario.services[service.index()].definition.health_check_grace_period_s as u64;
        let running_for_s = (t.last_status == LastStatus::Running).then(|| t.running_at.get().map_or(0, |r| now.since(r).whole_secs()));
        health::is_unhealthy(&UnhealthyInput {
            running_for_s,
            desired_running: t.desired_running,
            grace_period_s: grace,
            container_unhealthy: t.container_healthy == Some(false),
            target_unhealthy_in_any: self.target_health(id).1,
        })
    }

    /// The service's tasks as the scheduler's decisions see them.
    pub(super) fn views(&self, now: SimTime, service: ServiceId) -> Vec<TaskView> {
        let s = &self.services[service.index()];
        s.tasks
            .iter()
            .map(|&id| {
                let t = &self.tasks[id.index()];
                TaskView {
                    id: id.0,
                    instance: t.instance,
                    deployment: s.effective_deployment(t.deployment),
                    last_status: t.last_status,
                    desired_running: t.desired_running,
                    healthy: t.healthy,
                    unhealthy: self.is_unhealthy(now, service, id),
                    on_draining_instance: self.cluster.instance(t.instance).status == InstanceStatus::Draining,
                    protected: t.protected_until.get().is_some_and(|until| now < until),
                }
            })
            .collect()
    }
}
