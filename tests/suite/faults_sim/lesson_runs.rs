//! The zone-outage lesson (scenarios/lessons/faults/zone-outage-binpack-vs-spread.toml) with
//! drawn faults: common random numbers (another placement sees the same requests and the same
//! failures), determinism (the same seed gives the same faults and events, another seed others),
//! and the summary's `slo` checked by hand against the run's traffic totals.

use super::{task, tasks_on};
use crate::common::{events, load, repo, run, run_seed, traffic};
use ecsim::report::summary::Summary;
use ecsim::scenario::{self, Scenario};
use ecsim::sim::recorder::EventKind;
use ecsim::sim::RunOutcome;

// ---------------------------------------------------------------------------------------------
// 5. Common random numbers: another placement leaves arrivals and failure times where they were
// ---------------------------------------------------------------------------------------------

/// The zone-outage lesson (variants "spread" and "binpack"), its instances named "fleet", with
/// two drawn faults more: each instance wears out after a Weibull(30 min, 1.5) lifetime (its
/// own stream `fault/wear/instance/<ordinal>`), and each task crashes at 6 per hour (stream
/// `fault/bugs/task/<n>`, the n-th task of the service to reach RUNNING).
fn lesson_with_drawn_faults() -> Scenario {
    let path = repo("scenarios/lessons/faults/zone-outage-binpack-vs-spread.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("type = \"m5.xlarge\"\ncount = 6", "name = \"fleet\"\ntype = \"m5.xlarge\"\ncount = 6", 1);
    assert!(text.contains("name = \"fleet\""));
    let text = format!(
        "{text}
[[faults]]
name = \"wear\"
kind = \"instance_failure\"
group = \"fleet\"
time_to_failure = {{ distribution = \"weibull\", scale = \"30m\", shape = 1.5 }}
detection = \"60s\"

[[faults]]
name = \"bugs\"
kind = \"app_crash\"
service = \"web\"
rate_per_hour = 6
"
    );
    scenario::load_str(&path, &text).unwrap_or_else(|d| panic!("{d}"))
}

fn variant(s: &Scenario, name: &str) -> Scenario {
    s.with_variant(s.variants.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("no variant {name}")))
}

#[test]
fn binpack_and_spread_see_the_same_requests_and_the_same_failures() {
    let base = lesson_with_drawn_faults();
    let (spread, binpack) = (run(&variant(&base, "spread")), run(&variant(&base, "binpack")));
    // The placements differ (at t = 0: 1 task per instance under spread, 4 on one under binpack) ...
    let most_on_one =
        |o: &RunOutcome| (0..6).map(|i| tasks_on(o, i).iter().filter(|&&t| task(o, t).placed_at.as_micros() == 0).count()).max();
    assert_eq!((most_on_one(&spread), most_on_one(&binpack)), (Some(1), Some(4)));
    // ... the arrivals do not: the same requests from each source (`sources[].sent` counts
    // arrivals, stream traffic/<source>).
    let (ts, tb) = (traffic(&spread), traffic(&binpack));
    assert_eq!(
        ts.sources.iter().map(|s| (s.source.clone(), s.figures.sent)).collect::<Vec<_>>(),
        tb.sources.iter().map(|s| (s.source.clone(), s.figures.sent)).collect::<Vec<_>>()
    );
    // `traffic.requests` counts requests with an outcome, so it is the arrivals less those still
    // in flight at the end of the run — which depends on the queues, hence on the placement.
    let arrivals: u64 = ts.sources.iter().map(|s| s.figures.sent).sum();
    for t in [ts, tb] {
        let f = &t.figures;
        assert_eq!(f.requests + f.in_flight_at_end, arrivals);
        assert!(f.in_flight_at_end < 100, "{} of {arrivals} in flight", f.in_flight_at_end);
    }
    // The failure times do not either. The instance lifetimes, by hand: instance i fails at its
    // Weibull draw from stream fault/wear/instance/i — unless it is already unreachable then
    // (us-east-1b, ordinals 1 and 4, is out from 600 s to 1800 s) or the draw is past the run.
    let wear = base.faults.iter().find(|f| f.name == "wear").unwrap();
    let ecsim::faults::FaultKind::InstanceFailure { timing: ecsim::faults::Timing::Lifetime(d), .. } = &wear.kind else { panic!() };
    let streams = ecsim::engine::Streams::new(base.seed);
    let mut expected: Vec<(String, f64)> = (0..6u32)
        .filter_map(|i| {
            let at = d.sample(&mut streams.get(&format!("fault/wear/instance/{i}"))).as_secs_f64();
            let in_b = i % 3 == 1;
            let down = in_b && (600.0..1800.0).contains(&at);
            (at <= 2400.0 && !down).then(|| (base.cluster.instances[i as usize].ec2_instance_id.clone(), at))
        })
        .collect();
    expected.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert!(!expected.is_empty(), "the test needs at least one wear-out in the run");
    let failures = |o: &RunOutcome| -> Vec<(String, f64)> {
        o.fault_rows.iter().filter(|r| r.fault == "wear").map(|r| (r.target.clone(), r.start_s)).fold(Vec::new(), |mut v, x| {
            if v.last() != Some(&x) {
                v.push(x);
            }
            v
        })
    };
    let close = |a: &[(String, f64)], b: &[(String, f64)]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() < 1e-6)
    };
    assert!(close(&failures(&spread), &expected), "{:?} vs {expected:?}", failures(&spread));
    assert!(close(&failures(&binpack), &expected), "{:?} vs {expected:?}", failures(&binpack));
    // On the event log: every instance fault event (failure, detection, outage, back) is at the
    // same time with the same text in both runs.
    let fault_events = |o: &RunOutcome| -> Vec<(u64, String)> {
        events(o).into_iter().filter(|e| e.kind == EventKind::Fault && e.task.is_none()).map(|e| (e.us, e.detail)).collect()
    };
    assert_eq!(fault_events(&spread), fault_events(&binpack));
    // App crashes: the n-th task to reach RUNNING crashes after its n-th draw. Until something
    // makes the two runs lose different tasks (the first wear-out, or the outage at 600 s), the
    // same tasks reach RUNNING at the same times, so the crashes are at the same times.
    let horizon = expected[0].1.min(600.0);
    let crashes = |o: &RunOutcome| -> Vec<f64> {
        o.fault_rows.iter().filter(|r| r.fault == "bugs" && r.start_s < horizon).map(|r| r.start_s).collect()
    };
    assert!(!crashes(&spread).is_empty(), "the test needs a crash before {horizon} s");
    assert_eq!(crashes(&spread), crashes(&binpack));
}

