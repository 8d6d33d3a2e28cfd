//! Launching service tasks: placing them one at a time, binding each placed task and
//! starting its lifecycle.

use crate::ecs::placement::{Constraint, Outcome};
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::world::{Event, World};

impl World<'_> {
    /// Launches up to `n` tasks of the PRIMARY deployment through placement (docs/ecs-model.md#placement).
    pub(super) fn launch(&mut self, now: SimTime, service: ServiceId, n: u32) {
        self.launch_with(now, service, n, None);
    }

    /// Launches `n` tasks now, or, when the launch throttle holds them back, schedules one
    /// evaluation for when it allows them. A delayed evaluation, not a pending one: requests
    /// before then (UpdateService, ticks, task changes) still evaluate at once.
    pub(super) fn launch_or_delay(&mut self, now: SimTime, service: ServiceId, n: u32) {
        let idx = service.index();
        let allowed_at_s = self.services[idx].throttle.next_launch_allowed_at(now.whole_secs());
        if allowed_at_s > now.whole_secs() {
            let at = SimTime::from_secs(allowed_at_s);
            if self.services[idx].delayed_evaluation_at != Some(at) {
                self.services[idx].delayed_evaluation_at = Some(at);
                self.queue.schedule(at, Event::ServiceEvaluation { service });
            }
        } else {
            self.launch(now, service, n);
        }
    }

    /// `launch` with one more constraint (AZ rebalancing pins a zone).
    pub(super) fn launch_with(&mut self, now: SimTime, service: ServiceId, n: u32, extra: Option<Constraint>) {
        let idx = service.index();
        if self.scenario.services[idx].capacity.is_some() {
            // A launch type other than EC2, or a capacity provider strategy (docs/ecs-model.md#capacity-provider-strategy).
            let started = self.launch_by_capacity(now, service, n, extra.as_ref());
            self.report_starts(now, service, &started);
            return;
        }
        let deployment = self.services[idx].primary();
        let td = self.services[idx].deployments.last().map_or(0, |d| d.task_definition);
        let mut started = vec![];
        self.services[idx].waiting_for_resources = false;
        for _ in 0..n {
            let decision = self.place_service_task(service, td, None, extra.as_ref());
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
}
