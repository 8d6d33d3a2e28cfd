//! Queueing theory through the whole simulator: with Poisson arrivals, weighted random makes each
//! target an M/M/1 queue and round robin an E4/M/1 queue, checked against the formulas at three
//! loads (36 M simulated requests); and the cubebuster-edges lesson, whose round-robin service
//! waits less than M/M/4.

use super::{cluster, group, load_lesson, source};
use crate::common::toml::LB_WEB;
use crate::common::{load_parts, run, traffic};
use ecsim::sim;

// ---------------------------------------------------------------------------------------------
// Queueing theory through the whole simulator
// ---------------------------------------------------------------------------------------------

/// N = 4 tasks of 1 worker; exponential service with mean E[S] = 10 ms (μ = 100/s); the task's
/// 1 vCPU covers its one worker, so service times are never stretched.
const TARGETS: f64 = 4.0;
const MEAN_SERVICE_S: f64 = 0.010;

/// Requests per run: the seed-to-seed spread of a mean response grows like (1 − ρ)⁻², so the
/// high loads get more. Simulated time = requests ÷ λ (λ = ρ · N · μ = 400ρ per second).
fn queueing_requests(rho: f64) -> u64 {
    if rho <= 0.5 {
        2_000_000
    } else if rho <= 0.8 {
        4_000_000
    } else {
        12_000_000
    }
}

/// The queueing scenario: traffic λ from 60 s, when the four targets (healthy at 10.01 s) are
/// idle, so there is no start-up transient beyond the queue's own relaxation (at ρ = 0.95 about
/// 1/(μ(1 − √ρ)²) ≈ 16 s, against runs of 2,000+ s).
fn queueing(algorithm: &str, rho: f64, seed: u64) -> (f64, f64) {
    let lambda = rho * TARGETS / MEAN_SERVICE_S;
    let duration = 60 + (queueing_requests(rho) as f64 / lambda).ceil() as u64;
    let head = format!(
        "[scenario]\nname = \"queueing\"\nduration = \"{duration}s\"\nseed = {seed}\n\n\
         [[target_groups]]\nname = \"web\"\nport = 80\nalgorithm = \"{algorithm}\"\n\n\
         [[traffic]]\nname = \"users\"\nrate = {{ profile = \"steps\", steps = [{{ at = \"0s\", per_second = 0 }}, \
         {{ at = \"60s\", per_second = {lambda} }}] }}\n"
    );
    let s = load_parts(
        "alb_sim",
        &[
            &head,
            &cluster(),
            LB_WEB,
            r#"
[[task_definitions]]
name = "mm1"
family = "mm1"
cpu = 1024
memory = 1024
dynamic_ports = 1
serving = { concurrency = 1, service_time = { distribution = "exponential", mean = "10ms" }, cpu_per_busy_worker = 1024 }

[[services]]
name = "mm1"
task_definition = "mm1"
desired_count = 4
load_balancers = [{ target_group = "web", container_port = 80 }]
"#,
        ],
    );
    // Invariant checks are covered by the other tests; here they would only cost time.
    let out = sim::run(&s, seed);
    let g = group(&out, "web");
    assert_eq!((g.figures.tally.elb_502 + g.figures.tally.elb_503 + g.figures.tally.elb_504, g.figures.tally.target_5xx), (0, 0));
    (g.latency_ms_avg.unwrap() / 1000.0, g.latency_ms_p90.unwrap() / 1000.0)
}

