//! The Application Load Balancer inside the simulation (spec §6.2, §6.4, §9).
//!
//! * **Servers.** A service task behind a target group gets a *server* when it reaches RUNNING: its
//!   request queue (`elb::target::Target`: workers, FIFO, CPU) in a slot that is recycled when the
//!   task goes away. A server's `generation` moves on when its slot is torn down, so completions
//!   and health checks still in the event queue for the old task are dropped on arrival.
//! * **Targets.** The server is registered in each target group of the task's service (target
//!   `initial`, §6.2); health checks (`health`) move it to `healthy`/`unhealthy` (§9.4). When the
//!   scheduler stops the task, its targets drain: no new requests, in-flight ones finish, and what
//!   is still in flight when the deregistration delay runs out is cut with a 502 (§9.6).
//! * **Routing.** A request of a traffic source (`traffic`) has a precomputed [`Route`]: the
//!   listener rule that matches its host/path/method is evaluated once per distinct request, not per
//!   request. The load-balancer node (zone) is chosen round robin (clients spread evenly over the
//!   nodes' addresses); the target group by the forward weights; the target by the group's
//!   algorithm over its eligible targets — healthy ones, or every non-draining one when fewer than
//!   `min_healthy_targets` are healthy (fail-open, §9.3); none registered → 503.
//! * **Outcomes** (§9.5, `tally`): the target answers (2xx, or a 5xx of its own:
//!   `error_fraction`), or refuses (its queue is full); 502 when the task dies or the delay cuts
//!   it; 504 when no answer comes within the idle timeout — counted *at* the timeout
//!   (`Event::RequestTimeout`, at most one pending per server: the oldest unanswered request's
//!   arrival + timeout), while the target still works through the request it no longer owes
//!   anyone; and 504 after the 10-s connection timeout for a request sent to an unreachable
//!   instance (`Event::LbTimeouts`). Every request sent ends in one outcome or is in flight at
//!   the end of the run (`in_flight`).
//!
//! Registration, draining and removal of targets are in `targets`.
//!
//! Hot path: a request is one arrival event and one completion event; a queued request is an entry
//! in its server's FIFO; nothing is allocated per request. `metrics` keeps per-minute counters and
//! fixed-size latency histograms per (target group, zone).

pub mod health;
pub mod metrics;
pub mod tally;
mod targets;
mod timeouts;
pub mod traffic;

use crate::elb::config::{Algorithm, RuleAction, TargetGroupConfig};
use crate::elb::routing::{LeastOutstanding, Random, RoundRobin};
use crate::elb::target::{Arrival, Target};
use crate::engine::{SimTime, Span, StreamRng, Streams};
use crate::model::Scenario;
use crate::sim::world::{Event, World};
use metrics::AlbMetrics;
use rand::Rng;
use smallvec::SmallVec;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use tally::{Outcome, RequestTag};

/// The load balancer's connection timeout to a target: a request sent to a target whose
/// instance does not answer gets its 504 this long after it arrived ("HTTP 504: the load balancer
/// failed to establish a connection to the target before the connection timeout expired (10
/// seconds)", ALB troubleshooting guide).
pub const CONNECT_TIMEOUT: Span = Span::from_secs(10);

/// A task's request queue and what the load balancer knows of it.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub task: u32,
    pub service: u16,
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
    /// CPU units and MiB the task reserves (the denominators of service CPUUtilization and
    /// MemoryUtilization, spec §10.4), and its memory model.
    pub reserved_cpu_units: f64,
    pub reserved_memory_mib: f64,
    pub memory_base_mib: f64,
    pub memory_per_busy_worker_mib: f64,
    /// Since when the CPU accounting of this slot runs (creation, or the last minute boundary).
    pub accounted_since: SimTime,
    /// The idle timeout of the load balancers in front of it (the shortest, when several).
    pub idle_timeout: Span,
    /// The generation for which an `Event::RequestTimeout` is pending.
    pub timeout_check: Option<u32>,
}

/// TargetHealth.State of one registered target (spec §9.1).
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

