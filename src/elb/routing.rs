//! Choosing a target for a request (docs/ecs-model.md#target-selection, step 4).
//!
//! Each algorithm picks from a slice of eligible target indices (the caller keeps that slice up
//! to date as targets become healthy, drain or leave) and returns `None` only when the slice is
//! empty (the ALB then answers 503). Nothing is allocated per request; random choices draw from
//! the stream the caller passes (the simulator's `alb-route`).
//!
//! * [`RoundRobin`]: one cursor cycling over the eligible slice in order.
//! * [`Random`]: uniform over the slice.
//! * [`LeastOutstanding`]: fewest in-flight requests; ties are broken uniformly at random
//!   (docs/ecs-model.md#target-selection, ecsim's choice, stream `alb-route`) by reservoir sampling in the same pass: no allocation, and a
//!   draw only when a tie is met. With the scenario's `tie_break = "first"`, the first tied
//!   target of the slice (registration order) wins and nothing is drawn (docs/ecs-model.md#simulated-time).
//! * [`WeightedRandom`]: probability ∝ weight (two passes over the slice, no allocation).

use super::target::Target;
use rand::Rng;

/// Round robin: a cursor over the eligible slice.
#[derive(Debug, Clone, Default)]
pub struct RoundRobin {
    cursor: usize,
}

impl RoundRobin {
    pub fn new() -> Self {
        RoundRobin { cursor: 0 }
    }

    /// The next eligible target. If the slice shrank, the cursor wraps.
    #[inline]
    pub fn pick(&mut self, eligible: &[u32]) -> Option<u32> {
        if eligible.is_empty() {
            return None;
        }
        if self.cursor >= eligible.len() {
            self.cursor = 0;
        }
        let chosen = eligible[self.cursor];
        self.cursor += 1;
        Some(chosen)
    }
}

/// Uniform random choice.
#[derive(Debug, Clone, Copy, Default)]
pub struct Random;

impl Random {
    #[inline]
    pub fn pick<R: Rng + ?Sized>(eligible: &[u32], rng: &mut R) -> Option<u32> {
        match eligible.len() {
            0 => None,
            1 => Some(eligible[0]),
            n => Some(eligible[rng.gen_range(0..n)]),
        }
    }
}

/// Least outstanding requests (busy + queued), ties uniformly at random.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeastOutstanding;

impl LeastOutstanding {
    /// One pass: keep the least-loaded target seen; the k-th target tying with it replaces it with
    /// probability 1/k (reservoir sampling), so each tied target is chosen with equal probability.
    #[inline]
    pub fn pick<R: Rng + ?Sized>(eligible: &[u32], targets: &[Target], rng: &mut R) -> Option<u32> {
        Self::pick_with(eligible, targets, rng, false)
    }

    /// `pick` with the scenario's tie break: `first_on_tie` (`tie_break = "first"`) keeps the
    /// first of the tied targets in the slice's order (registration order) and draws nothing.
    #[inline]
    pub fn pick_with<R: Rng + ?Sized>(eligible: &[u32], targets: &[Target], rng: &mut R, first_on_tie: bool) -> Option<u32> {
        let mut best: Option<(u32, u32)> = None;
        let mut ties = 0u32;
        for &i in eligible {
            // What the load balancer still waits on: a request its idle timeout answered is no
            // longer outstanding to it, though the task may still be working on it.
            let load = targets[i as usize].unanswered();
            match best {
                Some((_, b)) if load > b => {}
                Some((_, b)) if load == b && first_on_tie => {}
                Some((_, b)) if load == b => {
                    ties += 1;
                    if rng.gen_range(0..ties) == 0 {
                        best = Some((i, load));
                    }
                }
                _ => {
                    best = Some((i, load));
                    ties = 1;
                }
            }
        }
        best.map(|(i, _)| i)
    }
}

/// Weighted random: probability ∝ `weights[target]` (weights ≤ 0 or NaN never chosen, unless
/// every weight is, in which case the choice is uniform).
#[derive(Debug, Clone, Copy, Default)]
pub struct WeightedRandom;

impl WeightedRandom {
    #[inline]
    pub fn pick<R: Rng + ?Sized>(eligible: &[u32], weights: &[f64], rng: &mut R) -> Option<u32> {
        let weight = |i: u32| {
            let w = weights[i as usize];
            if w > 0.0 {
                w
            } else {
                0.0
            }
        };
        let total: f64 = eligible.iter().map(|&i| weight(i)).sum();
        if total <= 0.0 || !total.is_finite() {
            return Random::pick(eligible, rng);
        }
        let mut x = rng.gen::<f64>() * total;
        let mut last_positive = None;
        for &i in eligible {
            let w = weight(i);
            if w > 0.0 {
                if x < w {
                    return Some(i);
                }
                x -= w;
                last_positive = Some(i);
            }
        }
        // Rounding left x just above the last weight.
        last_positive
    }
}

/// The algorithm of a target group, with its state.
#[derive(Debug, Clone)]
pub enum Router {
    RoundRobin(RoundRobin),
    Random,
    LeastOutstanding,
    /// Weights indexed by target number.
    WeightedRandom(Vec<f64>),
}

