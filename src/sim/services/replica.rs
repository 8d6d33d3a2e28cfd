//! REPLICA services (docs/ecs-model.md#replica-reconciliation, docs/ecs-model.md#rolling-updates): the rolling update's plan
//! (`ecs::scheduler::rolling`)
//! carried out each evaluation — which tasks stop, which scale-in picks (docs/ecs-model.md#scale-in), how many launch —
//! within minimumHealthyPercent and maximumPercent.

use super::state::RolloutState;
use crate::ecs::scheduler::rolling::{self, RollingInput};
use crate::ecs::scheduler::scale_in::{self, ScaleInRequest};
use crate::ecs::scheduler::TaskView;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::recorder::EventKind;
use crate::sim::world::World;

impl World<'_> {
    /// REPLICA (docs/ecs-model.md#replica-reconciliation, docs/ecs-model.md#rolling-updates): the rolling update's plan carried out —
    /// unhealthy and old tasks
    /// stopped within minimumHealthyPercent, scale-in, launches within maximumPercent unless the
    /// launch throttle delays them — then completion, and AZ rebalancing once nothing else acts.
    pub(super) fn reconcile_replica(&mut self, now: SimTime, service: ServiceId) {
        let idx = service.index();
        if self.scenario.services[idx].capacity.is_some() {
            // PROVISIONING tasks go first where capacity appeared; those no longer wanted go.
            let c = self.counts(service);
            let s = &self.services[idx];
            let wanted = if s.deleted { 0 } else { s.desired.saturating_sub(c.primary) };
            self.place_provisioning(now, service, wanted);
        }
        let provisioning = self.capacity.provisioning[idx].len() as u32;
        let s = &self.services[idx];
        let desired = if s.deleted { 0 } else { s.desired };
        let primary = s.primary();
        let primary_failed = s.deployments.last().is_some_and(|d| d.rollout == RolloutState::Failed);
        let views = self.views(now, service);
        let plan = rolling::plan(&RollingInput {
            desired,
            minimum_healthy_percent: s.config.minimum_healthy_percent,
            maximum_percent: s.config.maximum_percent,
            primary,
            tasks: &views,
        });
        let healthy_before = plan.healthy;
        // 1. Old (or draining) tasks that are not healthy go first.
        for &id in &plan.stop_unhealthy_old {
            self.stop_service_task(now, TaskId(id));
        }
        // Unhealthy tasks of the current deployment: replaced (docs/ecs-model.md#replica-reconciliation), and counted by the
        // circuit breaker (stage 2).
        for &id in &plan.stop_unhealthy_new {
            if self.tasks[id as usize].desired_running {
                self.tasks[id as usize].stopped_for_health = true;
                let deployment = self.tasks[id as usize].deployment;
                self.record(now, EventKind::Unhealthy, TaskId(id), "", "stopped by the scheduler: failed health checks");
                self.stop_service_task(now, TaskId(id));
                self.count_for_circuit_breaker(now, service, deployment, true);
            }
        }
        // 2. k healthy old tasks, chosen as scale-in chooses (docs/ecs-model.md#scale-in).
        if plan.stop_healthy_old > 0 {
            self.stop_selected(now, service, &views, &plan.healthy_old, plan.stop_healthy_old);
        }
        // While a rebalancing task is not healthy yet, the extra task it makes is not excess.
        let mut stop_excess = plan.stop_excess;
        if let Some(t) = self.services[idx].rebalancing_task {
            let task = &self.tasks[t.index()];
            if task.desired_running && !task.healthy {
                stop_excess = stop_excess.saturating_sub(1);
            } else {
                self.services[idx].rebalancing_task = None;
            }
        }
        // Scale-in: more tasks than desired (docs/ecs-model.md#scale-in picks them in the zone with the most).
        if stop_excess > 0 {
            let views = self.views(now, service);
            self.stop_selected(now, service, &views, &plan.excess_candidates, stop_excess);
        }
        // 3. Launch new tasks of the PRIMARY deployment, unless throttled or failed.
        // PROVISIONING tasks count as launched (they are tasks to ECS, only not placed yet).
        let launch = plan.launch.saturating_sub(provisioning);
        if launch > 0 && !primary_failed {
            self.launch_or_delay(now, service, launch);
        }
        if self.check {
            // The scheduler's own stops never take healthy tasks below minimumHealthyPercent,
            // and its launches never take tasks in flight above maximumPercent (docs/ecs-model.md#rolling-updates).
            let c = self.counts(service);
            assert!(
                c.healthy >= plan.min_healthy.min(healthy_before),
                "service {}: healthy {} below minimum {}",
                self.services[idx].name,
                c.healthy,
                plan.min_healthy
            );
            assert!(
                plan.launch == 0 || c.in_flight <= plan.max_total,
                "service {}: {} tasks in flight above maximum {}",
                self.services[idx].name,
                c.in_flight,
                plan.max_total
            );
        }
        if plan.blocked {
            let name = self.services[idx].name.clone();
            self.problem(now, service, format!("service {name} was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."));
        }
        if plan.complete {
            self.complete_deployment(now, service);
        }
        if self.services[idx].az_rebalancing && !plan.acts() {
            self.rebalance_zones(now, service, plan.max_total, plan.in_flight);
        }
    }

    fn stop_selected(&mut self, now: SimTime, service: ServiceId, views: &[TaskView], candidates: &[u32], k: u32) {
        let s = &self.services[service.index()];
        let td = s.deployments.last().map_or(0, |d| d.task_definition);
        let req = ScaleInRequest {
            strategies: &s.strategies,
            tie_break: self.scenario.tie_break,
            task_cpu_units: self.reservations[td].cpu_units,
            task_memory_mib: self.reservations[td].memory_mib,
        };
        let chosen = scale_in::select(&self.cluster, views, candidates, k, &req, &mut self.scale_in_rng);
        if (chosen.len() as u32) < k {
            let name = self.services[service.index()].name.clone();
            self.problem(now, service, format!("service {name} was unable to reach steady state because task set {name} was unable to scale in. Reason: The number of protected tasks are more than the desired count of tasks."));
        }
        for id in chosen {
            self.stop_service_task(now, TaskId(id));
        }
    }
}
