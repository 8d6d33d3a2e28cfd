//! The load balancer's own state, apart from the world: the servers (one task's request queue
//! each, in slots that are recycled), the target groups with their registered targets and the
//! targets that take requests, the routes the listener rules resolved to, the traffic sources'
//! generators, and the metrics. Everything here touches only this state, so it is tested alone;
//! what needs the cluster, the tasks or the event queue is in the other files of `alb`.

use super::metrics::{AlbMetrics, TaskUsage};
use crate::elb::config::{Algorithm, HealthCheckConfig, InitialHealthyChecks, RuleAction, RuleKey, TargetGroupConfig};
use crate::elb::routing::RoundRobin;
use crate::elb::target::Target;
use crate::engine::{FastRng, SimTime, Span, StreamRng, Streams};
use crate::model::Scenario;
use crate::sim::ids::TaskId;
use crate::sim::ids::{ServerId, ServiceId, TargetGroupId};
use crate::workload::alb_log::Replay;
use crate::workload::traffic::PoissonArrivals;
use rand::Rng;
use smallvec::SmallVec;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A task's request queue and what the load balancer knows of it.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub task: TaskId,
    /// Moves on when the slot is torn down: stale events for the old task are dropped.
    pub generation: u32,
    /// The task is up and answering (false once torn down, or when its application exited).
    pub alive: bool,
    /// Its instance is unreachable (a failure, a zone outage): requests time out (504) instead
    /// of being refused (502).
    pub unreachable: bool,
    /// Zone index of the task's instance.
    pub zone: u16,
    pub error_fraction: f64,
    /// The task's service and what its CPU and memory samples are made of (docs/ecs-model.md#ecs-metrics).
    pub usage: TaskUsage,
    /// The idle timeout of the load balancers in front of it (the shortest, when several).
    pub idle_timeout: Span,
    /// The generation for which an `Event::RequestTimeout` is pending.
    pub timeout_check: Option<u32>,
}

/// TargetHealth.State of one registered target (docs/ecs-model.md#alb-settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    Initial,
    Healthy,
    Unhealthy,
    Draining,
}

impl TargetState {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Initial => "initial",
            TargetState::Healthy => "healthy",
            TargetState::Unhealthy => "unhealthy",
            TargetState::Draining => "draining",
        }
    }
}

/// The step of a health check an `Event::TargetCheck` carries: sending it, or its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStep {
    /// The check is sent (its verdict is scheduled, and the next check).
    Send,
    Passed,
    /// Failed: the status did not match (Target.ResponseCodeMismatch).
    Failed,
    /// Failed: no answer within the timeout (Target.Timeout).
    TimedOut,
}

/// A registered target of a target group.
#[derive(Debug, Clone)]
pub struct TargetEntry {
    pub server: ServerId,
    pub task: TaskId,
    pub zone: u16,
    pub state: TargetState,
    /// Consecutive successful / failed health checks.
    pub ok_streak: u32,
    pub fail_streak: u32,
    /// Slow start began then (docs/ecs-model.md#target-selection step 5).
    pub slow_start_from: Option<SimTime>,
    /// Smooth weighted round robin's running weight (used only during slow start).
    pub swrr_current: f64,
    /// Registered while the group had no healthy target: never enters slow start.
    pub slow_start_exempt: bool,
    /// When its next health check goes out (to restart the checks on schedule after the
    /// server's generation moved on).
    pub next_check_at: SimTime,
}

impl TargetEntry {
    /// A target just registered (`initial`, docs/ecs-model.md#target-registration); its first check goes out at `now`.
    pub fn initial(server: ServerId, task: TaskId, zone: u16, now: SimTime, slow_start_exempt: bool) -> Self {
        TargetEntry {
            server,
            task,
            zone,
            state: TargetState::Initial,
            ok_streak: 0,
            fail_streak: 0,
            slow_start_from: None,
            swrr_current: 0.0,
            slow_start_exempt,
            next_check_at: now,
        }
    }

