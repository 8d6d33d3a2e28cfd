//! A service's own state, apart from the world: its settings as UpdateService leaves them, its
//! deployments (docs/ecs-model.md#deployment-settings) with their rollout state, circuit breaker and deployments.csv figures,
//! its tasks not yet STOPPED, and what the scheduler remembers between evaluations (the launch
//! throttle, steady state, the last problem reported, AZ rebalancing). Everything here touches
//! only this state, so it is tested alone; what needs the cluster, the tasks or the event queue
//! is in the other files of `services`.

use crate::ecs::instance::GroupId;
use crate::ecs::placement::{Constraint, Strategy};
use crate::ecs::scheduler::blue_green::StagedRollout;
use crate::ecs::scheduler::circuit_breaker::{self, CircuitBreaker, ThresholdConfig};
use crate::ecs::scheduler::throttle::Throttle;
use crate::ecs::service::{DeploymentConfiguration, SchedulingStrategy};
use crate::ecs::task::LastStatus;
use crate::ecs::Cluster;
use crate::engine::{SimTime, Span};
use crate::model::Scenario;
use crate::sim::ids::TaskId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentStatus {
    Primary,
    Active,
    Inactive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutState {
    InProgress,
    Completed,
    Failed,
}

impl RolloutState {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }
}

/// One deployment of a service (docs/ecs-model.md#deployment-settings).
#[derive(Debug, Clone)]
pub struct Deployment {
    pub task_definition: usize,
    pub status: DeploymentStatus,
    pub rollout: RolloutState,
    pub reason: String,
    pub created_at: SimTime,
    pub finished_at: Option<SimTime>,
    pub desired: u32,
    pub breaker: Option<CircuitBreaker>,
    /// The fewest running and healthy tasks while it was in progress (none before the first
    /// count).
    pub lowest_running: Option<u32>,
    pub lowest_healthy: Option<u32>,
    pub peak_in_flight: u32,
    /// An alarm was already in ALARM when the deployment started: alarms are ignored for it
    /// (docs/ecs-model.md#deployment-alarms).
    pub alarms_ignored: bool,
    /// Deployment alarms' bake time (docs/ecs-model.md#deployment-alarms): the rollout is done but the alarms are watched until
    /// then.
    pub bake_until: Option<SimTime>,
    /// Tasks of two deployments are interchangeable when both the task definition and the
    /// lineage match. A forced new deployment starts a new lineage, so that it replaces every
    /// task even with the same task definition; a rollback takes the lineage of the deployment it
    /// returns to, so that tasks of that deployment still running are kept.
    pub lineage: u32,
    /// Started by a rollback: its reason (which deployment it returns to, and why) is kept when
    /// it completes.
    pub rollback: bool,
    /// The service's minimumHealthyPercent and maximumPercent when the deployment started
    /// (deployments.csv: the bounds its rollout kept to).
    pub minimum_healthy_percent: u32,
    pub maximum_percent: u32,
    /// Which of the service's target groups its tasks register in: 0 the primary ones, 1 the
    /// alternates (docs/ecs-model.md#blue-green-deployments). A staged deployment takes the side
    /// production traffic is not on.
    pub side: u8,
    /// A blue/green, linear or canary deployment's stages; `None` for a rolling update (and for
    /// the first deployment and rollbacks, which have no blue revision to stage against).
    pub staged: Option<Box<StagedRollout>>,
}

/// A service's state during the run.
pub struct ServiceState {
    pub name: String,
    pub group: GroupId,
    pub scheduling: SchedulingStrategy,
    pub desired: u32,
    pub config: DeploymentConfiguration,
    pub strategies: Vec<Strategy>,
    pub constraints: Vec<Constraint>,
    pub deployments: Vec<Deployment>,
    /// Tasks not yet STOPPED, in creation order.
    pub tasks: Vec<TaskId>,
    pub created: bool,
    pub deleted: bool,
    pub throttle: Throttle,
    pub evaluation_pending: bool,
    pub steady: bool,
    /// When the last "has reached a steady state" event was emitted.
    pub(super) steady_since_event: Option<SimTime>,
    /// A throttled launch is waiting for this evaluation.
    pub(super) delayed_evaluation_at: Option<SimTime>,
    /// `availabilityZoneRebalancing` (docs/ecs-model.md#az-rebalancing).
    pub az_rebalancing: bool,
    /// The task started in the emptiest zone, until it is healthy.
    pub(super) rebalancing_task: Option<TaskId>,
    pub(super) rebalancing_in_progress: bool,
    /// The last "unable to …" message, so that it is not repeated every evaluation.
    pub(super) last_problem: String,
    /// The latest launch could not place a task for want of resources: a task stopping anywhere
    /// re-evaluates the service at once (`waiting`).
    pub waiting_for_resources: bool,
    /// The side (see `Deployment::side`) production traffic is on: the last completed
    /// deployment's.
    pub production_side: u8,
}

