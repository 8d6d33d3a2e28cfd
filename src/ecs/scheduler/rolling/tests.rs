//! Tests of `rolling`, kept apart so the module reads on its own.

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

// ---- A deterministic driver: the model's worked examples, replayed step by step ----

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

        // Evaluations at one instant are coalesced (docs/ecs-model.md#simulated-time), so a second one must ask for
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
fn rolling_50_200_example_min_50_max_200_completes_at_360() {
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
fn rolling_50_100_example_min_50_max_100_completes_at_720() {
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
fn tight_cluster_example_min_100_room_for_8_goes_in_three_rounds_of_2() {
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
fn tight_cluster_example_min_50_room_for_8() {
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

/// docs/ecs-model.md#example-draining's service: 2 tasks on i-1 (instance 0), 1 on i-2, 1 on i-3; i-1 DRAINING at t=0;
/// replacements go to i-2/i-3. One deployment (PRIMARY).
fn draining_example(minimum_healthy_percent: u32, maximum_percent: u32) -> Driver {
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
fn draining_example_draining_min_100_max_200() {
    let mut d = draining_example(100, 200);
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
fn draining_example_min_below_100_stops_before_replacing() {
    // desired 4, min 50 → stop 2 first (and start 2, max 200).
    let mut d = draining_example(50, 200);
    assert_eq!(d.run_to_completion(), 300);
    assert_eq!(table(&d)[0], row(0, 2, 2, 0, 2, 4, 2));
    // max 100 → replacements only once the draining tasks are STOPPED.
    let mut d = draining_example(50, 100);
    assert_eq!(d.run_to_completion(), 360);
    assert_eq!(table(&d), vec![row(0, 2, 0, 0, 2, 2, 2), row(300, 0, 2, 0, 0, 4, 2), row(360, 0, 0, 0, 0, 4, 4)]);
}

#[test]
fn draining_example_both_100_never_moves() {
    let d = draining_example(100, 100);
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