    /// Counts one health-check verdict and answers the state it moves the target to, if any
    /// (the table of docs/ecs-model.md#alb-health-checks): initial → healthy after one success (or `HealthyThresholdCount` with
    /// `initial = "threshold"`), unhealthy → healthy after `HealthyThresholdCount` successes in a
    /// row, initial or healthy → unhealthy after `UnhealthyThresholdCount` failures in a row.
    /// The state itself is left to the caller, which also decides on slow start.
    pub fn count_check(&mut self, passed: bool, hc: &HealthCheckConfig) -> Option<TargetState> {
        if passed {
            self.ok_streak += 1;
            self.fail_streak = 0;
        } else {
            self.fail_streak += 1;
            self.ok_streak = 0;
        }
        match (self.state, passed) {
            (TargetState::Initial, true) => {
                let needed = match hc.initial_healthy_checks {
                    InitialHealthyChecks::One => 1,
                    InitialHealthyChecks::Threshold => hc.healthy_threshold,
                };
                (self.ok_streak >= needed).then_some(TargetState::Healthy)
            }
            (TargetState::Unhealthy, true) => (self.ok_streak >= hc.healthy_threshold).then_some(TargetState::Healthy),
            (TargetState::Initial | TargetState::Healthy, false) => {
                (self.fail_streak >= hc.unhealthy_threshold).then_some(TargetState::Unhealthy)
            }
            _ => None,
        }
    }
}

/// A target group's live state.
#[derive(Debug, Clone)]
pub struct GroupState {
    /// Registered targets (draining ones included) in registration order.
    pub targets: Vec<TargetEntry>,
    /// Server ids the algorithm chooses from (cross-zone on), and the same per node zone.
    pub(super) eligible: Vec<u32>,
    eligible_pos: Vec<u32>,
    pub(super) eligible_by_zone: Vec<Vec<u32>>,
    pub(super) rr: RoundRobin,
    pub(super) rr_by_zone: Vec<RoundRobin>,
    /// Fewer than `min_healthy_targets` healthy: routing to every non-draining target.
    pub fail_open: bool,
    pub(super) cross_zone: bool,
    /// Some target is in slow start until then.
    pub(super) slow_start_until: SimTime,
}

impl GroupState {
    /// An empty group over `zones` load-balancer zones.
    pub fn new(cross_zone: bool, zones: usize) -> Self {
        GroupState {
            targets: Vec::new(),
            eligible: Vec::new(),
            eligible_pos: Vec::new(),
            eligible_by_zone: vec![Vec::new(); zones],
            rr: RoundRobin::new(),
            rr_by_zone: vec![RoundRobin::new(); zones],
            fail_open: false,
            cross_zone,
            slow_start_until: SimTime::ZERO,
        }
    }

    /// The position of `server`'s target in `targets`.
    pub fn position_of(&self, server: ServerId) -> Option<usize> {
        self.targets.iter().position(|t| t.server == server)
    }

    /// Server ids the algorithm chooses from (healthy targets, or every non-draining one when
    /// failing open).
    pub fn eligible(&self) -> &[u32] {
        &self.eligible
    }

    /// Recomputes which targets receive requests (after any state change): the healthy ones,
    /// or every non-draining one when fewer than `min_healthy_targets` are healthy (fail-open,
    /// docs/ecs-model.md#target-selection).
    pub fn refresh_eligible(&mut self, min_healthy_targets: u32) {
        let healthy = self.targets.iter().filter(|t| t.state == TargetState::Healthy).count() as u32;
        self.fail_open = healthy < min_healthy_targets && self.targets.iter().any(|t| t.state != TargetState::Draining);
        self.eligible.clear();
        self.eligible_pos.clear();
        for z in &mut self.eligible_by_zone {
            z.clear();
        }
        for (pos, t) in self.targets.iter().enumerate() {
            let takes = if self.fail_open { t.state != TargetState::Draining } else { t.state == TargetState::Healthy };
            if takes {
                self.eligible.push(t.server.0);
                self.eligible_pos.push(pos as u32);
                if let Some(z) = self.eligible_by_zone.get_mut(t.zone as usize) {
                    z.push(t.server.0);
                }
            }
        }
    }

    /// (healthy, unhealthy) targets in `zone` (the target's zone).
    pub fn host_counts(&self, zone: usize) -> (u32, u32) {
        let (mut h, mut u) = (0u32, 0u32);
        for t in self.targets.iter().filter(|t| t.zone as usize == zone) {
            match t.state {
                TargetState::Healthy => h += 1,
                TargetState::Unhealthy => u += 1,
                _ => {}
            }
        }
        (h, u)
    }