/// The service states of a run's scenario, in its order.
pub fn init(scenario: &Scenario, cluster: &mut Cluster) -> Vec<ServiceState> {
    scenario
        .services
        .iter()
        .map(|s| {
            let d = &s.definition;
            // A REPLICA service with no strategy gets the default AZ-balanced spread (docs/ecs-model.md#placement-defaults).
            let strategies = if d.placement_strategy.is_empty() && d.scheduling_strategy == SchedulingStrategy::Replica {
                Strategy::service_default()
            } else {
                d.placement_strategy.clone()
            };
            let mut constraints = d.placement_constraints.clone();
            for expr in &scenario.task_definitions[s.task_definition].member_of {
                if let Ok(c) = Constraint::parse("memberOf", Some(expr)) {
                    constraints.push(c);
                }
            }
            let mut state = ServiceState::new(
                d.service_name.clone(),
                cluster.group_id(&format!("service:{}", d.service_name)),
                d.scheduling_strategy,
                d.desired_count,
                d.deployment.clone(),
                Throttle::with_schedule(s.launch_throttle.clone()),
            );
            state.strategies = strategies;
            state.constraints = constraints;
            state.az_rebalancing = s.availability_zone_rebalancing;
            state
        })
        .collect()
}

/// What an UpdateService changes (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct ServiceUpdate {
    pub desired_count: Option<u32>,
    pub task_definition: Option<usize>,
    pub deployment: Option<DeploymentConfiguration>,
    pub placement_strategy: Option<Vec<Strategy>>,
    pub force_new_deployment: bool,
}

/// The steady-state event is repeated this often while the state lasts (docs/ecs-model.md#steady-state-and-events).
const STEADY_EVENT_REPEAT: Span = Span(6 * 3600 * 1_000_000);

/// What the service's counts need of one of its tasks.
#[derive(Debug, Clone, Copy)]
pub struct TaskFacts {
    pub last_status: LastStatus,
    pub healthy: bool,
    pub desired_running: bool,
    /// The deployment that started it.
    pub deployment: u32,
}

/// Counts of one service's tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub running: u32,
    pub pending: u32,
    pub healthy: u32,
    pub in_flight: u32,
    /// Wanted running, of the PRIMARY deployment (or interchangeable with its tasks).
    pub primary: u32,
    /// Of an older deployment.
    pub old: u32,
}

impl ServiceState {
    /// A service not yet created (its first evaluation creates its first deployment), with no
    /// strategy, constraint or task.
    pub fn new(
        name: String,
        group: GroupId,
        scheduling: SchedulingStrategy,
        desired: u32,
        config: DeploymentConfiguration,
        throttle: Throttle,
    ) -> Self {
        ServiceState {
            name,
            group,
            scheduling,
            desired,
            config,
            strategies: Vec::new(),
            constraints: Vec::new(),
            deployments: vec![],
            tasks: vec![],
            created: false,
            deleted: false,
            throttle,
            evaluation_pending: false,
            steady: false,
            steady_since_event: None,
            delayed_evaluation_at: None,
            az_rebalancing: false,
            rebalancing_task: None,
            rebalancing_in_progress: false,
            last_problem: String::new(),
            waiting_for_resources: false,
            production_side: 0,
        }
    }

    /// The PRIMARY deployment's index (the latest; 0 before the first).
    pub fn primary(&self) -> u32 {
        self.deployments.len().saturating_sub(1) as u32
    }

