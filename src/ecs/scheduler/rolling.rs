//! One evaluation of a REPLICA service by the scheduler: the rolling-update algorithm of
//! docs/ecs-model.md#rolling-updates, generalised to container-instance draining (docs/ecs-model.md#draining) and to steady-state
//! reconciliation
//! (docs/ecs-model.md#replica-reconciliation).
//!
//! `plan` counts the service's tasks and answers how many to launch and which (or how many) to
//! stop *now*; the caller picks the healthy old tasks and excess tasks to stop with
//! `scale_in::select`, places the launches, applies the throttle (docs/ecs-model.md#launch-throttling) and emits the events.
//! The same function serves every case because they are one algorithm:
//!
//! * "old" tasks are the tasks of non-PRIMARY deployments **or** on DRAINING instances (docs/ecs-model.md#draining);
//!   "new" tasks are the PRIMARY deployment's tasks on other instances;
//! * with no old task alive the steps reduce to reconciliation: launch up to the desired count
//!   within `maximumPercent`, stop the excess, replace unhealthy tasks (docs/ecs-model.md#replica-reconciliation).

use super::TaskView;
use crate::ecs::task::LastStatus;

/// What one evaluation looks at.
#[derive(Debug, Clone, Copy)]
pub struct RollingInput<'a> {
    /// The service's `desiredCount` (the PRIMARY deployment's).
    pub desired: u32,
    pub minimum_healthy_percent: u32,
    pub maximum_percent: u32,
    /// `TaskView::deployment` of the PRIMARY deployment.
    pub primary: u32,
    /// Every task of the service that is not yet STOPPED — alive, pre-RUNNING or stopping — of
    /// every deployment. STOPPED tasks may be included; they are ignored.
    pub tasks: &'a [TaskView],
}

/// What to do now. Id lists are in ascending task id (creation) order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RollingPlan {
    /// `ceil(desired × minimumHealthyPercent / 100)`: the floor on healthy tasks.
    pub min_healthy: u32,
    /// `floor(desired × maximumPercent / 100)`: the ceiling on tasks in flight.
    pub max_total: u32,
    /// Tasks whose `lastStatus` is not STOPPED, every deployment, stopping ones included
    /// (docs/ecs-model.md#choice-maximum-percent: that is what makes `maximumPercent = 100` wait for old tasks to be STOPPED).
    pub in_flight: u32,
    /// Tasks with `desiredStatus = RUNNING` that count as healthy (docs/ecs-model.md#healthy-tasks,
    /// docs/ecs-model.md#choice-minimum-healthy), before this
    /// plan's stops.
    pub healthy: u32,
    /// Old tasks with `desiredStatus = RUNNING` (not yet told to stop).
    pub old_alive: u32,
    /// New tasks with `desiredStatus = RUNNING`, unhealthy ones included.
    pub new_alive: u32,
    /// Step 1: every old task that is not healthy (pre-RUNNING, warming up or unhealthy). Stop
    /// them all: they do not count toward `min_healthy`, so stopping them costs nothing.
    pub stop_unhealthy_old: Vec<u32>,
    /// Unhealthy new tasks (docs/ecs-model.md#grace-period) to stop now. During a deployment (old tasks alive): all of
    /// them. Otherwise docs/ecs-model.md#replica-reconciliation: each once a replacement is healthy, or — when `maximumPercent`
    /// leaves no room for a replacement — one at a time.
    pub stop_unhealthy_new: Vec<u32>,
    /// Step 2, `k`: how many of `healthy_old` to stop, chosen with `scale_in::select`.
    pub stop_healthy_old: u32,
    /// The candidates for `stop_healthy_old`: old tasks that are alive and healthy.
    pub healthy_old: Vec<u32>,
    /// New tasks beyond the desired count (desired count lowered), to choose with
    /// `scale_in::select` among `excess_candidates`.
    pub stop_excess: u32,
    /// Alive new tasks that are not unhealthy (unhealthy ones are handled by
    /// `stop_unhealthy_new`).
    pub excess_candidates: Vec<u32>,
    /// Step 3, `s`: tasks of the PRIMARY deployment to launch through placement (replacements
    /// of unhealthy new tasks included). Placement failures are retried at a later evaluation.
    pub launch: u32,
    /// Step 4: nothing can move and nothing is moving although the service is not where it
    /// should be — emit "unable to stop or start tasks during a deployment because of the
    /// service deployment configuration".
    pub blocked: bool,
    /// Step 5: every old task is STOPPED and the new tasks include `desired` healthy ones. Only
    /// meaningful while a deployment or a drain is in progress; the caller adds the alarm bake
    /// time (docs/ecs-model.md#deployment-alarms) before marking the deployment COMPLETED.
    pub complete: bool,
}

impl RollingPlan {
    /// Whether the plan asks for any action.
    pub fn acts(&self) -> bool {
        !self.stop_unhealthy_old.is_empty()
            || !self.stop_unhealthy_new.is_empty()
            || self.stop_healthy_old > 0
            || self.stop_excess > 0
            || self.launch > 0
    }
}

/// `ceil(desired × percent / 100)` (docs/ecs-model.md#deployment-settings: rounded up).
pub fn min_healthy(desired: u32, minimum_healthy_percent: u32) -> u32 {
    (desired as u64 * minimum_healthy_percent as u64).div_ceil(100).min(u32::MAX as u64) as u32
}

