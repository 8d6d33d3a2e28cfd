//! The load balancer giving up on requests (docs/ecs-model.md#alb-errors): a request no target answers within the idle
//! timeout gets its 504 *at* the timeout — the target keeps the request and still serves it, but
//! its answer is not counted again (`elb::target`, the answered mark) — and a request sent to a
//! target whose instance is unreachable gets its 504 after the 10-s connection timeout. Also what
//! is still in flight at the end of the run, per target group and per source.
//!
//! Cost: one `Event::RequestTimeout` pending per server, due when its oldest unanswered request
//! times out (about one per timeout period when nothing times out), and one `Event::LbTimeouts`
//! chain over a heap of the requests sent to unreachable targets (only during faults).

use super::tally::{Outcome, RequestTag};
use crate::engine::SimTime;
use crate::sim::ids::ServerId;
use crate::sim::world::{Event, World};
use std::cmp::Reverse;

impl World<'_> {
    /// A request nobody will answer: the load balancer answers 504 at `at`.
    pub(super) fn unanswered_until(&mut self, at: SimTime, tag: u64) {
        self.alb.unreachable.push(Reverse((at, tag)));
        if self.alb.unreachable_check_at.is_none_or(|t| at < t) {
            self.alb.unreachable_check_at = Some(at);
            self.queue.schedule(at, Event::LbTimeouts);
        }
    }

    /// Requests sent to unreachable targets whose time is up get their 504.
    pub fn on_lb_timeouts(&mut self, now: SimTime) {
        let alb = &mut self.alb;
        if alb.unreachable_check_at == Some(now) {
            alb.unreachable_check_at = None;
        }
        while let Some(&Reverse((at, tag))) = alb.unreachable.peek() {
            if at > now {
                break;
            }
            alb.unreachable.pop();
            alb.metrics.outcome(RequestTag::unpack(tag), Outcome::Elb504, None);
        }
        if let Some(&Reverse((at, _))) = alb.unreachable.peek() {
            if alb.unreachable_check_at.is_none_or(|t| at < t) {
                alb.unreachable_check_at = Some(at);
                self.queue.schedule(at, Event::LbTimeouts);
            }
        }
    }

    /// The idle timeout of `server`'s oldest request fell due: every request that arrived an idle
    /// timeout ago or earlier and has no answer gets its 504 now; the watch moves on to the next.
    pub fn on_request_timeout(&mut self, now: SimTime, server: ServerId, generation: u32) {
        let alb = &mut self.alb;
        let info = &mut alb.info[server.index()];
        if info.generation != generation || info.timeout_check != Some(generation) {
            return;
        }
        info.timeout_check = None;
        let timeout = info.idle_timeout;
        let target = &mut alb.servers[server.index()];
        let metrics = &mut alb.metrics;
        if let Some(arrived_by) = now.checked_sub(timeout) {
            target.time_out(arrived_by, |_, tag| metrics.outcome(RequestTag::unpack(tag), Outcome::Elb504, None));
        }
        if let Some(oldest) = target.oldest_unanswered() {
            info.timeout_check = Some(generation);
            self.queue.schedule((oldest + timeout).max(now), Event::RequestTimeout { server, generation });
        }
    }

    /// Requests in flight now, per target group and per source: on the targets and unanswered,
    /// or sent to unreachable targets and waiting for their timeout.
    pub fn in_flight(&self) -> (Vec<u64>, Vec<u64>) {
        let mut by_group = vec![0u64; self.scenario.elb.target_groups.len()];
        let mut by_source = vec![0u64; self.scenario.traffic.len()];
        let mut count = |tag: u64| {
            let t = RequestTag::unpack(tag);
            if let Some(g) = by_group.get_mut(t.group as usize) {
                *g += 1;
            }
            if let Some(s) = by_source.get_mut(t.source as usize) {
                *s += 1;
            }
        };
        for (server, info) in self.alb.servers.iter().zip(&self.alb.info) {
            if info.alive {
                server.for_each_unanswered(&mut count);
            }
        }
        for Reverse((_, tag)) in &self.alb.unreachable {
            count(*tag);
        }
        (by_group, by_source)
    }
}