    /// (healthy, registered and not draining) targets now: `RequestCountPerTarget`'s divisor.
    pub fn targets_now(&self) -> (usize, usize) {
        let healthy = self.targets.iter().filter(|t| t.state == TargetState::Healthy).count();
        let registered = self.targets.iter().filter(|t| t.state != TargetState::Draining).count();
        (healthy, registered)
    }

    /// The target at `pos` became healthy: it enters slow start (docs/ecs-model.md#target-selection step 5) unless it was
    /// registered into an empty group, or no other healthy target is out of its own slow start.
    pub fn became_healthy(&mut self, pos: usize, now: SimTime, slow_start: Span) {
        if slow_start == Span::ZERO || self.targets[pos].slow_start_exempt {
            return;
        }
        let others_ready = self
            .targets
            .iter()
            .enumerate()
            .any(|(i, o)| i != pos && o.state == TargetState::Healthy && o.slow_start_from.is_none_or(|f| now >= f + slow_start));
        if others_ready {
            self.targets[pos].slow_start_from = Some(now);
            self.targets[pos].swrr_current = 0.0;
            self.slow_start_until = self.slow_start_until.max(now + slow_start);
        }
    }

    /// Slow start (docs/ecs-model.md#target-selection step 5, ecsim's choice): weight `max(0.01, elapsed/d)` while in slow start, 1
    /// after. Round robin becomes a smooth weighted round robin; the other algorithms a weighted
    /// random choice. O(eligible) per request, only while some target is in slow start. With
    /// cross-zone off only the targets in the node's zone take part.
    pub fn pick_slow_start<R: Rng + ?Sized>(&mut self, config: &TargetGroupConfig, now: SimTime, zone: u16, rng: &mut R) -> Option<u32> {
        let d = config.slow_start.as_secs_f64().max(1e-9);
        let weight = |t: &TargetEntry| match t.slow_start_from {
            Some(from) if now < from + config.slow_start => (now.since(from).as_secs_f64() / d).max(0.01),
            _ => 1.0,
        };
        let cross = self.cross_zone;
        let takes = |t: &TargetEntry| cross || t.zone == zone;
        let total: f64 = self.eligible_pos.iter().map(|&p| &self.targets[p as usize]).filter(|t| takes(t)).map(weight).sum();
        if total <= 0.0 {
            return None;
        }
        if config.algorithm == Algorithm::RoundRobin {
            // Smooth weighted round robin: every target gains its weight, the largest running
            // weight wins and pays the total back.
            let mut best: Option<(usize, f64)> = None;
            for &p in &self.eligible_pos {
                let t = &mut self.targets[p as usize];
                if !takes(t) {
                    continue;
                }
                t.swrr_current += weight(t);
                if best.is_none_or(|(_, v)| t.swrr_current > v) {
                    best = Some((p as usize, t.swrr_current));
                }
            }
            let (b, _) = best?;
            self.targets[b].swrr_current -= total;
            return Some(self.targets[b].server.0);
        }
        let mut x = rng.gen::<f64>() * total;
        let mut last = None;
        for &p in &self.eligible_pos {
            let t = &self.targets[p as usize];
            if !takes(t) {
                continue;
            }
            let w = weight(t);
            if x < w {
                return Some(t.server.0);
            }
            x -= w;
            last = Some(t.server.0);
        }
        last
    }
}

/// The precomputed answer of the listener rules for one kind of request. A route belongs to the
/// rule that matched (`rule`): requests matching different rules, or the same rule on another
/// listener, never share one, so a deployment moving one rule's weights leaves the others'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub action: RouteAction,
    /// The rule that answered, and so its listener and load balancer.
    pub rule: RuleKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAction {
    /// Target groups with cumulative weights (the last is the total).
    Forward(SmallVec<[(TargetGroupId, u32); 2]>),
    /// A fixed response or a redirect: the ALB answers itself.
    Answer { status_code: u16 },
}

