//! Workloads: when tasks arrive (Poisson processes, listed times) and how long they run
//! (distributions from `rand_distr`). Each draw comes from a named stream of the workload, so
//! changing placement never changes arrivals or run times (common random numbers). Request
//! traffic: rate profiles (`traffic`), ALB access logs (`alb_log`), CloudWatch history (`history`).

pub mod alb_log;
pub mod distribution;
pub mod history;
pub mod traffic;

pub use distribution::Distribution;

use crate::engine::{Span, StreamRng};
use rand_distr::{Distribution as _, Exp};
use serde::Serialize;

/// When tasks of a workload are submitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "process", rename_all = "snake_case")]
pub enum Arrivals {
    /// A Poisson process: exponential gaps with mean 60 / `rate_per_minute` seconds.
    Poisson { rate_per_minute: f64 },
    /// Exactly at these offsets from the start, in order.
    Times { at: Vec<Span> },
}

impl Arrivals {
    /// The gap to the next Poisson arrival; `None` for listed times (which are scheduled up front).
    pub fn next_gap(&self, rng: &mut StreamRng) -> Option<Span> {
        match self {
            Arrivals::Poisson { rate_per_minute } => {
                let per_second = rate_per_minute / 60.0;
                let exp = Exp::new(per_second).ok()?;
                Some(Span::from_secs_f64(exp.sample(rng)))
            }
            Arrivals::Times { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    #[test]
    fn poisson_gaps_average_to_the_rate() {
        // 30 per minute → mean gap 2 s. Over 20,000 gaps the sample mean has a standard error of
        // 2/√20000 ≈ 0.014 s; 0.05 s is more than 3 standard errors.
        let a = Arrivals::Poisson { rate_per_minute: 30.0 };
        let mut rng = Streams::new(7).get("arrivals");
        let n = 20_000;
        let total: f64 = (0..n).map(|_| a.next_gap(&mut rng).unwrap().as_secs_f64()).sum();
        assert!((total / n as f64 - 2.0).abs() < 0.05, "mean gap {}", total / n as f64);
    }
}
