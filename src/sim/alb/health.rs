//! Load-balancer health checks of registered targets (docs/ecs-model.md#alb-health-checks).
//!
//! A check is sent when the target is registered and then every `HealthCheckIntervalSeconds`;
//! its verdict is known at send time + the answer's time: the application's response time
//! (10 ms unless `health_check_response_time` or a `health` window says otherwise) for an
//! application that answers (a 200, or an error status with `target_health = "error"`), the
//! check's timeout for one that hangs, whose task is gone, or whose answer would take the timeout
//! or longer ("the amount of time during which no response means a failed health check").
//! The answer may change over time (`behaviour.health` windows). Verdicts move the target
//! through the table of docs/ecs-model.md#alb-health-checks:
//!
//! | from | to | when |
//! |---|---|---|
//! | initial | healthy | one success (or `HealthyThresholdCount` with `initial = "threshold"`, docs/ecs-model.md#choice-first-health-check) |
//! | initial / healthy | unhealthy | `UnhealthyThresholdCount` consecutive failures |
//! | unhealthy | healthy | `HealthyThresholdCount` consecutive successes |
//!
//! Draining targets are not checked. Every change is an event and tells the task's service, whose
//! scheduler reads target health for `minimumHealthyPercent` (docs/ecs-model.md#healthy-tasks) and replacement
//! (docs/ecs-model.md#grace-period).
//! Health checks do not go through the task's request queue (a decision: docs/decisions.md).

use super::state::TargetState;
use crate::engine::{SimTime, Span};
use crate::model::behaviour::{CheckKind, TARGET_RESPONSE_DEFAULT};
use crate::model::HealthAnswer;
use crate::sim::ids::TaskId;
use crate::sim::ids::{ServerId, TargetGroupId};
use crate::sim::notice::Notice;
use crate::sim::recorder::EventKind;
use crate::sim::world::{Event, World};

pub use super::state::CheckStep;

/// How long a target that answers takes to answer a health check (unless the revision says).
pub const HEALTH_CHECK_RESPONSE: Span = TARGET_RESPONSE_DEFAULT;

impl World<'_> {
    pub fn on_target_check(&mut self, now: SimTime, group: TargetGroupId, verdict: CheckStep, server: ServerId, generation: u32) {
        let gi = group.index();
        let info = &self.alb.info[server.index()];
        if info.generation != generation {
            return; // the task is gone (its slot may serve another task now)
        }
        let task = info.task;
        let Some(pos) = self.alb.groups[gi].position_of(server) else { return };
        if self.alb.groups[gi].targets[pos].state == TargetState::Draining {
            return; // checks stop at deregistration
        }
        let config = &self.scenario.elb.target_groups[gi];
        let hc = &config.health_check;
        if verdict == CheckStep::Send {
            let t = &self.tasks[task.index()];
            let (answer, response) = if self.alb.info[server.index()].alive {
                self.scenario.behaviours[t.task_definition as usize].health_at(CheckKind::Target, now, t.running_at.get())
            } else {
                (HealthAnswer::Hang, hc.timeout)
            };
            // The answer's status against the matcher: 200 from a healthy application, 500 from
            // one answering with an error (matchers stop at 499, so that one always fails). An
            // answer that would come at the timeout or later is no answer.
            let verdict = |status: u16| if hc.matcher.matches(status) { CheckStep::Passed } else { CheckStep::Failed };
            let (after, result) = match answer {
                _ if response >= hc.timeout => (hc.timeout, CheckStep::TimedOut),
                HealthAnswer::Healthy => (response, verdict(200)),
                HealthAnswer::Error => (response, verdict(500)),
                HealthAnswer::Hang => (hc.timeout, CheckStep::TimedOut),
            };
            self.queue.schedule(now + after, Event::TargetCheck { group, verdict: result, server, generation });
            self.queue.schedule(now + hc.interval, Event::TargetCheck { group, verdict: CheckStep::Send, server, generation });
            self.alb.groups[gi].targets[pos].next_check_at = now + hc.interval;
            return;
        }
        let t = &mut self.alb.groups[gi].targets[pos];
        let passed = verdict == CheckStep::Passed;
        let Some(next) = t.count_check(passed, hc) else { return };
        let streak = if passed { t.ok_streak } else { t.fail_streak };
        t.state = next;
        if next == TargetState::Unhealthy {
            t.slow_start_from = None;
        }
        if next == TargetState::Healthy {
            self.alb.groups[gi].became_healthy(pos, now, config.slow_start);
        }
        self.alb.targets_changed(now, gi, config);
        let detail = match (next, passed) {
            (TargetState::Healthy, _) => format!("target healthy in (target-group {}) after {streak} passed checks", config.name),
            _ => {
                let why = if verdict == CheckStep::TimedOut { "Target.Timeout" } else { "Target.ResponseCodeMismatch" };
                format!("target unhealthy in (target-group {}) after {streak} failed checks ({why})", config.name)
            }
        };
        self.record(now, EventKind::TargetHealth, task, next.as_str(), &detail);
        if next == TargetState::Healthy {
            self.healthy_if_complete(now, task, "target healthy in every target group");
        }
        self.notify(now, Notice::TaskChanged { task });
    }

    /// A load-balanced task counts as healthy once its targets are healthy in every target group
    /// and, when it has a container health check, that check passed (docs/ecs-model.md#healthy-tasks): records the
    /// `healthy` event at the moment both hold.
    pub(crate) fn healthy_if_complete(&mut self, now: SimTime, task: TaskId, why: &str) {
        let t = &self.tasks[task.index()];
        if t.healthy || !t.desired_running {
            return;
        }
        let has_check =
            self.scenario.task_definitions[t.task_definition as usize].containers.iter().any(|c| c.essential && c.health_check.is_some());
        if has_check && t.container_healthy != Some(true) {
            return;
        }
        if !self.target_health(task).0 {
            return;
        }
        self.tasks[task.index()].healthy = true;
        self.record(now, EventKind::Healthy, task, "", why);
    }
}