/// Resolves `rule`, which one kind of request matched, into a [`Route`].
pub fn route_for(rule: RuleKey, action: &RuleAction) -> Route {
    let action = match action {
        RuleAction::Forward(list) => {
            let mut cumulative = SmallVec::new();
            let mut total = 0u32;
            for w in list {
                total += w.weight;
                cumulative.push((TargetGroupId::at(w.target_group), total));
            }
            // All weights 0 (or one group without weight): equal split.
            if total == 0 {
                cumulative = list.iter().enumerate().map(|(i, w)| (TargetGroupId::at(w.target_group), i as u32 + 1)).collect();
            }
            RouteAction::Forward(cumulative)
        }
        RuleAction::FixedResponse { status_code } | RuleAction::Redirect { status_code } => {
            RouteAction::Answer { status_code: *status_code }
        }
    };
    Route { action, rule }
}

/// A traffic source's generator state.
pub enum SourceState {
    Poisson { arrivals: Box<PoissonArrivals>, rng: Box<FastRng>, route: u32 },
    Replay { replay: Replay, routes: Vec<u32> },
}

/// Everything the load balancer holds during a run.
pub struct AlbState {
    pub servers: Vec<Target>,
    pub info: Vec<ServerInfo>,
    free: Vec<u32>,
    pub groups: Vec<GroupState>,
    /// Per load balancer: its node zones (indexes into `zones`) and the node cursor.
    pub(super) lb_nodes: Vec<(Vec<u16>, usize)>,
    pub zones: Vec<String>,
    pub routes: Vec<Route>,
    /// The request path's draws (target group, target; service times): the cheaper generator
    /// (engine::random). The errors' stream keeps ChaCha8: one draw per answered request, and
    /// only where a target fails some of them.
    pub(super) route_rng: FastRng,
    pub(super) service_rng: FastRng,
    pub(super) error_rng: StreamRng,
    pub metrics: AlbMetrics,
    /// The task's server, by task id (grown as tasks are created).
    pub server_of_task: Vec<Option<ServerId>>,
    pub sources: Vec<SourceState>,
    /// The route of each source's next (scheduled) request.
    pub pending_route: Vec<u32>,
    /// Per service: (CPUUtilization, MemoryUtilization) statistic sets of the minute that just
    /// ended (one sample per task, %).
    pub service_usage: Vec<(crate::cloudwatch::StatSet, crate::cloudwatch::StatSet)>,
    /// Per target group: the idle timeout of the (first) load balancer forwarding to it.
    pub idle_timeout: Vec<Span>,
    /// Requests sent to unreachable targets: (when the load balancer gives up, tag).
    pub(super) unreachable: BinaryHeap<Reverse<(SimTime, u64)>>,
    /// The earliest pending `Event::LbTimeouts`.
    pub(super) unreachable_check_at: Option<SimTime>,
}

impl AlbState {
    /// `zones`: the cluster's zones; a load balancer's zones without an instance are added (its
    /// node there has no local target: with cross-zone off it answers 503, docs/ecs-model.md#target-selection step 6).
    pub fn new(scenario: &Scenario, mut zones: Vec<String>, streams: &Streams) -> Self {
        for lb in &scenario.elb.load_balancers {
            for z in &lb.zones {
                if !zones.contains(z) {
                    zones.push(z.clone());
                }
            }
        }
        let nz = zones.len().max(1);
        let mut alb = AlbState::bare(zones, scenario.elb.target_groups.len(), scenario.services.len(), scenario.traffic.len(), streams);
        alb.groups = scenario.elb.target_groups.iter().map(|tg| GroupState::new(tg.cross_zone.unwrap_or(true), nz)).collect();
        let zones = &alb.zones;
        alb.lb_nodes = scenario
            .elb
            .load_balancers
            .iter()
            .map(|lb| {
                let mut nodes: Vec<u16> = lb.zones.iter().filter_map(|z| zones.iter().position(|x| x == z)).map(|i| i as u16).collect();
                if nodes.is_empty() {
                    // A load balancer always has at least one node (zone 0 stands for it).
                    nodes = (0..zones.len().max(1) as u16).collect();
                }
                (nodes, 0)
            })
            .collect();
        alb.idle_timeout = (0..scenario.elb.target_groups.len()).map(|g| idle_timeout_of(scenario, g)).collect();
        alb
    }

