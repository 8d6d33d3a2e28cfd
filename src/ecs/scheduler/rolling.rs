//! One evaluation of a REPLICA service by the scheduler: the rolling-update algorithm of spec
//! §7.2, generalised to container-instance draining (§8.1) and to steady-state reconciliation
//! (§5.2).
//!
//! `plan` counts the service's tasks and answers how many to launch and which (or how many) to
//! stop *now*; the caller picks the healthy old tasks and excess tasks to stop with
//! `scale_in::select`, places the launches, applies the throttle (§5.5) and emits the events.
//! The same function serves every case because they are one algorithm:
//!
//! * "old" tasks are the tasks of non-PRIMARY deployments **or** on DRAINING instances (§8.1);
//!   "new" tasks are the PRIMARY deployment's tasks on other instances;
//! * with no old task alive the steps reduce to reconciliation: launch up to the desired count
//!   within `maximumPercent`, stop the excess, replace unhealthy tasks (§5.2).

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
    /// (§15.9: that is what makes `maximumPercent = 100` wait for old tasks to be STOPPED).
    pub in_flight: u32,
    /// Tasks with `desiredStatus = RUNNING` that count as healthy (§6.1, §15.10), before this
    /// plan's stops.
    pub healthy: u32,
    /// Old tasks with `desiredStatus = RUNNING` (not yet told to stop).
    pub old_alive: u32,
    /// New tasks with `desiredStatus = RUNNING`, unhealthy ones included.
    pub new_alive: u32,
    /// Step 1: every old task that is not healthy (pre-RUNNING, warming up or unhealthy). Stop
    /// them all: they do not count toward `min_healthy`, so stopping them costs nothing.
    pub stop_unhealthy_old: Vec<u32>,
    /// Unhealthy new tasks (§6.3) to stop now. During a deployment (old tasks alive): all of
    /// them. Otherwise §5.2: each once a replacement is healthy, or — when `maximumPercent`
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
    /// time (§7.5) before marking the deployment COMPLETED.
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

/// `ceil(desired × percent / 100)` (spec §7.1: rounded up).
pub fn min_healthy(desired: u32, minimum_healthy_percent: u32) -> u32 {
    (desired as u64 * minimum_healthy_percent as u64).div_ceil(100).min(u32::MAX as u64) as u32
}

/// `floor(desired × percent / 100)` (spec §7.1: rounded down).
pub fn max_total(desired: u32, maximum_percent: u32) -> u32 {
    (desired as u64 * maximum_percent as u64 / 100).min(u32::MAX as u64) as u32
}

/// A task the rolling update replaces: of an older deployment, or on a DRAINING instance (§8.1).
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

