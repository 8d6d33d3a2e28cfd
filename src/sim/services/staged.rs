//! Blue/green, linear and canary deployments carried out (docs/ecs-model.md#blue-green-deployments):
//! each evaluation of a service whose PRIMARY deployment is staged runs its stage's work, then
//! the stage's lifecycle hooks, and moves on until something has to be waited for — green tasks
//! to become healthy (SCALE_UP), a weight change to apply, a step's or the deployment's bake
//! time, a hook's next invocation — for which it schedules an evaluation. The decisions (steps,
//! hook answers, stage order) are `ecs::scheduler::blue_green`'s.
//!
//! Green tasks are launched beside the blue ones (blue is not scaled down until CLEAN_UP, so
//! the cluster must hold both), register in the target groups of the green side, and are kept
//! at the desired count (a green task that stops or turns unhealthy is replaced, and the
//! circuit breaker counts it). A failure — a hook answering FAILED, a deployment alarm, the
//! circuit breaker — moves traffic back to blue and stops green (`deployments`).

use crate::ecs::scheduler::blue_green::{production_steps, HookStatus, HookStep};
use crate::ecs::service::LifecycleStage;
use crate::engine::{SimTime, Span};
use crate::sim::alb::Rules;
use crate::sim::ids::{ServiceId, TaskId};
use crate::sim::recorder::EventKind;
use crate::sim::world::{Event, World};

/// What a stage's own work asks for.
enum Work {
    Done,
    /// Evaluate again then.
    Until(SimTime),
    /// Wait for tasks to change (their notices request the evaluation).
    Tasks,
}

