//! Deployments of a service (docs/ecs-model.md#deployments): creating one (CreateService, UpdateService with a new
//! revision, rollback), completing it, failing it through the circuit breaker (docs/ecs-model.md#circuit-breaker) or a
//! CloudWatch alarm (docs/ecs-model.md#deployment-alarms), and what deployments.csv records about each.

use super::state::{DeploymentStatus, RolloutState};
use crate::ecs::scheduler::blue_green::StagedRollout;
use crate::ecs::scheduler::circuit_breaker::Record;
use crate::ecs::service::DeploymentStrategy;
use crate::engine::{SimTime, Span};
use crate::sim::ids::ServiceId;
use crate::sim::recorder::{DeploymentRow, EventKind, EventSource};
use crate::sim::world::{Event, World};

impl World<'_> {
    /// A deployment event in events.csv: its new state and ECS-style text.
    pub(super) fn deployment_event(&mut self, now: SimTime, service: ServiceId, state: &str, text: &str) {
        self.recorder.event(now, EventKind::Deployment, None, EventSource::Service(service), None, state, text);
    }

    /// Stage 1 counts tasks that stopped before RUNNING; stage 2 tasks stopped for failed
    /// health checks (`for_health`), at the moment the scheduler stops them (docs/ecs-model.md#circuit-breaker).
    pub(super) fn count_for_circuit_breaker(&mut self, now: SimTime, service: ServiceId, deployment: u32, for_health: bool) {
        let s = &mut self.services[service.index()];
        let Some(d) = s.deployments.get_mut(deployment as usize) else { return };
        if d.status != DeploymentStatus::Primary || d.rollout != RolloutState::InProgress {
            return;
        }
        let Some(breaker) = d.breaker.as_mut() else { return };
        let record = if for_health { breaker.record_failed_health_check() } else { breaker.record_stopped_before_running() };
        if record == Record::Tripped {
            self.trip_circuit_breaker(now, service, deployment);
        }
    }

    pub(super) fn trip_circuit_breaker(&mut self, now: SimTime, service: ServiceId, deployment: u32) {
        let rollback = self.services[service.index()].config.circuit_breaker.as_ref().is_some_and(|c| c.rollback);
        self.fail_deployment(now, service, deployment, "ECS deployment circuit breaker: tasks failed to start.", rollback);
    }

    /// The deployment is FAILED (circuit breaker or alarm); it launches no more tasks. With
    /// `rollback`, a deployment of the last COMPLETED task definition starts.
    ///
    /// A staged (blue/green, linear, canary) deployment always returns to blue, which still runs
    /// at full size (docs/ecs-model.md#blue-green-deployments): production traffic moves back at
    /// once and the rollback deployment stops green.
    pub(super) fn fail_deployment(&mut self, now: SimTime, service: ServiceId, deployment: u32, reason: &str, rollback: bool) {
        let s = &mut self.services[service.index()];
        let name = s.name.clone();
        let d = &mut s.deployments[deployment as usize];
        d.rollout = RolloutState::Failed;
        d.finished_at = Some(now);
        d.reason = reason.to_string();
        let (staged, side) = (d.staged.is_some(), d.side);
        self.deployment_event(now, service, "FAILED", &format!("(service {name}) deployment ecs-svc/{deployment} failed: {reason}"));
        if staged {
            // Production and test listener rules both return to blue.
            let routes = self.set_forward_weights(service, crate::sim::alb::Rules::Both, side, 0);
            if routes > 0 {
                let text = format!("(service {name}) production traffic: 0 % to the green revision, 100 % back to blue.");
                self.deployment_event(now, service, "TRAFFIC_SHIFT", &text);
            }
        }
        if rollback || staged {
            let s = &self.services[service.index()];
            if let Some(good) = s.deployments.iter().rposition(|d| d.rollout == RolloutState::Completed) {
                let (td, lineage) = (s.deployments[good].task_definition, s.deployments[good].lineage);
                self.create_deployment(
                    now,
                    service,
                    td,
                    format!("rolling back to deployment ecs-svc/{good}: {reason}"),
                    Some(lineage),
                    true,
                );
                if let Some(d) = self.services[service.index()].deployments.last_mut() {
                    d.rollback = true;
                }
            }
        }
    }

    /// CloudWatch-alarm failure detection (docs/ecs-model.md#deployment-alarms): a listed alarm in ALARM while the
    /// PRIMARY deployment is in progress fails it (and rolls back when configured), unless an
    /// alarm was already in ALARM when the deployment started. The bake time after the rollout
    /// (derived from the alarms' periods) comes with the CloudWatch layer; until then it is 0.
    pub(super) fn check_deployment_alarms(&mut self, now: SimTime, service: ServiceId) {
        let s = &self.services[service.index()];
        let Some(alarms) = s.config.alarms.as_ref().filter(|a| a.enable) else { return };
        let Some(d) = s.deployments.last() else { return };
        if d.rollout != RolloutState::InProgress || d.alarms_ignored || s.deployments.len() < 2 {
            return;
        }
        let firing: Vec<&String> = alarms.alarm_names.iter().filter(|n| self.monitor.in_alarm(n)).collect();
        if firing.is_empty() {
            return;
        }
        let reason = format!("alarm(s) {} in ALARM", firing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
        let rollback = alarms.rollback;
        let deployment = (s.deployments.len() - 1) as u32;
        self.fail_deployment(now, service, deployment, &reason, rollback);
    }

    /// Creates a PRIMARY deployment of `task_definition`; earlier ones become ACTIVE. `lineage`
    /// (see `Deployment::lineage`): `None` continues the latest deployment's.
    pub(super) fn new_deployment(&mut self, now: SimTime, service: ServiceId, task_definition: usize, why: String, lineage: Option<u32>) {
        self.create_deployment(now, service, task_definition, why, lineage, false);
    }

    /// `new_deployment`, or a rollback (`rollback`: never staged, it returns to the revision
    /// that runs). With a BLUE_GREEN, LINEAR or CANARY strategy and a revision already
    /// deployed, the deployment is staged on the side production traffic is not on
    /// (docs/ecs-model.md#blue-green-deployments); the first deployment has no blue to stage against.
    fn create_deployment(
        &mut self,
        now: SimTime,
        service: ServiceId,
        task_definition: usize,
        why: String,
        lineage: Option<u32>,
        rollback: bool,
    ) {
        let scenario = self.scenario;
        let s = &self.services[service.index()];
        let firing = s.config.alarms.as_ref().is_some_and(|a| a.enable && a.alarm_names.iter().any(|n| self.monitor.in_alarm(n)));
        // The service revisions ACTIVE now: the deployments with a task meant to run.
        let mut active: Vec<u32> =
            s.tasks.iter().map(|t| &self.tasks[t.index()]).filter(|t| t.desired_running).map(|t| t.deployment).collect();
        active.sort_unstable();
        active.dedup();
        let s = &mut self.services[service.index()];
        let has_blue = s.deployments.iter().any(|d| d.rollout == RolloutState::Completed);
        let id = s.start_deployment(now, task_definition, why.clone(), lineage, firing);
        let strategy = s.config.strategy;
        let staged = strategy != DeploymentStrategy::Rolling && has_blue && !rollback;
        let reconcile = active.len() > 1;
        if staged {
            let green_side = 1 - s.production_side;
            let d = &mut s.deployments[id];
            d.side = green_side;
            d.staged = Some(Box::new(StagedRollout::new(strategy, now, reconcile)));
        }
        let name = s.name.clone();
        let td = scenario.task_definitions[task_definition].family_revision();
        self.deployment_event(now, service, "IN_PROGRESS", &format!("(service {name}) deployment ecs-svc/{id} of {td} started: {why}"));
        if staged {
            let (stage, why) = if reconcile {
                ("RECONCILE_SERVICE", format!(": {} service revisions ACTIVE", active.len()))
            } else {
                ("PRE_SCALE_UP", ": one service revision ACTIVE, no RECONCILE_SERVICE".to_string())
            };
            let text = format!("(service {name}) deployment ecs-svc/{id} ({}) entered lifecycle stage {stage}{why}.", strategy.as_str());
            self.deployment_event(now, service, stage, &text);
        }
    }

    pub(super) fn complete_deployment(&mut self, now: SimTime, service: ServiceId) {
        // Bake time (docs/ecs-model.md#deployment-alarms): a deployment watched by alarms stays IN_PROGRESS for the longest
        // Period × EvaluationPeriods of its alarms after the rollout is done.
        let bake = self.deployment_bake_time(service);
        let s = &mut self.services[service.index()];
        let watched = s.deployments.len() >= 2 && s.deployments.last().is_some_and(|d| !d.alarms_ignored);
        if bake > Span::ZERO && watched {
            let Some(primary) = s.deployments.last_mut() else { return };
            match primary.bake_until {
                None if primary.rollout == RolloutState::InProgress => {
                    primary.bake_until = Some(now + bake);
                    self.queue.schedule(now + bake, Event::ServiceEvaluation { service });
                    return;
                }
                Some(until) if now < until => return,
                _ => {}
            }
        }
        let s = &mut self.services[service.index()];
        if let Some(id) = s.complete_primary(now) {
            let name = s.name.clone();
            self.deployment_event(now, service, "COMPLETED", &format!("(service {name}) deployment ecs-svc/{id} completed."));
        }
    }

    /// The bake time of a service's deployment alarms: the longest Period × EvaluationPeriods of
    /// the listed alarms the scenario defines (docs/ecs-model.md#deployment-alarms, ecsim's choice); 0 without such alarms.
    fn deployment_bake_time(&self, service: ServiceId) -> Span {
        let Some(alarms) = self.services[service.index()].config.alarms.as_ref().filter(|a| a.enable) else { return Span::ZERO };
        alarms
            .alarm_names
            .iter()
            .filter_map(|n| self.monitor.alarm_index(n))
            .map(|i| Span::from_secs(self.monitor.alarms[i].config().evaluation_interval_s()))
            .max()
            .unwrap_or(Span::ZERO)
    }

    /// Lowest running and healthy counts and peak tasks of the PRIMARY deployment while it is
    /// in progress (deployments.csv).
    pub(super) fn track_deployment(&mut self, now: SimTime, service: ServiceId) {
        let c = self.counts(service);
        self.services[service.index()].track_primary(now, c);
    }

    /// At the end of the run: deployment rows, and rows for tasks still alive.
    pub(in crate::sim) fn finish(&mut self) {
        let scenario = self.scenario;
        // The strategy columns are written when a service deploys by stages, so other runs'
        // deployments.csv keep their columns.
        let staged_columns = scenario.services.iter().any(|s| s.definition.deployment.strategy != DeploymentStrategy::Rolling);
        for s in &self.services {
            for (id, d) in s.deployments.iter().enumerate() {
                let superseded = d.status != DeploymentStatus::Primary && d.rollout == RolloutState::InProgress;
                self.recorder.deployments.push(DeploymentRow {
                    service: s.name.clone(),
                    deployment: id as u32,
                    task_definition: scenario.task_definitions[d.task_definition].family_revision(),
                    started_s: d.created_at.as_secs_f64(),
                    ended_s: d.finished_at.map(SimTime::as_secs_f64),
                    duration_s: d.finished_at.map(|f| f.since(d.created_at).as_secs_f64()),
                    outcome: if superseded { "SUPERSEDED".into() } else { d.rollout.as_str().into() },
                    reason: d.reason.clone(),
                    desired: d.desired,
                    lowest_running: d.lowest_running.unwrap_or(0),
                    lowest_healthy: d.lowest_healthy.unwrap_or(0),
                    peak_tasks: d.peak_in_flight,
                    failed_tasks: d.breaker.as_ref().map_or(0, |b| b.failed_tasks()),
                    minimum_healthy_percent: d.minimum_healthy_percent,
                    maximum_percent: d.maximum_percent,
                    strategy: staged_columns.then(|| d.staged.as_ref().map_or("ROLLING", |r| r.strategy.as_str()).to_string()),
                    stage: staged_columns.then(|| d.staged.as_ref().map_or(String::new(), |r| r.stage.as_str().to_string())),
                    stage_times: staged_columns.then(|| d.staged.as_ref().map_or(String::new(), |r| r.stage_times_text())),
                    production_traffic_pct: staged_columns.then(|| d.staged.as_ref().map(|r| f64::from(r.production_permille) / 10.0)),
                });
            }
        }
    }
}
