//! Request traffic: rate profiles and their Poisson arrivals (`workload::traffic`), and replay of
//! ALB access logs (`workload::alb_log`). Each test is a worked example; the expected numbers are
//! derived in the comments.

use ecsim::engine::{SimTime, Span, Streams};
use ecsim::workload::traffic::{PoissonArrivals, RateProfile};

fn secs(s: u64) -> Span {
    Span::from_secs(s)
}

/// All arrivals in [0, until), starting at time 0.
fn arrivals(profile: &RateProfile, seed: u64, until: Span) -> Vec<SimTime> {
    let mut gen = PoissonArrivals::new(profile.clone());
    let mut rng = Streams::new(seed).get("traffic");
    let mut out = Vec::new();
    let mut now = SimTime::ZERO;
    while let Some(t) = gen.next_after(now, &mut rng) {
        if t >= SimTime::ZERO + until {
            break;
        }
        out.push(t);
        now = t;
    }
    out
}

fn count_in(times: &[SimTime], from: Span, to: Span) -> usize {
    times.iter().filter(|t| t.0 >= from.0 && t.0 < to.0).count()
}

/// |observed − expected| ≤ 4σ for a Poisson count (σ = √expected). At 4σ a correct generator
/// fails about once in 16,000 checks; with fixed seeds the outcome never changes.
fn assert_poisson_count(observed: usize, expected: f64, what: &str) {
    let sigma = expected.sqrt();
    assert!((observed as f64 - expected).abs() <= 4.0 * sigma, "{what}: {observed} arrivals, expected {expected:.1} ± 4·{sigma:.1}");
}

#[test]
fn constant_100_per_s_for_10000_s_gives_a_million_arrivals() {
    // N ~ Poisson(100 · 10,000 = 1e6): σ = √1e6 = 1000, so the count is within 1e6 ± 4000.
    let p = RateProfile::constant(100.0).unwrap();
    assert_eq!(p.expected_count(Span::ZERO, secs(10_000)), 1e6);
    let n = arrivals(&p, 1, secs(10_000)).len();
    assert_poisson_count(n, 1e6, "constant 100/s over 10,000 s");
}

#[test]
fn each_step_gets_its_own_rate() {
    // 5/s for 1000 s → 5000; 20/s for 2000 s → 40,000; 2/s for the last 1000 s → 2000.
    let p = RateProfile::steps(&[(secs(0), 5.0), (secs(1000), 20.0), (secs(3000), 2.0)]).unwrap();
    let times = arrivals(&p, 2, secs(4000));
    for (from, to, expected) in [(0, 1000, 5000.0), (1000, 3000, 40_000.0), (3000, 4000, 2000.0)] {
        assert_eq!(p.expected_count(secs(from), secs(to)), expected);
        assert_poisson_count(count_in(&times, secs(from), secs(to)), expected, &format!("step [{from}, {to}) s"));
    }
    // The jump is right-continuous: at 1000 s the rate is already the new one.
    assert_eq!(p.rate_at(secs(1000)), 20.0);
    assert_eq!(p.rate_at(Span(secs(1000).0 - 1)), 5.0);
    assert_eq!(p.peak_per_s(), 20.0);
}

#[test]
fn diurnal_hours_follow_the_integral() {
    // mean 10/s, amplitude 0.8, peak at 14:00, over two days. Hour h holds
    // ∫ 10·(1 + 0.8·cos(2π(t − 14h)/24h)) dt ≈ 36,000·(1 + 0.8·cos(2π(h + ½ − 14)/24)·sinc): from
    // ≈ 7,200 at the 02:00 trough hour to ≈ 64,800 at the peak hour; each within 4√expected.
    let p = RateProfile::diurnal(10.0, 0.8, None, secs(14 * 3600)).unwrap();
    let times = arrivals(&p, 3, secs(48 * 3600));
    for hour in 0..48 {
        let (from, to) = (secs(hour * 3600), secs((hour + 1) * 3600));
        let expected = p.expected_count(from, to);
        assert_poisson_count(count_in(&times, from, to), expected, &format!("hour {hour}"));
    }
    // The peak hour (14:00–15:00 straddles the peak only on its left edge; 13:30–14:30 is centred)
    // and the trough: 36,000·(1 ± 0.8·sinc(π/24)) = 36,000·(1 ± 0.8·0.99715).
    let centred = |h: f64| p.expected_count(Span::from_secs_f64((h - 0.5) * 3600.0), Span::from_secs_f64((h + 0.5) * 3600.0));
    assert!((centred(14.0) - 36_000.0 * (1.0 + 0.8 * 0.997_147)).abs() < 1.0, "{}", centred(14.0));
    assert!((centred(26.0) - 36_000.0 * (1.0 - 0.8 * 0.997_147)).abs() < 1.0, "{}", centred(26.0));
    // Every whole day integrates to exactly mean × 86,400 s.
    assert!((p.expected_count(secs(3600), secs(3600 + 86_400)) - 864_000.0).abs() < 1e-6);
}

