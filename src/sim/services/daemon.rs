//! DAEMON services (docs/ecs-model.md#daemon-services): one task on every ACTIVE instance that meets the constraints.

use crate::ecs::instance::InstanceStatus;
use crate::ecs::placement::{filter, PlacementRequest};
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::world::World;

impl World<'_> {
    /// DAEMON (docs/ecs-model.md#daemon-services): one task per ACTIVE instance that satisfies the constraints; the
    /// daemon on a DRAINING instance is stopped; a new revision replaces each daemon task
    /// after the old one has stopped (maximumPercent 100).
    pub(super) fn reconcile_daemon(&mut self, now: SimTime, service: ServiceId) {
        let idx = service.index();
        let scenario = self.scenario;
        let primary = self.services[idx].primary();
        let td = self.services[idx].deployments.last().map_or(0, |d| d.task_definition);
        let deleted = self.services[idx].deleted;
        // Stop daemons on instances that are not ACTIVE, of old revisions, or of a deleted service.
        let to_stop: Vec<TaskId> = self.services[idx]
            .tasks
            .iter()
            .copied()
            .filter(|&id| {
                let t = &self.tasks[id.index()];
                t.desired_running
                    && (deleted || t.deployment != primary || self.cluster.instance(t.instance).status != InstanceStatus::Active)
            })
            .collect();
        for id in to_stop {
            self.stop_service_task(now, id);
        }
        if deleted {
            self.services[idx].desired = 0;
            return;
        }
        // The daemon's desired count is the number of ACTIVE instances meeting its constraints.
        let eligibility = PlacementRequest {
            reservation: &crate::ecs::task_def::Reservation::default(),
            group: self.services[idx].group,
            strategies: &[],
            constraints: &self.services[idx].constraints,
            requires_attributes: &[],
            tie_break: scenario.tie_break,
        };
        let eligible = self
            .cluster
            .instances
            .iter()
            .filter(|i| {
                filter::check(&self.cluster, i, &eligibility).is_ok()
                    || self.services[idx]
                        .tasks
                        .iter()
                        .any(|&t| self.tasks[t.index()].instance == i.id && self.tasks[t.index()].desired_running)
            })
            .count() as u32;
        self.services[idx].desired = eligible;
        if let Some(d) = self.services[idx].deployments.last_mut() {
            d.desired = eligible;
        }
        let mut started = vec![];
        self.services[idx].waiting_for_resources = false;
        for i in 0..self.cluster.instances.len() {
            let inst = &self.cluster.instances[i];
            if !inst.is_placeable() {
                continue;
            }
            let occupied = self.services[idx].tasks.iter().any(|&id| self.tasks[id.index()].instance == inst.id);
            if occupied {
                continue;
            }
            let s = &self.services[idx];
            let req = PlacementRequest {
                reservation: &self.reservations[td],
                group: s.group,
                strategies: &[],
                constraints: &s.constraints,
                requires_attributes: &scenario.task_definitions[td].requires_attributes,
                tie_break: scenario.tie_break,
            };
            match filter::check(&self.cluster, inst, &req) {
                Ok(()) => {
                    let instance = inst.id;
                    started.push(self.start_service_task(now, service, instance, td, primary, "daemon"));
                }
                // A constraint the instance does not meet: no daemon belongs there.
                Err(filter::Rejection::Constraint { .. }) => {}
                Err(r) => {
                    self.services[idx].waiting_for_resources = true;
                    let s = &self.services[idx];
                    let name = s.name.clone();
                    let id = inst.ec2_instance_id.clone();
                    self.problem(now, service, format!("service {name} was unable to place a task because no container instance met all of its requirements. The closest matching container-instance {id} {}", r.closest_match_text()));
                }
            }
        }
        self.report_starts(now, service, &started);
        let old_alive = self.services[idx].tasks.iter().any(|&id| self.tasks[id.index()].deployment != primary);
        let all_healthy = self.services[idx].tasks.iter().all(|&id| self.tasks[id.index()].healthy);
        if !old_alive && all_healthy && started.is_empty() {
            self.complete_deployment(now, service);
        }
    }
}
