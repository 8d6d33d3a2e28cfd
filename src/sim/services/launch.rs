//! Launching service tasks: placing them one at a time, binding each placed task and
//! starting its lifecycle.

use crate::ecs::placement::{self, Constraint, Outcome, PlacementRequest};
use crate::engine::SimTime;
use crate::sim::lifecycle::NewTask;
use crate::sim::recorder::EventKind;
use crate::sim::{Owner, World};

impl World<'_> {
    /// Launches up to `n` tasks of the PRIMARY deployment through placement (spec §3).
    pub(super) fn launch(&mut self, now: SimTime, service: u16, n: u32) {
        self.launch_with(now, service, n, None);
    }

    /// `launch` with one more constraint (AZ rebalancing pins a zone).
    pub(super) fn launch_with(&mut self, now: SimTime, service: u16, n: u32, extra: Option<Constraint>) {
        let idx = service as usize;
        let scenario = self.scenario;
        if scenario.services[idx].capacity.is_some() {
            // A launch type other than EC2, or a capacity provider strategy (spec §12.4).
            let started = self.launch_by_capacity(now, service, n, extra.as_ref());
            self.report_starts(now, service, &started);
            return;
        }
        let deployment = self.services[idx].primary();
        let td = self.services[idx].deployments.last().map_or(0, |d| d.task_definition);
        let mut started = vec![];
        self.services[idx].waiting_for_resources = false;
        for _ in 0..n {
            let s = &self.services[idx];
            let mut constraints = s.constraints.clone();
            constraints.extend(extra.clone());
            let req = PlacementRequest {
                reservation: &self.reservations[td],
                group: s.group,
                strategies: &s.strategies,
                constraints: &constraints,
                requires_attributes: &scenario.task_definitions[td].requires_attributes,
                tie_break: scenario.tie_break,
            };
            let decision = placement::place(&self.cluster, &req, &mut self.placement_rng, scenario.explain_placements);
            let detail = decision.explanation.as_ref().map(|e| crate::sim::recorder::one_line(e, &self.cluster)).unwrap_or_default();
            match decision.outcome {
                Outcome::Placed { instance } => started.push(self.start_service_task(now, service, instance, td, deployment, &detail)),
                Outcome::Failed { reason, closest } => {
                    let name = self.services[idx].name.clone();
                    let tail = closest
                        .map(|(id, r)| {
                            format!(
                                " The closest matching container-instance {} {}",
                                self.cluster.instance(id).ec2_instance_id,
                                r.closest_match_text()
                            )
                        })
                        .unwrap_or_default();
                    self.recorder.failed(reason.code());
                    self.services[idx].waiting_for_resources = true;
                    self.problem(
                        now,
                        service,
                        format!(
                            "service {name} was unable to place a task because no container instance met all of its requirements.{tail}"
                        ),
                    );
                    self.record_launch_failure(now, service);
                    break;
                }
            }
        }
        self.report_starts(now, service, &started);
    }

    /// Binds a placed task of the service and starts it.
    pub(in crate::sim) fn start_service_task(
        &mut self,
        now: SimTime,
        service: u16,
        instance: crate::ecs::InstanceId,
        td: usize,
        deployment: u32,
        detail: &str,
    ) -> u32 {
        let start_delay = self.scenario.lifecycle.start_delay.sample(&mut self.lifecycle_rng);
        self.start_service_task_after(now, service, instance, td, deployment, detail, start_delay)
    }

    /// `start_service_task` with the PENDING → RUNNING delay given (Fargate draws its own).
    #[allow(clippy::too_many_arguments)] // the task's identity, one argument per field
    pub(in crate::sim) fn start_service_task_after(
        &mut self,
        now: SimTime,
        service: u16,
        instance: crate::ecs::InstanceId,
        td: usize,
        deployment: u32,
        detail: &str,
        start_delay: crate::engine::Span,
    ) -> u32 {
        let group = self.services[service as usize].group;
        let new = NewTask {
            owner: Owner::Service(service),
            task_definition: td as u16,
            group,
            deployment,
            submitted_at: now,
            run_time: None,
            start_delay,
        };
        let task = self.start_task(now, instance, new);
        self.services[service as usize].tasks.push(task);
        self.record(now, EventKind::Placed, task, "", detail);
        task
    }
}
