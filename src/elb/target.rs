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
//! Each request carries a `tag` (the simulation uses the target group it came through) that comes
//! back with its completion, so per-target-group metrics need no per-request storage elsewhere.
//!
//! **CPU** ([`Target::set_cpu`]): a busy worker wants `cpu_per_worker` CPU units; the task may use
//! at most `cpu_limit` units. While `busy × cpu_per_worker ≤ cpu_limit` a request takes its drawn
//! service time. When a worker starts a request with more demand than the limit, the request is
//! stretched by `demand ÷ limit` (processor sharing, fixed at the start of service: the factor is
//! not revised when other workers finish — a deliberate simplification that keeps a request at one
//! completion event). CPU used is integrated as `min(busy × cpu_per_worker, cpu_limit)` over time,
//! so utilisation never exceeds the limit.

use crate::engine::{SimTime, Span, StreamRng};
use crate::workload::distribution::Distribution;
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
    /// The finished request's tag.
    pub tag: u32,
    /// When the same worker finishes the request it took from the queue, if any: schedule its
    /// completion (same worker number) at this time.
    pub next_done_at: Option<SimTime>,
}

/// A target serving requests; see the module documentation.
#[derive(Debug, Clone)]
pub struct Target {
    service: Distribution,
    /// Arrival time and tag of the request each worker is serving (meaningful only while busy).
    serving: Vec<(SimTime, u32)>,
    /// Idle workers (a stack, so the lowest numbers are used first after a reset).
    idle: Vec<u32>,
    queue: VecDeque<(SimTime, u32)>,
    queue_limit: Option<usize>,
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
    /// distribution. The queue is preallocated to its bound (at most 4096 entries; an unbounded
    /// or larger queue grows by doubling, amortised, never per request).
    pub fn new(concurrency: u32, queue_limit: Option<usize>, service: Distribution) -> Self {
        let concurrency = concurrency.max(1);
        let capacity = queue_limit.unwrap_or(1024).min(4096);
        Target {
            service,
            serving: vec![(SimTime::ZERO, 0); concurrency as usize],
            idle: (0..concurrency).rev().collect(),
            queue: VecDeque::with_capacity(capacity),
            queue_limit,
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
    /// In-flight requests (being served + waiting): what least-outstanding-requests compares.
    #[inline]
    pub fn outstanding(&self) -> u32 {
        self.busy() + self.queue.len() as u32
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
    fn service_time(&self, busy: u32, rng: &mut StreamRng) -> Span {
        let drawn = self.service.sample(rng);
        let demand = busy as f64 * self.cpu_per_worker;
        if demand > self.cpu_limit {
            Span::from_secs_f64(drawn.as_secs_f64() * demand / self.cpu_limit)
        } else {
            drawn
        }
    }

    /// A request with `tag` arrives at `now`.
    #[inline]
    pub fn arrive(&mut self, now: SimTime, tag: u32, rng: &mut StreamRng) -> Arrival {
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
    pub fn complete(&mut self, worker: u32, now: SimTime, rng: &mut StreamRng) -> Completion {
        debug_assert!(!self.idle.contains(&worker), "completion of idle worker {worker}");
        self.completed += 1;
        let (arrived_at, tag) = self.serving[worker as usize];
        let latency = now.since(arrived_at);
        match self.queue.pop_front() {
            Some(next) => {
                // The worker stays busy: no change to the busy count.
                self.serving[worker as usize] = next;
                Completion { latency, tag, next_done_at: Some(now + self.service_time(self.busy(), rng)) }
            }
            None => {
                self.account_busy(now);
                self.idle.push(worker);
                Completion { latency, tag, next_done_at: None }
            }
        }
    }

    /// Every request in flight is cut at `now` (the task died, or its deregistration delay ran out
    /// with requests still in flight): `cut(arrived_at, tag)` is called for each, the workers go
    /// idle and the queue empties. Completions already scheduled for this target must be dropped
    /// by the caller (the simulation bumps the target's generation).
    pub fn abort_all(&mut self, now: SimTime, mut cut: impl FnMut(SimTime, u32)) {
        self.account_busy(now);
        let concurrency = self.serving.len() as u32;
        let mut is_idle = vec![false; concurrency as usize];
        for &w in &self.idle {
            is_idle[w as usize] = true;
        }
        for (w, &(arrived_at, tag)) in self.serving.iter().enumerate() {
            if !is_idle[w] {
                cut(arrived_at, tag);
            }
        }
        for (arrived_at, tag) in self.queue.drain(..) {
            cut(arrived_at, tag);
        }
        self.idle = (0..concurrency).rev().collect();
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
        assert_eq!(target.complete(0, t(10), &mut rng), Completion { tag: 0, latency: Span::from_millis(10), next_done_at: Some(t(20)) });
        // The request that arrived at 2 ms finishes at 20 ms: 18 ms response time.
        assert_eq!(target.complete(0, t(20), &mut rng), Completion { tag: 0, latency: Span::from_millis(18), next_done_at: Some(t(30)) });
        assert_eq!(target.complete(0, t(30), &mut rng), Completion { tag: 0, latency: Span::from_millis(26), next_done_at: None });
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
        assert_eq!(target.complete(0, t(10), &mut rng), Completion { tag: 0, latency: Span::from_millis(10), next_done_at: Some(t(20)) });
        assert_eq!(target.complete(1, t(11), &mut rng), Completion { tag: 0, latency: Span::from_millis(10), next_done_at: None });
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
}