    /// Marks an evaluation pending and answers whether one must be scheduled: not when one is
    /// already pending, before the service is created, or once it is deleted and has no task.
    pub fn wants_evaluation(&mut self) -> bool {
        if !self.evaluation_pending && self.created && !(self.deleted && self.tasks.is_empty()) {
            self.evaluation_pending = true;
            return true;
        }
        false
    }

    /// A task of an older deployment that runs the PRIMARY deployment's task definition, in the
    /// same lineage, is not "old": a rollback to the revision that is running keeps its tasks
    /// (docs/ecs-model.md#example-circuit-breaker: "the old tasks were never stopped"). A forced new deployment is a new lineage:
    /// its old tasks are old even with the same task definition.
    pub fn effective_deployment(&self, deployment: u32) -> u32 {
        let primary = self.deployments.len().saturating_sub(1);
        match (self.deployments.get(deployment as usize), self.deployments.get(primary)) {
            (Some(d), Some(p)) if d.task_definition == p.task_definition && d.lineage == p.lineage => primary as u32,
            _ => deployment,
        }
    }

    /// Counts of the service's tasks; `facts(task)` is what a task of `tasks` is now.
    pub fn count_tasks(&self, facts: impl Fn(TaskId) -> TaskFacts) -> Counts {
        let primary = self.primary();
        let mut c = Counts::default();
        for &id in &self.tasks {
            let t = facts(id);
            c.in_flight += 1;
            if t.last_status == LastStatus::Running {
                c.running += 1;
            }
            if t.last_status.is_before_running() {
                c.pending += 1;
            }
            if t.healthy {
                c.healthy += 1;
            }
            let deployment = self.effective_deployment(t.deployment);
            if t.desired_running && deployment == primary {
                c.primary += 1;
            } else if deployment != primary {
                c.old += 1;
            }
        }
        c
    }

    /// Starts a PRIMARY deployment of `task_definition` (earlier PRIMARY ones become ACTIVE, and
    /// one still in progress is superseded) and answers its index. `lineage` (see
    /// `Deployment::lineage`): `None` continues the latest deployment's. `alarms_firing`: one of
    /// its deployment alarms is already in ALARM (they are then ignored for it, docs/ecs-model.md#deployment-alarms).
    pub fn start_deployment(
        &mut self,
        now: SimTime,
        task_definition: usize,
        why: String,
        lineage: Option<u32>,
        alarms_firing: bool,
    ) -> usize {
        let lineage = lineage.unwrap_or_else(|| self.deployments.last().map_or(0, |d| d.lineage));
        for d in &mut self.deployments {
            if d.status == DeploymentStatus::Primary {
                d.status = DeploymentStatus::Active;
                if d.rollout == RolloutState::InProgress {
                    d.finished_at = Some(now);
                    d.reason = "replaced by a newer deployment".into();
                }
            }
        }
        let breaker = self
            .config
            .circuit_breaker
            .as_ref()
            .filter(|c| c.enable)
            .map(|_| CircuitBreaker::new(circuit_breaker::threshold(self.desired, &ThresholdConfig::default())));
        self.deployments.push(Deployment {
            task_definition,
            status: DeploymentStatus::Primary,
            rollout: RolloutState::InProgress,
            reason: why,
            created_at: now,
            finished_at: None,
            desired: self.desired,
            breaker,
            lowest_running: None,
            lowest_healthy: None,
            peak_in_flight: 0,
            alarms_ignored: alarms_firing,
            bake_until: None,
            lineage,
            rollback: false,
            minimum_healthy_percent: self.config.minimum_healthy_percent,
            maximum_percent: self.config.maximum_percent,
            side: self.production_side,
            staged: None,
        });
        self.throttle.reset();
        self.steady = false;
        self.deployments.len() - 1
    }

    /// The PRIMARY deployment's rollout is done: COMPLETED, the older ones INACTIVE. Answers its
    /// index when it was still in progress.
    pub fn complete_primary(&mut self, now: SimTime) -> Option<usize> {
        let id = self.deployments.len().checked_sub(1)?;
        let primary = &mut self.deployments[id];
        if primary.rollout != RolloutState::InProgress {
            return None;
        }
        primary.rollout = RolloutState::Completed;
        primary.finished_at = Some(now);
        // A rollback's reason says what it rolled back from; `outcome` says it completed.
        if !primary.rollback {
            primary.reason = "ECS deployment completed.".into();
        }
        for d in self.deployments.iter_mut().take(id) {
            d.status = DeploymentStatus::Inactive;
        }
        // Production traffic is now on the completed deployment's target groups.
        self.production_side = self.deployments[id].side;
        Some(id)
    }

