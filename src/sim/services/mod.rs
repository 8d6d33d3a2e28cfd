//! The service scheduler at work (spec §5–§8.1): services keep `desiredCount` tasks (REPLICA)
//! or one task per eligible instance (DAEMON), replace stopped and unhealthy tasks, roll out
//! new revisions within minimumHealthyPercent / maximumPercent, trip the circuit breaker, and
//! move tasks off DRAINING instances. Every decision comes from `ecs::scheduler`; this module
//! keeps the state, carries the decisions out and writes ECS's service events.
//!
//! `deployments` (creating, completing, failing, rolling back), `daemon` (DAEMON services) and
//! `rebalance` (AZ rebalancing) are the other parts of it.

mod calls;
mod daemon;
mod deployments;
mod launch;
mod rebalance;
mod waiting;

use super::lifecycle::NewTask;
use super::recorder::EventSource;
use super::recorder::{DeploymentRow, EventKind, ServiceMinuteRow};
use crate::ecs::instance::{GroupId, InstanceStatus};
use crate::ecs::placement::{self, filter, Constraint, Outcome, PlacementRequest, Strategy};
use crate::ecs::scheduler::circuit_breaker::{self, CircuitBreaker, Record, ThresholdConfig};
use crate::ecs::scheduler::health::{self, HealthInput, UnhealthyInput};
use crate::ecs::scheduler::rolling::{self, RollingInput};
use crate::ecs::scheduler::scale_in::{self, ScaleInRequest};
use crate::ecs::scheduler::throttle::Throttle;
use crate::ecs::scheduler::TaskView;
use crate::ecs::service::{DeploymentConfiguration, SchedulingStrategy};
use crate::ecs::task::{LastStatus, StopCode};
use crate::ecs::Cluster;
use crate::engine::SimTime;
use crate::model::Scenario;
use crate::sim::notice::Notice;
use crate::sim::task::Owner;
use crate::sim::world::{Event, World};

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
    fn as_str(self) -> &'static str {
        match self {
            RolloutState::InProgress => "IN_PROGRESS",
            RolloutState::Completed => "COMPLETED",
            RolloutState::Failed => "FAILED",
        }
    }
}

/// One deployment of a service (spec §7.1).
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
    /// (spec §7.5).
    pub alarms_ignored: bool,
    /// Deployment alarms' bake time (§7.5): the rollout is done but the alarms are watched until
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
    pub tasks: Vec<u32>,
    pub created: bool,
    pub deleted: bool,
    pub throttle: Throttle,
    pub evaluation_pending: bool,
    pub steady: bool,
    /// When the last "has reached a steady state" event was emitted.
    steady_since_event: Option<SimTime>,
    /// A throttled launch is waiting for this evaluation.
    delayed_evaluation_at: Option<SimTime>,
    /// `availabilityZoneRebalancing` (spec §4.3).
    pub az_rebalancing: bool,
    /// The task started in the emptiest zone, until it is healthy.
    rebalancing_task: Option<u32>,
    rebalancing_in_progress: bool,
    /// The last "unable to …" message, so that it is not repeated every evaluation.
    last_problem: String,
    /// The latest launch could not place a task for want of resources: a task stopping anywhere
    /// re-evaluates the service at once (`waiting`).
    pub waiting_for_resources: bool,
}