/// A registered target of a target group.
#[derive(Debug, Clone)]
pub struct TargetEntry {
    pub server: u32,
    pub task: u32,
    pub zone: u16,
    pub state: TargetState,
    /// Consecutive successful / failed health checks.
    pub ok_streak: u32,
    pub fail_streak: u32,
    /// Slow start began then (spec §9.3 step 5).
    pub slow_start_from: Option<SimTime>,
    /// Smooth weighted round robin's running weight (used only during slow start).
    pub swrr_current: f64,
    /// Registered while the group had no healthy target: never enters slow start.
    pub slow_start_exempt: bool,
    /// When its next health check goes out (to restart the checks on schedule after the
    /// server's generation moved on).
    pub next_check_at: SimTime,
}

/// A target group's live state.
#[derive(Debug, Clone)]
pub struct GroupState {
    /// Registered targets (draining ones included) in registration order.
    pub targets: Vec<TargetEntry>,
    /// Server ids the algorithm chooses from (cross-zone on), and the same per node zone.
    eligible: Vec<u32>,
    eligible_pos: Vec<u32>,
    eligible_by_zone: Vec<Vec<u32>>,
    rr: RoundRobin,
    rr_by_zone: Vec<RoundRobin>,
    /// Fewer than `min_healthy_targets` healthy: routing to every non-draining target.
    pub fail_open: bool,
    cross_zone: bool,
    /// Some target is in slow start until then.
    slow_start_until: SimTime,
}

/// The precomputed answer of the listener rules for one kind of request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub load_balancer: u16,
    pub action: RouteAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAction {
    /// Target groups with cumulative weights (the last is the total).
    Forward(SmallVec<[(u16, u32); 2]>),
    /// A fixed response or a redirect: the ALB answers itself.
    Answer { status_code: u16 },
}

/// Everything the load balancer holds during a run.
pub struct AlbState {
    pub servers: Vec<Target>,
    pub info: Vec<ServerInfo>,
    free: Vec<u32>,
    pub groups: Vec<GroupState>,
    /// Per load balancer: its node zones (indexes into `zones`) and the node cursor.
    lb_nodes: Vec<(Vec<u16>, usize)>,
    pub zones: Vec<String>,
    pub routes: Vec<Route>,
    route_rng: StreamRng,
    service_rng: StreamRng,
    error_rng: StreamRng,
    pub metrics: AlbMetrics,
    /// The task's server, by task id (grown as tasks are created).
    pub server_of_task: Vec<Option<u32>>,
    pub sources: Vec<traffic::SourceState>,
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
    /// node there has no local target: with cross-zone off it answers 503, §9.3 step 6).
    pub fn new(scenario: &Scenario, mut zones: Vec<String>, streams: &Streams) -> Self {
        for lb in &scenario.elb.load_balancers {
            for z in &lb.zones {
                if !zones.contains(z) {
                    zones.push(z.clone());
                }
            }
        }
        let nz = zones.len().max(1);
        let groups = scenario
            .elb
            .target_groups
            .iter()
            .map(|tg| GroupState {
                targets: Vec::new(),
                eligible: Vec::new(),
                eligible_pos: Vec::new(),
                eligible_by_zone: vec![Vec::new(); nz],
                rr: RoundRobin::new(),
                rr_by_zone: vec![RoundRobin::new(); nz],
                fail_open: false,
                cross_zone: tg.cross_zone.unwrap_or(true),
                slow_start_until: SimTime::ZERO,
            })
            .collect();
        let lb_nodes = scenario
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
        let metrics = AlbMetrics::new(scenario.elb.target_groups.len(), zones.len(), scenario.services.len(), scenario.traffic.len());
        AlbState {
            servers: Vec::new(),
            info: Vec::new(),
            free: Vec::new(),
            groups,
            lb_nodes,
            zones,
            routes: Vec::new(),
            route_rng: streams.get("alb-route"),
            service_rng: streams.get("alb-service"),
            error_rng: streams.get("alb-errors"),
            metrics,
            server_of_task: Vec::new(),
            sources: Vec::new(),
            pending_route: Vec::new(),
            service_usage: vec![(crate::cloudwatch::StatSet::EMPTY, crate::cloudwatch::StatSet::EMPTY); scenario.services.len()],
            idle_timeout: (0..scenario.elb.target_groups.len()).map(|g| idle_timeout_of(scenario, g)).collect(),
            unreachable: BinaryHeap::new(),
            unreachable_check_at: None,
        }
    }