    /// Records the lowest running and healthy counts and the peak of tasks of the PRIMARY
    /// deployment while it is in progress, including the evaluation that ends it (a rollback can
    /// complete at once).
    pub fn track_primary(&mut self, now: SimTime, c: Counts) {
        if let Some(d) = self.deployments.last_mut() {
            if d.finished_at.is_none_or(|f| f == now) {
                d.lowest_running = Some(d.lowest_running.map_or(c.running, |l| l.min(c.running)));
                d.lowest_healthy = Some(d.lowest_healthy.map_or(c.healthy, |l| l.min(c.healthy)));
                d.peak_in_flight = d.peak_in_flight.max(c.in_flight);
            }
        }
    }

    /// Steady state (docs/ecs-model.md#steady-state-and-events): as many RUNNING and healthy tasks as desired, no older
    /// deployment's task left, the PRIMARY deployment not in progress. Answers whether the
    /// "has reached a steady state" event is due: on entering the state and every 6 h while it
    /// lasts.
    pub fn update_steady(&mut self, now: SimTime, c: Counts) -> bool {
        let primary_done = self.deployments.last().is_some_and(|d| d.rollout != RolloutState::InProgress);
        let steady = primary_done
            && !self.deleted
            && c.running == self.desired
            && c.healthy == self.desired
            && c.old == 0
            && c.in_flight == self.desired;
        let repeat = self.steady_since_event.is_some_and(|at| now.since(at) >= STEADY_EVENT_REPEAT);
        if steady && (!self.steady || repeat) {
            self.steady = true;
            self.steady_since_event = Some(now);
            self.last_problem.clear();
            return true;
        }
        if !steady {
            self.steady = false;
            self.steady_since_event = None;
        }
        false
    }

