//! One target (a task behind the load balancer) serving requests.
//!
//! A target has `concurrency` workers, a FIFO of waiting requests (optionally bounded: a request
//! arriving to a full queue is rejected, which the ALB reports as a 5xx) and a service-time
//! [`Distribution`]. A waiting request is its arrival time in the target's preallocated
//! `VecDeque`, not a heap event; each busy worker has exactly one pending completion, which the
//! caller schedules from the returned `done_at` and hands back to [`Target::complete`] with the
//! worker's number. When a worker finishes, it takes the head of the queue at once.
//!
//! Busy time is integrated exactly (worker-µs) so utilisation over a metric period is
//! `busy worker-µs ÷ (concurrency × period)`.
//!
//! Each request carries a `tag` (the simulation packs its source, target group and load-balancer
//! zone into it) that comes back with its completion, so per-group metrics need no per-request
//! storage elsewhere.
//!
//! **Idle timeout** ([`Target::time_out`]): the load balancer gives up on a request that has no
//! answer within its idle timeout and answers the client 504 then. The target does not know: it
//! still serves the request (the work is wasted, as for a real application whose client went
//! away), but the request is *answered* — its completion is reported with `answered_already` and
//! must not be counted again. Timed-out requests are marked in place (the top bit of the tag);
//! with one timeout per target they are a prefix of the FIFO, so marking is amortised O(1).
//!
//! **CPU** ([`Target::set_cpu`]): a busy worker wants `cpu_per_worker` CPU units; the task may use
//! at most `cpu_limit` units. While `busy × cpu_per_worker ≤ cpu_limit` a request takes its drawn
//! service time. When a worker starts a request with more demand than the limit, the request is
//! stretched by `demand ÷ limit` (processor sharing, fixed at the start of service: the factor is
//! not revised when other workers finish — a deliberate simplification that keeps a request at one
//! completion event). CPU used is integrated as `min(busy × cpu_per_worker, cpu_limit)` over time,
//! so utilisation never exceeds the limit.

use crate::engine::{SimTime, Span};
use crate::workload::distribution::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::collections::VecDeque;

/// What happened to an arriving request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// A worker was free: schedule the completion of `worker` at `done_at`.
    StartedService { worker: u32, done_at: SimTime },
    /// All workers busy: the request waits in the FIFO.
    Queued,
    /// All workers busy and the queue full: the request is refused (5xx).
    Rejected,
}

/// The result of a worker finishing its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// Response time of the finished request: completion − arrival (queueing + service).
    pub latency: Span,
    /// The finished request's tag (without the answered mark).
    pub tag: u64,
    /// The load balancer already answered this request (504 at its idle timeout): the work is
    /// done but the request must not be counted again.
    pub answered_already: bool,
    /// When the same worker finishes the request it took from the queue, if any: schedule its
    /// completion (same worker number) at this time.
    pub next_done_at: Option<SimTime>,
}

/// The top bit of a stored tag: the request was answered by the load balancer's idle timeout.
/// Callers' tags must leave it clear.
pub const ANSWERED: u64 = 1 << 63;
/// The second bit marks an idle worker's slot (its request is finished). Callers' tags must leave
/// both bits clear.
const IDLE: u64 = 1 << 62;

/// Queue entries allocated up front. Small on purpose: a FIFO's ring buffer is walked round by
/// its head, so every entry of the allocation is touched in turn; at 1,024 entries (16 KiB) per
/// target W1's 100 targets cycled through 1.6 MiB, missing the caches on most pushes, where
/// their queues hold a few requests on average.
const INITIAL_QUEUE: usize = 32;

/// A target serving requests; see the module documentation.
#[derive(Debug, Clone)]
pub struct Target {
    service: Distribution,
    /// 1/λ in seconds, computed as `Exp::new` does, when `service` is exponential (the
    /// request path's usual case, drawn without going through `Distribution::sample`).
    exponential_mean_s: Option<f64>,
    /// Arrival time and tag of the request each worker is serving (meaningful only while busy).
    serving: Vec<(SimTime, u64)>,
    /// Idle workers (a stack, so the lowest numbers are used first after a reset).
    idle: Vec<u32>,
    queue: VecDeque<(SimTime, u64)>,
    queue_limit: Option<usize>,
    /// The first `answered_front` queue entries are marked answered (timed out).
    answered_front: usize,
    /// Requests in flight (serving or queued) already answered by the idle timeout.
    answered_in_flight: u32,
    /// CPU units one busy worker wants (0 = CPU not modelled: no stretching).
    cpu_per_worker: f64,
    /// CPU units the task may use.
    cpu_limit: f64,
    // Busy-time accounting.
    busy_since_change: SimTime,
    busy_us: u128,
    /// CPU unit-µs used since the last `take_cpu_time`.
    cpu_unit_us: f64,
    // Counters since creation.
    arrived: u64,
    queued: u64,
    rejected: u64,
    completed: u64,
}