/// `floor(desired × percent / 100)` (docs/ecs-model.md#deployment-settings: rounded down).
pub fn max_total(desired: u32, maximum_percent: u32) -> u32 {
    (desired as u64 * maximum_percent as u64 / 100).min(u32::MAX as u64) as u32
}

/// A task the rolling update replaces: of an older deployment, or on a DRAINING instance (docs/ecs-model.md#draining).
pub fn is_old(task: &TaskView, primary: u32) -> bool {
    task.deployment != primary || task.on_draining_instance
}

/// Counts toward `min_healthy`: meant to run and healthy. A task flagged both healthy and
/// unhealthy (a caller inconsistency) is taken as unhealthy.
fn counts_healthy(t: &TaskView) -> bool {
    t.desired_running && t.healthy && !t.unhealthy
}

/// Something will change without the scheduler acting: a task is starting, stopping, or RUNNING
/// and waiting for its first health verdict. Step 4 must not report a blocked deployment then.
fn in_transition(t: &TaskView) -> bool {
    match t.last_status {
        LastStatus::Stopped => false,
        LastStatus::Running => !t.desired_running || (!t.healthy && !t.unhealthy),
        _ => true,
    }
}

/// One evaluation: docs/ecs-model.md#rolling-updates steps 1–5 with old/new as in docs/ecs-model.md#draining, plus
/// docs/ecs-model.md#replica-reconciliation's handling of excess
/// and unhealthy new tasks.
pub fn plan(input: &RollingInput) -> RollingPlan {
    let desired = input.desired;
    let mut p = RollingPlan {
        min_healthy: min_healthy(desired, input.minimum_healthy_percent),
        max_total: max_total(desired, input.maximum_percent),
        ..RollingPlan::default()
    };
    let mut tasks: Vec<&TaskView> = input.tasks.iter().filter(|t| t.last_status != LastStatus::Stopped).collect();
    tasks.sort_unstable_by_key(|t| t.id);

    let mut anything_in_transition = false;
    let mut stopping = 0u32; // told to stop, not yet STOPPED
    let mut old_not_stopped = false;
    let mut new_healthy = 0u32;
    let mut new_awaiting_verdict = 0u32; // alive new tasks neither healthy nor unhealthy
    let mut unhealthy_new: Vec<u32> = Vec::new();
    for t in &tasks {
        p.in_flight += 1;
        anything_in_transition |= in_transition(t);
        let old = is_old(t, input.primary);
        old_not_stopped |= old;
        if counts_healthy(t) {
            p.healthy += 1;
        }
        if !t.desired_running {
            stopping += 1;
            continue;
        }
        if old {
            p.old_alive += 1;
            if counts_healthy(t) {
                p.healthy_old.push(t.id);
            } else {
                p.stop_unhealthy_old.push(t.id);
            }
        } else {
            p.new_alive += 1;
            if t.unhealthy {
                unhealthy_new.push(t.id);
            } else {
                p.excess_candidates.push(t.id);
                if counts_healthy(t) {
                    new_healthy += 1;
                } else {
                    new_awaiting_verdict += 1;
                }
            }
        }
    }
    let unhealthy_count = unhealthy_new.len() as u32;
    // New tasks that are or may become useful: unhealthy ones are about to be replaced.
    let new_useful = p.new_alive - unhealthy_count;
    let deploying = p.old_alive > 0;

    // Step 1 is `stop_unhealthy_old`, filled above. Step 2: stop healthy old tasks down to the
    // floor; step 1's stops do not lower `healthy` (those tasks were not healthy).
    p.stop_healthy_old = (p.healthy_old.len() as u32).min(p.healthy.saturating_sub(p.min_healthy));

    // Step 3: launch up to the ceiling. Stopping tasks still count in `in_flight`; unhealthy new
    // tasks do not count toward the target, so their replacements start now (docs/ecs-model.md#replica-reconciliation "starts
    // replacements first, as many as maximumPercent allows").
    let room = p.max_total.saturating_sub(p.in_flight);
    p.launch = room.min(desired.saturating_sub(new_useful));

    // Unhealthy new tasks.
    let stop_unhealthy = if deploying {
        // During a deployment capacity is governed by `min_healthy`, which unhealthy tasks never
        // count toward: stop them at once, like step 1 does for old ones (ecsim's choice).
        unhealthy_count
    } else {
        // docs/ecs-model.md#replica-reconciliation: stop each when a replacement is healthy, i.e. while healthy tasks plus the
        // unhealthy ones still running cover the desired count.
        let mut n = unhealthy_count.min((p.healthy + unhealthy_count).saturating_sub(desired));
        // No room for any replacement and none on its way: stop one at a time, which never
        // lowers the healthy count (so `min_healthy` holds); its slot then goes to a replacement.
        if n == 0 && unhealthy_count > 0 && p.launch == 0 && room == 0 && stopping == 0 && new_awaiting_verdict == 0 {
            n = 1;
        }
        n
    };
    p.stop_unhealthy_new = unhealthy_new[..stop_unhealthy as usize].to_vec();

    // Desired count lowered: the surplus of useful new tasks goes (unhealthy ones are handled
    // above and would be replaced, not counted).
    p.stop_excess = new_useful.saturating_sub(desired);

    // Step 4: the static form is `max_total <= desired && min_healthy >= desired`.
    p.blocked = !p.acts() && !anything_in_transition && (p.old_alive > 0 || p.new_alive < desired);

    // Step 5.
    p.complete = !old_not_stopped && new_healthy >= desired;
    p
}

#[cfg(test)]
mod tests;
