//! Run-time (and other duration) distributions, written in scenarios as
//! `{ distribution = "lognormal", mean = "10m", cv = 0.5 }`.
//!
//! Sampling goes through `rand_distr` (pinned in Cargo.toml) and is rounded to whole
//! microseconds, so simulated time stays integer.

use crate::engine::Span;
use rand::Rng;
use rand_distr::{Distribution as _, Exp, LogNormal, Weibull};
use serde::{Deserialize, Serialize};

/// A distribution of non-negative durations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Always `value`.
    Constant { value: Span },
    /// Exponential with this mean.
    Exponential { mean: Span },
    /// Uniform on [min, max].
    Uniform { min: Span, max: Span },
    /// Log-normal with this mean and coefficient of variation (σ/μ of the duration itself).
    Lognormal { mean: Span, cv: f64 },
    /// Weibull with this scale and shape (shape < 1: early failures; > 1: wear-out).
    Weibull { scale: Span, shape: f64 },
}

impl Distribution {
    /// Checks parameters; the message says what to change.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Distribution::Uniform { min, max } if min > max => Err(format!("uniform min {min} is above max {max}; swap them")),
            Distribution::Lognormal { cv, .. } if !(cv.is_finite() && *cv >= 0.0) => {
                Err(format!("lognormal cv must be a finite number ≥ 0, got {cv}"))
            }
            Distribution::Weibull { shape, .. } if !(shape.is_finite() && *shape > 0.0) => {
                Err(format!("weibull shape must be > 0, got {shape}"))
            }
            Distribution::Exponential { mean } if mean.as_micros() == 0 => Err("exponential mean must be above 0".into()),
            _ => Ok(()),
        }
    }

    /// The distribution's mean (for reports and offered-load figures).
    pub fn mean(&self) -> Span {
        match self {
            Distribution::Constant { value } => *value,
            Distribution::Exponential { mean } | Distribution::Lognormal { mean, .. } => *mean,
            Distribution::Uniform { min, max } => Span((min.0 + max.0) / 2),
            Distribution::Weibull { scale, shape } => Span::from_secs_f64(scale.as_secs_f64() * gamma(1.0 + 1.0 / shape)),
        }
    }

    /// One draw. Parameters were validated at load time; anything degenerate gives the mean.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Span {
        match self {
            Distribution::Constant { value } => *value,
            Distribution::Exponential { mean } => match Exp::new(1.0 / mean.as_secs_f64()) {
                Ok(d) => Span::from_secs_f64(d.sample(rng)),
                Err(_) => *mean,
            },
            Distribution::Uniform { min, max } => Span(rng.gen_range(min.0..=max.0)),
            Distribution::Lognormal { mean, cv } => {
                // For a log-normal X: E[X] = exp(μ + σ²/2), CV² = exp(σ²) − 1.
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = mean.as_secs_f64().ln() - sigma2 / 2.0;
                match LogNormal::new(mu, sigma2.sqrt()) {
                    Ok(d) => Span::from_secs_f64(d.sample(rng)),
                    Err(_) => *mean,
                }
            }
            Distribution::Weibull { scale, shape } => match Weibull::new(scale.as_secs_f64(), *shape) {
                Ok(d) => Span::from_secs_f64(d.sample(rng)),
                Err(_) => self.mean(),
            },
        }
    }
}

/// Lanczos approximation of Γ(x) for x > 0 (enough digits for a mean in a report).
fn gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma(1.0 - x))
    } else {
        let x = x - 1.0;
        let t = x + G + 0.5;
        let sum: f64 = C[0] + C.iter().enumerate().skip(1).map(|(i, c)| c / (x + i as f64)).sum::<f64>();
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    fn sample_mean(d: &Distribution, n: usize) -> f64 {
        let mut rng = Streams::new(3).get("runtime");
        (0..n).map(|_| d.sample(&mut rng).as_secs_f64()).sum::<f64>() / n as f64
    }

    #[test]
    fn lognormal_is_parameterised_by_mean_and_cv() {
        // mean 600 s, cv 0.5 → σ of the sample mean over 40,000 draws = 300/200 = 1.5 s;
        // a tolerance of 6 s is 4 standard errors.
        let d = Distribution::Lognormal { mean: Span::from_secs(600), cv: 0.5 };
        assert!((sample_mean(&d, 40_000) - 600.0).abs() < 6.0);
    }

    #[test]
    fn means_are_what_the_parameters_say() {
        assert_eq!(Distribution::Uniform { min: Span::from_secs(10), max: Span::from_secs(20) }.mean(), Span::from_secs(15));
        // Weibull(scale 100, shape 1) is exponential with mean 100.
        let w = Distribution::Weibull { scale: Span::from_secs(100), shape: 1.0 };
        assert!((w.mean().as_secs_f64() - 100.0).abs() < 1e-6);
        let e = Distribution::Exponential { mean: Span::from_secs(30) };
        assert!((sample_mean(&e, 40_000) - 30.0).abs() < 0.6);
    }

    #[test]
    fn bad_parameters_are_reported() {
        assert!(Distribution::Uniform { min: Span::from_secs(2), max: Span::from_secs(1) }.validate().is_err());
        assert!(Distribution::Lognormal { mean: Span::from_secs(2), cv: -1.0 }.validate().is_err());
    }
}
