//! The arrivals generator: a non-homogeneous Poisson process drawn by exact inversion of a
//! [`RateProfile`]'s integrated rate, one Exp(1) draw per arrival, with a cursor on the curve
//! so that consecutive arrivals cost O(1).

use super::RateProfile;
use crate::engine::SimTime;
use rand::Rng;
use rand_distr::Exp1;

/// A non-homogeneous Poisson process following a [`RateProfile`]: arrivals by exact inversion
/// of the integrated rate.
///
/// The generator keeps the exact (f64 seconds) time of the last arrival and where it is on the
/// curve (the segment cursor). Each returned time is that exact time rounded to the nearest
/// microsecond, so rounding never accumulates. If `next_after` is called with the time it
/// returned last, it continues from the exact time; with any other `now` it restarts from
/// `now` (a binary search), which the memoryless property makes equally correct.
#[derive(Debug, Clone)]
pub struct PoissonArrivals {
    profile: RateProfile,
    /// Knot index starting the segment that holds `local_s`.
    segment: usize,
    /// Whole periods elapsed (always 0 for a curve that does not repeat).
    cycle: u64,
    /// Exact time within the current period (absolute time if the curve does not repeat).
    local_s: f64,
    /// The last time returned, to recognise a call that continues from it.
    last: Option<SimTime>,
    /// The segment holding `local_s` when its rate is flat and positive: (rate per s, its end
    /// in local seconds; infinite for the constant rate after the last knot of a curve that
    /// does not repeat); rate 0 when it is not. `next_after`'s fast path (see there).
    flat: (f64, f64),
}

impl PoissonArrivals {
    pub fn new(profile: RateProfile) -> PoissonArrivals {
        PoissonArrivals { profile, segment: 0, cycle: 0, local_s: 0.0, last: None, flat: (0.0, 0.0) }
    }

    pub fn profile(&self) -> &RateProfile {
        &self.profile
    }

    /// The first arrival after `now`, or `None` if the rate is 0 from `now` on forever (or the
    /// next arrival is beyond the end of simulated time). Takes exactly one Exp(1) draw from
    /// `rng` per call. Two arrivals closer than half a microsecond round to the same time, so
    /// at very high rates the result can equal `now`.
    pub fn next_after<R: Rng + ?Sized>(&mut self, now: SimTime, rng: &mut R) -> Option<SimTime> {
        if self.last != Some(now) {
            self.seek(now.as_secs_f64());
            self.flat = self.flat_segment();
        }
        let exp: f64 = rng.sample(Exp1);
        let (rate, end_s) = self.flat;
        // The fast path, taken when the arrival falls in the flat segment the cursor is in (every
        // arrival of a constant or step rate but the one crossing a step): exactly the first
        // pass of `advance`'s loop there — the same operations in the same order, so the same
        // bits — without walking the curve. Otherwise `advance` starts from the same state.
        let t_s = if rate > 0.0 && self.local_s < end_s && rate * (end_s - self.local_s) >= exp {
            self.local_s = (self.local_s + exp / rate).min(end_s);
            Some(self.absolute_s())
        } else {
            let t_s = self.advance(exp);
            self.flat = self.flat_segment();
            t_s
        };
        let at = t_s.and_then(|t_s| {
            // Round half up without a libm call (t_s ≥ 0), as `Span::from_secs_f64`.
            let us = t_s * 1e6 + 0.5;
            (us < u64::MAX as f64).then_some(SimTime(us as u64))
        });
        self.last = at;
        at
    }

    /// The fast path's view of the segment holding `local_s` (`flat`).
    fn flat_segment(&self) -> (f64, f64) {
        let curve = self.profile.curve();
        let (times, rates) = (&curve.times_s, &curve.rates_per_s);
        let last = times.len() - 1;
        if self.segment < last {
            let r = rates[self.segment];
            if r == rates[self.segment + 1] && r > 0.0 {
                return (r, times[self.segment + 1]);
            }
        } else if curve.period_s.is_none() && rates[last] > 0.0 {
            // `advance` adds exp / r with no end; min(x, ∞) = x and r·∞ ≥ exp keep the bits.
            return (rates[last], f64::INFINITY);
        }
        (0.0, 0.0)
    }

    fn seek(&mut self, t_s: f64) {
        let curve = self.profile.curve();
        let (cycles, local) = curve.fold(t_s);
        self.cycle = cycles as u64;
        self.local_s = local;
        self.segment = curve.segment_of(local);
    }

