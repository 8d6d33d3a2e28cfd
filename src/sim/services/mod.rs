//! The service scheduler at work (docs/ecs-model.md#service-scheduler–docs/ecs-model.md#draining): services keep `desiredCount` tasks
//! (REPLICA)
//! or one task per eligible instance (DAEMON), replace stopped and unhealthy tasks, roll out
//! new revisions within minimumHealthyPercent / maximumPercent, trip the circuit breaker, and
//! move tasks off DRAINING instances. Every decision comes from `ecs::scheduler`; this module
//! keeps the state, carries the decisions out and writes ECS's service events.
//!
//! This entry file is one evaluation and a task's change. The parts, each calling only parts
//! listed after it and none calling back: `replica` and `daemon` (the two schedulers),
//! `staged` (blue/green, linear and canary deployments: stages, hooks, traffic shifts),
//! `rebalance` (AZ rebalancing), `launch` (placing and starting tasks), `place` (one task placed: through the service's
//! placement index for the revision, `indexes`, or the reference), `waiting` (services
//! waiting for room), `calls` (what the rest of the run asks: an evaluation, UpdateService,
//! services.csv, invariants), `deployments` (creating, completing, failing, rolling back),
//! `events` (what a service says), `view` (what the scheduler sees of the tasks), and `state`
//! (the service's own state, testable alone).

mod calls;
mod daemon;
mod deployments;
mod events;
pub mod indexes;
mod launch;
mod place;
mod rebalance;
mod replica;
mod staged;
mod start;
pub mod state;
mod view;
mod waiting;

use crate::ecs::service::SchedulingStrategy;
use crate::ecs::task::{LastStatus, StopCode};
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::ids::TaskId;
use crate::sim::notice::Notice;
use crate::sim::world::World;

pub use state::{init, Deployment, DeploymentStatus, RolloutState, ServiceState, ServiceUpdate};

impl World<'_> {
    /// A task of the service changed state.
    pub(in crate::sim) fn on_service_task_changed(&mut self, now: SimTime, service: ServiceId, task: TaskId) {
        self.notify(now, Notice::ServiceChanged { service });
        let t = &self.tasks[task.index()];
        let (status, deployment, reached_running) = (t.last_status, t.deployment, t.running_at.is_some());
        if status == LastStatus::Running && t.running_at.get() == Some(now) {
            let s = &mut self.services[service.index()];
            s.throttle.record_running();
            if let Some(b) = s.deployments.get_mut(deployment as usize).and_then(|d| d.breaker.as_mut()) {
                b.record_task_running();
            }
        }
        if status == LastStatus::Stopped {
            // A task the scheduler (or a user) stopped before it ran did not fail to start: a
            // rollback or a scale-in stopping PENDING tasks is no reason to back off (docs/ecs-model.md#launch-throttling) or to
            // trip the breaker (docs/ecs-model.md#circuit-breaker).
            // Nor did one whose instance failed or was interrupted under it.
            let told_to_stop = matches!(
                self.tasks[task.index()].stop_code,
                Some(
                    StopCode::ServiceSchedulerInitiated
                        | StopCode::UserInitiated
                        | StopCode::TerminationNotice
                        | StopCode::SpotInterruption
                )
            );
            let reached_running = reached_running || told_to_stop;
            let s = &mut self.services[service.index()];
            // The service's tasks are in creation order, so by id: found in O(log n), not by a
            // scan of every task per stop (a scale-in of k tasks was O(k × tasks)).
            match s.tasks.binary_search(&task) {
                Ok(at) => {
                    s.tasks.remove(at);
                }
                Err(_) => s.tasks.retain(|&x| x != task),
            }
            if !reached_running {
                self.record_launch_failure(now, service);
                self.count_for_circuit_breaker(now, service, deployment, false);
            }
        }
        self.request_evaluation(now, service);
    }

    /// One evaluation of a service (docs/ecs-model.md#simulated-time, docs/ecs-model.md#replica-reconciliation,
    /// docs/ecs-model.md#daemon-services, docs/ecs-model.md#rolling-updates).
    pub(in crate::sim) fn on_service_evaluation(&mut self, now: SimTime, service: ServiceId) {
        let idx = service.index();
        self.services[idx].evaluation_pending = false;
        if !self.services[idx].created {
            self.services[idx].created = true;
            let td = self.scenario.services[idx].task_definition;
            self.new_deployment(now, service, td, "CreateService".into(), None);
        }
        self.refresh_health(now, service);
        self.check_deployment_alarms(now, service);
        match self.services[idx].scheduling {
            SchedulingStrategy::Replica if self.staged_in_progress(service) => self.reconcile_staged(now, service),
            SchedulingStrategy::Replica => self.reconcile_replica(now, service),
            SchedulingStrategy::Daemon => self.reconcile_daemon(now, service),
        }
        self.report_stops(now, service);
        let c = self.counts(service);
        if self.services[idx].update_steady(now, c) {
            let name = self.services[idx].name.clone();
            self.service_event(now, service, format!("service {name} has reached a steady state."));
        }
        self.track_deployment(now, service);
        // Fault watches see what this evaluation changed: a deployment completed or failed, and
        // `healthy` as refreshed above (a task change alone updates them before the evaluation).
        self.notify(now, Notice::ServiceChanged { service });
    }
}