/// One evaluation: spec §7.2 steps 1–5 with old/new as in §8.1, plus §5.2's handling of excess
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
    // tasks do not count toward the target, so their replacements start now (§5.2 "starts
    // replacements first, as many as maximumPercent allows").
    let room = p.max_total.saturating_sub(p.in_flight);
    p.launch = room.min(desired.saturating_sub(new_useful));

    // Unhealthy new tasks.
    let stop_unhealthy = if deploying {
        // During a deployment capacity is governed by `min_healthy`, which unhealthy tasks never
        // count toward: stop them at once, like step 1 does for old ones [INF].
        unhealthy_count
    } else {
        // §5.2: stop each when a replacement is healthy, i.e. while healthy tasks plus the
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
mod tests {
    use super::*;
    use crate::ecs::instance::InstanceId;

    #[test]
    fn rounding_of_the_bounds() {
        assert_eq!(min_healthy(4, 50), 2);
        assert_eq!(min_healthy(5, 50), 3, "2.5 rounds up");
        assert_eq!(min_healthy(3, 33), 1, "0.99 rounds up");
        assert_eq!(min_healthy(6, 100), 6);
        assert_eq!(min_healthy(0, 100), 0);
        assert_eq!(max_total(4, 200), 8);
        assert_eq!(max_total(5, 150), 7, "7.5 rounds down");
        assert_eq!(max_total(3, 133), 3, "3.99 rounds down");
        assert_eq!(max_total(u32::MAX, 200), u32::MAX, "saturates");
    }

    // ---- A deterministic driver: the spec's worked examples, replayed step by step ----

    /// Launch → RUNNING and healthy (the worked examples' S).
    const S: u64 = 60;
    /// Stop decision on a RUNNING task → STOPPED (deregistration delay; the worked examples' R).
    const R: u64 = 300;

    struct SimTask {
        view: TaskView,
        healthy_at_s: Option<u64>,
        stopped_at_s: Option<u64>,
    }

    /// One evaluation as the tables show it: what was decided, and the state right after.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Row {
        at_s: u64,
        /// `k`.
        k: u32,
        /// `s` as planned.
        s: u32,
        /// Of `s`, how many placement could put somewhere.
        placed: u32,
        old_alive: u32,
        old_stopping: u32,
        /// New tasks meant to run (launching ones included).
        new: u32,
        /// Healthy after this evaluation's stops.
        healthy: u32,
    }

    struct Driver {
        now_s: u64,
        desired: u32,
        minimum_healthy_percent: u32,
        maximum_percent: u32,
        primary: u32,
        tasks: Vec<SimTask>,
        /// Where launches go, round robin (never a DRAINING instance).
        launch_on: Vec<InstanceId>,
        next_launch: usize,
        /// Tasks the cluster can hold at once (non-STOPPED ones hold room); `None` = plenty.
        capacity_tasks: Option<u32>,
        rows: Vec<Row>,
        plans: Vec<(u64, RollingPlan)>,
        peak_in_flight: u32,
        lowest_healthy: u32,
    }

    impl Driver {
        fn new(desired: u32, minimum_healthy_percent: u32, maximum_percent: u32) -> Self {
            Driver {
                now_s: 0,
                desired,
                minimum_healthy_percent,
                maximum_percent,
                primary: 1,
                tasks: vec![],
                launch_on: vec![InstanceId(0)],
                next_launch: 0,
                capacity_tasks: None,
                rows: vec![],
                plans: vec![],
                peak_in_flight: 0,
                lowest_healthy: u32::MAX,
            }
        }

        /// A healthy RUNNING task of `deployment` on `instance`.
        fn add_running(&mut self, deployment: u32, instance: u32) -> u32 {
            let id = self.tasks.len() as u32;
            self.tasks.push(SimTask {
                view: TaskView {
                    id,
                    instance: InstanceId(instance),
                    deployment,
                    last_status: LastStatus::Running,
                    desired_running: true,
                    healthy: true,
                    unhealthy: false,
                    on_draining_instance: false,
                    protected: false,
                },
                healthy_at_s: None,
                stopped_at_s: None,
            });
            id
        }

        fn drain(&mut self, instance: u32) {
            for t in self.tasks.iter_mut().filter(|t| t.view.instance == InstanceId(instance)) {
                t.view.on_draining_instance = true;
            }
        }

        fn mark_unhealthy(&mut self, id: u32) {
            let t = &mut self.tasks[id as usize].view;
            t.healthy = false;
            t.unhealthy = true;
        }

        fn views(&self) -> Vec<TaskView> {
            self.tasks.iter().map(|t| t.view).collect()
        }

        fn plan_now(&self) -> RollingPlan {
            let views = self.views();
            plan(&RollingInput {
                desired: self.desired,
                minimum_healthy_percent: self.minimum_healthy_percent,
                maximum_percent: self.maximum_percent,
                primary: self.primary,
                tasks: &views,
            })
        }

        fn in_flight(&self) -> u32 {
            self.tasks.iter().filter(|t| t.view.last_status != LastStatus::Stopped).count() as u32
        }

        fn healthy(&self) -> u32 {
            self.tasks.iter().filter(|t| counts_healthy(&t.view)).count() as u32
        }

        fn stop(&mut self, id: u32) {
            let now_s = self.now_s;
            let t = &mut self.tasks[id as usize];
            assert!(t.view.desired_running, "task {id} stopped twice");
            t.view.desired_running = false;
            t.view.healthy = false;
            t.healthy_at_s = None;
            if t.view.last_status == LastStatus::Running {
                t.view.last_status = LastStatus::Deactivating;
                t.stopped_at_s = Some(now_s + R);
            } else {
                // Not registered anywhere yet: gone at once.
                t.view.last_status = LastStatus::Stopped;
            }
        }

        /// Launches up to `n` tasks of the PRIMARY deployment where there is room; returns how
        /// many were placed.
        fn launch(&mut self, n: u32) -> u32 {
            let free = self.capacity_tasks.map_or(u32::MAX, |c| c.saturating_sub(self.in_flight()));
            let placed = n.min(free);
            for _ in 0..placed {
                let instance = self.launch_on[self.next_launch % self.launch_on.len()];
                self.next_launch += 1;
                let id = self.add_running(self.primary, instance.0);
                let t = &mut self.tasks[id as usize];
                t.view.last_status = LastStatus::Pending;
                t.view.healthy = false;
                t.healthy_at_s = Some(self.now_s + S);
            }
            placed
        }

        /// One evaluation at `now_s`: plan, carry the plan out (healthy old and excess tasks by
        /// lowest id), record the row.
        fn evaluate(&mut self) -> RollingPlan {
            let p = self.plan_now();
            for &id in p.stop_unhealthy_old.iter().chain(&p.stop_unhealthy_new) {
                self.stop(id);
            }
            for &id in &p.healthy_old[..p.stop_healthy_old as usize] {
                self.stop(id);
            }
            for &id in &p.excess_candidates[..p.stop_excess as usize] {
                self.stop(id);
            }
            let placed = self.launch(p.launch);

            // Evaluations at one instant are coalesced (§0), so a second one must ask for
            // nothing new — except launches placement could not satisfy.
            let again = self.plan_now();
            assert!(
                again.stop_unhealthy_old.is_empty()
                    && again.stop_unhealthy_new.is_empty()
                    && again.stop_healthy_old == 0
                    && again.stop_excess == 0
                    && again.launch == p.launch - placed,
                "t={}: not idempotent: {p:?} then {again:?}",
                self.now_s
            );

            let primary = self.primary;
            let alive_old = |t: &&SimTask| is_old(&t.view, primary) && t.view.last_status != LastStatus::Stopped;
            self.rows.push(Row {
                at_s: self.now_s,
                k: p.stop_healthy_old,
                s: p.launch,
                placed,
                old_alive: self.tasks.iter().filter(alive_old).filter(|t| t.view.desired_running).count() as u32,
                old_stopping: self.tasks.iter().filter(alive_old).filter(|t| !t.view.desired_running).count() as u32,
                new: self.tasks.iter().filter(|t| !is_old(&t.view, primary) && t.view.desired_running).count() as u32,
                healthy: self.healthy(),
            });
            self.peak_in_flight = self.peak_in_flight.max(self.in_flight());
            self.lowest_healthy = self.lowest_healthy.min(self.healthy());
            self.plans.push((self.now_s, p.clone()));
            p
        }

        /// Moves to the next instant at which a task becomes healthy or STOPPED and applies those
        /// changes; false when nothing is pending.
        fn advance(&mut self) -> bool {
            let next = self.tasks.iter().flat_map(|t| [t.healthy_at_s, t.stopped_at_s]).flatten().filter(|&at| at > self.now_s).min();
            let Some(next_s) = next else { return false };
            self.now_s = next_s;
            for t in &mut self.tasks {
                if t.healthy_at_s == Some(next_s) {
                    t.view.last_status = LastStatus::Running;
                    t.view.healthy = true;
                    t.healthy_at_s = None;
                }
                if t.stopped_at_s == Some(next_s) {
                    t.view.last_status = LastStatus::Stopped;
                    t.stopped_at_s = None;
                }
            }
            self.lowest_healthy = self.lowest_healthy.min(self.healthy());
            true
        }

        /// Evaluates at every event until the plan reports completion; returns that time.
        fn run_to_completion(&mut self) -> u64 {
            loop {
                if self.evaluate().complete {
                    return self.now_s;
                }
                assert!(self.advance(), "t={}: stuck before completion: {:?}", self.now_s, self.rows.last());
            }
        }

        /// Evaluates at every event until nothing is pending (steady-state scenarios).
        fn run_until_quiet(&mut self) {
            loop {
                self.evaluate();
                if !self.advance() {
                    return;
                }
            }
        }
    }

    /// A row of a worked example's table: (t, k, s, old alive, old stopping, new, healthy).
    fn row(at_s: u64, k: u32, s: u32, old_alive: u32, old_stopping: u32, new: u32, healthy: u32) -> (u64, u32, u32, u32, u32, u32, u32) {
        (at_s, k, s, old_alive, old_stopping, new, healthy)
    }

    fn table(d: &Driver) -> Vec<(u64, u32, u32, u32, u32, u32, u32)> {
        d.rows.iter().map(|r| (r.at_s, r.k, r.s, r.old_alive, r.old_stopping, r.new, r.healthy)).collect()
    }

    /// `desired` healthy tasks of deployment 0; deployment 1 is PRIMARY.
    fn deployment(desired: u32, minimum_healthy_percent: u32, maximum_percent: u32) -> Driver {
        let mut d = Driver::new(desired, minimum_healthy_percent, maximum_percent);
        for _ in 0..desired {
            d.add_running(0, 0);
        }
        d
    }

    #[test]
    fn we_7_1_min_50_max_200_completes_at_360() {
        let mut d = deployment(4, 50, 200);
        let first = d.plan_now();
        assert_eq!((first.min_healthy, first.max_total), (2, 8));
        assert_eq!(d.run_to_completion(), 360);
        assert_eq!(
            table(&d),
            vec![
                row(0, 2, 4, 2, 2, 4, 2),   // stop 2 old (k = 4−2); start 4 new (s = min(8−4, 4))
                row(60, 2, 0, 0, 4, 4, 4),  // 4 new healthy → k = min(2, 6−2) = 2
                row(300, 0, 0, 0, 2, 4, 4), // first 2 old STOPPED
                row(360, 0, 0, 0, 0, 4, 4), // last 2 old STOPPED → COMPLETED
            ]
        );
        assert_eq!(d.plans[1].1.healthy, 6, "healthy before the second round of stops");
        assert_eq!(d.peak_in_flight, 8);
        assert_eq!(d.lowest_healthy, 2);
    }

    #[test]
    fn we_7_2_min_50_max_100_completes_at_720() {
        let mut d = deployment(4, 50, 100);
        assert_eq!(d.run_to_completion(), 720);
        assert_eq!(
            table(&d),
            vec![
                row(0, 2, 0, 2, 2, 0, 2),   // s = min(4−4, 4) = 0; k = 4−2 = 2
                row(300, 0, 2, 2, 0, 2, 2), // 2 old STOPPED → s = min(4−2, 4) = 2
                row(360, 2, 0, 0, 2, 2, 2), // 2 new healthy → k = min(2, 4−2) = 2
                row(660, 0, 2, 0, 0, 4, 2), // 2 old STOPPED → start 2 new
                row(720, 0, 0, 0, 0, 4, 4), // all new healthy → COMPLETED
            ]
        );
        assert_eq!(d.peak_in_flight, 4);
        assert_eq!(d.lowest_healthy, 2);
    }

    #[test]
    fn we_7_3_min_100_room_for_8_goes_in_three_rounds_of_2() {
        let mut d = deployment(6, 100, 200);
        d.capacity_tasks = Some(8);
        assert_eq!(d.run_to_completion(), 1080);
        let placed: Vec<(u64, u32)> = d.rows.iter().filter(|r| r.placed > 0).map(|r| (r.at_s, r.placed)).collect();
        assert_eq!(placed, vec![(0, 2), (360, 2), (720, 2)]);
        let stops: Vec<(u64, u32)> = d.rows.iter().filter(|r| r.k > 0).map(|r| (r.at_s, r.k)).collect();
        assert_eq!(stops, vec![(60, 2), (420, 2), (780, 2)]);
        assert_eq!(d.rows[0].s, 6, "asks for 6; 4 placement failures, retried later");
        assert_eq!(d.lowest_healthy, 6);
        assert!(d.peak_in_flight <= 8);
    }

    #[test]
    fn we_7_3_min_50_room_for_8() {
        // Spec: "stop 3 old, place 5 new (after the 3 stop), stop the other 3 old, place the
        // last new one". With the algorithm as written, 2 of the 5 fit at once (8 − 6), the
        // other 3 when the first 3 old tasks are STOPPED.
        let mut d = deployment(6, 50, 200);
        d.capacity_tasks = Some(8);
        assert_eq!(d.run_to_completion(), 660);
        let rounds: Vec<(u64, u32, u32)> = d.rows.iter().filter(|r| r.k > 0 || r.placed > 0).map(|r| (r.at_s, r.k, r.placed)).collect();
        assert_eq!(rounds, vec![(0, 3, 2), (60, 2, 0), (300, 0, 3), (360, 1, 1)]);
        let new_by_300: u32 = d.rows.iter().filter(|r| r.at_s <= 300).map(|r| r.placed).sum();
        assert_eq!(new_by_300, 5, "5 new placed once the first 3 old are STOPPED");
        assert_eq!(d.lowest_healthy, 3);
        assert!(d.peak_in_flight <= 8);
    }

    /// WE-8.1's service: 2 tasks on i-1 (instance 0), 1 on i-2, 1 on i-3; i-1 DRAINING at t=0;
    /// replacements go to i-2/i-3. One deployment (PRIMARY).
    fn we_8_1(minimum_healthy_percent: u32, maximum_percent: u32) -> Driver {
        let mut d = Driver::new(4, minimum_healthy_percent, maximum_percent);
        d.primary = 0;
        for instance in [0, 0, 1, 2] {
            d.add_running(0, instance);
        }
        d.drain(0);
        d.launch_on = vec![InstanceId(1), InstanceId(2)];
        d
    }

    #[test]
    fn we_8_1_draining_min_100_max_200() {
        let mut d = we_8_1(100, 200);
        assert_eq!(d.run_to_completion(), 360, "i-1 has finished draining");
        assert_eq!(
            table(&d),
            vec![
                row(0, 0, 2, 2, 0, 4, 4),   // s = min(8−4, 4−2) = 2 on i-2/i-3
                row(60, 2, 0, 0, 2, 4, 4),  // healthy 6 → k = min(2, 6−4) = 2
                row(360, 0, 0, 0, 0, 4, 4), // the 2 tasks of i-1 are STOPPED
            ]
        );
        assert_eq!(d.lowest_healthy, 4, "never fewer than 4 healthy tasks");
        let replacements: Vec<InstanceId> = d.tasks[4..].iter().map(|t| t.view.instance).collect();
        assert_eq!(replacements, vec![InstanceId(1), InstanceId(2)]);
    }

    #[test]
    fn we_8_1_min_below_100_stops_before_replacing() {
        // desired 4, min 50 → stop 2 first (and start 2, max 200).
        let mut d = we_8_1(50, 200);
        assert_eq!(d.run_to_completion(), 300);
        assert_eq!(table(&d)[0], row(0, 2, 2, 0, 2, 4, 2));
        // max 100 → replacements only once the draining tasks are STOPPED.
        let mut d = we_8_1(50, 100);
        assert_eq!(d.run_to_completion(), 360);
        assert_eq!(table(&d), vec![row(0, 2, 0, 0, 2, 2, 2), row(300, 0, 2, 0, 0, 4, 2), row(360, 0, 0, 0, 0, 4, 4)]);
    }

    #[test]
    fn we_8_1_both_100_never_moves() {
        let d = we_8_1(100, 100);
        let p = d.plan_now();
        assert_eq!((p.stop_healthy_old, p.launch), (0, 0));
        assert!(p.blocked && !p.complete);
    }

    #[test]
    fn deployment_blocked_by_configuration() {
        let d = deployment(4, 100, 100);
        let p = d.plan_now();
        assert!(p.blocked, "maxTotal <= D and minHealthy >= D");
        // Not blocked while a task is still starting: that may change things.
        let mut d = deployment(4, 100, 100);
        d.tasks[0].view.last_status = LastStatus::Pending;
        d.tasks[0].view.healthy = false;
        let p = d.plan_now();
        assert!(!p.blocked);
        assert_eq!(p.stop_unhealthy_old, vec![0], "step 1: an old task that is not healthy goes at once");
    }

    #[test]
    fn step_1_stops_every_old_task_that_is_not_healthy() {
        let mut d = deployment(4, 100, 200);
        d.tasks[1].view.healthy = false; // RUNNING, no verdict yet
        d.tasks[2].view.last_status = LastStatus::Pending;
        d.tasks[2].view.healthy = false;
        d.mark_unhealthy(3);
        let p = d.plan_now();
        assert_eq!(p.stop_unhealthy_old, vec![1, 2, 3]);
        assert_eq!(p.healthy, 1);
        assert_eq!(p.stop_healthy_old, 0, "1 healthy < minHealthy 4");
        assert_eq!(p.launch, 4);
    }

    #[test]
    fn counts_follow_15_9_and_15_10() {
        let mut d = deployment(4, 50, 200);
        d.stop(0); // DEACTIVATING: in flight, not healthy, not alive
        d.tasks[1].view.last_status = LastStatus::Stopped; // ignored entirely
        d.tasks[1].view.desired_running = false;
        let p = d.plan_now();
        assert_eq!(p.in_flight, 3);
        assert_eq!(p.healthy, 2);
        assert_eq!(p.old_alive, 2);
        assert_eq!(p.launch, 4, "min(8 − 3, 4 − 0)");
    }

    // ---- Steady state: no old task ----

    /// `n` healthy tasks of the PRIMARY deployment.
    fn steady(desired: u32, n: u32, minimum_healthy_percent: u32, maximum_percent: u32) -> Driver {
        let mut d = Driver::new(desired, minimum_healthy_percent, maximum_percent);
        d.primary = 0;
        for _ in 0..n {
            d.add_running(0, 0);
        }
        d
    }

    #[test]
    fn steady_state_launches_up_to_desired_within_max_total() {
        let mut d = steady(4, 3, 100, 100);
        d.stop(1);
        d.stop(2);
        let p = d.plan_now();
        // alive 1, in flight 3, maxTotal 4 → 1 now, the rest once the stopping tasks are gone.
        assert_eq!(p.launch, 1);
        assert!(!p.blocked, "tasks are stopping");
        assert!(!p.complete);
        let mut d = steady(4, 4, 100, 200);
        let p = d.plan_now();
        assert!(!p.acts() && p.complete && !p.blocked, "{p:?}");
        d.desired = 6;
        assert_eq!(d.plan_now().launch, 2);
    }

    #[test]
    fn steady_state_stops_the_excess() {
        let d = steady(2, 4, 100, 200);
        let p = d.plan_now();
        assert_eq!(p.stop_excess, 2);
        assert_eq!(p.excess_candidates, vec![0, 1, 2, 3]);
        assert_eq!((p.launch, p.stop_healthy_old), (0, 0));
    }

    #[test]
    fn unhealthy_task_is_replaced_first_when_max_percent_allows() {
        let mut d = steady(4, 4, 100, 200);
        d.mark_unhealthy(2);
        let p = d.evaluate();
        assert_eq!(p.launch, 1, "the replacement starts first");
        assert!(p.stop_unhealthy_new.is_empty(), "the unhealthy task stays until it is replaced");
        assert!(d.advance());
        assert_eq!(d.now_s, S);
        let p = d.evaluate();
        assert_eq!(p.stop_unhealthy_new, vec![2], "the replacement is healthy");
        assert_eq!(p.launch, 0);
        d.run_until_quiet();
        assert_eq!(d.now_s, S + R);
        assert_eq!(d.healthy(), 4);
        assert_eq!(d.in_flight(), 4);
        assert_eq!(d.lowest_healthy, 3);
        assert_eq!(d.peak_in_flight, 5);
    }

    #[test]
    fn unhealthy_tasks_go_one_at_a_time_without_room() {
        let mut d = steady(4, 4, 100, 100);
        d.mark_unhealthy(1);
        d.mark_unhealthy(3);
        d.run_until_quiet();
        let stops: Vec<(u64, Vec<u32>)> =
            d.plans.iter().filter(|(_, p)| !p.stop_unhealthy_new.is_empty()).map(|(t, p)| (*t, p.stop_unhealthy_new.clone())).collect();
        // Stop one; when STOPPED (R) launch its replacement; when that is healthy (S) stop the
        // next.
        assert_eq!(stops, vec![(0, vec![1]), (R + S, vec![3])]);
        let launches: Vec<(u64, u32)> = d.plans.iter().filter(|(_, p)| p.launch > 0).map(|(t, p)| (*t, p.launch)).collect();
        assert_eq!(launches, vec![(R, 1), (R + S + R, 1)]);
        assert_eq!(d.healthy(), 4);
        assert_eq!(d.peak_in_flight, 4);
        assert_eq!(d.lowest_healthy, 2, "unhealthy tasks never counted");
        assert!(d.plans.iter().all(|(_, p)| !p.blocked));
    }

    #[test]
    fn unhealthy_new_tasks_are_stopped_at_once_during_a_deployment() {
        let mut d = deployment(4, 50, 200);
        d.evaluate(); // t=0: 2 old stopping, 4 new launching
        assert!(d.advance()); // t=60: new tasks healthy
        d.mark_unhealthy(5);
        let p = d.plan_now();
        assert_eq!(p.old_alive, 2);
        assert_eq!(p.stop_unhealthy_new, vec![5]);
        assert_eq!(p.healthy, 5);
        assert_eq!(p.stop_healthy_old, 2, "min(2, 5 − 2)");
        assert_eq!(p.launch, 0, "8 in flight");
        assert!(!p.complete);
    }

    #[test]
    fn desired_zero_stops_everything() {
        let mut d = deployment(4, 100, 200);
        d.desired = 0;
        let p = d.plan_now();
        assert_eq!((p.min_healthy, p.max_total), (0, 0));
        assert_eq!(p.stop_healthy_old, 4);
        assert_eq!(p.launch, 0);
        let d = steady(0, 3, 100, 200);
        assert_eq!(d.plan_now().stop_excess, 3);
    }
}