/// GI/M/1 root for Erlang(k, rate) inter-arrival times: σ in (0, 1) with
/// σ = A*(μ(1 − σ)), A*(s) = (rate/(rate + s))^k the Laplace–Stieltjes transform of Erlang(k, rate).
/// f(σ) = A*(μ(1−σ)) − σ is convex with f(0) > 0, f(1) = 0 and f'(1) = k·μ/rate − 1 = 1/ρ − 1 > 0,
/// so f < 0 just below 1 and the root in (0, 1) is unique: bisection.
fn gi_m_1_root_erlang(k: i32, rate: f64, mu: f64) -> f64 {
    let f = |s: f64| (rate / (rate + mu * (1.0 - s))).powi(k) - s;
    let (mut lo, mut hi) = (0.0, 1.0 - 1e-12);
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

/// (mean, p90) of the response time, seconds, for `algorithm` at load ρ with mean service `es`.
/// * weighted_random (weight 1 each: uniform): a Poisson stream of rate λ split at random is 4
///   Poisson streams of λ/4 → each target M/M/1 with ρ = λ/(4μ): response ~ Exp(μ − λ/4), mean
///   E[S]/(1 − ρ), p90 = ln 10 · E[S]/(1 − ρ).
/// * round_robin: a target gets every 4th arrival: inter-arrival = sum of 4 Exp(λ) = Erlang(4, λ)
///   → E₄/M/1. In GI/M/1 an arrival finds n ahead with P(n) = (1 − σ)σⁿ, σ the root above, so
///   the response (n + 1 exponential services) is Exp(μ(1 − σ)): mean 1/(μ(1 − σ)),
///   p90 = ln 10/(μ(1 − σ)). Regular arrivals queue less than Poisson ones: σ < ρ.
///
/// The offered rate is the scenario's, λ = ρ · N / 10 ms, whatever `es` is; `None` when the
/// queue is unstable (λ/N · es ≥ 1).
fn queueing_theory(algorithm: &str, rho: f64, es: f64) -> Option<(f64, f64)> {
    let mu = 1.0 / es;
    let lambda = rho * TARGETS / MEAN_SERVICE_S;
    if lambda / TARGETS >= mu {
        return None;
    }
    let rate = match algorithm {
        "weighted_random" => mu - lambda / TARGETS,
        "round_robin" => mu * (1.0 - gi_m_1_root_erlang(4, lambda, mu)),
        _ => unreachable!(),
    };
    Some((1.0 / rate, 10f64.ln() / rate))
}

/// Relative standard deviation of one run's (mean, p90) at each ρ, measured by
/// `queueing_seed_spread` (run it with `--ignored --nocapture`): 10 seeds of each case with the
/// request counts above; the larger of the two algorithms' figures (weighted random spreads more):
///
/// | ρ | requests | weighted_random mean / p90 | round_robin mean / p90 | used |
/// |---|---|---|---|---|
/// | 0.50 | 2 M | 0.19 % / 0.24 % | 0.14 % / 0.33 % | 0.19 % / 0.33 % |
/// | 0.80 | 4 M | 0.44 % / 0.55 % | 0.20 % / 0.22 % | 0.44 % / 0.55 % |
/// | 0.95 | 12 M | 1.15 % / 1.07 % | 0.88 % / 1.11 % | 1.15 % / 1.11 % |
///
/// (For M/M/1 the asymptotic formula for the variance of a sample mean of waiting times,
/// ρ(2 + 5ρ − 4ρ² + ρ³)/(μ²(1 − ρ)⁴ n), gives 1.1 % at ρ = 0.95 with n = 12 M: it agrees.) Five
/// seeds, as first planned, are too few to trust: they gave 0.39 % for round robin at ρ = 0.95,
/// where 10 give 0.88 % and 20 gave 0.88 % too. The 10-seed means agree with theory within
/// 0.01–0.4 %, i.e. within about 1–3 standard errors; round robin sits slightly low at every ρ
/// (−0.05 %, −0.18 %, −0.38 %), far inside the tolerance.
const QUEUEING_RSD: [(f64, f64, f64); 3] = [(0.5, 0.0019, 0.0033), (0.8, 0.0044, 0.0055), (0.95, 0.0115, 0.0111)];

/// Tolerance of one run (no √n: one sample) = 4 × rsd, plus for p90 the histogram's bucket
/// error (≤ 0.4 %, `elb::histogram`; the mean is exact, from the sum of the latencies).
fn queueing_tolerance(rho: f64, p90: bool) -> f64 {
    let &(_, mean, p) = QUEUEING_RSD.iter().find(|r| r.0 == rho).expect("a calibrated load");
    if p90 {
        4.0 * p + 0.004
    } else {
        4.0 * mean
    }
}

fn check_queueing(algorithm: &str) {
    let mut report = String::new();
    let mut ok = true;
    for rho in [0.5, 0.8, 0.95] {
        let (mean, p90) = queueing(algorithm, rho, 1);
        let (t_mean, t_p90) = queueing_theory(algorithm, rho, MEAN_SERVICE_S).unwrap();
        for (what, got, theory, tol) in
            [("mean", mean, t_mean, queueing_tolerance(rho, false)), ("p90", p90, t_p90, queueing_tolerance(rho, true))]
        {
            let err = got / theory - 1.0;
            ok &= err.abs() <= tol;
            // The test can fail: had the simulator served requests 10 % slower (E[S] = 11 ms at
            // the same λ), the theory it would match moves by far more than the tolerance: for
            // M/M/1, E[S]/(1 − ρ) goes from 20 to 11/0.45 = 24.4 ms (+22 %) at ρ = 0.5 and from
            // 50 to 11/0.12 = 91.7 ms (+83 %) at 0.8, and at 0.95 the queue is unstable (ρ = 1.045).
            let wrong =
                queueing_theory(algorithm, rho, MEAN_SERVICE_S * 1.1).map_or(f64::INFINITY, |w| if what == "mean" { w.0 } else { w.1 });
            assert!((got / wrong - 1.0).abs() > 3.0 * tol, "{algorithm} ρ={rho} {what}: a 10 % error in E[S] would pass");
            report += &format!(
                "{algorithm:>15} ρ={rho:<4} {what:>4}: sim {:8.3} ms, theory {:8.3} ms, {:+6.2} % (tolerance ±{:.2} %)\n",
                got * 1e3,
                theory * 1e3,
                100.0 * err,
                100.0 * tol
            );
        }
    }
    println!("{report}");
    assert!(ok, "\n{report}");
}

#[test]
fn weighted_random_makes_each_target_an_m_m_1_queue() {
    check_queueing("weighted_random");
}

#[test]
fn round_robin_makes_each_target_an_e4_m_1_queue() {
    check_queueing("round_robin");
}

#[test]
fn queueing_formulas_match_known_values() {
    // E₁/M/1 is M/M/1: σ = ρ. E₂/M/1 with λ = 10 (per-target rate 5), μ = 10: σ = (10/(20 − 10σ))²
    // → σ = (3 − √5)/2. Round robin at ρ = 0.5: σ = (200/(200 + 100(1 − σ)))⁴ ≈ 0.2 — well
    // below M/M/1's 0.5.
    assert!((gi_m_1_root_erlang(1, 8.0, 10.0) - 0.8).abs() < 1e-9);
    assert!((gi_m_1_root_erlang(2, 10.0, 10.0) - (3.0 - 5f64.sqrt()) / 2.0).abs() < 1e-9);
    let (mm1, _) = queueing_theory("weighted_random", 0.5, MEAN_SERVICE_S).unwrap();
    assert!((mm1 - 0.020).abs() < 1e-12, "M/M/1 at ρ = 0.5: E[S]/(1 − ρ) = 20 ms");
    let (e4, e4_p90) = queueing_theory("round_robin", 0.5, MEAN_SERVICE_S).unwrap();
    assert!(queueing_theory("weighted_random", 0.95, MEAN_SERVICE_S * 1.1).is_none(), "ρ = 1.045 is unstable");
    assert!(e4 < mm1 && (e4_p90 / e4 - 10f64.ln()).abs() < 1e-12);
}

#[test]
#[ignore = "calibration helper (not a check): prints the seed-to-seed spread behind queueing_tolerance; \
            run with --ignored --nocapture"]
fn queueing_seed_spread() {
    const SPREAD_SEEDS: u64 = 10;
    for algorithm in ["weighted_random", "round_robin"] {
        for rho in [0.5, 0.8, 0.95] {
            let runs: Vec<(f64, f64)> = (1..=SPREAD_SEEDS).map(|seed| queueing(algorithm, rho, seed)).collect();
            let (t_mean, t_p90) = queueing_theory(algorithm, rho, MEAN_SERVICE_S).unwrap();
            let rsd = |xs: Vec<f64>| {
                let m = xs.iter().sum::<f64>() / xs.len() as f64;
                let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() as f64 - 1.0)).sqrt();
                (m, sd / m)
            };
            let (m, rm) = rsd(runs.iter().map(|r| r.0).collect());
            let (p, rp) = rsd(runs.iter().map(|r| r.1).collect());
            println!(
                "{algorithm:>15} ρ={rho:<4}: mean {:.3} ms (theory {:.3}, {:+.2} %) rsd {:.3} % | p90 {:.3} ms (theory {:.3}, {:+.2} %) rsd {:.3} %",
                m * 1e3,
                t_mean * 1e3,
                100.0 * (m / t_mean - 1.0),
                100.0 * rm,
                p * 1e3,
                t_p90 * 1e3,
                100.0 * (p / t_p90 - 1.0),
                100.0 * rp
            );
        }
    }
}

