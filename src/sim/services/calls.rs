//! What the rest of the run asks of the service scheduler: an evaluation (coalesced),
//! UpdateService (an action), the services.csv row of each minute, and the services' invariants.

use super::state::{DeploymentStatus, ServiceUpdate};
use crate::cloudwatch::StatSet;
use crate::ecs::placement::Strategy;
use crate::ecs::service::SchedulingStrategy;
use crate::ecs::task::LastStatus;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::recorder::ServiceMinuteRow;
use crate::sim::world::{Event, World};
use crate::workload::traffic::RateProfile;

impl World<'_> {
    /// Asks for an evaluation of `service` now; several requests at one instant make one.
    pub fn request_evaluation(&mut self, now: SimTime, service: ServiceId) {
        if self.services[service.index()].wants_evaluation() {
            self.queue.schedule(now, Event::ServiceEvaluation { service });
        }
    }

    /// Publishes each `load` service's CPU/memory utilization of the minute [start, now) as n
    /// samples of demand ÷ n, n the running tasks (ECS's per-task average falls as the service
    /// scales out); no running task, no datapoint. The demand is the history's mean over the
    /// minute. Runs after the load balancer closed its usage (which it leaves empty: a service
    /// with `load` has no load balancer).
    pub(in crate::sim) fn replay_service_load(&mut self, start: SimTime, now: SimTime) {
        let scenario = self.scenario;
        let (from, to) = (start.since(SimTime(0)), now.since(SimTime(0)));
        let seconds = to.as_secs_f64() - from.as_secs_f64();
        for (i, spec) in scenario.services.iter().enumerate() {
            let Some(load) = &spec.load else { continue };
            let n = if self.services[i].created { self.counts(ServiceId::at(i)).running } else { 0 };
            let sample = |profile: &Option<RateProfile>| match profile {
                Some(p) if n > 0 && seconds > 0.0 => {
                    let demand = p.expected_count(from, to) / seconds;
                    let per_task = demand / f64::from(n);
                    StatSet { sample_count: f64::from(n), sum: demand, min: per_task, max: per_task }
                }
                _ => StatSet::EMPTY,
            };
            let Some(usage) = self.alb.service_usage.get_mut(i) else { continue };
            if load.cpu.is_some() {
                usage.0 = sample(&load.cpu);
            }
            if load.memory.is_some() {
                usage.1 = sample(&load.memory);
            }
        }
    }

    /// One services.csv row per service at the end of the minute that began at `start`; its
    /// `time_s` is the minute's start, also for the run's last partial minute.
    pub(in crate::sim) fn record_service_minute(&mut self, start: SimTime) {
        let minute = self.recorder.minute_index().saturating_sub(1);
        for i in 0..self.services.len() {
            if !self.services[i].created {
                continue;
            }
            let c = self.counts(ServiceId::at(i));
            let s = &self.services[i];
            self.recorder.service_minutes.push(ServiceMinuteRow {
                minute,
                time_s: start.whole_secs(),
                service: s.name.clone(),
                desired: if s.deleted { 0 } else { s.desired },
                running: c.running,
                pending: c.pending,
                provisioning: self.capacity.provisioning.get(i).map_or(0, |p| p.len() as u32),
                healthy: c.healthy,
                in_flight: c.in_flight,
                primary_tasks: c.primary,
                old_tasks: c.old,
                deployments: s.deployments.iter().filter(|d| d.status != DeploymentStatus::Inactive).count() as u32,
                cpu_utilization_pct: self.alb.service_usage.get(i).and_then(|u| u.0.average()),
                memory_utilization_pct: self.alb.service_usage.get(i).and_then(|u| u.1.average()),
            });
        }
    }

    /// Invariants of services: a launch never pushes the tasks in flight above maximumPercent
    /// (checked where tasks are launched) and no task is on an INACTIVE instance unless it is
    /// stopping.
    pub(in crate::sim) fn check_service_invariants(&self) {
        for s in &self.services {
            for &id in &s.tasks {
                let t = &self.tasks[id.index()];
                assert!(t.last_status != LastStatus::Stopped, "service {} lists STOPPED task {}", s.name, id.0);
            }
        }
    }

    /// UpdateService (docs/ecs-model.md#deployment-settings): a new desired count changes the PRIMARY deployment; a new
    /// task definition (or a forced new deployment) starts a deployment.
    pub(in crate::sim) fn update_service(&mut self, now: SimTime, service: ServiceId, update: &ServiceUpdate) {
        let ServiceUpdate {
            desired_count: desired,
            task_definition,
            deployment: config,
            placement_strategy: strategies,
            force_new_deployment: force,
        } = update.clone();
        let idx = service.index();
        if let Some(c) = config {
            self.services[idx].config = c;
        }
        if let Some(st) = strategies {
            self.services[idx].strategies = if st.is_empty() && self.services[idx].scheduling == SchedulingStrategy::Replica {
                Strategy::service_default()
            } else {
                st
            };
        }
        if let Some(d) = desired {
            self.services[idx].desired = d;
            if let Some(p) = self.services[idx].deployments.last_mut() {
                p.desired = d;
            }
        }
        let current = self.services[idx].deployments.last().map(|d| d.task_definition);
        // forceNewDeployment: a new deployment even with the same task definition, which
        // replaces every task through the rolling update (a new lineage).
        let fresh = force.then(|| self.services[idx].deployments.len() as u32);
        match task_definition {
            Some(td) if Some(td) != current => {
                self.new_deployment(now, service, td, "UpdateService with a new task definition".into(), fresh)
            }
            Some(td) if force => self.new_deployment(now, service, td, "UpdateService --force-new-deployment".into(), fresh),
            None if force => {
                let td = current.unwrap_or(0);
                self.new_deployment(now, service, td, "UpdateService --force-new-deployment".into(), fresh);
            }
            _ => {}
        }
        self.services[idx].steady = false;
        self.request_evaluation(now, service);
    }
}
