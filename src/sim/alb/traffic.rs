//! Traffic sources: where the load balancer's requests come from (issue "Traffic").
//!
//! A source is either a Poisson process following a rate profile (constant, steps, diurnal,
//! spikes, a CSV curve; `workload::traffic`) for one kind of request (host, path, method), or the
//! replay of an ALB access log (`workload::alb_log`), each request at its `request_creation_time`
//! offset. Each source draws from its own stream `traffic/<name>`, so changing anything else in
//! the scenario (placement, deployment settings, the fleet) leaves every arrival time unchanged.
//!
//! The listener rules are evaluated once per distinct request at the start of the run: a Poisson
//! source has one route, a replayed log one per distinct (host, path, method, query) — the hot
//! path only looks the route up.
//!
//! The request path itself is here too: a request reaches a load-balancer node, is routed to a
//! target group and a target (or answered by the load balancer), queues at its target, and ends
//! when a worker finishes it. One arrival event and one completion event per request; nothing
//! is allocated per request.

use super::state::{route_for, AlbState, Route, RouteAction, SourceState};
use super::tally::{Outcome, RequestTag};
use crate::elb::config::{Algorithm, RuleKey};
use crate::elb::routing::{LeastOutstanding, Random};
use crate::elb::rules::{evaluate, HttpRequest};
use crate::elb::target::Arrival;
use crate::engine::{SimTime, Span, Streams};
use crate::model::{RequestSpec, TrafficKind};
use crate::sim::ids::{ServerId, SourceId};
use crate::sim::world::{Event, World};
use crate::workload::traffic::PoissonArrivals;
use rand::Rng;
use std::collections::BTreeMap;

/// The load balancer's connection timeout to a target: a request sent to a target whose
/// instance does not answer gets its 504 this long after it arrived ("HTTP 504: the load balancer
/// failed to establish a connection to the target before the connection timeout expired (10
/// seconds)", ALB troubleshooting guide).
pub const CONNECT_TIMEOUT: Span = Span::from_secs(10);