    /// The index of `route` in `routes`, adding it if new.
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
    pub fn server_of(&self, task: u32) -> Option<u32> {
        self.server_of_task.get(task as usize).copied().flatten()
    }

    /// Recomputes which targets of `group` receive requests (after any state change).
    pub fn refresh_eligible(&mut self, group: usize, config: &TargetGroupConfig) {
        let g = &mut self.groups[group];
        let healthy = g.targets.iter().filter(|t| t.state == TargetState::Healthy).count() as u32;
        g.fail_open = healthy < config.min_healthy_targets && g.targets.iter().any(|t| t.state != TargetState::Draining);
        g.eligible.clear();
        g.eligible_pos.clear();
        for z in &mut g.eligible_by_zone {
            z.clear();
        }
        for (pos, t) in g.targets.iter().enumerate() {
            let takes = if g.fail_open { t.state != TargetState::Draining } else { t.state == TargetState::Healthy };
            if takes {
                g.eligible.push(t.server);
                g.eligible_pos.push(pos as u32);
                if let Some(z) = g.eligible_by_zone.get_mut(t.zone as usize) {
                    z.push(t.server);
                }
            }
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

/// Resolves the rule of `listener` for one kind of request into a [`Route`].
pub fn route_for(load_balancer: usize, action: &RuleAction) -> Route {
    let action = match action {
        RuleAction::Forward(list) => {
            let mut cumulative = SmallVec::new();
            let mut total = 0u32;
            for w in list {
                total += w.weight;
                cumulative.push((w.target_group as u16, total));
            }
            // All weights 0 (or one group without weight): equal split.
            if total == 0 {
                cumulative = list.iter().enumerate().map(|(i, w)| (w.target_group as u16, i as u32 + 1)).collect();
            }
            RouteAction::Forward(cumulative)
        }
        RuleAction::FixedResponse { status_code } | RuleAction::Redirect { status_code } => {
            RouteAction::Answer { status_code: *status_code }
        }
    };
    Route { load_balancer: load_balancer as u16, action }
}

impl World<'_> {
    /// A request of `source` following route `route` reaches the load balancer at `now`.
    pub fn send_request(&mut self, now: SimTime, source: u16, route: u32) {
        let alb = &mut self.alb;
        let Route { load_balancer, action } = &alb.routes[route as usize];
        // The node: clients spread evenly over the load balancer's zones.
        let (nodes, cursor) = &mut alb.lb_nodes[*load_balancer as usize];
        let zone = nodes[*cursor % nodes.len()];
        *cursor = (*cursor + 1) % nodes.len();
        alb.metrics.arrived(zone);
        let group = match action {
            RouteAction::Answer { status_code } => {
                alb.metrics.answered_by_alb(source, zone, *status_code);
                return;
            }
            RouteAction::Forward(groups) => {
                if groups.len() == 1 {
                    groups[0].0
                } else {
                    let total = groups.last().map_or(1, |g| g.1);
                    let x = alb.route_rng.gen_range(0..total);
                    groups.iter().find(|g| x < g.1).map_or(groups[0].0, |g| g.0)
                }
            }
        };
        let gi = group as usize;
        let tag = RequestTag { source, group, zone };
        alb.metrics.sent_by_group[gi] += 1;
        let config = &self.scenario.elb.target_groups[gi];
        let g = &mut alb.groups[gi];
        let eligible: &[u32] = if g.cross_zone { &g.eligible } else { &g.eligible_by_zone[zone as usize] };
        if eligible.is_empty() {
            // No registered (non-draining) target, or none in this node's zone with cross-zone
            // off: the ALB answers 503 (§9.3 steps 3 and 6).
            alb.metrics.outcome(tag, Outcome::Elb503, None);
            return;
        }
        let in_slow_start = now < g.slow_start_until;
        let server = if in_slow_start {
            pick_slow_start(g, config, now, zone, &mut alb.route_rng)
        } else {
            match config.algorithm {
                Algorithm::RoundRobin => {
                    if g.cross_zone {
                        g.rr.pick(eligible)
                    } else {
                        g.rr_by_zone[zone as usize].pick(eligible)
                    }
                }
                Algorithm::LeastOutstandingRequests => {
                    let first_on_tie = self.scenario.tie_break == crate::ecs::placement::TieBreak::First;
                    LeastOutstanding::pick_with(eligible, &alb.servers, &mut alb.route_rng, first_on_tie)
                }
                Algorithm::WeightedRandom => Random::pick(eligible, &mut alb.route_rng),
            }
        };
        let Some(server) = server else {
            // Slow start found no target of this node's zone (cross-zone off): as with no target.
            alb.metrics.outcome(tag, Outcome::Elb503, None);
            return;
        };
        let fail_open = g.fail_open;
        alb.metrics.routed(gi, zone, fail_open);
        let info = &mut alb.info[server as usize];
        if !info.alive {
            if info.unreachable {
                // Its instance does not answer: the connection times out (504, §9.5).
                let at = now + CONNECT_TIMEOUT.min(alb.idle_timeout[gi]);
                self.unanswered_until(at, tag.pack());
            } else {
                // Registered, but its task is gone: the connection is refused (502).
                alb.metrics.outcome(tag, Outcome::Elb502, None);
            }
            return;
        }
        let generation = info.generation;
        let arrival = alb.servers[server as usize].arrive(now, tag.pack(), &mut alb.service_rng);
        if !matches!(arrival, Arrival::Rejected) && info.timeout_check != Some(generation) {
            // The server's idle-timeout watch: due when this (now its oldest) request times out.
            info.timeout_check = Some(generation);
            self.queue.schedule(now + info.idle_timeout, Event::RequestTimeout { server, generation });
        }
        match arrival {
            Arrival::StartedService { worker, done_at } => {
                self.queue.schedule(done_at, Event::RequestDone { server, worker, generation });
            }
            Arrival::Queued => {}
            // The task's own queue is full: it refuses the request (its own 503).
            Arrival::Rejected => alb.metrics.outcome(tag, Outcome::Rejected, None),
        }
    }

    /// A worker of `server` finished its request.
    pub fn on_request_done(&mut self, now: SimTime, server: u32, worker: u32, generation: u32) {
        let alb = &mut self.alb;
        if alb.info[server as usize].generation != generation {
            return; // the task went away; its requests were already answered with 502
        }
        let done = alb.servers[server as usize].complete(worker, now, &mut alb.service_rng);
        if let Some(at) = done.next_done_at {
            self.queue.schedule(at, Event::RequestDone { server, worker, generation });
        }
        if done.answered_already {
            return; // the load balancer gave up on it (504 at the idle timeout)
        }
        let error_fraction = alb.info[server as usize].error_fraction;
        let outcome =
            if error_fraction > 0.0 && alb.error_rng.gen::<f64>() < error_fraction { Outcome::Target5xx } else { Outcome::Success };
        alb.metrics.outcome(RequestTag::unpack(done.tag), outcome, Some(done.latency));
    }

    /// Closes the load balancer's minute [start, now): alb.csv rows, service CPU, and the per-zone
    /// figures for timeseries.csv. `None` when the scenario has no target group.
    pub fn alb_minute_ended(&mut self, start: SimTime, now: SimTime) -> Option<Vec<metrics::ZoneMinute>> {
        if self.scenario.elb.target_groups.is_empty() && self.scenario.traffic.is_empty() {
            return None;
        }
        let alb = &mut self.alb;
        for (server, info) in alb.servers.iter_mut().zip(alb.info.iter_mut()) {
            if info.alive {
                alb.metrics.account_usage(now, server, info);
            }
        }
        for (s, usage) in alb.service_usage.iter_mut().enumerate() {
            *usage = alb.metrics.take_service_usage(s);
        }
        let names: Vec<String> = self.scenario.elb.target_groups.iter().map(|t| t.name.clone()).collect();
        let minute = self.recorder.minute_index();
        Some(alb.metrics.minute_ended(minute, start, now, &names, &alb.groups))
    }

    /// The run's traffic figures, when the scenario has load balancers.
    pub fn traffic_totals(&self) -> Option<metrics::TrafficTotals> {
        if self.scenario.elb.target_groups.is_empty() && self.scenario.traffic.is_empty() {
            return None;
        }
        let m = &self.alb.metrics;
        let names: Vec<String> = self.scenario.elb.target_groups.iter().map(|t| t.name.clone()).collect();
        let (in_flight_by_group, in_flight_by_source) = self.in_flight();
        let latency = m.run_latency();
        let ms = |s: Option<Span>| s.map(|s| s.as_micros() as f64 / 1000.0);
        let [latency_ms_avg, latency_ms_p50, latency_ms_p90, latency_ms_p99] = metrics::latency_ms(&latency);
        let sources = self
            .scenario
            .traffic
            .iter()
            .enumerate()
            .map(|(i, src)| metrics::SourceTotals {
                source: src.name.clone(),
                figures: tally::RequestFigures::new(m.sent_by_source[i], m.by_source[i], in_flight_by_source[i]),
            })
            .collect();
        Some(metrics::TrafficTotals {
            figures: tally::RequestFigures::new(m.sent_by_source.iter().sum(), m.run_tally(), in_flight_by_group.iter().sum()),
            latency_ms_avg,
            latency_ms_p50,
            latency_ms_p90,
            latency_ms_p99,
            latency_ms_p999: ms(latency.percentile(99.9)),
            latency_ms_max: ms(latency.max()),
            target_groups: m.totals(&names, &in_flight_by_group),
            sources,
            rows: m.rows.clone(),
        })
    }

    /// Load-balancer invariants: a registered target belongs to a task that is not STOPPED and
    /// whose server it is; the eligible set never holds a draining target.
    pub(crate) fn check_alb_invariants(&self) {
        use crate::ecs::task::LastStatus;
        for (gi, g) in self.alb.groups.iter().enumerate() {
            for t in &g.targets {
                let task = &self.tasks[t.task as usize];
                assert!(task.last_status != LastStatus::Stopped, "target group {gi} holds the STOPPED task {}", t.task);
                assert_eq!(self.alb.server_of(t.task), Some(t.server), "target group {gi}: task {} is not on its server", t.task);
            }
            for &s in &g.eligible {
                let entry = g.targets.iter().find(|t| t.server == s).expect("eligible target is registered");
                assert!(entry.state != TargetState::Draining, "target group {gi} routes to a draining target");
            }
        }
    }
}

/// Slow start (spec §9.3 step 5 [INF]): weight `max(0.01, elapsed/d)` while in slow start, 1
/// after. Round robin becomes a smooth weighted round robin; the other algorithms a weighted
/// random choice. O(eligible) per request, only while some target is in slow start. With
/// cross-zone off only the targets in the node's zone take part.
fn pick_slow_start(g: &mut GroupState, config: &TargetGroupConfig, now: SimTime, zone: u16, rng: &mut StreamRng) -> Option<u32> {
    let d = config.slow_start.as_secs_f64().max(1e-9);
    let weight = |t: &TargetEntry| match t.slow_start_from {
        Some(from) if now < from + config.slow_start => (now.since(from).as_secs_f64() / d).max(0.01),
        _ => 1.0,
    };
    let cross = g.cross_zone;
    let takes = |t: &TargetEntry| cross || t.zone == zone;
    let total: f64 = g.eligible_pos.iter().map(|&p| &g.targets[p as usize]).filter(|t| takes(t)).map(weight).sum();
    if total <= 0.0 {
        return None;
    }
    if config.algorithm == Algorithm::RoundRobin {
        // Smooth weighted round robin: every target gains its weight, the largest running weight
        // wins and pays the total back.
        let mut best: Option<(usize, f64)> = None;
        for &p in &g.eligible_pos {
            let t = &mut g.targets[p as usize];
            if !takes(t) {
                continue;
            }
            t.swrr_current += weight(t);
            if best.is_none_or(|(_, v)| t.swrr_current > v) {
                best = Some((p as usize, t.swrr_current));
            }
        }
        let (b, _) = best?;
        g.targets[b].swrr_current -= total;
        return Some(g.targets[b].server);
    }
    let mut x = rng.gen::<f64>() * total;
    let mut last = None;
    for &p in &g.eligible_pos {
        let t = &g.targets[p as usize];
        if !takes(t) {
            continue;
        }
        let w = weight(t);
        if x < w {
            return Some(t.server);
        }
        x -= w;
        last = Some(t.server);
    }
    last
}