impl Target {
    /// A target with `concurrency` (≥ 1) workers, an optional queue bound and a service-time
    /// distribution. The queue starts with room for [`INITIAL_QUEUE`] entries (or its bound, if
    /// smaller) and grows by doubling, amortised, never per request, up to the longest queue the
    /// run reaches.
    pub fn new(concurrency: u32, queue_limit: Option<usize>, service: Distribution) -> Self {
        let concurrency = concurrency.max(1);
        let capacity = queue_limit.unwrap_or(INITIAL_QUEUE).min(INITIAL_QUEUE);
        let exponential_mean_s = match service {
            Distribution::Exponential { mean } if mean.as_micros() > 0 => Some(1.0 / (1.0 / mean.as_secs_f64())),
            _ => None,
        };
        Target {
            service,
            exponential_mean_s,
            serving: vec![(SimTime::ZERO, IDLE); concurrency as usize],
            idle: (0..concurrency).rev().collect(),
            queue: VecDeque::with_capacity(capacity),
            queue_limit,
            answered_front: 0,
            answered_in_flight: 0,
            cpu_per_worker: 0.0,
            cpu_limit: f64::INFINITY,
            busy_since_change: SimTime::ZERO,
            busy_us: 0,
            cpu_unit_us: 0.0,
            arrived: 0,
            queued: 0,
            rejected: 0,
            completed: 0,
        }
    }

    /// Turns on the CPU model (see the module documentation); `cpu_limit_units` > 0.
    pub fn set_cpu(&mut self, cpu_per_worker_units: f64, cpu_limit_units: f64) {
        self.cpu_per_worker = cpu_per_worker_units.max(0.0);
        self.cpu_limit = cpu_limit_units.max(1.0);
    }

    /// Starts the target's accounting at `now` (a target created mid-run).
    pub fn start_at(&mut self, now: SimTime) {
        self.busy_since_change = now;
    }

    pub fn concurrency(&self) -> u32 {
        self.serving.len() as u32
    }
    /// Workers serving a request now.
    pub fn busy(&self) -> u32 {
        (self.serving.len() - self.idle.len()) as u32
    }
    /// Requests waiting in the FIFO.
    pub fn queued_now(&self) -> usize {
        self.queue.len()
    }
    /// In-flight requests (being served + waiting), answered ones included: the target's work.
    #[inline]
    pub fn outstanding(&self) -> u32 {
        self.busy() + self.queue.len() as u32
    }
    /// In-flight requests the load balancer still waits on (not yet answered by the idle
    /// timeout): what least-outstanding-requests compares.
    #[inline]
    pub fn unanswered(&self) -> u32 {
        self.outstanding() - self.answered_in_flight
    }
    /// (arrived, had to wait, rejected, completed) since creation.
    pub fn counters(&self) -> (u64, u64, u64, u64) {
        (self.arrived, self.queued, self.rejected, self.completed)
    }

    #[inline]
    fn account_busy(&mut self, now: SimTime) {
        let busy = self.busy();
        let dt = now.since(self.busy_since_change).as_micros();
        self.busy_us += busy as u128 * dt as u128;
        if self.cpu_per_worker > 0.0 {
            self.cpu_unit_us += (busy as f64 * self.cpu_per_worker).min(self.cpu_limit) * dt as f64;
        }
        self.busy_since_change = now;
    }

    /// One service time for a request starting now with `busy` workers busy (itself included).
    #[inline]
    fn service_time<R: Rng + ?Sized>(&self, busy: u32, rng: &mut R) -> Span {
        let drawn = match self.exponential_mean_s {
            // The common case, inlined: the same arithmetic as `Distribution::sample` (rand_distr's
            // `Exp` multiplies an Exp(1) draw by 1/λ computed as 1/(1/mean)), so the same bits,
            // without rebuilding the distribution per request.
            Some(lambda_inverse_s) => Span::from_secs_f64(rng.sample::<f64, _>(Exp1) * lambda_inverse_s),
            None => self.service.sample(rng),
        };
        let demand = busy as f64 * self.cpu_per_worker;
        if demand > self.cpu_limit {
            Span::from_secs_f64(drawn.as_secs_f64() * demand / self.cpu_limit)
        } else {
            drawn
        }
    }