impl World<'_> {
    /// Builds every source and schedules its first request.
    pub fn start_traffic(&mut self, streams: &Streams) {
        let scenario = self.scenario;
        for (i, src) in scenario.traffic.iter().enumerate() {
            let lb = &scenario.elb.load_balancers[src.load_balancer];
            let listener = &lb.listeners[src.listener];
            let route_of = |alb: &mut AlbState, r: &RequestSpec| {
                let req =
                    HttpRequest { method: &r.method, host: &r.host, path: &r.path, query: &r.query, headers: &[], source_ip: r.client_ip };
                let (priority, action) = evaluate(listener, &req);
                let rule = RuleKey { load_balancer: src.load_balancer as u16, listener: src.listener as u16, priority };
                alb.intern_route(route_for(rule, action))
            };
            let state = match &src.kind {
                TrafficKind::Poisson { profile, request } => SourceState::Poisson {
                    arrivals: Box::new(PoissonArrivals::new(profile.clone())),
                    rng: Box::new(streams.fast(&format!("traffic/{}", src.name))),
                    route: route_of(&mut self.alb, request),
                },
                TrafficKind::Replay { replay, requests } => {
                    let mut routes = Vec::with_capacity(requests.len());
                    let mut seen: BTreeMap<&RequestSpec, u32> = BTreeMap::new();
                    for r in requests {
                        let route = match seen.get(r) {
                            Some(&route) => route,
                            None => {
                                let route = route_of(&mut self.alb, r);
                                seen.insert(r, route);
                                route
                            }
                        };
                        routes.push(route);
                    }
                    SourceState::Replay { replay: replay.clone(), routes }
                }
            };
            self.alb.sources.push(state);
            self.alb.pending_route.push(0);
            self.schedule_next_request(SimTime::ZERO, SourceId::at(i));
        }
    }

    fn schedule_next_request(&mut self, now: SimTime, source: SourceId) {
        let next = match &mut self.alb.sources[source.index()] {
            SourceState::Poisson { arrivals, rng, route } => arrivals.next_after(now, rng).map(|t| (t, *route)),
            SourceState::Replay { replay, routes } => replay.next().map(|(t, i)| (t, routes[i])),
        };
        if let Some((at, route)) = next {
            self.alb.pending_route[source.index()] = route;
            // One pending arrival per source: its own slot of the event queue (no heap work).
            self.queue.schedule_slot(source.index(), at.max(now), Event::Request { source });
        }
    }

    /// The next request of `source` arrives.
    pub fn on_request(&mut self, now: SimTime, source: SourceId) {
        let route = self.alb.pending_route[source.index()];
        self.alb.metrics.sent_by_source[source.index()] += 1;
        self.schedule_next_request(now, source);
        self.send_request(now, source, route);
    }

    /// A request of `source` following route `route` reaches the load balancer at `now`.
    pub fn send_request(&mut self, now: SimTime, source: SourceId, route: u32) {
        let alb = &mut self.alb;
        let Route { action, rule } = &alb.routes[route as usize];
        // The node: clients spread evenly over the load balancer's zones.
        let (nodes, cursor) = &mut alb.lb_nodes[rule.load_balancer as usize];
        // (A compare and a reset rather than `% len`: two integer divisions per request showed
        // in the profile. `lb_nodes` is never empty and the cursor stays below its length.)
        let zone = nodes[*cursor];
        *cursor += 1;
        if *cursor >= nodes.len() {
            *cursor = 0;
        }
        alb.metrics.arrived(zone);
        let group = match action {
            RouteAction::Answer { status_code } => {
                alb.metrics.answered_by_alb(source.0, zone, *status_code);
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
        let gi = group.index();
        let tag = RequestTag { source: source.0, group: group.0, zone };
        alb.metrics.sent_by_group[gi] += 1;
        let config = &self.scenario.elb.target_groups[gi];
        let g = &mut alb.groups[gi];
        let eligible: &[u32] = if g.cross_zone { &g.eligible } else { &g.eligible_by_zone[zone as usize] };
        if eligible.is_empty() {
            // No registered (non-draining) target, or none in this node's zone with cross-zone
            // off: the ALB answers 503 (docs/ecs-model.md#target-selection steps 3 and 6).
            alb.metrics.outcome(tag, Outcome::Elb503, None);
            return;
        }
        let in_slow_start = now < g.slow_start_until;
        let server = if in_slow_start {
            g.pick_slow_start(config, now, zone, &mut alb.route_rng)
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
                // Its instance does not answer: the connection times out (504, docs/ecs-model.md#alb-errors).
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
            self.queue.schedule(now + info.idle_timeout, Event::RequestTimeout { server: ServerId(server), generation });
        }
        match arrival {
            Arrival::StartedService { worker, done_at } => {
                self.queue.schedule(done_at, Event::RequestDone { server: ServerId(server), worker, generation });
            }
            Arrival::Queued => {}
            // The task's own queue is full: it refuses the request (its own 503).
            Arrival::Rejected => alb.metrics.outcome(tag, Outcome::Rejected, None),
        }
    }

    /// A worker of `server` finished its request.
    pub fn on_request_done(&mut self, now: SimTime, server: ServerId, worker: u32, generation: u32) {
        let alb = &mut self.alb;
        if alb.info[server.index()].generation != generation {
            return; // the task went away; its requests were already answered with 502
        }
        let done = alb.servers[server.index()].complete(worker, now, &mut alb.service_rng);
        if let Some(at) = done.next_done_at {
            self.queue.schedule(at, Event::RequestDone { server, worker, generation });
        }
        if done.answered_already {
            return; // the load balancer gave up on it (504 at the idle timeout)
        }
        let error_fraction = alb.info[server.index()].error_fraction;
        let outcome =
            if error_fraction > 0.0 && alb.error_rng.gen::<f64>() < error_fraction { Outcome::Target5xx } else { Outcome::Success };
        alb.metrics.outcome(RequestTag::unpack(done.tag), outcome, Some(done.latency));
    }
}