#[test]
fn diurnal_minutes_match_the_exact_cosine() {
    // The compiled diurnal curve against the exact integral
    //   ∫ₐᵇ m(1 + a·cos(ω(t − p))) dt = m·((b − a) + (a/ω)(sin ω(b − p) − sin ω(a − p)))
    // over one-minute windows starting every 1.234567 s for two periods (never aligned with the
    // knots). The bound promised in the docs: error < 0.01 % of the minute's count at the mean
    // rate. The worst case is period 1 h, amplitude 1: about 0.008·(ωh)³ = 0.008·(2π/60)³ ≈ 9.2e-6,
    // ten times inside the bound. For amplitude ≤ 0.5 the error is also < 0.01 % of the window's
    // own count (the rate never drops below half the mean).
    let mean = 10.0;
    for (period_s, peak_s) in [(3600u64, 1234.5f64), (7200, 0.0), (86_400, 50_400.0)] {
        for amplitude in [0.25, 0.5, 1.0] {
            let p = RateProfile::diurnal(mean, amplitude, Some(secs(period_s)), Span::from_secs_f64(peak_s)).unwrap();
            let omega = 2.0 * std::f64::consts::PI / period_s as f64;
            let mut t_us = 0u64;
            while t_us < 2 * period_s * 1_000_000 {
                let (a, b) = (t_us as f64 / 1e6, t_us as f64 / 1e6 + 60.0);
                let exact = mean * (60.0 + amplitude / omega * ((omega * (b - peak_s)).sin() - (omega * (a - peak_s)).sin()));
                let got = p.expected_count(Span(t_us), Span(t_us + 60_000_000));
                let error = (got - exact).abs();
                assert!(error < 1e-4 * mean * 60.0, "period {period_s} s, amplitude {amplitude}, minute at {a} s: {got} vs {exact}");
                if amplitude <= 0.5 {
                    assert!(error < 1e-4 * exact, "own-count bound at {a} s");
                }
                t_us += 1_234_567;
            }
            // The compiled peak is m(1 + a·sin(x)/x), x = π/n, a hair under m(1 + a).
            assert!(p.peak_per_s() <= mean * (1.0 + amplitude) && p.peak_per_s() > mean * (1.0 + amplitude) * 0.999);
        }
    }
}

#[test]
fn arrivals_in_a_ramp_follow_its_integral() {
    // Rate rises linearly 0 → 10/s over 100 s: Λ(t) = t²/20, so Λ(100) = 500 arrivals expected.
    // Given the count, arrival times are independent with CDF Λ(t)/Λ(100) = t²/100². Pool 20
    // independent runs (≈ 10,000 times, expected 20·500 = 10,000, σ = 100) and run a
    // Kolmogorov–Smirnov test: at α = 0.001, D_crit = √(−ln(α/2)/2)/√n = 1.9495/√n (≈ 0.0195).
    let p = RateProfile::from_csv("time,requests_per_second\n0,0\n100,10\n").unwrap();
    assert_eq!(p.expected_count(Span::ZERO, secs(100)), 500.0);
    let mut times: Vec<f64> = Vec::new();
    for run in 0..20 {
        times.extend(arrivals(&p, 100 + run, secs(100)).iter().map(|t| t.as_secs_f64()));
    }
    assert_poisson_count(times.len(), 10_000.0, "20 ramps");
    times.sort_by(f64::total_cmp);
    let n = times.len() as f64;
    let d = times
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let cdf = (t / 100.0).powi(2);
            f64::max((i + 1) as f64 / n - cdf, cdf - i as f64 / n)
        })
        .fold(0.0, f64::max);
    let alpha: f64 = 0.001;
    let d_crit = (-(alpha / 2.0).ln() / 2.0).sqrt() / n.sqrt();
    assert!((d_crit * n.sqrt() - 1.9495).abs() < 1e-4);
    assert!(d < d_crit, "KS statistic {d} ≥ critical {d_crit} (n = {n})");
}

