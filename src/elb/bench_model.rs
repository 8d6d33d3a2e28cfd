//! A self-contained driver: N identical targets behind one router, Poisson arrivals.
//!
//! For the criterion bench and the queueing-theory validation (`tests/queueing_theory.rs`), not
//! for scenarios. Arrivals are Poisson (exponential gaps from stream `elb/arrivals`, accumulated
//! in floating point and rounded per arrival so rounding to the µs adds no bias); service times
//! come from the targets' [`Distribution`] (stream `elb/service`); random routing draws from
//! `elb/route`. The event queue holds one pending arrival and at most one completion per busy
//! worker; each request is two events; nothing is allocated per request.
//!
//! The first `warmup` arrivals are discarded: response times are recorded for requests that
//! arrived at or after the `warmup`-th arrival, and P(wait > 0) counts those arrivals only.
//! After the last arrival the queues drain (with FIFO service, a request's response time does
//! not depend on later arrivals, so no end bias).

use super::histogram::Histogram;
use super::routing::Router;
use super::target::{Arrival, Target};
use crate::engine::{EventQueue, SimTime, Span, Streams};
use crate::workload::distribution::Distribution;
use rand_distr::{Distribution as _, Exp};

/// Which algorithm routes requests (weights are all 1 for weighted random).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    RoundRobin,
    Random,
    LeastOutstanding,
    WeightedRandom,
}

/// One run of the model.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub targets: usize,
    /// Workers per target.
    pub concurrency: u32,
    /// Requests per second over all targets.
    pub arrival_rate: f64,
    pub service: Distribution,
    pub algorithm: Algorithm,
    /// `None`: unbounded queues.
    pub queue_limit: Option<usize>,
    /// Arrivals measured (after the warm-up).
    pub requests: u64,
    /// Arrivals discarded first.
    pub warmup: u64,
    pub seed: u64,
}