    /// Moves the cursor forward until Λ has grown by `exp`; returns the absolute time reached,
    /// or `None` if Λ never grows that much.
    fn advance(&mut self, mut exp: f64) -> Option<f64> {
        let curve = self.profile.curve();
        let (times, rates) = (&curve.times_s, &curve.rates_per_s);
        let last = times.len() - 1;
        loop {
            if self.segment >= last {
                match curve.period_s {
                    None => {
                        // Constant after the last knot: Λ grows linearly (or never).
                        let r = rates[last];
                        if r <= 0.0 {
                            return None;
                        }
                        self.local_s += exp / r;
                        return Some(self.local_s);
                    }
                    Some(_) => {
                        let per_period = curve.cumulative[last];
                        if per_period <= 0.0 {
                            return None;
                        }
                        self.cycle += 1;
                        self.segment = 0;
                        self.local_s = 0.0;
                        // Skip whole periods at once (a tiny rate would otherwise walk every knot
                        // of many periods).
                        let skip = (exp / per_period).floor();
                        if skip >= 1.0 {
                            self.cycle = self.cycle.saturating_add(skip as u64);
                            exp = (exp - skip * per_period).max(0.0);
                        }
                        continue;
                    }
                }
            }
            let (t0, t1) = (times[self.segment], times[self.segment + 1]);
            if t1 <= self.local_s {
                // A jump (zero-length segment), or the arrival before ended exactly here.
                self.segment += 1;
                self.local_s = self.local_s.max(t1);
                continue;
            }
            let (r0, r1) = (rates[self.segment], rates[self.segment + 1]);
            if r0 == r1 && r0 > 0.0 {
                // A flat segment (every step, every constant rate): τ = exp / r. The general
                // formula below gives the same bits here (√(r²) = r exactly in IEEE arithmetic,
                // and 2·exp / 2r = exp / r), so this is only the cheap way to the same answer.
                let to_end = r0 * (t1 - self.local_s);
                if to_end < exp {
                    exp -= to_end;
                    self.segment += 1;
                    self.local_s = t1;
                    continue;
                }
                self.local_s = (self.local_s + exp / r0).min(t1);
                return Some(self.absolute_s());
            }
            let slope = (r1 - r0) / (t1 - t0);
            let r = (rates[self.segment] + slope * (self.local_s - t0)).max(0.0);
            let to_end = (r + rates[self.segment + 1]) / 2.0 * (t1 - self.local_s);
            if to_end < exp {
                exp -= to_end;
                self.segment += 1;
                self.local_s = t1;
                continue;
            }
            // Solve r·τ + slope·τ²/2 = exp for the smallest τ ≥ 0, in the form that does not
            // cancel: τ = 2·exp / (r + √(r² + 2·slope·exp)). It covers slope 0 (τ = exp/r),
            // r = 0 (τ = √(2·exp/slope)) and falling rates (the root is real because exp ≤ to_end).
            let denominator = r + (r * r + 2.0 * slope * exp).max(0.0).sqrt();
            if denominator <= 0.0 {
                self.segment += 1;
                self.local_s = t1;
                continue;
            }
            self.local_s = (self.local_s + 2.0 * exp / denominator).min(t1);
            return Some(self.absolute_s());
        }
    }

    fn absolute_s(&self) -> f64 {
        match self.profile.curve().period_s {
            None => self.local_s,
            Some(p) => self.cycle as f64 * p + self.local_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Span;

    fn secs(s: u64) -> Span {
        Span::from_secs(s)
    }

    #[test]
    fn inversion_lands_where_the_integral_says() {
        // Ramp 0 → 10/s over 100 s: rate t/10, Λ(t) = t²/20. Λ(t) = 5 → t = 10 s; from there a
        // further 15 → t²/20 = 20 → t = 20 s.
        let p = RateProfile::piecewise_linear(&[(secs(0), 0.0), (secs(100), 10.0)]).unwrap();
        let mut g = PoissonArrivals::new(p);
        g.seek(0.0);
        assert!((g.advance(5.0).unwrap() - 10.0).abs() < 1e-9);
        assert!((g.advance(15.0).unwrap() - 20.0).abs() < 1e-9);
        // Past the ramp the rate stays 10/s: Λ(100) = 500; 510 is reached 1 s later.
        g.seek(0.0);
        assert!((g.advance(510.0).unwrap() - 101.0).abs() < 1e-9);
    }

    #[test]
    fn inversion_crosses_jumps_and_periods() {
        // Steps: 0/s for 10 s, then 2/s. Λ grows by 4 in 2 s after the jump → t = 12 s.
        let p = RateProfile::steps(&[(secs(0), 0.0), (secs(10), 2.0)]).unwrap();
        let mut g = PoissonArrivals::new(p);
        g.seek(0.0);
        assert!((g.advance(4.0).unwrap() - 12.0).abs() < 1e-9);
        // Diurnal, period 1 h, mean 1/s: each period integrates to exactly 3600, so Λ = 3600·2.5
        // from 0 is reached at 2.5 periods only if the half period also holds 1800 — it does
        // when the peak is at 0 (the cosine is symmetric about the half period).
        let d = RateProfile::diurnal(1.0, 0.8, Some(secs(3600)), secs(0)).unwrap();
        let mut g = PoissonArrivals::new(d);
        g.seek(0.0);
        assert!((g.advance(9000.0).unwrap() - 9000.0).abs() < 1e-6);
    }
}