// ---------------------------------------------------------------------------------------------
// 7. Determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn the_same_seed_gives_the_same_faults_and_events() {
    let s = variant(&lesson_with_drawn_faults(), "spread");
    let (a, b) = (run_seed(&s, 77), run_seed(&s, 77));
    assert!(!a.fault_rows.is_empty());
    assert_eq!(a.fault_rows, b.fault_rows);
    assert_eq!(events(&a), events(&b));
    assert_eq!(traffic(&a).figures.successful, traffic(&b).figures.successful);
    // And another seed draws other failures.
    let c = run_seed(&s, 78);
    assert_ne!(a.fault_rows, c.fault_rows);
}

// ---------------------------------------------------------------------------------------------
// 9. SLO
// ---------------------------------------------------------------------------------------------

#[test]
fn the_slo_in_the_summary_is_the_traffic_totals_held_to_the_objective() {
    // The lesson's spread variant: [slo] availability 99.9 %, p99 200 ms. By hand from the run's
    // traffic totals: availability = 100 × successful / requests; the budget is (1 − 0.999) ×
    // requests failures; spent = 100 × failed / budget.
    let base = load("scenarios/lessons/faults/zone-outage-binpack-vs-spread.toml");
    for name in ["spread", "binpack"] {
        let s = variant(&base, name);
        let out = run(&s);
        let slo = Summary::new(&s, Some(name), s.seed, &out).slo.expect("the lesson has an [slo]");
        let t = traffic(&out);
        let (requests, failed) = (t.figures.requests, t.figures.requests - t.figures.successful);
        assert!(requests > 1_000_000 && failed > 0, "{requests} {failed}");
        let availability = 100.0 * t.figures.successful as f64 / requests as f64;
        let budget = (1.0 - 0.999) * requests as f64;
        let spent = 100.0 * failed as f64 / budget;
        assert_eq!(slo.failed_requests, failed);
        assert!((slo.availability_pct - availability).abs() < 1e-6, "{name}: {} vs {availability}", slo.availability_pct);
        assert!((slo.error_budget_requests.unwrap() - budget).abs() < 1e-3, "{name}");
        assert!((slo.error_budget_spent_pct.unwrap() - spent).abs() < 1e-3, "{name}");
        assert_eq!(slo.availability_met, Some(availability >= 99.9));
        assert_eq!(slo.latency_ms_p99, t.latency_ms_p99);
        assert_eq!(slo.latency_met, Some(t.latency_ms_p99.unwrap() <= 200.0));
        assert_eq!(slo.met, slo.availability_met.unwrap() && slo.latency_met.unwrap());
        println!(
            "{name}: {requests} requests, {failed} failed, availability {availability:.4} %, budget spent {spent:.1} %, p99 {:?} ms",
            t.latency_ms_p99
        );
    }
}
