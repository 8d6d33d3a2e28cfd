//! Service Auto Scaling in the simulation (docs/ecs-model.md#service-auto-scaling): each minute, after the alarms are
//! evaluated (`monitor`), every policy whose alarm is in ALARM is invoked — Auto Scaling actions
//! repeat once per minute while the alarm stays in ALARM (docs/ecs-model.md#alarms) — and scheduled actions whose
//! time has come run. A decision sets the service's desired count as UpdateService would; each
//! is a row of scaling.csv with the policy and the arithmetic behind it.
//!
//! Target-tracking policies create their two alarms (AlarmHigh 3 of 3, AlarmLow 15 of 15 at
//! 0.9 × target) in the run's CloudWatch; several policies on one service combine as docs/ecs-model.md#target-tracking says.
//! Scale-in waits while a deployment is in progress. Scheduled actions run at the end of the
//! minute that holds their time (minute resolution, like cron).

use crate::autoscaling::alarm::AlarmKind;
use crate::autoscaling::scheduled::{sim_of_unix, unix_of_sim, ScheduledOutcome, DEFAULT_START_UNIX_S};
use crate::autoscaling::{combine, PolicyVote, ScalingDecision};
use crate::ecs::task::LastStatus;
use crate::engine::SimTime;
use crate::sim::ids::ServiceId;
use crate::sim::world::World;
use state::PolicyState;
pub use state::{ScalingRow, ServiceScaling};

pub mod state;

