//! The Application Load Balancer inside the simulation (docs/ecs-model.md#target-registration, docs/ecs-model.md#deregistration-on-stop,
//! docs/ecs-model.md#load-balancer).
//!
//! * **Servers.** A service task behind a target group gets a *server* when it reaches RUNNING: its
//!   request queue (`elb::target::Target`: workers, FIFO, CPU) in a slot that is recycled when the
//!   task goes away. A server's `generation` moves on when its slot is torn down, so completions
//!   and health checks still in the event queue for the old task are dropped on arrival.
//! * **Targets.** The server is registered in each target group of the task's service (target
//!   `initial`, docs/ecs-model.md#target-registration); health checks (`health`) move it to `healthy`/`unhealthy`
//!   (docs/ecs-model.md#alb-health-checks). When the
//!   scheduler stops the task, its targets drain: no new requests, in-flight ones finish, and what
//!   is still in flight when the deregistration delay runs out is cut with a 502 (docs/ecs-model.md#deregistration-delay).
//! * **Routing.** A request of a traffic source (`traffic`) has a precomputed [`state::Route`]: the
//!   listener rule that matches its host/path/method is evaluated once per distinct request, not per
//!   request. The load-balancer node (zone) is chosen round robin (clients spread evenly over the
//!   nodes' addresses); the target group by the forward weights; the target by the group's
//!   algorithm over its eligible targets — healthy ones, or every non-draining one when fewer than
//!   `min_healthy_targets` are healthy (fail-open, docs/ecs-model.md#target-selection); none registered → 503.
//! * **Outcomes** (docs/ecs-model.md#alb-errors, `tally`): the target answers (2xx, or a 5xx of its own:
//!   `error_fraction`), or refuses (its queue is full); 502 when the task dies or the delay cuts
//!   it; 504 when no answer comes within the idle timeout — counted *at* the timeout
//!   (`Event::RequestTimeout`, at most one pending per server: the oldest unanswered request's
//!   arrival + timeout), while the target still works through the request it no longer owes
//!   anyone; and 504 after the 10-s connection timeout for a request sent to an unreachable
//!   instance (`Event::LbTimeouts`). Every request sent ends in one outcome or is in flight at
//!   the end of the run (`in_flight`).
//!
//! This entry file closes the minute, sums the run and checks the invariants. The parts, each
//! calling only parts listed after it and none calling back: `traffic` (sources and the request
//! path), `health` (checks), `targets` (registration, draining, removal), `timeouts` (504s,
//! what is in flight), `state` (the load balancer's own state, testable alone), `metrics`, and
//! `tally`; `weights` moves a deployment's production and test listener rules' forward weights
//! (a route belongs to the (listener, rule) its requests matched, so the two move apart).
//!
//! Hot path: a request is one arrival event and one completion event; a queued request is an entry
//! in its server's FIFO; nothing is allocated per request. `metrics` keeps per-minute counters and
//! fixed-size latency histograms per (target group, zone).

pub mod health;
pub mod metrics;
pub mod state;
pub mod tally;
mod targets;
mod timeouts;
pub mod traffic;
mod weights;

use crate::engine::{SimTime, Span};
use crate::sim::world::World;

pub use state::AlbState;
use state::TargetState;
pub(in crate::sim) use weights::Rules;

impl World<'_> {
    /// Closes the load balancer's minute [start, now): alb.csv rows, service CPU, and the per-zone
    /// figures for timeseries.csv. `None` when the scenario has no target group.
    pub fn alb_minute_ended(&mut self, start: SimTime, now: SimTime) -> Option<Vec<metrics::ZoneMinute>> {
        if self.scenario.elb.target_groups.is_empty() && self.scenario.traffic.is_empty() {
            return None;
        }
        let alb = &mut self.alb;
        alb.close_usage(now);
        let names: Vec<String> = self.scenario.elb.target_groups.iter().map(|t| t.name.clone()).collect();
        let minute = self.recorder.minute_index();
        let groups = &alb.groups;
        let first_row = alb.metrics.rows.len();
        let zones = alb.metrics.minute_ended(minute, start, now, &names, |g| groups[g].targets_now());
        if self.records_forward_weights() {
            // Each target group's row of the minute gets its weight at the minute's end.
            for r in first_row..self.alb.metrics.rows.len() {
                let g = names.iter().position(|n| *n == self.alb.metrics.rows[r].target_group);
                self.alb.metrics.rows[r].forward_weight_pct = Some(g.and_then(|g| self.forward_weight_pct(g)));
            }
        }
        Some(zones)
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
                let task = &self.tasks[t.task.index()];
                assert!(task.last_status != LastStatus::Stopped, "target group {gi} holds the STOPPED task {}", t.task.0);
                assert_eq!(self.alb.server_of(t.task), Some(t.server), "target group {gi}: task {} is not on its server", t.task.0);
            }
            for &s in &g.eligible {
                let entry = g.targets.iter().find(|t| t.server.0 == s).expect("eligible target is registered");
                assert!(entry.state != TargetState::Draining, "target group {gi} routes to a draining target");
            }
        }
    }
}