#[test]
fn counts_per_second_have_poisson_dispersion() {
    // For a Poisson process the count in a window has variance = mean (index of dispersion 1).
    // 10/s over 100,000 one-second windows: the sample index has standard error ≈ √(2/n) ≈ 0.0045,
    // so 0.95–1.05 is over 10 standard errors wide; a clumping or too-regular generator misses it.
    let windows = 100_000usize;
    let p = RateProfile::constant(10.0).unwrap();
    let mut counts = vec![0u32; windows];
    for t in arrivals(&p, 4, secs(windows as u64)) {
        counts[t.whole_secs() as usize] += 1;
    }
    let mean = counts.iter().map(|&c| c as f64).sum::<f64>() / windows as f64;
    let variance = counts.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / (windows - 1) as f64;
    let index = variance / mean;
    assert!((mean - 10.0).abs() < 0.04, "mean {mean}");
    assert!((0.95..=1.05).contains(&index), "index of dispersion {index}");
}

#[test]
fn zero_rate_gaps_are_skipped_and_zero_forever_ends_the_process() {
    // 10/s, then nothing for 100 s, then 10/s again: no arrival in [100, 200) s.
    let gap = RateProfile::steps(&[(secs(0), 10.0), (secs(100), 0.0), (secs(200), 10.0)]).unwrap();
    let times = arrivals(&gap, 5, secs(300));
    assert_eq!(count_in(&times, secs(100), secs(200)), 0);
    assert_poisson_count(count_in(&times, secs(0), secs(100)), 1000.0, "before the gap");
    assert_poisson_count(count_in(&times, secs(200), secs(300)), 1000.0, "after the gap");
    // Asked from inside the gap, the next arrival is after it.
    let mut rng = Streams::new(5).get("traffic");
    let next = PoissonArrivals::new(gap).next_after(SimTime::from_secs(150), &mut rng).unwrap();
    assert!(next >= SimTime::from_secs(200) && next < SimTime::from_secs(203), "{next}");

    // 10/s for 100 s, then 0 forever: about 1000 arrivals, then None (and None again).
    let stop = RateProfile::steps(&[(secs(0), 10.0), (secs(100), 0.0)]).unwrap();
    let mut gen = PoissonArrivals::new(stop);
    let mut rng = Streams::new(6).get("traffic");
    let (mut now, mut n) = (SimTime::ZERO, 0);
    while let Some(t) = gen.next_after(now, &mut rng) {
        assert!(t < SimTime::from_secs(100));
        now = t;
        n += 1;
    }
    assert_poisson_count(n, 1000.0, "before the stop");
    assert_eq!(gen.next_after(now, &mut rng), None);
    // A diurnal profile with mean 0 never produces anything.
    let silent = RateProfile::diurnal(0.0, 0.5, None, Span::ZERO).unwrap();
    assert_eq!(PoissonArrivals::new(silent).next_after(SimTime::ZERO, &mut rng), None);
}

#[test]
fn same_seed_same_arrivals() {
    let p = RateProfile::spikes(2.0, &[(secs(10), secs(5), 50.0)]).unwrap();
    let a = arrivals(&p, 7, secs(60));
    assert_eq!(a, arrivals(&p, 7, secs(60)));
    assert_ne!(a, arrivals(&p, 8, secs(60)));
}