    /// A request with `tag` arrives at `now`.
    #[inline]
    pub fn arrive<R: Rng + ?Sized>(&mut self, now: SimTime, tag: u64, rng: &mut R) -> Arrival {
        debug_assert!(tag & (ANSWERED | IDLE) == 0, "tag {tag:#x} uses a reserved bit");
        self.arrived += 1;
        if let Some(&worker) = self.idle.last() {
            self.account_busy(now);
            self.idle.pop();
            self.serving[worker as usize] = (now, tag);
            let done_at = now + self.service_time(self.busy(), rng);
            return Arrival::StartedService { worker, done_at };
        }
        if self.queue_limit.is_some_and(|limit| self.queue.len() >= limit) {
            self.rejected += 1;
            return Arrival::Rejected;
        }
        self.queued += 1;
        self.queue.push_back((now, tag));
        Arrival::Queued
    }

    /// `worker` finishes its request at `now`; it starts the next queued request, if any.
    #[inline]
    pub fn complete<R: Rng + ?Sized>(&mut self, worker: u32, now: SimTime, rng: &mut R) -> Completion {
        debug_assert!(!self.idle.contains(&worker), "completion of idle worker {worker}");
        self.completed += 1;
        let (arrived_at, stored) = self.serving[worker as usize];
        let latency = now.since(arrived_at);
        let answered_already = stored & ANSWERED != 0;
        self.answered_in_flight -= answered_already as u32;
        let tag = stored & !ANSWERED;
        match self.queue.pop_front() {
            Some(next) => {
                self.answered_front = self.answered_front.saturating_sub(1);
                // The worker stays busy: no change to the busy count.
                self.serving[worker as usize] = next;
                Completion { latency, tag, answered_already, next_done_at: Some(now + self.service_time(self.busy(), rng)) }
            }
            None => {
                self.account_busy(now);
                self.idle.push(worker);
                self.serving[worker as usize].1 = IDLE;
                Completion { latency, tag, answered_already, next_done_at: None }
            }
        }
    }

    /// The idle timeout: every request that arrived at or before `arrived_by` and is not yet
    /// answered is marked answered, and `answered(arrived_at, tag)` is called for each (the caller
    /// counts its 504). The requests stay where they are; see the module documentation.
    /// `arrived_by` must not decrease between calls (one timeout per target).
    pub fn time_out(&mut self, arrived_by: SimTime, mut answered: impl FnMut(SimTime, u64)) {
        for slot in &mut self.serving {
            if slot.1 & (ANSWERED | IDLE) == 0 && slot.0 <= arrived_by {
                slot.1 |= ANSWERED;
                self.answered_in_flight += 1;
                answered(slot.0, slot.1 & !ANSWERED);
            }
        }
        while let Some(entry) = self.queue.get_mut(self.answered_front) {
            if entry.0 > arrived_by {
                break;
            }
            entry.1 |= ANSWERED;
            self.answered_front += 1;
            self.answered_in_flight += 1;
            answered(entry.0, entry.1 & !ANSWERED);
        }
    }