impl World<'_> {
    /// Runs every scaling policy and due scheduled action (after the minute's alarm evaluation).
    pub fn autoscale(&mut self, now: SimTime) {
        let now_s = now.whole_secs();
        for i in 0..self.scaling.len() {
            let service = self.scaling[i].service;
            let s = ServiceId::at(service);
            if !self.services[service].created || self.services[service].deleted {
                continue;
            }
            let deploying = self.deployment_in_progress(s);
            let running =
                self.services[service].tasks.iter().filter(|&&t| self.tasks[t.index()].last_status == LastStatus::Running).count() as u32;
            // Scheduled actions first: they set the range the policies work in.
            for a in 0..self.scenario.scaling[i].scheduled.len() {
                let Some(at) = self.scaling[i].next_fire_s[a] else { continue };
                if at > now_s {
                    continue;
                }
                let action = &self.scenario.scaling[i].scheduled[a];
                let current = self.services[service].desired;
                let outcome = action.apply(&mut self.scaling[i].target, current, deploying);
                self.scaling[i].next_fire_s[a] =
                    action.next_fire(unix_of_sim(now_s, DEFAULT_START_UNIX_S)).and_then(|u| sim_of_unix(u, DEFAULT_START_UNIX_S));
                let name = format!("scheduled:{}", action.name);
                match outcome {
                    ScheduledOutcome::Applied { min_capacity, max_capacity, decision } => {
                        let reason = format!("range set to [{min_capacity}, {max_capacity}]");
                        match decision {
                            Some(d) => self.apply_scaling(now, service, &name, &d, &reason),
                            None => self.scaling_row(now, service, &name, current, current, &reason),
                        }
                    }
                    ScheduledOutcome::Failed(why) => self.scaling_row(now, service, &name, current, current, &why),
                    ScheduledOutcome::Suspended => {}
                }
            }
            // Target tracking: every policy proposes, the proposals combine (docs/ecs-model.md#target-tracking).
            let current = self.services[service].desired;
            let mut votes: Vec<PolicyVote> = Vec::new();
            let mut voters: Vec<usize> = Vec::new();
            for (p, policy) in self.scaling[i].policies.iter().enumerate() {
                let PolicyState::TargetTracking { state, high, low } = policy else { continue };
                let alarm = |idx: usize| self.monitor.alarms.get(idx).filter(|a| a.in_alarm()).and_then(|a| a.newest_datapoint());
                let proposal = match (high.and_then(alarm), low.and_then(alarm)) {
                    (Some(v), _) => state.propose(now_s, AlarmKind::High, running, v, current, &self.scaling[i].target, deploying),
                    (None, Some(v)) => state.propose(now_s, AlarmKind::Low, running, v, current, &self.scaling[i].target, deploying),
                    (None, None) => None,
                };
                votes.push(PolicyVote { scale_in_enabled: low.is_some(), proposal });
                voters.push(p);
            }
            if let Some(d) = combine(&votes, current) {
                let name = voters
                    .iter()
                    .zip(&votes)
                    .find(|(_, v)| v.proposal.as_ref().is_some_and(|x| x.new_desired == d.new_desired))
                    .map_or("target tracking".to_string(), |(&p, _)| self.scaling[i].names[p].clone());
                for &p in &voters {
                    if let PolicyState::TargetTracking { state, .. } = &mut self.scaling[i].policies[p] {
                        state.record(now_s, current, d.new_desired);
                    }
                }
                if d.new_desired > current {
                    self.scaling[i].note_scale_out(now_s);
                }
                self.apply_scaling(now, service, &name, &d, "");
            }
            // Step policies: each invoked by its alarms while they are in ALARM.
            for p in 0..self.scaling[i].policies.len() {
                let current = self.services[service].desired;
                let decision = {
                    let target = self.scaling[i].target.clone();
                    let PolicyState::Step { state, alarms } = &mut self.scaling[i].policies[p] else { continue };
                    let firing = alarms.iter().map(|&a| &self.monitor.alarms[a]).find(|a| a.in_alarm() && a.config().actions_enabled);
                    let Some(alarm) = firing else { continue };
                    let Some(v) = alarm.newest_datapoint() else { continue };
                    let breach = v - alarm.config().threshold;
                    state.on_alarm(now_s, breach, current, &target, deploying)
                };
                if let Some(d) = decision {
                    let name = self.scaling[i].names[p].clone();
                    self.apply_scaling(now, service, &name, &d, "");
                }
            }
        }
    }

    /// Per service that scales or watches alarms: the alarms that concern it — its target
    /// tracking's, those invoking its step policies, its deployment alarms.
    pub fn service_alarms(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for (i, spec) in self.scenario.services.iter().enumerate() {
            let mut names: Vec<String> = spec.definition.deployment.alarms.as_ref().map(|a| a.alarm_names.clone()).unwrap_or_default();
            for sc in self.scaling.iter().filter(|sc| sc.service == i) {
                names.extend(sc.alarms().into_iter().filter_map(|a| self.monitor.alarms.get(a)).map(|a| a.name().to_string()));
            }
            names.dedup();
            if !names.is_empty() {
                out.push((spec.definition.service_name.clone(), names));
            }
        }
        out
    }

    fn deployment_in_progress(&self, service: ServiceId) -> bool {
        // The PRIMARY deployment is still rolling out (docs/ecs-model.md#target-tracking: no scale-in during a deployment).
        self.services[service.index()].deployments.last().is_some_and(|d| d.rollout == super::services::RolloutState::InProgress)
    }

    fn apply_scaling(&mut self, now: SimTime, service: usize, policy: &str, d: &ScalingDecision, note: &str) {
        let from = self.services[service].desired;
        let reason = if note.is_empty() { d.reason.clone() } else { format!("{note}; {}", d.reason) };
        self.scaling_row(now, service, policy, from, d.new_desired, &reason);
        if d.new_desired != from {
            self.services[service].desired = d.new_desired;
            let detail = format!("Auto Scaling ({policy}): desired count {from} → {}", d.new_desired);
            self.recorder.event(
                now,
                super::recorder::EventKind::Service,
                None,
                super::recorder::EventSource::Service(ServiceId::at(service)),
                None,
                "",
                &detail,
            );
            self.request_evaluation(now, ServiceId::at(service));
        }
    }

    fn scaling_row(&mut self, now: SimTime, service: usize, policy: &str, from: u32, to: u32, reason: &str) {
        self.scaling_rows.push(ScalingRow {
            time_s: now.whole_secs(),
            service: self.services[service].name.clone(),
            policy: policy.to_string(),
            from_desired: from,
            to_desired: to,
            reason: reason.to_string(),
        });
    }
}