#[test]
fn rounding_to_microseconds_does_not_accumulate() {
    // 2,000,000/s: the mean gap is 0.5 µs, so many arrivals round to the same microsecond as the
    // one before. The generator continues from the exact f64 time, so the count over 0.5 s is
    // still Poisson(1e6) (σ = 1000). Summing gaps rounded to whole microseconds instead would
    // make the mean gap E[round(X)] = Σₖ P(X ≥ k − ½) = e⁻¹/(1 − e⁻²) ≈ 0.4255 µs for X ~ Exp(mean
    // 0.5 µs): about 1.175e6 arrivals, 175σ off.
    let p = RateProfile::constant(2e6).unwrap();
    let times = arrivals(&p, 9, Span::from_millis(500));
    assert_poisson_count(times.len(), 1e6, "2e6/s over 0.5 s");
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn overlapping_spikes_add() {
    // Base 10/s; spike A +40/s over [60, 120) s; spike B +100/s over [90, 100) s.
    // Rates: 10 → 50 at 60 s → 150 at 90 s → 50 at 100 s → 10 at 120 s.
    let p = RateProfile::spikes(10.0, &[(secs(60), secs(60), 40.0), (secs(90), secs(10), 100.0)]).unwrap();
    for (at, rate) in [(0, 10.0), (60, 50.0), (89, 50.0), (90, 150.0), (99, 150.0), (100, 50.0), (120, 10.0), (1000, 10.0)] {
        assert_eq!(p.rate_at(secs(at)), rate, "at {at} s");
    }
    // Over [0, 200): 10·200 + 40·60 + 100·10 = 2000 + 2400 + 1000 = 5400.
    assert!((p.expected_count(Span::ZERO, secs(200)) - 5400.0).abs() < 1e-9);
    assert_eq!(p.peak_per_s(), 150.0);
    let times = arrivals(&p, 10, secs(200));
    assert_poisson_count(count_in(&times, secs(90), secs(100)), 1500.0, "both spikes");
}

#[test]
fn csv_profiles_read_seconds_and_durations() {
    // 0 → 60/s over the first minute, holding 60/s until 5 min, then a jump to 10/s, constant after.
    let text = "# morning ramp\ntime,requests_per_second\n0,0\n1m,60\n\n300,60\n\"5m\",10\n";
    let p = RateProfile::from_csv(text).unwrap();
    assert_eq!(p.rate_at(secs(30)), 30.0);
    assert_eq!(p.rate_at(secs(299)), 60.0);
    assert_eq!(p.rate_at(secs(300)), 10.0);
    assert_eq!(p.rate_at(secs(10_000)), 10.0);
    // ½·60·60 + 60·240 = 1800 + 14,400 = 16,200 by 5 min, plus 10/s after.
    assert_eq!(p.expected_count(Span::ZERO, secs(300)), 16_200.0);
    assert_eq!(p.expected_count(Span::ZERO, secs(310)), 16_300.0);
}

#[test]
fn csv_errors_say_where_and_what_to_change() {
    let cases: [(&str, usize, usize, &str); 9] = [
        ("", 1, 1, "empty CSV"),
        ("time,rps\n0,1\n", 1, 2, "expected the header"),
        ("time,requests_per_second\n", 1, 1, "no rows"),
        ("time,requests_per_second\n0,1\n10\n", 3, 2, "missing requests_per_second"),
        ("time,requests_per_second\n0,1\n10,2,3\n", 3, 3, "more than two columns"),
        ("time,requests_per_second\n0,1\n10 parsecs,2\n", 3, 1, "invalid duration"),
        ("time,requests_per_second\n0,1\n10,lots\n", 3, 2, "not a number"),
        ("time,requests_per_second\n0,1\n\n20,2\n10,3\n", 5, 1, "before the previous point"),
        ("time,requests_per_second\n0,1\n10,-3\n", 3, 2, "≥ 0"),
    ];
    for (text, line, column, needle) in cases {
        let e = RateProfile::from_csv(text).unwrap_err();
        assert_eq!((e.line, e.column), (line, column), "{text:?}: {e}");
        assert!(e.message.contains(needle), "{text:?}: {e}");
    }
    let e = RateProfile::from_csv("time,requests_per_second\n5,1\n").unwrap_err();
    assert!(e.to_string().starts_with("line 2, column 1: ") && e.message.contains("must be at 0"), "{e}");
}

#[test]
fn bad_profiles_say_what_to_change() {
    let errors = [
        RateProfile::constant(-1.0).unwrap_err(),
        RateProfile::constant(f64::NAN).unwrap_err(),
        RateProfile::constant(f64::INFINITY).unwrap_err(),
        RateProfile::steps(&[]).unwrap_err(),
        RateProfile::steps(&[(secs(5), 1.0)]).unwrap_err(),
        RateProfile::steps(&[(secs(0), 1.0), (secs(10), 2.0), (secs(10), 3.0)]).unwrap_err(),
        RateProfile::diurnal(10.0, 1.5, None, Span::ZERO).unwrap_err(),
        RateProfile::diurnal(10.0, -0.1, None, Span::ZERO).unwrap_err(),
        RateProfile::diurnal(10.0, 0.5, Some(Span::ZERO), Span::ZERO).unwrap_err(),
        RateProfile::spikes(1.0, &[(secs(1), Span::ZERO, 5.0)]).unwrap_err(),
        RateProfile::spikes(1.0, &[(secs(1), secs(1), -5.0)]).unwrap_err(),
        RateProfile::piecewise_linear(&[(secs(0), 1.0), (secs(10), 1.0), (secs(10), 2.0), (secs(10), 3.0)]).unwrap_err(),
    ];
    let needles = [
        "≥ 0, got -1",
        "got NaN",
        "got inf",
        "at least one",
        "must be at 0",
        "step times must increase",
        "outside [0, 1]",
        "outside [0, 1]",
        "above 0",
        "duration above 0",
        "spike 1",
        "three times",
    ];
    for (e, needle) in errors.iter().zip(needles) {
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// ALB access logs
// ---------------------------------------------------------------------------------------------

use crate::common::fixture;
use ecsim::workload::alb_log::{parse_log, split_fields, LogParse, Replay, ReplayOptions};
use std::net::Ipv4Addr;

/// The text of an access log of tests/fixtures/alb-logs.
fn access_log(name: &str) -> String {
    fixture(&format!("alb-logs/{name}")).1
}

/// 2018-07-02T22:22:48.364000Z: 17,714 days after 1970-01-01 (1,530,489,600 s) plus
/// 22 h 22 min 48 s (80,568 s) = 1,530,570,168 s, plus 364,000 µs.
const JULY_2_2018_US: i64 = 1_530_570_168_364_000;
/// 2018-11-30T22:22:48.364000Z: 151 days later (Jul 2 → Nov 30: 29 + 31 + 30 + 31 + 30) = 13,046,400 s.
const NOV_30_2018_US: i64 = JULY_2_2018_US + 151 * 86_400 * 1_000_000;

#[test]
fn the_seven_awsdocs_examples_parse() {
    let log = parse_log(&access_log("awsdocs_alb_access_log_examples.log"));
    assert_eq!(log.skipped, vec![], "{}", log.summary());
    assert_eq!(log.summary(), "7 requests read, 0 lines skipped");
    // (method, host, path, created, client, target_processing_time, elb status), in file order:
    // the five 2 July entries are all created in the same microsecond, so the stable sort keeps
    // them in file order, and the two Lambda entries come last.
    type Entry = (&'static str, &'static str, i64, [u8; 4], Option<f64>, Option<u16>);
    let expected: [Entry; 7] = [
        ("GET", "www.example.com", JULY_2_2018_US, [192, 168, 131, 39], Some(0.001), Some(200)), // http
        ("GET", "www.example.com", JULY_2_2018_US, [192, 168, 131, 39], Some(0.048), Some(200)), // https
        ("GET", "10.0.2.105", JULY_2_2018_US, [10, 0, 1, 252], Some(0.002), Some(200)),          // h2 (redirect)
        ("GET", "10.0.0.30", JULY_2_2018_US, [10, 0, 0, 140], Some(0.003), Some(101)),           // ws
        ("GET", "10.0.0.30", JULY_2_2018_US, [10, 0, 0, 140], Some(0.001), Some(101)),           // wss
        ("GET", "www.example.com", NOV_30_2018_US, [192, 168, 131, 39], Some(0.001), Some(200)), // Lambda
        ("GET", "www.example.com", NOV_30_2018_US, [192, 168, 131, 39], Some(0.001), Some(502)), // Lambda failure
    ];
    assert_eq!(log.requests.len(), expected.len());
    for (i, (r, (method, host, created, ip, tpt, status))) in log.requests.iter().zip(expected).enumerate() {
        assert_eq!((r.method.as_str(), r.host.as_str(), r.path.as_str(), r.query.as_str()), (method, host, "/", ""), "entry {}", i + 1);
        assert_eq!(r.created_at_us, created, "entry {}", i + 1);
        assert_eq!(r.client_ip, Some(Ipv4Addr::from(ip)), "entry {}", i + 1);
        assert_eq!(r.target_processing_time_s, tpt, "entry {}", i + 1);
        assert_eq!(r.elb_status_code, status, "entry {}", i + 1);
    }
}

#[test]
fn quoted_unquoted_and_empty_fields() {
    let f = split_fields(r#"http 0.001 "GET http://a:80/ HTTP/1.1" "-" - "say \"hi\" \\ ok" "x"y" last"#).unwrap();
    let f: Vec<&str> = f.iter().map(|c| c.as_ref()).collect();
    // A quote followed by a non-space is kept (a stray quote in a user agent must not end it).
    assert_eq!(f, ["http", "0.001", "GET http://a:80/ HTTP/1.1", "-", "-", r#"say "hi" \ ok"#, r#"x"y"#, "last"]);
    // ALB's own escape for a quote in the request line stays as logged.
    assert_eq!(split_fields(r#""GET http://a:80/?q=\x22 HTTP/2.0""#).unwrap()[0], r"GET http://a:80/?q=\x22 HTTP/2.0");
    assert_eq!(split_fields(r#"a "b c"#).unwrap_err(), "unterminated quote in field 2");
    assert_eq!(split_fields(r#"a "b c\""#).unwrap_err(), "unterminated quote in field 2");
}

#[test]
fn bad_lines_are_skipped_with_their_line_numbers() {
    let log = parse_log(&access_log("with-bad-lines.log"));
    let skipped: Vec<(usize, &str)> = log.skipped.iter().map(|s| (s.line, s.reason.as_str())).collect();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert_eq!(skipped[0], (5, "unterminated quote in field 13"));
    assert_eq!(skipped[1], (7, "too few fields (13, an access log entry has at least 22)"));
    assert_eq!(skipped[2].0, 8);
    assert!(skipped[2].1.starts_with("bad timestamp in field 22") && skipped[2].1.contains("2024-02 has no day 30"), "{}", skipped[2].1);
    assert_eq!(skipped[3].0, 9);
    assert!(skipped[3].1.starts_with("bad request line in field 13"), "{}", skipped[3].1);
    assert_eq!(
        log.summary(),
        "4 requests read, 4 lines skipped (line 5: unterminated quote in field 13; \
         line 7: too few fields (13, an access log entry has at least 22); \
         line 8: bad timestamp in field 22 (request_creation_time) \"2024-02-30T12:00:03.400000Z\": 2024-02 has no day 30; and 1 more)"
    );

    // Kept: lines 4 and 10 (both created 12:00:00.250000, file order kept), 2 (12:00:01.5),
    // 6 (12:00:02.0). 2024-03-10T12:00:00Z is 1,710,072,000 s after the epoch.
    let noon_us = 1_710_072_000_000_000i64;
    let got: Vec<(i64, &str, &str)> =
        log.requests.iter().map(|r| (r.created_at_us - noon_us, r.method.as_str(), r.path.as_str())).collect();
    assert_eq!(
        got,
        [
            (250_000, "POST", "/api/orders"),
            (250_000, "GET", "/api/stock/42"),
            (1_500_000, "GET", "/api/orders"),
            (2_000_000, "GET", "/search")
        ]
    );
    let stock = &log.requests[1];
    assert_eq!((stock.target_processing_time_s, stock.elb_status_code), (None, Some(502)));
    assert_eq!((log.requests[2].host.as_str(), log.requests[2].query.as_str()), ("shop.example.org", "page=2"));
    // Line 6 (escaped quotes in the user agent, extra trailing fields) is read in full.
    assert_eq!(log.requests[3].query, "q=red%20shoes");
    assert_eq!(log.requests[3].client_ip, Some(Ipv4Addr::new(192, 0, 2, 44)));
}

fn replay(log: &LogParse, speed: f64, loop_for: Option<Span>) -> Vec<(SimTime, usize)> {
    Replay::new(log, ReplayOptions { speed, loop_for }).unwrap().collect()
}

#[test]
fn replay_offsets_speed_and_loop() {
    // Created at 12:00:00.25 (×2), 12:00:01.5 and 12:00:02.0 → offsets 0, 0, 1.25 s, 1.75 s.
    let log = parse_log(&access_log("with-bad-lines.log"));
    let us = |t: u64| SimTime(t);
    assert_eq!(replay(&log, 1.0, None), [(us(0), 0), (us(0), 1), (us(1_250_000), 2), (us(1_750_000), 3)]);
    // Twice as fast: every offset halves.
    assert_eq!(replay(&log, 2.0, None), [(us(0), 0), (us(0), 1), (us(625_000), 2), (us(875_000), 3)]);
    // Looping: one pass lasts the log's length plus one mean gap, 1.75 s · 4/3 = 2.333333 s, so
    // the second pass starts at 2.333333 s. Up to 5 s: passes at 0, 2.333333 and 4.666667 s; the
    // third pass is cut after its first two requests (4.666667 + 1.25 > 5).
    let looped = replay(&log, 1.0, Some(secs(5)));
    let period = 2_333_333;
    let expected = [
        (0, 0),
        (0, 1),
        (1_250_000, 2),
        (1_750_000, 3),
        (period, 0),
        (period, 1),
        (period + 1_250_000, 2),
        (period + 1_750_000, 3),
        (2 * period, 0),
        (2 * period, 1),
    ];
    assert_eq!(looped, expected.map(|(t, i)| (us(t), i)));
    assert_eq!(Replay::new(&log, ReplayOptions { speed: 1.0, loop_for: Some(secs(5)) }).unwrap().period(), Some(Span(period)));
    // loop_for shorter than the log cuts the first pass.
    assert_eq!(replay(&log, 1.0, Some(secs(1))).len(), 2);
}

#[test]
fn replay_refuses_what_it_cannot_do() {
    let log = parse_log(&access_log("awsdocs_alb_access_log_examples.log"));
    for speed in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = Replay::new(&log, ReplayOptions { speed, loop_for: None }).unwrap_err();
        assert!(e.contains("finite number above 0"), "{e}");
    }
    // Looping needs a log with some length; one with a single creation instant has none.
    let one_instant = parse_log(&access_log("awsdocs_alb_access_log_examples.log").lines().take(5).collect::<Vec<_>>().join("\n"));
    let e = Replay::new(&one_instant, ReplayOptions { speed: 1.0, loop_for: Some(secs(60)) }).unwrap_err();
    assert!(e.contains("same instant"), "{e}");
    // An empty log replays as nothing, looped or not.
    assert_eq!(replay(&LogParse::default(), 1.0, Some(secs(60))), []);
    // The full awsdocs log spans 151 days; replayed once at 86,400× it takes 151 s.
    let fast = replay(&log, 86_400.0, None);
    assert_eq!(fast.last(), Some(&(SimTime::from_secs(151), 6)));
}

#[test]
fn a_later_spike_leaves_earlier_arrivals_alone() {
    // One Exp(1) draw per arrival: the same seed maps to the same times until the profiles differ.
    let plain = RateProfile::constant(10.0).unwrap();
    let spiked = RateProfile::spikes(10.0, &[(secs(50), secs(10), 90.0)]).unwrap();
    let (a, b) = (arrivals(&plain, 11, secs(100)), arrivals(&spiked, 11, secs(100)));
    let before = |v: &[SimTime]| v.iter().copied().filter(|t| *t < SimTime::from_secs(50)).collect::<Vec<_>>();
    assert_eq!(before(&a), before(&b));
    assert!(before(&a).len() > 400 && a != b);
}
