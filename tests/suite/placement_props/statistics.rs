//! Statistics of the random choices, over thousands of placements: the `random` strategy splits
//! placements evenly over zones and instances, `tieBreak = random` is uniform over the tied
//! instances, and `tieBreak = first` ignores the seed. Each tolerance is derived from the
//! binomial standard deviation in the test's comment.

use super::ZONES;
use ecsim::ecs::cluster::{Cluster, InstanceSpec};
use ecsim::ecs::instance::InstanceId;
use ecsim::ecs::instance_types;
use ecsim::ecs::placement::{self, BinpackField, PlacementRequest, Strategy as Rule, TieBreak};
use ecsim::ecs::task_def::Reservation;
use ecsim::engine::Streams;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Statistics of the random choices
// ---------------------------------------------------------------------------------------------

fn equal_cluster(zones: &[&str], per_zone: usize) -> Cluster {
    let m5 = instance_types::lookup("m5.large").unwrap();
    let mut c = Cluster::new("stats");
    for az in zones {
        for _ in 0..per_zone {
            c.register(&InstanceSpec {
                instance_type: m5,
                availability_zone: az.to_string(),
                os_memory_mib: None,
                reserved_memory_mib: 0,
                awsvpc_trunking: false,
                custom_attributes: BTreeMap::new(),
                registered_at_unix_s: 1_700_000_000,
                agent_version: "1.80.0".into(),
                price_usd_per_hour: None,
            });
        }
    }
    c
}

/// `random` over 3 AZs of 2 equal instances each, one placement per seed 0..3000, nothing
/// bound (the cluster stays the same).
///
/// Each placement lands in a given AZ with p = 1/3. Over n = 3000 placements the AZ's share
/// has standard deviation sqrt(p(1−p)/n) = sqrt((2/9)/3000) ≈ 0.0086 = 0.86 points, so the
/// ±3-point tolerance is ≈ 3.5 σ (a correct implementation fails it for a given seed set with
/// probability ≈ 3 × 5·10⁻⁴). Per instance (p = 1/6): σ = sqrt((5/36)/3000) ≈ 0.68 points,
/// ±3 points ≈ 4.4 σ.
#[test]
fn random_strategy_splits_placements_evenly_over_three_zones_across_seeds() {
    let mut c = equal_cluster(&ZONES, 2);
    let g = c.group_id("family:batch");
    let r = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = [Rule::Random];
    let req = PlacementRequest {
        reservation: &r,
        group: g,
        strategies: &strategies,
        constraints: &[],
        requires_attributes: &[],
        tie_break: TieBreak::First,
    };
    let n = 3000u64;
    let mut per_az: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_instance = [0u64; 6];
    for seed in 0..n {
        let d = placement::place(&c, &req, &mut Streams::new(seed).get("placement"), false);
        let id = d.instance().expect("roomy cluster");
        *per_az.entry(c.instance(id).availability_zone.clone()).or_default() += 1;
        per_instance[id.index()] += 1;
    }
    assert_eq!(per_az.len(), 3, "{per_az:?}");
    for (az, count) in &per_az {
        let share = *count as f64 / n as f64;
        assert!((share - 1.0 / 3.0).abs() <= 0.03, "{az}: share {share:.4}, expected 1/3 ± 0.03 ({per_az:?})");
    }
    for (k, count) in per_instance.iter().enumerate() {
        let share = *count as f64 / n as f64;
        assert!((share - 1.0 / 6.0).abs() <= 0.03, "i-{}: share {share:.4}, expected 1/6 ± 0.03 ({per_instance:?})", k + 1);
    }
}

/// `tieBreak = random` among k = 3 instances tied by binpack(memory), 3000 placements drawn
/// from one `placement` stream, nothing bound.
///
/// Each tied instance is picked with p = 1/3, so its count is Binomial(n = 3000, 1/3): mean
/// 1000, σ = sqrt(n p (1 − p)) = sqrt(3000 · 2/9) ≈ 25.8. Tolerance ±4 σ ≈ ±103 (two-sided tail
/// ≈ 6·10⁻⁵ per instance). The two untied instances are never picked.
#[test]
fn random_tie_break_is_uniform_over_the_tied_instances() {
    let mut c = equal_cluster(&["us-east-1a"], 5);
    // Remaining memory: i-1 8028, i-2..i-4 4000 (tied, least), i-5 6000.
    for (k, memory) in [8028, 4000, 4000, 4000, 6000].into_iter().enumerate() {
        c.instance_mut(InstanceId(k as u32)).remaining_memory_mib = memory;
    }
    let g = c.group_id("service:web");
    let r = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = [Rule::Binpack(BinpackField::Memory)];
    let req = PlacementRequest {
        reservation: &r,
        group: g,
        strategies: &strategies,
        constraints: &[],
        requires_attributes: &[],
        tie_break: TieBreak::Random,
    };
    let n = 3000.0_f64;
    let mut counts = [0u32; 5];
    let mut rng = Streams::new(2024).get("placement");
    for _ in 0..n as usize {
        counts[placement::place(&c, &req, &mut rng, false).instance().expect("fits").index()] += 1;
    }
    let (mean, sigma) = (n / 3.0, (n * (1.0 / 3.0) * (2.0 / 3.0)).sqrt());
    assert_eq!((counts[0], counts[4]), (0, 0), "only the tied instances may be chosen: {counts:?}");
    for (k, &count) in counts.iter().enumerate().take(4).skip(1) {
        assert!(
            (count as f64 - mean).abs() <= 4.0 * sigma,
            "i-{}: {count} picks, expected {mean:.0} ± {:.0} ({counts:?})",
            k + 1,
            4.0 * sigma
        );
    }
}

/// With `tieBreak = first` nothing random happens: every seed gives the lowest ordinal.
#[test]
fn first_tie_break_ignores_the_seed() {
    let mut c = equal_cluster(&ZONES, 2);
    let g = c.group_id("service:web");
    let r = Reservation { cpu_units: 256, memory_mib: 512, ..Reservation::default() };
    let strategies = Rule::service_default();
    let req = PlacementRequest {
        reservation: &r,
        group: g,
        strategies: &strategies,
        constraints: &[],
        requires_attributes: &[],
        tie_break: TieBreak::First,
    };
    for seed in 0..100 {
        assert_eq!(placement::place(&c, &req, &mut Streams::new(seed).get("placement"), false).instance(), Some(InstanceId(0)));
    }
}