pub fn init(scenario: &Scenario, cluster: &mut Cluster) -> Vec<ServiceState> {
    scenario
        .services
        .iter()
        .map(|s| {
            let d = &s.definition;
            // A REPLICA service with no strategy gets the default AZ-balanced spread (§3.3).
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
            ServiceState {
                name: d.service_name.clone(),
                group: cluster.group_id(&format!("service:{}", d.service_name)),
                scheduling: d.scheduling_strategy,
                desired: d.desired_count,
                config: d.deployment.clone(),
                strategies,
                constraints,
                deployments: vec![],
                tasks: vec![],
                created: false,
                deleted: false,
                throttle: Throttle::with_schedule(s.launch_throttle.clone()),
                evaluation_pending: false,
                steady: false,
                steady_since_event: None,
                delayed_evaluation_at: None,
                az_rebalancing: s.availability_zone_rebalancing,
                rebalancing_task: None,
                rebalancing_in_progress: false,
                last_problem: String::new(),
                waiting_for_resources: false,
            }
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

/// The steady-state event is repeated this often while the state lasts (spec §5.4).
const STEADY_EVENT_REPEAT: crate::engine::Span = crate::engine::Span(6 * 3600 * 1_000_000);

/// Counts of one service's tasks.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    running: u32,
    pending: u32,
    healthy: u32,
    in_flight: u32,
    primary: u32,
    old: u32,
}

impl World<'_> {
    /// Asks for an evaluation of `service` now; several requests at one instant make one.
    pub fn request_evaluation(&mut self, now: SimTime, service: u16) {
        let s = &mut self.services[service as usize];
        if !s.evaluation_pending && s.created && !(s.deleted && s.tasks.is_empty()) {
            s.evaluation_pending = true;
            self.queue.schedule(now, Event::ServiceEvaluation { service });
        }
    }

    fn service_event(&mut self, now: SimTime, service: u16, message: String) {
        self.recorder.event(now, EventKind::Service, None, EventSource::Service(service), None, "", &message);
    }

    /// A task of the service changed state.
    pub(super) fn on_service_task_changed(&mut self, now: SimTime, service: u16, task: u32) {
        self.notify(now, Notice::ServiceChanged { service });
        let t = &self.tasks[task as usize];
        let (status, deployment, reached_running) = (t.last_status, t.deployment, t.running_at.is_some());
        if status == LastStatus::Running && t.running_at == Some(now) {
            let s = &mut self.services[service as usize];
            s.throttle.record_running();
            if let Some(b) = s.deployments.get_mut(deployment as usize).and_then(|d| d.breaker.as_mut()) {
                b.record_task_running();
            }
        }
        if status == LastStatus::Stopped {
            // A task the scheduler (or a user) stopped before it ran did not fail to start: a
            // rollback or a scale-in stopping PENDING tasks is no reason to back off (§5.5) or to
            // trip the breaker (§7.4).
            // Nor did one whose instance failed or was interrupted under it.
            let told_to_stop = matches!(
                self.tasks[task as usize].stop_code,
                Some(
                    StopCode::ServiceSchedulerInitiated
                        | StopCode::UserInitiated
                        | StopCode::TerminationNotice
                        | StopCode::SpotInterruption
                )
            );
            let reached_running = reached_running || told_to_stop;
            let s = &mut self.services[service as usize];
            s.tasks.retain(|&x| x != task);
            if !reached_running {
                self.record_launch_failure(now, service);
                self.count_for_circuit_breaker(now, service, deployment, false);
            }
        }
        self.request_evaluation(now, service);
    }

    /// A launch failed: a task stopped before RUNNING, or placing one failed (spec §5.5). The
    /// throttle counts it, and at the 3rd failure in a row the service says so.
    pub(in crate::sim) fn record_launch_failure(&mut self, now: SimTime, service: u16) {
        let s = &mut self.services[service as usize];
        s.throttle.record_failure(now.whole_secs());
        if s.throttle.should_emit_event() {
            let name = s.name.clone();
            self.service_event(now, service, format!("service {name} is unable to consistently start tasks successfully."));
        }
    }

    /// One evaluation of a service (spec §0, §5.2, §5.3, §7.2).
    pub(super) fn on_service_evaluation(&mut self, now: SimTime, service: u16) {
        let idx = service as usize;
        self.services[idx].evaluation_pending = false;
        if !self.services[idx].created {
            self.services[idx].created = true;
            let td = self.scenario.services[idx].task_definition;
            self.new_deployment(now, service, td, "CreateService".into(), None);
        }
        self.refresh_health(now, service);
        self.check_deployment_alarms(now, service);
        match self.services[idx].scheduling {
            SchedulingStrategy::Replica => self.reconcile_replica(now, service),
            SchedulingStrategy::Daemon => self.reconcile_daemon(now, service),
        }
        self.report_stops(now, service);
        self.update_steady(now, service);
        self.track_deployment(now, service);
        // Fault watches see what this evaluation changed: a deployment completed or failed, and
        // `healthy` as refreshed above (a task change alone updates them before the evaluation).
        self.notify(now, Notice::ServiceChanged { service });
    }

    /// Recomputes `healthy` of the service's tasks (the 40 s rule and container health are
    /// set by the lifecycle; this adds the grace period for unhealthy verdicts).
    fn refresh_health(&mut self, now: SimTime, service: u16) {
        let scenario = self.scenario;
        for &id in &self.services[service as usize].tasks {
            let t = &self.tasks[id as usize];
            let has_check =
                scenario.task_definitions[t.task_definition as usize].containers.iter().any(|c| c.essential && c.health_check.is_some());
            let running_for_s = (t.last_status == LastStatus::Running).then(|| t.running_at.map_or(0, |r| now.since(r).whole_secs()));
            let (target_healthy_in_all, _) = self.target_health(id);
            let t = &mut self.tasks[id as usize];
            t.healthy = health::counts_as_healthy(&HealthInput {
                running_for_s,
                desired_running: t.desired_running,
                has_container_health_check: has_check,
                container_healthy: t.container_healthy,
                load_balanced: !scenario.services[service as usize].target_groups.is_empty(),
                target_healthy_in_all,
            });
        }
    }

    fn is_unhealthy(&self, now: SimTime, service: u16, id: u32) -> bool {
        let t = &self.tasks[id as usize];
        let grace = self.scenario.services[service as usize].definition.health_check_grace_period_s as u64;
        let running_for_s = (t.last_status == LastStatus::Running).then(|| t.running_at.map_or(0, |r| now.since(r).whole_secs()));
        health::is_unhealthy(&UnhealthyInput {
            running_for_s,
            desired_running: t.desired_running,
            grace_period_s: grace,
            container_unhealthy: t.container_healthy == Some(false),
            target_unhealthy_in_any: self.target_health(id).1,
        })
    }

    fn views(&self, now: SimTime, service: u16) -> Vec<TaskView> {
        self.services[service as usize]
            .tasks
            .iter()
            .map(|&id| {
                let t = &self.tasks[id as usize];
                TaskView {
                    id,
                    instance: t.instance,
                    deployment: self.effective_deployment(service, t.deployment),
                    last_status: t.last_status,
                    desired_running: t.desired_running,
                    healthy: t.healthy,
                    unhealthy: self.is_unhealthy(now, service, id),
                    on_draining_instance: self.cluster.instance(t.instance).status == InstanceStatus::Draining,
                    protected: t.protected_until.is_some_and(|until| now < until),
                }
            })
            .collect()
    }

    /// A task of an older deployment that runs the PRIMARY deployment's task definition, in the
    /// same lineage, is not "old": a rollback to the revision that is running keeps its tasks
    /// (WE-7.4: "the old tasks were never stopped"). A forced new deployment is a new lineage:
    /// its old tasks are old even with the same task definition.
    fn effective_deployment(&self, service: u16, deployment: u32) -> u32 {
        let s = &self.services[service as usize];
        let primary = s.deployments.len().saturating_sub(1);
        match (s.deployments.get(deployment as usize), s.deployments.get(primary)) {
            (Some(d), Some(p)) if d.task_definition == p.task_definition && d.lineage == p.lineage => primary as u32,
            _ => deployment,
        }
    }

    fn counts(&self, service: u16) -> Counts {
        let s = &self.services[service as usize];
        let primary = s.deployments.len().saturating_sub(1) as u32;
        let mut c = Counts::default();
        for &id in &s.tasks {
            let t = &self.tasks[id as usize];
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
            let deployment = self.effective_deployment(service, t.deployment);
            if t.desired_running && deployment == primary {
                c.primary += 1;
            } else if deployment != primary {
                c.old += 1;
            }
        }
        c
    }

    fn reconcile_replica(&mut self, now: SimTime, service: u16) {
        let idx = service as usize;
        if self.scenario.services[idx].capacity.is_some() {
            // PROVISIONING tasks go first where capacity appeared; those no longer wanted go.
            let c = self.counts(service);
            let s = &self.services[idx];
            let wanted = if s.deleted { 0 } else { s.desired.saturating_sub(c.primary) };
            self.place_provisioning(now, service, wanted);
        }
        let provisioning = self.capacity.provisioning[idx].len() as u32;
        let s = &self.services[idx];
        let desired = if s.deleted { 0 } else { s.desired };
        let primary = s.deployments.len().saturating_sub(1) as u32;
        let primary_failed = s.deployments.last().is_some_and(|d| d.rollout == RolloutState::Failed);
        let views = self.views(now, service);
        let plan = rolling::plan(&RollingInput {
            desired,
            minimum_healthy_percent: s.config.minimum_healthy_percent,
            maximum_percent: s.config.maximum_percent,
            primary,
            tasks: &views,
        });
        let healthy_before = plan.healthy;
        // 1. Old (or draining) tasks that are not healthy go first.
        for &id in &plan.stop_unhealthy_old {
            self.stop_service_task(now, id);
        }
        // Unhealthy tasks of the current deployment: replaced (spec §5.2), and counted by the
        // circuit breaker (stage 2).
        for &id in &plan.stop_unhealthy_new {
            if self.tasks[id as usize].desired_running {
                self.tasks[id as usize].stopped_for_health = true;
                let deployment = self.tasks[id as usize].deployment;
                self.record(now, EventKind::Unhealthy, id, "", "stopped by the scheduler: failed health checks");
                self.stop_service_task(now, id);
                self.count_for_circuit_breaker(now, service, deployment, true);
            }
        }
        // 2. k healthy old tasks, chosen as scale-in chooses (§4.1).
        if plan.stop_healthy_old > 0 {
            self.stop_selected(now, service, &views, &plan.healthy_old, plan.stop_healthy_old);
        }
        // While a rebalancing task is not healthy yet, the extra task it makes is not excess.
        let mut stop_excess = plan.stop_excess;
        if let Some(t) = self.services[idx].rebalancing_task {
            let task = &self.tasks[t as usize];
            if task.desired_running && !task.healthy {
                stop_excess = stop_excess.saturating_sub(1);
            } else {
                self.services[idx].rebalancing_task = None;
            }
        }
        // Scale-in: more tasks than desired (§4.1 picks them in the zone with the most).
        if stop_excess > 0 {
            let views = self.views(now, service);
            self.stop_selected(now, service, &views, &plan.excess_candidates, stop_excess);
        }
        // 3. Launch new tasks of the PRIMARY deployment, unless throttled or failed.
        // PROVISIONING tasks count as launched (they are tasks to ECS, only not placed yet).
        let launch = plan.launch.saturating_sub(provisioning);
        if launch > 0 && !primary_failed {
            let allowed_at_s = self.services[idx].throttle.next_launch_allowed_at(now.whole_secs());
            if allowed_at_s > now.whole_secs() {
                // A delayed evaluation, not a pending one: requests before then (UpdateService,
                // ticks, task changes) still evaluate at once.
                let at = SimTime::from_secs(allowed_at_s);
                if self.services[idx].delayed_evaluation_at != Some(at) {
                    self.services[idx].delayed_evaluation_at = Some(at);
                    self.queue.schedule(at, Event::ServiceEvaluation { service });
                }
            } else {
                self.launch(now, service, launch);
            }
        }
        if self.check {
            // The scheduler's own stops never take healthy tasks below minimumHealthyPercent,
            // and its launches never take tasks in flight above maximumPercent (spec §7.2).
            let c = self.counts(service);
            assert!(
                c.healthy >= plan.min_healthy.min(healthy_before),
                "service {}: healthy {} below minimum {}",
                self.services[idx].name,
                c.healthy,
                plan.min_healthy
            );
            assert!(
                plan.launch == 0 || c.in_flight <= plan.max_total,
                "service {}: {} tasks in flight above maximum {}",
                self.services[idx].name,
                c.in_flight,
                plan.max_total
            );
        }
        if plan.blocked {
            let name = self.services[idx].name.clone();
            self.problem(now, service, format!("service {name} was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."));
        }
        if plan.complete {
            self.complete_deployment(now, service);
        }
        if self.services[idx].az_rebalancing && !plan.acts() {
            self.rebalance_zones(now, service, plan.max_total, plan.in_flight);
        }
    }

    fn stop_selected(&mut self, now: SimTime, service: u16, views: &[TaskView], candidates: &[u32], k: u32) {
        let s = &self.services[service as usize];
        let td = s.deployments.last().map_or(0, |d| d.task_definition);
        let req = ScaleInRequest {
            strategies: &s.strategies,
            tie_break: self.scenario.tie_break,
            task_cpu_units: self.reservations[td].cpu_units,
            task_memory_mib: self.reservations[td].memory_mib,
        };
        let chosen = scale_in::select(&self.cluster, views, candidates, k, &req, &mut self.scale_in_rng);
        if (chosen.len() as u32) < k {
            let name = self.services[service as usize].name.clone();
            self.problem(now, service, format!("service {name} was unable to reach steady state because task set {name} was unable to scale in. Reason: The number of protected tasks are more than the desired count of tasks."));
        }
        for id in chosen {
            self.stop_service_task(now, id);
        }
    }

    fn stop_service_task(&mut self, now: SimTime, task: u32) {
        if self.tasks[task as usize].desired_running {
            self.stop_task(now, task, StopCode::ServiceSchedulerInitiated);
            self.stopped_this_evaluation.push(task);
        }
    }

    /// "service X has stopped N running tasks: (task …)." for the stops of one evaluation.
    fn report_stops(&mut self, now: SimTime, service: u16) {
        if self.stopped_this_evaluation.is_empty() {
            return;
        }
        let list: Vec<String> = self.stopped_this_evaluation.drain(..).map(|t| format!("t-{t:06}")).collect();
        let name = self.services[service as usize].name.clone();
        self.service_event(
            now,
            service,
            format!("service {name} has stopped {} running tasks: (task {}).", list.len(), list.join(") (task ")),
        );
    }

    /// A problem event, not repeated while the same problem persists (spec §5.4).
    pub(in crate::sim) fn problem(&mut self, now: SimTime, service: u16, message: String) {
        if self.services[service as usize].last_problem != message {
            self.services[service as usize].last_problem = message.clone();
            self.service_event(now, service, message);
        }
    }

    /// Steady state (spec §5.4): as many RUNNING and healthy tasks as desired, no older
    /// deployment's task left, the PRIMARY deployment not in progress. The event is emitted on
    /// entering it and every 6 h while it lasts.
    fn update_steady(&mut self, now: SimTime, service: u16) {
        let c = self.counts(service);
        let s = &mut self.services[service as usize];
        let primary_done = s.deployments.last().is_some_and(|d| d.rollout != RolloutState::InProgress);
        let steady =
            primary_done && !s.deleted && c.running == s.desired && c.healthy == s.desired && c.old == 0 && c.in_flight == s.desired;
        let repeat = s.steady_since_event.is_some_and(|at| now.since(at) >= STEADY_EVENT_REPEAT);
        if steady && (!s.steady || repeat) {
            s.steady = true;
            s.steady_since_event = Some(now);
            s.last_problem.clear();
            let name = s.name.clone();
            self.service_event(now, service, format!("service {name} has reached a steady state."));
        } else if !steady {
            s.steady = false;
            s.steady_since_event = None;
        }
    }
}
