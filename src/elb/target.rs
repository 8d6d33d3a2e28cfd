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
    /// When the same worker finishes the request it took from the queue, if any: schedule its
    /// completion (same worker number) at this time.
    pub next_done_at: Option<SimTime>,
}

/// A target serving requests; see the module documentation.
#[derive(Debug, Clone)]
pub struct Target {
    service: Distribution,
    /// Arrival time of the request each worker is serving (meaningful only while busy).
    serving: Vec<SimTime>,
    /// Idle workers (a stack, so the lowest numbers are used first after a reset).
    idle: Vec<u32>,
    queue: VecDeque<SimTime>,
    queue_limit: Option<usize>,
    // Busy-time accounting.
    busy_since_change: SimTime,
    busy_us: u128,
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
            serving: vec![SimTime::ZERO; concurrency as usize],
            idle: (0..concurrency).rev().collect(),
            queue: VecDeque::with_capacity(capacity),
            queue_limit,
            busy_since_change: SimTime::ZERO,
            busy_us: 0,
            arrived: 0,
            queued: 0,
            rejected: 0,
            completed: 0,
        }
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
        let busy = self.busy() as u128;
        self.busy_us += busy * now.since(self.busy_since_change).as_micros() as u128;
        self.busy_since_change = now;
    }

    /// A request arrives at `now`.
    #[inline]
    pub fn arrive(&mut self, now: SimTime, rng: &mut StreamRng) -> Arrival {
        self.arrived += 1;
        if let Some(&worker) = self.idle.last() {
            self.account_busy(now);
            self.idle.pop();
            self.serving[worker as usize] = now;
            let done_at = now + self.service.sample(rng);
            return Arrival::StartedService { worker, done_at };
        }
        if self.queue_limit.is_some_and(|limit| self.queue.len() >= limit) {
            self.rejected += 1;
            return Arrival::Rejected;
        }
        self.queued += 1;
        self.queue.push_back(now);
        Arrival::Queued
    }

    /// `worker` finishes its request at `now`; it starts the next queued request, if any.
    #[inline]
    pub fn complete(&mut self, worker: u32, now: SimTime, rng: &mut StreamRng) -> Completion {
        debug_assert!(!self.idle.contains(&worker), "completion of idle worker {worker}");
        self.completed += 1;
        let latency = now.since(self.serving[worker as usize]);
        match self.queue.pop_front() {
            Some(arrived_at) => {
                // The worker stays busy: no change to the busy count.
                self.serving[worker as usize] = arrived_at;
                Completion { latency, next_done_at: Some(now + self.service.sample(rng)) }
            }
            None => {
                self.account_busy(now);
                self.idle.push(worker);
                Completion { latency, next_done_at: None }
            }
        }
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
        assert_eq!(target.arrive(t(0), &mut rng), Arrival::StartedService { worker: 0, done_at: t(10) });
        assert_eq!(target.arrive(t(2), &mut rng), Arrival::Queued);
        assert_eq!(target.arrive(t(4), &mut rng), Arrival::Queued);
        assert_eq!(target.outstanding(), 3);
        assert_eq!(target.complete(0, t(10), &mut rng), Completion { latency: Span::from_millis(10), next_done_at: Some(t(20)) });
        // The request that arrived at 2 ms finishes at 20 ms: 18 ms response time.
        assert_eq!(target.complete(0, t(20), &mut rng), Completion { latency: Span::from_millis(18), next_done_at: Some(t(30)) });
        assert_eq!(target.complete(0, t(30), &mut rng), Completion { latency: Span::from_millis(26), next_done_at: None });
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
        assert_eq!(target.arrive(t(0), &mut rng), Arrival::StartedService { worker: 0, done_at: t(10) });
        assert_eq!(target.arrive(t(1), &mut rng), Arrival::StartedService { worker: 1, done_at: t(11) });
        assert_eq!(target.arrive(t(2), &mut rng), Arrival::Queued);
        assert_eq!(target.arrive(t(3), &mut rng), Arrival::Rejected);
        assert_eq!(target.outstanding(), 3);
        // Worker 0 takes the queued request (waited 2..10 ms); worker 1 then goes idle.
        assert_eq!(target.complete(0, t(10), &mut rng), Completion { latency: Span::from_millis(10), next_done_at: Some(t(20)) });
        assert_eq!(target.complete(1, t(11), &mut rng), Completion { latency: Span::from_millis(10), next_done_at: None });
        assert_eq!(target.arrive(t(12), &mut rng), Arrival::StartedService { worker: 1, done_at: t(22) });
        // Worker 0 busy 0..12 ms, worker 1 busy 1..11 ms.
        assert_eq!(target.take_busy_time(t(12)), 12_000 + 10_000);
        assert_eq!(target.counters(), (5, 1, 1, 2));
    }
}