impl World<'_> {
    /// Whether the PRIMARY deployment is a staged one still in progress.
    pub(super) fn staged_in_progress(&self, service: ServiceId) -> bool {
        let s = &self.services[service.index()];
        s.deployments.last().is_some_and(|d| d.staged.is_some() && d.rollout == super::state::RolloutState::InProgress)
    }

    /// One evaluation of a staged deployment: the stage's work, its hooks, the next stage, until
    /// something must be waited for.
    pub(super) fn reconcile_staged(&mut self, now: SimTime, service: ServiceId) {
        let idx = service.index();
        let deployment = self.services[idx].primary();
        loop {
            let Some(r) = self.services[idx].deployments.last().and_then(|d| d.staged.as_deref()) else { return };
            let stage = r.stage;
            if stage >= LifecycleStage::ScaleUp && stage < LifecycleStage::CleanUp {
                self.keep_green(now, service);
                if !self.staged_in_progress(service) {
                    return; // the circuit breaker tripped
                }
            }
            if !self.staged(service).action_done {
                match self.stage_work(now, service, stage) {
                    Work::Done => self.staged(service).action_done = true,
                    Work::Until(at) => return self.wake_at(service, at),
                    Work::Tasks => return,
                }
            }
            let scenario = self.scenario;
            let hooks = &scenario.services[idx].definition.deployment.lifecycle_hooks;
            let first_delay = Span::from_secs(u64::from(self.services[idx].config.first_hook_invocation_delay_s));
            loop {
                let step = self.staged(service).next_hook_step(now, hooks, first_delay);
                match step {
                    HookStep::Done => break,
                    HookStep::Wait(at) => return self.wake_at(service, at),
                    HookStep::Answered { hook, status } => {
                        let h = &hooks[hook];
                        let name = self.services[idx].name.clone();
                        let tail = match status {
                            HookStatus::InProgress => format!("; invoked again in {} s", h.callback_delay_s),
                            _ => String::new(),
                        };
                        let text = format!(
                            "(service {name}) deployment ecs-svc/{deployment} lifecycle hook {} at {} answered {}{tail}",
                            h.hook_target_arn,
                            stage.as_str(),
                            status.as_str()
                        );
                        self.deployment_event(now, service, &format!("HOOK_{}", status.as_str()), &text);
                        if status == HookStatus::Failed {
                            let reason = format!("lifecycle hook {} failed at {}.", h.hook_target_arn, stage.as_str());
                            self.fail_deployment(now, service, deployment, &reason, true);
                            return;
                        }
                    }
                }
            }
            if !self.staged(service).advance(now) {
                self.complete_staged(now, service);
                return;
            }
            let next = self.staged(service).stage;
            let name = self.services[idx].name.clone();
            self.deployment_event(
                now,
                service,
                next.as_str(),
                &format!("(service {name}) deployment ecs-svc/{deployment} entered lifecycle stage {}.", next.as_str()),
            );
        }
    }

    fn staged(&mut self, service: ServiceId) -> &mut crate::ecs::scheduler::blue_green::StagedRollout {
        self.services[service.index()]
            .deployments
            .last_mut()
            .and_then(|d| d.staged.as_deref_mut())
            .expect("a staged deployment is in progress")
    }

    fn wake_at(&mut self, service: ServiceId, at: SimTime) {
        let r = self.staged(service);
        if r.wake_at != Some(at) {
            r.wake_at = Some(at);
            self.queue.schedule(at, Event::ServiceEvaluation { service });
        }
    }

    /// The stage's own work.
    fn stage_work(&mut self, now: SimTime, service: ServiceId, stage: LifecycleStage) -> Work {
        let idx = service.index();
        let config = &self.services[idx].config;
        let delay = Span::from_secs(u64::from(config.traffic_shift_delay_s));
        let (bake_min, strategy, linear, canary) = (config.bake_time_min, config.strategy, config.linear, config.canary);
        match stage {
            LifecycleStage::ReconcileService => {
                // Tasks of neither revision (an earlier deployment this one superseded) go, and
                // any traffic they had returns to blue.
                let green = self.services[idx].primary();
                let production = self.services[idx].production_side;
                let others: Vec<TaskId> = self.services[idx]
                    .tasks
                    .iter()
                    .copied()
                    .filter(|t| {
                        let d = self.tasks[t.index()].deployment;
                        d != green && self.services[idx].deployments.get(d as usize).is_none_or(|x| x.side != production)
                    })
                    .collect();
                for t in others {
                    self.stop_service_task(now, t);
                }
                Work::Done
            }
            LifecycleStage::PreScaleUp => {
                // Production and test rules on blue, green given its 0 % share (alb.csv shows it).
                let side = self.services[idx].deployments[self.services[idx].primary() as usize].side;
                self.set_forward_weights(service, Rules::Both, side, 0);
                Work::Done
            }
            LifecycleStage::ScaleUp => {
                let desired = self.services[idx].desired;
                let healthy = self.green_tasks(service).filter(|&t| self.tasks[t.index()].healthy).count() as u32;
                if healthy >= desired {
                    Work::Done
                } else {
                    Work::Tasks
                }
            }
            LifecycleStage::TestTrafficShift => {
                if let Some(at) = self.staged(service).apply_due(now, delay) {
                    return Work::Until(at);
                }
                self.staged(service).test_permille = 1000;
                let side = self.services[idx].deployments.last().map_or(1, |d| d.side);
                self.set_forward_weights(service, Rules::Test, side, 1000);
                let name = self.services[idx].name.clone();
                let rule = self.scenario.services[idx].target_groups.iter().find_map(|g| g.test_listener_rule.clone());
                let text = match rule {
                    Some(rule) => format!("(service {name}) test listener rule {rule}: 100 % of test traffic to the green revision; production stays on blue."),
                    None => format!("(service {name}) no test listener rule: no test traffic to shift."),
                };
                self.deployment_event(now, service, "TEST_TRAFFIC_100", &text);
                Work::Done
            }
            LifecycleStage::ProductionTrafficShift => {
                let steps = production_steps(strategy, &linear, &canary);
                loop {
                    let r = self.staged(service);
                    if let Some(until) = r.bake_until {
                        if now < until {
                            return Work::Until(until);
                        }
                        r.bake_until = None;
                        r.step += 1;
                    }
                    let Some(&(permille, bake)) = steps.get(r.step) else { return Work::Done };
                    if let Some(at) = r.apply_due(now, delay) {
                        return Work::Until(at);
                    }
                    r.production_permille = permille;
                    if bake > 0 && permille < 1000 {
                        r.bake_until = Some(now + Span::from_secs(u64::from(bake) * 60));
                    } else {
                        r.step += 1;
                    }
                    self.shift_event(now, service, permille);
                }
            }
            LifecycleStage::BakeTime => match self.staged(service).bake_due(now, bake_min) {
                Some(until) => Work::Until(until),
                None => Work::Done,
            },
            LifecycleStage::CleanUp => {
                let green = self.services[idx].primary();
                let blue: Vec<TaskId> =
                    self.services[idx].tasks.iter().copied().filter(|t| self.tasks[t.index()].deployment != green).collect();
                for t in blue {
                    self.stop_service_task(now, t);
                }
                Work::Done
            }
            _ => Work::Done,
        }
    }

    /// Production traffic moved: the listener rules' weights and an event.
    fn shift_event(&mut self, now: SimTime, service: ServiceId, permille: u32) {
        let idx = service.index();
        let side = self.services[idx].deployments.last().map_or(1, |d| d.side);
        let routes = self.set_forward_weights(service, Rules::Production, side, permille);
        let name = self.services[idx].name.clone();
        let pct = f64::from(permille) / 10.0;
        let text = if routes == 0 {
            format!("(service {name}) production traffic step {pct} % to the green revision: no load balancer, ECS shifts no traffic (headless).")
        } else {
            format!("(service {name}) production traffic: {pct} % to the green revision, {} % to blue.", 100.0 - pct)
        };
        self.deployment_event(now, service, "TRAFFIC_SHIFT", &text);
    }

    /// The green (PRIMARY) deployment's tasks meant to run.
    fn green_tasks(&self, service: ServiceId) -> impl Iterator<Item = TaskId> + '_ {
        let s = &self.services[service.index()];
        let green = s.primary();
        s.tasks.iter().copied().filter(move |t| {
            let t = &self.tasks[t.index()];
            t.deployment == green && t.desired_running
        })
    }

    /// Keeps the desired count of green tasks from SCALE_UP on: unhealthy ones replaced (and
    /// counted by the circuit breaker), missing ones launched (through capacity providers when
    /// the service has them, within the launch throttle).
    fn keep_green(&mut self, now: SimTime, service: ServiceId) {
        let idx = service.index();
        let unhealthy: Vec<TaskId> = self.green_tasks(service).filter(|&t| self.is_unhealthy(now, service, t)).collect();
        for t in unhealthy {
            self.tasks[t.index()].stopped_for_health = true;
            let deployment = self.tasks[t.index()].deployment;
            self.record(now, EventKind::Unhealthy, t, "", "stopped by the scheduler: failed health checks");
            self.stop_service_task(now, t);
            self.count_for_circuit_breaker(now, service, deployment, true);
        }
        if !self.staged_in_progress(service) {
            return;
        }
        let alive = self.green_tasks(service).count() as u32;
        let desired = self.services[idx].desired;
        if self.scenario.services[idx].capacity.is_some() {
            self.place_provisioning(now, service, desired.saturating_sub(alive));
        }
        let provisioning = self.capacity.provisioning[idx].len() as u32;
        let launch = desired.saturating_sub(alive + provisioning);
        if launch == 0 {
            return;
        }
        self.launch_or_delay(now, service, launch);
    }

    /// After CLEAN_UP: the deployment is COMPLETED, production traffic is on its side.
    fn complete_staged(&mut self, now: SimTime, service: ServiceId) {
        let s = &mut self.services[service.index()];
        if let Some(id) = s.complete_primary(now) {
            let name = s.name.clone();
            self.deployment_event(now, service, "COMPLETED", &format!("(service {name}) deployment ecs-svc/{id} completed."));
        }
    }
}