impl ModelConfig {
    /// Offered load per worker: λ · E[S] / (targets · concurrency).
    pub fn utilisation(&self) -> f64 {
        self.arrival_rate * self.service.mean().as_secs_f64() / (self.targets as f64 * self.concurrency as f64)
    }
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct ModelResult {
    /// Response times (seconds) of the measured requests that were served.
    pub mean_response: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    /// Fraction of measured arrivals that found every worker of their target busy (queued or
    /// rejected).
    pub p_wait: f64,
    /// Measured arrivals rejected by a full queue.
    pub rejected: u64,
    /// Busy worker-time ÷ (workers × simulated time), over the whole run.
    pub utilisation: f64,
    /// Heap events handled (two per request).
    pub events: u64,
    pub histogram: Histogram,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Completion { target: u32, worker: u32 },
}

/// Runs the model to the end (all `warmup + requests` arrivals served or rejected).
pub fn run(config: &ModelConfig) -> ModelResult {
    let streams = Streams::new(config.seed);
    let mut arrival_rng = streams.get("elb/arrivals");
    let mut service_rng = streams.get("elb/service");
    let mut route_rng = streams.get("elb/route");
    // Gaps in µs.
    let gap = Exp::new(config.arrival_rate / 1e6).expect("arrival rate must be positive and finite");

    let mut targets: Vec<Target> =
        (0..config.targets).map(|_| Target::new(config.concurrency, config.queue_limit, config.service.clone())).collect();
    let eligible: Vec<u32> = (0..config.targets as u32).collect();
    let mut router = match config.algorithm {
        Algorithm::RoundRobin => Router::RoundRobin(Default::default()),
        Algorithm::Random => Router::Random,
        Algorithm::LeastOutstanding => Router::LeastOutstanding,
        Algorithm::WeightedRandom => Router::WeightedRandom(vec![1.0; config.targets]),
    };

    let total = config.warmup + config.requests;
    let mut queue: EventQueue<Event> = EventQueue::new();
    let mut histogram = Histogram::new();
    let mut next_arrival_us = gap.sample(&mut arrival_rng);
    let mut arrivals = 0u64;
    let mut measured_from = SimTime(u64::MAX);
    let (mut waited, mut rejected) = (0u64, 0u64);
    if total > 0 {
        queue.schedule(SimTime(next_arrival_us.round() as u64), Event::Arrival);
    }

    while let Some((now, event)) = queue.pop() {
        match event {
            Event::Arrival => {
                if arrivals == config.warmup {
                    measured_from = now;
                }
                let measured = arrivals >= config.warmup;
                arrivals += 1;
                if arrivals < total {
                    next_arrival_us += gap.sample(&mut arrival_rng);
                    queue.schedule(SimTime((next_arrival_us.round() as u64).max(now.as_micros())), Event::Arrival);
                }
                let Some(target) = router.pick(&eligible, &targets, &mut route_rng) else { continue };
                match targets[target as usize].arrive(now, 0, &mut service_rng) {
                    Arrival::StartedService { worker, done_at } => queue.schedule(done_at, Event::Completion { target, worker }),
                    Arrival::Queued => waited += measured as u64,
                    Arrival::Rejected => {
                        waited += measured as u64;
                        rejected += measured as u64;
                    }
                }
            }
            Event::Completion { target, worker } => {
                let done = targets[target as usize].complete(worker, now, &mut service_rng);
                if now.as_micros() - done.latency.as_micros() >= measured_from.as_micros() {
                    histogram.record(done.latency);
                }
                if let Some(at) = done.next_done_at {
                    queue.schedule(at, Event::Completion { target, worker });
                }
            }
        }
    }

    let end = queue.now();
    let busy: u128 = targets.iter_mut().map(|t| t.take_busy_time(end)).sum();
    let workers = (config.targets as u64 * config.concurrency as u64) as f64;
    let secs = |s: Option<Span>| s.map_or(0.0, Span::as_secs_f64);
    ModelResult {
        mean_response: histogram.mean_secs().unwrap_or(0.0),
        p50: secs(histogram.percentile(50.0)),
        p90: secs(histogram.percentile(90.0)),
        p99: secs(histogram.percentile(99.0)),
        p_wait: if config.requests > 0 { waited as f64 / config.requests as f64 } else { 0.0 },
        rejected,
        utilisation: if end.as_micros() > 0 { busy as f64 / (workers * end.as_micros() as f64) } else { 0.0 },
        events: queue.events_popped(),
        histogram,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(algorithm: Algorithm) -> ModelConfig {
        ModelConfig {
            targets: 4,
            concurrency: 2,
            arrival_rate: 400.0,
            service: Distribution::Exponential { mean: Span::from_millis(10) },
            algorithm,
            queue_limit: None,
            requests: 20_000,
            warmup: 1_000,
            seed: 1,
        }
    }

    #[test]
    fn every_request_is_two_events_and_runs_repeat_exactly() {
        for algorithm in [Algorithm::RoundRobin, Algorithm::Random, Algorithm::LeastOutstanding, Algorithm::WeightedRandom] {
            let c = config(algorithm);
            let a = run(&c);
            assert_eq!(a.events, 2 * (c.requests + c.warmup), "{algorithm:?}");
            assert!(a.histogram.count().abs_diff(c.requests) < 50, "{algorithm:?}: {}", a.histogram.count());
            assert!((a.utilisation - c.utilisation()).abs() < 0.05, "{algorithm:?}: {}", a.utilisation);
            let b = run(&c);
            assert_eq!((a.mean_response, a.p99, a.p_wait), (b.mean_response, b.p99, b.p_wait));
        }
    }

    #[test]
    fn least_outstanding_waits_less_than_random() {
        let lor = run(&config(Algorithm::LeastOutstanding));
        let random = run(&config(Algorithm::Random));
        assert!(lor.mean_response < random.mean_response, "{} vs {}", lor.mean_response, random.mean_response);
        assert!(lor.p_wait < random.p_wait);
    }

    #[test]
    fn a_bounded_queue_rejects_under_overload() {
        let mut c = config(Algorithm::RoundRobin);
        c.arrival_rate = 1600.0; // ρ = 2
        c.queue_limit = Some(5);
        let r = run(&c);
        // Each target serves at most 200/s of its 400/s: about half is rejected.
        assert!((r.rejected as f64 / c.requests as f64 - 0.5).abs() < 0.05, "{}", r.rejected);
        assert!(r.mean_response < 0.010 * 5.0);
    }
}