    /// A load balancer over `zones` without target groups, load balancers or routes yet, with
    /// room for the metrics of `groups` target groups, `services` services and `sources` sources.
    fn bare(zones: Vec<String>, groups: usize, services: usize, sources: usize, streams: &Streams) -> Self {
        let metrics = AlbMetrics::new(groups, zones.len(), services, sources);
        AlbState {
            servers: Vec::new(),
            info: Vec::new(),
            free: Vec::new(),
            groups: Vec::new(),
            lb_nodes: Vec::new(),
            zones,
            routes: Vec::new(),
            route_rng: streams.fast("alb-route"),
            service_rng: streams.fast("alb-service"),
            error_rng: streams.get("alb-errors"),
            metrics,
            server_of_task: Vec::new(),
            sources: Vec::new(),
            pending_route: Vec::new(),
            service_usage: vec![(crate::cloudwatch::StatSet::EMPTY, crate::cloudwatch::StatSet::EMPTY); services],
            idle_timeout: Vec::new(),
            unreachable: BinaryHeap::new(),
            unreachable_check_at: None,
        }
    }

    /// The index of `route` in `routes`, adding it if new (equal answers of one rule are one route).
    pub fn intern_route(&mut self, route: Route) -> u32 {
        match self.routes.iter().position(|r| *r == route) {
            Some(i) => i as u32,
            None => {
                self.routes.push(route);
                (self.routes.len() - 1) as u32
            }
        }
    }

    /// The server (request queue) of a task behind a load balancer.
    pub fn server_of(&self, task: TaskId) -> Option<ServerId> {
        self.server_of_task.get(task.index()).copied().flatten()
    }

    /// Gives `info.task` a server: a freed slot when there is one (its generation kept, so that
    /// the old task's events are still told apart), else a new one.
    pub fn add_server(&mut self, target: Target, info: ServerInfo) -> ServerId {
        let task = info.task;
        let server = match self.free.pop() {
            Some(slot) => {
                self.servers[slot as usize] = target;
                let generation = self.info[slot as usize].generation;
                self.info[slot as usize] = ServerInfo { generation, ..info };
                slot
            }
            None => {
                self.servers.push(target);
                self.info.push(info);
                (self.servers.len() - 1) as u32
            }
        };
        if self.server_of_task.len() <= task.index() {
            self.server_of_task.resize(task.index() + 1, None);
        }
        self.server_of_task[task.index()] = Some(ServerId(server));
        ServerId(server)
    }

    /// The server's task is gone: its generation moves on (its events still queued are dropped)
    /// and its slot is free for the next task.
    pub fn free_server(&mut self, server: ServerId) {
        let info = &mut self.info[server.index()];
        info.alive = false;
        info.generation = info.generation.wrapping_add(1);
        self.server_of_task[info.task.index()] = None;
        self.free.push(server.0);
    }

    /// Recomputes which targets of `group` receive requests and its host counts (after any
    /// change of its targets).
    pub fn targets_changed(&mut self, now: SimTime, group: usize, config: &TargetGroupConfig) {
        let g = &mut self.groups[group];
        g.refresh_eligible(config.min_healthy_targets);
        self.metrics.set_host_counts(now, group, |zone| g.host_counts(zone));
    }

    /// Closes each live server's usage sample at `now` and takes each service's statistic sets
    /// of the minute (`service_usage`).
    pub fn close_usage(&mut self, now: SimTime) {
        for (server, info) in self.servers.iter_mut().zip(self.info.iter_mut()) {
            if info.alive {
                self.metrics.account_usage(now, server, &mut info.usage);
            }
        }
        for (s, usage) in self.service_usage.iter_mut().enumerate() {
            *usage = self.metrics.take_service_usage(ServiceId::at(s));
        }
    }
}

/// The idle timeout of the (first) load balancer that forwards to target group `group`.
fn idle_timeout_of(scenario: &Scenario, group: usize) -> Span {
    let lbs = &scenario.elb.load_balancers;
    lbs.iter()
        .find(|lb| {
            lb.listeners.iter().any(|l| {
                l.rules
                    .iter()
                    .map(|r| &r.action)
                    .chain(std::iter::once(&l.default_action))
                    .any(|a| matches!(a, RuleAction::Forward(list) if list.iter().any(|w| w.target_group == group)))
            })
        })
        .or(lbs.first())
        .map_or(Span::from_secs(60), |lb| lb.idle_timeout)
}

#[cfg(test)]
mod tests;
