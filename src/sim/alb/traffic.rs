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

use super::{route_for, AlbState, World};
use crate::elb::rules::{evaluate, HttpRequest};
use crate::engine::{SimTime, StreamRng, Streams};
use crate::model::{RequestSpec, TrafficKind};
use crate::sim::world::Event;
use crate::workload::alb_log::Replay;
use crate::workload::traffic::PoissonArrivals;
use std::collections::BTreeMap;

/// A source's generator state.
pub enum SourceState {
    Poisson { arrivals: Box<PoissonArrivals>, rng: Box<StreamRng>, route: u32 },
    Replay { replay: Replay, routes: Vec<u32> },
}

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
                let (_, action) = evaluate(listener, &req);
                alb.intern_route(route_for(src.load_balancer, action))
            };
            let state = match &src.kind {
                TrafficKind::Poisson { profile, request } => SourceState::Poisson {
                    arrivals: Box::new(PoissonArrivals::new(profile.clone())),
                    rng: Box::new(streams.get(&format!("traffic/{}", src.name))),
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
            self.schedule_next_request(SimTime::ZERO, i as u16);
        }
    }

    fn schedule_next_request(&mut self, now: SimTime, source: u16) {
        let next = match &mut self.alb.sources[source as usize] {
            SourceState::Poisson { arrivals, rng, route } => arrivals.next_after(now, rng).map(|t| (t, *route)),
            SourceState::Replay { replay, routes } => replay.next().map(|(t, i)| (t, routes[i])),
        };
        if let Some((at, route)) = next {
            self.alb.pending_route[source as usize] = route;
            self.queue.schedule(at.max(now), Event::Request { source });
        }
    }

    /// The next request of `source` arrives.
    pub fn on_request(&mut self, now: SimTime, source: u16) {
        let route = self.alb.pending_route[source as usize];
        self.alb.metrics.sent_by_source[source as usize] += 1;
        self.schedule_next_request(now, source);
        self.send_request(now, source, route);
    }
}