    /// A problem to report (docs/ecs-model.md#steady-state-and-events): answers whether it differs from the last one reported
    /// (a problem is not repeated while it persists), and remembers it.
    pub fn new_problem(&mut self, message: &str) -> bool {
        if self.last_problem != message {
            self.last_problem = message.to_string();
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::scheduler::throttle::ThrottleSchedule;

    fn service(desired: u32) -> ServiceState {
        let config = DeploymentConfiguration::default_for(SchedulingStrategy::Replica);
        let mut s = ServiceState::new(
            "web".into(),
            GroupId(0),
            SchedulingStrategy::Replica,
            desired,
            config,
            Throttle::with_schedule(ThrottleSchedule::default()),
        );
        s.created = true;
        s
    }

    fn task(last_status: LastStatus, healthy: bool, deployment: u32) -> TaskFacts {
        TaskFacts { last_status, healthy, desired_running: true, deployment }
    }

    fn at(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    /// A new revision supersedes the PRIMARY deployment still in progress; completing it makes
    /// the older ones INACTIVE, once.
    #[test]
    fn a_deployment_supersedes_the_primary_and_completes_once() {
        let mut s = service(2);
        assert_eq!(s.start_deployment(at(0), 0, "CreateService".into(), None, false), 0);
        assert_eq!(s.start_deployment(at(60), 1, "UpdateService".into(), None, false), 1);
        let first = &s.deployments[0];
        assert_eq!((first.status, first.rollout, first.finished_at), (DeploymentStatus::Active, RolloutState::InProgress, Some(at(60))));
        assert_eq!(first.reason, "replaced by a newer deployment");
        assert_eq!((s.primary(), s.deployments[1].status, s.deployments[1].lineage), (1, DeploymentStatus::Primary, 0));
        assert_eq!(s.complete_primary(at(120)), Some(1));
        assert_eq!(s.complete_primary(at(180)), None);
        assert_eq!(s.deployments[0].status, DeploymentStatus::Inactive);
        assert_eq!((s.deployments[1].rollout, s.deployments[1].reason.as_str()), (RolloutState::Completed, "ECS deployment completed."));
    }

    /// Counts: old tasks are those of another deployment, unless they run the PRIMARY's task
    /// definition in the same lineage (a rollback keeps them); a forced new deployment (a new
    /// lineage) makes every earlier task old.
    #[test]
    fn a_deployments_counts_follow_task_definition_and_lineage() {
        let mut s = service(3);
        s.start_deployment(at(0), 0, "CreateService".into(), None, false);
        s.start_deployment(at(10), 1, "UpdateService".into(), None, false);
        s.tasks = vec![TaskId(0), TaskId(1), TaskId(2), TaskId(3)];
        let facts = |id: TaskId| match id.0 {
            0 => task(LastStatus::Running, true, 0),
            1 => task(LastStatus::Running, false, 0),
            2 => task(LastStatus::Pending, false, 1),
            _ => TaskFacts { desired_running: false, ..task(LastStatus::Running, true, 1) },
        };
        let c = s.count_tasks(facts);
        assert_eq!(c, Counts { running: 3, pending: 1, healthy: 2, in_flight: 4, primary: 1, old: 2 });
        // Rolled back to revision 0 in lineage 0: the first two tasks are the PRIMARY's again.
        s.start_deployment(at(20), 0, "rolling back".into(), Some(0), false);
        assert_eq!(s.effective_deployment(0), 2);
        assert_eq!(s.count_tasks(facts), Counts { running: 3, pending: 1, healthy: 2, in_flight: 4, primary: 2, old: 2 });
        // Forced: same revision, new lineage: every task is old.
        s.start_deployment(at(30), 0, "forced".into(), Some(3), false);
        assert_eq!(s.effective_deployment(2), 2);
        assert_eq!(s.count_tasks(facts).old, 4);
    }

    /// The lowest counts and the peak are tracked while the deployment is in progress and at the
    /// instant it ends, not after.
    #[test]
    fn a_deployment_tracks_its_lowest_counts_until_it_ends() {
        let mut s = service(2);
        s.start_deployment(at(0), 0, "CreateService".into(), None, false);
        s.track_primary(at(0), Counts { running: 2, healthy: 2, in_flight: 2, ..Counts::default() });
        s.track_primary(at(5), Counts { running: 1, healthy: 0, in_flight: 3, ..Counts::default() });
        s.complete_primary(at(9));
        s.track_primary(at(9), Counts { running: 2, healthy: 1, in_flight: 4, ..Counts::default() });
        s.track_primary(at(10), Counts { running: 0, healthy: 0, in_flight: 9, ..Counts::default() });
        let d = &s.deployments[0];
        assert_eq!((d.lowest_running, d.lowest_healthy, d.peak_in_flight), (Some(1), Some(0), 4));
    }

    /// The steady-state event is due on entering the state and again after 6 h of it; leaving
    /// the state rearms it. A problem is reported once while it persists.
    #[test]
    fn steady_state_and_problems_are_reported_once_while_they_last() {
        let mut s = service(1);
        s.start_deployment(at(0), 0, "CreateService".into(), None, false);
        let one = Counts { running: 1, healthy: 1, in_flight: 1, primary: 1, ..Counts::default() };
        assert!(!s.update_steady(at(0), one), "the deployment is in progress");
        s.complete_primary(at(1));
        assert!(s.update_steady(at(1), one));
        assert!(!s.update_steady(at(2), one));
        assert!(s.update_steady(at(1 + 6 * 3600), one));
        assert!(!s.update_steady(at(1 + 6 * 3600 + 1), Counts::default()));
        assert!(!s.steady);
        assert!(s.update_steady(at(1 + 6 * 3600 + 2), one));
        assert!(s.new_problem("unable to place"));
        assert!(!s.new_problem("unable to place"));
        assert!(s.new_problem("unable to scale in"));
    }

    /// Evaluations coalesce: one pending at a time, none before the service exists or once it
    /// is deleted and empty.
    #[test]
    fn evaluations_are_requested_once_while_pending() {
        let mut s = service(1);
        s.created = false;
        assert!(!s.wants_evaluation());
        s.created = true;
        assert!(s.wants_evaluation());
        assert!(!s.wants_evaluation());
        s.evaluation_pending = false;
        s.deleted = true;
        assert!(!s.wants_evaluation());
        s.tasks.push(TaskId(7));
        assert!(s.wants_evaluation());
    }
}