/// The cubebuster-edges lesson (header of scenarios/lessons/alb/cubebuster-edges.toml): every
/// `/cubebuster/play` request reaches CubeBuster (rule priority 1), every `/edges/index.html`
/// request Edges (priority 2, `/*`), nothing the default 404; no 5xx. CubeBuster's 3 tasks of 4
/// workers (40 ms) at 150/s behind round robin: each task sees 50/s, ρ = 50 × 0.040 / 4 = 0.5.
/// Its mean response time lies between the service time (no waiting) and the M/M/4 figure for
/// Poisson arrivals — round robin smooths each task's arrivals (Erlang-3 gaps), so it waits less:
/// Erlang C(4, a = 2) = (2⁴/4!)·(4/(4−2)) / (Σ_{k<4} 2^k/k! + (2⁴/4!)·(4/2)) = 1.3333/7.6667 = 0.1739,
/// W_q = C / (4μ − λ) = 0.1739 / (100 − 50) s = 3.48 ms → M/M/4 mean 43.48 ms.
#[test]
fn cubebuster_edges_lesson_routes_by_path_and_cubebuster_waits_less_than_m_m_4() {
    let out = run(&load_lesson("cubebuster-edges"));
    let t = traffic(&out);
    assert_eq!((t.figures.elb_5xx, t.figures.tally.target_5xx), (0, 0));
    let (cube, edges) = (group(&out, "cubebuster"), group(&out, "edges"));
    assert_eq!(cube.request_count, source(&out, "players"), "every /cubebuster/play request reaches CubeBuster");
    assert_eq!(edges.request_count, source(&out, "visitors"), "every other path reaches Edges");
    // 150/s from minute 1 to 30: 261,000 expected (Poisson sd ≈ 511).
    assert!(cube.request_count.abs_diff(261_000) < 2_600, "{}", cube.request_count);
    let mean = cube.latency_ms_avg.expect("latency");
    assert!((40.0 * 0.99..43.48).contains(&mean), "CubeBuster mean response {mean} ms");
}
