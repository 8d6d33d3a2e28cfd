//! The ELB request-queueing core against queueing theory (DESIGN.md, "Validating against
//! queueing theory").
//!
//! Poisson arrivals at total rate λ to N targets, exponential service with rate μ (mean 100 ms):
//! * random routing splits a Poisson stream into N Poisson streams of rate λ/N, so each target
//!   with k workers is an M/M/k queue (Erlang C); with k = 1 an M/M/1 queue, whose response
//!   time is exponential with rate μ − λ/N, hence percentiles t_p = −ln(1 − p)/(μ − λ/N);
//! * round robin gives each target every N-th arrival: Erlang(N, λ) inter-arrival times (mean
//!   N/λ), so with k = 1 each target is an E_N/M/1 queue, solved through the GI/M/1 root σ.
//!
//! Method: 5 seeds per case; each run discards a warm-up of 10 % of its measured requests
//! (far longer than the relaxation time: at ρ = 0.95 an M/M/1 queue relaxes in about
//! 1/(μ(1−√ρ)²) ≈ 1,600 service times, ≈ 6,000 arrivals over 4 targets, against a warm-up of
//! ≥ 100,000), then measures. The check is
//!     |mean over seeds − theory| ≤ 3 · sd(seeds)/√5 + bias allowance,
//! where the allowance covers what the seed spread cannot see: rounding of service times to the
//! µs (≤ 0.5 µs on 100 ms, 5·10⁻⁶), the histogram's bucket midpoints for percentiles (≤ 0.1 %),
//! the residual start-up transient (negligible after the warm-up above), and the noise of an
//! sd estimated from 5 seeds. It is 0.5 % of the theoretical value for means and probabilities
//! and 1 % for percentiles.
//!
//! Budget (release, 2 cores): requests per seed 1M at ρ = 0.5, 2M at ρ = 0.8, 10M at
//! ρ = 0.95 (the spread of the mean grows like (1−ρ)⁻², so ρ = 0.95 gets most); the whole file
//! runs in about 20 s. Run with `-- --nocapture` to see the table.

use ecsim::elb::bench_model::{run, Algorithm, ModelConfig, ModelResult};
use ecsim::engine::Span;
use ecsim::workload::distribution::Distribution;

const SEEDS: u64 = 5;
/// Mean service time, seconds.
const SERVICE_S: f64 = 0.1;
const TARGETS: usize = 4;

fn requests_for(rho: f64) -> u64 {
    if rho <= 0.5 {
        1_000_000
    } else if rho <= 0.8 {
        2_000_000
    } else {
        10_000_000
    }
}

fn runs(algorithm: Algorithm, concurrency: u32, rho: f64) -> Vec<ModelResult> {
    let mu = 1.0 / SERVICE_S;
    let requests = requests_for(rho);
    (1..=SEEDS)
        .map(|seed| {
            run(&ModelConfig {
                targets: TARGETS,
                concurrency,
                arrival_rate: rho * mu * concurrency as f64 * TARGETS as f64,
                service: Distribution::Exponential { mean: Span::from_secs_f64(SERVICE_S) },
                algorithm,
                queue_limit: None,
                requests,
                warmup: requests / 10,
                seed,
            })
        })
        .collect()
}