impl Router {
    /// One choice among `eligible`, looking at `targets` for least-outstanding-requests.
    #[inline]
    pub fn pick<R: Rng + ?Sized>(&mut self, eligible: &[u32], targets: &[Target], rng: &mut R) -> Option<u32> {
        match self {
            Router::RoundRobin(rr) => rr.pick(eligible),
            Router::Random => Random::pick(eligible, rng),
            Router::LeastOutstanding => LeastOutstanding::pick(eligible, targets, rng),
            Router::WeightedRandom(weights) => WeightedRandom::pick(eligible, weights, rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SimTime, Span, Streams};
    use crate::workload::distribution::Distribution;

    #[test]
    fn round_robin_cycles_and_wraps_when_the_set_shrinks() {
        let mut rr = RoundRobin::new();
        let picks: Vec<u32> = (0..5).filter_map(|_| rr.pick(&[3, 5, 7])).collect();
        assert_eq!(picks, vec![3, 5, 7, 3, 5]);
        assert_eq!(rr.pick(&[3]), Some(3));
        assert_eq!(rr.pick(&[]), None);
    }

    #[test]
    fn random_is_uniform_enough() {
        let mut rng = Streams::new(7).get("alb-route");
        let mut hits = [0u32; 4];
        for _ in 0..40_000 {
            hits[Random::pick(&[0, 1, 2, 3], &mut rng).unwrap() as usize] += 1;
        }
        // Binomial(40000, 1/4): sd ≈ 87; 5 sd = 435.
        assert!(hits.iter().all(|&h| h.abs_diff(10_000) < 435), "{hits:?}");
        assert_eq!(Random::pick(&[], &mut rng), None);
    }

    #[test]
    fn least_outstanding_does_not_count_requests_the_idle_timeout_answered() {
        // Target 0 still works on 3 requests that arrived at 0 s; the load balancer gave up on
        // them at its timeout (answered 504), so to it target 0 has none outstanding, target 1
        // one (arrived at 5 s, not yet timed out).
        let mut rng = Streams::new(1).get("svc");
        let mut route = Streams::new(1).get("alb-route");
        let service = Distribution::Constant { value: Span::from_secs(100) };
        let mut targets: Vec<Target> = (0..2).map(|_| Target::new(1, None, service.clone())).collect();
        for _ in 0..3 {
            targets[0].arrive(SimTime::ZERO, 0, &mut rng);
        }
        targets[1].arrive(SimTime::from_secs(5), 0, &mut rng);
        targets[0].time_out(SimTime::ZERO, |_, _| {});
        assert_eq!((targets[0].outstanding(), targets[0].unanswered()), (3, 0));
        assert_eq!(LeastOutstanding::pick(&[0, 1], &targets, &mut route), Some(0));
    }

    #[test]
    fn least_outstanding_takes_the_fewest_in_flight_and_breaks_ties_at_random() {
        let mut rng = Streams::new(1).get("svc");
        let mut route = Streams::new(1).get("alb-route");
        let service = Distribution::Constant { value: Span::from_secs(1) };
        let mut targets: Vec<Target> = (0..3).map(|_| Target::new(1, None, service.clone())).collect();
        targets[0].arrive(SimTime::ZERO, 0, &mut rng);
        targets[0].arrive(SimTime::ZERO, 0, &mut rng);
        targets[1].arrive(SimTime::ZERO, 0, &mut rng);
        targets[2].arrive(SimTime::ZERO, 0, &mut rng);
        assert_eq!(LeastOutstanding::pick(&[0, 1, 2], &targets, &mut route).map(|i| i != 0), Some(true));
        assert_eq!(LeastOutstanding::pick(&[0], &targets, &mut route), Some(0));
        assert_eq!(LeastOutstanding::pick(&[], &targets, &mut route), None);
        // Targets 1 and 2 tie at one in flight: each wins about half of 20,000 picks
        // (binomial sd ≈ 71; 5 sd = 354).
        let wins_1 = (0..20_000).filter(|_| LeastOutstanding::pick(&[0, 1, 2], &targets, &mut route) == Some(1)).count();
        assert!(wins_1.abs_diff(10_000) < 354, "{wins_1}");
    }

    /// `tie_break = "first"` (docs/ecs-model.md#simulated-time: "targets by registration order"): of the targets with the
    /// fewest outstanding requests, the first registered wins every time, and the route stream
    /// is not drawn from.
    #[test]
    fn least_outstanding_with_first_on_tie_takes_the_first_registered() {
        let mut rng = Streams::new(1).get("svc");
        let mut route = Streams::new(1).get("alb-route");
        let untouched = Streams::new(1).get("alb-route");
        let service = Distribution::Constant { value: Span::from_secs(1) };
        let mut targets: Vec<Target> = (0..4).map(|_| Target::new(1, None, service.clone())).collect();
        // In flight: target 0 → 1, targets 1, 2, 3 → 0. Slice in registration order 0, 2, 1, 3
        // (target 2 registered before 1): the first tied at 0 in flight is 2.
        targets[0].arrive(SimTime::ZERO, 0, &mut rng);
        for _ in 0..1000 {
            assert_eq!(LeastOutstanding::pick_with(&[0, 2, 1, 3], &targets, &mut route, true), Some(2));
        }
        assert_eq!(route, untouched, "no draw with first_on_tie");
        // The least loaded still wins over an earlier, busier target.
        assert_eq!(LeastOutstanding::pick_with(&[0, 3], &targets, &mut route, true), Some(3));
    }

    #[test]
    fn weighted_random_follows_the_weights() {
        let mut rng = Streams::new(7).get("alb-route");
        let weights = [1.0, 3.0, 0.0, -1.0];
        let mut hits = [0u32; 4];
        for _ in 0..40_000 {
            hits[WeightedRandom::pick(&[0, 1, 2, 3], &weights, &mut rng).unwrap() as usize] += 1;
        }
        // Binomial(40000, 1/4): sd ≈ 87; 5 sd = 435.
        assert!(hits[0].abs_diff(10_000) < 435 && hits[2] == 0 && hits[3] == 0, "{hits:?}");
        // All weights zero: uniform.
        assert!(WeightedRandom::pick(&[2, 3], &weights, &mut rng).is_some());
    }
}
