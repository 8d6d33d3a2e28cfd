//! Whole simulations through the library: the placement index changes nothing, the model's
//! invariants hold after every event, and submitted = placed + failed + waiting.

use ecsim::scenario;
use ecsim::sim::{self, RunOptions};
use std::path::Path;

fn load(rel: &str) -> scenario::Scenario {
    scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn placement_index_gives_the_same_run_as_the_reference() {
    for file in ["scenarios/quickstart.toml", "scenarios/lessons/console-templates.toml"] {
        let base = load(file);
        let variants: Vec<_> =
            if base.variants.is_empty() { vec![base.clone()] } else { base.variants.iter().map(|v| base.with_variant(v)).collect() };
        for s in variants {
            let mut reference = s.clone();
            reference.explain_placements = true; // explained runs use the reference `place`
            let mut indexed = s.clone();
            indexed.explain_placements = false; // unexplained runs use the PlacementIndex
            let a = sim::run(&reference, 5);
            let b = sim::run(&indexed, 5);
            let strip = |r: &sim::RunOutcome| {
                r.recorder
                    .events
                    .iter()
                    .map(|e| (e.time_s, e.event, e.task.clone(), e.instance.clone(), e.reason.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&a), strip(&b), "{file}: index and reference disagree");
            assert_eq!(a.recorder.minutes, b.recorder.minutes);
        }
    }
}

#[test]
fn invariants_hold_after_every_event() {
    let s = load("scenarios/quickstart.toml");
    let out = sim::run_with(&s, 9, RunOptions { check_invariants: true }, &mut |_| {});
    let r = &out.recorder;
    assert_eq!(r.submitted, r.placed + r.failed + r.waiting_at_end);
    assert!(r.completed <= r.placed);
}

#[test]
fn arrivals_follow_the_configured_rates() {
    // quickstart: web 1.0/min for 360 min → 360 expected; batch 0.3/min × 3 tasks → 324.
    // Poisson counts: sd = √360 ≈ 19 and 3·√108 ≈ 31; over 20 seeds the mean's sd is ≈ 4.2 and
    // ≈ 7, so ±5 % (18 and 16) is over 2.3 sd of the mean.
    let s = load("scenarios/quickstart.toml");
    let (mut web, mut batch) = (0u64, 0u64);
    let seeds = 20;
    for seed in 0..seeds {
        let out = sim::run(&s, seed);
        let submitted = |w: &str| {
            out.recorder
                .events
                .iter()
                .filter(|e| {
                    e.workload == w
                        && matches!(
                            e.event,
                            sim::recorder::EventKind::Placed | sim::recorder::EventKind::Failed | sim::recorder::EventKind::Waiting
                        )
                })
                .count() as u64
        };
        web += submitted("web");
        batch += out.recorder.submitted - submitted("web");
    }
    let (web, batch) = (web as f64 / seeds as f64, batch as f64 / seeds as f64);
    assert!((web - 360.0).abs() < 18.0, "web {web}");
    assert!((batch - 324.0).abs() < 16.2, "batch {batch}");
}