    /// The arrival time of the oldest request not yet answered, if any: when the next idle
    /// timeout falls due.
    pub fn oldest_unanswered(&self) -> Option<SimTime> {
        let serving = self.serving.iter().filter(|slot| slot.1 & (ANSWERED | IDLE) == 0).map(|slot| slot.0).min();
        let queued = self.queue.get(self.answered_front).map(|e| e.0);
        match (serving, queued) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Calls `f(tag)` for every request in flight that is not yet answered (at the end of a run).
    pub fn for_each_unanswered(&self, mut f: impl FnMut(u64)) {
        for slot in self.serving.iter().filter(|slot| slot.1 & (ANSWERED | IDLE) == 0) {
            f(slot.1);
        }
        for entry in self.queue.iter().skip(self.answered_front) {
            f(entry.1);
        }
    }

    /// Every request in flight is cut at `now` (the task died, or its deregistration delay ran out
    /// with requests still in flight): `cut(arrived_at, tag)` is called for each one not yet
    /// answered (those the idle timeout answered are dropped silently), the workers go idle and
    /// the queue empties. Completions already scheduled for this target must be dropped by the
    /// caller (the simulation bumps the target's generation).
    pub fn abort_all(&mut self, now: SimTime, mut cut: impl FnMut(SimTime, u64)) {
        self.account_busy(now);
        let concurrency = self.serving.len() as u32;
        for slot in &mut self.serving {
            if slot.1 & (ANSWERED | IDLE) == 0 {
                cut(slot.0, slot.1);
            }
            slot.1 = IDLE;
        }
        for (arrived_at, tag) in self.queue.drain(..) {
            if tag & ANSWERED == 0 {
                cut(arrived_at, tag);
            }
        }
        self.answered_front = 0;
        self.answered_in_flight = 0;
        self.idle.clear();
        self.idle.extend((0..concurrency).rev());
    }

    /// CPU unit-µs used since the previous call, up to `now` (0 without the CPU model).
    pub fn take_cpu_time(&mut self, now: SimTime) -> f64 {
        self.account_busy(now);
        std::mem::take(&mut self.cpu_unit_us)
    }

    /// Busy worker-µs since the previous call (or creation), up to `now`; resets the count.
    /// Utilisation over that period = result ÷ (concurrency × period µs).
    pub fn take_busy_time(&mut self, now: SimTime) -> u128 {
        self.account_busy(now);
        std::mem::take(&mut self.busy_us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    fn constant(ms: u64) -> Distribution {
        Distribution::Constant { value: Span::from_millis(ms) }
    }
    fn t(ms: u64) -> SimTime {
        SimTime(ms * 1000)
    }

    #[test]
    fn one_worker_serves_in_fifo_order_and_latency_includes_the_wait() {
        let mut rng = Streams::new(1).get("svc");
        let mut target = Target::new(1, None, constant(10));
        assert_eq!(target.arrive(t(0), 0, &mut rng), Arrival::StartedService { worker: 0, done_at: t(10) });
        assert_eq!(target.arrive(t(2), 0, &mut rng), Arrival::Queued);
        assert_eq!(target.arrive(t(4), 0, &mut rng), Arrival::Queued);
        assert_eq!(target.outstanding(), 3);
        assert_eq!(
            target.complete(0, t(10), &mut rng),
            Completion { tag: 0, answered_already: false, latency: Span::from_millis(10), next_done_at: Some(t(20)) }
        );
        // The request that arrived at 2 ms finishes at 20 ms: 18 ms response time.
        assert_eq!(
            target.complete(0, t(20), &mut rng),
            Completion { tag: 0, answered_already: false, latency: Span::from_millis(18), next_done_at: Some(t(30)) }
        );
        assert_eq!(
            target.complete(0, t(30), &mut rng),
            Completion { tag: 0, answered_already: false, latency: Span::from_millis(26), next_done_at: None }
        );
        assert_eq!(target.outstanding(), 0);
        assert_eq!(target.counters(), (3, 2, 0, 3));
        // Busy 0..30 ms, then idle to 40 ms.
        assert_eq!(target.take_busy_time(t(40)), 30_000);
        assert_eq!(target.take_busy_time(t(50)), 0);
    }

    #[test]
    fn workers_run_in_parallel_and_a_bounded_queue_rejects() {
        let mut rng = Streams::new(1).get("svc");
        let mut target = Target::new(2, Some(1), constant(10));
        assert_eq!(target.arrive(t(0), 0, &mut rng), Arrival::StartedService { worker: 0, done_at: t(10) });
        assert_eq!(target.arrive(t(1), 0, &mut rng), Arrival::StartedService { worker: 1, done_at: t(11) });
        assert_eq!(target.arrive(t(2), 0, &mut rng), Arrival::Queued);
        assert_eq!(target.arrive(t(3), 0, &mut rng), Arrival::Rejected);
        assert_eq!(target.outstanding(), 3);
        // Worker 0 takes the queued request (waited 2..10 ms); worker 1 then goes idle.
        assert_eq!(
            target.complete(0, t(10), &mut rng),
            Completion { tag: 0, answered_already: false, latency: Span::from_millis(10), next_done_at: Some(t(20)) }
        );
        assert_eq!(
            target.complete(1, t(11), &mut rng),
            Completion { tag: 0, answered_already: false, latency: Span::from_millis(10), next_done_at: None }
        );
        assert_eq!(target.arrive(t(12), 0, &mut rng), Arrival::StartedService { worker: 1, done_at: t(22) });
        // Worker 0 busy 0..12 ms, worker 1 busy 1..11 ms.
        assert_eq!(target.take_busy_time(t(12)), 12_000 + 10_000);
        assert_eq!(target.counters(), (5, 1, 1, 2));
    }

    #[test]
    fn tags_come_back_and_abort_cuts_everything_in_flight() {
        let mut rng = Streams::new(1).get("svc");
        let mut target = Target::new(1, None, constant(10));
        target.arrive(t(0), 7, &mut rng);
        target.arrive(t(1), 8, &mut rng);
        target.arrive(t(2), 9, &mut rng);
        assert_eq!(target.complete(0, t(10), &mut rng).tag, 7);
        let mut cut = Vec::new();
        target.abort_all(t(12), |at, tag| cut.push((at, tag)));
        // The request in service (arrived 1 ms, tag 8) and the queued one (2 ms, tag 9).
        assert_eq!(cut, vec![(t(1), 8), (t(2), 9)]);
        assert_eq!(target.outstanding(), 0);
        assert_eq!(target.arrive(t(13), 1, &mut rng), Arrival::StartedService { worker: 0, done_at: t(23) });
    }

    #[test]
    fn a_task_short_of_cpu_serves_slower_and_uses_at_most_its_limit() {
        // 4 workers of 512 units each on a task limited to 1024 units (1 vCPU).
        let mut rng = Streams::new(1).get("svc");
        let mut target = Target::new(4, None, constant(10));
        target.set_cpu(512.0, 1024.0);
        // Workers 1 and 2: demand 512 and 1024 ≤ 1024 → 10 ms each.
        assert_eq!(target.arrive(t(0), 0, &mut rng), Arrival::StartedService { worker: 0, done_at: t(10) });
        assert_eq!(target.arrive(t(0), 0, &mut rng), Arrival::StartedService { worker: 1, done_at: t(10) });
        // Worker 3: demand 1536 > 1024 → stretched by 1.5 → 15 ms.
        assert_eq!(target.arrive(t(0), 0, &mut rng), Arrival::StartedService { worker: 2, done_at: t(15) });
        // CPU over 0..10 ms: min(3 × 512, 1024) × 10,000 µs.
        assert_eq!(target.take_cpu_time(t(10)), 1024.0 * 10_000.0);
    }

    #[test]
    fn the_idle_timeout_answers_old_requests_once_and_the_work_still_happens() {
        // One worker, 10 ms per request; requests at 0, 1, 2 and 3 ms. The load balancer's idle
        // timeout is 5 ms: at 7 ms every request that arrived by 2 ms and is unanswered times out.
        let mut rng = Streams::new(1).get("svc");
        let mut target = Target::new(1, None, constant(10));
        for (ms, tag) in [(0, 10), (1, 11), (2, 12), (3, 13)] {
            target.arrive(t(ms), tag, &mut rng);
        }
        assert_eq!(target.oldest_unanswered(), Some(t(0)));
        let mut answered = Vec::new();
        target.time_out(t(2), |at, tag| answered.push((at, tag)));
        // The one in service (0 ms) and the two queued behind it (1, 2 ms).
        assert_eq!(answered, vec![(t(0), 10), (t(1), 11), (t(2), 12)]);
        assert_eq!((target.outstanding(), target.unanswered()), (4, 1));
        assert_eq!(target.oldest_unanswered(), Some(t(3)));
        // A second call with the same bound answers nothing again.
        target.time_out(t(2), |_, _| panic!("answered twice"));
        // The worker still serves them, in order: each completion says it was answered already.
        let c = target.complete(0, t(10), &mut rng);
        assert!(c.answered_already && c.tag == 10);
        let c = target.complete(0, t(20), &mut rng);
        assert!(c.answered_already && c.tag == 11);
        let c = target.complete(0, t(30), &mut rng);
        assert!(c.answered_already && c.tag == 12);
        // 3 ms arrived after the bound: answered by the target, 37 ms after it arrived.
        let c = target.complete(0, t(40), &mut rng);
        assert_eq!(c, Completion { tag: 13, answered_already: false, latency: Span::from_millis(37), next_done_at: None });
        assert_eq!((target.outstanding(), target.unanswered(), target.oldest_unanswered()), (0, 0, None));
    }

    #[test]
    fn abort_cuts_only_the_unanswered_and_lists_what_is_still_open() {
        let mut rng = Streams::new(1).get("svc");
        let mut target = Target::new(2, None, constant(10));
        for (ms, tag) in [(0, 1), (1, 2), (2, 3), (3, 4)] {
            target.arrive(t(ms), tag, &mut rng);
        }
        target.time_out(t(1), |_, _| {});
        let mut open = Vec::new();
        target.for_each_unanswered(|tag| open.push(tag));
        assert_eq!(open, vec![3, 4]);
        let mut cut = Vec::new();
        target.abort_all(t(5), |_, tag| cut.push(tag));
        assert_eq!(cut, vec![3, 4]);
        assert_eq!((target.outstanding(), target.unanswered(), target.oldest_unanswered()), (0, 0, None));
        assert_eq!(target.arrive(t(6), 5, &mut rng), Arrival::StartedService { worker: 0, done_at: t(16) });
    }
}