/// Checks the mean over seeds of `metric` against `theory`; prints one table row.
fn check(case: &str, metric: &str, theory: f64, samples: &[f64], bias_rel: f64) -> bool {
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let sd = (samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let tolerance = 3.0 * sd / n.sqrt() + bias_rel * theory.abs();
    let ok = (mean - theory).abs() <= tolerance;
    println!(
        "| {case} | {metric} | {theory:.5} | {mean:.5} | {:+.2} % | ±{tolerance:.5} ({:.2} %) | {} |",
        100.0 * (mean - theory) / theory,
        100.0 * tolerance / theory,
        if ok { "ok" } else { "FAIL" }
    );
    ok
}

fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

/// Erlang C: probability that an arrival waits in M/M/k with offered load a = λ/μ < k.
fn erlang_c(k: u32, a: f64) -> f64 {
    let top = a.powi(k as i32) / factorial(k) * k as f64 / (k as f64 - a);
    let below: f64 = (0..k).map(|n| a.powi(n as i32) / factorial(n)).sum();
    top / (below + top)
}

/// GI/M/1 root: σ in (0, 1) with σ = A*(μ(1 − σ)), for Erlang(n, rate) inter-arrival times,
/// A*(s) = (rate/(rate + s))^n. f(σ) = A*(μ(1−σ)) − σ is convex with f(0) > 0 and f(1) = 0,
/// f'(1) = 1/ρ − 1 > 0, so it is negative just below 1 and the root in (0, 1) is unique:
/// bisection.
fn gi_m_1_root_erlang(n: u32, rate: f64, mu: f64) -> f64 {
    let f = |s: f64| (rate / (rate + mu * (1.0 - s))).powi(n as i32) - s;
    let (mut lo, mut hi) = (0.0, 1.0 - 1e-9);
    assert!(f(lo) > 0.0 && f(hi) < 0.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn field(results: &[ModelResult], get: impl Fn(&ModelResult) -> f64) -> Vec<f64> {
    results.iter().map(get).collect()
}

#[test]
fn theory_helpers_match_known_values() {
    // M/M/1: C(1, ρ) = ρ. M/M/2 at a = 1: C = (1/2·2/1)/(1 + 1 + 1) = 1/3.
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    // E_1/M/1 is M/M/1: σ = ρ.
    assert!((gi_m_1_root_erlang(1, 8.0, 10.0) - 0.8).abs() < 1e-9);
    // D/M/1 limit: E_N with N large approaches σ = exp(−μ(1−σ)/λ); E_2/M/1 at ρ = 0.5:
    // σ = (2λ/(2λ + μ(1−σ)))² with λ = 5, μ = 10 → σ = (10/(20 − 10σ))² → σ = (3 − √5)/2.
    assert!((gi_m_1_root_erlang(2, 10.0, 10.0) - (3.0 - 5f64.sqrt()) / 2.0).abs() < 1e-9);
}

#[test]
fn random_routing_makes_each_target_m_m_k() {
    let k = 2;
    let mu = 1.0 / SERVICE_S;
    let mut ok = true;
    for rho in [0.5, 0.8, 0.95] {
        let results = runs(Algorithm::Random, k, rho);
        let lambda_i = rho * k as f64 * mu;
        let c = erlang_c(k, lambda_i / mu);
        let response = c / (k as f64 * mu - lambda_i) + 1.0 / mu;
        let case = format!("random, {TARGETS}×M/M/{k}, ρ={rho}");
        ok &= check(&case, "mean response (s)", response, &field(&results, |r| r.mean_response), 0.005);
        ok &= check(&case, "P(wait>0)", c, &field(&results, |r| r.p_wait), 0.005);
    }
    assert!(ok, "see the table above");
}

#[test]
fn random_routing_single_worker_gives_m_m_1_percentiles() {
    let mu = 1.0 / SERVICE_S;
    let mut ok = true;
    for rho in [0.8, 0.95] {
        let results = runs(Algorithm::Random, 1, rho);
        let rate = mu - rho * mu; // μ − λ_i
        let case = format!("random, {TARGETS}×M/M/1, ρ={rho}");
        ok &= check(&case, "mean response (s)", 1.0 / rate, &field(&results, |r| r.mean_response), 0.005);
        ok &= check(&case, "P(wait>0)", rho, &field(&results, |r| r.p_wait), 0.005);
        for (p, get) in [(0.5, (|r: &ModelResult| r.p50) as fn(&ModelResult) -> f64), (0.9, |r| r.p90), (0.99, |r| r.p99)] {
            let theory = -(1.0f64 - p).ln() / rate;
            ok &= check(&case, &format!("p{} (s)", p * 100.0), theory, &field(&results, get), 0.01);
        }
    }
    assert!(ok, "see the table above");
}

#[test]
fn round_robin_makes_each_target_e_n_m_1() {
    let mu = 1.0 / SERVICE_S;
    let mut ok = true;
    for rho in [0.5, 0.8, 0.95] {
        let results = runs(Algorithm::RoundRobin, 1, rho);
        // Total rate λ = N·λ_i; a target sees every N-th arrival: Erlang(N, λ), mean N/λ = 1/λ_i.
        let lambda = TARGETS as f64 * rho * mu;
        let sigma = gi_m_1_root_erlang(TARGETS as u32, lambda, mu);
        // GI/M/1: an arrival waits with probability σ; response time ~ Exp(μ(1 − σ)).
        let rate = mu * (1.0 - sigma);
        let case = format!("round robin, {TARGETS}×E{TARGETS}/M/1, ρ={rho}");
        ok &= check(&case, "mean response (s)", 1.0 / rate, &field(&results, |r| r.mean_response), 0.005);
        ok &= check(&case, "P(wait>0)", sigma, &field(&results, |r| r.p_wait), 0.005);
        ok &= check(&case, "p99 (s)", -(0.01f64).ln() / rate, &field(&results, |r| r.p99), 0.01);
    }
    assert!(ok, "see the table above");
}
